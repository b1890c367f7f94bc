"""Tests for the statistical core: published results, simulated truths, design choice, guardrails."""

from __future__ import annotations

import dataclasses
import itertools
import json
import pathlib

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm
import statsmodels.formula.api as smf
from scipy import stats

from sif_eval.analysis.did import estimate_did
from sif_eval.analysis.estimate import choose_design, design_problems, estimate, judge_target
from sif_eval.analysis.its import hac_maxlags
from sif_eval.model import Effect, Indicator

DATA = pathlib.Path(__file__).parent / "data"


def make_obs(grupp, period_start, varde, efter, enhet=None, antal=None, period_typ="år") -> pd.DataFrame:
    """A normalized observations frame as the loader builds it."""
    n = len(varde)
    starts = pd.to_datetime(pd.Series(period_start))
    fmt = {"år": "%Y", "månad": "%Y-%m", "dag": "%Y-%m-%d", "kvartal": "%Y-%m"}[period_typ]
    return pd.DataFrame(
        {
            "indikator": "x",
            "grupp": np.broadcast_to(np.asarray(grupp, dtype=object), (n,)),
            "period": starts.dt.strftime(fmt).to_numpy(),
            "period_start": starts.to_numpy(),
            "period_typ": period_typ,
            "varde": np.asarray(varde, dtype=float),
            "enhet": None if enhet is None else np.asarray(enhet, dtype=object),
            "antal": np.nan if antal is None else np.asarray(antal, dtype=float),
            "efter": np.asarray(efter, dtype=bool),
            "rad": np.arange(2, n + 2),
        }
    )


def years(y) -> list[str]:
    return [f"{int(v)}-01-01" for v in y]


def simulate_panel(
    U=40, T=6, start=3, effect=2.0, seed=1, weights=False, drop=0.0, pretrend=0.0
) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    u = np.repeat(np.arange(U), T)
    t = np.tile(np.arange(T), U)
    treated = u < U // 2
    after = t >= start
    y = (
        rng.normal(0, 2, U)[u]
        + rng.normal(0, 1, T)[t]
        + effect * (treated & after)
        + pretrend * treated * (t - start)
        + rng.normal(0, 1, U * T)
        + rng.normal(0, 0.5, U)[u] * t / T
    )
    df = make_obs(
        np.where(treated, "insats", "jämförelse"),
        years(2015 + t),
        y,
        after,
        enhet=[f"E{i:03d}" for i in u],
        antal=rng.integers(5, 60, U * T) if weights else None,
    )
    if drop:
        df = df.sample(frac=1 - drop, random_state=seed).sort_values("rad").reset_index(drop=True)
    return df


def assert_plain(effect: Effect) -> None:
    """Every number is a plain Python int/float/None and the whole thing is strict JSON."""
    d = dataclasses.asdict(effect)
    for key in ("skattning", "standardfel", "ki_låg", "ki_hög", "p_värde", "effektmål"):
        assert d[key] is None or type(d[key]) is float, key
    assert type(d["n_obs"]) is int
    assert d["n_kluster"] is None or type(d["n_kluster"]) is int
    for k, v in effect.beskrivande:
        assert v is None or type(v) in (int, float), k
    json.dumps(d, allow_nan=False)


IND = Indicator(id="x", namn="Testindikator")


# ------------------------------------------------------------------ published results


def kielmc_obs() -> pd.DataFrame:
    k = pd.read_csv(DATA / "wooldridge_kielmc.csv")
    return make_obs(np.where(k.nearinc == 1, "insats", "jämförelse"), years(k.year), k.rprice, k.y81 == 1)


def test_wooldridge_13_3_kielmc():
    obs = kielmc_obs()
    e = estimate(obs, Indicator(id="rprice", namn="Huspris"))
    assert e.design == "did"
    assert e.skattning == pytest.approx(-11863.9, abs=0.05)
    assert e.descriptive()["standardfel_klassiskt"] == pytest.approx(7456.6, abs=0.05)
    assert e.se_typ == "robust" and e.n_obs == 321 and e.n_kluster is None
    k = pd.read_csv(DATA / "wooldridge_kielmc.csv")
    hc1 = smf.ols("rprice ~ nearinc * y81", k).fit(cov_type="HC1")
    assert e.standardfel == pytest.approx(hc1.bse["nearinc:y81"], rel=1e-10)
    assert e.ki_låg < e.skattning < e.ki_hög
    assert_plain(e)


def test_wooldridge_13_4_injury_kentucky():
    j = pd.read_csv(DATA / "wooldridge_injury_ky.csv")
    obs = make_obs(
        np.where(j.highearn == 1, "insats", "jämförelse"),
        np.where(j.afchnge == 1, "1981-01-01", "1979-01-01"),
        j.ldurat,
        j.afchnge == 1,
    )
    e = estimate(obs, IND)
    assert e.skattning == pytest.approx(0.191, abs=0.0005)
    assert e.descriptive()["standardfel_klassiskt"] == pytest.approx(0.069, abs=0.0005)
    assert e.p_värde < 0.01 and e.n_obs == 5626


# ------------------------------------------------------------------ before/after


def paired_obs(n=30, truth=-0.05, seed=7):
    rng = np.random.default_rng(seed)
    before = rng.uniform(0.2, 0.4, n)
    after = before + truth + rng.normal(0, 0.03, n)
    units = [f"skola{i}" for i in range(n)]
    return (
        make_obs(
            "insats",
            years([2020] * n + [2022] * n),
            np.r_[before, after],
            [False] * n + [True] * n,
            enhet=units + units,
        ),
        before,
        after,
    )


def test_before_after_paired_equals_mean_of_unit_differences():
    obs, before, after = paired_obs()
    e = estimate(obs, Indicator(id="x", namn="Andel", typ="andel"))
    d = e.descriptive()
    assert e.design == "före_efter" and d["parad"] == 1 and d["n_par"] == 30
    assert abs(e.skattning - float(np.mean(after - before))) < 1e-12
    t = stats.ttest_rel(after, before)
    assert e.p_värde == pytest.approx(t.pvalue, rel=1e-9)
    assert e.ki_låg < -0.05 < e.ki_hög
    assert d["wilcoxon_p"] == pytest.approx(stats.wilcoxon(after - before).pvalue)
    assert d["cohens_dz"] == pytest.approx(np.mean(after - before) / np.std(after - before, ddof=1))
    assert e.se_typ == "klassisk"
    assert any("inte en orsakseffekt" in w for w in e.varningar)
    assert_plain(e)


def test_before_after_paired_uses_unit_means_with_several_rows():
    rng = np.random.default_rng(2)
    units = np.repeat([f"u{i}" for i in range(8)], 6)
    t = np.tile(np.arange(6), 8)
    y = rng.normal(10, 1, 48) + 2.0 * (t >= 3)
    obs = make_obs("insats", years(2010 + t), y, t >= 3, enhet=units)
    e = estimate(obs, IND, design="före_efter")
    df = pd.DataFrame({"u": units, "a": t >= 3, "y": y}).groupby(["u", "a"])["y"].mean().unstack()
    assert abs(e.skattning - float(np.mean(df[True] - df[False]))) < 1e-12
    assert e.designval != ""


def test_before_after_unpaired_welch():
    rng = np.random.default_rng(3)
    b, a = rng.normal(50, 8, 40), rng.normal(55, 12, 35)
    obs = make_obs("insats", years([2019] * 40 + [2021] * 35), np.r_[b, a], [False] * 40 + [True] * 35)
    e = estimate(obs, IND)
    welch = stats.ttest_ind(a, b, equal_var=False)
    assert e.skattning == pytest.approx(a.mean() - b.mean())
    assert e.p_värde == pytest.approx(welch.pvalue, rel=1e-9)
    ci = welch.confidence_interval()
    assert (e.ki_låg, e.ki_hög) == pytest.approx((ci.low, ci.high), rel=1e-9)
    assert e.ki_låg < 5 < e.ki_hög
    d = e.descriptive()
    assert d["parad"] == 0 and "cohens_d" in d
    assert d["mann_whitney_p"] == pytest.approx(stats.mannwhitneyu(a, b).pvalue)


def test_before_after_mcnemar_for_binary_shares():
    rng = np.random.default_rng(4)
    n = 60
    before = (rng.random(n) < 0.4).astype(float)
    after = np.where(before == 1, rng.random(n) < 0.6, rng.random(n) < 0.1).astype(float)
    units = [f"p{i}" for i in range(n)]
    obs = make_obs(
        "insats",
        years([2020] * n + [2021] * n),
        np.r_[before, after],
        [False] * n + [True] * n,
        enhet=units + units,
    )
    e = estimate(obs, Indicator(id="x", namn="Andel", typ="andel"))
    worse = int(np.sum((before == 1) & (after == 0)))
    better = int(np.sum((before == 0) & (after == 1)))
    expected = stats.binomtest(min(worse, better), worse + better, 0.5).pvalue
    assert e.descriptive()["mcnemar_p"] == pytest.approx(expected)


def test_before_after_count_rate_ratio():
    obs = make_obs(
        "insats",
        years([2020] * 6 + [2021] * 6),
        [10, 12, 8, 9, 11, 10, 5, 6, 4, 5, 5, 5],
        [False] * 6 + [True] * 6,
    )
    e = estimate(obs, Indicator(id="x", namn="Antal", typ="antal"))
    assert e.descriptive()["kvot_efter_före"] == pytest.approx(5 / 10)


def test_before_after_too_few_is_descriptive_only():
    obs = make_obs("insats", years([2020, 2020, 2021, 2021]), [1, 2, 3, 4], [False, False, True, True])
    e = estimate(obs, IND)
    assert e.skattning == pytest.approx(2.0)
    assert e.standardfel is None and e.ki_låg is None and e.p_värde is None and e.se_typ is None
    assert any("utan osäkerhetsmått" in w for w in e.varningar)
    assert_plain(e)


# ------------------------------------------------------------------ difference-in-differences


def dummy_model(df: pd.DataFrame, weights: bool):
    d = df.copy()
    d["D"] = ((d.grupp == "insats") & d.efter).astype(float)
    groups = pd.factorize(d.enhet)[0]
    if weights:
        model = smf.wls("varde ~ D + C(enhet) + C(period)", d, weights=d.antal)
    else:
        model = smf.ols("varde ~ D + C(enhet) + C(period)", d)
    return model.fit(cov_type="cluster", cov_kwds={"groups": groups}), model


@pytest.mark.parametrize("weights,drop", [(False, 0.0), (True, 0.0), (False, 0.2), (True, 0.2)])
def test_panel_fe_matches_statsmodels_dummies(weights, drop):
    df = simulate_panel(weights=weights, drop=drop)
    sm_fit, model = dummy_model(df, weights)
    areg = estimate_did(df, fe_dof="areg")
    assert areg.skattning == pytest.approx(sm_fit.params["D"], abs=1e-8)
    # statsmodels' cluster correction is G/(G-1)*(N-1)/(N-K) with K = all columns incl. unit dummies (as areg)
    assert areg.standardfel == pytest.approx(sm_fit.bse["D"], abs=1e-6)
    assert areg.n_kluster == len(df.enhet.unique())
    # default: unit FE nested in the clusters, K = explicit regressors + 1 (xtreg, fe / reghdfe)
    nested = estimate_did(df)
    n, k_sm = len(df), int(model.exog.shape[1])
    k_nested = df.period.nunique() + 1  # did + (T-1) period dummies + absorbed constant
    assert nested.standardfel == pytest.approx(
        sm_fit.bse["D"] * np.sqrt((n - k_sm) / (n - k_nested)), rel=1e-9
    )
    assert nested.se_typ == "kluster"


def test_panel_did_recovers_effect_and_event_study():
    df = simulate_panel(U=200, T=6, start=3, effect=2.0, seed=5)
    e = estimate(df, IND)
    assert e.design == "did" and e.se_typ == "kluster" and e.n_kluster == 200
    assert e.ki_låg < 2.0 < e.ki_hög
    assert abs(e.skattning - 2.0) < 0.3
    d = e.descriptive()
    assert d["panel"] == 1
    assert set(k for k in d if k.startswith("es_") and not k.startswith("es_se")) == {
        "es_-3",
        "es_-2",
        "es_0",
        "es_1",
        "es_2",
    }
    assert d["pretrend_p"] > 0.05
    assert "wild_bootstrap_p" not in d
    # event-study coefficients equal the dummy regression with insats x period interactions
    x = df.copy()
    x["ins"] = (x.grupp == "insats").astype(float)
    for p in (2015, 2016, 2018, 2019, 2020):
        x[f"e{p}"] = x.ins * (x.period == str(p))
    fit = smf.ols("varde ~ e2015 + e2016 + e2018 + e2019 + e2020 + C(enhet) + C(period)", x).fit()
    assert d["es_-3"] == pytest.approx(fit.params["e2015"], abs=1e-8)
    assert d["es_1"] == pytest.approx(fit.params["e2019"], abs=1e-8)
    assert_plain(e)


def test_pretrend_rejection_warns():
    df = simulate_panel(U=200, T=6, start=3, effect=1.0, seed=8, pretrend=0.8)
    e = estimate(df, IND)
    assert e.descriptive()["pretrend_p"] < 0.05
    assert any("parallella trender" in w and "förkastas" in w for w in e.varningar)


def _unit_changes(df: pd.DataFrame) -> pd.Series:
    """Each unit's mean after minus mean before: on a balanced panel the TWFE DiD of a treated set S is
    mean(change in S) - mean(change outside S), which lets the tests enumerate assignments by hand."""
    m = df.groupby(["enhet", "efter"])["varde"].mean().unstack("efter")
    return m[True] - m[False]


def _ri_by_hand(df: pd.DataFrame, treated: list[str]) -> tuple[float, float, int]:
    changes = _unit_changes(df)
    units = list(changes.index)
    k = len(treated)

    def did(s):
        inside = changes[list(s)]
        return inside.mean() - changes.drop(list(s)).mean()

    observed = did(treated)
    stats_ = [abs(did(s)) for s in itertools.combinations(units, k)]
    p = float(np.mean(np.array(stats_) >= abs(observed) - 1e-9))
    return observed, p, len(stats_)


def test_few_units_use_randomisation_with_clustered_and_bootstrap_figures_beside():
    df = simulate_panel(U=8, T=4, start=2, effect=0.7, seed=1)
    e = estimate(df, IND)
    assert e.inferens == "randomisering" and e.n_behandlade == 4 and e.n_jämförelse == 4
    observed, p, n = _ri_by_hand(df, [f"E{i:03d}" for i in range(4)])
    assert e.skattning == pytest.approx(observed, abs=1e-10)
    assert e.p_värde == pytest.approx(p) and e.permutationer == n == 70 and e.permutationer_exakta
    assert e.standardfel is None and "randomiseringsinferens" in e.inferens_skäl
    # the clustered figures stay visible as secondary: CR1 from statsmodels with unit and period dummies
    d = df.copy()
    d["D"] = ((d.grupp == "insats") & d.efter).astype(float)
    ref = smf.ols("varde ~ D + C(enhet) + C(period)", d).fit(cov_type="cluster",
                                                               cov_kwds={"groups": pd.factorize(d.enhet)[0]})
    secondary = dict(e.sekundär)
    assert secondary["kluster"]["standardfel"] == pytest.approx(ref.bse["D"], rel=0.2)  # CR1 dof rule differs
    assert secondary["wild_bootstrap"]["vikter"] == "webb" and 0 <= secondary["wild_bootstrap"]["p_värde"] <= 1


def test_did_aggregates_without_units_uses_robust_and_period_effects():
    rng = np.random.default_rng(11)
    t = np.tile(np.arange(10), 2)
    grp = np.repeat(["insats", "jämförelse"], 10)
    y = 5 + 0.2 * t + 1.0 * (grp == "insats") + 1.5 * ((grp == "insats") & (t >= 5)) + rng.normal(0, 0.2, 20)
    obs = make_obs(grp, years(2010 + t), y, t >= 5, antal=rng.integers(50, 100, 20))
    e = estimate(obs, IND)
    assert e.se_typ == "robust" and e.n_kluster is None
    assert e.ki_låg < 1.5 < e.ki_hög
    x = obs.assign(ins=(obs.grupp == "insats").astype(float))
    x["D"] = x.ins * x.efter
    ref = smf.wls("varde ~ D + ins + C(period)", x, weights=x.antal).fit(cov_type="HC1")
    assert e.skattning == pytest.approx(ref.params["D"], abs=1e-10)
    assert e.standardfel == pytest.approx(ref.bse["D"], rel=1e-9)
    assert any("Ingen enhet" in w for w in e.varningar)


def test_did_tiny_cells_descriptive_only():
    obs = make_obs(
        ["insats", "insats", "jämförelse", "jämförelse"],
        years([2020, 2021, 2020, 2021]),
        [0.30, 0.22, 0.31, 0.29],
        [False, True, False, True],
    )
    e = estimate(obs, Indicator(id="x", namn="Andel", typ="andel", effektmål=-0.05))
    assert e.design == "did"
    assert e.skattning == pytest.approx((0.22 - 0.30) - (0.29 - 0.31))
    assert e.standardfel is None and e.p_värde is None and e.se_typ is None
    assert e.måluppfyllelse == "kan_ej_avgöras"
    assert any("konfidensintervall" in w for w in e.varningar)
    assert_plain(e)


def test_two_treated_of_forty_gets_an_exact_randomisation_p_value_and_interval():
    df = simulate_panel(U=40, T=10, start=5, effect=0.0)
    keep = (df.grupp == "jämförelse") | df.enhet.isin(["E000", "E001"])
    sub = df[keep].reset_index(drop=True)
    e = estimate(sub, IND)
    observed, p, n = _ri_by_hand(sub, ["E000", "E001"])
    assert e.inferens == "randomisering" and e.permutationer == n == 231  # C(22, 2): 2 treated, 20 comparison
    assert e.skattning == pytest.approx(observed, abs=1e-10) and e.p_värde == pytest.approx(p)
    assert e.ki_låg is not None and e.ki_låg < e.skattning < e.ki_hög


def test_panel_smoke_200k_rows():
    df = simulate_panel(U=20_000, T=10, start=5, effect=0.5, seed=3)
    e = estimate(df, IND)
    assert e.n_obs == 200_000 and e.n_kluster == 20_000
    assert abs(e.skattning - 0.5) < 0.1


# ------------------------------------------------------------------ interrupted time series


def its_obs(n_pre=24, n_post=24, level=1.5, slope=0.1, seed=3, comparison_before=False):
    rng = np.random.default_rng(seed)
    n = n_pre + n_post
    t = np.arange(n)
    after = t >= n_pre
    e = np.zeros(n)
    noise = rng.normal(0, 0.3, n)
    for i in range(n):  # AR(1) errors, which HAC is there for
        e[i] = (0.4 * e[i - 1] if i else 0) + noise[i]
    y = 10 + 0.05 * t + level * after + slope * (t - n_pre) * after + 0.8 * np.sin(2 * np.pi * t / 12) + e
    months = pd.date_range("2018-01-01", periods=n, freq="MS")
    obs = make_obs("insats", months, y, after, period_typ="månad")
    if comparison_before:
        extra = make_obs("jämförelse", months[:n_pre], y[:n_pre] + 1, after[:n_pre], period_typ="månad")
        obs = pd.concat([obs, extra], ignore_index=True)
    return obs


def test_its_recovers_level_change_with_hac():
    obs = its_obs()
    e = estimate(obs, IND)
    assert e.design == "its" and e.se_typ == "hac"
    assert e.ki_låg < 1.5 < e.ki_hög
    d = e.descriptive()
    assert d["lutningsförändring_ki_låg"] < 0.1 < d["lutningsförändring_ki_hög"]
    assert d["säsong"] == 1 and d["hac_maxlags"] == hac_maxlags(48) == 3
    assert e.n_obs == 48 and d["n_perioder_före"] == 24
    # cross-check against statsmodels directly
    t = np.arange(48.0) - 24
    after = (t >= 0).astype(float)
    month = pd.get_dummies(pd.Series(obs.period_start).dt.month, drop_first=True).astype(float).to_numpy()
    X = np.column_stack([np.ones(48), t, after, t * after, month])
    ref = sm.OLS(obs.varde.to_numpy(), X).fit(
        cov_type="HAC", cov_kwds={"maxlags": 3, "use_correction": True}, use_t=True
    )
    assert e.skattning == pytest.approx(ref.params[2], abs=1e-9)
    assert e.standardfel == pytest.approx(ref.bse[2], rel=1e-9)
    cf = X.copy()
    cf[:, 2:4] = 0
    assert d["kumulativ_skillnad"] == pytest.approx(
        float(np.sum((obs.varde.to_numpy() - cf @ ref.params)[24:]))
    )
    assert_plain(e)


def test_its_short_series_caution_and_fallback():
    short = its_obs(n_pre=5, n_post=5)
    e = estimate(short, Indicator(id="x", namn="x", design="its"))
    assert e.design == "its" and any("försiktighet" in w for w in e.varningar)
    too_short = its_obs(n_pre=2, n_post=6)
    forced = Indicator(id="x", namn="x", design="its")
    e = estimate(too_short, forced)
    assert e.design == "its" and e.skattning is None  # never silently replaced by another design
    assert any("Avbruten tidsserie kräver" in w for w in e.varningar)
    (problem,) = design_problems(too_short.assign(indikator="x"), [forced])
    assert problem.file == "projekt.yaml" and problem.column == "indikatorer[1].design"
    assert "kräver minst 3 perioder" in problem.message and "före_efter" in problem.hint


# ------------------------------------------------------------------ design choice


def test_auto_chooses_did():
    design, reason = choose_design(kielmc_obs(), IND)
    assert design == "did" and "skillnad-i-skillnader" in reason


def test_auto_chooses_its_when_comparison_only_before():
    design, reason = choose_design(its_obs(comparison_before=True), IND)
    assert design == "its" and "avbruten tidsserie" in reason and "Jämförelsegruppen" in reason


def test_auto_chooses_before_after():
    obs, _, _ = paired_obs()
    design, reason = choose_design(obs, IND)
    assert design == "före_efter" and "före och efter" in reason
    design, _ = choose_design(its_obs(n_pre=7, n_post=20), IND)
    assert design == "före_efter"


def test_forced_design_and_infeasible_fallback():
    ind = Indicator(id="x", namn="x", design="före_efter")
    assert choose_design(kielmc_obs(), ind) == ("före_efter", "Designen är vald i projekt.yaml.")
    e = estimate(kielmc_obs(), ind)
    assert e.design == "före_efter" and e.designval == "Designen är vald i projekt.yaml."
    obs, _, _ = paired_obs()
    forced = Indicator(id="x", namn="x", design="did")
    e = estimate(obs, forced)
    assert e.design == "did" and e.skattning is None and any("Skillnad-i-skillnader kräver" in w for w in e.varningar)
    (problem,) = design_problems(obs.assign(indikator="x"), [forced])
    assert "'did' kan inte användas" in problem.message and "före_efter" in problem.hint


def test_no_data_after_gives_empty_effect():
    obs = make_obs("insats", years([2019] * 6), np.arange(6.0), [False] * 6)
    e = estimate(obs, IND)
    assert e.skattning is None and e.standardfel is None
    assert any("Ingen effekt kan skattas" in w for w in e.varningar)
    assert_plain(e)


# ------------------------------------------------------------------ targets


@pytest.mark.parametrize(
    "lo,hi,target,better,expected",
    [
        (-0.09, -0.06, -0.05, "lägre", "uppnått"),
        (-0.09, -0.05, -0.05, "lägre", "uppnått"),
        (-0.04, -0.01, -0.05, "lägre", "ej_uppnått"),
        (-0.08, -0.02, -0.05, "lägre", "kan_ej_avgöras"),
        (1.2, 2.0, 1.0, "högre", "uppnått"),
        (0.1, 0.9, 1.0, "högre", "ej_uppnått"),
        (0.5, 1.5, 1.0, "högre", "kan_ej_avgöras"),
        (None, None, 1.0, "högre", "kan_ej_avgöras"),
    ],
)
def test_judge_target(lo, hi, target, better, expected):
    est = None if lo is None else (lo + hi) / 2
    assert judge_target(est, lo, hi, target, better) == expected


def test_no_target_gives_none_and_effect_carries_judgement():
    assert judge_target(1.0, 0.5, 1.5, None, "högre") is None
    obs, _, _ = paired_obs(truth=-0.08)
    e = estimate(obs, Indicator(id="x", namn="x", typ="andel", bättre="lägre", effektmål=-0.05))
    assert e.måluppfyllelse == "uppnått" and e.effektmål == -0.05
    e = estimate(obs, Indicator(id="x", namn="x", typ="andel", bättre="högre", effektmål=0.01))
    assert e.måluppfyllelse == "ej_uppnått"
