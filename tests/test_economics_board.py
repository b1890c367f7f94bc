"""Economics a board can act on (issue 15): hand-derived cases for payback, break-even, adjustments by
design, the interrupted time series' path, the two repayment plans, the Monte Carlo's stated ranges,
whole-krona payment plans and the consolidated common price and base year."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from sif_eval import swedish as sv
from sif_eval.documents import economy_text as et
from sif_eval.economics import api as ec
from sif_eval.economics.calc import evaluate, monte_carlo, payment_plan
from sif_eval.economics.consolidate import restate
from sif_eval.economics.model import Assumptions, BenefitItem, CostItem, PriceIndex, Spec, conservative
from sif_eval.errors import InputError


def plain(text: str) -> str:
    return text.replace(sv.NBSP, " ")


# ---------------------------------------------------------------- payback


def payback_spec() -> Spec:
    """The issue's case: costs 500 000 (2019) and 2 000 000 (2021), benefits 600 000 a year from 2019, 3,5 %."""
    a = Assumptions(basår=2019, horisont_år=6, prisår=2019)
    return Spec(a, (CostItem(2019, 500_000), CostItem(2021, 2_000_000)),
                (BenefitItem("Besparing", 1.0, 1, 600_000, "Socialnämnden", 2019),))


def test_payback_is_the_lasting_crossing_not_the_first() -> None:
    calc = evaluate(payback_spec(), with_monte_carlo=False)
    # by hand: cumulative discounted costs 500 000, 500 000, 500 000 + 2 000 000/1,035² = 2 367 021 from 2021;
    # benefits 600 000 · Σ 1,035^-t: 600 000 (2019, ahead), 1 179 710, 1 739 816 (2021, behind),
    # 2 280 981 (2022, behind), 2 803 846 (2023, ahead for good)
    cum_c = [500_000, 500_000] + [500_000 + 2_000_000 / 1.035**2] * 5
    cum_b = [sum(600_000 / 1.035**k for k in range(t + 1)) for t in range(7)]
    assert [round(y.kumulativ_kostnad_nuvärde) for y in calc.år] == [round(x) for x in cum_c]
    assert [round(y.kumulativ_nytta_nuvärde) for y in calc.år] == [round(x) for x in cum_b]
    assert cum_b[0] >= cum_c[0] and cum_b[2] < cum_c[2] and cum_b[3] < cum_c[3] and cum_b[4] >= cum_c[4]
    assert calc.återbetalningsår == 2023 and calc.återbetalningstid_år == 4
    assert et.payback_sentence(2023).startswith("Från och med år 2023 täcker")


def test_no_payback_within_the_horizon_is_said_plainly() -> None:
    spec = payback_spec()
    short = dataclasses.replace(spec, antaganden=dataclasses.replace(spec.antaganden, horisont_år=3))
    calc = evaluate(short, with_monte_carlo=False)  # 2019–2022: behind in 2022
    assert calc.återbetalningsår is None
    assert et.payback_sentence(None) == "Inom kalkylperioden täcker nyttan inte kostnaderna."


# ---------------------------------------------------------------- break-even


def lower_is_better(estimate: float) -> Spec:
    """A share where lower is better; 300 pupils × 3 333,33 kr = 1 000 000 kr per unit of share, in year 1.

    The cost 59 000/1,035 makes the break-even exactly a decrease of 0,059.
    """
    a = Assumptions(basår=2020, horisont_år=1, prisår=2020)
    post = BenefitItem("Färre elever med hög frånvaro", -estimate, 300, 1_000_000 / 300, "Utbildningsnämnden", 2021, 1,
                       källa="indikator", indikator="hog_franvaro", riktning=-1, typ="andel", design="did")
    return Spec(a, (CostItem(2020, 59_000 / 1.035),), (post,))


def test_break_even_for_lower_is_better_agrees_with_the_net_present_value() -> None:
    calc = evaluate(lower_is_better(-0.054), with_monte_carlo=False)
    # NPV = (0,054 − 0,059) · 1 000 000 / 1,035 = −4 830,92
    assert calc.nettonuvärde_kr == pytest.approx(-5_000 / 1.035)
    b = calc.to_dict()["brytpunkter"][0]
    assert b["förbättring"] == pytest.approx(0.059) and b["effekt"] == pytest.approx(-0.059)
    text = plain(et.break_even_sentence(b, calc.nettonuvärde_kr))
    assert "kalkylen går jämnt upp om andelen minskar med minst 5,9 procentenheter" in text
    assert "Den skattade effekten (en minskning med 5,4 procentenheter) räcker inte, och nettonuvärdet är negativt" in text
    good = evaluate(lower_is_better(-0.064), with_monte_carlo=False)
    assert good.nettonuvärde_kr == pytest.approx(5_000 / 1.035)
    text = plain(et.break_even_sentence(good.to_dict()["brytpunkter"][0], good.nettonuvärde_kr))
    assert "(en minskning med 6,4 procentenheter) räcker, och nettonuvärdet är positivt" in text


def test_break_even_for_higher_is_better_and_a_before_after_change() -> None:
    spec = lower_is_better(-0.054)
    post = dataclasses.replace(spec.nyttoposter[0], riktning=1, effekt=0.07, design="före_efter", typ="medelvärde")
    calc = evaluate(dataclasses.replace(spec, nyttoposter=(post,)), with_monte_carlo=False)
    text = plain(et.break_even_sentence(calc.to_dict()["brytpunkter"][0], calc.nettonuvärde_kr))
    assert "om medelvärdet ökar med minst 0,059" in text
    assert "Den uppmätta förändringen (en ökning med 0,070) räcker, och nettonuvärdet är positivt" in text


# ---------------------------------------------------------------- adjustments by design


@pytest.mark.parametrize(("design", "applied"), [("did", False), ("its", False), ("regression_discontinuity", False),
                                                 ("före_efter", True), (None, True)])
def test_deadweight_only_where_there_is_no_counterfactual(design: str | None, applied: bool) -> None:
    a = Assumptions(basår=2020, horisont_år=1, prisår=2020, dödvikt=0.25, attribution=0.8, undanträngning=0.1,
                    källor=(("dödvikt", "angiven"),))
    källa = "antagande" if design is None else "indikator"
    post = BenefitItem("B", 1.0, 1, 100_000, "Socialnämnden", 2021, 1, källa=källa, design=design)
    calc = evaluate(Spec(a, (), (post,)), with_monte_carlo=False)
    expected = 100_000 * (0.75 if applied else 1.0) * 0.8 * 0.9 / 1.035
    assert calc.nytta_nuvärde_kr == pytest.approx(expected)
    row = next(r for r in calc.antagandetabell if r["parameter"] == "dödvikt")
    assert (row["källa"], row["värde"]) == (("angiven", 0.25) if applied else ("designen", 0.0))


KALKYL = """\
kostnader: {2020: 100000}
{extra}
nyttoposter:
  - namn: Besparing
    antagen_effekt: 1
    enhetskostnad: 50000
    bärare: Socialnämnden
    start_år: 2021
    varaktighet_år: 2
"""


def kalkyl_with(extra: str, base: str = KALKYL) -> str:
    return base.replace("{extra}", extra)


def _project(root: Path, kalkyl: str, fund: str = "") -> Path:
    d = root / "inputs" / "p"
    d.mkdir(parents=True, exist_ok=True)
    (d / "projekt.yaml").write_text("projekt: P\ninsatsstart: 2020-08-15\n", encoding="utf-8")
    (d / "kalkyl.yaml").write_text(kalkyl, encoding="utf-8")
    if fund:
        (root / "inputs" / "fond.yaml").write_text(fund, encoding="utf-8")
    return d


def test_attribution_needs_a_reason(tmp_path: Path) -> None:
    d = _project(tmp_path, kalkyl_with("attribution: 0.7"))
    with pytest.raises(InputError) as err:
        ec.calculate(d, effects={})
    problem = err.value.problems[0]
    assert problem.file == "kalkyl.yaml" and problem.row == 2 and problem.column == "attribution"
    assert "utan skäl" in problem.message and "skäl:" in (problem.hint or "")
    ok = _project(tmp_path, kalkyl_with("attribution: {värde: 0.7, skäl: Samma barn fick familjestöd}\n"
                                                "undanträngning: 0"))
    calc = ec.calculate(ok, effects={})
    assert calc.spec.antaganden.attribution == 0.7
    rows = {r["parameter"]: r for r in calc.antagandetabell}
    assert rows["attribution"]["källa"] == "angiven" and "Samma barn fick familjestöd" in rows["attribution"]["kommentar"]
    assert (rows["undanträngning"]["källa"], rows["undanträngning"]["värde"]) == ("angiven", 0.0)  # 0 needs no reason
    assert rows["diskonteringsränta"]["källa"] == "standard" and rows["horisont_år"]["källa"] == "standard"
    assert rows["enhetskostnad"]["källa_text"] == "angiven i kalkylen"


def test_its_benefits_follow_level_and_slope() -> None:
    a = Assumptions(basår=2020, horisont_år=2, prisår=2020, diskonteringsränta=0.0)
    post = BenefitItem("Placeringar", 1.0, 1, 1_000, "Socialnämnden", 2020, källa="indikator", design="its",
                       lutning=0.1, perioder_per_år=12)
    calc = evaluate(Spec(a, (), (post,)), with_monte_carlo=False)
    # the year's mean of level + slope · t_efter over months 0–11, 12–23, 24–35: 1 + 0,1 · 5,5 = 1,55, 2,75, 3,95
    assert [round(y.nytta, 6) for y in calc.år] == [1_550.0, 2_750.0, 3_950.0]


def test_its_slope_is_not_extrapolated_beyond_the_periods_the_data_cover() -> None:
    a = Assumptions(basår=2020, horisont_år=2, prisår=2020, diskonteringsränta=0.0)
    post = BenefitItem("Placeringar", 1.0, 1, 1_000, "Socialnämnden", 2020, källa="indikator", design="its",
                       lutning=0.1, perioder_per_år=12, lutning_perioder=18)
    calc = evaluate(Spec(a, (), (post,)), with_monte_carlo=False)
    # mid-year elapsed months 5,5, 17,5 and 29,5, capped at the 18 months observed: 1,55, 2,75, 2,8
    assert [round(y.nytta, 6) for y in calc.år] == [1_550.0, 2_750.0, 2_800.0]


# ---------------------------------------------------------------- repayment with its uncertainty


def test_conservative_bound_is_the_end_nearer_zero() -> None:
    assert conservative(5.0, (2.0, 8.0)) == 2.0
    assert conservative(-5.0, (-8.0, -2.0)) == -2.0
    assert conservative(3.5, (-0.84, 7.84)) == 0.0


def test_interval_including_zero_gives_a_conservative_repayment_of_zero() -> None:
    a = Assumptions(basår=2019, horisont_år=2, prisår=2019)
    post = BenefitItem("Färre placeringar", 3.5, 12, 100_000, "Socialnämnden", 2019, 3, källa="indikator",
                       effekt_intervall=(-0.84, 7.84), design="its", antagen_effekt=1.0)
    calc = evaluate(Spec(a, (CostItem(2019, 3_000_000),), (post,)), with_monte_carlo=False)
    # planned 1 · 12 · 100 000 = 1 200 000 a year (3 600 000 > cost): scale 3 000 000 / 3 600 000;
    # the point estimate exceeds the assumption, so it repays the capped planned savings: 1 000 000 a year
    assert [round(r.belopp) for r in calc.återföring_skattning] == [1_000_000] * 3
    assert calc.återföring_försiktig == () and calc.återföring == ()
    d = calc.to_dict()
    assert d["återföringsgrund"] == "försiktig" and d["återföring_skattning_per_nämnd"][0]["belopp_kr"] == 3_000_000
    text = plain(calc.återföring_text)
    assert "3 000 000 kronor" in text and "blir den 0 kronor" in text and "prognos" in text
    assert "intervallet noll" in text
    rows = et.calculation_context(d)["återföring"]
    assert {k: plain(v) for k, v in rows[-1].items()} == {"nämnd": "Totalt", "år": "", "försiktig": "0 kronor",
                                                          "skattning": "3 000 000 kronor"}
    assert "den försiktiga planen" in et.repayment_clause(d) and "notera" in et.repayment_clause(d)


def test_fund_or_kalkyl_chooses_the_plan(tmp_path: Path) -> None:
    d = _project(tmp_path, kalkyl_with(""), fund="återföringsgrund: skattning\n")
    calc = ec.calculate(d, effects={})
    assert calc.spec.antaganden.återföringsgrund == "skattning" and calc.återföring == calc.återföring_skattning
    own = _project(tmp_path, kalkyl_with("återföringsgrund: försiktig"))
    assert ec.calculate(own, effects={}).spec.antaganden.återföringsgrund == "försiktig"
    bad = _project(tmp_path, kalkyl_with("återföringsgrund: kanske"))
    with pytest.raises(InputError, match="återföringsgrund"):
        ec.calculate(bad, effects={})


# ---------------------------------------------------------------- Monte Carlo


def test_probability_sentence_names_what_varied_and_what_was_held() -> None:
    a = Assumptions(basår=2020, horisont_år=1, prisår=2020, optimism=0.1, intervall=(("optimism", 0.0, 0.3),),
                    mc_dragningar=2_000)
    post = BenefitItem("Besparing", 1.0, 1, 200_000, "Socialnämnden", 2021, 1, källa="indikator", standardfel=0.5,
                       design="did")
    mc = monte_carlo(Spec(a, (CostItem(2020, 150_000),), (post,)))
    assert set(mc.varierade) == {"optimism", "nyttoposter[1].effekt"}
    assert {"dödvikt", "attribution", "nyttoposter[1].enhetskostnad"} <= set(mc.hållna)
    text = plain(et.probability_sentence(mc.to_dict(), [{"namn": "Besparing", "effektkälla": "indikator"}]))
    assert "optimismpåslaget på kostnaderna och effekten för Besparing (skattningens osäkerhet) varierar" in text
    assert "enhetskostnaden för Besparing" in text and "hålls fasta" in text
    # with nothing stated, no probability is claimed
    fixed = monte_carlo(Spec(dataclasses.replace(a, intervall=()), (CostItem(2020, 150_000),),
                             (dataclasses.replace(post, standardfel=None, källa="antagande"),)))
    assert fixed.varierade == ()
    assert "beräknas inte" in et.probability_sentence(fixed.to_dict(), [])


def test_catalogue_range_is_used_only_with_a_source(tmp_path: Path) -> None:
    kalkyl = KALKYL.replace("enhetskostnad: 50000", "enhetskostnad: post_a")
    d = _project(tmp_path, kalkyl_with("", kalkyl))
    (tmp_path / "inputs" / "enhetskostnader.csv").write_text(
        "post;belopp;enhet;prisår;bärare;källa;låg;hög\npost_a;50000;kr;2020;Socialnämnden;Kolada 2020;40000;60000\n",
        encoding="utf-8")
    calc = ec.calculate(d, effects={})
    assert calc.spec.nyttoposter[0].enhetskostnad_intervall == (40_000, 60_000)
    assert "nyttoposter[1].enhetskostnad" in calc.monte_carlo.varierade
    (tmp_path / "inputs" / "enhetskostnader.csv").write_text(
        "post;belopp;enhet;prisår;bärare;källa;låg;hög\npost_a;50000;kr;2020;Socialnämnden;;40000;60000\n",
        encoding="utf-8")
    assert ec.calculate(d, effects={}).spec.nyttoposter[0].enhetskostnad_intervall is None


# ---------------------------------------------------------------- payment plans


def test_payment_plan_starts_at_the_start_in_whole_kronor() -> None:
    # 1 000 000 for 2019, project started in August: August after delår 2, September–December after helår
    plan = payment_plan([CostItem(2019, 1_000_000)], start=(2019, 8))
    assert [(p.tillfälle, p.avser, p.belopp) for p in plan] == [
        ("delår 2", "augusti 2019", 200_000), ("helår", "september–december 2019", 800_000)]
    # 100 000 over a year: 33 333,33 each; whole kronor, the remainder in the last payment
    thirds = payment_plan([CostItem(2020, 100_000)])
    assert [p.belopp for p in thirds] == [33_333, 33_333, 33_334] and sum(p.belopp for p in thirds) == 100_000
    assert all(isinstance(p.belopp, int) for p in thirds)


def test_calculation_payment_plan_uses_insatsstart(tmp_path: Path) -> None:
    d = _project(tmp_path, kalkyl_with(""))
    calc = ec.calculate(d, effects={})
    assert [(p.avser, p.belopp) for p in calc.utbetalningsplan] == [("augusti 2020", 20_000),
                                                                  ("september–december 2020", 80_000)]


# ---------------------------------------------------------------- consolidated totals


def test_restate_to_a_common_price_and_base_year() -> None:
    index = PriceIndex(((2019, 100.0), (2020, 105.0), (2021, 110.0)))
    kalkyl = {"prisår": 2019, "diskonteringsränta": 0.035, "kostnad_kr": 1_000_000, "nettonuvärde_kr": 200_000,
              "antaganden": {"basår": 2019}}
    r = restate(kalkyl, 2021, 2021, index)
    assert r["kostnad_kr"] == pytest.approx(1_100_000)
    assert r["nettonuvärde_kr"] == pytest.approx(200_000 * 1.1 * 1.035**2)
    same = restate({**kalkyl, "prisår": 2021, "antaganden": {"basår": 2021}}, 2021, 2021, index)
    assert same["nettonuvärde_kr"] == 200_000
