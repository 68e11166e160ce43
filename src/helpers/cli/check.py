"""``python -m helpers check [FILE|-]``: check a curl command before running it.

The command reads a curl command from FILE (or from standard input with
``-`` or no argument), runs the preflight checks on the request it describes
and prints every finding, errors first. ``--json`` prints a JSON array of
findings instead. Exit status 0 means no error-severity finding, 1 means at
least one, 2 a usage error (no such file, or the text is not a curl command).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from helpers import preflight
from helpers.cli import EXIT_NOTHING_FOUND, EXIT_OK, UsageError
from helpers.curl import CurlFileNotFoundError, CurlParseError, parse_curl_command
from helpers.secrets import mask_text

JSON_FIELDS = ("code", "severity", "field", "message", "fix")


def register(subparsers: argparse._SubParsersAction) -> argparse.ArgumentParser:
    """Add the ``check`` command to the top-level parser."""
    parser = subparsers.add_parser(
        "check",
        help="check a curl command for mistakes the API would reject",
        description=(
            "Read a curl command from FILE or standard input and report every "
            "problem the Interaction API would reject, with the error code it "
            "would return and the fix. Nothing is sent. Exit status: 0 when no "
            "error is found, 1 when at least one is, 2 on a usage error."
        ),
    )
    parser.add_argument(
        "file",
        nargs="?",
        default="-",
        metavar="FILE",
        help="file holding the curl command; '-' or nothing reads standard input",
    )
    parser.add_argument(
        "--json", action="store_true", help="print a JSON array of findings"
    )
    parser.add_argument(
        "--base-dir",
        metavar="DIR",
        help=(
            "folder that @file paths in the command are relative to; default: the "
            "folder of FILE, or the current folder for standard input"
        ),
    )
    parser.add_argument(
        "--strict-org-id-15",
        action="store_true",
        help="report an 18-character OrgId as an error",
    )
    return parser


def run(args: argparse.Namespace) -> int:
    """Check the curl command named by ``args`` and print the findings."""
    text, base_dir = _read_command(args.file, args.base_dir)
    try:
        command = parse_curl_command(text, base_dir=base_dir)
    except CurlFileNotFoundError as exc:
        raise UsageError(
            f"{exc.option} names the file {exc.path!r}, which was not found in "
            f"{exc.base_dir}; pass --base-dir DIR with the folder the command was "
            "written for (by default, the folder of FILE, or the current folder "
            "for standard input)"
        ) from None
    except CurlParseError as exc:
        raise UsageError(
            f"{exc}. Pass a file (or standard input) holding one curl command, such "
            "as: curl -X POST https://<host>/api/v1/conversation -H ... --data-raw '{...}'"
        ) from None
    findings = preflight.sort_findings(
        preflight.check(command.request, strict_org_id_15=args.strict_org_id_15)
    )
    if args.json:
        rows = [{key: finding.to_dict()[key] for key in JSON_FIELDS} for finding in findings]
        print(json.dumps(rows, indent=2))
        for note in command.notes:
            print(f"note: {mask_text(note)}", file=sys.stderr)
    else:
        _print_text(command, findings)
    return EXIT_NOTHING_FOUND if preflight.has_errors(findings) else EXIT_OK


def _read_command(file: str, base_dir: str | None) -> tuple[str, Path]:
    if file == "-":
        if sys.stdin is None or sys.stdin.isatty():
            raise UsageError(
                "no curl command given; pass a FILE, or pipe the command into standard input"
            )
        return sys.stdin.read(), Path(base_dir) if base_dir else Path.cwd()
    path = Path(file)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise UsageError(f"the file {file!r} was not found; pass a file holding a curl command") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise UsageError(f"the file {file!r} could not be read as text: {exc}") from None
    return text, Path(base_dir) if base_dir else path.resolve().parent


def _print_text(command, findings: list) -> None:
    request = command.request
    print(f"{request.method} {command.base_url}{request.path}")
    for note in command.notes:
        print(f"note: {mask_text(note)}")
    print()
    for finding in findings:
        print(finding)
        print()
    errors = sum(1 for f in findings if f.is_error)
    warnings = len(findings) - errors
    if errors:
        print(f"{errors} error(s) and {warnings} warning(s): the API would reject this request.")
    elif warnings:
        print(f"The request looks valid: no errors, {warnings} warning(s) to review.")
    else:
        print("The request looks valid: no errors and no warnings.")
