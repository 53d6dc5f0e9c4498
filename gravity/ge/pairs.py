"""Pair values (exporter, importer) as matrices in a baseline's country order.

Shared by :mod:`gravity.ge.baseline` and :mod:`gravity.ge.solver` (which must not import each other
both ways): every GE input keyed by pair goes through :func:`align_pairs`, so an unknown code, a
duplicated or missing pair is reported the same way everywhere.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from gravity.ge.errors import GEInputError

__all__ = ["align_pairs"]


def _fmt_rows(frame: pd.DataFrame, limit: int = 8) -> str:
    txt = frame.head(limit).to_string(index=False)
    more = f"\n... and {len(frame) - limit} more" if len(frame) > limit else ""
    return txt + more


def align_pairs(
    values,
    countries: np.ndarray,
    *,
    name: str,
    exporter: str = "exporter",
    importer: str = "importer",
    column: str | None = None,
    fill: float | None = None,
    data: pd.DataFrame | None = None,
) -> np.ndarray:
    """Arrange pair values as an (N, N) matrix M_ij in the order of ``countries`` (exporters in rows).

    Parameters
    ----------
    values : ndarray, Series, DataFrame or str
        An (N, N) array already in ``countries`` order; a Series indexed by (exporter, importer); a
        DataFrame with exporter and importer columns and one value column (or ``column``); or the
        name of a column of ``data``.
    countries : ndarray
        The N country codes, in matrix order.
    name : str
        What the values are, for error messages.
    exporter, importer : str
        Names of the exporter and importer columns / index levels.
    column : str, optional
        The value column of a DataFrame with more than one non-key column.
    fill : float, optional
        Value of pairs a Series/DataFrame does not list; None makes a missing pair an error.
    data : DataFrame, optional
        The table ``values`` names a column of, when ``values`` is a str.

    Returns
    -------
    ndarray
        (N, N) float matrix, a copy.

    Raises
    ------
    GEInputError
        Unknown column, country codes not in ``countries`` (named), duplicated pairs, missing pairs
        when ``fill`` is None (listed), or an array of the wrong shape.
    """
    n = len(countries)
    if isinstance(values, str):
        if data is None or values not in data.columns:
            raise GEInputError(
                f"{name}: column {values!r} not found; pass a column of the trade table, "
                "an (N, N) array or a Series indexed by (exporter, importer)"
            )
        values = data[[exporter, importer, values]].rename(columns={values: "__v"})
        column = "__v"
    if isinstance(values, pd.DataFrame):
        if column is None:
            cols = [c for c in values.columns if c not in (exporter, importer)]
            if len(cols) != 1:
                raise GEInputError(
                    f"{name}: DataFrame needs columns {exporter!r}, {importer!r} and one "
                    f"value column (got {list(values.columns)}); or pass column="
                )
            column = cols[0]
        for c in (exporter, importer, column):
            if c not in values.columns:
                raise GEInputError(f"{name}: column {c!r} missing (have {list(values.columns)})")
        values = values.set_index([exporter, importer])[column]
    if isinstance(values, pd.Series):
        if values.index.nlevels != 2:
            raise GEInputError(f"{name}: a Series must be indexed by (exporter, importer)")
        ex = values.index.get_level_values(0).astype(str)
        im = values.index.get_level_values(1).astype(str)
        pos = {c: k for k, c in enumerate(countries)}
        unknown = sorted(set(ex[~ex.isin(countries)]) | set(im[~im.isin(countries)]))
        if unknown:
            raise GEInputError(
                f"{name}: unknown countries {unknown} (not in the baseline's "
                f"{n} countries); fix the codes or add them to the trade table"
            )
        if values.index.duplicated().any():
            dup = values.index[values.index.duplicated()].unique()[:8].tolist()
            raise GEInputError(f"{name}: duplicated (exporter, importer) pairs {dup}; keep one row per pair")
        out = np.full((n, n), np.nan if fill is None else float(fill))
        out[[pos[c] for c in ex], [pos[c] for c in im]] = values.to_numpy(dtype=float)
        if fill is None and np.isnan(out).any():
            i, j = np.nonzero(np.isnan(out))
            miss = pd.DataFrame({exporter: countries[i], importer: countries[j]})
            raise GEInputError(f"{name}: {len(miss)} pairs missing or NaN; supply every pair:\n" + _fmt_rows(miss))
        return out
    arr = np.asarray(values, dtype=float)
    if arr.shape != (n, n):
        raise GEInputError(
            f"{name}: expected an ({n}, {n}) matrix in the baseline's country order "
            f"(exporters in rows), got shape {arr.shape}"
        )
    return arr.copy()
