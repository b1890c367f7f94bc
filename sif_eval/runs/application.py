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
from ..inputs.application import load_application
from . import archive, lifecycle
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
    params = {"projekt": str(project_dir), "slug": app.project.slug, "rapportdatum": report_date.isoformat(),
              "mallar": str(source_set.root)}
    files = list(app.files) + [f for f in economics_files(project_dir) if f not in app.files]
    with lifecycle.interruptible() as interruption:  # the same life as a project run: complete, then renamed
        manifest = archive.open_run(outputs, app.project.slug, KIND, params,
                                    prepare=lambda staging: {"indata": archive.copy_inputs(files, staging)})
        run_dir = manifest.run_dir
        try:
            run_set, template_sums = archive.copy_templates(source_set, run_dir)
            manifest.update(mallar=template_sums)
            archive.write_json(run_dir / PLAN_FILE, plan)
            say("Skapar projektplanen …")
            rendered = render_projektplan(plan, run_dir, report_date, run_set, app.municipality)
            manifest.update(renderare=rendered.renderer,
                            dokument=[str(p.relative_to(run_dir)) for p in (rendered.docx, rendered.pdf)])
            manifest.finish(archive.STATUS_DONE)
        except BaseException as exc:
            error = lifecycle.failed(manifest, exc, interruption, prefix="Ansökan kunde inte skapas")
            if error is exc:
                raise
            raise error from exc
    return ApplicationOutcome(run_dir=run_dir, documents=(rendered.docx, rendered.pdf), plan=plan,
                              seconds=time.perf_counter() - t0)
