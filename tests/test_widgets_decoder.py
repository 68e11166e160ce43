"""Tests of the decoder widget of notebook 01, without a kernel."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from helpers.widgets import DecoderWidget, decode_text
from helpers.widgets.decoder import EMPTY_INPUT_NOTICE, MAX_UPLOAD_BYTES, FindingView

FAKE_TOKEN = "00DFAKE000000000001!fake.token.for.tests"
BODY_10016 = '{"code": 10016, "message": "Enter a valid value for the OrgId header."}'


def _upload(name: str, content: bytes, size: int | None = None) -> tuple[dict, ...]:
    return (
        {
            "name": name,
            "type": "text/plain",
            "size": len(content) if size is None else size,
            "content": memoryview(content),
            "last_modified": dt.datetime(2026, 1, 1, tzinfo=dt.timezone.utc),
        },
    )


def test_decode_text_one_card_per_finding():
    cards = decode_text(BODY_10016)
    assert len(cards) == 1
    assert isinstance(cards.cards[0], FindingView)
    assert cards.cards[0].finding.code == 10016
    assert cards.heading == "1 finding"


def test_decode_text_links_repro():
    view = decode_text(BODY_10016).cards[0]
    assert view.reproducible
    assert "CODE = 10016" in str(view)
    assert "isapi-repro-link" in view._repr_html_()


def test_decode_text_unknown_code_has_no_repro_link():
    view = decode_text('{"code": 19999, "message": "new"}').cards[0]
    assert not view.reproducible
    assert "isapi-repro-link" not in view._repr_html_()


def test_decode_text_without_error_warns():
    cards = decode_text("all good, nothing failed here")
    assert cards.cards[0].kind == "warn"
    assert "isapi-no-finding" in cards._repr_html_()


def test_decode_text_empty_raises():
    with pytest.raises(ValueError, match="nothing to decode"):
        decode_text("   ")


def test_widget_decode_button_shows_cards():
    decoder = DecoderWidget(BODY_10016)
    decoder._button.click()
    assert [f.code for f in decoder.findings] == [10016]
    assert "isapi-finding" in decoder.outputs[0]["data"]["text/html"]
    assert "10016" in decoder.shown_text()


@pytest.mark.parametrize("text", ["", "  \n\t "])
def test_widget_empty_text_shows_notice(text):
    decoder = DecoderWidget(text)
    decoder._button.click()
    html = decoder.outputs[0]["data"]["text/html"]
    shown = decoder.shown_text()
    assert decoder.findings == []
    assert "isapi-notice" in html
    assert "isapi-error" not in html
    assert EMPTY_INPUT_NOTICE in shown
    assert "ValueError" not in html + shown
    assert "InvalidInput" not in html + shown
    assert "decoder.py" not in html + shown
    assert "run the cell" not in shown


def test_widget_value_round_trip():
    decoder = DecoderWidget()
    decoder.value = BODY_10016
    assert decoder.value == BODY_10016
    assert decoder.decode() is not None


def test_widget_masks_pasted_token():
    log = f"POST /api/v1/route Authorization: Bearer {FAKE_TOKEN}\n{BODY_10016}"
    decoder = DecoderWidget(log)
    decoder.decode()
    rendered = decoder.shown_text() + decoder.outputs[0]["data"]["text/html"]
    assert FAKE_TOKEN not in rendered


def test_widget_upload_fills_text_and_decodes():
    decoder = DecoderWidget()
    har = json.dumps(
        {
            "log": {
                "entries": [
                    {
                        "request": {"method": "POST", "url": "https://x.my.salesforce-scrt.com/api/v1/route"},
                        "response": {
                            "status": 400,
                            "content": {"text": '{"code": 10030, "message": "bad routing"}'},
                        },
                    }
                ]
            }
        }
    )
    decoder._upload.value = _upload("session.har", har.encode())
    assert decoder.last_error is None
    assert decoder.value == har
    assert [f.code for f in decoder.findings] == [10030]


def test_widget_upload_too_large_rejected():
    decoder = DecoderWidget()
    decoder._upload.value = _upload("huge.har", b"{}", size=MAX_UPLOAD_BYTES + 1)
    assert isinstance(decoder.last_error, ValueError)
    assert "huge.har" in str(decoder.last_error)
    assert "isapi-notice" in decoder.outputs[0]["data"]["text/html"]
    assert decoder.value == ""
