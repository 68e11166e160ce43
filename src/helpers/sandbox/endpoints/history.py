"""``POST /api/v1/conversationHistory``: import past entries (BYOC for CCaaS only).

The body names the channel, one to three participants (exactly one end user,
the others bots) and the entries to import. Entries older than
``Settings.history_max_age_hours`` or further than
``Settings.history_max_future_seconds`` in the future are rejected with
10046. A caller whose channel definition is not a CCaaS vendor gets 10057.
"""

from __future__ import annotations

import time
from typing import Any

from helpers.sandbox.endpoints import (
    APP_TYPES,
    INVALID_PARAMETERS,
    MAX_IDENTIFIER_LENGTH,
    ROLES,
    Call,
    check_abstract_message,
    integer,
    text,
)
from helpers.sandbox.responses import ApiError

MAX_PARTICIPANTS = 3
HISTORY_ROLES = ("EndUser", "Chatbot")
HISTORY_APP_TYPES = ("custom", "chatbot", "iamessage")
ENTRY_INVALID = 10045
# Tables after 2024-11 dropped 10040 and 10041, so under them the sandbox
# returns these codes instead.
LATER_MISSING_ROLE = 10043
LATER_MISSING_SUBJECT = 10078


def post_conversation_history(call: Call) -> tuple[int, dict[str, Any]]:
    body = call.body if isinstance(call.body, dict) else {}
    address = text(body, "channelAddressIdentifier", 10017, MAX_IDENTIFIER_LENGTH)
    participants = body.get("conversationParticipants")
    if not isinstance(participants, list) or not participants:
        raise ApiError(10039, "conversationParticipants is missing or empty")
    if len(participants) > MAX_PARTICIPANTS:
        raise ApiError(call.later(INVALID_PARAMETERS), "more than 3 participants")
    entries = body.get("conversationEntries")
    if not isinstance(entries, list) or not entries:
        raise ApiError(ENTRY_INVALID, "conversationEntries is missing or empty")
    if len(entries) > call.settings.history_max_entries:
        raise ApiError(ENTRY_INVALID, f"more than {call.settings.history_max_entries} entries")

    channel = call.channel(address)
    if call.definition.vendor_type != "CCaaS":
        raise ApiError(10057, f"{call.definition.developer_name} is not a CCaaS definition")

    subjects = _check_participants(call, participants)
    end_user = next(s for s, role in subjects.items() if role == "EndUser")
    for entry in entries:
        _check_entry(call, entry, subjects)
    session_request = _check_session_request(call, body.get("messagingSession"))
    if session_request is not None:
        existing = call.state.find_conversation(channel.channel_address_identifier, end_user)
        session = call.state.session(session_request)
        if existing is None or session.conversation_identifier != existing.identifier:
            raise ApiError(call.later(10071), "sessionId belongs to another conversation")

    call.validated()
    conversation, _ = call.state.conversation_or_create(
        channel.channel_address_identifier, channel.name, end_user
    )
    if session_request is not None:
        conversation.session_id = session_request
    for entry in entries:
        payload = entry["entryPayload"]
        call.state.add_entry(
            conversation,
            {
                "id": payload.get("id"),
                "entryType": payload.get("entryType"),
                "clientTimestamp": entry["clientTimestamp"],
                "imported": True,
            },
        )
    call.state.history_imports += 1
    return 202, {
        "success": True,
        "conversationIdentifier": conversation.identifier,
        "messagingSessionId": conversation.session_id,
    }


def _check_participants(call: Call, participants: list) -> dict[str, str]:
    subjects: dict[str, str] = {}
    for item in participants:
        participant = item.get("participant") if isinstance(item, dict) else None
        if not isinstance(participant, dict):
            raise ApiError(10039, "a conversation participant has no participant object")
        if participant.get("role") is None:
            raise ApiError(call.later(LATER_MISSING_ROLE, 10040), "a participant has no role")
        if participant.get("subject") is None:
            raise ApiError(
                call.later(LATER_MISSING_SUBJECT, 10041), "a participant has no subject"
            )
        role = participant["role"]
        if role not in ROLES:
            raise ApiError(10038, f"role {role!r} is unknown")
        if role not in HISTORY_ROLES:
            raise ApiError(10043, f"role {role} cannot appear in history")
        app_type = participant.get("appType")
        if app_type not in APP_TYPES or app_type not in HISTORY_APP_TYPES:
            raise ApiError(10037, f"appType {app_type!r} is not allowed in history")
        if not integer(item.get("joinedTime")):
            raise ApiError(call.later(10078), "joinedTime is missing")
        subjects[str(participant["subject"])] = role
    end_users = sum(1 for role in subjects.values() if role == "EndUser")
    if end_users == 0:
        raise ApiError(10042, "no EndUser participant")
    if end_users > 1 or sum(1 for p in participants if p["participant"]["role"] == "EndUser") > 1:
        raise ApiError(10044, "more than one EndUser participant")
    return subjects


def _check_entry(call: Call, entry: Any, subjects: dict[str, str]) -> None:
    if not isinstance(entry, dict):
        raise ApiError(ENTRY_INVALID, "an entry is not an object")
    stamp = entry.get("clientTimestamp")
    sender = entry.get("sender")
    payload = entry.get("entryPayload")
    if not integer(stamp) or not isinstance(sender, dict) or not isinstance(payload, dict):
        raise ApiError(ENTRY_INVALID, "an entry lacks clientTimestamp, sender or entryPayload")
    if payload.get("entryType") != "Message":
        raise ApiError(ENTRY_INVALID, f"entryType {payload.get('entryType')!r}, expected Message")
    check_abstract_message(
        payload.get("abstractMessage"), inbound=False, structure_code=ENTRY_INVALID
    )
    if sender.get("role") not in ROLES:
        raise ApiError(10038, f"sender role {sender.get('role')!r} is unknown")
    if sender.get("appType") not in APP_TYPES:
        raise ApiError(10037, f"sender appType {sender.get('appType')!r} is unknown")
    if subjects.get(str(sender.get("subject"))) != sender.get("role"):
        raise ApiError(10036, "the sender is not one of the conversation participants")

    now_ms = time.time() * 1000
    oldest = now_ms - call.settings.history_max_age_hours * 3_600_000
    newest = now_ms + call.settings.history_max_future_seconds * 1000
    if not oldest <= stamp <= newest:
        raise ApiError(10046, f"clientTimestamp {stamp} is outside the accepted window")


def _check_session_request(call: Call, request: Any) -> str | None:
    """Check ``messagingSession``; return the session id to attach to, if any."""
    if request is None:
        return None
    invalid = call.later(INVALID_PARAMETERS)
    if not isinstance(request, dict) or not isinstance(request.get("payload"), dict):
        raise ApiError(invalid, "messagingSession needs a payload object")
    kind = request.get("messagingSessionRequestType")
    payload = request["payload"]
    if kind == "EstablishMessagingSession":
        if not integer(payload.get("startTime")):
            raise ApiError(call.later(10061), "messagingSession startTime is missing")
        return None
    if kind == "AttachMessagingSession":
        session = call.state.session(payload.get("sessionId"))
        if session is None:
            raise ApiError(call.later(10071), "messagingSession sessionId is unknown")
        return session.id
    raise ApiError(invalid, f"messagingSessionRequestType {kind!r} is unknown")
