"""Messy but valid files load; malformed ones are refused clearly (exit code 2, Swedish, file/row/column).

The cases live in ``tests/corpus``; the property-based tests at the end write
random but valid CSV files and check they load to the same numbers.
"""

from __future__ import annotations

import datetime as dt
import io
import re
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from sif_eval import swedish as sv
from sif_eval.errors import InputError
from sif_eval.inputs.project import load_project, parse_number, parse_period
from tests.conftest import PROJEKT_YAML, ROOT, write_project
from tests.corpus import GROUPS, MALFORMED, MESSY_FILES, PERIODS, VALUES, Messy

GOOD = "indikator;grupp;period;värde\nind1;insats;2019;0,3\nind1;insats;2020;0,2\n"
MEAN_YAML = PROJEKT_YAML.replace("typ: andel", "typ: medelvärde")  # values outside 0–1


def _project(tmp_path: Path, name: str, data: bytes, *, yaml_text: str = MEAN_YAML) -> Path:
    d = tmp_path / "p"
    d.mkdir(parents=True, exist_ok=True)
    (d / "projekt.yaml").write_text(yaml_text, encoding="utf-8")
    (d / name).write_bytes(data)
    return d


@pytest.mark.parametrize("case", MESSY_FILES, ids=[c.id for c in MESSY_FILES])
def test_messy_but_valid_file_loads_to_the_same_values(tmp_path, case: Messy):
    loaded = load_project(_project(tmp_path, case.name, case.data))
    obs = loaded.observations
    assert list(obs["varde"]) == pytest.approx(VALUES)
    assert list(obs["grupp"]) == GROUPS
    assert list(obs["period"]) == PERIODS


def test_row_numbers_count_blank_lines(tmp_path):
    case = next(c for c in MESSY_FILES if c.id == "blank-lines-and-separator-only-lines")
    loaded = load_project(_project(tmp_path, case.name, case.data))
    assert list(loaded.observations["rad"]) == [3, 6, 7, 9]


@pytest.mark.parametrize("case", MALFORMED, ids=[c[0] for c in MALFORMED])
def test_malformed_input_is_refused_naming_file_row_and_column(tmp_path, case):
    case_id, name, content, (file, row, column) = case
    d = write_project(tmp_path, GOOD)
    if content is None:
        (d / name).unlink()
    else:
        (d / name).write_bytes(content)
    if name == "utfall.xlsx":
        (d / "utfall.csv").unlink()  # utfall.csv would be read first
    with pytest.raises(InputError) as exc:
        load_project(d)
    problems = exc.value.problems
    match = [p for p in problems if p.file == file and (row is None or p.row == row)
             and (column is None or p.column == column)]
    assert match, [str(p) for p in problems]
    assert match[0].hint, f"{case_id}: no 'Åtgärd' telling how to fix it: {match[0]}"
    message = exc.value.swedish()
    assert exc.value.exit_code == 2
    assert "Åtgärd:" in message and "Inget har skrivits" in message
    assert len(message) < 5_000, "a problem must not quote megabytes of input"
    assert "Traceback" not in message


def test_every_problem_kept_but_the_listing_is_capped(tmp_path):
    rows = "".join(f"ind1;kontroll;2019-13;x{i}\n" for i in range(20_000))
    d = write_project(tmp_path, "indikator;grupp;period;värde\n" + rows)
    with pytest.raises(InputError) as exc:
        load_project(d)
    assert len(exc.value.problems) == 60_000  # every one is kept for a program to use
    message = exc.value.swedish()
    assert message.count("\n  - ") == InputError.MAX_LISTED
    assert "… och 59950 problem till" in message
    assert len(message) < 20_000


def test_hostile_indicator_ids_cannot_name_files_outside_the_run(tmp_path):
    from tests.corpus import HOSTILE_IDS

    for case_id, ind_id, accepted in HOSTILE_IDS:
        yaml_text = PROJEKT_YAML.replace("id: ind1", f"id: '{ind_id}'")
        d = write_project(tmp_path, GOOD.replace("ind1", ind_id), projekt=yaml_text, name=case_id)
        if accepted:
            assert load_project(d).project.indikatorer[0].id == ind_id
            continue
        with pytest.raises(InputError) as exc:
            load_project(d)
        assert any(p.column == "indikatorer[1].id" for p in exc.value.problems), case_id


def test_text_limits_20000_for_free_text_2000_in_lists(tmp_path):
    ok = PROJEKT_YAML + "beskrivning: '" + "a" * 20_000 + "'\n"
    assert len(load_project(write_project(tmp_path, GOOD, projekt=ok, name="ok")).project.beskrivning) == 20_000
    too_long = PROJEKT_YAML + "beskrivning: '" + "a" * 20_001 + "'\n"
    with pytest.raises(InputError) as exc:
        load_project(write_project(tmp_path, GOOD, projekt=too_long, name="lang"))
    assert "högst 20\u00a0000 tillåts" in exc.value.swedish()
    long_name = PROJEKT_YAML.replace("namn: Andel med insats", "namn: " + "n" * 2_001)
    with pytest.raises(InputError) as exc:
        load_project(write_project(tmp_path, GOOD, projekt=long_name, name="namn"))
    assert [p.column for p in exc.value.problems] == ["indikatorer[1].namn"]


@pytest.mark.integration
def test_cli_refusals_exit_2_without_traceback(tmp_path):
    """Through the command line (run and validera), the same refusals: Swedish, exit code 2, no run folder."""
    chosen = {"binary-garbage", "text-named-xlsx", "yaml-alias-bomb"}  # the rest: in-process above
    for case_id, name, content, (file, _row, _column) in MALFORMED:
        if case_id not in chosen:
            continue
        d = write_project(tmp_path / "inputs", GOOD, name=case_id)
        (d / name).write_bytes(content)
        if name == "utfall.xlsx":
            (d / "utfall.csv").unlink()
        out = tmp_path / "outputs"
        command = ["run", str(d), "--outputs", str(out)] if case_id == "binary-garbage" else ["validera", str(d)]
        proc = subprocess.run([sys.executable, "-m", "sif_eval", *command], capture_output=True, text=True,
                              cwd=ROOT, timeout=120)
        assert proc.returncode == 2, (case_id, proc.stderr)
        assert "Traceback" not in proc.stderr and file in proc.stderr and "Åtgärd:" in proc.stderr, case_id
        assert len(proc.stderr) < 5_000 and proc.stdout == ""
        assert not out.exists()


# ---------------------------------------------------------------- properties

_FINITE = st.floats(min_value=-1e9, max_value=1e9, allow_nan=False, allow_infinity=False)


@given(x=_FINITE, decimals=st.integers(min_value=0, max_value=4))
def test_parse_number_reads_back_what_swedish_writes(x, decimals):
    text = sv.number(x, decimals)
    assert parse_number(text) == pytest.approx(float(text.replace("\u00a0", "").replace(",", ".")))
    assert parse_number(text) == pytest.approx(x, abs=0.5 * 10 ** -decimals + 1e-9 * abs(x))


@given(x=_FINITE)
def test_parse_number_reads_back_kronor_and_plain_numbers(x):
    assert parse_number(sv.kronor(x, suffix=False)) == round_half_away(x)
    assert parse_number(repr(x)) == x
    assert parse_number(sv.number(x)) == pytest.approx(x, abs=5e-4 + 1e-12 * abs(x))


def round_half_away(x: float) -> float:
    from decimal import ROUND_HALF_UP, Decimal

    return float(Decimal(repr(x)).quantize(Decimal(1), rounding=ROUND_HALF_UP))


@given(year=st.integers(min_value=1000, max_value=9999), month=st.integers(min_value=0, max_value=99),
       day=st.integers(min_value=0, max_value=99), quarter=st.integers(min_value=0, max_value=9))
def test_parse_period_accepts_exactly_the_valid_periods(year, month, day, quarter):
    assert parse_period(f"{year}") == (dt.date(year, 1, 1), "år")
    q = parse_period(f"{year}-Q{quarter}")
    assert q == ((dt.date(year, 3 * quarter - 2, 1), "kvartal") if 1 <= quarter <= 4 else None)
    m = parse_period(f"{year}-{month:02d}")
    assert m == ((dt.date(year, month, 1), "månad") if 1 <= month <= 12 else None)
    try:
        expected = (dt.date(year, month, day), "dag")
    except ValueError:
        expected = None
    assert parse_period(f"{year}-{month:02d}-{day:02d}") == expected


_NEAR_PERIODS = st.one_of(st.text(max_size=12), st.from_regex(r"\A ?[0-9٠-٩]{2,5}(-?[Qq][0-9]|-[0-9]{1,3}(-[0-9]{1,3})?)? ?\Z"))


@given(_NEAR_PERIODS)
def test_parse_period_accepts_only_the_documented_forms(text):
    parsed = parse_period(text)
    documented = re.fullmatch(r"[0-9]{4}(-?[Qq][1-4]|-[0-9]{1,2}|-[0-9]{2}-[0-9]{2}|\s*/\s*([0-9]{2}|[0-9]{4}))?"
                              r"|[HhVv][Tt] ?[0-9]{4}", text.strip())
    if parsed is not None:
        assert documented, text
    elif documented:  # the form is right, so the date itself must be impossible
        s = text.strip()
        if "/" in s:  # a school year must run from one year to the next
            first, second = (int(x) for x in s.split("/"))
            assert second % 100 != (first + 1) % 100 or first == 0, text
            return
        parts = re.split(r"-", s)
        assert (len(parts) > 1 and "Q" not in s.upper()) or s[-4:] == "0000", text  # there is no year 0


_ENCODINGS = st.sampled_from(["utf-8", "utf-8-sig", "cp1252", "utf-16"])
_SEPS = st.sampled_from([";", ",", "\t"])
_EOLS = st.sampled_from(["\n", "\r\n"])
_VALUES = st.lists(st.floats(min_value=-1e7, max_value=1e7, allow_nan=False, allow_infinity=False)
                   .map(lambda v: round(v, 3)), min_size=2, max_size=8)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(values=_VALUES, encoding=_ENCODINGS, sep=_SEPS, eol=_EOLS, decimal_comma=st.booleans(),
       thousands=st.sampled_from(["", " ", "\u00a0", "\u202f"]), quote=st.booleans(), bom_header_case=st.booleans())
def test_csv_in_any_valid_dialect_loads_the_same_values(tmp_path_factory, values, encoding, sep, eol,
                                                         decimal_comma, thousands, quote, bom_header_case):
    if decimal_comma and sep == "," and not quote:
        quote = True  # a decimal comma in a comma-separated file must be quoted, as Excel does
    if thousands and sep == "," and not quote:
        thousands = ""
    assume(not (encoding == "cp1252" and thousands == "\u202f"))  # Windows-1252 has no narrow NBSP
    header = ["Indikator", "GRUPP", "period", "Varde"] if bom_header_case else ["indikator", "grupp", "period", "värde"]
    buf = io.StringIO()
    buf.write(sep.join(header) + eol)
    for i, v in enumerate(values):
        text = f"{v:,.3f}".replace(",", "\u0000")
        text = text.replace(".", "," if decimal_comma else ".").replace("\u0000", thousands)
        if quote:
            text = f'"{text}"'
        period = 2019 if i % 2 == 0 else 2020
        buf.write(sep.join(["ind1", "insats", str(period), text]) + eol)
    data = buf.getvalue().encode(encoding)
    yaml_text = PROJEKT_YAML.replace("typ: andel", "typ: medelvärde")
    d = _project(tmp_path_factory.mktemp("h"), "utfall.csv", data, yaml_text=yaml_text)
    loaded = load_project(d)
    assert list(loaded.observations["varde"]) == pytest.approx(values, abs=1e-9)
