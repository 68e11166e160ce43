"""Tests of the setup doctor of notebook 00 against the sandbox."""

from __future__ import annotations

import dataclasses

import pytest

from helpers.client import InteractionClient
from helpers.profiles import EnvToken, load_profile
from helpers.widgets import SetupDoctor, run_checks
from helpers.widgets.doctor import Check, check_channel, check_headers

# A well-formed opaque token of another org (15-character org id 00DFAKE00000001).
FAKE_TOKEN = "00DFAKE00000001!fake.token.for.tests"


@pytest.fixture
def profile(fresh_sandbox):
    return load_profile(fresh_sandbox)


def test_run_checks_all_pass(profile):
    checks = run_checks(profile)
    assert [c.name for c in checks] == [
        "access token",
        "headers and ids",
        "channel call (POST /conversation)",
    ]
    assert all(c.passed for c in checks), [str(c) for c in checks]


def test_missing_token_skips_channel_call(profile, monkeypatch):
    monkeypatch.delenv("ISAPI_TEST_UNSET_TOKEN", raising=False)
    no_token = dataclasses.replace(profile, token_source=EnvToken("ISAPI_TEST_UNSET_TOKEN"))
    checks = run_checks(no_token)
    assert checks[0].passed is False
    assert "ISAPI_TOKEN" in checks[0].fix
    assert checks[2].passed is None


def test_foreign_org_token_fails(profile):
    doctor = SetupDoctor(profile)
    doctor._token.value = FAKE_TOKEN
    doctor.run()
    token_check, _, channel_check = doctor.checks
    assert token_check.passed is False
    assert "10004" in token_check.detail
    assert channel_check.passed is False
    assert not doctor.passed


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("   ", "contains only spaces"),
        (f"Bearer {FAKE_TOKEN}", "without the 'Bearer ' prefix"),
        (f"{FAKE_TOKEN}\n", "spaces or line breaks"),
    ],
)
def test_doctor_token_paste_mistake_shows_notice(profile, typed, expected):
    doctor = SetupDoctor(profile)
    doctor._token.value = typed
    doctor._button.click()
    html = doctor.outputs[0]["data"]["text/html"]
    shown = doctor.shown_text()
    assert expected in shown
    assert "isapi-notice" in html
    assert "InvalidInput" not in html + shown
    assert FAKE_TOKEN not in html + shown
    assert doctor.checks == []


def test_typed_token_leaves_profile_alone(profile):
    source = profile.token_source
    doctor = SetupDoctor(profile)
    doctor._token.value = FAKE_TOKEN
    doctor.run()
    assert profile.token_source is source
    assert FAKE_TOKEN not in doctor.shown_text()
    assert FAKE_TOKEN not in doctor.outputs[0]["data"]["text/html"]


def test_doctor_button_shows_checklist(profile):
    doctor = SetupDoctor(profile)
    doctor._button.click()
    assert doctor.passed
    assert doctor.value == doctor.checks
    html = doctor.outputs[0]["data"]["text/html"]
    assert html.count("isapi-check") == 3


def test_channel_check_unknown_channel_gives_fix(profile):
    wrong = dataclasses.replace(
        profile, channel_address_identifier="00000000-0000-4000-8000-000000000000"
    )
    check = check_channel(InteractionClient(wrong, retries=0))
    assert check.passed is False
    assert "10017" in check.detail
    assert check.fix


def test_channel_check_unreachable_host(profile):
    closed = dataclasses.replace(profile, base_url="http://127.0.0.1:9")
    check = check_channel(InteractionClient(closed, retries=0, retry_connection_errors=False))
    assert check.passed is False
    assert "127.0.0.1:9" in check.fix


def test_headers_check_reports_bad_org_id(profile):
    bad = dataclasses.replace(profile, org_id="12345")
    check = check_headers(bad)
    assert check.passed is False
    assert "org_id '12345'" in check.fix


def test_check_text_shows_fix_only_on_failure():
    assert str(Check("a", True, "fine", "do x")) == "pass: a (fine)"
    assert str(Check("b", False, "bad", "do x")) == "FAIL: b (bad)\n  fix: do x"
