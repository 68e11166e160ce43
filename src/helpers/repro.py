"""The repro catalog: one failing and one fixed request for every code.

``data/repros.json`` holds, for each of the 60 codes of the 2024-11 table,
the minimal valid request on the sandbox's default profile, the setup
requests it depends on, the mistake that makes the API return the code and
a one-line fix. The notebooks and the tests share it, and ``python -m
helpers repro`` runs it.

Requests in the catalog use placeholders in braces, filled at build time:

- profile keys: ``{org_id}``, ``{channel_address_identifier}``, and dotted
  paths into the profile's alternates (``{tokens.expired}``,
  ``{channels.sms}``, ``{channel_definitions.messaging_vendor}``,
  ``{end_users.1}``, ``{users.1}``);
- values captured from setup responses: ``{conversation_identifier}``,
  ``{messaging_session_id}``, ``{agent_work_id}``, ``{psr_id}``;
- generated values: ``{uuid}`` (new for each occurrence), ``{entry_id}``
  (one per request), ``{request_id}``, ``{now_ms}``, ``{minute_ago_ms}``,
  ``{hour_ago_ms}``, ``{two_days_ago_ms}``, ``{attachment_size}`` (size of
  the first attachment) and ``{over_attachment_limit}``.

A string that is one placeholder takes the value's type (a number stays a
number). A mistake is a patch: ``headers`` to set (null removes),
``set`` and ``remove`` on dotted paths of the JSON body (or of the ``json``
part), ``attachments`` to replace the files, or a ``fault`` to inject. The
fix is always the unpatched request, with any fault cleared.
"""

from __future__ import annotations

import copy
import functools
import importlib.resources
import json
import logging
import re
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import requests

from helpers.model import ApiRequest, Attachment, Exchange
from helpers.transport import send

log = logging.getLogger(__name__)



def _catalog_path() -> Path:
    # The source tree's data/ folder, else the copy shipped inside the package.
    source = Path(__file__).resolve().parents[2] / "data" / "repros.json"
    if source.is_file():
        return source
    return Path(str(importlib.resources.files("helpers") / "data" / "repros.json"))


CATALOG_PATH = _catalog_path()
PLACEHOLDER = re.compile(r"\{([A-Za-z_][A-Za-z0-9_.]*)\}")
CONTROL_TIMEOUT_S = 10.0
# Finding attributes reported for the failing response.
DECODED_FIELDS = ("code", "name", "kind", "summary", "fix", "retryable")


class ReproError(ValueError):
    """The catalog, a code or a profile is unusable; the message names what to change."""


@dataclass(frozen=True)
class ReproCase:
    """One catalog entry: the request, its setup, the mistake and the fix."""

    code: int
    request: str
    description: str
    fix: str
    mistake: dict[str, Any]
    base: dict[str, Any] = field(repr=False)
    setup: tuple[str, ...] = ()

    @property
    def fault(self) -> dict[str, Any] | None:
        return self.mistake.get("fault")

    @property
    def endpoint(self) -> str:
        return self.base["path"].rsplit("/", 1)[-1]

    def to_dict(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "request": self.request,
            "method": self.base["method"],
            "path": self.base["path"],
            "setup": list(self.setup),
            "description": self.description,
            "fix": self.fix,
            "mistake": self.mistake,
        }


@dataclass
class ReproResult:
    """The outcome of one repro: did the mistake return the code, did the fix succeed."""

    code: int
    description: str
    fix: str
    triggered: bool = False
    fixed: bool = False
    code_returned: int | None = None
    status_returned: int | None = None
    fixed_code: int | None = None
    fixed_status: int | None = None
    failing_exchange: Exchange | None = None
    fixed_exchange: Exchange | None = None
    setup_exchanges: list[Exchange] = field(default_factory=list)
    error: str | None = None

    @property
    def ok(self) -> bool:
        return self.triggered and self.fixed and self.error is None

    @property
    def exchanges(self) -> list[Exchange]:
        """Every exchange of the run, in the order sent."""
        sent = list(self.setup_exchanges)
        sent += [e for e in (self.failing_exchange, self.fixed_exchange) if e is not None]
        return sent

    def decoded(self) -> list[dict[str, Any]]:
        """Return what the decoder made of the failing response, one dict per finding."""
        findings = self.failing_exchange.findings if self.failing_exchange else []
        return [
            {key: getattr(finding, key, None) for key in DECODED_FIELDS}
            for finding in findings
        ]

    def to_dict(self, with_exchanges: bool = False) -> dict[str, Any]:
        data = {
            "code": self.code,
            "triggered": self.triggered,
            "fixed": self.fixed,
            "code_returned": self.code_returned,
            "status_returned": self.status_returned,
            "fixed_code": self.fixed_code,
            "fixed_status": self.fixed_status,
            "description": self.description,
            "fix": self.fix,
            "error": self.error,
            "returned_body": self.failing_exchange.response_json()
            if self.failing_exchange
            else None,
            "decoded": self.decoded(),
        }
        if with_exchanges:
            data["exchanges"] = [e.to_dict() for e in self.exchanges]
        return data

    def __str__(self) -> str:
        verdict = "ok" if self.ok else "FAILED"
        text = (
            f"{self.code}: {verdict} - returned {self.code_returned} "
            f"(HTTP {self.status_returned}), after the fix HTTP {self.fixed_status}"
        )
        return f"{text}; {self.error}" if self.error else text


# catalog ---------------------------------------------------------------------


@functools.lru_cache(maxsize=4)
def _load(path: str) -> dict[str, Any]:
    try:
        return json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise ReproError(f"cannot read the repro catalog {path}: {exc}") from None


def catalog(path: str | Path | None = None) -> dict[int, ReproCase]:
    """Return the repro cases by code, in code order.

    Parameters
    ----------
    path
        A catalog file; default ``data/repros.json``.

    Raises
    ------
    ReproError
        When the file is unreadable or a case names an unknown request.
    """
    data = _load(str(path or CATALOG_PATH))
    requests_by_name = data["requests"]
    cases = {}
    for entry in data["cases"]:
        name = entry["request"]
        if name not in requests_by_name:
            raise ReproError(f"case {entry['code']}: unknown request {name!r} in the catalog")
        base = requests_by_name[name]
        cases[int(entry["code"])] = ReproCase(
            code=int(entry["code"]),
            request=name,
            description=entry["description"],
            fix=entry["fix"],
            mistake=entry.get("mistake") or {},
            base=base,
            setup=tuple(base.get("setup", ())),
        )
    return dict(sorted(cases.items()))


def base_requests(path: str | Path | None = None) -> dict[str, dict[str, Any]]:
    """Return the catalog's valid requests by name (templates with placeholders)."""
    return copy.deepcopy(_load(str(path or CATALOG_PATH))["requests"])


def setup_steps(path: str | Path | None = None) -> dict[str, dict[str, Any]]:
    """Return the setup steps by name: the request to send and what to capture."""
    return copy.deepcopy(_load(str(path or CATALOG_PATH))["setup_steps"])


def get_case(code: int | str) -> ReproCase:
    """Return the case of ``code``; raise ``ReproError`` listing where codes are."""
    cases = catalog()
    try:
        return cases[int(code)]
    except (KeyError, ValueError):
        raise ReproError(
            f"no repro for code {code!r}; the catalog covers the 60 codes of the "
            f"2024-11 table ({min(cases)} to {max(cases)}): see data/repros.json or "
            "'python -m helpers codes'"
        ) from None


# building requests -------------------------------------------------------------


def build_request(
    template: dict[str, Any],
    profile: dict[str, Any],
    context: dict[str, Any] | None = None,
    strict: bool = False,
) -> ApiRequest:
    """Build an ``ApiRequest`` from a catalog template and a profile.

    Parameters
    ----------
    template
        A request of the catalog (``method``, ``path``, ``json`` or
        ``json_part``, optional ``headers`` and ``attachments``).
    profile
        The connection profile whose values fill the placeholders.
    context
        Values captured from setup responses, such as ``conversation_identifier``.
    strict
        Raise ``ReproError`` for a placeholder with no value; otherwise it
        stays in the request as written, which shows what setup would fill.

    Raises
    ------
    TypeError
        When ``template`` or ``profile`` is not a dict.
    """
    if not isinstance(template, dict):
        raise TypeError(
            f"template must be a catalog request dict, got {type(template).__name__}; "
            "pass base_requests()[name], such as base_requests()['interaction_message']"
        )
    if not isinstance(profile, dict):
        raise TypeError(
            f"profile must be a dict of profile values, got {type(profile).__name__}; "
            "pass a dict such as SandboxHandle.profile"
        )
    values = _Values(profile, context or {}, strict)
    attachments = [values.attachment(spec) for spec in template.get("attachments", [])]
    values.attachment_size = len(attachments[0].content) if attachments else 0
    headers = {
        "Authorization": "Bearer {access_token}",
        "OrgId": "{org_id}",
        "AuthorizationContext": "{authorization_context}",
        "RequestId": "{request_id}",
    }
    if "json" in template:
        headers["Content-Type"] = "application/json"
    headers.update(template.get("headers", {}))
    return ApiRequest(
        method=template["method"],
        path=template["path"],
        headers={name: str(values.fill(value)) for name, value in headers.items()},
        json=values.fill(template["json"]) if "json" in template else None,
        json_part=values.fill(template["json_part"]) if "json_part" in template else None,
        attachments=attachments,
    )


def apply_mistake(template: dict[str, Any], mistake: dict[str, Any]) -> dict[str, Any]:
    """Return a copy of ``template`` with the mistake's patch applied."""
    patched = copy.deepcopy(template)
    body_key = "json_part" if "json_part" in patched else "json"
    headers = dict(patched.get("headers", {}))
    for name, value in mistake.get("headers", {}).items():
        headers[name] = value
    patched["headers"] = headers
    for path, value in mistake.get("set", {}).items():
        patched[body_key] = _set_path(patched.get(body_key), path, copy.deepcopy(value))
    for path in mistake.get("remove", []):
        _remove_path(patched.get(body_key), path)
    if "attachments" in mistake:
        patched["attachments"] = copy.deepcopy(mistake["attachments"])
    return patched


def build_failing(
    case: ReproCase, profile: dict[str, Any], context: dict[str, Any] | None = None,
    strict: bool = False,
) -> ApiRequest:
    """Return the request that makes the API return ``case.code``.

    Headers the mistake sets to null are left out. A fault case returns the
    valid request: the fault is armed on the sandbox, not in the request.
    """
    request = build_request(apply_mistake(case.base, case.mistake), profile, context, strict)
    removed = [name for name, value in case.mistake.get("headers", {}).items() if value is None]
    request.headers = {k: v for k, v in request.headers.items() if k not in removed}
    return request


def build_fixed(
    case: ReproCase, profile: dict[str, Any], context: dict[str, Any] | None = None,
    strict: bool = False,
) -> ApiRequest:
    """Return the corrected request: the catalog's valid request for the case."""
    return build_request(case.base, profile, context, strict)


# running ---------------------------------------------------------------------


def run_case(
    code: int | str,
    target: str | None = None,
    profile: dict[str, Any] | None = None,
    *,
    session: requests.Session | None = None,
    listener=None,
) -> ReproResult:
    """Send the failing request of ``code``, then the fixed one, and report.

    Parameters
    ----------
    code
        One of the 60 codes of the 2024-11 table.
    target
        Base URL of a running sandbox. With neither ``target`` nor
        ``profile``, an in-process sandbox is started and stopped.
    profile
        The connection profile; read from ``target/__sandbox__/profile``
        when None.
    session
        A ``requests.Session`` to reuse.
    listener
        Called with each ``Exchange`` as it completes (a journal's recorder).

    Returns
    -------
    ReproResult

    Raises
    ------
    ReproError
        For a code the catalog does not cover or a target with no profile.
    """
    case = get_case(code)
    if target is None and profile is None:
        from helpers import sandbox

        with sandbox.start() as box:
            return run_case(case.code, box.url, box.profile, session=session, listener=listener)
    profile = profile or fetch_profile(target)
    base_url = (target or profile["base_url"]).rstrip("/")
    http = session or requests.Session()
    try:
        return _run(case, base_url, profile, http, listener)
    finally:
        if session is None:
            http.close()


def run_all(
    codes: list[int] | None = None,
    target: str | None = None,
    profile: dict[str, Any] | None = None,
    *,
    listener=None,
) -> list[ReproResult]:
    """Run the cases of ``codes`` (default every code) and return the results.

    With no ``target``, one in-process sandbox serves every case and is reset
    before each, so no case depends on another's conversations. A target sandbox is
    not reset: the catalog's cases do not depend on each other's state.
    """
    selected = [get_case(code).code for code in codes] if codes else list(catalog())
    if target is None and profile is None:
        from helpers import sandbox

        with sandbox.start() as box, requests.Session() as http:
            results = []
            for code in selected:
                box.reset()
                results.append(run_case(code, box.url, box.profile, session=http, listener=listener))
            return results
    profile = profile or fetch_profile(target)
    with requests.Session() as http:
        return [
            run_case(code, target, profile, session=http, listener=listener) for code in selected
        ]


def fetch_profile(target: str | None) -> dict[str, Any]:
    """Read the default profile of the sandbox at ``target``.

    Raises
    ------
    ReproError
        When ``target`` does not serve ``/__sandbox__/profile``: repros need a
        sandbox, because they use its fixture's tokens and channels and
        inject faults.
    """
    if not target:
        raise ReproError("give a sandbox URL as target, or a profile")
    url = target.rstrip("/") + "/__sandbox__/profile"
    try:
        response = requests.get(url, timeout=CONTROL_TIMEOUT_S)
        response.raise_for_status()
        return response.json()
    except (requests.RequestException, ValueError) as exc:
        raise ReproError(
            f"cannot read the sandbox profile at {url} ({type(exc).__name__}); repro "
            "targets must be sandboxes started with 'python -m helpers sandbox'"
        ) from None


def response_code(exchange: Exchange | None) -> int | None:
    """Return the API ``code`` of a response body (top level or ``errorDetail``)."""
    body = exchange.response_json() if exchange is not None else None
    if not isinstance(body, dict):
        return None
    for holder in (body, body.get("errorDetail")):
        if isinstance(holder, dict) and isinstance(holder.get("code"), int):
            return holder["code"]
    return None


def succeeded(exchange: Exchange) -> bool:
    """Return True for a 2xx response whose body has ``"success": true``."""
    body = exchange.response_json()
    return (
        exchange.status is not None
        and 200 <= exchange.status < 300
        and isinstance(body, dict)
        and body.get("success") is True
    )


def _run(case, base_url, profile, http, listener) -> ReproResult:
    result = ReproResult(code=case.code, description=case.description, fix=case.fix)

    def sent(request: ApiRequest) -> Exchange:
        exchange = send(request, base_url, session=http, target="sandbox")
        if listener is not None:
            listener(exchange)
        return exchange

    try:
        context = run_setup(case, profile, sent, result.setup_exchanges)
        if case.fault:
            _control(http, base_url, "POST", "faults", case.fault)
        try:
            result.failing_exchange = sent(build_failing(case, profile, context, strict=True))
        finally:
            if case.fault:
                _control(http, base_url, "DELETE", "faults")
        result.fixed_exchange = sent(build_fixed(case, profile, context, strict=True))
    except ReproError as exc:
        result.error = str(exc)
        return result

    result.code_returned = response_code(result.failing_exchange)
    result.status_returned = result.failing_exchange.status
    result.triggered = result.code_returned == case.code
    result.fixed_code = response_code(result.fixed_exchange)
    result.fixed_status = result.fixed_exchange.status
    result.fixed = succeeded(result.fixed_exchange)
    if result.failing_exchange.error:
        result.error = result.failing_exchange.error
    log.info("repro %s: triggered=%s fixed=%s", case.code, result.triggered, result.fixed)
    return result


def run_setup(
    case: ReproCase,
    profile: dict[str, Any],
    sent: Callable[[ApiRequest], Exchange],
    exchanges: list[Exchange] | None = None,
) -> dict[str, Any]:
    """Send the setup requests of ``case`` and return the values they capture.

    Parameters
    ----------
    case
        The catalog case whose ``setup`` steps run, in order.
    profile
        The connection profile that fills the placeholders.
    sent
        Sends one request and returns its exchange.
    exchanges
        When given, every setup exchange is appended to it.

    Raises
    ------
    ReproError
        When a setup request does not succeed.
    """
    steps = setup_steps()
    templates = base_requests()
    context: dict[str, Any] = {}
    for name in case.setup:
        step = steps[name]
        exchange = sent(build_request(templates[step["request"]], profile, context, strict=True))
        if exchanges is not None:
            exchanges.append(exchange)
        body = exchange.response_json()
        if not succeeded(exchange):
            raise ReproError(
                f"setup step {name!r} failed with HTTP {exchange.status}: "
                f"{exchange.response_body[:200] or exchange.error}; "
                "reset the sandbox and send again"
            )
        for key, field_name in step["capture"].items():
            context[key] = body.get(field_name)
    return context


def _control(http: requests.Session, base_url: str, method: str, name: str, body=None):
    url = f"{base_url}/__sandbox__/{name}"
    try:
        response = http.request(method, url, json=body, timeout=CONTROL_TIMEOUT_S)
    except requests.RequestException as exc:
        raise ReproError(f"{method} {url} failed: {type(exc).__name__}") from None
    if response.status_code >= 400:
        raise ReproError(f"{method} {url} returned HTTP {response.status_code}: {response.text[:200]}")


# placeholders and paths --------------------------------------------------------


class _Values:
    """Fill placeholders from the profile, the setup context and generated values."""

    def __init__(self, profile: dict[str, Any], context: dict[str, Any], strict: bool):
        self.profile = profile
        self.context = context
        self.strict = strict
        self.entry_id = str(uuid.uuid4())
        self.request_id = str(uuid.uuid4())
        self.now_ms = int(time.time() * 1000)
        self.attachment_size = 0

    def value(self, name: str) -> Any:
        generated = {
            "uuid": lambda: str(uuid.uuid4()),
            "entry_id": lambda: self.entry_id,
            "request_id": lambda: self.request_id,
            "now_ms": lambda: self.now_ms,
            "minute_ago_ms": lambda: self.now_ms - 60_000,
            "hour_ago_ms": lambda: self.now_ms - 3_600_000,
            "two_days_ago_ms": lambda: self.now_ms - 2 * 86_400_000,
            "attachment_size": lambda: self.attachment_size,
            "over_attachment_limit": lambda: int(self.profile["max_attachment_bytes"]) + 1,
        }
        if name in generated:
            return generated[name]()
        if name in self.context and self.context[name] is not None:
            return self.context[name]
        found = _lookup_path(self.profile, name)
        if found is _MISSING:
            if self.strict:
                raise ReproError(
                    f"placeholder {{{name}}} has no value: not in the profile, and no "
                    "setup step captured it"
                )
            return "{" + name + "}"
        return found

    def fill(self, item: Any) -> Any:
        if isinstance(item, dict):
            return {key: self.fill(value) for key, value in item.items()}
        if isinstance(item, list):
            return [self.fill(value) for value in item]
        if not isinstance(item, str):
            return item
        whole = PLACEHOLDER.fullmatch(item)
        if whole:
            return self.value(whole.group(1))
        return PLACEHOLDER.sub(lambda m: str(self.value(m.group(1))), item)

    def attachment(self, spec: dict[str, Any]) -> Attachment:
        if "size" in spec:
            size = int(self.fill(spec["size"]))
            pattern = b"sandbox repro filler "
            content = (pattern * (size // len(pattern) + 1))[:size]
        else:
            content = str(spec.get("text", "")).encode("utf-8")
        return Attachment(
            filename=spec.get("filename", "file.bin"),
            content=content,
            mime_type=spec.get("mime_type", "application/octet-stream"),
        )


_MISSING = object()


def _split(path: str) -> list[Any]:
    return [int(part) if part.isdigit() else part for part in path.split(".")]


def _lookup_path(data: Any, path: str) -> Any:
    for part in _split(path):
        if isinstance(data, dict) and part in data:
            data = data[part]
        elif isinstance(data, list) and isinstance(part, int) and part < len(data):
            data = data[part]
        else:
            return _MISSING
    return data


def _set_path(root: Any, path: str, value: Any) -> Any:
    parts = _split(path)
    if root is None:
        root = {}
    node = root
    for part in parts[:-1]:
        node = node[part]
    node[parts[-1]] = value
    return root


def _remove_path(root: Any, path: str) -> None:
    parts = _split(path)
    node = root
    for part in parts[:-1]:
        node = node[part]
    if isinstance(node, dict):
        node.pop(parts[-1], None)
    elif isinstance(node, list) and isinstance(parts[-1], int) and parts[-1] < len(node):
        del node[parts[-1]]
