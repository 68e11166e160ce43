"""Time ``helpers.decode.decode`` against bare ``json.loads`` on error bodies.

Builds 100,000 error bodies in the shapes the API uses (``{code, message}``
with the code as a number or a string, ``errorDetail``, routing ``errors``,
``errorReason``), half as bytes and half as text, as a response would give
them. Then times bare ``json.loads`` over all of them and ``decode`` over all
of them, best of three runs each (alternating), and prints both and their
ratio. It also times the parse that decode's fast path uses (the C scanner
behind ``json.loads``, without its wrapper), so the ratio of decode to its
own parse shows what finding the code and building the finding cost.
Then it decodes one log of 20,000 lines in which every fourth line is a
JSON log record carrying a body, and prints the time. Last, it decodes three
inputs of 8 MiB that contain no error marker (NUL bytes, the letter ``a``,
and lines of plain words) and prints the time of each, which is what reading
junk up to the size cap costs.

Run from the repository root::

    .venv/bin/python benchmarks/decode_bench.py [--count N] [--repeat R] [--junk-mib M]
"""

from __future__ import annotations

import argparse
import json
import platform
import random
import sys
import time

from helpers import codes
from helpers.decode import decode


def build_bodies(count: int, seed: int = 7) -> list[str | bytes]:
    """Return ``count`` error bodies over every code of every table version."""
    rng = random.Random(seed)
    rows = [(row.code, row.message or row.summary) for v in codes.versions()
            for row in codes.all_codes(v)]
    shapes = (
        lambda c, m: {"code": c, "message": m},
        lambda c, m: {"code": str(c), "message": m},
        lambda c, m: {"success": False, "errorDetail": {"code": c, "message": m}},
        lambda c, m: {"success": False, "errors": [
            {"errorMessage": m, "errorType": "RoutingError", "apiErrorCode": str(c)}]},
    )
    bodies: list[str | bytes] = []
    for index in range(count):
        code, message = rng.choice(rows)
        if index % 50 == 0:
            text = json.dumps({"success": False, "errorReason": "CHANNEL_ADDRESS_IS_INACTIVE"})
        else:
            text = json.dumps(rng.choice(shapes)(code, message), separators=(",", ":"))
        bodies.append(text.encode("utf-8") if index % 2 else text)
    return bodies


def time_over(function, bodies) -> float:
    """Return the wall time in seconds of ``function`` over all ``bodies``."""
    start = time.perf_counter()
    for body in bodies:
        function(body)
    return time.perf_counter() - start


def scan_only(body: str | bytes):
    """Parse ``body`` the way decode's fast path does, and nothing else."""
    text = body if type(body) is str else body.decode("utf-8")
    return SCAN_ONCE(text, 0)


SCAN_ONCE = json.JSONDecoder().scan_once


def best_of(repeat: int, bodies) -> tuple[float, float, float]:
    """Return the best times of ``json.loads``, decode's parse and ``decode``.

    The three alternate run by run, so a change in machine load between runs
    affects them alike.
    """
    loads = scanned = decoded = float("inf")
    for _ in range(repeat):
        loads = min(loads, time_over(json.loads, bodies))
        scanned = min(scanned, time_over(scan_only, bodies))
        decoded = min(decoded, time_over(decode, bodies))
    return loads, scanned, decoded


def build_log(bodies: list[str | bytes], lines: int = 20_000) -> str:
    """Return log text of ``lines`` lines, one in four with a body in a JSON record."""
    rows = []
    for index in range(lines):
        if index % 4:
            rows.append(f"2026-03-01T10:00:00Z INFO request {index} sent to /api/v1/route")
            continue
        body = bodies[index % len(bodies)]
        text = body.decode("utf-8") if isinstance(body, bytes) else body
        rows.append(json.dumps({"level": "error", "status": 400, "body": text}))
    return "\n".join(rows)


JUNK_WORDS = ("alpha", "beta", "gamma", "delta", "worker", "started", "queue", "id",
              "ok", "done", "user", "took", "ms", "cache", "hit")


def build_junk(size: int, seed: int = 1) -> dict[str, str]:
    """Return texts of ``size`` characters with no error marker, by label."""
    rng = random.Random(seed)
    lines = []
    length = 0
    while length < size:
        line = " ".join(rng.choice(JUNK_WORDS) for _ in range(12))
        lines.append(line)
        length += len(line) + 1
    return {"NUL bytes": "\0" * size, "letter a": "a" * size,
            "word lines": "\n".join(lines)[:size]}


def time_decode(text: str) -> tuple[float, int]:
    """Return the wall time in seconds of one ``decode(text)`` and its finding count."""
    start = time.perf_counter()
    found = decode(text)
    return time.perf_counter() - start, len(found)


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark and print the timings."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=100_000, help="number of bodies")
    parser.add_argument("--repeat", type=int, default=3, help="runs per timing; best counts")
    parser.add_argument("--junk-mib", type=int, default=8,
                        help="size of each input without error markers, in MiB")
    args = parser.parse_args(argv)

    bodies = build_bodies(args.count)
    findings = [decode(body) for body in bodies]  # warm the caches, check the result
    missing = sum(1 for found in findings if not found)
    if missing:
        print(f"{missing} bodies gave no finding", file=sys.stderr)
        return 1

    loads, scanned, decoded = best_of(args.repeat, bodies)
    count = len(bodies)
    print(f"python {platform.python_version()} on {platform.machine()}, "
          f"{count:,} bodies, best of {args.repeat}")
    for label, seconds in (("json.loads", loads), ("decode's parse", scanned),
                           ("decode", decoded)):
        print(f"{label + ':':<16}{seconds:.3f} s ({seconds / count * 1e6:.2f} us per body)")
    print(f"ratio decode / json.loads: {decoded / loads:.2f}")
    print(f"ratio decode / its own parse: {decoded / scanned:.2f}")

    log = build_log(bodies)
    seconds, found = time_decode(log)
    print(f"log of {log.count(chr(10)) + 1:,} lines ({len(log) / 1e6:.1f} MB): "
          f"{found:,} findings in {seconds:.2f} s ({len(log) / 1e6 / seconds:.1f} MB/s)")

    for label, text in build_junk(args.junk_mib * 1024 * 1024).items():
        seconds, found = time_decode(text)
        print(f"{args.junk_mib} MiB of {label}: {found} findings in {seconds:.2f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
