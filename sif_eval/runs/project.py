"""``run_project``: one project from its inputs to an archived run folder.

The CLI, the notebooks' batch and ``reproduce`` all go through this one call.
Validation happens before anything is written; once the run folder exists it
is marked ``misslyckad`` unless every step, documents included, succeeded.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import signal
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from .. import paths
from .. import swedish as sv
from ..analysis import estimate as analysis
from ..documents.report import render_reports
from ..economics import api as economics
from ..errors import InputError, Problem, RunFailed, SifEvalError
from ..inputs.project import LoadedProject, load_project
from ..model import ProjectResult
from . import archive
from .notebook import execute, notebook_timeout


@dataclass(frozen=True)
class RunOutcome:
    """Where a finished run lives and what it produced."""

    run_dir: Path
    documents: tuple[Path, ...]
    renderer: str
    seconds: float


def load_checked(project_dir: Path | str, slug: str | None = None) -> LoadedProject:
    """The project as ``run`` sees it: every input check, the economics' included (``validera`` uses this too)."""
    loaded = load_project(project_dir, slug=slug, checks=(economics.validate,))
    problems = design_problems(loaded)
    if problems:
        raise InputError(problems, project=loaded.project.slug)
    return loaded


def design_problems(loaded: LoadedProject) -> list[Problem]:
    """A forced stegvis/syntetisk design the indicator's data cannot support, said before anything runs."""
    problems = []
    obs = loaded.observations
    for i, ind in enumerate(loaded.project.indikatorer, start=1):
        why = analysis.design_problem(obs[obs["indikator"] == ind.id].reset_index(drop=True), ind)
        if why is not None:
            problems.append(Problem(paths.PROJECT_FILE, f"indikatorn '{ind.id}' har design: {ind.design}, men {sv.lower_first(why)}",
                                    column=f"indikatorer[{i}].design",
                                    hint="Skriv design: auto så väljs en design som data räcker till, eller komplettera "
                                    "data enligt ovan."))
    return problems


def _parse_date(value: dt.date | str | None) -> dt.date:
    if value is None or value == "":
        return dt.date.today()
    if isinstance(value, dt.date):
        return value
    return dt.date.fromisoformat(str(value))


def run_project(project_dir: Path | str, outputs: Path | str | None = None,
                report_date: dt.date | str | None = None, *, templates: Path | None = None,
                slug: str | None = None, notebook: Path | None = None, kind: str = "projekt",
                extra_manifest: dict | None = None,
                progress: Callable[[str], None] | None = None) -> RunOutcome:
    """Validate, execute the notebook with Papermill, render the documents, archive it all.

    ``templates`` is a folder laid out like the repository (``templates/``,
    ``notebooks/``, ``_quarto.yml``); by default the repository itself.  It is
    copied into the run folder first and everything is rendered from that copy.
    """
    t0 = time.perf_counter()
    say = progress or (lambda _msg: None)
    project_dir = Path(project_dir).resolve()
    outputs = Path(outputs).resolve() if outputs else paths.OUTPUTS
    report_date = _parse_date(report_date)
    source_set = paths.TemplateSet(templates or paths.ROOT)

    say("Kontrollerar indata …")
    loaded = load_checked(project_dir, slug=slug)  # raises InputError before anything is written
    notebook_timeout()  # a malformed timeout is the user's to fix, before anything is written
    run_dir = archive.new_run_dir(outputs, loaded.project.slug)
    params = {"projekt": str(project_dir), "slug": loaded.project.slug, "rapportdatum": report_date.isoformat(),
              "mallar": str(source_set.root), "anteckningsbok": (notebook or source_set.notebook()).name}
    manifest = archive.Manifest.start(run_dir, kind, params, **(extra_manifest or {}))
    previous = signal.getsignal(signal.SIGTERM)
    rendered: list = []

    def _terminated(signum, frame):  # a kill mid-run must leave the folder marked failed
        signal.signal(signal.SIGTERM, signal.SIG_IGN)  # a second one must not interrupt the cleanup
        raise RunFailed("Körningen avbröts (SIGTERM).", str(run_dir))

    in_main = _is_main_thread()
    if in_main:
        signal.signal(signal.SIGTERM, _terminated)
    try:
        manifest.update(indata=archive.copy_inputs(loaded.files, run_dir))
        run_set, template_sums = archive.copy_templates(source_set, run_dir)
        manifest.update(mallar=template_sums)
        nb_path = notebook or run_set.notebook()
        say("Kör anteckningsboken …")
        execute(nb_path, run_dir / paths.EXECUTED_NOTEBOOK,
                {"projektmapp": str(run_dir / paths.RUN_INPUTS), "utdatamapp": str(run_dir),
                 "slug": loaded.project.slug, "rapportdatum": report_date.isoformat()},
                run_dir, say=say)
        result = ProjectResult.from_dict(json.loads((run_dir / paths.RESULT).read_text(encoding="utf-8")))
        say("Skapar dokument …")
        rendered = render_reports(result, run_dir, report_date, run_set, loaded.municipality)
        manifest.update(renderare=rendered[0].renderer if rendered else None,
                        dokument=[str(p.relative_to(run_dir)) for r in rendered for p in (r.docx, r.pdf)])
        manifest.finish(archive.STATUS_DONE)
    except BaseException as exc:
        reason = str(exc) if isinstance(exc, SifEvalError) else f"{type(exc).__name__}: {exc}"
        for partial in run_dir.rglob(".*.tmp*"):  # half-written files of an interrupted atomic write
            partial.unlink(missing_ok=True)
        manifest.finish(archive.STATUS_FAILED, reason)
        if isinstance(exc, SifEvalError | KeyboardInterrupt):
            raise
        raise RunFailed(f"Körningen misslyckades: {reason}", str(run_dir)) from exc
    finally:
        if in_main:
            signal.signal(signal.SIGTERM, previous)
    docs = tuple(p for r in rendered for p in (r.docx, r.pdf))
    return RunOutcome(run_dir=run_dir, documents=docs, renderer=rendered[0].renderer if rendered else "",
                      seconds=time.perf_counter() - t0)


def _is_main_thread() -> bool:
    return threading.current_thread() is threading.main_thread() and os.name == "posix"
