"""The decoder widget of notebook 01: paste or upload an error, get a card
per finding.

The user pastes anything that came back from the API (a response body, a log
line, a curl transcript, a HAR file) into a text area, or uploads a file. The
widget shows one card per finding from ``helpers.decode.decode``: what
happened, the likely cause, the fix, retry advice, and where to reproduce the
code when the repro catalog has it.
"""

from __future__ import annotations

import html
from dataclasses import dataclass
from typing import Any

import ipywidgets as widgets

from helpers.secrets import mask_text
from helpers.widgets.base import CompositeWidget, InvalidInput, guarded
from helpers.widgets.cards import Card, CardList

REPRO_NOTEBOOK = "02_reproduce_and_fix.ipynb"

# Files larger than this are rejected: a HAR of a whole browser session can be
# hundreds of megabytes, which a kernel should not hold as one string.
MAX_UPLOAD_BYTES = 20 * 1024 * 1024

EMPTY_INPUT_NOTICE = (
    "Paste an error body, log text or curl output into the box, or upload a HAR "
    "or log file, then press Decode."
)


def repro_codes() -> set[int]:
    """Return the codes that the repro catalog can reproduce, or an empty set
    when the catalog cannot be loaded."""
    try:
        from helpers.repro import catalog

        return set(catalog())
    except (ImportError, OSError, ValueError):
        return set()


@dataclass
class FindingView:
    """One finding with a pointer to its repro, rendered as HTML and text."""

    finding: Any
    reproducible: bool

    def _repro_line(self) -> str | None:
        code = getattr(self.finding, "code", None)
        if code is None or not self.reproducible:
            return None
        return (
            f"Reproduce it: open {REPRO_NOTEBOOK} and set CODE = {code}, "
            f"or run `python -m helpers repro {code}`."
        )

    def __str__(self) -> str:
        text = mask_text(str(self.finding))
        line = self._repro_line()
        return f"{text}\n  {line}" if line else text

    def __repr__(self) -> str:
        return str(self)

    def _repr_html_(self) -> str:
        render = getattr(self.finding, "_repr_html_", None)
        body = render() if callable(render) else f"<pre>{html.escape(str(self.finding))}</pre>"
        line = self._repro_line()
        link = (
            f"<div class='isapi-repro-link' style='margin:0 0 0.6em 1em'>"
            f"{html.escape(line)}</div>"
            if line
            else ""
        )
        return f"<div class='isapi-finding'>{mask_text(body)}{link}</div>"


def decode_text(text: str) -> CardList:
    """Decode ``text`` and return one view per finding.

    Parameters
    ----------
    text
        Any error artifact as text: a JSON body, log lines, a curl
        transcript or a HAR document.

    Returns
    -------
    CardList
        One ``FindingView`` per finding, or a single ``warn`` card when the
        text contains no finding.

    Raises
    ------
    ValueError
        When ``text`` is empty.
    """
    from helpers.decode import decode

    if not text or not text.strip():
        raise ValueError("nothing to decode: paste an error or upload a file first")
    findings = decode(text)
    if not findings:
        return CardList(
            [
                Card(
                    "No error found in this text",
                    "warn",
                    [("what to do", "Paste the whole response body or log record.")],
                    css_class="isapi-no-finding",
                )
            ]
        )
    known = repro_codes()
    views = [FindingView(f, getattr(f, "code", None) in known) for f in findings]
    count = len(views)
    return CardList(views, heading=f"{count} finding{'s' if count != 1 else ''}")


class DecoderWidget(CompositeWidget):
    """Paste or upload an error artifact and decode it.

    Parameters
    ----------
    text
        Text to start with in the text area.

    Examples
    --------
    >>> decoder = DecoderWidget()                          # doctest: +SKIP
    >>> decoder.value = '{"code": 10004, "message": "..."}'  # doctest: +SKIP
    >>> decoder.decode()                                   # doctest: +SKIP
    """

    css_class = "isapi-decoder"

    def __init__(self, text: str = "") -> None:
        self._text = widgets.Textarea(
            value=text,
            placeholder="Paste a response body, log lines, a curl transcript or a HAR file",
            layout=widgets.Layout(width="100%", height="10em"),
        )
        self._text.add_class("isapi-decoder-text")
        self._upload = widgets.FileUpload(
            accept=".har,.json,.log,.txt,.jsonl", multiple=False, description="Upload file"
        )
        self._upload.add_class("isapi-decoder-upload")
        self._button = widgets.Button(description="Decode", button_style="primary")
        self._button.add_class("isapi-decode")
        self._button.on_click(lambda _button: self.decode())
        self._upload.observe(lambda _change: self.load_upload(), names="value")
        self.findings: list[Any] = []
        super().__init__([self._text, widgets.HBox([self._upload, self._button])])

    @property
    def value(self) -> str:
        """The text in the text area."""
        return self._text.value

    @value.setter
    def value(self, text: str) -> None:
        self._text.value = text

    @guarded("reading the uploaded file")
    def load_upload(self) -> str | None:
        """Copy the uploaded file's text into the text area and decode it."""
        if not self._upload.value:
            return None
        upload = self._upload.value[0]
        size = int(upload.get("size") or len(upload["content"]))
        if size > MAX_UPLOAD_BYTES:
            raise InvalidInput(
                f"{upload['name']} is {size} bytes, and the limit is {MAX_UPLOAD_BYTES} bytes. "
                "Cut the file to the failing requests, or use `python -m helpers triage`."
            )
        self._text.value = bytes(upload["content"]).decode("utf-8", errors="replace")
        self.decode()
        return upload["name"]

    @guarded("decoding the text")
    def decode(self) -> CardList:
        """Decode the text area and show one card per finding.

        Returns
        -------
        CardList
            The cards shown; ``findings`` contains the findings themselves.
            None when the text area is empty, after a notice card that tells
            the user what to paste.
        """
        if not self._text.value.strip():
            self.findings = []
            raise InvalidInput(EMPTY_INPUT_NOTICE)
        cards = decode_text(self._text.value)
        self.findings = [card.finding for card in cards.cards if isinstance(card, FindingView)]
        self.show(cards)
        return cards
