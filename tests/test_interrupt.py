"""Nothing lost: a run killed halfway is marked failed, its kernel is gone, earlier runs are untouched.

``sif-eval run`` is started as a subprocess on a copy of an example project
and sent SIGTERM while Papermill is executing the notebook (the run folder's
manifest says ``pågår`` and the kernel process is up).
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from sif_eval import settings
from sif_eval.errors import InputError
from sif_eval.runs import archive
from sif_eval.runs import notebook as runner
from sif_eval.runs.overview import run_history
from tests.conftest import INPUTS, ROOT

SLUG = "sofiamodellen"


def _children(pid: int) -> dict[int, str]:
    """Child processes of ``pid`` and their command lines, from /proc."""
    found = {}
    for d in Path("/proc").iterdir():
        if not d.name.isdigit():
            continue
        try:
            ppid = int((d / "stat").read_text().rsplit(")", 1)[1].split()[1])
            if ppid == pid:
                found[int(d.name)] = (d / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except (OSError, IndexError, ValueError):
            continue
    return found


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"  # a zombie has exited; only its parent's bookkeeping remains


def _snapshot(folder: Path) -> dict[str, tuple[bytes, int]]:
    return {str(p.relative_to(folder)): (p.read_bytes(), p.stat().st_mtime_ns) for p in sorted(folder.rglob("*"))
            if p.is_file()}


@pytest.mark.integration
@pytest.mark.skipif(not Path("/proc").is_dir(), reason="needs /proc to find the kernel process")
@pytest.mark.parametrize("signum, code, phrase", [(signal.SIGTERM, 143, "avbröts (SIGTERM)"),
                                                  (signal.SIGINT, 130, "avbröts med Ctrl-C (SIGINT)")])
def test_signal_while_the_notebook_runs(tmp_path, signum, code, phrase):
    inputs = tmp_path / "inputs"
    shutil.copytree(INPUTS / SLUG, inputs / SLUG)
    for shared in INPUTS.iterdir():  # catalogues and kommun.yaml the example refers to
        if shared.is_file():
            shutil.copy2(shared, inputs / shared.name)
    out = tmp_path / "outputs"
    earlier = out / SLUG / "20200101T000000"
    (earlier / "dokument").mkdir(parents=True)
    (earlier / "manifest.json").write_text('{"status": "klar"}\n', encoding="utf-8")
    (earlier / "resultat.json").write_text('{"effekter": []}\n', encoding="utf-8")
    (earlier / "dokument" / "utvarderingsrapport.pdf").write_bytes(b"%PDF-1.7 tidigare\n")
    before = _snapshot(earlier)

    proc = subprocess.Popen([sys.executable, "-m", "sif_eval", "run", str(inputs / SLUG), "--outputs", str(out)],
                            cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        run_dir, kernels = None, {}
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and not kernels:
            assert proc.poll() is None, "the run ended before it could be interrupted: " + proc.stderr.read()
            runs = [p for p in (out / SLUG).iterdir() if p != earlier] if (out / SLUG).is_dir() else []
            if runs and (runs[0] / "manifest.json").is_file() and (runs[0] / "effektutvardering.ipynb").is_file():
                run_dir = runs[0]
                kernels = {pid: cmd for pid, cmd in _children(proc.pid).items() if "ipykernel" in cmd}
            time.sleep(0.05)
        assert run_dir is not None and kernels, "Papermill never started a kernel"
        assert json.loads((run_dir / "manifest.json").read_text(encoding="utf-8"))["status"] == "pågår"
        time.sleep(0.5)  # well inside the notebook
        proc.send_signal(signum)
        stdout, stderr = proc.communicate(timeout=120)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()

    assert proc.returncode == code and stdout == "", stderr
    assert phrase in stderr and "Traceback" not in stderr and "KeyboardInterrupt" not in stderr
    manifest = json.loads((run_dir / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["status"] == "misslyckad" and phrase in manifest["fel"], manifest["fel"]
    assert manifest["process"]["pid"] == proc.pid
    assert (run_dir / "effektutvardering.ipynb").is_file()  # kept, to see where it stopped
    assert not [p.name for p in run_dir.rglob("*") if ".tmp" in p.name]
    assert not [pid for pid in kernels if _alive(pid)], "the kernel outlived the run"
    assert _snapshot(earlier) == before
    assert sorted(p.name for p in (out / SLUG).iterdir()) == sorted([earlier.name, run_dir.name])


def test_notebook_time_limit_from_the_environment():
    env = "SIF_EVAL_NOTEBOOK_TIMEOUT"
    assert runner.notebook_timeout(settings.from_environ({})) == settings.DEFAULT_TIMEOUT_S == 600
    assert runner.notebook_timeout(settings.from_environ({env: "1200"})) == 1200
    for bad in ("tio minuter", "0", "-5"):
        with pytest.raises(InputError, match="SIF_EVAL_NOTEBOOK_TIMEOUT"):
            runner.notebook_timeout(settings.from_environ({env: bad}))


@pytest.mark.integration
@pytest.mark.skipif(not Path("/proc").is_dir(), reason="needs /proc")
def test_a_run_killed_outright_shows_as_avbruten(tmp_path):
    inputs = tmp_path / "inputs"
    shutil.copytree(INPUTS / SLUG, inputs / SLUG)
    for shared in INPUTS.iterdir():
        if shared.is_file():
            shutil.copy2(shared, inputs / shared.name)
    out = tmp_path / "outputs"
    proc = subprocess.Popen([sys.executable, "-m", "sif_eval", "run", str(inputs / SLUG), "--outputs", str(out)],
                            cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    kernels: dict[int, str] = {}
    try:
        deadline = time.monotonic() + 120
        # The kernel starts before the run folder (issue 19): wait for both, the folder is what must show.
        while time.monotonic() < deadline and not (kernels and (out / SLUG).is_dir() and any(
                (p / "manifest.json").is_file() for p in (out / SLUG).iterdir() if not p.name.startswith("."))):
            time.sleep(0.05)
            kernels = {pid: cmd for pid, cmd in _children(proc.pid).items() if "ipykernel" in cmd}
        assert kernels, "Papermill never started a kernel"
        proc.kill()
        proc.wait()
    finally:
        for pid in kernels:  # nothing can clean up after SIGKILL; the test does
            with contextlib.suppress(OSError):
                os.kill(pid, signal.SIGKILL)
    (run_dir,) = [p for p in (out / SLUG).iterdir()]  # visible only complete, with its manifest
    manifest = json.loads((run_dir / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["status"] == "pågår" and manifest["process"]["pid"] == proc.pid
    assert archive.shown_status(manifest) == "avbruten"
    history = "\n".join(run_history(out, SLUG))
    assert f"{run_dir.name}: avbruten (processen {proc.pid}" in history
