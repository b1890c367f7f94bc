"""Randomisation inference over units for the staggered design (Callaway & Sant'Anna).

Why: with few treated units the clustered (influence-function) standard error of
the overall ATT over-rejects just as the DiD's does (see :mod:`.inference`).  The
test here permutes *which units* carry the observed start dates: the multiset of
first-treated periods is kept (so the cohorts keep their sizes and starts) and
assigned to a uniformly chosen set of units; the overall ATT is recomputed for
each assignment.  The p-value is the share of assignments with |ATT| at least
as large as the actual one (the actual assignment counted).  The estimator is
linear in the outcome, so the interval is the exact inversion of the same test
for a constant effect in every treated unit and period after its start
(:func:`.randomization._accept_set_bounds`).

Pure: numpy, pandas and the package's own staggered core.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass

import numpy as np
import pandas as pd

from .randomization import DEFAULT_SEED, REL_TIE, _accept_set_bounds
from .staggered import _prepare_cs, _validate

__all__ = ["StaggeredRI", "staggered_randomization", "overall_att_by_assignment"]


@dataclass(frozen=True)
class StaggeredRI:
    """The randomisation test of the overall ATT; ``ci_low``/``ci_high`` None when unbounded."""

    estimate: float
    p_value: float
    ci_low: float | None
    ci_high: float | None
    n_assignments: int
    exact: bool
    seed: int | None
    n_treated: int
    n_control: int
    min_p: float


def _n_distinct(G: np.ndarray) -> int:
    """How many distinct ways the start dates can be spread over the units (a multinomial coefficient)."""
    _, counts = np.unique(G, return_counts=True)
    out = math.factorial(len(G))
    for c in counts:
        out //= math.factorial(int(c))
    return out


def _all_assignments(G: np.ndarray) -> np.ndarray:
    """Every distinct arrangement of G's values over the units (rows), the actual one among them."""
    n = len(G)
    values, counts = np.unique(G[G > 0], return_counts=True)
    rows: list[tuple[np.ndarray, tuple[int, ...]]] = [(np.zeros(n, dtype=np.int64), tuple(range(n)))]
    for v, c in zip(values, counts, strict=True):
        nxt = []
        for a, free in rows:
            for chosen in itertools.combinations(free, int(c)):
                b = a.copy()
                b[list(chosen)] = v
                taken = set(chosen)
                nxt.append((b, tuple(i for i in free if i not in taken)))
        rows = nxt
    return np.vstack([a for a, _ in rows])


def _drawn_assignments(G: np.ndarray, n_draws: int, seed: int | None) -> np.ndarray:
    """The actual arrangement plus ``n_draws`` uniform random permutations of it (seeded)."""
    rng = np.random.default_rng(seed)
    perm = np.argsort(rng.random((n_draws, len(G))), axis=1)
    return np.vstack([G[None, :], G[perm]])


def overall_att_by_assignment(Y: np.ndarray, periods: np.ndarray, Gs: np.ndarray, control_group: str) -> np.ndarray:
    """The simple overall ATT (cohort-size weighted post-start ATT(g,t)) for each row of ``Gs``.

    ``Y`` is units x periods (balanced, already prepared by ``_prepare_cs``); every row of
    ``Gs`` must be an arrangement of the same values, so the cohorts' sizes, the cells and
    the numbers of comparison units are the same for every row.  Computed from index
    arrays: the comparison mean at (g, t) is the total minus the units treated by t.
    """
    m, n = Gs.shape
    t0 = int(periods[0])
    cohorts, sizes = np.unique(Gs[0][Gs[0] > 0], return_counts=True)
    pos = {int(g): np.argsort(Gs != g, axis=1, kind="stable")[:, :k] for g, k in zip(cohorts, sizes, strict=True)}
    num = np.zeros(m)
    total = 0.0
    for g, n1 in zip(cohorts, sizes, strict=True):
        g = int(g)
        for t in periods[1:]:
            t = int(t)
            if t < g:
                continue
            dy = Y[:, t - t0] - Y[:, g - 1 - t0]
            if control_group == "never":
                out = [pos[int(h)] for h in cohorts]
            else:  # not yet treated at t: every unit except those started by t
                out = [pos[int(h)] for h in cohorts if h <= t]
            taken = np.hstack(out)
            n0 = n - taken.shape[1]
            if n0 == 0:
                continue  # no comparison units in this cell: left out, as the CS core leaves out its NaN cells
            treated_mean = dy[pos[g]].mean(axis=1)
            control_mean = (dy.sum() - dy[taken].sum(axis=1)) / n0
            num += n1 * (treated_mean - control_mean)
            total += n1
    return num / total if total else np.full(m, np.nan)


def staggered_randomization(
    data: pd.DataFrame,
    control_group: str = "never",
    *,
    n_exact_max: int = 10_000,
    n_draws: int = 5_000,
    seed: int | None = DEFAULT_SEED,
    alpha: float = 0.05,
) -> StaggeredRI:
    """Randomisation inference for the overall Callaway & Sant'Anna ATT (same input as ``callaway_santanna``).

    Every distinct arrangement of the start dates over the units when there are at most
    ``n_exact_max``, else the actual one plus ``n_draws`` seeded random permutations.
    """
    units, periods, Y, G = _validate(data)
    panel, _ = _prepare_cs(units, periods, Y, G, control_group)
    Y, G, periods = panel.Y, panel.G, panel.periods
    n_distinct = _n_distinct(G)
    exact = n_distinct <= n_exact_max
    Gs = _all_assignments(G) if exact else _drawn_assignments(G, n_draws, seed)
    is_obs = np.all(Gs == G[None, :], axis=1)
    b = overall_att_by_assignment(Y, periods, Gs, control_group)
    treated_post = ((G[:, None] > 0) & (periods[None, :] >= G[:, None])).astype(float)
    c = overall_att_by_assignment(treated_post, periods, Gs, control_group)
    b_obs = float(b[np.flatnonzero(is_obs)[0]])
    if not math.isfinite(b_obs):
        raise ValueError("no post-start cell with comparison units: nothing to test")
    c[is_obs] = 1.0
    keep = np.isfinite(b) & np.isfinite(c)
    b, c = b[keep], c[keep]
    m = len(b)
    tol = REL_TIE * max(float(np.max(np.abs(b))), 1e-300)
    p_value = float(np.mean(np.abs(b) >= abs(b_obs) - tol))
    lo, hi = _accept_set_bounds(b, c, b_obs, m, alpha)
    n_treated = int(np.sum(G > 0))
    return StaggeredRI(
        estimate=b_obs,
        p_value=p_value,
        ci_low=lo if math.isfinite(lo) else None,
        ci_high=hi if math.isfinite(hi) else None,
        n_assignments=m,
        exact=exact,
        seed=None if exact else seed,
        n_treated=n_treated,
        n_control=len(G) - n_treated,
        min_p=float(is_obs[keep].sum()) / m,
    )
