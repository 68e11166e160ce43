"""``python -m helpers demo``: run every walkthrough notebook headless.

The command starts one sandbox and exports its URL as ``ISAPI_SANDBOX_URL``,
so that every kernel talks to it. It executes each notebook with nbclient in
the notebooks' folder and writes the executed notebook and an HTML page per
notebook to the output folder. It prints one summary line and exits 1 when
any notebook failed, so CI can use it as the headless main job.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from helpers.cli import EXIT_OK, UsageError

log = logging.getLogger(__name__)

EXIT_FAILED = 1
DEFAULT_CELL_TIMEOUT = 120
SANDBOX_URL_VARIABLE = "ISAPI_SANDBOX_URL"
# Variables that make load_profile() choose a target other than the sandbox.
OTHER_TARGET_VARIABLES = ("ISAPI_PROFILE", "ISAPI_BASE_URL")


def default_notebook_dir() -> Path:
    """Return the ``notebooks/`` folder of a source checkout of the kit.

    Notes
    -----
    The notebooks are not part of the installed package; the folder exists
    only in a checkout (an editable install). Pass ``--notebooks`` otherwise.
    """
    import helpers

    return Path(helpers.__file__).resolve().parents[2] / "notebooks"


def register(subparsers: argparse._SubParsersAction) -> argparse.ArgumentParser:
    """Add the ``demo`` command to the top-level parser."""
    parser = subparsers.add_parser(
        "demo",
        help="run every walkthrough notebook against the sandbox and save HTML",
        description=(
            "Execute every notebook against one local sandbox, write the "
            "executed notebooks and an HTML page each to OUT, and exit 1 if "
            "any notebook failed."
        ),
    )
    parser.add_argument("--out", default="build/demo", help="output folder (default: build/demo)")
    parser.add_argument(
        "--notebooks",
        default=None,
        help="folder of notebooks to run (default: notebooks/ of the checkout)",
    )
    parser.add_argument(
        "--only",
        action="append",
        default=[],
        metavar="NAME",
        help="run only notebooks whose file name contains NAME (repeatable)",
    )
    parser.add_argument(
        "--timeout",
        type=int,
        default=DEFAULT_CELL_TIMEOUT,
        help=f"seconds one cell may run (default: {DEFAULT_CELL_TIMEOUT})",
    )
    parser.add_argument(
        "--no-sandbox",
        action="store_true",
        help=f"start no sandbox; the notebooks use ${SANDBOX_URL_VARIABLE} or their own",
    )
    return parser


@dataclass
class NotebookRun:
    """The outcome of executing one notebook."""

    name: str
    passed: bool
    seconds: float
    error: str | None = None


def find_notebooks(folder: Path, only: list[str] | None = None) -> list[Path]:
    """Return the notebooks in ``folder`` in name order, filtered by ``only``.

    Raises
    ------
    UsageError
        When the folder does not exist or contains no matching notebook.
    """
    if not folder.is_dir():
        raise UsageError(f"notebook folder {folder} not found; pass --notebooks DIR")
    paths = sorted(p for p in folder.glob("*.ipynb") if not p.name.startswith("."))
    if only:
        paths = [p for p in paths if any(part in p.name for part in only)]
    if not paths:
        raise UsageError(f"no notebook in {folder} matches {only or '*.ipynb'}")
    return paths


def execute_notebook(path: Path, out_dir: Path, timeout: int) -> NotebookRun:
    """Execute one notebook in its own folder and write ``.ipynb`` and ``.html``.

    The executed notebook is written even when a cell fails, so the HTML page
    shows where it stopped.
    """
    import nbformat
    from nbclient import NotebookClient
    from nbclient.exceptions import CellExecutionError
    from nbconvert import HTMLExporter

    notebook = nbformat.read(path, as_version=4)
    client = NotebookClient(
        notebook,
        kernel_name="python3",
        timeout=timeout,
        resources={"metadata": {"path": str(path.parent)}},
    )
    started = time.perf_counter()
    error = None
    try:
        client.execute()
    except CellExecutionError as exc:
        error = _first_line_of_error(exc)
    except Exception as exc:  # noqa: BLE001 - a kernel or timeout failure of one notebook
        error = f"{type(exc).__name__}: {exc}"
    seconds = time.perf_counter() - started

    nbformat.write(notebook, out_dir / path.name)
    body, _ = HTMLExporter().from_notebook_node(
        notebook, resources={"metadata": {"name": path.stem}}
    )
    (out_dir / path.with_suffix(".html").name).write_text(body, encoding="utf-8")
    return NotebookRun(path.name, error is None, seconds, error)


def _first_line_of_error(exc: Exception) -> str:
    ename = getattr(exc, "ename", type(exc).__name__)
    evalue = getattr(exc, "evalue", "") or str(exc).strip().splitlines()[-1]
    return f"{ename}: {evalue}"


def run(args: argparse.Namespace) -> int:
    """Execute the notebooks and print one summary line; return the exit status."""
    if args.timeout <= 0:
        raise UsageError(f"--timeout must be a positive number of seconds, not {args.timeout}")
    folder = Path(args.notebooks) if args.notebooks else default_notebook_dir()
    paths = find_notebooks(folder, args.only)
    out_dir = Path(args.out)
    out_dir.mkdir(parents=True, exist_ok=True)

    sandbox = None
    saved = {name: os.environ.get(name) for name in (SANDBOX_URL_VARIABLE, *OTHER_TARGET_VARIABLES)}
    if not args.no_sandbox:
        from helpers import sandbox as sandbox_module

        # These variables would send the notebooks to an org instead of the
        # sandbox, so the kernels do not see them.
        for name in OTHER_TARGET_VARIABLES:
            if os.environ.pop(name, None) is not None:
                log.warning("ignoring %s: the demo runs against its own sandbox", name)
        sandbox = sandbox_module.start()
        # Kernels inherit the environment, so every notebook shares this sandbox.
        os.environ[SANDBOX_URL_VARIABLE] = sandbox.url
        log.info("sandbox at %s", sandbox.url)
    started = time.perf_counter()
    runs = []
    try:
        for path in paths:
            if sandbox is not None:
                sandbox.reset()
            result = execute_notebook(path, out_dir, args.timeout)
            status = "passed" if result.passed else f"FAILED: {result.error}"
            print(f"{result.name}: {status} ({result.seconds:.1f} s)", file=sys.stderr)
            runs.append(result)
    finally:
        if sandbox is not None:
            sandbox.stop()
            for name, value in saved.items():
                if value is None:
                    os.environ.pop(name, None)
                else:
                    os.environ[name] = value

    passed = sum(r.passed for r in runs)
    failed = len(runs) - passed
    total = time.perf_counter() - started
    print(f"{len(runs)} notebooks, {passed} passed, {failed} failed in {total:.1f} s")
    print(f"executed notebooks and HTML pages are in {out_dir}", file=sys.stderr)
    return EXIT_OK if failed == 0 else EXIT_FAILED
