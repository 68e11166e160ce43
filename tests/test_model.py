"""Tests of the request and exchange data classes in ``helpers.model``."""

from __future__ import annotations

import hashlib
import json

from helpers import repro
from helpers.model import INLINE_ATTACHMENT_LIMIT, ApiRequest, Attachment
from helpers.transport import send


def test_attachment_small_round_trip():
    attachment = Attachment("note.txt", b"hello", "text/plain")

    data = attachment.to_dict()

    assert data["content_base64"] == "aGVsbG8="
    assert "content_omitted" not in data
    assert Attachment.from_dict(data) == attachment


def test_attachment_at_limit_stays_inline():
    attachment = Attachment("edge.bin", b"x" * INLINE_ATTACHMENT_LIMIT)

    data = attachment.to_dict()

    assert "content_base64" in data
    assert Attachment.from_dict(data) == attachment


def test_attachment_large_content_omitted():
    content = b"y" * (INLINE_ATTACHMENT_LIMIT + 1)
    attachment = Attachment("big.bin", content, "image/png")

    data = attachment.to_dict()

    assert "content_base64" not in data
    assert data["content_omitted"] is True
    assert data["size"] == len(content)
    assert data["sha256"] == hashlib.sha256(content).hexdigest()
    assert len(json.dumps(data)) < 500


def test_attachment_omitted_rebuilt_with_size():
    data = Attachment("big.bin", b"z" * 3_000_000, "image/png").to_dict()

    rebuilt = Attachment.from_dict(data)

    assert len(rebuilt.content) == 3_000_000
    assert rebuilt.mime_type == "image/png"
    assert rebuilt.filename == "big.bin"


def test_oversized_upload_replays_as_10008(fresh_sandbox, profile):
    # The 10008 repro uploads more than 25 MB. Its request dict must stay
    # small, and a request rebuilt from that dict must still earn 10008.
    case = repro.catalog()[10008]
    failing = repro.build_failing(case, profile)
    stored = failing.to_dict()
    assert len(json.dumps(stored)) < 10_000

    rebuilt = ApiRequest.from_dict(stored)
    rebuilt.headers["Authorization"] = f"Bearer {profile['access_token']}"
    exchange = send(rebuilt, fresh_sandbox.url)

    assert exchange.response_json()["code"] == 10008


CANARY_TOKEN = "00DFAKE00000001!CANARYtokenInRepr"


def test_request_repr_masks_bearer_token():
    request = ApiRequest(
        "POST", "/api/v1/route", {"Authorization": f"Bearer {CANARY_TOKEN}"}
    )

    text = repr(request)

    assert CANARY_TOKEN not in text
    assert "Bearer <token:" in text
    assert "'/api/v1/route'" in text


def test_request_repr_masks_basic_credentials():
    request = ApiRequest("GET", "/x", {"Authorization": "Basic dXNlcjpzZWNyZXQ="})

    assert "dXNlcjpzZWNyZXQ=" not in repr(request)


def test_request_repr_masks_token_in_body():
    request = ApiRequest("POST", "/x", json={"access_token": CANARY_TOKEN})

    assert CANARY_TOKEN not in repr(request)


def test_request_repr_shows_sizes_not_bytes():
    request = ApiRequest(
        "POST",
        "/api/v1/interactions",
        json_part={"to": "x"},
        attachments=[Attachment("a.png", b"\x89PNG" * 1000, "image/png")],
        raw_body=b"z" * 50,
    )

    text = repr(request)

    assert "<4000 bytes>" in text
    assert "raw_body=<50 bytes>" in text
    assert "PNG" not in text.replace("a.png", "")
