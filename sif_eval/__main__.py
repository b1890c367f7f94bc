"""``python -m sif_eval`` is the same as ``sif-eval``."""

import sys

from .cli import main

sys.exit(main())
