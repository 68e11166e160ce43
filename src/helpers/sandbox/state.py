"""In-memory state of the sandbox: conversations, sessions, routing and work.

Everything a request changes lives in one ``SandboxState`` guarded by one
re-entrant lock. The app takes the lock for the whole check-and-apply phase
of a request, so two clients never see a half-made conversation. Ids follow
Salesforce's shapes: 15 characters with the object's key prefix (``0Mw``
MessagingSession, ``0Bz`` AgentWork, ``0JR`` PendingServiceRouting) and UUIDs
for conversation identifiers. Attachments are stored as size and SHA-256,
never as bytes, and per-conversation entry lists are bounded.
"""

from __future__ import annotations

import collections
import datetime as dt
import threading
import uuid
from dataclasses import asdict, dataclass, field
from typing import Any

from helpers.sandbox.fixture import Token

# Entries and attachments kept per conversation; older ones are dropped and
# only counted, so a long-running sandbox keeps bounded memory.
MAX_ENTRIES_PER_CONVERSATION = 200
MAX_ATTACHMENTS_PER_CONVERSATION = 100
MAX_REQUEST_IDS_REMEMBERED = 10_000

SESSION_PREFIX = "0Mw"
AGENT_WORK_PREFIX = "0Bz"
PSR_PREFIX = "0JR"


def utc_now() -> str:
    return dt.datetime.now(dt.timezone.utc).isoformat(timespec="milliseconds")


@dataclass
class Participant:
    subject: str
    role: str
    app_type: str
    joined_at: str = field(default_factory=utc_now)


@dataclass
class Conversation:
    identifier: str
    channel_address_identifier: str
    channel_name: str
    end_user_client_id: str
    session_id: str
    created_at: str = field(default_factory=utc_now)
    participants: list[Participant] = field(default_factory=list)
    entries: collections.deque = field(
        default_factory=lambda: collections.deque(maxlen=MAX_ENTRIES_PER_CONVERSATION)
    )
    entry_count: int = 0
    attachments: collections.deque = field(
        default_factory=lambda: collections.deque(maxlen=MAX_ATTACHMENTS_PER_CONVERSATION)
    )
    attachment_count: int = 0
    acknowledgements: int = 0

    def has_participant(self, subject: str, role: str | None = None) -> bool:
        return any(
            p.subject == subject and (role is None or p.role == role)
            for p in self.participants
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "conversationIdentifier": self.identifier,
            "channelAddressIdentifier": self.channel_address_identifier,
            "channel": self.channel_name,
            "endUserClientId": self.end_user_client_id,
            "messagingSessionId": self.session_id,
            "createdAt": self.created_at,
            "participants": [asdict(p) for p in self.participants],
            "entryCount": self.entry_count,
            "entries": list(self.entries),
            "attachmentCount": self.attachment_count,
            "attachments": list(self.attachments),
            "acknowledgements": self.acknowledgements,
        }


@dataclass
class MessagingSession:
    id: str
    conversation_identifier: str
    status: str = "Active"
    created_at: str = field(default_factory=utc_now)
    ended_by: str | None = None


@dataclass
class RoutingRequest:
    psr_id: str
    conversation_identifier: str
    work_item_id: str
    routing_type: str
    routing_correlation_id: str
    routing_info: dict[str, Any] | None
    status: str = "Pending"
    created_at: str = field(default_factory=utc_now)


@dataclass
class AgentWork:
    id: str
    user_id: str
    work_item_id: str
    psr_id: str | None
    capacity_weight: float | None
    capacity_percentage: float | None
    routing_context: dict[str, Any] | None
    status: str = "Assigned"
    created_at: str = field(default_factory=utc_now)


class SandboxState:
    """All mutable state of one sandbox, guarded by ``lock``.

    Callers take ``lock`` around a read-check-write sequence; each method
    also takes it, so single calls are safe on their own.
    """

    def __init__(self, org_id: str) -> None:
        self.org_id = org_id
        self.lock = threading.RLock()
        self.reset()

    def reset(self) -> None:
        """Drop every conversation, session, routing request, work and issued token."""
        with self.lock:
            self.conversations: dict[str, Conversation] = {}
            self.by_channel_user: dict[tuple[str, str], str] = {}
            self.sessions: dict[str, MessagingSession] = {}
            self.routing_requests: dict[str, RoutingRequest] = {}
            self.agent_works: dict[str, AgentWork] = {}
            self.routing_results: list[dict[str, Any]] = []
            self.consent: dict[tuple[str, str], str] = {}
            self.capabilities: dict[str, Any] | None = None
            self.history_imports = 0
            self.issued_tokens: dict[str, Token] = {}
            self.request_ids: collections.OrderedDict[str, None] = collections.OrderedDict()
            self.counters: collections.Counter[str] = collections.Counter()

    # ids -----------------------------------------------------------------

    def new_id(self, prefix: str) -> str:
        """Return the next 15-character id with ``prefix``, such as ``0MwSBX000000001``."""
        with self.lock:
            self.counters[prefix] += 1
            return f"{prefix}SBX{self.counters[prefix]:09d}"

    def remember_request_id(self, request_id: str) -> bool:
        """Record ``request_id``; return False when it was seen before."""
        with self.lock:
            key = request_id.lower()
            if key in self.request_ids:
                return False
            self.request_ids[key] = None
            if len(self.request_ids) > MAX_REQUEST_IDS_REMEMBERED:
                self.request_ids.popitem(last=False)
            return True

    # conversations and sessions -------------------------------------------

    def find_conversation(self, channel_address: str, end_user: str) -> Conversation | None:
        with self.lock:
            identifier = self.by_channel_user.get((channel_address, end_user))
            return self.conversations.get(identifier) if identifier else None

    def known_end_user(self, channel_address: str, end_user: str) -> bool:
        with self.lock:
            return (channel_address, end_user) in self.by_channel_user

    def conversation_or_create(
        self, channel_address: str, channel_name: str, end_user: str
    ) -> tuple[Conversation, bool]:
        """Return the conversation of (channel, end user), creating it if needed.

        A conversation whose session has ended gets a new active session.
        """
        with self.lock:
            conversation = self.find_conversation(channel_address, end_user)
            if conversation is not None:
                self.active_session(conversation)
                return conversation, False
            session_id = self.new_id(SESSION_PREFIX)
            conversation = Conversation(
                identifier=str(uuid.uuid4()),
                channel_address_identifier=channel_address,
                channel_name=channel_name,
                end_user_client_id=end_user,
                session_id=session_id,
            )
            conversation.participants.append(Participant(end_user, "EndUser", "custom"))
            self.conversations[conversation.identifier] = conversation
            self.by_channel_user[(channel_address, end_user)] = conversation.identifier
            self.sessions[session_id] = MessagingSession(session_id, conversation.identifier)
            return conversation, True

    def active_session(self, conversation: Conversation) -> MessagingSession:
        """Return the conversation's session, starting a new one if it ended."""
        with self.lock:
            session = self.sessions[conversation.session_id]
            if session.status == "Active":
                return session
            session_id = self.new_id(SESSION_PREFIX)
            session = MessagingSession(session_id, conversation.identifier)
            self.sessions[session_id] = session
            conversation.session_id = session_id
            return session

    def conversation(self, identifier: Any) -> Conversation | None:
        if not isinstance(identifier, str):
            return None
        with self.lock:
            return self.conversations.get(identifier)

    def session(self, session_id: Any) -> MessagingSession | None:
        if not isinstance(session_id, str):
            return None
        with self.lock:
            return self.sessions.get(session_id)

    def add_entry(self, conversation: Conversation, entry: dict[str, Any]) -> None:
        with self.lock:
            conversation.entries.append({**entry, "receivedAt": utc_now()})
            conversation.entry_count += 1

    def add_attachment(self, conversation: Conversation, attachment: dict[str, Any]) -> None:
        with self.lock:
            conversation.attachments.append(attachment)
            conversation.attachment_count += 1

    # routing and work -----------------------------------------------------

    def pending_routing(self, work_item_id: str) -> RoutingRequest | None:
        with self.lock:
            for request in reversed(list(self.routing_requests.values())):
                if request.work_item_id == work_item_id and request.status == "Pending":
                    return request
            return None

    def add_routing_request(self, request: RoutingRequest) -> None:
        with self.lock:
            self.routing_requests[request.psr_id] = request

    def add_agent_work(self, work: AgentWork) -> None:
        with self.lock:
            self.agent_works[work.id] = work

    # tokens ---------------------------------------------------------------

    def add_token(self, token: Token) -> None:
        with self.lock:
            self.issued_tokens[token.value] = token

    def issued_token(self, value: str) -> Token | None:
        with self.lock:
            return self.issued_tokens.get(value)

    # snapshot -------------------------------------------------------------

    def snapshot(self) -> dict[str, Any]:
        """Return the whole state as JSON-ready data, with counts first."""
        with self.lock:
            sessions = list(self.sessions.values())
            return {
                "counts": {
                    "conversations": len(self.conversations),
                    "messaging_sessions": len(sessions),
                    "active_sessions": sum(s.status == "Active" for s in sessions),
                    "entries": sum(c.entry_count for c in self.conversations.values()),
                    "attachments": sum(
                        c.attachment_count for c in self.conversations.values()
                    ),
                    "routing_requests": len(self.routing_requests),
                    "agent_works": len(self.agent_works),
                    "routing_results": len(self.routing_results),
                    "consent_records": len(self.consent),
                    "history_imports": self.history_imports,
                    "issued_tokens": len(self.issued_tokens),
                },
                "conversations": [c.to_dict() for c in self.conversations.values()],
                "messaging_sessions": [asdict(s) for s in sessions],
                "routing_requests": [asdict(r) for r in self.routing_requests.values()],
                "agent_works": [asdict(w) for w in self.agent_works.values()],
                "routing_results": list(self.routing_results),
                "consent": [
                    {"channelAddressIdentifier": c, "endUserClientId": u, "consentStatus": s}
                    for (c, u), s in self.consent.items()
                ],
                "capabilities": self.capabilities,
            }
