"""Checks on the committed notebooks: stripped, runnable, one skeleton.

nbval executes every notebook as part of ``make test`` against the sandbox.
These tests check what nbval does not: that each notebook is committed
without outputs or widget state, names its kernel (without one, JupyterLab
opens a kernel dialog that blocks "Run All") and follows the walkthrough
skeleton, and that three notebooks also run with a profile file.
"""

from __future__ import annotations

import json
from pathlib import Path

import nbformat
import pytest

from helpers.cli.lab import strip_notebook

NOTEBOOK_DIR = Path(__file__).resolve().parents[1] / "notebooks"
NOTEBOOKS = sorted(NOTEBOOK_DIR.glob("*.ipynb"))
# The walkthroughs this kit ships; the test fails when one goes missing.
EXPECTED = (
    "00_start_here.ipynb",
    "01_decode_an_error.ipynb",
    "02_reproduce_and_fix.ipynb",
    "10_inbound_interactions.ipynb",
    "11_conversations_and_acknowledgements.ipynb",
    "12_partner_routing.ipynb",
    "13_consent_and_capabilities.ipynb",
    "14_history_participants_sessions.ipynb",
    "20_triage_a_log.ipynb",
    "21_share_a_repro_session.ipynb",
)


def _ids(paths):
    return [p.name for p in paths]


def _read(path: Path) -> nbformat.NotebookNode:
    return nbformat.read(path, as_version=4)


def test_walkthroughs_present():
    names = {p.name for p in NOTEBOOKS}
    missing = [name for name in EXPECTED if name not in names]
    assert not missing, f"notebooks missing from notebooks/: {missing}"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=_ids(NOTEBOOKS))
def test_notebook_is_valid(path):
    nbformat.validate(_read(path))


@pytest.mark.parametrize("path", NOTEBOOKS, ids=_ids(NOTEBOOKS))
def test_notebook_has_no_outputs(path):
    notebook = _read(path)
    dirty = [
        index
        for index, cell in enumerate(notebook.cells)
        if cell.cell_type == "code" and (cell.outputs or cell.execution_count is not None)
    ]
    assert not dirty, (
        f"cells {dirty} of {path.name} carry outputs or execution counts; "
        "run `python -m helpers lab --strip` before committing"
    )


@pytest.mark.parametrize("path", NOTEBOOKS, ids=_ids(NOTEBOOKS))
def test_notebook_has_no_widget_state(path):
    raw = json.loads(path.read_text(encoding="utf-8"))
    assert "widgets" not in raw.get("metadata", {}), (
        f"{path.name} stores widget state; run `python -m helpers lab --strip`"
    )


@pytest.mark.parametrize("path", NOTEBOOKS, ids=_ids(NOTEBOOKS))
def test_notebook_names_kernel(path):
    kernelspec = _read(path).metadata.get("kernelspec", {})
    assert kernelspec.get("name") == "python3", f"{path.name} has kernelspec {kernelspec}"
    assert kernelspec.get("language") == "python"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=_ids(NOTEBOOKS))
def test_notebook_follows_skeleton(path):
    cells = _read(path).cells
    first = cells[0]
    assert first.cell_type == "markdown", f"{path.name} must open with a markdown title"
    assert first.source.lstrip().startswith("# "), f"{path.name}: first cell is not a title"
    tagged = [c for c in cells if "parameters" in c.metadata.get("tags", [])]
    assert len(tagged) == 1, f"{path.name} needs exactly one cell tagged 'parameters'"
    assert tagged[0].cell_type == "code"
    headings = [
        line.strip()
        for c in cells
        if c.cell_type == "markdown"
        for line in c.source.splitlines()
    ]
    assert "## Next steps" in headings, f"{path.name} has no '## Next steps' heading"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=_ids(NOTEBOOKS))
def test_parameters_fall_back_to_environment(path):
    cell = next(c for c in _read(path).cells if "parameters" in c.metadata.get("tags", []))
    assert "os.environ" in cell.source, (
        f"{path.name}: the parameters cell must read environment variables so it runs headless"
    )


@pytest.mark.parametrize("path", NOTEBOOKS, ids=_ids(NOTEBOOKS))
def test_notebook_types_no_token(path):
    source = "\n".join(c.source for c in _read(path).cells)
    for marker in ("Bearer ey", "00DFAKE", "access_token ="):
        assert marker not in source, f"{path.name} contains {marker!r}; read tokens from a Password field or ISAPI_TOKEN"


def test_strip_removes_outputs_and_widget_state(tmp_path):
    notebook = nbformat.v4.new_notebook()
    cell = nbformat.v4.new_code_cell("1 + 1")
    cell.outputs = [nbformat.v4.new_output("execute_result", {"text/plain": "2"}, execution_count=1)]
    cell.execution_count = 1
    notebook.cells.append(cell)
    notebook.metadata["widgets"] = {"application/vnd.jupyter.widget-state+json": {}}
    path = tmp_path / "dirty.ipynb"
    nbformat.write(notebook, path)

    assert strip_notebook(path) is True
    stripped = _read(path)
    assert stripped.cells[0].outputs == []
    assert stripped.cells[0].execution_count is None
    assert "widgets" not in stripped.metadata
    assert strip_notebook(path) is False


@pytest.mark.parametrize(
    "name, expected",
    [
        ("00_start_here.ipynb", "name='test-org', target='org'"),
        ("02_reproduce_and_fix.ipynb", "Repros need a sandbox; test-org targets org"),
        ("12_partner_routing.ipynb", "name='test-org', target='org'"),
    ],
    ids=["00", "02", "12"],
)
def test_notebook_runs_with_profile_file(name, expected, fresh_sandbox, tmp_path, monkeypatch):
    """Switching from the sandbox to an org is one parameter: ISAPI_PROFILE.

    The profile file points at the test's sandbox but declares
    ``target = "org"``, so the notebooks treat it as an org: the token comes
    from an environment variable, the sandbox-only checks are skipped and
    the repro notebook falls back to a sandbox of its own.
    """
    from nbclient import NotebookClient

    values = fresh_sandbox.profile
    fields = (
        "base_url", "org_id", "authorization_context", "channel_address_identifier",
        "end_user_client_id", "user_id", "queue_id", "flow_id",
    )
    lines = [f'{field} = "{values[field]}"' for field in fields]
    lines += ['name = "test-org"', 'target = "org"', 'token_env = "ISAPI_NOTEBOOK_TEST_TOKEN"']
    profile_file = tmp_path / "org.toml"
    profile_file.write_text("\n".join(lines) + "\n")
    monkeypatch.setenv("ISAPI_PROFILE", str(profile_file))
    monkeypatch.setenv("ISAPI_NOTEBOOK_TEST_TOKEN", values["access_token"])
    monkeypatch.delenv("ISAPI_SANDBOX_URL", raising=False)

    notebook = _read(NOTEBOOK_DIR / name)
    NotebookClient(
        notebook, kernel_name="python3", timeout=120,
        resources={"metadata": {"path": str(NOTEBOOK_DIR)}},
    ).execute()

    text = "\n".join(
        output.get("text", "") + output.get("data", {}).get("text/plain", "")
        for cell in notebook.cells if cell.cell_type == "code" for output in cell.outputs
    )
    assert expected in text
    assert values["access_token"] not in text
