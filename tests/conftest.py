"""Shared pytest fixtures: a real sandbox on 127.0.0.1 for every HTTP test.

Fixtures (names are stable; other test modules rely on them):

``sandbox``
    Session-scoped ``helpers.sandbox.SandboxHandle`` serving the default
    fixture (``data/sandbox_org.json``) with default settings on a free port.
    Tests that use it directly share its state; use ``fresh_sandbox`` to
    start clean.
``fresh_sandbox``
    The same sandbox, reset before the test (conversations, sessions,
    routing, work, faults and the request log cleared) with default
    settings, and reset again after it.
``profile``
    The default connection profile of ``fresh_sandbox`` as a dict
    (``base_url``, ``org_id``, ``access_token``, ``authorization_context``,
    ``channel_address_identifier``, ``end_user_client_id``, ``user_id``,
    ``queue_id``, ``flow_id`` and the fixture's alternates).
"""

from __future__ import annotations

import pytest

from helpers import sandbox as sandbox_module
from helpers.sandbox.settings import Settings


@pytest.fixture(scope="session")
def sandbox():
    handle = sandbox_module.start()
    try:
        yield handle
    finally:
        handle.stop()


def _restore(handle) -> None:
    handle.app.update_settings(Settings().to_dict())
    handle.reset()


@pytest.fixture
def fresh_sandbox(sandbox):
    _restore(sandbox)
    try:
        yield sandbox
    finally:
        _restore(sandbox)


@pytest.fixture
def profile(fresh_sandbox):
    return fresh_sandbox.profile
