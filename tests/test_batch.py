"""The yearly batch: every project in parallel, reuse of unchanged projects, the fund ledger and the
consolidated documents.

The heavy tests run the real batch (Papermill, pandoc, Typst) on copies of the bundled examples plus one
broken project, in temporary folders; nothing is written into the repository's inputs/ or outputs/.
"""

from __future__ import annotations

import json
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from docx import Document
from pypdf import PdfReader

from sif_eval.errors import InputError, RunFailed
from sif_eval.figures.consolidated import plot_forest
from sif_eval.inputs.fund import load_ledger
from sif_eval.model import Municipality
from sif_eval.runs import archive
from sif_eval.runs.batch import Task, code_version, find_projects, reusable_run, run_batch, run_task
from sif_eval.runs.consolidated import Material, ProjectRun, build, load_material
from tests.conftest import INPUTS, ROOT

EXAMPLES = ("skolnarvaro", "sofiamodellen", "supported-education")
REPORT_DATE = "2021-03-15"
BROKEN_YAML = """\
projekt: Trasigt projekt
diarienummer: KSN-2020-0099
ansvarig_nämnd: Socialnämnden
handläggare: Test Testsson
insatsstart: 2020-01-01
indikatorer:
  - id: ind1
    namn: Andel med insats
    typ: andel
"""


def copy_inputs(dest: Path, broken: bool) -> Path:
    """The examples and the shared files of inputs/ (fond.yaml, kommun.yaml, …), plus a broken project."""
    dest.mkdir(parents=True)
    for item in INPUTS.iterdir():
        if item.is_dir() and item.name in EXAMPLES:
            shutil.copytree(item, dest / item.name)
        elif item.is_file() and item.suffix in (".yaml", ".csv"):
            shutil.copyfile(item, dest / item.name)
    if broken:
        (dest / "trasig").mkdir()
        (dest / "trasig" / "projekt.yaml").write_text(BROKEN_YAML, encoding="utf-8")
        (dest / "trasig" / "utfall.csv").write_text("indikator;grupp;period;värde\nind1;insats;2019;0,3\n"
                                                    "ind1;insats;2020;hög\n", encoding="utf-8")
    return dest


def text_of(path: Path) -> str:
    if path.suffix == ".docx":
        doc = Document(str(path))
        parts = [p.text for p in doc.paragraphs] + [c.text for t in doc.tables for r in t.rows for c in r.cells]
    else:
        parts = [p.extract_text() for p in PdfReader(str(path)).pages]
    return " ".join("\n".join(parts).replace("\u00a0", " ").split())


def read_json(path: Path) -> dict:
    return json.loads(path.read_text(encoding="utf-8"))


# ---------------------------------------------------------------- the real batch


@pytest.fixture(scope="module")
def first(tmp_path_factory):
    """One batch through the command line on the examples plus a broken project."""
    root = tmp_path_factory.mktemp("batch")
    inputs, outputs = copy_inputs(root / "inputs", broken=True), root / "outputs"
    t0 = time.perf_counter()
    proc = subprocess.run([sys.executable, "-m", "sif_eval", "batch", str(inputs), "--outputs", str(outputs),
                           "--rapportdatum", REPORT_DATE, "--workers", "2"],
                          capture_output=True, text=True, cwd=ROOT, timeout=600)
    return {"inputs": inputs, "outputs": outputs, "proc": proc, "seconds": time.perf_counter() - t0,
            "samlad": Path(proc.stdout.strip().splitlines()[-1]) if proc.stdout.strip() else None}


def project_runs(outputs: Path, slug: str) -> list[Path]:
    return sorted(p for p in (outputs / slug).iterdir() if p.is_dir()) if (outputs / slug).is_dir() else []


@pytest.mark.integration
def test_good_projects_run_broken_one_named_exit_1(first):
    proc = first["proc"]
    assert proc.returncode == 1, proc.stderr
    assert "Traceback" not in proc.stderr
    for slug in EXAMPLES:
        runs = project_runs(first["outputs"], slug)
        assert len(runs) == 1 and archive.read_manifest(runs[0])["status"] == "klar"
    summary = proc.stderr[proc.stderr.index("Projekt "):]
    broken = next(line for line in summary.splitlines() if line.startswith("trasig"))
    assert "misslyckad" in broken and "utfall.csv, rad 3, kolumn 'värde'" in broken and "'hög' är inget tal" in broken
    assert not (first["outputs"] / "trasig").exists()  # invalid inputs: nothing written, as for sif-eval run


@pytest.mark.integration
def test_consolidated_run_is_archived(first):
    run_dir = first["samlad"]
    assert run_dir.parent == first["outputs"] / "samlad" / "2020"
    manifest = archive.read_manifest(run_dir)
    assert manifest["status"] == "klar" and manifest["typ"] == "samlad"
    for rel, digest in {**manifest["indata"], **manifest["mallar"]}.items():
        assert archive.sha256(run_dir / rel) == digest, rel
    assert (run_dir / "indata" / "fond.yaml").read_bytes() == (first["inputs"] / "fond.yaml").read_bytes()
    listing = {r["slug"]: r for r in read_json(run_dir / "indata" / "projektkorningar.json")}
    for slug in EXAMPLES:
        assert listing[slug]["run_id"] == project_runs(first["outputs"], slug)[0].name
        assert listing[slug]["status"] == "klar"
    assert listing["trasig"]["status"] == "misslyckad" and "utfall.csv" in listing["trasig"]["skäl"]
    assert "mallar/notebooks/samlad_utvardering.ipynb" in manifest["mallar"]
    assert (run_dir / "samlad_utvardering.ipynb").is_file() and (run_dir / "figurer" / "effekter.png").is_file()


@pytest.mark.integration
def test_documents_show_fund_totals_the_swedish_way(first):
    docs = first["samlad"] / "dokument"
    ledger = load_ledger(first["inputs"])
    totals = ledger.totals(2020)
    assert totals["avsatt_kr"] == 27_000_000 and totals["beviljat_kr"] == 25_400_000
    for stem in ("samlad_utvardering", "tjansteskrivelse_samlad", "fondstatus"):
        for suffix in (".docx", ".pdf"):
            text = text_of(docs / f"{stem}{suffix}")
            assert "27 mnkr" in text and "25,4 mnkr" in text, (stem, suffix)
    report = text_of(docs / "samlad_utvardering.docx")
    rows = [[c.text.replace("\u00a0", " ") for c in r.cells]
            for t in Document(str(docs / "samlad_utvardering.docx")).tables for r in t.rows]
    assert ["Summa", "27 000", "25 400", "22 800", "1 600", "5 800"] in rows  # tkr, grouped with a space
    assert "5 800 000 kronor" in report and "Trasigt projekt" not in report and "trasig" in report
    board = text_of(docs / "tjansteskrivelse_samlad.docx")
    for field in ("Handläggare:", "Datum: 2021-03-15", "Diarienummer: KSN-2020-0001", "Förslag till beslut",
                  "Kommunstyrelsen beslutar", "att godkänna den samlade utvärderingen av sociala "
                  "investeringsfonden för 2020", "Sammanfattning", "Ärendet", "Beredning", "Föredragning",
                  "Ekonomiska konsekvenser", "Beslutsunderlag", "Beslutet skickas till"):
        assert field in board, field
    assert "1. att godkänna den samlade utvärderingen" in text_of(docs / "tjansteskrivelse_samlad.pdf")
    status = text_of(docs / "fondstatus.pdf")
    assert "Projekttid 2017–2019" in status and "Mötesplats Gottsunda" in status
    assert "ordinarie verksamhet" in status
    doc = Document(str(docs / "tjansteskrivelse_samlad.docx"))
    assert not any("TOC" in instr.text for instr in doc.element.body.iter(
        "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}instrText"))


@pytest.mark.integration
def test_consolidated_totals_agree_with_the_projects_own_figures(first):
    data = read_json(first["samlad"] / "resultat.json")
    own = {slug: read_json(project_runs(first["outputs"], slug)[0] / "resultat.json") for slug in EXAMPLES}
    sums = data["projektsummor"]
    assert sums["antal_indikatorer"] == sum(len(r["effekter"]) for r in own.values())
    assert sums["antal_effektmål"] == sum(1 for r in own.values() for e in r["effekter"] if e["effektmål"] is not None)
    assert sums["antal_uppnådda"] == sum(1 for r in own.values() for e in r["effekter"] if e["måluppfyllelse"] == "uppnått")
    kalk = [r["kalkyl"] for r in own.values() if r.get("kalkyl")]
    assert sums["antal_kalkyler"] == len(kalk)
    # on common terms before summing (issue 15): the report year's prices by the KPI, and its base year by
    # compounding each project's net present value at its own rate
    year = data["år"]
    kpi = {int(line.split(";")[0]): float(line.split(";")[1].replace(",", "."))
           for line in (INPUTS / "kpi.csv").read_text(encoding="utf-8").splitlines()[1:] if line.strip()}
    price = {k["prisår"]: kpi[year] / kpi[k["prisår"]] for k in kalk}
    assert sums["kalkyl_prisår"] == sums["kalkyl_basår"] == year
    assert sums["kalkyl_kostnad_kr"] == pytest.approx(sum(k["kostnad_kr"] * price[k["prisår"]] for k in kalk))
    assert sums["kalkyl_nettonuvärde_kr"] == pytest.approx(sum(
        k["nettonuvärde_kr"] * price[k["prisår"]] * (1 + k["diskonteringsränta"]) ** (year - k["antaganden"]["basår"])
        for k in kalk))
    assert len({k["prisår"] for k in kalk}) > 1  # the examples really have different price years
    for e in data["effekter"]:
        mine = next(x for x in own[e["slug"]]["effekter"] if x["indikator"] == e["indikator"])
        assert (e["skattning"], e["ki_låg"], e["ki_hög"]) == (mine["skattning"], mine["ki_låg"], mine["ki_hög"])
    totals, years = data["totalt"], data["fondöversikt"]
    for key in ("avsatt_kr", "utbetalt_kr", "återfört_kr", "beviljat_kr"):
        assert totals[key] == pytest.approx(sum(y[key] for y in years))
    assert totals["saldo_kr"] == years[-1]["saldo_kr"]
    assert sums["beviljat_kr"] == totals["beviljat_kr"] and sums["utbetalt_kr"] == totals["utbetalt_kr"]
    assert sums["återfört_kr"] == totals["återfört_kr"]


@pytest.mark.integration
def test_second_batch_reuses_every_unchanged_project(first):
    before = {slug: project_runs(first["outputs"], slug) for slug in EXAMPLES}
    t0 = time.perf_counter()
    second = run_batch(first["inputs"], first["outputs"], report_date=REPORT_DATE, progress=lambda _m: None)
    seconds = time.perf_counter() - t0
    status = {p.slug: p for p in second.projects}
    for slug in EXAMPLES:
        assert status[slug].status == "återanvänd", status[slug]
        assert status[slug].run_dir == before[slug][-1]
        assert project_runs(first["outputs"], slug) == before[slug]  # no new project run
    assert status["trasig"].status == "misslyckad" and second.exit_code == 1
    assert second.consolidated != first["samlad"]
    old, new = read_json(first["samlad"] / "resultat.json"), read_json(second.consolidated / "resultat.json")
    assert new["projektsummor"] == old["projektsummor"] and new["totalt"] == old["totalt"]
    print(f"första batchen {first['seconds']:.1f} s, andra (återanvänd) {seconds:.1f} s")


@pytest.mark.integration
def test_local_dask_cluster_gives_the_same_results(first, tmp_path):
    # The same inputs as the process-pool batch (a copy of that copy: inputs/ may change meanwhile), without
    # the broken project; two projects (one per Dask worker) keep the test short.
    # All three projects on two workers: at least one worker runs two notebooks in its warm kernel.
    inputs = tmp_path / "inputs"
    shutil.copytree(first["inputs"], inputs, ignore=lambda _d, names: [n for n in names if n == "trasig"])
    done = run_batch(inputs, tmp_path / "outputs", dask="local", report_date=REPORT_DATE, progress=lambda _m: None)
    assert done.exit_code == 0, done.summary()
    assert sorted(p.slug for p in done.projects) == sorted(EXAMPLES)
    for p in done.projects:
        assert p.status == "klar" and p.run_dir.parent == tmp_path / "outputs" / p.slug
        pooled = project_runs(first["outputs"], p.slug)[0]
        assert read_json(p.run_dir / "resultat.json") == read_json(pooled / "resultat.json"), p.slug
    assert warm_reuse([p.run_dir for p in done.projects]) >= 2  # Dask workers kept their kernels
    assert warm_reuse([project_runs(first["outputs"], s)[0] for s in EXAMPLES]) >= 2  # so did the pool
    dask_effects = read_json(done.consolidated / "resultat.json")["effekter"]
    assert dask_effects == read_json(first["samlad"] / "resultat.json")["effekter"]


def warm_reuse(run_dirs: list[Path]) -> int:
    """The most notebooks one kernel process ran, as the runs' manifests record it."""
    return max(read_json(d / "manifest.json")["kärna"]["anteckningsbok_i_kärnan"] for d in run_dirs)


# ---------------------------------------------------------------- retries and discovery


class _Outcome:
    def __init__(self, run_dir: Path):
        self.run_dir = run_dir


def _flaky(failures: list[BaseException]):
    calls = []

    def run(project_dir, outputs, report_date, **kwargs):
        calls.append(kwargs)
        if len(calls) <= len(failures):
            raise failures[len(calls) - 1]
        return _Outcome(Path(outputs) / "x" / "1")

    return run, calls


def _kernel_timeout() -> RunFailed:
    try:
        raise RuntimeError("Kernel didn't respond in 120 seconds")
    except RuntimeError as cause:
        try:
            raise RunFailed("Körningen misslyckades: RuntimeError: Kernel didn't respond in 120 seconds", "/tmp/r") from cause
        except RunFailed as exc:
            return exc


def test_kernel_start_failure_is_retried_once(tmp_path):
    task = Task(str(tmp_path / "p"), str(tmp_path / "out"), REPORT_DATE)
    run, calls = _flaky([_kernel_timeout()])
    outcome = run_task(task, run)
    assert outcome.status == "klar" and outcome.attempts == 2 and len(calls) == 2
    run, calls = _flaky([_kernel_timeout(), _kernel_timeout()])
    outcome = run_task(task, run)
    assert outcome.status == "misslyckad" and len(calls) == 2 and "Kernel didn't respond" in outcome.reason
    run, calls = _flaky([RunFailed("Anteckningsboken stoppade i cell 3: ValueError: x", "/tmp/r")])
    outcome = run_task(task, run)
    assert outcome.status == "misslyckad" and len(calls) == 1 and outcome.run_dir == Path("/tmp/r")


def test_find_projects_only_takes_folders_with_projekt_yaml(tmp_path):
    for name in ("b", "a", ".dold"):
        (tmp_path / name).mkdir()
        (tmp_path / name / "projekt.yaml").write_text("projekt: x\n", encoding="utf-8")
    (tmp_path / "tom").mkdir()
    (tmp_path / "fond.yaml").write_text("fond: x\n", encoding="utf-8")
    assert [p.name for p in find_projects(tmp_path)] == ["a", "b"]


# ---------------------------------------------------------------- the ledger


def write_ledger(folder: Path, text: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "fond.yaml").write_text(text, encoding="utf-8")
    return folder


def test_ledger_errors_name_file_row_and_key(tmp_path):
    folder = write_ledger(tmp_path, """\
fond: Testfonden
återföring: kanske
avsatt:
  2016: 15 mnkr
beviljat:
  - projekt: a
    nämnd: Socialnämnden
    år: 2017
    belopp: 1000000
    status: klar
    färg: blå
  - projekt: a
    nämnd: Socialnämnden
    år: 2017
    belopp: 1000000
    status: pågående
utbetalt:
  - {projekt: okänt, år: 2018, belopp: 500000}
""")
    with pytest.raises(InputError) as exc:
        load_ledger(folder)
    text = str(exc.value)
    assert "fond.yaml, rad 2, kolumn 'återföring': 'kanske' är inget ja/nej-värde." in text
    assert "fond.yaml, rad 4, kolumn 'avsatt.2016': beloppet '15 mnkr' är inget belopp." in text
    assert "Skriv beloppet i hela kronor" in text
    assert "fond.yaml, rad 10, kolumn 'beviljat[1].status': status 'klar' är ingen känd status." in text
    assert "fond.yaml, rad 11, kolumn 'beviljat[1].färg': okänd nyckel 'färg'." in text
    assert "fond.yaml, rad 18, kolumn 'utbetalt[1].projekt': projektet 'okänt' finns inte under beviljat." in text


def test_ledger_error_stops_the_batch_with_exit_2_before_anything_runs(tmp_path):
    inputs = write_ledger(tmp_path / "inputs", "avsatt:\n  tjugo: 100\n")
    proc = subprocess.run([sys.executable, "-m", "sif_eval", "batch", str(inputs), "--outputs", str(tmp_path / "out")],
                          capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert proc.returncode == 2 and "Traceback" not in proc.stderr
    assert "fond.yaml, rad 2, kolumn 'avsatt.tjugo': året 'tjugo' är inget årtal." in proc.stderr
    assert proc.stdout == "" and not (tmp_path / "out").exists()


SODERTALJE = """\
fond: Särskilda sociala satsningar
återföring: false
avsatt: {2017: 3000000, 2018: 3000000, 2019: 2400000}
beviljat:
  - projekt: kaa
    namn: Kommunala aktivitetsansvaret (KAA)
    nämnd: Utbildningsnämnden
    år: 2017
    belopp: 4500000
    period: 2017 - 2020
    status: pågående
    utbetalningsplan: {2017: 1000000, 2018: 1250000, 2019: 1500000, 2020: 750000}
  - projekt: ungdomscoacher
    nämnd: Arbetsmarknadsnämnden
    år: 2016
    belopp: 3600000
    period: 2016–2019
    status: avslutat
utbetalt:
  - {projekt: kaa, år: 2017, belopp: 1000000}
  - {projekt: kaa, år: 2018, belopp: 1250000}
  - {projekt: ungdomscoacher, år: 2016, belopp: 900000}
  - {projekt: ungdomscoacher, år: 2019, belopp: 3000000}
återfört:
  - {nämnd: Utbildningsnämnden, år: 2019, belopp: 100000}
"""


def test_ledger_rejects_a_project_granted_twice(tmp_path):
    grant = "  - {projekt: a, nämnd: Socialnämnden, år: 2019, belopp: 100, status: pågående}\n"
    with pytest.raises(InputError) as exc:
        load_ledger(write_ledger(tmp_path, "beviljat:\n" + grant + grant))
    assert "fond.yaml, rad 3, kolumn 'beviljat[2].projekt': projektet 'a' finns redan i beviljat." in str(exc.value)


def test_ledger_balance_per_year_and_warnings(tmp_path):
    ledger = load_ledger(write_ledger(tmp_path, SODERTALJE))
    assert ledger.återföring is False
    assert ledger.grant("kaa").period == "2017–2020"
    rows = {r.år: r for r in ledger.year_rows(2019)}
    assert list(rows) == [2016, 2017, 2018, 2019]
    assert rows[2016].utgående_saldo == -900_000  # paid before anything was reserved: the table shows it
    assert rows[2019].utgående_saldo == 6_000_000 + 2_400_000 + 100_000 - 3_000_000 - 900_000 - 1_000_000 - 1_250_000
    totals = ledger.totals(2019)
    assert totals["beviljat_ej_utbetalt_kr"] == 4_500_000 - 2_250_000
    assert totals["disponibelt_kr"] == totals["saldo_kr"] - totals["beviljat_ej_utbetalt_kr"]
    warnings = " ".join(ledger.varningar).replace("\u00a0", " ")
    assert "ungdomscoacher: utbetalt (3 900 000 kronor) är mer än beviljat (3 600 000 kronor)" in warnings
    assert "ingen återföring" in warnings


def test_missing_ledger_gives_an_empty_fund_with_a_warning(tmp_path):
    ledger = load_ledger(tmp_path)
    assert ledger.beviljat == () and "fond.yaml saknas" in ledger.varningar[0]


# ---------------------------------------------------------------- consolidated numbers without a notebook


def _result(slug: str, name: str, effects: list[tuple[str, float, float, float, float | None, str | None]],
            kalkyl: dict | None = None) -> dict:
    out = {"projekt": name, "diarienummer": "KSN-1", "slug": slug, "ansvarig_nämnd": "Socialnämnden",
           "handläggare": "X", "insatsstart": "2019-01-01", "rapportdatum": REPORT_DATE, "varningar": [],
           "effekter": [{"indikator": i, "design": "did", "skattning": b, "standardfel": 0.01, "ki_låg": lo,
                         "ki_hög": hi, "p_värde": 0.01, "n_obs": 100, "n_kluster": None, "se_typ": "robust",
                         "namn": f"Andel {i}", "typ": "andel", "bättre": "lägre", "effektmål": goal,
                         "måluppfyllelse": state} for i, b, lo, hi, goal, state in effects]}
    if kalkyl is not None:
        out["kalkyl"] = kalkyl
    return out


def test_build_sums_kalkyl_plans_and_candidates(tmp_path):
    ledger = load_ledger(write_ledger(tmp_path, """\
avsatt: {2019: 10000000}
beviljat:
  - {projekt: a, nämnd: Socialnämnden, år: 2019, belopp: 4000000, status: avslutat,
     återföringsplan: [{nämnd: Socialnämnden, år: 2020, belopp: 999}]}
  - {projekt: b, nämnd: Utbildningsnämnden, år: 2019, belopp: 3000000, status: pågående,
     återföringsplan: [{nämnd: Utbildningsnämnden, år: 2020, belopp: 700000}]}
  - {projekt: c, nämnd: Socialnämnden, år: 2019, belopp: 1000000, status: implementerat}
utbetalt: [{projekt: a, år: 2019, belopp: 2000000}, {projekt: b, år: 2020, belopp: 1000000}]
återfört: [{nämnd: Socialnämnden, projekt: a, år: 2020, belopp: 300000}]
"""))
    kalkyl = {"kostnad_kr": 2_000_000.0, "nettonuvärde_kr": 500_000.0, "nytta_per_krona": 1.25,
              "återföring": [{"nämnd": "Socialnämnden", "år": 2020, "belopp_kr": 400_000.0},
                             {"nämnd": "Socialnämnden", "år": 2022, "belopp_kr": 600_000.0}]}
    runs = (ProjectRun("a", "klar", "r1", "a/r1", resultat=_result("a", "A", [("x", -0.08, -0.1, -0.06, -0.05, "uppnått")],
                                                                     kalkyl)),
            ProjectRun("b", "återanvänd", "r2", "b/r2", resultat=_result("b", "B", [
                ("y", -0.02, -0.04, 0.0, -0.05, "kan_ej_avgöras"), ("z", -0.01, -0.02, 0.0, None, None)])),
            ProjectRun("d", "misslyckad", skäl="Indata kan inte användas: fel"))
    c = build(Material(ledger, Municipality(kommun="Testkommun"), runs), None, REPORT_DATE)
    data = c.to_dict()
    assert c.år == 2020
    assert data["ordinarie_verksamhet"] == ["a"] and data["implementerade"] == ["c"]
    sums = data["projektsummor"]
    assert sums["antal_indikatorer"] == 3 and sums["antal_effektmål"] == 2 and sums["antal_uppnådda"] == 1
    assert sums["kalkyl_kostnad_kr"] == 2_000_000 and sums["antal_kalkyler"] == 1
    assert sums["planerad_återföring_kr"] == 400_000 + 600_000 + 700_000  # a: the kalkyl's plan wins over fond.yaml
    rep = {r["nämnd"]: r for r in data["återföring"]}
    assert rep["Socialnämnden"]["planerat_tom_år_kr"] == 400_000 and rep["Socialnämnden"]["återfört_tom_år_kr"] == 300_000
    assert rep["Socialnämnden"]["avvikelse_kr"] == -100_000 and rep["Utbildningsnämnden"]["planerat_totalt_kr"] == 700_000
    lines = {p["slug"]: p for p in data["projekt"]}
    assert lines["a"]["plankälla"] == "kalkyl" and lines["b"]["plankälla"] == "beslut"
    assert lines["c"]["körning"] == "saknas" and lines["d"]["fondstatus"] is None
    assert lines["a"]["effekter"][0]["andel_av_mål"] == pytest.approx(1.6)
    warnings = " ".join(data["varningar"])
    assert "d finns under inputs/ men inte i fond.yaml" in warnings and "Indata kan inte användas: fel" in warnings


def test_forest_plot_is_deterministic_with_swedish_alt_text(tmp_path):
    runs = (ProjectRun("a", "klar", resultat=_result("a", "Projekt A", [("x", -0.08, -0.1, -0.06, -0.05, "uppnått"),
                                                                       ("w", -0.01, -0.02, 0.0, None, None)])),)
    c = build(Material(load_ledger(tmp_path), Municipality(), runs), 2020, REPORT_DATE)
    effects = [e for p in c.projekt for e in p.effekter]
    alt = plot_forest(effects, tmp_path / "a.png").replace("\u00a0", " ")
    plot_forest(effects, tmp_path / "b.png")
    assert (tmp_path / "a.png").read_bytes() == (tmp_path / "b.png").read_bytes()
    assert b"Software" not in (tmp_path / "a.png").read_bytes()
    assert "1 av dem når sitt effektmål" in alt and "160 % av målet" in alt
    assert "Saknar effektmål eller skattning och visas inte: Projekt A, andel w." in alt
    assert plot_forest([effects[1]], tmp_path / "c.png") is None


def test_load_material_outside_a_batch_takes_each_projects_latest_finished_run(tmp_path):
    inputs, outputs = tmp_path / "inputs", tmp_path / "outputs"
    for slug in ("a", "b"):
        (inputs / slug).mkdir(parents=True)
        (inputs / slug / "projekt.yaml").write_text("projekt: x\n", encoding="utf-8")
    for run_id, status in (("20200101T000000", "klar"), ("20210101T000000", "misslyckad")):
        run = outputs / "a" / run_id
        run.mkdir(parents=True)
        archive.write_json(run / "manifest.json", {"status": status})
        archive.write_json(run / "resultat.json", _result("a", "A", []))
    material = load_material(inputs, outputs)
    runs = {r.slug: r for r in material.runs}
    assert runs["a"].run_id == "20200101T000000" and runs["a"].resultat["projekt"] == "A"
    assert runs["b"].status == "saknas"


def test_make_batch_projects_is_deterministic_and_valid(tmp_path):
    sys.path.insert(0, str(ROOT / "scripts"))
    try:
        import make_batch_projects
    finally:
        sys.path.remove(str(ROOT / "scripts"))
    from sif_eval.inputs.project import load_project

    first = make_batch_projects.write_projects(tmp_path / "a", 4)
    make_batch_projects.write_projects(tmp_path / "b", 4)
    assert [p.name for p in first] == ["skolnarvaro-001", "sofiamodellen-002", "supported-education-003",
                                      "skolnarvaro-004"]
    for p in first:
        assert (p / "utfall.csv").read_bytes() == (tmp_path / "b" / p.name / "utfall.csv").read_bytes()
        assert load_project(p).project.diarienummer.startswith("KSN-2019-")
    ledger = load_ledger(tmp_path / "a")
    assert [g.projekt for g in ledger.beviljat] == [p.name for p in first]


def test_input_text_is_escaped_in_every_consolidated_document(tmp_path):
    from sif_eval.documents.consolidated import write_sources

    ledger = load_ledger(write_ledger(tmp_path / "in", """\
fond: "Fonden *fet* {{ 7*7 }}"
avsatt: {2019: 1000000}
beviljat:
  - projekt: a
    namn: "**Elak** [länk](http://x.example) <b>html</b> {% raw %}"
    nämnd: "Nämnd | med pipe"
    år: 2019
    belopp: 500000
    status: avslutat
    syfte: "`kod` och $$ \\\\ @citat"
    implementering: "# inte en rubrik"
"""))
    runs = (ProjectRun("a", "klar", "r1", "a/r1", resultat=_result("a", "X", [("x", -0.08, -0.1, -0.06, -0.05, "uppnått")])),)
    data = build(Material(ledger, Municipality(kommun="Kommun_med_understreck"), runs), 2019, REPORT_DATE).to_dict()
    sources = write_sources(data, tmp_path / "run", __import__("datetime").date(2021, 3, 15))
    assert [p.name for p, _ in sources] == ["samlad_utvardering.qmd", "tjansteskrivelse_samlad.qmd", "fondstatus.qmd"]
    for path, _title in sources:
        text = path.read_text(encoding="utf-8")
        body = text.split("\n---\n", 1)[1]
        assert "\\*\\*Elak\\*\\* \\[länk\\]\\(http\\:\\/\\/x\\.example\\) \\<b\\>html\\<\\/b\\>" in body, path.name
        assert "{{ 7" not in body and "{%" not in body and "[länk](" not in body
        assert "\n# inte en rubrik" not in body


@pytest.mark.integration
def test_consolidated_run_reproduces_from_a_copy_without_the_project_runs(first, tmp_path):
    import shutil

    from sif_eval.runs.reproduce import reproduce

    moved = tmp_path / "annan" / "samlad" / "2020" / first["samlad"].name
    shutil.copytree(first["samlad"], moved)
    comparison = reproduce(moved)
    assert comparison.identical, comparison.verdict()
    assert comparison.new_run.parent == moved.parent
    assert archive.read_manifest(comparison.new_run)["reproducerar"] == str(moved)


@pytest.mark.integration
def test_a_damaged_earlier_run_is_not_reused(first, tmp_path):
    outputs = tmp_path / "outputs"
    shutil.copytree(first["outputs"], outputs)
    code = code_version()
    intact = reusable_run(first["inputs"] / "skolnarvaro", outputs, code)
    assert intact.run_dir == project_runs(outputs, "skolnarvaro")[-1] and intact.note == ""
    damaged = project_runs(outputs, "sofiamodellen")[-1]
    pdf = next((damaged / "dokument").glob("*.pdf"))
    pdf.unlink()
    verdict = reusable_run(first["inputs"] / "sofiamodellen", outputs, code)
    assert verdict.run_dir is None
    assert verdict.note == (f"den tidigare körningen {damaged.name} är skadad (dokument/{pdf.name} saknas) "
                            "och körs om")


@pytest.mark.integration
@pytest.mark.slow
def test_a_damaged_earlier_run_is_run_again_not_reused(first, tmp_path):
    outputs = tmp_path / "outputs"
    shutil.copytree(first["outputs"], outputs)
    damaged = project_runs(outputs, "supported-education")[-1]
    result = read_json(damaged / "resultat.json")
    result["effekter"][0]["skattning"] = 123.0  # an edited number must never reach the consolidated report
    (damaged / "resultat.json").write_text(json.dumps(result, ensure_ascii=False), encoding="utf-8")
    lines: list[str] = []
    again = run_batch(first["inputs"], outputs, report_date=REPORT_DATE, progress=lines.append, workers=1)
    status = {p.slug: p for p in again.projects}
    assert status["skolnarvaro"].status == "återanvänd" and status["sofiamodellen"].status == "återanvänd"
    redone = status["supported-education"]
    assert redone.status == "klar" and redone.run_dir != damaged
    assert f"den tidigare körningen {damaged.name} är skadad" in redone.reason
    assert "resultat.json har ändrats" in redone.reason and redone.reason in again.summary()
    used = read_json(again.consolidated / "indata" / "projekt" / "supported-education" / "resultat.json")
    assert used == read_json(redone.run_dir / "resultat.json") and used["effekter"][0]["skattning"] != 123.0


def _descendants(pid: int) -> set[int]:
    found, frontier = set(), {pid}
    while frontier:
        nxt = set()
        for d in Path("/proc").iterdir():
            if not d.name.isdigit():
                continue
            try:
                ppid = int((d / "stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
            if ppid in frontier and int(d.name) not in found:
                nxt.add(int(d.name))
        found |= nxt
        frontier = nxt
    return found


def _alive(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


@pytest.mark.integration
@pytest.mark.skipif(not Path("/proc").is_dir(), reason="needs /proc to find the worker processes")
def test_sigterm_stops_the_whole_batch_prints_the_summary_and_exits_143(tmp_path):
    inputs = copy_inputs(tmp_path / "inputs", broken=False)
    outputs = tmp_path / "outputs"
    proc = subprocess.Popen([sys.executable, "-m", "sif_eval", "batch", str(inputs), "--outputs", str(outputs),
                             "--rapportdatum", REPORT_DATE, "--workers", "2"], cwd=ROOT, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    try:
        deadline, family = time.monotonic() + 180, set()
        while time.monotonic() < deadline:
            assert proc.poll() is None, proc.stderr.read()
            family = _descendants(proc.pid)
            running = [r for slug in EXAMPLES for r in project_runs(outputs, slug) if not r.name.startswith(".")]
            if running and any("ipykernel" in Path(f"/proc/{p}/cmdline").read_bytes().decode(errors="replace")
                               for p in family if _alive(p)):
                break
            time.sleep(0.1)
        family = _descendants(proc.pid)
        proc.send_signal(signal.SIGTERM)
        stdout, stderr = proc.communicate(timeout=120)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert proc.returncode == 143, stderr
    assert "Traceback" not in stderr and "Batchen avbröts (SIGTERM)" in stderr and "Projekt " in stderr
    assert stdout == ""  # no consolidated run
    time.sleep(1)
    assert not [p for p in family if _alive(p)], "a worker or kernel outlived the batch"
    for slug in EXAMPLES:
        for run in project_runs(outputs, slug):
            assert archive.read_manifest(run)["status"] in ("klar", "misslyckad"), run
