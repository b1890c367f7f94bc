"""Every notebook runs unmodified from notebooks/ with its own defaults, as it does in JupyterLab.

Only the output folder is redirected into tmp_path, so the tests never write
into the repository's outputs/.
"""

from __future__ import annotations

import ast
from pathlib import Path

import nbformat
import papermill as pm
import pytest

from sif_eval.runs.kernel import ensure_kernel
from tests.conftest import ROOT

pytestmark = pytest.mark.integration

NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))
OUTPUT_PARAMETER = "utdatamapp"


def parameters(path: Path) -> dict[str, object]:
    """The defaults in the cell tagged ``parameters``."""
    nb = nbformat.read(path, as_version=4)
    cell = next(c for c in nb.cells if "parameters" in c.metadata.get("tags", []))
    tree = ast.parse(cell.source)
    return {t.id: ast.literal_eval(node.value) for node in tree.body if isinstance(node, ast.Assign)
            for t in node.targets if isinstance(t, ast.Name)}


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_notebook_runs_with_its_defaults(path, tmp_path):
    defaults = parameters(path)
    assert OUTPUT_PARAMETER in defaults, "a notebook's output folder must be a parameter, so tests can redirect it"
    out = tmp_path / "ut"
    pm.execute_notebook(str(path), str(tmp_path / path.name), parameters={OUTPUT_PARAMETER: str(out)},
                        kernel_name=ensure_kernel(), language="python", cwd=str(path.parent),
                        progress_bar=False, log_output=False, execution_timeout=300, start_timeout=120)
    executed = nbformat.read(tmp_path / path.name, as_version=4)
    errors = [o for c in executed.cells if c.cell_type == "code" for o in c.get("outputs", [])
              if o.get("output_type") == "error"]
    assert not errors
    assert any(out.rglob("*")), "the notebook wrote nothing into its output folder"


def test_notebooks_are_found():
    assert {p.name for p in NOTEBOOKS} >= {"effektutvardering.ipynb"}
