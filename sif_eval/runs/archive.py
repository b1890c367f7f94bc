"""Run folders: created once, never overwritten, marked complete only at the end.

A run folder ``outputs/<slug>/<run-id>/`` holds a copy of the inputs, the
executed notebook, ``resultat.json``, figures, documents and ``manifest.json``.
Files are written to a temporary name and renamed, so a reader never sees half
a file, and ``status`` stays ``pågår``/``misslyckad`` unless the run finished.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import platform
import shutil
import sys
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any

from .. import paths
from ..atomic import write_atomic, write_json  # noqa: F401 - part of this module's API
from ..model import RunStatus

KEY_PACKAGES = ("sif-eval", "papermill", "pandas", "numpy", "scipy", "statsmodels", "matplotlib", "jinja2",
                "python-docx", "pypandoc-binary", "typst", "babel", "pyyaml", "openpyxl", "ipykernel")

STATUS_RUNNING: RunStatus = "pågår"
STATUS_DONE: RunStatus = "klar"
STATUS_FAILED: RunStatus = "misslyckad"


def sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def package_versions() -> dict[str, str]:
    out = {"python": platform.python_version()}
    for name in KEY_PACKAGES:
        try:
            out[name] = version(name)
        except PackageNotFoundError:
            out[name] = "saknas"
    try:
        import pypandoc

        out["pandoc"] = pypandoc.get_pandoc_version()
    except Exception:  # noqa: BLE001 - a missing pandoc is reported by the renderer
        out["pandoc"] = "saknas"
    return out


def new_run_dir(outputs: Path, slug: str, now: dt.datetime | None = None) -> Path:
    """Create a fresh, unique run folder; an existing one is never reused."""
    now = now or dt.datetime.now()
    base = outputs / slug
    base.mkdir(parents=True, exist_ok=True)
    stamp = now.strftime("%Y%m%dT%H%M%S")
    for n in range(1000):
        run_id = stamp if n == 0 else f"{stamp}-{n}"
        candidate = base / run_id
        try:
            candidate.mkdir()
        except FileExistsError:
            continue
        return candidate
    raise RuntimeError(f"Kunde inte skapa en ny körningsmapp under {base}.")


def copy_inputs(files: list[Path] | tuple[Path, ...], run_dir: Path) -> dict[str, str]:
    """Copy the inputs used into the run folder and return their SHA-256 sums."""
    dest = run_dir / paths.RUN_INPUTS
    dest.mkdir(exist_ok=True)
    sums: dict[str, str] = {}
    for f in files:
        target = dest / f.name
        shutil.copyfile(f, target)
        sums[f"{paths.RUN_INPUTS}/{f.name}"] = sha256(target)
    return sums


def copy_templates(source: paths.TemplateSet, run_dir: Path) -> tuple[paths.TemplateSet, dict[str, str]]:
    """Archive the templates, notebooks and format options into ``<run>/mallar/``."""
    dest_root = run_dir / paths.RUN_TEMPLATES
    sums: dict[str, str] = {}
    for f in source.files():
        rel = f.relative_to(source.root)
        target = dest_root / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(f, target)
        sums[f"{paths.RUN_TEMPLATES}/{rel.as_posix()}"] = sha256(target)
    return paths.TemplateSet(dest_root), sums


def environment_lock() -> dict[str, str]:
    """Every installed distribution and its version: enough to rebuild the environment."""
    from importlib.metadata import distributions

    found: dict[str, str] = {}
    for dist in distributions():
        name = dist.metadata.get("Name")
        if name:
            found[name.lower()] = dist.version
    return dict(sorted(found.items()))


class Manifest:
    """The run's ``manifest.json``; rewritten atomically at each step."""

    def __init__(self, run_dir: Path, data: dict[str, Any]):
        self.run_dir = run_dir
        self.data = data

    @classmethod
    def start(cls, run_dir: Path, kind: str, parameters: dict[str, Any], **extra: Any) -> Manifest:
        data = {
            "sif_eval_manifest": 1,
            "typ": kind,
            "run_id": run_dir.name,
            "status": STATUS_RUNNING,
            "start": dt.datetime.now().astimezone().isoformat(timespec="seconds"),
            "slut": None,
            "parametrar": parameters,
            "indata": {},
            "utdata": {},
            "versioner": package_versions(),
            "miljö": environment_lock(),
            "plattform": {"system": platform.system(), "maskin": platform.machine(),
                          "python_implementation": platform.python_implementation(),
                          "executable": sys.executable},
            "renderare": None,
            "fel": None,
            **extra,
        }
        m = cls(run_dir, data)
        m.save()
        return m

    def update(self, **fields: Any) -> None:
        self.data.update(fields)
        self.save()

    def finish(self, status: RunStatus, error: str | None = None) -> None:
        self.data["status"] = status
        self.data["fel"] = error
        self.data["slut"] = dt.datetime.now().astimezone().isoformat(timespec="seconds")
        if status == STATUS_DONE:
            self.data["utdata"] = {
                str(p.relative_to(self.run_dir)): sha256(p)
                for p in sorted(self.run_dir.rglob("*"))
                if p.is_file() and p.name != paths.MANIFEST and not p.name.startswith(".")
            }
        self.save()

    def save(self) -> None:
        write_json(self.run_dir / paths.MANIFEST, self.data)


def read_manifest(run_dir: Path) -> dict[str, Any]:
    return json.loads((run_dir / paths.MANIFEST).read_text(encoding="utf-8"))
