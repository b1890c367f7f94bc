"""The projektplan of an application, from ``plan.json`` alone (never recomputing).

Sections follow the application requirements of Uppsala's riktlinje (need
and target group, evidence, cost calculation with payment times, benefits,
follow-up and evaluation plan, repayment and maintenance after the project,
time period; jämställdhets- and barnperspektiv) and Södertälje's (an
evaluation plan saying who evaluates and how, a share of the money for
evaluation, an implementation plan with a checklist).
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from .. import paths
from .. import swedish as sv
from ..model import Municipality
from . import render
from .report import FILTERS

TEMPLATE = "projektplan.md.j2"
STEM = "projektplan"
REACH_TEXT = {"direkt": "Insatsen riktar sig direkt till barn och unga.",
              "indirekt": "Insatsen riktar sig indirekt till barn och unga (genom deras föräldrar eller miljö).",
              "nej": "Insatsen riktar sig inte till barn och unga."}
INFERENCE_TEXT = {
    "randomisering": ("Eftersom färre än tio enheter finns i någon av grupperna bedöms osäkerheten med "
                      "randomiseringsinferens: effekten jämförs med de skattningar man får om andra enheter "
                      "låtsas vara insatsgrupp."),
    "kluster": "Osäkerheten bedöms med standardfel som tar hänsyn till att värden från samma enhet hänger ihop.",
}


def _amount(typ: str, x: float | None) -> str:
    if x is None:
        return "–"
    return sv.percentage_points(abs(x)) if typ == "andel" else sv.decimal(abs(x), 2)


def _level(typ: str, x: float | None) -> str:
    if x is None:
        return "–"
    return sv.percent(x) if typ == "andel" else sv.decimal(x, 2)


def indicator_rows(plan: dict[str, Any]) -> list[dict[str, str]]:
    """One row per indicator for the table of what the evaluation can detect."""
    rows = []
    for i in plan["indikatorer"]:
        det = i["upptäckbar"]
        rows.append({"namn": i["namn"], "baslinje": _level(i["typ"], i["brus"]["baslinje"]),
                     "sd": _amount(i["typ"], i["brus"]["standardavvikelse"]),
                     "mde": _amount(i["typ"], det["mde"]) if det["mde"] is not None else "kan inte visas",
                     "antagen": _amount(i["typ"], i["antagen_effekt"]),
                     "brytpunkt": _amount(i["typ"], i["brytpunkt_effekt"]),
                     "bedömning": i["bedömning_text"]})
    return rows


def break_even_rows(plan: dict[str, Any]) -> list[dict[str, str]]:
    """Each benefit's break-even improvement, in its indicator's unit (procentenheter for a share)."""
    types = {i["id"]: i["typ"] for i in plan["indikatorer"]}
    return [{"nyttopost": b["nyttopost"], "värde": _amount(types.get(b["indikator"], "medelvärde"), b["förbättring"])}
            for b in (plan["kalkyl"] or {}).get("brytpunkter", [])]


def context(plan: dict[str, Any], municipality: Municipality, report_date: dt.date) -> dict[str, Any]:
    k = plan["kalkyl"]
    e = plan["utvärdering"]
    costs = [c for c in (k["antaganden"]["kostnader"] if k else [])]
    mc = k["monte_carlo"] if k else None
    years = [y for y in (k["år"] if k else []) if y["kostnad_kr"] or y["nytta_kr"]]
    sens = (k["känslighet"] if k else [])[:5]
    noise_sources = sorted({i["brus"]["källa"] for i in plan["indikatorer"]})
    return {
        "p": plan, "k": k, "e": e, "m": municipality, "datum": sv.date_header(report_date),
        "kostnader": costs, "brytpunkter": break_even_rows(plan), "år_rader": years, "känslighet": sens, "mc": mc,
        "barn_text": REACH_TEXT[plan["barn_och_unga"]], "indikatorrader": indicator_rows(plan),
        "inferens_text": INFERENCE_TEXT.get(e.get("inferens") or "", ""),
        "brus_från_historik": "historik" in noise_sources, "brus_angivet": "ansökan" in noise_sources,
        "evaluable_text": ("Den planerade utvärderingen kan visa den effekt ansökan antar för varje indikator som "
                           "kalkylen bygger på." if plan["utvärderingsbar"] else
                           "Den planerade utvärderingen kan inte visa den effekt ansökan antar för alla indikatorer "
                           "som kalkylen bygger på; se förslagen nedan."),
    }


def write_source(plan: dict[str, Any], run_dir: Path, report_date: dt.date, templates: paths.TemplateSet,
                 municipality: Municipality) -> Path:
    ctx = context(plan, municipality, report_date)
    title = f"Projektplan: {plan['projekt']}"
    meta = {"title": render.escape_md(title), "lang": "sv-SE", "toc": True,
            "author": render.escape_md(municipality.kommun or plan["kommun"] or plan["ansvarig_nämnd"]),
            "date": sv.date_header(report_date), "kommun": render.escape_md(municipality.kommun or plan["kommun"]),
            "diarienummer": render.escape_md(plan["diarienummer"])}
    return render.write_source(TEMPLATE, ctx, meta, run_dir / paths.RUN_SOURCES / f"{STEM}.qmd", filters=FILTERS,
                               template_dir=templates.templates)


def render_projektplan(plan: dict[str, Any], run_dir: Path, report_date: dt.date, templates: paths.TemplateSet,
                       municipality: Municipality) -> render.Rendered:
    source = write_source(plan, run_dir, report_date, templates, municipality)
    return render.render(source, run_dir / paths.RUN_DOCUMENTS, report_date, title=f"Projektplan: {plan['projekt']}",
                         author=municipality.kommun or plan["kommun"] or plan["ansvarig_nämnd"], root=run_dir,
                         config=templates.quarto_config)
