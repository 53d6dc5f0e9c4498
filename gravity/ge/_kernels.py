"""Numba kernels of the GE counterfactual (exact hat algebra); numba functions only.

The equations are stated in :mod:`gravity.ge.solver`, which validates inputs and calls these kernels.
Notation (Yotov et al. 2016, ch. 2): X_ij flows, Y_i output, E_j expenditure, t_ij ≡ t_ij^{1-σ},
t̂_ij = t'_ij / t_ij; Ω̂_i (OMR hat), Φ̂_j (IMR hat), p̂_i factory-gate price hat.

Every kernel takes its arrays as arguments — per-pair (N, N) matrices, per-country (N,) vectors, the
scalars σ, reference index, numeraire and deficit codes, and caller-allocated output buffers — and
reads no globals; none hard-codes the number of effects (the rows of ``out``, ``len(EFFECTS)`` in
:mod:`gravity.ge.solver`). A multi-sector model (S sectors, Caliendo & Parro 2015) extends them
without rewriting:

* the conditional GE separates by sector (each sector's resistances solve the same scaling problem
  on its own X_k, Y_k, E_k), so :func:`_conditional` / :func:`_resistances` run on the slices
  ``X[k]``, ``that[k]`` of (S, N, N) arrays;
* :func:`_phi_hats` (Φ̂_jk with σ_k) and the row sums of :func:`_full` are per-slice operations; a
  multi-sector ``_full`` calls them per sector and sums sector revenues into country income,
  Y'_i = Σ_k Y_ik p̂_ik, and :func:`_effects` fills an (n_effects, N) buffer per sector or for the
  aggregate;
* :func:`_batch` already loops over a leading draw axis; a sector axis is one more leading axis of
  ``t_base`` / ``that`` and of ``out``.
"""

from __future__ import annotations

import numpy as np
from numba import njit


@njit(cache=True, error_model="numpy")
def _columns(K, C, ref, a, s, b):
    """b_j = C_j / Σ_i K_ij a_i (row-major), normalised to b_ref = 1; returns the factor divided out."""
    n = K.shape[0]
    for j in range(n):
        s[j] = 0.0
    for i in range(n):
        ai = a[i]
        for j in range(n):
            s[j] += K[i, j] * ai
    for j in range(n):
        b[j] = C[j] / s[j]
    c = b[ref]
    for j in range(n):
        b[j] /= c
    return c


@njit(cache=True, error_model="numpy")
def _isolated(X, that):
    """1 for a country with no flow to or from any other country after the change (X_ij t̂_ij = X_ji t̂_ji = 0)."""
    n = X.shape[0]
    iso = np.ones(n, dtype=np.bool_)
    for i in range(n):
        for j in range(n):
            if j != i and (X[i, j] * that[i, j] > 0.0 or X[j, i] * that[j, i] > 0.0):
                iso[i] = False
                break
    return iso


@njit(cache=True, error_model="numpy")
def _scale(K, R, C, ref, tol, max_iter, a0):
    """a, b with Σ_j K_ij a_i b_j = R_i, Σ_i K_ij a_i b_j = C_j and b_ref = 1 (alternating scaling,
    started from a = a0). Returns a, b, iterations (-1: not converged, -3: an iterate left the
    floating-point range, i.e. the margins cannot be met on the pattern of K), last max |Δ log a|."""
    n = K.shape[0]
    a = a0.copy()
    b = np.ones(n)
    s = np.empty(n)
    err = np.inf
    for it in range(max_iter):
        _columns(K, C, ref, a, s, b)
        err = 0.0
        for i in range(n):
            t = 0.0
            for j in range(n):
                t += K[i, j] * b[j]
            new = R[i] / t
            d = abs(np.log(new / a[i]))
            if not d <= err:  # also catches NaN
                err = d
            a[i] = new
        if not err < np.inf:
            return a, b, -3, err
        if err < tol:
            c = _columns(K, C, ref, a, s, b)  # b consistent with the final a
            for i in range(n):
                a[i] *= c
            # a country with no flow to or from another only fixes a_i b_i: its own unit, b_i = 1
            iso = _isolated(K, np.ones_like(K))
            for i in range(n):
                if iso[i] and i != ref and K[i, i] > 0.0:
                    b[i] = 1.0
                    a[i] = R[i] / K[i, i]
            return a, b, it + 1, err
    return a, b, -1, err


@njit(cache=True, error_model="numpy")
def _resistances(t, Y, E, ref, tol, max_iter, a0):
    """Baseline OMR_i, IMR_j from costs t (N, N) and margins Y, E: scaling of K_ij = t_ij Y_i E_j."""
    n = t.shape[0]
    K = np.empty((n, n))
    for i in range(n):
        for j in range(n):
            K[i, j] = t[i, j] * Y[i] * E[j]
    a, b, it, err = _scale(K, Y, E, ref, tol, max_iter, a0)
    return 1.0 / a, 1.0 / b, it, err


@njit(cache=True, error_model="numpy")
def _conditional(X, that, Y, E, ref, tol, max_iter, a0):
    """Conditional-GE Ω̂_i, Φ̂_j: scaling of K_ij = X_ij t̂_ij to the margins Y, E."""
    n = X.shape[0]
    K = np.empty((n, n))
    for i in range(n):
        for j in range(n):
            K[i, j] = X[i, j] * that[i, j]
    a, b, it, err = _scale(K, Y, E, ref, tol, max_iter, a0)
    return 1.0 / a, 1.0 / b, it, err


@njit(cache=True, error_model="numpy")
def _phi_hats(X, that, E, q, out):
    """out_j = Σ_i X_ij t̂_ij q_i / E_j (row-major)."""
    n = X.shape[0]
    for j in range(n):
        out[j] = 0.0
    for i in range(n):
        qi = q[i]
        for j in range(n):
            out[j] += X[i, j] * that[i, j] * qi
    for j in range(n):
        out[j] /= E[j]


@njit(cache=True, error_model="numpy")
def _ehat(Y, E, p, deficits, wY, iso, out):
    """Ê_j before the common κ: ``ratio`` (0) p̂_j; ``additive`` (1) (Y_j p̂_j + D_j Σ_i Y_i p̂_i / Σ_i Y_i) / E_j;
    ``balanced`` (2) Y_j p̂_j / E_j (E'_j = Y'_j: deficits purged, Dekle, Eaton & Kortum 2007). The sums run
    over the trading countries (``iso`` False; ``wY`` is their output): an isolated one has D_j = 0."""
    n = Y.shape[0]
    if deficits == 0:
        for j in range(n):
            out[j] = p[j]
    elif deficits == 1:
        s = 0.0
        for i in range(n):
            if not iso[i]:
                s += Y[i] * p[i]
        s /= wY
        for j in range(n):
            out[j] = (Y[j] * p[j] + (E[j] - Y[j]) * s) / E[j]
    else:
        for j in range(n):
            out[j] = Y[j] * p[j] / E[j]


@njit(cache=True, error_model="numpy")
def _full(X, that, Y, E, sigma, ref, numeraire, deficits, tol, max_iter, p0):
    """p̂, Ω̂, Φ̂, Ê (= E'/E), κ of the full-endowment GE (started from p̂ = p0); iterations
    (-1: not converged, -2: an expenditure would turn ≤ 0, -3: prices left the floating-point range),
    last max |Δ log p̂|. ``deficits``: the code of :func:`_ehat`.

    A country that trades with no other country (:func:`_isolated`; balanced, Y_i = E_i, as the caller
    checks) is an economy of its own: p̂_i = 1 (its price is not comparable with the others'), Ê_i = p̂_i, and
    it is left out of the numeraire and of κ, which close the trading world."""
    n = X.shape[0]
    iso = _isolated(X, that)
    p = p0.copy()
    for i in range(n):
        if iso[i]:
            p[i] = 1.0
    q = np.empty(n)  # p̂^{1-σ}
    ph = np.empty(n)
    om = np.empty(n)
    pn = np.empty(n)
    eh = np.empty(n)
    inv_s = 1.0 / sigma
    e = 1.0 - sigma
    wY = 0.0
    wY_iso = 0.0
    for i in range(n):
        wY += Y[i]
        if iso[i]:
            wY_iso += Y[i]
    err = np.inf
    for it in range(max_iter):
        for i in range(n):
            q[i] = p[i] ** e
        _phi_hats(X, that, E, q, ph)
        _ehat(Y, E, p, deficits, wY - wY_iso, iso, eh)
        for j in range(n):
            if not eh[j] > 0.0:
                return p, om, ph, eh, 1.0, -2, err
            ph[j] = eh[j] / ph[j]  # Ê_j / Φ̂_j (up to κ)
        for i in range(n):
            s = 0.0
            for j in range(n):
                s += X[i, j] * that[i, j] * ph[j]
            pn[i] = (s / Y[i]) ** inv_s
        if numeraire == 0:
            s = 0.0
            for i in range(n):
                s += X[i, ref] * that[i, ref] * pn[i] ** e
            lam = (s / E[ref]) ** (-1.0 / e)
        else:
            s = 0.0
            for i in range(n):
                if not iso[i]:
                    s += Y[i] * pn[i]
            lam = (wY - wY_iso) / s
        err = 0.0
        for i in range(n):
            if iso[i]:
                continue
            pn[i] *= lam
            d = abs(np.log(pn[i] / p[i]))
            if not d <= err:
                err = d
            p[i] = pn[i]
        if not err < np.inf:
            return p, om, ph, eh, 1.0, -3, err
        if err < tol:
            # resistances consistent with the final prices: OMR' = OMR p̂^σ, IMR' = IMR Φ̂(p̂)
            for i in range(n):
                q[i] = p[i] ** e
                om[i] = p[i] ** sigma
            _phi_hats(X, that, E, q, ph)
            _ehat(Y, E, p, deficits, wY - wY_iso, iso, eh)
            a_ = 0.0
            b_ = 0.0
            for i in range(n):
                if not iso[i]:
                    a_ += Y[i] * p[i]
                    b_ += E[i] * eh[i]
            kappa = a_ / b_  # world expenditure = world output (1 for additive deficits)
            for j in range(n):
                if not iso[j]:
                    eh[j] *= kappa
            return p, om, ph, eh, kappa, it + 1, err
    return p, om, ph, eh, 1.0, -1, err


@njit(cache=True, error_model="numpy")
def _pct(x):
    return (x - 1.0) * 100.0


@njit(cache=True, error_model="numpy")
def _effects(X, that, Y, E, sigma, omc, phc, p, omf, phf, eh, out):
    """Fill ``out`` (n_effects, N) with % changes, rows in the order of ``solver.EFFECTS``; flows:
    X'c = X t̂ / (Ω̂c Φ̂c), X'f = X t̂ p̂_i Ê_j / (Ω̂f Φ̂f); real exports X̂_i / P̂_i with P̂_i = Φ̂_i^{1/(1-σ)}.
    Row k is the k-th name of ``EFFECTS``."""
    n = X.shape[0]
    s = 1.0 / (1.0 - sigma)
    ex0 = np.zeros(n)
    im0 = np.zeros(n)
    exc = np.zeros(n)
    imc = np.zeros(n)
    exf = np.zeros(n)
    imf = np.zeros(n)
    for i in range(n):
        for j in range(n):
            if i == j:
                continue
            x0 = X[i, j]
            xc = x0 * that[i, j] / (omc[i] * phc[j])
            xf = x0 * that[i, j] * p[i] * eh[j] / (omf[i] * phf[j])
            ex0[i] += x0
            im0[j] += x0
            exc[i] += xc
            imc[j] += xc
            exf[i] += xf
            imf[j] += xf
    for i in range(n):
        out[0, i] = _pct(exc[i] / ex0[i]) if ex0[i] > 0 else 0.0
        out[1, i] = _pct(exf[i] / ex0[i]) if ex0[i] > 0 else 0.0
        out[2, i] = _pct(imc[i] / im0[i]) if im0[i] > 0 else 0.0
        out[3, i] = _pct(imf[i] / im0[i]) if im0[i] > 0 else 0.0
        out[4, i] = 0.0
        out[5, i] = _pct(p[i])
        out[6, i] = 0.0
        out[7, i] = _pct(p[i])
        out[8, i] = _pct(omc[i] ** s)
        out[9, i] = _pct(omf[i] ** s)
        out[10, i] = _pct(phc[i] ** s)
        out[11, i] = _pct(phf[i] ** s)
        out[12, i] = _pct(1.0 / phc[i] ** s)
        out[13, i] = _pct(p[i] / phf[i] ** s)
        # real exports: exports deflated by the exporter's own consumer price index, X_i / P_i
        out[14, i] = _pct(exc[i] / ex0[i] * phc[i] ** -s) if ex0[i] > 0 else 0.0
        out[15, i] = _pct(exf[i] / ex0[i] * phf[i] ** -s) if ex0[i] > 0 else 0.0
        # real expenditure E_j / P_j (E fixed in the conditional GE; Ê_j of the closure in the full GE)
        out[16, i] = _pct(1.0 / phc[i] ** s)
        out[17, i] = _pct(eh[i] / phf[i] ** s)


@njit(cache=True, error_model="numpy")
def _one(t_base, that, Y, E, sigma, ref, numeraire, deficits, tol, max_iter, rebuild, a_base, a_cdl, p0, out):
    """All effects of one scenario into ``out`` (n_effects, N), warm-started at a_base, a_cdl, p0.

    Returns the status (0 ok, else a key of ``solver.STATUS``); ``out`` is NaN when a stage failed."""
    n = t_base.shape[0]
    out[:, :] = np.nan
    for i in range(n):
        for j in range(n):
            if not np.isfinite(that[i, j]):
                return 4
    if rebuild:
        omr, imr, it, err = _resistances(t_base, Y, E, ref, tol, max_iter, a_base)
        if it == -3:
            return 4
        if it < 0:
            return 1
        X = np.empty((n, n))
        for i in range(n):
            for j in range(n):
                X[i, j] = Y[i] * E[j] * t_base[i, j] / (omr[i] * imr[j])
    else:
        X = t_base  # already the baseline flows
    omc, phc, it, err = _conditional(X, that, Y, E, ref, tol, max_iter, a_cdl)
    if it == -3:
        return 4
    if it < 0:
        return 2
    p, omf, phf, eh, kap, it, err = _full(X, that, Y, E, sigma, ref, numeraire, deficits, tol, max_iter, p0)
    if it == -2:
        return 5
    if it == -3:
        return 4
    if it < 0:
        return 3
    _effects(X, that, Y, E, sigma, omc, phc, p, omf, phf, eh, out)
    for k in range(out.shape[0]):
        for i in range(n):
            if not np.isfinite(out[k, i]):
                return 4
    return 0


@njit(nogil=True, cache=True, error_model="numpy")
def _batch(
    t_base, that, Y, E, sigma, ref, numeraire, deficits, tol, max_iter, rebuild, a_base, a_cdl, p0, out, status, lo, hi
):
    """Draws lo..hi-1 into ``out[d]`` (n_effects, N) and ``status[d]``, serially, without the GIL
    (``solver.solve_batch`` runs chunks on threads)."""
    for d in range(lo, hi):
        tb = t_base[d] if rebuild else t_base[0]
        status[d] = _one(
            tb, that[d], Y, E, sigma[d], ref, numeraire, deficits, tol, max_iter, rebuild, a_base, a_cdl, p0, out[d]
        )
