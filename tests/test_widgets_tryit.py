"""Tests of the try-it widget of notebooks 10 to 14 against the sandbox."""

from __future__ import annotations

import pytest

from helpers.client import InteractionClient
from helpers.model import ApiRequest
from helpers.profiles import load_profile
from helpers.widgets import REMOVE, TryIt, Variant, edit_body, with_headers


@pytest.fixture
def client(fresh_sandbox):
    with InteractionClient(load_profile(fresh_sandbox), retries=0) as client:
        yield client


def _variants(client):
    return [
        Variant("correct", lambda: client.build_create_conversation()),
        Variant(
            "unknown channel",
            lambda: edit_body(
                client.build_create_conversation(),
                "channelAddressIdentifier",
                "00000000-0000-4000-8000-000000000000",
            ),
            10017,
        ),
    ]


def test_edit_body_sets_nested_field():
    request = ApiRequest("POST", "/api/v1/route", json={"a": [{"b": 1}]})
    changed = edit_body(request, "a.0.b", 2)
    assert changed.json == {"a": [{"b": 2}]}
    assert request.json == {"a": [{"b": 1}]}


def test_edit_body_removes_field():
    request = ApiRequest("POST", "/api/v1/route", json={"a": 1, "b": 2})
    assert edit_body(request, "a").json == {"b": 2}
    assert edit_body(request, "b", REMOVE).json == {"a": 1}


def test_edit_body_edits_json_part():
    request = ApiRequest("POST", "/api/v1/interactions", json_part={"to": "x"})
    assert edit_body(request, "to", "y").json_part == {"to": "y"}


def test_edit_body_missing_path_raises():
    request = ApiRequest("POST", "/api/v1/route", json={"a": {}})
    with pytest.raises(KeyError):
        edit_body(request, "a.b.c", 1)


def test_edit_body_without_body_raises():
    with pytest.raises(KeyError, match="no JSON body"):
        edit_body(ApiRequest("GET", "/api/v1/x"), "a", 1)


def test_with_headers_keeps_others():
    request = ApiRequest("POST", "/api/v1/route", headers={"A": "1"})
    changed = with_headers(request, OrgId="")
    assert changed.headers == {"A": "1", "OrgId": ""}
    assert request.headers == {"A": "1"}


def test_send_correct_variant_as_expected(client):
    tryit = TryIt(client, _variants(client))
    cards = tryit.send()
    assert tryit.last_error is None
    assert tryit.exchange.ok
    assert str(cards.cards[0]).startswith("[ok] As expected: success")


def test_send_failing_variant_as_expected(client):
    tryit = TryIt(client, _variants(client))
    tryit.value = "unknown channel"
    tryit._button.click()
    assert tryit.codes() == [10017]
    assert "As expected: code 10017" in tryit.shown_text()


def test_send_unexpected_outcome_warns(client):
    variants = [Variant("claims failure", lambda: client.build_create_conversation(), 10053)]
    tryit = TryIt(client, variants)
    cards = tryit.send()
    assert cards.cards[0].kind == "warn"
    assert "expected code 10053, got status 202" in str(cards.cards[0])


def test_check_all_table(client):
    table = TryIt(client, _variants(client)).check_all()
    assert list(table.columns) == ["variant", "expected", "status", "codes", "as_expected"]
    assert table["as_expected"].tolist() == [True, True]
    assert table["codes"].tolist() == ["-", "10017"]


def test_preview_masks_token(client):
    variants = [Variant("with token", lambda: with_headers(client.build_create_conversation(),
                                                         Authorization="Bearer 00DFAKE000000000001!fake.token.for.tests"))]
    tryit = TryIt(client, variants)
    assert "fake.token.for.tests" not in tryit._request_view.value
    assert "<token:" in tryit.preview()


def test_variant_that_raises_shows_error_card(client):
    def broken():
        raise KeyError("conversationIdentifier")

    tryit = TryIt(client, [Variant("broken", broken)])
    assert isinstance(tryit.last_error, KeyError)
    assert tryit.send() is None
    assert "isapi-error" in tryit.outputs[0]["data"]["text/html"]


def test_variant_returning_wrong_type_rejected(client):
    tryit = TryIt(client, [Variant("dict", lambda: {"method": "POST"})])
    assert isinstance(tryit.last_error, TypeError)
    assert "not ApiRequest" in str(tryit.last_error)


@pytest.mark.parametrize(
    "variants, error, message",
    [
        ([], ValueError, "at least one variant"),
        (["plain"], TypeError, "must be Variant objects"),
        ([Variant("a", ApiRequest), Variant("a", ApiRequest)], ValueError, "must be unique"),
    ],
    ids=["empty", "not-variant", "duplicate-label"],
)
def test_constructor_rejects_bad_variants(client, variants, error, message):
    with pytest.raises(error, match=message):
        TryIt(client, variants)


def test_value_rejects_unknown_label(client):
    tryit = TryIt(client, _variants(client))
    with pytest.raises(ValueError, match="unknown variant 'nope'"):
        tryit.value = "nope"


def test_send_shows_preflight_findings(client):
    blank_org = [Variant("blank OrgId", lambda: with_headers(client.build_create_conversation(), OrgId=""), 10016)]
    tryit = TryIt(client, blank_org)
    cards = tryit.send()
    assert tryit.exchange.preflight, "the client found nothing wrong with a blank OrgId"
    preflight = [card for card in cards.cards if getattr(card, "css_class", None) == "isapi-preflight"]
    assert preflight
    assert str(preflight[0]).startswith("[warn] Preflight ")
    assert "OrgId" in str(preflight[0])
