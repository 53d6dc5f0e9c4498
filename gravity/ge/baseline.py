"""The baseline of a structural-gravity GE counterfactual.

Notation (Yotov, Piermartini, Monteiro & Larch 2016, ch. 2, in the form their Stata code uses):

    X_ij = Y_i E_j t_ij / (OMR_i IMR_j),       t_ij ≡ t_ij^{1-σ} (the "trade cost" term),
    OMR_i = Σ_j t_ij E_j / IMR_j   (= Π_i^{1-σ}),   IMR_j = Σ_i t_ij Y_i / OMR_i   (= P_j^{1-σ}),

with Y_i = Σ_j X_ij (output, domestic sales included) and E_j = Σ_i X_ij (expenditure). The two
resistances are identified only up to a common factor (OMR·c, IMR/c); we pin it, as the book does,
with ``IMR_ref = 1`` for a stated reference country (the book uses Germany): the reference
country's consumer price index is the unit of account, P_ref = 1.

Trade imbalances: a country's expenditure is a fixed multiple of its output, E_j = φ_j Y_j with
φ_j = E_j / Y_j from the data (the book's ``phi``); a full-endowment counterfactual keeps φ_j.

Costs: ``costs`` are the levels of t_ij^{1-σ} (e.g. ``exp(β·x_ij)`` from a PPML fit). The baseline
flows used by every counterfactual are the *structural* flows X̂_ij implied by (Y, E, t) — exactly the
PPML fitted values the book starts from. With ``costs=None`` the costs are calibrated to the data
(t_ij = X_ij / (Y_i E_j)), so the structural baseline reproduces the observed flows (the ge_gravity
convention).

References
----------
Anderson, J. E. & van Wincoop, E. (2003). Gravity with gravitas. *American Economic Review* 93(1).
Yotov, Y. V., Piermartini, R., Monteiro, J.-A. & Larch, M. (2016). *An Advanced Guide to Trade
Policy Analysis: The Structural Gravity Model*, ch. 2. WTO/UNCTAD.
Baier, S. L., Yotov, Y. V. & Zylkin, T. (2019). On the widely differing effects of free trade
agreements. *Journal of International Economics* 116.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from gravity.ge.errors import GEConvergenceError, GEInputError
from gravity.ge.pairs import _fmt_rows, align_pairs
from gravity.ge.solver import _unit, check_options, solve_resistances

log = logging.getLogger("gravity.ge")

__all__ = ["Baseline", "trade_costs", "align_pairs", "GEInputError"]


def trade_costs(
    data: pd.DataFrame,
    coefficients: Mapping[str, float] | pd.Series,
    *,
    exporter: str = "exporter",
    importer: str = "importer",
) -> pd.Series:
    """t_ij^{1-σ} = exp(Σ_k β_k x_ijk) as a Series indexed by (exporter, importer).

    ``coefficients`` maps column names of ``data`` to coefficients (e.g. ``fit.params`` restricted to
    the cost variables). Use it twice — on the baseline and on the counterfactual covariates — to get
    baseline costs and the counterfactual costs.
    """
    from gravity.scenario.shocks import cost_factor  # the one exp(Σβx); local keeps `import gravity.ge` light

    coefs = pd.Series(coefficients, dtype=float)
    missing = [c for c in coefs.index if c not in data.columns]
    if missing:
        raise GEInputError(f"trade_costs: covariates {missing} are not columns of the data (have {list(data.columns)})")
    bad = coefs[~np.isfinite(coefs.to_numpy())]
    if len(bad):
        raise GEInputError(
            f"trade_costs: coefficients {dict(bad)} are not finite numbers, so every cost would be "
            "NaN. Fix: pass the estimated coefficients (a coefficient dropped as collinear has none: "
            "leave its covariate out)"
        )
    x = data[list(coefs.index)].apply(pd.to_numeric, errors="coerce")
    nan = x.isna().to_numpy() | ~np.isfinite(x.to_numpy(dtype=float))
    if nan.any():
        rows = nan.any(axis=1)
        cols = [c for c, m in zip(coefs.index, nan.any(axis=0)) if m]
        pairs = (data.loc[rows, exporter].astype(str) + "->" + data.loc[rows, importer].astype(str)).tolist()
        more = f" and {len(pairs) - 8} more" if len(pairs) > 8 else ""
        raise GEInputError(
            f"trade_costs: covariate(s) {cols} are missing, non-numeric or infinite for "
            f"{int(rows.sum())} of {len(rows)} pairs ({', '.join(pairs[:8])}{more}); their costs "
            "would be NaN, and a NaN counterfactual cost is not 'no change'. Fix: fill those values "
            "or drop the pairs"
        )
    cost = cost_factor(x, coefs)
    idx = pd.MultiIndex.from_arrays(
        [data[exporter].astype(str), data[importer].astype(str)], names=[exporter, importer]
    )
    return pd.Series(cost, index=idx, name="cost")


@dataclass
class Baseline:
    """Baseline equilibrium: countries, σ, Y, E, structural flows, multilateral resistances.

    X̂_ij = Y_i E_j t_ij / (OMR_i IMR_j) with OMR_i = Σ_j t_ij E_j / IMR_j, IMR_j = Σ_i t_ij Y_i / OMR_i
    and IMR_ref = 1 (module docstring). Build it with :meth:`from_trade`. Arrays are in the order of
    ``countries`` (sorted codes); matrices have exporters in rows.

    Attributes
    ----------
    countries : ndarray
        The N country codes.
    reference : str
        The country with IMR_ref = P_ref^{1-σ} = 1.
    sigma : float
        Elasticity of substitution σ.
    observed, costs, fitted : (N, N) arrays
        Observed X_ij, costs t_ij^{1-σ}, structural X̂_ij.
    Y, E, omr, imr : (N,) arrays
        Output, expenditure, OMR_i = Π_i^{1-σ}, IMR_j = P_j^{1-σ}.
    iterations : int
        Iterations of the resistance solve.
    calibrated : bool
        Costs calibrated to the data (t_ij = X_ij / (Y_i E_j)).

    References
    ----------
    Anderson & van Wincoop (2003); Yotov et al. (2016), ch. 2.
    """

    countries: np.ndarray
    reference: str
    sigma: float
    observed: np.ndarray  # observed X_ij
    costs: np.ndarray  # t_ij^{1-σ}
    Y: np.ndarray
    E: np.ndarray
    omr: np.ndarray  # OMR_i = Π_i^{1-σ}
    imr: np.ndarray  # IMR_j = P_j^{1-σ}, IMR_ref = 1
    fitted: np.ndarray  # X̂_ij = Y_i E_j t_ij / (OMR_i IMR_j)
    iterations: int = 0
    calibrated: bool = False
    meta: dict = field(default_factory=dict)

    @property
    def ref(self) -> int:
        """Index of :attr:`reference` in :attr:`countries`."""
        return int(np.flatnonzero(self.countries == self.reference)[0])

    @property
    def n(self) -> int:
        """Number of countries N."""
        return len(self.countries)

    @property
    def phi(self) -> np.ndarray:
        """E_j / Y_j, held fixed in the full-endowment counterfactual."""
        return self.E / self.Y

    def index_of(self, codes) -> np.ndarray:
        """Positions of ``codes`` in :attr:`countries`.

        Raises
        ------
        GEInputError
            A code that is not in the baseline (named).
        """
        pos = {c: k for k, c in enumerate(self.countries)}
        unknown = [c for c in codes if c not in pos]
        if unknown:
            raise GEInputError(f"unknown countries {unknown}; the baseline has {list(self.countries)}")
        return np.array([pos[c] for c in codes])

    def matrix(self, values, *, name: str = "values", fill: float | None = None) -> np.ndarray:
        """Pair values as an (N, N) matrix in this baseline's order (see :func:`align_pairs`)."""
        return align_pairs(values, self.countries, name=name, fill=fill)

    def with_costs(self, costs: np.ndarray, *, tol: float = 1e-13, max_iter: int = 100_000) -> Baseline:
        """Same Y, E, σ and reference with other baseline costs t_ij^{1-σ}.

        Re-solves OMR_i = Σ_j t_ij E_j / IMR_j, IMR_j = Σ_i t_ij Y_i / OMR_i (IMR_ref = 1) and sets
        X̂_ij = Y_i E_j t_ij / (OMR_i IMR_j).

        Parameters
        ----------
        costs : (N, N) array
            New t_ij^{1-σ} in this baseline's order.
        tol, max_iter : float, int
            Stop rule and iteration limit of the resistance solve.

        Returns
        -------
        Baseline

        Raises
        ------
        GEConvergenceError
            The resistances did not converge.

        References
        ----------
        Anderson & van Wincoop (2003); Yotov et al. (2016), ch. 2.
        """
        check_options(tol, max_iter)
        omr, imr, it = solve_resistances(costs, self.Y, self.E, self.ref, tol, max_iter)
        fitted = _fitted(self.Y, self.E, costs, omr, imr)
        return Baseline(
            self.countries,
            self.reference,
            self.sigma,
            self.observed,
            costs,
            self.Y,
            self.E,
            omr,
            imr,
            fitted,
            it,
            False,
            dict(self.meta),
        )

    @classmethod
    def from_trade(
        cls,
        data: pd.DataFrame,
        *,
        sigma: float,
        costs=None,
        reference: str,
        exporter: str = "exporter",
        importer: str = "importer",
        trade: str = "trade",
        tol: float = 1e-13,
        max_iter: int = 100_000,
    ) -> Baseline:
        """Baseline from a square table of flows including domestic flows X_ii.

        Y_i = Σ_j X_ij and E_j = Σ_i X_ij from the data; OMR, IMR solve the system of the module
        docstring with IMR_ref = 1; the structural flows are X̂_ij = Y_i E_j t_ij / (OMR_i IMR_j).

        Parameters
        ----------
        data : DataFrame
            One row per (exporter, importer) with the flow in ``trade``; every country must appear
            as exporter and importer, every pair once, domestic flows > 0, flows ≥ 0.
        sigma : float
            Elasticity of substitution σ > 1.
        costs : str, (N, N) array, Series or None
            t_ij^{1-σ}: a column name of ``data``, an (N, N) array in sorted-country order, a Series
            indexed by (exporter, importer) (e.g. :func:`trade_costs`), or None to calibrate the
            costs to the observed flows.
        reference : str
            The country whose inward resistance is normalised, IMR_ref = P_ref^{1-σ} = 1.
        exporter, importer, trade : str
            Column names.
        tol, max_iter : float, int
            Stop rule and iteration limit of the resistance solve.

        Returns
        -------
        Baseline

        Raises
        ------
        GEInputError
            Missing columns, σ ≤ 1, non-numeric/negative/duplicated flows, a table that is not
            square (missing pairs listed), zero domestic flows, an unknown reference, or bad costs.
        GEConvergenceError
            The baseline resistances did not converge.

        References
        ----------
        Anderson & van Wincoop (2003); Yotov et al. (2016), ch. 2; Baier, Yotov & Zylkin (2019).
        """
        for c in (exporter, importer, trade):
            if c not in data.columns:
                raise GEInputError(
                    f"trade table: column {c!r} missing (have {list(data.columns)}); "
                    "pass exporter=, importer=, trade= to name yours"
                )
        if not isinstance(reference, str):
            one = isinstance(reference, (list, tuple)) and len(reference) == 1
            raise GEInputError(
                f"reference must be one country code (a string), got {reference!r}. Fix: e.g. "
                "reference='DEU'" + (f" (reference={reference[0]!r})" if one else "")
            )
        check_options(tol, max_iter)
        sigma = _sigma(sigma)
        df = data[[exporter, importer, trade]].copy()
        df[exporter] = df[exporter].astype(str)
        df[importer] = df[importer].astype(str)
        x = pd.to_numeric(df[trade], errors="coerce")
        bad = df[x.isna() | ~np.isfinite(x.fillna(0.0))]
        if len(bad):
            raise GEInputError(
                f"trade table: column {trade!r} has {len(bad)} missing/non-numeric "
                f"values; fill them (0 for no trade) or drop the countries:\n" + _fmt_rows(bad)
            )
        neg = df[x < 0]
        if len(neg):
            raise GEInputError(
                f"trade table: column {trade!r} has {len(neg)} negative flows; flows must be ≥ 0:\n" + _fmt_rows(neg)
            )
        dup = df[df.duplicated([exporter, importer], keep=False)]
        if len(dup):
            raise GEInputError(
                f"trade table: {len(dup)} rows repeat an (exporter, importer) pair; "
                "keep one row per pair (aggregate or pick one year):\n" + _fmt_rows(dup)
            )
        exps, imps = set(df[exporter]), set(df[importer])
        if exps != imps:
            raise GEInputError(
                "trade table is not square: countries only as exporter "
                f"{sorted(exps - imps)}, only as importer {sorted(imps - exps)}; "
                "every country needs a row and a column (including X_ii)"
            )
        countries = np.array(sorted(exps))
        n = len(countries)
        if len(df) != n * n:
            full = pd.MultiIndex.from_product([countries, countries])
            have = pd.MultiIndex.from_arrays([df[exporter], df[importer]])
            miss = full.difference(have)
            miss_df = pd.DataFrame(list(miss), columns=[exporter, importer])
            raise GEInputError(
                f"trade table is not square: {len(miss)} of {n * n} (exporter, importer) "
                "pairs are missing; add them (with 0 for no trade; domestic flows must "
                "be positive):\n" + _fmt_rows(miss_df)
            )
        if reference not in set(countries):
            raise GEInputError(
                f"reference country {reference!r} is not in the trade table; pick one of {list(countries)[:10]}..."
            )
        X = align_pairs(df.set_index([exporter, importer])[trade].astype(float), countries, name="trade")
        dom = np.diag(X)
        if (dom <= 0).any():
            zero = countries[dom <= 0].tolist()
            raise GEInputError(
                f"domestic flows X_ii must be positive (the model needs each country's "
                f"sales to itself); zero or missing for {zero}: add domestic flows "
                "(output minus exports) or drop these countries"
            )
        Y, E = X.sum(axis=1), X.sum(axis=0)
        calibrated = costs is None
        if calibrated:
            # t_ij = X_ij / (Y_i E_j), computed on flows divided by a power of two (the same digits) so that
            # the product Y_i E_j of flows of 1e-300 or 1e300 cannot under- or overflow; when t itself is out of
            # range the calibrated costs are kept times that unit (costs are defined up to a common factor)
            u = _unit(Y)
            t_u = (X / u) / ((Y / u)[:, None] * (E / u)[None, :])
            with np.errstate(over="ignore", under="ignore"):
                t = t_u / u
            if not (np.isfinite(t).all() and ((t > 0) | (X == 0)).all()):
                t = t_u
        else:
            t = align_pairs(costs, countries, name="costs", data=data, exporter=exporter, importer=importer)
            if not np.isfinite(t).all() or (t < 0).any():
                i, j = np.nonzero(~np.isfinite(t) | (t < 0))
                bad = pd.DataFrame({exporter: countries[i], importer: countries[j], "cost": t[i, j]})
                raise GEInputError("costs t_ij^{1-σ} must be finite and ≥ 0:\n" + _fmt_rows(bad))
            if (np.diag(t) <= 0).any():
                raise GEInputError(
                    f"costs: domestic t_ii^{{1-σ}} must be > 0; zero for {countries[np.diag(t) <= 0].tolist()}"
                )
        ref = int(np.flatnonzero(countries == reference)[0])
        try:
            omr, imr, it = solve_resistances(t, Y, E, ref, tol, max_iter)
        except GEConvergenceError as exc:
            raise GEConvergenceError(f"baseline resistances: {exc}") from None
        fitted = _fitted(Y, E, t, omr, imr)
        if calibrated:
            fitted = X.copy()  # identical up to rounding; keep the data exactly
        log.info(
            "baseline: %d countries, reference %s, sigma %.3g, %s costs, %d iterations",
            n,
            reference,
            sigma,
            "calibrated" if calibrated else "given",
            it,
        )
        return cls(countries, reference, float(sigma), X, t, Y, E, omr, imr, fitted, it, calibrated)

    def summary(self) -> pd.DataFrame:
        """Per-country baseline: Y, E, exports/imports (structural, excluding domestic), Π, P.

        Returns
        -------
        DataFrame
            One row per country: output Y_i, expenditure E_j, Σ_{j≠i} X̂_ij, Σ_{i≠j} X̂_ij, OMR, IMR,
            Π_i = OMR_i^{1/(1-σ)}, P_j = IMR_j^{1/(1-σ)}.
        """
        off = ~np.eye(self.n, dtype=bool)
        s = 1.0 / (1.0 - self.sigma)
        return pd.DataFrame(
            {
                "output": self.Y,
                "expenditure": self.E,
                "exports": (self.fitted * off).sum(axis=1),
                "imports": (self.fitted * off).sum(axis=0),
                "omr": self.omr,
                "imr": self.imr,
                "Pi": self.omr**s,
                "P": self.imr**s,
            },
            index=pd.Index(self.countries, name="country"),
        )


def _fitted(Y, E, t, omr, imr) -> np.ndarray:
    """X̂_ij = Y_i E_j t_ij / (OMR_i IMR_j), on Y and E divided by a power of two (no under- or overflow)."""
    u = _unit(Y)
    return ((Y / u)[:, None] * (E / u)[None, :] * t / ((omr / u)[:, None] * imr[None, :])) * u


def _sigma(sigma) -> float:
    """σ as a float > 1: numbers and numeric strings (``"5"``) are accepted, anything else raises
    :class:`GEInputError` naming sigma."""
    if isinstance(sigma, (bool, np.bool_)):
        val = None
    elif isinstance(sigma, str):
        try:
            val = float(sigma.strip())
        except ValueError:
            val = None
    elif isinstance(sigma, (int, float, np.integer, np.floating)):
        val = float(sigma)
    else:
        val = None
    if val is None or not np.isfinite(val) or val <= 1:
        raise GEInputError(
            f"sigma must be a number > 1 (the elasticity of substitution; the book "
            f"uses 7), got {sigma!r}. Fix: pass e.g. sigma=5.0"
        )
    return val
