"""What a planned evaluation can detect: the minimum detectable effect (MDE) by simulation.

Why: an application promises an effect and a kalkyl that breaks even at some
effect; whether the planned difference-in-differences can tell either from
chance depends on how many units are treated and compared, how many periods
are measured, and how much the indicator varies within a unit from period to
period.  With two treated schools the answer is often "no", and randomisation
inference (which ``run`` will use with fewer than ten units in a group, see
:mod:`.inference`) says so outright: its smallest p-value is 1/C(N, k).

The outcome model is the one the two-way fixed effects DiD is built on::

    y_ut = baseline + a_u + g_t + tau * treated_u * post_t + e_ut,
    e_ut = rho * e_u,t-1 + innovation (stationary AR(1), sd ``sd``)

Unit and period effects are absorbed by the estimator, so only ``sd`` and
``rho`` matter for its precision (their size is still reported).  Each
simulated panel is analysed as ``run`` would: with fewer than ``FEW_UNITS``
units in a group, randomisation over units (all assignments when at most
``EXACT_MAX``, else seeded draws), p-value = share of assignments at least as
extreme; otherwise the clustered (CR1) t-test with G − 1 degrees of freedom.
On a balanced panel the TWFE DiD is the difference in mean (after − before)
changes between the groups, so a whole power curve costs milliseconds: the
estimate under effect tau is ``b0 + tau`` and each placebo's ``b_j + tau c_j``.
The tests check both against :func:`~.randomization.randomization_inference`
and the regression in :mod:`.did`, and the many-unit MDE against the
analytic ``(z_{1−α/2} + z_{power}) · SE``.

Pure: numpy, scipy and pandas only.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass
from typing import Literal

import numpy as np
import pandas as pd

from ..lazy import LazyModule
from .common import ALPHA, FEW_UNITS
from .inference import ri_min_p

stats = LazyModule("scipy.stats")

__all__ = ["NoiseModel", "PlannedDesign", "Detectable", "noise_from_history", "minimum_detectable_effect",
           "analytic_mde", "did_variance", "SimulatedTests", "POWER", "DEFAULT_SIMULATIONS", "POWER_SEED"]

POWER = 0.8
DEFAULT_SIMULATIONS = 1000
POWER_SEED = 20260201
EXACT_MAX = 10_000  # as randomization_inference: all assignments up to this many
RI_DRAWS = 2_000  # random assignments beyond that (run uses 5 000; 2 000 keep a curve fast, p to ±0,005)
RHO_LIMIT = 0.95

Inference = Literal["randomisering", "kluster"]


@dataclass(frozen=True)
class NoiseModel:
    """How the indicator varies: within-unit sd from period to period, its autocorrelation, and the level."""

    sd: float
    rho: float = 0.0
    baslinje: float | None = None
    källa: Literal["historik", "ansökan"] = "ansökan"
    sd_enheter: float | None = None  # spread of unit means (absorbed by the unit effects)
    sd_perioder: float | None = None  # spread of period means (absorbed by the period effects)
    n_enheter: int | None = None  # units and periods in the history it was estimated from
    n_perioder: int | None = None

    def to_dict(self) -> dict[str, object]:
        return {"standardavvikelse": self.sd, "autokorrelation": self.rho, "baslinje": self.baslinje,
                "källa": self.källa, "sd_mellan_enheter": self.sd_enheter, "sd_mellan_perioder": self.sd_perioder,
                "historik_enheter": self.n_enheter, "historik_perioder": self.n_perioder}


@dataclass(frozen=True)
class PlannedDesign:
    """The planned difference-in-differences: units in each group and periods before and after the start."""

    insatsenheter: int
    jämförelseenheter: int
    perioder_före: int
    perioder_efter: int

    @property
    def n_units(self) -> int:
        return self.insatsenheter + self.jämförelseenheter

    @property
    def inference(self) -> Inference:
        return "randomisering" if min(self.insatsenheter, self.jämförelseenheter) < FEW_UNITS else "kluster"

    def to_dict(self) -> dict[str, int]:
        return {"insatsenheter": self.insatsenheter, "jämförelseenheter": self.jämförelseenheter,
                "perioder_före": self.perioder_före, "perioder_efter": self.perioder_efter}


@dataclass(frozen=True)
class Detectable:
    """The minimum detectable effect of one planned design (None: no effect however large can be shown)."""

    design: PlannedDesign
    mde: float | None
    inferens: Inference
    minsta_p: float | None  # randomisation's smallest attainable p-value
    analytisk: float  # (z + z) · SE, normal approximation, for reference
    standardfel: float  # the DiD's standard error under the noise model
    simuleringar: int
    frö: int
    styrka: float = POWER
    nivå: float = ALPHA
    kurva: tuple[tuple[float, float], ...] = ()  # (effect, power)

    def to_dict(self) -> dict[str, object]:
        return {**self.design.to_dict(), "mde": self.mde, "inferens": self.inferens, "minsta_p": self.minsta_p,
                "mde_analytisk": self.analytisk, "standardfel": self.standardfel, "simuleringar": self.simuleringar,
                "frö": self.frö, "styrka": self.styrka, "nivå": self.nivå,
                "styrkekurva": [{"effekt": e, "styrka": p} for e, p in self.kurva]}


# ---------------------------------------------------------------- noise from history


def noise_from_history(obs: pd.DataFrame) -> NoiseModel | None:
    """Within-unit sd and AR(1) autocorrelation from historical data (one indicator), or None if too little.

    Rows are first averaged per unit and period (weighted by ``antal`` when
    present), then units seen in every period are kept.  The residual after
    unit and period means gives ``sd`` (divided by (N − 1)(T − 1), unbiased
    for independent errors); its lag-1 correlation within units is biased by
    the demeaning by about −(1 + rho)/(T − 1), which is corrected.
    """
    if "enhet" not in obs.columns or obs.empty:
        return None
    df = obs[["enhet", "period_start", "varde"]].copy()
    df["w"] = pd.to_numeric(obs["antal"], errors="coerce").fillna(1.0) if "antal" in obs.columns else 1.0
    df = df[np.isfinite(pd.to_numeric(df["varde"], errors="coerce"))]
    df["wy"] = df["w"] * df["varde"].astype(float)
    cell = df.groupby(["enhet", "period_start"])[["wy", "w"]].sum()
    table = (cell["wy"] / cell["w"]).unstack("period_start").sort_index(axis=1)
    table = table.dropna(axis=0, how="any")
    n, t = table.shape
    if n < 3 or t < 3:
        return None
    y = table.to_numpy(dtype=float)
    r = y - y.mean(axis=1, keepdims=True) - y.mean(axis=0, keepdims=True) + y.mean()
    sd = math.sqrt(float(np.sum(r * r)) / ((n - 1) * (t - 1)))
    if sd <= 0:
        return None
    raw = float(np.sum(r[:, 1:] * r[:, :-1]) / np.sum(r * r))
    bias = 1.0 / (t - 1)
    rho = (raw + bias) / (1.0 - bias) if t > 2 else raw
    rho = float(np.clip(rho, -RHO_LIMIT, RHO_LIMIT))
    return NoiseModel(sd=sd, rho=rho, baslinje=float(y[:, -1].mean()), källa="historik",
                      sd_enheter=float(np.std(y.mean(axis=1), ddof=1)),
                      sd_perioder=float(np.std(y.mean(axis=0), ddof=1)), n_enheter=n, n_perioder=t)


# ---------------------------------------------------------------- analytic reference


def did_variance(design: PlannedDesign, noise: NoiseModel) -> float:
    """Exact variance of the DiD on a balanced panel under AR(1) errors: a'Ra σ² (1/n₁ + 1/n₀)."""
    tb, ta = design.perioder_före, design.perioder_efter
    a = np.concatenate([np.full(tb, -1.0 / tb), np.full(ta, 1.0 / ta)])
    idx = np.arange(tb + ta)
    corr = noise.rho ** np.abs(idx[:, None] - idx[None, :])
    per_unit = float(a @ corr @ a) * noise.sd ** 2
    return per_unit * (1.0 / design.insatsenheter + 1.0 / design.jämförelseenheter)


def analytic_mde(design: PlannedDesign, noise: NoiseModel, alpha: float = ALPHA, power: float = POWER) -> float:
    """(z_{1−α/2} + z_{power}) · SE: the textbook MDE for a normal test with known variance."""
    z = stats.norm.ppf(1 - alpha / 2) + stats.norm.ppf(power)
    return float(z * math.sqrt(did_variance(design, noise)))


# ---------------------------------------------------------------- simulation


def _unit_changes(design: PlannedDesign, noise: NoiseModel, n_sim: int, rng: np.random.Generator) -> np.ndarray:
    """Simulated AR(1) errors, reduced to each unit's mean after minus mean before: (n_sim, N)."""
    tb, ta = design.perioder_före, design.perioder_efter
    t = tb + ta
    n = design.n_units
    rho, sd = noise.rho, noise.sd
    e = np.empty((n_sim, n, t))
    e[:, :, 0] = rng.standard_normal((n_sim, n)) * sd
    innov = sd * math.sqrt(max(1.0 - rho * rho, 0.0))
    for k in range(1, t):
        e[:, :, k] = rho * e[:, :, k - 1] + innov * rng.standard_normal((n_sim, n))
    return e[:, :, tb:].mean(axis=2) - e[:, :, :tb].mean(axis=2), e


def _assignment_matrix(n: int, k: int, rng: np.random.Generator) -> tuple[np.ndarray, bool]:
    """All C(n, k) assignments (first row: the actual one, units 0..k-1), or the actual one plus seeded draws."""
    if math.comb(n, k) <= EXACT_MAX:
        rows = list(itertools.combinations(range(n), k))
        exact = True
    else:
        draws = np.argsort(rng.random((RI_DRAWS, n)), axis=1)[:, :k]
        rows = [tuple(range(k)), *map(tuple, draws)]
        exact = False
    z = np.zeros((len(rows), n))
    for i, r in enumerate(rows):
        z[i, list(r)] = 1.0
    return z, exact


class SimulatedTests:
    """``n_sim`` null panels drawn once, analysed as ``run`` would; p-values and power at any effect tau.

    The same draws serve every tau (common random numbers), so the power
    curve is smooth and the MDE is found by bisection without new noise.
    """

    def __init__(self, design: PlannedDesign, noise: NoiseModel, n_sim: int = DEFAULT_SIMULATIONS,
                 seed: int = POWER_SEED, alpha: float = ALPHA):
        rng = np.random.default_rng(seed)
        self.design, self.alpha = design, alpha
        d, self.panels = _unit_changes(design, noise, n_sim, rng)
        k, n = design.insatsenheter, design.n_units
        if design.inference == "randomisering":
            z, self.exact = _assignment_matrix(n, k, rng)
            z_obs = z[0]
            self.placebo = d @ (z / k - (1 - z) / (n - k)).T  # (n_sim, A): each b_j on the null data
            self.slope = z @ z_obs / k - (1 - z) @ z_obs / (n - k)  # c_j: how b_j moves with the effect
            self.b0 = self.placebo[:, 0]
        else:
            self.b0 = d[:, :k].mean(axis=1) - d[:, k:].mean(axis=1)
            self.se = _cr1_standard_errors(self.panels, design, self.b0)  # residuals do not depend on tau
            self.df = n - 1

    def p_values(self, tau: float) -> np.ndarray:
        """Each simulated panel's p-value for H0: no effect, when the true effect is ``tau``."""
        if self.design.inference == "randomisering":
            stat = np.abs(self.placebo + tau * self.slope[None, :])
            obs = np.abs(self.b0 + tau)
            tol = 1e-9 * np.maximum(np.max(np.abs(self.placebo), axis=1), np.abs(tau))
            return np.mean(stat >= (obs - tol)[:, None], axis=1)
        t = np.abs(self.b0 + tau) / self.se
        return 2 * stats.t.sf(t, self.df)

    def power(self, tau: float) -> float:
        return float(np.mean(self.p_values(tau) <= self.alpha + 1e-12))


def _cr1_standard_errors(panel: np.ndarray, design: PlannedDesign, b: np.ndarray) -> np.ndarray:
    """CR1 standard error of the DiD per simulated panel, as :func:`.did.fit_ols` computes it.

    Unit fixed effects absorbed (nested in the clusters, so they cost only the
    absorbed constant), period dummies and the DiD term in X: k = T + 1;
    q = G/(G−1) · (n−1)/(n−k).
    Residuals do not depend on the effect, so neither does the standard error.
    """
    n_sim, n_units, t = panel.shape
    k1, tb = design.insatsenheter, design.perioder_före
    z = np.zeros(n_units)
    z[:k1] = 1.0
    post = np.r_[np.zeros(tb), np.ones(t - tb)]
    md = np.outer(z - z.mean(), post - post.mean())  # D on both fixed effects
    dd = panel - panel.mean(axis=2, keepdims=True) - panel.mean(axis=1, keepdims=True) + panel.mean(
        axis=(1, 2), keepdims=True)
    resid = dd - b[:, None, None] * md[None, :, :]
    scores = np.einsum("sut,ut->su", resid, md)
    n_obs, k = n_units * t, t + 1
    q = n_units / (n_units - 1) * (n_obs - 1) / (n_obs - k)
    return np.sqrt(q * np.sum(scores ** 2, axis=1)) / float(np.sum(md * md))


def minimum_detectable_effect(design: PlannedDesign, noise: NoiseModel, *, n_sim: int = DEFAULT_SIMULATIONS,
                              seed: int = POWER_SEED, alpha: float = ALPHA, power: float = POWER,
                              curve_points: int = 9) -> Detectable:
    """The smallest effect (in the indicator's units, as a positive size) found with probability ``power``.

    None when randomisation can never reject at ``alpha`` (too few units).
    The MDE is found by bisection on the simulated power to 0,5 % of the
    analytic value; the curve holds power at fractions of twice the MDE.
    """
    if design.insatsenheter < 1 or design.jämförelseenheter < 1:
        raise ValueError("Both groups need at least one unit.")
    if design.perioder_före < 1 or design.perioder_efter < 1:
        raise ValueError("Need at least one period before and one after.")
    analytic = analytic_mde(design, noise, alpha, power)
    se = math.sqrt(did_variance(design, noise))
    min_p = ri_min_p(design.insatsenheter, design.jämförelseenheter) if design.inference == "randomisering" else None
    base = dict(design=design, inferens=design.inference, minsta_p=min_p, analytisk=analytic, standardfel=se,
                simuleringar=n_sim, frö=seed, styrka=power, nivå=alpha)
    if min_p is not None and min_p > alpha:
        return Detectable(mde=None, **base)  # type: ignore[arg-type]
    pw = SimulatedTests(design, noise, n_sim, seed, alpha).power
    lo, hi = 0.0, analytic
    for _ in range(40):
        if pw(hi) >= power:
            break
        lo, hi = hi, hi * 2
    else:
        return Detectable(mde=None, **base)  # type: ignore[arg-type]
    while hi - lo > 0.005 * analytic:
        mid = (lo + hi) / 2
        if pw(mid) >= power:
            hi = mid
        else:
            lo = mid
    curve = tuple((float(x), pw(float(x))) for x in np.linspace(0, 2 * hi, curve_points))
    return Detectable(mde=float(hi), kurva=curve, **base)  # type: ignore[arg-type]
