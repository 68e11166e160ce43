"""Tests of the widget base and the result cards, without a kernel.

ipywidgets 8.1 with comm 0.2 gives widgets a dummy comm outside a kernel,
so widgets can be built and their callbacks called directly.
"""

from __future__ import annotations

import ipywidgets as widgets
import pytest

from helpers.model import ApiRequest, Exchange
from helpers.widgets import (
    Card,
    CardList,
    CompositeWidget,
    InvalidInput,
    error_card,
    exchange_card,
    guarded,
    notice_card,
)
from helpers.widgets.cards import checklist, json_text
from helpers.widgets.doctor import Check

FAKE_TOKEN = "00DFAKE000000000001!fake.token.for.tests"


class Counter(CompositeWidget):
    css_class = "test-counter"

    def __init__(self):
        self._button = widgets.Button(description="Add")
        self._button.on_click(lambda _b: self.add())
        self.count = 0
        super().__init__([self._button])

    @guarded("adding one")
    def add(self):
        self.count += 1
        self.show(Card(f"count {self.count}", "ok"))
        return self.count

    @guarded("failing on purpose")
    def fail(self):
        raise RuntimeError(f"bad value with token {FAKE_TOKEN}")

    @guarded("checking the input")
    def reject(self):
        raise InvalidInput("Type a number into the box, then press Add.")


def test_button_click_runs_callback():
    counter = Counter()
    counter._button.click()
    assert counter.count == 1
    assert "count 1" in counter.shown_text()


def test_show_replaces_output():
    counter = Counter()
    counter.add()
    counter.add()
    assert len(counter.outputs) == 1
    assert "count 2" in counter.shown_text()


def test_show_keeps_html_and_text():
    counter = Counter()
    counter.add()
    data = counter.outputs[0]["data"]
    assert "isapi-card-ok" in data["text/html"]
    assert "[ok] count 1" in data["text/plain"]


def test_guarded_exception_becomes_error_card():
    counter = Counter()
    assert counter.fail() is None
    assert isinstance(counter.last_error, RuntimeError)
    html = counter.outputs[0]["data"]["text/html"]
    assert "isapi-error" in html
    assert "Failed while failing on purpose" in html
    assert "Traceback" not in counter.shown_text()


def test_error_card_advice_fits_a_button():
    counter = Counter()
    counter.fail()
    text = counter.shown_text()
    assert "press the button again to retry" in text
    assert "run the cell again" not in text


def test_error_card_details_are_collapsed():
    counter = Counter()
    counter.fail()
    html = counter.outputs[0]["data"]["text/html"]
    details = html[html.index("<details"):]
    assert "RuntimeError" in details
    assert "raised at" in details
    assert "RuntimeError" not in html[: html.index("<details")]


def test_invalid_input_becomes_notice_card():
    counter = Counter()
    assert counter.reject() is None
    assert isinstance(counter.last_error, InvalidInput)
    html = counter.outputs[0]["data"]["text/html"]
    text = counter.shown_text()
    assert "isapi-notice" in html
    assert "isapi-error" not in html
    assert "Type a number into the box, then press Add." in text
    assert "InvalidInput" not in html + text
    assert "raised at" not in html + text


def test_notice_card_text():
    card = notice_card("Paste something.")
    assert card.kind == "warn"
    assert str(card) == "[warn] Check the input\n  what to do: Paste something."


def test_card_details_in_text_and_html():
    card = Card("Failed", "error", details="ValueError: bad")
    assert str(card).endswith("  details: ValueError: bad")
    assert "<summary>Details</summary>" in card._repr_html_()


def test_error_card_masks_token():
    counter = Counter()
    counter.fail()
    rendered = counter.outputs[0]["data"]["text/html"] + counter.shown_text()
    assert FAKE_TOKEN not in rendered
    assert "<token:" in rendered


def test_guarded_clears_last_error_on_success():
    counter = Counter()
    counter.fail()
    counter.add()
    assert counter.last_error is None


def test_widget_property_and_classes():
    counter = Counter()
    assert isinstance(counter.widget, widgets.VBox)
    assert "isapi-widget" in counter.widget._dom_classes
    assert "test-counter" in counter.widget._dom_classes


def test_show_masks_plain_strings():
    counter = Counter()
    counter.show(f"token {FAKE_TOKEN}")
    assert FAKE_TOKEN not in counter.shown_text()


def test_card_text_leaves_out_none_rows():
    card = Card("Sent", "ok", [("status", 202), ("code", None)])
    assert str(card) == "[ok] Sent\n  status: 202"


def test_card_html_escapes_values():
    html = Card("<b>", "info", [("x", "<script>")])._repr_html_()
    assert "<script>" not in html
    assert "&lt;script&gt;" in html


def test_card_rejects_unknown_kind():
    with pytest.raises(ValueError, match="invalid card kind 'green'"):
        Card("x", "green")


def test_card_list_joins_cards():
    cards = CardList([Card("a", "ok"), Card("b", "fail")], heading="two")
    assert len(cards) == 2
    assert str(cards).startswith("two\n\n[ok] a")
    assert cards._repr_html_().count("isapi-card ") == 2


def test_error_card_names_exception():
    try:
        raise KeyError("missing")
    except KeyError as exc:
        card = error_card("reading", exc)
    assert card.kind == "error"
    assert "KeyError" in str(card)
    assert "test_widgets_base.py" in str(card)


def test_json_text_formats_json_string():
    assert json_text('{"a": 1}') == '{\n  "a": 1\n}'
    assert json_text("not json") == "not json"
    assert json_text(b'{"b": 2}') == '{\n  "b": 2\n}'


def test_exchange_card_fail_and_masked():
    request = ApiRequest("POST", "/api/v1/route", {"Authorization": f"Bearer {FAKE_TOKEN}"})
    exchange = Exchange(
        request=request,
        url="http://127.0.0.1:1/api/v1/route",
        target="sandbox",
        started_at="2026-01-01T00:00:00.000+00:00",
        elapsed_ms=12.0,
        status=400,
        response_body='{"code": 10016, "message": "missing header"}',
        request_id="r-1",
    )
    card = exchange_card(exchange)
    assert card.kind == "fail"
    assert "10016" in str(card)
    assert FAKE_TOKEN not in card._repr_html_()


def test_checklist_kinds():
    cards = checklist([Check("a", True), Check("b", False, "bad", "do x"), Check("c", None)])
    assert [c.kind for c in cards.cards] == ["ok", "fail", "warn"]
    assert "fix: do x" in str(cards)
    assert "fix" not in str(cards.cards[0])


def test_display_text_names_widget(monkeypatch):
    shown = []
    monkeypatch.setattr("helpers.widgets.base.display", lambda data, raw: shown.append(data))
    counter = Counter()
    counter._ipython_display_()
    assert shown[0]["text/plain"].startswith("[Counter: an interactive widget")
    assert shown[0]["application/vnd.jupyter.widget-view+json"]["model_id"] == counter.widget.model_id
