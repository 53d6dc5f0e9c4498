"""Numba kernels for the structural-gravity GE counterfactual, in exact hat algebra.

Baseline (flows X_ij, output Y_i, expenditure E_j, costs t_ij ≡ t_ij^{1-σ}) and a change in costs
t̂_ij = t'_ij / t_ij. Hats are counterfactual / baseline. With OMR_i = Π_i^{1-σ}, IMR_j = P_j^{1-σ}
(Yotov et al. 2016, ch. 2):

Conditional GE (Y, E fixed; resistances adjust)::

    Ω̂_i = Σ_j (X_ij / Y_i) t̂_ij / Φ̂_j ,   Φ̂_j = Σ_i (X_ij / E_j) t̂_ij / Ω̂_i ,   Φ̂_ref = 1

(a matrix-scaling problem, solved by alternating scaling; Ω̂ = OMR hat, Φ̂ = IMR hat).

Full-endowment GE (endowments fixed, factory-gate prices p_i adjust, Ŷ_i = p̂_i). Imbalances: the
book keeps E_j = φ_j Y_j with φ_j fixed; that alone cannot hold for every country once prices move
(Σ_j φ_j Y'_j ≠ Σ_i Y'_i unless trade is balanced), so expenditure is E'_j = κ φ_j Y'_j with one
common κ = Σ_i Y'_i / Σ_j φ_j Y'_j (world expenditure = world output; κ = 1 under balanced trade)::

    Φ̂_j = Σ_i (X_ij / E_j) t̂_ij p̂_i^{1-σ}                          (P̂_j^{1-σ}, IMR hat)
    p̂_i^σ = Ω̂_i = Σ_j (X_ij / Y_i) t̂_ij κ p̂_j / Φ̂_j               (market clearing Y'_i = Σ_j X'_ij)
    X'_ij = X_ij t̂_ij p̂_i^{1-σ} κ p̂_j / Φ̂_j

With ``deficits="additive"`` instead E'_j = Y'_j + D_j Σ_i Y'_i / Σ_i Y_i (D_j = E_j − Y_j kept as
a share of world output; Σ_j D_j = 0, so κ = 1), and κ p̂_j above becomes Ê_j = E'_j / E_j. Both are
solved by the fixed-point map p̂ ← λ Ω̂(p̂)^{1/σ} (own-price response solved exactly, so the map
contracts fast), with λ re-normalising every step to the numeraire: ``reference`` — P̂_ref = 1 (the
book's IMR_ref = 1), or ``world_output`` — Σ_i Y_i p̂_i = Σ_i Y_i. At the fixed point κ = λ^σ.

Convergence rule: stop when the largest change in log p̂ (log Ω̂, log Φ̂ for the scaling problem)
between two iterations is below ``tol``; after ``max_iter`` iterations :class:`GEConvergenceError`.
"""
from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import numba
import numpy as np
import pandas as pd
from numba import njit

__all__ = ["GEConvergenceError", "GEResult", "solve", "cost_change_matrix", "solve_resistances",
           "conditional", "full", "effects", "solve_batch", "EFFECTS", "NUMERAIRES", "DEFICITS", "STATUS"]

NUMERAIRES = {"reference": 0, "world_output": 1}
DEFICITS = {"ratio": 0, "additive": 1}

# rows of the per-country effects array (all % changes, counterfactual vs baseline)
EFFECTS = ("exports_cdl", "exports_full", "imports_cdl", "imports_full", "output_cdl", "output_full",
           "price_cdl", "price_full", "omr_cdl", "omr_full", "imr_cdl", "imr_full",
           "real_gdp_cdl", "real_gdp_full")

STATUS = {0: "ok", 1: "baseline resistances did not converge",
          2: "conditional GE did not converge", 3: "full-endowment GE did not converge",
          4: "non-finite values (a cost change or coefficient draw is inf/NaN or a row of flows is 0)",
          5: "an expenditure would turn negative (additive deficits larger than the new output)"}


class GEConvergenceError(RuntimeError):
    """The fixed point did not converge within ``max_iter`` iterations."""


@njit(cache=True)
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


@njit(cache=True)
def _scale(K, R, C, ref, tol, max_iter, a0):
    """a, b with Σ_j K_ij a_i b_j = R_i, Σ_i K_ij a_i b_j = C_j and b_ref = 1 (alternating scaling,
    started from a = a0). Returns a, b, iterations (-1: not converged), last max |Δ log a|."""
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
        if err < tol:
            c = _columns(K, C, ref, a, s, b)  # b consistent with the final a
            for i in range(n):
                a[i] *= c
            return a, b, it + 1, err
    return a, b, -1, err


@njit(cache=True)
def _resistances(t, Y, E, ref, tol, max_iter, a0):
    n = t.shape[0]
    K = np.empty((n, n))
    for i in range(n):
        for j in range(n):
            K[i, j] = t[i, j] * Y[i] * E[j]
    a, b, it, err = _scale(K, Y, E, ref, tol, max_iter, a0)
    return 1.0 / a, 1.0 / b, it, err


@njit(cache=True)
def _conditional(X, that, Y, E, ref, tol, max_iter, a0):
    n = X.shape[0]
    K = np.empty((n, n))
    for i in range(n):
        for j in range(n):
            K[i, j] = X[i, j] * that[i, j]
    a, b, it, err = _scale(K, Y, E, ref, tol, max_iter, a0)
    return 1.0 / a, 1.0 / b, it, err


@njit(cache=True)
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


@njit(cache=True)
def _ehat(Y, E, p, deficits, wY, out):
    """Ê_j before the common κ: ``ratio`` p̂_j; ``additive`` (Y_j p̂_j + D_j Σ_i Y_i p̂_i / Σ_i Y_i) / E_j."""
    n = Y.shape[0]
    if deficits == 0:
        for j in range(n):
            out[j] = p[j]
    else:
        s = 0.0
        for i in range(n):
            s += Y[i] * p[i]
        s /= wY
        for j in range(n):
            out[j] = (Y[j] * p[j] + (E[j] - Y[j]) * s) / E[j]


@njit(cache=True)
def _full(X, that, Y, E, sigma, ref, numeraire, deficits, tol, max_iter, p0):
    """p̂, Ω̂, Φ̂, Ê (= E'/E), κ of the full-endowment GE (started from p̂ = p0); iterations
    (-1: not converged, -2: an expenditure would turn ≤ 0), last max |Δ log p̂|."""
    n = X.shape[0]
    p = p0.copy()
    q = np.empty(n)        # p̂^{1-σ}
    ph = np.empty(n)
    om = np.empty(n)
    pn = np.empty(n)
    eh = np.empty(n)
    inv_s = 1.0 / sigma
    e = 1.0 - sigma
    wY = 0.0
    for i in range(n):
        wY += Y[i]
    err = np.inf
    for it in range(max_iter):
        for i in range(n):
            q[i] = p[i] ** e
        _phi_hats(X, that, E, q, ph)
        _ehat(Y, E, p, deficits, wY, eh)
        for j in range(n):
            if not eh[j] > 0.0:
                return p, om, ph, eh, 1.0, -2, err
            ph[j] = eh[j] / ph[j]          # Ê_j / Φ̂_j (up to κ)
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
                s += Y[i] * pn[i]
            lam = wY / s
        err = 0.0
        for i in range(n):
            pn[i] *= lam
            d = abs(np.log(pn[i] / p[i]))
            if not d <= err:
                err = d
            p[i] = pn[i]
        if err < tol:
            # resistances consistent with the final prices: OMR' = OMR p̂^σ, IMR' = IMR Φ̂(p̂)
            for i in range(n):
                q[i] = p[i] ** e
                om[i] = p[i] ** sigma
            _phi_hats(X, that, E, q, ph)
            _ehat(Y, E, p, deficits, wY, eh)
            a_ = 0.0
            b_ = 0.0
            for i in range(n):
                a_ += Y[i] * p[i]
                b_ += E[i] * eh[i]
            kappa = a_ / b_           # world expenditure = world output (1 for additive deficits)
            for j in range(n):
                eh[j] *= kappa
            return p, om, ph, eh, kappa, it + 1, err
    return p, om, ph, eh, 1.0, -1, err


@njit(cache=True)
def _pct(x):
    return (x - 1.0) * 100.0


@njit(cache=True)
def _effects(X, that, Y, E, sigma, omc, phc, p, omf, phf, eh):
    """(len(EFFECTS), N) % changes; flows: X'c = X t̂ / (Ω̂c Φ̂c), X'f = X t̂ p̂_i Ê_j / (Ω̂f Φ̂f)."""
    n = X.shape[0]
    out = np.zeros((14, n))
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
    return out


@njit(cache=True)
def _one(t_base, that, Y, E, sigma, ref, numeraire, deficits, tol, max_iter, rebuild, a_base, a_cdl, p0):
    """All effects for one scenario (warm-started at a_base, a_cdl, p0); status 0 ok, else STATUS."""
    n = t_base.shape[0]
    out = np.full((14, n), np.nan)
    for i in range(n):
        for j in range(n):
            if not np.isfinite(that[i, j]):
                return out, 4
    if rebuild:
        omr, imr, it, err = _resistances(t_base, Y, E, ref, tol, max_iter, a_base)
        if it < 0:
            return out, 1
        X = np.empty((n, n))
        for i in range(n):
            for j in range(n):
                X[i, j] = Y[i] * E[j] * t_base[i, j] / (omr[i] * imr[j])
    else:
        X = t_base  # already the baseline flows
    omc, phc, it, err = _conditional(X, that, Y, E, ref, tol, max_iter, a_cdl)
    if it < 0:
        return out, 2
    p, omf, phf, eh, kap, it, err = _full(X, that, Y, E, sigma, ref, numeraire, deficits, tol, max_iter, p0)
    if it == -2:
        return out, 5
    if it < 0:
        return out, 3
    out = _effects(X, that, Y, E, sigma, omc, phc, p, omf, phf, eh)
    for k in range(14):
        for i in range(n):
            if not np.isfinite(out[k, i]):
                return out, 4
    return out, 0


@njit(nogil=True, cache=True)
def _batch(t_base, that, Y, E, sigma, ref, numeraire, deficits, tol, max_iter, rebuild, a_base, a_cdl,
           p0, out, status, lo, hi):
    """Draws lo..hi-1, serially, without the GIL: :func:`solve_batch` runs chunks on threads."""
    for d in range(lo, hi):
        tb = t_base[d] if rebuild else t_base[0]
        o, st = _one(tb, that[d], Y, E, sigma[d], ref, numeraire, deficits, tol, max_iter, rebuild,
                     a_base, a_cdl, p0)
        out[d] = o
        status[d] = st


# ---------------------------------------------------------------- Python entry points

def _check(it, err, what, max_iter):
    if it == -2:
        raise GEConvergenceError(
            f"{what}: with additive deficits some country's expenditure Y'_j + D_j would turn ≤ 0; "
            "use deficits='ratio' (E_j / Y_j fixed) for this scenario")
    if it < 0:
        raise GEConvergenceError(
            f"{what} did not converge in {max_iter} iterations (last max |Δ log| = {err:.3g}). "
            "Check for countries whose flows are all zero after the cost change, for costs that are "
            "inf/NaN, or raise max_iter / loosen tol.")


def _ones(n, start):
    return np.ones(n) if start is None else np.asarray(start, float).copy()


def solve_resistances(t, Y, E, ref, tol=1e-13, max_iter=100_000, start=None):
    """OMR, IMR of the baseline: OMR_i = Σ_j t_ij E_j / IMR_j, IMR_j = Σ_i t_ij Y_i / OMR_i, IMR_ref = 1.

    ``start``: initial OMR (warm start)."""
    a0 = np.ones(len(Y)) if start is None else 1.0 / np.asarray(start, float)
    omr, imr, it, err = _resistances(np.ascontiguousarray(t, dtype=float), np.asarray(Y, float),
                                     np.asarray(E, float), int(ref), float(tol), int(max_iter), a0)
    _check(it, err, "baseline resistances", max_iter)
    return omr, imr, it


def conditional(X, that, Y, E, ref, tol=1e-13, max_iter=100_000, start=None):
    """Ω̂, Φ̂, iterations of the conditional GE (see module docstring); ``start``: initial Ω̂."""
    a0 = np.ones(len(Y)) if start is None else 1.0 / np.asarray(start, float)
    om, ph, it, err = _conditional(np.ascontiguousarray(X, float), np.ascontiguousarray(that, float),
                                   np.asarray(Y, float), np.asarray(E, float), int(ref), float(tol),
                                   int(max_iter), a0)
    _check(it, err, "conditional GE", max_iter)
    return om, ph, it


def full(X, that, Y, E, sigma, ref, numeraire="reference", tol=1e-13, max_iter=100_000, start=None,
         deficits="ratio"):
    """p̂, Ω̂, Φ̂, Ê, κ, iterations of the full-endowment GE (module docstring); ``start``: initial p̂."""
    p, om, ph, eh, kap, it, err = _full(np.ascontiguousarray(X, float), np.ascontiguousarray(that, float),
                                        np.asarray(Y, float), np.asarray(E, float), float(sigma), int(ref),
                                        NUMERAIRES[numeraire], DEFICITS[deficits], float(tol), int(max_iter),
                                        _ones(len(Y), start))
    _check(it, err, "full-endowment GE", max_iter)
    return p, om, ph, eh, kap, it


def effects(X, that, Y, E, sigma, omc, phc, p, omf, phf, ehat):
    """Per-country % changes, rows in the order of :data:`EFFECTS`."""
    return _effects(X, that, Y, E, float(sigma), omc, phc, p, omf, phf, np.asarray(ehat, float))


def solve_batch(t_base, that, Y, E, sigma, ref, numeraire="reference", tol=1e-12, max_iter=100_000,
                start=None, threads: int | None = None, deficits: str = "ratio"):
    """Effects for D scenarios in parallel: a numba kernel compiled with ``nogil=True`` runs on
    ``threads`` threads (default ``numba.get_num_threads()``, i.e. all cores or NUMBA_NUM_THREADS),
    each on a contiguous block of draws — the parallelism of ``prange`` at a fifth of its cold
    compile time.

    ``t_base``: (D, N, N) baseline costs t^{1-σ} (the baseline is re-solved per draw) or (N, N)
    baseline *flows* (fixed baseline); ``that``: (D, N, N) cost changes; ``sigma``: scalar or (D,).
    ``start``: optional warm start (baseline OMR, conditional Ω̂, full p̂), e.g. the point estimate.
    Returns (D, len(EFFECTS), N) % changes (NaN for failed draws) and (D,) status codes (STATUS).
    """
    that = np.ascontiguousarray(that, float)
    D, n = that.shape[0], that.shape[1]
    t_base = np.ascontiguousarray(t_base, float)
    rebuild = t_base.ndim == 3
    if not rebuild:
        t_base = t_base[None]
    sig = np.broadcast_to(np.asarray(sigma, float), (D,)).copy()
    out = np.empty((D, 14, n))
    status = np.zeros(D, np.int64)
    if start is None:
        a_base = a_cdl = p0 = np.ones(n)
    else:
        a_base, a_cdl, p0 = (1.0 / np.asarray(start[0], float), 1.0 / np.asarray(start[1], float),
                             np.asarray(start[2], float).copy())
    args = (t_base, that, np.asarray(Y, float), np.asarray(E, float), sig, int(ref),
            NUMERAIRES[numeraire], DEFICITS[deficits], float(tol), int(max_iter), rebuild, a_base, a_cdl,
            p0, out, status)
    workers = max(1, min(threads or numba.get_num_threads(), D))
    bounds = np.linspace(0, D, workers + 1).astype(int)
    if workers == 1:
        _batch(*args, 0, D)
    else:
        with ThreadPoolExecutor(max_workers=workers) as ex:
            list(ex.map(lambda k: _batch(*args, bounds[k], bounds[k + 1]), range(workers)))
    return out, status


class GEResult:
    """Result of :func:`solve`: ``countries`` (% changes, one row per country), ``pairs`` (flows).

    ``countries`` columns (% change, counterfactual vs baseline; ``_cdl`` conditional GE, ``_full``
    full-endowment GE): exports and imports (international, structural baseline flows), output Y,
    factory-gate price p, ``omr`` = Π_i (OMR^{1/(1-σ)}), ``imr`` = P_j (IMR^{1/(1-σ)}), and real GDP
    Y_i / P_i (welfare). ``pairs``: baseline (structural), conditional and full flows, and the
    observed flow, per (exporter, importer).
    """

    def __init__(self, baseline, that, omc, phc, p, omf, phf, iterations, numeraire, ehat=None,
                 deficits="ratio"):
        self.baseline = baseline
        self.deficits = deficits
        self.cost_change = that
        self.numeraire = numeraire
        self.iterations = iterations
        self.price_hat, self.omr_hat_full, self.imr_hat_full = p, omf, phf
        self.omr_hat_cdl, self.imr_hat_cdl = omc, phc
        b = baseline
        if ehat is None:  # ratio deficits: Ê_j = κ p̂_j with κ = Σ Y p̂ / Σ E p̂
            ehat = p * (b.Y * p).sum() / (b.E * p).sum()
        self.expenditure_hat = ehat       # E'_j / E_j
        # κ: the common factor on E_j / Y_j (ratio deficits); 1 with additive deficits
        self.kappa = float(ehat[0] / p[0]) if deficits == "ratio" else 1.0
        eff = effects(b.fitted, that, b.Y, b.E, b.sigma, omc, phc, p, omf, phf, ehat)
        idx = pd.Index(b.countries, name="country")
        self.countries = pd.DataFrame(eff.T, index=idx, columns=list(EFFECTS))
        X = b.fitted
        xc = X * that / (omc[:, None] * phc[None, :])
        xf = X * that * (p[:, None] * ehat[None, :]) / (omf[:, None] * phf[None, :])
        n = b.n
        self.pairs = pd.DataFrame({
            "exporter": np.repeat(b.countries, n), "importer": np.tile(b.countries, n),
            "observed": b.observed.ravel(), "baseline": X.ravel(), "conditional": xc.ravel(),
            "full": xf.ravel(), "cost_change": that.ravel()})
        self.flows_cdl, self.flows_full = xc, xf

    def levels(self) -> pd.DataFrame:
        """Baseline and counterfactual levels: Y, E, Π, P (reference-country normalisation)."""
        b = self.baseline
        s = 1.0 / (1.0 - b.sigma)
        return pd.DataFrame({
            "Y_bln": b.Y, "Y_full": b.Y * self.price_hat, "E_bln": b.E, "E_full": b.E * self.expenditure_hat,
            "OMR_bln": b.omr, "OMR_cdl": b.omr * self.omr_hat_cdl, "OMR_full": b.omr * self.omr_hat_full,
            "IMR_bln": b.imr, "IMR_cdl": b.imr * self.imr_hat_cdl, "IMR_full": b.imr * self.imr_hat_full,
            "Pi_bln": b.omr ** s, "P_bln": b.imr ** s,
        }, index=pd.Index(b.countries, name="country"))

    def __repr__(self) -> str:
        return (f"GEResult({self.baseline.n} countries, sigma={self.baseline.sigma}, numeraire="
                f"{self.numeraire!r}, iterations={self.iterations})")


def cost_change_matrix(baseline, cost_change=None, new_costs=None) -> np.ndarray:
    """t̂ = t'/t as an (N, N) matrix from either a change or new levels of t^{1-σ}.

    A Series/DataFrame may list only the pairs that change (others get t̂ = 1 / baseline costs).
    """
    from gravity.ge.baseline import GEInputError, align_pairs

    if (cost_change is None) == (new_costs is None):
        raise GEInputError("give exactly one of cost_change= (t'/t, the change in t^{1-σ}) or "
                           "new_costs= (counterfactual levels of t^{1-σ})")
    b = baseline
    if cost_change is not None:
        that = align_pairs(cost_change, b.countries, name="cost_change", fill=1.0)
    else:
        if isinstance(new_costs, (pd.Series, pd.DataFrame)):
            new = align_pairs(new_costs, b.countries, name="new_costs", fill=np.nan)
            new = np.where(np.isnan(new), b.costs, new)
        else:
            new = align_pairs(new_costs, b.countries, name="new_costs")
        zero = (b.costs == 0)
        if (zero & (new > 0)).any():
            i, j = np.nonzero(zero & (new > 0))
            raise GEInputError(f"new_costs: {len(i)} pairs have zero baseline cost (no trade) but a "
                               f"positive counterfactual cost, e.g. {b.countries[i[0]]}->{b.countries[j[0]]}; "
                               "a hat-algebra counterfactual cannot create trade where the baseline has "
                               "none — give the baseline estimated (positive) costs")
        with np.errstate(divide="ignore", invalid="ignore"):
            that = np.where(zero, 1.0, new / np.where(zero, 1.0, b.costs))
    bad = ~np.isfinite(that) | (that < 0)
    if bad.any():
        i, j = np.nonzero(bad)
        raise GEInputError(f"cost change must be finite and ≥ 0; {len(i)} bad pairs, e.g. "
                           f"{b.countries[i[0]]}->{b.countries[j[0]]} = {that[i[0], j[0]]}")
    return that


def solve(baseline, cost_change=None, *, new_costs=None, numeraire: str = "reference",
          deficits: str = "ratio", tol: float = 1e-13, max_iter: int = 100_000) -> GEResult:
    """Conditional and full-endowment GE effects of a change in trade costs (exact hat algebra).

    ``cost_change`` is t̂_ij = t'_ij^{1-σ} / t_ij^{1-σ} (e.g. ``exp(-β_border)`` on international
    pairs to remove borders), an (N, N) matrix in ``baseline.countries`` order or a Series/DataFrame
    keyed by (exporter, importer) listing the pairs that change; or give ``new_costs`` (levels of
    t^{1-σ} after the change, e.g. :func:`gravity.ge.trade_costs` on changed covariates).
    ``numeraire``: ``"reference"`` (P_ref unchanged, the book's) or ``"world_output"``
    (Σ_i Y_i unchanged). Real effects (real GDP, relative prices) do not depend on it.
    ``deficits``: ``"ratio"`` (the book's E_j / Y_j fixed, with one common κ so that world
    expenditure equals world output) or ``"additive"`` (D_j = E_j − Y_j fixed as a share of world
    output: E'_j = Y'_j + D_j Σ Y' / Σ Y, as ge_gravity's default).
    """
    from gravity.ge.baseline import GEInputError

    if numeraire not in NUMERAIRES:
        raise GEInputError(f"numeraire must be one of {list(NUMERAIRES)}, got {numeraire!r}")
    if deficits not in DEFICITS:
        raise GEInputError(f"deficits must be one of {list(DEFICITS)}, got {deficits!r}")
    b = baseline
    that = cost_change_matrix(b, cost_change, new_costs)
    omc, phc, it_c = conditional(b.fitted, that, b.Y, b.E, b.ref, tol, max_iter)
    p, omf, phf, eh, kap, it_f = full(b.fitted, that, b.Y, b.E, b.sigma, b.ref, numeraire, tol, max_iter,
                                      deficits=deficits)
    return GEResult(b, that, omc, phc, p, omf, phf, {"conditional": it_c, "full": it_f}, numeraire, eh,
                    deficits)
