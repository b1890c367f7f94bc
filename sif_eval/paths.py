"""Every path the toolkit uses, built from the project root in one place."""

from __future__ import annotations

from pathlib import Path

from .settings import SETTINGS

PACKAGE_DIR = Path(__file__).resolve().parent
ROOT = (SETTINGS.root or PACKAGE_DIR.parent).resolve()



def data_root(cwd: Path | None = None) -> tuple[Path, bool]:
    """Where ``inputs/`` and ``outputs/`` are by default, and whether that is the working directory.

    The folder the user stands in wins when it has an ``inputs/`` folder (a
    copied repository writes into the copy, not into the installation);
    otherwise the installation's, as before.  ``SIF_EVAL_ROOT`` fixes it.
    """
    if SETTINGS.root is not None:
        return ROOT, False
    here = (cwd or Path.cwd()).resolve()
    if (here / "inputs").is_dir():
        return here, here != ROOT
    return ROOT, False


DATA_ROOT, DATA_ROOT_IS_CWD = data_root()
TEMPLATES = ROOT / "templates"
NOTEBOOKS = ROOT / "notebooks"
INPUTS = DATA_ROOT / "inputs"
OUTPUTS = DATA_ROOT / "outputs"
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

# The input contract's file names (shared/spec/indata.md): defined here and nowhere else.
PROJECT_FILE = "projekt.yaml"
OUTCOME_CSV = "utfall.csv"
OUTCOME_XLSX = "utfall.xlsx"
OUTCOME_SHEET = "utfall"
ECONOMY_CSV = "ekonomi.csv"
ECONOMY_XLSX = "ekonomi.xlsx"
ECONOMY_SHEET = "ekonomi"  # also read from utfall.xlsx, the workbook `sif-eval ny` creates
KALKYL_FILE = "kalkyl.yaml"
MUNICIPALITY_FILE = "kommun.yaml"
FUND_FILE = "fond.yaml"
INSATSER_FILE = "insatser.yaml"
STARTS_FILE = "starter.csv"  # enhet;start, each unit's own start (staggered roll-outs)
CATALOGUE_FILE = "enhetskostnader.csv"
KPI_FILE = "kpi.csv"


def project_slug(project_dir: Path) -> str:
    """The slug is the folder's name: ``inputs/<slug>/``."""
    return Path(project_dir).resolve().name


RUN_TEMPLATES = "mallar"  # the archived templates, notebook and _quarto.yml a run used


class TemplateSet:
    """A folder laid out like the repository's: ``templates/``, ``notebooks/``, ``_quarto.yml``.

    A run copies the repository's set into ``<run>/mallar/`` and renders from
    that copy, so reproducing a run uses exactly what it used, not today's files.
    """

    def __init__(self, root: Path = ROOT):
        self.root = Path(root)

    @property
    def templates(self) -> Path:
        return self.root / "templates"

    @property
    def quarto_config(self) -> Path:
        return self.root / "_quarto.yml"

    def notebook(self, name: str = EFFECT_NOTEBOOK.name) -> Path:
        return self.root / "notebooks" / name

    def files(self) -> list[Path]:
        """Every file a run depends on (templates, notebooks, format options)."""
        found = [self.quarto_config]
        for folder in (self.templates, self.root / "notebooks"):
            found += sorted(p for p in folder.rglob("*") if p.is_file() and ".ipynb_checkpoints" not in p.parts)
        return found
