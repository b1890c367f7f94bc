"""Small numbers: which counts and cells are too small to publish.

The threshold is ``minsta_antal`` from ``kommun.yaml`` (read by
:mod:`sif_eval.inputs.municipality`, the one reader every job uses).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any, Literal

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


SizeBasis = Literal["antal", "enheter", "okänd"]
Reason = Literal["få individer", "litet antal", "skydd"]


def size_basis(rows: pd.DataFrame) -> SizeBasis:
    """How the number of individuals behind an indicator's rows is known.

    ``antal`` when every row says how many individuals it stands for;
    ``enheter`` when the rows are individual-level (a unit per person, values
    0/1 or given per unit with ``antal`` missing and the values 0/1), so
    distinct units count persons; otherwise ``okänd``: the rows are totals or
    means for groups (schools, units) whose size is not given, and counting
    them as persons would be wrong.
    """
    if not len(rows):
        return "okänd"
    antal = pd.to_numeric(rows["antal"], errors="coerce") if "antal" in rows else pd.Series(float("nan"), rows.index)
    if antal.notna().all():
        return "antal"
    rest = rows[antal.isna()]
    unit = rest["enhet"] if "enhet" in rest else pd.Series(None, rest.index, dtype=object)
    values = pd.to_numeric(rest["varde"], errors="coerce")
    if unit.notna().all() and values.isin([0, 1]).all():
        return "enheter"
    return "okänd"


def cell_counts(observations: pd.DataFrame, by: Sequence[str] = ("indikator", "grupp", "period")) -> pd.DataFrame:
    """How many individuals each cell stands for, or NaN when that is unknown.

    A row with ``antal`` stands for that many; individual-level rows (see
    :func:`size_basis`) count their distinct ``enhet``; aggregate rows without
    ``antal`` make the cell's size unknown (never one per row: two schools
    are not two persons).
    """
    by = list(by)
    if "indikator" in observations and "indikator" not in by:
        parts = [observations]
    elif "indikator" in observations:
        parts = [g for _, g in observations.groupby("indikator", sort=True)]
    else:
        parts = [observations]
    frames = []
    for rows in parts:
        basis = size_basis(rows)
        frame = rows[by].copy()
        if basis == "antal":
            frame["_n"] = pd.to_numeric(rows["antal"], errors="coerce")
            frames.append(frame.groupby(by, sort=True, dropna=False)["_n"].sum())
        elif basis == "enheter":
            frame["_n"] = rows["enhet"]
            frames.append(frame.groupby(by, sort=True, dropna=False)["_n"].nunique().astype(float))
        else:
            frame["_n"] = float("nan")
            frames.append(frame.groupby(by, sort=True, dropna=False)["_n"].sum(min_count=1))
    if not frames:
        return pd.DataFrame(columns=[*by, "antal"])
    return pd.concat(frames).rename("antal").reset_index()


def small_cells(observations: pd.DataFrame, threshold: int, *, by: Sequence[str] = ("indikator", "grupp", "period"),
                count_indicators: Iterable[str] = ()) -> pd.DataFrame:
    """The cells of ``observations`` grouped ``by`` that are too small to publish.

    A cell is too small when it stands for fewer individuals than the
    threshold (:func:`cell_counts`; unknown sizes are never small), or, for an
    indicator in ``count_indicators`` (``typ: antal``, whose value itself
    counts people), when the cell's total is more than zero and below it: a
    total is what a figure's mean gives away.  Returns ``by`` columns,
    ``antal`` (the number to hide) and ``orsak`` (``få individer`` or ``litet antal``).
    """
    by = list(by)
    counts = cell_counts(observations, by)
    out = counts[[is_small(n, threshold) for n in counts["antal"]]].assign(orsak="få individer")
    counting = set(count_indicators)
    if counting and "indikator" in observations:
        rows = observations[observations["indikator"].isin(counting)]
        if len(rows):
            totals = rows.groupby(by, sort=True, dropna=False)["varde"].sum().reset_index()
            small = totals[[is_small(v, threshold) for v in totals["varde"]]]
            values = small.rename(columns={"varde": "antal"}).assign(orsak="litet antal")
            out = pd.concat([out, values], ignore_index=True) if len(out) else values
            out = out.drop_duplicates(subset=by, keep="first")
    return out.sort_values(by).reset_index(drop=True)


def small_groups(observations: pd.DataFrame, threshold: int) -> pd.DataFrame:
    """Groups (indicator and insats/jämförelse, all periods together) below ``threshold``.

    A group's size is its largest period (individuals counted by ``antal`` may
    recur from period to period) or its distinct units; unknown sizes are not small.
    """
    cells = cell_counts(observations)
    sizes = cells.groupby(["indikator", "grupp"], sort=True, dropna=False)["antal"].max(min_count=1)
    units = cell_counts(observations, ("indikator", "grupp")).set_index(["indikator", "grupp"])["antal"]
    individual = [size_basis(observations[(observations["indikator"] == i) & (observations["grupp"] == g)]) == "enheter"
                  for i, g in sizes.index]
    sizes = sizes.where(~pd.Series(individual, index=sizes.index), units.reindex(sizes.index))
    out = sizes.rename("antal").reset_index()
    out = out[[is_small(n, threshold) for n in out["antal"]]].assign(orsak="få individer")
    return out.reset_index(drop=True)


@dataclass(frozen=True)
class IndicatorPrivacy:
    """What the small-number rule decided for one indicator: the one verdict ``validera`` and ``run`` share."""

    indikator: str
    namn: str
    grund: SizeBasis
    minsta_antal: int
    små_grupper: tuple[tuple[str, float], ...] = ()  # (grupp, individer): the result is withheld
    små_totaler: tuple[tuple[str, float], ...] = ()  # (grupp, summa) for a count indicator: withheld too
    dolda: tuple[tuple[str, str, Reason], ...] = ()  # (grupp, period, orsak): left out of figures
    n_celler: int = 0

    @property
    def withheld(self) -> bool:
        """The result itself may not be published."""
        return bool(self.små_grupper or self.små_totaler)

    @property
    def hidden_cells(self) -> frozenset[tuple[str, str]]:
        return frozenset((g, p) for g, p, _ in self.dolda)

    def notes(self) -> list[str]:
        """Swedish sentences on what was decided, identical in ``validera`` and in the report."""
        t = self.minsta_antal
        out = []
        name = sv.lower_first(self.namn or self.indikator)
        if self.withheld:
            groups = [f"{_GROUP_NAMES.get(g, g)} (färre än {sv.number_word(t)} individer)" for g, _ in self.små_grupper]
            groups += [f"{_GROUP_NAMES.get(g, g)} (totalt färre än {sv.number_word(t)})" for g, _ in self.små_totaler
                       if g not in {x for x, _ in self.små_grupper}]
            out.append(f"Resultatet för {name} redovisas inte i de offentliga dokumenten eftersom "
                       f"{sv.join_list(groups)} understiger minsta antal ({sv.number_word(t)}).")
        elif self.grund == "okänd":
            out.append(f"Gruppstorleken är inte angiven för {name}: raderna är summor eller medelvärden för grupper "
                       "utan kolumnen antal, så regeln om minsta antal "
                       f"({sv.number_word(t)} individer) har inte kunnat prövas för grupperna.")
        if self.dolda and not self.withheld:
            primary = sum(1 for *_, r in self.dolda if r != "skydd")
            protect = len(self.dolda) - primary
            text = (f"Diagrammet för {name} visar inte {sv.number_word(len(self.dolda), 'ett')} av "
                    f"{sv.count_words(self.n_celler, 'värde', 'värden', 'ett')}: {sv.number_word(primary, 'ett')} av dem "
                    f"understiger minsta antal ({sv.number_word(t)})")
            if protect:
                text += (f", och {sv.number_word(protect, 'ett')} till är {'dolt' if protect == 1 else 'dolda'} så att "
                         "de inte kan räknas fram ur summor och skillnader")
            out.append(text + ".")
        return out


_GROUP_NAMES = {"insats": "insatsgruppen", "jämförelse": "jämförelsegruppen"}


@dataclass(frozen=True)
class SmallNumbers:
    """The small-number verdict for every indicator of a project."""

    minsta_antal: int
    indikatorer: tuple[IndicatorPrivacy, ...] = ()

    def get(self, indicator: str) -> IndicatorPrivacy | None:
        return next((i for i in self.indikatorer if i.indikator == indicator), None)


def _secondary(cells: pd.DataFrame, threshold: int, across_groups: bool) -> dict[tuple[str, str], Reason]:
    """Primary and secondary suppression on the group × period grid.

    A figure shows every visible period of a group and the text its means
    before and after, so the hidden cells of a group together must not be
    small (else a total minus the visible cells gives them away): more cells
    are hidden, smallest first, until they are.  When the groups are compared
    period by period (a comparison group exists), a period hidden in one group
    is hidden in the other too, since a difference would reveal it.
    """
    hidden: dict[tuple[str, str], Reason] = {
        (g, p): r for g, p, r in cells.loc[cells["orsak"].notna(), ["grupp", "period", "orsak"]].itertuples(index=False)}
    measure = cells.set_index(["grupp", "period"])["mått"]
    changed = True
    while changed:
        changed = False
        for _, g in cells.groupby("grupp", sort=True):
            keys = list(zip(g["grupp"], g["period"], strict=True))
            gone = [k for k in keys if k in hidden]
            if not gone or len(gone) == len(keys):
                continue
            if len(gone) == 1 or is_small(measure.reindex(gone).sum(min_count=1), threshold):
                rest = sorted((k for k in keys if k not in hidden), key=lambda k: (_sort_value(measure.get(k)), k[1]))
                hidden[rest[0]] = "skydd"
                changed = True
        if across_groups:
            for _, g in cells.groupby("period", sort=True):
                keys = list(zip(g["grupp"], g["period"], strict=True))
                if any(k in hidden for k in keys):
                    for k in keys:
                        if k not in hidden:
                            hidden[k] = "skydd"
                            changed = True
    return hidden


def _sort_value(x: Any) -> float:
    return float("inf") if _missing(x) else float(x)


def assess(observations: pd.DataFrame, threshold: int, indicators: Iterable[Any]) -> SmallNumbers:
    """Decide, per indicator, what the public documents may show; ``validera`` and ``run`` both call this.

    ``indicators`` are the project's :class:`~sif_eval.model.Indicator` values
    (``id``, ``namn``, ``typ``).
    """
    out = []
    for ind in indicators:
        rows = observations[observations["indikator"] == ind.id] if len(observations) else observations
        if not len(rows):
            continue
        basis = size_basis(rows)
        counting = [ind.id] if ind.typ == "antal" else []
        sizes = cell_counts(rows)
        small = small_cells(rows, threshold, count_indicators=counting)
        cells = sizes.drop(columns="indikator")
        reasons = small.drop(columns="indikator").set_index(["grupp", "period"])["orsak"] if len(small) else None
        cells["orsak"] = None if reasons is None else [reasons.get((g, p)) for g, p in zip(cells["grupp"], cells["period"], strict=True)]
        if counting:
            totals = rows.groupby(["grupp", "period"], sort=True, dropna=False)["varde"].sum()
            cells["mått"] = [totals.get((g, p)) for g, p in zip(cells["grupp"], cells["period"], strict=True)]
        else:
            cells["mått"] = cells["antal"]
        groups = small_groups(rows, threshold)
        group_sizes = tuple((str(g), float(n)) for g, n in zip(groups["grupp"], groups["antal"], strict=True))
        group_totals: tuple[tuple[str, float], ...] = ()
        if counting:
            sums = rows.groupby("grupp", sort=True)["varde"].sum()
            group_totals = tuple((str(g), float(v)) for g, v in sums.items() if is_small(v, threshold))
        across = rows["grupp"].nunique() > 1
        hidden = _secondary(cells, threshold, across)
        dolda = tuple(sorted((str(g), str(p), r) for (g, p), r in hidden.items()))
        out.append(IndicatorPrivacy(indikator=ind.id, namn=getattr(ind, "namn", "") or ind.id, grund=basis,
                                    minsta_antal=threshold, små_grupper=group_sizes, små_totaler=group_totals,
                                    dolda=dolda, n_celler=len(cells)))
    return SmallNumbers(minsta_antal=threshold, indikatorer=tuple(out))
