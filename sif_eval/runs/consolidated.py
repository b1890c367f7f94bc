"""The yearly consolidated evaluation (samlad utvärdering) of every project in the fund.

Uppsala's guideline asks for "en samlad utvärdering … varje år inför mål och
budgetplanering" (seed ``002_…``): the fund's money, each project's status and
effects, repayment against plan per committee, and what to implement.  This
module holds the logic; ``notebooks/samlad_utvardering.ipynb`` tells the story
and calls it; :func:`run_consolidated` archives it all like any run.

The material is the ledger (``fond.yaml``), ``kommun.yaml`` and one
``resultat.json`` per project run.  Nothing here re-estimates a project: the
numbers are read from the project runs, so the consolidated totals are sums of
the projects' own figures.
"""

from __future__ import annotations

import datetime as dt
import json
import shutil
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .. import paths
from ..documents.consolidated import render_documents
from ..documents.report import recommendation
from ..documents.texts import is_suppressed
from ..economics.consolidate import restate
from ..economics.model import PriceIndex
from ..errors import InputError, Problem
from ..figures.consolidated import plot_forest
from ..inputs.economy import read_kpi_in
from ..inputs.fund import LEDGER_FILE, Flow, Ledger, load_ledger
from ..inputs.municipality import load_municipality_in
from ..model import Municipality, ProjectResult
from ..paths import MUNICIPALITY_FILE, PROJECT_FILE
from . import archive, lifecycle
from .notebook import execute
from .warm import CONSOLIDATED_PRELOAD, WarmKernel

CONSOLIDATED_DIR = "samlad"  # outputs/samlad/<år>/<run-id>/
NOTEBOOK = "samlad_utvardering.ipynb"
RUNS_FILE = "projektkorningar.json"  # in the consolidated run's indata/: which project runs were used
RESULTS_DIR = "projekt"  # indata/projekt/<slug>/resultat.json: archived copies of the projects' results
FOREST_FIGURE = "effekter.png"

RUN_DONE, RUN_REUSED, RUN_FAILED, RUN_MISSING = "klar", "återanvänd", "misslyckad", "saknas"


# ---------------------------------------------------------------- material


@dataclass(frozen=True)
class ProjectRun:
    """What the batch did with one project, and the results it used."""

    slug: str
    status: str  # klar | återanvänd | misslyckad | saknas
    run_id: str | None = None
    körning: str | None = None  # the run folder, relative to outputs/
    skäl: str = ""
    resultat: dict[str, Any] | None = None


@dataclass(frozen=True)
class Material:
    """Everything the consolidated evaluation reads."""

    ledger: Ledger
    municipality: Municipality
    runs: tuple[ProjectRun, ...]
    kpi: PriceIndex | None = None  # inputs/kpi.csv: to put every calculation on one price year


def latest_done_run(outputs: Path, slug: str) -> Path | None:
    """The newest run of a project whose manifest says ``klar``."""
    base = outputs / slug
    if not base.is_dir():
        return None
    for run_dir in sorted((p for p in base.iterdir() if p.is_dir() and not p.name.startswith(".")),
                          key=lambda p: p.name, reverse=True):
        try:
            if archive.read_manifest(run_dir).get("status") == archive.STATUS_DONE and (run_dir / paths.RESULT).is_file():
                return run_dir
        except (OSError, ValueError):
            continue
    return None


def load_material(indata: Path | str, project_runs: Path | str | None = None) -> Material:
    """Read the material from a consolidated run's ``indata/`` or, outside a batch, from ``inputs/``.

    With ``projektkorningar.json`` (written by the batch) exactly the listed
    runs are used.  Without it, ``indata`` is an inputs folder and each
    project's newest finished run under ``project_runs`` (outputs/) is used.
    """
    indata = Path(indata)
    ledger, municipality = load_ledger(indata), load_municipality_in(indata)
    problems: list[Problem] = []
    kpi = read_kpi_in(indata, problems)
    if problems:
        raise InputError(problems)
    listing = indata / RUNS_FILE
    runs: list[ProjectRun] = []
    if listing.is_file():
        for item in json.loads(listing.read_text(encoding="utf-8")):
            result = None
            if item.get("resultat"):
                result = json.loads((indata / item["resultat"]).read_text(encoding="utf-8"))
            runs.append(ProjectRun(slug=item["slug"], status=item["status"], run_id=item.get("run_id"),
                                   körning=item.get("körning"), skäl=item.get("skäl", ""), resultat=result))
    else:
        outputs = Path(project_runs) if project_runs else paths.OUTPUTS
        slugs = sorted(p.name for p in indata.iterdir() if (p / PROJECT_FILE).is_file()) if indata.is_dir() else []
        for slug in slugs:
            run_dir = latest_done_run(outputs, slug)
            if run_dir is None:
                runs.append(ProjectRun(slug, RUN_MISSING, skäl="ingen klar körning hittades"))
            else:
                runs.append(ProjectRun(slug, RUN_DONE, run_id=run_dir.name, körning=f"{slug}/{run_dir.name}",
                                       resultat=json.loads((run_dir / paths.RESULT).read_text(encoding="utf-8"))))
    return Material(ledger=ledger, municipality=municipality, runs=tuple(runs), kpi=kpi)


# ---------------------------------------------------------------- the consolidated numbers


@dataclass(frozen=True)
class EffectLine:
    """One indicator of one project, placed against its target."""

    slug: str
    projekt: str
    indikator: str
    namn: str
    typ: str
    design: str
    skattning: float | None
    ki_låg: float | None
    ki_hög: float | None
    effektmål: float | None
    måluppfyllelse: str | None

    def relative(self) -> tuple[float | None, float | None, float | None]:
        """Estimate and interval as a share of the target (1 = exactly the target), improvement to the right."""
        if self.effektmål in (None, 0) or self.skattning is None:
            return None, None, None
        t = float(self.effektmål)  # type: ignore[arg-type]
        lo, hi = (None, None) if self.ki_låg is None or self.ki_hög is None else sorted((self.ki_låg / t, self.ki_hög / t))
        return self.skattning / t, lo, hi

    def to_dict(self) -> dict[str, Any]:
        rel, lo, hi = self.relative()
        return {"slug": self.slug, "projekt": self.projekt, "indikator": self.indikator, "namn": self.namn,
                "typ": self.typ, "design": self.design, "skattning": self.skattning, "ki_låg": self.ki_låg,
                "ki_hög": self.ki_hög, "effektmål": self.effektmål, "måluppfyllelse": self.måluppfyllelse,
                "andel_av_mål": rel, "andel_av_mål_ki": None if lo is None else [lo, hi]}


@dataclass(frozen=True)
class ProjectLine:
    """One project in the consolidated evaluation: the ledger's view joined to its run's results."""

    slug: str
    namn: str
    nämnd: str
    diarienummer: str
    period: str
    syfte: str
    fondstatus: str | None  # pågående | avslutat | implementerat; None when not in fond.yaml
    implementering: str
    körning: str  # klar | återanvänd | misslyckad | saknas
    run_id: str | None
    skäl: str
    beviljat_kr: float | None
    utbetalt_kr: float
    återfört_kr: float
    effekter: tuple[EffectLine, ...]
    rekommendation: str
    kalkyl: dict[str, Any] | None
    återföringsplan: tuple[Flow, ...]
    plankälla: str | None  # kalkyl | beslut | None
    kalkyl_jämförbar: dict[str, Any] | None = None  # the kalkyl on the common price and base year

    @property
    def n_mål(self) -> int:
        return sum(1 for e in self.effekter if e.effektmål is not None)

    @property
    def n_uppnådda(self) -> int:
        return sum(1 for e in self.effekter if e.effektmål is not None and e.måluppfyllelse == "uppnått")

    @property
    def alla_mål_uppnådda(self) -> bool:
        return self.n_mål > 0 and self.n_uppnådda == self.n_mål

    def to_dict(self) -> dict[str, Any]:
        return {"slug": self.slug, "namn": self.namn, "nämnd": self.nämnd, "diarienummer": self.diarienummer,
                "period": self.period, "syfte": self.syfte, "fondstatus": self.fondstatus,
                "implementering": self.implementering, "körning": self.körning, "run_id": self.run_id,
                "skäl": self.skäl, "beviljat_kr": self.beviljat_kr, "utbetalt_kr": self.utbetalt_kr,
                "återfört_kr": self.återfört_kr, "antal_indikatorer": len(self.effekter), "antal_effektmål": self.n_mål,
                "antal_uppnådda": self.n_uppnådda, "alla_mål_uppnådda": self.alla_mål_uppnådda,
                "rekommendation": self.rekommendation, "kalkyl": self.kalkyl,
                "kalkyl_jämförbar": self.kalkyl_jämförbar,
                "återföringsplan": [{"nämnd": f.nämnd, "år": f.år, "belopp_kr": f.belopp} for f in self.återföringsplan],
                "plankälla": self.plankälla, "effekter": [e.to_dict() for e in self.effekter]}


@dataclass(frozen=True)
class CommitteeRepayment:
    """Repayment into the fund from one committee, against the plan."""

    nämnd: str
    planerat_tom_år: float
    återfört_tom_år: float
    planerat_totalt: float
    projekt: tuple[str, ...]

    def to_dict(self) -> dict[str, Any]:
        return {"nämnd": self.nämnd, "planerat_tom_år_kr": self.planerat_tom_år, "återfört_tom_år_kr": self.återfört_tom_år,
                "avvikelse_kr": self.återfört_tom_år - self.planerat_tom_år, "planerat_totalt_kr": self.planerat_totalt,
                "projekt": list(self.projekt)}


@dataclass(frozen=True)
class Consolidated:
    """The consolidated evaluation; ``to_dict`` is the run's ``resultat.json``."""

    år: int
    rapportdatum: str
    ledger: Ledger
    municipality: Municipality
    projekt: tuple[ProjectLine, ...]
    återföring: tuple[CommitteeRepayment, ...]
    varningar: tuple[str, ...] = field(default=())

    def sums(self) -> dict[str, Any]:
        """Totals over the projects' own figures (the check against the ledger); calculations on common terms."""
        kalk = [p.kalkyl_jämförbar for p in self.projekt if p.kalkyl_jämförbar]
        return {
            "antal_projekt": len(self.projekt),
            "antal_med_resultat": sum(1 for p in self.projekt if p.körning in (RUN_DONE, RUN_REUSED)),
            "antal_indikatorer": sum(len(p.effekter) for p in self.projekt),
            "antal_effektmål": sum(p.n_mål for p in self.projekt),
            "antal_uppnådda": sum(p.n_uppnådda for p in self.projekt),
            "beviljat_kr": float(sum(p.beviljat_kr or 0.0 for p in self.projekt)),
            "utbetalt_kr": float(sum(p.utbetalt_kr for p in self.projekt)),
            "återfört_kr": float(sum(p.återfört_kr for p in self.projekt)),
            "antal_kalkyler": len(kalk),
            "kalkyl_kostnad_kr": float(sum(_num(k.get("kostnad_kr")) for k in kalk)),
            "kalkyl_nettonuvärde_kr": float(sum(_num(k.get("nettonuvärde_kr")) for k in kalk)),
            "kalkyl_prisår": self.år, "kalkyl_basår": self.år,
            "planerad_återföring_kr": float(sum(f.belopp for p in self.projekt for f in p.återföringsplan)),
        }

    def to_dict(self) -> dict[str, Any]:
        led, m = self.ledger, self.municipality
        return {
            "sif_eval_samlad": 1,
            "år": self.år,
            "rapportdatum": self.rapportdatum,
            "fond": led.fond,
            "kommun": m.kommun,
            "återföring_tillämpas": led.återföring,
            "samordnare": led.samordnare,
            "diarienummer": led.diarienummer,
            "fondöversikt": [r.to_dict() for r in led.year_rows(self.år)],
            "totalt": led.totals(self.år),
            "projektsummor": self.sums(),
            "projekt": [p.to_dict() for p in self.projekt],
            "effekter": [e.to_dict() for p in self.projekt for e in p.effekter],
            "återföring": [c.to_dict() for c in self.återföring],
            "ordinarie_verksamhet": [p.slug for p in self.projekt if p.alla_mål_uppnådda and p.fondstatus != "implementerat"],
            "implementerade": [p.slug for p in self.projekt if p.fondstatus == "implementerat"],
            "figurer": [],
            "varningar": list(self.varningar),
        }


def _num(x: Any) -> float:
    try:
        return float(x) if x is not None else 0.0
    except (TypeError, ValueError):
        return 0.0


def default_year(ledger: Ledger, report_date: dt.date) -> int:
    """The ledger's latest year, but never after the report date's year."""
    years = ledger.years()
    return min(report_date.year, years[-1]) if years else report_date.year


def _effects(slug: str, name: str, result: ProjectResult) -> tuple[EffectLine, ...]:
    """Each indicator's line; a result for a too-small group (sekretess) is left out of public documents."""

    return tuple(EffectLine(slug=slug, projekt=name, indikator=e.indikator, namn=e.namn or e.indikator, typ=e.typ,
                            design=e.design, skattning=e.skattning, ki_låg=e.ki_låg, ki_hög=e.ki_hög,
                            effektmål=e.effektmål, måluppfyllelse=e.måluppfyllelse)
                 for e in result.effekter if not is_suppressed(e))


def _plan_from_kalkyl(kalkyl: dict[str, Any] | None) -> tuple[Flow, ...] | None:
    """The kalkyl's repayment plan (``återföring: [{nämnd, år, belopp_kr}]``), when the result has one."""
    if not isinstance(kalkyl, dict) or not isinstance(kalkyl.get("återföring"), list):
        return None
    plan = []
    for item in kalkyl["återföring"]:
        try:
            plan.append(Flow(år=int(item["år"]), belopp=float(item["belopp_kr"]), nämnd=str(item["nämnd"])))
        except (KeyError, TypeError, ValueError):
            continue
    return tuple(plan)


def _line(slug: str, run: ProjectRun | None, ledger: Ledger, year: int, kpi: PriceIndex | None = None) -> ProjectLine:
    grant = ledger.grant(slug)
    result = ProjectResult.from_dict(run.resultat) if run and run.resultat else None
    extra = dict(result.extra) if result else {}
    name = (grant.namn if grant and grant.namn else "") or (result.projekt if result else "") or slug
    raw_kalkyl = run.resultat.get("kalkyl") if run and run.resultat else None  # absent before economics
    kalkyl = raw_kalkyl if isinstance(raw_kalkyl, dict) else None
    plan, source = _plan_from_kalkyl(kalkyl), "kalkyl"
    if plan is None:
        plan, source = (grant.återföringsplan if grant else ()), "beslut"
    effects = _effects(slug, name, result) if result else ()
    return ProjectLine(
        slug=slug, namn=name,
        nämnd=(grant.nämnd if grant else "") or (result.ansvarig_nämnd if result else ""),
        diarienummer=(grant.diarienummer if grant else "") or (result.diarienummer if result else ""),
        period=(grant.period if grant else "") or str(extra.get("period", "")),
        syfte=(grant.syfte if grant else "") or (result.målgrupp if result else ""),
        fondstatus=grant.status if grant else None, implementering=grant.implementering if grant else "",
        körning=run.status if run else RUN_MISSING, run_id=run.run_id if run else None,
        skäl=(run.skäl if run else "projektmappen finns inte under inputs/"),
        beviljat_kr=grant.belopp if grant else None, utbetalt_kr=ledger.paid(slug, year),
        återfört_kr=ledger.repaid(year, slug=slug), effekter=effects,
        rekommendation=recommendation(result.effekter) if result else "",
        kalkyl=kalkyl, återföringsplan=tuple(plan), plankälla=source if plan else None,
        kalkyl_jämförbar=restate(kalkyl, year, year, kpi) if kalkyl else None,
    )


def _repayments(lines: tuple[ProjectLine, ...], ledger: Ledger, year: int) -> tuple[CommitteeRepayment, ...]:
    committees: dict[str, list[str]] = {}
    for p in lines:
        for f in p.återföringsplan:
            committees.setdefault(f.nämnd or "", [])
            if p.slug not in committees[f.nämnd or ""]:
                committees[f.nämnd or ""].append(p.slug)
    for f in ledger.återfört:
        committees.setdefault(f.nämnd or "", [])
        if f.projekt and f.projekt not in committees[f.nämnd or ""]:
            committees[f.nämnd or ""].append(f.projekt)
    out = []
    for name in sorted(committees):
        plan = [f for p in lines for f in p.återföringsplan if f.nämnd == name]
        out.append(CommitteeRepayment(
            nämnd=name, planerat_tom_år=float(sum(f.belopp for f in plan if f.år <= year)),
            återfört_tom_år=ledger.repaid(year, nämnd=name), planerat_totalt=float(sum(f.belopp for f in plan)),
            projekt=tuple(committees[name])))
    return tuple(out)


def build(material: Material, year: int | None = None, report_date: dt.date | str | None = None) -> Consolidated:
    """Join the ledger and the project runs into the consolidated evaluation for ``year``."""
    report_date = dt.date.fromisoformat(str(report_date)) if report_date else dt.date.today()
    ledger = material.ledger
    year = year or default_year(ledger, report_date)
    runs = {r.slug: r for r in material.runs}
    order = [g.projekt for g in ledger.beviljat] + sorted(s for s in runs if ledger.grant(s) is None)
    lines = tuple(_line(slug, runs.get(slug), ledger, year, material.kpi) for slug in order)
    warnings = list(ledger.varningar)
    missing = sorted({y for p in lines if p.kalkyl_jämförbar for y in p.kalkyl_jämförbar["kpi_saknas"]})
    if missing and any(p.kalkyl_jämförbar for p in lines):
        warnings.append(f"KPI saknas för år {', '.join(map(str, missing))}; kalkylerna räknas om till {year} års "
                        "priser med närmaste år i kpi.csv (eller utan prisomräkning om kpi.csv saknas).")
    for p in lines:
        if p.fondstatus is None:
            warnings.append(f"{p.namn} finns under inputs/ men inte i {LEDGER_FILE}: inga belopp redovisas för projektet.")
        if p.körning == RUN_FAILED:
            warnings.append(f"Körningen av {p.namn} misslyckades: {p.skäl}")
        elif p.körning == RUN_MISSING and p.fondstatus is not None:
            warnings.append(f"{p.namn} har inga resultat i denna utvärdering ({p.skäl}).")
    return Consolidated(år=year, rapportdatum=report_date.isoformat(), ledger=ledger,
                        municipality=material.municipality, projekt=lines,
                        återföring=_repayments(lines, ledger, year), varningar=tuple(dict.fromkeys(warnings)))


def write_result(consolidated: Consolidated, out_dir: Path | str) -> dict[str, Any]:
    """Draw the figures and write ``resultat.json`` into the run folder; return what was written."""
    out_dir = Path(out_dir)
    data = consolidated.to_dict()
    fig = out_dir / paths.RUN_FIGURES / FOREST_FIGURE
    alt = plot_forest([e for p in consolidated.projekt for e in p.effekter], fig)
    if alt is not None:
        data["figurer"] = [{"fil": f"{paths.RUN_FIGURES}/{FOREST_FIGURE}", "alt": alt}]
    archive.write_json(out_dir / paths.RESULT, data)
    return data


# ---------------------------------------------------------------- the archived run


@dataclass(frozen=True)
class ConsolidatedOutcome:
    """Where the consolidated run lives and what it produced."""

    run_dir: Path
    documents: tuple[Path, ...]
    seconds: float


def _archive_material(run_dir: Path, inputs_dir: Path, runs: list[ProjectRun], outputs: Path) -> dict[str, str]:
    """Copy fond.yaml, kommun.yaml and each used project's resultat.json into ``indata/``."""
    files = [p for p in (inputs_dir / LEDGER_FILE, inputs_dir / MUNICIPALITY_FILE, inputs_dir / paths.KPI_FILE)
             if p.is_file()]
    sums = archive.copy_inputs(files, run_dir)
    listing = []
    for r in runs:
        item: dict[str, Any] = {"slug": r.slug, "status": r.status, "run_id": r.run_id, "körning": r.körning,
                                "skäl": r.skäl, "resultat": None}
        if r.körning and r.status in (RUN_DONE, RUN_REUSED):
            rel = f"{RESULTS_DIR}/{r.slug}/{paths.RESULT}"
            target = run_dir / paths.RUN_INPUTS / rel
            target.parent.mkdir(parents=True, exist_ok=True)
            archived = inputs_dir / rel  # reproducing: the result archived with the earlier run
            shutil.copyfile(archived if archived.is_file() else outputs / r.körning / paths.RESULT, target)
            sums[f"{paths.RUN_INPUTS}/{rel}"] = archive.sha256(target)
            item["resultat"] = rel
        listing.append(item)
    archive.write_json(run_dir / paths.RUN_INPUTS / RUNS_FILE, listing)
    sums[f"{paths.RUN_INPUTS}/{RUNS_FILE}"] = archive.sha256(run_dir / paths.RUN_INPUTS / RUNS_FILE)
    return sums


def run_consolidated(inputs_dir: Path | str, outputs: Path | str | None, runs: list[ProjectRun],
                     year: int | None = None, report_date: dt.date | str | None = None, *,
                     templates: Path | None = None, progress: Callable[[str], None] | None = None,
                     extra_manifest: dict[str, Any] | None = None,
                     kernel: WarmKernel | None = None) -> ConsolidatedOutcome:
    """Archive the material, run the notebook with Papermill, render the three documents.

    The run folder is ``outputs/samlad/<år>/<run-id>/``; it is marked
    ``misslyckad`` unless every step succeeded, like a project run.  Without a
    ``kernel`` one starts now in the background and is stopped at the end.
    """
    if kernel is None:
        own = WarmKernel(CONSOLIDATED_PRELOAD).start_in_background()
        try:
            return run_consolidated(inputs_dir, outputs, runs, year, report_date, templates=templates,
                                    progress=progress, extra_manifest=extra_manifest, kernel=own)
        finally:
            own.shutdown()
    t0 = time.perf_counter()
    say = progress or (lambda _msg: None)
    inputs_dir = Path(inputs_dir).resolve()
    outputs = Path(outputs).resolve() if outputs else paths.OUTPUTS
    report_date = dt.date.fromisoformat(str(report_date)) if report_date else dt.date.today()
    ledger = load_ledger(inputs_dir)  # InputError before anything is written
    municipality = load_municipality_in(inputs_dir)
    year = year or default_year(ledger, report_date)
    source_set = paths.TemplateSet(templates or paths.ROOT)
    params = {"indata": str(inputs_dir), "år": year, "rapportdatum": report_date.isoformat(),
              "mallar": str(source_set.root), "anteckningsbok": NOTEBOOK}
    with lifecycle.interruptible() as interruption:
        manifest = archive.open_run(
            outputs / CONSOLIDATED_DIR, str(year), "samlad", params,
            prepare=lambda staging: {"indata": _archive_material(staging, inputs_dir, runs, outputs)},
            extra={"projektkörningar": {r.slug: r.körning for r in runs}, **(extra_manifest or {})})
        run_dir = manifest.run_dir
        try:
            run_set, template_sums = archive.copy_templates(source_set, run_dir)
            manifest.update(mallar=template_sums)
            say("Kör den samlade anteckningsboken …")
            execute(run_set.notebook(NOTEBOOK), run_dir / NOTEBOOK,
                    {"indatamapp": str(run_dir / paths.RUN_INPUTS), "projektkorningar": "",
                     "utdatamapp": str(run_dir), "år": year, "rapportdatum": report_date.isoformat()},
                    run_dir, kernel=kernel, say=say)
            manifest.update(kärna=kernel.record())
            data = json.loads((run_dir / paths.RESULT).read_text(encoding="utf-8"))
            say("Skapar de samlade dokumenten …")
            rendered = render_documents(data, run_dir, report_date, run_set, municipality)
            manifest.update(renderare=rendered[0].renderer if rendered else None,
                            dokument=[str(p.relative_to(run_dir)) for r in rendered for p in (r.docx, r.pdf)])
            manifest.finish(archive.STATUS_DONE)
        except BaseException as exc:
            error = lifecycle.failed(manifest, exc, interruption, prefix="Den samlade utvärderingen misslyckades")
            if error is exc:
                raise
            raise error from exc
    docs = tuple(p for r in rendered for p in (r.docx, r.pdf))
    return ConsolidatedOutcome(run_dir=run_dir, documents=docs, seconds=time.perf_counter() - t0)
