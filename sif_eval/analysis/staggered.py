"""Staggered difference-in-differences: Callaway & Sant'Anna (2021) group-time ATTs.

Pure module (numpy, pandas, scipy only).  Written from the paper and the documented behaviour of
R's ``did`` package (``att_gt`` + ``aggte``) with their defaults, restricted to the case without
covariates:

* unconditional parallel trends (``xformla = ~1``; with no covariates the ``dr``, ``ipw`` and
  ``reg`` estimators all reduce to the difference of mean outcome changes used here),
* ``control_group`` = ``"never"`` (R ``"nevertreated"``, the default) or ``"notyet"``
  (R ``"notyettreated"``),
* ``base_period = "varying"``: a pre-treatment ATT(g,t) compares t with t-1 (a "short"
  difference); a post-treatment ATT(g,t) compares t with the universal base g-1,
* ``anticipation = 0``, balanced panel, no sampling weights, clustering at the unit level.

Input: a long DataFrame with columns ``enhet`` (unit), ``t`` (integer period, consecutive),
``y`` (outcome) and ``g`` (first treated period; 0 or NaN = never treated; constant within unit).

Sample rules (the same as R ``did``):

* ``g`` larger than the last observed period is recoded to 0 (never treated in the window);
* units treated in the first period (``0 < g <= min(t)``) are dropped from the CS estimates
  (they have no untreated period); they are counted in ``dropped_units``;
* ``control_group="notyet"`` with no never-treated units: the periods from the last cohort's
  treatment period on are dropped and that cohort serves only as a comparison group (R does
  the same).  ``control_group="never"`` with no never-treated units raises ``ValueError``
  (R instead silently coerces the last cohort; we prefer an explicit error).

The panel must be balanced: a unit missing a period, a duplicated (unit, period) row, a
missing outcome or a gap in the period sequence raises ``ValueError`` (units are not dropped
silently).

Inference: per-unit influence functions (IF) for every ATT(g,t), analytic standard errors
``sqrt(sum_i IF_i^2) / n``; the aggregated effects ("simple" overall ATT and "dynamic"
event-time effects) use the IF of the weighted average *plus* the IF of the estimated
group-share weights (delta method), as ``aggte`` does.  An optional multiplier bootstrap
(Mammen or Rademacher weights, seeded) gives bootstrap SEs and uniform (sup-t) critical values
for the group-time and event-time estimates.

Also reported: the static two-way fixed-effects coefficient on ``D_it = 1{g_i > 0, t >= g_i}``
(unit and period fixed effects, all units of the input panel), the usual benchmark that is
biased under heterogeneous and dynamic effects.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from ..lazy import LazyModule
from .multiplier import bootstrap_draws, multiplier_bootstrap, se_and_crit

stats = LazyModule("scipy.stats")

__all__ = [
    "GroupTime",
    "BootstrapBands",
    "StaggeredResult",
    "callaway_santanna",
    "twfe_static",
    "multiplier_bootstrap",
    "group_effects",
    "pretrend_test",
]

UNIT, TIME, OUTCOME, GROUP = "enhet", "t", "y", "g"
CONTROL_GROUPS = ("never", "notyet")


@dataclass(frozen=True)
class GroupTime:
    """One group-time average treatment effect ATT(g, t) with its analytic standard error."""

    g: int
    t: int
    att: float
    se: float


@dataclass(frozen=True)
class BootstrapBands:
    """Multiplier-bootstrap results.

    ``*_se`` are bootstrap standard errors (IQR-based, as R ``did``), ``*_crit`` the uniform
    (sup-t) critical values: ``att +/- crit * se`` is a simultaneous band over all group-time
    cells (resp. all event times).  Cells with a zero/NaN bootstrap SE are excluded from the
    sup and get NaN.
    """

    kind: str
    biters: int
    seed: int | None
    alpha: float
    att_gt_se: tuple[float, ...]
    att_gt_crit: float
    event_se: tuple[float, ...]
    event_crit: float
    overall_se: float


@dataclass(frozen=True)
class StaggeredResult:
    """Result of :func:`callaway_santanna`.

    ``att_gt`` is ordered by (g, t); ``event`` holds ``(e, att, se)`` with ``e = t - g``
    ascending (negative e are the pre-treatment "placebo" effects); ``overall`` is the
    group-size-weighted average of the post-treatment ATT(g,t) (``aggte(type="simple")``).
    ``event_average`` is the mean of the event-time effects for e >= 0 with its SE
    (``aggte(type="dynamic")$overall.att``).

    The influence-function matrices (rows = ``units``, in that order) are kept for further
    aggregation: ``inf_att_gt`` (n x K, columns in the order of ``att_gt``), ``inf_overall``
    (n,) and ``inf_event`` (n x E).
    """

    att_gt: tuple[GroupTime, ...]
    overall: tuple[float, float]
    event: tuple[tuple[int, float, float], ...]
    twfe: float
    n_treated_units: int
    n_never: int
    groups: tuple[int, ...]
    control_group: str = "never"
    n_units: int = 0
    periods: tuple[int, ...] = ()
    dropped_units: tuple = ()
    event_average: tuple[float, float] = (float("nan"), float("nan"))
    bootstrap: BootstrapBands | None = None
    units: tuple = field(default=(), repr=False)
    inf_att_gt: np.ndarray | None = field(default=None, repr=False, compare=False)
    inf_overall: np.ndarray | None = field(default=None, repr=False, compare=False)
    inf_event: np.ndarray | None = field(default=None, repr=False, compare=False)

    def att_gt_frame(self) -> pd.DataFrame:
        """ATT(g,t) as a DataFrame with columns g, t, e, att, se, post."""
        rows = [(c.g, c.t, c.t - c.g, c.att, c.se, c.t >= c.g) for c in self.att_gt]
        return pd.DataFrame(rows, columns=["g", "t", "e", "att", "se", "post"])

    def event_frame(self) -> pd.DataFrame:
        """Event-time effects as a DataFrame with columns e, att, se."""
        return pd.DataFrame(list(self.event), columns=["e", "att", "se"])


# --------------------------------------------------------------------------------------------
# data preparation
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Panel:
    units: np.ndarray  # (n,) unit labels, sorted
    periods: np.ndarray  # (T,) consecutive integer periods
    Y: np.ndarray  # (n, T)
    G: np.ndarray  # (n,) int, 0 = never treated (within the window)


def _validate(df: pd.DataFrame) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Check the long panel and return (units, periods, Y (n x T), G (n,)) for all its units."""
    if not isinstance(df, pd.DataFrame):
        raise TypeError("data must be a pandas DataFrame")
    missing = [c for c in (UNIT, TIME, OUTCOME, GROUP) if c not in df.columns]
    if missing:
        raise ValueError(
            f"data lacks the column(s) {missing}; need {UNIT!r}, {TIME!r}, {OUTCOME!r}, {GROUP!r}"
        )
    if df.empty:
        raise ValueError("data is empty")
    if df[UNIT].isna().any():
        raise ValueError(f"column {UNIT!r} has missing values")

    t_raw = pd.to_numeric(df[TIME], errors="coerce").to_numpy(dtype=float)
    if not np.all(np.isfinite(t_raw)) or np.any(t_raw != np.round(t_raw)):
        raise ValueError(f"column {TIME!r} must hold integer period indices without missing values")
    y = pd.to_numeric(df[OUTCOME], errors="coerce").to_numpy(dtype=float)
    if not np.all(np.isfinite(y)):
        raise ValueError(f"column {OUTCOME!r} has missing or non-finite values; the panel must be complete")
    g_raw = pd.to_numeric(df[GROUP], errors="coerce").to_numpy(dtype=float)
    g_raw = np.where(np.isnan(g_raw), 0.0, g_raw)
    if np.any(np.isinf(g_raw)):
        g_raw = np.where(np.isinf(g_raw), 0.0, g_raw)  # Inf = never treated, as in R did
    if np.any(g_raw != np.round(g_raw)) or np.any(g_raw < 0):
        raise ValueError(f"column {GROUP!r} must be a non-negative integer period (0 or NaN = never treated)")

    t_int = t_raw.astype(np.int64)
    periods = np.unique(t_int)
    if len(periods) < 2:
        raise ValueError("need at least two periods")
    if np.any(np.diff(periods) != 1):
        raise ValueError(f"periods in {TIME!r} must be consecutive integers; got {periods.tolist()}")

    codes, units = pd.factorize(df[UNIT], sort=True)
    n, T = len(units), len(periods)
    col = t_int - periods[0]
    if len(df) != n * T:
        counts = np.bincount(codes, minlength=n)
        bad = [units[i] for i in np.flatnonzero(counts != T)[:5]]
        raise ValueError(
            f"the panel is not balanced: {n} units x {T} periods = {n * T} rows expected, got {len(df)}; "
            f"e.g. units {bad} do not have exactly one row per period (drop or complete them first)"
        )
    flat = codes * T + col
    if len(np.unique(flat)) != n * T:
        raise ValueError("the panel is not balanced: some (enhet, t) pairs are duplicated or missing")
    Y = np.empty(n * T)
    Y[flat] = y
    Y = Y.reshape(n, T)

    Gall = np.empty(n * T)
    Gall[flat] = g_raw
    Gall = Gall.reshape(n, T)
    if np.any(Gall != Gall[:, [0]]):
        raise ValueError(f"column {GROUP!r} must be constant within each unit")
    G = Gall[:, 0].astype(np.int64)
    return np.asarray(units), periods, Y, G


# --------------------------------------------------------------------------------------------
# TWFE benchmark
# --------------------------------------------------------------------------------------------


def _twfe_from_arrays(Y: np.ndarray, G: np.ndarray, periods: np.ndarray) -> float:
    """Static TWFE coefficient on D_it in a balanced panel (two-way within transformation)."""
    D = ((G[:, None] > 0) & (periods[None, :] >= G[:, None])).astype(float)

    def within(a: np.ndarray) -> np.ndarray:
        return a - a.mean(axis=1, keepdims=True) - a.mean(axis=0, keepdims=True) + a.mean()

    Dt = within(D)
    denom = float(np.sum(Dt * Dt))
    if denom <= 1e-12 * max(1.0, D.size):
        return float("nan")
    return float(np.sum(Dt * within(Y)) / denom)


def twfe_static(data: pd.DataFrame) -> float:
    """Static two-way fixed-effects estimate: OLS of y on D_it with unit and period fixed effects.

    ``D_it = 1{g_i > 0 and t >= g_i}``.  Uses every unit of the (balanced) panel.  NaN when D has
    no within variation.
    """
    _, periods, Y, G = _validate(data)
    return _twfe_from_arrays(Y, G, periods)


# --------------------------------------------------------------------------------------------
# Callaway & Sant'Anna
# --------------------------------------------------------------------------------------------


def _prepare_cs(
    units: np.ndarray, periods: np.ndarray, Y: np.ndarray, G: np.ndarray, control_group: str
) -> tuple[_Panel, tuple]:
    G = G.copy()
    G[G > periods[-1]] = 0  # treated after the window: never treated within it
    if not np.any(G == 0):
        if control_group == "never":
            raise ValueError(
                "no never-treated units (g = 0 / NaN, or first treated after the last period); "
                "use control_group='notyet'"
            )
        g_last = int(G.max())
        keep_t = periods < g_last
        if keep_t.sum() < 2:
            raise ValueError("no never-treated units and fewer than two periods before the last cohort")
        periods, Y = periods[keep_t], Y[:, keep_t]
        G[G == g_last] = 0  # serves only as (not-yet-treated) comparison within the kept window
    first = (G > 0) & (G <= periods[0])
    dropped = tuple(units[first].tolist())
    keep = ~first
    return _Panel(units[keep], periods, Y[keep], G[keep]), dropped


def _att_gt_cells(panel: _Panel, control_group: str):
    """Estimate every ATT(g,t); returns (list of (g, t), att (K,), IF (n x K))."""
    periods, Y, G = panel.periods, panel.Y, panel.G
    n = len(G)
    t0 = periods[0]
    groups = np.unique(G[G > 0])
    cells, atts, infs = [], [], []
    for g in groups:
        treat = G == g
        n1 = int(treat.sum())
        for t in periods[1:]:
            base = t - 1 if t < g else g - 1  # varying base before treatment, g-1 after
            if control_group == "never":
                ctrl = G == 0
            else:  # not yet treated at max(t, base) = t, excluding the group itself
                ctrl = (G == 0) | ((G > t) & (G != g))
            n0 = int(ctrl.sum())
            dy = Y[:, t - t0] - Y[:, base - t0]
            inf = np.zeros(n)
            if n0 == 0 or n1 == 0:
                att = float("nan")
                inf[:] = np.nan
            else:
                mu1 = dy[treat].mean()
                mu0 = dy[ctrl].mean()
                att = float(mu1 - mu0)
                # IF of the difference of means, scaled to the full sample of n units:
                # n * [ D (dy - mu1) / n1 - C (dy - mu0) / n0 ]  (zero for units in neither set)
                inf[treat] = n * (dy[treat] - mu1) / n1
                inf[ctrl] = -n * (dy[ctrl] - mu0) / n0
            cells.append((int(g), int(t)))
            atts.append(att)
            infs.append(inf)
    if not cells:
        return [], np.empty(0), np.empty((n, 0))
    return cells, np.asarray(atts), np.column_stack(infs)


def _se(inf: np.ndarray) -> np.ndarray | float:
    n = inf.shape[0]
    out = np.sqrt(np.sum(inf * inf, axis=0)) / n
    return out


def _aggregate(
    keep: np.ndarray, att: np.ndarray, inf: np.ndarray, pg: np.ndarray, cell_g: np.ndarray, G: np.ndarray
) -> tuple[float, np.ndarray]:
    """Weighted average of att[keep] with weights pg[keep] / sum(pg[keep]) and its IF.

    The IF includes the estimation effect of the group shares (delta method on
    pg_k / sum_l pg_l, with pg_k = mean_i 1{G_i = g_k}).
    """
    idx = np.flatnonzero(keep)
    if idx.size == 0:
        return float("nan"), np.full(inf.shape[0], np.nan)
    p = pg[idx]
    S = p.sum()
    w = p / S
    est = float(np.sum(w * att[idx]))
    # IF of the shares: (1{G_i = g_k} - pg_k)
    ind = (G[:, None] == cell_g[idx][None, :]).astype(float) - p[None, :]
    wif = ind / S - np.outer(ind.sum(axis=1), p / S**2)
    return est, inf[:, idx] @ w + wif @ att[idx]


def callaway_santanna(
    data: pd.DataFrame,
    control_group: str = "never",
    *,
    bootstrap: bool = False,
    biters: int = 999,
    bootstrap_kind: str = "mammen",
    seed: int | None = None,
    alpha: float = 0.05,
) -> StaggeredResult:
    """Callaway & Sant'Anna (2021) ATT(g,t), simple and event-time aggregations, TWFE benchmark.

    Parameters
    ----------
    data : long DataFrame with columns ``enhet``, ``t``, ``y``, ``g`` (see module docstring).
    control_group : ``"never"`` (never-treated units, default) or ``"notyet"`` (never-treated
        plus not-yet-treated units at period t).
    bootstrap : also run the multiplier bootstrap (``biters`` draws, ``bootstrap_kind`` =
        ``"mammen"`` or ``"rademacher"``, ``seed``) for SEs and uniform critical values at
        level ``alpha``.  The analytic SEs in ``att_gt``, ``overall`` and ``event`` are always
        the analytic ones.

    Raises
    ------
    ValueError for an unbalanced or malformed panel, an unknown control group, no treated
    group with an untreated period, or (``control_group="never"``) no never-treated units.
    """
    if control_group not in CONTROL_GROUPS:
        raise ValueError(f"control_group must be one of {CONTROL_GROUPS}, got {control_group!r}")
    units_all, periods_all, Y_all, G_all = _validate(data)
    twfe = _twfe_from_arrays(Y_all, G_all, periods_all)

    panel, dropped = _prepare_cs(units_all, periods_all, Y_all, G_all, control_group)
    cells, att, inf = _att_gt_cells(panel, control_group)
    if not cells:
        raise ValueError("no treated cohort with an untreated period before treatment (nothing to estimate)")
    n = len(panel.G)
    se = _se(inf)
    cell_g = np.array([c[0] for c in cells])
    cell_t = np.array([c[1] for c in cells])
    ok = np.isfinite(att)

    groups = np.unique(cell_g)
    pg_group = {int(g): float(np.mean(panel.G == g)) for g in groups}
    pg = np.array([pg_group[int(g)] for g in cell_g])

    # simple: group-size-weighted average of the post-treatment cells
    post = ok & (cell_t >= cell_g)
    overall_att, inf_overall = _aggregate(post, att, np.nan_to_num(inf), pg, cell_g, panel.G)
    overall_se = float(_se(inf_overall[:, None])[0])

    # dynamic: by event time e = t - g
    e_all = cell_t - cell_g
    evs = np.unique(e_all[ok])
    ev_att, ev_inf = [], []
    for e in evs:
        a, f = _aggregate(ok & (e_all == e), att, np.nan_to_num(inf), pg, cell_g, panel.G)
        ev_att.append(a)
        ev_inf.append(f)
    ev_att = np.asarray(ev_att)
    ev_inf = np.column_stack(ev_inf) if ev_inf else np.empty((n, 0))
    ev_se = _se(ev_inf)
    epos = evs >= 0
    if epos.any():
        avg_att = float(ev_att[epos].mean())
        avg_inf = ev_inf[:, epos].mean(axis=1)
        event_average = (avg_att, float(_se(avg_inf[:, None])[0]))
    else:
        event_average = (float("nan"), float("nan"))

    boot = None
    if bootstrap:
        if not 0 < alpha < 1:
            raise ValueError("alpha must be in (0, 1)")
        # one set of multiplier draws for every estimate (cells, overall, event times)
        k_ok = int(ok.sum())
        allinf = np.column_stack([inf[:, ok], inf_overall, ev_inf])
        draws = bootstrap_draws(allinf, biters, bootstrap_kind, seed)
        gt_se, gt_crit = se_and_crit(draws[:, :k_ok], n, alpha)
        agg_se, _ = se_and_crit(draws[:, k_ok:], n, alpha)
        _, ev_crit = se_and_crit(draws[:, k_ok + 1 :], n, alpha)
        full_gt_se = np.full(len(att), np.nan)
        full_gt_se[ok] = gt_se
        boot = BootstrapBands(
            kind=bootstrap_kind,
            biters=int(biters),
            seed=seed,
            alpha=float(alpha),
            att_gt_se=tuple(float(x) for x in full_gt_se),
            att_gt_crit=gt_crit,
            event_se=tuple(float(x) for x in agg_se[1:]),
            event_crit=ev_crit,
            overall_se=float(agg_se[0]),
        )

    att_gt = tuple(
        GroupTime(g=int(g), t=int(t), att=float(a), se=float(s) if np.isfinite(a) else float("nan"))
        for g, t, a, s in zip(cell_g, cell_t, att, se, strict=True)
    )
    event = tuple((int(e), float(a), float(s)) for e, a, s in zip(evs, ev_att, ev_se, strict=True))
    return StaggeredResult(
        att_gt=att_gt,
        overall=(overall_att, overall_se),
        event=event,
        twfe=twfe,
        n_treated_units=int(np.sum(panel.G > 0)),
        n_never=int(np.sum(panel.G == 0)),
        groups=tuple(int(g) for g in groups),
        control_group=control_group,
        n_units=n,
        periods=tuple(int(p) for p in panel.periods),
        dropped_units=dropped,
        event_average=event_average,
        bootstrap=boot,
        units=tuple(panel.units.tolist()),
        inf_att_gt=inf,
        inf_overall=inf_overall,
        inf_event=ev_inf,
    )


def group_effects(result: StaggeredResult) -> tuple[tuple[int, float, float], ...]:
    """Per cohort: the mean of its post-treatment ATT(g,t) and its SE (``aggte(type="group")``).

    Within one cohort the cells are weighted equally, so the influence function is the mean of
    the cells' influence functions (no estimated weights).  ``(g, att, se)`` in cohort order.
    """
    if result.inf_att_gt is None:
        raise ValueError("the result has no influence functions")
    n = result.inf_att_gt.shape[0]
    out = []
    for g in result.groups:
        idx = [k for k, c in enumerate(result.att_gt) if c.g == g and c.t >= g and np.isfinite(c.att)]
        if not idx:
            out.append((g, float("nan"), float("nan")))
            continue
        att = float(np.mean([result.att_gt[k].att for k in idx]))
        inf = result.inf_att_gt[:, idx].mean(axis=1)
        out.append((g, att, float(np.sqrt(np.sum(inf * inf)) / n)))
    return tuple(out)


def pretrend_test(result: StaggeredResult) -> tuple[float, int]:
    """Wald test that every pre-treatment ATT(g,t) is zero: ``(p-value, degrees of freedom)``.

    The pre-treatment cells compare t with t-1 before the start, so under parallel trends they
    are centred on zero.  Covariance from the influence functions, ``IF'IF / n^2``; a
    pseudo-inverse handles collinear cells.  ``(nan, 0)`` without pre-treatment cells.
    """
    if result.inf_att_gt is None:
        raise ValueError("the result has no influence functions")
    idx = [k for k, c in enumerate(result.att_gt) if c.t < c.g and np.isfinite(c.att)]
    if not idx:
        return float("nan"), 0
    n = result.inf_att_gt.shape[0]
    a = np.array([result.att_gt[k].att for k in idx])
    inf = result.inf_att_gt[:, idx]
    V = inf.T @ inf / n**2
    rank = int(np.linalg.matrix_rank(V))
    if rank == 0:
        return float("nan"), 0
    W = float(a @ np.linalg.pinv(V) @ a)
    return float(stats.chi2.sf(W, rank)), rank
