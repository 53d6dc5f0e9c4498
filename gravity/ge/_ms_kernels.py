"""Numba kernels of the multi-sector GE with input-output linkages (Caliendo & Parro 2015); numba only.

The equations are stated in :mod:`gravity.ge.multisector`, which validates inputs and calls these
kernels. Array layout (CP notation: n importer/destination, i exporter/source, j, k sectors):

* ``A[j, n, i] = π_ni^j κ̂_ni^j^{-θ_j}`` — baseline expenditure shares times the cost shock,
  κ̂ = (1 + τ'_ni^j) / (1 + τ_ni^j) · d̂_ni^j;
* ``B[j, n, i] = π'_ni^j / (1 + τ'_ni^j)`` and ``r[n, j] = Σ_i τ'_ni^j π'_ni^j / (1 + τ'_ni^j)``;
* ``gva[n, j] = γ_n^j`` (value-added share), ``gio[n, k, j] = γ_n^{k,j}`` (share of input k in
  sector j), ``alpha[n, j] = α_n^j`` (final-demand share), ``theta[j] = θ_j``;
* wages as ``lw[n] = ln ŵ_n``; unit costs and prices as ``logc[n, j] = ln ĉ_n^j``,
  ``logP[n, j] = ln P̂_n^j``; expenditure ``X[n, j] = X'_n^j``; sales ``Y[n, j]`` (net of tariffs).

Every kernel reads only its arguments and writes caller-allocated buffers.
"""

from __future__ import annotations

import numpy as np
from numba import njit


@njit(cache=True)
def _prices(lw, A, theta, gva, gio, logc, logP, tol, max_iter):
    """ln ĉ, ln P̂ given ln ŵ: the fixed point of ĉ = ŵ^γ Π_k P̂_k^{γ^{k,j}}, P̂ = (Σ_i A ĉ_i^{-θ})^{-1/θ}.

    Started from the values in ``logc``/``logP`` (updated in place). A contraction with modulus
    max_{n,j} Σ_k γ_n^{k,j} < 1. Returns (iterations, last max |Δ ln P̂|); iterations = -1 when
    ``max_iter`` was reached.
    """
    J, N = A.shape[0], A.shape[1]
    ci = np.empty(N)
    err = np.inf
    for it in range(max_iter):
        for n in range(N):
            for j in range(J):
                s = gva[n, j] * lw[n]
                for k in range(J):
                    s += gio[n, k, j] * logP[n, k]
                logc[n, j] = s
        err = 0.0
        for j in range(J):
            th = theta[j]
            for i in range(N):
                ci[i] = np.exp(-th * logc[i, j])
            for n in range(N):
                s = 0.0
                for i in range(N):
                    s += A[j, n, i] * ci[i]
                new = -np.log(s) / th if s > 0.0 else 0.0
                d = abs(new - logP[n, j])
                if d > err:
                    err = d
                logP[n, j] = new
        if err < tol:
            return it + 1, err
    return -1, err


@njit(cache=True)
def _shares(A, tau1, theta, logc, logP, B, r):
    """π'_ni^j = A_ni^j ĉ_i^{-θ_j} P̂_n^{θ_j}; fills B = π' / (1 + τ') and r = Σ_i τ' π' / (1 + τ')."""
    J, N = A.shape[0], A.shape[1]
    for j in range(J):
        th = theta[j]
        for n in range(N):
            rs = 0.0
            for i in range(N):
                p = A[j, n, i] * np.exp(-th * (logc[i, j] - logP[n, j]))
                b = p / (1.0 + tau1[j, n, i])
                B[j, n, i] = b
                rs += tau1[j, n, i] * b
            r[n, j] = rs


@njit(cache=True)
def _sales(B, X, Y):
    """Y_i^j = Σ_n π'_ni^j X'_n^j / (1 + τ'_ni^j): sales of sector j in i, net of tariffs."""
    J, N = B.shape[0], B.shape[1]
    for i in range(N):
        for j in range(J):
            Y[i, j] = 0.0
    for j in range(J):
        for n in range(N):
            x = X[n, j]
            for i in range(N):
                Y[i, j] += B[j, n, i] * x


@njit(cache=True)
def _expenditure(B, r, gio, alpha, wl1, D, X, Y, I, tol, max_iter):
    """X'_n^j = Σ_k γ_n^{j,k} Y_n^k + α_n^j I_n with I_n = ŵ_n w_nL_n + Σ_j r_n^j X'_n^j + D_n.

    Linear in X' given the shares; solved by iteration from the values in ``X`` (a contraction
    because intermediate and tariff shares are below one). Stops when max |ΔX| is below ``tol``
    times the largest X. Returns (iterations, last relative change); -1 when not converged.
    """
    J, N = B.shape[0], B.shape[1]
    err = np.inf
    for it in range(max_iter):
        _sales(B, X, Y)
        for n in range(N):
            s = wl1[n] + D[n]
            for j in range(J):
                s += r[n, j] * X[n, j]
            I[n] = s
        err = 0.0
        scale = 0.0
        for n in range(N):
            for j in range(J):
                s = alpha[n, j] * I[n]
                for k in range(J):
                    s += gio[n, j, k] * Y[n, k]
                d = abs(s - X[n, j])
                if d > err:
                    err = d
                if s > scale:
                    scale = s
                X[n, j] = s
        err = err / scale if scale > 0.0 else err
        if err < tol:
            _sales(B, X, Y)
            return it + 1, err
    _sales(B, X, Y)
    return -1, err


@njit(cache=True)
def _evaluate(lw, A, tau1, theta, gva, gio, alpha, wL, D, logc, logP, B, r, X, Y, I, resid, tol, max_iter):
    """Labour-market residuals at ln ŵ, with prices and expenditure solved exactly inside.

    resid_n = (Σ_j γ_n^j Y_n^j − ŵ_n w_nL_n) / (w_nL_n) for n < N−1, and the numeraire
    resid_{N−1} = Σ_n ŵ_n w_nL_n / Σ_n w_nL_n − 1 (Walras' law makes the last market redundant).
    Returns (price iterations, expenditure iterations); -1 marks an inner loop that did not converge.
    """
    J, N = A.shape[0], A.shape[1]
    itp, _ = _prices(lw, A, theta, gva, gio, logc, logP, tol, max_iter)
    _shares(A, tau1, theta, logc, logP, B, r)
    wl1 = np.empty(N)
    for n in range(N):
        wl1[n] = np.exp(lw[n]) * wL[n]
    itx, _ = _expenditure(B, r, gio, alpha, wl1, D, X, Y, I, tol, max_iter)
    num = 0.0
    den = 0.0
    for n in range(N):
        ld = 0.0
        for j in range(J):
            ld += gva[n, j] * Y[n, j]
        resid[n] = (ld - wl1[n]) / wL[n]
        num += wl1[n]
        den += wL[n]
    resid[N - 1] = num / den - 1.0
    return itp, itx
