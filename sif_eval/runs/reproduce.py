"""``reproduce``: run an archived run again from its own archive and compare.

The archive (inputs, templates, notebook, format options, the archived
sif-eval and every output: ``resultat.json``, figures, documents) is checked
against its SHA-256 sums first; a changed or missing file is an
:class:`ArchiveDamaged` error (exit 2), never a re-run.  The new run goes
through the same ``run_project`` as any other, with today's installation, or
(``isolated=True``) through the archived sif-eval in a virtual environment
built from the run's lock (:mod:`.isolated`).  Then ``resultat.json`` is
compared number by number and each document byte by byte, and by text with a
readable diff where the bytes differ.  The verdict says which environment ran
and, for today's, precisely which modules of sif-eval differ from the archived.
"""

from __future__ import annotations

import difflib
import json
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .. import paths
from ..errors import SifEvalError
from . import archive, codearchive, isolated
from .consolidated import CONSOLIDATED_DIR, load_material, run_consolidated
from .project import run_project


class ArchiveDamaged(SifEvalError):
    """The archived run cannot be trusted: a file is missing or changed."""

    exit_code = 2


@dataclass(frozen=True)
class Comparison:
    """What reproducing a run found."""

    original: Path
    new_run: Path
    result_differences: tuple[str, ...]
    document_differences: tuple[str, ...]
    version_warnings: tuple[str, ...] = field(default=())
    environment: str = ""

    @property
    def identical(self) -> bool:
        return not self.result_differences and not self.document_differences

    def verdict(self) -> str:
        lines = [f"Miljö: {self.environment}"] if self.environment else []
        for w in self.version_warnings:
            lines.append(f"Varning: {w}")
        if self.identical:
            lines.append(f"Reproducerad: resultat.json och alla dokument är identiska med {self.original}.")
        else:
            lines.append(f"Inte identisk med {self.original}:")
            lines += [f"  - {d}" for d in self.result_differences + self.document_differences]
        lines.append(f"Den nya körningen finns i {self.new_run}.")
        return "\n".join(lines)


def verify_archive(run_dir: Path) -> dict[str, Any]:
    """Check every archived file (inputs, templates, code, outputs) against the manifest; return the manifest."""
    manifest_path = run_dir / paths.MANIFEST
    if not manifest_path.is_file():
        raise ArchiveDamaged(f"{manifest_path} saknas: mappen är ingen körning av sif-eval, eller så är arkivet skadat.")
    try:
        manifest = archive.read_manifest(run_dir)
    except ValueError as exc:  # broken JSON, or JSON that is not a manifest ([] or a number)
        raise ArchiveDamaged(f"{manifest_path} går inte att läsa som ett manifest ({exc}). Arkivet är skadat och "
                             "kan inte reproduceras.") from exc
    except OSError as exc:
        raise ArchiveDamaged(f"{manifest_path} går inte att läsa: {archive.describe_os_error(exc)}") from exc
    if manifest.get("status") != archive.STATUS_DONE:
        raise ArchiveDamaged(f"Körningen {run_dir.name} blev aldrig klar (status: {archive.shown_status(manifest)}) "
                             "och kan inte reproduceras.")
    problems = archive.damaged_files(run_dir, manifest)
    code = manifest.get("kod")
    if isinstance(code, dict) and code.get("arkiv"):
        wheel = run_dir / str(code["arkiv"])
        if not wheel.is_file():
            problems.append(f"{code['arkiv']} saknas")
        elif archive.sha256(wheel) != code.get("sha256"):
            problems.append(f"{code['arkiv']} har ändrats sedan körningen (SHA-256 stämmer inte)")
    if problems:
        raise ArchiveDamaged("Arkivet är skadat och kan inte reproduceras:\n"
                             + "\n".join(f"  - {p}" for p in dict.fromkeys(problems)))
    return manifest


def version_warnings(manifest: dict[str, Any]) -> list[str]:
    """Packages whose version today differs from the run's (sif-eval: module by module)."""
    now = archive.package_versions()
    then = manifest.get("versioner") or {}
    out = codearchive.code_warnings(manifest)
    for name in sorted(then):
        if name == "sif-eval":
            continue
        if now.get(name) != then[name]:
            out.append(f"{name} är {now.get(name, 'saknas')} nu men var {then[name]} vid körningen; "
                       "resultat och dokument kan skilja sig.")
    return out


def compare_values(old: Any, new: Any, where: str = "resultat.json") -> list[str]:
    """Exact, recursive comparison; every difference with its path and both values."""
    if isinstance(old, dict) and isinstance(new, dict):
        out = []
        for k in list(old) + [k for k in new if k not in old]:
            if k not in new:
                out.append(f"{where}.{k} finns inte längre (var {old[k]!r})")
            elif k not in old:
                out.append(f"{where}.{k} är ny ({new[k]!r})")
            else:
                out += compare_values(old[k], new[k], f"{where}.{k}")
        return out
    if isinstance(old, list) and isinstance(new, list):
        if len(old) != len(new):
            return [f"{where} har {len(new)} element, var {len(old)}"]
        return [d for i, (a, b) in enumerate(zip(old, new, strict=True)) for d in compare_values(a, b, f"{where}[{i}]")]
    if old != new:
        return [f"{where}: {old!r} → {new!r}"]
    return []


def document_text(path: Path) -> list[str]:
    if path.suffix == ".docx":
        from docx import Document

        doc = Document(str(path))
        return [p.text for p in doc.paragraphs] + [c.text for t in doc.tables for r in t.rows for c in r.cells]
    if path.suffix == ".pdf":
        from pypdf import PdfReader

        return "\n".join(p.extract_text() for p in PdfReader(str(path)).pages).splitlines()
    return path.read_text(encoding="utf-8", errors="replace").splitlines()


def compare_documents(old_run: Path, new_run: Path, documents: list[str]) -> list[str]:
    out = []
    for rel in documents:
        a, b = old_run / rel, new_run / rel
        if not b.is_file():
            out.append(f"{rel} skapades inte vid reproduktionen")
            continue
        if a.read_bytes() == b.read_bytes():
            continue
        diff = list(difflib.unified_diff(document_text(a), document_text(b), f"original/{rel}", f"ny/{rel}",
                                         lineterm="", n=1))
        if diff:
            out.append(f"{rel} skiljer sig i texten:\n" + "\n".join("      " + ln for ln in diff[:60]))
        else:
            out.append(f"{rel} har samma text men andra byte (t.ex. layout, typsnitt eller metadata)")
    return out


def reproduce(run_dir: Path | str, outputs: Path | str | None = None,
              progress: Callable[[str], None] | None = None, *, isolated_env: bool = False,
              cache: Path | None = None) -> Comparison:
    """Re-run an archived run (a project's or the yearly consolidated one) from its own archive and compare.

    With ``isolated_env`` the archived sif-eval runs in a virtual environment
    built from the run's lock; otherwise today's installation runs and the
    verdict names every module of sif-eval that differs from the archived one.
    """
    run_dir = Path(run_dir).resolve()
    manifest = verify_archive(run_dir)  # nothing is re-run from a damaged archive
    params = manifest.get("parametrar", {})
    samlad = manifest.get("typ") == "samlad"  # outputs/samlad/<år>/<run-id>
    outputs = Path(outputs).resolve() if outputs else run_dir.parents[2] if samlad else run_dir.parent.parent
    if isolated_env:
        new_parent = outputs / CONSOLIDATED_DIR / str(params.get("år")) if samlad else outputs / str(params.get("slug"))
        done, warnings = isolated.run_isolated(run_dir, manifest, outputs, new_parent, cache=cache,
                                               say=progress or (lambda _m: None))
        new_run = done.new_run
        where = (f"isolerad: den arkiverade sif-eval {done.code_version} med körningens paketversioner i "
                 f"{done.environment}")
    else:
        warnings = version_warnings(manifest)
        new_run = _rerun_here(run_dir, manifest, outputs, progress)
        where = f"dagens installation: sif-eval {archive.package_versions().get('sif-eval')} i {sys.prefix}"
    old = json.loads((run_dir / paths.RESULT).read_text(encoding="utf-8"))
    new = json.loads((new_run / paths.RESULT).read_text(encoding="utf-8"))
    return Comparison(original=run_dir, new_run=new_run,
                      result_differences=tuple(compare_values(old, new)),
                      document_differences=tuple(compare_documents(run_dir, new_run, manifest.get("dokument") or [])),
                      version_warnings=tuple(warnings), environment=where)


def _rerun_here(run_dir: Path, manifest: dict[str, Any], outputs: Path,
                progress: Callable[[str], None] | None) -> Path:
    params = manifest.get("parametrar", {})
    if manifest.get("typ") == "samlad":
        material = load_material(run_dir / paths.RUN_INPUTS)
        return run_consolidated(run_dir / paths.RUN_INPUTS, outputs, list(material.runs), params.get("år"),
                                params.get("rapportdatum"), templates=run_dir / paths.RUN_TEMPLATES,
                                progress=progress, extra_manifest={"reproducerar": str(run_dir)}).run_dir
    return run_project(run_dir / paths.RUN_INPUTS, outputs, params.get("rapportdatum"),
                       templates=run_dir / paths.RUN_TEMPLATES, slug=params.get("slug"), kind="reproduktion",
                       extra_manifest={"reproducerar": str(run_dir)}, progress=progress).run_dir
