"""Shared fixtures: small project folders written on the fly."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
INPUTS = ROOT / "inputs"
DATA = Path(__file__).resolve().parent / "data"


def public_data(name: str) -> Path:
    """A stored public data set for a cross-implementation test; missing means the check is lost, so it fails."""
    path = DATA / name
    assert path.is_file(), f"{name} saknas i tests/data; se tests/data/README.md (källa och licens)"
    return path

os.environ.setdefault("SIF_EVAL_RENDERER", "inbyggd")  # the tests cover the built-in renderer

PROJEKT_YAML = """\
projekt: Testprojekt
diarienummer: KSN-2020-0001
ansvarig_nämnd: Socialnämnden
handläggare: Test Testsson
insatsstart: 2020-01-01
indikatorer:
  - id: ind1
    namn: Andel med insats
    typ: andel
    bättre: lägre
    effektmål: -0.05
    design: auto
"""


def write_project(root: Path, utfall: str | bytes, projekt: str = PROJEKT_YAML, name: str = "test") -> Path:
    d = root / name
    d.mkdir(parents=True, exist_ok=True)
    (d / "projekt.yaml").write_text(projekt, encoding="utf-8")
    data = utfall.encode("utf-8") if isinstance(utfall, str) else utfall
    (d / "utfall.csv").write_bytes(data)
    return d


@pytest.fixture
def example(tmp_path: Path):
    """Copy a bundled example project into tmp_path (tests never write into inputs/)."""

    def _copy(slug: str) -> Path:
        dest = tmp_path / "inputs" / slug
        shutil.copytree(INPUTS / slug, dest)
        return dest

    return _copy
