"""The exact sif-eval a run ran with, archived inside the run folder as a wheel.

A report made in 2026 must be reproducible in 2029 with whatever sif-eval is
installed then, so each run folder keeps ``kod/sif_eval-<version>-py3-none-any.whl``:
the package's source files as they ran, with their SHA-256 sums (in the wheel's
``RECORD`` and in ``manifest.json``), the version and the git commit where there
is one.  The wheel is built here, by hand and deterministically (fixed
timestamps, sorted entries), so the same code gives the same bytes and needs
no build tool; ``reproduce --isolerat`` unpacks it into an isolated environment.
"""

from __future__ import annotations

import base64
import hashlib
import io
import re
import subprocess
import zipfile
from pathlib import Path
from typing import Any

from .. import __version__, paths

CODE_DIR = "kod"  # <run>/kod/: the archived sif-eval
_ZIP_TIME = (1980, 1, 1, 0, 0, 0)
_SOURCE_SUFFIXES = (".py", ".typed")


def package_files(package_dir: Path = paths.PACKAGE_DIR) -> dict[str, Path]:
    """The package's source files as ``sif_eval/<path>`` → file, byte-code and caches left out."""
    found = {}
    for f in sorted(package_dir.rglob("*")):
        if f.is_file() and f.suffix in _SOURCE_SUFFIXES and "__pycache__" not in f.parts:
            found[f"sif_eval/{f.relative_to(package_dir).as_posix()}"] = f
    return found


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def source_sums(package_dir: Path = paths.PACKAGE_DIR) -> dict[str, str]:
    """SHA-256 of each source file of the sif-eval that is running now."""
    return {rel: _sha256(f.read_bytes()) for rel, f in package_files(package_dir).items()}


def git_commit(package_dir: Path = paths.PACKAGE_DIR) -> dict[str, Any] | None:
    """The commit of the checkout sif-eval runs from, and whether its source differs from it; None outside git."""
    repo = package_dir.parent
    if not (repo / ".git").exists():
        return None
    try:
        head = subprocess.run(["git", "-C", str(repo), "rev-parse", "HEAD"], capture_output=True, text=True,
                              timeout=10)
        dirty = subprocess.run(["git", "-C", str(repo), "status", "--porcelain", "--", package_dir.name],
                               capture_output=True, text=True, timeout=10)
    except (OSError, subprocess.SubprocessError):
        return None
    if head.returncode != 0:
        return None
    return {"commit": head.stdout.strip(), "ändrad_sedan_commit": bool(dirty.stdout.strip())}


def _wheel_name(version: str) -> str:
    return f"sif_eval-{re.sub(r'[^A-Za-z0-9.+]', '_', version)}-py3-none-any.whl"


def _record_hash(data: bytes) -> str:
    return "sha256=" + base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()


_WHEELS: dict[tuple[str, str, tuple[tuple[str, str], ...]], bytes] = {}  # one build per process and source


def wheel_bytes(version: str = __version__, package_dir: Path = paths.PACKAGE_DIR) -> bytes:
    """The running package as a pure-Python wheel; same code, same bytes.

    Built once per process for each state of the source (its SHA-256 sums are
    the key), so a batch worker writes the same bytes into every run folder
    without zipping the package again.
    """
    files = package_files(package_dir)
    contents = {rel: f.read_bytes() for rel, f in files.items()}
    key = (version, str(package_dir), tuple((rel, _sha256(data)) for rel, data in contents.items()))
    cached = _WHEELS.get(key)
    if cached is not None:
        return cached
    dist_info = f"sif_eval-{re.sub(r'[^A-Za-z0-9.+]', '_', version)}.dist-info"
    entries: list[tuple[str, bytes]] = list(contents.items())
    entries.append((f"{dist_info}/METADATA",
                    f"Metadata-Version: 2.1\nName: sif-eval\nVersion: {version}\n"
                    "Summary: sif-eval as archived by a run\n".encode()))
    entries.append((f"{dist_info}/WHEEL",
                    b"Wheel-Version: 1.0\nGenerator: sif-eval\nRoot-Is-Purelib: true\nTag: py3-none-any\n"))
    entries.append((f"{dist_info}/entry_points.txt", b"[console_scripts]\nsif-eval = sif_eval.cli:main\n"))
    record = "".join(f"{name},{_record_hash(data)},{len(data)}\n" for name, data in entries)
    entries.append((f"{dist_info}/RECORD", (record + f"{dist_info}/RECORD,,\n").encode()))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        for name, data in entries:
            info = zipfile.ZipInfo(name, date_time=_ZIP_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            zf.writestr(info, data)
    _WHEELS.clear()  # only the current source is worth keeping
    _WHEELS[key] = buffer.getvalue()
    return _WHEELS[key]


def build_wheel(dest_dir: Path, version: str = __version__, package_dir: Path = paths.PACKAGE_DIR) -> Path:
    """Write the running package as a pure-Python wheel into ``dest_dir``; same code, same bytes."""
    dest_dir.mkdir(parents=True, exist_ok=True)
    wheel = dest_dir / _wheel_name(version)
    wheel.write_bytes(wheel_bytes(version, package_dir))
    return wheel


def archive_code(run_dir: Path) -> dict[str, Any]:
    """Put the running sif-eval into ``<run>/kod/`` and return what the manifest records about it."""
    wheel = build_wheel(run_dir / CODE_DIR)
    return {"version": __version__, "git": git_commit(),
            "arkiv": wheel.relative_to(run_dir).as_posix(), "sha256": _sha256(wheel.read_bytes()),
            "filer": source_sums()}


def module_name(rel: str) -> str:
    """``sif_eval/documents/render.py`` → ``sif_eval.documents.render``."""
    stem = rel.removesuffix(".py").removesuffix("/__init__")
    return stem.replace("/", ".")


def module_differences(archived: dict[str, str], today: dict[str, str]) -> list[str]:
    """Which modules of today's sif-eval differ from the archived one: changed, new, removed (Swedish)."""
    out = []
    for rel in sorted(set(archived) | set(today)):
        if not rel.endswith(".py"):
            continue
        if rel not in today:
            out.append(f"{module_name(rel)} ({rel}) finns inte i dagens sif-eval")
        elif rel not in archived:
            out.append(f"{module_name(rel)} ({rel}) är ny sedan körningen")
        elif archived[rel] != today[rel]:
            out.append(f"{module_name(rel)} ({rel}) är ändrad sedan körningen")
    return out


def code_warnings(manifest: dict[str, Any]) -> list[str]:
    """Precisely how today's sif-eval differs from the one the run used (empty when identical)."""
    code = manifest.get("kod")
    then_version = (manifest.get("versioner") or {}).get("sif-eval", "okänd")
    if not isinstance(code, dict) or not isinstance(code.get("filer"), dict):
        return [f"Körningen gjordes med sif-eval {then_version}, innan koden arkiverades i körningsmappen; det "
                "går inte att avgöra om dagens sif-eval räknar likadant."]
    diffs = module_differences(code["filer"], source_sums())
    if not diffs:
        return []
    commit = (code.get("git") or {}).get("commit")
    head = (f"Dagens sif-eval ({__version__}) skiljer sig från den som körningen gjordes med "
            f"({code.get('version', then_version)}{', commit ' + commit[:12] if commit else ''}) i "
            f"{len(diffs)} {'modul' if len(diffs) == 1 else 'moduler'}:")
    return [head + "".join(f"\n    - {d}" for d in diffs)
            + "\n  Kör med --isolerat för att reproducera med den arkiverade koden."]


def extract_wheel(wheel: Path, dest: Path) -> None:
    """Unpack a pure-Python wheel into ``dest`` (what an installer does for purelib)."""
    with zipfile.ZipFile(wheel) as zf:
        for name in zf.namelist():
            if name.startswith("/") or ".." in Path(name).parts:
                raise ValueError(f"otillåten sökväg i {wheel.name}: {name}")
        zf.extractall(dest)
