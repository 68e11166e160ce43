"""Command line of the kit: ``python -m helpers COMMAND ...``.

Each command lives in its own module under ``helpers.cli`` and provides two
functions: ``register(subparsers)``, which adds its parser, and ``run(args)``,
which returns the exit status. Exit status 0 means something was done or
decoded, 1 means nothing was found, and 2 is a usage error.
"""

from __future__ import annotations

import argparse
import importlib
import logging
import os
import sys
from collections.abc import Sequence

COMMANDS = (
    "decode",
    "codes",
    "sandbox",
    "repro",
    "token",
    "check",
    "session",
    "triage",
    "lab",
    "demo",
)

# Commands that keep running and log what they serve.
SERVER_COMMANDS = frozenset({"sandbox", "lab", "demo"})

EXIT_OK = 0
EXIT_NOTHING_FOUND = 1
EXIT_USAGE = 2


class UsageError(Exception):
    """Invalid command-line input; the message says what to pass instead."""


def _load_command_modules() -> list:
    return [importlib.import_module(f"{__name__}.{name}") for name in COMMANDS]


def build_parser() -> argparse.ArgumentParser:
    """Build the top-level parser with one subparser per available command."""
    parser = argparse.ArgumentParser(
        prog="python -m helpers",
        description="Troubleshoot Salesforce Interaction Service API errors.",
    )
    parser.add_argument(
        "-v",
        "--verbose",
        action="store_true",
        help="log at DEBUG level to stderr (default: WARNING, or INFO for "
        "sandbox, lab and demo)",
    )
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    subparsers.required = True
    for module in _load_command_modules():
        command_parser = module.register(subparsers)
        command_parser.set_defaults(_run=module.run)
    return parser


def _log_level(args: argparse.Namespace) -> int:
    """Return DEBUG with ``-v``, INFO for the servers, WARNING otherwise.

    The servers log one line per request and their start and stop. The other
    commands print their results on stdout, and one INFO line per HTTP
    exchange on stderr would bury them.
    """
    if args.verbose:
        return logging.DEBUG
    if args.command in SERVER_COMMANDS:
        return logging.INFO
    return logging.WARNING


def main(argv: Sequence[str] | None = None) -> int:
    """Parse ``argv``, run the chosen command and return its exit status."""
    parser = build_parser()
    args = parser.parse_args(argv)
    logging.basicConfig(
        level=_log_level(args),
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        stream=sys.stderr,
    )
    try:
        return args._run(args)
    except UsageError as exc:
        parser.exit(EXIT_USAGE, f"{parser.prog} {args.command}: error: {exc}\n")
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        # The reader of stdout went away (``python -m helpers codes | head``).
        # Point stdout at /dev/null so the interpreter's final flush does not
        # raise again, and exit quietly as other command-line tools do.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 1
