"""Documents: from immutable results to Word and PDF.

:mod:`.texts` and :mod:`.economy_text` turn values into Swedish sentences and
tables; one module per document (:mod:`.report` the evaluation report,
:mod:`.board_paper` the tjänsteskrivelse, :mod:`.funder_report` the
återrapportering, :mod:`.consolidated` the yearly documents) builds the
template context; :mod:`.render` renders Jinja → Quarto markdown → ``quarto``
or pandoc + Typst.  Nothing here recomputes a result.
"""
