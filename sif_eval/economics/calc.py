"""Pure computations: discounting, the socio-economic calculation and its uncertainty.

Nothing here reads a file.  Every function takes the resolved values of
:mod:`sif_eval.economics.model` and returns new immutable values, so the
hand-calculated cases in the tests exercise exactly what a run does.  The
plans are in :mod:`.plans`, budget against outcome in :mod:`.budget`.

Conventions (written out in ``sif_eval.economics.api``'s docstring too):

- all amounts are kronor in the calculation's price year (real terms), and
  the discount rate is real;
- year ``t = år − basår``; year 0 is not discounted, year t is divided by
  ``(1 + r) ** t``;
- a benefit in the k-th year of its duration (k = 0 the first year) is
  multiplied by ``(1 − bortfall_per_år) ** k``; an interrupted time series'
  improvement in that year is ``level + slope · (p·k + (p − 1)/2)`` with p
  periods a year (the mean of the estimated path over the year's periods);
- benefits are multiplied by ``attribution · (1 − undanträngning)`` and, only
  when the effect has no counterfactual (a före/efter change or an
  assumption), by ``(1 − dödvikt)``; costs by ``(1 + optimism)``.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence

import numpy as np

from .assumptions import assumption_table
from .budget import TOLERANCE_KR, budget_summary
from .model import (
    ADJUSTMENTS,
    Assumptions,
    BenefitItem,
    BreakEven,
    Calculation,
    MonteCarlo,
    Repayment,
    SensitivityRow,
    Spec,
    YearFlow,
)
from .plans import is_fund, payment_plan, repayment_plan, repayment_text

__all__ = [
    "TOLERANCE_KR",
    "benefit_matrix",
    "budget_summary",
    "cost_vector",
    "default_range",
    "discount_factors",
    "evaluate",
    "monte_carlo",
    "npv",
    "payback",
    "payment_plan",
    "present_value",
    "repayment_plan",
    "sensitivity",
]

DEFAULT_RELATIVE = 0.5  # one-way sensitivity: ±50 % unless a range is given
ZERO_SHARE_HIGH = 0.25  # a share assumed to be 0 is tried up to 25 %

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


def _path(post: BenefitItem, a: Assumptions, level: float | None = None, slope: float | None = None) -> np.ndarray:
    """The improvement per year t: the level, plus an interrupted time series' slope along its path."""
    level = post.effekt if level is None else level
    slope = post.lutning if slope is None else slope
    k = a.basår + np.arange(_n_years(a)) - post.start_år
    p = post.perioder_per_år
    elapsed = p * k + (p - 1) / 2  # periods since the start, at the middle of year k
    if post.lutning_perioder is not None:  # the path is not extrapolated beyond the periods the data cover
        elapsed = np.minimum(elapsed, post.lutning_perioder)
    return level + slope * elapsed


def _unit_row(spec: Spec, post: BenefitItem, dödvikt: float | None = None) -> np.ndarray:
    """A benefit's undiscounted yearly value per unit of improvement, adjusted by its design."""
    a = spec.antaganden
    return post.antal_personer * post.enhetskostnad * a.adjustment_for(post, dödvikt) * _profile(post, a, a.bortfall_per_år)


def benefit_matrix(spec: Spec) -> np.ndarray:
    """Adjusted, undiscounted benefits: one row per benefit item, one column per year."""
    a = spec.antaganden
    rows = [_path(p, a) * _unit_row(spec, p) for p in spec.nyttoposter]
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

    Only what has a stated uncertainty is drawn: an estimated effect from its
    own sampling distribution (normal with the estimate's standard error, or
    the one implied by its 95 % interval), an assumed effect over a stated
    range (triangular), and adjustments, persons and unit costs that have a
    stated ``låg``/``hög`` (in the kalkyl, or the unit-cost catalogue with a
    source).  Everything else – and the discount rate and horizon, which are
    choices – is held at its value, and named in ``hållna``.  An interrupted
    time series' slope is held at its estimate.
    """
    a = spec.antaganden
    n = int(a.mc_dragningar)
    rng = np.random.default_rng(a.frö)
    varied: list[str] = []
    held: list[str] = ["diskonteringsränta", "horisont_år"]

    def tri(lo: float, mode: float, hi: float, label: str) -> np.ndarray:
        if hi - lo <= 1e-15:
            held.append(label)
            return np.full(n, float(mode))
        varied.append(label)
        return rng.triangular(lo, min(max(mode, lo), hi), hi, n)

    draws = {}
    for name in ADJUSTMENTS:
        value = float(getattr(a, name))
        lo, hi = a.interval(name) or (value, value)
        if name == "dödvikt" and not any(a.applies_deadweight(p) for p in spec.nyttoposter):
            lo = hi = value  # not applied: nothing to vary
        draws[name] = tri(lo, value, hi, name)
    d = discount_factors(_n_years(a), a.diskonteringsränta)
    total = np.zeros(n)
    for i, post in enumerate(spec.nyttoposter, start=1):
        se = _sampling_se(post)
        if se is not None:
            eff = rng.normal(post.effekt, se, n)
            varied.append(f"nyttoposter[{i}].effekt")
        elif post.källa != "indikator" and post.effekt_intervall is not None:
            lo, hi = post.effekt_intervall
            eff = tri(lo, post.effekt, hi, f"nyttoposter[{i}].effekt")
        else:
            eff = np.full(n, post.effekt)
            held.append(f"nyttoposter[{i}].effekt")
        if post.lutning:
            held.append(f"nyttoposter[{i}].lutning")
        persons = (tri(post.personer_intervall[0], post.antal_personer, post.personer_intervall[1],
                       f"nyttoposter[{i}].antal_personer")
                   if post.personer_intervall else _fixed(n, post.antal_personer, held, f"nyttoposter[{i}].antal_personer"))
        unit = (tri(post.enhetskostnad_intervall[0], post.enhetskostnad, post.enhetskostnad_intervall[1],
                    f"nyttoposter[{i}].enhetskostnad")
                if post.enhetskostnad_intervall else _fixed(n, post.enhetskostnad, held, f"nyttoposter[{i}].enhetskostnad"))
        dw = draws["dödvikt"] if a.applies_deadweight(post) else 0.0
        adj = (1 - dw) * draws["attribution"] * (1 - draws["undanträngning"])
        decay = _profile(post, a, draws["bortfall_per_år"])  # (n, T)
        slope_part = _path(post, a, level=0.0)
        total += persons * unit * adj * (eff * (decay @ d) + decay @ (slope_part * d))
    pvc = float(cost_vector(spec) @ d) * (1 + draws["optimism"])
    values = total - pvc
    p05, p50, p95 = (float(v) for v in np.percentile(values, [5, 50, 95]))
    return MonteCarlo(dragningar=n, frö=int(a.frö), sannolikhet_lönsam=float(np.mean(values > 0)),
                      npv_p05=p05, npv_p50=p50, npv_p95=p95, varierade=tuple(varied),
                      hållna=tuple(dict.fromkeys(held)))


def _fixed(n: int, value: float, held: list[str], label: str) -> np.ndarray:
    held.append(label)
    return np.full(n, float(value))


def _sampling_se(post: BenefitItem) -> float | None:
    """An estimate's standard error, or the one its 95 % interval implies; None for an assumption."""
    if post.källa != "indikator":
        return None
    if post.standardfel is not None and post.standardfel > 0:
        return post.standardfel
    if post.effekt_intervall is not None and post.effekt_intervall[1] > post.effekt_intervall[0]:
        return (post.effekt_intervall[1] - post.effekt_intervall[0]) / (2 * 1.959963984540054)
    return None


# ---------------------------------------------------------------- the whole calculation


def payback(cum_costs: np.ndarray, cum_benefits: np.ndarray) -> int | None:
    """The first year t from which cumulative benefits stay at or above cumulative costs to the horizon.

    A first crossing that is lost again (a later cost) does not count; None
    when the benefits are behind in the horizon's last year.
    """
    behind = np.flatnonzero(cum_benefits < cum_costs - 1e-9)
    if len(behind) == 0:
        return 0
    t = int(behind[-1]) + 1
    return t if t < len(cum_costs) else None


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
                             effekt=post.riktning * needed, andel_av_skattad=share, skattad_förbättring=post.effekt,
                             riktning=post.riktning, typ=post.typ, design=post.design, källa=post.källa))
    return factor, tuple(out)


def _savings(spec: Spec, which: str) -> tuple[dict[str, dict[int, float]], dict[tuple[str, int], str]]:
    """Municipal savings per bearer and year: planned (the assumed effects), or seen – the point
    estimate ("skattning") or the conservative bound ("försiktig") – never more than planned."""
    a = spec.antaganden
    out: dict[str, dict[int, float]] = {}
    basis: dict[tuple[str, int], str] = {}
    for post in spec.nyttoposter:
        if not post.municipal:
            continue
        unit = _unit_row(spec, post)
        planned = (np.full(len(unit), post.antagen_effekt) if post.antagen_effekt is not None
                   else _path(post, a))
        if which == "planerad":
            effect = planned
        else:
            level, slope = ((post.effekt, post.lutning) if which == "skattning"
                            else (post.konservativ_effekt, post.konservativ_lutning))
            effect = np.minimum(np.maximum(_path(post, a, level, slope), 0.0), np.maximum(planned, 0.0))
        bucket = out.setdefault(post.bärare, {})
        for t, value in enumerate(effect * unit):
            if value:
                year = a.basår + t
                bucket[year] = bucket.get(year, 0.0) + float(value)
                if post.källa != "indikator" or basis.get((post.bärare, year)) == "antagen":
                    basis[(post.bärare, year)] = "antagen"
                else:
                    basis[(post.bärare, year)] = "skattad"
    return out, basis


def _repayments(spec: Spec, cap: float) -> tuple[tuple[Repayment, ...], tuple[Repayment, ...]]:
    """(point-estimate plan, conservative plan), both scaled by the same planned total."""
    a = spec.antaganden
    municipal = {p.bärare for p in spec.nyttoposter if p.municipal}
    planned, _ = _savings(spec, "planerad")
    plans = []
    for which in ("skattning", "försiktig"):
        seen, basis = _savings(spec, which)
        plans.append(repayment_plan(planned, seen, cap, active=a.återföring, municipal=lambda b: b in municipal,
                                    basis=basis))
    return plans[0], plans[1]


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
    paid_back = payback(cum_c, cum_b)
    years = tuple(YearFlow(år=a.basår + t, t=t, kostnad=float(costs[t]), nytta=float(benefits[t]),
                           kostnad_nuvärde=float(cost_pv[t]), nytta_nuvärde=float(benefit_pv[t]),
                           kumulativ_kostnad_nuvärde=float(cum_c[t]), kumulativ_nytta_nuvärde=float(cum_b[t]))
                  for t in range(n))
    factor, break_even = _break_even(spec, pvc, pvb)
    by_bearer: dict[str, float] = {}
    for post, row in zip(spec.nyttoposter, matrix, strict=True):
        by_bearer[post.bärare] = by_bearer.get(post.bärare, 0.0) + float(row @ d)
    fund_cost = sum(c.belopp for c in spec.kostnader if is_fund(c.bärare))
    point, careful = _repayments(spec, fund_cost)
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
        återbetalningstid_år=paid_back,
        återbetalningsår=None if paid_back is None else a.basår + paid_back,
        brytpunkt_faktor=factor,
        brytpunkter=break_even,
        känslighetsfall_kr=npv(spec, a.känslighet_ränta),
        känslighet=sensitivity(spec),
        monte_carlo=monte_carlo(spec) if with_monte_carlo and a.mc_dragningar > 0 else None,
        återföring=careful if a.återföringsgrund == "försiktig" else point,
        återföring_text=repayment_text(spec, point, careful, fund_cost),
        utbetalningsplan=payment_plan(spec.kostnader, start=spec.start),
        år=years,
        nytta_per_bärare=tuple(by_bearer.items()),
        varningar=tuple(dict.fromkeys(warnings)),
        återföring_skattning=point,
        återföring_försiktig=careful,
        antagandetabell=assumption_table(spec),
    )
