"""Tests of ``python -m helpers triage``, run as a real subprocess."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pandas as pd
import pytest

from helpers.triage.synthetic import write_synthetic_log


def run_triage(*args, stdin=None):
    env = dict(os.environ, MPLBACKEND="Agg")
    return subprocess.run(
        [sys.executable, "-m", "helpers", "triage", *map(str, args)],
        capture_output=True,
        text=True,
        input=stdin,
        env=env,
        timeout=120,
    )


@pytest.fixture
def logs(tmp_path):
    return [
        write_synthetic_log(tmp_path / "a.log", "plain", error_lines=20, seed=1),
        write_synthetic_log(tmp_path / "b.jsonl.gz", "jsonl", error_lines=15, compress=True, seed=2),
    ]


def test_cli_triage_text_summary(logs):
    result = run_triage(*(log.path for log in logs))
    assert result.returncode == 0, result.stderr
    assert "35 Interaction API errors in 2 file(s)" in result.stdout
    assert "CAPACITY_INVALID" in result.stdout
    assert "/api/v1/agentWork" in result.stdout
    # The CLI keeps no per-error rows, so no note about cut rows appears.
    assert "kept the first" not in result.stdout


def test_cli_triage_json(logs):
    result = run_triage(*(log.path for log in logs), "--json", "--no-progress")
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["total_errors"] == 35
    assert data["by_code"] == {"10013": 7, "10025": 7, "10001": 7, "500": 7, "10107": 7}
    assert data["by_endpoint"]["/api/v1/consent"] == 7
    assert data["first_seen"]["10013"] == "2026-12-01T08:00:00+00:00"
    assert data["last_seen"]["10107"] is not None


def test_cli_triage_csv_rows(logs, tmp_path):
    out = tmp_path / "rows.csv"
    result = run_triage(logs[0].path, "--csv", out, "--freq", "1h")
    assert result.returncode == 0, result.stderr
    rows = pd.read_csv(out)
    assert len(rows) == 20
    assert set(rows["code"]) == {10013, 10025, 10001, 500, 10107}
    assert f"wrote 20 rows to {out}" in result.stdout


def test_cli_triage_no_errors_exits_1(tmp_path):
    path = tmp_path / "quiet.log"
    path.write_text("GET /healthz status code 200\n")
    result = run_triage(path, "--json")
    assert result.returncode == 1
    assert json.loads(result.stdout)["total_errors"] == 0


def test_cli_triage_missing_file_exits_2(tmp_path):
    missing = tmp_path / "nope.log"
    result = run_triage(missing)
    assert result.returncode == 2
    assert str(missing) in result.stderr
    assert "not found" in result.stderr


def test_cli_triage_bad_freq_exits_2(logs):
    result = run_triage(logs[0].path, "--freq", "1M")
    assert result.returncode == 2
    assert "invalid frequency '1M'" in result.stderr


def test_cli_triage_reads_stdin():
    result = run_triage("-", "--json", stdin='{"code":10013,"message":"a"}\n')
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["by_code"] == {"10013": 1}


def test_cli_triage_workers(logs):
    result = run_triage(logs[0].path, "--workers", "2", "--json")
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["total_errors"] == 20


def test_cli_triage_glob_pattern(logs, tmp_path):
    result = run_triage(tmp_path / "*.log", "--json")
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["total_errors"] == 20
    nothing = run_triage(tmp_path / "*.nope")
    assert nothing.returncode == 2
    assert "no log file matches" in nothing.stderr


def test_cli_triage_bad_table_version_exits_2(logs):
    result = run_triage(logs[0].path, "--table-version", "1999-01")
    assert result.returncode == 2
    assert "unknown table version '1999-01'" in result.stderr
