"""The live client: one method per Interaction API endpoint.

``InteractionClient`` turns a ``Profile`` into requests. Each endpoint has a
``build_<method>`` that returns the ``ApiRequest`` without sending it (the
notebooks show it first) and a ``<method>`` that builds and sends it. Every
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
import logging
import random
import time
import uuid
from collections.abc import Callable, Iterable
from typing import Any

import requests

from helpers import transport
from helpers.errors import (
    RETRY_LATER_CODES,
    ConnectionFailed,
    InteractionApiError,
    PreflightError,
    error_for_exchange,
    response_code,
    transport_error_class,
)
from helpers.model import API_PREFIX, ApiRequest, Attachment, Exchange
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


def _now_ms() -> int:
    return int(time.time() * 1000)


def _new_id() -> str:
    return str(uuid.uuid4())


def _end_user(subject: str) -> dict[str, str]:
    return {"appType": "custom", "subject": subject, "role": "EndUser"}


def _drop_none(data: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in data.items() if v is not None}


def _without(headers: dict[str, str], name: str) -> dict[str, str]:
    return {k: v for k, v in headers.items() if k.lower() != name.lower()}


def _has_own_authorization(request: ApiRequest) -> bool:
    """Return True when the request carries an Authorization value that is not masked."""
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

    method.__name__ = build.__name__.removeprefix("build_")
    method.__qualname__ = f"InteractionClient.{method.__name__}"
    method.__doc__ = (
        f"{summary}\n\n"
        f"Takes the parameters of ``{build.__name__}`` plus ``raise_for_error``\n"
        "(None uses the client's default) and returns the ``Exchange``.\n"
    )
    return method


class InteractionClient:
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
        Base delay in seconds; attempt n waits about ``backoff * 2**(n-1)``,
        capped at ``max_backoff``, half of it random (jitter).
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
            "RequestId": _new_id(),
            "Accept": "application/json",
        }
        if (request.method.upper(), request.endpoint) in CONTEXT_TYPE_REQUIRED:
            defaults["AuthorizationContextType"] = self.profile.authorization_context_type
        is_json = request.raw_body is None and not request.is_multipart
        if request.json is not None and is_json:
            defaults["Content-Type"] = "application/json"
        for name, value in defaults.items():
            if name.lower() not in present:
                headers[name] = value
        return headers

    def send(self, request: ApiRequest, raise_for_error: bool | None = None) -> Exchange:
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
        should_raise = self.raise_for_error if raise_for_error is None else raise_for_error
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
                prepared.headers["RequestId"] = _new_id()
            exchange = self._send_once(prepared, token, attempt, preflight)
            code = response_code(exchange) if exchange.status is not None else None

            if code == REFRESH_CODE and not refreshed and self.profile.can_refresh_token:
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
        try:
            from helpers.preflight import check
        except ImportError:  # NOTE: only while helpers.preflight is not written yet.
            return []
        # The checks see the request as it will be sent, token included, so
        # they can compare its org with the OrgId header. Their findings name
        # only the token's placeholder.
        findings = list(check(request, profile=self.profile))
        errors = [f for f in findings if getattr(f, "severity", None) == "error"]
        for finding in findings:
            log.warning(
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

    def build(self, endpoint: str, **fields: Any) -> ApiRequest:
        """Build the request of a named endpoint method without sending it.

        Examples
        --------
        >>> client.build("send_message", text="Hi")  # doctest: +SKIP
        """
        builder = getattr(self, f"build_{endpoint}", None)
        if builder is None:
            names = sorted(
                name.removeprefix("build_") for name in dir(self) if name.startswith("build_")
            )
            raise ValueError(
                f"unknown endpoint method {endpoint!r}; use one of {', '.join(names)}"
            )
        return builder(**fields)

    # -- request builders --------------------------------------------------

    def _request(self, method: str, resource: str, body: Any) -> ApiRequest:
        return ApiRequest(
            method=method,
            path=API_PREFIX + resource,
            json=body,
            headers={"RequestId": _new_id()},
        )

    def _interaction(
        self,
        item: dict[str, Any],
        attachment: Attachment | None = None,
        routing_attributes: dict[str, str] | None = None,
        end_user_client_id: str | None = None,
    ) -> ApiRequest:
        document = _drop_none(
            {
                "to": self.profile.channel_address_identifier,
                "from": end_user_client_id or self.profile.end_user_client_id,
                "interactions": [item],
                "routingAttributes": routing_attributes,
            }
        )
        return ApiRequest(
            method="POST",
            path=API_PREFIX + "interactions",
            headers={"RequestId": _new_id()},
            json_part=document,
            attachments=[attachment] if attachment else [],
        )

    def build_send_message(
        self,
        text: str,
        *,
        end_user_client_id: str | None = None,
        routing_attributes: dict[str, str] | None = None,
        message_id: str | None = None,
        in_reply_to: str | None = None,
        timestamp_ms: int | None = None,
    ) -> ApiRequest:
        """Build ``POST /interactions`` with a text ``Message`` entry.

        Parameters
        ----------
        text
            The message text.
        end_user_client_id
            Sender (``from``); the profile's end user by default.
        routing_attributes
            Channel variables; honoured when Salesforce owns routing.
        message_id
            Entry and message id (kept equal, as the API expects); a new UUID by default.
        in_reply_to
            Id of the message being answered.
        timestamp_ms
            Client time of the interaction in epoch milliseconds; now by default.
        """
        entry_id = message_id or _new_id()
        message = _drop_none(
            {
                "messageType": "StaticContentMessage",
                "id": entry_id,
                "staticContent": {"formatType": "Text", "text": text},
                "inReplyToMessageId": in_reply_to,
            }
        )
        item = {
            "interactionType": "EntryInteraction",
            "timestamp": timestamp_ms or _now_ms(),
            "payload": {"id": entry_id, "entryType": "Message", "abstractMessage": message},
        }
        return self._interaction(
            item,
            routing_attributes=routing_attributes,
            end_user_client_id=end_user_client_id,
        )

    def build_send_typing(
        self, started: bool = True, *, end_user_client_id: str | None = None
    ) -> ApiRequest:
        """Build ``POST /interactions`` with a typing started or stopped indicator."""
        now = _now_ms()
        entry_type = "TypingStartedIndicator" if started else "TypingStoppedIndicator"
        item = {
            "interactionType": "EntryInteraction",
            "timestamp": now,
            "payload": {"id": _new_id(), "entryType": entry_type, "timestamp": now},
        }
        return self._interaction(item, end_user_client_id=end_user_client_id)

    def build_send_delivery_failed(
        self,
        failed_entry_id: str,
        error_code: str | int,
        error_message: str | None = None,
        *,
        end_user_client_id: str | None = None,
    ) -> ApiRequest:
        """Build ``POST /interactions`` reporting that an outbound entry was not delivered.

        Parameters
        ----------
        failed_entry_id
            Id of the conversation entry that could not be delivered.
        error_code
            The partner's error code; sent as a string.
        error_message
            Optional text for the rep.
        """
        subject = end_user_client_id or self.profile.end_user_client_id
        payload = _drop_none(
            {
                "id": _new_id(),
                "entryType": "MessageDeliveryFailed",
                "recipient": _end_user(subject),
                "errorCode": str(error_code),
                "failedConversationEntryIdentifier": failed_entry_id,
                "errorMessage": error_message,
            }
        )
        item = {
            "interactionType": "EntryInteraction",
            "timestamp": _now_ms(),
            "payload": payload,
        }
        return self._interaction(item, end_user_client_id=end_user_client_id)

    def build_send_attachment(
        self,
        filename: str,
        content: bytes,
        mime_type: str,
        text: str | None = None,
        *,
        end_user_client_id: str | None = None,
    ) -> ApiRequest:
        """Build the multipart ``POST /interactions`` that uploads one file.

        ``contentLength`` is the exact byte size of ``content``.
        """
        if not isinstance(content, (bytes, bytearray)):
            raise TypeError(
                f"content must be bytes, got {type(content).__name__}; "
                "read the file in binary mode"
            )
        item = _drop_none(
            {
                "interactionType": "AttachmentInteraction",
                "id": _new_id(),
                "attachmentIndex": 0,
                "contentLength": len(content),
                "text": text,
                "timestamp": _now_ms(),
            }
        )
        attachment = Attachment(filename, bytes(content), mime_type)
        return self._interaction(
            item, attachment=attachment, end_user_client_id=end_user_client_id
        )

    def build_create_conversation(
        self,
        *,
        routing_attributes: dict[str, str] | None = None,
        end_user_client_id: str | None = None,
    ) -> ApiRequest:
        """Build ``POST /conversation`` for the profile's channel and end user."""
        subject = end_user_client_id or self.profile.end_user_client_id
        body = _drop_none(
            {
                "channelAddressIdentifier": self.profile.channel_address_identifier,
                "participants": [_end_user(subject)],
                "routingAttributes": routing_attributes,
            }
        )
        return self._request("POST", "conversation", body)

    def build_acknowledge(
        self,
        conversation_id: str,
        entry_ids: str | Iterable[str],
        acknowledgement_type: str = "Delivered",
        *,
        end_user_client_id: str | None = None,
    ) -> ApiRequest:
        """Build ``POST /acknowledgement`` for one or more outbound entries.

        Parameters
        ----------
        conversation_id
            The conversationIdentifier.
        entry_ids
            Id or ids (1 to 25) of the outbound entries being acknowledged.
        acknowledgement_type
            ``Delivered`` or ``Read``.
        """
        ids = [entry_ids] if isinstance(entry_ids, str) else list(entry_ids)
        now = _now_ms()
        acknowledgements = [
            {
                "acknowledgementType": acknowledgement_type,
                "acknowledgedConversationEntryIdentifier": entry_id,
                "acknowledgmentCreatedConversationEntryIdentifier": _new_id(),
                "acknowledgementTimestamp": now,
            }
            for entry_id in ids
        ]
        body = {
            "conversationIdentifier": conversation_id,
            "sender": _end_user(end_user_client_id or self.profile.end_user_client_id),
            "acknowledgements": acknowledgements,
        }
        return self._request("POST", "acknowledgement", body)

    def build_route(
        self,
        conversation_id: str,
        routing_type: str = "Initial",
        *,
        queue_id: str | None = None,
        flow_id: str | None = None,
        routing_attributes: dict[str, str] | None = None,
        use_channel_setting: bool = False,
    ) -> ApiRequest:
        """Build ``POST /route`` (partner-owned routing).

        With ``flow_id``, routes through that flow with ``queue_id`` (or the
        profile's queue) as fallback; otherwise to ``queue_id`` or the
        profile's queue. ``use_channel_setting=True`` omits ``routingInfo`` so
        the channel's own routing setting applies.
        """
        body: dict[str, Any] = {
            "conversationIdentifier": conversation_id,
            "routingType": routing_type,
        }
        if not use_channel_setting:
            queue = queue_id or self.profile.queue_id
            flow = flow_id or None
            if flow:
                info: dict[str, Any] = {"flow": {"flowId": flow, "queueId": queue}}
            else:
                info = {"queueId": queue}
            if routing_attributes:
                info["routingAttributes"] = routing_attributes
            body["routingInfo"] = info
        return self._request("POST", "route", body)

    def build_delete_route(
        self, conversation_id: str, cancel_reason: str | None = None
    ) -> ApiRequest:
        """Build ``DELETE /route`` with a JSON body.

        ``cancel_reason`` (Unknown, Unavailable, Decline, Cancel) needs a newer
        org; older orgs reject it with 10076.
        """
        body = _drop_none(
            {"conversationIdentifier": conversation_id, "cancelReason": cancel_reason}
        )
        return self._request("DELETE", "route", body)

    def build_routing_result(
        self,
        conversation_id: str,
        work_item_id: str,
        success: bool = True,
        *,
        externally_routed: bool = False,
        error_message: str | None = None,
        routing_type: str | None = None,
    ) -> ApiRequest:
        """Build ``POST /routingResult``.

        Pass ``error_message`` only with ``success=False``: the API rejects it
        with a success (10033) and requires it with a failure (10034).
        """
        body = _drop_none(
            {
                "conversationIdentifier": conversation_id,
                "workItemId": work_item_id,
                "success": success,
                "externallyRouted": externally_routed,
                "errorMessage": error_message,
                "routingType": routing_type,
            }
        )
        return self._request("POST", "routingResult", body)

    def build_create_agent_work(
        self,
        work_item_id: str,
        *,
        user_id: str | None = None,
        capacity_weight: float | None = None,
        capacity_percentage: float | None = None,
        conversation_id: str | None = None,
        routing_correlation_id: str | None = None,
        routing_type: str = "Initial",
    ) -> ApiRequest:
        """Build ``POST /agentWork``.

        With a pending routing request (after ``route``), pass only
        ``work_item_id`` and ``user_id``. Without one, also pass one capacity
        field, ``conversation_id`` and ``routing_correlation_id``.
        """
        body = _drop_none(
            {
                "userId": user_id or self.profile.user_id,
                "workItemId": work_item_id,
                "capacityWeight": capacity_weight,
                "capacityPercentage": capacity_percentage,
            }
        )
        if conversation_id or routing_correlation_id:
            body["routingContext"] = _drop_none(
                {
                    "conversationIdentifier": conversation_id,
                    "routingType": routing_type,
                    "routingCorrelationId": routing_correlation_id,
                }
            )
        return self._request("POST", "agentWork", body)

    def build_update_agent_work(
        self,
        work_id: str,
        status: str,
        *,
        context_type: str = "Agent",
        work_item_id: str | None = None,
        bot_id: str | None = None,
    ) -> ApiRequest:
        """Build ``PATCH /agentWork``; ``status`` is Accept, Close, Decline or Cancel."""
        body = _drop_none(
            {
                "workId": work_id,
                "contextType": context_type,
                "status": status,
                "workItemId": work_item_id,
                "botId": bot_id,
            }
        )
        return self._request("PATCH", "agentWork", body)

    def build_update_consent(
        self, consent_status: str, *, end_user_client_id: str | None = None
    ) -> ApiRequest:
        """Build ``PATCH /consent``; ``consent_status`` is OptedOut, ImplicitlyOptedIn,
        ExplicitlyOptedIn or DoublyOptedIn."""
        body = {
            "channelAddressIdentifier": self.profile.channel_address_identifier,
            "endUserClientId": end_user_client_id or self.profile.end_user_client_id,
            "consentStatus": consent_status,
        }
        return self._request("PATCH", "consent", body)

    def build_register_capabilities(
        self, capabilities: dict[str, Any] | None = None
    ) -> ApiRequest:
        """Build ``PATCH /capabilities``.

        Without ``capabilities``, registers text and attachments for a custom
        channel integration of the profile's channel definition.
        """
        if capabilities is None:
            definition = self.profile.authorization_context
            formats = [{"formatType": "Text"}, {"formatType": "Attachments"}]
            capabilities = {
                "appType": "custom",
                "channelCapabilities": [
                    {
                        "channelType": "custom",
                        "customIntegration": {
                            "customIntegrationType": "CustomChannelIntegration",
                            "integrationNamespace": self.profile.org_id,
                            "conversationChannelDefinitionDevName": definition,
                        },
                        "messageTypeCapabilities": [
                            {
                                "messageType": "StaticContentMessage",
                                "formatTypeCapabilities": formats,
                            }
                        ],
                    }
                ],
            }
        return self._request("PATCH", "capabilities", {"capabilities": capabilities})

    def build_send_conversation_history(
        self,
        entries: Iterable[str | dict[str, Any]],
        *,
        participants: list[dict[str, Any]] | None = None,
        messaging_session: dict[str, Any] | None = None,
        end_user_client_id: str | None = None,
    ) -> ApiRequest:
        """Build ``POST /conversationHistory`` (CCaaS partners only).

        Parameters
        ----------
        entries
            Texts (sent as end-user messages one second apart, oldest first)
            or complete entry dicts.
        participants
            Conversation participants; by default the end user, joined a minute
            before the first entry.
        messaging_session
            ``{"messagingSessionRequestType": ..., "payload": {...}}``; None to omit.
        """
        subject = end_user_client_id or self.profile.end_user_client_id
        items = list(entries)
        start = _now_ms() - 1000 * (len(items) + 60)
        history = []
        for index, entry in enumerate(items):
            if isinstance(entry, dict):
                history.append(entry)
                continue
            entry_id = _new_id()
            history.append(
                {
                    "clientTimestamp": start + 60_000 + 1000 * index,
                    "sender": _end_user(subject),
                    "entryPayload": {
                        "id": entry_id,
                        "entryType": "Message",
                        "abstractMessage": {
                            "messageType": "StaticContentMessage",
                            "id": entry_id,
                            "staticContent": {"formatType": "Text", "text": str(entry)},
                        },
                    },
                }
            )
        body = _drop_none(
            {
                "channelAddressIdentifier": self.profile.channel_address_identifier,
                "conversationParticipants": participants
                or [{"participant": _end_user(subject), "joinedTime": start}],
                "conversationEntries": history,
                "messagingSession": messaging_session,
            }
        )
        return self._request("POST", "conversationHistory", body)

    def build_remove_participant(
        self, conversation_id: str, user_id: str | None = None
    ) -> ApiRequest:
        """Build ``POST /participant`` that removes a rep from the conversation."""
        body = {
            "conversationIdentifier": conversation_id,
            "operation": "Remove",
            "participants": [
                {"appType": "agent", "subject": user_id or self.profile.user_id, "role": "Agent"}
            ],
        }
        return self._request("POST", "participant", body)

    def build_end_messaging_session(
        self,
        conversation_id: str,
        operation: str = "End",
        *,
        operation_by: str | None = None,
        session_id: str | None = None,
        end_user_client_id: str | None = None,
    ) -> ApiRequest:
        """Build ``POST /messagingSession``; ``operation`` is End or Inactivate
        (Inactivate needs ``session_id``)."""
        body = _drop_none(
            {
                "channelAddressIdentifier": self.profile.channel_address_identifier,
                "conversationIdentifier": conversation_id,
                "endUserClientId": end_user_client_id or self.profile.end_user_client_id,
                "operation": operation,
                "operationBy": operation_by,
                "sessionId": session_id,
            }
        )
        return self._request("POST", "messagingSession", body)

    # -- sending methods: one per builder ----------------------------------

    send_message = _sending(build_send_message, "Send an end-user text message.")
    send_typing = _sending(build_send_typing, "Send a typing indicator.")
    send_delivery_failed = _sending(
        build_send_delivery_failed, "Report an undelivered outbound entry."
    )
    send_attachment = _sending(build_send_attachment, "Upload one file.")
    create_conversation = _sending(
        build_create_conversation, "Find or create the end user's conversation."
    )
    acknowledge = _sending(build_acknowledge, "Send delivery or read receipts.")
    route = _sending(build_route, "Ask Salesforce to route the conversation.")
    delete_route = _sending(build_delete_route, "Cancel the pending routing.")
    routing_result = _sending(build_routing_result, "Report the routing outcome.")
    create_agent_work = _sending(build_create_agent_work, "Assign work to a rep.")
    update_agent_work = _sending(
        build_update_agent_work, "Change the state of an agent work."
    )
    update_consent = _sending(build_update_consent, "Update the consent status.")
    register_capabilities = _sending(
        build_register_capabilities, "Register the channel's capabilities."
    )
    send_conversation_history = _sending(
        build_send_conversation_history, "Import earlier conversation entries."
    )
    remove_participant = _sending(
        build_remove_participant, "Remove a rep from the conversation."
    )
    end_messaging_session = _sending(
        build_end_messaging_session, "End or inactivate the messaging session."
    )


def raise_for_exchange(exchange: Exchange) -> None:
    """Raise the ``InteractionApiError`` that matches a failed exchange.

    Does nothing when the exchange succeeded.
    """
    error: InteractionApiError | None = error_for_exchange(exchange)
    if error is not None:
        raise error
