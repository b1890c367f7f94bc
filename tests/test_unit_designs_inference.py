"""Issue 14's honest inference in issue 17's designs, and how the two design rules meet.

stegvis with few units: randomisation over units (the observed start dates re-assigned to other
units), checked against a brute-force enumeration that calls the Callaway & Sant'Anna core itself
for every assignment; the interval against the same brute force at its ends; the size of the test
by simulation (slow).  syntetisk: the placebo inference recorded in the Effect and worded in Swedish.
auto: one treated unit among many goes to syntetisk, not did.  Transition periods: a unit's own
start defines them, and the unit designs keep a complete panel.
"""

from __future__ import annotations

import itertools

import numpy as np
import pandas as pd
import pytest

from sif_eval.analysis.estimate import choose_design, design_problems, estimate, planned_inference
from sif_eval.analysis.staggered import callaway_santanna
from sif_eval.analysis.staggered_ri import staggered_randomization
from sif_eval.documents import texts
from sif_eval.inputs.project import load_project
from sif_eval.model import Indicator
from tests.conftest import write_project

IND = Indicator(id="x", namn="Frånvaro", typ="medelvärde")
MONTHS = pd.date_range("2018-01-01", periods=8, freq="MS")


def small_staggered(seed: int, starts=(3, 3, 5, 6), n_never: int = 6, effect: float = 0.0) -> pd.DataFrame:
    """Loader-shaped rows: a few treated units with their own start (1-based period), some never treated."""
    rng = np.random.default_rng(seed)
    rows = []
    gs = list(starts) + [0] * n_never
    for i, g in enumerate(gs):
        level = rng.normal(0, 1)
        for k, ts in enumerate(MONTHS, start=1):
            y = level + 0.2 * k + rng.normal(0, 1) + (effect if g and k >= g else 0.0)
            rows.append({"indikator": "x", "grupp": "insats" if g else "jämförelse", "period": ts.strftime("%Y-%m"),
                         "period_start": ts, "period_typ": "månad", "varde": y, "enhet": f"S{i:02d}",
                         "antal": np.nan, "rad": 0, "efter": bool(k >= (g or min(starts))),
                         "start": MONTHS[g - 1] if g else pd.NaT})
    return pd.DataFrame(rows)


def _long(obs: pd.DataFrame) -> pd.DataFrame:
    t = {ts: k for k, ts in enumerate(MONTHS, start=1)}
    g = obs.groupby("enhet")["start"].first().map(lambda s: 0 if pd.isna(s) else t[s])
    return pd.DataFrame({"enhet": obs["enhet"], "t": obs["period_start"].map(t), "y": obs["varde"],
                         "g": obs["enhet"].map(g)})


def _brute_force_stats(long: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """The CS core's overall ATT of y and of the actual treated-after indicator, for every distinct arrangement.

    The actual arrangement comes first.  The estimator is linear in y, so the estimate with a
    constant effect tau removed is ``b - tau * c`` for every arrangement.
    """
    g_unit = long.groupby("enhet")["g"].first()
    units = list(g_unit.index)
    d = ((long["g"] > 0) & (long["t"] >= long["g"])).astype(float)
    actual = tuple(g_unit.to_numpy())
    seen, b, c = set(), [], []
    for perm in [actual, *itertools.permutations(actual)]:
        if perm in seen:
            continue
        seen.add(perm)
        g = long["enhet"].map(dict(zip(units, perm, strict=True)))
        b.append(callaway_santanna(long.assign(g=g), "never").overall[0])
        c.append(callaway_santanna(long.assign(g=g, y=d), "never").overall[0])
    return np.array(b), np.array(c)


def _p(b: np.ndarray, c: np.ndarray, tau: float = 0.0) -> float:
    stat = np.abs(b - tau * c)
    return float(np.mean(stat >= stat[0] - 1e-9 * stat.max()))


def test_stegvis_with_few_units_is_tested_by_randomisation_over_units():
    obs = small_staggered(seed=3, starts=(3, 5, 6), n_never=4, effect=1.5)  # 7!/4! = 210 arrangements
    e = estimate(obs, IND)
    assert e.design == "stegvis"
    b, c = _brute_force_stats(_long(obs))
    assert c[0] == pytest.approx(1.0)  # the actual assignment recovers a unit effect exactly
    assert e.skattning == pytest.approx(b[0], abs=1e-10)
    assert e.inferens == "randomisering" and e.p_värde == pytest.approx(_p(b, c), abs=1e-12)
    assert e.permutationer == 210 and e.permutationer_exakta is True and e.frö is None
    assert e.n_behandlade == 3 and e.n_jämförelse == 4
    assert e.standardfel is None  # no standard error lies behind a randomisation interval
    secondary = dict(e.sekundär)["kluster"]
    assert secondary["standardfel"] > 0 and secondary["n_kluster"] == 7
    assert "starttiderna lottas om" in e.inferens_skäl
    assert not any("Standardfelet bygger på att många enheter ingår" in w for w in e.varningar)
    sentence = texts.inference_sentence(e)
    assert sentence.startswith("Osäkerheten bygger på randomisering över enheterna.")
    assert "klustrade standardfel ger" in sentence  # the secondary figure, named


def test_stegvis_randomisation_interval_inverts_the_same_test():
    obs = small_staggered(seed=11, starts=(3, 5, 6), n_never=5, effect=2.0)  # 8!/5! = 336 arrangements
    ri = staggered_randomization(_long(obs), "never")
    assert ri.exact and ri.n_assignments == 336 and ri.ci_low is not None and ri.ci_high is not None
    b, c = _brute_force_stats(_long(obs))
    assert len(b) == 336 and _p(b, c) == pytest.approx(ri.p_value)
    eps = 1e-6 * max(1.0, abs(ri.ci_high - ri.ci_low))
    for end, outward in ((ri.ci_low, -eps), (ri.ci_high, eps)):
        assert _p(b, c, end - outward) > 0.05  # just inside: not rejected
        assert _p(b, c, end + outward) <= 0.05  # just outside: rejected


def test_stegvis_with_many_units_keeps_clustered_errors():
    obs = small_staggered(seed=5, starts=(3,) * 5 + (5,) * 5 + (6,) * 5, n_never=12)
    e = estimate(obs, IND)
    assert e.design == "stegvis" and e.inferens == "kluster" and e.standardfel is not None
    assert e.n_behandlade == 15 and e.n_jämförelse == 12 and e.permutationer is None
    assert "klustrade standardfel är tillförlitliga" in e.inferens_skäl


def test_planned_inference_names_the_unit_designs_inference():
    few = small_staggered(seed=1)
    assert "randomisering över enheterna (starttiderna lottas om" in planned_inference(few, IND)


@pytest.mark.slow
def test_stegvis_randomisation_holds_its_size_where_clustered_errors_do_not():
    """No effect, 3 treated of 10: rejection at 5 % by randomisation near 5 %, by CR1 well above."""
    reps, ri_rej, cr_rej = 400, 0, 0
    for r in range(reps):
        obs = small_staggered(seed=1000 + r, starts=(3, 5, 6), n_never=7)
        e = estimate(obs, IND)
        ri_rej += e.p_värde <= 0.05
        cr_rej += dict(e.sekundär)["kluster"]["p_värde"] <= 0.05
    assert ri_rej / reps < 0.085  # 5 % with a binomial margin (sd 1,1 %)
    assert cr_rej / reps > ri_rej / reps


# ---------------------------------------------------------------- syntetisk: placebo inference


def one_treated(n_comparison: int, n_pre: int = 6, n_post: int = 4, seed: int = 2) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    periods = pd.period_range("2016Q1", periods=n_pre + n_post, freq="Q")
    rows = []
    for j in range(n_comparison + 1):
        level = rng.normal(10, 2)
        for k, per in enumerate(periods):
            rows.append({"indikator": "x", "grupp": "insats" if j == 0 else "jämförelse",
                         "period": str(per).replace("Q", "-Q"), "period_start": per.start_time,
                         "period_typ": "kvartal", "varde": level + 0.1 * k + rng.normal(0, 0.5),
                         "enhet": f"O{j:02d}", "antal": np.nan, "rad": 0, "efter": k >= n_pre,
                         "start": periods[n_pre].start_time if j == 0 else pd.NaT})
    return pd.DataFrame(rows)


def test_one_treated_unit_among_many_gets_synthetic_control_not_did():
    obs = one_treated(n_comparison=20)  # 1 of 21: issue 14's rule alone would give did with randomisation
    design, reason = choose_design(obs, IND)
    assert design == "syntetisk"
    assert "20 jämförelseenheter" in reason and "standardmetoden" in reason
    e = estimate(obs, IND)
    assert e.inferens == "placebo" and e.permutationer == 20 and e.permutationer_exakta is True
    assert e.n_behandlade == 1 and e.n_jämförelse == 20 and e.standardfel is None and e.ki_låg is None
    rank = e.descriptive()["placebo_rang"]
    assert e.p_värde == pytest.approx(rank / 21)
    sentence = texts.inference_sentence(e)
    assert ("Osäkerheten bygger på placebo i rummet: varje jämförelseenhet i tur och ordning som låtsad "
            "insatsenhet (20\u00a0placebon).") in sentence
    assert "inte bli lägre än 1/21" in sentence
    assert "placebo i rummet" in planned_inference(obs, IND)
    # a forced did on the same data still runs with issue 14's randomisation
    forced = estimate(obs, Indicator(id="x", namn="Frånvaro", design="did"))
    assert forced.design == "did" and forced.inferens == "randomisering" and forced.permutationer == 21


def test_synthetic_target_sentence_does_not_claim_an_interval():
    e = estimate(one_treated(n_comparison=8), Indicator(id="x", namn="Frånvaro", effektmål=-1.0))
    assert e.design == "syntetisk" and e.måluppfyllelse == "kan_ej_avgöras"
    sentence = texts.target_sentence(e)
    assert "utifrån konfidensintervallet" not in sentence
    assert "syntetisk kontroll ger inget konfidensintervall" in sentence


def test_too_few_comparison_units_for_synthetic_falls_back_to_issue_14s_rules():
    obs = one_treated(n_comparison=4, n_pre=10, n_post=10)
    design, _ = choose_design(obs, IND)
    assert design == "its_kontrollerad"  # 1 + 4 units: randomisation cannot answer, the series is long
    (p,) = design_problems(obs, [Indicator(id="x", namn="x", design="syntetisk")])
    assert "minst 5 jämförelseenheter" in p.message


def test_did_on_staggered_starts_with_few_units_warns_instead_of_failing():
    obs = small_staggered(seed=4, starts=(3, 5), n_never=1)  # stegvis needs 2 never-treated units
    e = estimate(obs, Indicator(id="x", namn="x", design="did"))
    assert e.design == "did" and e.skattning is not None
    assert any("startar vid olika tidpunkter och randomiseringen förutsätter en gemensam start" in w
               for w in e.varningar)


# ---------------------------------------------------------------- transition periods per unit

YAML = """\
projekt: P
diarienummer: D-1
ansvarig_nämnd: N
handläggare: H
insatsstart: 2019-01-01
indikatorer:
  - id: x
    namn: X
    typ: medelvärde
    övergångsperiod: {rule}
"""


def _csv() -> str:
    """Quarters 2018-Q1..2020-Q4; two treated units start mid-quarter (own start), four never."""
    rng = np.random.default_rng(8)
    lines = ["indikator;grupp;period;enhet;start;värde"]
    starts = {"A": "2019-02-15", "B": "2019-08-15"}
    for unit in ["A", "B", "K1", "K2", "K3", "K4"]:
        grp = "insats" if unit in starts else "jämförelse"
        for y in (2018, 2019, 2020):
            for q in range(1, 5):
                lines.append(f"x;{grp};{y}-Q{q};{unit};{starts.get(unit, '')};{rng.normal(5, 1):.3f}")
    return "\n".join(lines) + "\n"


def test_a_units_own_start_defines_its_transition_period(tmp_path):
    obs = load_project(write_project(tmp_path, _csv(), YAML.format(rule="utesluten"))).observations
    flagged = obs[obs["overgang"]].groupby("enhet")["period"].apply(list).to_dict()
    assert flagged == {"A": ["2019-Q1"], "B": ["2019-Q3"]}  # comparison units: insatsstart is a quarter's first day


@pytest.mark.parametrize("rule,periods,first_after", [
    ("utesluten", 10, {"A": "2019-Q2", "B": "2019-Q4"}),  # both transition quarters left out for every unit
    ("före", 12, {"A": "2019-Q2", "B": "2019-Q4"}),
    ("efter", 12, {"A": "2019-Q1", "B": "2019-Q3"}),
])
def test_unit_designs_keep_a_complete_panel_under_every_transition_rule(tmp_path, rule, periods, first_after):
    loaded = load_project(write_project(tmp_path, _csv(), YAML.format(rule=rule)))
    ind = loaded.project.indikatorer[0]
    e = estimate(loaded.observations, Indicator(id="x", namn="X", design="stegvis", jämförelse="aldrig_behandlade",
                                                övergångsperiod=ind.övergångsperiod))
    d = e.descriptive()
    assert e.design == "stegvis" and d["n_perioder"] == periods and d["n_enheter"] == 6
    assert d["n_ofullständiga_enheter"] == 0
    assert [c.start for c in e.kohorter] == [first_after["A"], first_after["B"]]
    if rule == "utesluten":
        assert e.övergångsperioder == ("2019-K1", "2019-K3") and e.övergångsregel == "utesluten"
        assert any("ingår därför inte i skattningen, för någon enhet" in w for w in e.varningar)


# ---------------------------------------------------------------- economics: both designs have a counterfactual


@pytest.mark.parametrize("design,name", [("stegvis", "stegvis design"), ("syntetisk", "syntetisk kontroll")])
def test_unit_designs_take_no_deadweight_and_are_named(design, name):
    from sif_eval.economics.assumptions import design_name
    from sif_eval.economics.model import BenefitItem

    post = BenefitItem(namn="n", effekt=1.0, antal_personer=1, enhetskostnad=1.0, bärare="Socialnämnden",
                       start_år=2021, källa="indikator", indikator="x", design=design)
    assert post.counterfactual and design_name(design) == name
    assert post.konservativ_effekt == 0.0  # an estimate without an interval is never counted on in the plan
