"""How every run ends when it does not succeed: the same way, whatever stopped it.

A run that fails or is interrupted removes its temporary files, marks its
folder ``misslyckad`` with a Swedish reason (when the manifest can still be
written; when not, the message says so instead of claiming it) and raises an
error with the exit code of the contract: 1 for a failed run, 128 + the
signal for an interrupted one (SIGTERM 143, Ctrl-C 130).
"""

from __future__ import annotations

import os
import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from ..errors import RunFailed, RunInterrupted, SifEvalError, interrupted_reason
from . import archive

HANDLED = (signal.SIGTERM, signal.SIGINT)


@dataclass
class Interruption:
    """Which signal, if any, stopped the run (set by the handler, read by the cleanup)."""

    signum: int | None = None


def _in_main_thread() -> bool:
    return threading.current_thread() is threading.main_thread() and os.name == "posix"


@contextmanager
def interruptible() -> Iterator[Interruption]:
    """SIGTERM and SIGINT raise :class:`RunInterrupted` here; a second signal waits for the cleanup."""
    state = Interruption()
    if not _in_main_thread():  # signals only reach the main thread; a thread's run is stopped by its owner
        yield state
        return
    previous = {s: signal.getsignal(s) for s in HANDLED}

    def _handler(signum: int, _frame: object) -> None:
        state.signum = signum
        for s in HANDLED:
            signal.signal(s, signal.SIG_IGN)  # a second Ctrl-C must not interrupt the cleanup
        raise RunInterrupted(signum)

    for s in HANDLED:
        signal.signal(s, _handler)
    try:
        yield state
    finally:
        for s, handler in previous.items():
            signal.signal(s, handler)


def remove_partial_files(run_dir: os.PathLike[str] | str) -> None:
    """Half-written files of an interrupted atomic write (``.name.tmp-<pid>``)."""
    try:
        for partial in Path(run_dir).rglob(".*.tmp*"):
            partial.unlink(missing_ok=True)
    except OSError:
        pass


def failed(manifest: archive.Manifest, exc: BaseException, state: Interruption,
           prefix: str = "Körningen misslyckades") -> BaseException:
    """Mark the run failed and return the error to raise (Swedish, the contract's exit code)."""
    run_dir = manifest.run_dir
    remove_partial_files(run_dir)
    signum = state.signum or (exc.signum if isinstance(exc, RunInterrupted) else None)
    if signum is None and isinstance(exc, KeyboardInterrupt):
        signum = signal.SIGINT
    reason = interrupted_reason(int(signum)) if signum else archive.failure_reason(exc)
    trouble = manifest.finish(archive.STATUS_FAILED, reason)
    where: str | None = str(run_dir)
    if trouble:
        where = None
        reason += f"\nKörningsmappen {run_dir} kunde inte markeras som misslyckad: {trouble}"
    if signum:
        return RunInterrupted(int(signum), where, detail=reason if trouble else None)
    if isinstance(exc, SifEvalError) and not trouble:
        return exc
    if isinstance(exc, RunFailed) and exc.run_dir and not trouble:
        return exc
    return RunFailed(f"{prefix}: {reason}", where)
