"""Find error bodies, OAuth errors, transport failures and bare messages in text.

Log text contains bodies in many forms: plain JSON, JSON escaped inside a
JSON log record (once or twice), JSON in a CSV field with doubled quotes,
JavaScript object dumps from Node.js clients, Java exception lines, Python
tracebacks. The scanner tries each ``{`` in turn: as JSON, as an escaped
string, as a CSV field, as a JavaScript literal. It reads the HTTP status,
method, URL and request id from the lines around each body. Lines that carry
only a published message, with no code, are matched to their code by text.
"""

from __future__ import annotations

import json
import re
import urllib.parse

from helpers.decode import transport
from helpers.decode.body import Context, findings_from_value
from helpers.decode.explain import text_match_finding
from helpers.decode.finding import Finding
from helpers.decode.jsobject import parse_js_object
from helpers.decode.oauth import oauth_finding

_DECODER = json.JSONDecoder()

# Text matching runs ``codes.search`` per line; past this many candidate
# lines a log is left to the body scanner, to keep large logs fast.
MAX_TEXT_MATCH_LINES = 2000

# Lines that probably report an error, worth a search for a bare message.
_ERROR_MARKER = re.compile(
    r"error|fail|exception|warn|invalid|denied|reject|not valid|isn't valid|cannot|can't"
    r"|must|specify|exceeds|empty", re.IGNORECASE
)
_JS_KEY = re.compile(r"\{\s*(?:[A-Za-z_$][\w$]*|'[^'\n]{1,40}')\s*:")
_ESCAPED_OPEN = re.compile(r"\{\s*(\\+)\"")
_CSV_OPEN = re.compile(r"\{\s*\"\"")
_OAUTH_FORM = re.compile(
    r"[?&#]?\berror=([a-z_]+)(?:&error_description=([^&\s\"']*))?"
)
_OAUTH_LINE = re.compile(
    r"\b(invalid_grant|invalid_client_id|invalid_client|app_not_found|invalid_app_access"
    r"|unsupported_grant_type|inactive_user|inactive_org)\b[\"']?\s*[:,-]?\s*"
    r"(?:[\"']?error_description[\"']?\s*[:=]\s*)?[\"']?([^\"'\n}]{0,200})"
)

_STATUS_PATTERNS = (
    re.compile(r"\b([1-5]\d\d) (?:Client|Server) Error"),
    re.compile(r"HTTP/\d(?:\.\d)?\s+([1-5]\d\d)\b"),
    re.compile(r"status(?:[ _-]?code)?[\"']?\s*[:=]\s*[\"']?([1-5]\d\d)\b", re.IGNORECASE),
    re.compile(r"status code ([1-5]\d\d)\b", re.IGNORECASE),
    re.compile(r"\b([1-5]\d\d) : \""),
    re.compile(r"\b([1-5]\d\d) (?:Bad Request|Unauthorized|Forbidden|Not Found|Conflict"
               r"|Precondition Failed|Internal Server Error|Bad Gateway|Service Unavailable"
               r"|Gateway Timeout|Too Many Requests)\b"),
)
_URL_PATTERN = re.compile(r"https?://[^\s\"'<>()\[\]{},]+")
_PATH_PATTERN = re.compile(r"(?<![\w/])/api/v1/[A-Za-z]+")
_METHOD_PATTERN = re.compile(r"\b(GET|POST|PUT|PATCH|DELETE)\b[\s\"':]+(?:https?://|/)")
_REQUEST_ID_PATTERN = re.compile(
    r"(?:RequestId|request[_ -]?id|x-request-id)[\"']?\s*[:=]\s*[\"']?([\w.-]{6,80})",
    re.IGNORECASE,
)


def scan_text(text: str, context: Context | None = None, depth: int = 0) -> list[Finding]:
    """Return the findings in ``text`` in order of appearance."""
    return [finding for _, finding in scan_positions(text, context or Context(source="log"),
                                                     depth)]


def scan_positions(text: str, context: Context, depth: int = 0) -> list[tuple[int, Finding]]:
    """Return ``(offset, finding)`` pairs for everything found in ``text``."""
    found, spans = _scan_bodies(text, context, depth)
    if depth == 0:
        found.extend(_scan_oauth_text(text, spans, context))
        for offset, finding in transport.scan_text(text):
            if not _inside(offset, spans):
                finding.source = context.source if context.source != "json" else "log"
                found.append((offset, finding))
                spans.append((offset, offset + 1))
        found.extend(_scan_messages(text, spans, context))
    found.sort(key=lambda item: item[0])
    return found


def _scan_bodies(text: str, context: Context, depth: int):
    found: list[tuple[int, Finding]] = []
    spans: list[tuple[int, int]] = []
    position = text.find("{")
    while position >= 0:
        end, findings = _read_at(text, position, context, depth)
        if end > position:
            if findings:
                found.extend((position, finding) for finding in findings)
                spans.append((position, end))
            position = text.find("{", end)
        else:
            position = text.find("{", position + 1)
    return found, spans


def _read_at(text: str, position: int, context: Context, depth: int):
    """Try every reading of the object that opens at ``position``.

    Returns the offset where the object ends (``position`` when nothing could
    be read) and the findings it holds.
    """
    try:
        value, end = _DECODER.raw_decode(text, position)
    except (ValueError, RecursionError):
        value, end = None, position
    if end > position:
        return end, findings_from_value(value, _around(text, position, end, context), depth)
    if depth < 4:
        escaped = _ESCAPED_OPEN.match(text, position)
        if escaped:
            return _read_escaped(text, position, len(escaped.group(1)), context, depth)
        if _CSV_OPEN.match(text, position):
            return _read_csv_field(text, position, context, depth)
    if _JS_KEY.match(text, position):
        try:
            value, end = parse_js_object(text, position)
        except (ValueError, RecursionError):
            return position, []
        return end, findings_from_value(value, _around(text, position, end, context), depth)
    return position, []


def _read_escaped(text: str, position: int, backslashes: int, context: Context, depth: int):
    """Read a body escaped inside a string literal (``{\\"code\\":...}``)."""
    end = _string_end(text, position, backslashes - 1)
    segment = text[position:end]
    try:
        inner = json.loads(f'"{segment}"') if backslashes == 1 else _unescape(segment)
    except ValueError:
        inner = _unescape(segment)
    context = _around(text, position, end, context)
    return end, [finding for _, finding in scan_positions(inner, context, depth + 1)]


def _string_end(text: str, position: int, escape_level: int) -> int:
    """Return where the string literal holding ``text[position:]`` ends.

    The literal ends at the first quote preceded by exactly ``escape_level``
    backslashes (zero for the outermost literal).
    """
    index = position
    while True:
        index = text.find('"', index + 1)
        if index < 0:
            return len(text)
        run = 0
        while text[index - 1 - run] == "\\":
            run += 1
        if run == escape_level:
            return index


def _unescape(segment: str) -> str:
    return segment.replace('\\\\', '\x00').replace('\\"', '"').replace('\x00', '\\')


def _read_csv_field(text: str, position: int, context: Context, depth: int):
    """Read a body inside a CSV field, where each quote is doubled."""
    index = position
    while True:
        index = text.find('"', index + 1)
        if index < 0 or index + 1 >= len(text):
            end = len(text) if index < 0 else index
            break
        if text[index + 1] == '"':
            index += 1
            continue
        end = index
        break
    inner = text[position:end].replace('""', '"')
    context = _around(text, position, end, context)
    return end, [finding for _, finding in scan_positions(inner, context, depth + 1)]


def _around(text: str, start: int, end: int, context: Context) -> Context:
    """Return ``context`` filled from the lines around ``text[start:end]``.

    The window is the body's own lines plus up to two lines before and after
    it. A neighbouring line that opens with ``{`` or ``[`` is another record
    (JSON lines), so the window stops there.
    """
    if all((context.http_status, context.url, context.method, context.request_id)):
        return context
    line_start = text.rfind("\n", 0, start) + 1
    line_end = text.find("\n", end)
    line_end = len(text) if line_end < 0 else line_end
    before = text[max(0, line_start - 2000):line_start].splitlines()[-2:]
    after = text[line_end:line_end + 2000].splitlines()[1:3]
    window = [text[line_start:start], text[end:line_end]]
    for line in reversed(before):
        if line.lstrip().startswith(("{", "[")):
            break
        window.insert(0, line)
    for line in after:
        if line.lstrip().startswith(("{", "[")):
            break
        window.append(line)
    return _context_from(" ".join(window), context)


def _context_from(window: str, context: Context) -> Context:
    status, url, method, request_id = (
        context.http_status, context.url, context.method, context.request_id
    )
    if status is None:
        for pattern in _STATUS_PATTERNS:
            match = pattern.search(window)
            if match:
                status = int(match.group(1))
                break
    if url is None:
        match = _URL_PATTERN.search(window) or _PATH_PATTERN.search(window)
        if match:
            url = match.group(0).rstrip(".:;")
    if method is None:
        match = _METHOD_PATTERN.search(window)
        if match:
            method = match.group(1)
    if request_id is None:
        match = _REQUEST_ID_PATTERN.search(window)
        if match:
            request_id = match.group(1)
    return Context(status, request_id, method, url, context.source)


def _inside(offset: int, spans: list[tuple[int, int]]) -> bool:
    return any(start <= offset < end for start, end in spans)


def _overlaps(start: int, end: int, spans: list[tuple[int, int]]) -> bool:
    return any(start < span_end and span_start < end for span_start, span_end in spans)


def _line_spans(text: str):
    offset = 0
    for line in text.splitlines(keepends=True):
        yield offset, line
        offset += len(line)


def _scan_oauth_text(text: str, spans, context: Context) -> list[tuple[int, Finding]]:
    """Find OAuth errors written as a form or query string, or as ``error: text``."""
    if "error" not in text and "invalid_" not in text:
        return []
    found = []
    for offset, line in _line_spans(text):
        if _overlaps(offset, offset + len(line), spans):
            continue
        form = _OAUTH_FORM.search(line)
        match = form or _OAUTH_LINE.search(line)
        if not match:
            continue
        error = match.group(1)
        description = urllib.parse.unquote_plus(match.group(2) or "").strip()
        line_context = _context_from(line, context)
        finding = oauth_finding(error, description, **line_context.kwargs())
        if form is None and not finding.known:
            continue
        found.append((offset, finding))
        spans.append((offset, offset + len(line)))
    return found


def _scan_messages(text: str, spans, context: Context) -> list[tuple[int, Finding]]:
    """Match lines that carry a published message but no code."""
    lines = list(_line_spans(text))
    short_input = len(lines) <= 3
    found = []
    tried = 0
    for offset, line in lines:
        stripped = line.strip()
        if len(stripped) < 12 or len(stripped) > 2000:
            continue
        if _overlaps(offset, offset + len(line), spans):
            continue
        if not short_input and not _ERROR_MARKER.search(stripped):
            continue
        tried += 1
        if tried > MAX_TEXT_MATCH_LINES:
            break
        line_context = _context_from(stripped, context)
        finding = text_match_finding(
            stripped, **{**line_context.kwargs(), "source": "text-match"}
        )
        if finding is not None:
            found.append((offset, finding))
    return found
