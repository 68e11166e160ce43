"""Tests of ``python -m helpers session``, run as a real subprocess."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys

import pytest
from session_factory import (
    CANARY_END_USER,
    CANARY_TEXT,
    CANARY_TOKEN,
    EXPECTED_CODES,
    canary_sandbox,
    record_session,
)

from helpers.cli import main


def run_cli(*args, timeout=120):
    env = dict(os.environ, PYTHONIOENCODING="utf-8")
    for name in ("ISAPI_PROFILE", "ISAPI_BASE_URL", "ISAPI_SANDBOX_URL", "ISAPI_TOKEN"):
        env.pop(name, None)
    return subprocess.run(
        [sys.executable, "-m", "helpers", "session", *map(str, args)],
        capture_output=True,
        text=True,
        timeout=timeout,
        env=env,
    )


@pytest.fixture(scope="module")
def journal(tmp_path_factory):
    handle = canary_sandbox()
    try:
        path = tmp_path_factory.mktemp("cli") / "session.jsonl"
        record_session(handle, path)
    finally:
        handle.stop()
    return path


@pytest.fixture(scope="module")
def exported(journal, tmp_path_factory):
    out = tmp_path_factory.mktemp("cli-export")
    run = run_cli("export", journal, "--to", out)
    assert run.returncode == 0, run.stderr
    return out, run


def test_show_prints_summary(journal):
    run = run_cli("show", journal)
    assert run.returncode == 0, run.stderr
    assert f"{len(EXPECTED_CODES)} exchanges, 3 annotations, 1 errors" in run.stdout
    assert "[1] POST /api/v1/interactions -> 400, code 10017" in run.stdout
    assert CANARY_TOKEN not in run.stdout + run.stderr


def test_show_redacted_hides_canaries(journal):
    run = run_cli("show", journal, "--redacted")
    assert run.returncode == 0, run.stderr
    data = json.loads(run.stdout)
    assert len(data["records"]) > len(EXPECTED_CODES)
    for canary in (CANARY_TOKEN, CANARY_END_USER, CANARY_TEXT):
        assert canary not in run.stdout
    assert "Redaction:" in run.stderr


def test_export_writes_files_and_report(exported):
    out, run = exported
    names = sorted(p.name for p in out.iterdir())
    assert names == [
        "session.bundle.json",
        "session.curl.sh",
        "session.html",
        "session.ipynb",
    ]
    page = (out / "session.html").read_text(encoding="utf-8")
    assert "Shared Interaction Service API session" in page
    assert "Redaction:" in run.stdout
    assert "end-user client ids" in run.stdout
    assert "kept as recorded: org ids, channel address identifiers" in run.stdout
    for path in out.iterdir():
        text = path.read_text(encoding="utf-8")
        assert CANARY_TOKEN not in text
        assert CANARY_END_USER not in text


def test_export_options_change_redaction(journal, tmp_path):
    run = run_cli(
        "export",
        journal,
        "--to",
        tmp_path,
        "--no-html",
        "--keep-end-user-ids",
        "--redact-org-ids",
    )
    assert run.returncode == 0, run.stderr
    bundle = (tmp_path / "session.bundle.json").read_text(encoding="utf-8")
    assert CANARY_END_USER in bundle
    assert "<org-id-1>" in bundle
    assert "00DSBX000000001" not in bundle


def test_annotate_appends(journal, tmp_path):
    copy = tmp_path / "copy.jsonl"
    copy.write_bytes(journal.read_bytes())
    run = run_cli("annotate", copy, "retried after fixing the channel", "--exchange", 2)
    assert run.returncode == 0, run.stderr
    shown = run_cli("show", copy)
    assert "note on [2]: retried after fixing the channel" in shown.stdout


USAGE_CASES = [
    (("annotate", "{journal}", ""), "annotation text is empty"),
    (("annotate", "{journal}", "x", "--exchange", "99"), "exchange_index 99"),
    (("show", "{missing}"), "not found"),
    (("show", "{text}"), "not a session journal"),
    (("export", "{journal}", "--to", "{text}"), "is a file"),
    (("export", "{journal}", "--to", "{out}", "--redact", ""), "--redact"),
    (("replay", "{missing}"), "not found"),
    (("replay", "{text}"), "not a session bundle"),
    (("replay", "{journal}"), "is a session journal, not an exported bundle"),
]
USAGE_IDS = [
    "empty-note",
    "bad-index",
    "missing-journal",
    "not-journal",
    "to-is-file",
    "empty-redact",
    "missing-bundle",
    "not-bundle",
    "journal-not-bundle",
]


def usage_args(journal, tmp_path, args):
    text = tmp_path / "notes.txt"
    text.write_text("just notes\n", encoding="utf-8")
    names = {
        "journal": journal,
        "missing": tmp_path / "nope",
        "text": text,
        "out": tmp_path / "o",
    }
    return [a.format(**names) for a in args]


@pytest.mark.parametrize("args, message", USAGE_CASES[::4], ids=USAGE_IDS[::4])
def test_usage_errors_exit_2(journal, tmp_path, args, message):
    before = journal.read_bytes()
    run = run_cli(*usage_args(journal, tmp_path, args))
    assert run.returncode == 2, run.stdout + run.stderr
    assert message in run.stderr
    assert journal.read_bytes() == before


@pytest.mark.parametrize("args, message", USAGE_CASES, ids=USAGE_IDS)
def test_usage_errors_in_process(journal, tmp_path, capsys, args, message):
    # The same cases through main() in this process: each subprocess costs
    # seconds of imports, so only some of them run as a real command above.
    before = journal.read_bytes()
    with pytest.raises(SystemExit) as info:
        main(["session", *usage_args(journal, tmp_path, args)])
    assert info.value.code == 2
    assert message in capsys.readouterr().err
    assert journal.read_bytes() == before


def test_replay_json_same_codes(exported, sandbox):
    out, _ = exported
    sandbox.reset()
    bundle = out / "session.bundle.json"
    run = run_cli("replay", bundle, "--target", sandbox.url, "--json")
    assert run.returncode == 0, run.stdout + run.stderr
    rows = [json.loads(line) for line in run.stdout.splitlines()]
    assert [row["code_now"] for row in rows] == EXPECTED_CODES
    for row in rows:
        required = {"index", "method", "path", "code_before", "code_now", "same"}
        assert required <= set(row)
        assert row["same"] is True
    assert rows[1]["path"] == "/api/v1/interactions"


def test_replay_in_process_default(exported):
    out, _ = exported
    run = run_cli("replay", out / "session.bundle.json")
    assert run.returncode == 0, run.stdout + run.stderr
    assert "every code matches" in run.stdout


def test_replay_difference_exits_1(exported, tmp_path):
    out, _ = exported
    data = json.loads((out / "session.bundle.json").read_text(encoding="utf-8"))
    first = data["session"]["records"][0]["exchange"]
    first["status"] = 418
    first["response_body"] = ""
    edited = tmp_path / "edited.json"
    edited.write_text(json.dumps(data), encoding="utf-8")
    run = run_cli("replay", edited, "--json")
    assert run.returncode == 1, run.stderr
    first_row = json.loads(run.stdout.splitlines()[0])
    assert first_row["code_before"] == 418
    assert first_row["code_now"] == 202
    assert first_row["same"] is False


def test_replay_bad_target_exits_2(exported, tmp_path):
    out, _ = exported
    bundle = out / "session.bundle.json"
    run = run_cli("replay", bundle, "--target", tmp_path / "none.toml")
    assert run.returncode == 2
    assert "cannot replay against" in run.stderr


def test_replay_journal_says_export_first(journal, capsys):
    with pytest.raises(SystemExit) as info:
        main(["session", "replay", str(journal)])
    assert info.value.code == 2
    err = capsys.readouterr().err
    assert f"python -m helpers session export {journal} --to DIR" in err
    assert "DIR/session.bundle.json" in err
    assert "invalid JSON" not in err


def test_replay_dead_target_fix_names_target(exported, capsys):
    out, _ = exported
    with socket.socket() as closed:
        # Bound but never listening, so connections to it are refused.
        closed.bind(("127.0.0.1", 0))
        url = f"http://127.0.0.1:{closed.getsockname()[1]}"
        with pytest.raises(SystemExit) as info:
            main(["session", "replay", str(out / "session.bundle.json"), "--target", url])
    assert info.value.code == 2
    err = capsys.readouterr().err
    assert f"the sandbox at {url} did not respond" in err
    assert "pass the URL of a running sandbox" in err
    assert "ISAPI_SANDBOX_URL" not in err


def test_repro_record_export_replay(tmp_path):
    journal = tmp_path / "repro.jsonl"
    env = dict(os.environ, PYTHONIOENCODING="utf-8")
    record = subprocess.run(
        [sys.executable, "-m", "helpers", "repro", "10017", "10003", "--record", journal],
        capture_output=True,
        text=True,
        timeout=120,
        env=env,
    )
    assert record.returncode == 0, record.stderr
    export = run_cli("export", journal, "--to", tmp_path / "out", "--no-html")
    assert export.returncode == 0, export.stderr
    bundle = tmp_path / "out" / "session.bundle.json"
    replay = run_cli("replay", bundle, "--json")
    assert replay.returncode == 0, replay.stdout + replay.stderr
    rows = [json.loads(line) for line in replay.stdout.splitlines()]
    assert [row["code_before"] for row in rows] == [10017, 202, 10003, 202]
    assert all(row["same"] for row in rows)
