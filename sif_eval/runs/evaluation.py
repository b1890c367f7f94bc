"""One project's analysis: every indicator estimated, drawn and collected.

This is what the notebook calls; it writes ``resultat.json`` and the figures
into the run folder and returns the immutable :class:`ProjectResult`.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
from pathlib import Path

from .. import paths
from ..analysis import estimate as analysis
from ..economics import api as economics
from ..figures import designs as design_figures
from ..figures import effects as figures
from ..figures.economics import plot_cumulative, plot_tornado
from ..inputs.project import LoadedProject
from ..model import ProjectResult
from ..privacy import small_numbers as privacy
from .archive import write_json


def analyse(loaded: LoadedProject, out_dir: Path | str, report_date: dt.date | str) -> ProjectResult:
    """Estimate every indicator, save its figure, write ``resultat.json``."""
    out_dir = Path(out_dir)
    fig_dir = out_dir / paths.RUN_FIGURES
    fig_dir.mkdir(parents=True, exist_ok=True)
    project, obs = loaded.project, loaded.observations
    if isinstance(report_date, str):
        report_date = dt.date.fromisoformat(report_date)
    effects = []
    threshold = loaded.municipality.minsta_antal
    verdict = privacy.assess(obs, threshold, project.indikatorer) if len(obs) else privacy.SmallNumbers(threshold)
    for ind in project.indikatorer:
        rows = obs[obs["indikator"] == ind.id].reset_index(drop=True)
        effect = analysis.estimate(rows, ind)
        decided = verdict.get(ind.id)
        hidden: frozenset[tuple[str, str]] = frozenset()
        if decided is not None:
            # The same verdict and sentences as `validera` (privacy.assess); the result keeps what was hidden.
            flags: tuple[tuple[str, float | int | None], ...] = (("minsta_antal", threshold),)
            if decided.withheld:
                flags += (("röjanderisk", 1),)
            if decided.grund == "okänd":
                flags += (("gruppstorlek_okänd", 1),)
            if decided.dolda:
                flags += (("dolda_punkter", len(decided.dolda)),)
            effect = dataclasses.replace(effect, beskrivande=effect.beskrivande + flags,
                                         varningar=effect.varningar + tuple(decided.notes()))
            hidden = decided.hidden_cells
        fig_name = f"{ind.id}.png"
        if effect.design == "stegvis" and effect.händelsetid:
            alt = design_figures.plot_staggered(effect, ind, fig_dir / fig_name)
        elif effect.design == "syntetisk" and effect.syntetisk_bana:
            alt = design_figures.plot_synthetic(effect, ind, fig_dir / fig_name)
        else:
            alt = figures.plot_effect(rows, effect, ind, fig_dir / fig_name, insatsstart=project.insatsstart,
                                      hidden=hidden)
        effect = dataclasses.replace(effect, figur=f"{paths.RUN_FIGURES}/{fig_name}", figur_alt=alt)
        es_name = f"{ind.id}_handelsestudie.png"
        es_alt = None if hidden else figures.plot_event_study(effect, fig_dir / es_name)  # per period: no hiding
        if es_alt:
            effect = dataclasses.replace(effect, figur_händelsestudie=f"{paths.RUN_FIGURES}/{es_name}",
                                         figur_händelsestudie_alt=es_alt)
        effects.append(effect)
    warnings: list[str] = []
    directory = loaded.directory or Path(".")
    settings = dict(project.extra)
    budget = economics.load_budget(directory, settings=settings)
    calc = economics.calculate(directory, settings=settings, effects={e.indikator: e for e in effects})
    kalkyl = None
    if calc is not None:
        kalkyl = calc.to_dict()
        kalkyl["figur_kumulativ"] = f"{paths.RUN_FIGURES}/kalkyl_kumulativ.png"
        kalkyl["figur_kumulativ_alt"] = plot_cumulative(calc, fig_dir / "kalkyl_kumulativ.png")
        kalkyl["figur_tornado"] = f"{paths.RUN_FIGURES}/kalkyl_tornado.png"
        kalkyl["figur_tornado_alt"] = plot_tornado(calc, fig_dir / "kalkyl_tornado.png")
    if budget is None and calc is None:
        warnings.append("Projektet saknar ekonomiska uppgifter (ekonomi.csv och en kalkyl i projekt.yaml eller "
                        "kalkyl.yaml), så rapporten har ingen ekonomisk kalkyl.")
    result = ProjectResult(
        projekt=project.projekt,
        diarienummer=project.diarienummer,
        slug=project.slug,
        ansvarig_nämnd=project.ansvarig_nämnd,
        handläggare=project.handläggare,
        insatsstart=project.insatsstart.isoformat(),
        rapportdatum=report_date.isoformat(),
        effekter=tuple(effects),
        varningar=tuple(warnings),
        beskrivning=project.beskrivning,
        målgrupp=project.målgrupp,
        rapporttyp=project.rapporttyp,
        ekonomi=None if budget is None else budget.to_dict(),
        kalkyl=kalkyl,
        extra=tuple((k, v) for k, v in project.extra if k not in ("kalkyl", "ekonomi")),
    )
    write_json(out_dir / paths.RESULT, result.to_dict())
    return result


def read_result(run_dir: Path | str) -> ProjectResult:
    """A run's ``resultat.json`` as the immutable value documents are rendered from."""
    return ProjectResult.from_dict(json.loads((Path(run_dir) / paths.RESULT).read_text(encoding="utf-8")))
