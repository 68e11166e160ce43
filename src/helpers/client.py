"""The live client: one method per Interaction API endpoint.

``InteractionClient`` turns a ``Profile`` into requests. Each endpoint has a
``build_<method>`` (inherited from ``helpers.builders.RequestBuilder``) that
returns the ``ApiRequest`` without sending it, so the notebooks can show it
first, and a ``<method>`` that builds and sends it. Every
send goes through ``InteractionClient.send``, which fills the standard
headers (a fresh ``RequestId`` per attempt, the token read from the profile
at that moment), runs the preflight checks, retries transient failures with
exponential backoff and jitter, refreshes the token once on 10004 when the
profile can mint a new one, records each attempt as an ``Exchange`` and
calls the listeners with it.

Endpoint methods:

=============================  ===========================================
method                         request
=============================  ===========================================
``send_message``               ``POST /interactions`` (Message entry)
``send_typing``                ``POST /interactions`` (typing indicator)
``send_delivery_failed``       ``POST /interactions`` (MessageDeliveryFailed)
``send_attachment``            ``POST /interactions`` (AttachmentInteraction)
``create_conversation``        ``POST /conversation``
``acknowledge``                ``POST /acknowledgement``
``route``                      ``POST /route``
``delete_route``               ``DELETE /route`` (JSON body)
``routing_result``             ``POST /routingResult``
``create_agent_work``          ``POST /agentWork``
``update_agent_work``          ``PATCH /agentWork``
``update_consent``             ``PATCH /consent``
``register_capabilities``      ``PATCH /capabilities``
``send_conversation_history``  ``POST /conversationHistory``
``remove_participant``         ``POST /participant``
``end_messaging_session``      ``POST /messagingSession``
=============================  ===========================================
"""

from __future__ import annotations

import functools
import inspect
import logging
import random
import time
from collections.abc import Callable, Iterable
from typing import Any

import requests

from helpers import transport
from helpers.builders import RequestBuilder, new_id
from helpers.errors import (
    RETRY_LATER_CODES,
    ConnectionFailed,
    InteractionApiError,
    PreflightError,
    error_for_exchange,
    response_code,
    transport_error_class,
)
from helpers.model import ApiRequest, Exchange
from helpers.preflight import check as preflight_check
from helpers.profiles import Profile, load_profile

log = logging.getLogger(__name__)

PREFLIGHT_MODES = ("block", "warn", "off")
DEFAULT_RETRIES = 3
DEFAULT_BACKOFF_S = 0.5
MAX_BACKOFF_S = 8.0
# Endpoints that require the AuthorizationContextType header.
CONTEXT_TYPE_REQUIRED = frozenset(
    {("POST", "conversationHistory"), ("PATCH", "agentWork")}
)
REFRESH_CODE = 10004


def _without(headers: dict[str, str], name: str) -> dict[str, str]:
    return {k: v for k, v in headers.items() if k.lower() != name.lower()}


def _has_own_authorization(request: ApiRequest) -> bool:
    """Return True when the request has its own, unmasked Authorization value."""
    return any(
        k.lower() == "authorization" and "<token:" not in v
        for k, v in request.headers.items()
    )


def _sending(build: Callable[..., ApiRequest], summary: str) -> Callable[..., Exchange]:
    """Make the sending method for a ``build_*`` method, with its signature."""

    @functools.wraps(build)
    def method(
        self: InteractionClient,
        *args: Any,
        raise_for_error: bool | None = None,
        **kwargs: Any,
    ) -> Exchange:
        request = build(self, *args, **kwargs)
        return self.send(request, raise_for_error=raise_for_error)

    # Shift-Tab in a notebook shows this signature: the builder's parameters,
    # raise_for_error, and an Exchange as result.
    signature = inspect.signature(build)
    raise_param = inspect.Parameter(
        "raise_for_error",
        inspect.Parameter.KEYWORD_ONLY,
        default=None,
        annotation="bool | None",
    )
    method.__signature__ = signature.replace(
        parameters=[*signature.parameters.values(), raise_param],
        return_annotation="Exchange",
    )
    method.__name__ = build.__name__.removeprefix("build_")
    method.__qualname__ = f"InteractionClient.{method.__name__}"
    method.__doc__ = (
        f"{summary}\n\n"
        f"Takes the parameters of ``{build.__name__}`` plus ``raise_for_error``\n"
        "(None uses the client's default) and returns the ``Exchange``.\n"
    )
    return method


class InteractionClient(RequestBuilder):
    """Client for the Interaction Service API.

    Parameters
    ----------
    profile
        A ``Profile``, or anything ``load_profile`` accepts; None loads the
        default profile (``ISAPI_PROFILE``, the ``ISAPI_*`` variables or the
        sandbox).
    preflight
        ``"block"`` raises ``PreflightError`` on error-severity findings before
        sending, ``"warn"`` logs them and stores them in ``Exchange.preflight``,
        ``"off"`` skips the checks.
    retries
        Extra attempts after the first for retryable failures.
    timeout
        Connect and read timeouts in seconds, or one value for both.
    session
        A ``requests.Session`` to use; the client makes and closes its own when None.
    backoff
        Base delay in seconds; retry n waits between half and all of
        ``backoff * 2**(n-1)``, capped at ``max_backoff`` (random jitter). A
        numeric ``Retry-After`` header replaces that delay, with the same cap.
    retry_codes
        API codes that are retried; by default 10019, 10055, 10056, 20002, 500.
    retry_connection_errors
        Retry when the connection failed (refused, reset, connect timeout).
        Read timeouts are not retried, because the API may have processed the
        request.
    raise_for_error
        Default for every method: raise the matching ``InteractionApiError``
        on a failed exchange instead of returning it.

    Examples
    --------
    >>> client = InteractionClient()  # doctest: +SKIP
    >>> exchange = client.send_message("Hello")  # doctest: +SKIP
    >>> exchange.status  # doctest: +SKIP
    202
    """

    def __init__(
        self,
        profile: Any = None,
        preflight: str = "warn",
        retries: int = DEFAULT_RETRIES,
        timeout: float | tuple[float, float] = transport.DEFAULT_TIMEOUT,
        session: requests.Session | None = None,
        *,
        backoff: float = DEFAULT_BACKOFF_S,
        max_backoff: float = MAX_BACKOFF_S,
        retry_codes: Iterable[int] = RETRY_LATER_CODES,
        retry_connection_errors: bool = True,
        raise_for_error: bool = False,
    ) -> None:
        if preflight not in PREFLIGHT_MODES:
            choices = ", ".join(PREFLIGHT_MODES)
            raise ValueError(f"preflight={preflight!r} is not one of {choices}")
        if retries < 0:
            raise ValueError(f"retries={retries!r} must be 0 or more")
        if backoff < 0 or max_backoff < 0:
            raise ValueError("backoff and max_backoff must be 0 or more seconds")
        if not isinstance(profile, Profile):
            profile = load_profile(profile)
        self.profile: Profile = profile
        self.preflight = preflight
        self.retries = retries
        self.timeout = timeout
        self.backoff = backoff
        self.max_backoff = max_backoff
        self.retry_codes = frozenset(retry_codes)
        self.retry_connection_errors = retry_connection_errors
        self.raise_for_error = raise_for_error
        self._own_session = session is None
        self.session = session or requests.Session()
        self._listeners: list[Callable[[Exchange], Any]] = []
        self.history: list[Exchange] = []

    # -- lifecycle ---------------------------------------------------------

    def close(self) -> None:
        """Close the HTTP session if the client made it."""
        if self._own_session:
            self.session.close()

    def __enter__(self) -> InteractionClient:
        return self

    def __exit__(self, *exc_info: Any) -> None:
        self.close()

    def __repr__(self) -> str:
        return (
            f"InteractionClient(target={self.profile.target!r}, "
            f"base_url={self.profile.base_url!r}, preflight={self.preflight!r}, "
            f"retries={self.retries})"
        )

    def add_listener(self, callback: Callable[[Exchange], Any]) -> None:
        """Call ``callback(exchange)`` after every exchange, including each retry."""
        if not callable(callback):
            raise TypeError(f"listener {callback!r} is not callable")
        self._listeners.append(callback)

    def remove_listener(self, callback: Callable[[Exchange], Any]) -> None:
        """Stop calling ``callback``; a callback that was not added is ignored."""
        if callback in self._listeners:
            self._listeners.remove(callback)

    # -- sending -----------------------------------------------------------

    def standard_headers(self, request: ApiRequest) -> dict[str, str]:
        """Return the request's headers with every missing standard header added.

        ``Authorization`` is not added here; ``send`` adds it just before the
        request goes on the wire, so built requests never hold the token.
        """
        headers = dict(request.headers)
        present = {name.lower() for name in headers}
        defaults = {
            "OrgId": self.profile.org_id,
            "AuthorizationContext": self.profile.authorization_context,
            "RequestId": new_id(),
            "Accept": "application/json",
        }
        if (request.method.upper(), request.endpoint) in CONTEXT_TYPE_REQUIRED:
            context_type = self.profile.authorization_context_type
            defaults["AuthorizationContextType"] = context_type
        is_json = request.raw_body is None and not request.is_multipart
        if request.json is not None and is_json:
            defaults["Content-Type"] = "application/json"
        for name, value in defaults.items():
            if name.lower() not in present:
                headers[name] = value
        return headers

    def send(
        self, request: ApiRequest, raise_for_error: bool | None = None
    ) -> Exchange:
        """Send any ``ApiRequest`` and return the last attempt's exchange.

        Parameters
        ----------
        request
            The request; missing standard headers are filled in.
        raise_for_error
            Raise the matching ``InteractionApiError`` when the final attempt
            failed; None uses the client's default.

        Returns
        -------
        Exchange
            The last attempt. Earlier attempts went to the listeners and
            ``history``.

        Raises
        ------
        PreflightError
            In ``block`` mode, when the checks find an error; nothing is sent.
        InteractionApiError
            With ``raise_for_error``, a ``TransportError`` or ``ApiResponseError``
            leaf describing the failure.
        """
        prepared = request.replace(headers=self.standard_headers(request))
        token = "" if _has_own_authorization(prepared) else self.profile.token()
        preflight = self._run_preflight(self._with_token(prepared, token))
        exchange = self._send_with_retries(prepared, token, preflight)
        should_raise = raise_for_error
        if should_raise is None:
            should_raise = self.raise_for_error
        if should_raise:
            error = error_for_exchange(exchange)
            if error is not None:
                raise error
        return exchange

    def _send_with_retries(
        self, prepared: ApiRequest, token: str, preflight: list[Any]
    ) -> Exchange:
        attempt = 1
        retries_used = 0
        refreshed = False
        while True:
            if attempt > 1:
                prepared.headers = _without(prepared.headers, "RequestId")
                prepared.headers["RequestId"] = new_id()
            exchange = self._send_once(prepared, token, attempt, preflight)
            code = response_code(exchange) if exchange.status is not None else None

            can_refresh = not refreshed and self.profile.can_refresh_token
            if code == REFRESH_CODE and can_refresh:
                refreshed = True
                log.warning(
                    "code %s on attempt %d (RequestId %s): "
                    "refreshing the token and retrying",
                    code,
                    attempt,
                    exchange.request_id,
                )
                token = self.profile.refresh_token() or token
                attempt += 1
                continue

            reason = self._retry_reason(exchange, code)
            if reason is None or retries_used >= self.retries:
                if reason is not None:
                    log.warning(
                        "%s on attempt %d (RequestId %s): no retries left",
                        reason,
                        attempt,
                        exchange.request_id,
                    )
                return exchange
            retries_used += 1
            delay = self._delay(retries_used, exchange)
            log.warning(
                "%s on attempt %d (RequestId %s): retrying in %.2f s",
                reason,
                attempt,
                exchange.request_id,
                delay,
            )
            time.sleep(delay)
            attempt += 1

    @staticmethod
    def _with_token(prepared: ApiRequest, token: str) -> ApiRequest:
        wire = prepared.copy()
        given = [v for k, v in wire.headers.items() if k.lower() == "authorization"]
        # A caller's own Authorization value is kept (a repro may send a bad
        # one on purpose); a missing or masked one gets the profile's token.
        if not given or "<token:" in given[0]:
            wire.headers = _without(wire.headers, "Authorization")
            wire.headers["Authorization"] = f"Bearer {token}"
        return wire

    def _send_once(
        self, prepared: ApiRequest, token: str, attempt: int, preflight: list[Any]
    ) -> Exchange:
        exchange = transport.send(
            self._with_token(prepared, token),
            self.profile.base_url,
            session=self.session,
            timeout=self.timeout,
            target=self.profile.target,
            attempt=attempt,
        )
        exchange.preflight = list(preflight)
        self.history.append(exchange)
        for callback in list(self._listeners):
            try:
                callback(exchange)
            except Exception:  # a broken listener must not break the call
                log.exception("exchange listener %r failed", callback)
        return exchange

    def _retry_reason(self, exchange: Exchange, code: int | None) -> str | None:
        if exchange.status is None:
            error_text = exchange.error or ""
            # A connect timeout also means the request never reached the API.
            is_connection = (
                transport_error_class(error_text) is ConnectionFailed
                or error_text.startswith("ConnectTimeout")
            )
            if self.retry_connection_errors and is_connection:
                return error_text.split(":", 1)[0] or "connection failure"
            return None
        if code is not None and code in self.retry_codes:
            return f"code {code}"
        if code is None and exchange.status in (502, 503, 504):
            return f"HTTP {exchange.status}"
        return None

    def _delay(self, retry_number: int, exchange: Exchange) -> float:
        retry_after = (exchange.response_headers or {}).get("Retry-After")
        if retry_after and retry_after.strip().isdigit():
            return min(float(retry_after), self.max_backoff)
        ceiling = min(self.max_backoff, self.backoff * 2 ** (retry_number - 1))
        return ceiling / 2 + random.uniform(0, ceiling / 2)

    def _run_preflight(self, request: ApiRequest) -> list[Any]:
        if self.preflight == "off":
            return []
        # The checks see the request as it will be sent, token included, so
        # they can compare its org with the OrgId header. Their findings name
        # only the token's placeholder.
        findings = list(preflight_check(request, profile=self.profile))
        errors = [f for f in findings if getattr(f, "severity", None) == "error"]
        for finding in findings:
            severity = getattr(finding, "severity", None)
            level = logging.WARNING if severity in ("error", "warning") else logging.DEBUG
            log.log(
                level,
                "preflight %s %s: %s",
                getattr(finding, "severity", "?"),
                getattr(finding, "code", "?"),
                getattr(finding, "message", finding),
            )
        if errors and self.preflight == "block":
            summary = "; ".join(
                f"{getattr(f, 'field', None) or '-'}: {getattr(f, 'message', f)}"
                for f in errors
            )
            raise PreflightError(
                f"preflight found {len(errors)} error(s), nothing was sent: {summary}",
                method=request.method,
                url=request.url(self.profile.base_url),
                request_id=request.headers.get("RequestId"),
                findings=errors,
            )
        return findings

    # -- sending methods: one per builder ----------------------------------

    send_message = _sending(
        RequestBuilder.build_send_message, "Send an end-user text message."
    )
    send_typing = _sending(
        RequestBuilder.build_send_typing, "Send a typing indicator."
    )
    send_delivery_failed = _sending(
        RequestBuilder.build_send_delivery_failed, "Report an undelivered entry."
    )
    send_attachment = _sending(
        RequestBuilder.build_send_attachment, "Upload one file."
    )
    create_conversation = _sending(
        RequestBuilder.build_create_conversation, "Find or create the conversation."
    )
    acknowledge = _sending(
        RequestBuilder.build_acknowledge, "Send delivery or read receipts."
    )
    route = _sending(
        RequestBuilder.build_route, "Ask Salesforce to route the conversation."
    )
    delete_route = _sending(
        RequestBuilder.build_delete_route, "Cancel the pending routing."
    )
    routing_result = _sending(
        RequestBuilder.build_routing_result, "Report the routing outcome."
    )
    create_agent_work = _sending(
        RequestBuilder.build_create_agent_work, "Assign work to a rep."
    )
    update_agent_work = _sending(
        RequestBuilder.build_update_agent_work, "Change the state of an agent work."
    )
    update_consent = _sending(
        RequestBuilder.build_update_consent, "Update the consent status."
    )
    register_capabilities = _sending(
        RequestBuilder.build_register_capabilities, "Register channel capabilities."
    )
    send_conversation_history = _sending(
        RequestBuilder.build_send_conversation_history, "Import earlier entries."
    )
    remove_participant = _sending(
        RequestBuilder.build_remove_participant, "Remove a rep from the conversation."
    )
    end_messaging_session = _sending(
        RequestBuilder.build_end_messaging_session, "End or inactivate the session."
    )


def raise_for_exchange(exchange: Exchange) -> None:
    """Raise the ``InteractionApiError`` that matches a failed exchange.

    Does nothing when the exchange succeeded.
    """
    error: InteractionApiError | None = error_for_exchange(exchange)
    if error is not None:
        raise error
