"""Poisson pseudo-maximum likelihood with high-dimensional fixed effects (PPML-HDFE).

Model (Yotov et al. 2016, eq. 1.x / Santos Silva & Tenreyro 2006):

    X_ij,t = exp( x_ij,t'β + Σ_k α_k[g_k(ij,t)] + o_ij,t ) · ε_ij,t ,   E[ε | x, α] = 1,

estimated from the Poisson first-order conditions Σ v_i (y_i − μ_i) [x_i, D_i] = 0 (v = weights,
o = offset) by iteratively reweighted least squares: with working weights ω_i = v_i μ_i and working
outcome z_i = η_i − o_i + (y_i − μ_i)/μ_i, each iteration demeans z and x under ω (fixed effects
absorbed by :mod:`gravity.estimation.demean`, coefficients warm-started from the previous
iteration), solves β = (X̃'ΩX̃)⁻¹ X̃'Ω z̃, and sets η = o + z − (z̃ − X̃β).

Convergence rule: stop when |D_t − D_{t−1}| / (0.1 + |D_t|) < ``tol`` (D the deviance, as in fixest
and ppmlhdfe) **and** max_j |β_t − β_{t−1}| / (1 + |β_t|) < ``tol`` (skipped without slopes),
with the last iteration run at the final inner tolerance. The inner (demeaning) tolerance starts
loose (1e-4) and is tightened as the deviance settles, never above ``fixef_tol`` at the end.
Before IRLS, observations that make the estimates infinite are removed (``separation``):
"fe" = all-zero fixed-effect groups, "ir" = the iterative rectifier of Correia, Guimarães &
Zylkin (2019), plus singleton groups when ``drop_singletons`` (default True, as ppmlhdfe).
"""
from __future__ import annotations

import logging

import numpy as np
import pandas as pd
from numba import njit

from gravity.estimation.demean import demean_columns, fe_offsets, fe_sum, group_weights
from gravity.estimation.formula import build_design, parse_formula
from gravity.estimation.results import PPMLResults
from gravity.estimation.separation import compact_codes, drop_fe_groups, iterative_rectifier
from gravity.estimation.vcov import compute_vcov, resolve_ssc, resolve_type

log = logging.getLogger("gravity.estimation")

COLLINEAR_TOL = 1e-9


@njit(cache=True)
def _deviance(y, mu, v):
    """2 Σ v_i [y_i ln(y_i/μ_i) − (y_i − μ_i)] (numpy twin: PPMLResults.deviance)."""
    s = 0.0
    for i in range(y.size):
        t = mu[i] - y[i]
        if y[i] > 0:
            t += y[i] * np.log(y[i] / mu[i])
        s += v[i] * t
    return 2.0 * s


def _collinear(Xt, X, w, names):
    """Indices to keep, names dropped: a column is dropped when its weighted residual sum of
    squares after the fixed effects and the earlier kept columns is below COLLINEAR_TOL times
    its raw weighted sum of squares (order of the formula, as fixest)."""
    p = Xt.shape[1]
    raw = (X ** 2 * w[:, None]).sum(0)
    G = Xt.T @ (Xt * w[:, None])
    keep: list[int] = []
    for j in range(p):
        if raw[j] == 0:
            continue
        if keep:
            Gk = G[np.ix_(keep, keep)]
            g = G[keep, j]
            try:
                coef = np.linalg.solve(Gk, g)
            except np.linalg.LinAlgError:
                coef = np.linalg.lstsq(Gk, g, rcond=None)[0]
            r = G[j, j] - g @ coef
        else:
            r = G[j, j]
        if r > COLLINEAR_TOL * raw[j]:
            keep.append(j)
    dropped = [names[j] for j in range(p) if j not in keep]
    return keep, dropped


def ppml(formula: str, data: pd.DataFrame, *, cluster=None, vcov=None, ssc="stata", weights=None,
         offset=None, tol: float = 1e-8, maxiter: int = 1000, separation=("fe", "ir"),
         drop_singletons: bool = True, missing: str = "raise", fixef_tol: float = 1e-10,
         verbose: bool = False) -> PPMLResults:
    """Estimate a PPML gravity equation with absorbed fixed effects.

    Parameters
    ----------
    formula : ``"trade ~ ln_dist + cntg | exporter^year + importer^year"`` (slopes | fixed effects;
        ``y ~ 1 | fe`` for a model with fixed effects and offset only).
    data : DataFrame with every column named in the formula.
    cluster : column name, or a list of two names for two-way clustering.
    vcov : "iid", "hetero" (= "robust"), "cluster", "twoway"; default "cluster" when ``cluster``
        is given, else "hetero".
    ssc : small-sample correction, "stata" (default: G/(G−1) for clusters, N/(N−1) for robust —
        Stata ``ppml``'s numbers), "none", or a :class:`gravity.estimation.vcov.SSC`.
    weights, offset : column name or array aligned with ``data`` (offset enters η with coefficient 1).
    tol : IRLS convergence tolerance (see module docstring); ``fixef_tol`` the final inner one.
    separation : any of "fe", "ir" (empty tuple disables the checks).
    drop_singletons : drop observations alone in a fixed-effect group (they are fitted exactly).
    missing : "raise" (default) or "drop" rows with NaN in a used column (reason "missing value").
    verbose : print one line per IRLS iteration (also logged at INFO on "gravity.estimation").

    Returns
    -------
    :class:`gravity.estimation.results.PPMLResults`.
    """
    spec = parse_formula(formula)
    sep = tuple(separation or ())
    bad = [s for s in sep if s not in ("fe", "ir")]
    if bad:
        raise ValueError(f"separation methods must be among ('fe', 'ir'), got {bad}")
    vtype = resolve_type(vcov, cluster)
    ssc_ = resolve_ssc(ssc)
    cl_cols = None
    if cluster is not None and vtype in ("cluster", "twoway"):
        cl_cols = [cluster] if isinstance(cluster, str) else list(cluster)
        if len(cl_cols) not in (1, 2) or not all(isinstance(c, str) for c in cl_cols):
            raise ValueError(f"cluster must be a column name or a list of two column names, got {cluster!r}")
    design = build_design(spec, data, weights=weights, offset=offset,
                          extra_columns={"cluster": cl_cols} if cl_cols else None, missing=missing)
    reason = design.reason
    rows = design.rows
    y, X, fe = design.y, design.X, design.fe
    n_levels = [len(l) for l in design.fe_levels]
    old_of_new = [np.arange(g) for g in n_levels]

    # ---- separation and singletons (iterated: a drop can create new singletons) -------------
    alive = np.ones(y.size, dtype=bool)
    local_reason = np.full(y.size, "", dtype=object)
    for _round in range(100):
        sub_fe = fe[:, alive]
        r = drop_fe_groups(y[alive], sub_fe, all_zero="fe" in sep, singletons=drop_singletons) \
            if fe.shape[0] else np.full(int(alive.sum()), "", dtype=object)
        idx_alive = np.flatnonzero(alive)
        hit = r != ""
        local_reason[idx_alive[hit]] = r[hit]
        alive[idx_alive[hit]] = False
        if not alive.any():
            break
        if "ir" not in sep or _round > 0 and not hit.any():
            break
        cfe, _ = compact_codes(fe[:, alive], np.ones(int(alive.sum()), dtype=bool)) if fe.shape[0] else (fe[:, alive], None)
        nl = [int(c.max()) + 1 for c in cfe] if fe.shape[0] else []
        sep_mask, n_ir = iterative_rectifier(y[alive], X[alive], cfe, nl)
        ia = np.flatnonzero(alive)
        if not sep_mask.any():
            break
        local_reason[ia[sep_mask]] = "separated"
        alive[ia[sep_mask]] = False
    reason[rows[~alive]] = local_reason[~alive]
    counts = pd.Series(reason[reason != ""]).value_counts()
    if len(counts):
        log.info("ppml %s: dropped %s", formula, ", ".join(f"{v} {k}" for k, v in counts.items()))
    if not alive.any():
        raise ValueError(
            f"no observations left after dropping {dict(counts)} (formula {formula!r}); the outcome "
            f"{spec.depvar!r} may be zero in every group"
        )
    rows = rows[alive]
    y = np.ascontiguousarray(y[alive])
    X = np.asfortranarray(X[alive])
    v = np.ones(y.size) if design.weights is None else np.ascontiguousarray(design.weights[alive])
    off = np.zeros(y.size) if design.offset is None else np.ascontiguousarray(design.offset[alive])
    if fe.shape[0]:
        fe, old_of_new = compact_codes(fe[:, alive], np.ones(int(alive.sum()), dtype=bool)) \
            if not alive.all() else (np.ascontiguousarray(fe), old_of_new)
        n_levels = [len(o) for o in old_of_new]
    else:
        fe = np.empty((0, y.size), dtype=np.int32)
    levels = [design.fe_levels[k][old_of_new[k]] for k in range(fe.shape[0])]
    if (y > 0).sum() == 0:
        raise ValueError(f"outcome {spec.depvar!r} is zero in every remaining row; nothing to estimate")

    fit = _irls(y, X, fe, n_levels, v, off, spec.coef_names, tol=tol, maxiter=maxiter,
                fixef_tol=fixef_tol, verbose=verbose)

    # ---- inference -------------------------------------------------------------------------
    clusters = None
    n_clusters = None
    if cl_cols:
        clusters = [pd.factorize(s.to_numpy()[alive])[0] for s in design.extra["cluster"]]
    p = fit["Xt"].shape[1]
    n_fe_params = sum(n_levels) - max(len(n_levels) - 1, 0)
    if p:
        V, Gs = compute_vcov(fit["Xt"], v * fit["mu"], v * (y - fit["mu"]), vtype, ssc_,
                             clusters, n_fe_params)
        if Gs:
            n_clusters = Gs[0] if len(Gs) == 1 else tuple(Gs)
    else:
        V = np.zeros((0, 0))
        if clusters:
            n_clusters = len(np.unique(clusters[0])) if len(clusters) == 1 else tuple(len(np.unique(c)) for c in clusters)
    used = np.zeros(len(data), dtype=bool)
    used[rows] = True
    sample = pd.DataFrame({"used": used, "reason": reason.astype(str)}, index=data.index)
    return PPMLResults(
        spec=spec, names=fit["names"], beta=fit["beta"], V=V, vcov_type=vtype, ssc=ssc_,
        cluster=cl_cols, n_clusters=n_clusters, y=y, mu=fit["mu"], eta=fit["eta"], X=X[:, fit["keep"]],
        offset=off, weights=v, fe=fe, fe_levels=levels, sample=sample, index=data.index[rows],
        converged=fit["converged"], n_iter=fit["n_iter"], collinear=fit["collinear"],
        offset_spec=offset, has_weights=design.weights is not None, fe_coef=fit["fe_coef"],
    )


def _irls(y, X, fe, n_levels, v, off, names, *, tol, maxiter, fixef_tol, verbose):
    n, p = X.shape
    offsets = fe_offsets(n_levels)
    G = int(offsets[-1])
    ybar = float(np.dot(v, y) / v.sum())
    mu = (y + ybar) / 2.0
    eta = np.log(mu)
    Z = np.empty((n, p + 1), order="F")
    Z[:, 1:] = X
    alphas = np.zeros((G, p + 1), order="F")
    out = np.empty((n, p + 1), order="F")
    fepart = np.empty(n)
    keep = list(range(p))
    collinear: list[str] = []
    beta = np.zeros(p)
    dev_old = np.inf
    fe_coef = None
    inner = max(fixef_tol, 1e-4)
    converged = False
    it = 0
    total_sweeps = 0
    for it in range(1, maxiter + 1):
        w = v * mu
        Z[:, 0] = eta - off + (y - mu) / mu
        sw = group_weights(fe, w, offsets)
        sweeps = demean_columns(Z, fe, w, sw, offsets, alphas, inner, 100_000, out)
        total_sweeps += int(np.abs(sweeps).sum())
        zt = out[:, 0]
        Xt = out[:, 1:]
        if it == 1 and Xt.shape[1]:
            keep_idx, dropped = _collinear(Xt, Z[:, 1:], w, [names[j] for j in keep])
            if dropped:
                log.warning("ppml: regressor(s) %s dropped: collinear with the fixed effects or other regressors", dropped)
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
            wX = Xt * w[:, None]
            H = Xt.T @ wX
            beta_new = np.linalg.solve(H, wX.T @ zt)
            xb = Z[:, 1:] @ beta_new
        else:
            beta_new = beta
            xb = 0.0
        # η = o + Xβ + D(α_z − α_X β): built from coefficients, not as z − residual, so that
        # observations with tiny μ (huge working outcome) lose no precision
        if G:
            coef = alphas[:, 0] - (alphas[:, 1:] @ beta_new if beta_new.size else 0.0)
            fe_sum(fe, np.ascontiguousarray(coef), offsets, fepart)
            eta_new = off + xb + fepart
        else:
            eta_new = off + xb
        eta_new = np.clip(eta_new, -700.0, 700.0)
        mu_new = np.exp(eta_new)
        dev = _deviance(y, mu_new, v)
        # step-halving guard against a rising deviance
        halvings = 0
        while np.isfinite(dev_old) and dev > dev_old * (1 + 1e-10) + 1e-12 and halvings < 30:
            eta_new = (eta_new + eta) / 2.0
            beta_new = (beta_new + beta) / 2.0
            if G:
                coef = (coef + fe_coef) / 2.0
            mu_new = np.exp(eta_new)
            dev = _deviance(y, mu_new, v)
            halvings += 1
        rel = abs(dev - dev_old) / (0.1 + abs(dev)) if np.isfinite(dev_old) else np.inf
        dbeta = float(np.max(np.abs(beta_new - beta) / (1.0 + np.abs(beta_new)))) if beta_new.size else 0.0
        if verbose:
            msg = (f"ppml iter {it}: deviance {dev:.10g} rel.change {rel:.3g} max|Δβ| {dbeta:.3g} "
                   f"inner tol {inner:.1e} sweeps {sweeps.tolist()}")
            log.info(msg)
            if not log.isEnabledFor(logging.INFO) or not log.hasHandlers():
                print(msg)  # verbose=True must show progress even without logging configured
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
    if p2:
        sw = group_weights(fe, w, offsets)
        Xk = np.asfortranarray(Z[:, 1:])
        Xt = np.empty_like(Xk)
        demean_columns(Xk, fe, w, sw, offsets, np.asfortranarray(alphas[:, 1:]), fixef_tol, 100_000, Xt)
    else:
        Xt = np.empty((n, 0))
    return dict(beta=beta, mu=mu, eta=eta, Xt=Xt, keep=keep, names=[names[j] for j in keep],
                collinear=collinear, converged=converged, n_iter=it, sweeps=total_sweeps,
                fe_coef=fe_coef)
