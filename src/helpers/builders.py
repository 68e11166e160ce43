"""Request builders: one ``build_<method>`` per Interaction API endpoint.

``RequestBuilder`` turns a ``Profile`` and a few arguments into an
``ApiRequest`` without sending it, so a notebook can show the request first.
The bodies follow the API reference: multipart with a ``json`` part and an
``attachments`` part for ``POST /interactions``, JSON elsewhere (including
the body of ``DELETE /route``). ``InteractionClient`` inherits these
builders and adds a sending method for each. Built requests carry a
``RequestId`` but never the token; the client adds ``Authorization`` when it
sends.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterable
from typing import Any

from helpers.model import API_PREFIX, ApiRequest, Attachment
from helpers.profiles import Profile


def now_ms() -> int:
    """Return the current time in epoch milliseconds, the API's timestamp unit."""
    return int(time.time() * 1000)


def new_id() -> str:
    """Return a new random UUID string, for ``RequestId`` and entry ids."""
    return str(uuid.uuid4())


def end_user(subject: str) -> dict[str, str]:
    """Return the participant object of an end user of a custom channel."""
    return {"appType": "custom", "subject": subject, "role": "EndUser"}


def _drop_none(data: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in data.items() if v is not None}


class RequestBuilder:
    """Builders of every endpoint's request for one profile."""

    profile: Profile

    def build(self, endpoint: str, **fields: Any) -> ApiRequest:
        """Build the request of a named endpoint method without sending it.

        Raises
        ------
        TypeError
            When ``endpoint`` is not a str, or the builder's ``profile`` is
            not a ``Profile``.
        ValueError
            When no ``build_<endpoint>`` method exists; the message lists them.

        Examples
        --------
        >>> client.build("send_message", text="Hi")  # doctest: +SKIP
        """
        if not isinstance(endpoint, str):
            raise TypeError(
                "endpoint must be the name of an endpoint method such as "
                f"'send_message', got {type(endpoint).__name__}"
            )
        profile = getattr(self, "profile", None)
        if not isinstance(profile, Profile):
            raise TypeError(
                "the builder's profile must be a Profile, got "
                f"{type(profile).__name__}; create the client with a profile "
                "path, dict or Profile (helpers.profiles.load_profile builds one)"
            )
        builder = getattr(self, f"build_{endpoint}", None)
        if builder is None:
            names = sorted(
                name.removeprefix("build_")
                for name in dir(self)
                if name.startswith("build_")
            )
            raise ValueError(
                f"unknown endpoint method {endpoint!r}; use one of {', '.join(names)}"
            )
        return builder(**fields)


    def _request(self, method: str, resource: str, body: Any) -> ApiRequest:
        return ApiRequest(
            method=method,
            path=API_PREFIX + resource,
            json=body,
            headers={"RequestId": new_id()},
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
            headers={"RequestId": new_id()},
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
            Entry and message id, kept equal as the API expects; a new UUID by
            default.
        in_reply_to
            Id of the message being answered.
        timestamp_ms
            Client time of the interaction in epoch milliseconds; now by default.
        """
        entry_id = message_id or new_id()
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
            "timestamp": timestamp_ms or now_ms(),
            "payload": {
                "id": entry_id,
                "entryType": "Message",
                "abstractMessage": message,
            },
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
        now = now_ms()
        entry_type = "TypingStartedIndicator" if started else "TypingStoppedIndicator"
        item = {
            "interactionType": "EntryInteraction",
            "timestamp": now,
            "payload": {"id": new_id(), "entryType": entry_type, "timestamp": now},
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
        """Build ``POST /interactions`` that reports an undelivered outbound entry.

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
                "id": new_id(),
                "entryType": "MessageDeliveryFailed",
                "recipient": end_user(subject),
                "errorCode": str(error_code),
                "failedConversationEntryIdentifier": failed_entry_id,
                "errorMessage": error_message,
            }
        )
        item = {
            "interactionType": "EntryInteraction",
            "timestamp": now_ms(),
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
                "id": new_id(),
                "attachmentIndex": 0,
                "contentLength": len(content),
                "text": text,
                "timestamp": now_ms(),
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
                "participants": [end_user(subject)],
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
        now = now_ms()
        acknowledgements = [
            {
                "acknowledgementType": acknowledgement_type,
                "acknowledgedConversationEntryIdentifier": entry_id,
                "acknowledgmentCreatedConversationEntryIdentifier": new_id(),
                "acknowledgementTimestamp": now,
            }
            for entry_id in ids
        ]
        body = {
            "conversationIdentifier": conversation_id,
            "sender": end_user(end_user_client_id or self.profile.end_user_client_id),
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
        """Build ``PATCH /agentWork``.

        ``status`` is Accept, Close, Decline or Cancel; ``context_type`` is
        Agent or Chatbot (which needs ``work_item_id`` and ``bot_id``).
        """
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
        """Build ``PATCH /consent``.

        ``consent_status`` is OptedOut, ImplicitlyOptedIn, ExplicitlyOptedIn
        or DoublyOptedIn.
        """
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
        start = now_ms() - 1000 * (len(items) + 60)
        history = []
        for index, entry in enumerate(items):
            if isinstance(entry, dict):
                history.append(entry)
                continue
            entry_id = new_id()
            history.append(
                {
                    "clientTimestamp": start + 60_000 + 1000 * index,
                    "sender": end_user(subject),
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
                or [{"participant": end_user(subject), "joinedTime": start}],
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
                {
                    "appType": "agent",
                    "subject": user_id or self.profile.user_id,
                    "role": "Agent",
                }
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
        """Build ``POST /messagingSession``.

        ``operation`` is End or Inactivate; Inactivate needs ``session_id``.
        """
        subject = end_user_client_id or self.profile.end_user_client_id
        body = _drop_none(
            {
                "channelAddressIdentifier": self.profile.channel_address_identifier,
                "conversationIdentifier": conversation_id,
                "endUserClientId": subject,
                "operation": operation,
                "operationBy": operation_by,
                "sessionId": session_id,
            }
        )
        return self._request("POST", "messagingSession", body)
