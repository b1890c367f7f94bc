"""Figures of the socio-economic calculation: cumulative costs against benefits, and the tornado.

Both are drawn on an Agg canvas through matplotlib's object API (no pyplot,
no change to the global backend, so a notebook's inline figures are left
alone), at a fixed size and resolution and without the
software version in the PNG, so the same calculation gives the same bytes.
Labels are Swedish; amounts on the axes are tkr with a decimal comma and
spaces between thousands.  Each function returns a Swedish alt text.
"""

from __future__ import annotations

from pathlib import Path

from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter, MaxNLocator

from .. import swedish as sv
from ..economics.model import Calculation, SensitivityRow

__all__ = ["plot_cumulative", "plot_tornado"]

SIZE = (8.0, 4.5)
DPI = 150
COST_COLOUR = "#D55E00"  # colour-blind safe (Okabe–Ito)
BENEFIT_COLOUR = "#0072B2"
LOW_COLOUR = "#E69F00"
HIGH_COLOUR = "#56B4E9"
MAX_TORNADO_ROWS = 12
PERCENT_PARAMS = ("diskonteringsränta", "dödvikt", "attribution", "undanträngning", "bortfall_per_år", "optimism")


def _tkr_axis(v: float, _pos: object = None) -> str:
    return sv.number(v / 1000, 0)


def _figure() -> Figure:
    fig = Figure(figsize=SIZE, dpi=DPI)
    FigureCanvasAgg(fig)
    return fig


def _save(fig: Figure, path: Path | str) -> None:
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=DPI, format="png", metadata={"Software": None})


def plot_cumulative(calc: Calculation, path: Path | str) -> str:
    """Cumulative discounted costs and benefits by year, marking the year they cross; returns alt text."""
    years = [y.år for y in calc.år]
    costs = [y.kumulativ_kostnad_nuvärde for y in calc.år]
    benefits = [y.kumulativ_nytta_nuvärde for y in calc.år]
    prisår = calc.spec.antaganden.prisår
    fig = _figure()
    ax = fig.add_subplot(1, 1, 1)
    ax.plot(years, costs, color=COST_COLOUR, marker="o", linewidth=2, label="Kostnader (kumulativt nuvärde)")
    ax.plot(years, benefits, color=BENEFIT_COLOUR, marker="s", linewidth=2,
            label="Nytta, besparingar (kumulativt nuvärde)")
    if calc.återbetalningsår is not None:
        ax.axvline(calc.återbetalningsår, color="0.35", linestyle="--", linewidth=1)
        right_half = calc.återbetalningsår > (years[0] + years[-1]) / 2
        ax.annotate(f"Nyttan når kostnaderna {calc.återbetalningsår}", xy=(calc.återbetalningsår, 0.04),
                    xycoords=("data", "axes fraction"), xytext=(-6 if right_half else 6, 0),
                    textcoords="offset points", ha="right" if right_half else "left", fontsize=9, color="0.25")
    ax.set_xlabel("År")
    ax.set_ylabel(f"Tusental kronor (tkr), prisår {prisår}")
    ax.set_title("Kostnader och nytta över tid, diskonterade", fontsize=12)
    ax.yaxis.set_major_formatter(FuncFormatter(_tkr_axis))
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_ylim(bottom=min(0.0, *costs, *benefits))
    ax.grid(axis="y", color="0.9")
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.16), ncol=2, frameon=False, fontsize=9)
    fig.tight_layout()
    _save(fig, path)

    first, last = years[0], years[-1]
    text = (f"Linjediagram över kumulativa diskonterade kostnader och nyttor {first}–{last}, i prisår {prisår}. "
            f"Vid kalkylperiodens slut är kostnaderna {sv.kronor(costs[-1])} och nyttan {sv.kronor(benefits[-1])} "
            f"i nuvärde, ett nettonuvärde på {sv.kronor(calc.nettonuvärde_kr)}.")
    if calc.återbetalningsår is not None:
        text += (f" Kurvorna möts {calc.återbetalningsår}, "
                 f"{sv.count_noun(calc.återbetalningstid_år, 'år', 'år')} efter basåret {first}.")
    else:
        text += " Nyttan når inte upp till kostnaderna under kalkylperioden."
    return text


def value_text(parameter: str, value: float) -> str:
    """A parameter value as a reader reads it: 3,5 %, 10 år, 150 personer, 40 000 kronor."""
    if parameter in PERCENT_PARAMS:
        return f"{sv.number(round(value * 100, 2))}{sv.NBSP}%"
    if parameter == "horisont_år":
        return sv.count_noun(int(round(value)), "år", "år")
    if parameter.endswith(".enhetskostnad"):
        return sv.kronor(value)
    if parameter.endswith(".antal_personer"):
        return sv.number(value)
    return sv.number(value)


def _rows(calc: Calculation) -> list[SensitivityRow]:
    return list(calc.känslighet[:MAX_TORNADO_ROWS])


def plot_tornado(calc: Calculation, path: Path | str) -> str:
    """The one-way sensitivity as a tornado: NPV at each assumption's low and high value; returns alt text."""
    rows = _rows(calc)
    base = calc.nettonuvärde_kr
    fig = _figure()
    ax = fig.add_subplot(1, 1, 1)
    labels = []
    for i, r in enumerate(reversed(rows)):
        ax.barh(i, r.npv_låg - base, left=base, color=LOW_COLOUR, height=0.6,
                label="Lågt värde" if i == 0 else None)
        ax.barh(i, r.npv_hög - base, left=base, color=HIGH_COLOUR, height=0.6,
                label="Högt värde" if i == 0 else None)
        labels.append(f"{r.etikett}\n({value_text(r.parameter, r.låg)} – {value_text(r.parameter, r.hög)})")
    ax.set_yticks(range(len(rows)))
    ax.set_yticklabels(labels, fontsize=7)
    ax.axvline(base, color="0.2", linewidth=1)
    ax.axvline(0, color="0.5", linewidth=1, linestyle="--")
    ax.xaxis.set_major_formatter(FuncFormatter(_tkr_axis))
    ax.set_xlabel(f"Nettonuvärde, tusental kronor (tkr), prisår {calc.spec.antaganden.prisår}")
    ax.set_title("Känslighetsanalys: nettonuvärdet när ett antagande i taget ändras", fontsize=11)
    ax.grid(axis="x", color="0.9")
    if rows:
        ax.legend(loc="lower right", frameon=False, fontsize=8)
    fig.tight_layout()
    _save(fig, path)

    text = (f"Tornadodiagram över hur nettonuvärdet, {sv.kronor(base)}, ändras när ett antagande i taget sätts "
            f"till ett lågt och ett högt värde. Den heldragna linjen är kalkylens nettonuvärde och den streckade "
            f"noll.")
    if rows:
        parts = [f"{sv.lower_first(r.etikett)} (nettonuvärde från {sv.kronor(min(r.npv_låg, r.npv_hög))} till "
                 f"{sv.kronor(max(r.npv_låg, r.npv_hög))})" for r in rows[:3]]
        text += " Störst betydelse har " + sv.join_list(parts) + "."
    if len(calc.känslighet) > len(rows):
        text += f" Diagrammet visar de {len(rows)} antaganden som betyder mest av {len(calc.känslighet)}."
    return text
