"""Checks on the committed notebooks: stripped, runnable, one skeleton.

nbval executes every notebook as part of ``make test``; these tests check
what nbval does not: that each notebook is committed without outputs or
widget state, names its kernel (without one, JupyterLab opens a kernel
dialog that blocks "Run All"), and follows the walkthrough skeleton.
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
