"""``reproduce --isolerat``: re-run an archived run with the code and packages it ran with.

A virtual environment is built from the run's lock (``manifest.json`` →
``miljö``: every installed distribution and its version), with pip and the
package registries it is configured for (``PIP_INDEX_URL``, ``PIP_FIND_LINKS``
and ``pip.conf`` work as usual, so an offline mirror or a wheel folder will
do).  It is cached per lock under ``~/.cache/sif-eval/miljoer/`` (or
``$XDG_CACHE_HOME``), so a second reproduction of a run from the same year
starts at once.  The archived sif-eval wheel (``kod/``) is unpacked next to
it, per wheel, and put first on ``PYTHONPATH``: the run's own ``reproduce``
then runs there, in a child process, and its new run folder is compared by
today's code, so the comparison is the same whichever environment ran.
"""

from __future__ import annotations

import collections
import hashlib
import json
import os
import platform
import shutil
import subprocess
import sys
import venv
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .. import paths
from ..errors import RunFailed, SifEvalError
from ..settings import SETTINGS
from . import archive, codearchive

ENV_DIR = "miljoer"
CODE_CACHE = "kod"
READY = ".klar"
NOT_FROM_REGISTRY = ("sif-eval",)  # the archived wheel takes its place


class CannotIsolate(SifEvalError):
    """The run cannot be reproduced in an isolated environment (no archived code, or the environment failed)."""

    exit_code = 2


@dataclass(frozen=True)
class IsolatedRun:
    """Where the isolated re-run happened and what it produced."""

    new_run: Path
    environment: Path
    python: str
    code_version: str


def cache_root() -> Path:
    """``$XDG_CACHE_HOME/sif-eval`` or ``~/.cache/sif-eval``: shared by every project on this machine."""
    return SETTINGS.cache


def lock_requirements(manifest: dict[str, Any]) -> list[str]:
    """``name==version`` for every distribution in the run's lock except sif-eval itself."""
    lock = manifest.get("miljö")
    if not isinstance(lock, dict) or not lock:
        raise CannotIsolate("Manifestet saknar förteckningen över installerade paket ('miljö'), så miljön kan "
                            "inte byggas upp igen. Kör utan --isolerat.")
    return [f"{name}=={ver}" for name, ver in sorted(lock.items()) if name.lower() not in NOT_FROM_REGISTRY]


def _python_for(manifest: dict[str, Any]) -> tuple[str, str | None]:
    """An interpreter of the run's Python minor version if there is one; else this one, with a warning."""
    then = str((manifest.get("versioner") or {}).get("python", ""))
    minor = ".".join(then.split(".")[:2])
    now_minor = ".".join(platform.python_version().split(".")[:2])
    if not minor or minor == now_minor:
        return sys.executable, None
    found = shutil.which(f"python{minor}")
    if found:
        return found, None
    return sys.executable, (f"Körningen gjordes med Python {then}; den isolerade miljön använder "
                            f"{platform.python_version()} eftersom python{minor} inte finns på datorn.")


def _pip_tail(text: str, lines: int = 12) -> str:
    kept = [ln for ln in text.strip().splitlines() if ln.strip()]
    return "\n".join("    " + ln for ln in kept[-lines:])


def build_environment(manifest: dict[str, Any], cache: Path, say: Callable[[str], None]) -> tuple[Path, list[str]]:
    """The cached virtual environment for the run's lock; built (atomically) when missing."""
    requirements = lock_requirements(manifest)
    python, warning = _python_for(manifest)
    probe = subprocess.run([python, "-c", "import platform; print(platform.python_version())"],
                           capture_output=True, text=True)
    py_version = probe.stdout.strip() or platform.python_version()
    key = hashlib.sha256(("\n".join(requirements) + f"\npython {py_version}").encode()).hexdigest()[:16]
    target = cache / ENV_DIR / f"py{py_version}-{key}"
    warnings = [warning] if warning else []
    if (target / READY).is_file():
        say(f"Använder den sparade isolerade miljön {target} …")
        return target, warnings
    say(f"Bygger en isolerad miljö med {len(requirements)} paket i körningens versioner (sparas i {target}) …")
    staging = target.with_name(f".ny-{target.name}-{os.getpid()}")
    shutil.rmtree(staging, ignore_errors=True)
    try:
        staging.parent.mkdir(parents=True, exist_ok=True)
        if python == sys.executable:
            venv.EnvBuilder(with_pip=True, symlinks=os.name != "nt").create(staging)
        else:
            subprocess.run([python, "-m", "venv", str(staging)], check=True, capture_output=True)
        (staging / "krav.txt").write_text("\n".join(requirements) + "\n", encoding="utf-8")
        proc = subprocess.run([str(_bin(staging)), "-m", "pip", "install", "--quiet", "--no-deps",
                               "--disable-pip-version-check", "-r", str(staging / "krav.txt")],
                              capture_output=True, text=True)
        if proc.returncode != 0:
            raise CannotIsolate("Den isolerade miljön kunde inte byggas: pip kunde inte installera körningens "
                                "paketversioner. Kontrollera nätverket eller ange en spegel med PIP_INDEX_URL "
                                f"eller en mapp med wheel-filer med PIP_FIND_LINKS. Pip skrev:\n{_pip_tail(proc.stderr)}")
        (staging / READY).write_text(json.dumps({"krav": requirements, "python": py_version}, indent=1) + "\n",
                                     encoding="utf-8")
        try:
            os.rename(staging, target)
        except OSError:  # another reproduction built the same lock meanwhile: use that one
            if not (target / READY).is_file():
                raise
            shutil.rmtree(staging, ignore_errors=True)
    except OSError as exc:
        shutil.rmtree(staging, ignore_errors=True)
        raise CannotIsolate(f"Den isolerade miljön kunde inte byggas i {target}: "
                            f"{archive.describe_os_error(exc)}") from exc
    except subprocess.CalledProcessError as exc:
        shutil.rmtree(staging, ignore_errors=True)
        raise CannotIsolate(f"Den isolerade miljön kunde inte skapas med {python}: "
                            f"{(exc.stderr or b'').decode(errors='replace').strip()[-500:]}") from exc
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return target, warnings


def _bin(env: Path) -> Path:
    return env / ("Scripts/python.exe" if os.name == "nt" else "bin/python")


def unpack_code(run_dir: Path, manifest: dict[str, Any], cache: Path) -> Path:
    """The archived sif-eval, unpacked once per wheel (by its SHA-256) into the cache."""
    code = manifest.get("kod")
    if not isinstance(code, dict) or not code.get("arkiv"):
        version = (manifest.get("versioner") or {}).get("sif-eval", "okänd")
        raise CannotIsolate(f"Körningen arkiverade inte sif-eval (den gjordes med version {version}, innan koden "
                            "sparades i körningsmappen), så den kan inte köras om med sin egen kod. Kör utan "
                            f"--isolerat, eller installera sif-eval {version} i en egen miljö och kör där.")
    wheel = run_dir / code["arkiv"]
    target = cache / CODE_CACHE / str(code.get("sha256") or archive.sha256(wheel))[:16]
    if (target / READY).is_file():
        return target
    staging = target.with_name(f".ny-{target.name}-{os.getpid()}")
    shutil.rmtree(staging, ignore_errors=True)
    try:
        codearchive.extract_wheel(wheel, staging)
        (staging / READY).write_text(code["arkiv"] + "\n", encoding="utf-8")
        try:
            os.rename(staging, target)
        except OSError:
            if not (target / READY).is_file():
                raise
            shutil.rmtree(staging, ignore_errors=True)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return target


def run_isolated(run_dir: Path, manifest: dict[str, Any], outputs: Path, new_parent: Path, *,
                 cache: Path | None = None, say: Callable[[str], None] = lambda _m: None
                 ) -> tuple[IsolatedRun, list[str]]:
    """Run the archived sif-eval's own ``reproduce`` in the isolated environment; return the new run folder."""
    cache = cache or cache_root()
    code_dir = unpack_code(run_dir, manifest, cache)
    env_dir, warnings = build_environment(manifest, cache, say)
    before = {p.name for p in new_parent.iterdir()} if new_parent.is_dir() else set()
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PYTHONHOME", "VIRTUAL_ENV")}
    env.update(PYTHONPATH=str(code_dir), PYTHONNOUSERSITE="1")
    python = _bin(env_dir)
    say(f"Kör om med den arkiverade sif-eval {manifest['kod'].get('version', '')} i den isolerade miljön …")
    tail: collections.deque[str] = collections.deque(maxlen=20)
    with subprocess.Popen([str(python), "-m", "sif_eval", "reproduce", str(run_dir), "--outputs", str(outputs)],
                          env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
                          encoding="utf-8", errors="replace") as proc:
        assert proc.stderr is not None
        try:
            for line in proc.stderr:  # the archived code's progress, as it happens
                tail.append(line.rstrip())
                if line.strip():
                    say(f"  {line.rstrip()}")
        except BaseException:  # interrupted: the child marks its run failed, as any run does
            proc.terminate()
            proc.wait(60)
            raise
    returncode = proc.returncode
    after = sorted(p for p in new_parent.iterdir() if p.name not in before and not p.name.startswith(".")) \
        if new_parent.is_dir() else []
    if returncode not in (0, 1) or len(after) != 1:
        raise RunFailed(f"Reproduktionen i den isolerade miljön misslyckades (kod {returncode}):\n"
                        + "\n".join("    " + ln for ln in tail if ln.strip()), str(after[0]) if after else None)
    new_run = after[0]
    new_manifest = archive.read_manifest(new_run)
    new_manifest["reproduktionsmiljö"] = {"typ": "isolerad", "miljö": str(env_dir), "kod": str(code_dir)}
    archive.write_json(new_run / paths.MANIFEST, new_manifest)
    return IsolatedRun(new_run=new_run, environment=env_dir, python=str(python),
                       code_version=str(manifest["kod"].get("version", ""))), warnings
