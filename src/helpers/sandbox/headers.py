"""Header and token checks of every API request: steps 1 to 3 of the check order.

1. Custom headers present and well formed: ``Content-Type`` for a body,
   ``OrgId`` (15 or 18 characters, ``00D`` prefix), ``RequestId`` (a UUID),
   ``AuthorizationContext``, and ``AuthorizationContextType`` where the
   endpoint requires it or the caller sends it on an endpoint that accepts
   it. Any failure is 10016.
2. ``Authorization: Bearer <token>`` names a known, unexpired token (10004)
   with the ``interaction_api`` scope (10003) for the org in ``OrgId``
   (``Settings.org_mismatch_code``).
3. ``AuthorizationContext`` names a channel definition of the token's
   connected app (10005).

HTTP header names are case-insensitive; Werkzeug's ``Headers`` compares
them that way.
"""

from __future__ import annotations

import datetime as dt
import re

from werkzeug.datastructures import Headers

from helpers.sandbox.endpoints import is_uuid
from helpers.sandbox.fixture import ChannelDefinition, Fixture, Token
from helpers.sandbox.responses import ApiError
from helpers.sandbox.settings import Settings
from helpers.sandbox.state import SandboxState

REQUIRED_SCOPE = "interaction_api"
CONTEXT_TYPES = (
    "ConversationChannelDefinition",
    "EmbeddedMessagingChannel",
    "ExternalConversationParticipant",
)
# (method, endpoint) pairs where AuthorizationContextType is required, and
# where it is optional but checked when sent. Elsewhere it is ignored.
CONTEXT_TYPE_REQUIRED = frozenset({("POST", "conversationHistory"), ("PATCH", "agentWork")})
CONTEXT_TYPE_OPTIONAL = frozenset({("POST", "route"), ("PATCH", "capabilities")})

ORG_ID_15 = re.compile(r"^00D[A-Za-z0-9]{12}$")
ORG_ID_18 = re.compile(r"^00D[A-Za-z0-9]{15}$")
HEADER_INVALID = 10016


def check_headers(
    headers: Headers, method: str, endpoint: str, settings: Settings
) -> str:
    """Run step 1 and return the ``OrgId`` header value."""
    _check_content_type(headers, endpoint)
    org_id = _required(headers, "OrgId")
    if not (ORG_ID_15.match(org_id) or (not settings.strict_org_id_15 and ORG_ID_18.match(org_id))):
        raise ApiError(HEADER_INVALID, f"OrgId {org_id!r} is not a 15- or 18-character org id")
    if not is_uuid(_required(headers, "RequestId")):
        raise ApiError(HEADER_INVALID, "RequestId is not a UUID")
    _required(headers, "AuthorizationContext")
    _check_context_type(headers, method, endpoint, settings)
    return org_id


def _required(headers: Headers, name: str) -> str:
    value = headers.get(name)
    if value is None or not value.strip():
        raise ApiError(HEADER_INVALID, f"header {name} is missing or blank")
    return value.strip()


def _check_content_type(headers: Headers, endpoint: str) -> None:
    content_type = (headers.get("Content-Type") or "").split(";", 1)[0].strip().lower()
    expected = "multipart/form-data" if endpoint == "interactions" else "application/json"
    if content_type != expected:
        raise ApiError(
            HEADER_INVALID, f"Content-Type {content_type or 'missing'}, expected {expected}"
        )


def _check_context_type(headers: Headers, method: str, endpoint: str, settings: Settings):
    key = (method, endpoint)
    value = headers.get("AuthorizationContextType")
    if key in CONTEXT_TYPE_REQUIRED:
        value = _required(headers, "AuthorizationContextType")
    elif key not in CONTEXT_TYPE_OPTIONAL or value is None:
        return
    value = value.strip()
    if settings.context_type_case_sensitive:
        valid = value in CONTEXT_TYPES
    else:
        valid = value.lower() in {t.lower() for t in CONTEXT_TYPES}
    if not valid:
        raise ApiError(HEADER_INVALID, f"AuthorizationContextType {value!r} is not valid")


def authenticate(
    headers: Headers,
    org_id: str,
    fixture: Fixture,
    state: SandboxState,
    settings: Settings,
) -> tuple[Token, ChannelDefinition]:
    """Run steps 2 and 3: return the token and the channel definition it may use."""
    scheme, _, credential = (headers.get("Authorization") or "").strip().partition(" ")
    credential = credential.strip()
    if scheme.lower() != "bearer" or not credential:
        raise ApiError(10004, "Authorization is not 'Bearer <token>'")
    token = fixture.token_by_value(credential) or state.issued_token(credential)
    if token is None:
        raise ApiError(10004, "unknown token")
    if token.expired(dt.datetime.now(dt.timezone.utc)):
        raise ApiError(10004, f"token {token.name} expired at {token.expires_at.isoformat()}")
    if REQUIRED_SCOPE not in token.scopes:
        raise ApiError(10003, f"token {token.name} lacks the {REQUIRED_SCOPE} scope")
    if token.org_id[:15] != org_id[:15]:
        raise ApiError(settings.org_mismatch_code, f"token is for org {token.org_id}")

    name = headers.get("AuthorizationContext", "").strip()
    definition = fixture.definitions.get(name)
    if definition is None or definition.app != token.app:
        raise ApiError(10005, f"AuthorizationContext {name!r} is not a definition of {token.app}")
    return token, definition
