"""Redaction of recorded sessions before they are shared.

``redact_session`` replaces every secret and, by default, every personal value
in a ``helpers.journal.Session`` with a placeholder such as ``<token-1>``,
``<end-user-2>`` or ``<text-3>``. The same value always gets the same
placeholder within one session, so a reader can still follow one conversation
from exchange to exchange. A value found in one field is also replaced
wherever else it occurs, such as inside a URL, an error message or a JSON body
kept as text.

What is replaced:

- always: access tokens (``Bearer`` credentials, JWTs, ``<orgId>!...``
  tokens, the ``<token:...>`` masks of ``helpers.secrets``), private keys,
  connected-app consumer keys (``3MVG...`` and the ``iss`` of an assertion),
  client secrets and passwords (form bodies, JSON fields, URL userinfo);
- by default: end-user client ids, message text, usernames and emails;
- on request: org ids, channel address identifiers and host names, which
  support teams usually need and are therefore kept by default.

``find_secrets`` scans finished text for anything that still looks like a
credential; the exporter runs it on every file it writes.
"""

from __future__ import annotations

import base64
import binascii
import copy
import html
import json
import re
import urllib.parse
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass, field
from typing import Any

from helpers.journal import Session
from helpers.secrets import (
    BEARER_PATTERN,
    JWT_PATTERN,
    LOOSE_OPAQUE_TOKEN_PATTERN,
    OPAQUE_TOKEN_PATTERN,
    PRIVATE_KEY_PATTERN,
    token_placeholder,
)

# Kinds of value, in priority order: when one value is found as two kinds,
# the earlier kind names its placeholder.
KINDS = (
    "access_token",
    "private_key",
    "secret",
    "consumer_key",
    "custom",
    "username",
    "end_user_id",
    "message_text",
    "org_id",
    "channel_address",
    "host",
)
PLACEHOLDER_PREFIX = {
    "access_token": "token",
    "private_key": "private-key",
    "secret": "secret",
    "consumer_key": "consumer-key",
    "custom": "redacted",
    "username": "username",
    "end_user_id": "end-user",
    "message_text": "text",
    "org_id": "org-id",
    "channel_address": "channel",
    "host": "host",
}
KIND_LABELS = {
    "access_token": "access tokens",
    "private_key": "private keys",
    "secret": "client secrets and passwords",
    "consumer_key": "consumer keys",
    "custom": "values named by the caller",
    "username": "usernames and emails",
    "end_user_id": "end-user client ids",
    "message_text": "message text",
    "org_id": "org ids",
    "channel_address": "channel address identifiers",
    "host": "host names",
}

PLACEHOLDER_PATTERN = re.compile(
    r"<(?:%s)-\d+>" % "|".join(re.escape(p) for p in PLACEHOLDER_PREFIX.values())
)
MASKED_TOKEN_PATTERN = re.compile(r"<token:[0-9a-f]{8}>")
MASKED_KEY_PATTERN = re.compile(r"<private key: [A-Z ]+>")
CONSUMER_KEY_PATTERN = re.compile(r"(?<![A-Za-z0-9])3MVG[A-Za-z0-9._]{20,}")
EMAIL_PATTERN = re.compile(
    r"(?<![A-Za-z0-9._%+-])[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}"
)
URL_USERINFO_PATTERN = re.compile(r"(?i)\b[a-z][a-z0-9+.-]*://([^/\s:@]+):([^/\s@]+)@")
FORM_SECRET_PATTERN = re.compile(
    r"(?i)(?:^|[?&\s])(?:password|passwd|client_secret|clientsecret)=([^&\s\"']+)"
)
FORM_TOKEN_PATTERN = re.compile(
    r"(?i)(?:^|[?&\s])(?:access_token|refresh_token|assertion|token)=([^&\s\"']+)"
)
URL_HOST_PATTERN = re.compile(
    r"(?i)\b[a-z][a-z0-9+.-]*://(?:[^/\s@]*@)?([A-Za-z0-9.-]+)"
)
LOOPBACK_HOSTS = frozenset({"127.0.0.1", "localhost", "::1"})
ORG_ID_PATTERN = re.compile(
    r"(?<![A-Za-z0-9])00D[A-Za-z0-9]{12}(?:[A-Za-z0-9]{3})?(?![A-Za-z0-9])"
)

SECRET_FIELDS = frozenset(
    {"password", "passwd", "client_secret", "clientsecret", "secret", "private_key"}
)
TOKEN_FIELDS = frozenset({"access_token", "refresh_token", "assertion", "id_token"})
USERNAME_FIELDS = frozenset({"username", "user_name", "email"})
END_USER_FIELDS = frozenset({"from", "endUserClientId", "end_user_client_id"})
TEXT_FIELDS = frozenset({"text"})
PARTNER_TEXT_FIELDS = frozenset({"errorMessage"})
CHANNEL_FIELDS = frozenset(
    {"to", "channelAddressIdentifier", "channel_address_identifier"}
)
ORG_FIELDS = frozenset({"orgId", "org_id", "OrgId"})
BASE64_FIELDS = frozenset({"raw_body_base64"})
FREE_TEXT_RECORDS = frozenset({"annotation", "note"})

# Values shorter than this are replaced only where a whole string or a whole
# JSON string literal equals them, because a short text such as "ok" would
# otherwise match inside unrelated words.
MIN_SUBSTRING_LENGTH = 4
_WORD = r"A-Za-z0-9"


@dataclass(frozen=True)
class RedactOptions:
    """Choice of values that ``redact_session`` replaces beyond the secrets.

    Parameters
    ----------
    end_user_ids
        Replace end-user client ids (``from``, ``endUserClientId``, the
        ``subject`` of an end-user participant or recipient).
    message_text
        Replace message text (``text`` fields, the partner's ``errorMessage``).
    usernames
        Replace Salesforce usernames and email addresses.
    org_ids
        Replace org ids (``00D...``); kept by default because support needs them.
    channel_addresses
        Replace channel address identifiers (``to``,
        ``channelAddressIdentifier``); kept by default for the same reason.
    hosts
        Replace host names in URLs other than the loopback (a My Domain
        host names the customer); kept by default like org ids.
    attachments
        Replace the bytes of uploaded files with filler of the same length.
    extra_values
        Further literal strings to replace, such as a customer's name.
    """

    end_user_ids: bool = True
    message_text: bool = True
    usernames: bool = True
    org_ids: bool = False
    channel_addresses: bool = False
    hosts: bool = False
    attachments: bool = True
    extra_values: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if isinstance(self.extra_values, str):
            raise TypeError("extra_values must be a list of strings, not one string")
        for value in self.extra_values:
            if not isinstance(value, str) or not value.strip():
                raise ValueError(
                    f"extra_values must contain non-empty strings, got {value!r}"
                )
        object.__setattr__(self, "extra_values", tuple(self.extra_values))

    def enabled(self, kind: str) -> bool:
        optional = {
            "end_user_id": self.end_user_ids,
            "message_text": self.message_text,
            "username": self.usernames,
            "org_id": self.org_ids,
            "channel_address": self.channel_addresses,
            "host": self.hosts,
        }
        return optional.get(kind, True)


@dataclass
class RedactionReport:
    """Summary of a redaction: per kind, distinct values and occurrences.

    The report never contains an original value, so it can be shared with the
    session. ``placeholders`` maps each placeholder to its kind, the length
    of the value it replaced and how often it was used. A replay uses the
    length to send a stand-in of the same size. Token placeholders also
    carry the 8-hex-digit fingerprint that ``helpers.secrets`` masks show.
    """

    options: RedactOptions
    counts: dict[str, dict[str, int]] = field(default_factory=dict)
    placeholders: dict[str, dict[str, Any]] = field(default_factory=dict)
    attachments_replaced: int = 0

    @property
    def total(self) -> int:
        return sum(c["occurrences"] for c in self.counts.values())

    def to_dict(self) -> dict[str, Any]:
        return {
            "options": asdict(self.options)
            | {"extra_values": len(self.options.extra_values)},
            "counts": self.counts,
            "placeholders": self.placeholders,
            "attachments_replaced": self.attachments_replaced,
            "kept": [KIND_LABELS[k] for k in KINDS if not self.options.enabled(k)],
        }

    def rows(self) -> list[tuple[str, int, int, str]]:
        """Return ``(label, values, occurrences, example placeholder)`` per kind."""
        rows = []
        for kind in KINDS:
            count = self.counts.get(kind)
            if count:
                example = f"<{PLACEHOLDER_PREFIX[kind]}-1>"
                label = KIND_LABELS[kind]
                rows.append((label, count["values"], count["occurrences"], example))
        return rows

    def __str__(self) -> str:
        lines = [f"Redaction: {self.total} replacements"]
        width = max([len(r[0]) for r in self.rows()] + [10])
        for label, values, occurrences, example in self.rows():
            lines.append(
                f"  {label:<{width}}  {values:>3} values  {occurrences:>5} times"
                f"  as {example}"
            )
        if self.attachments_replaced:
            lines.append(f"  attachment contents replaced: {self.attachments_replaced}")
        kept = [KIND_LABELS[k] for k in KINDS if not self.options.enabled(k)]
        if kept:
            lines.append("  kept as recorded: " + ", ".join(kept))
        return "\n".join(lines)

    def _repr_pretty_(self, printer, cycle: bool) -> None:
        # IPython shows this as text/plain next to the HTML, for readers
        # of a notebook run headless.
        printer.text(str(self))

    def _repr_html_(self) -> str:
        cells = "".join(
            f"<tr><td>{html.escape(label)}</td><td>{values}</td><td>{occurrences}</td>"
            f"<td><code>{html.escape(example)}</code></td></tr>"
            for label, values, occurrences, example in self.rows()
        )
        kept = [KIND_LABELS[k] for k in KINDS if not self.options.enabled(k)]
        kept_html = (
            f"<p>Kept as recorded: {html.escape(', '.join(kept))}.</p>" if kept else ""
        )
        attachments = (
            f"<p>Attachment contents replaced: {self.attachments_replaced}.</p>"
            if self.attachments_replaced
            else ""
        )
        return (
            "<div class='isapi-redaction'>"
            f"<p><b>Redaction:</b> {self.total} replacements</p>"
            "<table><thead><tr><th>kind</th><th>values</th><th>occurrences</th>"
            f"<th>placeholder</th></tr></thead><tbody>{cells}</tbody></table>"
            f"{attachments}{kept_html}</div>"
        )


def redact_session(
    session: Session, options: RedactOptions | None = None
) -> tuple[Session, RedactionReport]:
    """Return a copy of ``session`` with secrets and personal values replaced.

    Parameters
    ----------
    session
        A session from ``helpers.journal.load_journal``; it is not changed.
    options
        What to replace beyond the secrets that are always replaced.

    Returns
    -------
    tuple of (Session, RedactionReport)
        The redacted copy (its ``meta["redaction"]`` contains the report as a
        dict) and the report.

    Examples
    --------
    >>> redacted, report = redact_session(load_journal("s.jsonl"))  # doctest: +SKIP
    >>> print(report)  # doctest: +SKIP
    """
    if not isinstance(session, Session):
        raise TypeError(
            f"redact_session() takes a Session, not {type(session).__name__}"
        )
    options = options or RedactOptions()
    if not isinstance(options, RedactOptions):
        raise TypeError(f"options must be RedactOptions, not {type(options).__name__}")
    records = [session.header, *session.records]
    finder = _ValueFinder(options)
    finder.scan(records)
    replacer = _Replacer(finder.values, options)
    redacted = [replacer.apply(copy.deepcopy(record)) for record in records]
    report = RedactionReport(
        options=options,
        counts=replacer.counts(),
        placeholders=replacer.placeholder_info(),
        attachments_replaced=replacer.attachments_replaced,
    )
    result = Session(
        header=redacted[0],
        records=redacted[1:],
        source=session.source,
        warnings=list(session.warnings),
        meta=dict(session.meta) | {"redaction": report.to_dict()},
    )
    return result, report


def redact_text(text: str, options: RedactOptions | None = None) -> str:
    """Redact one piece of text on its own, with patterns only.

    Without the structure of a session, only what patterns recognise is
    replaced: tokens, private keys, consumer keys, secrets in forms and
    URLs, emails, and org ids when ``options.org_ids`` is set.
    """
    if not isinstance(text, str):
        raise TypeError(f"redact_text() takes a string, not {type(text).__name__}")
    options = options or RedactOptions()
    finder = _ValueFinder(options)
    finder.scan_text(text)
    return _Replacer(finder.values, options).replace(text)


def find_secrets(text: str) -> list[str]:
    """Return the kinds of credential still visible in ``text``, if any.

    Looks for JWTs, ``<orgId>!...`` tokens, ``Bearer`` credentials that are
    not placeholders, the ``<token:...>`` masks, private keys and consumer
    keys. An empty list means none was found.
    """
    found = []
    checks = [
        ("JWT", JWT_PATTERN),
        ("opaque access token", OPAQUE_TOKEN_PATTERN),
        ("opaque access token", LOOSE_OPAQUE_TOKEN_PATTERN),
        ("token mask", MASKED_TOKEN_PATTERN),
        ("private key", PRIVATE_KEY_PATTERN),
        ("consumer key", CONSUMER_KEY_PATTERN),
    ]
    for label, pattern in checks:
        if pattern.search(text) and label not in found:
            found.append(label)
    for match in BEARER_PATTERN.finditer(text):
        credential = match.group(3)
        if not credential.startswith(("$", "<")) and "bearer token" not in found:
            found.append("bearer token")
    return found


class _ValueFinder:
    """Collect the values to replace, each with its kind, in order of appearance."""

    def __init__(self, options: RedactOptions) -> None:
        self.options = options
        self.values: dict[str, str] = {}
        for value in options.extra_values:
            self.add(value, "custom")

    def add(self, value: Any, kind: str) -> None:
        if not isinstance(value, str) or not value.strip():
            return
        if not self.options.enabled(kind) or PLACEHOLDER_PATTERN.fullmatch(value):
            return
        if kind == "org_id" and len(value) == 18:
            # The 15-character form is the same org; one placeholder for both.
            self.add(value[:15], kind)
        current = self.values.get(value)
        if current is None or KINDS.index(kind) < KINDS.index(current):
            self.values[value] = kind

    def scan(self, records: Iterable[Any]) -> None:
        for record in records:
            if isinstance(record, Mapping) and record.get("type") in FREE_TEXT_RECORDS:
                # An engineer's own note is not a message, so it is not replaced
                # as a whole; values found elsewhere are still replaced inside it.
                self.scan_text(str(record.get("text") or ""))
                rest = {k: v for k, v in record.items() if k != "text"}
                self._walk(rest, None, None)
            else:
                self._walk(record, None, None)

    def _walk(self, value: Any, key: str | None, parent: Mapping | None) -> None:
        if isinstance(value, Mapping):
            self._scan_mapping(value)
            for child_key, child in value.items():
                self._walk(child, str(child_key), value)
        elif isinstance(value, list):
            for item in value:
                self._walk(item, key, parent)
        elif isinstance(value, str):
            self._scan_field(key, value)

    def _scan_field(self, key: str | None, value: str) -> None:
        if key in BASE64_FIELDS:
            text = _decode_base64_text(value)
            if text is not None:
                self.scan_text(text)
            return
        self.scan_text(value)
        parsed = _parse_json_document(value)
        if parsed is not None:
            self._walk(parsed, None, None)

    def _scan_mapping(self, mapping: Mapping) -> None:
        lowered = {str(k).lower(): k for k in mapping}
        for name, value in mapping.items():
            name = str(name)
            if not isinstance(value, str):
                continue
            lower = name.lower()
            if lower in SECRET_FIELDS:
                self.add(value, "secret")
            elif lower in TOKEN_FIELDS:
                self.add(value, "access_token")
                self._scan_assertion(value)
            elif lower in USERNAME_FIELDS:
                self.add(value, "username")
            elif name in END_USER_FIELDS:
                self.add(value, "end_user_id")
            elif name in TEXT_FIELDS or name in PARTNER_TEXT_FIELDS:
                self.add(value, "message_text")
            elif name in CHANNEL_FIELDS:
                self.add(value, "channel_address")
            elif name in ORG_FIELDS:
                self.add(value, "org_id")
            elif lower == "authorization":
                self._scan_authorization(value)
        if "subject" in lowered and _is_end_user_participant(mapping):
            self.add(mapping[lowered["subject"]], "end_user_id")
        for holder in ("recipient", "sender"):
            participant = mapping.get(holder)
            if isinstance(participant, Mapping) and (
                holder == "recipient" or _is_end_user_participant(participant)
            ):
                self.add(participant.get("subject"), "end_user_id")

    def _scan_authorization(self, value: str) -> None:
        _, _, credential = value.strip().partition(" ")
        credential = credential.strip() or value.strip()
        if credential and not credential.startswith("<"):
            self.add(credential, "access_token")

    def _scan_assertion(self, value: str) -> None:
        claims = _jwt_claims(value)
        if claims:
            self.add(claims.get("iss"), "consumer_key")
            self.add(claims.get("sub"), "username")

    def scan_text(self, text: str) -> None:
        """Collect what patterns recognise: keys, tokens, secrets, then ids."""
        for match in PRIVATE_KEY_PATTERN.finditer(text):
            self.add(match.group(0), "private_key")
        for match in MASKED_KEY_PATTERN.finditer(text):
            self.add(match.group(0), "private_key")

        for match in JWT_PATTERN.finditer(text):
            self.add(match.group(0), "access_token")
            self._scan_assertion(match.group(0))
        token_patterns = (
            OPAQUE_TOKEN_PATTERN,
            LOOSE_OPAQUE_TOKEN_PATTERN,
            MASKED_TOKEN_PATTERN,
        )
        for pattern in token_patterns:
            for match in pattern.finditer(text):
                self.add(match.group(0), "access_token")
        for match in BEARER_PATTERN.finditer(text):
            if not match.group(3).startswith("<"):
                self.add(match.group(3), "access_token")

        for match in FORM_TOKEN_PATTERN.finditer(text):
            self.add(urllib.parse.unquote(match.group(1)), "access_token")
            self.add(match.group(1), "access_token")
        for match in FORM_SECRET_PATTERN.finditer(text):
            self.add(urllib.parse.unquote(match.group(1)), "secret")
            self.add(match.group(1), "secret")
        for match in URL_USERINFO_PATTERN.finditer(text):
            self.add(match.group(2), "secret")
            self.add(match.group(1), "username")

        for match in CONSUMER_KEY_PATTERN.finditer(text):
            self.add(match.group(0), "consumer_key")
        for match in EMAIL_PATTERN.finditer(text):
            self.add(match.group(0), "username")
        for match in ORG_ID_PATTERN.finditer(text):
            self.add(match.group(0), "org_id")
        for match in URL_HOST_PATTERN.finditer(text):
            if match.group(1).lower() not in LOOPBACK_HOSTS:
                self.add(match.group(1), "host")


class _Replacer:
    """Replace collected values with numbered placeholders and count them."""

    def __init__(self, values: dict[str, str], options: RedactOptions) -> None:
        self.options = options
        self.kinds = dict(values)
        self.placeholders: dict[str, str] = {}
        self.lengths: dict[str, int] = {}
        self.occurrences: Counter[str] = Counter()
        self.attachments_replaced = 0
        numbers: Counter[str] = Counter()
        for value, kind in values.items():
            key = value[:15] if kind == "org_id" and len(value) == 18 else value
            if key in self.placeholders:
                self.placeholders[value] = self.placeholders[key]
                continue
            numbers[kind] += 1
            placeholder = f"<{PLACEHOLDER_PREFIX[kind]}-{numbers[kind]}>"
            self.placeholders[value] = placeholder
            self.lengths[placeholder] = len(value)
        self.placeholder_kind = {p: self.kinds[v] for v, p in self.placeholders.items()}
        self.forms = self._build_forms()
        self.pattern = self._build_pattern()

    def _build_forms(self) -> dict[str, str]:
        """Map each text form a value can take to the form of its placeholder."""
        forms: dict[str, str] = {}
        for value, placeholder in self.placeholders.items():
            for quoted in {json.dumps(value), json.dumps(value, ensure_ascii=False)}:
                forms.setdefault(quoted, json.dumps(placeholder))
            if len(value) >= MIN_SUBSTRING_LENGTH:
                forms.setdefault(value, placeholder)
                escaped = json.dumps(value)[1:-1]
                forms.setdefault(escaped, placeholder)
                encoded = urllib.parse.quote(value, safe="")
                forms.setdefault(encoded, urllib.parse.quote(placeholder, safe=""))
                plus_encoded = urllib.parse.quote_plus(value, safe="")
                forms.setdefault(plus_encoded, urllib.parse.quote(placeholder, safe=""))
        return forms

    def _build_pattern(self) -> re.Pattern | None:
        if not self.forms:
            return None
        # The longest form is tried first, so a token wins over the org id
        # it starts with.
        alternatives = sorted(self.forms, key=len, reverse=True)
        body = "|".join(re.escape(form) for form in alternatives)
        return re.compile(f"(?<![{_WORD}])(?:{body})(?![{_WORD}])")

    def replace(self, text: str) -> str:
        if not text:
            return text
        whole = self.placeholders.get(text)
        if whole is not None:
            self.occurrences[whole] += 1
            return whole
        if self.pattern is None:
            return text
        return self.pattern.sub(self._substitute, text)

    def _substitute(self, match: re.Match) -> str:
        replacement = self.forms[match.group(0)]
        placeholder = PLACEHOLDER_PATTERN.search(urllib.parse.unquote(replacement))
        self.occurrences[placeholder.group(0)] += 1
        return replacement

    def apply(self, value: Any, key: str | None = None) -> Any:
        if isinstance(value, str):
            if key in BASE64_FIELDS:
                return self._replace_base64(value)
            return self.replace(value)
        if isinstance(value, dict):
            is_attachment = "content_base64" in value and "filename" in value
            if self.options.attachments and is_attachment:
                value = self._replace_attachment(value)
            return {k: self.apply(v, str(k)) for k, v in value.items()}
        if isinstance(value, list):
            return [self.apply(item, key) for item in value]
        return value

    def _replace_base64(self, encoded: str) -> str:
        text = _decode_base64_text(encoded)
        if text is None:
            return encoded
        replaced = self.replace(text)
        if replaced == text:
            return encoded
        return base64.b64encode(replaced.encode("utf-8")).decode("ascii")

    def _replace_attachment(self, attachment: dict) -> dict:
        try:
            size = len(base64.b64decode(attachment["content_base64"], validate=True))
        except (binascii.Error, ValueError, TypeError):
            size = int(attachment.get("size") or 0)
        filler = (b"redacted " * (size // 9 + 1))[:size]
        self.attachments_replaced += 1
        content = base64.b64encode(filler).decode("ascii")
        return dict(attachment) | {"content_base64": content, "content_redacted": True}

    def counts(self) -> dict[str, dict[str, int]]:
        counts: dict[str, dict[str, int]] = {}
        for placeholder, used in self.occurrences.items():
            kind = self.placeholder_kind[placeholder]
            entry = counts.setdefault(kind, {"values": 0, "occurrences": 0})
            entry["values"] += 1
            entry["occurrences"] += used
        return {kind: counts[kind] for kind in KINDS if kind in counts}

    def placeholder_info(self) -> dict[str, dict[str, Any]]:
        first_value = {}
        for value, placeholder in self.placeholders.items():
            first_value.setdefault(placeholder, value)
        info = {}
        for placeholder, used in self.occurrences.items():
            kind = self.placeholder_kind[placeholder]
            entry = {
                "kind": kind,
                "length": self.lengths[placeholder],
                "occurrences": used,
            }
            if kind == "access_token":
                entry["fingerprint"] = token_fingerprint(first_value[placeholder])
            info[placeholder] = entry
        return info


def token_fingerprint(token: str) -> str:
    """Return the 8 hex digits that ``helpers.secrets`` shows for ``token``.

    A value that already is a mask (``<token:1a2b3c4d>``) gives its own
    digits. A replay against a sandbox uses the fingerprint to pick the
    sandbox token that was recorded, such as an expired one, without the
    bundle ever containing a token.
    """
    if MASKED_TOKEN_PATTERN.fullmatch(token):
        return token[len("<token:") : -1]
    return token_placeholder(token)[len("<token:") : -1]


def _is_end_user_participant(participant: Mapping) -> bool:
    role = participant.get("role")
    return isinstance(role, str) and role.lower() == "enduser"


def _parse_json_document(text: str) -> Any:
    stripped = text.lstrip()
    if not stripped.startswith(("{", "[")):
        return None
    try:
        return json.loads(text)
    except ValueError:
        return None


def _decode_base64_text(encoded: str) -> str | None:
    try:
        return base64.b64decode(encoded, validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError, ValueError):
        return None


def _jwt_claims(token: str) -> dict[str, Any] | None:
    """Return the payload of a JWT without checking its signature."""
    parts = token.split(".")
    if len(parts) != 3:
        return None
    payload = parts[1] + "=" * (-len(parts[1]) % 4)
    try:
        claims = json.loads(base64.urlsafe_b64decode(payload))
    except (binascii.Error, ValueError):
        return None
    return claims if isinstance(claims, dict) else None
