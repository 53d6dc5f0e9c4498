"""One registry of regressor kinds: how a right-hand-side variable z_ij,t is built from panel columns.

In structural gravity (Yotov et al. 2016, eq. 1–2) X_ij,t = exp(π_i,t + χ_j,t + β'z_ij,t) ε_ij,t, and each
z_k,ij,t is a function of a few panel columns. A *kind* is one entry of :data:`KINDS`: its name, the
inputs it reads (an indicator's two sides ``<x>_o``/``<x>_d``, or named pair columns), the function
computing it from those arrays, and its equation. The panel builder (digital interactions, ``ln_dist``,
``both_<bloc>``), the model file's ``[regressors]`` (validated against :data:`KINDS`) and the scenarios
(which recompute every regressor from shocked inputs) all build through this module, so a new kind is
one :func:`register` call.

Kinds (x = a country-year indicator, o = exporter i, d = importer j, c = a pair column):

================  ==========  ================================================================
kind              inputs      z_ij
================  ==========  ================================================================
``weakest_link``  indicator   ln min(x_o, x_d)
``log_product``   indicator   ln x_o · ln x_d
``product``       indicator   x_o · x_d
``minimum``       indicator   min(x_o, x_d)
``gap``           indicator   |x_o − x_d|
``pair``          column      c
``log``           column      ln c
``any_of``        columns     max_k c_k (1 if any dummy is 1)
``all_of``        columns     min_k c_k (1 if every dummy is 1; int8 when the inputs are integer)
``log1p_exporter_times``      ln(1 + c_1) · c_2 ⋯ c_k with c_1 = x_o (e.g. ln(1 + internet_o) · INTL_ij ·
                  columns     landlocked_o): the exporter side only (see below)
``log_times``     columns     ln c_1 · c_2 ⋯ c_k (e.g. ln GDP per capita_o · INTL_ij)
``log_min_times`` columns     ln min(c_1, c_2) · c_3 ⋯ c_k (weakest link times INTL_ij)
================  ==========  ================================================================

The ``*_times`` kinds carry a country variable x_i,t into structural gravity with domestic flows as
ln(1 + x_i,t) · INTL_ij (Heid, Larch & Yotov 2021; Beverelli, Keck, Larch & Yotov 2023): several
factors (the border and a landlocked flag) in one regressor, which ``times`` (one column) cannot. With
exporter-year and importer-year effects only one side is identified: f(x_o)·INTL − f(x_d)·INTL equals
f(x_o) − f(x_d) on every row (x_o = x_d on domestic rows), which those effects absorb, so the exporter-side
coefficient is the sum of the exporter- and importer-side effects (``log1p_exporter_times``).

ln of a value ≤ 0 or missing is NaN (the row leaves the estimation); min, max and products propagate
NaN. Any kind may be multiplied by one interaction column (``times``) from :func:`interaction_columns`:
a country flag or indicator side, or the international-border dummy. A country-level variable enters
structural gravity only interacted with 1{i ≠ j}, identified against domestic flows (Heid, Larch &
Yotov 2021).

References
----------
Yotov, Y. V., Piermartini, R., Monteiro, J.-A. and Larch, M. (2016). *An Advanced Guide to Trade Policy
Analysis: The Structural Gravity Model*. WTO and UNCTAD, ch. 1–2.

Heid, B., Larch, M. and Yotov, Y. V. (2021). Estimating the effects of non-discriminatory trade policies
within structural gravity models. *Canadian Journal of Economics* 54(1), 376–409.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd

from gravity.data import countries as cc
from gravity.errors import GravityError

INPUTS = ("indicator", "column", "columns")
"""What a kind reads: an indicator's ``<x>_o, <x>_d``; one pair column; one or more pair columns."""


class RegressorError(GravityError, ValueError):
    """A regressor cannot be built: unknown kind, wrong inputs, or columns the panel lacks."""


@dataclass(frozen=True)
class Kind:
    """One regressor kind: ``compute(*arrays)`` maps the input columns (in :meth:`inputs` order) to z.

    Attributes
    ----------
    name : str
        The name used in the model file (``kind = "weakest_link"``).
    reads : {"indicator", "column", "columns"}
        The inputs: an indicator's exporter and importer sides, one pair column, or several.
    compute : callable
        ``compute(*arrays) -> ndarray``: z_ij row by row, NaN where it is undefined.
    equation : str
        z_ij in the notation of Yotov et al. (2016), for documentation and error messages.
    """

    name: str
    reads: str
    compute: Callable[..., np.ndarray]
    equation: str

    def inputs(self, indicator: str | None = None, columns: Iterable[str] = ()) -> tuple[str, ...]:
        """Panel columns the kind reads.

        Parameters
        ----------
        indicator : str, optional
            The indicator name x of an ``indicator`` kind (read as ``<x>_o``, ``<x>_d``).
        columns : iterable of str
            The pair columns of a ``column``/``columns`` kind.

        Returns
        -------
        tuple of str
        """
        if self.reads == "indicator":
            return (f"{indicator}_o", f"{indicator}_d")
        return tuple(columns)


KINDS: dict[str, Kind] = {}
"""The registry: kind name → :class:`Kind`. Add a kind with :func:`register`."""


def register(kind: Kind) -> Kind:
    """Add ``kind`` to :data:`KINDS`; the panel, the model file and the scenarios can then use it.

    Parameters
    ----------
    kind : Kind

    Returns
    -------
    Kind
        ``kind`` itself.

    Raises
    ------
    RegressorError
        If the name is taken or ``kind.reads`` is not one of :data:`INPUTS`.
    """
    if kind.name in KINDS:
        raise RegressorError(f"regressor kind {kind.name!r} is already registered; choose another name")
    if kind.reads not in INPUTS:
        raise RegressorError(f"kind {kind.name!r} reads {kind.reads!r}; use one of {INPUTS}")
    KINDS[kind.name] = kind
    return kind


def log_positive(x: np.ndarray) -> np.ndarray:
    """ln x, NaN where x ≤ 0 or missing (such a row is left out of the estimation).

    Parameters
    ----------
    x : array_like of float

    Returns
    -------
    ndarray of float64
    """
    v = np.asarray(x, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        out = np.log(v)
    out[~(v > 0)] = np.nan
    return out


def _all_of(*cols: np.ndarray) -> np.ndarray:
    out = np.minimum.reduce(cols)
    return out if out.dtype.kind == "f" else out.astype("int8")


def _times(z: np.ndarray, factors) -> np.ndarray:
    """z · w_1 ⋯ w_k row by row (the factors in the order given; NaN propagates)."""
    out = np.asarray(z, dtype=float)
    for w in factors:
        out = out * np.asarray(w, dtype=float)
    return out


def _gap(o: np.ndarray, d: np.ndarray) -> np.ndarray:
    gap = np.subtract(o, d)
    return np.abs(gap, out=gap)


for _k in (
    Kind("weakest_link", "indicator", lambda o, d: log_positive(np.minimum(o, d)), "ln min(x_o, x_d)"),
    Kind("log_product", "indicator", lambda o, d: log_positive(o) * log_positive(d), "ln x_o · ln x_d"),
    Kind("product", "indicator", lambda o, d: o * d, "x_o · x_d"),
    Kind("minimum", "indicator", np.minimum, "min(x_o, x_d)"),
    Kind("gap", "indicator", _gap, "|x_o − x_d|"),
    Kind("pair", "column", lambda c: c, "c"),
    Kind("log", "column", log_positive, "ln c"),
    Kind("any_of", "columns", lambda *c: np.column_stack(c).max(axis=1), "max_k c_k"),
    Kind("all_of", "columns", _all_of, "min_k c_k"),
    Kind(
        "log1p_exporter_times",
        "columns",
        lambda xo, *w: _times(np.log1p(np.where(xo >= 0, xo, np.nan)), w),
        "ln(1 + c_1) · c_2 ⋯ c_k",
    ),
    Kind("log_times", "columns", lambda x, *w: _times(log_positive(x), w), "ln c_1 · c_2 ⋯ c_k"),
    Kind(
        "log_min_times",
        "columns",
        lambda a, b, *w: _times(log_positive(np.minimum(a, b)), w),
        "ln min(c_1, c_2) · c_3 ⋯ c_k",
    ),
):
    register(_k)

DIGITAL_FEATURES: dict[str, str] = {"prod": "product", "min": "minimum", "gap": "gap", "ln_min": "weakest_link"}
"""Panel column prefix → kind, for the digital interactions ``<prefix>_<x>`` the panel builds per indicator."""

BORDER = "intl_border"
COUNTRY_FLAGS = ("landlocked_o", "landlocked_d", "both_landlocked")


def interaction_columns(indicators: Iterable[str] = (), blocs: Iterable[str] = cc.BLOCS) -> tuple[str, ...]:
    """Columns a regressor may be multiplied by (``times``): numeric or 0/1 panel columns.

    z_ij · w_ij with w the international-border dummy 1{i ≠ j}, a landlocked flag, a bloc dummy
    ``both_<bloc>`` or an indicator side ``<x>_o``/``<x>_d``. A country-level x_i enters structural
    gravity only as x_i · 1{i ≠ j} (identified against domestic flows; Heid, Larch & Yotov 2021).

    Parameters
    ----------
    indicators : iterable of str
        Indicator names whose sides ``<x>_o``, ``<x>_d`` may be used.
    blocs : iterable of str
        Blocs with a ``both_<bloc>`` dummy in the panel (default: every bloc of :mod:`gravity.data.countries`).

    Returns
    -------
    tuple of str

    References
    ----------
    Heid, B., Larch, M. and Yotov, Y. V. (2021). *Canadian Journal of Economics* 54(1), 376–409.
    """
    sides = [f"{x}_{s}" for x in indicators for s in ("o", "d")]
    return (BORDER, *COUNTRY_FLAGS, *(f"both_{b.lower()}" for b in blocs), *sides)


@dataclass(frozen=True)
class Regressor:
    """How one right-hand-side variable z_ij is built from panel columns: a :data:`KINDS` entry applied
    to an ``indicator`` or to ``columns``, optionally ``times`` one interaction column."""

    name: str
    kind: str
    indicator: str | None = None
    columns: tuple[str, ...] = ()
    times: str | None = None

    @property
    def inputs(self) -> tuple[str, ...]:
        """Panel columns this regressor depends on (indicators as ``<name>_o``/``<name>_d``)."""
        return KINDS[self.kind].inputs(self.indicator, self.columns) + ((self.times,) if self.times else ())


def compute(kind: str, *arrays: np.ndarray, times: np.ndarray | None = None) -> np.ndarray:
    """z = f_kind(arrays) (· w when ``times`` is given), row by row.

    Parameters
    ----------
    kind : str
        A key of :data:`KINDS`.
    *arrays : ndarray
        The input columns in the kind's order (x_o, x_d for an indicator kind).
    times : ndarray, optional
        The interaction column w.

    Returns
    -------
    ndarray

    Raises
    ------
    RegressorError
        If ``kind`` is not registered.
    """
    if kind not in KINDS:
        raise RegressorError(
            f"unknown regressor kind {kind!r}; use one of {', '.join(KINDS)} "
            f"or add it with gravity.panel.features.register"
        )
    v = KINDS[kind].compute(*arrays)
    return v if times is None else v * times


def build_regressor(frame: pd.DataFrame, r: Regressor) -> np.ndarray:
    """The values of regressor ``r`` for every row of ``frame``.

    z_ij = f_kind(inputs_ij) · w_ij, with w the ``times`` column (1 without it); NaN where an input is
    missing or a logarithm's argument ≤ 0.

    Parameters
    ----------
    frame : DataFrame
        Rows with the columns of ``r.inputs``.
    r : Regressor

    Returns
    -------
    ndarray of float64

    Raises
    ------
    RegressorError
        If ``frame`` lacks an input column.
    """
    missing = [c for c in r.inputs if c not in frame.columns]
    if missing:
        raise RegressorError(
            f"regressor {r.name!r} needs column(s) {missing} that the panel does not have; "
            f"fix the panel or the [regressors] entry"
        )
    args = [frame[c].to_numpy(float) for c in KINDS[r.kind].inputs(r.indicator, r.columns)]
    return compute(r.kind, *args, times=frame[r.times].to_numpy(float) if r.times else None)


def build_regressors(frame: pd.DataFrame, regressors: Mapping[str, Regressor], names: Iterable[str]) -> pd.DataFrame:
    """The regressors ``names`` (looked up in ``regressors``) as columns on ``frame``'s index.

    Parameters
    ----------
    frame : DataFrame
    regressors : mapping of str to Regressor
    names : iterable of str

    Returns
    -------
    DataFrame
        One float column per name, in the order of ``names``.

    Raises
    ------
    RegressorError
        If an input column is missing (see :func:`build_regressor`).
    """
    return pd.DataFrame({n: build_regressor(frame, regressors[n]) for n in names}, index=frame.index)
