"""Unit tests of ``helpers.preflight`` beyond the case table: warnings,
several problems at once, malformed requests, the profile, ``now`` and the
finding objects themselves."""

from __future__ import annotations

import datetime as dt
import time

import pytest

from helpers import codes, preflight
from helpers.model import ApiRequest, Attachment
from helpers.preflight import PreflightFinding, has_errors, sort_findings
from helpers.preflight.headers import org_id_checksum

import preflight_cases as cases

TOKEN = cases.FAKE_TOKEN
PROFILE = cases.FAKE_PROFILE


def context() -> cases.Context:
    return cases.Context(dict(PROFILE), int(time.time() * 1000))


def build(name: str, *steps) -> ApiRequest:
    request = cases.BASES[name][0](context())
    for step in steps:
        step(request)
    return request


def found(findings, code=None, severity=None, field=None):
    return [
        f
        for f in findings
        if (code is None or f.code == code)
        and (severity is None or f.severity == severity)
        and (field is None or f.field == field)
    ]


def test_several_problems_all_reported():
    request = build(
        "attachment",
        cases.set_header("OrgId", "00Dshort"),
        cases.set_header("RequestId", "abc"),
        cases.set_field("to", ""),
        cases.set_field("from", "u" * 300),
        cases.set_field("interactions.0.id", ""),
        cases.set_field("interactions.0.contentLength", 999),
    )

    findings = preflight.check(request)

    codes_found = [f.code for f in findings if f.is_error]
    assert codes_found.count(10016) == 2
    assert 10027 in codes_found
    assert 10028 in codes_found
    assert 10007 in codes_found
    assert 10051 in codes_found


def test_every_code_is_in_code_table():
    ctx = context()
    seen = set()
    for case in cases.CASES:
        for finding in preflight.check(case.build(ctx), profile=PROFILE):
            if finding.code is not None:
                seen.add(finding.code)
    for code in sorted(seen):
        assert codes.lookup(code) is not None, code


def test_messages_name_the_value():
    request = build("conversation", cases.set_header("OrgId", "00DWRONGLENGTH"))

    finding = found(preflight.check(request), code=10016, field="header:OrgId")[0]

    assert "00DWRONGLENGTH" in finding.message
    assert finding.fix


@pytest.mark.parametrize(
    "authorization",
    [
        f"Bearer {TOKEN}",
        f"Bearer  '{TOKEN}'",
        f"Token {TOKEN}",
        TOKEN,
        f"bearer {TOKEN}",
        "Bearer eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJmYWtlIn0.c2ln",
        "Bearer 00DOTHER0000001!fake.token.of.another.org.for.tests",
    ],
)
def test_findings_never_show_token(authorization):
    request = build("message", cases.set_header("Authorization", authorization))
    request.headers["OrgId"] = "00DFAKE00000001"

    findings = preflight.check(request, profile=PROFILE)
    text = "\n".join(str(f) + f._repr_html_() + repr(f.to_dict()) for f in findings)

    assert TOKEN not in text
    assert "fake.token.of.another.org" not in text


def test_token_of_another_org_warns():
    request = build(
        "message",
        cases.set_header("Authorization", "Bearer 00DOTHER0000001!fake.token.other.org"),
    )

    findings = preflight.check(request)

    assert found(findings, code=10004, severity="warning", field="header:Authorization")


def test_shell_variables_are_not_checked():
    request = build(
        "conversation",
        cases.set_header("Authorization", "Bearer $ISAPI_TOKEN"),
        cases.set_header("OrgId", "${ORG_ID}"),
        cases.set_header("RequestId", "$REQUEST_ID"),
    )

    assert preflight.check(request) == []


def test_timestamp_in_seconds_warns():
    seconds = int(time.time())
    request = build("message", cases.set_field("interactions.0.timestamp", seconds))

    findings = preflight.check(request)

    warning = found(findings, severity="warning", field="interactions[0].timestamp")
    assert warning
    assert str(seconds * 1000) in warning[0].fix
    assert not has_errors(findings)


def test_from_over_240_warns():
    request = build("message", cases.set_field("from", "u" * 250))

    findings = preflight.check(request)

    assert found(findings, code=10028, severity="warning")
    assert not has_errors(findings)


def test_unsupported_mime_type_warns():
    request = build("attachment")
    request.attachments[0].mime_type = "image/webp"

    findings = preflight.check(request)

    assert found(findings, severity="warning", field="attachments[0].type")
    assert not has_errors(findings)


def test_entry_and_message_ids_differ_warns():
    request = build("message", cases.set_field("interactions.0.payload.abstractMessage.id", "other-id"))

    findings = preflight.check(request)

    assert found(findings, code=10060, severity="warning")


def test_non_guid_to_warns():
    request = build("message", cases.set_field("to", "my-channel"))

    findings = preflight.check(request)

    assert found(findings, code=10017, severity="warning", field="to")
    assert not has_errors(findings)


def test_org_id_18_accepted_unless_strict():
    org15 = PROFILE["org_id"]
    org18 = org15 + org_id_checksum(org15)
    request = build("conversation", cases.set_header("OrgId", org18))

    assert preflight.check(request) == []
    strict = preflight.check(request, strict_org_id_15=True)
    assert found(strict, code=10016, severity="error", field="header:OrgId")


@pytest.mark.parametrize("value", ["00DBAD", "not-an-org-id"], ids=["short", "not-00D"])
def test_bad_org_id_fix_matches_message(value):
    request = build("conversation", cases.set_header("OrgId", value))

    (finding,) = found(preflight.check(request), code=10016, field="header:OrgId")
    assert "15 or 18 letters and digits starting with 00D" in finding.message
    assert "15 or 18 letters and digits starting with 00D" in finding.fix

    (strict,) = found(
        preflight.check(request, strict_org_id_15=True), code=10016, field="header:OrgId"
    )
    assert "15-character form: 15 letters and digits starting with 00D" in strict.fix


def test_missing_org_id_fix_names_both_lengths():
    request = build("conversation", cases.set_header("OrgId", None))

    (finding,) = found(preflight.check(request), code=10016, field="header:OrgId")
    assert "15 or 18 letters and digits starting with 00D" in finding.fix


def test_org_id_18_bad_checksum_warns():
    request = build("conversation", cases.set_header("OrgId", PROFILE["org_id"] + "ZZZ"))

    findings = preflight.check(request)

    assert found(findings, severity="warning", field="header:OrgId")
    assert not has_errors(findings)


def test_org_id_checksum_known_value():
    # The suffix has one letter per 5 characters; bit n is set when
    # character n of that group is an upper-case letter.
    assert org_id_checksum("00D000000000000") == "EAA"
    assert org_id_checksum("00DA00000000000") == "MAA"
    assert org_id_checksum("00D00000000000Z") == "EAQ"


def test_profile_differences_warn():
    request = build("message")
    other = {
        **PROFILE,
        "org_id": "00DOTHER0000001",
        "authorization_context": "PartnerOne_OtherChannel",
        "channel_address_identifier": "0b1c2d3e-4f50-4a6b-8c7d-9e0f1a2b3c4d",
    }

    findings = preflight.check(request, profile=other)

    assert found(findings, code=10004, field="header:OrgId", severity="warning")
    assert found(findings, code=10005, field="header:AuthorizationContext", severity="warning")
    assert found(findings, code=10017, field="to", severity="warning")
    assert not has_errors(findings)


def test_profile_object_accepted():
    class Profile:
        org_id = "00DOTHER0000001"
        authorization_context = None
        channel_address_identifier = None

    findings = preflight.check(build("conversation"), profile=Profile())

    assert found(findings, code=10004, field="header:OrgId")


# The base request's entries are 90 minutes older than its context's time.
@pytest.mark.parametrize("offset_hours, code", [(-22, None), (-23, 10046), (2, 10046)])
def test_history_window_uses_now(offset_hours, code):
    now = dt.datetime(2026, 3, 1, 12, 0, tzinfo=dt.timezone.utc)
    now_ms = int(now.timestamp() * 1000)
    request = cases.history_request(cases.Context(dict(PROFILE), now_ms + offset_hours * 3_600_000))

    by_datetime = preflight.check(request, now=now)
    by_epoch = preflight.check(request, now=now_ms)

    assert [f.code for f in by_datetime if f.is_error] == ([code] * 2 if code else [])
    assert [f.to_dict() for f in by_datetime] == [f.to_dict() for f in by_epoch]


def test_naive_now_is_utc():
    now = dt.datetime(2026, 3, 1, 12, 0)
    now_ms = int(now.replace(tzinfo=dt.timezone.utc).timestamp() * 1000)
    request = cases.history_request(cases.Context(dict(PROFILE), now_ms))

    assert preflight.check(request, now=now) == []


def test_context_type_case_insensitive():
    request = build("history", cases.set_header("AuthorizationContextType", "CONVERSATIONCHANNELDEFINITION"))

    assert preflight.check(request) == []


def test_context_type_on_unused_endpoint_warns():
    request = build("conversation", cases.set_header("AuthorizationContextType", "ConversationChannelDefinition"))

    findings = preflight.check(request)

    assert found(findings, severity="warning", field="header:AuthorizationContextType")
    assert not has_errors(findings)


def test_header_names_any_case():
    request = build("conversation")
    request.headers = {name.lower(): value for name, value in request.headers.items()}

    assert preflight.check(request) == []


def test_unknown_endpoint_warns():
    request = ApiRequest("POST", "/api/v1/attachmentHistory", cases.headers(context()), json={})

    findings = preflight.check(request)

    assert found(findings, severity="warning", field="request.path")
    assert not has_errors(findings)


def test_wrong_method_is_error():
    request = build("consent")
    request.method = "POST"

    findings = preflight.check(request)

    assert found(findings, severity="error", field="request.method")


def test_case_hint_in_enum_message():
    request = build("routing_result", cases.set_field("routingType", "initial"))

    finding = found(preflight.check(request), field="routingType")[0]

    assert "'Initial'" in finding.message


@pytest.mark.parametrize(
    "request_",
    [
        ApiRequest("POST", "/api/v1/interactions", headers=None),
        ApiRequest(None, None),
        ApiRequest("POST", "/api/v1/interactions", {"OrgId": 15}, json_part=[1, 2]),
        ApiRequest("POST", "/api/v1/interactions", {}, json_part="{not json"),
        ApiRequest("POST", "/api/v1/interactions", {}, json_part={"interactions": "x"}),
        ApiRequest("POST", "/api/v1/interactions", {}, json_part={"interactions": [None, 3]}),
        ApiRequest("POST", "/api/v1/interactions", {}, json_part={}, attachments=[Attachment("a", None, None)]),
        ApiRequest("PATCH", "/api/v1/consent", {}, raw_body=b"\xff\xfe not json"),
        ApiRequest("POST", "/api/v1/conversation", {}, json="a string"),
        ApiRequest("POST", "/api/v1/conversationHistory", {}, json={"conversationParticipants": [1, {"participant": []}], "conversationEntries": [None, {"sender": 1, "entryPayload": {"abstractMessage": 7}}]}),
        ApiRequest("PATCH", "/api/v1/capabilities", {}, json={"capabilities": {"channelCapabilities": [1, {"customIntegration": 5, "messageTypeCapabilities": [3]}]}}),
        ApiRequest("POST", "/api/v1/agentWork", {}, json={"capacityWeight": "heavy", "agentActionVisibilities": [1], "routingContext": []}),
        "not a request",
    ],
    ids=lambda value: None,
)
def test_malformed_request_never_raises(request_):
    findings = preflight.check(request_)

    assert has_errors(findings)
    assert all(isinstance(f, PreflightFinding) for f in findings)


def test_body_not_json_is_finding():
    request = ApiRequest("PATCH", "/api/v1/consent", cases.headers(context()), raw_body=b'{"consentStatus": ')
    request.headers["Content-Type"] = "application/json"

    findings = preflight.check(request)

    assert [f.field for f in findings] == ["body"]
    assert "not valid JSON" in findings[0].message


def test_raw_body_without_content_type():
    request = ApiRequest(
        "PATCH", "/api/v1/consent", cases.headers(context()), raw_body=b'{"consentStatus": "OptedOut"}'
    )

    findings = preflight.check(request)

    assert found(findings, code=10016, severity="error", field="header:Content-Type")


def test_missing_body_is_finding():
    request = ApiRequest("POST", "/api/v1/routingResult", cases.headers(context()))

    findings = preflight.check(request)

    assert [f.field for f in findings] == ["body"]


def test_finding_to_dict_and_text():
    finding = PreflightFinding(10021, "error", "consentStatus", "consentStatus is 'X'.", "Use OptedOut.")

    data = finding.to_dict()
    text = str(finding)

    assert data["code"] == 10021
    assert data["name"] == "CONSENT_STATUS_INVALID"
    assert data["summary"]
    assert "10021 CONSENT_STATUS_INVALID" in text
    assert "consentStatus is 'X'." in text
    assert "Fix: Use OptedOut." in text
    assert PreflightFinding.from_dict(data) == finding


def test_finding_html_escapes():
    finding = PreflightFinding(None, "warning", "to", "<script>alert(1)</script>", "a & b")

    html = finding._repr_html_()

    assert "<script>" not in html
    assert "&lt;script&gt;" in html
    assert "a &amp; b" in html


def test_finding_rejects_unknown_severity():
    with pytest.raises(ValueError):
        PreflightFinding(None, "fatal", "to", "m", "f")


def test_sort_puts_errors_first():
    warning = PreflightFinding(None, "warning", "a", "m", "f")
    error = PreflightFinding(10016, "error", "b", "m", "f")

    assert sort_findings([warning, error]) == [error, warning]
    assert has_errors([warning]) is False
    assert has_errors([warning, error]) is True


def test_findings_html_for_no_findings():
    assert "looks valid" in preflight.findings_html([])


# Arguments of the public functions.


def test_now_in_epoch_seconds_matches_milliseconds():
    now = dt.datetime(2026, 3, 1, 12, 0, tzinfo=dt.timezone.utc)
    request = cases.history_request(cases.Context(dict(PROFILE), int(now.timestamp() * 1000) - 23 * 3_600_000))

    by_seconds = preflight.check(request, now=now.timestamp())
    by_int_seconds = preflight.check(request, now=int(now.timestamp()))
    by_datetime = preflight.check(request, now=now)

    assert {f.code for f in by_seconds if f.is_error} == {10046}
    assert [f.to_dict() for f in by_seconds] == [f.to_dict() for f in by_datetime]
    assert [f.to_dict() for f in by_int_seconds] == [f.to_dict() for f in by_datetime]


@pytest.mark.parametrize(
    "now, error",
    [
        ("yesterday", TypeError),
        ("1733300000000", TypeError),
        (True, TypeError),
        (dt.date(2026, 3, 1), TypeError),
        ([1], TypeError),
        (float("nan"), ValueError),
        (float("inf"), ValueError),
        (-1, ValueError),
    ],
    ids=["word", "digits-text", "bool", "date", "list", "nan", "inf", "negative"],
)
def test_invalid_now_raises_naming_now(now, error):
    with pytest.raises(error) as raised:
        preflight.check(build("conversation"), now=now)

    assert "now" in str(raised.value)
    assert "datetime" in str(raised.value)


@pytest.mark.parametrize("profile", ["PartnerOne", 42, ["00DFAKE00000001"]], ids=["str", "int", "list"])
def test_invalid_profile_raises_naming_profile(profile):
    with pytest.raises(TypeError) as raised:
        preflight.check(build("conversation"), profile=profile)

    assert "profile" in str(raised.value)
    assert "dict" in str(raised.value)


def test_invalid_strict_flag_raises():
    with pytest.raises(TypeError) as raised:
        preflight.check(build("conversation"), strict_org_id_15="no")

    assert "strict_org_id_15" in str(raised.value)


def test_request_not_api_request_is_finding():
    findings = preflight.check({"method": "POST", "path": "/api/v1/route"})

    assert [f.field for f in findings] == ["request"]
    assert findings[0].is_error


@pytest.mark.parametrize(
    "function",
    [preflight.has_errors, preflight.sort_findings, preflight.findings_html],
    ids=["has_errors", "sort_findings", "findings_html"],
)
@pytest.mark.parametrize("findings", ["ERROR", [{"severity": "error"}], None], ids=["str", "dicts", "none"])
def test_finding_functions_reject_non_findings(function, findings):
    with pytest.raises(TypeError) as raised:
        function(findings)

    assert "PreflightFinding" in str(raised.value)


@pytest.mark.parametrize("data", ["error", None, [("code", 1)]], ids=["str", "none", "pairs"])
def test_finding_from_dict_rejects_non_dict(data):
    with pytest.raises(TypeError) as raised:
        PreflightFinding.from_dict(data)

    assert "dict" in str(raised.value)


@pytest.mark.parametrize(
    "arguments",
    [("10016", "error", "to", "m", "f"), (True, "error", "to", "m", "f"), (None, "error", 3, "m", "f")],
    ids=["code-str", "code-bool", "field-int"],
)
def test_finding_rejects_wrong_types(arguments):
    with pytest.raises(TypeError):
        PreflightFinding(*arguments)
