"""The fund's two plans: payments out (in arrears, whole kronor) and repayment in (återföring).

Pure functions over the resolved values of :mod:`sif_eval.economics.model`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping

from .. import swedish as sv
from ..swedish import fold
from .model import PAYMENT_TERMS, CostItem, Payment, Repayment, Spec, is_municipal


def is_fund(bearer: str) -> bool:
    """A cost the fund pays (bearer blank or naming the fund)."""
    f = fold(bearer)
    return not f or "fond" in f


def _months(c: CostItem, start: tuple[int, int] | None) -> tuple[int, int]:
    """The months a cost is paid for, never before the project's start (year, month)."""
    m1, m2 = c.månader
    if start is not None and c.år == start[0] and m1 < start[1]:
        m1, m2 = start[1], max(m2, start[1])
    return m1, m2


def payment_plan(costs: Iterable[CostItem], *, start: tuple[int, int] | None = None) -> tuple[Payment, ...]:
    """The fund's payments in arrears: Jan–Apr after delår 1, May–Aug after delår 2, Sep–Dec after helår.

    A cost is spread evenly over its months (all twelve unless ``månader``
    says otherwise, and from the start month in the start year); the stated
    amount is paid, not the price-indexed one.  Costs with another bearer
    than the fund are not paid by the fund.  Payments are whole kronor: each
    is rounded and the last one takes the remainder, so that they sum to the
    stated total (rounded to the krona) exactly.
    """
    buckets: dict[tuple[int, int], float] = {}
    first_month: dict[tuple[int, int], int] = {}
    for c in costs:
        if not is_fund(c.bärare):
            continue
        m1, m2 = _months(c, start)
        per_month = c.stated / (m2 - m1 + 1)
        for m in range(m1, m2 + 1):
            key = (c.år, (m - 1) // 4)
            buckets[key] = buckets.get(key, 0.0) + per_month
            first_month[key] = min(first_month.get(key, 13), m)
    keys = [k for k in sorted(buckets) if abs(buckets[k]) >= 1e-9]
    total = round(sum(buckets[k] for k in keys))
    out = []
    paid = 0
    for n, (year, term) in enumerate(keys):
        amount = total - paid if n == len(keys) - 1 else round(buckets[(year, term)])
        paid += amount
        name, first, last, when = PAYMENT_TERMS[term]
        first = max(first, first_month[(year, term)])
        months = sv.month_name(first) if first == last else f"{sv.month_name(first)}–{sv.month_name(last)}"
        out.append(Payment(år=year, tillfälle=name, avser=f"{months} {year}",
                           utbetalas=when.format(y=year, next=year + 1), belopp=int(amount)))
    return tuple(out)


def repayment_plan(
    planned: Mapping[str, Mapping[int, float]],
    realised: Mapping[str, Mapping[int, float]],
    cap: float,
    *,
    active: bool = True,
    municipal: Callable[[str], bool] = is_municipal,
    basis: Mapping[tuple[str, int], str] | None = None,
) -> tuple[Repayment, ...]:
    """Uppsala's återföringsmodell: each committee repays in proportion to its savings.

    ``planned`` holds each bearer's savings per year under the assumed effects,
    ``realised`` the same under the effects seen (never more than planned).
    The total is capped at ``cap`` (the project's cost): every committee's
    realised savings are scaled by ``min(1, cap / planned total)``, so shares
    stay proportional and repayment shrinks with the effects seen.  Only
    municipal committees repay; with ``active=False`` (Södertälje's model)
    nobody does.  ``basis`` marks (bearer, year) as "antagen" or "skattad".
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
                out.append(Repayment(nämnd=bearer, år=year, belopp=amount,
                                     grund=(basis or {}).get((bearer, year), "skattad")))
    return tuple(sorted(out, key=lambda r: (r.år, keep.index(r.nämnd))))


_PLAN_NAME = {"försiktig": "den försiktiga planen", "skattning": "planen efter punktskattningen"}


def repayment_text(spec: Spec, point: tuple[Repayment, ...], careful: tuple[Repayment, ...], cap: float) -> str:
    """What the repayment is, which plan is proposed, why the two differ, and that it is a projection."""
    a = spec.antaganden
    if not a.återföring:
        return ("Fonden tillämpar ingen återföring (återföring: false): nämnderna betalar inte tillbaka "
                "projektets kostnad till fonden.")
    if not point and not careful:
        return ("Ingen återföring beräknas: ingen nyttopost ger besparingar hos en kommunal nämnd. Region, "
                "stat och enskilda betalar inte tillbaka till fonden.")
    total_p, total_c = sum(r.belopp for r in point), sum(r.belopp for r in careful)
    committees = list(dict.fromkeys(r.nämnd for r in (*point, *careful)))
    chosen = a.återföringsgrund
    who = f"{a.återföringsgrund_källa}: återföringsgrund: {chosen}" if a.återföringsgrund_källa else "standardvalet"
    text = (f"Två planer för återföring från {sv.join_list(committees)} redovisas, båda fördelade efter varje "
            f"nämnds andel av de beräknade besparingarna och högst projektets kostnad ({sv.kronor(cap)}, prisår "
            f"{a.prisår}). Med punktskattningen av effekterna blir återföringen {sv.kronor(total_p)}. Med den "
            f"försiktiga gränsen – den ände av konfidensintervallet som ligger närmast noll, och noll när "
            f"intervallet innehåller noll – blir den {sv.kronor(total_c)}.")
    zero = [p.namn for p in spec.nyttoposter if p.municipal and p.källa == "indikator" and p.konservativ_effekt == 0
            and p.konservativ_lutning == 0]
    if zero:
        text += (f" För {sv.join_list(zero)} innehåller intervallet noll, så effekten kan inte visas vara skild från "
                 "noll och den försiktiga planen räknar inte med någon besparing.")
    text += f" Förslaget följer {_PLAN_NAME[chosen]} ({who})."
    assumed = [p.namn for p in spec.nyttoposter if p.municipal and p.källa != "indikator"]
    text += (" Beloppen är en prognos: de förutsätter att effekterna består under nyttoposternas varaktighet"
             + (f" med ett bortfall på {sv.percent(a.bortfall_per_år, 0)} per år" if a.bortfall_per_år else "")
             + ", och ska stämmas av mot de effekter som kan konstateras vid en uppföljande utvärdering.")
    if assumed:
        text += f" För {sv.join_list(assumed)} bygger de på en antagen effekt, inte en skattad."
    return text
