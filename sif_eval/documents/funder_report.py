"""The återrapportering: a report back to a funder on each insats and its money.

Laid out like bilaga 1 of the seed ``004_…``: Bakgrund, Övergripande
slutsatser, then one section per insats (Ansvarig nämnd, Beskrivning, Budget
och ekonomiskt utfall, Resultat och bedömd effekt, Fortsättning av insats),
and the totals: requisitioned, used, per committee, to repay.  The texts per
insats come from ``insatser.yaml``; the money from ``ekonomi.csv`` through
:mod:`sif_eval.economics`.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from .. import swedish as sv
from ..model import Municipality, ProjectResult

FUNDER_TEMPLATE = "aterrapportering.md.j2"
BOARD_TEMPLATE = "tjansteskrivelse_aterrapportering.md.j2"


def _tkr(x: float | None) -> str:
    return "–" if x is None else sv.tkr(x)


def context(result: ProjectResult, municipality: Municipality, report_date: dt.date) -> dict[str, Any]:
    """Everything the återrapportering and its board paper show, formatted the Swedish way."""
    extra = dict(result.extra)
    ekonomi = result.ekonomi or {}
    rows = {r["insats"]: r for r in ekonomi.get("rader", [])}
    insatser = []
    for raw in extra.get("insatser", []):
        row = rows.get(raw["namn"], {})
        insatser.append({**raw, "budgeterat": _tkr(row.get("budgeterat_kr")), "utfall": _tkr(row.get("utfall_kr")),
                         "kommentar": row.get("kommentar") or ""})
    per_committee = [{"nämnd": t["nämnd"], "belopp": sv.kronor(t["utfall_kr"])} for t in ekonomi.get("per_nämnd", [])]
    used, received, repay = ekonomi.get("utfall_kr"), ekonomi.get("mottaget_kr"), ekonomi.get("att_återbetala_kr")
    funder = str(extra.get("bidragsgivare", "") or ekonomi.get("återbetalas_till", "") or "bidragsgivaren")
    area = str(extra.get("omrade", "")).strip()
    money = (f"{municipality.kommun or 'Kommunen'} har använt {sv.kronor(used)} av de rekvirerade medlen "
             f"({sv.kronor(received)})" if used is not None and received is not None else "")
    if money:
        money += f" för insatser i {area}." if area else "."
        if per_committee:
            money += " Medlen har använts av " + sv.join_list(
                f"{c['nämnd'][:1].lower() + c['nämnd'][1:]} ({c['belopp']})" for c in per_committee) + "."
        if repay is not None and repay > 0:
            money += f" En summa om {sv.kronor(repay)} har inte använts som planerats och återbetalas till {funder}."
    decision = extra.get("beslut_datum")
    return {
        "r": result, "m": municipality, "insatser": insatser, "per_nämnd": per_committee,
        "bakgrund": str(extra.get("bakgrund", "")), "slutsatser": str(extra.get("slutsatser", "")),
        "pengar": money, "bidragsgivare": funder,
        "rekvirerat": sv.kronor(received) if received is not None else "–",
        "använt": sv.kronor(used) if used is not None else "–",
        "återbetala": sv.kronor(repay) if repay is not None else "–",
        "varningar": list(ekonomi.get("varningar", [])),
        "n_insatser": sv.count_noun(len(insatser), "insats", "insatser"),
        "datum": sv.date_header(report_date), "datum_text": sv.date_text(report_date),
        "adressat_liten": municipality.adressat[:1].lower() + municipality.adressat[1:],
        "beslut_text": sv.date_text(decision) if decision else "",
        "skickas_till": [x for x in dict.fromkeys([c["nämnd"] for c in per_committee] + list(municipality.beslutet_skickas_till))],
        "bilaga": f"Bilaga 1, {result.projekt}",
    }
