"""Variance of the PPML slopes with the fixed effects concentrated out.

With X̃ the slopes demeaned under the converged IRLS weights W = diag(v_i μ_i) (v = observation
weights), the bread is H⁻¹ = (X̃'WX̃)⁻¹ — exactly the slope block of the inverse Hessian of the full
model with fixed-effect dummies — and the score of observation i is s_i = v_i x̃_i (y_i − μ_i).

* ``"iid"``      V = c · H⁻¹                         (Poisson: dispersion fixed at 1)
* ``"hetero"``   V = c · H⁻¹ (Σ_i s_i s_i') H⁻¹        (alias ``"robust"``, ``"HC1"``-style c)
* cluster g     V = c_g · H⁻¹ (Σ_g S_g S_g') H⁻¹,  S_g = Σ_{i∈g} s_i
* two-way (g,h) V = V_g + V_h − V_{g∩h}   (Cameron, Gelbach & Miller 2011; each term with its own
  c; if the sum is not positive semi-definite the negative eigenvalues are set to 0 as in CGM).

Small-sample corrections ``ssc`` (the factor c):

* ``"stata"`` (default) — what Stata's ``ppml``/``poisson, vce()`` report: cluster c = G/(G−1);
  robust c = N/(N−1); iid c = 1. This reproduces the published Yotov et al. (2016) standard errors.
* ``"none"`` — c = 1 everywhere (statsmodels ``GLM(...).fit(cov_type="HC0"/"cluster",
  cov_kwds={"use_correction": False})``).
* ``SSC(cluster_adj=…, n_adj=…, k="slopes"|"all")`` for anything else: c = [G/(G−1) if cluster_adj]
  × [(N−1)/(N−K) if n_adj], K the number of slopes (``"slopes"``) or slopes + fixed-effect levels
  − (number of effects − 1) (``"all"``).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd


@dataclass(frozen=True)
class SSC:
    """Small-sample correction. ``cluster_adj``: G/(G−1) on clustered terms; ``robust_adj``:
    N/(N−1) on the heteroskedasticity-robust estimator; ``n_adj``: (N−1)/(N−K)."""

    cluster_adj: bool = True
    robust_adj: bool = True
    n_adj: bool = False
    k: str = "slopes"


PRESETS = {
    "stata": SSC(cluster_adj=True, robust_adj=True, n_adj=False),
    "none": SSC(cluster_adj=False, robust_adj=False, n_adj=False),
}


def resolve_ssc(ssc) -> SSC:
    if isinstance(ssc, SSC):
        return ssc
    if isinstance(ssc, str) and ssc in PRESETS:
        return PRESETS[ssc]
    raise ValueError(f"ssc must be one of {list(PRESETS)} or an SSC(...) instance, got {ssc!r}")


VCOV_TYPES = ("iid", "hetero", "cluster", "twoway")


def resolve_type(vcov, cluster) -> str:
    if vcov is None:
        vcov = "cluster" if cluster is not None else "hetero"
    v = str(vcov).lower()
    v = {"robust": "hetero", "hc0": "hetero", "hc1": "hetero", "standard": "iid", "nonrobust": "iid"}.get(v, v)
    if v not in VCOV_TYPES:
        raise ValueError(f"vcov must be one of 'iid', 'hetero' ('robust'), 'cluster', 'twoway'; got {vcov!r}")
    if v in ("cluster", "twoway") and cluster is None:
        raise ValueError(f"vcov={vcov!r} needs cluster= (a column name, or two names for two-way)")
    if v == "cluster" and isinstance(cluster, (list, tuple)) and len(cluster) == 2:
        v = "twoway"
    return v


def _cluster_meat(scores: np.ndarray, codes: np.ndarray) -> tuple[np.ndarray, int]:
    G = int(codes.max()) + 1
    S = np.zeros((G, scores.shape[1]))
    np.add.at(S, codes, scores)
    return S.T @ S, G


def _psd(V: np.ndarray) -> np.ndarray:
    vals, vecs = np.linalg.eigh((V + V.T) / 2)
    if vals.min() >= 0:
        return V
    return (vecs * np.maximum(vals, 0)) @ vecs.T


def compute_vcov(Xt: np.ndarray, w: np.ndarray, resid: np.ndarray, vtype: str, ssc: SSC,
                 clusters: list[np.ndarray] | None, n_fe_params: int) -> tuple[np.ndarray, list[int]]:
    """Return (V, [G per cluster dimension]).

    ``Xt`` demeaned slopes (n × p), ``w`` converged IRLS weights v_i μ_i, ``resid`` v_i (y_i − μ_i)
    (observation weights already applied), ``clusters`` integer codes per dimension.
    """
    n, p = Xt.shape
    H = Xt.T @ (Xt * w[:, None])
    Hinv = np.linalg.inv(H)
    k = p + (n_fe_params if ssc.k == "all" else 0)
    nfac = (n - 1) / (n - k) if (ssc.n_adj and n > k) else 1.0
    if vtype == "iid":
        return Hinv * nfac, []
    scores = Xt * resid[:, None]
    if vtype == "hetero":
        meat = scores.T @ scores
        c = nfac * (n / (n - 1) if ssc.robust_adj else 1.0)
        return c * Hinv @ meat @ Hinv, []
    if vtype == "cluster":
        meat, G = _cluster_meat(scores, clusters[0])
        c = nfac * (G / (G - 1) if ssc.cluster_adj else 1.0)
        return c * Hinv @ meat @ Hinv, [G]
    # two-way
    a, b = clusters
    inter = pd.factorize(a.astype(np.int64) * (int(b.max()) + 1) + b)[0]
    total = np.zeros((p, p))
    Gs = []
    for codes, sign in ((a, 1.0), (b, 1.0), (inter, -1.0)):
        meat, G = _cluster_meat(scores, codes)
        c = nfac * (G / (G - 1) if (ssc.cluster_adj and G > 1) else 1.0)
        total += sign * c * meat
        Gs.append(G)
    return _psd(Hinv @ total @ Hinv), Gs[:2]
