"""Write pysyncon_ref_basque.csv: pysyncon's outcome-only synthetic control for the Basque Country.

Run in a separate environment with ``pip install pysyncon==1.7.0`` (pysyncon is not a dependency
of sif-eval): ``python tests/data/make_pysyncon_ref.py``.  ``custom_V`` is the squared row standard
deviation, which undoes pysyncon's internal row scaling, so it minimises the plain sum of squared
pre-period gaps 1955-1969, the problem ``sif_eval.analysis.synthetic`` solves.
"""

from pathlib import Path

import numpy as np
import pandas as pd
from pysyncon import Synth

HERE = Path(__file__).parent
TREATED = "Basque Country (Pais Vasco)"
PRE = list(range(1955, 1970))


def main() -> None:
    d = pd.read_csv(HERE / "basque.csv")
    d = d[d.regionname != "Spain (Espana)"].assign(year=lambda x: x.year.astype(int))
    wide = d.pivot(index="year", columns="regionname", values="gdpcap").sort_index()
    donors = [c for c in wide.columns if c != TREATED]
    X = wide.loc[PRE, [*donors, TREATED]]
    s = Synth()
    s.fit(X0=X[donors], X1=X[TREATED], Z0=wide[donors], Z1=wide[TREATED], custom_V=(X.std(axis=1) ** 2).to_numpy())
    w = np.asarray(s.W)
    gaps = wide[TREATED].to_numpy() - wide[donors].to_numpy() @ w
    rows = [("weight", dn, f"{x:.12g}") for dn, x in zip(donors, w, strict=True)]
    rows += [("gap", str(y), f"{g:.12g}") for y, g in zip(wide.index, gaps, strict=True)]
    pd.DataFrame(rows, columns=["kind", "key", "value"]).to_csv(HERE / "pysyncon_ref_basque.csv", index=False)


if __name__ == "__main__":
    main()
