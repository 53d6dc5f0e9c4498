"""Identification of the design, shared by PPML and OLS: which slopes are estimable once the fixed
effects are absorbed, and how many degrees of freedom the fixed effects use.

* :func:`collinear_columns` — with X̃ the slopes after the fixed effects (weighted within-
  transformation), column j is kept when its weighted residual sum of squares on the *earlier kept*
  columns is above ``tol`` times its raw weighted sum of squares Σ_i w_i x_ij². Columns are taken in
  formula order, so a later duplicate is the one dropped (as fixest and ppmlhdfe do).
* :func:`fe_dof` — the rank of the fixed-effect dummy matrix [D_1 … D_K]: G_1 for one effect,
  G_1 + G_2 − C for two (C connected components of the bipartite graph linking the levels of the two
  effects through observations; exact), and each further effect adds G_k − 1 (an upper bound, as
  fixest counts them).
"""

from __future__ import annotations

import numpy as np
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components

from gravity.estimation._kernels import weighted_cross

COLLINEAR_TOL = 1e-9

__all__ = ["COLLINEAR_TOL", "collinear_columns", "fe_dof"]


def collinear_columns(Xt: np.ndarray, X: np.ndarray, w: np.ndarray, tol: float = COLLINEAR_TOL) -> list[int]:
    """Indices of the slope columns to keep (in formula order).

    Column j of X̃ is kept when r_j > tol · Σ_i w_i x_ij², where r_j = g_jj − g_kj' G_kk⁻¹ g_kj is its
    weighted residual sum of squares on the columns k kept before it and G = X̃'WX̃ (W = diag w).
    All-zero raw columns are dropped.

    Parameters
    ----------
    Xt : numpy.ndarray, shape (n, p)
        Slopes after absorbing the fixed effects (weighted within-transformation under ``w``).
    X : numpy.ndarray, shape (n, p)
        The same slopes before absorption (the scale of the tolerance).
    w : numpy.ndarray, shape (n,)
        Weights: IRLS working weights v_i μ_i for PPML, observation weights (or 1) for OLS.
    tol : float
        Relative tolerance (default 1e-9).

    Returns
    -------
    list of int
        Indices of the kept columns; the others are collinear with the fixed effects or with
        earlier columns.

    References
    ----------
    Correia, S., Guimarães, P. & Zylkin, T. (2020). Fast Poisson estimation with high-dimensional
    fixed effects. Stata Journal 20(1), 95–115.
    """
    p = Xt.shape[1]
    raw = np.diag(weighted_cross(X, w, w)[0])  # Σ_i w_i x_ij² (the kernel's second output is unused)
    G = weighted_cross(Xt, w, w)[0]
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
        if r > tol * raw[j]:
            keep.append(j)
    return keep


def fe_dof(codes) -> int:
    """Degrees of freedom absorbed by the fixed effects (rank of the dummy matrix, see module).

    Parameters
    ----------
    codes : sequence of numpy.ndarray of int, or an int array of shape (K, n)
        Group codes 0..G_k − 1 of each fixed effect (every level present).

    Returns
    -------
    int
        G_1 (K = 1); G_1 + G_2 − C (K = 2, exact); plus Σ_{k>2} (G_k − 1) for more effects;
        0 without fixed effects.
    """
    codes = [np.asarray(c) for c in codes]
    if not codes:
        return 0
    levels = [int(c.max()) + 1 if c.size else 0 for c in codes]
    if len(codes) == 1:
        return levels[0]
    a, b = codes[0], codes[1] + levels[0]
    m = levels[0] + levels[1]
    g = coo_matrix((np.ones(len(a)), (a, b)), shape=(m, m))
    n_comp = connected_components(g, directed=False)[0]
    return levels[0] + levels[1] - n_comp + sum(L - 1 for L in levels[2:])
