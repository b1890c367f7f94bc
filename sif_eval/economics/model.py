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
from typing import Any, Literal

from ..swedish import fold

# Budget values live in their own module; re-exported here, where the input readers import them.
from .budget_values import PAYMENT_TERMS as PAYMENT_TERMS
from .budget_values import STATED_KINDS as STATED_KINDS
from .budget_values import Budget as Budget
from .budget_values import BudgetRow as BudgetRow
from .budget_values import BudgetTotal as BudgetTotal
from .budget_values import Payment as Payment
from .budget_values import StatedFigure as StatedFigure
from .budget_values import _r

FUND = "fonden"
"""Default bearer of a cost: the social investment fund itself."""

# A bearer whose first word starts with one of these is not a municipal committee and never repays
# the fund (Uppsala: "Återföring är endast möjlig från kommunala nämnder").
NON_MUNICIPAL_PREFIXES = (
    "region", "landsting", "stat", "individ", "enskild", "polis", "kriminalvard", "forsakringskassa",
    "arbetsformedling", "domstol", "samhall", "privat", "foretag", "civil",
)

BEFORE_AFTER = "före_efter"
"""The one design without a counterfactual: deadweight is applied only to its changes (and to assumptions)."""

RepaymentBasis = Literal["försiktig", "skattning"]
"""Which repayment plan a board paper proposes: the conservative bound (default) or the point estimate."""

Origin = Literal["angiven", "standard", "designen"]
"""Where a parameter's value came from: stated in the kalkyl, the tool's default, or set by the design."""


def conservative(value: float, interval: tuple[float, float] | None) -> float:
    """The interval's end nearer zero; zero when the interval includes zero; the value without an interval."""
    if interval is None:
        return value
    lo, hi = interval
    if lo <= 0 <= hi:
        return 0.0
    return lo if lo > 0 else hi


def is_municipal(bearer: str) -> bool:
    """True for a municipal committee (or the municipality); region, state and individual are not."""
    words = fold(bearer).split()
    if not words:
        return False
    return not any(words[0].startswith(p) for p in NON_MUNICIPAL_PREFIXES)


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
    intervall: tuple[float, float] | None = None  # låg, hög (used only with a källa)


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
    design: str | None = None  # the estimate's design when the effect comes from an indicator
    lutning: float = 0.0  # interrupted time series: improvement added per period after the start
    lutning_intervall: tuple[float, float] | None = None  # improvement units per period, low ≤ high
    perioder_per_år: int = 1  # periods of the time series in a year (12 for months)
    lutning_perioder: int | None = None  # periods after the start that the data cover: the slope stops there

    @property
    def counterfactual(self) -> bool:
        """True when the effect was estimated against a comparison (every design but före/efter)."""
        return self.källa == "indikator" and self.design is not None and self.design != BEFORE_AFTER

    @property
    def konservativ_effekt(self) -> float:
        """The effect never overstated: an estimate's interval end nearer zero (0 without an interval);
        an assumption's stated range end nearer zero, else the assumption itself."""
        if self.källa == "indikator":
            return conservative(0.0, self.effekt_intervall) if self.effekt_intervall else 0.0
        return conservative(self.effekt, self.effekt_intervall)

    @property
    def konservativ_lutning(self) -> float:
        return conservative(0.0, self.lutning_intervall) if self.lutning_intervall else 0.0

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
    källor: tuple[tuple[str, str], ...] = ()  # parameter → Origin ("angiven" | "standard"); missing: standard
    skäl: tuple[tuple[str, str], ...] = ()  # parameter → the reason stated in the kalkyl
    återföringsgrund: RepaymentBasis = "försiktig"
    återföringsgrund_källa: str = ""  # the file that chose it ("" = the default)

    @property
    def adjustment(self) -> float:
        """The share of a gross benefit that the intervention can claim (deadweight included)."""
        return (1 - self.dödvikt) * self.attribution * (1 - self.undanträngning)

    def applies_deadweight(self, post: BenefitItem) -> bool:
        """Deadweight is the counterfactual's job: not applied to an effect estimated against a comparison."""
        return not post.counterfactual

    def adjustment_for(self, post: BenefitItem, dödvikt: float | None = None) -> float:
        """The share of one benefit that the intervention can claim, by its design."""
        dw = (self.dödvikt if dödvikt is None else dödvikt) if self.applies_deadweight(post) else 0.0
        return (1 - dw) * self.attribution * (1 - self.undanträngning)

    def origin(self, name: str) -> str:
        return dict(self.källor).get(name, "standard")

    def reason(self, name: str) -> str:
        return dict(self.skäl).get(name, "")

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
    start: tuple[int, int] | None = None  # the project's start (year, month): the payment plan begins there


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
    hållna: tuple[str, ...] = ()  # parameters held at their value (no stated range)

    def to_dict(self) -> dict[str, Any]:
        return {"dragningar": self.dragningar, "frö": self.frö,
                "sannolikhet_lönsam": _r(self.sannolikhet_lönsam, 4),
                "nettonuvärde_p05_kr": _r(self.npv_p05), "nettonuvärde_p50_kr": _r(self.npv_p50),
                "nettonuvärde_p95_kr": _r(self.npv_p95), "varierade_parametrar": list(self.varierade),
                "fasta_parametrar": list(self.hållna)}


@dataclass(frozen=True)
class Repayment:
    """One committee's repayment into the fund in one year (price-year kronor)."""

    nämnd: str
    år: int
    belopp: float
    grund: str = "skattad"  # "skattad" (an estimated effect carried forward) | "antagen" (an assumption)

    def to_dict(self) -> dict[str, Any]:
        return {"nämnd": self.nämnd, "år": self.år, "belopp_kr": _r(self.belopp), "grund": self.grund}


@dataclass(frozen=True)
class BreakEven:
    """The effect at which the net present value is zero, the other benefits held as estimated."""

    nyttopost: str
    indikator: str | None
    förbättring: float  # improvement units (positive = better)
    effekt: float  # in the indicator's own units and direction (compare with skattning)
    andel_av_skattad: float | None
    skattad_förbättring: float = 0.0  # the effect the calculation uses, improvement units
    riktning: int = 1  # indicator change = riktning × improvement (−1: lower is better)
    typ: str = "medelvärde"
    design: str | None = None
    källa: str = "antagande"

    def to_dict(self) -> dict[str, Any]:
        return {"nyttopost": self.nyttopost, "indikator": self.indikator, "förbättring": _r(self.förbättring, 6),
                "effekt": _r(self.effekt, 6), "andel_av_skattad": _r(self.andel_av_skattad, 4),
                "skattad_förbättring": _r(self.skattad_förbättring, 6),
                "skattad_effekt": _r(self.riktning * self.skattad_förbättring, 6),
                "riktning": "lägre" if self.riktning < 0 else "högre", "typ": self.typ, "design": self.design,
                "effektkälla": self.källa}


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
    återföring: tuple[Repayment, ...]  # the plan the board paper proposes (återföringsgrund)
    återföring_text: str
    utbetalningsplan: tuple[Payment, ...]
    år: tuple[YearFlow, ...]
    nytta_per_bärare: tuple[tuple[str, float], ...]  # present value per bearer
    varningar: tuple[str, ...] = field(default=())
    återföring_skattning: tuple[Repayment, ...] = ()  # from the point estimates
    återföring_försiktig: tuple[Repayment, ...] = ()  # from the conservative bounds
    antagandetabell: tuple[dict[str, Any], ...] = ()  # every parameter with its value and origin

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
            "källor": dict(a.källor), "skäl": dict(a.skäl), "återföringsgrund": a.återföringsgrund,
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
                "varaktighet_år": b.varaktighet_år, "design": b.design, "riktning": b.riktning, "typ": b.typ,
                "dödvikt_tillämpas": a.applies_deadweight(b), "lutning": _r(b.lutning, 6),
                "perioder_per_år": b.perioder_per_år, "lutning_perioder": b.lutning_perioder, "konservativ_effekt": _r(b.konservativ_effekt, 6),
                "konservativ_lutning": _r(b.konservativ_lutning, 6)} for b in self.spec.nyttoposter],
            "filer": list(self.spec.filer),
        }
        return out

    def to_dict(self) -> dict[str, Any]:
        def per_committee(plan: tuple[Repayment, ...]) -> list[dict[str, Any]]:
            sums: dict[str, float] = {}
            for r in plan:
                sums[r.nämnd] = sums.get(r.nämnd, 0.0) + r.belopp
            return [{"nämnd": k, "belopp_kr": _r(v)} for k, v in sums.items()]

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
            "återföring_per_nämnd": per_committee(self.återföring),
            "återföringsgrund": self.spec.antaganden.återföringsgrund,
            "återföring_skattning": [r.to_dict() for r in self.återföring_skattning],
            "återföring_försiktig": [r.to_dict() for r in self.återföring_försiktig],
            "återföring_skattning_per_nämnd": per_committee(self.återföring_skattning),
            "återföring_försiktig_per_nämnd": per_committee(self.återföring_försiktig),
            "återföring_tillämpas": self.spec.antaganden.återföring,
            "återföring_text": self.återföring_text,
            "utbetalningsplan": [p.to_dict() for p in self.utbetalningsplan],
            "år": [y.to_dict() for y in self.år],
            "nytta_per_bärare": [{"bärare": k, "nytta_nuvärde_kr": _r(v)} for k, v in self.nytta_per_bärare],
            "prisår": self.spec.antaganden.prisår,
            "antaganden": self.antaganden(),
            "antagandetabell": [dict(r) for r in self.antagandetabell],
            "varningar": list(self.varningar),
        }
