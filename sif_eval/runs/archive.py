"""Run folders: created once, never overwritten, marked complete only at the end.

A run folder ``outputs/<slug>/<run-id>/`` holds a copy of the inputs, the
executed notebook, ``resultat.json``, figures, documents and ``manifest.json``.
Files are written to a temporary name and renamed, so a reader never sees half
a file, and ``status`` stays ``pågår``/``misslyckad`` unless the run finished.
"""

from __future__ import annotations

import datetime as dt
import errno
import hashlib
import json
import os
import platform
import shutil
import socket
import sys
import uuid
from collections.abc import Callable
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any

from .. import paths
from ..atomic import write_atomic, write_json  # noqa: F401 - part of this module's API
from ..errors import OutputsUnusable, SifEvalError, interrupted_reason
from ..model import RunStatus
from . import codearchive

KEY_PACKAGES = ("sif-eval", "papermill", "pandas", "numpy", "scipy", "statsmodels", "matplotlib", "jinja2",
                "python-docx", "pypandoc-binary", "typst", "babel", "pyyaml", "openpyxl", "ipykernel")

STATUS_RUNNING: RunStatus = "pågår"
STATUS_DONE: RunStatus = "klar"
STATUS_FAILED: RunStatus = "misslyckad"
STATUS_ABANDONED = "avbruten"  # shown, never written: a `pågår` run whose process is gone


def sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


_INSTALLED: dict[str, tuple[tuple[tuple[str, int], ...], dict[str, str]]] = {}


def _installation() -> tuple[tuple[str, int], ...]:
    """The import path's folders and their modification times: an install or uninstall changes one of them."""
    stamp = []
    for entry in sys.path:
        try:
            stamp.append((entry, os.stat(entry or ".").st_mtime_ns))
        except OSError:
            continue
    return tuple(stamp)


def _cached(name: str, compute: Callable[[], dict[str, str]]) -> dict[str, str]:
    """``compute()`` once per process while the installation is unchanged (a batch worker asks per project)."""
    stamp = _installation()
    hit = _INSTALLED.get(name)
    if hit is None or hit[0] != stamp:
        hit = _INSTALLED[name] = (stamp, compute())
    return dict(hit[1])


def package_versions() -> dict[str, str]:
    """Python's and the key packages' versions, pandoc's too."""
    return _cached("versioner", _package_versions)


def _package_versions() -> dict[str, str]:
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
    """Create a fresh, unique, empty run folder (kept for scripts; runs use :func:`open_run`)."""
    now = now or dt.datetime.now()
    base = run_base(outputs, slug)
    stamp = now.strftime("%Y%m%dT%H%M%S")
    for n in range(1000):
        candidate = base / (stamp if n == 0 else f"{stamp}-{n}")
        try:
            candidate.mkdir()
        except FileExistsError:
            continue
        return candidate
    raise OutputsUnusable(f"Kunde inte skapa en ny körningsmapp under {base}.")


def describe_os_error(exc: OSError) -> str:
    """A Swedish sentence for a file-system error: what happened, to which file, what to do."""
    where = f" ({exc.filename})" if exc.filename else ""
    if exc.errno == errno.ENOSPC or exc.errno == errno.EDQUOT:
        return f"Disken är full{where}. Frigör utrymme och kör igen."
    if exc.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
        return f"Saknar rätt att skriva{where}. Ange en mapp du kan skriva i, t.ex. med --outputs."
    if exc.errno in (errno.ENOTDIR, errno.EEXIST):
        return f"En fil står där en mapp behövs{where}. Flytta eller byt namn på filen, eller ange en annan --outputs."
    return f"Fel vid läsning eller skrivning{where}: {exc.strerror or exc}."


def run_base(outputs: Path, slug: str) -> Path:
    """``outputs/<slug>/``, created; a file in the way or a folder we may not write to is the user's to fix."""
    base = outputs / slug
    for folder in (outputs, base):
        if folder.exists() and not folder.is_dir():
            raise OutputsUnusable(f"{folder} är en fil, inte en mapp. Flytta eller byt namn på filen, eller ange "
                                  "en annan mapp med --outputs.")
    try:
        base.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise OutputsUnusable(f"Kan inte skapa körningsmappar i {outputs}: {describe_os_error(exc)}") from exc
    if not os.access(base, os.W_OK | os.X_OK):
        raise OutputsUnusable(f"Saknar rätt att skriva i {base}. Ange en mapp du kan skriva i med --outputs.")
    return base


def usable_outputs(outputs: Path) -> None:
    """Create ``outputs`` if needed and make sure runs can be written there; :class:`OutputsUnusable` if not."""
    if outputs.exists() and not outputs.is_dir():
        raise OutputsUnusable(f"{outputs} är en fil, inte en mapp. Ange en mapp med --outputs.")
    try:
        outputs.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise OutputsUnusable(f"Kan inte skapa {outputs}: {describe_os_error(exc)}") from exc
    if not os.access(outputs, os.W_OK | os.X_OK):
        raise OutputsUnusable(f"Saknar rätt att skriva i {outputs}. Ange en mapp du kan skriva i med --outputs.")


def failure_reason(exc: BaseException) -> str:
    """The Swedish reason a failed run records: never a traceback, never just an exception's class name."""
    if isinstance(exc, SifEvalError):
        return str(exc).split("\nKörningen är markerad som misslyckad", 1)[0]
    if isinstance(exc, KeyboardInterrupt):
        return interrupted_reason(2)
    if isinstance(exc, OSError):
        return describe_os_error(exc)
    if isinstance(exc, MemoryError):
        return "Minnet tog slut. Kör på en dator med mer minne eller med färre parallella projekt (--workers)."
    return f"{type(exc).__name__}: {exc}"


def open_run(outputs: Path, slug: str, kind: str, parameters: dict[str, Any], *,
             prepare: Callable[[Path], dict[str, Any]] | None = None,
             extra: dict[str, Any] | None = None, now: dt.datetime | None = None) -> Manifest:
    """Create the run folder complete, then rename it into place: a run folder never lacks its manifest.

    The folder is built under a hidden name (``.ny-…``) with the archived
    sif-eval (``kod/``), whatever ``prepare`` puts there (the inputs, validated
    as copies) and ``manifest.json``; only then is it renamed to
    ``<run-id>``.  Anything raised on the way removes it entirely.
    """
    base = run_base(outputs, slug)
    staging = base / f".ny-{os.getpid()}-{uuid.uuid4().hex[:8]}"
    published: Manifest | None = None
    try:
        try:
            staging.mkdir()
        except OSError as exc:
            raise OutputsUnusable(f"Kan inte skapa en körningsmapp i {base}: {describe_os_error(exc)}") from exc
        fields: dict[str, Any] = {"kod": codearchive.archive_code(staging)}
        if prepare is not None:
            fields.update(prepare(staging))
        fields.update(extra or {})
        manifest = Manifest.start(staging, kind, parameters, **fields)
        manifest.publish(base, now)
        published = manifest
        return manifest
    except BaseException as exc:
        if published is not None:  # a signal just after the rename: the folder says what happened
            published.finish(STATUS_FAILED, failure_reason(exc))
        shutil.rmtree(staging, ignore_errors=True)
        if isinstance(exc, OSError):
            raise OutputsUnusable(f"Körningsmappen kunde inte skapas i {base}: {describe_os_error(exc)}") from exc
        raise


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
    return _cached("miljö", _environment_lock)


def _environment_lock() -> dict[str, str]:
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
            "process": process_identity(),
            **extra,
        }
        m = cls(run_dir, data)
        m.save()
        return m

    def publish(self, base: Path, now: dt.datetime | None = None) -> None:
        """Rename the complete staging folder to a fresh ``<run-id>`` under ``base``."""
        stamp = (now or dt.datetime.now()).strftime("%Y%m%dT%H%M%S")
        for n in range(1000):
            run_id = stamp if n == 0 else f"{stamp}-{n}"
            target = base / run_id
            if target.exists():
                continue
            self.data["run_id"] = run_id
            self.save()
            try:
                os.rename(self.run_dir, target)
            except OSError as exc:
                if exc.errno in (errno.EEXIST, errno.ENOTEMPTY):
                    continue
                raise
            self.run_dir = target
            return
        raise OutputsUnusable(f"Kunde inte skapa en ny körningsmapp under {base}.")

    def update(self, **fields: Any) -> None:
        self.data.update(fields)
        self.save()

    def finish(self, status: RunStatus, error: str | None = None) -> str | None:
        """Mark the run; returns None, or (for a failed run) why the manifest itself could not be written."""
        self.data["status"] = status
        self.data["fel"] = error
        self.data["slut"] = dt.datetime.now().astimezone().isoformat(timespec="seconds")
        if status == STATUS_DONE:
            self.data["utdata"] = {
                str(p.relative_to(self.run_dir)): sha256(p)
                for p in sorted(self.run_dir.rglob("*"))
                if p.is_file() and p.name != paths.MANIFEST and not p.name.startswith(".")
            }
        if status == STATUS_DONE:
            self.save()
            return None
        try:
            self.save()
        except OSError as exc:  # a full disk may refuse even the manifest; the caller says so
            return describe_os_error(exc)
        return None

    def save(self) -> None:
        write_json(self.run_dir / paths.MANIFEST, self.data)


def read_manifest(run_dir: Path) -> dict[str, Any]:
    """A run's manifest; ``ValueError`` (in Swedish) when it is not a JSON object."""
    data = json.loads((run_dir / paths.MANIFEST).read_text(encoding="utf-8"))
    if not isinstance(data, dict):
        raise ValueError(f"{run_dir / paths.MANIFEST} är inget manifest (väntade ett JSON-objekt, fann "
                         f"{type(data).__name__}).")
    return data


def process_identity() -> dict[str, Any]:
    """Who is running this run: host, pid and the process's start time (so a reused pid is not mistaken)."""
    return {"värd": socket.gethostname(), "pid": os.getpid(), "starttid": _process_start(os.getpid())}


def _process_start(pid: int) -> str | None:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[19]
    except (OSError, IndexError):
        return None


def process_alive(identity: dict[str, Any] | None) -> bool | None:
    """Is the run's process still there? None when it cannot be told (another host, or no record)."""
    if not isinstance(identity, dict) or identity.get("värd") != socket.gethostname():
        return None
    pid = identity.get("pid")
    if not isinstance(pid, int) or pid <= 0:
        return None
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        pass  # someone else's process with that pid
    started = identity.get("starttid")
    return started is None or _process_start(pid) in (None, started)


def shown_status(manifest: dict[str, Any]) -> str:
    """The status to show: ``pågår`` whose process is gone is ``avbruten``."""
    status = str(manifest.get("status"))
    if status == STATUS_RUNNING and process_alive(manifest.get("process")) is False:
        return STATUS_ABANDONED
    return status


def damaged_files(run_dir: Path, manifest: dict[str, Any],
                  sections: tuple[str, ...] = ("indata", "mallar", "utdata")) -> list[str]:
    """Every archived file that is missing or whose SHA-256 no longer matches the manifest (Swedish)."""
    problems = []
    for section in sections:
        listed = manifest.get(section)
        if not isinstance(listed, dict) or not listed:
            problems.append(f"manifestet saknar förteckningen '{section}'")
            continue
        for rel, digest in listed.items():
            f = run_dir / rel
            if not f.is_file():
                problems.append(f"{rel} saknas")
            elif sha256(f) != digest:
                problems.append(f"{rel} har ändrats sedan körningen (SHA-256 stämmer inte)")
    return problems


def abandoned_runs(base: Path) -> list[Path]:
    """Run folders under ``outputs/<slug>/`` that say ``pågår`` but whose process is gone."""
    found = []
    for run_dir in sorted(p for p in base.iterdir() if p.is_dir() and not p.name.startswith(".")) \
            if base.is_dir() else []:
        try:
            if shown_status(read_manifest(run_dir)) == STATUS_ABANDONED:
                found.append(run_dir)
        except (OSError, ValueError):
            continue
    return found
