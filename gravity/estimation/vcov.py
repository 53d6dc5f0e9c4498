"""The sandwich covariance of the slopes, its small-sample correction and two-way clustering, shared
by PPML and OLS.

With the fixed effects concentrated out (Frisch–Waugh–Lovell), the estimator supplies the bread
H⁻¹ and the per-observation scores s_i:

* PPML: H = X̃'WX̃ with W = diag(v_i μ_i) at the converged IRLS weights (the slope block of the
  inverse Hessian of the full model with fixed-effect dummies) and s_i = x̃_i v_i (y_i − μ_i) — the
  terms of the score equations Σ_i v_i (y_i − μ_i) x_i = 0;
* OLS: H = X̃'X̃ (√w-weighted when weighted) and s_i = x̃_i û_i.

The variance:

* ``"iid"``      V = φ · c · H⁻¹        φ = 1 for Poisson, φ̂ = Σû²/(N − K) for OLS (c = 1 there)
* ``"hetero"``   V = c · H⁻¹ (Σ_i s_i s_i') H⁻¹
* cluster g     V = c · H⁻¹ M_g H⁻¹,  M_g = Σ_g S_g S_g',  S_g = Σ_{i∈g} s_i
* two-way (a,b) V = H⁻¹ (c_a M_a + c_b M_b − c_ab M_ab) H⁻¹ (Cameron, Gelbach & Miller 2011: the
  intersection a∩b is subtracted; a result that is not positive semi-definite has its negative
  eigenvalues set to 0, as CGM suggest).

The small-sample correction c (:class:`SSC`) is a product of

* G/(G − 1) on a clustered term (``cluster_adj``; G its own number of clusters, or the smallest
  dimension's with ``cluster_df="min"``),
* N/(N − 1) on the heteroskedasticity-robust estimator (``robust_adj``),
* (N − 1)/(N − K) (``n_adj``; K = slopes, or slopes + :func:`gravity.estimation.rank.fe_dof`
  with ``k="all"``); ``n_adj="hetero"`` applies it to the robust estimator only.

N/(N − 1) · (N − 1)/(N − K) is computed as N/(N − K) (HC1). Presets per estimator
(:data:`PRESETS`): PPML ``"stata"`` (default; Stata ``ppml``/``poisson, vce()``: G/(G−1),
N/(N−1)), OLS ``"companion"`` (default; the Yotov et al. 2016 companion: G/(G−1) clustered, HC1
robust), OLS ``"stata"`` (``regress``: G_min/(G_min−1)·(N−1)/(N−K) clustered, HC1 robust), and
``"none"`` (c = 1). ``scale`` says where a one-way cluster factor is applied: on V (``"vcov"``,
Stata's order) or on the meat (``"meat"``, the order of R's ``sandwich::meatCL`` that the companion
uses). The two agree to rounding; each estimator keeps its reference's order so that its numbers
stay those it has always printed.

References
----------
Cameron, A. C., Gelbach, J. B. & Miller, D. L. (2011). Robust inference with multiway clustering.
Journal of Business & Economic Statistics 29(2), 238–249.
Santos Silva, J. M. C. & Tenreyro, S. (2006). The log of gravity. Review of Economics and
Statistics 88(4), 641–658.
Correia, S., Guimarães, P. & Zylkin, T. (2020). Fast Poisson estimation with high-dimensional fixed
effects. Stata Journal 20(1), 95–115.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np
import pandas as pd

from gravity.estimation.errors import EstimationError, EstimationWarning  # noqa: F401 - re-exported
from gravity.options import choices, validator

__all__ = [
    "SSC",
    "PRESETS",
    "VCOV_TYPES",
    "VcovType",
    "resolve_ssc",
    "resolve_type",
    "ssc_label",
    "sandwich",
    "cluster_meat",
    "check_dof",
    "EstimationError",
    "PPMLPreset",
    "OLSPreset",
]

VcovType = Literal["iid", "hetero", "cluster", "twoway"]
"""The covariance types (module docstring); ``resolve_type`` also reads their synonyms."""
VCOV_TYPES = choices(VcovType)
_check_vcov = validator(
    VcovType,
    "vcov",
    EstimationError,
    synonyms={"robust": "hetero", "hc0": "hetero", "hc1": "hetero", "standard": "iid", "nonrobust": "iid"},
    hint="or a dict {'CRV1': 'column'} (HC0 and HC1 differ by the ssc, not by the type)",
)
PPMLPreset = Literal["stata", "none"]
OLSPreset = Literal["companion", "stata", "none"]
NAdj = Literal["hetero"]
KCount = Literal["slopes", "all"]
ClusterDf = Literal["own", "min"]
Scale = Literal["vcov", "meat"]
_check_k = validator(KCount, "SSC(k=...)", EstimationError)
_check_cluster_df = validator(ClusterDf, "SSC(cluster_df=...)", EstimationError)
_check_scale = validator(Scale, "SSC(scale=...)", EstimationError)


@dataclass(frozen=True)
class SSC:
    """Small-sample correction of the sandwich (the factor c of the module docstring).

    Parameters
    ----------
    cluster_adj : bool
        G/(G − 1) on every clustered term.
    robust_adj : bool
        N/(N − 1) on the heteroskedasticity-robust estimator.
    n_adj : bool or "hetero"
        (N − 1)/(N − K) on every estimator (True), on the robust one only ("hetero"), or nowhere.
    k : {"slopes", "all"}
        K counts the slopes, or the slopes and the fixed effects' degrees of freedom.
    cluster_df : {"own", "min"}
        G of each clustered term: its own, or the smallest dimension's (Stata ``regress``, fixest).
    scale : {"vcov", "meat"}
        Where the one-way cluster factor is applied (same value up to rounding; see module).
    """

    cluster_adj: bool = True
    robust_adj: bool = True
    n_adj: bool | NAdj = False
    k: KCount = "slopes"
    cluster_df: ClusterDf = "own"
    scale: Scale = "vcov"

    def __post_init__(self):
        if self.n_adj not in (True, False, "hetero"):
            raise EstimationError(f"SSC(n_adj=...) must be True, False or 'hetero', got {self.n_adj!r}")
        _check_k(self.k)
        _check_cluster_df(self.cluster_df)
        _check_scale(self.scale)

    def factor(self, kind: str, n: int, k: int, G: int | None = None) -> float:
        """The factor c for one term.

        Parameters
        ----------
        kind : {"iid", "hetero", "cluster"}
        n : int
            Observations N.
        k : int
            Parameters K (as chosen by ``self.k``).
        G : int, optional
            Clusters of the term (``kind="cluster"``).

        Returns
        -------
        float
            iid: (N−1)/(N−K) or 1; hetero: N/(N−K), N/(N−1), (N−1)/(N−K) or 1; cluster:
            G/(G−1)·(N−1)/(N−K), G/(G−1), (N−1)/(N−K) or 1.
        """
        nadj = self.n_adj is True or (self.n_adj == "hetero" and kind == "hetero")
        nadj = nadj and n > k
        if kind == "iid":
            return (n - 1) / (n - k) if nadj else 1.0
        if kind == "hetero":
            if self.robust_adj:
                return n / (n - k) if nadj else n / (n - 1)
            return (n - 1) / (n - k) if nadj else 1.0
        if G is None:
            raise EstimationError("SSC.factor('cluster', ...) needs G, the number of clusters of the term")
        cg = G / (G - 1) if self.cluster_adj else 1.0
        return cg * (n - 1) / (n - k) if nadj else cg


PRESETS: dict[str, dict[str, SSC]] = {
    "ppml": {
        "stata": SSC(cluster_adj=True, robust_adj=True, n_adj=False),
        "none": SSC(cluster_adj=False, robust_adj=False, n_adj=False),
    },
    "ols": {
        "companion": SSC(cluster_adj=True, robust_adj=True, n_adj="hetero", k="all", scale="meat"),
        "stata": SSC(cluster_adj=True, robust_adj=True, n_adj=True, k="all", cluster_df="min", scale="meat"),
        "none": SSC(cluster_adj=False, robust_adj=False, n_adj=False, scale="meat"),
    },
}


def resolve_ssc(ssc, estimator: Literal["ppml", "ols"] = "ppml") -> SSC:
    """The :class:`SSC` of a preset name (for ``estimator`` "ppml" or "ols") or an instance.

    Raises
    ------
    EstimationError
        Unknown preset name, naming the presets of that estimator.
    """
    if isinstance(ssc, SSC):
        return ssc
    presets = PRESETS[estimator]
    if isinstance(ssc, str) and ssc in presets:
        return presets[ssc]
    raise EstimationError(f"ssc must be one of {list(presets)} or an SSC(...) instance, got {ssc!r}")


def ssc_label(ssc: SSC, estimator: Literal["ppml", "ols"] = "ppml") -> str:
    """The preset name of ``ssc`` for ``estimator`` (quoted), else its repr."""
    for name, preset in PRESETS[estimator].items():
        if preset == ssc:
            return repr(name)
    return repr(ssc)


def resolve_type(vcov, cluster) -> VcovType:
    """Normalise a ``vcov=`` argument to one of :data:`VCOV_TYPES`.

    ``None`` means "cluster" when ``cluster`` is given, else "hetero"; "robust", "HC0", "HC1" mean
    "hetero"; "standard", "nonrobust" mean "iid"; "cluster" with two columns means "twoway".

    Raises
    ------
    EstimationError
        Unknown type, or a clustered type without ``cluster``.
    """
    if vcov is None:
        vcov = "cluster" if cluster is not None else "hetero"
    v = _check_vcov(str(vcov).lower())
    if v in ("cluster", "twoway") and cluster is None:
        raise EstimationError(f"vcov={vcov!r} needs cluster= (a column name, or two names for two-way)")
    if v == "cluster" and isinstance(cluster, (list, tuple)) and len(cluster) == 2:
        v = "twoway"
    if v == "twoway" and not (isinstance(cluster, (list, tuple)) and len(cluster) == 2):
        raise EstimationError(f"vcov='twoway' needs two cluster columns (cluster='a+b' or ['a', 'b']), got {cluster!r}")
    return v


def cluster_meat(scores: np.ndarray, codes: np.ndarray) -> tuple[np.ndarray, int]:
    """M_g = Σ_g S_g S_g' with S_g = Σ_{i∈g} s_i, and the number of clusters G.

    Parameters
    ----------
    scores : numpy.ndarray, shape (n, p)
    codes : numpy.ndarray of int, shape (n,)
        Cluster codes 0..G − 1.
    """
    G = int(codes.max()) + 1
    S = np.zeros((G, scores.shape[1]))
    np.add.at(S, codes, scores)
    return S.T @ S, G


def check_dof(n: int, n_params: int, what: str) -> None:
    """Raise :class:`EstimationError` when ``n`` observations cannot identify ``n_params`` parameters.

    Parameters
    ----------
    n : int
        Observations left after the separation and singleton checks.
    n_params : int
        Slopes plus fixed-effect parameters (a lower bound is enough).
    what : str
        The model (its formula), for the message.

    Raises
    ------
    EstimationError
        ``n < n_params``, or ``n < 2`` (no covariance can be estimated from one observation).
    """
    if n < max(2, n_params):
        raise EstimationError(
            f"{what}: {n} observation(s) for at least {n_params} parameter(s) (slopes and "
            "fixed effects); the estimates and their covariance are not identified. Fix: use "
            "more rows, fewer regressors or coarser fixed effects"
        )


def _psd(V: np.ndarray) -> np.ndarray:
    vals, vecs = np.linalg.eigh((V + V.T) / 2)
    if vals.min() >= 0:
        return V
    return (vecs * np.maximum(vals, 0)) @ vecs.T


def sandwich(
    bread: np.ndarray,
    scores: np.ndarray | None,
    vtype: str,
    ssc: SSC,
    *,
    n: int,
    k: int,
    clusters: list[np.ndarray] | None = None,
    cluster_names=None,
    dispersion: tuple[float, float] | None = None,
) -> tuple[np.ndarray, list[int]]:
    """The covariance V of the slopes (module docstring) and the number of clusters per dimension.

    Parameters
    ----------
    bread : numpy.ndarray, shape (p, p)
        H⁻¹.
    scores : numpy.ndarray, shape (n, p)
        s_i (unused for "iid").
    vtype : {"iid", "hetero", "cluster", "twoway"}
    ssc : SSC
    n, k : int
        Observations N and parameters K (slopes, plus fixed-effect dof when ``ssc.k == "all"``).
    clusters : list of numpy.ndarray of int
        Cluster codes per dimension (one, or two for "twoway").
    cluster_names : list of str, optional
        Column names, for error messages.
    dispersion : (float, float), optional
        (Σû², N − K) for an estimated φ̂ (OLS "iid": V = H⁻¹ · Σû² / (N − K)); None for φ = 1.

    Returns
    -------
    (numpy.ndarray, list of int)
        V (p × p) and [G per dimension] (empty unless clustered).

    Raises
    ------
    EstimationError
        A cluster dimension with a single cluster (G/(G − 1) and the estimator are undefined).
    EstimationError
        Fewer than 2 observations, or no residual degrees of freedom for an estimated dispersion.

    References
    ----------
    Cameron, A. C., Gelbach, J. B. & Miller, D. L. (2011). Robust inference with multiway
    clustering. Journal of Business & Economic Statistics 29(2), 238–249.
    """
    if n < 2:
        raise EstimationError(f"{n} observation(s): no covariance can be estimated. Fix: use more rows")
    if dispersion is not None and dispersion[1] <= 0:
        raise EstimationError(
            f"{n} observations for {n - dispersion[1]} parameters: no residual degrees of "
            "freedom, so the error variance (and every standard error) is undefined. Fix: use "
            "more rows, fewer regressors or coarser fixed effects"
        )
    if vtype == "iid":
        if dispersion is not None:
            return bread * dispersion[0] / dispersion[1], []
        return bread * ssc.factor("iid", n, k), []
    if scores is None:
        raise EstimationError(f"vcov={vtype!r} needs the scores s_i (only 'iid' does without them)")
    if vtype == "hetero":
        meat = scores.T @ scores
        return ssc.factor("hetero", n, k) * bread @ meat @ bread, []
    if not clusters:
        raise EstimationError(f"vcov={vtype!r} needs the cluster codes of each dimension")
    names = list(cluster_names) if cluster_names is not None else [f"cluster {j}" for j in range(len(clusters))]
    meats = [cluster_meat(scores, codes) for codes in clusters]
    one = [nm for nm, (_, G) in zip(names, meats) if G < 2]
    if one:
        raise EstimationError(
            f"cluster column(s) {one} have a single cluster in the estimation sample; "
            f"cannot cluster on them — pick a column with at least two groups or vcov='hetero'"
        )
    Gs = [G for _, G in meats]
    if vtype == "cluster":
        meat, G = meats[0]
        c = ssc.factor("cluster", n, k, G)
        if ssc.scale == "meat":
            return bread @ (c * meat) @ bread, Gs
        return c * bread @ meat @ bread, Gs
    a, b = clusters
    inter = pd.factorize(a.astype(np.int64) * (int(b.max()) + 1) + b)[0]
    mi, gi = cluster_meat(scores, inter)
    gmin = min(Gs)
    total = np.zeros((bread.shape[0], bread.shape[0]))
    for (meat, G), sign in ((meats[0], 1.0), (meats[1], 1.0), ((mi, gi), -1.0)):
        c = ssc.factor("cluster", n, k, gmin if ssc.cluster_df == "min" else G)
        total += sign * c * meat
    return _psd(bread @ total @ bread), Gs
