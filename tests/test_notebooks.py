"""Every notebook in notebooks/ (jupytext py:percent files) runs top to bottom in a fresh kernel.

Notebooks carry their own assertions about their results; a failing assertion fails the test.
Adding a notebook is dropping a ``.py`` file into ``notebooks/``.
"""

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("[0-9]*.py"))
#: Kernel that ``pip install ipykernel`` provides in any environment.
KERNEL = "python3"
#: Seconds allowed to one cell.
CELL_TIMEOUT = 300


def test_notebooks_are_text_only():
    """Notebooks are committed as py:percent text, never as .ipynb with stale outputs."""
    assert NOTEBOOKS, "notebooks/ holds no notebook"
    assert not list((ROOT / "notebooks").glob("*.ipynb"))
    for path in NOTEBOOKS:
        assert "format_name: percent" in path.read_text(), path.name


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_notebook_executes(path):
    jupytext = pytest.importorskip("jupytext")
    nbclient = pytest.importorskip("nbclient")
    pytest.importorskip("ipykernel")
    nb = jupytext.read(path)
    client = nbclient.NotebookClient(
        nb,
        kernel_name=KERNEL,
        timeout=CELL_TIMEOUT,
        resources={"metadata": {"path": str(ROOT)}},  # imports resolve to this source tree
    )
    client.execute()
    errors = [
        out
        for cell in nb.cells
        if cell.cell_type == "code"
        for out in cell.get("outputs", [])
        if out.get("output_type") == "error"
    ]
    assert not errors
