"""The fixed top-level layout and the tool configuration live where people look for them."""

from __future__ import annotations

import tomllib

from sif_eval import paths
from tests.conftest import ROOT


def test_top_level_layout():
    for name in ("templates", "notebooks", "sif_eval", "inputs", "outputs", "tests"):
        assert (ROOT / name).is_dir(), name
    for name in ("_quarto.yml", "README.md", "pyproject.toml", "Makefile", "CHANGELOG.md", ".ci/run"):
        assert (ROOT / name).is_file(), name


def test_paths_module_points_at_the_layout():
    assert paths.ROOT == ROOT
    assert paths.EFFECT_NOTEBOOK.is_file()
    assert paths.REFERENCE_DOCX.is_file()
    assert paths.TYPST_TEMPLATE.is_file()


def test_one_place_for_tool_configuration():
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    assert "ruff" in config["tool"] and "pytest" in config["tool"]
    assert config["project"]["scripts"]["sif-eval"] == "sif_eval.cli:main"
    for stray in ("setup.cfg", "pytest.ini", "ruff.toml", ".ruff.toml", "tox.ini"):
        assert not (ROOT / stray).exists(), stray


def test_readme_shows_the_two_commands():
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    assert "make demo" in text and "make test" in text
    assert "Kom igång" in text


def test_notebook_has_a_parameters_cell_with_defaults():
    import nbformat

    nb = nbformat.read(paths.EFFECT_NOTEBOOK, as_version=4)
    tagged = [c for c in nb.cells if "parameters" in c.metadata.get("tags", [])]
    assert len(tagged) == 1
    for name in ("projektmapp", "utdatamapp", "rapportdatum"):
        assert f"{name} =" in tagged[0].source
