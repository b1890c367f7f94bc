"""Reading and validating the economics inputs: ekonomi.csv, the kalkyl, the unit costs and the KPI.

Every value is read as text and typed on purpose, as in
:mod:`sif_eval.loading`; every problem becomes a :class:`~sif_eval.errors.Problem`
naming the file, the row (the line in a YAML file) and the column (the key),
and all of them are raised together as one :class:`~sif_eval.errors.InputError`.
The formats are described in :mod:`sif_eval.economics`.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any, NamedTuple

import yaml

from .. import swedish as sv
from ..economics.model import (
    STATED_KINDS,
    BudgetRow,
    PriceIndex,
    StatedFigure,
    UnitCost,
)
from ..errors import Problem
from ..paths import (
    CATALOGUE_FILE,
    ECONOMY_CSV,
    ECONOMY_SHEET,
    ECONOMY_XLSX,
    FUND_FILE,
    KALKYL_FILE,
    KPI_FILE,
    OUTCOME_XLSX,
)
from ._read import fold, parse_number, read_table

ECONOMY_FILES = (ECONOMY_CSV, ECONOMY_XLSX)
OUTCOME_WORKBOOK = OUTCOME_XLSX

DEFAULTS = {"diskonteringsränta": 0.035, "känslighet_ränta": 0.03, "mc_dragningar": 10_000, "frö": 20240101}
SHARE_PARAMS = ("dödvikt", "attribution", "undanträngning", "bortfall_per_år", "optimism")
KALKYL_KEYS = ("horisont_år", "diskonteringsränta", "känslighet_ränta", "prisår", "basår", *SHARE_PARAMS,
               "kostnader", "nyttoposter", "mc_dragningar", "frö", "återföring", "återföringsgrund", "beskrivning",
               "kommentar")
POST_KEYS = ("namn", "indikator", "antagen_effekt", "effekt", "effekt_låg", "effekt_hög", "bättre",
             "antal_personer", "enhetskostnad", "enhetskostnad_prisår", "bärare", "kommunal", "start_år",
             "varaktighet_år", "kommentar", "beskrivning")
COST_KEYS = ("år", "belopp", "bärare", "prisår", "månader", "beskrivning", "kommentar")
RANGE_KEYS = ("värde", "låg", "hög", "min", "max", "skäl")
REASON_REQUIRED = {"attribution": 1.0, "undanträngning": 0.0}  # applied only when stated with a reason
REPAYMENT_BASES = {"forsiktig": "försiktig", "konservativ": "försiktig", "skattning": "skattning",
                   "punktskattning": "skattning"}
ECONOMY_SECTION_KEYS = ("rekvirerat_totalt", "beviljat_totalt", "återbetalas_till", "uppgivna_belopp")
CANON = {fold(k): k for k in (*KALKYL_KEYS, *POST_KEYS, *COST_KEYS, *RANGE_KEYS, *ECONOMY_SECTION_KEYS,
                              "avser", "nämnd", "insats", "källa")}
_MONTHS = {fold(sv.month_name(m)): m for m in range(1, 13)}
_TRUE, _FALSE = {"ja", "true", "sant", "yes", "1", "on"}, {"nej", "false", "falskt", "no", "0", "off"}


# ---------------------------------------------------------------- small parsers


def parse_share(text: Any) -> float | None:
    """A share written 0.2, 0,2 or 20 %."""
    s = str(text).strip()
    if s.endswith("%"):
        value = parse_number(s[:-1])
        return None if value is None else value / 100
    return parse_number(s)


def parse_year(text: Any) -> int | None:
    value = parse_number(text)
    if value is None or not value.is_integer() or not 1900 <= value <= 2200:
        return None
    return int(value)


def parse_int(text: Any) -> int | None:
    value = parse_number(text)
    return int(value) if value is not None and value.is_integer() else None


def parse_bool(text: Any) -> bool | None:
    f = fold(text)
    return True if f in _TRUE else False if f in _FALSE else None


def parse_months(text: Any) -> tuple[int, int] | None:
    """Months a cost arises: ``6-12``, ``6–12``, ``juni-december`` or one month."""
    parts = [p.strip() for p in re.split(r"\s*[-–—]\s*|\s+till\s+", str(text).strip()) if p.strip()]
    if not 1 <= len(parts) <= 2:
        return None
    months = []
    for p in parts:
        m = _MONTHS.get(fold(p)) if not p.isdigit() else int(p)
        if m is None or not 1 <= m <= 12:
            return None
        months.append(m)
    first, last = months[0], months[-1]
    return (first, last) if first <= last else None


def money_problem(text: str) -> str:
    if re.search(r"(?i)(tkr|mnkr|msek)", text):
        return "Skriv beloppet i hela kronor, t.ex. 440000 i stället för 440 tkr."
    return "Skriv beloppet i kronor, t.ex. 1500000 eller 1 500 000."


# ---------------------------------------------------------------- YAML with line numbers


def _decode(raw: bytes) -> str:
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        return raw.decode("cp1252")


class YamlFile(NamedTuple):
    """A YAML file read as text: top-level keys folded, the line of every key path, the keys as written."""

    data: dict[str, Any]
    lines: dict[tuple[Any, ...], int]
    names: dict[str, str]
    error: Problem | None = None


def read_yaml(path: Path, rel: str | None = None) -> YamlFile:
    """Read a YAML file with :class:`yaml.BaseLoader` (everything stays text) and note where each key is.

    A missing file gives empty values; a syntax error gives empty values and
    ``error`` (a Problem naming the line), which the caller reports or not
    (projekt.yaml's own problems are the project loader's to report).
    """
    if not path.exists():
        return YamlFile({}, {}, {})
    text = _decode(path.read_bytes())
    try:
        data = yaml.load(text, Loader=yaml.BaseLoader)  # noqa: S506 - BaseLoader builds only str/list/dict
        node = yaml.compose(text, Loader=yaml.BaseLoader)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        return YamlFile({}, {}, {}, Problem(rel or path.name, f"YAML-syntaxen är felaktig ({getattr(exc, 'problem', exc)}).",
                                            row=mark.line + 1 if mark is not None else None,
                                            hint="Kontrollera indrag och kolon på raden."))
    if not isinstance(data, dict):
        return YamlFile({}, {}, {}, Problem(rel or path.name, "filen ska innehålla nycklar (namn: värde).") if
                        text.strip() else None)
    lines: dict[tuple[Any, ...], int] = {}
    names: dict[str, str] = {}

    def walk(n: Any, at: tuple[Any, ...]) -> None:
        if isinstance(n, yaml.MappingNode):
            for k, v in n.value:
                key = (*at, fold(k.value))
                names.setdefault(fold(k.value), str(k.value).strip())
                lines[key] = k.start_mark.line + 1
                walk(v, key)
        elif isinstance(n, yaml.SequenceNode):
            for i, v in enumerate(n.value, start=1):
                key = (*at, i)
                lines[key] = v.start_mark.line + 1
                walk(v, key)

    walk(node, ())
    return YamlFile({fold(k): v for k, v in data.items()}, lines, names)


class Where:
    """Turns a key path into a Problem's file, row and column."""

    def __init__(self, file: str, lines: Mapping[tuple[Any, ...], int], prefix: tuple[Any, ...],
                 problems: list[Problem], names: Mapping[str, str] | None = None):
        self.file, self.lines, self.prefix, self.problems = file, lines, prefix, problems
        self.names = names or {}

    def sub(self, *prefix: Any) -> Where:
        """The same file, deeper in it."""
        return Where(self.file, self.lines, (*self.prefix, *prefix), self.problems, self.names)

    def column(self, path: tuple[Any, ...]) -> str:
        text = ""
        for part in (*self.prefix, *path):
            if isinstance(part, int):
                text += f"[{part}]"
            else:
                text += ("." if text else "") + CANON.get(part, self.names.get(part, part))
        return text

    def row(self, path: tuple[Any, ...]) -> int | None:
        full = (*self.prefix, *path)
        for n in range(len(full), 0, -1):
            if full[:n] in self.lines:
                return self.lines[full[:n]]
        return None

    def add(self, path: tuple[Any, ...], message: str, hint: str | None = None) -> None:
        self.problems.append(Problem(self.file, message, row=self.row(path), column=self.column(path), hint=hint))


def folded(d: Any) -> dict[str, Any]:
    return {fold(k): v for k, v in d.items()} if isinstance(d, dict) else {}


# ---------------------------------------------------------------- tables


def _table(path: Path, rel: str, required: Iterable[str], problems: list[Problem], sheet: str | None = None
           ) -> tuple[dict[str, int], list[tuple[int, list[str]]]] | None:
    try:
        header, rows = read_table(path, sheet or path.stem)
    except Exception as exc:  # noqa: BLE001 - any unreadable file is the user's to fix
        problems.append(Problem(rel, f"filen kan inte läsas ({type(exc).__name__}).",
                                hint="Spara filen som CSV (UTF-8 eller Excels semikolonavgränsade format)."))
        return None
    if not header:
        problems.append(Problem(rel, "filen är tom.", hint="Första raden ska vara rubriker."))
        return None
    index = {fold(h): i for i, h in enumerate(header)}
    missing = [c for c in required if fold(c) not in index]
    for c in missing:
        problems.append(Problem(rel, f"kolumnen '{c}' saknas (rubrikerna är: {', '.join(header)}).", row=1,
                                column=c, hint="Lägg till kolumnen eller rätta rubrikens stavning."))
    return None if missing else (index, rows)


def _cell(index: dict[str, int], cells: list[str], name: str) -> str:
    i = index.get(fold(name))
    return cells[i].strip() if i is not None and i < len(cells) else ""


def _money_cell(index: dict[str, int], cells: list[str], name: str, rel: str, rownum: int,
                problems: list[Problem]) -> float | None:
    text = _cell(index, cells, name)
    if not text:
        return None
    value = parse_number(text)
    if value is None:
        problems.append(Problem(rel, f"'{text}' är inget belopp.", row=rownum, column=name, hint=money_problem(text)))
    elif value < 0:
        problems.append(Problem(rel, f"beloppet {text} är negativt.", row=rownum, column=name,
                                hint="Skriv belopp som positiva tal i kronor."))
        return None
    return value


def find_economy_file(project_dir: Path) -> Path | None:
    """ekonomi.csv or ekonomi.xlsx, else utfall.xlsx when its sheet ``ekonomi`` has at least one data row."""
    for name in ECONOMY_FILES:
        if (project_dir / name).exists():
            return project_dir / name
    workbook = project_dir / OUTCOME_WORKBOOK
    return workbook if workbook.is_file() and _sheet_has_rows(workbook, ECONOMY_SHEET) else None


def _sheet_has_rows(path: Path, sheet: str) -> bool:
    """Whether the workbook has the sheet with something under its header (headers only = no economics)."""
    import openpyxl

    try:
        wb = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except Exception:  # noqa: BLE001 - the outcome loader reports an unreadable workbook
        return False
    try:
        name = next((n for n in wb.sheetnames if fold(n) == fold(sheet)), None)
        if name is None:
            return False
        filled = (r for r in wb[name].iter_rows(values_only=True) if any(v not in (None, "") for v in r))
        return next(filled, None) is not None and next(filled, None) is not None
    finally:
        wb.close()


def read_budget_rows(path: Path, problems: list[Problem]) -> list[BudgetRow]:
    """``ekonomi.csv``: insats;år;nämnd;budgeterat;utfall[;rekvirerat][;beviljat][;kommentar][;månader]."""
    in_workbook = path.name == OUTCOME_WORKBOOK
    rel = f"{path.name} (blad '{ECONOMY_SHEET}')" if in_workbook else path.name
    table = _table(path, rel, ("insats", "år", "nämnd", "budgeterat", "utfall"), problems,
                   sheet=ECONOMY_SHEET if in_workbook else None)
    if table is None:
        return []
    index, rows = table
    if not rows:
        problems.append(Problem(rel, "filen har rubriker men inga datarader.", row=2))
        return []
    out: list[BudgetRow] = []
    seen: dict[tuple[str, int, str], int] = {}
    for rownum, cells in rows:
        before = len(problems)
        insats, nämnd = _cell(index, cells, "insats"), _cell(index, cells, "nämnd")
        if not insats:
            problems.append(Problem(rel, "insats saknas.", row=rownum, column="insats",
                                    hint="Skriv insatsens (eller projektets) namn."))
        if not nämnd:
            problems.append(Problem(rel, "nämnd saknas.", row=rownum, column="nämnd",
                                    hint="Skriv den ansvariga nämnden, t.ex. Socialnämnden."))
        year_text = _cell(index, cells, "år")
        year = parse_year(year_text)
        if year is None:
            problems.append(Problem(rel, f"'{year_text}' är inget årtal.", row=rownum, column="år",
                                    hint="Skriv året med fyra siffror, t.ex. 2021."))
        amounts = {c: _money_cell(index, cells, c, rel, rownum, problems)
                   for c in ("budgeterat", "utfall", "rekvirerat", "beviljat")}
        if amounts["budgeterat"] is None and amounts["utfall"] is None and len(problems) == before:
            problems.append(Problem(rel, "både budgeterat och utfall saknas.", row=rownum, column="budgeterat",
                                    hint="Ange minst det budgeterade beloppet i kronor."))
        months: tuple[int, int] | None = (1, 12)
        if _cell(index, cells, "månader"):
            months = parse_months(_cell(index, cells, "månader"))
            if months is None:
                problems.append(Problem(rel, f"'{_cell(index, cells, 'månader')}' är inga månader.", row=rownum,
                                        column="månader", hint="Skriv t.ex. 6-12 för juni–december."))
        key = (fold(insats), year, fold(nämnd))
        if insats and nämnd and year is not None:
            if key in seen:
                problems.append(Problem(rel, f"samma insats, år och nämnd finns redan på rad {seen[key]}.",
                                        row=rownum, column="insats",
                                        hint="Slå ihop raderna eller rätta året eller nämnden."))
            seen.setdefault(key, rownum)
        if len(problems) > before:
            continue
        out.append(BudgetRow(insats=insats, år=year, nämnd=nämnd, budgeterat=amounts["budgeterat"],  # type: ignore[arg-type]
                             utfall=amounts["utfall"], rekvirerat=amounts["rekvirerat"], beviljat=amounts["beviljat"],
                             kommentar=_cell(index, cells, "kommentar"), rad=rownum, månader=months or (1, 12)))
    return out


def _shared(project_dir: Path, name: str) -> list[tuple[Path, str]]:
    """A shared inputs file (``inputs/<name>``) first, then the project's own, which wins."""
    out = []
    parent = project_dir.parent / name
    if parent.exists():
        out.append((parent, f"{project_dir.parent.name}/{name}"))
    if (project_dir / name).exists():
        out.append((project_dir / name, name))
    return out


def read_catalogue(project_dir: Path, problems: list[Problem]) -> tuple[dict[str, UnitCost], list[str]]:
    """The unit-cost catalogue ``post;belopp;enhet;prisår;bärare;källa`` (shared, then the project's own).

    Optional columns ``låg;hög`` give a range; it is used in the Monte Carlo
    simulation only when the row names its source (``källa``).
    """
    catalogue: dict[str, UnitCost] = {}
    files = []
    for path, rel in _shared(project_dir, CATALOGUE_FILE):
        files.append(rel)
        table = _table(path, rel, ("post", "belopp", "prisår"), problems)
        if table is None:
            continue
        index, rows = table
        seen: dict[str, int] = {}
        for rownum, cells in rows:
            before = len(problems)
            post = _cell(index, cells, "post")
            if not post:
                problems.append(Problem(rel, "post saknas.", row=rownum, column="post",
                                        hint="Ge posten ett kort namn, t.ex. placering_hvb_ar."))
            elif fold(post) in seen:
                problems.append(Problem(rel, f"posten '{post}' finns redan på rad {seen[fold(post)]}.", row=rownum,
                                        column="post", hint="Varje post får bara förekomma en gång."))
            amount = _money_cell(index, cells, "belopp", rel, rownum, problems)
            if amount is None and len(problems) == before:
                problems.append(Problem(rel, "belopp saknas.", row=rownum, column="belopp"))
            year = parse_year(_cell(index, cells, "prisår"))
            if year is None:
                problems.append(Problem(rel, f"'{_cell(index, cells, 'prisår')}' är inget prisår.", row=rownum,
                                        column="prisår", hint="Skriv det år beloppet avser, t.ex. 2023."))
            low, high = (_money_cell(index, cells, c, rel, rownum, problems) for c in ("låg", "hög"))
            if (low is None) != (high is None) or (low is not None and high is not None and amount is not None
                                                   and not low <= amount <= high):
                problems.append(Problem(rel, "låg och hög ska båda anges, med låg ≤ belopp ≤ hög.", row=rownum,
                                        column="låg", hint="Lämna båda tomma eller skriv t.ex. 350000 och 550000."))
            if len(problems) > before:
                continue
            seen[fold(post)] = rownum
            catalogue[fold(post)] = UnitCost(post=post, belopp=amount, enhet=_cell(index, cells, "enhet"),  # type: ignore[arg-type]
                                             prisår=year, bärare=_cell(index, cells, "bärare"),  # type: ignore[arg-type]
                                             källa=_cell(index, cells, "källa"), fil=rel,
                                             intervall=None if low is None or high is None else (low, high))
    return catalogue, files


def read_kpi_in(folder: Path, problems: list[Problem]) -> PriceIndex | None:
    """The shared price index ``<folder>/kpi.csv`` (the consolidated evaluation's), None without one."""
    path = folder / KPI_FILE
    return _read_kpi(path, f"{folder.name}/{KPI_FILE}", problems) if path.is_file() else None


def read_kpi(project_dir: Path, problems: list[Problem]) -> PriceIndex | None:
    """The price index ``år;kpi``: the project's own kpi.csv if any, else the shared one."""
    found = _shared(project_dir, KPI_FILE)
    if not found:
        return None
    path, rel = found[-1]
    return _read_kpi(path, rel, problems)


def _read_kpi(path: Path, rel: str, problems: list[Problem]) -> PriceIndex | None:
    table = _table(path, rel, ("år", "kpi"), problems)
    if table is None:
        return None
    index, rows = table
    values: dict[int, float] = {}
    for rownum, cells in rows:
        year, value = parse_year(_cell(index, cells, "år")), parse_number(_cell(index, cells, "kpi"))
        if year is None:
            problems.append(Problem(rel, f"'{_cell(index, cells, 'år')}' är inget årtal.", row=rownum, column="år"))
        elif year in values:
            problems.append(Problem(rel, f"året {year} finns två gånger.", row=rownum, column="år"))
        if value is None or value <= 0:
            problems.append(Problem(rel, f"'{_cell(index, cells, 'kpi')}' är inget positivt indextal.", row=rownum,
                                    column="kpi", hint="Skriv årsmedeltalet, t.ex. 343,19."))
        elif year is not None:
            values[year] = value
    if not values:
        return None
    return PriceIndex(values=tuple(sorted(values.items())), källa=rel)


# ---------------------------------------------------------------- the ekonomi section


def budget_settings(settings: Mapping[str, Any], where: Where) -> dict[str, Any]:
    """Stated totals from projekt.yaml: an ``ekonomi:`` section or top-level keys."""
    section = folded(settings.get("ekonomi"))
    merged = {k: settings[k] for k in ("rekvirerat_totalt", "beviljat_totalt", "aterbetalas_till") if k in settings}
    merged.update(section)
    prefix = ("ekonomi",) if section else ()
    out: dict[str, Any] = {"rekvirerat_totalt": None, "beviljat_totalt": None, "uppgivna": [],
                           "återbetalas_till": str(merged.get("aterbetalas_till", "") or "").strip()}
    for key in ("rekvirerat_totalt", "beviljat_totalt"):
        if merged.get(key) not in (None, ""):
            value = parse_number(merged[key])
            if value is None or value < 0:
                where.add((*prefix, key), f"'{merged[key]}' är inget belopp.", money_problem(str(merged[key])))
            out[key] = value
    stated = merged.get("uppgivna_belopp") or []
    if not isinstance(stated, list):
        where.add((*prefix, "uppgivna_belopp"), "'uppgivna_belopp' ska vara en lista.",
                  "Skriv varje belopp som '- avser: rekvirerat' med 'belopp:' och 'källa:'.")
        stated = []
    for i, item in enumerate(stated, start=1):
        path = (*prefix, "uppgivna_belopp", i)
        item = folded(item)
        kind = {fold(k): k for k in STATED_KINDS}.get(fold(item.get("avser", "")))
        amount = parse_number(item.get("belopp", ""))
        if kind is None:
            where.add((*path, "avser"), f"'{item.get('avser', '')}' är inget tillåtet värde för 'avser'.",
                      "Tillåtna värden: " + ", ".join(STATED_KINDS) + ".")
        if amount is None:
            where.add((*path, "belopp"), f"'{item.get('belopp', '')}' är inget belopp.",
                      money_problem(str(item.get("belopp", ""))))
        if kind is not None and amount is not None:
            out["uppgivna"].append(StatedFigure(avser=kind, belopp=amount, nämnd=str(item.get("namnd", "")).strip() or None,
                                                insats=str(item.get("insats", "")).strip() or None,
                                                källa=str(item.get("kalla", "")).strip()))
    return out


def economics_files(project_dir: Path | str) -> tuple[Path, ...]:
    """Every economics file a run of this project reads, to copy into the run folder."""
    project_dir = Path(project_dir)
    names = [find_economy_file(project_dir), project_dir / KALKYL_FILE]
    for name in (CATALOGUE_FILE, KPI_FILE, FUND_FILE):
        names += [project_dir.parent / name, project_dir / name]
    return tuple(p for p in names if p is not None and p.exists())
