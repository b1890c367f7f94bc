"""One figure per indicator, drawn for its design, with a Swedish alternative text.

Uses matplotlib's object API with the Agg canvas directly (no pyplot), so it
never switches or depends on the global backend of a notebook, and nothing is
left open after saving.  Style settings are applied in an ``rc_context`` and
the PNG is saved without a software tag, so the same input gives
byte-identical files.
"""

from __future__ import annotations

import math
import pathlib

import matplotlib
import numpy as np
import pandas as pd
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.ticker import Formatter

from .. import swedish
from ..analysis.common import INSATS, JAMFORELSE, period_label, repeated_units, sv_num, t_ppf, usable_weights
from ..analysis.its import its_curves
from ..model import Effect, Indicator

FIGSIZE = (8.0, 4.5)
DPI = 150
COLOR_INSATS = "#0072B2"
COLOR_JAMF = "#E69F00"
COLOR_LINE = "#555555"
COLOR_TRANSITION = "#BBBBBB"
STYLE = {
    "font.family": "DejaVu Sans",
    "font.size": 10,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.grid": True,
    "grid.alpha": 0.3,
    "axes.unicode_minus": True,
    "savefig.bbox": None,
    "svg.hashsalt": "sif-eval",
}
Y_LABELS = {"andel": "Andel", "antal": "Antal", "medelvärde": "Medelvärde"}


class SwedishFormatter(Formatter):
    """Tick labels with decimal comma, space as thousands separator; shares as '12,5 %'."""

    def __init__(self, percent: bool = False):
        self.percent = percent
        self.decimals = 0

    def set_locs(self, locs) -> None:
        super().set_locs(locs)
        vals = np.asarray(locs, dtype=float) * (100 if self.percent else 1)
        self.decimals = 6
        for d in range(7):  # fewest decimals that write every tick exactly
            scaled = vals * 10**d
            if np.all(np.abs(scaled - np.round(scaled)) < 1e-6 * np.maximum(1, np.abs(scaled))):
                self.decimals = d
                break

    def __call__(self, x: float, pos: int | None = None) -> str:
        v = x * 100 if self.percent else x
        text = sv_num(v, self.decimals)
        return f"{text} %" if self.percent else text


def fmt_level(x: float | None, typ: str) -> str:
    """A level for prose: shares as percent, other numbers with sensible decimals."""
    if x is None:
        return "–"
    if typ == "andel":
        return f"{sv_num(100 * x, 1)} %"
    return sv_num(x, _decimals(x))


def fmt_diff(x: float | None, typ: str, decimals: int | None = None) -> str:
    """A difference for prose: shares in procentenheter; ``decimals`` from the estimate's one rounding rule."""
    if x is None:
        return "–"
    if decimals is None:
        decimals = 1 if typ == "andel" else _decimals(x)
    return swedish.effect_value(x, typ, decimals)


def _effect_decimals(effect: Effect) -> int:
    """The rounding the text and the table use for this estimate (:func:`sif_eval.swedish.effect_decimals`)."""
    return swedish.effect_decimals(effect.typ, [effect.skattning, effect.ki_låg, effect.ki_hög])


def _decimals(x: float) -> int:
    a = abs(x)
    return 0 if a >= 1000 else 1 if a >= 10 else 2 if a >= 0.1 else 3


def _ci_text(effect: Effect) -> str:
    if effect.ki_låg is None or effect.ki_hög is None:
        return " (osäkerheten kunde inte skattas)"
    # The same string as the text and the table, with the unit once at the end for shares.
    interval = swedish.effect_ci(effect.ki_låg, effect.ki_hög, effect.typ, _effect_decimals(effect), label=False)
    unit = "\u00a0procentenheter" if effect.typ == "andel" else ""
    return f" (95 % konfidensintervall {interval}{unit})"


def _weighted_means(obs: pd.DataFrame) -> pd.DataFrame:
    """Mean per group and period, weighted by antal when every row has one."""
    d = obs[["grupp", "period_start", "efter"]].copy()
    w = usable_weights(obs)
    d["w"] = 1.0 if w is None else w
    d["wv"] = d["w"] * obs["varde"].to_numpy(dtype=float)
    g = d.groupby(["grupp", "period_start"], sort=True).agg(
        wv=("wv", "sum"), w=("w", "sum"), efter=("efter", "max")
    )
    g["medel"] = g["wv"] / g["w"]
    return g.reset_index()


def _period_axis(ax, starts: pd.Series, typ: str) -> None:
    """Ticks at observed periods (at most about ten), labelled the way periods are written."""
    uniq = pd.DatetimeIndex(sorted(pd.unique(starts)))
    step = max(1, math.ceil(len(uniq) / 10))
    ticks = uniq[::step]
    ax.set_xticks(list(ticks.to_pydatetime()))
    ax.set_xticklabels(
        [period_label(t, typ) for t in ticks],
        rotation=45 if len(ticks) > 6 else 0,
        ha="right" if len(ticks) > 6 else "center",
    )
    ax.set_xlabel("Period")


def _start_line(ax, obs: pd.DataFrame, insatsstart=None) -> None:
    """Vertical line between the last period before and the first after the start (or at insatsstart)."""
    before = obs.loc[~obs["efter"].astype(bool), "period_start"]
    after = obs.loc[obs["efter"].astype(bool), "period_start"]
    if insatsstart is not None:
        x = pd.Timestamp(insatsstart)
    elif len(before) and len(after):
        x = before.max() + (after.min() - before.max()) / 2
    elif len(after):
        x = after.min()
    else:
        return
    ax.axvline(x.to_pydatetime(), color=COLOR_LINE, linestyle=":", linewidth=1.2)
    ax.annotate(
        "Insatsstart",
        xy=(x.to_pydatetime(), 1.0),
        xycoords=("data", "axes fraction"),
        xytext=(4, -12),
        textcoords="offset points",
        color=COLOR_LINE,
        fontsize=9,
    )


def _hide(means: pd.DataFrame, obs: pd.DataFrame, hidden: frozenset[tuple[str, str]]) -> pd.DataFrame:
    """Blank the (grupp, period) points the small-number rule hides; the line breaks there."""
    if not hidden:
        return means
    starts = obs.drop_duplicates(["grupp", "period"]).set_index(["grupp", "period"])["period_start"]
    gone = {(g, starts[(g, p)]) for g, p in hidden if (g, p) in starts.index}
    mask = [(g, s) in gone for g, s in zip(means["grupp"], means["period_start"], strict=True)]
    means = means.copy()
    means.loc[mask, "medel"] = np.nan
    return means


def _draw_did(ax, obs: pd.DataFrame, effect: Effect, ind: Indicator, insatsstart,
              hidden: frozenset[tuple[str, str]] = frozenset()) -> str:
    means = _hide(_weighted_means(obs), obs, hidden)
    for grp, color, label, ls in (
        (INSATS, COLOR_INSATS, "Insatsgrupp", "-"),
        (JAMFORELSE, COLOR_JAMF, "Jämförelsegrupp", "--"),
    ):
        g = means[means["grupp"] == grp]
        if len(g):
            ax.plot(
                list(g["period_start"].dt.to_pydatetime()),
                g["medel"].to_numpy(),
                marker="o",
                color=color,
                linestyle=ls,
                label=label,
            )
    _start_line(ax, obs, insatsstart)
    ax.legend(loc="best", frameon=False)
    d = effect.descriptive()
    return (
        f"Linjediagram över {swedish.lower_first(ind.namn)} per period för insatsgruppen och jämförelsegruppen, med en lodrät linje vid "
        f"insatsstart. Insatsgruppens medelvärde gick från {fmt_level(d.get('medel_insats_före'), ind.typ)} före "
        f"till {fmt_level(d.get('medel_insats_efter'), ind.typ)} efter insatsstart, jämförelsegruppens från "
        f"{fmt_level(d.get('medel_jämförelse_före'), ind.typ)} till "
        f"{fmt_level(d.get('medel_jämförelse_efter'), ind.typ)}. Den skattade effekten "
        f"({'nivåförändring i skillnaden mellan grupperna' if effect.design == 'its_kontrollerad' else 'skillnad i skillnader'}"
        f") är {fmt_diff(effect.skattning, ind.typ, _effect_decimals(effect))}{_ci_text(effect)}."
    )


def _as_estimated(obs: pd.DataFrame, effect: Effect) -> pd.DataFrame:
    """The rows as the estimate used them: transition periods left out or counted as the rule says."""
    if "overgang" not in obs.columns or not effect.övergångsregel:
        return obs
    mask = obs["overgang"].astype(bool).to_numpy()
    if effect.övergångsregel == "utesluten":
        return obs.loc[~mask]
    obs = obs.copy()
    obs.loc[mask, "efter"] = effect.övergångsregel == "efter"
    return obs


def _mark_transitions(ax, obs: pd.DataFrame) -> str:
    """Shade periods partly exposed to the intervention; return a sentence for the alt text ('' if none)."""
    if "overgang" not in obs.columns or not obs["overgang"].astype(bool).any():
        return ""
    spans = obs.loc[obs["overgang"].astype(bool), ["period_start", "period_slut"]].drop_duplicates()
    for i, (a, b) in enumerate(zip(spans["period_start"], spans["period_slut"], strict=True)):
        ax.axvspan(a.to_pydatetime(), b.to_pydatetime(), color=COLOR_TRANSITION, alpha=0.35, linewidth=0,
                   label="Övergångsperiod" if i == 0 else None)
    ax.legend(loc="best", frameon=False)
    return " Det skuggade fältet är en övergångsperiod som började före och slutade efter insatsstart."


def _draw_its(ax, obs: pd.DataFrame, effect: Effect, ind: Indicator, insatsstart,
              hidden: frozenset[tuple[str, str]] = frozenset()) -> str:
    cur = its_curves(obs)
    if hidden:
        starts = {s for g, p in hidden for s in obs.loc[(obs["grupp"] == g) & (obs["period"] == p), "period_start"]}
        cur = cur.copy()
        cur.loc[cur["period_start"].isin(starts), "observerat"] = np.nan
    x = list(cur["period_start"].dt.to_pydatetime())
    post = cur["efter"].to_numpy(dtype=bool)
    ax.plot(
        x,
        cur["observerat"].to_numpy(),
        linestyle="none",
        marker="o",
        markersize=4,
        color=COLOR_INSATS,
        alpha=0.8,
        label="Observerat",
    )
    fitted = cur["anpassat"].to_numpy()
    for mask in (~post, post):
        idx = np.flatnonzero(mask)
        ax.plot(
            [x[i] for i in idx],
            fitted[idx],
            color=COLOR_INSATS,
            linewidth=2,
            label="Anpassad trend" if mask is post else None,
        )
    idx = np.flatnonzero(post)
    ax.plot(
        [x[i] for i in idx],
        cur["kontrafaktiskt"].to_numpy()[idx],
        color=COLOR_JAMF,
        linestyle="--",
        linewidth=2,
        label="Utan insatsen (förväntat)",
    )
    _start_line(ax, obs[obs["grupp"] == INSATS], insatsstart)
    ax.legend(loc="best", frameon=False)
    d = effect.descriptive()
    return (
        f"Linjediagram över {swedish.lower_first(ind.namn)} per period i insatsgruppen med observerade värden, en anpassad trend före och "
        f"efter insatsstart och en streckad linje för den förväntade utvecklingen utan insatsen. Nivåförändringen "
        f"vid insatsstart skattas till {fmt_diff(effect.skattning, ind.typ, _effect_decimals(effect))}{_ci_text(effect)} och "
        f"lutningsförändringen till {fmt_diff(d.get('lutningsförändring'), ind.typ)} per period."
    )


def _mean_ci(values: np.ndarray) -> tuple[float, float | None]:
    m = float(np.mean(values))
    if len(values) < 2 or np.std(values, ddof=1) == 0:
        return m, None
    half = float(t_ppf(0.975, len(values) - 1) * np.std(values, ddof=1) / np.sqrt(len(values)))
    return m, half


def _draw_before_after(ax, obs: pd.DataFrame, effect: Effect, ind: Indicator) -> str:
    ins = obs[obs["grupp"] == INSATS]
    paired, _, _ = repeated_units(ins)
    if paired:  # per-unit means, so the bars describe the same units the estimate uses
        unit = ins.groupby(["enhet", "efter"])["varde"].mean().unstack("efter").dropna()
        sides = [unit[False].to_numpy(), unit[True].to_numpy()]
    else:
        sides = [
            ins.loc[~ins["efter"].astype(bool), "varde"].to_numpy(dtype=float),
            ins.loc[ins["efter"].astype(bool), "varde"].to_numpy(dtype=float),
        ]
    d = effect.descriptive()
    for i, vals in enumerate(sides):
        if len(vals) == 0:
            continue
        m, half = _mean_ci(vals)
        m = d.get("medel_insats_före" if i == 0 else "medel_insats_efter", m)
        ax.errorbar(
            [i],
            [m],
            yerr=None if half is None else [[half], [half]],
            fmt="o",
            color=COLOR_INSATS,
            capsize=6,
            markersize=8,
        )
    ax.axvline(0.5, color=COLOR_LINE, linestyle=":", linewidth=1.2)
    ax.annotate(
        "Insatsstart",
        xy=(0.5, 1.0),
        xycoords=("data", "axes fraction"),
        xytext=(4, -12),
        textcoords="offset points",
        color=COLOR_LINE,
        fontsize=9,
    )
    ax.set_xlim(-0.6, 1.6)
    ax.set_xticks([0, 1])
    ax.set_xticklabels(["Före insatsstart", "Efter insatsstart"])
    return (
        f"Punktdiagram över medelvärdet av {swedish.lower_first(ind.namn)} i insatsgruppen före "
        f"({fmt_level(d.get('medel_insats_före'), ind.typ)}) och efter "
        f"({fmt_level(d.get('medel_insats_efter'), ind.typ)}) insatsstart, med 95 % konfidensintervall. "
        f"Förändringen är {fmt_diff(effect.skattning, ind.typ, _effect_decimals(effect))}{_ci_text(effect)}. En jämförelse före och efter "
        "visar en förändring, inte en orsakseffekt."
    )


def plot_effect(
    obs: pd.DataFrame, effect: Effect, indicator: Indicator, path: pathlib.Path, *, insatsstart=None,
    hidden: frozenset[tuple[str, str]] = frozenset(),
) -> str:
    """Draws the figure for this indicator and design, saves PNG to path, returns the Swedish alternative text.

    ``insatsstart`` (optional) places the start line exactly; by default it is drawn
    midway between the last period before and the first period after the start.
    ``hidden`` are the (grupp, period) points the small-number rule
    (:func:`sif_eval.privacy.small_numbers.assess`) leaves out.
    """
    path = pathlib.Path(path)
    obs = obs.copy()
    obs["efter"] = obs["efter"].astype(bool)
    obs["grupp"] = obs["grupp"].astype(str).replace({"jamforelse": JAMFORELSE})
    typ = str(obs["period_typ"].iloc[0]) if len(obs) else "år"
    with matplotlib.rc_context(STYLE):
        fig = Figure(figsize=FIGSIZE, dpi=DPI)
        FigureCanvasAgg(fig)
        ax = fig.add_subplot(1, 1, 1)
        if len(obs) == 0 or effect.skattning is None and effect.design != "före_efter":
            ax.text(
                0.5,
                0.5,
                "Underlaget räcker inte för ett diagram.",
                ha="center",
                va="center",
                transform=ax.transAxes,
            )
            ax.set_axis_off()
            alt = f"Inget diagram: underlaget för {swedish.lower_first(indicator.namn)} räcker inte för en skattning."
        elif effect.design in ("did", "its_kontrollerad"):
            alt = _draw_did(ax, obs, effect, indicator, insatsstart, hidden)
            _period_axis(ax, obs["period_start"], typ)
            alt += _mark_transitions(ax, obs)
        elif effect.design == "its":
            alt = _draw_its(ax, _as_estimated(obs, effect), effect, indicator, insatsstart, hidden)
            _period_axis(ax, obs.loc[obs["grupp"] == INSATS, "period_start"], typ)
            alt += _mark_transitions(ax, obs)
        else:
            alt = _draw_before_after(ax, obs, effect, indicator)
        if ax.axison:
            ax.yaxis.set_major_formatter(SwedishFormatter(percent=indicator.typ == "andel"))
            ax.set_ylabel(Y_LABELS.get(indicator.typ, "Värde"))
        ax.set_title(indicator.namn, loc="left", fontsize=12)
        fig.tight_layout()
        path.parent.mkdir(parents=True, exist_ok=True)
        fig.savefig(path, dpi=DPI, metadata={"Software": None})
    fig.clear()
    return alt


def plot_event_study(effect: Effect, path: pathlib.Path) -> str | None:
    """Leads and lags of a difference-in-differences with their 95 % intervals; None without an event study.

    Period −1 (the last before the start) is the reference, so the leads show
    whether the groups moved in parallel before the intervention.
    """
    desc = effect.descriptive()
    ks = sorted(int(k[3:]) for k in desc if k.startswith("es_") and not k.startswith("es_se_"))
    if effect.design != "did" or not ks:
        return None
    scale = 100.0 if effect.typ == "andel" else 1.0
    est = np.array([desc[f"es_{k}"] for k in ks], dtype=float) * scale
    se = np.array([desc.get(f"es_se_{k}") or np.nan for k in ks], dtype=float) * scale
    few = effect.inferens == "randomisering"  # clustered intervals are too narrow then: show the estimates only
    xs = np.array(ks + [-1])
    ys = np.append(est, 0.0)
    half = np.append(np.full(len(se), np.nan) if few else 1.96 * se, 0.0)
    order = np.argsort(xs)
    xs, ys, half = xs[order], ys[order], half[order]
    with matplotlib.rc_context(STYLE):
        fig = Figure(figsize=FIGSIZE, dpi=DPI)
        FigureCanvasAgg(fig)
        ax = fig.add_subplot(1, 1, 1)
        ax.axhline(0, color=COLOR_LINE, linewidth=0.8)
        ax.axvline(-0.5, color=COLOR_LINE, linestyle=":", linewidth=1)
        ax.errorbar(xs, ys, yerr=np.where(np.isnan(half), 0, half), fmt="o", color=COLOR_INSATS, capsize=3)
        ax.set_xticks(xs)
        ax.set_xlabel("Perioder i förhållande till insatsstart (−1 = sista perioden före, referens)")
        ax.set_ylabel("Skillnad mot jämförelsegruppen" + (" (procentenheter)" if scale == 100 else ""))
        ax.yaxis.set_major_formatter(SwedishFormatter())
        ax.set_title(f"Händelsestudie: {effect.namn}", loc="left", fontsize=12)
        fig.tight_layout()
        path = pathlib.Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        fig.savefig(path, dpi=DPI, metadata={"Software": None})
    fig.clear()
    pre = desc.get("pretrend_p")
    pre_text = "" if pre is None else f" Test av parallella trender före start: p = {sv_num(pre, 3)}."
    unit = "procentenheter" if scale == 100 else "enheter"
    bars = ("utan intervall, eftersom enheterna är för få för klustrade intervall," if few
            else "med 95-procentiga konfidensintervall")
    return (f"Punktdiagram {bars} för skillnaden mellan insats- och jämförelsegrupp "
            f"i varje period före och efter insatsstart för {swedish.lower_first(effect.namn)}, i {unit}, "
            "med perioden närmast före "
            f"start som referens.{pre_text}")
