"""Swedish personnummer and samordningsnummer: detection, canonical form and redaction.

10 or 12 digits, with or without ``-``/``+``, a valid Luhn check digit and a
plausible date (a samordningsnummer has 60 added to the day).  A hit is
reported by file, column and rows, never by the number itself (:func:`redact`).
Imports nothing else of the package: :mod:`sif_eval.errors` redacts every message with it.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from typing import Any

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
