"""The preflight case table, checked twice: by preflight and by the sandbox.

Every case applies one mistake to a valid request. Preflight must predict
the case's code as an error, and the sandbox, sent the same request over
HTTP, must return that code in its body.
"""

from __future__ import annotations

import time

import pytest

from helpers import preflight
from helpers.preflight import headers as preflight_headers
from helpers.sandbox.settings import Settings
from helpers.transport import send

import preflight_cases as cases

CASE_PARAMS = [
    pytest.param(
        case,
        id=case.id,
        marks=[pytest.mark.xfail(strict=True, reason=case.sandbox_xfail)]
        if case.sandbox_xfail
        else [],
    )
    for case in cases.CASES
]
SERVED_BASES = [name for name, (_, served) in cases.BASES.items() if served]


def now_ms() -> int:
    return int(time.time() * 1000)


@pytest.fixture
def offline_context(profile):
    return cases.Context(dict(profile), now_ms())


def use_table(handle, table: str) -> None:
    handle.app.update_settings({**Settings().to_dict(), "table_version": table})


# Bases whose requests refer to a conversation, or to a rep's AgentWork.
CONVERSATION_BASES = {
    "acknowledgement", "route", "flow_route", "delete_route", "routing_result",
    "agent_work", "consent", "messaging_session",
}
AGENT_WORK_BASES = {"patch_agent_work", "participant"}


def open_conversation(handle, profile, *, assign_rep: bool = False) -> cases.Context:
    """Create a conversation in the sandbox and return a context naming it.

    With ``assign_rep``, also assign the profile's rep to it through
    ``POST /agentWork`` and keep the AgentWork id.
    """
    ctx = cases.Context(dict(profile), now_ms())
    exchange = send(cases.message_request(ctx), handle.url)
    assert exchange.status == 202, exchange.response_body
    answer = exchange.response_json()
    ctx.conversation_identifier = answer["conversationIdentifier"]
    ctx.work_item_id = answer["workItemIds"][0]
    if assign_rep:
        work = send(cases.agent_work_request(ctx), handle.url)
        assert work.status == 202, work.response_body
        ctx.agent_work_id = work.response_json()["agentWorkId"]
    return ctx


def sandbox_context(handle, base: str, needs_conversation: bool) -> cases.Context:
    if base in AGENT_WORK_BASES:
        return open_conversation(handle, handle.profile, assign_rep=True)
    if needs_conversation or base in CONVERSATION_BASES:
        return open_conversation(handle, handle.profile)
    return cases.Context(dict(handle.profile), now_ms())


def response_code(exchange) -> int | None:
    body = exchange.response_json()
    if not isinstance(body, dict):
        return None
    if "code" in body:
        return body["code"]
    detail = body.get("errorDetail")
    return detail.get("code") if isinstance(detail, dict) else None


@pytest.mark.parametrize("case", [pytest.param(c, id=c.id) for c in cases.CASES])
def test_preflight_predicts_case_code(case, offline_context):
    request = case.build(offline_context)

    findings = preflight.check(request, profile=offline_context.profile)

    error_codes = [f.code for f in findings if f.severity == "error"]
    assert case.code in error_codes, [str(f) for f in findings]


@pytest.mark.parametrize("case", CASE_PARAMS)
def test_sandbox_returns_case_code(case, fresh_sandbox):
    ctx = sandbox_context(fresh_sandbox, case.base, case.needs_conversation)
    use_table(fresh_sandbox, case.table)
    request = case.build(ctx)

    exchange = send(request, fresh_sandbox.url)

    assert exchange.status is not None, exchange.error
    assert response_code(exchange) == case.code, exchange.response_body


@pytest.mark.parametrize("name", list(cases.BASES))
def test_valid_base_has_no_errors(name, offline_context):
    request = cases.BASES[name][0](offline_context)

    findings = preflight.check(request, profile=offline_context.profile)

    assert [str(f) for f in findings if f.severity == "error"] == []


@pytest.mark.parametrize("name", SERVED_BASES)
def test_valid_base_accepted_by_sandbox(name, fresh_sandbox):
    ctx = sandbox_context(fresh_sandbox, name, True)
    request = cases.BASES[name][0](ctx)

    exchange = send(request, fresh_sandbox.url)

    assert exchange.status is not None and exchange.status < 300, exchange.response_body
    assert response_code(exchange) is None, exchange.response_body


def test_table_covers_request_codes():
    # Every code that a mistake in the request itself can earn.
    expected = {
        10004, 10005, 10007, 10008, 10009, 10010, 10011, 10012, 10013, 10014,
        10015, 10016, 10017, 10018, 10020, 10021, 10024, 10027, 10028, 10029,
        10030, 10032, 10033, 10034, 10036, 10037, 10038, 10039, 10040, 10041,
        10042, 10043, 10044, 10045, 10046, 10047, 10048, 10049, 10050, 10051,
        10052, 10053, 10054, 20003,
    }

    covered = {case.code for case in cases.CASES}

    assert expected - covered == set()


def test_case_ids_unique():
    ids = [case.id for case in cases.CASES]

    assert len(ids) == len(set(ids))


def test_strict_org_id_matches_sandbox(fresh_sandbox):
    fresh_sandbox.app.update_settings({**Settings().to_dict(), "strict_org_id_15": True})
    ctx = cases.Context(dict(fresh_sandbox.profile), now_ms())
    request = cases.conversation_request(ctx)
    org15 = request.headers["OrgId"]
    request.headers["OrgId"] = org15 + preflight_headers.org_id_checksum(org15)

    lenient = preflight.check(request, profile=ctx.profile)
    strict = preflight.check(request, profile=ctx.profile, strict_org_id_15=True)
    exchange = send(request, fresh_sandbox.url)

    assert [f for f in lenient if f.is_error] == []
    assert [f.code for f in strict if f.is_error] == [10016]
    assert response_code(exchange) == 10016, exchange.response_body
