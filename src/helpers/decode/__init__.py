"""Decode any Interaction API error artifact into findings.

``decode(artifact)`` takes what a user has at hand when a call fails and
returns one ``Finding`` per error, in order of appearance:

- a ``requests.Response``, or a ``requests`` exception (refused, DNS, timeout,
  TLS, proxy) or any exception that carries a response;
- an error body as text, bytes, dict or list, in each shape the API uses
  (see ``helpers.decode.body``), and OAuth token endpoint errors;
- raw HTTP text, ``curl -v`` and ``curl -i`` transcripts;
- log text: bodies plain, escaped in JSON log records, in CSV fields, as
  Node.js object dumps, in Java exception lines and Python tracebacks, and
  lines that carry only a published message;
- a HAR file (path, text or dict), a ``Path`` or a file-like object, plain or
  gzip-compressed;
- a ``helpers.model.Exchange``.

It does not raise. Input it cannot read gives an empty list or a ``not_api``
finding that describes what the input was instead. An exception raised while
reading is logged as a warning and gives an empty list; the tests fail on
such a warning.

Examples
--------
>>> from helpers.decode import decode
>>> finding = decode('{"code": 10013, "message": "..."}')[0]
>>> finding.code, finding.kind
(10013, 'api')
"""

from __future__ import annotations

import io
import json
import logging
import os
import re
import traceback
import zlib
from collections.abc import Iterable
from pathlib import Path
from typing import Any, NamedTuple

import requests

from helpers.decode import http, transport
from helpers.decode.body import (
    MAX_JSON_NESTING,
    Context,
    dict_findings,
    findings_from_value,
    json_too_deep,
)
from helpers.decode.explain import api_finding, code_value
from helpers.decode.finding import FIELD_NAMES, KINDS, Finding
from helpers.decode.text import scan_text
from helpers.secrets import mask_text

__all__ = ["FIELD_NAMES", "KINDS", "Finding", "decode", "decode_one", "summarize"]

log = logging.getLogger(__name__)

# Files, streams and decompressed gzip data are read up to this many bytes,
# and a warning reports the cut. benchmarks/decode_bench.py measured 1.6 to
# 2.9 MB/s on a log where every fourth line carries a body (2 cores, see
# docs/benchmarks.md), so this cap costs 23 to 42 s on such a log.
MAX_INPUT_BYTES = 64 * 1024 * 1024

# Compressed bytes fed to the gzip decompressor per call, so that the output
# before a corrupt block is kept.
_GZIP_CHUNK = 64 * 1024

_GZIP_MAGIC = b"\x1f\x8b"
_BODY_START = re.compile(r"\{|\[\s*[{\]]")
_DECODER = json.JSONDecoder()


def decode(artifact: Any) -> list[Finding]:
    """Return the findings in ``artifact``, one per error, in order of appearance.

    Parameters
    ----------
    artifact
        A ``requests.Response``, an exception, a ``str`` or ``bytes`` (a body,
        log text, raw HTTP, curl output, HAR JSON), a ``dict`` or ``list``
        (parsed JSON or HAR), a ``pathlib.Path``, a file-like object, or a
        ``helpers.model.Exchange``.

    Returns
    -------
    list of Finding
        Empty when nothing in ``artifact`` is an error. Any exception raised
        while reading is logged as a warning and gives an empty list.

    Examples
    --------
    >>> [f.code for f in decode(b'{"success": false, "errorDetail": {"code": "10022"}}')]
    [10022]
    """
    try:
        kind = type(artifact)
        if kind is str or kind is bytes:
            # Fast path: a body that is one JSON object in an API error shape.
            if artifact.startswith(_OPEN_BRACE[kind]):
                value = _parse_whole(artifact if kind is str else _utf8(artifact))
                if type(value) is dict:
                    found = _fast_dict(value)
                    if found is not None:
                        return found
            return _decode_text(artifact)
        return _decode_object(artifact)
    except Exception as exc:  # noqa: BLE001 - decode does not raise, by contract
        _log_failure(artifact, exc)
        return []


def _log_failure(artifact: Any, exc: Exception) -> None:
    # The exception text may quote the input, so it is masked like a finding.
    log.warning("decode failed on a %s input; returning no findings: %s: %s",
                type(artifact).__name__, type(exc).__name__, mask_text(str(exc))[:300])
    if log.isEnabledFor(logging.DEBUG):
        trace = "".join(traceback.format_exception(exc))
        log.debug("decode failure traceback:\n%s", mask_text(trace))


_OPEN_BRACE = {str: "{", bytes: b"{"}

# The C scanner behind json.loads, called without the wrapper's checks: the
# same parser, a third of the time on small bodies.
_scan_once = json.JSONDecoder().scan_once


def _utf8(data: bytes) -> str | None:
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return None


def _parse_whole(text: str | None) -> Any:
    """Return the JSON value that is all of ``text``, or None."""
    if text is None:
        return None
    # The counts repeat json_too_deep's own first test, inline, because a
    # function call is a tenth of the cost of this path on a small body.
    if text.count("{") + text.count("[") > MAX_JSON_NESTING and json_too_deep(text):
        return None
    try:
        value, end = _scan_once(text, 0)
    except (ValueError, StopIteration):
        return None
    if end != len(text) and not text[end:].isspace():
        return None
    return value


def _fast_dict(value: dict) -> list[Finding] | None:
    """Read the common error shapes with plain dict lookups.

    Returns None for anything else, which then goes through the general
    reader.
    """
    found = _code_finding(value)
    if found is not None:
        return found

    detail = value.get("errorDetail")
    if type(detail) is dict:
        found = _code_finding(detail)
        if found is not None:
            return found

    errors = value.get("errors")
    if type(errors) is list and len(errors) == 1 and type(errors[0]) is dict:
        item = errors[0]
        number = code_value(item.get("apiErrorCode"))
        if number is not None:
            return [api_finding(number, item.get("errorMessage") or "")]

    if http.is_har(value):
        return http.har_findings(value)
    found = dict_findings(value, Context())
    if found is not None:
        return found
    return findings_from_value(value, Context())


def _code_finding(body: dict) -> list[Finding] | None:
    code = body.get("code")
    if code is None:
        return None
    number = code if type(code) is int else code_value(code)
    if number is None:
        return None
    return [api_finding(number, body.get("message") or "")]


def decode_one(artifact: Any) -> Finding | None:
    """Return the first finding in ``artifact``, or None when there is none."""
    found = decode(artifact)
    return found[0] if found else None


def summarize(findings: Iterable[Finding]) -> str:
    """Return one line per finding: code or kind, name and what happened.

    Examples
    --------
    >>> summarize([])
    'No Interaction API error found.'
    """
    lines = []
    for finding in findings:
        label = str(finding.code) if finding.code is not None else finding.kind
        summary = finding.summary.split(". ")[0].rstrip(".")
        lines.append(f"{label} {finding.name}: {summary}".strip())
    return "\n".join(lines) if lines else "No Interaction API error found."


def _decode_text(data: str | bytes) -> list[Finding]:
    if isinstance(data, bytes) and data[:2] == _GZIP_MAGIC:
        return _decode_gzip(data)
    if isinstance(data, bytes):
        data = _bytes_to_text(data)
    text = data.lstrip("\ufeff")
    stripped = text.strip()
    if not stripped:
        return [http.empty_body_finding(Context(source="json"))]
    # Too deep for JSON is left to the scanner, which may still find bodies
    # in it, and then to body_findings, which explains the nesting.
    parsable = stripped[0] in "{[" and not json_too_deep(stripped)
    if parsable:
        try:
            value = json.loads(stripped)
        except ValueError:
            pass
        else:
            return _decode_value(value)
    if stripped[0] == "<" and "<html" in stripped[:2000].lower() or stripped.startswith("<?xml"):
        return [http.markup_finding(stripped, Context(source="http"))]
    shape = http.looks_like_http(text)
    if shape:
        return http.http_text_findings(text, shape)
    found = scan_text(text, Context(source="log"))
    if found or not _BODY_START.match(stripped):
        return found
    if parsable and _starts_with_json_value(stripped):
        # A JSON value followed by more text: JSON lines with no error in them.
        return found
    # Text that opens like a JSON body but neither parsed nor held one.
    return http.body_findings(stripped, Context(source="json"), error_status=True)


def _starts_with_json_value(text: str) -> bool:
    try:
        _DECODER.raw_decode(text)
    except ValueError:
        return False
    return True


def _decode_gzip(data: bytes) -> list[Finding]:
    limit = MAX_INPUT_BYTES
    unpacked = _gunzip(data, limit)
    if unpacked.cut:
        log.warning("gzip input decompresses to more than %d bytes; decoding only "
                    "the first %d bytes", limit, limit)
    if unpacked.ended_early and not unpacked.data:
        return [http.corrupt_gzip_finding("it ends before the first compressed block", 0)]
    if unpacked.ended_early:
        log.warning("gzip input ended before the end of its compressed stream; "
                    "decoding the %d bytes before the end", len(unpacked.data))
    found = _decode_text(unpacked.data) if unpacked.data.strip() else []
    if unpacked.error is None:
        return found
    # The part before the damage may still hold the error being looked for.
    return [*found, http.corrupt_gzip_finding(unpacked.error, len(unpacked.data))]


class _Gunzipped(NamedTuple):
    data: bytes
    error: str | None  # zlib's message when the compressed data is corrupt
    ended_early: bool  # the input stopped inside a compressed stream
    cut: bool  # the output reached the limit and the rest was not decompressed


def _gunzip(data: bytes, limit: int) -> _Gunzipped:
    """Decompress the gzip members in ``data``, stopping after ``limit`` bytes.

    Decompression is incremental, so a small file that expands to gigabytes
    costs no more than ``limit`` bytes of output. On corrupt data the bytes
    decompressed before the damage are returned with the error.
    """
    output = bytearray()
    inflater = zlib.decompressobj(wbits=31)
    offset = 0
    pending = b""
    between_members = False
    while True:
        if not pending:
            pending = data[offset:offset + _GZIP_CHUNK]
            offset += len(pending)
            if not pending:
                break
        if between_members:
            # NUL padding after a member is skipped, as gzip(1) does.
            pending = pending.lstrip(b"\x00")
            if not pending:
                continue
            between_members = False
        try:
            output += inflater.decompress(pending, limit + 1 - len(output))
        except zlib.error as exc:
            return _Gunzipped(bytes(output[:limit]), str(exc), False, False)
        if len(output) > limit:
            del output[limit:]
            return _Gunzipped(bytes(output), None, False, True)
        pending = inflater.unconsumed_tail
        if inflater.eof:
            # A file may hold several gzip members, one after another.
            pending = inflater.unused_data + pending
            inflater = zlib.decompressobj(wbits=31)
            between_members = True
    return _Gunzipped(bytes(output), None, not between_members, False)


def _bytes_to_text(data: bytes) -> str:
    if data[:2] in (b"\xff\xfe", b"\xfe\xff"):
        return data.decode("utf-16", errors="replace")
    return data.decode("utf-8", errors="replace")


def _decode_value(value: Any) -> list[Finding]:
    if http.is_har(value):
        return http.har_findings(value)
    return findings_from_value(value, Context(source="json"))


def _decode_object(artifact: Any) -> list[Finding]:
    if artifact is None:
        return []
    if isinstance(artifact, requests.Response):
        return http.response_findings(artifact)
    if isinstance(artifact, BaseException):
        return _decode_exception(artifact)
    if isinstance(artifact, str | bytes | bytearray | memoryview):
        return _decode_text(bytes(artifact) if not isinstance(artifact, str) else artifact)
    if isinstance(artifact, dict | list | tuple):
        return _decode_value(list(artifact) if isinstance(artifact, tuple) else artifact)
    if isinstance(artifact, os.PathLike):
        return _decode_path(Path(artifact))
    if hasattr(artifact, "read"):
        return _decode_text(_read_stream(artifact))
    if _is_exchange(artifact):
        return _decode_exchange(artifact)
    if isinstance(artifact, Iterable):
        found: list[Finding] = []
        for item in artifact:
            found.extend(decode(item))
        return found
    return []


def _decode_path(path: Path) -> list[Finding]:
    try:
        with path.open("rb") as handle:
            data = _read_capped(handle, str(path))
    except OSError as exc:
        log.warning("cannot read %s: %s", path, exc)
        return []
    return _decode_text(data)


def _read_stream(stream: Any) -> str | bytes:
    data = _read_capped(stream, type(stream).__name__)
    if isinstance(data, str | bytes):
        return data
    return bytes(data) if isinstance(data, bytearray | memoryview) else ""


def _read_capped(stream: Any, name: str) -> Any:
    """Read up to ``MAX_INPUT_BYTES`` from ``stream``, warning when there was more."""
    limit = MAX_INPUT_BYTES
    data = stream.read(limit + 1)
    if isinstance(data, str | bytes | bytearray | memoryview) and len(data) > limit:
        log.warning("%s is larger than %d bytes; decoding only the first %d bytes",
                    name, limit, limit)
        data = data[:limit]
    return data


def _decode_exception(exc: BaseException) -> list[Finding]:
    response = getattr(exc, "response", None)
    if isinstance(response, requests.Response):
        return http.response_findings(response)
    found = transport.exception_finding(exc)
    if found is not None:
        return [found]
    for attribute in ("body", "raw_body", "response_body", "content"):
        value = getattr(exc, attribute, None)
        if isinstance(value, str | bytes) and value:
            return _decode_text(value)
    findings = scan_text(f"{type(exc).__name__}: {exc}", Context(source="exception"))
    for finding in findings:
        finding.source = "exception"
    return findings


def _is_exchange(artifact: Any) -> bool:
    return all(hasattr(artifact, name) for name in ("request", "status", "response_body",
                                                     "response_headers", "error"))


def _decode_exchange(exchange: Any) -> list[Finding]:
    request = exchange.request
    method = getattr(request, "method", None)
    request_id = getattr(exchange, "request_id", None) or http.request_id_of(
        exchange.response_headers, getattr(request, "headers", None)
    )
    if exchange.status is None:
        text = exchange.error or ""
        category = transport.classify_text(text) or "connection"
        return [transport.transport_finding(
            category, host=transport._host_of_url(exchange.url or ""), url=exchange.url,
            method=method, request_id=request_id, message=text, source="exception",
        )]
    context = Context(exchange.status, request_id, method, exchange.url, "response")
    return http.body_findings(
        exchange.response_body, context, error_status=exchange.status >= 400,
        content_type=http.header(exchange.response_headers, "content-type"),
    )
