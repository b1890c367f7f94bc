"""Our documents in a real office suite and PDF tools (LibreOffice, poppler).

CI installs Debian's libreoffice-writer-nogui and poppler-utils; elsewhere
these tests skip and say what to install.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from tests.test_run_cli import runs  # noqa: F401 - the shared module fixture

pytestmark = [pytest.mark.integration, pytest.mark.office]

SOFFICE = shutil.which("soffice") or shutil.which("libreoffice")
needs_lo = pytest.mark.skipif(SOFFICE is None, reason="LibreOffice saknas: apt-get install libreoffice-writer-nogui")
needs_poppler = pytest.mark.skipif(shutil.which("pdffonts") is None, reason="poppler saknas: apt-get install poppler-utils")


@needs_lo
@needs_poppler
@pytest.mark.parametrize("name", ["utvarderingsrapport", "tjansteskrivelse"])
def test_docx_opens_and_converts_in_libreoffice(runs, tmp_path, name):  # noqa: F811
    docx = runs["skolnarvaro"] / "dokument" / f"{name}.docx"
    proc = subprocess.run([SOFFICE, "--headless", f"-env:UserInstallation=file://{tmp_path}/lo", "--convert-to",
                           "pdf", "--outdir", str(tmp_path), str(docx)], capture_output=True, text=True, timeout=240)
    assert proc.returncode == 0, proc.stderr
    pdf = tmp_path / f"{name}.pdf"
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True).stdout
    text = " ".join(text.split())
    assert "Koordinatorer för ökad skolnärvaro" in text
    assert ("Sammanfattning" if name == "utvarderingsrapport" else "Förslag till beslut") in text
    assert "Sida 1 (" in text  # the PAGE and NUMPAGES fields were computed by the office suite


@needs_poppler
@pytest.mark.parametrize("name", ["utvarderingsrapport", "tjansteskrivelse"])
def test_every_font_embedded_and_pdfa(runs, name):  # noqa: F811
    pdf = runs["skolnarvaro"] / "dokument" / f"{name}.pdf"
    out = subprocess.run(["pdffonts", str(pdf)], capture_output=True, text=True, check=True).stdout.splitlines()
    fonts = out[2:]
    assert fonts, out
    for line in fonts:
        cols = line.split()
        assert cols[-5] == "yes", line  # the 'emb' column
    info = subprocess.run(["pdfinfo", "-meta", str(pdf)], capture_output=True, text=True, check=True).stdout
    # PDF/A-2a (accessible: tagged, Unicode) and PDF/UA-1 together, as a published document must be
    assert "<pdfaid:part>2</pdfaid:part>" in info and "<pdfaid:conformance>A</pdfaid:conformance>" in info
    assert "<pdfuaid:part>1</pdfuaid:part>" in info
    from pypdf import PdfReader

    root = PdfReader(str(pdf)).trailer["/Root"]
    assert "/StructTreeRoot" in root and root["/MarkInfo"]["/Marked"]  # tagged for accessibility
    assert str(root["/Lang"]).startswith("sv")


def test_docx_has_no_text_boxes_and_alt_text_on_every_image(runs):  # noqa: F811
    import zipfile

    for docx in Path(runs["skolnarvaro"] / "dokument").glob("*.docx"):
        xml = zipfile.ZipFile(docx).read("word/document.xml").decode("utf-8")
        assert "<w:txbxContent" not in xml and "<v:textbox" not in xml
        import re

        for descr in re.findall(r'<wp:docPr [^>]*descr="([^"]*)"', xml):
            assert len(descr) > 30 and not descr.endswith(".png"), descr
