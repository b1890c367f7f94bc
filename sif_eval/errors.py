"""Exceptions that carry what a person needs to act on them.

A user's mistake (bad input) is an :class:`InputError`: the CLI prints its
Swedish message and exits with code 2, never a traceback.  Everything else is a
:class:`SifEvalError` subclass with its own exit code.
"""

from __future__ import annotations

from dataclasses import dataclass

from .privacy.personnummer import redact


@dataclass(frozen=True)
class Problem:
    """One thing wrong with an input file, located as precisely as we can."""

    file: str
    message: str
    row: int | None = None
    column: str | None = None
    hint: str | None = None

    def __post_init__(self) -> None:
        # A message quotes the input; a personnummer in it must never reach a terminal or a log.
        for name in ("file", "message", "column", "hint"):
            object.__setattr__(self, name, redact(getattr(self, name)))

    def __str__(self) -> str:
        where = self.file
        if self.row is not None:
            where += f", rad {self.row}"
        if self.column is not None:
            where += f", kolumn '{self.column}'"
        text = f"{where}: {self.message}"
        if self.hint:
            text += f" Åtgärd: {self.hint}"
        return text


class SifEvalError(Exception):
    """Base class; ``exit_code`` is what the CLI returns."""

    exit_code = 1


class InputError(SifEvalError):
    """The project's inputs are wrong; every problem found is listed at once.

    The message lists the first ``MAX_LISTED``; a broken 100 000-row file
    should not flood the terminal.  ``problems`` keeps them all.
    """

    exit_code = 2
    MAX_LISTED = 50

    def __init__(self, problems: list[Problem] | Problem, project: str | None = None):
        if isinstance(problems, Problem):
            problems = [problems]
        self.problems = list(problems)
        self.project = project
        super().__init__(self.swedish())

    def swedish(self) -> str:
        n = len(self.problems)
        head = "Indata kan inte användas"
        if self.project:
                head += f" ({redact(self.project)})"
        head += f": {n} {'problem' if n == 1 else 'problem'} hittades."
        lines = [head] + [f"  - {p}" for p in self.problems[: self.MAX_LISTED]]
        if n > self.MAX_LISTED:
            lines.append(f"  … och {n - self.MAX_LISTED} problem till (rätta de första och kör igen).")
        lines.append("Inget har skrivits till outputs/. Rätta felen och kör igen.")
        return "\n".join(lines)


class RunFailed(SifEvalError):
    """The analysis or rendering broke after the run folder was created."""

    exit_code = 1

    def __init__(self, message: str, run_dir: str | None = None):
        self.run_dir = run_dir
        text = message
        if run_dir:
            text += f"\nKörningen är markerad som misslyckad i {run_dir}/manifest.json."
        super().__init__(text)


class RenderError(SifEvalError):
    """A document could not be produced, or a template left syntax behind."""

    exit_code = 1


class OutputsUnusable(SifEvalError):
    """The folder runs are written to cannot be used (read-only, a file, a full disk before anything ran)."""

    exit_code = 2


class RunInterrupted(RunFailed):
    """A run stopped by a signal: exit code 128 + the signal's number (SIGTERM 143, Ctrl-C 130)."""

    def __init__(self, signum: int, run_dir: str | None = None, detail: str | None = None):
        self.signum = signum
        self.exit_code = 128 + signum
        super().__init__(detail or interrupted_reason(signum), run_dir)


def interrupted_reason(signum: int) -> str:
    """The Swedish reason recorded for a run stopped by a signal."""
    if signum == 2:
        return "Körningen avbröts med Ctrl-C (SIGINT)."
    if signum == 15:
        return "Körningen avbröts (SIGTERM): processen ombads avsluta."
    return f"Körningen avbröts av signal {signum}."
