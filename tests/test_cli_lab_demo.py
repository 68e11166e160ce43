"""Tests of ``python -m helpers lab`` and ``python -m helpers demo``.

The commands run as real subprocesses: demo executes small notebooks in
real kernels, and lab starts a real JupyterLab server on a free port of
127.0.0.1 with every Jupyter state folder in a temporary folder.
"""

from __future__ import annotations

import json
import os
import re
import queue
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import nbformat
import pytest
import requests

from helpers.cli import main
from helpers.cli.lab import LAB_SETTING_OVERRIDES, lab_command, write_settings_dir

PYTHON = sys.executable


def _notebook(path: Path, *sources: str) -> Path:
    notebook = nbformat.v4.new_notebook()
    notebook.metadata["kernelspec"] = {"name": "python3", "language": "python", "display_name": "Python 3"}
    notebook.cells = [nbformat.v4.new_code_cell(source) for source in sources]
    nbformat.write(notebook, path)
    return path


def _isolated_env(tmp_path: Path) -> dict[str, str]:
    env = dict(os.environ)
    for name in ("JUPYTER_CONFIG_DIR", "JUPYTER_DATA_DIR", "JUPYTER_RUNTIME_DIR", "IPYTHONDIR"):
        folder = tmp_path / name.lower()
        folder.mkdir(exist_ok=True)
        env[name] = str(folder)
    return env


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_demo_reports_pass_and_fail(tmp_path):
    # a_ok also shows that kernels run in the notebooks' folder.
    notebooks = tmp_path / "notebooks"
    notebooks.mkdir()
    _notebook(notebooks / "a_ok.ipynb", "import os\nprint(os.getcwd())")
    _notebook(notebooks / "b_broken.ipynb", "raise ValueError('broken on purpose')")
    out = tmp_path / "out"

    result = subprocess.run(
        [PYTHON, "-m", "helpers", "demo", "--no-sandbox", "--notebooks", str(notebooks), "--out", str(out)],
        capture_output=True, text=True, env=_isolated_env(tmp_path), timeout=300,
    )

    assert result.returncode == 1, result.stderr
    assert re.fullmatch(r"2 notebooks, 1 passed, 1 failed in [\d.]+ s\n", result.stdout), result.stdout
    assert "b_broken.ipynb: FAILED: ValueError: broken on purpose" in result.stderr
    for name in ("a_ok.ipynb", "a_ok.html", "b_broken.ipynb", "b_broken.html"):
        assert (out / name).is_file(), f"{name} not written"
    executed = nbformat.read(out / "a_ok.ipynb", as_version=4)
    assert executed.cells[0].outputs[0]["text"].strip() == str(notebooks)
    assert "<title>a_ok</title>" in (out / "a_ok.html").read_text()


def test_demo_shares_one_sandbox(tmp_path):
    notebooks = tmp_path / "notebooks"
    notebooks.mkdir()
    _notebook(
        notebooks / "sandbox.ipynb",
        "import os, requests\n"
        "url = os.environ['ISAPI_SANDBOX_URL']\n"
        "assert url.startswith('http://127.0.0.1:'), url\n"
        "assert requests.get(url + '/__sandbox__/profile', timeout=5).status_code == 200\n"
        "assert 'ISAPI_PROFILE' not in os.environ and 'ISAPI_BASE_URL' not in os.environ",
    )

    env = _isolated_env(tmp_path)
    # An org profile in the environment must not reach the demo's kernels.
    env["ISAPI_PROFILE"] = str(tmp_path / "org-profile.toml")
    env["ISAPI_BASE_URL"] = "https://example.my.salesforce-scrt.com"

    result = subprocess.run(
        [PYTHON, "-m", "helpers", "demo", "--notebooks", str(notebooks), "--out", str(tmp_path / "out")],
        capture_output=True, text=True, env=env, timeout=300,
    )

    assert result.returncode == 0, result.stderr + result.stdout
    assert result.stdout.startswith("1 notebooks, 1 passed, 0 failed")
    assert "ignoring ISAPI_PROFILE" in result.stderr


@pytest.mark.parametrize(
    "argv, message",
    [
        (["demo", "--notebooks", "/nonexistent-folder"], "notebook folder /nonexistent-folder not found"),
        (["demo", "--timeout", "0"], "--timeout must be a positive number"),
        (["lab", "--port", "70000"], "--port must be between 1 and 65535"),
        (["lab", "--strip", "/nonexistent.ipynb"], "notebook not found: /nonexistent.ipynb"),
    ],
    ids=["demo-missing-folder", "demo-bad-timeout", "lab-bad-port", "strip-missing-file"],
)
def test_usage_errors_exit_2(argv, message, capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(argv)
    assert exit_info.value.code == 2
    assert message in capsys.readouterr().err


def test_demo_only_without_match_exits_2(tmp_path, capsys):
    _notebook(tmp_path / "x.ipynb", "1")
    with pytest.raises(SystemExit) as exit_info:
        main(["demo", "--no-sandbox", "--notebooks", str(tmp_path), "--only", "nomatch"])
    assert exit_info.value.code == 2
    assert "no notebook in" in capsys.readouterr().err


def test_lab_strip_cleans_folder(tmp_path, capsys):
    path = _notebook(tmp_path / "dirty.ipynb", "1 + 1")
    notebook = nbformat.read(path, as_version=4)
    notebook.cells[0].execution_count = 3
    nbformat.write(notebook, path)

    assert main(["lab", "--notebooks", str(tmp_path), "--strip"]) == 0
    assert "dirty.ipynb: stripped" in capsys.readouterr().out
    assert nbformat.read(path, as_version=4).cells[0].execution_count is None


def test_lab_command_is_local_and_quiet(tmp_path):
    command = lab_command(9999, tmp_path, tmp_path / "settings", "t0ken")
    assert "--ServerApp.ip=127.0.0.1" in command
    assert "--no-browser" in command
    assert "--IdentityProvider.token=t0ken" in command
    assert "--LabApp.extension_manager=readonly" in command
    assert "--LabApp.news_url=None" in command
    assert ("--allow-root" in command) == (os.geteuid() == 0)


def test_lab_settings_turn_off_news(tmp_path):
    folder = write_settings_dir(tmp_path / "settings")
    text = (folder / "overrides.json").read_text()
    assert '"fetchNews": "false"' in text
    assert LAB_SETTING_OVERRIDES["@jupyterlab/apputils-extension:notification"]["checkForUpdates"] is False


def test_lab_settings_keep_installed_overrides(tmp_path, monkeypatch):
    installed = tmp_path / "prefix" / "share" / "jupyter" / "lab" / "settings"
    installed.mkdir(parents=True)
    (installed / "overrides.json").write_text(
        json.dumps(
            {
                "@jupyterlab/apputils-extension:themes": {"theme": "JupyterLab Dark"},
                "@jupyterlab/apputils-extension:notification": {"checkForUpdates": True},
            }
        )
    )
    monkeypatch.setattr(sys, "prefix", str(tmp_path / "prefix"))

    folder = write_settings_dir(tmp_path / "settings")
    merged = json.loads((folder / "overrides.json").read_text())

    assert merged["@jupyterlab/apputils-extension:themes"] == {"theme": "JupyterLab Dark"}
    notification = merged["@jupyterlab/apputils-extension:notification"]
    assert notification["checkForUpdates"] is True
    assert notification["fetchNews"] == "false"


def _read_until(process: subprocess.Popen, pattern: str, timeout: float) -> tuple[re.Match, str]:
    # A reader thread, because select() on the pipe misses lines that the
    # text wrapper has already buffered.
    lines: queue.Queue = queue.Queue()
    threading.Thread(
        target=lambda: [lines.put(line) for line in process.stdout], daemon=True
    ).start()
    seen = ""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            seen += lines.get(timeout=0.5)
        except queue.Empty:
            if process.poll() is not None:
                break
            continue
        match = re.search(pattern, seen)
        if match:
            return match, seen
    raise AssertionError(f"{pattern!r} not printed within {timeout} s; output:\n{seen}")


def test_lab_serves_notebooks_with_sandbox(tmp_path):
    _notebook(tmp_path / "00_start_here.ipynb", "1")
    port = _free_port()
    process = subprocess.Popen(
        [PYTHON, "-m", "helpers", "lab", "--port", str(port), "--notebooks", str(tmp_path), "--isolated"],
        stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, start_new_session=True,
    )
    try:
        match, seen = _read_until(process, r"Open (http://127\.0\.0\.1:\d+)/lab/tree/\S+\?token=(\w+)", 90)
        base, token = match.group(1), match.group(2)
        sandbox = re.search(r"Sandbox: (http://127\.0\.0\.1:\d+)", seen)
        assert base == f"http://127.0.0.1:{port}"
        assert sandbox, seen
        assert requests.get(f"{base}/api/status", timeout=5).status_code == 403
        contents = requests.get(
            f"{base}/api/contents", headers={"Authorization": f"token {token}"}, timeout=5
        ).json()
        assert [item["name"] for item in contents["content"]] == ["00_start_here.ipynb"]
        assert requests.get(f"{sandbox.group(1)}/__sandbox__/profile", timeout=5).status_code == 200
    finally:
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=30)
    assert process.returncode == 0
    with pytest.raises(requests.ConnectionError):
        requests.get(f"{base}/api/status", timeout=2)


def test_lab_port_in_use_exits_1(tmp_path):
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        result = subprocess.run(
            [PYTHON, "-m", "helpers", "lab", "--port", str(port), "--notebooks", str(tmp_path),
             "--no-sandbox", "--isolated"],
            capture_output=True, text=True, timeout=120,
        )
    assert result.returncode == 1
    assert f"If port {port} is in use, pass another one with --port N" in result.stderr
    assert "Open http" not in result.stdout
