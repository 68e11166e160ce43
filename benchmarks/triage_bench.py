"""Wall time and peak memory of ``python -m helpers triage`` against grep.

Writes a synthetic log of ``--size-mb`` megabytes per shape (plain text,
JSON lines with escaped bodies, CSV export) with ``helpers.triage.synthetic``,
then runs on the same file:

- ``python -m helpers triage FILE --json --no-progress``, and
- ``bash -c "grep -oE '\"?\"code\"?\"?: ?[0-9]+' FILE | sort | uniq -c"``.

Each command runs in a child process. Wall time is measured around it. Peak
memory is reported two ways. The first is the peak RSS of the largest single
process (``getrusage(RUSAGE_CHILDREN)`` in a fresh measuring process). The
second is the peak sum of PSS over the whole process tree, sampled from
``/proc`` every 20 ms. PSS counts the triage worker processes together
without counting twice the pages they share. Counts are compared per Interaction API code where
grep can see the code: grep misses bodies escaped inside JSON strings, and
it also counts ``"code": 200`` noise, which triage rightly ignores.

Run from the repository root (check ``df -h`` first; the files are removed
afterwards unless ``--keep``)::

    .venv/bin/python benchmarks/triage_bench.py [--size-mb 1024] [--dir DIR] [--keep]

Targets: triage wall time at most 1.5 times the grep pipeline's, and peak
memory under 300 MB, at any file size.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timezone
from pathlib import Path

GREP_PATTERN = "\"?\"code\"?\"?: ?[0-9]+"
TARGET_RATIO = 1.5
TARGET_MEMORY_MB = 300
SAMPLE_SECONDS = 0.02
SHAPES = ("plain", "jsonl", "csv")


def main() -> int:
    """Parse the options, run every measurement and print the results."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--size-mb", type=int, default=1024, help="size of each log file in MB")
    parser.add_argument("--dir", help="write the logs here instead of a temporary directory")
    parser.add_argument("--keep", action="store_true", help="keep the log files afterwards")
    parser.add_argument("--shapes", default=",".join(SHAPES), help="comma-separated shapes to write")
    parser.add_argument(
        "--noise-per-error",
        type=int,
        default=19,
        help="noise lines after each error line (19 means 5%% of lines are errors)",
    )
    parser.add_argument("--runs", type=int, default=3, help="runs of each command; the median is reported")
    parser.add_argument("--workers", type=int, help="pass --workers N to triage")
    parser.add_argument("--measure", nargs=argparse.REMAINDER, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.measure:
        return _measure_child(args.measure)

    root = Path(args.dir) if args.dir else Path(tempfile.mkdtemp(prefix="triage-bench-"))
    root.mkdir(parents=True, exist_ok=True)
    print(_machine(), flush=True)
    results = []
    try:
        for shape in args.shapes.split(","):
            results.append(_bench_shape(root, shape, args))
    finally:
        if not args.keep:
            for result in results:
                Path(result["file"]).unlink(missing_ok=True)
            if not args.dir:
                shutil.rmtree(root, ignore_errors=True)
    print()
    print(_markdown(results))
    return 0


def _bench_shape(root: Path, shape: str, args) -> dict:
    from helpers.triage.synthetic import write_synthetic_log

    path = root / f"bench.{shape}"
    started = time.perf_counter()
    log = write_synthetic_log(
        path,
        shape,
        error_lines=2000,
        noise_per_error=args.noise_per_error,
        size_bytes=args.size_mb * 1024 * 1024,
    )
    size = path.stat().st_size
    print(
        f"{shape}: wrote {size / 2**20:.0f} MB, {log.lines} lines, {log.total_errors} errors "
        f"in {time.perf_counter() - started:.1f} s",
        flush=True,
    )
    triage_command = [sys.executable, "-m", "helpers", "triage", str(path), "--json", "--no-progress"]
    if args.workers:
        triage_command += ["--workers", str(args.workers)]
    grep_command = ["bash", "-c", f"grep -oE '{GREP_PATTERN}' '{path}' | sort | uniq -c"]
    triage_runs = [_measure(triage_command) for _ in range(args.runs)]
    grep_runs = [_measure(grep_command) for _ in range(args.runs)]
    triage_run, grep_run = _median(triage_runs), _median(grep_runs)
    triage_counts = {int(code): n for code, n in json.loads(triage_run["stdout"])["by_code"].items()}
    grep_counts = _grep_counts(grep_run["stdout"])
    expected = dict(log.by_code)
    result = {
        "shape": shape,
        "file": str(path),
        "size_mb": size / 2**20,
        "errors": log.total_errors,
        "triage": _strip(triage_run),
        "grep": _strip(grep_run),
        "triage_exact": triage_counts == expected,
        "grep_api_counts": grep_counts,
        "grep_comparable": bool(grep_counts),
        "same_counts": triage_counts == grep_counts if grep_counts else None,
        # The one-minute load average when the runs ended: other processes
        # on the machine take CPU from both commands.
        "load": os.getloadavg()[0],
    }
    print(json.dumps(result), flush=True)
    return result


def _grep_counts(output: str) -> dict[int, int]:
    # Lines look like '  5000 "code":10013' or '  5000 ""code"":10013'.
    counts: dict[int, int] = {}
    for line in output.splitlines():
        match = re.match(r"\s*(\d+)\s.*?(\d+)$", line)
        if not match:
            continue
        code = int(match.group(2))
        if code == 500 or 10000 <= code <= 99999:
            counts[code] = counts.get(code, 0) + int(match.group(1))
    return counts


def _measure(command: list[str]) -> dict:
    # A fresh process runs the command, so RUSAGE_CHILDREN covers only it.
    child = subprocess.run(
        [sys.executable, __file__, "--measure", *command],
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(child.stdout)


def _measure_child(command: list[str]) -> int:
    started = time.perf_counter()
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    peak_pss = 0
    output: list[str] = []
    import threading

    reader = threading.Thread(target=lambda: output.append(process.stdout.read()))
    reader.start()
    while process.poll() is None:
        peak_pss = max(peak_pss, _tree_pss_kb(process.pid))
        time.sleep(SAMPLE_SECONDS)
    reader.join()
    wall = time.perf_counter() - started
    stderr = process.stderr.read()
    if process.returncode not in (0, 1):
        raise SystemExit(f"{command} failed with status {process.returncode}: {stderr}")
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    json.dump(
        {
            "wall_s": wall,
            "max_rss_mb": usage.ru_maxrss / 1024,
            "peak_tree_pss_mb": peak_pss / 1024,
            "cpu_s": usage.ru_utime + usage.ru_stime,
            "stdout": output[0] if output else "",
        },
        sys.stdout,
    )
    return 0


def _tree_pss_kb(pid: int) -> int:
    total = 0
    for member in _descendants(pid):
        try:
            with open(f"/proc/{member}/smaps_rollup") as file:
                for line in file:
                    if line.startswith("Pss:"):
                        total += int(line.split()[1])
                        break
        except OSError:
            continue
    return total


def _descendants(pid: int) -> list[int]:
    found = [pid]
    index = 0
    while index < len(found):
        current = found[index]
        index += 1
        try:
            for task in os.listdir(f"/proc/{current}/task"):
                with open(f"/proc/{current}/task/{task}/children") as file:
                    found.extend(int(child) for child in file.read().split())
        except OSError:
            continue
    return found


def _median(runs: list[dict]) -> dict:
    return sorted(runs, key=lambda run: run["wall_s"])[len(runs) // 2]


def _strip(run: dict) -> dict:
    return {key: round(value, 3) for key, value in run.items() if key != "stdout"}


def _machine() -> str:
    return (
        f"{datetime.now(timezone.utc):%Y-%m-%d %H:%M} UTC, {platform.machine()}, "
        f"{os.cpu_count()} CPUs, Python {platform.python_version()}, "
        f"load average {os.getloadavg()[0]:.2f}"
    )


def _markdown(results: list[dict]) -> str:
    lines = [
        "| shape | size | errors | triage wall | grep wall | ratio | triage CPU | grep CPU "
        "| triage peak RSS (largest process) | triage peak PSS (all processes) | grep peak RSS "
        "| load | counts |",
        "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |",
    ]
    for r in results:
        ratio = r["triage"]["wall_s"] / r["grep"]["wall_s"]
        if r["same_counts"] is None:
            counts = "triage exact; grep sees none (escaped)" if r["triage_exact"] else "triage WRONG"
        else:
            counts = "same as grep, exact" if r["same_counts"] and r["triage_exact"] else "DIFFER"
        lines.append(
            f"| {r['shape']} | {r['size_mb']:.0f} MB | {r['errors']} | {r['triage']['wall_s']:.2f} s | "
            f"{r['grep']['wall_s']:.2f} s | {ratio:.2f} | {r['triage']['cpu_s']:.1f} s | "
            f"{r['grep']['cpu_s']:.1f} s | {r['triage']['max_rss_mb']:.0f} MB | "
            f"{r['triage']['peak_tree_pss_mb']:.0f} MB | {r['grep']['max_rss_mb']:.0f} MB | "
            f"{r['load']:.1f} | {counts} |"
        )
    return "\n".join(lines)


if __name__ == "__main__":
    sys.exit(main())
