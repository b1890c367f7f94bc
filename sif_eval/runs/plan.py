"""An application's plan as numbers: the ex-ante kalkyl and what the planned evaluation can detect.

``build_plan`` is what ``sif-eval ansökan`` archives as ``plan.json`` and
``sif-eval prioritera`` ranks; the documents are rendered from that dict
alone, so every figure in the projektplan is the one in plan.json.
"""

from __future__ import annotations

import dataclasses
from typing import Any, Literal

from .. import swedish as sv
from ..analysis.power import (
    Detectable,
    NoiseModel,
    PlannedDesign,
    minimum_detectable_effect,
    noise_from_history,
)
from ..economics.api import load_spec
from ..economics.calc import evaluate, is_fund
from ..economics.model import CostItem
from ..inputs.application import Application
from ..model import Indicator

PLAN_VERSION = 1
ALTERNATIVE_SIMULATIONS = 400
MAX_COMPARISON_UNITS = 200
Verdict = Literal["kan_visa_brytpunkt", "kan_visa_antagen", "kan_inte_visa_antagen", "kan_aldrig_visa"]
VERDICT_TEXT: dict[str, str] = {
    "kan_visa_brytpunkt": "Utvärderingen kan visa en effekt av den storlek där kalkylen går jämnt upp.",
    "kan_visa_antagen": "Utvärderingen kan visa den antagna effekten, men inte en effekt vid brytpunkten.",
    "kan_inte_visa_antagen": "Utvärderingen kan inte skilja den antagna effekten från slumpen.",
    "kan_aldrig_visa": "Med så få enheter kan ingen effekt, hur stor den än är, skiljas från slumpen.",
}


def amount(ind: Indicator, x: float) -> str:
    """An effect's size in the indicator's own unit, as the documents write it (always positive)."""
    if ind.typ == "andel":
        return sv.percentage_points(abs(x))
    return sv.decimal(abs(x), 2)


def direction_word(ind: Indicator) -> str:
    return "minskning" if ind.bättre == "lägre" else "ökning"


def _units(n: int, word: tuple[str, str]) -> str:
    return sv.count_words(n, word[0], word[1])


def _verdict(mde: float | None, assumed: float | None, break_even: float | None) -> Verdict:
    if mde is None:
        return "kan_aldrig_visa"
    if break_even is not None and mde <= abs(break_even):
        return "kan_visa_brytpunkt"
    if assumed is not None and mde <= abs(assumed):
        return "kan_visa_antagen"
    return "kan_inte_visa_antagen"


def _sentence(ind: Indicator, det: Detectable, assumed: float | None, break_even: float | None,
              unit_word: tuple[str, str]) -> str:
    """The plain-Swedish comparison the brief asks for."""
    d = det.design
    who = (f"Med {_units(d.insatsenheter, unit_word)} i insatsgruppen, {_units(d.jämförelseenheter, unit_word)} i "
           f"jämförelsegruppen och {d.perioder_före} perioder före och {d.perioder_efter} efter insatsstart")
    if det.mde is None:
        text = (f"{who} kan ingen {direction_word(ind)} skiljas från slumpen, hur stor den än är: det minsta "
                f"p-värde en randomisering över så få enheter kan ge är {sv.decimal(det.minsta_p, 2)}.")
    else:
        text = (f"{who} kan en {direction_word(ind)} mindre än {amount(ind, det.mde)} inte urskiljas från slumpen "
                f"(med {sv.percent(det.styrka, 0)} sannolikhet och signifikansnivån {sv.percent(det.nivå, 0)}).")
    parts = []
    if assumed is not None:
        parts.append(f"ansökan antar {amount(ind, assumed)}")
    if break_even is not None:
        parts.append(f"kalkylen går jämnt upp vid {amount(ind, break_even)}")
    if parts:
        text += " " + sv.join_list(parts).capitalize() + "."
    return text


def _alternatives(design: PlannedDesign, noise: NoiseModel, target: float | None, seed: int) -> list[dict[str, Any]]:
    """What would make the plan evaluable: more comparison units, more periods, more treated units."""
    def mde(d: PlannedDesign) -> float | None:
        return minimum_detectable_effect(d, noise, n_sim=ALTERNATIVE_SIMULATIONS, seed=seed, curve_points=0).mde

    out: list[dict[str, Any]] = []
    more_c = dataclasses.replace(design, jämförelseenheter=design.jämförelseenheter * 2)
    out.append({"slag": "fler_jämförelseenheter", **more_c.to_dict(), "mde": mde(more_c)})
    more_p = dataclasses.replace(design, perioder_före=design.perioder_före * 2)
    out.append({"slag": "fler_perioder_före", **more_p.to_dict(), "mde": mde(more_p)})
    more_t = dataclasses.replace(design, insatsenheter=design.insatsenheter * 2)
    out.append({"slag": "fler_insatsenheter", **more_t.to_dict(), "mde": mde(more_t)})
    if target is not None:
        # the smallest number of comparison units that detects ``target`` (MDE falls as units are added)
        lo, hi = design.jämförelseenheter, design.jämförelseenheter
        while hi < MAX_COMPARISON_UNITS:
            value = mde(dataclasses.replace(design, jämförelseenheter=hi))
            if value is not None and value <= target:
                break
            lo, hi = hi, min(MAX_COMPARISON_UNITS, hi * 2)
        else:
            out.append({"slag": "jämförelseenheter_räcker_inte", **dataclasses.replace(
                design, jämförelseenheter=MAX_COMPARISON_UNITS).to_dict(), "mde": None})
            hi = 0
        if hi and hi != design.jämförelseenheter:
            while hi - lo > 1:
                mid = (lo + hi) // 2
                value = mde(dataclasses.replace(design, jämförelseenheter=mid))
                if value is not None and value <= target:
                    hi = mid
                else:
                    lo = mid
            need = dataclasses.replace(design, jämförelseenheter=hi)
            out.append({"slag": "jämförelseenheter_som_behövs", **need.to_dict(), "mde": mde(need)})
    return out


def _alternative_text(ind: Indicator, alt: dict[str, Any], unit_word: tuple[str, str]) -> str:
    if alt["slag"] == "jämförelseenheter_räcker_inte":
        return (f"Inte ens med {_units(alt['jämförelseenheter'], unit_word)} i jämförelsegruppen blir målet "
                "nåbart: det är antalet enheter i insatsgruppen, eller antalet perioder, som begränsar.")
    what = {"fler_jämförelseenheter": f"Med {_units(alt['jämförelseenheter'], unit_word)} i jämförelsegruppen",
            "fler_perioder_före": f"Med {alt['perioder_före']} perioder före insatsstart",
            "fler_insatsenheter": f"Med {_units(alt['insatsenheter'], unit_word)} i insatsgruppen",
            "jämförelseenheter_som_behövs": f"Först med {_units(alt['jämförelseenheter'], unit_word)} i "
            "jämförelsegruppen"}[alt["slag"]]
    if alt["mde"] is None:
        return f"{what} kan fortfarande ingen effekt skiljas från slumpen."
    tail = " blir målet nåbart" if alt["slag"] == "jämförelseenheter_som_behövs" else ""
    return f"{what} blir den minsta upptäckbara effekten {amount(ind, alt['mde'])}{tail}."


def _noise(app: Application, ind: Indicator) -> NoiseModel:
    plan = app.plan_for(ind.id)
    if app.history is not None:
        rows = app.history[app.history["indikator"] == ind.id]
        found = noise_from_history(rows) if len(rows) else None
        if found is not None:
            return found
    assert plan.standardavvikelse is not None  # the loader demands it without usable history
    return NoiseModel(sd=plan.standardavvikelse, rho=plan.autokorrelation, baslinje=plan.baslinje, källa="ansökan")


def _maintenance_costs(app: Application, last_year: int) -> list[CostItem]:
    if app.underhåll_kostnad_per_år <= 0 or app.underhåll_år <= 0:
        return []
    first = app.underhåll_från_år or last_year + 1
    return [CostItem(år=y, belopp=app.underhåll_kostnad_per_år, bärare=app.project.ansvarig_nämnd,
                     beskrivning="Underhåll efter projekttiden") for y in range(first, first + app.underhåll_år)]


def build_plan(app: Application) -> dict[str, Any]:
    """Everything the projektplan and the ranking need, as plain numbers and texts (plan.json)."""
    p = app.project
    spec = load_spec(app.directory, settings=dict(p.extra))
    calc = None
    maintenance: list[CostItem] = []
    fund_cost = sum(c.belopp for c in spec.kostnader if is_fund(c.bärare)) if spec else 0.0
    if spec is not None:
        last = max((c.år for c in spec.kostnader), default=p.insatsstart.year)
        maintenance = _maintenance_costs(app, last)
        notes = tuple(w for w in spec.varningar if "har ingen skattning" not in w)  # expected in an application
        spec = dataclasses.replace(spec, kostnader=spec.kostnader + tuple(maintenance), varningar=notes)
        calc = evaluate(spec)
    kalkyl = calc.to_dict() if calc else None
    eval_cost = app.utvärdering_kostnad
    if eval_cost is None and app.utvärdering_andel is not None:
        eval_cost = app.utvärdering_andel * fund_cost
    eval_share = eval_cost / fund_cost if eval_cost is not None and fund_cost > 0 else None

    unit_word = app.enhetsord
    indicators = []
    posts = {b.indikator: b for b in (spec.nyttoposter if spec else ()) if b.indikator}
    breaks = {b.indikator: b for b in (calc.brytpunkter if calc else ()) if b.indikator}
    for ind in p.indikatorer:
        noise = _noise(app, ind)
        design = PlannedDesign(app.insatsenheter, app.jämförelseenheter, int(app.perioder_före or 1),
                               app.perioder_efter)
        det = minimum_detectable_effect(design, noise, n_sim=app.simuleringar)
        post = posts.get(ind.id)
        assumed = (post.riktning * post.antagen_effekt if post is not None and post.antagen_effekt is not None
                   else ind.effektmål)
        brk = breaks.get(ind.id)
        break_even = brk.effekt if brk is not None else None
        verdict = _verdict(det.mde, assumed, break_even)
        target = abs(break_even) if break_even is not None else abs(assumed) if assumed is not None else None
        alts = _alternatives(design, noise, target, det.frö) if verdict != "kan_visa_brytpunkt" else []
        indicators.append({
            "id": ind.id, "namn": ind.namn, "typ": ind.typ, "bättre": ind.bättre, "effektmål": ind.effektmål,
            "antagen_effekt": assumed, "brytpunkt_effekt": break_even, "brus": noise.to_dict(),
            "upptäckbar": det.to_dict(), "bedömning": verdict, "bedömning_text": VERDICT_TEXT[verdict],
            "mening": _sentence(ind, det, assumed, break_even, unit_word),
            "alternativ": [{**a, "text": _alternative_text(ind, a, unit_word)} for a in alts],
            "uppföljning": dataclasses.asdict(app.plan_for(ind.id)),
            "kvot_mde_antagen": (det.mde / abs(assumed) if det.mde is not None and assumed else None),
        })
    linked = [i for i in indicators if i["id"] in posts] or indicators
    evaluable = bool(linked) and all(i["bedömning"] in ("kan_visa_brytpunkt", "kan_visa_antagen") for i in linked)
    return {
        "plan_version": PLAN_VERSION, "typ": "ansökan", "slug": p.slug, "projekt": p.projekt,
        "diarienummer": p.diarienummer, "ansvarig_nämnd": p.ansvarig_nämnd, "handläggare": p.handläggare,
        "insatsstart": p.insatsstart.isoformat(), "period": app.period, "kommun": app.kommun,
        "målgrupp": p.målgrupp, "behov": app.behov, "insats": app.insats, "evidens": app.evidens,
        "referenser": list(app.referenser), "berörda_nämnder": list(app.berörda_nämnder),
        "barn_och_unga": app.barn_och_unga, "barnperspektiv": app.barnperspektiv,
        "jämställdhetsperspektiv": app.jämställdhetsperspektiv,
        "kalkyl": kalkyl, "fondens_kostnad_kr": round(fund_cost, 2),
        "underhåll": {"beskrivning": app.underhåll, "kostnad_per_år_kr": app.underhåll_kostnad_per_år,
                      "år": [c.år for c in maintenance], "summa_kr": round(sum(c.belopp for c in maintenance), 2),
                      "bärare": p.ansvarig_nämnd, "finansiering": app.underhåll_finansiering,
                      "följdinvesteringar": app.följdinvesteringar, "ingår_i_kalkylen": bool(maintenance)},
        "implementering": {"plan": app.implementering,
                           "checklista": [dataclasses.asdict(c) for c in app.checklista]},
        "utvärdering": {"design": "did", "insatsenheter": app.insatsenheter,
                        "jämförelseenheter": app.jämförelseenheter, "perioder_före": app.perioder_före,
                        "perioder_efter": app.perioder_efter, "periodtyp": app.periodtyp,
                        "jämförelsegrupp": app.jämförelsegrupp, "utvärderare": app.utvärderare,
                        "kostnad_kr": None if eval_cost is None else round(eval_cost, 2),
                        "andel_av_budget": eval_share, "följsamhet": app.följsamhet,
                        "inferens": indicators[0]["upptäckbar"]["inferens"] if indicators else None},
        "indikatorer": indicators, "utvärderingsbar": evaluable,
        "går_jämnt_upp": bool(calc is not None and calc.nettonuvärde_kr >= 0),
    }
