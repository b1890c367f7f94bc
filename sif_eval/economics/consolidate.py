"""Putting several projects' calculations on common terms before anything is summed.

Each project's calculation has its own price year and base year (year 0 of
the discounting).  Summing them as they stand adds kronor of different value.
:func:`restate` moves a calculation's totals to one price year (by the KPI)
and one base year (by compounding the net present value at the project's own
real rate: a value at base year b is worth ``(1 + r) ** (B − b)`` at base year B).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .model import PriceIndex


def restate(kalkyl: Mapping[str, Any], price_year: int, base_year: int, index: PriceIndex | None
            ) -> dict[str, Any]:
    """A calculation's cost and net present value in ``price_year`` prices, discounted to ``base_year``."""
    own_price = int(kalkyl.get("prisår") or price_year)
    own_base = int((kalkyl.get("antaganden") or {}).get("basår") or base_year)
    rate = float(kalkyl.get("diskonteringsränta") or 0.0)
    factor, missing = index.factor(own_price, price_year) if index is not None else (1.0, ())
    if index is None and own_price != price_year:
        missing = (own_price, price_year)
    compound = (1.0 + rate) ** (base_year - own_base)
    cost = kalkyl.get("kostnad_kr")
    npv = kalkyl.get("nettonuvärde_kr")
    return {"prisår": price_year, "basår": base_year, "eget_prisår": own_price, "eget_basår": own_base,
            "kpi_faktor": factor, "ränte_faktor": compound,
            "kostnad_kr": None if cost is None else float(cost) * factor,
            "nettonuvärde_kr": None if npv is None else float(npv) * factor * compound,
            "kpi_saknas": sorted(set(missing))}
