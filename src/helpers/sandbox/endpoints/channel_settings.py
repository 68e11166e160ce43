"""Channel settings: ``PATCH /consent`` and ``PATCH /capabilities``.

Consent can be set only on a channel whose consent owner is the partner and
whose keyword support is off, for an end user who already has a
conversation on that channel. Capabilities register what the partner's
channel can render; the sandbox keeps the last registration.
"""

from __future__ import annotations

from typing import Any

from helpers.sandbox.endpoints import (
    APP_TYPES,
    INVALID_PARAMETERS,
    MAX_IDENTIFIER_LENGTH,
    MESSAGE_TYPES,
    Call,
    check_format_type,
    choice,
    text,
)
from helpers.sandbox.endpoints.conversations import known_end_user
from helpers.preflight.common import CONSENT_STATUSES
from helpers.sandbox.responses import ApiError

INTEGRATION_TYPES = ("CustomChannelIntegration", "CustomBotIntegration")
CUSTOM_INTEGRATION_INVALID = 10050


def patch_consent(call: Call) -> tuple[int, dict[str, Any]]:
    body = call.body if isinstance(call.body, dict) else {}
    address = text(body, "channelAddressIdentifier", 10017, MAX_IDENTIFIER_LENGTH)
    end_user = text(body, "endUserClientId", 10020, MAX_IDENTIFIER_LENGTH)
    if body.get("consentStatus") is None:
        raise ApiError(10021, "consentStatus is missing")

    channel = call.channel(address)

    # Channel settings come before the end user: they reject any request.
    status = choice(body, "consentStatus", CONSENT_STATUSES, 10021)
    if channel.consent_owner != "Partner":
        raise ApiError(10022, f"channel {channel.name} has consent owner {channel.consent_owner}")
    if channel.supports_keywords:
        raise ApiError(10023, f"channel {channel.name} supports keywords")
    if not known_end_user(call, channel.name, channel.channel_address_identifier, end_user):
        raise ApiError(10020, f"end user {end_user!r} is not known on the channel")

    if call.state.find_conversation(channel.channel_address_identifier, end_user) is None:
        raise ApiError(10025, "no conversation for this channel and end user")

    call.validated()
    call.state.consent[(channel.channel_address_identifier, end_user)] = status
    return 200, {"success": True}


def patch_capabilities(call: Call) -> tuple[int, dict[str, Any]]:
    body = call.body if isinstance(call.body, dict) else {}
    invalid = call.later(INVALID_PARAMETERS)
    capabilities = body.get("capabilities")
    if not isinstance(capabilities, dict):
        raise ApiError(invalid, "capabilities is missing or not an object")
    app_type = capabilities.get("appType")
    if app_type not in APP_TYPES or app_type != "custom":
        raise ApiError(10037, f"appType {app_type!r}, expected custom")
    channel_capabilities = capabilities.get("channelCapabilities")
    if not isinstance(channel_capabilities, list) or not channel_capabilities:
        raise ApiError(invalid, "channelCapabilities is missing or empty")

    for item in channel_capabilities:
        if not isinstance(item, dict):
            raise ApiError(invalid, "a channel capability is not an object")
        choice(item, "channelType", ("custom",), invalid, required=False)
        _check_integration(call, item.get("customIntegration"))
        _check_message_types(invalid, item.get("messageTypeCapabilities"))

    call.validated()
    call.state.capabilities = capabilities
    return 200, {"success": True}


def _check_integration(call: Call, integration: Any) -> None:
    if integration is None:
        return
    if not isinstance(integration, dict):
        raise ApiError(CUSTOM_INTEGRATION_INVALID, "customIntegration is not an object")
    kind = choice(integration, "customIntegrationType", INTEGRATION_TYPES, 10050)
    namespace = text(integration, "integrationNamespace", CUSTOM_INTEGRATION_INVALID)
    # With no developer namespace, the namespace is the org id (15 or 18 characters).
    if namespace[:15] != call.fixture.org_id:
        raise ApiError(CUSTOM_INTEGRATION_INVALID, f"integrationNamespace {namespace!r}")
    if kind == "CustomChannelIntegration":
        name = text(
            integration, "conversationChannelDefinitionDevName", CUSTOM_INTEGRATION_INVALID
        )
        definition = call.fixture.definitions.get(name)
        if definition is None or definition.app != call.token.app:
            raise ApiError(CUSTOM_INTEGRATION_INVALID, f"no channel definition {name!r}")
    else:
        text(integration, "extConvParticipantIntegDefDevName", CUSTOM_INTEGRATION_INVALID)


def _check_message_types(invalid: int, capabilities: Any) -> None:
    if not isinstance(capabilities, list) or not capabilities:
        raise ApiError(invalid, "messageTypeCapabilities is missing or empty")
    for item in capabilities:
        message_type = item.get("messageType") if isinstance(item, dict) else None
        if message_type not in MESSAGE_TYPES:
            raise ApiError(10047, f"messageType {message_type!r} is unknown")
        formats = item.get("formatTypeCapabilities")
        if not isinstance(formats, list) or not formats:
            raise ApiError(10048, "formatTypeCapabilities is missing or empty")
        for entry in formats:
            format_type = entry.get("formatType") if isinstance(entry, dict) else None
            check_format_type(message_type, format_type)
