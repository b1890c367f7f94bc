"""Helpers shared by the analysis designs (före/efter, DiD, ITS).

Kept apart from ``analysis.py`` so the design modules can import them without
a circular import.  Everything a user reads is Swedish; identifiers English.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from .. import swedish
from ..lazy import LazyModule

special = LazyModule("scipy.special")  # the functions scipy.stats' t, normal and F distributions call


def norm_ppf(q: float) -> float:
    """``scipy.stats.norm.ppf`` for 0 < q < 1, without importing scipy.stats (0,5 s on a cold start)."""
    return float(special.ndtri(q))


def norm_sf(x: float) -> float:
    """``scipy.stats.norm.sf``."""
    return float(special.ndtr(-x))


def t_ppf(q: float, df: float) -> float:
    """``scipy.stats.t.ppf`` for finite df > 0."""
    return float(special.stdtrit(df, q))


def t_sf(x: float, df: float) -> float:
    """``scipy.stats.t.sf`` for finite df > 0."""
    return float(special.stdtr(df, -x))


def f_sf(x: float, dfn: float, dfd: float) -> float:
    """``scipy.stats.f.sf``: 1 below the support, as scipy.stats gives."""
    if math.isnan(x) or dfn <= 0 or dfd <= 0:
        return math.nan
    return 1.0 if x <= 0 else float(special.fdtrc(dfn, dfd, x))

# Guardrails: below these, no inference is reported (descriptive only).
MIN_CELL = 5  # observations (rows, or pairs) per before/after x group cell
MIN_UNITS = 3  # distinct units (clusters) per group when clustering by enhet
FEW_CLUSTERS = 20  # below this many clusters in all, the wild cluster bootstrap is shown beside the primary
FEW_UNITS = 10  # fewer treated or comparison units than this: randomisation over units is the primary inference
RI_RELIABLE_UNITS = 40  # with one treated unit, fewer units than this give interval ends resting on one placebo
ALPHA = 0.05
ITS_MIN_PERIODS = 3  # fewer periods before or after: no ITS at all
ITS_GOOD_PERIODS = 8  # fewer: ITS with a caution; auto needs this many on each side

INSATS = "insats"
JAMFORELSE = "jämförelse"

CAUSAL_WARNING = (
    "En jämförelse före och efter visar en förändring, inte en orsakseffekt: "
    "annat som hänt samtidigt kan ha påverkat resultatet."
)


@dataclass
class Fit:
    """What a design returns before it is frozen into an ``Effect``."""

    skattning: float | None
    standardfel: float | None = None
    ki_låg: float | None = None
    ki_hög: float | None = None
    p_värde: float | None = None
    n_obs: int = 0
    n_kluster: int | None = None
    se_typ: str | None = None
    beskrivande: dict[str, float | int | None] = field(default_factory=dict)
    varningar: list[str] = field(default_factory=list)
    inferens: str | None = None  # the primary inference behind standardfel/ki/p (None: follows se_typ)
    inferens_skäl: str = ""
    n_behandlade: int | None = None
    n_jämförelse: int | None = None
    permutationer: int | None = None
    permutationer_exakta: bool | None = None
    frö: int | None = None
    sekundär: dict[str, dict[str, Any]] = field(default_factory=dict)

    def drop_inference(self, reason: str) -> None:
        """Guardrail: keep the point estimate, blank the uncertainty, say why."""
        self.standardfel = self.ki_låg = self.ki_hög = self.p_värde = None
        self.inferens = None
        self.varningar.append(reason)


def num(x: Any) -> float | None:
    """A plain Python float for JSON, or None for missing/NaN/inf."""
    if x is None:
        return None
    try:
        v = float(x)
    except (TypeError, ValueError):
        return None
    return v if math.isfinite(v) else None


def clean_descriptive(d: dict[str, Any]) -> tuple[tuple[str, float | int | None], ...]:
    """Plain ints/floats/None only, in insertion order (JSON-safe, deterministic)."""
    out: list[tuple[str, float | int | None]] = []
    for k, v in d.items():
        if isinstance(v, (bool, np.bool_)):
            out.append((k, int(v)))
        elif isinstance(v, (int, np.integer)):
            out.append((k, int(v)))
        else:
            out.append((k, num(v)))
    return tuple(out)


def sv_num(x: float | None, decimals: int = 3) -> str:
    """Swedish number for figures and their alt texts: :func:`swedish.decimal` with the typographic minus."""
    if x is None or not math.isfinite(x):
        return "–"
    text = swedish.decimal(x, decimals)
    return "\u2212" + text[1:] if text.startswith("-") else text


def t_inference(b: float, se: float | None, df: float | None) -> tuple[float | None, ...]:
    """(se, ci_low, ci_high, p) from an estimate, its SE and the t degrees of freedom (None: normal)."""
    if se is None or not math.isfinite(se) or se <= 0 or not math.isfinite(b):
        return None, None, None, None
    if df is None or not math.isfinite(df) or df <= 0:
        crit = norm_ppf(0.975)
        p = 2 * norm_sf(abs(b / se))
    else:
        crit = t_ppf(0.975, df)
        p = 2 * t_sf(abs(b / se), df)
    return float(se), float(b - crit * se), float(b + crit * se), p


def usable_weights(obs: pd.DataFrame) -> np.ndarray | None:
    """``antal`` as weights when every row has a positive count; else None (unweighted)."""
    if "antal" not in obs.columns or len(obs) == 0:
        return None
    w = pd.to_numeric(obs["antal"], errors="coerce").to_numpy(dtype=float)
    if np.all(np.isfinite(w)) and np.all(w > 0):
        return w
    return None


def weights_note(obs: pd.DataFrame, w: np.ndarray | None) -> str | None:
    """Say whether the rows were weighted by ``antal`` (a reader must know), or why not when some rows have it."""
    if w is None and "antal" in obs.columns and pd.to_numeric(obs["antal"], errors="coerce").notna().any():
        return "Kolumnen antal saknas eller är noll på vissa rader och används därför inte som vikter."
    if w is not None and len(w) and float(np.ptp(w)) > 0:
        return ("Raderna viktas med kolumnen antal, det vill säga med hur många individer varje rad står för; "
                "en stor enhet väger därför tyngre än en liten.")
    return None


def wmean(x: np.ndarray, w: np.ndarray | None) -> float | None:
    if len(x) == 0:
        return None
    if w is None:
        return float(np.mean(x))
    return float(np.sum(w * x) / np.sum(w))


def has_units(obs: pd.DataFrame) -> bool:
    return "enhet" in obs.columns and obs["enhet"].notna().all() and len(obs) > 0


def repeated_units(obs: pd.DataFrame) -> tuple[bool, int, int]:
    """(units repeat before and after, n units seen on both sides, n units).

    Units "repeat" when at least half of them are seen both before and after
    (and at least two are): then the data are treated as a panel.
    """
    if not has_units(obs):
        return False, 0, 0
    codes, uniques = pd.factorize(obs["enhet"])
    after = obs["efter"].to_numpy(dtype=bool)
    n_before = np.bincount(codes[~after], minlength=len(uniques))
    n_after = np.bincount(codes[after], minlength=len(uniques))
    both = int(np.sum((n_before > 0) & (n_after > 0)))
    total = len(uniques)
    return (both >= 2 and both * 2 >= total), both, total


def group_descriptives(obs: pd.DataFrame, w: np.ndarray | None) -> dict[str, float | int | None]:
    """Cell means (weighted by antal when used) and row counts for both groups."""
    d: dict[str, float | int | None] = {}
    ww = None if w is None else pd.Series(w, index=obs.index)
    for grp, key in ((INSATS, "insats"), (JAMFORELSE, "jämförelse")):
        g = obs[obs["grupp"] == grp]
        if len(g) == 0:
            continue
        for after, side in ((False, "före"), (True, "efter")):
            cell = g[g["efter"] == after]
            if len(cell):
                cw = None if ww is None else ww.loc[cell.index].to_numpy()
                d[f"medel_{key}_{side}"] = wmean(cell["varde"].to_numpy(dtype=float), cw)
        d[f"n_{key}"] = int(len(g))
    return d


def period_label(ts: pd.Timestamp, typ: str) -> str:
    """How a period is written back to a reader (e.g. 2021-K3)."""
    if typ == "år":
        return f"{ts.year}"
    if typ == "kvartal":
        return f"{ts.year}-K{(ts.month - 1) // 3 + 1}"
    if typ == "månad":
        return f"{ts.year}-{ts.month:02d}"
    if typ == "läsår":
        return f"{ts.year}/{(ts.year + 1) % 100:02d}"
    if typ == "termin":
        return f"{'HT' if ts.month >= 7 else 'VT'}{ts.year}"
    return ts.strftime("%Y-%m-%d")
