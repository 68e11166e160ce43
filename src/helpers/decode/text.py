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

import bisect
import json
import re
import urllib.parse

from helpers.decode import http, transport
from helpers.decode.body import Context, findings_from_value, json_too_deep
from helpers.decode.explain import text_match_finding
from helpers.decode.finding import Finding, masked
from helpers.decode.jsobject import LiteralError, parse_js_object
from helpers.decode.oauth import oauth_finding

_DECODER = json.JSONDecoder()

# A "{" that does not close makes every "{" nested in it parse to the end of
# the text too, which is quadratic on a cut-off document. Failed attempts may
# read this many characters per character of text, plus a constant. Past
# that, each attempt reads only to the end of its line, at most
# ``BOUNDED_JSON`` characters as JSON or ``BOUNDED_LITERAL`` as JavaScript.
FAILED_READ_BUDGET = 8
BOUNDED_JSON = 16_384
BOUNDED_LITERAL = 2_048

# A "{" followed within ``DEPTH_WINDOW`` characters by this many more opening
# than closing braces starts no error body. Nested that deep, every attempt
# would fail the nesting limits of the JSON and JavaScript readers, so the
# scanner skips it without reading.
DEPTH_WINDOW = 4_096
MAX_OPEN_BRACES = 200

# How much text on each side of a body is read for its request context.
WINDOW_PART = 1_000

# Text matching runs ``codes.search`` per line; past this many candidate
# lines a log is left to the body scanner, to keep large logs fast.
MAX_TEXT_MATCH_LINES = 2000

# Lines that contain one of these words, in any case, probably report an
# error and are worth a search for a bare message.
ERROR_MARKERS = (
    "error", "fail", "exception", "warn", "invalid", "denied", "reject", "not valid",
    "isn't valid", "cannot", "can't", "must", "specify", "exceeds", "empty",
)
_JSON_OPEN = re.compile(r"\{\s*[\"}]")
_JS_KEY = re.compile(r"\{\s*(?:[A-Za-z_$][\w$]*|'[^'\n]{1,40}')\s*:")
_ESCAPED_OPEN = re.compile(r"\{\s*(\\+)\"")
_CSV_OPEN = re.compile(r"\{\s*\"\"")
_OAUTH_FORM = re.compile(
    r"[?&#]?\berror=([a-z_]+)(?:&error_description=([^&\s\"']*))?"
)
_OAUTH_WORDS = ("error=", "invalid_", "app_not_found", "unsupported_grant_type", "inactive_")
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
    found, body_spans = _scan_bodies(text, context, depth)
    if depth == 0:
        spans = _Spans(body_spans)
        found.extend(_scan_oauth_text(text, spans, context))
        for offset, finding in transport.scan_text(text):
            if not spans.overlaps(offset, offset + 1):
                finding.source = context.source if context.source != "json" else "log"
                found.append((offset, finding))
                spans.add(offset, offset + 1)
        found.extend(_scan_messages(text, spans, context))
    found.sort(key=lambda item: item[0])
    return found


def _scan_bodies(text: str, context: Context, depth: int):
    found: list[tuple[int, Finding]] = []
    spans: list[tuple[int, int]] = []
    budget = FAILED_READ_BUDGET * len(text) + 1_000_000
    cut_off_at = None
    position = text.find("{")
    while position >= 0:
        end, findings, wasted, cut_off = _read_at(text, position, context, depth, budget <= 0)
        budget -= wasted
        if end > position:
            if findings:
                found.extend((position, finding) for finding in findings)
                spans.append((position, end))
            position = text.find("{", end)
        else:
            if cut_off and cut_off_at is None:
                cut_off_at = position
            position = text.find("{", position + 1)
    if cut_off_at is not None and not any(start >= cut_off_at for start, _ in found):
        # Only a body that nothing after it explained: one nested in it may
        # have been read on its own.
        finding = _cut_off_finding(text, cut_off_at, context)
        if finding is not None:
            found.append((cut_off_at, finding))
            spans.append((cut_off_at, len(text)))
    return found, spans


def _cut_off_finding(text: str, position: int, context: Context) -> Finding | None:
    """Explain a body that opens at ``position`` and is cut off by the end of ``text``.

    Only a body that names a code gives a finding: an unclosed brace without
    one is too common in log text to report.
    """
    # NOTE: a body cut off by a log's line length limit, with more lines after
    # it, fails to read somewhere else and is not reported here.
    body = text[position:]
    if not http.names_code(body):
        return None
    finding = http.truncated_body_finding(body, context)
    return _with_context([finding], text, position, len(text))[0]


def _read_at(text: str, position: int, context: Context, depth: int, bounded: bool):
    """Try every reading of the object that opens at ``position``.

    Returns the offset where the object ends (``position`` when nothing could
    be read), the findings it contains, how many characters failed attempts
    read, and whether reading failed because the text ended first.
    """
    if _too_deep(text, position):
        return position, [], 0, False
    stop = len(text)
    if bounded:
        line_end = text.find("\n", position)
        stop = min(len(text) if line_end < 0 else line_end, position + BOUNDED_JSON)
    wasted = 0
    cut_off = False
    if _JSON_OPEN.match(text, position):
        value, end, wasted, cut_off = _parse_json(text, position, stop)
        if end > position:
            return end, _with_context(findings_from_value(value, context, depth),
                                      text, position, end), 0, False
    if depth < 4:
        escaped = _ESCAPED_OPEN.match(text, position)
        if escaped:
            return (*_read_escaped(text, position, len(escaped.group(1)), context, depth),
                    False)
        if _CSV_OPEN.match(text, position):
            return (*_read_csv_field(text, position, context, depth), False)
    if _JS_KEY.match(text, position):
        if bounded:
            stop = min(stop, position + BOUNDED_LITERAL)
        try:
            value, end = parse_js_object(text, position, stop)
        except LiteralError as exc:
            return position, [], wasted + exc.pos - position, exc.pos >= len(text)
        return end, _with_context(findings_from_value(value, context, depth),
                                  text, position, end), 0, False
    return position, [], wasted, cut_off


def _parse_json(text: str, position: int, stop: int):
    """Parse the JSON value at ``position``, reading no further than ``stop``.

    It reads a small slice first, then a sixteen times larger one while the
    error sits at the slice's end. A JSON error counts the lines up to its
    offset, so a failed parse over the whole text would cost O(n) each time.
    Returns the value, its end offset (``position`` on failure), how many
    characters the failed attempt read, and whether it failed because the
    text ended inside the value.
    """
    size = 4_096
    while True:
        limit = min(stop, position + size)
        chunk = text[position:limit]
        if json_too_deep(chunk):
            return None, position, len(chunk), False
        try:
            value, end = _DECODER.raw_decode(chunk)
        except json.JSONDecodeError as exc:
            at_end = exc.pos >= len(chunk) - 8 or exc.msg.startswith("Unterminated")
            if limit >= stop or not at_end:
                return None, position, exc.pos, at_end and limit >= len(text)
            size *= 16
            continue
        return value, position + end, 0, False


def _too_deep(text: str, position: int) -> bool:
    # The short count rules out almost every position before the long one runs.
    if text.count("{", position, position + 256) <= 32:
        return False
    opened = text.count("{", position, position + DEPTH_WINDOW)
    return opened - text.count("}", position, position + DEPTH_WINDOW) > MAX_OPEN_BRACES


def _read_escaped(text: str, position: int, backslashes: int, context: Context, depth: int):
    """Read a body escaped inside a string literal (``{\\"code\\":...}``)."""
    end = _string_end(text, position, backslashes - 1)
    segment = text[position:end]
    try:
        inner = json.loads(f'"{segment}"') if backslashes == 1 else _unescape(segment)
    except ValueError:
        inner = _unescape(segment)
    found = [finding for _, finding in scan_positions(inner, context, depth + 1)]
    return end, _with_context(found, text, position, end), 0


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
    found = [finding for _, finding in scan_positions(inner, context, depth + 1)]
    return end, _with_context(found, text, position, end), 0


def _with_context(findings: list[Finding], text: str, start: int, end: int):
    """Fill the request context the findings lack from the lines around the body.

    Values the body or its log record carried stay; the window only fills
    what is still None.
    """
    if not findings or all(
        f.http_status and f.url and f.method and f.request_id for f in findings
    ):
        return findings
    window = _around(text, start, end)
    for finding in findings:
        if finding.http_status is None:
            finding.http_status = window.http_status
        if finding.method is None:
            finding.method = window.method
        if finding.url is None:
            finding.url = masked(window.url)
        if finding.request_id is None:
            finding.request_id = masked(window.request_id)
    return findings


def _around(text: str, start: int, end: int) -> Context:
    """Return the request context shown in the lines around ``text[start:end]``.

    The window is the rest of the body's own lines plus up to two lines
    before and after it, each part cut to ``WINDOW_PART`` characters. A
    neighbouring line that opens with ``{`` or ``[`` is another record (JSON
    lines), so the window stops there.
    """
    line_start = text.rfind("\n", max(0, start - WINDOW_PART), start) + 1
    line_start = max(line_start, start - WINDOW_PART)
    line_end = text.find("\n", end, end + WINDOW_PART)
    line_end = min(end + WINDOW_PART, len(text)) if line_end < 0 else line_end
    window = [text[line_start:start], text[end:line_end]]
    before = text[max(0, line_start - 2 * WINDOW_PART):line_start].splitlines()[-2:]
    after = text[line_end:line_end + 2 * WINDOW_PART].splitlines()[1:3]
    for line in reversed(before):
        if line.lstrip().startswith(("{", "[")):
            break
        window.insert(0, line[-WINDOW_PART:])
    for line in after:
        if line.lstrip().startswith(("{", "[")):
            break
        window.append(line[:WINDOW_PART])
    if after and after[0].startswith("Traceback (most recent call last)"):
        window.append(_traceback_exception_line(text, line_end))
    return _context_from(" ".join(window), Context())


def _traceback_exception_line(text: str, start: int) -> str:
    """Return the exception line that ends the Python traceback starting after ``start``.

    A body printed just before a traceback belongs to the exception the
    traceback ends with, such as ``HTTPError: 400 Client Error ... for url``.
    """
    for line in text[start:start + 20 * WINDOW_PART].splitlines()[2:80]:
        if line and not line[0].isspace():
            return line[:WINDOW_PART]
    return ""


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


class _Spans:
    """Disjoint ``(start, end)`` ranges of text already explained, sorted for bisection."""

    def __init__(self, spans: list[tuple[int, int]]) -> None:
        self.spans = sorted(spans)
        self.starts = [start for start, _ in self.spans]

    def overlaps(self, start: int, end: int) -> bool:
        index = bisect.bisect_left(self.starts, end)
        return index > 0 and self.spans[index - 1][1] > start

    def add(self, start: int, end: int) -> None:
        index = bisect.bisect_left(self.starts, start)
        self.starts.insert(index, start)
        self.spans.insert(index, (start, end))


def _line_spans(text: str):
    offset = 0
    for line in text.splitlines(keepends=True):
        yield offset, line
        offset += len(line)


def _lines_at(lines: list[tuple[int, str]], offsets: list[int]) -> list[tuple[int, str]]:
    """Return, in order, the ``(offset, line)`` items that contain one of ``offsets``."""
    starts = [offset for offset, _ in lines]
    indexes = sorted({bisect.bisect_right(starts, offset) - 1 for offset in offsets})
    return [lines[index] for index in indexes]


def _scan_oauth_text(text: str, spans: _Spans, context: Context) -> list[tuple[int, Finding]]:
    """Find OAuth errors written as a form or query string, or as ``error: text``."""
    # Each pattern needs one of these literals, so only lines with one are read.
    offsets = transport.keyword_offsets(text, _OAUTH_WORDS)
    if not offsets:
        return []
    found = []
    for offset, line in _lines_at(list(_line_spans(text)), offsets):
        if spans.overlaps(offset, offset + len(line)):
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
        spans.add(offset, offset + len(line))
    return found


def _scan_messages(text: str, spans: _Spans, context: Context) -> list[tuple[int, Finding]]:
    """Match lines that carry a published message but no code."""
    markers = transport.keyword_offsets(transport.lower_ascii(text), ERROR_MARKERS)
    if not markers and text.count("\n") > 3:
        return []
    lines = list(_line_spans(text))
    if len(lines) > 3:
        # Longer input: only lines with an error marker word are tried.
        lines = _lines_at(lines, markers)
    found = []
    tried = 0
    for offset, line in lines:
        stripped = line.strip()
        if len(stripped) < 12 or len(stripped) > 2000:
            continue
        if spans.overlaps(offset, offset + len(line)):
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
