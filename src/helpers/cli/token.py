"""``python -m helpers token``: inspect an access token or mint one.

``token inspect [TOKEN|FILE|-] [--org-id ID] [--json]`` reads a token (an
argument, a file, standard input or ``ISAPI_TOKEN``) and lists what the API
would report about it. ``token mint --consumer-key K --key-file F --username U
--login-url URL [--json] [--show-token]`` runs the JWT bearer flow; the token
is printed masked unless ``--show-token`` is given.

Exit status: 0 when the token has no error finding or a token was minted,
1 when inspection found an error, 2 for a usage error (including a key or
OAuth problem, which the message explains).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

from helpers.cli import EXIT_NOTHING_FOUND, EXIT_OK, EXIT_USAGE, UsageError
from helpers.errors import TokenError
from helpers.secrets import mask_text

TOKEN_ENV = "ISAPI_TOKEN"


def register(subparsers: argparse._SubParsersAction) -> argparse.ArgumentParser:
    parser = subparsers.add_parser(
        "token",
        help="inspect or mint an access token",
        description="Inspect an access token, or mint one with the JWT bearer flow.",
    )
    actions = parser.add_subparsers(dest="token_action", metavar="ACTION")
    actions.required = True

    inspect = actions.add_parser("inspect", help="check a token without sending it")
    inspect.add_argument(
        "token",
        nargs="?",
        help=(
            "the token, a file that contains it, or - for standard input; "
            f"{TOKEN_ENV} when omitted"
        ),
    )
    inspect.add_argument("--org-id", help="OrgId value to compare the token's org with")
    inspect.add_argument("--json", action="store_true", help="print findings as JSON")

    mint = actions.add_parser("mint", help="get a token with the JWT bearer flow")
    mint.add_argument("--consumer-key", required=True, help="the app's consumer key")
    mint.add_argument("--key-file", required=True, help="PEM file of the RSA key")
    mint.add_argument("--username", required=True, help="Salesforce username (sub)")
    mint.add_argument(
        "--login-url",
        required=True,
        help="login URL and audience, such as https://<MyDomain>.my.salesforce.com",
    )
    mint.add_argument(
        "--lifetime",
        type=int,
        default=180,
        help="assertion lifetime in seconds (default 180)",
    )
    mint.add_argument(
        "--key-password-env",
        help="name of an environment variable that contains the key's password",
    )
    mint.add_argument("--json", action="store_true", help="print the result as JSON")
    mint.add_argument(
        "--show-token",
        action="store_true",
        help="print the full token and an export line",
    )
    return parser


def run(args: argparse.Namespace) -> int:
    if args.token_action == "inspect":
        return _inspect(args)
    return _mint(args)


def _read_token(value: str | None) -> str:
    if value is None:
        token = os.environ.get(TOKEN_ENV, "")
        if not token.strip():
            raise UsageError(f"pass a token, a file or -, or set {TOKEN_ENV}")
        return token
    if value == "-":
        try:
            return sys.stdin.read()
        except UnicodeDecodeError:
            raise UsageError(
                "standard input is not UTF-8 text; pipe in only the access token"
            ) from None
    path = Path(value).expanduser()
    if len(value) < 4096 and path.is_dir():
        raise UsageError(
            f"{mask_text(value)!r} is a directory; pass the token itself, the "
            "path of a text file that contains it, or - for standard input"
        )
    if len(value) < 4096 and path.is_file():
        return _read_token_file(path, value)
    # A token never contains a path separator, so such a value is a missing file.
    if "/" in value or "\\" in value:
        raise UsageError(f"file {mask_text(value)!r} does not exist")
    return value


def _read_token_file(path: Path, value: str) -> str:
    masked_name = mask_text(value)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise UsageError(
            f"file {masked_name!r} cannot be read ({exc.strerror}); "
            "check its permissions"
        ) from None
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        text = None
    # A NUL byte is valid UTF-8, but a token file has no reason to contain one.
    if text is None or "\x00" in text:
        raise UsageError(
            f"file {masked_name!r} is binary, not a text file that contains a "
            "token; pass a file that contains only the access token, or the "
            "token itself"
        )
    return text


def _inspect(args: argparse.Namespace) -> int:
    from helpers.tokens import inspect_token

    findings = inspect_token(_read_token(args.token), org_id=args.org_id)
    if args.json:
        print(json.dumps([f.to_dict() for f in findings], indent=2))
    else:
        for finding in findings:
            print(finding)
    has_error = any(f.severity == "error" for f in findings)
    return EXIT_NOTHING_FOUND if has_error else EXIT_OK


def _mint(args: argparse.Namespace) -> int:
    from helpers.tokens import mint_token

    password = None
    if args.key_password_env:
        password = os.environ.get(args.key_password_env)
        if password is None:
            raise UsageError(f"environment variable {args.key_password_env} is not set")
    key_path = Path(args.key_file).expanduser()
    if key_path.is_dir():
        raise UsageError(
            f"key file {args.key_file!r} is a directory; pass the path of the PEM "
            "file inside it that contains the RSA private key"
        )
    if not key_path.is_file():
        raise UsageError(f"key file {args.key_file!r} does not exist")
    try:
        result = mint_token(
            args.consumer_key,
            key_path,
            args.username,
            args.login_url,
            lifetime_s=args.lifetime,
            key_password=password,
        )
    except TokenError as exc:
        print(f"python -m helpers token mint: error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    if args.json:
        print(json.dumps(result.to_dict(show_token=args.show_token), indent=2))
        return EXIT_OK
    shown = result.access_token if args.show_token else result.masked_token
    print(f"access token: {shown}")
    print(f"instance URL: {result.instance_url}")
    print(f"scope: {result.scope}")
    for note in result.key_notes:
        print(f"key: {note}")
    if args.show_token:
        print(f"export {TOKEN_ENV}='{result.access_token}'")
    else:
        print("run again with --show-token to print the token and an export line")
    return EXIT_OK
