"""Read HTTP exchanges: ``requests`` responses, raw HTTP text, curl transcripts, HAR.

Each exchange gives the context of its body (status, method, URL, request
id). The body is then read as the API's error shapes. An error status whose
body is not one of them (an HTML page from a proxy, an empty or cut-off
body, plain text) gives one ``not_api`` finding that describes what came
back instead.
"""

from __future__ import annotations

import base64
import json
import re
from dataclasses import dataclass, field
from typing import Any

from helpers.decode import transport
from helpers.decode.body import (
    MAX_JSON_NESTING,
    Context,
    findings_from_value,
    json_too_deep,
    not_api_finding,
)
from helpers.decode.finding import Finding

_REQUEST_ID_HEADERS = ("requestid", "x-request-id", "x-requestid", "request-id")
_TITLE = re.compile(r"<title[^>]*>(.*?)</title>", re.IGNORECASE | re.DOTALL)
_HEADING = re.compile(r"<h1[^>]*>(.*?)</h1>", re.IGNORECASE | re.DOTALL)
_TAG = re.compile(r"<[^>]+>")
_SALVAGE_CODE = re.compile(r"[\"']?code[\"']?\s*:\s*[\"']?(\d{3,6})")

STATUS_LINE = re.compile(r"^HTTP/\d(?:\.\d)?\s+(\d{3})[^\n]*$", re.MULTILINE)
REQUEST_LINE = re.compile(
    r"^(GET|POST|PUT|PATCH|DELETE|HEAD|OPTIONS) (\S+) HTTP/\d(?:\.\d)?\s*$", re.MULTILINE
)
CURL_MARKER = re.compile(r"^[<>] (?:HTTP/\d|(?:GET|POST|PUT|PATCH|DELETE) \S+ HTTP/)", re.MULTILINE)
# Marks curl's informational ``*`` lines once the transcript is stripped.
_CURL_INFO = "\x00"
RAW_HTTP_START = re.compile(
    r"\A\s*(?:HTTP/\d(?:\.\d)? \d{3}|(?:GET|POST|PUT|PATCH|DELETE|HEAD|OPTIONS) \S+ HTTP/\d)"
)


def header(headers: Any, *names: str) -> str | None:
    """Return the first of ``names`` found in ``headers`` (any case), or None."""
    if not headers:
        return None
    if isinstance(headers, list):
        pairs = [(h.get("name", ""), h.get("value")) for h in headers if isinstance(h, dict)]
    else:
        pairs = list(headers.items())
    lowered = {str(k).lower(): v for k, v in pairs}
    for name in names:
        value = lowered.get(name.lower())
        if value:
            return str(value)
    return None


def request_id_of(*header_sets: Any) -> str | None:
    """Return the request id from the first header set that carries one."""
    for headers in header_sets:
        value = header(headers, *_REQUEST_ID_HEADERS)
        if value:
            return value
    return None


# --- bodies ------------------------------------------------------------------


def body_findings(
    body: str | bytes | None,
    context: Context,
    *,
    error_status: bool,
    content_type: str | None = None,
) -> list[Finding]:
    """Read the findings of one response body.

    Parameters
    ----------
    body
        The body as text or bytes.
    context
        The exchange's status, method, URL and request id.
    error_status
        Whether the status was an error (4xx, 5xx); then a body that is not an
        API error gives a ``not_api`` finding.
    content_type
        The ``Content-Type`` header, when known.
    """
    if isinstance(body, bytes):
        body = body.decode("utf-8", errors="replace")
    text = (body or "").strip()
    if not text:
        return [empty_body_finding(context)] if error_status else []
    content_type = (content_type or "").lower()
    if text[0] in "{[":
        if json_too_deep(text):
            return [too_deep_finding(text, context)] if error_status else []
        try:
            value = json.loads(text)
        except ValueError as exc:
            return _broken_json(text, exc, context, error_status)
        found = findings_from_value(value, context)
        if found or not error_status:
            return found
        return [not_api_finding(
            "UNEXPECTED_JSON",
            "The answer is JSON but not an Interaction API error body.",
            _with_status(
                "Something other than the Interaction API answered, or the error came "
                "from a gateway in front of it.", context,
            ),
            context, message=text, **_retry_fields(context),
        )]
    if text[0] == "<" or "html" in content_type or "xml" in content_type:
        return [markup_finding(text, context)]
    if error_status:
        return [not_api_finding(
            "PLAIN_TEXT_ANSWER",
            "The answer is plain text, not an Interaction API error body: a proxy, "
            "load balancer or the wrong host answered.",
            _with_status(
                "The base URL does not point at the API's SCRT2 host, or a component in "
                "between rejected the request.", context,
            ),
            context, message=text, **_retry_fields(context),
        )]
    return []


# The likely meaning of an error status whose response has no API error body.
STATUS_HINTS = {
    401: "A 401 without an API body means a gateway rejected the credentials before "
    "the API read the request: check the Authorization header and the token.",
    403: "A 403 without an API body usually comes from a firewall, IP restriction or "
    "web application firewall in front of the API.",
    404: "A 404 without an API body means the path is not an endpoint: check /api/v1/ "
    "and the spelling and case of the resource name.",
    405: "A 405 means the endpoint does not take this method (for example GET on a "
    "POST-only endpoint).",
    413: "A 413 means the body is too large for a component in between; attachments "
    "are limited to 25 MB.",
    415: "A 415 means the Content-Type is wrong: multipart/form-data for "
    "POST /interactions, application/json elsewhere.",
    429: "A 429 means a component in between throttled the requests: slow down and "
    "retry with backoff.",
    502: "A 502 comes from a gateway that got no valid answer from the service behind it.",
    503: "A 503 means the service or a gateway was unavailable at that moment.",
    504: "A 504 means a gateway timed out waiting for the service.",
}
_RETRYABLE_STATUSES = frozenset({429, 502, 503, 504})


def _with_status(cause: str, context: Context) -> str:
    hint = STATUS_HINTS.get(context.http_status or 0)
    return f"{cause} {hint}" if hint else cause


def _retry_fields(context: Context) -> dict[str, str]:
    if context.http_status in _RETRYABLE_STATUSES:
        return {"retryable": "yes",
                "retry_advice": "Retry with backoff; if it persists, check the base URL "
                "and the path between this machine and the API."}
    return {"retryable": "no",
            "retry_advice": "Resending the same request will get the same answer; fix "
            "the URL, path or method first."}


def empty_body_finding(context: Context) -> Finding:
    """Explain an error status that came with an empty body."""
    status = f" with HTTP status {context.http_status}" if context.http_status else ""
    return not_api_finding(
        "EMPTY_BODY",
        f"The answer came{status} and an empty body, so there is no Interaction API "
        "error code to read.",
        _with_status(
            "A proxy, load balancer or the wrong host answered, or the method is not "
            "allowed on that path (405 and 404 answers often have no body).", context,
        ),
        context,
        **_retry_fields(context),
    )


def markup_finding(text: str, context: Context) -> Finding:
    """Explain an HTML (or XML) page that came back instead of a JSON body."""
    title = _TITLE.search(text) or _HEADING.search(text)
    label = _TAG.sub("", title.group(1)).strip() if title else ""
    kind = "an XML document" if text.startswith("<?xml") else "an HTML page"
    what = f' titled "{label}"' if label else ""
    return not_api_finding(
        "HTML_ANSWER" if kind == "an HTML page" else "XML_ANSWER",
        f"The response is {kind}{what}, not an Interaction API error body: a proxy, "
        "load balancer or the wrong host answered.",
        _with_status(
            "The base URL points at a web page (the core org host, a login page, a "
            "gateway) or a proxy in between failed or blocked the request.", context,
        ),
        context,
        message=label or text[:200],
        retryable="maybe",
        retry_advice="A 502, 503 or 504 page from a gateway can pass; retry with "
        "backoff. Other pages need the URL fixed first.",
    )


def names_code(text: str) -> bool:
    """Return whether a partial body names a ``code`` field with a number."""
    return _SALVAGE_CODE.search(text) is not None


def _salvaged_code(text: str) -> str:
    salvaged = _SALVAGE_CODE.search(text)
    if salvaged is None:
        return ""
    return (f" The part that arrived names code {salvaged.group(1)}; decode the "
            "full body to get its explanation.")


def truncated_body_finding(text: str, context: Context) -> Finding:
    """Explain a body, JSON or a Node.js object dump, cut off before it closed."""
    return not_api_finding(
        "TRUNCATED_BODY",
        f"The body was cut off after {len(text)} characters, so it is not a "
        f"complete error body.{_salvaged_code(text)}",
        "The log or tool that recorded it truncated the text, or the connection "
        "closed before the whole body arrived.",
        context,
        fix="Get the full body: raise the log's length limit, or reproduce the "
        "call and read response.text.",
        message=text,
    )


def _broken_json(text: str, error: ValueError, context: Context, error_status: bool):
    cut_off = _unclosed(text)
    if not cut_off and not error_status:
        return []
    if cut_off:
        return [truncated_body_finding(text, context)]
    readable = _salvaged_code(text)
    return [not_api_finding(
        "MALFORMED_JSON",
        f"The body starts like JSON but is not valid JSON ({error}).{readable}",
        "A proxy changed the body, or something other than the API answered.",
        context, message=text,
    )]


def corrupt_gzip_finding(error: str, readable: int) -> Finding:
    """Explain gzip input that could not be decompressed past ``readable`` bytes."""
    read = (f"only its first {readable} bytes could be decompressed and decoded"
            if readable else "none of it could be decompressed")
    return not_api_finding(
        "CORRUPT_GZIP",
        f"The input is gzip data, but it is corrupt ({error}), so {read}.",
        "The file was damaged in transfer or storage, or it is not really gzip "
        "(its first two bytes only look like the gzip header).",
        Context(source="json"),
        fix="Check the file with 'gzip -t FILE', then export or download it again.",
        message=error,
    )


def too_deep_finding(text: str, context: Context) -> Finding:
    """Explain a body nested deeper than ``body.MAX_JSON_NESTING`` levels."""
    return not_api_finding(
        "MALFORMED_JSON",
        f"The body is JSON nested deeper than {MAX_JSON_NESTING} levels, so it is "
        "not an Interaction API error body (those are two levels deep).",
        "Something other than the API answered, or the text is not a response body.",
        context, message=text,
    )


def _unclosed(text: str) -> bool:
    """Return whether ``text`` ends inside a string or with a brace or bracket open,
    as a JSON body cut off in transit or by a log's length limit does."""
    depth = 0
    in_string = escaped = False
    for char in text:
        if in_string:
            if escaped:
                escaped = False
            elif char == "\\":
                escaped = True
            elif char == '"':
                in_string = False
        elif char == '"':
            in_string = True
        elif char in "{[":
            depth += 1
        elif char in "}]":
            depth -= 1
    return in_string or depth > 0


# --- requests.Response ---------------------------------------------------------


def response_findings(response: Any) -> list[Finding]:
    """Read the findings of a ``requests.Response``."""
    request = getattr(response, "request", None)
    status = getattr(response, "status_code", None)
    context = Context(
        http_status=status,
        request_id=request_id_of(response.headers, getattr(request, "headers", None)),
        method=getattr(request, "method", None),
        url=getattr(response, "url", None) or getattr(request, "url", None),
        source="response",
    )
    error_status = isinstance(status, int) and status >= 400
    return body_findings(
        response.content, context, error_status=error_status,
        content_type=response.headers.get("Content-Type"),
    )


# --- raw HTTP text and curl transcripts ------------------------------------------


@dataclass
class _Message:
    status: int | None = None
    headers: dict[str, str] = field(default_factory=dict)
    body_lines: list[str] = field(default_factory=list)


def looks_like_http(text: str) -> str | None:
    """Return ``"curl"`` or ``"http"`` when ``text`` is such a transcript, else None."""
    if CURL_MARKER.search(text):
        return "curl"
    if RAW_HTTP_START.match(text):
        return "http"
    return None


def http_text_findings(text: str, source: str) -> list[Finding]:
    """Read every response of a raw HTTP or curl transcript, in order."""
    reader = _TranscriptReader(source)
    for line in (_curl_to_raw(text) if source == "curl" else text).splitlines():
        reader.feed(line)
    reader.finish_response()
    if source == "curl":
        reader.found.extend(_curl_failures(text))
    return reader.found


class _TranscriptReader:
    """Line-by-line reader of HTTP messages; collects the findings of each response."""

    def __init__(self, source: str) -> None:
        self.source = source
        self.found: list[Finding] = []
        self.method: str | None = None
        self.url: str | None = None
        self.request_id: str | None = None
        self.scheme = "https"
        self.response: _Message | None = None
        self.in_headers = False

    def feed(self, line: str) -> None:
        if line.startswith(_CURL_INFO):
            # curl's own lines end a response body.
            self.finish_response()
            self.in_headers = False
            if "* Connected to" in line and " port 80" in line:
                self.scheme = "http"
            return
        request = REQUEST_LINE.match(line)
        status = STATUS_LINE.match(line)
        if request or status:
            self.finish_response()
            self.in_headers = True
            if request:
                self.method, self.url, self.request_id = request.group(1), request.group(2), None
            else:
                self.response = _Message(int(status.group(1)))
        elif self.in_headers:
            self.header(line)
        elif self.response is not None:
            self.response.body_lines.append(line)

    def header(self, line: str) -> None:
        if not line.strip():
            self.in_headers = False
            if self.response is not None and self.response.status == 100:
                self.response = None
            return
        name, _, value = line.partition(":")
        name, value = name.strip(), value.strip()
        if self.response is not None:
            self.response.headers[name] = value
        elif name.lower() == "host" and self.url and self.url.startswith("/"):
            self.url = f"{self.scheme}://{value}{self.url}"
        elif name.lower() in _REQUEST_ID_HEADERS:
            self.request_id = value

    def finish_response(self) -> None:
        message, self.response = self.response, None
        if message is None or message.status == 100:
            return
        context = Context(
            http_status=message.status,
            request_id=request_id_of(message.headers) or self.request_id,
            method=self.method, url=self.url, source=self.source,
        )
        error_status = message.status is not None and message.status >= 400
        self.found.extend(body_findings(
            "\n".join(message.body_lines), context, error_status=error_status,
            content_type=header(message.headers, "content-type"),
        ))


def _curl_to_raw(text: str) -> str:
    """Strip curl's ``>``, ``<`` and ``*`` prefixes, keeping the response bodies."""
    lines = []
    for line in text.splitlines():
        if line.startswith(("> ", "< ")) or line in (">", "<"):
            lines.append(line[2:])
        elif line.startswith(("{ [", "} [")):
            continue
        elif line.startswith("* "):
            lines.append(_CURL_INFO + line)
        else:
            lines.append(line)
    return "\n".join(lines)


def _curl_failures(text: str) -> list[Finding]:
    """Return the transport failures curl reported on its ``*`` and ``curl:`` lines."""
    lines = [line for line in text.splitlines() if line.startswith(("curl:", "* "))]
    found = [finding for _, finding in transport.scan_text("\n".join(lines))]
    for finding in found:
        finding.source = "curl"
    return found


# --- HAR ------------------------------------------------------------------------------


def is_har(value: Any) -> bool:
    """Return whether ``value`` is a parsed HAR document."""
    log = value.get("log") if isinstance(value, dict) else None
    return isinstance(log, dict) and isinstance(log.get("entries"), list)


def har_findings(har: dict) -> list[Finding]:
    """Read every failed entry of a HAR document, in order."""
    found: list[Finding] = []
    for entry in har["log"]["entries"]:
        if isinstance(entry, dict):
            found.extend(_har_entry(entry))
    return found


def _har_entry(entry: dict) -> list[Finding]:
    request = entry.get("request") if isinstance(entry.get("request"), dict) else {}
    response = entry.get("response") if isinstance(entry.get("response"), dict) else {}
    status = response.get("status")
    status = status if isinstance(status, int) and not isinstance(status, bool) else 0
    context = Context(
        http_status=status or None,
        request_id=request_id_of(request.get("headers"), response.get("headers")),
        method=request.get("method"),
        url=request.get("url"),
        source="har",
    )

    error = response.get("_error") or entry.get("_error")
    if status == 0 or error:
        category = transport.classify_text(str(error or "")) or "connection"
        return [transport.transport_finding(
            category, host=transport._host_of_url(context.url or ""), url=context.url,
            method=context.method, request_id=context.request_id,
            message=str(error or "no response (status 0)"), source="har",
        )]

    content = response.get("content") if isinstance(response.get("content"), dict) else {}
    text = content.get("text") or ""
    if content.get("encoding") == "base64" and isinstance(text, str):
        try:
            text = base64.b64decode(text).decode("utf-8", errors="replace")
        except ValueError:
            text = ""
    if status < 400 and '"success"' not in str(text):
        return []

    return body_findings(
        text if isinstance(text, str) else str(text), context,
        error_status=status >= 400, content_type=content.get("mimeType"),
    )
