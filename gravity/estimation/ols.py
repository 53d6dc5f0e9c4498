"""Log-linear OLS with high-dimensional fixed effects — the comparison columns of gravity tables.

    ln X_ij,t = x_ij,t' β + π_i,t + χ_j,t + (μ_ij) + ε_ij,t          (Yotov et al. 2016, eq. 1-3 / 1-5)

``gv.ols("log_trade ~ log_dist + cntg | exp_year + imp_year", data, cluster="pair_id")`` uses the same
fixest-style formula as :func:`gravity.ppml` (slopes before ``|``, fixed effects after, ``a^b`` for an
interacted effect; no fixed effects ⇒ an intercept is added). The fixed effects are absorbed by
``linearmodels.AbsorbingLS`` (Frisch–Waugh–Lovell: β̂ = (X̃'X̃)⁻¹X̃'ỹ with X̃, ỹ the residuals of X, y on
the fixed-effect dummies); the covariance is the one sandwich of :mod:`gravity.estimation.vcov`
(shared with PPML) on X̃, so that the small-sample convention is explicit:

    V = c · (X̃'X̃)⁻¹ (Σ_g X̃_g'û_g û_g'X̃_g) (X̃'X̃)⁻¹       (clustered; g = cluster, G clusters)
    V = c · (X̃'X̃)⁻¹ (Σ_n û_n² x̃_n x̃_n') (X̃'X̃)⁻¹           (heteroskedasticity-robust)
    V = s² (X̃'X̃)⁻¹,  s² = Σ û² / (N − K_all)                (iid; K_all counts slopes and absorbed FE)

``ssc`` chooses c (presets of :class:`gravity.estimation.vcov.SSC`, or an instance):

* ``"companion"`` (default): c = G/(G−1) clustered, N/(N−K_all) robust (HC1). This is what the
  tradepolicy companion (capybara) prints and reproduces the book's Tables 1-3 OLS columns to 4 decimals.
* ``"stata"``: c = G/(G−1)·(N−1)/(N−K_all) clustered, N/(N−K_all) robust — Stata ``regress`` with the
  fixed effects as dummy columns (K_all = slopes + absorbed FE rank), equal to statsmodels' OLS on dummies.
* ``"none"``: c = 1 (the textbook sandwich; HC0 when robust).

Two-way clustering (``cluster=["a", "b"]``) uses Cameron–Gelbach–Miller: V_a + V_b − V_{a∩b}, each with
its own G/(G−1) (with the smaller G under ``"stata"``, as fixest does for its cluster adjustment).
Collinear slopes are dropped by :func:`gravity.estimation.rank.collinear_columns` (formula order) and
K_all counts the fixed effects with :func:`gravity.estimation.rank.fe_dof`, as for PPML.

Bad input raises :class:`OLSInputError` naming the column and rows; rows are never dropped silently
(filter ``trade > 0`` before taking logs — the error says so).
"""

from __future__ import annotations

import logging
import warnings
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from gravity.errors import GravityError
from gravity.estimation.errors import EstimationError
from gravity.estimation.formula import (
    Spec,
    build_design,
    check_unique_columns,
    cluster_codes,
    cluster_columns,
    expand_formula,
    parse_vcov,
)
from gravity.estimation.multi import FitList, run_multi
from gravity.estimation.rank import collinear_columns, fe_dof
from gravity.estimation.results import EstimationResults, Summary
from gravity.estimation.vcov import SSC, VcovType, resolve_ssc, resolve_type, sandwich

log = logging.getLogger("gravity.estimation.ols")

__all__ = ["ols", "OLSResults", "OLSInputError"]


class OLSInputError(GravityError, ValueError):
    """Bad data or formula given to :func:`ols`; the message names the column, rows and fix."""


@dataclass(eq=False, repr=False)
class OLSResults(EstimationResults):
    """Results of :func:`ols`, readable like a statsmodels / PPML result (Student-t inference).

    ``params``, ``bse``, ``tvalues``, ``pvalues`` are Series indexed by regressor; ``cov_params()`` a
    DataFrame; ``conf_int(alpha)`` a two-column DataFrame (columns 0, 1 as in statsmodels and
    :func:`gravity.ppml`); ``lincom``, ``t_test`` and ``wald_test`` as in
    :class:`gravity.estimation.results.EstimationResults`; ``sample`` has ``used``/``reason`` per input
    row (OLS never drops rows: bad rows raise instead). Inference uses Student-t with G−1 degrees of
    freedom when clustered (Stata/fixest convention) and N−K_all otherwise.
    """

    formula: str
    depvar: str
    params: pd.Series
    _vcov: np.ndarray
    nobs: int
    df_resid: int
    rsquared: float
    rsquared_within: float
    rsquared_adj: float
    ssr: float
    fixed_effects: list[str]
    vcov_type: str
    ssc: str | SSC
    cluster: list[str] = field(default_factory=list)
    n_clusters: dict[str, int] = field(default_factory=dict)
    collinear: list[str] = field(default_factory=list)
    resid: pd.Series | None = None
    fittedvalues: pd.Series | None = None
    sample: pd.DataFrame | None = None
    estimator: str = "OLS"
    _Xa: np.ndarray | None = field(default=None, repr=False)  # absorbed (demeaned) slopes
    _u_w: np.ndarray | None = field(default=None, repr=False)  # √w-weighted residuals
    _k_all: int = field(default=0, repr=False)
    _data: pd.DataFrame | None = field(default=None, repr=False)  # fitted frame (clusters for .vcov())

    use_t = True
    _se_name, _stat_name, _p_name = "std_err", "t", "p"

    def _with_vcov(self, v, cl, ssc, data):
        if self._Xa is None or self._u_w is None:
            raise OLSInputError("this OLS result kept no design; refit with vcov=...")
        ssc_ = resolve_ssc(self.ssc if ssc is None else ssc, "ols")
        clusters = list(cl or [])
        vtype = ols_vcov_type(v, clusters)
        n, p = self._Xa.shape
        codes, n_clusters = None, {}
        if vtype in ("cluster", "twoway"):
            raw = self._cluster_arrays(clusters, data)
            codes = [cluster_codes(c, raw) for c in clusters]
            n_clusters = {c: int(k.max() + 1) for c, k in zip(clusters, codes)}
        bread = np.linalg.inv(self._Xa.T @ self._Xa)
        V, _ = sandwich(
            bread,
            self._Xa * self._u_w[:, None],
            vtype,
            ssc_,
            n=n,
            k=self._k_all if ssc_.k == "all" else p,
            clusters=codes,
            cluster_names=clusters,
            dispersion=(self.ssr, self.df_resid),
        )
        return self._replaced(
            _vcov=V,
            vcov_type=vtype,
            ssc=ssc if ssc is not None else self.ssc,
            cluster=clusters if codes is not None else [],
            n_clusters=n_clusters,
        )

    @property
    def df_inference(self) -> int:
        """Degrees of freedom of the t reference distribution."""
        if self.vcov_type in ("cluster", "twoway"):
            return max(min(self.n_clusters.values()) - 1, 1)
        return max(self.df_resid, 1)

    def summary(self) -> Summary:
        """The fit in a table: N, R², fixed effects, standard errors, coefficients."""
        se = self.vcov_type + (
            f" by {' & '.join(self.cluster)} ({', '.join(str(v) for v in self.n_clusters.values())} clusters)"
            if self.cluster
            else ""
        )
        info = [
            ("Formula", self.formula),
            ("Fixed effects", ", ".join(self.fixed_effects) or "none"),
            ("Observations", f"{self.nobs:,}   R² = {self.rsquared:.4f}   within R² = {self.rsquared_within:.4f}"),
            ("Std. errors", f"{se} (ssc={self.ssc})"),
        ]
        if self.collinear:
            info.append(("Dropped as collinear", ", ".join(self.collinear)))
        return Summary("OLS with fixed effects (gravity.ols)", info, self.coef_table(), digits=4)


def _rows(mask: np.ndarray, index: pd.Index, k: int = 5) -> str:
    bad = index[np.asarray(mask)]
    shown = ", ".join(map(str, bad[:k]))
    return f"{len(bad)} row(s) (index {shown}{', …' if len(bad) > k else ''})"


def _fe_codes(data: pd.DataFrame, cols: list[str]) -> np.ndarray:
    """Integer codes of one (possibly interacted a^b) fixed effect."""
    if len(cols) == 1:
        return pd.factorize(data[cols[0]], sort=True)[0]
    return data.groupby(cols, sort=True, observed=True).ngroup().to_numpy()


def _validate(
    data: pd.DataFrame, depvar: str, slopes: list[str], fes: list[list[str]], clusters: list[str], weights: str | None
) -> None:
    need = [depvar, *slopes, *[c for f in fes for c in f], *clusters] + ([weights] if weights else [])
    missing = [c for c in dict.fromkeys(need) if c not in data.columns]
    if missing:
        raise OLSInputError(f"column(s) {missing} not in data; available: {list(data.columns)[:30]}")
    check_unique_columns(data, need)
    if len(data) == 0:
        raise OLSInputError("data has no rows")
    for c in [depvar, *slopes] + ([weights] if weights else []):
        s = data[c]
        if not (pd.api.types.is_numeric_dtype(s) or pd.api.types.is_bool_dtype(s)):
            raise OLSInputError(
                f"column {c!r} is not numeric (dtype {s.dtype}); encode it as numbers "
                f"or put a categorical in the fixed-effect part after '|'"
            )
        v = s.to_numpy(dtype=float, na_value=np.nan)
        bad = ~np.isfinite(v)
        if bad.any():
            hint = (
                " (log of zero trade?) — filter those rows, e.g. data[data.trade > 0], as the book does"
                if c == depvar
                else " — fix or filter those rows before estimating"
            )
            raise OLSInputError(f"column {c!r} has missing or non-finite values in {_rows(bad, data.index)}{hint}")
        if c == weights and (v <= 0).any():
            raise OLSInputError(f"weights {c!r} must be positive; {_rows(v <= 0, data.index)} are not")
    for c in dict.fromkeys([x for f in fes for x in f] + clusters):
        bad = data[c].isna().to_numpy()
        if bad.any():
            raise OLSInputError(
                f"fixed-effect/cluster column {c!r} is missing in {_rows(bad, data.index)}; drop or fill those rows"
            )


def ols(
    formula: str,
    data: pd.DataFrame,
    *,
    cluster: str | list[str] | None = None,
    vcov: str | dict | None = None,
    ssc: str | SSC = "companion",
    weights: str | None = None,
    split: str | None = None,
    fsplit: str | None = None,
) -> OLSResults | FitList:
    """Estimate ``formula`` by (weighted) least squares with absorbed fixed effects.

    β̂ = (X̃'X̃)⁻¹X̃'ỹ with X̃, ỹ the residuals of X, y on the fixed-effect dummies (Yotov et al. 2016,
    eq. (1-3)); the covariance is the sandwich of :mod:`gravity.estimation.vcov`.

    Parameters
    ----------
    formula : str
        fixest-style ``"y ~ x1 + x2 | fe1 + fe2^fe3"``; expressions (``log(trade) ~ log(dist) +
        i(year, rta)``) and ``sw()``/``csw()`` as in :func:`gravity.ppml` (rows where an expression is
        not finite, e.g. log of zero trade, are dropped with reason ``"undefined: <term>"``).
    data : pandas.DataFrame
        Every column named in the formula, ``cluster`` and ``weights``.
    cluster : str or list of str, optional
        Column name(s) for one- or two-way clustered standard errors (``"a+b"`` two-way,
        ``"a^b"`` each (a, b) combination).
    vcov : {"iid", "hetero", "cluster", "twoway"} or dict, optional
        The types of :func:`gravity.estimation.vcov.resolve_type` ("robust", "HC1" mean "hetero"; HC0 is
        ``ssc="none"``). Default "cluster" when ``cluster`` is given, else "iid"; ``{"CRV1": "pair"}`` as
        pyfixest. Switch after fitting with ``fit.vcov(...)``. ``vcov_type`` of the result is the type.
    ssc : {"companion", "stata", "none"} or SSC
        Small-sample correction (module docstring); "companion" (default) is G/(G−1) clustered.
    weights : str, optional
        Column of positive observation weights (WLS).
    split, fsplit : str, optional
        Sub-sample column (:mod:`gravity.estimation.multi`; ``fsplit`` adds the full sample).

    Returns
    -------
    OLSResults or FitList
        Student-t inference with ``df_inference`` degrees of freedom; a FitList for several models.

    Raises
    ------
    OLSInputError
        Missing, non-numeric or non-finite columns (naming the rows), non-positive weights, a
        single cluster, or every regressor collinear with the fixed effects.
    EstimationError
        Unknown ``vcov``/``ssc``, or clustering without ``cluster``.

    References
    ----------
    Cameron, A. C., Gelbach, J. B. & Miller, D. L. (2011). Robust inference with multiway
    clustering. Journal of Business & Economic Statistics 29(2), 238–249.
    Yotov, Y. V., Piermartini, R., Monteiro, J.-A. & Larch, M. (2016). An Advanced Guide to Trade
    Policy Analysis: The Structural Gravity Model. WTO/UNCTAD, ch. 1.
    """
    specs = expand_formula(formula)
    vcov, cl = parse_vcov(vcov, cluster)
    clusters = list(cl or [])
    vtype = ols_vcov_type(vcov, clusters)
    if len(specs) == 1 and split is None and fsplit is None:
        return _ols(specs[0], data, clusters, vtype, ssc, weights)
    return run_multi(
        lambda spec, d, cache: _ols(spec, d, clusters, vtype, ssc, weights), specs, data, split=split, fsplit=fsplit
    )


def ols_vcov_type(vcov, clusters: list[str]) -> VcovType:
    """The covariance type of an OLS fit: :func:`gravity.estimation.vcov.resolve_type`, except that with
    no ``vcov`` and no cluster OLS defaults to ``"iid"`` (the classical OLS errors; PPML's default is
    ``"hetero"``). HC0 against HC1 is the ssc's choice (``"none"``: HC0), not the type's.

    Raises
    ------
    EstimationError
        Unknown type, a clustered type without ``cluster``, or more than two cluster dimensions.
    """
    if len(clusters) > 2:
        raise EstimationError(f"at most two-way clustering is supported, got {clusters}")
    if vcov is None and not clusters:
        vcov = "iid"
    return resolve_type(vcov, clusters or None)


def _ols(spec: Spec, data: pd.DataFrame, clusters: list[str], vtype: VcovType, ssc, weights) -> OLSResults:
    """One model of :func:`ols`: expressions are evaluated into columns, then the plain fit runs."""
    if spec.plain:
        return _ols_plain(spec, data, clusters, vtype, ssc, weights)
    design = build_design(spec, data, nonnegative=False)
    names = list(design.names or [])
    safe = [f"_gv_x{j}" for j in range(len(names))]
    keep_cols = list(
        dict.fromkeys(
            [c for t in spec.fixed_effects for c in t] + cluster_columns(clusters) + ([weights] if weights else [])
        )
    )
    sub = data.iloc[design.rows][keep_cols].copy()
    sub["_gv_y"] = design.y
    for j, s in enumerate(safe):
        sub[s] = design.X[:, j]
    slopes = [s for s, nm in zip(safe, names) if nm != "Intercept"]
    plain = Spec("_gv_y", tuple(slopes), spec.fixed_effects, spec.intercept, spec.formula)
    res = _ols_plain(plain, sub, clusters, vtype, ssc, weights)
    back = dict(zip(safe, names))
    res.params = res.params.rename(index=back)
    res.collinear = [back.get(c, c) for c in res.collinear]
    res.depvar = spec.depvar
    res._data = data
    used = np.zeros(len(data), dtype=bool)
    used[design.rows] = True
    res.sample = pd.DataFrame({"used": used, "reason": design.reason.astype(str)}, index=data.index)
    return res


def _ols_plain(spec: Spec, data: pd.DataFrame, clusters: list[str], vtype: VcovType, ssc, weights) -> OLSResults:
    """The fit of a formula of bare column names (the body of :func:`ols`)."""
    from linearmodels.iv.absorbing import AbsorbingLS

    ssc_ = resolve_ssc(ssc, "ols")
    formula = spec.formula
    depvar, slopes, fes = spec.depvar, list(spec.slopes), [list(t) for t in spec.fixed_effects]
    _validate(data, depvar, slopes, fes, cluster_columns(clusters), weights)
    if not slopes and not spec.intercept:
        raise OLSInputError(
            f"{formula!r} has no slope to estimate; OLS needs at least one regressor "
            f"(for fixed effects alone use gv.ppml with an offset)"
        )

    n = len(data)
    y = data[depvar].to_numpy(dtype=float)
    X = pd.DataFrame({c: data[c].to_numpy(dtype=float) for c in slopes}, index=pd.RangeIndex(n))
    if spec.intercept:
        X.insert(0, "Intercept", 1.0)
    fe_names = ["^".join(f) for f in fes]
    fe_codes = [_fe_codes(data, f) for f in fes]
    absorb = pd.DataFrame({nm: pd.Categorical(c) for nm, c in zip(fe_names, fe_codes)}, index=X.index) if fes else None
    w = data[weights].to_numpy(dtype=float) if weights else None
    wser = pd.Series(w, index=X.index) if w is not None else None
    yser = pd.Series(y, index=X.index, name=depvar)
    opts: dict[str, Any] = {"absorb_options": {"options": {"tol": 1e-12}}} if len(fes) > 1 and w is None else {}

    def _fit(cols: list[str]):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            mod = AbsorbingLS(yser, X[cols], absorb=absorb, weights=wser, drop_absorbed=True)
            try:
                return mod, mod.fit(cov_type="unadjusted", **opts)
            except ValueError as exc:  # linearmodels: every column absorbed by the fixed effects
                raise OLSInputError(
                    f"every regressor of {formula!r} is collinear with the fixed effects {fe_names}: {exc}"
                ) from exc

    cols = list(X.columns)
    mod, res = _fit(cols)
    Xa = np.asarray(mod.absorbed_exog, dtype=float)
    ww = w / w.mean() if w is not None else np.ones(n)  # AbsorbingLS's weight scale
    raw = mod.absorbed_exog.columns
    keep = collinear_columns(Xa, X[list(raw)].to_numpy() * np.sqrt(ww)[:, None], np.ones(n))
    dropped = [c for i, c in enumerate(mod.absorbed_exog.columns) if i not in keep]
    dropped += [c for c in cols if c not in mod.absorbed_exog.columns]
    if dropped:
        log.warning(
            "ols: dropped collinear regressor(s) %s (absorbed by fixed effects %s or collinear with other slopes)",
            dropped,
            fe_names,
        )
        cols = [c for c in cols if c not in dropped]
        if not cols:
            raise OLSInputError(f"every regressor of {formula!r} is collinear with the fixed effects")
        mod, res = _fit(cols)
        Xa = np.asarray(mod.absorbed_exog, dtype=float)
    params = pd.Series(np.asarray(res.params, dtype=float), index=cols, name="coef")
    u_w = np.asarray(res.wresids, dtype=float).ravel()  # √w·û (= û unweighted)
    ya = np.asarray(mod.absorbed_dependent, dtype=float).ravel()
    k_all = len(cols) + fe_dof(fe_codes)
    df_resid = n - k_all
    bread = np.linalg.inv(Xa.T @ Xa)
    ssr = float(u_w @ u_w)

    n_clusters: dict[str, int] = {}
    codes = None
    if vtype in ("cluster", "twoway"):
        raw = {c: data[c].to_numpy() for c in cluster_columns(clusters)}
        codes = [cluster_codes(c, raw) for c in clusters]
        n_clusters = {c: int(k.max() + 1) for c, k in zip(clusters, codes)}
        if min(n_clusters.values()) < 2:
            raise OLSInputError(f"cluster column(s) {clusters} have a single cluster; cannot cluster")
    V, _ = sandwich(
        bread,
        Xa * u_w[:, None],
        vtype,
        ssc_,
        n=n,
        k=k_all if ssc_.k == "all" else len(cols),
        clusters=codes,
        cluster_names=clusters,
        dispersion=(ssr, df_resid),
    )

    sw = np.sqrt(w / w.mean()) if w is not None else np.ones(n)
    yw = y * sw
    ybar = np.sum(sw * yw) / np.sum(sw**2)
    tss = float(np.sum((yw - sw * ybar) ** 2))
    tss_within = float(ya @ ya) if fes else tss
    r2 = 1 - ssr / tss if tss > 0 else np.nan
    r2w = 1 - ssr / tss_within if tss_within > 0 else np.nan
    r2a = 1 - (1 - r2) * (n - 1) / df_resid if df_resid > 0 else np.nan
    resid = pd.Series(u_w / sw, index=data.index, name="resid")
    fitted = pd.Series(y, index=data.index) - resid
    return OLSResults(
        formula=formula,
        depvar=depvar,
        params=params,
        _vcov=V,
        nobs=n,
        df_resid=df_resid,
        rsquared=r2,
        rsquared_within=r2w,
        rsquared_adj=r2a,
        ssr=ssr,
        fixed_effects=fe_names,
        vcov_type=vtype,
        ssc=ssc,
        cluster=clusters,
        n_clusters=n_clusters,
        collinear=dropped,
        resid=resid,
        fittedvalues=fitted.rename("fitted"),
        sample=pd.DataFrame({"used": True, "reason": ""}, index=data.index),
        _Xa=Xa,
        _u_w=u_w,
        _k_all=k_all,
        _data=data,
    )
