"""Preflight checks of the conversation endpoints: ``/conversation``,
``/acknowledgement``, ``/consent``, ``/capabilities``, ``/participant`` and
``/messagingSession``. Conversation history is in ``history``, the bot
endpoints in ``bot_entries``.
"""

from __future__ import annotations

from typing import Any

from helpers.preflight.common import (
    APP_TYPES,
    INVALID_PARAMETERS,
    CONSENT_STATUSES,
    FORMAT_TYPES,
    FORMAT_TYPES_BY_MESSAGE_TYPE,
    MESSAGE_TYPES,
    check_enum,
    check_epoch_ms,
    check_participant,
    check_required_string,
    describe,
    is_blank,
    join_path,
    profile_value,
    type_name,
)
from helpers.preflight.findings import FindingList
from helpers.preflight.routing import check_conversation_identifier

CHANNEL_FIX = (
    "Send the channel's ChannelAddressIdentifier (a GUID from the MessagingChannel "
    "record)."
)
ACK_TYPES = ("Delivered", "Read")
MAX_ACKNOWLEDGEMENTS = 25
INTEGRATION_TYPES = ("CustomChannelIntegration", "CustomBotIntegration")
SESSION_OPERATIONS = ("End", "Inactivate")
SESSION_OPERATION_BY = ("EndUser", "System")


def check_channel(
    out: FindingList, body: dict[str, Any], code: int, profile: Any
) -> None:
    """Check ``channelAddressIdentifier`` and compare it with the profile's."""
    value = check_required_string(out, body, "channelAddressIdentifier", "", code, CHANNEL_FIX)
    expected = profile_value(profile, "channel_address_identifier")
    if value and expected and value != expected:
        out.warning(
            10017,
            "channelAddressIdentifier",
            f"channelAddressIdentifier is {describe(value)} but the profile's channel "
            f"address identifier is {describe(expected)}.",
            "Send the profile's channel address identifier.",
        )


def participant_list(
    out: FindingList, body: dict[str, Any], key: str, code: int, example: str
) -> list[Any]:
    """Return the participant array ``body[key]``, reporting it when missing or empty."""
    items = body.get(key)
    fix = f"Send {key} as an array of one participant: {example}."
    if items is None or items == []:
        state = "missing" if items is None else "an empty array"
        out.error(code, key, f"{key} is {state}.", fix)
        return []
    if not isinstance(items, list):
        out.error(
            code,
            key,
            f"{key} is the {type_name(items)} {describe(items)}, not an array.",
            fix,
        )
        return []
    return items


END_USER_EXAMPLE = '{"appType": "custom", "role": "EndUser", "subject": <end-user id>}'


def check_conversation(out: FindingList, body: dict[str, Any], profile: Any) -> None:
    """Check the body of ``POST /conversation``."""
    check_channel(out, body, 10052, profile)
    items = participant_list(out, body, "participants", 10053, END_USER_EXAMPLE)
    if len(items) > 1:
        out.error(
            10053,
            "participants",
            f"participants has {len(items)} items; it takes exactly one, the end user.",
            "Send only the end-user participant.",
        )
    for index, participant in enumerate(items):
        check_participant(
            out,
            participant,
            f"participants[{index}]",
            app_types=("custom",),
            roles=("EndUser",),
            subject_code=10054,
            role_missing_code=10040,
            subject_missing_code=10041,
            api_name="POST /conversation",
        )
    from helpers.preflight.interactions import check_routing_attributes

    check_routing_attributes(out, body.get("routingAttributes"), "routingAttributes")


def check_acknowledgement(out: FindingList, body: dict[str, Any], profile: Any) -> None:
    """Check the body of ``POST /acknowledgement``."""
    check_conversation_identifier(out, body)
    sender = body.get("sender")
    if sender is None:
        out.error(
            10036,
            "sender",
            "sender is missing.",
            f"Add sender: {END_USER_EXAMPLE}.",
        )
    else:
        check_participant(
            out,
            sender,
            "sender",
            app_types=("custom",),
            roles=("EndUser",),
            subject_code=10036,
            api_name="an acknowledgement sender",
        )
    items = body.get("acknowledgements")
    fix = f"Send acknowledgements as an array of 1 to {MAX_ACKNOWLEDGEMENTS} receipts."
    if not isinstance(items, list) or not items:
        shown = "missing" if items is None else describe(items)
        out.error(INVALID_PARAMETERS, "acknowledgements", f"acknowledgements is {shown}.", fix)
        return
    if len(items) > MAX_ACKNOWLEDGEMENTS:
        out.error(
            INVALID_PARAMETERS,
            "acknowledgements",
            f"acknowledgements has {len(items)} items; the maximum is {MAX_ACKNOWLEDGEMENTS}.",
            "Split the receipts over several requests.",
        )
    for index, item in enumerate(items):
        _check_acknowledgement_item(out, item, f"acknowledgements[{index}]")


def _check_acknowledgement_item(out: FindingList, item: Any, path: str) -> None:
    item = item if isinstance(item, dict) else {}
    check_enum(out, item, "acknowledgementType", path, ACK_TYPES, INVALID_PARAMETERS)
    for key, fix in (
        (
            "acknowledgedConversationEntryIdentifier",
            "Send the identifier of the outbound entry being acknowledged.",
        ),
        (
            "acknowledgmentCreatedConversationEntryIdentifier",
            "Send a new UUID for the receipt entry (the field name is spelled "
            "'acknowledgment', without the second e).",
        ),
    ):
        field_path = join_path(path, key)
        if is_blank(item.get(key)):
            hint = ""
            if key.startswith("acknowledgment") and "acknowledgementCreatedConversationEntryIdentifier" in item:
                hint = " The request spells it 'acknowledgement...', with an e."
            out.error(INVALID_PARAMETERS, field_path, f"{field_path} is missing.{hint}", fix)
    stamp = item.get("acknowledgementTimestamp")
    if isinstance(stamp, str) and stamp.isdigit():
        stamp = int(stamp)
    check_epoch_ms(
        out,
        {"acknowledgementTimestamp": stamp},
        "acknowledgementTimestamp",
        path,
        INVALID_PARAMETERS,
    )


def check_consent(out: FindingList, body: dict[str, Any], profile: Any) -> None:
    """Check the body of ``PATCH /consent``."""
    check_channel(out, body, 10017, profile)
    check_required_string(
        out,
        body,
        "endUserClientId",
        "",
        10020,
        "Send the end user's client id, the same value sent as 'from' to /interactions.",
    )
    status = body.get("consentStatus")
    if status is None or status not in CONSENT_STATUSES:
        shown = "missing" if status is None else describe(status)
        hint = ""
        if isinstance(status, str):
            for candidate in CONSENT_STATUSES:
                if candidate.lower() == status.lower():
                    hint = f" The values are case-sensitive: use {candidate!r}."
        out.error(
            10021,
            "consentStatus",
            f"consentStatus is {shown}; it must be one of: {', '.join(CONSENT_STATUSES)}."
            f"{hint}",
            f"Set consentStatus to one of: {', '.join(CONSENT_STATUSES)}.",
        )


def check_capabilities(
    out: FindingList, body: dict[str, Any], profile: Any, context: str | None = None
) -> None:
    """Check the body of ``PATCH /capabilities``."""
    capabilities = body.get("capabilities")
    if not isinstance(capabilities, dict):
        out.error(
            INVALID_PARAMETERS,
            "capabilities",
            f"capabilities is {'missing' if capabilities is None else describe(capabilities)}.",
            'Send {"capabilities": {"appType": "custom", "channelCapabilities": [...]}}.',
        )
        return
    app_type = capabilities.get("appType")
    if app_type not in APP_TYPES:
        out.error(
            10037,
            "capabilities.appType",
            f"capabilities.appType is {'missing' if app_type is None else describe(app_type)}"
            "; it must be a known app type.",
            "Set capabilities.appType to custom.",
        )
    elif app_type != "custom":
        out.error(
            10037,
            "capabilities.appType",
            f"capabilities.appType is {app_type!r}; channels of your own use custom.",
            "Set capabilities.appType to custom.",
        )
    channels = capabilities.get("channelCapabilities")
    if not isinstance(channels, list) or not channels:
        out.error(
            INVALID_PARAMETERS,
            "capabilities.channelCapabilities",
            "capabilities.channelCapabilities is "
            f"{'missing' if channels is None else describe(channels)}; it needs at "
            "least one entry.",
            "Add one channel capability with customIntegration and messageTypeCapabilities.",
        )
        return
    for index, channel in enumerate(channels):
        path = f"capabilities.channelCapabilities[{index}]"
        channel = channel if isinstance(channel, dict) else {}
        check_enum(
            out, channel, "channelType", path, ("custom",), INVALID_PARAMETERS, required=False
        )
        _check_integration(out, channel.get("customIntegration"), path, context, profile)
        _check_message_capabilities(out, channel.get("messageTypeCapabilities"), path)


def _check_integration(
    out: FindingList, integration: Any, prefix: str, context: str | None, profile: Any
) -> None:
    path = join_path(prefix, "customIntegration")
    if integration is None:
        return
    if not isinstance(integration, dict):
        out.error(
            10050, path, f"{path} is {describe(integration)}, not an object.",
            "Send customIntegration as an object.",
        )
        return
    kind = check_enum(out, integration, "customIntegrationType", path, INTEGRATION_TYPES, 10050)
    namespace = integration.get("integrationNamespace")
    org_id = profile_value(profile, "org_id")
    if is_blank(namespace):
        out.error(
            10050,
            join_path(path, "integrationNamespace"),
            f"{path}.integrationNamespace is missing.",
            "Send your developer namespace, or the org id when you have none.",
        )
    elif org_id and isinstance(namespace, str) and namespace[:15] != org_id[:15]:
        out.warning(
            10050,
            join_path(path, "integrationNamespace"),
            f"{path}.integrationNamespace is {describe(namespace)}, which is not the "
            f"profile's org id {org_id}.",
            "Send your developer namespace, or the org id when you have none.",
        )
    if kind == "CustomChannelIntegration":
        name_key = "conversationChannelDefinitionDevName"
    elif kind == "CustomBotIntegration":
        name_key = "extConvParticipantIntegDefDevName"
    else:
        return
    name = integration.get(name_key)
    name_path = join_path(path, name_key)
    if is_blank(name):
        out.error(
            10050,
            name_path,
            f"{name_path} is missing; a {kind} needs it.",
            f"Send the developer name of the definition record in {name_key}.",
        )
    elif kind == "CustomChannelIntegration" and context and name != context:
        out.warning(
            10050,
            name_path,
            f"{name_path} is {describe(name)} but the AuthorizationContext header is "
            f"{describe(context)}.",
            "Register the capabilities of the channel definition you authenticate as.",
        )


def _check_message_capabilities(out: FindingList, items: Any, prefix: str) -> None:
    path = join_path(prefix, "messageTypeCapabilities")
    if not isinstance(items, list) or not items:
        out.error(
            INVALID_PARAMETERS,
            path,
            f"{path} is {'missing' if items is None else describe(items)}; it needs at "
            "least one entry.",
            'Add {"messageType": "StaticContentMessage", "formatTypeCapabilities": '
            '[{"formatType": "Text"}]}.',
        )
        return
    for index, item in enumerate(items):
        item_path = f"{path}[{index}]"
        item = item if isinstance(item, dict) else {}
        message_type = check_enum(out, item, "messageType", item_path, MESSAGE_TYPES, 10047)
        formats = item.get("formatTypeCapabilities")
        if not isinstance(formats, list) or not formats:
            out.error(
                10048,
                f"{item_path}.formatTypeCapabilities",
                f"{item_path}.formatTypeCapabilities is "
                f"{'missing' if formats is None else describe(formats)}; it needs at "
                "least one format type.",
                'Add [{"formatType": "Text"}] or the formats your channel renders.',
            )
            continue
        for position, entry in enumerate(formats):
            entry_path = f"{item_path}.formatTypeCapabilities[{position}]"
            entry = entry if isinstance(entry, dict) else {}
            format_type = check_enum(out, entry, "formatType", entry_path, FORMAT_TYPES, 10048)
            allowed = FORMAT_TYPES_BY_MESSAGE_TYPE.get(message_type or "")
            if format_type and allowed is not None and format_type not in allowed:
                out.error(
                    10049,
                    f"{entry_path}.formatType",
                    f"messageType {message_type} does not go with formatType {format_type}.",
                    f"For {message_type} use a formatType among: {', '.join(sorted(allowed))}.",
                )


def check_participant_operation(out: FindingList, body: dict[str, Any], profile: Any) -> None:
    """Check the body of ``POST /participant``."""
    check_conversation_identifier(out, body)
    operation = body.get("operation")
    if operation != "Remove":
        out.error(
            10097,
            "operation",
            f"operation is {'missing' if operation is None else describe(operation)}; "
            "the only operation is Remove.",
            "Set operation to Remove.",
        )
    example = '{"appType": "agent", "role": "Agent", "subject": <15-character user id>}'
    items = participant_list(out, body, "participants", 10039, example)
    if len(items) > 1:
        out.error(
            INVALID_PARAMETERS,
            "participants",
            f"participants has {len(items)} items; it takes exactly one rep.",
            "Remove one rep per request.",
        )
    for index, participant in enumerate(items):
        path = f"participants[{index}]"
        check_participant(
            out,
            participant,
            path,
            app_types=("agent",),
            roles=("Agent",),
            subject_code=10036,
            api_name="POST /participant",
        )
        subject = participant.get("subject") if isinstance(participant, dict) else None
        if isinstance(subject, str) and subject and not (
            len(subject) == 15 and subject.startswith("005")
        ):
            out.warning(
                10036,
                f"{path}.subject",
                f"{path}.subject is {describe(subject)}; a rep is named by a "
                "15-character user id starting with 005.",
                "Send the rep's 15-character user id.",
            )


def check_messaging_session(out: FindingList, body: dict[str, Any], profile: Any) -> None:
    """Check the body of ``POST /messagingSession``."""
    check_channel(out, body, 10017, profile)
    check_conversation_identifier(out, body)
    check_required_string(
        out,
        body,
        "endUserClientId",
        "",
        10020,
        "Send the end user's client id, the same value sent as 'from' to /interactions.",
    )
    operation = check_enum(out, body, "operation", "", SESSION_OPERATIONS, 10102)
    check_enum(out, body, "operationBy", "", SESSION_OPERATION_BY, 10103, required=False)
    if operation == "Inactivate" and is_blank(body.get("sessionId")):
        out.error(
            10106,
            "sessionId",
            "operation is Inactivate but sessionId is missing.",
            "Send the MessagingSession id in sessionId.",
        )
