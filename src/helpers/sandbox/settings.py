"""Settings of the sandbox: the behaviours no public source pins down.

Every behaviour of the emulator that the API reference marks as inferred is a
field here, with the default the kit believes most likely. A user changes them
with ``start(settings=...)``, ``PUT /__sandbox__/settings`` or the flags of
``python -m helpers sandbox``. ``docs/sandbox.md`` lists every field.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Any

from helpers import codes

ERROR_SHAPES = ("plain", "success_false", "error_detail")
TABLE_VERSIONS = ("2024-11", "latest")
MISSING_FILE_CODES = (10009, 10011)
ORG_MISMATCH_CODES = (10004, 10016)
OAUTH_TOKEN_STYLES = ("opaque", "jwt")

# Endpoints whose documented response object carries ``errorDetail``; the
# ``error_detail`` shape nests the error there and nowhere else.
ERROR_DETAIL_ENDPOINTS = frozenset(
    {
        ("PATCH", "consent"),
        ("PATCH", "capabilities"),
        ("POST", "routingResult"),
        ("POST", "participant"),
        ("PATCH", "agentWork"),
    }
)

MEBIBYTE = 1024 * 1024


class SettingsError(ValueError):
    """A settings value is invalid; the message names the key and the allowed values."""


@dataclass
class Settings:
    """Behaviour switches of the sandbox.

    Attributes
    ----------
    error_shape
        ``plain`` returns ``{"code", "message"}``; ``success_false`` adds
        ``"success": false``; ``error_detail`` returns
        ``{"success": false, "errorDetail": {"code", "message"}}`` on the
        endpoints whose response object defines ``errorDetail`` and the plain
        shape elsewhere.
    strict_org_id_15
        Reject an 18-character ``OrgId`` header with 10016.
    table_version
        ``2024-11`` or ``latest``: which wording of the code table the error
        messages use, and whether codes added after 2024-11 may be returned
        where the 2024-11 table has only the catch-all 500.
    context_type_case_sensitive
        Compare ``AuthorizationContextType`` case-sensitively.
    http_status_overrides
        Code to HTTP status, applied over the table's status.
    org_mismatch_code
        Code for a token whose org differs from the ``OrgId`` header.
    missing_file_code
        Code for an ``AttachmentInteraction`` sent without a file.
    from_max_length
        Maximum length of ``from`` in ``POST /interactions`` (spec 255,
        docs 240).
    history_max_entries
        Maximum ``conversationEntries`` per ``POST /conversationHistory``
        (spec 25, docs 5).
    history_max_age_hours
        Entries older than this are rejected with 10046.
    history_max_future_seconds
        Entries further in the future than this are rejected with 10046.
    route_reject_flow_and_queue
        Reject ``routingInfo`` carrying both ``flow`` and ``queueId`` with
        10030.
    unique_request_id
        Reject a ``RequestId`` already seen with 10016.
    max_attachment_bytes
        Largest accepted attachment, in bytes (25 MiB).
    request_log_size
        Number of requests kept by ``GET /__sandbox__/requests``.
    oauth_token_style
        ``opaque`` or ``jwt``: the style of tokens the OAuth token endpoint
        (``helpers.sandbox.oauth``) issues.
    oauth_accept_login_hosts
        Let the OAuth token endpoint also accept the legacy login hosts as
        the assertion's audience.
    """

    error_shape: str = "plain"
    strict_org_id_15: bool = False
    table_version: str = "2024-11"
    context_type_case_sensitive: bool = False
    http_status_overrides: dict[int, int] = field(default_factory=dict)
    org_mismatch_code: int = 10004
    missing_file_code: int = 10009
    from_max_length: int = 255
    history_max_entries: int = 25
    history_max_age_hours: float = 24.0
    history_max_future_seconds: float = 300.0
    route_reject_flow_and_queue: bool = False
    unique_request_id: bool = False
    max_attachment_bytes: int = 25 * MEBIBYTE
    request_log_size: int = 200
    oauth_token_style: str = "opaque"
    oauth_accept_login_hosts: bool = False

    def __post_init__(self) -> None:
        self.validate()

    def validate(self) -> None:
        """Check every field and raise ``SettingsError`` naming the first bad one."""
        _check_choice("error_shape", self.error_shape, ERROR_SHAPES)
        _check_choice("table_version", self.table_version, TABLE_VERSIONS)
        _check_choice("org_mismatch_code", self.org_mismatch_code, ORG_MISMATCH_CODES)
        _check_choice("missing_file_code", self.missing_file_code, MISSING_FILE_CODES)
        for name in ("strict_org_id_15", "context_type_case_sensitive"):
            _check_type(name, getattr(self, name), bool)
        _check_choice("oauth_token_style", self.oauth_token_style, OAUTH_TOKEN_STYLES)
        _check_type("oauth_accept_login_hosts", self.oauth_accept_login_hosts, bool)
        for name in ("route_reject_flow_and_queue", "unique_request_id"):
            _check_type(name, getattr(self, name), bool)
        for name in ("from_max_length", "history_max_entries", "request_log_size"):
            _check_positive_int(name, getattr(self, name))
        _check_positive_int("max_attachment_bytes", self.max_attachment_bytes)
        for name in ("history_max_age_hours", "history_max_future_seconds"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, (int, float)) or value < 0:
                raise SettingsError(f"{name}: expected a number >= 0, got {value!r}")
        self.http_status_overrides = _normalise_overrides(self.http_status_overrides)

    def to_dict(self) -> dict[str, Any]:
        """Return the settings as JSON-ready data (override keys as strings)."""
        data = dataclasses.asdict(self)
        data["http_status_overrides"] = {
            str(code): status for code, status in self.http_status_overrides.items()
        }
        return data

    def updated(self, changes: dict[str, Any]) -> Settings:
        """Return a copy with ``changes`` applied; raise ``SettingsError`` on a bad key."""
        return Settings.from_dict({**self.to_dict(), **dict(changes)})

    @classmethod
    def from_dict(cls, data: dict[str, Any] | None) -> Settings:
        """Build settings from a dict, rejecting unknown keys by name."""
        data = dict(data or {})
        known = {f.name for f in dataclasses.fields(cls)}
        unknown = sorted(set(data) - known)
        if unknown:
            raise SettingsError(
                f"unknown sandbox setting(s) {', '.join(unknown)}; "
                f"known settings: {', '.join(sorted(known))}"
            )
        return cls(**data)

    @classmethod
    def coerce(cls, value: Settings | dict[str, Any] | None) -> Settings:
        """Return ``value`` as ``Settings``: a copy of an instance, or built from a dict."""
        if isinstance(value, Settings):
            return cls.from_dict(value.to_dict())
        if value is None or isinstance(value, dict):
            return cls.from_dict(value)
        raise SettingsError(
            f"settings must be a Settings object or a dict, got {type(value).__name__}"
        )


def _check_choice(name: str, value: Any, choices: tuple) -> None:
    if value not in choices:
        allowed = ", ".join(repr(c) for c in choices)
        raise SettingsError(f"{name}: {value!r} is not one of {allowed}")


def _check_type(name: str, value: Any, kind: type) -> None:
    if not isinstance(value, kind):
        raise SettingsError(f"{name}: expected {kind.__name__}, got {value!r}")


def _check_positive_int(name: str, value: Any) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
        raise SettingsError(f"{name}: expected an integer > 0, got {value!r}")


def _normalise_overrides(overrides: Any) -> dict[int, int]:
    if not isinstance(overrides, dict):
        raise SettingsError(
            f"http_status_overrides: expected a mapping of code to status, got {overrides!r}"
        )
    result: dict[int, int] = {}
    for code, status in overrides.items():
        try:
            code_number, status_number = int(code), int(status)
        except (TypeError, ValueError):
            raise SettingsError(
                f"http_status_overrides: {code!r}: {status!r} is not a code and an "
                "HTTP status; write for example {\"10004\": 403}"
            ) from None
        if not 100 <= status_number <= 599:
            raise SettingsError(
                f"http_status_overrides: status {status_number} for code {code_number} "
                "is outside 100-599"
            )
        # An override for a code the sandbox never sends would do nothing.
        if codes.lookup(code_number) is None:
            raise SettingsError(
                f"http_status_overrides: code {code_number} is not in the code "
                "table; pass a code that data/codes.csv lists, such as 10004"
            )
        result[code_number] = status_number
    return result
