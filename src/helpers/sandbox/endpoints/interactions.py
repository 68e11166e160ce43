"""``POST /api/v1/interactions``: messages, typing indicators, delivery failures, files.

The body is multipart: a ``json`` part with ``to``, ``from`` and exactly one
interaction, and for an ``AttachmentInteraction`` one ``attachments`` file.
The app parses the parts and this module checks them. When every check
passes, it finds or creates the conversation of (``to``, ``from``) and
stores the entry. A file is stored as its size and SHA-256.
"""

from __future__ import annotations

from typing import Any

from helpers.sandbox.endpoints import (
    MAX_IDENTIFIER_LENGTH,
    Call,
    check_abstract_message,
    check_participant,
    check_string_map,
    integer,
    text,
)
from helpers.preflight.common import INBOUND_ENTRY_TYPES, INTERACTION_TYPES
from helpers.sandbox.responses import ApiError

LIST_INVALID = 10029
EMPTY_LIST = 20003


def post_interactions(call: Call) -> tuple[int, dict[str, Any]]:
    body = call.body
    if not isinstance(body, dict):
        raise ApiError(LIST_INVALID, "the json part is not a JSON object")
    address = text(body, "to", 10027, MAX_IDENTIFIER_LENGTH)
    end_user = text(body, "from", 10028, call.settings.from_max_length)
    item = _single_interaction(body)
    check_string_map(call, body.get("routingAttributes"), "routingAttributes")

    channel = call.channel(address)

    if item["interactionType"] == "AttachmentInteraction":
        entry = _check_attachment(call, item)
    else:
        entry = _check_entry(call, item, end_user)

    call.validated()
    conversation, _ = call.state.conversation_or_create(
        channel.channel_address_identifier, channel.name, end_user
    )
    call.state.add_entry(conversation, entry)
    if item["interactionType"] == "AttachmentInteraction":
        upload = call.files[0]
        call.state.add_attachment(
            conversation,
            {
                "id": entry["id"],
                "filename": upload.filename,
                "mimeType": upload.mime_type,
                "size": upload.size,
                "sha256": upload.sha256,
            },
        )
    return 202, {
        "success": True,
        "id": entry["id"],
        "conversationIdentifier": conversation.identifier,
        "workItemIds": [conversation.session_id],
    }


def _single_interaction(body: dict) -> dict:
    interactions = body.get("interactions")
    if not isinstance(interactions, list):
        raise ApiError(LIST_INVALID, "interactions is missing or not an array")
    if not interactions:
        raise ApiError(EMPTY_LIST, "interactions is empty")
    if len(interactions) > 1:
        raise ApiError(LIST_INVALID, f"interactions has {len(interactions)} items, expected 1")
    item = interactions[0]
    if not isinstance(item, dict) or item.get("interactionType") not in INTERACTION_TYPES:
        raise ApiError(LIST_INVALID, "interactionType is missing or unknown")
    if not integer(item.get("timestamp")):
        raise ApiError(LIST_INVALID, "timestamp is missing or not epoch milliseconds")
    if item["interactionType"] == "EntryInteraction" and not isinstance(
        item.get("payload"), dict
    ):
        raise ApiError(LIST_INVALID, "an EntryInteraction needs a payload object")
    return item


def _check_entry(call: Call, item: dict, end_user: str) -> dict:
    if call.files:
        raise ApiError(10011, "a file was sent with an EntryInteraction")
    payload = item["payload"]
    entry_type = payload.get("entryType")
    if entry_type not in INBOUND_ENTRY_TYPES:
        raise ApiError(LIST_INVALID, f"entryType {entry_type!r} is not an inbound entry type")
    entry_id = payload.get("id")
    if not isinstance(entry_id, str) or not entry_id.strip():
        raise ApiError(call.later(10059, LIST_INVALID), "payload.id is missing")

    if entry_type == "Message":
        message = payload.get("abstractMessage")
        check_abstract_message(message, inbound=True, structure_code=LIST_INVALID)
        message_id = message.get("id")
        if not isinstance(message_id, str) or not message_id.strip():
            raise ApiError(LIST_INVALID, "abstractMessage.id is missing")
        # Tables after 2024-11 reject an entry id that differs from the message id.
        if message_id != entry_id and call.later(10060) == 10060:
            raise ApiError(10060, "payload.id and abstractMessage.id differ")
    elif entry_type == "MessageDeliveryFailed":
        recipient = payload.get("recipient")
        check_participant(recipient, app_types=("custom",), roles=("EndUser",))
        if recipient.get("subject") != end_user:
            raise ApiError(10036, "recipient.subject is not the end user in from")
        if not isinstance(payload.get("errorCode"), str):
            raise ApiError(LIST_INVALID, "errorCode is missing or not a string")
    elif not integer(payload.get("timestamp")):
        raise ApiError(LIST_INVALID, "a typing indicator needs a timestamp")
    return {"id": entry_id, "entryType": entry_type, "timestamp": item["timestamp"]}


def _check_attachment(call: Call, item: dict) -> dict:
    entry_id = item.get("id")
    if not isinstance(entry_id, str) or not entry_id.strip():
        raise ApiError(10007, "the AttachmentInteraction id is missing or empty")
    content_length = item.get("contentLength")
    if not integer(content_length):
        raise ApiError(10010, "contentLength is missing or not an integer")
    if not call.files or call.files[0].size == 0:
        raise ApiError(call.settings.missing_file_code, "no attachment file, or it is empty")
    index = item.get("attachmentIndex", 0)
    if len(call.files) != 1 or not integer(index) or index != 0:
        raise ApiError(10011, f"{len(call.files)} files for one AttachmentInteraction")
    upload = call.files[0]
    if upload.size > call.settings.max_attachment_bytes:
        raise ApiError(10008, f"file of {upload.size} bytes is over the limit")
    if upload.size != content_length:
        raise ApiError(10051, f"contentLength {content_length} but file has {upload.size} bytes")
    return {
        "id": entry_id,
        "entryType": "AttachmentInteraction",
        "timestamp": item["timestamp"],
        "text": item.get("text"),
    }
