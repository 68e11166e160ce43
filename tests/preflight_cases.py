"""Valid requests of every endpoint and the mistakes that break them.

One table drives two tests: preflight must predict each case's code as an
error, and the sandbox must return that code when the same request is sent.
A case names a valid base request, one mistake applied to it, the expected
code, and the code table the sandbox must use to return it (codes that only
later tables list, such as 10089, need ``table="latest"``).

Base requests are built from a context: the sandbox profile, the current time
in epoch milliseconds, and the ids of a conversation that exists. Before a
case that needs a conversation is sent, ``POST /interactions`` creates one,
and ``POST /agentWork`` assigns a rep when the case needs an AgentWork.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from helpers.model import ApiRequest, Attachment

API = "/api/v1/"
PNG_BYTES = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06"
    b"\x00\x00\x00\x1f\x15\xc4\x89\x00\x00\x00\rIDATx\x9cc\xf8\x0f\x00\x00\x01\x01"
    b"\x00\x05\x18\xd8N\x00\x00\x00\x00IEND\xaeB`\x82"
)
FAKE_CONVERSATION = "3f1c2c2e-2b0a-4a7e-9e55-0c6f1d2a9b10"
FAKE_WORK_ITEM = "0MwSBX000000001"
FAKE_AGENT_WORK = "0BzSBX000000001"
HOUR_MS = 3_600_000


FAKE_TOKEN = "00DFAKE00000001!fake.token.for.preflight.tests.KJQ"
# A profile for tests that send nothing; every value is fake.
FAKE_PROFILE = {
    "base_url": "https://acme-fake.my.salesforce-scrt.com",
    "org_id": "00DFAKE00000001",
    "access_token": FAKE_TOKEN,
    "authorization_context": "PartnerOne_ChatChannel",
    "channel_address_identifier": "8c1a5c1e-3a0e-4c47-9b8a-2f1f0a1b2c3d",
    "end_user_client_id": "+15550100",
    "user_id": "005FAKE00000001",
    "queue_id": "00GFAKE00000001",
    "flow_id": "300FAKE00000001",
}


@dataclass
class Context:
    """What a base request needs: a profile, the time and existing ids."""

    profile: dict[str, Any]
    now_ms: int
    conversation_identifier: str = FAKE_CONVERSATION
    work_item_id: str = FAKE_WORK_ITEM
    agent_work_id: str = FAKE_AGENT_WORK


def headers(ctx: Context, context_type: str | None = None) -> dict[str, str]:
    result = {
        "Authorization": f"Bearer {ctx.profile['access_token']}",
        "OrgId": ctx.profile["org_id"],
        "AuthorizationContext": ctx.profile["authorization_context"],
        "RequestId": str(uuid.uuid4()),
    }
    if context_type:
        result["AuthorizationContextType"] = context_type
    return result


def end_user(ctx: Context) -> dict[str, str]:
    return {"appType": "custom", "role": "EndUser", "subject": ctx.profile["end_user_client_id"]}


def text_message(text: str) -> dict[str, Any]:
    entry_id = str(uuid.uuid4())
    return {
        "id": entry_id,
        "entryType": "Message",
        "abstractMessage": {
            "messageType": "StaticContentMessage",
            "id": entry_id,
            "staticContent": {"formatType": "Text", "text": text},
        },
    }


def interaction(ctx: Context, item: dict[str, Any]) -> dict[str, Any]:
    return {
        "to": ctx.profile["channel_address_identifier"],
        "from": ctx.profile["end_user_client_id"],
        "interactions": [item],
    }


def message_request(ctx: Context) -> ApiRequest:
    item = {
        "interactionType": "EntryInteraction",
        "timestamp": ctx.now_ms,
        "payload": text_message("Hello from the preflight tests"),
    }
    return ApiRequest("POST", API + "interactions", headers(ctx), json_part=interaction(ctx, item))


def typing_request(ctx: Context) -> ApiRequest:
    item = {
        "interactionType": "EntryInteraction",
        "timestamp": ctx.now_ms,
        "payload": {
            "id": str(uuid.uuid4()),
            "entryType": "TypingStartedIndicator",
            "timestamp": ctx.now_ms,
        },
    }
    return ApiRequest("POST", API + "interactions", headers(ctx), json_part=interaction(ctx, item))


def delivery_failed_request(ctx: Context) -> ApiRequest:
    item = {
        "interactionType": "EntryInteraction",
        "timestamp": ctx.now_ms,
        "payload": {
            "id": str(uuid.uuid4()),
            "entryType": "MessageDeliveryFailed",
            "recipient": end_user(ctx),
            "errorCode": "503",
            "errorMessage": "The handset was unreachable",
            "failedConversationEntryIdentifier": str(uuid.uuid4()),
        },
    }
    return ApiRequest("POST", API + "interactions", headers(ctx), json_part=interaction(ctx, item))


def attachment_request(ctx: Context) -> ApiRequest:
    item = {
        "interactionType": "AttachmentInteraction",
        "timestamp": ctx.now_ms,
        "id": str(uuid.uuid4()),
        "attachmentIndex": 0,
        "contentLength": len(PNG_BYTES),
        "text": "a one-pixel picture",
    }
    return ApiRequest(
        "POST",
        API + "interactions",
        headers(ctx),
        json_part=interaction(ctx, item),
        attachments=[Attachment("pixel.png", PNG_BYTES, "image/png")],
    )


def conversation_request(ctx: Context) -> ApiRequest:
    body = {
        "channelAddressIdentifier": ctx.profile["channel_address_identifier"],
        "participants": [end_user(ctx)],
    }
    return ApiRequest("POST", API + "conversation", headers(ctx), json=body)


def acknowledgement_request(ctx: Context) -> ApiRequest:
    body = {
        "conversationIdentifier": ctx.conversation_identifier,
        "sender": end_user(ctx),
        "acknowledgements": [
            {
                "acknowledgementType": "Delivered",
                "acknowledgedConversationEntryIdentifier": str(uuid.uuid4()),
                "acknowledgmentCreatedConversationEntryIdentifier": str(uuid.uuid4()),
                "acknowledgementTimestamp": ctx.now_ms,
            }
        ],
    }
    return ApiRequest("POST", API + "acknowledgement", headers(ctx), json=body)


def route_request(ctx: Context) -> ApiRequest:
    body = {
        "conversationIdentifier": ctx.conversation_identifier,
        "routingType": "Initial",
        "routingInfo": {"queueId": ctx.profile["queue_id"]},
    }
    return ApiRequest("POST", API + "route", headers(ctx), json=body)


def flow_route_request(ctx: Context) -> ApiRequest:
    body = {
        "conversationIdentifier": ctx.conversation_identifier,
        "routingType": "Initial",
        "routingInfo": {
            "flow": {"flowId": ctx.profile["flow_id"], "queueId": ctx.profile["queue_id"]},
            "routingAttributes": {"Language": "en_US"},
        },
    }
    return ApiRequest("POST", API + "route", headers(ctx), json=body)


def delete_route_request(ctx: Context) -> ApiRequest:
    body = {"conversationIdentifier": ctx.conversation_identifier}
    return ApiRequest("DELETE", API + "route", headers(ctx), json=body)


def routing_result_request(ctx: Context) -> ApiRequest:
    body = {
        "conversationIdentifier": ctx.conversation_identifier,
        "workItemId": ctx.work_item_id,
        "success": True,
        "externallyRouted": False,
        "routingType": "Initial",
    }
    return ApiRequest("POST", API + "routingResult", headers(ctx), json=body)


def agent_work_request(ctx: Context) -> ApiRequest:
    body = {
        "userId": ctx.profile["user_id"],
        "workItemId": ctx.work_item_id,
        "capacityWeight": 1,
        "routingContext": {
            "conversationIdentifier": ctx.conversation_identifier,
            "routingType": "Initial",
            "routingCorrelationId": str(uuid.uuid4()),
        },
    }
    return ApiRequest("POST", API + "agentWork", headers(ctx), json=body)


def patch_agent_work_request(ctx: Context) -> ApiRequest:
    body = {"workId": ctx.agent_work_id, "contextType": "Agent", "status": "Accept"}
    return ApiRequest(
        "PATCH",
        API + "agentWork",
        headers(ctx, "ConversationChannelDefinition"),
        json=body,
    )


def consent_request(ctx: Context) -> ApiRequest:
    body = {
        "channelAddressIdentifier": ctx.profile["channel_address_identifier"],
        "endUserClientId": ctx.profile["end_user_client_id"],
        "consentStatus": "ExplicitlyOptedIn",
    }
    return ApiRequest("PATCH", API + "consent", headers(ctx), json=body)


def capabilities_request(ctx: Context) -> ApiRequest:
    body = {
        "capabilities": {
            "appType": "custom",
            "channelCapabilities": [
                {
                    "channelType": "custom",
                    "customIntegration": {
                        "customIntegrationType": "CustomChannelIntegration",
                        "integrationNamespace": ctx.profile["org_id"],
                        "conversationChannelDefinitionDevName": ctx.profile[
                            "authorization_context"
                        ],
                    },
                    "messageTypeCapabilities": [
                        {
                            "messageType": "StaticContentMessage",
                            "formatTypeCapabilities": [
                                {"formatType": "Text"},
                                {"formatType": "Attachments"},
                            ],
                        },
                        {
                            "messageType": "ChoicesMessage",
                            "formatTypeCapabilities": [{"formatType": "Buttons"}],
                        },
                    ],
                }
            ],
        }
    }
    return ApiRequest("PATCH", API + "capabilities", headers(ctx), json=body)


def history_request(ctx: Context) -> ApiRequest:
    bot = {"appType": "chatbot", "role": "Chatbot", "subject": "history-bot-1"}
    body = {
        "channelAddressIdentifier": ctx.profile["channel_address_identifier"],
        "conversationParticipants": [
            {"participant": end_user(ctx), "joinedTime": ctx.now_ms - 2 * HOUR_MS},
            {
                "participant": dict(bot),
                "joinedTime": ctx.now_ms - 2 * HOUR_MS,
                "leftTime": ctx.now_ms - HOUR_MS,
                "displayName": "Helper bot",
            },
        ],
        "conversationEntries": [
            {
                "clientTimestamp": ctx.now_ms - 90 * 60_000,
                "sender": end_user(ctx),
                "entryPayload": text_message("My parcel has not arrived"),
            },
            {
                "clientTimestamp": ctx.now_ms - 89 * 60_000,
                "sender": dict(bot),
                "entryPayload": text_message("Let me find a rep for you"),
            },
        ],
    }
    return ApiRequest(
        "POST",
        API + "conversationHistory",
        headers(ctx, "ConversationChannelDefinition"),
        json=body,
    )


def participant_request(ctx: Context) -> ApiRequest:
    body = {
        "conversationIdentifier": ctx.conversation_identifier,
        "operation": "Remove",
        "participants": [
            {"appType": "agent", "role": "Agent", "subject": ctx.profile["user_id"][:15]}
        ],
    }
    return ApiRequest("POST", API + "participant", headers(ctx), json=body)


def messaging_session_request(ctx: Context) -> ApiRequest:
    body = {
        "channelAddressIdentifier": ctx.profile["channel_address_identifier"],
        "conversationIdentifier": ctx.conversation_identifier,
        "endUserClientId": ctx.profile["end_user_client_id"],
        "operation": "End",
        "operationBy": "System",
    }
    return ApiRequest("POST", API + "messagingSession", headers(ctx), json=body)


def bot_entry_request(ctx: Context) -> ApiRequest:
    body = {
        "conversationIdentifier": ctx.conversation_identifier,
        "sender": {"appType": "chatbot", "role": "Chatbot", "subject": "bot-1"},
        "conversationEntries": [
            {"clientTimestamp": ctx.now_ms, "entryPayload": text_message("Hi, I am a bot")}
        ],
    }
    return ApiRequest(
        "POST",
        API + "conversationEntry",
        headers(ctx, "ExternalConversationParticipant"),
        json=body,
    )


def bot_entries_query(ctx: Context) -> ApiRequest:
    body = {
        "conversationIdentifier": ctx.conversation_identifier,
        "startTime": ctx.now_ms - HOUR_MS,
        "endTime": ctx.now_ms,
        "limit": 20,
        "direction": "FROM_END",
    }
    return ApiRequest(
        "GET",
        API + "conversationEntry",
        headers(ctx, "ExternalConversationParticipant"),
        json=body,
    )


# name -> (builder, whether the sandbox serves the endpoint)
BASES: dict[str, tuple[Callable[[Context], ApiRequest], bool]] = {
    "message": (message_request, True),
    "typing": (typing_request, True),
    "delivery_failed": (delivery_failed_request, True),
    "attachment": (attachment_request, True),
    "conversation": (conversation_request, True),
    "acknowledgement": (acknowledgement_request, True),
    "route": (route_request, True),
    "flow_route": (flow_route_request, True),
    "delete_route": (delete_route_request, True),
    "routing_result": (routing_result_request, True),
    "agent_work": (agent_work_request, True),
    "patch_agent_work": (patch_agent_work_request, True),
    "consent": (consent_request, True),
    "capabilities": (capabilities_request, True),
    "history": (history_request, True),
    "participant": (participant_request, True),
    "messaging_session": (messaging_session_request, True),
    "bot_entry": (bot_entry_request, False),
    "bot_entries_query": (bot_entries_query, False),
}


# Mutation helpers: each changes the request in place.
def body(request: ApiRequest) -> dict[str, Any]:
    return request.json_part if request.json_part is not None else request.json


def item0(request: ApiRequest) -> dict[str, Any]:
    return body(request)["interactions"][0]


def payload(request: ApiRequest) -> dict[str, Any]:
    return item0(request)["payload"]


def message(request: ApiRequest) -> dict[str, Any]:
    return payload(request)["abstractMessage"]


def set_header(name: str, value: str | None) -> Callable[[ApiRequest], None]:
    def mutate(request: ApiRequest) -> None:
        if value is None:
            request.headers.pop(name, None)
        else:
            request.headers[name] = value

    return mutate


def set_field(path: str, value: Any) -> Callable[[ApiRequest], None]:
    """Set (or with ``DELETE`` remove) a dotted path of the JSON document."""

    def mutate(request: ApiRequest) -> None:
        target: Any = body(request)
        keys = [int(k) if k.isdigit() else k for k in path.split(".")]
        for key in keys[:-1]:
            target = target[key]
        if value is DELETE:
            del target[keys[-1]]
        else:
            target[keys[-1]] = value

    return mutate


DELETE = object()


def as_json_body(request: ApiRequest) -> None:
    request.json, request.json_part = request.json_part, None


def as_multipart(request: ApiRequest) -> None:
    request.json_part, request.json = request.json, None


def as_raw_body(request: ApiRequest) -> None:
    """Send the JSON document as bytes with no Content-Type header."""
    request.raw_body = json.dumps(request.json).encode("utf-8")
    request.json = None


def duplicate_interaction(request: ApiRequest) -> None:
    items = body(request)["interactions"]
    items.append(dict(items[0]))


def add_file(request: ApiRequest) -> None:
    request.attachments.append(Attachment("pixel.png", PNG_BYTES, "image/png"))


def drop_files(request: ApiRequest) -> None:
    request.attachments = []


def empty_file(request: ApiRequest) -> None:
    request.attachments = [Attachment("empty.png", b"", "image/png")]
    item0(request)["contentLength"] = 0


def huge_file(request: ApiRequest) -> None:
    size = 25 * 1024 * 1024 + 1
    request.attachments = [Attachment("huge.mp4", b"\0" * size, "video/mp4")]
    item0(request)["contentLength"] = size


def second_end_user(request: ApiRequest) -> None:
    participants = body(request)["conversationParticipants"]
    other = {"appType": "custom", "role": "EndUser", "subject": "another-end-user"}
    participants.append({"participant": other, "joinedTime": participants[0]["joinedTime"]})


def bots_only(request: ApiRequest) -> None:
    participants = body(request)["conversationParticipants"]
    participants[:] = [participants[1]]
    entries = body(request)["conversationEntries"]
    entries[:] = [entries[1]]


def shift_entries(offset_ms: int) -> Callable[[ApiRequest], None]:
    def mutate(request: ApiRequest) -> None:
        for entry in body(request)["conversationEntries"]:
            entry["clientTimestamp"] += offset_ms

    return mutate


def chain(*steps: Callable[[ApiRequest], None]) -> Callable[[ApiRequest], None]:
    def mutate(request: ApiRequest) -> None:
        for step in steps:
            step(request)

    return mutate


@dataclass
class Case:
    """One mistake applied to a valid base request, and the code it earns."""

    id: str
    base: str
    mutate: Callable[[ApiRequest], None]
    code: int
    table: str = "2024-11"
    needs_conversation: bool = False
    sandbox_xfail: str | None = None

    def build(self, ctx: Context) -> ApiRequest:
        request = BASES[self.base][0](ctx)
        self.mutate(request)
        return request


HISTORY_ENTRY = "conversationEntries.0"
HISTORY_USER = "conversationParticipants.0.participant"
HISTORY_BOT = "conversationParticipants.1.participant"
INTEGRATION = "capabilities.channelCapabilities.0.customIntegration"
MESSAGE_CAPABILITY = "capabilities.channelCapabilities.0.messageTypeCapabilities.0"

CASES: list[Case] = [
    # Headers
    Case("authorization-missing", "message", set_header("Authorization", None), 10004),
    Case("authorization-basic", "message", set_header("Authorization", "Basic dXNlcjpwYXNz"), 10004),
    Case("orgid-missing", "conversation", set_header("OrgId", None), 10016),
    Case("orgid-malformed", "conversation", set_header("OrgId", "12345"), 10016),
    Case("context-missing", "conversation", set_header("AuthorizationContext", None), 10016),
    Case("context-not-dev-name", "conversation", set_header("AuthorizationContext", "Partner One"), 10005),
    Case("context-type-missing", "history", set_header("AuthorizationContextType", None), 10016),
    Case("context-type-unknown", "history", set_header("AuthorizationContextType", "Channel"), 10016),
    Case("context-type-missing-patch-work", "patch_agent_work", set_header("AuthorizationContextType", None), 10016),
    Case("request-id-missing", "conversation", set_header("RequestId", None), 10016),
    Case("request-id-not-uuid", "conversation", set_header("RequestId", "req-0001"), 10016),
    Case("interactions-as-json", "message", as_json_body, 10016),
    Case("conversation-as-multipart", "conversation", as_multipart, 10016),
    Case("conversation-raw-no-content-type", "conversation", as_raw_body, 10016),
    # POST /interactions: to, from, list
    Case("to-missing", "message", set_field("to", DELETE), 10027),
    Case("to-too-long", "message", set_field("to", "a" * 241), 10027),
    Case("from-missing", "message", set_field("from", DELETE), 10028),
    Case("from-blank", "message", set_field("from", "  "), 10028),
    Case("from-too-long", "message", set_field("from", "u" * 256), 10028),
    Case("interactions-missing", "message", set_field("interactions", DELETE), 10029),
    Case("interactions-empty", "message", set_field("interactions", []), 20003),
    Case("interactions-two", "message", duplicate_interaction, 10029),
    Case("interaction-type-unknown", "message", set_field("interactions.0.interactionType", "TextInteraction"), 10029),
    Case("timestamp-missing", "message", set_field("interactions.0.timestamp", DELETE), 10029),
    Case("timestamp-string", "message", set_field("interactions.0.timestamp", "2026-12-04T10:00:00Z"), 10029),
    Case("payload-missing", "message", set_field("interactions.0.payload", DELETE), 10029),
    Case("entry-type-outbound", "message", set_field("interactions.0.payload.entryType", "RoutingResult"), 10029),
    Case("entry-id-missing", "message", set_field("interactions.0.payload.id", DELETE), 10029),
    Case("message-id-missing", "message", set_field("interactions.0.payload.abstractMessage.id", DELETE), 10029),
    Case("text-missing", "message", set_field("interactions.0.payload.abstractMessage.staticContent.text", DELETE), 10029),
    Case("message-type-unknown", "message", set_field("interactions.0.payload.abstractMessage.messageType", "TextMessage"), 10047),
    Case("message-type-outbound", "message", set_field("interactions.0.payload.abstractMessage.messageType", "ChoicesMessage"), 10047),
    Case("format-type-unknown", "message", set_field("interactions.0.payload.abstractMessage.staticContent.formatType", "PlainText"), 10048),
    Case("format-pair-mismatch", "message", set_field("interactions.0.payload.abstractMessage.staticContent.formatType", "Buttons"), 10049),
    Case("routing-attribute-number", "message", set_field("routingAttributes", {"Priority": 3}), 10089, table="latest"),
    Case("typing-timestamp-missing", "typing", set_field("interactions.0.payload.timestamp", DELETE), 10029),
    # MessageDeliveryFailed
    Case("mdf-recipient-agent-app", "delivery_failed", set_field("interactions.0.payload.recipient.appType", "agent"), 10037),
    Case("mdf-recipient-unknown-app", "delivery_failed", set_field("interactions.0.payload.recipient.appType", "sms"), 10037),
    Case("mdf-recipient-agent-role", "delivery_failed", set_field("interactions.0.payload.recipient.role", "Agent"), 10038),
    Case("mdf-recipient-other-user", "delivery_failed", set_field("interactions.0.payload.recipient.subject", "someone-else"), 10036),
    Case("mdf-error-code-missing", "delivery_failed", set_field("interactions.0.payload.errorCode", DELETE), 10029),
    Case("mdf-error-code-number", "delivery_failed", set_field("interactions.0.payload.errorCode", 503), 10029),
    # AttachmentInteraction
    Case("file-id-blank", "attachment", set_field("interactions.0.id", ""), 10007),
    Case("content-length-missing", "attachment", set_field("interactions.0.contentLength", DELETE), 10010),
    Case("content-length-string", "attachment", set_field("interactions.0.contentLength", "68"), 10010),
    Case("file-missing", "attachment", drop_files, 10009),
    Case("file-empty", "attachment", empty_file, 10009),
    Case("file-too-big", "attachment", huge_file, 10008),
    Case("content-length-wrong", "attachment", set_field("interactions.0.contentLength", 1000), 10051),
    Case("file-with-entry", "message", add_file, 10011),
    Case("two-files", "attachment", add_file, 10011),
    # POST /conversation
    Case("conversation-channel-missing", "conversation", set_field("channelAddressIdentifier", DELETE), 10052),
    Case("conversation-participants-empty", "conversation", set_field("participants", []), 10053),
    Case("conversation-participants-two", "conversation", lambda r: body(r)["participants"].append(dict(body(r)["participants"][0])), 10053),
    Case("conversation-app-type-agent", "conversation", set_field("participants.0.appType", "agent"), 10037),
    Case("conversation-role-agent", "conversation", set_field("participants.0.role", "Agent"), 10038),
    Case("conversation-role-missing", "conversation", set_field("participants.0.role", DELETE), 10040),
    Case("conversation-subject-missing", "conversation", set_field("participants.0.subject", DELETE), 10041),
    Case("conversation-subject-blank", "conversation", set_field("participants.0.subject", " "), 10054),
    # POST /acknowledgement
    Case("ack-conversation-missing", "acknowledgement", set_field("conversationIdentifier", DELETE), 10018),
    Case("ack-sender-app-type", "acknowledgement", set_field("sender.appType", "agent"), 10037, needs_conversation=True),
    Case("ack-sender-role", "acknowledgement", set_field("sender.role", "Agent"), 10038, needs_conversation=True),
    Case("ack-list-empty", "acknowledgement", set_field("acknowledgements", []), 10089, table="latest"),
    Case("ack-type-unknown", "acknowledgement", set_field("acknowledgements.0.acknowledgementType", "Seen"), 10089, table="latest"),
    # POST and DELETE /route
    Case("route-conversation-missing", "route", set_field("conversationIdentifier", DELETE), 10018),
    Case("route-info-empty", "route", set_field("routingInfo", {}), 10030),
    Case("route-flow-no-queue", "flow_route", set_field("routingInfo.flow.queueId", DELETE), 10024),
    Case("route-flow-no-flow-id", "flow_route", set_field("routingInfo.flow.flowId", DELETE), 10024),
    Case("route-queue-not-queue-id", "route", set_field("routingInfo.queueId", "005SBX000000001"), 10032),
    Case("route-flow-queue-not-queue-id", "flow_route", set_field("routingInfo.flow.queueId", "Support Queue"), 10032),
    Case("route-type-unknown", "route", set_field("routingType", "Escalation"), 10089, table="latest"),
    Case("delete-route-conversation-missing", "delete_route", set_field("conversationIdentifier", DELETE), 10018),
    Case("delete-route-reason-unknown", "delete_route", set_field("cancelReason", "Timeout"), 10089, table="latest"),
    # POST /routingResult
    Case("routing-result-success-with-error", "routing_result", set_field("errorMessage", "no rep available"), 10033),
    Case("routing-result-failure-no-error", "routing_result", set_field("success", False), 10034),
    Case("routing-result-work-item-18", "routing_result", lambda r: body(r).update(workItemId=body(r)["workItemId"] + "AAA"), 10012, needs_conversation=True),
    Case("routing-result-conversation-missing", "routing_result", set_field("conversationIdentifier", DELETE), 10018),
    Case("routing-result-success-string", "routing_result", set_field("success", "true"), 10089, table="latest"),
    # POST and PATCH /agentWork
    Case("agent-work-both-capacities", "agent_work", set_field("capacityPercentage", 50), 10013),
    Case("agent-work-negative-weight", "agent_work", set_field("capacityWeight", -1), 10014),
    Case("agent-work-percentage-over", "agent_work", chain(set_field("capacityWeight", DELETE), set_field("capacityPercentage", 101)), 10015),
    Case("agent-work-work-item-short", "agent_work", set_field("workItemId", "0MwSBX"), 10012),
    Case("agent-work-user-missing", "agent_work", set_field("userId", DELETE), 15106, table="latest"),
    Case("agent-work-action-unknown", "agent_work", set_field("agentActionVisibilities", [{"agentAction": "Hold", "visible": True}]), 10089, table="latest"),
    Case("patch-work-id-missing", "patch_agent_work", set_field("workId", DELETE), 10082, table="latest"),
    Case("patch-work-context-type", "patch_agent_work", set_field("contextType", "Bot"), 10083, table="latest"),
    Case("patch-work-status", "patch_agent_work", set_field("status", "Accepted"), 10085, table="latest"),
    Case("patch-work-bot-id-missing", "patch_agent_work", set_field("contextType", "Chatbot"), 10084, table="latest"),
    # PATCH /consent
    Case("consent-channel-missing", "consent", set_field("channelAddressIdentifier", DELETE), 10017),
    Case("consent-end-user-blank", "consent", set_field("endUserClientId", ""), 10020),
    Case("consent-status-unknown", "consent", set_field("consentStatus", "OptedIn"), 10021, needs_conversation=True),
    Case("consent-status-upper-case", "consent", set_field("consentStatus", "OPTEDOUT"), 10021, needs_conversation=True),
    # PATCH /capabilities
    Case("capabilities-app-type", "capabilities", set_field("capabilities.appType", "agent"), 10037),
    Case("capabilities-message-type", "capabilities", set_field(MESSAGE_CAPABILITY + ".messageType", "Text"), 10047),
    Case("capabilities-format-type", "capabilities", set_field(MESSAGE_CAPABILITY + ".formatTypeCapabilities.0.formatType", "Emoji"), 10048),
    Case("capabilities-format-pair", "capabilities", set_field(MESSAGE_CAPABILITY + ".formatTypeCapabilities.0.formatType", "Carousel"), 10049),
    Case("capabilities-integration-type", "capabilities", set_field(INTEGRATION + ".customIntegrationType", "Custom"), 10050),
    Case("capabilities-namespace-missing", "capabilities", set_field(INTEGRATION + ".integrationNamespace", DELETE), 10050),
    Case("capabilities-missing", "capabilities", set_field("capabilities", DELETE), 10089, table="latest"),
    # POST /conversationHistory
    Case("history-channel-missing", "history", set_field("channelAddressIdentifier", DELETE), 10017),
    Case("history-participants-empty", "history", set_field("conversationParticipants", []), 10039),
    Case("history-role-missing", "history", set_field(HISTORY_BOT + ".role", DELETE), 10040),
    Case("history-subject-missing", "history", set_field(HISTORY_BOT + ".subject", DELETE), 10041),
    Case("history-no-end-user", "history", bots_only, 10042),
    Case("history-agent-role", "history", set_field(HISTORY_BOT + ".role", "Agent"), 10043),
    Case("history-unknown-role", "history", set_field(HISTORY_BOT + ".role", "Bot"), 10038),
    Case("history-two-end-users", "history", second_end_user, 10044),
    Case("history-entry-no-sender", "history", set_field(HISTORY_ENTRY + ".sender", DELETE), 10045),
    Case("history-entries-empty", "history", set_field("conversationEntries", []), 10045),
    Case("history-entry-too-old", "history", shift_entries(-25 * HOUR_MS), 10046),
    Case("history-entry-in-future", "history", shift_entries(3 * HOUR_MS), 10046),
    Case("history-message-type", "history", set_field(HISTORY_ENTRY + ".entryPayload.abstractMessage.messageType", "Note"), 10047),
    Case("history-app-type-agent", "history", set_field(HISTORY_BOT + ".appType", "agent"), 10037),
    Case("history-sender-not-participant", "history", set_field(HISTORY_ENTRY + ".sender.subject", "stranger"), 10036),
    Case("history-joined-time-missing", "history", set_field("conversationParticipants.0.joinedTime", DELETE), 10078, table="latest"),
    # POST /participant
    Case("participant-operation-add", "participant", set_field("operation", "Add"), 10097, table="latest"),
    Case("participant-list-empty", "participant", set_field("participants", []), 10039),
    Case("participant-app-type", "participant", set_field("participants.0.appType", "custom"), 10037),
    Case("participant-role", "participant", set_field("participants.0.role", "EndUser"), 10038),
    Case("participant-conversation-missing", "participant", set_field("conversationIdentifier", DELETE), 10018),
    # POST /messagingSession
    Case("session-channel-missing", "messaging_session", set_field("channelAddressIdentifier", DELETE), 10017),
    Case("session-conversation-missing", "messaging_session", set_field("conversationIdentifier", DELETE), 10018),
    Case("session-end-user-blank", "messaging_session", set_field("endUserClientId", ""), 10020),
    Case("session-operation-unknown", "messaging_session", set_field("operation", "Close"), 10102, table="latest"),
    Case("session-operation-by-unknown", "messaging_session", set_field("operationBy", "Agent"), 10103, table="latest"),
    Case("session-inactivate-no-id", "messaging_session", set_field("operation", "Inactivate"), 10106, table="latest"),
]
