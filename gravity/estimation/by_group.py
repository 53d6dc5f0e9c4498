"""One model per group (sector, industry, region), fitted through the execution layer.

``gv.ppml(formula, data, by="sector")`` estimates, for every level s of ``by``,

    X^s_ij,t = exp( x_ij,t'β_s + Σ_k α^s_k[g_k(ij,t)] ) · ε^s_ij,t ,

the sector-level structural gravity equation of Yotov et al. (2016, ch. 1, eq. (1-4) with a sector
index): slopes and fixed effects differ across sectors, and sectors are independent estimations. Each
fit is the fit of ``formula`` on the rows ``data[by] == s`` (equal to calling the estimator on that
sub-sample yourself), computed as one task of :mod:`gravity.execution`: ``data`` travels to each worker
once and each task selects its rows by position, so results do not depend on where they ran or on the
number of workers.

For files too large for one process, ``data`` may instead be a *group source*: any object with
``levels()`` (the groups) and ``read(level)`` (that group's frame), optionally ``nrows(level)`` and ``by``
(its grouping column), e.g. :class:`gravity.data.readers.itpde_long.IndustrySource`. Each task then
receives only its level and reads its own rows where it runs: the full sample is never in the calling
process nor sent to the workers, and each fit equals the fit on ``source.read(s)``. The fits come back
compact (:meth:`gravity.estimation.results.PPMLResults.compact`: coefficients, covariance, counts and fit
statistics, no row-level arrays), so the caller's memory grows with the number of groups, not with rows.

A group that cannot be estimated (no observation left after the separation checks, an outcome that is
zero throughout, fewer observations than parameters, a term that cannot be built) is not dropped
silently: :class:`ByGroupResults` lists it in :attr:`ByGroupResults.failed` with the reason, and in
:meth:`ByGroupResults.tidy` as a row with ``converged = False`` and the reason.

References
----------
Yotov, Y. V., Piermartini, R., Monteiro, J.-A. & Larch, M. (2016). An Advanced Guide to Trade Policy
Analysis: The Structural Gravity Model. WTO/UNCTAD.
Larch, M., Wanner, J., Yotov, Y. V. & Zylkin, T. (2019). Currency unions and trade: a PPML re-assessment
with high-dimensional fixed effects. Oxford Bulletin of Economics and Statistics 81(3), 487–510.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

import numpy as np
import pandas as pd

from gravity.errors import ArgumentTypeError
from gravity.estimation.errors import EstimationError, UnknownGroupError
from gravity.estimation.formula import expand_formula
from gravity.estimation.multi import FitList
from gravity.execution import get_executor

log = logging.getLogger("gravity.estimation")

__all__ = ["ByGroupResults", "fit_by", "TIDY_COLUMNS"]

TIDY_COLUMNS = ["term", "estimate", "se", "nobs", "converged", "reason"]
TINY_ROWS = 1_000_000
"""Below this many rows in all, ``mode="auto"`` runs the groups in-process: the fits take a few seconds on
the numba threads of this process, about what starting a LocalCluster and shipping the data to it cost
(benchmarks/results/scale.md: 35 WIOD sectors, 952,000 rows, 7.6 s in-process against 8.0 s on 2 workers)."""


class ByGroupResults(FitList):
    """Per-group fits: a :class:`gravity.estimation.multi.FitList` of the groups that were estimated.

    ``fits[k]`` is the k-th estimated group's result (labels ``"formula [sector = c3]"``);
    ``gv.regtable(fits)`` puts them side by side.

    Attributes
    ----------
    by : str
        The grouping column.
    levels : list
        The estimated groups, in sorted order (``levels[k]`` is ``fits[k]``'s group).
    failed : pandas.DataFrame
        Groups that could not be estimated: ``<by>, nobs, reason`` (``nobs`` = rows of the group).
    """

    def __init__(self, results, labels, *, by: str, levels, failed: pd.DataFrame):
        super().__init__(results, labels)
        self.by = by
        self.levels = list(levels)
        self.failed = failed

    def result(self, level):
        """The result of one group.

        Raises
        ------
        KeyError
            A group that was not estimated (its reason, when it failed).
        """
        for lev, r in zip(self.levels, self):
            if lev == level:
                return r
        hit = self.failed.loc[self.failed[self.by] == level, "reason"]
        raise UnknownGroupError(
            f"{self.by} = {level!r} was not estimated"
            + (f": {hit.iloc[0]}" if len(hit) else f"; groups: {self.levels[:20]}")
        )

    def tidy(self) -> pd.DataFrame:
        """Coefficients of every group, one row per group × term; failed groups as one row each.

        Returns
        -------
        pandas.DataFrame
            ``<by>, term, estimate, se, nobs, converged, reason``: ``nobs`` the observations used (rows of
            the group for a failed one), ``reason`` empty for an estimated group and ``"did not
            converge"`` for one whose IRLS stopped at ``maxiter``; a failed group has ``term`` None,
            NaN estimates, ``converged`` False and the error as ``reason``. Groups in sorted order.
        """
        parts = []
        for lev, r in zip(self.levels, self):
            conv = bool(getattr(r, "converged", True))
            parts.append(
                pd.DataFrame(
                    {
                        self.by: [lev] * len(r.params),
                        "term": r.params.index.astype(object),
                        "estimate": r.params.to_numpy(dtype=float),
                        "se": r.bse.to_numpy(dtype=float),
                        "nobs": r.nobs,
                        "converged": conv,
                        "reason": "" if conv else "did not converge",
                    }
                )
            )
        if len(self.failed):
            f = self.failed
            parts.append(
                pd.DataFrame(
                    {
                        self.by: f[self.by].to_numpy(),
                        "term": None,
                        "estimate": np.nan,
                        "se": np.nan,
                        "nobs": f["nobs"].to_numpy(),
                        "converged": False,
                        "reason": f["reason"].to_numpy(),
                    }
                )
            )
        if not parts:
            return pd.DataFrame(columns=[self.by, *TIDY_COLUMNS])
        out = pd.concat(parts, ignore_index=True)
        order = {lev: k for k, lev in enumerate(_sorted_levels(list(self.levels) + list(self.failed[self.by])))}
        out["_k"] = out[self.by].map(order)
        out = out.sort_values("_k", kind="stable").drop(columns="_k").reset_index(drop=True)
        out["nobs"] = out["nobs"].astype("int64")
        return out[[self.by, *TIDY_COLUMNS]]

    def __repr__(self) -> str:
        head = f"ByGroupResults: {len(self)} group(s) of {self.by!r} estimated, {len(self.failed)} failed"
        lines = [f"  {lev}: nobs {r.nobs}" for lev, r in zip(self.levels, self)]
        lines += [f"  {row[self.by]}: FAILED ({row['reason']})" for _, row in self.failed.iterrows()]
        return "\n".join([head, *lines])


def _fit_one(estimator: Callable, formula: str, sub: pd.DataFrame, kwargs: dict):
    """``(fit, "")``, or ``(None, reason)`` for a group that cannot be estimated."""
    try:
        fit = estimator(formula, sub, **kwargs)
    except (ValueError, ArithmeticError) as exc:  # separation, no rows, bad term, singular design
        return None, f"{type(exc).__name__}: {exc}"
    if fit.df_resid < 0 or fit.nobs <= len(fit.params):
        return None, (
            f"too few observations: {fit.nobs} used for {len(fit.params)} slopes and "
            f"{fit.nobs - len(fit.params) - fit.df_resid} fixed-effect degrees of freedom"
        )
    return fit, ""


class _GroupTask:
    """One group's fit as a picklable task: ``task((level, positions), data)``."""

    def __init__(self, estimator: Callable, formula: str, kwargs: dict):
        self.estimator, self.formula, self.kwargs = estimator, formula, kwargs

    def __call__(self, item, data: pd.DataFrame):
        level, pos = item
        return _fit_one(self.estimator, self.formula, data.take(pos), self.kwargs)


class _SourceTask:
    """One group's fit from a group source: ``task(level) -> (fit, reason, rows read)``; reads on the worker."""

    def __init__(self, estimator: Callable, formula: str, kwargs: dict, source):
        self.estimator, self.formula, self.kwargs, self.source = estimator, formula, kwargs, source

    def __call__(self, level):
        sub = self.source.read(level)
        if not isinstance(sub, pd.DataFrame):
            raise ArgumentTypeError(
                f"{type(self.source).__name__}.read({level!r}) returned {type(sub).__name__}; "
                f"a group "
                f"source must return a pandas DataFrame"
            )
        fit, reason = _fit_one(self.estimator, self.formula, sub, self.kwargs)
        if fit is not None and hasattr(fit, "compact"):
            fit = fit.compact()  # the caller keeps every group's fit, never its rows
        return fit, reason, len(sub)


def _is_source(data) -> bool:
    return callable(getattr(data, "levels", None)) and callable(getattr(data, "read", None))


def _sorted_levels(values) -> list:
    try:
        return sorted(values)
    except TypeError:
        return sorted(values, key=str)


def fit_by(
    estimator: Callable, formula: str, data, by: str, *, executor=None, progress: bool = True, **kwargs
) -> ByGroupResults:
    """Fit ``estimator(formula, data[data[by] == s], **kwargs)`` for every level s of ``by``.

    The per-group model is the sector-level gravity equation in the module docstring; groups are
    independent tasks of the execution layer (:func:`gravity.execution.get_executor`), ``data`` is sent
    to each worker once.

    Parameters
    ----------
    estimator : callable
        ``estimator(formula, data, **kwargs)`` returning one result with ``params``, ``bse``, ``nobs``,
        ``df_resid`` (e.g. :func:`gravity.estimation.ppml.ppml`); a module-level function, so that it can
        be sent to workers.
    formula : str
        One model (``sw()``/``csw()`` are refused: call once per model).
    data : pandas.DataFrame or group source
        The estimation sample with the column ``by``; pass only the columns the model uses to send less.
        Or a group source (module docstring): ``levels()``, ``read(level)`` and optionally
        ``nrows(level)`` and ``by``; a module-level or picklable object, read on the workers.
    by : str
        Grouping column (levels in sorted order); with a source, its ``by`` attribute when it has one.
    executor : gravity.execution.Executor, optional
        Where the groups run; default :func:`gravity.execution.get_executor` (``GRAVITY_SCHEDULER`` if
        set, else a local Dask cluster for samples of 1,000,000 rows or more and in-process below; also
        in-process from a script whose code is not under ``if __name__ == "__main__":``).
    progress : bool
        Progress bar over groups.
    **kwargs
        Passed to ``estimator`` (``cluster=``, ``vcov=``, ``tol=``, ...).

    Returns
    -------
    ByGroupResults
        The estimated groups (a FitList) with :attr:`~ByGroupResults.failed` and
        :meth:`~ByGroupResults.tidy`.

    Raises
    ------
    EstimationError
        ``by`` not a column (or not the source's ``by``), missing values in ``by`` (the rows named), no
        group, several models in ``formula``, ``split``/``fsplit`` together with ``by``, or
        ``weights``/``offset`` given as arrays.
    """
    source = not isinstance(data, pd.DataFrame) and _is_source(data)
    if not isinstance(data, pd.DataFrame) and not source:
        raise EstimationError(
            f"data must be a pandas DataFrame or a group source (an object with levels() and "
            f"read(level), e.g. gravity.data.IndustrySource), got {type(data).__name__}"
        )
    if source:
        own = getattr(data, "by", None)
        if own is not None and by != own:
            raise EstimationError(f"by={by!r}, but the {type(data).__name__} is grouped by {own!r}: pass by={own!r}")
        if not isinstance(by, str):
            raise EstimationError(f"by must name the grouping column, got {by!r}")
    elif not isinstance(by, str) or by not in data.columns:
        raise EstimationError(f"by={by!r} is not a column of data; available columns: {list(data.columns)[:30]}")
    if kwargs.get("split") is not None or kwargs.get("fsplit") is not None:
        raise EstimationError("give by= (one fit per group, on the executor) or split=/fsplit= (in-process), not both")
    for name in ("weights", "offset"):
        if kwargs.get(name) is not None and not isinstance(kwargs[name], str):
            raise EstimationError(
                f"with by=, give {name} as a column name of data (an array cannot follow the "
                f"rows of each group), got {type(kwargs[name]).__name__}"
            )
    if len(expand_formula(formula)) > 1:
        raise EstimationError(f"by= fits one model per group; {formula!r} asks for several: call once per model")
    if source:
        return _fit_source(estimator, formula, data, by, executor=executor, progress=progress, kwargs=kwargs)
    miss = data[by].isna().to_numpy()
    if miss.any():
        rows = list(data.index[miss][:10])
        raise EstimationError(
            f"column {by!r} is missing in {int(miss.sum())} rows (e.g. index {rows}); "
            f"drop those rows "
            f"or give them a group"
        )
    codes, uniques = pd.factorize(data[by], sort=False)
    levels = _sorted_levels(list(uniques))
    if not levels:
        raise EstimationError(f"data has no rows: nothing to fit by {by!r}")
    rank = {lev: k for k, lev in enumerate(uniques)}
    order = np.argsort(codes, kind="stable")
    bounds = np.searchsorted(codes[order], np.arange(len(uniques) + 1))
    items = []
    for lev in levels:
        k = rank[lev]
        items.append((lev, order[bounds[k] : bounds[k + 1]]))  # ascending positions: the rows in data order
    ex = executor if executor is not None else get_executor()
    out = ex.map(
        _GroupTask(estimator, formula, kwargs),
        items,
        shared=data,
        desc=f"fits by {by}",
        progress=progress,
        unit="fit",
        sizes=None,
        tiny=len(data) < TINY_ROWS,
    )
    return _collect(formula, by, levels, [(fit, reason, pos.size) for (_, pos), (fit, reason) in zip(items, out)])


def _fit_source(
    estimator: Callable, formula: str, source, by: str, *, executor, progress: bool, kwargs: dict
) -> ByGroupResults:
    """:func:`fit_by` on a group source: one task per level, each reading its own rows (``shared=None``)."""
    levels = _sorted_levels(list(source.levels()))
    if not levels:
        raise EstimationError(f"{type(source).__name__} has no group: nothing to fit by {by!r}")
    if len(set(levels)) != len(levels):
        raise EstimationError(f"{type(source).__name__}.levels() repeats groups: {levels[:20]}")
    nrows = getattr(source, "nrows", None)
    tiny = callable(nrows) and sum(int(nrows(lev)) for lev in levels) < TINY_ROWS
    ex = executor if executor is not None else get_executor()
    out = ex.map(
        _SourceTask(estimator, formula, kwargs, source),
        levels,
        shared=None,
        desc=f"fits by {by}",
        progress=progress,
        unit="fit",
        sizes=None,
        tiny=tiny,
    )
    return _collect(formula, by, levels, out)


def _collect(formula: str, by: str, levels: list, out: list) -> ByGroupResults:
    """Results ``(fit or None, reason, rows of the group)`` per level → :class:`ByGroupResults`."""
    fits, labels, ok_levels, failed = [], [], [], []
    for lev, (fit, reason, n) in zip(levels, out):
        if fit is None:
            failed.append((lev, int(n), reason))
            log.warning("%s = %s not estimated: %s", by, lev, reason)
        else:
            fits.append(fit)
            labels.append(f"{formula} [{by} = {lev}]")
            ok_levels.append(lev)
    return ByGroupResults(
        fits, labels, by=by, levels=ok_levels, failed=pd.DataFrame(failed, columns=[by, "nobs", "reason"])
    )
