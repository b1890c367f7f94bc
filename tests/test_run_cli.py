"""End to end through the command line: inputs → archived run with Word and PDF.

The numbers in ``resultat.json`` are checked against calculations made here
independently (pandas, scipy, statsmodels with explicit dummies).
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import nbformat
import numpy as np
import pandas as pd
import pytest
import statsmodels.formula.api as smf
from docx import Document
from pypdf import PdfReader
from scipy import stats

from sif_eval.errors import RunFailed
from sif_eval.inputs.project import load_project
from sif_eval.runs import archive
from sif_eval.runs.project import run_project
from tests.conftest import INPUTS, PROJEKT_YAML, ROOT, write_project

pytestmark = pytest.mark.integration

CONTRACT_KEYS = {"indikator", "design", "skattning", "standardfel", "ki_låg", "ki_hög", "p_värde", "n_obs",
                 "n_kluster", "se_typ"}


def sif_eval(*args: str, cwd: Path = ROOT) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "sif_eval", *args], capture_output=True, text=True, cwd=cwd,
                          timeout=600)


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    """Run every bundled example once through the CLI; tests share the results."""
    out = tmp_path_factory.mktemp("outputs")
    done = {}
    for slug in ("skolnarvaro", "sofiamodellen", "supported-education"):
        proc = sif_eval("run", str(INPUTS / slug), "--outputs", str(out), "--rapportdatum", "2022-02-02")
        assert proc.returncode == 0, proc.stderr
        run_dir = Path(proc.stdout.strip().splitlines()[-1])
        assert run_dir.parent == out / slug
        done[slug] = run_dir
    return done


def result(run_dir: Path) -> dict:
    return json.loads((run_dir / "resultat.json").read_text(encoding="utf-8"))


def effect(run_dir: Path, ind: str) -> dict:
    return next(e for e in result(run_dir)["effekter"] if e["indikator"] == ind)


def docx_text(path: Path) -> str:
    doc = Document(str(path))
    parts = [p.text for p in doc.paragraphs]
    parts += [c.text for t in doc.tables for r in t.rows for c in r.cells]
    return " ".join("\n".join(parts).split())


def pdf_text(path: Path) -> str:
    return " ".join("\n".join(p.extract_text() for p in PdfReader(str(path)).pages).split())


@pytest.mark.parametrize("slug", ["skolnarvaro", "sofiamodellen", "supported-education"])
def test_run_folder_is_complete(runs, slug):
    run_dir = runs[slug]
    manifest = archive.read_manifest(run_dir)
    assert manifest["status"] == "klar" and manifest["fel"] is None
    assert manifest["renderare"].startswith("inbyggd")
    assert manifest["parametrar"]["rapportdatum"] == "2022-02-02"
    for rel, digest in manifest["indata"].items():
        assert archive.sha256(run_dir / rel) == digest
    assert (run_dir / "indata" / "projekt.yaml").read_bytes() == (INPUTS / slug / "projekt.yaml").read_bytes()
    for rel in ("resultat.json", "effektutvardering.ipynb", "dokument/utvarderingsrapport.docx",
                "dokument/utvarderingsrapport.pdf"):
        assert rel in manifest["utdata"], rel
    nb = nbformat.read(run_dir / "effektutvardering.ipynb", as_version=4)
    assert nb.metadata["papermill"]["parameters"]["rapportdatum"] == "2022-02-02"
    res = result(run_dir)
    loaded = load_project(INPUTS / slug)
    assert [e["indikator"] for e in res["effekter"]] == [i.id for i in loaded.project.indikatorer]
    for e in res["effekter"]:
        assert CONTRACT_KEYS <= set(e)
        assert (run_dir / e["figur"]).is_file() and e["figur_alt"]
    assert res["projekt"] == loaded.project.projekt and res["diarienummer"] == loaded.project.diarienummer


def test_paired_before_after_equals_mean_of_differences(runs):
    raw = pd.read_csv(INPUTS / "supported-education" / "utfall.csv", sep=";", decimal=",", encoding="cp1252")
    sub = raw[raw["indikator"] == "studietid"].copy()
    sub["efter"] = pd.to_datetime(sub["period"]) >= pd.Timestamp("2017-10-01")
    wide = sub.pivot_table(index="enhet", columns="efter", values="värde")
    diff = wide[True] - wide[False]
    n = len(diff)
    half = stats.t.ppf(0.975, n - 1) * diff.std(ddof=1) / np.sqrt(n)
    e = effect(runs["supported-education"], "studietid")
    assert e["design"] == "före_efter"
    assert e["skattning"] == pytest.approx(diff.mean(), abs=1e-12)
    assert e["ki_låg"] == pytest.approx(diff.mean() - half, rel=1e-9)
    assert e["ki_hög"] == pytest.approx(diff.mean() + half, rel=1e-9)
    assert e["n_obs"] == 2 * n


def test_did_matches_dummy_variable_regression_with_clustered_errors(runs):
    raw = pd.read_csv(INPUTS / "skolnarvaro" / "utfall.csv", sep=";", decimal=",")
    sub = raw[raw["indikator"] == "hog_franvaro"].copy()
    sub["efter"] = (pd.to_datetime(sub["period"]) >= pd.Timestamp("2018-08-01")).astype(int)
    sub["treat"] = ((sub["grupp"] == "insats") & (sub["efter"] == 1)).astype(int)
    fit = smf.ols("värde ~ treat + C(enhet) + C(period)", data=sub).fit(
        cov_type="cluster", cov_kwds={"groups": pd.factorize(sub["enhet"])[0]})
    e = effect(runs["skolnarvaro"], "hog_franvaro")
    assert e["design"] == "did" and e["se_typ"] == "kluster"
    assert e["n_kluster"] == sub["enhet"].nunique()
    assert e["n_obs"] == len(sub)
    assert e["skattning"] == pytest.approx(fit.params["treat"], abs=1e-10)
    # Unit fixed effects nested in the clusters are not counted in the small-sample correction (as
    # Stata's reghdfe does); statsmodels' dummy model counts all of them. Convert and compare exactly.
    n, k, g = len(sub), int(fit.df_model) + 1, sub["enhet"].nunique()
    expected = fit.bse["treat"] * np.sqrt((n - k) / (n - (k - g + 1)))
    assert e["standardfel"] == pytest.approx(expected, rel=1e-9)


def test_its_on_monthly_series(runs):
    e = effect(runs["sofiamodellen"], "placeringar")
    assert e["design"] == "its" and e["se_typ"] == "hac"
    assert e["ki_låg"] < -3 < e["ki_hög"]  # the synthetic data's true level change is -3
    assert e["skattning"] < 0


def test_documents_carry_the_numbers(runs):
    run_dir = runs["skolnarvaro"]
    e = effect(run_dir, "hog_franvaro")
    pe = f"{abs(e['skattning']) * 100:.1f}".replace(".", ",")
    for text in (docx_text(run_dir / "dokument" / "utvarderingsrapport.docx"),
                 pdf_text(run_dir / "dokument" / "utvarderingsrapport.pdf")):
        assert "Utvärderingsrapport: Koordinatorer för ökad skolnärvaro" in text
        assert "KSN-2018-0421" in text
        assert f"minskade med {pe} procentenheter mer i insatsgruppen än i jämförelsegruppen" in text
        assert "Skillnad-i-skillnader" in text
    doc = Document(str(run_dir / "dokument" / "utvarderingsrapport.docx"))
    assert [p.text for p in doc.paragraphs if p.style.name == "Heading 1"][0] == "Sammanfattning"


def _outputs_listing(out: Path) -> list[Path]:
    return sorted(p for p in out.rglob("*")) if out.exists() else []


@pytest.mark.parametrize("csv,row,column,phrase", [
    ("indikator;grupp;period\nind1;insats;2019\nind1;insats;2020\n", 1, "värde", "kolumnen 'värde' saknas"),
    ("indikator;grupp;period;värde\nind1;insats;2019;0,3\nokand;insats;2020;0,2\n", 3, "indikator", "finns inte i projekt.yaml"),
    ("indikator;grupp;period;värde\nind1;insats;2019;0,3\nind1;insats;2020;hög\n", 3, "värde", "'hög' är inget tal"),
])
def test_bad_input_exit_2_swedish_message_and_nothing_written(tmp_path, csv, row, column, phrase):
    project = write_project(tmp_path / "inputs", csv)
    out = tmp_path / "outputs"
    proc = sif_eval("run", str(project), "--outputs", str(out))
    assert proc.returncode == 2
    assert f"utfall.csv, rad {row}, kolumn '{column}'" in proc.stderr
    assert phrase in proc.stderr and "Traceback" not in proc.stderr
    assert proc.stdout == ""
    assert not (out / "test").exists()


def test_validera_reports_design_choice():
    proc = sif_eval("validera", str(INPUTS / "skolnarvaro"))
    assert proc.returncode == 0, proc.stderr
    assert "hog_franvaro" in proc.stdout and "design did" in proc.stdout


def test_failed_notebook_marks_run_failed_and_keeps_notebook(tmp_path):
    project = write_project(tmp_path / "inputs", "indikator;grupp;period;värde\nind1;insats;2019;0,3\nind1;insats;2020;0,2\n",
                            projekt=PROJEKT_YAML)
    nb = nbformat.v4.new_notebook()
    params = nbformat.v4.new_code_cell('projektmapp = ""\nutdatamapp = ""\nrapportdatum = ""')
    params.metadata["tags"] = ["parameters"]
    nb.cells = [params, nbformat.v4.new_code_cell("raise ValueError('avsiktligt fel')")]
    broken = tmp_path / "trasig.ipynb"
    nbformat.write(nb, broken)
    earlier = tmp_path / "outputs" / "test" / "20000101T000000"
    earlier.mkdir(parents=True)
    (earlier / "manifest.json").write_text('{"status": "klar"}', encoding="utf-8")
    with pytest.raises(RunFailed) as exc:
        run_project(project, tmp_path / "outputs", "2022-02-02", notebook=broken)
    run_dir = Path(exc.value.run_dir)
    manifest = archive.read_manifest(run_dir)
    assert manifest["status"] == "misslyckad"
    assert "avsiktligt fel" in manifest["fel"]
    executed = nbformat.read(run_dir / "effektutvardering.ipynb", as_version=4)
    assert any(o.get("ename") == "ValueError" for c in executed.cells if c.cell_type == "code" for o in c.get("outputs", []))
    assert not (run_dir / "resultat.json").exists()
    assert (earlier / "manifest.json").read_text(encoding="utf-8") == '{"status": "klar"}'


def test_board_paper_sections_clauses_and_header(runs):
    run_dir = runs["skolnarvaro"]
    doc = Document(str(run_dir / "dokument" / "tjansteskrivelse.docx"))
    headings = [p.text for p in doc.paragraphs if p.style.name == "Heading 1"]
    assert headings == ["Förslag till beslut", "Sammanfattning", "Ärendet", "Beredning", "Föredragning",
                        "Ekonomiska konsekvenser", "Beslutsunderlag", "Beslutet skickas till"]
    title = [p.text for p in doc.paragraphs if p.style.name == "Title"]
    assert title == ["Utvärdering av Koordinatorer för ökad skolnärvaro"]
    header = {r.cells[0].text: r.cells[1].text for r in doc.tables[0].rows}
    assert header == {"Datum:": "2022-02-02", "Diarienummer:": "KSN-2018-0421", "Handläggare:": "Anna Andersson"}
    paras = [p.text for p in doc.paragraphs]
    clauses = [t for t in paras if t.startswith("att ")]
    assert clauses[0] == "att godkänna utvärderingen av Koordinatorer för ökad skolnärvaro enligt ärendets bilaga 1,"
    assert "Kommunstyrelsen beslutar" in paras
    assert "Tjänsteskrivelse daterad 2 februari 2022" in paras
    assert "Karin Exempelsson\nStadsdirektör" in paras
    assert paras[-2:] == ["Utbildningsnämnden", "Kommunledningskontoret"]
    assert doc.core_properties.title == "Utvärdering av Koordinatorer för ökad skolnärvaro"
    text = pdf_text(run_dir / "dokument" / "tjansteskrivelse.pdf")
    assert "Tjänsteskrivelse till kommunstyrelsen" in text and "1. att godkänna utvärderingen" in text
    assert text.index("Förslag till beslut") < text.index("Sammanfattning") < text.index("Beslutet skickas till")


def test_economics_in_result_and_documents(runs):
    run_dir = runs["skolnarvaro"]
    res = result(run_dir)
    k = res["kalkyl"]
    for key in ("kostnad_kr", "nytta_nuvärde_kr", "nettonuvärde_kr", "nytta_per_krona", "återbetalningstid_år",
                "sannolikhet_lönsam", "återföring"):
        assert key in k, key
    assert k["nettonuvärde_kr"] == pytest.approx(k["nytta_nuvärde_kr"] - k["kostnad_nuvärde_kr"], abs=0.02)
    assert (run_dir / k["figur_kumulativ"]).is_file() and (run_dir / k["figur_tornado"]).is_file()
    assert res["ekonomi"]["utfall_kr"] == 690000 + 1812000
    from sif_eval import swedish as sv

    npv = " ".join(sv.kronor(k["nettonuvärde_kr"]).split())
    report = docx_text(run_dir / "dokument" / "utvarderingsrapport.docx")
    assert f"ett nettonuvärde på {npv}" in report
    assert "Projektet har använt 2 502 000 kronor av budgeterade 2 550 000 kronor" in report
    assert "Återföring till fonden" in report and "Utbetalningsplan" in report
    board = docx_text(run_dir / "dokument" / "tjansteskrivelse.docx")
    assert f"ett nettonuvärde på {npv}" in board


def test_event_study_figure_for_panel_did(runs):
    run_dir = runs["skolnarvaro"]
    e = effect(run_dir, "hog_franvaro")
    assert (run_dir / e["figur_händelsestudie"]).is_file()
    assert "p = " in e["figur_händelsestudie_alt"]
    assert 0 <= e["beskrivande"]["pretrend_p"] <= 1
    report = docx_text(run_dir / "dokument" / "utvarderingsrapport.docx")
    assert "Händelsestudie: Andel elever med hög frånvaro" in report
    assert effect(runs["sofiamodellen"], "placeringar")["figur_händelsestudie"] is None


# ---------------------------------------------------------------- economics a board can act on (issue 15)


EXAMPLES_WITH_KALKYL = ("skolnarvaro", "sofiamodellen", "supported-education")


def _kr(text: str) -> float:
    return float(text.replace("\u2212", "-").replace(" ", "").replace(",", "."))


@pytest.mark.parametrize("slug", EXAMPLES_WITH_KALKYL)
def test_economics_sentences_agree_with_the_result(runs, slug):
    """Every economics sentence of the rendered report, read back, agrees in direction and sign with resultat.json."""
    import re

    k = result(runs[slug])["kalkyl"]
    report = docx_text(runs[slug] / "dokument" / "utvarderingsrapport.docx").replace("\u00a0", " ")
    npv = _kr(re.search(r"ett nettonuvärde på (−?-?[\d ]+) kronor", report).group(1))
    assert npv == pytest.approx(k["nettonuvärde_kr"], abs=1) and (npv > 0) == (k["nettonuvärde_kr"] > 0)
    if k["återbetalningsår"] is None:
        assert "Inom kalkylperioden täcker nyttan inte kostnaderna." in report
    else:
        assert f"Från och med år {k['återbetalningsår']} täcker den diskonterade nyttan" in report
    found = 0
    for b in k["brytpunkter"]:
        m = re.search(re.escape(b["nyttopost"]) + r": kalkylen går jämnt upp (om|även om|utan) ?(\w+)? ?(minskar|ökar|är)?"
                      r"[^.]*\. (Den \w+ \w+) \(([^)]*)\) (räcker inte|räcker), och nettonuvärdet är (positivt|negativt)",
                      report)
        assert m, b["nyttopost"]
        found += 1
        if b["indikator"]:
            verb = m.group(3)
            # the break-even's direction: the indicator's change at the break-even
            assert verb == ("minskar" if b["effekt"] < 0 else "ökar") or m.group(1) != "om"
            shown = m.group(5)
            assert ("minskning" in shown) == (b["skattad_effekt"] < 0) or shown == "ingen förändring"
        enough = m.group(6) == "räcker"
        assert enough == (b["skattad_förbättring"] >= b["förbättring"])
        assert (m.group(7) == "positivt") == (k["nettonuvärde_kr"] > 0)
        # one benefit, or all benefits agreeing: the verdict and the net present value must not contradict
        if len(k["brytpunkter"]) == 1:
            assert enough == (k["nettonuvärde_kr"] >= 0)
    assert found == len(k["brytpunkter"]) > 0
    mc = k["monte_carlo"]
    if mc["varierade_parametrar"]:
        p = re.search(r"Sannolikheten att nyttan överstiger kostnaderna är (\d+) procent", report).group(1)
        assert int(p) == round(100 * mc["sannolikhet_lönsam"])
        assert "hålls fasta" in report
    if any(p["design"] == "före_efter" for p in k["antaganden"]["nyttoposter"]):
        assert "Det är en förändring, inte en effekt" in report


@pytest.mark.parametrize("slug", EXAMPLES_WITH_KALKYL)
def test_assumption_tables_say_where_each_parameter_came_from(runs, slug):
    doc = Document(str(runs[slug] / "dokument" / "utvarderingsrapport.docx"))
    table = next(t for t in doc.tables if t.rows[0].cells[0].text == "Antagande")
    assert [c.text for c in table.rows[0].cells] == ["Antagande", "Värde", "Källa", "Kommentar"]
    rows = {r.cells[0].text: (r.cells[1].text, r.cells[2].text) for r in table.rows[1:]}
    origins = ("angiven i kalkylen", "standardvärde", "satt av designen", "skattad", "enhetskostnader.csv")
    assert all(src.startswith(origins) for _, src in rows.values()), rows
    k = result(runs[slug])["kalkyl"]
    assert len(rows) == len(k["antagandetabell"])
    design = {"skolnarvaro": "skillnad-i-skillnader", "sofiamodellen": "avbruten tidsserie"}.get(slug)
    dödvikt = [src for name, (_, src) in rows.items() if name.startswith("Dödvikt")]
    if design:  # the stated deadweight is not applied on top of a counterfactual
        assert f"satt av designen ({design})" in dödvikt
    else:
        assert dödvikt == ["angiven i kalkylen"]


def test_interval_including_zero_gives_a_conservative_repayment_of_zero_beside_the_point_plan(runs):
    res = result(runs["sofiamodellen"])
    e, k = res["effekter"][0], res["kalkyl"]
    assert e["ki_låg"] < 0 < e["ki_hög"]
    assert k["återföring_försiktig"] == [] and k["återföring"] == [] and k["återföringsgrund"] == "försiktig"
    point = sum(r["belopp_kr"] for r in k["återföring_skattning"])
    assert point > 0
    board = Document(str(runs["sofiamodellen"] / "dokument" / "tjansteskrivelse.docx"))
    text = " ".join(p.text for p in board.paragraphs).replace("\u00a0", " ")
    assert "Förvaltningen föreslår återföring enligt den försiktiga planen, 0 kronor" in text
    from sif_eval import swedish as sv

    assert f"Med punktskattningen skulle återföringen bli {sv.kronor(point)}".replace("\u00a0", " ") in text
    assert any(p.text.startswith("att notera att den försiktiga planen inte ger någon återföring")
               for p in board.paragraphs)
    plan = next(t for t in board.tables if t.rows[0].cells[0].text == "Nämnd")
    assert [c.text for c in plan.rows[0].cells] == ["Nämnd", "År", "Försiktig plan", "Punktskattning"]
    assert plan.rows[-1].cells[2].text.replace("\u00a0", " ") == "0 kronor"


PAYBACK_KALKYL = """\
basår: 2019
horisont_år: 6
kostnader: {2019: 500000, 2021: 2000000}
nyttoposter:
  - namn: Besparing
    antagen_effekt: 1
    enhetskostnad: 600000
    bärare: Utbildningsnämnden
    start_år: 2019
"""


def test_payback_case_through_run(tmp_path):
    import shutil

    project = tmp_path / "inputs" / "skolnarvaro"
    shutil.copytree(INPUTS / "skolnarvaro", project)
    for name in ("enhetskostnader.csv", "kpi.csv"):
        shutil.copyfile(INPUTS / name, tmp_path / "inputs" / name)
    (project / "kalkyl.yaml").write_text(PAYBACK_KALKYL, encoding="utf-8")
    proc = sif_eval("run", str(project), "--outputs", str(tmp_path / "out"), "--rapportdatum", "2022-02-02")
    assert proc.returncode == 0, proc.stderr
    run_dir = Path(proc.stdout.strip().splitlines()[-1])
    assert result(run_dir)["kalkyl"]["återbetalningsår"] == 2023  # not 2019, the first (lost) crossing
    report = docx_text(run_dir / "dokument" / "utvarderingsrapport.docx")
    assert "Från och med år 2023 täcker den diskonterade nyttan" in report.replace("\u00a0", " ")
