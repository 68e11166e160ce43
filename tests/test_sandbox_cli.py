"""``python -m helpers sandbox`` in a subprocess: URL, masked profile, request log, clean stop."""

from __future__ import annotations

import json
import os
import re
import signal
import socket
import subprocess
import sys
from pathlib import Path

import pytest
import requests

from helpers import repro, sandbox
from helpers.cli import main
from helpers.transport import send

ROOT = Path(__file__).resolve().parents[1]


def start_cli(*args: str) -> subprocess.Popen:
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    return subprocess.Popen(
        [sys.executable, "-m", "helpers", "sandbox", "--port", "0", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=ROOT,
        env=env,
    )


def read_start(process: subprocess.Popen) -> tuple[str, dict]:
    first = process.stdout.readline()
    match = re.match(r"Sandbox serving on (http://127\.0\.0\.1:\d+)", first)
    assert match, first
    lines = []
    while True:
        line = process.stdout.readline()
        lines.append(line)
        if line.startswith("}"):
            break
    return match.group(1), json.loads("".join(lines))


def test_cli_serves_and_stops_on_sigterm():
    process = start_cli("--error-shape", "success_false", "--http-status", "10016=422")
    try:
        url, printed = read_start(process)
        assert printed["base_url"] == url
        assert printed["access_token"].startswith("<token:")
        profile = requests.get(url + "/__sandbox__/profile", timeout=5).json()
        assert profile["access_token"] != printed["access_token"]

        request = repro.build_request(repro.base_requests()["conversation"], profile)
        request.headers["RequestId"] = "bad"
        exchange = send(request, url)
        assert exchange.status == 422
        assert exchange.response_json()["success"] is False
    finally:
        process.send_signal(signal.SIGTERM)
        _, stderr = process.communicate(timeout=20)
    assert process.returncode == 0
    assert re.search(r"POST /api/v1/conversation -> 422 code=10016 .* RequestId=bad", stderr)
    assert profile["access_token"] not in stderr
    assert "stopped" in stderr


def test_cli_bad_fixture_is_usage_error(tmp_path):
    bad = tmp_path / "org.json"
    bad.write_text('{"org": {}}', encoding="utf-8")
    process = start_cli("--fixture", str(bad))
    _, stderr = process.communicate(timeout=60)
    assert process.returncode == 2
    assert "org.org_id" in stderr


def test_cli_bad_setting_is_usage_error():
    process = start_cli("--set", "error_shape=\"xml\"")
    _, stderr = process.communicate(timeout=60)
    assert process.returncode == 2
    assert "error_shape" in stderr


def usage_error(args: list[str], capsys) -> str:
    with pytest.raises(SystemExit) as caught:
        main(["sandbox", *args])
    assert caught.value.code == 2
    return capsys.readouterr().err


@pytest.mark.parametrize("port", ["-1", "65536", "99999", "abc"])
def test_cli_port_out_of_range(port, capsys):
    message = usage_error(["--port", port], capsys)
    assert f"invalid port '{port}'" in message
    assert "0 to 65535" in message
    assert "Traceback" not in message


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("99999=400", "code 99999 is not in the code table"),
        ("10004=99999", "HTTP status 99999 is invalid"),
        ("10004=99", "HTTP status 99 is invalid"),
        ("10004=600", "HTTP status 600 is invalid"),
    ],
)
def test_cli_http_status_checked(value, expected, capsys):
    message = usage_error(["--http-status", value], capsys)
    assert expected in message
    assert f"--http-status '{value}'" in message


def test_cli_port_in_use(capsys):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        message = usage_error(["--port", str(port)], capsys)
    assert f"port {port} on 127.0.0.1 is already in use" in message
    assert "port 0" in message


def test_cli_binary_fixture_named(tmp_path, capsys):
    binary = tmp_path / "org.bin"
    binary.write_bytes(b"\x7fELF\x02\x01\xff\xfe")
    message = usage_error(["--fixture", str(binary)], capsys)
    assert str(binary) in message
    assert "JSON fixture" in message


@pytest.mark.parametrize("port", [-1, 65536, "8080", True, None])
def test_start_rejects_bad_port(port):
    with pytest.raises(ValueError, match="port must be an integer from 0 to 65535"):
        sandbox.start(port=port)


def test_start_port_in_use_raises():
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        with pytest.raises(OSError, match=f"port {port} on 127.0.0.1 is already in use"):
            sandbox.start(port=port)
