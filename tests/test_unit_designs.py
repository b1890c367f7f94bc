"""The staggered design (stegvis) and synthetic control (syntetisk) in the package (issue 17).

Start per unit in the loader, the choice of design, refusal of a forced design the data cannot
support, the mapping into Effect and resultat.json, and simulations with known heterogeneous
effects where the staggered design recovers the truth and two-way fixed effects do not.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from sif_eval import swedish
from sif_eval.analysis.did import estimate_did
from sif_eval.analysis.estimate import choose_design, estimate
from sif_eval.documents import texts
from sif_eval.errors import InputError
from sif_eval.inputs.project import load_project
from sif_eval.model import Indicator, ProjectResult
from sif_eval.runs.overview import describe
from sif_eval.runs.project import load_checked
from tests.conftest import INPUTS, write_project

TERMS = pd.date_range("2018-01-01", periods=8, freq="6MS")  # 2018-01, 2018-07, ... as month periods
IND = Indicator(id="x", namn="Andel elever med hög frånvaro", typ="medelvärde")
COHORT_SLOPE = {3: -1.0, 5: -0.5, 7: -0.2}  # effect grows by this per period of exposure, differs by cohort


def true_att(g: int, t: int) -> float:
    return COHORT_SLOPE[g] * (t - g + 1) if g and t >= g else 0.0


def staggered_obs(rng: np.random.Generator, n_per: int = 60, cohorts=(3, 5, 7, 0)) -> pd.DataFrame:
    """Loader-shaped rows: units in cohorts starting at period g (1-based; 0 = comparison), dynamic effects."""
    rows = []
    cohorts_g = [g for g in cohorts if g]  # comparison rows are "efter" from the first start, as the loader does
    trend = np.array([0.0, 0.3, 0.1, 0.6, 0.4, 1.0, 0.8, 1.2])
    for c, g in enumerate(cohorts):
        for i in range(n_per):
            unit = f"U{c}_{i:03d}"
            level = rng.normal(0, 1) + 0.3 * (g > 0) + 0.05 * g
            start = TERMS[g - 1] if g else pd.NaT
            for k, ts in enumerate(TERMS, start=1):
                y = level + trend[k - 1] + true_att(g, k) + rng.normal(0, 1)
                rows.append({"indikator": "x", "grupp": "insats" if g else "jämförelse", "period": ts.strftime("%Y-%m"),
                             "period_start": ts, "period_typ": "månad", "varde": y, "enhet": unit,
                             "antal": np.nan, "rad": 0, "efter": bool(k >= (g or min(cohorts_g))), "start": start})
    return pd.DataFrame(rows)


def truth_overall(cohorts=(3, 5, 7)) -> float:
    cells = [true_att(g, t) for g in cohorts for t in range(g, len(TERMS) + 1)]  # equal cohort sizes
    return float(np.mean(cells))


def synthetic_obs(rng: np.random.Generator, n_donors: int = 12, n_pre: int = 12, n_post: int = 6,
                  effect: float = -2.0) -> pd.DataFrame:
    """One treated district built from three donors (inside their hull), plus an effect after the start."""
    n = n_pre + n_post
    f = np.vstack([np.ones(n), np.arange(n) / n, np.cumsum(rng.normal(0, 0.4, n))])
    load = rng.uniform(0.5, 2.0, size=(3, n_donors)) * np.array([[5], [1], [1]])
    donors = (f.T @ load) + rng.normal(0, 0.05, (n, n_donors))
    treated = f.T @ (load[:, :3] @ np.array([0.5, 0.3, 0.2])) + rng.normal(0, 0.05, n)
    treated[n_pre:] += effect
    periods = pd.period_range("2015Q1", periods=n, freq="Q")
    rows = []
    for j, name in enumerate(["Insatsområdet"] + [f"Område {k:02d}" for k in range(n_donors)]):
        path = treated if j == 0 else donors[:, j - 1]
        for k, per in enumerate(periods):
            ts = per.start_time
            rows.append({"indikator": "x", "grupp": "insats" if j == 0 else "jämförelse", "period": str(per).replace("Q", "-Q"),
                         "period_start": ts, "period_typ": "kvartal", "varde": float(path[k]), "enhet": name,
                         "antal": 5000.0, "rad": 0, "efter": k >= n_pre,
                         "start": periods[n_pre].start_time if j == 0 else pd.NaT})
    return pd.DataFrame(rows)


# ---------------------------------------------------------------- simulations with known effects


def test_staggered_design_recovers_heterogeneous_effects_where_twfe_does_not():
    rng = np.random.default_rng(20240611)
    obs = staggered_obs(rng, n_per=250)
    e = estimate(obs, IND)
    assert e.design == "stegvis" and e.se_typ == "kluster" and e.n_kluster == 1000
    truth = truth_overall()
    assert truth == pytest.approx(-26.6 / 12)
    assert abs(e.skattning - truth) < 3 * e.standardfel
    assert e.ki_låg < truth < e.ki_hög
    twfe = e.descriptive()["twfe"]
    assert abs(twfe - truth) > 0.8  # already-treated units act as controls while effects grow
    assert abs(twfe - truth) > 10 * e.standardfel
    # every cohort and every event time near its own truth
    for c in e.kohorter:
        g = {"2019-01": 3, "2020-01": 5, "2021-01": 7}[c.start]
        cohort_truth = np.mean([true_att(g, t) for t in range(g, 9)])
        assert abs(c.skattning - cohort_truth) < 4 * c.standardfel
        assert c.n_enheter == 250
    for ev in e.händelsetid:
        vals = [true_att(g, g + ev.händelsetid) for g in COHORT_SLOPE if 2 <= g + ev.händelsetid <= 8]
        assert abs(ev.skattning - np.mean(vals)) < 4 * ev.standardfel
        assert ev.ki_låg < ev.skattning < ev.ki_hög
    assert e.descriptive()["pretrend_p"] > 0.001


def test_not_yet_treated_comparison_without_never_treated_units():
    rng = np.random.default_rng(5)
    obs = staggered_obs(rng, n_per=300, cohorts=(3, 5, 7))
    ind = Indicator(id="x", namn="X", jämförelse="ännu_ej_behandlade")
    assert choose_design(obs, ind)[0] == "stegvis"
    e = estimate(obs, ind)
    # the last cohort (7) only serves as comparison; periods from 7 on are left out
    assert [c.start for c in e.kohorter] == ["2019-01", "2020-01"]
    truth = np.mean([true_att(g, t) for g in (3, 5) for t in range(g, 7)])
    assert abs(e.skattning - truth) < 3 * e.standardfel
    never = Indicator(id="x", namn="X")
    design, reason = choose_design(obs, never)
    assert design != "stegvis" and "jämförelse: ännu_ej_behandlade" in reason


def test_synthetic_control_recovers_a_known_effect_with_placebo_inference():
    rng = np.random.default_rng(11)
    obs = synthetic_obs(rng)
    design, reason = choose_design(obs, IND)
    assert design == "syntetisk" and "Insatsområdet" in reason and "12 jämförelseenheter" in reason
    e = estimate(obs, IND)
    assert e.skattning == pytest.approx(-2.0, abs=0.25)
    assert e.standardfel is None and e.ki_låg is None and e.ki_hög is None and e.se_typ is None
    assert e.p_värde == pytest.approx(1 / 13)  # the largest post/pre ratio of 13 units
    assert e.måluppfyllelse is None
    assert sum(w.vikt for w in e.donatorvikter) == pytest.approx(1.0)
    assert all(w.vikt >= 0 for w in e.donatorvikter)
    assert len(e.placebo) == 12 and all(len(p.skillnader) == 18 for p in e.placebo)
    assert [p.efter for p in e.syntetisk_bana] == [False] * 12 + [True] * 6
    gaps = [p.insats - p.syntetisk for p in e.syntetisk_bana if p.efter]
    assert e.skattning == pytest.approx(np.mean(gaps))
    assert any("inget konfidensintervall" in w for w in e.varningar)
    assert any("1/13" in w for w in e.varningar)  # the smallest possible p-value
    assert e.insatsenhet == "Insatsområdet"


def test_synthetic_needs_enough_donors_and_pre_periods():
    rng = np.random.default_rng(2)
    few_donors = synthetic_obs(rng, n_donors=4)
    assert choose_design(few_donors, IND)[0] == "did"
    few_pre = synthetic_obs(rng, n_pre=4)
    assert choose_design(few_pre, IND)[0] == "did"
    forced = Indicator(id="x", namn="X", design="syntetisk")
    from sif_eval.analysis.estimate import design_problems

    (p,) = design_problems(few_donors, [forced])
    assert "minst 5 jämförelseenheter" in p.message and p.column == "indikatorer[1].design"
    assert "Med design: auto väljer sif-eval did" in p.hint
    assert "minst 5 perioder före start" in design_problems(few_pre, [forced])[0].message
    assert design_problems(synthetic_obs(rng), [forced]) == []


def test_twfe_benchmark_equals_the_did_module_on_the_same_panel():
    """The benchmark TWFE (own code) against the package's DiD engine with per-unit 'efter' (= D_it)."""
    rng = np.random.default_rng(9)
    obs = staggered_obs(rng, n_per=30)
    e = estimate(obs, IND)
    did = estimate_did(obs)
    assert e.descriptive()["twfe"] == pytest.approx(did.skattning, abs=1e-9)
    assert e.descriptive()["twfe_se"] == pytest.approx(did.standardfel, rel=1e-6)


def test_effect_details_survive_resultat_json():
    rng = np.random.default_rng(1)
    effects = (estimate(staggered_obs(rng, n_per=20), IND), estimate(synthetic_obs(rng), IND))
    result = ProjectResult(projekt="P", diarienummer="D", slug="s", ansvarig_nämnd="N", handläggare="H",
                           insatsstart="2019-01-01", rapportdatum="2022-01-01", effekter=effects)
    data = json.loads(json.dumps(result.to_dict()))
    assert ProjectResult.from_dict(data).effekter == effects
    stag, synth = data["effekter"]
    assert stag["kohorter"][0].keys() == {"start", "n_enheter", "skattning", "standardfel"}
    assert "donatorvikter" not in stag and "insatsenhet" not in stag  # other designs' keys only when used
    assert synth["donatorvikter"][0].keys() == {"enhet", "vikt"}


def test_result_sentences():
    rng = np.random.default_rng(1)
    stag = estimate(staggered_obs(rng, n_per=100), IND)
    text = texts.effect_sentence(stag)
    assert text.startswith("Andelen elever med hög frånvaro minskade med ") and "mer i enheterna med insatsen" in text
    assert "95\u00a0%\u00a0KI" in text
    synth = estimate(synthetic_obs(rng), IND)
    text = texts.effect_sentence(synth)
    magnitude = swedish.decimal(abs(synth.skattning), 1)
    assert f"i Insatsområdet i genomsnitt {magnitude} lägre än i dess syntetiska kontroll" in text
    assert "1 av 13 enheter" in text and "inte statistiskt säkerställd" in text
    assert texts.design_name("stegvis") == "Stegvis införande"
    assert "placebotest" in texts.design_limits("syntetisk")
    assert "TWFE" in texts.design_limits("stegvis")


# ---------------------------------------------------------------- the loader: start per unit

YAML = """\
projekt: Test
diarienummer: KSN-2020-0001
ansvarig_nämnd: Utbildningsnämnden
handläggare: T
insatsstart: 2019-08-01
indikatorer:
  - id: x
    namn: Frånvaro
    typ: medelvärde
    bättre: lägre
    design: {design}
"""


def _csv(with_start: bool = True, bad: dict[int, str] | None = None) -> str:
    lines = ["indikator;grupp;period;enhet;start;värde" if with_start else "indikator;grupp;period;enhet;värde"]
    starts = {"A": "2019-08", "B": "2020-01", "C": ""}
    n = 0
    for unit, grp in (("A", "insats"), ("B", "insats"), ("C", "insats"), ("K1", "jämförelse"), ("K2", "jämförelse")):
        for per in ("2019-01", "2019-08", "2020-01", "2020-08"):
            n += 1
            start = (bad or {}).get(n + 1, starts.get(unit, ""))
            lines.append(f"x;{grp};{per};{unit};{start};{n % 7}" if with_start else f"x;{grp};{per};{unit};{n % 7}")
    return "\n".join(lines) + "\n"


def test_start_column_gives_each_unit_its_start(tmp_path):
    d = write_project(tmp_path, _csv(), YAML.format(design="auto"))
    obs = load_project(d).observations
    start = obs.groupby("enhet")["start"].first()
    assert start["A"] == pd.Timestamp("2019-08-01") and start["B"] == pd.Timestamp("2020-01-01")
    assert start["C"] == pd.Timestamp("2019-08-01")  # insats without its own start: insatsstart
    assert pd.isna(start["K1"]) and pd.isna(start["K2"])  # comparison units are never treated
    b = obs[obs["enhet"] == "B"].set_index("period")["efter"]
    assert list(b) == [False, False, True, True]
    k = obs[obs["enhet"] == "K1"].set_index("period")["efter"]
    assert list(k) == [False, True, True, True]  # a comparison group's "efter" still follows insatsstart


@pytest.mark.parametrize("bad,row,column,phrase", [
    ({2: "augusti"}, 2, "start", "startdatumet 'augusti' är ogiltigt"),
    ({3: "2019-09"}, 3, "start", "enheten 'A' har startdatum 2019-09-01 här men 2019-08-01 på rad 2"),
    ({14: "2020-01"}, 14, "start", "enheten 'K1' är i jämförelsegruppen men har ett eget startdatum"),
])
def test_bad_starts_are_named_by_file_row_and_column(tmp_path, bad, row, column, phrase):
    d = write_project(tmp_path, _csv(bad=bad), YAML.format(design="auto"))
    with pytest.raises(InputError) as err:
        load_project(d)
    text = str(err.value)
    assert f"utfall.csv, rad {row}, kolumn '{column}'" in text
    assert phrase in text


def test_starter_csv_and_its_problems(tmp_path):
    d = write_project(tmp_path, _csv(with_start=False), YAML.format(design="auto"))
    (d / "starter.csv").write_text("enhet;start\nA;2019-08\nB;2020-01\n", encoding="utf-8")
    loaded = load_project(d)
    start = loaded.observations.groupby("enhet")["start"].first()
    assert start["B"] == pd.Timestamp("2020-01-01") and start["C"] == pd.Timestamp("2019-08-01")
    assert d / "starter.csv" in loaded.files
    (d / "starter.csv").write_text("enhet;start\nA;2019-08\nX9;2020-01\nK2;2020-01\n", encoding="utf-8")
    with pytest.raises(InputError) as err:
        load_project(d)
    text = str(err.value)
    assert "starter.csv, rad 3, kolumn 'enhet'" in text and "'X9' finns inte i utfall" in text
    assert "starter.csv, rad 4, kolumn 'start'" in text and "jämförelsegruppen" in text
    d2 = write_project(tmp_path / "b", _csv(), YAML.format(design="auto"))
    (d2 / "starter.csv").write_text("enhet;start\nA;2019-08\n", encoding="utf-8")
    with pytest.raises(InputError, match="både starter.csv och kolumnen start"):
        load_project(d2)


def test_a_forced_design_the_data_cannot_support_is_refused_before_anything_runs(tmp_path):
    d = write_project(tmp_path, _csv(), YAML.format(design="syntetisk"))
    with pytest.raises(InputError) as err:
        load_checked(d)
    text = str(err.value)
    assert "projekt.yaml, kolumn 'indikatorer[1].design'" in text
    assert ("designen 'syntetisk' kan inte användas för indikatorn 'x': syntetisk kontroll kräver exakt en enhet i "
            "insatsgruppen") in text
    assert "design: auto" in text


def test_validera_says_why_the_design_was_chosen():
    lines = describe(load_checked(INPUTS / "socialarbetare-i-skolan"))
    design = next(line for line in lines if "design " in line)
    assert "design stegvis" in design and "vald av auto" in design
    assert "fyra olika tidpunkter (2019-08, 2020-01, 2020-08, 2021-01)" in design
    lines = describe(load_checked(INPUTS / "gottsunda"))
    design = next(line for line in lines if "design " in line)
    assert "design syntetisk" in design and "Gottsunda" in design and "14 jämförelseenheter" in design
    assert not any("Små tal" in line for line in lines)


def test_example_effects_are_near_their_built_in_truth():
    import importlib.util
    import sys

    spec = importlib.util.spec_from_file_location("make_examples", Path(__file__).parents[1] / "scripts" / "make_examples.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules.setdefault("make_examples", module)
    spec.loader.exec_module(module)
    truth = {slug: t for slug, (_y, _c, t) in module.build_examples().items()}
    for slug, ind in (("socialarbetare-i-skolan", "franvaro"), ("gottsunda", "brott_offentlig_miljo")):
        loaded = load_checked(INPUTS / slug)  # read only
        obs = loaded.observations
        e = estimate(obs[obs["indikator"] == ind].reset_index(drop=True), loaded.project.indicator(ind))
        if e.design == "stegvis":  # four treated schools of twelve: randomisation over schools is the primary
            assert e.inferens == "randomisering" and e.n_behandlade == 4 and e.n_jämförelse == 8
            assert e.ki_låg <= truth[slug][ind] <= e.ki_hög  # (CS against TWFE bias: the simulation tests)
        else:
            assert e.design == "syntetisk"
            assert e.skattning == pytest.approx(truth[slug][ind], abs=0.2)
