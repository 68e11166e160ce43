"""Preflight against the repro catalog (``data/repros.json``).

The catalog holds, for each code, a valid request and the mistake that makes
the API return the code. Every valid request must pass preflight without an
error, and every mistake that is visible in the request alone must be
predicted with its code. The other mistakes depend on the org's state (an
unknown conversation, an expired token, a channel of another vendor), so
preflight cannot see them.
"""

from __future__ import annotations

import uuid

import pytest

from helpers import preflight, repro

# Codes whose catalog mistake is in the request itself.
REQUEST_VISIBLE_CODES = frozenset(
    {10007, 10008, 10009, 10010, 10011, 10013, 10014, 10015, 10016, 10021, 10024}
    | {10027, 10028, 10029, 10030, 10033, 10034, 10037, 10038, 10039, 10040, 10041}
    | {10042, 10043, 10044, 10045, 10046, 10047, 10048, 10049, 10051, 10052, 10053}
    | {10054, 20003}
)
CATALOG = repro.catalog()


def setup_values() -> dict[str, str]:
    """Return well-formed stand-ins for the ids that setup steps capture."""
    return {
        "conversation_identifier": str(uuid.uuid4()),
        "messaging_session_id": "0MwSBX000000001",
        "psr_id": "0JsSBX000000001",
        "routing_correlation_id": str(uuid.uuid4()),
        "agent_work_id": "0BzSBX000000001",
    }


@pytest.mark.parametrize("code", sorted(CATALOG))
def test_repro_fixed_request_passes(code, sandbox):
    request = repro.build_fixed(CATALOG[code], dict(sandbox.profile), setup_values())

    findings = preflight.check(request, profile=sandbox.profile)

    assert [str(f) for f in findings if f.is_error] == []


@pytest.mark.parametrize("code", sorted(REQUEST_VISIBLE_CODES))
def test_repro_mistake_predicted(code, sandbox):
    request = repro.build_failing(CATALOG[code], dict(sandbox.profile), setup_values())

    findings = preflight.check(request, profile=sandbox.profile)

    assert code in [f.code for f in findings if f.is_error], [str(f) for f in findings]


def test_visible_codes_are_in_catalog():
    assert REQUEST_VISIBLE_CODES <= set(CATALOG)
