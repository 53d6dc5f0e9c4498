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

import numpy as np

from gravity.estimation.demean import demean_columns, fe_offsets, group_weights


def compact_codes(fe: np.ndarray, keep: np.ndarray) -> tuple[np.ndarray, list[np.ndarray]]:
    """Re-number the codes of the kept rows 0..G'-1; also return, per effect, the old code of each
    new level (so labels can follow)."""
    K = fe.shape[0]
    out = np.empty((K, int(keep.sum())), dtype=np.int32)
    old_of_new = []
    for k in range(K):
        c = fe[k, keep]
        used = np.zeros(int(fe[k].max()) + 1 if fe[k].size else 0, dtype=bool)
        used[c] = True
        new = np.cumsum(used) - 1
        out[k] = new[c].astype(np.int32)
        old_of_new.append(np.flatnonzero(used))
    return out, old_of_new


def drop_fe_groups(y: np.ndarray, fe: np.ndarray, *, all_zero: bool = True,
                   singletons: bool = True) -> np.ndarray:
    """Return a per-row reason array ("" kept, "all-zero group", "singleton"), iterating to a
    fixed point because a drop in one effect can empty or isolate a group of another."""
    n = y.size
    reason = np.full(n, "", dtype=object)
    alive = np.ones(n, dtype=bool)
    pos = y > 0
    K = fe.shape[0]
    changed = True
    while changed:
        changed = False
        for k in range(K):
            c = fe[k]
            G = int(c.max()) + 1 if n else 0
            if all_zero:
                npos = np.bincount(c[alive], weights=pos[alive], minlength=G)
                bad = alive & (npos[c] == 0)
                if bad.any():
                    reason[bad] = "all-zero group"
                    alive &= ~bad
                    changed = True
            if singletons:
                cnt = np.bincount(c[alive], minlength=G)
                bad = alive & (cnt[c] == 1)
                if bad.any():
                    reason[bad] = "singleton"
                    alive &= ~bad
                    changed = True
    return reason


def _wls_fit(u, Xt, fe, w, sw, offsets, alpha, tol, maxiter):
    """Fitted values of the weighted regression of u on [X, FE] given the demeaned X (Xt)."""
    n = u.size
    ut = np.empty((n, 1), order="F")
    demean_columns(np.asfortranarray(u.reshape(-1, 1)), fe, w, sw, offsets, alpha, tol, maxiter, ut)
    ut = ut[:, 0]
    if Xt.shape[1]:
        sq = np.sqrt(w)
        gamma, *_ = np.linalg.lstsq(Xt * sq[:, None], ut * sq, rcond=1e-9)
        resid = ut - Xt @ gamma
    else:
        resid = ut
    return u - resid


def iterative_rectifier(y: np.ndarray, X: np.ndarray, fe: np.ndarray, n_levels, *,
                        tol: float = 1e-5, maxiter: int = 1000,
                        inner_tol: float = 1e-12) -> tuple[np.ndarray, int]:
    """Boolean mask of separated observations and the number of IR iterations.

    ``X`` holds the slope columns (with the intercept column when the model has one), ``fe`` the
    int32 codes (K × n, every level non-empty). Returns all-False immediately when y > 0 everywhere.
    """
    n = y.size
    zero = y <= 0
    n0 = int(zero.sum())
    if n0 == 0:
        return np.zeros(n, dtype=bool), 0
    M = max(n0, 1) / tol ** 2
    w = np.where(zero, 1.0, M)
    offsets = fe_offsets(n_levels)
    sw = group_weights(fe, w, offsets)
    p = X.shape[1]
    if p and fe.shape[0]:
        Xt = np.empty_like(np.asfortranarray(X))
        demean_columns(np.asfortranarray(X), fe, w, sw, offsets,
                       np.zeros((offsets[-1], p), order="F"), inner_tol, 1_000_000, Xt)
    else:
        Xt = np.asarray(X, dtype=float)
    # scale columns so the pivoting threshold in lstsq is meaningful
    if p:
        scale = np.sqrt((w[:, None] * Xt ** 2).sum(0))
        scale[scale == 0] = 1.0
        Xt = Xt / scale
    alpha = np.zeros((offsets[-1], 1), order="F")
    u = zero.astype(float)
    for it in range(1, maxiter + 1):
        xb = _wls_fit(u, Xt, fe, w, sw, offsets, alpha, inner_tol, 1_000_000)
        xb[np.abs(xb) < tol] = 0.0
        if not (xb[zero] < 0).any():
            return zero & (xb > 0), it
        u = np.maximum(xb, 0.0)
        u[~zero] = 0.0
    raise RuntimeError(
        f"separation check (iterative rectifier) did not converge in {maxiter} iterations; "
        "pass separation=('fe',) to skip it and inspect the data for separated observations"
    )
