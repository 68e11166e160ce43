"""Tests of the log panel that shows the kit's log records in a notebook."""

from __future__ import annotations

import logging

import pytest

from helpers.client import InteractionClient
from helpers.profiles import load_profile
from helpers.widgets import LogPanel

FAKE_TOKEN = "00DFAKE000000000001!fake.token.for.tests"


@pytest.fixture
def panel():
    panel = LogPanel()
    yield panel
    panel.detach()


def test_panel_shows_exchange_line(panel, fresh_sandbox):
    with InteractionClient(load_profile(fresh_sandbox), retries=0) as client:
        client.create_conversation()
    lines = [line for line in panel.value if "POST /api/v1/conversation" in line]
    assert lines, panel.value
    assert "202" in lines[0]
    assert panel.widget.outputs[0]["text"].endswith("\n")


def test_panel_masks_tokens(panel):
    logging.getLogger("helpers.test").info("token %s", FAKE_TOKEN)
    assert FAKE_TOKEN not in str(panel)
    assert "<token:" in str(panel)


def test_panel_keeps_newest_lines():
    panel = LogPanel(max_lines=2)
    try:
        for number in range(3):
            logging.getLogger("helpers.test").warning("line %d", number)
        assert [line.rsplit(" ", 1)[-1] for line in panel.value] == ["1", "2"]
    finally:
        panel.detach()


def test_panel_detach_restores_level():
    logger = logging.getLogger("helpers")
    before = logger.level
    panel = LogPanel(level=logging.DEBUG)
    assert logger.level == logging.DEBUG
    panel.detach()
    assert logger.level == before
    logging.getLogger("helpers.test").warning("after detach")
    assert panel.value == []


def test_panel_clear(panel):
    logging.getLogger("helpers.test").warning("x")
    panel.clear()
    assert panel.value == []
    assert panel.widget.outputs == ()


def test_panel_rejects_zero_lines():
    with pytest.raises(ValueError, match="max_lines must be 1 or more"):
        LogPanel(max_lines=0)
