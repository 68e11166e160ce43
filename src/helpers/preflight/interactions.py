"""Preflight checks of ``POST /interactions``: the JSON part and the files.

The JSON part carries ``to``, ``from`` and exactly one interaction. An
``EntryInteraction`` carries its entry in ``payload``; an
``AttachmentInteraction`` carries ``id``, ``attachmentIndex`` and
``contentLength`` and needs exactly one file in the ``attachments`` part.
"""

from __future__ import annotations

from typing import Any

from helpers.model import ApiRequest
from helpers.preflight.common import (
    INBOUND_ENTRY_TYPES,
    INVALID_PARAMETERS,
    INTERACTION_TYPES,
    MAX_ADDRESS_LENGTH,
    MAX_ATTACHMENT_BYTES,
    MAX_FROM_LENGTH,
    SUPPORTED_MIME_TYPES,
    check_epoch_ms,
    check_message,
    check_participant,
    check_required_string,
    describe,
    is_blank,
    is_int,
    is_uuid,
    join_path,
    profile_value,
    type_name,
)
from helpers.preflight.findings import FindingList

TO_FIX = (
    "Set 'to' to the channel's ChannelAddressIdentifier (a GUID from the "
    "MessagingChannel record)."
)
FROM_FIX = "Set 'from' to the end user's client id in your system, at most 240 characters."
LIST_FIX = (
    "Send 'interactions' as an array of exactly one object with interactionType, "
    "timestamp (epoch ms) and payload."
)


def check_interactions(
    out: FindingList, body: dict[str, Any], request: ApiRequest, profile: Any
) -> None:
    """Check the JSON part of ``POST /interactions`` and its attachment parts."""
    _check_to(out, body, profile)
    sender = _check_from(out, body)
    items = _check_list(out, body)
    for index, item in enumerate(items):
        _check_item(out, item, f"interactions[{index}]", sender)
    _check_attachments(out, items, request)
    check_routing_attributes(out, body.get("routingAttributes"), "routingAttributes")


def _check_to(out: FindingList, body: dict[str, Any], profile: Any) -> None:
    to = check_required_string(out, body, "to", "", 10027, TO_FIX)
    if to is None:
        return
    if not is_uuid(to):
        out.warning(
            10017,
            "to",
            f"'to' is {describe(to)}, which is not a GUID; channel address "
            "identifiers are GUIDs, so this channel is likely not found.",
            TO_FIX,
        )
    expected = profile_value(profile, "channel_address_identifier")
    if expected and to != expected:
        out.warning(
            10017,
            "to",
            f"'to' is {describe(to)} but the profile's channel address identifier "
            f"is {describe(expected)}.",
            "Send the profile's channel address identifier, or pick the profile of "
            "that channel.",
        )


def _check_from(out: FindingList, body: dict[str, Any]) -> str | None:
    sender = check_required_string(
        out, body, "from", "", 10028, FROM_FIX, max_length=MAX_FROM_LENGTH
    )
    if sender is not None and len(sender) > MAX_ADDRESS_LENGTH:
        out.warning(
            10028,
            "from",
            f"'from' is {len(sender)} characters long; the API description allows "
            f"{MAX_FROM_LENGTH} but the reference pages allow {MAX_ADDRESS_LENGTH}.",
            FROM_FIX,
        )
    return sender


def _check_list(out: FindingList, body: dict[str, Any]) -> list[Any]:
    items = body.get("interactions")
    if items is None:
        out.error(10029, "interactions", "The required field 'interactions' is missing.", LIST_FIX)
        return []
    if not isinstance(items, list):
        out.error(
            10029,
            "interactions",
            f"'interactions' must be an array, but it is the {type_name(items)} "
            f"{describe(items)}.",
            LIST_FIX,
        )
        return [items] if isinstance(items, dict) else []
    if not items:
        out.error(20003, "interactions", "'interactions' is an empty array.", LIST_FIX)
    elif len(items) > 1:
        out.error(
            10029,
            "interactions",
            f"'interactions' has {len(items)} items; the API takes exactly one per "
            "request.",
            "Send one request per interaction.",
        )
    return items


def _check_item(out: FindingList, item: Any, path: str, sender: str | None) -> None:
    if not isinstance(item, dict):
        out.error(
            10029,
            path,
            f"{path} must be an object, but it is the {type_name(item)} {describe(item)}.",
            LIST_FIX,
        )
        return
    type_path = join_path(path, "interactionType")
    kind = item.get("interactionType")
    if kind not in INTERACTION_TYPES:
        shown = "missing" if kind is None else describe(kind)
        out.error(
            10029,
            type_path,
            f"{type_path} is {shown}; it must be EntryInteraction or AttachmentInteraction.",
            "Set interactionType to EntryInteraction (messages, typing, delivery "
            "failures) or AttachmentInteraction (a file).",
        )
    check_epoch_ms(out, item, "timestamp", path, 10029)
    if kind == "EntryInteraction":
        _check_entry(out, item, path, sender)
    elif kind == "AttachmentInteraction":
        _check_attachment_item(out, item, path)


def _check_entry(out: FindingList, item: dict[str, Any], path: str, sender: str | None) -> None:
    payload_path = join_path(path, "payload")
    payload = item.get("payload")
    if not isinstance(payload, dict):
        out.error(
            10029,
            payload_path,
            f"{payload_path} is {'missing' if payload is None else describe(payload)}; "
            "an EntryInteraction needs a payload object.",
            "Add payload with id (a UUID) and entryType.",
        )
        return
    id_path = join_path(payload_path, "id")
    entry_id = payload.get("id")
    if is_blank(entry_id):
        out.error(
            10029,
            id_path,
            f"{id_path} is {'missing' if entry_id is None else 'blank'}.",
            "Set payload.id to a new UUID.",
        )
    elif not is_uuid(entry_id):
        out.warning(
            None, id_path, f"{id_path} is {describe(entry_id)}, which is not a UUID.",
            "Use a new UUID for every entry.",
        )
    entry_path = join_path(payload_path, "entryType")
    entry_type = payload.get("entryType")
    if entry_type not in INBOUND_ENTRY_TYPES:
        shown = "missing" if entry_type is None else describe(entry_type)
        out.error(
            10029,
            entry_path,
            f"{entry_path} is {shown}; inbound entries are one of: "
            f"{', '.join(INBOUND_ENTRY_TYPES)}.",
            f"Set entryType to one of: {', '.join(INBOUND_ENTRY_TYPES)}.",
        )
        return
    if entry_type == "Message":
        check_message(out, payload, payload_path, end_user=True, missing_code=10029)
    elif entry_type == "MessageDeliveryFailed":
        _check_delivery_failed(out, payload, payload_path, sender)
    else:
        check_epoch_ms(out, payload, "timestamp", payload_path, 10029)


def _check_delivery_failed(
    out: FindingList, payload: dict[str, Any], path: str, sender: str | None
) -> None:
    recipient_path = join_path(path, "recipient")
    recipient = payload.get("recipient")
    if recipient is None:
        out.error(
            10036,
            recipient_path,
            f"{recipient_path} is missing; a MessageDeliveryFailed entry names the "
            "end user it could not reach.",
            'Add "recipient": {"appType": "custom", "role": "EndUser", "subject": <from>}.',
        )
    else:
        check_participant(
            out,
            recipient,
            recipient_path,
            app_types=("custom",),
            roles=("EndUser",),
            subject_code=10036,
            api_name="a MessageDeliveryFailed recipient",
        )
        subject = recipient.get("subject") if isinstance(recipient, dict) else None
        if isinstance(subject, str) and subject.strip() and sender and subject != sender:
            out.error(
                10036,
                join_path(recipient_path, "subject"),
                f"The recipient subject {describe(subject)} differs from 'from' "
                f"{describe(sender)}.",
                "Set the recipient subject to the end user's client id sent as 'from'.",
            )
    code_path = join_path(path, "errorCode")
    error_code = payload.get("errorCode")
    if is_blank(error_code) or not isinstance(error_code, str):
        shown = "missing" if error_code is None else describe(error_code)
        out.error(
            10029,
            code_path,
            f"{code_path} is {shown}; a MessageDeliveryFailed entry needs your "
            "system's error code as a string.",
            "Set errorCode to the error your channel returned, as a string.",
        )
    if is_blank(payload.get("failedConversationEntryIdentifier")):
        failed_path = join_path(path, "failedConversationEntryIdentifier")
        out.warning(
            None,
            failed_path,
            f"{failed_path} is missing, so the agent cannot tell which message failed.",
            "Set it to the identifier of the outbound entry that could not be delivered.",
        )


def _check_attachment_item(out: FindingList, item: dict[str, Any], path: str) -> None:
    id_path = join_path(path, "id")
    file_id = item.get("id")
    if is_blank(file_id):
        out.error(
            10007,
            id_path,
            f"{id_path} is {'missing' if file_id is None else 'blank'}; an "
            "AttachmentInteraction needs its own id.",
            "Set id to a new UUID.",
        )
    length_path = join_path(path, "contentLength")
    length = item.get("contentLength")
    if length is None:
        out.error(
            10010,
            length_path,
            f"{length_path} is missing.",
            "Set contentLength to the file's exact size in bytes.",
        )
    elif not is_int(length) or length < 0:
        out.error(
            10010,
            length_path,
            f"{length_path} is {describe(length)}, not a byte count.",
            "Set contentLength to the file's exact size in bytes, as an integer.",
        )
    index_path = join_path(path, "attachmentIndex")
    index = item.get("attachmentIndex")
    if index is None:
        out.warning(
            None,
            index_path,
            f"{index_path} is missing.",
            "Set attachmentIndex to 0, the index of the file in the attachments part.",
        )
    elif not is_int(index) or index < 0:
        out.error(
            None,
            index_path,
            f"{index_path} is {describe(index)}, not an index into the files.",
            "Set attachmentIndex to 0.",
        )


def _check_attachments(out: FindingList, items: list[Any], request: ApiRequest) -> None:
    attachment_items = [
        (index, item)
        for index, item in enumerate(items)
        if isinstance(item, dict) and item.get("interactionType") == "AttachmentInteraction"
    ]
    files = list(request.attachments or [])
    if attachment_items and not files:
        out.error(
            10009,
            "attachments",
            "The request has an AttachmentInteraction but no file in the "
            "'attachments' part.",
            "Add the file as a part named 'attachments' (curl -F "
            "'attachments=@photo.png;type=image/png').",
        )
    elif len(attachment_items) != len(files):
        out.error(
            10011,
            "attachments",
            f"The request has {len(files)} file(s) in 'attachments' but "
            f"{len(attachment_items)} AttachmentInteraction item(s).",
            "Send one file with one AttachmentInteraction, and no file with an "
            "EntryInteraction.",
        )
    for position, attachment in enumerate(files):
        _check_file(out, attachment, f"attachments[{position}]")
    for index, item in attachment_items:
        _check_content_length(out, item, f"interactions[{index}]", files)


def _check_file(out: FindingList, attachment: Any, path: str) -> None:
    size = len(attachment.content or b"")
    name = describe(attachment.filename)
    if size == 0:
        out.error(
            10009,
            path,
            f"The file {name} in {path} is empty (0 bytes).",
            "Attach the file's content; check the path given to curl's @ or open().",
        )
    elif size > MAX_ATTACHMENT_BYTES:
        out.error(
            10008,
            path,
            f"The file {name} is {size} bytes ({size / 1048576:.1f} MiB); the "
            "maximum is 25 MB.",
            "Compress or shrink the file, or send a link to it in a text message.",
        )
    mime = str(attachment.mime_type or "").split(";", 1)[0].strip().lower()
    if mime not in SUPPORTED_MIME_TYPES:
        out.warning(
            None,
            f"{path}.type",
            f"The file {name} is sent as {describe(attachment.mime_type)}, which is "
            "not among the supported attachment types.",
            f"Send one of: {', '.join(SUPPORTED_MIME_TYPES)}; set the part's type "
            "explicitly (curl -F 'attachments=@file;type=image/png').",
        )


def _check_content_length(
    out: FindingList, item: dict[str, Any], path: str, files: list[Any]
) -> None:
    length = item.get("contentLength")
    index = item.get("attachmentIndex", 0)
    if not is_int(length) or length < 0 or not is_int(index):
        return
    if not 0 <= index < len(files):
        if files:
            out.error(
                10011,
                join_path(path, "attachmentIndex"),
                f"attachmentIndex {index} points past the {len(files)} file(s) sent.",
                "Set attachmentIndex to 0.",
            )
        return
    size = len(files[index].content or b"")
    if size and length != size:
        out.error(
            10051,
            join_path(path, "contentLength"),
            f"contentLength is {length} but the file {describe(files[index].filename)}"
            f" is {size} bytes.",
            f"Set contentLength to {size}.",
        )


def check_routing_attributes(out: FindingList, value: Any, path: str) -> None:
    """Report routing attributes that are not a map of strings to strings."""
    if value is None:
        return
    if not isinstance(value, dict):
        out.error(
            INVALID_PARAMETERS,
            path,
            f"{path} is the {type_name(value)} {describe(value)}; it must be an object "
            "of channel-variable names to string values.",
            f'Send {path} as {{"VariableName": "value"}}.',
        )
        return
    for key, item in value.items():
        if not isinstance(item, str):
            out.error(
                INVALID_PARAMETERS,
                join_path(path, key),
                f"Routing attribute {key!r} is the {type_name(item)} {describe(item)}; "
                "values are strings.",
                "Send every routing attribute value as a string.",
            )

