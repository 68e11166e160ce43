"""Tests of session redaction: what is replaced, consistency, options, report."""

from __future__ import annotations

import base64
import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from helpers.journal import Session
from helpers.redact import (
    RedactionReport,
    RedactOptions,
    find_secrets,
    redact_session,
    redact_text,
)

END_USER = "canary-end-user-7731"
OTHER_END_USER = "second-end-user-4410"
ORG_ID = "00DFAKE00000001"
ORG_ID_18 = "00DFAKE00000001AAA"
CHANNEL = "c0ffee00-0000-4000-8000-000000000001"
OPAQUE = "00DFAKE000000000001!CANARYtokenDoNotLeak123"
MASKED = "<token:1a2b3c4d>"
CONSUMER_KEY = "3MVG9FAKEconsumerKEYforTESTS.only_0123456789abcdef"
USERNAME = "integration.user@example.com"
MESSAGE = "My order 5512 never arrived"


def b64url(data: dict) -> str:
    raw = json.dumps(data).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


ASSERTION = ".".join(
    [
        b64url({"alg": "RS256"}),
        b64url({"iss": CONSUMER_KEY, "sub": USERNAME, "aud": "https://login.example"}),
        "ZmFrZS1zaWduYXR1cmU",
    ]
)


def exchange_record(
    index, request_json, response=None, headers=None, url=None, status=400
):
    headers = headers or {
        "Authorization": f"Bearer {MASKED}",
        "OrgId": ORG_ID,
        "AuthorizationContext": "Partner_Channel",
    }
    return {
        "type": "exchange",
        "index": index,
        "at": "2026-12-04T10:00:00+00:00",
        "exchange": {
            "request": {
                "method": "POST",
                "path": "/api/v1/interactions",
                "headers": headers,
                "json": request_json,
            },
            "url": url or "http://127.0.0.1:9/api/v1/interactions",
            "target": "sandbox",
            "started_at": "2026-12-04T10:00:00+00:00",
            "status": status,
            "response_headers": {},
            "response_body": json.dumps(response or {"code": 10017, "message": "x"}),
            "error": None,
            "findings": [],
            "request_id": None,
            "attempt": 1,
        },
    }


def interaction(end_user=END_USER, text=MESSAGE):
    return {
        "to": CHANNEL,
        "from": end_user,
        "interactions": [
            {
                "interactionType": "EntryInteraction",
                "timestamp": 1764842400000,
                "payload": {
                    "id": "e1",
                    "entryType": "Message",
                    "abstractMessage": {
                        "messageType": "StaticContentMessage",
                        "id": "e1",
                        "staticContent": {"formatType": "Text", "text": text},
                    },
                },
            }
        ],
    }


def first_message(body):
    return body["interactions"][0]["payload"]["abstractMessage"]


def make_session(*records):
    header = {
        "type": "header",
        "format": "isapi-session-journal",
        "started_at": "2026-12-04T10:00:00+00:00",
        "target": "sandbox",
        "profile": {
            "org_id": ORG_ID,
            "end_user_client_id": END_USER,
            "channel_address_identifier": CHANNEL,
        },
    }
    return Session(header=header, records=list(records))


def dump(session):
    return json.dumps(session.to_dict(), ensure_ascii=False)


def test_end_user_and_text_replaced_everywhere():
    session = make_session(
        exchange_record(
            0,
            interaction(),
            response={"code": 10017, "message": f"no conversation for {END_USER}"},
            url=f"http://127.0.0.1:9/api/v1/interactions?endUserClientId={END_USER}",
        ),
        {
            "type": "annotation",
            "text": f"{END_USER} wrote: {MESSAGE}",
            "exchange_index": 0,
        },
    )
    redacted, report = redact_session(session)
    text = dump(redacted)
    assert END_USER not in text
    assert MESSAGE not in text
    exchange = redacted.records[0]["exchange"]
    assert exchange["request"]["json"]["from"] == "<end-user-1>"
    message = first_message(exchange["request"]["json"])
    assert message["staticContent"]["text"] == "<text-1>"
    assert exchange["url"].endswith("endUserClientId=<end-user-1>")
    response_message = json.loads(exchange["response_body"])["message"]
    assert response_message == "no conversation for <end-user-1>"
    assert redacted.records[1]["text"] == "<end-user-1> wrote: <text-1>"
    assert redacted.header["profile"]["end_user_client_id"] == "<end-user-1>"


def test_url_encoded_value_replaced():
    phone = "+15550100123"
    record = exchange_record(
        0,
        interaction(end_user=phone),
        url="http://127.0.0.1:9/api/v1/interactions?endUserClientId=%2B15550100123",
    )
    redacted, _ = redact_session(make_session(record))
    exchange = redacted.records[0]["exchange"]
    assert "15550100123" not in dump(redacted)
    # The header's profile end user is <end-user-1>; the phone number is the second.
    assert exchange["url"].endswith("endUserClientId=%3Cend-user-2%3E")
    assert exchange["request"]["json"]["from"] == "<end-user-2>"


def test_same_value_same_placeholder_across_records():
    session = make_session(
        exchange_record(0, interaction(END_USER, "first message")),
        exchange_record(1, interaction(OTHER_END_USER, "second message")),
        exchange_record(2, interaction(END_USER, "first message")),
    )
    redacted, _ = redact_session(session)
    bodies = [r["exchange"]["request"]["json"] for r in redacted.records]
    senders = [b["from"] for b in bodies]
    texts = [first_message(body)["staticContent"]["text"] for body in bodies]
    assert senders == ["<end-user-1>", "<end-user-2>", "<end-user-1>"]
    assert texts == ["<text-1>", "<text-2>", "<text-1>"]


def test_redaction_deterministic():
    session = make_session(
        exchange_record(0, interaction()),
        exchange_record(1, interaction(OTHER_END_USER)),
    )
    first, first_report = redact_session(session)
    second, second_report = redact_session(session)
    assert dump(first) == dump(second)
    assert first_report.to_dict() == second_report.to_dict()


def test_input_session_unchanged():
    session = make_session(exchange_record(0, interaction()))
    before = dump(session)
    redact_session(session)
    assert dump(session) == before


def test_participant_recipient_sender_subjects():
    body = {
        "channelAddressIdentifier": CHANNEL,
        "participants": [{"subject": END_USER, "role": "EndUser", "appType": "custom"}],
        "recipient": {
            "subject": OTHER_END_USER,
            "role": "EndUser",
            "appType": "custom",
        },
        "sender": {"subject": "third-end-user-9", "role": "EndUser"},
        "errorMessage": "partner could not deliver",
    }
    agent = {
        "participants": [
            {"subject": "005FAKE00000001", "role": "Agent", "appType": "agent"}
        ]
    }
    session = make_session(exchange_record(0, body), exchange_record(1, agent))
    redacted, report = redact_session(session)
    out = redacted.records[0]["exchange"]["request"]["json"]
    assert out["participants"][0]["subject"] == "<end-user-1>"
    assert out["recipient"]["subject"] == "<end-user-2>"
    assert out["sender"]["subject"] == "<end-user-3>"
    assert out["errorMessage"] == "<text-1>"
    agent_out = redacted.records[1]["exchange"]["request"]["json"]
    assert agent_out["participants"][0]["subject"] == "005FAKE00000001"


def test_secrets_always_replaced_even_with_keep_options():
    form = f"grant_type=urn%3Aietf&assertion={ASSERTION}&client_secret=s3cr3tValue99"
    record = exchange_record(
        0,
        {"password": "hunter2hunter2", "consumerKey": CONSUMER_KEY},
        headers={"Authorization": f"Bearer {OPAQUE}"},
        url="https://admin:pa55word@127.0.0.1:9/services/oauth2/token",
        response={"error": "invalid_grant", "token": ASSERTION},
    )
    encoded_form = base64.b64encode(form.encode()).decode()
    record["exchange"]["request"]["raw_body_base64"] = encoded_form
    key = "-----BEGIN PRIVATE KEY-----\nMIIEfake\n-----END PRIVATE KEY-----"
    record["exchange"]["error"] = key
    session = make_session(record)
    keep_all = RedactOptions(end_user_ids=False, message_text=False, usernames=False)
    redacted, report = redact_session(session, keep_all)
    text = dump(redacted)
    request = redacted.records[0]["exchange"]["request"]
    raw = base64.b64decode(request["raw_body_base64"]).decode()
    secrets = (
        OPAQUE,
        ASSERTION,
        CONSUMER_KEY,
        "hunter2hunter2",
        "s3cr3tValue99",
        "pa55word",
        "MIIEfake",
    )
    for secret in secrets:
        assert secret not in text
        assert secret not in raw
    assert request["headers"]["Authorization"] == "Bearer <token-1>"
    assert "<consumer-key-1>" in text
    assert "<private-key-1>" in text
    assert find_secrets(text) == []
    assert find_secrets(raw) == []
    assert report.counts["access_token"]["values"] >= 2


def test_assertion_claims_replaced_elsewhere():
    record = exchange_record(
        0,
        {"assertion": ASSERTION},
        response={
            "code": 1,
            "message": f"user {USERNAME} has not approved {CONSUMER_KEY}",
        },
    )
    redacted, report = redact_session(make_session(record))
    message = json.loads(redacted.records[0]["exchange"]["response_body"])["message"]
    assert message == "user <username-1> has not approved <consumer-key-1>"
    assert report.counts["username"] == {"values": 1, "occurrences": 1}


def test_masked_token_gets_numbered_placeholder():
    first = exchange_record(0, {}, headers={"Authorization": f"Bearer {MASKED}"})
    other = {"Authorization": "Bearer <token:99999999>"}
    second = exchange_record(1, {}, headers=other)
    third = exchange_record(2, {}, headers={"Authorization": f"Bearer {MASKED}"})
    redacted, report = redact_session(make_session(first, second, third))
    values = [
        r["exchange"]["request"]["headers"]["Authorization"] for r in redacted.records
    ]
    assert values == ["Bearer <token-1>", "Bearer <token-2>", "Bearer <token-1>"]
    assert report.counts["access_token"] == {"values": 2, "occurrences": 3}
    assert "<token:" not in dump(redacted)


def test_org_and_channel_kept_by_default():
    session = make_session(exchange_record(0, interaction()))
    redacted, report = redact_session(session)
    exchange = redacted.records[0]["exchange"]
    assert exchange["request"]["headers"]["OrgId"] == ORG_ID
    assert exchange["request"]["json"]["to"] == CHANNEL
    assert "org ids" in str(report)
    assert "channel address identifiers" in report.to_dict()["kept"]


def test_org_and_channel_replaced_on_request():
    record = exchange_record(
        0,
        interaction(),
        response={
            "code": 10017,
            "message": f"org {ORG_ID_18} has no channel {CHANNEL}",
        },
    )
    options = RedactOptions(org_ids=True, channel_addresses=True)
    redacted, report = redact_session(make_session(record), options)
    text = dump(redacted)
    assert ORG_ID not in text
    assert CHANNEL not in text
    exchange = redacted.records[0]["exchange"]
    assert exchange["request"]["headers"]["OrgId"] == "<org-id-1>"
    assert exchange["request"]["json"]["to"] == "<channel-1>"
    # The 18-character form of the same org gets the same placeholder.
    response_message = json.loads(exchange["response_body"])["message"]
    assert response_message == "org <org-id-1> has no channel <channel-1>"
    assert redacted.header["profile"]["org_id"] == "<org-id-1>"


def test_hosts_replaced_on_request():
    host = "acme-corp.my.salesforce-scrt.com"
    url = f"https://{host}/api/v1/interactions"
    record = exchange_record(0, interaction(), url=url)
    record["exchange"]["error"] = f"ConnectionError: {host} refused"
    kept, _ = redact_session(make_session(record))
    assert "acme-corp" in dump(kept)
    redacted, report = redact_session(make_session(record), RedactOptions(hosts=True))
    exchange = redacted.records[0]["exchange"]
    assert "acme-corp" not in dump(redacted)
    assert exchange["url"] == "https://<host-1>/api/v1/interactions"
    assert exchange["error"] == "ConnectionError: <host-1> refused"
    assert report.counts["host"] == {"values": 1, "occurrences": 2}


def test_loopback_host_kept():
    url = "http://127.0.0.1:9/api/v1/interactions"
    record = exchange_record(0, interaction(), url=url)
    redacted, _ = redact_session(make_session(record), RedactOptions(hosts=True))
    assert redacted.records[0]["exchange"]["url"] == url


@pytest.mark.parametrize(
    "options, kept",
    [
        (RedactOptions(end_user_ids=False), END_USER),
        (RedactOptions(message_text=False), MESSAGE),
    ],
    ids=["keep-end-users", "keep-text"],
)
def test_keep_options(options, kept):
    session = make_session(exchange_record(0, interaction()))
    redacted, report = redact_session(session, options)
    assert kept in dump(redacted)


def test_keep_usernames_option():
    record = exchange_record(0, {"username": USERNAME})
    kept, _ = redact_session(make_session(record), RedactOptions(usernames=False))
    replaced, _ = redact_session(make_session(record))
    assert USERNAME in dump(kept)
    assert USERNAME not in dump(replaced)


def test_extra_values_replaced():
    record = exchange_record(0, {"routingAttributes": {"CustomerName": "Zed Fakename"}})
    options = RedactOptions(extra_values=("Zed Fakename",))
    redacted, report = redact_session(make_session(record), options)
    assert "Zed Fakename" not in dump(redacted)
    assert report.counts["custom"] == {"values": 1, "occurrences": 1}
    assert report.to_dict()["options"]["extra_values"] == 1


@pytest.mark.parametrize(
    "extra, error",
    [("one string", TypeError), (("",), ValueError), ((3,), ValueError)],
    ids=["string", "empty", "not-string"],
)
def test_options_reject_bad_extra_values(extra, error):
    with pytest.raises(error, match="extra_values"):
        RedactOptions(extra_values=extra)


def test_short_text_not_replaced_inside_words():
    body = interaction(text="hi")
    response = {"code": 10017, "message": "this channel"}
    record = exchange_record(0, body, response=response)
    redacted, _ = redact_session(make_session(record))
    exchange = redacted.records[0]["exchange"]
    assert json.loads(exchange["response_body"])["message"] == "this channel"
    message = first_message(exchange["request"]["json"])
    assert message["staticContent"]["text"] == "<text-1>"


def test_json_part_string_redacted_in_place():
    record = exchange_record(0, None)
    broken = json.dumps(interaction())[:-5]  # malformed on purpose
    record["exchange"]["request"]["json_part"] = broken
    redacted, _ = redact_session(make_session(record))
    part = redacted.records[0]["exchange"]["request"]["json_part"]
    assert END_USER not in part
    assert '"from": "<end-user-1>"' in part


def test_attachment_bytes_replaced_same_length():
    record = exchange_record(0, interaction())
    content = b"\x89PNG fake picture of a customer"
    record["exchange"]["request"]["attachments"] = [
        {
            "filename": "photo.png",
            "mime_type": "image/png",
            "size": len(content),
            "content_base64": base64.b64encode(content).decode(),
        }
    ]
    redacted, report = redact_session(make_session(record))
    attachment = redacted.records[0]["exchange"]["request"]["attachments"][0]
    replaced = base64.b64decode(attachment["content_base64"])
    assert len(replaced) == len(content)
    assert b"customer" not in replaced
    assert report.attachments_replaced == 1
    kept, _ = redact_session(make_session(record), RedactOptions(attachments=False))
    kept_attachment = kept.records[0]["exchange"]["request"]["attachments"][0]
    assert kept_attachment["content_base64"] == base64.b64encode(content).decode()


def test_report_counts_and_renderings():
    session = make_session(
        exchange_record(0, interaction()),
        exchange_record(1, interaction()),
    )
    redacted, report = redact_session(session)
    assert isinstance(report, RedactionReport)
    # from, header profile id: end user appears 3 times; the text twice.
    assert report.counts["end_user_id"] == {"values": 1, "occurrences": 3}
    assert report.counts["message_text"] == {"values": 1, "occurrences": 2}
    assert report.counts["access_token"] == {"values": 1, "occurrences": 2}
    assert report.total == 7
    data = report.to_dict()
    assert json.loads(json.dumps(data)) == data
    assert data["placeholders"]["<end-user-1>"] == {
        "kind": "end_user_id",
        "length": len(END_USER),
        "occurrences": 3,
    }
    assert END_USER not in json.dumps(data)
    assert "end-user client ids" in str(report)
    assert "<end-user-1>" in str(report)
    assert "<table>" in report._repr_html_()
    assert redacted.meta["redaction"] == data


def test_placeholders_never_redacted_again():
    session = make_session(exchange_record(0, interaction()))
    once, _ = redact_session(session)
    twice, report = redact_session(once)
    assert dump(once) == dump(twice)
    assert report.total == 0


def test_redact_session_rejects_bad_arguments():
    with pytest.raises(TypeError, match="takes a Session"):
        redact_session({"header": {}})
    with pytest.raises(TypeError, match="options must be RedactOptions"):
        redact_session(make_session(), {"org_ids": True})


def test_redact_text_patterns_only():
    text = f"Bearer {OPAQUE} from {USERNAME} key {CONSUMER_KEY} org {ORG_ID}"
    assert redact_text(text) == (
        f"Bearer <token-1> from <username-1> key <consumer-key-1> org {ORG_ID}"
    )
    assert ORG_ID not in redact_text(text, RedactOptions(org_ids=True))


@pytest.mark.parametrize(
    "text, expected",
    [
        (f"x {ASSERTION} y", ["JWT"]),
        (f"token {OPAQUE}", ["opaque access token"]),
        ("Authorization: Bearer abcdefgh12345678", ["bearer token"]),
        ("Authorization: Bearer <token-1>", []),
        ("Authorization: Bearer $ISAPI_TOKEN", []),
        (f"masked {MASKED}", ["token mask"]),
        (f"key {CONSUMER_KEY}", ["consumer key"]),
        ("nothing here", []),
    ],
    ids=[
        "jwt",
        "opaque",
        "bearer",
        "placeholder",
        "variable",
        "mask",
        "consumer-key",
        "clean",
    ],
)
def test_find_secrets(text, expected):
    assert find_secrets(text) == expected


end_user_ids = st.from_regex(r"eu-[A-Za-z0-9]{4,20}", fullmatch=True)
message_texts = st.from_regex(r"msg [a-z ]{4,30}[a-z]", fullmatch=True)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(end_user_ids, message_texts), min_size=1, max_size=6))
def test_placeholders_follow_values(pairs):
    records = [
        exchange_record(i, interaction(user, text))
        for i, (user, text) in enumerate(pairs)
    ]
    redacted, report = redact_session(make_session(*records))
    text = dump(redacted)
    for user, message in pairs:
        assert user not in text
        assert message not in text
    senders = [r["exchange"]["request"]["json"]["from"] for r in redacted.records]
    for (user_a, _), sender_a in zip(pairs, senders):
        for (user_b, _), sender_b in zip(pairs, senders):
            assert (user_a == user_b) == (sender_a == sender_b)
    distinct = len({user for user, _ in pairs} | {END_USER})
    assert report.counts["end_user_id"]["values"] == distinct
