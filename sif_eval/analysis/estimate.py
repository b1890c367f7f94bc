"""The statistical core: choose a design for one indicator and estimate its effect.

Public API: :func:`choose_design`, :func:`estimate`, :func:`judge_target`,
:func:`design_problems`, :func:`planned_inference`.  The designs live in their own
modules: ``did`` (difference-in-differences), ``its`` (interrupted time series,
also controlled), ``before_after``, ``staggered_design`` (stegvis) and
``synthetic_design`` (syntetisk).  Input is the loader's normalized observations
for ONE indicator (see ``shared/spec/indata.md``); output is a frozen
:class:`~sif_eval.model.Effect` holding only plain Python numbers (NaN becomes None).
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import pandas as pd

from .. import swedish as sv
from ..errors import Problem
from ..lazy import LazyModule
from ..model import Design, Effect, Indicator, TransitionRule
from ..paths import PROJECT_FILE
from .before_after import estimate_before_after
from .common import (
    FEW_UNITS,
    INSATS,
    ITS_GOOD_PERIODS,
    ITS_MIN_PERIODS,
    JAMFORELSE,
    Fit,
    clean_descriptive,
    num,
    period_label,
    repeated_units,
)
from .did import estimate_did
from .inference import few_units, ri_can_answer, unit_counts
from .its import controlled_series, estimate_controlled_its, estimate_its
from .staggered_design import COMPARISON_TEXT, estimate_staggered, staggered_problem, start_periods
from .synthetic_design import (
    MIN_DONORS,
    MIN_PRE_PERIODS,
    estimate_synthetic,
    single_treated,
    synthetic_problem,
)

stats = LazyModule("scipy.stats")

DESIGN_NAMES = {
    "före_efter": "en jämförelse före och efter",
    "did": "skillnad-i-skillnader",
    "its": "avbruten tidsserie",
    "its_kontrollerad": "kontrollerad avbruten tidsserie",
    "stegvis": "stegvis design (enheter som startar vid olika tidpunkter)",
    "syntetisk": "syntetisk kontroll",
}
UNIT_DESIGNS = ("stegvis", "syntetisk")  # designs that follow units; a forced one the data cannot support is refused
REASON_FORCED = "Designen är vald i projekt.yaml."
REASON_CALLER = "Designen angavs uttryckligen för analysen."


# ---------------------------------------------------------------- preparation


def _prepare(obs: pd.DataFrame) -> tuple[pd.DataFrame, list[str]]:
    """Defensive normalization (group spelling, booleans, missing values) so designs can trust the frame."""
    obs = obs.copy()
    warnings: list[str] = []
    codes, uniques = pd.factorize(obs["grupp"])  # normalize the few distinct values, not every row
    labels = [str(u).strip().lower().replace("jamforelse", JAMFORELSE) for u in uniques]
    obs["grupp"] = np.asarray(labels, dtype=object)[codes] if len(obs) else obs["grupp"]
    obs["efter"] = obs["efter"].astype(bool)
    obs["varde"] = pd.to_numeric(obs["varde"], errors="coerce").astype(float)
    missing = ~np.isfinite(obs["varde"].to_numpy())
    if missing.any():
        warnings.append(f"{int(missing.sum())} rader saknar värde och ingår inte i analysen.")
        obs = obs.loc[~missing]
    if "enhet" in obs.columns:
        codes, uniques = pd.factorize(obs["enhet"], use_na_sentinel=True)
        blank_u = np.array([str(u).strip() == "" for u in uniques], dtype=bool)
        blank = (codes < 0) | (blank_u[codes] if len(uniques) else False)
        if blank.all():
            obs = obs.drop(columns="enhet")
        elif blank.any():
            warnings.append(
                "Enhet saknas på vissa rader; enhet används därför inte (ingen parning, inga fasta effekter "
                "eller klustring per enhet)."
            )
            obs = obs.drop(columns="enhet")
        else:
            obs["enhet"] = np.asarray([str(u) for u in uniques], dtype=object)[codes]
    return obs, warnings


def _side_counts(obs: pd.DataFrame, group: str) -> tuple[int, int, int, int]:
    """(rows before, rows after, periods before, periods after) for one group."""
    in_group = obs["grupp"].to_numpy() == group
    after = obs["efter"].to_numpy(dtype=bool)
    starts = obs["period_start"].to_numpy()
    pre, post = starts[in_group & ~after], starts[in_group & after]
    return len(pre), len(post), len(pd.unique(pre)), len(pd.unique(post))


def apply_transition_rule(obs: pd.DataFrame, rule: TransitionRule) -> tuple[pd.DataFrame, tuple[str, ...], str]:
    """Periods partly exposed to the intervention: left out (default), or counted as before or after as chosen."""
    if "overgang" not in obs.columns or not obs["overgang"].astype(bool).any():
        return obs, (), ""
    mask = obs["overgang"].to_numpy(dtype=bool)
    firsts = obs.loc[mask, ["period_start", "period_typ"]].drop_duplicates().sort_values("period_start")
    labels = tuple(period_label(ts, typ) for ts, typ in zip(firsts["period_start"], firsts["period_typ"], strict=True))
    which = (f"Perioden {labels[0]} började" if len(labels) == 1
             else f"Perioderna {sv.join_list(labels)} började")
    which += " före och slutade efter insatsstart (en övergångsperiod)"
    if rule == "utesluten":
        note = (f"{which} och ingår därför inte i skattningen. Ändra med övergångsperiod: före eller efter i "
                "projekt.yaml.")
        return obs.loc[~mask].reset_index(drop=True), labels, note
    obs = obs.copy()
    obs.loc[mask, "efter"] = rule == "efter"
    return obs, labels, f"{which} och räknas som {rule} insatsstart, så som projekt.yaml anger."


def apply_transition_rule_units(obs: pd.DataFrame, rule: TransitionRule) -> tuple[pd.DataFrame, tuple[str, ...], str]:
    """Transition periods for the designs that follow units (stegvis, syntetisk), which need every unit in every period.

    A unit's transition period is the one it started in partway.  ``utesluten`` leaves
    that calendar period out for every unit (so the panel stays complete); ``före``
    keeps it as before the unit's start (the unit's first period with the
    intervention is the next one); ``efter`` counts it as the unit's first period
    with the intervention.
    """
    if "overgang" not in obs.columns or not obs["overgang"].astype(bool).any():
        return obs, (), ""
    mask = obs["overgang"].to_numpy(dtype=bool) & (obs["grupp"].to_numpy() == INSATS)
    if not mask.any():  # only comparison rows straddle insatsstart: they have no start of their own
        return obs.assign(overgang=False), (), ""
    firsts = obs.loc[mask, ["period_start", "period_typ"]].drop_duplicates().sort_values("period_start")
    labels = tuple(period_label(ts, typ) for ts, typ in zip(firsts["period_start"], firsts["period_typ"], strict=True))
    which = (f"Perioden {labels[0]} började" if len(labels) == 1
             else f"Perioderna {sv.join_list(labels)} började")
    which += " före och slutade efter en enhets start (en övergångsperiod)"
    if rule == "utesluten":
        gone = obs["period_start"].isin(set(firsts["period_start"]))
        note = (f"{which} och ingår därför inte i skattningen, för någon enhet (designen kräver samma perioder för "
                "alla enheter). Ändra med övergångsperiod: före eller efter i projekt.yaml.")
        return obs.loc[~gone].reset_index(drop=True), labels, note
    obs = obs.copy()
    if rule == "efter" and "start" in obs.columns:
        moved = obs.loc[mask].groupby("enhet")["period_start"].min()
        insats = obs["grupp"] == INSATS
        obs.loc[insats, "start"] = obs.loc[insats, "enhet"].map(moved).fillna(obs.loc[insats, "start"])
    obs.loc[mask, "efter"] = rule == "efter"
    return obs, labels, f"{which} och räknas som {rule} enhetens start, så som projekt.yaml anger."


def transitions_for(obs: pd.DataFrame, rule: TransitionRule, design: str) -> tuple[pd.DataFrame, tuple[str, ...], str]:
    """The transition rule applied the way the design needs it."""
    if design in UNIT_DESIGNS:
        return apply_transition_rule_units(obs, rule)
    return apply_transition_rule(obs, rule)


# ---------------------------------------------------------------- design choice


def _auto_unit_design(obs: pd.DataFrame, indicator: Indicator | None) -> tuple[Design | None, str]:
    """stegvis when units start at different times, syntetisk for one treated unit; else (None, a note).

    ``obs`` has not had the transition rule applied: each unit design applies it its own way.
    """
    comparison = indicator.jämförelse if indicator is not None else "aldrig_behandlade"
    rule = indicator.övergångsperiod if indicator is not None else "utesluten"
    unit_obs, _, _ = apply_transition_rule_units(obs, rule)
    starts = start_periods(unit_obs)
    if len(starts) >= 2:
        problem = staggered_problem(unit_obs, comparison)
        shown = ", ".join(starts[:6]) + (" …" if len(starts) > 6 else "")
        if problem is None:
            return "stegvis", (
                f"Enheterna i insatsgruppen startar vid {sv.number_word(len(starts))} olika tidpunkter ({shown}), därför används en "
                f"stegvis design där varje grupp som startar samtidigt jämförs med {COMPARISON_TEXT[comparison]}."
            )
        return None, f"Enheterna startar vid olika tidpunkter ({shown}), men {sv.lower_first(problem)}"
    if single_treated(unit_obs) and synthetic_problem(unit_obs) is None:
        n_comp = unit_obs.loc[unit_obs["grupp"] == JAMFORELSE, "enhet"].nunique()
        unit = unit_obs.loc[unit_obs["grupp"] == INSATS, "enhet"].iloc[0]
        return "syntetisk", (
            f"Bara en enhet ({unit}) får insatsen och det finns {n_comp} jämförelseenheter och tillräckligt många "
            f"perioder före start (minst {MIN_DONORS} jämförelseenheter och {MIN_PRE_PERIODS} perioder behövs), "
            "därför används syntetisk kontroll: den är standardmetoden när ett enda område eller en enda enhet får "
            "insatsen, eftersom jämförelseenheterna viktas så att de följer insatsenheten före start i stället för "
            "att alla räknas lika, och osäkerheten bedöms med ett placebotest över jämförelseenheterna."
        )
    return None, ""


def _auto_design(obs: pd.DataFrame, indicator: Indicator | None = None) -> tuple[Design, str]:
    """The design that can give an honest answer with the units and periods at hand, and why (Swedish).

    ``obs`` is prepared but the transition rule is not yet applied (the unit designs apply it differently).
    """
    unit_design, note = _auto_unit_design(obs, indicator)
    if unit_design is not None:
        return unit_design, note
    rule = indicator.övergångsperiod if indicator is not None else "utesluten"
    classic_obs, _, _ = apply_transition_rule(obs, rule)
    design, reason = _classic_auto_design(classic_obs)
    return design, f"{note} {reason}" if note else reason


def _classic_auto_design(obs: pd.DataFrame) -> tuple[Design, str]:
    """Before/after, DiD, ITS or controlled ITS: what the unit and period counts allow."""
    i_pre, i_post, ip_pre, ip_post = _side_counts(obs, INSATS)
    c_pre, c_post, _, _ = _side_counts(obs, JAMFORELSE)
    long_series = ip_pre >= ITS_GOOD_PERIODS and ip_post >= ITS_GOOD_PERIODS
    if i_pre and i_post and c_pre and c_post:
        n_t, n_c = unit_counts(obs)
        both = "Både insats- och jämförelsegrupp finns före och efter insatsstart"
        units = (f"insatsgruppen har {sv.count_words(n_t, 'enhet', 'enheter')} och jämförelsegruppen "
                 f"{sv.count_words(n_c, 'enhet', 'enheter')}")
        if not few_units(n_t, n_c):
            return "did", f"{both}, därför används skillnad-i-skillnader."
        if repeated_units(obs)[0] and ri_can_answer(n_t, n_c):
            return "did", f"{both}, därför används skillnad-i-skillnader."
        if long_series and controlled_series(obs) is not None:
            return "its_kontrollerad", (
                f"{both}, men {units}: för få för att en skillnad-i-skillnader ska kunna visa en effekt (en "
                f"randomisering över så få enheter kan aldrig ge ett säkerställt resultat). Insatsgruppen har "
                f"däremot {sv.count_words(ip_pre, 'period', 'perioder')} före och {sv.number_word(ip_post)} efter "
                "insatsstart, därför jämförs insatsgruppens "
                "tidsserie med jämförelsegruppens (kontrollerad avbruten tidsserie).")
        return "did", (f"{both}, men {units} och för få perioder för en tidsserie. Skillnad-i-skillnader används, "
                       "men med så få enheter kan osäkerheten inte bedömas.")
    why_no_did = (
        "Det finns ingen jämförelsegrupp"
        if c_pre + c_post == 0
        else "Jämförelsegruppen finns inte både före och efter insatsstart"
    )
    if long_series:
        return "its", (
            f"{why_no_did}, men insatsgruppen har {sv.count_words(ip_pre, 'period', 'perioder')} före och "
            f"{sv.number_word(ip_post)} efter insatsstart, "
            "därför används avbruten tidsserie (segmenterad regression)."
        )
    return "före_efter", (
        f"{why_no_did} och insatsgruppen har för få perioder för en tidsserie ({sv.number_word(ip_pre)} före och "
        f"{sv.number_word(ip_post)} efter; minst {sv.number_word(ITS_GOOD_PERIODS)} av varje behövs), därför jämförs "
        "insatsgruppen före och efter "
        "insatsstart."
    )


def choose_design(obs: pd.DataFrame, indicator: Indicator) -> tuple[Design, str]:
    """Returns (design, Swedish reason); the design is one of ``DESIGN_NAMES``."""
    if indicator.design in DESIGN_NAMES:
        return indicator.design, REASON_FORCED
    obs, _ = _prepare(obs)
    return _auto_design(obs, indicator)


def planned_inference(obs: pd.DataFrame, indicator: Indicator) -> str:
    """What ``run`` will base the p-value and interval on, and why (Swedish; for ``validera``)."""
    design, _ = choose_design(obs, indicator)
    obs, _ = _prepare(obs)
    obs, transitions, note = transitions_for(obs, indicator.övergångsperiod, design)
    prefix = f"{note} " if note else ""
    if design in ("its", "its_kontrollerad"):
        return prefix + "Osäkerhet: standardfel som tar hänsyn till att närliggande perioder hänger ihop (Newey–West)."
    if design == "före_efter":
        return prefix + "Osäkerhet: t-test (parat när samma enheter finns före och efter)."
    if design == "syntetisk":
        return prefix + ("Osäkerhet: placebo i rummet, där varje jämförelseenhet i tur och ordning behandlas som "
                         "låtsad insatsenhet.")
    n_t, n_c = unit_counts(obs)
    if design == "stegvis":
        if not few_units(n_t, n_c):
            return prefix + f"Osäkerhet: klustrade standardfel per enhet ({n_t} och {n_c} enheter)."
        return prefix + (f"Osäkerhet: randomisering över enheterna (starttiderna lottas om mellan enheterna), "
                         f"eftersom insatsgruppen har {sv.count_words(n_t, 'enhet', 'enheter')} och "
                         f"jämförelsegruppen {sv.count_words(n_c, 'enhet', 'enheter')} (färre än {FEW_UNITS} i "
                         "någon grupp).")
    if "enhet" not in obs.columns or not repeated_units(obs)[0]:
        return prefix + "Osäkerhet: robusta standardfel (ingen enhet är angiven som finns både före och efter)."
    if not few_units(n_t, n_c):
        return prefix + f"Osäkerhet: klustrade standardfel ({n_t} och {n_c} enheter)."
    units = (f"insatsgruppen har {sv.count_words(n_t, 'enhet', 'enheter')} och jämförelsegruppen "
             f"{sv.count_words(n_c, 'enhet', 'enheter')}")
    if ri_can_answer(n_t, n_c):
        return prefix + (f"Osäkerhet: randomisering över enheterna, eftersom {units} (färre än {FEW_UNITS} i någon "
                         "grupp).")
    return prefix + (f"Osäkerhet: kan inte bedömas; {units}, och så få enheter kan inte ens en randomisering över "
                     "enheterna ge ett säkerställt resultat.")


def _infeasible(obs: pd.DataFrame, design: str, indicator: Indicator | None = None) -> str | None:
    """Why the design cannot be run on these data (Swedish), or None."""
    if design == "stegvis":
        return staggered_problem(obs, indicator.jämförelse if indicator is not None else "aldrig_behandlade")
    if design == "syntetisk":
        return synthetic_problem(obs)
    i_pre, i_post, ip_pre, ip_post = _side_counts(obs, INSATS)
    if design == "did":
        c_pre, c_post, _, _ = _side_counts(obs, JAMFORELSE)
        if not (i_pre and i_post and c_pre and c_post):
            return "Skillnad-i-skillnader kräver att både insats- och jämförelsegrupp finns före och efter insatsstart."
    elif design in ("its", "its_kontrollerad"):
        if min(ip_pre, ip_post) < ITS_MIN_PERIODS:
            return (
                f"Avbruten tidsserie kräver minst {sv.count_words(ITS_MIN_PERIODS, 'period', 'perioder')} före och efter insatsstart "
                f"(insatsgruppen har {sv.number_word(ip_pre)} före och {sv.number_word(ip_post)} efter)."
            )
        if design == "its_kontrollerad" and controlled_series(obs) is None:
            return ("En kontrollerad avbruten tidsserie kräver att jämförelsegruppen har värden för varje period "
                    f"som insatsgruppen har, och minst {ITS_MIN_PERIODS} perioder före och efter insatsstart.")
    elif not (i_pre and i_post):
        return "Insatsgruppen saknar observationer före eller efter insatsstart."
    return None


# ---------------------------------------------------------------- targets


def judge_target(
    skattning: float | None, ki_låg: float | None, ki_hög: float | None, effektmål: float | None, bättre: str
) -> str | None:
    """uppnått / ej_uppnått / kan_ej_avgöras from the 95 % CI; None when there is no target.

    bättre=lägre: uppnått if ki_hög <= mål, ej_uppnått if ki_låg > mål (mirrored for högre).
    Without a CI the point estimate alone is never enough: kan_ej_avgöras.
    """
    if effektmål is None:
        return None
    if ki_låg is None or ki_hög is None:
        return "kan_ej_avgöras"
    if bättre == "högre":
        if ki_låg >= effektmål:
            return "uppnått"
        if ki_hög < effektmål:
            return "ej_uppnått"
        return "kan_ej_avgöras"
    if ki_hög <= effektmål:
        return "uppnått"
    if ki_låg > effektmål:
        return "ej_uppnått"
    return "kan_ej_avgöras"


def _target_note(fit: Fit, indicator: Indicator) -> str | None:
    if indicator.effektmål is None or fit.ki_låg is not None or fit.skattning is None:
        return None
    good = (
        fit.skattning <= indicator.effektmål
        if indicator.bättre == "lägre"
        else (fit.skattning >= indicator.effektmål)
    )
    side = "når" if good else "når inte"
    decimals = sv.effect_decimals(indicator.typ, [fit.skattning, indicator.effektmål])
    decimals = max(decimals, sv.effect_decimals(indicator.typ, [indicator.effektmål]))
    est, goal = (sv.effect_value(x, indicator.typ, decimals) for x in (fit.skattning, indicator.effektmål))
    return (
        f"Punktskattningen ({est}) {side} effektmålet ({goal}), men utan "
        "konfidensintervall kan måluppfyllelsen inte avgöras."
    )


# ---------------------------------------------------------------- entry point


def estimate(obs: pd.DataFrame, indicator: Indicator, design: Design | None = None) -> Effect:
    """Choose the design (unless given), fit it and return the frozen Effect for resultat.json."""
    if design is not None and design not in DESIGN_NAMES:
        raise ValueError(f"Okänd design: {design!r}")
    obs, warnings = _prepare(obs)
    if design is None:
        design, reason = (
            (indicator.design, REASON_FORCED) if indicator.design in DESIGN_NAMES else _auto_design(obs, indicator)
        )
    else:
        reason = REASON_FORCED if design == indicator.design else REASON_CALLER
    obs, transitions, transition_note = transitions_for(obs, indicator.övergångsperiod, design)
    if transition_note:
        warnings.append(transition_note)
    problem = _infeasible(obs, design, indicator)  # a forced design is checked before the run (design_problems)
    details: dict = {}  # the unit designs' detail fields of the Effect
    if problem is not None:
        fit = Fit(skattning=None, n_obs=int((obs["grupp"] == INSATS).sum()))
        fit.varningar.append(f"{problem} Ingen effekt kan skattas.")
    elif design == "stegvis":
        fit, details = estimate_staggered(obs, indicator.jämförelse)
    elif design == "syntetisk":
        fit, details = estimate_synthetic(obs)
    elif design == "did":
        fit = estimate_did(obs)
    elif design == "its":
        fit = estimate_its(obs)
    elif design == "its_kontrollerad":
        fit = estimate_controlled_its(obs)
    else:
        fit = estimate_before_after(obs, indicator.typ)
    if indicator.typ == "andel" and ((obs["varde"] < 0) | (obs["varde"] > 1)).any():
        warnings.append(
            "Indikatorn är en andel men vissa värden ligger utanför 0–1; kontrollera att andelar anges "
            "som 0–1 och inte i procent."
        )
    if (note := _target_note(fit, indicator)) is not None:
        fit.varningar.append(note)
    has_se = num(fit.standardfel) is not None or fit.inferens == "randomisering"
    return Effect(
        indikator=indicator.id,
        design=design,
        skattning=num(fit.skattning),
        standardfel=num(fit.standardfel),
        ki_låg=num(fit.ki_låg),
        ki_hög=num(fit.ki_hög),
        p_värde=num(fit.p_värde),
        n_obs=int(fit.n_obs),
        n_kluster=int(fit.n_kluster) if (fit.n_kluster is not None and has_se) else None,
        se_typ=fit.se_typ if has_se else None,
        namn=indicator.namn,
        typ=indicator.typ,
        bättre=indicator.bättre,
        effektmål=num(indicator.effektmål),
        designval=reason,
        måluppfyllelse=judge_target(
            num(fit.skattning), num(fit.ki_låg), num(fit.ki_hög), num(indicator.effektmål), indicator.bättre
        ),
        beskrivande=clean_descriptive(fit.beskrivande),
        varningar=tuple(dict.fromkeys([*warnings, *fit.varningar])),
        inferens=(fit.inferens or fit.se_typ) if fit.p_värde is not None or fit.ki_låg is not None else None,
        inferens_skäl=fit.inferens_skäl,
        n_behandlade=fit.n_behandlade,
        n_jämförelse=fit.n_jämförelse,
        permutationer=fit.permutationer,
        permutationer_exakta=fit.permutationer_exakta,
        frö=fit.frö,
        sekundär=tuple((k, {n: num(v) if isinstance(v, float) else v for n, v in d.items()})
                       for k, d in fit.sekundär.items()),
        övergångsperioder=transitions,
        övergångsregel=indicator.övergångsperiod if transitions else None,
        **details,
    )


def design_problems(observations: pd.DataFrame, indicators: Iterable[Indicator]) -> list[Problem]:
    """A forced design the data cannot support, per indicator: refused before anything runs, never replaced."""
    problems: list[Problem] = []
    for i, ind in enumerate(indicators, start=1):
        if ind.design == "auto":
            continue
        rows = observations[observations["indikator"] == ind.id]
        if rows.empty:
            continue
        prepared, _ = _prepare(rows.reset_index(drop=True))
        problem = _infeasible(transitions_for(prepared, ind.övergångsperiod, ind.design)[0], ind.design, ind)
        if problem is None:
            continue
        workable = [d for d in DESIGN_NAMES if d != ind.design
                    and _infeasible(transitions_for(prepared, ind.övergångsperiod, d)[0], d, ind) is None]
        auto, _ = _auto_design(prepared, ind)
        problems.append(Problem(
            PROJECT_FILE, f"designen '{ind.design}' kan inte användas för indikatorn '{ind.id}': {sv.lower_first(problem)}",
            column=f"indikatorer[{i}].design",
            hint=(f"Designer som fungerar med dessa data: {sv.join_list(workable, 'eller')}. " if workable else "")
            + f"Med design: auto väljer sif-eval {auto}."))
    return problems
