"""Warm kernels: a batch worker keeps one kernel, and nothing of one project reaches the next.

The leak test runs three different projects one after another in one warm
kernel and compares every file a run produces (``resultat.json``, figures,
Word and PDF documents) byte for byte with cold runs of the same projects,
each in a kernel of its own, and the executed notebooks cell by cell.  The
smaller tests run tiny notebooks in a kernel without the preloaded imports to
show what the reset clears and that a dead or stuck kernel is replaced.
"""

from __future__ import annotations

import dataclasses
import json
import shutil
from pathlib import Path

import nbformat
import pytest

from sif_eval.errors import RunFailed
from sif_eval.runs.notebook import execute
from sif_eval.runs.project import run_project
from sif_eval.runs.warm import WarmKernel
from sif_eval.settings import SETTINGS
from tests.conftest import INPUTS

# Three designs, with and without the economic calculation, in an order where a leak would show: the
# project with the most state first.
PROJECTS = ("skolnarvaro", "supported-education", "sofiamodellen")
REPORT_DATE = "2022-02-02"
ONLY_CODE = ("import os",)  # a kernel without the heavy imports: the small tests start in a second or two


def copy_inputs(dest: Path) -> Path:
    dest.mkdir(parents=True)
    for item in INPUTS.iterdir():
        if item.is_dir() and item.name in PROJECTS:
            shutil.copytree(item, dest / item.name)
        elif item.is_file() and item.suffix in (".yaml", ".csv"):
            shutil.copyfile(item, dest / item.name)
    return dest


def produced(run_dir: Path) -> dict[str, bytes]:
    """What a run made and a reader sees: result, figures, documents (not the archive of inputs and code)."""
    files = [run_dir / "resultat.json", *sorted((run_dir / "figurer").glob("*")),
             *sorted((run_dir / "dokument").glob("*"))]
    return {f.relative_to(run_dir).as_posix(): f.read_bytes() for f in files}


def cells(run_dir: Path) -> list[tuple]:
    """The executed notebook without timings and its own folder's name: source, execution count, outputs."""
    nb = nbformat.read(run_dir / "effektutvardering.ipynb", as_version=4)
    return [tuple(x.replace(str(run_dir), "<körning>") for x in
                  (c.source, str(c.get("execution_count")), json.dumps(c.get("outputs", []), sort_keys=True)))
            for c in nb.cells]


@pytest.mark.integration
def test_three_projects_in_one_warm_kernel_equal_cold_runs_byte_for_byte(tmp_path):
    inputs = copy_inputs(tmp_path / "inputs")
    cold = {slug: run_project(inputs / slug, tmp_path / "kall", REPORT_DATE).run_dir for slug in PROJECTS}
    kernel = WarmKernel().start_in_background()
    try:
        warm = {slug: run_project(inputs / slug, tmp_path / "varm", REPORT_DATE, kernel=kernel).run_dir
                for slug in PROJECTS}
        assert kernel.starts == 1 and kernel.notebooks == 3  # one kernel process ran all three
    finally:
        kernel.shutdown()
    for i, slug in enumerate(PROJECTS, start=1):
        cold_files, warm_files = produced(cold[slug]), produced(warm[slug])
        assert sorted(cold_files) == sorted(warm_files), slug
        assert any(name.endswith(".pdf") for name in cold_files) and any(n.endswith(".docx") for n in cold_files)
        for name, data in cold_files.items():
            assert warm_files[name] == data, f"{slug}: {name} skiljer sig mellan varm och kall kärna"
        assert cells(warm[slug]) == cells(cold[slug]), slug
        manifest = json.loads((warm[slug] / "manifest.json").read_text(encoding="utf-8"))
        assert manifest["kärna"] == {"anteckningsbok_i_kärnan": i, "kärnstarter": 1}
        cold_manifest = json.loads((cold[slug] / "manifest.json").read_text(encoding="utf-8"))
        assert cold_manifest["kärna"]["anteckningsbok_i_kärnan"] == 1


def notebook(path: Path, *sources: str) -> Path:
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell("x = 0", metadata={"tags": ["parameters"]}),
                *(nbformat.v4.new_code_cell(s) for s in sources)]
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nbformat.write(nb, path)
    return path


def test_reset_leaves_nothing_of_the_previous_notebook(tmp_path):
    first = notebook(tmp_path / "a.ipynb",
                     "import matplotlib, warnings\nsecret = 'projekt A'\nmatplotlib.rcParams['lines.linewidth'] = 9\n"
                     "warnings.simplefilter('error')\nimport sys; sys.path.insert(0, '/nowhere')")
    second = notebook(tmp_path / "b.ipynb",
                      "import matplotlib, os, sys, warnings\n"
                      "assert 'secret' not in globals() and 'Out' in globals() and not Out, sorted(globals())\n"
                      "assert matplotlib.rcParams['lines.linewidth'] != 9\n"
                      "assert '/nowhere' not in sys.path\n"
                      "warnings.warn('inte ett fel')\n"
                      "print(os.getcwd(), x)")
    (tmp_path / "b").mkdir()
    kernel = WarmKernel(preload=ONLY_CODE).start_in_background()
    try:
        execute(first, tmp_path / "a-ut.ipynb", {"x": 1}, tmp_path, kernel=kernel)
        execute(second, tmp_path / "b-ut.ipynb", {"x": 2}, tmp_path / "b", kernel=kernel)
        assert kernel.starts == 1 and kernel.notebooks == 2
    finally:
        kernel.shutdown()
    out = nbformat.read(tmp_path / "b-ut.ipynb", as_version=4)
    code = [c for c in out.cells if c.cell_type == "code"]
    assert [c.execution_count for c in code] == list(range(1, len(code) + 1))  # counting from 1 again
    streams = {o.name: o.text for o in code[-1].outputs if o.output_type == "stream"}
    assert streams["stdout"] == f"{tmp_path / 'b'} 2\n"
    assert "inte ett fel" in streams["stderr"]  # the warning filter 'error' of notebook a is gone


def test_a_kernel_that_dies_is_replaced_and_the_notebook_run_once_more(tmp_path):
    marker = tmp_path / "första-gången"
    nb = notebook(tmp_path / "dö.ipynb",
                  f"import os, pathlib, signal\nm = pathlib.Path({str(marker)!r})\n"
                  "if not m.exists():\n    m.touch()\n    os.kill(os.getpid(), signal.SIGKILL)\nprint('andra försöket')")
    said: list[str] = []
    kernel = WarmKernel(preload=ONLY_CODE).start_in_background()
    try:
        execute(nb, tmp_path / "ut.ipynb", {}, tmp_path, kernel=kernel, say=said.append)
        assert kernel.starts == 2 and kernel.km.is_alive()
    finally:
        kernel.shutdown()
    assert marker.exists() and said and "en gång till" in said[0]
    assert "andra försöket" in (tmp_path / "ut.ipynb").read_text(encoding="utf-8")


def test_a_cell_that_times_out_twice_fails_and_the_kernel_is_replaced(tmp_path):
    nb = notebook(tmp_path / "sov.ipynb", "import time\ntime.sleep(30)")
    kernel = WarmKernel(preload=ONLY_CODE).start_in_background()
    quick = dataclasses.replace(SETTINGS, notebook_timeout_s=1)
    try:
        with pytest.raises(Exception) as info:
            execute(nb, tmp_path / "ut.ipynb", {}, tmp_path, kernel=kernel, settings=quick)
        assert type(info.value).__name__ == "CellTimeoutError"
        assert kernel.km is None and kernel.starts == 2  # replaced after each timeout; the next notebook gets a new one
        execute(notebook(tmp_path / "ok.ipynb", "print(1)"), tmp_path / "ok-ut.ipynb", {}, tmp_path, kernel=kernel)
        assert kernel.starts == 3
    finally:
        kernel.shutdown()


def test_a_failing_cell_is_not_retried_and_keeps_the_kernel(tmp_path):
    nb = notebook(tmp_path / "fel.ipynb", "raise ValueError('trasig indata')")
    kernel = WarmKernel(preload=ONLY_CODE).start_in_background()
    try:
        with pytest.raises(RunFailed, match="cell 1: ValueError: trasig indata"):
            execute(nb, tmp_path / "ut.ipynb", {}, tmp_path, kernel=kernel)
        assert kernel.starts == 1 and kernel.km.is_alive()
    finally:
        kernel.shutdown()
