"""``python -m helpers triage FILE...``: count the API errors in large logs.

Prints which codes occurred, how often, on which endpoints, and when each was
first and last seen, with the fix from the code table. ``--json`` prints the
same as a JSON object (``total_errors``, ``by_code`` with codes as string
keys, ``by_endpoint``, ``first_seen``, ``last_seen`` and more), and ``--csv
OUT`` also writes one row per error. Exit status 0 means errors were found,
1 means none, 2 a usage error such as a missing file.
"""

from __future__ import annotations

import argparse
import glob
import json
import sys
from pathlib import Path

from helpers.cli import EXIT_NOTHING_FOUND, EXIT_OK, UsageError

STDIN_NAME = "-"


def register(subparsers: argparse._SubParsersAction) -> argparse.ArgumentParser:
    """Add the ``triage`` command to the top-level parser."""
    parser = subparsers.add_parser(
        "triage",
        help="count the API errors in log files by code, endpoint and time",
        description=(
            "Read log files (plain text, JSON lines, CSV exports, HAR, or gzip of "
            "any of them) and summarize the Interaction API errors in them."
        ),
    )

    parser.add_argument(
        "files",
        nargs="+",
        metavar="FILE",
        help="log file, directory or quoted glob pattern to read; '-' reads standard input",
    )
    parser.add_argument("--json", action="store_true", help="print the summary as JSON")
    parser.add_argument(
        "--csv", metavar="OUT", help="also write one row per error to this CSV file"
    )
    parser.add_argument(
        "--freq",
        metavar="WIDTH",
        help="bucket width for counts over time, e.g. 15min, 1h, 1D (default: chosen from the span)",
    )

    progress = parser.add_mutually_exclusive_group()
    progress.add_argument(
        "--progress",
        dest="progress",
        action="store_const",
        const=True,
        help="always show a progress bar on standard error",
    )
    progress.add_argument(
        "--no-progress",
        dest="progress",
        action="store_const",
        const=False,
        help="never show a progress bar (default: shown on a terminal for inputs over 64 MB)",
    )

    parser.add_argument(
        "--workers",
        type=int,
        metavar="N",
        help="processes that scan large plain files in parallel (default: one per CPU, at most 4)",
    )
    parser.add_argument(
        "--table-version",
        metavar="V",
        help="code table version for names and fixes (default: the newest that lists each code)",
    )
    return parser


def run(args: argparse.Namespace) -> int:
    """Triage the files named in ``args`` and print the summary."""
    from helpers.triage import triage

    sources = [_source(name) for name in args.files]
    _check_options(args)
    try:
        summary = triage(
            sources,
            freq=args.freq,
            max_rows=0,
            progress=args.progress,
            rows_csv=args.csv,
            version=args.table_version,
            workers=args.workers,
        )
    except FileNotFoundError as exc:
        raise UsageError(str(exc)) from exc
    if args.json:
        json.dump(summary.to_dict(), sys.stdout, indent=2)
        sys.stdout.write("\n")
    else:
        print(summary)
        if args.csv:
            print(f"wrote {summary.total_errors} rows to {args.csv}")
    return EXIT_OK if summary.total_errors else EXIT_NOTHING_FOUND


def _source(name: str):
    if name == STDIN_NAME:
        return sys.stdin.buffer
    path = Path(name)
    if glob.has_magic(name) and not path.exists():
        # A quoted pattern such as 'logs/*.gz'; triage expands it.
        return path
    if not path.exists():
        raise UsageError(f"log file not found: {name}; check the path")
    return path


def _check_options(args: argparse.Namespace) -> None:
    from helpers.triage.summary import frequency_nanos

    if args.freq is not None:
        try:
            frequency_nanos(args.freq)
        except ValueError as exc:
            raise UsageError(str(exc)) from exc
    if args.table_version is not None:
        from helpers import codes

        try:
            codes.resolve_version(args.table_version)
        except ValueError as exc:
            raise UsageError(str(exc)) from exc
    if args.workers is not None and args.workers < 1:
        raise UsageError(f"invalid --workers {args.workers}; pass 1 or more")
    if args.csv and Path(args.csv).is_dir():
        raise UsageError(f"--csv {args.csv} is a directory; give a file name")
