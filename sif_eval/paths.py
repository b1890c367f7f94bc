"""Every path the toolkit uses, built from the project root in one place."""

from __future__ import annotations

import os
from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent
ROOT = Path(os.environ.get("SIF_EVAL_ROOT", PACKAGE_DIR.parent)).resolve()

TEMPLATES = ROOT / "templates"
NOTEBOOKS = ROOT / "notebooks"
INPUTS = ROOT / "inputs"
OUTPUTS = ROOT / "outputs"
QUARTO_CONFIG = ROOT / "_quarto.yml"

EFFECT_NOTEBOOK = NOTEBOOKS / "effektutvardering.ipynb"
REFERENCE_DOCX = TEMPLATES / "reference.docx"
TYPST_TEMPLATE = TEMPLATES / "sif.typ"

# Names inside a run folder (outputs/<slug>/<run-id>/).
RUN_INPUTS = "indata"
RUN_FIGURES = "figurer"
RUN_DOCUMENTS = "dokument"
RUN_SOURCES = "kallor"
MANIFEST = "manifest.json"
RESULT = "resultat.json"
EXECUTED_NOTEBOOK = "effektutvardering.ipynb"

KERNEL_NAME = "sif-eval"


def project_slug(project_dir: Path) -> str:
    """The slug is the folder's name: ``inputs/<slug>/``."""
    return Path(project_dir).resolve().name
