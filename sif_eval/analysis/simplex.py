"""Synthetic-control weights: the least-squares point of the simplex, solved exactly.

``min_w (x1 - X0 w)' diag(v) (x1 - X0 w)`` subject to ``w >= 0`` and ``sum(w) = 1``.
Since ``sum(w) = 1``, ``x1 - X0 w = -(X0 - x1 1') w = -C w``, so the problem is the
minimum-norm point of the convex hull of the columns of ``C``.  For ``u >= 0`` write
``u = s w`` with ``s = sum(u)``; then ``||C u||^2 + (1' u - 1)^2 = s^2 q(w) + (s - 1)^2`` whose
minimum over ``s`` is ``q / (1 + q)``, increasing in ``q = ||C w||^2``.  Hence non-negative
least squares ``min_{u >= 0} || [C; 1'] u - [0; 1] ||`` (Lawson-Hanson, ``scipy.optimize.nnls``)
gives the simplex solution exactly as ``w = u / sum(u)``.  The result is polished on its support
and the KKT conditions are verified, with an SLSQP fall-back (never needed in the tests).
Kept apart from :mod:`.synthetic` so each module stays small; pure numpy/scipy.
"""

from __future__ import annotations

import warnings

import numpy as np

from ..lazy import LazyModule

optimize = LazyModule("scipy.optimize")

__all__ = ["WEIGHT_TOL", "simplex_weights"]

WEIGHT_TOL = 1e-10  # weights below this (after solving) are reported as exactly 0

def _kkt_ok(A: np.ndarray, b: np.ndarray, w: np.ndarray, rtol: float = 1e-7) -> bool:
    """KKT conditions of min ||A w - b||^2 on the simplex, to a relative tolerance.

    With gradient ``grad = 2 A'(A w - b)`` there must be a ``mu`` with ``grad_j = -mu`` on the
    support and ``grad_j >= -mu`` off it.  Tolerance relative to ``2 max_j ||a_j|| ||A w - b||``,
    a bound on ``|grad_j|``.
    """
    if np.any(w < -1e-12) or abs(w.sum() - 1.0) > 1e-9:
        return False
    r = A @ w - b
    colnorm = float(np.max(np.linalg.norm(A, axis=0)))
    if float(np.linalg.norm(r)) <= 1e-12 * max(1.0, colnorm, float(np.linalg.norm(b))):
        return True  # (numerically) zero loss: a global minimum
    grad = 2.0 * A.T @ r
    S = w > WEIGHT_TOL
    if not S.any():
        return False
    mu = -np.mean(grad[S])
    scale = 2.0 * colnorm * float(np.linalg.norm(r))
    on_support = float(np.max(np.abs(grad[S] + mu)))
    off_support = float(np.min(grad[~S] + mu)) if (~S).any() else 0.0
    return bool(on_support <= rtol * scale and off_support >= -rtol * scale)


def _polish(A: np.ndarray, b: np.ndarray, w: np.ndarray) -> np.ndarray:
    """Re-solve on the support of w with only the sum-to-one constraint (exact KKT system)."""
    S = np.flatnonzero(w > WEIGHT_TOL)
    if S.size == 0:
        return w
    As = A[:, S]
    k = S.size
    K = np.zeros((k + 1, k + 1))
    K[:k, :k] = As.T @ As
    K[:k, k] = 1.0
    K[k, :k] = 1.0
    rhs = np.concatenate([As.T @ b, [1.0]])
    try:
        sol = np.linalg.solve(K, rhs)
    except np.linalg.LinAlgError:
        return w
    if not np.all(np.isfinite(sol)) or np.any(sol[:k] <= 0):
        return w
    out = np.zeros_like(w)
    out[S] = sol[:k]
    out /= out.sum()
    loss_in, loss_out = np.sum((A @ w - b) ** 2), np.sum((A @ out - b) ** 2)
    return out if loss_out <= loss_in * (1 + 1e-12) + 1e-300 else w


def _slsqp(A: np.ndarray, b: np.ndarray) -> np.ndarray:
    J = A.shape[1]
    P, q = A.T @ A, A.T @ b
    s = max(float(np.trace(P)) / J, 1e-300)
    res = optimize.minimize(
        lambda x: 0.5 * x @ P @ x / s - q @ x / s,
        np.full(J, 1.0 / J),
        jac=lambda x: (P @ x - q) / s,
        bounds=[(0.0, 1.0)] * J,
        constraints=[{"type": "eq", "fun": lambda x: x.sum() - 1.0, "jac": lambda x: np.ones_like(x)}],
        method="SLSQP",
        options={"maxiter": 10_000, "ftol": 1e-15},
    )
    w = np.clip(res.x, 0.0, None)
    return w / w.sum()


def simplex_weights(X0: np.ndarray, x1: np.ndarray, v: np.ndarray | None = None) -> tuple[np.ndarray, float]:
    """Solve ``min_w (x1 - X0 w)' diag(v) (x1 - X0 w)`` s.t. ``w >= 0, sum(w) = 1``.

    ``X0`` is (k predictors x J donors), ``x1`` (k,), ``v`` (k,) non-negative predictor weights
    (default ones).  Returns ``(w, loss)``.  Deterministic; see the module docstring.
    """
    X0 = np.asarray(X0, dtype=float)
    x1 = np.asarray(x1, dtype=float).ravel()
    if X0.ndim != 2 or X0.shape[0] != x1.shape[0]:
        raise ValueError(f"X0 must be (k x J) and x1 (k,), got {X0.shape} and {x1.shape}")
    k, J = X0.shape
    if J == 0:
        raise ValueError("need at least one donor")
    if not (np.all(np.isfinite(X0)) and np.all(np.isfinite(x1))):
        raise ValueError("predictors contain missing or non-finite values")
    if v is None:
        v = np.ones(k)
    v = np.asarray(v, dtype=float).ravel()
    if v.shape != (k,) or np.any(v < 0) or not np.all(np.isfinite(v)):
        raise ValueError("v must be k non-negative finite predictor weights")
    sv = np.sqrt(v)
    A, b = X0 * sv[:, None], x1 * sv
    if J == 1:
        w = np.ones(1)
        r = A @ w - b
        return w, float(r @ r)

    C = A - b[:, None]
    scale = float(np.sqrt(np.mean(C * C)) * np.sqrt(k)) or 1.0
    w = None
    for _ in range(2):  # second pass rescales so that ||C w / scale||^2 ~ 1 (good conditioning)
        E = np.vstack([C / scale, np.ones((1, J))])
        f = np.zeros(k + 1)
        f[-1] = 1.0
        try:
            u, _ = optimize.nnls(E, f, maxiter=50 * (J + k + 1))
        except RuntimeError:
            break
        if u.sum() <= 0:
            break
        w = u / u.sum()
        q = float(np.sum((C @ w) ** 2))
        if q <= 0 or 0.1 < q / scale**2 < 10:
            break
        scale = np.sqrt(q)
    if w is not None:
        w = _polish(A, b, w)
    if w is None or not _kkt_ok(A, b, w):
        w2 = _polish(A, b, _slsqp(A, b))
        if w is None or (np.sum((A @ w2 - b) ** 2) < np.sum((A @ w - b) ** 2)):
            w = w2
        if not _kkt_ok(A, b, w):
            warnings.warn(
                "synthetic-control weights: KKT conditions not met to tolerance", RuntimeWarning, stacklevel=3
            )
    w = np.where(w < WEIGHT_TOL, 0.0, w)
    w = w / w.sum()
    r = A @ w - b
    return w, float(r @ r)
