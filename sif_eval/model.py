"""Immutable values passed from loading to analysis to rendering.

Rendering never recomputes: it only reads these.  ``to_dict`` gives the
``resultat.json`` contract (Swedish keys, see ``shared/spec/indata.md``) and
``from_dict`` reads it back, so documents can be re-rendered from an archive.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field, fields
from typing import Any, Literal, get_args

Design = Literal["auto", "före_efter", "did", "its", "its_kontrollerad", "stegvis", "syntetisk"]
Comparison = Literal["aldrig_behandlade", "ännu_ej_behandlade"]  # whom a staggered design compares with
IndicatorType = Literal["andel", "antal", "medelvärde"]
Direction = Literal["lägre", "högre"]
Group = Literal["insats", "jämförelse"]
SeType = Literal["klassisk", "robust", "kluster", "hac"]
TargetJudgement = Literal["uppnått", "ej_uppnått", "kan_ej_avgöras"]
ReportKind = Literal["utvärdering", "återrapportering"]
RunStatus = Literal["pågår", "klar", "misslyckad"]
TransitionRule = Literal["före", "efter", "utesluten"]  # a period partly exposed to the intervention
Inference = Literal["kluster", "randomisering", "wild_bootstrap", "hac", "robust", "klassisk", "placebo"]

DESIGNS: tuple[Design, ...] = get_args(Design)
INDICATOR_TYPES: tuple[IndicatorType, ...] = get_args(IndicatorType)
DIRECTIONS: tuple[Direction, ...] = get_args(Direction)
GROUPS: tuple[Group, ...] = get_args(Group)
SE_TYPES: tuple[SeType, ...] = get_args(SeType)
COMPARISONS: tuple[Comparison, ...] = get_args(Comparison)


@dataclass(frozen=True)
class Indicator:
    """One outcome the project follows, as declared in ``projekt.yaml``."""

    id: str
    namn: str
    typ: IndicatorType = "medelvärde"
    bättre: Direction = "lägre"
    effektmål: float | None = None
    design: Design = "auto"
    jämförelse: Comparison = "aldrig_behandlade"  # stegvis only: never-treated or also not-yet-treated units
    övergångsperiod: TransitionRule = "utesluten"
    nämnare: str | None = None  # a column of utfall whose value divides värde (a count becomes a rate)
    per: float | None = None  # the rate's scale, e.g. 1000: per 1 000 pupils


@dataclass(frozen=True)
class Project:
    """A validated project folder (``inputs/<slug>/``)."""

    slug: str
    projekt: str
    diarienummer: str
    ansvarig_nämnd: str
    handläggare: str
    insatsstart: dt.date
    indikatorer: tuple[Indicator, ...]
    beskrivning: str = ""
    målgrupp: str = ""
    rapporttyp: ReportKind = "utvärdering"  # återrapportering: a report back to a funder
    extra: tuple[tuple[str, Any], ...] = ()

    def indicator(self, ind_id: str) -> Indicator:
        for ind in self.indikatorer:
            if ind.id == ind_id:
                return ind
        raise KeyError(ind_id)


@dataclass(frozen=True)
class Municipality:
    """Who the documents come from and are signed by (``inputs/kommun.yaml``)."""

    kommun: str = ""
    förvaltning: str = ""
    adressat: str = "Kommunstyrelsen"
    fond: str = "Sociala investeringsfonden"
    undertecknare: tuple[tuple[str, str], ...] = ()
    beslutet_skickas_till: tuple[str, ...] = ()
    logotyp: str | None = None  # file name inside the run's indata/
    minsta_antal: int = 5


@dataclass(frozen=True)
class EventTimeEffect:
    """Staggered design: the effect a given number of periods after each unit's own start (−1 = just before)."""

    händelsetid: int
    skattning: float | None
    standardfel: float | None
    ki_låg: float | None
    ki_hög: float | None


@dataclass(frozen=True)
class CohortEffect:
    """Staggered design: the units that start in one period, and their average effect after the start."""

    start: str  # the first period with the intervention, as written in utfall (e.g. 2019-08)
    n_enheter: int
    skattning: float | None
    standardfel: float | None


@dataclass(frozen=True)
class DonorWeight:
    """Synthetic control: one comparison unit's weight in the synthetic unit."""

    enhet: str
    vikt: float


@dataclass(frozen=True)
class SyntheticPoint:
    """Synthetic control: the treated unit and its synthetic counterpart in one period."""

    period: str
    insats: float | None
    syntetisk: float | None
    efter: bool


@dataclass(frozen=True)
class PlaceboUnit:
    """Synthetic control: one comparison unit analysed as if it had been treated (placebo in space)."""

    enhet: str
    rmspe_före: float | None
    rmspe_efter: float | None
    kvot: float | None  # rmspe_efter / rmspe_före; the p-value ranks these
    effekt: float | None
    med_i_filtrerat: bool  # pre-period fit good enough for the filtered p-value
    skillnader: tuple[float | None, ...] = ()  # gap per period, in the order of Effect.syntetisk_bana


@dataclass(frozen=True)
class Effect:
    """The estimated effect of the intervention on one indicator.

    The first block is the stable ``resultat.json`` contract; the rest is
    extension (descriptives, the design's reason, warnings, the figure).
    """

    indikator: str
    design: Design
    skattning: float | None
    standardfel: float | None
    ki_låg: float | None
    ki_hög: float | None
    p_värde: float | None
    n_obs: int
    n_kluster: int | None
    se_typ: SeType | None
    # extensions
    namn: str = ""
    typ: IndicatorType = "medelvärde"
    bättre: Direction = "lägre"
    effektmål: float | None = None
    designval: str = ""  # why this design (Swedish sentence)
    måluppfyllelse: TargetJudgement | None = None
    beskrivande: tuple[tuple[str, float | int | None], ...] = ()
    varningar: tuple[str, ...] = ()
    figur: str | None = None  # path relative to the run folder
    figur_alt: str | None = None
    figur_händelsestudie: str | None = None  # did with two or more periods before the start
    figur_händelsestudie_alt: str | None = None
    # the staggered design (stegvis) and synthetic control (syntetisk); empty for the other designs
    händelsetid: tuple[EventTimeEffect, ...] = ()
    kohorter: tuple[CohortEffect, ...] = ()
    donatorvikter: tuple[DonorWeight, ...] = ()
    syntetisk_bana: tuple[SyntheticPoint, ...] = ()
    placebo: tuple[PlaceboUnit, ...] = ()
    insatsenhet: str | None = None  # syntetisk: the one treated unit
    # the primary inference: p_värde, ki_låg and ki_hög above are always its figures
    inferens: Inference | None = None
    inferens_skäl: str = ""  # why this inference is the primary one (Swedish sentence)
    n_behandlade: int | None = None  # treated units (clusters) in the estimate
    n_jämförelse: int | None = None  # comparison units
    permutationer: int | None = None  # randomisation inference: assignments used (the actual one included)
    permutationer_exakta: bool | None = None  # every assignment enumerated (else seeded draws)
    frö: int | None = None  # the seed of every random draw behind the figures
    sekundär: tuple[tuple[str, Any], ...] = ()  # other inferences shown beside the primary, by name
    övergångsperioder: tuple[str, ...] = ()  # periods partly exposed to the intervention
    övergångsregel: TransitionRule | None = None  # what they counted as (utesluten: left out)

    def descriptive(self) -> dict[str, float | int | None]:
        return dict(self.beskrivande)


@dataclass(frozen=True)
class ProjectResult:
    """Everything a document about one project needs."""

    projekt: str
    diarienummer: str
    slug: str
    ansvarig_nämnd: str
    handläggare: str
    insatsstart: str
    rapportdatum: str
    effekter: tuple[Effect, ...]
    varningar: tuple[str, ...] = ()
    beskrivning: str = ""
    målgrupp: str = ""
    rapporttyp: str = "utvärdering"
    ekonomi: Mapping[str, Any] | None = None  # budget against outcome (economics.Budget.to_dict())
    kalkyl: Mapping[str, Any] | None = None  # socio-economic calculation (economics.Calculation.to_dict())
    extra: tuple[tuple[str, Any], ...] = field(default=())

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "projekt": self.projekt,
            "diarienummer": self.diarienummer,
            "slug": self.slug,
            "ansvarig_nämnd": self.ansvarig_nämnd,
            "handläggare": self.handläggare,
            "insatsstart": self.insatsstart,
            "rapportdatum": self.rapportdatum,
            "beskrivning": self.beskrivning,
            "målgrupp": self.målgrupp,
            "rapporttyp": self.rapporttyp,
            "effekter": [_effect_to_dict(e) for e in self.effekter],
            "varningar": list(self.varningar),
        }
        if self.ekonomi is not None:
            out["ekonomi"] = self.ekonomi
        if self.kalkyl is not None:
            out["kalkyl"] = self.kalkyl
        for k, v in self.extra:
            out.setdefault(k, v)
        return out

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ProjectResult:
        known = {f.name for f in fields(cls)}
        effects = tuple(_effect_from_dict(e) for e in data.get("effekter", []))
        kwargs = {k: v for k, v in data.items() if k in known and k not in ("effekter", "varningar", "extra")}
        extra = tuple((k, v) for k, v in data.items() if k not in known)
        return cls(effekter=effects, varningar=tuple(data.get("varningar", [])), extra=extra, **kwargs)


_NESTED: dict[str, type] = {"händelsetid": EventTimeEffect, "kohorter": CohortEffect,
                            "donatorvikter": DonorWeight, "syntetisk_bana": SyntheticPoint, "placebo": PlaceboUnit}


def _effect_to_dict(e: Effect) -> dict[str, Any]:
    d: dict[str, Any] = {}
    for f in fields(e):
        v = getattr(e, f.name)
        if f.name in ("beskrivande", "sekundär"):
            v = dict(v)
        elif f.name in ("varningar", "övergångsperioder"):
            v = list(v)
        elif f.name in _NESTED or f.name == "insatsenhet":
            if not v:
                continue  # the designs that have no such details keep resultat.json as it was
            v = v if isinstance(v, str) else [{k: list(x) if isinstance(x, tuple) else x for k, x in asdict(item).items()} for item in v]
        d[f.name] = v
    return d


def _nested_from_dict(cls: type, items: list[dict[str, Any]]) -> tuple[Any, ...]:
    names = {f.name for f in fields(cls)}
    return tuple(cls(**{k: tuple(v) if isinstance(v, list) else v for k, v in item.items() if k in names})
                 for item in items)


def _effect_from_dict(d: dict[str, Any]) -> Effect:
    known = {f.name for f in fields(Effect)}
    kw = {k: v for k, v in d.items() if k in known}
    kw["beskrivande"] = tuple((kw.get("beskrivande") or {}).items())
    kw["varningar"] = tuple(kw.get("varningar") or ())
    for name, cls in _NESTED.items():
        kw[name] = _nested_from_dict(cls, kw.get(name) or [])
    kw["sekundär"] = tuple((kw.get("sekundär") or {}).items())
    kw["övergångsperioder"] = tuple(kw.get("övergångsperioder") or ())
    return Effect(**kw)
