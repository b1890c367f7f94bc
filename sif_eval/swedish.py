"""Numbers, money, dates and small phrases written the way Swedish official documents write them.

Every document the toolkit renders goes through this module, so that a figure
reads the same in the board paper, the report and the tables:

- thousands are grouped with a non-breaking space (U+00A0) so ``7 287 841``
  never breaks across lines; the decimal sign is a comma;
- money is ``7 287 841 kronor``, ``440 tkr``, ``1,5 mnkr`` (a non-breaking
  space before the unit as well);
- shares are ``12,5 procent`` / ``12,5 %``; changes in a share are
  ``procentenheter``;
- dates are ``2022-02-02`` in header fields and ``2 februari 2022`` in text.

Digits, separators and month names come from Babel's CLDR data for ``sv_SE``.
Rounding is done here, half away from zero (what readers expect from a
table: 2,5 → 3), before Babel formats the digits; Babel itself would round
half to even.

Negative numbers use the ASCII hyphen-minus ``-``.  CLDR lists U+2212 as the
Swedish minus sign, but Babel's formatter does not emit it (``format_decimal``
writes ``-11 863,9``), the seed documents never need another sign, and a
hyphen-minus survives the officials' edits in Word and Excel and parses back
with ``float()``.

Missing values (``None``, NaN, ``pandas.NA``) come out as an en dash ``–``,
the convention for an empty table cell.  NumPy and ``Decimal`` numbers are
accepted wherever a number is.
"""

from __future__ import annotations

import datetime as dt
import math
import numbers
import re
import unicodedata
from collections.abc import Iterable
from decimal import ROUND_HALF_UP, Decimal, localcontext
from functools import lru_cache
from typing import Any

from babel.dates import format_date, get_month_names
from babel.numbers import NumberPattern, parse_pattern

__all__ = [
    "EN_DASH",
    "LOCALE",
    "MINUS",
    "MISSING",
    "NBSP",
    "att_list",
    "ci",
    "count_noun",
    "date_header",
    "date_text",
    "decimal",
    "is_missing",
    "join_list",
    "kronor",
    "lower_first",
    "mnkr",
    "month_name",
    "number",
    "p_value",
    "percent",
    "percentage_points",
    "period_text",
    "plural",
    "tkr",
    "to_date",
]

LOCALE = "sv_SE"
NBSP = "\u00a0"
EN_DASH = "\u2013"
MISSING = EN_DASH
MINUS = "-"

_QUARTER_ORDINALS = {1: "första", 2: "andra", 3: "tredje", 4: "fjärde"}


# --------------------------------------------------------------------------- numbers


def is_missing(x: Any) -> bool:
    """True for the values a table shows as '–': None, NaN, ``pandas.NA`` and ``NaT``."""
    if x is None:
        return True
    if type(x).__name__ in ("NAType", "NaTType"):
        return True
    if type(x).__name__ in ("datetime64", "timedelta64"):
        return str(x) == "NaT"
    if isinstance(x, Decimal):
        return x.is_nan()
    if isinstance(x, numbers.Real) and not isinstance(x, numbers.Integral):
        return math.isnan(float(x))
    return False


def _to_decimal(x: Any, name: str = "x") -> Decimal:
    """Convert an int, float, Decimal or NumPy scalar to an exact Decimal.

    Floats go through ``repr`` (the shortest round-tripping text) so that
    ``2.675`` rounds to ``2,68`` as a reader expects, not to ``2,67`` as its
    binary value would.
    """
    if isinstance(x, bool) or type(x).__name__ == "bool_":
        raise TypeError(f"{name} must be a number, not a bool ({x!r})")
    if isinstance(x, Decimal):
        value = x
    elif isinstance(x, numbers.Integral):
        value = Decimal(int(x))
    elif isinstance(x, numbers.Real):
        value = Decimal(repr(float(x)))
    else:
        raise TypeError(f"{name} must be a number (int, float, Decimal or NumPy scalar), got {x!r}")
    if not value.is_finite():
        raise ValueError(f"{name} must be finite, got {x!r}")
    return value


def _round(value: Decimal, decimals: int) -> Decimal:
    """Round half away from zero; never return a negative zero."""
    if decimals < 0:
        raise ValueError(f"decimals must be >= 0, got {decimals}")
    with localcontext() as ctx:
        ctx.prec = _precision(value, decimals)
        q = value.quantize(Decimal(1).scaleb(-decimals), rounding=ROUND_HALF_UP)
    return abs(q) if q == 0 else q


def _precision(value: Decimal, decimals: int) -> int:
    """Context precision with room for every digit, so that huge amounts never raise InvalidOperation."""
    return max(28, value.adjusted() + decimals + 4)


@lru_cache(maxsize=64)
def _pattern(decimals: int, optional: bool) -> NumberPattern:
    """A CLDR number pattern with grouping and ``decimals`` fraction digits."""
    frac = ("#" if optional else "0") * decimals
    return parse_pattern("#,##0" + (f".{frac}" if decimals else ""))


def _format(value: Decimal, decimals: int, *, optional: bool = False) -> str:
    """Round and format with sv_SE symbols (NBSP grouping, decimal comma)."""
    rounded = _round(value, decimals)
    with localcontext() as ctx:  # Babel quantizes again under the current context
        ctx.prec = _precision(rounded, decimals)
        return _pattern(decimals, optional).apply(rounded, LOCALE)


def _is_one(text: str) -> bool:
    """Swedish uses the singular only after the integer 1 ('1 krona', but '1,0 kronor')."""
    return text.lstrip(MINUS) == "1"


def number(x: Any, decimals: int | None = None) -> str:
    """A number with NBSP grouping and decimal comma: ``-11 863,9``.

    With ``decimals=None`` integers are shown whole and other numbers with up
    to three decimals, trailing zeros dropped (Babel's ``sv_SE`` default);
    with ``decimals`` given, exactly that many decimals so a table column
    lines up.

    >>> number(1240)
    '1\\xa0240'
    """
    if is_missing(x):
        return MISSING
    value = _to_decimal(x)
    if decimals is None:
        return _format(value, 3, optional=True)
    return _format(value, decimals)


def decimal(x: Any, decimals: int) -> str:
    """A number with exactly ``decimals`` decimals: ``decimal(-11863.94, 1) == '-11 863,9'``."""
    return number(x, decimals)


# --------------------------------------------------------------------------- money


def kronor(x: Any, *, suffix: bool = True, decimals: int = 0) -> str:
    """An amount in whole kronor as running text writes it: ``7 287 841 kronor``.

    Official documents give exact sums in whole kronor; ``decimals`` is for
    the rare öre.  ``suffix=False`` gives the bare number for a table whose
    header says the unit.  The singular is used for exactly one: ``1 krona``.
    """
    if is_missing(x):
        return MISSING
    text = _format(_to_decimal(x), decimals)
    if not suffix:
        return text
    return f"{text}{NBSP}{'krona' if _is_one(text) else 'kronor'}"


def tkr(x: Any, decimals: int = 0, *, suffix: bool = True) -> str:
    """An amount given in kronor, shown in thousands: 1 500 000 → ``1 500 tkr``.

    Budgets and outcomes in the seeds are written in whole tkr (``440 tkr``),
    so the default rounds to whole thousands.
    """
    if is_missing(x):
        return MISSING
    text = _format(_to_decimal(x).scaleb(-3), decimals)
    return f"{text}{NBSP}tkr" if suffix else text


def mnkr(x: Any, decimals: int = 1, *, suffix: bool = True) -> str:
    """An amount given in kronor, shown in millions: 1 500 000 → ``1,5 mnkr``, 27 000 000 → ``27 mnkr``.

    Trailing zero decimals are dropped (documents write ``27 mnkr``, not
    ``27,0 mnkr``).
    """
    if is_missing(x):
        return MISSING
    text = _format(_to_decimal(x).scaleb(-6), decimals, optional=True)
    return f"{text}{NBSP}mnkr" if suffix else text


# --------------------------------------------------------------------------- shares


def percent(share: Any, decimals: int = 1, word: bool = True) -> str:
    """A share (0–1) as a percentage: 0.125 → ``12,5 procent`` or ``12,5 %`` (NBSP before %).

    Running text writes the word, tables the sign.
    """
    if is_missing(share):
        return MISSING
    text = _format(_to_decimal(share, "share").scaleb(2), decimals)
    return f"{text}{NBSP}{'procent' if word else '%'}"


def percentage_points(diff: Any, decimals: int = 1) -> str:
    """A difference between two shares (0–1 units) in procentenheter: 0.052 → ``5,2 procentenheter``.

    A change in a share is never written in "procent".  The singular is only
    used after the integer 1 (``1 procentenhet``, but ``1,0 procentenheter``),
    as Swedish does after any decimal number.
    """
    if is_missing(diff):
        return MISSING
    text = _format(_to_decimal(diff, "diff").scaleb(2), decimals)
    return f"{text}{NBSP}{'procentenhet' if _is_one(text) else 'procentenheter'}"


# --------------------------------------------------------------------------- statistics


def p_value(p: Any) -> str:
    """A p-value with three decimals: ``p = 0,003``; below 0,001 ``p < 0,001``.

    The spaces are non-breaking so the expression never splits across lines.
    """
    if is_missing(p):
        return MISSING
    value = _to_decimal(p, "p")
    if not 0 <= value <= 1:
        raise ValueError(f"p must be between 0 and 1, got {p!r}")
    if value < Decimal("0.001"):
        return f"p{NBSP}<{NBSP}{_format(Decimal('0.001'), 3)}"
    if _round(value, 3) >= 1:
        return f"p{NBSP}>{NBSP}{_format(Decimal('0.999'), 3)}"
    return f"p{NBSP}={NBSP}{_format(value, 3)}"


def ci(
    low: Any,
    high: Any,
    decimals: int = 1,
    *,
    level: float = 0.95,
    scale: float = 1.0,
    label: bool = True,
) -> str:
    """A confidence interval: ``95 % KI 3,0–7,4`` (en dash, non-breaking spaces).

    ``scale`` multiplies both bounds first (100 turns a share difference into
    procentenheter).  When a bound is negative the range is written with
    "till" (``-1,2 till 3,4``), because an en dash next to a minus sign reads
    as a double sign.  ``label=False`` drops the "95 % KI" prefix for a table
    cell whose header already says it.
    """
    if is_missing(low) or is_missing(high):
        return MISSING
    factor = _to_decimal(scale, "scale")
    lo = _round(_to_decimal(low, "low") * factor, decimals)
    hi = _round(_to_decimal(high, "high") * factor, decimals)
    lo_text, hi_text = _format(lo, decimals), _format(hi, decimals)
    sep = f"{NBSP}till{NBSP}" if (lo < 0 or hi < 0) else EN_DASH
    rng = f"{lo_text}{sep}{hi_text}"
    if not label:
        return rng
    level_text = _format(_to_decimal(level, "level") * 100, 1, optional=True)
    return f"{level_text}{NBSP}%{NBSP}KI{NBSP}{rng}"


# --------------------------------------------------------------------------- dates


def to_date(d: Any) -> dt.date:
    """Read a date, datetime, pandas Timestamp, NumPy datetime64 or ISO string as a date.

    Documents are dated by day, so a time of day is dropped.
    """
    if isinstance(d, dt.datetime):
        return d.date()
    if isinstance(d, dt.date):
        return d
    if type(d).__name__ == "datetime64":
        d = str(d)[:10]
    if isinstance(d, str):
        text = d.strip()
        try:
            return dt.datetime.fromisoformat(text).date()
        except ValueError:
            pass
        raise ValueError(f"Not an ISO date: {d!r}. Expected e.g. '2022-02-02' or '2022-02-02T10:00'.")
    raise TypeError(f"Expected a date, datetime or ISO date string, got {d!r}")


def date_header(d: Any) -> str:
    """The date as header fields write it: ``2022-02-02`` (ISO 8601, as in "Datum:")."""
    if is_missing(d):
        return MISSING
    return to_date(d).isoformat()


def date_text(d: Any) -> str:
    """The date as running text writes it: ``2 februari 2022`` (no leading zero, month in lower case)."""
    if is_missing(d):
        return MISSING
    return format_date(to_date(d), "d MMMM y", locale=LOCALE)


def month_name(month: int) -> str:
    """The Swedish month name from Babel, lower case: 3 → ``mars``."""
    if not 1 <= int(month) <= 12:
        raise ValueError(f"month must be 1–12, got {month!r}")
    return str(get_month_names("wide", locale=LOCALE)[int(month)])


_PERIOD_YEAR = re.compile(r"^(\d{4})$")
_PERIOD_QUARTER = re.compile(r"^(\d{4})-?[Qq]([1-4])$")
_PERIOD_MONTH = re.compile(r"^(\d{4})-(\d{1,2})$")
_PERIOD_DAY = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def period_text(period: Any) -> str:
    """A ``utfall.csv`` period in words: ``2021-Q3`` → ``tredje kvartalet 2021``.

    ``2021-03`` → ``mars 2021``, ``2021`` → ``2021``, ``2021-03-15`` →
    ``15 mars 2021`` (the four forms ``indata.md`` allows).  A ``date`` or an
    integer year is accepted too.
    """
    if is_missing(period):
        return MISSING
    if isinstance(period, (dt.date, dt.datetime)):
        return date_text(period)
    if isinstance(period, numbers.Integral) and not isinstance(period, bool):
        period = str(int(period))
    if not isinstance(period, str):
        raise TypeError(f"period must be a string such as '2021-Q3', got {period!r}")
    text = period.strip()
    if m := _PERIOD_YEAR.match(text):
        return m.group(1)
    if m := _PERIOD_QUARTER.match(text):
        return f"{_QUARTER_ORDINALS[int(m.group(2))]} kvartalet {m.group(1)}"
    if m := _PERIOD_MONTH.match(text):
        month = int(m.group(2))
        if 1 <= month <= 12:
            return f"{month_name(month)} {m.group(1)}"
    if _PERIOD_DAY.match(text):
        return date_text(text)
    raise ValueError(
        f"Unknown period {period!r}. Allowed: '2021-03-15' (day), '2021-03' (month), "
        "'2021-Q3' (quarter), '2021' (year)."
    )


# --------------------------------------------------------------------------- words and lists


def plural(n: Any, singular: str, plural: str) -> str:
    """Pick the Swedish form for ``n``: singular only for one (``1 insats``), else plural.

    This looks at the number, not at how it is displayed; when a count is
    shown with decimals (``1,0``), Swedish uses the plural, so pass the
    plural form yourself or use :func:`count_noun`.
    """
    if not is_missing(n) and _to_decimal(n, "n").copy_abs() == 1:
        return singular
    return plural


def count_noun(n: Any, singular: str, plural: str) -> str:
    """A count with its noun, in digits as the seeds write it: ``1 insats``, ``10 insatser``, ``1 240 elever``."""
    if is_missing(n):
        return MISSING
    text = number(n)
    return f"{text}{NBSP}{singular if _is_one(text) else plural}"


_SMALL_WORDS = ("noll", "en", "två", "tre", "fyra", "fem", "sex", "sju", "åtta", "nio")
_SMALL_WORDS_NEUTER = ("noll", "ett", "två", "tre", "fyra", "fem", "sex", "sju", "åtta", "nio")


def count_in_words(n: int, singular: str, plural: str, *, neuter: bool = False) -> str:
    """A count in running text: under ten in words (``två skolor``, ``ett år``), else digits (``12 skolor``)."""
    words = _SMALL_WORDS_NEUTER if neuter else _SMALL_WORDS
    text = words[n] if 0 <= n < 10 else number(n)
    return f"{text} {singular if n == 1 else plural}"


def lower_first(text: str) -> str:
    """Lower-case a capitalised first word so it can stand mid-sentence ('Godkänna' → 'godkänna').

    Acronyms and words with inner capitals are left alone ('KS', 'SSPF-gruppen').
    """
    if not text:
        return text
    first = text.split(maxsplit=1)[0]
    if first[:1].isupper() and first[1:] == first[1:].lower():
        return text[0].lower() + text[1:]
    return text


def att_list(clauses: Iterable[str], *, start: int = 1) -> list[str]:
    """Numbered decision clauses: ``["godkänna …"]`` → ``["1. att godkänna …"]``.

    "Förslag till beslut" numbers every clause and starts it with "att"; a
    clause that already starts with "att" is not given a second one.
    """
    out: list[str] = []
    for i, clause in enumerate(clauses, start=start):
        text = " ".join(str(clause).split())
        if not text:
            raise ValueError(f"Decision clause {i} is empty")
        if re.match(r"(?i)^att\s", text):
            text = text[4:].lstrip()
        out.append(f"{i}. att {lower_first(text)}")
    return out


def join_list(items: Iterable[Any], conjunction: str = "och") -> str:
    """Join words the Swedish way, without a serial comma: ``a, b och c``."""
    words = [str(item) for item in items]
    if not words:
        return ""
    if len(words) == 1:
        return words[0]
    return f"{', '.join(words[:-1])} {conjunction} {words[-1]}"


def fold(name: str) -> str:
    """Fold a key or value for comparison: trim, lower case, å/ä→a, ö→o, BOM gone."""
    text = str(name).replace("\ufeff", "").strip().lower()
    text = text.replace("å", "a").replace("ä", "a").replace("ö", "o")
    text = unicodedata.normalize("NFKD", text)
    return "".join(c for c in text if not unicodedata.combining(c))
