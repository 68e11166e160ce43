"""Synthetic logs with a known number of errors, for tests, demos and benchmarks.

``write_synthetic_log`` writes a log in one of the shapes triage reads
(plain text, JSON lines with an escaped body, CSV export with doubled
quotes, HAR), optionally gzipped. It returns the exact counts per code and
endpoint and the first and last time of each code. Noise
lines carry numbers and the word ``code`` (HTTP statuses, exit codes, a
postal code) without being Interaction API errors, so a test can check that
triage counts only real errors. The log is built from one block of lines
repeated until the requested size, so writing a gigabyte takes seconds.
"""

from __future__ import annotations

import gzip
import json
import random
import uuid
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path

SHAPES = ("plain", "jsonl", "csv", "har")
# (code, endpoint, message) of the errors the generator writes.
SAMPLE_ERRORS = (
    (10013, "/api/v1/agentWork", "Send capacityWeight or capacityPercentage, not both."),
    (10025, "/api/v1/consent", "No conversation exists for this channel address."),
    (10001, "/api/v1/interactions", 'The "to" value is invalid.'),
    (500, "/api/v1/route", "Unexpected internal error."),
    (10107, "/api/v1/conversation", "A code newer than any table."),
)
NOISE_LINES = (
    "GET /healthz status code 200 in 3 ms",
    "worker exited with code 0 after 1200 jobs",
    'shipping address zip code 94105 saved, "code": "ABC-12345"',
    'upstream replied {"status":"ok","code":200,"message":"accepted"}',
    "retrying request 10013 of 20000 (code path A)",
    'config loaded {"codeVersion": 10025, "messages": 3}',
)
START = datetime(2026, 12, 1, 8, 0, 0, tzinfo=timezone.utc)


@dataclass
class SyntheticLog:
    """A written synthetic log and the exact errors it contains."""

    path: Path
    shape: str
    compressed: bool
    lines: int
    by_code: Counter = field(default_factory=Counter)
    by_endpoint: Counter = field(default_factory=Counter)
    by_code_endpoint: Counter = field(default_factory=Counter)
    first_seen: dict[int, datetime] = field(default_factory=dict)
    last_seen: dict[int, datetime] = field(default_factory=dict)

    @property
    def total_errors(self) -> int:
        """Number of errors written."""
        return sum(self.by_code.values())


def write_synthetic_log(
    path: str | Path,
    shape: str = "plain",
    *,
    error_lines: int = 100,
    noise_per_error: int = 3,
    repeat: int = 1,
    size_bytes: int | None = None,
    compress: bool = False,
    seed: int = 0,
    start: datetime = START,
    step: timedelta = timedelta(seconds=37),
) -> SyntheticLog:
    """Write a log with a known number of errors and return its contents.

    Parameters
    ----------
    path : str or Path
        File to write (overwritten).
    shape : {"plain", "jsonl", "csv", "har"}
        Log format.
    error_lines : int
        Error lines in one block; codes cycle through ``SAMPLE_ERRORS``.
    noise_per_error : int
        Noise lines written after each error line.
    repeat : int
        How many times the block is written; ignored when ``size_bytes`` is
        given. Repeated blocks keep their times, so first and last seen do
        not change with it.
    size_bytes : int, optional
        Repeat the block until the file holds at least this many bytes
        (before compression). Not available for HAR, a single document.
    compress : bool
        Write gzip (level 1, for speed).
    seed : int
        Seed for the request ids.

    Returns
    -------
    SyntheticLog

    Raises
    ------
    ValueError
        An unknown shape, or ``size_bytes`` with the HAR shape.
    """
    if shape not in SHAPES:
        raise ValueError(f"invalid shape {shape!r}; use one of {', '.join(SHAPES)}")
    if shape == "har" and size_bytes is not None:
        raise ValueError("size_bytes is not available for HAR; use error_lines")
    rng = random.Random(seed)
    events = _events(error_lines, noise_per_error, rng, start, step)
    log = SyntheticLog(Path(path), shape, compress, 0)
    if shape == "har":
        block = _har_document(events).encode("utf-8")
        header = b""
        block_lines = 0
    else:
        header = b"time,level,path,requestId,body\n" if shape == "csv" else b""
        block = "".join(_line(shape, event) + "\n" for event in events).encode("utf-8")
        block_lines = len(events)
    if size_bytes is not None:
        repeat = max(1, -(-(size_bytes - len(header)) // len(block)))
    opener = (lambda p: gzip.open(p, "wb", compresslevel=1)) if compress else (lambda p: open(p, "wb"))
    with opener(log.path) as out:
        out.write(header)
        for _ in range(repeat):
            out.write(block)
    log.lines = block_lines * repeat + (1 if header else 0)
    _count(log, events, repeat)
    return log


def _events(error_lines, noise_per_error, rng, start, step) -> list[dict]:
    events = []
    time = start
    for index in range(error_lines):
        code, endpoint, message = SAMPLE_ERRORS[index % len(SAMPLE_ERRORS)]
        request_id = str(uuid.UUID(int=rng.getrandbits(128), version=4))
        events.append({"time": time, "code": code, "endpoint": endpoint, "message": message, "request_id": request_id})
        for noise in range(noise_per_error):
            text = NOISE_LINES[(index + noise) % len(NOISE_LINES)]
            events.append({"time": time + timedelta(milliseconds=noise + 1), "noise": text})
        time += step
    return events


def _body(event) -> str:
    return json.dumps({"code": event["code"], "message": event["message"]}, separators=(",", ":"))


def _line(shape: str, event: dict) -> str:
    stamp = event["time"].strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"
    noise = event.get("noise")
    if shape == "plain":
        if noise:
            return f"{stamp} INFO  {noise}"
        return (
            f"{stamp} ERROR POST {event['endpoint']} failed with HTTP 400 body={_body(event)} "
            f"RequestId={event['request_id']}"
        )
    if shape == "jsonl":
        if noise:
            return json.dumps({"ts": stamp, "level": "INFO", "msg": noise})
        record = {
            "ts": stamp,
            "level": "ERROR",
            "msg": "Interaction API call failed",
            "path": event["endpoint"],
            "body": _body(event),
            "requestId": event["request_id"],
        }
        return json.dumps(record, separators=(",", ":"))
    if noise:
        return _csv_row([stamp, "INFO", "", "", noise])
    return _csv_row([stamp, "ERROR", event["endpoint"], event["request_id"], _body(event)])


def _csv_row(fields: list[str]) -> str:
    return ",".join('"' + value.replace('"', '""') + '"' for value in fields)


def _har_document(events: list[dict]) -> str:
    entries = []
    for event in events:
        stamp = event["time"].isoformat().replace("+00:00", "Z")
        noise = event.get("noise")
        endpoint = "/api/v1/capabilities" if noise else event["endpoint"]
        body = json.dumps({"success": True, "note": noise}) if noise else _body(event)
        headers = [] if noise else [{"name": "RequestId", "value": event["request_id"]}]
        entries.append(
            {
                "startedDateTime": stamp,
                "time": 120,
                "request": {"method": "POST", "url": "https://example.invalid" + endpoint, "headers": headers},
                "response": {
                    "status": 200 if noise else 400,
                    "headers": [],
                    "content": {"mimeType": "application/json", "text": body},
                },
            }
        )
    return json.dumps({"log": {"version": "1.2", "creator": {"name": "synthetic"}, "entries": entries}}, indent=1)


def _count(log: SyntheticLog, events: list[dict], repeat: int) -> None:
    for event in events:
        if "noise" in event:
            continue
        code, endpoint = event["code"], event["endpoint"]
        log.by_code[code] += repeat
        log.by_endpoint[endpoint] += repeat
        log.by_code_endpoint[(code, endpoint)] += repeat
        time = event["time"]
        if code not in log.first_seen or time < log.first_seen[code]:
            log.first_seen[code] = time
        if code not in log.last_seen or time > log.last_seen[code]:
            log.last_seen[code] = time
