"""The staggered design (``design: stegvis``): units that start the intervention at different times.

Runs :func:`.staggered.callaway_santanna` on the indicator's unit panel and turns
the result into what an :class:`~sif_eval.model.Effect` holds: the overall effect
(each post-start group-time effect weighted by the size of its cohort), the
effects by time since start, the effect per cohort and, as a benchmark, the
ordinary two-way fixed-effects regression.  Everything a reader sees is Swedish.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from .. import swedish as sv
from ..model import CohortEffect, Comparison, EventTimeEffect
from .common import ALPHA, FEW_CLUSTERS, FEW_UNITS, MIN_UNITS, Fit, num, t_inference
from .inference import cluster_reason, few_units
from .panel import UnitPanel, first_treated, unit_panel
from .staggered import callaway_santanna, group_effects, pretrend_test
from .staggered_ri import staggered_randomization

MIN_NEVER_TREATED = 2  # comparison units that never start, with jämförelse: aldrig_behandlade
CONTROL = {"aldrig_behandlade": "never", "ännu_ej_behandlade": "notyet"}
COMPARISON_TEXT = {
    "aldrig_behandlade": "enheter som aldrig får insatsen",
    "ännu_ej_behandlade": "enheter som aldrig får insatsen eller ännu inte har startat",
}


def _cohorts(panel: UnitPanel) -> tuple[pd.Series, int, int, int]:
    """(first treated period per unit, n never treated, n treated from the first period, n starting after)."""
    g = first_treated(panel)
    treated = g.index.isin(panel.treated)
    starts_late = int(np.sum(treated & (g.to_numpy() == 0) & panel.start.notna().to_numpy()))
    return g, int(np.sum(g.to_numpy() == 0)), int(np.sum(g.to_numpy() == 1)), starts_late


def start_periods(obs: pd.DataFrame) -> list[str]:
    """The distinct first periods with the intervention among the treated units (empty without a panel)."""
    panel, _ = unit_panel(obs)
    if panel is None:
        return []
    g, _, _, _ = _cohorts(panel)
    gs = sorted({int(x) for u, x in g.items() if u in panel.treated and x > 1})
    return [panel.label(panel.wide.index[x - 1]) for x in gs]


def starts_differ(obs: pd.DataFrame) -> bool:
    """True when the treated units start in at least two different periods of the data."""
    return len(start_periods(obs)) >= 2


def staggered_problem(obs: pd.DataFrame, comparison: Comparison = "aldrig_behandlade") -> str | None:
    """Why the staggered design cannot run on these rows (Swedish, without a final period), or None."""
    panel, why = unit_panel(obs)
    if panel is None:
        return f"Stegvis design kan inte användas: {why}."
    g, n_never, _, _ = _cohorts(panel)
    if len(panel.wide.index) < 2:
        return "Stegvis design kräver minst två perioder."
    estimable = sorted({int(x) for u, x in g.items() if u in panel.treated and x > 1})
    if not estimable:
        return ("Stegvis design kräver att minst en enhet i insatsgruppen har en period före sin start "
                "(och inga luckor i sina perioder).")
    if comparison == "aldrig_behandlade" and n_never < MIN_NEVER_TREATED:
        return (f"Stegvis design med jämförelse mot enheter som aldrig får insatsen kräver minst "
                f"{MIN_NEVER_TREATED} sådana enheter med värden i alla perioder (det finns {n_never}). Ange "
                "jämförelse: ännu_ej_behandlade för att i stället jämföra med enheter som startar senare.")
    if comparison == "ännu_ej_behandlade" and n_never == 0 and len(estimable) < 2:
        return ("Stegvis design kräver enheter som startar senare eller aldrig får insatsen att jämföra med "
                "(det finns bara en starttid och inga enheter utan insats).")
    return None


def _twfe(panel: UnitPanel, g: pd.Series) -> tuple[float | None, float | None]:
    """Static two-way fixed effects on every complete unit, with CR1 standard errors clustered by unit."""
    Y = panel.wide.T.to_numpy(dtype=float)  # units x periods
    gs = g.reindex(panel.wide.columns).to_numpy()
    t = np.arange(1, Y.shape[1] + 1)
    D = ((gs[:, None] > 0) & (t[None, :] >= gs[:, None])).astype(float)

    def within(a: np.ndarray) -> np.ndarray:
        return a - a.mean(axis=1, keepdims=True) - a.mean(axis=0, keepdims=True) + a.mean()

    Dt, Yt = within(D), within(Y)
    sxx = float(np.sum(Dt * Dt))
    if sxx <= 1e-12:
        return None, None
    beta = float(np.sum(Dt * Yt) / sxx)
    score = np.sum(Dt * (Yt - beta * Dt), axis=1)
    n_units, n_periods = Y.shape
    n, k = Y.size, n_periods + 1  # period effects and the coefficient; unit effects are nested in clusters
    factor = n_units / (n_units - 1) * (n - 1) / (n - k) if n_units > 1 and n > k else np.nan
    se = float(np.sqrt(factor * np.sum(score**2)) / sxx)
    return beta, se if np.isfinite(se) else None


def estimate_staggered(obs: pd.DataFrame, comparison: Comparison = "aldrig_behandlade") -> tuple[Fit, dict[str, Any]]:
    """Callaway & Sant'Anna on the unit panel: the Fit and the Effect's detail fields."""
    panel, why = unit_panel(obs)
    if panel is None:
        raise ValueError(why)
    g, n_never, n_always, n_late = _cohorts(panel)
    long = panel.wide.reset_index(drop=True).melt(var_name="enhet", value_name="y", ignore_index=False)
    long = long.reset_index(names="i").assign(t=lambda d: d["i"] + 1).drop(columns="i")
    long["g"] = long["enhet"].map(g).astype(int)
    res = callaway_santanna(long, CONTROL[comparison])
    df = res.n_units - 1
    est, se = res.overall
    fit = Fit(skattning=est, n_obs=res.n_units * len(res.periods), n_kluster=res.n_units, se_typ="kluster")
    fit.standardfel, fit.ki_låg, fit.ki_hög, fit.p_värde = t_inference(est, se, df)
    fit.n_behandlade, fit.n_jämförelse = res.n_treated_units, res.n_never
    by_units = few_units(res.n_treated_units, res.n_never)
    if by_units:
        _use_randomisation(fit, long, CONTROL[comparison])
    else:
        fit.inferens, fit.inferens_skäl = "kluster", cluster_reason(res.n_treated_units, res.n_never)

    def label(t: int) -> str:
        return panel.label(panel.wide.index[t - 1])

    events = []
    for e, att, s in res.event:
        s_, lo, hi, _ = t_inference(att, s, df)
        events.append(EventTimeEffect(händelsetid=int(e), skattning=_num(att), standardfel=s_, ki_låg=lo, ki_hög=hi))
    sizes = g[g > 0].value_counts()
    cohorts = tuple(CohortEffect(start=label(c), n_enheter=int(sizes.get(c, 0)), skattning=_num(att),
                                 standardfel=_num(s)) for c, att, s in group_effects(res))
    twfe, twfe_se = _twfe(panel, g)
    pre_p, pre_df = pretrend_test(res)
    pos = [a for e, a, _ in res.event if e >= 0]
    fit.beskrivande.update(
        n_enheter=res.n_units, n_behandlade=res.n_treated_units, n_jämförelseenheter=res.n_never,
        n_kohorter=len(res.groups), n_perioder=len(res.periods), twfe=twfe, twfe_se=twfe_se,
        händelsetid_medel=res.event_average[0], händelsetid_medel_se=res.event_average[1],
        pretrend_p=pre_p if pre_df else None, pretrend_df=pre_df or None,
        n_ofullständiga_enheter=len(panel.incomplete), n_alltid_behandlade=n_always,
        största_händelsetid=max((e for e, _, _ in res.event), default=None),
        högsta_händelsetidseffekt=max(pos) if pos else None, lägsta_händelsetidseffekt=min(pos) if pos else None,
    )
    fit.varningar += _warnings(obs, panel, res.n_treated_units, cohorts, n_always, n_late, comparison,
                               randomised=by_units)
    return fit, {"händelsetid": tuple(events), "kohorter": cohorts}


def _units(n: int) -> str:
    return sv.count_words(n, "enhet", "enheter")


def _use_randomisation(fit: Fit, long: pd.DataFrame, control: str) -> None:
    """Randomisation over units (the observed start dates re-assigned to other units) as the primary inference."""
    ri = staggered_randomization(long, control, alpha=ALPHA)
    fit.sekundär["kluster"] = {"standardfel": num(fit.standardfel), "ki_låg": num(fit.ki_låg),
                               "ki_hög": num(fit.ki_hög), "p_värde": num(fit.p_värde), "n_kluster": fit.n_kluster}
    fit.inferens = "randomisering"
    fit.standardfel = None  # no standard error lies behind a randomisation interval
    fit.p_värde, fit.ki_låg, fit.ki_hög = num(ri.p_value), num(ri.ci_low), num(ri.ci_high)
    fit.permutationer, fit.permutationer_exakta, fit.frö = ri.n_assignments, ri.exact, ri.seed
    fit.n_behandlade, fit.n_jämförelse = ri.n_treated, ri.n_control
    how = ("alla" if ri.exact else "slumpvis dragna") + f" {sv.number(ri.n_assignments)} sätt att fördela starttiderna"
    fit.inferens_skäl = (
        f"Insatsgruppen har {_units(ri.n_treated)} och jämförelsegruppen {_units(ri.n_control)}. Med så få enheter "
        f"(färre än {FEW_UNITS} i någon grupp) ger klustrade standardfel alltför ofta ett skenbart säkerställt "
        "resultat. P-värdet och konfidensintervallet för den sammanvägda effekten bygger därför på "
        "randomiseringsinferens: de faktiska starttiderna lottas om mellan alla enheterna och effekten skattas på "
        f"nytt ({how}). Effekterna per tid sedan start och per starttid redovisas med klustrade standardfel.")
    fit.beskrivande["ri_minsta_p"] = ri.min_p
    if abs(ri.estimate - (fit.skattning or 0.0)) > 1e-8 * max(1.0, abs(ri.estimate)):
        fit.varningar.append("Skattningen i randomiseringen skiljer sig från den stegvisa designens; kontakta den som "
                             "underhåller sif-eval.")
    if fit.ki_låg is None or fit.ki_hög is None:
        fit.ki_låg = fit.ki_hög = None
        fit.varningar.append(
            f"Med {_units(ri.n_treated + ri.n_control)} kan randomiseringen inte ge ett 95-procentigt "
            f"konfidensintervall (det minsta möjliga p-värdet är {sv.decimal(ri.min_p, 2)}, eller så många "
            "omlottningar liknar den faktiska att inte ens en stor effekt kan uteslutas). Därför redovisas inget "
            "intervall.")


def _num(x: float) -> float | None:
    return float(x) if x is not None and np.isfinite(x) else None


def _warnings(obs: pd.DataFrame, panel: UnitPanel, n_treated: int, cohorts: tuple[CohortEffect, ...],
              n_always: int, n_late: int, comparison: Comparison, randomised: bool = False) -> list[str]:
    out = [f"Effekten skattas genom att varje grupp av enheter som startar samtidigt jämförs med "
           f"{COMPARISON_TEXT[comparison]}; den bygger på antagandet att grupperna hade utvecklats parallellt "
           "utan insatsen."]
    if n_treated < FEW_CLUSTERS and not randomised:
        out.append(f"Bara {n_treated} enheter får insatsen. Standardfelet bygger på att många enheter ingår och kan "
                   "vara för litet när de är så få; tolka konfidensintervallet försiktigt.")
    small = [c for c in cohorts if c.n_enheter < MIN_UNITS]
    if small:
        names = ", ".join(f"{c.start} ({c.n_enheter})" for c in small)
        out.append(f"Några starttider har färre än {MIN_UNITS} enheter: {names}. Effekten för en sådan grupp vilar på "
                   "mycket få enheter.")
    if panel.incomplete:
        out.append(f"{len(panel.incomplete)} enheter saknar värden i någon period och ingår inte (stegvis design "
                   "kräver ett värde för varje enhet i varje period).")
    if n_always:
        out.append(f"{n_always} enheter startade redan i första perioden och saknar en period före start; de ingår "
                   "inte i skattningen.")
    if n_late:
        out.append(f"{n_late} enheter i insatsgruppen startar efter sista perioden i data och räknas därför som "
                   "enheter utan insats.")
    if "antal" in obs.columns and pd.to_numeric(obs["antal"], errors="coerce").notna().any():
        out.append("Kolumnen antal används inte som vikter i stegvis design; varje enhet väger lika.")
    return out
