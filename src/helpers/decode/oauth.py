"""Explain OAuth token endpoint errors (``{"error": ..., "error_description": ...}``).

The explanations live in ``data/oauth_errors.csv``: one row per OAuth
``error`` value and, where the cause depends on it, per phrase of the
``error_description``. A row with an ``applies_from`` date (``YYYY-MM``)
gives advice that applies only from that date on, such as the My Domain
audience that External Client Apps need in orgs created from Spring '26 on.
The finding prints the date next to that advice.
"""

from __future__ import annotations

import csv
import functools
import importlib.resources
import logging
from dataclasses import dataclass
from pathlib import Path

from helpers.decode.finding import Finding, masked

log = logging.getLogger(__name__)

_SOURCE_CSV = Path(__file__).resolve().parents[3] / "data" / "oauth_errors.csv"

# The OAuth error values (RFC 6749 section 5.2 and Salesforce's own) that
# mark a JSON object as a token endpoint error even when the CSV lacks a row.
STANDARD_ERRORS = frozenset(
    {
        "invalid_request",
        "invalid_client",
        "invalid_grant",
        "unauthorized_client",
        "unsupported_grant_type",
        "invalid_scope",
        "access_denied",
    }
)


@dataclass(frozen=True, slots=True)
class OAuthAdvice:
    """One row of ``data/oauth_errors.csv``."""

    error: str
    description_contains: str
    summary: str
    cause: str
    fix: str
    retryable: str
    applies_from: str


def csv_path() -> Path:
    """Return the path of the OAuth error table: the source tree's, else the packaged copy."""
    if _SOURCE_CSV.is_file():
        return _SOURCE_CSV
    return Path(str(importlib.resources.files("helpers") / "data" / "oauth_errors.csv"))


@functools.lru_cache(maxsize=1)
def advice_table() -> tuple[OAuthAdvice, ...]:
    """Load ``data/oauth_errors.csv`` once; an unreadable file gives an empty table."""
    try:
        with csv_path().open(newline="", encoding="utf-8") as handle:
            rows = [OAuthAdvice(**{k: (v or "").strip() for k, v in row.items()})
                    for row in csv.DictReader(handle)]
    except (OSError, TypeError, ValueError):
        log.warning("OAuth error table %s could not be read", csv_path(), exc_info=True)
        return ()
    return tuple(rows)


@functools.lru_cache(maxsize=1)
def known_errors() -> frozenset[str]:
    """Return every OAuth ``error`` value the table or the standard names."""
    return STANDARD_ERRORS | {row.error for row in advice_table()}


def is_oauth_error(error: object) -> bool:
    """Return whether ``error`` is an OAuth token endpoint error value."""
    return isinstance(error, str) and error.strip().lower() in known_errors()


def matching_advice(error: str, description: str) -> list[OAuthAdvice]:
    """Return the table rows that explain ``error`` with ``description``.

    Rows whose phrase occurs in the description come first; when none does,
    the row for the error without a phrase.
    """
    error = error.strip().lower()
    text = (description or "").lower().replace("\u2019", "'")
    rows = [row for row in advice_table() if row.error == error]
    specific = [r for r in rows if r.description_contains and r.description_contains in text]
    if specific:
        return specific
    return [r for r in rows if not r.description_contains]


def oauth_finding(
    error: str,
    description: str = "",
    *,
    http_status: int | None = None,
    request_id: str | None = None,
    method: str | None = None,
    url: str | None = None,
    source: str = "json",
) -> Finding:
    """Build the finding for an OAuth token endpoint error."""
    error = str(error).strip()
    description = masked(str(description or "").strip())
    rows = matching_advice(error, description)
    message = f"{error}: {description}" if description else error
    if not rows:
        return Finding(
            kind="oauth", known=False, name=error, message=message,
            summary=f"The OAuth token endpoint returned the error {error!r}.",
            cause="This OAuth error is not in the kit's table of token endpoint errors.",
            fix="Read the error description; check the app's OAuth policies, the "
            "consumer key and the login host.",
            http_status=http_status, request_id=masked(request_id), method=method,
            url=masked(url), source=source,
        )
    return Finding(
        kind="oauth",
        known=True,
        name=error,
        message=message,
        summary=rows[0].summary,
        cause=" ".join(_dated(row.cause, row.applies_from) for row in rows),
        fix=" ".join(_dated(row.fix, row.applies_from) for row in rows),
        retryable=rows[0].retryable or None,
        retry_advice="Request a new token after the fix; resending the same "
        "assertion fails the same way." if rows[0].retryable != "yes" else
        "Wait and request a token again; cache tokens to avoid this.",
        http_status=http_status,
        request_id=masked(request_id),
        method=method,
        url=masked(url),
        source=source,
    )


def _dated(text: str, applies_from: str) -> str:
    if not applies_from or not text:
        return text
    return f"From {applies_from} on, {text[0].lower()}{text[1:]}"
