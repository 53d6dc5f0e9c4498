"""What every GE result answers by the same names: one results base, one interval base, one percentile rule.

A user who learned :func:`gravity.ge.solve` reads a multi-sector result (:func:`gravity.ge.solve_multisector`)
the same way:

* ``res.countries`` — % changes, one row per country (index ``country``); the quantities both models have
  carry the same column names (:data:`SHARED_EFFECTS`), the rest are the model's own (``omr_*`` and the
  conditional ``*_cdl`` columns of the one-sector model; welfare and its decomposition in the
  multi-sector one). ``res.countries.attrs`` states ``numeraire``, ``deficits`` and ``units``;
* ``res.deficits`` (a word of :data:`gravity.ge.options.DEFICIT_RULES`), ``res.numeraire``,
  ``res.converged``, ``res.iterations`` (per stage), ``res.baseline`` (with ``.countries`` and ``.n``);
* draws (:func:`gravity.ge.confidence_intervals`, :func:`gravity.ge.pooled_intervals`,
  :func:`gravity.ge.theta_draws`) return a :class:`GEIntervals`: ``point``, ``lower``, ``upper`` (frames
  shaped like ``countries``), ``countries`` (effect, point|lower|upper), ``table(effect)``, ``draws``,
  ``n_draws``, ``n_failed``, ``failures`` (draw, stage, reason), ``level`` and ``method``.

The interval is the percentile interval over the successful draws (:func:`percentile_interval`)::

    lower, upper = the (1 − level)/2 and (1 + level)/2 percentiles of {e_d : draw d succeeded}

References
----------
Anderson, J. E., Larch, M. & Yotov, Y. V. (2018). GEPPML: General equilibrium analysis with PPML.
*The World Economy* 41(10).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from gravity.ge.errors import GEInputError

__all__ = ["SHARED_EFFECTS", "GEIntervals", "GEResultBase", "percentile_interval"]

SHARED_EFFECTS = {
    "exports_full": "international exports (Σ_{j≠i} X_ij), nominal % change against the numeraire",
    "imports_full": "international imports (Σ_{i≠j} X_ij), nominal % change against the numeraire",
    "output_full": "output Y_i = value added (one sector: p̂_i; many sectors: ŵ_n, labour income), nominal % change",
    "price_full": "factory-gate price of the endowment (one sector: p̂_i; many sectors: the wage ŵ_n), % change",
    "imr_full": "consumer price index P_j (one sector: IMR^{1/(1−σ)}; many sectors: Π_j (P̂_n^j)^{α_n^j}), % change",
    "real_gdp_full": "real GDP Y_i / P_i (one sector: p̂_i / P̂_i; many sectors: the real wage ŵ_n / P̂_n), % change",
    "real_exports_full": "international exports deflated by the exporter's own consumer price index, % change",
}
"""The full-GE quantities both models report, under the one-sector names (``_full``: every price adjusts)."""


def percentile_interval(draws: np.ndarray, level: float) -> tuple[np.ndarray, np.ndarray]:
    """The percentile interval over the draws (axis 0) that have no NaN.

    Parameters
    ----------
    draws : (D, ...) array
        One slice per draw; a draw with any NaN (a failed draw) is left out.
    level : float
        Coverage, in (0, 1).

    Returns
    -------
    lower, upper : arrays of shape ``draws.shape[1:]``
        The (1 − level)/2 and (1 + level)/2 percentiles (numpy's linear interpolation); NaN when no draw
        succeeded.

    Raises
    ------
    GEInputError
        A level outside (0, 1) or no draw axis.
    """
    draws = np.asarray(draws, dtype=float)
    if not 0 < level < 1:
        raise GEInputError(f"level must be in (0, 1), got {level}")
    if draws.ndim < 1:
        raise GEInputError("draws must have a draw axis (axis 0)")
    ok = ~np.isnan(draws).any(axis=tuple(range(1, draws.ndim)))
    if not ok.any():
        nan = np.full(draws.shape[1:], np.nan)
        return nan, nan.copy()
    a = (1.0 - level) / 2.0 * 100.0
    lo, hi = np.percentile(draws[ok], [a, 100.0 - a], axis=0)
    return lo, hi


class GEResultBase:
    """The names every GE result answers by (module docstring).

    Attributes
    ----------
    baseline : object
        The baseline solved against (``.countries``, ``.n``).
    countries : DataFrame
        % changes by country; :data:`SHARED_EFFECTS` under the same names in every model.
    deficits : str
        The deficit rule (:data:`gravity.ge.options.DEFICIT_RULES`).
    numeraire : str
        ``"reference"`` or ``"world_output"``.
    iterations : dict of str to int
        Iterations (or residual evaluations) per stage.
    converged : bool
        Always True for a returned result (a solve that does not converge raises
        :class:`gravity.ge.errors.GEConvergenceError`); there so that code reading ``fit.converged`` of an
        estimate reads a GE result the same way.
    """

    baseline: Any
    countries: pd.DataFrame
    deficits: str
    numeraire: str
    iterations: dict
    converged: bool = True

    def effect(self, name: str) -> pd.Series:
        """One column of :attr:`countries` by name.

        Raises
        ------
        GEInputError
            A name that is not a column, listing the columns.
        """
        if name not in self.countries.columns:
            raise GEInputError(f"unknown effect {name!r}; this result has {list(self.countries.columns)}")
        return self.countries[name]


class GEIntervals:
    """Percentile intervals of GE effects over draws (module docstring), shared by every draws function.

    Parameters
    ----------
    point : DataFrame
        The effects at the point estimate (index: countries; columns: ``effects``).
    draws : (D, K, N) array
        Effect k of country n in draw d; NaN rows for failed draws.
    effects : sequence of str
        The K effect names, in the order of axis 1.
    failures : DataFrame
        Columns ``draw, stage, reason`` (more allowed).
    level : float
        Coverage, in (0, 1).
    method : str
        What was drawn (``"parametric"``, ``"pair bootstrap"``, ``"theta"``).

    Attributes
    ----------
    point, lower, upper : DataFrame
        Shaped like ``point``.
    n_draws, n_failed : int
    """

    def __init__(
        self,
        point: pd.DataFrame,
        draws: np.ndarray,
        effects: Sequence[str],
        failures: pd.DataFrame,
        level: float,
        method: str,
    ):
        self.effects = list(effects)
        self.point = point
        self.draws = draws  # (D, K, N), NaN rows for failed draws
        self.failures = failures
        self.level = level
        self.method = method
        ok = ~np.isnan(draws).any(axis=(1, 2))
        self.n_draws = int(len(draws))
        self.n_failed = int((~ok).sum())
        lo, hi = percentile_interval(draws, level)
        self.lower = pd.DataFrame(lo.T, index=point.index, columns=self.effects)
        self.upper = pd.DataFrame(hi.T, index=point.index, columns=self.effects)

    @property
    def countries(self) -> pd.DataFrame:
        """Point, lower, upper of every effect: columns (effect, point|lower|upper), one row per country."""
        parts = {"point": self.point[self.effects], "lower": self.lower, "upper": self.upper}
        out = pd.concat(parts, axis=1).swaplevel(axis=1)
        out = out[[(e, s) for e in self.effects for s in ("point", "lower", "upper")]]
        out.attrs = dict(self.point.attrs)  # numeraire, reference, deficit rule, units
        return out

    def table(self, effect: str) -> pd.DataFrame:
        """Point, lower and upper of one effect, one row per country.

        Raises
        ------
        GEInputError
            An effect that was not drawn.
        """
        if effect not in self.effects:
            raise GEInputError(f"unknown effect {effect!r}; drawn: {self.effects}")
        return pd.DataFrame({"point": self.point[effect], "lower": self.lower[effect], "upper": self.upper[effect]})

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.method}, {self.n_draws} draws, {self.n_failed} failed, level={self.level})"
