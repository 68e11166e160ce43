"""Sandbox fixture: validation names the bad key; a custom fixture is served."""

from __future__ import annotations

import copy
import json

import pytest

from helpers import sandbox
from helpers.sandbox.fixture import DEFAULT_FIXTURE_PATH, FixtureError, load_fixture
from helpers.transport import send
from helpers import repro


@pytest.fixture(scope="module")
def default_data() -> dict:
    return json.loads(DEFAULT_FIXTURE_PATH.read_text(encoding="utf-8"))


def test_default_fixture_loads():
    fixture = load_fixture()
    assert fixture.org_id.startswith("00D")
    assert len(fixture.org_id) == 15
    assert set(fixture.tokens) >= {"valid", "jwt", "no_scope", "expired", "other_app"}
    assert all("FAKE" in token.value for token in fixture.tokens.values())


def test_token_repr_hides_value():
    token = load_fixture().tokens["valid"]
    assert token.value not in repr(token)


@pytest.mark.parametrize(
    "change, key",
    [
        (lambda d: d["org"].pop("org_id"), "org.org_id"),
        (lambda d: d["org"].update(org_id="001SBX000000001"), "org.org_id"),
        (lambda d: d["tokens"][1].update(app="Nobody"), "tokens[1].app"),
        (lambda d: d["tokens"][0].update(expires_at="tomorrow"), "tokens[0].expires_at"),
        (lambda d: d["tokens"][0].update(scopes="interaction_api"), "tokens[0].scopes"),
        (lambda d: d["messaging_channels"][2].update(definition="X_Y"), "messaging_channels[2].definition"),
        (lambda d: d["messaging_channels"][0].update(active="yes"), "messaging_channels[0].active"),
        (lambda d: d["conversation_channel_definitions"][0].update(routing_owner="Both"), "conversation_channel_definitions[0].routing_owner"),
        (lambda d: d["conversation_channel_definitions"][0].update(developer_name="Wrong_Prefix"), "conversation_channel_definitions[0].developer_name"),
        (lambda d: d["queues"][0].update(id="00Gshort"), "queues[0].id"),
        (lambda d: d["users"][0].update(id="006SBX000000001"), "users[0].id"),
        (lambda d: d["profile"].update(token="missing"), "profile.token"),
        (lambda d: d["profile"].update(end_user="nobody"), "profile.end_user"),
        (lambda d: d.update(format_version=2), "format_version"),
    ],
)
def test_invalid_fixture_names_key(default_data, change, key):
    data = copy.deepcopy(default_data)
    change(data)
    with pytest.raises(FixtureError) as raised:
        load_fixture(data)
    assert key in str(raised.value)


def test_fixture_file_errors(tmp_path):
    with pytest.raises(FixtureError, match="cannot read"):
        load_fixture(tmp_path / "missing.json")
    broken = tmp_path / "broken.json"
    broken.write_text("{", encoding="utf-8")
    with pytest.raises(FixtureError, match="not valid JSON"):
        load_fixture(broken)


def test_fixture_binary_or_directory_named(tmp_path):
    binary = tmp_path / "org.bin"
    binary.write_bytes(b"\x7fELF\x02\x01\xff\xfe")
    with pytest.raises(FixtureError, match="not UTF-8 text") as raised:
        load_fixture(binary)
    assert str(binary) in str(raised.value)
    assert "JSON fixture" in str(raised.value)
    with pytest.raises(FixtureError, match="is a directory") as raised:
        load_fixture(tmp_path)
    assert str(tmp_path) in str(raised.value)


def test_custom_fixture_served(default_data, tmp_path):
    data = copy.deepcopy(default_data)
    data["profile"]["channel"] = "keywords"
    data["messaging_channels"][5]["supports_keywords"] = False
    path = tmp_path / "org.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    with sandbox.start(fixture=str(path)) as box:
        profile = box.profile
        assert profile["channel_address_identifier"] == data["messaging_channels"][5][
            "channel_address_identifier"
        ]
        request = repro.build_request(repro.base_requests()["conversation"], profile)
        assert send(request, box.url).status == 202


def test_certificate_pem_exposed(default_data):
    data = copy.deepcopy(default_data)
    data["connected_apps"][0]["certificate_pem"] = "-----BEGIN CERTIFICATE-----\nFAKE\n-----END CERTIFICATE-----"
    with sandbox.start(fixture=data) as box:
        apps = {app["name"]: app for app in box.connected_apps()}
        assert apps["PartnerOne"]["certificate_pem"].startswith("-----BEGIN CERTIFICATE")
        assert apps["OtherVendor"]["certificate_pem"] is None


@pytest.mark.parametrize("name", ["sandbox_org.json", "repros.json"])
def test_packaged_copy_matches_source(name):
    root = DEFAULT_FIXTURE_PATH.parents[1]
    source = root / "data" / name
    packaged = root / "src" / "helpers" / "data" / name
    assert packaged.read_bytes() == source.read_bytes(), f"copy data/{name} to src/helpers/data/"
