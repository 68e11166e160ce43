"""Tests of connection profiles: loading, validation messages, token sources."""

from __future__ import annotations

import json
import logging
import socket

import keyring
import keyring.backend
import pytest

from helpers import profiles
from helpers.errors import ProfileError
from helpers.profiles import (
    EnvToken,
    KeyringToken,
    Profile,
    ProviderToken,
    load_profile,
    org_id_checksum,
    profile_from_env,
    profile_from_file,
)

FAKE_TOKEN = "00DSBX000000001!H4canary.profile.fake.token"

VALID = {
    "base_url": "https://acme.my.salesforce-scrt.com",
    "org_id": "00DSBX000000001",
    "authorization_context": "PartnerOne_CCaaS",
    "channel_address_identifier": "1b7a5c3e-2f4d-4e6a-9c1b-0d2e3f4a5b6c",
    "end_user_client_id": "fake-end-user-0001",
}


@pytest.fixture(autouse=True)
def clean_env(monkeypatch):
    for name in list(profiles.ENV_VARS.values()) + [
        "ISAPI_PROFILE",
        "ISAPI_SANDBOX_URL",
        "ISAPI_TOKEN",
        "ISAPI_TOKEN_ENV",
        "ISAPI_TOKEN_SOURCE",
    ]:
        monkeypatch.delenv(name, raising=False)


def write_toml(path, values):
    lines = [f'{key} = "{value}"' if isinstance(value, str) else f"{key} = {str(value).lower()}" for key, value in values.items()]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_file_toml_loads_with_env_token(tmp_path, monkeypatch):
    path = write_toml(tmp_path / "acme.toml", VALID)
    monkeypatch.setenv("ISAPI_TOKEN", FAKE_TOKEN)
    profile = profile_from_file(path)
    assert profile.name == "acme"
    assert profile.target == "org"
    assert profile.token() == FAKE_TOKEN
    assert profile.token_source.describe() == "env:ISAPI_TOKEN"


def test_file_json_with_named_token_variable(tmp_path, monkeypatch):
    path = tmp_path / "p.json"
    path.write_text(json.dumps({**VALID, "token_env": "ACME_TOKEN"}), encoding="utf-8")
    monkeypatch.setenv("ACME_TOKEN", FAKE_TOKEN)
    assert profile_from_file(path).token() == FAKE_TOKEN


def test_token_read_at_call_time(tmp_path, monkeypatch):
    profile = profile_from_file(write_toml(tmp_path / "p.toml", VALID))
    with pytest.raises(ProfileError, match="ISAPI_TOKEN is not set"):
        profile.token()
    monkeypatch.setenv("ISAPI_TOKEN", FAKE_TOKEN)
    assert profile.token() == FAKE_TOKEN


@pytest.mark.parametrize(
    "key, value",
    [("access_token", FAKE_TOKEN), ("token", "whatever-value"), ("end_user_client_id", FAKE_TOKEN)],
    ids=["access_token-key", "token-key", "token-in-other-field"],
)
def test_file_with_token_value_rejected(tmp_path, key, value):
    path = write_toml(tmp_path / "p.toml", {**VALID, key: value})
    with pytest.raises(ProfileError) as caught:
        profile_from_file(path)
    text = str(caught.value)
    assert "environment variable" in text
    assert "keyring" in text
    assert FAKE_TOKEN not in text


def test_file_unknown_key_rejected(tmp_path):
    path = write_toml(tmp_path / "p.toml", {**VALID, "orgid": "x"})
    with pytest.raises(ProfileError, match="unknown keys orgid"):
        profile_from_file(path)


def test_file_missing_and_invalid_toml(tmp_path):
    with pytest.raises(ProfileError, match="does not exist"):
        profile_from_file(tmp_path / "nope.toml")
    bad = tmp_path / "bad.toml"
    bad.write_text("base_url = \n", encoding="utf-8")
    with pytest.raises(ProfileError, match="not valid TOML"):
        profile_from_file(bad)


def test_file_directory_named(tmp_path):
    with pytest.raises(ProfileError, match="is a directory") as caught:
        load_profile(str(tmp_path))
    assert str(tmp_path) in str(caught.value)
    assert "does not exist" not in str(caught.value)


def test_file_binary_named(tmp_path):
    path = tmp_path / "p.toml"
    path.write_bytes(b"\xff\xfe\x00binary")
    with pytest.raises(ProfileError, match="not UTF-8 text") as caught:
        profile_from_file(path)
    assert str(path) in str(caught.value)


def test_validation_collects_every_problem():
    values = {
        "base_url": "http://example.com",
        "org_id": "001ABC",
        "authorization_context": "NoPrefix",
        "channel_address_identifier": "not-a-guid",
        "end_user_client_id": "u",
    }
    with pytest.raises(ProfileError) as caught:
        profiles.make_profile(values)
    problems = caught.value.problems
    joined = " | ".join(problems)
    assert len(problems) == 5
    assert "uses http" in joined
    assert "'example.com' is not an Interaction API host" in joined
    assert "org_id '001ABC'" in joined
    assert "starts with 00D" in joined
    assert "authorization_context 'NoPrefix'" in joined
    assert "{prefix}_{Name}" in joined
    assert "channel_address_identifier 'not-a-guid' is not a GUID" in joined


def test_validation_missing_fields_name_env_vars():
    with pytest.raises(ProfileError) as caught:
        profiles.make_profile({"base_url": VALID["base_url"]})
    joined = " | ".join(caught.value.problems)
    assert "org_id is missing" in joined
    assert "ISAPI_ORG_ID" in joined
    assert "ISAPI_CHANNEL_ADDRESS_IDENTIFIER" in joined


def test_core_host_is_warning_with_scrt_fix(caplog):
    with caplog.at_level(logging.WARNING, logger="helpers.profiles"):
        profile = profiles.make_profile({**VALID, "base_url": "https://acme.my.salesforce.com"})
    assert profile.warnings
    assert "https://acme.my.salesforce-scrt.com" in profile.warnings[0]
    assert "salesforce-scrt.com" in caplog.text


def test_base_url_api_suffix_dropped():
    profile = profiles.make_profile({**VALID, "base_url": "https://acme.my.salesforce-scrt.com/api/v1/"})
    assert profile.base_url == "https://acme.my.salesforce-scrt.com"
    assert any("/api/v1" in w for w in profile.warnings)


@pytest.mark.parametrize(
    "url, target",
    [("http://127.0.0.1:8085", "sandbox"), ("http://localhost:9000/", "sandbox"), ("https://acme.sandbox.my.salesforce-scrt.com", "org")],
    ids=["ipv4-loopback", "localhost", "scrt-sandbox-host"],
)
def test_allowed_hosts(url, target):
    profile = profiles.make_profile({**VALID, "base_url": url})
    assert profile.target == target
    assert not profile.warnings


def test_org_id_18_checksum():
    assert org_id_checksum("001A0000006Vm9r") == "IAC"
    good = profiles.make_profile({**VALID, "org_id": "00D000000000062EAA"})
    assert not good.warnings
    bad = profiles.make_profile({**VALID, "org_id": "00D000000000062AAA"})
    assert any("'EAA'" in w for w in bad.warnings)


def test_env_profile(monkeypatch):
    for field, var in profiles.ENV_VARS.items():
        if field in VALID:
            monkeypatch.setenv(var, VALID[field])
    monkeypatch.setenv("ISAPI_TOKEN", FAKE_TOKEN)
    profile = load_profile()
    assert profile.org_id == VALID["org_id"]
    assert profile.token() == FAKE_TOKEN


def test_env_profile_bad_token_source(monkeypatch):
    with pytest.raises(ProfileError, match="ISAPI_TOKEN_SOURCE"):
        profile_from_env({**{v: VALID[f] for f, v in profiles.ENV_VARS.items() if f in VALID}, "ISAPI_TOKEN_SOURCE": "file"})


def test_isapi_profile_file_wins(tmp_path, monkeypatch):
    path = write_toml(tmp_path / "chosen.toml", VALID)
    monkeypatch.setenv("ISAPI_PROFILE", str(path))
    monkeypatch.setenv("ISAPI_BASE_URL", "https://other.my.salesforce-scrt.com")
    assert load_profile().name == "chosen"


@pytest.fixture
def dead_url():
    """A loopback URL that refuses connections: a bound port that never listens."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        yield f"http://127.0.0.1:{sock.getsockname()[1]}"


def test_isapi_profile_sandbox_url_same_as_argument(fresh_sandbox, monkeypatch):
    monkeypatch.setenv("ISAPI_PROFILE", fresh_sandbox.url)
    from_env = load_profile()
    from_argument = load_profile(fresh_sandbox.url)
    assert from_env.target == from_argument.target == "sandbox"
    assert from_env.base_url == from_argument.base_url == fresh_sandbox.url
    assert from_env.token() == fresh_sandbox.profile["access_token"]


def test_isapi_profile_dead_sandbox_url_names_the_variable(dead_url, monkeypatch):
    monkeypatch.setenv("ISAPI_PROFILE", dead_url)
    with pytest.raises(ProfileError) as caught:
        load_profile()
    message = str(caught.value)
    assert f"the sandbox at {dead_url} did not respond" in message
    assert "point ISAPI_PROFILE at a running sandbox or a profile file" in message
    assert "does not exist" not in message


def test_dead_sandbox_url_fix_matches_its_origin(dead_url, monkeypatch):
    with pytest.raises(ProfileError) as caught:
        load_profile(dead_url)
    assert "pass the URL of a running sandbox" in str(caught.value)
    assert "ISAPI_SANDBOX_URL" not in str(caught.value)
    monkeypatch.setenv("ISAPI_SANDBOX_URL", dead_url)
    with pytest.raises(ProfileError, match="point ISAPI_SANDBOX_URL at a running sandbox, or unset it"):
        load_profile()


class MemoryKeyring(keyring.backend.KeyringBackend):
    priority = 1

    def __init__(self):
        super().__init__()
        self.store = {}

    def get_password(self, service, username):
        return self.store.get((service, username))

    def set_password(self, service, username, password):
        self.store[(service, username)] = password

    def delete_password(self, service, username):
        self.store.pop((service, username), None)


def test_keyring_source(tmp_path):
    backend = MemoryKeyring()
    previous = keyring.get_keyring()
    keyring.set_keyring(backend)
    try:
        path = write_toml(tmp_path / "acme.toml", {**VALID, "token_keyring": True})
        profile = profile_from_file(path)
        assert isinstance(profile.token_source, KeyringToken)
        with pytest.raises(ProfileError, match="keyring set interaction-api-kit acme"):
            profile.token()
        backend.set_password("interaction-api-kit", "acme", FAKE_TOKEN)
        assert profile.token() == FAKE_TOKEN
    finally:
        keyring.set_keyring(previous)


def test_provider_source_caches_and_refreshes():
    calls = []

    def provider():
        calls.append(1)
        return f"{FAKE_TOKEN}{len(calls)}"

    profile = load_profile(dict(VALID), token_provider=provider)
    assert profile.token() == f"{FAKE_TOKEN}1"
    assert profile.token() == f"{FAKE_TOKEN}1"
    assert profile.can_refresh_token
    assert profile.refresh_token() == f"{FAKE_TOKEN}2"
    assert len(calls) == 2


def test_provider_returning_nothing():
    source = ProviderToken(lambda: "")
    with pytest.raises(ProfileError, match="returned no token"):
        source.get()


def test_env_token_rejects_bad_name():
    with pytest.raises(ProfileError, match="not an environment variable name"):
        EnvToken("ISAPI TOKEN")


def test_repr_and_dict_hide_token(monkeypatch):
    profile = load_profile({**VALID, "access_token": FAKE_TOKEN})
    assert FAKE_TOKEN not in repr(profile)
    assert FAKE_TOKEN not in str(profile.to_dict())
    assert FAKE_TOKEN not in repr(profile.token_source)
    assert profile.token() == FAKE_TOKEN
    assert isinstance(profile, Profile)


def test_load_profile_rejects_other_types():
    with pytest.raises(ProfileError, match="cannot load a profile from int"):
        load_profile(42)


def test_target_must_be_known():
    with pytest.raises(ProfileError, match="target 'prod' is not one of sandbox, org"):
        profiles.make_profile({**VALID, "target": "prod"})
    assert profiles.make_profile({**VALID, "target": "sandbox"}).target == "sandbox"
