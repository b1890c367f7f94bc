"""Kept so that notebooks archived by earlier runs, which ``import sif_eval.economy_text``, still run.

The code lives in :mod:`sif_eval.documents.economy_text`; new code imports it from there.
"""

from .documents.economy_text import *  # noqa: F403 - the old import path, unchanged for archived runs
