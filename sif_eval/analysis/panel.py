"""The observations of one indicator as a unit x period panel, for the designs that follow units.

The staggered design (:mod:`.staggered_design`) and synthetic control
(:mod:`.synthetic_design`) both need one value per unit and period and each
unit's own start.  This module builds that panel once, from the loader's
normalized observations, and says in Swedish why it cannot when it cannot.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from .common import INSATS, JAMFORELSE, has_units


@dataclass(frozen=True)
class UnitPanel:
    """Complete units only: ``wide`` is periods (sorted ``period_start``) x units.

    ``start`` maps every kept unit to its own start (``NaT`` = never treated);
    ``labels`` gives each period as it was written in utfall; ``incomplete``
    lists the units left out because they lack a value in some period.
    """

    wide: pd.DataFrame
    start: pd.Series
    labels: dict[pd.Timestamp, str]
    treated: tuple[str, ...]
    comparison: tuple[str, ...]
    incomplete: tuple[str, ...]
    n_rows: int

    def label(self, ts: pd.Timestamp) -> str:
        return self.labels.get(ts, ts.strftime("%Y-%m-%d"))


def unit_starts(obs: pd.DataFrame) -> pd.Series:
    """Each unit's own start (``NaT`` for comparison units).

    From the loader's column ``start`` when present; otherwise (observations made by
    hand) every insats unit starts at the first period marked ``efter``.
    """
    units = obs.drop_duplicates("enhet").set_index("enhet")
    if "start" in obs.columns:
        starts = obs[obs["grupp"] == INSATS].groupby("enhet")["start"].first()
    else:
        first = obs.loc[(obs["grupp"] == INSATS) & obs["efter"].astype(bool), "period_start"].min()
        starts = pd.Series(first, index=units.index[units["grupp"] == INSATS])
    out = pd.Series(pd.NaT, index=units.index, dtype="datetime64[ns]")
    out.loc[starts.index] = pd.to_datetime(starts)
    return out


def unit_panel(obs: pd.DataFrame) -> tuple[UnitPanel | None, str | None]:
    """(panel, None), or (None, a Swedish reason) when the rows cannot form a unit panel."""
    if not has_units(obs):
        return None, "den kräver kolumnen enhet ifylld på varje rad, så att varje enhet kan följas över tid"
    both = obs.groupby("enhet")["grupp"].nunique()
    if (both > 1).any():
        unit = str(both.index[both > 1][0])
        return None, f"enheten {unit} finns i både insats- och jämförelsegruppen"
    dup = obs.duplicated(["enhet", "period_start"])
    if dup.any():
        row = obs.loc[dup].iloc[0]
        return None, f"enheten {row['enhet']} har flera rader för perioden {row['period']}"
    wide = obs.pivot(index="period_start", columns="enhet", values="varde").sort_index()
    complete = wide.columns[wide.notna().all(axis=0)]
    incomplete = tuple(str(u) for u in wide.columns if u not in set(complete))
    wide = wide[complete]
    starts = unit_starts(obs).reindex(complete)
    groups = obs.drop_duplicates("enhet").set_index("enhet")["grupp"].reindex(complete)
    labels = obs.drop_duplicates("period_start").set_index("period_start")["period"].astype(str).to_dict()
    panel = UnitPanel(
        wide=wide,
        start=starts,
        labels=labels,
        treated=tuple(str(u) for u in complete if groups[u] == INSATS),
        comparison=tuple(str(u) for u in complete if groups[u] == JAMFORELSE),
        incomplete=incomplete,
        n_rows=int(wide.size),
    )
    return panel, None


def first_treated(panel: UnitPanel) -> pd.Series:
    """Per unit the 1-based index of its first period on or after its start; 0 = not treated in the window."""
    periods = panel.wide.index
    out = {}
    for unit, start in panel.start.items():
        if pd.isna(start):
            out[unit] = 0
            continue
        idx = int(periods.searchsorted(start, side="left"))
        out[unit] = idx + 1 if idx < len(periods) else 0
    return pd.Series(out, dtype=int)
