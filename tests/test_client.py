"""Tests of the live client against the sandbox over HTTP on 127.0.0.1."""

from __future__ import annotations

import inspect
import json
import uuid

import pytest

from helpers.client import InteractionClient
from helpers.errors import FixRequest, FixSetup, PreflightError, RefreshToken
from helpers.model import ApiRequest
from helpers.profiles import load_profile


@pytest.fixture
def box(fresh_sandbox):
    """The session's sandbox from conftest, reset before and after each test."""
    return fresh_sandbox


@pytest.fixture
def client(box):
    box.reset()
    with InteractionClient(box, preflight="warn") as api:
        yield api


def body(exchange):
    return exchange.response_json()


def conversation(client):
    exchange = client.create_conversation()
    assert exchange.status == 202
    data = body(exchange)
    return data["conversationIdentifier"], data["messagingSessionId"]


# -- one test per endpoint method -----------------------------------------------


def test_send_message(client):
    exchange = client.send_message("Hello from the test")
    assert exchange.ok
    assert exchange.status == 202
    sent = exchange.request
    assert sent.is_multipart
    document = sent.json_part
    assert document["to"] == client.profile.channel_address_identifier
    assert document["from"] == client.profile.end_user_client_id
    payload = document["interactions"][0]["payload"]
    assert payload["id"] == payload["abstractMessage"]["id"]
    assert payload["abstractMessage"]["staticContent"]["text"] == "Hello from the test"


@pytest.mark.parametrize("started", [True, False], ids=["started", "stopped"])
def test_send_typing(client, started):
    exchange = client.send_typing(started)
    assert exchange.ok
    entry_type = exchange.request.json_part["interactions"][0]["payload"]["entryType"]
    assert entry_type == ("TypingStartedIndicator" if started else "TypingStoppedIndicator")


def test_send_delivery_failed(client):
    exchange = client.send_delivery_failed(str(uuid.uuid4()), 10017, "channel gone")
    assert exchange.ok
    payload = exchange.request.json_part["interactions"][0]["payload"]
    assert payload["recipient"] == {"appType": "custom", "subject": client.profile.end_user_client_id, "role": "EndUser"}
    assert payload["errorCode"] == "10017"


def test_send_attachment(client):
    content = b"%PDF-1.4 fake pdf bytes for the sandbox"
    exchange = client.send_attachment("doc.pdf", content, "application/pdf", text="the contract")
    assert exchange.ok
    item = exchange.request.json_part["interactions"][0]
    assert item["contentLength"] == len(content)
    assert item["attachmentIndex"] == 0
    assert exchange.request.attachments[0].filename == "doc.pdf"


def test_send_attachment_rejects_text(client):
    with pytest.raises(TypeError, match="binary mode"):
        client.build_send_attachment("a.txt", "not bytes", "text/plain")


def test_create_conversation(client):
    exchange = client.create_conversation()
    assert exchange.ok
    assert body(exchange)["messagingSessionId"].startswith("0Mw")


def test_acknowledge(client):
    conversation_id, _ = conversation(client)
    exchange = client.acknowledge(conversation_id, [str(uuid.uuid4()), str(uuid.uuid4())], "Read")
    assert exchange.ok
    assert exchange.status == 200
    assert len(exchange.request.json["acknowledgements"]) == 2


def test_route_queue_and_flow(client):
    conversation_id, _ = conversation(client)
    queue = client.route(conversation_id)
    assert queue.ok
    assert queue.request.json["routingInfo"] == {"queueId": client.profile.queue_id}
    flow = client.route(conversation_id, "Transfer", flow_id=client.profile.flow_id)
    assert flow.ok
    assert flow.request.json["routingInfo"]["flow"] == {"flowId": client.profile.flow_id, "queueId": client.profile.queue_id}


def test_delete_route(client):
    conversation_id, _ = conversation(client)
    assert client.route(conversation_id).ok
    exchange = client.delete_route(conversation_id, "Cancel")
    assert exchange.ok
    assert exchange.request.method == "DELETE"
    assert exchange.request.json == {"conversationIdentifier": conversation_id, "cancelReason": "Cancel"}


def test_routing_result(client):
    conversation_id, session_id = conversation(client)
    assert client.route(conversation_id).ok
    exchange = client.routing_result(conversation_id, session_id, False, error_message="no rep free")
    assert exchange.ok
    assert exchange.request.json["errorMessage"] == "no rep free"


def test_agent_work_create_update_remove(client):
    conversation_id, session_id = conversation(client)
    assert client.route(conversation_id).ok
    created = client.create_agent_work(session_id)
    assert created.ok
    work_id = body(created)["agentWorkId"]
    accepted = client.update_agent_work(work_id, "Accept")
    assert accepted.ok
    assert accepted.request.headers["AuthorizationContextType"] == "ConversationChannelDefinition"
    removed = client.remove_participant(conversation_id)
    assert removed.ok
    assert removed.request.json["participants"][0]["subject"] == client.profile.user_id


def test_agent_work_without_psr(client):
    conversation_id, session_id = conversation(client)
    exchange = client.create_agent_work(
        session_id,
        capacity_weight=1,
        conversation_id=conversation_id,
        routing_correlation_id=str(uuid.uuid4()),
    )
    assert exchange.ok
    assert body(exchange)["agentWorkDetails"]["existPsr"] is False


def test_update_consent(client):
    conversation(client)
    exchange = client.update_consent("OptedOut")
    assert exchange.ok
    assert exchange.request.method == "PATCH"


def test_register_capabilities(client):
    exchange = client.register_capabilities()
    assert exchange.ok
    integration = exchange.request.json["capabilities"]["channelCapabilities"][0]["customIntegration"]
    assert integration["conversationChannelDefinitionDevName"] == client.profile.authorization_context


def test_send_conversation_history(client):
    exchange = client.send_conversation_history(["first", "second"])
    assert exchange.ok
    assert exchange.request.headers["AuthorizationContextType"] == "ConversationChannelDefinition"
    entries = exchange.request.json["conversationEntries"]
    assert entries[0]["clientTimestamp"] < entries[1]["clientTimestamp"]


def test_end_messaging_session(client):
    conversation_id, _ = conversation(client)
    exchange = client.end_messaging_session(conversation_id)
    assert exchange.ok
    assert exchange.status == 200
    assert exchange.request.json["endUserClientId"] == client.profile.end_user_client_id
    assert exchange.request.json["operation"] == "End"


def test_sending_method_signature():
    signature = inspect.signature(InteractionClient.send_attachment)
    assert list(signature.parameters)[1:5] == ["filename", "content", "mime_type", "text"]
    assert signature.parameters["raise_for_error"].default is None
    assert signature.return_annotation == "Exchange"
    assert InteractionClient.send_attachment.__name__ == "send_attachment"


# -- building, headers, sending any request ---------------------------------------


def test_build_returns_unsent_request_without_token(client, box):
    before = len(box.received())
    request = client.build("send_message", text="shown first")
    assert isinstance(request, ApiRequest)
    assert len(box.received()) == before
    assert "Authorization" not in request.headers
    uuid.UUID(request.headers["RequestId"])


@pytest.mark.parametrize("endpoint", [None, 5, {"method": "POST"}])
def test_build_endpoint_not_str(client, endpoint):
    with pytest.raises(TypeError, match="endpoint must be the name of an endpoint method"):
        client.build(endpoint)


def test_build_profile_not_profile(client, box):
    client.profile = box.profile
    with pytest.raises(TypeError, match="profile must be a Profile, got dict"):
        client.build("send_message", text="x")


def test_build_unknown_endpoint(client):
    with pytest.raises(ValueError, match="unknown endpoint method 'send_mesage'"):
        client.build("send_mesage")


def test_standard_headers_filled(client, box):
    request = ApiRequest("POST", "/api/v1/conversation", json=client.build_create_conversation().json)
    exchange = client.send(request)
    assert exchange.ok
    headers = exchange.request.headers
    assert headers["OrgId"] == client.profile.org_id
    assert headers["AuthorizationContext"] == client.profile.authorization_context
    assert headers["Authorization"].startswith("Bearer <token:")
    assert "AuthorizationContextType" not in headers
    uuid.UUID(headers["RequestId"])


def test_fresh_request_id_per_call(client):
    first = client.send_typing()
    second = client.send_typing()
    assert first.request_id != second.request_id


def test_listener_sees_every_exchange(client):
    seen = []
    client.add_listener(seen.append)
    client.send_typing()
    client.send_typing(False)
    assert [e.request.json_part["interactions"][0]["payload"]["entryType"] for e in seen] == [
        "TypingStartedIndicator",
        "TypingStoppedIndicator",
    ]
    client.remove_listener(seen.append)
    client.send_typing()
    assert len(seen) == 2


def test_broken_listener_does_not_break_call(client, caplog):
    def broken(exchange):
        raise RuntimeError("listener bug")

    client.add_listener(broken)
    assert client.send_typing().ok
    assert "listener" in caplog.text


def test_error_exchange_returned_by_default(client):
    exchange = client.routing_result("not-a-conversation", "0MwSBX000000001")
    assert not exchange.ok
    assert exchange.status >= 400


def test_raise_for_error_per_call(client):
    with pytest.raises(FixRequest) as caught:
        client.routing_result("not-a-conversation", "0MwSBX000000001", raise_for_error=True)
    error = caught.value
    assert error.code == 10018
    assert error.request_id in str(error)
    assert error.exchange.status == error.status


def test_raise_for_error_client_default(box):
    box.reset()
    profile = load_profile({**box.profile, "authorization_context": "OtherVendor_CCaaS"})
    with InteractionClient(profile, raise_for_error=True, preflight="off") as api:
        with pytest.raises((FixSetup, RefreshToken)) as caught:
            api.send_message("wrong context")
    assert caught.value.code in (10005, 10001, 10004)


def test_success_false_in_2xx_raises(client):
    conversation_id, _ = conversation(client)
    exchange = client.delete_route(conversation_id)
    assert exchange.status == 202
    assert json.loads(exchange.response_body)["success"] is False
    with pytest.raises(FixRequest):
        client.delete_route(conversation_id, raise_for_error=True)


def test_preflight_block_sends_nothing(client, box):
    client.preflight = "block"
    before = len(box.received())
    request = client.build_create_conversation()
    request.headers["OrgId"] = "not-an-org"
    with pytest.raises(PreflightError) as caught:
        client.send(request)
    assert len(box.received()) == before
    assert caught.value.findings
    assert "nothing was sent" in str(caught.value)


def test_preflight_warn_attaches_findings(client, caplog):
    request = client.build_create_conversation()
    request.headers["OrgId"] = "not-an-org"
    exchange = client.send(request)
    assert exchange.preflight
    assert any(getattr(f, "severity", None) == "error" for f in exchange.preflight)
    assert "preflight" in caplog.text
    assert exchange.to_dict()["preflight"]


def test_preflight_off(client):
    client.preflight = "off"
    request = client.build_create_conversation()
    request.headers["OrgId"] = "not-an-org"
    assert client.send(request).preflight == []


def test_invalid_options(box):
    with pytest.raises(ValueError, match="preflight='loud'"):
        InteractionClient(box, preflight="loud")
    with pytest.raises(ValueError, match="retries"):
        InteractionClient(box, retries=-1)


def test_repr_has_no_token(client):
    text = repr(client) + repr(client.profile)
    assert client.profile.token() not in text


def test_profile_from_sandbox_url(box, monkeypatch):
    for name in ("ISAPI_PROFILE", "ISAPI_BASE_URL"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("ISAPI_SANDBOX_URL", box.url)
    profile = load_profile()
    assert profile.target == "sandbox"
    assert profile.base_url == box.url
    assert profile.token_source.describe() == f"sandbox:{box.url}"
    assert profile.token() == box.profile["access_token"]
    with InteractionClient(profile) as api:
        assert api.send_typing().ok


def test_default_profile_starts_one_sandbox(monkeypatch):
    for name in ("ISAPI_PROFILE", "ISAPI_BASE_URL", "ISAPI_SANDBOX_URL"):
        monkeypatch.delenv(name, raising=False)
    first = load_profile()
    second = load_profile()
    assert first.base_url == second.base_url
    assert first.base_url.startswith("http://127.0.0.1:")
    with InteractionClient() as api:
        assert api.profile.base_url == first.base_url
        assert api.send_typing().ok
