"""Tests for synthetic.py.

Cross-checks with outcome-only predictors (V = identity over the pre-period outcomes) on
California Prop 99 (data/smoking.csv) and the Basque Country (data/basque.csv):
* pysyncon 1.7.0 ``Synth.fit(..., custom_V=...)`` on Basque, stored in data/pysyncon_ref_basque.csv
  by data/make_pysyncon_ref.py (pysyncon is not a dependency of sif-eval) -- custom_V is the
  squared row standard deviations, which undoes pysyncon's internal row scaling, so pysyncon
  solves the identical problem;
* an independent solver written here: NNLS on the penalty-augmented system [A; M 1'] w = [b; M]
  (no polishing), plus an independent KKT check of our solution;
* placebo/LOO logic and a simulation with a known effect.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import optimize

from sif_eval.analysis.synthetic import fit_synth, simplex_weights, synthetic_control, to_wide
from tests.conftest import public_data

_data = public_data

CA, BASQUE = "California", "Basque Country (Pais Vasco)"
SMOKING_PRE, SMOKING_POST = list(range(1970, 1989)), list(range(1989, 2001))
BASQUE_PRE, BASQUE_POST = list(range(1955, 1970)), list(range(1970, 1998))


@pytest.fixture(scope="module")
def smoking() -> pd.DataFrame:
    d = pd.read_csv(_data("smoking.csv"))
    return to_wide(d.assign(year=d.year.astype(int)), "state", "year", "cigsale")


@pytest.fixture(scope="module")
def basque() -> pd.DataFrame:
    d = pd.read_csv(_data("basque.csv"))
    d = d[d.regionname != "Spain (Espana)"].assign(year=lambda x: x.year.astype(int))
    return to_wide(d, "regionname", "year", "gdpcap")


def penalty_nnls(A: np.ndarray, b: np.ndarray, M: float) -> np.ndarray:
    """Independent reference: NNLS on [A; M 1'] w = [b; M], then normalised."""
    J = A.shape[1]
    u, _ = optimize.nnls(np.vstack([A, M * np.ones((1, J))]), np.concatenate([b, [M]]), maxiter=50 * J)
    return u / u.sum()


def kkt_residual(A: np.ndarray, b: np.ndarray, w: np.ndarray) -> tuple[float, float]:
    """(max |grad_j + mu| on support, max violation of grad_j + mu >= 0 off support), relative."""
    grad = 2 * A.T @ (A @ w - b)
    S = w > 1e-9
    mu = -grad[S].mean()
    scale = 2 * np.linalg.norm(A, axis=0).max() * np.linalg.norm(A @ w - b)
    on = np.abs(grad[S] + mu).max() / scale
    off = max(0.0, -(grad[~S] + mu).min() / scale) if (~S).any() else 0.0
    return on, off


def problems(wide: pd.DataFrame, treated: str, pre: list):
    """The treated problem and every placebo problem (donor as treated, others as donors)."""
    donors = [c for c in wide.columns if c != treated]
    yield treated, donors
    for j in donors:
        yield j, [c for c in donors if c != j]


# --------------------------------------------------------------------------------------------
# cross-checks
# --------------------------------------------------------------------------------------------


def test_matches_stored_pysyncon_solution(basque):
    """Basque, outcome-only predictors 1955-69: weights and gaps (all years) within 1e-4 of pysyncon."""
    ref = pd.read_csv(_data("pysyncon_ref_basque.csv"), dtype={"key": str})
    fit = fit_synth(basque, BASQUE, BASQUE_PRE)
    w_ref = ref[ref.kind == "weight"].set_index("key")["value"]
    w = fit.weights_series()[w_ref.index]
    assert len(w_ref) == 16
    assert np.max(np.abs(w.to_numpy() - w_ref.to_numpy())) < 1e-4
    g_ref = ref[ref.kind == "gap"].set_index("key")["value"]
    gaps = pd.Series(fit.gaps, index=[str(p) for p in fit.periods])[g_ref.index]
    assert len(g_ref) == 43
    assert np.max(np.abs(gaps.to_numpy() - g_ref.to_numpy())) < 1e-4
    top = fit.weights_series().sort_values(ascending=False).head(3).round(3)
    assert top.to_dict() == {"Madrid (Comunidad De)": 0.483, "Baleares (Islas)": 0.311, "Rioja (La)": 0.206}


@pytest.mark.parametrize("name,treated,pre", [("smoking", CA, SMOKING_PRE), ("basque", BASQUE, BASQUE_PRE)])
def test_matches_independent_solver_incl_placebos(request, name, treated, pre):
    """Treated and every placebo problem: weights and gaps within 1e-4 of penalty-NNLS; KKT holds."""
    wide = request.getfixturevalue(name)
    base = wide.drop(columns=treated)
    worst_w = worst_g = worst_kkt = 0.0
    for tr, donors in problems(wide, treated, pre):
        w_df = wide if tr == treated else base
        A, b = w_df.loc[pre, donors].to_numpy(), w_df.loc[pre, tr].to_numpy()
        w, loss = simplex_weights(A, b)
        assert w.min() >= 0 and abs(w.sum() - 1) < 1e-12
        assert loss == pytest.approx(np.sum((A @ w - b) ** 2), rel=1e-12)
        M = 1e4 * np.sqrt(np.trace(A.T @ A) / A.shape[1])
        ref = penalty_nnls(A, b, M)
        worst_w = max(worst_w, np.max(np.abs(w - ref)))
        worst_g = max(worst_g, np.max(np.abs(w_df[donors].to_numpy() @ (w - ref))))
        worst_kkt = max(worst_kkt, *kkt_residual(A, b, w))
    assert worst_w < 1e-4
    assert worst_g < 1e-4
    assert worst_kkt < 1e-8


def test_smoking_headline_numbers(smoking):
    res = synthetic_control(smoking, CA, SMOKING_PRE, SMOKING_POST)
    f = res.fit
    w = f.weights_series()
    assert set(w[w > 1e-3].index) == {"Colorado", "Connecticut", "Montana", "Nevada", "New Hampshire", "Utah"}
    assert w["Utah"] == pytest.approx(0.3939, abs=1e-3)
    assert f.pre_rmspe == pytest.approx(1.6564, abs=1e-3)
    assert f.effect == pytest.approx(-19.51, abs=0.01)  # packs per capita, 1989-2000
    assert len(res.placebos) == 38
    assert res.p_value == pytest.approx(3 / 39)  # two placebos (Missouri, Virginia) have larger ratios
    assert res.n_placebos_kept == 34
    assert res.p_value_filtered == pytest.approx(3 / 35)
    assert {x.dropped for x in res.loo} == set(w[w > 1e-6].index)
    lo, hi = res.loo_range
    assert lo == pytest.approx(-20.51, abs=0.01) and hi == pytest.approx(-17.97, abs=0.01)


# --------------------------------------------------------------------------------------------
# behaviour
# --------------------------------------------------------------------------------------------


def test_path_and_gap_definitions(smoking):
    f = fit_synth(smoking, CA, SMOKING_PRE, SMOKING_POST)
    pf = f.path_frame()
    assert list(pf.index) == list(smoking.index)
    w = f.weights_series()
    synth = smoking[w.index].to_numpy() @ w.to_numpy()
    assert np.allclose(pf.synthetic, synth) and np.allclose(pf.gap, smoking[CA] - synth)
    pre, post = pf.loc[SMOKING_PRE, "gap"], pf.loc[SMOKING_POST, "gap"]
    assert f.pre_rmspe == pytest.approx(np.sqrt(np.mean(pre**2)))
    assert f.post_rmspe == pytest.approx(np.sqrt(np.mean(post**2)))
    assert f.effect == pytest.approx(post.mean())
    assert f.ratio == pytest.approx(f.post_rmspe / f.pre_rmspe)
    assert pf.post.sum() == len(SMOKING_POST)


def test_long_and_wide_inputs_agree(smoking):
    d = pd.read_csv(_data("smoking.csv")).assign(year=lambda x: x.year.astype(int))
    a = fit_synth(d, CA, SMOKING_PRE, unit="state", time="year", outcome="cigsale")
    b = fit_synth(smoking, CA, SMOKING_PRE)
    assert a == b
    assert a.post_periods == tuple(SMOKING_POST)  # default: every period after the last pre-period


def test_deterministic_and_order_invariant(smoking):
    a = fit_synth(smoking, CA, SMOKING_PRE).weights_series()
    shuffled = smoking[list(reversed(smoking.columns))]
    b = fit_synth(shuffled, CA, SMOKING_PRE).weights_series()
    assert np.max(np.abs(a - b[a.index])) < 1e-10


def test_placebo_pool_options(smoking):
    r1 = synthetic_control(smoking, CA, SMOKING_PRE, leave_one_out=False)
    r2 = synthetic_control(smoking, CA, SMOKING_PRE, leave_one_out=False, placebo_exclude_treated=False)
    assert len(r1.placebos) == len(r2.placebos) == 38
    assert r1.loo == () and np.isnan(r1.loo_range[0])
    # the treated unit is in the placebo pools only in r2: fits can only improve
    for p1, p2 in zip(r1.placebos, r2.placebos, strict=True):
        assert p2.pre_rmspe <= p1.pre_rmspe + 1e-9
    r3 = synthetic_control(smoking, CA, SMOKING_PRE, placebo_cutoff=1.0, leave_one_out=False)
    kept = [p for p in r3.placebos if p.kept]
    assert all(p.pre_rmspe <= r3.pre_rmspe for p in kept) and r3.n_placebos_kept == len(kept)
    assert r3.p_value == r1.p_value


def test_donor_subset_and_covariates(smoking):
    donors = ["Utah", "Nevada", "Montana", "Colorado", "Connecticut"]
    f = fit_synth(smoking, CA, SMOKING_PRE, donors=donors)
    assert [d for d, _ in f.weights] == donors
    # a covariate whose pre-period mean is the mean outcome, with weight 0 -> identical fit
    cov = {"same": smoking}
    g = fit_synth(smoking, CA, SMOKING_PRE, covariates=cov, v=[1.0] * len(SMOKING_PRE) + [0.0])
    plain = fit_synth(smoking, CA, SMOKING_PRE).weights_series().to_numpy()
    assert g.weights_series().to_numpy() == pytest.approx(plain, abs=1e-9)
    # only the covariate (pre-period mean) -> the mean is matched exactly
    h = fit_synth(smoking, CA, SMOKING_PRE, covariates=cov, v=[0.0] * len(SMOKING_PRE) + [1.0])
    assert h.loss == pytest.approx(0.0, abs=1e-8)


@pytest.mark.parametrize(
    "kwargs,msg",
    [
        (dict(treated="Atlantis"), "not in the panel"),
        (dict(pre_periods=[]), "at least one pre-period"),
        (dict(pre_periods=[1960]), "not in the panel"),
        (dict(post_periods=[1988]), "overlap"),
        (dict(donors=["California"]), "own donor"),
        (dict(donors=["Utah", "Utah"]), "duplicated"),
        (dict(v=[1.0]), "one weight per predictor"),
    ],
)
def test_validation(smoking, kwargs, msg):
    args = dict(treated=CA, pre_periods=SMOKING_PRE, post_periods=SMOKING_POST) | kwargs
    with pytest.raises(ValueError, match=msg):
        fit_synth(smoking, **args)


def test_missing_values_raise(smoking):
    bad = smoking.copy()
    bad.loc[1975, "Utah"] = np.nan
    with pytest.raises(ValueError, match="missing"):
        fit_synth(bad, CA, SMOKING_PRE)


def test_simplex_solver_edge_cases():
    rng = np.random.default_rng(3)
    A = rng.normal(size=(6, 4))
    # treated exactly a convex combination -> zero loss, that combination recovered (k > J)
    w0 = np.array([0.5, 0.0, 0.3, 0.2])
    w, loss = simplex_weights(A, A @ w0)
    assert loss < 1e-20 and np.allclose(w, w0, atol=1e-10)
    # far outside the hull -> nearest vertex
    w, _ = simplex_weights(A, A[:, 2] * 100)
    assert np.argmax(w) == 2 and w[2] == pytest.approx(1.0)
    # single donor
    w, _ = simplex_weights(A[:, :1], A[:, 1])
    assert w.tolist() == [1.0]
    # many more donors than predictors: still a KKT point with small support
    A = rng.normal(size=(5, 60))
    b = rng.normal(size=5) * 3
    w, _ = simplex_weights(A, b)
    assert max(kkt_residual(A, b, w)) < 1e-8 and (w > 0).sum() <= 6
    with pytest.raises(ValueError):
        simplex_weights(A, b[:3])
    with pytest.raises(ValueError):
        simplex_weights(A, b, v=-np.ones(5))


def test_simulation_known_effect():
    """Factor model; treated = convex combination of donors (+ noise); effect 5 after T0."""
    rng = np.random.default_rng(42)
    T, T0, J = 30, 20, 25
    F = np.cumsum(rng.normal(size=(T, 3)), axis=0)
    L = rng.uniform(0, 2, size=(3, J))
    Yd = 10 + F @ L + rng.normal(0, 0.1, size=(T, J))
    w_true = np.zeros(J)
    w_true[[1, 4, 7]] = [0.5, 0.3, 0.2]
    y1 = 10 + F @ (L @ w_true) + rng.normal(0, 0.1, size=T)
    y1[T0:] += 5.0
    wide = pd.DataFrame(Yd, columns=[f"d{j}" for j in range(J)])
    wide.insert(0, "treated", y1)
    res = synthetic_control(wide, "treated", range(T0), range(T0, T))
    assert res.effect == pytest.approx(5.0, abs=0.3)
    # (the weights themselves are not identified: many donor combinations span the 3 factors)
    assert res.pre_rmspe < 0.2
    assert res.p_value == pytest.approx(1 / (J + 1))  # the largest post/pre ratio
    lo, hi = res.loo_range
    assert 4.0 < lo <= hi < 6.0


@pytest.mark.slow
def test_placebo_p_value_uniform_under_exchangeable_null():
    """Treated unit drawn like the donors and no effect: the rank p-value is uniform on
    {1, ..., J+1}/(J+1) (mean (J+2)/(2(J+1)) = 0.525), so P(p <= 0.1) = 2/20."""
    rng = np.random.default_rng(7)
    T, T0, J = 24, 16, 19
    ps = []
    for _ in range(100):
        F = np.cumsum(rng.normal(size=(T, 3)), axis=0)
        Y = 10 + F @ rng.uniform(0, 2, size=(3, J + 1)) + rng.normal(0, 0.3, size=(T, J + 1))
        wide = pd.DataFrame(Y, columns=["treated"] + [f"d{j}" for j in range(J)])
        ps.append(synthetic_control(wide, "treated", range(T0), range(T0, T), leave_one_out=False).p_value)
    ps = np.array(ps)
    assert set(np.round(ps * (J + 1)).astype(int)) <= set(range(1, J + 2))
    assert 0.42 < ps.mean() < 0.63
    assert np.mean(ps <= 0.1) < 0.2
