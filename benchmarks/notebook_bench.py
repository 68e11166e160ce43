"""Time nbval on every walkthrough notebook against empty notebooks.

Usage::

    .venv/bin/python benchmarks/notebook_bench.py [--repeat 3]

One run does three timed pytest invocations, each a fresh process with the
repository's pytest configuration (``--nbval-lax``):

1. ``all``: every notebook under ``notebooks/`` in one pytest run;
2. ``one empty``: a single notebook with one ``pass`` cell;
3. ``N empty``: N copies of that notebook in one pytest run, N being the
   number of walkthrough notebooks.

It prints the wall times (the median of ``--repeat`` rounds) and two ratios:
``all / (N x one empty)``, where every empty notebook pays for its own pytest
start, and ``all / N empty``, where the empty notebooks share one pytest
start like the real ones do. The second is the stricter measure of what the
notebooks' own work costs. The target is under 1.5 for the first.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOK_DIR = ROOT / "notebooks"
TARGET_RATIO = 1.5


def _empty_notebook(path: Path) -> None:
    notebook = nbformat.v4.new_notebook()
    notebook.metadata["kernelspec"] = {"name": "python3", "language": "python", "display_name": "Python 3"}
    notebook.cells = [nbformat.v4.new_code_cell("pass")]
    nbformat.write(notebook, path)


def _time_pytest(paths: list[Path], env: dict[str, str]) -> float:
    command = [sys.executable, "-m", "pytest", "-q", "-c", str(ROOT / "pyproject.toml"),
               "--rootdir", str(ROOT), *map(str, paths)]
    started = time.perf_counter()
    result = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True)
    elapsed = time.perf_counter() - started
    if result.returncode != 0:
        raise SystemExit(f"pytest failed on {paths[0].parent}:\n{result.stdout[-3000:]}")
    return elapsed


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3, help="rounds; the median is reported (default 3)")
    args = parser.parse_args()
    if args.repeat < 1:
        parser.error(f"--repeat must be 1 or more, not {args.repeat}")

    notebooks = sorted(NOTEBOOK_DIR.glob("*.ipynb"))
    count = len(notebooks)
    env = dict(os.environ, MPLBACKEND="Agg")
    env.pop("ISAPI_SANDBOX_URL", None)
    env.pop("ISAPI_PROFILE", None)
    with tempfile.TemporaryDirectory(prefix="nb-bench-") as scratch:
        empties = [Path(scratch, f"empty_{i:02d}.ipynb") for i in range(count)]
        for path in empties:
            _empty_notebook(path)
        rounds = {"all": [], "one empty": [], "N empty": []}
        for _ in range(args.repeat):
            rounds["all"].append(_time_pytest(notebooks, env))
            rounds["one empty"].append(_time_pytest(empties[:1], env))
            rounds["N empty"].append(_time_pytest(empties, env))

    median = {name: statistics.median(times) for name, times in rounds.items()}
    print(f"machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}")
    print(f"notebooks: {count}; rounds: {args.repeat} (median shown)")
    for name, value in median.items():
        print(f"  {name:<10} {value:6.2f} s   (rounds: {', '.join(f'{t:.2f}' for t in rounds[name])})")
    ratio_each = median["all"] / (count * median["one empty"])
    ratio_shared = median["all"] / median["N empty"]
    print(f"all / ({count} x one empty) = {ratio_each:.2f}  (target < {TARGET_RATIO})")
    print(f"all / {count} empty in one run = {ratio_shared:.2f}")
    return 0 if ratio_each < TARGET_RATIO else 1


if __name__ == "__main__":
    sys.exit(main())
