"""The fund's ledger (``inputs/fond.yaml``): money reserved, granted, paid out and repaid, and the balance.

The yearly consolidated evaluation starts from the money, as the politicians'
questions do (seed ``000_…``: "27 miljoner kronor har skjutits till fonden").
The ledger is the fund coordinator's own book; project results come from the
project runs and are joined to it by the project's slug (its folder name).

The file is read as text and typed on purpose, like ``projekt.yaml``; keys may
be written with or without å/ä/ö and in any letter case.  Every problem names
the file, the line and the key.  Disagreements that real ledgers contain (more
paid out than granted, more granted than reserved) are warnings, not errors:
the report points them out.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from .. import swedish as sv
from ..errors import InputError, Problem
from ..paths import FUND_FILE
from ._read import fold, parse_number
from .economy import Where, money_problem, parse_bool, parse_year, read_yaml

LEDGER_FILE = FUND_FILE
FUND_STATUSES = ("pågående", "avslutat", "implementerat")
_STATUS_BY_FOLD = {fold(s): s for s in FUND_STATUSES}
TOP_KEYS = ("fond", "återföring", "samordnare", "diarienummer", "avsatt", "beviljat", "utbetalt", "återfört",
            "beskrivning", "kommentar")
GRANT_KEYS = ("projekt", "namn", "nämnd", "år", "belopp", "period", "status", "syfte", "implementering",
              "diarienummer", "utbetalningsplan", "återföringsplan", "kommentar")
FLOW_KEYS = ("projekt", "nämnd", "år", "belopp", "kommentar")
_PERIOD = re.compile(r"^(\d{4})(?:\s*[-–—]\s*(\d{4}))?$")
_SLUG = re.compile(r"^[^/\\\s][^/\\]*$")


@dataclass(frozen=True)
class Flow:
    """One amount in one year: a payment from the fund, a repayment into it, or a planned one."""

    år: int
    belopp: float
    projekt: str | None = None
    nämnd: str | None = None


@dataclass(frozen=True)
class Grant:
    """A project's grant from the fund, as decided by the board."""

    projekt: str  # slug: the folder name under inputs/
    nämnd: str
    år: int
    belopp: float
    status: str  # pågående | avslutat | implementerat
    namn: str = ""
    period: str = ""
    syfte: str = ""
    implementering: str = ""  # what was decided about ordinary operations, and why
    diarienummer: str = ""
    utbetalningsplan: tuple[Flow, ...] = ()
    återföringsplan: tuple[Flow, ...] = ()


@dataclass(frozen=True)
class YearRow:
    """The fund's money in one year; the balance carries over to the next."""

    år: int
    avsatt: float
    beviljat: float
    utbetalt: float
    återfört: float
    ingående_saldo: float
    utgående_saldo: float

    def to_dict(self) -> dict[str, Any]:
        return {"år": self.år, "avsatt_kr": self.avsatt, "beviljat_kr": self.beviljat, "utbetalt_kr": self.utbetalt,
                "återfört_kr": self.återfört, "ingående_saldo_kr": self.ingående_saldo,
                "saldo_kr": self.utgående_saldo}


@dataclass(frozen=True)
class Ledger:
    """The whole ledger, validated.  Amounts are whole kronor."""

    fond: str = "Sociala investeringsfonden"
    återföring: bool = True
    samordnare: str = ""
    diarienummer: str = ""
    avsatt: tuple[Flow, ...] = ()
    beviljat: tuple[Grant, ...] = ()
    utbetalt: tuple[Flow, ...] = ()
    återfört: tuple[Flow, ...] = ()
    fil: Path | None = None
    varningar: tuple[str, ...] = field(default=())

    def years(self) -> list[int]:
        found = {f.år for f in (*self.avsatt, *self.utbetalt, *self.återfört)} | {g.år for g in self.beviljat}
        return sorted(found)

    def grant(self, slug: str) -> Grant | None:
        return next((g for g in self.beviljat if g.projekt == slug), None)

    def paid(self, slug: str, upto: int) -> float:
        return float(sum(f.belopp for f in self.utbetalt if f.projekt == slug and f.år <= upto))

    def repaid(self, upto: int, *, slug: str | None = None, nämnd: str | None = None) -> float:
        return float(sum(f.belopp for f in self.återfört if f.år <= upto and (slug is None or f.projekt == slug)
                   and (nämnd is None or f.nämnd == nämnd)))

    def year_rows(self, upto: int) -> tuple[YearRow, ...]:
        """Every year from the first in the ledger through ``upto``, balance carried forward."""
        years = [y for y in self.years() if y <= upto]
        if not years:
            return ()
        rows, balance = [], 0.0
        for year in range(years[0], upto + 1):
            avsatt = float(sum(f.belopp for f in self.avsatt if f.år == year))
            paid = float(sum(f.belopp for f in self.utbetalt if f.år == year))
            repaid = float(sum(f.belopp for f in self.återfört if f.år == year))
            granted = float(sum(g.belopp for g in self.beviljat if g.år == year))
            closing = balance + avsatt + repaid - paid
            rows.append(YearRow(year, avsatt, granted, paid, repaid, balance, closing))
            balance = closing
        return tuple(rows)

    def totals(self, upto: int) -> dict[str, float]:
        """Sums through ``upto``; money granted to ongoing projects but not yet paid is committed."""
        avsatt = float(sum(f.belopp for f in self.avsatt if f.år <= upto))
        granted = [g for g in self.beviljat if g.år <= upto]
        paid = float(sum(f.belopp for f in self.utbetalt if f.år <= upto))
        repaid = self.repaid(upto)
        committed = float(sum(max(0.0, g.belopp - self.paid(g.projekt, upto)) for g in granted if g.status == "pågående"))
        unused = float(sum(max(0.0, g.belopp - self.paid(g.projekt, upto)) for g in granted if g.status != "pågående"))
        balance = avsatt + repaid - paid
        return {"avsatt_kr": avsatt, "beviljat_kr": float(sum(g.belopp for g in granted)), "utbetalt_kr": paid,
                "återfört_kr": repaid, "saldo_kr": balance, "beviljat_ej_utbetalt_kr": committed,
                "ej_förbrukat_kr": unused, "disponibelt_kr": balance - committed}


def _text(value: Any) -> str:
    return " ".join(str(value).split()) if value not in (None, "") else ""


class _Reader:
    """Validates one part of the ledger, collecting problems rather than stopping at the first."""

    def __init__(self, where: Where):
        self.where = where

    def keys(self, data: dict[str, Any], allowed: tuple[str, ...], path: tuple[Any, ...]) -> None:
        known = {fold(k) for k in allowed}
        for key in data:
            if fold(key) not in known:
                self.where.add((*path, fold(key)), f"okänd nyckel '{key}'.", "Kända nycklar: " + ", ".join(allowed) + ".")

    def amount(self, value: Any, path: tuple[Any, ...]) -> float | None:
        number = parse_number(value) if value not in (None, "") else None
        if number is None:
            what = "saknas" if value in (None, "") else f"'{value}' är inget belopp"
            self.where.add(path, f"beloppet {what}.", money_problem(str(value or "")))
            return None
        if number < 0:
            self.where.add(path, f"beloppet {value} är negativt.", "Skriv belopp som positiva tal i kronor.")
            return None
        return number

    def year(self, value: Any, path: tuple[Any, ...]) -> int | None:
        year = parse_year(value)
        if year is None:
            what = "saknas" if value in (None, "") else f"'{value}' är inget årtal"
            self.where.add(path, f"året {what}.", "Skriv året med fyra siffror, t.ex. 2017.")
        return year

    def year_amounts(self, raw: Any, path: tuple[Any, ...], **extra: Any) -> list[Flow]:
        """``{2016: 15000000, 2017: 10000000}``: one amount per year."""
        if raw in (None, ""):
            return []
        if not isinstance(raw, dict):
            self.where.add(path, "ska vara år och belopp, ett per rad (2016: 15000000).")
            return []
        out = []
        for key, value in raw.items():
            year, amount = self.year(key, (*path, fold(key))), self.amount(value, (*path, fold(key)))
            if year is not None and amount is not None:
                out.append(Flow(year, amount, **extra))
        return sorted(out, key=lambda f: f.år)

    def flows(self, raw: Any, path: tuple[Any, ...], *, need_project: bool, need_committee: bool) -> list[Flow]:
        """A list of ``{projekt, nämnd, år, belopp}``."""
        if raw in (None, ""):
            return []
        if not isinstance(raw, list):
            self.where.add(path, "ska vara en lista med en rad per belopp (- projekt: …, år: …, belopp: …).")
            return []
        out = []
        for i, item in enumerate(raw, start=1):
            at = (*path, i)
            if not isinstance(item, dict):
                self.where.add(at, "ska ha nycklarna år och belopp.")
                continue
            d = {fold(k): v for k, v in item.items()}
            self.keys(item, FLOW_KEYS, at)
            slug, committee = _text(d.get("projekt")), _text(d.get("namnd"))
            if need_project and not slug:
                self.where.add((*at, "projekt"), "projekt saknas.", "Ange projektets mappnamn, t.ex. skolnarvaro.")
            if need_committee and not committee:
                self.where.add((*at, "namnd"), "nämnd saknas.", "Ange vilken nämnd som återför, t.ex. Utbildningsnämnden.")
            year, amount = self.year(d.get("ar"), (*at, "ar")), self.amount(d.get("belopp"), (*at, "belopp"))
            if year is not None and amount is not None:
                out.append(Flow(year, amount, projekt=slug or None, nämnd=committee or None))
        return out

    def grant(self, item: Any, at: tuple[Any, ...]) -> Grant | None:
        if not isinstance(item, dict):
            self.where.add(at, "ska ha nycklarna projekt, nämnd, år, belopp och status.")
            return None
        d = {fold(k): v for k, v in item.items()}
        self.keys(item, GRANT_KEYS, at)
        slug = _text(d.get("projekt"))
        if not slug or not _SLUG.match(slug):
            self.where.add((*at, "projekt"), "projekt saknas." if not slug else f"'{slug}' är inget mappnamn.",
                           "Ange projektets mappnamn under inputs/, t.ex. skolnarvaro.")
        committee = _text(d.get("namnd"))
        if not committee:
            self.where.add((*at, "namnd"), "nämnd saknas.", "Ange den nämnd eller det bolag som fick medlen.")
        year, amount = self.year(d.get("ar"), (*at, "ar")), self.amount(d.get("belopp"), (*at, "belopp"))
        status = _STATUS_BY_FOLD.get(fold(d.get("status") or ""))
        if status is None:
            what = "saknas" if not d.get("status") else f"'{d.get('status')}' är ingen känd status"
            self.where.add((*at, "status"), f"status {what}.", "Skriv pågående, avslutat eller implementerat.")
        period = _text(d.get("period"))
        m = _PERIOD.match(period) if period else None
        if period and (m is None or (m.group(2) and m.group(2) < m.group(1))):
            self.where.add((*at, "period"), f"'{period}' är ingen period.", "Skriv t.ex. 2017–2019 eller 2018.")
        elif m:
            period = m.group(1) + (f"–{m.group(2)}" if m.group(2) else "")
        plan = self.year_amounts(d.get("utbetalningsplan"), (*at, "utbetalningsplan"), projekt=slug or None)
        repay = self.flows(d.get("aterforingsplan"), (*at, "aterforingsplan"), need_project=False, need_committee=True)
        if None in (year, amount, status) or not slug or not committee:
            return None
        return Grant(projekt=slug, nämnd=committee, år=year, belopp=amount, status=status,  # type: ignore[arg-type]
                     namn=_text(d.get("namn")), period=period, syfte=_text(d.get("syfte")),
                     implementering=_text(d.get("implementering")), diarienummer=_text(d.get("diarienummer")),
                     utbetalningsplan=tuple(plan),
                     återföringsplan=tuple(Flow(f.år, f.belopp, projekt=slug, nämnd=f.nämnd) for f in repay))


def load_ledger(path: Path | str) -> Ledger:
    """Read and validate ``fond.yaml`` (a file, or the inputs folder holding it); raise :class:`InputError`.

    A missing file gives an empty ledger with a warning, so a batch still
    produces the projects' status and effects.
    """
    path = Path(path)
    if path.is_dir():
        path = path / LEDGER_FILE
    if not path.is_file():
        return Ledger(varningar=(f"{LEDGER_FILE} saknas i {path.parent}: fondens ekonomi kan inte redovisas.",))
    problems: list[Problem] = []
    yf = read_yaml(path, LEDGER_FILE)
    if yf.error is not None:
        raise InputError(yf.error, project=LEDGER_FILE)
    data, where = yf.data, Where(LEDGER_FILE, yf.lines, (), problems, yf.names)
    reader = _Reader(where)
    reader.keys(data, TOP_KEYS, ())
    repay_model = True
    if data.get("aterforing") not in (None, ""):
        parsed = parse_bool(data["aterforing"])
        if parsed is None:
            where.add(("aterforing",), f"'{data['aterforing']}' är inget ja/nej-värde.",
                      "Skriv true (återföringsmodellen) eller false (ingen återföring).")
        else:
            repay_model = parsed
    reserved = reader.year_amounts(data.get("avsatt"), ("avsatt",))
    grants_raw = data.get("beviljat") or []
    grants: list[Grant] = []
    if not isinstance(grants_raw, list):
        where.add(("beviljat",), "ska vara en lista med ett projekt per post (- projekt: …).")
        grants_raw = []
    for i, item in enumerate(grants_raw, start=1):
        grant = reader.grant(item, ("beviljat", i))
        if grant is None:
            continue
        if any(g.projekt == grant.projekt for g in grants):
            where.add(("beviljat", i, "projekt"), f"projektet '{grant.projekt}' finns redan i beviljat.",
                      "Slå ihop beviljandena till en post per projekt.")
            continue
        grants.append(grant)
    paid = reader.flows(data.get("utbetalt"), ("utbetalt",), need_project=True, need_committee=False)
    repaid = reader.flows(data.get("aterfort"), ("aterfort",), need_project=False, need_committee=True)
    slugs = {g.projekt for g in grants}
    for section, flows in (("utbetalt", paid), ("aterfort", repaid)):
        for i, f in enumerate(flows, start=1):
            if f.projekt and f.projekt not in slugs:
                where.add((section, i, "projekt"), f"projektet '{f.projekt}' finns inte under beviljat.",
                          "Lägg till projektets beviljande eller rätta mappnamnet.")
    if problems:
        raise InputError(problems, project=LEDGER_FILE)
    ledger = Ledger(fond=_text(data.get("fond")) or "Sociala investeringsfonden", återföring=repay_model,
                    samordnare=_text(data.get("samordnare")), diarienummer=_text(data.get("diarienummer")),
                    avsatt=tuple(reserved), beviljat=tuple(grants), utbetalt=tuple(paid), återfört=tuple(repaid),
                    fil=path)
    return _with_warnings(ledger)


def _with_warnings(ledger: Ledger) -> Ledger:
    """Point out what the ledger says against itself; the figures are kept as written."""

    warnings = list(ledger.varningar)
    for g in ledger.beviljat:
        paid = ledger.paid(g.projekt, 9999)
        if paid > g.belopp:
            warnings.append(f"{g.namn or g.projekt}: utbetalt ({sv.kronor(paid)}) är mer än beviljat "
                            f"({sv.kronor(g.belopp)}).")
        early = [f.år for f in ledger.utbetalt if f.projekt == g.projekt and f.år < g.år]
        if early:
            warnings.append(f"{g.namn or g.projekt}: utbetalning {min(early)} ligger före beslutsåret {g.år}.")
        planned = sum(f.belopp for f in g.utbetalningsplan)
        if g.utbetalningsplan and abs(planned - g.belopp) >= 1:
            warnings.append(f"{g.namn or g.projekt}: utbetalningsplanen ({sv.kronor(planned)}) stämmer inte med "
                            f"beviljat belopp ({sv.kronor(g.belopp)}).")
    reserved, granted = sum(f.belopp for f in ledger.avsatt), sum(g.belopp for g in ledger.beviljat)
    if granted > reserved + ledger.repaid(9999):
        warnings.append(f"Beviljade medel ({sv.kronor(granted)}) är mer än vad som avsatts och återförts till fonden.")
    if not ledger.återföring and ledger.återfört:
        warnings.append("Fonden tillämpar ingen återföring (återföring: false), men fond.yaml redovisar återförda medel.")
    return replace(ledger, varningar=tuple(dict.fromkeys(warnings)))
