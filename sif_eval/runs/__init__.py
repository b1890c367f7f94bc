"""Runs: the jobs, orchestrated from inputs to an archived run folder.

One entry point per job: :func:`.project.run_project`, :func:`.batch.run_batch`,
:func:`.reproduce.reproduce` and the consolidated run (:mod:`.consolidated`).
:mod:`.notebook` is the one Papermill executor, :mod:`.evaluation` what the
notebook calls, :mod:`.archive` run folders and manifests, :mod:`.overview`
the ``validera`` report, :mod:`.kernel` the pinned Jupyter kernel.
"""
