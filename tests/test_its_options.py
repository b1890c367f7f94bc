"""ITS options: controlled ITS with a comparison series, and the structural (UnobservedComponents) alternative."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm

from sif_eval.analysis.estimate import estimate
from sif_eval.analysis.its import controlled_series, hac_maxlags
from sif_eval.model import Indicator
from tests.test_analysis import its_obs, make_obs

ITS = Indicator(id="x", namn="x", design="its")
MONTHS = pd.date_range("2018-01-01", periods=48, freq="MS")


def ar1(rng, n, sd=0.3, rho=0.4):
    noise, e = rng.normal(0, sd, n), np.zeros(n)
    for i in range(n):
        e[i] = (rho * e[i - 1] if i else 0.0) + noise[i]
    return e


def level_drop_obs(truth=-2.0, seed=2, n_pre=24, n_post=24):
    """A local level (random walk) plus seasonality plus a level drop at the start."""
    rng = np.random.default_rng(seed)
    n = n_pre + n_post
    t = np.arange(n)
    after = t >= n_pre
    level = 20 + np.cumsum(rng.normal(0, 0.1, n))
    y = level + truth * after + 1.0 * np.sin(2 * np.pi * t / 12) + rng.normal(0, 0.3, n)
    return make_obs("insats", pd.date_range("2018-01-01", periods=n, freq="MS"), y, after, period_typ="månad")


def test_ucm_interval_covers_known_level_drop():
    e = estimate(level_drop_obs(), ITS)
    d = e.descriptive()
    assert e.design == "its"
    assert d["ucm_ki_låg"] < -2.0 < d["ucm_ki_hög"]
    assert d["ucm_nivåförändring"] == pytest.approx(-2.0, abs=0.6)
    assert d["ucm_se"] > 0
    assert d["ucm_ki_hög"] - d["ucm_nivåförändring"] == pytest.approx(1.959964 * d["ucm_se"], rel=1e-5)
    assert not any("UnobservedComponents" in w for w in e.varningar)


def test_ucm_skipped_for_short_or_non_monthly_series():
    short = level_drop_obs(n_pre=10, n_post=10)
    assert not any(k.startswith("ucm_") for k in estimate(short, ITS).descriptive())
    rng = np.random.default_rng(1)
    t = np.arange(30)
    yearly = make_obs(
        "insats", [f"{1990 + i}-01-01" for i in t], 5 + rng.normal(0, 1, 30) - 2 * (t >= 15), t >= 15
    )
    e = estimate(yearly, ITS)
    assert not any(k.startswith("ucm_") for k in e.descriptive())
    assert not any("UnobservedComponents" in w for w in e.varningar)


def controlled_obs(truth=-1.5, shock=3.0, seed=5):
    """Both series get a common shock at the start; only insats gets the true effect."""
    rng = np.random.default_rng(seed)
    n = len(MONTHS)
    t = np.arange(n)
    after = t >= 24
    common = 0.03 * t + 0.8 * np.sin(2 * np.pi * t / 12) + shock * after + ar1(rng, n, sd=0.2)
    y_ins = 10 + common + truth * after + ar1(rng, n)
    y_cmp = 8 + common + ar1(rng, n)
    return pd.concat(
        [
            make_obs("insats", MONTHS, y_ins, after, period_typ="månad"),
            make_obs("jämförelse", MONTHS, y_cmp, after, period_typ="månad"),
        ],
        ignore_index=True,
    )


def test_controlled_its_removes_common_shock():
    obs = controlled_obs()
    e = estimate(obs, ITS)
    d = e.descriptive()
    assert e.design == "its"
    # uncontrolled level change carries the common shock: about -1.5 + 3 = 1.5, interval excludes the truth
    assert e.skattning == pytest.approx(1.5, abs=0.6) and e.ki_låg > -1.5
    assert d["kontrollerad_nivåförändring_ki_låg"] < -1.5
    assert d["kontrollerad_nivåförändring_ki_hög"] > -1.5
    assert d["kontrollerad_nivåförändring"] == pytest.approx(-1.5, abs=0.5)
    assert d["kontrollerad_nivåförändring_p"] < 0.05
    assert any("motsatt tecken" in w for w in e.varningar)  # controlled and uncontrolled disagree in sign
    assert not any("används därför inte i tidsserien" in w for w in e.varningar)


def test_controlled_equals_stacked_interacted_regression():
    obs = controlled_obs()
    d = estimate(obs, ITS).descriptive()
    n = len(MONTHS)
    t = np.arange(n, dtype=float) - 24
    after = (t >= 0).astype(float)
    month = pd.get_dummies(pd.Series(MONTHS.month), drop_first=True).astype(float).to_numpy()
    base = np.column_stack([np.ones(n), t, after, t * after, month])
    X = np.block([[base, np.zeros_like(base)], [base, base]])  # rows: jämförelse, insats; group x every term
    y = np.concatenate([obs.varde.to_numpy()[n:], obs.varde.to_numpy()[:n]])
    stacked = sm.OLS(y, X).fit()
    k = base.shape[1]
    assert d["kontrollerad_nivåförändring"] == pytest.approx(stacked.params[k + 2], abs=1e-8)
    assert d["kontrollerad_lutningsförändring"] == pytest.approx(stacked.params[k + 3], abs=1e-8)
    # Newey-West on the difference series
    diff = controlled_series(obs)
    ref = sm.OLS(diff.varde.to_numpy(), base).fit(
        cov_type="HAC", cov_kwds={"maxlags": hac_maxlags(n), "use_correction": True}, use_t=True
    )
    assert d["kontrollerad_nivåförändring_se"] == pytest.approx(ref.bse[2], rel=1e-9)


def test_without_comparison_series_nothing_controlled():
    for obs in (its_obs(), its_obs(comparison_before=True)):
        e = estimate(obs, ITS)
        assert not any(k.startswith("kontrollerad_") for k in e.descriptive())
    # comparison present before and after but not covering the insats periods: not used, said so
    obs = controlled_obs()
    drop = (obs.grupp == "jämförelse") & (obs.period_start == MONTHS[5])
    e = estimate(obs[~drop], ITS)
    assert not any(k.startswith("kontrollerad_") for k in e.descriptive())
    assert any("täcker inte samma perioder" in w for w in e.varningar)


def test_default_its_estimate_unchanged():
    """The main estimate does not depend on the options."""
    obs = its_obs()
    e = estimate(obs, ITS)
    e2 = estimate(pd.concat([obs, controlled_obs().query("grupp == 'jämförelse'")], ignore_index=True), ITS)
    assert e.skattning == e2.skattning and e.standardfel == e2.standardfel and e.ki_låg == e2.ki_låg


def test_ucm_failure_is_a_warning_not_an_error(monkeypatch):
    from statsmodels.tsa.statespace import structural

    def boom(*args, **kwargs):
        raise np.linalg.LinAlgError("singular")

    monkeypatch.setattr(structural.UnobservedComponents, "fit", boom)
    e = estimate(level_drop_obs(), ITS)
    assert e.skattning is not None and not any(k.startswith("ucm_") for k in e.descriptive())
    assert any("UnobservedComponents" in w and "konvergerade inte" in w for w in e.varningar)
