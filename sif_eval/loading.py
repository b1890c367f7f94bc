"""Reading and validating a project folder (``inputs/<slug>/``).

Everything is read as text first and typed on purpose, so YAML 1.1 and Excel
cannot silently turn ``2021-03-01`` into a date or ``no`` into ``False``.
Every problem is collected and reported at once, naming file, row and column.
"""

from __future__ import annotations

import csv
import dataclasses
import datetime as dt
import io
import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd
import yaml

from . import privacy
from .errors import InputError, Problem
from .model import DESIGNS, DIRECTIONS, GROUPS, INDICATOR_TYPES, Indicator, Municipality, Project

PROJECT_FILE = "projekt.yaml"
OUTCOME_CSV = "utfall.csv"
OUTCOME_XLSX = "utfall.xlsx"
OUTCOME_SHEET = "utfall"
ECONOMY_CSV = "ekonomi.csv"
MUNICIPALITY_FILE = "kommun.yaml"
REPORT_KINDS = {"utvardering": "utvärdering", "aterrapportering": "återrapportering"}
OBSERVATION_COLUMNS = ("indikator", "grupp", "period", "period_start", "period_typ", "varde", "enhet", "antal",
                       "rad", "efter")

REQUIRED_KEYS = ("projekt", "diarienummer", "ansvarig_nämnd", "handläggare", "insatsstart", "indikatorer")
OUTCOME_REQUIRED = ("indikator", "grupp", "period", "värde")
OUTCOME_OPTIONAL = ("enhet", "antal")


def fold(name: str) -> str:
    """Fold a key or value for comparison: trim, lower case, å/ä→a, ö→o, BOM gone."""
    text = str(name).replace("\ufeff", "").strip().lower()
    text = text.replace("å", "a").replace("ä", "a").replace("ö", "o")
    text = unicodedata.normalize("NFKD", text)
    return "".join(c for c in text if not unicodedata.combining(c))


_GROUP_BY_FOLD = {fold(g): g for g in GROUPS}
_TYPE_BY_FOLD = {fold(t): t for t in INDICATOR_TYPES}
_DIR_BY_FOLD = {fold(d): d for d in DIRECTIONS}
_DESIGN_BY_FOLD = {fold(d): d for d in DESIGNS} | {"fore-efter": "före_efter", "fore/efter": "före_efter"}


@dataclass(frozen=True)
class LoadedProject:
    """A validated project: its description, its observations and where they came from."""

    project: Project
    observations: pd.DataFrame
    files: tuple[Path, ...]
    economy: pd.DataFrame | None = None
    municipality: Municipality = Municipality()
    directory: Path | None = None


# ---------------------------------------------------------------- projekt.yaml


def _read_yaml(path: Path, problems: list[Problem]) -> dict[str, Any] | None:
    rel = path.name
    if not path.is_file():
        problems.append(Problem(rel, "filen saknas.", hint="Skapa projekt.yaml i projektmappen (se README, Kom igång)."))
        return None
    size = path.stat().st_size
    if size > MAX_YAML_BYTES:  # PyYAML reads about a megabyte a second: refuse before parsing
        problems.append(Problem(rel, f"filen är {size // 1024} kB; en sådan fil ska vara högst "
                                f"{MAX_YAML_BYTES // 1024} kB.", hint="Korta texterna; 'beskrivning' och andra "
                                f"texter får vara högst {MAX_DESCRIPTION} tecken."))
        return None
    try:
        text = _decode(path.read_bytes())
    except UnreadableFile as exc:
        problems.append(Problem(rel, exc.message, hint="Spara filen som vanlig text (UTF-8), t.ex. från en textredigerare."))
        return None
    problems += privacy.scan_text(rel, text)  # the whole file is archived, comments included
    if not text.strip():
        problems.append(Problem(rel, "filen är tom.", hint="Fyll i projektets namn, diarienummer och indikatorer."))
        return None
    data = _parse_yaml(rel, text, problems)
    if data is None:
        return None
    if not isinstance(data, dict):
        problems.append(Problem(rel, "filen ska innehålla nycklar som 'projekt:' och 'indikatorer:'.",
                                hint="Utgå från exemplet i README (Kom igång) eller i inputs/."))
        return None
    return {fold(k): v for k, v in data.items()}


def _parse_yaml(rel: str, text: str, problems: list[Problem]) -> Any:
    """Parse with BaseLoader (strings, lists, maps only), refusing what YAML would do silently.

    Aliases (``*namn``) are refused, so a few lines cannot expand into
    gigabytes; a key given twice is refused instead of the last one winning.
    """
    hint = "Kontrollera indrag och kolon på raden."
    if _flow_depth(text) > MAX_YAML_DEPTH:  # PyYAML takes minutes over thousands of nested brackets
        problems.append(Problem(rel, "filen är för djupt nästlad för att vara en projektbeskrivning.",
                                hint="Ta bort de extra [ ] och { }; se exemplet i README."))
        return None
    try:
        for event in yaml.parse(text, Loader=yaml.BaseLoader):
            if isinstance(event, yaml.AliasEvent):
                problems.append(Problem(rel, "YAML-alias (*namn) stöds inte.", row=event.start_mark.line + 1,
                                        hint="Skriv ut värdet i stället för att hänvisa till ett &ankare."))
                return None
        dupes = _duplicate_keys(yaml.compose(text, Loader=yaml.BaseLoader))
        for key, line in dupes:
            problems.append(Problem(rel, f"nyckeln '{_show(key)}' finns två gånger.", row=line, column=_show(key),
                                    hint="Ta bort den ena; annars skulle den sista tyst gälla."))
        if dupes:
            return None
        return yaml.load(text, Loader=yaml.BaseLoader)  # noqa: S506 - BaseLoader builds only str/list/dict
    except yaml.reader.ReaderError as exc:
        row = text.count("\n", 0, exc.position) + 1 if isinstance(exc.position, int) else None
        char = ord(exc.character) if isinstance(exc.character, str) else exc.character
        problems.append(Problem(rel, f"filen innehåller ett otillåtet styrtecken (U+{char:04X})."
                                if isinstance(char, int) else "filen innehåller otillåtna tecken.",
                                row=row, hint="Ta bort tecknet; det syns ofta inte i en textredigerare."))
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        row = mark.line + 1 if mark is not None else None
        detail = getattr(exc, "problem", None) or "okänt fel"
        if "'\\t'" in detail:
            detail, hint = "tabbtecken", "Använd mellanslag, inte tabb, för indrag."
        problems.append(Problem(rel, f"YAML-syntaxen är felaktig ({detail}).", row=row, hint=hint))
    except RecursionError:
        problems.append(Problem(rel, "filen är för djupt nästlad för att vara en projektbeskrivning.", hint=hint))
    return None


MAX_YAML_DEPTH = 50
MAX_YAML_BYTES = 256 * 1024


def _flow_depth(text: str) -> int:
    """The deepest nesting of [ ] and { } brackets, counted roughly (quotes are not parsed)."""
    depth = deepest = 0
    for m in re.finditer(r"[\[\]{}]", text):
        depth = depth + 1 if m.group(0) in "[{" else max(depth - 1, 0)
        deepest = max(deepest, depth)
    return deepest


def _duplicate_keys(node: Any) -> list[tuple[str, int]]:
    """Keys given twice (after folding) in any mapping of a composed YAML document."""
    found: list[tuple[str, int]] = []
    stack = [node] if node is not None else []
    while stack:
        current = stack.pop()
        if isinstance(current, yaml.MappingNode):
            seen: set[str] = set()
            for key, value in current.value:
                name = fold(key.value) if isinstance(key, yaml.ScalarNode) else None
                if name is not None and name in seen:
                    found.append((str(key.value), key.start_mark.line + 1))
                if name is not None:
                    seen.add(name)
                stack.append(value)
        elif isinstance(current, yaml.SequenceNode):
            stack.extend(current.value)
    return sorted(found, key=lambda kv: kv[1])


def parse_number(text: Any) -> float | None:
    """Parse a Swedish or English written number; None if it is not one."""
    if isinstance(text, bool):
        return None
    if isinstance(text, int | float):
        return float(text)
    s = str(text).strip().replace("\u2212", "-")
    for space in (" ", "\u00a0", "\u202f", "\u2009"):  # thousands: space, NBSP, narrow NBSP, thin space
        s = s.replace(space, "")
    if not s:
        return None
    if "," in s and "." in s:
        # 1.234,5 (Swedish thousands dot) or 1,234.5 (English): the last one is the decimal sign
        if s.rfind(",") > s.rfind("."):
            s = s.replace(".", "").replace(",", ".")
        else:
            s = s.replace(",", "")
    else:
        s = s.replace(",", ".")
    try:
        value = float(s)
    except ValueError:
        return None
    if value != value or value in (float("inf"), float("-inf")):
        return None
    return value


def parse_date(text: Any) -> dt.date | None:
    if isinstance(text, dt.datetime):
        return text.date()
    if isinstance(text, dt.date):
        return text
    try:
        return dt.date.fromisoformat(str(text).strip())
    except ValueError:
        return None


MAX_DESCRIPTION = 20_000  # characters in 'beskrivning', 'slutsatser' …: pages of text, not a pasted report
MAX_TEXT = 2_000  # characters in a value inside a list or table (an indicator's name, a kalkyl item)
MAX_CELL = 1_000  # characters in a table cell
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
_BIDI = re.compile(r"[\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")
_INDICATOR_ID = re.compile(r"[^\W_][\w-]{0,63}")  # it names a figure file: no dots, slashes or spaces


def _show(value: Any, limit: int = 60) -> str:
    """A value fit to quote in a message: control characters made visible, long text cut."""
    text = _BIDI.sub("?", _CONTROL.sub("?", str(value)))
    return text if len(text) <= limit else f"{text[:limit]}… ({len(text)} tecken)"


def _hidden_char(text: str) -> str | None:
    m = _CONTROL.search(text) or _BIDI.search(text)
    return f"U+{ord(m.group(0)):04X}" if m else None


def _check_texts(rel: str, data: Any, problems: list[Problem], where: str = "") -> None:
    """Refuse values no document needs: megabytes of text, control and text-direction characters."""
    if isinstance(data, dict):
        for key, value in data.items():
            _check_texts(rel, value, problems, f"{where}.{key}" if where else str(key))
        return
    if isinstance(data, list):
        for i, value in enumerate(data, start=1):
            _check_texts(rel, value, problems, f"{where}[{i}]")
        return
    text = str(data)
    limit = MAX_TEXT if "." in where or "[" in where else MAX_DESCRIPTION  # free texts sit at the top
    if len(text) > limit:
        problems.append(Problem(rel, f"texten är {len(text):,} tecken lång; högst {limit:,} tillåts.".replace(",", "\u00a0"),
                                column=_show(where), hint="Korta texten; längre underlag hör hemma i en bilaga."))
    hidden = _hidden_char(text)
    if hidden:
        problems.append(Problem(rel, f"texten innehåller ett osynligt styrtecken ({hidden}) som kan ändra hur den "
                                "visas.", column=_show(where), hint="Skriv om texten utan att klistra in den, "
                                "eller ta bort tecknet."))


def _project_from_yaml(data: dict[str, Any], slug: str, problems: list[Problem]) -> Project | None:
    rel = PROJECT_FILE
    _check_texts(rel, data, problems)
    for key in (*REQUIRED_KEYS[:-1], "beskrivning", "målgrupp"):
        if not isinstance(data.get(fold(key), ""), str):  # e.g. a YAML tag or list where a name belongs
            problems.append(Problem(rel, f"'{key}' ska vara en text, inte en lista eller tabell.", column=key,
                                    hint=f"Skriv texten efter '{key}:' på samma rad, eller med > för flera rader."))
    report_kind = REPORT_KINDS.get(fold(data.get("rapporttyp", "") or "utvardering"))
    if report_kind is None:
        problems.append(Problem(rel, f"rapporttypen '{_show(data.get('rapporttyp'))}' är okänd.", column="rapporttyp",
                                hint="Skriv 'utvärdering' (standard) eller 'återrapportering'."))
    required = [k for k in REQUIRED_KEYS if not (k == "indikatorer" and report_kind == "återrapportering")]
    for key in required:
        if fold(key) not in data or data[fold(key)] in ("", None, []):
            problems.append(Problem(rel, f"nyckeln '{key}' saknas eller är tom.", column=key,
                                    hint=f"Lägg till '{key}:' med ett värde."))
    start = parse_date(data.get("insatsstart", ""))
    if "insatsstart" in data and start is None:
        problems.append(Problem(rel, f"'{_show(data['insatsstart'])}' är inget giltigt datum.", column="insatsstart",
                                hint="Skriv datumet som ÅÅÅÅ-MM-DD, t.ex. 2018-08-15."))
    indicators = _indicators(data.get("indikatorer"), problems)
    if any(p.file == rel for p in problems):
        return None

    def text(key: str) -> str:
        value = data.get(fold(key), "")
        return value.strip() if isinstance(value, str) else ""

    known = {fold(k) for k in REQUIRED_KEYS} | {"beskrivning", "malgrupp", "rapporttyp"}
    extra = tuple(sorted((k, v) for k, v in data.items() if k not in known))
    return Project(
        slug=slug,
        projekt=text("projekt"),
        diarienummer=text("diarienummer"),
        ansvarig_nämnd=text("ansvarig_nämnd"),
        handläggare=text("handläggare"),
        insatsstart=start,  # type: ignore[arg-type]
        indikatorer=tuple(indicators),
        beskrivning=" ".join(text("beskrivning").split()),
        målgrupp=" ".join(text("målgrupp").split()),
        rapporttyp=report_kind or "utvärdering",
        extra=extra,
    )


def _indicators(raw: Any, problems: list[Problem]) -> list[Indicator]:
    rel = PROJECT_FILE
    if raw in (None, "", []):
        return []
    if not isinstance(raw, list):
        problems.append(Problem(rel, "'indikatorer' ska vara en lista där varje indikator börjar med '- id:'.",
                                column="indikatorer"))
        return []
    out: list[Indicator] = []
    seen: set[str] = set()
    for i, item in enumerate(raw, start=1):
        where = f"indikatorer[{i}]"
        if not isinstance(item, dict):
            problems.append(Problem(rel, f"indikator nr {i} ska ha nycklarna id, namn, typ och bättre.", column=where))
            continue
        item = {fold(k): v for k, v in item.items()}
        ind_id = str(item.get("id", "")).strip()
        if not ind_id:
            problems.append(Problem(rel, f"indikator nr {i} saknar 'id'.", column=f"{where}.id"))
            continue
        if not _INDICATOR_ID.fullmatch(ind_id):
            problems.append(Problem(rel, f"id '{_show(ind_id)}' får bara innehålla bokstäver, siffror, _ och - "
                                    "(högst 64 tecken).", column=f"{where}.id",
                                    hint="Skriv t.ex. hog_franvaro; id:t blir ett filnamn för indikatorns figur."))
            continue
        if ind_id in seen:
            problems.append(Problem(rel, f"indikatorn '{ind_id}' finns två gånger.", column=f"{where}.id",
                                    hint="Varje id får bara förekomma en gång."))
        seen.add(ind_id)
        choices = {"typ": (_TYPE_BY_FOLD, "medelvärde"), "battre": (_DIR_BY_FOLD, "lägre"),
                   "design": (_DESIGN_BY_FOLD, "auto")}
        values: dict[str, str] = {}
        for key, (allowed, default) in choices.items():
            given = item.get(key)
            if given in (None, ""):
                values[key] = default
                continue
            canon = allowed.get(fold(given))
            if canon is None:
                label = {"battre": "bättre"}.get(key, key)
                problems.append(Problem(rel, f"'{_show(given)}' är inget tillåtet värde för '{label}' (indikator '{ind_id}').",
                                        column=f"{where}.{label}",
                                        hint="Tillåtna värden: " + ", ".join(sorted(set(allowed.values()))) + "."))
                canon = default
            values[key] = canon
        target = None
        if item.get("effektmal") not in (None, ""):
            target = parse_number(item["effektmal"])
            if target is None:
                problems.append(Problem(rel, f"effektmålet '{_show(item['effektmal'])}' är inget tal (indikator '{ind_id}').",
                                        column=f"{where}.effektmål", hint="Skriv t.ex. -0.05 eller -0,05."))
        out.append(Indicator(id=ind_id, namn=str(item.get("namn", ind_id)).strip() or ind_id, typ=values["typ"],
                             bättre=values["battre"], effektmål=target, design=values["design"]))
    return out


# ---------------------------------------------------------------- tables


class UnreadableFile(ValueError):
    """A file that is not what its name says (binary, a workbook named .csv, text named .xlsx)."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


def detect_encoding(raw: bytes) -> str:
    """UTF-16 with a BOM (Excel's "Unicode text"), UTF-8 with or without BOM, else Windows-1252."""
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        return "utf-16"
    try:
        raw.decode("utf-8")
    except UnicodeDecodeError:
        return "cp1252"
    return "utf-8-sig" if raw.startswith(b"\xef\xbb\xbf") else "utf-8"


def _decode(raw: bytes) -> str:
    """Bytes to text, refusing what is not text at all (so a message, not a mojibake table)."""
    if raw.startswith(b"PK\x03\x04"):
        raise UnreadableFile("filen är en Excel-arbetsbok eller annan zip-fil, inte en textfil (CSV).")
    try:
        text = raw.decode(detect_encoding(raw))
    except UnicodeError:
        raise UnreadableFile("filen är varken UTF-8 eller Windows-1252 och ser ut att vara binär.") from None
    text = text.removeprefix("\ufeff")
    controls = sum(1 for ch in text[:100_000] if ch < " " and ch not in "\t\r\n")
    if "\x00" in text or controls > max(3, len(text[:100_000]) // 100):
        raise UnreadableFile("filen innehåller binära data och är ingen textfil (CSV).")
    return text


def sniff_separator(text: str) -> str:
    """Semicolon, tab or comma: the one the first non-blank line uses most (semicolon wins a tie)."""
    first = next((ln for ln in text.splitlines() if ln.strip()), "")
    counts = {sep: first.count(sep) for sep in (";", "\t", ",")}
    best = max(counts, key=lambda sep: counts[sep])
    return best if counts[best] > 0 else ","


def read_table(path: Path, sheet: str | None = None) -> tuple[list[str], list[tuple[int, list[str]]]]:
    """Read a CSV (either separator, UTF-8 or Windows-1252) or an xlsx sheet as text rows.

    Returns the header and (row number as a person sees it in Excel, cells).
    Blank lines are skipped but counted, so row numbers match the file.
    """
    if path.suffix.lower() == ".xlsx":
        return _read_xlsx(path, sheet or path.stem)
    text = _decode(path.read_bytes())
    csv.field_size_limit(max(csv.field_size_limit(), 1 << 28))  # a huge cell is reported by row and column
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=sniff_separator(text))
    header: list[str] | None = None
    rows: list[tuple[int, list[str]]] = []
    for cells in reader:
        if not any(c.strip() for c in cells):
            continue
        if header is None:
            header = [c.replace("\ufeff", "").strip() for c in cells]
            continue
        rows.append((reader.line_num, [c.strip() for c in cells]))
    return header or [], rows


def _read_xlsx(path: Path, sheet: str) -> tuple[list[str], list[tuple[int, list[str]]]]:
    import openpyxl

    try:
        wb = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except Exception:  # noqa: BLE001 - zipfile, openpyxl and lxml each raise their own
        head = path.read_bytes()[:4096]
        if not head.startswith(b"PK"):
            raise UnreadableFile("filen heter .xlsx men är ingen Excel-arbetsbok"
                                 + ("; den ser ut att vara en textfil." if head and b"\x00" not in head else ".")) from None
        raise UnreadableFile("Excel-arbetsboken är skadad eller kan inte läsas.") from None
    names = {fold(n): n for n in wb.sheetnames}
    ws = wb[names[fold(sheet)]] if fold(sheet) in names else wb[wb.sheetnames[0]]
    header: list[str] | None = None
    rows: list[tuple[int, list[str]]] = []
    for r, values in enumerate(ws.iter_rows(values_only=True), start=1):
        cells = [_cell_text(v) for v in values]
        if not any(cells):
            continue
        if header is None:
            header = [c.strip() for c in cells]
            continue
        rows.append((r, cells))
    wb.close()
    return header or [], rows


def _cell_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e15:
        return str(int(value))
    return str(value).strip()


_PERIOD_PATTERNS = (  # ASCII digits only: \d would also take Arabic-Indic and other digits
    (re.compile(r"^(\d{4})$", re.ASCII), "år"),
    (re.compile(r"^(\d{4})-?[Qq]([1-4])$", re.ASCII), "kvartal"),
    (re.compile(r"^(\d{4})-(\d{1,2})$", re.ASCII), "månad"),
    (re.compile(r"^(\d{4})-(\d{2})-(\d{2})$", re.ASCII), "dag"),
)


def parse_period(text: str) -> tuple[dt.date, str] | None:
    """A period's first day and its kind (år, kvartal, månad, dag), or None if impossible."""
    s = text.strip()
    for pattern, kind in _PERIOD_PATTERNS:
        m = pattern.match(s)
        if not m:
            continue
        year = int(m.group(1))
        try:
            if kind == "år":
                return dt.date(year, 1, 1), kind
            if kind == "kvartal":
                return dt.date(year, 3 * int(m.group(2)) - 2, 1), kind
            if kind == "månad":
                return dt.date(year, int(m.group(2)), 1), kind
            return dt.date(year, int(m.group(2)), int(m.group(3))), kind
        except ValueError:
            return None
    return None


def _odd_cells(rel: str, rownum: int, header: list[str], cells: list[str]) -> list[Problem]:
    """Cells no valid row has: a value without a column heading, megabytes of text, control characters."""
    found: list[Problem] = []
    joined = "".join(cells)
    if (len(joined) <= MAX_CELL and not _CONTROL.search(joined) and not _BIDI.search(joined)
            and all(header[i] for i, text in enumerate(cells) if text and i < len(header))
            and not any(cells[len(header):])):
        return found  # the common case, decided in a few C loops
    for i, text in enumerate(cells):
        if not text:
            continue
        name = header[i] if i < len(header) and header[i] else None
        if name is None:
            found.append(Problem(rel, f"värdet '{_show(text, 20)}' står i kolumn nr {i + 1}, som saknar rubrik.",
                                 row=rownum, column=f"nr {i + 1}",
                                 hint="Ge kolumnen en rubrik eller ta bort värdet. Är det ett decimaltal med komma i "
                                 "en kommaseparerad fil? Använd semikolon som avgränsare eller decimalpunkt."))
        elif len(text) > MAX_CELL:
            found.append(Problem(rel, f"cellen är {len(text)} tecken lång; högst {MAX_CELL} tillåts.", row=rownum,
                                 column=_show(name), hint="Kontrollera att filen är rätt sparad; en cell ska hålla "
                                 "ett värde, inte ett helt dokument."))
        elif _hidden_char(text):
            found.append(Problem(rel, f"cellen innehåller ett osynligt styrtecken ({_hidden_char(text)}).",
                                 row=rownum, column=_show(name), hint="Ta bort tecknet; det kommer ofta från "
                                 "inklistrad text ur ett annat system."))
    return found


def _outcomes(project_dir: Path, project: Project | None, problems: list[Problem]) -> tuple[pd.DataFrame | None, Path | None]:
    csv_path, xlsx_path = project_dir / OUTCOME_CSV, project_dir / OUTCOME_XLSX
    path = csv_path if csv_path.exists() else xlsx_path if xlsx_path.exists() else None
    if path is None and project is not None and project.rapporttyp == "återrapportering":
        return pd.DataFrame(columns=OBSERVATION_COLUMNS), None  # a report back to a funder may have no indicators
    if path is None:
        problems.append(Problem(OUTCOME_CSV, "filen saknas (varken utfall.csv eller utfall.xlsx finns).",
                                hint="Lägg data i långt format med kolumnerna indikator, grupp, period, värde."))
        return None, None
    rel = path.name
    try:
        header, rows = read_table(path, OUTCOME_SHEET)
    except Exception as exc:  # noqa: BLE001 - any unreadable file is the user's to fix
        reason = exc.message if isinstance(exc, UnreadableFile) else f"filen kan inte läsas ({type(exc).__name__})."
        problems.append(Problem(rel, reason, hint="Spara filen från Excel som CSV (UTF-8, semikolonavgränsad) med "
                                "namnet utfall.csv, eller som Excel-arbetsbok med namnet utfall.xlsx."))
        return None, path
    problems += privacy.scan_rows(rel, header, rows, project_dir)
    if not header:
        problems.append(Problem(rel, "filen är tom.", hint="Första raden ska vara rubriker: indikator;grupp;period;värde."))
        return None, path
    col_index: dict[str, int] = {}
    twice = False
    for i, h in enumerate(header):
        if fold(h) in col_index and fold(h):
            twice = True
            problems.append(Problem(rel, f"kolumnen '{_show(h)}' finns två gånger (kolumn nr {col_index[fold(h)] + 1} "
                                    f"och {i + 1}).", row=1, column=_show(h), hint="Ta bort eller byt namn på den ena."))
        col_index.setdefault(fold(h), i)
    missing = [c for c in OUTCOME_REQUIRED if fold(c) not in col_index]
    shown = ", ".join(_show(h, 40) for h in header[:12] if h) + (" …" if len(header) > 12 else "")
    for c in missing:
        problems.append(Problem(rel, f"kolumnen '{c}' saknas (rubrikerna är: {shown}).", row=1, column=c,
                                hint="Lägg till kolumnen eller rätta rubrikens stavning."))
    if missing or twice:
        return None, path
    if not rows:
        problems.append(Problem(rel, "filen har rubriker men inga datarader.", row=2,
                                hint="Lägg till en rad per observation under rubrikraden."))
        return None, path

    indicators = {i.id: i for i in project.indikatorer} if project else {}
    start = project.insatsstart if project else None
    records: list[dict[str, Any]] = []
    seen: dict[tuple[str, str, str, str], int] = {}
    bad_rows = 0

    positions = {name: col_index.get(fold(name)) for name in OUTCOME_REQUIRED + OUTCOME_OPTIONAL}

    def cell(cells: list[str], name: str) -> str:
        i = positions[name]
        return cells[i].strip() if i is not None and i < len(cells) else ""

    for rownum, cells in rows:
        odd = _odd_cells(rel, rownum, header, cells)
        if odd:
            problems += odd
            bad_rows += 1
            continue
        before = len(problems)
        ind = cell(cells, "indikator")
        if not ind:
            problems.append(Problem(rel, "indikator saknas.", row=rownum, column="indikator"))
        elif project and ind not in indicators:
            problems.append(Problem(rel, f"indikatorn '{_show(ind)}' finns inte i projekt.yaml.", row=rownum, column="indikator",
                                    hint="Kända id: " + ", ".join(indicators) + "."))
        grp_raw = cell(cells, "grupp")
        grp = _GROUP_BY_FOLD.get(fold(grp_raw))
        if grp is None:
            problems.append(Problem(rel, f"gruppen '{_show(grp_raw)}' är okänd.", row=rownum, column="grupp",
                                    hint="Skriv 'insats' eller 'jämförelse'."))
        per_raw = cell(cells, "period")
        per = parse_period(per_raw)
        if per is None:
            problems.append(Problem(rel, f"perioden '{_show(per_raw)}' är ogiltig.", row=rownum, column="period",
                                    hint="Skriv 2021-03-15 (dag), 2021-03 (månad), 2021-Q3 (kvartal) eller 2021 (år)."))
        val_raw = cell(cells, "värde")
        val = parse_number(val_raw)
        if val is None:
            problems.append(Problem(rel, f"värdet '{_show(val_raw)}' är inget tal.", row=rownum, column="värde",
                                    hint="Skriv ett tal, t.ex. 0,25 eller 12."))
        elif ind in indicators and indicators[ind].typ == "andel" and not 0 <= val <= 1:
            problems.append(Problem(rel, f"värdet {val_raw} är ingen andel mellan 0 och 1 (indikatorn '{ind}' har typ andel).",
                                    row=rownum, column="värde", hint="Skriv andelar som 0–1, t.ex. 0,125 för 12,5 procent."))
        unit = cell(cells, "enhet") if "enhet" in col_index else ""
        antal = None
        if "antal" in col_index and cell(cells, "antal"):
            antal = parse_number(cell(cells, "antal"))
            if antal is None or antal < 0:
                problems.append(Problem(rel, f"antal '{_show(cell(cells, 'antal'))}' är inget icke-negativt tal.", row=rownum,
                                        column="antal"))
        if len(problems) > before:
            bad_rows += 1
            continue
        key = (ind, grp, per[0].isoformat(), unit)  # type: ignore[index]
        if unit and key in seen:
            problems.append(Problem(rel, f"samma indikator, grupp, period och enhet finns redan på rad {seen[key]}.",
                                    row=rownum, column="enhet", hint="Ta bort dubbletten eller rätta enheten."))
            continue
        seen[key] = rownum
        records.append({"indikator": ind, "grupp": grp, "period": per_raw, "period_start": pd.Timestamp(per[0]),  # type: ignore[index]
                        "period_typ": per[1], "varde": val, "enhet": unit or None,  # type: ignore[index]
                        "antal": float("nan") if antal is None else antal, "rad": rownum})
    if not records:
        return None, path
    obs = pd.DataFrame.from_records(records)
    obs["efter"] = obs["period_start"] >= pd.Timestamp(start) if start else False
    if project and not bad_rows:
        for ind_id, sub in obs.groupby("indikator", sort=False):
            kinds = sorted(sub["period_typ"].unique())
            if len(kinds) > 1:
                problems.append(Problem(rel, f"indikatorn '{ind_id}' blandar periodtyper ({', '.join(kinds)}).",
                                        column="period", hint="Använd samma slags period (t.ex. bara månader) för en indikator."))
            if not sub["efter"].any():
                problems.append(Problem(rel, f"indikatorn '{ind_id}' har inga observationer från insatsstart "
                                        f"({start.isoformat()}) och framåt.", column="period",  # type: ignore[union-attr]
                                        hint="Kontrollera insatsstart i projekt.yaml eller lägg till data efter start."))
            if sub["efter"].all():
                problems.append(Problem(rel, f"indikatorn '{ind_id}' har inga observationer före insatsstart "
                                        f"({start.isoformat()}).", column="period",  # type: ignore[union-attr]
                                        hint="En före/efter-analys behöver data från tiden före insatsen."))
        for ind in indicators:
            if ind not in set(obs["indikator"]):
                problems.append(Problem(rel, f"indikatorn '{ind}' i projekt.yaml har inga rader i utfall.",
                                        column="indikator", hint="Lägg till data eller ta bort indikatorn."))
    return obs, path


def municipality_file(project_dir: Path) -> Path | None:
    """The project's own kommun.yaml, else the one shared by all projects in inputs/."""
    for candidate in (project_dir / MUNICIPALITY_FILE, project_dir.parent / MUNICIPALITY_FILE):
        if candidate.is_file():
            return candidate
    return None


def load_municipality(path: Path | None, problems: list[Problem]) -> tuple[Municipality, list[Path]]:
    """Read kommun.yaml (optional); return the values and the files to archive with the run."""
    if path is None:
        return Municipality(), []
    data = _read_yaml(path, problems)
    if data is None:
        return Municipality(), [path]
    files = [path]
    signers: list[tuple[str, str]] = []
    for i, item in enumerate(data.get("undertecknare") or [], start=1):
        if not isinstance(item, dict) or not str(item.get("namn", "")).strip():
            problems.append(Problem(MUNICIPALITY_FILE, f"undertecknare nr {i} ska ha 'namn' och 'titel'.",
                                    column=f"undertecknare[{i}]"))
            continue
        signers.append((str(item["namn"]).strip(), str(item.get("titel", "")).strip()))
    threshold = 5
    if data.get("minsta_antal") not in (None, ""):
        value = parse_number(data["minsta_antal"])
        if value is None or value < 0 or value != int(value):
            problems.append(Problem(MUNICIPALITY_FILE, f"'{data['minsta_antal']}' är inget heltal.",
                                    column="minsta_antal", hint="Skriv t.ex. minsta_antal: 5"))
        else:
            threshold = int(value)
    logo = None
    if data.get("logotyp"):
        logo_path = path.parent / str(data["logotyp"]).strip()
        if logo_path.suffix.lower() != ".png" or not logo_path.is_file() or logo_path.parent != path.parent:
            problems.append(Problem(MUNICIPALITY_FILE, f"logotypen '{data['logotyp']}' hittas inte som en PNG-fil "
                                    "bredvid kommun.yaml.", column="logotyp",
                                    hint="Lägg bilden i samma mapp som kommun.yaml och ange bara filnamnet."))
        else:
            logo = logo_path.name
            files.append(logo_path)
    send_to = data.get("beslutet_skickas_till") or []
    municipality = Municipality(
        kommun=str(data.get("kommun", "")).strip(),
        förvaltning=str(data.get("forvaltning", "")).strip(),
        adressat=str(data.get("adressat", "") or "Kommunstyrelsen").strip(),
        fond=str(data.get("fond", "") or "Sociala investeringsfonden").strip(),
        undertecknare=tuple(signers),
        beslutet_skickas_till=tuple(str(x).strip() for x in send_to if str(x).strip())
        if isinstance(send_to, list) else (),
        logotyp=logo,
        minsta_antal=threshold,
    )
    return municipality, files


def load_project(project_dir: Path | str, slug: str | None = None) -> LoadedProject:
    """Load and validate a project folder; raise :class:`InputError` listing every problem.

    ``slug`` overrides the folder name, for the archived copy inside a run folder.
    """
    project_dir = Path(project_dir)
    problems: list[Problem] = []
    if not project_dir.is_dir():
        raise InputError(Problem(str(project_dir), "projektmappen finns inte.",
                                 hint="Ange en mapp under inputs/, t.ex. inputs/skolnarvaro."))
    slug = slug or project_dir.resolve().name
    data = _read_yaml(project_dir / PROJECT_FILE, problems)
    project = _project_from_yaml(data, slug, problems) if data is not None else None
    obs, outcome_path = _outcomes(project_dir, project, problems)
    is_xlsx = outcome_path is not None and outcome_path.suffix.lower() == ".xlsx"
    scanned = {PROJECT_FILE, MUNICIPALITY_FILE} | ({outcome_path.name} if outcome_path and not is_xlsx else set())
    problems += privacy.scan_folder(project_dir, scanned, {outcome_path.name: OUTCOME_SHEET} if is_xlsx else None)
    files = [project_dir / PROJECT_FILE]
    if outcome_path is not None:
        files.append(outcome_path)
    municipality, municipality_files = load_municipality(municipality_file(project_dir), problems)
    files += municipality_files
    if project is not None:
        from . import economics  # economics reads tables with this module's helpers

        problems += economics.validate(project_dir, dict(project.extra))
        files += [f for f in economics.economics_files(project_dir) if f not in files]
        if project.rapporttyp == "återrapportering":
            from . import funder_report

            insatser, insatser_path = funder_report.load_insatser(project_dir, problems)
            files += [insatser_path] if insatser_path else []
            project = dataclasses.replace(project, extra=project.extra + (("insatser", [i.to_dict() for i in insatser]),))
    if problems:
        raise InputError(problems, project=slug)
    assert project is not None and obs is not None
    return LoadedProject(project=project, observations=obs, files=tuple(files), municipality=municipality,
                         directory=project_dir.resolve())
