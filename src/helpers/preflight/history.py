"""Preflight checks of ``POST /conversationHistory``: importing past entries.

History takes one to three participants (exactly one end user, the others
bots), entries from the last 24 hours, and optionally a messaging session to
establish or attach to.
"""

from __future__ import annotations

from typing import Any

from helpers.preflight.common import (
    APP_TYPES,
    INVALID_PARAMETERS,
    ROLES,
    check_enum,
    check_epoch_ms,
    check_message,
    describe,
    is_blank,
    type_name,
)
from helpers.preflight.conversations import check_channel, participant_list
from helpers.preflight.findings import FindingList

HISTORY_MAX_AGE_MS = 24 * 3600 * 1000
# Clocks differ between client and service; a timestamp this far ahead is
# still taken as "now".
CLOCK_SKEW_MS = 300 * 1000
HISTORY_APP_TYPES = ("custom", "chatbot", "iamessage")
HISTORY_MAX_ENTRIES = 25
HISTORY_DOCUMENTED_ENTRIES = 5
HISTORY_MAX_PARTICIPANTS = 3
SESSION_REQUEST_TYPES = ("EstablishMessagingSession", "AttachMessagingSession")


def check_conversation_history(
    out: FindingList, body: dict[str, Any], profile: Any, now_ms: int
) -> None:
    """Check the body of ``POST /conversationHistory`` against the time ``now_ms``."""
    check_channel(out, body, 10017, profile)
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
    items = participant_list(out, body, "conversationParticipants", 10039, example)
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
