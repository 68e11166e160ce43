"""Tests of the client's failure paths: retries, timeouts, refused connections,
token refresh, and that no token reaches a log, an exception or an exchange."""

from __future__ import annotations

import json
import logging
import socket

import pytest

from helpers.client import InteractionClient
from helpers.errors import ConnectionFailed, RefreshToken, RequestTimedOut, RetryLater, TlsError
from helpers.profiles import load_profile

CANARY_TOKEN = "00DSBX000000001!H4canary.client.fake.token.not.issued"
TINY_BACKOFF = {"backoff": 0.001, "max_backoff": 0.002}


@pytest.fixture
def box(fresh_sandbox):
    """The session's sandbox from conftest, reset before and after each test."""
    return fresh_sandbox


@pytest.fixture
def profile_values(box):
    box.reset()
    return {k: v for k, v in box.profile.items() if isinstance(v, str)}


def make_client(box, **options):
    box.reset()
    return InteractionClient(box, preflight="off", **{**TINY_BACKOFF, **options})


@pytest.fixture
def never_answering_port():
    """A listening socket whose connections are accepted by the kernel and never answered."""
    server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    server.bind(("127.0.0.1", 0))
    server.listen(8)
    yield server.getsockname()[1]
    server.close()


@pytest.fixture
def closed_port():
    probe = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    probe.bind(("127.0.0.1", 0))
    port = probe.getsockname()[1]
    probe.close()
    return port


@pytest.mark.parametrize("code", [10019, 10055, 10056, 20002, 500])
def test_retry_then_success(box, code, caplog):
    client = make_client(box)
    box.inject_fault(code, count=2, endpoint="interactions")
    seen = []
    client.add_listener(seen.append)
    with caplog.at_level(logging.WARNING, logger="helpers.client"):
        exchange = client.send_message("retry me")
    assert exchange.ok
    assert exchange.attempt == 3
    assert [e.attempt for e in seen] == [1, 2, 3]
    assert len({e.request_id for e in seen}) == 3
    retry_lines = [r for r in caplog.records if "retrying" in r.getMessage()]
    assert len(retry_lines) == 2
    assert f"code {code}" in retry_lines[0].getMessage()
    assert seen[0].request_id in retry_lines[0].getMessage()


def test_retries_exhausted_raise_retry_later(box, caplog):
    client = make_client(box, retries=2)
    box.inject_fault(10019, count=5, endpoint="interactions")
    seen = []
    client.add_listener(seen.append)
    with pytest.raises(RetryLater) as caught:
        client.send_message("still failing", raise_for_error=True)
    assert len(seen) == 3
    assert caught.value.code == 10019
    assert caught.value.request_id == seen[-1].request_id
    assert "no retries left" in caplog.text


def test_retry_codes_configurable(box):
    client = make_client(box, retry_codes={10055})
    box.inject_fault(10019, count=1, endpoint="interactions")
    exchange = client.send_message("no retry for 10019")
    assert exchange.attempt == 1
    assert not exchange.ok


def test_no_retry_on_validation_error(box):
    client = make_client(box)
    seen = []
    client.add_listener(seen.append)
    client.routing_result("not-a-conversation", "0MwSBX000000001")
    assert len(seen) == 1


def test_backoff_grows_with_jitter(box):
    client = InteractionClient(box, preflight="off", backoff=1.0, max_backoff=3.0)
    exchange = client.send_typing()
    delays = [client._delay(n, exchange) for n in (1, 2, 3, 4)]
    assert 0.5 <= delays[0] <= 1.0
    assert 1.0 <= delays[1] <= 2.0
    assert 1.5 <= delays[2] <= 3.0
    assert 1.5 <= delays[3] <= 3.0


def test_read_timeout_not_retried(box, profile_values, never_answering_port):
    profile = load_profile({**profile_values, "base_url": f"http://127.0.0.1:{never_answering_port}"})
    client = InteractionClient(profile, preflight="off", timeout=(1.0, 0.3), **TINY_BACKOFF)
    seen = []
    client.add_listener(seen.append)
    with pytest.raises(RequestTimedOut) as caught:
        client.send_typing(raise_for_error=True)
    assert len(seen) == 1
    assert caught.value.status is None
    assert "RequestId" in str(caught.value)


def test_connection_refused_retried_then_raised(box, profile_values, closed_port, caplog):
    profile = load_profile({**profile_values, "base_url": f"http://127.0.0.1:{closed_port}"})
    client = InteractionClient(profile, preflight="off", retries=2, **TINY_BACKOFF)
    seen = []
    client.add_listener(seen.append)
    with pytest.raises(ConnectionFailed) as caught:
        client.send_typing(raise_for_error=True)
    assert len(seen) == 3
    assert all(e.status is None for e in seen)
    assert f"127.0.0.1:{closed_port}" in str(caught.value)
    assert "ConnectionError" in caplog.text


def test_connection_retry_can_be_disabled(box, profile_values, closed_port):
    profile = load_profile({**profile_values, "base_url": f"http://127.0.0.1:{closed_port}"})
    client = InteractionClient(profile, preflight="off", retry_connection_errors=False)
    assert client.send_typing().attempt == 1


def test_token_refresh_on_10004(box, profile_values, caplog):
    tokens = iter([CANARY_TOKEN, box.profile["access_token"]])
    profile = load_profile(profile_values, token_provider=lambda: next(tokens))
    client = InteractionClient(profile, preflight="off", **TINY_BACKOFF)
    seen = []
    client.add_listener(seen.append)
    exchange = client.send_message("after refresh")
    assert exchange.ok
    assert [json.loads(e.response_body).get("code") for e in seen] == [10004, None]
    assert "refreshing the token" in caplog.text


def test_token_refresh_only_once(box, profile_values):
    profile = load_profile(profile_values, token_provider=lambda: CANARY_TOKEN)
    client = InteractionClient(profile, preflight="off", **TINY_BACKOFF)
    seen = []
    client.add_listener(seen.append)
    with pytest.raises(RefreshToken):
        client.send_message("bad token", raise_for_error=True)
    assert len(seen) == 2


def test_no_refresh_without_provider(box, profile_values, monkeypatch):
    monkeypatch.setenv("H4_TEST_TOKEN", CANARY_TOKEN)
    values = {k: v for k, v in profile_values.items() if k != "access_token"}
    profile = load_profile({**values, "token_env": "H4_TEST_TOKEN"})
    assert profile.token_source.describe() == "env:H4_TEST_TOKEN"
    client = InteractionClient(profile, preflight="off")
    seen = []
    client.add_listener(seen.append)
    exchange = client.send_message("bad token")
    assert len(seen) == 1
    assert json.loads(exchange.response_body)["code"] == 10004


def test_canary_token_never_leaks(box, profile_values, closed_port, caplog):
    """Every path that could carry the token: success, 10004, retries, refused, raise."""
    texts = []
    profile = load_profile(profile_values, token_provider=lambda: CANARY_TOKEN)
    with caplog.at_level(logging.DEBUG):
        client = InteractionClient(profile, preflight="warn", **TINY_BACKOFF)
        box.inject_fault(10019, count=1, endpoint="interactions")
        for call in (
            lambda: client.send_message("canary"),
            lambda: client.create_conversation(),
            lambda: client.update_consent("OptedOut"),
        ):
            try:
                call()
            except Exception as exc:  # noqa: BLE001 - every exception text is checked
                texts += [str(exc), repr(exc)]
        with pytest.raises(RefreshToken) as caught:
            client.send_typing(raise_for_error=True)
        texts += [str(caught.value), repr(caught.value), json.dumps(caught.value.to_dict())]

        refused = load_profile({**profile_values, "base_url": f"http://127.0.0.1:{closed_port}"}, token_provider=lambda: CANARY_TOKEN)
        refused_client = InteractionClient(refused, retries=1, **TINY_BACKOFF)
        with pytest.raises(ConnectionFailed) as refused_error:
            refused_client.send_typing(raise_for_error=True)
        texts += [str(refused_error.value), repr(refused_error.value), repr(refused_client), repr(refused)]

    texts += [json.dumps(e.to_dict()) for e in client.history + refused_client.history]
    texts += [repr(e) for e in client.history]
    texts += [json.dumps(r) for r in box.received()]
    texts.append(caplog.text)
    texts += [r.getMessage() for r in caplog.records]
    assert len(client.history) >= 6
    for text in texts:
        assert CANARY_TOKEN not in text
        assert "H4canary" not in text


def test_tls_error_on_plain_http_port(box, profile_values):
    https_url = box.url.replace("http://", "https://")
    profile = load_profile({**profile_values, "base_url": https_url})
    client = InteractionClient(profile, preflight="off", retries=0)
    with pytest.raises(TlsError) as caught:
        client.send_typing(raise_for_error=True)
    assert caught.value.status is None
    assert "SSLError" in str(caught.value)


def test_retry_after_header_honoured(box):
    client = InteractionClient(box, preflight="off", backoff=0.001, max_backoff=5.0)
    exchange = client.send_typing()
    exchange.response_headers = {"Retry-After": "2"}
    assert client._delay(1, exchange) == 2.0
    exchange.response_headers = {"Retry-After": "120"}
    assert client._delay(1, exchange) == 5.0
