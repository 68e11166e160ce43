"""The try-it widget of the API-area notebooks (10 to 14): pick a variant of
one call, look at the request, send it, read the decoded response.

Each notebook builds its variants from the client's ``build_*`` methods: the
correct call first, then the common mistakes. A ``Variant`` is a function
that returns a fresh ``ApiRequest`` plus the API code it is expected to
return (None for success), so ``TryIt.check_all`` can send every variant and
report whether each one came back as expected. The widget sends through
``InteractionClient.send``, so the standard headers, the preflight checks
and the token handling are those of the client.
"""

from __future__ import annotations

import html
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import ipywidgets as widgets

from helpers.model import ApiRequest
from helpers.secrets import mask_text
from helpers.widgets.base import CompositeWidget, guarded
from helpers.widgets.cards import Card, CardList, exchange_card, json_text

RequestFactory = Callable[[], ApiRequest]

# Passed as ``value`` to ``edit_body`` to delete the field.
REMOVE = object()


@dataclass(frozen=True)
class Variant:
    """One way to make a call: the request and the outcome it should have.

    Parameters
    ----------
    label
        The name shown in the drop-down, such as ``"wrong channel address"``.
    build
        A function that returns a fresh ``ApiRequest``.
    expect
        The API error code this variant should return, or None when it
        should succeed.
    note
        What was changed, shown with the result.
    """

    label: str
    build: RequestFactory
    expect: int | None = None
    note: str = ""

    def outcome_matches(self, exchange: Any) -> bool:
        """Return True when ``exchange`` is the outcome this variant expects."""
        codes = [f.code for f in exchange.findings if getattr(f, "code", None) is not None]
        if self.expect is None:
            return bool(exchange.ok)
        return self.expect in codes


def with_headers(request: ApiRequest, **headers: str) -> ApiRequest:
    """Return a copy of ``request`` with the given header values set.

    The client fills only missing standard headers, so a value set here (an
    empty string included) is sent as is.
    """
    return request.replace(headers={**request.headers, **headers})


def edit_body(request: ApiRequest, path: str, value: Any = REMOVE) -> ApiRequest:
    """Return a copy of ``request`` with one JSON field changed or removed.

    Parameters
    ----------
    request
        A JSON request, or the multipart ``POST /interactions`` (its ``json``
        part is edited).
    path
        Dotted path of the field; list items by index, such as
        ``"interactions.0.timestamp"``.
    value
        The new value, or ``REMOVE`` to delete the field.

    Raises
    ------
    KeyError
        When a step of ``path`` does not exist in the body.
    """
    clone = request.copy()
    document = clone.json_part if clone.json_part is not None else clone.json
    if not isinstance(document, (dict, list)):
        raise KeyError(f"{request.method} {request.path} has no JSON body to edit")
    *parents, last = path.split(".")
    node = document
    for step in parents:
        node = node[int(step)] if isinstance(node, list) else node[step]
    key: Any = int(last) if isinstance(node, list) else last
    if value is REMOVE:
        del node[key]
    else:
        node[key] = value
    return clone


def request_text(request: ApiRequest, base_url: str | None = None, heading: bool = True) -> str:
    """Return the request as masked JSON, followed by a curl command when
    ``helpers.curl`` is available and ``base_url`` is given; ``heading``
    puts the method and path on the first line."""
    text = json.dumps(request.to_dict(), indent=2, default=str)
    if heading:
        text = f"{request.method.upper()} {request.path}\n{text}"
    if base_url:
        curl = curl_text(request, base_url)
        if curl:
            text += "\n\n" + curl
    return text


def curl_text(request: ApiRequest, base_url: str) -> str | None:
    """Return the curl command for ``request`` with credentials masked, or
    None when ``helpers.curl`` is not installed."""
    try:
        from helpers.curl import to_curl
    except ImportError:
        return None
    return to_curl(request.masked(), base_url)


def exchange_cards(exchange: Any) -> CardList:
    """Return the exchange card followed by a card per decoded finding and
    per preflight finding."""
    cards: list[Any] = [exchange_card(exchange)]
    cards.extend(exchange.findings)
    for finding in getattr(exchange, "preflight", []) or []:
        severity = getattr(finding, "severity", "warning")
        cards.append(
            Card(
                f"Preflight {severity}: {getattr(finding, 'message', finding)}",
                "warn",
                [
                    ("code", getattr(finding, "code", None)),
                    ("field", getattr(finding, "field", None)),
                    ("fix", getattr(finding, "fix", None)),
                ],
                css_class="isapi-preflight",
            )
        )
    return CardList(cards)


class TryIt(CompositeWidget):
    """Send one of several variants of a call and show what came back.

    Parameters
    ----------
    client
        An ``InteractionClient``; requests go through ``client.send``.
    variants
        The variants to choose from; the first is selected at start.
    title
        A heading shown above the controls.

    Examples
    --------
    >>> tryit = TryIt(client, [Variant("valid", lambda: client.build_send_message("Hi"))])  # doctest: +SKIP
    >>> tryit.send().status  # doctest: +SKIP
    202
    """

    css_class = "isapi-tryit"

    def __init__(self, client: Any, variants: Sequence[Variant], title: str | None = None) -> None:
        if not variants:
            raise ValueError("TryIt needs at least one variant")
        bad = [v for v in variants if not isinstance(v, Variant)]
        if bad:
            raise TypeError(f"variants must be Variant objects, not {bad!r}")
        labels = [v.label for v in variants]
        if len(set(labels)) != len(labels):
            raise ValueError(f"variant labels must be unique: {labels}")

        self._client = client
        self._variants = {v.label: v for v in variants}
        self.exchange: Any = None
        self._choice = widgets.Dropdown(
            options=labels, description="Variant", layout={"width": "60%"}
        )
        self._choice.add_class("isapi-tryit-choice")
        self._request_view = widgets.HTML()
        self._request_view.add_class("isapi-request")

        self._button = widgets.Button(description="Send", button_style="primary")
        self._button.add_class("isapi-send")
        self._button.on_click(lambda _button: self.send())
        self._check_button = widgets.Button(description="Send every variant")
        self._check_button.add_class("isapi-check-all")
        self._check_button.on_click(lambda _button: self.check_all())
        self._choice.observe(lambda _change: self.preview(), names="value")

        children: list[widgets.Widget] = []
        if title:
            children.append(widgets.HTML(f"<b>{html.escape(title)}</b>"))
        children += [
            widgets.HBox([self._choice, self._button, self._check_button]),
            self._request_view,
        ]
        super().__init__(children)
        self.preview()

    @property
    def value(self) -> str:
        """The label of the selected variant."""
        return self._choice.value

    @value.setter
    def value(self, label: str) -> None:
        if label not in self._variants:
            raise ValueError(f"unknown variant {label!r}; choose one of {list(self._variants)}")
        self._choice.value = label

    @property
    def variant(self) -> Variant:
        """The selected variant."""
        return self._variants[self.value]

    def request(self) -> ApiRequest:
        """Build the selected variant's request."""
        request = self.variant.build()
        if not isinstance(request, ApiRequest):
            raise TypeError(
                f"variant {self.value!r} returned {type(request).__name__}, not ApiRequest"
            )
        return request

    @guarded("building the request")
    def preview(self) -> str:
        """Show the selected request (masked) above the output and return it as text."""
        text = request_text(self.request(), self._client.profile.base_url)
        self._request_view.value = (
            "<details><summary>Request</summary><pre style='white-space:pre-wrap'>"
            f"{_html_escape(text)}</pre></details>"
        )
        return text

    @guarded("sending the request")
    def send(self) -> CardList:
        """Send the selected request and show the exchange, its findings and
        whether the outcome is the expected one.

        Returns
        -------
        CardList
            The cards shown; the exchange itself is kept in ``exchange``.
        """
        variant = self.variant
        self.exchange = self._client.send(self.request())
        cards = exchange_cards(self.exchange)
        cards.cards.insert(0, verdict_card(variant, self.exchange))
        self.show(cards)
        return cards

    @guarded("sending every variant")
    def check_all(self) -> Any:
        """Send every variant once and show a table of expected and actual
        outcomes.

        Returns
        -------
        pandas.DataFrame
            One row per variant: ``variant``, ``expected``, ``status``,
            ``codes``, ``as_expected``.
        """
        import pandas as pd

        rows = []
        for variant in self._variants.values():
            exchange = self._client.send(variant.build())
            rows.append(
                {
                    "variant": variant.label,
                    "expected": variant.expect if variant.expect is not None else "success",
                    "status": exchange.status,
                    "codes": ", ".join(str(c) for c in _codes_of(exchange)) or "-",
                    "as_expected": variant.outcome_matches(exchange),
                }
            )
        table = pd.DataFrame(rows)
        self.show(table)
        return table

    def codes(self) -> list[int]:
        """Return the error codes of the last exchange's findings."""
        return _codes_of(self.exchange) if self.exchange is not None else []


def _codes_of(exchange: Any) -> list[int]:
    return [f.code for f in exchange.findings if getattr(f, "code", None) is not None]


def verdict_card(variant: Variant, exchange: Any) -> Card:
    """Return a card that states whether ``exchange`` is what ``variant`` expects."""
    expected = f"code {variant.expect}" if variant.expect is not None else "success"
    got = ", ".join(str(c) for c in _codes_of(exchange)) or f"status {exchange.status}"
    if variant.outcome_matches(exchange):
        return Card(
            f"As expected: {expected}", "ok", [("change", variant.note or None)],
            css_class="isapi-verdict",
        )
    return Card(
        f"Unexpected outcome: expected {expected}, got {got}",
        "warn",
        [("change", variant.note or None)],
        css_class="isapi-verdict",
    )


def _html_escape(text: str) -> str:
    return html.escape(mask_text(text))


def show_request(request: ApiRequest, base_url: str | None = None) -> Card:
    """Return a card that shows ``request`` (masked) and its curl form."""
    return Card(
        f"{request.method.upper()} {request.path}",
        "info",
        body=request_text(request, base_url, heading=False),
        css_class="isapi-request",
    )


