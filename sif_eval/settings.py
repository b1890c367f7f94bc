"""Settings from the environment, read once into a frozen value.

Nothing else in the package reads ``os.environ`` for sif-eval's own
variables; tests that need another value build a :class:`Settings` with
:func:`from_environ` on a mapping of their own.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

Renderer = Literal["auto", "inbyggd"]

ROOT_ENV = "SIF_EVAL_ROOT"
TIMEOUT_ENV = "SIF_EVAL_NOTEBOOK_TIMEOUT"
RENDERER_ENV = "SIF_EVAL_RENDERER"
DEFAULT_TIMEOUT_S = 600


@dataclass(frozen=True)
class Settings:
    """What the environment says, once: the repository root, the notebook timeout, the renderer."""

    root: Path | None = None
    notebook_timeout_s: int = DEFAULT_TIMEOUT_S
    renderer: Renderer = "auto"
    timeout_problem: str | None = None  # a malformed timeout, reported by the run instead of ignored
    cache: Path = Path.home() / ".cache" / "sif-eval"  # isolated environments for `reproduce --isolerat`


def from_environ(environ: Mapping[str, str]) -> Settings:
    """Read sif-eval's variables from ``environ`` (``os.environ`` at import)."""
    root = environ.get(ROOT_ENV, "").strip()
    raw = environ.get(TIMEOUT_ENV, "").strip()
    timeout = DEFAULT_TIMEOUT_S
    problem = None
    if raw:
        if raw.isdigit() and int(raw) > 0:
            timeout = int(raw)
        else:
            problem = f"'{raw[:40]}' är inget antal sekunder."
    renderer: Renderer = "inbyggd" if environ.get(RENDERER_ENV, "").strip().lower() in ("inbyggd", "builtin") else "auto"
    cache_base = environ.get("XDG_CACHE_HOME", "").strip()
    cache = (Path(cache_base) if cache_base else Path.home() / ".cache") / "sif-eval"
    return Settings(root=Path(root) if root else None, notebook_timeout_s=timeout, renderer=renderer,
                    timeout_problem=problem, cache=cache)


SETTINGS = from_environ(os.environ)
