"""Accessibility checks of rendered documents (EN 301 549 / WCAG 2.1 AA as PDF/UA-1 and Word's own markup).

PDF: the XMP metadata declares PDF/A-2a and PDF/UA-1; the catalogue is
marked, has ``sv`` language and shows the title; the structure tree nests
headings without gaps, every Figure has alt text and every Table has header
cells.  Word: title and language in the core properties, a running head,
header rows that repeat, alt text on every image.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from docx import Document
from pypdf import PdfReader

_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
_WP = "{http://schemas.openxmlformats.org/drawingml/2006/wordprocessingDrawing}"


def _tags(node: Any, out: list[tuple[str, Any, list]]) -> None:
    node = node.get_object() if hasattr(node, "get_object") else node
    if isinstance(node, list):
        for child in node:
            _tags(child, out)
        return
    if not hasattr(node, "keys"):
        return
    kids: list = []
    if node.get("/S") is not None:
        out.append((str(node["/S"]), node.get("/Alt"), kids))
        target = kids
    else:
        target = out  # the root: children go to the flat list
    k = node.get("/K")
    if k is None:
        return
    sub: list[tuple[str, Any, list]] = []
    _tags(k, sub)
    target.extend(sub) if target is kids else out.extend(sub)


def _flat(tree: list) -> list[tuple[str, Any, list]]:
    out = []
    for tag in tree:
        out.append(tag)
        out += _flat(tag[2])
    return out


def pdf_problems(path: Path) -> list[str]:
    reader = PdfReader(str(path))
    root = reader.trailer["/Root"]
    problems = []
    xmp = reader.xmp_metadata.stream.get_data().decode("utf-8") if reader.xmp_metadata else ""
    declared = dict(re.findall(r"<(pdfa?u?aid:\w+)>([^<]*)<", xmp)) | dict(re.findall(r'(pdfa?u?aid:\w+)="([^"]*)"', xmp))
    if declared.get("pdfaid:part") != "2" or declared.get("pdfaid:conformance") != "A":
        problems.append(f"XMP declares no PDF/A-2a: {declared}")
    if declared.get("pdfuaid:part") != "1":
        problems.append(f"XMP declares no PDF/UA-1: {declared}")
    if not str(root.get("/Lang", "")).startswith("sv"):
        problems.append(f"language is {root.get('/Lang')!r}")
    if not root.get("/MarkInfo", {}).get("/Marked"):
        problems.append("not marked as tagged")
    if not root.get("/ViewerPreferences", {}).get("/DisplayDocTitle"):
        problems.append("title not displayed")
    if not (reader.metadata and reader.metadata.title):
        problems.append("no document title")
    tree: list = []
    _tags(root["/StructTreeRoot"], tree)
    tags = _flat(tree)
    level = 0
    for name, _, _ in tags:
        if re.fullmatch(r"/H[1-6]", name):
            new = int(name[2])
            if new > level + 1:
                problems.append(f"heading jumps from H{level} to H{new}")
            level = new
    for name, alt, _ in tags:
        if name == "/Figure" and not (alt and str(alt).strip()):
            problems.append("a Figure without alt text")
    for name, _, kids in tags:
        if name == "/Table" and not any(t[0] == "/TH" for t in _flat(kids)):
            problems.append("a Table without header cells")
    return problems


def docx_problems(path: Path, dnr: str) -> list[str]:
    doc = Document(str(path))
    problems = []
    if not doc.core_properties.title:
        problems.append("no title in core properties")
    if not (doc.core_properties.language or "").startswith("sv"):
        problems.append(f"language {doc.core_properties.language!r}")
    head = " ".join(p.text for s in doc.sections for p in s.header.paragraphs)
    if dnr and f"Dnr {dnr}" not in head:
        problems.append(f"running head {head!r} lacks the Dnr")
    for table in doc.tables:
        tr_pr = table.rows[0]._tr.trPr if table.rows else None
        if tr_pr is None or tr_pr.find(f"{_W}tblHeader") is None:
            problems.append("a table whose first row is not a repeating header row")
    for doc_pr in doc.element.body.iter(f"{_WP}docPr"):
        if not (doc_pr.get("descr") or "").strip():
            problems.append("an image without alt text")
    styles = {p.style.name for p in doc.paragraphs}
    if not any(s.startswith("Heading") for s in styles):
        problems.append("no heading styles")
    return problems
