"""Scanning a project's files for personnummer before anything is written.

Every table, YAML file (comments included) and workbook in the folder is read;
a hit is a :class:`~sif_eval.errors.Problem` naming file, column and rows.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from ..errors import Problem
from ..inputs._read import cell_text, decode, fold, read_table
from .findings import scan_rows, scan_text
from .personnummer import contains_personal_number

SCANNED_SUFFIXES = (".csv", ".tsv", ".txt", ".yaml", ".yml", ".json", ".md", ".xlsx")


def scan_folder(project_dir: Path, done: Iterable[str] = (), skip_sheets: dict[str, str] | None = None
                ) -> list[Problem]:
    """Scan every data or text file at the top of the project folder that was not scanned already.

    ``done`` are file names already scanned as they were read; ``skip_sheets``
    maps a workbook's name to the sheet already scanned in it.
    """

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
                problems += scan_text(path.name, decode(path.read_bytes()))
        except Exception:  # noqa: BLE001 - unreadable: fall back to the raw bytes
            problems += scan_text(path.name, path.read_bytes().decode("latin-1"))
    return problems


def _scan_workbook(path: Path, skip_sheet: str | None, project_dir: Path) -> list[Problem]:
    import openpyxl


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
                cells = [cell_text(v) for v in values]
                if r == 1:
                    header = cells
                else:
                    rows.append((r, cells))
            problems += scan_rows(f"{path.name} (blad '{name}')", header, rows, project_dir)
        return problems
    finally:
        wb.close()
