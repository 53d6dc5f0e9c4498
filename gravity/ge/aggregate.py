"""Group aggregates of per-country GE effects (a region, a bloc, the world).

A group's % change is that of the sum of its members' levels, e.g. a bloc's exports or real GDP:
the members' baseline levels L_i, moved by their own % changes e_i, summed and compared with the
baseline sum. Applied to every draw, the same function gives the group's confidence interval from
the draws that gave the countries' intervals.
"""

from __future__ import annotations

import numpy as np

from gravity.ge.errors import GEInputError

__all__ = ["aggregate_levels"]


def aggregate_levels(effects: np.ndarray, levels: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """% change of a group's total level from its members' % changes.

    For the group G = {i : mask_i}::

        e_G = 100 · ( Σ_{i∈G} L_i (1 + e_i / 100) / Σ_{i∈G} L_i − 1 )  =  Σ_{i∈G} L_i e_i / Σ_{i∈G} L_i,

    the level-weighted mean of the members' effects (computed in the first form). With L_i the
    baseline exports (or imports) this is the % change of the group's total exports; with L_i = Y_i
    (baseline output) and e_i the real-GDP change it is the change of the group's real GDP measured
    at baseline weights.

    Parameters
    ----------
    effects : (..., N) array
        % changes per country in the last axis (e.g. one row of ``GEResult.countries`` or the
        (D, N) draws of one effect from ``GEUncertainty.draws[:, k, :]``).
    levels : (N,) array
        Baseline levels L_i (weights).
    mask : (N,) bool array
        Members of the group.

    Returns
    -------
    ndarray
        Shape ``effects.shape[:-1]`` (a 0-d array for a single vector of effects).

    Raises
    ------
    GEInputError
        Shapes that do not match, a mask that is not boolean, or an empty group or one whose
        levels sum to 0.

    References
    ----------
    Yotov, Piermartini, Monteiro & Larch (2016), *An Advanced Guide to Trade Policy Analysis*, ch. 2
    (effects per country, aggregated to regions by trade or output weights).
    """
    effects = np.asarray(effects)
    levels = np.asarray(levels)
    mask = np.asarray(mask)
    n = levels.shape[0] if levels.ndim == 1 else -1
    if levels.ndim != 1 or mask.shape != (n,) or effects.shape[-1:] != (n,):
        raise GEInputError(
            f"aggregate_levels: levels and mask must be (N,) and effects (..., N) over the "
            f"same N countries; got effects {effects.shape}, levels {levels.shape}, "
            f"mask {mask.shape}"
        )
    if mask.dtype != bool:
        raise GEInputError(
            f"aggregate_levels: mask must be boolean (members of the group), got {mask.dtype}; "
            "build it with e.g. np.isin(countries, members)"
        )
    base = levels[mask].sum()
    if not base != 0:
        raise GEInputError(
            f"aggregate_levels: the group's baseline levels sum to {base} over "
            f"{int(mask.sum())} members; a group needs members with non-zero levels"
        )
    cf = (levels[mask] * (1 + effects[..., mask] / 100.0)).sum(axis=-1)
    return 100.0 * (cf / base - 1.0)
