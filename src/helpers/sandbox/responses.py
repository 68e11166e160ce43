"""Error and success bodies of the sandbox.

Every error body takes its text from ``helpers.codes.message_for`` and its
HTTP status from the code table (``helpers.codes.lookup(...).http_status``),
unless ``Settings.http_status_overrides`` names the code. This module contains
no code's text. ``ApiError`` is how a check stops a request with a code.
"""

from __future__ import annotations

import json
from typing import Any

from werkzeug.wrappers import Response

from helpers import codes
from helpers.sandbox.settings import ERROR_DETAIL_ENDPOINTS, Settings

CATCH_ALL_CODE = 500

# HTTP status when the code table has none for a code.
FALLBACK_STATUS = 400


class ApiError(Exception):
    """Stop the request with an Interaction API error ``code``.

    ``reason`` names the check that failed, for the sandbox log and the request
    journal; it never reaches the response body, whose text comes from the
    code table.
    """

    def __init__(self, code: int, reason: str = "") -> None:
        super().__init__(f"{code}: {reason}" if reason else str(code))
        self.code = code
        self.reason = reason


def table_version(settings: Settings) -> str:
    """Return the code-table version the settings select."""
    if settings.table_version == "latest":
        return codes.latest_version()
    return codes.BASE_VERSION


def _lookup(code: int, settings: Settings):
    version = table_version(settings)
    return codes.lookup(code, version) or codes.lookup(code, codes.BASE_VERSION) or codes.lookup(code)


def later_code(code: int, settings: Settings, fallback: int = CATCH_ALL_CODE) -> int:
    """Return ``code`` when the selected table lists it, else ``fallback``.

    The 2024-11 table has no code for some mistakes that later tables name
    (an unknown ``userId`` is 15106 since 2025). With ``table_version`` set
    to ``2024-11`` those mistakes get ``fallback``: the table's catch-all
    500 unless the caller names a 2024-11 code that covers the mistake.
    """
    if settings.table_version != "latest":
        return fallback
    row = codes.lookup(code, codes.latest_version())
    if row is None or row.removed:
        return fallback
    return code


def http_status(code: int, settings: Settings) -> int:
    """Return the HTTP status for ``code``: the override, else the table's."""
    if code in settings.http_status_overrides:
        return settings.http_status_overrides[code]
    row = _lookup(code, settings)
    status = getattr(row, "http_status", None) if row is not None else None
    try:
        return int(status) if status not in (None, "") else FALLBACK_STATUS
    except (TypeError, ValueError):
        return FALLBACK_STATUS


def message(code: int, settings: Settings) -> str:
    """Return the table's text for ``code`` in the selected version.

    A code the selected version does not list (10040 after its removal)
    keeps the text of the newest version that lists it.
    """
    text = codes.message_for(code, table_version(settings))
    if text is None:
        row = codes.lookup(code)
        text = codes.message_for(code, row.table_version) if row is not None else None
    return text or ""


def error_body(code: int, method: str, endpoint: str, settings: Settings) -> dict[str, Any]:
    """Return the error body for ``code`` in the shape the settings select."""
    error = {"code": code, "message": message(code, settings)}
    if settings.error_shape == "success_false":
        return {"success": False, **error}
    if settings.error_shape == "error_detail" and (method, endpoint) in ERROR_DETAIL_ENDPOINTS:
        return {"success": False, "errorDetail": error}
    return error


def error_response(code: int, method: str, endpoint: str, settings: Settings) -> Response:
    """Return the full error response for ``code`` on ``method`` ``endpoint``."""
    body = error_body(code, method.upper(), endpoint, settings)
    return json_response(body, http_status(code, settings))


def json_response(
    data: Any, status: int = 200, headers: dict[str, str] | None = None
) -> Response:
    """Return ``data`` as a JSON response."""
    response = Response(
        json.dumps(data, separators=(",", ":"), default=str),
        status=status,
        mimetype="application/json",
    )
    for name, value in (headers or {}).items():
        response.headers[name] = value
    return response


def sandbox_error(status: int, error: str, message: str, **extra: Any) -> Response:
    """Return a JSON error of the sandbox itself (not an API code): 404, 405, 431."""
    return json_response({"error": error, "message": message, **extra}, status)
