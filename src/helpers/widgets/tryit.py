"""The try-it widget of the API-area notebooks (10 to 14): pick a variant of
one call, look at the request, send it, read the decoded answer.

Each notebook builds its variants from the client's ``build_*`` methods: the
correct call first, then the common mistakes, each a function that returns a
fresh ``ApiRequest``. The widget sends through ``InteractionClient.send``, so
the standard headers, the preflight checks and the token handling are those
of the client.
"""

from __future__ import annotations

import html
import json
from collections.abc import Callable, Mapping
from typing import Any

import ipywidgets as widgets

from helpers.model import ApiRequest
from helpers.secrets import mask_text
from helpers.widgets.base import CompositeWidget, guarded
from helpers.widgets.cards import Card, CardList, exchange_card, json_text

RequestFactory = Callable[[], ApiRequest]


def request_text(request: ApiRequest, base_url: str | None = None) -> str:
    """Return the request as masked JSON, followed by a curl command when
    ``helpers.curl`` is available and ``base_url`` is given."""
    text = f"{request.method.upper()} {request.path}\n" + json.dumps(
        request.to_dict(), indent=2, default=str
    )
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
        cards.append(
            Card(
                f"Preflight: {getattr(finding, 'message', finding)}",
                "warn",
                [("fix", getattr(finding, "fix", None))],
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
        Label to a function that returns a fresh ``ApiRequest``. The first
        entry is selected at start.
    title
        A heading shown above the controls.

    Examples
    --------
    >>> tryit = TryIt(client, {"valid": lambda: client.build_send_message("Hi")})  # doctest: +SKIP
    >>> tryit.send().status  # doctest: +SKIP
    202
    """

    css_class = "isapi-tryit"

    def __init__(
        self, client: Any, variants: Mapping[str, RequestFactory], title: str | None = None
    ) -> None:
        if not variants:
            raise ValueError("TryIt needs at least one variant")
        bad = [label for label, factory in variants.items() if not callable(factory)]
        if bad:
            raise TypeError(f"variants {bad} are not callables that return an ApiRequest")
        self._client = client
        self._variants = dict(variants)
        self._choice = widgets.Dropdown(
            options=list(self._variants), description="Variant", layout={"width": "60%"}
        )
        self._choice.add_class("isapi-tryit-choice")
        self._request_view = widgets.HTML()
        self._request_view.add_class("isapi-request")
        self._button = widgets.Button(description="Send", button_style="primary")
        self._button.add_class("isapi-send")
        self._button.on_click(lambda _button: self.send())
        self._choice.observe(lambda _change: self.preview(), names="value")
        self.exchange: Any = None
        children: list[widgets.Widget] = []
        if title:
            children.append(widgets.HTML(f"<b>{title}</b>"))
        children += [widgets.HBox([self._choice, self._button]), self._request_view]
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

    def request(self) -> ApiRequest:
        """Build the selected variant's request."""
        request = self._variants[self.value]()
        if not isinstance(request, ApiRequest):
            raise TypeError(f"variant {self.value!r} returned {type(request).__name__}, not ApiRequest")
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
    def send(self) -> Any:
        """Send the selected request and show the exchange and its findings.

        Returns
        -------
        Exchange
            Also kept in ``exchange``.
        """
        self.exchange = self._client.send(self.request())
        self.show(exchange_cards(self.exchange))
        return self.exchange

    def codes(self) -> list[int]:
        """Return the error codes of the last exchange's findings."""
        if self.exchange is None:
            return []
        return [f.code for f in self.exchange.findings if getattr(f, "code", None) is not None]


def _html_escape(text: str) -> str:
    return html.escape(mask_text(text))


def show_request(request: ApiRequest, base_url: str | None = None) -> Card:
    """Return a card that shows ``request`` (masked) and its curl form."""
    return Card(
        f"{request.method.upper()} {request.path}",
        "info",
        body=request_text(request, base_url),
        css_class="isapi-request",
    )


