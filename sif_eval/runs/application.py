"""``sif-eval ansökan``: an application's projektplan and plan.json, archived like any run.

No outcome data are needed: the kalkyl is ex ante (assumed effects) and the
evaluation plan is judged by simulating the planned analysis.  The run folder
is ``outputs/<slug>/<run-id>/`` with ``indata/``, ``mallar/``, ``plan.json``
and ``dokument/projektplan.docx`` and ``.pdf``; it is marked ``misslyckad``
unless every step succeeded, like a project run.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .. import paths
from ..documents.application import render_projektplan
from ..economics.api import economics_files
from ..errors import RunFailed, SifEvalError
from ..inputs.application import load_application
from . import archive
from .plan import build_plan

PLAN_FILE = "plan.json"
KIND = "ansökan"


@dataclass(frozen=True)
class ApplicationOutcome:
    run_dir: Path
    documents: tuple[Path, ...]
    plan: dict[str, Any]
    seconds: float


def run_application(project_dir: Path | str, outputs: Path | str | None = None,
                    report_date: dt.date | str | None = None, *, templates: Path | None = None,
                    progress: Callable[[str], None] | None = None) -> ApplicationOutcome:
    """Validate the application, compute the plan, render the projektplan, archive it all."""
    t0 = time.perf_counter()
    say = progress or (lambda _msg: None)
    project_dir = Path(project_dir).resolve()
    outputs = Path(outputs).resolve() if outputs else paths.OUTPUTS
    report_date = dt.date.fromisoformat(str(report_date)) if report_date else dt.date.today()
    source_set = paths.TemplateSet(templates or paths.ROOT)
    say("Kontrollerar ansökan …")
    app = load_application(project_dir)  # InputError before anything is written
    say("Beräknar kalkylen och vad utvärderingen kan upptäcka …")
    plan = build_plan(app)  # an InputError in kalkyl.yaml also stops here, before a folder exists
    run_dir = archive.new_run_dir(outputs, app.project.slug)
    params = {"projekt": str(project_dir), "slug": app.project.slug, "rapportdatum": report_date.isoformat(),
              "mallar": str(source_set.root)}
    manifest = archive.Manifest.start(run_dir, KIND, params)
    try:
        files = list(app.files) + [f for f in economics_files(project_dir) if f not in app.files]
        manifest.update(indata=archive.copy_inputs(files, run_dir))
        run_set, template_sums = archive.copy_templates(source_set, run_dir)
        manifest.update(mallar=template_sums)
        archive.write_json(run_dir / PLAN_FILE, plan)
        say("Skapar projektplanen …")
        rendered = render_projektplan(plan, run_dir, report_date, run_set, app.municipality)
        manifest.update(renderare=rendered.renderer,
                        dokument=[str(p.relative_to(run_dir)) for p in (rendered.docx, rendered.pdf)])
        manifest.finish(archive.STATUS_DONE)
    except BaseException as exc:
        reason = str(exc) if isinstance(exc, SifEvalError) else f"{type(exc).__name__}: {exc}"
        manifest.finish(archive.STATUS_FAILED, reason)
        if isinstance(exc, KeyboardInterrupt):
            raise
        raise RunFailed(f"Ansökan kunde inte skapas: {reason}", str(run_dir)) from exc
    return ApplicationOutcome(run_dir=run_dir, documents=(rendered.docx, rendered.pdf), plan=plan,
                              seconds=time.perf_counter() - t0)
