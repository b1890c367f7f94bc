"""Tests for staggered.py (Callaway & Sant'Anna 2021).

Cross-checks on ``mpdta`` (R ``did``'s example panel, data/mpdta.csv):
* against R ``did`` 2.5.0 output stored in data/did_ref_*.csv (att_gt + aggte, bstrap=FALSE),
  (the same numbers the Python port ``csdid`` gives; it is not a dependency of sif-eval).
Plus simulations with heterogeneous, dynamic effects where static TWFE is biased.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from sif_eval.analysis.multiplier import multiplier_bootstrap
from sif_eval.analysis.staggered import callaway_santanna, twfe_static
from tests.conftest import public_data

_data = public_data

ATOL_ATT = 1e-6
ATOL_SE = 1e-6


@pytest.fixture(scope="module")
def mpdta() -> pd.DataFrame:
    m = pd.read_csv(_data("mpdta.csv"))
    return m.rename(columns={"countyreal": "enhet", "year": "t", "lemp": "y", "first.treat": "g"})


@pytest.fixture(scope="module")
def did_ref() -> tuple[pd.DataFrame, pd.DataFrame]:
    return pd.read_csv(_data("did_ref_attgt.csv")), pd.read_csv(_data("did_ref_aggte.csv"))


SCENARIOS = [("never", "mpdta_nev_dr", "nevertreated"), ("notyet", "mpdta_nyt_dr", "notyettreated")]


@pytest.mark.parametrize("cg,scn,_", SCENARIOS)
def test_mpdta_matches_r_did_reference(mpdta, did_ref, cg, scn, _):
    ref_gt, ref_ag = did_ref
    res = callaway_santanna(mpdta, cg)
    f = res.att_gt_frame()
    ref = ref_gt[ref_gt.scenario == scn].rename(columns={"group": "g"})
    m = f.merge(ref, on=["g", "t"], suffixes=("", "_r"), validate="one_to_one")
    assert len(m) == len(f) == len(ref) == 12
    assert np.max(np.abs(m.att - m.att_r)) < ATOL_ATT
    assert np.max(np.abs(m.se - m.se_r)) < ATOL_SE

    simple = ref_ag[(ref_ag.scenario == scn) & (ref_ag.type == "simple")].iloc[0]
    assert abs(res.overall[0] - simple.overall_att) < ATOL_ATT
    assert abs(res.overall[1] - simple.overall_se) < ATOL_SE

    dyn = ref_ag[(ref_ag.scenario == scn) & (ref_ag.type == "dynamic")].rename(columns={"egt": "e"})
    ev = res.event_frame().merge(dyn, on="e", validate="one_to_one")
    assert len(ev) == len(res.event) == 7
    assert np.max(np.abs(ev.att - ev.att_egt)) < ATOL_ATT
    assert np.max(np.abs(ev.se - ev.se_egt)) < ATOL_SE
    assert abs(res.event_average[0] - dyn.overall_att.iloc[0]) < ATOL_ATT
    assert abs(res.event_average[1] - dyn.overall_se.iloc[0]) < ATOL_SE


def test_notyet_without_never_treated_uses_the_last_cohort_as_comparison(mpdta):
    """No never-treated units: the last cohort (2007) serves as comparison, periods >= 2007 dropped (as R did)."""
    res = callaway_santanna(mpdta[mpdta.g > 0], "notyet")
    assert res.groups == (2004, 2006)
    assert res.periods == (2003, 2004, 2005, 2006)
    assert res.n_never == int((mpdta[mpdta.t == 2003].g == 2007).sum())
    # ATT(2004, 2004) by hand: mean change 2003->2004 of the 2004 cohort minus that of the units not yet
    # treated in 2004 (the 2006 cohort and the 2007 cohort, which serves only as comparison)
    wide = mpdta.pivot(index="enhet", columns="t", values="y")
    g = mpdta.groupby("enhet").g.first()
    d = wide[2004] - wide[2003]
    by_hand = d[g == 2004].mean() - d[g.isin([2006, 2007])].mean()
    cell = next(c for c in res.att_gt if (c.g, c.t) == (2004, 2004))
    assert cell.att == pytest.approx(by_hand, abs=1e-12)
    with pytest.raises(ValueError, match="never-treated"):
        callaway_santanna(mpdta[mpdta.g > 0], "never")


def test_twfe_matches_dummy_regression(mpdta):
    """Static TWFE equals OLS with explicit unit and year dummies (least squares, not demeaning)."""
    D = ((mpdta.g > 0) & (mpdta.t >= mpdta.g)).to_numpy(dtype=float)
    units = pd.get_dummies(mpdta.enhet, dtype=float).to_numpy()
    years = pd.get_dummies(mpdta.t, dtype=float).to_numpy()[:, 1:]
    X = np.column_stack([D, units, years])
    beta = np.linalg.lstsq(X, mpdta.y.to_numpy(), rcond=None)[0][0]
    assert abs(twfe_static(mpdta) - beta) < 1e-9
    assert twfe_static(mpdta) == pytest.approx(-0.0365, abs=5e-5)  # the did documentation's TWFE
    with pytest.raises(ValueError, match="control_group"):
        callaway_santanna(mpdta, "everyone")


def test_influence_functions_and_counts(mpdta):
    res = callaway_santanna(mpdta)
    assert res.n_units == 500 and res.n_never == 309 and res.n_treated_units == 191
    assert res.groups == (2004, 2006, 2007)
    assert res.inf_att_gt.shape == (500, 12)
    assert np.max(np.abs(res.inf_att_gt.mean(axis=0))) < 1e-12
    se = np.sqrt((res.inf_att_gt**2).sum(axis=0)) / 500
    assert np.allclose(se, [c.se for c in res.att_gt])
    assert res.inf_event.shape == (500, 7)


def test_units_treated_in_first_period_are_dropped(mpdta):
    extra = pd.DataFrame({"enhet": 99999, "t": range(2003, 2008), "y": 5.0 + np.arange(5), "g": 2003})
    res0 = callaway_santanna(mpdta)
    res1 = callaway_santanna(pd.concat([mpdta, extra], ignore_index=True))
    assert res1.dropped_units == (99999,)
    assert res1.att_gt == res0.att_gt
    assert res1.overall == pytest.approx(res0.overall, abs=1e-14)
    assert np.allclose(np.array(res1.event), np.array(res0.event), rtol=0, atol=1e-14)
    # g after the last period means never treated within the window; NaN means never treated
    late = mpdta.assign(g=mpdta.g.where(mpdta.g > 0, 2099.0))
    nan = mpdta.assign(g=mpdta.g.where(mpdta.g > 0, np.nan))
    assert callaway_santanna(late).att_gt == res0.att_gt
    assert callaway_santanna(nan).att_gt == res0.att_gt


@pytest.mark.parametrize(
    "mutate,msg",
    [
        (lambda d: d.iloc[1:], "not balanced"),
        (lambda d: pd.concat([d, d.iloc[:1]]), "not balanced"),
        (lambda d: d[d.t != 2005], "consecutive"),
        (lambda d: d.assign(y=d.y.where(d.index != 3)), "missing"),
        (lambda d: d.assign(g=np.where(d.index == 0, 2006, d.g)), "constant within"),
        (lambda d: d.assign(g=d.g + 0.5), "integer"),
        (lambda d: d.drop(columns="g"), "lacks"),
    ],
)
def test_validation_errors(mpdta, mutate, msg):
    with pytest.raises(ValueError, match=msg):
        callaway_santanna(mutate(mpdta.copy()))


def test_bad_control_group(mpdta):
    with pytest.raises(ValueError, match="control_group"):
        callaway_santanna(mpdta, "everyone")


def test_bootstrap_is_seeded_and_close_to_analytic(mpdta):
    r1 = callaway_santanna(mpdta, bootstrap=True, biters=999, seed=7)
    r2 = callaway_santanna(mpdta, bootstrap=True, biters=999, seed=7)
    assert r1.bootstrap == r2.bootstrap
    b = r1.bootstrap
    an = np.array([c.se for c in r1.att_gt])
    assert np.allclose(np.array(b.att_gt_se), an, rtol=0.15)
    assert np.allclose(np.array(b.event_se), [e[2] for e in r1.event], rtol=0.15)
    assert b.overall_se == pytest.approx(r1.overall[1], rel=0.15)
    assert 2.0 < b.att_gt_crit < 4.0 and 2.0 < b.event_crit < 4.0
    r3 = callaway_santanna(mpdta, bootstrap=True, biters=999, seed=7, bootstrap_kind="rademacher")
    assert np.allclose(np.array(r3.bootstrap.att_gt_se), an, rtol=0.15)
    with pytest.raises(ValueError):
        multiplier_bootstrap(np.ones((5, 2)), 10, kind="gauss")


# --------------------------------------------------------------------------------------------
# simulations
# --------------------------------------------------------------------------------------------

T = 8
COHORTS = (3, 5, 7, 0)
DELTA = {3: 1.0, 5: 0.5, 7: 0.2}  # effect slope per period of exposure, differs by cohort


def true_att(g: int, t: int) -> float:
    return DELTA[g] * (t - g + 1) if t >= g else 0.0


def simulate(
    rng: np.random.Generator, n_per: int, sigma: float = 1.0, random_groups: bool = False
) -> pd.DataFrame:
    """Staggered panel: unit FE, common nonlinear trend, dynamic cohort-specific effects.

    ``random_groups``: draw each unit's cohort i.i.d. (uniform over COHORTS) instead of fixed
    cohort sizes ``n_per`` -- the sampling scheme the analytic SEs of the aggregates assume.
    """
    G = rng.choice(COHORTS, size=n_per * len(COHORTS)) if random_groups else np.repeat(COHORTS, n_per)
    n = len(G)
    alpha = rng.normal(0, 1, n) + 0.5 * (G > 0) + 0.1 * G  # levels may differ by cohort
    lam = np.array([0.0, 0.3, 0.1, 0.6, 0.4, 1.0, 0.8, 1.2])
    tt = np.arange(1, T + 1)
    tau_u = np.array([[true_att(g, t) if g else 0.0 for t in tt] for g in G])
    Y = alpha[:, None] + lam[None, :] + tau_u + rng.normal(0, sigma, (n, T))
    return pd.DataFrame(
        {"enhet": np.repeat(np.arange(n), T), "t": np.tile(tt, n), "y": Y.ravel(), "g": np.repeat(G, T)}
    )


def truth_simple() -> float:
    cells = [(g, t) for g in DELTA for t in range(g, T + 1)]  # equal cohort sizes -> equal pg
    return float(np.mean([true_att(g, t) for g, t in cells]))


def truth_event(e: int) -> float:
    vals = [true_att(g, g + e) for g in DELTA if 2 <= g + e <= T]
    return float(np.mean(vals))


def test_simulation_cs_recovers_truth_twfe_biased():
    rng = np.random.default_rng(20240611)
    d = simulate(rng, n_per=1500)
    for cg in ("never", "notyet"):
        res = callaway_santanna(d, cg)
        z = [(c.att - true_att(c.g, c.t)) / c.se for c in res.att_gt]
        assert np.max(np.abs(z)) < 4.0
        assert abs(res.overall[0] - truth_simple()) < 4 * res.overall[1]
        assert abs(res.overall[0] - truth_simple()) < 0.05
        for e, a, s in res.event:
            assert abs(a - truth_event(e)) < 4 * s
    # static TWFE is far off: it uses already-treated units as controls under dynamic effects
    assert truth_simple() == pytest.approx(26.6 / 12)
    assert abs(res.twfe - truth_simple()) > 0.8


@pytest.mark.slow
def test_simulation_coverage_and_bias():
    """Small Monte Carlo: CS overall ATT unbiased with ~95% analytic-CI coverage; TWFE biased.

    Cohorts are drawn at random per unit (i.i.d. sampling of units, which the influence
    function -- including its group-share term -- assumes).
    """
    rng = np.random.default_rng(11)
    est, se, cover, twfe = [], [], [], []
    for _ in range(200):
        d = simulate(rng, n_per=60, sigma=1.0, random_groups=True)
        r = callaway_santanna(d)
        est.append(r.overall[0])
        se.append(r.overall[1])
        cover.append(abs(r.overall[0] - truth_simple()) <= 1.96 * r.overall[1])
        twfe.append(r.twfe)
    est = np.array(est)
    assert abs(est.mean() - truth_simple()) < 3 * est.std() / np.sqrt(len(est))
    assert 0.85 < np.mean(se) / est.std() < 1.2
    assert 0.91 <= np.mean(cover) <= 0.99
    assert abs(np.mean(twfe) - truth_simple()) > 0.8


@pytest.mark.parametrize("cg,scn,_", SCENARIOS)
def test_group_effects_match_r_did_group_aggregation(mpdta, did_ref, cg, scn, _):
    from sif_eval.analysis.staggered import group_effects

    ref = did_ref[1]
    ref = ref[(ref.scenario == scn) & (ref.type == "group")].drop_duplicates("egt").set_index("egt")
    got = group_effects(callaway_santanna(mpdta, cg))
    assert [g for g, _, _ in got] == [2004, 2006, 2007] == sorted(ref.index)
    for g, att, se in got:
        assert att == pytest.approx(ref.loc[g, "att_egt"], abs=ATOL_ATT)
        assert se == pytest.approx(ref.loc[g, "se_egt"], abs=ATOL_SE)


def test_pretrend_test_is_calibrated_under_parallel_trends():
    """No effect before the start: the Wald test of the pre-period cells rejects about 5 % of the time."""
    from sif_eval.analysis.staggered import pretrend_test

    rng = np.random.default_rng(3)
    ps = [pretrend_test(callaway_santanna(simulate(rng, n_per=40)))[0] for _ in range(60)]
    assert 0.3 < np.mean(ps) < 0.7
    assert np.mean(np.array(ps) < 0.05) <= 0.15
    d = simulate(rng, n_per=200)
    d.loc[(d.g == 5) & (d.t <= 3), "y"] += 1.5  # the 2005 cohort jumps before its start
    p, df = pretrend_test(callaway_santanna(d))
    assert p < 1e-6 and df == 1 + 3 + 5  # pre cells t = 2..g-1 of the cohorts 3, 5 and 7
