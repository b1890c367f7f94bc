"""Swedish tables and sentences for the economics sections of the documents.

Reads the ``ekonomi`` and ``kalkyl`` sections of a result (already computed
by :mod:`sif_eval.economics`); formats, never recomputes.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .. import swedish as sv


def _kr(x: Any) -> str:
    return "–" if x is None else sv.kronor(x)


def _tkr(x: Any) -> str:
    return "–" if x is None else sv.tkr(x)


def budget_context(ekonomi: Mapping[str, Any] | None) -> dict[str, Any] | None:
    """Rows in tkr as the seeds write them, totals and the consistency warnings."""
    if not ekonomi:
        return None
    rows = [{"insats": r["insats"], "år": str(r["år"]), "nämnd": r["nämnd"], "budgeterat": _tkr(r["budgeterat_kr"]),
             "utfall": _tkr(r["utfall_kr"]), "avvikelse": _tkr(r["avvikelse_kr"]), "kommentar": r.get("kommentar") or ""}
            for r in ekonomi.get("rader", [])]
    total = ekonomi.get("totalt", {})
    used, budgeted = ekonomi.get("utfall_kr"), ekonomi.get("budgeterat_kr")
    sentence = f"Projektet har använt {_kr(used)} av budgeterade {_kr(budgeted)}"
    received = ekonomi.get("mottaget_kr")
    if received is not None:
        sentence += f" och har fått {_kr(received)} ({ekonomi.get('mottaget_grund', '')})"
    sentence += "."
    repay = ekonomi.get("att_återbetala_kr")
    repay_sentence = ""
    if repay is not None and repay > 0:
        to = ekonomi.get("återbetalas_till") or "fonden"
        repay_sentence = f"En summa om {_kr(repay)} har inte använts som planerat och återbetalas till {to}."
    elif repay is not None and repay < 0:
        repay_sentence = f"Utfallet överstiger det mottagna beloppet med {_kr(-repay)}."
    per_committee = [{"nämnd": t["nämnd"], "budgeterat": _kr(t["budgeterat_kr"]), "utfall": _kr(t["utfall_kr"]),
                      "mottaget": _kr(t.get("mottaget_kr")), "återbetala": _kr(t.get("att_återbetala_kr"))}
                     for t in ekonomi.get("per_nämnd", [])]
    return {"rader": rows, "totalt": {"budgeterat": _tkr(total.get("budgeterat_kr")), "utfall": _tkr(total.get("utfall_kr")),
                                      "avvikelse": _tkr(total.get("avvikelse_kr"))},
            "mening": sentence, "återbetalning": repay_sentence, "per_nämnd": per_committee,
            "varningar": list(ekonomi.get("varningar", [])),
            "utbetalning": [{"tillfälle": p["tillfälle"], "avser": p["avser"], "utbetalas": p["utbetalas"],
                             "belopp": _kr(p["belopp_kr"])} for p in ekonomi.get("utbetalningsplan", [])]}


def calculation_context(kalkyl: Mapping[str, Any] | None) -> dict[str, Any] | None:
    """The socio-economic calculation in sentences and tables, with its uncertainty."""
    if not kalkyl:
        return None
    rate = kalkyl.get("diskonteringsränta", 0.035)
    npv = kalkyl.get("nettonuvärde_kr")
    per_krona = kalkyl.get("nytta_per_krona")
    sentences = [
        f"Kalkylen ger ett nuvärde av nyttan på {_kr(kalkyl.get('nytta_nuvärde_kr'))} mot ett nuvärde av "
        f"kostnaderna på {_kr(kalkyl.get('kostnad_nuvärde_kr'))}, det vill säga ett nettonuvärde på {_kr(npv)} "
        f"med en real diskonteringsränta på {sv.percent(rate, 1)} (prisår {kalkyl.get('prisår')})."
    ]
    if per_krona is not None:
        sentences.append(f"Varje satsad krona ger {sv.decimal(per_krona, 2)} kronor i nytta.")
    payback = kalkyl.get("återbetalningsår")
    sentences.append(f"Nyttan har täckt kostnaderna år {payback}." if payback is not None
                     else "Nyttan når inte upp till kostnaderna under kalkylperioden.")
    sens = kalkyl.get("känslighetsfall") or {}
    if sens:
        sentences.append(f"Med {sv.percent(sens['diskonteringsränta'], 1)} ränta blir nettonuvärdet "
                         f"{_kr(sens['nettonuvärde_kr'])}.")
    breaks = []
    for b in kalkyl.get("brytpunkter", []):
        if b.get("indikator"):
            breaks.append(f"{b['nyttopost']}: lönsamt om effekten är minst {sv.decimal(b['effekt'], 3)} "
                          f"(i indikatorns enhet) när övriga nyttor är som beräknat")
    mc = kalkyl.get("monte_carlo")
    probability = None
    if mc:
        probability = (f"Sannolikheten att nyttan överstiger kostnaderna är {sv.percent(mc['sannolikhet_lönsam'], 0)} "
                       f"enligt en simulering med {sv.number(mc['dragningar'])} dragningar (frö {mc['frö']}); "
                       f"90 procent av utfallen ligger mellan {_kr(mc['nettonuvärde_p05_kr'])} och "
                       f"{_kr(mc['nettonuvärde_p95_kr'])}.")
    assumptions = kalkyl.get("antaganden", {})
    labels = [("diskonteringsränta", "Diskonteringsränta"), ("dödvikt", "Dödvikt"), ("attribution", "Attribution"),
              ("undanträngning", "Undanträngning"), ("bortfall_per_år", "Bortfall per år"),
              ("optimism", "Påslag för optimism på kostnaderna")]
    table = [{"antagande": label, "värde": sv.percent(assumptions[key], 1)} for key, label in labels
             if isinstance(assumptions.get(key), int | float)]
    table.append({"antagande": "Kalkylperiod", "värde": f"{assumptions.get('horisont_år', '–')} år efter {assumptions.get('basår', '–')}"})
    repay = [{"nämnd": r["nämnd"], "år": str(r["år"]), "belopp": _kr(r["belopp_kr"])} for r in kalkyl.get("återföring", [])]
    return {"meningar": sentences, "brytpunkter": breaks, "sannolikhet": probability, "antaganden": table,
            "återföring": repay, "återföring_text": kalkyl.get("återföring_text", ""),
            "återföring_tillämpas": bool(kalkyl.get("återföring_tillämpas")),
            "figur_kumulativ": kalkyl.get("figur_kumulativ"), "figur_kumulativ_alt": kalkyl.get("figur_kumulativ_alt"),
            "figur_tornado": kalkyl.get("figur_tornado"), "figur_tornado_alt": kalkyl.get("figur_tornado_alt"),
            "varningar": list(kalkyl.get("varningar", [])),
            "utbetalning": [{"tillfälle": p["tillfälle"], "avser": p["avser"], "utbetalas": p["utbetalas"],
                             "belopp": _kr(p["belopp_kr"])} for p in kalkyl.get("utbetalningsplan", [])],
            "lönsam": npv is not None and npv > 0}


def board_economy_text(ekonomi: Mapping[str, Any] | None, kalkyl: Mapping[str, Any] | None) -> list[str]:
    """Ekonomiska konsekvenser for a board paper: what approving means in money."""
    out = []
    budget = budget_context(ekonomi)
    if budget:
        out.append(budget["mening"])
        if budget["återbetalning"]:
            out.append(budget["återbetalning"])
    calc = calculation_context(kalkyl)
    if calc:
        out.append(calc["meningar"][0])
        if calc["återföring_tillämpas"] and calc["återföring_text"]:
            out.append(calc["återföring_text"])
    if not out:
        out.append("Förslaget till beslut har inga ekonomiska konsekvenser.")
    return out
