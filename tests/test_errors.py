"""Tests of the exception tree: classification, attributes, one-line str, masking."""

from __future__ import annotations

import json

import pytest

from helpers import errors
from helpers.errors import (
    ApiResponseError,
    ConnectionFailed,
    FixRequest,
    FixSetup,
    InteractionApiError,
    RefreshToken,
    RequestTimedOut,
    RetryLater,
    TlsError,
    TransportError,
    error_for_exchange,
)
from helpers.model import ApiRequest, Exchange

FAKE_TOKEN = "00DSBX000000001!H4canary.errors.fake.token"
REQUEST_ID = "6f1c2c2e-2b0a-4a7e-9e55-0c6f1d2a9b10"


def make_exchange(status=None, body="", error=None):
    request = ApiRequest(
        "POST",
        "/api/v1/interactions",
        headers={"Authorization": f"Bearer {FAKE_TOKEN}", "RequestId": REQUEST_ID},
        json={"x": 1},
    )
    return Exchange(
        request=request,
        url="http://127.0.0.1:9/api/v1/interactions",
        target="sandbox",
        started_at="2026-01-01T00:00:00Z",
        status=status,
        response_body=body,
        error=error,
        request_id=REQUEST_ID,
    )


@pytest.mark.parametrize(
    "code, status, expected",
    [
        (10004, 401, RefreshToken),
        (10003, 403, FixSetup),
        (10001, 400, FixSetup),
        (10057, 403, FixSetup),
        (10019, 503, RetryLater),
        (10055, 409, RetryLater),
        (20002, 500, RetryLater),
        (500, 500, RetryLater),
        (10013, 400, FixRequest),
        (99999, 400, FixRequest),
    ],
    ids=lambda v: str(v) if not isinstance(v, type) else v.__name__,
)
def test_code_classification(code, status, expected):
    error = error_for_exchange(make_exchange(status, json.dumps({"code": code, "message": "m"})))
    assert type(error) is expected
    assert error.code == code
    assert error.status == status


@pytest.mark.parametrize(
    "status, expected",
    [(401, RefreshToken), (403, FixSetup), (404, FixRequest), (503, RetryLater), (302, FixSetup)],
)
def test_status_without_code(status, expected):
    error = error_for_exchange(make_exchange(status, "<html>gateway</html>"))
    assert type(error) is expected
    assert error.code is None


def test_error_detail_and_success_false_shapes():
    nested = {"success": False, "errorDetail": {"code": 10022, "message": "consent owner"}}
    error = error_for_exchange(make_exchange(200, json.dumps(nested)))
    assert isinstance(error, FixSetup)
    assert error.code == 10022
    assert error.message == "consent owner"
    bare = error_for_exchange(make_exchange(202, json.dumps({"success": False})))
    assert isinstance(bare, FixRequest)


def test_success_is_none():
    assert error_for_exchange(make_exchange(202, json.dumps({"success": True}))) is None


@pytest.mark.parametrize(
    "text, expected",
    [
        ("ConnectionError: refused", ConnectionFailed),
        ("ConnectTimeout: timed out", RequestTimedOut),
        ("ReadTimeout: read timed out", RequestTimedOut),
        ("SSLError: CERTIFICATE_VERIFY_FAILED", TlsError),
        ("InvalidURL: bad", TransportError),
    ],
)
def test_transport_classification(text, expected):
    error = error_for_exchange(make_exchange(None, "", error=text))
    assert type(error) is expected
    assert isinstance(error, TransportError)
    assert not isinstance(error, ApiResponseError)


def test_str_is_one_line_with_request_id():
    body = json.dumps({"code": 10004, "message": f"bad token\n{FAKE_TOKEN}"})
    error = error_for_exchange(make_exchange(401, body))
    text = str(error)
    assert "\n" not in text
    assert f"RequestId {REQUEST_ID}" in text
    assert "code 10004" in text
    assert "HTTP 401" in text
    assert "POST http://127.0.0.1:9/api/v1/interactions" in text


def test_token_never_in_error_outputs():
    body = json.dumps({"code": 10004, "message": f"token {FAKE_TOKEN} is invalid"})
    error = error_for_exchange(make_exchange(401, body))
    for text in (str(error), repr(error), json.dumps(error.to_dict()), error.body, error.message):
        assert FAKE_TOKEN not in text
    assert FAKE_TOKEN not in json.dumps(error.exchange.to_dict())


def test_every_class_under_root():
    for name in ("TransportError", "ApiResponseError", "PreflightError", "ProfileError", "TokenError"):
        assert issubclass(getattr(errors, name), InteractionApiError)


def test_profile_error_lists_problems():
    error = errors.ProfileError(["a is wrong", "b is missing"], source="p.toml")
    assert error.problems == ["a is wrong", "b is missing"]
    assert str(error) == "invalid connection profile in p.toml (2 problems): a is wrong; b is missing"


def test_token_error_has_fix():
    error = errors.TokenError("the key is encrypted.", "Decrypt it.", oauth_error=None)
    assert str(error) == "the key is encrypted. Fix: Decrypt it."
    assert error.fix == "Decrypt it."
