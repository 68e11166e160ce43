"""Decode real error responses of the local sandbox, in each of its error shapes."""

from __future__ import annotations

import uuid

import pytest
import requests

from helpers.decode import decode, decode_one

FAKE_TOKEN = "00DFAKE000000000001!fake.token.for.tests"


def _headers(profile, token=None):
    return {
        "Authorization": f"Bearer {token or profile['access_token']}",
        "OrgId": profile["org_id"],
        "AuthorizationContext": profile["authorization_context"],
        "RequestId": str(uuid.uuid4()),
    }


@pytest.mark.parametrize("shape", ["plain", "success_false", "error_detail"])
def test_sandbox_invalid_token(fresh_sandbox, profile, shape):
    fresh_sandbox.app.update_settings({"error_shape": shape})
    headers = _headers(profile, token=FAKE_TOKEN)
    response = requests.patch(profile["base_url"] + "/api/v1/consent", headers=headers,
                              json={}, timeout=10)

    found = decode(response)

    assert [f.code for f in found] == [10004]
    assert found[0].http_status == response.status_code
    assert found[0].request_id == headers["RequestId"]
    assert found[0].method == "PATCH"
    for finding in found:
        assert FAKE_TOKEN not in str(finding)


def test_sandbox_unknown_channel(fresh_sandbox, profile):
    body = {"channelAddressIdentifier": str(uuid.uuid4()),
            "endUserClientId": profile["end_user_client_id"], "consentStatus": "OptedOut"}
    response = requests.patch(profile["base_url"] + "/api/v1/consent",
                              headers=_headers(profile), json=body, timeout=10)

    finding = decode_one(response)

    assert finding.code == 10017
    assert finding.known is True


def test_sandbox_token_endpoint_error(fresh_sandbox, profile):
    response = requests.post(
        profile["token_url"],
        data={"grant_type": "urn:ietf:params:oauth:grant-type:jwt-bearer",
              "assertion": "not.a.jwt"},
        timeout=10,
    )

    finding = decode_one(response)

    assert finding.kind == "oauth"
    assert finding.name == "invalid_grant"
    assert finding.known is True


def test_sandbox_unknown_path_is_not_api(fresh_sandbox, profile):
    response = requests.get(profile["base_url"] + "/api/v1/nothing", timeout=10)

    finding = decode_one(response)

    assert finding.kind == "not_api"
    assert finding.http_status == 404
    assert "/api/v1/" in finding.cause
