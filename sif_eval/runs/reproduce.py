"""``reproduce``: run an archived run again from its own archive and compare.

The archive (inputs, templates, notebook, format options) is checked against
its SHA-256 sums first; a changed or missing file is an :class:`ArchiveDamaged`
error (exit 2).  The new run goes through the same ``run_project`` as any
other, then ``resultat.json`` is compared number by number and each document
byte by byte, and by text with a readable diff where the bytes differ.
"""

from __future__ import annotations

import difflib
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .. import paths
from ..errors import SifEvalError
from . import archive
from .consolidated import load_material, run_consolidated
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

    @property
    def identical(self) -> bool:
        return not self.result_differences and not self.document_differences

    def verdict(self) -> str:
        lines = []
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
    """Check every archived input and template against the manifest; return the manifest."""
    manifest_path = run_dir / paths.MANIFEST
    if not manifest_path.is_file():
        raise ArchiveDamaged(f"{manifest_path} saknas: mappen är ingen körning av sif-eval, eller så är arkivet skadat.")
    try:
        manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    except ValueError as exc:
        raise ArchiveDamaged(f"{manifest_path} går inte att läsa ({exc}).") from exc
    if manifest.get("status") != archive.STATUS_DONE:
        raise ArchiveDamaged(f"Körningen {run_dir.name} blev aldrig klar (status: {manifest.get('status')}) "
                             "och kan inte reproduceras.")
    problems = []
    for section in ("indata", "mallar"):
        for rel, digest in (manifest.get(section) or {}).items():
            f = run_dir / rel
            if not f.is_file():
                problems.append(f"{rel} saknas")
            elif archive.sha256(f) != digest:
                problems.append(f"{rel} har ändrats sedan körningen (SHA-256 stämmer inte)")
    if not manifest.get("indata") or not manifest.get("mallar"):
        problems.append("manifestet saknar förteckning över indata eller mallar")
    if problems:
        raise ArchiveDamaged("Arkivet är skadat och kan inte reproduceras:\n" + "\n".join(f"  - {p}" for p in problems))
    return manifest


def version_warnings(manifest: dict[str, Any]) -> list[str]:
    now = archive.package_versions()
    then = manifest.get("versioner") or {}
    out = []
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
              progress: Callable[[str], None] | None = None) -> Comparison:
    """Re-run an archived run (a project's or the yearly consolidated one) from its own archive and compare."""
    run_dir = Path(run_dir).resolve()
    manifest = verify_archive(run_dir)
    warnings = version_warnings(manifest)
    params = manifest.get("parametrar", {})
    if manifest.get("typ") == "samlad":  # outputs/samlad/<år>/<run-id>
        material = load_material(run_dir / paths.RUN_INPUTS)
        outcome = run_consolidated(run_dir / paths.RUN_INPUTS, Path(outputs) if outputs else run_dir.parents[2],
                                   list(material.runs), params.get("år"), params.get("rapportdatum"),
                                   templates=run_dir / paths.RUN_TEMPLATES, progress=progress,
                                   extra_manifest={"reproducerar": str(run_dir)})
    else:
        outcome = run_project(run_dir / paths.RUN_INPUTS, Path(outputs) if outputs else run_dir.parent.parent,
                              params.get("rapportdatum"), templates=run_dir / paths.RUN_TEMPLATES,
                              slug=params.get("slug"), kind="reproduktion",
                              extra_manifest={"reproducerar": str(run_dir)}, progress=progress)
    old = json.loads((run_dir / paths.RESULT).read_text(encoding="utf-8"))
    new = json.loads((outcome.run_dir / paths.RESULT).read_text(encoding="utf-8"))
    return Comparison(original=run_dir, new_run=outcome.run_dir,
                      result_differences=tuple(compare_values(old, new)),
                      document_differences=tuple(compare_documents(run_dir, outcome.run_dir,
                                                                   manifest.get("dokument") or [])),
                      version_warnings=tuple(warnings))
