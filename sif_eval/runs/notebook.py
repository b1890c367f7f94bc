"""The one Papermill executor: project runs, the consolidated run and reproduce all go through it.

One timeout (``SIF_EVAL_NOTEBOOK_TIMEOUT``, read once in :mod:`sif_eval.settings`)
and one retry policy: a kernel that never came up is started once more, since
no cell has run yet; a cell that fails is never retried.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from ..errors import InputError, Problem, RunFailed
from ..settings import SETTINGS, TIMEOUT_ENV, Settings
from .kernel import ensure_kernel

START_TIMEOUT_S = 120
_KERNEL_START = re.compile(r"Kernel didn't respond|Kernel died before replying|kernel_info|failed to start", re.I)


def notebook_timeout(settings: Settings = SETTINGS) -> int:
    """Seconds a cell may run; a malformed setting is the user's to fix."""
    if settings.timeout_problem:
        raise InputError(Problem(f"miljövariabeln {TIMEOUT_ENV}", settings.timeout_problem,
                                 hint="Ange ett heltal större än 0, t.ex. 1200, eller ta bort variabeln."))
    return settings.notebook_timeout_s


def kernel_failed_to_start(exc: BaseException) -> bool:
    """True when a Papermill run broke because the kernel never came up (worth one retry)."""
    seen: BaseException | None = exc
    while seen is not None:
        if type(seen).__name__ == "DeadKernelError" or _KERNEL_START.search(str(seen)):
            return True
        seen = seen.__cause__ or seen.__context__
    return False


def execute(notebook: Path, out: Path, parameters: Mapping[str, Any], cwd: Path, *,
            say: Callable[[str], None] = lambda _m: None, settings: Settings = SETTINGS) -> None:
    """Run ``notebook`` on the pinned kernel into ``out``; raise :class:`RunFailed` naming the failed cell."""
    import papermill as pm

    timeout = notebook_timeout(settings)
    kernel = ensure_kernel()
    for attempt in (1, 2):
        try:
            pm.execute_notebook(str(notebook), str(out), parameters=dict(parameters), kernel_name=kernel,
                                language="python", cwd=str(cwd), progress_bar=False, log_output=False,
                                execution_timeout=timeout, start_timeout=START_TIMEOUT_S)
            return
        except pm.PapermillExecutionError as exc:
            raise RunFailed(f"Anteckningsboken stoppade i cell {exc.cell_index}: {exc.ename}: {exc.evalue}. "
                            f"Se {out}.", str(cwd)) from exc
        except Exception as exc:
            if attempt == 1 and kernel_failed_to_start(exc):
                say("Kärnan startade inte; försöker en gång till …")
                continue
            raise
