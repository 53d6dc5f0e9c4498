"""Numba kernels of the estimation layer (arrays in, arrays out; no pandas).

Weighted within-transformation for K fixed effects (block Gauss–Seidel on the coefficients with
Irons–Tuck acceleration; see :mod:`gravity.estimation.demean` for the problem solved), the
fixed-effect part of a linear predictor, and the Poisson deviance. Every function is compiled with
``cache=True``; callers import them from here.
"""

from __future__ import annotations

import numpy as np
from numba import njit, prange


@njit(cache=True, parallel=True)
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
    for k in prange(K):
        o = offsets[k]
        for i in range(n):
            sw[o + fe[k, i]] += w[i]
    return sw


CHUNKS = 4
"""Fixed row blocks of the parallel sums (normal equations, deviance): block c sums rows
[c·n/4, (c+1)·n/4) and the block sums are added in block order, so results do not depend on the number
of threads."""


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


@njit(cache=True, parallel=True)
def fe_sum(fe, coef, offsets, out):
    """out_i = Σ_k coef[offsets[k] + g_k(i)] (the fixed-effect part of a linear predictor)."""
    K, n = fe.shape
    for i in prange(n):
        s = 0.0
        for k in range(K):
            s += coef[offsets[k] + fe[k, i]]
        out[i] = s


@njit(cache=True, parallel=True)
def working(y, mu, eta, off, v, z, w):
    """IRLS working weights and outcome: w_i = v_i μ_i, z_i = η_i − o_i + (y_i − μ_i)/μ_i."""
    for i in prange(y.size):
        w[i] = v[i] * mu[i]
        z[i] = eta[i] - off[i] + (y[i] - mu[i]) / mu[i]


@njit(cache=True, parallel=True)
def weighted_cross(Xt, w, zt):
    """(X̃'ΩX̃, X̃'Ωz̃) with Ω = diag(w), summed over fixed row blocks (:data:`CHUNKS`) in order."""
    n, p = Xt.shape
    C = CHUNKS
    Hc = np.zeros((C, p, p))
    rc = np.zeros((C, p))
    for c in prange(C):
        for i in range(n * c // C, n * (c + 1) // C):
            wi = w[i]
            for a in range(p):
                xa = wi * Xt[i, a]
                rc[c, a] += xa * zt[i]
                for b in range(a + 1):
                    Hc[c, a, b] += xa * Xt[i, b]
    H = np.zeros((p, p))
    r = np.zeros(p)
    for c in range(C):
        for a in range(p):
            r[a] += rc[c, a]
            for b in range(a + 1):
                H[a, b] += Hc[c, a, b]
    for a in range(p):
        for b in range(a):
            H[b, a] = H[a, b]
    return H, r


@njit(cache=True, parallel=True)
def linear_predictor(off, X, beta, fe, coef, offsets, eta):
    """η_i = clip(o_i + x_i'β + Σ_k coef[o_k + g_k(i)], −700, 700) (exp(709) is the largest double)."""
    K, n = fe.shape
    p = beta.size
    for i in prange(n):
        xb = 0.0
        for j in range(p):
            xb += X[i, j] * beta[j]
        f = 0.0
        for k in range(K):
            f += coef[offsets[k] + fe[k, i]]
        eta[i] = min(max(off[i] + xb + f, -700.0), 700.0)


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


@njit(cache=True, parallel=True)
def deviance(y, mu, v):
    """Poisson deviance D = 2 Σ_i v_i [y_i ln(y_i/μ_i) − (y_i − μ_i)] (numpy twin:
    :attr:`gravity.estimation.results.PPMLResults.deviance`), summed over fixed row blocks in order."""
    n = y.size
    C = CHUNKS
    part = np.zeros(C)
    for c in prange(C):
        s = 0.0
        for i in range(n * c // C, n * (c + 1) // C):
            t = mu[i] - y[i]
            if y[i] > 0:
                t += y[i] * np.log(y[i] / mu[i])
            s += v[i] * t
        part[c] = s
    s = 0.0
    for c in range(C):
        s += part[c]
    return 2.0 * s


@njit(cache=True)
def fe_group_drops(pos, fe, all_zero, singletons):
    """Codes of the rows that a single fixed-effect group makes unestimable, iterated to a fixed point:
    1 = all-zero group (no y > 0 left in one of its groups), 2 = singleton, 0 = kept
    (:func:`gravity.estimation.separation.drop_fe_groups` has the rules)."""
    K, n = fe.shape
    code = np.zeros(n, dtype=np.int8)
    changed = True
    while changed:
        changed = False
        for k in range(K):
            c = fe[k]
            G = 0
            for i in range(n):
                G = max(G, c[i] + 1)
            if all_zero:
                npos = np.zeros(G, dtype=np.int64)
                for i in range(n):
                    if code[i] == 0 and pos[i]:
                        npos[c[i]] += 1
                for i in range(n):
                    if code[i] == 0 and npos[c[i]] == 0:
                        code[i] = 1
                        changed = True
            if singletons:
                cnt = np.zeros(G, dtype=np.int64)
                for i in range(n):
                    if code[i] == 0:
                        cnt[c[i]] += 1
                for i in range(n):
                    if code[i] == 0 and cnt[c[i]] == 1:
                        code[i] = 2
                        changed = True
    return code


@njit(cache=True)
def compact_fe(fe, keep):
    """Codes of the kept rows re-numbered 0..G'−1 per effect (old order kept), and new_of_old
    (K × max G; −1 for a level no kept row uses)."""
    K, n = fe.shape
    m = 0
    for i in range(n):
        if keep[i]:
            m += 1
    gmax = 0
    for k in range(K):
        for i in range(n):
            gmax = max(gmax, fe[k, i] + 1)
    out = np.empty((K, m), dtype=np.int32)
    new_of_old = np.full((K, gmax), -1, dtype=np.int64)
    for k in range(K):
        used = np.zeros(gmax, dtype=np.bool_)
        for i in range(n):
            if keep[i]:
                used[fe[k, i]] = True
        c = 0
        for g in range(gmax):
            if used[g]:
                new_of_old[k, g] = c
                c += 1
        j = 0
        for i in range(n):
            if keep[i]:
                out[k, j] = new_of_old[k, fe[k, i]]
                j += 1
    return out, new_of_old


# ---- matrix-free weighted design of the iterative rectifier (gravity.estimation.separation) ----
# A = diag(w) [X D] diag(s): w the square-root weights of the rows, D the fixed-effect dummies
# (effect k's levels at columns p + offsets[k] .. p + offsets[k+1] − 1), s the column scaling.


@njit(cache=True)
def lse_matvec(X, fe, offsets, w, s, theta, out):
    """out = A θ, i.e. out_i = w_i (Σ_j X_ij s_j θ_j + Σ_k s_c θ_c), c = p + offsets[k] + g_k(i).

    Serial on purpose: one pass over memory, and no thread barrier to lose when other processes
    share the cores (the IRLS kernels already use the threads).

    Parameters
    ----------
    X : float array (n, p), C order
    fe : int array (K, n)
    offsets : int64 array (K + 1,)
        From :func:`gravity.estimation.demean.fe_offsets`.
    w : float array (n,)
    s : float array (p + offsets[K],)
    theta : float array (p + offsets[K],)
    out : float array (n,)
        Receives A θ.
    """
    n, p = X.shape
    K = fe.shape[0]
    st = s * theta
    for i in range(n):
        acc = 0.0
        for j in range(p):
            acc += X[i, j] * st[j]
        for k in range(K):
            acc += st[p + offsets[k] + fe[k, i]]
        out[i] = w[i] * acc


@njit(cache=True)
def lse_rmatvec(X, fe, offsets, w, s, v, out):
    """out = Aᵀ v: out_j = s_j Σ_i X_ij w_i v_i and, for level g of effect k,
    out_c = s_c Σ_{i: g_k(i) = g} w_i v_i (one pass over the rows).

    Parameters
    ----------
    X, fe, offsets, w, s
        As in :func:`lse_matvec`.
    v : float array (n,)
    out : float array (p + offsets[K],)
        Receives Aᵀ v.
    """
    n, p = X.shape
    K = fe.shape[0]
    out[:] = 0.0
    for i in range(n):
        wv = w[i] * v[i]
        for j in range(p):
            out[j] += X[i, j] * wv
        for k in range(K):
            out[p + offsets[k] + fe[k, i]] += wv
    for c in range(out.size):
        out[c] *= s[c]


# ---- Weidner & Zylkin (2021) bias terms (gravity.estimation.bias) ------------------------------
# Pair p = (i, j) holds a length-T vector (zeros for absent years). With the pair effect profiled
# out its Hessian is H_p = diag(λ_p) − λ_p λ_p' / Σ_t λ_pt and its score S_p = y_p − λ_p.


@njit(cache=True)
def wz_sums(lam, S, X, ex, im, n_i, n_j):
    """Exporter and importer sums of the pair blocks: H_i = Σ_j H_ij, SS_i = Σ_j S_ij S_ij',
    G_i[k] = −Σ_j H_ij ∘ (x̃_k,s + x̃_k,t), and the same over exporters for importer j.

    Parameters
    ----------
    lam, S : float arrays (P, T)
    X : float array (P, T, K)
        Slopes demeaned on every fixed effect under the weights λ.
    ex, im : int arrays (P,)
        Exporter and importer code of each pair.
    n_i, n_j : int

    Returns
    -------
    tuple of float arrays
        H_i (n_i, T, T), H_j (n_j, T, T), SS_i, SS_j, G_i (K, n_i, T, T), G_j (K, n_j, T, T).
    """
    P, T = lam.shape
    K = X.shape[2]
    Hi = np.zeros((n_i, T, T))
    Hj = np.zeros((n_j, T, T))
    SSi = np.zeros((n_i, T, T))
    SSj = np.zeros((n_j, T, T))
    Gi = np.zeros((K, n_i, T, T))
    Gj = np.zeros((K, n_j, T, T))
    for p in range(P):
        L = 0.0
        for t in range(T):
            L += lam[p, t]
        if L <= 0.0:
            continue
        a, b = ex[p], im[p]
        for s in range(T):
            for t in range(T):
                h = -lam[p, s] * lam[p, t] / L
                if s == t:
                    h += lam[p, s]
                ss = S[p, s] * S[p, t]
                Hi[a, s, t] += h
                Hj[b, s, t] += h
                SSi[a, s, t] += ss
                SSj[b, s, t] += ss
                for k in range(K):
                    g = -h * (X[p, s, k] + X[p, t, k])
                    Gi[k, a, s, t] += g
                    Gj[k, b, s, t] += g
    return Hi, Hj, SSi, SSj, Gi, Gj


@njit(cache=True)
def wz_first_terms(lam, S, X, ex, im, Hinv_i, Hinv_j):
    """Σ_ij (H_ij x̃_ij,k)' H_i⁺ S_ij and Σ_ij (H_ij x̃_ij,k)' H_j⁺ S_ij for every slope k (the
    first terms of B̂ and D̂; ``Hinv_i``, ``Hinv_j`` the pseudo-inverses of :func:`wz_sums`' sums)."""
    P, T = lam.shape
    K = X.shape[2]
    b1 = np.zeros(K)
    d1 = np.zeros(K)
    hx = np.empty(T)
    for p in range(P):
        L = 0.0
        for t in range(T):
            L += lam[p, t]
        if L <= 0.0:
            continue
        a, b = ex[p], im[p]
        for k in range(K):
            lx = 0.0
            for t in range(T):
                lx += lam[p, t] * X[p, t, k]
            for t in range(T):
                hx[t] = lam[p, t] * X[p, t, k] - lam[p, t] * lx / L
            for s in range(T):
                if hx[s] == 0.0:
                    continue
                ui = 0.0
                uj = 0.0
                for t in range(T):
                    ui += Hinv_i[a, s, t] * S[p, t]
                    uj += Hinv_j[b, s, t] * S[p, t]
                b1[k] += hx[s] * ui
                d1[k] += hx[s] * uj
    return b1, d1


@njit(cache=True)
def wz_series_diag(lam, ex, im, Pi, Pj):
    """Exporter and importer diagonal blocks of V_FE to second order in the Neumann series of the
    profiled fixed-effect Hessian G about its block diagonal:
    V_ii ≈ H_i⁺ + H_i⁺ (Σ_j H_ij H_j⁺ H_ij) H_i⁺, and the same for importer j. Each pair costs
    O(T²) (H_ij = diag(λ_ij) − λ_ij λ_ij'/L_ij is diagonal minus rank one).

    Parameters
    ----------
    lam : float array (P, T)
    ex, im : int arrays (P,)
    Pi, Pj : float arrays (n_i, T, T), (n_j, T, T)
        H_i⁺ and H_j⁺.

    Returns
    -------
    (float array (n_i, T, T), float array (n_j, T, T))
    """
    P, T = lam.shape
    n_i, n_j = Pi.shape[0], Pj.shape[0]
    Mi = np.zeros((n_i, T, T))
    Mj = np.zeros((n_j, T, T))
    u = np.empty(T)
    w = np.empty(T)
    for p in range(P):
        L = 0.0
        for t in range(T):
            L += lam[p, t]
        if L <= 0.0:
            continue
        a, b = ex[p], im[p]
        for side in range(2):
            M = Pj[b] if side == 0 else Pi[a]
            # H M H = ΛMΛ − (ΛMλ)λ'/L − λ(λ'MΛ)/L + (λ'Mλ) λλ'/L²,  M symmetric
            q = 0.0
            for s in range(T):
                c = 0.0
                for t in range(T):
                    c += M[s, t] * lam[p, t]
                u[s] = c
                q += lam[p, s] * c
            for s in range(T):
                w[s] = lam[p, s] * u[s]
            for s in range(T):
                for t in range(T):
                    h = (
                        lam[p, s] * M[s, t] * lam[p, t]
                        - (w[s] * lam[p, t] + lam[p, s] * w[t]) / L
                        + q * lam[p, s] * lam[p, t] / (L * L)
                    )
                    if side == 0:
                        Mi[a, s, t] += h
                    else:
                        Mj[b, s, t] += h
    Di = Pi.copy()
    Dj = Pj.copy()
    for a in range(n_i):
        Di[a] += Pi[a] @ Mi[a] @ Pi[a]
    for b in range(n_j):
        Dj[b] += Pj[b] @ Mj[b] @ Pj[b]
    return Di, Dj


@njit(cache=True)
def wz_meat(lam, S, X, ex, im, VX, Vi, Vj, Vfull, jofs, dvd, three, cross, Pi, Pj):
    """Pair-clustered meats Σ_ij x̃_ij' S_ij S_ij' x̃_ij (plain) and
    Σ_ij x̃_ij' (I − H_ij Q_ij)⁻¹ S_ij S_ij' x̃_ij (locally de-biased), Q_ij = x̃_ij V_X x̃_ij' +
    d̃_ij V_FE d̃_ij' the pair's block of the projection on the slopes and the exporter-time and
    importer-time effects (Weidner & Zylkin 2021, section 3.3).

    Parameters
    ----------
    lam, S, X, ex, im
        As in :func:`wz_sums`.
    VX : float array (K, K)
        (Σ x̃'Λx̃)⁻¹.
    Vi, Vj : float arrays (n_i, T, T), (n_j, T, T)
        Exporter and importer diagonal blocks of V_FE (three-way).
    Vfull : float array (F, F)
        The whole V_FE when ``cross == 1`` (exporter blocks first, importer blocks from ``jofs``).
    dvd : float array (P, T)
        Two-way: the diagonal of d_ij V_FE d_ij' (years are disjoint there).
    three : bool
        Three-way model (pair effect profiled out, d̃ = (I − 1ϑ_ij') d).
    cross : int
        Exporter-importer cross block V_ij of V_FE: 1 read from ``Vfull``; 2 its first-order
        series term −H_i⁺ H_ij H_j⁺ (``Pi``, ``Pj`` = H_i⁺, H_j⁺; the next term is third order).
    Pi, Pj : float arrays (n_i, T, T), (n_j, T, T)
        Used when ``cross == 2``.

    Returns
    -------
    (float array (K, K), float array (K, K))
        The de-biased meat (not symmetrised) and the plain meat.
    """
    P, T = lam.shape
    K = X.shape[2]
    om = np.zeros((K, K))
    om0 = np.zeros((K, K))
    A = np.empty((T, T))
    Q = np.empty((T, T))
    V = np.empty((T, T))
    MV = np.empty((T, T))
    C = np.zeros((T, T))
    PL = np.empty((T, T))
    th = np.empty(T)
    xS = np.empty(K)
    pl = np.empty(T)
    ql = np.empty(T)
    for p in range(P):
        L = 0.0
        for t in range(T):
            L += lam[p, t]
        if L <= 0.0:
            continue
        a, b = ex[p], im[p]
        xp = X[p]
        for k in range(K):
            s_ = 0.0
            for t in range(T):
                s_ += xp[t, k] * S[p, t]
            xS[k] = s_
        for k in range(K):
            for m in range(K):
                om0[k, m] += xS[k] * xS[m]
        xv = xp @ VX
        for s in range(T):
            for t in range(T):
                q = 0.0
                for k in range(K):
                    q += xv[s, k] * xp[t, k]
                Q[s, t] = q
        if three:
            for t in range(T):
                th[t] = lam[p, t] / L
            if cross == 2:
                # C = −H_i⁺ (diag λ − λλ'/L) H_j⁺
                for s in range(T):
                    c1 = 0.0
                    c2 = 0.0
                    for r in range(T):
                        c1 += Pi[a, s, r] * lam[p, r]
                        c2 += Pj[b, s, r] * lam[p, r]
                    pl[s] = c1
                    ql[s] = c2
                for s in range(T):
                    for r in range(T):
                        PL[s, r] = Pi[a, s, r] * lam[p, r]
                PLP = PL @ Pj[b]
                for s in range(T):
                    for t in range(T):
                        C[s, t] = -(PLP[s, t] - pl[s] * ql[t] / L)
            for s in range(T):
                for t in range(T):
                    v = Vi[a, s, t] + Vj[b, s, t]
                    if cross == 1:
                        v += Vfull[a * T + s, jofs + b * T + t] + Vfull[a * T + t, jofs + b * T + s]
                    elif cross == 2:
                        v += C[s, t] + C[t, s]
                    V[s, t] = v
            for t in range(T):
                c = 0.0
                for s in range(T):
                    c += th[s] * V[s, t]
                for s in range(T):
                    MV[s, t] = V[s, t] - c
            for s in range(T):
                c = 0.0
                for t in range(T):
                    c += MV[s, t] * th[t]
                for t in range(T):
                    Q[s, t] += MV[s, t] - c
            # A = I − H Q with H = diag(λ) − λλ'/L
            for t in range(T):
                c = 0.0
                for r in range(T):
                    c += lam[p, r] * Q[r, t]
                for s in range(T):
                    A[s, t] = -(lam[p, s] * Q[s, t] - lam[p, s] * c / L)
        else:
            for t in range(T):
                Q[t, t] += dvd[p, t]
            for s in range(T):
                for t in range(T):
                    A[s, t] = -lam[p, s] * Q[s, t]
        for t in range(T):
            A[t, t] += 1.0
        u = np.linalg.solve(A, np.ascontiguousarray(S[p]))
        for k in range(K):
            xu = 0.0
            for t in range(T):
                xu += xp[t, k] * u[t]
            for m in range(K):
                om[k, m] += xu * xS[m]
    return om, om0
