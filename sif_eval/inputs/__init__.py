"""Inputs: reading and validating what a project folder and ``inputs/`` hold.

Owns the input contract (``shared/spec/indata.md``): ``projekt.yaml`` and
``utfall`` (:mod:`.project`), ``kommun.yaml`` (:mod:`.municipality`), the
economics files (:mod:`.economy`, :mod:`.kalkyl`), ``insatser.yaml``
(:mod:`.insatser`), the fund ledger ``fond.yaml`` (:mod:`.fund`) and
``sif-eval ny`` (:mod:`.scaffold`).  Every problem is a
:class:`~sif_eval.errors.Problem`; all are raised together.  :mod:`._read`
holds the shared readers (tables, YAML, encodings, numbers).  Nothing here
imports the analysis, the economics calculations, the documents or the runs.
"""
