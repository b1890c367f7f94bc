"""The minimum detectable effect: simulation against the analytic formula and against the real analysis."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from sif_eval.analysis.did import fit_ols
from sif_eval.analysis.power import (
    NoiseModel,
    PlannedDesign,
    SimulatedTests,
    _unit_changes,
    analytic_mde,
    did_variance,
    minimum_detectable_effect,
    noise_from_history,
)
from sif_eval.analysis.randomization import randomization_inference

NOISE = NoiseModel(sd=0.03, rho=0.5)


def _panel_frame(panel: np.ndarray, design: PlannedDesign, tau: float) -> pd.DataFrame:
    n, t = panel.shape
    tb = design.perioder_före
    rows = []
    for u in range(n):
        for p in range(t):
            treated_post = u < design.insatsenheter and p >= tb
            rows.append({"enhet": f"E{u:02d}", "period_start": p, "efter": p >= tb,
                         "varde": panel[u, p] + (tau if treated_post else 0.0)})
    return pd.DataFrame(rows)


def test_many_units_2x2_agrees_with_the_analytic_formula() -> None:
    design = PlannedDesign(60, 60, 1, 1)
    # By hand: Var(after − before) = 2σ²(1 − ρ) = 2 · 0,0009 · 0,5 = 0,0009; SE = sqrt(0,0009 · 2/60)
    se = np.sqrt(0.0009 * (2 / 60))
    assert did_variance(design, NOISE) == pytest.approx(se ** 2, rel=1e-12)
    expected = (stats.norm.ppf(0.975) + stats.norm.ppf(0.8)) * se
    assert analytic_mde(design, NOISE) == pytest.approx(expected, rel=1e-12)
    got = minimum_detectable_effect(design, NOISE, n_sim=2000)
    assert got.inferens == "kluster"
    # Simulation error of the MDE with 2 000 draws is about 1,5 %; the t(119) test adds about 1 %.
    assert got.mde == pytest.approx(expected, rel=0.05)


def test_few_treated_units_need_a_larger_effect_and_one_of_ten_can_never_be_detected() -> None:
    one = minimum_detectable_effect(PlannedDesign(1, 9, 4, 4), NOISE, n_sim=200)
    assert one.mde is None and one.minsta_p == pytest.approx(0.1)
    two = minimum_detectable_effect(PlannedDesign(2, 8, 4, 4), NOISE, n_sim=1000)
    assert two.inferens == "randomisering" and two.minsta_p == pytest.approx(1 / 45)
    assert two.mde is not None and two.mde > 1.1 * two.analytisk
    many = minimum_detectable_effect(PlannedDesign(20, 20, 4, 4), NOISE, n_sim=1000)
    assert many.mde is not None and many.mde < two.mde / 2


def test_randomisation_p_values_equal_randomization_inference() -> None:
    design = PlannedDesign(2, 6, 3, 2)
    sims = SimulatedTests(design, NOISE, n_sim=4, seed=7)
    _, panels = _unit_changes(design, NOISE, 4, np.random.default_rng(7))
    for tau in (0.0, 0.02, -0.05):
        ours = sims.p_values(tau)
        for s in range(4):
            ri = randomization_inference(_panel_frame(panels[s], design, tau), treated_units=["E00", "E01"])
            assert ri.exact and ri.n_assignments == 28
            assert ours[s] == pytest.approx(ri.p_value, abs=1e-12)


def test_cluster_standard_errors_equal_the_regression_in_did() -> None:
    design = PlannedDesign(10, 12, 3, 3)
    sims = SimulatedTests(design, NOISE, n_sim=3, seed=11)
    for s in range(3):
        df = _panel_frame(sims.panels[s], design, 0.0)
        unit = pd.factorize(df["enhet"])[0]
        period = df["period_start"].to_numpy()
        d = ((unit < design.insatsenheter) & df["efter"].to_numpy()).astype(float)
        X = np.column_stack([d, *[(period == p).astype(float) for p in range(1, 6)]])
        res = fit_ols(df["varde"].to_numpy(), X, ["did", *[f"p{p}" for p in range(1, 6)]],
                      absorb=[unit], cluster=unit)
        b, se = res.coef("did")
        assert sims.b0[s] == pytest.approx(b, abs=1e-12)
        assert sims.se[s] == pytest.approx(se, rel=1e-10)
        assert res.df_t == sims.df


def test_noise_is_recovered_from_history() -> None:
    rng = np.random.default_rng(3)
    n, t, sd, rho = 60, 12, 0.04, 0.5
    e = np.empty((n, t))
    e[:, 0] = rng.standard_normal(n) * sd
    for k in range(1, t):
        e[:, k] = rho * e[:, k - 1] + sd * np.sqrt(1 - rho ** 2) * rng.standard_normal(n)
    y = 0.2 + rng.normal(0, 0.05, n)[:, None] + rng.normal(0, 0.01, t)[None, :] + e
    obs = pd.DataFrame({"enhet": np.repeat([f"S{u}" for u in range(n)], t),
                        "period_start": np.tile(pd.date_range("2015-01-01", periods=t, freq="YS"), n),
                        "varde": y.ravel()})
    got = noise_from_history(obs)
    assert got is not None and got.källa == "historik"
    assert got.n_enheter == n and got.n_perioder == t
    assert got.sd == pytest.approx(sd, rel=0.12)  # the demeaned AR(1) variance is slightly below σ²
    assert got.rho == pytest.approx(rho, abs=0.1)
    assert noise_from_history(obs[obs["enhet"].isin(["S1", "S2"])]) is None  # two units: too little


def test_power_curve_rises_and_is_seeded() -> None:
    a = minimum_detectable_effect(PlannedDesign(3, 12, 4, 4), NOISE, n_sim=300, seed=5)
    b = minimum_detectable_effect(PlannedDesign(3, 12, 4, 4), NOISE, n_sim=300, seed=5)
    assert a == b
    powers = [p for _, p in a.kurva]
    assert powers[0] <= 0.06 and powers[-1] >= 0.95
    assert all(y >= x - 0.02 for x, y in zip(powers, powers[1:], strict=False))


@pytest.mark.slow
def test_size_and_power_of_the_simulated_randomisation_at_the_mde() -> None:
    design = PlannedDesign(3, 15, 4, 4)
    got = minimum_detectable_effect(design, NOISE, n_sim=1000, seed=1)
    fresh = SimulatedTests(design, NOISE, n_sim=3000, seed=99)
    assert fresh.power(0.0) == pytest.approx(0.05, abs=0.012)
    assert fresh.power(got.mde) == pytest.approx(0.8, abs=0.03)
