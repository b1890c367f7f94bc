"""Kept so that notebooks archived by earlier runs, which ``import sif_eval.texts``, still run.

The code lives in :mod:`sif_eval.documents.texts`; new code imports it from there.
"""

from .documents.texts import *  # noqa: F403 - the old import path, unchanged for archived runs
