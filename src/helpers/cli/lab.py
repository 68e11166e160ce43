"""``python -m helpers lab``: start JupyterLab on the walkthrough notebooks.

The command starts one local sandbox in this process and exports its URL as
``ISAPI_SANDBOX_URL`` to the JupyterLab server, so every kernel shares the
same sandbox (``helpers.profiles.load_profile`` reads that variable). The
server listens on 127.0.0.1 only, opens no browser, requires a token that is
printed in the URL, and turns off the news toast, the update check and the
extension manager's installs through a settings folder of its own.

``python -m helpers lab --strip`` removes outputs and widget state from
notebooks before they are committed, and exits.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import secrets
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import requests

from helpers.cli import EXIT_OK, UsageError
from helpers.cli.demo import SANDBOX_URL_VARIABLE, default_notebook_dir

log = logging.getLogger(__name__)

DEFAULT_PORT = 8888
EXIT_SERVER_FAILED = 1
READY_TIMEOUT_SECONDS = 60.0

# JupyterLab settings that keep the server quiet and offline: no news toast,
# no update check.
LAB_SETTING_OVERRIDES = {
    "@jupyterlab/apputils-extension:notification": {
        "fetchNews": "false",
        "checkForUpdates": False,
    }
}

# Folders that JupyterLab and IPython write to; --isolated points them at a
# temporary folder.
STATE_VARIABLES = (
    "JUPYTER_CONFIG_DIR",
    "JUPYTER_DATA_DIR",
    "JUPYTER_RUNTIME_DIR",
    "IPYTHONDIR",
    "JUPYTERLAB_SETTINGS_DIR",
    "JUPYTERLAB_WORKSPACES_DIR",
)


def register(subparsers: argparse._SubParsersAction) -> argparse.ArgumentParser:
    """Add the ``lab`` command to the top-level parser."""
    parser = subparsers.add_parser(
        "lab",
        help="start JupyterLab on the notebooks, with a local sandbox",
        description=(
            "Start a local sandbox and JupyterLab on 127.0.0.1 with the notebooks; "
            "print the URL to open. Stop with Ctrl-C."
        ),
    )
    parser.add_argument(
        "--port", type=int, default=DEFAULT_PORT, help=f"server port (default: {DEFAULT_PORT})"
    )
    parser.add_argument(
        "--notebooks", default=None, help="folder to serve (default: notebooks/ of the checkout)"
    )
    parser.add_argument(
        "--no-sandbox",
        action="store_true",
        help=f"start no sandbox and leave ${SANDBOX_URL_VARIABLE} as it is",
    )
    parser.add_argument(
        "--isolated",
        action="store_true",
        help="keep Jupyter's config, data, runtime and workspace folders in a temporary folder",
    )
    parser.add_argument(
        "--strip",
        nargs="*",
        metavar="NOTEBOOK",
        default=None,
        help="remove outputs and widget state from NOTEBOOKs (default: all) and exit",
    )
    return parser


def strip_notebook(path: Path) -> bool:
    """Remove outputs, execution counts and widget state from one notebook.

    Parameters
    ----------
    path
        The ``.ipynb`` file, rewritten in place when anything changed.

    Returns
    -------
    bool
        True when the file was changed.
    """
    import nbformat

    notebook = nbformat.read(path, as_version=4)
    before = nbformat.writes(notebook)
    notebook.metadata.pop("widgets", None)
    for cell in notebook.cells:
        if cell.cell_type == "code":
            cell.outputs = []
            cell.execution_count = None
        cell.metadata.pop("execution", None)
        cell.metadata.pop("widgets", None)
    after = nbformat.writes(notebook)
    if after == before:
        return False
    path.write_text(after, encoding="utf-8")
    return True


def _strip(paths: list[str], folder: Path) -> int:
    targets = [Path(p) for p in paths] or sorted(folder.glob("*.ipynb"))
    missing = [str(p) for p in targets if not p.is_file()]
    if missing:
        raise UsageError(f"notebook not found: {', '.join(missing)}")
    for path in targets:
        changed = strip_notebook(path)
        print(f"{path}: {'stripped' if changed else 'already clean'}")
    return EXIT_OK


def lab_command(port: int, notebook_dir: Path, settings_dir: Path, token: str) -> list[str]:
    """Return the command line that starts JupyterLab for the kit."""
    command = [
        sys.executable,
        "-m",
        "jupyterlab",
        "--no-browser",
        f"--port={port}",
        "--ServerApp.ip=127.0.0.1",
        "--ServerApp.port_retries=0",
        f"--ServerApp.root_dir={notebook_dir}",
        f"--IdentityProvider.token={token}",
        "--LabApp.news_url=None",
        "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate",
        "--LabApp.extension_manager=readonly",
        f"--LabApp.app_settings_dir={settings_dir}",
    ]
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        command.append("--allow-root")
    return command


def write_settings_dir(folder: Path) -> Path:
    """Write the kit's JupyterLab settings overrides into ``folder``.

    The server is pointed at this folder instead of JupyterLab's own settings
    folder (``{sys.prefix}/share/jupyter/lab/settings``). Overrides found
    there are kept, and the kit's values fill only the settings they leave
    unset.
    """
    folder.mkdir(parents=True, exist_ok=True)
    overrides = {plugin: dict(values) for plugin, values in LAB_SETTING_OVERRIDES.items()}
    existing = Path(sys.prefix, "share", "jupyter", "lab", "settings", "overrides.json")
    if existing.is_file():
        try:
            installed = json.loads(existing.read_text(encoding="utf-8"))
        except ValueError as exc:
            log.warning("ignoring %s: invalid JSON (%s)", existing, exc)
            installed = {}
        for plugin, values in installed.items():
            overrides.setdefault(plugin, {}).update(values)
    (folder / "overrides.json").write_text(json.dumps(overrides, indent=2))
    return folder


def wait_until_ready(url: str, token: str, process: subprocess.Popen, timeout: float) -> None:
    """Poll the server's status endpoint until it returns 200.

    Raises
    ------
    RuntimeError
        When the server exits or does not respond within ``timeout`` seconds.
    """
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"JupyterLab exited with status {process.returncode}")
        try:
            response = requests.get(
                f"{url}/api/status", headers={"Authorization": f"token {token}"}, timeout=2
            )
            if response.status_code == 200:
                return
        except requests.RequestException:
            pass
        time.sleep(0.25)
    raise RuntimeError(f"JupyterLab did not respond on {url} within {timeout:.0f} s")


def run(args: argparse.Namespace) -> int:
    """Start the sandbox and JupyterLab; block until Ctrl-C; return the exit status."""
    folder = Path(args.notebooks) if args.notebooks else default_notebook_dir()
    if args.strip is not None:
        return _strip(args.strip, folder)
    if not 0 < args.port < 65536:
        raise UsageError(f"--port must be between 1 and 65535, not {args.port}")
    if not folder.is_dir():
        raise UsageError(f"notebook folder {folder} not found; pass --notebooks DIR")

    with tempfile.TemporaryDirectory(prefix="isapi-lab-") as scratch:
        env = dict(os.environ)
        if args.isolated:
            for name in STATE_VARIABLES:
                env[name] = str(Path(scratch, name.lower()))
                Path(env[name]).mkdir()
        sandbox = None
        if not args.no_sandbox:
            from helpers import sandbox as sandbox_module

            sandbox = sandbox_module.start()
            env[SANDBOX_URL_VARIABLE] = sandbox.url
        try:
            return _serve(args.port, folder, Path(scratch), env, sandbox)
        finally:
            if sandbox is not None:
                sandbox.stop()


def _stop_on_sigterm(_signum, _frame) -> None:
    raise KeyboardInterrupt


def _serve(port: int, folder: Path, scratch: Path, env: dict, sandbox) -> int:
    # SIGTERM ends this process the same way as Ctrl-C, so the server child
    # and the sandbox are stopped too.
    signal.signal(signal.SIGTERM, _stop_on_sigterm)
    token = secrets.token_hex(24)
    settings_dir = write_settings_dir(scratch / "lab-settings")
    command = lab_command(port, folder.resolve(), settings_dir, token)
    process = subprocess.Popen(command, env=env)
    base = f"http://127.0.0.1:{port}"
    try:
        try:
            wait_until_ready(base, token, process, READY_TIMEOUT_SECONDS)
        except RuntimeError as exc:
            print(
                f"error: {exc}. If port {port} is in use, pass another one with --port N; "
                "the lines above come from JupyterLab.",
                file=sys.stderr,
            )
            return EXIT_SERVER_FAILED
        if sandbox is not None:
            print(f"Sandbox: {sandbox.url} (exported as {SANDBOX_URL_VARIABLE})")
        print(f"Open {base}/lab/tree/00_start_here.ipynb?token={token}")
        print("Stop with Ctrl-C.", flush=True)
        return process.wait()
    except KeyboardInterrupt:
        return EXIT_OK
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
