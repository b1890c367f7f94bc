"""Reproducing an archived run gives the same numbers and the same bytes, from its own archive."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys

import pytest

from sif_eval.runs import archive
from sif_eval.runs.project import run_project
from sif_eval.runs.reproduce import ArchiveDamaged, compare_values, reproduce
from tests.conftest import INPUTS, ROOT

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def setup(tmp_path_factory):
    """A private copy of the templates (so the test may change them) and one finished run."""
    tmp = tmp_path_factory.mktemp("rep")
    tpl = tmp / "repo"
    shutil.copytree(ROOT / "templates", tpl / "templates")
    shutil.copytree(ROOT / "notebooks", tpl / "notebooks")
    shutil.copyfile(ROOT / "_quarto.yml", tpl / "_quarto.yml")
    outcome = run_project(INPUTS / "supported-education", tmp / "outputs", "2022-02-02", templates=tpl)
    return tmp, tpl, outcome.run_dir


def test_reproduce_is_identical_and_ignores_later_template_changes(setup):
    tmp, tpl, run_dir = setup
    report = tpl / "templates" / "utvarderingsrapport.md.j2"
    report.write_text(report.read_text(encoding="utf-8").replace("# Sammanfattning", "# Ändrad rubrik"),
                      encoding="utf-8")
    comparison = reproduce(run_dir)
    assert comparison.identical, comparison.verdict()
    assert comparison.new_run != run_dir and comparison.new_run.parent == run_dir.parent
    for rel in ("dokument/utvarderingsrapport.docx", "dokument/utvarderingsrapport.pdf", "resultat.json"):
        assert (run_dir / rel).read_bytes() == (comparison.new_run / rel).read_bytes(), rel
    new_manifest = archive.read_manifest(comparison.new_run)
    assert new_manifest["typ"] == "reproduktion" and new_manifest["reproducerar"] == str(run_dir)
    assert "Reproducerad" in comparison.verdict()


def test_run_folder_copied_elsewhere_reproduces_via_cli(setup):
    tmp, _tpl, run_dir = setup
    moved = tmp / "flyttad" / "supported-education" / run_dir.name
    shutil.copytree(run_dir, moved)
    proc = subprocess.run([sys.executable, "-m", "sif_eval", "reproduce", str(moved)], capture_output=True,
                          text=True, cwd=tmp, timeout=600)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "identiska" in proc.stdout


def test_tampered_input_is_named_and_exit_2(setup):
    tmp, _tpl, run_dir = setup
    broken = tmp / "trasig" / run_dir.name
    shutil.copytree(run_dir, broken)
    csv = broken / "indata" / "utfall.csv"
    csv.write_bytes(csv.read_bytes().replace(b";", b",", 1))
    with pytest.raises(ArchiveDamaged, match="indata/utfall.csv har ändrats"):
        reproduce(broken)
    (broken / "mallar" / "_quarto.yml").unlink()
    proc = subprocess.run([sys.executable, "-m", "sif_eval", "reproduce", str(broken)], capture_output=True,
                          text=True, cwd=tmp, timeout=600)
    assert proc.returncode == 2
    assert "mallar/_quarto.yml saknas" in proc.stderr and "utfall.csv har ändrats" in proc.stderr


def test_changed_result_is_reported_number_by_number():
    old = {"effekter": [{"indikator": "a", "skattning": 1.0, "ki_låg": 0.5}]}
    new = json.loads(json.dumps(old))
    new["effekter"][0]["skattning"] = 1.5
    assert compare_values(old, new) == ["resultat.json.effekter[0].skattning: 1.0 → 1.5"]
    assert compare_values(old, old) == []
