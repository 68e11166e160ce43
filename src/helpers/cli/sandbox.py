"""``python -m helpers sandbox``: serve the local API emulator until stopped.

Prints the URL and the default profile (token masked), then logs one line
per request (method, path, status, API code, elapsed time, RequestId).
Ctrl-C or SIGTERM stops it cleanly.
"""

from __future__ import annotations

import argparse
import json
import logging
import signal
import sys
import threading
from typing import Any

from helpers.cli import EXIT_OK, UsageError

log = logging.getLogger(__name__)


def register(subparsers: Any) -> argparse.ArgumentParser:
    parser = subparsers.add_parser(
        "sandbox",
        help="serve the local Interaction API emulator on 127.0.0.1",
        description=(
            "Serve the local emulator of the Interaction Service API on 127.0.0.1 "
            "until Ctrl-C. The API is under /api/v1/, control endpoints under "
            "/__sandbox__/. See docs/sandbox.md."
        ),
    )

    parser.add_argument(
        "--port", type=_port, default=0, help="TCP port, 0-65535; 0 picks a free one"
    )
    parser.add_argument("--host", default="127.0.0.1", help="loopback address to bind")
    parser.add_argument(
        "--fixture", metavar="FILE", help="org fixture JSON (default data/sandbox_org.json)"
    )

    parser.add_argument(
        "--error-shape",
        choices=("plain", "success_false", "error_detail"),
        help="shape of error bodies (default plain)",
    )
    parser.add_argument(
        "--strict-org-id-15",
        action="store_true",
        default=None,
        help="reject an 18-character OrgId header",
    )
    parser.add_argument(
        "--table-version",
        choices=("2024-11", "latest"),
        help="code table wording of error messages (default 2024-11)",
    )
    parser.add_argument(
        "--context-type-case-sensitive",
        action="store_true",
        default=None,
        help="compare AuthorizationContextType case-sensitively",
    )
    parser.add_argument(
        "--http-status",
        action="append",
        default=[],
        metavar="CODE=STATUS",
        help="respond to CODE with HTTP STATUS instead of the table's (repeatable)",
    )

    parser.add_argument(
        "--set",
        action="append",
        default=[],
        metavar="NAME=JSON",
        help="any setting by name, value in JSON, e.g. --set from_max_length=240",
    )
    parser.add_argument(
        "--print-token",
        action="store_true",
        help="print the profile's access token unmasked (it is a fake sandbox token)",
    )
    return parser


def _port(text: str) -> int:
    try:
        port = int(text)
    except ValueError:
        port = None
    if port is None or not 0 <= port <= 65535:
        raise argparse.ArgumentTypeError(
            f"invalid port {text!r}: expected an integer from 0 to 65535 "
            "(0 picks a free port)"
        )
    return port


def settings_from_args(args: argparse.Namespace) -> dict[str, Any]:
    """Collect the settings the flags name; raise ``UsageError`` on a malformed flag."""
    settings: dict[str, Any] = {}
    for item in args.set:
        name, sep, value = item.partition("=")
        if not sep or not name:
            raise UsageError(f"--set expects NAME=JSON, got {item!r}")
        try:
            settings[name.strip()] = json.loads(value)
        except ValueError:
            settings[name.strip()] = value
    for flag in ("error_shape", "strict_org_id_15", "table_version", "context_type_case_sensitive"):
        value = getattr(args, flag)
        if value is not None:
            settings[flag] = value
    overrides = dict(settings.get("http_status_overrides") or {})
    for item in args.http_status:
        code, status = _parse_http_status(item)
        overrides[code] = status
    if overrides:
        settings["http_status_overrides"] = overrides
    return settings


def _parse_http_status(item: str) -> tuple[int, int]:
    """Parse one ``--http-status CODE=STATUS`` value, checking both numbers."""
    from helpers import codes

    code, sep, status = item.partition("=")
    if not sep or not code.strip().isdigit() or not status.strip().isdigit():
        raise UsageError(
            f"--http-status expects CODE=STATUS such as 10004=403, got {item!r}"
        )
    code_number, status_number = int(code), int(status)
    if codes.lookup(code_number) is None:
        raise UsageError(
            f"--http-status {item!r}: code {code_number} is not in the code table; "
            "run python -m helpers codes to list the codes"
        )
    if not 100 <= status_number <= 599:
        raise UsageError(
            f"--http-status {item!r}: HTTP status {status_number} is invalid; "
            "pass a status from 100 to 599"
        )
    return code_number, status_number


def run(args: argparse.Namespace) -> int:
    from helpers import sandbox
    from helpers.sandbox.fixture import FixtureError
    from helpers.sandbox.settings import SettingsError

    try:
        box = sandbox.start(
            fixture=args.fixture, settings=settings_from_args(args), port=args.port, host=args.host
        )
    except (FixtureError, SettingsError, ValueError) as exc:
        raise UsageError(str(exc)) from None
    except OSError as exc:
        # sandbox.start puts the host, the port and the fix in strerror.
        raise UsageError(str(exc.strerror or exc)) from None

    stopped = threading.Event()

    def request_stop(signum: int, frame: Any) -> None:
        stopped.set()

    previous = signal.signal(signal.SIGTERM, request_stop)
    profile = box.profile
    printed = profile if args.print_token else box.masked_profile()
    print(f"Sandbox serving on {box.url}", flush=True)
    print(json.dumps(printed, indent=2), flush=True)
    print("Press Ctrl-C to stop.", file=sys.stderr, flush=True)
    try:
        while not stopped.wait(0.5):
            pass
    except KeyboardInterrupt:
        pass
    finally:
        signal.signal(signal.SIGTERM, previous)
        box.stop()
        log.info("sandbox on %s stopped", box.url)
    return EXIT_OK
