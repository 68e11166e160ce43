"""``python -m helpers session``: show, annotate, export and replay sessions.

- ``session show JOURNAL`` prints a summary of a recorded journal; with
  ``--redacted`` it prints the redacted records and the redaction report.
- ``session annotate JOURNAL TEXT`` appends a note to a journal.
- ``session export JOURNAL --to DIR`` redacts the journal and writes
  ``session.ipynb``, ``session.html``, ``session.curl.sh`` and
  ``session.bundle.json``, then prints the redaction report.
- ``session replay BUNDLE`` sends the bundle's requests again and compares
  codes; exit status 0 when every code matches, 1 when any differs.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from helpers.cli import EXIT_NOTHING_FOUND, EXIT_OK, UsageError


def register(subparsers: argparse._SubParsersAction) -> argparse.ArgumentParser:
    """Add the ``session`` command and its subcommands to the top-level parser."""
    parser = subparsers.add_parser(
        "session",
        help="show, annotate, export or replay a recorded repro session",
        description=(
            "Work with session journals recorded by helpers.journal (for example "
            "by 'python -m helpers repro ... --record FILE'): summarise, annotate, "
            "export redacted files for sharing, and replay exported bundles."
        ),
    )
    actions = parser.add_subparsers(dest="session_command", metavar="ACTION")
    actions.required = True

    show = actions.add_parser("show", help="print a summary of a journal")
    show.add_argument("journal", metavar="JOURNAL", help="journal file (JSON lines)")
    show.add_argument(
        "--redacted",
        action="store_true",
        help="print the redacted session as JSON and the redaction report",
    )
    _add_redaction_options(show)

    annotate = actions.add_parser("annotate", help="append a note to a journal")
    annotate.add_argument(
        "journal", metavar="JOURNAL", help="journal file to append to"
    )
    annotate.add_argument("text", metavar="TEXT", help="the note")
    annotate.add_argument(
        "--exchange",
        type=int,
        metavar="N",
        help="index of the exchange the note is about (see 'session show')",
    )

    export = actions.add_parser(
        "export",
        help="redact a journal and write notebook, HTML, curl and bundle files",
    )
    export.add_argument("journal", metavar="JOURNAL", help="journal file to export")
    export.add_argument("--to", required=True, metavar="DIR", help="output folder")
    export.add_argument(
        "--no-html", action="store_true", help="skip session.html (nbconvert is slow)"
    )
    _add_redaction_options(export)

    replay = actions.add_parser(
        "replay", help="send an exported bundle's requests again and compare codes"
    )
    replay.add_argument(
        "bundle", metavar="BUNDLE", help="session.bundle.json from an export"
    )
    replay.add_argument(
        "--target",
        metavar="URL|PROFILE",
        help=(
            "a sandbox URL (its profile is read from URL/__sandbox__/profile) or a "
            "profile file; default: a new in-process sandbox. Against an org, "
            "every recorded request is sent again, messages included"
        ),
    )
    replay.add_argument(
        "--no-faults",
        action="store_true",
        help="do not arm the recorded server-side faults on a sandbox target",
    )
    replay.add_argument(
        "--json",
        action="store_true",
        help="print one JSON row per exchange: index, method, path, code_before, "
        "code_now, same",
    )
    return parser


def _add_redaction_options(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("redaction (secrets are always replaced)")
    group.add_argument(
        "--keep-end-user-ids", action="store_true", help="keep end-user client ids"
    )
    group.add_argument(
        "--keep-message-text", action="store_true", help="keep message text"
    )
    group.add_argument(
        "--keep-usernames",
        action="store_true",
        help="keep Salesforce usernames and emails",
    )
    group.add_argument(
        "--keep-attachments",
        action="store_true",
        help="keep the bytes of uploaded files",
    )
    group.add_argument("--redact-org-ids", action="store_true", help="replace org ids")
    group.add_argument(
        "--redact-channel-ids",
        action="store_true",
        help="replace channel address identifiers",
    )
    group.add_argument(
        "--redact-hosts",
        action="store_true",
        help="replace host names in URLs, such as a My Domain host",
    )
    group.add_argument(
        "--redact",
        action="append",
        default=[],
        metavar="VALUE",
        help="also replace this literal value (repeatable)",
    )


def run(args: argparse.Namespace) -> int:
    """Run ``session`` and return the exit status."""
    handlers = {
        "show": _show,
        "annotate": _annotate,
        "export": _export,
        "replay": _replay,
    }
    return handlers[args.session_command](args)


def _redact_options(args: argparse.Namespace):
    from helpers.redact import RedactOptions

    try:
        return RedactOptions(
            end_user_ids=not args.keep_end_user_ids,
            message_text=not args.keep_message_text,
            usernames=not args.keep_usernames,
            org_ids=args.redact_org_ids,
            channel_addresses=args.redact_channel_ids,
            hosts=args.redact_hosts,
            attachments=not args.keep_attachments,
            extra_values=tuple(args.redact),
        )
    except (TypeError, ValueError) as exc:
        raise UsageError(f"--redact: {exc}") from None


def _load(path: str):
    from helpers.journal import JournalError, load_journal

    if not Path(path).is_file():
        raise UsageError(
            f"journal {path} not found; pass the file written with --record"
        )
    try:
        return load_journal(path)
    except JournalError as exc:
        raise UsageError(str(exc)) from None


def _show(args: argparse.Namespace) -> int:
    session = _load(args.journal)
    if args.redacted:
        from helpers.redact import redact_session

        redacted, report = redact_session(session, _redact_options(args))
        print(json.dumps(redacted.to_dict(), indent=1, ensure_ascii=False))
        print(report, file=sys.stderr)
    else:
        print(session.summary())
    return EXIT_OK if len(session) else EXIT_NOTHING_FOUND


def _annotate(args: argparse.Namespace) -> int:
    from helpers.journal import Journal

    _load(args.journal)
    journal = Journal(args.journal)
    try:
        journal.annotate(args.text, exchange_index=args.exchange)
    except (TypeError, ValueError) as exc:
        raise UsageError(str(exc)) from None
    finally:
        journal.close()
    print(f"annotation added to {args.journal}")
    return EXIT_OK


def _export(args: argparse.Namespace) -> int:
    from helpers.export import ExportError, export_session

    session = _load(args.journal)
    out = Path(args.to)
    if out.exists() and not out.is_dir():
        raise UsageError(f"--to {args.to} is a file; pass a folder")
    try:
        result = export_session(
            session, out, _redact_options(args), html_file=not args.no_html
        )
    except ExportError as exc:
        print(f"python -m helpers session export: {exc}", file=sys.stderr)
        return EXIT_NOTHING_FOUND
    print(result)
    return EXIT_OK


def _replay(args: argparse.Namespace) -> int:
    from helpers.export import ExportError, load_bundle
    from helpers.journal import JournalError
    from helpers.replay import ReplayError, replay_bundle

    if not Path(args.bundle).is_file():
        raise UsageError(
            f"bundle {args.bundle} not found; create one with 'session export'"
        )
    if _is_journal(Path(args.bundle)):
        raise UsageError(
            f"{args.bundle} is a session journal, not an exported bundle. Export it "
            f"first with: python -m helpers session export {args.bundle} --to DIR, "
            "then replay DIR/session.bundle.json"
        )
    try:
        bundle = load_bundle(args.bundle)
    except (ExportError, JournalError) as exc:
        raise UsageError(str(exc)) from None
    try:
        result = replay_bundle(bundle, args.target, arm_faults=not args.no_faults)
    except ReplayError as exc:
        raise UsageError(str(exc)) from None
    if args.json:
        for row in result.rows:
            print(json.dumps(row.to_dict()))
    else:
        print(result)
    return EXIT_OK if result.all_same else EXIT_NOTHING_FOUND


def _is_journal(path: Path) -> bool:
    """Return whether ``path`` starts like a journal: a JSON header record line.

    A bundle is one JSON object, so its first line alone is not valid JSON
    unless the bundle fits on one line, and then it has no ``type`` key.
    """
    try:
        with path.open("rb") as stream:
            first_line = stream.readline(_MAX_HEADER_BYTES)
        record = json.loads(first_line)
    except (OSError, UnicodeDecodeError, ValueError):
        return False
    return isinstance(record, dict) and record.get("type") == "header"


# A journal header record is a few hundred bytes; reading more than this to
# find the end of the first line only wastes memory on large files.
_MAX_HEADER_BYTES = 1 << 20
