"""Token doctor: mint access tokens with the JWT bearer flow and explain tokens.

``mint_token`` signs an RS256 assertion (``iss`` = consumer key, ``sub`` =
username, ``aud`` = login URL, ``exp`` in UTC seconds) and posts it to the
login host's ``/services/oauth2/token``. Before anything is sent it checks
that the private key parses, repairs keys whose line breaks or BEGIN/END
lines were lost in copying, and names the problem when the text is an
encrypted key, a public key or a certificate. An OAuth error response becomes
a ``TokenError`` explained through the decoder's OAuth table
(``data/oauth_errors.csv``).

``inspect_token`` reads an access token without sending it (opaque
``<orgId>!...`` or JWT) and ``inspect_assertion`` reads a signed assertion;
both return ``TokenFinding`` objects with the code or OAuth error that the
server would return, a severity and a fix. No function here logs, raises or
returns a token or a key in clear text, except ``TokenResult.access_token``.
"""

from __future__ import annotations

import datetime as dt
import logging
import numbers
import os
import re
import time
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

import jwt
import requests
from cryptography.hazmat.primitives.asymmetric import rsa

from helpers.errors import TokenError
from helpers.keys import (
    generate_key_pair,
    load_private_key,
    normalize_private_key_pem,
)
from helpers.secrets import token_placeholder

__all__ = [
    "TokenFinding",
    "TokenResult",
    "build_assertion",
    "exchange_assertion",
    "generate_key_pair",
    "inspect_assertion",
    "inspect_token",
    "load_private_key",
    "mint_token",
    "normalize_login_url",
    "normalize_private_key_pem",
    "oauth_error",
    "token_provider",
]

log = logging.getLogger(__name__)

JWT_BEARER_GRANT = "urn:ietf:params:oauth:grant-type:jwt-bearer"
TOKEN_PATH = "/services/oauth2/token"
REQUIRED_SCOPE = "interaction_api"
LEGACY_LOGIN_HOSTS = ("login.salesforce.com", "test.salesforce.com")
SPRING_26_NOTE = (
    "since the Spring '26 release (February 2026), orgs created on it use External "
    "Client Apps, which do not accept login.salesforce.com or test.salesforce.com "
    "as audience: use the My Domain login URL (https://<MyDomain>.my.salesforce.com)"
)
# Assertions are meant to live minutes (Salesforce's demo connector uses 3), so
# a longer lifetime is rejected before sending and flagged by the inspection.
MAX_ASSERTION_LIFETIME_S = 300
# Tolerated difference between this clock and the server's.
CLOCK_SKEW_S = 60
# An exp above this is in milliseconds (it would be the year 5138 in seconds).
MILLISECONDS_THRESHOLD = 10**11
DEFAULT_TIMEOUT = (3.05, 30.0)

ORG_ID_PATTERN = re.compile(r"00D[A-Za-z0-9]{12}(?:[A-Za-z0-9]{3})?")
OPAQUE_PATTERN = re.compile(rf"^({ORG_ID_PATTERN.pattern})!(\S+)$")
TOKEN_ENV = "ISAPI_TOKEN"


# ---------------------------------------------------------------------------
# Results and findings


@dataclass
class TokenFinding:
    """One observation about a token or an assertion.

    ``code`` is what the server would return: the API code (10003, 10004)
    for an access token, the OAuth ``error`` value for an assertion, or None
    for plain information. ``severity`` is ``error``, ``warning`` or ``info``.
    """

    code: int | str | None
    severity: str
    field: str
    message: str
    fix: str = ""

    def __str__(self) -> str:
        code = f" [{self.code}]" if self.code is not None else ""
        fix = f" Fix: {self.fix}" if self.fix else ""
        return f"{self.severity}{code} {self.field}: {self.message}{fix}"

    def to_dict(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "severity": self.severity,
            "field": self.field,
            "message": self.message,
            "fix": self.fix,
        }


@dataclass(repr=False)
class TokenResult:
    """A minted access token and the rest of the token endpoint's response.

    ``access_token`` is the only place the token appears in clear text; the
    repr, ``str()`` and ``to_dict()`` show its placeholder instead.
    """

    access_token: str
    instance_url: str | None = None
    id: str | None = None
    token_type: str = "Bearer"
    scope: str | None = None
    issued_at: str | None = None
    login_url: str | None = None
    username: str | None = None
    key_notes: list[str] = field(default_factory=list)

    @property
    def masked_token(self) -> str:
        return token_placeholder(self.access_token)

    @property
    def scopes(self) -> list[str]:
        return (self.scope or "").split()

    def to_dict(self, show_token: bool = False) -> dict[str, Any]:
        """Return the result as a dict; the token is masked unless ``show_token``."""
        return {
            "access_token": self.access_token if show_token else self.masked_token,
            "instance_url": self.instance_url,
            "id": self.id,
            "token_type": self.token_type,
            "scope": self.scope,
            "issued_at": self.issued_at,
            "login_url": self.login_url,
            "username": self.username,
            "key_notes": list(self.key_notes),
        }

    def __repr__(self) -> str:
        return (
            f"TokenResult(access_token={self.masked_token}, "
            f"instance_url={self.instance_url!r}, scope={self.scope!r}, "
            f"issued_at={self.issued_at!r})"
        )

    __str__ = __repr__


# ---------------------------------------------------------------------------
# Assertions


def normalize_login_url(login_url: str) -> str:
    """Return the login URL as scheme and host, without path or trailing slash.

    Raises
    ------
    TokenError
        When the URL is not http(s), uses http for a non-loopback host, or is
        the Interaction API (SCRT) host instead of a login host.
    """
    parts = urlsplit((login_url or "").strip())
    host = (parts.hostname or "").lower()
    if parts.scheme not in ("http", "https") or not host:
        raise TokenError(
            f"login URL {login_url!r} is not an http(s) URL.",
            "Use https://login.salesforce.com, https://test.salesforce.com or the "
            "My Domain login URL https://<MyDomain>.my.salesforce.com.",
        )
    loopback = host in ("localhost", "127.0.0.1", "::1")
    if parts.scheme != "https" and not loopback:
        raise TokenError(f"login URL {login_url!r} uses http.", "Use https.")
    if host.endswith(".salesforce-scrt.com"):
        mydomain = host.split(".my.salesforce-scrt.com")[0]
        raise TokenError(
            f"login URL {login_url!r} is the Interaction API host, not a login host.",
            f"Use the My Domain login URL https://{mydomain}.my.salesforce.com.",
        )
    return f"{parts.scheme}://{parts.netloc}"


def build_assertion(
    consumer_key: str,
    private_key: rsa.RSAPrivateKey,
    username: str,
    audience: str,
    lifetime_s: int = 180,
    now: float | None = None,
) -> str:
    """Sign and return a JWT bearer assertion (RS256, ``exp`` in UTC seconds).

    Examples
    --------
    >>> assertion = build_assertion("3MVG9...", key, "me@example.com",  # doctest: +SKIP
    ...                             "https://login.salesforce.com")
    """
    issued = int(now if now is not None else time.time())
    claims = {
        "iss": consumer_key,
        "sub": username,
        "aud": audience,
        "exp": issued + int(lifetime_s),
    }
    return jwt.encode(claims, private_key, algorithm="RS256")


def _check_inputs(consumer_key: str, username: str, lifetime_s: int) -> None:
    if not consumer_key or not consumer_key.strip():
        raise TokenError(
            "the consumer key is empty.",
            "Copy the consumer key from the app's OAuth settings.",
        )
    if consumer_key != consumer_key.strip() or re.search(r"\s", consumer_key):
        raise TokenError(
            "the consumer key contains spaces or line breaks.",
            "Copy it again without surrounding whitespace.",
        )
    if not username or not username.strip():
        raise TokenError(
            "the username is empty.",
            "Pass the Salesforce username of the integration user.",
        )
    if not 1 <= int(lifetime_s) <= MAX_ASSERTION_LIFETIME_S:
        raise TokenError(
            f"lifetime_s={lifetime_s} is outside 1 to {MAX_ASSERTION_LIFETIME_S} seconds.",
            "Use a few minutes at most, such as the default 180.",
        )


def mint_token(
    consumer_key: str,
    private_key: str | bytes | os.PathLike[str] | rsa.RSAPrivateKey,
    username: str,
    login_url: str,
    lifetime_s: int = 180,
    session: requests.Session | None = None,
    *,
    key_password: str | bytes | None = None,
    timeout: float | tuple[float, float] = DEFAULT_TIMEOUT,
    audience: str | None = None,
) -> TokenResult:
    """Get an access token with the OAuth 2.0 JWT bearer flow.

    Parameters
    ----------
    consumer_key
        The app's consumer key; becomes ``iss``.
    private_key
        The RSA private key that matches the certificate uploaded to the app:
        PEM text, a path to the PEM file, or a loaded key.
    username
        The Salesforce username; becomes ``sub``.
    login_url
        ``https://login.salesforce.com``, ``https://test.salesforce.com``, the
        My Domain login URL, or the sandbox URL; becomes ``aud``, and the
        assertion is posted to its ``/services/oauth2/token``.
    lifetime_s
        Seconds until the assertion expires (1 to 300).
    session
        A ``requests.Session`` to use.
    key_password
        Password of an encrypted key.
    timeout
        Connect and read timeouts in seconds.
    audience
        ``aud`` when it must differ from ``login_url``, for example to
        reproduce an "audience is invalid" answer; ``login_url`` by default.

    Returns
    -------
    TokenResult

    Raises
    ------
    TokenError
        When the inputs or the key are invalid (nothing is sent then), the
        token endpoint is unreachable, or it answers with an OAuth error,
        explained with its likely cause and fix.

    Examples
    --------
    >>> result = mint_token("3MVG9...", "server.key", "me@example.com",  # doctest: +SKIP
    ...                     "https://mydomain.my.salesforce.com")
    >>> result.masked_token  # doctest: +SKIP
    '<token:1a2b3c4d>'
    """
    _check_inputs(consumer_key, username, lifetime_s)
    base_url = normalize_login_url(login_url)
    if isinstance(private_key, rsa.RSAPrivateKey):
        key, notes = private_key, []
    else:
        key, notes = load_private_key(private_key, key_password)
    for note in notes:
        log.info("private key: %s", note)
    aud = audience.strip() if audience else base_url
    assertion = build_assertion(consumer_key, key, username.strip(), aud, lifetime_s)
    for finding in inspect_assertion(assertion):
        if finding.severity == "warning":
            log.warning("assertion %s: %s", finding.field, finding.message)
    result = exchange_assertion(assertion, base_url, session=session, timeout=timeout)
    result.username = username.strip()
    result.key_notes = notes
    return result


def exchange_assertion(
    assertion: str,
    login_url: str,
    session: requests.Session | None = None,
    *,
    timeout: float | tuple[float, float] = DEFAULT_TIMEOUT,
) -> TokenResult:
    """Post a signed assertion to ``login_url``'s token endpoint and return the token.

    Use it to send an assertion built by hand; ``mint_token`` builds and
    sends one.

    Raises
    ------
    TokenError
        When the endpoint does not respond or responds with an OAuth error;
        the message explains the likely cause and the fix.
    """
    base_url = normalize_login_url(login_url)
    url = base_url + TOKEN_PATH
    data = {"grant_type": JWT_BEARER_GRANT, "assertion": assertion}
    http = session or requests.Session()
    try:
        response = http.post(url, data=data, timeout=timeout, allow_redirects=False)
    except requests.RequestException as exc:
        raise TokenError(
            f"the token endpoint {url} did not respond ({type(exc).__name__}).",
            "Check the login URL and the network; for a 127.0.0.1 URL the sandbox "
            "must be running.",
            url=url,
            method="POST",
        ) from None
    finally:
        if session is None:
            http.close()
    return _token_result(response, url, base_url)


def _token_result(response: requests.Response, url: str, login_url: str) -> TokenResult:
    try:
        body = response.json()
    except ValueError:
        body = None
    has_token = isinstance(body, dict) and "access_token" in body
    if response.status_code != 200 or not has_token:
        raise oauth_error(response.status_code, body, response.text, url)
    result = TokenResult(
        access_token=str(body["access_token"]),
        instance_url=body.get("instance_url"),
        id=body.get("id"),
        token_type=body.get("token_type", "Bearer"),
        scope=body.get("scope"),
        issued_at=str(body["issued_at"]) if body.get("issued_at") is not None else None,
        login_url=login_url,
    )
    log.info("received access token %s from %s", result.masked_token, url)
    return result


def oauth_error(
    status: int | None, body: Any, text: str = "", url: str | None = None
) -> TokenError:
    """Return the ``TokenError`` that explains a token endpoint's error answer.

    The explanation comes from the decoder's OAuth table; the Spring '26
    audience rule is part of it.
    """
    error = body.get("error") if isinstance(body, dict) else None
    description = body.get("error_description", "") if isinstance(body, dict) else ""
    common = {"status": status, "url": url, "method": "POST", "body": text}
    oauth = {"oauth_error": error, "oauth_description": description}
    if not error:
        return TokenError(
            f"the token endpoint returned HTTP {status} without an OAuth error.",
            "Check that the login URL is a Salesforce login host and that the "
            "body is form-encoded.",
            **common,
        )
    try:
        from helpers.decode.oauth import oauth_finding
    except ImportError:  # NOTE: only while the decoder package is not installed.
        return TokenError(f"{error}: {description}.", "", **oauth, **common)
    finding = oauth_finding(error, description, http_status=status, url=url)
    problem = f"the token endpoint rejected the JWT assertion with error {error}"
    problem += f" ({description})." if description else "."
    if finding.cause:
        problem += f" Likely cause: {finding.cause}"
    return TokenError(problem, finding.fix or "", **oauth, **common)


def token_provider(
    consumer_key: str,
    private_key: str | bytes | os.PathLike[str],
    username: str,
    login_url: str,
    **options: Any,
):
    """Return a function that mints a fresh token on each call.

    Pass it to ``load_profile(token_provider=...)`` so the client can refresh
    the token on 10004. The key is loaded and checked once, now, because
    loading an RSA key takes about 90 ms (2 cores, see docs/benchmarks.md).
    """
    key, notes = load_private_key(private_key, options.pop("key_password", None))
    for note in notes:
        log.info("private key: %s", note)

    def provide() -> TokenResult:
        return mint_token(consumer_key, key, username, login_url, **options)

    provide.__name__ = f"mint_token({username})"
    return provide


# ---------------------------------------------------------------------------
# Inspection


def _error(code: int | str | None, field: str, message: str, fix: str) -> TokenFinding:
    return TokenFinding(code, "error", field, message, fix)


def _warning(field: str, message: str, fix: str = "", code: int | str | None = None):
    return TokenFinding(code, "warning", field, message, fix)


def _info(field: str, message: str) -> TokenFinding:
    return TokenFinding(None, "info", field, message)


def _decode_jwt(token: str) -> tuple[dict[str, Any], dict[str, Any]] | None:
    if token.count(".") != 2:
        return None
    try:
        header = jwt.get_unverified_header(token)
        claims = jwt.decode(token, options={"verify_signature": False})
    except jwt.PyJWTError:
        return None
    return header, claims


def _utc(seconds: float) -> str:
    moment = dt.datetime.fromtimestamp(seconds, dt.timezone.utc)
    return moment.isoformat(timespec="seconds")


def _scopes(claims: dict[str, Any]) -> list[str] | None:
    for name in ("scp", "scope", "scopes"):
        value = claims.get(name)
        if isinstance(value, str):
            return value.replace(",", " ").split()
        if isinstance(value, list):
            return [str(v) for v in value]
    return None


def _credential_text(value: Any, name: str) -> str:
    """Return ``value`` as text, decoding bytes, for the inspect functions.

    Raises ``TypeError`` for a value that is neither text nor bytes, and
    ``TokenError`` for bytes that are not UTF-8. Neither message contains
    the value, because it may be a credential.
    """
    if value is None:
        return ""
    if isinstance(value, (bytes, bytearray, memoryview)):
        try:
            return bytes(value).decode("utf-8")
        except UnicodeDecodeError as exc:
            raise TokenError(
                f"the {name} bytes are not UTF-8 text (invalid byte at "
                f"position {exc.start}).",
                f"Pass the {name} as a str, or as the ASCII bytes of the {name}.",
            ) from None
    if not isinstance(value, str):
        raise TypeError(
            f"{name} must be a str or bytes, got {type(value).__name__}; "
            f"pass the {name} text"
        )
    return value


def _check_org_id_and_now(org_id: Any, now: Any) -> None:
    if org_id is not None and not isinstance(org_id, str):
        raise TypeError(
            f"org_id must be a str such as '00DSBX000000001' or None, got "
            f"{type(org_id).__name__}"
        )
    if now is not None and (isinstance(now, bool) or not isinstance(now, numbers.Real)):
        raise TypeError(
            "now must be epoch seconds (a real number) or None, got "
            f"{type(now).__name__}"
        )


def inspect_token(
    token: str | bytes, org_id: str | None = None, now: float | None = None
) -> list[TokenFinding]:
    """Check an access token without sending it and return what the API would report.

    Parameters
    ----------
    token
        An opaque token (``<orgId>!...``) or a JWT access token, as text or
        UTF-8 bytes.
    org_id
        The OrgId header value; the token's org prefix is compared with it on
        the first 15 characters.
    now
        Epoch seconds to compare expiry with; the current time by default.

    Returns
    -------
    list[TokenFinding]
        Errors carry the code the API would return: 10003 for a missing
        ``interaction_api`` scope, 10004 for a token that is expired,
        malformed or from another org.

    Raises
    ------
    TypeError
        When ``token`` is not a str or bytes, ``org_id`` not a str or None,
        or ``now`` not a number or None.
    TokenError
        When ``token`` is bytes that are not UTF-8.

    Examples
    --------
    >>> token = "00DSBX000000001!abc.def.ghi"
    >>> [f.code for f in inspect_token(token, "00DOTHER0000001") if f.code]
    [10004]
    """
    _check_org_id_and_now(org_id, now)
    now = time.time() if now is None else now
    text = _credential_text(token, "token").strip()
    if not text:
        fix = f"Set {TOKEN_ENV} to the access token."
        return [_error(10004, "token", "the token is empty.", fix)]
    findings: list[TokenFinding] = []
    text = _strip_decoration(text, findings)
    if "%21" in text and "!" not in text:
        findings.append(
            _error(
                10004,
                "token",
                "the token is URL-encoded (%21 stands for '!').",
                "Decode it first: the token must contain '!' after the org id.",
            )
        )
        text = text.replace("%21", "!")
    if re.search(r"\s", text):
        findings.append(
            _error(
                10004,
                "token",
                "the token contains spaces or line breaks.",
                "Copy it again as one line; the API rejects a token with whitespace.",
            )
        )
        text = re.sub(r"\s+", "", text)

    decoded = _decode_jwt(text)
    if decoded is not None:
        findings += _inspect_jwt_token(*decoded, org_id=org_id, now=now)
    else:
        findings += _inspect_opaque_token(text, org_id)
    return findings


def _strip_decoration(text: str, findings: list[TokenFinding]) -> str:
    if text[:1] in "'\"" and text[-1:] == text[:1]:
        message = "the token is wrapped in quotes; they were ignored."
        findings.append(_warning("token", message, "Remove the quotes."))
        text = text[1:-1].strip()
    if text.lower().startswith("bearer "):
        message = "the value starts with 'Bearer '; the client adds that itself."
        fix = f"Store only the token in {TOKEN_ENV}, without the scheme."
        findings.append(_warning("token", message, fix))
        text = text[7:].strip()
    return text


def _inspect_opaque_token(text: str, org_id: str | None) -> list[TokenFinding]:
    match = OPAQUE_PATTERN.match(text)
    if not match:
        message = "the token is neither a JWT nor an opaque Salesforce token (<orgId>!...)."
        fix = "Copy the access_token field of the token endpoint's response."
        return [_warning("token", message, fix, code=10004)]
    findings = [_info("token", f"opaque token of org {match.group(1)}.")]
    findings += _compare_org(match.group(1), org_id)
    findings.append(
        _info(
            "scope",
            "an opaque token does not show its scopes or expiry; the API returns "
            "10003 when the app lacks the interaction_api scope and 10004 when the "
            "token has expired.",
        )
    )
    return findings


def _compare_org(token_org: str, org_id: str | None) -> list[TokenFinding]:
    if not org_id:
        return []
    if token_org[:15] != org_id.strip()[:15]:
        return [
            _error(
                10004,
                "org_id",
                f"the token belongs to org {token_org}, but the OrgId header is {org_id}.",
                "Mint the token in the org you call, or set the profile's org_id "
                "to the token's org.",
            )
        ]
    return [_info("org_id", f"the token's org matches the OrgId header {org_id}.")]


def _inspect_jwt_token(
    header: dict[str, Any], claims: dict[str, Any], *, org_id: str | None, now: float
) -> list[TokenFinding]:
    if "scp" not in claims and _is_login_audience(claims.get("aud")):
        return [
            _error(
                10004,
                "token",
                "this is a JWT bearer assertion (aud is a login host), "
                "not an access token.",
                "Post it to the login host's /services/oauth2/token and use the "
                "access_token of the response.",
            )
        ]
    signer = f"signed with {header.get('alg')}, issued by {claims.get('iss')!r}"
    findings = [_info("token", f"JWT access token {signer}.")]
    scopes = _scopes(claims)
    if scopes is None:
        findings.append(_warning("scp", "the token lists no scopes (scp)."))
    elif REQUIRED_SCOPE not in scopes:
        listed = ", ".join(scopes) or "empty"
        findings.append(
            _error(
                10003,
                "scp",
                f"the token's scopes are {listed}, without interaction_api.",
                "Add 'Access Interaction API resources (interaction_api)' to the "
                "app's OAuth scopes and mint a new token.",
            )
        )
    else:
        findings.append(_info("scp", f"scopes: {', '.join(scopes)}."))
    findings += _check_expiry(claims, now)
    for value in claims.values():
        if isinstance(value, str) and ORG_ID_PATTERN.fullmatch(value):
            findings += _compare_org(value, org_id)
            break
    return findings


def _check_expiry(claims: dict[str, Any], now: float) -> list[TokenFinding]:
    findings: list[TokenFinding] = []
    exp = claims.get("exp")
    if not isinstance(exp, (int, float)):
        findings.append(_warning("exp", "the token has no numeric exp claim."))
    elif exp > MILLISECONDS_THRESHOLD:
        message = f"exp {exp} is in milliseconds, not seconds."
        findings.append(_error(10004, "exp", message, "Mint a new token."))
    elif exp < now:
        message = f"the token expired at {_utc(exp)} ({int(now - exp)} s ago)."
        fix = "Mint a new token (python -m helpers token mint)."
        findings.append(_error(10004, "exp", message, fix))
    else:
        message = f"the token expires at {_utc(exp)} (in {int(exp - now)} s)."
        findings.append(_info("exp", message))

    issued = claims.get("iat") or claims.get("nbf")
    is_seconds = isinstance(issued, (int, float)) and issued < MILLISECONDS_THRESHOLD
    if is_seconds and issued - now > CLOCK_SKEW_S:
        ahead = int(issued - now)
        message = f"the token was issued {ahead} s ahead of this machine's clock."
        fix = "This clock runs behind the issuer's; synchronize it (NTP)."
        findings.append(_warning("iat", message, fix))
    return findings


def _is_login_audience(aud: Any) -> bool:
    values = aud if isinstance(aud, list) else [aud]
    for value in values:
        host = (urlsplit(str(value)).hostname or "").lower()
        if host in LEGACY_LOGIN_HOSTS or host.endswith(".my.salesforce.com"):
            return True
    return False


def inspect_assertion(
    assertion: str | bytes, now: float | None = None
) -> list[TokenFinding]:
    """Check a JWT bearer assertion before it is posted.

    Checks ``alg`` (RS256), ``iss`` (present, shaped like a consumer key),
    ``sub`` (a username), ``aud`` (a login host or My Domain URL, with the
    Spring '26 rule as a warning) and ``exp`` (seconds, not past, not far
    ahead). ``code`` is the OAuth error the token endpoint would return.

    Returns
    -------
    list[TokenFinding]

    Raises
    ------
    TypeError
        When ``assertion`` is not a str or bytes, or ``now`` not a number.
    TokenError
        When ``assertion`` is bytes that are not UTF-8.
    """
    _check_org_id_and_now(None, now)
    now = time.time() if now is None else now
    decoded = _decode_jwt(_credential_text(assertion, "assertion").strip())
    if decoded is None:
        return [
            _error(
                "invalid_grant",
                "assertion",
                "the assertion is not a JWT (three base64url parts).",
                "Sign the claims with RS256; do not send the private key itself.",
            )
        ]
    header, claims = decoded
    findings: list[TokenFinding] = []
    if header.get("alg") != "RS256":
        message = f"the assertion is signed with {header.get('alg')!r}, not RS256."
        fix = "Sign with RS256 and the RSA private key of the uploaded certificate."
        findings.append(_error("invalid_grant", "alg", message, fix))
    findings += _check_issuer(claims.get("iss"))
    findings += _check_subject(claims.get("sub"))
    findings += _check_audience(claims.get("aud"))
    findings += _check_assertion_exp(claims.get("exp"), now)
    return findings


def _check_issuer(iss: Any) -> list[TokenFinding]:
    code = "invalid_client_id"
    if not iss or not isinstance(iss, str):
        fix = "Set iss to the app's consumer key."
        return [_error(code, "iss", "iss is missing.", fix)]
    if re.search(r"\s", iss):
        fix = "Copy the consumer key again without spaces."
        return [_error(code, "iss", "iss contains whitespace.", fix)]
    if not iss.startswith("3MVG"):
        message = "iss does not look like a consumer key (those start with 3MVG)."
        fix = "Set iss to the consumer key, not the app name or the client secret."
        return [_warning("iss", message, fix)]
    return []


def _check_subject(sub: Any) -> list[TokenFinding]:
    if not sub or not isinstance(sub, str):
        fix = "Set sub to the Salesforce username."
        return [_error("invalid_grant", "sub", "sub is missing.", fix)]
    if "@" not in sub:
        message = f"sub {sub!r} is not in username form (name@domain)."
        fix = "Use the username, not the user id or the email name alone."
        return [_warning("sub", message, fix)]
    return []


def _check_audience(aud: Any) -> list[TokenFinding]:
    code = "invalid_grant"
    my_domain_fix = "Use the My Domain login URL (https://<MyDomain>.my.salesforce.com)."
    if isinstance(aud, list):
        message = "aud is a list; Salesforce expects one URL."
        return [_error(code, "aud", message, "Set aud to the login URL as a string.")]
    if not aud or not isinstance(aud, str):
        return [_error(code, "aud", "aud is missing.", "Set aud to the login URL.")]

    parts = urlsplit(aud)
    host = (parts.hostname or "").lower()
    findings: list[TokenFinding] = []
    if parts.path not in ("", "/") or aud.endswith("/"):
        message = f"aud {aud!r} has a path or trailing slash."
        fix = f"Use only scheme and host: {parts.scheme}://{parts.netloc}"
        findings.append(_error(code, "aud", message, fix))
    if host in LEGACY_LOGIN_HOSTS:
        message = f"aud is the legacy login host {host}; {SPRING_26_NOTE}."
        fix = (
            "If the token endpoint returns 'audience is invalid', use the My Domain "
            "login URL."
        )
        findings.append(_warning("aud", message, fix))
    elif host.endswith(".salesforce-scrt.com"):
        message = "aud is the Interaction API host, not a login host."
        findings.append(_error(code, "aud", message, my_domain_fix))
    elif host.endswith(".my.salesforce.com") or host in ("localhost", "127.0.0.1"):
        pass
    elif host.endswith((".force.com", ".salesforce.com")):
        message = f"aud host {host} is not a usual login host."
        fix = (
            "Use the My Domain login URL, or login.salesforce.com / "
            "test.salesforce.com for older apps."
        )
        findings.append(_warning("aud", message, fix, code=code))
    else:
        message = f"aud host {host!r} is not a Salesforce login host."
        findings.append(_error(code, "aud", message, my_domain_fix))
    return findings


def _check_assertion_exp(exp: Any, now: float) -> list[TokenFinding]:
    code = "invalid_grant"
    usual = "Use exp = int(time.time()) + 180."
    if not isinstance(exp, (int, float)):
        return [_error(code, "exp", "exp is missing or not a number.", usual)]
    if exp > MILLISECONDS_THRESHOLD:
        message = f"exp {exp} is in milliseconds; JWT times are seconds."
        return [_error(code, "exp", message, f"Divide by 1000. {usual}")]

    # An offset of whole hours (give or take the lifetime) means the time was
    # computed from a local clock instead of UTC.
    offset = exp - now
    hours = round(offset / 3600)
    looks_local = hours != 0 and abs(offset - hours * 3600) <= MAX_ASSERTION_LIFETIME_S
    local_hint = " That is close to whole hours, which points at local time instead of UTC."
    hint = local_hint if looks_local else ""
    if offset < -CLOCK_SKEW_S:
        ago = f"{int(-offset)} s ago, about {abs(hours)} h"
        message = f"exp {_utc(exp)} is already past ({ago}).{hint}"
        fix = f"Compute exp from UTC epoch seconds and check the clock. {usual}"
        return [_error(code, "exp", message, fix)]
    if offset > MAX_ASSERTION_LIFETIME_S + CLOCK_SKEW_S:
        ahead = f"{int(offset)} s ahead"
        message = f"exp {_utc(exp)} is {ahead}; keep it within a few minutes.{hint}"
        return [_error(code, "exp", message, usual)]
    return [_info("exp", f"the assertion expires at {_utc(exp)} (in {int(offset)} s).")]
