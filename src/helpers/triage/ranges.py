"""Split log files into byte ranges that separate processes can scan.

A plain (not gzipped, not HAR) log file on disk can be cut at any byte. Each
range owns the lines that start inside it, so a worker skips the partial line
at its start and finishes the line that crosses its end. Gzip and HAR files
cannot be cut and form one range each, and so do UTF-16 files. ``scan_range`` returns a picklable
``RangeResult``; merging results in range order gives exactly the counts and
rows of one sequential pass, with line numbers shifted by the lines of the
earlier ranges of the same file. The local worker pool and the Dask path both
run ``scan_range``.

This module does not import pandas; only the summary needs it.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field

from helpers.triage.extract import NAT, Accumulator, LineExtractor
from helpers.triage.readers import (
    DEFAULT_CHUNK_SIZE,
    GZIP_MAGIC,
    UTF16_BOMS,
    LogInput,
    ScanReport,
    _HAR_START,
    _csv_header,
    iter_line_blocks,
    scan_input,
)

DEFAULT_BLOCK_SIZE = 64 * 1024 * 1024
_HEAD_BYTES = 64 * 1024


@dataclass(frozen=True)
class RangeTask:
    """One unit of work: a byte range of a file, or a whole file."""

    path: str
    start: int
    end: int | None
    whole: bool
    csv_header: tuple[str, ...] | None
    known_resources: frozenset[str]
    max_rows: int
    chunk_size: int = DEFAULT_CHUNK_SIZE


@dataclass
class RangeResult:
    """Counts, rows and line total of one scanned range, in a form that pickles."""

    path: str
    start: int
    acc: Accumulator
    lines: int
    bytes_read: int
    warnings: list[str] = field(default_factory=list)
    first_of_file: bool = True


def plan_ranges(
    paths: list[str],
    known_resources: frozenset[str],
    max_rows: int,
    block_size: int = DEFAULT_BLOCK_SIZE,
    chunk_size: int = DEFAULT_CHUNK_SIZE,
) -> list[RangeTask]:
    """Cut each file into ranges of about ``block_size`` bytes, in order."""
    tasks = []
    for path in paths:
        size = os.path.getsize(path)
        with open(path, "rb") as file:
            head = file.read(_HEAD_BYTES)
        splittable = not head.startswith((GZIP_MAGIC, *UTF16_BOMS)) and not _HAR_START.match(
            head[:4096].lstrip(b"\xef\xbb\xbf")
        )
        if not splittable or size <= block_size:
            tasks.append(RangeTask(path, 0, None, True, None, known_resources, max_rows, chunk_size))
            continue
        header = _csv_header(head)
        header = tuple(header) if header else None
        for start in range(0, size, block_size):
            end = min(start + block_size, size)
            tasks.append(RangeTask(path, start, end, False, header, known_resources, max_rows, chunk_size))
    return tasks


def scan_range(task: RangeTask) -> RangeResult:
    """Scan one range of a file and return its counts and rows."""
    acc = Accumulator(task.max_rows)
    extractor = LineExtractor(acc, task.known_resources)
    report = ScanReport()
    if task.whole:
        item = LogInput(task.path, lambda: open(task.path, "rb"), os.path.getsize(task.path))
        scan_input(item, extractor, task.chunk_size, report, _ignore)
        return RangeResult(task.path, 0, acc, report.lines_read, report.bytes_read, report.warnings)
    extractor.csv_header = list(task.csv_header) if task.csv_header else None
    lines = 0
    bytes_read = 0
    with open(task.path, "rb") as file:
        if task.start == 0:
            head = file.read(8192)
            if b"\x00" in head:
                report.warn(f"{task.path}: looks like binary data, not a text log")
        chunks = _range_chunks(file, task.start, task.end, task.chunk_size)
        for data, start, end in iter_line_blocks(chunks, report, task.path):
            lines += extractor.scan_block(data, start, end, task.path, lines + 1)
            bytes_read += end - start
            last = data[end - 1 : end]
    if bytes_read and last != b"\n":
        lines += 1
    return RangeResult(task.path, task.start, acc, lines, bytes_read, report.warnings, task.start == 0)


def _range_chunks(file, start: int, end: int, chunk_size: int):
    # Yield the bytes of the lines that start in [start, end).
    position = _first_line_start(file, start, chunk_size)
    if position is None or position >= end:
        return
    file.seek(position)
    while position < end:
        data = file.read(chunk_size)
        if not data:
            return
        chunk_start = position
        position += len(data)
        if position >= end:
            # Finish the line that crosses ``end`` and stop.
            cut = data.find(b"\n", end - 1 - chunk_start)
            if cut >= 0:
                yield data[: cut + 1]
                return
            yield data
            yield from _rest_of_line(file, chunk_size)
            return
        yield data


def _first_line_start(file, start: int, chunk_size: int) -> int | None:
    # The offset of the first line that starts at or after ``start``: a
    # line starts after a newline, and the byte before ``start`` may be one.
    if start == 0:
        return 0
    position = start - 1
    file.seek(position)
    while True:
        data = file.read(chunk_size)
        if not data:
            return None
        newline = data.find(b"\n")
        if newline >= 0:
            return position + newline + 1
        position += len(data)


def _rest_of_line(file, chunk_size: int):
    while True:
        data = file.read(chunk_size)
        if not data:
            return
        cut = data.find(b"\n")
        if cut >= 0:
            yield data[: cut + 1]
            return
        yield data


def merge_results(results, acc: Accumulator, report: ScanReport) -> None:
    """Merge range results, in range order, into ``acc`` and ``report``."""
    lines_before: dict[str, int] = {}
    for result in results:
        offset = lines_before.get(result.path, 0)
        if offset:
            shift_lines(result.acc, offset)
        lines_before[result.path] = offset + result.lines
        acc.merge(result.acc)
        acc.flush()
        if result.first_of_file:
            report.files.append(result.path)
        report.lines_read += result.lines
        report.bytes_read += result.bytes_read
        for text in result.warnings:
            report.warnings.append(text)


def shift_lines(acc: Accumulator, offset: int) -> None:
    """Add ``offset`` to the line number of every row kept in ``acc``."""
    rows = acc.row_line
    for index in range(len(rows)):
        if rows[index] != NAT:
            rows[index] += offset


def _ignore(_: int) -> None:
    return None
