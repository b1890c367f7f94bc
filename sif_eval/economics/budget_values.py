"""Immutable values of budget against outcome: ``ekonomi.csv``'s rows and the ``ekonomi`` section's totals.

Re-exported by :mod:`sif_eval.economics.model`, which the input readers import.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


def _r(x: float | None, nd: int = 2) -> float | None:
    """A JSON-friendly float (rounded, never NaN)."""
    if x is None or x != x:
        return None
    return round(float(x), nd) + 0.0


# ---------------------------------------------------------------- budget

PAYMENT_TERMS = (
    # (name, first month, last month, when it is paid); the fund pays in arrears (Uppsala's guideline)
    ("delår 1", 1, 4, "efter delårsbokslut 1 (per 30 april {y})"),
    ("delår 2", 5, 8, "efter delårsbokslut 2 (per 31 augusti {y})"),
    ("helår", 9, 12, "efter årsbokslutet {y} (början av {next})"),
)


@dataclass(frozen=True)
class Payment:
    """One payment from the fund, in arrears after an interim or annual report."""

    år: int
    tillfälle: str  # delår 1 | delår 2 | helår
    avser: str  # "januari–april 2021"
    utbetalas: str
    belopp: int  # whole kronor; the plan's rounding remainder is in its last payment

    def to_dict(self) -> dict[str, Any]:
        return {"år": self.år, "tillfälle": self.tillfälle, "avser": self.avser, "utbetalas": self.utbetalas,
                "belopp_kr": int(self.belopp)}



STATED_KINDS = ("rekvirerat", "beviljat", "budgeterat", "utfall", "att_återbetala")


@dataclass(frozen=True)
class StatedFigure:
    """A total stated somewhere else (a decision, an appendix) to be checked against the rows."""

    avser: str  # one of STATED_KINDS
    belopp: float
    nämnd: str | None = None
    insats: str | None = None
    källa: str = ""


@dataclass(frozen=True)
class BudgetRow:
    """One row of ``ekonomi.csv``: an insats, a year and a committee."""

    insats: str
    år: int
    nämnd: str
    budgeterat: float | None
    utfall: float | None
    rekvirerat: float | None = None
    beviljat: float | None = None
    kommentar: str = ""
    rad: int | None = None
    månader: tuple[int, int] = (1, 12)

    @property
    def avvikelse(self) -> float | None:
        """Budgeted minus used: positive means less was used than budgeted (a positive deviation)."""
        if self.budgeterat is None or self.utfall is None:
            return None
        return self.budgeterat - self.utfall

    @property
    def avvikelse_andel(self) -> float | None:
        if self.avvikelse is None or not self.budgeterat:
            return None
        return self.avvikelse / self.budgeterat

    @property
    def mottaget(self) -> float | None:
        """What was received for the row: requisitioned, else granted."""
        return self.rekvirerat if self.rekvirerat is not None else self.beviljat

    @property
    def att_återbetala(self) -> float | None:
        if self.mottaget is None or self.utfall is None:
            return None
        return self.mottaget - self.utfall

    def to_dict(self) -> dict[str, Any]:
        return {"insats": self.insats, "år": self.år, "nämnd": self.nämnd, "budgeterat_kr": _r(self.budgeterat),
                "utfall_kr": _r(self.utfall), "avvikelse_kr": _r(self.avvikelse),
                "avvikelse_andel": _r(self.avvikelse_andel, 4), "rekvirerat_kr": _r(self.rekvirerat),
                "beviljat_kr": _r(self.beviljat), "att_återbetala_kr": _r(self.att_återbetala),
                "kommentar": self.kommentar, "rad": self.rad}


@dataclass(frozen=True)
class BudgetTotal:
    """Totals for one committee (or for all, with nämnd ``"Totalt"``)."""

    nämnd: str
    budgeterat: float
    utfall: float
    mottaget: float | None
    att_återbetala: float | None

    @property
    def avvikelse(self) -> float:
        return self.budgeterat - self.utfall

    @property
    def avvikelse_andel(self) -> float | None:
        return self.avvikelse / self.budgeterat if self.budgeterat else None

    def to_dict(self) -> dict[str, Any]:
        return {"nämnd": self.nämnd, "budgeterat_kr": _r(self.budgeterat), "utfall_kr": _r(self.utfall),
                "avvikelse_kr": _r(self.avvikelse), "avvikelse_andel": _r(self.avvikelse_andel, 4),
                "mottaget_kr": _r(self.mottaget), "att_återbetala_kr": _r(self.att_återbetala)}


@dataclass(frozen=True)
class Budget:
    """Budget against outcome; ``to_dict`` is ``resultat.json``'s ``ekonomi`` section."""

    rader: tuple[BudgetRow, ...]
    per_nämnd: tuple[BudgetTotal, ...]
    totalt: BudgetTotal
    mottaget_totalt: float | None  # requisitioned (or granted) in all: the basis for repayment
    mottaget_grund: str  # where mottaget_totalt came from, in Swedish
    att_återbetala_kr: float | None
    återbetalas_till: str
    utbetalningsplan: tuple[Payment, ...]
    varningar: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {
            "rader": [r.to_dict() for r in self.rader],
            "per_nämnd": [t.to_dict() for t in self.per_nämnd],
            "totalt": self.totalt.to_dict(),
            "budgeterat_kr": _r(self.totalt.budgeterat),
            "utfall_kr": _r(self.totalt.utfall),
            "mottaget_kr": _r(self.mottaget_totalt),
            "mottaget_grund": self.mottaget_grund,
            "att_återbetala_kr": _r(self.att_återbetala_kr),
            "återbetalas_till": self.återbetalas_till,
            "utbetalningsplan": [p.to_dict() for p in self.utbetalningsplan],
            "varningar": list(self.varningar),
        }
