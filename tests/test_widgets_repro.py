"""Tests of the reproduce-and-fix widgets of notebook 02 against the sandbox."""

from __future__ import annotations

import uuid

import pytest
import requests

from helpers.model import ApiRequest
from helpers.repro import catalog
from helpers.widgets import ReproWidget, RunEveryCode, matching_cases, request_diff


@pytest.fixture
def target(fresh_sandbox):
    return fresh_sandbox.url


def test_request_diff_shows_only_the_fix():
    failing = ApiRequest(
        "POST", "/api/v1/route", {"RequestId": "request-1"},
        json={"id": str(uuid.uuid4()), "timestamp": 1_767_000_000_000},
    )
    fixed = ApiRequest(
        "POST", "/api/v1/route", {"RequestId": str(uuid.uuid4())},
        json={"id": str(uuid.uuid4()), "timestamp": 1_767_000_000_500},
    )
    diff = request_diff(failing, fixed)
    changed = [line for line in diff.splitlines() if line[:1] in "+-" and line[:3] not in ("+++", "---")]
    assert len(changed) == 2, diff
    assert '"RequestId": "request-1"' in changed[0]


def test_request_diff_masks_tokens():
    failing = ApiRequest("GET", "/x", {"Authorization": "Bearer 00DFAKE000000000001!fake.token.for.tests"})
    fixed = ApiRequest("GET", "/x", {"Authorization": "Bearer 00DFAKE000000000002!other.token.for.tests"})
    diff = request_diff(failing, fixed)
    assert "fake.token.for.tests" not in diff
    assert diff.count("<token:") == 2


def test_request_diff_identical_requests():
    request = ApiRequest("GET", "/x")
    assert "no difference" in request_diff(request, request.copy())


@pytest.mark.parametrize(
    "text, expected",
    [("10016", [10016]), ("consent owner", [10022]), ("capacity weight", [10013, 10014])],
    ids=["code", "words", "two-words"],
)
def test_matching_cases(text, expected):
    codes = [code for _, code in matching_cases(catalog(), text)]
    for code in expected:
        assert code in codes


def test_matching_cases_no_match():
    assert matching_cases(catalog(), "no such words anywhere") == []


def test_repro_flow_verified(target):
    repro = ReproWidget(target, code=10016)
    repro._send_button.click()
    assert repro.last_error is None
    assert repro.stage == "failing"
    assert "Reproduced 10016" in repro.shown_text()
    repro._fix_button.click()
    assert repro.stage == "fixed"
    assert "isapi-diff" in repro.outputs[0]["data"]["text/html"]
    repro._send_button.click()
    assert repro.verified
    assert "isapi-success" in repro.outputs[0]["data"]["text/html"]


def test_repro_case_with_setup(target):
    repro = ReproWidget(target, code=10030)
    before = repro.failing_request().json["conversationIdentifier"]
    assert before == "{conversation_identifier}"
    repro.send()
    assert "Reproduced 10030" in repro.shown_text()
    assert repro.failing_request().json["conversationIdentifier"] != before
    repro.apply_fix()
    repro.send()
    assert repro.verified, repro.exchange.response_body


def test_repro_fault_case_cleared_after_send(target, fresh_sandbox):
    repro = ReproWidget(target, code=10055)
    repro.send()
    assert "Reproduced 10055" in repro.shown_text()
    faults = requests.get(f"{target}/__sandbox__/faults", timeout=5).json()
    assert faults == {"faults": []}
    repro.apply_fix()
    assert "no difference" in repro.shown_text()
    repro.send()
    assert repro.verified


def test_repro_masks_token_in_request_view(target, fresh_sandbox):
    repro = ReproWidget(target, code=10004)
    token = fresh_sandbox.profile["access_token"]
    assert token not in repro._request_view.value
    repro.send()
    repro.apply_fix()
    assert token not in repro.shown_text()


def test_repro_choice_change_resets_stage(target):
    repro = ReproWidget(target, code=10016)
    repro.send()
    repro.apply_fix()
    repro.value = 10030
    assert repro.stage == "failing"
    assert repro.outputs == ()


def test_repro_filter_resets_unchanged_choice(target):
    repro = ReproWidget(target, code=10016)
    repro.apply_fix()
    options = repro.filter("10016")
    assert options[0][1] == 10016
    assert repro.stage == "failing"


def test_repro_unknown_code_rejected(target):
    repro = ReproWidget(target)
    with pytest.raises(ValueError, match="code 12345 has no repro"):
        repro.value = 12345


@pytest.mark.parametrize("button", ["_send_button", "_fix_button"])
def test_repro_empty_filter_shows_notice(target, button):
    repro = ReproWidget(target)
    repro._filter.value = "xyz"
    assert repro.value is None
    getattr(repro, button).click()
    html = repro.outputs[0]["data"]["text/html"]
    shown = repro.shown_text()
    example = min(catalog())
    assert f"No code matches the filter 'xyz'; clear the filter or type a code such as {example}." in shown
    assert "isapi-notice" in html
    assert "isapi-error" not in html
    assert "Error" not in html + shown
    assert "InvalidInput" not in html + shown
    assert "repro.py" not in html + shown
    assert repro.exchange is None


def test_repro_target_without_sandbox_raises():
    from helpers.repro import ReproError

    with pytest.raises(ReproError, match="cannot read the sandbox profile"):
        ReproWidget("http://127.0.0.1:9")


def test_run_every_code_subset(target):
    runner = RunEveryCode(target)
    table = runner.run([10016, 10018, 10055])
    assert runner.last_error is None
    assert table["code"].tolist() == [10016, 10018, 10055]
    assert table["triggered"].all()
    assert table["fixed"].all()
    assert runner._progress.value == 3
    assert runner._progress.description == "3/3 ok"
    assert len(runner.value) == 3


def test_repro_filter_without_match_clears_request(target):
    repro = ReproWidget(target, code=10016)
    repro.filter("no such words anywhere")
    assert repro._request_view.value == ""
    repro.filter("10016")
    assert "RequestId" in repro._request_view.value
    repro.close()
