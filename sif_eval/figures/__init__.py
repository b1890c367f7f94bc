"""Figures: every chart in the documents, drawn from immutable results.

:mod:`.effects` (an indicator over time, the event study), :mod:`.economics`
(cumulative benefit and cost, the tornado) and :mod:`.consolidated` (the
fund's effects against their targets).  Each returns the figure's alt text.
"""
