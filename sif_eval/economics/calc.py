"""Pure computations: discounting, the socio-economic calculation, uncertainty, plans and budget.

Nothing here reads a file.  Every function takes the resolved values of
:mod:`sif_eval.economics_model` and returns new immutable values, so the
hand-calculated cases in the tests exercise exactly what a run does.

Conventions (written out in ``sif_eval.economics``'s docstring too):

- all amounts are kronor in the calculation's price year (real terms), and
  the discount rate is real;
- year ``t = år − basår``; year 0 is not discounted, year t is divided by
  ``(1 + r) ** t``;
- a benefit in the k-th year of its duration (k = 0 the first year) is
  multiplied by ``(1 − bortfall_per_år) ** k``;
- benefits are multiplied by ``(1 − dödvikt) · attribution · (1 − undanträngning)``,
  costs by ``(1 + optimism)``.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterable, Mapping, Sequence

import numpy as np

from .. import swedish as sv
from ..paths import PROJECT_FILE
from ..swedish import fold
from .model import (
    ADJUSTMENTS,
    PAYMENT_TERMS,
    Assumptions,
    BenefitItem,
    BreakEven,
    Budget,
    BudgetRow,
    BudgetTotal,
    Calculation,
    CostItem,
    MonteCarlo,
    Payment,
    Repayment,
    SensitivityRow,
    Spec,
    StatedFigure,
    YearFlow,
    is_municipal,
)

__all__ = [
    "benefit_matrix",
    "budget_summary",
    "cost_vector",
    "default_range",
    "discount_factors",
    "evaluate",
    "monte_carlo",
    "npv",
    "payment_plan",
    "present_value",
    "repayment_plan",
    "sensitivity",
]

TOLERANCE_KR = 0.5  # figures that differ by less than half a krona agree
DEFAULT_RELATIVE = 0.5  # one-way sensitivity: ±50 % unless a range is given
ZERO_SHARE_HIGH = 0.25  # a share assumed to be 0 is tried up to 25 %
NEUTRAL = {"dödvikt": 0.0, "attribution": 1.0, "undanträngning": 0.0, "bortfall_per_år": 0.0, "optimism": 0.0}

LABELS = {
    "diskonteringsränta": "Diskonteringsränta",
    "horisont_år": "Kalkylperiod (år)",
    "bortfall_per_år": "Bortfall per år",
    "dödvikt": "Dödvikt",
    "attribution": "Attribution",
    "undanträngning": "Undanträngning",
    "optimism": "Optimismjustering av kostnader",
}


# ---------------------------------------------------------------- discounting


def discount_factors(n_years: int, rate: float) -> np.ndarray:
    """Factors for t = 0 … n−1: 1, 1/(1+r), 1/(1+r)², … (year 0 undiscounted)."""
    return (1.0 + rate) ** -np.arange(n_years, dtype=float)


def present_value(flows: Sequence[float] | np.ndarray, rate: float) -> float:
    """Present value of a flow per year, the first element in year 0."""
    arr = np.asarray(flows, dtype=float)
    return float(arr @ discount_factors(len(arr), rate))


def _n_years(a: Assumptions) -> int:
    return a.horisont_år + 1


def cost_vector(spec: Spec) -> np.ndarray:
    """Costs per year t = 0 … horizon, price-year kronor, before the optimism adjustment."""
    a = spec.antaganden
    out = np.zeros(_n_years(a))
    for c in spec.kostnader:
        t = c.år - a.basår
        if 0 <= t < len(out):
            out[t] += c.belopp
    return out


def _profile(post: BenefitItem, a: Assumptions, bortfall: float | np.ndarray) -> np.ndarray:
    """Multiplier per year for one benefit: 0 outside its years, (1 − bortfall)^k inside."""
    years = a.basår + np.arange(_n_years(a))
    k = years - post.start_år
    active = k >= 0
    if post.varaktighet_år is not None:
        active &= k < post.varaktighet_år
    keep = np.power.outer(1.0 - np.asarray(bortfall, dtype=float), np.maximum(k, 0).astype(float))
    return keep * active


def benefit_matrix(spec: Spec) -> np.ndarray:
    """Adjusted, undiscounted benefits: one row per benefit item, one column per year."""
    a = spec.antaganden
    rows = [p.effekt * p.antal_personer * p.enhetskostnad * a.adjustment * _profile(p, a, a.bortfall_per_år)
            for p in spec.nyttoposter]
    return np.array(rows, dtype=float).reshape(len(rows), _n_years(a))


def _pv(spec: Spec, rate: float | None = None) -> tuple[float, float]:
    """(present value of costs incl. optimism, present value of benefits)."""
    a = spec.antaganden
    d = discount_factors(_n_years(a), a.diskonteringsränta if rate is None else rate)
    pvc = float(cost_vector(spec) @ d) * (1.0 + a.optimism)
    pvb = float(benefit_matrix(spec).sum(axis=0) @ d)
    return pvc, pvb


def npv(spec: Spec, rate: float | None = None) -> float:
    """Net present value (benefits minus costs) at the spec's rate or at ``rate``."""
    pvc, pvb = _pv(spec, rate)
    return pvb - pvc


# ---------------------------------------------------------------- sensitivity


def default_range(name: str, value: float) -> tuple[float, float]:
    """The low and high value tried for a parameter when no range is given.

    ±50 % of the value; a share is kept within 0–1 and a share assumed to be 0
    is tried from 0 to 25 %, since 0 is the most optimistic assumption.
    """
    if name in ("dödvikt", "undanträngning", "bortfall_per_år", "optimism") and value == 0:
        return 0.0, ZERO_SHARE_HIGH
    lo, hi = sorted((value * (1 - DEFAULT_RELATIVE), value * (1 + DEFAULT_RELATIVE)))
    if name in ("dödvikt", "undanträngning", "bortfall_per_år", "attribution"):
        lo, hi = max(0.0, lo), min(1.0, hi)
    return lo, hi


def _param_range(spec: Spec, name: str) -> tuple[float, float]:
    a = spec.antaganden
    given = a.interval(name)
    if given is not None:
        return given
    if name == "horisont_år":
        last_cost = max((c.år - a.basår for c in spec.kostnader), default=0)
        lo = max(last_cost, 1, round(a.horisont_år * (1 - DEFAULT_RELATIVE)))
        return float(min(lo, a.horisont_år)), float(max(round(a.horisont_år * (1 + DEFAULT_RELATIVE)), a.horisont_år))
    return default_range(name, float(getattr(a, name)))


def _post_range(post: BenefitItem, what: str) -> tuple[float, float]:
    if what == "effekt":
        if post.effekt_intervall is not None:
            return post.effekt_intervall
        return tuple(sorted((post.effekt * (1 - DEFAULT_RELATIVE), post.effekt * (1 + DEFAULT_RELATIVE))))  # type: ignore[return-value]
    if what == "antal_personer" and post.personer_intervall is not None:
        return post.personer_intervall
    if what == "enhetskostnad" and post.enhetskostnad_intervall is not None:
        return post.enhetskostnad_intervall
    value = getattr(post, what)
    return value * (1 - DEFAULT_RELATIVE), value * (1 + DEFAULT_RELATIVE)


def _with_param(spec: Spec, name: str, value: float) -> Spec:
    """A copy of the spec with one parameter changed (``nyttoposter[i].effekt`` for a benefit's)."""
    if name.startswith("nyttoposter["):
        i = int(name[len("nyttoposter["):name.index("]")]) - 1
        field = name.split(".", 1)[1]
        posts = list(spec.nyttoposter)
        posts[i] = dataclasses.replace(posts[i], **{field: value})
        return dataclasses.replace(spec, nyttoposter=tuple(posts))
    if name == "horisont_år":
        value = int(round(value))
    return dataclasses.replace(spec, antaganden=dataclasses.replace(spec.antaganden, **{name: value}))


def sensitivity(spec: Spec) -> tuple[SensitivityRow, ...]:
    """One-way sensitivity on every assumption, sorted by swing (largest first) for a tornado."""
    rows: list[SensitivityRow] = []
    names = ["diskonteringsränta", "horisont_år", *ADJUSTMENTS]
    for name in names:
        lo, hi = _param_range(spec, name)
        rows.append(SensitivityRow(name, LABELS[name], lo, hi, npv(_with_param(spec, name, lo)),
                                   npv(_with_param(spec, name, hi))))
    for i, post in enumerate(spec.nyttoposter, start=1):
        for what, label in (("effekt", "Effekt"), ("antal_personer", "Antal personer"),
                            ("enhetskostnad", "Enhetskostnad")):
            lo, hi = _post_range(post, what)
            name = f"nyttoposter[{i}].{what}"
            rows.append(SensitivityRow(name, f"{label} – {post.namn}", lo, hi,
                                       npv(_with_param(spec, name, lo)), npv(_with_param(spec, name, hi))))
    order = {r.parameter: k for k, r in enumerate(rows)}
    return tuple(sorted(rows, key=lambda r: (-round(r.swing, 6), order[r.parameter])))


# ---------------------------------------------------------------- Monte Carlo


def monte_carlo(spec: Spec) -> MonteCarlo:
    """A seeded simulation of the net present value; the same spec and seed give the same result.

    Drawn: each effect (normal with its standard error when it comes from an
    indicator with one, else triangular over its range), each adjustment
    parameter with a range given, or with a value other than its neutral one
    (±50 % around it, triangular), and persons and unit costs when a range is
    given.  An adjustment left at its neutral value (0, attribution 1) stays
    fixed, so the simulation is centred on the calculation; the tornado shows
    what it would matter.  The discount rate and the horizon are choices, not
    uncertainties, and are held fixed.
    """
    a = spec.antaganden
    n = int(a.mc_dragningar)
    rng = np.random.default_rng(a.frö)
    varied: list[str] = []

    def tri(lo: float, mode: float, hi: float, label: str) -> np.ndarray:
        if hi - lo <= 1e-15:
            return np.full(n, float(mode))
        varied.append(label)
        return rng.triangular(lo, min(max(mode, lo), hi), hi, n)

    draws = {}
    for name in ADJUSTMENTS:
        value = float(getattr(a, name))
        given = a.interval(name)
        if given is not None:
            lo, hi = given
        elif value != NEUTRAL[name]:
            lo, hi = default_range(name, value)
        else:
            lo = hi = value  # an unstated adjustment is not an uncertainty the user gave; the tornado shows it
        draws[name] = tri(lo, value, hi, name)
    d = discount_factors(_n_years(a), a.diskonteringsränta)
    adj = (1 - draws["dödvikt"]) * draws["attribution"] * (1 - draws["undanträngning"])
    total = np.zeros(n)
    for i, post in enumerate(spec.nyttoposter, start=1):
        if post.standardfel is not None and post.standardfel > 0:
            eff = rng.normal(post.effekt, post.standardfel, n)
            varied.append(f"nyttoposter[{i}].effekt")
        else:
            lo, hi = _post_range(post, "effekt")
            eff = tri(lo, post.effekt, hi, f"nyttoposter[{i}].effekt")
        persons = (tri(post.personer_intervall[0], post.antal_personer, post.personer_intervall[1],
                       f"nyttoposter[{i}].antal_personer")
                   if post.personer_intervall else np.full(n, post.antal_personer))
        unit = (tri(post.enhetskostnad_intervall[0], post.enhetskostnad, post.enhetskostnad_intervall[1],
                    f"nyttoposter[{i}].enhetskostnad")
                if post.enhetskostnad_intervall else np.full(n, post.enhetskostnad))
        decay = _profile(post, a, draws["bortfall_per_år"])  # (n, T)
        total += eff * persons * unit * adj * (decay @ d)
    pvc = float(cost_vector(spec) @ d) * (1 + draws["optimism"])
    values = total - pvc
    p05, p50, p95 = (float(v) for v in np.percentile(values, [5, 50, 95]))
    return MonteCarlo(dragningar=n, frö=int(a.frö), sannolikhet_lönsam=float(np.mean(values > 0)),
                      npv_p05=p05, npv_p50=p50, npv_p95=p95, varierade=tuple(varied))


# ---------------------------------------------------------------- plans


def is_fund(bearer: str) -> bool:
    """A cost the fund pays (bearer blank or naming the fund)."""
    f = fold(bearer)
    return not f or "fond" in f


def payment_plan(costs: Iterable[CostItem]) -> tuple[Payment, ...]:
    """The fund's payments in arrears: Jan–Apr after delår 1, May–Aug after delår 2, Sep–Dec after helår.

    A cost is spread evenly over its months (all twelve unless ``månader``
    says otherwise); the stated amount is paid, not the price-indexed one.
    Costs with another bearer than the fund are not paid by the fund.
    """
    buckets: dict[tuple[int, int], float] = {}
    for c in costs:
        if not is_fund(c.bärare):
            continue
        m1, m2 = c.månader
        per_month = c.stated / (m2 - m1 + 1)
        for m in range(m1, m2 + 1):
            key = (c.år, (m - 1) // 4)
            buckets[key] = buckets.get(key, 0.0) + per_month
    out = []
    for (year, term), amount in sorted(buckets.items()):
        if abs(amount) < 1e-9:
            continue
        name, first, last, when = PAYMENT_TERMS[term]
        out.append(Payment(år=year, tillfälle=name,
                           avser=f"{sv.month_name(first)}–{sv.month_name(last)} {year}",
                           utbetalas=when.format(y=year, next=year + 1), belopp=amount))
    return tuple(out)


def repayment_plan(
    planned: Mapping[str, Mapping[int, float]],
    realised: Mapping[str, Mapping[int, float]],
    cap: float,
    *,
    active: bool = True,
    municipal: Callable[[str], bool] = is_municipal,
) -> tuple[Repayment, ...]:
    """Uppsala's återföringsmodell: each committee repays in proportion to its savings.

    ``planned`` holds each bearer's savings per year under the assumed effects,
    ``realised`` the same under the effects actually seen (never more than
    planned).  The total is capped at ``cap`` (the project's cost): every
    committee's realised savings are scaled by ``min(1, cap / planned total)``,
    so shares stay proportional and repayment shrinks with the effects seen.
    Only municipal committees repay; with ``active=False`` (Södertälje's model)
    nobody does.
    """
    if not active or cap <= 0:
        return ()
    keep = [b for b in planned if municipal(b)]
    total = sum(v for b in keep for v in planned[b].values() if v > 0)
    if total <= 0:
        return ()
    scale = min(1.0, cap / total)
    out = []
    for bearer in keep:
        for year in sorted(realised.get(bearer, {})):
            amount = realised[bearer][year] * scale
            if amount > 1e-9:
                out.append(Repayment(nämnd=bearer, år=year, belopp=amount))
    return tuple(sorted(out, key=lambda r: (r.år, keep.index(r.nämnd))))


def _repayment_text(spec: Spec, plan: tuple[Repayment, ...], cap: float) -> str:
    a = spec.antaganden
    if not a.återföring:
        return ("Fonden tillämpar ingen återföring (återföring: false): nämnderna betalar inte tillbaka "
                "projektets kostnad till fonden.")
    if not plan:
        return ("Ingen återföring beräknas: ingen nyttopost ger besparingar hos en kommunal nämnd. Region, "
                "stat och enskilda betalar inte tillbaka till fonden.")
    total = sum(r.belopp for r in plan)
    committees = list(dict.fromkeys(r.nämnd for r in plan))
    text = (f"Återföringen är {sv.kronor(total)} (prisår {a.prisår}) från {sv.join_list(committees)}, fördelad "
            f"efter varje nämnds andel av de beräknade besparingarna och högst projektets kostnad "
            f"({sv.kronor(cap)}).")
    shrunk = [p for p in spec.nyttoposter if p.municipal and p.realised_share < 1]
    if shrunk:
        parts = [f"{p.namn} ({sv.percent(p.realised_share, 0)} av antagen effekt)" for p in shrunk]
        text += " Återföringen är minskad till de effekter som faktiskt uppnåtts: " + sv.join_list(parts) + "."
    return text


# ---------------------------------------------------------------- the whole calculation


def _break_even(spec: Spec, pvc: float, pvb: float) -> tuple[float | None, tuple[BreakEven, ...]]:
    """The factor on all effects, and each benefit's own effect, that gives NPV = 0 (NPV is linear in effect)."""
    a = spec.antaganden
    d = discount_factors(_n_years(a), a.diskonteringsränta)
    factor = pvc / pvb if pvb > 0 else None
    out = []
    for post in spec.nyttoposter:
        per_unit = float(_unit_row(spec, post) @ d)
        if per_unit <= 0:
            continue
        others = pvb - post.effekt * per_unit
        needed = (pvc - others) / per_unit
        share = needed / post.effekt if post.effekt else None
        out.append(BreakEven(nyttopost=post.namn, indikator=post.indikator, förbättring=needed,
                             effekt=post.riktning * needed, andel_av_skattad=share))
    return factor, tuple(out)


def _unit_row(spec: Spec, post: BenefitItem) -> np.ndarray:
    """A benefit's undiscounted yearly value per unit of effect (improvement)."""
    a = spec.antaganden
    return post.antal_personer * post.enhetskostnad * a.adjustment * _profile(post, a, a.bortfall_per_år)


def _savings_by_bearer(spec: Spec, realised: bool) -> dict[str, dict[int, float]]:
    """Municipal savings per bearer and year under the assumed effects (or the effects seen, capped by them)."""
    a = spec.antaganden
    out: dict[str, dict[int, float]] = {}
    for post in spec.nyttoposter:
        if not post.municipal:
            continue
        effect = post.antagen_effekt if post.antagen_effekt is not None else post.effekt
        if realised:
            effect *= post.realised_share
        bucket = out.setdefault(post.bärare, {})
        for t, value in enumerate(effect * _unit_row(spec, post)):
            if value:
                bucket[a.basår + t] = bucket.get(a.basår + t, 0.0) + float(value)
    return out


def evaluate(spec: Spec, *, with_monte_carlo: bool = True) -> Calculation:
    """Run the whole calculation: present values, payback, break-even, uncertainty and plans."""
    a = spec.antaganden
    n = _n_years(a)
    d = discount_factors(n, a.diskonteringsränta)
    costs = cost_vector(spec) * (1 + a.optimism)
    matrix = benefit_matrix(spec)
    benefits = matrix.sum(axis=0)
    cost_pv, benefit_pv = costs * d, benefits * d
    cum_c, cum_b = np.cumsum(cost_pv), np.cumsum(benefit_pv)
    pvc, pvb = float(cum_c[-1]), float(cum_b[-1])
    payback = next((t for t in range(n) if cum_c[t] > 0 and cum_b[t] >= cum_c[t] - 1e-9), None)
    years = tuple(YearFlow(år=a.basår + t, t=t, kostnad=float(costs[t]), nytta=float(benefits[t]),
                           kostnad_nuvärde=float(cost_pv[t]), nytta_nuvärde=float(benefit_pv[t]),
                           kumulativ_kostnad_nuvärde=float(cum_c[t]), kumulativ_nytta_nuvärde=float(cum_b[t]))
                  for t in range(n))
    factor, break_even = _break_even(spec, pvc, pvb)
    by_bearer: dict[str, float] = {}
    for post, row in zip(spec.nyttoposter, matrix, strict=True):
        by_bearer[post.bärare] = by_bearer.get(post.bärare, 0.0) + float(row @ d)
    fund_cost = sum(c.belopp for c in spec.kostnader if is_fund(c.bärare))
    municipal = {p.bärare for p in spec.nyttoposter if p.municipal}
    plan = repayment_plan(_savings_by_bearer(spec, False), _savings_by_bearer(spec, True),
                          fund_cost, active=a.återföring, municipal=lambda b: b in municipal)
    warnings = list(spec.varningar)
    if spec.nyttoposter and pvb <= 0:
        warnings.append("Nyttan är noll eller negativ: de effekter som kalkylen bygger på ger inga besparingar.")
    last_cost = max((c.år for c in spec.kostnader), default=a.basår)
    if last_cost > a.basår + a.horisont_år:
        warnings.append(f"Kostnader efter kalkylperiodens slut ({a.basår + a.horisont_år}) ingår inte i kalkylen.")
    return Calculation(
        spec=spec,
        kostnad_kr=float(sum(c.belopp for c in spec.kostnader)),
        kostnad_nuvärde_kr=pvc,
        nytta_kr=float(benefits.sum()),
        nytta_nuvärde_kr=pvb,
        nettonuvärde_kr=pvb - pvc,
        nytta_per_krona=pvb / pvc if pvc > 0 else None,
        återbetalningstid_år=payback,
        återbetalningsår=None if payback is None else a.basår + payback,
        brytpunkt_faktor=factor,
        brytpunkter=break_even,
        känslighetsfall_kr=npv(spec, a.känslighet_ränta),
        känslighet=sensitivity(spec),
        monte_carlo=monte_carlo(spec) if with_monte_carlo and a.mc_dragningar > 0 else None,
        återföring=plan,
        återföring_text=_repayment_text(spec, plan, fund_cost),
        utbetalningsplan=payment_plan(spec.kostnader),
        år=years,
        nytta_per_bärare=tuple(by_bearer.items()),
        varningar=tuple(dict.fromkeys(warnings)),
    )


# ---------------------------------------------------------------- budget and outcome


def _sum(values: Iterable[float | None]) -> float | None:
    vals = [v for v in values if v is not None]
    return float(sum(vals)) if vals else None


def _differ(x: float, y: float) -> bool:
    return abs(x - y) >= TOLERANCE_KR


_KIND_TEXT = {"rekvirerat": "Rekvirerat belopp", "beviljat": "Beviljat belopp", "budgeterat": "Budgeterat belopp",
              "utfall": "Utfallet", "att_återbetala": "Beloppet att återbetala"}


def budget_summary(
    rows: Sequence[BudgetRow],
    *,
    rekvirerat_totalt: float | None = None,
    beviljat_totalt: float | None = None,
    uppgivna: Sequence[StatedFigure] = (),
    återbetalas_till: str = "",
    källa: str = PROJECT_FILE,
) -> Budget:
    """Budget against outcome per insats, committee and in total, with consistency checks.

    To repay = received (requisitioned, else granted) − used.  Every
    disagreement between two statements of the same total becomes a Swedish
    warning naming both figures.
    """
    warnings: list[str] = []
    committees = list(dict.fromkeys(r.nämnd for r in rows))

    def total(name: str, subset: Sequence[BudgetRow]) -> BudgetTotal:
        received = _sum(r.mottaget for r in subset)
        used = float(sum(r.utfall or 0.0 for r in subset))
        return BudgetTotal(nämnd=name, budgeterat=float(sum(r.budgeterat or 0.0 for r in subset)), utfall=used,
                           mottaget=received, att_återbetala=None if received is None else received - used)

    per = tuple(total(c, [r for r in rows if r.nämnd == c]) for c in committees)
    tot = total("Totalt", rows)
    rek_rows, bev_rows = _sum(r.rekvirerat for r in rows), _sum(r.beviljat for r in rows)

    if rekvirerat_totalt is not None:
        received, kind, basis = rekvirerat_totalt, "rekvirerat", f"rekvirerat belopp enligt {källa}"
    elif beviljat_totalt is not None:
        received, kind, basis = beviljat_totalt, "beviljat", f"beviljat belopp enligt {källa}"
    elif tot.mottaget is not None:
        kind = "rekvirerat" if rek_rows is not None else "beviljat"
        received, basis = tot.mottaget, f"summan av kolumnen {kind} i ekonomi.csv"
    else:
        received, kind, basis = None, "", "inget rekvirerat eller beviljat belopp är angivet"

    for stated, summed, word in ((rekvirerat_totalt, rek_rows, "rekvirerat"), (beviljat_totalt, bev_rows, "beviljat")):
        if stated is not None and summed is not None and _differ(stated, summed):
            warnings.append(f"{_KIND_TEXT[word]} är {sv.kronor(stated)} enligt {källa} men summan av kolumnen "
                            f"{word} i ekonomi.csv är {sv.kronor(summed)} (skillnad {sv.kronor(abs(stated - summed))}).")
    if received is not None and rows and tot.budgeterat > 0 and _differ(tot.budgeterat, received):
        warnings.append(f"Summan av budgeterade belopp i ekonomi.csv ({sv.kronor(tot.budgeterat)}) stämmer inte med "
                        f"{kind} belopp ({sv.kronor(received)}, {basis}); skillnaden är "
                        f"{sv.kronor(abs(received - tot.budgeterat))}. Kontrollera vilken siffra som gäller.")

    to_repay = None
    if received is not None:
        to_repay = received - tot.utfall
        if to_repay < -TOLERANCE_KR:
            warnings.append(f"Utfallet ({sv.kronor(tot.utfall)}) är större än det mottagna beloppet "
                            f"({sv.kronor(received)}); inget ska återbetalas och mellanskillnaden "
                            f"{sv.kronor(-to_repay)} bärs av nämnderna.")
            to_repay = 0.0

    for f in uppgivna:
        subset = [r for r in rows if (f.nämnd is None or fold(r.nämnd) == fold(f.nämnd))
                  and (f.insats is None or fold(r.insats) == fold(f.insats))]
        whole = f.nämnd is None and f.insats is None
        if f.avser == "rekvirerat":
            actual, where = (rekvirerat_totalt, f"enligt {källa}") if whole and rekvirerat_totalt is not None else \
                (_sum(r.rekvirerat for r in subset), "enligt ekonomi.csv")
        elif f.avser == "beviljat":
            actual, where = (beviljat_totalt, f"enligt {källa}") if whole and beviljat_totalt is not None else \
                (_sum(r.beviljat for r in subset), "enligt ekonomi.csv")
        elif f.avser == "budgeterat":
            actual, where = _sum(r.budgeterat for r in subset), "enligt ekonomi.csv"
        elif f.avser == "utfall":
            actual, where = _sum(r.utfall for r in subset), "enligt ekonomi.csv"
        else:
            actual, where = (to_repay, "enligt beräkningen") if whole else \
                (_sum(r.att_återbetala for r in subset), "enligt ekonomi.csv")
        if actual is None or not _differ(actual, f.belopp):
            continue
        scope = ""
        if f.insats:
            scope += f" för {f.insats}"
        if f.nämnd:
            scope += f" ({f.nämnd})"
        src = f"i {f.källa}" if f.källa else "på annat ställe"
        warnings.append(f"{_KIND_TEXT[f.avser]}{scope} anges som {sv.kronor(f.belopp)} {src} men är "
                        f"{sv.kronor(actual)} {where} (skillnad {sv.kronor(abs(actual - f.belopp))}).")

    for r in rows:
        if r.mottaget is not None and r.utfall is not None and r.utfall - r.mottaget >= TOLERANCE_KR:
            warnings.append(f"{r.insats} ({r.nämnd}, {r.år}): utfallet {sv.kronor(r.utfall)} är större än "
                            f"rekvirerat/beviljat belopp {sv.kronor(r.mottaget)}.")
    missing = [r for r in rows if r.utfall is None]
    if missing:
        years = sorted({r.år for r in missing})
        warnings.append(f"Utfall saknas på {sv.count_noun(len(missing), 'rad', 'rader')} (år "
                        f"{sv.join_list(years)}); de räknas som 0 kronor i summorna för utfall.")

    costs = [CostItem(år=r.år, belopp=amount, månader=r.månader, beskrivning=r.insats)
             for r in rows if (amount := r.utfall if r.utfall is not None else r.budgeterat)]
    return Budget(rader=tuple(rows), per_nämnd=per, totalt=tot, mottaget_totalt=received, mottaget_grund=basis,
                  att_återbetala_kr=to_repay, återbetalas_till=återbetalas_till,
                  utbetalningsplan=payment_plan(costs), varningar=tuple(dict.fromkeys(warnings)))

