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


_NOUN = {"andel": "andelen", "antal": "antalet", "medelvärde": "medelvärdet"}
_PARAM_LABEL = {"dödvikt": "dödvikten", "attribution": "attributionen", "undanträngning": "undanträngningen",
                "bortfall_per_år": "bortfallet per år", "optimism": "optimismpåslaget på kostnaderna",
                "diskonteringsränta": "diskonteringsräntan", "horisont_år": "kalkylperioden"}
_ORIGIN = {"angiven": "angiven", "standard": "standardvärde", "designen": "satt av designen"}


def _amount(value: float, typ: str, decimals: int) -> str:
    """A magnitude in the indicator's unit: procentenheter for shares, a plain number otherwise."""
    return sv.percentage_points(value, decimals) if typ == "andel" else sv.number(value, decimals)


def _decimals(typ: str, values: list[float]) -> int:
    """Enough decimals to tell the values apart (shares in procentenheter from 1 decimal)."""
    size = max((abs(v) for v in values), default=0.0)
    start = 1 if typ == "andel" else 0 if size >= 100 else 1 if size >= 1 else 2 if size >= 0.1 else 3
    for decimals in range(start, start + 4):
        shown = {_amount(abs(v), typ, decimals) for v in values}
        if len(shown) == len({round(abs(v), 12) for v in values}):
            return decimals
    return start + 3


def change_words(improvement: float, riktning: int, typ: str, decimals: int, how: str = "med",
                 nouns: bool = False) -> str:
    """An improvement as the indicator moves: "minskar med 5,9 procentenheter" (lower is better);
    with ``nouns`` "en minskning med …"."""
    down = (improvement > 0) == (riktning < 0)
    verb = ("en minskning" if down else "en ökning") if nouns else ("minskar" if down else "ökar")
    return f"{verb} {how} {_amount(abs(improvement), typ, decimals)}"


def _basis(b: Mapping[str, Any]) -> str:
    if b.get("effektkälla") != "indikator":
        return "Den antagna effekten"
    return "Den uppmätta förändringen" if b.get("design") == "före_efter" else "Den skattade effekten"


def break_even_sentence(b: Mapping[str, Any], npv: float | None) -> str:
    """The break-even in the indicator's direction and unit, compared with the estimate in the same words.

    The estimate reaches the break-even exactly when the net present value is
    not negative (it is linear in the effect), so the two always agree.
    """
    typ, riktning = b.get("typ", "medelvärde"), -1 if b.get("riktning") == "lägre" else 1
    needed, est = float(b["förbättring"]), float(b.get("skattad_förbättring") or 0.0)
    sign = "" if npv is None else (", och nettonuvärdet är positivt" if npv > 0 else
                                   ", och nettonuvärdet är negativt" if npv < 0 else ", och nettonuvärdet är noll")
    if not b.get("indikator"):  # an assumed improvement without an indicator: no unit or direction to speak of
        decimals = _decimals("medelvärde", [needed, est])
        verdict = "räcker" if est >= needed else "räcker inte"
        return (f"{b['nyttopost']}: kalkylen går jämnt upp om förbättringen är minst {sv.decimal(needed, decimals)}. "
                f"Den antagna förbättringen ({sv.decimal(est, decimals)}) {verdict}{sign}")
    noun = _NOUN.get(typ, "värdet")
    decimals = _decimals(typ, [needed, est])
    if needed > 0 and _amount(needed, typ, decimals) != _amount(0.0, typ, decimals):
        head = (f"{b['nyttopost']}: kalkylen går jämnt upp om {noun} "
                f"{change_words(needed, riktning, typ, decimals, 'med minst')}")
    elif needed < 0 and _amount(-needed, typ, decimals) != _amount(0.0, typ, decimals):
        head = (f"{b['nyttopost']}: kalkylen går jämnt upp även om {noun} "
                f"{change_words(needed, riktning, typ, decimals, 'med upp till')}")
    else:
        head = f"{b['nyttopost']}: kalkylen går jämnt upp utan någon förändring av {noun}"
    shown = "ingen förändring" if _amount(abs(est), typ, decimals) == _amount(0.0, typ, decimals) else \
        change_words(est, riktning, typ, decimals, nouns=True)
    verdict = "räcker" if est >= needed else "räcker inte"
    return f"{head}. {_basis(b)} ({shown}) {verdict}{sign}"


def _param_name(code: str, posts: list[Mapping[str, Any]]) -> str:
    if code.startswith("nyttoposter["):
        i = int(code[len("nyttoposter["):code.index("]")]) - 1
        name = posts[i]["namn"] if i < len(posts) else ""
        field = code.split(".", 1)[1]
        if field == "effekt":
            estimated = i < len(posts) and posts[i].get("effektkälla") == "indikator"
            return f"effekten för {name}" + (" (skattningens osäkerhet)" if estimated else "")
        return {"antal_personer": "antalet personer", "enhetskostnad": "enhetskostnaden",
                "lutning": "lutningsförändringen"}.get(field, field) + f" för {name}"
    return _PARAM_LABEL.get(code, code)


def probability_sentence(mc: Mapping[str, Any], posts: list[Mapping[str, Any]]) -> str:
    """The simulated probability, naming what was varied and what was held fixed."""
    varied = [_param_name(c, posts) for c in mc.get("varierade_parametrar", [])]
    held = [_param_name(c, posts) for c in mc.get("fasta_parametrar", [])]
    if not varied:
        return ("Ingen osäkerhet är angiven för kalkylens antaganden och effekterna saknar skattad osäkerhet, så "
                "någon sannolikhet för att nyttan överstiger kostnaderna beräknas inte.")
    text = (f"Sannolikheten att nyttan överstiger kostnaderna är {sv.percent(mc['sannolikhet_lönsam'], 0)} enligt en "
            f"simulering med {sv.number(mc['dragningar'])} dragningar (frö {mc['frö']}) där "
            f"{sv.join_list(varied)} varierar inom angivna intervall eller skattningens osäkerhet")
    if held:
        text += f", medan {sv.join_list(held)} hålls fasta eftersom inget intervall är angivet"
    return (text + f". 90 procent av utfallen ligger mellan {_kr(mc['nettonuvärde_p05_kr'])} och "
            f"{_kr(mc['nettonuvärde_p95_kr'])}.")


def _value(row: Mapping[str, Any]) -> str:
    v, unit = row.get("värde"), row.get("enhet")
    if v is None:
        return "–"
    if unit in ("andel", "ränta"):
        return sv.percent(v, 1, word=False)
    if unit == "år":
        return f"{sv.number(v)} år"
    if unit == "årtal":
        return str(v)
    if unit == "kr":
        return sv.kronor(v)
    if unit == "effekt":
        typ = row.get("typ", "medelvärde")
        decimals = _decimals(typ, [float(v)])
        if typ == "andel":
            return sv.percentage_points(v, decimals)
        return sv.number(v, decimals)
    return sv.number(v, None)


def assumption_rows(kalkyl: Mapping[str, Any]) -> list[dict[str, str]]:
    """The assumptions table: value, where it came from (stated, default, set by the design) and why."""
    out = []
    for row in kalkyl.get("antagandetabell", []):
        source = row.get("källa_text") or _ORIGIN.get(row.get("källa", ""), "")
        if row.get("intervall"):
            lo, hi = row["intervall"]
            source += f", intervall {_value({**row, 'värde': lo})}–{_value({**row, 'värde': hi})}"
        comment = row.get("kommentar") or ""
        out.append({"antagande": row["antagande"], "värde": _value(row), "källa": source, "kommentar": comment,
                    "källa_kod": row.get("källa", "")})
    return out


def _plan_rows(kalkyl: Mapping[str, Any]) -> list[dict[str, str]]:
    """Both repayment plans per committee and year: conservative and point estimate side by side."""
    keys: dict[tuple[str, int], list[float]] = {}
    for i, name in enumerate(("återföring_försiktig", "återföring_skattning")):
        for r in kalkyl.get(name, []):
            keys.setdefault((r["nämnd"], int(r["år"])), [0.0, 0.0])[i] += float(r["belopp_kr"])
    rows = [{"nämnd": n, "år": str(y), "försiktig": _kr(v[0]), "skattning": _kr(v[1])}
            for (n, y), v in sorted(keys.items(), key=lambda kv: (kv[0][1], kv[0][0]))]
    if rows:
        totals = [sum(v[i] for v in keys.values()) for i in (0, 1)]
        rows.append({"nämnd": "Totalt", "år": "", "försiktig": _kr(totals[0]), "skattning": _kr(totals[1])})
    return rows


def payback_sentence(year: Any) -> str:
    if year is None:
        return "Inom kalkylperioden täcker nyttan inte kostnaderna."
    return (f"Från och med år {year} täcker den diskonterade nyttan de diskonterade kostnaderna och gör det "
            "sedan under resten av kalkylperioden.")


def basis_sentences(kalkyl: Mapping[str, Any]) -> list[str]:
    """What each benefit rests on: an effect against a comparison, a before/after change, or an assumption."""
    out = []
    for p in kalkyl.get("antaganden", {}).get("nyttoposter", []):
        if p.get("effektkälla") == "indikator" and p.get("design") == "före_efter":
            out.append(f"Nyttan av {sv.lower_first(p['namn'])} bygger på den uppmätta förändringen före och efter "
                       "insatsen hos deltagarna. Det är en förändring, inte en effekt: utan jämförelsegrupp visar den "
                       "inte vad som hade hänt utan insatsen, och därför dras dödvikten av.")
        elif p.get("effektkälla") != "indikator":
            out.append(f"Nyttan av {sv.lower_first(p['namn'])} bygger på en antagen effekt, inte en skattad.")
        elif p.get("lutning"):
            out.append(f"Nyttan av {sv.lower_first(p['namn'])} följer den avbrutna tidsseriens skattade nivå- och "
                       "lutningsförändring inom kalkylperioden.")
    return out


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
    sentences.append(payback_sentence(kalkyl.get("återbetalningsår")))
    sens = kalkyl.get("känslighetsfall") or {}
    if sens:
        sentences.append(f"Med {sv.percent(sens['diskonteringsränta'], 1)} ränta blir nettonuvärdet "
                         f"{_kr(sens['nettonuvärde_kr'])}.")
    breaks = [break_even_sentence(b, npv) for b in kalkyl.get("brytpunkter", [])]
    posts = list(kalkyl.get("antaganden", {}).get("nyttoposter", []))
    mc = kalkyl.get("monte_carlo")
    probability = probability_sentence(mc, posts) if mc else None
    plans = _plan_rows(kalkyl)
    return {"meningar": sentences, "underlag": basis_sentences(kalkyl), "brytpunkter": breaks,
            "sannolikhet": probability, "antaganden": assumption_rows(kalkyl),
            "återföring": plans, "återföring_text": kalkyl.get("återföring_text", ""),
            "återföringsgrund": kalkyl.get("återföringsgrund", "försiktig"),
            "återföring_tillämpas": bool(kalkyl.get("återföring_tillämpas")),
            "figur_kumulativ": kalkyl.get("figur_kumulativ"), "figur_kumulativ_alt": kalkyl.get("figur_kumulativ_alt"),
            "figur_tornado": kalkyl.get("figur_tornado"), "figur_tornado_alt": kalkyl.get("figur_tornado_alt"),
            "varningar": list(kalkyl.get("varningar", [])),
            "utbetalning": [{"tillfälle": p["tillfälle"], "avser": p["avser"], "utbetalas": p["utbetalas"],
                             "belopp": _kr(p["belopp_kr"])} for p in kalkyl.get("utbetalningsplan", [])],
            "lönsam": npv is not None and npv > 0}


def repayment_proposal(kalkyl: Mapping[str, Any] | None) -> str:
    """The board paper's proposal: the chosen plan (conservative by default) beside the other one."""
    if not kalkyl or not kalkyl.get("återföring_tillämpas"):
        return ""
    careful = sum(float(r["belopp_kr"]) for r in kalkyl.get("återföring_försiktig", []))
    point = sum(float(r["belopp_kr"]) for r in kalkyl.get("återföring_skattning", []))
    if not careful and not point:
        return ""
    chosen = kalkyl.get("återföringsgrund", "försiktig")
    if chosen == "försiktig":
        return (f"Förvaltningen föreslår återföring enligt den försiktiga planen, {_kr(careful)}, som bara räknar "
                f"med den del av effekten som konfidensintervallet stöder. Med punktskattningen skulle återföringen "
                f"bli {_kr(point)}. Båda planerna är prognoser som stäms av vid en uppföljande utvärdering.")
    return (f"Förvaltningen föreslår återföring enligt punktskattningen, {_kr(point)}. Den försiktiga planen, som "
            f"bara räknar med den del av effekten som konfidensintervallet stöder, ger {_kr(careful)}. Båda "
            "planerna är prognoser som stäms av vid en uppföljande utvärdering.")


def repayment_clause(kalkyl: Mapping[str, Any] | None) -> str | None:
    """The "att"-clause on repayment: the chosen plan's total, or that none is proposed yet."""
    if not kalkyl or not kalkyl.get("återföring_tillämpas"):
        return None
    plans = {k: sum(float(r["belopp_kr"]) for r in kalkyl.get(f"återföring_{k}", [])) for k in ("försiktig", "skattning")}
    if not any(plans.values()):
        return None
    chosen = kalkyl.get("återföringsgrund", "försiktig")
    name = "den försiktiga planen" if chosen == "försiktig" else "punktskattningen"
    if plans[chosen] <= 0:
        return (f"notera att {name} inte ger någon återföring till fonden förrän effekten kan konstateras vid en "
                "uppföljande utvärdering")
    return f"fastställa återföringen till fonden till {_kr(plans[chosen])} enligt {name} under Ekonomiska konsekvenser"


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
        out.extend(calc["underlag"])
        proposal = repayment_proposal(kalkyl)
        if proposal:
            out.append(proposal)
    if not out:
        out.append("Förslaget till beslut har inga ekonomiska konsekvenser.")
    return out
