"""``python -m helpers decode [FILE|-] [--json]``: explain the errors in an artifact.

The input is a file or standard input: a response body, log text, raw HTTP,
``curl -v`` or ``curl -i`` output, or a HAR file (recognised by its content;
gzip-compressed files work too). Each finding prints as a block of plain
text, blocks separated by a blank line; ``--json`` prints a JSON array of
findings instead. Exit status 0 when something was decoded, 1 when nothing
was found, 2 for a usage error.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from helpers.cli import EXIT_NOTHING_FOUND, EXIT_OK, UsageError
from helpers.decode import MAX_INPUT_BYTES, decode

NOTHING_FOUND = (
    "no Interaction API error found in {name}; pass an error body (JSON), log text, "
    "raw HTTP or curl -v output, or a HAR file"
)


def register(subparsers: argparse._SubParsersAction) -> argparse.ArgumentParser:
    """Add the ``decode`` command to the top-level parser."""
    parser = subparsers.add_parser(
        "decode",
        help="explain the errors in a body, log, curl transcript or HAR file",
        description=(
            "Decode Interaction API errors: error bodies, log text, raw HTTP, "
            "curl -v or curl -i output, and HAR files. Reads FILE, or standard "
            "input when FILE is '-' or left out."
        ),
    )
    parser.add_argument(
        "file", nargs="?", metavar="FILE",
        help="file to decode; '-' or nothing reads standard input",
    )
    parser.add_argument(
        "--json", action="store_true", help="print a JSON array of findings"
    )
    return parser


def run(args: argparse.Namespace) -> int:
    """Decode the input named by ``args`` and print the findings."""
    data, name = _read_input(args.file)
    if not data.strip():
        print(NOTHING_FOUND.format(name=f"{name} (it is empty)"), file=sys.stderr)
        return EXIT_NOTHING_FOUND
    findings = decode(data)
    if args.json:
        print(json.dumps([finding.to_dict() for finding in findings], indent=2,
                         ensure_ascii=False))
    else:
        print("\n\n".join(str(finding) for finding in findings))
    if not findings:
        print(NOTHING_FOUND.format(name=name), file=sys.stderr)
        return EXIT_NOTHING_FOUND
    return EXIT_OK


def _read_input(file: str | None) -> tuple[bytes, str]:
    if file is None or file == "-":
        if file is None and sys.stdin.isatty():
            raise UsageError(
                "no input: pass a FILE to decode, or pipe text into standard input"
            )
        data = sys.stdin.buffer.read(MAX_INPUT_BYTES + 1)
        return _cut_to_limit(data, "standard input"), "standard input"
    path = Path(file)
    if path.is_dir():
        raise UsageError(f"{file} is a directory; pass a file to decode")
    try:
        with path.open("rb") as handle:
            data = handle.read(MAX_INPUT_BYTES + 1)
        return _cut_to_limit(data, file), file
    except FileNotFoundError:
        raise UsageError(f"file not found: {file}") from None
    except OSError as exc:
        raise UsageError(f"cannot read {file}: {exc.strerror or exc}") from None


def _cut_to_limit(data: bytes, name: str) -> bytes:
    """Return at most ``MAX_INPUT_BYTES`` of ``data``, saying on stderr when cut."""
    if len(data) <= MAX_INPUT_BYTES:
        return data
    print(
        f"{name} is larger than {MAX_INPUT_BYTES} bytes; decoding only the first "
        f"{MAX_INPUT_BYTES} bytes",
        file=sys.stderr,
    )
    return data[:MAX_INPUT_BYTES]
