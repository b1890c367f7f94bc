"""The Jupyter kernel the project installs and always runs notebooks with.

A kernel name taken from a notebook's metadata breaks on other machines, so
runs use ``sif-eval``, written into this environment's prefix and pointing at
this very Python.  Its log level is ERROR so that a run's output shows our
progress, not the kernel's transport notices.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from ..paths import KERNEL_NAME


def kernel_dir() -> Path:
    return Path(sys.prefix) / "share" / "jupyter" / "kernels" / KERNEL_NAME


def kernel_spec() -> dict:
    return {
        "argv": [sys.executable, "-Xfrozen_modules=off", "-m", "ipykernel_launcher", "-f", "{connection_file}",
                 "--IPKernelApp.log_level=CRITICAL"],
        "display_name": "Python (sif-eval)",
        "language": "python",
        "metadata": {"debugger": True},
    }


def ensure_kernel() -> str:
    """Write (or repair) the ``sif-eval`` kernelspec for ``sys.executable``; return its name."""
    path = kernel_dir() / "kernel.json"
    wanted = kernel_spec()
    try:
        if json.loads(path.read_text(encoding="utf-8")) == wanted:
            return KERNEL_NAME
    except (OSError, ValueError):
        pass
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(wanted, indent=1) + "\n", encoding="utf-8")
    return KERNEL_NAME
