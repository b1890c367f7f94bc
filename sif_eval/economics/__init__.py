"""Economics: the socio-economic calculation, budget against outcome, repayment and payment plans.

:mod:`.model` holds the immutable values (the calculation's resolved inputs
and its results; importable from every layer, like :mod:`sif_eval.model`),
:mod:`.calc` the pure computations, :mod:`.api` the two calls a run makes
(``load_budget``, ``calculate``) and the input formats.  Reading the files is
:mod:`sif_eval.inputs.economy` and :mod:`sif_eval.inputs.kalkyl`.
"""
