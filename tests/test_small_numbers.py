"""Small numbers counted by individuals, not rows; secondary suppression; validera and run say the same."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pandas as pd

from sif_eval.figures.effects import _hide, _weighted_means
from sif_eval.inputs.project import load_project
from sif_eval.model import Indicator
from sif_eval.privacy import small_numbers as privacy
from sif_eval.runs import evaluation
from tests.conftest import ROOT

ORO = Indicator(id="oros", namn="Antal orosanmälningar", typ="antal", bättre="lägre", effektmål=-1.0)


def _schools(values, antal=None) -> pd.DataFrame:
    """Two treated and two comparison schools, one row per school and month (aggregate rows)."""
    rows = []
    for grp, schools in (("insats", ("A", "B")), ("jämförelse", ("C", "D"))):
        for month in range(1, 13):
            for school in schools:
                rows.append({"indikator": "oros", "grupp": grp, "period": f"2020-{month:02d}", "enhet": school,
                             "antal": antal, "varde": float(values(grp, month, school))})
    return pd.DataFrame(rows)


def test_aggregate_rows_without_antal_have_unknown_size_and_are_not_withheld():
    obs = _schools(lambda g, m, s: 10 + m)  # every school-month total well above five
    assert privacy.size_basis(obs) == "okänd"
    assert privacy.cell_counts(obs)["antal"].isna().all()  # two schools are not two persons
    verdict = privacy.assess(obs, 5, [ORO]).get("oros")
    assert not verdict.withheld and verdict.dolda == ()
    assert verdict.notes() == [
        "Gruppstorleken är inte angiven för antal orosanmälningar: raderna är summor eller medelvärden för grupper "
        "utan kolumnen antal, så regeln om minsta antal (fem individer) har inte kunnat prövas för grupperna."]


def test_rows_with_antal_count_antal_and_individual_rows_count_units():
    obs = _schools(lambda g, m, s: 10, antal=2)  # each row stands for two pupils: four per group and month
    assert privacy.size_basis(obs) == "antal"
    counts = privacy.cell_counts(obs)
    assert set(counts["antal"]) == {4.0}  # 2 + 2 per cell, not two rows
    verdict = privacy.assess(obs, 5, [Indicator(id="oros", namn="Antal orosanmälningar", typ="medelvärde")]).get("oros")
    assert verdict.withheld and verdict.små_grupper == (("insats", 4.0), ("jämförelse", 4.0))
    people = pd.DataFrame({"indikator": "x", "grupp": "insats", "period": ["2019"] * 6 + ["2020"] * 6,
                           "enhet": list("ABCDEF") * 2, "antal": None, "varde": [1, 0] * 6})
    assert privacy.size_basis(people) == "enheter"
    assert privacy.cell_counts(people)["antal"].tolist() == [6.0, 6.0]


def test_secondary_suppression_keeps_hidden_totals_unrecoverable():
    # Month 3 of the treated group totals 1 + 2 = 3 orosanmälningar: below five, so hidden (primary).
    obs = _schools(lambda g, m, s: (1 if s == "A" else 2) if (g, m) == ("insats", 3) else 10 + m)
    verdict = privacy.assess(obs, 5, [ORO]).get("oros")
    reasons = {(g, p): r for g, p, r in verdict.dolda}
    assert reasons[("insats", "2020-03")] == "litet antal"
    # The smallest other month of the group goes too, so the group's before/after means cannot give it away …
    assert reasons[("insats", "2020-01")] == "skydd"
    # … and the same months of the comparison group, so a difference between groups cannot either.
    assert reasons[("jämförelse", "2020-03")] == "skydd" and reasons[("jämförelse", "2020-01")] == "skydd"
    assert len(verdict.dolda) == 4 and not verdict.withheld
    hidden_sum = sum(obs[(obs["grupp"] == "insats") & obs["period"].isin(["2020-01", "2020-03"])]["varde"])
    assert hidden_sum >= 5  # what a total minus the visible months reveals is no longer a small number
    assert verdict.notes()[-1].replace("\u00a0", " ") == (
        "Diagrammet för antal orosanmälningar visar inte fyra av 24 värden: ett av dem understiger minsta antal "
        "(fem), och tre till är dolda så att de inte kan räknas fram ur summor och skillnader.")


def test_figure_leaves_hidden_points_out():
    obs = _schools(lambda g, m, s: 10 + m)
    obs["period_start"] = pd.to_datetime(obs["period"] + "-01")
    obs["efter"] = obs["period_start"] >= "2020-07-01"
    means = _hide(_weighted_means(obs), obs, frozenset({("insats", "2020-03")}))
    gone = means[means["medel"].isna()]
    assert gone[["grupp"]].values.tolist() == [["insats"]]
    assert gone["period_start"].tolist() == [pd.Timestamp("2020-03-01")]
    assert np.isfinite(means["medel"]).sum() == 23


def _project(root, *, antal: bool):
    d = root / "inputs" / "skolor"
    d.mkdir(parents=True)
    (d / "projekt.yaml").write_text(
        "projekt: Socialarbetare i skolan\ndiarienummer: KSN-2019-0100\nansvarig_nämnd: Utbildningsnämnden\n"
        "handläggare: Test Testsson\ninsatsstart: 2020-07-01\nindikatorer:\n  - id: oros\n"
        "    namn: Antal orosanmälningar\n    typ: antal\n    bättre: lägre\n    effektmål: -1\n", encoding="utf-8")
    rng = np.random.default_rng(7)
    lines = ["indikator;grupp;period;värde;enhet" + (";antal" if antal else "")]
    for grp, schools in (("insats", ("Norra", "Södra")), ("jämförelse", ("Östra", "Västra"))):
        for month in range(1, 13):
            for school in schools:
                value = 1 if (grp, month, school) == ("insats", 3, "Norra") else int(rng.integers(6, 14))
                lines.append(f"oros;{grp};2020-{month:02d};{value};{school}" + (";120" if antal else ""))
    (d / "utfall.csv").write_bytes(("\r\n".join(lines) + "\r\n").encode("cp1252"))
    return d


def test_validera_and_run_decide_with_the_same_function_and_say_the_same(tmp_path):
    project = _project(tmp_path, antal=False)
    proc = subprocess.run([sys.executable, "-m", "sif_eval", "validera", str(project)], capture_output=True,
                          text=True, cwd=ROOT, timeout=300)
    assert proc.returncode == 0, proc.stderr
    result = evaluation.analyse(load_project(project), tmp_path / "run", "2022-02-02")
    e = result.effekter[0]
    assert e.skattning is not None and "röjanderisk" not in e.descriptive()  # shown, not withheld
    assert e.descriptive()["gruppstorlek_okänd"] == 1
    said = [line.removeprefix("  Små tal: ") for line in proc.stdout.splitlines() if line.startswith("  Små tal:")]
    assert said and all(s in e.varningar for s in said)
    assert "Fyll i kolumnen antal" in proc.stdout
    assert "\u2212" in proc.stdout and " -1" not in proc.stdout  # effektmål −1 with the minus sign


def test_two_plus_two_schools_end_to_end_result_shown_and_interval_agrees(tmp_path):
    """The issue's trial: aggregate rows without antal, cp1252 semicolon CSV; the result is shown."""
    from docx import Document

    project = _project(tmp_path, antal=False)
    proc = subprocess.run([sys.executable, "-m", "sif_eval", "run", str(project), "--outputs", str(tmp_path / "out"),
                           "--rapportdatum", "2022-02-02"], capture_output=True, text=True, cwd=ROOT, timeout=600)
    assert proc.returncode == 0, proc.stderr
    run_dir = __import__("pathlib").Path(proc.stdout.strip().splitlines()[-1])
    report = Document(str(run_dir / "dokument" / "utvarderingsrapport.docx"))
    text = " ".join("\n".join(p.text for p in report.paragraphs).split())
    row = [c.text for c in report.tables[0].rows[1].cells]
    assert row[5] != "<5" and "redovisas inte" not in text  # not withheld: two schools are not two persons
    if row[3] == "\u2013":  # four schools give no interval: the documents say the evidence cannot answer
        assert "Underlaget räcker inte för att bedöma effekten." in text
        assert "rekommenderas inte" not in text
    else:
        assert f"95\u00a0%\u00a0KI\u00a0{row[3]}" in text  # the table's interval, letter for letter, in the text
    assert "Gruppstorleken är inte angiven för antal orosanmälningar" in text
