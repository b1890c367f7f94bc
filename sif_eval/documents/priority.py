"""The tjänsteskrivelse to the steering group ranking the year's applications (from prioritering.json alone)."""

from __future__ import annotations

import dataclasses
import datetime as dt
from pathlib import Path
from typing import Any

from .. import paths
from .. import swedish as sv
from ..model import Municipality
from . import render
from .report import FILTERS, _plain

TEMPLATE = "tjansteskrivelse_prioritering.md.j2"
STEM = "prioritering"
STEERING_GROUP = "Styrgruppen för sociala investeringar"
SHORT = {"effektivitet": "Eff.", "uppföljning och utvärdering": "Utv.", "varaktighet": "Var.",
         "implementeringsbarhet": "Impl.", "barn och unga": "Barn"}


def _yes(x: bool) -> str:
    return "ja" if x else "nej"


def context(data: dict[str, Any], municipality: Municipality, report_date: dt.date) -> dict[str, Any]:
    m = dataclasses.replace(municipality, adressat=STEERING_GROUP)
    ranking = data["rangordning"]
    rows = [{"rang": r["rang"], "projekt": r["projekt"], "nämnd": r["nämnd"],
             "poäng": [x["poäng"] for x in r["poäng"]], "summa": r["summa"],
             "kostnad": sv.tkr(r["fondens_kostnad_kr"]),
             "npk": sv.decimal(r["nytta_per_krona"], 2) if r["nytta_per_krona"] is not None else "–",
             "jämnt": _yes(r["går_jämnt_upp"]), "utvärderingsbar": _yes(r["utvärderingsbar"]),
             "grunder": r["poäng"]} for r in ranking]
    top = [r for r in ranking if r["går_jämnt_upp"]]
    clauses = ["rekommendera kommunstyrelsen att pröva ansökningarna i den ordning som tabell 1 anger"]
    if top:
        clauses.append(f"i första hand rekommendera {top[0]['projekt']} ({top[0]['nämnd']})")
    weak = [r["projekt"] for r in ranking if not r["utvärderingsbar"]]
    if weak:
        clauses.append(f"begära att {sv.join_list(weak)} kompletterar utvärderingsplanen så att den antagna "
                       "effekten kan skiljas från slumpen")
    total = sum(r["fondens_kostnad_kr"] for r in ranking)
    return {
        "m": m, "adressat_liten": STEERING_GROUP[:1].lower() + STEERING_GROUP[1:],
        "datum": sv.date_header(report_date), "datum_text": sv.date_text(report_date),
        "r": {"diarienummer": "–", "handläggare": m.förvaltning or "–"},
        "rubrik": f"Prioritering av ansökningar till {m.fond.lower()} {data['år']}",
        "beslut": clauses, "rader": rows, "kriterier": data["kriterier"], "kort": SHORT,
        "n_ansökningar": sv.count_words(len(ranking), "ansökan", "ansökningar"),
        "summa_kostnad": sv.kronor(total), "planer": data["planer"],
        "ekonomi_text": [f"De rangordnade ansökningarna söker sammanlagt {sv.kronor(total)} ur fonden. Beslutet om "
                         "prioritering har i sig inga ekonomiska konsekvenser; medel beviljas av kommunstyrelsen."],
        "beslutsunderlag": [f"Tjänsteskrivelse daterad {sv.date_text(report_date)}"]
        + [f"Projektplan: {p['projekt']}" for p in data["planer"]],
        "skickas_till": list(dict.fromkeys([p["ansvarig_nämnd"] for p in data["planer"]]
                                           + list(m.beslutet_skickas_till))),
    }


def render_priority(data: dict[str, Any], run_dir: Path, report_date: dt.date, templates: paths.TemplateSet,
                    municipality: Municipality) -> render.Rendered:
    ctx = context(data, municipality, report_date)
    title = ctx["rubrik"]
    author = municipality.kommun or municipality.fond
    meta = {"title-meta": render.escape_md(title), "lang": "sv-SE", "toc": False,
            "kommun": render.escape_md(municipality.kommun), "diarienummer": "",
            "author-meta": render.escape_md(_plain(author))}
    source = render.write_source(TEMPLATE, ctx, meta, run_dir / paths.RUN_SOURCES / f"{STEM}.qmd", filters=FILTERS,
                                 template_dir=templates.templates)
    return render.render(source, run_dir / paths.RUN_DOCUMENTS, report_date, title=title, author=author,
                         root=run_dir, config=templates.quarto_config)
