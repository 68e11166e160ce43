"""A local emulator of the Interaction Service API, the kit's default target.

``start()`` serves a ``SandboxApp`` on 127.0.0.1 in a background daemon
thread and returns a ``SandboxHandle``: its ``url`` and ``profile`` are what
a client needs, and its methods arm faults, reset the state, change settings
and read what the sandbox received. The org behind it comes from
``data/sandbox_org.json`` or a fixture the caller passes. ``docs/sandbox.md``
describes the fixture format, the settings, the control endpoints and every
behaviour the sandbox infers.

Examples
--------
>>> from helpers import sandbox
>>> with sandbox.start() as box:                       # doctest: +SKIP
...     box.profile["base_url"]
'http://127.0.0.1:40123'
"""

from __future__ import annotations

import errno
import json
import logging
import socket
import threading
from pathlib import Path
from typing import Any

from werkzeug.serving import (
    BaseWSGIServer,
    WSGIRequestHandler,
    get_sockaddr,
    make_server,
    select_address_family,
)

from helpers import codes
from helpers.sandbox.app import SandboxApp
from helpers.sandbox.faults import Fault
from helpers.sandbox.fixture import Fixture, FixtureError, load_fixture
from helpers.sandbox.settings import Settings, SettingsError
from helpers.secrets import mask_text

__all__ = [
    "FixtureError",
    "SandboxApp",
    "SandboxHandle",
    "Settings",
    "SettingsError",
    "start",
]

log = logging.getLogger(__name__)

HOST = "127.0.0.1"


class QuietRequestHandler(WSGIRequestHandler):
    """Request handler that leaves logging to the app and sends HTTP errors as JSON.

    Werkzeug logs every request itself; the app logs one line per request
    with the API code, so this handler's own lines go to DEBUG. Errors the
    HTTP layer raises before the app runs (a request line or header over
    64 KiB, more than 100 headers) get a JSON body instead of HTML.
    """

    def log_request(self, code: Any = "-", size: Any = "-") -> None:
        pass

    def log(self, type: str, message: str, *args: Any) -> None:
        log.debug("http server %s: %s", type, message % args if args else message)

    def send_error(self, code: int, message: str | None = None, explain: str | None = None):
        short, long = self.responses.get(code, ("Error", ""))
        body = json.dumps(
            {"error": short, "status": code, "message": message or short, "detail": explain or long}
        ).encode("utf-8")
        self.log_error("code %d, message %s", code, message)
        self.send_response(code, message)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Connection", "close")
        self.end_headers()
        self.close_connection = True
        if self.command != "HEAD" and code >= 200 and code not in (204, 304):
            self.wfile.write(body)


class SandboxHandle:
    """A running sandbox: its URL, profile, and the means to steer it.

    Use it as a context manager, or call ``stop()`` when done.
    """

    def __init__(self, app: SandboxApp, server: BaseWSGIServer, thread: threading.Thread):
        self.app = app
        self._server = server
        self._thread = thread
        self.url = app.base_url

    def __repr__(self) -> str:
        state = "running" if self._thread.is_alive() else "stopped"
        return f"<SandboxHandle {self.url} {state}>"

    def __enter__(self) -> SandboxHandle:
        return self

    def __exit__(self, *exc_info: Any) -> None:
        self.stop()

    @property
    def profile(self) -> dict[str, Any]:
        """The default connection profile (a fresh dict on each access)."""
        return self.app.profile()

    def masked_profile(self) -> dict[str, Any]:
        """Return the profile with every token masked, for display and logs."""
        return json.loads(mask_text(json.dumps(self.app.profile())))

    @property
    def settings(self) -> Settings:
        return self.app.settings

    @property
    def fixture(self) -> Fixture:
        return self.app.fixture

    @property
    def running(self) -> bool:
        return self._thread.is_alive()

    def update_settings(self, **changes: Any) -> Settings:
        """Change settings by name, for example ``update_settings(error_shape="success_false")``.

        Raises
        ------
        SettingsError
            On an unknown name or an invalid value.
        """
        return self.app.update_settings(changes)

    def inject_fault(self, code: int, count: int = 1, endpoint: str | None = None) -> Fault:
        """Return ``code`` to the next ``count`` requests on ``endpoint`` (None: any).

        ``code`` is one of 10019, 10055, 10056, 20002 and 500.

        Raises
        ------
        helpers.sandbox.faults.FaultError
            On another code, a count below 1 or an unknown endpoint.
        """
        return self.app.faults.inject(code, count, endpoint)

    def clear_faults(self) -> int:
        """Disarm every fault; return how many were armed."""
        return self.app.faults.clear()

    def faults(self) -> list[dict[str, Any]]:
        return self.app.faults.list()

    def reset(self) -> None:
        """Clear conversations, sessions, routing, work, faults and the request log."""
        self.app.reset()

    def received(self, limit: int | None = None) -> list[dict[str, Any]]:
        """Return the requests received, oldest first, with credentials masked."""
        return self.app.received(limit)

    def state(self) -> dict[str, Any]:
        """Return a snapshot of the state, with counts under ``counts``."""
        return self.app.state.snapshot()

    def issue_token(
        self,
        app: str,
        scopes: list[str],
        lifetime_s: int,
        style: str = "opaque",
        username: str | None = None,
    ) -> str:
        """Add a token to the sandbox's token store and return it; see ``SandboxApp``."""
        return self.app.issue_token(app, scopes, lifetime_s, style, username)

    def connected_apps(self) -> list[dict[str, Any]]:
        return self.app.connected_apps()

    def stop(self, timeout: float = 5.0) -> None:
        """Stop serving and close the socket; safe to call twice."""
        if self._thread.is_alive():
            self._server.shutdown()
            self._thread.join(timeout)
        self._server.server_close()


def start(
    fixture: str | Path | dict[str, Any] | Fixture | None = None,
    settings: Settings | dict[str, Any] | None = None,
    port: int = 0,
    host: str = HOST,
) -> SandboxHandle:
    """Start a sandbox in a background daemon thread.

    Parameters
    ----------
    fixture
        The org: a path to a fixture JSON file, a dict of the same content, a
        loaded ``Fixture``, or None for ``data/sandbox_org.json``.
    settings
        A ``Settings`` object or a dict of setting names and values; None for
        the defaults.
    port
        TCP port; 0 picks a free one.
    host
        Address to bind. Only loopback addresses are accepted.

    Returns
    -------
    SandboxHandle

    Raises
    ------
    FixtureError
        When the fixture is invalid; the message names the key.
    SettingsError
        When a setting is unknown or invalid.
    ValueError
        When ``host`` is not a loopback address, or ``port`` is not an
        integer from 0 to 65535.
    OSError
        When the port is taken; the message names the host and port.

    Examples
    --------
    >>> box = start(settings={"error_shape": "success_false"})  # doctest: +SKIP
    >>> box.inject_fault(10019)                                # doctest: +SKIP
    >>> box.stop()                                             # doctest: +SKIP
    """
    if host not in ("127.0.0.1", "localhost", "::1"):
        raise ValueError(
            f"the sandbox serves on loopback only; got host {host!r}, use 127.0.0.1"
        )
    if isinstance(port, bool) or not isinstance(port, int) or not 0 <= port <= 65535:
        raise ValueError(
            f"port must be an integer from 0 to 65535, got {port!r}; "
            "pass 0 to pick a free port"
        )
    loaded = fixture if isinstance(fixture, Fixture) else load_fixture(fixture)
    app = SandboxApp(loaded, Settings.coerce(settings))
    # Load the code table now, so that it does not delay the first error response.
    codes.table()
    listener = _listen(host, port)
    try:
        server = make_server(
            host,
            port,
            app,
            threaded=True,
            request_handler=QuietRequestHandler,
            fd=listener.fileno(),
        )
    finally:
        # make_server duplicates the descriptor, so this copy is no longer needed.
        listener.close()
    server.daemon_threads = True
    url_host = {"::1": "[::1]", "localhost": "127.0.0.1"}.get(host, host)
    app.base_url = f"http://{url_host}:{server.port}"
    thread = threading.Thread(
        target=server.serve_forever, name=f"sandbox-{server.port}", daemon=True
    )
    thread.start()
    log.info("sandbox serving on %s (fixture %s)", app.base_url, loaded.source)
    return SandboxHandle(app, server, thread)


def _listen(host: str, port: int) -> socket.socket:
    """Bind and listen on ``host:port``, raising ``OSError`` that names them.

    Werkzeug's own binding prints to stderr and calls ``sys.exit(1)`` when
    the port is taken (werkzeug 3.x ``BaseWSGIServer.__init__``), which would
    end the caller's process, so the socket is bound here and passed in.
    """
    family = select_address_family(host, port)
    listener = socket.socket(family, socket.SOCK_STREAM)
    try:
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(get_sockaddr(host, port, family))
        # The backlog werkzeug itself would use.
        listener.listen(BaseWSGIServer.request_queue_size)
    except OSError as exc:
        listener.close()
        if exc.errno == errno.EADDRINUSE:
            reason = (
                f"port {port} on {host} is already in use; stop the program that "
                "uses it or pass port 0 to pick a free port"
            )
        else:
            reason = f"cannot listen on {host}:{port} ({exc.strerror})"
        raise OSError(exc.errno, reason) from None
    return listener
