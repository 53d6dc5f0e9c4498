"""Observations whose Poisson ML estimate does not exist (separation), and singletons.

Correia, Guimarães & Zylkin (2019): the ML estimates exist iff there is no certificate
z = Xγ + Σ_k D_k δ_k with z_i = 0 where y_i > 0 and z_i ≥ 0 where y_i = 0, with some z_i > 0.
Observations with z_i > 0 are *separated*: their fitted value goes to 0 (a coefficient to −∞),
they carry no information about the other coefficients and are dropped.

* :func:`drop_fe_groups` — the simple certificates z = D_k 1_g: fixed-effect groups whose outcome
  is zero in every observation ("all-zero group"), and optionally groups with one observation
  ("singleton": fitted perfectly, no information about the slopes); repeated until nothing changes.
* :func:`iterative_rectifier` — the general certificate, found by the iterative rectifier (IR):
  start from u = 1{y = 0}; regress u on X and the fixed effects by weighted least squares with
  weight 1 where y = 0 and a very large weight M where y > 0 (forcing the fit to 0 there);
  set |û| < tol to 0; stop when û ≥ 0 everywhere (then z = û and separated = {û > 0}); otherwise
  u ← max(û, 0) and repeat.
"""

from __future__ import annotations

from typing import Literal

import numpy as np
from scipy import sparse
from scipy.sparse.csgraph import connected_components
from scipy.sparse.linalg import LinearOperator, lsmr

from gravity.estimation._kernels import (
    compact_fe,
    demean_columns,
    fe_group_drops,
    fe_sum,
    group_weights,
    lse_matvec,
    lse_rmatvec,
    weighted_cross,
)
from gravity.estimation.demean import fe_offsets
from gravity.estimation.errors import EstimationError, SeparationError
from gravity.options import validator


def compact_codes(fe: np.ndarray, keep: np.ndarray) -> tuple[np.ndarray, list[np.ndarray]]:
    """Re-number the codes of the kept rows 0..G'−1.

    Parameters
    ----------
    fe : numpy.ndarray of int, shape (K, n)
    keep : numpy.ndarray of bool, shape (n,)

    Returns
    -------
    (numpy.ndarray, list of numpy.ndarray)
        int32 codes (K × kept rows) and, per effect, the old code of each new level (so labels
        can follow).
    """
    out, new_of_old = compact_fe(np.ascontiguousarray(fe), np.ascontiguousarray(keep, dtype=bool))
    return out, [np.flatnonzero(row >= 0) for row in new_of_old]


DROP_REASONS = np.array(["", "all-zero group", "singleton", "separated"], dtype=object)

RectifierMethod = Literal["auto", "subspace", "weighting"]
"""How :func:`iterative_rectifier` solves its least-squares steps (module docstring)."""
check_rectifier_method = validator(RectifierMethod, "method", EstimationError)
SeparationCheck = Literal["fe", "ir"]
"""The separation checks of :func:`gravity.ppml` (``separation=``): all-zero fixed-effect groups and the
iterative rectifier."""
check_separation = validator(
    SeparationCheck,
    "separation",
    EstimationError,
    hint="pass a tuple of them, e.g. ('fe', 'ir') (the default) or ('fe',)",
)
"""The reason of each drop code (0 kept, 1 all-zero group, 2 singleton, 3 separated)."""


def fe_group_codes(y: np.ndarray, fe: np.ndarray, *, all_zero: bool = True, singletons: bool = True) -> np.ndarray:
    """:func:`drop_fe_groups` as int8 codes of :data:`DROP_REASONS` (0 kept, 1 all-zero group, 2 singleton)."""
    return fe_group_drops(y > 0, np.ascontiguousarray(fe), bool(all_zero), bool(singletons))


def drop_fe_groups(y: np.ndarray, fe: np.ndarray, *, all_zero: bool = True, singletons: bool = True) -> np.ndarray:
    """Rows that make the estimates infinite through a single fixed-effect group, or singletons.

    A group g of effect k with y_i = 0 for every i ∈ g has the certificate z = D_k 1_g
    (α_k[g] → −∞); a singleton group is fitted exactly. Iterates to a fixed point, because a drop in
    one effect can empty or isolate a group of another.

    Parameters
    ----------
    y : numpy.ndarray, shape (n,)
    fe : numpy.ndarray of int, shape (K, n)
    all_zero, singletons : bool
        Which rule to apply.

    Returns
    -------
    numpy.ndarray of object, shape (n,)
        "" (kept), "all-zero group" or "singleton".

    References
    ----------
    Correia, S., Guimarães, P. & Zylkin, T. (2019). Verifying the existence of maximum likelihood
    estimates for generalized linear models. arXiv:1903.01633.
    """
    return DROP_REASONS[fe_group_codes(y, fe, all_zero=all_zero, singletons=singletons)]


class _LSE:
    """Weighted least squares of u on [X, D] with weights 1 (y = 0) and M (y > 0): the "method of
    weighting" for least squares with the equality constraints fit = 0 where y > 0 (Van Loan
    1985; M = ε^(-1/2) ≈ 6.7e7 as in ppmlhdfe). Solved by a dense SVD-based solver when small
    and by LSMR otherwise (alternating projections are far too slow at this conditioning), on the
    column-scaled design A = diag(√w) [X D] diag(s) applied matrix-free by the numba kernels
    :func:`~gravity.estimation._kernels.lse_matvec` / :func:`~gravity.estimation._kernels.lse_rmatvec`
    (no n × (p + K) sparse matrix is built); LSMR is warm-started across IR iterations."""

    def __init__(self, X, fe, n_levels, zero, *, dense_max=1_500):
        n = zero.size
        self.M = float(np.ceil(np.finfo(float).eps ** -0.5))
        self.sw = np.sqrt(np.where(zero, 1.0, self.M))
        p, K = X.shape[1], fe.shape[0]
        offsets = np.concatenate([[p], p + np.cumsum(np.asarray(n_levels, dtype=np.int64))])
        q = int(offsets[-1])
        self.q = q
        self.theta = np.zeros(q)
        self.dense = None
        if q <= dense_max and n * q <= 2e6:
            dense = np.zeros((n, q))
            if p:
                dense[:, :p] = X * self.sw[:, None]
            rows = np.arange(n)
            for k in range(K):
                dense[rows, offsets[k] + fe[k]] = self.sw
            norms = np.sqrt((dense**2).sum(0))
            norms[norms == 0] = 1.0
            self.dense = dense * (1.0 / norms)
            return
        self.X = np.ascontiguousarray(X, dtype=float)
        self.fe = np.ascontiguousarray(fe)
        self.offsets = fe_offsets(n_levels)
        norms = np.empty(q)
        norms[:p] = np.sqrt(np.diag(weighted_cross(self.X, self.sw**2, self.sw)[0])) if p else 0.0
        norms[p:] = np.sqrt(group_weights(self.fe, self.sw**2, self.offsets))
        norms[norms == 0] = 1.0
        self.scale = 1.0 / norms

    def operator(self) -> LinearOperator:
        """A as a LinearOperator (closures over the arrays, not over ``self``: no reference cycle
        keeps the arrays alive after the check)."""
        X, fe, offsets, w, s, q = self.X, self.fe, self.offsets, self.sw, self.scale, self.q

        def matvec(theta):
            out = np.empty(w.size)
            lse_matvec(X, fe, offsets, w, s, np.ascontiguousarray(theta, dtype=float).ravel(), out)
            return out

        def rmatvec(v):
            out = np.empty(q)
            lse_rmatvec(X, fe, offsets, w, s, np.ascontiguousarray(v, dtype=float).ravel(), out)
            return out

        return LinearOperator((w.size, q), matvec=matvec, rmatvec=rmatvec, dtype=float)

    def fitted(self, u):
        b = u * self.sw
        if self.q == 0:
            return np.zeros_like(u)
        if self.dense is not None:
            theta = np.linalg.lstsq(self.dense, b, rcond=1e-13)[0]
            return (self.dense @ theta) / self.sw
        A = self.operator()
        warm = self.theta.any()  # the first solve starts at θ = 0: no residual to form
        r0 = b - A.matvec(self.theta) if warm else b
        d = lsmr(A, r0, atol=1e-10, btol=1e-10, maxiter=20 * self.q + 1000)[0]
        self.theta = self.theta + d if warm else d
        return A.matvec(self.theta) / self.sw


class _SubspaceLSE:
    """Exact least squares under the constraints fit = 0 where y > 0, for at most two fixed
    effects: the feasible fits L = {Xβ + Dα : X_Pβ + D_Pα = 0} (P = rows with y > 0) are spanned by

    * z_j = Xβ_j − Dα_j for β_j in the null space of X̃_P (X demeaned on P; α_j the fixed-effect
      coefficients of X_Pβ_j on P), and
    * for two effects, the indicator differences 1[c(g_1(i)) = c] − 1[c(g_2(i)) = c] for every
      connected component c of the graph linking the two effects' levels through rows in P
      (with one effect, D_Pα = 0 forces α = 0).

    Least squares onto span(L) restricted to the y = 0 rows is then a small dense problem solved
    once (orthonormal basis), and each IR iteration is a projection."""

    def __init__(self, X, fe, n_levels, zero, *, max_rank=2_000):
        n = zero.size
        pos = ~zero
        K = fe.shape[0]
        cols = []
        p = X.shape[1]
        if p:
            Xp = np.asfortranarray(X[pos])
            if K:
                fe_p = np.ascontiguousarray(fe[:, pos])
                offsets = fe_offsets(n_levels)
                w = np.ones(int(pos.sum()))
                sw = group_weights(fe_p, w, offsets)
                alphas = np.zeros((offsets[-1], p), order="F")
                Xt = np.empty_like(Xp)
                # a loose pass decides; only a near-collinear X̃_P is refined (warm start) to 1e-13
                demean_columns(Xp, fe_p, w, sw, offsets, alphas, 1e-9, 1_000_000, Xt)
                sv = np.linalg.svd(Xt / np.maximum(np.sqrt((Xp**2).sum(0)), 1e-300), compute_uv=False)
                if sv.size < p or sv.min() <= 1e-5 * sv.max():
                    demean_columns(Xp, fe_p, w, sw, offsets, alphas, 1e-13, 1_000_000, Xt)
            else:
                Xt = Xp
            norm = np.sqrt((X**2).sum(0))
            norm[norm == 0] = 1.0
            Xs = Xt / norm
            if Xs.shape[0] < p:
                Xs = np.vstack([Xs, np.zeros((p - Xs.shape[0], p))])
            _, sv, vt = np.linalg.svd(Xs, full_matrices=False)
            sv = np.concatenate([sv, np.zeros(p - sv.size)])
            null = vt[sv <= 1e-9 * max(1.0, sv.max() if sv.size else 1.0)]
            for b in null:
                beta = b / norm
                z = X @ beta
                if K:
                    a = alphas @ beta
                    fs = np.empty(n)
                    fe_sum(fe, np.ascontiguousarray(a), offsets, fs)
                    z = z - fs
                z[pos] = 0.0
                cols.append(z)
        if K == 2:
            n0, n1 = int(n_levels[0]), int(n_levels[1])
            m = sparse.coo_matrix((np.ones(int(pos.sum())), (fe[0, pos], fe[1, pos] + n0)), shape=(n0 + n1, n0 + n1))
            ncomp, lab = connected_components(m, directed=False)
            c1, c2 = lab[fe[0]], lab[fe[1] + n0]
            mixed = np.flatnonzero(c1 != c2)
            if mixed.size:
                comps = np.unique(np.concatenate([c1[mixed], c2[mixed]]))
                if comps.size > max_rank:
                    raise _TooLarge
                where = {c: j for j, c in enumerate(comps)}
                Zc = np.zeros((n, comps.size))
                for i in mixed:
                    Zc[i, where[c1[i]]] += 1.0
                    Zc[i, where[c2[i]]] -= 1.0
                cols.extend(Zc.T)
        self.zero = zero
        if cols:
            B = np.column_stack(cols)[zero]
            u_, sv, _ = np.linalg.svd(B, full_matrices=False)
            self.Q = (
                u_[:, sv > 1e-10 * max(sv.max(), 1e-300)] if sv.size and sv.max() > 0 else np.zeros((B.shape[0], 0))
            )
        else:
            self.Q = np.zeros((int(zero.sum()), 0))

    def fitted(self, u):
        out = np.zeros_like(u)
        if self.Q.shape[1]:
            out[self.zero] = self.Q @ (self.Q.T @ u[self.zero])
        return out


class _TooLarge(Exception):
    pass


def iterative_rectifier(
    y: np.ndarray,
    X: np.ndarray,
    fe: np.ndarray,
    n_levels,
    *,
    tol: float = 1e-5,
    maxiter: int = 1000,
    method: RectifierMethod = "auto",
) -> tuple[np.ndarray, int]:
    """Boolean mask of separated observations and the number of IR iterations.

    ``X`` holds the slope columns (with the intercept column when the model has one), ``fe`` the
    int32 codes (K × n, every level non-empty). A fitted value within [−0.1·tol, tol] counts as 0.
    Stops when û ≥ 0 on every y = 0 observation (separated = û > 0), or — as in ppmlhdfe — when no
    residual u − û on the y = 0 observations is negative (no further separation can be found).
    ``method``: "subspace" (exact, at most two fixed effects), "weighting" (method of weighting,
    any number of effects) or "auto" (subspace when possible).

    Parameters
    ----------
    y : numpy.ndarray, shape (n,)
    X : numpy.ndarray, shape (n, p)
    fe : numpy.ndarray of int32, shape (K, n)
    n_levels : sequence of int
    tol : float
    maxiter : int
    method : {"auto", "subspace", "weighting"}

    Returns
    -------
    (numpy.ndarray of bool, int)
        Separated rows and the number of IR iterations.

    Raises
    ------
    EstimationError
        Unknown ``method``, or "subspace" with more than two fixed effects.
    SeparationError
        No convergence in ``maxiter`` iterations (the message says how to skip the check).

    References
    ----------
    Correia, S., Guimarães, P. & Zylkin, T. (2019). Verifying the existence of maximum likelihood
    estimates for generalized linear models. arXiv:1903.01633.
    Correia, S., Guimarães, P. & Zylkin, T. (2020). Fast Poisson estimation with high-dimensional
    fixed effects. Stata Journal 20(1), 95–115.
    """
    n = y.size
    zero = y <= 0
    if not zero.any():
        return np.zeros(n, dtype=bool), 0
    lse: _SubspaceLSE | _LSE | None = None
    check_rectifier_method(method)
    if method == "subspace" and fe.shape[0] > 2:
        raise EstimationError("the subspace method handles at most two fixed effects")
    if fe.shape[0] <= 2 and method != "weighting":
        try:
            lse = _SubspaceLSE(X, fe, n_levels, zero)
        except _TooLarge:
            lse = None
    if lse is None:
        lse = _LSE(X, fe, n_levels, zero)
    u = zero.astype(float)
    for it in range(1, maxiter + 1):
        xb = lse.fitted(u)
        resid = u - xb
        xb[~zero] = 0.0
        xb[(xb >= -0.1 * tol) & (xb <= tol)] = 0.0
        if not (xb[zero] < 0).any():
            return zero & (xb > 0), it
        resid[np.abs(resid) < 1e-12] = 0.0
        if resid[zero].min() >= 0:
            xb[zero & (resid > tol)] = 0.0
            return zero & (xb > 0), it
        u = np.where(zero, np.maximum(xb, 0.0), 0.0)
    raise SeparationError(
        f"separation check (iterative rectifier) did not converge in {maxiter} iterations; "
        "pass separation=('fe',) to skip it and inspect the data for separated observations"
    )
