"""Poisson pseudo-maximum likelihood with high-dimensional fixed effects (PPML-HDFE).

Model (Yotov et al. 2016, eq. (1-4); Santos Silva & Tenreyro 2006):

    X_ij,t = exp( x_ij,t'β + Σ_k α_k[g_k(ij,t)] + o_ij,t ) · ε_ij,t ,   E[ε | x, α] = 1,

estimated from the Poisson score equations Σ_i v_i (y_i − μ_i) [x_i, D_i] = 0 (v = weights,
o = offset) by IRLS (:func:`gravity.estimation.irls.irls`). This module handles the input: the
formula and design (:mod:`gravity.estimation.formula`), the observations that make the estimates
infinite (``separation``: "fe" = all-zero fixed-effect groups, "ir" = the iterative rectifier of
Correia, Guimarães & Zylkin 2019, plus singleton groups when ``drop_singletons``, as ppmlhdfe;
:mod:`gravity.estimation.separation`), and assembles the result: the sandwich covariance
(:mod:`gravity.estimation.vcov`) and :class:`gravity.estimation.results.PPMLResults`.
"""

from __future__ import annotations

import logging
import warnings
from collections.abc import Sequence

import numpy as np
import pandas as pd

from gravity.estimation.formula import (
    FormulaError,
    Missing,
    build_design,
    check_fit_options,
    cluster_codes,
    cluster_columns,
    expand_formula,
    parse_vcov,
)
from gravity.estimation.irls import irls
from gravity.estimation.multi import FitList, run_multi
from gravity.estimation.rank import fe_dof
from gravity.estimation.results import FitRows, Inference, PPMLResults, ppml_covariance
from gravity.estimation.scaling import column_scales, pow2_scale
from gravity.estimation.separation import (
    DROP_REASONS,
    SeparationCheck,
    check_separation,
    compact_codes,
    fe_group_codes,
    iterative_rectifier,
)
from gravity.estimation.vcov import EstimationError, EstimationWarning, check_dof, resolve_ssc, resolve_type

log = logging.getLogger("gravity.estimation")

__all__ = ["ppml"]


def ppml(
    formula: str,
    data: pd.DataFrame,
    *,
    cluster=None,
    vcov=None,
    ssc="stata",
    weights=None,
    offset=None,
    tol: float = 1e-8,
    maxiter: int = 1000,
    separation: Sequence[SeparationCheck] | None = ("fe", "ir"),
    drop_singletons: bool = True,
    missing: Missing = "raise",
    fixef_tol: float = 1e-10,
    verbose: bool = False,
    split: str | None = None,
    fsplit: str | None = None,
    by: str | None = None,
) -> PPMLResults | FitList:
    """Estimate a PPML gravity equation with absorbed fixed effects.

    Solves Σ_i v_i (y_i − μ_i) x_i = 0 and Σ_{i∈g} v_i (y_i − μ_i) = 0 for every fixed-effect group g,
    μ_i = exp(x_i'β + Σ_k α_k[g_k(i)] + o_i), after removing separated observations and singletons.

    Parameters
    ----------
    formula : str
        ``"trade ~ ln_dist + cntg | exporter^year + importer^year"`` (slopes | fixed effects;
        ``y ~ 1 | fe`` for a model with fixed effects and offset only). Slopes may be fixest
        expressions (``log(x)``, ``np.log(x)``, ``exp(x)``, ``I()``, ``a:b``, ``a*b``, ``C(g)``,
        ``i(g, ref=r)``, ``i(g, x)``; :mod:`gravity.estimation.formula`); rows where one is not
        finite are dropped with reason ``"undefined: <term>"``. ``sw()``/``sw0()``/``csw()``/``csw0()``
        ask for several models (a :class:`gravity.estimation.multi.FitList` is returned).
    data : pandas.DataFrame
        Every column named in the formula (and ``cluster``, ``weights``, ``offset`` if names). With
        ``by=``, also a group source read group by group where each fit runs (an object with
        ``levels()`` and ``read(level)``, e.g. :class:`gravity.data.readers.itpde_long.IndustrySource`).
    cluster : str or list of two str, optional
        Cluster column(s); two names (or ``"a+b"``) give Cameron–Gelbach–Miller two-way
        clustering; ``"a^b"`` clusters on each observed (a, b) combination.
    vcov : {"iid", "hetero", "robust", "cluster", "twoway"} or dict, optional
        Default "cluster" when ``cluster`` is given, else "hetero"; pyfixest's ``{"CRV1": "pair"}``
        (``{"CRV1": "a+b"}`` two-way) is ``vcov="cluster", cluster=...``. Switch after fitting with
        :meth:`gravity.estimation.results.EstimationResults.vcov`.
    ssc : {"stata", "none"} or SSC
        Small-sample correction (:mod:`gravity.estimation.vcov`): "stata" (default) is Stata
        ``ppml``'s G/(G−1) clustered and N/(N−1) robust — the published Yotov et al. (2016) SEs.
    weights, offset : str or array_like, optional
        Column name or array aligned with ``data``; the offset enters η with coefficient 1.
    tol : float
        IRLS convergence tolerance (:mod:`gravity.estimation.irls`); ``fixef_tol`` the final inner one.
    maxiter : int
        IRLS iteration limit.
    separation : tuple of {"fe", "ir"}
        Separation checks (an empty tuple disables them).
    drop_singletons : bool
        Drop observations alone in a fixed-effect group (they are fitted exactly).
    missing : {"raise", "drop"}
        Rows with NaN in a used column raise (default) or are dropped (reason "missing value").
    verbose : bool
        Print one line per IRLS iteration (also logged at INFO on "gravity.estimation").
    split, fsplit : str, optional
        Column whose values define sub-samples, each estimated separately (fixest ``split``);
        ``fsplit`` also estimates the full sample first.
    by : str, optional
        Column of groups (sectors): one fit per group through the execution layer (Dask or
        in-process), each equal to the fit on ``data[data[by] == s]``; returns a
        :class:`gravity.estimation.by_group.ByGroupResults` (failed groups with their reason,
        ``.tidy()`` coefficients). See :func:`gravity.estimation.by_group.fit_by`.

    Returns
    -------
    PPMLResults or FitList
        :class:`gravity.estimation.results.PPMLResults` (normal inference); a
        :class:`gravity.estimation.multi.FitList` of them when the formula or ``split``/``fsplit``
        asks for several models (the fixed-effect codes and, where samples coincide, the
        fixed-effect separation pass computed once; see :mod:`gravity.estimation.multi`).

    Raises
    ------
    EstimationError
        Unknown separation method or cluster specification, a bad formula or column
        (:class:`gravity.estimation.formula.FormulaError` and friends, naming the column and rows), or
        no observation left after the separation checks.

    References
    ----------
    Santos Silva, J. M. C. & Tenreyro, S. (2006). The log of gravity. Review of Economics and
    Statistics 88(4), 641–658.
    Correia, S., Guimarães, P. & Zylkin, T. (2020). Fast Poisson estimation with high-dimensional
    fixed effects. Stata Journal 20(1), 95–115.
    Cameron, A. C., Gelbach, J. B. & Miller, D. L. (2011). Robust inference with multiway
    clustering. Journal of Business & Economic Statistics 29(2), 238–249.
    """
    if by is not None:
        from gravity.estimation.by_group import fit_by

        return fit_by(
            ppml,
            formula,
            data,
            by,
            cluster=cluster,
            vcov=vcov,
            ssc=ssc,
            weights=weights,
            offset=offset,
            tol=tol,
            maxiter=maxiter,
            separation=separation,
            drop_singletons=drop_singletons,
            missing=missing,
            fixef_tol=fixef_tol,
            verbose=verbose,
            split=split,
            fsplit=fsplit,
        )
    check_fit_options(tol=tol, maxiter=maxiter, fixef_tol=fixef_tol)
    specs = expand_formula(formula)
    seps = (separation,) if isinstance(separation, str) else tuple(separation or ())
    bad = [s for s in seps if s not in ("fe", "ir")]
    if bad:
        raise FormulaError(
            f"separation methods must be among ('fe', 'ir'), got {bad}. Fix: e.g. "
            "separation=('fe', 'ir') (the default), separation='fe' or separation=()"
        )
    sep = tuple(check_separation(s) for s in seps)
    vcov, cluster = parse_vcov(vcov, cluster)
    vtype = resolve_type(vcov, cluster)
    ssc_ = resolve_ssc(ssc)
    cl_cols = None
    if cluster is not None and vtype in ("cluster", "twoway"):
        cl_cols = list(cluster)
        if len(cl_cols) not in (1, 2):
            raise EstimationError(f"cluster must be a column name or a list of two column names, got {cluster!r}")
    opts = dict(
        vtype=vtype,
        ssc_=ssc_,
        cl_cols=cl_cols,
        weights=weights,
        offset=offset,
        tol=tol,
        maxiter=maxiter,
        sep=sep,
        drop_singletons=drop_singletons,
        missing=missing,
        fixef_tol=fixef_tol,
        verbose=verbose,
    )
    if len(specs) == 1 and split is None and fsplit is None:
        return _fit(specs[0], data, None, **opts)
    extra = [c for c in [*cluster_columns(cl_cols or []), weights, offset] if isinstance(c, str)]
    return run_multi(
        lambda spec, d, cache: _fit(spec, d, cache, **opts),
        specs,
        data,
        split=split,
        fsplit=fsplit,
        missing=missing,
        extra_columns=extra,
    )


def _fit(
    spec,
    data,
    cache,
    *,
    vtype,
    ssc_,
    cl_cols,
    weights,
    offset,
    tol,
    maxiter,
    sep,
    drop_singletons,
    missing,
    fixef_tol,
    verbose,
) -> PPMLResults:
    """One PPML fit of ``spec`` (the body of :func:`ppml`); ``cache`` shares fixed-effect work
    between the models of a multiple estimation."""
    formula = spec.formula
    design = build_design(
        spec,
        data,
        weights=weights,
        offset=offset,
        extra_columns={"cluster": cluster_columns(cl_cols)} if cl_cols else None,
        missing=missing,
        cache=cache,
    )
    reason = design.reason
    rows = design.rows
    y, X, fe = design.y, design.X, design.fe
    n_levels = [len(l) for l in design.fe_levels]
    old_of_new = [np.arange(g) for g in n_levels]

    # ---- separation and singletons (iterated: a drop can create new singletons) -------------
    alive = np.ones(y.size, dtype=bool)
    code = np.zeros(y.size, dtype=np.int8)  # DROP_REASONS: 0 kept, 1 all-zero, 2 singleton, 3 separated
    for _round in range(100):
        whole = bool(alive.all())
        key = (
            None
            if cache is None or _round
            else ("fe-groups", spec.depvar, spec.fixed_effects, rows.tobytes(), "fe" in sep, drop_singletons)
        )
        if key is not None and key in cache.store:
            r = cache.store[key].copy()
        else:
            r = (
                fe_group_codes(
                    y if whole else y[alive],
                    fe if whole else fe[:, alive],
                    all_zero="fe" in sep,
                    singletons=drop_singletons,
                )
                if fe.shape[0]
                else np.zeros(int(alive.sum()), dtype=np.int8)
            )
            if key is not None:
                cache.store[key] = r.copy()
        idx_alive = np.flatnonzero(alive)
        hit = r != 0
        code[idx_alive[hit]] = r[hit]
        alive[idx_alive[hit]] = False
        if not alive.any():
            break
        if "ir" not in sep or _round > 0 and not hit.any():
            break
        cfe, _ = compact_codes(fe, alive) if fe.shape[0] else (fe[:, alive], None)
        nl = [int(c.max()) + 1 for c in cfe] if fe.shape[0] else []
        sep_mask, n_ir = iterative_rectifier(y[alive], X[alive], cfe, nl)
        ia = np.flatnonzero(alive)
        if not sep_mask.any():
            break
        code[ia[sep_mask]] = 3
        alive[ia[sep_mask]] = False
    dropped = np.flatnonzero(~alive)
    left_out = np.ones(reason.size, dtype=bool)  # rows the design step dropped keep their reason
    left_out[rows] = False
    reason[rows[dropped]] = DROP_REASONS[code[dropped]]
    left_out[rows[dropped]] = True
    counts = pd.Series(reason[left_out]).value_counts()
    if len(counts):
        log.info("ppml %s: dropped %s", formula, ", ".join(f"{v} {k}" for k, v in counts.items()))
    if not alive.any():
        why = {
            "all-zero group": f"the outcome {spec.depvar!r} is zero in every fixed-effect group",
            "singleton": "every row is alone in a fixed-effect group (drop_singletons=False keeps them)",
            "separated": "every row is separated (its regressors predict a zero outcome exactly)",
            "missing value": "of missing values (NaN)",
        }
        hints = [why.get(str(k), str(k)) for k in counts.index]
        raise EstimationError(
            f"no observations left after dropping { ({str(k): int(v) for k, v in counts.items()}) } (formula "
            f"{formula!r}): {'; '.join(hints)}. Fix: check the outcome and the fixed effects on these rows"
        )
    rows = rows[alive]
    y = np.ascontiguousarray(y[alive])
    X = np.asfortranarray(X[alive])
    v = np.ones(y.size) if design.weights is None else np.ascontiguousarray(design.weights[alive])
    off = np.zeros(y.size) if design.offset is None else np.ascontiguousarray(design.offset[alive])
    if fe.shape[0]:
        fe, old_of_new = compact_codes(fe, alive) if not alive.all() else (np.ascontiguousarray(fe), old_of_new)
        n_levels = [len(o) for o in old_of_new]
    else:
        fe = np.empty((0, y.size), dtype=np.int32)
    levels = [design.fe_levels[k][old_of_new[k]] for k in range(fe.shape[0])]
    if (y > 0).sum() == 0:
        raise EstimationError(f"outcome {spec.depvar!r} is zero in every remaining row; nothing to estimate")
    if (fe.shape[0] or spec.intercept) and X.shape[1] > int(spec.intercept) and y.size > 1 and np.ptp(y) == 0:
        warnings.warn(
            f"ppml {formula!r}: the outcome {spec.depvar!r} is the same ({y[0]:.6g}) in all {y.size} used "
            "rows, so the constant fits it exactly: every slope is 0 with a standard error of 0, and "
            "nothing is estimated. Fix: check the outcome column (a filled or copied value?)",
            EstimationWarning,
            stacklevel=3,
        )

    check_dof(y.size, X.shape[1] + max(n_levels, default=0), f"ppml {formula!r}")
    # multiple estimation: a model on the same rows, outcome, fixed effects, weights and offset as an
    # earlier one starts IRLS from that model's solution (η and the demeaning coefficients)
    warm_key = (
        None
        if cache is None
        else ("warm", spec.depvar, spec.fixed_effects, rows.tobytes(), _spec_key(weights), _spec_key(offset))
    )
    start = cache.store.get(warm_key) if warm_key is not None else None
    # extreme units (gravity.estimation.scaling): fit y / sy with offset o − ln sy (same β and effects),
    # slopes x / c (β·c) and weights v / sv (same β); every factor is a power of two, 1 for ordinary data
    sy, cx = pow2_scale(y), column_scales(X)
    sv = pow2_scale(v) if design.weights is not None else 1.0
    far = np.abs(np.log2(cx)) > VARIANCE_EXPONENT
    if far.any():
        names = list(design.names or [])
        cols = [f"{names[j]!r} (largest |x| {np.max(np.abs(X[:, j])):.3g})" for j in np.flatnonzero(far)]
        raise FormulaError(
            f"ppml {formula!r}: slope(s) {', '.join(cols)} are so large or small that the variance of "
            "their coefficient (about 1/x^2) lies outside double precision. Fix: express them in other "
            "units (e.g. divide by 1e100, or take logs); the coefficient scales inversely"
        )
    scaled_x = bool((cx != 1.0).any())
    try:
        fit = irls(
            y / sy if sy != 1.0 else y,
            np.asfortranarray(X / cx) if scaled_x else X,
            fe,
            n_levels,
            v / sv if sv != 1.0 else v,
            off - np.log(sy) if sy != 1.0 else off,
            design.names,
            tol=tol,
            maxiter=maxiter,
            fixef_tol=fixef_tol,
            verbose=verbose,
            start=start,
        )
    except np.linalg.LinAlgError as exc:
        raise EstimationError(
            f"ppml {formula!r}: the weighted least-squares step is singular ({exc}) although "
            "collinear regressors were dropped; the offset or a regressor likely takes extreme "
            "values. Fix: check the scale of the offset and regressors (logs, not levels)"
        ) from None

    if warm_key is not None and fit["converged"]:
        cache.store[warm_key] = fit["start"]
    if sy != 1.0:
        fit["mu"], fit["eta"] = fit["mu"] * sy, fit["eta"] + np.log(sy)
    if scaled_x:
        ck = cx[fit["keep"]]
        fit["beta"], fit["Xt"] = fit["beta"] / ck, fit["Xt"] * ck

    # ---- inference -------------------------------------------------------------------------
    clusters = None
    if cl_cols:
        raw = {s.name: s.to_numpy()[alive] for s in design.extra["cluster"]}
        clusters = [cluster_codes(d, raw) for d in cl_cols]
    fe_df = fe_dof(fe)
    V, n_clusters = ppml_covariance(fit["Xt"], y, fit["mu"], v, vtype, ssc_, fe_df, clusters, cl_cols)
    used = np.zeros(len(data), dtype=bool)
    used[rows] = True
    sample = pd.DataFrame({"used": used, "reason": reason}, index=data.index)  # object array of str
    kept = FitRows(
        y=y,
        mu=fit["mu"],
        eta=fit["eta"],
        X=X[:, fit["keep"]],
        Xt=fit["Xt"],
        offset=off,
        weights=v,
        fe=fe,
        fe_levels=levels,
        fe_dof=fe_df,
        index=data.index[rows],
        offset_spec=offset,
        has_weights=design.weights is not None,
        fe_coef=fit["fe_coef"],
        data=data,
    )
    return PPMLResults(
        spec,
        pd.Series(fit["beta"], index=fit["names"]),
        V,
        inference=Inference(vtype, ssc_, cl_cols, n_clusters),
        rows=kept,
        sample=sample,
        converged=fit["converged"],
        n_iter=fit["n_iter"],
        collinear=fit["collinear"],
    )


VARIANCE_EXPONENT = 480
"""Largest |log2| of a slope's magnitude whose coefficient variance (∝ 2^∓2k) stays a double."""


def _spec_key(value):
    """A hashable identity of a ``weights``/``offset`` argument (a column name, None, or an array)."""
    if value is None or isinstance(value, str):
        return value
    return ("array", id(value))
