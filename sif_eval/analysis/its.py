"""Interrupted time series: segmented regression on the insats group's series.

The series is the mean per period (weighted by ``antal`` when every row has
one).  Model: ``varde ~ t + efter + t_efter`` where ``t`` is the period index
counted in calendar steps (days, months, quarters or years, so gaps stay
gaps), ``efter`` is 1 from the first period after the start and ``t_efter``
is the number of steps since that period (0 before).  The ``efter``
coefficient is the level change at the start, ``t_efter`` the slope change.
Monthly series with at least 24 periods get month-of-year dummies.

Standard errors are Newey-West (HAC, Bartlett kernel, statsmodels'
small-sample correction, t inference with N-K df) with
``maxlags = max(1, floor(4 * (n/100) ** (2/9)))`` (the Newey-West 1994 rule of
thumb; 2 for 16-60 periods).

Two additions, reported in ``beskrivande`` only (``skattning`` stays the
uncontrolled level change above):

* Controlled ITS: when the jämförelse group has a series covering every
  period of the insats series (and at least ``ITS_MIN_PERIODS`` on each side),
  the segmented regression is fitted with group x (const, t, efter, t_efter and
  month) interactions.  Its interaction coefficients are exactly the
  coefficients of the same design fitted to the difference series
  (insats minus jämförelse, per period), which is how it is computed; the
  Newey-West errors on the difference series also account for shocks common
  to both series.  Keys ``kontrollerad_nivåförändring`` (+ ``_se``,
  ``_ki_låg``, ``_ki_hög``, ``_p``) and ``kontrollerad_lutningsförändring``.
* Structural time series: monthly series with at least 24 periods also get
  ``UnobservedComponents`` (local level, seasonal(12), the ``efter`` dummy as
  exogenous regressor, Gaussian MLE); keys ``ucm_nivåförändring``,
  ``ucm_se``, ``ucm_ki_låg``, ``ucm_ki_hög`` (normal-based 95 % CI).
"""

from __future__ import annotations

import math
import warnings as _warnings
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..lazy import LazyModule
from .common import (
    INSATS,
    ITS_GOOD_PERIODS,
    ITS_MIN_PERIODS,
    JAMFORELSE,
    Fit,
    group_descriptives,
    t_inference,
    usable_weights,
    weights_note,
)
from .randomization import REL_TIE

sm = LazyModule("statsmodels.api")

SEASONAL_MIN_MONTHS = 24
PERIODS_PER_YEAR = {"år": 1, "läsår": 1, "termin": 2, "kvartal": 4, "månad": 12}  # days otherwise


def _time_index(ts: pd.Series, typ: str) -> np.ndarray:
    """Calendar step number of each period start."""
    if typ in ("år", "läsår"):
        return ts.dt.year.to_numpy()
    if typ == "termin":  # two terms a year: VT, HT
        return (ts.dt.year * 2 + (ts.dt.month >= 7)).to_numpy()
    if typ == "kvartal":
        return (ts.dt.year * 4 + (ts.dt.month - 1) // 3).to_numpy()
    if typ == "månad":
        return (ts.dt.year * 12 + ts.dt.month - 1).to_numpy()
    return (ts.dt.normalize() - pd.Timestamp("1970-01-01")).dt.days.to_numpy()


def hac_maxlags(n: int) -> int:
    """Newey-West (1994) rule of thumb, at least 1."""
    return max(1, int(math.floor(4 * (n / 100) ** (2 / 9))))


def its_series(obs: pd.DataFrame, group: str = INSATS) -> pd.DataFrame:
    """One group's series (insats by default): one row per period with the (weighted) mean and design columns."""
    ins = obs[obs["grupp"] == group].copy()
    w = usable_weights(ins)
    ins["_w"] = 1.0 if w is None else w
    ins["_wv"] = ins["_w"] * ins["varde"].astype(float)
    g = ins.groupby("period_start", sort=True)
    s = pd.DataFrame(
        {
            "varde": g["_wv"].sum() / g["_w"].sum(),
            "efter": g["efter"].max().astype(bool),
            "n_rader": g.size(),
        }
    ).reset_index()
    typ = str(ins["period_typ"].iloc[0]) if len(ins) else "månad"
    t = _time_index(s["period_start"], typ)
    after = s["efter"].to_numpy()
    t0 = t[after].min() if after.any() else t.max() + 1
    s["t"] = (t - t0).astype(float)
    s["t_efter"] = np.where(after, s["t"], 0.0)
    s["period_typ"] = typ
    return s


def _design(s: pd.DataFrame) -> tuple[np.ndarray, list[str]]:
    cols = [np.ones(len(s)), s["t"].to_numpy(), s["efter"].to_numpy(dtype=float), s["t_efter"].to_numpy()]
    names = ["const", "t", "efter", "t_efter"]
    if s["period_typ"].iloc[0] == "månad" and len(s) >= SEASONAL_MIN_MONTHS:
        months = s["period_start"].dt.month.to_numpy()
        for m in sorted(set(months.tolist()))[1:]:  # the first month present is the reference
            cols.append((months == m).astype(float))
            names.append(f"månad_{m}")
    return np.column_stack(cols), names


def fit_its(s: pd.DataFrame):
    """OLS with HAC covariance on the aggregated series; returns (result, X, names)."""
    X, names = _design(s)
    lags = hac_maxlags(len(s))
    res = sm.OLS(s["varde"].to_numpy(dtype=float), X).fit(
        cov_type="HAC", cov_kwds={"maxlags": lags, "use_correction": True}, use_t=True
    )
    return res, X, names


def its_curves(obs: pd.DataFrame) -> pd.DataFrame:
    """Observed, fitted and counterfactual (no intervention terms) values per period, for figures."""
    s = its_series(obs)
    res, X, names = fit_its(s)
    beta = np.asarray(res.params)
    cf = X.copy()
    cf[:, names.index("efter")] = 0.0
    cf[:, names.index("t_efter")] = 0.0
    return pd.DataFrame(
        {
            "period_start": s["period_start"],
            "efter": s["efter"],
            "observerat": s["varde"],
            "anpassat": X @ beta,
            "kontrafaktiskt": cf @ beta,
        }
    )


def controlled_series(obs: pd.DataFrame, s: pd.DataFrame | None = None) -> pd.DataFrame | None:
    """The insats series minus the jämförelse series per period, or None when no comparison series covers it.

    The design columns (t, efter, t_efter) are the insats series'; the comparison must have a value in
    every insats period.
    """
    if not (obs["grupp"] == JAMFORELSE).any():
        return None
    s = its_series(obs) if s is None else s
    c = its_series(obs, JAMFORELSE)
    if not set(s["period_start"]).issubset(set(c["period_start"])):
        return None
    if min(int((~c["efter"]).sum()), int(c["efter"].sum())) < ITS_MIN_PERIODS:
        return None
    d = s.merge(c[["period_start", "varde"]], on="period_start", suffixes=("", "_jmf"), how="left")
    d["varde_insats"] = d["varde"]
    d["varde"] = d["varde_insats"] - d["varde_jmf"]
    return d


def _controlled(obs: pd.DataFrame, s: pd.DataFrame, desc: dict, warnings: list[str], level: float) -> bool:
    """Controlled ITS on the difference series; True when it was fitted."""
    d = controlled_series(obs, s)
    if d is None:
        return False
    res, _, names = fit_its(d)
    beta, bse, df = np.asarray(res.params), np.asarray(res.bse), float(res.df_resid)
    i_lvl, i_slope = names.index("efter"), names.index("t_efter")
    se, lo, hi, p = t_inference(beta[i_lvl], bse[i_lvl], df)
    desc["kontrollerad_nivåförändring"] = float(beta[i_lvl])
    desc["kontrollerad_nivåförändring_se"] = se
    desc["kontrollerad_nivåförändring_ki_låg"] = lo
    desc["kontrollerad_nivåförändring_ki_hög"] = hi
    desc["kontrollerad_nivåförändring_p"] = p
    desc["kontrollerad_lutningsförändring"] = float(beta[i_slope])
    if np.sign(beta[i_lvl]) != np.sign(level) and beta[i_lvl] != 0 and level != 0:
        warnings.append(
            "Med jämförelsegruppens tidsserie som kontroll (kontrollerad avbruten tidsserie) får "
            "nivåförändringen motsatt tecken mot den okontrollerade skattningen; en förändring som båda "
            "grupperna delar vid insatsstart kan alltså ligga bakom resultatet."
        )
    return True


def _ucm(s: pd.DataFrame, desc: dict, warnings: list[str]) -> None:
    """UnobservedComponents (local level + seasonal(12) + efter dummy) for long monthly series."""
    if s["period_typ"].iloc[0] != "månad" or len(s) < SEASONAL_MIN_MONTHS:
        return
    t = s["t"].to_numpy().astype(int)
    full = np.arange(t.min(), t.max() + 1)  # calendar gaps become missing values, not skipped months
    y = pd.Series(np.nan, index=full)
    y[t] = s["varde"].to_numpy(dtype=float)
    x = (full >= 0).astype(float).reshape(-1, 1)
    failed = (
        "Den strukturella tidsseriemodellen (UnobservedComponents) kunde inte skattas eller konvergerade inte; "
        "den redovisas därför inte."
    )
    try:
        from statsmodels.tsa.statespace.structural import UnobservedComponents

        with _warnings.catch_warnings():
            _warnings.simplefilter("ignore")
            mod = UnobservedComponents(y.to_numpy(), level="local level", seasonal=12, exog=x)
            res = mod.fit(disp=False, maxiter=200)
        converged = bool(res.mle_retvals.get("converged", True)) if res.mle_retvals else True
        i = next(k for k, n in enumerate(mod.param_names) if n.startswith("beta"))
        b, se = float(np.asarray(res.params)[i]), float(np.asarray(res.bse)[i])
    except Exception:  # noqa: BLE001 - any numerical failure means: not reported
        warnings.append(failed)
        return
    se_, lo, hi, _ = t_inference(b, se, None)
    if not converged or se_ is None:
        warnings.append(failed)
        return
    desc["ucm_nivåförändring"] = b
    desc["ucm_se"] = se_
    desc["ucm_ki_låg"] = lo
    desc["ucm_ki_hög"] = hi


def estimate_its(obs: pd.DataFrame) -> Fit:
    """Segmented regression; the level change at the start is the effect."""
    ins = obs[obs["grupp"] == INSATS]
    w = usable_weights(ins)
    warnings: list[str] = []
    if (note := weights_note(ins, w)) is not None:
        warnings.append(note)
    desc = group_descriptives(ins, w)
    s = its_series(obs)
    n_pre = int((~s["efter"]).sum())
    n_post = int(s["efter"].sum())
    res, X, names = fit_its(s)
    beta = np.asarray(res.params)
    bse = np.asarray(res.bse)
    df = float(res.df_resid)
    i_lvl, i_slope = names.index("efter"), names.index("t_efter")
    fit = Fit(skattning=float(beta[i_lvl]), n_obs=len(s), se_typ="hac", beskrivande=desc, varningar=warnings)
    fit.standardfel, fit.ki_låg, fit.ki_hög, fit.p_värde = t_inference(beta[i_lvl], bse[i_lvl], df)
    se_s, lo_s, hi_s, p_s = t_inference(beta[i_slope], bse[i_slope], df)
    desc["lutningsförändring"] = float(beta[i_slope])
    desc["lutningsförändring_se"] = se_s
    desc["lutningsförändring_ki_låg"] = lo_s
    desc["lutningsförändring_ki_hög"] = hi_s
    desc["lutningsförändring_p"] = p_s
    desc["trend_före"] = float(beta[names.index("t")])
    # calendar steps a year, so that the economics can follow the level and slope path (issue 15)
    desc["perioder_per_år"] = PERIODS_PER_YEAR.get(str(s["period_typ"].iloc[0]), 365)
    cf = X.copy()
    cf[:, i_lvl] = 0.0
    cf[:, i_slope] = 0.0
    after = s["efter"].to_numpy()
    diff = s["varde"].to_numpy(dtype=float) - cf @ beta
    desc["kumulativ_skillnad"] = float(diff[after].sum())
    desc["n_perioder_före"] = n_pre
    desc["n_perioder_efter"] = n_post
    desc["n_rader"] = int(len(ins))
    desc["hac_maxlags"] = hac_maxlags(len(s))
    desc["säsong"] = int(any(n.startswith("månad_") for n in names))
    resid = np.asarray(res.resid)
    desc["durbin_watson"] = float(np.sum(np.diff(resid) ** 2) / np.sum(resid**2)) if np.any(resid) else None
    if min(n_pre, n_post) < ITS_GOOD_PERIODS:
        warnings.append(
            f"Tidsserien har bara {n_pre} perioder före och {n_post} efter insatsstart; med färre än "
            f"{ITS_GOOD_PERIODS} på någon sida är trenden osäker och resultatet ska tolkas med försiktighet."
        )
    controlled = _controlled(obs, s, desc, warnings, float(beta[i_lvl]))
    if (obs["grupp"] != INSATS).any() and not controlled:
        other = (obs["grupp"] != INSATS).to_numpy()
        obs_after = obs["efter"].to_numpy(dtype=bool)
        warnings.append(
            "Jämförelsegruppen finns inte både före och efter insatsstart och används därför inte i tidsserien."
            if not ((other & ~obs_after).any() and (other & obs_after).any())
            else "Jämförelsegruppens tidsserie täcker inte samma perioder som insatsgruppens (eller har för få "
            "perioder) och används därför inte i tidsserien."
        )
    _ucm(s, desc, warnings)
    _placebo_in_time(fit, s)
    fit.inferens = "hac"
    fit.inferens_skäl = HAC_REASON
    warnings.append(
        "Den avbrutna tidsserien förutsätter att utvecklingen före insatsen hade fortsatt likadant utan den; "
        "andra förändringar vid samma tidpunkt kan påverka resultatet."
    )
    return fit


HAC_REASON = ("Osäkerheten bygger på tidsseriens egen variation, med standardfel som tar hänsyn till att "
              "närliggande perioder hänger ihop (Newey–West).")


def _placebo_in_time(fit: Fit, s: pd.DataFrame) -> None:
    """Placebo starts in the pre-period, shown beside the primary inference (never replacing it)."""
    after = s["efter"].to_numpy(dtype=bool)
    if not after.any() or after.all():
        return
    start = int(np.argmax(after))
    try:
        res = in_time_placebo(s["varde"].to_numpy(dtype=float), s["t"].to_numpy(dtype=float), start)
    except ValueError:
        return
    if res.p_value is None:
        return
    fit.sekundär["placebo_i_tid"] = {"p_värde": float(res.p_value), "placebon": res.n_placebos,
                                     "minsta_p": res.min_p}


def estimate_controlled_its(obs: pd.DataFrame) -> Fit:
    """Controlled ITS: the segmented regression on insats minus jämförelse, per period; HAC errors.

    Shocks common to both groups cancel in the difference, so a jump at the start that the comparison group
    shares is not counted as an effect.  Chosen when the units are too few for a difference-in-differences to
    show anything, but the series are long.
    """
    d = controlled_series(obs)
    ins = obs[obs["grupp"] == INSATS]
    w = usable_weights(ins)
    warnings: list[str] = []
    if (note := weights_note(ins, w)) is not None:
        warnings.append(note)
    desc = group_descriptives(obs, usable_weights(obs))
    fit = Fit(skattning=None, n_obs=0, se_typ="hac", beskrivande=desc, varningar=warnings)
    if d is None:
        fit.varningar.append("Jämförelsegruppens tidsserie täcker inte insatsgruppens perioder; ingen effekt kan "
                             "skattas.")
        return fit
    res, _, names = fit_its(d)
    beta, bse, df = np.asarray(res.params), np.asarray(res.bse), float(res.df_resid)
    i_lvl, i_slope = names.index("efter"), names.index("t_efter")
    fit.skattning, fit.n_obs = float(beta[i_lvl]), len(d)
    fit.standardfel, fit.ki_låg, fit.ki_hög, fit.p_värde = t_inference(beta[i_lvl], bse[i_lvl], df)
    se_s, lo_s, hi_s, p_s = t_inference(beta[i_slope], bse[i_slope], df)
    desc.update(lutningsförändring=float(beta[i_slope]), lutningsförändring_se=se_s, lutningsförändring_ki_låg=lo_s,
                lutningsförändring_ki_hög=hi_s, lutningsförändring_p=p_s,
                n_perioder_före=int((~d["efter"]).sum()), n_perioder_efter=int(d["efter"].sum()),
                hac_maxlags=hac_maxlags(len(d)), kontrollerad=1,
                perioder_per_år=PERIODS_PER_YEAR.get(str(d["period_typ"].iloc[0]), 365))
    if "enhet" in obs.columns and obs["enhet"].notna().all():
        fit.n_behandlade = int(obs.loc[obs["grupp"] == INSATS, "enhet"].nunique())
        fit.n_jämförelse = int(obs.loc[obs["grupp"] == JAMFORELSE, "enhet"].nunique())
    _placebo_in_time(fit, d)
    fit.inferens = "hac"
    fit.inferens_skäl = HAC_REASON
    warnings.append(
        "Den kontrollerade tidsserien förutsätter att skillnaden mellan insats- och jämförelsegruppen hade "
        "utvecklats likadant efter insatsstart som före utan insatsen; en händelse som bara rör den ena gruppen "
        "vid samma tid kan påverka resultatet.")
    return fit


# ---------------------------------------------------------------- placebo starts in time


@dataclass(frozen=True)
class InTimePlaceboResult:
    """Placebo starts in the pre-period of a single interrupted time series.

    ``p_value = (1 + #{|placebo| >= |estimate|}) / (1 + n_placebos)``; None with a
    ``reason`` when no placebo start fits.  ``min_p`` is the smallest attainable
    p-value, ``1 / (1 + n_placebos)``.
    """

    estimate: float
    p_value: float | None
    n_placebos: int
    min_p: float | None
    placebo_starts: tuple[float, ...]
    placebo_estimates: tuple[float, ...]
    reason: str | None = None


def _level_change(y: np.ndarray, t: np.ndarray, start: int) -> float:
    """Level change at position ``start`` in ``y ~ 1 + t + post + t_post`` (t counted from the start)."""
    tt = t - t[start]
    post = (np.arange(len(y)) >= start).astype(float)
    X = np.column_stack([np.ones(len(y)), tt, post, tt * post])
    beta = np.linalg.lstsq(X, y, rcond=None)[0]
    return float(beta[2])


def in_time_placebo(
    series_y: Sequence[float] | np.ndarray,
    time_index: Sequence[float] | np.ndarray,
    start_index: int,
    *,
    min_pre: int = 4,
    min_post: int = 3,
) -> InTimePlaceboResult:
    """Rank of the ITS level change among placebo level changes at pretend starts in the pre-period.

    Why: with one series and no comparison units there is nothing to permute in
    space; asking "would we have seen a jump this large at a date when nothing
    happened?" is the time-series analogue.  ``series_y``/``time_index``: one
    value per period, sorted by time (``time_index`` in calendar steps, so gaps
    stay gaps); ``start_index``: the position of the first period after the start.
    The real estimate is the segmented-regression level change on the whole
    series (the ``efter`` coefficient of analysis_its, without seasonal terms).
    Each placebo uses only pre-period data with a pretend start ``s`` having at
    least ``min_pre`` periods before it and ``min_post`` from it to the real start.

    Caveats (documented, not corrected): placebo windows are shorter than the real
    fit, so placebo estimates are noisier (the test tends to be conservative);
    neighbouring placebos share data, so the p-value is a descriptive rank, not an
    exact test; with fewer than 19 placebos it can never reach 0.05.
    """
    y = np.asarray(series_y, dtype=float)
    t = np.asarray(time_index, dtype=float)
    if y.shape != t.shape or y.ndim != 1:
        raise ValueError("series_y and time_index must be 1-d and of equal length")
    if np.any(np.diff(t) <= 0):
        raise ValueError("time_index must be strictly increasing")
    if not 0 < start_index < len(y):
        raise ValueError("start_index must point inside the series, after at least one period")
    if min_pre < 2 or min_post < 2:
        raise ValueError("min_pre and min_post must be at least 2 (a level and a trend per segment)")
    est = _level_change(y, t, start_index)
    starts = list(range(min_pre, start_index - min_post + 1))
    placebo = [_level_change(y[:start_index], t[:start_index], s) for s in starts]
    if not placebo:
        return InTimePlaceboResult(
            estimate=est,
            p_value=None,
            n_placebos=0,
            min_p=None,
            placebo_starts=(),
            placebo_estimates=(),
            reason=(
                f"Only {start_index} periods before the start: a placebo start needs {min_pre} periods before it "
                f"and {min_post} after it within the pre-period ({min_pre + min_post} in all)."
            ),
        )
    pl = np.asarray(placebo)
    tol = REL_TIE * max(abs(est), float(np.max(np.abs(pl))), 1e-300)
    p = float((1 + np.sum(np.abs(pl) >= abs(est) - tol)) / (1 + len(pl)))
    min_p = 1.0 / (1 + len(pl))
    reason = None
    if min_p > 0.05:
        reason = (
            f"Only {len(pl)} placebo starts: the smallest attainable p-value is {min_p:.3g}, so the placebo test "
            "cannot reach 5 % significance; read it as a description."
        )
    return InTimePlaceboResult(
        estimate=est,
        p_value=p,
        n_placebos=len(pl),
        min_p=min_p,
        placebo_starts=tuple(float(t[s]) for s in starts),
        placebo_estimates=tuple(float(v) for v in pl),
        reason=reason,
    )


# ---------------------------------------------------------------- wild cluster bootstrap
