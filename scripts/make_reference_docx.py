"""Build templates/reference.docx: the Word styles our documents use.

Starts from pandoc's own reference document (so every style pandoc writes
exists) and sets an official, plain Swedish look: Garamond body, Arial
headings, Swedish language, "Sida X (Y)" page fields in the footer.
A municipality replaces the result with its own template (see README).
Run: python scripts/make_reference_docx.py
"""

from __future__ import annotations

import io
import subprocess
import sys
from pathlib import Path

import pypandoc
from docx import Document
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Pt, RGBColor

ROOT = Path(__file__).resolve().parent.parent
TARGET = ROOT / "templates" / "reference.docx"


def _field(paragraph, instr: str) -> None:
    """Append a Word field (PAGE, NUMPAGES) so Word keeps counting pages itself."""
    run = paragraph.add_run()
    begin = OxmlElement("w:fldChar")
    begin.set(qn("w:fldCharType"), "begin")
    text = OxmlElement("w:instrText")
    text.set(qn("xml:space"), "preserve")
    text.text = f" {instr} "
    sep = OxmlElement("w:fldChar")
    sep.set(qn("w:fldCharType"), "separate")
    shown = OxmlElement("w:t")
    shown.text = "1"
    end = OxmlElement("w:fldChar")
    end.set(qn("w:fldCharType"), "end")
    for el in (begin, text, sep, shown, end):
        run._r.append(el)


def _set_lang(style, lang: str = "sv-SE") -> None:
    rpr = style.element.get_or_add_rPr()
    el = rpr.find(qn("w:lang"))
    if el is None:
        el = OxmlElement("w:lang")
        rpr.append(el)
    el.set(qn("w:val"), lang)
    el.set(qn("w:eastAsia"), lang)
    el.set(qn("w:bidi"), "ar-SA")


def main() -> int:
    raw = subprocess.run([pypandoc.get_pandoc_path(), "--print-default-data-file", "reference.docx"],
                         check=True, capture_output=True).stdout
    doc = Document(io.BytesIO(raw))
    styles = doc.styles
    body_font, head_font = "Garamond", "Arial"
    for name in ("Normal", "Body Text", "First Paragraph", "Compact", "Block Text", "Footnote Text"):
        if name in {s.name for s in styles}:
            st = {s.name: s for s in styles}[name]
            st.font.name = body_font
            st.font.size = Pt(12 if name != "Footnote Text" else 10)
            _set_lang(st)
    for level, size in ((1, 16), (2, 13), (3, 12), (4, 11)):
        st = styles[f"Heading {level}"]
        st.font.name = head_font
        st.font.size = Pt(size)
        st.font.bold = True
        st.font.italic = False
        st.font.color.rgb = RGBColor(0, 0, 0)
        st.paragraph_format.space_before = Pt(18 if level == 1 else 12)
        st.paragraph_format.space_after = Pt(6)
        st.paragraph_format.keep_with_next = True
    for name in ("Title", "Subtitle", "Author", "Date"):
        st = styles[name]
        st.font.name = head_font
        st.font.color.rgb = RGBColor(0, 0, 0)
        st.paragraph_format.alignment = WD_ALIGN_PARAGRAPH.LEFT
    styles["Title"].font.size = Pt(22)
    by_name = {s.name: s for s in styles}
    for name in ("Caption", "Image Caption", "Table Caption"):
        if name in by_name:
            st = by_name[name]
            st.font.name = head_font
            st.font.size = Pt(9)
            st.font.italic = False
            st.font.bold = False
    section = doc.sections[0]
    section.page_width, section.page_height = Cm(21.0), Cm(29.7)
    section.left_margin = section.right_margin = Cm(2.5)
    section.top_margin, section.bottom_margin = Cm(2.5), Cm(2.5)
    footer = section.footer.paragraphs[0] if section.footer.paragraphs else section.footer.add_paragraph()
    footer.alignment = WD_ALIGN_PARAGRAPH.RIGHT
    footer.add_run("Sida ")
    _field(footer, "PAGE")
    footer.add_run(" (")
    _field(footer, "NUMPAGES")
    footer.add_run(")")
    core = doc.core_properties
    core.language = "sv-SE"
    core.author = ""
    core.title = ""
    out = io.BytesIO()
    doc.save(out)
    TARGET.parent.mkdir(parents=True, exist_ok=True)
    TARGET.write_bytes(out.getvalue())
    print(TARGET)
    return 0


if __name__ == "__main__":
    sys.exit(main())
