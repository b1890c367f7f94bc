"""Kept so that notebooks archived by earlier runs, which ``import sif_eval.consolidated``, still run.

The code lives in :mod:`sif_eval.runs.consolidated`; new code imports it from there.
"""

from .runs.consolidated import *  # noqa: F403 - the old import path, unchanged for archived runs
