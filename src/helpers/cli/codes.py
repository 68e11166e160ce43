"""``python -m helpers codes``: list, show and search the error-code table.

With no arguments it lists the codes of table version 2024-11, one per line.
``CODE`` shows one code in full, ``--search TEXT`` ranks codes by how well
their message matches a log line, ``--json`` prints a JSON array instead of
text, and ``--markdown`` prints the ``docs/codes.md`` page.
"""

from __future__ import annotations

import argparse
import json
import os
import sys

from helpers import codes
from helpers.cli import EXIT_NOTHING_FOUND, EXIT_OK, UsageError

DETAIL_FIELDS = (
    ("name", "name"),
    ("table version", "table_version"),
    ("status", "status"),
    ("category", "category"),
    ("message", "message"),
    ("summary", "summary"),
    ("endpoints", "endpoints"),
    ("fields", "fields"),
    ("cause", "cause"),
    ("fix", "fix"),
    ("retryable", "retryable"),
    ("retry advice", "retry_advice"),
    ("HTTP status", "http_status"),
    ("evidence", "evidence"),
)


def register(subparsers: argparse._SubParsersAction) -> argparse.ArgumentParser:
    """Add the ``codes`` command to the top-level parser."""
    parser = subparsers.add_parser(
        "codes",
        help="list, show or search the error-code table",
        description=(
            "List the Interaction API error codes of one table version, show one "
            "code in full, or search the codes by message text."
        ),
    )
    parser.add_argument(
        "code", nargs="?", metavar="CODE", help="show this code in full, e.g. 10004"
    )
    parser.add_argument(
        "--version",
        dest="table_version",
        metavar="V",
        help=(
            f"table version, e.g. {codes.BASE_VERSION}, or 'latest'; default "
            f"{codes.BASE_VERSION} when listing, every version for CODE and --search"
        ),
    )
    parser.add_argument(
        "--search",
        metavar="TEXT",
        help="rank codes by how well their message matches TEXT",
    )
    parser.add_argument(
        "--limit",
        type=int,
        default=5,
        metavar="N",
        help="maximum number of search results (default 5)",
    )
    parser.add_argument(
        "--json", action="store_true", help="print a JSON array of codes"
    )
    parser.add_argument(
        "--markdown",
        action="store_true",
        help="print the docs/codes.md page rendered from the table",
    )
    return parser


def run(args: argparse.Namespace) -> int:
    """Run ``codes`` and return the exit status."""
    try:
        return _dispatch(args)
    except BrokenPipeError:
        # The reader (for example ``head``) closed the pipe early, which is
        # not an error. Point stdout at devnull so the exit flush stays quiet.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return EXIT_OK


def _dispatch(args: argparse.Namespace) -> int:
    modes = [args.code is not None, args.search is not None, args.markdown]
    if sum(modes) > 1:
        raise UsageError("pass only one of CODE, --search and --markdown")
    if args.markdown and args.json:
        raise UsageError("--markdown and --json cannot be combined")
    try:
        version = codes.resolve_version(args.table_version)
    except ValueError as exc:
        raise UsageError(str(exc)) from None

    if args.markdown:
        sys.stdout.write(codes.render_markdown())
        return EXIT_OK
    if args.search is not None:
        return _run_search(args.search, version, args.limit, args.json)
    if args.code is not None:
        return _run_show(args.code, version, args.json)
    return _run_list(version, args.json)


def _run_list(version: str | None, as_json: bool) -> int:
    if version is None:
        version = codes.BASE_VERSION
        newest = codes.latest_version()
        if newest != version:
            print(
                f"Table version {version}; pass --version latest for {newest}.",
                file=sys.stderr,
            )
    rows = codes.all_codes(version)
    if as_json:
        _print_json([row.to_dict() for row in rows])
    else:
        for row in rows:
            print(_one_line(row))
    return EXIT_OK if rows else EXIT_NOTHING_FOUND


def _run_show(code_text: str, version: str | None, as_json: bool) -> int:
    if not code_text.strip().isdigit():
        raise UsageError(f"CODE must be a number such as 10004, got {code_text!r}")
    row = codes.lookup(code_text, version)
    if row is None:
        where = f"table version {version}" if version else "any table version"
        print(f"Code {code_text.strip()} not found in {where}.", file=sys.stderr)
        return EXIT_NOTHING_FOUND
    if as_json:
        _print_json([row.to_dict()])
        return EXIT_OK
    print(f"{row.code}")
    width = max(len(label) for label, _ in DETAIL_FIELDS)
    for label, attribute in DETAIL_FIELDS:
        value = getattr(row, attribute)
        if isinstance(value, tuple):
            value = ", ".join(value)
        if attribute == "message" and not value:
            value = _fallback_message(row)
        if attribute == "http_status":
            value = f"{value} ({row.http_status_evidence})"
        print(f"  {label:<{width}}  {value}")
    return EXIT_OK


def _fallback_message(row: codes.ErrorCode) -> str:
    fallback = codes.message_for(row.code, row.table_version)
    if fallback == row.summary:
        return f"(no published wording; summary) {fallback}"
    if row.removed:
        return f"(removed; last published text) {fallback}"
    return f"(not published verbatim for {row.table_version}; older text) {fallback}"


def _run_search(text: str, version: str | None, limit: int, as_json: bool) -> int:
    if limit < 1:
        raise UsageError(f"--limit must be at least 1, got {limit}")
    if not text.strip():
        raise UsageError(
            f"--search {text!r} is empty; pass words from the error message, "
            "such as --search 'file ID field is empty'"
        )
    results = codes.search(text, version=version, limit=limit)
    if not results:
        print(f"No code matches {text!r}.", file=sys.stderr)
        return EXIT_NOTHING_FOUND
    if as_json:
        _print_json([dict(row.to_dict(), score=score) for row, score in results])
        return EXIT_OK
    for row, score in results:
        print(f"{score:5.2f}  {_one_line(row)}")
    return EXIT_OK


def _one_line(row: codes.ErrorCode) -> str:
    marker = " (removed)" if row.removed else ""
    return f"{row.code:>5}  {row.table_version}  {row.name}{marker}: {row.summary}"


def _print_json(items: list[dict]) -> None:
    json.dump(items, sys.stdout, ensure_ascii=False, indent=2)
    sys.stdout.write("\n")
