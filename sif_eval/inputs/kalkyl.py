"""Validating the socio-economic calculation (``kalkyl:``) and resolving it to numbers.

Unit costs are looked up in the catalogue and moved to the calculation's
price year with the KPI table; an indicator's effect is turned into an
improvement (positive = better) using its ``bättre``.  Every problem is
recorded with the file, the YAML line and the key path; nothing is raised
here (:mod:`sif_eval.economics` raises them together).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .. import swedish as sv
from ..economics.model import (
    FUND,
    Assumptions,
    BenefitItem,
    BudgetRow,
    CostItem,
    PriceIndex,
    Spec,
    UnitCost,
    is_municipal,
)
from ..errors import Problem
from ..model import Effect
from ..paths import FUND_FILE, PROJECT_FILE
from ._read import fold, parse_number
from .economy import (
    COST_KEYS,
    DEFAULTS,
    KALKYL_KEYS,
    POST_KEYS,
    REASON_REQUIRED,
    REPAYMENT_BASES,
    SHARE_PARAMS,
    Where,
    folded,
    money_problem,
    parse_bool,
    parse_int,
    parse_months,
    parse_share,
    parse_year,
)

__all__ = ["build_spec"]


def _reason(raw: Any) -> str:
    """The ``skäl`` written beside a parameter (``{värde: 0.8, skäl: …}``), or ""."""
    return str(folded(raw).get("skal", "") or "").strip() if isinstance(raw, dict) else ""


def _param(raw: Any, name: str, path: tuple[Any, ...], where: Where, *, share: bool = True
           ) -> tuple[float | None, tuple[float, float] | None]:
    """A number (or share) written plainly or as ``{värde: …, låg: …, hög: …, skäl: …}``."""
    parse = parse_share if share else parse_number
    if isinstance(raw, dict):
        d = folded(raw)
        value = parse(d.get("varde", "")) if "varde" in d else None
        lo_raw, hi_raw = d.get("lag", d.get("min")), d.get("hog", d.get("max"))
        lo = parse(lo_raw) if lo_raw is not None else None
        hi = parse(hi_raw) if hi_raw is not None else None
        if "varde" not in d or value is None:
            where.add((*path, "varde"), f"'{name}' saknar ett giltigt 'värde'.", "Skriv t.ex. värde: 0.2.")
            return None, None
        if (lo_raw is None) != (hi_raw is None) or (lo_raw is not None and (lo is None or hi is None)):
            where.add(path, f"'{name}' behöver både 'låg' och 'hög' som tal.", "Skriv t.ex. låg: 0.1 och hög: 0.3.")
            return value, None
        if lo is not None and hi is not None and not lo <= value <= hi:
            where.add(path, f"för '{name}' måste låg ≤ värde ≤ hög (nu {lo}, {value}, {hi}).")
            return value, None
        return value, (lo, hi) if lo is not None and hi is not None else None
    value = parse(raw)
    if value is None:
        where.add(path, f"'{raw}' är inget tal (nyckeln '{name}').", "Skriv t.ex. 0.2, 0,2 eller 20 %.")
    return value, None


def _costs(raw: Any, where: Where) -> list[tuple[int, float, str, int, tuple[int, int], str]]:
    """Raw cost items as (year, stated amount, bearer, price year, months, description)."""
    out = []
    if isinstance(raw, dict):
        items = [({"ar": k, "belopp": v}, (fold(str(k)),)) for k, v in raw.items()]
    elif isinstance(raw, list):
        items = [(x, (i,)) for i, x in enumerate(raw, start=1)]
    else:
        where.add((), "'kostnader' ska vara en lista med år och belopp.", "Skriv t.ex. '- år: 2021' och 'belopp: 1500000'.")
        return out
    for item, sub in items:
        d = folded(item)
        if not d:
            where.add(sub, "varje kostnad ska ha 'år' och 'belopp'.")
            continue
        for k in d:
            if k not in {fold(x) for x in COST_KEYS}:
                where.add((*sub, k), f"okänd nyckel '{where.names.get(k, k)}' i en kostnad.", "Kända nycklar: " + ", ".join(COST_KEYS) + ".")
        year, amount = parse_year(d.get("ar", "")), parse_number(d.get("belopp", ""))
        if year is None:
            where.add((*sub, "ar"), f"'{d.get('ar', '')}' är inget årtal.", "Skriv året med fyra siffror, t.ex. 2021.")
        if amount is None or amount < 0:
            where.add((*sub, "belopp"), f"'{d.get('belopp', '')}' är inget belopp.", money_problem(str(d.get("belopp", ""))))
        price_year = year
        if d.get("prisar") not in (None, ""):
            price_year = parse_year(d["prisar"])
            if price_year is None:
                where.add((*sub, "prisar"), f"'{d['prisar']}' är inget prisår.")
        months: tuple[int, int] | None = (1, 12)
        if d.get("manader") not in (None, ""):
            months = parse_months(d["manader"])
            if months is None:
                where.add((*sub, "manader"), f"'{d['manader']}' är inga månader.", "Skriv t.ex. 6-12 för juni–december.")
        if year is None or amount is None or amount < 0 or price_year is None or months is None:
            continue
        out.append((year, amount, str(d.get("barare", "") or FUND).strip(), price_year, months,
                    str(d.get("beskrivning", "") or "").strip()))
    return out


def _direction(text: Any) -> int | None:
    f = fold(text)
    return -1 if f == "lagre" else 1 if f == "hogre" else None


def build_spec(
    kalkyl: Mapping[str, Any],
    where: Where,
    *,
    settings: Mapping[str, Any],
    fund_settings: Mapping[str, Any],
    effects: Mapping[str, Effect] | None,
    catalogue: Mapping[str, UnitCost],
    index: PriceIndex | None,
    budget_rows: list[BudgetRow],
    files: list[str],
    dry_run: bool = False,
    start: tuple[int, int] | None = None,
) -> Spec | None:
    """Validate the kalkyl and resolve it to numbers; problems go to ``where``.

    With ``dry_run`` (validation before the analysis) a benefit that takes its
    effect from an indicator gets a placeholder effect instead of a problem.
    ``start`` (year, month) is the project's start, where the payment plan begins.
    """
    k = folded(kalkyl)
    before = len(where.problems)
    notes: list[str] = []
    for key in k:
        if key not in {fold(x) for x in KALKYL_KEYS}:
            where.add((key,), f"okänd nyckel '{where.names.get(key, key)}' i kalkylen.", "Kända nycklar: " + ", ".join(KALKYL_KEYS) + ".")

    values: dict[str, float] = {}
    ranges: list[tuple[str, float, float]] = []
    reasons: dict[str, str] = {}
    for name in ("diskonteringsränta", "känslighet_ränta", *SHARE_PARAMS):
        raw = k.get(fold(name))
        if raw in (None, ""):
            continue
        value, rng = _param(raw, name, (fold(name),), where)
        if value is None:
            continue
        upper = 2.0 if name == "optimism" else 1.0
        if not 0.0 <= value <= upper or (name in ("dödvikt", "undanträngning", "bortfall_per_år") and value >= 1):
            where.add((fold(name),), f"'{name}' = {raw} ligger utanför det rimliga intervallet.",
                      "Dödvikt, undanträngning och bortfall anges som andel 0–1 (t.ex. 0,2); attribution 0–1; "
                      "optimism 0–2; räntan som andel, t.ex. 0,035.")
            continue
        if name in REASON_REQUIRED and value != REASON_REQUIRED[name]:
            if not _reason(raw):
                where.add((fold(name),), f"'{name}' = {sv.decimal(value, 2)} är angiven utan skäl; den tillämpas bara "
                          "med ett skäl.", f"Skriv t.ex. {name}: {{värde: {raw if not isinstance(raw, dict) else value}, "
                          "skäl: \"andra insatser nådde samma personer samtidigt\"}, eller ta bort nyckeln.")
                continue
            reasons[name] = _reason(raw)
        values[name] = value
        if rng is not None:
            ranges.append((name, *rng))

    ints: dict[str, int] = {}
    for name, parse in (("horisont_år", parse_int), ("mc_dragningar", parse_int), ("frö", parse_int),
                        ("prisår", parse_year), ("basår", parse_year)):
        raw = k.get(fold(name))
        if raw in (None, ""):
            continue
        value = parse(raw)
        if value is None or value < 0 or (name == "horisont_år" and not 1 <= value <= 100) or \
                (name == "mc_dragningar" and value > 1_000_000):
            where.add((fold(name),), f"'{raw}' är inget giltigt värde för '{name}'.",
                      {"horisont_år": "Ange antal år, 1–100.", "mc_dragningar": "Ange ett heltal, t.ex. 10000.",
                       "frö": "Ange ett heltal, t.ex. 20240101."}.get(name, "Skriv året med fyra siffror."))
            continue
        ints[name] = value

    basis, basis_file = "försiktig", ""
    for file, value in ((FUND_FILE, fund_settings.get("aterforingsgrund")), (None, k.get("aterforingsgrund"))):
        if value in (None, ""):
            continue
        chosen = REPAYMENT_BASES.get(fold(value))
        hint = "Skriv försiktig (den ände av konfidensintervallet som ligger närmast noll) eller skattning."
        if chosen is None:
            if file is None:
                where.add(("aterforingsgrund",), f"'{value}' är inget tillåtet värde för 'återföringsgrund'.", hint)
            else:
                where.problems.append(Problem(file, f"'{value}' är inget tillåtet värde för 'återföringsgrund'.",
                                              column="återföringsgrund", hint=hint))
            continue
        basis, basis_file = chosen, file or where.file

    repay = True
    for file, value, path in ((FUND_FILE, fund_settings.get("aterforing"), ("aterforing",)),
                              (PROJECT_FILE, settings.get("aterforing"), ("aterforing",)),
                              (None, k.get("aterforing"), ("aterforing",))):
        if value in (None, ""):
            continue
        parsed = parse_bool(value)
        if parsed is None:
            if file is None:
                where.add(path, f"'{value}' är inget ja/nej-värde för 'återföring'.", "Skriv ja eller nej (true/false).")
            else:
                where.problems.append(Problem(file, f"'{value}' är inget ja/nej-värde för 'återföring'.",
                                              column="återföring", hint="Skriv ja eller nej (true/false)."))
            continue
        repay = parsed

    # costs: the kalkyl's own, else ekonomi.csv's outcome (budget where there is no outcome yet)
    raw_costs: list[tuple[int, float, str, int, tuple[int, int], str]] = []
    cost_source = "kalkyl"
    if k.get("kostnader") not in (None, "", []):
        sub = where.sub("kostnader")
        raw_costs = _costs(k["kostnader"], sub)
    elif budget_rows:
        cost_source = "ekonomi.csv"
        for r in budget_rows:
            amount = r.utfall if r.utfall is not None else r.budgeterat
            if amount:
                raw_costs.append((r.år, amount, FUND, r.år, r.månader, r.insats))
        notes.append("Kostnaderna är hämtade från ekonomi.csv (utfall, eller budgeterat belopp där utfall saknas).")
    else:
        where.add(("kostnader",), "kalkylen saknar kostnader.",
                  "Lägg till 'kostnader:' med år och belopp, eller en ekonomi.csv i projektmappen.")

    posts_raw = k.get("nyttoposter")
    if posts_raw in (None, "", []):
        where.add(("nyttoposter",), "kalkylen saknar nyttoposter.",
                  "Lägg till minst en nyttopost med namn, indikator eller antagen_effekt, antal_personer och enhetskostnad.")
        posts_raw = []
    elif not isinstance(posts_raw, list):
        where.add(("nyttoposter",), "'nyttoposter' ska vara en lista där varje post börjar med '- namn:'.")
        posts_raw = []

    cost_years = [c[0] for c in raw_costs]
    basår = ints.get("basår") or (min(cost_years) if cost_years else None)
    start_years = [parse_year(folded(p).get("start_ar", "")) for p in posts_raw if isinstance(p, dict)]
    if basår is None:
        basår = min((y for y in start_years if y), default=None)
    if basår is None:
        if len(where.problems) == before:
            where.add(("basar",), "kalkylen saknar år att räkna från.", "Ange 'basår:' eller kostnader med år.")
        basår = 2000  # provisional, so that the benefits are still checked and reported together
    prisår = ints.get("prisår", basår)
    index_missing: set[int] = set()

    def to_price_year(amount: float, year: int) -> float:
        if index is None:
            if year != prisår:
                index_missing.add(year)
            return amount
        factor, missing = index.factor(year, prisår)
        index_missing.update(missing)
        return amount * factor

    costs = tuple(CostItem(år=y, belopp=to_price_year(a, py), bärare=b, månader=m, nominellt=a, beskrivning=t)
                  for y, a, b, py, m, t in raw_costs)

    posts = []
    for i, raw in enumerate(posts_raw, start=1):
        post = _benefit(raw, i, where, effects=effects, catalogue=catalogue, settings=settings, prisår=prisår,
                        to_price_year=to_price_year, dry_run=dry_run, notes=notes)
        if post is not None:
            posts.append(post)

    ends = [c.år for c in costs]
    open_ended = False
    for p in posts:
        if p.varaktighet_år is None:
            open_ended = True
        else:
            ends.append(p.start_år + p.varaktighet_år - 1)
    horizon = ints.get("horisont_år")
    if horizon is None:
        horizon = 10 if open_ended else max(max(ends, default=basår) - basår, 1)
        notes.append(f"Kalkylperioden är {horizon} år efter basåret {basår} (horisont_år är inte angiven).")
    if costs and max(c.år for c in costs) > basår + horizon:
        where.add(("horisont_ar",), f"kalkylperioden ({horizon} år från {basår}) slutar före den sista kostnaden "
                  f"({max(c.år for c in costs)}).", "Öka horisont_år så att alla kostnader ingår.")
    if any(c.år < basår for c in costs):
        where.add(("basar",), f"det finns kostnader före basåret {basår}.", "Ange ett tidigare basår.")
    if len(where.problems) > before:
        return None
    if index_missing:
        years = sorted(index_missing)
        if index is None:
            notes.append(f"Ingen KPI-tabell hittades; belopp från år {sv.join_list(years)} räknas om till prisår "
                         f"{prisår} utan prisomräkning.")
        else:
            notes.append(f"KPI saknas för år {sv.join_list(years)} i {index.källa}; närmaste år i tabellen används, "
                         f"det vill säga oförändrade priser antas därefter.")
    assumptions = Assumptions(
        basår=basår, horisont_år=horizon, prisår=prisår,
        diskonteringsränta=values.get("diskonteringsränta", DEFAULTS["diskonteringsränta"]),
        känslighet_ränta=values.get("känslighet_ränta", DEFAULTS["känslighet_ränta"]),
        bortfall_per_år=values.get("bortfall_per_år", 0.0), dödvikt=values.get("dödvikt", 0.0),
        attribution=values.get("attribution", 1.0), undanträngning=values.get("undanträngning", 0.0),
        optimism=values.get("optimism", 0.0), mc_dragningar=ints.get("mc_dragningar", DEFAULTS["mc_dragningar"]),
        frö=ints.get("frö", DEFAULTS["frö"]), återföring=repay, intervall=tuple(ranges),
        källor=tuple((n, "angiven") for n in (*values, *ints)), skäl=tuple(reasons.items()),
        återföringsgrund=basis, återföringsgrund_källa=basis_file,  # type: ignore[arg-type]
    )
    return Spec(antaganden=assumptions, kostnader=costs, nyttoposter=tuple(posts), varningar=tuple(notes),
                filer=tuple(files), kostnadskälla=cost_source, start=start)


def _benefit(raw: Any, i: int, where: Where, *, effects: Mapping[str, Effect] | None,
             catalogue: Mapping[str, UnitCost], settings: Mapping[str, Any], prisår: int,
             to_price_year: Any, dry_run: bool, notes: list[str]) -> BenefitItem | None:
    path = ("nyttoposter", i)
    if not isinstance(raw, dict):
        where.add(path, f"nyttopost nr {i} ska ha nycklar som namn, antal_personer och enhetskostnad.")
        return None
    d = folded(raw)
    before = len(where.problems)
    for key in d:
        if key not in {fold(x) for x in POST_KEYS}:
            where.add((*path, key), f"okänd nyckel '{where.names.get(key, key)}' i nyttopost nr {i}.",
                      "Kända nycklar: " + ", ".join(POST_KEYS) + ".")
    name = str(d.get("namn", "") or "").strip() or f"Nyttopost {i}"
    indicator = str(d.get("indikator", "") or "").strip() or None
    assumed_raw = d.get("antagen_effekt", d.get("effekt"))
    assumed = None
    if assumed_raw not in (None, ""):
        assumed = parse_number(assumed_raw)
        if assumed is None:
            where.add((*path, "antagen_effekt"), f"'{assumed_raw}' är inget tal.", "Skriv t.ex. 0.05 eller -0,05.")

    # the indicator's direction: the effect's, else projekt.yaml's, else the post's own 'bättre'
    declared = {str(folded(x).get("id", "")).strip(): folded(x) for x in settings.get("indikatorer", []) or []
                if isinstance(x, dict)}
    effect = (effects or {}).get(indicator) if indicator else None
    direction = _direction(d.get("battre", "")) or (_direction(effect.bättre) if effect else None) or \
        (_direction(declared.get(indicator, {}).get("battre", "")) if indicator else None)
    typ = effect.typ if effect else str(declared.get(indicator or "", {}).get("typ", "medelvärde"))
    if d.get("battre") not in (None, "") and _direction(d["battre"]) is None:
        where.add((*path, "battre"), f"'{d['battre']}' är inget tillåtet värde för 'bättre'.", "Skriv lägre eller högre.")

    source, se, interval, improvement = "antagande", None, None, None
    design, slope, slope_interval, per_year, slope_periods = None, 0.0, None, 1, None
    if indicator:
        known = set(effects or {}) | set(declared)
        if known and indicator not in known:
            where.add((*path, "indikator"), f"indikatorn '{indicator}' finns inte i projektet.",
                      "Kända id: " + ", ".join(sorted(known)) + ".")
        sign = direction or -1
        if effect is not None and effect.skattning is not None:
            improvement, source, design = sign * effect.skattning, "indikator", effect.design
            se = effect.standardfel
            if effect.ki_låg is not None and effect.ki_hög is not None:
                interval = tuple(sorted((sign * effect.ki_låg, sign * effect.ki_hög)))
            desc = effect.descriptive()
            if effect.design in ("its", "its_kontrollerad") and isinstance(desc.get("lutningsförändring"), int | float):
                # an interrupted time series' benefits follow the estimated level and slope (issue 15)
                slope = sign * float(desc["lutningsförändring"])  # type: ignore[arg-type]
                per_year = int(desc.get("perioder_per_år") or 1)
                n_after = desc.get("n_perioder_efter")
                slope_periods = int(n_after) if isinstance(n_after, int | float) else None
                lo, hi = desc.get("lutningsförändring_ki_låg"), desc.get("lutningsförändring_ki_hög")
                if isinstance(lo, int | float) and isinstance(hi, int | float):
                    slope_interval = tuple(sorted((sign * float(lo), sign * float(hi))))
        elif assumed is not None:
            improvement = sign * assumed
            if not dry_run:
                notes.append(f"Indikatorn '{indicator}' har ingen skattning; nyttoposten '{name}' bygger på den "
                             "antagna effekten.")
        elif dry_run:
            improvement, source = 0.0, "indikator"
        else:
            where.add((*path, "indikator"), f"indikatorn '{indicator}' har ingen skattad effekt och nyttoposten "
                      "saknar antagen_effekt.", "Lägg till 'antagen_effekt:' eller kontrollera indikatorns data.")
        if assumed is not None:
            assumed = sign * assumed
        if direction is None and effect is None and assumed is not None:
            where.add((*path, "battre"), f"riktningen för indikatorn '{indicator}' är okänd.",
                      "Lägg till 'bättre: lägre' eller 'bättre: högre' i nyttoposten.")
    else:
        sign = 1
        if assumed is None and len(where.problems) == before:
            where.add((*path, "antagen_effekt"), f"nyttopost nr {i} saknar effekt.",
                      "Ange 'indikator:' (en indikators skattade effekt) eller 'antagen_effekt:' (positiv = förbättring).")
        improvement = assumed
    if source == "indikator" and (d.get("effekt_lag") not in (None, "") or d.get("effekt_hog") not in (None, "")):
        notes.append(f"Nyttoposten '{name}' har en skattad effekt; dess konfidensintervall används i stället för "
                     "effekt_låg och effekt_hög.")
    elif d.get("effekt_lag") not in (None, "") or d.get("effekt_hog") not in (None, ""):
        lo, hi = parse_number(d.get("effekt_lag", "")), parse_number(d.get("effekt_hog", ""))
        if lo is None or hi is None:
            where.add((*path, "effekt_lag"), "effekt_låg och effekt_hög ska båda vara tal.")
        else:
            interval = tuple(sorted((sign * lo, sign * hi)))

    persons, persons_range = _param(d.get("antal_personer", "1"), "antal_personer", (*path, "antal_personer"),
                                    where, share=False)
    if persons is not None and persons < 0:
        where.add((*path, "antal_personer"), "antal_personer kan inte vara negativt.")

    unit, unit_range, unit_key, unit_source, bearer_default = _unit_cost(d, path, where, catalogue, prisår,
                                                                         to_price_year)
    bearer = str(d.get("barare", "") or "").strip() or bearer_default
    if not bearer:
        where.add((*path, "barare"), f"nyttopost nr {i} saknar bärare.",
                  "Ange vem som får besparingen: en nämnd, regionen, staten eller individen.")
    municipal = is_municipal(bearer)
    if d.get("kommunal") not in (None, ""):
        parsed = parse_bool(d["kommunal"])
        if parsed is None:
            where.add((*path, "kommunal"), f"'{d['kommunal']}' är inget ja/nej-värde.")
        else:
            municipal = parsed
    start = parse_year(d.get("start_ar", ""))
    if start is None:
        where.add((*path, "start_ar"), f"'{d.get('start_ar', '')}' är inget årtal för start_år.",
                  "Ange det första år nyttan uppstår, t.ex. 2022.")
    duration = None
    if d.get("varaktighet_ar") not in (None, ""):
        duration = parse_int(d["varaktighet_ar"])
        if duration is None or duration < 1:
            where.add((*path, "varaktighet_ar"), f"'{d['varaktighet_ar']}' är inget antal år.", "Ange t.ex. 5.")
    if len(where.problems) > before or improvement is None or persons is None or unit is None or start is None:
        return None
    return BenefitItem(namn=name, effekt=improvement, antal_personer=persons, enhetskostnad=unit, bärare=bearer,
                       start_år=start, varaktighet_år=duration, kommunal=municipal, källa=source, indikator=indicator,
                       standardfel=se, effekt_intervall=interval, antagen_effekt=assumed,  # type: ignore[arg-type]
                       personer_intervall=persons_range, enhetskostnad_intervall=unit_range,
                       enhetskostnad_post=unit_key, enhetskostnad_källa=unit_source, riktning=sign, typ=typ,
                       design=design, lutning=slope, lutning_intervall=slope_interval,  # type: ignore[arg-type]
                       perioder_per_år=per_year, lutning_perioder=slope_periods)


def _unit_cost(d: dict[str, Any], path: tuple[Any, ...], where: Where, catalogue: Mapping[str, UnitCost],
               prisår: int, to_price_year: Any) -> tuple[float | None, tuple[float, float] | None, str, str, str]:
    """(unit cost in the price year, its range, catalogue key, source, the catalogue's bearer)."""
    raw = d.get("enhetskostnad")
    rng_raw = None
    if isinstance(raw, dict):
        r = folded(raw)
        rng_raw = (r.get("lag", r.get("min")), r.get("hog", r.get("max")))
        raw = r.get("varde", r.get("post"))
    if raw in (None, ""):
        where.add((*path, "enhetskostnad"), "enhetskostnad saknas.",
                  "Ange en post i enhetskostnader.csv eller ett belopp i kronor.")
        return None, None, "", "", ""
    value = parse_number(raw)
    key, source, bearer = "", "angivet belopp i kalkylen", ""
    if value is None:
        item = catalogue.get(fold(raw))
        if item is None:
            known = ", ".join(sorted(c.post for c in catalogue.values())[:12]) or "inga (katalogen saknas)"
            where.add((*path, "enhetskostnad"), f"posten '{raw}' finns inte i enhetskostnader.csv.",
                      f"Kända poster: {known}. Eller skriv ett belopp i kronor.")
            return None, None, "", "", ""
        value, year, key, bearer = item.belopp, item.prisår, item.post, item.bärare
        source = f"{item.fil}: {item.källa}" if item.källa else item.fil
        if item.intervall is not None and item.källa and rng_raw in (None, (None, None)):
            rng_raw = item.intervall  # the catalogue's range, stated with its source
    else:
        year = prisår
        if d.get("enhetskostnad_prisar") not in (None, ""):
            parsed = parse_year(d["enhetskostnad_prisar"])
            if parsed is None:
                where.add((*path, "enhetskostnad_prisar"), f"'{d['enhetskostnad_prisar']}' är inget prisår.")
            else:
                year = parsed
    if value < 0:
        where.add((*path, "enhetskostnad"), "enhetskostnaden kan inte vara negativ.")
        return None, None, "", "", ""
    rng = None
    if rng_raw is not None and rng_raw != (None, None):
        lo, hi = (parse_number(x) if x is not None else None for x in rng_raw)
        if lo is None or hi is None or not lo <= value <= hi:
            where.add((*path, "enhetskostnad"), "enhetskostnadens låg och hög ska vara belopp med låg ≤ värde ≤ hög.")
        else:
            rng = (to_price_year(lo, year), to_price_year(hi, year))
    return to_price_year(value, year), rng, key, source, bearer
