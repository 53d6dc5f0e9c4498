"""Multiple estimation: several related models from one call (fixest's ``sw()``/``csw()``, ``split=``).

``gv.ppml("trade ~ csw(ln_dist, ln_dist + cntg) | exporter^year + importer^year", data)`` or
``gv.ppml(formula, data, split="region")`` returns a :class:`FitList`: one result per model, in
fixest's order (samples outer; fixed-effect variants, then slope variants), each equal to the
separate fit of its formula on its sample.

What the models share, per sample (:class:`gravity.estimation.formula.DesignCache`):

* the fixed-effect codes: each fixed-effect term (``exporter^year``, ...) is factorised once on
  the whole sample and re-numbered for each model's rows (a model can lose rows to missing values
  or to an undefined transformation such as log(0));
* the fixed-effect separation pass (all-zero groups and singletons, iterated): computed once for
  models whose outcome, rows and fixed effects coincide (for PPML this pass depends on nothing else).

* the solution path: a PPML model on the same rows, outcome, fixed effects, weights and offset as
  an earlier model of the call starts IRLS from that model's converged η and demeaning
  coefficients (:func:`gravity.estimation.irls.irls`, ``start=``) instead of log((y + ȳ)/2) and
  zeros. Nested columns (``csw``) then converge in a few iterations; the solution is the same to
  the convergence tolerance (tests: ≤ 1e-10 from the separate fit at ``tol=1e-12``).

What is not shared: the iterative-rectifier separation check depends on the slopes, and the IRLS
weights v_i μ_i differ between models, so each model still runs its own IRLS iterations
(benchmarks/results/multi.md measures the gain).

``split=col`` estimates every model on each sub-sample ``col == value`` (values in sorted order;
rows with a missing ``col`` belong to no sub-sample); ``fsplit=col`` estimates the full sample first.
Each sub-sample result's ``sample`` covers the rows of its sub-sample.

References
----------
Bergé, L. (2018). Efficient estimation of maximum likelihood models with multiple fixed-effects:
the R package FENmlm. CREA Discussion Papers 13 (fixest; multiple estimation).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

import numpy as np
import pandas as pd

from gravity.estimation.errors import EstimationError
from gravity.estimation.formula import DesignCache, FormulaError, Spec, check_flat_columns

__all__ = ["FitList", "only_fit", "run_multi"]

R = TypeVar("R")


def only_fit(res: R | FitList) -> R:
    """The one result of a call that asks for one model: ``gv.ppml(f, d)`` with a plain formula and no
    split returns it as is (a ``FitList`` of one is unwrapped).

    Raises
    ------
    EstimationError
        The call asked for several models (``sw``/``csw``, ``split``), naming them.
    """
    if isinstance(res, FitList):
        if len(res) != 1:
            raise EstimationError(
                f"one model expected, got {len(res)}: {res.labels}; call once per model or take fits[j]"
            )
        return res[0]
    return res


class FitList(list):
    """Results of a multiple estimation: a list of fitted results with their labels.

    ``fits[j]`` is the j-th model; ``fits.labels[j]`` its formula (and sub-sample, as
    ``"... [region = EU]"``). ``gravity.report.tables.regtable(fits)`` (``gv.regtable``) puts the
    columns side by side; :attr:`params` and :attr:`bse` give them as DataFrames (one column per
    model); :meth:`vcov` switches every model's covariance.
    """

    def __init__(self, results=(), labels=None):
        super().__init__(results)
        self.labels = (
            list(labels) if labels is not None else [getattr(r, "formula", str(j)) for j, r in enumerate(self)]
        )
        if len(self.labels) != len(self):
            raise EstimationError(f"{len(self.labels)} labels for {len(self)} results")

    def _frame(self, attr: str) -> pd.DataFrame:
        cols = {lab: getattr(r, attr) for lab, r in zip(self.labels, self)}
        return pd.DataFrame(cols)

    @property
    def params(self) -> pd.DataFrame:
        """Coefficients, one column per model (NaN where a model lacks the term)."""
        return self._frame("params")

    @property
    def bse(self) -> pd.DataFrame:
        """Standard errors, one column per model."""
        return self._frame("bse")

    @property
    def nobs(self) -> list[int]:
        """Observations used by each model."""
        return [r.nobs for r in self]

    def vcov(self, vcov, *, ssc=None) -> FitList:
        """Every model with another covariance (:meth:`gravity.estimation.results.EstimationResults.vcov`)."""
        return FitList([r.vcov(vcov, ssc=ssc) for r in self], self.labels)

    def items(self):
        """(label, result) pairs."""
        return zip(self.labels, self)

    def __repr__(self) -> str:
        head = f"FitList of {len(self)} model(s)"
        return head + "\n" + "\n".join(f"  ({j + 1}) {lab}" for j, lab in enumerate(self.labels))


def _samples(
    data: pd.DataFrame, split: str | None, fsplit: str | None, missing: str = "raise"
) -> list[tuple[str, pd.DataFrame]]:
    if split is not None and fsplit is not None:
        raise FormulaError("give split= or fsplit=, not both (fsplit = full sample + split)")
    col = split if split is not None else fsplit
    if col is None:
        return [("", data)]
    if not isinstance(col, str) or col not in data.columns:
        raise FormulaError(f"split column {col!r} is not in data; available columns: {list(data.columns)[:30]}")
    s = data[col]
    nan = s.isna().to_numpy()
    if nan.any() and missing == "raise":
        labels = list(data.index[np.flatnonzero(nan)[:5]])
        raise FormulaError(
            f"split column {col!r} is missing (NaN) in {int(nan.sum())} row(s), e.g. index labels "
            f"{labels}: they would belong to no sub-sample. Fix: fill them, or pass missing='drop' to "
            "leave them out of the sub-samples"
        )
    values = pd.unique(s.dropna())
    try:
        values = sorted(values)
    except TypeError:
        values = sorted(values, key=str)
    if not len(values):
        raise FormulaError(f"split column {col!r} has no non-missing value")
    out = [("", data)] if fsplit is not None else []
    for val in values:
        out.append((f" [{col} = {val}]", data[(s == val).to_numpy()]))
    return out


def check_columns(specs: list[Spec], data: pd.DataFrame, extra=()) -> None:
    """Every column that any model of ``specs`` reads must be in ``data``: checked before the first fit,
    so that ``csw(x1, x2, x3)`` with no ``x3`` fails before two models are estimated.

    Raises
    ------
    FormulaError
        Naming the absent columns, the first model that reads them and the available columns.
    """
    if not isinstance(data, pd.DataFrame):
        return
    check_flat_columns(data)
    have = set(data.columns)
    for spec in specs:
        absent = [c for c in dict.fromkeys([*spec.columns, *extra]) if c not in have]
        if absent:
            raise FormulaError(
                f"column(s) {absent} used by model {spec.formula!r} are not in data (checked before "
                f"fitting any of the {len(specs)} models); available columns: {list(data.columns)[:30]}"
            )


def run_multi(
    fit_one: Callable[[Spec, pd.DataFrame, DesignCache], object],
    specs: list[Spec],
    data: pd.DataFrame,
    *,
    split: str | None = None,
    fsplit: str | None = None,
    missing: str = "raise",
    extra_columns=(),
) -> FitList:
    """Fit every model of ``specs`` on every sample (module docstring).

    Parameters
    ----------
    fit_one : callable
        ``fit_one(spec, data, cache)`` → a fitted result (the estimator's single-model body).
    specs : list of Spec
        From :func:`gravity.estimation.formula.expand_formula`.
    data : pandas.DataFrame
    split, fsplit : str, optional
        Sub-sample column (``fsplit`` adds the full sample first).
    missing : {"raise", "drop"}
        A row with no value in the split column raises (naming the rows), or is left out.
    extra_columns : iterable of str
        Other columns every model reads (clusters, weights, offset), checked with the formulas' columns.

    Returns
    -------
    FitList

    Raises
    ------
    EstimationError
        Both ``split`` and ``fsplit``, or an unknown split column; errors of a model name its formula.
    """
    check_columns(specs, data, extra_columns)
    fits, labels = [], []
    for suffix, d in _samples(data, split, fsplit, missing):
        cache = DesignCache(d)
        for spec in specs:
            try:
                fits.append(fit_one(spec, d, cache))
            except ValueError as exc:
                if len(specs) == 1 and not suffix:
                    raise
                raise type(exc)(f"model {spec.formula!r}{suffix}: {exc}") from exc
            labels.append(spec.formula + suffix)
    return FitList(fits, labels)
