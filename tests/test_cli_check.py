"""Tests of ``python -m helpers check``, run as a real subprocess."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from helpers.curl import to_curl

import preflight_cases as cases

FAKE_TOKEN = "00DFAKE000000000001!fake.token.for.cli.check.tests.WQV"
HOST = "https://acme-fake.my.salesforce-scrt.com"
PROFILE = {**cases.FAKE_PROFILE, "access_token": FAKE_TOKEN}


def run_check(*args: str, stdin: str | None = None, cwd: Path | None = None):
    environ = {**os.environ, "PYTHONIOENCODING": "utf-8"}
    return subprocess.run(
        [sys.executable, "-m", "helpers", "check", *args],
        input=stdin,
        capture_output=True,
        text=True,
        timeout=60,
        cwd=cwd,
        env=environ,
    )


def command_text(name: str, mutate=None) -> str:
    ctx = cases.Context(dict(PROFILE), int(time.time() * 1000))
    request = cases.BASES[name][0](ctx)
    if mutate is not None:
        mutate(request)
    text = to_curl(request, HOST)
    # Put the fake token in the command itself, as a pasted command would.
    return text.replace("$ISAPI_TOKEN", FAKE_TOKEN)


def test_check_valid_command_exits_zero(tmp_path):
    path = tmp_path / "conversation.sh"
    path.write_text(command_text("conversation"))

    result = run_check(str(path))

    assert result.returncode == 0, result.stdout + result.stderr
    assert "looks valid" in result.stdout
    assert "ERROR" not in result.stdout


def test_check_mistake_exits_one(tmp_path):
    path = tmp_path / "result.sh"
    path.write_text(command_text("routing_result", cases.set_field("success", False)))

    result = run_check(str(path))

    assert result.returncode == 1, result.stdout + result.stderr
    assert "10034" in result.stdout
    assert "errorMessage" in result.stdout


def test_check_reads_standard_input():
    text = command_text("agent_work", cases.set_field("capacityWeight", -2))

    result = run_check("-", stdin=text)

    assert result.returncode == 1
    assert "10014" in result.stdout


def test_check_json_output():
    text = command_text("consent", cases.set_field("consentStatus", "OPTEDIN"))

    result = run_check("--json", stdin=text)

    assert result.returncode == 1
    findings = json.loads(result.stdout)
    assert [f["code"] for f in findings if f["severity"] == "error"] == [10021]
    assert set(findings[0]) == {"code", "severity", "field", "message", "fix"}


def test_check_json_valid_has_no_errors():
    result = run_check("--json", stdin=command_text("history"))

    assert result.returncode == 0, result.stdout
    assert [f for f in json.loads(result.stdout) if f["severity"] == "error"] == []


def test_check_lists_errors_before_warnings():
    mutate = cases.chain(
        cases.set_field("interactions.0.timestamp", 1733300000),
        cases.set_field("to", "a" * 241),
    )
    result = run_check("--json", stdin=command_text("message", mutate))

    severities = [f["severity"] for f in json.loads(result.stdout)]
    assert severities == sorted(severities, key=lambda s: s != "error")
    assert "warning" in severities


def test_check_output_has_no_token():
    text = command_text("message", cases.set_header("RequestId", "not-a-uuid"))

    plain = run_check(stdin=text)
    as_json = run_check("--json", stdin=text)

    assert FAKE_TOKEN not in plain.stdout + plain.stderr
    assert FAKE_TOKEN not in as_json.stdout + as_json.stderr


def test_check_resolves_files_next_to_command(tmp_path):
    (tmp_path / "pixel.png").write_bytes(cases.PNG_BYTES)
    text = command_text("attachment")
    (tmp_path / "send.sh").write_text(text)

    result = run_check(str(tmp_path / "send.sh"), cwd=Path("/"))

    assert result.returncode == 0, result.stdout + result.stderr


def test_check_missing_file_is_usage_error(tmp_path):
    result = run_check(str(tmp_path / "nope.sh"))

    assert result.returncode == 2
    assert "nope.sh" in result.stderr
    assert "not found" in result.stderr


def test_check_not_curl_is_usage_error():
    result = run_check(stdin="wget https://example.invalid/api/v1/route\n")

    assert result.returncode == 2
    assert "not a curl command" in result.stderr
    assert "curl -X POST" in result.stderr


def test_check_attachment_missing_is_usage_error(tmp_path):
    text = command_text("attachment")

    result = run_check("--base-dir", str(tmp_path), stdin=text)

    assert result.returncode == 2
    assert "pixel.png" in result.stderr


@pytest.mark.parametrize("flag, code", [([], 0), (["--strict-org-id-15"], 1)])
def test_check_strict_org_id(flag, code):
    eighteen = cases.set_header("OrgId", "00DFAKE00000001AAA")
    text = command_text("conversation", eighteen)

    result = run_check(*flag, stdin=text)

    assert result.returncode == code, result.stdout


@pytest.mark.parametrize("use_file", [False, True], ids=["stdin", "file"])
def test_check_missing_data_file_names_option(use_file, tmp_path):
    text = f"curl -X DELETE {HOST}/api/v1/route -H 'Content-Type: application/json' -d @body.json\n"
    (tmp_path / "send.sh").write_text(text)
    args = [str(tmp_path / "send.sh")] if use_file else ["--base-dir", str(tmp_path)]

    result = run_check(*args, stdin=None if use_file else text)

    assert result.returncode == 2
    assert "body.json" in result.stderr
    assert str(tmp_path) in result.stderr
    assert "--base-dir" in result.stderr
    assert "base_dir" not in result.stderr
