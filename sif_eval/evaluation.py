"""Kept so that notebooks archived by earlier runs, which ``import sif_eval.evaluation``, still run.

The code lives in :mod:`sif_eval.runs.evaluation`; new code imports it from there.
"""

from .runs.evaluation import *  # noqa: F403 - the old import path, unchanged for archived runs
