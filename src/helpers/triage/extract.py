"""Find Interaction API errors in raw log bytes and count them as they stream.

An error is a ``code`` key whose value is an Interaction API code (``500`` or
a five-digit code from 10000 to 99999) on a line that also carries a
``message`` key, because the API's error body always has both. The key may
sit in plain JSON (``"code":10013``), in JSON escaped once or more inside a
string field (``\\"code\\":10013``), in a CSV field with doubled quotes
(``""code"":10013``), in a Python repr (``'code': 10013``) or in logfmt
(``code=10013``). Other numbers named ``code`` (HTTP statuses, exit codes,
postal codes) are not errors.

The scan is built for throughput. ``scan_block`` searches a whole chunk with
one regular expression that starts with the literal ``code``, so lines
without that word cost only the byte search. Only the lines that contain a
match are parsed further. ``Accumulator`` keeps exact counts and keeps
per-error rows only up to a limit.
"""

from __future__ import annotations

import csv
import json
import re
from array import array
from collections import Counter
from collections.abc import Callable

import numpy as np

# A code key followed by its value. The group ``quote`` is the quoting that
# closes the key (``"``, ``\\"``, ``""``, ``'``) and must also open it, which
# the caller checks on the bytes before the match.
# Only values in the API's range match (500 or five digits), so that the
# many "code":200 of other services cost no Python work.
CODE_PATTERN = re.compile(
    rb'code(?P<quote>\\*"{1,2}|\')?[ \t]*(?P<sep>[:=])[ \t]*(?:\\*"{1,2}|\')?'
    rb"(?P<code>500|[1-9]\d{4})(?!\d)"
)
MESSAGE_KEY = b"message"

MIN_API_CODE = 10000
MAX_API_CODE = 99999
INTERNAL_ERROR_CODE = 500

ISO_TIME_PATTERN = re.compile(
    rb"(\d{4})-(\d\d)-(\d\d)[T ](\d\d):(\d\d):(\d\d)(?:[.,](\d{1,9}))?"
    rb"[ ]?(Z|[+-]\d\d:?\d\d|UTC)?"
)
# Common log format, as written by Apache, nginx and many proxies.
CLF_TIME_PATTERN = re.compile(
    rb"\[(\d\d)/([A-Z][a-z]{2})/(\d{4}):(\d\d):(\d\d):(\d\d) ([+-]\d{4})\]"
)
MONTHS = {
    name: number
    for number, name in enumerate(
        (b"Jan", b"Feb", b"Mar", b"Apr", b"May", b"Jun")
        + (b"Jul", b"Aug", b"Sep", b"Oct", b"Nov", b"Dec"),
        start=1,
    )
}

ENDPOINT_PATTERN = re.compile(rb"/api/v1/([A-Za-z]+)")
# A path or URL field that names the resource without the /api/v1 prefix.
PATH_FIELD_PATTERN = re.compile(
    rb'(?:path|url|uri|endpoint)\\*"*[ \t]*[:=][ \t]*\\*"*'
    rb"(?:https?://[^/\s\"\\]+)?/([A-Za-z]+)(?![A-Za-z/])"
)
REQUEST_ID_PATTERN = re.compile(
    rb"[Rr][Ee][Qq][Uu][Ee][Ss][Tt][_-]?[Ii][Dd]"
    rb'(?:\\*"*[ \t]*[:=][ \t]*\\*"*([A-Za-z0-9][A-Za-z0-9._:-]{1,127})'
    rb"|\W{1,8}?([0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}))"
)
# String bodies are written as "unrolled loops" (runs of plain characters
# between escapes), which the regex engine matches much faster than one
# alternation per character.
JSON_MESSAGE_PATTERN = re.compile(rb'"message"[ \t]*:[ \t]*"([^"\\]*(?:\\.[^"\\]*)*)"')
REPR_MESSAGE_PATTERN = re.compile(rb"'message'[ \t]*:[ \t]*'([^'\\]*(?:\\.[^'\\]*)*)'")
LOGFMT_MESSAGE_PATTERN = re.compile(rb'\bmessage=(?:"([^"\\]*(?:\\.[^"\\]*)*)"|(\S+))')
# One level of JSON string escaping, undone for quotes and backslashes only.
UNESCAPE_PATTERN = re.compile(rb'\\([\\"/])')

NAT = -(2**63)
NANOS_PER_SECOND = 1_000_000_000
NANOS_PER_MINUTE = 60 * NANOS_PER_SECOND
NANOS_PER_HOUR = 60 * NANOS_PER_MINUTE
NANOS_PER_DAY = 24 * NANOS_PER_HOUR
# Bucket widths of the counts over time, narrowest first. Each is a multiple
# of the one before, so counts move to a wider bucket without loss.
BUCKET_WIDTHS = (NANOS_PER_MINUTE, NANOS_PER_HOUR, NANOS_PER_DAY, 7 * NANOS_PER_DAY)
MAX_MESSAGE_CHARS = 500


def is_api_code(code: int) -> bool:
    """Return whether ``code`` is in the range the Interaction API uses."""
    return code == INTERNAL_ERROR_CODE or MIN_API_CODE <= code <= MAX_API_CODE


def _days_from_civil(year: int, month: int, day: int) -> int:
    # Days since 1970-01-01 in the proleptic Gregorian calendar (the
    # well-known era-based conversion, exact for every year).
    year -= month <= 2
    era = (year if year >= 0 else year - 399) // 400
    year_of_era = year - era * 400
    day_of_year = (153 * (month + (-3 if month > 2 else 9)) + 2) // 5 + day - 1
    day_of_era = year_of_era * 365 + year_of_era // 4 - year_of_era // 100 + day_of_year
    return era * 146097 + day_of_era - 719468


class TimeParser:
    """Parse the first timestamp of a line into nanoseconds since the epoch.

    ISO 8601 (``2026-12-04T15:20:01.123Z``, with ``T`` or a space, an offset,
    ``Z``, ``UTC`` or nothing) and the common log format
    (``[04/Dec/2026:15:20:01 +0000]``) are recognized. A timestamp without an
    offset is read as UTC. Minutes are cached because log lines share them.
    """

    def __init__(self) -> None:
        self._minutes: dict[bytes, int] = {}

    def parse(self, line: bytes) -> int:
        """Return the time in ``line`` in nanoseconds, or ``NAT`` if none."""
        match = ISO_TIME_PATTERN.search(line)
        if match is not None:
            stamp, fraction, zone = match.group(0, 7, 8)
            nanos = self._minutes.get(stamp[:16] + (zone or b""))
            if nanos is None:
                nanos = self._minute_nanos(stamp, zone)
            if nanos == NAT:
                return NAT
            nanos += int(stamp[17:19]) * NANOS_PER_SECOND
            return nanos + int(fraction.ljust(9, b"0")) if fraction else nanos
        match = CLF_TIME_PATTERN.search(line)
        if match is not None:
            return self._from_clf(match)
        return NAT

    def _minute_nanos(self, stamp: bytes, zone: bytes | None) -> int:
        # Nanoseconds at the start of the minute in ``stamp`` (its first 16
        # bytes, "YYYY-MM-DDTHH:MM"), cached because log lines share minutes.
        key = stamp[:16] + (zone or b"")
        nanos = self._minutes.get(key)
        if nanos is None:
            year, month, day = int(stamp[0:4]), int(stamp[5:7]), int(stamp[8:10])
            if not (1 <= month <= 12 and 1 <= day <= 31):
                nanos = NAT
            else:
                days = _days_from_civil(year, month, day)
                minutes = (days * 24 + int(stamp[11:13])) * 60 + int(stamp[14:16])
                nanos = (minutes * 60 - _offset_seconds(zone)) * NANOS_PER_SECOND
            if len(self._minutes) > 100_000:
                self._minutes.clear()
            self._minutes[key] = nanos
        return nanos

    def _from_clf(self, match: re.Match) -> int:
        day, month_name, year, hour, minute, second, zone = match.groups()
        month = MONTHS.get(month_name)
        if month is None:
            return NAT
        stamp = b"%s-%02d-%sT%s:%s" % (year, month, day, hour, minute)
        nanos = self._minute_nanos(stamp, zone)
        if nanos == NAT:
            return NAT
        return nanos + int(second) * NANOS_PER_SECOND


def _offset_seconds(zone: bytes | None) -> int:
    if not zone or zone in (b"Z", b"UTC"):
        return 0
    sign = -1 if zone[:1] == b"-" else 1
    digits = zone[1:].replace(b":", b"")
    return sign * (int(digits[:2]) * 3600 + int(digits[2:4]) * 60)


class Accumulator:
    """Exact counts of errors, plus per-error rows up to ``max_rows``.

    Accumulators are plain data, so they pickle: the Dask path builds one per
    block of input and merges them with ``merge``. Times are nanoseconds since
    the epoch, with ``NAT`` for a line that has none.

    Parameters
    ----------
    max_rows : int
        Number of per-error rows to keep; counts stay exact beyond it.
    row_sink : callable, optional
        Called with each batch of rows (a dict of column lists, see
        ``take_rows``) instead of keeping them. The CSV output of the command
        line uses it, so every row is written without being kept in memory.
    """

    MAX_MESSAGES = 10_000
    MAX_TIME_BUCKETS = 200_000
    SINK_BATCH = 50_000

    def __init__(self, max_rows: int, row_sink: Callable[[dict], None] | None = None):
        self.max_rows = max_rows
        self.row_sink = row_sink
        self.total = 0
        self.by_code: dict[int, int] = {}
        self.by_code_endpoint: dict[tuple[int, str | None], int] = {}
        self.first_seen: dict[int, int] = {}
        self.last_seen: dict[int, int] = {}
        self.untimed = 0
        # Counts per (code, bucket start in ns); buckets are one minute wide
        # until there are too many, then coarser (see _coarsen).
        self.bucket_nanos = NANOS_PER_MINUTE
        self.by_bucket: dict[tuple[int, int], int] = {}
        self.messages: dict[tuple[int, str], int] = {}
        self.messages_untracked = 0
        self.rows_seen = 0
        self._clear_rows()

    def _clear_rows(self) -> None:
        # Rows before index ``_folded`` have been counted (see ``fold``).
        self._folded = 0
        self.row_time = array("q")
        self.row_code = array("q")
        self.row_line = array("q")
        self.row_endpoint: list[str | None] = []
        self.row_request_id: list[str | None] = []
        self.row_message: list[str | None] = []
        self.row_file: list[str | None] = []

    @property
    def rows_kept(self) -> int:
        """Number of rows held in memory."""
        return len(self.row_code)

    def add(self, code, nanos, endpoint, request_id, message, file, line) -> None:
        """Record one error; it is counted at the next ``fold``."""
        self.row_time.append(nanos)
        self.row_code.append(code)
        self.row_line.append(line if line is not None else NAT)
        self.row_endpoint.append(endpoint)
        self.row_request_id.append(request_id)
        self.row_message.append(message)
        self.row_file.append(file)

    def fold(self) -> None:
        """Count the errors added since the last fold, then trim the rows.

        Counting a batch at once with ``Counter`` and numpy is several times
        faster than counting error by error. Rows beyond ``max_rows`` are
        dropped here, or handed to ``row_sink`` once enough have gathered.
        """
        start = self._folded
        added = len(self.row_code) - start
        if added:
            codes = self.row_code[start:]
            self.total += added
            self.rows_seen += added
            _add_counts(self.by_code, Counter(codes))
            _add_counts(self.by_code_endpoint, Counter(zip(codes, self.row_endpoint[start:])))
            self._count_times(codes, self.row_time[start:])
            self._count_messages(Counter(zip(codes, self.row_message[start:])))
        if self.row_sink is not None:
            if len(self.row_code) >= self.SINK_BATCH:
                self.row_sink(self._take_rows())
        elif len(self.row_code) > self.max_rows:
            self._trim_rows(self.max_rows)
        self._folded = len(self.row_code)

    def flush(self) -> None:
        """Count pending errors and send every held row to ``row_sink``."""
        self.fold()
        if self.row_sink is not None and len(self.row_code):
            self.row_sink(self._take_rows())

    def take_rows(self) -> dict:
        """Return the kept rows as column lists and forget them."""
        self.fold()
        return self._take_rows()

    def _take_rows(self) -> dict:
        rows = {
            "time": self.row_time,
            "code": self.row_code,
            "endpoint": self.row_endpoint,
            "request_id": self.row_request_id,
            "message": self.row_message,
            "file": self.row_file,
            "line": self.row_line,
        }
        self._clear_rows()
        return rows

    def _trim_rows(self, size: int) -> None:
        for column in (
            self.row_time,
            self.row_code,
            self.row_line,
            self.row_endpoint,
            self.row_request_id,
            self.row_message,
            self.row_file,
        ):
            del column[size:]

    def _count_times(self, codes: array, times: array) -> None:
        code_values = np.frombuffer(codes, dtype=np.int64)
        time_values = np.frombuffer(times, dtype=np.int64)
        timed = time_values != NAT
        self.untimed += int(len(time_values) - timed.sum())
        code_values = code_values[timed]
        time_values = time_values[timed]
        if not len(time_values):
            return
        for code in np.unique(code_values).tolist():
            of_code = time_values[code_values == code]
            first, last = int(of_code.min()), int(of_code.max())
            if code not in self.first_seen or first < self.first_seen[code]:
                self.first_seen[code] = first
            if code not in self.last_seen or last > self.last_seen[code]:
                self.last_seen[code] = last
        starts = time_values - time_values % self.bucket_nanos
        _add_counts(self.by_bucket, Counter(zip(code_values.tolist(), starts.tolist())))
        self._limit_buckets()

    def _limit_buckets(self) -> None:
        for width in BUCKET_WIDTHS:
            if len(self.by_bucket) <= self.MAX_TIME_BUCKETS:
                return
            if width > self.bucket_nanos:
                self._coarsen(width)

    def _coarsen(self, bucket_nanos: int) -> None:
        # Wider buckets keep memory bounded on a log that spans a long time;
        # the summary can then only be resampled at this width or wider.
        merged: dict[tuple[int, int], int] = {}
        for (code, start), count in self.by_bucket.items():
            key = (code, start - start % bucket_nanos)
            merged[key] = merged.get(key, 0) + count
        self.by_bucket = merged
        self.bucket_nanos = bucket_nanos

    def _count_messages(self, counts: Counter) -> None:
        for key, count in counts.items():
            if key[1] is None:
                continue
            if key in self.messages or len(self.messages) < self.MAX_MESSAGES:
                self.messages[key] = self.messages.get(key, 0) + count
            else:
                self.messages_untracked += count

    def merge(self, other: "Accumulator") -> None:
        """Add the counts and rows of ``other``, which comes after this one."""
        self.fold()
        other.fold()
        self.total += other.total
        _add_counts(self.by_code, other.by_code)
        _add_counts(self.by_code_endpoint, other.by_code_endpoint)
        for code, nanos in other.first_seen.items():
            if code not in self.first_seen or nanos < self.first_seen[code]:
                self.first_seen[code] = nanos
        for code, nanos in other.last_seen.items():
            if code not in self.last_seen or nanos > self.last_seen[code]:
                self.last_seen[code] = nanos
        self.untimed += other.untimed
        self._merge_buckets(other)
        self._count_messages(other.messages)
        self.messages_untracked += other.messages_untracked
        self.rows_seen += other.rows_seen
        self._merge_rows(other)

    def _merge_buckets(self, other: "Accumulator") -> None:
        width = max(self.bucket_nanos, other.bucket_nanos)
        if width != self.bucket_nanos:
            self._coarsen(width)
        for (code, start), count in other.by_bucket.items():
            key = (code, start - start % width)
            self.by_bucket[key] = self.by_bucket.get(key, 0) + count
        self._limit_buckets()

    def _merge_rows(self, other: "Accumulator") -> None:
        room = self.max_rows - len(self.row_code)
        if self.row_sink is not None:
            room = len(other.row_code)
        if room <= 0:
            return
        self.row_time.extend(other.row_time[:room])
        self.row_code.extend(other.row_code[:room])
        self.row_line.extend(other.row_line[:room])
        self.row_endpoint.extend(other.row_endpoint[:room])
        self.row_request_id.extend(other.row_request_id[:room])
        self.row_message.extend(other.row_message[:room])
        self.row_file.extend(other.row_file[:room])
        self._folded = len(self.row_code)

    def __getstate__(self) -> dict:
        self.fold()
        state = self.__dict__.copy()
        state["row_sink"] = None
        return state


def _add_counts(target: dict, source: dict) -> None:
    for key, count in source.items():
        target[key] = target.get(key, 0) + count


class LineExtractor:
    """Extract the errors of one line into an ``Accumulator``.

    Parameters
    ----------
    accumulator : Accumulator
        Where the errors go.
    known_resources : frozenset of str
        Resource names (``interactions``, ``conversation``...) accepted from a
        ``path`` or ``url`` field that lacks the ``/api/v1/`` prefix.
    """

    def __init__(self, accumulator: Accumulator, known_resources: frozenset[str]):
        self.acc = accumulator
        self.known_resources = known_resources
        self.times = TimeParser()
        self._endpoints: dict[bytes, str] = {}
        self._messages: dict[bytes, str] = {}
        # Column names of a CSV export being read, set by the reader.
        self.csv_header: list[str] | None = None

    @property
    def csv_header(self) -> list[str] | None:
        """Column names of the CSV export being read, or None."""
        return self._csv_header

    @csv_header.setter
    def csv_header(self, header: list[str] | None) -> None:
        self._csv_header = header
        # A "code" column puts the code in a field of its own, far from the
        # word "code", so every line of such a file has to be split.
        self._every_line = bool(header) and any(
            name.strip().lower() == "code" for name in header
        )

    def scan_block(self, data, start: int, end: int, file: str | None, first_line: int) -> int:
        """Extract every error in ``data[start:end]``, which contains whole lines.

        ``first_line`` is the 1-based number of the line at ``start``.
        Returns the number of line breaks in the block.
        """
        if self._every_line:
            return self._scan_every_line(data, start, end, file, first_line)
        extract = self.extract_line
        line_number = first_line
        counted_to = start
        line_end = -1
        for match in CODE_PATTERN.finditer(data, start, end):
            position = match.start()
            if position < line_end:
                continue
            line_start = data.rfind(b"\n", start, position) + 1 or start
            line_end = data.find(b"\n", position, end)
            if line_end < 0:
                line_end = end
            line_number += data.count(b"\n", counted_to, line_start)
            counted_to = line_start
            extract(data[line_start:line_end], file, line_number, match, position - line_start)
        self.acc.fold()
        return line_number - first_line + data.count(b"\n", counted_to, end)

    def _scan_every_line(self, data, start, end, file, first_line) -> int:
        lines = data[start:end].split(b"\n")
        if lines and lines[-1] == b"":
            lines.pop()
        for offset, line in enumerate(lines):
            self.extract_line(line, file, first_line + offset)
        self.acc.fold()
        return data.count(b"\n", start, end)

    def extract_line(
        self, line: bytes, file: str | None, line_number: int | None, match=None, position=0
    ) -> int:
        """Extract the errors of one line; return how many were found.

        ``match`` is the ``CODE_PATTERN`` match that led to the line, found
        at ``position`` in it; when it is the only "code" of the line, it is
        used as is instead of searching the line again.
        """
        if self._csv_header:
            line = self._csv_fields_as_text(line)
            match = None
        if MESSAGE_KEY not in line:
            return 0
        if match is not None and line.count(b"code") == 1:
            found = self._single_code(line, match, position)
        else:
            found = self._codes(line)
        if not found:
            return 0
        nanos = self.times.parse(line)
        endpoint = self._endpoint(line)
        request_id = self._request_id(line)
        add = self.acc.add
        for code, quote, position in found:
            message = self._message(line, quote, position)
            add(code, nanos, endpoint, request_id, message, file, line_number)
        return len(found)

    def _csv_fields_as_text(self, line: bytes) -> bytes:
        # Name every field (name="value"), so a requestId or code column
        # reads like a logfmt key and a JSON body keeps its keys.
        text = line.decode("utf-8", "replace").rstrip("\r")
        try:
            fields = next(csv.reader([text]))
        except (csv.Error, StopIteration):
            return line
        if len(fields) != len(self._csv_header):
            return line
        pairs = (
            f"{name}={_field_value(value)}" for name, value in zip(self._csv_header, fields)
        )
        return "\t".join(pairs).encode("utf-8")

    def _codes(self, line: bytes) -> list[tuple[int, bytes, int]]:
        found = []
        for match in CODE_PATTERN.finditer(line):
            quote, separator, digits = match.group("quote", "sep", "code")
            position = match.start()
            if not _key_is_delimited(line, position, quote or b"", separator):
                continue
            code = int(digits)
            # One error per code and line: a record that repeats the body
            # (say in "msg" and "body") is still one failed call.
            if any(code == seen for seen, _, _ in found):
                continue
            found.append((code, quote or b"", position))
        return found

    def _single_code(self, line: bytes, match: re.Match, position: int) -> list[tuple[int, bytes, int]]:
        quote, separator, digits = match.group("quote", "sep", "code")
        if not _key_is_delimited(line, position, quote or b"", separator):
            return []
        return [(int(digits), quote or b"", position)]

    def _endpoint(self, line: bytes) -> str | None:
        match = ENDPOINT_PATTERN.search(line)
        if match is None:
            match = PATH_FIELD_PATTERN.search(line)
            if match is None or match.group(1).decode() not in self.known_resources:
                return None
        resource = match.group(1)
        endpoint = self._endpoints.get(resource)
        if endpoint is None:
            endpoint = "/api/v1/" + resource.decode("ascii")
            self._endpoints[resource] = endpoint
        return endpoint

    def _request_id(self, line: bytes) -> str | None:
        # A literal search first: the pattern itself has no literal prefix,
        # so searching with it alone tries every position of the line.
        start = line.find(b"equest")
        if start < 0:
            start = line.find(b"EQUEST")
            if start < 0:
                return None
        match = REQUEST_ID_PATTERN.search(line, start - 1)
        if match is None:
            return None
        value = match.group(1) or match.group(2)
        return value.decode("ascii")

    def _message(self, line: bytes, quote: bytes, position: int) -> str | None:
        if quote == b"":
            match = LOGFMT_MESSAGE_PATTERN.search(line)
            if match is None:
                return None
            raw = match.group(1) if match.group(1) is not None else match.group(2)
            return self._decode_message(raw)
        # The body's own message is the first one after the opening brace of
        # the object that contains the code, not a "message" field of the
        # log record around it.
        brace = line.rfind(b"{", 0, position)
        if quote == b"'":
            match = REPR_MESSAGE_PATTERN.search(line, brace + 1)
            return None if match is None else self._decode_message(match.group(1))
        if quote == b'"':
            match = JSON_MESSAGE_PATTERN.search(line, brace + 1)
        else:
            match = JSON_MESSAGE_PATTERN.search(_to_plain_json(line[brace + 1 :], quote))
        if match is None:
            match = JSON_MESSAGE_PATTERN.search(_to_plain_json(line, quote))
        return None if match is None else self._decode_message(match.group(1))

    def _decode_message(self, raw: bytes) -> str:
        text = self._messages.get(raw)
        if text is None:
            text = raw.decode("utf-8", "replace")
            if "\\" in text:
                try:
                    text = json.loads('"' + text + '"')
                except ValueError:
                    pass
            if len(text) > MAX_MESSAGE_CHARS:
                text = text[:MAX_MESSAGE_CHARS] + "..."
            if len(self._messages) > 50_000:
                self._messages.clear()
            self._messages[raw] = text
        return text


def _field_value(value: str) -> str:
    # A JSON body stays as it is, so its keys read as plain JSON. Other
    # values are quoted, and JSON-escaped only when they contain a quote.
    if value.startswith("{") or value.startswith("["):
        return value
    if '"' in value or "\\" in value:
        return json.dumps(value, ensure_ascii=False)
    return f'"{value}"'


def _key_is_delimited(line: bytes, position: int, quote: bytes, separator: bytes) -> bool:
    # The bytes before "code" must open the key the same way the match
    # closed it. An unquoted key must stand alone and use "=" (logfmt).
    if quote:
        return line[position - len(quote) : position] == quote
    if separator != b"=":
        return False
    before = line[position - 1 : position]
    return position == 0 or not (before.isalnum() or before in b"_-.")


def _to_plain_json(text: bytes, quote: bytes) -> bytes:
    # Undo the quoting around the code key so that the body reads as plain
    # JSON: doubled CSV quotes, or one level of string escaping per level.
    if quote == b'""':
        return text.replace(b'""', b'"')
    backslashes = quote.count(b"\\")
    for _ in range(backslashes.bit_length()):
        if b"\\\\" in text:
            text = UNESCAPE_PATTERN.sub(rb"\1", text)
        else:
            # Without an escaped backslash, every backslash-quote is an
            # escaped quote, and bytes.replace is many times faster than re.sub.
            text = text.replace(b'\\"', b'"')
    return text
