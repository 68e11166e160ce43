"""Preflight findings: one problem found in a request before it is sent.

A ``PreflightFinding`` names the API error code the request would most likely
get back (None for advice that has no code), the field at fault as a JSON path
or ``header:Name``, a message that names the value, the fix and a severity.
The code's name and summary come from the code table (``helpers.codes``), so
no code text is repeated here.
"""

from __future__ import annotations

import html
import logging
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from helpers.secrets import mask_text

log = logging.getLogger(__name__)

ERROR = "error"
WARNING = "warning"
SEVERITIES = (ERROR, WARNING)


@lru_cache(maxsize=256)
def _code_entry(code: int) -> Any:
    """Return the code-table row of ``code``, or None when it is not available."""
    try:
        from helpers.codes import lookup
    except ImportError:  # NOTE: only while helpers.codes is not installed.
        return None
    try:
        return lookup(code)
    except Exception:  # noqa: BLE001 - a broken table must not break preflight
        log.warning("code table lookup failed for %s", code, exc_info=True)
        return None


@dataclass
class PreflightFinding:
    """One problem that preflight found in a request.

    Attributes
    ----------
    code
        The API error code the request would most likely get back, or None
        for advice that has no code.
    severity
        ``"error"`` when the API is expected to reject the request,
        ``"warning"`` when it may accept it but the value looks wrong.
    field
        Where the problem is: a JSON path such as
        ``interactions[0].contentLength``, ``header:OrgId`` or ``request``
        for the request as a whole.
    message
        What is wrong, naming the value found.
    fix
        What to change.
    """

    code: int | None
    severity: str
    field: str
    message: str
    fix: str

    def __post_init__(self) -> None:
        if self.code is not None and (not isinstance(self.code, int) or isinstance(self.code, bool)):
            raise TypeError(
                f"code must be an int API error code or None, not the "
                f"{type(self.code).__name__} {_shown(self.code)}"
            )
        for name in ("field", "message", "fix"):
            value = getattr(self, name)
            if not isinstance(value, str):
                raise TypeError(f"{name} must be a str, not the {type(value).__name__} {_shown(value)}")
        if self.severity not in SEVERITIES:
            raise ValueError(
                f"severity must be one of {SEVERITIES}, not {self.severity!r}"
            )

    @property
    def is_error(self) -> bool:
        return self.severity == ERROR

    @property
    def name(self) -> str | None:
        """Symbolic name of ``code`` from the code table, when known."""
        entry = _code_entry(self.code) if self.code is not None else None
        return getattr(entry, "name", None) if entry is not None else None

    @property
    def summary(self) -> str | None:
        """One-line meaning of ``code`` from the code table, when known."""
        entry = _code_entry(self.code) if self.code is not None else None
        return getattr(entry, "summary", None) if entry is not None else None

    def to_dict(self) -> dict[str, Any]:
        """Return a JSON-ready dict with the code's name and summary added."""
        return {
            "code": self.code,
            "severity": self.severity,
            "field": self.field,
            "message": self.message,
            "fix": self.fix,
            "name": self.name,
            "summary": self.summary,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> PreflightFinding:
        """Build a finding from the dict that ``to_dict`` returns."""
        if not isinstance(data, dict):
            raise TypeError(
                f"expected a dict such as PreflightFinding.to_dict() returns, got the "
                f"{type(data).__name__} {_shown(data)}"
            )
        return cls(
            code=data.get("code"),
            severity=data.get("severity", ERROR),
            field=data.get("field", "request"),
            message=data.get("message", ""),
            fix=data.get("fix", ""),
        )

    def headline(self) -> str:
        """Return the first line of the plain-text form."""
        code = f"{self.code}" if self.code is not None else "no code"
        name = f" {self.name}" if self.name else ""
        return f"{self.severity.upper()} [{code}{name}] {self.field}"

    def __str__(self) -> str:
        lines = [self.headline(), f"  {self.message}", f"  Fix: {self.fix}"]
        if self.summary:
            lines.insert(1, f"  API meaning: {self.summary}")
        return "\n".join(lines)

    def _repr_html_(self) -> str:
        colour = "#b00020" if self.is_error else "#8a6d00"
        code = html.escape(str(self.code)) if self.code is not None else "no code"
        name = f" {html.escape(self.name)}" if self.name else ""
        summary = (
            f"<div><i>API meaning:</i> {html.escape(self.summary)}</div>"
            if self.summary
            else ""
        )
        return (
            f'<div style="border-left:4px solid {colour};padding:4px 8px;'
            f'margin:4px 0">'
            f'<div><b style="color:{colour}">{html.escape(self.severity)}</b> '
            f"<code>{code}{name}</code> at <code>{html.escape(self.field)}</code>"
            f"</div>{summary}"
            f"<div>{html.escape(self.message)}</div>"
            f"<div><i>Fix:</i> {html.escape(self.fix)}</div></div>"
        )


def has_errors(findings: list[PreflightFinding]) -> bool:
    """Return True when any finding has error severity.

    Examples
    --------
    >>> has_errors([])
    False
    """
    return any(f.is_error for f in _finding_list(findings))


def sort_findings(findings: list[PreflightFinding]) -> list[PreflightFinding]:
    """Return ``findings`` with errors first, otherwise in the order found."""
    return sorted(_finding_list(findings), key=lambda f: 0 if f.is_error else 1)


def findings_html(findings: list[PreflightFinding]) -> str:
    """Render a list of findings as one HTML block for a notebook."""
    findings = _finding_list(findings)
    if not findings:
        return "<div>No problems found: the request looks valid.</div>"
    return "".join(f._repr_html_() for f in sort_findings(findings))


def _shown(value: Any) -> str:
    """Return a short, masked repr of ``value`` for an error message."""
    return mask_text(repr(value))[:60]


def _finding_list(findings: Any) -> list[PreflightFinding]:
    """Return ``findings`` as a list, raising TypeError unless every item is a finding."""
    if isinstance(findings, (str, bytes, dict)) or not isinstance(findings, Iterable):
        raise TypeError(
            f"expected a list of PreflightFinding, such as preflight.check() returns, got "
            f"the {type(findings).__name__} {_shown(findings)}"
        )
    items = list(findings)
    for position, item in enumerate(items):
        if not isinstance(item, PreflightFinding):
            raise TypeError(
                f"expected a list of PreflightFinding, but item {position} is the "
                f"{type(item).__name__} {_shown(item)}; build findings with "
                "PreflightFinding.from_dict() when they come from JSON"
            )
    return items


class FindingList:
    """Collects findings while the checks walk a request."""

    def __init__(self) -> None:
        self.items: list[PreflightFinding] = []

    def error(self, code: int | None, field_path: str, message: str, fix: str) -> None:
        self.items.append(PreflightFinding(code, ERROR, field_path, message, fix))

    def warning(
        self, code: int | None, field_path: str, message: str, fix: str
    ) -> None:
        self.items.append(PreflightFinding(code, WARNING, field_path, message, fix))
