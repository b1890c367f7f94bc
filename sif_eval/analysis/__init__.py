"""Analysis: choosing a design for one indicator and estimating its effect.

:mod:`.estimate` chooses the design and returns a frozen
:class:`~sif_eval.model.Effect`; one module per design (:mod:`.did`,
:mod:`.its`; the before/after comparison is in :mod:`.estimate`) and the shared
helpers in :mod:`.common`.  Input is the loader's observations for one
indicator; nothing here reads files or renders documents.
"""
