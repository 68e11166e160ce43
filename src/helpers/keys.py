"""RSA private keys for the JWT bearer flow: load them and repair copy damage.

A key pasted into a notebook, an environment variable or a chat often
arrives damaged: line breaks lost or escaped as ``\\n``, spaces added,
BEGIN/END lines missing. ``load_private_key`` repairs those and says what it
repaired, and it names the problem when the text is no usable private key:
an encrypted key without its password, a public key, a certificate, an
OpenSSH or EC key, or a base64 body with missing or foreign characters.
Nothing here logs, raises or returns the key text.
"""

from __future__ import annotations

import datetime as dt
import os
import re
from pathlib import Path
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID

from helpers.errors import TokenError
from helpers.secrets import mask_text

PEM_BLOCK_PATTERN = re.compile(
    r"-----\s*BEGIN ([A-Z0-9 ]+?)\s*-----(.*?)(?:-----\s*END \1\s*-----|$)", re.DOTALL
)
BASE64_PATTERN = re.compile(r"^[A-Za-z0-9+/]+={0,2}$")
PRIVATE_KEY_LABELS = (
    "PRIVATE KEY",
    "RSA PRIVATE KEY",
    "ENCRYPTED PRIVATE KEY",
    "EC PRIVATE KEY",
)
RSA_KEY_COMMAND = (
    "openssl req -x509 -newkey rsa:2048 -nodes -keyout server.key -out server.crt"
)
# A key file path is short; PEM text is longer than this.
MAX_PATH_LENGTH = 1024
# Base64 text shorter than this is too short to be a key body, so it is
# taken as a mistyped path.
MIN_KEY_BODY_LENGTH = 200


def _read_key_input(key: str | bytes | os.PathLike[str]) -> str | bytes:
    """Return the key text or bytes, reading the file when ``key`` is a path."""
    if isinstance(key, os.PathLike):
        path = Path(key).expanduser()
        if not path.is_file() and not path.is_dir():
            raise TokenError(
                f"private key file {str(path)!r} does not exist.",
                "Pass the path of the PEM file that contains the private key.",
            )
        return _read_key_file(path)
    looks_like_path = (
        isinstance(key, str)
        and "\n" not in key.strip()
        and "-----" not in key
        and len(key) < MAX_PATH_LENGTH
    )
    if looks_like_path:
        path = Path(key.strip()).expanduser()
        if path.is_file() or path.is_dir():
            return _read_key_file(path)
        is_key_body = BASE64_PATTERN.match(re.sub(r"\s+", "", key)) and (
            len(key.strip()) >= MIN_KEY_BODY_LENGTH
        )
        if not is_key_body:
            raise TokenError(
                f"private key file {key.strip()!r} does not exist.",
                "Pass the path of the PEM file, or the PEM text itself.",
            )
    return key


def _read_key_file(path: Path) -> bytes:
    if path.is_dir():
        raise TokenError(
            f"private key path {str(path)!r} is a directory.",
            "Pass the path of the PEM file inside it that contains the private "
            "key, such as server.key.",
        )
    try:
        return path.read_bytes()
    except OSError as exc:
        raise TokenError(
            f"private key file {str(path)!r} cannot be read ({exc.strerror}).",
            "Check the file's permissions, or pass the PEM text itself.",
        ) from None


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
            "Sign with the private key of the pair; the public key only goes "
            "into the certificate.",
        )
    if label == "CERTIFICATE REQUEST":
        raise TokenError(
            "the key text is a certificate signing request, not a private key.",
            "Pass the private key file that was created with the request.",
        )
    if label == "OPENSSH PRIVATE KEY":
        raise TokenError(
            "the key is in OpenSSH format, which this kit does not read.",
            "Convert it to PEM: ssh-keygen -p -m PEM -f KEYFILE, or create a new RSA "
            "key with openssl genrsa -out server.key 2048.",
        )
    if label not in PRIVATE_KEY_LABELS:
        raise TokenError(
            f"the key text is a PEM block of type {label!r}, not a private key.",
            "Pass the RSA private key in PEM form.",
        )


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
        raise TokenError(
            "the private key text has no base64 body.",
            "Copy the whole key file, from the BEGIN line to the END line.",
        )
    if not BASE64_PATTERN.match(compact):
        bad = sorted({c for c in compact if not re.match(r"[A-Za-z0-9+/=]", c)})
        raise TokenError(
            f"the private key body has characters that are not base64: "
            f"{''.join(bad)!r}.",
            "The key was damaged in copying; load it from its PEM file instead "
            "of pasting it.",
        )
    if len(compact) % 4:
        raise TokenError(
            f"the private key body is {len(compact)} base64 characters, not a "
            "multiple of 4, so part of it is missing.",
            "Copy the whole key again, or load it from its PEM file.",
        )
    lines = [line for line in body_lines if line]
    has_spaces = any(" " in line or "\t" in line for line in lines)
    # PEM wraps the body at 64 characters; other widths mean it was re-typed.
    badly_wrapped = len(lines) > 1 and any(len(line) != 64 for line in lines[:-1])
    unwrapped = len(lines) == 1 and len(compact) > 76
    if has_spaces or badly_wrapped or unwrapped:
        notes.append(
            "re-wrapped the base64 body (its line breaks were lost or spaces were added)"
        )

    if label == "ENCRYPTED RSA PRIVATE KEY":
        # Legacy OpenSSL encryption needs its Proc-Type and DEK-Info headers,
        # so the text is passed on as given.
        return original.strip().encode(), notes
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
    raw = _read_key_input(key)
    if isinstance(raw, bytes):
        try:
            raw = raw.decode("utf-8")
        except UnicodeDecodeError:
            notes: list[str] = []
            return _load_der(raw, password, notes), notes
    pem, notes = normalize_private_key_pem(raw)
    # Both the PKCS#8 label and the legacy Proc-Type header contain ENCRYPTED.
    is_encrypted = b"ENCRYPTED" in pem
    if is_encrypted and password is None:
        raise TokenError(
            "the private key is encrypted with a passphrase.",
            "Pass key_password (or --key-password-env on the command line), or "
            "decrypt it once: openssl pkey -in encrypted.pem -out server.key",
        )
    secret = password.encode() if isinstance(password, str) else password
    try:
        loaded = serialization.load_pem_private_key(
            pem, password=secret if is_encrypted else None
        )
    except ValueError as exc:
        if is_encrypted:
            reason = "wrong password, or a damaged key"
        else:
            reason = "the key data is damaged or incomplete"
        detail = mask_text(str(exc)).split(". ", 1)[0].rstrip(".")
        raise TokenError(
            f"the private key does not parse ({reason}: {detail}).",
            "Load the key from its original PEM file; a pasted key often loses "
            "characters.",
        ) from None
    return _require_rsa(loaded, notes), notes


def _load_der(
    raw: bytes, password: str | bytes | None, notes: list[str]
) -> rsa.RSAPrivateKey:
    secret = password.encode() if isinstance(password, str) else password
    try:
        loaded = serialization.load_der_private_key(raw, password=secret)
    except (TypeError, ValueError):
        raise TokenError(
            "the key file is binary and is not a DER private key.",
            "Pass the PEM file of the RSA private key.",
        ) from None
    return _require_rsa(loaded, notes)


def _require_rsa(loaded: Any, notes: list[str]) -> rsa.RSAPrivateKey:
    if not isinstance(loaded, rsa.RSAPrivateKey):
        raise TokenError(
            f"the private key is a {type(loaded).__name__.removeprefix('_')}, but the JWT "
            "bearer flow signs with RS256, which needs an RSA key.",
            f"Create an RSA key pair ({RSA_KEY_COMMAND}) and upload server.crt "
            "to the app.",
        )
    if loaded.key_size < 2048:
        notes.append(f"the key has {loaded.key_size} bits; use 2048 or more")
    return loaded


def generate_key_pair(
    common_name: str = "interaction-api-kit", days: int = 1
) -> tuple[rsa.RSAPrivateKey, str]:
    """Make an RSA key and a self-signed certificate for it, for tests and the sandbox.

    Register the certificate with the sandbox (``POST
    /__sandbox__/oauth/certificate``) and pass the key to ``mint_token`` to
    try the JWT bearer flow offline. The key stays in memory.

    Parameters
    ----------
    common_name
        Subject and issuer name of the certificate.
    days
        Days the certificate is valid, from one minute ago.

    Returns
    -------
    (key, certificate_pem)

    Examples
    --------
    >>> key, certificate = generate_key_pair()
    >>> certificate.startswith("-----BEGIN CERTIFICATE-----")
    True
    """
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])
    now = dt.datetime.now(dt.timezone.utc)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=1))
        .not_valid_after(now + dt.timedelta(days=days))
        .sign(key, hashes.SHA256())
    )
    return key, certificate.public_bytes(serialization.Encoding.PEM).decode("ascii")
