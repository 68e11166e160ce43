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
server would answer, a severity and a fix. No function here logs, raises or
returns a token or a key in clear text, except ``TokenResult.access_token``.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import json
import logging
import os
import re
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import jwt
import requests
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from helpers.errors import TokenError
from helpers.secrets import mask_text, token_placeholder

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
# Salesforce wants assertions that expire within a few minutes.
MAX_ASSERTION_LIFETIME_S = 300
# Tolerated difference between this clock and the server's.
CLOCK_SKEW_S = 60
# An exp above this is in milliseconds (it would be the year 5138 in seconds).
MILLISECONDS_THRESHOLD = 10**11
DEFAULT_TIMEOUT = (3.05, 30.0)

PEM_BLOCK_PATTERN = re.compile(
    r"-----\s*BEGIN ([A-Z0-9 ]+?)\s*-----(.*?)(?:-----\s*END \1\s*-----|$)", re.DOTALL
)
BASE64_PATTERN = re.compile(r"^[A-Za-z0-9+/]+={0,2}$")
OPAQUE_PATTERN = re.compile(r"^(00D[A-Za-z0-9]{12}(?:[A-Za-z0-9]{3})?)!(\S+)$")


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
            f"TokenResult(access_token={self.masked_token}, instance_url={self.instance_url!r}, "
            f"scope={self.scope!r}, issued_at={self.issued_at!r})"
        )

    __str__ = __repr__


# ---------------------------------------------------------------------------
# Private keys


def _read_key_input(key: str | bytes | os.PathLike[str]) -> tuple[str | bytes, list[str]]:
    notes: list[str] = []
    if isinstance(key, os.PathLike):
        path = Path(key).expanduser()
        if not path.is_file():
            raise TokenError(f"private key file {str(path)!r} does not exist.", "Pass the path of the PEM file that contains the private key.")
        return path.read_bytes(), notes
    if isinstance(key, str) and "\n" not in key.strip() and "-----" not in key and len(key) < 1024:
        path = Path(key.strip()).expanduser()
        if path.is_file():
            return path.read_bytes(), notes
        if not BASE64_PATTERN.match(re.sub(r"\s+", "", key)) or len(key.strip()) < 200:
            raise TokenError(
                f"private key file {key.strip()!r} does not exist.",
                "Pass the path of the PEM file, or the PEM text itself.",
            )
    return key, notes


def _classify_pem_label(label: str, text: str) -> None:
    label = label.upper()
    if label == "CERTIFICATE" or label == "TRUSTED CERTIFICATE":
        raise TokenError(
            "the key text is a certificate, not a private key.",
            "The certificate is what you upload to the app; mint_token needs the "
            "private key that belongs to it (the file that starts with "
            "-----BEGIN PRIVATE KEY----- or -----BEGIN RSA PRIVATE KEY-----).",
        )
    if label in ("PUBLIC KEY", "RSA PUBLIC KEY"):
        raise TokenError(
            "the key text is a public key, not a private key.",
            "Sign with the private key of the pair; the public key only goes into the certificate.",
        )
    if label == "CERTIFICATE REQUEST":
        raise TokenError(
            "the key text is a certificate signing request, not a private key.",
            "Pass the private key file that was created with the request.",
        )
    if label == "OPENSSH PRIVATE KEY":
        raise TokenError(
            "the key is in OpenSSH format, which the JWT bearer flow tooling does not read here.",
            "Convert it to PEM: ssh-keygen -p -m PEM -f KEYFILE, or create a new RSA "
            "key with openssl genrsa -out server.key 2048.",
        )
    if label not in ("PRIVATE KEY", "RSA PRIVATE KEY", "ENCRYPTED PRIVATE KEY", "EC PRIVATE KEY"):
        raise TokenError(f"the key text is a PEM block of type {label!r}, not a private key.", "Pass the RSA private key in PEM form.")


def normalize_private_key_pem(text: str) -> tuple[bytes, list[str]]:
    """Repair common copy damage in a PEM private key and return (PEM, notes).

    Repairs escaped ``\\n`` sequences, surrounding quotes, lost or extra line
    breaks and spaces in the base64 body, and missing BEGIN/END lines; each
    repair adds a note. Certificates, public keys and other PEM types raise.

    Raises
    ------
    TokenError
        When the text is not a private key or its base64 body is damaged.
    """
    notes: list[str] = []
    original = text
    text = text.strip().strip("'\"").strip()
    if "\\n" in text:
        text = text.replace("\\r\\n", "\n").replace("\\n", "\n")
        notes.append("replaced escaped \\n sequences with line breaks")
    text = text.replace("\r\n", "\n").replace("\r", "\n")

    match = PEM_BLOCK_PATTERN.search(text)
    if match:
        label = " ".join(match.group(1).split())
        _classify_pem_label(label, text)
        body_text = match.group(2)
        if not re.search(r"-----\s*END ", text):
            notes.append("added the missing END line")
    else:
        end = re.search(r"-----\s*END ([A-Z0-9 ]+?)\s*-----", text)
        if end:
            label = " ".join(end.group(1).split())
            _classify_pem_label(label, text)
            body_text = text[: end.start()]
            notes.append("added the missing BEGIN line")
        else:
            label = "PRIVATE KEY"
            body_text = text
            notes.append("added the missing BEGIN and END lines")

    headers = [line for line in body_text.split("\n") if ":" in line]
    if any("ENCRYPTED" in line.upper() for line in headers):
        label = "ENCRYPTED RSA PRIVATE KEY"
    body_lines = [line.strip() for line in body_text.split("\n") if ":" not in line]
    compact = re.sub(r"\s+", "", "".join(body_lines))
    if not compact:
        raise TokenError("the private key text has no base64 body.", "Copy the whole key file, from the BEGIN line to the END line.")
    if not BASE64_PATTERN.match(compact):
        bad = sorted({c for c in compact if not re.match(r"[A-Za-z0-9+/=]", c)})
        raise TokenError(
            f"the private key body has characters that are not base64: {''.join(bad)!r}.",
            "The key was damaged in copying; load it from its PEM file instead of pasting it.",
        )
    if len(compact) % 4:
        raise TokenError(
            f"the private key body is {len(compact)} base64 characters, not a multiple of 4, "
            "so part of it is missing.",
            "Copy the whole key again, or load it from its PEM file.",
        )
    lines = [line for line in body_lines if line]
    if any(" " in line or "\t" in line for line in lines) or (
        len(lines) > 1 and any(len(line) != 64 for line in lines[:-1])
    ) or (len(lines) == 1 and len(compact) > 76):
        notes.append("re-wrapped the base64 body (its line breaks were lost or spaces were added)")

    if label == "ENCRYPTED RSA PRIVATE KEY":
        # Legacy OpenSSL encryption keeps its Proc-Type and DEK-Info headers.
        pem = original.strip().encode()
        return pem, notes + ["encrypted (legacy OpenSSL format)"]
    wrapped = "\n".join(compact[i : i + 64] for i in range(0, len(compact), 64))
    pem = f"-----BEGIN {label}-----\n{wrapped}\n-----END {label}-----\n"
    return pem.encode("ascii"), notes


def load_private_key(
    key: str | bytes | os.PathLike[str], password: str | bytes | None = None
) -> tuple[rsa.RSAPrivateKey, list[str]]:
    """Load an RSA private key from PEM text, DER bytes or a file path.

    Parameters
    ----------
    key
        PEM text (repaired when damaged by copying), a path to a PEM or DER
        file, or bytes.
    password
        Password of an encrypted key.

    Returns
    -------
    (key, notes)
        The key and the repairs made to its text.

    Raises
    ------
    TokenError
        Naming the problem (certificate or public key given, encrypted key
        without password, damaged base64, not RSA) and the fix.
    """
    raw, notes = _read_key_input(key)
    if isinstance(raw, bytes):
        try:
            raw = raw.decode("utf-8")
        except UnicodeDecodeError:
            return _load_der(raw, password), notes
    pem, repairs = normalize_private_key_pem(raw)
    notes += [n for n in repairs if not n.startswith("encrypted")]
    is_encrypted = b"ENCRYPTED" in pem.split(b"\n", 1)[0] or any(n.startswith("encrypted") for n in repairs)
    if is_encrypted and password is None:
        raise TokenError(
            "the private key is encrypted with a passphrase.",
            "Pass key_password (or --key-password-env on the command line), or "
            "decrypt it once: openssl pkey -in encrypted.pem -out server.key",
        )
    secret = password.encode() if isinstance(password, str) else password
    try:
        loaded = serialization.load_pem_private_key(pem, password=secret if is_encrypted else None)
    except TypeError:
        raise TokenError("the private key is not encrypted, but a password was given.", "Leave key_password out.") from None
    except ValueError as exc:
        reason = "wrong password, or a damaged key" if is_encrypted else "the key data is damaged or incomplete"
        detail = mask_text(str(exc)).split(". ", 1)[0].rstrip(".")
        raise TokenError(
            f"the private key does not parse ({reason}: {detail}).",
            "Load the key from its original PEM file; a pasted key often loses characters.",
        ) from None
    return _require_rsa(loaded, notes), notes


def _load_der(raw: bytes, password: str | bytes | None) -> rsa.RSAPrivateKey:
    secret = password.encode() if isinstance(password, str) else password
    try:
        loaded = serialization.load_der_private_key(raw, password=secret)
    except (TypeError, ValueError):
        raise TokenError(
            "the key file is binary and is not a DER private key.",
            "Pass the PEM file of the RSA private key.",
        ) from None
    return _require_rsa(loaded, [])


def _require_rsa(loaded: Any, notes: list[str]) -> rsa.RSAPrivateKey:
    if not isinstance(loaded, rsa.RSAPrivateKey):
        raise TokenError(
            f"the private key is a {type(loaded).__name__.removeprefix('_')}, but the JWT "
            "bearer flow signs with RS256, which needs an RSA key.",
            "Create an RSA key pair: openssl req -x509 -newkey rsa:2048 -nodes "
            "-keyout server.key -out server.crt, and upload server.crt to the app.",
        )
    if loaded.key_size < 2048:
        notes.append(f"the key has {loaded.key_size} bits; use 2048 or more")
    return loaded


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
            "Use https://login.salesforce.com, https://test.salesforce.com or the My Domain "
            "login URL https://<MyDomain>.my.salesforce.com.",
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
    claims = {"iss": consumer_key, "sub": username, "aud": audience, "exp": issued + int(lifetime_s)}
    return jwt.encode(claims, private_key, algorithm="RS256")


def _check_inputs(consumer_key: str, username: str, lifetime_s: int) -> None:
    if not consumer_key or not consumer_key.strip():
        raise TokenError("the consumer key is empty.", "Copy the consumer key from the app's OAuth settings.")
    if consumer_key != consumer_key.strip() or re.search(r"\s", consumer_key):
        raise TokenError(
            "the consumer key contains spaces or line breaks.",
            "Copy it again without surrounding whitespace.",
        )
    if not username or not username.strip():
        raise TokenError("the username is empty.", "Pass the Salesforce username of the integration user.")
    if not 1 <= int(lifetime_s) <= MAX_ASSERTION_LIFETIME_S:
        raise TokenError(
            f"lifetime_s={lifetime_s} is outside 1 to {MAX_ASSERTION_LIFETIME_S} seconds.",
            "Use a few minutes at most, such as the default 180.",
        )


def mint_token(
    consumer_key: str,
    private_key: str | bytes | os.PathLike[str],
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
        PEM text or a path to the PEM file.
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
            "Check the login URL and the network; the sandbox must be running for a 127.0.0.1 URL.",
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
    if response.status_code != 200 or not isinstance(body, dict) or "access_token" not in body:
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


def oauth_error(status: int | None, body: Any, text: str = "", url: str | None = None) -> TokenError:
    """Return the ``TokenError`` that explains a token endpoint's error answer.

    The explanation comes from the decoder's OAuth table; the Spring '26
    audience rule is part of it.
    """
    error = body.get("error") if isinstance(body, dict) else None
    description = body.get("error_description", "") if isinstance(body, dict) else ""
    common = {"status": status, "url": url, "method": "POST", "body": text}
    if not error:
        return TokenError(
            f"the token endpoint returned HTTP {status} without an OAuth error.",
            "Check that the login URL is a Salesforce login host and that the body is form-encoded.",
            **common,
        )
    try:
        from helpers.decode.oauth import oauth_finding
    except ImportError:  # NOTE: only while the decoder package is not installed.
        return TokenError(f"{error}: {description}.", "", oauth_error=error, oauth_description=description, **common)
    finding = oauth_finding(error, description, http_status=status, url=url)
    problem = f"the token endpoint rejected the assertion: {error}"
    problem += f" ({description})." if description else "."
    if finding.cause:
        problem += f" Likely cause: {finding.cause}"
    return TokenError(problem, finding.fix or "", oauth_error=error, oauth_description=description, **common)


def token_provider(
    consumer_key: str,
    private_key: str | bytes | os.PathLike[str],
    username: str,
    login_url: str,
    **options: Any,
):
    """Return a function that mints a fresh token on each call.

    Pass it to ``load_profile(token_provider=...)`` so the client can refresh
    the token on 10004. The key is checked once, now.
    """
    load_private_key(private_key, options.get("key_password"))

    def provide() -> TokenResult:
        return mint_token(consumer_key, private_key, username, login_url, **options)

    provide.__name__ = f"mint_token({username})"
    return provide


# ---------------------------------------------------------------------------
# Inspection


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
    return dt.datetime.fromtimestamp(seconds, dt.timezone.utc).isoformat(timespec="seconds")


def _scopes(claims: dict[str, Any]) -> list[str] | None:
    for name in ("scp", "scope", "scopes"):
        value = claims.get(name)
        if isinstance(value, str):
            return value.replace(",", " ").split()
        if isinstance(value, list):
            return [str(v) for v in value]
    return None


def inspect_token(token: str, org_id: str | None = None, now: float | None = None) -> list[TokenFinding]:
    """Check an access token without sending it and return what the API would report.

    Parameters
    ----------
    token
        An opaque token (``<orgId>!...``) or a JWT access token.
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

    Examples
    --------
    >>> [f.code for f in inspect_token("00DSBX000000001!abc.def.ghi", "00DOTHER0000001")]
    [10004]
    """
    findings: list[TokenFinding] = []
    now = time.time() if now is None else now
    text = (token or "").strip()
    if not text:
        return [TokenFinding(10004, "error", "token", "the token is empty.", "Set ISAPI_TOKEN to the access token.")]
    text = _strip_decoration(text, findings)
    if "%21" in text and "!" not in text:
        findings.append(TokenFinding(
            10004, "error", "token", "the token is URL-encoded (%21 stands for '!').",
            "Decode it first: the token must contain '!' after the org id.",
        ))
        text = text.replace("%21", "!")
    if re.search(r"\s", text):
        findings.append(TokenFinding(
            10004, "error", "token", "the token contains spaces or line breaks.",
            "Copy it again as one line; the API rejects a token with whitespace.",
        ))
        text = re.sub(r"\s+", "", text)

    decoded = _decode_jwt(text)
    if decoded is not None:
        findings += _inspect_jwt_token(*decoded, org_id=org_id, now=now)
    else:
        findings += _inspect_opaque_token(text, org_id)
    return findings


def _strip_decoration(text: str, findings: list[TokenFinding]) -> str:
    if text[:1] in "'\"" and text[-1:] == text[:1]:
        findings.append(TokenFinding(None, "warning", "token", "the token is wrapped in quotes; they were ignored.", "Remove the quotes."))
        text = text[1:-1].strip()
    if text.lower().startswith("bearer "):
        findings.append(TokenFinding(
            None, "warning", "token", "the value starts with 'Bearer '; the client adds that itself.",
            "Store only the token in ISAPI_TOKEN, without the scheme.",
        ))
        text = text[7:].strip()
    return text


def _inspect_opaque_token(text: str, org_id: str | None) -> list[TokenFinding]:
    match = OPAQUE_PATTERN.match(text)
    if not match:
        return [TokenFinding(
            10004, "warning", "token",
            "the token is neither a JWT nor an opaque Salesforce token (<orgId>!...).",
            "Check that you copied the access_token field of the token endpoint's answer.",
        )]
    findings = [TokenFinding(None, "info", "token", f"opaque token of org {match.group(1)}.")]
    findings += _compare_org(match.group(1), org_id)
    findings.append(TokenFinding(
        None, "info", "scope",
        "an opaque token does not show its scopes or expiry; the API answers 10003 when "
        "the app lacks the interaction_api scope and 10004 when the token has expired.",
    ))
    return findings


def _compare_org(token_org: str, org_id: str | None) -> list[TokenFinding]:
    if not org_id:
        return []
    if token_org[:15] != org_id.strip()[:15]:
        return [TokenFinding(
            10004, "error", "org_id",
            f"the token belongs to org {token_org}, but the OrgId header is {org_id}.",
            "Mint the token in the org you call, or set the profile's org_id to the token's org.",
        )]
    return [TokenFinding(None, "info", "org_id", f"the token's org matches the OrgId header {org_id}.")]


def _inspect_jwt_token(header: dict[str, Any], claims: dict[str, Any], *, org_id: str | None, now: float) -> list[TokenFinding]:
    findings: list[TokenFinding] = []
    if "scp" not in claims and "aud" in claims and _is_login_audience(claims.get("aud")):
        findings.append(TokenFinding(
            10004, "error", "token",
            "this is a JWT bearer assertion (aud is a login host), not an access token.",
            "Post it to the login host's /services/oauth2/token and use the access_token of the answer.",
        ))
        return findings
    findings.append(TokenFinding(None, "info", "token", f"JWT access token signed with {header.get('alg')}, issued by {claims.get('iss')!r}."))
    scopes = _scopes(claims)
    if scopes is None:
        findings.append(TokenFinding(None, "warning", "scp", "the token lists no scopes (scp).", ""))
    elif REQUIRED_SCOPE not in scopes:
        findings.append(TokenFinding(
            10003, "error", "scp",
            f"the token's scopes are {', '.join(scopes) or 'empty'}, without interaction_api.",
            "Add 'Access Interaction API resources (interaction_api)' to the app's OAuth scopes and mint a new token.",
        ))
    else:
        findings.append(TokenFinding(None, "info", "scp", f"scopes: {', '.join(scopes)}."))
    findings += _check_expiry(claims, now)
    for value in claims.values():
        if isinstance(value, str) and re.fullmatch(r"00D[A-Za-z0-9]{12}(?:[A-Za-z0-9]{3})?", value):
            findings += _compare_org(value, org_id)
            break
    return findings


def _check_expiry(claims: dict[str, Any], now: float) -> list[TokenFinding]:
    findings: list[TokenFinding] = []
    exp = claims.get("exp")
    if not isinstance(exp, (int, float)):
        findings.append(TokenFinding(None, "warning", "exp", "the token has no numeric exp claim."))
    elif exp > MILLISECONDS_THRESHOLD:
        findings.append(TokenFinding(10004, "error", "exp", f"exp {exp} is in milliseconds, not seconds.", "Mint a new token."))
    elif exp < now:
        findings.append(TokenFinding(
            10004, "error", "exp", f"the token expired at {_utc(exp)} ({int(now - exp)} s ago).",
            "Mint a new token (python -m helpers token mint).",
        ))
    else:
        findings.append(TokenFinding(None, "info", "exp", f"the token expires at {_utc(exp)} (in {int(exp - now)} s)."))
    issued = claims.get("iat") or claims.get("nbf")
    if isinstance(issued, (int, float)) and issued < MILLISECONDS_THRESHOLD and issued - now > CLOCK_SKEW_S:
        findings.append(TokenFinding(
            None, "warning", "iat",
            f"the token was issued {int(issued - now)} s in the future of this machine's clock.",
            "This clock runs behind the issuer's; synchronize it (NTP).",
        ))
    return findings


def _is_login_audience(aud: Any) -> bool:
    values = aud if isinstance(aud, list) else [aud]
    for value in values:
        host = (urlsplit(str(value)).hostname or "").lower()
        if host in LEGACY_LOGIN_HOSTS or host.endswith(".my.salesforce.com"):
            return True
    return False


def inspect_assertion(assertion: str, now: float | None = None) -> list[TokenFinding]:
    """Check a JWT bearer assertion before it is posted.

    Checks ``alg`` (RS256), ``iss`` (present, shaped like a consumer key),
    ``sub`` (a username), ``aud`` (a login host or My Domain URL, with the
    Spring '26 rule as a warning) and ``exp`` (seconds, not past, not far
    ahead). ``code`` is the OAuth error the token endpoint would answer.

    Returns
    -------
    list[TokenFinding]
    """
    now = time.time() if now is None else now
    decoded = _decode_jwt((assertion or "").strip())
    if decoded is None:
        return [TokenFinding(
            "invalid_grant", "error", "assertion", "the assertion is not a JWT (three base64url parts).",
            "Sign the claims with RS256; do not send the private key itself as the assertion.",
        )]
    header, claims = decoded
    findings: list[TokenFinding] = []
    if header.get("alg") != "RS256":
        findings.append(TokenFinding(
            "invalid_grant", "error", "alg", f"the assertion is signed with {header.get('alg')!r}, not RS256.",
            "Sign with RS256 and the RSA private key of the uploaded certificate.",
        ))
    findings += _check_issuer(claims.get("iss"))
    findings += _check_subject(claims.get("sub"))
    findings += _check_audience(claims.get("aud"))
    findings += _check_assertion_exp(claims.get("exp"), now)
    return findings


def _check_issuer(iss: Any) -> list[TokenFinding]:
    if not iss or not isinstance(iss, str):
        return [TokenFinding("invalid_client_id", "error", "iss", "iss is missing.", "Set iss to the app's consumer key.")]
    if re.search(r"\s", iss):
        return [TokenFinding("invalid_client_id", "error", "iss", "iss contains whitespace.", "Copy the consumer key again without spaces.")]
    if not iss.startswith("3MVG"):
        return [TokenFinding(
            None, "warning", "iss",
            "iss does not look like a Salesforce consumer key (those start with 3MVG).",
            "Set iss to the consumer key, not the app name or the client secret.",
        )]
    return []


def _check_subject(sub: Any) -> list[TokenFinding]:
    if not sub or not isinstance(sub, str):
        return [TokenFinding("invalid_grant", "error", "sub", "sub is missing.", "Set sub to the Salesforce username.")]
    if "@" not in sub:
        return [TokenFinding(
            None, "warning", "sub", f"sub {sub!r} is not in username form (name@domain).",
            "Use the username, not the user id or the email name alone.",
        )]
    return []


def _check_audience(aud: Any) -> list[TokenFinding]:
    if isinstance(aud, list):
        return [TokenFinding("invalid_grant", "error", "aud", "aud is a list; Salesforce expects one URL.", "Set aud to the login URL as a string.")]
    if not aud or not isinstance(aud, str):
        return [TokenFinding("invalid_grant", "error", "aud", "aud is missing.", "Set aud to the login URL.")]
    parts = urlsplit(aud)
    host = (parts.hostname or "").lower()
    findings: list[TokenFinding] = []
    if parts.path not in ("", "/") or aud.endswith("/"):
        findings.append(TokenFinding(
            "invalid_grant", "error", "aud", f"aud {aud!r} has a path or trailing slash.",
            f"Use only scheme and host: {parts.scheme}://{parts.netloc}",
        ))
    if host in LEGACY_LOGIN_HOSTS:
        findings.append(TokenFinding(
            None, "warning", "aud", f"aud is the legacy login host {host}; {SPRING_26_NOTE}.",
            "If the token endpoint answers 'audience is invalid', use the My Domain login URL.",
        ))
    elif host.endswith(".salesforce-scrt.com"):
        findings.append(TokenFinding(
            "invalid_grant", "error", "aud", "aud is the Interaction API host, not a login host.",
            "Use the My Domain login URL (https://<MyDomain>.my.salesforce.com).",
        ))
    elif host.endswith(".my.salesforce.com") or host in ("localhost", "127.0.0.1"):
        pass
    elif host.endswith(".force.com") or host.endswith(".salesforce.com"):
        findings.append(TokenFinding(
            "invalid_grant", "warning", "aud", f"aud host {host} is not a usual login host.",
            "Use the My Domain login URL, or login.salesforce.com / test.salesforce.com for older apps.",
        ))
    else:
        findings.append(TokenFinding(
            "invalid_grant", "error", "aud", f"aud host {host!r} is not a Salesforce login host.",
            "Use the My Domain login URL (https://<MyDomain>.my.salesforce.com).",
        ))
    return findings


def _check_assertion_exp(exp: Any, now: float) -> list[TokenFinding]:
    code = "invalid_grant"
    if not isinstance(exp, (int, float)):
        return [TokenFinding(code, "error", "exp", "exp is missing or not a number.", "Set exp to int(time.time()) + 180.")]
    if exp > MILLISECONDS_THRESHOLD:
        return [TokenFinding(
            code, "error", "exp", f"exp {exp} is in milliseconds; JWT times are seconds.",
            "Divide by 1000: exp = int(time.time()) + 180.",
        )]
    offset = exp - now
    hours = round(offset / 3600)
    looks_local = hours != 0 and abs(offset - hours * 3600) <= MAX_ASSERTION_LIFETIME_S
    if offset < -CLOCK_SKEW_S:
        hint = f" It is about {abs(hours)} h off, which points at local time instead of UTC." if looks_local else ""
        return [TokenFinding(
            code, "error", "exp", f"exp {_utc(exp)} is already past ({int(-offset)} s ago).{hint}",
            "Compute exp from UTC epoch seconds: int(time.time()) + 180, and check the clock.",
        )]
    if offset > MAX_ASSERTION_LIFETIME_S + CLOCK_SKEW_S:
        hint = f" It is about {hours} h ahead, which points at local time instead of UTC." if looks_local else ""
        return [TokenFinding(
            code, "error", "exp", f"exp {_utc(exp)} is {int(offset)} s ahead; keep it within a few minutes.{hint}",
            "Use exp = int(time.time()) + 180.",
        )]
    return [TokenFinding(None, "info", "exp", f"the assertion expires at {_utc(exp)} (in {int(offset)} s).")]
