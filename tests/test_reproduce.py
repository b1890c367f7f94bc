"""Reproducing an archived run gives the same numbers and the same bytes, from its own archive."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import zipfile

import pytest

from sif_eval.runs import archive, codearchive
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


def test_edited_result_or_deleted_document_is_exit_2_naming_the_file_and_nothing_reruns(setup):
    tmp, _tpl, run_dir = setup
    edited = tmp / "redigerad" / "supported-education" / run_dir.name
    shutil.copytree(run_dir, edited)
    result = json.loads((edited / "resultat.json").read_text(encoding="utf-8"))
    result["effekter"][0]["skattning"] = 0.5
    (edited / "resultat.json").write_text(json.dumps(result, ensure_ascii=False), encoding="utf-8")
    with pytest.raises(ArchiveDamaged, match=r"resultat.json har ändrats sedan körningen"):
        reproduce(edited)
    deleted = tmp / "raderad" / "supported-education" / run_dir.name
    shutil.copytree(run_dir, deleted)
    (deleted / "dokument" / "utvarderingsrapport.pdf").unlink()
    proc = subprocess.run([sys.executable, "-m", "sif_eval", "reproduce", str(deleted)], capture_output=True,
                          text=True, cwd=tmp, timeout=600)
    assert proc.returncode == 2, proc.stdout + proc.stderr
    assert "dokument/utvarderingsrapport.pdf saknas" in proc.stderr and "Traceback" not in proc.stderr
    for folder in (edited.parent, deleted.parent):
        assert [p.name for p in folder.iterdir()] == [run_dir.name]  # nothing was re-run


def test_the_run_archives_the_code_it_ran_with(setup):
    _tmp, _tpl, run_dir = setup
    manifest = archive.read_manifest(run_dir)
    code = manifest["kod"]
    assert code["filer"] == codearchive.source_sums()
    assert code["git"] is None or len(code["git"]["commit"]) == 40
    wheel = run_dir / code["arkiv"]
    assert archive.sha256(wheel) == code["sha256"] and code["arkiv"] in manifest["utdata"]
    with zipfile.ZipFile(wheel) as zf:
        assert zf.read("sif_eval/swedish.py") == (ROOT / "sif_eval" / "swedish.py").read_bytes()


CHANGED_FORMAT = '''

_number_before = number


def number(x, decimals=0, *args, **kwargs):  # noqa: F811 - the test's change of a formatting function
    return _number_before(x, decimals, *args, **kwargs).replace(",", ".")
'''


@pytest.fixture(scope="module")
def changed_code(tmp_path_factory):
    """A copy of the repository whose sif-eval formats decimals with a point: 'the changed code installed'."""
    copy = tmp_path_factory.mktemp("kopia")
    shutil.copytree(ROOT / "sif_eval", copy / "sif_eval", ignore=shutil.ignore_patterns("__pycache__"))
    with open(copy / "sif_eval" / "swedish.py", "a", encoding="utf-8") as fh:
        fh.write(CHANGED_FORMAT)
    env = {**os.environ, "PYTHONPATH": str(copy)}  # first on the path, for the CLI and for the kernel it starts
    probe = subprocess.run([sys.executable, "-c", "import sif_eval.swedish as s; print(s.__file__, s.decimal(1.5, 1))"],
                           capture_output=True, text=True, env=env, cwd=copy)
    assert probe.stdout.split() == [str(copy / "sif_eval" / "swedish.py"), "1.5"], probe.stdout + probe.stderr
    return env


def test_changed_sif_eval_is_named_module_by_module(setup, changed_code):
    tmp, _tpl, run_dir = setup
    proc = subprocess.run([sys.executable, "-m", "sif_eval", "reproduce", str(run_dir),
                           "--outputs", str(tmp / "dagens")], capture_output=True, text=True, cwd=tmp,
                          env=changed_code, timeout=600)
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert "Miljö: dagens installation" in proc.stdout
    assert "sif_eval.swedish (sif_eval/swedish.py) är ändrad sedan körningen" in proc.stdout
    assert "i 1 modul:" in proc.stdout  # only that one
    assert "Inte identisk" in proc.stdout and "utvarderingsrapport" in proc.stdout


@pytest.mark.slow
def test_isolated_reproduction_with_changed_code_installed_is_identical(setup, changed_code, tmp_path):
    tmp, _tpl, run_dir = setup
    env = {**changed_code, "XDG_CACHE_HOME": str(tmp_path / "cache")}
    proc = subprocess.run([sys.executable, "-m", "sif_eval", "reproduce", str(run_dir), "--isolerat",
                           "--outputs", str(tmp / "isolerad")], capture_output=True, text=True, cwd=tmp, env=env,
                          timeout=3000)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "Miljö: isolerad: den arkiverade sif-eval" in proc.stdout and "identiska" in proc.stdout
    assert "sif_eval.swedish" not in proc.stdout
    built = list((tmp_path / "cache" / "sif-eval" / "miljoer").iterdir())
    assert len(built) == 1 and (built[0] / ".klar").is_file()
    new_run = next((tmp / "isolerad" / "supported-education").iterdir())
    assert archive.read_manifest(new_run)["reproduktionsmiljö"]["typ"] == "isolerad"
    # a second reproduction reuses the cached environment
    again = subprocess.run([sys.executable, "-m", "sif_eval", "reproduce", str(run_dir), "--isolerat",
                            "--outputs", str(tmp / "isolerad2")], capture_output=True, text=True, cwd=tmp, env=env,
                           timeout=600)
    assert again.returncode == 0 and "Använder den sparade isolerade miljön" in again.stderr, again.stderr
