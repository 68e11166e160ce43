"""Composite widgets used by the walkthrough notebooks.

Each widget has a small public face (``value``, a few methods, display) and
keeps its child widgets private. Callbacks are plain methods that tests call
without a browser. A mistake in the user's input becomes a short notice card
(``InvalidInput``) and any other exception in a callback becomes an error
card.
Every result is also returned as a card that renders as HTML or plain text,
so a saved notebook reads well where widgets do not render.

Importing this package builds no widget.

==========================  ==================================================
widget                      notebook
==========================  ==================================================
``SetupDoctor``             00: token, headers and channel checklist
``DecoderWidget``           01: paste or upload an error, a card per finding
``ReproWidget``             02: choose a code, send, apply the fix, send again
``RunEveryCode``            02: every repro with a progress bar, as a table
``TryIt``                   10 to 14: send variants of one call
``LogPanel``                any: one log line per HTTP exchange
==========================  ==================================================
"""

from helpers.widgets.base import CompositeWidget, InvalidInput, guarded
from helpers.widgets.cards import Card, CardList, checklist, error_card, exchange_card, notice_card
from helpers.widgets.decoder import DecoderWidget, decode_text
from helpers.widgets.repro import ReproWidget, RunEveryCode, matching_cases, request_diff
from helpers.widgets.logs import LogPanel
from helpers.widgets.doctor import Check, SetupDoctor, run_checks
from helpers.widgets.tryit import REMOVE, TryIt, Variant, edit_body, exchange_cards, show_request, with_headers

__all__ = [
    "REMOVE",
    "Variant",
    "edit_body",
    "with_headers",
    "Card",
    "CardList",
    "Check",
    "CompositeWidget",
    "DecoderWidget",
    "InvalidInput",
    "LogPanel",
    "ReproWidget",
    "RunEveryCode",
    "SetupDoctor",
    "TryIt",
    "checklist",
    "decode_text",
    "error_card",
    "exchange_card",
    "exchange_cards",
    "guarded",
    "matching_cases",
    "notice_card",
    "request_diff",
    "run_checks",
    "show_request",
]
