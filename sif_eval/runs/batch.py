"""``run_batch``: every project in inputs/, in parallel, then the yearly consolidated evaluation.

Each project goes through the same :func:`sif_eval.runner.run_project` as
``sif-eval run``, in a process pool on this machine or as tasks on a Dask
cluster.  A project that fails never stops the others: its reason is kept and
the batch's exit code becomes 1.  A project whose inputs and code version are
unchanged since its last successful run is reused ("återanvänd"), so a second
batch only re-runs what changed.  Finally the consolidated notebook runs over
the results and renders its documents into ``outputs/samlad/<år>/<run-id>/``.
"""

from __future__ import annotations

import ctypes
import dataclasses
import datetime as dt
import logging
import multiprocessing
import os
import signal
import sys
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ProcessPoolExecutor, as_completed
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .. import __version__, paths
from .. import swedish as sv
from ..errors import InputError, Problem, RunFailed, RunInterrupted, SifEvalError
from ..inputs.application import is_application
from ..inputs.fund import load_ledger
from ..inputs.municipality import load_municipality_in
from ..inputs.project import load_project
from ..paths import PROJECT_FILE
from . import archive, codearchive, lifecycle, warm
from .consolidated import (
    CONSOLIDATED_DIR,
    RUN_DONE,
    RUN_FAILED,
    RUN_REUSED,
    ProjectRun,
    latest_done_run,
    run_consolidated,
)
from .notebook import kernel_failed_to_start
from .project import run_project

LOCAL_DASK_WORKERS = 2
RUN_ABORTED = "avbruten"  # the batch was stopped before this project finished
WORKER_STOP_S = 60  # how long stopped workers get to mark their runs failed before they are killed
_in_pool_worker = False


@dataclass(frozen=True)
class ProjectOutcome:
    """What happened to one project in the batch."""

    slug: str
    status: str  # klar | återanvänd | misslyckad
    run_dir: Path | None
    seconds: float
    reason: str = ""
    attempts: int = 1


@dataclass(frozen=True)
class BatchOutcome:
    """The whole batch: each project, the consolidated run folder, and the exit code."""

    projects: tuple[ProjectOutcome, ...]
    consolidated: Path | None
    documents: tuple[Path, ...]
    seconds: float
    consolidated_error: str | None = None
    interrupted: int | None = None  # the signal that stopped the batch (SIGTERM 15, SIGINT 2)

    @property
    def failed(self) -> tuple[ProjectOutcome, ...]:
        return tuple(p for p in self.projects if p.status == RUN_FAILED)

    @property
    def exit_code(self) -> int:
        if self.interrupted:
            return 128 + self.interrupted
        return 1 if self.failed or self.consolidated_error else 0

    def summary(self) -> str:
        """The table printed at the end: projekt, status, tid, skäl."""
        rows = [(p.slug, p.status, f"{sv.decimal(p.seconds, 1)} s", p.reason) for p in self.projects]
        head = ("Projekt", "Status", "Tid", "Skäl")
        widths = [max(len(str(r[i])) for r in [head, *rows]) for i in range(3)]
        lines = ["  ".join(str(c).ljust(w) for c, w in zip(r[:3], widths, strict=True)) + "  " + r[3]
                 for r in [head, *rows]]
        lines.insert(1, "-" * (sum(widths) + 6 + len("Skäl")))
        counts = {s: sum(1 for p in self.projects if p.status == s)
                  for s in (RUN_DONE, RUN_REUSED, RUN_FAILED, RUN_ABORTED)}
        aborted = f", {counts[RUN_ABORTED]} avbrutna" if counts[RUN_ABORTED] else ""
        lines.append(f"{len(self.projects)} projekt: {counts[RUN_DONE]} körda, {counts[RUN_REUSED]} återanvända, "
                     f"{counts[RUN_FAILED]} misslyckade{aborted}. Total tid {sv.decimal(self.seconds, 1)} s.")
        if self.interrupted:
            lines.append(f"Batchen avbröts ({'Ctrl-C' if self.interrupted == signal.SIGINT else 'SIGTERM'}) "
                         "innan allt var klart; den samlade utvärderingen gjordes inte. Det som hann bli klart "
                         "återanvänds nästa gång.")
        elif self.consolidated_error:
            lines.append(f"Den samlade utvärderingen misslyckades: {self.consolidated_error}")
        elif self.consolidated:
            lines.append(f"Samlad utvärdering: {self.consolidated}")
        return "\n".join(lines)


# ---------------------------------------------------------------- incremental runs


def find_projects(inputs_dir: Path) -> list[Path]:
    """Every project folder directly under inputs/: a folder with projekt.yaml."""
    return sorted(p for p in inputs_dir.iterdir()
                  if p.is_dir() and not p.name.startswith(".") and (p / PROJECT_FILE).is_file()
                  and not is_application(p))  # applications have no outcome; `prioritera` takes them


def code_version(templates: Path | None = None) -> dict[str, Any]:
    """sif-eval's version, its source files' and every template's SHA-256: what a reused run must match."""
    source = paths.TemplateSet(templates or paths.ROOT)
    sums = {f"{paths.RUN_TEMPLATES}/{f.relative_to(source.root).as_posix()}": archive.sha256(f) for f in source.files()}
    return {"sif-eval": __version__, "mallar": sums, "kod": codearchive.source_sums()}


@dataclass(frozen=True)
class Reuse:
    """The last successful run if it may be reused; else why not (a damaged run is named)."""

    run_dir: Path | None
    note: str = ""


def reusable_run(project_dir: Path, outputs: Path, code: dict[str, Any]) -> Reuse:
    """The last successful run, if its inputs and code are exactly today's and its files are intact.

    The inputs are what the loader says a run uses (``LoadedProject.files``),
    compared with the SHA-256 sums that run's manifest archived.  Its outputs
    (``resultat.json``, figures, documents) are checked against their sums too:
    an edited result must never reach the consolidated report.  Inputs that
    do not validate raise the loader's :class:`InputError`, exactly what
    ``run_project`` would raise before writing anything.
    """
    loaded = load_project(project_dir)
    last = latest_done_run(outputs, project_dir.name)
    if last is None:
        return Reuse(None)
    try:
        manifest = archive.read_manifest(last)
    except (OSError, ValueError):
        return Reuse(None)
    inputs = {f"{paths.RUN_INPUTS}/{f.name}": archive.sha256(f) for f in loaded.files}
    archived_code = (manifest.get("kod") or {}).get("filer") if isinstance(manifest.get("kod"), dict) else None
    same = (manifest.get("indata") == inputs and manifest.get("mallar") == code["mallar"]
            and (manifest.get("versioner") or {}).get("sif-eval") == code["sif-eval"]
            and archived_code == code["kod"])
    if not same:
        return Reuse(None)
    damaged = archive.damaged_files(last, manifest, ("utdata",))
    if damaged:
        return Reuse(None, f"den tidigare körningen {last.name} är skadad ({'; '.join(damaged[:3])}) och körs om")
    return Reuse(last)


def _reason(exc: BaseException) -> str:
    """A one-line Swedish reason for the summary table."""
    if isinstance(exc, InputError):
        return "Indata kan inte användas: " + "; ".join(str(p) for p in exc.problems)
    text = str(exc).strip().splitlines()
    return text[0].removeprefix("Körningen misslyckades: ") if text else type(exc).__name__


def _triage(project_dir: Path, outputs: Path, code: dict[str, Any]) -> ProjectOutcome | str | None:
    """Settle a project without a worker when it can be: reused, or invalid inputs.

    None or a note (why the last run is not reused) means: run it.
    """
    t0 = time.perf_counter()
    if project_dir.name == CONSOLIDATED_DIR:
        return None  # run_task names the problem
    try:
        reuse = reusable_run(project_dir, outputs, code)
    except InputError as exc:  # run_project would stop here too, before writing anything
        return ProjectOutcome(project_dir.name, RUN_FAILED, None, time.perf_counter() - t0, _reason(exc))
    if reuse.run_dir is None:
        return reuse.note or None
    return ProjectOutcome(project_dir.name, RUN_REUSED, reuse.run_dir, time.perf_counter() - t0,
                          f"oförändrad sedan körning {reuse.run_dir.name}")


@dataclass(frozen=True)
class Task:
    """One project for a worker; plain values so it pickles to a process or a Dask worker."""

    project_dir: str
    outputs: str
    report_date: str
    batch_id: str = ""
    note: str = ""  # why it runs again although unchanged (a damaged earlier run)


def run_task(task: Task, run: Callable[..., Any] | None = None) -> ProjectOutcome:
    """Run one project, with one retry when the kernel does not start; never raises."""
    if run is None:
        run = run_project
    t0 = time.perf_counter()
    project_dir, outputs = Path(task.project_dir), Path(task.outputs)
    slug = project_dir.name
    if slug == CONSOLIDATED_DIR:
        return ProjectOutcome(slug, RUN_FAILED, None, 0.0, f"Mappnamnet '{slug}' är reserverat för den samlade "
                              "utvärderingen (outputs/samlad/). Byt namn på projektmappen.")
    kernel = warm.worker_kernel()  # this worker's kernel, warm from its previous project
    for attempt in (1, 2):
        try:
            outcome = run(project_dir, outputs, task.report_date, extra_manifest={"batch": task.batch_id},
                          kernel=kernel)
            return ProjectOutcome(slug, RUN_DONE, outcome.run_dir, time.perf_counter() - t0, task.note,
                                  attempts=attempt)
        except BaseException as exc:  # noqa: BLE001 - one project must never stop the others
            if isinstance(exc, KeyboardInterrupt):
                raise
            if isinstance(exc, RunInterrupted) and _in_pool_worker:
                warm.stop_all()  # os._exit skips atexit: the kernel goes first
                os._exit(exc.exit_code)  # the run folder is marked; a stopped worker takes no further project
            if attempt == 1 and kernel_failed_to_start(exc):
                continue
            run_dir = getattr(exc, "run_dir", None)
            return ProjectOutcome(slug, RUN_FAILED, Path(run_dir) if run_dir else None, time.perf_counter() - t0,
                                  _reason(exc), attempts=attempt)
    raise AssertionError("unreachable")


# ---------------------------------------------------------------- executors


def _worker_init(parent: int) -> None:
    """In each pool worker: die with the parent, ignore Ctrl-C while idle, exit quietly on SIGTERM."""
    global _in_pool_worker
    _in_pool_worker = True
    if sys.platform.startswith("linux"):
        try:  # PR_SET_PDEATHSIG: the kernel sends SIGTERM when the parent dies, even by SIGKILL
            ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGTERM, 0, 0, 0)
        except (OSError, AttributeError):
            pass
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent decides; a run installs its own handler
    signal.signal(signal.SIGTERM, _worker_exit)
    if os.getppid() != parent:  # the parent died before the line above took effect
        os._exit(143)
    warm.worker_kernel().start_in_background()  # ready by the time the first project has been validated


def _prestart_kernel() -> None:
    """On a Dask worker: start its kernel now, while the first task is on its way."""
    warm.worker_kernel().start_in_background()


def _worker_exit(signum: int, _frame: object) -> None:
    raise SystemExit(128 + signum)


def _stop_workers(pool: ProcessPoolExecutor) -> None:
    """SIGTERM every worker (each marks its run failed), wait, then kill what is left."""
    workers = list((getattr(pool, "_processes", None) or {}).values())
    pool.shutdown(wait=False, cancel_futures=True)
    for w in workers:
        if w.is_alive():
            w.terminate()
    deadline = time.monotonic() + WORKER_STOP_S
    for w in workers:
        w.join(max(0.0, deadline - time.monotonic()))
        if w.is_alive():
            w.kill()
            w.join(5)


@contextmanager
def _local_pool(workers: int) -> Iterator[Callable[[list[Task]], Iterator[tuple[Task, Any]]]]:
    # spawn: workers start clean, without the parent's threads (fork with threads is unsafe)
    pool = ProcessPoolExecutor(max_workers=workers, mp_context=multiprocessing.get_context("spawn"),
                               initializer=_worker_init, initargs=(os.getpid(),))
    try:
        def submit(tasks: list[Task]) -> Iterator[tuple[Task, Any]]:
            futures = {pool.submit(run_task, t): t for t in tasks}
            for fut in as_completed(futures):
                yield futures[fut], fut
        yield submit
    except BaseException:
        _stop_workers(pool)  # a signal or an error: no worker outlives the batch
        raise
    finally:
        pool.shutdown(wait=True, cancel_futures=True)


@contextmanager
def _dask_pool(address: str) -> Iterator[Callable[[list[Task]], Iterator[tuple[Task, Any]]]]:
    from distributed import Client, LocalCluster
    from distributed import as_completed as dask_completed

    cluster = None
    if address == "local":
        # Quiet logs: the nanny's shutdown notices are not the user's concern.
        cluster = LocalCluster(n_workers=LOCAL_DASK_WORKERS, threads_per_worker=1, processes=True,
                               dashboard_address=None, silence_logs=logging.ERROR)
        client = Client(cluster)
    else:
        try:
            client = Client(address)
        except (OSError, TimeoutError) as exc:
            raise RunFailed(f"Kunde inte ansluta till Dask-klustret på {address} ({exc}). Kontrollera adressen, "
                            "t.ex. tcp://10.0.0.5:8786, och att schemaläggaren är igång.") from exc
    try:
        client.run(_prestart_kernel)

        def submit(tasks: list[Task]) -> Iterator[tuple[Task, Any]]:
            futures = {client.submit(run_task, t, pure=False, key=f"sif-eval-{Path(t.project_dir).name}-{t.batch_id}"): t
                       for t in tasks}
            for fut in dask_completed(list(futures)):
                yield futures[fut], fut
        yield submit
    finally:
        client.close()
        if cluster is not None:
            cluster.close()


def _progress(total: int, say: Callable[[str], None] | None) -> tuple[Any, Callable[[str], None]]:
    """A tqdm bar on stderr when it is a terminal; one line per finished project either way."""
    if say is not None:
        return None, say
    from tqdm import tqdm

    bar = tqdm(total=total, file=sys.stderr, unit="projekt", desc="Projekt", disable=not sys.stderr.isatty())
    if bar.disable:
        return bar, lambda msg: print(msg, file=sys.stderr, flush=True)
    return bar, lambda msg: bar.write(msg, file=sys.stderr)


def _line(p: ProjectOutcome) -> str:
    text = f"{p.slug}: {p.status} ({sv.decimal(p.seconds, 1)} s)"
    if p.attempts > 1:
        text += ", efter ett nytt försök"
    return text + (f". {p.reason}" if p.reason and p.status == RUN_FAILED else "")


def run_batch(inputs_dir: Path | str, outputs: Path | str | None = None, year: int | None = None,
              workers: int | None = None, dask: str | None = None, force: bool = False,
              report_date: dt.date | str | None = None,
              progress: Callable[[str], None] | None = None) -> BatchOutcome:
    """Run every project under ``inputs_dir``, then the consolidated evaluation for ``year``.

    ``dask`` is ``"local"`` (a local cluster with two workers) or a scheduler
    address such as ``tcp://10.0.0.5:8786``; otherwise a process pool with
    ``workers`` processes (default: one per CPU, at most one per project).
    ``fond.yaml`` and ``kommun.yaml`` are validated before anything runs
    (:class:`InputError`).  ``progress`` receives one line per finished project.
    """
    t0 = time.perf_counter()
    inputs_dir = Path(inputs_dir).resolve()
    outputs = Path(outputs).resolve() if outputs else paths.OUTPUTS
    if not inputs_dir.is_dir():
        raise InputError(Problem(str(inputs_dir), "mappen finns inte.", hint="Ange mappen med projekten, t.ex. inputs/."))
    report_date = dt.date.fromisoformat(str(report_date)) if report_date else dt.date.today()
    load_ledger(inputs_dir)  # a broken ledger or kommun.yaml stops the batch before any work
    archive.usable_outputs(outputs)  # a read-only --outputs or a file there: one message, not one per project
    load_municipality_in(inputs_dir)
    projects = find_projects(inputs_dir)
    batch_id = dt.datetime.now().strftime("%Y%m%dT%H%M%S")
    code = code_version()
    tasks = [Task(str(p), str(outputs), report_date.isoformat(), batch_id=batch_id) for p in projects]
    bar, say = _progress(len(tasks), progress)
    done: dict[str, ProjectOutcome] = {}
    interrupted: int | None = None
    # The consolidated notebook's kernel starts once the workers (and their kernels) are gone: started during
    # the last round it saved a second or two but put a third kernel beside theirs at the batch's peak memory.
    final_kernel = warm.WarmKernel(warm.CONSOLIDATED_PRELOAD)
    try:
        with lifecycle.interruptible() as interruption:
            try:
                # Reuse is decided here, before any worker starts: an unchanged batch never starts a pool.
                to_run = []
                for task in tasks:
                    for gone in archive.abandoned_runs(outputs / Path(task.project_dir).name):
                        say(f"{gone.parent.name}: körningen {gone.name} står som pågår men processen finns inte "
                            "längre: avbruten.")
                    settled = None if force else _triage(Path(task.project_dir), outputs, code)
                    if settled is None or isinstance(settled, str):
                        to_run.append(dataclasses.replace(task, note=settled or ""))
                        if settled:
                            say(f"{Path(task.project_dir).name}: {settled}")
                        continue
                    done[settled.slug] = settled
                    if bar is not None:
                        bar.update(1)
                    say(_line(settled))
                if not to_run:  # no pool: the consolidated run's kernel may start right away
                    final_kernel.start_in_background()
                if to_run:
                    pool = _dask_pool(dask) if dask else _local_pool(max(1, min(workers or os.cpu_count() or 1,
                                                                                len(to_run))))
                    with pool as submit:
                        for task, fut in submit(to_run):
                            slug = Path(task.project_dir).name
                            try:
                                outcome = fut.result()
                            except Exception as exc:  # noqa: BLE001 - a dead worker fails its project only
                                outcome = ProjectOutcome(slug, RUN_FAILED, None, 0.0,
                                                         f"Arbetsprocessen avbröts: {_reason(exc)}")
                            done[slug] = outcome
                            if bar is not None:
                                bar.update(1)
                            say(_line(outcome))
            except (RunInterrupted, KeyboardInterrupt) as exc:
                interrupted = interruption.signum or getattr(exc, "signum", None) or int(signal.SIGINT)
            finally:
                if bar is not None:
                    bar.close()
        if interrupted:
            for task in tasks:
                slug = Path(task.project_dir).name
                if slug not in done:
                    done[slug] = ProjectOutcome(slug, RUN_ABORTED, None, 0.0, "batchen avbröts innan projektet blev klart")
            return BatchOutcome(projects=tuple(done[Path(t.project_dir).name] for t in tasks), consolidated=None,
                                documents=(), seconds=time.perf_counter() - t0, interrupted=int(interrupted))
        ordered = tuple(done[Path(t.project_dir).name] for t in tasks)
        runs = [ProjectRun(slug=p.slug, status=p.status, run_id=p.run_dir.name if p.run_dir else None,
                           körning=f"{p.slug}/{p.run_dir.name}" if p.run_dir and p.status != RUN_FAILED else None,
                           skäl=p.reason if p.status == RUN_FAILED else "") for p in ordered]
        say("Samlad utvärdering …")
        try:
            outcome = run_consolidated(inputs_dir, outputs, runs, year, report_date, progress=say,
                                       extra_manifest={"batch": batch_id, "tvingad": force},
                                       kernel=final_kernel.start_in_background())
            consolidated, docs, error = outcome.run_dir, outcome.documents, None
        except RunInterrupted as exc:
            return BatchOutcome(projects=ordered, consolidated=Path(exc.run_dir) if exc.run_dir else None, documents=(),
                                seconds=time.perf_counter() - t0, consolidated_error=_reason(exc),
                                interrupted=exc.signum)
        except SifEvalError as exc:  # a failed notebook, or outputs/samlad unusable: the summary says which
            consolidated = Path(exc.run_dir) if isinstance(exc, RunFailed) and exc.run_dir else None
            docs, error = (), _reason(exc)
        return BatchOutcome(projects=ordered, consolidated=consolidated, documents=docs,
                            seconds=time.perf_counter() - t0, consolidated_error=error)
    finally:
        final_kernel.shutdown()


def latest_consolidated(outputs: Path, year: int) -> Path | None:
    """The newest finished consolidated run for a year (for scripts and tests)."""
    return latest_done_run(outputs / CONSOLIDATED_DIR, str(year))
