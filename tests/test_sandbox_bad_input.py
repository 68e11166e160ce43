"""Sandbox on bad input: every response is JSON, and the sandbox keeps serving
with its state intact."""

from __future__ import annotations

import json
import logging
import socket
import uuid
from urllib.parse import urlsplit

import pytest
import requests

from helpers import codes, repro
from helpers.sandbox import app as sandbox_app
from helpers.transport import send

MEBIBYTE = 1024 * 1024


def build(name: str, profile: dict):
    return repro.build_request(repro.base_requests()[name], profile, {}, strict=True)


def api_headers(profile: dict, content_type: str | None = "application/json") -> dict:
    headers = dict(build("conversation", profile).headers)
    if content_type is None:
        headers.pop("Content-Type")
    else:
        headers["Content-Type"] = content_type
    return headers


@pytest.fixture
def seeded(fresh_sandbox, profile):
    """A sandbox holding one conversation; yields the state counts to compare against."""
    assert send(build("interaction_message", profile), profile["base_url"]).status == 202
    return fresh_sandbox.state()["counts"]


def assert_still_serving(sandbox, profile: dict, counts: dict) -> None:
    assert sandbox.state()["counts"] == counts
    exchange = send(build("capabilities", profile), profile["base_url"])
    assert exchange.status == 200
    assert sandbox.state()["counts"] == counts


def test_malformed_json_body(seeded, fresh_sandbox, profile):
    response = requests.post(
        profile["base_url"] + "/api/v1/conversation",
        data=b'{"channelAddressIdentifier": ',
        headers=api_headers(profile),
        timeout=5,
    )
    assert response.status_code == 400
    assert response.json()["error"] == "Bad Request"
    assert "JSON parse error" in response.json()["message"]
    assert_still_serving(fresh_sandbox, profile, seeded)


@pytest.mark.parametrize(
    "body",
    [b"[" * 100000, b"[" * 5000 + b"]" * 5000, b'{"a":' * 300 + b"1" + b"}" * 300],
    ids=["unclosed", "closed", "objects"],
)
def test_deeply_nested_json_body(seeded, fresh_sandbox, profile, body, caplog):
    with caplog.at_level(logging.ERROR, logger="helpers.sandbox"):
        response = requests.post(
            profile["base_url"] + "/api/v1/conversation",
            data=body,
            headers=api_headers(profile),
            timeout=5,
        )
    assert response.status_code == 400
    assert response.json()["error"] == "Bad Request"
    assert "JSON parse error" in response.json()["message"]
    assert "RecursionError" not in caplog.text
    assert_still_serving(fresh_sandbox, profile, seeded)


@pytest.mark.parametrize("path", ["settings", "faults", "oauth/certificate"])
def test_deeply_nested_control_body(fresh_sandbox, path):
    method = "POST" if path != "settings" else "PUT"
    response = requests.request(
        method, fresh_sandbox.url + "/__sandbox__/" + path, data=b"[" * 100000, timeout=5
    )
    assert response.status_code == 400
    assert response.headers["Content-Type"].startswith("application/json")


def test_non_utf8_body(seeded, fresh_sandbox, profile):
    response = requests.post(
        profile["base_url"] + "/api/v1/conversation",
        data=b'{"channelAddressIdentifier": "\xff\xfe"}',
        headers=api_headers(profile),
        timeout=5,
    )
    assert response.status_code == 400
    assert "not UTF-8" in response.json()["message"]
    assert_still_serving(fresh_sandbox, profile, seeded)


def test_empty_body_by_table_version(seeded, fresh_sandbox, profile):
    url = profile["base_url"] + "/api/v1/conversation"
    response = requests.post(url, data=b"", headers=api_headers(profile), timeout=5)
    assert response.status_code == 400
    assert response.json()["error"] == "Bad Request"
    fresh_sandbox.update_settings(table_version="latest")
    latest = codes.lookup(10100, "latest")
    response = requests.post(url, data=b"", headers=api_headers(profile), timeout=5)
    if latest is not None and not latest.removed:
        assert response.json()["code"] == 10100
    else:
        assert response.status_code == 400
    assert_still_serving(fresh_sandbox, profile, seeded)


def test_json_array_body(seeded, fresh_sandbox, profile):
    response = requests.post(
        profile["base_url"] + "/api/v1/conversation",
        json=[1, 2],
        headers=api_headers(profile),
        timeout=5,
    )
    assert response.json()["code"] == 10052
    assert_still_serving(fresh_sandbox, profile, seeded)


@pytest.mark.parametrize("content_type", ["text/plain", None, "multipart/form-data"])
def test_wrong_content_type_json_endpoint(seeded, fresh_sandbox, profile, content_type):
    response = requests.post(
        profile["base_url"] + "/api/v1/conversation",
        data=json.dumps(build("conversation", profile).json),
        headers=api_headers(profile, content_type),
        timeout=5,
    )
    assert response.json() == {"code": 10016, "message": codes.message_for(10016)}
    assert_still_serving(fresh_sandbox, profile, seeded)


def test_interactions_sent_as_json(seeded, fresh_sandbox, profile):
    request = build("interaction_message", profile)
    response = requests.post(
        profile["base_url"] + "/api/v1/interactions",
        json=request.json_part,
        headers=api_headers(profile),
        timeout=5,
    )
    assert response.json()["code"] == 10016
    assert_still_serving(fresh_sandbox, profile, seeded)


def test_multipart_without_json_part(seeded, fresh_sandbox, profile):
    response = requests.post(
        profile["base_url"] + "/api/v1/interactions",
        files=[("attachments", ("a.pdf", b"%PDF", "application/pdf"))],
        headers=api_headers(profile, None),
        timeout=5,
    )
    assert response.json()["code"] == 10029
    assert_still_serving(fresh_sandbox, profile, seeded)


@pytest.mark.parametrize(
    "text",
    ["{not json", "\udcff".encode("utf-8", "surrogatepass"), "[]", "[" * 100000],
)
def test_multipart_bad_json_part(seeded, fresh_sandbox, profile, text):
    response = requests.post(
        profile["base_url"] + "/api/v1/interactions",
        files=[("json", (None, text, "application/json"))],
        headers=api_headers(profile, None),
        timeout=5,
    )
    assert response.status_code == 400
    assert response.json()["code"] == 10029
    assert_still_serving(fresh_sandbox, profile, seeded)


def test_upload_over_limit_rejected(seeded, fresh_sandbox, profile):
    request = build("interaction_attachment", profile)
    big = b"\0" * (30 * MEBIBYTE)
    request.json_part["interactions"][0]["contentLength"] = len(big)
    response = requests.post(
        profile["base_url"] + "/api/v1/interactions",
        files=[
            ("json", (None, json.dumps(request.json_part), "application/json")),
            ("attachments", ("big.pdf", big, "application/pdf")),
        ],
        headers=api_headers(profile, None),
        timeout=30,
    )
    assert response.json() == {"code": 10008, "message": codes.message_for(10008)}
    assert_still_serving(fresh_sandbox, profile, seeded)


def test_unknown_path_lists_endpoints(seeded, fresh_sandbox, profile):
    response = requests.get(profile["base_url"] + "/api/v1/attachmentHistory", timeout=5)
    assert response.status_code == 404
    body = response.json()
    assert "POST /api/v1/interactions" in body["endpoints"]
    assert "PATCH /api/v1/agentWork" in body["endpoints"]
    assert_still_serving(fresh_sandbox, profile, seeded)


def test_wrong_method_gets_405(seeded, fresh_sandbox, profile):
    response = requests.put(profile["base_url"] + "/api/v1/consent", json={}, timeout=5)
    assert response.status_code == 405
    assert response.headers["Allow"] == "PATCH"
    assert response.json()["allowed"] == ["PATCH"]
    assert_still_serving(fresh_sandbox, profile, seeded)


def raw_request(base_url: str, head: bytes) -> tuple[int, dict]:
    parts = urlsplit(base_url)
    with socket.create_connection((parts.hostname, parts.port), timeout=10) as conn:
        conn.sendall(head)
        data = b""
        while chunk := conn.recv(65536):
            data += chunk
    status_line, _, rest = data.partition(b"\r\n")
    body = rest.partition(b"\r\n\r\n")[2]
    return int(status_line.split()[1]), json.loads(body)


def test_huge_header_gets_json_431(seeded, fresh_sandbox, profile):
    head = (
        b"GET /__sandbox__/profile HTTP/1.1\r\nHost: x\r\nX-Big: "
        + b"a" * 70_000
        + b"\r\n\r\n"
    )
    status, body = raw_request(profile["base_url"], head)
    assert status == 431
    assert body["status"] == 431
    assert_still_serving(fresh_sandbox, profile, seeded)


def test_too_many_headers_gets_json(seeded, fresh_sandbox, profile):
    lines = b"".join(b"X-H%d: v\r\n" % i for i in range(150))
    head = b"GET /__sandbox__/profile HTTP/1.1\r\nHost: x\r\n" + lines + b"\r\n"
    status, body = raw_request(profile["base_url"], head)
    assert status == 431
    assert body["status"] == 431
    assert_still_serving(fresh_sandbox, profile, seeded)


def test_large_header_value_gets_code(seeded, fresh_sandbox, profile):
    request = build("conversation", profile)
    request.headers["Authorization"] = "Bearer " + "x" * 60_000
    exchange = send(request, profile["base_url"])
    assert repro.response_code(exchange) == 10004
    record = fresh_sandbox.received()[-1]
    assert len(record["headers"]["Authorization"]) < 100
    assert_still_serving(fresh_sandbox, profile, seeded)


def test_unexpected_exception_becomes_500(seeded, fresh_sandbox, profile, monkeypatch, caplog):
    def broken(call):
        raise RuntimeError("handler bug for the test")

    monkeypatch.setitem(sandbox_app.HANDLERS, ("POST", "conversation"), broken)
    with caplog.at_level(logging.ERROR, logger="helpers.sandbox.app"):
        exchange = send(build("conversation", profile), profile["base_url"])
    assert exchange.status == 500
    assert exchange.response_json() == {"code": 500, "message": codes.message_for(500)}
    assert "handler bug for the test" in caplog.text
    monkeypatch.undo()
    assert_still_serving(fresh_sandbox, profile, seeded)


def test_early_rejection_drains_body(seeded, fresh_sandbox, profile):
    request = build("interaction_attachment", profile)
    headers = api_headers(profile, None)
    headers["RequestId"] = "not-a-uuid"
    payload = b"x" * (5 * MEBIBYTE)
    response = requests.post(
        profile["base_url"] + "/api/v1/interactions",
        files=[
            ("json", (None, json.dumps(request.json_part), "application/json")),
            ("attachments", ("a.pdf", payload, "application/pdf")),
        ],
        headers=headers,
        timeout=30,
    )
    assert response.json()["code"] == 10016
    assert_still_serving(fresh_sandbox, profile, seeded)


def test_request_id_logged_not_token(seeded, fresh_sandbox, profile, caplog):
    request = build("conversation", profile)
    request_id = str(uuid.uuid4())
    request.headers["RequestId"] = request_id
    with caplog.at_level(logging.INFO, logger="helpers.sandbox.app"):
        send(request, profile["base_url"])
    assert request_id in caplog.text
    assert profile["access_token"] not in caplog.text
