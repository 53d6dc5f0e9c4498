"""Weighted within-transformation for several fixed effects (numba kernels).

For a column x, weights w_i > 0 and fixed effects k = 1..K with group codes g_k(i), find the
coefficients α that solve the weighted least-squares problem

    min_α Σ_i w_i ( x_i − Σ_k α_k[g_k(i)] )²

and return the residual x̃_i = x_i − Σ_k α_k[g_k(i)] (the "demeaned" column; Frisch–Waugh–Lovell
then gives the slopes from the x̃'s). The normal equations are solved by block Gauss–Seidel on the
*coefficients* (one block per fixed effect):

    α_k[g] = ( Σ_{i∈g} w_i x_i − Σ_{i∈g} w_i Σ_{j≠k} α_j[g_j(i)] ) / Σ_{i∈g} w_i ,

so a sweep reads only the weights and the integer codes (x enters through the group sums
b_k = Σ_{i∈g} w_i x_i, computed once). As in fixest, the fixed point of the sweep map F on the
coefficients of effects 2..K is accelerated with Irons & Tuck (1969):

    X' = F(F(X)) − [ (Δ²X · ΔF(X)) / (Δ²X · Δ²X) ] ΔF(X),
    ΔF(X) = F(F(X)) − F(X),  Δ²X = F(F(X)) − 2F(X) + X.

Convergence (per column): every coefficient moves by less than ``tol`` in absolute value or
relative to 0.1 + |α| between two sweeps. Coefficients are returned so that callers can warm-start
the next call (IRLS changes the weights only a little between iterations — ppmlhdfe's trick).
"""
from __future__ import annotations

import numpy as np
from numba import njit, prange


@njit(cache=True)
def group_weights(fe, w, offsets):
    """Σ_{i∈g} w_i for every level of every fixed effect, concatenated (length offsets[-1])."""
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
    """Solve for the coefficients of column ``x`` starting from ``alpha`` (updated in place).

    Returns the number of sweeps used (negative if ``maxiter`` was reached).
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
    """out_i = x_i − Σ_k α_k[g_k(i)]."""
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
    """Demean every column of ``X`` (n × p, Fortran order) into ``out``; ``alphas`` (G × p,
    Fortran order) holds and receives the coefficients. Returns sweeps used per column."""
    p = X.shape[1]
    iters = np.zeros(p, dtype=np.int64)
    for j in prange(p):
        a = alphas[:, j]
        iters[j] = demean_one(X[:, j], fe, w, sw, offsets, a, tol, maxiter)
        residualise(X[:, j], fe, a, offsets, out[:, j])
    return iters


def fe_offsets(n_levels) -> np.ndarray:
    """Start of each fixed effect's block in the concatenated coefficient vector."""
    return np.concatenate([[0], np.cumsum(np.asarray(n_levels, dtype=np.int64))]).astype(np.int64)


def demean(X, fe, w=None, *, n_levels=None, tol=1e-10, maxiter=100_000, alphas=None):
    """Convenience wrapper: returns (X̃, alphas, sweeps) for an (n,) or (n, p) array."""
    X = np.asarray(X, dtype=np.float64)
    one = X.ndim == 1
    X2 = np.asfortranarray(X.reshape(-1, 1) if one else X)
    fe = np.ascontiguousarray(fe, dtype=np.int32)
    if fe.ndim == 1:
        fe = fe.reshape(1, -1)
    n = X2.shape[0]
    w = np.ones(n) if w is None else np.ascontiguousarray(w, dtype=np.float64)
    if n_levels is None:
        n_levels = [int(c.max()) + 1 if c.size else 0 for c in fe]
    offsets = fe_offsets(n_levels)
    sw = group_weights(fe, w, offsets)
    if alphas is None:
        alphas = np.zeros((offsets[-1], X2.shape[1]), order="F")
    out = np.empty_like(X2, order="F")
    iters = demean_columns(X2, fe, w, sw, offsets, alphas, tol, maxiter, out)
    return (out[:, 0] if one else out), alphas, iters
