"""Run ``python -m helpers decode`` in a subprocess and check output and exit status."""

from __future__ import annotations

import gzip
import json
import os
import pty
import subprocess
import sys

import pytest

from decode_artifacts import FAKE_TOKEN, curl_verbose, har_text

CAPACITY_MESSAGE = "Specify either a capacityPercentage or a capacityWeight, but not both."


def run_cli(*args, stdin=None, input_text=None):
    return subprocess.run(
        [sys.executable, "-m", "helpers", "decode", *args],
        input=input_text, stdin=stdin, capture_output=True, text=True, timeout=120,
        env={**os.environ, "PYTHONIOENCODING": "utf-8"},
    )


def test_cli_file_prints_blocks(tmp_path):
    log = tmp_path / "app.log"
    log.write_text(
        '10:00 ERROR {"code": 10004, "message": "x"}\n'
        f"10:01 ERROR send failed: {CAPACITY_MESSAGE}\n"
    )

    result = run_cli(str(log))

    assert result.returncode == 0, result.stderr
    blocks = result.stdout.strip().split("\n\n")
    assert len(blocks) == 2
    assert blocks[0].startswith("10004 AUTH_TOKEN_INVALID")
    assert blocks[1].startswith("10013 CAPACITY_INVALID")


def test_cli_json_output(tmp_path):
    transcript = tmp_path / "curl.txt"
    transcript.write_text(curl_verbose(10013, CAPACITY_MESSAGE, "req-3"))

    result = run_cli(str(transcript), "--json")

    assert result.returncode == 0, result.stderr
    findings = json.loads(result.stdout)
    assert [f["code"] for f in findings] == [10013]
    assert findings[0]["request_id"] == "req-3"
    assert findings[0]["method"] == "POST"
    assert FAKE_TOKEN not in result.stdout


def test_cli_gzip_har(tmp_path):
    har = tmp_path / "capture.har.gz"
    har.write_bytes(gzip.compress(har_text(10022, "Cannot update", "req-4").encode()))

    result = run_cli(str(har))

    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("10022 ")


@pytest.mark.parametrize("args", [["-"], []], ids=["dash", "no-argument"])
def test_cli_reads_stdin(args):
    result = run_cli(*args, input_text='{"error": "invalid_grant", '
                                       '"error_description": "audience is invalid"}')

    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("oauth: invalid_grant")


def test_cli_nothing_found():
    result = run_cli("-", input_text="all good here\n")

    assert result.returncode == 1
    assert result.stdout.strip() == ""
    assert "no Interaction API error found in standard input" in result.stderr
    assert "HAR file" in result.stderr


def test_cli_empty_input():
    result = run_cli("-", input_text="")

    assert result.returncode == 1
    assert "empty" in result.stderr


def test_cli_missing_file(tmp_path):
    missing = tmp_path / "nope.log"

    result = run_cli(str(missing))

    assert result.returncode == 2
    assert f"file not found: {missing}" in result.stderr


def test_cli_directory(tmp_path):
    result = run_cli(str(tmp_path))

    assert result.returncode == 2
    assert "is a directory" in result.stderr


def test_cli_tty_without_input():
    controller, terminal = pty.openpty()
    try:
        result = run_cli(stdin=terminal)
    finally:
        os.close(terminal)
        os.close(controller)

    assert result.returncode == 2
    assert "pass a FILE" in result.stderr
    assert "pipe text" in result.stderr


def test_cli_input_cut_is_reported(monkeypatch, capsys):
    from helpers.cli import decode as decode_command

    monkeypatch.setattr(decode_command, "MAX_INPUT_BYTES", 10)

    kept = decode_command._cut_to_limit(b"x" * 11, "big.log")

    assert kept == b"x" * 10
    assert "big.log is larger than 10 bytes" in capsys.readouterr().err


def test_cli_input_at_limit_not_reported(monkeypatch, capsys):
    from helpers.cli import decode as decode_command

    monkeypatch.setattr(decode_command, "MAX_INPUT_BYTES", 10)

    kept = decode_command._cut_to_limit(b"x" * 10, "small.log")

    assert kept == b"x" * 10
    assert capsys.readouterr().err == ""
