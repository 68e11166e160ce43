"""Value formats, enums and shared field checks used by the preflight rules.

The enums and limits follow the published OpenAPI description of the
Interaction Service API and its reference pages. Where the pages only name a
field and the exact rule is our inference, a comment at the constant states it.
"""

from __future__ import annotations

import re
from typing import Any

from helpers.preflight.findings import FindingList
from helpers.secrets import mask_text

UUID_PATTERN = re.compile(
    r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$"
)

MAX_ADDRESS_LENGTH = 240
MAX_FROM_LENGTH = 255  # the OpenAPI limit; the reference pages give 240
WORK_ITEM_ID_LENGTH = 15
MAX_ATTACHMENT_BYTES = 25 * 1024 * 1024

INTERACTION_TYPES = ("EntryInteraction", "AttachmentInteraction")
INBOUND_ENTRY_TYPES = (
    "Message",
    "TypingStartedIndicator",
    "TypingStoppedIndicator",
    "MessageDeliveryFailed",
)
MESSAGE_TYPES = (
    "StaticContentMessage",
    "ChoicesMessage",
    "ChoicesResponseMessage",
    "FormMessage",
    "FormResponseMessage",
)
# Message types an end user may send inbound.
END_USER_MESSAGE_TYPES = (
    "StaticContentMessage",
    "ChoicesResponseMessage",
    "FormResponseMessage",
)
FORMAT_TYPES = (
    "Attachments",
    "RichLink",
    "Media",
    "Buttons",
    "Carousel",
    "QuickReplies",
    "ListPicker",
    "Selections",
    "Links",
    "TimePicker",
    "Application",
    "Result",
    "Inputs",
    "WebView",
    "Text",
    "ExperienceType",
    "Flow",
    "MessageDefinition",
)
# The object inside abstractMessage that carries formatType, per messageType.
MESSAGE_CONTENT_KEYS = {
    "StaticContentMessage": "staticContent",
    "ChoicesMessage": "choices",
    "ChoicesResponseMessage": "choicesResponse",
    "FormMessage": "form",
    "FormResponseMessage": "formResponse",
}
# NOTE: the pairs are inferred from the schema's discriminators; the API
# documents only that a mismatched pair (StaticContentMessage with Buttons)
# is rejected. Widen a set when a real org accepts a pair missing here.
FORMAT_TYPES_BY_MESSAGE_TYPE = {
    "StaticContentMessage": frozenset(
        {"Text", "Attachments", "RichLink", "WebView", "Media", "Links"}
    ),
    "ChoicesMessage": frozenset({"Buttons", "QuickReplies", "ListPicker", "Carousel"}),
    "ChoicesResponseMessage": frozenset({"Selections"}),
    "FormMessage": frozenset(
        {"Inputs", "TimePicker", "ExperienceType", "Flow", "Application", "MessageDefinition"}
    ),
    "FormResponseMessage": frozenset({"Result", "Inputs"}),
}
APP_TYPES = ("custom", "agent", "chatbot", "conversation", "live_message", "iamessage")
ROLES = ("EndUser", "Chatbot", "Agent", "Supervisor", "System")
ROUTING_TYPES = ("Initial", "Transfer", "Conference")
CONSENT_STATUSES = ("OptedOut", "ImplicitlyOptedIn", "ExplicitlyOptedIn", "DoublyOptedIn")
SUPPORTED_MIME_TYPES = (
    "image/jpeg",
    "image/gif",
    "image/bmp",
    "image/png",
    "application/pdf",
    "video/3gpp2",
    "audio/3gpp2",
    "video/3gpp",
    "audio/3gpp",
    "video/mpeg",
    "audio/mpeg",
    "video/mp4",
    "audio/mp4",
)

# The catch-all "invalid parameters" code of tables after 2024-11. An org on
# the 2024-11 table returns 500 for these mistakes instead.
INVALID_PARAMETERS = 10089

# Epoch milliseconds below this value (March 1973) are almost certainly
# seconds: 1e11 seconds is in the year 5138.
EPOCH_MS_FLOOR = 100_000_000_000


def describe(value: Any, limit: int = 60) -> str:
    """Return a short, masked text form of ``value`` for a message."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        text = value if len(value) <= limit else value[:limit] + "..."
        return repr(mask_text(text))
    text = mask_text(repr(value))
    return text if len(text) <= limit else text[:limit] + "..."


def type_name(value: Any) -> str:
    """Return the JSON type name of ``value``."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "array"
    if isinstance(value, dict):
        return "object"
    return type(value).__name__


def is_blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def is_uuid(value: Any) -> bool:
    return isinstance(value, str) and bool(UUID_PATTERN.match(value))


def join_path(prefix: str, key: str | int) -> str:
    if isinstance(key, int):
        return f"{prefix}[{key}]"
    return f"{prefix}.{key}" if prefix else key


def check_required_string(
    out: FindingList,
    body: dict[str, Any],
    key: str,
    prefix: str,
    code: int | None,
    fix: str,
    *,
    max_length: int | None = MAX_ADDRESS_LENGTH,
) -> str | None:
    """Report a missing, blank, non-string or too long string field.

    Returns the value when it passed, so callers can check it further.
    """
    path = join_path(prefix, key)
    value = body.get(key)
    if key not in body or value is None:
        out.error(code, path, f"The required field '{path}' is missing.", fix)
        return None
    if not isinstance(value, str):
        out.error(
            code,
            path,
            f"{path} must be a string, but it is the {type_name(value)} "
            f"{describe(value)}.",
            fix,
        )
        return None
    if not value.strip():
        out.error(code, path, f"{path} is blank.", fix)
        return None
    if max_length is not None and len(value) > max_length:
        out.error(
            code,
            path,
            f"{path} is {len(value)} characters long; the maximum is {max_length}.",
            fix,
        )
        return None
    return value


def check_enum(
    out: FindingList,
    body: dict[str, Any],
    key: str,
    prefix: str,
    allowed: tuple[str, ...],
    code: int | None,
    *,
    required: bool = True,
) -> str | None:
    """Report a missing value or one outside ``allowed`` (case-sensitive)."""
    path = join_path(prefix, key)
    value = body.get(key)
    choices = ", ".join(allowed)
    if value is None:
        if required:
            out.error(
                code,
                path,
                f"The required field '{path}' is missing.",
                f"Set {path} to one of: {choices}.",
            )
        return None
    if value not in allowed:
        hint = _case_hint(value, allowed)
        out.error(
            code,
            path,
            f"{path} is {describe(value)}, which is not one of: {choices}.{hint}",
            f"Set {path} to one of: {choices}.",
        )
        return None
    return value


def _case_hint(value: Any, allowed: tuple[str, ...]) -> str:
    if not isinstance(value, str):
        return ""
    for candidate in allowed:
        if candidate.lower() == value.lower():
            return f" The values are case-sensitive: use {candidate!r}."
    return ""


def check_epoch_ms(
    out: FindingList,
    body: dict[str, Any],
    key: str,
    prefix: str,
    code: int | None,
    *,
    required: bool = True,
) -> int | None:
    """Report a missing or non-integer epoch-milliseconds field.

    A value that looks like epoch seconds gives a warning.
    """
    path = join_path(prefix, key)
    value = body.get(key)
    fix = f"Set {path} to the time in milliseconds since the Unix epoch (an integer)."
    if value is None:
        if required:
            out.error(code, path, f"The required field '{path}' is missing.", fix)
        return None
    if not is_int(value):
        out.error(
            code,
            path,
            f"{path} must be an integer of epoch milliseconds, but it is the "
            f"{type_name(value)} {describe(value)}.",
            fix,
        )
        return None
    if value < 0:
        out.error(code, path, f"{path} is negative ({value}).", fix)
        return None
    if value < EPOCH_MS_FLOOR:
        out.warning(
            None,
            path,
            f"{path} is {value}, which looks like epoch seconds, not milliseconds.",
            f"Multiply the value by 1000: {value * 1000}.",
        )
    return value


def check_participant(
    out: FindingList,
    participant: Any,
    path: str,
    *,
    app_types: tuple[str, ...],
    roles: tuple[str, ...],
    subject_code: int | None,
    role_missing_code: int | None = 10038,
    subject_missing_code: int | None = None,
    api_name: str,
) -> dict[str, Any]:
    """Check a Participant object's ``appType``, ``role`` and ``subject``.

    ``app_types`` and ``roles`` are the values this API accepts; a value in
    the general enum but not accepted here is also reported.
    """
    if not isinstance(participant, dict):
        out.error(
            subject_code,
            path,
            f"{path} must be an object with appType, role and subject, but it is "
            f"the {type_name(participant)} {describe(participant)}.",
            "Send an object such as "
            f'{{"appType": "{app_types[0]}", "role": "{roles[0]}", "subject": "..."}}.',
        )
        return {}
    _check_participant_value(
        out, participant, path, "appType", APP_TYPES, app_types, 10037, 10037, api_name
    )
    _check_participant_value(
        out, participant, path, "role", ROLES, roles, role_missing_code, 10038, api_name
    )
    subject_path = join_path(path, "subject")
    subject = participant.get("subject")
    if is_blank(subject) or not isinstance(subject, str):
        out.error(
            subject_missing_code if subject is None and subject_missing_code else subject_code,
            subject_path,
            f"{subject_path} is {'missing' if subject is None else describe(subject)}.",
            "Set subject to the participant's identifier (for an end user, the "
            "end-user client id sent as 'from').",
        )
    return participant


def _check_participant_value(
    out: FindingList,
    participant: dict[str, Any],
    path: str,
    key: str,
    general: tuple[str, ...],
    allowed: tuple[str, ...],
    missing_code: int | None,
    invalid_code: int,
    api_name: str,
) -> None:
    field_path = join_path(path, key)
    value = participant.get(key)
    choices = ", ".join(allowed)
    fix = f"Set {key} to {choices}." if len(allowed) == 1 else (
        f"Set {key} to one of: {choices}."
    )
    if value is None:
        out.error(missing_code, field_path, f"{field_path} is missing.", fix)
    elif value not in general:
        out.error(
            invalid_code,
            field_path,
            f"{field_path} is {describe(value)}, which is not a known {key} "
            f"(known: {', '.join(general)}).{_case_hint(value, general)}",
            fix,
        )
    elif value not in allowed:
        out.error(
            invalid_code,
            field_path,
            f"{field_path} is {describe(value)}, which {api_name} does not accept.",
            fix,
        )


def check_message(
    out: FindingList,
    payload: dict[str, Any],
    path: str,
    *,
    end_user: bool,
    missing_code: int | None,
) -> None:
    """Check a Message entry payload: ids, messageType, formatType and their pair.

    ``end_user`` limits the message types to those an end user may send.
    """
    message_path = join_path(path, "abstractMessage")
    message = payload.get("abstractMessage")
    if not isinstance(message, dict):
        out.error(
            missing_code,
            message_path,
            f"{message_path} is {'missing' if message is None else describe(message)}; "
            "a Message entry needs an abstractMessage object.",
            "Add abstractMessage with messageType, id and the content object "
            '(for text: "staticContent": {"formatType": "Text", "text": "..."}).',
        )
        return
    entry_id = payload.get("id")
    message_id = message.get("id")
    id_path = join_path(message_path, "id")
    if is_blank(message_id):
        out.error(
            missing_code,
            id_path,
            f"{id_path} is {'missing' if message_id is None else 'blank'}.",
            "Set abstractMessage.id to a new UUID, the same as the entry id.",
        )
    elif isinstance(entry_id, str) and entry_id and message_id != entry_id:
        out.warning(
            10060,
            id_path,
            f"{id_path} is {describe(message_id)} but the entry id {join_path(path, 'id')}"
            f" is {describe(entry_id)}; newer orgs reject ids that differ.",
            "Use the same UUID for the entry id and abstractMessage.id.",
        )
    message_type = _check_message_type(out, message, message_path, end_user)
    if message_type is None:
        return
    _check_format_type(out, message, message_path, message_type, missing_code)


def _check_message_type(
    out: FindingList, message: dict[str, Any], message_path: str, end_user: bool
) -> str | None:
    type_path = join_path(message_path, "messageType")
    message_type = message.get("messageType")
    allowed = END_USER_MESSAGE_TYPES if end_user else MESSAGE_TYPES
    fix = f"Set messageType to one of: {', '.join(allowed)}."
    if message_type is None:
        out.error(10047, type_path, f"{type_path} is missing.", fix)
        return None
    if message_type not in MESSAGE_TYPES:
        out.error(
            10047,
            type_path,
            f"{type_path} is {describe(message_type)}, which is not a message type."
            f"{_case_hint(message_type, MESSAGE_TYPES)}",
            fix,
        )
        return None
    if message_type not in allowed:
        out.error(
            10047,
            type_path,
            f"{type_path} is {describe(message_type)}, which an end user cannot send "
            "(that type is for messages to the end user).",
            fix,
        )
        return None
    return message_type


def _check_format_type(
    out: FindingList,
    message: dict[str, Any],
    message_path: str,
    message_type: str,
    structure_code: int | None,
) -> None:
    content_key = MESSAGE_CONTENT_KEYS[message_type]
    content = message.get(content_key)
    content_path = join_path(message_path, content_key)
    if not isinstance(content, dict):
        others = [
            key
            for key in MESSAGE_CONTENT_KEYS.values()
            if key != content_key and isinstance(message.get(key), dict)
        ]
        hint = (
            f" The message has {others[0]}, which belongs to another messageType."
            if others
            else ""
        )
        out.error(
            structure_code,
            content_path,
            f"{content_path} is missing; a {message_type} carries its content "
            f"and formatType there.{hint}",
            f'Add "{content_key}": {{"formatType": ...}} to abstractMessage.',
        )
        return
    format_path = join_path(content_path, "formatType")
    format_type = content.get("formatType")
    pair_fix = (
        f"For {message_type} use a formatType among: "
        f"{', '.join(sorted(FORMAT_TYPES_BY_MESSAGE_TYPE[message_type]))}."
    )
    if format_type is None:
        out.error(10048, format_path, f"{format_path} is missing.", pair_fix)
        return
    if format_type not in FORMAT_TYPES:
        out.error(
            10048,
            format_path,
            f"{format_path} is {describe(format_type)}, which is not a format type."
            f"{_case_hint(format_type, FORMAT_TYPES)}",
            pair_fix,
        )
        return
    if format_type not in FORMAT_TYPES_BY_MESSAGE_TYPE[message_type]:
        out.error(
            10049,
            format_path,
            f"messageType {message_type} does not go with formatType {format_type}.",
            pair_fix,
        )
        return
    if format_type == "Text":
        text = content.get("text")
        if not isinstance(text, str):
            text_path = join_path(content_path, "text")
            out.error(
                structure_code,
                text_path,
                f"{text_path} is {'missing' if text is None else describe(text)}; a "
                "Text message needs its text as a string.",
                "Set staticContent.text to the message text.",
            )


def profile_value(profile: Any, key: str) -> Any:
    """Return ``key`` of a profile given as a dict or as an object, or None."""
    if profile is None:
        return None
    if isinstance(profile, dict):
        return profile.get(key)
    return getattr(profile, key, None)
