"""Which inference is primary, and why: it follows the number of treated and comparison units.

A municipal project usually treats one to four units.  Clustered standard
errors (CR1) then call a non-effect "statistiskt säkerställd" far too often
(simulated: 77 % with one treated unit of 60, 20 % with three, at a nominal
5 %), so with fewer than ``FEW_UNITS`` treated or comparison units the primary
inference is randomisation over units (:mod:`.randomization`): which units are
treated is permuted, the p-value is the rank of the estimate among the placebo
estimates, the interval inverts the same test.  The clustered figures and a
wild cluster bootstrap (Webb weights) stay visible as secondary.  The choice is
recorded in the fit (``inferens``, ``inferens_skäl``, ``sekundär``) and drives
every judgement downstream.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd

from .. import swedish as sv
from .common import ALPHA, FEW_UNITS, INSATS, JAMFORELSE, RI_RELIABLE_UNITS, Fit, num
from .randomization import DEFAULT_SEED, randomization_inference
from .wild_bootstrap import wild_cluster_bootstrap

NOISY_RATIO = 2.0  # a treated unit this much noisier (sd before the start) than the comparison units' median


def unit_counts(obs: pd.DataFrame) -> tuple[int, int]:
    """Treated and comparison units; without ``enhet``, a group with one row per period is one unit (a series)."""
    if "enhet" in obs.columns and obs["enhet"].notna().all():
        return (int(obs.loc[obs["grupp"] == INSATS, "enhet"].nunique()),
                int(obs.loc[obs["grupp"] == JAMFORELSE, "enhet"].nunique()))
    out = []
    for group in (INSATS, JAMFORELSE):
        rows = obs[obs["grupp"] == group]
        per_period = rows.groupby("period_start").size()
        out.append(1 if len(per_period) and int(per_period.max()) == 1 else 0 if rows.empty else len(rows))
    return out[0], out[1]


def few_units(n_treated: int, n_comparison: int) -> bool:
    return min(n_treated, n_comparison) < FEW_UNITS


def ri_min_p(n_treated: int, n_comparison: int) -> float:
    """The smallest two-sided p-value randomisation over units can give (an assignment and its mirror tie)."""
    n = n_treated + n_comparison
    if n_treated < 1 or n_comparison < 1:
        return 1.0
    count = math.comb(n, n_treated)
    return min(1.0, (2 if n_treated == n_comparison else 1) / count)


def ri_can_answer(n_treated: int, n_comparison: int) -> bool:
    """Randomisation can reject at 5 % (so an interval can be bounded)."""
    return ri_min_p(n_treated, n_comparison) <= ALPHA


def _units_word(n: int) -> str:
    return sv.count_words(n, "enhet", "enheter")


def randomisation_reason(n_treated: int, n_comparison: int, n_assignments: int, exact: bool) -> str:
    how = ("alla" if exact else "slumpvis dragna") + f" {sv.number(n_assignments)} sätt att välja ut insatsenheterna"
    return (f"Insatsgruppen har {_units_word(n_treated)} och jämförelsegruppen {_units_word(n_comparison)}. Med så få "
            f"enheter (färre än {FEW_UNITS} i någon grupp) ger klustrade standardfel alltför ofta ett skenbart "
            "säkerställt resultat. P-värdet och konfidensintervallet bygger därför på randomiseringsinferens: "
            f"skattningen jämförs med de skattningar man får om andra enheter låtsas vara insatsgrupp ({how}).")


def cluster_reason(n_treated: int, n_comparison: int) -> str:
    return (f"Båda grupperna har minst {sv.count_words(FEW_UNITS, 'enhet', 'enheter')} ({n_treated} och "
            f"{n_comparison}), så klustrade standardfel är tillförlitliga.")


def _noisy_treated_units(panel: pd.DataFrame) -> list[str]:
    """Treated units whose before-period variation (after unit and period means) is far above the comparison units'."""
    pre = panel[~panel["efter"].to_numpy(dtype=bool)]
    if pre.empty:
        return []
    resid = pre["varde"] - pre.groupby("enhet")["varde"].transform("mean")
    resid = resid - resid.groupby(pre["period_start"]).transform("mean")
    sd = resid.groupby(pre["enhet"]).std(ddof=1)
    treated = set(pre.loc[pre["grupp"] == INSATS, "enhet"])
    comparison = sd[[u for u in sd.index if u not in treated]].dropna()
    if comparison.empty or float(comparison.median()) <= 0:
        return []
    limit = NOISY_RATIO * float(comparison.median())
    return sorted(str(u) for u in treated if u in sd.index and sd[u] > limit)


def use_randomisation(fit: Fit, panel: pd.DataFrame, weighted: bool, seed: int = DEFAULT_SEED) -> None:
    """Make randomisation over units the primary inference; the clustered figures become secondary."""
    treated = sorted(panel.loc[panel["grupp"] == INSATS, "enhet"].unique())
    try:
        ri = randomization_inference(panel, treated_units=treated, seed=seed, alpha=ALPHA,
                                     weight_col="antal" if weighted else None)
    except ValueError as exc:  # e.g. units that start at different times: no common start to permute
        staggered = "different periods" in str(exc)
        why = ("enheterna i insatsgruppen startar vid olika tidpunkter och randomiseringen förutsätter en "
               "gemensam start" if staggered else "data räcker inte för den")
        fit.varningar.append(
            f"Randomisering över enheterna kunde inte göras ({why}). Osäkerheten bygger därför på klustrade "
            "standardfel, som med så få enheter alltför ofta ger ett skenbart säkerställt resultat; tolka "
            "p-värdet och konfidensintervallet mycket försiktigt.")
        return
    fit.sekundär["kluster"] = {"standardfel": num(fit.standardfel), "ki_låg": num(fit.ki_låg),
                               "ki_hög": num(fit.ki_hög), "p_värde": num(fit.p_värde), "n_kluster": fit.n_kluster}
    fit.inferens = "randomisering"
    fit.standardfel = None  # no standard error lies behind a randomisation interval
    fit.p_värde = num(ri.p_value)
    fit.ki_låg, fit.ki_hög = num(ri.ci_low), num(ri.ci_high)
    fit.permutationer, fit.permutationer_exakta, fit.frö = ri.n_assignments, ri.exact, ri.seed
    fit.n_behandlade, fit.n_jämförelse = ri.n_treated, ri.n_control
    fit.inferens_skäl = randomisation_reason(ri.n_treated, ri.n_control, ri.n_assignments, ri.exact)
    fit.beskrivande["ri_minsta_p"] = ri.min_p
    if abs(ri.estimate - (fit.skattning or 0.0)) > 1e-8 * max(1.0, abs(ri.estimate)):
        fit.varningar.append("Skattningen i randomiseringen skiljer sig från regressionens; kontakta den som "
                             "underhåller sif-eval.")
    if fit.ki_låg is None or fit.ki_hög is None:
        fit.ki_låg = fit.ki_hög = None
        fit.varningar.append(
            f"Med {_units_word(ri.n_treated + ri.n_control)} kan randomiseringen inte ge ett 95-procentigt "
            f"konfidensintervall: det minsta möjliga p-värdet är {sv.decimal(ri.min_p, 2)}. Därför redovisas "
            "inget intervall, och effekten kan inte visas vara skild från noll med dessa data.")
    elif ri.n_treated == 1 and ri.n_treated + ri.n_control < RI_RELIABLE_UNITS:
        fit.varningar.append(
            f"Med en enda insatsenhet och {_units_word(ri.n_treated + ri.n_control)} vilar intervallets gränser på "
            "några enstaka jämförelseenheter och ska läsas som ungefärliga.")
    _pretrend_by_randomisation(fit, panel, treated, weighted, seed)
    noisy = _noisy_treated_units(panel)
    if noisy:
        fit.varningar.append(
            f"Insatsenheten {sv.join_list(noisy)} varierar mer än dubbelt så mycket som jämförelseenheterna före "
            "insatsen. Randomiseringsinferensen förutsätter jämförbara enheter; med en mer slumpkänslig "
            "insatsenhet kan p-värdet bli för lågt.")


PRETREND_CR1_WARNING = "Testet av parallella trender före insatsstart förkastas"


def _pretrend_by_randomisation(fit: Fit, panel: pd.DataFrame, treated: list, weighted: bool, seed: int) -> None:
    """The parallel-trends check by the same randomisation: a pretend start in the middle of the before-periods.

    The event study's joint test uses clustered errors, which over-reject with few treated units just as the
    main estimate would; so with randomisation as the primary inference, the check is made the same way.
    """
    pre = panel[~panel["efter"].to_numpy(dtype=bool)].copy()
    starts = np.sort(pre["period_start"].unique())
    if len(starts) < 2:
        return
    pretend = starts[len(starts) // 2]
    pre["efter"] = pre["period_start"] >= pretend
    try:
        ri = randomization_inference(pre, treated_units=treated, seed=seed, alpha=ALPHA,
                                     weight_col="antal" if weighted else None)
    except ValueError:
        return
    fit.varningar = [w for w in fit.varningar if not w.startswith(PRETREND_CR1_WARNING)]
    if fit.beskrivande.get("pretrend_p") is not None:
        fit.beskrivande["pretrend_p_kluster"] = fit.beskrivande["pretrend_p"]
    fit.beskrivande["pretrend_p"] = num(ri.p_value)
    fit.beskrivande["pretrend_randomisering"] = 1
    if ri.p_value <= ALPHA:
        fit.varningar.append(
            f"En låtsad insatsstart mitt i perioden före insatsen ger redan en skillnad mellan grupperna som "
            f"randomiseringen bedömer som säkerställd ({sv.p_value(ri.p_value)}): grupperna utvecklades olika före "
            "insatsen, så skattningen kan vara missvisande.")


def add_wild_bootstrap(fit: Fit, y: np.ndarray, X: np.ndarray, cluster: np.ndarray,
                       absorb: list[np.ndarray] | None, weights: np.ndarray | None) -> None:
    """The restricted wild cluster bootstrap (Webb weights when clusters are few), shown as a secondary check."""
    try:
        wcr = wild_cluster_bootstrap(y, X, cluster, 0, absorb=absorb, obs_weights=weights, seed=DEFAULT_SEED)
    except ValueError:
        return
    entry: dict[str, Any] = {"p_värde": num(wcr.p_value), "ki_låg": num(wcr.ci_low), "ki_hög": num(wcr.ci_high),
                             "vikter": wcr.weights, "dragningar": wcr.n_boot, "alla_mönster": wcr.exact,
                             "n_kluster": wcr.n_clusters}
    fit.sekundär["wild_bootstrap"] = entry
    fit.beskrivande["wild_bootstrap_p"] = num(wcr.p_value)
    if fit.frö is None:
        fit.frö = DEFAULT_SEED
