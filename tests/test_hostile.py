"""Hostile text renders literally in Word and PDF, or is refused clearly; nothing escapes the run folder.

Every text in ``tests/corpus.HOSTILE_TEXTS`` goes through the loader (as the
project's name, description, target group and an indicator's name); those
the loader accepts are rendered together, once, into both documents in both
formats, and each must be found there as written.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
import zipfile
from pathlib import Path

import pytest
import yaml
from docx import Document
from lxml import etree
from pypdf import PdfReader

from sif_eval.documents.report import render_reports
from sif_eval.errors import InputError
from sif_eval.inputs.project import load_project
from tests.conftest import PROJEKT_YAML, ROOT, write_project
from tests.corpus import CORPUS_SIZE, HOSTILE_TEXTS, HOSTILE_YAML
from tests.test_render import _result, _run_dir

GOOD = "indikator;grupp;period;värde\nind1;insats;2019;0,3\nind1;insats;2020;0,2\n"
RENDERED = [(case_id, text) for case_id, text, expected in HOSTILE_TEXTS if expected == "render"]
W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
_INVISIBLE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def _yaml_with(text: str) -> str:
    if len(text) > 100_000:  # PyYAML's emitter would take seconds; single quotes need no escapes here
        return PROJEKT_YAML + "beskrivning: '" + text.replace("'", "''") + "'\n"
    data = yaml.safe_load(PROJEKT_YAML)
    data.update(projekt=text, beskrivning=text, målgrupp=text, insatsstart="2020-01-01")
    data["indikatorer"][0]["namn"] = text
    return yaml.safe_dump(data, allow_unicode=True, width=10_000)


@pytest.mark.parametrize("case", HOSTILE_TEXTS, ids=[c[0] for c in HOSTILE_TEXTS])
def test_hostile_text_is_loaded_as_plain_text_or_refused(tmp_path, case):
    case_id, text, expected = case
    d = write_project(tmp_path, GOOD, projekt=_yaml_with(text))
    if expected == "render":
        project = load_project(d).project
        assert project.projekt == text.strip()
        assert project.indikatorer[0].namn == text.strip()
        assert project.beskrivning == " ".join(text.split())
        return
    with pytest.raises(InputError) as exc:
        load_project(d)
    hit = [p for p in exc.value.problems if p.file == "projekt.yaml" and p.hint]
    assert hit, exc.value.swedish()
    message = exc.value.swedish()
    assert len(message) < 5_000 and not _INVISIBLE.search(message)


_YAML_RENDERED = {"python-name-tag": "x", "binary-tag": "aGVq", "norway": "no", "date": "2021-03-01", "null": "~",
                  "directive": "Testprojekt", "literal-block": "rad ett\nrad två"}


@pytest.mark.parametrize("case", HOSTILE_YAML, ids=[c[0] for c in HOSTILE_YAML])
def test_yaml_tricks_are_plain_text_or_refused(tmp_path, case):
    case_id, replacement, expected = case
    d = write_project(tmp_path, GOOD, projekt=PROJEKT_YAML.replace("projekt: Testprojekt", replacement))
    if expected == "render":
        assert load_project(d).project.projekt == _YAML_RENDERED[case_id]
        return
    with pytest.raises(InputError) as exc:
        load_project(d)
    assert any(p.file == "projekt.yaml" for p in exc.value.problems), exc.value.swedish()
    assert "Åtgärd:" in exc.value.swedish() and not _INVISIBLE.search(exc.value.swedish())


def _docx_text(path: Path) -> str:
    doc = Document(str(path))
    return "\n".join([p.text for p in doc.paragraphs] + [c.text for t in doc.tables for r in t.rows for c in r.cells])


def _squash(text: str) -> str:
    return re.sub(r"\s+", "", text)


def _tree(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


@pytest.fixture(scope="module")
def hostile_documents(tmp_path_factory):
    """Every accepted hostile text, through the loader, rendered once into both documents."""
    tmp = tmp_path_factory.mktemp("hostile")
    texts = []
    for case_id, text in RENDERED:
        d = write_project(tmp / "inputs", GOOD, projekt=_yaml_with(text), name=case_id)
        texts.append(load_project(d).project)
    base = _result()
    effects = tuple(dataclasses.replace(base.effekter[0], namn=p.indikatorer[0].namn) for p in texts[:4])
    result = dataclasses.replace(
        base, projekt=texts[0].projekt, beskrivning="\n\n".join(p.beskrivning for p in texts),
        målgrupp=texts[1].målgrupp, handläggare=texts[2].projekt, ansvarig_nämnd=texts[3].projekt,
        diarienummer=texts[4].projekt, effekter=effects)
    run = _run_dir(tmp, "run")
    before = _tree(tmp)
    documents = render_reports(result, run, dt.date(2022, 2, 2))
    after = _tree(tmp)
    return documents, run, tmp, before, after


def test_hostile_texts_appear_literally_in_word_and_pdf(hostile_documents):
    documents, *_ = hostile_documents
    assert {d.name for d in documents} >= {"utvarderingsrapport", "tjansteskrivelse"}
    for doc in documents:
        word = _squash(_docx_text(doc.docx))
        pdf = _squash("\n".join(page.extract_text() for page in PdfReader(str(doc.pdf)).pages))
        for case_id, text in RENDERED if doc.name == "utvarderingsrapport" else RENDERED[:1]:
            assert _squash(text) in word, f"{case_id} not literal in {doc.docx.name}"
            assert _squash(text) in pdf, f"{case_id} not literal in {doc.pdf.name}"
        assert "root:x:0" not in pdf and "root:x:0" not in word  # no #read("/etc/passwd") ran


def test_markup_stays_text_inside_the_word_file(hostile_documents):
    documents, *_ = hostile_documents
    report = next(d for d in documents if d.name == "utvarderingsrapport")
    with zipfile.ZipFile(report.docx) as z:
        xml = z.read("word/document.xml").decode("utf-8")
        rels = z.read("word/_rels/document.xml.rels").decode("utf-8")
    assert "&lt;w:p&gt;" in xml and "<w:t xml:space=\"preserve\">inskjuten" not in xml
    root = etree.fromstring(xml.encode("utf-8"))
    fields = [el.get(f"{{{W}}}instr", "") for el in root.iter(f"{{{W}}}fldSimple")]
    fields += [el.text or "" for el in root.iter(f"{{{W}}}instrText")]
    assert not [f for f in fields if "INCLUDETEXT" in f or "passwd" in f]  # the text made no Word field
    assert 'TargetMode="External"' not in rels and "/etc/passwd" not in rels


def test_nothing_written_outside_the_run_folder(hostile_documents):
    _documents, run, tmp, before, after = hostile_documents
    rel_run = str(run.relative_to(tmp))
    changed = {k for k in set(before) | set(after) if before.get(k) != after.get(k)}
    assert changed and all(k.startswith(rel_run + "/") for k in changed), sorted(changed)[:5]


def test_readme_states_the_corpus_size():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    m = re.search(r"(\d[\d\u00a0 ]*?)\s+fientliga\s+och\s+röriga\s+indata\s+prövas\s+i\s+testerna", readme)
    assert m, "README must say how many hostile and messy inputs the tests try"
    assert int(re.sub(r"\D", "", m.group(1))) == CORPUS_SIZE
