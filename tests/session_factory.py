"""A recorded sandbox session for the journal, export, replay and CLI tests.

``canary_sandbox()`` starts a sandbox whose valid token and default end user
are canaries: values that must never appear in anything the kit exports or
logs. ``record_session()`` records a session against it that has a success,
several error codes, a retried server-side fault, catalog repro cases, a
raised exception, a multi-step conversation and annotations.
"""

from __future__ import annotations

import json
from pathlib import Path

from helpers import sandbox as sandbox_module
from helpers.client import InteractionClient
from helpers.journal import Journal
from helpers.profiles import load_profile
from helpers.repro import run_case

CANARY_TOKEN = "00DFAKE000000000001!CANARYtokenDoNotLeak123"
CANARY_END_USER = "canary-end-user-7731"
CANARY_TEXT = "canary message text 5512"
FIXTURE = Path(__file__).resolve().parent.parent / "data" / "sandbox_org.json"
UNKNOWN_CHANNEL = "00000000-0000-4000-8000-000000000000"

# Codes of the recorded exchanges, in order. The client refreshes the token
# after 10004 and retries once, so 10004 appears twice.
REPRO_CODES = (10003, 10016, 10033)
EXPECTED_CODES = [202, 10017, 10031, 20002, 202, 10004, 10004, 202, 202]
EXPECTED_CODES += [10003, 202, 10016, 202, 202, 10033, 202, 10031]


def canary_fixture() -> dict:
    data = json.loads(FIXTURE.read_text(encoding="utf-8"))
    for token in data["tokens"]:
        if token["name"] == data["profile"]["token"]:
            token["value"] = CANARY_TOKEN
    first = data["end_users"][0]
    data["profile"]["end_user"] = first["client_id"] = CANARY_END_USER
    return data


def canary_sandbox():
    return sandbox_module.start(fixture=canary_fixture())


def record_session(handle, path) -> Path:
    """Record the reference session against ``handle`` into ``path``."""
    profile = load_profile(handle)
    client = InteractionClient(profile, retries=2, backoff=0)
    path = Path(path)
    with Journal(path, target="sandbox", profile=profile) as journal:
        journal.attach(client)
        first = client.send(client.build_send_message(CANARY_TEXT))
        journal.annotate(f"first message from {CANARY_END_USER} went through")

        wrong = _with_channel(client.build_send_message(CANARY_TEXT), UNKNOWN_CHANNEL)
        client.send(wrong)
        journal.annotate(
            "10017: the channel address had a typo", journal.exchange_count - 1
        )
        inactive_channel = handle.profile["channels"]["inactive"]
        second_try = client.build_send_message("second try")
        inactive = _with_channel(second_try, inactive_channel)
        client.send(inactive)

        # A server-side fault: the client retries and the second attempt works.
        handle.inject_fault(20002, count=1, endpoint="conversation")
        client.send(client.build_create_conversation())

        expired = client.build_create_conversation()
        expired_token = handle.profile["tokens"]["expired"]
        expired.headers["Authorization"] = f"Bearer {expired_token}"
        client.send(expired)

        # Two steps: the route refers to the conversation the first message made.
        conversation_id = first.response_json()["conversationIdentifier"]
        client.send(client.build_route(conversation_id))
        client.send(client.build_delete_route(conversation_id))

        # Catalog repro cases: each sends its failing request, then the fix.
        for code in REPRO_CODES:
            run_case(code, handle.url, handle.profile, listener=journal.record_exchange)
        journal.annotate(
            "repro cases for a missing scope, a bad header and routingResult"
        )

        try:
            with journal.capture():
                client.send(inactive, raise_for_error=True)
        except Exception:  # the error record is what the test needs
            pass
    client.close()
    return path


def _with_channel(request, channel):
    document = dict(request.json_part)
    document["to"] = channel
    request.json_part = document
    return request
