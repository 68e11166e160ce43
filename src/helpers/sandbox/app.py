"""The sandbox's WSGI application: routing, body parsing, checks and control.

``SandboxApp`` routes with a Werkzeug ``Map``:

- ``/api/v1/<endpoint>``: the Interaction Service API. Each request runs the
  header and token checks (``helpers.sandbox.headers``), the read-only fault
  (10019), body parsing, then the endpoint handler under the state lock.
- ``/__sandbox__/...``: control endpoints (profile, state, reset, faults,
  requests, settings).
- ``/services/oauth2/...`` and ``/__sandbox__/oauth/...``: passed to
  ``helpers.sandbox.oauth.handle(request, app)`` when that module imports.

Every response is JSON, whatever goes wrong. Unknown paths get a 404 listing
the endpoints, wrong methods a 405 with ``Allow``, and an unexpected exception
code 500, logged with its traceback. Request bodies a check rejected early
are read and discarded (up to ``DRAIN_LIMIT``) so the client receives the
response instead of a reset connection.
"""

from __future__ import annotations

import base64
import collections
import dataclasses
import datetime as dt
import hashlib
import importlib
import json
import logging
import secrets as pysecrets
import threading
import time
import uuid
from typing import Any

from werkzeug.exceptions import HTTPException, MethodNotAllowed, NotFound
from werkzeug.exceptions import RequestEntityTooLarge
from werkzeug.routing import Map, RequestRedirect, Rule
from werkzeug.wrappers import Request, Response

from helpers.sandbox import headers as header_checks
from helpers.sandbox import jsonbody
from helpers.sandbox.endpoints import Call, UploadedFile
from helpers.sandbox.endpoints import channel_settings, conversations, history
from helpers.sandbox.endpoints import interactions, routing
from helpers.sandbox.faults import STAGE_AFTER_AUTH, FaultError, FaultInjector
from helpers.sandbox.fixture import TOKEN_STYLES, Fixture, Token
from helpers.sandbox.responses import (
    ApiError,
    error_response,
    json_response,
    later_code,
    sandbox_error,
)
from helpers.sandbox.settings import MEBIBYTE, Settings, SettingsError
from helpers.sandbox.state import SandboxState
from helpers.secrets import SECRET_HEADERS, mask_authorization, mask_text

log = logging.getLogger(__name__)

API_PREFIX = "/api/v1/"
HANDLERS = {
    ("POST", "interactions"): interactions.post_interactions,
    ("POST", "conversation"): conversations.post_conversation,
    ("POST", "acknowledgement"): conversations.post_acknowledgement,
    ("POST", "route"): routing.post_route,
    ("DELETE", "route"): routing.delete_route,
    ("POST", "routingResult"): routing.post_routing_result,
    ("POST", "agentWork"): routing.post_agent_work,
    ("PATCH", "agentWork"): routing.patch_agent_work,
    ("PATCH", "consent"): channel_settings.patch_consent,
    ("PATCH", "capabilities"): channel_settings.patch_capabilities,
    ("POST", "conversationHistory"): history.post_conversation_history,
    ("POST", "participant"): conversations.post_participant,
    ("POST", "messagingSession"): conversations.post_messaging_session,
}
CONTROL_ROUTES = {
    "": ("GET",),
    "profile": ("GET",),
    "state": ("GET",),
    "reset": ("POST",),
    "faults": ("GET", "POST", "DELETE"),
    "requests": ("GET", "DELETE"),
    "settings": ("GET", "PUT", "POST"),
}

# Largest JSON body of a JSON endpoint, and of the json part of a multipart
# request. The API documents neither; both are far above any valid body.
JSON_BODY_LIMIT = MEBIBYTE
# Room for the json part and the multipart framing next to the file.
MULTIPART_OVERHEAD = MEBIBYTE
# A body a check rejected before reading it is drained up to this size; a
# larger one is left unread and the connection closes.
DRAIN_LIMIT = 64 * MEBIBYTE
CHUNK_SIZE = 64 * 1024
# Header values and bodies kept per request in the request log.
LOGGED_HEADER_CHARS = 512
LOGGED_BODY_CHARS = 8192
# Code of tables after 2024-11 for a missing or empty request body.
BODY_MISSING = 10100
MALFORMED_JSON = 10089


class BadBody(Exception):
    """The body is not JSON, so the response is Spring Boot's default 400 without a code."""


class _CountingInput:
    """Wrap ``wsgi.input`` to count the bytes the app read."""

    def __init__(self, stream: Any) -> None:
        self._stream = stream
        self.count = 0

    def read(self, size: int = -1) -> bytes:
        data = self._stream.read(size)
        self.count += len(data)
        return data

    def readline(self, size: int = -1) -> bytes:
        data = self._stream.readline(size)
        self.count += len(data)
        return data

    def __iter__(self):
        return iter(self.readline, b"")


class SandboxApp:
    """The sandbox as a WSGI application; ``helpers.sandbox.start`` serves it.

    Parameters
    ----------
    fixture
        The validated org.
    settings
        Behaviour switches; replaced as a whole by ``update_settings``.
    """

    def __init__(self, fixture: Fixture, settings: Settings) -> None:
        self.fixture = fixture
        self.settings = settings
        self.state = SandboxState(fixture.org_id)
        self.faults = FaultInjector(tuple(dict.fromkeys(name for _, name in HANDLERS)))
        self.base_url = ""
        self._requests: collections.deque = collections.deque(maxlen=settings.request_log_size)
        self._requests_lock = threading.Lock()
        self.url_map = _build_map()

    # public helpers used by the handle, the control endpoints and oauth ----

    def profile(self) -> dict[str, Any]:
        """Return the default connection profile, with alternates for the repro catalog."""
        return build_profile(self.fixture, self.base_url, self.settings)

    def update_settings(self, changes: dict[str, Any]) -> Settings:
        """Apply ``changes`` to the settings; raise ``SettingsError`` on a bad value."""
        new = self.settings.updated(changes)
        with self._requests_lock:
            if new.request_log_size != self.settings.request_log_size:
                self._requests = collections.deque(self._requests, maxlen=new.request_log_size)
            self.settings = new
        return new

    def reset(self) -> None:
        """Clear the state, the armed faults and the request log; keep the settings."""
        with self.state.lock:
            self.state.reset()
        self.faults.clear()
        with self._requests_lock:
            self._requests.clear()

    def received(self, limit: int | None = None) -> list[dict[str, Any]]:
        """Return the logged requests, oldest first, credentials masked.

        ``limit`` keeps only the newest ``limit`` records; None keeps all.
        A value other than None or an integer of 1 or more raises ``ValueError``.
        """
        if limit is not None and (
            isinstance(limit, bool) or not isinstance(limit, int) or limit < 1
        ):
            raise ValueError(
                f"limit must be an integer of 1 or more, or None for every "
                f"request, got {limit!r}"
            )
        with self._requests_lock:
            records = list(self._requests)
        records = records[-limit:] if limit else records
        return [_masked_record(entry) for entry in records]

    def connected_apps(self) -> list[dict[str, Any]]:
        """Return the fixture's connected apps (name, prefix, consumer key, certificate)."""
        return [
            {
                "name": app.name,
                "developer_name_prefix": app.developer_name_prefix,
                "consumer_key": app.consumer_key,
                "certificate_pem": app.certificate_pem,
            }
            for app in self.fixture.apps.values()
        ]

    def issue_token(
        self,
        app: str,
        scopes: list[str],
        lifetime_s: int,
        style: str = "opaque",
        username: str | None = None,
    ) -> str:
        """Add a token to the token store and return its value.

        Parameters
        ----------
        app
            Name of a connected app of the fixture.
        scopes
            OAuth scopes; the API accepts the token only with ``interaction_api``.
        lifetime_s
            Seconds until the token expires.
        style
            ``opaque`` (``<orgId>!FAKE...``) or ``jwt`` (an unsigned-looking JWT).
        username
            The user the token is for; defaults to the profile's token user.

        Raises
        ------
        ValueError
            On an unknown app or style, a non-positive lifetime or bad scopes.
        """
        if app not in self.fixture.apps:
            raise ValueError(
                f"unknown connected app {app!r}; known: {', '.join(sorted(self.fixture.apps))}"
            )
        if style not in TOKEN_STYLES:
            raise ValueError(f"token style must be one of {TOKEN_STYLES}, got {style!r}")
        if isinstance(lifetime_s, bool) or not isinstance(lifetime_s, int) or lifetime_s <= 0:
            raise ValueError(f"lifetime_s must be a positive integer, got {lifetime_s!r}")
        if not isinstance(scopes, (list, tuple)) or not all(isinstance(s, str) for s in scopes):
            raise ValueError("scopes must be a list of strings")
        username = username or self.fixture.tokens[self.fixture.profile["token"]].username
        now = dt.datetime.now(dt.timezone.utc)
        expires_at = now + dt.timedelta(seconds=lifetime_s)
        if style == "opaque":
            value = f"{self.fixture.org_id}!FAKE.sandbox.issued.{pysecrets.token_urlsafe(24)}"
        else:
            value = _fake_jwt(self.base_url, username, scopes, self.fixture.org_id, now, expires_at)
        with self.state.lock:
            name = f"issued-{len(self.state.issued_tokens) + 1}"
            self.state.add_token(
                Token(
                    name=name,
                    value=value,
                    app=app,
                    org_id=self.fixture.org_id,
                    scopes=tuple(scopes),
                    expires_at=expires_at,
                    username=username,
                    style=style,
                )
            )
        return value

    # WSGI -----------------------------------------------------------------

    def __call__(self, environ: dict, start_response) -> Any:
        counter = _CountingInput(environ["wsgi.input"])
        environ["wsgi.input"] = counter
        started = time.perf_counter()
        request = Request(environ)
        record: dict[str, Any] = {"code": None, "reason": None, "endpoint": None, "log": True}
        try:
            response = self._dispatch(request, record)
        except Exception:
            log.exception("unexpected error on %s %s", request.method, request.path)
            record["code"] = 500
            record["reason"] = "unexpected exception in the sandbox; see its log"
            response = error_response(500, request.method, record["endpoint"] or "", self.settings)
        # Closing the request closes uploaded files, also those a check
        # rejected before reading them.
        request.close()
        _drain(environ, counter)
        elapsed_ms = (time.perf_counter() - started) * 1000.0
        self._log(request, response, record, elapsed_ms)
        return response(environ, start_response)

    def _dispatch(self, request: Request, record: dict) -> Response:
        adapter = self.url_map.bind_to_environ(request.environ)
        try:
            target, arguments = adapter.match()
        except MethodNotAllowed as exc:
            return _method_not_allowed(request, exc.valid_methods or [])
        except (NotFound, RequestRedirect):
            return _not_found(request)
        kind, _, name = target.partition(":")
        if kind == "api":
            record["endpoint"] = name
            return self._api(request, name, record)
        if kind == "oauth":
            record["endpoint"] = "oauth"
            return self._oauth(request)
        record["log"] = False
        return self._control(request, name)

    # API ------------------------------------------------------------------

    def _api(self, request: Request, endpoint: str, record: dict) -> Response:
        method = request.method.upper()
        settings = self.settings
        record["request_id"] = request.headers.get("RequestId")
        try:
            try:
                response = self._api_checked(request, method, endpoint, settings, record)
            except BadBody as exc:
                record["reason"] = str(exc)
                return _bad_request(request, str(exc))
        except ApiError as exc:
            record["code"] = exc.code
            record["reason"] = exc.reason
            return error_response(exc.code, method, endpoint, settings)
        return response

    def _api_checked(
        self, request: Request, method: str, endpoint: str, settings: Settings, record: dict
    ) -> Response:
        org_id = header_checks.check_headers(request.headers, method, endpoint, settings)
        with self.state.lock:
            token, definition = header_checks.authenticate(
                request.headers, org_id, self.fixture, self.state, settings
            )
            if settings.unique_request_id and not self.state.remember_request_id(
                request.headers["RequestId"].strip()
            ):
                raise ApiError(10016, "RequestId was used before")
        if self.faults.take(endpoint, STAGE_AFTER_AUTH) is not None:
            raise ApiError(10019, "injected fault")

        files: list[UploadedFile] = []
        if endpoint == "interactions":
            body, files = _parse_multipart(request, settings)
        else:
            body = _parse_json(request, settings)
        record["body"] = body
        record["files"] = [dataclasses.asdict(upload) for upload in files]

        call = Call(
            method=method,
            endpoint=endpoint,
            headers=request.headers,
            body=body,
            token=token,
            definition=definition,
            fixture=self.fixture,
            state=self.state,
            settings=settings,
            faults=self.faults,
            files=files,
        )
        with self.state.lock:
            status, payload = HANDLERS[(method, endpoint)](call)
        return json_response(payload, status)

    # OAuth ------------------------------------------------------------------

    def _oauth(self, request: Request) -> Response:
        module_name = "helpers.sandbox.oauth"
        try:
            oauth = importlib.import_module(module_name)
        except ModuleNotFoundError as exc:
            if exc.name != module_name:
                raise
            return sandbox_error(
                404,
                "oauth_not_available",
                "This sandbox has no OAuth endpoint: helpers.sandbox.oauth is not installed.",
            )
        return oauth.handle(request, self)

    # control ----------------------------------------------------------------

    def _control(self, request: Request, name: str) -> Response:
        method = request.method.upper()
        if name == "":
            return json_response(_index())
        if name == "profile":
            return json_response(self.profile())
        if name == "state":
            return json_response(self.state.snapshot())
        if name == "reset":
            self.reset()
            return json_response({"reset": True})
        if name == "faults":
            return self._control_faults(request, method)
        if name == "requests":
            if method == "DELETE":
                with self._requests_lock:
                    self._requests.clear()
                return json_response({"cleared": True})
            text = request.args.get("limit")
            is_number = text is not None and text.isascii() and text.isdigit()
            limit = int(text) if is_number else None
            if text is not None and (limit is None or limit < 1):
                return sandbox_error(
                    400,
                    "invalid_limit",
                    f"query parameter limit={text!r} is invalid; pass an "
                    "integer of 1 or more, or leave limit out for every request",
                )
            return json_response({"requests": self.received(limit)})
        if method == "GET":
            return json_response(self.settings.to_dict())
        try:
            changes = jsonbody.loads(request.get_data(as_text=True) or "{}")
            if not isinstance(changes, dict):
                raise SettingsError("send a JSON object of setting names and values")
            return json_response(self.update_settings(changes).to_dict())
        except (ValueError, SettingsError) as exc:
            return sandbox_error(400, "invalid_settings", str(exc))

    def _control_faults(self, request: Request, method: str) -> Response:
        if method == "GET":
            return json_response({"faults": self.faults.list()})
        if method == "DELETE":
            return json_response({"cleared": self.faults.clear()})
        try:
            spec = jsonbody.loads(request.get_data(as_text=True) or "{}")
            if not isinstance(spec, dict):
                raise FaultError('send a JSON object such as {"code": 10019, "count": 1}')
            fault = self.faults.inject(
                spec.get("code"), spec.get("count", 1), spec.get("endpoint")
            )
        except (ValueError, FaultError) as exc:
            return sandbox_error(400, "invalid_fault", str(exc))
        return json_response({"fault": fault.to_dict(), "faults": self.faults.list()}, 201)

    # request log ------------------------------------------------------------

    def _log(self, request: Request, response: Response, record: dict, elapsed_ms: float):
        request_id = record.get("request_id") or request.headers.get("RequestId")
        if log.isEnabledFor(logging.INFO):
            log.info(
                "%s %s -> %d code=%s %.1f ms RequestId=%s",
                request.method,
                mask_text(request.path),
                response.status_code,
                record["code"] if record["code"] is not None else "-",
                elapsed_ms,
                mask_text(request_id or "-"),
            )
        if record["reason"] and log.isEnabledFor(logging.DEBUG):
            log.debug("%s %s: %s", request.method, request.path, mask_text(record["reason"]))
        if not record["log"]:
            return
        # Credential headers are masked now; the other fields go through
        # mask_text when read (see received), which keeps each request cheap.
        entry = {
            "time": dt.datetime.now(dt.timezone.utc).isoformat(timespec="milliseconds"),
            "method": request.method,
            "path": request.path,
            "query": request.query_string.decode("latin-1"),
            "endpoint": record["endpoint"],
            "headers": _logged_headers(request),
            "content_length": request.content_length,
            "body": record.get("body"),
            "files": record.get("files", []),
            "status": response.status_code,
            "code": record["code"],
            "reason": record["reason"] or None,
            "elapsed_ms": round(elapsed_ms, 3),
            "request_id": request_id,
        }
        with self._requests_lock:
            self._requests.append(entry)


# body parsing --------------------------------------------------------------


def _parse_json(request: Request, settings: Settings) -> Any:
    request.max_content_length = JSON_BODY_LIMIT
    try:
        raw = request.get_data(cache=False)
    except RequestEntityTooLarge:
        raise BadBody(f"the body is larger than {JSON_BODY_LIMIT} bytes") from None
    if not raw.strip():
        code = later_code(BODY_MISSING, settings, fallback=0)
        if code:
            raise ApiError(code, "the request body is empty")
        raise BadBody("Required request body is missing")
    try:
        return jsonbody.loads(raw.decode("utf-8"))
    except UnicodeDecodeError as exc:
        raise BadBody(f"the body is not UTF-8: {exc.reason} at byte {exc.start}") from None
    except ValueError as exc:
        code = later_code(MALFORMED_JSON, settings, fallback=0)
        if code:
            raise ApiError(code, f"JSON parse error: {exc}") from None
        raise BadBody(f"JSON parse error: {exc}") from None


def _parse_multipart(request: Request, settings: Settings) -> tuple[Any, list[UploadedFile]]:
    request.max_content_length = settings.max_attachment_bytes + MULTIPART_OVERHEAD
    request.max_form_memory_size = JSON_BODY_LIMIT
    # NOTE: Werkzeug 3.1 compiles two regular expressions per multipart
    # boundary, and clients pick a new boundary per request. That is most of
    # the time of POST /interactions (see docs/benchmarks.md).
    try:
        form, uploads = request.form, request.files
    except RequestEntityTooLarge:
        raise ApiError(10008, "the request is larger than the attachment limit") from None
    parts = form.getlist("json")
    if not parts and "json" in uploads:
        # Some clients send the json part with a filename; read it, bounded.
        parts = [uploads["json"].stream.read(JSON_BODY_LIMIT + 1).decode("utf-8", "replace")]
    if len(parts) != 1:
        raise ApiError(10029, f"expected one json part, got {len(parts)}")
    try:
        body = jsonbody.loads(parts[0])
    except ValueError as exc:
        raise ApiError(10029, f"the json part is not JSON: {exc}") from None
    files = [_measure(upload) for upload in uploads.getlist("attachments")]
    return body, files


def _measure(upload) -> UploadedFile:
    digest = hashlib.sha256()
    size = 0
    while chunk := upload.stream.read(CHUNK_SIZE):
        digest.update(chunk)
        size += len(chunk)
    upload.close()
    return UploadedFile(
        filename=upload.filename or "",
        mime_type=upload.mimetype or "application/octet-stream",
        size=size,
        sha256=digest.hexdigest(),
    )


def _drain(environ: dict, counter: _CountingInput) -> None:
    """Read and discard what the app left of the body, up to ``DRAIN_LIMIT``."""
    try:
        length = int(environ.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return
    remaining = length - counter.count
    if remaining <= 0 or length > DRAIN_LIMIT:
        return
    try:
        while remaining > 0:
            chunk = counter.read(min(CHUNK_SIZE, remaining))
            if not chunk:
                break
            remaining -= len(chunk)
    except OSError as exc:
        log.debug("could not drain the request body: %s", exc)


# responses of the sandbox itself --------------------------------------------


def _bad_request(request: Request, message: str) -> Response:
    # Spring Boot's default error body, which a Spring service returns for a
    # body it cannot read. NOTE: inferred, because no source shows the API's.
    return json_response(
        {
            "timestamp": dt.datetime.now(dt.timezone.utc).isoformat(timespec="milliseconds"),
            "status": 400,
            "error": "Bad Request",
            "message": message,
            "path": request.path,
        },
        400,
    )


def _not_found(request: Request) -> Response:
    return sandbox_error(
        404,
        "not_found",
        f"No endpoint at {request.path}. The API is under {API_PREFIX}; "
        "the sandbox's control endpoints are under /__sandbox__/.",
        endpoints=_endpoint_list(),
    )


def _method_not_allowed(request: Request, allowed: list[str]) -> Response:
    allowed = sorted(set(allowed) - {"HEAD", "OPTIONS"}) or sorted(allowed)
    response = sandbox_error(
        405,
        "method_not_allowed",
        f"{request.method} is not allowed on {request.path}; use {', '.join(allowed)}.",
        allowed=allowed,
    )
    response.headers["Allow"] = ", ".join(allowed)
    return response


def _endpoint_list() -> list[str]:
    api = [f"{method} {API_PREFIX}{name}" for method, name in HANDLERS]
    control = [
        f"{method} /__sandbox__/{name}" for name, methods in CONTROL_ROUTES.items()
        for method in methods
    ]
    return api + control + ["POST /services/oauth2/token"]


def _index() -> dict[str, Any]:
    return {"sandbox": "Interaction Service API emulator", "endpoints": _endpoint_list()}


def _build_map() -> Map:
    rules = []
    by_name: dict[str, list[str]] = collections.defaultdict(list)
    for method, name in HANDLERS:
        by_name[name].append(method)
    for name, methods in by_name.items():
        rules.append(Rule(f"{API_PREFIX}{name}", methods=methods, endpoint=f"api:{name}"))
    for name, methods in CONTROL_ROUTES.items():
        path = f"/__sandbox__/{name}" if name else "/__sandbox__/"
        rules.append(Rule(path, methods=list(methods), endpoint=f"control:{name}"))
    for root in ("/services/oauth2", "/__sandbox__/oauth"):
        rules.append(Rule(root, endpoint="oauth:"))
        rules.append(Rule(f"{root}/<path:rest>", endpoint="oauth:"))
    return Map(rules, strict_slashes=False, merge_slashes=False)


def _logged_headers(request: Request) -> dict[str, str]:
    headers = {}
    for name, value in request.headers.items():
        if name.lower() in SECRET_HEADERS and value:
            value = mask_authorization(value)
        elif len(value) > LOGGED_HEADER_CHARS:
            value = value[:LOGGED_HEADER_CHARS] + "..."
        headers[name] = value
    return headers


def _masked_record(entry: dict[str, Any]) -> dict[str, Any]:
    """Return a request-log entry with every remaining credential masked."""
    masked = dict(entry)
    for key in ("path", "query", "reason", "request_id"):
        if masked[key]:
            masked[key] = mask_text(masked[key])
    masked["headers"] = {
        name: value if name.lower() in SECRET_HEADERS else mask_text(value)
        for name, value in entry["headers"].items()
    }
    masked["body"] = _logged_body(entry["body"])
    return masked


def _logged_body(body: Any) -> Any:
    if body is None:
        return None
    text = json.dumps(body, default=str)
    if len(text) > LOGGED_BODY_CHARS:
        return mask_text(text[:LOGGED_BODY_CHARS]) + "..."
    masked = mask_text(text)
    # A body that contained a credential is kept as masked text, not as JSON.
    return body if masked == text else masked


def _fake_jwt(issuer, username, scopes, org_id, issued_at, expires_at) -> str:
    def segment(data: dict) -> str:
        raw = json.dumps(data, separators=(",", ":")).encode()
        return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")

    header = {"alg": "RS256", "typ": "JWT", "kid": "FAKE-sandbox-issued"}
    payload = {
        "iss": issuer or "https://sandbox.invalid",
        "sub": username,
        "aud": issuer or "https://sandbox.invalid",
        "iat": int(issued_at.timestamp()),
        "exp": int(expires_at.timestamp()),
        "scp": list(scopes),
        "organization_id": org_id,
        "jti": str(uuid.uuid4()),
        "note": "FAKE token issued by the local sandbox",
    }
    signature = "FAKE-" + pysecrets.token_urlsafe(16)
    return f"{segment(header)}.{segment(payload)}.{signature}"


def build_profile(fixture: Fixture, base_url: str, settings: Settings) -> dict[str, Any]:
    """Return the default connection profile of ``fixture`` served at ``base_url``.

    Besides the fields every profile has, it lists the fixture's alternates
    by name (``tokens``, ``channels``, ``channel_definitions``,
    ``end_users``), which the repro catalog's placeholders refer to.
    """
    chosen = fixture.profile
    token = fixture.tokens[chosen["token"]]
    channel = fixture.channels[chosen["channel"]]
    definition = fixture.definitions[chosen["authorization_context"]]
    app = fixture.apps[definition.app]
    end_users = [chosen["end_user"]] + [
        u.client_id
        for u in fixture.end_users
        if u.channel == channel.name and u.client_id != chosen["end_user"]
    ]
    return {
        "name": "sandbox",
        "target": "sandbox",
        "base_url": base_url,
        "api_base_url": f"{base_url}{API_PREFIX.rstrip('/')}",
        "token_url": f"{base_url}/services/oauth2/token",
        "org_id": fixture.org_id,
        "access_token": token.value,
        "token_name": token.name,
        "username": token.username,
        "authorization_context": definition.developer_name,
        "authorization_context_type": "ConversationChannelDefinition",
        "channel_address_identifier": channel.channel_address_identifier,
        "end_user_client_id": chosen["end_user"],
        "user_id": chosen["user"],
        "queue_id": chosen["queue"],
        "flow_id": chosen["flow"],
        "integration_namespace": fixture.org_id,
        "connected_app": app.name,
        "consumer_key": app.consumer_key,
        "max_attachment_bytes": settings.max_attachment_bytes,
        "tokens": {name: t.value for name, t in fixture.tokens.items()},
        "channels": {
            name: c.channel_address_identifier for name, c in fixture.channels.items()
        },
        "channel_definitions": {
            name: c.definition for name, c in fixture.channels.items() if c.definition
        },
        "end_users": end_users,
        "users": list(fixture.users),
        "queues": list(fixture.queues),
        "flows": list(fixture.flows),
    }
