"""The user guide's commands are the real ones.

A fenced ``sh`` block preceded by ``<!-- körbar -->`` (or ``<!-- körbar: kod 2 -->``
for a documented exit code) is run with bash, in guide order, in a temporary
copy of the repository's inputs/, templates/ and notebooks/ (``SIF_EVAL_ROOT``
points there, so runs land in its outputs/, never in the repository's).  Every
other ``sif-eval`` line in a ``sh`` block is parsed with the real argument
parser, so a renamed command or flag breaks this test rather than a reader.
"""

from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from sif_eval.cli import build_parser
from tests.conftest import ROOT

GUIDE = ROOT / "docs" / "anvandarguide.md"
_BLOCK = re.compile(r"(?:<!--\s*körbar(?::\s*kod\s*(\d+))?\s*-->\s*\n)?```sh\n(.*?)```", re.DOTALL)


def blocks() -> list[tuple[str, int | None]]:
    """Every ``sh`` block: (its text, the exit code to expect if it is runnable, else None)."""
    text = GUIDE.read_text(encoding="utf-8")
    found = []
    for m in _BLOCK.finditer(text):
        found.append((m.group(2), int(m.group(1) or 0) if m.group(0).startswith("<!--") else None))
    return found


RUNNABLE = [(body, code) for body, code in blocks() if code is not None]


@pytest.fixture(scope="module")
def workspace(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("guide")
    for name in ("inputs", "templates", "notebooks"):
        shutil.copytree(ROOT / name, root / name, ignore=shutil.ignore_patterns(".ipynb_checkpoints"))
    shutil.copy2(ROOT / "_quarto.yml", root / "_quarto.yml")
    (root / "outputs").mkdir()
    return root


def test_guide_has_runnable_blocks():
    assert len(RUNNABLE) >= 4
    assert any(code == 2 for _, code in RUNNABLE), "the errors section shows a real failing command"


@pytest.mark.integration
@pytest.mark.parametrize("body,code", RUNNABLE, ids=[f"block{i}" for i in range(1, len(RUNNABLE) + 1)])
def test_runnable_block(body, code, workspace):
    env = dict(os.environ, SIF_EVAL_ROOT=str(workspace),
               PATH=f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}")
    proc = subprocess.run(["bash", "-e", "-o", "pipefail", "-c", body], cwd=workspace, env=env,
                          capture_output=True, text=True, timeout=600)
    assert proc.returncode == code, f"{body}\n--- stdout\n{proc.stdout}\n--- stderr\n{proc.stderr}"
    assert "Traceback" not in proc.stderr


def test_every_command_in_the_guide_parses():
    parser = build_parser()
    lines = [ln.strip() for body, _ in blocks() for ln in body.splitlines()]
    commands = [shlex.split(ln, comments=True)[1:] for ln in lines if ln.startswith("sif-eval ")]
    assert len(commands) >= 10
    for args in commands:
        if any(a in ("--help", "-h", "--version") for a in args):
            continue
        try:
            parser.parse_args(args)
        except SystemExit:
            pytest.fail(f"sif-eval {' '.join(args)}: kommandot eller en flagga finns inte")
