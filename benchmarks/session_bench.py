"""Time the session journal, redaction, export and replay.

Run by hand: ``.venv/bin/python benchmarks/session_bench.py [EXCHANGES]``.
It records EXCHANGES real exchanges (default 500) against an in-process
sandbox, then times each step on that journal and prints one line per step.
"""

from __future__ import annotations

import statistics
import sys
import tempfile
import time
from pathlib import Path

from helpers import sandbox
from helpers.client import InteractionClient
from helpers.export import export_session
from helpers.journal import Journal, load_journal
from helpers.profiles import load_profile
from helpers.redact import redact_session
from helpers.replay import replay_bundle


def record(handle, path: Path, count: int) -> list[float]:
    """Record ``count`` exchanges; return the time of each journal write."""
    client = InteractionClient(load_profile(handle), retries=0)
    exchanges = [
        client.send(client.build_send_message(f"message {i}")) for i in range(count)
    ]
    client.close()
    timings = []
    with Journal(path, target="sandbox", profile=handle.profile) as journal:
        for exchange in exchanges:
            start = time.perf_counter()
            journal.record_exchange(exchange)
            timings.append(time.perf_counter() - start)
    return timings


def timed(label: str, function, rounds: int = 3):
    best = None
    result = None
    for _ in range(rounds):
        start = time.perf_counter()
        result = function()
        elapsed = time.perf_counter() - start
        best = elapsed if best is None else min(best, elapsed)
    print(f"{label}: {best * 1000:.0f} ms (best of {rounds})")
    return result


def main() -> None:
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 500
    folder = Path(tempfile.mkdtemp(prefix="session-bench-"))
    with sandbox.start() as handle:
        writes = record(handle, folder / "s.jsonl", count)
        print(
            f"journal write with fsync: median {statistics.median(writes) * 1000:.2f} ms, "
            f"p95 {sorted(writes)[int(len(writes) * 0.95)] * 1000:.2f} ms per record"
        )
        size = (folder / "s.jsonl").stat().st_size
        print(f"journal size: {size / count:.0f} bytes per exchange")
        session = timed(
            f"load_journal, {count} exchanges", lambda: load_journal(folder / "s.jsonl")
        )
        timed(f"redact_session, {count} exchanges", lambda: redact_session(session))
        timed(
            f"export without HTML, {count} exchanges",
            lambda: export_session(session, folder / "out", html_file=False),
        )
        timed(
            f"export with HTML, {count} exchanges",
            lambda: export_session(session, folder / "out"),
            rounds=1,
        )
        bundle = folder / "out" / "session.bundle.json"
        handle.reset()
        timed(
            f"replay against the sandbox, {count} exchanges",
            lambda: replay_bundle(bundle, handle.url),
            rounds=1,
        )


if __name__ == "__main__":
    main()
