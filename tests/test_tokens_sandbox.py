"""Tests of the JWT bearer flow against the sandbox's token endpoint.

The key pair and the self-signed certificate are generated at test time;
nothing private is stored in the repository.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import time

import pytest
import requests
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID

from helpers import sandbox
from helpers.cli import main
from helpers.client import InteractionClient
from helpers.errors import TokenError
from helpers.profiles import load_profile
from helpers.tokens import (
    build_assertion,
    exchange_assertion,
    inspect_token,
    mint_token,
    token_provider,
)


def new_key():
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def key_pem(key):
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()


def self_signed_certificate(key):
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "kit test certificate")])
    now = dt.datetime.now(dt.timezone.utc)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=1))
        .not_valid_after(now + dt.timedelta(days=1))
        .sign(key, hashes.SHA256())
    )
    return certificate.public_bytes(serialization.Encoding.PEM).decode()


@pytest.fixture(scope="module")
def key():
    return new_key()


@pytest.fixture(scope="module")
def box(key):
    handle = sandbox.start()
    response = requests.post(
        handle.url + "/__sandbox__/oauth/certificate",
        json={"consumer_key": handle.profile["consumer_key"], "certificate_pem": self_signed_certificate(key)},
        timeout=5,
    )
    assert response.status_code == 200, response.text
    yield handle
    handle.stop()


@pytest.fixture
def app(box):
    profile = box.profile
    return {"consumer_key": profile["consumer_key"], "username": profile["username"], "login_url": box.url}


def test_mint_token_success(box, key, app):
    result = mint_token(app["consumer_key"], key_pem(key), app["username"], app["login_url"])
    assert result.access_token.startswith(box.profile["org_id"] + "!")
    assert result.token_type == "Bearer"
    assert "interaction_api" in result.scopes
    assert result.instance_url == box.url
    assert result.id.endswith(box.profile["user_id"])
    assert int(result.issued_at) > 0


def test_minted_token_works_with_client(box, key, app, tmp_path):
    path = tmp_path / "server.key"
    path.write_text(key_pem(key), encoding="utf-8")
    provider = token_provider(app["consumer_key"], path, app["username"], app["login_url"])
    values = {k: v for k, v in box.profile.items() if k != "access_token"}
    profile = load_profile(values, token_provider=provider)
    with InteractionClient(profile) as client:
        assert client.send_message("with a minted token").ok


def test_client_refreshes_expired_token_with_provider(box, key, app):
    calls = []

    def provider():
        calls.append(1)
        if len(calls) == 1:
            return box.profile["tokens"]["expired"]
        return mint_token(app["consumer_key"], key_pem(key), app["username"], app["login_url"])

    values = {k: v for k, v in box.profile.items() if k != "access_token"}
    with InteractionClient(load_profile(values, token_provider=provider), preflight="off") as client:
        exchange = client.send_message("refreshed")
    assert exchange.ok
    assert exchange.attempt == 2
    assert len(calls) == 2


def rejected(call):
    with pytest.raises(TokenError) as caught:
        call()
    return caught.value


def test_wrong_audience(key, app):
    error = rejected(lambda: mint_token(app["consumer_key"], key_pem(key), app["username"], app["login_url"], audience="https://login.salesforce.com"))
    assert error.oauth_error == "invalid_grant"
    assert error.oauth_description == "audience is invalid"
    assert error.status == 400
    assert "My Domain" in error.fix
    assert "2026-02" in error.fix


def test_wrong_key(app):
    error = rejected(lambda: mint_token(app["consumer_key"], key_pem(new_key()), app["username"], app["login_url"]))
    assert error.oauth_description == "invalid assertion"
    assert "certificate" in str(error)


@pytest.mark.parametrize(
    "issued_at",
    [time.time() - 3600, time.time() * 1000],
    ids=["expired", "milliseconds"],
)
def test_expired_assertion(key, app, issued_at):
    assertion = build_assertion(app["consumer_key"], key, app["username"], app["login_url"], now=issued_at)
    error = rejected(lambda: exchange_assertion(assertion, app["login_url"]))
    assert error.oauth_description == "expired authorization code"
    assert "UTC" in error.fix


def test_unknown_issuer(key, app):
    error = rejected(lambda: mint_token("3MVG9FAKE.unknown.consumer.key", key_pem(key), app["username"], app["login_url"]))
    assert error.oauth_error == "invalid_client_id"
    assert "consumer key" in error.fix


def test_unknown_user(key, app):
    error = rejected(lambda: mint_token(app["consumer_key"], key_pem(key), "nobody@sandbox.example.invalid", app["login_url"]))
    assert error.oauth_description == "user hasn't approved this consumer"
    assert "pre-authorized" in error.fix


def test_app_without_certificate(box, key, app):
    other = [a for a in box.fixture.apps.values() if a.consumer_key != app["consumer_key"]][0]
    error = rejected(lambda: mint_token(other.consumer_key, key_pem(key), app["username"], app["login_url"]))
    assert error.oauth_description == "invalid assertion"


def test_wrong_grant_type(box):
    response = requests.post(box.url + "/services/oauth2/token", data={"grant_type": "password"}, timeout=5)
    assert response.status_code == 400
    assert response.json() == {"error": "unsupported_grant_type", "error_description": "grant type not supported"}


def test_token_endpoint_rejects_get(box):
    assert requests.get(box.url + "/services/oauth2/token", timeout=5).status_code == 405


@pytest.mark.parametrize(
    "payload, message",
    [
        ({}, "certificate_pem is missing"),
        ({"certificate_pem": "-----BEGIN CERTIFICATE-----\nbroken\n-----END CERTIFICATE-----"}, ""),
        ({"certificate_pem": "PRIVATE", "consumer_key": "3MVG9FAKE.nope"}, "no app"),
    ],
    ids=["missing", "broken-pem", "unknown-app"],
)
def test_certificate_endpoint_rejects(box, payload, message):
    response = requests.post(box.url + "/__sandbox__/oauth/certificate", json=payload, timeout=5)
    assert response.status_code == 400
    assert message in response.json()["message"]


def test_certificate_endpoint_rejects_private_key(box, key):
    response = requests.post(box.url + "/__sandbox__/oauth/certificate", json={"certificate_pem": key_pem(key)}, timeout=5)
    assert response.status_code == 400
    assert "private key" in response.json()["message"]
    assert "BEGIN" not in response.text


def test_apps_listing(box, app):
    apps = requests.get(box.url + "/__sandbox__/oauth/apps", timeout=5).json()["apps"]
    mine = [a for a in apps if a["consumer_key"] == app["consumer_key"]]
    assert mine[0]["has_certificate"] is True


def test_cli_mint_masked_and_shown(box, key, app, tmp_path, capsys):
    path = tmp_path / "server.key"
    path.write_text(key_pem(key), encoding="utf-8")
    args = ["token", "mint", "--consumer-key", app["consumer_key"], "--key-file", str(path), "--username", app["username"], "--login-url", app["login_url"]]
    assert main(args) == 0
    masked = capsys.readouterr().out
    assert "access token: <token:" in masked
    assert "export ISAPI_TOKEN" not in masked
    assert main(args + ["--show-token"]) == 0
    shown = capsys.readouterr().out
    assert "export ISAPI_TOKEN='" + box.profile["org_id"] + "!" in shown
    assert main(args + ["--json"]) == 0
    assert json.loads(capsys.readouterr().out)["access_token"].startswith("<token:")


def test_cli_mint_oauth_error_exit_2(key, app, tmp_path, capsys):
    path = tmp_path / "server.key"
    path.write_text(key_pem(new_key()), encoding="utf-8")
    args = ["token", "mint", "--consumer-key", app["consumer_key"], "--key-file", str(path), "--username", app["username"], "--login-url", app["login_url"]]
    assert main(args) == 2
    assert "invalid assertion" in capsys.readouterr().err


def test_cli_mint_names_oauth_error(key, app, tmp_path, capsys):
    path = tmp_path / "server.key"
    path.write_text(key_pem(key), encoding="utf-8")
    args = ["token", "mint", "--consumer-key", "3MVG9FAKE.unknown.consumer.key", "--key-file", str(path), "--username", app["username"], "--login-url", app["login_url"]]
    assert main(args) == 2
    shown = capsys.readouterr().err
    assert "invalid_client_id" in shown
    assert "<token:" not in shown


def test_minted_token_never_logged(box, key, app, caplog):
    with caplog.at_level(logging.DEBUG):
        result = mint_token(app["consumer_key"], key_pem(key), app["username"], app["login_url"])
        failures = []
        for bad_key in (key_pem(new_key()),):
            try:
                mint_token(app["consumer_key"], bad_key, app["username"], app["login_url"])
            except TokenError as exc:
                failures += [str(exc), repr(exc), json.dumps(exc.to_dict())]
    texts = [caplog.text, repr(result), str(result), json.dumps(result.to_dict())] + failures
    texts += [json.dumps(r) for r in box.received()]
    pem_line = key_pem(key).splitlines()[2]
    for text in texts:
        assert result.access_token not in text
        assert pem_line not in text


def test_token_provider_loads_key_once(key, app, tmp_path):
    path = tmp_path / "server.key"
    path.write_text(key_pem(key), encoding="utf-8")
    provider = token_provider(app["consumer_key"], path, app["username"], app["login_url"])
    path.unlink()
    first = provider()
    second = provider()
    assert first.access_token != second.access_token
    assert "interaction_api" in second.scopes


def test_token_provider_rejects_bad_key_at_once(app, tmp_path):
    path = tmp_path / "server.crt"
    path.write_text("-----BEGIN CERTIFICATE-----\nMIIBfake\n-----END CERTIFICATE-----\n", encoding="utf-8")
    with pytest.raises(TokenError, match="certificate, not a private key"):
        token_provider(app["consumer_key"], path, app["username"], app["login_url"])


def test_legacy_audience_accepted_by_setting(box, key, app, monkeypatch):
    monkeypatch.setattr(box.app.settings, "oauth_accept_login_hosts", True, raising=False)
    result = mint_token(
        app["consumer_key"],
        key_pem(key),
        app["username"],
        app["login_url"],
        audience="https://login.salesforce.com",
    )
    assert result.access_token.startswith(box.profile["org_id"] + "!")


def test_jwt_token_style_by_setting(box, key, app, monkeypatch):
    monkeypatch.setattr(box.app.settings, "oauth_token_style", "jwt", raising=False)
    result = mint_token(app["consumer_key"], key_pem(key), app["username"], app["login_url"])
    assert result.access_token.startswith("eyJ")
    findings = inspect_token(result.access_token, org_id=box.profile["org_id"])
    assert [f for f in findings if f.severity == "error"] == []
