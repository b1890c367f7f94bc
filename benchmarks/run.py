"""Benchmarks of sif-eval's main jobs, each beside the usual way of doing the same job.

``make bench`` runs this file; it writes ``results.md`` (a table for people)
and ``results.json`` (the same numbers for programs) in ``--out``.  Every
measurement runs in its own child process (see ``measure.py``) and the
targets of issue 8 are checked against the medians.  Slow measurements are
repeated fewer times, and the batch job keeps the whole run inside
``--budget-min`` by extrapolating the largest optional measurements from a
fitted line, labelled as such, rather than skipping them silently.

    .venv/bin/python benchmarks/run.py                 # everything, ~20 minutes here
    .venv/bin/python benchmarks/run.py --quick --jobs 2,4 --out /tmp/b
"""

from __future__ import annotations

import argparse
import datetime as dt
import importlib.util
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
import measure  # noqa: E402 - benchmarks/ is not a package
import ratios  # noqa: E402
import report  # noqa: E402

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
PY = sys.executable
EXAMPLE = "skolnarvaro"
EXAMPLE_START = "2018-08"  # the example's first period after insatsstart, for the usual-way notebook
REPORT_DATE = "2022-02-02"
USUAL_NOTEBOOK = HERE / "usual_way.ipynb"
NOTEBOOK_IMPORTS = ("import pandas; from IPython.display import Image, Markdown, display; "
                    "from sif_eval import swedish; from sif_eval.documents import texts; from sif_eval.inputs import project; from sif_eval.runs import evaluation")  # the notebook's import cell
BATCH_SCRIPT = ROOT / "scripts" / "make_batch_projects.py"
MIB_PER_ROW_AND_COLUMN = 8 / 1024 / 1024


@dataclass
class Settings:
    """How much to measure: the full run for ``make bench``, a tiny one for the tests."""

    quick: bool
    out: Path
    jobs: list[int]
    budget_s: float
    office: bool
    batch_sizes: list[int]
    batch_workers: list[int]
    loop_size: int
    did_units: list[int]
    periods: int
    sm_ladder: list[int]
    sm_time_cap_s: float
    sm_memory_cap_mb: float
    keep: bool
    merge: bool = False  # carry the jobs not measured now over from the existing results.json
    full: bool = False  # measure every batch size, whatever the budget says
    render_only: bool = False  # rewrite results.md from results.json without measuring

    def runs(self, slow: bool = False, turns: int = 1) -> dict[str, Any]:
        """Repeat limits for ``measure.repeat``/``alternate``: fewer runs for slow measurements, one in quick mode."""
        if self.quick:
            return {"min_runs": 1, "max_runs": 1, "budget_s": 0.0}
        return {"min_runs": 3, "max_runs": 5, "budget_s": (90.0 if slow else 45.0) * turns}


@dataclass
class Bench:
    """One benchmark run: settings, a scratch folder, the clock against the budget."""

    settings: Settings
    scratch: Path
    started: float = field(default_factory=time.perf_counter)
    env: dict[str, str] = field(default_factory=lambda: dict(os.environ, SIF_EVAL_RENDERER="inbyggd"))
    _soffice_profile: Path | None = None

    def say(self, message: str) -> None:
        print(message, file=sys.stderr, flush=True)

    def remaining_s(self) -> float:
        return self.settings.budget_s - (time.perf_counter() - self.started)

    def example_inputs(self, name: str) -> Path:
        """A private copy of the example project, with the shared files beside it (enhetskostnader.csv, kpi.csv)."""
        inputs = self.scratch / name / "inputs"
        if not inputs.exists():
            inputs.mkdir(parents=True)
            for f in (ROOT / "inputs").iterdir():
                if f.is_file():
                    shutil.copy2(f, inputs / f.name)
            shutil.copytree(ROOT / "inputs" / EXAMPLE, inputs / EXAMPLE)
        return inputs / EXAMPLE

    def soffice(self) -> str | None:
        """LibreOffice, with a private profile warmed once (its first start builds the profile)."""
        exe = shutil.which("soffice") or shutil.which("libreoffice")
        if exe is None or not self.settings.office:
            return None
        if self._soffice_profile is None:
            self._soffice_profile = self.scratch / "lo-profil"
            if not self.settings.quick:
                warm = self.scratch / "lo-värm"
                warm.mkdir()
                (warm / "t.txt").write_text("värm upp\n", encoding="utf-8")
                subprocess.run(self.soffice_cmd(exe, warm / "t.txt", warm), capture_output=True, timeout=180)
        return exe

    def soffice_cmd(self, exe: str, docx: Path, outdir: Path) -> list[str]:
        assert self._soffice_profile is not None
        return [exe, f"-env:UserInstallation={self._soffice_profile.as_uri()}", "--headless", "--convert-to", "pdf",
                "--outdir", str(outdir), str(docx)]


def pandoc_path() -> str:
    import pypandoc

    return pypandoc.get_pandoc_path()


def combine(samples: list[measure.Sample], parts: list[str]) -> measure.Sample:
    """Steps run one after another as one measurement: times add up, memory is the largest step's."""
    failed = next((s for s in samples if not s.ok), None)
    out = measure.Sample(seconds=sum(s.seconds for s in samples), max_rss_mb=max(s.max_rss_mb for s in samples),
                         tree_rss_mb=max(s.tree_rss_mb for s in samples),
                         returncode=failed.returncode if failed else 0, killed=failed.killed if failed else "",
                         cpu_s=sum(s.cpu_s for s in samples), load=samples[0].load,
                         payload={f"{p}_s": s.seconds for p, s in zip(parts, samples, strict=False)})
    if failed is not None:
        out.error = f"{parts[samples.index(failed)]}: {failed.error}"
        out.returncode = out.returncode or 1
    return out


def ratio(usual: float | None, ours: float | None) -> float | None:
    """How many times longer the usual way takes (above 1: sif-eval is faster)."""
    return usual / ours if usual and ours else None


def median_of(values: list[float]) -> float | None:
    return statistics.median(values) if values else None


# ---------------------------------------------------------------- job 1: one project end to end


def job1(b: Bench) -> dict[str, Any]:
    """``sif-eval run`` on the example, against Papermill CLI + pandoc + LibreOffice, and where the time goes."""
    s = b.settings
    project = b.example_inputs("jobb1")
    out = b.scratch / "jobb1"
    papermill = Path(PY).with_name("papermill")
    pm_cmd = [str(papermill)] if papermill.exists() else [PY, "-m", "papermill"]
    from sif_eval.runs.kernel import ensure_kernel

    kernel = ensure_kernel()
    office = b.soffice()
    pandoc = pandoc_path()
    counter = iter(range(1000))

    def usual_once() -> measure.Sample:
        folder = out / f"vanliga-{next(counter)}"
        folder.mkdir(parents=True)
        steps = [measure.run([*pm_cmd, str(USUAL_NOTEBOOK), str(folder / "utford.ipynb"), "-k", kernel,
                              "-r", "csv_path", str(project / "utfall.csv"), "-r", "out_dir", str(folder),
                              "-r", "start", EXAMPLE_START, "--no-progress-bar"], env=b.env, cwd=HERE)]
        if steps[-1].ok:
            steps.append(measure.run([pandoc, "rapport.md", "--from", "markdown", "--to", "docx", "--output",
                                      "rapport.docx"], env=b.env, cwd=folder))
        if steps[-1].ok and office:
            steps.append(measure.run(b.soffice_cmd(office, folder / "rapport.docx", folder), env=b.env, cwd=folder))
            if steps[-1].ok and not (folder / "rapport.pdf").exists():
                steps[-1].returncode, steps[-1].error = 1, "LibreOffice skrev ingen PDF"
        return combine(steps, ["papermill", "pandoc", "libreoffice"])

    def cli_once() -> measure.Sample:
        return measure.run([PY, "-m", "sif_eval", "run", str(project), "--outputs", str(out / "sif"),
                            "--rapportdatum", REPORT_DATE], env=b.env, cwd=b.scratch)

    b.say("[jobb 1] sif-eval run inputs/skolnarvaro, omväxlande med det vanliga sättet (papermill + pandoc + LibreOffice)")
    cli, usual = measure.alternate([measure.Spec("sif-eval run", cli_once),
                                    measure.Spec("papermill + pandoc + LibreOffice", usual_once)],
                                   say=b.say, **s.runs(slow=True, turns=2))
    parts = {k: median_of([p[k] for p in usual.payloads if k in p]) for k in ("papermill_s", "pandoc_s", "libreoffice_s")}
    result = {
        "titel": "Ett projekt från början till slut (sif-eval run inputs/skolnarvaro)",
        "sif_eval": cli.to_dict(), "vanliga": usual.to_dict(), "vanliga_delar_s": parts,
        "kvot": ratio(usual.median_s, cli.median_s),
        "not_vanliga": ("Papermill-CLI på benchmarks/usual_way.ipynb (pandas + statsmodels-formler med dummyvariabler, "
                        "en figur per indikator, Markdown), pandoc Markdown → docx, LibreOffice headless docx → pdf"
                        + ("" if office else "; LibreOffice saknas, så PDF-steget är inte med") + "."),
        "samma_skattningar": same_estimates(out),
        "uppdelning": breakdown(b, project, out),
    }
    return result


def same_estimates(out: Path) -> dict[str, Any] | None:
    """Both ways must compute the same thing: compare the DiD point estimates per indicator."""
    ours = sorted((out / "sif").glob(f"{EXAMPLE}/*/resultat.json"))
    theirs = sorted(out.glob("vanliga-*/resultat.json"))
    if not ours or not theirs:
        return None
    a = {e["indikator"]: e["skattning"] for e in json.loads(ours[-1].read_text(encoding="utf-8"))["effekter"]}
    c = {r["indikator"]: r["skattning"] for r in json.loads(theirs[-1].read_text(encoding="utf-8"))}
    diffs = {k: abs(a[k] - c[k]) for k in a if k in c and a[k] is not None}
    return {"sif_eval": a, "vanliga": c, "största_skillnad": max(diffs.values()) if diffs else None}


def breakdown(b: Bench, project: Path, out: Path) -> dict[str, Any]:
    """Where the time of one run goes: an instrumented run, plus isolated measurements to split its parts."""
    b.say("[jobb 1] uppdelning: instrumenterad körning och isolerade mätningar")
    run = measure.run(measure.child_cmd("run_phases", project=str(project), outputs=str(out / "instrumenterad")),
                      env=b.env, cwd=b.scratch)
    split = measure.run(measure.child_cmd("analysis_split", project=str(project), out=str(out / "isolerad")),
                        env=b.env, cwd=b.scratch)
    kernel = measure.run(measure.child_cmd("kernel_start", times=1 if b.settings.quick else 3), env=b.env, cwd=b.scratch)
    imports = measure.run(measure.child_cmd("importtime", statement="import sif_eval.cli, sif_eval.runner, papermill"),
                          env=b.env, cwd=b.scratch)
    kernel_imports = measure.run(measure.child_cmd("importtime", statement=NOTEBOOK_IMPORTS), env=b.env, cwd=b.scratch)
    bare = [measure.run([PY, "-c", "pass"], env=b.env).seconds for _ in range(3)]
    failed = [f"{n}: {x.error}" for n, x in (("instrumenterad körning", run), ("isolerad analys", split),
                                              ("kärnstart", kernel), ("importtid", imports),
                                              ("importtid i kärnan", kernel_imports)) if not x.ok]
    if not run.ok or run.payload is None:
        return {"fel": failed}
    p = run.payload
    ph = p["faser_s"]
    cells = p["celler_s"]
    cell_sum = sum(cells.values())
    wall = run.seconds
    iso = split.payload if split.ok and split.payload else {}
    iso_parts = iso.get("delar_s", {})
    analyse_iso = iso.get("analyse_s") or 0.0
    kernel_starts = (kernel.payload or {}).get("starter_s", []) if kernel.ok else []
    steps = p["steg_s"]
    docs = p["dokument_s"]
    kernel_and_papermill = ph.get("papermill", 0.0) - cell_sum
    inside = ("kontroll", "arkiv", "papermill", "dokument")
    rest_in_run = p["run_project_s"] - sum(ph.get(k, 0.0) for k in inside)

    def row(name: str, seconds: float, source: str, sub: list[dict[str, Any]] | None = None, key: str = ""
            ) -> dict[str, Any]:
        return {"fas": name, "nyckel": key, "sekunder": seconds, "andel": seconds / wall if wall else None,
                "källa": source, "under": sub or []}

    def share_of_cell(key: str) -> float:
        """The analysis cell split in the proportions the isolated run measured."""
        return cells.get("analys", 0.0) * (iso_parts.get(key, 0.0) / analyse_iso) if analyse_iso else 0.0

    top_imports = (imports.payload or {}).get("paket_s", {}) if imports.ok else {}
    top_kernel_imports = (kernel_imports.payload or {}).get("paket_s", {}) if kernel_imports.ok else {}
    figure_calls = (iso.get("anrop") or {}).get("figurer", 0)
    measured, isolated, by_cell = "instrumenterad körning", "isolerad mätning", "cellernas tider (Papermill)"
    spread = "cellen fördelad som isolerad mätning"
    rows = [
        row("Python-start och -avslut", wall - p["import_s"] - p["run_project_s"], measured,
            [row("tom Python-process (python -c pass), median", median_of(bare) or 0.0, isolated)], "python"),
        row("Import av sif_eval och papermill i CLI-processen", p["import_s"], measured,
            [row("samma import i ny process med -X importtime (summa av self-tider)",
                 (imports.payload or {}).get("totalt_s", 0.0) if imports.ok else 0.0, isolated),
             *(row(f"varav {name}", secs, isolated) for name, secs in list(top_imports.items())[:5])], "cli_import"),
        row("Kontroll av indata (load_project)", ph.get("kontroll", 0.0), measured, key="kontroll"),
        row("Arkiv: kopior, kontrollsummor, manifest med miljölista", ph.get("arkiv", 0.0), measured, key="arkiv"),
        row("Jupyter-kärnans start och Papermill", kernel_and_papermill, measured,
            [row("kärnstart ensam (jupyter_client, tills den svarar), median", median_of(kernel_starts) or 0.0,
                 isolated)], "kärna"),
        row("Anteckningsboken: importer och inläsning", cells.get("importer", 0.0), by_cell,
            [row("importerna ensamma i ny process", iso.get("import_s", 0.0), isolated),
             *(row(f"varav {name} (self-tid, -X importtime)", secs, isolated)
               for name, secs in list(top_kernel_imports.items())[:4]),
             row("inläsning ensam (load_project)", iso.get("inläsning_s", 0.0), isolated)], "nb_import"),
        row("Anteckningsboken: analys, figurer, kalkyl", cells.get("analys", 0.0), by_cell,
            [row("skattningar (analysis.estimate)", share_of_cell("skattningar"), spread),
             row(f"figurer (matplotlib, {figure_calls} st)", share_of_cell("figurer"), spread),
             row("ekonomisk kalkyl", share_of_cell("kalkyl"), spread)], "nb_analys"),
        row("Anteckningsboken: övriga celler", cells.get("övriga", 0.0), by_cell, key="nb_övrigt"),
        row(f"Dokument ({len(docs)} st, Word och PDF)", ph.get("dokument", 0.0), measured,
            [*(row(f"dokumentet {name}", secs, measured) for name, secs in docs.items()),
             *(row(f"steget {name} (alla dokument)", secs, measured) for name, secs in steps.items())], "dokument"),
        row("Övrigt i run_project (kärnspec, läsa resultat, signaler)", rest_in_run, measured, key="övrigt"),
    ]
    analysis_share = share_of_cell("skattningar") + share_of_cell("kalkyl")
    figure_share = share_of_cell("figurer")
    kernel_import_s = max(cells.get("importer", 0.0) - iso.get("inläsning_s", 0.0), 0.0)
    summary = {
        "kärnstart": kernel_and_papermill,
        "importer": p["import_s"] + kernel_import_s,
        "analys": analysis_share,
        "figurer": figure_share,
        "dokument": ph.get("dokument", 0.0),
    }
    summary["övrigt"] = wall - sum(summary.values())
    figure_seconds = iso_parts.get("figurer", 0.0)
    return {"totalt_s": wall, "run_project_s": p["run_project_s"], "rader": rows, "sammanfattning_s": summary,
            "fel": failed,
            "importer_i_kärnan_s": kernel_import_s, "cli_import_s": p["import_s"],
            "importpaket_i_kärnan_s": top_kernel_imports,
            "figurer": {"antal": figure_calls, "sekunder": figure_seconds, "igen_s": iso.get("figurer_igen_s"),
                        "dpi": iso.get("dpi")},
            "anteckningsbok_celler_s": cells, "steg_s": steps}


# ---------------------------------------------------------------- job 2: one document


def job2(b: Bench) -> dict[str, Any]:
    """render_reports on a hand-built result, against LibreOffice turning the same .docx into a PDF, in turns."""
    s = b.settings
    counter = iter(range(1000))

    def render_once() -> measure.Sample:
        work = b.scratch / "jobb2" / f"k{next(counter)}"
        return measure.run(measure.child_cmd("render", work=str(work), warm_runs=0 if s.quick else 2),
                           env=b.env, cwd=b.scratch)

    def one_document(sample: measure.Sample) -> float:
        return sample.payload["första"]["dokument_s"]["utvarderingsrapport"]

    def one_document_cpu(sample: measure.Sample) -> float:
        return sample.payload["första"]["dokument_cpu_s"]["utvarderingsrapport"]

    specs = [measure.Spec("ett dokument (sif-eval)", render_once, one_document, one_document_cpu)]
    office = b.soffice()
    docx = None
    if office:  # LibreOffice converts the very document sif-eval made: make one first, untimed
        first = render_once()
        docx = Path(first.payload["docx"]) if first.ok and first.payload else None
    if office and docx and docx.exists():
        target = b.scratch / "jobb2" / "libreoffice"
        target.mkdir(parents=True, exist_ok=True)
        specs.append(measure.Spec("LibreOffice docx → pdf", lambda: measure.run(
            b.soffice_cmd(office, docx, target), env=b.env, cwd=target)))
    b.say("[jobb 2] render_reports (ett dokument, Word och PDF)" + (", omväxlande med LibreOffice docx → pdf"
                                                                    if len(specs) > 1 else ""))
    stats = measure.alternate(specs, say=b.say, **s.runs(turns=len(specs)))
    ours = stats[0]
    pays = ours.payloads
    first_calls = [p["första"] for p in pays]
    warm = [w for p in pays for w in p["varma"]]
    steps = {k: median_of([f["steg_rapport_s"][k] for f in first_calls])
             for k in (first_calls[0]["steg_rapport_s"] if first_calls else {})}
    pdf_part = (steps.get("pandoc → typst") or 0.0) + (steps.get("typst → pdf") or 0.0)
    result: dict[str, Any] = {
        "titel": "Ett dokument i Word och PDF (render_reports, utvärderingsrapporten)",
        "sif_eval": ours.to_dict(),
        "båda_dokumenten_s": median_of([f["alla_dokument_s"] for f in first_calls]),
        "varm_ett_dokument_s": median_of([w["dokument_s"]["utvarderingsrapport"] for w in warm]),
        "steg_s": steps, "pdf_steget_s": pdf_part or None,
        "not_sif_eval": ("Tiden för det första anropet i en ny process (som i en körning): Jinja → Markdown, pandoc → "
                         "docx, pandoc → Typst, Typst → PDF/A och efterbehandling av docx. Minnet är hela "
                         "mätprocessens topp, inklusive Python, matplotlib och sif_eval."),
    }
    if len(stats) > 1:
        usual = stats[1]
        result["vanliga"] = usual.to_dict()
        result["kvot"] = ratio(usual.median_s, ours.median_s)
        result["kvot_pdf_steget"] = ratio(usual.median_s, pdf_part or None)
        result["not_vanliga"] = ("LibreOffice headless gör bara PDF:en av en färdig .docx (en ny soffice-process per "
                                 "fil, som i ett skript); sif-eval gör både .docx och PDF/A från Markdown.")
    else:
        result["vanliga"] = None
        result["kvot"] = None
        result["not_vanliga"] = ("LibreOffice (soffice) saknas på datorn eller valdes bort: det vanliga sättet är inte "
                                 "mätt.")
    return result


# ---------------------------------------------------------------- job 4: the DiD panel


def job4(b: Bench) -> dict[str, Any]:
    """estimate() on 100 000 and 1 000 000 rows, against statsmodels' dummy-variable formula as far as it goes."""
    s = b.settings

    def did(engine: str, units: int, **kw: Any) -> measure.Stat:
        rows = units * s.periods
        slow = engine == "statsmodels" or rows >= 1_000_000
        limits = s.runs(slow=slow)
        if engine == "statsmodels" and not s.quick:
            limits = {"min_runs": 1, "max_runs": 3, "budget_s": 45.0}
        cap = {"time_cap_s": s.sm_time_cap_s, "memory_cap_mb": s.sm_memory_cap_mb} if engine == "statsmodels" else {}
        return measure.repeat(f"{engine} {rows:_} rader".replace("_", " "), lambda: measure.run(
            measure.child_cmd("did", engine=engine, units=units, periods=s.periods, **kw), env=b.env, cwd=b.scratch,
            **cap), seconds_of=lambda x: x.payload["sekunder"], cpu_of=lambda x: x.payload["cpu_s"], say=b.say, **limits)

    b.say("[jobb 4] skillnad-i-skillnader med fasta effekter och klustrade standardfel")
    sizes, ours_by_units = [], {}
    for units in s.did_units:
        stat = did("sif-eval", units, check_areg=units in s.sm_ladder)
        ours_by_units[units] = stat
        sizes.append({"enheter": units, "perioder": s.periods, "rader": units * s.periods, **stat.to_dict(),
                      "skattning": stat.payloads[-1]["skattning"] if stat.payloads else None})
    profile = None
    if not s.quick and s.did_units:
        units = max(s.did_units)
        b.say(f"[jobb 4] var tiden går vid {units * s.periods:_} rader".replace("_", " "))
        prof = measure.run(measure.child_cmd("did_profile", units=units, periods=s.periods), env=b.env, cwd=b.scratch)
        profile = prof.payload if prof.ok else {"fel": prof.error}

    ladder, reached = [], None
    for units in s.sm_ladder:
        rows = units * s.periods
        params = units + s.periods
        step: dict[str, Any] = {"enheter": units, "rader": rows, "parametrar": params}
        if reached:  # scale the last size that finished: memory with rows·columns, time with rows·columns²
            base = 200.0
            last_rows, last_params = reached["rader"], reached["parametrar"]
            grow = rows * params / (last_rows * last_params)
            step["beräknat_minne_mb"] = base + (reached["statsmodels"]["peak_mb"] - base) * grow
            step["beräknad_tid_s"] = reached["statsmodels"]["median_s"] * grow * params / last_params
        else:  # dense dummies, copied about four times (as measured here at 2 000 units)
            step["beräknat_minne_mb"] = 4 * rows * params * MIB_PER_ROW_AND_COLUMN + 200
        if step["beräknat_minne_mb"] > s.sm_memory_cap_mb:
            guess = f", tid ≈ {step['beräknad_tid_s']:.0f} s" if "beräknad_tid_s" in step else ""
            step["status"] = (f"inte körd: beräknat minne ≈ {step['beräknat_minne_mb'] / 1024:.1f} GiB{guess}, "
                              "skalat från föregående storlek, över gränsen")  # results.md writes it in Swedish form
            ladder.append(step)
            break
        theirs = did("statsmodels", units)
        over_time = theirs.median_s is not None and theirs.median_s > s.sm_time_cap_s
        if theirs.median_s is None or over_time:
            step.update(statsmodels=theirs.to_dict(), status=(f"över tidsgränsen {s.sm_time_cap_s:.0f} s" if over_time
                                                              else "; ".join(theirs.failures) or "misslyckades"))
            ladder.append(step)
            break
        ours = ours_by_units.get(units) or did("sif-eval", units, check_areg=True)
        t_pay, o_pay = theirs.payloads[-1], (ours.payloads[-1] if ours.payloads else {})
        step.update(statsmodels=theirs.to_dict(), sif_eval=ours.to_dict(),
                    status="klar", kvot=ratio(theirs.median_s, ours.median_s),
                    skillnad_skattning=abs(t_pay["skattning"] - o_pay.get("skattning", float("nan"))),
                    standardfel_statsmodels=t_pay["standardfel"], standardfel_sif_eval_areg=o_pay.get("standardfel_areg"),
                    standardfel_sif_eval=o_pay.get("standardfel"))
        ladder.append(step)
        reached = step
    return {
        "titel": "Skillnad-i-skillnader, fasta effekter för enhet och period, klustrade standardfel",
        "storlekar": sizes, "profil": profile, "statsmodels_stege": ladder,
        "största_statsmodels": reached,
        "gränser": {"tid_s": s.sm_time_cap_s, "minne_mb": s.sm_memory_cap_mb},
        "not": ("Tiden är själva skattningen i en process där data redan finns (data byggs först, otidsatt); minnet "
                "är hela processens topp (ru_maxrss), inklusive data och bibliotek. statsmodels: "
                "smf.ols('y ~ treat + C(unit) + C(period)').fit(cov_type='cluster'), avbryts över gränserna."),
    }


# ---------------------------------------------------------------- job 3: the batch


def batch_available() -> str | None:
    """Why job 3 cannot run yet, or None when sif_eval.batch and the project generator exist."""
    if importlib.util.find_spec("sif_eval.runs.batch") is None:
        return "sif_eval/runs/batch.py finns inte ännu"
    if not BATCH_SCRIPT.exists():
        return "scripts/make_batch_projects.py finns inte ännu"
    return None


def _line_fit(points: list[tuple[int, float]]) -> tuple[float, float] | None:
    """Least squares T = a + b·n through the measured points (None with fewer than two sizes)."""
    if len({n for n, _ in points}) < 2:
        return None
    ns = [n for n, _ in points]
    ts = [t for _, t in points]
    mn, mt = statistics.fmean(ns), statistics.fmean(ts)
    slope = sum((n - mn) * (t - mt) for n, t in points) / sum((n - mn) ** 2 for n in ns)
    return mt - slope * mn, slope


def _mixed(*sources: str) -> str:
    """Label a value computed from several: measured only if all of them were."""
    measured = [x == "uppmätt" for x in sources]
    return "uppmätt" if all(measured) else ("delvis extrapolerat" if any(measured) else "extrapolerat")


def job3(b: Bench) -> dict[str, Any]:
    """run_batch on 10, 50 and 100 synthetic projects with 1 and 2 workers, against a loop of ``sif-eval run``."""
    s = b.settings
    title = "Batch av syntetiska projekt (sif-eval batch) med 1 och 2 arbetare"
    why_not = batch_available()
    if why_not:
        b.say(f"[jobb 3] ej mätt ännu: {why_not}")
        return {"titel": title, "status": "ej mätt ännu", "skäl": why_not}
    sizes = sorted(set(s.batch_sizes))
    largest, smallest = sizes[-1], sizes[0]
    folders: dict[int, Path] = {}

    def inputs_for(n: int) -> Path:
        if n not in folders:
            folder = b.scratch / "jobb3" / f"inputs-{n}"
            subprocess.run([PY, str(BATCH_SCRIPT), str(folder), "--antal", str(n)], check=True, capture_output=True,
                           env=b.env)
            folders[n] = folder
        return folders[n]

    measured: dict[tuple[int, int], dict[str, Any]] = {}
    notes: list[str] = []

    def run_batch(n: int, workers: int) -> None:
        b.say(f"[jobb 3] batch: {n} projekt, {workers} arbetare")
        sample = measure.run(measure.child_cmd("batch", inputs=str(inputs_for(n)), workers=workers,
                                               outputs=str(b.scratch / "jobb3" / f"out-{n}-{workers}")),
                             env=b.env, cwd=b.scratch)
        pay = sample.payload or {}
        entry = {"projekt": n, "arbetare": workers, "sekunder": sample.seconds if sample.ok else None,
                 "cpu_s": sample.cpu_s, "belastning": sample.load,
                 "toppminne_mb": sample.peak_mb, "största_process_mb": sample.max_rss_mb, "källa": "uppmätt",
                 "projektfas_s": pay.get("projektfas_s"), "samlad_s": pay.get("samlad_s"),
                 "klara_vid_s": pay.get("klara_vid_s") or [],
                 "status": pay.get("status"), "fel": sample.error or pay.get("fel") or pay.get("samlad_fel")}
        if entry["sekunder"] is not None:
            entry["per_projekt_s"] = entry["sekunder"] / n
            pace = _line_fit(list(enumerate(entry["klara_vid_s"][workers - 1:])))
            entry["takt_s"] = pace[1] if pace and pace[1] > 0 else None
        b.say(f"  {n} projekt, {workers} arbetare: {sample.seconds:.1f} s" + (f" ({sample.error})" if sample.error else ""))
        measured[(n, workers)] = entry

    def line(workers: int) -> tuple[float, float, int] | None:
        """T(n) ≈ a + b·n for this worker count: (a, b, sizes used; 1 means the pace of one size).

        With two or more measured sizes, a straight line through their totals, unless the machine's load
        bent it (a negative fixed part).  Otherwise the slope is the pace at which projects finished once
        every worker was busy, in the largest measured size, and the line passes through that total.
        """
        mine = {k[0]: v for k, v in measured.items() if k[1] == workers and v["sekunder"]}
        fit = _line_fit([(n, v["sekunder"]) for n, v in mine.items()])
        if fit and fit[0] >= 0 and fit[1] > 0:
            return fit[0], fit[1], len(mine)
        if not mine:
            return None
        largest = mine[max(mine)]
        per = largest.get("takt_s") or (largest["projektfas_s"] or largest["sekunder"]) / largest["projekt"]
        return largest["sekunder"] - per * largest["projekt"], per, 1

    def predicted(n: int, workers: int) -> float | None:
        fit = line(workers)
        return None if fit is None else fit[0] + fit[1] * n

    loop: dict[str, Any] = {}

    def run_loop(n: int) -> None:
        b.say(f"[jobb 3] slinga: sif-eval run på {n} projekt i tur och ordning")
        projects = sorted(p for p in inputs_for(max(n, smallest)).iterdir() if (p / "projekt.yaml").exists())[:n]
        samples = [measure.run([PY, "-m", "sif_eval", "run", str(p), "--outputs", str(b.scratch / "jobb3" / "slinga"),
                                "--rapportdatum", REPORT_DATE], env=b.env, cwd=b.scratch) for p in projects]
        ok = [x.seconds for x in samples if x.ok]
        loop.update(projekt=n, sekunder=sum(x.seconds for x in samples), per_projekt_median_s=median_of(ok),
                    cpu_s=sum(x.cpu_s for x in samples),
                    toppminne_mb=max((x.peak_mb for x in samples), default=0.0),
                    misslyckade=[x.error for x in samples if not x.ok][:3], källa="uppmätt")
        b.say(f"  slinga {n} projekt: {loop['sekunder']:.1f} s")

    workers = sorted(set(s.batch_workers))
    most = max(workers)
    # The smallest size with every worker count and the loop always; then, while the budget lasts, the target's
    # own measurement (largest size, most workers) first and the rest after it.
    plan: list[tuple[str, int, int, bool]] = [("batch", smallest, w, True) for w in sorted(workers, reverse=True)]
    plan.append(("loop", s.loop_size, 0, True))
    plan.append(("batch", largest, most, False))
    plan += [("batch", n, w, False) for w in sorted(workers, reverse=True) for n in sizes
             if (n, w) not in {(smallest, x) for x in workers} | {(largest, most)}]
    for kind, n, w, mandatory in plan:
        if kind == "loop":
            run_loop(n)
            continue
        guess = predicted(n, w)
        if not (mandatory or s.full) and guess is not None and guess > b.remaining_s():
            notes.append(f"{n} projekt med {w} arbetare mättes inte (beräknat {guess:.0f} s, kvar av tidsbudgeten "
                         f"{max(b.remaining_s(), 0):.0f} s); värdet är extrapolerat.")
            b.say("  " + notes[-1])
            continue
        run_batch(n, w)

    rows, fits = [], {}
    for w in workers:
        fit = line(w)
        if fit:
            fits[str(w)] = {"fast_s": fit[0], "per_projekt_s": fit[1], "punkter": fit[2]}
        for n in sizes:
            if (n, w) in measured:
                rows.append(measured[(n, w)])
                continue
            guess = predicted(n, w)
            rows.append({"projekt": n, "arbetare": w, "sekunder": guess, "per_projekt_s": guess / n if guess else None,
                         "källa": "extrapolerat" + (" (rät linje)" if fit and fit[2] > 1 else " (från takten)")})
    loop_rows = []
    if loop.get("per_projekt_median_s"):
        for n in sizes:
            source = "uppmätt" if n == loop["projekt"] else "extrapolerat (antal × median per projekt)"
            loop_rows.append({"projekt": n, "sekunder": loop["sekunder"] if n == loop["projekt"]
                              else n * loop["per_projekt_median_s"], "källa": source})

    def seconds(n: int, w: int) -> tuple[float | None, str]:
        r = next((r for r in rows if r["projekt"] == n and r["arbetare"] == w), None)
        return (r["sekunder"], r["källa"]) if r else (None, "")

    speedups = []
    for n in sizes:
        one, src1 = seconds(n, min(workers))
        two, src2 = seconds(n, most)
        speedups.append({"projekt": n, "kvot": ratio(one, two), "källa": _mixed(src1, src2)})
    loop_vs = []
    for lr in loop_rows:
        two, src = seconds(lr["projekt"], most)
        loop_vs.append({"projekt": lr["projekt"], "kvot": ratio(lr["sekunder"], two), "källa": _mixed(lr["källa"], src)})
    return {"titel": title, "status": "mätt", "rader": rows, "linje": fits, "slinga": loop, "slinga_rader": loop_rows,
            "snabbare_med_fler_arbetare": speedups, "slinga_mot_batch": loop_vs, "noter": notes,
            "arbetare": workers, "storlekar": sizes}


# ---------------------------------------------------------------- targets and main


def versions(office: bool = True) -> dict[str, str]:
    from importlib.metadata import PackageNotFoundError, version

    out = {}
    for name in ("sif-eval", "pandas", "numpy", "scipy", "statsmodels", "matplotlib", "papermill", "typst",
                 "pypandoc-binary", "psutil"):
        try:
            out[name] = version(name)
        except PackageNotFoundError:
            pass
    try:
        out["pandoc"] = subprocess.run([pandoc_path(), "--version"], capture_output=True, text=True).stdout.split("\n")[0]
    except Exception:  # noqa: BLE001 - informative only
        pass
    exe = shutil.which("soffice") if office else None
    if exe:
        try:
            out["libreoffice"] = subprocess.run([exe, "--version"], capture_output=True, text=True,
                                                timeout=60).stdout.strip()
        except (OSError, subprocess.TimeoutExpired):
            pass
    return out


def git_commit() -> str | None:
    """The commit measured, marked when the working tree had uncommitted changes (read-only git calls)."""
    try:
        head = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True)
        dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"], cwd=ROOT,
                               capture_output=True, text=True)
    except OSError:
        return None
    commit = head.stdout.strip()
    if not commit:
        return None
    return commit + (" (med ändringar som inte är incheckade)" if dirty.stdout.strip() else "")


def parse_list(text: str) -> list[int]:
    return [int(x) for x in text.replace(" ", "").split(",") if x]


def settings_from(argv: list[str] | None) -> Settings:
    parser = argparse.ArgumentParser(description="Prestandamätning av sif-eval: tid och minne för varje huvudjobb, "
                                     "bredvid det vanliga sättet. Skriver results.md och results.json.")
    parser.add_argument("--quick", action="store_true", help="en liten version (för testerna): en körning per mätning")
    parser.add_argument("--out", type=Path, default=HERE, help="var results.md och results.json skrivs (standard: benchmarks/)")
    parser.add_argument("--jobs", type=parse_list, default=[1, 2, 3, 4, 5],
                        help="vilka jobb, t.ex. 5 (kvoterna mot golvet, issue 19) eller 1,2,3,4")
    parser.add_argument("--behall-ovriga", action="store_true",
                        help="behåll jobb som inte mäts nu från results.json i --out (märkta med sitt datum)")
    parser.add_argument("--budget-min", type=float, default=20.0,
                        help="tidsbudget i minuter; batchmätningar som inte ryms extrapoleras (standard: 20)")
    parser.add_argument("--batch-sizes", type=parse_list, default=None, help="antal projekt i batchen (standard: 10,50,100)")
    parser.add_argument("--full", action="store_true",
                        help="mät alla batchstorlekar, även när tidsbudgeten inte räcker (tar ungefär en timme här)")
    parser.add_argument("--no-office", action="store_true", help="mät inte LibreOffice även om det finns")
    parser.add_argument("--keep", action="store_true", help="behåll arbetsmappen med alla körningar")
    parser.add_argument("--render-only", action="store_true",
                        help="mät ingenting: skriv om results.md (och målen) från results.json i --out")
    args = parser.parse_args(argv)
    quick = args.quick
    return Settings(
        quick=quick, out=args.out.resolve(), jobs=sorted(set(args.jobs)), budget_s=args.budget_min * 60,
        office=not args.no_office, batch_sizes=args.batch_sizes or ([2, 3] if quick else [10, 50, 100]),
        batch_workers=[1, 2], loop_size=2 if quick else 10,
        did_units=[50] if quick else [10_000, 100_000], periods=10,
        sm_ladder=[50] if quick else [500, 1_000, 2_000, 5_000, 10_000],
        sm_time_cap_s=60.0, sm_memory_cap_mb=4096.0, keep=args.keep, full=args.full, render_only=args.render_only,
        merge=args.behall_ovriga,
    )


def write(data: dict[str, Any], out: Path) -> None:
    """results.json and results.md, with the targets checked against the numbers."""
    data["mål"] = report.targets(data)
    data["mål_19"] = ratios.targets(data)
    out.mkdir(parents=True, exist_ok=True)
    (out / "results.json").write_text(json.dumps(data, ensure_ascii=False, indent=1, default=str) + "\n",
                                      encoding="utf-8")
    (out / "results.md").write_text(report.markdown(data), encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    s = settings_from(argv)
    if s.render_only:
        write(json.loads((s.out / "results.json").read_text(encoding="utf-8")), s.out)
        return 0
    scratch = Path(tempfile.mkdtemp(prefix="sif-bench-"))
    b = Bench(s, scratch)
    load_start = measure.load_average()
    started = dt.datetime.now(dt.UTC)
    jobs: dict[str, Any] = {}
    # The ratios of issue 19 first (their own floor beside each), the long batch of job 3 last.
    runners: dict[int, Callable[[Bench], dict[str, Any]]] = {5: ratios.job5, 1: job1, 2: job2, 4: job4, 3: job3}
    try:
        for number, fn in runners.items():  # the batch last: it takes what is left of the budget
            if number in s.jobs:
                t0 = time.perf_counter()
                try:
                    jobs[str(number)] = fn(b)
                except Exception as exc:  # noqa: BLE001 - one broken job must not lose the others' numbers
                    jobs[str(number)] = {"status": "misslyckades", "fel": f"{type(exc).__name__}: {exc}"}
                    b.say(f"[jobb {number}] misslyckades: {exc}")
                jobs[str(number)]["jobbtid_s"] = time.perf_counter() - t0
    finally:
        if not s.keep:
            shutil.rmtree(scratch, ignore_errors=True)
    old = s.out / "results.json"
    if s.merge and old.exists():
        earlier = json.loads(old.read_text(encoding="utf-8"))
        for key, job in (earlier.get("jobb") or {}).items():
            if key not in jobs:
                jobs[key] = {**job, "från_tidigare_körning": job.get("från_tidigare_körning") or earlier.get("skapad")}
    data = {
        "schema": 1,
        "skapad": started.isoformat(timespec="seconds"),
        "snabb": s.quick,
        "kommando": " ".join(["benchmarks/run.py", *(argv if argv is not None else sys.argv[1:])]),
        "commit": git_commit(),
        "total_tid_s": time.perf_counter() - b.started,
        "maskin": measure.machine(),
        "belastning": {"start": load_start, "slut": measure.load_average()},
        "versioner": versions(s.office),
        "jobb": {k: jobs[k] for k in sorted(jobs)},
    }
    write(data, s.out)
    b.say(f"Klart på {data['total_tid_s']:.0f} s: {s.out / 'results.md'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
