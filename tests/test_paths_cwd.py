"""Default folders follow the folder the user stands in when it has inputs/."""

from __future__ import annotations

import subprocess
import sys

from sif_eval import paths
from tests.conftest import ROOT


def test_data_root_is_the_working_directory_with_inputs(tmp_path):
    (tmp_path / "inputs").mkdir()
    assert paths.data_root(tmp_path) == (tmp_path.resolve(), True)
    bare = tmp_path / "tom"
    bare.mkdir()
    assert paths.data_root(bare) == (paths.ROOT, False)


def test_help_says_which_folders(tmp_path):
    (tmp_path / "inputs").mkdir()
    env = {k: v for k, v in __import__("os").environ.items() if k != "SIF_EVAL_ROOT"}
    env["PYTHONPATH"] = str(ROOT)
    proc = subprocess.run([sys.executable, "-m", "sif_eval", "--help"], capture_output=True, text=True,
                          cwd=tmp_path, env=env, timeout=120)
    text = " ".join(proc.stdout.split())
    assert f"inputs/ och outputs/ i {tmp_path.resolve()} (arbetskatalogen, eftersom den har en mapp inputs/)" in text
