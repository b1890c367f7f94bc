"""Synthetic control (Abadie, Diamond & Hainmueller 2010) with outcome-based predictors.

Pure module (numpy, pandas, scipy only).

The weights solve

    min_w  (x1 - X0 w)' V (x1 - X0 w)   subject to  w >= 0,  sum(w) = 1,

where the predictor rows are the treated unit's pre-period outcomes (one row per pre-period)
and, optionally, the means of other series over the pre-period; ``V`` is diagonal, by default
the identity (so with outcome-only predictors the weights minimise the pre-period sum of
squared gaps; no nested V optimisation).

Solver (:func:`simplex_weights`): exact and deterministic.  Since ``sum(w) = 1``,
``x1 - X0 w = -(X0 - x1 1') w = -C w``, so the problem is the minimum-norm point of the convex
hull of the columns of ``C``.  For ``u >= 0`` write ``u = s w`` with ``s = sum(u)``; then
``||C u||^2 + (1' u - 1)^2 = s^2 q(w) + (s - 1)^2`` whose minimum over ``s`` is
``q / (1 + q)``, increasing in ``q = ||C w||^2``.  Hence the non-negative least-squares
problem ``min_{u >= 0} || [C; 1'] u - [0; 1] ||`` (Lawson-Hanson active set,
``scipy.optimize.nnls``) gives the simplex solution exactly as ``w = u / sum(u)``.  The
result is then polished by solving the equality-constrained least-squares problem on its
support and the KKT conditions are verified (with an SLSQP fall-back that has never been
needed in the tests).  If the optimum is not unique (a treated unit inside the donors' hull
with more donors than predictors) one optimal vertex solution is returned, deterministically.

Inference: placebo-in-space (each donor in turn as fake treated, donor pool = the other donors,
by default without the real treated unit), ratio of post- to pre-period RMSPE, permutation
p-value = rank of the treated ratio among all ratios (treated included) / (number of placebos
+ 1), also after dropping placebos whose pre-RMSPE exceeds ``placebo_cutoff`` times the
treated unit's.  Leave-one-out: refit without each donor with positive weight.
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from .simplex import simplex_weights

__all__ = [
    "SynthFit",
    "Placebo",
    "LeaveOneOut",
    "SynthResult",
    "to_wide",
    "simplex_weights",
    "fit_synth",
    "synthetic_control",
]

POSITIVE_WEIGHT = 1e-6  # donors with weight above this are "used" (leave-one-out, n_used)


# --------------------------------------------------------------------------------------------
# results
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SynthFit:
    """One synthetic-control fit.

    ``weights`` are ``(donor, weight)`` pairs in donor order; ``periods``, ``treated_path``,
    ``synthetic`` and ``gaps`` (treated - synthetic) cover every period of the panel.
    ``pre_rmspe`` / ``post_rmspe`` are root mean squared gaps over the pre / post periods,
    ``effect`` the mean post-period gap, ``loss`` the minimised predictor loss
    ``(x1 - X0 w)' V (x1 - X0 w)``.
    """

    treated: Hashable
    weights: tuple[tuple[Hashable, float], ...]
    periods: tuple
    pre_periods: tuple
    post_periods: tuple
    treated_path: tuple[float, ...]
    synthetic: tuple[float, ...]
    gaps: tuple[float, ...]
    pre_rmspe: float
    post_rmspe: float
    effect: float
    loss: float

    @property
    def ratio(self) -> float:
        """post-RMSPE / pre-RMSPE (inf when the pre-period fit is exact)."""
        return _ratio(self.post_rmspe, self.pre_rmspe)

    def weights_series(self) -> pd.Series:
        return pd.Series(dict(self.weights), name="weight", dtype=float)

    def path_frame(self) -> pd.DataFrame:
        """DataFrame indexed by period with columns treated, synthetic, gap, post."""
        post = set(self.post_periods)
        return pd.DataFrame(
            {
                "treated": self.treated_path,
                "synthetic": self.synthetic,
                "gap": self.gaps,
                "post": [p in post for p in self.periods],
            },
            index=pd.Index(self.periods, name="period"),
        )


@dataclass(frozen=True)
class Placebo:
    """A placebo-in-space fit: ``unit`` treated as if it were the treated unit."""

    unit: Hashable
    pre_rmspe: float
    post_rmspe: float
    ratio: float
    effect: float
    kept: bool  # pre_rmspe <= placebo_cutoff * treated pre_rmspe
    gaps: tuple[float, ...] = ()  # placebo unit - its synthetic, every period of the panel


@dataclass(frozen=True)
class LeaveOneOut:
    dropped: Hashable
    effect: float
    pre_rmspe: float
    post_rmspe: float


@dataclass(frozen=True)
class SynthResult:
    """Main fit plus placebo-in-space inference and leave-one-out robustness.

    ``p_value`` = #{ratios >= treated ratio, treated included} / (n_placebos + 1);
    ``p_value_filtered`` the same over the placebos with ``kept`` (pre-RMSPE at most
    ``placebo_cutoff`` x the treated's), ``n_placebos_kept`` of them.  ``loo_range`` is the
    (min, max) effect over the leave-one-out refits (NaN when no donor can be dropped).
    """

    fit: SynthFit
    placebos: tuple[Placebo, ...]
    p_value: float
    p_value_filtered: float
    placebo_cutoff: float
    n_placebos_kept: int
    loo: tuple[LeaveOneOut, ...]
    loo_range: tuple[float, float]

    # convenience pass-throughs
    @property
    def weights(self) -> tuple[tuple[Hashable, float], ...]:
        return self.fit.weights

    @property
    def effect(self) -> float:
        return self.fit.effect

    @property
    def pre_rmspe(self) -> float:
        return self.fit.pre_rmspe

    @property
    def post_rmspe(self) -> float:
        return self.fit.post_rmspe

    @property
    def treated_ratio(self) -> float:
        return self.fit.ratio

    def placebo_frame(self) -> pd.DataFrame:
        return pd.DataFrame([p.__dict__ for p in self.placebos])


# --------------------------------------------------------------------------------------------
# ratios
# --------------------------------------------------------------------------------------------


def _ratio(post: float, pre: float) -> float:
    if pre > 0:
        return post / pre
    return float("inf") if post > 0 else float("nan")


# --------------------------------------------------------------------------------------------
# panel handling
# --------------------------------------------------------------------------------------------


def to_wide(data: pd.DataFrame, unit: str, time: str, outcome: str) -> pd.DataFrame:
    """Long -> wide (index = period, columns = units).  Duplicated (unit, period) rows raise."""
    if data.duplicated([unit, time]).any():
        raise ValueError(f"duplicated ({unit}, {time}) rows")
    return data.pivot(index=time, columns=unit, values=outcome).sort_index()


def _wide(panel: pd.DataFrame, unit: str | None, time: str | None, outcome: str | None) -> pd.DataFrame:
    if not isinstance(panel, pd.DataFrame):
        raise TypeError("panel must be a pandas DataFrame")
    given = [x is not None for x in (unit, time, outcome)]
    if any(given) and not all(given):
        raise ValueError("a long panel needs all of unit=, time=, outcome=")
    wide = to_wide(panel, unit, time, outcome) if all(given) else panel.sort_index()
    if wide.index.has_duplicates or wide.columns.has_duplicates:
        raise ValueError("wide panel has duplicated periods or units")
    return wide.apply(pd.to_numeric, errors="raise").astype(float)


@dataclass(frozen=True)
class _Design:
    wide: pd.DataFrame  # periods x units (outcome)
    P: pd.DataFrame  # predictors x units
    v: np.ndarray
    pre: tuple
    post: tuple


def _design(
    panel: pd.DataFrame,
    treated: Hashable,
    pre_periods: Sequence,
    post_periods: Sequence | None,
    donors: Sequence | None,
    unit: str | None,
    time: str | None,
    outcome: str | None,
    covariates: Mapping[str, pd.DataFrame] | None,
    v: Sequence[float] | None,
) -> tuple[_Design, list]:
    wide = _wide(panel, unit, time, outcome)
    if treated not in wide.columns:
        raise ValueError(f"treated unit {treated!r} not in the panel")
    pre = tuple(pre_periods)
    if len(pre) == 0:
        raise ValueError("need at least one pre-period")
    missing = [p for p in pre if p not in wide.index]
    if missing:
        raise ValueError(f"pre-periods not in the panel: {missing}")
    if post_periods is None:
        post = tuple(p for p in wide.index if p > max(pre))
    else:
        post = tuple(post_periods)
    missing = [p for p in post if p not in wide.index]
    if missing:
        raise ValueError(f"post-periods not in the panel: {missing}")
    if len(post) == 0:
        raise ValueError("need at least one post-period")
    if set(pre) & set(post):
        raise ValueError("pre- and post-periods overlap")
    if donors is None:
        donor_list = [c for c in wide.columns if c != treated]
    else:
        donor_list = list(donors)
        bad = [d for d in donor_list if d not in wide.columns]
        if bad:
            raise ValueError(f"donors not in the panel: {bad}")
        if treated in donor_list:
            raise ValueError("the treated unit cannot be its own donor")
        if len(set(donor_list)) != len(donor_list):
            raise ValueError("duplicated donors")
    if not donor_list:
        raise ValueError("need at least one donor unit")
    used = [treated, *donor_list]
    wide = wide[used]
    span = wide.loc[list(pre) + list(post)]
    if span.isna().any().any():
        bad = span.columns[span.isna().any()].tolist()
        raise ValueError(f"missing outcome values in the pre/post periods for units {bad[:10]}")

    rows = [wide.loc[list(pre)].set_axis([f"y[{p}]" for p in pre])]
    for name, frame in (covariates or {}).items():
        frame = _wide(frame, None, None, None)
        if not set(used) <= set(frame.columns):
            raise ValueError(f"covariate {name!r} lacks units {sorted(set(used) - set(frame.columns))[:10]}")
        m = frame.loc[frame.index.isin(pre), used].mean(axis=0, skipna=True)
        if m.isna().any():
            raise ValueError(f"covariate {name!r} has no pre-period values for some units")
        rows.append(m.to_frame(f"mean({name})").T)
    P = pd.concat(rows)
    if v is None:
        vv = np.ones(len(P))
    else:
        vv = np.asarray(v, dtype=float).ravel()
        if vv.shape != (len(P),):
            raise ValueError(f"v must have one weight per predictor row ({len(P)}), got {vv.shape}")
    return _Design(wide=wide, P=P, v=vv, pre=pre, post=post), donor_list


def _fit(d: _Design, treated: Hashable, donors: list) -> SynthFit:
    w, loss = simplex_weights(d.P[donors].to_numpy(), d.P[treated].to_numpy(), d.v)
    Z0 = d.wide[donors].to_numpy()
    z1 = d.wide[treated].to_numpy()
    # donors with zero weight may lack data outside the pre/post periods; a positive-weight
    # donor's missing value makes that period's synthetic value NaN
    pos = w > 0
    Zp = Z0[:, pos]
    synth = np.where(np.isnan(Zp).any(axis=1), np.nan, np.nan_to_num(Zp) @ w[pos])
    gaps = z1 - synth
    idx = {p: i for i, p in enumerate(d.wide.index)}
    g_pre = gaps[[idx[p] for p in d.pre]]
    g_post = gaps[[idx[p] for p in d.post]]
    return SynthFit(
        treated=treated,
        weights=tuple((dn, float(x)) for dn, x in zip(donors, w, strict=True)),
        periods=tuple(d.wide.index.tolist()),
        pre_periods=d.pre,
        post_periods=d.post,
        treated_path=tuple(float(x) for x in z1),
        synthetic=tuple(float(x) for x in synth),
        gaps=tuple(float(x) for x in gaps),
        pre_rmspe=float(np.sqrt(np.mean(g_pre**2))),
        post_rmspe=float(np.sqrt(np.mean(g_post**2))),
        effect=float(np.mean(g_post)),
        loss=loss,
    )


def fit_synth(
    panel: pd.DataFrame,
    treated: Hashable,
    pre_periods: Sequence,
    post_periods: Sequence | None = None,
    donors: Sequence | None = None,
    *,
    unit: str | None = None,
    time: str | None = None,
    outcome: str | None = None,
    covariates: Mapping[str, pd.DataFrame] | None = None,
    v: Sequence[float] | None = None,
) -> SynthFit:
    """Fit one synthetic control.

    ``panel`` is wide (index = periods, columns = units, values = outcome) or long with the
    column names given as ``unit=``, ``time=``, ``outcome=``.  Predictors: the outcome in each
    pre-period and, for each ``covariates[name]`` (a wide frame of another series), its mean
    over the pre-periods.  ``v``: diagonal predictor weights, one per predictor row (default
    ones; covariate means on a different scale than the outcome need a deliberate ``v``).
    ``post_periods`` default: all periods after the last pre-period.  ``donors`` default: all
    other units.  Missing outcome values in the pre/post periods raise ``ValueError``.
    """
    d, donor_list = _design(
        panel, treated, pre_periods, post_periods, donors, unit, time, outcome, covariates, v
    )
    return _fit(d, treated, donor_list)


def synthetic_control(
    panel: pd.DataFrame,
    treated: Hashable,
    pre_periods: Sequence,
    post_periods: Sequence | None = None,
    donors: Sequence | None = None,
    *,
    unit: str | None = None,
    time: str | None = None,
    outcome: str | None = None,
    covariates: Mapping[str, pd.DataFrame] | None = None,
    v: Sequence[float] | None = None,
    placebo: bool = True,
    placebo_exclude_treated: bool = True,
    placebo_cutoff: float = 5.0,
    leave_one_out: bool = True,
) -> SynthResult:
    """Synthetic control with placebo-in-space p-values and leave-one-out refits.

    Arguments as :func:`fit_synth`, plus: ``placebo`` (run the in-space placebos; each donor as
    fake treated with the other donors as its pool, and the real treated unit also in that
    pool when ``placebo_exclude_treated=False``), ``placebo_cutoff`` (placebos with pre-RMSPE
    above this multiple of the treated's are dropped for ``p_value_filtered``), and
    ``leave_one_out`` (refit dropping each donor with weight > 1e-6).
    """
    if not placebo_cutoff > 0:
        raise ValueError("placebo_cutoff must be positive")
    d, donor_list = _design(
        panel, treated, pre_periods, post_periods, donors, unit, time, outcome, covariates, v
    )
    main = _fit(d, treated, donor_list)
    ratio_t = main.ratio

    placebos: list[Placebo] = []
    if placebo:
        for j in donor_list:
            pool = [u for u in donor_list if u != j]
            if not placebo_exclude_treated:
                pool = [*pool, treated]
            if not pool:
                continue
            f = _fit(d, j, pool)
            kept = f.pre_rmspe <= placebo_cutoff * main.pre_rmspe
            placebos.append(Placebo(j, f.pre_rmspe, f.post_rmspe, f.ratio, f.effect, bool(kept), f.gaps))

    def pval(ratios: list[float]) -> float:
        if np.isnan(ratio_t):
            return float("nan")
        r = np.asarray(ratios, dtype=float)
        return float((1 + np.sum(r >= ratio_t)) / (len(r) + 1))

    all_r = [p.ratio for p in placebos]
    kept_r = [p.ratio for p in placebos if p.kept]
    p_value = pval(all_r) if placebos else float("nan")
    p_value_f = pval(kept_r) if placebos else float("nan")

    loo: list[LeaveOneOut] = []
    if leave_one_out:
        for dn, w in main.weights:
            if w <= POSITIVE_WEIGHT:
                continue
            pool = [u for u in donor_list if u != dn]
            if not pool:
                continue
            f = _fit(d, treated, pool)
            loo.append(LeaveOneOut(dn, f.effect, f.pre_rmspe, f.post_rmspe))
    effs = [x.effect for x in loo]
    loo_range = (float(min(effs)), float(max(effs))) if effs else (float("nan"), float("nan"))

    return SynthResult(
        fit=main,
        placebos=tuple(placebos),
        p_value=p_value,
        p_value_filtered=p_value_f,
        placebo_cutoff=float(placebo_cutoff),
        n_placebos_kept=len(kept_r),
        loo=tuple(loo),
        loo_range=loo_range,
    )
