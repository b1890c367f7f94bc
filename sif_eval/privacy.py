"""Personal data and small numbers: what must never reach a run folder or a public document.

Social services data is *sekretess*: one personnummer in an archived input or
a board paper, or a table that identifies a child in a group of three, is a
breach.  This module

- finds Swedish personnummer and samordningsnummer (10 or 12 digits, with or
  without ``-``/``+``, valid Luhn check digit, plausible date; a
  samordningsnummer has 60 added to the day) in the project's files, so the
  loader can stop a run before anything is written.  A hit is reported by
  file, column and rows, never by the number itself (:func:`redact`);
- replaces a column with salted one-way codes (``sif-eval pseudonymisera``);
- says which counts and cells are too small to publish (:func:`suppress`,
  :func:`small_cells`), with the threshold ``minsta_antal`` from ``kommun.yaml``.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import hmac
import io
import math
import os
import re
import secrets
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from . import paths
from . import swedish as sv
from .errors import InputError, Problem

# ---------------------------------------------------------------- detection

# 6 or 8 date digits, an optional - or +, 4 more digits; not part of a longer
# number and not the integer part or the decimals of an amount (123456,7890).
_CANDIDATE = re.compile(r"(?<!\d)(?<!\d[.,])(\d{6}|\d{8})([-+]?)(\d{4})(?!\d)(?![.,]\d)")
_EARLIEST_YEAR = 1850
REDACTED = "[personnummer borttaget]"
MAX_ROWS_LISTED = 10


def luhn_ok(digits: str) -> bool:
    """The Luhn (mod 10) check that the last digit of a personnummer satisfies."""
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = int(ch) * (2 if i % 2 else 1)
        total += d - 9 if d > 9 else d
    return total % 10 == 0


def _plausible_date(years: Iterable[int], month: int, day: int) -> bool:
    if day > 60:  # samordningsnummer
        day -= 60
    for year in years:
        try:
            dt.date(year, month, day)
        except ValueError:
            continue
        return True
    return False


def _valid(date_part: str, sep: str, tail: str, today: dt.date | None = None) -> bool:
    today = today or dt.date.today()
    if not luhn_ok(date_part[-6:] + tail):
        return False
    month, day = int(date_part[-4:-2]), int(date_part[-2:])
    if len(date_part) == 8:
        year = int(date_part[:4])
        if not _EARLIEST_YEAR <= year <= today.year:
            return False
        return _plausible_date([year], month, day)
    yy = int(date_part[:2])
    centuries = (1800, 1900) if sep == "+" else (1900, 2000)
    return _plausible_date([c + yy for c in centuries], month, day)


_SIX_DIGITS = re.compile(r"\d{6}")  # every candidate has them: a cheap test first, in C


def _hits(text: str) -> list[re.Match[str]]:
    if not text or not _SIX_DIGITS.search(text):
        return []
    return [m for m in _CANDIDATE.finditer(text) if _valid(m.group(1), m.group(2), m.group(3))]


def contains_personal_number(text: Any) -> bool:
    """Whether ``text`` holds a personnummer or samordningsnummer anywhere in it."""
    return bool(_hits(str(text)))


def is_personal_number(text: Any) -> bool:
    """Whether ``text`` (surrounding spaces aside) is exactly one personnummer or samordningsnummer."""
    s = str(text).strip()
    m = _CANDIDATE.fullmatch(s)
    return bool(m and _valid(m.group(1), m.group(2), m.group(3)))


def canonical(text: Any) -> str | None:
    """The 12-digit form (``ÅÅÅÅMMDDNNNK``) of a personnummer, so every way of writing it is one value."""
    s = str(text).strip()
    m = _CANDIDATE.fullmatch(s)
    if not m or not _valid(m.group(1), m.group(2), m.group(3)):
        return None
    date_part, sep, tail = m.groups()
    if len(date_part) == 8:
        return date_part + tail
    today = dt.date.today()
    yy = int(date_part[:2])
    century = 2000 if 2000 + yy <= today.year else 1900
    if sep == "+":
        century -= 100
    return f"{century + yy}{date_part[2:]}{tail}"


def redact(text: str) -> str:
    """Replace every personnummer or samordningsnummer in ``text``, so it can be shown or logged."""
    if not isinstance(text, str) or not _SIX_DIGITS.search(text):
        return text
    hits = _hits(text)
    for m in reversed(hits):
        text = text[: m.start()] + REDACTED + text[m.end():]
    return text


def _rows_text(rows: Sequence[int]) -> str:
    shown = [str(r) for r in rows[:MAX_ROWS_LISTED]]
    rest = len(rows) - len(shown)
    if rest:
        return f"rad {', '.join(shown)} och {rest} {'rad' if rest == 1 else 'rader'} till"
    return "rad " + sv.join_list(shown)


def _problem(file: str, column: str | None, rows: Sequence[int], hint: str) -> Problem:
    return Problem(file, f"personnummer eller samordningsnummer finns på {_rows_text(sorted(set(rows)))} "
                   "(numren visas inte här).", column=column, hint=hint)


def _table_hint(project_dir: Path | None, column: str) -> str:
    where = str(project_dir) if project_dir is not None else "inputs/<projekt>"
    return (f"Personuppgifter får inte finnas i indata. Ersätt kolumnen med koder: sif-eval pseudonymisera "
            f"{where} --kolumn {column}, eller ta bort uppgifterna.")


def scan_rows(file: str, header: Sequence[str], rows: Iterable[tuple[int, Sequence[str]]],
              project_dir: Path | None = None) -> list[Problem]:
    """One :class:`Problem` per column that holds personnummer, naming its rows (the header is row 1)."""
    found: dict[int, list[int]] = {}
    for i, name in enumerate(header):
        if contains_personal_number(name):
            found.setdefault(i, []).append(1)
    for rownum, cells in rows:
        for i, cell in enumerate(cells):
            if cell and contains_personal_number(cell):
                found.setdefault(i, []).append(rownum)
    problems = []
    for i in sorted(found):
        name = header[i] if i < len(header) and header[i] else f"nr {i + 1}"
        problems.append(_problem(file, name, found[i], _table_hint(project_dir, name)))
    return problems


_YAML_KEY = re.compile(r"^(\s*)(?:-\s+)?([^\s#:'\"][^:#]*?)\s*:(?:\s|$)")


def scan_text(file: str, text: str) -> list[Problem]:
    """Scan a text file line by line (comments too: the whole file is archived); YAML keys name the column."""
    by_key: dict[str | None, list[int]] = {}
    lines = text.splitlines()
    for n, line in enumerate(lines, start=1):
        if not contains_personal_number(line):
            continue
        by_key.setdefault(_key_of(lines, n - 1), []).append(n)
    hint = f"Personuppgifter får inte finnas i indata. Ta bort numret ur {file}."
    return [_problem(file, key, rows, hint) for key, rows in by_key.items()]


def _key_of(lines: list[str], idx: int) -> str | None:
    """The YAML key a line belongs to: its own, or the nearest less-indented one above it."""
    line = lines[idx]
    if line.lstrip().startswith("#"):
        return None  # a comment belongs to no key
    m = _YAML_KEY.match(line)
    if m:
        return m.group(2).strip()
    indent = len(line) - len(line.lstrip())
    for prev in reversed(lines[:idx]):
        pm = _YAML_KEY.match(prev)
        if pm and not prev.lstrip().startswith("#") and len(pm.group(1)) < max(indent, 1):
            return pm.group(2).strip()
    return None


SCANNED_SUFFIXES = (".csv", ".tsv", ".txt", ".yaml", ".yml", ".json", ".md", ".xlsx")


def scan_folder(project_dir: Path, done: Iterable[str] = (), skip_sheets: dict[str, str] | None = None
                ) -> list[Problem]:
    """Scan every data or text file at the top of the project folder that was not scanned already.

    ``done`` are file names already scanned as they were read; ``skip_sheets``
    maps a workbook's name to the sheet already scanned in it.
    """
    from .loading import _decode, read_table

    done = set(done)
    problems: list[Problem] = []
    if contains_personal_number(project_dir.resolve().name):  # the name becomes outputs/<slug>/
        problems.append(Problem("projektmappen", "mappens namn innehåller ett personnummer eller "
                                "samordningsnummer.", hint="Byt namn på mappen, t.ex. till projektets kortnamn."))
    for path in sorted(project_dir.iterdir()):
        suffix = path.suffix.lower()
        if path.name in done or not path.is_file() or suffix not in SCANNED_SUFFIXES:
            continue
        try:
            if suffix == ".xlsx":
                problems += _scan_workbook(path, (skip_sheets or {}).get(path.name), project_dir)
            elif suffix in (".csv", ".tsv"):
                header, rows = read_table(path)
                problems += scan_rows(path.name, header, rows, project_dir)
            else:
                problems += scan_text(path.name, _decode(path.read_bytes()))
        except Exception:  # noqa: BLE001 - unreadable: fall back to the raw bytes
            problems += scan_text(path.name, path.read_bytes().decode("latin-1"))
    return problems


def _scan_workbook(path: Path, skip_sheet: str | None, project_dir: Path) -> list[Problem]:
    import openpyxl

    from .loading import _cell_text, fold

    wb = openpyxl.load_workbook(path, read_only=True, data_only=True)
    try:
        names = list(wb.sheetnames)
        skipped = None
        if skip_sheet is not None:
            skipped = next((n for n in names if fold(n) == fold(skip_sheet)), names[0] if names else None)
        problems = []
        for name in names:
            if name == skipped:
                continue
            header: list[str] = []
            rows: list[tuple[int, list[str]]] = []
            for r, values in enumerate(wb[name].iter_rows(values_only=True), start=1):
                cells = [_cell_text(v) for v in values]
                if r == 1:
                    header = cells
                else:
                    rows.append((r, cells))
            problems += scan_rows(f"{path.name} (blad '{name}')", header, rows, project_dir)
        return problems
    finally:
        wb.close()


# ---------------------------------------------------------------- pseudonymisation

PSEUDONYM_PREFIX = "P-"
PSEUDONYM_HEX = 12
_PSEUDONYM = re.compile(rf"^{PSEUDONYM_PREFIX}[0-9a-f]{{{PSEUDONYM_HEX}}}$")
SALT_BYTES = 32


def default_salt_file() -> Path:
    """``~/.config/sif-eval/salt``: outside every project and every run folder."""
    return Path.home() / ".config" / "sif-eval" / "salt"


def pseudonym(value: str, salt: bytes) -> str:
    """The one-way code for ``value``: ``P-`` and 12 hex digits of HMAC-SHA256 with the salt.

    A personnummer is brought to its 12-digit form first, so ``191212-1212``
    and ``19121212-1212`` get the same code.  The rare code whose digits would
    themselves look like a personnummer takes the next 12 hex digits instead.
    """
    text = str(value).strip()
    digest = hmac.new(salt, (canonical(text) or text).encode("utf-8"), hashlib.sha256).hexdigest()
    for start in range(0, len(digest) - PSEUDONYM_HEX + 1, 4):
        code = PSEUDONYM_PREFIX + digest[start:start + PSEUDONYM_HEX]
        if not contains_personal_number(code):
            return code
    raise AssertionError("no usable code in a SHA-256 digest")  # pragma: no cover - cannot happen


def _inside(path: Path, folder: Path) -> bool:
    try:
        path.resolve().relative_to(folder.resolve())
    except ValueError:
        return False
    return True


def read_or_create_salt(salt_file: Path, forbidden: Iterable[Path] = ()) -> tuple[bytes, bool]:
    """The salt's bytes and whether the file was created now; refuses a file inside ``forbidden`` folders."""
    salt_file = Path(salt_file).expanduser()
    for folder in forbidden:
        if _inside(salt_file, folder):
            raise InputError(Problem(str(salt_file), f"saltfilen får inte ligga i {folder}: den mappen arkiveras "
                                     "eller delas, och med saltet kan koderna prövas fram.",
                                     hint="Ange en plats utanför inputs/ och outputs/, t.ex. --salt-fil "
                                     "~/.config/sif-eval/salt (standard)."))
    if salt_file.exists():
        salt = salt_file.read_bytes().strip()
        if len(salt) < 16:
            raise InputError(Problem(str(salt_file), "saltfilen är tom eller för kort (minst 16 tecken).",
                                     hint="Ta bort filen så skapas ett nytt salt, eller ange en annan --salt-fil."))
        return salt, False
    salt_file.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    salt = secrets.token_hex(SALT_BYTES).encode("ascii")
    fd = os.open(salt_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as fh:
        fh.write(salt + b"\n")
    return salt, True


@dataclass(frozen=True)
class Pseudonymised:
    """What ``pseudonymise`` did: which file and column, how many values, and which salt."""

    file: Path
    column: str
    cells: int
    values: int
    already_coded: int
    salt_file: Path
    salt_created: bool
    remaining: tuple[Problem, ...]  # personnummer still found in the file, in other columns


def pseudonymise(project_dir: Path | str, column: str, *, salt_file: Path | str | None = None,
                 file: str | None = None) -> Pseudonymised:
    """Replace ``column`` of the outcome file (or ``file``) with codes, in place and atomically.

    No copy of the original is kept next to it: that copy would hold the very
    personal data this removes.  Values already coded are left as they are, so
    running twice changes nothing.
    """
    from .archive import write_atomic
    from .loading import OUTCOME_CSV, OUTCOME_XLSX, UnreadableFile, fold

    project_dir = Path(project_dir)
    if not project_dir.is_dir():
        raise InputError(Problem(str(project_dir), "projektmappen finns inte.",
                                 hint="Ange en mapp under inputs/, t.ex. inputs/skolnarvaro."))
    if file is None:
        file = OUTCOME_CSV if (project_dir / OUTCOME_CSV).exists() else OUTCOME_XLSX
    path = project_dir / file
    if not path.is_file() or path.parent.resolve() != project_dir.resolve():
        raise InputError(Problem(file, "filen finns inte i projektmappen.",
                                 hint="Ange filens namn med --fil, t.ex. --fil utfall.csv."))
    salt_path = Path(salt_file).expanduser() if salt_file else default_salt_file()
    salt, created = read_or_create_salt(salt_path, (paths.INPUTS, paths.OUTPUTS, project_dir, project_dir.parent))
    try:
        if path.suffix.lower() == ".xlsx":
            data, name, coder = _pseudonymise_xlsx(path, column, salt, fold)
        else:
            data, name, coder = _pseudonymise_csv(path, column, salt, fold)
    except UnreadableFile as exc:
        raise InputError(Problem(path.name, exc.message, hint="Spara filen som CSV (UTF-8) eller .xlsx.")) from None
    write_atomic(path, data)
    remaining = tuple(scan_folder(project_dir, done=[p.name for p in project_dir.iterdir() if p != path]))
    return Pseudonymised(file=path, column=name, cells=coder.cells, values=len(coder.codes), already_coded=coder.coded,
                         salt_file=salt_path, salt_created=created, remaining=remaining)


def _missing_column(file: str, column: str, header: Sequence[str]) -> InputError:
    shown = ", ".join(redact(h) for h in header if h) or "(inga)"
    return InputError(Problem(file, f"kolumnen '{column}' finns inte (rubrikerna är: {shown}).", row=1,
                              column=column, hint="Ange en befintlig kolumn med --kolumn, t.ex. --kolumn enhet."))


class _Coder:
    """Codes values and checks that two different values never share a code."""

    def __init__(self, salt: bytes):
        self.salt, self.codes, self.cells, self.coded = salt, {}, 0, 0

    def __call__(self, value: str) -> str:
        text = value.strip()
        if not text:
            return value
        if _PSEUDONYM.match(text):
            self.coded += 1
            return text
        key = canonical(text) or text
        code = pseudonym(text, self.salt)
        other = self.codes.setdefault(code, key)
        if other != key:  # 48 bits: practically never, but a merge of two people must not pass silently
            raise InputError(Problem("", "två olika värden fick samma kod.", hint="Kör igen med ett nytt salt."))
        self.cells += 1
        return code


def _pseudonymise_csv(path: Path, column: str, salt: bytes, fold) -> tuple[bytes, str, _Coder]:
    from .loading import _decode, detect_encoding, sniff_separator

    raw = path.read_bytes()
    text = _decode(raw)
    encoding = detect_encoding(raw)
    eol = "\r\n" if "\r\n" in text else "\n"
    sep = sniff_separator(text)
    records = list(csv.reader(io.StringIO(text, newline=""), delimiter=sep))
    head = next((i for i, r in enumerate(records) if any(c.strip() for c in r)), None)
    header = [c.replace("\ufeff", "").strip() for c in records[head]] if head is not None else []
    folded = [fold(h) for h in header]
    if fold(column) not in folded:
        raise _missing_column(path.name, column, header)
    idx = folded.index(fold(column))
    coder = _Coder(salt)
    for record in records[head + 1:]:  # type: ignore[operator]
        if idx < len(record):
            record[idx] = coder(record[idx])
    out = io.StringIO()
    writer = csv.writer(out, delimiter=sep, lineterminator=eol, quoting=csv.QUOTE_MINIMAL)
    for record in records:
        writer.writerow(record)
    return out.getvalue().encode(encoding), header[idx], coder


def _pseudonymise_xlsx(path: Path, column: str, salt: bytes, fold) -> tuple[bytes, str, _Coder]:
    import openpyxl

    from .loading import OUTCOME_SHEET, UnreadableFile, _cell_text

    try:
        wb = openpyxl.load_workbook(path)
    except Exception:  # noqa: BLE001 - zipfile, openpyxl and lxml each raise their own
        raise UnreadableFile("filen heter .xlsx men är ingen Excel-arbetsbok som går att läsa.") from None
    names = {fold(n): n for n in wb.sheetnames}
    ws = wb[names.get(fold(OUTCOME_SHEET), wb.sheetnames[0])]
    rows = list(ws.iter_rows())
    head = next((i for i, r in enumerate(rows) if any(_cell_text(c.value) for c in r)), None)
    header = [_cell_text(c.value) for c in rows[head]] if head is not None else []
    folded = [fold(h) for h in header]
    if fold(column) not in folded:
        raise _missing_column(f"{path.name} (blad '{ws.title}')", column, header)
    idx = folded.index(fold(column))
    coder = _Coder(salt)
    for row in rows[head + 1:]:  # type: ignore[operator]
        if idx < len(row) and row[idx].value is not None:
            row[idx].value = coder(_cell_text(row[idx].value))
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue(), header[idx], coder


# ---------------------------------------------------------------- small numbers

DEFAULT_MIN_COUNT = 5
KOMMUN_FILE = "kommun.yaml"


def minsta_antal(project_dir: Path | str | None = None, kommun_yaml: Path | str | None = None) -> int:
    """The suppression threshold: ``minsta_antal`` in ``kommun.yaml``, else 5.

    Looked up in ``kommun_yaml`` if given, else the project's own
    ``kommun.yaml``, then the one in the folder above it (``inputs/``), then
    ``inputs/kommun.yaml`` of the repository.
    """
    import yaml

    from .loading import _decode, fold, parse_number

    if kommun_yaml is not None:
        candidates = [Path(kommun_yaml)]
    else:
        candidates = [Path(project_dir) / KOMMUN_FILE, Path(project_dir).parent / KOMMUN_FILE] if project_dir else []
        candidates.append(paths.INPUTS / KOMMUN_FILE)
    path = next((p for p in candidates if p.is_file()), None)
    if path is None:
        return DEFAULT_MIN_COUNT
    try:
        data = yaml.load(_decode(path.read_bytes()), Loader=yaml.BaseLoader)  # noqa: S506 - str/list/dict only
    except (yaml.YAMLError, UnicodeDecodeError, RecursionError):
        raise InputError(Problem(path.name, "YAML-syntaxen är felaktig.", hint="Kontrollera indrag och kolon.")) from None
    raw = {fold(k): v for k, v in data.items()}.get("minsta_antal") if isinstance(data, dict) else None
    if raw in (None, ""):
        return DEFAULT_MIN_COUNT
    value = parse_number(raw) if isinstance(raw, str) else None
    if value is None or value < 0 or value != int(value):
        raise InputError(Problem(path.name, f"'{redact(str(raw))[:40]}' är inget heltal.", column="minsta_antal",
                                 hint="Skriv t.ex. minsta_antal: 5"))
    return int(value)


def _missing(count: Any) -> bool:
    return count is None or (isinstance(count, float) and math.isnan(count)) or count is pd.NA


def is_small(count: int | float | None, threshold: int) -> bool:
    """Whether a count must be hidden: more than zero and fewer than ``threshold``.

    Zero is shown: it names no one.  A missing count is not small, it is missing.
    """
    if _missing(count):
        return False
    return 0 < count < threshold


def suppress(count: int | float | None, threshold: int) -> int | str:
    """A count as a table shows it: the number, ``<5`` when too small, ``–`` when missing."""
    if _missing(count):
        return sv.MISSING
    if is_small(count, threshold):
        return f"<{threshold}"
    return int(count) if float(count).is_integer() else count  # type: ignore[return-value]


def suppress_text(count: int | float | None, threshold: int) -> str:
    """A count as running text says it: ``1 240``, or ``färre än 5`` when too small."""
    if _missing(count):
        return sv.MISSING
    if is_small(count, threshold):
        return f"färre än {threshold}"
    return sv.number(count)


def suppression_note(threshold: int) -> str:
    """The footnote a document carries when it has hidden something."""
    return (f"Antal under {threshold} redovisas inte (visas som <{threshold}), så att ingen enskild person "
            "kan identifieras.")


def suppress_table(table: pd.DataFrame, columns: Iterable[str], threshold: int) -> pd.DataFrame:
    """A copy of ``table`` with the count ``columns`` suppressed cell by cell (as text)."""
    out = table.copy()
    for col in columns:
        out[col] = [suppress(v, threshold) for v in out[col]]
    return out


def cell_counts(observations: pd.DataFrame, by: Sequence[str] = ("indikator", "grupp", "period")) -> pd.DataFrame:
    """How many individuals each cell stands for.

    A row with ``antal`` stands for that many; rows without it count their
    distinct ``enhet`` (a unit seen in many periods is one person), and rows
    with neither count one each, the cautious reading.  Aggregate rows should
    say how many they stand for in ``antal``.
    """
    by = list(by)
    nan = pd.Series(float("nan"), index=observations.index)
    antal = observations["antal"].astype(float) if "antal" in observations else nan
    unit = observations["enhet"] if "enhet" in observations else nan
    given = antal.notna()
    frame = observations[by].copy()
    frame["_antal"] = antal.where(given, 0.0)
    frame["_enhet"] = unit.where(~given)
    frame["_rad"] = (~given & unit.isna()).astype(float)
    grouped = frame.groupby(by, sort=True, dropna=False)
    total = grouped["_antal"].sum() + grouped["_enhet"].nunique() + grouped["_rad"].sum()
    return total.rename("antal").reset_index()


def small_cells(observations: pd.DataFrame, threshold: int, *, by: Sequence[str] = ("indikator", "grupp", "period"),
                count_indicators: Iterable[str] = ()) -> pd.DataFrame:
    """The cells of ``observations`` grouped ``by`` that are below ``threshold``.

    A cell is too small when it stands for fewer individuals than the
    threshold (:func:`cell_counts`), or, for an indicator in
    ``count_indicators`` (``typ: antal``, whose value itself counts people),
    when a value is more than zero and below it.  Returns ``by`` columns,
    ``antal`` (the number to hide) and ``orsak`` (``få individer`` or ``litet antal``).
    """
    by = list(by)
    counts = cell_counts(observations, by)
    out = counts[[is_small(n, threshold) for n in counts["antal"]]].assign(orsak="få individer")
    counting = set(count_indicators)
    if counting and "indikator" in observations:
        rows = observations[observations["indikator"].isin(counting)]
        small = rows[[is_small(v, threshold) for v in rows["varde"]]]
        if len(small):
            values = small.groupby(by, sort=True, dropna=False)["varde"].min().reset_index()
            values = values.rename(columns={"varde": "antal"}).assign(orsak="litet antal")
            out = pd.concat([out, values], ignore_index=True)
            out = out.drop_duplicates(subset=by, keep="first")
    return out.sort_values(by).reset_index(drop=True)


def small_groups(observations: pd.DataFrame, threshold: int) -> pd.DataFrame:
    """Groups (indicator and insats/jämförelse, all periods together) below ``threshold``."""
    return small_cells(observations, threshold, by=("indikator", "grupp"))
