"""Runs *inside* a warm Jupyter kernel: make it look like a fresh one before the next notebook.

A warm kernel keeps its imported modules (that is the point: pandas,
statsmodels, matplotlib and sif_eval are paid for once per worker), but
nothing a notebook did may reach the next: its variables, ``Out``/``_``
history, execution counter, working folder, matplotlib settings, open pyplot
figures and warning filters are put back as they were when the kernel was
new.  sif_eval itself keeps no project data at module level (the only cache,
:func:`sif_eval.swedish._pattern`, holds number patterns), so the modules can
stay.  Nothing here may import pandas or sif_eval modules with project state.
"""

from __future__ import annotations

import os
import sys
import warnings
from typing import Any

_BASELINE: dict[str, Any] = {}


def snapshot() -> None:
    """Remember the fresh kernel's settings (called once, right after the preloaded imports)."""
    import matplotlib

    _BASELINE["rc"] = dict(matplotlib.rcParams)
    _BASELINE["warnings"] = list(warnings.filters)
    _BASELINE["path"] = list(sys.path)


def enter(cwd: str) -> None:
    """Only enter ``cwd``: the rest was done by :func:`reset` right after the previous notebook."""
    os.chdir(cwd)


def reset(cwd: str) -> None:
    """Empty the user namespace, restart the execution count at 1, restore settings, enter ``cwd``.

    Modules a previous notebook imported stay loaded, as in any kernel that
    imported them: a module is code, not a project's data.
    """
    import matplotlib
    from IPython import get_ipython

    if not _BASELINE:
        snapshot()
    shell = get_ipython()
    if shell is not None:
        shell.reset(new_session=True)  # user_ns, Out, _, _i…, and execution_count = 1
    if "matplotlib.pyplot" in sys.modules:
        sys.modules["matplotlib.pyplot"].close("all")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # restoring deprecated rc keys must not warn
        matplotlib.rcParams.clear()
        matplotlib.rcParams.update(_BASELINE["rc"])
    warnings.filters[:] = _BASELINE["warnings"]
    mutated = getattr(warnings, "_filters_mutated", None)
    if mutated is not None:  # forget which warnings were shown "once": the next notebook shows them again
        mutated()
    sys.path[:] = _BASELINE["path"]
    os.chdir(cwd)
