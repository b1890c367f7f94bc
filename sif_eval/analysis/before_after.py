"""The before/after comparison of the insats group (``design: före_efter``): paired by unit or unpaired.

Moved out of :mod:`.estimate` so that every design has its own module.  It shows a change,
not an effect; the Fit carries :data:`~.common.CAUSAL_WARNING` to say so.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..lazy import LazyModule
from .common import (
    CAUSAL_WARNING,
    INSATS,
    MIN_CELL,
    Fit,
    group_descriptives,
    repeated_units,
    t_inference,
    usable_weights,
    weights_note,
)

stats = LazyModule("scipy.stats")


def estimate_before_after(obs: pd.DataFrame, typ: str) -> Fit:
    """Efter minus före for the insats group: paired by unit when units repeat, else unpaired."""
    ins = obs[obs["grupp"] == INSATS]
    w_all = usable_weights(obs)
    desc = group_descriptives(obs, w_all)
    warnings = [CAUSAL_WARNING]
    if (note := weights_note(obs, w_all)) is not None:
        warnings.append(note)
    paired, n_both, n_units = repeated_units(ins)
    if paired:
        fit = _paired(ins, typ, desc, warnings)
    else:
        if n_both:
            warnings.append(
                f"{n_both} av {n_units} enheter finns både före och efter, för få för en parad jämförelse; "
                "alla rader behandlas som oberoende observationer."
            )
        fit = _unpaired(ins, desc, warnings)
    fit.se_typ = "klassisk"
    before, after = desc.get("medel_insats_före"), desc.get("medel_insats_efter")
    if typ == "antal" and before is not None and after is not None and before > 0:
        desc["kvot_efter_före"] = after / before
    return fit


def _paired(ins: pd.DataFrame, typ: str, desc: dict, warnings: list[str]) -> Fit:
    w = usable_weights(ins)
    tmp = pd.DataFrame({"enhet": ins["enhet"].to_numpy(), "efter": ins["efter"].to_numpy()})
    tmp["w"] = 1.0 if w is None else w
    tmp["wv"] = tmp["w"] * ins["varde"].to_numpy(dtype=float)
    g = tmp.groupby(["enhet", "efter"], sort=True)[["wv", "w"]].sum()
    means = (g["wv"] / g["w"]).unstack("efter").dropna()
    before = means[False].to_numpy(dtype=float)
    after = means[True].to_numpy(dtype=float)
    d = after - before
    n = len(d)
    used = ins["enhet"].isin(means.index)
    dropped = int(ins["enhet"].nunique() - n)
    fit = Fit(skattning=float(np.mean(d)), n_obs=int(used.sum()), beskrivande=desc, varningar=warnings)
    desc.update(
        parad=1,
        n_par=n,
        medel_insats_före=float(np.mean(before)),
        medel_insats_efter=float(np.mean(after)),
    )
    if dropped:
        desc["n_enheter_utan_par"] = dropped
        warnings.append(
            f"{dropped} enheter finns bara före eller bara efter och ingår inte i den parade jämförelsen."
        )
    if n < MIN_CELL:
        fit.drop_inference(
            f"Bara {n} enheter finns både före och efter (minst {MIN_CELL} behövs); därför redovisas bara "
            "förändringen, utan osäkerhetsmått."
        )
        return fit
    sd = float(np.std(d, ddof=1))
    fit.standardfel, fit.ki_låg, fit.ki_hög, fit.p_värde = t_inference(fit.skattning, sd / np.sqrt(n), n - 1)
    if fit.standardfel is None:
        warnings.append("Alla enheter förändrades lika mycket; osäkerheten kan inte beräknas.")
    desc["cohens_dz"] = fit.skattning / sd if sd > 0 else None
    desc["wilcoxon_p"] = float(stats.wilcoxon(d).pvalue) if np.any(d != 0) else None
    values = np.concatenate([before, after])
    if typ == "andel" and np.all((values == 0) | (values == 1)):
        worse = int(np.sum((before == 1) & (after == 0)))
        better = int(np.sum((before == 0) & (after == 1)))
        total = worse + better
        desc["mcnemar_p"] = float(stats.binomtest(min(worse, better), total, 0.5).pvalue) if total else 1.0
    return fit


def _unpaired(ins: pd.DataFrame, desc: dict, warnings: list[str]) -> Fit:
    w = usable_weights(ins)
    after_mask = ins["efter"].to_numpy(dtype=bool)
    y = ins["varde"].to_numpy(dtype=float)
    a, b = y[after_mask], y[~after_mask]
    na, nb = len(a), len(b)
    desc["parad"] = 0
    if w is None:
        est = float(np.mean(a) - np.mean(b))
    else:
        wa, wb = w[after_mask], w[~after_mask]
        est = float(np.sum(wa * a) / np.sum(wa) - np.sum(wb * b) / np.sum(wb))
    fit = Fit(skattning=est, n_obs=na + nb, beskrivande=desc, varningar=warnings)
    if min(na, nb) < MIN_CELL:
        fit.drop_inference(
            f"Insatsgruppen har färre än {MIN_CELL} observationer före eller efter insatsstart; därför redovisas "
            "bara förändringen, utan osäkerhetsmått."
        )
        return fit
    va, vb = float(np.var(a, ddof=1)), float(np.var(b, ddof=1))
    if w is None:  # Welch
        se2 = va / na + vb / nb
        df = se2**2 / ((va / na) ** 2 / (na - 1) + (vb / nb) ** 2 / (nb - 1)) if se2 > 0 else None
        se = float(np.sqrt(se2))
    else:  # WLS varde ~ efter with antal as weights, classical SE
        ma, mb = est + np.sum(wb * b) / np.sum(wb), np.sum(wb * b) / np.sum(wb)
        rss = float(np.sum(wa * (a - ma) ** 2) + np.sum(wb * (b - mb) ** 2))
        df = na + nb - 2
        se = float(np.sqrt(rss / df * (1 / np.sum(wa) + 1 / np.sum(wb))))
        desc["viktat_med_antal"] = 1
    fit.standardfel, fit.ki_låg, fit.ki_hög, fit.p_värde = t_inference(est, se, df)
    if fit.standardfel is None:
        warnings.append("Värdena varierar inte; osäkerheten kan inte beräknas.")
    pooled = np.sqrt(((na - 1) * va + (nb - 1) * vb) / (na + nb - 2))
    desc["cohens_d"] = float((np.mean(a) - np.mean(b)) / pooled) if pooled > 0 else None
    desc["mann_whitney_p"] = float(stats.mannwhitneyu(a, b, alternative="two-sided").pvalue)
    return fit
