"""``sif-eval ny``: the scaffolded project validates as it is and runs end to end from the workbook."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import openpyxl
import pytest
from scipy import stats

from sif_eval import cli
from sif_eval.inputs.economy import find_economy_file
from sif_eval.inputs.project import load_project
from sif_eval.inputs.scaffold import ECONOMY_HEADERS, OUTCOME_HEADERS, ScaffoldError, build_workbook, scaffold
from sif_eval.runs import archive
from sif_eval.runs.overview import describe
from sif_eval.runs.project import run_project

# A small before/after panel: eight units in the insats group only, one term before and one after
# the start (2023-08-01), so auto chooses the paired before/after comparison.
BEFORE = [0.30, 0.25, 0.20, 0.35, 0.28, 0.22, 0.40, 0.18]
CHANGE = [-0.10, -0.05, 0.02, -0.08, -0.04, -0.03, -0.06, 0.00]


def fill_workbook(path: Path) -> None:
    """Replace the example rows the way an evaluator would: in the sheets, keeping the rest of the workbook."""
    wb = openpyxl.load_workbook(path)
    ws = wb["utfall"]
    ws.delete_rows(2, ws.max_row)
    for i, (before, change) in enumerate(zip(BEFORE, CHANGE, strict=True), start=1):
        ws.append(["hog_franvaro", "insats", "2023-01", before, f"P{i:02d}", None])
        ws.append(["hog_franvaro", "insats", "2023-08", round(before + change, 4), f"P{i:02d}", None])
    eco = wb["ekonomi"]
    eco.delete_rows(2, eco.max_row)
    eco.append(["Mitt projekt", 2023, "Utbildningsnämnden", 900000, 870500, "Tjänsten tillsattes i september"])
    eco.append(["Mitt projekt", 2024, "Utbildningsnämnden", 900000, None, ""])
    wb.save(path)


def test_new_project_validates_as_it_is(tmp_path):
    done = scaffold("mitt-projekt", tmp_path)
    assert done.directory == tmp_path / "mitt-projekt"
    assert sorted(p.name for p in done.directory.iterdir()) == ["projekt.yaml", "utfall.xlsx"]
    loaded = load_project(done.directory)
    assert [i.id for i in loaded.project.indikatorer] == ["hog_franvaro"]
    assert set(loaded.observations["grupp"]) == {"insats", "jämförelse"}
    assert find_economy_file(done.directory) == done.directory / "utfall.xlsx"
    text = "\n".join(describe(loaded))
    assert "design did" in text and "utfall.xlsx (bladet ekonomi)" in text


def test_every_key_in_projekt_yaml_is_explained(tmp_path):
    lines = (scaffold("p", tmp_path).directory / "projekt.yaml").read_text(encoding="utf-8").splitlines()
    for n, line in enumerate(lines):
        stripped = line.strip()
        if not stripped or stripped.startswith("#") or ":" not in stripped or stripped.startswith(("Beskriv",)):
            continue
        explained = "#" in line or lines[n - 1].lstrip().startswith("#")
        assert explained, f"rad {n + 1} saknar en förklarande kommentar: {line}"


def test_workbook_has_instructions_lists_and_sheets(tmp_path):
    path = scaffold("p", tmp_path).directory / "utfall.xlsx"
    wb = openpyxl.load_workbook(path)
    assert wb.sheetnames == ["Instruktioner", "utfall", "ekonomi", "Listor"]
    assert tuple(c.value for c in wb["utfall"][1]) == OUTCOME_HEADERS
    assert tuple(c.value for c in wb["ekonomi"][1]) == ECONOMY_HEADERS
    assert wb["ekonomi"].max_row == 2  # one example row
    lists = {str(dv.sqref): dv for dv in wb["utfall"].data_validations.dataValidation}
    assert lists["B2:B5000"].type == "list" and lists["B2:B5000"].formula1 == '"insats,jämförelse"'
    assert lists["A2:A5000"].type == "list" and lists["A2:A5000"].formula1 == "=Listor!$A$2:$A$100"
    assert [c.value for c in wb["Listor"]["A"]] == ["indikator", "hog_franvaro"]
    assert wb["utfall"].max_row == 9  # headers and eight example rows, nothing styled below them
    for col in ("C", "E"):  # Excel must not turn 2023-08 into a date, nor a unit code into a number
        assert wb["utfall"].column_dimensions[col].number_format == "@" and wb["utfall"][f"{col}2"].number_format == "@"
    instructions = " ".join(str(c.value) for row in wb["Instruktioner"].iter_rows() for c in row if c.value)
    for word in ("personnummer", "0–1", "2021-Q3", "jämförelse", "antal"):
        assert word in instructions


def test_workbook_is_deterministic():
    assert build_workbook() == build_workbook()


def test_refuses_existing_folder_and_bad_names(tmp_path, capsys):
    target = tmp_path / "finns"
    target.mkdir()
    (target / "projekt.yaml").write_text("projekt: Mitt\n", encoding="utf-8")
    assert cli.main(["ny", "finns", "--inputs", str(tmp_path)]) == 2
    assert "finns redan" in capsys.readouterr().err
    assert (target / "projekt.yaml").read_text(encoding="utf-8") == "projekt: Mitt\n"
    for bad in ("två ord", "../utanför", "a/b", "19800101-1231"):
        with pytest.raises(ScaffoldError):
            scaffold(bad, tmp_path)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["finns"]  # nothing half-made is left behind


def test_cli_creates_project(tmp_path, capsys):
    assert cli.main(["ny", "nytt", "--inputs", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert "sif-eval validera" in out and (tmp_path / "nytt" / "utfall.xlsx").is_file()


@pytest.mark.integration
def test_filled_workbook_runs_end_to_end(tmp_path):
    project = scaffold("mitt-projekt", tmp_path / "inputs").directory
    fill_workbook(project / "utfall.xlsx")
    outcome = run_project(project, outputs=tmp_path / "out", report_date="2022-02-02")

    assert archive.read_manifest(outcome.run_dir)["status"] == "klar"
    assert (outcome.run_dir / "indata" / "utfall.xlsx").is_file()
    assert {p.name for p in outcome.documents} >= {"utvarderingsrapport.docx", "utvarderingsrapport.pdf"}
    result = json.loads((outcome.run_dir / "resultat.json").read_text(encoding="utf-8"))
    (effect,) = result["effekter"]
    d = np.array(CHANGE)
    se = d.std(ddof=1) / np.sqrt(len(d))
    t = stats.t.ppf(0.975, len(d) - 1)
    assert effect["design"] == "före_efter"
    assert effect["skattning"] == pytest.approx(d.mean(), abs=1e-9)  # paired: the mean of the differences
    assert effect["standardfel"] == pytest.approx(se, rel=1e-6)
    assert effect["ki_låg"] == pytest.approx(d.mean() - t * se, rel=1e-6)
    assert effect["ki_hög"] == pytest.approx(d.mean() + t * se, rel=1e-6)
    assert effect["p_värde"] == pytest.approx(stats.ttest_rel(np.array(BEFORE) + d, BEFORE).pvalue, rel=1e-4)
    assert effect["n_obs"] == 2 * len(d) and effect["se_typ"] == "klassisk"
    assert effect["måluppfyllelse"] == "kan_ej_avgöras"  # the interval straddles the target −0,05
    assert result["ekonomi"]["budgeterat_kr"] == 1_800_000 and result["ekonomi"]["utfall_kr"] == 870_500


def test_validera_warns_when_both_outcome_files_exist(tmp_path):
    project = scaffold("p", tmp_path).directory
    (project / "utfall.csv").write_text("indikator;grupp;period;värde\nhog_franvaro;insats;2023-01;0,2\n"
                                        "hog_franvaro;insats;2023-08;0,1\n", encoding="utf-8")
    text = "\n".join(describe(load_project(project)))
    assert "Både utfall.csv och utfall.xlsx finns" in text and "ingen jämförelsegrupp" in text
