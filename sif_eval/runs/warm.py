"""A Jupyter kernel started ahead of need and kept warm between notebooks.

Starting a kernel and importing pandas, statsmodels, matplotlib and sif_eval in
it costs more than a project's whole analysis.  So the kernel starts with those
imports already made (``exec_lines``, while the caller validates and archives
the inputs), and a batch worker keeps its kernel for every project it runs.
Before each notebook :func:`sif_eval.runs.kernelstate.reset` empties the user
namespace, restarts the execution count and restores settings, so an executed
notebook is the record of its project alone.  A kernel that died or timed out
is replaced (:meth:`WarmKernel.replace`); the executor retries once.

Only the executor (:mod:`.notebook`) runs notebooks in it, through Papermill
with an engine that hands nbclient this kernel instead of starting one.
"""

from __future__ import annotations

import atexit
import json
import os
import queue
import threading
import time
from pathlib import Path
from typing import Any

from .kernel import ensure_kernel

START_TIMEOUT_S = 120
RESET_TIMEOUT_S = 60
ENGINE = "sif-eval-varm"
# What the notebooks import in their first code cell, paid before the kernel answers: a single run
# imports no more than its notebook does (scipy.stats and statsmodels come when a design needs them).
_SNAPSHOT = "import sif_eval.runs.kernelstate as _k; _k.snapshot()"
BARE_PRELOAD = (_SNAPSHOT,)  # a notebook of unknown imports: it imports what it needs itself
PROJECT_PRELOAD = (
    "import pandas",
    "from IPython.display import Image, Markdown, display",
    "import sif_eval.swedish, sif_eval.inputs.project, sif_eval.documents.texts, sif_eval.documents.economy_text",
    "import sif_eval.runs.evaluation",
    _SNAPSHOT,
)
CONSOLIDATED_PRELOAD = (
    "import pandas",
    "from IPython.display import Image, Markdown, display",
    "import sif_eval.swedish, sif_eval.runs.consolidated",
    _SNAPSHOT,
)
# A batch worker's kernel serves many projects: everything any design may need is paid once.
PRELOAD = (
    "import numpy, pandas, scipy.stats, statsmodels.api, matplotlib",
    *PROJECT_PRELOAD[1:-1],
    "import sif_eval.runs.consolidated",
    _SNAPSHOT,
)


class KernelStartFailed(RuntimeError):
    """The kernel never answered (worth one more start: no cell has run)."""


class WarmKernel:
    """One kernel process for many notebooks, one at a time; started in the background on request."""

    def __init__(self, preload: tuple[str, ...] = PRELOAD, start_timeout: float = START_TIMEOUT_S) -> None:
        """``preload``: statements run as the kernel starts (default: a batch worker's)."""
        self.preload = preload
        self.start_timeout = start_timeout
        self.km: Any = None
        self.notebooks = 0  # notebooks run in the current kernel process
        self.starts = 0  # kernel processes started (a replacement counts)
        self.start_seconds: list[float] = []
        self._thread: threading.Thread | None = None
        self._error: BaseException | None = None
        self._lock = threading.Lock()
        self.pid_owner = os.getpid()
        self._cleaned = False  # clean_up() sent the reset after the last notebook
        self._kc: Any = None
        self._kc_for: Any = None
        self._starting_km: Any = None  # the manager of a start in progress (so replace() can stop it)
        self._abandon = False

    # ------------------------------------------------------------ starting

    def start_in_background(self) -> WarmKernel:
        """Begin starting the kernel in a thread; :meth:`manager` waits for it."""
        with self._lock:
            if self.km is None and self._thread is None:
                self._error = None
                self._abandon = False
                self._thread = threading.Thread(target=self._start_quietly, name="sif-eval-kärna", daemon=True)
                self._thread.start()
        return self

    def _start_quietly(self) -> None:
        try:
            self._start()
        except BaseException as exc:  # noqa: BLE001 - handed to the thread that needs the kernel
            self._error = exc

    def _start(self) -> None:
        from jupyter_client.manager import KernelManager

        t0 = time.perf_counter()
        km = KernelManager(kernel_name=ensure_kernel())
        # nbclient's polling needs an asynchronous client; the manager itself is used from any thread.
        km.client_class = "jupyter_client.asynchronous.AsyncKernelClient"
        self._starting_km = km
        try:
            km.start_kernel(extra_arguments=[f"--IPKernelApp.exec_lines={json.dumps(list(self.preload))}",
                                             "--HistoryManager.hist_file=:memory:"])
            if self._abandon:  # stopped while it started (an input error, say): no need to wait for it
                raise KernelStartFailed("stoppad under starten")
            engine_name()  # Papermill's import, here while the kernel imports its own, not after
            _wait_ready(km, self.start_timeout)
            if self._abandon:
                raise KernelStartFailed("stoppad under starten")
        except BaseException:
            _shutdown(km)
            raise
        finally:
            self._starting_km = None
        self.km = km
        self._cleaned = False
        self.notebooks = 0
        self.starts += 1
        self.start_seconds.append(time.perf_counter() - t0)
        _LIVE.add(self)

    def manager(self) -> Any:
        """The running kernel's manager: waits for a background start, starts one if there is none."""
        thread = self._thread
        if thread is not None:
            thread.join()
            self._thread = None
            if self._error is not None:
                error, self._error = self._error, None
                raise error
        if self.km is None or not self.km.is_alive():
            self.replace()
            self._start()
        return self.km

    # ------------------------------------------------------------ between notebooks

    def reset(self, cwd: Path | str) -> None:
        """Make the kernel's state a fresh kernel's and enter ``cwd`` (see :mod:`.kernelstate`).

        When :meth:`clean_up` already reset the kernel after the previous
        notebook, only the folder is left to change; the kernel answers this
        request after the clean-up, so waiting for it waits for both.
        """
        km = self.manager()
        step = "enter" if self._cleaned else "reset"
        code = f"__import__('sif_eval.runs.kernelstate', fromlist=['{step}']).{step}({str(cwd)!r})"
        self._cleaned = False
        _run_silently(self._client(km), code, RESET_TIMEOUT_S)
        self.notebooks += 1

    def clean_up(self) -> None:
        """Start the reset now, right after a notebook, without waiting: it runs while the caller renders."""
        km = self.km
        if km is None:
            return
        self._client(km).execute("__import__('sif_eval.runs.kernelstate', fromlist=['reset']).reset('.')",
                                 silent=True, store_history=False)
        self._cleaned = True

    def _client(self, km: Any) -> Any:
        """One shell-only client per kernel process for the resets (a client per call would churn sockets)."""
        if self._kc is None or self._kc_for is not km:
            self._close_client()
            kc = km.blocking_client()
            kc.start_channels(iopub=False, stdin=False, hb=False, control=False)
            self._kc, self._kc_for = kc, km
        return self._kc

    def _close_client(self) -> None:
        kc, self._kc, self._kc_for = self._kc, None, None
        if kc is not None:
            kc.stop_channels()

    def record(self) -> dict[str, int]:
        """For the manifest: which notebook this was in its kernel process (1 = a fresh kernel)."""
        return {"anteckningsbok_i_kärnan": self.notebooks, "kärnstarter": self.starts}

    def replace(self) -> None:
        """Stop this kernel process (if any); the next :meth:`manager` starts a new one."""
        thread = self._thread
        if thread is not None:
            self._abandon = True  # a start in progress stops: its kernel is killed, not waited for
            starting = self._starting_km
            if starting is not None and starting.has_kernel:
                _shutdown(starting)
            thread.join()
            self._thread = None
            self._error = None
            self._abandon = False
        self._close_client()
        km, self.km = self.km, None
        if km is not None:
            _shutdown(km)
        _LIVE.discard(self)

    def shutdown(self) -> None:
        self.replace()


def _wait_ready(km: Any, timeout: float) -> None:
    """Wait until the kernel answers kernel_info (its preloaded imports are done by then)."""
    kc = km.blocking_client()
    kc.start_channels()
    try:
        kc.wait_for_ready(timeout=timeout)
    except RuntimeError as exc:
        raise KernelStartFailed(f"Kernel didn't respond in {timeout:.0f} seconds ({exc})") from exc
    finally:
        kc.stop_channels()


def _run_silently(kc: Any, code: str, timeout: float) -> None:
    """Run ``code`` without history or output; wait for its reply (earlier replies are passed over)."""
    msg_id = kc.execute(code, silent=True, store_history=False)
    deadline = time.monotonic() + timeout
    while True:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise TimeoutError(f"Kernel didn't respond in {timeout:.0f} seconds (återställningen)")
        try:
            reply = kc.get_shell_msg(timeout=remaining)
        except queue.Empty:
            continue
        if reply["parent_header"].get("msg_id") == msg_id:
            break
        if reply["content"].get("status") != "ok":  # the clean-up sent after the previous notebook failed
            raise RuntimeError(f"Kärnan kunde inte återställas: {reply['content'].get('ename')}: "
                               f"{reply['content'].get('evalue')}")
    content = reply["content"]
    if content.get("status") != "ok":
        raise RuntimeError(f"Kärnan kunde inte återställas: {content.get('ename')}: {content.get('evalue')}")


def _shutdown(km: Any) -> None:
    try:
        km.shutdown_kernel(now=True)
    except Exception:  # noqa: BLE001 - a kernel already gone is what we wanted
        pass
    try:
        km.cleanup_resources()
    except Exception:  # noqa: BLE001
        pass


def engine_name() -> str:
    """Register (once) and name the Papermill engine that runs a notebook in a :class:`WarmKernel`.

    It is Papermill's own nbclient engine, except that nbclient gets the warm
    kernel's manager (so it neither starts nor stops a kernel) and the client
    it opened is closed after the notebook, so a long batch leaks no sockets.
    """
    from papermill.clientwrap import PapermillNotebookClient
    from papermill.engines import NBClientEngine, papermill_engines
    from papermill.iorw import write_ipynb
    from papermill.log import logger
    from papermill.utils import merge_kwargs, remove_args

    if ENGINE in papermill_engines._engines:
        return ENGINE

    class WarmEngine(NBClientEngine):
        @classmethod
        def execute_managed_notebook(cls, nb_man: Any, kernel_name: str, log_output: bool = False,
                                     stdout_file: Any = None, stderr_file: Any = None, start_timeout: int = 60,
                                     execution_timeout: int | None = None, warm: WarmKernel | None = None,
                                     record: str | None = None, **kwargs: Any) -> Any:
            if warm is None:
                raise ValueError("the warm engine needs warm=WarmKernel")
            kwargs = remove_args(["input_path", "timeout", "startup_timeout"], **kwargs)
            client = PapermillNotebookClient(nb_man, km=warm.manager(), **merge_kwargs(
                kwargs, timeout=execution_timeout, startup_timeout=start_timeout, kernel_name=kernel_name,
                log=logger, log_output=log_output, stdout_file=stdout_file, stderr_file=stderr_file))
            if record:  # the parameterised notebook as it starts, as Papermill writes it (one write, not one a cell)
                write_ipynb(nb_man.nb, record)
            try:
                return client.execute()
            except BaseException:
                _settle_nbclient_tasks()
                # Papermill writes the notebook when it finishes or a cell raises; a kernel that died or
                # timed out would leave none, so the cells that ran are written here.
                if record:
                    try:
                        write_ipynb(nb_man.nb, record)
                    except Exception:  # noqa: BLE001 - the original error matters more
                        pass
                raise
            finally:
                if client.kc is not None:
                    client.kc.stop_channels()

    papermill_engines.register(ENGINE, WarmEngine)
    return ENGINE


def _settle_nbclient_tasks() -> None:
    """Cancel what nbclient left pending when a signal or an error cut a cell short.

    Its polling tasks stay in this thread's event loop; the next use of the
    loop (stopping the kernel) would run them against a dead kernel and
    Python would print their unretrieved errors as the process exits.
    """
    import asyncio

    from jupyter_core.utils import ensure_event_loop

    try:
        loop = ensure_event_loop()
        if loop.is_running():
            return
        pending = [t for t in asyncio.all_tasks(loop) if not t.done()]
        for task in pending:
            task.cancel()
        if pending:
            loop.run_until_complete(asyncio.gather(*pending, return_exceptions=True))
    except Exception:  # noqa: BLE001 - tidying up after a failure must not hide it
        pass


_LIVE: set[WarmKernel] = set()


@atexit.register
def stop_all() -> None:
    """No kernel outlives the process that started it (the kernel's parent poller is the fallback)."""
    for kernel in list(_LIVE):
        kernel.replace()


_WORKER_KERNEL: WarmKernel | None = None


def worker_kernel() -> WarmKernel:
    """This process's kernel for batch projects, kept between tasks (pool and Dask workers alike)."""
    global _WORKER_KERNEL
    if _WORKER_KERNEL is None or _WORKER_KERNEL.pid_owner != os.getpid():
        _WORKER_KERNEL = WarmKernel()
    return _WORKER_KERNEL
