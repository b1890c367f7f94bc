"""``sif-eval pseudonymisera``: a column replaced by salted one-way codes (HMAC-SHA256).

The same person gets the same code every time, however the number was
written, so panel data keep working; without the salt the code cannot be
traced back.
"""

from __future__ import annotations

import csv
import hashlib
import hmac
import io
import os
import re
import secrets
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from .. import paths
from ..atomic import write_atomic
from ..errors import InputError, Problem
from ..inputs._read import UnreadableFile, cell_text, decode, detect_encoding, fold, sniff_separator
from ..paths import OUTCOME_CSV, OUTCOME_SHEET, OUTCOME_XLSX
from .personnummer import canonical, contains_personal_number, redact
from .scan import scan_folder

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

    raw = path.read_bytes()
    text = decode(raw)
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


    try:
        wb = openpyxl.load_workbook(path)
    except Exception:  # noqa: BLE001 - zipfile, openpyxl and lxml each raise their own
        raise UnreadableFile("filen heter .xlsx men är ingen Excel-arbetsbok som går att läsa.") from None
    names = {fold(n): n for n in wb.sheetnames}
    ws = wb[names.get(fold(OUTCOME_SHEET), wb.sheetnames[0])]
    rows = list(ws.iter_rows())
    head = next((i for i, r in enumerate(rows) if any(cell_text(c.value) for c in r)), None)
    header = [cell_text(c.value) for c in rows[head]] if head is not None else []
    folded = [fold(h) for h in header]
    if fold(column) not in folded:
        raise _missing_column(f"{path.name} (blad '{ws.title}')", column, header)
    idx = folded.index(fold(column))
    coder = _Coder(salt)
    for row in rows[head + 1:]:  # type: ignore[operator]
        if idx < len(row) and row[idx].value is not None:
            row[idx].value = coder(cell_text(row[idx].value))
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue(), header[idx], coder
