"""Tests of session replay: same codes again, placeholders, ids, timestamps."""

from __future__ import annotations

import datetime as dt
import json
import time
import uuid

import pytest
from session_factory import (
    CANARY_END_USER,
    CANARY_TOKEN,
    EXPECTED_CODES,
    canary_sandbox,
    record_session,
)

from helpers.export import export_session, load_bundle
from helpers.redact import RedactOptions
from helpers.replay import (
    INVALID_TOKEN,
    ReplayError,
    ReplayResult,
    _Replayer,
    _Target,
    replay_bundle,
)


@pytest.fixture(scope="module")
def canary_box():
    handle = canary_sandbox()
    try:
        yield handle
    finally:
        handle.stop()


@pytest.fixture(scope="module")
def bundle_path(canary_box, tmp_path_factory):
    canary_box.reset()
    folder = tmp_path_factory.mktemp("replay")
    journal = record_session(canary_box, folder / "session.jsonl")
    options = RedactOptions(org_ids=True)
    result = export_session(journal, folder / "out", options, html_file=False)
    return result.files["bundle"]


def test_replay_in_process_sandbox_same_codes(bundle_path):
    result = replay_bundle(bundle_path)
    assert isinstance(result, ReplayResult)
    assert [row.code_before for row in result.rows] == EXPECTED_CODES
    assert [row.code_now for row in result.rows] == EXPECTED_CODES
    assert result.all_same
    assert "in-process sandbox" in result.target
    assert "every code matches" in str(result)


def test_replay_sandbox_url_same_codes(bundle_path, sandbox):
    sandbox.reset()
    result = replay_bundle(bundle_path, sandbox.url)
    assert [row.code_now for row in result.rows] == EXPECTED_CODES
    fault_rows = [row for row in result.rows if row.fault_armed]
    assert [row.code_now for row in fault_rows] == [20002]


def test_replay_uses_local_profile_values(bundle_path, sandbox):
    sandbox.reset()
    replay_bundle(bundle_path, sandbox.url)
    received = sandbox.received()
    text = json.dumps(received)
    assert CANARY_END_USER not in text
    assert sandbox.profile["end_user_client_id"] in text
    org_ids = {r["headers"].get("Orgid") for r in received}
    assert org_ids == {sandbox.profile["org_id"]}


def test_replay_follows_new_conversation_id(bundle_path, sandbox):
    sandbox.reset()
    # A conversation made first shifts the ids the sandbox hands out, so the
    # replayed route must use the id returned during the replay.
    from helpers.client import InteractionClient

    with InteractionClient(sandbox.url) as client:
        other = "fake-end-user-0002"
        client.send(client.build_send_message("warm up", end_user_client_id=other))
    result = replay_bundle(bundle_path, sandbox.url)
    assert result.all_same, str(result)
    bundle = load_bundle(bundle_path)
    first = bundle["session"].exchange_records[0]["exchange"]
    recorded_id = json.loads(first["response_body"])["conversationIdentifier"]
    routes = [r for r in sandbox.received() if r.get("path", "").endswith("/route")]
    sent_ids = {json.dumps(r.get("body")) for r in routes}
    assert routes
    assert all(recorded_id not in text for text in sent_ids)


def test_replay_detects_changed_code(bundle_path, tmp_path):
    data = json.loads(bundle_path.read_text(encoding="utf-8"))
    exchange = data["session"]["records"][2]["exchange"]
    assert json.loads(exchange["response_body"])["code"] == 10017
    exchange["response_body"] = json.dumps({"code": 10001, "message": "edited"})
    exchange["findings"] = []
    edited = tmp_path / "edited.bundle.json"
    edited.write_text(json.dumps(data), encoding="utf-8")
    result = replay_bundle(edited)
    assert not result.all_same
    (row,) = result.differences
    assert row.index == 1
    assert row.code_before == 10001
    assert row.code_now == 10017
    assert row.same is False
    assert "DIFFERENT" in str(result)
    assert "<b>different</b>" in result._repr_html_()


def test_replay_bad_target_raises(bundle_path, tmp_path):
    missing = tmp_path / "missing.toml"
    with pytest.raises(ReplayError, match="cannot replay against"):
        replay_bundle(bundle_path, str(missing))


@pytest.fixture
def replayer(sandbox):
    sandbox.reset()
    placeholders = {
        "<token-1>": {"kind": "access_token", "length": 16, "fingerprint": "00000000"},
        "<token-2>": {"kind": "access_token", "length": 16, "fingerprint": "ffffffff"},
        "<end-user-2>": {"kind": "end_user_id", "length": 30},
        "<text-1>": {"kind": "message_text", "length": 5},
    }
    roles = {
        "access_token": "<token-1>",
        "end_user_client_id": "<end-user-1>",
        "org_id": "00DOLD000000001",
    }
    with _Target(sandbox.url) as target:
        yield _Replayer(target, roles, placeholders, arm_faults=False), sandbox


def recorded_request(started_at, body, headers=None):
    # Built as a dict: ApiRequest.to_dict() would mask the placeholder again.
    headers = headers or {
        "Authorization": "Bearer <token-1>",
        "OrgId": "00DOLD000000001",
        "RequestId": "6f1c2c2e-2b0a-4a7e-9e55-0c6f1d2a9b10",
    }
    request = {
        "method": "POST",
        "path": "/api/v1/interactions",
        "headers": headers,
        "json": body,
    }
    return {"request": request, "started_at": started_at}


def test_prepare_fills_profile_and_stand_ins(replayer):
    replay, box = replayer
    body = {"from": "<end-user-1>", "text": "<text-1>", "other": "<end-user-2>"}
    prepared = replay.prepare(recorded_request("", body))
    assert prepared.headers["Authorization"] == f"Bearer {box.profile['access_token']}"
    assert prepared.headers["OrgId"] == box.profile["org_id"]
    assert prepared.json["from"] == box.profile["end_user_client_id"]
    assert len(prepared.json["text"]) == 5
    assert len(prepared.json["other"]) == 30
    assert "<" not in json.dumps(prepared.json)


def test_prepare_other_token_gets_stand_in(replayer):
    replay, _ = replayer
    headers = {"Authorization": "Bearer <token-2>"}
    prepared = replay.prepare(recorded_request("", {}, headers))
    assert prepared.headers["Authorization"] == f"Bearer {INVALID_TOKEN}"


def test_prepare_fresh_request_id(replayer):
    replay, _ = replayer
    prepared = replay.prepare(recorded_request("", {}))
    assert prepared.headers["RequestId"] != "6f1c2c2e-2b0a-4a7e-9e55-0c6f1d2a9b10"
    assert uuid.UUID(prepared.headers["RequestId"])
    invalid = {"Authorization": "Bearer <token-1>", "RequestId": "not-a-uuid"}
    kept = replay.prepare(recorded_request("", {}, invalid))
    assert kept.headers["RequestId"] == "not-a-uuid"


def test_prepare_shifts_timestamps(replayer):
    replay, _ = replayer
    two_days_ago = dt.datetime.now(dt.timezone.utc) - dt.timedelta(days=2)
    recorded_ms = int(two_days_ago.timestamp() * 1000)
    body = {
        "interactions": [{"timestamp": recorded_ms - 1000, "payload": {"id": "x"}}],
        "conversationEntries": [{"clientTimestamp": str(recorded_ms)}],
        "bad": {"timestamp": 12},
    }
    prepared = replay.prepare(recorded_request(two_days_ago.isoformat(), body))
    now_ms = int(time.time() * 1000)
    shifted = prepared.json["interactions"][0]["timestamp"]
    assert now_ms - 60_000 < shifted + 1000 <= now_ms
    client_ms = int(prepared.json["conversationEntries"][0]["clientTimestamp"])
    assert now_ms - 60_000 < client_ms <= now_ms
    assert prepared.json["bad"]["timestamp"] == 12


def test_prepare_replaces_returned_ids(replayer):
    replay, _ = replayer
    replay._learn_ids(
        json.dumps({"conversationIdentifier": "old-conv-1", "workItemIds": ["0MwOLD"]}),
        json.dumps({"conversationIdentifier": "new-conv-9", "workItemIds": ["0MwNEW"]}),
    )
    body = {
        "conversationIdentifier": "old-conv-1",
        "workItemId": "0MwOLD",
        "note": "old-conv-10",
    }
    prepared = replay.prepare(recorded_request("", body))
    assert prepared.json["conversationIdentifier"] == "new-conv-9"
    assert prepared.json["workItemId"] == "0MwNEW"
    assert prepared.json["note"] == "old-conv-10"


def test_replay_result_rows_json(bundle_path):
    result = replay_bundle(bundle_path)
    rows = [row.to_dict() for row in result.rows]
    required = {"index", "method", "path", "code_before", "code_now", "same"}
    assert set(rows[0]) >= required
    assert json.loads(json.dumps(result.to_dict()))["all_same"] is True
    assert CANARY_TOKEN not in json.dumps(result.to_dict())
