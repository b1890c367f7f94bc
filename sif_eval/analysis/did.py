"""Difference-in-differences: 2x2, two-way fixed effects panels, event study.

The regression engine absorbs one set of fixed effects by (weighted) group
demeaning with ``np.bincount`` instead of dummy columns, so a panel of
100 000 units x 10 periods fits in seconds and a few hundred MB.  By the
Frisch-Waugh-Lovell theorem the coefficients and residuals equal those of the
dummy-variable regression.

* Repeated cross-sections / aggregates: period fixed effects are absorbed,
  ``insats`` and ``insats x efter`` are explicit (with one period before and
  one after this is exactly ``varde ~ insats + efter + insats:efter``).
* Panels (units repeat before and after): unit fixed effects are absorbed,
  period dummies are explicit.  With more than ``MAX_PERIOD_DUMMIES``
  periods both sets are absorbed by alternating projections.

Clustered standard errors (CR1) use ``G/(G-1) * (N-1)/(N-K)``.  ``K`` counts
the explicit regressors plus the absorbed levels that are *not* nested in the
clusters; a fixed effect nested in the clusters (units, when clustering by
``enhet``) adds 1 for the absorbed constant.  This is ``fe_dof="nested"``, the
rule of Stata's ``xtreg, fe vce(cluster)`` and ``reghdfe``.  ``fe_dof="areg"``
counts every absorbed level, as Stata's ``areg`` and as statsmodels'
``cov_type="cluster"`` on the model with explicit unit dummies.  Inference on
clustered SEs uses t with G-1 degrees of freedom (as Stata); HC1 and classical
SEs use t with N-K.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from .common import (
    FEW_CLUSTERS,
    INSATS,
    JAMFORELSE,
    MIN_CELL,
    MIN_UNITS,
    Fit,
    f_sf,
    group_descriptives,
    has_units,
    repeated_units,
    sv_num,
    t_inference,
    usable_weights,
    weights_note,
)
from .inference import add_wild_bootstrap, cluster_reason, few_units, use_randomisation

MAX_PERIOD_DUMMIES = 60  # more periods than this: absorb periods too, and skip the event study
MAP_TOL = 1e-12
MAP_MAXITER = 5000


@dataclass
class OLSFit:
    """The result of ``fit_ols``: coefficients of the kept explicit columns and their covariance."""

    beta: np.ndarray
    vcov: np.ndarray
    vcov_classical: np.ndarray
    names: list[str]
    n: int
    k: int  # parameters counted in the small-sample correction
    df_t: float  # degrees of freedom for t/F inference
    n_clusters: int | None

    def coef(self, name: str) -> tuple[float, float]:
        i = self.names.index(name)
        return float(self.beta[i]), float(np.sqrt(self.vcov[i, i]))


class Absorber:
    """Weighted within-transformation for one or two sets of fixed effects."""

    def __init__(self, codes: list[np.ndarray], w: np.ndarray | None):
        self.codes = codes
        self.w = w
        self.sizes = [int(c.max()) + 1 if len(c) else 0 for c in codes]
        self.sw = [np.bincount(c, weights=w, minlength=s) for c, s in zip(codes, self.sizes, strict=True)]

    def _once(self, v: np.ndarray, j: int) -> np.ndarray:
        c = self.codes[j]
        wv = v if self.w is None else v * self.w
        means = np.bincount(c, weights=wv, minlength=self.sizes[j]) / self.sw[j]
        return v - means[c]

    def __call__(self, v: np.ndarray) -> np.ndarray:
        """Demean one column (returns a new array)."""
        if len(self.codes) == 1:
            return self._once(v, 0)
        out = v.astype(float, copy=True)
        scale = float(np.sqrt(np.mean(out**2))) or 1.0
        for _ in range(MAP_MAXITER):  # alternating projections (method of alternating projections)
            prev = out
            for j in range(len(self.codes)):
                out = self._once(out, j)
            if float(np.max(np.abs(out - prev))) <= MAP_TOL * scale:
                break
        return out


def _independent_columns(xtx: np.ndarray, tol: float = 1e-9, scale: np.ndarray | None = None) -> list[int]:
    """Greedy in the given order: keep a column unless it is (nearly) a combination of those kept.

    ``scale`` (each column's sum of squares before absorption) drops columns the
    fixed effects wiped out, even when rounding leaves a tiny remainder.
    """
    kept: list[int] = []
    for j in range(xtx.shape[0]):
        djj = xtx[j, j]
        if djj <= 0 or (scale is not None and djj <= tol * scale[j]):
            continue
        if kept:
            a = xtx[np.ix_(kept, kept)]
            b = xtx[kept, j]
            resid = djj - b @ np.linalg.solve(a, b)
        else:
            resid = djj
        if resid > tol * djj:
            kept.append(j)
    return kept


def fit_ols(
    y: np.ndarray,
    X: np.ndarray,
    names: list[str],
    w: np.ndarray | None = None,
    absorb: list[np.ndarray] | None = None,
    cluster: np.ndarray | None = None,
    fe_dof: str = "nested",
) -> OLSFit:
    """(W)LS of y on X with absorbed fixed effects; CR1 clustered SEs when ``cluster`` else HC1.

    Without ``absorb`` a constant is added.  Columns collinear with earlier ones
    (or wiped out by the absorption) are dropped silently; put the column of
    interest first.
    """
    n = len(y)
    if absorb:
        ab = Absorber(absorb, w)
        yt = ab(y.astype(float))
        Xt = np.empty(X.shape, order="F")  # column access is what the absorption does
        for j in range(X.shape[1]):
            Xt[:, j] = ab(np.ascontiguousarray(X[:, j], dtype=float))
    else:
        yt = y.astype(float)
        Xt = stack([*(X[:, j] for j in range(X.shape[1])), np.ones(n)])
        names = [*names, "const"]
    wx = Xt if w is None else Xt * w[:, None]
    xtx = wx.T @ Xt
    scale = None
    if absorb:
        scale = np.einsum("ij,ij->j", X, X) if w is None else np.einsum("ij,ij,i->j", X, X, w)
    kept = _independent_columns(xtx, scale=scale)
    if len(kept) < Xt.shape[1]:
        Xt = np.asfortranarray(Xt[:, kept])
        wx = Xt if w is None else Xt * w[:, None]
        names = [names[i] for i in kept]
        xtx = xtx[np.ix_(kept, kept)]
    bread = np.linalg.inv(xtx)
    beta = bread @ (wx.T @ yt)
    e = yt - Xt @ beta
    we = e if w is None else e * w
    k = len(kept) + _absorbed_dof(absorb, cluster, fe_dof)
    n_clusters = None
    s2 = float(np.sum(we * e)) / max(n - k, 1)
    vcov_classical = s2 * bread
    if cluster is not None:
        g_codes, g_index = np.unique(cluster, return_inverse=True)
        n_g = len(g_codes)
        scores = np.empty((n_g, Xt.shape[1]))
        for j in range(Xt.shape[1]):
            scores[:, j] = np.bincount(g_index, weights=Xt[:, j] * we, minlength=n_g)
        meat = scores.T @ scores
        q = n_g / (n_g - 1) * (n - 1) / (n - k) if (n_g > 1 and n > k) else np.nan
        vcov = q * bread @ meat @ bread
        df_t = float(n_g - 1)
        n_clusters = n_g
    else:
        sx = Xt * we[:, None]
        meat = sx.T @ sx
        vcov = n / (n - k) * bread @ meat @ bread if n > k else np.full_like(bread, np.nan)
        df_t = float(n - k)
    return OLSFit(beta, vcov, vcov_classical, names, n, k, df_t, n_clusters)


def _absorbed_dof(absorb: list[np.ndarray] | None, cluster: np.ndarray | None, fe_dof: str) -> int:
    """Parameters the absorbed fixed effects add to K (see the module docstring)."""
    if not absorb:
        return 0
    levels = [int(np.unique(c).size) for c in absorb]
    nested = [cluster is not None and _nested(c, cluster) for c in absorb]
    if fe_dof == "nested" and any(nested):
        # the nested set costs nothing but the absorbed constant; others their levels beyond it
        return 1 + sum(lv - 1 for lv, nf in zip(levels, nested, strict=True) if not nf)
    return sum(levels) - (len(absorb) - 1)  # each further set shares one redundant level


def _nested(fe_codes: np.ndarray, cluster: np.ndarray) -> bool:
    """True when every fixed-effect level lies within a single cluster."""
    first = np.empty(int(fe_codes.max()) + 1, dtype=cluster.dtype)
    first[fe_codes] = cluster  # some cluster of each level; nested iff all rows agree with it
    return bool(np.all(first[fe_codes] == cluster))


def stack(cols: list[np.ndarray]) -> np.ndarray:
    """Columns into a Fortran-ordered float matrix (cheap column access for demeaning)."""
    n = len(cols[0]) if cols else 0
    out = np.empty((n, len(cols)), order="F")
    for j, c in enumerate(cols):
        out[:, j] = c
    return out


def wald_p(fit: OLSFit, names: list[str]) -> float | None:
    """Joint test that the named coefficients are zero: F(q, df_t) on the fit's covariance."""
    idx = [fit.names.index(n) for n in names if n in fit.names]
    if not idx:
        return None
    b = fit.beta[idx]
    v = fit.vcov[np.ix_(idx, idx)]
    try:
        f_stat = float(b @ np.linalg.solve(v, b)) / len(idx)
    except np.linalg.LinAlgError:
        return None
    return f_sf(f_stat, len(idx), fit.df_t)


def _descriptive_did(desc: dict) -> float | None:
    keys = ("medel_insats_efter", "medel_insats_före", "medel_jämförelse_efter", "medel_jämförelse_före")
    if any(desc.get(k) is None for k in keys):
        return None
    a, b, c, d = (desc[k] for k in keys)
    return (a - b) - (c - d)


def estimate_did(obs: pd.DataFrame, fe_dof: str = "nested", bootstrap: bool = True) -> Fit:
    """Difference-in-differences for one indicator (both groups, before and after)."""
    obs = obs.reset_index(drop=True)
    warnings: list[str] = []
    w = usable_weights(obs)
    if (note := weights_note(obs, w)) is not None:
        warnings.append(note)
    desc = group_descriptives(obs, w)
    treated = (obs["grupp"] == INSATS).to_numpy()
    after = obs["efter"].to_numpy(dtype=bool)
    cells = [int(np.sum((treated == g) & (after == a))) for g in (True, False) for a in (False, True)]
    panel, n_both, n_units = repeated_units(obs)
    clustered = has_units(obs)
    fit = Fit(skattning=_descriptive_did(desc), n_obs=len(obs), beskrivande=desc, varningar=warnings)
    fit.se_typ = "kluster" if clustered else "robust"
    fit.inferens = fit.se_typ
    if clustered:
        desc["n_enheter_insats"] = int(obs.loc[treated, "enhet"].nunique())
        desc["n_enheter_jämförelse"] = int(obs.loc[~treated, "enhet"].nunique())
        fit.n_behandlade, fit.n_jämförelse = desc["n_enheter_insats"], desc["n_enheter_jämförelse"]
        fit.inferens_skäl = cluster_reason(fit.n_behandlade, fit.n_jämförelse)
    desc["panel"] = int(panel)
    # Few treated or comparison units in a panel: randomisation over units is the primary inference (it needs
    # no minimum of units or rows; the guards below protect the clustered errors, which it replaces).
    by_units = bool(clustered and panel and few_units(desc["n_enheter_insats"], desc["n_enheter_jämförelse"]))
    if by_units:
        obs = _units_before_and_after(obs, desc)
        treated = (obs["grupp"] == INSATS).to_numpy()
        after = obs["efter"].to_numpy(dtype=bool)
        fit.skattning = _descriptive_did(group_descriptives(obs, usable_weights(obs)))
        if min(desc["n_enheter_insats"], desc["n_enheter_jämförelse"]) < 1:
            fit.drop_inference("Insats- eller jämförelsegruppen saknar enheter som finns både före och efter "
                               "insatsstart; effekten kan inte skattas med enheternas egna förändringar.")
            return fit
        w = usable_weights(obs)

    if min(cells) < MIN_CELL and not by_units:
        fit.drop_inference(
            f"Minst en av grupperna har färre än {MIN_CELL} observationer före eller efter insatsstart; "
            "därför redovisas bara skillnaden i medelvärden, utan osäkerhetsmått."
        )
        return fit
    if clustered and not by_units and min(desc["n_enheter_insats"], desc["n_enheter_jämförelse"]) < MIN_UNITS:
        fit.drop_inference(
            f"Insats- eller jämförelsegruppen har färre än {MIN_UNITS} enheter; osäkerheten kan inte skattas "
            "på ett ansvarsfullt sätt, därför redovisas bara skillnaden i medelvärden."
        )
        return fit

    period_codes, periods = pd.factorize(obs["period_start"], sort=True)
    n_periods = len(periods)
    y = obs["varde"].to_numpy(dtype=float)
    cluster = pd.factorize(obs["enhet"])[0] if clustered else None
    keep = np.ones(len(obs), dtype=bool)
    unit_codes = None
    if panel:
        unit_codes = cluster
        counts = np.bincount(unit_codes)
        keep = counts[unit_codes] > 1  # singletons carry no within-unit information (as reghdfe)
        if not keep.all():
            desc["n_singletons_borttagna"] = int((~keep).sum())
    sel = np.flatnonzero(keep)
    y, treated_f, after_f = y[sel], treated[sel].astype(float), after[sel].astype(float)
    wk = None if w is None else w[sel]
    pc = period_codes[sel]
    cl = None if cluster is None else cluster[sel]
    d = treated_f * after_f

    many_periods = n_periods > MAX_PERIOD_DUMMIES
    if panel:
        uc = pd.factorize(unit_codes[sel])[0]
        absorb = [uc, pc] if many_periods else [uc]
        pdum = [] if many_periods else [(pc == p).astype(float) for p in range(1, n_periods)]
        X = stack([d, treated_f, *pdum])
        names = ["did", "insats", *[f"p{p}" for p in range(1, n_periods)][: len(pdum)]]
    else:
        absorb = [pc]
        X = stack([d, treated_f])
        names = ["did", "insats"]
    res = fit_ols(y, X, names, wk, absorb, cl, fe_dof)
    if "did" not in res.names:
        fit.drop_inference("Effekten kan inte skattas: insatsvariabeln sammanfaller med de fasta effekterna.")
        return fit
    b, se = res.coef("did")
    fit.skattning = b
    fit.n_obs = res.n
    fit.standardfel, fit.ki_låg, fit.ki_hög, fit.p_värde = t_inference(b, se, res.df_t)
    fit.n_kluster = res.n_clusters
    if clustered and min(desc["n_enheter_insats"], desc["n_enheter_jämförelse"]) < 2:
        fit.standardfel = fit.ki_låg = fit.ki_hög = fit.p_värde = None  # CR1 needs two clusters per side
    if not clustered:
        i = res.names.index("did")
        desc["standardfel_klassiskt"] = float(np.sqrt(res.vcov_classical[i, i]))
        if n_periods > 2:
            warnings.append(
                "Ingen enhet är angiven: standardfelen är robusta för heteroskedasticitet men tar inte hänsyn "
                "till att värden från samma enhet eller period kan hänga ihop."
            )

    _event_study(fit, after_f, y, treated_f, pc, periods, wk, absorb, cl, panel, fe_dof)

    if by_units:
        use_randomisation(fit, obs.iloc[sel], weighted=wk is not None)
    elif clustered and res.n_clusters is not None and res.n_clusters < FEW_CLUSTERS:
        warnings.append(
            f"Bara {res.n_clusters} kluster (enheter): klustrade standardfel är osäkra med färre än "
            f"{FEW_CLUSTERS} kluster. Wild cluster bootstrap redovisas därför bredvid."
        )
    if bootstrap and clustered and (by_units or (res.n_clusters or 0) < FEW_CLUSTERS):
        add_wild_bootstrap(fit, y, X, cl, absorb, wk)
    return fit


def _units_before_and_after(obs: pd.DataFrame, desc: dict) -> pd.DataFrame:
    """Keep the units observed both before and after the start: only they carry a within-unit change."""
    after = obs["efter"].to_numpy(dtype=bool)
    sides = pd.crosstab(obs["enhet"], after)
    both = sides.index[(sides.get(False, 0) > 0) & (sides.get(True, 0) > 0)]
    keep = obs["enhet"].isin(both).to_numpy()
    if not keep.all():
        desc["n_enheter_bara_före_eller_efter"] = int(obs.loc[~keep, "enhet"].nunique())
    obs = obs.loc[keep].reset_index(drop=True)
    treated = (obs["grupp"] == INSATS).to_numpy()
    desc["n_enheter_insats"] = int(obs.loc[treated, "enhet"].nunique())
    desc["n_enheter_jämförelse"] = int(obs.loc[~treated, "enhet"].nunique())
    return obs


def _event_study(
    fit: Fit,
    after_f: np.ndarray,
    y: np.ndarray,
    treated_f: np.ndarray,
    pc: np.ndarray,
    periods: pd.Index,
    w: np.ndarray | None,
    absorb: list[np.ndarray],
    cl: np.ndarray | None,
    panel: bool,
    fe_dof: str,
) -> None:
    """Leads and lags of insats relative to the last period before the start; joint pre-trend test."""
    n_periods = len(periods)
    after_by_period = np.bincount(pc, weights=after_f, minlength=n_periods) > 0
    pre = np.flatnonzero(~after_by_period)
    desc = fit.beskrivande
    if len(pre) < 2:
        fit.varningar.append(
            "Antagandet om parallella trender kan inte prövas eftersom det bara finns en period före insatsstart."
        )
        return
    if n_periods > MAX_PERIOD_DUMMIES:
        fit.varningar.append(
            f"Fler än {MAX_PERIOD_DUMMIES} perioder: ingen händelsestudie och inget test av parallella trender."
        )
        return
    ref = int(pre.max())
    first_post = ref + 1
    cols, names, k_of = [], [], {}
    for p in range(n_periods):
        if p == ref:
            continue
        k = p - first_post if p > ref else p - ref - 1
        cols.append(treated_f * (pc == p))
        names.append(f"es_{k}")
        k_of[names[-1]] = k
    if panel:
        cols += [(pc == p).astype(float) for p in range(1, n_periods)]
        names += [f"p{p}" for p in range(1, n_periods)]
    else:
        cols.append(treated_f)
        names.append("insats")
    res = fit_ols(y, stack(cols), names, w, absorb, cl, fe_dof)
    leads = []
    for name, k in k_of.items():
        if name in res.names:
            b, se = res.coef(name)
            desc[name] = b
            desc[f"es_se_{k}"] = se
            if k <= -2:
                leads.append(name)
    p = wald_p(res, leads)
    desc["pretrend_p"] = p
    if p is not None and p < 0.05:
        fit.varningar.append(
            f"Testet av parallella trender före insatsstart förkastas (p = {sv_num(p, 3)}): grupperna utvecklades "
            "olika redan före insatsen, så skattningen kan vara missvisande."
        )


__all__ = ["estimate_did", "fit_ols", "wald_p", "Absorber", "JAMFORELSE"]
