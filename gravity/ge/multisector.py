"""Multi-sector general equilibrium with input-output linkages (Caliendo & Parro 2015), exact hat algebra.

N regions (n importer, i exporter), J sectors (j, k). Baseline data: trade M_ni^j net of tariffs,
ad-valorem tariffs τ_ni^j, intermediate use of input k by sector j, value added, final demand,
deficits D_n, trade elasticities θ_j. From them (CP section 3): expenditure shares
π_ni^j = M_ni^j (1 + τ_ni^j) / X_n^j, value-added shares γ_n^j, input shares γ_n^{k,j}
(Σ_k γ_n^{k,j} + γ_n^j = 1), final-demand shares α_n^j and labour income w_nL_n = Σ_j VA_n^j.

A change in tariffs τ' and iceberg costs d̂ gives κ̂_ni^j = (1 + τ'_ni^j) / (1 + τ_ni^j) · d̂_ni^j and
the equilibrium in changes (CP eqs. 10–15)::

    ĉ_n^j   = ŵ_n^{γ_n^j} Π_k (P̂_n^k)^{γ_n^{k,j}}                          unit cost of the input bundle
    P̂_n^j   = [Σ_i π_ni^j (κ̂_ni^j ĉ_i^j)^{-θ_j}]^{-1/θ_j}                    sectoral price index
    π'_ni^j = π_ni^j (κ̂_ni^j ĉ_i^j / P̂_n^j)^{-θ_j}                            trade shares
    X'_n^j  = Σ_k γ_n^{j,k} Σ_i π'_in^k X'_i^k / (1 + τ'_in^k) + α_n^j I'_n     goods-market clearing
    I'_n    = ŵ_n w_nL_n + Σ_j Σ_i τ'_ni^j π'_ni^j X'_n^j / (1 + τ'_ni^j) + D_n   income: wages, tariffs, deficit
    ŵ_n w_nL_n = Σ_j γ_n^j Σ_i π'_in^j X'_i^j / (1 + τ'_in^j)                   labour-market clearing

with the numeraire Σ_n ŵ_n w_nL_n = Σ_n w_nL_n (world value added; ``numeraire="world_output"`` in the
vocabulary of :mod:`gravity.ge.options`). Deficits, in the words the one-sector GE uses for the same rules
(:data:`gravity.ge.options.DEFICIT_RULES`): ``"additive"`` keeps D_n at its baseline value in units of
world value added (CP's "fixed deficits", their benchmark with the data's imbalances); ``"balanced"`` sets
D_n = 0 in both the baseline and the counterfactual (CP's "zero deficits", section 5.1: the NAFTA effects
are measured against a 1993 world re-solved without deficits, so that imbalances do not contaminate them).

Solver (not CP's nested tâtonnement): for given wages the price block is a contraction (modulus
max Σ_k γ_n^{k,j} < 1) and expenditure is linear in X', so both are solved exactly inside; the
N labour-market residuals (one replaced by the numeraire) are then solved in ln ŵ by MINPACK's
Powell hybrid method (``scipy.optimize.root(method="hybr")``: a finite-difference Jacobian, then
Broyden updates). CP's outer loop updates wages by a damped excess-demand step and needs hundreds
of outer iterations; here the outer problem has only N unknowns and a Newton-type method converges
in a few dozen residual evaluations. Kernels in :mod:`gravity.ge._ms_kernels`.

Results are reported against a solved baseline (the model at the baseline tariffs, d̂ = 1 and the
deficit rule), exactly as CP and the R package cp2015 do; with ``deficits="additive"`` and
consistent data that baseline reproduces the data (``res.convergence["baseline_gap"]``).

Welfare (CP eq. 24, first order, in % of baseline income I_n; E_ni^j exports of n to i, M_ni^j
imports of n from i, both net of tariffs, baseline values)::

    d ln W_n = Σ_j Σ_i (E_ni^j d ln c_n^j − M_ni^j d ln c_i^j) / I_n          terms of trade
             + Σ_j Σ_i τ_ni^j M_ni^j (d ln M_ni^j − d ln c_i^j) / I_n         volume of trade
             − Σ_j Σ_i (1 + τ_ni^j) M_ni^j d ln d_ni^j / I_n                  technical efficiency (d̂ ≠ 1)

with d ln x evaluated as x̂ − 1 (as in cp2015). ``welfare`` is their sum; ``real_income`` is the
exact Î_n / P̂_n − 1 with P̂_n = Π_j (P̂_n^j)^{α_n^j}; the real wage ŵ_n / P̂_n − 1 (real GDP: labour is the
only factor) is ``real_gdp_full``, the name the one-sector GE gives real GDP
(:data:`gravity.ge.results.SHARED_EFFECTS`: the quantities both models report carry the same names).

The baseline comes from arrays (:meth:`MultiSectorBaseline.from_arrays`) or from an input-output table of
the panel layer (:meth:`MultiSectorBaseline.from_table` on :func:`gravity.panel.io_tables.wiod_io_table` or
:func:`gravity.panel.io_tables.cp2015_io_table`).

References
----------
Caliendo, L. & Parro, F. (2015). Estimates of the trade and welfare effects of NAFTA. *Review of
Economic Studies* 82(1): 1–44.
Dekle, R., Eaton, J. & Kortum, S. (2008). Global rebalancing with gravity. *IMF Staff Papers* 55(3).
Felipe, P. (2021). cp2015: the Caliendo & Parro (2015) model in R (github.com/paulofelipe/cp2015).
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from scipy.optimize import root

from gravity.execution import as_executor
from gravity.ge._ms_kernels import _evaluate
from gravity.ge.errors import GEConvergenceError, GEInputError
from gravity.ge.options import (
    DrawSettings,
    MultiSectorDeficits,
    SolveSettings,
    check_multisector_deficits,
    settings_from,
)
from gravity.ge.results import SHARED_EFFECTS, GEIntervals, GEResultBase
from gravity.panel.io_tables import IOTable

__all__ = [
    "MultiSectorBaseline",
    "MultiSectorResult",
    "MultiSectorUncertainty",
    "solve_multisector",
    "iceberg_cut",
    "theta_draws",
    "MS_COUNTRY_EFFECTS",
    "MS_SECTOR_EFFECTS",
]

MS_COUNTRY_EFFECTS = {
    **SHARED_EFFECTS,
    "welfare": "welfare change, terms + volume of trade + technical efficiency (CP eq. 24), % of income",
    "tot": "terms-of-trade contribution, %",
    "vot": "volume-of-trade contribution, %",
    "tech": "technical-efficiency contribution (iceberg changes), %",
    "real_income": "Î_n / P̂_n − 1 (exact; income includes tariff revenue and the deficit), %",
    "income": "Î_n − 1, %",
}
"""Columns of :attr:`MultiSectorResult.countries`: the quantities the one-sector GE also reports, under its
names (:data:`gravity.ge.results.SHARED_EFFECTS`; exports and imports net of tariffs, the real wage as
``real_gdp_full``, the wage ŵ_n as ``output_full`` and ``price_full``, the consumer price index as
``imr_full``), then the model's own."""
MS_SECTOR_EFFECTS = {
    "cost": "ĉ_n^j − 1, unit cost of the input bundle, %",
    "price": "P̂_n^j − 1, sectoral price index, %",
    "output": "gross output (sales net of tariffs) change, %",
    "exports": "international exports net of tariffs, % change",
    "imports": "international imports net of tariffs, % change",
    "tot": "terms-of-trade contribution to welfare, % of income",
    "vot": "volume-of-trade contribution to welfare, % of income",
    "tech": "technical-efficiency contribution to welfare, % of income",
}


def _arr(x, shape, name):
    a = np.asarray(x, dtype=float)
    if a.shape != shape:
        raise GEInputError(f"{name} must have shape {shape}, got {a.shape}")
    bad = np.argwhere(~np.isfinite(a))
    if len(bad):
        raise GEInputError(
            f"{name} has {len(bad)} non-finite entries, first at index {tuple(int(x) for x in bad[0])}; "
            "fill them (0 for no flow) before building the baseline"
        )
    return a


@dataclass
class MultiSectorBaseline:
    """Baseline of the Caliendo–Parro model: N regions, J sectors, input-output shares.

    Build with :meth:`from_arrays` or :meth:`from_table` (an input-output table of
    :mod:`gravity.panel.io_tables`). Arrays follow the package convention (exporters in rows):
    ``trade[j, i, n]`` is the value of sector-j goods shipped from i to n, net of tariffs, domestic sales
    on the diagonal.

    Attributes
    ----------
    regions, sectors : ndarray of str
        The N regions and J sectors, in array order.
    trade, tariffs : (J, N, N) arrays
        M_in^j (exporter i, importer n) net of tariffs, and τ_in^j (ad valorem, ≥ 0).
    intermediate : (J, J, N) array
        ``intermediate[k, j, n]``: input k used by sector j in n (purchasers' prices, incl. tariffs).
    value_added, final : (J, N) arrays
        Value added and final demand by sector and region.
    deficits : (N,) array
        D_n (imports − exports); Σ_n D_n = 0.
    theta : (J,) array
        Trade elasticities θ_j > 0.
    meta : dict
        Provenance.

    References
    ----------
    Caliendo & Parro (2015), section 3.
    """

    regions: np.ndarray
    sectors: np.ndarray
    trade: np.ndarray
    tariffs: np.ndarray
    intermediate: np.ndarray
    value_added: np.ndarray
    final: np.ndarray
    deficits: np.ndarray
    theta: np.ndarray
    meta: dict = field(default_factory=dict)

    def __post_init__(self):
        J, N = len(self.sectors), len(self.regions)
        M = np.ascontiguousarray(self.trade.transpose(0, 2, 1))  # [j, n, i]: imports of n from i
        tau = np.ascontiguousarray(self.tariffs.transpose(0, 2, 1))
        X = (M * (1.0 + tau)).sum(axis=2).T  # X_n^j, (N, J)
        pi = np.divide(M * (1.0 + tau), X.T[:, :, None], out=np.zeros_like(M), where=X.T[:, :, None] > 0)
        go = self.value_added + self.intermediate.sum(axis=0)  # (J, N) gross output
        pos = go > 0
        gva = np.where(pos, self.value_added / np.where(pos, go, 1.0), 1.0).T.copy()  # (N, J)
        gio = np.where(pos[None], self.intermediate / np.where(pos, go, 1.0)[None], 0.0)  # (K, J, N)
        fin = self.final.sum(axis=0)
        self._M0, self._tau0, self._X0, self._pi0 = M, tau, np.ascontiguousarray(X), pi
        self._gva = np.ascontiguousarray(gva)
        self._gio = np.ascontiguousarray(gio.transpose(2, 0, 1))  # [n, k, j] = γ_n^{k,j}
        self._alpha = np.ascontiguousarray((self.final / np.where(fin > 0, fin, 1.0)).T)
        self._wL = self.value_added.sum(axis=0)
        self._shape = (J, N)

    @property
    def n_regions(self) -> int:
        """N."""
        return len(self.regions)

    @property
    def countries(self) -> np.ndarray:
        """The N regions, by the name the one-sector :class:`gravity.ge.Baseline` gives them."""
        return self.regions

    @property
    def n(self) -> int:
        """N, as :attr:`gravity.ge.Baseline.n`."""
        return len(self.regions)

    @property
    def n_sectors(self) -> int:
        """J."""
        return len(self.sectors)

    @property
    def shares(self) -> dict:
        """Calibrated shares: ``pi`` [j, n, i] = π_ni^j, ``gamma_va`` [n, j], ``gamma_io`` [n, k, j],
        ``alpha`` [n, j], ``wL`` [n], ``X`` [n, j] (expenditure incl. tariffs)."""
        return {
            "pi": self._pi0,
            "gamma_va": self._gva,
            "gamma_io": self._gio,
            "alpha": self._alpha,
            "wL": self._wL,
            "X": self._X0,
        }

    @classmethod
    def from_arrays(
        cls,
        regions,
        sectors,
        trade,
        value_added,
        theta,
        *,
        intermediate=None,
        final=None,
        tariffs=None,
        deficits=None,
        meta: dict | None = None,
    ) -> MultiSectorBaseline:
        """Baseline from arrays.

        Parameters
        ----------
        regions, sectors : sequence of str
            N region and J sector names (unique).
        trade : (J, N, N) array
            ``trade[j, i, n]``: sector-j flow from exporter i to importer n, net of tariffs, ≥ 0,
            domestic sales on the diagonal.
        value_added : (J, N) array
            Value added by sector and region, ≥ 0; w_nL_n = Σ_j VA_n^j > 0.
        theta : (J,) array
            Trade elasticities θ_j > 0.
        intermediate : (J, J, N) array, optional
            ``intermediate[k, j, n]``: input k used by sector j in n; default none (γ_n^j = 1).
            Negative cells (inventory changes in input-output tables) are kept and listed in
            ``meta["negative_intermediate"]``; each sector's gross output must stay > 0.
        final : (J, N) array, optional
            Final demand; default the expenditure not used as inputs,
            X_n^j − Σ_k intermediate[j, k, n].
        tariffs : (J, N, N) array, optional
            τ_in^j in the ``trade`` layout; default 0.
        deficits : (N,) array, optional
            D_n; default imports − exports (net of tariffs) from ``trade``.
        meta : dict, optional
            Provenance stored on the baseline.

        Returns
        -------
        MultiSectorBaseline

        Raises
        ------
        GEInputError
            Wrong shapes, negative or non-finite values, θ ≤ 0, a region without labour income,
            negative residual final demand, or deficits that do not sum to zero.
        """
        regions = np.asarray(regions, dtype=str)
        sectors = np.asarray(sectors, dtype=str)
        N, J = len(regions), len(sectors)
        for what, names in (("regions", regions), ("sectors", sectors)):
            if len(set(names)) != len(names):
                dup = sorted(pd.Index(names)[pd.Index(names).duplicated()])
                raise GEInputError(f"{what} must be unique; duplicated: {dup}")
        trade = _arr(trade, (J, N, N), "trade")
        va = _arr(value_added, (J, N), "value_added")
        theta = _arr(theta, (J,), "theta")
        ic = np.zeros((J, J, N)) if intermediate is None else _arr(intermediate, (J, J, N), "intermediate")
        tau = np.zeros((J, N, N)) if tariffs is None else _arr(tariffs, (J, N, N), "tariffs")
        for name, a in (("trade", trade), ("value_added", va), ("tariffs", tau)):
            bad = np.argwhere(a < 0)
            if len(bad):
                first = tuple(int(x) for x in bad[0])
                where = (
                    f"sector {str(sectors[first[0]])!r}, exporter {str(regions[first[1]])!r}, importer "
                    f"{str(regions[first[2]])!r}"
                    if a.ndim == 3
                    else f"sector {str(sectors[first[0]])!r}, region {str(regions[first[1]])!r}"
                )
                raise GEInputError(
                    f"{name} has {len(bad)} negative entries, first at index {first} ({where}); "
                    "flows, values and tariffs must be ≥ 0"
                )
        if (theta <= 0).any():
            raise GEInputError(f"theta must be > 0; sectors {list(sectors[theta <= 0])} are not")
        wl = va.sum(axis=0)
        if (wl <= 0).any():
            raise GEInputError(
                f"regions {list(regions[wl <= 0])} have no value added (w_nL_n = 0): drop "
                "them or supply their value added"
            )
        if final is None:
            X = (trade * (1.0 + tau)).sum(axis=1)  # (J, N) over exporters
            final = X - ic.sum(axis=1)
            neg = np.argwhere(final < -1e-9 * max(1.0, float(np.abs(X).max())))
            if len(neg):
                j, n = neg[0]
                raise GEInputError(
                    f"final demand implied by trade − intermediate use is negative for "
                    f"sector {str(sectors[j])!r} in {str(regions[n])!r} (and {len(neg) - 1} more): "
                    "pass final= explicitly or correct intermediate"
                )
            final = np.clip(final, 0.0, None)
        final = _arr(final, (J, N), "final")
        if (final < 0).any():
            raise GEInputError("final has negative entries; final demand must be ≥ 0")
        if deficits is None:
            deficits = trade.sum(axis=(0, 1)) - trade.sum(axis=(0, 2))  # imports − exports
        deficits = _arr(deficits, (N,), "deficits")
        if abs(deficits.sum()) > 1e-6 * wl.sum():
            raise GEInputError(
                f"deficits sum to {deficits.sum():.6g}, not 0 (world imports = world exports): "
                "pass deficits that balance, e.g. D - D.mean() weighted by income"
            )
        meta = dict(meta or {})
        # negative intermediate cells (inventory changes, statistical discrepancies in input-output
        # tables) are kept, as CP and cp2015 keep them, and flagged here
        neg = np.argwhere(ic < 0)
        meta["negative_intermediate"] = [
            (str(sectors[k]), str(sectors[j]), str(regions[n]), float(ic[k, j, n])) for k, j, n in neg
        ]
        go = va + ic.sum(axis=0)
        bad = np.argwhere((go <= 0) & ((va != 0) | (np.abs(ic).sum(axis=0) > 0)))
        if len(bad):
            j, n = bad[0]
            raise GEInputError(
                f"gross output (value added + intermediate use) of sector {str(sectors[j])!r} in "
                f"{str(regions[n])!r} is {go[j, n]:.6g} ≤ 0 ({len(bad)} cells): correct the "
                "negative intermediate entries of that column"
            )
        return cls(regions, sectors, trade, tau, ic, va, final, deficits, theta, meta)

    @classmethod
    def from_table(cls, table: IOTable) -> MultiSectorBaseline:
        """Baseline from an input-output table of the panel layer (:mod:`gravity.panel.io_tables`).

        ``MultiSectorBaseline.from_table(wiod_io_table(2011))``, or ``cp2015_io_table(gravity.data.load(
        "cp2015/cp2015_nafta.rda"))``: the table's arrays go through :meth:`from_arrays`, which validates them.

        Parameters
        ----------
        table : gravity.panel.io_tables.IOTable

        Returns
        -------
        MultiSectorBaseline

        Raises
        ------
        GEInputError
            As :meth:`from_arrays`.
        """
        if not isinstance(table, IOTable):
            raise GEInputError(
                f"from_table needs a gravity.panel.io_tables.IOTable, got {type(table).__name__}; "
                "build one with wiod_io_table(year) or cp2015_io_table(data), or use from_arrays"
            )
        return cls.from_arrays(
            table.regions,
            table.sectors,
            table.trade,
            table.value_added,
            table.theta,
            intermediate=table.intermediate,
            final=table.final,
            tariffs=table.tariffs,
            deficits=table.deficits,
            meta=table.meta,
        )


def _scenario_array(b: MultiSectorBaseline, x, default: np.ndarray, name: str) -> np.ndarray:
    """(J, N, N) array in the trade layout from an array or a Series keyed by (sector, exporter, importer)."""
    J, N = b._shape
    if x is None:
        return default.copy()
    if isinstance(x, pd.Series):
        out = default.copy()
        if x.index.nlevels != 3:
            raise GEInputError(f"{name}: a Series must be indexed by (sector, exporter, importer)")
        s = pd.Categorical(x.index.get_level_values(0).astype(str), categories=b.sectors).codes
        e = pd.Categorical(x.index.get_level_values(1).astype(str), categories=b.regions).codes
        m = pd.Categorical(x.index.get_level_values(2).astype(str), categories=b.regions).codes
        bad = (s < 0) | (e < 0) | (m < 0)
        if bad.any():
            raise GEInputError(
                f"{name}: {int(bad.sum())} index entries name an unknown sector or region, "
                f"first {x.index[np.flatnonzero(bad)[0]]}"
            )
        out[s, e, m] = x.to_numpy(dtype=float)
        x = out
    return _arr(x, (J, N, N), name)


@dataclass
class _State:
    lw: np.ndarray
    logc: np.ndarray
    logP: np.ndarray
    B: np.ndarray
    r: np.ndarray
    X: np.ndarray
    Y: np.ndarray
    I: np.ndarray
    info: dict


def _equilibrium(
    b: MultiSectorBaseline, tau1: np.ndarray, dhat: np.ndarray, D: np.ndarray, tol: float, max_iter: int, label: str
) -> _State:
    """Solve the hat-algebra system for τ' (internal [j, n, i] layout), d̂ and deficits D."""
    J, N = b._shape
    tau1 = np.ascontiguousarray(tau1)
    kap = (1.0 + tau1) / (1.0 + b._tau0) * dhat
    th = b.theta[:, None, None]
    A = np.where(b._pi0 > 0, b._pi0 * kap ** (-th), 0.0)
    st = _State(
        np.zeros(N),
        np.zeros((N, J)),
        np.zeros((N, J)),
        np.empty((J, N, N)),
        np.empty((N, J)),
        b._X0.copy(),
        np.empty((N, J)),
        np.empty(N),
        {},
    )
    resid = np.empty(N)
    inner = max(min(tol * 1e-3, 1e-12), 1e-14)
    counts = {"evaluations": 0, "inner_failures": 0}

    def f(lw):
        itp, itx = _evaluate(
            lw,
            A,
            tau1,
            b.theta,
            b._gva,
            b._gio,
            b._alpha,
            b._wL,
            D,
            st.logc,
            st.logP,
            st.B,
            st.r,
            st.X,
            st.Y,
            st.I,
            resid,
            inner,
            max_iter,
        )
        counts["evaluations"] += 1
        counts["inner_failures"] += int(itp < 0) + int(itx < 0)
        return resid.copy()

    t0 = time.perf_counter()
    sol = root(f, np.zeros(N), method="hybr", options={"xtol": 1e-14, "maxfev": 200 * (N + 1)})
    res = f(sol.x)
    st.lw = sol.x.copy()
    err = float(np.abs(res).max())
    st.info = {
        "label": label,
        "evaluations": counts["evaluations"],
        "max_residual": err,
        "inner_failures": counts["inner_failures"],
        "message": str(sol.message),
        "seconds": time.perf_counter() - t0,
    }
    if err > tol or counts["inner_failures"]:
        raise GEConvergenceError(
            f"multi-sector GE ({label}) did not converge: max labour-market residual "
            f"{err:.3g} (tol {tol:g}) after {counts['evaluations']} evaluations, "
            f"{counts['inner_failures']} inner loops at max_iter={max_iter}; {sol.message}"
        )
    return st


class MultiSectorResult(GEResultBase):
    """Counterfactual of :func:`solve_multisector`: tables by country and by country × sector.

    Read by the names every GE result shares (:class:`gravity.ge.results.GEResultBase`): ``countries``,
    ``deficits``, ``numeraire`` (``"world_output"``: world value added), ``iterations``, ``converged``,
    ``baseline``.

    Attributes
    ----------
    countries : DataFrame
        Index ``country``; columns :data:`MS_COUNTRY_EFFECTS` (percent): the one-sector names for the
        quantities both models report, then welfare and its decomposition.
    sectors : DataFrame
        Index (country, sector); columns :data:`MS_SECTOR_EFFECTS` (percent).
    wage_hat, price_index_hat : (N,) arrays
        ŵ_n and P̂_n (counterfactual / solved baseline).
    cost_hat, price_hat : (N, J) arrays
        ĉ_n^j and P̂_n^j.
    iterations : dict
        Labour-market residual evaluations of the ``baseline`` and ``counterfactual`` solves.
    convergence : dict
        Per solve (``baseline``, ``counterfactual``): residual evaluations, max labour-market residual,
        solver message, seconds; and ``baseline_gap`` = max |ŵ − 1| of the solved baseline against
        the data (0 for consistent data with additive deficits).
    deficits : {"additive", "balanced"}
        The rule used.
    """

    numeraire = "world_output"

    def __init__(self, b: MultiSectorBaseline, s0: _State, s1: _State, tau0, tau1, dhat, deficits: str):
        self.baseline, self.deficits = b, deficits
        self._s0, self._s1, self._tau0, self._tau1, self._dhat = s0, s1, tau0, tau1, dhat
        alpha = b._alpha
        what = np.exp(s1.lw - s0.lw)
        chat = np.exp(s1.logc - s0.logc)
        phat = np.exp(s1.logP - s0.logP)
        Pn = np.exp((alpha * (s1.logP - s0.logP)).sum(axis=1))
        self.wage_hat, self.cost_hat, self.price_hat, self.price_index_hat = what, chat, phat, Pn
        tot, vot, tech = self._welfare_terms(s0, s1, chat, tau0, dhat)
        M0, M1 = self._imports(s0), self._imports(s1)
        off = ~np.eye(b.n_regions, dtype=bool)[None]
        imp0, imp1 = (M0 * off).sum(axis=2).T, (M1 * off).sum(axis=2).T  # (N, J)
        exp0, exp1 = (M0 * off).sum(axis=1).T, (M1 * off).sum(axis=1).T
        ex = _pct(exp1.sum(axis=1), exp0.sum(axis=1))
        Ihat = s1.I / s0.I
        self.countries = pd.DataFrame(
            {
                "exports_full": ex,
                "imports_full": _pct(imp1.sum(axis=1), imp0.sum(axis=1)),
                "output_full": (what - 1) * 100,
                "price_full": (what - 1) * 100,
                "imr_full": (Pn - 1) * 100,
                "real_gdp_full": (what / Pn - 1) * 100,
                "real_exports_full": ((1 + ex / 100) / Pn - 1) * 100,
                "welfare": tot.sum(axis=1) + vot.sum(axis=1) + tech.sum(axis=1),
                "tot": tot.sum(axis=1),
                "vot": vot.sum(axis=1),
                "tech": tech.sum(axis=1),
                "real_income": (Ihat / Pn - 1) * 100,
                "income": (Ihat - 1) * 100,
            },
            index=pd.Index(b.regions, name="country"),
        )
        idx = pd.MultiIndex.from_product([b.regions, b.sectors], names=["country", "sector"])
        self.sectors = pd.DataFrame(
            {
                "cost": ((chat - 1) * 100).ravel(),
                "price": ((phat - 1) * 100).ravel(),
                "output": _pct(s1.Y, s0.Y).ravel(),
                "exports": _pct(exp1, exp0).ravel(),
                "imports": _pct(imp1, imp0).ravel(),
                "tot": tot.ravel(),
                "vot": vot.ravel(),
                "tech": tech.ravel(),
            },
            index=idx,
        )
        attrs = {
            "numeraire": self.numeraire,
            "deficits": deficits,
            "units": "percent changes, counterfactual against the solved baseline; nominal changes against "
            "world value added Σ_n w_nL_n; real_gdp_full = ŵ_n / P̂_n (the real wage)",
        }
        self.countries.attrs.update(attrs)
        self.sectors.attrs.update(attrs)
        self.convergence: dict[str, Any] = {
            "baseline": s0.info,
            "counterfactual": s1.info,
            "baseline_gap": float(np.abs(np.exp(s0.lw) - 1.0).max()),
        }
        self.iterations = {"baseline": int(s0.info["evaluations"]), "counterfactual": int(s1.info["evaluations"])}

    @staticmethod
    def _imports(s: _State) -> np.ndarray:
        """M_ni^j net of tariffs on [j, n, i] (imports of n from i)."""
        return s.B * s.X.T[:, :, None]

    def _welfare_terms(self, s0: _State, s1: _State, chat, tau0, dhat):
        """Terms of trade, volume of trade and technical efficiency (CP eq. 24), each (N, J) in % of I_n."""
        M0, M1 = self._imports(s0), self._imports(s1)
        I0 = s0.I[:, None]
        c_i = chat.T[:, None, :]  # ĉ_i^j on [j, n, i]
        c_n = chat.T[:, :, None]  # ĉ_n^j on [j, n, i]
        E0 = M0.transpose(0, 2, 1)  # E_ni^j = M_in^j
        tot = (E0 * (c_n - 1.0) - M0 * (c_i - 1.0)).sum(axis=2).T / I0 * 100
        mhat = np.divide(M1, M0, out=np.zeros_like(M1), where=M0 > 0)
        vot = (np.where(M0 > 0, tau0 * M0 * (mhat - c_i), 0.0)).sum(axis=2).T / I0 * 100
        tech = (-(M0 * (1.0 + tau0) * (dhat - 1.0))).sum(axis=2).T / I0 * 100
        return tot, vot, tech

    def flows(self) -> pd.DataFrame:
        """Bilateral flows net of tariffs, baseline (solved) and counterfactual, one row per
        (sector, exporter, importer)."""
        b = self.baseline
        J, N = b._shape
        M0 = self._imports(self._s0).transpose(0, 2, 1)  # [j, i, n]
        M1 = self._imports(self._s1).transpose(0, 2, 1)
        return pd.DataFrame(
            {
                "sector": np.repeat(b.sectors, N * N),
                "exporter": np.tile(np.repeat(b.regions, N), J),
                "importer": np.tile(b.regions, J * N),
                "baseline": M0.ravel(),
                "counterfactual": M1.ravel(),
                "tariff_baseline": self._tau0.transpose(0, 2, 1).ravel(),
                "tariff_counterfactual": self._tau1.transpose(0, 2, 1).ravel(),
                "iceberg_change": self._dhat.transpose(0, 2, 1).ravel(),
            }
        )

    def __repr__(self) -> str:
        c = self.convergence["counterfactual"]
        return (
            f"MultiSectorResult({self.baseline.n_regions} regions × {self.baseline.n_sectors} sectors, "
            f"deficits={self.deficits!r}, {c['evaluations']} evaluations, residual {c['max_residual']:.1e})"
        )


def _pct(a1: np.ndarray, a0: np.ndarray) -> np.ndarray:
    """100 (a1 / a0 − 1), NaN where a0 = 0."""
    return np.divide(a1, a0, out=np.full_like(a1, np.nan), where=a0 > 0) * 100 - 100


def solve_multisector(
    baseline: MultiSectorBaseline,
    *,
    tariffs=None,
    iceberg=None,
    deficits: MultiSectorDeficits = "additive",
    tol: float = 1e-10,
    max_iter: int = 100_000,
) -> MultiSectorResult:
    """Counterfactual of the Caliendo–Parro model for new tariffs and/or iceberg-cost changes.

    Solves the system in the module docstring twice — at the baseline tariffs with d̂ = 1, and at
    τ', d̂ — under the same deficit rule, and reports counterfactual / baseline changes with the
    welfare decomposition (CP eq. 24).

    Parameters
    ----------
    baseline : MultiSectorBaseline
    tariffs : (J, N, N) array or Series, optional
        New tariffs τ' in the trade layout (exporter rows), or a Series indexed by
        (sector, exporter, importer) listing those that change; default the baseline tariffs.
    iceberg : (J, N, N) array or Series, optional
        d̂ = d' / d (> 0), same formats; default 1.
    deficits : {"additive", "balanced"}
        ``"additive"``: D_n at baseline values in units of world value added (CP's fixed deficits);
        ``"balanced"``: D_n = 0 in baseline and counterfactual (CP's zero deficits, section 5.1). The
        words of :data:`gravity.ge.options.DEFICIT_RULES`; ``"ratio"`` is a one-sector rule.
    tol : float
        Largest labour-market residual accepted, relative to w_nL_n.
    max_iter : int
        Iteration limit of the inner price and expenditure loops.

    Returns
    -------
    MultiSectorResult

    Raises
    ------
    GEInputError
        Unknown deficit rule (the old words "fixed" and "zero" name their replacements); tariffs ≤ −1 or
        d̂ ≤ 0; wrong shapes.
    GEConvergenceError
        No solution within the limits.

    References
    ----------
    Caliendo & Parro (2015), eqs. 10–15 and 24.
    """
    b = baseline
    deficits = check_multisector_deficits(deficits)
    t1 = _scenario_array(b, tariffs, b.tariffs, "tariffs")
    d1 = _scenario_array(b, iceberg, np.ones_like(b.tariffs), "iceberg")
    if (t1 <= -1).any():
        raise GEInputError(f"tariffs must be > −1; {int((t1 <= -1).sum())} entries are not")
    if (d1 <= 0).any():
        raise GEInputError(f"iceberg changes d̂ must be > 0; {int((d1 <= 0).sum())} entries are not")
    D = b.deficits.copy() if deficits == "additive" else np.zeros(b.n_regions)
    tau0 = b._tau0
    tau1 = np.ascontiguousarray(t1.transpose(0, 2, 1))
    dhat = np.ascontiguousarray(d1.transpose(0, 2, 1))
    s0 = _equilibrium(b, tau0, np.ones_like(dhat), D, tol, max_iter, "baseline")
    s1 = _equilibrium(b, tau1, dhat, D, tol, max_iter, "counterfactual")
    return MultiSectorResult(b, s0, s1, tau0, tau1, dhat, deficits)


def iceberg_cut(baseline: MultiSectorBaseline, between, *, sectors=None, cut: float = 0.05) -> np.ndarray:
    """A uniform iceberg-cost cut d̂_in^j = 1 − ``cut`` on every flow between two or more regions.

    Parameters
    ----------
    baseline : MultiSectorBaseline
    between : sequence of str
        Regions whose bilateral flows (both directions, not domestic) become cheaper.
    sectors : sequence of str, optional
        Sectors cut (e.g. :data:`WIOD_GOODS`); default all.
    cut : float
        The cut, 0 ≤ cut < 1 (0.05: 5% lower trade costs).

    Returns
    -------
    (J, N, N) array
        d̂ in the trade layout, for ``solve_multisector(..., iceberg=...)``.

    Raises
    ------
    GEInputError
        Unknown regions or sectors, fewer than two regions, a cut outside [0, 1).
    """
    b = baseline
    regs = [str(r) for r in between]
    secs = list(b.sectors) if sectors is None else [str(s) for s in sectors]
    bad = [r for r in regs if r not in set(b.regions)] + [s for s in secs if s not in set(b.sectors)]
    if bad:
        raise GEInputError(
            f"iceberg_cut: {bad} are not regions or sectors of the baseline; regions are "
            f"{list(b.regions)[:5]}..., sectors {list(b.sectors)[:5]}..."
        )
    if len(set(regs)) < 2:
        raise GEInputError(f"iceberg_cut needs at least two regions, got {regs}")
    if not 0.0 <= cut < 1.0:
        raise GEInputError(f"cut must be in [0, 1), got {cut}: 0.05 is a 5% cut")
    r = [int(np.flatnonzero(b.regions == x)[0]) for x in regs]
    s = [int(np.flatnonzero(b.sectors == x)[0]) for x in secs]
    d = np.ones((b.n_sectors, b.n_regions, b.n_regions))
    for i in r:
        for n in r:
            if i != n:
                d[s, i, n] = 1.0 - cut
    return d


class MultiSectorUncertainty(GEIntervals):
    """θ draws of a multi-sector counterfactual (:func:`theta_draws`): the intervals every GE draws
    function returns (:class:`gravity.ge.results.GEIntervals`: ``point``, ``lower``, ``upper``,
    ``countries``, ``table(effect)``, ``draws``, ``n_draws``, ``n_failed``, ``failures``), plus:

    Attributes
    ----------
    result : MultiSectorResult
        The counterfactual at the baseline θ (``point`` is its ``countries``).
    theta : (D, J) array
        θ of each draw (NaN rows: failed draws).
    values : DataFrame
        One row per (draw, country) of the successful draws, the effects drawn.
    """

    def __init__(
        self, result: MultiSectorResult, theta: np.ndarray, draws: np.ndarray, effects, failures, level: float
    ):
        super().__init__(result.countries[list(effects)], draws, effects, failures, level, "theta")
        self.result = result
        self.theta = theta
        regions = result.baseline.regions
        idx = pd.MultiIndex.from_product([range(len(draws)), regions], names=["draw", "country"])
        flat = draws.transpose(0, 2, 1).reshape(-1, len(self.effects))
        self.values = pd.DataFrame(flat, index=idx, columns=self.effects).dropna(how="all")


def _theta_task(d, shared):
    """Executor task: draw d of θ_j exp(sd·z_j), z from ``default_rng([seed, d])``, solved."""
    b, seed, sd, kw, effects = shared
    z = np.random.default_rng([seed, d]).standard_normal(b.n_sectors)
    th = b.theta * np.exp(sd * z)
    bd = MultiSectorBaseline.__new__(MultiSectorBaseline)
    bd.__dict__.update(b.__dict__)
    bd.theta = th
    try:
        res = solve_multisector(bd, **kw)
    except GEConvergenceError as e:
        return d, th, None, str(e)
    return d, th, res.countries[list(effects)].to_numpy(), ""


def theta_draws(
    baseline: MultiSectorBaseline,
    *,
    sd: float = 0.25,
    tariffs=None,
    iceberg=None,
    effects=("welfare", "real_gdp_full"),
    solve: SolveSettings | None = None,
    run: DrawSettings | None = None,
    **options,
) -> MultiSectorUncertainty:
    """Uncertainty from the trade elasticities: the counterfactual re-solved for D draws of θ.

    Draw d sets θ_j^(d) = θ_j exp(s z_j^(d)), z^(d) ~ N(0, I_J) from ``numpy.random.default_rng([seed, d])``
    (log-normal around the baseline θ with log standard deviation s), and solves the model of
    :func:`solve_multisector` (baseline and counterfactual) at θ^(d); the interval of each effect is its
    percentile interval over the successful draws (:func:`gravity.ge.results.percentile_interval`). Draws
    run through :func:`gravity.execution.as_executor`; each draw takes its stream from its own index, so
    results do not depend on where or in how many processes they run.

    The options are those of every GE draws function (:func:`gravity.ge.confidence_intervals`): as
    keyword arguments or as :class:`~gravity.ge.options.SolveSettings` / :class:`~gravity.ge.options.DrawSettings`.

    Parameters
    ----------
    baseline : MultiSectorBaseline
    sd : float
        s, the standard deviation of ln θ_j (0.25: θ within about ×/÷ 1.6 at 95%).
    tariffs, iceberg
        The counterfactual, as in :func:`solve_multisector`.
    effects : sequence of str
        Columns of :data:`MS_COUNTRY_EFFECTS` kept per draw.
    solve : SolveSettings, optional
        ``deficits`` (default ``"additive"``), ``tol``, ``max_iter``; the numeraire is world value added.
    run : DrawSettings, optional
        ``draws`` (default 1000), ``seed``, ``level``, ``progress``, ``workers``, ``executor``.
    **options
        Any field of the two settings, e.g. ``draws=200, seed=1, level=0.9, deficits="balanced", workers=0``.

    Returns
    -------
    MultiSectorUncertainty

    Raises
    ------
    GEInputError
        s < 0, an unknown effect or option, bad settings, or an invalid counterfactual.
    """
    st, rs = settings_from(options, solve, run, where="theta_draws")
    if st.numeraire not in (None, "world_output"):
        raise GEInputError(
            "theta_draws: the multi-sector model's numeraire is world value added (numeraire='world_output' or None)"
        )
    if sd < 0:
        raise GEInputError(f"sd must be ≥ 0, got {sd}")
    bad = [e for e in effects if e not in MS_COUNTRY_EFFECTS]
    if bad:
        raise GEInputError(f"unknown effects {bad}; choose from {list(MS_COUNTRY_EFFECTS)}")
    kw = {
        "tariffs": tariffs,
        "iceberg": iceberg,
        "deficits": st.deficits or "additive",
        "tol": st.tol,
        "max_iter": st.max_iter,
    }
    point = solve_multisector(baseline, **kw)
    ex = as_executor(rs.executor, workers=rs.workers)
    D = int(rs.draws)
    label = f"multi-sector θ draws, {rs.label}" if rs.label else "multi-sector θ draws"
    out = ex.map(
        _theta_task,
        list(range(D)),
        shared=(baseline, rs.seed, sd, kw, tuple(effects)),
        desc=label,
        progress=rs.progress,
        unit="draw",
    )
    J, N = baseline._shape
    thetas = np.full((D, J), np.nan)
    vals = np.full((D, len(effects), N), np.nan)
    fails = []
    for d, th, v, why in out:
        if v is None:
            fails.append((d, "solve", why))
            continue
        thetas[d], vals[d] = th, v.T
    failures = pd.DataFrame(fails, columns=["draw", "stage", "reason"])
    return MultiSectorUncertainty(point, thetas, vals, effects, failures, rs.level)
