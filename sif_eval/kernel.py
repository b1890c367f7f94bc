"""The Jupyter kernel the project installs and always runs notebooks with.

A kernel name taken from a notebook's metadata breaks on other machines, so
runs use ``sif-eval``, installed into this environment's prefix and pointing
at this very Python.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from .paths import KERNEL_NAME


def kernel_dir() -> Path:
    return Path(sys.prefix) / "share" / "jupyter" / "kernels" / KERNEL_NAME


def ensure_kernel() -> str:
    """Install (or repair) the ``sif-eval`` kernelspec for ``sys.executable``; return its name."""
    spec = kernel_dir() / "kernel.json"
    if spec.exists():
        try:
            if json.loads(spec.read_text(encoding="utf-8"))["argv"][0] == sys.executable:
                return KERNEL_NAME
        except (KeyError, IndexError, ValueError):
            pass
    from ipykernel.kernelspec import install

    install(kernel_name=KERNEL_NAME, display_name="Python (sif-eval)", prefix=sys.prefix)
    return KERNEL_NAME
