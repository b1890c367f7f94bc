"""Heavy libraries imported on first use, not when a module is imported.

``sif-eval run`` validates the inputs and renders documents in its own
process while the notebook's estimates run in the kernel: that process needs
``sif_eval.analysis`` for its checks (``design_problems``) but never scipy's
distributions or statsmodels, which cost over a second to import.  A module
writes ``stats = LazyModule("scipy.stats")`` and uses ``stats.t.ppf`` as usual.
"""

from __future__ import annotations

import importlib
from types import ModuleType
from typing import Any


class LazyModule:
    """Stands in for a module until an attribute is first read, then imports it."""

    def __init__(self, name: str) -> None:
        self._name = name
        self._module: ModuleType | None = None

    def __getattr__(self, attr: str) -> Any:
        module = self._module
        if module is None:
            module = self._module = importlib.import_module(self._name)
        return getattr(module, attr)

    def __repr__(self) -> str:
        return f"<LazyModule {self._name} ({'imported' if self._module else 'not yet imported'})>"
