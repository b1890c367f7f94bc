"""evaluation.analyse: what the notebook calls, without a kernel."""

from __future__ import annotations

import json

from sif_eval.inputs.project import load_project
from sif_eval.runs import evaluation
from tests.conftest import PROJEKT_YAML, write_project


def test_small_group_is_flagged_for_public_documents(tmp_path):
    rows = ["indikator;grupp;period;värde;enhet"]
    for unit, before, after in (("A", 1, 0), ("B", 1, 1), ("C", 0, 0)):  # three pupils (0/1): fewer than five
        rows += [f"ind1;insats;2019;{before};{unit}", f"ind1;insats;2020;{after};{unit}"]
    project = write_project(tmp_path / "inputs", "\n".join(rows) + "\n", projekt=PROJEKT_YAML)
    (tmp_path / "inputs" / "kommun.yaml").write_text("kommun: Testkommun\nminsta_antal: 5\n", encoding="utf-8")
    result = evaluation.analyse(load_project(project), tmp_path / "run", "2022-02-02")
    e = result.effekter[0]
    assert e.descriptive()["röjanderisk"] == 1 and e.descriptive()["minsta_antal"] == 5
    assert any("insatsgruppen (färre än fem individer)" in w for w in e.varningar)
    saved = json.loads((tmp_path / "run" / "resultat.json").read_text(encoding="utf-8"))
    assert saved["effekter"][0]["skattning"] is not None  # the internal result keeps the numbers


def test_large_enough_groups_are_not_flagged(tmp_path):
    rows = ["indikator;grupp;period;värde;enhet"]
    for unit in "ABCDEFG":
        rows += [f"ind1;insats;2019;0,5;{unit}", f"ind1;insats;2020;0,25;{unit}"]
    project = write_project(tmp_path / "inputs", "\n".join(rows) + "\n", projekt=PROJEKT_YAML)
    result = evaluation.analyse(load_project(project), tmp_path / "run", "2022-02-02")
    assert "röjanderisk" not in result.effekter[0].descriptive()
    assert result.effekter[0].skattning == -0.25
