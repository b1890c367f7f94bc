"""Personal data never passes, pseudonyms are one-way and stable, small numbers are found.

A personnummer in any input stops the run before anything is written, and the
number itself appears in no message: these tests look for its digits in every
message, in the CLI's stdout and stderr, and in the outputs folder.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import stat
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace

import openpyxl
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sif_eval import paths
from sif_eval.errors import InputError, Problem
from sif_eval.inputs.municipality import minsta_antal
from sif_eval.inputs.project import load_project
from sif_eval.privacy import personnummer, pseudonym, small_numbers
from tests.conftest import PROJEKT_YAML, ROOT, write_project
from tests.corpus import PERSONAL

# the functions these tests exercise, by the subpackage module that owns each
privacy = SimpleNamespace(
    REDACTED=personnummer.REDACTED, canonical=personnummer.canonical, redact=personnummer.redact,
    contains_personal_number=personnummer.contains_personal_number, is_personal_number=personnummer.is_personal_number,
    pseudonym=pseudonym.pseudonym, pseudonymise=pseudonym.pseudonymise, minsta_antal=minsta_antal,
    cell_counts=small_numbers.cell_counts, is_small=small_numbers.is_small, small_cells=small_numbers.small_cells,
    small_groups=small_numbers.small_groups, suppress=small_numbers.suppress, suppress_table=small_numbers.suppress_table,
    suppress_text=small_numbers.suppress_text, suppression_note=small_numbers.suppression_note,
)

TOLVAN = "19121212-1212"  # Skatteverket's well-known test person
DIGITS = ("191212121212", "1212121212", "121212")


def luhn_digit(nine: str) -> str:
    """The check digit, computed independently of the module under test."""
    total = 0
    for i, ch in enumerate(nine):
        d = int(ch) * (2 if i % 2 == 0 else 1)
        total += d // 10 + d % 10
    return str((10 - total % 10) % 10)


def assert_no_number(text: str, numbers: tuple[str, ...] = DIGITS) -> None:
    flat = re.sub(r"[-+\s]", "", text)
    for n in numbers:
        assert n not in flat, f"{n} leaked"


# ---------------------------------------------------------------- detection


@pytest.mark.parametrize("case_id,text,expected", PERSONAL, ids=[c[0] for c in PERSONAL])
def test_detector_on_the_corpus(case_id, text, expected):
    assert privacy.contains_personal_number(text) is expected
    if expected:
        assert_no_number(privacy.redact(text), (re.sub(r"\D", "", text)[-10:],))
        assert privacy.REDACTED in privacy.redact(text)
    else:
        assert privacy.redact(text) == text


def test_every_way_of_writing_a_number_is_one_value():
    forms = ["19121212-1212", "191212121212", "121212+1212"]  # + : a hundred years or more
    assert {privacy.canonical(f) for f in forms} == {"191212121212"}
    assert privacy.canonical("121212-1212") == privacy.canonical("1212121212") == "201212121212"
    assert privacy.canonical("P-1a2b3c4d5e6f") is None
    assert privacy.is_personal_number(" 19121212-1212 ") and not privacy.is_personal_number("Elev 19121212-1212")


@st.composite
def personal_numbers(draw) -> tuple[str, str]:
    day = draw(st.dates(min_value=dt.date(1900, 1, 1), max_value=dt.date.today()))
    coordination = draw(st.booleans())
    serial = draw(st.integers(min_value=0, max_value=999))
    dd = day.day + (60 if coordination else 0)
    nine = f"{day:%y%m}{dd:02d}{serial:03d}"
    ten = nine + luhn_digit(nine)
    form = draw(st.sampled_from(["12-", "12", "10-", "10"]))
    text = (f"{day.year // 100}{ten[:6]}" if form.startswith("12") else ten[:6]) + ("-" if form.endswith("-") else "") + ten[6:]
    return text, ten


@settings(max_examples=300)
@given(personal_numbers(), st.sampled_from(["", "Elev ", "id:", "x;"]), st.sampled_from(["", " slutade", ";1"]))
def test_valid_generated_numbers_are_always_found(number, before, after):
    text, ten = number
    assert privacy.contains_personal_number(before + text + after)
    assert_no_number(privacy.redact(before + text + after), (ten,))


@settings(max_examples=300)
@given(st.text(alphabet="0123456789", min_size=9, max_size=9), st.integers(min_value=1, max_value=9),
       st.sampled_from(["", "-"]), st.sampled_from(["", "19", "20"]))
def test_wrong_check_digits_are_never_found(nine, offset, sep, century):
    wrong = str((int(luhn_digit(nine)) + offset) % 10)
    text = century + nine[:6] + sep + nine[6:] + wrong
    assert not privacy.contains_personal_number(text)


# ---------------------------------------------------------------- in a project

GOOD_ROWS = ["ind1;insats;2019;0,3;A", "ind1;insats;2020;0,2;B"]


def _with_numbers(tmp_path: Path) -> Path:
    rows = ["indikator;grupp;period;värde;enhet"]
    for i in range(2, 14):
        unit = {3: TOLVAN, 7: "121212+1212", 12: "191212121212"}.get(i, f"E{i}")
        rows.append(f"ind1;insats;{2015 + i};0,{i % 10};{unit}")
    return write_project(tmp_path, "\n".join(rows) + "\n")


def test_personnummer_stops_loading_naming_file_column_and_rows_but_never_the_number(tmp_path):
    with pytest.raises(InputError) as exc:
        load_project(_with_numbers(tmp_path))
    found = [p for p in exc.value.problems if "personnummer" in p.message]
    assert len(found) == 1
    p = found[0]
    assert (p.file, p.column) == ("utfall.csv", "enhet")
    assert "rad 3, 7 och 12" in p.message
    assert "sif-eval pseudonymisera" in p.hint and "--kolumn enhet" in p.hint
    assert_no_number(exc.value.swedish())
    assert_no_number(str(exc.value))
    assert_no_number(repr(exc.value.problems))


def test_a_number_echoed_by_another_check_is_redacted_too(tmp_path):
    d = write_project(tmp_path, f"indikator;grupp;period;värde\nind1;insats;2019;0,3\n{TOLVAN};insats;{TOLVAN};"
                      f"{TOLVAN}\n")
    with pytest.raises(InputError) as exc:
        load_project(d)
    assert {("utfall.csv", 3, c) for c in ("indikator", "period", "värde")} <= {(p.file, p.row, p.column)
                                                                                 for p in exc.value.problems}
    assert_no_number(exc.value.swedish())
    assert_no_number(repr(exc.value.problems))


@pytest.mark.parametrize("where", ["description", "comment", "indicator-name", "other-csv", "economy-csv",
                                   "xlsx-other-sheet", "header", "kommun-yaml", "notes-txt", "folder-name"])
def test_personnummer_anywhere_in_the_project_is_found(tmp_path, where):
    yaml_text, csv = PROJEKT_YAML, "indikator;grupp;period;värde\nind1;insats;2019;0,3\nind1;insats;2020;0,2\n"
    name = "p"
    if where == "description":
        yaml_text += f"beskrivning: >\n  Första raden.\n  Kontakt {TOLVAN} här.\n"
    elif where == "comment":
        yaml_text = f"# uppgiftslämnare {TOLVAN}\n" + yaml_text
    elif where == "indicator-name":
        yaml_text = yaml_text.replace("namn: Andel med insats", f"namn: Andel {TOLVAN}")
    elif where == "header":
        csv = csv.replace("värde", f"värde;{TOLVAN}", 1)
    elif where == "folder-name":
        name = "121212-1212"
    d = write_project(tmp_path, csv, projekt=yaml_text, name=name)
    if where == "other-csv":
        (d / "deltagare.csv").write_text(f"namn;nummer\nA;B\nC;{TOLVAN}\n", encoding="utf-8")
    elif where == "economy-csv":
        (d / "ekonomi.csv").write_text(f"insats;år;kommentar\nx;2020;faktura {TOLVAN}\n", encoding="cp1252")
    elif where == "xlsx-other-sheet":
        (d / "utfall.csv").unlink()
        wb = openpyxl.Workbook()
        wb.active.title = "utfall"
        for row in ([c.strip() for c in line.split(";")] for line in csv.splitlines()):
            wb.active.append(row)
        raw = wb.create_sheet("Rådata")
        raw.append(["namn", "personnummer"])
        raw.append(["Tolvan", 191212121212])
        wb.save(d / "utfall.xlsx")
    elif where == "kommun-yaml":
        (d / "kommun.yaml").write_text(f"kommun: X\n# ansvarig {TOLVAN}\n", encoding="utf-8")
    elif where == "notes-txt":
        (d / "anteckningar.txt").write_text(f"Ring {TOLVAN}\n", encoding="utf-8")
    with pytest.raises(InputError) as exc:
        load_project(d)
    hits = [p for p in exc.value.problems if "personnummer" in p.message]
    assert hits, exc.value.swedish()
    assert_no_number(exc.value.swedish())
    if where == "description":
        assert (hits[0].file, hits[0].column) == ("projekt.yaml", "beskrivning") and "rad 15" in hits[0].message
    if where == "comment":
        assert hits[0].column is None and "rad 1" in hits[0].message
    if where == "xlsx-other-sheet":
        assert hits[0].file == "utfall.xlsx (blad 'Rådata')" and hits[0].column == "personnummer"


def test_ordinary_values_are_not_taken_for_personnummer(tmp_path):
    csv = ("indikator;grupp;period;värde;enhet;antal\n"
           "ind1;insats;2019-03-15;0,3;1234567890;1 234 567 890\n"
           "ind1;insats;2020-03-15;0,2;KSN-2018-0421;1212121212,5\n"
           "ind1;insats;2020-06-15;0,2;556016-0680;20210315\n")
    assert len(load_project(write_project(tmp_path, csv)).observations) == 3


def test_problem_redacts_itself():
    p = Problem("utfall.csv", f"värdet '{TOLVAN}' är inget tal", column=TOLVAN, hint=f"skriv inte {TOLVAN}")
    assert_no_number(str(p))


@pytest.mark.integration
def test_cli_run_with_personnummer_writes_nothing_and_never_shows_it(tmp_path):
    project = _with_numbers(tmp_path / "inputs")
    out = tmp_path / "outputs"
    for command in (["run", str(project), "--outputs", str(out)], ["validera", str(project)]):
        proc = subprocess.run([sys.executable, "-m", "sif_eval", *command], capture_output=True, text=True,
                              cwd=ROOT, timeout=120)
        assert proc.returncode == 2, proc.stderr
        assert "personnummer" in proc.stderr and "pseudonymisera" in proc.stderr
        assert "Traceback" not in proc.stderr
        assert_no_number(proc.stdout + proc.stderr)
    assert not out.exists()


# ---------------------------------------------------------------- pseudonymisation


def test_pseudonyms_are_stable_salted_and_one_way():
    salt, other = b"a" * 32, b"b" * 32
    code = privacy.pseudonym(TOLVAN, salt)
    assert re.fullmatch(r"P-[0-9a-f]{12}", code)
    assert privacy.pseudonym("121212+1212", salt) == code == privacy.pseudonym(" 191212121212 ", salt)
    assert privacy.pseudonym(TOLVAN, other) != code
    assert privacy.pseudonym("E1", salt) != privacy.pseudonym("E2", salt)
    assert not privacy.contains_personal_number(code)


def test_pseudonymise_csv_in_place_keeping_its_dialect(tmp_path):
    project = _with_numbers(tmp_path / "inputs")
    raw = (project / "utfall.csv").read_text(encoding="utf-8").replace("\n", "\r\n").encode("cp1252")
    (project / "utfall.csv").write_bytes(raw)
    before = sorted(p.name for p in project.iterdir())
    salt_file = tmp_path / "hemligt" / "salt"
    done = privacy.pseudonymise(project, "Enhet", salt_file=salt_file)
    assert done.column == "enhet" and done.cells == 12 and done.values == 10 and done.salt_created
    assert not done.remaining
    assert sorted(p.name for p in project.iterdir()) == before  # no copy of the original next to it
    data = (project / "utfall.csv").read_bytes()
    assert b"\r\n" in data and data.startswith(b"indikator;grupp;period;v\xe4rde;enhet")
    assert_no_number(data.decode("cp1252"))
    loaded = load_project(project)
    units = list(loaded.observations["enhet"])
    assert all(re.fullmatch(r"P-[0-9a-f]{12}", u) for u in units)
    assert units[1] == units[5] == units[10]  # the same person written three ways: one code
    assert stat.S_IMODE(salt_file.stat().st_mode) == 0o600
    again = privacy.pseudonymise(project, "enhet", salt_file=salt_file)
    assert again.cells == 0 and again.already_coded == 12 and not again.salt_created
    assert list(load_project(project).observations["enhet"]) == units


def test_pseudonymise_xlsx_keeps_other_sheets(tmp_path):
    d = write_project(tmp_path / "inputs", "x")
    (d / "utfall.csv").unlink()
    wb = openpyxl.Workbook()
    wb.active.title = "Instruktioner"
    wb.active.append(["Fyll i bladet Utfall"])
    ws = wb.create_sheet("Utfall")
    ws.append(["indikator", "grupp", "period", "värde", "enhet"])
    ws.append(["ind1", "insats", 2019, 0.3, 191212121212])
    ws.append(["ind1", "insats", 2020, 0.2, "19121212-1212"])
    wb.save(d / "utfall.xlsx")
    done = privacy.pseudonymise(d, "enhet", salt_file=tmp_path / "hemligt" / "salt")
    assert done.cells == 2 and done.values == 1
    wb = openpyxl.load_workbook(d / "utfall.xlsx")
    assert wb.sheetnames == ["Instruktioner", "Utfall"]
    assert wb["Utfall"]["E2"].value == wb["Utfall"]["E3"].value
    assert list(load_project(d).observations["varde"]) == [0.3, 0.2]


def test_salt_inside_inputs_outputs_or_the_project_is_refused(tmp_path):
    project = _with_numbers(tmp_path / "inputs")
    original = (project / "utfall.csv").read_bytes()
    for salt in (project / "salt", project.parent / "salt", paths.INPUTS / "salt", paths.OUTPUTS / "x" / "salt"):
        with pytest.raises(InputError) as exc:
            privacy.pseudonymise(project, "enhet", salt_file=salt)
        assert "saltfilen får inte ligga" in exc.value.swedish()
        assert not salt.exists()
    assert (project / "utfall.csv").read_bytes() == original


def test_missing_column_or_file_is_refused(tmp_path):
    project = _with_numbers(tmp_path / "inputs")
    with pytest.raises(InputError, match="kolumnen 'personnr' finns inte"):
        privacy.pseudonymise(project, "personnr", salt_file=tmp_path / "salt")
    with pytest.raises(InputError, match="filen finns inte"):
        privacy.pseudonymise(project, "enhet", salt_file=tmp_path / "salt", file="../annan.csv")


@pytest.mark.integration
def test_cli_pseudonymisera_with_default_salt_in_home(tmp_path):
    project = _with_numbers(tmp_path / "inputs")
    home = tmp_path / "home"
    env = dict(os.environ, HOME=str(home))
    proc = subprocess.run([sys.executable, "-m", "sif_eval", "pseudonymisera", str(project), "--kolumn", "enhet"],
                          capture_output=True, text=True, cwd=ROOT, timeout=120, env=env)
    assert proc.returncode == 0, proc.stderr
    assert (home / ".config" / "sif-eval" / "salt").is_file()
    assert "radera den eller förvara den" in proc.stdout and "Traceback" not in proc.stderr
    assert_no_number(proc.stdout + proc.stderr)
    check = subprocess.run([sys.executable, "-m", "sif_eval", "validera", str(project)], capture_output=True,
                           text=True, cwd=ROOT, timeout=120, env=env)
    assert check.returncode == 0, check.stderr
    refused = subprocess.run([sys.executable, "-m", "sif_eval", "pseudonymisera", str(project), "--kolumn", "enhet",
                              "--salt-fil", str(project / "salt")], capture_output=True, text=True, cwd=ROOT,
                             timeout=120, env=env)
    assert refused.returncode == 2 and "saltfilen får inte ligga" in refused.stderr


# ---------------------------------------------------------------- small numbers


def test_suppress_helpers():
    assert [privacy.suppress(n, 5) for n in (None, float("nan"), 0, 1, 4, 5, 1240)] == ["–", "–", 0, "<5", "<5", 5, 1240]
    assert privacy.suppress_text(3, 5) == "färre än 5"
    assert privacy.suppress_text(1240, 5) == "1\u00a0240"
    assert not privacy.is_small(0, 5) and privacy.is_small(4, 5) and not privacy.is_small(None, 5)
    assert "under 5" in privacy.suppression_note(5)
    table = pd.DataFrame({"grupp": ["insats", "jämförelse"], "n": [3, 40]})
    assert list(privacy.suppress_table(table, ["n"], 5)["n"]) == ["<5", 40]
    assert list(table["n"]) == [3, 40]  # the original is not changed


def test_small_cells_count_individuals_not_rows():
    obs = pd.DataFrame({
        "indikator": ["a"] * 9 + ["b"] * 3,
        "grupp": ["insats"] * 6 + ["jämförelse"] * 3 + ["insats"] * 3,
        "period": ["2019", "2019", "2019", "2020", "2020", "2020", "2019", "2020", "2020", "2019", "2020", "2021"],
        "enhet": ["u1", "u2", "u3", "u1", "u2", "u3", "v1", "v1", "v2", None, None, None],
        "antal": [None] * 9 + [12, 3, 0],
        "varde": [1, 0, 1, 1, 1, 0, 0, 1, 1, 7.0, 2.0, 0.0],
    })
    counts = privacy.cell_counts(obs)
    assert counts.set_index(["indikator", "grupp", "period"])["antal"].to_dict() == {
        ("a", "insats", "2019"): 3, ("a", "insats", "2020"): 3, ("a", "jämförelse", "2019"): 1,
        ("a", "jämförelse", "2020"): 2, ("b", "insats", "2019"): 12, ("b", "insats", "2020"): 3,
        ("b", "insats", "2021"): 0}
    small = privacy.small_cells(obs, 5)
    assert len(small) == 5 and set(small["orsak"]) == {"få individer"}
    groups = privacy.small_groups(obs, 5)  # units are counted once across periods
    assert groups[["indikator", "grupp"]].values.tolist() == [["a", "insats"], ["a", "jämförelse"]]
    values = privacy.small_cells(obs, 5, by=("indikator", "grupp", "period"), count_indicators=["b"])
    assert values[values["indikator"] == "b"]["antal"].tolist() == [3]  # 2 of 3 hidden; 0 shown


def test_threshold_from_kommun_yaml(tmp_path):
    project = tmp_path / "inputs" / "p"
    project.mkdir(parents=True)
    empty = tmp_path / "tom.yaml"
    empty.write_text("kommun: X\n", encoding="utf-8")
    assert privacy.minsta_antal(kommun_yaml=empty) == 5
    (tmp_path / "inputs" / "kommun.yaml").write_text("minsta_antal: 10\n", encoding="utf-8")
    assert privacy.minsta_antal(project) == 10
    (project / "kommun.yaml").write_text("Minsta_Antal: '3'\n", encoding="utf-8")
    assert privacy.minsta_antal(project) == 3
    (project / "kommun.yaml").write_text("minsta_antal: många\n", encoding="utf-8")
    with pytest.raises(InputError, match="minsta_antal"):
        privacy.minsta_antal(project)
