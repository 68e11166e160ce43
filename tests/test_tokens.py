"""Tests of the token doctor without a server: keys, assertions, tokens, CLI inspect."""

from __future__ import annotations

import json
import time

import jwt
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa

from helpers.cli import main
from helpers.errors import TokenError
from helpers.tokens import (
    TokenResult,
    build_assertion,
    inspect_assertion,
    inspect_token,
    load_private_key,
    normalize_login_url,
)

FAKE_TOKEN = "00DSBX000000001!H4canary.tokens.fake.token"
CONSUMER_KEY = "3MVG9FAKE.test.consumer.key"


@pytest.fixture(scope="module")
def rsa_key():
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


@pytest.fixture(scope="module")
def pem(rsa_key):
    return rsa_key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()


def codes(findings, severity="error"):
    return [(f.code, f.field) for f in findings if f.severity == severity]


# -- private keys -----------------------------------------------------------


def test_key_intact_loads_without_notes(pem):
    key, notes = load_private_key(pem)
    assert isinstance(key, rsa.RSAPrivateKey)
    assert notes == []


def test_key_from_path(tmp_path, pem):
    path = tmp_path / "server.key"
    path.write_text(pem, encoding="utf-8")
    assert load_private_key(str(path))[1] == []
    assert load_private_key(path)[1] == []


@pytest.mark.parametrize(
    "damage, note",
    [
        (lambda p: p.replace("\n", " "), "re-wrapped"),
        (lambda p: p.replace("\n", ""), "re-wrapped"),
        (lambda p: p.replace("\n", "\\n"), "escaped"),
        (lambda p: "".join(p.strip().splitlines()[1:-1]), "BEGIN and END"),
        (lambda p: "\n".join(p.strip().splitlines()[1:]), "missing BEGIN"),
        (lambda p: "\n".join(p.strip().splitlines()[:-1]), "missing END"),
        (lambda p: '"' + p.strip() + '"', None),
    ],
    ids=["spaces", "no-breaks", "escaped-newlines", "no-begin-end", "no-begin", "no-end", "quoted"],
)
def test_key_damage_repaired(pem, damage, note):
    key, notes = load_private_key(damage(pem))
    assert isinstance(key, rsa.RSAPrivateKey)
    if note:
        assert any(note in n for n in notes), notes


def test_key_pkcs1_loads(rsa_key):
    text = rsa_key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.TraditionalOpenSSL, serialization.NoEncryption()
    ).decode()
    assert isinstance(load_private_key(text)[0], rsa.RSAPrivateKey)


@pytest.mark.parametrize("fmt", ["pkcs8", "traditional"])
def test_key_encrypted_needs_password(rsa_key, fmt):
    private_format = serialization.PrivateFormat.PKCS8 if fmt == "pkcs8" else serialization.PrivateFormat.TraditionalOpenSSL
    text = rsa_key.private_bytes(
        serialization.Encoding.PEM, private_format, serialization.BestAvailableEncryption(b"fake-pass")
    ).decode()
    with pytest.raises(TokenError, match="encrypted") as caught:
        load_private_key(text)
    assert "openssl pkey" in caught.value.fix
    assert isinstance(load_private_key(text, "fake-pass")[0], rsa.RSAPrivateKey)
    with pytest.raises(TokenError, match="wrong password"):
        load_private_key(text, "other")


def test_key_public_rejected(rsa_key):
    text = rsa_key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    ).decode()
    with pytest.raises(TokenError, match="public key, not a private key"):
        load_private_key(text)


def test_key_certificate_rejected(rsa_key):
    text = "-----BEGIN CERTIFICATE-----\nMIIBfake\n-----END CERTIFICATE-----\n"
    with pytest.raises(TokenError, match="certificate, not a private key") as caught:
        load_private_key(text)
    assert "upload" in caught.value.fix


def test_key_damaged_base64(pem):
    damaged = pem[:120] + "#" + pem[121:]
    with pytest.raises(TokenError, match="not base64: '#'"):
        load_private_key(damaged)


def test_key_truncated(pem):
    lines = pem.strip().splitlines()
    cut = "\n".join(lines[:5] + lines[-1:])
    with pytest.raises(TokenError, match="does not parse"):
        load_private_key(cut)


def test_key_ec_rejected():
    key = ec.generate_private_key(ec.SECP256R1())
    text = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()
    with pytest.raises(TokenError, match="RS256, which needs an RSA key"):
        load_private_key(text)


def test_key_missing_file():
    with pytest.raises(TokenError, match="does not exist"):
        load_private_key("/nonexistent/server.key")


def test_key_directory_named(tmp_path):
    for key_path in (str(tmp_path), tmp_path):
        with pytest.raises(TokenError, match="is a directory") as caught:
            load_private_key(key_path)
        assert str(tmp_path) in str(caught.value)
        assert "PEM file" in str(caught.value)


def test_key_error_never_contains_key(pem):
    damaged = pem[:120] + "#" + pem[121:]
    with pytest.raises(TokenError) as caught:
        load_private_key(damaged)
    body_line = pem.splitlines()[3]
    assert body_line not in str(caught.value)


# -- login URL and assertions -----------------------------------------------


@pytest.mark.parametrize(
    "url, expected",
    [
        ("https://login.salesforce.com/", "https://login.salesforce.com"),
        ("https://acme.my.salesforce.com/services/oauth2/token", "https://acme.my.salesforce.com"),
        ("http://127.0.0.1:8085", "http://127.0.0.1:8085"),
    ],
)
def test_login_url_normalized(url, expected):
    assert normalize_login_url(url) == expected


@pytest.mark.parametrize(
    "url, message",
    [
        ("login.salesforce.com", "not an http"),
        ("http://login.salesforce.com", "uses http"),
        ("https://acme.my.salesforce-scrt.com", "https://acme.my.salesforce.com"),
    ],
)
def test_login_url_rejected(url, message):
    with pytest.raises(TokenError, match=message.replace(".", r"\.")):
        normalize_login_url(url)


def test_assertion_good(rsa_key):
    assertion = build_assertion(CONSUMER_KEY, rsa_key, "fake.rep@example.invalid", "https://acme.my.salesforce.com")
    findings = inspect_assertion(assertion)
    assert codes(findings) == []
    assert codes(findings, "warning") == []
    claims = jwt.decode(assertion, options={"verify_signature": False})
    assert claims["exp"] - time.time() == pytest.approx(180, abs=5)


def test_assertion_legacy_host_warns_spring_26(rsa_key):
    assertion = build_assertion(CONSUMER_KEY, rsa_key, "u@example.invalid", "https://login.salesforce.com")
    warnings = [f for f in inspect_assertion(assertion) if f.severity == "warning"]
    assert len(warnings) == 1
    assert "Spring '26" in warnings[0].message
    assert "February 2026" in warnings[0].message


def sign(rsa_key, **claims):
    base = {"iss": CONSUMER_KEY, "sub": "u@example.invalid", "aud": "https://acme.my.salesforce.com", "exp": int(time.time()) + 120}
    base.update(claims)
    return jwt.encode({k: v for k, v in base.items() if v is not None}, rsa_key, algorithm="RS256")


@pytest.mark.parametrize(
    "claims, expected",
    [
        ({"exp": int(time.time() * 1000)}, ("invalid_grant", "exp")),
        ({"exp": int(time.time()) - 3 * 3600}, ("invalid_grant", "exp")),
        ({"exp": int(time.time()) + 2 * 3600}, ("invalid_grant", "exp")),
        ({"exp": None}, ("invalid_grant", "exp")),
        ({"iss": None}, ("invalid_client_id", "iss")),
        ({"sub": None}, ("invalid_grant", "sub")),
        ({"aud": "https://acme.my.salesforce-scrt.com"}, ("invalid_grant", "aud")),
        ({"aud": "https://login.salesforce.com/"}, ("invalid_grant", "aud")),
        ({"aud": "https://example.com"}, ("invalid_grant", "aud")),
    ],
    ids=["exp-ms", "exp-local-past", "exp-local-ahead", "no-exp", "no-iss", "no-sub", "aud-scrt", "aud-slash", "aud-foreign"],
)
def test_assertion_errors(rsa_key, claims, expected):
    assert expected in codes(inspect_assertion(sign(rsa_key, **claims)))


def test_assertion_local_time_hint(rsa_key):
    findings = inspect_assertion(sign(rsa_key, exp=int(time.time()) - 3 * 3600 + 120))
    assert "local time" in findings[-1].message


def test_assertion_hs256_rejected():
    assertion = jwt.encode({"iss": CONSUMER_KEY, "sub": "u@x.invalid", "aud": "https://a.my.salesforce.com", "exp": int(time.time()) + 60}, "k" * 32, algorithm="HS256")
    assert ("invalid_grant", "alg") in codes(inspect_assertion(assertion))


def test_assertion_not_jwt():
    assert codes(inspect_assertion("not-a-jwt")) == [("invalid_grant", "assertion")]


# -- access tokens ------------------------------------------------------------


def test_opaque_token_org_match_15_vs_18():
    findings = inspect_token(FAKE_TOKEN, org_id="00DSBX000000001ABC")
    assert codes(findings) == []
    assert any(f.field == "org_id" and f.severity == "info" for f in findings)


def test_opaque_token_other_org():
    assert codes(inspect_token(FAKE_TOKEN, org_id="00DOTHER0000001")) == [(10004, "org_id")]


@pytest.mark.parametrize(
    "value, expected",
    [
        ("", [(10004, "token")]),
        (FAKE_TOKEN.replace("!", "%21"), [(10004, "token")]),
        (FAKE_TOKEN[:20] + "\n" + FAKE_TOKEN[20:], [(10004, "token")]),
    ],
    ids=["empty", "url-encoded", "line-break"],
)
def test_opaque_token_damage(value, expected):
    assert codes(inspect_token(value)) == expected


def test_bearer_prefix_and_quotes_warn():
    findings = inspect_token(f"'Bearer {FAKE_TOKEN}'")
    warnings = [f.message for f in findings if f.severity == "warning"]
    assert any("quotes" in w for w in warnings)
    assert any("Bearer" in w for w in warnings)
    assert codes(findings) == []


def test_jwt_token_scope_expiry_org(rsa_key):
    now = time.time()
    token = jwt.encode({"iss": "https://sandbox.invalid", "scp": ["api"], "exp": int(now) - 60, "organization_id": "00DSBX000000001"}, rsa_key, algorithm="RS256")
    found = codes(inspect_token(token, org_id="00DOTHER0000001", now=now))
    assert (10003, "scp") in found
    assert (10004, "exp") in found
    assert (10004, "org_id") in found


def test_jwt_token_clock_skew(rsa_key):
    now = time.time()
    token = jwt.encode({"scp": "interaction_api api", "iat": int(now) + 600, "exp": int(now) + 3600}, rsa_key, algorithm="RS256")
    findings = inspect_token(token, now=now)
    assert codes(findings) == []
    assert [f.field for f in findings if f.severity == "warning"] == ["iat"]


def test_assertion_given_as_token(rsa_key):
    assertion = sign(rsa_key)
    findings = inspect_token(assertion)
    assert codes(findings) == [(10004, "token")]
    assert "assertion" in findings[0].message


def test_findings_never_contain_token():
    findings = inspect_token(FAKE_TOKEN, org_id="00DOTHER0000001")
    assert all(FAKE_TOKEN not in str(f) for f in findings)


def test_token_result_masks():
    result = TokenResult(access_token=FAKE_TOKEN, scope="interaction_api api")
    assert FAKE_TOKEN not in repr(result)
    assert FAKE_TOKEN not in str(result)
    assert FAKE_TOKEN not in json.dumps(result.to_dict())
    assert result.to_dict(show_token=True)["access_token"] == FAKE_TOKEN
    assert result.scopes == ["interaction_api", "api"]


def test_inspect_token_accepts_bytes():
    findings = inspect_token(FAKE_TOKEN.encode("ascii"), org_id="00DSBX000000001")
    assert findings == inspect_token(FAKE_TOKEN, org_id="00DSBX000000001")
    assert inspect_token(bytearray(FAKE_TOKEN, "ascii"))[0].severity == "info"


def test_inspect_token_non_utf8_bytes():
    with pytest.raises(TokenError, match="token bytes are not UTF-8") as caught:
        inspect_token(b"00DSBX000000001!\xff\xfefake")
    assert "fake" not in str(caught.value)


@pytest.mark.parametrize("token", [12345, ["x"], {"token": "x"}, 1.5])
def test_inspect_token_rejects_other_types(token):
    with pytest.raises(TypeError, match="token must be a str or bytes, got"):
        inspect_token(token)


def test_inspect_token_checks_org_and_now():
    with pytest.raises(TypeError, match="org_id must be a str"):
        inspect_token(FAKE_TOKEN, org_id=15)
    with pytest.raises(TypeError, match="now must be epoch seconds"):
        inspect_token(FAKE_TOKEN, now="today")


def test_inspect_assertion_accepts_bytes(pem):
    assertion = build_assertion(CONSUMER_KEY, pem, "u@x.invalid", "https://example.my.salesforce.com")
    now = time.time()
    expected = inspect_assertion(assertion, now=now)
    assert inspect_assertion(assertion.encode("ascii"), now=now) == expected
    with pytest.raises(TypeError, match="assertion must be a str or bytes"):
        inspect_assertion(42)


# -- command line -------------------------------------------------------------


def test_cli_inspect_ok(capsys):
    assert main(["token", "inspect", FAKE_TOKEN, "--org-id", "00DSBX000000001"]) == 0
    out = capsys.readouterr().out
    assert "opaque token of org 00DSBX000000001" in out
    assert FAKE_TOKEN not in out


def test_cli_inspect_json_error_exit_1(tmp_path, capsys):
    path = tmp_path / "token.txt"
    path.write_text(FAKE_TOKEN + "\n", encoding="utf-8")
    assert main(["token", "inspect", str(path), "--org-id", "00DOTHER0000001", "--json"]) == 1
    data = json.loads(capsys.readouterr().out)
    assert {"code": 10004, "severity": "error", "field": "org_id"}.items() <= data[1].items()


def test_cli_inspect_env_and_usage(monkeypatch, capsys):
    monkeypatch.delenv("ISAPI_TOKEN", raising=False)
    with pytest.raises(SystemExit) as caught:
        main(["token", "inspect"])
    assert caught.value.code == 2
    assert "ISAPI_TOKEN" in capsys.readouterr().err
    monkeypatch.setenv("ISAPI_TOKEN", FAKE_TOKEN)
    assert main(["token", "inspect"]) == 0


def test_cli_mint_missing_key_file(capsys):
    with pytest.raises(SystemExit) as caught:
        main(["token", "mint", "--consumer-key", CONSUMER_KEY, "--key-file", "/nonexistent.key", "--username", "u@x.invalid", "--login-url", "http://127.0.0.1:9"])
    assert caught.value.code == 2
    assert "does not exist" in capsys.readouterr().err


def cli_usage_error(args, capsys):
    with pytest.raises(SystemExit) as caught:
        main(args)
    assert caught.value.code == 2
    return capsys.readouterr().err


def test_cli_inspect_binary_file(tmp_path, capsys):
    path = tmp_path / "token.bin"
    path.write_bytes(b"\x7fELF\x02\x01\x01\x00\xff\xfe")
    message = cli_usage_error(["token", "inspect", str(path)], capsys)
    assert str(path) in message
    assert "binary" in message
    assert "Traceback" not in message


def test_cli_inspect_nul_bytes_file(tmp_path, capsys):
    path = tmp_path / "token.dat"
    path.write_bytes(b"abc\x00def")
    message = cli_usage_error(["token", "inspect", str(path)], capsys)
    assert "binary" in message


def test_cli_inspect_directory(tmp_path, capsys):
    message = cli_usage_error(["token", "inspect", str(tmp_path)], capsys)
    assert str(tmp_path) in message
    assert "is a directory" in message
    assert "does not exist" not in message


def test_cli_mint_key_directory(tmp_path, capsys):
    args = ["token", "mint", "--consumer-key", CONSUMER_KEY, "--key-file", str(tmp_path), "--username", "u@x.invalid", "--login-url", "http://127.0.0.1:9"]
    message = cli_usage_error(args, capsys)
    assert "is a directory" in message
    assert "PEM file" in message


# -- property: whitespace damage anywhere in the body is repaired -------------

_PROPERTY_KEY = rsa.generate_private_key(public_exponent=65537, key_size=2048)
_PROPERTY_PEM = _PROPERTY_KEY.private_bytes(
    serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
).decode()


@settings(max_examples=25, deadline=None)
@given(
    st.lists(
        st.tuples(st.integers(min_value=0, max_value=1600), st.sampled_from([" ", "\n", "\t", "\r\n", "  \n "])),
        max_size=12,
    )
)
def test_key_whitespace_damage_property(insertions):
    lines = _PROPERTY_PEM.strip().splitlines()
    body = "".join(lines[1:-1])
    for position, whitespace in sorted(insertions, reverse=True):
        position = min(position, len(body))
        body = body[:position] + whitespace + body[position:]
    damaged = f"{lines[0]}\n{body}\n{lines[-1]}"
    key, _ = load_private_key(damaged)
    assert key.private_numbers() == _PROPERTY_KEY.private_numbers()


def test_generate_key_pair_matches():
    from cryptography import x509

    from helpers.tokens import generate_key_pair

    key, certificate = generate_key_pair("unit test", days=2)
    loaded = x509.load_pem_x509_certificate(certificate.encode())
    assert loaded.public_key().public_numbers() == key.public_key().public_numbers()
    assert loaded.subject.rfc4514_string() == "CN=unit test"
    assert "PRIVATE" not in certificate
