"""Economics: hand-calculated cases, properties, plans, the seed's budget figures and input validation."""

from __future__ import annotations

import dataclasses
import json
import textwrap
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sif_eval import swedish as sv
from sif_eval.economics import api as ec
from sif_eval.economics.calc import (
    budget_summary,
    evaluate,
    monte_carlo,
    npv,
    payment_plan,
    present_value,
    repayment_plan,
)
from sif_eval.economics.model import (
    Assumptions,
    BenefitItem,
    BudgetRow,
    CostItem,
    Spec,
    StatedFigure,
    is_municipal,
)
from sif_eval.errors import InputError
from sif_eval.figures.economics import plot_cumulative, plot_tornado
from sif_eval.model import Effect


def hand_spec(**assumptions) -> Spec:
    """1 000 000 kronor now (2020) and 300 000 kronor a year in 2021–2025."""
    a = Assumptions(basår=2020, horisont_år=5, prisår=2020, **assumptions)
    return Spec(a, (CostItem(2020, 1_000_000),),
                (BenefitItem("Besparing", 1.0, 1, 300_000, "Socialnämnden", 2021, 5),))


def effect(skattning=-0.05, se=0.01, bättre="lägre", ind="hog_franvaro") -> Effect:
    return Effect(indikator=ind, design="did", skattning=skattning, standardfel=se,
                  ki_låg=None if se is None else skattning - 1.96 * se,
                  ki_hög=None if se is None else skattning + 1.96 * se, p_värde=0.001, n_obs=600,
                  n_kluster=300, se_typ="kluster", bättre=bättre, typ="andel")


# ---------------------------------------------------------------- hand cases


def test_hand_case_npv_at_3_5_percent() -> None:
    calc = evaluate(hand_spec())
    assert round(calc.nettonuvärde_kr) == 354_516
    assert round(calc.kostnad_nuvärde_kr) == 1_000_000  # year 0 is not discounted
    assert round(calc.nytta_nuvärde_kr) == 1_354_516
    assert calc.kostnad_kr == 1_000_000 and calc.nytta_kr == pytest.approx(1_500_000)
    assert calc.nytta_per_krona == pytest.approx(1.354516, abs=1e-6)
    assert calc.återbetalningstid_år == 4 and calc.återbetalningsår == 2024
    # break-even: NPV is linear in the effect
    assert calc.brytpunkt_effekt == pytest.approx(1_000_000 / 1_354_515.71, rel=1e-6)


def test_hand_case_sensitivity_rate_3_percent() -> None:
    calc = evaluate(hand_spec())
    assert round(calc.känslighetsfall_kr) == 373_912
    assert round(npv(hand_spec(), 0.03)) == 373_912
    d = calc.to_dict()
    assert d["känslighetsfall"] == {"diskonteringsränta": 0.03, "nettonuvärde_kr": 373912.16}
    assert d["diskonteringsränta"] == 0.035


def test_present_value_year_zero_undiscounted() -> None:
    assert present_value([100.0], 0.5) == 100.0
    assert present_value([0.0, 103.5], 0.035) == pytest.approx(100.0)


def test_hand_case_with_drop_off_deadweight_and_optimism() -> None:
    a = Assumptions(basår=2020, horisont_år=4, prisår=2020, diskonteringsränta=0.04, dödvikt=0.2,
                    attribution=0.9, undanträngning=0.1, bortfall_per_år=0.1, optimism=0.2)
    spec = Spec(a, (CostItem(2020, 500_000),),
                (BenefitItem("B", 2.0, 10, 5_000, "Socialnämnden", 2021, 3),))  # 2 × 10 × 5 000 = 100 000 a year
    adj = 0.8 * 0.9 * 0.9
    by_hand_benefits = (100_000 * adj / 1.04 + 100_000 * adj * 0.9 / 1.04**2 + 100_000 * adj * 0.81 / 1.04**3)
    by_hand_costs = 500_000 * 1.2
    calc = evaluate(spec, with_monte_carlo=False)
    assert calc.nytta_nuvärde_kr == pytest.approx(by_hand_benefits)
    assert calc.kostnad_nuvärde_kr == pytest.approx(by_hand_costs)
    assert calc.nettonuvärde_kr == pytest.approx(by_hand_benefits - by_hand_costs)
    assert [round(y.nytta) for y in calc.år] == [0, round(100_000 * adj), round(90_000 * adj),
                                                 round(81_000 * adj), 0]
    assert calc.återbetalningstid_år is None  # 160 000 of benefits never reach 600 000 of costs


# ---------------------------------------------------------------- properties


flows = st.lists(st.floats(min_value=0, max_value=1e6, allow_nan=False), min_size=1, max_size=8)


@settings(max_examples=60, deadline=None)
@given(cost=st.floats(min_value=0, max_value=1e7), benefit=st.floats(min_value=1, max_value=1e6),
       start=st.integers(1, 5), duration=st.integers(1, 10), r1=st.floats(0, 0.15), dr=st.floats(0.001, 0.1))
def test_npv_falls_as_rate_rises_when_benefits_come_after_costs(cost, benefit, start, duration, r1, dr) -> None:
    a = Assumptions(basår=2020, horisont_år=start + duration, prisår=2020)
    spec = Spec(a, (CostItem(2020, cost),), (BenefitItem("B", 1.0, 1, benefit, "Socialnämnden", 2020 + start, duration),))
    assert npv(spec, r1 + dr) < npv(spec, r1) + 1e-6


@settings(max_examples=60, deadline=None)
@given(persons=st.floats(0, 1e4), unit=st.floats(0, 1e6), cost=st.floats(1, 1e7), rate=st.floats(0, 0.1),
       dw=st.floats(0, 0.9), drop=st.floats(0, 0.9))
def test_zero_effect_gives_zero_benefit(persons, unit, cost, rate, dw, drop) -> None:
    a = Assumptions(basår=2020, horisont_år=6, prisår=2020, diskonteringsränta=rate, dödvikt=dw,
                    bortfall_per_år=drop)
    spec = Spec(a, (CostItem(2020, cost),), (BenefitItem("B", 0.0, persons, unit, "Socialnämnden", 2021),))
    calc = evaluate(spec, with_monte_carlo=False)
    assert calc.nytta_nuvärde_kr == 0 and calc.nytta_kr == 0
    assert calc.nettonuvärde_kr == pytest.approx(-calc.kostnad_nuvärde_kr)


@settings(max_examples=60, deadline=None)
@given(costs=flows, eff=st.floats(-2, 5), persons=st.floats(1, 500), unit=st.floats(100, 1e6),
       rate=st.floats(0, 0.1), opt=st.floats(0, 1))
def test_benefit_per_krona_is_pv_benefits_over_pv_costs(costs, eff, persons, unit, rate, opt) -> None:
    a = Assumptions(basår=2020, horisont_år=10, prisår=2020, diskonteringsränta=rate, optimism=opt)
    spec = Spec(a, tuple(CostItem(2020 + t, c) for t, c in enumerate(costs)),
                (BenefitItem("B", eff, persons, unit, "Socialnämnden", 2021, 6),))
    calc = evaluate(spec, with_monte_carlo=False)
    if calc.kostnad_nuvärde_kr > 0:
        assert calc.nytta_per_krona == pytest.approx(calc.nytta_nuvärde_kr / calc.kostnad_nuvärde_kr)
    else:
        assert calc.nytta_per_krona is None
    # the break-even effect really gives NPV = 0
    if calc.brytpunkter:
        post = dataclasses.replace(spec.nyttoposter[0], effekt=calc.brytpunkter[0].förbättring)
        assert npv(dataclasses.replace(spec, nyttoposter=(post,))) == pytest.approx(0, abs=1e-3 * (1 + sum(costs)))


# ---------------------------------------------------------------- uncertainty


def test_monte_carlo_is_reproducible_and_seeded() -> None:
    spec = hand_spec(dödvikt=0.2, intervall=(("dödvikt", 0.1, 0.3),))
    post = dataclasses.replace(spec.nyttoposter[0], effekt_intervall=(0.5, 1.5))
    spec = dataclasses.replace(spec, nyttoposter=(post,))
    first, second = monte_carlo(spec), monte_carlo(spec)
    assert first == second
    other = monte_carlo(dataclasses.replace(spec, antaganden=dataclasses.replace(spec.antaganden, frö=7)))
    assert other.sannolikhet_lönsam != first.sannolikhet_lönsam
    assert 0 < first.sannolikhet_lönsam < 1
    assert first.dragningar == 10_000 and first.npv_p05 < first.npv_p50 < first.npv_p95
    # only what has a stated range varies; everything else is held and named
    assert set(first.varierade) == {"dödvikt", "nyttoposter[1].effekt"}
    assert {"attribution", "undanträngning", "bortfall_per_år", "optimism", "diskonteringsränta", "horisont_år",
            "nyttoposter[1].antal_personer", "nyttoposter[1].enhetskostnad"} == set(first.hållna)
    # a value other than the neutral one, without a stated range, is held too (no invented ±50 %)
    held = monte_carlo(hand_spec(dödvikt=0.2, attribution=0.7))
    assert held.varierade == () and held.npv_p05 == held.npv_p95


def test_monte_carlo_draws_an_indicator_effect_from_its_standard_error() -> None:
    spec = hand_spec()
    post = dataclasses.replace(spec.nyttoposter[0], källa="indikator", standardfel=1e-9)
    mc = monte_carlo(dataclasses.replace(spec, nyttoposter=(post,)))
    assert mc.sannolikhet_lönsam == 1.0  # a (nearly) certain effect of a profitable project
    wide = dataclasses.replace(post, standardfel=10.0)
    assert 0.3 < monte_carlo(dataclasses.replace(spec, nyttoposter=(wide,))).sannolikhet_lönsam < 0.7


def test_sensitivity_covers_every_assumption_sorted_by_swing() -> None:
    calc = evaluate(hand_spec(), with_monte_carlo=False)
    names = {r.parameter for r in calc.känslighet}
    assert {"diskonteringsränta", "horisont_år", "dödvikt", "attribution", "undanträngning", "bortfall_per_år",
            "optimism", "nyttoposter[1].effekt", "nyttoposter[1].antal_personer",
            "nyttoposter[1].enhetskostnad"} <= names
    swings = [r.swing for r in calc.känslighet]
    assert swings == sorted(swings, reverse=True)
    rate = next(r for r in calc.känslighet if r.parameter == "diskonteringsränta")
    assert rate.npv_låg > calc.nettonuvärde_kr > rate.npv_hög


# ---------------------------------------------------------------- plans


def test_repayment_is_proportional_and_capped_at_the_cost() -> None:
    planned = {"Socialnämnden": {2022: 300_000, 2023: 300_000}, "Utbildningsnämnden": {2022: 100_000, 2023: 100_000},
               "Regionen": {2022: 1_000_000}}
    plan = repayment_plan(planned, planned, 400_000)
    by = {}
    for r in plan:
        by[r.nämnd] = by.get(r.nämnd, 0) + r.belopp
    assert sum(by.values()) == pytest.approx(400_000)  # capped at the cost
    assert by["Socialnämnden"] == pytest.approx(3 * by["Utbildningsnämnden"])  # proportional to savings
    assert "Regionen" not in by  # only municipal committees repay
    # savings below the cost: repay the savings, not more
    small = repayment_plan(planned, planned, 10_000_000)
    assert sum(r.belopp for r in small) == pytest.approx(800_000)


def test_repayment_shrinks_to_the_effects_seen_and_can_be_switched_off() -> None:
    planned = {"Socialnämnden": {2022: 500_000, 2023: 500_000}}
    half = {"Socialnämnden": {2022: 250_000, 2023: 250_000}}
    full = repayment_plan(planned, planned, 600_000)
    shrunk = repayment_plan(planned, half, 600_000)
    assert sum(r.belopp for r in shrunk) == pytest.approx(sum(r.belopp for r in full) / 2)
    assert repayment_plan(planned, planned, 600_000, active=False) == ()


def test_repayment_in_the_calculation_uses_observed_against_assumed_effect() -> None:
    a = Assumptions(basår=2020, horisont_år=5, prisår=2020)
    posts = (BenefitItem("Skola", 0.05, 100, 100_000, "Utbildningsnämnden", 2021, 3, källa="indikator",
                         antagen_effekt=0.10, effekt_intervall=(0.02, 0.08)),  # half the assumed effect was seen
             BenefitItem("Polis", 1.0, 10, 50_000, "Staten", 2021, 3))
    calc = evaluate(Spec(a, (CostItem(2020, 1_000_000),), posts), with_monte_carlo=False)
    # planned municipal savings 0.10 × 100 × 100 000 = 1 000 000 a year (3 000 000 in all) > cost 1 000 000:
    # scale 1/3, then halved for the effect seen → 166 667 a year
    assert [r.nämnd for r in calc.återföring_skattning] == ["Utbildningsnämnden"] * 3
    assert [round(r.belopp) for r in calc.återföring_skattning] == [166_667] * 3
    # the conservative plan (proposed by default): the interval's end nearer zero, 0.02 → a fifth of 0.10
    assert calc.återföring == calc.återföring_försiktig
    assert [round(r.belopp) for r in calc.återföring] == [66_667] * 3
    text = calc.återföring_text.replace(sv.NBSP, " ")
    assert "500 000 kronor" in text and "200 000 kronor" in text and "försiktiga planen" in text
    off = evaluate(dataclasses.replace(calc.spec, antaganden=dataclasses.replace(a, återföring=False)),
                   with_monte_carlo=False)
    assert off.återföring == () and "ingen återföring" in off.återföring_text


@pytest.mark.parametrize(("bearer", "municipal"), [("Socialnämnden", True), ("Utbildningsnämnden", True),
                                                    ("Kommunen", True), ("Regionen", False), ("region", False),
                                                    ("Staten", False), ("Individen", False), ("", False)])
def test_only_municipal_committees_repay(bearer: str, municipal: bool) -> None:
    assert is_municipal(bearer) is municipal


def test_payment_plan_pays_in_arrears_by_tertial() -> None:
    plan = payment_plan([CostItem(2021, 1_200_000), CostItem(2021, 700_000, månader=(6, 12)),
                         CostItem(2022, 999_999, bärare="Socialnämnden")])  # the committee's own cost: not paid
    assert [(p.år, p.tillfälle) for p in plan] == [(2021, "delår 1"), (2021, "delår 2"), (2021, "helår")]
    assert [round(p.belopp) for p in plan] == [400_000, 400_000 + 300_000, 400_000 + 400_000]
    assert plan[0].avser == "januari–april 2021"
    assert "2022" in plan[2].utbetalas and "årsbokslutet 2021" in plan[2].utbetalas


# ---------------------------------------------------------------- budget and outcome (seed 004)


SEED_ROWS = [  # Uppsala, statsbidrag från Socialstyrelsen 2021 (seed 004): budgeterat, utfall
    ("Socialarbetare i skolan – mellanstadiet", "Socialnämnden", 440_000, 440_000),
    ("Modell för SSPF i lågstadiet", "Socialnämnden", 375_000, 375_000),
    ("Meningsfullt lovjobb", "Arbetsmarknadsnämnden", 1_400_000, 679_255),
    ("Förhindra utanförskap – ungdomssamtal", "Arbetsmarknadsnämnden", 500_000, 503_586),
    ("Stöd till Generation Corona", "Arbetsmarknadsnämnden", 250_000, 250_000),
    ("Kompetenssatsning i Tryggare barn", "Socialnämnden", 140_000, 140_000),
    ("Fokus pojkar på ungdomsmottagningen", "Socialnämnden", 100_000, 100_000),
    ("Barn och ungdomsenhet 5 – ny enhet", "Socialnämnden", 2_400_000, 2_400_000),
    ("Barn och ungdomsenhet 5 – extra förstärkning", "Socialnämnden", 1_600_000, 1_600_000),
    ("Sociala insatsgrupper", "Socialnämnden", 800_000, 800_000),
]


def _seed_rows() -> list[BudgetRow]:
    return [BudgetRow(insats=i, år=2021, nämnd=n, budgeterat=b, utfall=u) for i, n, b, u in SEED_ROWS]


def test_budget_summary_with_the_seed_figures() -> None:
    budget = budget_summary(_seed_rows(), rekvirerat_totalt=8_052_000,
                            uppgivna=[StatedFigure("rekvirerat", 8_005_000, källa="bilaga 1"),
                                      StatedFigure("utfall", 1_432_841, nämnd="Arbetsmarknadsnämnden"),
                                      StatedFigure("budgeterat", 2_150_000, nämnd="Arbetsmarknadsnämnden")],
                            återbetalas_till="Socialstyrelsen")
    per = {t.nämnd: t for t in budget.per_nämnd}
    assert per["Arbetsmarknadsnämnden"].budgeterat == 2_150_000
    assert per["Arbetsmarknadsnämnden"].utfall == 1_432_841
    assert per["Arbetsmarknadsnämnden"].avvikelse == 717_159
    assert per["Arbetsmarknadsnämnden"].avvikelse_andel == pytest.approx(717_159 / 2_150_000)
    assert per["Socialnämnden"].budgeterat == per["Socialnämnden"].utfall == 5_855_000
    assert budget.totalt.utfall == 7_287_841 and budget.totalt.budgeterat == 8_005_000
    assert budget.att_återbetala_kr == 764_159
    lovjobb = budget.rader[2]
    assert lovjobb.avvikelse == 720_745 and lovjobb.avvikelse_andel == pytest.approx(0.5148, abs=1e-4)
    both = [w for w in budget.varningar if sv.kronor(8_052_000) in w and sv.kronor(8_005_000) in w]
    assert len(both) == 2  # the stated figure in bilaga 1, and the budget rows' sum
    assert not any(sv.kronor(1_432_841) in w for w in budget.varningar)  # agrees: no warning
    d = budget.to_dict()
    json.dumps(d)
    assert d["att_återbetala_kr"] == 764159.0 and d["återbetalas_till"] == "Socialstyrelsen"


def test_budget_row_level_requisitions_and_overspend() -> None:
    rows = [BudgetRow("A", 2021, "Socialnämnden", 100_000, 80_000, rekvirerat=100_000),
            BudgetRow("B", 2021, "Socialnämnden", 50_000, 60_000, rekvirerat=50_000)]
    budget = budget_summary(rows, rekvirerat_totalt=140_000)
    assert rows[0].att_återbetala == 20_000 and rows[1].att_återbetala == -10_000
    assert budget.att_återbetala_kr == 0.0  # 140 000 received, 140 000 used
    assert any(sv.kronor(140_000) in w and sv.kronor(150_000) in w for w in budget.varningar)
    assert any("B (Socialnämnden, 2021)" in w for w in budget.varningar)


def _write_seed_project(root: Path) -> Path:
    d = root / "inputs" / "statsbidrag"
    d.mkdir(parents=True)
    lines = ["insats;år;nämnd;budgeterat;utfall;kommentar"]
    lines += [f"{i};2021;{n};{b};{u};" for i, n, b, u in SEED_ROWS]
    (d / "ekonomi.csv").write_text("\n".join(lines) + "\n", encoding="cp1252")
    (d / "projekt.yaml").write_text(
        "projekt: Statsbidrag\nekonomi:\n  rekvirerat_totalt: 8 052 000\n  återbetalas_till: Socialstyrelsen\n"
        "  uppgivna_belopp:\n    - avser: rekvirerat\n      belopp: 8005000\n      källa: bilaga 1, Bakgrund\n",
        encoding="utf-8")
    return d


def test_load_budget_reads_the_csv_and_the_stated_totals(tmp_path: Path) -> None:
    d = _write_seed_project(tmp_path)
    budget = ec.load_budget(d)
    assert budget is not None and budget.att_återbetala_kr == 764_159
    assert any("bilaga 1, Bakgrund" in w and sv.kronor(8_005_000) in w and sv.kronor(8_052_000) in w
               for w in budget.varningar)
    assert ec.load_budget(tmp_path / "inputs" / "statsbidrag", settings={"rekvirerat_totalt": "8005000"}).att_återbetala_kr \
        == 717_159
    assert ec.calculate(d) is None  # no kalkyl: no calculation
    (d / "ekonomi.csv").unlink()
    assert ec.load_budget(d) is None


# ---------------------------------------------------------------- loading the kalkyl


HAND_KALKYL = """\
projekt: Handfall
kalkyl:
  horisont_år: 5
  kostnader:
    - år: 2020
      belopp: 1 000 000
  nyttoposter:
    - namn: Besparing
      antagen_effekt: 1
      antal_personer: 1
      enhetskostnad: 300000
      bärare: Socialnämnden
      start_år: 2021
      varaktighet_år: 5
"""


def _project(root: Path, projekt: str, **files: str) -> Path:
    d = root / "inputs" / "p"
    d.mkdir(parents=True, exist_ok=True)
    (d / "projekt.yaml").write_text(projekt, encoding="utf-8")
    for name, text in files.items():
        (d / name).write_text(text, encoding="utf-8")
    return d


def test_calculate_from_projekt_yaml_gives_the_hand_case(tmp_path: Path) -> None:
    d = _project(tmp_path, HAND_KALKYL)
    calc = ec.calculate(d, effects={})
    assert calc is not None and round(calc.nettonuvärde_kr) == 354_516
    out = calc.to_dict()
    json.dumps(out)  # plain JSON
    for key in ("kostnad_kr", "nytta_nuvärde_kr", "nettonuvärde_kr", "nytta_per_krona", "återbetalningstid_år",
                "sannolikhet_lönsam", "återföring", "kostnad_nuvärde_kr", "brytpunkt_effekt", "känslighet",
                "diskonteringsränta", "känslighetsfall", "utbetalningsplan", "antaganden", "varningar"):
        assert key in out, key
    assert out["återbetalningstid_år"] == 4
    assert sum(r["belopp_kr"] for r in out["återföring"]) == pytest.approx(1_000_000)
    assert out["antaganden"]["diskonteringsränta"] == 0.035 and out["antaganden"]["frö"] == 20240101
    # the same through kalkyl.yaml, with ASCII-folded keys
    d2 = tmp_path / "b" / "p"
    d2.mkdir(parents=True)
    (d2 / "projekt.yaml").write_text("projekt: B\n", encoding="utf-8")
    own = textwrap.dedent(HAND_KALKYL.split("kalkyl:\n", 1)[1]).replace("år", "ar").replace("bärare", "BARARE")
    (d2 / "kalkyl.yaml").write_text(own, encoding="utf-8")
    assert round(ec.calculate(d2).nettonuvärde_kr) == 354_516


def test_calculate_takes_the_effect_from_the_indicator(tmp_path: Path) -> None:
    projekt = """\
projekt: Skola
indikatorer:
  - id: hog_franvaro
    bättre: lägre
kalkyl:
  dödvikt: 0.2
  kostnader: {2019: 600000, 2020: 600000}
  nyttoposter:
    - namn: Färre elever med hög frånvaro
      indikator: hog_franvaro
      antagen_effekt: -0.10
      antal_personer: 150
      enhetskostnad: elev_ar
      start_år: 2020
      varaktighet_år: 4
"""
    catalogue = "post;belopp;enhet;prisår;bärare;källa\nelev_ar;110000;kronor per elev och år;2021;" \
                "Utbildningsnämnden;Exempelvärde\n"
    kpi = "år;kpi\n2019;100\n2020;100\n2021;110\n"
    d = _project(tmp_path, projekt)
    (tmp_path / "inputs" / "enhetskostnader.csv").write_text(catalogue, encoding="utf-8")
    (tmp_path / "inputs" / "kpi.csv").write_text(kpi, encoding="utf-8")
    calc = ec.calculate(d, effects={"hog_franvaro": effect(-0.05, 0.01)})
    post = calc.spec.nyttoposter[0]
    assert post.effekt == pytest.approx(0.05) and post.riktning == -1 and post.källa == "indikator"
    assert post.effekt_intervall == pytest.approx((0.05 - 0.0196, 0.05 + 0.0196))
    assert post.enhetskostnad == pytest.approx(100_000)  # 2021 prices back to prisår 2019 with the KPI
    assert post.bärare == "Utbildningsnämnden" and post.antagen_effekt == pytest.approx(0.10)
    assert calc.brytpunkt_effekt < 0  # in the indicator's own direction, like skattning
    # a difference-in-differences estimate already has its counterfactual: deadweight 0.2 is not applied,
    # 0.05 × 150 × 100 000 = 750 000 a year in 2020–2023
    assert [round(y.nytta) for y in calc.år] == [0, 750_000, 750_000, 750_000, 750_000]
    row = next(r for r in calc.antagandetabell if r["parameter"] == "dödvikt")
    assert row["värde"] == 0 and row["källa"] == "designen" and "20 procent" in row["kommentar"].replace(sv.NBSP, " ")
    assert 0.95 < calc.sannolikhet_lönsam <= 1
    # repayment shrunk to the effect seen: half of the assumed 0.10
    assert calc.spec.nyttoposter[0].realised_share == pytest.approx(0.5)
    # without the analysis the assumed effect is used, with a warning
    calc2 = ec.calculate(d, effects={})
    assert calc2.spec.nyttoposter[0].effekt == pytest.approx(0.10)
    assert any("ingen skattning" in w for w in calc2.varningar)


def test_fund_setting_without_repayment(tmp_path: Path) -> None:
    d = _project(tmp_path, HAND_KALKYL)
    (tmp_path / "inputs" / "fond.yaml").write_text("namn: Södertälje\nåterföring: nej\n", encoding="utf-8")
    calc = ec.calculate(d, effects={})
    assert calc.återföring == () and calc.spec.antaganden.återföring is False
    assert calc.to_dict()["återföring_tillämpas"] is False


def test_costs_fall_back_to_ekonomi_csv(tmp_path: Path) -> None:
    projekt = HAND_KALKYL.replace("    - år: 2020\n      belopp: 1 000 000\n", "").replace("  kostnader:\n", "")
    d = _project(tmp_path, projekt, **{"ekonomi.csv": "insats;år;nämnd;budgeterat;utfall\nP;2020;Socialnämnden;"
                                                       "1200000;1000000\n"})
    calc = ec.calculate(d, effects={})
    assert calc.spec.kostnadskälla == "ekonomi.csv" and round(calc.nettonuvärde_kr) == 354_516


# ---------------------------------------------------------------- validation


def test_every_problem_names_file_row_and_column(tmp_path: Path) -> None:
    projekt = """\
projekt: Fel
kalkyl:
  dödvikt: mycket
  horisont_år: 5
  okänd: 1
  kostnader:
    - år: tjugotjugo
      belopp: 100
  nyttoposter:
    - namn: A
      antagen_effekt: 1
      enhetskostnad: finns_inte
      bärare: Socialnämnden
"""
    economy = "insats;år;nämnd;budgeterat;utfall\nA;2021;Socialnämnden;440 tkr;0\nB;21;;100;100\n" \
              "A;2021;Socialnämnden;1;1\n"
    catalogue = "post;belopp;enhet;prisår;bärare;källa\nx;mycket;kr;2023;Staten;\n"
    d = _project(tmp_path, projekt, **{"ekonomi.csv": economy})
    (tmp_path / "inputs" / "enhetskostnader.csv").write_text(catalogue, encoding="utf-8")
    with pytest.raises(InputError) as info:
        ec.calculate(d, effects={})
    found = {(p.file, p.row, p.column) for p in info.value.problems}
    assert ("ekonomi.csv", 2, "budgeterat") in found  # 440 tkr
    assert ("ekonomi.csv", 3, "år") in found and ("ekonomi.csv", 3, "nämnd") in found
    assert ("ekonomi.csv", 4, "insats") in found  # duplicate of row 2
    assert ("inputs/enhetskostnader.csv", 2, "belopp") in found
    assert ("projekt.yaml", 3, "kalkyl.dödvikt") in found
    assert ("projekt.yaml", 5, "kalkyl.okänd") in found  # an unknown key as the user wrote it
    assert ("projekt.yaml", 7, "kalkyl.kostnader[1].år") in found
    assert ("projekt.yaml", 12, "kalkyl.nyttoposter[1].enhetskostnad") in found
    assert ("projekt.yaml", 10, "kalkyl.nyttoposter[1].start_år") in found
    text = str(info.value)
    assert "440 tkr" in text and "Åtgärd" in text and "rad 12" in text
    # validation before the analysis finds the same problems without raising
    assert {(p.file, p.row, p.column) for p in ec.validate(d)} == found


def test_kpi_table_problems_and_missing_years(tmp_path: Path) -> None:
    d = _project(tmp_path, HAND_KALKYL.replace("bärare: Socialnämnden", "bärare: Socialnämnden\n"
                                                "      enhetskostnad_prisår: 2030"))
    (tmp_path / "inputs" / "kpi.csv").write_text("år;kpi\n2019;100\n2020;102\n2020;103\nx;-1\n", encoding="utf-8")
    with pytest.raises(InputError) as info:
        ec.calculate(d, effects={})
    found = {(p.file, p.row, p.column) for p in info.value.problems}
    assert found == {("inputs/kpi.csv", 4, "år"), ("inputs/kpi.csv", 5, "år"), ("inputs/kpi.csv", 5, "kpi")}
    (tmp_path / "inputs" / "kpi.csv").write_text("år;kpi\n2019;100\n2020;102\n", encoding="utf-8")
    calc = ec.calculate(d, effects={})
    assert calc.spec.nyttoposter[0].enhetskostnad == 300_000  # 2030 is beyond the table: no change assumed
    assert any("KPI saknas för år 2030" in w for w in calc.varningar)


def test_both_kalkyl_places_is_a_problem(tmp_path: Path) -> None:
    d = _project(tmp_path, HAND_KALKYL, **{"kalkyl.yaml": "horisont_år: 5\n"})
    with pytest.raises(InputError, match="både i projekt.yaml"):
        ec.calculate(d, effects={})


# ---------------------------------------------------------------- figures


def test_figures_are_deterministic_with_swedish_alt_text(tmp_path: Path) -> None:
    calc = evaluate(hand_spec(dödvikt=0.1))
    alt = plot_cumulative(calc, tmp_path / "a.png")
    plot_cumulative(calc, tmp_path / "b.png")
    assert (tmp_path / "a.png").read_bytes() == (tmp_path / "b.png").read_bytes()
    assert "kumulativa" in alt and "2020–2025" in alt and "prisår 2020" in alt
    alt2 = plot_tornado(calc, tmp_path / "t.png")
    plot_tornado(calc, tmp_path / "t2.png")
    assert (tmp_path / "t.png").read_bytes() == (tmp_path / "t2.png").read_bytes()
    assert alt2.startswith("Tornadodiagram") and sv.kronor(calc.nettonuvärde_kr) in alt2
    assert b"Software" not in (tmp_path / "t.png").read_bytes()[:400]
