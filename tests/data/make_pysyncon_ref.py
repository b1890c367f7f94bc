"""One-off: store pysyncon 1.7.0's outcome-only Basque solution as a reference CSV for sif-eval's tests."""
import numpy as np, pandas as pd
from pysyncon import Synth
d = pd.read_csv("data/basque.csv")
d = d[d.regionname != "Spain (Espana)"].assign(year=lambda x: x.year.astype(int))
wide = d.pivot(index="year", columns="regionname", values="gdpcap").sort_index()
treated = "Basque Country (Pais Vasco)"
pre = list(range(1955, 1970))
donors = [c for c in wide.columns if c != treated]
X = wide.loc[pre, [*donors, treated]]
custom_V = (X.std(axis=1) ** 2).to_numpy()
s = Synth()
s.fit(X0=X[donors], X1=X[treated], Z0=wide[donors], Z1=wide[treated], custom_V=custom_V)
w = np.asarray(s.W)
gaps = wide[treated].to_numpy() - wide[donors].to_numpy() @ w
rows = [("weight", dn, f"{x:.12g}") for dn, x in zip(donors, w)] + [("gap", str(y), f"{g:.12g}") for y, g in zip(wide.index, gaps)]
out = pd.DataFrame(rows, columns=["kind", "key", "value"])
out.to_csv("/work/wt17/tests/data/pysyncon_ref_basque.csv", index=False)
print(out.head(20)); print(len(out))
