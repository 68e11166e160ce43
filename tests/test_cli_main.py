"""Tests of the top-level command line: log levels and the closed pipe."""

from __future__ import annotations

import logging
import subprocess
import sys

import pytest

from helpers.cli import _log_level, build_parser


def run_cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "helpers", *args],
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.mark.parametrize(
    ("argv", "level"),
    [
        (["codes"], logging.WARNING),
        (["repro", "10013"], logging.WARNING),
        (["sandbox"], logging.INFO),
        (["lab"], logging.INFO),
        (["-v", "codes"], logging.DEBUG),
        (["-v", "sandbox"], logging.DEBUG),
    ],
    ids=["codes", "repro", "sandbox", "lab", "verbose-codes", "verbose-sandbox"],
)
def test_log_level_per_command(argv, level):
    args = build_parser().parse_args(argv)

    assert _log_level(args) == level


def test_repro_keeps_stderr_quiet():
    result = run_cli("repro", "10013")

    assert result.returncode == 0
    assert "INFO" not in result.stderr
    assert "10013" in result.stdout


def test_verbose_repro_logs_exchanges():
    result = run_cli("-v", "repro", "10013")

    assert result.returncode == 0
    assert "helpers.transport" in result.stderr


def test_closed_pipe_exits_quietly():
    # head takes 10 bytes and closes the pipe while codes is still writing
    # its JSON, which is larger than a pipe buffer.
    result = subprocess.run(
        f"{sys.executable} -m helpers codes --json --version latest | head -c 10",
        shell=True,
        capture_output=True,
        text=True,
        timeout=120,
    )

    assert "Traceback" not in result.stderr
    assert "BrokenPipeError" not in result.stderr
