"""Reading input files as text: tables (CSV, Excel), YAML, encodings, numbers and dates.

Everything is read as text first and typed on purpose, so YAML 1.1 and Excel
cannot silently turn ``2021-03-01`` into a date or ``no`` into ``False``.
This module imports nothing else of the package except :mod:`sif_eval.errors`,
so every reader (project, economy, fund, privacy scan) can share it.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from pathlib import Path
from typing import Any

import yaml

from ..errors import Problem
from ..privacy import findings as privacy
from ..swedish import fold  # noqa: F401 - re-exported: every reader folds keys the same way


def read_mapping(path: Path, problems: list[Problem]) -> dict[str, Any] | None:
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
        text = decode(path.read_bytes())
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
            problems.append(Problem(rel, f"nyckeln '{show(key)}' finns två gånger.", row=line, column=show(key),
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
CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
BIDI = re.compile(r"[\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")
INDICATOR_ID = re.compile(r"[^\W_][\w-]{0,63}")  # it names a figure file: no dots, slashes or spaces


def show(value: Any, limit: int = 60) -> str:
    """A value fit to quote in a message: control characters made visible, long text cut."""
    text = BIDI.sub("?", CONTROL.sub("?", str(value)))
    return text if len(text) <= limit else f"{text[:limit]}… ({len(text)} tecken)"


def hidden_char(text: str) -> str | None:
    m = CONTROL.search(text) or BIDI.search(text)
    return f"U+{ord(m.group(0)):04X}" if m else None


def check_texts(rel: str, data: Any, problems: list[Problem], where: str = "") -> None:
    """Refuse values no document needs: megabytes of text, control and text-direction characters."""
    if isinstance(data, dict):
        for key, value in data.items():
            check_texts(rel, value, problems, f"{where}.{key}" if where else str(key))
        return
    if isinstance(data, list):
        for i, value in enumerate(data, start=1):
            check_texts(rel, value, problems, f"{where}[{i}]")
        return
    text = str(data)
    limit = MAX_TEXT if "." in where or "[" in where else MAX_DESCRIPTION  # free texts sit at the top
    if len(text) > limit:
        problems.append(Problem(rel, f"texten är {len(text):,} tecken lång; högst {limit:,} tillåts.".replace(",", "\u00a0"),
                                column=show(where), hint="Korta texten; längre underlag hör hemma i en bilaga."))
    hidden = hidden_char(text)
    if hidden:
        problems.append(Problem(rel, f"texten innehåller ett osynligt styrtecken ({hidden}) som kan ändra hur den "
                                "visas.", column=show(where), hint="Skriv om texten utan att klistra in den, "
                                "eller ta bort tecknet."))


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


def decode(raw: bytes) -> str:
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
    text = decode(path.read_bytes())
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
        cells = [cell_text(v) for v in values]
        if not any(cells):
            continue
        if header is None:
            header = [c.strip() for c in cells]
            continue
        rows.append((r, cells))
    wb.close()
    return header or [], rows


def cell_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e15:
        return str(int(value))
    return str(value).strip()

