"""``sif-eval run`` on the two examples of issue 17: the report shows the design, its figure, its inference
and its caveats (read back from the Word file and the PDF)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from docx import Document
from pypdf import PdfReader

from sif_eval import swedish as sv
from tests.conftest import INPUTS, ROOT

pytestmark = pytest.mark.integration
SLUGS = ("socialarbetare-i-skolan", "gottsunda")


@pytest.fixture(scope="module")
def runs(tmp_path_factory) -> dict[str, Path]:
    out = tmp_path_factory.mktemp("outputs")
    done = {}
    for slug in SLUGS:
        proc = subprocess.run([sys.executable, "-m", "sif_eval", "run", str(INPUTS / slug), "--outputs", str(out),
                               "--rapportdatum", "2023-03-01"], capture_output=True, text=True, cwd=ROOT, timeout=600)
        assert proc.returncode == 0, proc.stderr
        done[slug] = Path(proc.stdout.strip().splitlines()[-1])
    return done


def _effect(run_dir: Path) -> dict:
    return json.loads((run_dir / "resultat.json").read_text(encoding="utf-8"))["effekter"][0]


def _docx(run_dir: Path) -> tuple[str, list[str]]:
    doc = Document(str(run_dir / "dokument" / "utvarderingsrapport.docx"))
    parts = [p.text for p in doc.paragraphs] + [c.text for t in doc.tables for r in t.rows for c in r.cells]
    alts = [el.get("descr") for el in doc.element.body.iter() if el.tag.endswith("}docPr")]
    return " ".join("\n".join(parts).split()), alts


def _n(s: str) -> str:
    """As the document text is read: every run of whitespace (non-breaking spaces too) as one space."""
    return " ".join(s.split())


def _pdf(run_dir: Path) -> str:
    reader = PdfReader(str(run_dir / "dokument" / "utvarderingsrapport.pdf"))
    text = " ".join("\n".join(p.extract_text() for p in reader.pages).split())
    return text.replace("\u2212", "-")  # Typst may set a leading hyphen-minus as a minus sign


def test_staggered_report(runs):
    run_dir = runs["socialarbetare-i-skolan"]
    e = _effect(run_dir)
    assert e["design"] == "stegvis" and e["se_typ"] == "kluster" and len(e["kohorter"]) == 4
    text, alts = _docx(run_dir)
    pdf = _pdf(run_dir)
    for body in (text, pdf):
        assert "Stegvis införande" in body
        assert "Callaway och Sant'Anna" in body or "Callaway och Sant’Anna" in body
    # the inference: the estimate and its interval in procentenheter, as Table 1 writes them
    low, high = sv.decimal(100 * e["ki_låg"], 1), sv.decimal(100 * e["ki_hög"], 1)
    assert _n(f"{low}\u00a0till\u00a0{high}") in text
    assert _n(f"{sv.decimal(100 * e['skattning'], 1)}\u00a0p.e.").replace("\u2212", "-") in pdf
    # which units carry it: one row per start in the cohort table
    assert "Effekt per starttid" in text
    for start in ("2019-08", "2020-01", "2020-08", "2021-01"):
        assert start in text
    # the TWFE benchmark with its plain-Swedish note
    twfe = sv.decimal(100 * e["beskrivande"]["twfe"], 1)
    assert _n(f"(TWFE) {twfe}\u00a0p.e.") in text
    assert "använder då enheter som redan har insatsen som jämförelse" in text
    # the figure: event time, with an alt text from the same numbers
    assert (run_dir / e["figur"]).is_file()
    assert any(a and "efter antal perioder sedan varje enhets egen start" in a for a in alts)
    # the caveats
    assert "Att tänka på" in text and "utvecklats parallellt" in text


def test_synthetic_report(runs):
    run_dir = runs["gottsunda"]
    e = _effect(run_dir)
    assert e["design"] == "syntetisk" and e["standardfel"] is None and e["ki_låg"] is None
    assert e["p_värde"] == pytest.approx(1 / 15)
    text, alts = _docx(run_dir)
    pdf = _pdf(run_dir)
    for body in (text, pdf):
        assert "Syntetisk kontroll" in body and "placebotest" in body
    assert e["inferens"] == "placebo" and e["permutationer"] == 14 and e["permutationer_exakta"] is True
    assert e["n_behandlade"] == 1 and e["n_jämförelse"] == 14
    assert _n("Osäkerheten bygger på placebo i rummet: varje jämförelseenhet i tur och ordning som låtsad "
              "insatsenhet (14 placebon).") in _n(text)
    # no interval, so the target cannot be judged, and the sentence does not pretend there is one
    assert e["måluppfyllelse"] == "kan_ej_avgöras"
    assert "syntetisk kontroll ger inget konfidensintervall att jämföra målet med" in text
    assert "utifrån konfidensintervallet" not in text
    assert _n(sv.p_value(e["p_värde"])) in text  # p = 0,067
    assert "1 av 15 enheter" in text and "inte statistiskt säkerställd" in text
    # the donor weights table: the largest donor with its weight in percent
    top = max(e["donatorvikter"], key=lambda w: w["vikt"])
    assert "Vikter i den syntetiska kontrollen" in text
    assert _n(f"{top['enhet']} {sv.percent(top['vikt'], 1, word=False)}") in text
    assert "Resultatet gäller bara Gottsunda" in text
    # figure and caveats
    assert (run_dir / e["figur"]).is_file()
    assert any(a and "placebotest" in a and "Gottsunda" in a for a in alts)
    assert "kan placebotestets p-värde inte bli lägre än 1/15" in text
    assert "inget konfidensintervall" in text
