"""A log panel: the kit's log records shown in an ``Output`` widget.

``LogPanel`` attaches a ``logging.Handler`` to the ``helpers`` logger, so a
notebook shows one line per HTTP exchange (method, path, status, elapsed
time, request id) as the client and the transport log them. Lines go through
``helpers.secrets.mask_text`` and the panel keeps only the newest
``max_lines``.
"""

from __future__ import annotations

import logging
import threading

import ipywidgets as widgets
from IPython.display import display

from helpers.secrets import mask_text

DEFAULT_MAX_LINES = 200
LOG_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


class _OutputHandler(logging.Handler):
    def __init__(self, panel: LogPanel) -> None:
        super().__init__()
        self._panel = panel

    def emit(self, record: logging.LogRecord) -> None:
        try:
            self._panel._add(mask_text(self.format(record)))
        except Exception:  # noqa: BLE001 - logging must never raise into the caller
            self.handleError(record)


class LogPanel:
    """Show the log records of the ``helpers`` package in an ``Output``.

    Parameters
    ----------
    level
        The lowest level shown; the ``helpers`` logger is lowered to it
        while the panel is attached, and restored by ``detach``.
    max_lines
        Lines kept; older lines are dropped.
    logger_name
        The logger to attach to.

    Examples
    --------
    >>> panel = LogPanel()   # doctest: +SKIP
    >>> panel                # shows the panel; every exchange adds a line  # doctest: +SKIP
    >>> panel.detach()       # doctest: +SKIP
    """

    def __init__(
        self,
        level: int = logging.INFO,
        max_lines: int = DEFAULT_MAX_LINES,
        logger_name: str = "helpers",
    ) -> None:
        if max_lines < 1:
            raise ValueError(f"max_lines must be 1 or more, not {max_lines}")
        self.max_lines = max_lines
        self._lines: list[str] = []
        self._lock = threading.Lock()
        self._out = widgets.Output(layout={"max_height": "12em", "overflow": "auto"})
        self._out.add_class("isapi-log")
        self._logger = logging.getLogger(logger_name)
        self._previous_level = self._logger.level
        self._handler = _OutputHandler(self)
        self._handler.setLevel(level)
        self._handler.setFormatter(logging.Formatter(LOG_FORMAT, "%H:%M:%S"))
        self._logger.addHandler(self._handler)
        if self._logger.getEffectiveLevel() > level:
            self._logger.setLevel(level)

    @property
    def value(self) -> list[str]:
        """The lines shown, oldest first."""
        with self._lock:
            return list(self._lines)

    @property
    def widget(self) -> widgets.Output:
        """The ``Output`` widget that shows the lines."""
        return self._out

    def _ipython_display_(self) -> None:
        display(self._out)

    def _add(self, line: str) -> None:
        with self._lock:
            self._lines.append(line)
            del self._lines[: -self.max_lines]
            text = "\n".join(self._lines) + "\n"
        self._out.outputs = ({"output_type": "stream", "name": "stdout", "text": text},)

    def clear(self) -> None:
        """Remove every line."""
        with self._lock:
            self._lines.clear()
        self._out.outputs = ()

    def detach(self) -> None:
        """Stop collecting records and restore the logger's level."""
        self._logger.removeHandler(self._handler)
        self._logger.setLevel(self._previous_level)

    def __str__(self) -> str:
        return "\n".join(self.value)

    def __repr__(self) -> str:
        return f"LogPanel({len(self.value)} lines)"
