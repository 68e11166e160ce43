"""Drive the reproduce-and-fix notebook in JupyterLab with headless Chromium.

The test starts JupyterLab on 127.0.0.1 with a copy of the notebooks as its
root and every Jupyter, IPython and Chromium state folder in a temporary
folder. It opens ``02_reproduce_and_fix.ipynb`` in Debian's Chromium through
Playwright (no browser download), runs all cells, picks a code in the repro
widget, sends the failing request, applies the fix, sends again and waits for
the success card. Every request the page makes is checked: anything that is
not for 127.0.0.1 or localhost is aborted and fails the test.

A screenshot of the final page is saved as ``build/browser/repro.png``.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
from pathlib import Path
from urllib.parse import urlsplit

import pytest

pytestmark = pytest.mark.browser

CHROMIUM = Path("/usr/bin/chromium")
ROOT = Path(__file__).resolve().parents[1]
NOTEBOOK_DIR = ROOT / "notebooks"
SCREENSHOT_DIR = ROOT / "build" / "browser"
NOTEBOOK = "02_reproduce_and_fix.ipynb"
# Chromium flags for a headless run without network side traffic.
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
LOCAL_HOSTS = ("127.0.0.1", "localhost")
# The code the test picks: a missing-header error every sandbox can produce.
CODE = "10004"
TOKEN = "browser-test-server-token"
TIMEOUT_MS = 90_000

if not CHROMIUM.exists():
    pytest.skip(
        f"{CHROMIUM} not found; install Debian's chromium package (apt-get install chromium)",
        allow_module_level=True,
    )

# Playwright is a test dependency, so a missing package fails the test
# instead of skipping it; only a missing browser is a reason to skip.
from playwright import sync_api  # noqa: E402


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="module")
def lab(tmp_path_factory):
    """Start JupyterLab on a copy of the notebooks; yield its base URL."""
    from helpers.cli.lab import (
        STATE_VARIABLES,
        lab_command,
        wait_until_ready,
        write_settings_dir,
    )

    scratch = tmp_path_factory.mktemp("lab")
    root = scratch / "notebooks"
    shutil.copytree(NOTEBOOK_DIR, root)
    env = dict(os.environ)
    # Chromium writes crash reports and a dconf cache under the XDG folders.
    for name in (*STATE_VARIABLES, "XDG_CONFIG_HOME", "XDG_CACHE_HOME"):
        folder = scratch / name.lower()
        folder.mkdir()
        env[name] = str(folder)
    # The kernels start their own in-process sandbox; none is shared here.
    env.pop("ISAPI_SANDBOX_URL", None)
    env.pop("ISAPI_PROFILE", None)
    env["MPLBACKEND"] = "Agg"
    port = _free_port()
    settings = write_settings_dir(scratch / "lab-settings")
    command = lab_command(port, root, settings, TOKEN)
    log_path = scratch / "lab.log"
    with log_path.open("wb") as log_file:
        process = subprocess.Popen(
            command, env=env, stdout=log_file, stderr=subprocess.STDOUT, start_new_session=True
        )
    base = f"http://127.0.0.1:{port}"
    try:
        try:
            wait_until_ready(base, TOKEN, process, 60)
        except RuntimeError as exc:
            pytest.fail(f"{exc}:\n{log_path.read_text()[-3000:]}")
        yield base
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


@pytest.fixture
def page(lab, tmp_path):
    """Yield a Chromium page whose requests may reach 127.0.0.1 only."""
    blocked: list[str] = []

    def guard(route):
        host = urlsplit(route.request.url).hostname
        if host in LOCAL_HOSTS:
            route.continue_()
        else:
            blocked.append(route.request.url)
            route.abort()

    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
        )
        try:
            context = browser.new_context(viewport={"width": 1400, "height": 1000})
            context.route("**/*", guard)
            yield context.new_page()
        finally:
            browser.close()
    assert not blocked, f"the page tried to reach other hosts: {blocked}"


def test_repro_notebook_fix_verified(lab, page):
    expect = sync_api.expect
    page.goto(f"{lab}/lab/tree/{NOTEBOOK}?token={TOKEN}&reset")
    idle = page.locator(".jp-StatusBar-Widget", has_text="| Idle").first
    expect(idle).to_be_visible(timeout=TIMEOUT_MS)

    page.locator(".lm-MenuBar-itemLabel", has_text="Run").first.click()
    page.locator(".lm-Menu-itemLabel", has_text="Run All Cells").first.click()

    widget = page.locator(".isapi-repro").first
    expect(widget).to_be_visible(timeout=TIMEOUT_MS)
    widget.locator(".isapi-repro-filter input").fill(CODE)
    choice = widget.locator(".isapi-repro-choice select")
    expect(choice.locator("option").first).to_contain_text(CODE, timeout=TIMEOUT_MS)
    choice.select_option(index=0)

    widget.locator("button.isapi-send").click()
    expect(widget.locator(".isapi-exchange.isapi-card-fail")).to_contain_text(
        CODE, timeout=TIMEOUT_MS
    )
    widget.locator("button.isapi-fix").click()
    expect(widget.locator(".isapi-diff")).to_be_visible(timeout=TIMEOUT_MS)
    widget.locator("button.isapi-send").click()
    success = widget.locator(".isapi-success")
    expect(success).to_be_visible(timeout=TIMEOUT_MS)
    expect(success).to_contain_text(CODE)

    SCREENSHOT_DIR.mkdir(parents=True, exist_ok=True)
    widget.scroll_into_view_if_needed()
    page.screenshot(path=str(SCREENSHOT_DIR / "repro.png"), full_page=False)
    assert not widget.locator(".isapi-error").count(), "the widget showed an error card"
