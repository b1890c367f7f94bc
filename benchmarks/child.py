"""The measured work, one task per child process: ``python benchmarks/child.py TASK '{json args}'``.

Each task prints one line ``BENCH_RESULT {json}`` with its in-process
timings, so the parent (``run.py``) can report both the child's wall time
and the time of the operation itself, without the interpreter start.
Timings inside ``sif_eval`` come from wrapping its functions in place: the
code measured is the code that runs, not a copy of it.
"""

from __future__ import annotations

import datetime as dt
import functools
import json
import sys
import threading
import time
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import numpy as np

RESULT_PREFIX = "BENCH_RESULT "
REPORT_DATE = dt.date(2022, 2, 2)

TIMES: dict[str, float] = defaultdict(float)
CPU_TIMES: dict[str, float] = defaultdict(float)
CALLS: dict[str, int] = defaultdict(int)
EVENTS: list[tuple[str, float]] = []
CURRENT = threading.local()  # .dokument: the document this thread renders, so each step is booked to it
STEPS = ("pandoc → docx", "pandoc → typst", "typst → pdf", "docx-efterbehandling")


def timed(label: str | Callable[..., str], fn: Callable[..., Any]) -> Callable[..., Any]:
    """Wrap ``fn`` so its time adds up under ``label`` (or under ``label(*args)`` when label is a function)."""

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        t0, c0 = time.perf_counter(), cpu_clock()
        try:
            return fn(*args, **kwargs)
        finally:
            name = label(*args, **kwargs) if callable(label) else label
            TIMES[name] += time.perf_counter() - t0
            CPU_TIMES[name] += cpu_clock() - c0
            CALLS[name] += 1

    return wrapper


def wrap(owner: Any, name: str, label: str | Callable[..., str]) -> None:
    """Time ``owner.name`` in place if it exists; the code measured may have moved since this was written."""
    fn = getattr(owner, name, None)
    if callable(fn):
        setattr(owner, name, timed(label, fn))


def cpu_clock() -> float:
    """CPU seconds of this process (all threads) plus the children it waited for (pandoc, typst)."""
    import os

    t = os.times()
    return t.user + t.system + t.children_user + t.children_system


def rss_mb() -> float:
    """The current RSS of this process (MiB), or 0 without psutil."""
    try:
        import psutil
    except ImportError:
        return 0.0
    return psutil.Process().memory_info().rss / 1024 / 1024


def report(payload: dict[str, Any]) -> None:
    print(RESULT_PREFIX + json.dumps(payload, ensure_ascii=False, default=str), flush=True)


# ---------------------------------------------------------------- rendering (job 2 and the breakdown)


def instrument_rendering() -> None:
    """Time each document (Jinja source + pandoc + typst + docx finishing) and each step inside it."""
    from sif_eval.documents import render

    def step(name: str) -> Callable[..., str]:
        return lambda *_a, **_k: f"steg:{CURRENT.dokument}:{name}"

    def pandoc_step(args: list[str], *_a: Any, **_k: Any) -> str:
        return step("pandoc → docx" if "docx" in args else "pandoc → typst")()

    def document(source: Path, *_a: Any, **_k: Any) -> str:
        CURRENT.dokument = Path(source).stem
        return f"dokument:{CURRENT.dokument}"

    render_one = render.render

    def render_and_name(source: Path, *args: Any, **kwargs: Any) -> Any:
        CURRENT.dokument = Path(source).stem
        return render_one(source, *args, **kwargs)

    render._run_pandoc = timed(pandoc_step, render._run_pandoc)
    render.compile_typst = timed(step("typst → pdf"), render.compile_typst)
    render.finish_docx = timed(step("docx-efterbehandling"), render.finish_docx)
    render.write_source = timed(lambda _t, _c, _m, out, *a, **k: f"dokument:{Path(out).stem}", render.write_source)
    render.render = timed(document, render_and_name)


def step_times(doc: str | None = None) -> dict[str, float]:
    """Seconds per rendering step, for one document or summed over all."""
    out = dict.fromkeys(STEPS, 0.0)
    for key, seconds in TIMES.items():
        if key.startswith("steg:"):
            _, name, step = key.split(":", 2)
            if doc is None or name == doc:
                out[step] += seconds
    return out


def document_times(table: dict[str, float] = TIMES) -> dict[str, float]:
    return {k.split(":", 1)[1]: v for k, v in table.items() if k.startswith("dokument:")}


def _sample_result() -> Any:
    """A hand-built result with one DiD effect and a figure, as ``tests/test_render.py`` builds it."""
    from sif_eval.model import Effect, ProjectResult

    effect = Effect(indikator="hog_franvaro", design="did", skattning=-0.052, standardfel=0.011, ki_låg=-0.074,
                    ki_hög=-0.030, p_värde=0.0001, n_obs=1240, n_kluster=310, se_typ="kluster",
                    namn="Andel elever med hög frånvaro", typ="andel", bättre="lägre", effektmål=-0.05,
                    designval="Både insats- och jämförelsegrupp finns före och efter insatsstart.",
                    måluppfyllelse="kan_ej_avgöras", varningar=("Pröva antagandet om parallella trender.",),
                    figur="figurer/hog_franvaro.png", figur_alt="Linjediagram över andelen elever med hög frånvaro.")
    return ProjectResult(projekt="Koordinatorer för ökad skolnärvaro", diarienummer="KSN-2018-0421",
                         slug="skolnarvaro", ansvarig_nämnd="Utbildningsnämnden", handläggare="Anna Andersson",
                         insatsstart="2018-08-15", rapportdatum="2022-02-02", effekter=(effect,),
                         beskrivning="Första stycket.\n\nAndra stycket.", extra=(("kommun", "Uppsala kommun"),))


def task_render(work: str, warm_runs: int = 2) -> dict[str, Any]:
    """render_reports on a hand-built result: the first call (as in a run) and a few warm calls."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from sif_eval.documents.report import render_reports

    run_dir = Path(work)
    (run_dir / "figurer").mkdir(parents=True, exist_ok=True)
    fig, ax = plt.subplots(figsize=(6, 3.5))
    ax.plot([2017, 2018, 2019, 2020], [0.31, 0.29, 0.22, 0.20], marker="o")
    fig.savefig(run_dir / "figurer" / "hog_franvaro.png", dpi=150, metadata={"Software": None})
    plt.close(fig)
    result = _sample_result()
    instrument_rendering()
    calls = []
    for _ in range(1 + warm_runs):
        TIMES.clear()
        CPU_TIMES.clear()
        t0, c0 = time.perf_counter(), cpu_clock()
        rendered = render_reports(result, run_dir, REPORT_DATE)
        total = time.perf_counter() - t0
        calls.append({"alla_dokument_s": total, "alla_dokument_cpu_s": cpu_clock() - c0, "dokument_s": document_times(),
                      "dokument_cpu_s": document_times(CPU_TIMES), "steg_s": step_times(),
                      "steg_rapport_s": step_times("utvarderingsrapport")})
    report_doc = next(r for r in rendered if r.name == "utvarderingsrapport")
    return {"första": calls[0], "varma": calls[1:], "docx": str(report_doc.docx), "pdf": str(report_doc.pdf),
            "rss_mb": rss_mb()}


# ---------------------------------------------------------------- difference-in-differences (job 4)


def _panel_arrays(units: int, periods: int, seed: int) -> dict[str, np.ndarray]:
    """A balanced panel: half the units treated from the middle period, unit and period effects, true effect 0.3."""
    import numpy as np

    rng = np.random.default_rng(seed)
    u = np.repeat(np.arange(units), periods)
    t = np.tile(np.arange(periods), units)
    treated = u < units // 2
    after = t >= periods // 2
    y = rng.normal(0, 1, units)[u] + rng.normal(0, 1, periods)[t] + 0.3 * (treated & after) + rng.normal(0, 1, u.size)
    return {"u": u, "t": t, "treated": treated, "after": after, "y": y}


def _sif_obs(a: dict[str, np.ndarray], units: int, periods: int) -> Any:
    """The panel as the loader's normalized observations (what ``estimate`` takes)."""
    import numpy as np
    import pandas as pd

    n = a["y"].size
    starts = pd.to_datetime([f"{2010 + i}-01-01" for i in range(periods)]).to_numpy()
    return pd.DataFrame({
        "indikator": "x", "grupp": np.where(a["treated"], "insats", "jämförelse").astype(object),
        "period": np.array([f"{2010 + i}" for i in range(periods)], dtype=object)[a["t"]],
        "period_start": starts[a["t"]], "period_typ": "år", "varde": a["y"],
        "enhet": np.array([f"E{i:06d}" for i in range(units)], dtype=object)[a["u"]], "antal": np.nan,
        "efter": a["after"], "rad": np.arange(2, n + 2),
    })


def task_did(engine: str, units: int, periods: int = 10, seed: int = 20240601, check_areg: bool = False
             ) -> dict[str, Any]:
    """One DiD fit with unit and period fixed effects and SEs clustered by unit; data built first, untimed."""
    a = _panel_arrays(units, periods, seed)
    n = a["y"].size
    if engine == "sif-eval":
        from sif_eval.analysis.estimate import estimate
        from sif_eval.model import Indicator

        obs = _sif_obs(a, units, periods)
        before = rss_mb()
        t0, c0 = time.perf_counter(), cpu_clock()
        effect = estimate(obs, Indicator(id="x", namn="x", typ="medelvärde", design="did"))
        seconds, cpu = time.perf_counter() - t0, cpu_clock() - c0
        out = {"sekunder": seconds, "cpu_s": cpu, "skattning": effect.skattning, "standardfel": effect.standardfel,
               "design": effect.design, "n_obs": effect.n_obs, "n_kluster": effect.n_kluster}
        if check_areg:  # the same dof rule as statsmodels' dummies, to show the two agree (untimed)
            from sif_eval.analysis.did import estimate_did

            out["standardfel_areg"] = estimate_did(obs, fe_dof="areg", bootstrap=False).standardfel
    else:
        import pandas as pd
        import statsmodels.formula.api as smf

        df = pd.DataFrame({"y": a["y"], "treat": (a["treated"] & a["after"]).astype(float), "unit": a["u"],
                           "period": a["t"]})
        before = rss_mb()
        t0, c0 = time.perf_counter(), cpu_clock()
        model = smf.ols("y ~ treat + C(unit) + C(period)", data=df)
        fit = model.fit(cov_type="cluster", cov_kwds={"groups": df["unit"].to_numpy()})
        seconds, cpu = time.perf_counter() - t0, cpu_clock() - c0
        out = {"sekunder": seconds, "cpu_s": cpu, "skattning": float(fit.params["treat"]), "standardfel": float(fit.bse["treat"]),
               "n_obs": int(fit.nobs), "n_parametrar": int(model.exog.shape[1])}
    out.update(rader=n, enheter=units, perioder=periods, rss_före_mb=before, rss_efter_mb=rss_mb())
    return out


def task_did_profile(units: int, periods: int = 10, seed: int = 20240601) -> dict[str, Any]:
    """Where the DiD time goes: the steps of ``estimate`` timed by wrapping them in place."""
    from sif_eval.analysis import did as analysis_did
    from sif_eval.analysis import estimate as analysis
    from sif_eval.model import Indicator

    obs = _sif_obs(_panel_arrays(units, periods, seed), units, periods)
    inside = {"event": False}
    event_study = analysis_did._event_study

    def flagged_event_study(*args: Any, **kwargs: Any) -> Any:
        inside["event"] = True
        try:
            return event_study(*args, **kwargs)
        finally:
            inside["event"] = False

    labels = {"prep": "förberedelse (_prepare: kopia, faktorisering av textkolumner)",
              "desc": "beskrivande medelvärden (group_descriptives)",
              "main": "huvudmodellen (fit_ols)", "event": "händelsestudien (_event_study)"}
    analysis._prepare = timed(labels["prep"], analysis._prepare)
    analysis_did.group_descriptives = timed(labels["desc"], analysis_did.group_descriptives)
    analysis_did._event_study = timed(labels["event"], flagged_event_study)
    analysis_did.fit_ols = timed(lambda *a, **k: "_inre" if inside["event"] else labels["main"], analysis_did.fit_ols)
    t0 = time.perf_counter()
    analysis.estimate(obs, Indicator(id="x", namn="x", design="did"))
    total = time.perf_counter() - t0
    parts = {v: TIMES.get(v, 0.0) for v in labels.values()}
    parts["övrigt (faktorisering, designmatris, inferens)"] = total - sum(parts.values())
    return {"totalt_s": total, "delar_s": parts, "rader": int(obs.shape[0])}


# ---------------------------------------------------------------- one project (job 1 breakdown)


def _notebook_cells(executed: Path) -> dict[str, float]:
    """Papermill's per-cell durations, grouped by what the cell does."""
    nb = json.loads(executed.read_text(encoding="utf-8"))
    groups: dict[str, float] = defaultdict(float)
    for cell in nb.get("cells", []):
        if cell.get("cell_type") != "code":
            continue
        source = "".join(cell.get("source", ""))
        duration = float((cell.get("metadata", {}).get("papermill", {}) or {}).get("duration") or 0.0)
        if "evaluation.analyse" in source:
            groups["analys"] += duration
        elif "load_project" in source:
            groups["importer"] += duration
        else:
            groups["övriga"] += duration
    return dict(groups)


def task_run_phases(project: str, outputs: str) -> dict[str, Any]:
    """``sif-eval run`` as the CLI does it (kernel started first, in the background), each phase timed in place."""
    t0 = time.perf_counter()
    from sif_eval.runs import warm

    kernel = warm.WarmKernel(warm.PROJECT_PRELOAD).start_in_background()  # as cli.py, before run_project's imports
    import sif_eval.cli  # noqa: F401 - what `python -m sif_eval` imports before it does anything
    from sif_eval.runs import archive
    from sif_eval.runs import notebook as nbmod
    from sif_eval.runs import project as runs

    imports = time.perf_counter() - t0
    wrap(runs, "load_checked", "kontroll")
    wrap(runs, "render_reports", "dokument")
    wrap(runs, "execute", "papermill")
    wrap(warm.WarmKernel, "manager", "väntan på kärnan")
    wrap(warm.WarmKernel, "reset", "återställning")
    wrap(nbmod, "engine_name", "papermill-motor")
    wrap(archive, "open_run", "arkiv")
    wrap(archive, "copy_templates", "arkiv")
    wrap(archive.Manifest, "update", "arkiv")
    wrap(archive.Manifest, "finish", "arkiv")
    instrument_rendering()
    t1 = time.perf_counter()
    try:
        outcome = runs.run_project(project, outputs, REPORT_DATE, kernel=kernel)
    finally:
        kernel.shutdown()
    total = time.perf_counter() - t1
    from sif_eval import paths

    phases = {k: v for k, v in TIMES.items() if not k.startswith(("dokument:", "steg:"))}
    return {"import_s": imports, "run_project_s": total, "faser_s": phases,
            "kärnstart_s": kernel.start_seconds[0] if kernel.start_seconds else None,
            "celler_s": _notebook_cells(outcome.run_dir / paths.EXECUTED_NOTEBOOK),
            "dokument_s": document_times(), "steg_s": step_times(), "körning": str(outcome.run_dir)}


def task_warm_phases(inputs: str, outputs: str, projects: int = 6, warmup: int = 2) -> dict[str, Any]:
    """Where a batch worker's time goes per project: one warm kernel, ``warmup`` projects first, untimed."""
    from sif_eval import paths
    from sif_eval.runs import archive, codearchive, project, warm

    folders = sorted(p for p in Path(inputs).iterdir() if (p / "projekt.yaml").is_file())[: warmup + projects]
    kernel = warm.WarmKernel().start_in_background()
    try:
        for p in folders[:warmup]:
            project.run_project(p, outputs, REPORT_DATE, kernel=kernel)
        wrap(project, "load_checked", "kontroll av indata (två gånger: original och kopior)")
        wrap(archive, "copy_inputs", "arkiv: kopior, kod, manifest")
        wrap(archive, "copy_templates", "arkiv: kopior, kod, manifest")
        wrap(archive.Manifest, "start", "arkiv: kopior, kod, manifest")
        wrap(archive.Manifest, "finish", "kontrollsummor av utdata")
        wrap(codearchive, "archive_code", "arkiv: kopior, kod, manifest")
        wrap(project, "execute", "anteckningsboken")
        wrap(warm.WarmKernel, "reset", "återställning av kärnan")
        wrap(project, "render_reports", "dokument (2 st, Word och PDF)")
        TIMES.clear()
        cells: dict[str, float] = defaultdict(float)
        t0 = time.perf_counter()
        for p in folders[warmup:]:
            done = project.run_project(p, outputs, REPORT_DATE, kernel=kernel)
            for k, v in _notebook_cells(done.run_dir / paths.EXECUTED_NOTEBOOK).items():
                cells[k] += v
        total = time.perf_counter() - t0
    finally:
        kernel.shutdown()
    n = max(1, len(folders) - warmup)
    phases = {k: v / n for k, v in TIMES.items() if not k.startswith(("dokument:", "steg:"))}
    return {"projekt": n, "per_projekt_s": total / n, "faser_s": phases, "celler_s": {k: v / n for k, v in cells.items()},
            "kärnstarter": kernel.starts}


def task_analysis_split(project: str, out: str) -> dict[str, Any]:
    """What the notebook's cells do, outside a kernel: imports, loading, estimates, figures, calculation."""
    t0 = time.perf_counter()
    import pandas  # noqa: F401
    from IPython.display import Image, Markdown, display  # noqa: F401

    from sif_eval import swedish  # noqa: F401
    from sif_eval.documents import texts  # noqa: F401
    from sif_eval.inputs import project as loading  # noqa: F401
    from sif_eval.runs import evaluation  # noqa: F401

    imports = time.perf_counter() - t0
    from sif_eval.analysis import estimate as analysis
    from sif_eval.economics import api as economics
    from sif_eval.figures import effects as figures

    wrap(analysis, "estimate", "skattningar")
    for name in ("plot_effect", "plot_event_study"):
        wrap(figures, name, "figurer")
    for name in ("plot_cumulative", "plot_tornado"):
        wrap(evaluation, name, "figurer")
    for name in ("calculate", "load_budget"):
        wrap(economics, name, "kalkyl")
    t1 = time.perf_counter()
    loaded = loading.load_project(project)
    load = time.perf_counter() - t1
    t2 = time.perf_counter()
    evaluation.analyse(loaded, out, REPORT_DATE)
    analyse = time.perf_counter() - t2
    parts, calls = dict(TIMES), dict(CALLS)
    TIMES.clear()
    t3 = time.perf_counter()  # once more in the same process: what is start-up and what is the work itself
    evaluation.analyse(loaded, Path(out) / "igen", REPORT_DATE)
    again = time.perf_counter() - t3
    return {"import_s": imports, "inläsning_s": load, "analyse_s": analyse, "delar_s": parts, "anrop": calls,
            "analyse_igen_s": again, "figurer_igen_s": TIMES.get("figurer", 0.0),
            "dpi": getattr(figures, "DPI", None)}


def task_kernel_start(times: int = 3) -> dict[str, Any]:
    """Start the ``sif-eval`` kernel until it answers, as Papermill does, then shut it down."""
    from jupyter_client.manager import KernelManager

    from sif_eval.runs.kernel import ensure_kernel

    name = ensure_kernel()
    starts = []
    for _ in range(times):
        t0 = time.perf_counter()
        km = KernelManager(kernel_name=name)
        km.start_kernel()
        kc = km.client()
        kc.start_channels()
        kc.wait_for_ready(timeout=120)
        starts.append(time.perf_counter() - t0)
        kc.stop_channels()
        km.shutdown_kernel(now=True)
    return {"starter_s": starts}


def task_importtime(statement: str) -> dict[str, Any]:
    """``python -X importtime``: import time per top-level package (self times, so they add up)."""
    import subprocess

    proc = subprocess.run([sys.executable, "-X", "importtime", "-c", statement], capture_output=True, text=True)
    per_package: dict[str, float] = defaultdict(float)
    for line in proc.stderr.splitlines():
        if not line.startswith("import time:") or "self [us]" in line:
            continue
        _, self_us, _cum, name = (part.strip() for part in line.replace("import time:", "|", 1).split("|"))
        per_package[name.split(".")[0]] += int(self_us) / 1e6
    total = sum(per_package.values())
    top = dict(sorted(per_package.items(), key=lambda kv: -kv[1])[:10])
    return {"totalt_s": total, "paket_s": top, "sats": statement}


# ---------------------------------------------------------------- batch (job 3)


def task_batch(inputs: str, outputs: str, workers: int) -> dict[str, Any]:
    """run_batch with a clock on its progress lines: projects phase, then the consolidated evaluation."""
    t0 = time.perf_counter()
    from sif_eval.runs.batch import run_batch

    def progress(msg: str) -> None:
        EVENTS.append((msg, time.perf_counter() - t0))

    done = run_batch(inputs, outputs, workers=workers, force=True, report_date=REPORT_DATE, progress=progress)
    total = time.perf_counter() - t0
    consolidated_at = next((t for msg, t in EVENTS if msg.startswith("Samlad utvärdering")), total)
    slugs = {p.slug for p in done.projects}
    finished = sorted(t for msg, t in EVENTS if msg.split(":", 1)[0] in slugs and t <= consolidated_at)
    statuses: dict[str, int] = defaultdict(int)
    for p in done.projects:
        statuses[p.status] += 1
    return {"totalt_s": total, "projektfas_s": consolidated_at, "samlad_s": total - consolidated_at,
            "projekt_s": [p.seconds for p in done.projects], "klara_vid_s": finished, "status": dict(statuses), "kod": done.exit_code,
            "fel": [f"{p.slug}: {p.reason}" for p in done.failed][:5], "samlad_fel": done.consolidated_error}


TASKS: dict[str, Callable[..., dict[str, Any]]] = {
    "render": task_render, "did": task_did, "did_profile": task_did_profile, "run_phases": task_run_phases,
    "analysis_split": task_analysis_split, "kernel_start": task_kernel_start, "importtime": task_importtime,
    "batch": task_batch, "warm_phases": task_warm_phases,
}


def main(argv: list[str]) -> int:
    task, args = argv[0], json.loads(argv[1]) if len(argv) > 1 else {}
    report(TASKS[task](**args))
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
