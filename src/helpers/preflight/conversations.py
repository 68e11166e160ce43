"""Preflight checks of the conversation endpoints: ``/conversation``,
``/acknowledgement``, ``/consent``, ``/capabilities``, ``/participant``,
``/messagingSession``, ``/conversationHistory`` and ``/conversationEntry``.
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
    ROLES,
    check_enum,
    check_epoch_ms,
    check_message,
    check_participant,
    check_required_string,
    describe,
    is_blank,
    is_int,
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
HISTORY_MAX_AGE_MS = 24 * 3600 * 1000
# Clocks differ between client and service; a timestamp this far ahead is
# still taken as "now".
CLOCK_SKEW_MS = 300 * 1000
HISTORY_APP_TYPES = ("custom", "chatbot", "iamessage")
HISTORY_MAX_ENTRIES = 25
HISTORY_DOCUMENTED_ENTRIES = 5
HISTORY_MAX_PARTICIPANTS = 3
ACK_TYPES = ("Delivered", "Read")
MAX_ACKNOWLEDGEMENTS = 25
INTEGRATION_TYPES = ("CustomChannelIntegration", "CustomBotIntegration")
SESSION_OPERATIONS = ("End", "Inactivate")
SESSION_OPERATION_BY = ("EndUser", "System")
SESSION_REQUEST_TYPES = ("EstablishMessagingSession", "AttachMessagingSession")
ENTRY_DIRECTIONS = ("FROM_START", "FROM_END")
BOT_ENTRY_TYPES = ("Message", "TypingStartedIndicator", "TypingStoppedIndicator")


def _check_channel(
    out: FindingList, body: dict[str, Any], code: int, profile: Any
) -> None:
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


def _participant_list(
    out: FindingList, body: dict[str, Any], key: str, code: int, example: str
) -> list[Any]:
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
    _check_channel(out, body, 10052, profile)
    items = _participant_list(out, body, "participants", 10053, END_USER_EXAMPLE)
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
    _check_channel(out, body, 10017, profile)
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
    items = _participant_list(out, body, "participants", 10039, example)
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
    _check_channel(out, body, 10017, profile)
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


def check_conversation_history(
    out: FindingList, body: dict[str, Any], profile: Any, now_ms: int
) -> None:
    """Check the body of ``POST /conversationHistory`` against the time ``now_ms``."""
    _check_channel(out, body, 10017, profile)
    subjects = _check_history_participants(out, body)
    entries = body.get("conversationEntries")
    fix = "Send conversationEntries as an array of 1 to 25 entries."
    if not isinstance(entries, list) or not entries:
        shown = "missing" if entries is None else describe(entries)
        out.error(10045, "conversationEntries", f"conversationEntries is {shown}.", fix)
        entries = []
    elif len(entries) > HISTORY_MAX_ENTRIES:
        out.error(
            10045,
            "conversationEntries",
            f"conversationEntries has {len(entries)} items; the maximum is "
            f"{HISTORY_MAX_ENTRIES}.",
            "Split the history over several requests.",
        )
    elif len(entries) > HISTORY_DOCUMENTED_ENTRIES:
        out.warning(
            None,
            "conversationEntries",
            f"conversationEntries has {len(entries)} items; the API description "
            f"allows {HISTORY_MAX_ENTRIES} but the reference page says up to "
            f"{HISTORY_DOCUMENTED_ENTRIES}.",
            f"Send at most {HISTORY_DOCUMENTED_ENTRIES} entries per request if the org "
            "rejects more.",
        )
    for index, entry in enumerate(entries):
        _check_history_entry(out, entry, f"conversationEntries[{index}]", subjects, now_ms)
    _check_session(out, body.get("messagingSession"))


def _check_history_participants(out: FindingList, body: dict[str, Any]) -> dict[str, str]:
    example = (
        '{"participant": {"appType": "custom", "role": "EndUser", "subject": ...}, '
        '"joinedTime": <epoch ms>}'
    )
    items = _participant_list(out, body, "conversationParticipants", 10039, example)
    if len(items) > HISTORY_MAX_PARTICIPANTS:
        out.error(
            INVALID_PARAMETERS,
            "conversationParticipants",
            f"conversationParticipants has {len(items)} items; the maximum is "
            f"{HISTORY_MAX_PARTICIPANTS}.",
            "Send the end user and at most two bots.",
        )
    subjects: dict[str, str] = {}
    end_users = 0
    for index, item in enumerate(items):
        path = f"conversationParticipants[{index}]"
        item = item if isinstance(item, dict) else {}
        participant = item.get("participant")
        participant_path = f"{path}.participant"
        if not isinstance(participant, dict):
            out.error(
                10039,
                participant_path,
                f"{participant_path} is {'missing' if participant is None else describe(participant)}.",
                f"Send each participant as {example}.",
            )
            continue
        role = _check_history_role(out, participant, participant_path)
        app_type = participant.get("appType")
        if app_type not in HISTORY_APP_TYPES:
            out.error(
                10037,
                f"{participant_path}.appType",
                f"{participant_path}.appType is "
                f"{'missing' if app_type is None else describe(app_type)}; history "
                f"takes {', '.join(HISTORY_APP_TYPES)}.",
                "Use custom (or iamessage for Messaging for Web) for the end user and "
                "chatbot for bots.",
            )
        subject = participant.get("subject")
        if is_blank(subject):
            out.error(
                10041,
                f"{participant_path}.subject",
                f"{participant_path}.subject is {'missing' if subject is None else 'blank'}.",
                "Set subject to the participant's id (the end-user client id for the end user).",
            )
        elif isinstance(subject, str) and role:
            subjects[subject] = role
        if role == "EndUser":
            end_users += 1
        _check_participation_times(out, item, path, role)
    if items and end_users == 0:
        out.error(
            10042,
            "conversationParticipants",
            "No participant has the role EndUser.",
            "Include the end user as one participant with role EndUser.",
        )
    elif end_users > 1:
        out.error(
            10044,
            "conversationParticipants",
            f"{end_users} participants have the role EndUser; only one may.",
            "Keep one EndUser participant.",
        )
    return subjects


def _check_history_role(out: FindingList, participant: dict[str, Any], path: str) -> str | None:
    role_path = f"{path}.role"
    role = participant.get("role")
    if is_blank(role):
        out.error(
            10040,
            role_path,
            f"{role_path} is {'missing' if role is None else 'blank'}.",
            "Set role to EndUser or Chatbot.",
        )
        return None
    if role not in ROLES:
        out.error(
            10038,
            role_path,
            f"{role_path} is {describe(role)}, not a known role ({', '.join(ROLES)}).",
            "Set role to EndUser or Chatbot.",
        )
        return None
    if role not in ("EndUser", "Chatbot"):
        out.error(
            10043,
            role_path,
            f"{role_path} is {role}; conversation history takes only EndUser and Chatbot.",
            "Set role to EndUser or Chatbot.",
        )
    return role


def _check_participation_times(
    out: FindingList, item: dict[str, Any], path: str, role: str | None
) -> None:
    joined = check_epoch_ms(out, item, "joinedTime", path, 10078)
    left = check_epoch_ms(out, item, "leftTime", path, None, required=False)
    if role == "EndUser" and item.get("leftTime") is not None:
        out.warning(
            10065,
            f"{path}.leftTime",
            "The EndUser participant has a leftTime; newer orgs reject it.",
            "Drop leftTime from the end user.",
        )
    if joined is not None and left is not None and joined >= left:
        out.error(
            10067,
            f"{path}.joinedTime",
            f"joinedTime {joined} is not before leftTime {left}.",
            "Set joinedTime earlier than leftTime.",
        )


def _check_history_entry(
    out: FindingList, entry: Any, path: str, subjects: dict[str, str], now_ms: int
) -> None:
    if not isinstance(entry, dict):
        out.error(
            10045,
            path,
            f"{path} is the {type_name(entry)} {describe(entry)}, not an object.",
            "Send each entry as {clientTimestamp, sender, entryPayload}.",
        )
        return
    stamp = check_epoch_ms(out, entry, "clientTimestamp", path, 10045)
    if stamp is not None:
        _check_history_time(out, stamp, f"{path}.clientTimestamp", now_ms)
    sender = entry.get("sender")
    if not isinstance(sender, dict):
        out.error(
            10045,
            f"{path}.sender",
            f"{path}.sender is {'missing' if sender is None else describe(sender)}.",
            "Send the participant who wrote the entry as sender.",
        )
    else:
        _check_history_sender(out, sender, f"{path}.sender", subjects)
    payload = entry.get("entryPayload")
    payload_path = f"{path}.entryPayload"
    if not isinstance(payload, dict):
        out.error(
            10045,
            payload_path,
            f"{payload_path} is {'missing' if payload is None else describe(payload)}.",
            "Send the entry as entryPayload with id, entryType and abstractMessage.",
        )
        return
    if payload.get("entryType", "Message") != "Message":
        out.error(
            10045,
            f"{payload_path}.entryType",
            f"{payload_path}.entryType is {describe(payload.get('entryType'))}; history "
            "entries are messages.",
            "Set entryType to Message.",
        )
        return
    check_message(out, payload, payload_path, end_user=False, missing_code=10045)


def _check_history_sender(
    out: FindingList, sender: dict[str, Any], path: str, subjects: dict[str, str]
) -> None:
    role = sender.get("role")
    app_type = sender.get("appType")
    subject = sender.get("subject")
    if role not in ROLES:
        out.error(
            10038,
            f"{path}.role",
            f"{path}.role is {'missing' if role is None else describe(role)}, not a known role.",
            "Set the sender's role to the role it has in conversationParticipants.",
        )
    if app_type not in APP_TYPES:
        out.error(
            10037,
            f"{path}.appType",
            f"{path}.appType is {'missing' if app_type is None else describe(app_type)}, "
            "not a known app type.",
            "Set the sender's appType to the one it has in conversationParticipants.",
        )
    if subjects and role in ROLES and subjects.get(str(subject)) != role:
        out.error(
            10036,
            path,
            f"The sender {describe(subject)} with role {role} is not among "
            "conversationParticipants.",
            "Send entries only from listed participants, with the same subject and role.",
        )


def _check_history_time(out: FindingList, stamp: int, path: str, now_ms: int) -> None:
    age_ms = now_ms - stamp
    if age_ms > HISTORY_MAX_AGE_MS:
        out.error(
            10046,
            path,
            f"{path} is {stamp}, {age_ms / 3600000:.1f} hours before now; history "
            "entries must be less than 24 hours old.",
            "Send only entries from the last 24 hours.",
        )
    elif age_ms < -CLOCK_SKEW_MS:
        out.error(
            10046,
            path,
            f"{path} is {stamp}, {-age_ms / 1000:.0f} seconds in the future.",
            "Use the time the message was sent, in epoch milliseconds (check the clock "
            "and the unit).",
        )


def _check_session(out: FindingList, session: Any) -> None:
    if session is None:
        return
    if not isinstance(session, dict):
        out.error(
            None, "messagingSession", f"messagingSession is {describe(session)}, not an object.",
            "Send messagingSession as an object or leave it out.",
        )
        return
    kind = check_enum(
        out,
        session,
        "messagingSessionRequestType",
        "messagingSession",
        SESSION_REQUEST_TYPES,
        INVALID_PARAMETERS,
    )
    payload = session.get("payload")
    payload = payload if isinstance(payload, dict) else {}
    if kind == "EstablishMessagingSession":
        check_epoch_ms(out, payload, "startTime", "messagingSession.payload", 10061)
    elif kind == "AttachMessagingSession" and is_blank(payload.get("sessionId")):
        out.error(
            10071,
            "messagingSession.payload.sessionId",
            "AttachMessagingSession needs payload.sessionId, and it is missing.",
            "Send the messagingSessionId returned by the first history call.",
        )


def check_post_conversation_entry(out: FindingList, body: dict[str, Any], profile: Any) -> None:
    """Check the body of ``POST /conversationEntry`` (Bring Your Own Bot)."""
    check_conversation_identifier(out, body)
    sender = body.get("sender")
    if sender is not None:
        check_participant(
            out,
            sender,
            "sender",
            app_types=("chatbot",),
            roles=("Chatbot",),
            subject_code=None,
            api_name="a bot's conversation entry",
        )
    entries = body.get("conversationEntries")
    if not isinstance(entries, list) or len(entries) != 1:
        count = len(entries) if isinstance(entries, list) else describe(entries)
        out.error(
            None,
            "conversationEntries",
            f"conversationEntries is {count}; it takes exactly one entry.",
            "Send one entry with clientTimestamp and entryPayload.",
        )
        return
    entry = entries[0] if isinstance(entries[0], dict) else {}
    check_epoch_ms(out, entry, "clientTimestamp", "conversationEntries[0]", None)
    payload = entry.get("entryPayload")
    path = "conversationEntries[0].entryPayload"
    if not isinstance(payload, dict):
        out.error(None, path, f"{path} is missing.", "Add entryPayload with id and entryType.")
        return
    entry_type = check_enum(out, payload, "entryType", path, BOT_ENTRY_TYPES, None)
    if entry_type == "Message":
        check_message(out, payload, path, end_user=False, missing_code=None)


def check_get_conversation_entry(out: FindingList, body: dict[str, Any], profile: Any) -> None:
    """Check the body of ``GET /conversationEntry`` (Bring Your Own Bot)."""
    check_conversation_identifier(out, body)
    start = check_epoch_ms(out, body, "startTime", "", 10090)
    end = check_epoch_ms(out, body, "endTime", "", 10091, required=False)
    if start is not None and end is not None and end <= start:
        out.error(
            10091,
            "endTime",
            f"endTime {end} is not after startTime {start}.",
            "Set endTime later than startTime.",
        )
    limit = body.get("limit")
    if limit is not None and (not is_int(limit) or not 0 <= limit <= 20):
        out.error(
            10092,
            "limit",
            f"limit is {describe(limit)}; it must be an integer from 0 to 20.",
            "Set limit between 0 and 20.",
        )
    check_enum(out, body, "direction", "", ENTRY_DIRECTIONS, None, required=False)
