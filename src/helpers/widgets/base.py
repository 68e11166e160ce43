"""The base of every composite widget in the kit.

A composite widget keeps its child widgets as private attributes and shows a
small public face: ``value``, a few methods that do the work, and display
through ``_ipython_display_`` or the ``widget`` property. Callbacks are plain
methods, so tests call them without a browser. Every public action runs
through ``guarded``. An action checks the user's input first and raises
``InvalidInput`` for a mistake, which ``guarded`` shows as a short notice
card. Any other exception becomes an error card in the widget's ``Output``
instead of a traceback that the front end might drop.

Output goes through ``Output.append_display_data`` rather than ``with out:``.
A ``with`` block sends stream messages that nbval attributes to whichever cell
triggered the callback, while appended outputs travel only in the widget
state.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable
from typing import Any, TypeVar

import ipywidgets as widgets
from IPython.display import display

from helpers.secrets import mask_text
from helpers.widgets.cards import error_card, notice_card

log = logging.getLogger(__name__)

F = TypeVar("F", bound=Callable[..., Any])


class InvalidInput(ValueError):
    """A mistake in what the user typed or chose, found before the action runs.

    The message is shown to the user as it is, so it names the value and
    states what to type or choose instead, in plain words.
    """


def guarded(action: str) -> Callable[[F], F]:
    """Decorate a widget method so that an exception becomes an error card.

    Parameters
    ----------
    action
        What the method does, in words that fit "Failed while ...", such as
        ``"sending the request"``.

    Returns
    -------
    callable
        A decorator. The decorated method returns None when it raised, and
        the widget keeps the exception in ``last_error``. ``InvalidInput``
        becomes a notice card with its message alone; any other exception
        becomes an error card.
    """

    def decorate(method: F) -> F:
        @functools.wraps(method)
        def wrapper(self: CompositeWidget, *args: Any, **kwargs: Any) -> Any:
            self.last_error = None
            try:
                return method(self, *args, **kwargs)
            except InvalidInput as exc:
                self.last_error = exc
                log.info("%s rejected the input while %s: %s", type(self).__name__, action,
                         mask_text(str(exc)))
                self.show(notice_card(str(exc)))
                return None
            except Exception as exc:  # noqa: BLE001 - shown to the user as a card
                self.last_error = exc
                log.warning("%s failed while %s: %s", type(self).__name__, action,
                            mask_text(f"{type(exc).__name__}: {exc}"))
                self.show(error_card(action, exc))
                return None

        return wrapper  # type: ignore[return-value]

    return decorate


class CompositeWidget:
    """A group of child widgets with one ``Output`` for results.

    Subclasses build their children in ``__init__``, call
    ``super().__init__(children)`` with the widgets to stack above the
    output, and write results with ``show``.

    Attributes
    ----------
    last_error
        The exception raised by the last guarded action, or None.
    """

    css_class = "isapi-widget"

    def __init__(self, children: list[widgets.Widget]) -> None:
        self.last_error: BaseException | None = None
        self._out = widgets.Output()
        self._out.add_class("isapi-output")
        self._root = widgets.VBox([*children, self._out])
        self._root.add_class("isapi-widget")
        if self.css_class != "isapi-widget":
            self._root.add_class(self.css_class)

    @property
    def widget(self) -> widgets.VBox:
        """The top-level widget, for embedding in another layout."""
        return self._root

    @property
    def outputs(self) -> tuple[dict, ...]:
        """The output messages currently shown under the widget."""
        return self._out.outputs

    def _ipython_display_(self) -> None:
        # A saved notebook shows the plain-text form where widgets do not
        # render, so it names the widget instead of showing its repr.
        bundle = dict(self._root._repr_mimebundle_() or {})
        bundle["text/plain"] = (
            f"[{type(self).__name__}: an interactive widget; it renders when the "
            "notebook runs in JupyterLab]"
        )
        display(bundle, raw=True)

    def show(self, *items: Any, clear: bool = True) -> None:
        """Show ``items`` in the widget's output, replacing what was there.

        Each item is shown with all its representations (HTML and plain
        text), so a card reads well in the browser and in a saved notebook.
        """
        if clear:
            self._out.outputs = ()
        for item in items:
            if isinstance(item, str):
                self._out.append_stdout(mask_text(item) + "\n")
            else:
                self._out.append_display_data(item)

    def clear(self) -> None:
        """Remove everything shown in the widget's output."""
        self._out.outputs = ()

    def shown_text(self) -> str:
        """Return the plain text of what the output currently shows."""
        parts = []
        for message in self._out.outputs:
            if message.get("output_type") == "stream":
                parts.append(message.get("text", ""))
            else:
                parts.append(message.get("data", {}).get("text/plain", ""))
        return "\n".join(parts)
