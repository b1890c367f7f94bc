"""Honest inference through `sif-eval run`: few treated units, one treated unit, a half-exposed year, 2 + 2 schools.

Every expected figure is computed here independently: statsmodels with unit and period dummies for the
clustered and two-way fixed effects figures, and the randomisation p-value by enumerating every assignment
by hand on each unit's change (on a balanced panel the two-way fixed effects DiD of a treated set S is the
mean change in S minus the mean change outside S).
"""

from __future__ import annotations

import itertools
import json

import numpy as np
import pandas as pd
import pytest
import statsmodels.formula.api as smf
from docx import Document

from sif_eval.analysis.estimate import estimate
from sif_eval.inputs.project import load_project
from sif_eval.model import Indicator
from sif_eval.runs.project import run_project
from tests.conftest import write_project

PROJEKT = """\
projekt: Socialarbetare i skolan
diarienummer: UBN-2019-0042
ansvarig_nämnd: Utbildningsnämnden
handläggare: Test Testsson
insatsstart: 2019-07-01
indikatorer:
  - id: tre_av_fyrtio
    namn: Medelbetyg
    typ: medelvärde
    bättre: högre
    övergångsperiod: före
  - id: en_av_tjugosju
    namn: Antal orosanmälningar per 1 000 barn
    typ: medelvärde
    bättre: lägre
    övergångsperiod: före
    design: did         # auto would choose syntetisk (one treated unit, 26 comparison units, 5 years before)
  - id: halvt_ar
    namn: Antal placeringsdygn
    typ: medelvärde
    bättre: lägre
  - id: tva_och_tva
    namn: Antal orosanmälningar
    typ: antal
    bättre: lägre
"""


def _ar1(rng, n_units, n_periods, rho=0.5):
    e = np.empty((n_units, n_periods))
    e[:, 0] = rng.normal(0, 1, n_units) / np.sqrt(1 - rho**2)
    for t in range(1, n_periods):
        e[:, t] = rho * e[:, t - 1] + rng.normal(0, 1, n_units)
    return e


def _rows(ind, y, treated, periods, unit_prefix):
    out = []
    for i in range(y.shape[0]):
        for t, period in enumerate(periods):
            group = "insats" if i < treated else "jämförelse"
            out.append(f"{ind};{group};{period};{y[i, t]:.3f};{unit_prefix}{i:02d};200")  # 200 pupils a row
    return out


def _panel(seed, n_units, treated, n_periods, start, effect=0.0, level=50.0):
    rng = np.random.default_rng(seed)
    e = _ar1(rng, n_units, n_periods)
    y = rng.normal(level, 5, n_units)[:, None] + rng.normal(0, 1, n_periods)[None, :] + e
    y[:treated, start:] += effect
    return np.round(y, 3)


def build_project(root):
    years = [str(y) for y in range(2015, 2025)]
    lines = ["indikator;grupp;period;värde;enhet;antal"]
    lines += _rows("tre_av_fyrtio", _panel(1, 40, 3, 10, 5), 3, years, "S")  # seed 1: CR1 p < 0,05, no effect
    lines += _rows("en_av_tjugosju", _panel(7, 27, 1, 10, 5, effect=-4.0), 1, years, "D")
    # yearly, effect -10 from 2019-07-01: the year 2019 is half exposed (-5)
    rng = np.random.default_rng(3)
    half_years = list(range(2012, 2027))
    y = rng.normal(100, 3, 20)[:, None] + np.arange(15)[None, :] * 0.5 + rng.normal(0, 1, (20, 15))
    y[:10] += np.array([0.0 if yr < 2019 else -5.0 if yr == 2019 else -10.0 for yr in half_years])[None, :]
    lines += _rows("halvt_ar", np.round(y, 3), 10, [str(v) for v in half_years], "K")
    # 2 + 2 schools, 60 months, counts; the two treated schools get 3 fewer a month from July 2019
    rng = np.random.default_rng(11)
    months = [f"{2017 + m // 12}-{m % 12 + 1:02d}" for m in range(60)]
    base = rng.uniform(15, 25, 4)[:, None] + rng.normal(0, 1.0, (1, 60)) + rng.normal(0, 1.2, (4, 60))
    base[:2, 30:] -= 3.0
    lines += _rows("tva_och_tva", np.round(base, 1), 2, months, "Skola ")
    return write_project(root, "\n".join(lines) + "\n", PROJEKT, name="socialarbetare")


def _changes(obs: pd.DataFrame) -> pd.Series:
    m = obs.groupby(["enhet", "efter"])["varde"].mean().unstack("efter")
    return m[True] - m[False]


def _ri_p(obs: pd.DataFrame, treated: list[str]) -> float:
    ch = _changes(obs)
    k = len(treated)

    def did(s):
        return ch[list(s)].mean() - ch.drop(list(s)).mean()

    observed = abs(did(treated))
    draws = [abs(did(s)) for s in itertools.combinations(ch.index, k)]
    return float(np.mean(np.array(draws) >= observed - 1e-9))


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    root = tmp_path_factory.mktemp("inferens")
    project = build_project(root / "inputs")
    outcome = run_project(project, root / "outputs", "2022-02-02")
    result = json.loads((outcome.run_dir / "resultat.json").read_text(encoding="utf-8"))
    effects = {e["indikator"]: e for e in result["effekter"]}
    obs = load_project(project).observations
    report = "\n".join(p.text for p in Document(outcome.run_dir / "dokument" / "utvarderingsrapport.docx").paragraphs)
    return effects, obs, report


@pytest.mark.integration
def test_three_treated_of_forty_no_effect_is_not_called_an_effect(run):
    effects, obs, report = run
    e = effects["tre_av_fyrtio"]
    rows = obs[obs["indikator"] == "tre_av_fyrtio"].copy()
    rows["D"] = ((rows["grupp"] == "insats") & rows["efter"]).astype(float)
    cr1 = smf.ols("varde ~ D + C(enhet) + C(period)", rows).fit(
        cov_type="cluster", cov_kwds={"groups": pd.factorize(rows["enhet"])[0]}, use_t=True)
    assert cr1.pvalues["D"] < 0.05  # the clustered interval would have called it an effect
    assert e["inferens"] == "randomisering" and e["n_behandlade"] == 3 and e["n_jämförelse"] == 37
    assert e["p_värde"] == pytest.approx(_ri_p(rows, ["S00", "S01", "S02"]))  # every one of C(40, 3) assignments
    assert e["p_värde"] > 0.05 and e["ki_låg"] < 0 < e["ki_hög"]
    assert e["permutationer"] == 9880 and e["permutationer_exakta"] is True
    assert e["sekundär"]["kluster"]["p_värde"] < 0.05  # shown, with the reason it is not the primary
    assert "randomiseringsinferens" in e["inferens_skäl"]
    assert "Värdet för medelbetyg" in report and "är inte statistiskt säkerställd" in report
    assert "Osäkerheten bygger på randomisering över enheterna" in report


@pytest.mark.integration
def test_one_treated_among_twenty_six_gives_twfe_and_the_placebo_rank(run):
    effects, obs, _ = run
    e = effects["en_av_tjugosju"]
    rows = obs[obs["indikator"] == "en_av_tjugosju"].copy()
    rows["D"] = ((rows["grupp"] == "insats") & rows["efter"]).astype(float)
    twfe = smf.ols("varde ~ D + C(enhet) + C(period)", rows).fit()
    assert e["skattning"] == pytest.approx(twfe.params["D"], abs=1e-9)
    p = _ri_p(rows, ["D00"])
    assert e["p_värde"] == pytest.approx(p) and e["permutationer"] == 27 and e["permutationer_exakta"]
    assert round(e["p_värde"] * 27) == round(p * 27) >= 1  # a rank among 27: 1/27, 2/27, ...


@pytest.mark.integration
def test_half_exposed_year_is_left_out_and_the_effect_recovered(run):
    effects, _, report = run
    e = effects["halvt_ar"]
    assert e["övergångsperioder"] == ["2019"] and e["övergångsregel"] == "utesluten"
    assert e["ki_låg"] <= -10 <= e["ki_hög"] and abs(e["skattning"] + 10) < 1.0
    assert "Perioden 2019 började före och slutade efter insatsstart" in report


def test_counting_the_half_exposed_year_as_before_biases_towards_zero(tmp_path):
    project = build_project(tmp_path)
    obs = load_project(project).observations
    rows = obs[obs["indikator"] == "halvt_ar"].reset_index(drop=True)
    left_out = estimate(rows, Indicator(id="halvt_ar", namn="x"))
    as_before = estimate(rows, Indicator(id="halvt_ar", namn="x", övergångsperiod="före"))
    # by hand: 2019's -5 sits in the before mean of the treated (7 before years of 8): the bias is +5/8
    assert as_before.skattning - left_out.skattning == pytest.approx(5 / 8, abs=0.35)
    assert abs(left_out.skattning + 10) < abs(as_before.skattning + 10)


@pytest.mark.integration
def test_two_and_two_schools_with_sixty_months_get_an_interval_from_a_controlled_series(run):
    effects, obs, report = run
    e = effects["tva_och_tva"]
    assert e["design"] == "its_kontrollerad" and e["inferens"] == "hac"
    assert e["ki_låg"] is not None and e["ki_låg"] < -3 < e["ki_hög"] and e["ki_hög"] < 0
    assert "kontrollerad avbruten tidsserie" in e["designval"]
    # independent: the same segmented regression on the difference series with statsmodels' HAC
    rows = obs[obs["indikator"] == "tva_och_tva"]
    s = rows.groupby(["period_start", "grupp"])["varde"].mean().unstack("grupp")
    d = (s["insats"] - s["jämförelse"]).reset_index(drop=True)
    t = np.arange(60) - 30.0
    after = (t >= 0).astype(float)
    months = pd.get_dummies(s.index.month, drop_first=True).to_numpy(dtype=float)
    X = np.column_stack([np.ones(60), t, after, t * after, months])
    import statsmodels.api as sm

    ref = sm.OLS(d.to_numpy(), X).fit(cov_type="HAC", cov_kwds={"maxlags": 3, "use_correction": True}, use_t=True)
    assert e["skattning"] == pytest.approx(ref.params[2], abs=1e-9)
    assert e["ki_låg"] == pytest.approx(ref.conf_int()[2][0], abs=1e-9)
    assert "Kontrollerad avbruten tidsserie" in report
