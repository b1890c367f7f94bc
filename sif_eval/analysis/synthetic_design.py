"""Synthetic control (``design: syntetisk``): one treated unit against a weighted mix of comparison units.

Runs :func:`.synthetic.synthetic_control` on the indicator's unit panel (predictors:
the outcome in every period before the start) and turns the result into what an
:class:`~sif_eval.model.Effect` holds: the average gap after the start, the placebo
p-value, the donor weights, the treated and synthetic paths and every placebo's gaps.
There is no standard error: the uncertainty of a synthetic control is judged by
the placebo test, which the Effect says in a warning.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from ..model import DonorWeight, PlaceboUnit, SyntheticPoint
from .common import Fit, sv_num
from .panel import UnitPanel, unit_panel
from .synthetic import POSITIVE_WEIGHT, synthetic_control

MIN_DONORS = 5  # comparison units with values in every period
MIN_PRE_PERIODS = 5  # periods before the start that the synthetic unit is fitted to
PLACEBO_CUTOFF = 5.0  # placebos whose pre-period fit is this many times worse are left out of the filtered p
NO_INTERVAL = ("Syntetisk kontroll ger inget konfidensintervall: det finns bara en enhet med insatsen, så osäkerheten "
               "bedöms i stället med ett placebotest där varje jämförelseenhet i tur och ordning behandlas som om den "
               "hade fått insatsen. p-värdet är andelen enheter vars avvikelse efter start (i förhållande till "
               "anpassningen före) är minst lika stor som insatsenhetens.")


def single_treated(obs: pd.DataFrame) -> bool:
    """True when the rows name exactly one unit in the insats group."""
    if "enhet" not in obs.columns or obs["enhet"].isna().any():
        return False
    return obs.loc[obs["grupp"] == "insats", "enhet"].nunique() == 1


def _split(panel: UnitPanel) -> tuple[str, list, list]:
    treated = panel.treated[0]
    start = panel.start[treated]
    pre = [p for p in panel.wide.index if p < start]
    post = [p for p in panel.wide.index if p >= start]
    return treated, pre, post


def synthetic_problem(obs: pd.DataFrame) -> str | None:
    """Why synthetic control cannot run on these rows (Swedish), or None."""
    panel, why = unit_panel(obs)
    if panel is None:
        return f"Syntetisk kontroll kan inte användas: {why}."
    n_treated = obs.loc[obs["grupp"] == "insats", "enhet"].nunique()
    if n_treated != 1:
        return f"Syntetisk kontroll kräver exakt en enhet i insatsgruppen (det finns {n_treated})."
    if not panel.treated:
        return "Syntetisk kontroll kräver ett värde för insatsenheten i varje period."
    treated, pre, post = _split(panel)
    if len(panel.comparison) < MIN_DONORS:
        return (f"Syntetisk kontroll kräver minst {MIN_DONORS} jämförelseenheter med värden i alla perioder "
                f"(det finns {len(panel.comparison)}).")
    if len(pre) < MIN_PRE_PERIODS:
        return f"Syntetisk kontroll kräver minst {MIN_PRE_PERIODS} perioder före start (det finns {len(pre)})."
    if not post:
        return "Syntetisk kontroll kräver minst en period efter start."
    return None


def estimate_synthetic(obs: pd.DataFrame) -> tuple[Fit, dict[str, Any]]:
    """The synthetic control for the one treated unit: the Fit and the Effect's detail fields."""
    panel, why = unit_panel(obs)
    if panel is None:
        raise ValueError(why)
    treated, pre, post = _split(panel)
    wide = panel.wide[[treated, *panel.comparison]]
    res = synthetic_control(wide, treated, pre, post, placebo_cutoff=PLACEBO_CUTOFF)
    fit = Fit(skattning=res.effect, n_obs=int(wide.size), p_värde=res.p_value)
    n_placebo = len(res.placebos)
    fit.inferens, fit.permutationer, fit.permutationer_exakta = "placebo", n_placebo, True
    fit.n_behandlade, fit.n_jämförelse = 1, len(panel.comparison)
    fit.inferens_skäl = (
        f"Bara en enhet har fått insatsen, så det finns inget standardfel att bygga ett konfidensintervall på. "
        f"Var och en av de {n_placebo} jämförelseenheterna har i stället fått en egen syntetisk kontroll, som om "
        "den hade fått insatsen; p-värdet är andelen av alla enheter (insatsenheten inräknad) vars avvikelse efter "
        "start, i förhållande till anpassningen före, är minst lika stor som insatsenhetens. Det kan inte bli "
        f"lägre än 1/{n_placebo + 1}.")
    if res.p_value_filtered is not None and np.isfinite(res.p_value_filtered):
        fit.sekundär["placebo_filtrerat"] = {"p_värde": float(res.p_value_filtered),
                                             "placebon": int(res.n_placebos_kept)}
    ratios = np.array([p.ratio for p in res.placebos])
    rank = int(1 + np.sum(ratios >= res.treated_ratio))
    path = res.fit.path_frame()
    used = [(d, w) for d, w in res.weights if w > POSITIVE_WEIGHT]
    loo_lo, loo_hi = res.loo_range
    fit.beskrivande.update(
        n_jämförelseenheter=len(panel.comparison), n_donatorer_med_vikt=len(used),
        n_perioder_före=len(pre), n_perioder_efter=len(post), rmspe_före=res.pre_rmspe,
        rmspe_efter=res.post_rmspe, rmspe_kvot=res.treated_ratio, placebo_p=res.p_value,
        placebo_p_filtrerat=res.p_value_filtered, n_placebo=n_placebo, n_placebo_filtrerat=res.n_placebos_kept,
        placebo_rang=rank, minsta_möjliga_p=1 / (n_placebo + 1), loo_min=loo_lo, loo_max=loo_hi,
        medel_insats_före=float(path.loc[pre, "treated"].mean()), medel_insats_efter=float(path.loc[post, "treated"].mean()),
        medel_syntetisk_före=float(path.loc[pre, "synthetic"].mean()),
        medel_syntetisk_efter=float(path.loc[post, "synthetic"].mean()),
    )
    fit.varningar += _warnings(panel, treated, res, pre)
    post_set = set(post)
    details = {
        "insatsenhet": str(treated),
        "donatorvikter": tuple(DonorWeight(enhet=str(d), vikt=float(w))
                               for d, w in sorted(res.weights, key=lambda x: (-x[1], str(x[0])))),
        "syntetisk_bana": tuple(SyntheticPoint(period=panel.label(p), insats=_num(a), syntetisk=_num(s),
                                               efter=p in post_set)
                                for p, a, s in zip(path.index, path["treated"], path["synthetic"], strict=True)),
        "placebo": tuple(PlaceboUnit(enhet=str(p.unit), rmspe_före=_num(p.pre_rmspe), rmspe_efter=_num(p.post_rmspe),
                                     kvot=_num(p.ratio), effekt=_num(p.effect), med_i_filtrerat=bool(p.kept),
                                     skillnader=tuple(_num(x) for x in p.gaps)) for p in res.placebos),
    }
    return fit, details


def _num(x: float) -> float | None:
    return float(x) if x is not None and np.isfinite(x) else None


def _warnings(panel: UnitPanel, treated: str, res, pre: list) -> list[str]:
    out = [NO_INTERVAL]
    n = len(res.placebos)
    if 1 / (n + 1) > 0.05:
        out.append(f"Med {n} jämförelseenheter kan placebotestets p-värde inte bli lägre än 1/{n + 1} = "
                   f"{sv_num(1 / (n + 1), 3)}; ett resultat kan då aldrig bli statistiskt säkerställt på "
                   "5-procentsnivån, hur stor effekten än är.")
    y_pre = panel.wide.loc[pre, treated]
    spread = float(y_pre.std(ddof=1)) if len(pre) > 1 else 0.0
    if spread > 0 and res.pre_rmspe > 0.5 * spread:
        out.append("Den syntetiska kontrollen följer insatsenheten dåligt före start (det genomsnittliga avståndet är "
                   f"{sv_num(res.pre_rmspe, 3)}, mer än halva insatsenhetens egen variation); skattningen är osäker.")
    donors = panel.wide.loc[pre, list(panel.comparison)]
    outside = (y_pre > donors.max(axis=1)) | (y_pre < donors.min(axis=1))
    if outside.any():
        out.append(f"Insatsenheten {treated} ligger utanför alla jämförelseenheters värden i {int(outside.sum())} av "
                   f"{len(pre)} perioder före start; en viktad blandning av dem kan då inte följa den helt.")
    lo, hi = res.loo_range
    if np.isfinite(lo) and np.isfinite(hi) and (lo < 0 < hi):
        out.append("När en jämförelseenhet i taget tas bort byter skattningen tecken; resultatet hänger på enskilda "
                   "jämförelseenheter.")
    return out
