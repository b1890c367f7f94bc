"""Multiplier bootstrap on influence functions (used by the staggered design).

Draws i.i.d. multipliers ``V`` (Mammen or Rademacher; mean 0, variance 1) per unit and forms
``sqrt(n) * mean_i(V_i * IF_i)``; standard errors are IQR-based (robust, as R ``did``), the
critical value is the quantile of the sup-t statistic for uniform bands.  Pure numpy/scipy.
"""

from __future__ import annotations

import numpy as np

from ..lazy import LazyModule

stats = LazyModule("scipy.stats")

__all__ = ["BOOTSTRAP_KINDS", "multiplier_bootstrap", "bootstrap_draws", "se_and_crit"]

BOOTSTRAP_KINDS = ("mammen", "rademacher")



def _multipliers(rng: np.random.Generator, n: int, biters: int, kind: str) -> np.ndarray:
    if kind == "rademacher":
        return rng.choice(np.array([-1.0, 1.0]), size=(biters, n))
    if kind == "mammen":
        s5 = np.sqrt(5.0)
        lo, hi = (1.0 - s5) / 2.0, (1.0 + s5) / 2.0
        p_lo = (s5 + 1.0) / (2.0 * s5)
        return np.where(rng.random((biters, n)) < p_lo, lo, hi)
    raise ValueError(f"bootstrap kind must be one of {BOOTSTRAP_KINDS}, got {kind!r}")


def multiplier_bootstrap(
    inf_func: np.ndarray,
    biters: int = 999,
    *,
    kind: str = "mammen",
    seed: int | None = None,
    alpha: float = 0.05,
) -> tuple[np.ndarray, float]:
    """Multiplier bootstrap on an (n x K) influence-function matrix.

    Draws ``biters`` vectors of i.i.d. multipliers ``V`` (mean 0, variance 1), forms
    ``sqrt(n) * mean_i(V_i * IF_i)`` per column, and returns ``(se, crit)``: the bootstrap SEs
    (IQR / (z_.75 - z_.25) / sqrt(n), robust as in R ``did``) and the (1-alpha) quantile of the
    sup over columns of ``|boot| / sigma``, the critical value for a uniform band.
    """
    inf = np.asarray(inf_func, dtype=float)
    if inf.ndim == 1:
        inf = inf[:, None]
    if not 0 < alpha < 1:
        raise ValueError("alpha must be in (0, 1)")
    boot = bootstrap_draws(inf, biters, kind, seed)
    return se_and_crit(boot, inf.shape[0], alpha)


def bootstrap_draws(inf: np.ndarray, biters: int, kind: str, seed: int | None) -> np.ndarray:
    """(biters x K) draws of sqrt(n) * mean_i(V_i * IF_i); memory bounded by chunking."""
    if biters < 2:
        raise ValueError("biters must be at least 2")
    n, K = inf.shape
    rng = np.random.default_rng(seed)
    chunk = max(1, min(biters, int(2_000_000 // max(n, 1))))
    boot = np.empty((biters, K))
    done = 0
    while done < biters:
        m = min(chunk, biters - done)
        boot[done : done + m] = _multipliers(rng, n, m, kind) @ inf / np.sqrt(n)
        done += m
    return boot


def se_and_crit(boot: np.ndarray, n: int, alpha: float) -> tuple[np.ndarray, float]:
    q75, q25 = np.quantile(boot, [0.75, 0.25], axis=0)
    sigma = (q75 - q25) / (stats.norm.ppf(0.75) - stats.norm.ppf(0.25))
    ok = np.isfinite(sigma) & (sigma > np.sqrt(np.finfo(float).eps) * 10)
    se = np.where(ok, sigma / np.sqrt(n), np.nan)
    if not ok.any():
        return se, float("nan")
    tmax = np.max(np.abs(boot[:, ok]) / sigma[ok], axis=1)
    return se, float(np.quantile(tmax, 1.0 - alpha))
