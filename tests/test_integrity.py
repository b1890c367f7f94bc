"""Never trust a damaged run, and every failure ends the same way (issue 18): the fast checks.

The whole-run checks (a tampered result, a deleted document, a changed sif-eval,
``--isolerat``) are in ``test_reproduce.py``; kills are in ``test_interrupt.py``.
"""

from __future__ import annotations

import base64
import errno
import hashlib
import json
import os
import socket
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from sif_eval import paths
from sif_eval.documents import render
from sif_eval.errors import InputError, OutputsUnusable, RunFailed, RunInterrupted
from sif_eval.runs import archive, codearchive, isolated, lifecycle, project
from sif_eval.runs.reproduce import ArchiveDamaged, verify_archive
from tests.conftest import ROOT, write_project

GOOD_CSV = "indikator;grupp;period;värde\nind1;insats;2019;0,3\nind1;insats;2020;0,2\n"


# ---------------------------------------------------------------- the archived code


def test_wheel_holds_every_source_file_with_its_checksum_and_is_deterministic(tmp_path):
    a = codearchive.build_wheel(tmp_path / "a", "1.2.3")
    b = codearchive.build_wheel(tmp_path / "b", "1.2.3")
    assert a.name == "sif_eval-1.2.3-py3-none-any.whl"
    assert a.read_bytes() == b.read_bytes()  # same code, same bytes: its SHA-256 identifies the code
    with zipfile.ZipFile(a) as zf:
        names = set(zf.namelist())
        record = zf.read("sif_eval-1.2.3.dist-info/RECORD").decode().splitlines()
        for line in record:
            name, digest, size = line.rsplit(",", 2)
            if name.endswith("RECORD"):
                continue
            data = zf.read(name)
            expected = "sha256=" + base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
            assert digest == expected and int(size) == len(data), name
        assert "Version: 1.2.3" in zf.read("sif_eval-1.2.3.dist-info/METADATA").decode()
    on_disk = {f"sif_eval/{p.relative_to(paths.PACKAGE_DIR).as_posix()}" for p in paths.PACKAGE_DIR.rglob("*.py")
               if "__pycache__" not in p.parts}
    assert on_disk <= names and "sif_eval/swedish.py" in names
    codearchive.extract_wheel(a, tmp_path / "ut")
    assert (tmp_path / "ut" / "sif_eval" / "swedish.py").read_bytes() == (paths.PACKAGE_DIR / "swedish.py").read_bytes()


def test_module_differences_name_each_changed_new_and_removed_module():
    then = {"sif_eval/swedish.py": "a", "sif_eval/analysis/did.py": "b", "sif_eval/gammal.py": "c",
            "sif_eval/py.typed": "x"}
    now = {"sif_eval/swedish.py": "A", "sif_eval/analysis/did.py": "b", "sif_eval/ny.py": "d", "sif_eval/py.typed": "y"}
    assert codearchive.module_differences(then, now) == [
        "sif_eval.gammal (sif_eval/gammal.py) finns inte i dagens sif-eval",
        "sif_eval.ny (sif_eval/ny.py) är ny sedan körningen",
        "sif_eval.swedish (sif_eval/swedish.py) är ändrad sedan körningen",
    ]
    assert codearchive.module_differences(then, then) == []


def test_code_warnings_compare_the_archived_files_with_the_running_package():
    today = codearchive.source_sums()
    same = {"kod": {"version": "1", "filer": dict(today)}, "versioner": {"sif-eval": "1"}}
    assert codearchive.code_warnings(same) == []
    changed = json.loads(json.dumps(same))
    changed["kod"]["filer"]["sif_eval/swedish.py"] = "0" * 64
    changed["kod"]["git"] = {"commit": "abcdef1234567890"}
    (warning,) = codearchive.code_warnings(changed)
    assert "sif_eval.swedish (sif_eval/swedish.py) är ändrad sedan körningen" in warning
    assert "i 1 modul:" in warning and "commit abcdef123456" in warning and "--isolerat" in warning
    (old,) = codearchive.code_warnings({"versioner": {"sif-eval": "0.9"}})
    assert "0.9" in old and "innan koden arkiverades" in old


# ---------------------------------------------------------------- a broken manifest


@pytest.mark.parametrize("content, phrase", [("[]", "väntade ett JSON-objekt"), ("{trasig", "går inte att läsa"),
                                              ("42", "väntade ett JSON-objekt")])
def test_a_manifest_that_is_not_one_is_exit_2_in_swedish(tmp_path, content, phrase):
    run = tmp_path / "p" / "20220202T000000"
    run.mkdir(parents=True)
    (run / "manifest.json").write_text(content, encoding="utf-8")
    with pytest.raises(ArchiveDamaged, match=phrase):
        verify_archive(run)
    if content != "[]":
        return  # the command line is the same path; once is enough
    proc = subprocess.run([sys.executable, "-m", "sif_eval", "reproduce", str(run)], capture_output=True, text=True,
                          cwd=ROOT, timeout=120)
    assert proc.returncode == 2, proc.stderr
    assert "Traceback" not in proc.stderr and "manifest.json" in proc.stderr and "skadat" in proc.stderr


def test_damaged_files_names_missing_and_changed_outputs(tmp_path):
    (tmp_path / "resultat.json").write_text("{}", encoding="utf-8")
    (tmp_path / "dokument").mkdir()
    (tmp_path / "dokument" / "r.pdf").write_bytes(b"%PDF")
    manifest = {"utdata": {"resultat.json": archive.sha256(tmp_path / "resultat.json"),
                           "dokument/r.pdf": archive.sha256(tmp_path / "dokument" / "r.pdf")}}
    assert archive.damaged_files(tmp_path, manifest, ("utdata",)) == []
    (tmp_path / "resultat.json").write_text('{"skattning": 9}', encoding="utf-8")
    (tmp_path / "dokument" / "r.pdf").unlink()
    assert archive.damaged_files(tmp_path, manifest, ("utdata", "indata")) == [
        "resultat.json har ändrats sedan körningen (SHA-256 stämmer inte)", "dokument/r.pdf saknas",
        "manifestet saknar förteckningen 'indata'"]


# ---------------------------------------------------------------- the run folder appears complete or not at all


def test_run_folder_is_renamed_into_place_with_its_manifest_and_code(tmp_path):
    seen = {}

    def prepare(staging: Path) -> dict:
        seen["staging"] = staging
        seen["visible"] = [p.name for p in (tmp_path / "proj").iterdir() if not p.name.startswith(".")]
        return {"indata": {}}

    m = archive.open_run(tmp_path, "proj", "projekt", {"a": 1}, prepare=prepare)
    assert seen["visible"] == []  # while it was being built, no run folder was visible
    assert not seen["staging"].exists() and m.run_dir.parent == tmp_path / "proj"
    data = archive.read_manifest(m.run_dir)
    assert data["run_id"] == m.run_dir.name and data["status"] == "pågår"
    assert data["process"]["pid"] == os.getpid() and data["process"]["värd"] == socket.gethostname()
    assert data["kod"]["filer"] == codearchive.source_sums()
    assert archive.sha256(m.run_dir / data["kod"]["arkiv"]) == data["kod"]["sha256"]


def test_a_failure_while_building_leaves_no_folder(tmp_path):
    def prepare(_staging: Path) -> dict:
        raise RunInterrupted(15)

    with pytest.raises(RunInterrupted):
        archive.open_run(tmp_path, "proj", "projekt", {}, prepare=prepare)
    assert list((tmp_path / "proj").iterdir()) == []


def test_slug_that_is_a_file_and_unwritable_outputs_are_swedish(tmp_path, monkeypatch):
    (tmp_path / "proj").write_text("en fil", encoding="utf-8")
    with pytest.raises(OutputsUnusable, match="är en fil, inte en mapp"):
        archive.open_run(tmp_path, "proj", "projekt", {})
    (tmp_path / "fil").write_text("x", encoding="utf-8")
    with pytest.raises(OutputsUnusable, match="är en fil, inte en mapp"):
        archive.usable_outputs(tmp_path / "fil")
    real_mkdir = Path.mkdir

    def read_only(self, *a, **k):
        if self.is_relative_to(tmp_path / "ro"):
            raise OSError(errno.EROFS, "Read-only file system", str(self))
        return real_mkdir(self, *a, **k)

    monkeypatch.setattr(Path, "mkdir", read_only)
    with pytest.raises(OutputsUnusable, match="Saknar rätt att skriva"):
        archive.open_run(tmp_path / "ro", "proj", "projekt", {})


def test_a_run_whose_process_is_gone_shows_as_avbruten(tmp_path):
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    running = {"status": "pågår", "process": archive.process_identity()}
    assert archive.shown_status(running) == "pågår"
    gone = {"status": "pågår", "process": {"värd": socket.gethostname(), "pid": dead.pid, "starttid": None}}
    assert archive.shown_status(gone) == "avbruten"
    elsewhere = {"status": "pågår", "process": {"värd": "annan-dator", "pid": dead.pid}}
    assert archive.shown_status(elsewhere) == "pågår"  # cannot be told from here
    assert archive.shown_status({"status": "klar", "process": gone["process"]}) == "klar"
    run = tmp_path / "proj" / "20220202T000000"
    run.mkdir(parents=True)
    (run / "manifest.json").write_text(json.dumps(gone), encoding="utf-8")
    assert archive.abandoned_runs(tmp_path / "proj") == [run]


# ---------------------------------------------------------------- every failure ends the same way


def test_full_disk_marks_the_run_failed_in_swedish_and_leaves_no_temporary_file(tmp_path, monkeypatch):
    m = archive.open_run(tmp_path, "proj", "projekt", {})
    (m.run_dir / ".resultat.json.tmp-1").write_bytes(b"")
    err = lifecycle.failed(m, OSError(errno.ENOSPC, "No space left on device", str(m.run_dir / "x.pdf")),
                           lifecycle.Interruption())
    assert isinstance(err, RunFailed) and err.exit_code == 1
    assert "Disken är full" in str(err) and "Frigör utrymme" in str(err) and "markerad som misslyckad" in str(err)
    data = archive.read_manifest(m.run_dir)
    assert data["status"] == "misslyckad" and data["fel"].startswith("Disken är full")
    assert not list(m.run_dir.rglob(".*tmp*"))


def test_when_even_the_manifest_cannot_be_written_the_message_says_so(tmp_path, monkeypatch):
    m = archive.open_run(tmp_path, "proj", "projekt", {})
    real_open = open

    def full(path, mode="r", *a, **k):
        if "w" in mode and ".manifest.json.tmp" in str(path):
            fh = real_open(path, mode, *a, **k)
            fh.close()
            raise OSError(errno.ENOSPC, "No space left on device", str(path))
        return real_open(path, mode, *a, **k)

    monkeypatch.setattr("builtins.open", full)
    err = lifecycle.failed(m, OSError(errno.ENOSPC, "No space left on device"), lifecycle.Interruption())
    monkeypatch.undo()
    assert "kunde inte markeras som misslyckad" in str(err) and "markerad som misslyckad i" not in str(err)
    assert not [p.name for p in m.run_dir.iterdir() if p.name.startswith(".")]  # no 0-byte temporary manifest


@pytest.mark.parametrize("signum, code, phrase", [(15, 143, "SIGTERM"), (2, 130, "Ctrl-C")])
def test_a_signal_gives_128_plus_signal_and_a_swedish_reason(tmp_path, signum, code, phrase):
    m = archive.open_run(tmp_path, "proj", "projekt", {})
    exc: BaseException = KeyboardInterrupt() if signum == 2 else RunInterrupted(15)
    err = lifecycle.failed(m, exc, lifecycle.Interruption())
    assert isinstance(err, RunInterrupted) and err.exit_code == code
    reason = archive.read_manifest(m.run_dir)["fel"]
    assert phrase in reason and "KeyboardInterrupt" not in reason


def test_a_personnummer_in_the_copy_removes_the_whole_run_folder(tmp_path, monkeypatch):
    proj = write_project(tmp_path / "inputs", GOOD_CSV)
    real_copy = archive.copy_inputs

    def swapped(files, run_dir):  # the file is replaced between validation and copying
        sums = real_copy(files, run_dir)
        (run_dir / "indata" / "utfall.csv").write_text(
            "indikator;grupp;period;värde;enhet\nind1;insats;2019;0,3;19811218-9876\nind1;insats;2020;0,2;x\n",
            encoding="utf-8")
        return sums

    monkeypatch.setattr(archive, "copy_inputs", swapped)
    with pytest.raises(InputError) as exc:
        project.run_project(proj, tmp_path / "outputs", "2022-02-02")
    text = exc.value.swedish()
    assert "personnummer" in text.lower() and "19811218-9876" not in text
    assert str(proj / "utfall.csv") in text and "ändrades medan körningen startade" in text
    assert "Inget har skrivits till outputs/" in text
    assert list((tmp_path / "outputs" / "test").iterdir()) == []  # true: nothing, not even a hidden folder


# ---------------------------------------------------------------- pandoc under LC_ALL=C


def test_pandoc_under_lc_all_c_handles_a_ring_paths_and_says_so_in_swedish_without_a_backtrace(tmp_path):
    folder = tmp_path / "Återrapport år"
    folder.mkdir()
    (folder / "källa.md").write_text("# Rubrik\n\nÅäö.\n", encoding="utf-8")
    c_env = {k: v for k, v in os.environ.items() if not k.startswith("LC_")} | {"LC_ALL": "C", "LANG": "C"}
    missing = folder / "saknas_å.md"
    raw = subprocess.run([render._pandoc(), str(missing), "-o", "x.docx"], cwd=folder, env=c_env, capture_output=True,
                         text=True, encoding="utf-8", errors="replace")
    assert raw.returncode != 0 and str(missing) not in raw.stderr  # the C locale mangles the path it reports
    render._run_pandoc(["källa.md", "--to", "docx", "--output", str(folder / "utdata.docx")], c_env, folder)
    assert zipfile.is_zipfile(folder / "utdata.docx")
    with pytest.raises(render.RenderError) as exc:
        render._run_pandoc([str(missing), "--to", "docx", "--output", "y.docx"], c_env, folder)
    assert str(missing) in str(exc.value)  # named as it is, å and all
    assert "HasCallStack" not in str(exc.value) and "GHC" not in str(exc.value)


def test_tool_messages_lose_the_haskell_call_stack():
    stderr = ("pandoc: /tmp/\\229r.docx: withFile: invalid argument (cannot encode character '\\229')\n"
              "CallStack (from HasCallStack):\n  error, called at libraries/base/GHC/Err.hs:74:14 in base:GHC.Err\n")
    assert render.tool_message(stderr) == ("pandoc: /tmp/\\229r.docx: withFile: invalid argument "
                                           "(cannot encode character '\\229')")
    env = render.utf8_environment({"LC_ALL": "C", "PATH": "/bin"})
    assert env["LC_ALL"].endswith("UTF-8") and env["PATH"] == "/bin"


@pytest.mark.integration
def test_disk_full_while_rendering_ends_as_every_failure_does(tmp_path, monkeypatch):
    proj = write_project(tmp_path / "inputs", GOOD_CSV)

    def full_disk(*_a, **_k):
        fh = tmp_path / "outputs" / "test"
        partial = next(p for p in fh.iterdir() if not p.name.startswith(".")) / "dokument" / ".rapport.pdf.tmp-1"
        partial.parent.mkdir(exist_ok=True)
        partial.write_bytes(b"%PDF-halv")
        raise OSError(errno.ENOSPC, "No space left on device", str(partial))

    monkeypatch.setattr(project, "render_reports", full_disk)
    with pytest.raises(RunFailed) as exc:
        project.run_project(proj, tmp_path / "outputs", "2022-02-02")
    assert exc.value.exit_code == 1 and "Disken är full" in str(exc.value) and "OSError" not in str(exc.value)
    run_dir = Path(exc.value.run_dir)
    manifest = archive.read_manifest(run_dir)
    assert manifest["status"] == "misslyckad" and manifest["fel"].startswith("Disken är full")
    assert not [p for p in run_dir.rglob("*") if ".tmp" in p.name]


def test_cli_slug_that_is_a_file_is_swedish_exit_2(tmp_path):
    proj = write_project(tmp_path / "inputs", GOOD_CSV)
    (tmp_path / "outputs").mkdir()
    (tmp_path / "outputs" / "test").write_text("ingen mapp", encoding="utf-8")
    proc = subprocess.run([sys.executable, "-m", "sif_eval", "run", str(proj), "--outputs", str(tmp_path / "outputs")],
                          capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert proc.returncode == 2 and "Traceback" not in proc.stderr
    assert f"{tmp_path / 'outputs' / 'test'} är en fil, inte en mapp" in proc.stderr


def test_isolation_needs_the_archived_code_and_pins_every_package_but_sif_eval(tmp_path):
    manifest = {"miljö": {"numpy": "2.1.0", "sif-eval": "0.1.0", "pandas": "2.2.3"},
                "versioner": {"sif-eval": "0.1.0"}}
    assert isolated.lock_requirements(manifest) == ["numpy==2.1.0", "pandas==2.2.3"]
    with pytest.raises(isolated.CannotIsolate, match="arkiverade inte sif-eval.*version 0.1.0"):
        isolated.unpack_code(tmp_path, manifest, tmp_path / "cache")
    with pytest.raises(isolated.CannotIsolate, match="'miljö'"):
        isolated.lock_requirements({})
    wheel = codearchive.build_wheel(tmp_path / "kod", "9.9")
    code = isolated.unpack_code(tmp_path, {"kod": {"arkiv": "kod/" + wheel.name, "sha256": archive.sha256(wheel)}},
                                tmp_path / "cache")
    assert (code / "sif_eval" / "cli.py").is_file() and (code / "sif_eval-9.9.dist-info" / "METADATA").is_file()
    assert code.parent == tmp_path / "cache" / "kod" and isolated.CannotIsolate.exit_code == 2
