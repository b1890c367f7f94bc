"""``run_project``: one project from its inputs to an archived run folder.

The CLI, the notebooks' batch and ``reproduce`` all go through this one call.
Validation happens before anything is written; the inputs are then copied into
the run folder and the copies validated again, before the folder is renamed
into place with its manifest.  Once it exists it is marked ``misslyckad``
unless every step, documents included, succeeded.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from .. import paths
from ..analysis.estimate import design_problems
from ..documents.report import render_reports
from ..economics import api as economics
from ..errors import InputError, Problem
from ..inputs.application import is_application
from ..inputs.project import LoadedProject, load_project
from ..model import ProjectResult
from ..paths import PROJECT_FILE
from . import archive, lifecycle
from .notebook import execute, notebook_timeout
from .warm import PROJECT_PRELOAD, WarmKernel


@dataclass(frozen=True)
class RunOutcome:
    """Where a finished run lives and what it produced."""

    run_dir: Path
    documents: tuple[Path, ...]
    renderer: str
    seconds: float


def load_checked(project_dir: Path | str, slug: str | None = None) -> LoadedProject:
    """The project as ``run`` sees it: every input check, the economics' included (``validera`` uses this too)."""
    if is_application(Path(project_dir)):  # an application has no outcome yet: it has its own command
        raise InputError(Problem(PROJECT_FILE, "projektet är en ansökan (status: ansökan) och har inget utfall att "
                                 "utvärdera.", column="status",
                                 hint=f"Kör 'sif-eval ansökan {project_dir}' för projektplanen, eller ta bort "
                                 "'status: ansökan' när projektet är beviljat och har data i utfall.csv."),
                         project=Path(project_dir).name)
    loaded = load_project(project_dir, slug=slug, checks=(economics.validate,))
    problems = design_problems(loaded.observations, loaded.project.indikatorer)
    if problems:  # a forced design the data cannot support: refused, never silently replaced
        raise InputError(problems, project=loaded.project.slug)
    return loaded


def _parse_date(value: dt.date | str | None) -> dt.date:
    if value is None or value == "":
        return dt.date.today()
    if isinstance(value, dt.date):
        return value
    return dt.date.fromisoformat(str(value))


def _validated_copies(loaded: LoadedProject, slug: str) -> Callable[[Path], dict]:
    """Copy the inputs into the (not yet visible) run folder and validate the copies.

    What the notebook analyses is then exactly what was validated, even if a
    file was replaced after the first check; a problem found here (a
    personnummer, say) removes the whole folder before it is ever visible.
    """
    def prepare(staging: Path) -> dict:
        sums = archive.copy_inputs(loaded.files, staging)
        try:
            load_checked(staging / paths.RUN_INPUTS, slug=slug)
        except InputError as exc:
            originals = {f.name: str(f) for f in loaded.files}
            copies = str(staging / paths.RUN_INPUTS)

            def named(p: Problem) -> Problem:  # name the user's file, not the copy that will be removed
                rel = p.file.removeprefix(copies).lstrip("/")
                return dataclasses.replace(p, file=originals.get(rel, p.file), hint=(
                    (p.hint + " " if p.hint else "") + "Filen ändrades medan körningen startade."))
            raise InputError([named(p) for p in exc.problems], project=exc.project) from None
        return {"indata": sums}
    return prepare


def _warm_up_rendering() -> None:
    """Import what rendering needs and compile a tiny Typst page (its fonts load once per process)."""
    try:
        import docx  # noqa: F401 - python-docx, for the .docx finishing
        import pypandoc
        import typst

        pypandoc.get_pandoc_path()
        with tempfile.TemporaryDirectory(prefix="sif-eval-") as tmp:
            page = Path(tmp) / "uppvarmning.typ"
            page.write_text("#set text(lang: \"sv\")\nSifEval\n", encoding="utf-8")
            typst.compile(str(page), root=tmp, font_paths=[], ignore_system_fonts=True)
    except Exception:  # noqa: BLE001 - only a head start: rendering reports its own errors
        pass


def _prepare_rendering() -> threading.Thread:
    """While the kernel runs the notebook this process waits: warm up the renderer meanwhile."""
    thread = threading.Thread(target=_warm_up_rendering, name="sif-eval-dokument", daemon=True)
    thread.start()
    return thread


def run_project(project_dir: Path | str, outputs: Path | str | None = None,
                report_date: dt.date | str | None = None, *, templates: Path | None = None,
                slug: str | None = None, notebook: Path | None = None, kind: str = "projekt",
                extra_manifest: dict | None = None, kernel: WarmKernel | None = None,
                progress: Callable[[str], None] | None = None) -> RunOutcome:
    """Validate, execute the notebook with Papermill, render the documents, archive it all.

    ``templates`` is a folder laid out like the repository (``templates/``,
    ``notebooks/``, ``_quarto.yml``); by default the repository itself.  It is
    copied into the run folder first and everything is rendered from that copy.
    ``kernel`` is a batch worker's warm kernel; without one, a kernel starts in
    the background now, while the inputs are validated and archived, and is
    stopped at the end.
    """
    t0 = time.perf_counter()
    if kernel is None:
        own = WarmKernel(PROJECT_PRELOAD).start_in_background()
        try:
            return run_project(project_dir, outputs, report_date, templates=templates, slug=slug,
                               notebook=notebook, kind=kind, extra_manifest=extra_manifest, kernel=own,
                               progress=progress)
        finally:
            own.shutdown()
    say = progress or (lambda _msg: None)
    project_dir = Path(project_dir).resolve()
    outputs = Path(outputs).resolve() if outputs else paths.OUTPUTS
    report_date = _parse_date(report_date)
    source_set = paths.TemplateSet(templates or paths.ROOT)

    say("Kontrollerar indata …")
    loaded = load_checked(project_dir, slug=slug)  # raises InputError before anything is written
    notebook_timeout()  # a malformed timeout is the user's to fix, before anything is written
    params = {"projekt": str(project_dir), "slug": loaded.project.slug, "rapportdatum": report_date.isoformat(),
              "mallar": str(source_set.root), "anteckningsbok": (notebook or source_set.notebook()).name}
    rendered: list = []
    with lifecycle.interruptible() as interruption:
        manifest = archive.open_run(outputs, loaded.project.slug, kind, params,
                                    prepare=_validated_copies(loaded, loaded.project.slug), extra=extra_manifest)
        run_dir = manifest.run_dir
        try:
            run_set, template_sums = archive.copy_templates(source_set, run_dir)
            manifest.update(mallar=template_sums)
            nb_path = notebook or run_set.notebook()
            say("Kör anteckningsboken …")
            warming = _prepare_rendering()
            execute(nb_path, run_dir / paths.EXECUTED_NOTEBOOK,
                    {"projektmapp": str(run_dir / paths.RUN_INPUTS), "utdatamapp": str(run_dir),
                     "slug": loaded.project.slug, "rapportdatum": report_date.isoformat()},
                    run_dir, kernel=kernel, say=say)
            manifest.update(kärna=kernel.record())
            result = ProjectResult.from_dict(json.loads((run_dir / paths.RESULT).read_text(encoding="utf-8")))
            warming.join()
            say("Skapar dokument …")
            rendered = render_reports(result, run_dir, report_date, run_set, loaded.municipality)
            manifest.update(renderare=rendered[0].renderer if rendered else None,
                            dokument=[str(p.relative_to(run_dir)) for r in rendered for p in (r.docx, r.pdf)])
            manifest.finish(archive.STATUS_DONE)
        except BaseException as exc:
            error = lifecycle.failed(manifest, exc, interruption)
            if error is exc:
                raise
            raise error from exc
    docs = tuple(p for r in rendered for p in (r.docx, r.pdf))
    return RunOutcome(run_dir=run_dir, documents=docs, renderer=rendered[0].renderer if rendered else "",
                      seconds=time.perf_counter() - t0)
