"""``sif-eval prioritera``: rank the year's applications by the urvalskriterier, with each score's basis.

Uppsala's riktlinje ranks applications that meet the grundkriterier by five
unweighted criteria: effektivitet, uppföljning och utvärdering, varaktighet,
implementeringsbarhet, and whether the insats reaches barn och unga.  Each
is scored 1–3 here from the application's own plan (plan.json), the basis
written out, and the scores summed (unweighted, as the riktlinje says); ties
are broken by benefit per krona.  The steering group gets a tjänsteskrivelse
with the table in Word and PDF under ``outputs/ansokningar/<run-id>/``.
"""

from __future__ import annotations

import datetime as dt
import shutil
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .. import paths
from .. import swedish as sv
from ..documents.priority import render_priority
from ..economics.api import economics_files
from ..errors import InputError, Problem
from ..inputs.application import is_application, load_application
from ..inputs.municipality import load_municipality_in
from ..paths import PROJECT_FILE
from . import archive, lifecycle
from .plan import build_plan

OUT_DIR = "ansokningar"
RESULT_FILE = "prioritering.json"
CRITERIA = ("effektivitet", "uppföljning och utvärdering", "varaktighet", "implementeringsbarhet", "barn och unga")
_EVAL_SCORE = {"kan_visa_brytpunkt": 3, "kan_visa_antagen": 2, "kan_inte_visa_antagen": 1, "kan_aldrig_visa": 1}


@dataclass(frozen=True)
class PriorityOutcome:
    run_dir: Path
    documents: tuple[Path, ...]
    ranking: list[dict[str, Any]]
    seconds: float


def _score(name: str, points: int, basis: str) -> dict[str, Any]:
    return {"kriterium": name, "poäng": points, "grund": basis}


def scores(plan: dict[str, Any]) -> list[dict[str, Any]]:
    """The five urvalskriterier, 1–3 points each, with the figures or facts they rest on."""
    k = plan["kalkyl"] or {}
    bpk = k.get("nytta_per_krona")
    eff = 3 if bpk is not None and bpk >= 2 else 2 if bpk is not None and bpk >= 1 else 1
    eff_basis = (f"Nytta per satsad krona {sv.decimal(bpk, 2)} (3 poäng från 2,00, 2 poäng från 1,00)."
                 if bpk is not None else "Kalkyl saknas.")
    linked = {b["indikator"] for b in k.get("brytpunkter", []) if b.get("indikator")}
    inds = [i for i in plan["indikatorer"] if i["id"] in linked] or plan["indikatorer"]
    weakest = min(inds, key=lambda i: _EVAL_SCORE[i["bedömning"]]) if inds else None
    ev = _EVAL_SCORE[weakest["bedömning"]] if weakest else 1
    ev_basis = weakest["mening"] if weakest else "Ingen indikator."
    m = plan["underhåll"]
    dur = 3 if m["beskrivning"] and m["summa_kr"] > 0 and m["finansiering"] else 2 if m["beskrivning"] else 1
    dur_basis = ("Underhåll beskrivet, kostnad " + sv.kronor(m["summa_kr"]) + f" finansierad av {m['finansiering']}."
                 if dur == 3 else "Underhåll beskrivet men utan kostnad eller finansiering." if dur == 2
                 else "Inget underhåll efter projekttiden beskrivet.")
    impl = plan["implementering"]
    items = impl["checklista"]
    complete = len(items) >= 3 and all(c["ansvarig"] for c in items)
    imp = 3 if impl["plan"] and complete else 2 if impl["plan"] or items else 1
    imp_basis = (f"Plan för implementering och checklista med {sv.count_noun(len(items), 'punkt', 'punkter')}"
                 + (", alla med ansvarig." if complete else "." if items else "; checklista saknas.")
                 if impl["plan"] else f"Ingen plan; checklista med {sv.count_noun(len(items), 'punkt', 'punkter')}.")
    reach = plan["barn_och_unga"]
    child = {"direkt": 3, "indirekt": 2, "nej": 1}[reach]
    child_basis = {"direkt": "Riktar sig direkt till barn och unga.",
                   "indirekt": "Riktar sig indirekt till barn och unga.",
                   "nej": "Riktar sig inte till barn och unga."}[reach]
    if plan["målgrupp"]:
        child_basis += f" Målgrupp: {plan['målgrupp']}."
    return [_score(CRITERIA[0], eff, eff_basis), _score(CRITERIA[1], ev, ev_basis), _score(CRITERIA[2], dur, dur_basis),
            _score(CRITERIA[3], imp, imp_basis), _score(CRITERIA[4], child, child_basis)]


def rank(plans: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Applications with their scores, best first (sum of points, then benefit per krona, then name)."""
    rows = []
    for plan in plans:
        s = scores(plan)
        rows.append({"slug": plan["slug"], "projekt": plan["projekt"], "nämnd": plan["ansvarig_nämnd"],
                     "diarienummer": plan["diarienummer"], "poäng": s, "summa": sum(x["poäng"] for x in s),
                     "nytta_per_krona": (plan["kalkyl"] or {}).get("nytta_per_krona"),
                     "nettonuvärde_kr": (plan["kalkyl"] or {}).get("nettonuvärde_kr"),
                     "fondens_kostnad_kr": plan["fondens_kostnad_kr"],
                     "går_jämnt_upp": plan["går_jämnt_upp"], "utvärderingsbar": plan["utvärderingsbar"]})
    rows.sort(key=lambda r: (-r["summa"], -(r["nytta_per_krona"] or 0.0), r["projekt"]))
    for i, r in enumerate(rows, start=1):
        r["rang"] = i
    return rows


def find_applications(inputs_dir: Path) -> list[Path]:
    return sorted(p for p in inputs_dir.iterdir()
                  if p.is_dir() and not p.name.startswith(".") and (p / PROJECT_FILE).is_file() and is_application(p))


def run_priority(inputs_dir: Path | str, outputs: Path | str | None = None,
                 report_date: dt.date | str | None = None, *, templates: Path | None = None,
                 progress: Callable[[str], None] | None = None) -> PriorityOutcome:
    """Plan every application under ``inputs_dir``, rank them, render the tjänsteskrivelse, archive it all."""
    t0 = time.perf_counter()
    say = progress or (lambda _msg: None)
    inputs_dir = Path(inputs_dir).resolve()
    outputs = Path(outputs).resolve() if outputs else paths.OUTPUTS
    report_date = dt.date.fromisoformat(str(report_date)) if report_date else dt.date.today()
    if not inputs_dir.is_dir():
        raise InputError(Problem(str(inputs_dir), "mappen finns inte.", hint="Ange mappen med ansökningarna, t.ex. inputs/."))
    folders = find_applications(inputs_dir)
    if not folders:
        raise InputError(Problem(str(inputs_dir), "ingen ansökan hittades (ingen mapp med 'status: ansökan' i "
                                 "projekt.yaml).", hint="Skapa en ansökan enligt README (Ansökan och prioritering)."))
    problems: list[Problem] = []
    apps = []
    for folder in folders:
        say(f"Läser {folder.name} …")
        try:
            apps.append(load_application(folder))
        except InputError as exc:
            problems += [Problem(f"{folder.name}/{p.file}", p.message, p.row, p.column, p.hint) for p in exc.problems]
    if problems:
        raise InputError(problems)
    plans = []
    for app in apps:
        say(f"Beräknar {app.project.slug} …")
        plans.append(build_plan(app))
    ranking = rank(plans)
    municipality = load_municipality_in(inputs_dir)
    source_set = paths.TemplateSet(templates or paths.ROOT)

    def copy_applications(staging: Path) -> dict[str, Any]:
        sums: dict[str, str] = {}
        for app in apps:
            for f in [*app.files, *economics_files(app.directory)]:
                rel = f"{paths.RUN_INPUTS}/{app.project.slug}/{f.name}" if f.parent == app.directory else \
                    f"{paths.RUN_INPUTS}/{f.name}"
                target = staging / rel
                target.parent.mkdir(parents=True, exist_ok=True)
                shutil.copyfile(f, target)
                sums[rel] = archive.sha256(target)
        return {"indata": sums}

    params = {"indata": str(inputs_dir), "rapportdatum": report_date.isoformat()}
    with lifecycle.interruptible() as interruption:  # the same life as a project run: complete, then renamed
        manifest = archive.open_run(outputs / OUT_DIR, str(report_date.year), "prioritering", params,
                                    prepare=copy_applications)
        run_dir = manifest.run_dir
        try:
            run_set, template_sums = archive.copy_templates(source_set, run_dir)
            manifest.update(mallar=template_sums)
            data = {"år": report_date.year, "rapportdatum": report_date.isoformat(), "rangordning": ranking,
                    "planer": plans, "kriterier": list(CRITERIA)}
            archive.write_json(run_dir / RESULT_FILE, data)
            say("Skapar tjänsteskrivelsen …")
            rendered = render_priority(data, run_dir, report_date, run_set, municipality)
            manifest.update(renderare=rendered.renderer,
                            dokument=[str(p.relative_to(run_dir)) for p in (rendered.docx, rendered.pdf)])
            manifest.finish(archive.STATUS_DONE)
        except BaseException as exc:
            error = lifecycle.failed(manifest, exc, interruption, prefix="Prioriteringen misslyckades")
            if error is exc:
                raise
            raise error from exc
    return PriorityOutcome(run_dir=run_dir, documents=(rendered.docx, rendered.pdf), ranking=ranking,
                           seconds=time.perf_counter() - t0)
