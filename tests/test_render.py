"""Rendering: escaping of user text, template checks, Word and PDF structure, same bytes."""

from __future__ import annotations

import datetime as dt
import hashlib
from pathlib import Path

import matplotlib
import pytest
from docx import Document
from pypdf import PdfReader

from sif_eval.documents import render
from sif_eval.documents.report import render_reports
from sif_eval.errors import RenderError
from sif_eval.model import Effect, ProjectResult

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

HOSTILE = "Koordinatorer {{ 7*7 }} {% raw %} <b>fet</b> #set text(red) ```{=openxml}<w:p/>``` $x$ \\LaTeX"


def _result(name: str = "Koordinatorer för ökad skolnärvaro") -> ProjectResult:
    e = Effect(indikator="hog_franvaro", design="did", skattning=-0.052, standardfel=0.011, ki_låg=-0.074,
               ki_hög=-0.030, p_värde=0.0001, n_obs=1240, n_kluster=310, se_typ="kluster",
               namn="Andel elever med hög frånvaro", typ="andel", bättre="lägre", effektmål=-0.05,
               designval="Både insats- och jämförelsegrupp finns före och efter insatsstart.",
               måluppfyllelse="kan_ej_avgöras", varningar=("Pröva antagandet om parallella trender.",),
               figur="figurer/hog_franvaro.png", figur_alt="Linjediagram över andelen elever med hög frånvaro.")
    return ProjectResult(projekt=name, diarienummer="KSN-2018-0421", slug="skolnarvaro",
                         ansvarig_nämnd="Utbildningsnämnden", handläggare="Anna Andersson",
                         insatsstart="2018-08-15", rapportdatum="2022-02-02", effekter=(e,),
                         beskrivning="Första stycket.\n\nAndra stycket.", extra=(("kommun", "Uppsala kommun"),))


def _run_dir(tmp_path: Path, name: str = "run") -> Path:
    run = tmp_path / name
    (run / "figurer").mkdir(parents=True)
    fig, ax = plt.subplots(figsize=(4, 3))
    ax.plot([1, 2, 3], [0.3, 0.25, 0.2])
    fig.savefig(run / "figurer" / "hog_franvaro.png", dpi=80, metadata={"Software": None})
    plt.close(fig)
    return run


@pytest.fixture(scope="module")
def rendered(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("r")
    run = _run_dir(tmp)
    return render_reports(_result(), run, dt.date(2022, 2, 2))[0]


def test_escape_md_makes_markup_literal():
    assert render.escape_md("a*b_c#d") == "a\\*b\\_c\\#d"
    assert render.escape_md("rad\nett\x07") == "rad ett"
    assert render.escape_md(render.Raw("**fet**")) == "**fet**"


def test_leftover_template_syntax_is_caught():
    with pytest.raises(RenderError, match="mallsyntax"):
        render.check_leftovers("Text {{ glömd }} här", "mall.md.j2")
    render.check_leftovers("Escapad \\{\\{ text \\}\\}", "mall.md.j2")


def test_docx_has_real_styles_swedish_text_and_properties(rendered):
    doc = Document(str(rendered.docx))
    headings = [p.text for p in doc.paragraphs if p.style.name == "Heading 1"]
    assert headings == ["Sammanfattning", "Behov och målgrupp", "Insatsen", "Metod", "Resultat", "Ekonomi",
                        "Slutsatser och rekommendation"]
    text = "\n".join(p.text for p in doc.paragraphs).replace("\u00a0", " ")
    assert "minskade med 5,2 procentenheter mer i insatsgruppen än i jämförelsegruppen" in text
    assert "Figur 1. Andel elever med hög frånvaro" in text
    assert doc.core_properties.language == "sv-SE"
    assert doc.core_properties.author == "Uppsala kommun"
    assert doc.core_properties.title == "Utvärderingsrapport: Koordinatorer för ökad skolnärvaro"
    results = doc.tables[0]
    assert [c.text for c in results.rows[0].cells][:3] == ["Indikator", "Design", "Skattning"]
    assert results.rows[1].cells[2].text.replace("\u00a0", " ") == "\u22125,2 p.e."
    # The same interval, the same string, as the text: "95 % KI −7,4 till −3,0"
    assert results.rows[1].cells[3].text.replace("\u00a0", " ") == "\u22127,4 till \u22123,0"
    assert "\u221295 % KI \u22127,4 till \u22123,0"[1:] in text
    xml = doc.element.xml
    assert 'descr="Linjediagram över andelen elever med hög frånvaro."' in xml
    footer = doc.sections[0].footer._element.xml
    assert "PAGE" in footer and "NUMPAGES" in footer and "Sida" in footer
    assert "TOC \\o" in xml  # a table-of-contents field Word updates itself


def test_pdf_text_metadata_and_standard(rendered):
    reader = PdfReader(str(rendered.pdf))
    text = "\n".join(page.extract_text() for page in reader.pages)
    assert "Sammanfattning" in text and "Innehåll" in text
    assert "95 % KI \u22127,4 till \u22123,0" in text.replace("\u00a0", " ")
    assert "Sida 1 (" in text
    assert reader.metadata.title == "Utvärderingsrapport: Koordinatorer för ökad skolnärvaro"
    assert reader.metadata.author == "Uppsala kommun"
    xmp = reader.pages[0].pdf.xmp_metadata
    assert xmp is not None and "pdfaid" in xmp.stream.get_data().decode("utf-8", "replace")


def test_hostile_project_name_appears_literally_in_both_formats(tmp_path):
    run = _run_dir(tmp_path)
    out = render_reports(_result(HOSTILE), run, dt.date(2022, 2, 2))[0]
    docx_text = "\n".join(p.text for p in Document(str(out.docx)).paragraphs)
    assert HOSTILE in docx_text
    assert "49" not in docx_text.split("Koordinatorer")[1][:10]
    pdf_text = " ".join(p.extract_text() for p in PdfReader(str(out.pdf)).pages)
    for piece in ("{{ 7*7 }}", "<b>fet</b>", "#set text(red)", "```{=openxml}<w:p/>```"):
        assert piece in pdf_text.replace("\n", " "), piece


def test_same_inputs_same_bytes(tmp_path):
    digests = []
    for name in ("a", "b"):
        run = _run_dir(tmp_path, name)
        out = render_reports(_result(), run, dt.date(2022, 2, 2))[0]
        digests.append((hashlib.sha256(out.docx.read_bytes()).hexdigest(),
                        hashlib.sha256(out.pdf.read_bytes()).hexdigest()))
    assert digests[0] == digests[1]


def test_result_for_a_too_small_group_is_not_shown(tmp_path):
    import dataclasses

    base = _result()
    e = base.effekter[0]
    small = dataclasses.replace(e, beskrivande=(("röjanderisk", 1), ("minsta_antal", 5)),
                                varningar=("Gruppen har färre än 5 individer: insats (färre än 5).",))
    run = _run_dir(tmp_path)
    rendered = render_reports(dataclasses.replace(base, effekter=(small,)), run, dt.date(2022, 2, 2))
    for doc in rendered:
        text = " ".join("\n".join(p.text for p in Document(str(doc.docx)).paragraphs).split())
        pdf = " ".join(" ".join(p.extract_text() for p in PdfReader(str(doc.pdf)).pages).split())
        for t in (text, pdf):
            assert "redovisas inte eftersom en grupp har färre än fem individer" in t
            assert "5,2" not in t and "3,0–7,4" not in t
    report = Document(str(rendered[0].docx))
    assert report.tables[0].rows[1].cells[5].text == "<5"
    assert "Antal under 5 redovisas inte" in "\n".join(p.text for p in report.paragraphs)
    assert 'descr="Linjediagram' not in report.element.xml  # the figure is left out
