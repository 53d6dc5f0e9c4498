"""Iteratively reweighted least squares for PPML with absorbed fixed effects.

Solves the Poisson score equations (Santos Silva & Tenreyro 2006; Yotov et al. 2016, ch. 1)

    Σ_i v_i (y_i − μ_i) x_i = 0,   Σ_{i∈g} v_i (y_i − μ_i) = 0 for every fixed-effect group g,
    μ_i = exp(x_i'β + Σ_k α_k[g_k(i)] + o_i),

by IRLS: with working weights ω_i = v_i μ_i and working outcome z_i = η_i − o_i + (y_i − μ_i)/μ_i,
each iteration demeans z and x under ω (:mod:`gravity.estimation.demean`, coefficients warm-started
from the previous iteration), solves β = (X̃'ΩX̃)⁻¹ X̃'Ω z̃, and sets η = o + Xβ + D(α_z − α_X β)
(built from coefficients so that rows with tiny μ lose no precision). A rising deviance is guarded by
step halving.

Convergence: |D_t − D_{t−1}| / (0.1 + |D_t|) < ``tol`` (D the deviance, as fixest and ppmlhdfe)
**and** max_j |β_t − β_{t−1}| / (1 + |β_t|) < ``tol``, with the last iteration at the final inner
tolerance. The inner (demeaning) tolerance starts at 1e-4 and is tightened as the deviance settles,
down to ``fixef_tol`` (Correia, Guimarães & Zylkin 2020). Slopes collinear with the fixed effects or
earlier slopes are dropped after the first demeaning (:func:`gravity.estimation.rank.collinear_columns`).
"""

from __future__ import annotations

import logging

import numpy as np

from gravity.estimation._kernels import (
    demean_columns,
    deviance,
    group_weights,
    linear_predictor,
    weighted_cross,
    working,
)
from gravity.estimation.demean import fe_offsets
from gravity.estimation.rank import collinear_columns

log = logging.getLogger("gravity.estimation")

__all__ = ["irls"]


def irls(y, X, fe, n_levels, v, off, names, *, tol, maxiter, fixef_tol, verbose, start=None):
    """Solve the PPML score equations by IRLS with the fixed effects absorbed (module docstring).

    Parameters
    ----------
    y : numpy.ndarray, shape (n,)
        Outcome X_ij,t ≥ 0 (rows that make the estimates infinite already removed).
    X : numpy.ndarray, shape (n, p), Fortran order
        Slopes x_ij,t.
    fe : numpy.ndarray of int32, shape (K, n)
        Fixed-effect codes, every level present.
    n_levels : sequence of int
        Levels per fixed effect.
    v, off : numpy.ndarray, shape (n,)
        Observation weights v_i and offset o_i.
    names : list of str
        Slope names (for the collinearity message).
    tol, maxiter, fixef_tol, verbose
        As in :func:`gravity.estimation.ppml.ppml`.
    start : dict, optional
        A warm start from a related fit on the same rows and fixed effects (multiple estimation):
        ``eta`` (n,) the starting linear predictor in place of log((y + ȳ)/2), ``alphas`` a dict of
        starting demeaning coefficients (ΣG,) by column name (``"z"`` for the working outcome). The
        solution is the same to the convergence tolerance; only the path (and the work) changes.

    Returns
    -------
    dict
        ``beta`` (kept slopes), ``mu``, ``eta``, ``Xt`` (kept slopes demeaned under the converged
        weights v_i μ_i, for the sandwich), ``keep`` (indices of kept slopes), ``names``,
        ``collinear`` (dropped names), ``converged``, ``n_iter``, ``sweeps``, ``fe_coef`` (the
        concatenated fixed-effect coefficients α, or None without fixed effects), ``start`` (the
        warm start this solution offers a related fit: ``eta`` and the final demeaning ``alphas``).

    References
    ----------
    Correia, S., Guimarães, P. & Zylkin, T. (2020). Fast Poisson estimation with high-dimensional
    fixed effects. Stata Journal 20(1), 95–115.
    Santos Silva, J. M. C. & Tenreyro, S. (2006). The log of gravity. Review of Economics and
    Statistics 88(4), 641–658.
    """
    n, p = X.shape
    offsets = fe_offsets(n_levels)
    G = int(offsets[-1])
    if start is not None and start.get("eta") is not None:
        eta = np.clip(np.asarray(start["eta"], dtype=float), -700.0, 700.0)
        mu = np.exp(eta)
    else:
        ybar = float(np.dot(v, y) / v.sum())
        mu = (y + ybar) / 2.0
        eta = np.log(mu)
    Z = np.empty((n, p + 1), order="F")
    Z[:, 1:] = X
    alphas = np.zeros((G, p + 1), order="F")
    if start is not None and G:
        for j, name in enumerate(["z", *names]):
            a0 = start.get("alphas", {}).get(name)
            if a0 is not None and a0.shape == (G,):
                alphas[:, j] = a0
    out = np.empty((n, p + 1), order="F")
    keep = list(range(p))
    collinear: list[str] = []
    beta = np.zeros(p)
    dev_old = np.inf
    fe_coef = None
    inner = max(fixef_tol, 1e-4)
    converged = False
    it = 0
    total_sweeps = 0
    w = np.empty(n)
    eta_buf, mu_buf = np.empty(n), np.empty(n)
    no_fe = np.empty((0, n), dtype=np.int32)
    for it in range(1, maxiter + 1):
        working(y, mu, eta, off, v, Z[:, 0], w)  # Z is Fortran-ordered: its column 0 is contiguous
        sw = group_weights(fe, w, offsets)
        sweeps = demean_columns(Z, fe, w, sw, offsets, alphas, inner, 100_000, out)
        total_sweeps += int(np.abs(sweeps).sum())
        zt = out[:, 0]
        Xt = out[:, 1:]
        if it == 1 and Xt.shape[1]:
            keep_idx = collinear_columns(Xt, Z[:, 1:], w)
            dropped = [names[keep[j]] for j in range(Xt.shape[1]) if j not in keep_idx]
            if dropped:
                log.warning(
                    "ppml: regressor(s) %s dropped: collinear with the fixed effects or other regressors", dropped
                )
                collinear = dropped
                keep = [keep[j] for j in keep_idx]
                cols = [0] + [1 + j for j in keep_idx]
                Z = np.asfortranarray(Z[:, cols])
                alphas = np.asfortranarray(alphas[:, cols])
                out = np.asfortranarray(out[:, cols])
                zt = out[:, 0]
                Xt = out[:, 1:]
                beta = np.zeros(len(keep))
        if Xt.shape[1]:
            H, rhs = weighted_cross(Xt, w, zt)
            beta_new = np.linalg.solve(H, rhs)
        else:
            beta_new = beta
        # η = o + Xβ + D(α_z − α_X β): built from coefficients, not as z − residual, so that
        # observations with tiny μ (huge working outcome) lose no precision
        eta_new = eta_buf  # the buffers of two iterations ago (no fresh pages each iteration)
        if G:
            coef = np.ascontiguousarray(alphas[:, 0] - (alphas[:, 1:] @ beta_new if beta_new.size else 0.0))
            linear_predictor(off, Z[:, 1:], beta_new, fe, coef, offsets, eta_new)
        else:
            linear_predictor(off, Z[:, 1:], beta_new, no_fe, np.zeros(0), offsets[:1], eta_new)
        mu_new = np.exp(eta_new, out=mu_buf)
        dev = deviance(y, mu_new, v)
        # step-halving guard against a rising deviance
        halvings = 0
        while np.isfinite(dev_old) and dev > dev_old * (1 + 1e-10) + 1e-12 and halvings < 30:
            eta_new = (eta_new + eta) / 2.0
            beta_new = (beta_new + beta) / 2.0
            if G:
                coef = (coef + fe_coef) / 2.0
            mu_new = np.exp(eta_new)
            dev = deviance(y, mu_new, v)
            halvings += 1
        rel = abs(dev - dev_old) / (0.1 + abs(dev)) if np.isfinite(dev_old) else np.inf
        dbeta = float(np.max(np.abs(beta_new - beta) / (1.0 + np.abs(beta_new)))) if beta_new.size else 0.0
        if verbose:
            msg = (
                f"ppml iter {it}: deviance {dev:.10g} rel.change {rel:.3g} max|Δβ| {dbeta:.3g} "
                f"inner tol {inner:.1e} sweeps {sweeps.tolist()}"
            )
            log.info(msg)
            if not log.isEnabledFor(logging.INFO) or not log.hasHandlers():
                print(msg)  # verbose=True must show progress even without logging configured
        eta_buf, mu_buf = eta, mu
        eta, mu, beta, dev_old = eta_new, mu_new, beta_new, dev
        fe_coef = coef if G else None
        if rel < tol and dbeta < tol and inner <= fixef_tol:
            converged = True
            break
        inner = max(fixef_tol, min(inner, 1e-3 * rel))
    if not converged:
        log.warning("ppml did not converge in %d iterations (last relative deviance change %.3g)", maxiter, rel)
    # demeaned slopes under the converged weights (for the variance)
    w = v * mu
    p2 = len(keep)
    ax = np.asfortranarray(alphas[:, 1:])
    if p2:
        sw = group_weights(fe, w, offsets)
        Xk = np.asfortranarray(Z[:, 1:])
        Xt = np.empty_like(Xk)
        demean_columns(Xk, fe, w, sw, offsets, ax, fixef_tol, 100_000, Xt)
    else:
        Xt = np.empty((n, 0))
    kept = [names[j] for j in keep]
    warm = (
        {"eta": eta, "alphas": {"z": alphas[:, 0].copy(), **{nm: ax[:, j].copy() for j, nm in enumerate(kept)}}}
        if G
        else {"eta": eta, "alphas": {}}
    )
    return dict(
        beta=beta,
        mu=mu,
        eta=eta,
        Xt=Xt,
        keep=keep,
        names=kept,
        collinear=collinear,
        converged=converged,
        n_iter=it,
        sweeps=total_sweeps,
        fe_coef=fe_coef,
        start=warm,
    )
