"""Partner-owned routing: ``route`` (POST, DELETE), ``routingResult`` and
``agentWork`` (POST, PATCH).

``POST /route`` creates a PendingServiceRouting (PSR) for the conversation's
current MessagingSession, and ``DELETE /route`` cancels it. ``POST
/agentWork`` assigns the work item to a rep, with or without a PSR, and adds
the rep to the conversation. ``PATCH /agentWork`` moves the work through
Accept, Close, Decline or Cancel.
"""

from __future__ import annotations

import uuid
from typing import Any

from helpers.sandbox.endpoints import (
    INVALID_PARAMETERS,
    MAX_IDENTIFIER_LENGTH,
    Call,
    check_string_map,
    choice,
    conversation_for,
    number,
    session_for_work_item,
    text,
)
from helpers.preflight.common import ROUTING_TYPES
from helpers.sandbox.responses import ApiError
from helpers.sandbox.state import AGENT_WORK_PREFIX, PSR_PREFIX, AgentWork, Participant
from helpers.sandbox.state import RoutingRequest

CANCEL_REASONS = ("Unknown", "Unavailable", "Decline", "Cancel")
AGENT_ACTIONS = ("Transfer", "Conference")
CONTEXT_TYPES = ("Agent", "Chatbot")
WORK_STATUSES = {"Accept": "Opened", "Close": "Closed", "Decline": "Declined", "Cancel": "Canceled"}


def post_route(call: Call) -> tuple[int, dict[str, Any]]:
    body = _object(call)
    identifier = text(body, "conversationIdentifier", 10018)
    routing_type = choice(body, "routingType", ROUTING_TYPES, call.later(INVALID_PARAMETERS))

    routing_info = body.get("routingInfo")
    context = _check_routing_info(call, routing_info)

    conversation = conversation_for(call, identifier)

    call.validated()
    session = call.state.active_session(conversation)
    for pending in call.state.routing_requests.values():
        if pending.work_item_id == session.id and pending.status == "Pending":
            pending.status = "Replaced"
    request = RoutingRequest(
        psr_id=call.state.new_id(PSR_PREFIX),
        conversation_identifier=conversation.identifier,
        work_item_id=session.id,
        routing_type=routing_type,
        routing_correlation_id=str(uuid.uuid4()),
        routing_info=routing_info,
    )
    call.state.add_routing_request(request)
    return 202, {
        "success": True,
        "psrId": request.psr_id,
        "workItemId": request.work_item_id,
        "routingCorrelationId": request.routing_correlation_id,
        "reasonForNotRouting": None,
        "contextParamMap": context,
        "errors": [],
    }


def _check_routing_info(call: Call, routing_info: Any) -> dict[str, str]:
    """Check ``routingInfo`` (10024, 10030, 10032); return the context map."""
    if routing_info is None:
        return {}
    if not isinstance(routing_info, dict):
        raise ApiError(10030, "routingInfo is not an object")
    check_string_map(call, routing_info.get("routingAttributes"), "routingInfo.routingAttributes")
    flow = routing_info.get("flow")
    queue_id = routing_info.get("queueId")
    if flow is None and queue_id is None:
        raise ApiError(10030, "routingInfo has neither flow nor queueId")
    if flow is not None and queue_id is not None and call.settings.route_reject_flow_and_queue:
        raise ApiError(10030, "routingInfo has both flow and queueId")
    if flow is not None:
        if not isinstance(flow, dict):
            raise ApiError(10024, "routingInfo.flow is not an object")
        flow_id = text(flow, "flowId", 10024)
        fallback = text(flow, "queueId", 10024)
        if flow_id not in call.fixture.flows:
            raise ApiError(10024, f"flow {flow_id!r} is not in the org")
        if fallback not in call.fixture.queues:
            raise ApiError(10032, f"fallback queue {fallback!r} is not in the org")
        return {"flowId": flow_id, "queueId": fallback}
    if not isinstance(queue_id, str) or queue_id not in call.fixture.queues:
        raise ApiError(10032, f"queue {queue_id!r} is not in the org")
    return {"queueId": queue_id}


def delete_route(call: Call) -> tuple[int, dict[str, Any]]:
    body = _object(call)
    identifier = text(body, "conversationIdentifier", 10018)
    # The spec spells the reasons in mixed case, the docs in upper case.
    choice(
        body,
        "cancelReason",
        CANCEL_REASONS,
        call.later(INVALID_PARAMETERS),
        required=False,
        case_sensitive=False,
    )

    conversation = conversation_for(call, identifier)

    call.validated()
    cancelled = 0
    for request in call.state.routing_requests.values():
        if request.conversation_identifier == conversation.identifier and (
            request.status == "Pending"
        ):
            request.status = "Cancelled"
            cancelled += 1
    return 202, {"success": cancelled > 0}


def post_routing_result(call: Call) -> tuple[int, dict[str, Any]]:
    body = _object(call)
    identifier = text(body, "conversationIdentifier", 10018, MAX_IDENTIFIER_LENGTH)
    invalid = call.later(INVALID_PARAMETERS)
    for key in ("success", "externallyRouted"):
        if not isinstance(body.get(key), bool):
            raise ApiError(invalid, f"{key} must be true or false")
    choice(body, "routingType", ROUTING_TYPES, invalid, required=False)

    message = body.get("errorMessage")
    has_message = isinstance(message, str) and bool(message.strip())
    if body["success"] and has_message:
        raise ApiError(10033, "errorMessage sent with success true")
    if not body["success"] and not has_message:
        raise ApiError(10034, "errorMessage missing with success false")

    conversation = conversation_for(call, identifier)
    session = session_for_work_item(call, body.get("workItemId"), conversation.identifier)

    call.validated()
    pending = call.state.pending_routing(session.id)
    if pending is not None:
        pending.status = "Routed" if body["success"] else "Failed"
    call.state.routing_results.append(
        {
            "conversationIdentifier": conversation.identifier,
            "workItemId": session.id,
            "success": body["success"],
            "externallyRouted": body["externallyRouted"],
            "errorMessage": message if has_message else None,
        }
    )
    return 202, {"success": True}


def post_agent_work(call: Call) -> tuple[int, dict[str, Any]]:
    body = _object(call)
    user_id = text(body, "userId", call.later(15106))
    weight, percentage = _check_capacity(body)
    _check_visibilities(call, body.get("agentActionVisibilities"))

    if not isinstance(body.get("workItemId"), str):
        raise ApiError(10012, "workItemId is missing")
    session = session_for_work_item(call, body["workItemId"])
    psr = call.state.pending_routing(session.id)
    routing_context = None
    if psr is None:
        routing_context = _check_routing_context(call, body, session)
        if weight is None and percentage is None:
            raise ApiError(10013, "without a PSR, send capacityWeight or capacityPercentage")
    if user_id[:15] not in call.fixture.users:
        raise ApiError(call.later(15106), f"user {user_id!r} is not in the org")

    call.validated()
    conversation = call.state.conversation(session.conversation_identifier)
    work = AgentWork(
        id=call.state.new_id(AGENT_WORK_PREFIX),
        user_id=user_id,
        work_item_id=session.id,
        psr_id=psr.psr_id if psr else None,
        capacity_weight=weight,
        capacity_percentage=percentage,
        routing_context=routing_context,
    )
    call.state.add_agent_work(work)
    if psr is not None:
        psr.status = "Assigned"
    if conversation is not None and not conversation.has_participant(user_id, "Agent"):
        conversation.participants.append(Participant(user_id, "Agent", "agent"))
    return 202, {
        "success": True,
        "id": work.id,
        "agentWorkId": work.id,
        "agentWorkDetails": {
            "existPsr": psr is not None,
            "psrId": work.psr_id,
            "capacityPercentage": percentage,
            "capacityWeight": weight,
            "routingContext": routing_context,
        },
    }


def _check_capacity(body: dict) -> tuple[float | None, float | None]:
    weight = body.get("capacityWeight")
    percentage = body.get("capacityPercentage")
    if weight is not None and percentage is not None:
        raise ApiError(10013, "both capacityWeight and capacityPercentage sent")
    if weight is not None and (not number(weight) or weight < 0):
        raise ApiError(10014, f"capacityWeight {weight!r} is not a number >= 0")
    if percentage is not None and (not number(percentage) or not 0 <= percentage <= 100):
        raise ApiError(10015, f"capacityPercentage {percentage!r} is not within 0..100")
    return weight, percentage


def _check_visibilities(call: Call, visibilities: Any) -> None:
    if visibilities is None:
        return
    invalid = call.later(INVALID_PARAMETERS)
    if not isinstance(visibilities, list):
        raise ApiError(invalid, "agentActionVisibilities is not an array")
    for item in visibilities:
        choice(item, "agentAction", AGENT_ACTIONS, invalid)
        if not isinstance(item.get("visible"), bool):
            raise ApiError(invalid, "agentActionVisibilities[].visible is not a boolean")


def _check_routing_context(call: Call, body: dict, session) -> dict:
    context = body.get("routingContext")
    if not isinstance(context, dict):
        raise ApiError(10018, "without a PSR, routingContext with a conversation is required")
    identifier = context.get("conversationIdentifier")
    conversation = conversation_for(call, identifier)
    if conversation.identifier != session.conversation_identifier:
        raise ApiError(call.later(15107, 10018), "workItemId is not in this conversation")
    invalid = call.later(INVALID_PARAMETERS)
    choice(context, "routingType", ROUTING_TYPES, invalid)
    text(context, "routingCorrelationId", invalid)
    return context


def patch_agent_work(call: Call) -> tuple[int, dict[str, Any]]:
    body = _object(call)
    work_id = text(body, "workId", call.later(10082))
    context_type = choice(body, "contextType", CONTEXT_TYPES, call.later(10083))
    status = choice(body, "status", tuple(WORK_STATUSES), call.later(10085))
    if context_type == "Chatbot":
        text(body, "botId", call.later(10084))
        session_for_work_item(call, body.get("workItemId"))

    work = call.state.agent_works.get(work_id)
    if work is None:
        raise ApiError(call.later(10082), f"no AgentWork {work_id!r}")

    call.validated()
    work.status = WORK_STATUSES[status]
    if status in ("Decline", "Cancel"):
        session = call.state.session(work.work_item_id)
        conversation = call.state.conversation(session.conversation_identifier) if session else None
        if conversation is not None:
            conversation.participants = [
                p
                for p in conversation.participants
                if not (p.subject == work.user_id and p.role == "Agent")
            ]
    return 202, {"success": True}


def _object(call: Call) -> dict:
    return call.body if isinstance(call.body, dict) else {}
