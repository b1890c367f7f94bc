"""Figures for the designs that follow units: the staggered design and synthetic control.

Drawn only from the frozen :class:`~sif_eval.model.Effect` (its event-time
effects, or its treated/synthetic paths and placebo gaps), with the same style,
number formatter and byte-stable PNG output as :mod:`.effects`.  Each function
returns the Swedish alternative text.
"""

from __future__ import annotations

import math
import pathlib

import matplotlib
import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from ..analysis.common import sv_num
from ..model import Effect, Indicator
from .effects import (
    COLOR_INSATS,
    COLOR_JAMF,
    COLOR_LINE,
    DPI,
    FIGSIZE,
    STYLE,
    SwedishFormatter,
    fmt_diff,
    fmt_level,
)

COLOR_PLACEBO = "#BBBBBB"


def _save(fig: Figure, path: pathlib.Path) -> None:
    fig.tight_layout()
    path = pathlib.Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=DPI, metadata={"Software": None})
    fig.clear()


def plot_staggered(effect: Effect, indicator: Indicator, path: pathlib.Path) -> str:
    """Effects by periods since each unit's own start, with 95 % intervals and the overall effect."""
    scale = 100.0 if indicator.typ == "andel" else 1.0
    ev = [x for x in effect.händelsetid if x.skattning is not None]
    es = np.array([x.händelsetid for x in ev])
    est = np.array([x.skattning for x in ev], dtype=float) * scale
    low = np.array([np.nan if x.ki_låg is None else x.ki_låg for x in ev], dtype=float) * scale
    high = np.array([np.nan if x.ki_hög is None else x.ki_hög for x in ev], dtype=float) * scale
    yerr = np.vstack([np.nan_to_num(est - low), np.nan_to_num(high - est)])
    with matplotlib.rc_context(STYLE):
        fig = Figure(figsize=FIGSIZE, dpi=DPI)
        FigureCanvasAgg(fig)
        ax = fig.add_subplot(1, 1, 1)
        ax.axhline(0, color=COLOR_LINE, linewidth=0.8)
        ax.axvline(-0.5, color=COLOR_LINE, linestyle=":", linewidth=1.2)
        pre, post = es < 0, es >= 0
        ax.errorbar(es[pre], est[pre], yerr=yerr[:, pre], fmt="o", color=COLOR_JAMF, capsize=3,
                    label="Före start (förändring från perioden innan)")
        ax.errorbar(es[post], est[post], yerr=yerr[:, post], fmt="o", color=COLOR_INSATS, capsize=3,
                    label="Efter start")
        if effect.skattning is not None and post.any():
            ax.hlines(effect.skattning * scale, es[post].min() - 0.3, es[post].max() + 0.3, colors=COLOR_INSATS,
                      linestyles="--", linewidth=1.2, label="Sammanvägd effekt")
        twfe = effect.descriptive().get("twfe")
        if twfe is not None and post.any():
            ax.hlines(twfe * scale, es[post].min() - 0.3, es[post].max() + 0.3, colors=COLOR_LINE, linestyles=":",
                      linewidth=1.2, label="Vanlig regression (TWFE), jämförelse")
        ax.set_xticks(list(es))
        ax.set_xlabel("Perioder sedan enhetens start (0 = första perioden med insatsen)")
        ax.set_ylabel("Skillnad mot jämförelseenheterna" + (" (procentenheter)" if scale == 100 else ""))
        ax.yaxis.set_major_formatter(SwedishFormatter())
        ax.legend(loc="best", frameon=False, fontsize=8)
        ax.set_title(f"{indicator.namn}: effekt efter tid sedan start", loc="left", fontsize=12)
        _save(fig, path)
    after = [x.skattning for x in ev if x.händelsetid >= 0]
    d = effect.descriptive()
    pre_p = d.get("pretrend_p")
    pre_text = "" if pre_p is None else (
        f" Ett gemensamt test av perioderna före start ger p = {sv_num(pre_p, 3)}.")
    span = (f"mellan {fmt_diff(min(after), indicator.typ)} och {fmt_diff(max(after), indicator.typ)}" if after
            else "inte skattade")
    return (
        f"Punktdiagram med 95-procentiga konfidensintervall för skillnaden i {indicator.namn} mellan enheterna med "
        f"insatsen och jämförelseenheterna, efter antal perioder sedan varje enhets egen start "
        f"({sv_num(float(es.min()) if len(es) else 0.0, 0)} till {sv_num(float(es.max()) if len(es) else 0.0, 0)}). Före start visar punkterna "
        f"förändringen från perioden innan och bör ligga nära noll.{pre_text} Efter start ligger effekterna "
        f"{span}; den sammanvägda effekten är {fmt_diff(effect.skattning, indicator.typ)} och den vanliga "
        f"regressionen med fasta effekter ger {fmt_diff(d.get('twfe'), indicator.typ)}."
    )


def _period_ticks(ax, labels: list[str]) -> None:
    step = max(1, math.ceil(len(labels) / 10))
    idx = list(range(0, len(labels), step))
    ax.set_xticks(idx)
    ax.set_xticklabels([labels[i] for i in idx], rotation=45 if len(idx) > 6 else 0,
                       ha="right" if len(idx) > 6 else "center")
    ax.set_xlabel("Period")


def plot_synthetic(effect: Effect, indicator: Indicator, path: pathlib.Path) -> str:
    """Left: the treated unit against its synthetic control; right: its gap among the placebo gaps."""
    scale = 100.0 if indicator.typ == "andel" else 1.0
    bana = effect.syntetisk_bana
    labels = [p.period for p in bana]
    x = np.arange(len(bana))
    y1 = np.array([np.nan if p.insats is None else p.insats for p in bana], dtype=float)
    y0 = np.array([np.nan if p.syntetisk is None else p.syntetisk for p in bana], dtype=float)
    first_post = next((i for i, p in enumerate(bana) if p.efter), len(bana))
    unit = effect.insatsenhet or "Insatsenheten"
    shown = [p for p in effect.placebo if p.med_i_filtrerat and len(p.skillnader) == len(bana)]
    with matplotlib.rc_context(STYLE):
        fig = Figure(figsize=(FIGSIZE[0] * 1.25, FIGSIZE[1]), dpi=DPI)
        FigureCanvasAgg(fig)
        left, right = fig.add_subplot(1, 2, 1), fig.add_subplot(1, 2, 2)
        left.plot(x, y1, color=COLOR_INSATS, marker="o", markersize=3, label=unit)
        left.plot(x, y0, color=COLOR_JAMF, linestyle="--", label="Syntetisk kontroll")
        left.yaxis.set_major_formatter(SwedishFormatter(percent=indicator.typ == "andel"))
        left.set_ylabel({"andel": "Andel", "antal": "Antal"}.get(indicator.typ, "Medelvärde"))
        left.set_title(indicator.namn, loc="left", fontsize=11)
        for p in shown:
            gaps = np.array([np.nan if g is None else g for g in p.skillnader], dtype=float) * scale
            right.plot(x, gaps, color=COLOR_PLACEBO, linewidth=0.8)
        right.plot([], [], color=COLOR_PLACEBO, linewidth=0.8, label="Jämförelseenheter (placebo)")
        right.plot(x, (y1 - y0) * scale, color=COLOR_INSATS, linewidth=2, label=unit)
        right.axhline(0, color=COLOR_LINE, linewidth=0.8)
        right.yaxis.set_major_formatter(SwedishFormatter())
        right.set_ylabel("Skillnad mot syntetisk kontroll" + (" (procentenheter)" if scale == 100 else ""))
        right.set_title("Placebotest", loc="left", fontsize=11)
        for ax in (left, right):
            ax.axvline(first_post - 0.5, color=COLOR_LINE, linestyle=":", linewidth=1.2)
            _period_ticks(ax, labels)
            ax.legend(loc="best", frameon=False, fontsize=8)
        _save(fig, path)
    d = effect.descriptive()
    direction = "under" if (effect.skattning or 0) < 0 else "över"
    n_donors = len([w for w in effect.donatorvikter if w.vikt > 1e-6])
    p_text = "–" if effect.p_värde is None else sv_num(effect.p_värde, 3)
    return (
        f"Två linjediagram. Till vänster {indicator.namn} per period för {unit} och för dess syntetiska kontroll, "
        f"en viktad blandning av {n_donors} jämförelseenheter, med en lodrät linje vid start. Före start ligger "
        f"{unit} i genomsnitt på {fmt_level(d.get('medel_insats_före'), indicator.typ)} och den syntetiska kontrollen "
        f"på {fmt_level(d.get('medel_syntetisk_före'), indicator.typ)}; efter start ligger {unit} i genomsnitt "
        f"{fmt_diff(abs(effect.skattning) if effect.skattning is not None else None, indicator.typ)} {direction} den "
        f"syntetiska kontrollen. Till höger skillnaden mellan {unit} och dess syntetiska kontroll tillsammans med "
        f"samma skillnad för {len(shown)} jämförelseenheter som behandlats som om de hade fått insatsen "
        f"(placebotest); p-värdet är {p_text}."
    )
