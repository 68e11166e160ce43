"""``python -m helpers sandbox`` in a subprocess: URL, masked profile, request log, clean stop."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
from pathlib import Path

import requests

from helpers import repro
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
