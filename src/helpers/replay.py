"""Replay of an exported session against a sandbox or an org.

``replay_bundle`` sends every request of a bundle (``helpers.export``) again
and compares the code that comes back with the recorded one. Before each
request it:

- puts the local profile's token and ids where the recorded ones stood
  (the roles listed in the bundle), leaving deliberately wrong values alone;
- against a sandbox, sends the sandbox token whose fingerprint matches a
  recorded other token (an expired one, say), and an invalid stand-in
  elsewhere;
- fills the other placeholders with stand-ins of the recorded length;
- gives the request a fresh ``RequestId`` (when the recorded one was a valid
  UUID) and shifts epoch-millisecond timestamps by the time since recording,
  so an old ``timestamp`` does not cause a new error;
- swaps conversation identifiers and other ids that an earlier replayed
  response returned for the recorded ones, so a multi-step session replays;
- against a sandbox, arms the server-side fault that the recorded response
  carried (codes with no request-side trigger, such as 20002).

The code compared is the API error code when there is one, else the HTTP
status (``helpers.journal.response_code``).
"""

from __future__ import annotations

import datetime as dt
import html
import json
import logging
import re
import time
import uuid
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from typing import Any

import requests

from helpers.export import load_bundle, session_roles
from helpers.journal import Session, response_code
from helpers.model import ApiRequest
from helpers.redact import PLACEHOLDER_PATTERN, PLACEHOLDER_PREFIX, token_fingerprint
from helpers.secrets import token_placeholder
from helpers.transport import send

log = logging.getLogger(__name__)

# Body fields that carry epoch-millisecond times.
TIMESTAMP_FIELDS = frozenset(
    {
        "timestamp",
        "clientTimestamp",
        "acknowledgementTimestamp",
        "joinedTime",
        "leftTime",
        "startTime",
        "endTime",
    }
)
# Epoch milliseconds between 2001 and 2286; smaller or larger numbers in a
# timestamp field are deliberately invalid values and are sent unchanged.
EPOCH_MS_RANGE = (1_000_000_000_000, 9_999_999_999_999)
# Response fields whose values later requests refer to.
RETURNED_ID_FIELDS = frozenset(
    {
        "conversationIdentifier",
        "messagingSessionId",
        "workItemId",
        "workItemIds",
        "psrId",
        "routingCorrelationId",
        "agentWorkId",
    }
)
# Codes the sandbox only returns when a fault is armed (helpers.sandbox.faults).
SERVER_SIDE_CODES = frozenset({10019, 10055, 10056, 20002, 500})
UUID_PATTERN = re.compile(
    r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$"
)
ROLE_FIELDS = (
    "org_id",
    "authorization_context",
    "channel_address_identifier",
    "end_user_client_id",
)
INVALID_TOKEN = "00DREPLAY000000000!replay.stand-in.for.another.token"


class ReplayError(RuntimeError):
    """A replay could not start: no bundle, no target, or no token."""


@dataclass
class ReplayRow:
    """One exchange replayed: what was recorded and what came back now."""

    index: int
    method: str
    path: str
    code_before: Any
    code_now: Any
    same: bool
    status_before: int | None = None
    status_now: int | None = None
    request_id: str | None = None
    fault_armed: int | None = None
    error: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class ReplayResult:
    """The rows of a replay and the target it ran against."""

    target: str
    rows: list[ReplayRow] = field(default_factory=list)

    @property
    def all_same(self) -> bool:
        return all(row.same for row in self.rows)

    @property
    def differences(self) -> list[ReplayRow]:
        return [row for row in self.rows if not row.same]

    def to_dict(self) -> dict[str, Any]:
        return {
            "target": self.target,
            "all_same": self.all_same,
            "rows": [row.to_dict() for row in self.rows],
        }

    def __str__(self) -> str:
        lines = [f"Replay against {self.target}: {len(self.rows)} exchanges"]
        for row in self.rows:
            mark = "same" if row.same else "DIFFERENT"
            fault = f" (fault {row.fault_armed} armed)" if row.fault_armed else ""
            lines.append(
                f"  [{row.index}] {row.method} {row.path}: recorded {row.code_before}, "
                f"now {row.code_now} -> {mark}{fault}"
            )
        verdict = "every code matches" if self.all_same else (
            f"{len(self.differences)} of {len(self.rows)} codes differ"
        )
        lines.append(verdict)
        return "\n".join(lines)

    def _repr_pretty_(self, printer, cycle: bool) -> None:
        # IPython shows this as text/plain next to the HTML, for readers
        # of a notebook run headless.
        printer.text(str(self))

    def _repr_html_(self) -> str:
        rows = "".join(
            f"<tr><td>{row.index}</td><td><code>{html.escape(row.method)} "
            f"{html.escape(row.path)}</code></td>"
            f"<td>{html.escape(str(row.code_before))}</td>"
            f"<td>{html.escape(str(row.code_now))}</td>"
            f"<td>{'same' if row.same else '<b>different</b>'}</td></tr>"
            for row in self.rows
        )
        return (
            "<div class='isapi-replay'>"
            f"<p>Replay against {html.escape(self.target)}</p>"
            "<table><thead><tr><th>#</th><th>request</th><th>recorded</th><th>now</th>"
            f"<th></th></tr></thead><tbody>{rows}</tbody></table></div>"
        )


def replay_bundle(
    bundle: Any, target: Any = None, *, arm_faults: bool = True
) -> ReplayResult:
    """Send every request of a bundle again and compare the codes.

    Parameters
    ----------
    bundle
        The path of a ``session.bundle.json``, or the dict ``load_bundle``
        returns.
    target
        None for a new in-process sandbox (stopped afterwards); a sandbox URL
        (``http://127.0.0.1:PORT``, whose profile is read from
        ``/__sandbox__/profile``); a profile file path; or anything else
        ``helpers.profiles.load_profile`` accepts.
    arm_faults
        Against a sandbox, arm the recorded server-side fault before each
        request that got one.

    Returns
    -------
    ReplayResult

    Raises
    ------
    ReplayError
        If the target gives no profile or token.
    """
    if not isinstance(bundle, Mapping):
        bundle = load_bundle(bundle)
    session = bundle["session"]
    if not isinstance(session, Session):
        session = Session.from_dict(session)
    roles = bundle.get("roles") or session_roles(session)
    placeholders = (bundle.get("redaction") or {}).get("placeholders") or {}
    with _Target(target) as resolved:
        replayer = _Replayer(resolved, roles, placeholders, arm_faults)
        return replayer.run(session)


class _Target:
    """Resolve a replay target to a profile; start and stop a sandbox if needed."""

    def __init__(self, target: Any) -> None:
        self.target = target
        self.handle = None
        self.profile = None
        self.label = ""
        self.token = ""
        self.known_tokens: dict[str, str] = {}

    def __enter__(self) -> _Target:
        from helpers.profiles import ProfileError, load_profile

        if self.target is None:
            from helpers import sandbox

            self.handle = sandbox.start()
            source: Any = self.handle
            self.label = f"in-process sandbox {self.handle.url}"
        else:
            source = self.target
            self.label = str(getattr(self.target, "url", self.target))
        try:
            self.profile = load_profile(source)
            self.token = self.profile.token()
            self.known_tokens = self._sandbox_tokens()
        except (ProfileError, OSError, ValueError, requests.RequestException) as exc:
            self.__exit__(None, None, None)
            raise ReplayError(f"cannot replay against {self.label}: {exc}") from exc
        return self

    def _sandbox_tokens(self) -> dict[str, str]:
        """Map the fingerprint of each sandbox token to the token."""
        if not self.is_sandbox:
            return {}
        if self.handle is not None:
            data = self.handle.profile
        else:
            url = self.profile.base_url.rstrip("/") + "/__sandbox__/profile"
            response = requests.get(url, timeout=10)
            data = response.json() if response.ok else {}
        tokens = data.get("tokens") if isinstance(data, Mapping) else None
        if not isinstance(tokens, Mapping):
            return {}
        known = {}
        for token in tokens.values():
            if isinstance(token, str):
                # Journals written before masking was idempotent stored the
                # mask of the mask, so both fingerprints are accepted.
                known[token_fingerprint(token_placeholder(token))] = token
                known[token_fingerprint(token)] = token
        return known

    @property
    def is_sandbox(self) -> bool:
        if self.handle is not None:
            return True
        return getattr(self.profile, "target", "") == "sandbox"

    def arm_fault(self, code: int, endpoint: str) -> bool:
        """Arm one fault on the sandbox; return False when that is not possible."""
        endpoint = endpoint or None
        try:
            if self.handle is not None:
                self.handle.inject_fault(code, count=1, endpoint=endpoint)
                return True
            url = self.profile.base_url.rstrip("/") + "/__sandbox__/faults"
            response = requests.post(
                url, json={"code": code, "count": 1, "endpoint": endpoint}, timeout=10
            )
            return response.ok
        except (ValueError, requests.RequestException) as exc:
            log.warning("could not arm fault %s on %s: %s", code, endpoint, exc)
            return False

    def __exit__(self, exc_type, exc, tb) -> None:
        if self.handle is not None:
            self.handle.stop()
            self.handle = None


class _Replayer:
    def __init__(self, target: _Target, roles, placeholders, arm_faults: bool) -> None:
        self.target = target
        self.roles = dict(roles)
        self.arm_faults = arm_faults and target.is_sandbox
        self.values = self._value_map(placeholders)
        self.tokens = {
            placeholder: target.known_tokens.get(
                info.get("fingerprint", ""), INVALID_TOKEN
            )
            for placeholder, info in placeholders.items()
            if info.get("kind") == "access_token"
        }
        self.returned_ids: dict[str, str] = {}
        self.http = requests.Session()

    def _value_map(self, placeholders: Mapping[str, Any]) -> dict[str, str]:
        """Map recorded values and placeholders to what this replay sends."""
        profile = self.target.profile
        values: dict[str, str] = {}
        for role in ROLE_FIELDS:
            recorded = self.roles.get(role)
            current = getattr(profile, role, None)
            if recorded and current:
                values[recorded] = current
        for placeholder, info in placeholders.items():
            if placeholder not in values:
                values[placeholder] = _stand_in(placeholder, info)
        return values

    def run(self, session: Session) -> ReplayResult:
        result = ReplayResult(target=self.target.label)
        try:
            for record in session.exchange_records:
                result.rows.append(self._replay_one(record))
        finally:
            self.http.close()
        return result

    def _replay_one(self, record: dict[str, Any]) -> ReplayRow:
        recorded = record["exchange"]
        request = self.prepare(recorded)
        code_before = response_code(recorded)
        fault = None
        if self.arm_faults and code_before in SERVER_SIDE_CODES:
            if self.target.arm_fault(int(code_before), request.endpoint):
                fault = int(code_before)
        exchange = send(
            request,
            self.target.profile.base_url,
            session=self.http,
            target=self.target.label,
            attempt=recorded.get("attempt") or 1,
        )
        now = exchange.to_dict()
        self._learn_ids(
            recorded.get("response_body") or "", now.get("response_body") or ""
        )
        code_now = response_code(now)
        return ReplayRow(
            index=record.get("index", 0),
            method=request.method.upper(),
            path=recorded.get("request", {}).get("path", request.path),
            code_before=code_before,
            code_now=code_now,
            same=_same_code(code_before, code_now),
            status_before=recorded.get("status"),
            status_now=exchange.status,
            request_id=exchange.request_id,
            fault_armed=fault,
            error=exchange.error,
        )

    def prepare(self, recorded: Mapping[str, Any]) -> ApiRequest:
        """Return the recorded request ready to send again."""
        request = ApiRequest.from_dict(recorded["request"])
        shift_ms = _shift_since(recorded.get("started_at"))
        mapping = self.values | self.returned_ids
        request.path = _replace_in(request.path, mapping)
        if request.query:
            request.query = {
                name: _replace_in(value, mapping)
                for name, value in request.query.items()
            }
        request.headers = self._headers(request.headers, mapping)
        if request.json is not None:
            request.json = _rewrite(request.json, mapping, shift_ms)
        if isinstance(request.json_part, str):
            request.json_part = _replace_in(request.json_part, mapping)
        elif request.json_part is not None:
            request.json_part = _rewrite(request.json_part, mapping, shift_ms)
        if request.raw_body is not None:
            text = request.raw_body.decode("utf-8", errors="surrogateescape")
            replaced = _replace_in(text, mapping)
            request.raw_body = replaced.encode("utf-8", "surrogateescape")
        return request

    def _headers(
        self, headers: Mapping[str, str], mapping: dict[str, str]
    ) -> dict[str, str]:
        result = {}
        for name, value in headers.items():
            lower = name.lower()
            if lower == "authorization":
                scheme, _, credential = value.partition(" ")
                credential = credential.strip()
                if credential == self.roles.get("access_token"):
                    value = f"{scheme or 'Bearer'} {self.target.token}"
                elif credential:
                    value = f"{scheme} {self.tokens.get(credential, INVALID_TOKEN)}"
            elif lower == "requestid" and UUID_PATTERN.match(value.strip()):
                value = str(uuid.uuid4())
            else:
                value = _replace_in(value, mapping)
            result[name] = value
        return result

    def _learn_ids(self, recorded_body: str, new_body: str) -> None:
        before, now = _json_or_none(recorded_body), _json_or_none(new_body)
        if isinstance(before, dict) and isinstance(now, dict):
            _pair_ids(before, now, self.returned_ids)


def _pair_ids(before: Mapping, now: Mapping, found: dict[str, str]) -> None:
    for key, old in before.items():
        new = now.get(key)
        if isinstance(old, Mapping) and isinstance(new, Mapping):
            _pair_ids(old, new, found)
        elif key in RETURNED_ID_FIELDS:
            olds = old if isinstance(old, list) else [old]
            news = new if isinstance(new, list) else [new]
            for old_id, new_id in zip(olds, news):
                both_ids = isinstance(old_id, str) and isinstance(new_id, str)
                if both_ids and old_id and old_id != new_id:
                    found[old_id] = new_id


def _rewrite(
    value: Any, mapping: dict[str, str], shift_ms: int, key: str | None = None
) -> Any:
    if isinstance(value, Mapping):
        return {k: _rewrite(v, mapping, shift_ms, str(k)) for k, v in value.items()}
    if isinstance(value, list):
        return [_rewrite(item, mapping, shift_ms, key) for item in value]
    if key in TIMESTAMP_FIELDS and shift_ms:
        return _shift_timestamp(value, shift_ms)
    if isinstance(value, str):
        return _replace_in(value, mapping)
    return value


def _shift_timestamp(value: Any, shift_ms: int) -> Any:
    low, high = EPOCH_MS_RANGE
    if isinstance(value, bool):
        return value
    if isinstance(value, int) and low <= value <= high:
        return value + shift_ms
    if isinstance(value, str) and value.isdigit() and low <= int(value) <= high:
        return str(int(value) + shift_ms)
    return value


def _replace_in(text: str, mapping: dict[str, str]) -> str:
    if not text or not mapping:
        return text
    exact = mapping.get(text)
    if exact is not None:
        return exact
    pattern = _pattern_for(tuple(sorted(mapping, key=len, reverse=True)))
    return pattern.sub(lambda m: mapping[m.group(0)], text)


_pattern_cache: dict[tuple[str, ...], re.Pattern] = {}


def _pattern_for(keys: tuple[str, ...]) -> re.Pattern:
    pattern = _pattern_cache.get(keys)
    if pattern is None:
        # Recorded ids are replaced only as whole tokens, so a short id does
        # not match inside a longer one.
        body = "|".join(re.escape(k) for k in keys)
        pattern = re.compile(f"(?<![A-Za-z0-9])(?:{body})(?![A-Za-z0-9])")
        _pattern_cache.clear()
        _pattern_cache[keys] = pattern
    return pattern


def _stand_in(placeholder: str, info: Mapping[str, Any]) -> str:
    """Return a value of the recorded length to send in place of a placeholder."""
    match = PLACEHOLDER_PATTERN.fullmatch(placeholder)
    kind = info.get("kind", "")
    if kind == "access_token":
        return INVALID_TOKEN
    prefix = PLACEHOLDER_PREFIX.get(kind, "value")
    number = placeholder.rsplit("-", 1)[-1].rstrip(">") if match else "0"
    base = f"replay{prefix.replace('-', '')}{number}"
    if kind == "org_id":
        base = f"00DREPLAY{number}"
    length = info.get("length")
    if not isinstance(length, int) or length <= 0:
        return base
    return (base + "x" * length)[:length]


def _shift_since(started_at: Any) -> int:
    if not isinstance(started_at, str) or not started_at:
        return 0
    try:
        recorded = dt.datetime.fromisoformat(started_at.replace("Z", "+00:00"))
    except ValueError:
        return 0
    if recorded.tzinfo is None:
        recorded = recorded.replace(tzinfo=dt.timezone.utc)
    return int(time.time() * 1000) - int(recorded.timestamp() * 1000)


def _same_code(before: Any, now: Any) -> bool:
    return str(before) == str(now)


def _json_or_none(text: str) -> Any:
    try:
        return json.loads(text)
    except (TypeError, ValueError):
        return None
