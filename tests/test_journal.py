"""Tests of the session journal: records on disk, reading back, bad input, crashes."""

from __future__ import annotations

import base64
import json
import os
import signal
import subprocess
import sys
import textwrap
import threading
import warnings

import pytest

from helpers.journal import (
    JOURNAL_FORMAT,
    Journal,
    JournalError,
    Session,
    TornRecordWarning,
    load_journal,
    response_code,
)
from helpers.model import ApiRequest, Exchange

CANARY_TOKEN = "00DFAKE000000000001!CANARYtokenDoNotLeak123"
CANARY_JWT = "eyJhbGciOiJSUzI1NiJ9.eyJpc3MiOiJjYW5hcnkifQ.c2lnbmF0dXJlLWNhbmFyeQ"


def make_exchange(status=400, code=10017, end_user="end-user-0001", attempt=1):
    request = ApiRequest(
        "POST",
        "/api/v1/conversation",
        headers={
            "Authorization": f"Bearer {CANARY_TOKEN}",
            "OrgId": "00DFAKE00000001",
            "RequestId": "6f1c2c2e-2b0a-4a7e-9e55-0c6f1d2a9b10",
        },
        json={
            "channelAddressIdentifier": "c0ffee00-0000-4000-8000-000000000001",
            "participants": [
                {"subject": end_user, "role": "EndUser", "appType": "custom"}
            ],
        },
    )
    if code:
        body = json.dumps({"code": code, "message": "bad channel"})
    else:
        body = '{"success": true}'
    return Exchange(
        request=request,
        url="http://127.0.0.1:1/api/v1/conversation",
        target="test",
        started_at="2026-12-04T10:00:00.000+00:00",
        elapsed_ms=3.5,
        status=status,
        response_body=body,
        attempt=attempt,
    )


def read_lines(path):
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def test_new_journal_starts_with_header(tmp_path):
    path = tmp_path / "s.jsonl"
    profile = {"org_id": "00DFAKE00000001", "access_token": CANARY_TOKEN}
    with Journal(path, target="sandbox", profile=profile):
        pass
    (header,) = read_lines(path)
    assert header["type"] == "header"
    assert header["format"] == JOURNAL_FORMAT
    assert header["target"] == "sandbox"
    assert header["python"].count(".") == 2
    assert header["profile"] == {"org_id": "00DFAKE00000001"}
    assert "started_at" in header
    assert "kit_version" in header


def test_missing_folders_created(tmp_path):
    path = tmp_path / "runs" / "today" / "s.jsonl"
    with Journal(path) as journal:
        journal.annotate("first")
    assert load_journal(path).annotations[0]["text"] == "first"


def test_records_are_on_disk_before_return(tmp_path):
    path = tmp_path / "s.jsonl"
    journal = Journal(path)
    index = journal.record_exchange(make_exchange())
    # Read through a second descriptor while the journal is still open.
    lines = read_lines(path)
    journal.close()
    assert index == 0
    assert lines[1]["type"] == "exchange"
    assert lines[1]["index"] == 0
    assert lines[1]["exchange"]["status"] == 400


def test_fsync_called_per_record(tmp_path, monkeypatch):
    calls = []
    real_fsync = os.fsync
    monkeypatch.setattr(os, "fsync", lambda fd: (calls.append(fd), real_fsync(fd)))
    journal = Journal(tmp_path / "s.jsonl")
    before = len(calls)
    journal.record_exchange(make_exchange())
    journal.annotate("first try")
    journal.close()
    assert len(calls) - before == 2


def test_token_never_written(tmp_path):
    path = tmp_path / "s.jsonl"
    exchange = make_exchange()
    exchange.error = f"raised with {CANARY_TOKEN}"
    with Journal(path) as journal:
        echoed = exchange.to_dict() | {"response_body": f"echo {CANARY_JWT}"}
        journal.record_exchange(echoed)
        journal.annotate(f"pasted by mistake: Bearer {CANARY_TOKEN}")
        journal.record_error(RuntimeError(f"token {CANARY_JWT} rejected"))
    text = path.read_text(encoding="utf-8")
    assert CANARY_TOKEN not in text
    assert CANARY_JWT not in text
    assert "CANARYtoken" not in text


def test_raw_body_secret_masked(tmp_path):
    path = tmp_path / "s.jsonl"
    form = f"grant_type=jwt-bearer&assertion={CANARY_JWT}".encode()
    request = ApiRequest("POST", "/services/oauth2/token", raw_body=form)
    exchange = Exchange(request, "http://127.0.0.1:1/x", "test", "now", status=400)
    with Journal(path) as journal:
        journal.record_exchange(exchange)
    record = read_lines(path)[1]
    raw = base64.b64decode(record["exchange"]["request"]["raw_body_base64"]).decode()
    assert CANARY_JWT not in raw
    assert raw.startswith("grant_type=jwt-bearer&assertion=<token:")


def test_load_journal_reads_back(tmp_path):
    path = tmp_path / "s.jsonl"
    with Journal(path, target="sandbox") as journal:
        journal.record_exchange(make_exchange())
        journal.record_exchange(make_exchange(status=202, code=None))
        journal.annotate("fixed the channel", exchange_index=1)
    session = load_journal(path)
    assert isinstance(session, Session)
    assert len(session) == 2
    assert [e.status for e in session.exchanges()] == [400, 202]
    assert session.annotations[0]["exchange_index"] == 1
    assert session.source == str(path)
    assert session.warnings == []


def test_summary_lists_exchanges(tmp_path):
    path = tmp_path / "s.jsonl"
    with Journal(path, target="sandbox") as journal:
        journal.record_exchange(make_exchange())
        journal.record_exchange(make_exchange(status=202, code=None, attempt=2))
        journal.annotate("retried once", exchange_index=1)
    summary = load_journal(path).summary()
    assert "2 exchanges, 1 annotations, 0 errors" in summary
    assert "[0] POST /api/v1/conversation -> 400, code 10017" in summary
    assert "[1] POST /api/v1/conversation -> 202 (attempt 2)" in summary
    assert "note on [1]: retried once" in summary


def test_reopen_appends_and_keeps_indexes(tmp_path):
    path = tmp_path / "s.jsonl"
    with Journal(path) as journal:
        journal.record_exchange(make_exchange())
    with Journal(path, target="ignored") as journal:
        assert journal.exchange_count == 1
        assert journal.record_exchange(make_exchange()) == 1
        journal.annotate("about the first", exchange_index=0)
    session = load_journal(path)
    assert len(session) == 2
    assert [r["index"] for r in session.exchange_records] == [0, 1]
    assert sum(1 for line in read_lines(path) if line["type"] == "header") == 1


def test_torn_last_line_tolerated(tmp_path):
    path = tmp_path / "s.jsonl"
    with Journal(path) as journal:
        journal.record_exchange(make_exchange())
    with open(path, "a", encoding="utf-8") as handle:
        handle.write('{"type": "exchange", "index": 1, "exch')
    with pytest.warns(TornRecordWarning, match="line 3"):
        session = load_journal(path)
    assert len(session) == 1
    assert len(session.warnings) == 1
    assert str(path) in session.warnings[0]


def test_reopen_cuts_torn_line(tmp_path):
    path = tmp_path / "s.jsonl"
    with Journal(path) as journal:
        journal.record_exchange(make_exchange())
    with open(path, "a", encoding="utf-8") as handle:
        handle.write('{"type": "annot')
    with Journal(path) as journal:
        journal.annotate("after the crash")
    session = load_journal(path)
    assert session.warnings == []
    assert session.annotations[0]["text"] == "after the crash"


@pytest.mark.parametrize(
    "content, message",
    [
        ("", "is empty"),
        ("hello world\n", "line 1: not a session journal"),
        ('{"a": 1}\n', "line 1: not a session journal"),
        ('{"type": "exchange", "exchange": {}}\n', "line 1: not a session journal"),
        ('{"type": "header", "format": "other"}\n', "line 1: not a session journal"),
    ],
    ids=["empty", "text", "json-object", "no-header", "other-format"],
)
def test_load_rejects_non_journal(tmp_path, content, message):
    path = tmp_path / "x.jsonl"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(JournalError, match=message) as info:
        load_journal(path)
    assert str(path) in str(info.value)


def test_load_rejects_bad_middle_line(tmp_path):
    path = tmp_path / "s.jsonl"
    with Journal(path) as journal:
        journal.record_exchange(make_exchange())
    lines = path.read_text(encoding="utf-8").splitlines()
    lines.insert(1, "not json at all")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    with pytest.raises(JournalError, match=r"line 2: not a JSON record"):
        load_journal(path)


@pytest.mark.parametrize(
    "content",
    ["my notes\n", "my notes", "line one\nline two", '{"a": 1}\n{"b": 2'],
    ids=["one-line", "no-newline", "torn-text", "torn-json"],
)
def test_opening_non_journal_changes_nothing(tmp_path, content):
    path = tmp_path / "notes.txt"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(JournalError, match="not a session journal"):
        Journal(path)
    assert path.read_text(encoding="utf-8") == content


def test_torn_header_replaced(tmp_path):
    path = tmp_path / "s.jsonl"
    path.write_text('{"type": "header", "format": "isapi-sess', encoding="utf-8")
    with Journal(path, target="sandbox") as journal:
        journal.annotate("after a crash at the very start")
    session = load_journal(path)
    assert session.header["target"] == "sandbox"
    assert len(session.annotations) == 1


@pytest.mark.parametrize(
    "text, index, error, message",
    [
        (42, None, TypeError, "must be a string, not int"),
        (None, None, TypeError, "must be a string, not NoneType"),
        ("", None, ValueError, "empty"),
        ("   \n", None, ValueError, "empty"),
        ("ok", 5, ValueError, "exchange_index 5 names no recorded exchange"),
        ("ok", -1, ValueError, "exchange_index -1"),
        ("ok", "0", TypeError, "must be an int"),
        ("ok", True, TypeError, "must be an int"),
    ],
    ids=[
        "int",
        "none",
        "empty",
        "blank",
        "index-too-high",
        "index-negative",
        "index-str",
        "index-bool",
    ],
)
def test_annotate_bad_input_keeps_records(tmp_path, text, index, error, message):
    path = tmp_path / "s.jsonl"
    journal = Journal(path)
    journal.record_exchange(make_exchange())
    before = path.read_bytes()
    with pytest.raises(error, match=message):
        journal.annotate(text, exchange_index=index)
    journal.annotate("still works", exchange_index=0)
    journal.close()
    assert path.read_bytes().startswith(before)
    assert load_journal(path).annotations[-1]["text"] == "still works"


def test_record_exchange_rejects_other_types(tmp_path):
    journal = Journal(tmp_path / "s.jsonl")
    with pytest.raises(TypeError, match="takes an Exchange or its to_dict"):
        journal.record_exchange("GET /")
    assert journal.exchange_count == 0
    journal.close()


def test_closed_journal_rejects_writes(tmp_path):
    journal = Journal(tmp_path / "s.jsonl")
    journal.close()
    with pytest.raises(ValueError, match="is closed"):
        journal.annotate("late")
    assert "closed" in repr(journal)


def test_context_manager_records_exception(tmp_path):
    path = tmp_path / "s.jsonl"
    with pytest.raises(RuntimeError):
        with Journal(path) as journal:
            journal.record_exchange(make_exchange())
            raise RuntimeError(f"boom with {CANARY_TOKEN}")
    (error,) = load_journal(path).errors
    assert error["error_type"] == "RuntimeError"
    assert "boom with <token:" in error["message"]


def test_capture_records_error_attributes(tmp_path):
    class ApiFailure(Exception):
        code = 10017
        request_id = "req-1"

    path = tmp_path / "s.jsonl"
    journal = Journal(path)
    with pytest.raises(ApiFailure):
        with journal.capture():
            raise ApiFailure("channel not found")
    journal.close()
    (error,) = load_journal(path).errors
    assert error["code"] == 10017
    assert error["request_id"] == "req-1"


def test_attach_registers_listener(tmp_path):
    class FakeClient:
        def __init__(self):
            self.listeners = []

        def add_listener(self, callback):
            self.listeners.append(callback)

    client = FakeClient()
    path = tmp_path / "s.jsonl"
    journal = Journal(path)
    listener = journal.attach(client)
    assert client.listeners == [listener]
    listener(make_exchange())
    journal.close()
    listener(make_exchange())  # after close: ignored, no error
    assert len(load_journal(path)) == 1
    with pytest.raises(TypeError, match="no add_listener"):
        Journal(tmp_path / "t.jsonl").attach(object())


def test_close_detaches_from_client(tmp_path, fresh_sandbox):
    from helpers.client import InteractionClient

    path = tmp_path / "s.jsonl"
    with InteractionClient(fresh_sandbox.url) as client:
        with Journal(path) as journal:
            journal.attach(client)
            client.send(client.build_send_message("recorded"))
        client.send(client.build_send_message("not recorded"))
    assert len(load_journal(path)) == 1


def test_threads_write_whole_lines(tmp_path):
    path = tmp_path / "s.jsonl"
    journal = Journal(path)

    def work():
        for _ in range(25):
            journal.record_exchange(make_exchange())

    threads = [threading.Thread(target=work) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    journal.close()
    session = load_journal(path)
    assert len(session) == 100
    assert sorted(r["index"] for r in session.exchange_records) == list(range(100))


@pytest.mark.parametrize(
    "exchange, expected",
    [
        ({"status": 400, "response_body": '{"code": 10017, "message": "x"}'}, 10017),
        (
            {
                "status": 200,
                "response_body": '{"success": false, "errorDetail": {"code": 10022}}',
            },
            10022,
        ),
        ({"status": 202, "response_body": '{"success": true}'}, 202),
        ({"status": None, "error": "ConnectionError"}, "no response"),
        ({"status": 400, "findings": [{"code": 10004}], "response_body": "{}"}, 10004),
    ],
    ids=["top-level", "error-detail", "success", "no-response", "finding"],
)
def test_response_code(exchange, expected):
    assert response_code(exchange) == expected


CHILD = textwrap.dedent(
    """
    import sys
    from helpers.journal import Journal
    from helpers.model import ApiRequest
    from helpers.transport import send

    url, path = sys.argv[1], sys.argv[2]
    journal = Journal(path, target="sandbox")
    request = ApiRequest("GET", "/__sandbox__/state")
    while True:
        index = journal.record_exchange(send(request, url))
        print(index, flush=True)
    """
)


def test_sigkill_keeps_recorded_exchanges(tmp_path, sandbox):
    path = tmp_path / "killed.jsonl"
    child = subprocess.Popen(
        [sys.executable, "-c", CHILD, sandbox.url, str(path)],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    confirmed = []
    try:
        while len(confirmed) < 20:
            line = child.stdout.readline()
            assert line, "the recording process stopped early"
            confirmed.append(int(line))
    finally:
        child.send_signal(signal.SIGKILL)
        child.wait(timeout=30)
        child.stdout.close()
    assert child.returncode == -signal.SIGKILL
    with warnings.catch_warnings():
        # A kill in the middle of a write may leave a torn last line.
        warnings.simplefilter("ignore", TornRecordWarning)
        session = load_journal(path)
    indexes = [r["index"] for r in session.exchange_records]
    assert indexes[: len(confirmed)] == confirmed
    assert indexes == list(range(len(indexes)))
    assert all(r["exchange"]["status"] == 200 for r in session.exchange_records)



def test_journal_rejects_folder_path(tmp_path):
    with pytest.raises(JournalError, match="is a folder"):
        Journal(tmp_path)


def test_journal_rejects_unwritable_path(tmp_path):
    # A path under a regular file can never be opened for writing.
    blocker = tmp_path / "file.txt"
    blocker.write_text("x")

    with pytest.raises(JournalError):
        Journal(blocker / "session.jsonl")
