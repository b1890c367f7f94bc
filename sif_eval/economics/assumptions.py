"""The assumptions table: every parameter of a calculation with its value and where it came from.

A row is a plain dict (it goes into ``resultat.json`` as ``kalkyl.antagandetabell``):
``parameter``, ``antagande`` (Swedish label), ``värde`` (a number), ``enhet``
(``andel`` | ``ränta`` | ``år`` | ``kr`` | ``effekt`` | ``antal``), ``källa``
(``angiven`` | ``standard`` | ``designen``), ``källa_text`` and ``kommentar``
(Swedish), and for an effect ``typ`` and ``riktning`` so that it can be written
in the indicator's unit.
"""

from __future__ import annotations

from typing import Any

from .. import swedish as sv
from .model import BenefitItem, Spec

DESIGN_NAMES = {"did": "skillnad-i-skillnader", "its": "avbruten tidsserie",
                "its_kontrollerad": "kontrollerad avbruten tidsserie", "före_efter": "före/efter-jämförelse",
                "stegvis": "stegvis design", "syntetisk": "syntetisk kontroll"}

_ORIGIN_TEXT = {"angiven": "angiven i kalkylen", "standard": "standardvärde", "designen": "satt av designen"}


def design_name(design: str | None) -> str:
    return DESIGN_NAMES.get(design or "", design or "")


def _row(parameter: str, label: str, value: Any, unit: str, origin: str, comment: str = "",
         origin_text: str | None = None, **extra: Any) -> dict[str, Any]:
    return {"parameter": parameter, "antagande": label, "värde": value, "enhet": unit, "källa": origin,
            "källa_text": origin_text or _ORIGIN_TEXT[origin], "kommentar": comment, **extra}


def _deadweight(spec: Spec, post: BenefitItem | None, label: str) -> dict[str, Any]:
    a = spec.antaganden
    stated = a.origin("dödvikt")
    if post is not None and not a.applies_deadweight(post):
        comment = (f"{design_name(post.design).capitalize()} jämför med vad som hade hänt utan insatsen, så "
                   "skattningen är redan rensad för dödvikt.")
        if stated == "angiven" and a.dödvikt:
            comment += f" Den angivna dödvikten ({sv.percent(a.dödvikt, 0)}) tillämpas därför inte."
        return _row("dödvikt", label, 0.0, "andel", "designen",
                    comment, origin_text=f"satt av designen ({design_name(post.design)})")
    comment = ""
    if post is not None and post.källa == "indikator":
        comment = "En före/efter-jämförelse saknar jämförelse; dödvikten är det enda avdraget för vad som hade hänt ändå."
    elif post is not None:
        comment = "Effekten är ett antagande utan jämförelse; dödvikten dras av."
    return _row("dödvikt", label, a.dödvikt, "andel", stated, comment)


def assumption_table(spec: Spec) -> tuple[dict[str, Any], ...]:
    """Rows for every parameter: the calculation's, then each benefit's effect, persons and unit cost."""
    a = spec.antaganden
    rows = [
        _row("diskonteringsränta", "Diskonteringsränta (real)", a.diskonteringsränta, "ränta",
             a.origin("diskonteringsränta")),
        _row("känslighet_ränta", "Ränta i känslighetsfallet", a.känslighet_ränta, "ränta",
             a.origin("känslighet_ränta")),
        _row("horisont_år", f"Kalkylperiod efter basåret {a.basår}", a.horisont_år, "år", a.origin("horisont_år")),
        _row("prisår", "Prisår", a.prisår, "årtal", a.origin("prisår")),
    ]
    posts = spec.nyttoposter
    if len(posts) > 1:
        rows += [_deadweight(spec, p, f"Dödvikt – {p.namn}") for p in posts]
    else:
        rows.append(_deadweight(spec, posts[0] if posts else None, "Dödvikt"))
    for name, label, neutral in (("attribution", "Attribution", 1.0), ("undanträngning", "Undanträngning", 0.0)):
        value = getattr(a, name)
        if a.origin(name) == "angiven":
            rows.append(_row(name, label, value, "andel", "angiven", f"Skäl: {a.reason(name)}" if a.reason(name) else ""))
        else:
            rows.append(_row(name, label, neutral, "andel", "standard", "Inte angiven med skäl, så den tillämpas inte."))
    rows.append(_row("bortfall_per_år", "Bortfall per år", a.bortfall_per_år, "andel", a.origin("bortfall_per_år")))
    rows.append(_row("optimism", "Påslag för optimism på kostnaderna", a.optimism, "andel", a.origin("optimism")))
    for p in posts:
        rows.extend(_post_rows(p))
    for row in rows:
        rng = a.interval(row["parameter"]) if row["källa"] == "angiven" else None
        row["intervall"] = list(rng) if rng else None
    return tuple(rows)


def _post_rows(p: BenefitItem) -> list[dict[str, Any]]:
    indicator = {"typ": p.typ, "riktning": "lägre" if p.riktning < 0 else "högre"}
    if p.källa == "indikator":
        basis = "förändring" if p.design == "före_efter" else "effekt"
        what = "Förändring" if basis == "förändring" else "Effekt"
        comment = (f"Skattad {basis} på indikatorn {p.indikator} ({design_name(p.design)})."
                   if p.design else f"Skattad {basis} på indikatorn {p.indikator}.")
        if p.lutning:
            comment += (f" Nyttan följer den skattade nivåförändringen och lutningsförändringen "
                        f"({p.perioder_per_år} perioder per år) inom kalkylperioden"
                        + (f", men bara så långt data räcker ({p.lutning_perioder} perioder efter start); därefter "
                           "hålls nivån." if p.lutning_perioder is not None else "."))
        effect = _row("effekt", f"{what} – {p.namn}", p.riktning * p.effekt, "effekt", "designen", comment,
                      origin_text=f"skattad ({design_name(p.design)})" if p.design else "skattad", **indicator)
    else:
        effect = _row("effekt", f"Effekt – {p.namn}", p.riktning * p.effekt, "effekt", "angiven",
                      "Antagen effekt, inte skattad." + (f" Indikator: {p.indikator}." if p.indikator else ""),
                      **indicator)
    unit_source = (f"enhetskostnader.csv, posten {p.enhetskostnad_post}" if p.enhetskostnad_post
                   else "angiven i kalkylen")
    unit_comment = p.enhetskostnad_källa if p.enhetskostnad_post else ""
    return [
        effect,
        _row("antal_personer", f"Antal per år – {p.namn}", p.antal_personer, "antal", "angiven"),
        _row("enhetskostnad", f"Enhetskostnad – {p.namn}", p.enhetskostnad, "kr", "angiven",
             f"Källa: {unit_comment}" if unit_comment else "", origin_text=unit_source),
    ]
