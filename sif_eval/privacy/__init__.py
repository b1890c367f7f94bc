"""Personal data and small numbers: what must never reach a run folder or a public document.

Social services data is *sekretess*: one personnummer in an archived input or
a board paper, or a table that identifies a child in a group of three, is a
breach.  The subpackage owns

- :mod:`.personnummer`: finding Swedish personnummer and samordningsnummer and
  redacting them from messages (imports nothing else of the package, so that
  :mod:`sif_eval.errors` can use it);
- :mod:`.scan`: scanning a project's files before anything is written;
- :mod:`.pseudonym`: replacing a column with salted one-way codes (``sif-eval pseudonymisera``);
- :mod:`.small_numbers`: which counts and cells are too small to publish.
"""
