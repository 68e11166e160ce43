"""Result cards: small objects that render as HTML in a notebook and as plain
text everywhere else.

A card is what a widget callback shows in its ``Output`` and what a widget
method returns, so a notebook saved without widget state still shows every
result to its reader. Cards escape every value they are given and pass free
text through ``helpers.secrets.mask_text``, so no token reaches a rendered
card. Each card carries CSS classes (``isapi-card`` plus one per kind) that
the browser test uses as stable selectors.
"""

from __future__ import annotations

import html
import json
import traceback
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from helpers.secrets import mask_text

# Card kinds and the border colour of each.
KIND_COLOURS = {
    "info": "#1f6feb",
    "ok": "#1a7f37",
    "fail": "#cf222e",
    "warn": "#9a6700",
    "error": "#8250df",
}

# Response bodies longer than this many characters are cut in cards.
MAX_BODY_CHARS = 4000


def _escape(value: Any) -> str:
    return html.escape(mask_text(str(value)))


@dataclass
class Card:
    """A titled block of labelled rows, with an optional preformatted body.

    Parameters
    ----------
    title
        One line that states what happened.
    kind
        One of ``info``, ``ok``, ``fail``, ``warn`` or ``error``.
    rows
        ``(label, value)`` pairs shown as a two-column list; a value of None
        leaves the row out.
    body
        Preformatted text shown under the rows, such as a JSON body or a
        diff.
    css_class
        An extra CSS class for browser selectors, such as ``isapi-success``.
    details
        Secondary text for someone debugging the kit, such as an exception
        and where it was raised. HTML shows it in a collapsed ``<details>``
        block and plain text shows it last.

    Examples
    --------
    >>> print(Card("Sent", "ok", [("status", 202)]))
    [ok] Sent
      status: 202
    """

    title: str
    kind: str = "info"
    rows: Sequence[tuple[str, Any]] = field(default_factory=list)
    body: str | None = None
    css_class: str | None = None
    details: str | None = None

    def __post_init__(self) -> None:
        if self.kind not in KIND_COLOURS:
            raise ValueError(
                f"invalid card kind {self.kind!r}; use one of {', '.join(KIND_COLOURS)}"
            )

    def _visible_rows(self) -> list[tuple[str, Any]]:
        return [(label, value) for label, value in self.rows if value is not None]

    def __str__(self) -> str:
        lines = [f"[{self.kind}] {mask_text(self.title)}"]
        lines += [f"  {label}: {mask_text(str(value))}" for label, value in self._visible_rows()]
        if self.body:
            lines += ["", mask_text(self.body)]
        if self.details:
            lines += ["  details: " + mask_text(self.details)]
        return "\n".join(lines)

    def __repr__(self) -> str:
        return str(self)

    def _repr_html_(self) -> str:
        colour = KIND_COLOURS[self.kind]
        classes = f"isapi-card isapi-card-{self.kind}"
        if self.css_class:
            classes += f" {html.escape(self.css_class)}"
        rows = "".join(
            f"<tr><th style='text-align:left;padding-right:1em;vertical-align:top'>"
            f"{_escape(label)}</th><td style='text-align:left'>{_escape(value)}</td></tr>"
            for label, value in self._visible_rows()
        )
        body = (
            f"<pre style='white-space:pre-wrap;margin:0.4em 0 0'>{_escape(self.body)}</pre>"
            if self.body
            else ""
        )
        details = (
            "<details class='isapi-card-details' style='margin:0.4em 0 0'>"
            "<summary>Details</summary>"
            f"<pre style='white-space:pre-wrap;margin:0'>{_escape(self.details)}</pre></details>"
            if self.details
            else ""
        )
        return (
            f"<div class='{classes}' style='border-left:4px solid {colour};"
            f"padding:0.4em 0.8em;margin:0.3em 0'>"
            f"<div class='isapi-card-title'><b>{_escape(self.title)}</b></div>"
            f"<table>{rows}</table>{body}{details}</div>"
        )


@dataclass
class CardList:
    """Several cards shown one after the other, with an optional heading."""

    cards: list[Any]
    heading: str | None = None

    def __str__(self) -> str:
        parts = [self.heading] if self.heading else []
        parts += [str(card) for card in self.cards]
        return "\n\n".join(parts)

    def __repr__(self) -> str:
        return str(self)

    def __len__(self) -> int:
        return len(self.cards)

    def _repr_html_(self) -> str:
        heading = f"<p><b>{_escape(self.heading)}</b></p>" if self.heading else ""
        return heading + "".join(_html_of(card) for card in self.cards)


def _html_of(item: Any) -> str:
    render = getattr(item, "_repr_html_", None)
    if callable(render):
        return render()
    return f"<pre>{_escape(item)}</pre>"


def error_card(action: str, exc: BaseException) -> Card:
    """Build the card shown when a widget action raises an unexpected exception.

    Parameters
    ----------
    action
        What the widget was doing, such as ``"sending the request"``.
    exc
        The exception that was caught.

    Returns
    -------
    Card
        A card of kind ``error`` whose advice fits a user who pressed a
        button. The exception type, message and the place in the code where
        it was raised go in the collapsed ``details``, never a full
        traceback.
    """
    frames = traceback.extract_tb(exc.__traceback__)
    details = f"{type(exc).__name__}: {exc}"
    if frames:
        details += f"\nraised at {frames[-1].filename}:{frames[-1].lineno}"
    return Card(
        title=f"Failed while {action}",
        kind="error",
        rows=[
            ("reason", str(exc) or type(exc).__name__),
            (
                "what to do",
                "Check the inputs above and press the button again to retry. If it "
                "fails again, restart the kernel, run the notebook from the top, and "
                "report the details below if the failure remains.",
            ),
        ],
        css_class="isapi-error",
        details=details,
    )


def notice_card(message: str, title: str = "Check the input") -> Card:
    """Build the card shown when the user's input cannot be used as it is.

    Parameters
    ----------
    message
        One or two plain sentences that state what is missing or wrong and
        what to type, such as ``"Paste an error body into the box, then
        press Decode."``.
    title
        The card's title.

    Returns
    -------
    Card
        A card of kind ``warn`` with the CSS class ``isapi-notice``; it
        names no exception and no source file.
    """
    return Card(title=title, kind="warn", rows=[("what to do", message)], css_class="isapi-notice")


def json_text(document: Any) -> str:
    """Return ``document`` as indented JSON, or as text when it is not JSON."""
    if isinstance(document, (bytes, bytearray)):
        document = document.decode("utf-8", errors="replace")
    if isinstance(document, str):
        try:
            document = json.loads(document)
        except ValueError:
            return document
    return json.dumps(document, indent=2, sort_keys=False, default=str)


def exchange_card(exchange: Any, title: str | None = None) -> Card:
    """Build a card for one ``helpers.model.Exchange``.

    The card is of kind ``ok`` when the exchange succeeded and ``fail``
    otherwise; the body is the response, cut at ``MAX_BODY_CHARS``.
    """
    ok = bool(getattr(exchange, "ok", False))
    status = exchange.status if exchange.status is not None else "no response"
    request = exchange.request
    body = exchange.error or json_text(exchange.response_body or "")
    if len(body) > MAX_BODY_CHARS:
        body = body[:MAX_BODY_CHARS] + f"\n... ({len(body) - MAX_BODY_CHARS} more characters)"
    codes = [str(f.code) for f in exchange.findings if getattr(f, "code", None) is not None]
    return Card(
        title=title or f"{request.method.upper()} {request.path} -> {status}",
        kind="ok" if ok else "fail",
        rows=[
            ("status", status),
            ("error codes", ", ".join(codes) or None),
            ("elapsed", f"{exchange.elapsed_ms:.0f} ms" if exchange.elapsed_ms else None),
            ("RequestId", exchange.request_id),
        ],
        body=body or None,
        css_class="isapi-exchange",
    )


def checklist(items: Iterable[Any], heading: str = "Setup checks") -> CardList:
    """Build a pass/fail checklist from objects with ``name``, ``passed``,
    ``detail`` and ``fix`` attributes (``passed`` None means skipped)."""
    cards = []
    for item in items:
        kind = {True: "ok", False: "fail", None: "warn"}[item.passed]
        label = {True: "pass", False: "FAIL", None: "skipped"}[item.passed]
        cards.append(
            Card(
                title=f"{label}: {item.name}",
                kind=kind,
                rows=[("detail", item.detail or None), ("fix", item.fix if not item.passed else None)],
                css_class="isapi-check",
            )
        )
    return CardList(cards, heading=heading)
