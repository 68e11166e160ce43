"""The sandbox's OAuth token endpoint for the JWT bearer grant.

``POST /services/oauth2/token`` takes ``grant_type=urn:ietf:params:oauth:
grant-type:jwt-bearer`` and a signed ``assertion``, checks it the way the
Salesforce token endpoint does (app found by ``iss`` = consumer key, RS256
signature against the app's certificate, ``aud``, ``exp`` in seconds, ``sub``
a known username) and answers with the same OAuth error bodies, status 400,
or with a token issued through ``sandbox.issue_token``.

``POST /__sandbox__/oauth/certificate`` registers a certificate (or public
key) PEM for an app at run time, so a notebook can make a key pair and mint
a token without any real org. ``GET /__sandbox__/oauth/apps`` lists the apps
with their consumer keys and whether each has a certificate.

The audience accepted is the sandbox's own URL; the legacy login hosts are
accepted as well when the sandbox setting ``oauth_accept_login_hosts`` is
true (an older connected app), and rejected by default, as for an External
Client App in an org created since Spring '26.
"""

from __future__ import annotations

import json
import logging
import time
import weakref
from typing import Any
from urllib.parse import urlsplit

import jwt
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from werkzeug import Request, Response

from helpers.sandbox import jsonbody
from helpers.secrets import mask_text, token_placeholder

log = logging.getLogger(__name__)

JWT_BEARER_GRANT = "urn:ietf:params:oauth:grant-type:jwt-bearer"
TOKEN_PATH = "/services/oauth2/token"
CERTIFICATE_PATH = "/__sandbox__/oauth/certificate"
APPS_PATH = "/__sandbox__/oauth/apps"
LEGACY_LOGIN_AUDIENCES = ("https://login.salesforce.com", "https://test.salesforce.com")
DEFAULT_SCOPES = ("interaction_api", "refresh_token", "offline_access")
# Assertions must expire within this many seconds of now; the tolerance
# covers a clock that runs slightly ahead of or behind the sandbox's.
MAX_ASSERTION_LIFETIME_S = 900
CLOCK_SKEW_S = 30
ISSUED_TOKEN_LIFETIME_S = 7200

# Error bodies as Salesforce's token endpoint writes them.
ERRORS = {
    "grant_type": ("unsupported_grant_type", "grant type not supported"),
    "request": ("invalid_request", "assertion is required"),
    "assertion": ("invalid_grant", "invalid assertion"),
    "client": ("invalid_client_id", "client identifier invalid"),
    "audience": ("invalid_grant", "audience is invalid"),
    "expired": ("invalid_grant", "expired authorization code"),
    "user": ("invalid_grant", "user hasn't approved this consumer"),
}

# Certificates registered at run time, per sandbox, by consumer key.
_registered: weakref.WeakKeyDictionary[Any, dict[str, str]]
_registered = weakref.WeakKeyDictionary()


def handle(request: Request, sandbox: Any) -> Response:
    """Handle a request under ``/services/oauth2/`` or ``/__sandbox__/oauth/``.

    Parameters
    ----------
    request
        The werkzeug request.
    sandbox
        The running sandbox app: ``base_url``, ``settings``, ``fixture``
        (with ``apps`` and ``users``) and ``issue_token(...)``.
    """
    path = request.path.rstrip("/")
    if path == TOKEN_PATH:
        if request.method != "POST":
            log.info("token request rejected: %s instead of POST", request.method)
            body = {"error": "invalid_request", "error_description": "must use HTTP POST"}
            return _json(body, 405)
        return token_endpoint(request, sandbox)
    if path == CERTIFICATE_PATH and request.method == "POST":
        return register_certificate_endpoint(request, sandbox)
    if path == APPS_PATH and request.method == "GET":
        return _json({"apps": list_apps(sandbox)}, 200)
    description = f"no OAuth resource {request.method} {request.path}"
    log.info("OAuth request rejected: %s", description)
    return _json({"error": "not_found", "error_description": description}, 404)


def _json(body: dict[str, Any], status: int) -> Response:
    return Response(
        json.dumps(body),
        status=status,
        mimetype="application/json",
        headers={"Cache-Control": "no-store"},
    )


def _oauth_error(kind: str, reason: str) -> Response:
    error, description = ERRORS[kind]
    # The reason goes only to the sandbox's log, because the real endpoint
    # returns nothing beyond the description either.
    log.info("token request rejected: %s (%s): %s", error, description, reason)
    return _json({"error": error, "error_description": description}, 400)


# ---------------------------------------------------------------------------
# Apps and certificates


def _base_url(sandbox: Any) -> str:
    # The app object has ``base_url``; a handle has ``url``.
    return (getattr(sandbox, "base_url", None) or sandbox.url).rstrip("/")


def _apps(sandbox: Any) -> dict[str, Any]:
    return dict(sandbox.fixture.apps)


def certificate_for(sandbox: Any, app: Any) -> str | None:
    """Return the certificate PEM of ``app``.

    A certificate registered at run time wins over the fixture's.
    """
    return _registered.get(sandbox, {}).get(app.consumer_key) or app.certificate_pem


def list_apps(sandbox: Any) -> list[dict[str, Any]]:
    """Return the apps with consumer key and whether a certificate is registered."""
    return [
        {
            "name": app.name,
            "consumer_key": app.consumer_key,
            "has_certificate": certificate_for(sandbox, app) is not None,
        }
        for app in _apps(sandbox).values()
    ]


def _public_key_from_pem(pem: str) -> Any:
    data = pem.strip().encode("ascii", "replace")
    if b"PRIVATE KEY" in data:
        raise ValueError(
            "this is a private key; register the certificate (or public key) "
            "and keep the private key to yourself"
        )
    if b"BEGIN CERTIFICATE" in data:
        return x509.load_pem_x509_certificate(data).public_key()
    return serialization.load_pem_public_key(data)


def register_certificate(
    sandbox: Any, consumer_key: str | None, certificate_pem: str
) -> Any:
    """Register a certificate for the app with ``consumer_key`` and return the app.

    With ``consumer_key`` None, the fixture's first app is used.

    Raises
    ------
    ValueError
        When the app is unknown or the PEM is not a certificate or public key.
    """
    apps = _apps(sandbox)
    if consumer_key is None:
        app = next(iter(apps.values()))
    else:
        matches = [
            a for a in apps.values() if consumer_key in (a.consumer_key, a.name)
        ]
        if not matches:
            raise ValueError(
                f"no app with consumer key or name {consumer_key!r}; "
                f"known apps: {', '.join(apps)}"
            )
        app = matches[0]
    _public_key_from_pem(certificate_pem)
    certificates = _registered.setdefault(sandbox, {})
    certificates[app.consumer_key] = certificate_pem.strip() + "\n"
    log.info("registered a certificate for app %s", app.name)
    return app


def register_certificate_endpoint(request: Request, sandbox: Any) -> Response:
    """Register a certificate posted to ``/__sandbox__/oauth/certificate``.

    The JSON body has ``certificate_pem`` and optionally ``consumer_key``.

    ``consumer_key`` may also be the app name; without it the fixture's
    first app is used. The response names the consumer key and a username
    to put in the assertion.
    """
    try:
        data = jsonbody.loads(request.get_data(as_text=True) or "{}")
    except ValueError:
        return _certificate_rejected("the body is not JSON")
    pem = data.get("certificate_pem") if isinstance(data, dict) else None
    if not isinstance(pem, str) or not pem.strip():
        return _certificate_rejected(
            "certificate_pem is missing: send the PEM text of the certificate"
        )
    try:
        app = register_certificate(sandbox, data.get("consumer_key"), pem)
    except ValueError as exc:
        return _certificate_rejected(mask_text(str(exc)))
    users = [
        user["username"] for user in sandbox.fixture.users.values() if user.get("username")
    ]
    return _json(
        {
            "success": True,
            "app": app.name,
            "consumer_key": app.consumer_key,
            "username": users[0] if users else None,
            "login_url": _base_url(sandbox),
        },
        200,
    )


def _certificate_rejected(message: str) -> Response:
    log.info("certificate registration rejected: %s", message)
    return _json({"success": False, "message": message}, 400)


# ---------------------------------------------------------------------------
# The token endpoint


def _accepted_audiences(sandbox: Any) -> set[str]:
    own = _base_url(sandbox)
    parts = urlsplit(own)
    audiences = {own, f"{parts.scheme}://localhost:{parts.port}"}
    if getattr(sandbox.settings, "oauth_accept_login_hosts", False):
        audiences.update(LEGACY_LOGIN_AUDIENCES)
    return audiences


def _find_user(sandbox: Any, username: str) -> tuple[str, dict[str, Any]] | None:
    for user_id, user in sandbox.fixture.users.items():
        if user.get("username", "").lower() == username.lower():
            return user_id, user
    return None


def token_endpoint(request: Request, sandbox: Any) -> Response:
    """Check a JWT bearer assertion and answer with a token or an OAuth error."""
    form = request.form
    if form.get("grant_type") != JWT_BEARER_GRANT:
        return _oauth_error("grant_type", f"grant_type {form.get('grant_type')!r}")
    assertion = (form.get("assertion") or "").strip()
    if not assertion:
        return _oauth_error("request", "no assertion")
    try:
        header = jwt.get_unverified_header(assertion)
        claims = jwt.decode(assertion, options={"verify_signature": False})
    except jwt.PyJWTError as exc:
        return _oauth_error("assertion", f"not a JWT ({type(exc).__name__})")

    issuer = claims.get("iss")
    app = next((a for a in _apps(sandbox).values() if a.consumer_key == issuer), None)
    if app is None:
        return _oauth_error("client", "iss is no app's consumer key")
    certificate = certificate_for(sandbox, app)
    if certificate is None:
        reason = f"app {app.name} has no certificate; POST one to {CERTIFICATE_PATH}"
        return _oauth_error("assertion", reason)
    if header.get("alg") != "RS256":
        return _oauth_error("assertion", f"alg {header.get('alg')!r} is not RS256")
    try:
        jwt.decode(
            assertion,
            _public_key_from_pem(certificate),
            algorithms=["RS256"],
            # Only the signature here; the claims get their own errors below.
            options={
                "verify_exp": False,
                "verify_aud": False,
                "verify_iat": False,
                "verify_nbf": False,
            },
        )
    except jwt.InvalidSignatureError:
        reason = "the signature does not match the app's certificate"
        return _oauth_error("assertion", reason)
    except (jwt.PyJWTError, ValueError) as exc:
        reason = f"the assertion does not verify ({type(exc).__name__})"
        return _oauth_error("assertion", reason)

    if claims.get("aud") not in _accepted_audiences(sandbox):
        return _oauth_error("audience", f"aud {claims.get('aud')!r} is not accepted")
    exp = claims.get("exp")
    now = time.time()
    latest = now + MAX_ASSERTION_LIFETIME_S + CLOCK_SKEW_S
    if not isinstance(exp, (int, float)) or not now - CLOCK_SKEW_S <= exp <= latest:
        return _oauth_error("expired", f"exp {exp!r} is past or too far ahead")
    # NOTE: an unknown username and a user never authorized for the app get
    # the same error here. Public reports show the real endpoint returning
    # this error for both, but that is not documented.
    found = _find_user(sandbox, str(claims.get("sub") or ""))
    if found is None:
        return _oauth_error("user", f"sub {claims.get('sub')!r} is no user of the org")
    user_id, user = found
    return _issue(sandbox, app, user_id, user)


def _issue(sandbox: Any, app: Any, user_id: str, user: dict[str, Any]) -> Response:
    style = getattr(sandbox.settings, "oauth_token_style", "opaque")
    scopes = list(DEFAULT_SCOPES)
    token = sandbox.issue_token(
        app=app.name,
        scopes=scopes,
        lifetime_s=ISSUED_TOKEN_LIFETIME_S,
        style=style,
        username=user["username"],
    )
    base = _base_url(sandbox)
    org_id = sandbox.fixture.org_id
    log.info(
        "issued token %s to %s for app %s",
        token_placeholder(token),
        user["username"],
        app.name,
    )
    body = {
        "access_token": token,
        "instance_url": base,
        "id": f"{base}/id/{org_id}/{user_id}",
        "token_type": "Bearer",
        "scope": " ".join(scopes),
        "issued_at": str(int(time.time() * 1000)),
    }
    return _json(body, 200)
