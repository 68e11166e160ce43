"""Sandbox over real HTTP: happy paths, header and token checks, settings, faults,
control endpoints and the OAuth contract."""

from __future__ import annotations

import json
import uuid

import pytest
import requests

from helpers import codes, repro
from helpers.model import ApiRequest
from helpers.sandbox.faults import FaultError
from helpers.sandbox.settings import SettingsError
from helpers.transport import send

EXPECTED_SUCCESS = {
    "interaction_message": (202, {"success", "id", "conversationIdentifier", "workItemIds"}),
    "interaction_typing": (202, {"success", "conversationIdentifier", "workItemIds"}),
    "interaction_delivery_failed": (202, {"success", "conversationIdentifier", "workItemIds"}),
    "interaction_attachment": (202, {"success", "conversationIdentifier", "workItemIds"}),
    "conversation": (202, {"success", "conversationIdentifier", "messagingSessionId"}),
    "acknowledgement": (200, {"success"}),
    "route": (202, {"success", "psrId", "workItemId", "routingCorrelationId"}),
    "route_flow": (202, {"success", "psrId", "workItemId", "routingCorrelationId"}),
    "route_delete": (202, {"success"}),
    "routing_result": (202, {"success"}),
    "agent_work": (202, {"success", "id", "agentWorkId", "agentWorkDetails"}),
    "agent_work_after_route": (202, {"success", "agentWorkId", "agentWorkDetails"}),
    "agent_work_update": (202, {"success"}),
    "consent": (200, {"success"}),
    "capabilities": (200, {"success"}),
    "conversation_history": (202, {"success", "conversationIdentifier", "messagingSessionId"}),
    "participant": (200, {"success"}),
    "messaging_session": (200, {"success"}),
}


def run_setup(name: str, profile: dict) -> dict:
    """Send the setup steps of catalog request ``name``; return the captured values."""
    templates = repro.base_requests()
    steps = repro.setup_steps()
    context: dict = {}
    for step_name in templates[name].get("setup", []):
        step = steps[step_name]
        request = repro.build_request(templates[step["request"]], profile, context, strict=True)
        exchange = send(request, profile["base_url"], decode_findings=False)
        assert exchange.status in (200, 202), exchange.response_body
        for key, field_name in step["capture"].items():
            context[key] = exchange.response_json()[field_name]
    return context


def build(name: str, profile: dict, context: dict | None = None) -> ApiRequest:
    template = repro.base_requests()[name]
    return repro.build_request(template, profile, context or {}, strict=True)


def post(profile: dict, request: ApiRequest):
    return send(request, profile["base_url"], decode_findings=False)


def message_text(code: int, version: str = codes.BASE_VERSION) -> str:
    return codes.message_for(code, version)


@pytest.mark.parametrize("name", sorted(EXPECTED_SUCCESS))
def test_endpoint_happy_path(fresh_sandbox, profile, name):
    context = run_setup(name, profile)
    exchange = post(profile, build(name, profile, context))
    status, keys = EXPECTED_SUCCESS[name]
    body = exchange.response_json()
    assert exchange.status == status, exchange.response_body
    assert body["success"] is True
    assert keys <= set(body)


def test_interaction_creates_session_ids(fresh_sandbox, profile):
    body = post(profile, build("interaction_message", profile)).response_json()
    work_item = body["workItemIds"][0]
    assert len(work_item) == 15
    assert work_item.startswith("0Mw")
    assert str(uuid.UUID(body["conversationIdentifier"])) == body["conversationIdentifier"]


def test_conversation_is_idempotent(fresh_sandbox, profile):
    first = post(profile, build("conversation", profile)).response_json()
    second = post(profile, build("conversation", profile)).response_json()
    via_message = post(profile, build("interaction_message", profile)).response_json()
    assert first["conversationIdentifier"] == second["conversationIdentifier"]
    assert via_message["conversationIdentifier"] == first["conversationIdentifier"]
    assert fresh_sandbox.state()["counts"]["conversations"] == 1


def test_agent_work_ids_and_participant(fresh_sandbox, profile):
    context = run_setup("agent_work", profile)
    body = post(profile, build("agent_work", profile, context)).response_json()
    assert body["agentWorkId"].startswith("0Bz")
    assert len(body["agentWorkId"]) == 15
    conversation = fresh_sandbox.state()["conversations"][0]
    roles = {(p["subject"], p["role"]) for p in conversation["participants"]}
    assert (profile["user_id"], "Agent") in roles


def test_attachment_stored_as_size_and_hash(fresh_sandbox, profile):
    request = build("interaction_attachment", profile)
    assert post(profile, request).status == 202
    stored = fresh_sandbox.state()["conversations"][0]["attachments"][0]
    assert stored["size"] == len(request.attachments[0].content)
    assert len(stored["sha256"]) == 64
    assert "content" not in stored


def test_ended_session_gets_new_one(fresh_sandbox, profile):
    context = run_setup("messaging_session", profile)
    assert post(profile, build("messaging_session", profile, context)).status == 200
    again = post(profile, build("conversation", profile)).response_json()
    assert again["conversationIdentifier"] == context["conversation_identifier"]
    assert again["messagingSessionId"] != context["messaging_session_id"]


# headers and tokens -----------------------------------------------------------


@pytest.mark.parametrize(
    "header, value, code",
    [
        ("OrgId", None, 10016),
        ("OrgId", "00DSBX00000000", 10016),
        ("RequestId", None, 10016),
        ("RequestId", "12345", 10016),
        ("AuthorizationContext", None, 10016),
        ("AuthorizationContext", "", 10016),
        ("Authorization", None, 10004),
        ("Authorization", "Basic abc", 10004),
        ("Authorization", "Bearer 00DSBX000000001!FAKE.unknown.token", 10004),
        ("AuthorizationContext", "OtherVendor_CCaaS", 10005),
        ("AuthorizationContext", "PartnerOne_Nothing", 10005),
        ("OrgId", "00DSBX000000999", 10004),
    ],
    ids=lambda v: str(v),
)
def test_header_check_codes(fresh_sandbox, profile, header, value, code):
    request = build("interaction_message", profile)
    if value is None:
        del request.headers[header]
    else:
        request.headers[header] = value
    exchange = post(profile, request)
    assert exchange.response_json() == {"code": code, "message": message_text(code)}


def test_header_names_case_insensitive(fresh_sandbox, profile):
    request = build("conversation", profile)
    request.headers = {name.lower(): value for name, value in request.headers.items()}
    request.headers["authorization"] = "bearer " + profile["access_token"]
    assert post(profile, request).status == 202


def test_jwt_style_token_accepted(fresh_sandbox, profile):
    request = build("conversation", profile)
    request.headers["Authorization"] = "Bearer " + profile["tokens"]["jwt"]
    assert post(profile, request).status == 202


def test_org_id_18_accepted_unless_strict(fresh_sandbox, profile):
    request = build("conversation", profile)
    request.headers["OrgId"] = profile["org_id"] + "AAA"
    assert post(profile, request).status == 202
    fresh_sandbox.update_settings(strict_org_id_15=True)
    request.headers["RequestId"] = str(uuid.uuid4())
    assert repro.response_code(post(profile, request)) == 10016


@pytest.mark.parametrize("name", ["conversation_history", "agent_work_update"])
def test_context_type_required(fresh_sandbox, profile, name):
    context = run_setup(name, profile)
    request = build(name, profile, context)
    del request.headers["AuthorizationContextType"]
    assert repro.response_code(post(profile, request)) == 10016


def test_context_type_case_setting(fresh_sandbox, profile):
    request = build("capabilities", profile)
    request.headers["AuthorizationContextType"] = "CONVERSATIONCHANNELDEFINITION"
    assert post(profile, request).status == 200
    fresh_sandbox.update_settings(context_type_case_sensitive=True)
    request.headers["RequestId"] = str(uuid.uuid4())
    assert repro.response_code(post(profile, request)) == 10016


def test_context_type_bad_value_rejected(fresh_sandbox, profile):
    request = build("capabilities", profile)
    request.headers["AuthorizationContextType"] = "Channel"
    assert repro.response_code(post(profile, request)) == 10016


def test_unique_request_id_setting(fresh_sandbox, profile):
    request = build("conversation", profile)
    assert post(profile, request).status == 202
    assert post(profile, request).status == 202
    fresh_sandbox.update_settings(unique_request_id=True)
    request.headers["RequestId"] = str(uuid.uuid4())
    assert post(profile, request).status == 202
    assert repro.response_code(post(profile, request)) == 10016


def test_header_errors_come_first(fresh_sandbox, profile):
    request = build("interaction_message", profile)
    request.headers["Authorization"] = "Bearer " + profile["tokens"]["expired"]
    request.headers["RequestId"] = "not-a-uuid"
    assert repro.response_code(post(profile, request)) == 10016


def test_issued_token_accepted(fresh_sandbox, profile):
    token = fresh_sandbox.issue_token("PartnerOne", ["interaction_api"], 60, "jwt")
    request = build("conversation", profile)
    request.headers["Authorization"] = "Bearer " + token
    assert post(profile, request).status == 202
    no_scope = fresh_sandbox.issue_token("PartnerOne", ["api"], 60)
    request.headers["Authorization"] = "Bearer " + no_scope
    request.headers["RequestId"] = str(uuid.uuid4())
    assert repro.response_code(post(profile, request)) == 10003


def test_issue_token_rejects_unknown_app(fresh_sandbox):
    with pytest.raises(ValueError, match="unknown connected app"):
        fresh_sandbox.issue_token("NoSuchApp", ["interaction_api"], 60)
    with pytest.raises(ValueError, match="lifetime_s"):
        fresh_sandbox.issue_token("PartnerOne", ["interaction_api"], 0)


# error shapes and settings -------------------------------------------------------


def consent_failure(fresh_sandbox, profile):
    context = run_setup("consent", profile)
    request = build("consent", profile, context)
    request.json["consentStatus"] = "OptIn"
    return post(profile, request)


def test_error_shape_plain(fresh_sandbox, profile):
    body = consent_failure(fresh_sandbox, profile).response_json()
    assert body == {"code": 10021, "message": message_text(10021)}


def test_error_shape_success_false(fresh_sandbox, profile):
    fresh_sandbox.update_settings(error_shape="success_false")
    body = consent_failure(fresh_sandbox, profile).response_json()
    assert body == {"success": False, "code": 10021, "message": message_text(10021)}


def test_error_shape_error_detail(fresh_sandbox, profile):
    fresh_sandbox.update_settings(error_shape="error_detail")
    body = consent_failure(fresh_sandbox, profile).response_json()
    assert body == {
        "success": False,
        "errorDetail": {"code": 10021, "message": message_text(10021)},
    }


def test_error_detail_only_where_defined(fresh_sandbox, profile):
    fresh_sandbox.update_settings(error_shape="error_detail")
    request = build("conversation", profile)
    request.json["participants"] = []
    body = post(profile, request).response_json()
    assert body == {"code": 10053, "message": message_text(10053)}


def test_status_from_table_and_override(fresh_sandbox, profile):
    exchange = consent_failure(fresh_sandbox, profile)
    assert exchange.status == codes.lookup(10021, codes.BASE_VERSION).http_status
    fresh_sandbox.update_settings(http_status_overrides={"10021": 422})
    assert consent_failure(fresh_sandbox, profile).status == 422


def test_table_version_latest_wording(fresh_sandbox, profile):
    changed = [
        row.code
        for row in codes.all_codes("latest", include_removed=False)
        if row.code in (10013, 10014, 10015)
        and codes.message_for(row.code, "latest") != codes.message_for(row.code)
    ]
    fresh_sandbox.update_settings(table_version="latest")
    context = run_setup("agent_work", profile)
    request = build("agent_work", profile, context)
    request.json["capacityPercentage"] = 50
    body = post(profile, request).response_json()
    assert body["code"] == 10013
    assert body["message"] == codes.message_for(10013, "latest")
    if 10013 in changed:
        assert body["message"] != codes.message_for(10013)


def test_table_version_latest_removed_code(fresh_sandbox, profile):
    fresh_sandbox.update_settings(table_version="latest")
    request = build("conversation_history", profile)
    del request.json["conversationParticipants"][1]["participant"]["role"]
    assert repro.response_code(post(profile, request)) == 10043


def test_missing_file_code_setting(fresh_sandbox, profile):
    request = build("interaction_attachment", profile)
    request.attachments = []
    assert repro.response_code(post(profile, request)) == 10009
    fresh_sandbox.update_settings(missing_file_code=10011)
    request.headers["RequestId"] = str(uuid.uuid4())
    assert repro.response_code(post(profile, request)) == 10011


def test_route_flow_and_queue_setting(fresh_sandbox, profile):
    context = run_setup("route_flow", profile)
    request = build("route_flow", profile, context)
    request.json["routingInfo"]["queueId"] = profile["queue_id"]
    assert post(profile, request).status == 202
    fresh_sandbox.update_settings(route_reject_flow_and_queue=True)
    request.headers["RequestId"] = str(uuid.uuid4())
    assert repro.response_code(post(profile, request)) == 10030


def test_from_max_length_setting(fresh_sandbox, profile):
    request = build("interaction_message", profile)
    request.json_part["from"] = "u" * 250
    assert post(profile, request).status == 202
    fresh_sandbox.update_settings(from_max_length=240)
    request.headers["RequestId"] = str(uuid.uuid4())
    assert repro.response_code(post(profile, request)) == 10028


def test_settings_rejects_unknown_and_bad(fresh_sandbox):
    with pytest.raises(SettingsError, match="unknown sandbox setting"):
        fresh_sandbox.update_settings(colour="blue")
    with pytest.raises(SettingsError, match="error_shape"):
        fresh_sandbox.update_settings(error_shape="xml")
    with pytest.raises(SettingsError, match="http_status_overrides"):
        fresh_sandbox.update_settings(http_status_overrides={"10004": 999})


def test_settings_rejects_unknown_override_code(fresh_sandbox):
    with pytest.raises(SettingsError, match="code 99999 is not in the code table"):
        fresh_sandbox.update_settings(http_status_overrides={"99999": 400})


def test_settings_endpoint_roundtrip(fresh_sandbox):
    url = fresh_sandbox.url + "/__sandbox__/settings"
    response = requests.put(url, json={"error_shape": "success_false"}, timeout=5)
    assert response.status_code == 200
    assert response.json()["error_shape"] == "success_false"
    assert fresh_sandbox.settings.error_shape == "success_false"
    bad = requests.post(url, json={"error_shape": "xml"}, timeout=5)
    assert bad.status_code == 400
    assert "error_shape" in bad.json()["message"]
    assert requests.get(url, timeout=5).json()["error_shape"] == "success_false"


# faults ---------------------------------------------------------------------------


def test_fault_count_consumed(fresh_sandbox, profile):
    fresh_sandbox.inject_fault(10056, count=2)
    returned = [
        repro.response_code(post(profile, build("conversation", profile))) for _ in range(3)
    ]
    assert returned == [10056, 10056, None]
    assert fresh_sandbox.faults() == []


def test_fault_endpoint_scoping(fresh_sandbox, profile):
    fresh_sandbox.inject_fault(500, endpoint="conversation")
    assert post(profile, build("capabilities", profile)).status == 200
    assert repro.response_code(post(profile, build("conversation", profile))) == 500
    assert post(profile, build("conversation", profile)).status == 202


def test_fault_not_consumed_by_invalid(fresh_sandbox, profile):
    fresh_sandbox.inject_fault(20002, endpoint="interactions")
    request = build("interaction_message", profile)
    request.json_part["interactions"] = []
    assert repro.response_code(post(profile, request)) == 20003
    assert len(fresh_sandbox.faults()) == 1
    assert repro.response_code(post(profile, build("interaction_message", profile))) == 20002


def test_read_only_fault_after_auth(fresh_sandbox, profile):
    fresh_sandbox.inject_fault(10019)
    request = build("conversation", profile)
    request.headers["Authorization"] = "Bearer " + profile["tokens"]["expired"]
    assert repro.response_code(post(profile, request)) == 10004
    request = build("conversation", profile)
    request.json["participants"] = []
    exchange = post(profile, request)
    assert repro.response_code(exchange) == 10019
    assert exchange.status == codes.lookup(10019, codes.BASE_VERSION).http_status


def test_fault_leaves_state_unchanged(fresh_sandbox, profile):
    fresh_sandbox.inject_fault(10055, endpoint="interactions")
    assert repro.response_code(post(profile, build("interaction_message", profile))) == 10055
    assert fresh_sandbox.state()["counts"]["conversations"] == 0


def test_fault_endpoint_http_control(fresh_sandbox, profile):
    url = fresh_sandbox.url + "/__sandbox__/faults"
    created = requests.post(url, json={"code": 10055, "count": 3, "endpoint": "route"}, timeout=5)
    assert created.status_code == 201
    listed = requests.get(url, timeout=5).json()["faults"]
    assert listed == [{"code": 10055, "remaining": 3, "endpoint": "route", "stage": "after_validation"}]
    bad = requests.post(url, json={"code": 10004}, timeout=5)
    assert bad.status_code == 400
    assert "cannot be injected" in bad.json()["message"]
    assert requests.delete(url, timeout=5).json() == {"cleared": 1}
    assert requests.get(url, timeout=5).json()["faults"] == []


@pytest.mark.parametrize(
    "code, count, endpoint",
    [(10004, 1, None), (500, 0, None), (500, 1, "nowhere"), ("x", 1, None), (True, 1, None)],
)
def test_inject_fault_rejects_bad(fresh_sandbox, code, count, endpoint):
    with pytest.raises(FaultError):
        fresh_sandbox.inject_fault(code, count, endpoint)


# control endpoints ------------------------------------------------------------------


def test_profile_endpoint(fresh_sandbox):
    body = requests.get(fresh_sandbox.url + "/__sandbox__/profile", timeout=5).json()
    for key in (
        "base_url",
        "org_id",
        "access_token",
        "authorization_context",
        "channel_address_identifier",
        "end_user_client_id",
        "user_id",
        "queue_id",
        "flow_id",
    ):
        assert body[key], key
    assert body == fresh_sandbox.profile
    assert body["base_url"] == fresh_sandbox.url


def test_reset_clears_state(fresh_sandbox, profile):
    post(profile, build("interaction_message", profile))
    fresh_sandbox.inject_fault(500)
    response = requests.post(fresh_sandbox.url + "/__sandbox__/reset", timeout=5)
    assert response.json() == {"reset": True}
    assert fresh_sandbox.state()["counts"]["conversations"] == 0
    assert fresh_sandbox.faults() == []
    assert fresh_sandbox.received() == []


def test_requests_log_masks_tokens(fresh_sandbox, profile):
    post(profile, build("interaction_message", profile))
    records = requests.get(fresh_sandbox.url + "/__sandbox__/requests", timeout=5).json()
    text = str(records)
    assert profile["access_token"] not in text
    record = records["requests"][-1]
    assert record["headers"]["Authorization"].startswith("Bearer <token:")
    assert record["status"] == 202
    assert record["endpoint"] == "interactions"


def test_requests_log_is_bounded(fresh_sandbox, profile):
    fresh_sandbox.update_settings(request_log_size=5)
    for _ in range(8):
        post(profile, build("capabilities", profile))
    assert len(fresh_sandbox.received()) == 5
    assert len(fresh_sandbox.received(limit=2)) == 2


def test_requests_endpoint_limit(fresh_sandbox, profile):
    for _ in range(3):
        post(profile, build("capabilities", profile))
    url = fresh_sandbox.url + "/__sandbox__/requests"
    response = requests.get(url, params={"limit": "2"}, timeout=5)
    assert response.status_code == 200
    assert len(response.json()["requests"]) == 2


@pytest.mark.parametrize("limit", ["abc", "-5", "0", "1.5", "", "\u00b2"])
def test_requests_endpoint_bad_limit(fresh_sandbox, limit):
    url = fresh_sandbox.url + "/__sandbox__/requests"
    response = requests.get(url, params={"limit": limit}, timeout=5)
    assert response.status_code == 400
    body = response.json()
    assert body["error"] == "invalid_limit"
    assert f"limit={limit!r}" in body["message"]
    assert "1 or more" in body["message"]


@pytest.mark.parametrize("limit", [0, -1, "2", True, 1.5])
def test_received_rejects_bad_limit(fresh_sandbox, limit):
    with pytest.raises(ValueError, match="limit must be an integer of 1 or more"):
        fresh_sandbox.received(limit=limit)


def test_state_endpoint_counts(fresh_sandbox, profile):
    post(profile, build("interaction_message", profile))
    body = requests.get(fresh_sandbox.url + "/__sandbox__/state", timeout=5).json()
    assert body["counts"]["conversations"] == 1
    assert body["counts"]["entries"] == 1
    assert body["counts"]["messaging_sessions"] == 1


def test_oauth_path_delegated(fresh_sandbox):
    response = requests.post(fresh_sandbox.url + "/services/oauth2/token", data={}, timeout=5)
    assert response.headers["Content-Type"].startswith("application/json")
    assert response.status_code in (400, 401, 404)


def test_oauth_missing_module_answers_404(fresh_sandbox, monkeypatch):
    def no_oauth(name):
        raise ModuleNotFoundError(f"No module named {name!r}", name=name)

    monkeypatch.setattr("importlib.import_module", no_oauth)
    response = requests.post(fresh_sandbox.url + "/services/oauth2/token", timeout=5)
    assert response.status_code == 404
    assert response.json()["error"] == "oauth_not_available"


def test_start_rejects_non_loopback():
    from helpers import sandbox

    with pytest.raises(ValueError, match="loopback"):
        sandbox.start(host="0.0.0.0")


def test_handle_context_manager_stops():
    from helpers import sandbox

    with sandbox.start() as box:
        url = box.url
        assert requests.get(url + "/__sandbox__/", timeout=5).status_code == 200
    assert not box.running
    with pytest.raises(requests.ConnectionError):
        requests.get(url + "/__sandbox__/", timeout=2)


def test_requests_log_placeholder_matches_secrets(fresh_sandbox, profile):
    from helpers.secrets import token_placeholder

    post(profile, build("conversation", profile))
    header = fresh_sandbox.received()[-1]["headers"]["Authorization"]
    assert header == "Bearer " + token_placeholder(profile["access_token"])


def test_history_attaches_to_session(fresh_sandbox, profile):
    conversation = post(profile, build("conversation", profile)).response_json()
    request = build("conversation_history", profile)
    request.json["messagingSession"] = {
        "messagingSessionRequestType": "AttachMessagingSession",
        "payload": {"sessionId": conversation["messagingSessionId"]},
    }
    body = post(profile, request).response_json()
    assert body["messagingSessionId"] == conversation["messagingSessionId"]
    request = build("conversation_history", profile)
    request.json["conversationParticipants"][0]["participant"]["subject"] = "fake-other-user"
    request.json["conversationEntries"][0]["sender"]["subject"] = "fake-other-user"
    request.json["messagingSession"] = {
        "messagingSessionRequestType": "AttachMessagingSession",
        "payload": {"sessionId": conversation["messagingSessionId"]},
    }
    assert repro.response_code(post(profile, request)) == 500


def test_requests_log_lists_files(fresh_sandbox, profile):
    request = build("interaction_attachment", profile)
    post(profile, request)
    record = fresh_sandbox.received()[-1]
    assert record["files"][0]["filename"] == "receipt.pdf"
    assert record["files"][0]["size"] == len(request.attachments[0].content)
    assert record["body"]["interactions"][0]["interactionType"] == "AttachmentInteraction"


# the same code on other endpoints than the catalog's -------------------------------

OTHER_ENDPOINT_CASES = [
    ("acknowledgement", {"set": {"conversationIdentifier": "{uuid}"}}, 10018),
    ("acknowledgement", {"set": {"sender.subject": "fake-stranger"}}, 10036),
    ("acknowledgement", {"set": {"sender.role": "Agent"}}, 10038),
    ("participant", {"set": {"conversationIdentifier": "{uuid}"}}, 10018),
    ("participant", {"set": {"participants.0.appType": "custom"}}, 10037),
    ("participant", {"set": {"participants": []}}, 10039),
    ("messaging_session", {"set": {"conversationIdentifier": "{uuid}"}}, 10018),
    ("messaging_session", {"set": {"endUserClientId": "fake-stranger"}}, 10020),
    ("messaging_session", {"set": {"endUserClientId": "{end_users.1}"}}, 10025),
    ("messaging_session", {"set": {"channelAddressIdentifier": "{channels.inactive}"}}, 10031),
    ("route_delete", {"set": {"conversationIdentifier": "{uuid}"}}, 10018),
    ("routing_result", {"set": {"workItemId": "0MwSBX999999999"}}, 10012),
    ("routing_result", {"set": {"workItemId": "short"}}, 10012),
    ("routing_result", {"set": {"conversationIdentifier": "{uuid}"}}, 10018),
    ("agent_work", {"set": {"routingContext.conversationIdentifier": "{uuid}"}}, 10018),
    ("agent_work", {"remove": ["capacityWeight"]}, 10013),
    ("conversation", {"set": {"channelAddressIdentifier": "{channels.sms}"}}, 10035),
    ("conversation", {"set": {"channelAddressIdentifier": "{channels.other_app}"}}, 10001),
    ("conversation", {"set": {"channelAddressIdentifier": "{uuid}"}}, 10017),
    ("consent", {"set": {"channelAddressIdentifier": "{channels.unlinked}"}}, 10026),
    ("consent", {"set": {"channelAddressIdentifier": "{channels.foreign_provider}"}}, 10006),
    ("conversation_history", {"set": {"channelAddressIdentifier": "{channels.voice}"}}, 10002),
    ("conversation_history", {"set": {"conversationEntries.0.sender.subject": "x"}}, 10036),
    (
        "conversation_history",
        {"set": {"conversationEntries.0.entryPayload.abstractMessage.messageType": "Nope"}},
        10047,
    ),
    (
        "capabilities",
        {"set": {"capabilities.channelCapabilities.0.messageTypeCapabilities.0.formatTypeCapabilities.0.formatType": "Buttons"}},
        10049,
    ),
    ("capabilities", {"set": {"capabilities.appType": "agent"}}, 10037),
    ("capabilities", {"set": {"capabilities.channelCapabilities.0.customIntegration.integrationNamespace": "acme"}}, 10050),
    ("interaction_delivery_failed", {"set": {"interactions.0.payload.recipient.appType": "agent"}}, 10037),
    ("interaction_delivery_failed", {"set": {"interactions.0.payload.recipient.role": "Agent"}}, 10038),
    ("interaction_typing", {"set": {"interactions.0.timestamp": "now"}}, 10029),
    ("interaction_message", {"set": {"from": "u" * 256}}, 10028),
    ("interaction_message", {"set": {"to": "g" * 241}}, 10027),
]


@pytest.mark.parametrize(
    "name, mistake, code",
    OTHER_ENDPOINT_CASES,
    ids=[f"{name}-{code}" for name, _, code in OTHER_ENDPOINT_CASES],
)
def test_code_on_other_endpoint(fresh_sandbox, profile, name, mistake, code):
    context = run_setup(name, profile)
    template = repro.apply_mistake(repro.base_requests()[name], mistake)
    request = repro.build_request(template, profile, context, strict=True)
    exchange = post(profile, request)
    assert repro.response_code(exchange) == code, exchange.response_body


def test_masked_profile_hides_tokens(fresh_sandbox, profile):
    masked = fresh_sandbox.masked_profile()
    assert profile["access_token"] not in json.dumps(masked)
    assert masked["access_token"].startswith("<token:")
    assert masked["channel_address_identifier"] == profile["channel_address_identifier"]


def test_oauth_settings_validated(fresh_sandbox):
    assert fresh_sandbox.update_settings(oauth_token_style="jwt").oauth_token_style == "jwt"
    with pytest.raises(SettingsError, match="oauth_token_style"):
        fresh_sandbox.update_settings(oauth_token_style="saml")
