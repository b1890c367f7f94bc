"""Randomisation inference, the in-time placebo and the wild cluster bootstrap, against independent computations.

Expected values come from statsmodels refits with dummies, brute-force re-estimation per assignment, exact
enumeration and the `wildboottest` package (its figures stored below); the slow size and coverage study is
``benchmarks/inference_simulation.py``.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm

from sif_eval.analysis.its import in_time_placebo
from sif_eval.analysis.randomization import randomization_inference, twfe_did
from sif_eval.analysis.wild_bootstrap import _weight_matrix, wild_cluster_bootstrap


def make_panel(N=30, T=10, start=5, k=1, seed=0, effect=0.0, rho=0.5, sd_unit=1.0):
    """Balanced panel: unit FE + period FE + AR(1) errors; units 0..k-1 treated from period `start`."""
    rng = np.random.default_rng(seed)
    e = np.empty((N, T))
    e[:, 0] = rng.normal(size=N) / math.sqrt(1 - rho**2)
    for t in range(1, T):
        e[:, t] = rho * e[:, t - 1] + rng.normal(size=N)
    y = rng.normal(size=N)[:, None] + rng.normal(size=T)[None, :] + sd_unit * e
    u, t = np.meshgrid(np.arange(N), np.arange(T), indexing="ij")
    post = t >= start
    treated = u < k
    y = y + effect * (treated & post)
    return pd.DataFrame(
        {"enhet": [f"u{i:02d}" for i in u.ravel()], "period_start": t.ravel(), "varde": y.ravel(), "efter": post.ravel()}
    )


def arrays(df, treated):
    uc = pd.factorize(df["enhet"], sort=True)[0]
    pc = pd.factorize(df["period_start"], sort=True)[0]
    d = (df["enhet"].isin(treated) & df["efter"]).to_numpy(float)
    return df["varde"].to_numpy(float), uc, pc, d


# ---------------------------------------------------------------- twfe_did


def test_twfe_balanced_equals_2x2_means():
    df = make_panel(N=25, T=8, start=3, k=4, seed=1)
    y, uc, pc, d = arrays(df, ["u00", "u01", "u02", "u03"])
    tr = df["enhet"].isin(["u00", "u01", "u02", "u03"]).to_numpy()
    post = df["efter"].to_numpy()
    m = lambda s: y[s].mean()  # noqa: E731
    did = (m(tr & post) - m(tr & ~post)) - (m(~tr & post) - m(~tr & ~post))
    assert twfe_did(y, uc, pc, d) == pytest.approx(did, abs=1e-12)


@pytest.mark.parametrize("weighted", [False, True])
def test_twfe_unbalanced_matches_statsmodels_dummies(weighted):
    rng = np.random.default_rng(2)
    df = make_panel(N=20, T=9, start=4, k=3, seed=2)
    df = df[rng.random(len(df)) > 0.3].reset_index(drop=True)  # unbalanced
    y, uc, pc, d = arrays(df, ["u00", "u01", "u02"])
    w = rng.uniform(1, 20, len(y)) if weighted else None
    X = np.column_stack(
        [d, pd.get_dummies(uc).to_numpy(float), pd.get_dummies(pc, drop_first=True).to_numpy(float)]
    )
    ref = (sm.WLS(y, X, weights=w) if weighted else sm.OLS(y, X)).fit().params[0]
    assert twfe_did(y, uc, pc, d, w) == pytest.approx(ref, abs=1e-8)
    # arbitrary labels give the same answer as codes
    assert twfe_did(y, df["enhet"].to_numpy(), df["period_start"].to_numpy() * 7 + 3, d, w) == pytest.approx(
        ref, abs=1e-8
    )


def test_twfe_absorbed_treatment_is_nan():
    df = make_panel(N=6, T=4, start=2, k=2)
    y, uc, pc, _ = arrays(df, [])
    d_unit_only = df["enhet"].isin(["u00"]).to_numpy(float)  # constant within unit: absorbed
    assert math.isnan(twfe_did(y, uc, pc, d_unit_only))


# ---------------------------------------------------------------- randomisation inference


def test_ri_one_treated_p_is_rank_over_n():
    df = make_panel(N=27, T=6, start=3, k=1, seed=4, effect=1.5)
    res = randomization_inference(df, treated_units=["u00"])
    y, uc, pc, _ = arrays(df, [])
    post = df["efter"].to_numpy()
    placebo = np.array([twfe_did(y, uc, pc, ((uc == j) & post).astype(float)) for j in range(27)])
    rank = int(np.sum(np.abs(placebo) >= abs(placebo[0]) - 1e-12))
    assert res.exact and res.n_assignments == 27 and res.seed is None
    assert res.p_value == pytest.approx(rank / 27)
    assert res.estimate == pytest.approx(placebo[0], abs=1e-10)
    assert res.min_p == pytest.approx(1 / 27)
    assert (res.n_treated, res.n_control) == (1, 26)
    np.testing.assert_allclose(np.sort(res.placebo_estimates), np.sort(placebo), atol=1e-10)


def test_ri_one_treated_of_ten_has_no_interval():
    df = make_panel(N=10, T=6, start=3, k=1, seed=5, effect=3.0)
    res = randomization_inference(df, treated_units=["u00"])
    assert res.p_value >= 0.1 and res.min_p == pytest.approx(0.1)
    assert res.ci_low is None and res.ci_high is None
    assert "0.1" in res.reason and "unbounded" in res.reason


def test_ri_fast_path_equals_generic_estimator():
    df = make_panel(N=9, T=5, start=2, k=2, seed=6)
    fast = randomization_inference(df, treated_units=["u00", "u03"])
    slow = randomization_inference(df, treated_units=["u00", "u03"], estimator=lambda *a: twfe_did(*a))
    assert fast.n_assignments == slow.n_assignments == math.comb(9, 2)
    assert fast.p_value == slow.p_value
    np.testing.assert_allclose(fast.placebo_estimates, slow.placebo_estimates, atol=1e-10)
    np.testing.assert_allclose(fast.placebo_slopes, slow.placebo_slopes, atol=1e-10)
    assert fast.ci_low == pytest.approx(slow.ci_low, abs=1e-9)
    assert fast.ci_high == pytest.approx(slow.ci_high, abs=1e-9)


def test_ri_rejects_nonlinear_estimator():
    df = make_panel(N=8, T=4, start=2, k=1)
    with pytest.raises(ValueError, match="linear"):
        randomization_inference(df, treated_units=["u00"], estimator=lambda y, *a: float(np.median(y)))


def test_ri_inversion_matches_rerun_on_shifted_outcome_and_bounds_are_tight():
    df = make_panel(N=24, T=8, start=4, k=2, seed=7, effect=-2.0)
    treated = ["u00", "u01"]
    res = randomization_inference(df, treated_units=treated)
    assert res.exact and res.ci_low < res.estimate < res.ci_high
    d = (df["enhet"].isin(treated) & df["efter"]).to_numpy(float)
    for tau in (-3.0, -2.0, res.ci_low, res.ci_high, 0.5):
        shifted = df.assign(varde=df["varde"] - tau * d)
        direct = randomization_inference(shifted, treated_units=treated)
        assert res.p_at(tau) == pytest.approx(direct.p_value)
    eps = 1e-6 * (res.ci_high - res.ci_low)
    assert res.p_at(res.ci_low) > 0.05 and res.p_at(res.ci_high) > 0.05
    assert res.p_at(res.ci_low - eps) <= 0.05 and res.p_at(res.ci_high + eps) <= 0.05
    # brute grid: every accepted tau lies inside the interval
    grid = np.linspace(res.ci_low - 2, res.ci_high + 2, 801)
    acc = grid[[res.p_at(g) > 0.05 for g in grid]]
    assert acc.min() >= res.ci_low - 1e-9 and acc.max() <= res.ci_high + 1e-9


def test_ri_random_draws_reproducible_and_include_actual():
    df = make_panel(N=40, T=6, start=3, k=3, seed=8)
    treated = ["u00", "u01", "u02"]
    a = randomization_inference(df, treated_units=treated, n_exact_max=100, n_draws=999, seed=11)
    b = randomization_inference(df, treated_units=treated, n_exact_max=100, n_draws=999, seed=11)
    c = randomization_inference(df, treated_units=treated, n_exact_max=100, n_draws=999, seed=12)
    assert not a.exact and a.n_assignments == 1000 and a.seed == 11
    assert a == b and a.p_value != c.p_value
    assert a.placebo_estimates[0] == a.estimate
    assert a.p_value >= 1 / 1000


def test_ri_unbalanced_weights_and_dropped_units():
    rng = np.random.default_rng(9)
    df = make_panel(N=15, T=8, start=4, k=1, seed=9)
    df = df[rng.random(len(df)) > 0.2]
    only_pre = pd.DataFrame({"enhet": "zz", "period_start": [0, 1], "varde": [1.0, 2.0], "efter": False})
    df = pd.concat([df, only_pre], ignore_index=True).assign(antal=rng.uniform(5, 50, len(df) + 2))
    res = randomization_inference(df, treated_units=["u00"], weight_col="antal")
    assert res.n_units_dropped == 1 and res.n_control == 14
    keep = df["enhet"] != "zz"
    y, uc, pc, d = arrays(df[keep], ["u00"])
    assert res.estimate == pytest.approx(twfe_did(y, uc, pc, d, df.loc[keep, "antal"].to_numpy()), abs=1e-10)


def test_ri_input_errors():
    df = make_panel(N=8, T=4, start=2, k=1)
    with pytest.raises(ValueError, match="not in the panel"):
        randomization_inference(df, treated_units=["nope"])
    stag = df.copy()
    stag.loc[(stag["enhet"] == "u01") & (stag["period_start"] == 2), "efter"] = False
    with pytest.raises(ValueError, match="staggered"):
        randomization_inference(stag, treated_units=["u00", "u01"])


def test_ri_size_is_exact_under_exchangeability():
    # one treated of 20, exact enumeration: P(p <= 0.05) = 1/20 by construction; check it is not above that
    rejections = 0
    for s in range(60):
        df = make_panel(N=20, T=5, start=3, k=1, seed=100 + s)
        rejections += randomization_inference(df, treated_units=["u00"]).p_value <= 0.05
    assert rejections <= 9  # expected 3; binomial(60, .05) tail


# ---------------------------------------------------------------- in-time placebo


def test_in_time_placebo_counts_and_rank():
    rng = np.random.default_rng(10)
    n_pre, n_post = 30, 12
    t = np.arange(n_pre + n_post) + 100.0
    y = 5 + 0.1 * (t - 100) + rng.normal(scale=0.3, size=len(t))
    y_jump = y + 4.0 * (np.arange(len(t)) >= n_pre)
    res = in_time_placebo(y_jump, t, n_pre, min_pre=4, min_post=3)
    assert res.n_placebos == n_pre - 4 - 3 + 1
    assert res.p_value == pytest.approx(1 / (1 + res.n_placebos))
    assert res.estimate == pytest.approx(4.0, abs=1.0)
    assert res.placebo_starts[0] == t[4]
    flat = in_time_placebo(y, t, n_pre)
    assert flat.p_value > 0.1


def test_in_time_placebo_too_short():
    t = np.arange(12.0)
    res = in_time_placebo(np.sin(t), t, 6, min_pre=4, min_post=3)
    assert res.p_value is None and res.n_placebos == 0 and "periods before" in res.reason
    short = in_time_placebo(np.sin(t) + (t >= 9), t, 9)
    assert short.n_placebos == 3 and short.min_p == 0.25 and "cannot reach" in short.reason


# ---------------------------------------------------------------- wild cluster bootstrap


def _cluster_data(G=8, n=200, seed=3, beta=0.15):
    rng = np.random.default_rng(seed)
    cl = rng.integers(0, G, n)
    x1 = rng.normal(size=n) + 0.5 * rng.normal(size=G)[cl]
    x2 = rng.normal(size=n)
    y = 1 + beta * x1 + 0.5 * x2 + rng.normal(size=n) + 0.7 * rng.normal(size=G)[cl]
    return y, np.column_stack([np.ones(n), x1, x2]), cl


def _brute_wcr(y, X, cl, V, beta0=0.0):
    """Literal WCR: refit OLS with statsmodels CR1 for every weight vector."""
    xr = np.delete(X, 1, axis=1)
    yr = y - beta0 * X[:, 1]
    fit_r = xr @ np.linalg.lstsq(xr, yr, rcond=None)[0] + beta0 * X[:, 1]
    ur = y - fit_r

    def t(yy):
        r = sm.OLS(yy, X).fit(cov_type="cluster", cov_kwds={"groups": cl})
        return (r.params[1] - beta0) / r.bse[1]

    t0 = t(y)
    ts = np.array([t(fit_r + v[cl] * ur) for v in V])
    return float(np.mean(np.abs(ts) >= abs(t0) * (1 - 1e-10))), t0


@pytest.mark.parametrize("kind", ["rademacher", "webb"])
def test_wcr_equals_brute_force_refits(kind):
    y, X, cl = _cluster_data(beta=0.05)
    res = wild_cluster_bootstrap(y, X, cl, 1, weights=kind, B=399, seed=5)
    V, exact = _weight_matrix(kind, 8, 399, 5)
    p, t0 = _brute_wcr(y, X, cl, V)
    assert res.exact == exact == (kind == "rademacher")
    assert res.p_value == pytest.approx(p)
    assert res.t_stat == pytest.approx(t0, rel=1e-10)
    # test inversion: p crosses alpha at the bounds (checked by literal refits)
    for bound, out in ((res.ci_low, -1), (res.ci_high, 1)):
        width = res.ci_high - res.ci_low
        assert _brute_wcr(y, X, cl, V, bound - out * 1e-4 * width)[0] > 0.05
        assert _brute_wcr(y, X, cl, V, bound + out * 1e-4 * width)[0] <= 0.05


def test_wcr_matches_wildboottest_reference():
    # Reference from the `wildboottest` package 0.3.2 (Rademacher, full enumeration of 2^10 patterns):
    # wildboottest(sm.OLS(y, X), B=9999, cluster=cl, param="x1", weights_type="rademacher") -> t, p below.
    # Our p counts the two tie patterns v = +-1 (|t*| = |t| exactly), wildboottest may not: differ by <= 2/1024.
    ref = {0: (1.2518997154264044, 0.23046875), 1: (0.6737650318349488, 0.546875), 2: (1.2067892259098898, 0.3046875)}
    for seed, (t_ref, p_ref) in ref.items():
        rng = np.random.default_rng(seed)
        G, n = 10, 300
        cl = rng.integers(0, G, n)
        x1 = rng.normal(size=n) + 0.5 * rng.normal(size=G)[cl]
        x2 = rng.normal(size=n)
        y = 1 + 0.05 * x1 + 0.5 * x2 + rng.normal(size=n) + 0.7 * rng.normal(size=G)[cl]
        X = np.column_stack([np.ones(n), x1, x2])
        res = wild_cluster_bootstrap(y, X, cl, 1, weights="rademacher", B=9999)
        assert res.exact and res.n_boot == 1024
        assert res.t_stat == pytest.approx(t_ref, rel=1e-9)
        assert p_ref - 1e-12 <= res.p_value <= p_ref + 2 / 1024 + 1e-12


def test_wcr_many_clusters_close_to_cr1():
    rng = np.random.default_rng(9)
    G, n = 150, 3000
    cl = rng.integers(0, G, n)
    x = rng.normal(size=n) + rng.normal(size=G)[cl]
    y = 0.03 * x + rng.normal(size=n) + rng.normal(size=G)[cl]
    X = np.column_stack([np.ones(n), x])
    res = wild_cluster_bootstrap(y, X, cl, 1, B=1999, seed=1)
    assert res.weights == "rademacher" and not res.exact
    assert abs(res.p_value - res.p_cr1) < 0.03
    half = res.se_cr1 * 1.976
    assert res.ci_low == pytest.approx(res.estimate - half, rel=0.1)
    assert res.ci_high == pytest.approx(res.estimate + half, rel=0.1)


def test_wcr_absorbed_fe_equals_dummies_and_auto_weights():
    df = make_panel(N=10, T=6, start=3, k=3, seed=12, effect=0.8)
    y, uc, pc, d = arrays(df, ["u00", "u01", "u02"])
    dummies = np.column_stack(
        [d, pd.get_dummies(uc).to_numpy(float), pd.get_dummies(pc, drop_first=True).to_numpy(float)]
    )
    a = wild_cluster_bootstrap(y, d, uc, 0, absorb=[uc, pc], B=999, seed=2, k_absorbed=1 + 5)
    b = wild_cluster_bootstrap(y, dummies, uc, 0, B=999, seed=2)
    assert a.weights == "webb" and not a.exact  # 10 clusters < 12: Webb, 6^10 > B
    assert a.p_value == pytest.approx(b.p_value)
    assert a.estimate == pytest.approx(b.estimate, abs=1e-10)
    assert a.ci_low == pytest.approx(b.ci_low, rel=1e-6) and a.ci_high == pytest.approx(b.ci_high, rel=1e-6)
    # reported CR1 t: same as statsmodels on the dummy regression (reghdfe-style K via k_absorbed)
    ref = sm.OLS(y, dummies).fit(cov_type="cluster", cov_kwds={"groups": uc})
    assert b.t_stat == pytest.approx(ref.params[0] / ref.bse[0], rel=1e-8)


def test_wcu_and_webb_enumeration():
    y, X, cl = _cluster_data(G=4, n=120, seed=4)
    r = wild_cluster_bootstrap(y, X, cl, 1, weights="webb", B=9999)
    assert r.exact and r.n_boot == 6**4
    u = wild_cluster_bootstrap(y, X, cl, 1, weights="webb", B=9999, restricted=False)
    assert not u.restricted and u.ci_low < u.estimate < u.ci_high
