"""The återrapportering of Uppsala's statsbidrag 2021, laid beside the real one (seed 004)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from docx import Document

from tests.conftest import INPUTS, ROOT
from tests.test_run_cli import pdf_text

pytestmark = pytest.mark.integration
SLUG = "uppsala-statsbidrag-2021"


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("out")
    proc = subprocess.run([sys.executable, "-m", "sif_eval", "run", str(INPUTS / SLUG), "--outputs", str(out),
                           "--rapportdatum", "2022-02-02"], capture_output=True, text=True, cwd=ROOT, timeout=600)
    assert proc.returncode == 0, proc.stderr
    return Path(proc.stdout.strip().splitlines()[-1])


def _norm(text: str) -> str:
    return " ".join(text.split())


def test_money_matches_the_seed_and_inconsistency_is_flagged(run_dir):
    res = json.loads((run_dir / "resultat.json").read_text(encoding="utf-8"))
    eko = res["ekonomi"]
    assert eko["utfall_kr"] == 7_287_841
    assert eko["mottaget_kr"] == 8_052_000
    assert eko["att_återbetala_kr"] == 764_159
    assert {t["nämnd"]: t["utfall_kr"] for t in eko["per_nämnd"]} == {"Arbetsmarknadsnämnden": 1_432_841,
                                                                      "Socialnämnden": 5_855_000}
    assert any("8\u00a0005\u00a0000" in w and "8\u00a0052\u00a0000" in w for w in eko["varningar"])
    assert res["effekter"] == [] and res["rapporttyp"] == "återrapportering"


def test_funder_report_sections_in_the_seeds_order(run_dir):
    doc = Document(str(run_dir / "dokument" / "aterrapportering.docx"))
    h1 = [p.text for p in doc.paragraphs if p.style.name == "Heading 1"]
    assert h1[:3] == ["Bakgrund", "Övergripande slutsatser", "Avvikelser i underlaget"]
    assert h1[3] == "Socialarbetare i skolan – mellanstadiet" and h1[-1] == "Sammanställning"
    assert len(h1) == 3 + 10 + 1
    h2 = [p.text for p in doc.paragraphs if p.style.name == "Heading 2"][:4]
    assert h2 == ["Beskrivning", "Budget och ekonomiskt utfall", "Resultat och bedömd effekt", "Fortsättning av insats"]
    text = _norm("\n".join(p.text for p in doc.paragraphs))
    assert ("Uppsala kommun har använt 7 287 841 kronor av de rekvirerade medlen (8 052 000 kronor) för insatser i "
            "Gottsunda.") in text
    assert "En summa om 764 159 kronor har inte använts som planerats och återbetalas till Socialstyrelsen." in text
    assert "Budgeterat belopp: 440 tkr Utfall: 440 tkr Kommentar: En socialarbetare juni–december 2021" in text
    assert "Budgeterat belopp: 2 400 tkr" in text
    per_insats, totals = doc.tables[-2], doc.tables[-1]
    assert [c.text for c in per_insats.rows[1].cells] == ["Socialarbetare i skolan – mellanstadiet", "Socialnämnden",
                                                           "440\u00a0tkr", "440\u00a0tkr"]
    rows = {r.cells[0].text: r.cells[1].text.replace("\u00a0", " ") for r in totals.rows[1:]}
    assert rows["Rekvirerat"] == "8 052 000 kronor" and rows["Använt"] == "7 287 841 kronor"
    assert rows["varav arbetsmarknadsnämnden"] == "1 432 841 kronor"
    assert rows["Att återbetala till Socialstyrelsen"] == "764 159 kronor"
    pdf = pdf_text(run_dir / "dokument" / "aterrapportering.pdf")
    assert "8 005 000 kronor" in pdf and "764 159 kronor" in pdf


def test_board_paper_for_the_report(run_dir):
    doc = Document(str(run_dir / "dokument" / "tjansteskrivelse.docx"))
    paras = [p.text for p in doc.paragraphs]
    assert "att godkänna föreslagen återrapportering statsbidrag från Socialstyrelsen 2021 enligt ärendets bilaga 1." in paras
    text = _norm("\n".join(paras))
    assert "Medlen har använts av" in text and "arbetsmarknadsnämnden (1 432 841 kronor)" in text
    assert "Uppföljning av respektive insats (10 insatser) redovisas i bilaga 1." in text
    assert "Bilaga 1, Återrapportering statsbidrag från Socialstyrelsen 2021" in paras
    assert "utifrån kommunstyrelsens beslut 12 maj 2021" in text
