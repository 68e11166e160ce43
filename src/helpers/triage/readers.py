"""Open log sources and feed their lines, in large blocks, to the extractor.

A source is a path, a glob pattern such as ``logs/*.gz``, a directory (every
file below it, in name order), an open binary or text file object, a ``str``
of log text, ``bytes``, or a list of any of these. Each input is read in
binary chunks. Gzip is recognized by its magic bytes, whatever the file is
called, and UTF-16 text by its byte order mark. The first chunk decides the
shape:

- a HAR file (a JSON document whose first key, ``log``, is an object) is
  parsed whole, and each entry's response body is searched;
- a CSV export with a header line is split into fields only on the lines that
  contain a match, so that a ``requestId`` column keeps its name;
- anything else (plain text, JSON lines, CSV without a header) is searched
  line by line as raw bytes.

A truncated or corrupt gzip stream gives a partial result: the lines before
the damage are counted, and a warning names the file.
"""

from __future__ import annotations

import codecs
import csv
import glob
import io
import json
import logging
import os
import re
import zlib
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from helpers.triage.extract import LineExtractor

logger = logging.getLogger(__name__)

GZIP_MAGIC = b"\x1f\x8b"
UTF16_BOMS = (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)
DEFAULT_CHUNK_SIZE = 8 * 1024 * 1024
# A line longer than this is cut into pieces so that memory stays bounded.
# An error split across a cut is lost, and the summary gets a warning.
MAX_LINE_BYTES = 64 * 1024 * 1024
_COMPRESSED_READ = 1024 * 1024
# HAR's "log" is an object; Docker's json-file driver writes "log" as a
# string on every line, and those files are JSON lines.
_HAR_START = re.compile(rb'^\s*\{\s*"log"\s*:\s*\{')
_CSV_HEADER = re.compile(r'^"?[A-Za-z_@][\w .@:/-]{0,63}"?(?:,"?[A-Za-z_@][\w .@:/-]{0,63}"?)+\r?$')
_REQUEST_ID_HEADERS = frozenset({"requestid", "request-id", "request_id", "x-request-id"})


@dataclass
class LogInput:
    """One input: a name for reports and a way to open it as binary."""

    name: str
    opener: Callable[[], io.RawIOBase | io.BufferedIOBase]
    size: int | None = None
    close: bool = True
    path: str | None = None


@dataclass
class ScanReport:
    """Files, line and byte counts, and warnings of one triage run."""

    files: list[str] = field(default_factory=list)
    lines_read: int = 0
    bytes_read: int = 0
    warnings: list[str] = field(default_factory=list)

    def warn(self, text: str) -> None:
        """Record a warning for the summary and log it."""
        logger.warning("%s", text)
        self.warnings.append(text)


def resolve_inputs(source) -> list[LogInput]:
    """Turn any accepted source into a list of inputs, in reading order.

    Raises
    ------
    FileNotFoundError
        A path that does not exist; the message names it.
    TypeError
        A value of a type that is not a log source.
    """
    if isinstance(source, (list, tuple)):
        inputs: list[LogInput] = []
        for item in source:
            inputs.extend(resolve_inputs(item))
        return inputs
    if isinstance(source, bytes):
        return [LogInput("<bytes>", lambda: io.BytesIO(source), len(source))]
    if isinstance(source, str) and _looks_like_text(source):
        data = source.encode("utf-8")
        return [LogInput("<text>", lambda: io.BytesIO(data), len(data))]
    if isinstance(source, (str, os.PathLike)):
        return _path_inputs(Path(source))
    if hasattr(source, "read"):
        name = str(getattr(source, "name", "<stream>"))
        return [LogInput(name, lambda: _BinaryAdapter(source), None, close=False)]
    raise TypeError(
        f"cannot read a log from {type(source).__name__!r}; pass a path, a file "
        "object, a str of log text, bytes, or a list of these"
    )


def _looks_like_text(value: str) -> bool:
    # A str is log text when it cannot be a file name: it spans lines, or
    # it names no existing file and contains a brace, a quote or "=", which
    # error bodies have and file names seldom do.
    if "\n" in value or "\x00" in value:
        return True
    if len(value) > 4096:
        return True
    try:
        if os.path.exists(value):
            return False
    except (OSError, ValueError):
        return True
    return any(mark in value for mark in ('{', '"', "="))


def _path_inputs(path: Path) -> list[LogInput]:
    if not path.exists() and glob.has_magic(str(path)):
        matches = sorted(glob.glob(str(path), recursive=True))
        if not matches:
            raise FileNotFoundError(f"no log file matches {path}; check the pattern")
        return [item for match in matches for item in _path_inputs(Path(match))]
    if path.is_dir():
        files = sorted(p for p in path.rglob("*") if p.is_file())
        return [_file_input(p) for p in files]
    if not path.exists():
        raise FileNotFoundError(f"log file not found: {path}; check the path")
    return [_file_input(path)]


def _file_input(path: Path) -> LogInput:
    return LogInput(str(path), lambda: open(path, "rb"), path.stat().st_size, path=str(path))


class _BinaryAdapter(io.RawIOBase):
    """Read a caller's file object as bytes, whether it returns str or bytes."""

    def __init__(self, stream) -> None:
        self._stream = stream

    def readable(self) -> bool:
        return True

    def read(self, size: int = -1) -> bytes:
        data = self._stream.read(size)
        if isinstance(data, str):
            return data.encode("utf-8")
        return bytes(data)


def iter_chunks(stream, chunk_size: int, report: ScanReport, name: str, counter) -> Iterator[bytes]:
    """Yield the decompressed bytes of ``stream`` in chunks of about ``chunk_size``.

    ``counter`` is called with the number of raw bytes read from the input,
    for the progress bar. UTF-16 text (with a byte order mark, as Windows
    tools export it) is converted to UTF-8.
    """
    return _utf16_to_utf8(_raw_chunks(stream, chunk_size, report, name, counter))


def _raw_chunks(stream, chunk_size: int, report: ScanReport, name: str, counter) -> Iterator[bytes]:
    head = stream.read(2)
    counter(len(head))
    if head[:2] != GZIP_MAGIC:
        data = head + stream.read(chunk_size) if head else b""
        counter(len(data) - len(head))
        if data:
            yield data
        while data := stream.read(chunk_size):
            counter(len(data))
            yield data
        return
    yield from _iter_gzip(stream, head, chunk_size, report, name, counter)


def _utf16_to_utf8(chunks: Iterator[bytes]) -> Iterator[bytes]:
    first = next(chunks, b"")
    if not first.startswith(UTF16_BOMS):
        if first:
            yield first
        yield from chunks
        return
    decoder = codecs.getincrementaldecoder("utf-16")(errors="replace")
    for data in _prepend(first, chunks):
        text = decoder.decode(data)
        if text:
            yield text.encode("utf-8")
    text = decoder.decode(b"", final=True)
    if text:
        yield text.encode("utf-8")


def _iter_gzip(stream, head: bytes, chunk_size: int, report: ScanReport, name: str, counter):
    decompressor = zlib.decompressobj(wbits=31)
    pending = head
    member_fed = False
    output: list[bytes] = []
    held = 0
    while True:
        if not pending:
            pending = stream.read(_COMPRESSED_READ)
            counter(len(pending))
            if not pending:
                break
        try:
            data = decompressor.decompress(pending)
        except zlib.error as exc:
            report.warn(f"{name}: gzip data is corrupt ({exc}); counted the lines before it")
            member_fed = False
            break
        member_fed = True
        pending = b""
        if decompressor.eof:
            # Concatenated gzip members form one stream (as ``cat a.gz b.gz``).
            pending = decompressor.unused_data
            decompressor = zlib.decompressobj(wbits=31)
            member_fed = False
            if pending and pending[:2] != GZIP_MAGIC:
                report.warn(f"{name}: ignored {len(pending)} bytes after the end of the gzip data")
                pending = b""
        if data:
            output.append(data)
            held += len(data)
        if held >= chunk_size:
            yield b"".join(output)
            output, held = [], 0
    if member_fed and not decompressor.eof:
        report.warn(f"{name}: gzip data is truncated; counted the lines before the cut")
    if output:
        yield b"".join(output)


def iter_line_blocks(chunks: Iterable[bytes], report: ScanReport, name: str) -> Iterator[tuple[bytes, int, int]]:
    """Yield ``(data, start, end)`` so that ``data[start:end]`` contains whole lines.

    Blocks are slices by position, not copies: only a line that spans two
    chunks is copied, joined with its other part.
    """
    tail = b""
    for data in chunks:
        start = 0
        if tail:
            newline = data.find(b"\n")
            if newline < 0:
                tail += data
                if len(tail) > MAX_LINE_BYTES:
                    report.warn(f"{name}: a line longer than {MAX_LINE_BYTES} bytes was cut into pieces")
                    yield tail, 0, len(tail)
                    tail = b""
                continue
            joined = tail + data[: newline + 1]
            yield joined, 0, len(joined)
            start = newline + 1
        last = data.rfind(b"\n", start)
        if last >= start:
            yield data, start, last + 1
            tail = data[last + 1 :]
        else:
            tail = data[start:]
    if tail:
        yield tail, 0, len(tail)


def scan_input(item: LogInput, extractor: LineExtractor, chunk_size: int, report: ScanReport, counter) -> None:
    """Read one input to its end and feed every error to ``extractor``."""
    report.files.append(item.name)
    stream = item.opener()
    try:
        chunks = iter_chunks(stream, chunk_size, report, item.name, counter)
        first = next(chunks, b"")
        if _HAR_START.match(first[:4096].lstrip(b"\xef\xbb\xbf")):
            _scan_har(first + b"".join(chunks), item.name, extractor, report)
            return
        if b"\x00" in first[:8192]:
            report.warn(f"{item.name}: looks like binary data, not a text log")
        extractor.csv_header = _csv_header(first)
        newlines = 0
        ends_with_newline = True
        for data, start, end in iter_line_blocks(_prepend(first, chunks), report, item.name):
            newlines += extractor.scan_block(data, start, end, item.name, newlines + 1)
            report.bytes_read += end - start
            ends_with_newline = data[end - 1 : end] == b"\n"
        report.lines_read += newlines + (0 if ends_with_newline else 1)
    finally:
        extractor.csv_header = None
        if item.close:
            stream.close()


def _prepend(first: bytes, chunks: Iterator[bytes]) -> Iterator[bytes]:
    if first:
        yield first
    yield from chunks


def _csv_header(first: bytes) -> list[str] | None:
    # A CSV export starts with a line of column names and no JSON.
    line = first[: first.find(b"\n")] if b"\n" in first else first[:4096]
    text = line.decode("utf-8", "replace").lstrip("\ufeff")
    if not _CSV_HEADER.match(text):
        return None
    return next(csv.reader([text.rstrip("\r")]))


def _scan_har(data: bytes, name: str, extractor: LineExtractor, report: ScanReport) -> None:
    # NOTE: a HAR file is one JSON document, so it is parsed whole; its size
    # bounds the memory used. Browsers rarely save HAR files over a few
    # hundred megabytes.
    report.bytes_read += len(data)
    try:
        har = json.loads(data)
        entries = har["log"]["entries"]
    except (ValueError, KeyError, TypeError) as exc:
        report.warn(f"{name}: not a valid HAR file ({exc}); no entries were read")
        return
    report.lines_read += len(entries)
    for number, entry in enumerate(entries, start=1):
        line = _har_entry_line(entry)
        if line:
            extractor.extract_line(line, name, number)
    extractor.acc.fold()


def _har_entry_line(entry) -> bytes:
    # One synthetic log line per entry: its time, URL, request id and
    # response body, which the line extractor then reads like any other.
    if not isinstance(entry, dict):
        return b""
    request = entry.get("request") or {}
    response = entry.get("response") or {}
    content = response.get("content") or {}
    body = content.get("text") or ""
    if content.get("encoding") == "base64":
        body = _decode_base64(body)
    if "code" not in body:
        return b""
    request_id = _har_request_id(request) or _har_request_id(response)
    parts = [
        str(entry.get("startedDateTime") or ""),
        str(request.get("url") or ""),
        f"RequestId={request_id}" if request_id else "",
        body,
    ]
    return " ".join(parts).encode("utf-8", "replace")


def _decode_base64(text: str) -> str:
    import base64
    import binascii

    try:
        return base64.b64decode(text).decode("utf-8", "replace")
    except (binascii.Error, ValueError):
        return ""


def _har_request_id(message: dict) -> str | None:
    for header in message.get("headers") or []:
        if isinstance(header, dict) and str(header.get("name", "")).lower() in _REQUEST_ID_HEADERS:
            value = str(header.get("value", "")).strip()
            if value:
                return value
    return None
