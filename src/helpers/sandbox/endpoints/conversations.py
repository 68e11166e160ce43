"""Conversation endpoints: ``conversation``, ``acknowledgement``, ``participant``
and ``messagingSession``.

``POST /conversation`` finds or creates the conversation of (channel, end
user). ``POST /acknowledgement`` records delivery and read receipts.
``POST /participant`` removes a rep from a conversation. ``POST
/messagingSession`` ends or inactivates the conversation's session.
"""

from __future__ import annotations

from typing import Any

from helpers.sandbox.endpoints import (
    APP_TYPES,
    INVALID_PARAMETERS,
    MAX_IDENTIFIER_LENGTH,
    ROLES,
    Call,
    check_participant,
    check_string_map,
    choice,
    conversation_for,
    number,
    optional_text,
    text,
)
from helpers.sandbox.responses import ApiError

MAX_ACKNOWLEDGEMENTS = 25
ACKNOWLEDGEMENT_TYPES = ("Delivered", "Read")
SESSION_OPERATIONS = ("End", "Inactivate")
SESSION_OPERATORS = ("EndUser", "System")


def post_conversation(call: Call) -> tuple[int, dict[str, Any]]:
    body = _object(call)
    address = text(body, "channelAddressIdentifier", 10052, MAX_IDENTIFIER_LENGTH)
    participants = body.get("participants")
    if not isinstance(participants, list) or len(participants) != 1:
        raise ApiError(10053, "participants must hold exactly one end user")
    check_string_map(call, body.get("routingAttributes"), "routingAttributes")

    channel = call.channel(address)

    participant = participants[0]
    if not isinstance(participant, dict):
        raise ApiError(10053, "the participant is not an object")
    if participant.get("appType") not in APP_TYPES or participant["appType"] != "custom":
        raise ApiError(10037, f"appType {participant.get('appType')!r}, expected custom")
    if participant.get("role") is None:
        raise ApiError(call.later(10038, 10040), "the participant has no role")
    if participant["role"] not in ROLES or participant["role"] != "EndUser":
        raise ApiError(10038, f"role {participant['role']!r}, expected EndUser")
    if participant.get("subject") is None:
        raise ApiError(call.later(10054, 10041), "the participant has no subject")
    subject = text(participant, "subject", 10054, MAX_IDENTIFIER_LENGTH)

    call.validated()
    conversation, _ = call.state.conversation_or_create(
        channel.channel_address_identifier, channel.name, subject
    )
    return 202, {
        "success": True,
        "conversationIdentifier": conversation.identifier,
        "messagingSessionId": conversation.session_id,
    }


def post_acknowledgement(call: Call) -> tuple[int, dict[str, Any]]:
    body = _object(call)
    identifier = text(body, "conversationIdentifier", 10018, MAX_IDENTIFIER_LENGTH)
    sender = body.get("sender")
    acknowledgements = body.get("acknowledgements")
    if not isinstance(acknowledgements, list) or not 1 <= len(acknowledgements) <= (
        MAX_ACKNOWLEDGEMENTS
    ):
        raise ApiError(
            call.later(INVALID_PARAMETERS),
            f"acknowledgements must hold 1 to {MAX_ACKNOWLEDGEMENTS} items",
        )
    for item in acknowledgements:
        _check_acknowledgement(call, item)

    check_participant(sender, app_types=("custom",), roles=("EndUser",))

    conversation = conversation_for(call, identifier)
    if not conversation.has_participant(str(sender.get("subject")), "EndUser"):
        raise ApiError(10036, "sender is not the end user of the conversation")

    call.validated()
    for item in acknowledgements:
        call.state.add_entry(
            conversation,
            {
                "id": item["acknowledgmentCreatedConversationEntryIdentifier"],
                "entryType": f"{item['acknowledgementType']}Acknowledgement",
                "acknowledgedEntry": item["acknowledgedConversationEntryIdentifier"],
            },
        )
    conversation.acknowledgements += len(acknowledgements)
    return 200, {"success": True}


def _check_acknowledgement(call: Call, item: Any) -> None:
    invalid = call.later(INVALID_PARAMETERS)
    if not isinstance(item, dict):
        raise ApiError(invalid, "an acknowledgement is not an object")
    choice(item, "acknowledgementType", ACKNOWLEDGEMENT_TYPES, invalid)
    text(item, "acknowledgedConversationEntryIdentifier", invalid)
    text(item, "acknowledgmentCreatedConversationEntryIdentifier", invalid)
    # The spec types the timestamp as a string; clients send a number.
    stamp = item.get("acknowledgementTimestamp")
    if not (number(stamp) or (isinstance(stamp, str) and stamp.isdigit())):
        raise ApiError(invalid, "acknowledgementTimestamp is not epoch milliseconds")


def post_participant(call: Call) -> tuple[int, dict[str, Any]]:
    body = _object(call)
    identifier = text(body, "conversationIdentifier", 10018)
    choice(body, "operation", ("Remove",), call.later(10097))
    participants = body.get("participants")
    if not isinstance(participants, list) or not participants:
        raise ApiError(10039, "participants is missing or empty")
    if len(participants) > 1:
        raise ApiError(call.later(INVALID_PARAMETERS), "participants must hold one rep")

    participant = check_participant(participants[0], app_types=("agent",), roles=("Agent",))
    subject = participant.get("subject")

    conversation = conversation_for(call, identifier)
    if not isinstance(subject, str) or not conversation.has_participant(subject, "Agent"):
        raise ApiError(10036, f"rep {subject!r} is not in the conversation")

    call.validated()
    conversation.participants = [
        p for p in conversation.participants if not (p.subject == subject and p.role == "Agent")
    ]
    return 200, {"success": True}


def post_messaging_session(call: Call) -> tuple[int, dict[str, Any]]:
    body = _object(call)
    address = text(body, "channelAddressIdentifier", 10017, MAX_IDENTIFIER_LENGTH)
    identifier = text(body, "conversationIdentifier", 10018)
    end_user = text(body, "endUserClientId", 10020, MAX_IDENTIFIER_LENGTH)
    operation = choice(body, "operation", SESSION_OPERATIONS, call.later(10102))
    operator = choice(
        body, "operationBy", SESSION_OPERATORS, call.later(10103), required=False
    )
    session_id = optional_text(body, "sessionId", call.later(10072))
    if operation == "Inactivate" and session_id is None:
        raise ApiError(call.later(10106), "sessionId is required to inactivate")

    channel = call.channel(address)

    if not known_end_user(call, channel.name, channel.channel_address_identifier, end_user):
        raise ApiError(10020, f"end user {end_user!r} is not known on the channel")
    conversation = call.state.find_conversation(channel.channel_address_identifier, end_user)
    if conversation is None:
        raise ApiError(10025, "no conversation for this channel and end user")
    if conversation.identifier != identifier:
        raise ApiError(10018, "conversationIdentifier is not this end user's conversation")
    session = call.state.session(session_id or conversation.session_id)
    if session is None or session.conversation_identifier != conversation.identifier:
        raise ApiError(call.later(10071), f"no session {session_id!r} in this conversation")

    call.validated()
    session.status = "Ended" if operation == "End" else "Inactive"
    session.ended_by = operator or "System"
    return 200, {"success": True}


def known_end_user(call: Call, channel_name: str, address: str, end_user: str) -> bool:
    if any(u.client_id == end_user and u.channel == channel_name for u in call.fixture.end_users):
        return True
    return call.state.known_end_user(address, end_user)


def _object(call: Call) -> dict:
    # The app already rejected a body that is not JSON; an array or a scalar
    # is valid JSON with no fields, so every required field is missing.
    return call.body if isinstance(call.body, dict) else {}
