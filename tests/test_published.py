"""Published textbook results reproduced through the public interface.

Each data set is written as a project folder in the input contract and run
with ``sif-eval run``; the estimate is read back from ``resultat.json``.
Wooldridge, Introductory Econometrics, Examples 13.3 and 13.4.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from tests.conftest import ROOT

pytestmark = pytest.mark.integration
DATA = Path(__file__).parent / "data"


def _project(folder: Path, name: str, start: str, ind_id: str, ind_name: str, df: pd.DataFrame) -> Path:
    folder.mkdir(parents=True)
    (folder / "projekt.yaml").write_text(
        f"projekt: {name}\ndiarienummer: TEST-0001\nansvarig_nämnd: Testnämnden\nhandläggare: Test\n"
        f"insatsstart: {start}\nindikatorer:\n  - id: {ind_id}\n    namn: {ind_name}\n    typ: medelvärde\n"
        "    bättre: högre\n    design: did\n", encoding="utf-8")
    df.to_csv(folder / "utfall.csv", sep=";", index=False, decimal=",")
    return folder


def _run(project: Path, out: Path) -> dict:
    proc = subprocess.run([sys.executable, "-m", "sif_eval", "run", str(project), "--outputs", str(out),
                           "--rapportdatum", "2024-01-01"], capture_output=True, text=True, cwd=ROOT, timeout=600)
    assert proc.returncode == 0, proc.stderr
    run_dir = Path(proc.stdout.strip().splitlines()[-1])
    return json.loads((run_dir / "resultat.json").read_text(encoding="utf-8"))["effekter"][0]


def test_wooldridge_13_3_incinerator_house_prices(tmp_path):
    k = pd.read_csv(DATA / "wooldridge_kielmc.csv")
    df = pd.DataFrame({"indikator": "pris", "grupp": k["nearinc"].map({1: "insats", 0: "jämförelse"}),
                       "period": k["year"].astype(str), "värde": k["rprice"]})
    e = _run(_project(tmp_path / "in" / "kielmc", "Förbränningsanläggningen i North Andover", "1979-01-01",
                      "pris", "Medelvärde för huspris (1978 års dollar)", df), tmp_path / "out")
    assert e["design"] == "did"
    assert round(e["skattning"], 1) == -11863.9
    assert e["n_obs"] == 321
    assert e["beskrivande"]["standardfel_klassiskt"] == pytest.approx(7456.6, abs=0.1)


def test_wooldridge_13_4_workers_compensation(tmp_path):
    i = pd.read_csv(DATA / "wooldridge_injury_ky.csv")
    df = pd.DataFrame({"indikator": "ldurat", "grupp": i["highearn"].map({1: "insats", 0: "jämförelse"}),
                       "period": i["afchnge"].map({0: "1979", 1: "1981"}), "värde": i["ldurat"]})
    e = _run(_project(tmp_path / "in" / "injury", "Höjt tak för ersättning i Kentucky", "1980-07-15",
                      "ldurat", "Medelvärde för log(veckor med ersättning)", df), tmp_path / "out")
    assert round(e["skattning"], 3) == 0.191
    assert e["beskrivande"]["standardfel_klassiskt"] == pytest.approx(0.069, abs=0.0005)
    assert e["n_obs"] == 5626
