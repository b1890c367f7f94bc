"""Immutable values of the economics part: the calculation's inputs and its results.

The inputs (:class:`Spec`) hold plain numbers already resolved from the files
(unit costs looked up, prices indexed to one price year, effects turned into
improvements), so every computation in :mod:`sif_eval.economics_calc` is pure
and can be tested with hand-written values.  The results (:class:`Calculation`,
:class:`Budget`) give the ``kalkyl`` and ``ekonomi`` sections of
``resultat.json`` through ``to_dict`` (plain floats, ints, str, lists, dicts).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ..swedish import fold

FUND = "fonden"
"""Default bearer of a cost: the social investment fund itself."""

# A bearer whose first word starts with one of these is not a municipal committee and never repays
# the fund (Uppsala: "Återföring är endast möjlig från kommunala nämnder").
NON_MUNICIPAL_PREFIXES = (
    "region", "landsting", "stat", "individ", "enskild", "polis", "kriminalvard", "forsakringskassa",
    "arbetsformedling", "domstol", "samhall", "privat", "foretag", "civil",
)

PAYMENT_TERMS = (
    # (name, first month, last month, when it is paid); the fund pays in arrears (Uppsala's guideline)
    ("delår 1", 1, 4, "efter delårsbokslut 1 (per 30 april {y})"),
    ("delår 2", 5, 8, "efter delårsbokslut 2 (per 31 augusti {y})"),
    ("helår", 9, 12, "efter årsbokslutet {y} (början av {next})"),
)


def is_municipal(bearer: str) -> bool:
    """True for a municipal committee (or the municipality); region, state and individual are not."""
    words = fold(bearer).split()
    if not words:
        return False
    return not any(words[0].startswith(p) for p in NON_MUNICIPAL_PREFIXES)


def _r(x: float | None, nd: int = 2) -> float | None:
    """A JSON-friendly float (rounded, never NaN)."""
    if x is None or x != x:
        return None
    return round(float(x), nd) + 0.0


# ---------------------------------------------------------------- inputs


@dataclass(frozen=True)
class UnitCost:
    """One item of the unit-cost catalogue (``enhetskostnader.csv``)."""

    post: str
    belopp: float
    enhet: str
    prisår: int
    bärare: str = ""
    källa: str = ""
    fil: str = ""


@dataclass(frozen=True)
class PriceIndex:
    """A consumer price index by year (``kpi.csv``), to move amounts between price years."""

    values: tuple[tuple[int, float], ...]
    källa: str = ""

    def _value(self, year: int) -> tuple[float, bool]:
        table = dict(self.values)
        if year in table:
            return table[year], False
        years = sorted(table)
        nearest = years[0] if year < years[0] else years[-1] if year > years[-1] else \
            max(y for y in years if y < year)
        return table[nearest], True

    def factor(self, from_year: int, to_year: int) -> tuple[float, tuple[int, ...]]:
        """Multiply an amount in ``from_year`` prices by this to get ``to_year`` prices.

        Years outside the table use its nearest year (no change in prices
        assumed beyond it); they are returned so that a warning can say so.
        """
        if from_year == to_year or not self.values:
            return 1.0, ()
        a, miss_a = self._value(from_year)
        b, miss_b = self._value(to_year)
        missing = tuple(y for y, m in ((from_year, miss_a), (to_year, miss_b)) if m)
        return b / a, missing


@dataclass(frozen=True)
class CostItem:
    """One cost in one year, in kronor of the calculation's price year."""

    år: int
    belopp: float
    bärare: str = FUND
    månader: tuple[int, int] = (1, 12)  # the months the cost arises, for the payment plan
    nominellt: float | None = None  # as stated (before price indexing); the payment plan pays this
    beskrivning: str = ""

    @property
    def stated(self) -> float:
        return self.belopp if self.nominellt is None else self.nominellt


@dataclass(frozen=True)
class BenefitItem:
    """One benefit: effect × persons × unit cost a year, borne by one bearer.

    ``effekt`` is an improvement (positive = better) in the indicator's units;
    ``riktning`` converts it back (indicator effect = riktning × effekt).
    """

    namn: str
    effekt: float
    antal_personer: float
    enhetskostnad: float  # kronor in the price year, per unit of effect and person and year
    bärare: str
    start_år: int
    varaktighet_år: int | None = None  # None: until the horizon
    kommunal: bool | None = None  # None: decided from the bearer's name (see is_municipal)
    källa: str = "antagande"  # "indikator" | "antagande"
    indikator: str | None = None
    standardfel: float | None = None
    effekt_intervall: tuple[float, float] | None = None  # improvement units, low ≤ high
    antagen_effekt: float | None = None  # the improvement assumed in the application
    personer_intervall: tuple[float, float] | None = None
    enhetskostnad_intervall: tuple[float, float] | None = None
    enhetskostnad_post: str = ""  # catalogue key or "" for a stated number
    enhetskostnad_källa: str = ""
    riktning: int = 1
    typ: str = "medelvärde"

    @property
    def municipal(self) -> bool:
        """Whether the bearer is a municipal committee, which repays the fund."""
        return is_municipal(self.bärare) if self.kommunal is None else self.kommunal

    @property
    def realised_share(self) -> float:
        """How much of the assumed effect was seen (0–1); 1 when nothing was assumed or it was exceeded."""
        if self.antagen_effekt is None or self.antagen_effekt <= 0 or self.källa != "indikator":
            return 1.0
        return min(1.0, max(0.0, self.effekt / self.antagen_effekt))


ADJUSTMENTS = ("dödvikt", "attribution", "undanträngning", "bortfall_per_år", "optimism")


@dataclass(frozen=True)
class Assumptions:
    """Every parameter of the calculation; ``intervall`` holds user-given (name, low, high)."""

    basår: int
    horisont_år: int
    prisår: int
    diskonteringsränta: float = 0.035
    känslighet_ränta: float = 0.03
    bortfall_per_år: float = 0.0
    dödvikt: float = 0.0
    attribution: float = 1.0
    undanträngning: float = 0.0
    optimism: float = 0.0
    mc_dragningar: int = 10_000
    frö: int = 20240101
    återföring: bool = True
    intervall: tuple[tuple[str, float, float], ...] = ()

    @property
    def adjustment(self) -> float:
        """The share of a gross benefit that the intervention can claim."""
        return (1 - self.dödvikt) * self.attribution * (1 - self.undanträngning)

    def interval(self, name: str) -> tuple[float, float] | None:
        for n, lo, hi in self.intervall:
            if n == name:
                return lo, hi
        return None


@dataclass(frozen=True)
class Spec:
    """A complete, resolved calculation: parameters, costs and benefits."""

    antaganden: Assumptions
    kostnader: tuple[CostItem, ...]
    nyttoposter: tuple[BenefitItem, ...]
    varningar: tuple[str, ...] = ()
    filer: tuple[str, ...] = ()
    kostnadskälla: str = "kalkyl"  # "kalkyl" | "ekonomi.csv"


# ---------------------------------------------------------------- results


@dataclass(frozen=True)
class YearFlow:
    """One year of the calculation (kronor in the price year)."""

    år: int
    t: int
    kostnad: float  # incl. optimism adjustment, undiscounted
    nytta: float  # adjusted, undiscounted
    kostnad_nuvärde: float
    nytta_nuvärde: float
    kumulativ_kostnad_nuvärde: float
    kumulativ_nytta_nuvärde: float

    def to_dict(self) -> dict[str, Any]:
        return {"år": self.år, "t": self.t, "kostnad_kr": _r(self.kostnad), "nytta_kr": _r(self.nytta),
                "kostnad_nuvärde_kr": _r(self.kostnad_nuvärde), "nytta_nuvärde_kr": _r(self.nytta_nuvärde),
                "kumulativ_kostnad_nuvärde_kr": _r(self.kumulativ_kostnad_nuvärde),
                "kumulativ_nytta_nuvärde_kr": _r(self.kumulativ_nytta_nuvärde)}


@dataclass(frozen=True)
class SensitivityRow:
    """One bar of the tornado: the net present value at a parameter's low and high value."""

    parameter: str
    etikett: str
    låg: float
    hög: float
    npv_låg: float
    npv_hög: float

    @property
    def swing(self) -> float:
        return abs(self.npv_hög - self.npv_låg)

    def to_dict(self) -> dict[str, Any]:
        return {"parameter": self.parameter, "etikett": self.etikett, "låg": _r(self.låg, 6),
                "hög": _r(self.hög, 6), "npv_låg_kr": _r(self.npv_låg), "npv_hög_kr": _r(self.npv_hög),
                "spann_kr": _r(self.swing)}


@dataclass(frozen=True)
class MonteCarlo:
    """The seeded simulation's summary."""

    dragningar: int
    frö: int
    sannolikhet_lönsam: float
    npv_p05: float
    npv_p50: float
    npv_p95: float
    varierade: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {"dragningar": self.dragningar, "frö": self.frö,
                "sannolikhet_lönsam": _r(self.sannolikhet_lönsam, 4),
                "nettonuvärde_p05_kr": _r(self.npv_p05), "nettonuvärde_p50_kr": _r(self.npv_p50),
                "nettonuvärde_p95_kr": _r(self.npv_p95), "varierade_parametrar": list(self.varierade)}


@dataclass(frozen=True)
class Repayment:
    """One committee's repayment into the fund in one year (price-year kronor)."""

    nämnd: str
    år: int
    belopp: float

    def to_dict(self) -> dict[str, Any]:
        return {"nämnd": self.nämnd, "år": self.år, "belopp_kr": _r(self.belopp)}


@dataclass(frozen=True)
class Payment:
    """One payment from the fund, in arrears after an interim or annual report."""

    år: int
    tillfälle: str  # delår 1 | delår 2 | helår
    avser: str  # "januari–april 2021"
    utbetalas: str
    belopp: float

    def to_dict(self) -> dict[str, Any]:
        return {"år": self.år, "tillfälle": self.tillfälle, "avser": self.avser, "utbetalas": self.utbetalas,
                "belopp_kr": _r(self.belopp)}


@dataclass(frozen=True)
class BreakEven:
    """The effect at which the net present value is zero, the other benefits held as estimated."""

    nyttopost: str
    indikator: str | None
    förbättring: float  # improvement units (positive = better)
    effekt: float  # in the indicator's own units and direction (compare with skattning)
    andel_av_skattad: float | None

    def to_dict(self) -> dict[str, Any]:
        return {"nyttopost": self.nyttopost, "indikator": self.indikator, "förbättring": _r(self.förbättring, 6),
                "effekt": _r(self.effekt, 6), "andel_av_skattad": _r(self.andel_av_skattad, 4)}


@dataclass(frozen=True)
class Calculation:
    """The socio-economic calculation of one project; ``to_dict`` is ``resultat.json``'s ``kalkyl``."""

    spec: Spec
    kostnad_kr: float  # stated costs in the price year, undiscounted, without optimism adjustment
    kostnad_nuvärde_kr: float  # discounted, with optimism adjustment
    nytta_kr: float  # adjusted benefits, undiscounted
    nytta_nuvärde_kr: float
    nettonuvärde_kr: float
    nytta_per_krona: float | None
    återbetalningstid_år: int | None
    återbetalningsår: int | None
    brytpunkt_faktor: float | None  # all effects × this factor gives NPV = 0
    brytpunkter: tuple[BreakEven, ...]
    känslighetsfall_kr: float  # NPV at the sensitivity rate
    känslighet: tuple[SensitivityRow, ...]
    monte_carlo: MonteCarlo | None
    återföring: tuple[Repayment, ...]
    återföring_text: str
    utbetalningsplan: tuple[Payment, ...]
    år: tuple[YearFlow, ...]
    nytta_per_bärare: tuple[tuple[str, float], ...]  # present value per bearer
    varningar: tuple[str, ...] = field(default=())

    @property
    def brytpunkt_effekt(self) -> float | None:
        """The first benefit's break-even effect in its indicator's units (None without benefits)."""
        return self.brytpunkter[0].effekt if self.brytpunkter else None

    @property
    def sannolikhet_lönsam(self) -> float | None:
        return self.monte_carlo.sannolikhet_lönsam if self.monte_carlo else None

    def antaganden(self) -> dict[str, Any]:
        a = self.spec.antaganden
        out: dict[str, Any] = {
            "basår": a.basår, "prisår": a.prisår, "horisont_år": a.horisont_år,
            "diskonteringsränta": a.diskonteringsränta, "känslighet_ränta": a.känslighet_ränta,
            "bortfall_per_år": a.bortfall_per_år, "dödvikt": a.dödvikt, "attribution": a.attribution,
            "undanträngning": a.undanträngning, "optimism": a.optimism, "mc_dragningar": a.mc_dragningar,
            "frö": a.frö, "återföring": a.återföring,
            "intervall": {n: [lo, hi] for n, lo, hi in a.intervall},
            "kostnadskälla": self.spec.kostnadskälla,
            "kostnader": [{"år": c.år, "belopp_kr": _r(c.belopp), "angivet_belopp_kr": _r(c.stated),
                           "bärare": c.bärare, "månader": list(c.månader), "beskrivning": c.beskrivning}
                          for c in self.spec.kostnader],
            "nyttoposter": [{
                "namn": b.namn, "effekt": _r(b.effekt, 6), "effektkälla": b.källa, "indikator": b.indikator,
                "standardfel": _r(b.standardfel, 6),
                "effekt_intervall": list(b.effekt_intervall) if b.effekt_intervall else None,
                "antagen_effekt": _r(b.antagen_effekt, 6), "uppnådd_andel": _r(b.realised_share, 4),
                "antal_personer": b.antal_personer, "enhetskostnad_kr": _r(b.enhetskostnad),
                "enhetskostnad_post": b.enhetskostnad_post, "enhetskostnad_källa": b.enhetskostnad_källa,
                "bärare": b.bärare, "kommunal": b.municipal, "start_år": b.start_år,
                "varaktighet_år": b.varaktighet_år} for b in self.spec.nyttoposter],
            "filer": list(self.spec.filer),
        }
        return out

    def to_dict(self) -> dict[str, Any]:
        per_committee: dict[str, float] = {}
        for r in self.återföring:
            per_committee[r.nämnd] = per_committee.get(r.nämnd, 0.0) + r.belopp
        return {
            "kostnad_kr": _r(self.kostnad_kr),
            "kostnad_nuvärde_kr": _r(self.kostnad_nuvärde_kr),
            "nytta_kr": _r(self.nytta_kr),
            "nytta_nuvärde_kr": _r(self.nytta_nuvärde_kr),
            "nettonuvärde_kr": _r(self.nettonuvärde_kr),
            "nytta_per_krona": _r(self.nytta_per_krona, 4),
            "återbetalningstid_år": self.återbetalningstid_år,
            "återbetalningsår": self.återbetalningsår,
            "sannolikhet_lönsam": _r(self.sannolikhet_lönsam, 4),
            "brytpunkt_effekt": _r(self.brytpunkt_effekt, 6),
            "brytpunkt_faktor": _r(self.brytpunkt_faktor, 4),
            "brytpunkter": [b.to_dict() for b in self.brytpunkter],
            "diskonteringsränta": self.spec.antaganden.diskonteringsränta,
            "känslighetsfall": {"diskonteringsränta": self.spec.antaganden.känslighet_ränta,
                                "nettonuvärde_kr": _r(self.känslighetsfall_kr)},
            "känslighet": [r.to_dict() for r in self.känslighet],
            "monte_carlo": self.monte_carlo.to_dict() if self.monte_carlo else None,
            "återföring": [r.to_dict() for r in self.återföring],
            "återföring_per_nämnd": [{"nämnd": k, "belopp_kr": _r(v)} for k, v in per_committee.items()],
            "återföring_tillämpas": self.spec.antaganden.återföring,
            "återföring_text": self.återföring_text,
            "utbetalningsplan": [p.to_dict() for p in self.utbetalningsplan],
            "år": [y.to_dict() for y in self.år],
            "nytta_per_bärare": [{"bärare": k, "nytta_nuvärde_kr": _r(v)} for k, v in self.nytta_per_bärare],
            "prisår": self.spec.antaganden.prisår,
            "antaganden": self.antaganden(),
            "varningar": list(self.varningar),
        }


# ---------------------------------------------------------------- budget


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
