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

from gravity.estimation._kernels import demean_columns, group_weights

__all__ = ["demean", "fe_offsets"]


def fe_offsets(n_levels) -> np.ndarray:
    """Start of each fixed effect's block in the concatenated coefficient vector.

    Parameters
    ----------
    n_levels : sequence of int
        Number of levels G_k of each fixed effect k = 1..K.

    Returns
    -------
    numpy.ndarray
        int64 array of length K + 1: ``[0, G_1, G_1 + G_2, …, Σ_k G_k]``.
    """
    return np.concatenate([[0], np.cumsum(np.asarray(n_levels, dtype=np.int64))]).astype(np.int64)


def demean(X, fe, w=None, *, n_levels=None, tol=1e-10, maxiter=100_000, alphas=None):
    """Weighted within-transformation of the columns of ``X`` (the problem in the module docstring).

    Parameters
    ----------
    X : array_like, shape (n,) or (n, p)
        Columns to demean.
    fe : array_like of int, shape (K, n) or (n,)
        Group codes g_k(i) of each fixed effect, 0..G_k − 1.
    w : array_like, shape (n,), optional
        Positive weights w_i (default 1).
    n_levels : sequence of int, optional
        G_k per effect (default: max code + 1).
    tol, maxiter : float, int
        Convergence tolerance on the coefficients and the sweep limit per column.
    alphas : numpy.ndarray, shape (Σ G_k, p), Fortran order, optional
        Starting coefficients (warm start); updated in place.

    Returns
    -------
    tuple
        (X̃ with the shape of ``X``, the coefficients α (Σ G_k × p), sweeps used per column —
        negative where ``maxiter`` was reached).

    References
    ----------
    Correia, S. (2017). Linear models with high-dimensional fixed effects: an efficient and
    feasible estimator. Working paper. Bergé, L. (2018). Efficient estimation of maximum
    likelihood models with multiple fixed-effects: the R package FENmlm. CREA DP 13.
    """
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
