"""Small numbers: which counts and cells are too small to publish.

The threshold is ``minsta_antal`` from ``kommun.yaml`` (read by
:mod:`sif_eval.inputs.municipality`, the one reader every job uses).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from typing import Any

import pandas as pd

from .. import swedish as sv

DEFAULT_MIN_COUNT = 5

def _missing(count: Any) -> bool:
    return count is None or (isinstance(count, float) and math.isnan(count)) or count is pd.NA


def is_small(count: int | float | None, threshold: int) -> bool:
    """Whether a count must be hidden: more than zero and fewer than ``threshold``.

    Zero is shown: it names no one.  A missing count is not small, it is missing.
    """
    if _missing(count):
        return False
    return 0 < count < threshold


def suppress(count: int | float | None, threshold: int) -> int | str:
    """A count as a table shows it: the number, ``<5`` when too small, ``–`` when missing."""
    if _missing(count):
        return sv.MISSING
    if is_small(count, threshold):
        return f"<{threshold}"
    return int(count) if float(count).is_integer() else count  # type: ignore[return-value]


def suppress_text(count: int | float | None, threshold: int) -> str:
    """A count as running text says it: ``1 240``, or ``färre än 5`` when too small."""
    if _missing(count):
        return sv.MISSING
    if is_small(count, threshold):
        return f"färre än {threshold}"
    return sv.number(count)


def suppression_note(threshold: int) -> str:
    """The footnote a document carries when it has hidden something."""
    return (f"Antal under {threshold} redovisas inte (visas som <{threshold}), så att ingen enskild person "
            "kan identifieras.")


def suppress_table(table: pd.DataFrame, columns: Iterable[str], threshold: int) -> pd.DataFrame:
    """A copy of ``table`` with the count ``columns`` suppressed cell by cell (as text)."""
    out = table.copy()
    for col in columns:
        out[col] = [suppress(v, threshold) for v in out[col]]
    return out


def cell_counts(observations: pd.DataFrame, by: Sequence[str] = ("indikator", "grupp", "period")) -> pd.DataFrame:
    """How many individuals each cell stands for.

    A row with ``antal`` stands for that many; rows without it count their
    distinct ``enhet`` (a unit seen in many periods is one person), and rows
    with neither count one each, the cautious reading.  Aggregate rows should
    say how many they stand for in ``antal``.
    """
    by = list(by)
    nan = pd.Series(float("nan"), index=observations.index)
    antal = observations["antal"].astype(float) if "antal" in observations else nan
    unit = observations["enhet"] if "enhet" in observations else nan
    given = antal.notna()
    frame = observations[by].copy()
    frame["_antal"] = antal.where(given, 0.0)
    frame["_enhet"] = unit.where(~given)
    frame["_rad"] = (~given & unit.isna()).astype(float)
    grouped = frame.groupby(by, sort=True, dropna=False)
    total = grouped["_antal"].sum() + grouped["_enhet"].nunique() + grouped["_rad"].sum()
    return total.rename("antal").reset_index()


def small_cells(observations: pd.DataFrame, threshold: int, *, by: Sequence[str] = ("indikator", "grupp", "period"),
                count_indicators: Iterable[str] = ()) -> pd.DataFrame:
    """The cells of ``observations`` grouped ``by`` that are below ``threshold``.

    A cell is too small when it stands for fewer individuals than the
    threshold (:func:`cell_counts`), or, for an indicator in
    ``count_indicators`` (``typ: antal``, whose value itself counts people),
    when a value is more than zero and below it.  Returns ``by`` columns,
    ``antal`` (the number to hide) and ``orsak`` (``få individer`` or ``litet antal``).
    """
    by = list(by)
    counts = cell_counts(observations, by)
    out = counts[[is_small(n, threshold) for n in counts["antal"]]].assign(orsak="få individer")
    counting = set(count_indicators)
    if counting and "indikator" in observations:
        rows = observations[observations["indikator"].isin(counting)]
        small = rows[[is_small(v, threshold) for v in rows["varde"]]]
        if len(small):
            values = small.groupby(by, sort=True, dropna=False)["varde"].min().reset_index()
            values = values.rename(columns={"varde": "antal"}).assign(orsak="litet antal")
            out = pd.concat([out, values], ignore_index=True)
            out = out.drop_duplicates(subset=by, keep="first")
    return out.sort_values(by).reset_index(drop=True)


def small_groups(observations: pd.DataFrame, threshold: int) -> pd.DataFrame:
    """Groups (indicator and insats/jämförelse, all periods together) below ``threshold``."""
    return small_cells(observations, threshold, by=("indikator", "grupp"))
