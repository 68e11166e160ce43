"""Requests and exchanges as plain data, shared by the client, the preflight
checks, the curl importer, the repro catalog, the sandbox tests and the
session journal.

An ``ApiRequest`` is what a caller wants to send, independent of the target:
the path is relative to the base URL (``/api/v1/...``). An ``Exchange`` is one
request sent and what came back, with the token already masked.
"""

from __future__ import annotations

import base64
import copy
import dataclasses
import hashlib
import json as jsonlib
from dataclasses import dataclass, field
from typing import Any

from helpers.secrets import mask_headers, mask_text

API_PREFIX = "/api/v1/"

# Attachments up to this many bytes are stored inline in request dicts.
INLINE_ATTACHMENT_LIMIT = 1024 * 1024


@dataclass(repr=False)
class Attachment:
    """One file sent in the ``attachments`` part of ``POST /interactions``."""

    filename: str
    content: bytes
    mime_type: str = "application/octet-stream"

    def to_dict(self) -> dict[str, Any]:
        """Return a JSON-ready dict; content over the inline limit is left out.

        Session journals store every request, and the 25 MB upload that
        reproduces error 10008 would add about 35 MB of base64 per record.
        Above ``INLINE_ATTACHMENT_LIMIT`` the dict keeps the size and a
        SHA-256 digest instead of the bytes.
        """
        data: dict[str, Any] = {
            "filename": self.filename,
            "mime_type": self.mime_type,
            "size": len(self.content),
        }
        if len(self.content) > INLINE_ATTACHMENT_LIMIT:
            data["sha256"] = hashlib.sha256(self.content).hexdigest()
            data["content_omitted"] = True
        else:
            data["content_base64"] = base64.b64encode(self.content).decode("ascii")
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Attachment:
        """Build an attachment from ``to_dict`` output.

        When the content was left out, the attachment gets ``size`` zero
        bytes, so a replay still sends a file of the recorded size and a size
        error such as 10008 comes back the same way.
        """
        if data.get("content_omitted"):
            content = bytes(int(data.get("size") or 0))
        else:
            content = base64.b64decode(data.get("content_base64", ""))
        return cls(
            filename=data["filename"],
            content=content,
            mime_type=data.get("mime_type", "application/octet-stream"),
        )

    def __repr__(self) -> str:
        # The size stands in for the bytes: a 25 MB repr helps nobody.
        return (
            f"Attachment(filename={self.filename!r}, "
            f"content=<{len(self.content)} bytes>, mime_type={self.mime_type!r})"
        )


@dataclass(repr=False)
class ApiRequest:
    """A request to the Interaction Service API, independent of the target.

    Exactly one body form is used: ``json`` for JSON endpoints; ``json_part``
    and ``attachments`` for the multipart ``POST /interactions`` (``json_part``
    is a dict, or a string sent as is to reproduce malformed JSON); or
    ``raw_body`` for bytes sent unchanged with the ``Content-Type`` header
    given in ``headers``.
    """

    method: str
    path: str
    headers: dict[str, str] = field(default_factory=dict)
    json: Any = None
    json_part: Any = None
    attachments: list[Attachment] = field(default_factory=list)
    raw_body: bytes | None = None
    query: dict[str, str] | None = None

    @property
    def is_multipart(self) -> bool:
        return self.json_part is not None or bool(self.attachments)

    @property
    def endpoint(self) -> str:
        """The resource name, such as ``interactions`` or ``agentWork``."""
        path = self.path.split("?", 1)[0]
        if path.startswith(API_PREFIX):
            path = path[len(API_PREFIX) :]
        return path.strip("/")

    def url(self, base_url: str) -> str:
        return base_url.rstrip("/") + "/" + self.path.lstrip("/")

    def body_json(self) -> Any:
        """Return the JSON document of the request: the body or the ``json`` part."""
        if self.json_part is not None:
            if isinstance(self.json_part, str):
                try:
                    return jsonlib.loads(self.json_part)
                except ValueError:
                    return None
            return self.json_part
        return self.json

    def to_requests_kwargs(self, base_url: str) -> dict[str, Any]:
        """Return keyword arguments for ``requests.request``."""
        kwargs: dict[str, Any] = {
            "method": self.method.upper(),
            "url": self.url(base_url),
            "headers": dict(self.headers),
        }
        if self.query:
            kwargs["params"] = dict(self.query)
        if self.raw_body is not None:
            kwargs["data"] = self.raw_body
        elif self.is_multipart:
            # requests writes the multipart Content-Type with its boundary, so
            # a caller's own Content-Type header must not override it.
            kwargs["headers"] = {
                k: v for k, v in self.headers.items() if k.lower() != "content-type"
            }
            files: list[tuple[str, tuple]] = []
            if self.json_part is not None:
                text = (
                    self.json_part
                    if isinstance(self.json_part, str)
                    else jsonlib.dumps(self.json_part)
                )
                files.append(("json", (None, text, "application/json")))
            for attachment in self.attachments:
                files.append(
                    (
                        "attachments",
                        (attachment.filename, attachment.content, attachment.mime_type),
                    )
                )
            kwargs["files"] = files
        elif self.json is not None:
            kwargs["json"] = self.json
        return kwargs

    def copy(self) -> ApiRequest:
        return copy.deepcopy(self)

    def replace(self, **changes: Any) -> ApiRequest:
        return dataclasses.replace(self.copy(), **changes)

    def __repr__(self) -> str:
        # A notebook cell that ends with a request displays this repr and
        # saves it in the notebook, so credentials are masked here too.
        parts = [
            f"method={self.method!r}",
            f"path={self.path!r}",
            f"headers={mask_headers(self.headers)!r}",
        ]
        for name in ("json", "json_part", "query"):
            value = getattr(self, name)
            if value is not None:
                parts.append(f"{name}={mask_text(repr(value))}")
        if self.attachments:
            parts.append(f"attachments={self.attachments!r}")
        if self.raw_body is not None:
            parts.append(f"raw_body=<{len(self.raw_body)} bytes>")
        return f"ApiRequest({', '.join(parts)})"

    def masked(self) -> ApiRequest:
        """Return a copy whose headers carry no credential."""
        clone = self.copy()
        clone.headers = mask_headers(clone.headers)
        return clone

    def to_dict(self) -> dict[str, Any]:
        """Return a JSON-ready dict. Credentials in headers are masked."""
        data: dict[str, Any] = {
            "method": self.method.upper(),
            "path": self.path,
            "headers": mask_headers(self.headers),
        }
        if self.query:
            data["query"] = dict(self.query)
        if self.json is not None:
            data["json"] = self.json
        if self.json_part is not None:
            data["json_part"] = self.json_part
        if self.attachments:
            data["attachments"] = [a.to_dict() for a in self.attachments]
        if self.raw_body is not None:
            data["raw_body_base64"] = base64.b64encode(self.raw_body).decode("ascii")
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ApiRequest:
        raw = data.get("raw_body_base64")
        return cls(
            method=data["method"],
            path=data["path"],
            headers=dict(data.get("headers") or {}),
            json=data.get("json"),
            json_part=data.get("json_part"),
            attachments=[Attachment.from_dict(a) for a in data.get("attachments", [])],
            raw_body=base64.b64decode(raw) if raw is not None else None,
            query=data.get("query"),
        )


@dataclass
class Exchange:
    """One request sent and what came back.

    ``request`` is stored masked. ``status`` is None when no response arrived,
    and then ``error`` describes the transport failure. ``findings`` holds the
    decoded findings of the response (``helpers.decode.Finding`` objects).
    """

    request: ApiRequest
    url: str
    target: str
    started_at: str
    elapsed_ms: float | None = None
    status: int | None = None
    response_headers: dict[str, str] = field(default_factory=dict)
    response_body: str = ""
    error: str | None = None
    findings: list[Any] = field(default_factory=list)
    request_id: str | None = None
    attempt: int = 1
    # Findings of the preflight checks run before sending (helpers.preflight).
    preflight: list[Any] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.request = self.request.masked()
        self.url = mask_text(self.url)
        self.response_body = mask_text(self.response_body)
        if self.error:
            self.error = mask_text(self.error)

    @property
    def ok(self) -> bool:
        return self.status is not None and 200 <= self.status < 300 and not any(
            getattr(f, "code", None) is not None or getattr(f, "kind", None) == "api"
            for f in self.findings
        )

    def response_json(self) -> Any:
        try:
            return jsonlib.loads(self.response_body)
        except ValueError:
            return None

    def to_dict(self) -> dict[str, Any]:
        return {
            "request": self.request.to_dict(),
            "url": self.url,
            "target": self.target,
            "started_at": self.started_at,
            "elapsed_ms": self.elapsed_ms,
            "status": self.status,
            "response_headers": mask_headers(self.response_headers),
            "response_body": self.response_body,
            "error": self.error,
            "findings": [
                f.to_dict() if hasattr(f, "to_dict") else f for f in self.findings
            ],
            "request_id": self.request_id,
            "attempt": self.attempt,
            "preflight": [
                f.to_dict() if hasattr(f, "to_dict") else f for f in self.preflight
            ],
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Exchange:
        return cls(
            request=ApiRequest.from_dict(data["request"]),
            url=data["url"],
            target=data.get("target", ""),
            started_at=data.get("started_at", ""),
            elapsed_ms=data.get("elapsed_ms"),
            status=data.get("status"),
            response_headers=dict(data.get("response_headers") or {}),
            response_body=data.get("response_body", ""),
            error=data.get("error"),
            findings=list(data.get("findings") or []),
            request_id=data.get("request_id"),
            attempt=data.get("attempt", 1),
            preflight=list(data.get("preflight") or []),
        )
