"""Every notebook in notebooks/*.py (jupytext percent format) runs top to bottom on a fresh kernel, and as
a plain script.

Each file is converted with jupytext and executed by nbclient in a new ``python3`` kernel whose working
directory is ``notebooks/``; any cell error fails the test. Each file also runs as ``python file.py`` (no
``__main__`` guard in a notebook: nothing may start worker processes that re-run it), where its
progress bars must write whole lines, not carriage-return redraws. The data files a notebook names (any
registered dataset key appearing in its text) are required first, so a missing file skips outside CI and
fails under CI instead of surfacing as a kernel error. Figures must be real: a notebook whose cells
create plots must return at least one image output.
"""
from __future__ import annotations

import os
from pathlib import Path

import pytest

from gravity import data as datasets
from tests.conftest import require_data, run_script

NOTEBOOKS = sorted((Path(__file__).resolve().parents[1] / "notebooks").glob("*.py"))


def test_notebooks_exist():
    names = [p.name for p in NOTEBOOKS]
    assert "01_gravity_in_ten_minutes.py" in names and "02_beta_to_welfare.py" in names


def _require_its_data(text: str) -> None:
    keys = [k for k in datasets.REGISTRY if k in text]
    if keys:
        require_data(*keys)


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_notebook_runs_as_a_plain_script(path: Path):
    _require_its_data(path.read_text())
    res = run_script(path, path.parent)
    assert res.returncode == 0, res.stderr[-4000:]
    assert "Traceback" not in res.stderr and "bootstrapping phase" not in res.stderr, res.stderr[-4000:]
    assert "\r" not in res.stderr


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_notebook_executes(path: Path):
    import jupytext
    from nbclient import NotebookClient

    text = path.read_text()
    _require_its_data(text)
    nb = jupytext.reads(text, fmt="py:percent")
    assert len(nb.cells) >= 4, f"{path.name}: expected a notebook with several cells"
    client = NotebookClient(nb, timeout=900, kernel_name="python3", allow_errors=False,
                            resources={"metadata": {"path": str(path.parent)}})
    # the kernel inherits the environment: use the inline backend (conftest sets Agg for the tests)
    old = os.environ.get("MPLBACKEND")
    os.environ["MPLBACKEND"] = "module://matplotlib_inline.backend_inline"
    try:
        client.execute()      # raises CellExecutionError naming the cell and the traceback
    finally:
        if old is None:
            os.environ.pop("MPLBACKEND", None)
        else:
            os.environ["MPLBACKEND"] = old
    outputs = [o for c in nb.cells if c.cell_type == "code" for o in c.get("outputs", [])]
    errors = [o for o in outputs if o.get("output_type") == "error"]
    assert not errors
    if "plt." in text:
        images = [o for o in outputs if "image/png" in o.get("data", {})]
        assert images, f"{path.name} draws figures but none were rendered"
