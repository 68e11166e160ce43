"""Checks of a request before it is sent: catch mistakes the API would reject.

``check(request)`` walks an ``ApiRequest`` and returns every problem it can
see from the request alone, each as a ``PreflightFinding`` that names the API
error code the request would most likely get back, the field, the value and
the fix. Problems that depend on the org's state (an unknown channel, a
conversation that does not exist) cannot be seen here; the profile, when
given, lets the checks compare ids with the ones the profile expects.

The client runs ``check`` before every send (in ``block``, ``warn`` or ``off``
mode); ``python -m helpers check`` runs it on a curl command.

Examples
--------
>>> from helpers.model import ApiRequest
>>> findings = check(ApiRequest("POST", "/api/v1/routingResult", headers={}))
>>> has_errors(findings)
True
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import math
import numbers
import time
from collections.abc import Callable, Mapping
from typing import Any

from helpers.model import ApiRequest
from helpers.preflight import bot_entries, conversations, history, routing
from helpers.preflight.common import describe, type_name
from helpers.preflight.findings import (
    ERROR,
    WARNING,
    FindingList,
    PreflightFinding,
    findings_html,
    has_errors,
    sort_findings,
)
from helpers.preflight.headers import (
    ENDPOINTS,
    check_content_type,
    check_headers,
    check_request_line,
    get_header,
)
from helpers.preflight.interactions import check_interactions

__all__ = [
    "ERROR",
    "WARNING",
    "ENDPOINTS",
    "PreflightFinding",
    "check",
    "findings_html",
    "has_errors",
    "sort_findings",
]

log = logging.getLogger(__name__)

BodyCheck = Callable[[FindingList, dict[str, Any], Any], None]

BODY_CHECKS: dict[tuple[str, str], BodyCheck] = {
    ("POST", "conversation"): conversations.check_conversation,
    ("POST", "acknowledgement"): conversations.check_acknowledgement,
    ("POST", "route"): routing.check_route,
    ("DELETE", "route"): routing.check_delete_route,
    ("POST", "routingResult"): routing.check_routing_result,
    ("POST", "agentWork"): routing.check_post_agent_work,
    ("PATCH", "agentWork"): routing.check_patch_agent_work,
    ("PATCH", "consent"): conversations.check_consent,
    ("POST", "participant"): conversations.check_participant_operation,
    ("POST", "messagingSession"): conversations.check_messaging_session,
    ("POST", "conversationEntry"): bot_entries.check_post_conversation_entry,
    ("GET", "conversationEntry"): bot_entries.check_get_conversation_entry,
}


def check(
    request: ApiRequest,
    *,
    profile: Any = None,
    now: dt.datetime | int | float | None = None,
    strict_org_id_15: bool = False,
) -> list[PreflightFinding]:
    """Check ``request`` and return every problem found, in the order found.

    Parameters
    ----------
    request
        The request to check. Nothing is sent.
    profile
        Optional connection profile (a dict such as the sandbox's ``profile``,
        or a ``helpers.profiles.Profile``). When given, the OrgId,
        AuthorizationContext and channel address are compared with it, and a
        difference is reported as a warning.
    now
        The current time for the 24-hour window of conversation history: a
        timezone-aware ``datetime`` (a naive one is taken as UTC), or epoch
        seconds or milliseconds as an int or float. A number below 10**11 is
        read as seconds (10**11 ms is March 1973, 10**11 s is past the year
        5000), so ``time.time()`` and ``time.time() * 1000`` both work.
        Defaults to the system clock.
    strict_org_id_15
        Report an 18-character OrgId as an error, for targets that accept only
        the 15-character form.

    Returns
    -------
    list of PreflightFinding
        Empty when nothing is wrong. Use ``has_errors`` to tell whether the
        API is expected to reject the request, and ``sort_findings`` to put
        errors first.

    Raises
    ------
    TypeError
        When ``now`` is not a datetime or a number, ``profile`` is neither a
        dict nor an object with profile attributes, or ``strict_org_id_15``
        is not a bool. These are mistakes in the call, not in the request.
    ValueError
        When ``now`` is a number that is not finite or is negative.

    Notes
    -----
    ``check`` never raises on a malformed request: a request that is not an
    ``ApiRequest``, a body that is not JSON, a header that is not a string
    or an unknown endpoint is itself reported as a finding.
    """
    now_ms = _now_ms(now)
    _check_profile_argument(profile)
    if not isinstance(strict_org_id_15, bool):
        raise TypeError(
            f"strict_org_id_15 must be True or False, not the "
            f"{type(strict_org_id_15).__name__} {describe(strict_org_id_15)}"
        )
    out = FindingList()
    if not isinstance(request, ApiRequest):
        out.error(
            None,
            "request",
            f"Expected an ApiRequest, got the {type(request).__name__} "
            f"{describe(request)}.",
            "Build the request with helpers.model.ApiRequest or helpers.curl.parse_curl.",
        )
        return out.items
    endpoint = _guarded(out, "the request line", check_request_line, out, request)
    _guarded(
        out,
        "the headers",
        check_headers,
        out,
        request,
        endpoint,
        profile=profile,
        strict_org_id_15=strict_org_id_15,
    )
    if endpoint is not None:
        _guarded(out, "the body", _check_body, out, request, endpoint, profile, now_ms)
    log.debug(
        "preflight of %s %s: %d finding(s)", request.method, request.path, len(out.items)
    )
    return out.items


def _check_body(
    out: FindingList,
    request: ApiRequest,
    endpoint: tuple[str, str],
    profile: Any,
    now_ms: int,
) -> None:
    check_content_type(out, request, endpoint)
    body = _body_document(out, request, endpoint)
    if body is None:
        return
    if endpoint == ("POST", "interactions"):
        check_interactions(out, body, request, profile)
    elif endpoint == ("POST", "conversationHistory"):
        history.check_conversation_history(out, body, profile, now_ms)
    elif endpoint == ("PATCH", "capabilities"):
        context = get_header(request.headers or {}, "AuthorizationContext")
        conversations.check_capabilities(
            out, body, profile, str(context[1]).strip() if context else None
        )
    elif endpoint in BODY_CHECKS:
        BODY_CHECKS[endpoint](out, body, profile)


def _body_document(
    out: FindingList, request: ApiRequest, endpoint: tuple[str, str]
) -> dict[str, Any] | None:
    """Return the request's JSON document as a dict, reporting why when it is not."""
    multipart = ENDPOINTS[endpoint][1] == "multipart"
    where = "the 'json' part" if multipart else "the body"
    if request.json_part is not None:
        document, text = request.json_part, None
        if isinstance(document, str):
            text = document
    elif request.json is not None:
        document, text = request.json, None
    elif request.raw_body is not None:
        text = request.raw_body.decode("utf-8", errors="replace")
        document = None
    else:
        out.error(
            None,
            "body",
            f"{endpoint[0]} /{endpoint[1]} needs a JSON document in {where}, and the "
            "request has none.",
            "Add the JSON document"
            + (" as a part named 'json'." if multipart else " as the request body."),
        )
        return None
    if text is not None:
        try:
            document = json.loads(text)
        except ValueError as exc:
            out.error(
                None,
                "body",
                f"{where.capitalize()} is not valid JSON ({exc.msg} at line "
                f"{exc.lineno} column {exc.colno}): {describe(text)}.",
                "Fix the JSON syntax; check the quoting when the body comes from a "
                "shell command.",
            )
            return None
    if not isinstance(document, dict):
        out.error(
            None,
            "body",
            f"{where.capitalize()} is the JSON {type_name(document)} {describe(document)}"
            ", not an object.",
            "Send a JSON object ({...}).",
        )
        return None
    return document


def _guarded(out: FindingList, what: str, function: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    """Run one group of checks; a bug in a check becomes a warning, not a crash."""
    try:
        return function(*args, **kwargs)
    except Exception as exc:  # noqa: BLE001 - check() must never raise
        log.warning("preflight could not check %s", what, exc_info=True)
        out.warning(
            None,
            "request",
            f"Preflight could not check {what} ({type(exc).__name__}); the request may "
            "have an unexpected shape there.",
            "Check that part of the request by hand.",
        )
        return None


# Epoch numbers below this are seconds, and milliseconds from here on.
EPOCH_SECONDS_LIMIT = 10**11
NOW_HELP = (
    "pass a datetime such as datetime.now(timezone.utc), or epoch seconds or "
    "milliseconds as an int or float such as time.time(), or None for the system clock"
)
PROFILE_ATTRIBUTES = ("org_id", "authorization_context", "channel_address_identifier")


def _now_ms(now: dt.datetime | int | float | None) -> int:
    """Convert ``now`` to epoch milliseconds, raising TypeError or ValueError when invalid."""
    if now is None:
        return int(time.time() * 1000)
    if isinstance(now, dt.datetime):
        if now.tzinfo is None:
            now = now.replace(tzinfo=dt.timezone.utc)
        return int(now.timestamp() * 1000)
    if isinstance(now, bool) or not isinstance(now, numbers.Real):
        raise TypeError(f"now must be a time, not the {type(now).__name__} {describe(now)}; {NOW_HELP}")
    if not math.isfinite(now) or now < 0:
        raise ValueError(f"now must be a finite time after 1970, not {now!r}; {NOW_HELP}")
    if now < EPOCH_SECONDS_LIMIT:
        return int(now * 1000)
    return int(now)


def _check_profile_argument(profile: Any) -> None:
    """Raise TypeError unless ``profile`` is None, a mapping or a profile object."""
    if profile is None or isinstance(profile, Mapping):
        return
    if any(hasattr(profile, name) for name in PROFILE_ATTRIBUTES):
        return
    raise TypeError(
        f"profile must be a dict (such as the sandbox's profile) or a "
        f"helpers.profiles.Profile, not the {type(profile).__name__} {describe(profile)}; "
        f"it needs at least one of {', '.join(PROFILE_ATTRIBUTES)}"
    )
