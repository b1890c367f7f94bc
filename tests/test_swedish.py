"""Swedish formatting, checked against the figures the seed documents print.

Seeds: 004 (Uppsala, statsbidrag 2021), 003 (Södertälje), 000 (27 mnkr),
002 (15 mnkr / 10 mnkr).  NBSP is U+00A0 and must be there, not a plain space.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import numpy as np
import pytest
from babel.dates import get_month_names
from hypothesis import given
from hypothesis import strategies as st

from sif_eval import swedish as sv

NBSP = "\u00a0"


def plain(text: str) -> str:
    """The text with NBSPs shown as ordinary spaces, to compare with the seeds as printed."""
    return text.replace(NBSP, " ")


# --------------------------------------------------------------------------- money, from seed 004


@pytest.mark.parametrize(
    ("amount", "expected"),
    [
        (7_287_841, "7 287 841 kronor"),  # used
        (8_052_000, "8 052 000 kronor"),  # requisitioned
        (764_159, "764 159 kronor"),  # repaid
        (1_432_841, "1 432 841 kronor"),  # arbetsmarknadsnämnden
        (5_855_000, "5 855 000 kronor"),  # socialnämnden
        (250_000_000, "250 000 000 kronor"),  # the national grant
    ],
)
def test_kronor_seed_amounts(amount: int, expected: str) -> None:
    assert plain(sv.kronor(amount)) == expected
    assert " " not in sv.kronor(amount), "groups and unit must be joined by NBSP, not a space"


def test_kronor_uses_nbsp_explicitly() -> None:
    assert sv.kronor(7_287_841) == "7\u00a0287\u00a0841\u00a0kronor"
    assert sv.kronor(7_287_841, suffix=False) == "7\u00a0287\u00a0841"


def test_kronor_sum_of_committees_matches_total() -> None:
    # The seed's own arithmetic: the two committees' spending is the total used.
    assert plain(sv.kronor(1_432_841 + 5_855_000)) == "7 287 841 kronor"
    assert plain(sv.kronor(8_052_000 - 7_287_841)) == "764 159 kronor"


def test_kronor_singular_negative_rounding_and_numpy() -> None:
    assert sv.kronor(1) == "1\u00a0krona"
    assert sv.kronor(-1) == "−1\u00a0krona"
    assert sv.kronor(2) == "2\u00a0kronor"
    assert sv.kronor(-764_159) == "−764\u00a0159\u00a0kronor"
    assert sv.kronor(503_585.5) == "503\u00a0586\u00a0kronor"  # half away from zero
    assert sv.kronor(np.int64(8_052_000)) == sv.kronor(8_052_000)
    assert sv.kronor(np.float64(764_159.0)) == sv.kronor(764_159)
    assert sv.kronor(Decimal("1432841")) == sv.kronor(1_432_841)
    assert plain(sv.kronor(12.5, decimals=2)) == "12,50 kronor"
    assert sv.kronor(None) == "\u2013"
    assert sv.kronor(float("nan")) == "\u2013"


def test_kronor_rejects_non_numbers() -> None:
    with pytest.raises(TypeError):
        sv.kronor("7287841")
    with pytest.raises(TypeError):
        sv.kronor(True)
    with pytest.raises(ValueError):
        sv.kronor(float("inf"))


@pytest.mark.parametrize(
    ("amount", "expected"),
    [
        (440_000, "440 tkr"),  # socialarbetare i skolan
        (1_500_000, "1 500 tkr"),  # KAA, år 3 (seed 003)
        (2_400_000, "2 400 tkr"),
        (503_586, "504 tkr"),  # "500 tkr (503 586 kr för att vara exakt)" rounds to whole tkr
        (30_000, "30 tkr"),
    ],
)
def test_tkr(amount: int, expected: str) -> None:
    assert plain(sv.tkr(amount)) == expected


def test_tkr_nbsp_and_options() -> None:
    assert sv.tkr(1_500_000) == "1\u00a0500\u00a0tkr"
    assert sv.tkr(1_500_000, suffix=False) == "1\u00a0500"
    assert plain(sv.tkr(503_586, 1)) == "503,6 tkr"
    assert sv.tkr(500) == "1\u00a0tkr"  # 0,5 tkr rounds up
    assert sv.tkr(None) == "\u2013"


@pytest.mark.parametrize(
    ("amount", "expected"),
    [
        (27_000_000, "27 mnkr"),  # seed 000
        (1_500_000, "1,5 mnkr"),
        (15_000_000, "15 mnkr"),  # seed 002
        (10_000_000, "10 mnkr"),
        (1_250_000, "1,3 mnkr"),
        (999_000_000_000, "999 000 mnkr"),
    ],
)
def test_mnkr(amount: int, expected: str) -> None:
    assert plain(sv.mnkr(amount)) == expected


def test_mnkr_nbsp_and_decimals() -> None:
    assert sv.mnkr(1_500_000) == "1,5\u00a0mnkr"
    assert plain(sv.mnkr(1_234_567, 2)) == "1,23 mnkr"
    assert plain(sv.mnkr(1_500_000, 2)) == "1,5 mnkr"  # no trailing zero
    assert plain(sv.mnkr(27_000_000, 0)) == "27 mnkr"


# --------------------------------------------------------------------------- numbers


def test_number_and_decimal() -> None:
    assert sv.number(-11_863.9) == "−11\u00a0863,9"
    assert sv.decimal(-11_863.94, 1) == "−11\u00a0863,9"
    assert sv.number(1240) == "1\u00a0240"
    assert sv.number(0.125) == "0,125"
    assert sv.number(0.1234) == "0,123"
    assert sv.number(2.5, 0) == "3"
    assert sv.decimal(2.675, 2) == "2,68"  # as written, not as stored in binary
    assert sv.decimal(-0.04, 1) == "0,0"  # no negative zero
    assert sv.decimal(np.float32(0.1), 2) == "0,10"
    assert sv.number(np.int32(-5)) == "−5"
    assert sv.number(None) == "\u2013"
    assert sv.number(np.nan) == "\u2013"


def test_minus_is_the_minus_sign_and_reads_back() -> None:
    # CLDR's Swedish minus U+2212 everywhere (Babel writes '-', see the module docstring).
    assert sv.number(-5) == "\u22125"
    assert "-" not in sv.kronor(-5) + sv.percent(-0.5) + sv.tkr(-5000) + sv.mnkr(-2_000_000) + sv.ci(-1, 2)
    assert sv.parse_number(sv.number(-11_863.9)) == -11_863.9


def test_small_numbers_in_words_for_running_text() -> None:
    assert sv.count_words(1, "indikator", "indikatorer") == "en indikator"
    assert sv.count_words(1, "effektmål", "effektmål", "ett") == "ett effektmål"
    assert sv.count_words(2, "indikator", "indikatorer") == "två indikatorer"
    assert sv.count_words(9, "rad", "rader") == "nio rader"
    assert sv.count_words(14, "rad", "rader") == "14\u00a0rader"
    assert sv.number_word(0) == "noll"


def test_one_rounding_rule_for_estimates() -> None:
    assert sv.effect_decimals("andel", [-0.0321]) == 1
    assert sv.effect_decimals("antal", [-0.13, -2.2, 1.94]) == 1  # largest magnitude decides, for all three
    assert sv.effect_decimals("antal", [0.3]) == 2
    assert sv.effect_value(-0.032, "andel", 1) == "\u22123,2\u00a0procentenheter"
    assert sv.effect_value(-0.032, "andel", 1, unit="kort") == "\u22123,2\u00a0p.e."
    assert sv.effect_value(-0.3, "antal", 2, unit_word="anmälningar per månad") == "\u22120,30\u00a0anmälningar per månad"
    assert sv.effect_value(1, "antal", 0, unit_word="orosanmälningar") == "1,0\u00a0orosanmälningar"  # plural noun
    assert sv.effect_ci(-0.074, -0.03, "andel", 1, label=False) == "\u22127,4\u00a0till\u00a0\u22123,0"


def test_missing_pandas_values() -> None:
    pd = pytest.importorskip("pandas")
    assert sv.number(pd.NA) == "\u2013"
    assert sv.date_text(pd.NaT) == "\u2013"
    assert sv.date_text(pd.Timestamp("2022-02-02")) == "2 februari 2022"


# --------------------------------------------------------------------------- shares


def test_percent() -> None:
    assert sv.percent(0.125) == "12,5\u00a0procent"
    assert sv.percent(0.125, word=False) == "12,5\u00a0%"
    assert plain(sv.percent(0.2, 0)) == "20 procent"  # "20 procents tjänst" (seed 004)
    assert plain(sv.percent(np.float64(0.0525), 2, word=False)) == "5,25 %"
    assert sv.percent(None) == "\u2013"


@pytest.mark.parametrize(
    ("diff", "decimals", "expected"),
    [
        (0.052, 1, "5,2 procentenheter"),
        (-0.052, 1, "−5,2 procentenheter"),
        (0.01, 0, "1 procentenhet"),
        (-0.01, 0, "−1 procentenhet"),
        (0.01, 1, "1,0 procentenheter"),  # plural after any decimal number
        (0.015, 1, "1,5 procentenheter"),
        (0.0, 1, "0,0 procentenheter"),
        (0.02, 0, "2 procentenheter"),
    ],
)
def test_percentage_points(diff: float, decimals: int, expected: str) -> None:
    assert plain(sv.percentage_points(diff, decimals)) == expected


def test_percentage_points_nbsp() -> None:
    assert sv.percentage_points(0.052) == "5,2\u00a0procentenheter"


# --------------------------------------------------------------------------- statistics


def test_p_value() -> None:
    assert sv.p_value(0.003) == "p\u00a0=\u00a00,003"
    assert sv.p_value(0.0001) == "p\u00a0<\u00a00,001"
    assert plain(sv.p_value(0.0495)) == "p = 0,050"
    assert plain(sv.p_value(0.9999)) == "p > 0,999"
    assert sv.p_value(None) == "\u2013"
    with pytest.raises(ValueError):
        sv.p_value(1.5)


def test_ci() -> None:
    assert sv.ci(3.0, 7.4) == "95\u00a0%\u00a0KI\u00a03,0\u20137,4"
    assert sv.ci(0.030, 0.074, scale=100) == "95\u00a0%\u00a0KI\u00a03,0\u20137,4"
    assert plain(sv.ci(-1.2, 3.4)) == "95 % KI −1,2 till 3,4"
    assert plain(sv.ci(-7.4, -3.0)) == "95 % KI −7,4 till −3,0"
    assert plain(sv.ci(1, 2, 2, level=0.9)) == "90 % KI 1,00\u20132,00"
    assert sv.ci(3.0, 7.4, label=False) == "3,0\u20137,4"
    assert sv.ci(None, 7.4) == "\u2013"


# --------------------------------------------------------------------------- dates and periods


def test_dates_from_seed_004() -> None:
    assert sv.date_header(dt.date(2022, 2, 2)) == "2022-02-02"
    assert sv.date_text(dt.date(2022, 2, 2)) == "2 februari 2022"
    assert sv.date_text("2021-05-12") == "12 maj 2021"
    assert sv.date_header("2022-02-02T14:30:00") == "2022-02-02"
    assert sv.date_text(dt.datetime(2021, 5, 12, 9, 0)) == "12 maj 2021"
    assert sv.date_text(np.datetime64("2022-02-02")) == "2 februari 2022"
    assert sv.date_header("2018-10-02") == "2018-10-02"  # seed 003's header date
    assert sv.date_header(None) == "\u2013"


def test_bad_dates_raise() -> None:
    with pytest.raises(ValueError, match="ISO date"):
        sv.date_text("2 februari 2022")
    with pytest.raises(TypeError):
        sv.date_text(20220202)


@pytest.mark.parametrize(
    ("period", "expected"),
    [
        ("2021-Q3", "tredje kvartalet 2021"),
        ("2021-Q1", "första kvartalet 2021"),
        ("2021q4", "fjärde kvartalet 2021"),
        ("2021-03", "mars 2021"),
        ("2021-3", "mars 2021"),
        ("2021", "2021"),
        (2021, "2021"),
        ("2021-03-15", "15 mars 2021"),
        (dt.date(2021, 3, 15), "15 mars 2021"),
    ],
)
def test_period_text(period: object, expected: str) -> None:
    assert sv.period_text(period) == expected


@pytest.mark.parametrize("period", ["2021-13", "2021-Q5", "21", "mars 2021", "2021-02-30"])
def test_period_text_rejects(period: str) -> None:
    with pytest.raises(ValueError):
        sv.period_text(period)


# --------------------------------------------------------------------------- words and lists


def test_plural_and_count_noun() -> None:
    assert sv.plural(1, "insats", "insatser") == "insats"
    assert sv.plural(10, "insats", "insatser") == "insatser"
    assert sv.plural(0, "insats", "insatser") == "insatser"
    assert sv.count_noun(1, "insats", "insatser") == "1\u00a0insats"
    assert sv.count_noun(10, "insats", "insatser") == "10\u00a0insatser"
    assert plain(sv.count_noun(1240, "elev", "elever")) == "1 240 elever"
    assert plain(sv.count_noun(np.int64(26), "ungdom", "ungdomar")) == "26 ungdomar"


def test_att_list() -> None:
    clauses = [
        "godkänna föreslagen återrapportering av effekter av statsbidrag från Socialstyrelsen 2021",
        "att uppdra åt kommunledningskontoret att återbetala 764 159 kronor",
        "Notera informationen",
    ]
    assert sv.att_list(clauses) == [
        "1. att godkänna föreslagen återrapportering av effekter av statsbidrag från Socialstyrelsen 2021",
        "2. att uppdra åt kommunledningskontoret att återbetala 764 159 kronor",
        "3. att notera informationen",
    ]
    assert sv.att_list(["anta KS förslag"], start=4) == ["4. att anta KS förslag"]
    assert sv.att_list([]) == []
    with pytest.raises(ValueError):
        sv.att_list(["  "])


def test_join_list() -> None:
    assert sv.join_list(["a", "b", "c"]) == "a, b och c"
    assert (
        sv.join_list(["arbetsmarknadsnämnden", "socialnämnden"]) == "arbetsmarknadsnämnden och socialnämnden"
    )
    assert sv.join_list(["a"]) == "a"
    assert sv.join_list([]) == ""
    assert sv.join_list(["a", "b"], "eller") == "a eller b"


def test_lower_first() -> None:
    assert sv.lower_first("Meritvärde i åk 9") == "meritvärde i åk 9"
    assert sv.lower_first("SSPF-möten") == "SSPF-möten"
    assert sv.lower_first("") == ""


# --------------------------------------------------------------------------- properties


@given(st.integers(min_value=-(10**12), max_value=10**12))
def test_kronor_parses_back(n: int) -> None:
    text = sv.kronor(n)
    assert " " not in text
    digits = text.replace(NBSP, "").removesuffix("kronor").removesuffix("krona")
    assert sv.parse_number(digits) == n


@given(
    st.one_of(
        st.floats(min_value=-1e12, max_value=1e12, allow_nan=False),
        st.integers(min_value=-(10**15), max_value=10**15),
    ),
    st.integers(min_value=0, max_value=6),
)
def test_decimal_never_uses_a_point(x: float, decimals: int) -> None:
    text = sv.decimal(x, decimals)
    assert "." not in text
    assert " " not in text
    assert text.count(",") == (1 if decimals else 0)
    assert abs(sv.parse_number(text) - x) <= 0.5 * 10**-decimals + 1e-9 * abs(x)


@given(st.dates())
def test_date_text_round_trips(d: dt.date) -> None:
    months = {name: number for number, name in get_month_names("wide", locale="sv_SE").items()}
    day, month, year = sv.date_text(d).split(" ")
    assert not day.startswith("0")
    assert dt.date(int(year), months[month], int(day)) == d
    assert dt.date.fromisoformat(sv.date_header(d)) == d


@given(st.floats(min_value=-1, max_value=1, allow_nan=False))
def test_percent_and_points_agree(share: float) -> None:
    assert sv.percent(share, word=False).split(NBSP)[0] == sv.percentage_points(share).split(NBSP)[0]
