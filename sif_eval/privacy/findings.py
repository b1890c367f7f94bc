"""Personnummer in text and table rows, as :class:`~sif_eval.errors.Problem` values.

Kept apart from the folder scan so that the YAML reader in
:mod:`sif_eval.inputs._read` can scan a file's text without an import cycle.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from pathlib import Path

from .. import swedish as sv
from ..errors import Problem
from .personnummer import MAX_ROWS_LISTED, contains_personal_number


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
