"""Time ``helpers.preflight.check`` and the curl round trip per request.

Builds every valid request of ``tests/preflight_cases.py`` and every
one-mistake case, then times, best of three runs each: ``check`` over all of
them, ``to_curl`` over all of them, and ``parse_curl`` over the commands
``to_curl`` wrote. Prints the time per request in microseconds. Then
times one ``parse_curl`` of a command whose ``-d`` body has each size given
with ``--body-mb`` (one run each, in milliseconds), which shows whether
tokenizing stays linear in the length of a quoted argument.

Run from the repository root::

    .venv/bin/python benchmarks/preflight_bench.py [--rounds N] [--repeat R] [--body-mb MB ...]
"""

from __future__ import annotations

import argparse
import platform
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

import preflight_cases as cases  # noqa: E402

from helpers import preflight  # noqa: E402
from helpers.curl import parse_curl, to_curl  # noqa: E402

HOST = "https://acme-fake.my.salesforce-scrt.com"


def build_requests() -> list:
    ctx = cases.Context(dict(cases.FAKE_PROFILE), int(time.time() * 1000))
    requests = [builder(ctx) for builder, _ in cases.BASES.values()]
    # The 25 MB attachment case would measure copying, not checking.
    requests += [case.build(ctx) for case in cases.CASES if case.id != "file-too-big"]
    return requests


def best_of(repeat: int, function) -> float:
    timings = []
    for _ in range(repeat):
        start = time.perf_counter()
        function()
        timings.append(time.perf_counter() - start)
    return min(timings)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rounds", type=int, default=20, help="passes over all requests per run")
    parser.add_argument("--repeat", type=int, default=3, help="runs; the best is kept")
    parser.add_argument(
        "--body-mb", type=int, nargs="*", default=[1, 5],
        help="sizes in megabytes (10**6 characters) of the -d bodies to parse once each",
    )
    args = parser.parse_args()

    requests = build_requests()
    count = len(requests) * args.rounds
    folder = tempfile.mkdtemp(prefix="preflight-bench-")
    commands = [to_curl(r, HOST, attachment_dir=folder) for r in requests]

    def run_check():
        for _ in range(args.rounds):
            for request in requests:
                preflight.check(request, profile=cases.FAKE_PROFILE)

    def run_to_curl():
        for _ in range(args.rounds):
            for request in requests:
                to_curl(request, HOST)

    def run_parse():
        for _ in range(args.rounds):
            for command in commands:
                parse_curl(command, base_dir=folder)

    print(f"python {platform.python_version()} on {platform.machine()}, {len(requests)} requests x {args.rounds} rounds")
    for label, function in (("check", run_check), ("to_curl", run_to_curl), ("parse_curl", run_parse)):
        seconds = best_of(args.repeat, function)
        print(f"{label:>10}: {seconds / count * 1e6:8.1f} us per request")
    for megabytes in args.body_mb:
        body = "a" * (megabytes * 1_000_000)
        command = f"curl {HOST}/api/v1/route -d '{body}'"
        seconds = best_of(1, lambda: parse_curl(command))
        print(f"parse_curl with a {megabytes} MB -d body: {seconds * 1000:.1f} ms")


if __name__ == "__main__":
    main()
