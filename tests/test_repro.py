"""Repro catalog: every code of the 2024-11 table triggered and fixed on the sandbox."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from helpers import codes, repro
from helpers.cli import main

ROOT = Path(__file__).resolve().parents[1]
CATALOG_CODES = sorted(repro.catalog())


def test_catalog_covers_base_table():
    table = sorted(row.code for row in codes.all_codes(codes.BASE_VERSION))
    assert CATALOG_CODES == table
    assert len(CATALOG_CODES) == 60


def test_catalog_cases_are_described():
    for case in repro.catalog().values():
        assert case.description.strip(), case.code
        assert case.fix.strip(), case.code
        assert case.mistake, case.code


@pytest.mark.parametrize("code", CATALOG_CODES)
def test_code_triggered_and_fixed(fresh_sandbox, profile, code):
    result = repro.run_case(code, fresh_sandbox.url, profile)
    assert result.error is None
    assert result.code_returned == code, result.failing_exchange.response_body
    assert result.triggered
    assert result.fixed, result.fixed_exchange.response_body
    assert fresh_sandbox.faults() == []


def test_build_failing_differs_from_fixed(profile):
    case = repro.get_case(10016)
    failing = repro.build_failing(case, profile)
    fixed = repro.build_fixed(case, profile)
    assert failing.headers["RequestId"] == "request-1"
    assert fixed.headers["RequestId"] != "request-1"
    assert failing.json_part["to"] == fixed.json_part["to"] == profile["channel_address_identifier"]


def test_build_keeps_unfilled_placeholders(profile):
    case = repro.get_case(10018)
    request = repro.build_fixed(case, profile)
    assert request.json["conversationIdentifier"] == "{conversation_identifier}"
    with pytest.raises(repro.ReproError, match="conversation_identifier"):
        repro.build_fixed(case, profile, strict=True)


def test_placeholder_keeps_number_type(profile):
    request = repro.build_fixed(repro.get_case(10013), profile, {"conversation_identifier": "c", "messaging_session_id": "m"})
    assert request.json["capacityWeight"] == 1
    timestamp = repro.build_fixed(repro.get_case(20003), profile).json_part["interactions"][0]["timestamp"]
    assert isinstance(timestamp, int)


def test_unknown_code_rejected():
    with pytest.raises(repro.ReproError, match="data/repros.json"):
        repro.get_case(99999)


def test_run_case_without_target():
    result = repro.run_case(10014)
    assert result.ok
    assert result.to_dict()["returned_body"]["code"] == 10014


def test_fetch_profile_needs_sandbox():
    with pytest.raises(repro.ReproError, match="sandbox"):
        repro.fetch_profile("http://127.0.0.1:9")


def run_cli(*args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    return subprocess.run(
        [sys.executable, "-m", "helpers", *args],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=ROOT,
        env=env,
    )


def test_cli_repro_json():
    completed = run_cli("repro", "10013", "--json")
    assert completed.returncode == 0, completed.stderr
    results = json.loads(completed.stdout)
    assert results[0]["code"] == 10013
    assert results[0]["triggered"] is True
    assert results[0]["fixed"] is True
    assert results[0]["decoded"][0]["code"] == 10013


def test_cli_repro_unknown_code():
    completed = run_cli("repro", "12345")
    assert completed.returncode == 2
    assert "data/repros.json" in completed.stderr


def test_cli_repro_target(fresh_sandbox, tmp_path):
    journal = tmp_path / "session.jsonl"
    completed = run_cli(
        "repro", "10019", "10021", "--target", fresh_sandbox.url, "--record", str(journal)
    )
    assert completed.returncode == 0, completed.stderr + completed.stdout
    assert "2 of 2 codes triggered and fixed" in completed.stdout
    text = journal.read_text(encoding="utf-8")
    assert fresh_sandbox.profile["access_token"] not in text
    assert len(text.splitlines()) >= 5


def test_cli_repro_list():
    completed = run_cli("repro", "--list")
    assert completed.returncode == 0, completed.stderr
    lines = completed.stdout.splitlines()
    assert len(lines) == 60
    assert lines[0].split()[0] == "500"


def run_main(capsys, *args: str) -> tuple[int, str, str]:
    """Run the CLI in this process, which skips a subprocess's import time."""
    try:
        status = main(list(args))
    except SystemExit as exc:
        status = exc.code
    captured = capsys.readouterr()
    return status, captured.out, captured.err


@pytest.mark.parametrize(
    "args, message",
    [
        (("10013", "--target", "127.0.0.1:18765"), "add http://, as in --target http://127.0.0.1:18765"),
        (("10013", "--target", "ftp://127.0.0.1:1"), "as in --target http://127.0.0.1:1"),
        (("abc",), "code 'abc' is not a number"),
        (("--list", "abc"), "code 'abc' is not a number"),
    ],
    ids=["no-scheme", "other-scheme", "not-a-number", "list-not-a-number"],
)
def test_cli_repro_usage_errors(capsys, tmp_path, args, message):
    journal = tmp_path / "session.jsonl"
    status, out, err = run_main(capsys, "repro", *args, "--record", str(journal))
    assert status == 2, out + err
    assert message in err
    assert "no repro for code" not in err
    assert not journal.exists()


def test_cli_repro_runs_each_code_once(capsys):
    status, out, err = run_main(capsys, "repro", "10013", "10019", "10013", "--json")
    assert status == 0, err
    assert [result["code"] for result in json.loads(out)] == [10013, 10019]


def test_cli_repro_list_given_codes(capsys):
    status, out, err = run_main(capsys, "repro", "--list", "10019", "10013", "10019")
    assert status == 0, err
    assert [line.split()[0] for line in out.splitlines()] == ["10019", "10013"]
    status, out, err = run_main(capsys, "repro", "--list", "10013", "--json")
    assert status == 0, err
    assert [case["code"] for case in json.loads(out)] == [10013]


def test_build_request_rejects_template_name(profile):
    with pytest.raises(TypeError, match="base_requests"):
        repro.build_request("interaction_message", profile)


def test_build_request_rejects_profile_object(profile):
    template = repro.base_requests()["interaction_message"]

    with pytest.raises(TypeError, match="profile must be a dict"):
        repro.build_request(template, "not a profile")
