"""The benchmark harness in miniature: it must run and write its files, whatever the times are.

``benchmarks/run.py --quick`` measures job 2 (one document) and job 4 (a
500-row DiD panel against statsmodels' dummies) once each; no assertion is
made on the times, only that every number the report needs is there and
positive.  LibreOffice is left out to keep this fast (the office tests cover it).
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_quick_benchmark_writes_results(tmp_path: Path) -> None:
    proc = subprocess.run([sys.executable, str(ROOT / "benchmarks" / "run.py"), "--quick", "--jobs", "2,4",
                           "--no-office", "--out", str(tmp_path)], capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr[-2000:]
    data = json.loads((tmp_path / "results.json").read_text(encoding="utf-8"))
    markdown = (tmp_path / "results.md").read_text(encoding="utf-8")

    assert {"maskin", "belastning", "versioner", "jobb", "mål", "snabb"} <= set(data)
    assert data["snabb"] is True
    assert data["maskin"]["kärnor"] >= 1 and data["maskin"]["python"]
    assert set(data["jobb"]) == {"2", "4"}

    document = data["jobb"]["2"]
    assert document["sif_eval"]["median_s"] > 0 and document["sif_eval"]["peak_mb"] > 0
    assert document["båda_dokumenten_s"] > 0
    assert set(document["steg_s"]) == {"pandoc → docx", "pandoc → typst", "typst → pdf", "docx-efterbehandling"}

    panel = data["jobb"]["4"]
    size = panel["storlekar"][0]
    assert size["median_s"] > 0 and size["peak_mb"] > 0 and size["rader"] == 500
    reached = panel["största_statsmodels"]
    assert reached["statsmodels"]["median_s"] > 0 and reached["kvot"] > 0
    assert reached["skillnad_skattning"] < 1e-8  # both ways fit the same model
    assert abs(reached["standardfel_statsmodels"] - reached["standardfel_sif_eval_areg"]) < 1e-8

    targets = {t["id"]: t for t in data["mål"]}
    assert set(targets) == {"projekt", "dokument", "batch", "batch_skalning", "panel_tid", "panel_minne"}
    assert targets["dokument"]["uppmätt"] > 0 and targets["dokument"]["uppfyllt"] in (True, False)
    assert targets["projekt"]["uppfyllt"] is None  # job 1 was not run

    for heading in ("## Dator / machine", "## Mål / targets", "| Mål / target | Uppmätt / measured | Uppfyllt? / met? |",
                    "## 4. Skillnad-i-skillnader"):
        assert heading in markdown
