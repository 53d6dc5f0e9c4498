"""Numba kernels of the estimation layer (arrays in, arrays out; no pandas).

Weighted within-transformation for K fixed effects (block Gauss–Seidel on the coefficients with
Irons–Tuck acceleration; see :mod:`gravity.estimation.demean` for the problem solved), the
fixed-effect part of a linear predictor, and the Poisson deviance. Every function is compiled with
``cache=True``; callers import them from here.
"""
from __future__ import annotations

import numpy as np
from numba import njit, prange


@njit(cache=True)
def group_weights(fe, w, offsets):
    """Σ_{i∈g} w_i for every level of every fixed effect, concatenated (length offsets[-1]).

    Parameters
    ----------
    fe : int array (K, n)
    w : float array (n,)
    offsets : int64 array (K + 1,)
        From :func:`gravity.estimation.demean.fe_offsets`.
    """
    K, n = fe.shape
    sw = np.zeros(offsets[K])
    for k in range(K):
        o = offsets[k]
        for i in range(n):
            sw[o + fe[k, i]] += w[i]
    return sw


@njit(cache=True)
def _accumulate(fe, w, alpha, offsets, k, acc):
    """acc[g] = Σ_{i∈g(k)} w_i Σ_{j≠k} α_j[g_j(i)]; rows of one group that are adjacent (sorted
    panels) are summed in a register first. The two- and three-effect sums are written out (the
    branch on K is loop-invariant and hoisted by the compiler)."""
    K, n = fe.shape
    fk = fe[k]
    j1 = 1 if k == 0 else 0
    j2 = min(1 if k == 2 else 2, K - 1)
    f1, f2 = fe[j1], fe[j2]
    o1, o2 = offsets[j1], offsets[j2]
    prev = fk[0] if n else 0
    run = 0.0
    for i in range(n):
        if K == 2:
            s = alpha[o1 + f1[i]]
        elif K == 3:
            s = alpha[o1 + f1[i]] + alpha[o2 + f2[i]]
        else:
            s = 0.0
            for j in range(K):
                if j != k:
                    s += alpha[offsets[j] + fe[j, i]]
        g = fk[i]
        if g != prev:
            acc[prev] += run
            run = 0.0
            prev = g
        run += w[i] * s
    if n:
        acc[prev] += run


@njit(cache=True)
def _sweep(fe, w, sw, b, alpha, offsets, acc):
    """One Gauss–Seidel pass over all fixed effects, updating ``alpha`` in place."""
    K, n = fe.shape
    for k in range(K):
        o = offsets[k]
        G = offsets[k + 1] - o
        for g in range(G):
            acc[g] = 0.0
        _accumulate(fe, w, alpha, offsets, k, acc)
        for g in range(G):
            alpha[o + g] = (b[o + g] - acc[g]) / sw[o + g]


@njit(cache=True)
def _not_converged(a, b, start, tol):
    for t in range(start, a.size):
        d = abs(a[t] - b[t])
        if d > tol and d / (0.1 + abs(a[t])) > tol:
            return True
    return False


@njit(cache=True)
def demean_one(x, fe, w, sw, offsets, alpha, tol, maxiter):
    """Solve min_α Σ_i w_i (x_i − Σ_k α_k[g_k(i)])² for one column, starting from ``alpha``.

    Parameters
    ----------
    x : float array (n,)
    fe, w, sw, offsets
        Codes, weights, group weight sums (:func:`group_weights`) and block offsets.
    alpha : float array (Σ G_k,)
        Starting coefficients; updated in place.
    tol : float
    maxiter : int

    Returns
    -------
    int
        Sweeps used (negative if ``maxiter`` was reached).

    References
    ----------
    Irons, B. M. & Tuck, R. C. (1969). A version of the Aitken accelerator for computer iteration.
    International Journal for Numerical Methods in Engineering 1, 275–277.
    """
    K, n = fe.shape
    if K == 0:
        return 0
    gmax = 0
    for k in range(K):
        gmax = max(gmax, offsets[k + 1] - offsets[k])
    acc = np.empty(gmax)
    b = np.zeros(offsets[K])
    for k in range(K):
        o = offsets[k]
        for i in range(n):
            b[o + fe[k, i]] += w[i] * x[i]
    if K == 1:
        for g in range(offsets[1]):
            alpha[g] = b[g] / sw[g]
        return 1
    s0 = offsets[1]
    m = offsets[K] - s0
    X = alpha[s0:].copy()
    GX = np.empty(m)
    sweeps = 0
    while sweeps < maxiter:
        _sweep(fe, w, sw, b, alpha, offsets, acc)
        sweeps += 1
        GX[:] = alpha[s0:]
        if not _not_converged(GX, X, 0, tol):
            return sweeps
        _sweep(fe, w, sw, b, alpha, offsets, acc)
        sweeps += 1
        # Irons–Tuck on the state (coefficients of effects 2..K)
        vprod = 0.0
        ssq = 0.0
        for t in range(m):
            ggx = alpha[s0 + t]
            dgx = ggx - GX[t]
            d2 = dgx - GX[t] + X[t]
            vprod += dgx * d2
            ssq += d2 * d2
        if ssq == 0.0:
            return sweeps
        coef = vprod / ssq
        for t in range(m):
            ggx = alpha[s0 + t]
            X[t] = ggx - coef * (ggx - GX[t])
            alpha[s0 + t] = X[t]
    return -sweeps


@njit(cache=True)
def residualise(x, fe, alpha, offsets, out):
    """out_i = x_i − Σ_k α_k[g_k(i)] (written into ``out``)."""
    K, n = fe.shape
    for i in range(n):
        s = x[i]
        for k in range(K):
            s -= alpha[offsets[k] + fe[k, i]]
        out[i] = s


@njit(cache=True)
def fe_sum(fe, coef, offsets, out):
    """out_i = Σ_k coef[offsets[k] + g_k(i)] (the fixed-effect part of a linear predictor)."""
    K, n = fe.shape
    for i in range(n):
        s = 0.0
        for k in range(K):
            s += coef[offsets[k] + fe[k, i]]
        out[i] = s


@njit(cache=True, parallel=True)
def demean_columns(X, fe, w, sw, offsets, alphas, tol, maxiter, out):
    """Demean every column of ``X`` in parallel (:func:`demean_one`, then :func:`residualise`).

    Parameters
    ----------
    X : float array (n, p), Fortran order
    fe, w, sw, offsets
        As in :func:`demean_one`.
    alphas : float array (Σ G_k, p), Fortran order
        Starting coefficients; receive the solution.
    tol : float
    maxiter : int
    out : float array (n, p), Fortran order
        Receives X̃.

    Returns
    -------
    int64 array (p,)
        Sweeps used per column (negative where ``maxiter`` was reached).
    """
    p = X.shape[1]
    iters = np.zeros(p, dtype=np.int64)
    for j in prange(p):
        a = alphas[:, j]
        iters[j] = demean_one(X[:, j], fe, w, sw, offsets, a, tol, maxiter)
        residualise(X[:, j], fe, a, offsets, out[:, j])
    return iters


@njit(cache=True)
def deviance(y, mu, v):
    """Poisson deviance D = 2 Σ_i v_i [y_i ln(y_i/μ_i) − (y_i − μ_i)] (numpy twin:
    :attr:`gravity.estimation.results.PPMLResults.deviance`)."""
    s = 0.0
    for i in range(y.size):
        t = mu[i] - y[i]
        if y[i] > 0:
            t += y[i] * np.log(y[i] / mu[i])
        s += v[i] * t
    return 2.0 * s
