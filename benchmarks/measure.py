"""Run one measurement in a child process: wall time, peak memory, and the child's JSON report.

Every measurement runs in its own process so that its memory peak is its
own: ``os.wait4`` gives the child's ``ru_maxrss`` (the largest single
process among the child and the descendants it waited for), and a sampler
thread sums the RSS of the whole process tree (Jupyter kernels, pool
workers, LibreOffice) with psutil, which is what the machine must hold.
The sampler also enforces the time and memory caps by killing, by pid, the
processes it saw in the tree.
"""

from __future__ import annotations

import json
import os
import platform
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

try:
    import psutil
except ImportError:  # the tree sampling and the memory cap need psutil; wall time and ru_maxrss do not
    psutil = None

RESULT_PREFIX = "BENCH_RESULT "
SAMPLE_INTERVAL_S = 0.1
MIB = 1024 * 1024


@dataclass
class Sample:
    """One run of one command."""

    seconds: float
    max_rss_mb: float  # ru_maxrss of the child: the largest single process it waited for
    tree_rss_mb: float  # sampled peak of the summed RSS of the child and all its descendants
    returncode: int
    cpu_s: float = 0.0  # user + system CPU of the child and the descendants it waited for
    load: float | None = None  # the machine's 1-minute load average when the run started
    killed: str = ""  # "tid" or "minne" when a cap stopped it
    payload: dict[str, Any] | None = None
    error: str = ""

    @property
    def ok(self) -> bool:
        return self.returncode == 0 and not self.killed

    @property
    def peak_mb(self) -> float:
        return max(self.max_rss_mb, self.tree_rss_mb)


@dataclass
class Stat:
    """Several runs of one measurement, summarised by their median."""

    label: str
    runs_s: list[float] = field(default_factory=list)
    cpu_runs_s: list[float] = field(default_factory=list)
    load: list[float] = field(default_factory=list)
    peak_mb: float = 0.0  # highest sampled process-tree RSS over the runs
    max_rss_mb: float = 0.0  # highest single-process ru_maxrss over the runs
    failures: list[str] = field(default_factory=list)
    payloads: list[dict[str, Any]] = field(default_factory=list)
    note: str = ""

    @property
    def median_s(self) -> float | None:
        return statistics.median(self.runs_s) if self.runs_s else None

    @property
    def median_cpu_s(self) -> float | None:
        return statistics.median(self.cpu_runs_s) if self.cpu_runs_s else None

    def add(self, sample: Sample, seconds: float | None = None, cpu: float | None = None) -> None:
        """Record a sample; ``seconds`` and ``cpu`` override the child's totals (an in-process timing it reported)."""
        if sample.load is not None:
            self.load.append(sample.load)
        if not sample.ok:
            self.failures.append(sample.error or f"kod {sample.returncode}")
            return
        self.runs_s.append(sample.seconds if seconds is None else seconds)
        self.cpu_runs_s.append(sample.cpu_s if cpu is None else cpu)
        self.peak_mb = max(self.peak_mb, sample.peak_mb)
        self.max_rss_mb = max(self.max_rss_mb, sample.max_rss_mb)
        if sample.payload is not None:
            self.payloads.append(sample.payload)

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["median_s"] = self.median_s
        d["median_cpu_s"] = self.median_cpu_s
        d["n"] = len(self.runs_s)
        d.pop("payloads")
        return d


class _TreeWatcher(threading.Thread):
    """Samples the RSS of a process tree and kills it when a cap is passed."""

    def __init__(self, pid: int, t0: float, time_cap_s: float | None, memory_cap_mb: float | None):
        super().__init__(daemon=True)
        self.pid, self.t0 = pid, t0
        self.time_cap_s, self.memory_cap_mb = time_cap_s, memory_cap_mb
        self.peak_mb = 0.0
        self.killed = ""
        self.seen: dict[int, Any] = {}
        self.done = threading.Event()

    def _tree_rss(self) -> float:
        if psutil is None:
            return 0.0
        try:
            root = psutil.Process(self.pid)
            procs = [root, *root.children(recursive=True)]
        except psutil.Error:
            return 0.0
        total = 0
        for p in procs:
            self.seen.setdefault(p.pid, p)
            try:
                total += p.memory_info().rss
            except psutil.Error:
                pass
        return total / MIB

    def run(self) -> None:
        while not self.done.wait(SAMPLE_INTERVAL_S):
            self.peak_mb = max(self.peak_mb, self._tree_rss())
            if self.time_cap_s is not None and time.perf_counter() - self.t0 > self.time_cap_s:
                self._kill("tid")
                return
            if self.memory_cap_mb is not None and self.peak_mb > self.memory_cap_mb:
                self._kill("minne")
                return

    def _kill(self, why: str) -> None:
        """Kill the child and every descendant we saw, each by its pid."""
        if self.done.is_set():
            return
        self.killed = why
        for pid, proc in list(self.seen.items()):
            if pid == self.pid:
                continue
            try:
                proc.kill()
            except Exception:  # noqa: BLE001 - already gone
                pass
        try:
            os.kill(self.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass


def run(cmd: Sequence[str], *, env: dict[str, str] | None = None, cwd: Path | str | None = None,
        time_cap_s: float | None = None, memory_cap_mb: float | None = None) -> Sample:
    """Run ``cmd`` to the end (or to a cap) and measure it; parse a ``BENCH_RESULT {json}`` line if any."""
    load = load_average()
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        t0 = time.perf_counter()
        proc = subprocess.Popen(list(cmd), stdout=out, stderr=err, env=env, cwd=cwd)
        watcher = _TreeWatcher(proc.pid, t0, time_cap_s, memory_cap_mb)
        watcher.start()
        _, status, usage = os.wait4(proc.pid, 0)
        seconds = time.perf_counter() - t0
        watcher.done.set()
        watcher.join()
        proc.returncode = os.waitstatus_to_exitcode(status)  # reaped here, so Popen must not wait again
        out.seek(0)
        err.seek(0)
        stdout = out.read().decode("utf-8", "replace")
        stderr = err.read().decode("utf-8", "replace")
    payload = None
    for line in reversed(stdout.splitlines()):
        if line.startswith(RESULT_PREFIX):
            payload = json.loads(line[len(RESULT_PREFIX):])
            break
    sample = Sample(seconds=seconds, max_rss_mb=usage.ru_maxrss / 1024, tree_rss_mb=watcher.peak_mb,
                    returncode=proc.returncode, cpu_s=usage.ru_utime + usage.ru_stime,
                    load=load[0] if load else None, killed=watcher.killed, payload=payload)
    if watcher.killed:
        cap = f"{time_cap_s:.0f} s" if watcher.killed == "tid" else f"{memory_cap_mb:.0f} MiB"
        sample.error = f"avbruten: över gränsen för {watcher.killed} ({cap})"
    elif proc.returncode != 0:
        tail = [ln for ln in (stderr.strip() or stdout.strip()).splitlines() if ln.strip()][-3:]
        sample.error = f"kod {proc.returncode}: " + " | ".join(tail)[-400:]
    return sample


@dataclass
class Spec:
    """One measurement for ``repeat``/``alternate``: how to run it once and what to read from a run."""

    label: str
    one_run: Callable[[], Sample]
    seconds_of: Callable[[Sample], float | None] | None = None  # default: the child's wall time
    cpu_of: Callable[[Sample], float | None] | None = None  # default: the child's CPU time


def alternate(specs: Sequence[Spec], *, min_runs: int, max_runs: int, budget_s: float,
              say: Callable[[str], None] = lambda _m: None) -> list[Stat]:
    """Run the measurements in turns (A, B, A, B, …) so that a change in the machine's load hits them alike.

    At least ``min_runs`` rounds, at most ``max_runs``, and no new round once the next would pass ``budget_s``.
    A measurement that fails twice without ever succeeding is not run again.
    """
    stats = [Stat(spec.label) for spec in specs]
    spent = 0.0
    for i in range(max_runs):
        if i >= min_runs and spent + spent / i > budget_s:
            break
        for spec, stat in zip(specs, stats, strict=True):
            if len(stat.failures) >= 2 and not stat.runs_s:
                continue
            sample = spec.one_run()
            spent += sample.seconds
            stat.add(sample, spec.seconds_of(sample) if (spec.seconds_of and sample.ok) else None,
                     spec.cpu_of(sample) if (spec.cpu_of and sample.ok) else None)
            shown = f"{stat.runs_s[-1]:.2f} s" if sample.ok else sample.error
            say(f"  {spec.label}: körning {i + 1}: {shown}")
    return stats


def repeat(label: str, one_run: Callable[[], Sample], *, min_runs: int, max_runs: int, budget_s: float,
           seconds_of: Callable[[Sample], float | None] | None = None,
           cpu_of: Callable[[Sample], float | None] | None = None,
           say: Callable[[str], None] = lambda _m: None) -> Stat:
    """One measurement repeated: ``alternate`` with a single turn-taker."""
    return alternate([Spec(label, one_run, seconds_of, cpu_of)], min_runs=min_runs, max_runs=max_runs,
                     budget_s=budget_s, say=say)[0]


def child_cmd(task: str, **args: Any) -> list[str]:
    """The command for a task in ``benchmarks/child.py``; arguments travel as one JSON string."""
    return [sys.executable, str(Path(__file__).with_name("child.py")), task, json.dumps(args)]


def machine() -> dict[str, Any]:
    """Cores, memory, CPU model, Python and OS of this machine."""
    model = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.lower().startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        model = platform.processor()
    total = None
    if psutil is not None:
        total = psutil.virtual_memory().total
    else:
        try:
            kb = next(ln for ln in Path("/proc/meminfo").read_text().splitlines() if ln.startswith("MemTotal"))
            total = int(kb.split()[1]) * 1024
        except (OSError, StopIteration):
            pass
    affinity = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else None
    return {
        "kärnor": os.cpu_count(),
        "tillgängliga_kärnor": affinity,
        "minne_gib": round(total / 1024**3, 1) if total else None,
        "cpu": model or platform.machine(),
        "python": platform.python_version(),
        "system": platform.platform(),
    }


def load_average() -> list[float]:
    """1, 5 and 15 minute load averages: other work on the machine shows up here."""
    try:
        return [round(x, 2) for x in os.getloadavg()]
    except OSError:
        return []
