"""Tests of ``python -m helpers codes``, run as a real subprocess."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from helpers import codes

REPO_ROOT = Path(__file__).resolve().parents[1]


def run_codes(*args: str) -> subprocess.CompletedProcess:
    """Run ``python -m helpers codes ARGS`` and return the finished process."""
    env = dict(os.environ)
    env.pop(codes.CODES_CSV_ENV, None)
    env["PYTHONIOENCODING"] = "utf-8"
    return subprocess.run(
        [sys.executable, "-m", "helpers", "codes", *args],
        cwd=REPO_ROOT,
        env=env,
        capture_output=True,
        text=True,
        encoding="utf-8",
        timeout=120,
    )


def test_list_defaults_to_base_version():
    result = run_codes()
    lines = result.stdout.splitlines()
    assert result.returncode == 0, result.stderr
    assert len(lines) == 60
    assert lines[0].split()[:2] == ["500", "2024-11"]
    assert "--version latest" in result.stderr


def test_list_latest_version():
    result = run_codes("--version", "latest")
    lines = result.stdout.splitlines()
    assert result.returncode == 0, result.stderr
    assert len(lines) == len(codes.all_codes("latest"))
    assert any("10040" in line and "(removed)" in line for line in lines)
    assert result.stderr == ""


def test_unknown_version_is_usage_error():
    result = run_codes("--version", "2099-01")
    assert result.returncode == 2
    assert "2099-01" in result.stderr
    for version in codes.versions():
        assert version in result.stderr
    assert result.stdout == ""


def test_search_published_message():
    result = run_codes("--search", "The file ID field is empty")
    first = result.stdout.splitlines()[0]
    assert result.returncode == 0, result.stderr
    assert first.split()[:2] == ["1.00", "10007"]


def test_search_nothing_found():
    result = run_codes("--search", "zzzz qqqq")
    assert result.returncode == 1
    assert result.stdout == ""
    assert "zzzz qqqq" in result.stderr


def test_search_json_has_scores():
    result = run_codes("--search", "Specify a valid header.", "--json", "--limit", "3")
    items = json.loads(result.stdout)
    assert result.returncode == 0, result.stderr
    assert 1 <= len(items) <= 3
    assert items[0]["code"] == 10016
    assert items[0]["score"] == 1.0


def test_search_invalid_limit():
    result = run_codes("--search", "header", "--limit", "0")
    assert result.returncode == 2
    assert "--limit" in result.stderr


@pytest.mark.parametrize("text", ["", "  \t "], ids=["empty", "whitespace"])
def test_search_empty_text_is_usage_error(text):
    result = run_codes("--search", text)
    assert result.returncode == 2
    assert "--search" in result.stderr
    assert "pass words from the error message" in result.stderr
    assert "No code matches" not in result.stderr


def test_list_json():
    result = run_codes("--json")
    items = json.loads(result.stdout)
    assert result.returncode == 0, result.stderr
    assert len(items) == 60
    assert list(items[0]) == list(codes.COLUMNS)
    assert isinstance(items[0]["endpoints"], list)
    assert items[1]["code"] == 10001


def test_show_one_code():
    result = run_codes("10004")
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("10004\n")
    assert "AUTH_TOKEN_INVALID" in result.stdout
    assert "2026-02" in result.stdout
    assert "401 (inferred)" in result.stdout


def test_show_removed_code():
    result = run_codes("10040")
    assert result.returncode == 0, result.stderr
    assert "removed" in result.stdout
    assert "Provide a participant role." in result.stdout


def test_show_marks_fallback_message():
    reworded = run_codes("10001")
    later = run_codes("10094")
    assert "older text" in reworded.stdout
    assert "no published wording" in later.stdout
    assert codes.lookup(10094).summary in later.stdout


def test_show_code_in_version_json():
    result = run_codes("10001", "--version", "2024-11", "--json")
    items = json.loads(result.stdout)
    assert result.returncode == 0, result.stderr
    assert len(items) == 1
    assert items[0]["table_version"] == "2024-11"
    assert items[0]["message"].startswith('The "to" value is invalid.')


@pytest.mark.parametrize(
    ("args", "status"),
    [
        (("99999",), 1),
        (("10058", "--version", "2024-11"), 1),
        (("abc",), 2),
        (("10001", "--search", "header"), 2),
        (("--markdown", "--json"), 2),
    ],
    ids=[
        "unknown",
        "not-in-version",
        "not-a-number",
        "code-and-search",
        "markdown-json",
    ],
)
def test_exit_statuses(args, status):
    result = run_codes(*args)
    assert result.returncode == status, result.stderr
    assert result.stderr.strip()


def test_markdown_matches_rendering():
    result = run_codes("--markdown")
    assert result.returncode == 0, result.stderr
    assert result.stdout == codes.render_markdown()
