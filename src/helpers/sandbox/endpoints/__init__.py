"""Validation rules and effects of the API endpoints, one module per group.

Each endpoint handler takes a ``Call`` (the authenticated request with its
parsed body) and returns ``(status, body)`` or raises ``ApiError``. Handlers
follow the sandbox's check order: body structure, then the channel, then
field rules, then state look-ups. Next, ``call.validated()`` applies any
armed fault, and only then does the handler change state. The app holds the state lock
while a handler runs.

The enumerations are the values the API reference lists for each
field, taken from ``helpers.preflight.common``. Which formatType belongs to
which messageType is inferred from the schema's discriminators.
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass, field
from typing import Any

from werkzeug.datastructures import Headers

from helpers.preflight.common import (
    APP_TYPES,
    END_USER_MESSAGE_TYPES,
    FORMAT_TYPES,
    FORMAT_TYPES_BY_MESSAGE_TYPE,
    INVALID_PARAMETERS,
    MAX_ADDRESS_LENGTH,
    MESSAGE_CONTENT_KEYS,
    MESSAGE_TYPES,
    ROLES,
)
from helpers.sandbox.faults import STAGE_AFTER_VALIDATION, FaultInjector
from helpers.sandbox.fixture import ChannelDefinition, Fixture, MessagingChannel, Token
from helpers.sandbox.fixture import MESSAGING_TYPES
from helpers.sandbox.responses import ApiError, later_code
from helpers.sandbox.settings import Settings
from helpers.sandbox.state import SandboxState

# The enumerations are shared with the preflight checks, so a request the
# preflight passes is one the sandbox accepts.
MAX_IDENTIFIER_LENGTH = MAX_ADDRESS_LENGTH


@dataclass
class UploadedFile:
    """An uploaded attachment: its size and SHA-256, never its bytes."""

    filename: str
    mime_type: str
    size: int
    sha256: str


@dataclass
class Call:
    """One authenticated API request, as the endpoint handlers see it."""

    method: str
    endpoint: str
    headers: Headers
    body: Any
    token: Token
    definition: ChannelDefinition
    fixture: Fixture
    state: SandboxState
    settings: Settings
    faults: FaultInjector
    files: list[UploadedFile] = field(default_factory=list)

    def validated(self) -> None:
        """Apply an armed after-validation fault; call before changing state."""
        code = self.faults.take(self.endpoint, STAGE_AFTER_VALIDATION)
        if code is not None:
            raise ApiError(code, "injected fault")

    def later(self, code: int, fallback: int = 500) -> int:
        """Return ``code`` under the latest table, else ``fallback`` (the catch-all)."""
        return later_code(code, self.settings, fallback)

    def channel(self, address: Any) -> MessagingChannel:
        """Resolve a channel address identifier with the channel checks, in order.

        Raises 10017 (unknown), 10031 (inactive), 10035 (a messaging type
        other than CUSTOM), 10002 (not a messaging channel type), 10026 (no
        channel definition), 10001 (the definition is not the
        ``AuthorizationContext``) and 10006 (another app provides it).
        """
        channel = self.fixture.channel_by_address(address) if isinstance(address, str) else None
        if channel is None:
            raise ApiError(10017, f"no channel with address {address!r}")
        if not channel.active:
            raise ApiError(10031, f"channel {channel.name} is inactive")
        if channel.type.upper() != "CUSTOM":
            if channel.type in MESSAGING_TYPES:
                raise ApiError(10035, f"channel {channel.name} has type {channel.type}")
            raise ApiError(10002, f"channel {channel.name} has type {channel.type}")
        if channel.definition is None:
            raise ApiError(10026, f"channel {channel.name} has no channel definition")
        if channel.definition != self.definition.developer_name:
            raise ApiError(
                10001,
                f"channel {channel.name} belongs to {channel.definition}, "
                f"AuthorizationContext is {self.definition.developer_name}",
            )
        if self.fixture.provider_of(channel) != self.token.app:
            raise ApiError(10006, f"channel {channel.name} is provided by another app")
        return channel


def is_uuid(value: Any) -> bool:
    if not isinstance(value, str) or len(value) != 36:
        return False
    try:
        uuid.UUID(value)
    except ValueError:
        return False
    return True


def text(data: Any, key: str, code: int, max_length: int | None = None) -> str:
    """Return ``data[key]`` as a non-blank string, or raise ``code``."""
    value = data.get(key) if isinstance(data, dict) else None
    if not isinstance(value, str) or not value.strip():
        raise ApiError(code, f"{key} is missing or blank")
    if max_length is not None and len(value) > max_length:
        raise ApiError(code, f"{key} is longer than {max_length} characters")
    return value


def optional_text(data: dict, key: str, code: int) -> str | None:
    if data.get(key) is None:
        return None
    return text(data, key, code)


def choice(data: Any, key: str, choices: tuple, code: int, *, required: bool = True,
           case_sensitive: bool = True) -> str | None:
    """Return ``data[key]`` when it is one of ``choices``, else raise ``code``."""
    value = data.get(key) if isinstance(data, dict) else None
    if value is None and not required:
        return None
    if isinstance(value, str):
        for allowed in choices:
            if value == allowed or (not case_sensitive and value.lower() == allowed.lower()):
                return allowed
    raise ApiError(code, f"{key} is {value!r}, expected one of {', '.join(choices)}")


def integer(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def check_string_map(call: Call, value: Any, key: str) -> None:
    """Check an optional ``routingAttributes`` map of string to string."""
    if value is None:
        return
    if not isinstance(value, dict) or not all(
        isinstance(k, str) and isinstance(v, str) for k, v in value.items()
    ):
        raise ApiError(call.later(INVALID_PARAMETERS), f"{key} is not a map of strings")


def check_participant(
    data: Any, *, app_types: tuple, roles: tuple, subject_code: int = 10036
) -> dict:
    """Check a Participant's ``appType`` (10037) and ``role`` (10038)."""
    if not isinstance(data, dict):
        raise ApiError(subject_code, "participant is not an object")
    if data.get("appType") not in APP_TYPES or data.get("appType") not in app_types:
        raise ApiError(10037, f"appType {data.get('appType')!r} is not one of {app_types}")
    if data.get("role") not in ROLES or data.get("role") not in roles:
        raise ApiError(10038, f"role {data.get('role')!r} is not one of {roles}")
    return data


def check_abstract_message(message: Any, *, inbound: bool, structure_code: int) -> None:
    """Check ``messageType`` (10047), ``formatType`` (10048) and their pair (10049)."""
    if not isinstance(message, dict):
        raise ApiError(structure_code, "abstractMessage is not an object")
    message_type = message.get("messageType")
    if message_type not in MESSAGE_TYPES:
        raise ApiError(10047, f"messageType {message_type!r} is unknown")
    if inbound and message_type not in END_USER_MESSAGE_TYPES:
        raise ApiError(10047, f"an end user cannot send {message_type}")
    content = message.get(MESSAGE_CONTENT_KEYS[message_type])
    if not isinstance(content, dict):
        raise ApiError(
            structure_code, f"{MESSAGE_CONTENT_KEYS[message_type]} is missing for {message_type}"
        )
    check_format_type(message_type, content.get("formatType"))
    if content.get("formatType") == "Text" and not isinstance(content.get("text"), str):
        raise ApiError(structure_code, "a Text message needs a text string")


def check_format_type(message_type: str, format_type: Any) -> None:
    if format_type not in FORMAT_TYPES:
        raise ApiError(10048, f"formatType {format_type!r} is unknown")
    if format_type not in FORMAT_TYPES_BY_MESSAGE_TYPE[message_type]:
        raise ApiError(10049, f"{message_type} cannot have formatType {format_type}")


WORK_ITEM_PATTERN = re.compile(r"^0Mw[A-Za-z0-9]{12}$")


def session_for_work_item(call: Call, value: Any, conversation_identifier: str | None = None):
    """Return the MessagingSession named by ``workItemId``, or raise 10012."""
    if not isinstance(value, str) or not WORK_ITEM_PATTERN.match(value):
        raise ApiError(10012, f"workItemId {value!r} is not a 15-character 0Mw id")
    session = call.state.session(value)
    if session is None:
        raise ApiError(10012, f"no MessagingSession {value}")
    if conversation_identifier and session.conversation_identifier != conversation_identifier:
        raise ApiError(10012, f"session {value} belongs to another conversation")
    return session


def conversation_for(call: Call, identifier: Any):
    conversation = call.state.conversation(identifier)
    if conversation is None:
        raise ApiError(10018, f"no conversation {identifier!r}")
    return conversation
