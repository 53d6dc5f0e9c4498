"""Units that never change an answer: powers of two that bring extreme columns to order one.

PPML's slopes do not depend on the units of the outcome (y → c·y moves only the constant: fitting y/c with
the offset o − ln c gives the same β̂ and fixed effects), of a regressor (x → c·x gives β̂/c) or of the
weights (v → c·v leaves β̂ and the sandwich V̂ unchanged). In floating point they do: squares of 1e-300 or
1e300 under- or overflow (standard errors of 0 or inf), subnormal outcomes lose digits, and a column of
1e300 makes X'WX infinite (dropped as "collinear"). The estimators therefore divide such a column by a
power of two near its largest magnitude before the work and undo it after: dividing by 2^k changes no digit,
and columns already within 2^±64 are left exactly as they are (so ordinary data give bit-identical results).
"""

from __future__ import annotations

import numpy as np

__all__ = ["SAFE_EXPONENT", "pow2_scale", "column_scales"]

SAFE_EXPONENT = 64
"""Largest |log2| of a column's largest magnitude that is left as it is (2^64 ≈ 1.8e19)."""


def _pow2(m: np.ndarray) -> np.ndarray:
    with np.errstate(divide="ignore", invalid="ignore"):
        e = np.round(np.log2(m))
    ok = np.isfinite(e) & (m > 0) & (np.abs(e) > SAFE_EXPONENT)
    return np.where(ok, np.exp2(np.where(ok, e, 0.0)), 1.0)


def pow2_scale(a) -> float:
    """2^k nearest the largest |a_i| when that lies outside 2^±:data:`SAFE_EXPONENT`, else 1.

    Parameters
    ----------
    a : array_like

    Returns
    -------
    float
        The unit to divide ``a`` by (1.0 for data of ordinary magnitude, zeros or an empty array).
    """
    a = np.asarray(a, dtype=float)
    if a.size == 0:
        return 1.0
    m = np.max(np.abs(np.where(np.isfinite(a), a, 0.0)))
    return float(_pow2(np.asarray(m)))


def column_scales(X) -> np.ndarray:
    """:func:`pow2_scale` of every column of the 2-D array ``X`` (ones for ordinary columns)."""
    X = np.asarray(X, dtype=float)
    if X.size == 0:
        return np.ones(X.shape[1] if X.ndim == 2 else 0)
    m = np.max(np.abs(np.where(np.isfinite(X), X, 0.0)), axis=0)
    return _pow2(m)
