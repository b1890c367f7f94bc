"""Kept so that notebooks archived by earlier runs, which ``import sif_eval.loading``, still run.

The code lives in :mod:`sif_eval.inputs.project`; new code imports it from there.
"""

from .inputs.project import *  # noqa: F403 - the old import path, unchanged for archived runs
