"""``python -m helpers repro CODE|--all``: reproduce codes on a sandbox and fix them.

For each code, sends the catalog's failing request, decodes the response,
sends the fixed request and reports whether the code came back and whether
the fix succeeded. Without ``--target`` an in-process sandbox serves the
run; ``--target URL`` must be a sandbox (``python -m helpers sandbox``),
because the cases use its fixture's tokens and channels and arm its faults.
"""

from __future__ import annotations

import argparse
import json
import logging
from typing import Any

from helpers.cli import EXIT_NOTHING_FOUND, EXIT_OK, UsageError


def register(subparsers: Any) -> argparse.ArgumentParser:
    parser = subparsers.add_parser(
        "repro",
        help="reproduce an error code on the sandbox, then apply its fix",
        description=(
            "Send the failing request of each code from data/repros.json, then the "
            "fixed one, and report per code whether the code was returned (triggered) "
            "and whether the fix succeeded (fixed). Exit 0 when every case triggered "
            "and fixed, 1 otherwise."
        ),
    )
    parser.add_argument("code", nargs="*", help="error codes such as 10013 (see data/repros.json)")
    parser.add_argument("--all", action="store_true", help="run every code of the catalog")
    parser.add_argument(
        "--list",
        action="store_true",
        help="list the catalog's codes and mistakes (only the given codes, if any); send nothing",
    )
    parser.add_argument("--json", action="store_true", help="print the results as JSON")
    parser.add_argument(
        "--target",
        metavar="URL",
        help="base URL of a running sandbox (only sandboxes: the profile is read "
        "from URL/__sandbox__/profile); default: an in-process sandbox",
    )
    parser.add_argument(
        "--record",
        metavar="FILE",
        help="append every exchange to this session journal (JSON lines)",
    )
    return parser


def run(args: argparse.Namespace) -> int:
    from helpers import repro

    if args.list:
        return _list(repro, args)
    codes = _codes(args, repro)
    _check_target(args.target)
    if not getattr(args, "verbose", False):
        # The transport logs each exchange; the in-process sandbox's own
        # request lines would repeat them.
        logging.getLogger("helpers.sandbox").setLevel(logging.WARNING)
    journal = _open_journal(args.record, args.target)
    listener = journal.record_exchange if journal is not None else None
    try:
        if args.target:
            profile = repro.fetch_profile(args.target)
            results = repro.run_all(codes, args.target, profile, listener=listener)
        else:
            results = repro.run_all(codes, listener=listener)
    except repro.ReproError as exc:
        raise UsageError(str(exc)) from None
    finally:
        if journal is not None:
            journal.close()

    if args.json:
        print(json.dumps([r.to_dict() for r in results], indent=2))
    else:
        for result in results:
            print(_line(result))
        passed = sum(r.ok for r in results)
        print(f"{passed} of {len(results)} codes triggered and fixed")
    return EXIT_OK if all(r.ok for r in results) else EXIT_NOTHING_FOUND


def _list(repro: Any, args: argparse.Namespace) -> int:
    if args.code:
        cases = [repro.get_case(code) for code in _codes(args, repro)]
    else:
        cases = list(repro.catalog().values())
    if args.json:
        print(json.dumps([case.to_dict() for case in cases], indent=2))
        return EXIT_OK
    for case in cases:
        print(f"{case.code:>5}  {case.base['method']:<6} {case.base['path']:<30} {case.description}")
    return EXIT_OK


def _codes(args: argparse.Namespace, repro: Any) -> list[int]:
    if args.all and args.code:
        raise UsageError("give codes or --all, not both")
    if args.all:
        return list(repro.catalog())
    if not args.code:
        raise UsageError("give one or more codes, such as 10013, or --all")
    codes: list[int] = []
    for text in args.code:
        if not text.strip().isdigit():
            raise UsageError(
                f"code {text!r} is not a number; pass a numeric code such as 10013 "
                "(python -m helpers repro --list shows every code)"
            )
        try:
            code = repro.get_case(int(text)).code
        except repro.ReproError as exc:
            raise UsageError(str(exc)) from None
        # A code given twice runs once, in the position it first appeared.
        if code not in codes:
            codes.append(code)
    return codes


def _check_target(target: str | None) -> None:
    """Raise ``UsageError`` unless ``target`` is an http(s) URL.

    Without a scheme, requests fails with a bare ``InvalidSchema`` or
    ``MissingSchema``, so a value such as ``127.0.0.1:18765`` gets the
    corrected URL to pass.
    """
    if target is None:
        return
    if not target.strip():
        raise UsageError("--target is empty; pass a sandbox URL such as http://127.0.0.1:8000")
    scheme, separator, rest = target.partition("://")
    if not separator:
        raise UsageError(
            f"--target {target!r} has no scheme; add http://, as in "
            f"--target http://{target}"
        )
    if scheme.lower() not in ("http", "https"):
        raise UsageError(
            f"--target {target!r} uses {scheme}://; a sandbox URL starts with "
            f"http://, as in --target http://{rest}"
        )


def _open_journal(path: str | None, target: str | None):
    if not path:
        return None
    try:
        from helpers.journal import Journal, JournalError
    except ImportError:
        raise UsageError(
            "--record needs helpers.journal, which this installation lacks; "
            "run without --record"
        ) from None
    try:
        return Journal(path, target=target or "sandbox")
    except (JournalError, OSError) as exc:
        raise UsageError(f"cannot record to {path}: {exc}") from None


def _line(result: Any) -> str:
    mark = "ok  " if result.ok else "FAIL"
    returned = result.code_returned if result.code_returned is not None else "no code"
    text = (
        f"{mark} {result.code}: returned {returned} (HTTP {result.status_returned}); "
        f"fixed request HTTP {result.fixed_status} - {result.description}"
    )
    for finding in result.decoded():
        if finding.get("name"):
            text += f"\n       decoded: {finding['name']}: {finding.get('summary') or ''}"
    if result.error:
        text += f" [error: {result.error}]"
    return text
