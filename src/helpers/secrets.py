"""Mask access tokens and private keys in headers and free text.

Every place where the kit logs, raises, stores or prints a request goes
through these functions, so no token reaches a log record, an exception, a
repr or a file. The full redaction of shared sessions (end-user ids, message
text, consistent placeholders, a report) is in ``helpers.redact`` and builds
on the patterns here.

A masked token becomes ``<token:1a2b3c4d>``: the first 8 hex digits of its
SHA-256. The same token always gets the same placeholder, so a reader can
tell two tokens apart without seeing either.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping

# Headers whose whole value is a credential.
SECRET_HEADERS = frozenset(
    {"authorization", "proxy-authorization", "cookie", "set-cookie", "x-api-key"}
)

# A JWT: three base64url segments, the first two starting with '{"' encoded.
JWT_PATTERN = re.compile(r"eyJ[A-Za-z0-9_-]{5,}\.eyJ[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]*")

# A Salesforce opaque session token: the 15- or 18-character org id, "!",
# then the token body.
OPAQUE_TOKEN_PATTERN = re.compile(r"\b00D[A-Za-z0-9]{12}(?:[A-Za-z0-9]{3})?![A-Za-z0-9._-]{8,}")

# An opaque token whose org-id part has a length other than 15 or 18, as in
# test fixtures such as ``00DFAKE000000000001!...``. The pattern above misses
# those, and a token must never slip through because its prefix is malformed.
LOOSE_OPAQUE_TOKEN_PATTERN = re.compile(
    r"(?<![A-Za-z0-9])00D[A-Za-z0-9]{9,20}![A-Za-z0-9._~+/=-]{8,}"
)

BEARER_PATTERN = re.compile(r"(?i)\b(bearer)(\s+)([A-Za-z0-9._~+/=!-]{8,})")

PRIVATE_KEY_PATTERN = re.compile(
    r"-----BEGIN ((?:RSA |EC |ENCRYPTED )?PRIVATE KEY)-----.*?-----END \1-----",
    re.DOTALL,
)

# "access_token": "..." in an OAuth response, assertion=... in a form body,
# or client_secret: ... in a log record. The last group is the value. The
# ``separator`` and ``quote`` groups let _mask_field_value tell a credential
# from prose such as "rejected the assertion: invalid_client_id".
ACCESS_TOKEN_FIELD_PATTERN = re.compile(
    r"""(?i)(["']?(?:access_token|refresh_token|assertion|client_secret)["']?"""
    r"""\s*(?P<separator>[:=])\s*(?P<quote>["']?))([^"'&\s,}]{8,})"""
)

# A value made only of lowercase letters joined by "_" or "-", such as the
# OAuth error codes invalid_grant and invalid_client_id. The credentials that
# Salesforce issues (JWTs, session tokens, consumer secrets) mix in digits,
# capitals or punctuation, so such a word after "key:" is taken as prose.
# NOTE: a hand-made secret of only lowercase letters, written unquoted after
# "client_secret:", is therefore not masked. Quoted or key=value forms are.
PLAIN_WORD_PATTERN = re.compile(r"[a-z]+(?:[_-][a-z]+)*")


# "password": "..." in a JSON document, or password=... in a form body.
PASSWORD_FIELD_PATTERN = re.compile(
    r"""(?i)(["']?(?:password|passwd)["']?\s*[:=]\s*["']?)([^"'&\s,}]{4,})"""
)


# The placeholder that token_placeholder() returns.
MASKED_PATTERN = re.compile(r"<token:[0-9a-f]{8}>")


def token_placeholder(token: str) -> str:
    """Return the stable placeholder that stands for ``token``."""
    digest = hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()
    return f"<token:{digest[:8]}>"


def mask_authorization(value: str) -> str:
    """Mask the credential in an ``Authorization`` header value, keep the scheme.

    A credential that is already a placeholder is kept, so masking twice (an
    ``Exchange`` masks its request, and ``to_dict()`` masks it again) keeps
    the fingerprint of the real token.
    """
    scheme, _, credential = value.strip().partition(" ")
    if not credential:
        if MASKED_PATTERN.fullmatch(scheme):
            return value
        return token_placeholder(scheme) if scheme else value
    if MASKED_PATTERN.fullmatch(credential.strip()):
        return f"{scheme} {credential.strip()}"
    return f"{scheme} {token_placeholder(credential.strip())}"


def mask_headers(headers: Mapping[str, str] | None) -> dict[str, str]:
    """Return a copy of ``headers`` with every credential header masked."""
    masked: dict[str, str] = {}
    for name, value in (headers or {}).items():
        if name.lower() in SECRET_HEADERS and value:
            masked[name] = mask_authorization(str(value))
        else:
            masked[name] = mask_text(str(value))
    return masked


def mask_text(text: str) -> str:
    """Return ``text`` with tokens, JWTs and private keys replaced by placeholders."""
    if not text:
        return text
    text = PRIVATE_KEY_PATTERN.sub(lambda m: f"<private key: {m.group(1)}>", text)
    text = BEARER_PATTERN.sub(
        lambda m: f"{m.group(1)}{m.group(2)}{token_placeholder(m.group(3))}", text
    )
    text = JWT_PATTERN.sub(lambda m: token_placeholder(m.group(0)), text)
    text = OPAQUE_TOKEN_PATTERN.sub(lambda m: token_placeholder(m.group(0)), text)
    text = LOOSE_OPAQUE_TOKEN_PATTERN.sub(lambda m: token_placeholder(m.group(0)), text)
    for pattern in (ACCESS_TOKEN_FIELD_PATTERN, PASSWORD_FIELD_PATTERN):
        text = pattern.sub(_mask_field_value, text)
    return text


def _mask_field_value(match: re.Match) -> str:
    value = match.group(match.re.groups)
    if value.startswith("<token:"):
        return match.group(0)
    if _is_prose_word(match, value):
        return match.group(0)
    return match.group(1) + token_placeholder(value)


def _is_prose_word(match: re.Match, value: str) -> bool:
    # Only an unquoted value after a colon can be prose. A quoted JSON value
    # and a form field (key=value) are always masked, whatever they contain.
    groups = match.re.groupindex
    if "separator" not in groups:
        return False
    if match.group("separator") != ":" or match.group("quote"):
        return False
    return PLAIN_WORD_PATTERN.fullmatch(value) is not None
