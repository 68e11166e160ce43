"""Preflight checks of the routing endpoints: ``/route``, ``/routingResult``
and ``/agentWork``.

These endpoints serve partner-owned routing in BYOC for CCaaS: the partner
creates a pending routing request, reports where it routed the work, and
creates or updates the AgentWork of a rep.
"""

from __future__ import annotations

import re
from typing import Any

from helpers.preflight.common import (
    INVALID_PARAMETERS,
    ROUTING_TYPES,
    WORK_ITEM_ID_LENGTH,
    check_enum,
    check_required_string,
    describe,
    is_blank,
    is_number,
    join_path,
    type_name,
)
from helpers.preflight.findings import FindingList
from helpers.preflight.interactions import check_routing_attributes

QUEUE_ID_PATTERN = re.compile(r"^00G[A-Za-z0-9]{12}(?:[A-Za-z0-9]{3})?$")
FLOW_ID_PATTERN = re.compile(r"^30[01][A-Za-z0-9]{12}(?:[A-Za-z0-9]{3})?$")
CANCEL_REASONS = ("Unknown", "Unavailable", "Decline", "Cancel")
AGENT_ACTIONS = ("Transfer", "Conference")
WORK_CONTEXT_TYPES = ("Agent", "Chatbot")
WORK_STATUSES = ("Accept", "Close", "Decline", "Cancel")
CONVERSATION_FIX = (
    "Send the conversationIdentifier returned by POST /interactions or "
    "POST /conversation."
)


def check_conversation_identifier(
    out: FindingList, body: dict[str, Any], prefix: str = ""
) -> str | None:
    """Check the ``conversationIdentifier`` field shared by many endpoints."""
    return check_required_string(
        out, body, "conversationIdentifier", prefix, 10018, CONVERSATION_FIX
    )


def check_route(out: FindingList, body: dict[str, Any], profile: Any) -> None:
    """Check the body of ``POST /route``."""
    check_conversation_identifier(out, body)
    routing_type = check_enum(out, body, "routingType", "", ROUTING_TYPES, INVALID_PARAMETERS)
    if routing_type == "Conference":
        out.warning(
            10075,
            "routingType",
            "routingType Conference needs an org release that supports conference "
            "routing; older orgs reject it.",
            "Use Initial or Transfer unless the org supports conferences.",
        )

    if "routingInfo" not in body or body["routingInfo"] is None:
        return
    info = body["routingInfo"]
    if not isinstance(info, dict):
        out.error(
            10030,
            "routingInfo",
            f"routingInfo is the {type_name(info)} {describe(info)}, not an object.",
            "Send routingInfo with either flow or queueId, or leave it out to use "
            "the channel's routing.",
        )
        return

    has_flow = info.get("flow") is not None
    has_queue = not is_blank(info.get("queueId"))
    if not has_flow and not has_queue:
        out.error(
            10030,
            "routingInfo",
            "routingInfo has neither flow nor queueId.",
            'Add "flow": {"flowId": ..., "queueId": ...} or "queueId", or drop '
            "routingInfo to use the channel's routing setting.",
        )
    elif has_flow and has_queue:
        out.warning(
            10030,
            "routingInfo",
            "routingInfo has both flow and queueId; the API expects one of them.",
            "Keep either flow (with its fallback queueId) or queueId.",
        )

    if has_flow:
        _check_flow(out, info["flow"])
    if has_queue:
        _check_queue_id(out, info["queueId"], "routingInfo.queueId")
    check_routing_attributes(
        out, info.get("routingAttributes"), "routingInfo.routingAttributes"
    )


def _check_flow(out: FindingList, flow: Any) -> None:
    fix = 'Send "flow": {"flowId": "300...", "queueId": "00G..."} with both ids.'
    if not isinstance(flow, dict):
        out.error(
            10024,
            "routingInfo.flow",
            f"routingInfo.flow is the {type_name(flow)} {describe(flow)}, not an object.",
            fix,
        )
        return
    for key in ("flowId", "queueId"):
        if is_blank(flow.get(key)):
            out.error(
                10024,
                f"routingInfo.flow.{key}",
                f"routingInfo.flow.{key} is missing; flow routing needs the flow id "
                "and a fallback queue id.",
                fix,
            )
    flow_id = flow.get("flowId")
    if isinstance(flow_id, str) and flow_id.strip() and not FLOW_ID_PATTERN.match(flow_id):
        out.warning(
            None,
            "routingInfo.flow.flowId",
            f"routingInfo.flow.flowId is {describe(flow_id)}, which does not look like a "
            "flow id (15 or 18 characters starting with 300).",
            "Use the id of the Omni-Channel flow's FlowDefinitionView record.",
        )
    if not is_blank(flow.get("queueId")):
        _check_queue_id(out, flow["queueId"], "routingInfo.flow.queueId")


def _check_queue_id(out: FindingList, queue_id: Any, path: str) -> None:
    if not isinstance(queue_id, str) or not QUEUE_ID_PATTERN.match(queue_id):
        out.error(
            10032,
            path,
            f"{path} is {describe(queue_id)}, which is not a queue id (15 or 18 "
            "characters starting with 00G).",
            "Use the id of a Group record of type Queue, starting with 00G.",
        )


def check_delete_route(out: FindingList, body: dict[str, Any], profile: Any) -> None:
    """Check the body of ``DELETE /route``."""
    check_conversation_identifier(out, body)
    reason = body.get("cancelReason")
    if reason is None:
        return
    if not isinstance(reason, str) or reason.lower() not in {r.lower() for r in CANCEL_REASONS}:
        out.error(
            INVALID_PARAMETERS,
            "cancelReason",
            f"cancelReason is {describe(reason)}, which is not one of: "
            f"{', '.join(CANCEL_REASONS)}.",
            f"Set cancelReason to one of: {', '.join(CANCEL_REASONS)}, or leave it out.",
        )
        return
    out.warning(
        10076,
        "cancelReason",
        "cancelReason needs an org release that supports it; older orgs reject the field.",
        "Leave cancelReason out if the org rejects it.",
    )


def check_work_item_id(out: FindingList, body: dict[str, Any], prefix: str = "") -> None:
    """Check a ``workItemId``: a 15-character MessagingSession id."""
    path = join_path(prefix, "workItemId")
    value = body.get("workItemId")
    fix = (
        "Send the 15-character MessagingSession id (workItemIds[0] of the "
        "/interactions response, or messagingSessionId)."
    )
    if is_blank(value):
        out.error(10012, path, f"{path} is {'missing' if value is None else 'blank'}.", fix)
        return
    if not isinstance(value, str):
        out.error(
            10012, path, f"{path} is the {type_name(value)} {describe(value)}, not a string.", fix
        )
        return
    if len(value) != WORK_ITEM_ID_LENGTH:
        hint = (
            f" Use its first 15 characters: {value[:15]}."
            if len(value) == 18
            else ""
        )
        out.error(
            10012,
            path,
            f"{path} is {describe(value)} ({len(value)} characters); it must be exactly "
            f"{WORK_ITEM_ID_LENGTH}.{hint}",
            fix,
        )
        return
    if not value.startswith("0Mw"):
        out.warning(
            None,
            path,
            f"{path} is {describe(value)}, which does not start with 0Mw like "
            "MessagingSession ids do.",
            fix,
        )


def check_routing_result(out: FindingList, body: dict[str, Any], profile: Any) -> None:
    """Check the body of ``POST /routingResult``."""
    check_conversation_identifier(out, body)
    check_work_item_id(out, body)
    success = body.get("success")
    for key in ("success", "externallyRouted"):
        value = body.get(key)
        if not isinstance(value, bool):
            shown = "missing" if value is None else f"the {type_name(value)} {describe(value)}"
            out.error(
                INVALID_PARAMETERS,
                key,
                f"{key} is {shown}; it must be true or false.",
                f"Set {key} to a JSON boolean.",
            )
    message = body.get("errorMessage")
    if success is True and not is_blank(message):
        out.error(
            10033,
            "errorMessage",
            f"success is true but errorMessage is {describe(message)}.",
            "Drop errorMessage when the routing succeeded.",
        )
    elif success is False and is_blank(message):
        out.error(
            10034,
            "errorMessage",
            "success is false but errorMessage is "
            f"{'missing' if message is None else 'blank'}.",
            "Add errorMessage saying why routing failed.",
        )
    check_enum(
        out, body, "routingType", "", ROUTING_TYPES, INVALID_PARAMETERS, required=False
    )


def check_post_agent_work(out: FindingList, body: dict[str, Any], profile: Any) -> None:
    """Check the body of ``POST /agentWork``."""
    user_id = body.get("userId")
    if is_blank(user_id) or not isinstance(user_id, str):
        out.error(
            15106,
            "userId",
            f"userId is {'missing' if user_id is None else describe(user_id)}.",
            "Send the rep's Salesforce user id (005...) or external user id.",
        )
    check_work_item_id(out, body)
    has_capacity = _check_capacity(out, body)
    _check_routing_context(out, body.get("routingContext"), has_capacity)
    _check_agent_actions(out, body.get("agentActionVisibilities"))


def _check_capacity(out: FindingList, body: dict[str, Any]) -> bool:
    weight = body.get("capacityWeight")
    percentage = body.get("capacityPercentage")
    if weight is not None and percentage is not None:
        out.error(
            10013,
            "capacityWeight",
            f"Both capacityWeight ({describe(weight)}) and capacityPercentage "
            f"({describe(percentage)}) are set.",
            "Send only one of capacityWeight and capacityPercentage.",
        )
    if weight is not None and (not is_number(weight) or weight < 0):
        out.error(
            10014,
            "capacityWeight",
            f"capacityWeight is {describe(weight)}; it must be a number of 0 or more.",
            "Set capacityWeight to a number of 0 or more.",
        )
    if percentage is not None and (not is_number(percentage) or not 0 <= percentage <= 100):
        out.error(
            10015,
            "capacityPercentage",
            f"capacityPercentage is {describe(percentage)}; it must be a number from "
            "0 to 100.",
            "Set capacityPercentage between 0 and 100, inclusive.",
        )
    return weight is not None or percentage is not None


def _check_routing_context(out: FindingList, context: Any, has_capacity: bool) -> None:
    if context is None:
        if has_capacity:
            out.warning(
                None,
                "routingContext",
                "A capacity is set but routingContext is missing; without a pending "
                "routing request the API needs both.",
                "Add routingContext with conversationIdentifier, routingType and "
                "routingCorrelationId, or drop the capacity when a route exists.",
            )
        return
    if not isinstance(context, dict):
        out.error(
            10018,
            "routingContext",
            f"routingContext is the {type_name(context)} {describe(context)}, not an object.",
            "Send routingContext as an object.",
        )
        return
    check_conversation_identifier(out, context, "routingContext")
    check_enum(
        out, context, "routingType", "routingContext", ROUTING_TYPES, INVALID_PARAMETERS
    )
    if is_blank(context.get("routingCorrelationId")):
        out.error(
            INVALID_PARAMETERS,
            "routingContext.routingCorrelationId",
            "routingContext.routingCorrelationId is missing.",
            "Send the routingCorrelationId from the POST /route response or the "
            "routing event.",
        )


def _check_agent_actions(out: FindingList, actions: Any) -> None:
    if actions is None:
        return
    if not isinstance(actions, list):
        out.error(
            INVALID_PARAMETERS,
            "agentActionVisibilities",
            f"agentActionVisibilities is the {type_name(actions)} {describe(actions)}, "
            "not an array.",
            'Send [{"agentAction": "Transfer", "visible": true}].',
        )
        return
    for index, action in enumerate(actions):
        path = f"agentActionVisibilities[{index}]"
        item = action if isinstance(action, dict) else {}
        value = check_enum(out, item, "agentAction", path, AGENT_ACTIONS, INVALID_PARAMETERS)
        if value == "Conference":
            out.warning(
                10077,
                f"{path}.agentAction",
                "The Conference agent action needs an org release that supports it.",
                "Drop the Conference action if the org rejects it.",
            )
        if not isinstance(item.get("visible"), bool):
            out.error(
                INVALID_PARAMETERS,
                f"{path}.visible",
                f"{path}.visible is {describe(item.get('visible'))}; it must be true or false.",
                "Set visible to a JSON boolean.",
            )


def check_patch_agent_work(out: FindingList, body: dict[str, Any], profile: Any) -> None:
    """Check the body of ``PATCH /agentWork``."""
    work_id = body.get("workId")
    if is_blank(work_id) or not isinstance(work_id, str):
        out.error(
            10082,
            "workId",
            f"workId is {'missing' if work_id is None else describe(work_id)}.",
            "Send the AgentWork id (0Bz...) returned by POST /agentWork.",
        )
    elif not work_id.startswith("0Bz"):
        out.warning(
            10082,
            "workId",
            f"workId is {describe(work_id)}, which does not start with 0Bz like "
            "AgentWork ids do.",
            "Send the agentWorkId returned by POST /agentWork.",
        )
    context_type = check_enum(out, body, "contextType", "", WORK_CONTEXT_TYPES, 10083)
    check_enum(out, body, "status", "", WORK_STATUSES, 10085)
    if context_type == "Chatbot":
        if is_blank(body.get("botId")):
            out.error(
                10084,
                "botId",
                "contextType is Chatbot but botId is missing.",
                "Send the external bot's id in botId.",
            )
        if is_blank(body.get("workItemId")):
            out.error(
                10012,
                "workItemId",
                "contextType is Chatbot but workItemId is missing.",
                "Send the MessagingSession id in workItemId.",
            )
