"""The ``Finding`` record: one decoded error with its explanation.

A finding is plain data. The decoder builds it from the code table
(``helpers.codes``), from the OAuth error table (``data/oauth_errors.csv``) or
from what it recognised about a transport failure or a non-API response. It
prints as plain text, renders as an HTML card in a notebook and round-trips
through ``to_dict`` and ``from_dict``.

Every text a finding carries from its input (message, URL, request id) has
passed through ``helpers.secrets.mask_text``, so no access token reaches a
repr, a log record or a file.
"""

from __future__ import annotations

import html
from dataclasses import dataclass, field, fields
from typing import Any

from helpers.secrets import mask_text

KINDS = ("api", "oauth", "transport", "not_api")

# Masking runs five regular expressions; error messages repeat a lot in logs
# and benchmarks, so the masked form of each message is kept. The cache is
# cleared when it grows past this many entries.
_MASK_CACHE_LIMIT = 4096
_mask_cache: dict[str, str] = {}


def masked(text: Any) -> Any:
    """Return ``text`` with tokens masked; non-strings and empty strings unchanged."""
    if not isinstance(text, str) or not text:
        return text
    cached = _mask_cache.get(text)
    if cached is not None:
        return cached
    result = mask_text(text)
    if len(_mask_cache) >= _MASK_CACHE_LIMIT:
        _mask_cache.clear()
    _mask_cache[text] = result
    return result


@dataclass(slots=True)
class Finding:
    """One error found in an artifact, explained.

    Attributes
    ----------
    code
        The Interaction API error code, or None for OAuth, transport and
        non-API findings and for errors that carry no code.
    known
        True when the code (or OAuth error, or failure) was recognised.
    kind
        ``api``, ``oauth``, ``transport`` or ``not_api``.
    table_version
        The code table version the explanation comes from, or None.
    name
        The symbolic name of the code, the OAuth error, or a short label.
    message
        The error text as received (tokens masked).
    summary, cause, fix
        What happened, its likely cause and what to change.
    retryable, retry_advice
        Whether resending the same request can succeed (``yes``, ``no``,
        ``after-fix``, ...) and how.
    http_status
        The HTTP status the error arrived with, or None when unknown.
    expected_http_status
        The HTTP status the code table gives for the code, or None.
    request_id, method, url
        The request the error belongs to, when the artifact shows it.
    endpoints, fields
        The endpoints and request fields the code concerns.
    closest
        For an unknown code or a text match: ``(code, score)`` pairs, best
        first.
    source
        The artifact shape the finding was read from: ``response``, ``json``,
        ``http``, ``curl``, ``log``, ``har``, ``text-match``, ``exception``.
    """

    code: int | None = None
    known: bool = False
    kind: str = "api"
    table_version: str | None = None
    name: str = ""
    message: str = ""
    summary: str = ""
    cause: str = ""
    fix: str = ""
    retryable: str | None = None
    retry_advice: str = ""
    http_status: int | None = None
    expected_http_status: int | None = None
    request_id: str | None = None
    method: str | None = None
    url: str | None = None
    endpoints: tuple[str, ...] = ()
    fields: tuple[str, ...] = ()
    closest: list[tuple[int, float]] = field(default_factory=list)
    source: str = ""

    def to_dict(self) -> dict[str, Any]:
        """Return the finding as a JSON-ready dict (tuples become lists)."""
        data = {name: getattr(self, name) for name in FIELD_NAMES}
        data["endpoints"] = list(self.endpoints)
        data["fields"] = list(self.fields)
        data["closest"] = [[code, score] for code, score in self.closest]
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Finding:
        """Build a finding from ``to_dict`` output; unknown keys are ignored.

        Raises
        ------
        TypeError
            If ``data`` is not a mapping.
        """
        if not isinstance(data, dict):
            raise TypeError(f"Finding.from_dict expects a dict, got {type(data).__name__}")
        values = {name: data[name] for name in FIELD_NAMES if name in data}
        values["endpoints"] = tuple(values.get("endpoints") or ())
        values["fields"] = tuple(values.get("fields") or ())
        values["closest"] = [(int(c), float(s)) for c, s in values.get("closest") or ()]
        for text_field in ("message", "url", "request_id"):
            if text_field in values:
                values[text_field] = masked(values[text_field])
        return cls(**values)

    @property
    def title(self) -> str:
        """One-line heading: code or kind, name and table version."""
        if self.code is not None:
            head = f"{self.code} {self.name}".rstrip()
        else:
            head = f"{self.kind}: {self.name}" if self.name else self.kind
        if self.table_version:
            head += f" (table {self.table_version})"
        if not self.known and self.kind == "api":
            head += " [unknown code]"
        return head

    def __str__(self) -> str:
        lines = [self.title]
        lines.append(f"What happened: {self.summary}" if self.summary else "")
        if self.message:
            lines.append(f"Message: {self.message}")
        status = self._status_text()
        if status:
            lines.append(status)
        if self.cause:
            lines.append(f"Likely cause: {self.cause}")
        if self.fix:
            lines.append(f"Fix: {self.fix}")
        if self.closest:
            lines.append("Closest known codes: " + _closest_text(self.closest))
        retry = self._retry_text()
        if retry:
            lines.append(f"Retry: {retry}")
        request = self._request_text()
        if request:
            lines.append(f"Request: {request}")
        return "\n".join(line for line in lines if line)

    def _status_text(self) -> str:
        if self.http_status is None and self.expected_http_status is None:
            return ""
        received = self.http_status if self.http_status is not None else "not known"
        text = f"HTTP status: {received}"
        if self.expected_http_status is not None:
            text += f" (the table expects {self.expected_http_status})"
        return text

    def _retry_text(self) -> str:
        parts = [str(p) for p in (self.retryable, self.retry_advice) if p]
        return ": ".join(parts)

    def _request_text(self) -> str:
        parts = [p for p in (self.method, self.url) if p]
        if self.request_id:
            parts.append(f"RequestId {self.request_id}")
        return " ".join(parts)

    def _repr_pretty_(self, printer, cycle: bool) -> None:
        # IPython's plain-text display: a notebook run headless keeps this
        # text output, so it shows the readable block, not the dataclass repr.
        printer.text(str(self))

    def _repr_html_(self) -> str:
        accent = _ACCENTS.get(self.kind, "#555")
        if self.kind == "api" and not self.known:
            accent = "#8a6d00"
        rows = [
            ("What happened", self.summary),
            ("Message received", self.message),
            ("Likely cause", self.cause),
            ("Fix", self.fix),
            ("Closest known codes", _closest_text(self.closest)),
            ("Retry", self._retry_text()),
            ("HTTP status", self._status_text().removeprefix("HTTP status: ")),
            ("Request", self._request_text()),
            ("Endpoints", ", ".join(self.endpoints)),
            ("Fields", ", ".join(self.fields)),
            ("Found in", self.source),
        ]
        body = "".join(
            f'<tr><th style="{_TH_STYLE}">{html.escape(label)}</th>'
            f'<td style="{_TD_STYLE}">{html.escape(str(value))}</td></tr>'
            for label, value in rows
            if value
        )
        return (
            f'<div style="border:1px solid {accent};border-left:6px solid {accent};'
            'border-radius:4px;padding:8px 12px;margin:6px 0;'
            'font-family:sans-serif;font-size:13px;max-width:60em">'
            f'<div style="font-weight:bold;color:{accent};margin-bottom:4px">'
            f"{html.escape(self.title)}</div>"
            f'<table style="border-collapse:collapse">{body}</table></div>'
        )


FIELD_NAMES = tuple(f.name for f in fields(Finding))

_ACCENTS = {"api": "#b03a2e", "oauth": "#7d3c98", "transport": "#1f618d", "not_api": "#616a6b"}
_TH_STYLE = "text-align:left;vertical-align:top;padding:2px 10px 2px 0;white-space:nowrap"
_TD_STYLE = "text-align:left;vertical-align:top;padding:2px 0"


def _closest_text(closest: list[tuple[int, float]]) -> str:
    return ", ".join(f"{code} (score {score:.2f})" for code, score in closest)
