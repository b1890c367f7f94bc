"""What ``sif-eval validera`` tells the evaluator about a valid project, in Swedish.

Validation alone says "no errors"; an evaluator also needs to see what the
program understood (indicators, periods, groups, units, economics) and which
design ``auto`` will pick and why, before spending a run on it.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pandas as pd

from .. import swedish as sv
from ..analysis.common import repeated_units
from ..analysis.estimate import choose_design, planned_inference
from ..documents.texts import unit_word
from ..economics import api as economics
from ..inputs.economy import find_economy_file
from ..inputs.municipality import municipality_file
from ..inputs.project import LoadedProject
from ..paths import KALKYL_FILE, OUTCOME_CSV, OUTCOME_XLSX, PROJECT_FILE
from . import archive

DESIGN_LABELS = {  # "design did" is what people (and a test) look for
    "före_efter": "före_efter (jämförelse före och efter)",
    "did": "did (skillnad-i-skillnader)",
    "its": "its (avbruten tidsserie)",
    "stegvis": "stegvis (enheter som startar vid olika tidpunkter, Callaway–Sant'Anna)",
    "syntetisk": "syntetisk (syntetisk kontroll med placebotest)",
    "its_kontrollerad": "its_kontrollerad (kontrollerad avbruten tidsserie)",
}
TYPE_NOTES = {"andel": "andel 0–1", "antal": "antal", "medelvärde": "medelvärde"}


def _periods(rows: pd.DataFrame) -> str:
    ordered = rows.sort_values("period_start")
    first, last = ordered["period"].iloc[0], ordered["period"].iloc[-1]
    per = rows.drop_duplicates("period_start")
    before, after = int((~per["efter"]).sum()), int(per["efter"].sum())
    kind = ordered["period_typ"].iloc[0]
    return (f"perioder: {first} – {last} ({sv.count_noun(len(per), 'period', 'perioder')} av typen {kind}: "
            f"{before} före och {after} efter insatsstart)")


def _groups(rows: pd.DataFrame) -> str:
    parts = []
    for grp in ("insats", "jämförelse"):
        g = rows[rows["grupp"] == grp]
        if len(g):
            parts.append(f"{grp} {sv.count_noun(len(g), 'rad', 'rader')} "
                         f"({int((~g['efter']).sum())} före, {int(g['efter'].sum())} efter)")
    missing = [g for g in ("insats", "jämförelse") if not (rows["grupp"] == g).any()]
    text = "grupper: " + "; ".join(parts)
    if missing == ["jämförelse"]:
        text += "; ingen jämförelsegrupp"
    return text


def _units(rows: pd.DataFrame) -> str:
    given = rows["enhet"].notna()
    if not given.any():
        text = "enheter: inga angivna (kolumnen enhet är tom), så raderna behandlas som oberoende observationer"
    elif not given.all():
        text = (f"enheter: angivna på {int(given.sum())} av {len(rows)} rader; när enhet saknas på någon rad "
                "används den inte alls (ingen parning eller klustring)")
    else:
        panel, both, total = repeated_units(rows)
        text = f"enheter: {sv.number(total)}, varav {sv.number(both)} finns både före och efter insatsstart"
        text += " – data är en panel" if panel else " – data behandlas inte som en panel"
    if rows["antal"].notna().any():
        text += f"; antal är angivet på {sv.count_noun(int(rows['antal'].notna().sum()), 'rad', 'rader')}"
    return text


def _design(rows: pd.DataFrame, indicator) -> list[str]:
    design, reason = choose_design(rows, indicator)
    if indicator.design == "auto":
        return [f"design {DESIGN_LABELS[design]}, vald av auto. {reason}"]
    auto, auto_reason = choose_design(rows, dataclasses.replace(indicator, design="auto"))
    line = f"design {DESIGN_LABELS[design]}, vald i projekt.yaml."
    if auto == design:
        return [f"{line} auto hade valt samma. {auto_reason}"]
    return [line, f"  (auto hade valt {DESIGN_LABELS[auto]}: {auto_reason})"]


def _economics(loaded: LoadedProject) -> list[str]:
    project_dir = loaded.directory or Path(".")
    lines = []
    path = find_economy_file(project_dir)
    budget = economics.load_budget(project_dir, settings=dict(loaded.project.extra)) if path else None
    if budget is None:
        lines.append("Ekonomi: ingen ekonomi.csv och inga rader på bladet ekonomi i utfall.xlsx – rapporten får "
                     "inget avsnitt om budget och utfall.")
    else:
        years = sorted({r.år for r in budget.rader})
        span = f"{years[0]}" if len(years) == 1 else f"{years[0]}–{years[-1]}"
        source = f"{path.name} (bladet ekonomi)" if path.suffix == ".xlsx" and path.stem == "utfall" else path.name
        lines.append(f"Ekonomi: {source}, {sv.count_noun(len(budget.rader), 'rad', 'rader')} för {span}; "
                     f"budgeterat {sv.kronor(budget.totalt.budgeterat)}, utfall {sv.kronor(budget.totalt.utfall)}.")
    extra = {k for k, _ in loaded.project.extra}
    if "kalkyl" in extra or (project_dir / "kalkyl.yaml").is_file():
        where = KALKYL_FILE if (project_dir / KALKYL_FILE).is_file() else f"{PROJECT_FILE} (kalkyl:)"
        lines.append(f"Socioekonomisk kalkyl: {where}; den räknas vid körningen med de skattade effekterna.")
    else:
        lines.append("Socioekonomisk kalkyl: ingen (kalkyl.yaml saknas).")
    shared = [f for f in loaded.files if f.name == "enhetskostnader.csv"]
    if shared:
        lines.append(f"Enhetskostnader: {', '.join(str(f) for f in shared)}.")
    return lines


def describe(loaded: LoadedProject) -> list[str]:
    """Swedish lines: the project, each indicator (periods, groups, units, design and why), economics."""
    p, obs = loaded.project, loaded.observations
    outcome = next((f.name for f in loaded.files if f.stem == "utfall"), None)
    lines = [f"Indata för {p.projekt} ({p.diarienummer}) är giltiga.",
             f"Insatsstart: {p.insatsstart.isoformat()}. "
             + (f"Utfall: {outcome}, {sv.count_noun(len(obs), 'rad', 'rader')}." if outcome else "Inget utfall "
                "(återrapportering utan indikatorer).")]
    if outcome == OUTCOME_CSV and loaded.directory and (loaded.directory / OUTCOME_XLSX).is_file():
        lines.append("Obs! Både utfall.csv och utfall.xlsx finns; utfall.csv används och bladet utfall i "
                     "utfall.xlsx läses inte. Ta bort den fil som inte ska gälla.")
    for ind in p.indikatorer:
        rows = obs[obs["indikator"] == ind.id]
        target = ", inget effektmål"
        if ind.effektmål is not None:  # in the indicator's unit, as the documents write it: "−2,0 procentenheter"
            decimals = sv.effect_decimals(ind.typ, [ind.effektmål])
            target = f", effektmål {sv.effect_value(ind.effektmål, ind.typ, decimals, unit_word=unit_word(ind.namn, ind.typ))}"
        lines.append(f"- {ind.id}: {ind.namn} ({TYPE_NOTES.get(ind.typ, ind.typ)}, {ind.bättre} är bättre{target})")
        lines += [f"    {_periods(rows)}", f"    {_groups(rows)}", f"    {_units(rows)}"]
        lines += [f"    {text}" for text in _design(rows, ind)]
        lines.append(f"    {planned_inference(rows, ind)}")
    lines += _economics(loaded)
    kommun = municipality_file(loaded.directory) if loaded.directory else None
    lines.append(f"Kommunens uppgifter: {kommun}." if kommun else
                 "Kommunens uppgifter: ingen kommun.yaml – dokumenten får standardtexter i sidhuvud och underskrift.")
    return lines


def run_history(outputs: Path, slug: str, shown: int = 5) -> list[str]:
    """The project's run folders and their status; a ``pågår`` run whose process is gone shows as ``avbruten``."""
    base = outputs / slug
    runs = sorted((p for p in base.iterdir() if p.is_dir() and not p.name.startswith(".")),
                  key=lambda p: p.name, reverse=True) if base.is_dir() else []
    if not runs:
        return [f"Körningar: inga ännu i {base}."]
    lines = [f"Körningar i {base} ({len(runs)}, de senaste först):"]
    for run_dir in runs[:shown]:
        try:
            manifest = archive.read_manifest(run_dir)
        except (OSError, ValueError):
            lines.append(f"  {run_dir.name}: manifest.json saknas eller går inte att läsa")
            continue
        status = archive.shown_status(manifest)
        note = ""
        if status == archive.STATUS_ABANDONED:
            proc = manifest.get("process") or {}
            note = f" (processen {proc.get('pid')} på {proc.get('värd')} finns inte längre; körningen blev aldrig klar)"
        elif status == archive.STATUS_FAILED and manifest.get("fel"):
            note = f": {str(manifest['fel']).splitlines()[0]}"
        lines.append(f"  {run_dir.name}: {status}{note}")
    return lines
