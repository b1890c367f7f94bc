"""The one Papermill executor: project runs, the consolidated run and reproduce all go through it.

Every notebook runs in a :class:`~sif_eval.runs.warm.WarmKernel`: a batch
worker passes its own, kept between projects; otherwise a kernel is started
here (or was started earlier in the background by the caller) and stopped
afterwards.  Before each notebook the kernel is reset to a fresh kernel's
state.  One timeout (``SIF_EVAL_NOTEBOOK_TIMEOUT``, read once in
:mod:`sif_eval.settings`) and one retry policy: a kernel that never came up,
died or timed out is replaced and the notebook run once more; a cell that
raises is never retried.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from ..errors import InputError, Problem, RunFailed
from ..paths import KERNEL_NAME
from ..settings import SETTINGS, TIMEOUT_ENV, Settings
from .warm import BARE_PRELOAD, START_TIMEOUT_S, WarmKernel, engine_name

__all__ = ["START_TIMEOUT_S", "execute", "kernel_failed_to_start", "kernel_trouble", "notebook_timeout"]

_KERNEL_START = re.compile(r"Kernel didn't respond|Kernel died before replying|kernel_info|failed to start", re.I)
_KERNEL_LOST = ("DeadKernelError", "CellTimeoutError", "KernelStartFailed")


def notebook_timeout(settings: Settings = SETTINGS) -> int:
    """Seconds a cell may run; a malformed setting is the user's to fix."""
    if settings.timeout_problem:
        raise InputError(Problem(f"miljövariabeln {TIMEOUT_ENV}", settings.timeout_problem,
                                 hint="Ange ett heltal större än 0, t.ex. 1200, eller ta bort variabeln."))
    return settings.notebook_timeout_s


def _chain(exc: BaseException) -> list[BaseException]:
    seen: list[BaseException] = []
    e: BaseException | None = exc
    while e is not None and e not in seen:
        seen.append(e)
        e = e.__cause__ or e.__context__
    return seen


def kernel_failed_to_start(exc: BaseException) -> bool:
    """True when a run broke because the kernel never came up or died (worth one retry)."""
    return any(type(e).__name__ in ("DeadKernelError", "KernelStartFailed") or _KERNEL_START.search(str(e))
               for e in _chain(exc))


def kernel_trouble(exc: BaseException) -> bool:
    """The kernel, not the notebook, failed: it never came up, died, or a cell timed out."""
    if isinstance(exc, (KeyboardInterrupt, SystemExit)):
        return False
    return kernel_failed_to_start(exc) or any(type(e).__name__ in _KERNEL_LOST for e in _chain(exc))


def execute(notebook: Path, out: Path, parameters: Mapping[str, Any], cwd: Path, *,
            kernel: WarmKernel | None = None, say: Callable[[str], None] = lambda _m: None,
            settings: Settings = SETTINGS) -> None:
    """Run ``notebook`` into ``out`` in ``kernel`` (or a kernel of its own); :class:`RunFailed` names the failed cell."""
    import papermill as pm

    timeout = notebook_timeout(settings)
    own = kernel is None
    warm = WarmKernel(BARE_PRELOAD).start_in_background() if kernel is None else kernel
    engine = engine_name()
    try:
        for attempt in (1, 2):
            try:
                warm.reset(cwd)
                # The notebook is written as it starts and when it ends (or fails), not after every cell.
                pm.execute_notebook(str(notebook), str(out), parameters=dict(parameters), kernel_name=KERNEL_NAME,
                                    engine_name=engine, warm=warm, record=str(out), language="python",
                                    progress_bar=False, log_output=False, execution_timeout=timeout,
                                    start_timeout=START_TIMEOUT_S, request_save_on_cell_execute=False)
                if not own:
                    warm.clean_up()  # the next project's reset runs while this one's documents are made
                return
            except pm.PapermillExecutionError as exc:
                raise RunFailed(f"Anteckningsboken stoppade i cell {exc.cell_index}: {exc.ename}: {exc.evalue}. "
                                f"Se {out}.", str(cwd)) from exc
            except BaseException as exc:
                warm.replace()  # stopped mid-notebook: its state is unknown, the next notebook gets a new one
                if attempt == 1 and kernel_trouble(exc):
                    say("Kärnan svarade inte eller dog; startar en ny och kör anteckningsboken en gång till …")
                    continue
                raise
    finally:
        if own:
            warm.shutdown()
