"""Preflight checks of the Bring Your Own Bot endpoints:
``POST /conversationEntry`` (a bot's message) and ``GET /conversationEntry``
(a page of a conversation's entries).
"""

from __future__ import annotations

from typing import Any

from helpers.preflight.common import (
    check_enum,
    check_epoch_ms,
    check_message,
    check_participant,
    describe,
    is_int,
)
from helpers.preflight.findings import FindingList
from helpers.preflight.routing import check_conversation_identifier

ENTRY_DIRECTIONS = ("FROM_START", "FROM_END")
BOT_ENTRY_TYPES = ("Message", "TypingStartedIndicator", "TypingStoppedIndicator")


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
