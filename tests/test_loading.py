"""Loading and validation of a project folder (the input contract)."""

from __future__ import annotations

import datetime as dt

import openpyxl
import pytest

from sif_eval.errors import InputError
from sif_eval.inputs.project import fold, load_project, parse_number, parse_period
from tests.conftest import PROJEKT_YAML, write_project

GOOD = "indikator;grupp;period;värde\nind1;insats;2019;0,30\nind1;insats;2020;0,20\n"


def problems_of(exc: pytest.ExceptionInfo[InputError]) -> list[tuple[str, int | None, str | None]]:
    return [(p.file, p.row, p.column) for p in exc.value.problems]


def test_good_project_loads_with_explicit_types(tmp_path):
    lp = load_project(write_project(tmp_path, GOOD))
    assert lp.project.insatsstart == dt.date(2020, 1, 1)
    assert lp.project.indikatorer[0].effektmål == -0.05
    assert lp.project.indikatorer[0].bättre == "lägre"
    obs = lp.observations
    assert list(obs["varde"]) == [0.30, 0.20]
    assert list(obs["efter"]) == [False, True]
    assert list(obs["rad"]) == [2, 3]


def test_missing_column_names_file_row_and_column(tmp_path):
    d = write_project(tmp_path, "indikator;grupp;period\nind1;insats;2019\n")
    with pytest.raises(InputError) as exc:
        load_project(d)
    assert ("utfall.csv", 1, "värde") in problems_of(exc)
    msg = exc.value.swedish()
    assert "kolumnen 'värde' saknas" in msg and "utfall.csv, rad 1" in msg


def test_every_problem_reported_at_once(tmp_path):
    csv = ("indikator;grupp;period;värde\n"
           "ind1;insats;2019;0,3\n"
           "okand;insats;2019;0,3\n"       # row 3: unknown indicator
           "ind1;kontroll;2019;0,3\n"      # row 4: unknown group
           "ind1;insats;2021-13;0,3\n"     # row 5: impossible month
           "ind1;insats;2020;hög\n")       # row 6: not a number
    with pytest.raises(InputError) as exc:
        load_project(write_project(tmp_path, csv))
    found = problems_of(exc)
    assert ("utfall.csv", 3, "indikator") in found
    assert ("utfall.csv", 4, "grupp") in found
    assert ("utfall.csv", 5, "period") in found
    assert ("utfall.csv", 6, "värde") in found
    assert exc.value.exit_code == 2
    assert "'hög' är inget tal" in exc.value.swedish()


def test_share_outside_zero_one_is_refused(tmp_path):
    with pytest.raises(InputError) as exc:
        load_project(write_project(tmp_path, "indikator;grupp;period;värde\nind1;insats;2019;30\nind1;insats;2020;0,2\n"))
    assert ("utfall.csv", 2, "värde") in problems_of(exc)


def test_windows_1252_comma_separated_ascii_headers_and_bom(tmp_path):
    text = "\ufeffIndikator , GRUPP,Period,Varde\r\nind1,insats,2019,0.3\r\n\r\nind1,jamforelse,2020,0.2\r\n"
    lp = load_project(write_project(tmp_path, text.encode("utf-8")))
    assert list(lp.observations["grupp"]) == ["insats", "jämförelse"]
    assert list(lp.observations["rad"]) == [2, 4]  # the blank line still counts
    cp = "indikator;grupp;period;värde\nind1;jämförelse;2019;0,3\nind1;insats;2020;0,2\n".encode("cp1252")
    lp2 = load_project(write_project(tmp_path, cp, name="cp"))
    assert list(lp2.observations["grupp"]) == ["jämförelse", "insats"]


def test_yaml_keys_folded_to_ascii_and_dates_kept_as_text(tmp_path):
    yaml_text = PROJEKT_YAML.replace("ansvarig_nämnd", "Ansvarig_Namnd").replace("bättre", "battre")
    lp = load_project(write_project(tmp_path, GOOD, projekt=yaml_text))
    assert lp.project.ansvarig_nämnd == "Socialnämnden"
    assert lp.project.indikatorer[0].bättre == "lägre"


def test_broken_yaml_and_bad_values(tmp_path):
    with pytest.raises(InputError) as exc:
        load_project(write_project(tmp_path, GOOD, projekt="projekt: [oavslutad\n"))
    assert exc.value.problems[0].file == "projekt.yaml"
    bad = PROJEKT_YAML.replace("typ: andel", "typ: procent").replace("2020-01-01", "2020-02-30")
    with pytest.raises(InputError) as exc:
        load_project(write_project(tmp_path, GOOD, projekt=bad, name="b"))
    cols = [p.column for p in exc.value.problems]
    assert "insatsstart" in cols and "indikatorer[1].typ" in cols


def test_intervention_start_after_all_data(tmp_path):
    yaml_text = PROJEKT_YAML.replace("2020-01-01", "2030-01-01")
    with pytest.raises(InputError) as exc:
        load_project(write_project(tmp_path, GOOD, projekt=yaml_text))
    assert "inga observationer från insatsstart" in exc.value.swedish()


def test_duplicate_unit_rows_refused(tmp_path):
    csv = "indikator;grupp;period;värde;enhet\nind1;insats;2019;1;A\nind1;insats;2019;0;A\nind1;insats;2020;0;A\n"
    with pytest.raises(InputError) as exc:
        load_project(write_project(tmp_path, csv))
    assert ("utfall.csv", 3, "enhet") in problems_of(exc)


def test_missing_files(tmp_path):
    d = tmp_path / "tom"
    d.mkdir()
    with pytest.raises(InputError) as exc:
        load_project(d)
    files = {p.file for p in exc.value.problems}
    assert files == {"projekt.yaml", "utfall.csv"}


def test_xlsx_with_named_sheet(tmp_path):
    d = tmp_path / "x"
    d.mkdir()
    (d / "projekt.yaml").write_text(PROJEKT_YAML, encoding="utf-8")
    wb = openpyxl.Workbook()
    wb.active.title = "Instruktioner"
    ws = wb.create_sheet("utfall")
    ws.append(["indikator", "grupp", "period", "värde"])
    ws.append(["ind1", "insats", 2019, 0.3])
    ws.append(["ind1", "insats", "2020", "0,2"])
    wb.save(d / "utfall.xlsx")
    lp = load_project(d)
    assert list(lp.observations["varde"]) == [0.3, 0.2]
    assert list(lp.observations["period"]) == ["2019", "2020"]


@pytest.mark.parametrize("text,value", [("0,25", 0.25), ("1 234,5", 1234.5), ("1\u00a0234", 1234.0),
                                        ("-3", -3.0), ("1.234,5", 1234.5), ("1,234.5", 1234.5), ("abc", None),
                                        ("", None), ("nan", None)])
def test_parse_number(text, value):
    assert parse_number(text) == value


@pytest.mark.parametrize("text,start,kind", [("2021", dt.date(2021, 1, 1), "år"), ("2021-Q3", dt.date(2021, 7, 1), "kvartal"),
                                             ("2021-03", dt.date(2021, 3, 1), "månad"),
                                             ("2021-03-15", dt.date(2021, 3, 15), "dag")])
def test_parse_period(text, start, kind):
    assert parse_period(text) == (start, kind)


@pytest.mark.parametrize("text", ["2021-13", "2021-Q5", "2021-02-30", "21", "mars"])
def test_impossible_periods(text):
    assert parse_period(text) is None


def test_fold():
    assert fold("\ufeff Jämförelse ") == "jamforelse"
    assert fold("VÄRDE") == "varde"
