"""Periods in ``utfall``: parsing, ordering, their ends and transition periods.

A period is known by its first day and its kind.  Calendar periods (år,
kvartal, månad, dag) and school periods: ``läsår`` written ``2019/20`` (or
``2019/2020``), running 1 August to 30 June, and ``termin`` written
``HT2019``/``VT2020`` (``HT 2019`` too): hösttermin 1 August–31 December,
vårtermin 1 January–30 June.  A period that starts before the intervention
and ends after it is a *transition period* (:func:`is_transition`): partly
exposed, so it is neither cleanly before nor after.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Literal, get_args

from ..model import TransitionRule

PeriodKind = Literal["år", "kvartal", "månad", "dag", "läsår", "termin"]
TRANSITION_RULES: tuple[TransitionRule, ...] = get_args(TransitionRule)

SCHOOL_YEAR_START_MONTH = 8  # läsår and hösttermin begin in August (terminstart), vårtermin in January

_PATTERNS: tuple[tuple[re.Pattern[str], PeriodKind], ...] = (  # ASCII digits only
    (re.compile(r"^(\d{4})$", re.ASCII), "år"),
    (re.compile(r"^(\d{4})-?[Qq]([1-4])$", re.ASCII), "kvartal"),
    (re.compile(r"^(\d{4})-(\d{1,2})$", re.ASCII), "månad"),
    (re.compile(r"^(\d{4})-(\d{2})-(\d{2})$", re.ASCII), "dag"),
    (re.compile(r"^(\d{4})\s*/\s*(\d{2}|\d{4})$", re.ASCII), "läsår"),
    (re.compile(r"^([HhVv][Tt])\s?(\d{4})$", re.ASCII), "termin"),
)

# What Excel makes of a period typed into a cell it formats as a date: "jan-17", "17-jan", a date with a
# time, a US-style date, or the serial number behind a date (days since 1899-12-30).
_MONTHS = r"(jan|feb|mar|apr|ma[jy]|jun|jul|aug|sep|okt|oct|nov|dec)[a-z]*\.?"
_EXCEL_SHAPES = (
    re.compile(rf"^{_MONTHS}[-\s/]\d{{2,4}}$", re.I),
    re.compile(rf"^\d{{1,2}}[-\s/]{_MONTHS}([-\s/]\d{{2,4}})?$", re.I),
    re.compile(r"^\d{4}-\d{2}-\d{2}[ T]\d{1,2}:\d{2}(:\d{2})?$"),
    re.compile(r"^\d{1,2}/\d{1,2}/\d{2,4}$"),
    re.compile(r"^[34]\d{4}$"),  # 30000-49999: Excel's serial days for 1982-2036
)


def parse_period(text: str) -> tuple[dt.date, PeriodKind] | None:
    """A period's first day and its kind, or None if the text is no valid period."""
    s = text.strip()
    for pattern, kind in _PATTERNS:
        m = pattern.match(s)
        if not m:
            continue
        try:
            if kind == "termin":
                year = int(m.group(2))
                autumn = m.group(1).upper() == "HT"
                return dt.date(year, SCHOOL_YEAR_START_MONTH if autumn else 1, 1), kind
            year = int(m.group(1))
            if kind == "år":
                return dt.date(year, 1, 1), kind
            if kind == "kvartal":
                return dt.date(year, 3 * int(m.group(2)) - 2, 1), kind
            if kind == "månad":
                return dt.date(year, int(m.group(2)), 1), kind
            if kind == "läsår":
                second = int(m.group(2))
                if (second % 100 if second >= 100 else second) != (year + 1) % 100:
                    return None  # 2019/21 is no school year
                return dt.date(year, SCHOOL_YEAR_START_MONTH, 1), kind
            return dt.date(year, int(m.group(2)), int(m.group(3))), kind
        except ValueError:
            return None
    return None


def looks_excel_converted(text: str) -> bool:
    """True when a period cell looks like something Excel turned into a date."""
    s = text.strip()
    return any(p.match(s) for p in _EXCEL_SHAPES)


def period_end(start: dt.date, kind: PeriodKind) -> dt.date:
    """The first day after the period (exclusive end)."""
    if kind == "dag":
        return start + dt.timedelta(days=1)
    if kind == "månad":
        return dt.date(start.year + start.month // 12, start.month % 12 + 1, 1)
    if kind == "kvartal":
        month = start.month + 3
        return dt.date(start.year + (month - 1) // 12, (month - 1) % 12 + 1, 1)
    if kind == "år":
        return dt.date(start.year + 1, 1, 1)
    if kind == "läsår":
        return dt.date(start.year + 1, 7, 1)
    # termin: HT ends with the year, VT at midsummer
    return dt.date(start.year + 1, 1, 1) if start.month >= SCHOOL_YEAR_START_MONTH else dt.date(start.year, 7, 1)


def is_transition(start: dt.date, kind: PeriodKind, intervention_start: dt.date) -> bool:
    """The period began before the intervention and ended after it began (partly exposed)."""
    return start < intervention_start < period_end(start, kind)

