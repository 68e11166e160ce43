"""Preflight checks of the request line and headers, common to every endpoint.

Header names are matched case-insensitively, as HTTP does. A header value that
is a shell variable (``$ISAPI_TOKEN`` or ``${ORG_ID}``, as in an imported curl
command) is taken as filled in later and not checked for format.
"""

from __future__ import annotations

import re
import string
from typing import Any

from helpers.model import API_PREFIX, ApiRequest
from helpers.preflight.common import UUID_PATTERN, describe, profile_value
from helpers.preflight.findings import FindingList
from helpers.secrets import token_placeholder

# (method, endpoint) -> whether AuthorizationContextType is "required",
# "optional" or "unused", and the body's content type.
ENDPOINTS: dict[tuple[str, str], tuple[str, str]] = {
    ("POST", "interactions"): ("unused", "multipart"),
    ("POST", "conversation"): ("unused", "json"),
    ("POST", "acknowledgement"): ("unused", "json"),
    ("POST", "route"): ("optional", "json"),
    ("DELETE", "route"): ("unused", "json"),
    ("POST", "routingResult"): ("unused", "json"),
    ("POST", "agentWork"): ("unused", "json"),
    ("PATCH", "agentWork"): ("required", "json"),
    ("PATCH", "consent"): ("unused", "json"),
    ("PATCH", "capabilities"): ("optional", "json"),
    ("POST", "conversationHistory"): ("required", "json"),
    ("POST", "participant"): ("unused", "json"),
    ("POST", "messagingSession"): ("unused", "json"),
    ("POST", "conversationEntry"): ("required", "json"),
    ("GET", "conversationEntry"): ("required", "json"),
    ("POST", "attachment"): ("optional", "multipart"),
}
AUTHORIZATION_CONTEXT_TYPES = (
    "ConversationChannelDefinition",
    "EmbeddedMessagingChannel",
    "ExternalConversationParticipant",
)
# A developer name: letters, digits and single underscores, starting with a
# letter; the {prefix}_{Name} form needs at least one underscore.
AUTHORIZATION_CONTEXT_PATTERN = re.compile(r"^[A-Za-z][A-Za-z0-9]*(?:_[A-Za-z0-9]+)+$")
ORG_ID_PATTERN = re.compile(r"^00D[A-Za-z0-9]{12}(?:[A-Za-z0-9]{3})?$")
SHELL_VARIABLE_PATTERN = re.compile(r"^\$(?:[A-Za-z_][A-Za-z0-9_]*|\{[A-Za-z_][A-Za-z0-9_]*\})$")
JWT_SHAPE = re.compile(r"^eyJ[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$")
OPAQUE_TOKEN_SHAPE = re.compile(r"^(00D[A-Za-z0-9]{12,})!\S+$")


def get_header(headers: dict[str, str], name: str) -> tuple[str, Any] | None:
    """Return ``(actual name, value)`` of the header ``name``, any case."""
    for key, value in (headers or {}).items():
        if isinstance(key, str) and key.lower() == name.lower():
            return key, value
    return None


def is_shell_variable(value: Any) -> bool:
    return isinstance(value, str) and bool(SHELL_VARIABLE_PATTERN.match(value.strip()))


def org_id_checksum(org_id15: str) -> str:
    """Return the 3-character suffix that turns a 15-character id into 18."""
    alphabet = string.ascii_uppercase + "012345"
    suffix = ""
    for start in range(0, 15, 5):
        bits = 0
        for position, char in enumerate(org_id15[start : start + 5]):
            if "A" <= char <= "Z":
                bits |= 1 << position
        suffix += alphabet[bits]
    return suffix


def check_request_line(out: FindingList, request: ApiRequest) -> tuple[str, str] | None:
    """Check the method and path; return the known ``(method, endpoint)``."""
    method = str(request.method or "").upper()
    path = str(request.path or "")
    if not path.split("?", 1)[0].startswith(API_PREFIX):
        out.warning(
            None,
            "request.path",
            f"The path {describe(path)} does not start with {API_PREFIX}.",
            f"Use a path under {API_PREFIX}, such as {API_PREFIX}interactions.",
        )
    key = (method, request.endpoint)
    if key in ENDPOINTS:
        return key
    same_resource = sorted(m for m, e in ENDPOINTS if e == request.endpoint)
    if same_resource:
        out.error(
            None,
            "request.method",
            f"{method} is not a method of /{request.endpoint}.",
            f"Use {' or '.join(same_resource)} for /{request.endpoint}.",
        )
    else:
        known = sorted({e for _, e in ENDPOINTS})
        out.warning(
            None,
            "request.path",
            f"/{request.endpoint} is not an endpoint of the Interaction Service API, "
            "so only the headers were checked.",
            f"Use one of: {', '.join(known)}.",
        )
    return None


def check_headers(
    out: FindingList,
    request: ApiRequest,
    endpoint: tuple[str, str] | None,
    *,
    profile: dict[str, Any] | None,
    strict_org_id_15: bool,
) -> None:
    """Check the authentication, tenancy and tracing headers of ``request``."""
    headers = request.headers or {}
    org_id = _check_org_id(out, headers, profile, strict_org_id_15)
    _check_authorization(out, headers, org_id)
    _check_authorization_context(out, headers, profile)
    _check_authorization_context_type(out, headers, endpoint)
    _check_request_id(out, headers)


def _missing(out: FindingList, code: int, name: str, fix: str) -> None:
    out.error(code, f"header:{name}", f"The {name} header is missing.", fix)


def _check_authorization(
    out: FindingList, headers: dict[str, str], org_id: str | None
) -> None:
    fix = "Send 'Authorization: Bearer <access token>' with a token from the JWT bearer flow."
    found = get_header(headers, "Authorization")
    if found is None or not str(found[1]).strip():
        _missing(out, 10004, "Authorization", fix)
        return
    scheme, _, credential = str(found[1]).strip().partition(" ")
    credential = credential.strip()

    if scheme.lower() != "bearer":
        shown = scheme if credential else token_placeholder(scheme)
        out.error(
            10004,
            "header:Authorization",
            f"The Authorization header uses the scheme {describe(shown)}, not Bearer.",
            fix,
        )
        return
    if not credential:
        out.error(
            10004,
            "header:Authorization",
            "The Authorization header says Bearer but carries no token.",
            fix,
        )
        return
    if scheme != "Bearer":
        out.warning(
            None,
            "header:Authorization",
            f"The scheme is written {scheme!r}; the usual spelling is 'Bearer'.",
            "Write the scheme as 'Bearer'.",
        )
    if is_shell_variable(credential):
        return

    placeholder = token_placeholder(credential)
    if " " in credential or credential.startswith(("'", '"', "<")):
        out.error(
            10004,
            "header:Authorization",
            f"The bearer token {placeholder} contains spaces, quotes or angle "
            "brackets, so it was pasted with extra characters.",
            "Send the access_token value exactly as the token endpoint returned it.",
        )
        return

    opaque = OPAQUE_TOKEN_SHAPE.match(credential)
    if opaque is None and not JWT_SHAPE.match(credential):
        out.warning(
            10004,
            "header:Authorization",
            f"The bearer token {placeholder} looks neither like a Salesforce session "
            "token (<org id>!<...>) nor like a JWT.",
            "Use the access_token from the OAuth token response, not the consumer "
            "key, the assertion or a refresh token.",
        )
        return
    if opaque and org_id and opaque.group(1)[:15] != org_id[:15]:
        out.warning(
            10004,
            "header:Authorization",
            f"The bearer token {placeholder} was issued for org "
            f"{opaque.group(1)[:15]}, but the OrgId header is {org_id}.",
            "Send the OrgId of the org that issued the token, or mint a token in "
            "that org.",
        )


def _check_org_id(
    out: FindingList,
    headers: dict[str, str],
    profile: dict[str, Any] | None,
    strict_org_id_15: bool,
) -> str | None:
    # The fix states the same shape as the message below, narrowed to the
    # 15-character form when the target accepts only that.
    if strict_org_id_15:
        fix = (
            "Send the org's id (Setup > Company Information) in its 15-character "
            "form: 15 letters and digits starting with 00D."
        )
    else:
        fix = (
            "Send the org's id (Setup > Company Information): 15 or 18 letters and "
            "digits starting with 00D."
        )
    found = get_header(headers, "OrgId")
    if found is None or not str(found[1]).strip():
        _missing(out, 10016, "OrgId", fix)
        return None
    value = str(found[1]).strip()
    if is_shell_variable(value):
        return None
    if not ORG_ID_PATTERN.match(value):
        out.error(
            10016,
            "header:OrgId",
            f"The OrgId header is {describe(value)} ({len(value)} characters); an org "
            "id is 15 or 18 letters and digits starting with 00D.",
            fix,
        )
        return None
    if len(value) == 18:
        if strict_org_id_15:
            out.error(
                10016,
                "header:OrgId",
                f"The OrgId header {value} is the 18-character form, and this target "
                "accepts only the 15-character form.",
                f"Send the first 15 characters: {value[:15]}.",
            )
        elif org_id_checksum(value[:15]) != value[15:]:
            out.warning(
                None,
                "header:OrgId",
                f"The last 3 characters of OrgId {value} do not match its first 15 "
                "(the case-checksum should be "
                f"{org_id_checksum(value[:15])}), so the id was mistyped.",
                f"Copy the org id again, or send the 15-character form {value[:15]}.",
            )
    expected = profile_value(profile, "org_id")
    if expected and isinstance(expected, str) and expected[:15] != value[:15]:
        out.warning(
            10004,
            "header:OrgId",
            f"The OrgId header {value} differs from the profile's org id {expected}.",
            "Send the org id of the profile, or choose the profile of that org.",
        )
    return value


def _check_authorization_context(
    out: FindingList, headers: dict[str, str], profile: dict[str, Any] | None
) -> None:
    fix = (
        "Send the developer name of the ConversationChannelDefinition, in the "
        "form {prefix}_{Name}, such as Partner1_ChannelDefinition1."
    )
    found = get_header(headers, "AuthorizationContext")
    if found is None or not str(found[1]).strip():
        _missing(out, 10016, "AuthorizationContext", fix)
        return
    value = str(found[1])
    if is_shell_variable(value):
        return
    if value != value.strip():
        out.warning(
            None,
            "header:AuthorizationContext",
            f"The AuthorizationContext header {describe(value)} has spaces around it.",
            "Remove the spaces.",
        )
        value = value.strip()
    # A name that is not a developer name cannot be a channel definition of
    # the token's app, so the service returns the code for a foreign definition.
    if not AUTHORIZATION_CONTEXT_PATTERN.match(value):
        out.error(
            10005,
            "header:AuthorizationContext",
            f"The AuthorizationContext header is {describe(value)}, which is not a "
            "developer name of the form {prefix}_{Name}.",
            fix,
        )
        return
    expected = profile_value(profile, "authorization_context")
    if expected and value != expected:
        out.warning(
            10005,
            "header:AuthorizationContext",
            f"The AuthorizationContext header {value} differs from the profile's "
            f"{expected}.",
            f"Send {expected}, the channel definition bound to this profile's app.",
        )


def _check_authorization_context_type(
    out: FindingList, headers: dict[str, str], endpoint: tuple[str, str] | None
) -> None:
    usage = ENDPOINTS[endpoint][0] if endpoint else "optional"
    choices = ", ".join(AUTHORIZATION_CONTEXT_TYPES)
    fix = f"Send AuthorizationContextType: one of {choices}."
    found = get_header(headers, "AuthorizationContextType")
    label = f"{endpoint[0]} /{endpoint[1]}" if endpoint else "this endpoint"

    if found is None or not str(found[1]).strip():
        if usage == "required":
            out.error(
                10016,
                "header:AuthorizationContextType",
                f"The AuthorizationContextType header is missing; {label} requires it.",
                fix,
            )
        return
    value = str(found[1]).strip()
    if is_shell_variable(value):
        return

    # The service's own examples send upper-case spellings, so the check
    # ignores case.
    if value.lower() not in {v.lower() for v in AUTHORIZATION_CONTEXT_TYPES}:
        out.error(
            10016,
            "header:AuthorizationContextType",
            f"The AuthorizationContextType header is {describe(value)}, which is not "
            f"one of: {choices}.",
            fix,
        )
        return
    if usage == "unused":
        out.warning(
            None,
            "header:AuthorizationContextType",
            f"{label} does not use the AuthorizationContextType header.",
            "Drop the header from this request.",
        )


def _check_request_id(out: FindingList, headers: dict[str, str]) -> None:
    fix = "Send a new UUID per request, such as str(uuid.uuid4())."
    found = get_header(headers, "RequestId")
    if found is None or not str(found[1]).strip():
        _missing(out, 10016, "RequestId", fix)
        return
    value = str(found[1]).strip()
    if is_shell_variable(value):
        return
    if not UUID_PATTERN.match(value):
        out.error(
            10016,
            "header:RequestId",
            f"The RequestId header is {describe(value)}, which is not a UUID.",
            fix,
        )


def check_content_type(
    out: FindingList, request: ApiRequest, endpoint: tuple[str, str]
) -> None:
    """Check that the body form matches the endpoint (multipart or JSON)."""
    expected = ENDPOINTS[endpoint][1]
    found = get_header(request.headers or {}, "Content-Type")
    declared = str(found[1]).split(";", 1)[0].strip().lower() if found else ""
    label = f"{endpoint[0]} /{endpoint[1]}"
    if expected == "multipart":
        if request.raw_body is not None and declared != "multipart/form-data":
            out.error(
                10016,
                "header:Content-Type",
                f"{label} takes multipart/form-data, but the body is sent as "
                f"{declared or 'an undeclared type'}.",
                "Send the JSON document as a part named 'json' "
                "(curl -F 'json=...;type=application/json').",
            )
        elif request.json is not None:
            out.error(
                10016,
                "header:Content-Type",
                f"{label} takes multipart/form-data, but the request has a JSON body.",
                "Send the JSON document as a part named 'json' "
                "(curl -F 'json=...;type=application/json').",
            )
        elif declared and declared != "multipart/form-data":
            out.warning(
                10016,
                "header:Content-Type",
                f"The Content-Type header is {declared}; multipart requests need "
                "multipart/form-data with a boundary.",
                "Remove the Content-Type header and let the HTTP library set it.",
            )
        return
    if request.is_multipart:
        out.error(
            10016,
            "header:Content-Type",
            f"{label} takes a JSON body, but the request is multipart.",
            "Send the document as the body with Content-Type: application/json.",
        )
    elif request.raw_body is not None and not declared:
        out.error(
            10016,
            "header:Content-Type",
            f"The request sends a raw body with no Content-Type header; {label} takes "
            "application/json.",
            "Send Content-Type: application/json.",
        )
    elif declared and declared != "application/json":
        out.error(
            10016,
            "header:Content-Type",
            f"The Content-Type header is {declared}; {label} takes application/json.",
            "Send Content-Type: application/json.",
        )
