"""The consolidated forest plot: every indicator's estimate and 95 % interval against its target.

Indicators are measured in different units (procentenheter, placements per
month, hours per week), so each estimate is drawn as a share of its own
effektmål: 0 % is no change, 100 % is exactly the target, further right is
more improvement than targeted.  Indicators without a target cannot be placed
and are named in the alternative text instead.  Drawn like ``figures.py``:
object API on the Agg canvas, fixed style, no software tag, same bytes for
the same numbers.
"""

from __future__ import annotations

import textwrap
from collections.abc import Sequence
from pathlib import Path

import matplotlib
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.lines import Line2D

from .. import swedish as sv
from .effects import COLOR_INSATS, COLOR_JAMF, COLOR_LINE, DPI, STYLE, SwedishFormatter

COLORS = {"uppnått": COLOR_INSATS, "ej_uppnått": COLOR_JAMF}
COLOR_UNDECIDED = "#777777"
LABEL_CHARS = 42
MAX_LISTED = 30  # more than this and the alternative text points to the table instead
ROW_IN = 0.62  # inches per indicator
TOP_IN, BOTTOM_IN, LEFT_IN = 0.75, 0.75, 3.1


def _label(project: str, indicator: str) -> str:
    """Project on the first line, the indicator wrapped below it, so long Swedish names fit."""
    lines = textwrap.wrap(project, LABEL_CHARS)[:1] + textwrap.wrap(indicator, LABEL_CHARS)[:2]
    return "\n".join(lines)


def plot_forest(effects: Sequence, path: Path) -> str | None:
    """Draw the forest plot to ``path`` (PNG) and return its Swedish alternative text; None if nothing to draw.

    ``effects`` are :class:`~sif_eval.consolidated.EffectLine` values.
    """
    placed = [(e, *e.relative()) for e in effects]
    placed = [p for p in placed if p[1] is not None]
    if not placed:
        return None
    n = len(placed)
    width, height = 8.0, TOP_IN + BOTTOM_IN + ROW_IN * n
    with matplotlib.rc_context(STYLE):
        fig = Figure(figsize=(width, height), dpi=DPI)
        FigureCanvasAgg(fig)
        ax = fig.add_subplot(1, 1, 1)
        for row, (e, rel, lo, hi) in enumerate(placed):
            y = n - 1 - row
            color = COLORS.get(e.måluppfyllelse or "", COLOR_UNDECIDED)
            if lo is not None and hi is not None:
                ax.plot([lo, hi], [y, y], color=color, linewidth=2.0, solid_capstyle="butt")
            ax.plot([rel], [y], marker="o", markersize=6, color=color, linestyle="none")
        ax.axvline(0.0, color=COLOR_LINE, linewidth=1.0)
        ax.axvline(1.0, color=COLOR_LINE, linewidth=1.2, linestyle="--")
        ax.set_yticks(range(n))
        ax.set_yticklabels([_label(e.projekt, e.namn) for e, *_ in reversed(placed)], fontsize=8)
        ax.set_ylim(-0.6, n - 0.4)
        ax.xaxis.set_major_formatter(SwedishFormatter(percent=True))
        ax.set_xlabel("Skattad effekt i procent av effektmålet, med 95 % konfidensintervall")
        ax.grid(axis="y", visible=False)
        handles = [Line2D([], [], color=COLORS["uppnått"], marker="o", label="Effektmålet uppnått"),
                   Line2D([], [], color=COLORS["ej_uppnått"], marker="o", label="Effektmålet inte uppnått"),
                   Line2D([], [], color=COLOR_UNDECIDED, marker="o", label="Kan inte avgöras"),
                   Line2D([], [], color=COLOR_LINE, linestyle="--", label="Effektmålet (100 %)")]
        fig.legend(handles=handles, loc="upper center", bbox_to_anchor=(0.5, 1 - 0.05 / height), ncol=4,
                   fontsize=8, frameon=False, handlelength=1.6, columnspacing=1.2)
        fig.subplots_adjust(left=LEFT_IN / width, right=0.97, top=1 - TOP_IN / height, bottom=BOTTOM_IN / height)
        path.parent.mkdir(parents=True, exist_ok=True)
        fig.savefig(path, dpi=DPI, metadata={"Software": None})
    return _alt_text(placed, [e for e in effects if e.relative()[0] is None])


def _alt_text(placed: list, unplaced: list) -> str:
    reached = [e for e, *_ in placed if e.måluppfyllelse == "uppnått"]
    missed = [e for e, *_ in placed if e.måluppfyllelse == "ej_uppnått"]
    projects = {e.slug for e, *_ in placed}
    text = (f"Figuren visar {sv.count_noun(len(placed), 'indikator', 'indikatorer')} i "
            f"{sv.count_noun(len(projects), 'projekt', 'projekt')}, var och en som skattad effekt i procent av sitt "
            "effektmål med 95 % konfidensintervall; 100 % betyder att effekten är lika stor som målet. ")
    undecided = len(placed) - len(reached) - len(missed)
    parts = [f"{sv.number(len(reached))} av dem når sitt effektmål." if reached else "",
             f"{sv.number(len(missed))} av dem når inte sitt effektmål." if missed else "",
             f"För {sv.number(undecided)} av dem kan det inte avgöras om effektmålet nås." if undecided else ""]
    text += " ".join(p for p in parts if p)
    if len(placed) <= MAX_LISTED:
        for e, rel, lo, hi in placed:
            ci = "" if lo is None else (f" (95 % konfidensintervall {sv.percent(lo, 0, word=False)} till "
                                        f"{sv.percent(hi, 0, word=False)})")
            text += f" {e.projekt}, {sv.lower_first(e.namn)}: {sv.percent(rel, 0, word=False)} av målet{ci}."
    else:
        text += " Varje indikators värden finns i tabellen över skattade effekter."
    if unplaced:
        names = sv.join_list(f"{e.projekt}, {sv.lower_first(e.namn)}" for e in unplaced)
        text += f" Saknar effektmål eller skattning och visas inte: {names}."
    return text
