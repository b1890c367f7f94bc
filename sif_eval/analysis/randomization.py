"""Inference that stays honest with few treated units: randomisation inference and friends.

Municipal projects treat 1-4 units (schools, districts) against some
comparison units.  Clustered standard errors (CR1) then over-reject badly
(about 18 % at nominal 5 % with 3 treated of 60 clusters), because the
variance of the DiD is driven by the few treated clusters, whose scores the
sandwich cannot estimate.  This module provides the primary inference for
that situation:

* :func:`twfe_did` - the two-way fixed effects DiD estimate, exact and fast
  (one small T x T solve instead of dummies or iterations), so that thousands
  of placebo assignments cost milliseconds.
* :func:`randomization_inference` - placebo-in-space (Fisher) randomisation
  inference: which units are treated is permuted (same number treated, same
  start), the p-value is the rank of |estimate| among the placebo estimates,
  and the interval is the set of constant effects not rejected (test
  inversion, computed exactly).  Valid in finite samples when units are
  exchangeable; needs enough units to be informative (1 treated: N >= 20 for
  a bounded 95 % interval).

The in-time placebo for a single series is in :mod:`.its`
(:func:`~sif_eval.analysis.its.in_time_placebo`); the wild cluster bootstrap,
a secondary check, in :mod:`.wild_bootstrap`.

Pure: imports only numpy, pandas, scipy and the standard library.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from ..lazy import LazyModule

sparse = LazyModule("scipy.sparse")

__all__ = [
    "RIResult",
    "twfe_did",
    "randomization_inference",
    "DEFAULT_SEED",
]

DEFAULT_SEED = 20240601  # the seed analysis_did already uses for its bootstrap
REL_TIE = 1e-9  # relative tolerance for "at least as extreme" (floating-point ties)

Estimator = Callable[..., float]


# ---------------------------------------------------------------- fixed effects


def as_codes(x: Sequence | np.ndarray) -> np.ndarray:
    """0..K-1 integer codes for any labels (cheap pass-through for codes already dense)."""
    a = np.asarray(x)
    if a.dtype.kind in "iu" and a.size and a.min() == 0:
        k = int(a.max()) + 1
        if k <= a.size and np.bincount(a, minlength=k).all():
            return a.astype(np.intp, copy=False)
    return np.unique(a, return_inverse=True)[1].astype(np.intp).ravel()


class _TwoWay:
    """Exact weighted within-projection for unit + period fixed effects.

    Absorbing units leaves a T x T system for the period effects,
    ``(diag(N_t) - C' diag(1/W_u) C) gamma = r``, with ``C`` the units x periods
    table of summed weights.  Its pseudo-inverse is computed once, so every
    projection afterwards costs two sparse products and a T x T multiply: no
    iterations, exact on unbalanced (even disconnected) panels, and the same
    residuals as the regression with both sets of dummies (Frisch-Waugh-Lovell).
    """

    def __init__(self, unit_codes: np.ndarray, period_codes: np.ndarray, weights: np.ndarray | None = None):
        u, t = as_codes(unit_codes), as_codes(period_codes)
        n = len(u)
        w = np.ones(n) if weights is None else np.asarray(weights, dtype=float)
        self.u, self.t, self.w, self.n = u, t, w, n
        self.N, self.T = int(u.max()) + 1, int(t.max()) + 1
        self._Uw: sparse.csr_matrix | None = None
        self._Tw: sparse.csr_matrix | None = None
        cell = np.bincount(u * self.T + t, weights=w, minlength=self.N * self.T).reshape(self.N, self.T)
        self.cell = cell
        self.Wu = cell.sum(axis=1)
        Nt = cell.sum(axis=0)
        self.cell_over_Wu = cell / self.Wu[:, None]
        A = np.diag(Nt) - cell.T @ self.cell_over_Wu
        self.Apinv = np.linalg.pinv((A + A.T) / 2, rcond=1e-11, hermitian=True)

    def effects(self, su: np.ndarray, st: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Unit and period effects from the weighted unit sums ``su`` and period sums ``st``."""
        r = st - self.cell.T @ (su / self.Wu.reshape((-1,) + (1,) * (su.ndim - 1)))
        gamma = self.Apinv @ r
        alpha = (su - self.cell @ gamma) / self.Wu.reshape((-1,) + (1,) * (su.ndim - 1))
        return alpha, gamma

    def _sums(self, v: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Weighted unit and period sums of v (bincount for a vector, sparse products for a matrix)."""
        if v.ndim == 1:
            wv = self.w * v
            return np.bincount(self.u, weights=wv, minlength=self.N), np.bincount(self.t, weights=wv, minlength=self.T)
        if self._Uw is None:
            rows = np.arange(self.n)
            self._Uw = sparse.csr_matrix((self.w, (self.u, rows)), shape=(self.N, self.n))  # U' W
            self._Tw = sparse.csr_matrix((self.w, (self.t, rows)), shape=(self.T, self.n))  # P' W
        return self._Uw @ v, self._Tw @ v

    def __call__(self, v: np.ndarray) -> np.ndarray:
        """Residuals of ``v`` (n or n x k) on both sets of fixed effects."""
        v = np.asarray(v, dtype=float)
        alpha, gamma = self.effects(*self._sums(v))
        return v - alpha[self.u] - gamma[self.t]


class _OneWay:
    """Weighted group demeaning (one set of fixed effects)."""

    def __init__(self, codes: np.ndarray, weights: np.ndarray | None = None):
        self.c = as_codes(codes)
        n = len(self.c)
        self.w = np.ones(n) if weights is None else np.asarray(weights, dtype=float)
        self.G = int(self.c.max()) + 1
        self.Cw = sparse.csr_matrix((self.w, (self.c, np.arange(n))), shape=(self.G, n))
        self.sw = np.bincount(self.c, weights=self.w, minlength=self.G)

    def __call__(self, v: np.ndarray) -> np.ndarray:
        v = np.asarray(v, dtype=float)
        means = (self.Cw @ v) / self.sw.reshape((-1,) + (1,) * (v.ndim - 1))
        return v - means[self.c]


def absorber(absorb: Sequence[np.ndarray] | None, weights: np.ndarray | None) -> Callable[[np.ndarray], np.ndarray]:
    if not absorb:
        return lambda v: np.asarray(v, dtype=float).copy()
    if len(absorb) == 1:
        return _OneWay(absorb[0], weights)
    if len(absorb) == 2:
        return _TwoWay(absorb[0], absorb[1], weights)
    raise ValueError("At most two sets of fixed effects can be absorbed; pass further ones as dummy columns.")


def twfe_did(
    y: np.ndarray,
    unit_codes: np.ndarray,
    period_codes: np.ndarray,
    treated_post: np.ndarray,
    weights: np.ndarray | None = None,
) -> float:
    """DiD coefficient of ``y ~ treated_post + unit FE + period FE`` (weighted least squares when ``weights``).

    Why: the randomisation test re-estimates this thousands of times, so it is
    computed by Frisch-Waugh-Lovell with the exact two-way projection
    (:class:`_TwoWay`) rather than dummies.  On a balanced panel it equals the
    2x2 difference of the four group means.  Returns NaN when the fixed
    effects absorb ``treated_post`` completely.
    """
    y = np.asarray(y, dtype=float)
    d = np.asarray(treated_post, dtype=float)
    w = np.ones(len(y)) if weights is None else np.asarray(weights, dtype=float)
    md = _TwoWay(unit_codes, period_codes, w)(d)
    den = float(np.sum(w * md * d))
    if not den > 1e-12 * max(float(np.sum(w * d * d)), 1e-300):
        return float("nan")
    return float(np.sum(w * md * y)) / den


# ---------------------------------------------------------------- randomisation inference


@dataclass(frozen=True)
class RIResult:
    """Placebo-in-space randomisation inference for a DiD.

    ``p_value`` is two-sided, from |estimate|, counting the actual assignment
    (smallest possible value ``min_p``).  ``ci_low``/``ci_high`` invert the same
    test for a constant additive effect; None when that side is unbounded, with
    ``reason`` saying why.  ``placebo_estimates[j]`` and ``placebo_slopes[j]``
    give the estimate under assignment ``j`` as ``b_j - tau * c_j`` for any
    hypothesised effect ``tau`` (see :meth:`p_at`).
    """

    estimate: float
    p_value: float
    ci_low: float | None
    ci_high: float | None
    n_assignments: int
    exact: bool
    seed: int | None
    n_treated: int
    n_control: int
    alpha: float
    min_p: float
    reason: str | None = None
    n_units_dropped: int = 0
    placebo_estimates: np.ndarray = field(default_factory=lambda: np.empty(0), repr=False, compare=False)
    placebo_slopes: np.ndarray = field(default_factory=lambda: np.empty(0), repr=False, compare=False)

    def p_at(self, tau: float) -> float:
        """Randomisation p-value of H0: the effect is ``tau`` in every treated unit and post period."""
        b, c = self.placebo_estimates, self.placebo_slopes
        stat = np.abs(b - tau * c)
        obs = abs(self.estimate - tau)
        tol = REL_TIE * max(float(np.max(np.abs(b))), float(np.max(np.abs(tau * c))), abs(tau), 1e-300)
        return float(np.mean(stat >= obs - tol))


def _panel_arrays(
    panel: pd.DataFrame,
    treated_units: Sequence,
    unit_col: str,
    period_col: str,
    y_col: str,
    post_col: str,
    weight_col: str | None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray | None, np.ndarray, int]:
    """(y, unit codes, period codes, post per period, weights, treated-unit flags, units dropped)."""
    missing = [c for c in (unit_col, period_col, y_col, post_col) if c not in panel.columns]
    if weight_col is not None and weight_col not in panel.columns:
        missing.append(weight_col)
    if missing:
        raise ValueError(f"Panel lacks column(s): {', '.join(missing)}")
    df = panel[[c for c in (unit_col, period_col, y_col, post_col, weight_col) if c is not None]]
    df = df[np.isfinite(pd.to_numeric(df[y_col], errors="coerce").to_numpy(dtype=float))]
    treated_set = set(treated_units)
    unknown = treated_set - set(df[unit_col].unique())
    if unknown:
        raise ValueError(f"Treated unit(s) not in the panel (or without values): {sorted(map(str, unknown))}")
    post_row = df[post_col].to_numpy(dtype=bool)
    pc, periods = pd.factorize(df[period_col], sort=True)
    is_tr_row = df[unit_col].isin(treated_set).to_numpy()
    # post is a property of the period (common start): read it from the treated units' rows
    T = len(periods)
    n_post_tr = np.bincount(pc[is_tr_row], weights=post_row[is_tr_row], minlength=T)
    n_tr = np.bincount(pc[is_tr_row], minlength=T)
    if np.any((n_post_tr > 0) & (n_post_tr < n_tr)):
        raise ValueError(
            "The treated units start in different periods (staggered start); this randomisation test assumes one "
            "common start."
        )
    post_any = np.bincount(pc, weights=post_row, minlength=T) > 0
    period_post = np.where(n_tr > 0, n_post_tr > 0, post_any)
    post_r = period_post[pc]
    # units seen only before or only after carry no DiD information and would be degenerate placebos
    uc_raw, units = pd.factorize(df[unit_col], sort=True)
    has_pre = np.bincount(uc_raw, weights=~post_r, minlength=len(units)) > 0
    has_post = np.bincount(uc_raw, weights=post_r, minlength=len(units)) > 0
    keep_unit = has_pre & has_post
    if not keep_unit[[units.get_loc(u) for u in treated_set]].all():
        raise ValueError("A treated unit has no observations before or no observations after the start.")
    keep = keep_unit[uc_raw]
    n_dropped = int((~keep_unit).sum())
    df = df[keep]
    uc, units = pd.factorize(df[unit_col], sort=True)
    pc, periods = pd.factorize(df[period_col], sort=True)
    period_post = np.bincount(pc, weights=post_r[keep], minlength=len(periods)) > 0
    y = df[y_col].to_numpy(dtype=float)
    w = None if weight_col is None else df[weight_col].to_numpy(dtype=float)
    if w is not None and not (np.all(np.isfinite(w)) and np.all(w > 0)):
        raise ValueError(f"Weights ({weight_col}) must be positive and finite on every row.")
    treated_flag = np.asarray(units.isin(list(treated_set)), dtype=bool)
    return y, uc.astype(np.intp), pc.astype(np.intp), period_post, w, treated_flag, n_dropped


def _assignments(
    N: int, k: int, obs: np.ndarray, n_exact_max: int, n_draws: int, seed: int | None
) -> tuple[np.ndarray, bool]:
    """0/1 matrix (assignments x units): all C(N, k) when few enough, else the actual one plus ``n_draws`` random."""
    n_all = math.comb(N, k)
    if n_all <= n_exact_max:
        idx = np.fromiter(itertools.chain.from_iterable(itertools.combinations(range(N), k)), dtype=np.intp)
        idx = idx.reshape(n_all, k)
        exact = True
    else:
        rng = np.random.default_rng(seed)
        draws = np.argsort(rng.random((n_draws, N)), axis=1)[:, :k]
        idx = np.vstack([np.flatnonzero(obs)[None, :], draws])
        exact = False
    Z = np.zeros((idx.shape[0], N))
    np.put_along_axis(Z, idx, 1.0, axis=1)
    return Z, exact


def _linear_twfe_parts(
    y: np.ndarray, uc: np.ndarray, pc: np.ndarray, period_post: np.ndarray, w: np.ndarray | None
) -> tuple[np.ndarray, np.ndarray]:
    """(a, Q) such that the TWFE DiD under treated set z (0/1 per unit) is ``a @ z / (z @ Q @ z)``.

    With D = z[unit] * post[period], b = <M D, y>_W / <M D, D>_W (M: the two-way
    within projection).  D is a sum of the per-unit columns E_u = 1[unit=u] * post,
    so the numerator is z'a with a_u = <E_u, M y>_W and the denominator z'Qz with
    Q_uv = <E_u, M E_v>_W.  Q needs no n x N matrix: everything lives in the
    units x periods table.
    """
    tw = _TwoWay(uc, pc, w)
    wrow = tw.w
    post_r = period_post[pc].astype(float)
    my = tw(y)
    a = np.bincount(uc, weights=wrow * post_r * my, minlength=tw.N)
    p = tw.cell @ period_post.astype(float)  # weight of each unit's post rows
    cell_post = tw.cell * period_post[None, :]  # E' W P (units x periods)
    su = np.diag(p)  # U' W E
    st = cell_post.T  # P' W E
    alpha, gamma = tw.effects(su, st)  # effects of each column E_v
    Q = np.diag(p) - p[:, None] * alpha - cell_post @ gamma  # E' W (E - U alpha - P gamma)
    return a, (Q + Q.T) / 2


def _accept_set_bounds(b: np.ndarray, c: np.ndarray, b_obs: float, n: int, alpha: float) -> tuple[float, float]:
    """Exact smallest and largest tau with p(tau) > alpha (may be -inf/+inf).

    Assignment j counts as "at least as extreme" at tau iff
    (b_j - tau c_j)^2 >= (b_obs - tau)^2, i.e. L1(tau) * L2(tau) >= 0 with
    L1 = (b_j - b_obs) - tau (c_j - 1) and L2 = (b_j + b_obs) - tau (c_j + 1):
    a closed interval, the complement of an open one, a half-line, the whole line
    or empty.  The count of such sets is a step function whose extreme accepted
    points are endpoints (sets are closed), so it suffices to evaluate it at the
    endpoints and on the two rays.
    """
    starts: list[np.ndarray] = []
    ends: list[np.ndarray] = []
    inf = np.inf
    p1, q1 = b - b_obs, c - 1.0
    p2, q2 = b + b_obs, c + 1.0
    scale = max(float(np.max(np.abs(c))), 1.0)
    z1 = np.abs(q1) <= 1e-12 * scale
    z2 = np.abs(q2) <= 1e-12 * scale
    # both linear factors proper: roots r1, r2; leading coefficient q1*q2
    both = ~z1 & ~z2
    r1 = np.where(both, p1 / np.where(z1, 1.0, q1), 0.0)
    r2 = np.where(both, p2 / np.where(z2, 1.0, q2), 0.0)
    lo, hi = np.minimum(r1, r2), np.maximum(r1, r2)
    up = both & (q1 * q2 > 0)  # outside (lo, hi)
    down = both & (q1 * q2 < 0)  # inside [lo, hi]
    starts += [np.full(up.sum(), -inf), hi[up], lo[down]]
    ends += [lo[up], np.full(up.sum(), inf), hi[down]]
    # one factor constant: sign(const) * L_other(tau) >= 0
    for zc, pc_, pl, ql in ((z1 & ~z2, p1, p2, q2), (z2 & ~z1, p2, p1, q1)):
        const, pl, ql = pc_[zc], pl[zc], ql[zc]
        root = pl / ql
        zero = const == 0  # whole line (e.g. the actual assignment: b_j = b_obs, c_j = 1)
        # const * (pl - tau ql) >= 0  <=> tau <= root when const*ql > 0, tau >= root when const*ql < 0
        left = ~zero & (const * ql > 0)
        right = ~zero & (const * ql < 0)
        starts += [np.full(zero.sum(), -inf), np.full(left.sum(), -inf), root[right]]
        ends += [np.full(zero.sum(), inf), root[left], np.full(right.sum(), inf)]
    # both constant (c = 1 and c = -1 at once cannot happen); nothing else to add
    s = np.sort(np.concatenate(starts))
    e = np.sort(np.concatenate(ends))
    def accepted(count: np.ndarray) -> np.ndarray:
        return count / n > alpha

    left_ray = np.searchsorted(s, -inf, side="right")  # sets that start at -inf
    pts = np.unique(np.concatenate([s[np.isfinite(s)], e[np.isfinite(e)]]))
    if len(pts):
        right_ray = np.searchsorted(s, pts[-1], side="right") - np.searchsorted(e, pts[-1], side="right")
    else:
        right_ray = left_ray
    lo_b = -inf if accepted(np.array([left_ray]))[0] else None
    hi_b = inf if accepted(np.array([right_ray]))[0] else None
    if (lo_b is None or hi_b is None) and len(pts):
        count_at = np.searchsorted(s, pts, side="right") - np.searchsorted(e, pts, side="left")
        ok = accepted(count_at)
        if not ok.any():  # cannot happen: tau = b_obs is always accepted
            raise RuntimeError("test inversion found no accepted value")
        if lo_b is None:
            lo_b = float(pts[np.argmax(ok)])
        if hi_b is None:
            hi_b = float(pts[len(ok) - 1 - np.argmax(ok[::-1])])
    return float(lo_b), float(hi_b)


def randomization_inference(
    panel: pd.DataFrame,
    *,
    treated_units: Sequence,
    estimator: Estimator | None = None,
    n_exact_max: int = 10_000,
    n_draws: int = 5_000,
    seed: int | None = DEFAULT_SEED,
    alpha: float = 0.05,
    unit_col: str = "enhet",
    period_col: str = "period_start",
    y_col: str = "varde",
    post_col: str = "efter",
    weight_col: str | None = None,
) -> RIResult:
    """Placebo-in-space randomisation inference for a DiD with few treated units.

    Why: with 1-4 treated units cluster-robust errors over-reject; permuting
    which units are treated (same number, same common start) gives a test whose
    size holds in finite samples when units are exchangeable.  All C(N, k)
    assignments are used when there are at most ``n_exact_max`` of them, else
    the actual one plus ``n_draws`` seeded uniform draws.  p-value: share of
    assignments with |b_perm| >= |b_obs| (the actual one included, so the
    smallest possible p is 1/n_assignments).  Interval: every constant effect tau
    whose test (on the outcome with tau removed from the treated post cells,
    against the same assignments) has p > alpha; computed exactly, using that a
    linear estimator gives b_perm(tau) = b_perm - tau * c_perm.

    ``estimator(y, unit_codes, period_codes, treated_post, weights) -> float``
    must be linear in ``y``; the default :func:`twfe_did` uses a closed form that
    makes each assignment cost O(k^2).  Units without observations both before
    and after the start are dropped (counted in ``n_units_dropped``).
    """
    if not 0 < alpha < 1:
        raise ValueError("alpha must be in (0, 1)")
    y, uc, pc, period_post, w, treated_flag, n_dropped = _panel_arrays(
        panel, treated_units, unit_col, period_col, y_col, post_col, weight_col
    )
    N, k = len(treated_flag), int(treated_flag.sum())
    if k == 0 or k == N:
        raise ValueError("Need at least one treated and one comparison unit.")
    z_obs = treated_flag.astype(float)
    Z, exact = _assignments(N, k, treated_flag, n_exact_max, n_draws, seed)
    is_obs = np.all(Z == z_obs[None, :], axis=1)
    post_r = period_post[pc].astype(float)

    if estimator is None or estimator is twfe_did:
        a, Q = _linear_twfe_parts(y, uc, pc, period_post, w)
        ZQ = Z @ Q
        den = np.einsum("ij,ij->i", ZQ, Z)
        num = Z @ a
        cnum = ZQ @ z_obs
        den_obs = float(z_obs @ Q @ z_obs)
        if not den_obs > 1e-12 * float(z_obs @ np.diag(np.diag(Q)) @ z_obs + 1e-300):
            raise ValueError("The fixed effects absorb the treatment indicator: no DiD can be estimated.")
        b_obs = float(z_obs @ a) / den_obs
        ok = den > 1e-10 * np.max(den)
        b = np.where(ok, num / np.where(ok, den, 1.0), np.nan)
        c = np.where(ok, cnum / np.where(ok, den, 1.0), np.nan)
    else:
        d_obs = z_obs[uc] * post_r
        b_obs = float(estimator(y, uc, pc, d_obs, w))
        if not math.isfinite(b_obs):
            raise ValueError("The estimator returned no finite estimate for the actual assignment.")
        scale = float(np.std(y)) or 1.0
        shifted = float(estimator(y - scale * d_obs, uc, pc, d_obs, w))
        if not math.isclose(shifted, b_obs - scale, rel_tol=1e-7, abs_tol=1e-9 * scale):
            raise ValueError("The estimator is not linear in the outcome; the test inversion needs linearity.")
        b = np.empty(len(Z))
        c = np.empty(len(Z))
        for j, z in enumerate(Z):
            d = z[uc] * post_r
            b[j] = estimator(y, uc, pc, d, w)
            c[j] = estimator(d_obs, uc, pc, d, w)
    b[is_obs], c[is_obs] = b_obs, 1.0
    keep = np.isfinite(b) & np.isfinite(c)
    b, c = b[keep], c[keep]
    n = len(b)
    tol = REL_TIE * max(float(np.max(np.abs(b))), 1e-300)
    p_value = float(np.mean(np.abs(b) >= abs(b_obs) - tol))
    n_obs_rows = int(is_obs[keep].sum())
    lo, hi = _accept_set_bounds(b, c, b_obs, n, alpha)
    ci_low = lo if math.isfinite(lo) else None
    ci_high = hi if math.isfinite(hi) else None
    reason = None
    if ci_low is None or ci_high is None:
        min_p_inf = n_obs_rows / n
        if min_p_inf > alpha:
            reason = (
                f"Only {n} assignments: the smallest attainable p-value is {min_p_inf:.3g} > alpha = {alpha:g}, so no "
                "effect size, however large, can be rejected and the interval is unbounded. Report the p-value and "
                "the placebo distribution, not an interval."
            )
        else:
            reason = (
                "Some placebo assignments overlap the actual one so much that even very large effects are not "
                "rejected: the interval is unbounded on that side."
            )
    return RIResult(
        estimate=b_obs,
        p_value=p_value,
        ci_low=ci_low,
        ci_high=ci_high,
        n_assignments=n,
        exact=exact,
        seed=None if exact else seed,
        n_treated=k,
        n_control=N - k,
        alpha=alpha,
        min_p=n_obs_rows / n,
        reason=reason,
        n_units_dropped=n_dropped,
        placebo_estimates=b,
        placebo_slopes=c,
    )


# ---------------------------------------------------------------- in-time placebo (single series)
