"""The exception tree of the live client, with leaves named for what to do.

Every error the client raises derives from ``InteractionApiError``. A request
that got no response at all is kept apart from one that got an error
response, because the fixes differ: the first is about the network, the
second about the request, the token, the org setup or the service's state.

::

    InteractionApiError                 root; status, code, request_id, url, body
    ├── TransportError                  no response arrived
    │   ├── ConnectionFailed            refused, reset, DNS failure: check the URL
    │   ├── RequestTimedOut             connect or read timeout: retry or raise it
    │   └── TlsError                    certificate or handshake failure
    ├── ApiResponseError                the API answered with an error
    │   ├── FixRequest                  the request is invalid: change a field
    │   ├── RefreshToken                10004: get a new access token
    │   ├── FixSetup                    org or app configuration: ask the admin
    │   └── RetryLater                  transient service state: send it again
    ├── PreflightError                  the request failed the checks before sending
    ├── ProfileError                    the connection profile is invalid
    └── TokenError                      minting or reading a token failed

Every error carries the HTTP status, the API ``code``, the ``RequestId``, the
URL and the raw body, all masked through ``helpers.secrets``, and its
``str()`` is one line that includes the request id. The mapping from a code
to a leaf lives in the sets below; the text of each code lives in
``data/codes.csv`` and is read through the decoder's findings.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

from helpers.secrets import mask_text

# API codes that a later attempt of the same request can get past: an org
# migration in progress, conversation races, a lookup failure and the catch-all.
RETRY_LATER_CODES = frozenset({10019, 10055, 10056, 20002, 500})

# The token is not valid (expired, revoked, malformed): mint a new one.
REFRESH_TOKEN_CODES = frozenset({10004})

# Codes fixed in the org or the app, not in the request: channel definition,
# token scope, authorization context, channel state and access to the API.
FIX_SETUP_CODES = frozenset(
    {10001, 10002, 10003, 10005, 10006, 10017, 10022, 10023, 10026, 10031, 10035, 10057}
)

# Gateway statuses that carry no API code and usually pass on their own.
RETRY_LATER_STATUSES = frozenset({429, 502, 503, 504})

MAX_BODY_CHARS = 2000


class InteractionApiError(Exception):
    """Root of the client's exceptions.

    Parameters
    ----------
    message
        What failed, in one line. It is masked before it is stored.
    status
        HTTP status of the response, or None when there was none.
    code
        The API's ``code`` from the error body, or None.
    request_id
        The ``RequestId`` header sent with the request.
    url
        The URL the request went to.
    body
        The raw response body, masked and cut to 2000 characters.
    method
        The HTTP method.
    exchange
        The ``helpers.model.Exchange`` that failed, when there is one.
    findings
        Decoded findings (``helpers.decode.Finding``) or preflight findings.
    """

    def __init__(
        self,
        message: str,
        *,
        status: int | None = None,
        code: int | None = None,
        request_id: str | None = None,
        url: str | None = None,
        body: str | None = None,
        method: str | None = None,
        exchange: Any = None,
        findings: Iterable[Any] = (),
    ) -> None:
        self.message = mask_text(" ".join(str(message).split()))
        self.status = status
        self.code = code
        self.request_id = request_id
        self.url = mask_text(url) if url else url
        self.body = mask_text(body[:MAX_BODY_CHARS]) if body else body
        self.method = method.upper() if method else method
        self.exchange = exchange
        self.findings = list(findings)
        super().__init__(self.message)

    def __str__(self) -> str:
        parts = [self.message]
        where = " ".join(p for p in (self.method, self.url) if p)
        if not (where or self.status or self.request_id or self.code):
            # Nothing was sent (a profile or key problem): no request to name.
            return self.message
        details = []
        if self.code is not None:
            details.append(f"code {self.code}")
        if self.status is not None:
            details.append(f"HTTP {self.status}")
        if where:
            details.append(where)
        details.append(f"RequestId {self.request_id or 'none'}")
        parts.append(f"({', '.join(details)})")
        return " ".join(parts)

    def __repr__(self) -> str:
        return (
            f"{type(self).__name__}(code={self.code!r}, status={self.status!r}, "
            f"request_id={self.request_id!r}, message={self.message!r})"
        )

    def to_dict(self) -> dict[str, Any]:
        """Return the error as a JSON-ready dict; every field is already masked."""
        return {
            "error": type(self).__name__,
            "message": self.message,
            "status": self.status,
            "code": self.code,
            "request_id": self.request_id,
            "method": self.method,
            "url": self.url,
            "body": self.body,
        }


class TransportError(InteractionApiError):
    """No response arrived: the request may or may not have reached the API."""


class ConnectionFailed(TransportError):
    """The connection could not be made or was dropped: check the base URL."""


class RequestTimedOut(TransportError):
    """The connect or read timeout passed before the response arrived."""


class TlsError(TransportError):
    """The TLS handshake or the server certificate check failed."""


class ApiResponseError(InteractionApiError):
    """The API returned an error code or an error status."""


class FixRequest(ApiResponseError):
    """The request is invalid: change the field the message names and resend."""


class RefreshToken(ApiResponseError):
    """The access token is not valid (10004): mint a new token and resend."""


class FixSetup(ApiResponseError):
    """The org or app configuration rejects the request: an admin must fix it."""


class RetryLater(ApiResponseError):
    """The service is in a transient state: send the same request again later."""


class PreflightError(InteractionApiError):
    """The request failed the checks run before sending; nothing was sent.

    ``findings`` contains the preflight findings of severity ``error``.
    """


class ProfileError(InteractionApiError):
    """The connection profile is invalid; ``problems`` lists every problem."""

    def __init__(self, problems: str | Iterable[str], *, source: str | None = None):
        self.problems = [problems] if isinstance(problems, str) else list(problems)
        self.source = source
        where = f" in {source}" if source else ""
        count = len(self.problems)
        summary = f"invalid connection profile{where} ({count} problem{'s' * (count != 1)}): "
        super().__init__(summary + "; ".join(self.problems))
        self.problems = [mask_text(p) for p in self.problems]


class TokenError(InteractionApiError):
    """Minting, loading or reading a token failed.

    ``problem`` describes what is wrong and ``fix`` what to do. When the
    token endpoint returned an OAuth error, ``oauth_error`` and
    ``oauth_description`` contain its ``error`` and ``error_description``.
    """

    def __init__(
        self,
        problem: str,
        fix: str = "",
        *,
        oauth_error: str | None = None,
        oauth_description: str | None = None,
        **details: Any,
    ) -> None:
        self.problem = mask_text(problem)
        self.fix = mask_text(fix)
        self.oauth_error = oauth_error
        self.oauth_description = oauth_description
        text = f"{problem} Fix: {fix}" if fix else problem
        super().__init__(text, **details)


def response_code(exchange: Any) -> int | None:
    """Return the API code of an exchange's response, or None.

    The decoder's findings are used when present; otherwise the body is read
    as ``{"code": ...}`` or ``{"success": false, "errorDetail": {"code": ...}}``.
    """
    for finding in getattr(exchange, "findings", None) or []:
        code = getattr(finding, "code", None)
        if code is None and isinstance(finding, dict):
            code = finding.get("code")
        if isinstance(code, int) and getattr(finding, "kind", "api") == "api":
            return code
    return _code_from_body(getattr(exchange, "response_body", "") or "")


def _code_from_body(body: str) -> int | None:
    try:
        data = json.loads(body)
    except ValueError:
        return None
    if isinstance(data, list) and data and isinstance(data[0], dict):
        data = data[0]
    if not isinstance(data, dict):
        return None
    for holder in (data, data.get("errorDetail"), data.get("error")):
        if isinstance(holder, dict):
            code = holder.get("code")
            if isinstance(code, int):
                return code
            if isinstance(code, str) and code.strip().isdigit():
                return int(code)
    return None


def _message_from(exchange: Any, code: int | None) -> str:
    for finding in getattr(exchange, "findings", None) or []:
        text = getattr(finding, "message", None) or getattr(finding, "summary", None)
        if text:
            return str(text)
    try:
        data = json.loads(exchange.response_body or "")
    except ValueError:
        data = None
    if isinstance(data, dict):
        for holder in (data, data.get("errorDetail")):
            if isinstance(holder, dict) and holder.get("message"):
                return str(holder["message"])
        if data.get("errorReason"):
            return str(data["errorReason"])
    if code is not None:
        return f"the API returned code {code}"
    return f"the API returned HTTP {exchange.status}"


def classify_code(code: int | None, status: int | None) -> type[ApiResponseError]:
    """Return the ``ApiResponseError`` leaf for an API code and HTTP status.

    Examples
    --------
    >>> classify_code(10004, 401).__name__
    'RefreshToken'
    >>> classify_code(None, 503).__name__
    'RetryLater'
    """
    if code is not None:
        if code in REFRESH_TOKEN_CODES:
            return RefreshToken
        if code in RETRY_LATER_CODES:
            return RetryLater
        if code in FIX_SETUP_CODES:
            return FixSetup
        return FixRequest
    if status is None:
        return ApiResponseError
    if status == 401:
        return RefreshToken
    if status in RETRY_LATER_STATUSES or status >= 500:
        return RetryLater
    if status == 403 or 300 <= status < 400:
        # A redirect usually means the core host instead of the SCRT host.
        return FixSetup
    return FixRequest


def transport_error_class(error_text: str) -> type[TransportError]:
    """Return the ``TransportError`` leaf for ``Exchange.error`` text.

    ``helpers.transport.send`` stores the failure as ``"ClassName: message"``
    with the ``requests`` exception's class name.
    """
    name = error_text.split(":", 1)[0].strip()
    if name in {"SSLError"} or "CERTIFICATE_VERIFY_FAILED" in error_text:
        return TlsError
    if name in {"ConnectTimeout", "ReadTimeout", "Timeout"}:
        return RequestTimedOut
    if name in {"ConnectionError", "ProxyError", "ChunkedEncodingError"}:
        return ConnectionFailed
    return TransportError


def is_error_exchange(exchange: Any) -> bool:
    """Return True when the exchange got no response or an error response."""
    if exchange.status is None:
        return True
    if not 200 <= exchange.status < 300:
        return True
    if response_code(exchange) is not None:
        return True
    try:
        data = json.loads(exchange.response_body or "")
    except ValueError:
        return False
    return isinstance(data, dict) and data.get("success") is False


def error_for_exchange(exchange: Any) -> InteractionApiError | None:
    """Return the exception that describes a failed exchange, or None if it succeeded.

    Parameters
    ----------
    exchange
        A ``helpers.model.Exchange``.

    Returns
    -------
    InteractionApiError or None
        A ``TransportError`` leaf when no response arrived, an
        ``ApiResponseError`` leaf for an error response (including a 2xx
        body with ``"success": false``), and None otherwise.
    """
    if not is_error_exchange(exchange):
        return None
    request = exchange.request
    common = {
        "status": exchange.status,
        "request_id": exchange.request_id,
        "url": exchange.url,
        "body": exchange.response_body,
        "method": request.method,
        "exchange": exchange,
        "findings": exchange.findings,
    }
    if exchange.status is None:
        error_text = exchange.error or "no response"
        cls = transport_error_class(error_text)
        return cls(f"no response from the API: {error_text}", **common)
    code = response_code(exchange)
    cls = classify_code(code, exchange.status)
    return cls(_message_from(exchange, code), code=code, **common)
