"""School periods, transition periods, Excel-mangled periods and rates, as the loader reads them."""

from __future__ import annotations

import datetime as dt

import pytest

from sif_eval.errors import InputError
from sif_eval.inputs.periods import is_transition, looks_excel_converted, parse_period, period_end
from sif_eval.inputs.project import load_project
from tests.conftest import PROJEKT_YAML, write_project


@pytest.mark.parametrize(("text", "start", "kind", "end"), [
    ("2019/20", dt.date(2019, 8, 1), "läsår", dt.date(2020, 7, 1)),
    ("2019/2020", dt.date(2019, 8, 1), "läsår", dt.date(2020, 7, 1)),
    ("HT2019", dt.date(2019, 8, 1), "termin", dt.date(2020, 1, 1)),
    ("ht 2019", dt.date(2019, 8, 1), "termin", dt.date(2020, 1, 1)),
    ("VT2020", dt.date(2020, 1, 1), "termin", dt.date(2020, 7, 1)),
    ("2019", dt.date(2019, 1, 1), "år", dt.date(2020, 1, 1)),
    ("2019-Q4", dt.date(2019, 10, 1), "kvartal", dt.date(2020, 1, 1)),
    ("2019-12", dt.date(2019, 12, 1), "månad", dt.date(2020, 1, 1)),
])
def test_periods_and_their_ends(text, start, kind, end):
    assert parse_period(text) == (start, kind)
    assert period_end(start, kind) == end


def test_terms_order_correctly_and_impossible_school_years_are_refused():
    terms = ["VT2020", "HT2019", "VT2019", "HT2020"]
    assert sorted(terms, key=lambda t: parse_period(t)[0]) == ["VT2019", "HT2019", "VT2020", "HT2020"]
    assert parse_period("2019/21") is None and parse_period("2019/2021") is None


def test_transition_is_a_period_that_starts_before_and_ends_after():
    start = dt.date(2019, 7, 1)
    assert is_transition(dt.date(2019, 1, 1), "år", start)  # half exposed
    assert not is_transition(dt.date(2019, 7, 1), "månad", start)  # begins on the start: after
    assert not is_transition(dt.date(2019, 6, 1), "månad", start)  # ends the day before: before
    assert is_transition(dt.date(2019, 8, 1), "termin", dt.date(2019, 8, 15))
    assert not is_transition(dt.date(2019, 8, 1), "läsår", dt.date(2019, 8, 1))


@pytest.mark.parametrize("text", ["jan-17", "17-jan", "Jan-2017", "2017-01-01 00:00:00", "1/15/2017", "42736"])
def test_excel_conversions_are_recognised(text):
    assert looks_excel_converted(text) and parse_period(text) is None


def test_excel_converted_period_gets_a_message_that_says_so(tmp_path):
    d = write_project(tmp_path, "indikator;grupp;period;värde\nind1;insats;jan-17;0,2\nind1;insats;2021;0,1\n")
    with pytest.raises(InputError) as err:
        load_project(d)
    (problem,) = [p for p in err.value.problems if p.row == 2]
    assert problem.column == "period" and "Excel har gjort om" in problem.message
    assert "Formatera kolumnen som Text" in problem.hint


def test_school_terms_load_with_the_transition_marked(tmp_path):
    yaml = PROJEKT_YAML.replace("insatsstart: 2020-01-01", "insatsstart: 2019-09-01")
    rows = ["indikator;grupp;period;värde"] + [f"ind1;insats;{t};0,{i + 1}" for i, t in
                                                 enumerate(["VT2019", "HT2019", "VT2020", "HT2020"])]
    obs = load_project(write_project(tmp_path, "\n".join(rows) + "\n", yaml)).observations
    marked = dict(zip(obs["period"], obs["overgang"], strict=True))
    assert marked == {"VT2019": False, "HT2019": True, "VT2020": False, "HT2020": False}
    assert not obs.loc[obs["period"] == "HT2019", "efter"].item()  # begins before the start


def test_a_count_with_a_denominator_becomes_a_rate(tmp_path):
    yaml = PROJEKT_YAML.replace("    typ: andel\n", "    typ: medelvärde\n    nämnare: elever\n    per: 1000\n")
    csv = "indikator;grupp;period;värde;elever\nind1;insats;2019;12;400\nind1;insats;2021;9;450\n"
    obs = load_project(write_project(tmp_path, csv, yaml)).observations
    assert obs["varde"].tolist() == pytest.approx([12 / 400 * 1000, 9 / 450 * 1000])


def test_a_missing_or_zero_denominator_is_named(tmp_path):
    yaml = PROJEKT_YAML.replace("    typ: andel\n", "    typ: medelvärde\n    nämnare: elever\n")
    with pytest.raises(InputError, match="kolumnen 'elever' saknas"):
        load_project(write_project(tmp_path, "indikator;grupp;period;värde\nind1;insats;2019;1\n", yaml, name="a"))
    with pytest.raises(InputError) as err:
        load_project(write_project(tmp_path, "indikator;grupp;period;värde;elever\nind1;insats;2019;1;0\n"
                                   "ind1;insats;2021;1;5\n", yaml, name="b"))
    (problem,) = err.value.problems
    assert problem.row == 2 and problem.column == "elever" and "inget positivt tal" in problem.message


def test_unknown_transition_rule_is_refused(tmp_path):
    yaml = PROJEKT_YAML + "    övergångsperiod: halva\n"
    with pytest.raises(InputError, match="övergångsperiod"):
        load_project(write_project(tmp_path, "indikator;grupp;period;värde\nind1;insats;2019;0,1\nind1;insats;2021;0,1\n",
                                   yaml))
