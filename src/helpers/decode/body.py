"""Read findings out of a parsed body: each error shape the API uses, and the rest.

The Interaction API returns an error in one of these shapes:

- ``{"code": 10013, "message": "..."}``, the code a number or a string;
- ``{"success": false, "errorDetail": {"code": ..., "message": ...}}``;
- ``{"success": false, "errors": [{"errorMessage", "errorType",
  "apiErrorCode"}]}`` from routing, possibly with a 2xx status;
- ``{"success": false, "errorReason": "CHANNEL_ADDRESS_IS_INACTIVE"}`` from
  ``POST /messagingSession``.

An OAuth token endpoint returns ``{"error": ..., "error_description": ...}``.
Other JSON that came back with an error status (the core REST API's error
list, a web framework's default error page) gives a ``not_api`` finding that
names what most likely responded instead. Anything else is walked for nested
bodies, such as a JSON log record that carries the body as a field.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from itertools import accumulate
from typing import Any

from helpers.decode.explain import (
    api_finding,
    code_for_name,
    code_value,
    is_known_code,
    text_match_finding,
)
from helpers.decode.finding import Finding, masked
from helpers.decode.oauth import is_oauth_error, oauth_finding

# Nested values deeper than this are not walked.
MAX_DEPTH = 8

# JSON text nested deeper than this is not parsed. API error bodies are two
# levels deep and HAR files about six. The C parser behind ``json.loads``
# recurses once per level, so this keeps it far below the recursion limit.
MAX_JSON_NESTING = 100

# A JSON string, closed or running to the end of the text. The possessive
# quantifiers keep a long unclosed string linear.
_JSON_STRING = re.compile(r'"(?:[^"\\]++|\\.)*+(?:"|\Z)', re.DOTALL)
_NOT_BRACKET = re.compile(r"[^\[\]{}]++")
_BRACKET_STEP = {"{": 1, "[": 1, "}": -1, "]": -1}

# Plain words for the ``errorReason`` values of POST /messagingSession that
# have no code of the same name in the table.
ERROR_REASONS = {
    "ACTIVE_CONVERSATION_NOT_FOUND": "No active conversation was found for this "
    "channel address and end user.",
    "END_SESSION_FAILED": "The messaging session could not be ended.",
    "INTERNAL_ERROR": "The service failed internally while changing the session.",
    "PERMISSION_DENIED": "The caller is not allowed to change this messaging session.",
    "CHANNEL_ADDRESS_NOT_FOUND": "No channel has this channelAddressIdentifier.",
    "SESSION_NOT_FOUND": "No messaging session has this sessionId.",
    "END_USER_NOT_FOUND": "No messaging end user has this endUserClientId on the channel.",
    "ORG_NOT_FOUND": "The org of the request could not be found.",
    "CUSTOMER_ERROR": "The request was rejected because of its content.",
    "NO_ACCESS": "The caller has no access to the MessagingSession record.",
}
_REASON_FIXES = {
    "INTERNAL_ERROR": ("yes", "Retry with backoff; if it persists, quote the RequestId "
                       "to Salesforce Support."),
    "END_SESSION_FAILED": ("yes", "Retry once; if it fails again, check that the "
                           "session is still active."),
}

_ROUTING_ERROR_KEYS = {"apiErrorCode", "errorMessage", "errorType"}

# Keys of a log record or wrapper object that carry request context.
_STATUS_KEYS = ("status", "statusCode", "status_code", "httpStatus", "http_status")
_REQUEST_ID_KEYS = ("RequestId", "requestId", "request_id", "requestid", "x-request-id")
_URL_KEYS = ("url", "uri", "requestUrl", "request_url")
_METHOD_KEYS = ("method", "httpMethod", "http_method")
# Wrapper keys whose object describes the exchange (axios errors, log records).
_EXCHANGE_KEYS = ("config", "request", "response", "headers", "req", "res")


@dataclass(slots=True)
class Context:
    """Request context of a body: HTTP status, request id, method, URL, source."""

    http_status: int | None = None
    request_id: str | None = None
    method: str | None = None
    url: str | None = None
    source: str = "json"

    def kwargs(self) -> dict[str, Any]:
        """Return the keyword arguments the finding builders take."""
        return {
            "http_status": self.http_status,
            "request_id": self.request_id,
            "method": self.method,
            "url": self.url,
            "source": self.source,
        }

    def merged(self, record: dict, depth: int = 0) -> Context:
        """Return a copy filled from a wrapper object's status, URL, method and id.

        The objects under ``config``, ``request``, ``response`` and ``headers``
        are read too, as an axios error dump keeps them there.
        """
        context = self._merged_flat(record)
        if depth < 2:
            for key in _EXCHANGE_KEYS:
                inner = record.get(key)
                if isinstance(inner, dict):
                    context = context.merged(inner, depth + 1)
        return context

    def _merged_flat(self, record: dict) -> Context:
        update: dict[str, Any] = {}
        if self.http_status is None:
            status = _first(record, _STATUS_KEYS)
            if isinstance(status, int) and not isinstance(status, bool) and 100 <= status <= 599:
                update["http_status"] = status
            elif isinstance(status, str) and status.isdigit() and len(status) == 3:
                update["http_status"] = int(status)
        if self.request_id is None:
            request_id = _first(record, _REQUEST_ID_KEYS)
            if isinstance(request_id, str | int) and not isinstance(request_id, bool):
                update["request_id"] = str(request_id)
        if self.url is None:
            url = _first(record, _URL_KEYS)
            if isinstance(url, str) and (url.startswith("http") or url.startswith("/")):
                update["url"] = url
        if self.method is None:
            method = _first(record, _METHOD_KEYS)
            if isinstance(method, str) and method.isalpha() and len(method) <= 7:
                update["method"] = method.upper()
        return replace(self, **update) if update else self


def _first(record: dict, keys: tuple[str, ...]) -> Any:
    for key in keys:
        value = record.get(key)
        if value is not None:
            return value
    return None


def json_too_deep(text: str) -> bool:
    """Return whether the JSON in ``text`` nests deeper than ``MAX_JSON_NESTING``.

    Brackets inside strings do not count. ``text`` need not be valid JSON:
    the check runs before parsing, so that ``json.loads`` never meets input
    deep enough to raise ``RecursionError``.
    """
    if text.count("{") + text.count("[") <= MAX_JSON_NESTING:
        return False
    brackets = _NOT_BRACKET.sub("", _JSON_STRING.sub("", text))
    return max(accumulate(map(_BRACKET_STEP.__getitem__, brackets)),
               default=0) > MAX_JSON_NESTING


def findings_from_value(value: Any, context: Context, depth: int = 0) -> list[Finding]:
    """Return the findings in a parsed JSON (or JavaScript) value, in order.

    A dict in an error shape gives its findings, and a list gives those of
    each item. Any other dict is walked for nested bodies, with its status,
    URL, method and request id as context.
    """
    if depth > MAX_DEPTH:
        return []
    if isinstance(value, dict):
        found = dict_findings(value, context)
        if found is not None:
            return found
        return _walk(value, context.merged(value), depth)
    if isinstance(value, list):
        core = core_api_finding(value, context)
        if core is not None:
            return [core]
        result: list[Finding] = []
        for item in value[:10_000]:
            result.extend(findings_from_value(item, context, depth + 1))
        return result
    return []


def dict_findings(body: dict, context: Context) -> list[Finding] | None:
    """Return the findings of ``body`` when it is an error shape, else None.

    An empty list means the body is a success response with nothing to report.
    """
    code = body.get("code")
    if code is not None:
        number = code_value(code)
        if number is not None and _plausible_code(number, context):
            message = body.get("message")
            return [api_finding(number, _text(message), **context.kwargs())]
    detail = body.get("errorDetail")
    if isinstance(detail, dict):
        found = dict_findings(detail, context)
        if found:
            return found
    errors = body.get("errors")
    if isinstance(errors, list) and errors and body.get("success") is not True:
        found = _routing_errors(errors, context)
        if found:
            return found
    reason = body.get("errorReason")
    if isinstance(reason, str) and reason:
        return [_error_reason_finding(reason, body, context)]
    error = body.get("error")
    if isinstance(error, str) and (is_oauth_error(error) or "error_description" in body):
        return [oauth_finding(error, _text(body.get("error_description")), **context.kwargs())]
    if isinstance(error, str) and "path" in body and "status" in body:
        return [framework_error_finding(body, context)]
    if body.get("success") is False:
        return [_bare_failure(body, context)]
    return None


def _plausible_code(number: int, context: Context) -> bool:
    """Return whether ``number`` can be an API code in this context.

    In log text, JSON from other systems carries codes such as 0 or 200. An
    unknown code there counts only in the API's five-digit range; in a
    response body every code counts.
    """
    if context.source != "log" or is_known_code(number):
        return True
    return 10_000 <= number <= 99_999


def _text(value: Any) -> str:
    if value is None:
        return ""
    return value if isinstance(value, str) else str(value)


def _routing_errors(errors: list, context: Context) -> list[Finding]:
    found = []
    for item in errors:
        # Other APIs also return {"errors": [...]}, but the routing items carry
        # at least one of these keys.
        if not isinstance(item, dict) or not _ROUTING_ERROR_KEYS & item.keys():
            continue
        message = _text(item.get("errorMessage") or item.get("message"))
        number = code_value(item.get("apiErrorCode", item.get("code")))
        if number is not None:
            found.append(api_finding(number, message, **context.kwargs()))
            continue
        matched = text_match_finding(message, **context.kwargs()) if message else None
        if matched is not None:
            found.append(matched)
            continue
        error_type = _text(item.get("errorType"))
        found.append(Finding(
            kind="api", name=error_type or "ROUTING_ERROR", message=masked(message),
            summary="The routing request failed and the error carries no API code"
            + (f" (errorType {error_type})." if error_type else "."),
            fix="Read the error message; check routingInfo (flow and fallback queue, "
            "or queue id) and that the conversation exists.",
            **_context_fields(context),
        ))
    return found


def _error_reason_finding(reason: str, body: dict, context: Context) -> Finding:
    message = _text(body.get("message") or body.get("errorMessage")) or reason
    number = code_for_name(reason)
    if number is not None:
        finding = api_finding(number, message, **context.kwargs())
        finding.summary = f"errorReason {reason}: {finding.summary}"
        return finding
    retryable, advice = _REASON_FIXES.get(reason, ("no", "Fix the request first."))
    return Finding(
        kind="api",
        known=reason in ERROR_REASONS,
        name=reason,
        message=masked(message),
        summary=ERROR_REASONS.get(
            reason, f"POST /messagingSession failed with errorReason {reason}."
        ),
        fix="Check channelAddressIdentifier, conversationIdentifier, endUserClientId "
        "and, for Inactivate, sessionId against the records in the org.",
        retryable=retryable,
        retry_advice=advice,
        **_context_fields(context),
    )


def _bare_failure(body: dict, context: Context) -> Finding:
    message = _text(body.get("message") or body.get("errorMessage"))
    if message:
        matched = text_match_finding(message, **context.kwargs())
        if matched is not None:
            return matched
    return Finding(
        kind="api", name="SUCCESS_FALSE", message=masked(message),
        summary="The answer says success: false but carries no error code or detail.",
        fix="Check the request against the endpoint's required fields; quote the "
        "RequestId to Salesforce Support if the cause is not visible.",
        **_context_fields(context),
    )


def _context_fields(context: Context) -> dict[str, Any]:
    return {
        "http_status": context.http_status,
        "request_id": masked(context.request_id),
        "method": context.method,
        "url": masked(context.url),
        "source": context.source,
    }


def _walk(record: dict, context: Context, depth: int) -> list[Finding]:
    from helpers.decode.text import scan_text  # text scanning reads bodies too

    if context.source == "json":
        # A JSON object that is not an error body but contains one is a log record.
        context = replace(context, source="log")
    result: list[Finding] = []
    for value in list(record.values())[:1000]:
        if isinstance(value, dict | list):
            result.extend(findings_from_value(value, context, depth + 1))
        elif isinstance(value, str) and "{" in value:
            result.extend(scan_text(value, context, depth + 1))
    return result


# --- responses that are not Interaction API error bodies ----------------------

_WRONG_HOST_FIX = (
    "Check the base URL: the Interaction API is https://<MyDomain>.my.salesforce-scrt.com"
    "/api/v1/... on the SCRT2 host. Call it directly, not through a proxy that rewrites "
    "answers."
)


def not_api_finding(
    name: str, summary: str, cause: str, context: Context, *, fix: str = _WRONG_HOST_FIX,
    message: str = "", retryable: str = "no", retry_advice: str = "",
) -> Finding:
    """Build a ``not_api`` finding, for a response that is not an Interaction API error body."""
    return Finding(
        kind="not_api", known=True, name=name, message=masked(message[:300]),
        summary=summary, cause=cause, fix=fix, retryable=retryable,
        retry_advice=retry_advice, **_context_fields(context),
    )


def core_api_finding(items: list, context: Context) -> Finding | None:
    """Recognise the core REST API's ``[{"errorCode", "message"}]`` error response."""
    if not items or not all(isinstance(i, dict) and "errorCode" in i for i in items[:5]):
        return None
    first = items[0]
    return not_api_finding(
        "CORE_REST_API_ERROR",
        f"The answer is an error of the core Salesforce REST API ({first.get('errorCode')}), "
        "not of the Interaction API.",
        "The request went to the core host (*.my.salesforce.com) or a core path instead "
        "of the Interaction API on the SCRT2 host (*.my.salesforce-scrt.com).",
        context,
        message=_text(first.get("message")),
    )


def framework_error_finding(body: dict, context: Context) -> Finding:
    """Explain a web framework's default error page (``status``, ``error``, ``path``)."""
    status = body.get("status")
    path = _text(body.get("path"))
    return not_api_finding(
        "FRAMEWORK_ERROR_PAGE",
        f"The answer is the server's generic {status} {body.get('error')} page for "
        f"{path}, not an Interaction API error body.",
        "The path or method is not an endpoint of the API (a typo in the resource name, "
        "a missing /api/v1 prefix, or a method the endpoint does not take), or a "
        "header the service needs before it can route the request is missing.",
        context,
        fix="Compare the method and path with the endpoint list: the paths start with "
        "/api/v1/ and the resource names are case-sensitive (conversationHistory, "
        "agentWork, routingResult).",
        message=_text(body.get("message")),
    )
