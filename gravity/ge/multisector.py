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

with the numeraire Σ_n ŵ_n w_nL_n = Σ_n w_nL_n (world value added). Deficits: ``"fixed"`` keeps
D_n at its baseline value (CP's benchmark with the data's imbalances); ``"zero"`` sets D_n = 0 in
both the baseline and the counterfactual (CP section 5.1: the NAFTA effects are measured against a
1993 world re-solved without deficits, so that imbalances do not contaminate them).

Solver (not CP's nested tâtonnement): for given wages the price block is a contraction (modulus
max Σ_k γ_n^{k,j} < 1) and expenditure is linear in X', so both are solved exactly inside; the
N labour-market residuals (one replaced by the numeraire) are then solved in ln ŵ by MINPACK's
Powell hybrid method (``scipy.optimize.root(method="hybr")``: a finite-difference Jacobian, then
Broyden updates). CP's outer loop updates wages by a damped excess-demand step and needs hundreds
of outer iterations; here the outer problem has only N unknowns and a Newton-type method converges
in a few dozen residual evaluations. Kernels in :mod:`gravity.ge._ms_kernels`.

Results are reported against a solved baseline (the model at the baseline tariffs, d̂ = 1 and the
deficit rule), exactly as CP and the R package cp2015 do; with ``deficits="fixed"`` and
consistent data that baseline reproduces the data (``res.convergence["baseline_gap"]``).

Welfare (CP eq. 24, first order, in % of baseline income I_n; E_ni^j exports of n to i, M_ni^j
imports of n from i, both net of tariffs, baseline values)::

    d ln W_n = Σ_j Σ_i (E_ni^j d ln c_n^j − M_ni^j d ln c_i^j) / I_n          terms of trade
             + Σ_j Σ_i τ_ni^j M_ni^j (d ln M_ni^j − d ln c_i^j) / I_n         volume of trade
             − Σ_j Σ_i (1 + τ_ni^j) M_ni^j d ln d_ni^j / I_n                  technical efficiency (d̂ ≠ 1)

with d ln x evaluated as x̂ − 1 (as in cp2015). ``welfare`` is their sum; ``real_income`` is the
exact Î_n / P̂_n − 1 with P̂_n = Π_j (P̂_n^j)^{α_n^j}; ``real_wage`` is ŵ_n / P̂_n − 1.

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

import numpy as np
import pandas as pd
from scipy.optimize import root

from gravity.data.readers.wiod import WIOD_INDUSTRIES, WIOD_YEARS
from gravity.data.registry import load
from gravity.execution import as_executor
from gravity.ge._ms_kernels import _evaluate
from gravity.ge.errors import GEConvergenceError, GEInputError

__all__ = ["MultiSectorBaseline", "MultiSectorResult", "solve_multisector", "cp2015_shock", "iceberg_cut",
           "theta_draws", "MSDraws", "MS_COUNTRY_EFFECTS", "MS_SECTOR_EFFECTS", "WIOD_GOODS", "WIOD_THETA_SOURCE",
           "CP2015_THETA"]

DEFICIT_RULES_MS = ("fixed", "zero")

CP2015_THETA = {
    "Agriculture": 9.11, "Mining": 13.53, "Food": 2.62, "Textile": 8.10, "Wood": 11.50, "Paper": 16.52,
    "Petroleum": 64.85, "Chemicals": 3.13, "Plastic": 1.67, "Minerals": 2.41, "Basic metals": 3.28,
    "Metal products": 6.99, "Machinery n.e.c": 1.45, "Office": 12.95, "Electrical": 12.91, "Communication": 3.95,
    "Medical": 8.71, "Auto": 8.22, "Other Transport": 8.22, "Other": 3.98,
}
"""θ_j of the 20 goods sectors as the cp2015 data ship them (``theta`` of ``cp2015_nafta.rda``: CP Table 1,
with 8.22 for Auto and Other Transport); every CP service sector has 8.22 there."""

WIOD_GOODS = tuple(f"c{k}" for k in range(1, 17))
"""WIOD 2013 goods industries: agriculture (c1), mining (c2), manufacturing (c3–c16)."""

WIOD_THETA_SOURCE = {
    "c1": ("Agriculture",), "c2": ("Mining",), "c3": ("Food",), "c4": ("Textile",), "c5": ("Textile",),
    "c6": ("Wood",), "c7": ("Paper",), "c8": ("Petroleum",), "c9": ("Chemicals",), "c10": ("Plastic",),
    "c11": ("Minerals",), "c12": ("Basic metals", "Metal products"), "c13": ("Machinery n.e.c",),
    "c14": ("Office", "Electrical", "Communication", "Medical"), "c15": ("Auto", "Other Transport"),
    "c16": ("Other",),
}
"""WIOD goods industry → the CP sectors (ISIC rev. 3) it covers; its θ is their simple mean."""

_WIOD_FINAL_CATEGORIES = ("household consumption", "non-profit consumption", "government consumption",
                          "gross fixed capital formation", "changes in inventories and valuables")

MS_COUNTRY_EFFECTS = {
    "welfare": "welfare change, terms + volume of trade + technical efficiency (CP eq. 24), % of income",
    "tot": "terms-of-trade contribution, %",
    "vot": "volume-of-trade contribution, %",
    "tech": "technical-efficiency contribution (iceberg changes), %",
    "real_wage": "ŵ_n / P̂_n − 1, %",
    "real_income": "Î_n / P̂_n − 1 (exact), %",
    "wage": "ŵ_n − 1 (against world value added), %",
    "price_index": "P̂_n − 1, consumer price index Π_j (P̂_n^j)^{α_n^j}, %",
    "income": "Î_n − 1, %",
    "exports": "international exports net of tariffs, % change",
    "imports": "international imports net of tariffs, % change",
}
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
        raise GEInputError(f"{name} has {len(bad)} non-finite entries, first at index {tuple(int(x) for x in bad[0])}; "
                           "fill them (0 for no flow) before building the baseline")
    return a


@dataclass
class MultiSectorBaseline:
    """Baseline of the Caliendo–Parro model: N regions, J sectors, input-output shares.

    Build with :meth:`from_arrays` or :meth:`from_cp2015`. Arrays follow the package convention
    (exporters in rows): ``trade[j, i, n]`` is the value of sector-j goods shipped from i to n, net
    of tariffs, domestic sales on the diagonal.

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
        M = np.ascontiguousarray(self.trade.transpose(0, 2, 1))         # [j, n, i]: imports of n from i
        tau = np.ascontiguousarray(self.tariffs.transpose(0, 2, 1))
        X = (M * (1.0 + tau)).sum(axis=2).T                              # X_n^j, (N, J)
        pi = np.divide(M * (1.0 + tau), X.T[:, :, None], out=np.zeros_like(M), where=X.T[:, :, None] > 0)
        go = self.value_added + self.intermediate.sum(axis=0)             # (J, N) gross output
        pos = go > 0
        gva = np.where(pos, self.value_added / np.where(pos, go, 1.0), 1.0).T.copy()   # (N, J)
        gio = np.where(pos[None], self.intermediate / np.where(pos, go, 1.0)[None], 0.0)  # (K, J, N)
        fin = self.final.sum(axis=0)
        self._M0, self._tau0, self._X0, self._pi0 = M, tau, np.ascontiguousarray(X), pi
        self._gva = np.ascontiguousarray(gva)
        self._gio = np.ascontiguousarray(gio.transpose(2, 0, 1))         # [n, k, j] = γ_n^{k,j}
        self._alpha = np.ascontiguousarray((self.final / np.where(fin > 0, fin, 1.0)).T)
        self._wL = self.value_added.sum(axis=0)
        self._shape = (J, N)

    @property
    def n_regions(self) -> int:
        """N."""
        return len(self.regions)

    @property
    def n_sectors(self) -> int:
        """J."""
        return len(self.sectors)

    @property
    def shares(self) -> dict:
        """Calibrated shares: ``pi`` [j, n, i] = π_ni^j, ``gamma_va`` [n, j], ``gamma_io`` [n, k, j],
        ``alpha`` [n, j], ``wL`` [n], ``X`` [n, j] (expenditure incl. tariffs)."""
        return {"pi": self._pi0, "gamma_va": self._gva, "gamma_io": self._gio, "alpha": self._alpha,
                "wL": self._wL, "X": self._X0}

    @classmethod
    def from_arrays(cls, regions, sectors, trade, value_added, theta, *, intermediate=None, final=None,
                    tariffs=None, deficits=None, meta: dict | None = None) -> "MultiSectorBaseline":
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
                raise GEInputError(f"{what} must be unique; duplicated: {sorted(pd.Index(names)[pd.Index(names).duplicated()])}")
        trade = _arr(trade, (J, N, N), "trade")
        va = _arr(value_added, (J, N), "value_added")
        theta = _arr(theta, (J,), "theta")
        ic = np.zeros((J, J, N)) if intermediate is None else _arr(intermediate, (J, J, N), "intermediate")
        tau = np.zeros((J, N, N)) if tariffs is None else _arr(tariffs, (J, N, N), "tariffs")
        for name, a in (("trade", trade), ("value_added", va), ("tariffs", tau)):
            bad = np.argwhere(a < 0)
            if len(bad):
                first = tuple(int(x) for x in bad[0])
                where = (f"sector {str(sectors[first[0]])!r}, exporter {str(regions[first[1]])!r}, importer "
                         f"{str(regions[first[2]])!r}" if a.ndim == 3 else
                         f"sector {str(sectors[first[0]])!r}, region {str(regions[first[1]])!r}")
                raise GEInputError(f"{name} has {len(bad)} negative entries, first at index {first} ({where}); "
                                   "flows, values and tariffs must be ≥ 0")
        if (theta <= 0).any():
            raise GEInputError(f"theta must be > 0; sectors {list(sectors[theta <= 0])} are not")
        wl = va.sum(axis=0)
        if (wl <= 0).any():
            raise GEInputError(f"regions {list(regions[wl <= 0])} have no value added (w_nL_n = 0): drop "
                               "them or supply their value added")
        if final is None:
            X = (trade * (1.0 + tau)).sum(axis=1)                          # (J, N) over exporters
            final = X - ic.sum(axis=1)
            neg = np.argwhere(final < -1e-9 * max(1.0, float(np.abs(X).max())))
            if len(neg):
                j, n = neg[0]
                raise GEInputError(f"final demand implied by trade − intermediate use is negative for "
                                   f"sector {str(sectors[j])!r} in {str(regions[n])!r} (and {len(neg) - 1} more): "
                                   "pass final= explicitly or correct intermediate")
            final = np.clip(final, 0.0, None)
        final = _arr(final, (J, N), "final")
        if (final < 0).any():
            raise GEInputError("final has negative entries; final demand must be ≥ 0")
        if deficits is None:
            deficits = trade.sum(axis=(0, 1)) - trade.sum(axis=(0, 2))    # imports − exports
        deficits = _arr(deficits, (N,), "deficits")
        if abs(deficits.sum()) > 1e-6 * wl.sum():
            raise GEInputError(f"deficits sum to {deficits.sum():.6g}, not 0 (world imports = world exports): "
                               "pass deficits that balance, e.g. D - D.mean() weighted by income")
        meta = dict(meta or {})
        # negative intermediate cells (inventory changes, statistical discrepancies in input-output
        # tables) are kept, as CP and cp2015 keep them, and flagged here
        neg = np.argwhere(ic < 0)
        meta["negative_intermediate"] = [(str(sectors[k]), str(sectors[j]), str(regions[n]), float(ic[k, j, n]))
                                         for k, j, n in neg]
        go = va + ic.sum(axis=0)
        bad = np.argwhere((go <= 0) & ((va != 0) | (np.abs(ic).sum(axis=0) > 0)))
        if len(bad):
            j, n = bad[0]
            raise GEInputError(f"gross output (value added + intermediate use) of sector {str(sectors[j])!r} in "
                               f"{str(regions[n])!r} is {go[j, n]:.6g} ≤ 0 ({len(bad)} cells): correct the "
                               "negative intermediate entries of that column")
        return cls(regions, sectors, trade, tau, ic, va, final, deficits, theta, meta)

    @classmethod
    def from_cp2015(cls, data: dict) -> "MultiSectorBaseline":
        """Baseline from the cp2015 data list (``gravity.data.load("cp2015/cp2015_nafta.rda")``).

        Uses ``trade.value`` and the 1993 tariffs ``trade.tariff``, ``intermediate_consumption``,
        ``final_consumption``, ``value_added``, ``deficit.D`` and ``theta``; regions and sectors in
        the order of ``sets``.

        Parameters
        ----------
        data : dict
            The R list as read by ``rdata`` (keys ``sets``, ``trade``, ``intermediate_consumption``,
            ``final_consumption``, ``value_added``, ``deficit``, ``theta``).

        Returns
        -------
        MultiSectorBaseline

        Raises
        ------
        GEInputError
            A missing element or column, or a table that does not cover every cell exactly once.

        References
        ----------
        Caliendo & Parro (2015), section 5.1; cp2015 (``data/cp2015_nafta.rda``).
        """
        need = ("sets", "trade", "intermediate_consumption", "final_consumption", "value_added", "deficit", "theta")
        keys = {str(k): v for k, v in data.items()}
        miss = [k for k in need if k not in keys]
        if miss:
            raise GEInputError(f"cp2015 data lacks {miss}; load it with gravity.data.load('cp2015/cp2015_nafta.rda')")
        sets = {str(k): v for k, v in keys["sets"].items()}
        regions = np.asarray(sets["regions"], dtype=str)
        sectors = np.asarray(sets["sectors"], dtype=str)
        tr = keys["trade"]
        trade = _pivot(tr, ("sector", "exporter", "importer"), "value", (sectors, regions, regions), "trade")
        tau = _pivot(tr, ("sector", "exporter", "importer"), "tariff", (sectors, regions, regions), "trade")
        ic = _pivot(keys["intermediate_consumption"], ("input", "sector", "region"), "value",
                    (sectors, sectors, regions), "intermediate_consumption")
        va = _pivot(keys["value_added"], ("sector", "region"), "value", (sectors, regions), "value_added")
        fin = _pivot(keys["final_consumption"], ("sector", "region"), "value", (sectors, regions), "final_consumption")
        dfc = _pivot(keys["deficit"], ("region",), "D", (regions,), "deficit")
        theta = _pivot(keys["theta"], ("sector",), "value", (sectors,), "theta")
        return cls.from_arrays(regions, sectors, trade, va, theta, intermediate=ic, final=fin, tariffs=tau,
                               deficits=dfc, meta={"source": "cp2015/cp2015_nafta.rda"})

    @classmethod
    def from_wiod(cls, year, *, theta=None, services_theta: float = 8.22) -> "MultiSectorBaseline":
        """Baseline from one year of the WIOD 2013 world input-output table (41 regions × 35 industries).

        With Z_{(i,s),(n,k)} the intermediate use of industry s of region i by industry k of region n
        and F_{(i,s),(n,d)} region n's final demand d (five categories) for it, in millions of US$::

            M_in^s        = Σ_k Z_{(i,s),(n,k)} + Σ_d F⁺_{(i,s),(n,d)}       sector flow, i = n domestic
            Y_i^s         = Σ_n M_in^s                                      gross output (sales)
            input[k,j,n]  = Σ_i Z_{(i,k),(n,j)}                              intermediate use, any origin
            VA_n^j        = Y_n^j − Σ_k input[k,j,n]                         value added
            final_n^j     = Σ_i Σ_d F⁺_{(i,j),(n,d)}
            D_n           = Σ_s Σ_i M_in^s − Σ_s Σ_i M_ni^s                  imports − exports

        so that the data are an equilibrium of the model with fixed deficits (CP eqs. 10–15 at
        τ = 0, d̂ = 1; ``solve_multisector(b).convergence["baseline_gap"]`` ≈ 1e-12). WIOD has no
        tariffs (τ = 0).

        Negative cells: changes in inventories (and a few capital-formation cells) are negative in
        ``final``. Each negative cell F_{(i,s),(n,d)} (and any negative Z) is set to 0 before the
        sums, which raises that industry's output and value added by the same amount. A sector whose
        inputs then still exceed its sales (value added below 0: at most a few cells a year, −16 at
        worst, the file's integer rounding) gets value added 0, the gap added to its domestic final
        sale. Counts, totals and the largest cell are recorded in ``meta["negative_cells"]`` (by
        final-demand category), never silently. :func:`gravity.data.readers.wiod.read_wiod` instead zeroes
        the few *summed* flows that stay negative; the two differ by these cells only.

        Trade elasticities: no WIOD-specific estimates exist here. Goods industries (c1–c16) take
        Caliendo & Parro's θ (:data:`CP2015_THETA`) through :data:`WIOD_THETA_SOURCE`, the simple mean
        where a WIOD industry covers several CP sectors (c12, c14, c15); services (c17–c35) take
        ``services_theta`` (default 8.22, the value the cp2015 data give every service sector; not an
        estimate for services). ``meta["theta_source"]`` lists the rule per industry.

        Parameters
        ----------
        year : int
            1995–2011 (``wiod2013/wiot_YYYY.RData`` through :func:`gravity.data.registry.load`).
        theta : dict or (35,) array, optional
            θ per industry: a dict ``{"c3": 4.0, ...}`` overrides the default for the industries it
            names; an array replaces all 35.
        services_theta : float
            θ of c17–c35 when ``theta`` does not give it.

        Returns
        -------
        MultiSectorBaseline
            Regions as in WIOD (ISO3, ``ROM`` renamed ``ROU``, ``RoW`` the rest of the world), sectors
            ``c1``–``c35``, values in millions of current US$.

        Raises
        ------
        ValueError
            A year outside 1995–2011, an unknown industry in ``theta``.
        GEInputError
            θ ≤ 0 or the wrong length.

        References
        ----------
        Timmer, M. P. et al. (2015). An illustrated user guide to the World Input-Output Database.
        *Review of International Economics* 23(3), 575–605. Caliendo & Parro (2015), Table 1 (θ).
        """
        if int(year) not in WIOD_YEARS:
            raise ValueError(f"WIOD 2013 covers {WIOD_YEARS[0]}–{WIOD_YEARS[-1]}, got year {year}; pick a year "
                             "in that range")
        obj = load(f"wiod2013/wiot_{int(year)}.RData")
        if isinstance(obj, dict) and len(obj) == 1 and isinstance(next(iter(obj.values())), dict):
            obj = next(iter(obj.values()))
        obj = {str(k): v for k, v in obj.items()}
        regions = np.array([{"ROM": "ROU"}.get(r, r) for r in np.asarray(obj["countries"]).astype(str)])
        inds = np.asarray(obj["industries"]).astype(str)
        R, S = len(regions), len(inds)
        Z = np.asarray(obj["inter"], dtype=np.float64).reshape(R, S, R, S)          # [i, s, n, k]
        F = np.asarray(obj["final"], dtype=np.float64).reshape(R, S, R, 5)          # [i, s, n, d]
        negative = {"inter": {"cells": int((Z < 0).sum()), "total": float(Z[Z < 0].sum())}}
        for d, what in enumerate(_WIOD_FINAL_CATEGORIES):
            f = F[..., d]
            negative[what] = {"cells": int((f < 0).sum()), "total": float(f[f < 0].sum())}
        worst = np.unravel_index(int(np.argmin(F)), F.shape)
        negative["largest"] = (f"{regions[worst[0]]} {inds[worst[1]]} → {regions[worst[2]]} "
                               f"{_WIOD_FINAL_CATEGORIES[worst[3]]}: {F[worst]:.0f}") if F[worst] < 0 else ""
        negative["rule"] = "negative cells set to 0 before summing; output and value added rise by their total"
        Z = np.clip(Z, 0.0, None)
        F = np.clip(F, 0.0, None)
        trade = np.ascontiguousarray((Z.sum(axis=3) + F.sum(axis=3)).transpose(1, 0, 2))   # [s, i, n]
        ic = np.ascontiguousarray(Z.sum(axis=0).transpose(0, 2, 1))                         # [k, j, n]
        fin = np.ascontiguousarray(F.sum(axis=(0, 3)))                                      # [j, n]
        va = trade.sum(axis=2) - ic.sum(axis=0)                                             # [j, n]
        # a sector whose inputs exceed its sales (WIOD's integer rounding, subsidies): value added
        # set to 0 and the gap g added to its domestic final sale, so Y = VA + inputs stays exact
        j, n = np.nonzero(va < 0)
        gap = -va[j, n]
        negative["value_added_below_0"] = {"cells": int(len(j)), "total": float(-gap.sum()),
                                           "rule": "set to 0; the gap is added to the domestic final sale"}
        trade[j, n, n] += gap
        fin[j, n] += gap
        va[j, n] = 0.0
        th = np.full(S, float(services_theta))
        src = {}
        for s_, code in enumerate(inds):
            if code in WIOD_THETA_SOURCE:
                cps = WIOD_THETA_SOURCE[code]
                th[s_] = float(np.mean([CP2015_THETA[c] for c in cps]))
                src[code] = "CP " + " / ".join(cps) + (" (mean)" if len(cps) > 1 else "")
            else:
                src[code] = f"default {services_theta:g} (services)"
        if theta is not None:
            if isinstance(theta, dict):
                bad = [k for k in theta if k not in WIOD_INDUSTRIES]
                if bad:
                    raise ValueError(f"theta names unknown WIOD industries {bad}; codes are c1–c35")
                for k, v in theta.items():
                    th[int(np.flatnonzero(inds == k)[0])] = float(v)
                    src[k] = "given"
            else:
                th = _arr(theta, (S,), "theta")
                src = {k: "given" for k in inds}
        yr = int(np.asarray(obj["year"]).ravel()[0]) if "year" in obj else int(year)
        meta = {"source": f"wiod2013/wiot_{yr}.RData", "year": yr, "units": "millions of current US$",
                "negative_cells": negative, "theta_source": src,
                "industries": {k: WIOD_INDUSTRIES.get(k, k) for k in inds}}
        return cls.from_arrays(regions, inds, trade, va, th, intermediate=ic, final=fin, meta=meta)


def _pivot(df: pd.DataFrame, keys: tuple, value: str, levels: tuple, name: str) -> np.ndarray:
    """A long table → dense array over ``levels`` (every cell exactly once)."""
    miss = [c for c in (*keys, value) if c not in df.columns]
    if miss:
        raise GEInputError(f"{name}: missing columns {miss}")
    codes = []
    for k, lev in zip(keys, levels):
        c = pd.Categorical(df[k].astype(str), categories=lev).codes
        if (c < 0).any():
            bad = df[k][c < 0].astype(str).unique()[:5]
            raise GEInputError(f"{name}.{k}: values {list(bad)} are not in the sets; fix the labels")
        codes.append(c)
    shape = tuple(len(lev) for lev in levels)
    flat = np.ravel_multi_index(codes, shape)
    if len(flat) != int(np.prod(shape)) or len(np.unique(flat)) != len(flat):
        raise GEInputError(f"{name}: {len(flat)} rows for {int(np.prod(shape))} cells {keys}; each cell must "
                           "appear exactly once")
    out = np.empty(int(np.prod(shape)))
    out[flat] = df[value].to_numpy(dtype=float)
    return out.reshape(shape)


def cp2015_shock(data: dict, baseline: MultiSectorBaseline) -> dict:
    """The NAFTA counterfactual of the cp2015 data: ``tariffs`` (``trade.tariff_cfl``) and ``iceberg``
    (``d_cfl / d_bln``), as (J, N, N) arrays in ``baseline`` order, ready for :func:`solve_multisector`.

    Parameters
    ----------
    data : dict
        The cp2015 list (see :meth:`MultiSectorBaseline.from_cp2015`).
    baseline : MultiSectorBaseline
        Built from the same data.

    Returns
    -------
    dict
        ``{"tariffs": τ', "iceberg": d̂}``.
    """
    tr = {str(k): v for k, v in data.items()}["trade"]
    lev = (baseline.sectors, baseline.regions, baseline.regions)
    keys = ("sector", "exporter", "importer")
    tcf = _pivot(tr, keys, "tariff_cfl", lev, "trade")
    d1 = _pivot(tr, keys, "d_cfl", lev, "trade")
    d0 = _pivot(tr, keys, "d_bln", lev, "trade")
    return {"tariffs": tcf, "iceberg": d1 / d0}


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
            raise GEInputError(f"{name}: {int(bad.sum())} index entries name an unknown sector or region, "
                               f"first {x.index[np.flatnonzero(bad)[0]]}")
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


def _equilibrium(b: MultiSectorBaseline, tau1: np.ndarray, dhat: np.ndarray, D: np.ndarray, tol: float,
                 max_iter: int, label: str) -> _State:
    """Solve the hat-algebra system for τ' (internal [j, n, i] layout), d̂ and deficits D."""
    J, N = b._shape
    tau1 = np.ascontiguousarray(tau1)
    kap = (1.0 + tau1) / (1.0 + b._tau0) * dhat
    th = b.theta[:, None, None]
    A = np.where(b._pi0 > 0, b._pi0 * kap ** (-th), 0.0)
    st = _State(np.zeros(N), np.zeros((N, J)), np.zeros((N, J)), np.empty((J, N, N)), np.empty((N, J)),
                b._X0.copy(), np.empty((N, J)), np.empty(N), {})
    resid = np.empty(N)
    inner = max(min(tol * 1e-3, 1e-12), 1e-14)
    counts = {"evaluations": 0, "inner_failures": 0}

    def f(lw):
        itp, itx = _evaluate(lw, A, tau1, b.theta, b._gva, b._gio, b._alpha, b._wL, D, st.logc, st.logP,
                             st.B, st.r, st.X, st.Y, st.I, resid, inner, max_iter)
        counts["evaluations"] += 1
        counts["inner_failures"] += int(itp < 0) + int(itx < 0)
        return resid.copy()

    t0 = time.perf_counter()
    sol = root(f, np.zeros(N), method="hybr", options={"xtol": 1e-14, "maxfev": 200 * (N + 1)})
    res = f(sol.x)
    st.lw = sol.x.copy()
    err = float(np.abs(res).max())
    st.info = {"label": label, "evaluations": counts["evaluations"], "max_residual": err,
               "inner_failures": counts["inner_failures"], "message": str(sol.message),
               "seconds": time.perf_counter() - t0}
    if err > tol or counts["inner_failures"]:
        raise GEConvergenceError(f"multi-sector GE ({label}) did not converge: max labour-market residual "
                                 f"{err:.3g} (tol {tol:g}) after {counts['evaluations']} evaluations, "
                                 f"{counts['inner_failures']} inner loops at max_iter={max_iter}; {sol.message}")
    return st


class MultiSectorResult:
    """Counterfactual of :func:`solve_multisector`: tables by country and by country × sector.

    Attributes
    ----------
    countries : DataFrame
        Index region; columns :data:`MS_COUNTRY_EFFECTS` (percent).
    sectors : DataFrame
        Index (region, sector); columns :data:`MS_SECTOR_EFFECTS` (percent).
    wage_hat, price_index_hat : (N,) arrays
        ŵ_n and P̂_n (counterfactual / solved baseline).
    cost_hat, price_hat : (N, J) arrays
        ĉ_n^j and P̂_n^j.
    convergence : dict
        Per solve (``baseline``, ``counterfactual``): residual evaluations, max labour-market residual,
        solver message, seconds; and ``baseline_gap`` = max |ŵ − 1| of the solved baseline against
        the data (0 for consistent data with fixed deficits).
    deficits : str
        The rule used.
    """

    def __init__(self, b: MultiSectorBaseline, s0: _State, s1: _State, tau0, tau1, dhat, deficits: str):
        self.baseline, self.deficits = b, deficits
        self._s0, self._s1, self._tau0, self._tau1, self._dhat = s0, s1, tau0, tau1, dhat
        alpha = b._alpha
        what = np.exp(s1.lw - s0.lw)
        chat = np.exp(s1.logc - s0.logc)
        phat = np.exp(s1.logP - s0.logP)
        Pn = np.exp((alpha * (s1.logP - s0.logP)).sum(axis=1))
        self.wage_hat, self.cost_hat, self.price_hat, self.price_index_hat = what, chat, phat, Pn
        M0 = s0.B * s0.X.T[:, :, None]                           # [j, n, i] imports of n from i
        M1 = s1.B * s1.X.T[:, :, None]
        I0 = s0.I
        c_i = chat.T[:, None, :]                                 # ĉ_i^j on [j, n, i]
        c_n = chat.T[:, :, None]                                 # ĉ_n^j on [j, n, i]
        # terms of trade: Σ_i E_ni (ĉ_n − 1) − M_ni (ĉ_i − 1); E_ni^j = M_in^j
        E0 = M0.transpose(0, 2, 1)
        tot = (E0 * (c_n - 1.0) - M0 * (c_i - 1.0)).sum(axis=2).T / I0[:, None] * 100
        mhat = np.divide(M1, M0, out=np.zeros_like(M1), where=M0 > 0)
        vot = (np.where(M0 > 0, tau0 * M0 * (mhat - c_i), 0.0)).sum(axis=2).T / I0[:, None] * 100
        tech = (-(M0 * (1.0 + tau0) * (dhat - 1.0))).sum(axis=2).T / I0[:, None] * 100
        off = ~np.eye(b.n_regions, dtype=bool)[None]
        imp0, imp1 = (M0 * off).sum(axis=2).T, (M1 * off).sum(axis=2).T          # (N, J)
        exp0, exp1 = (M0 * off).sum(axis=1).T, (M1 * off).sum(axis=1).T

        def pct(a1, a0):
            return np.divide(a1, a0, out=np.full_like(a1, np.nan), where=a0 > 0) * 100 - 100

        Ihat = s1.I / s0.I
        self.countries = pd.DataFrame({
            "welfare": tot.sum(axis=1) + vot.sum(axis=1) + tech.sum(axis=1),
            "tot": tot.sum(axis=1), "vot": vot.sum(axis=1), "tech": tech.sum(axis=1),
            "real_wage": (what / Pn - 1) * 100, "real_income": (Ihat / Pn - 1) * 100,
            "wage": (what - 1) * 100, "price_index": (Pn - 1) * 100, "income": (Ihat - 1) * 100,
            "exports": pct(exp1.sum(axis=1), exp0.sum(axis=1)), "imports": pct(imp1.sum(axis=1), imp0.sum(axis=1)),
        }, index=pd.Index(b.regions, name="region"))
        idx = pd.MultiIndex.from_product([b.regions, b.sectors], names=["region", "sector"])
        self.sectors = pd.DataFrame({
            "cost": ((chat - 1) * 100).ravel(), "price": ((phat - 1) * 100).ravel(),
            "output": pct(s1.Y, s0.Y).ravel(), "exports": pct(exp1, exp0).ravel(),
            "imports": pct(imp1, imp0).ravel(), "tot": tot.ravel(), "vot": vot.ravel(), "tech": tech.ravel(),
        }, index=idx)
        attrs = {"deficits": deficits, "numeraire": "world value added Σ_n w_nL_n",
                 "units": "percent changes, counterfactual against the solved baseline"}
        self.countries.attrs.update(attrs)
        self.sectors.attrs.update(attrs)
        self.convergence = {"baseline": s0.info, "counterfactual": s1.info,
                            "baseline_gap": float(np.abs(np.exp(s0.lw) - 1.0).max())}

    def flows(self) -> pd.DataFrame:
        """Bilateral flows net of tariffs, baseline (solved) and counterfactual, one row per
        (sector, exporter, importer)."""
        b = self.baseline
        J, N = b._shape
        M0 = (self._s0.B * self._s0.X.T[:, :, None]).transpose(0, 2, 1)   # [j, i, n]
        M1 = (self._s1.B * self._s1.X.T[:, :, None]).transpose(0, 2, 1)
        return pd.DataFrame({"sector": np.repeat(b.sectors, N * N), "exporter": np.tile(np.repeat(b.regions, N), J),
                             "importer": np.tile(b.regions, J * N), "baseline": M0.ravel(),
                             "counterfactual": M1.ravel(),
                             "tariff_baseline": self._tau0.transpose(0, 2, 1).ravel(),
                             "tariff_counterfactual": self._tau1.transpose(0, 2, 1).ravel(),
                             "iceberg_change": self._dhat.transpose(0, 2, 1).ravel()})

    def __repr__(self) -> str:
        c = self.convergence["counterfactual"]
        return (f"MultiSectorResult({self.baseline.n_regions} regions × {self.baseline.n_sectors} sectors, "
                f"deficits={self.deficits!r}, {c['evaluations']} evaluations, residual {c['max_residual']:.1e})")


def solve_multisector(baseline: MultiSectorBaseline, *, tariffs=None, iceberg=None, deficits: str = "fixed",
                      tol: float = 1e-10, max_iter: int = 100_000) -> MultiSectorResult:
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
    deficits : {"fixed", "zero"}
        ``"fixed"``: D_n at baseline values; ``"zero"``: D_n = 0 in baseline and counterfactual
        (CP section 5.1).
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
        Unknown deficit rule; tariffs ≤ −1 or d̂ ≤ 0; wrong shapes.
    GEConvergenceError
        No solution within the limits.

    References
    ----------
    Caliendo & Parro (2015), eqs. 10–15 and 24.
    """
    b = baseline
    if deficits not in DEFICIT_RULES_MS:
        raise GEInputError(f"deficits must be one of {list(DEFICIT_RULES_MS)}, got {deficits!r}")
    t1 = _scenario_array(b, tariffs, b.tariffs, "tariffs")
    d1 = _scenario_array(b, iceberg, np.ones_like(b.tariffs), "iceberg")
    if (t1 <= -1).any():
        raise GEInputError(f"tariffs must be > −1; {int((t1 <= -1).sum())} entries are not")
    if (d1 <= 0).any():
        raise GEInputError(f"iceberg changes d̂ must be > 0; {int((d1 <= 0).sum())} entries are not")
    D = b.deficits.copy() if deficits == "fixed" else np.zeros(b.n_regions)
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
        raise GEInputError(f"iceberg_cut: {bad} are not regions or sectors of the baseline; regions are "
                           f"{list(b.regions)[:5]}..., sectors {list(b.sectors)[:5]}...")
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


@dataclass
class MSDraws:
    """θ draws of a multi-sector counterfactual (:func:`theta_draws`).

    Attributes
    ----------
    point : MultiSectorResult
        The counterfactual at the baseline θ.
    theta : (D, J) array
        θ of each draw (NaN rows: failed draws).
    values : DataFrame
        One row per (draw, region), the columns of ``point.countries`` asked for.
    failures : list of (int, str)
        Draws that did not converge, with the reason.
    """

    point: MultiSectorResult
    theta: np.ndarray
    values: pd.DataFrame
    failures: list

    def intervals(self, effect: str = "welfare", level: float = 0.95) -> pd.DataFrame:
        """Percentile interval of ``effect`` by region: columns ``point, lower, upper``."""
        if effect not in self.values.columns:
            raise GEInputError(f"effect {effect!r} was not kept; kept: {list(self.values.columns)}")
        q = self.values[effect].groupby(level="region", sort=False).quantile([(1 - level) / 2, (1 + level) / 2])
        q = q.unstack()
        q.columns = ["lower", "upper"]
        return pd.concat([self.point.countries[effect].rename("point"), q], axis=1)


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


def theta_draws(baseline: MultiSectorBaseline, *, draws: int, seed: int = 0, sd: float = 0.25, tariffs=None,
                iceberg=None, deficits: str = "fixed", effects=("welfare", "real_wage"), executor=None,
                workers: int | None = None, progress: bool = True) -> MSDraws:
    """Uncertainty from the trade elasticities: the counterfactual re-solved for D draws of θ.

    Draw d sets θ_j^(d) = θ_j exp(s z_j^(d)), z^(d) ~ N(0, I_J) from ``numpy.random.default_rng([seed, d])``
    (log-normal around the baseline θ with log standard deviation s), and solves the model of
    :func:`solve_multisector` (baseline and counterfactual) at θ^(d). Draws run through
    :func:`gravity.execution.as_executor`; each draw takes its stream from its own index, so results do
    not depend on where or in how many processes they run.

    Parameters
    ----------
    baseline : MultiSectorBaseline
    draws : int
        D ≥ 1.
    seed : int
    sd : float
        s, the standard deviation of ln θ_j (0.25: θ within about ×/÷ 1.6 at 95%).
    tariffs, iceberg, deficits
        The counterfactual, as in :func:`solve_multisector`.
    effects : sequence of str
        Columns of :data:`MS_COUNTRY_EFFECTS` kept per draw.
    executor : Executor, distributed.Client or str, optional
        Where the draws run (a str is a scheduler address); default :func:`gravity.execution.as_executor`.
    workers : int, optional
        Local workers when ``executor`` is not given (0: in-process).
    progress : bool
        Progress bar.

    Returns
    -------
    MSDraws

    Raises
    ------
    GEInputError
        D < 1, s < 0, an unknown effect, or an invalid counterfactual.
    """
    if int(draws) < 1 or sd < 0:
        raise GEInputError(f"draws must be ≥ 1 and sd ≥ 0, got draws={draws}, sd={sd}")
    bad = [e for e in effects if e not in MS_COUNTRY_EFFECTS]
    if bad:
        raise GEInputError(f"unknown effects {bad}; choose from {list(MS_COUNTRY_EFFECTS)}")
    kw = {"tariffs": tariffs, "iceberg": iceberg, "deficits": deficits}
    point = solve_multisector(baseline, **kw)
    ex = as_executor(executor, workers=workers)
    out = ex.map(_theta_task, list(range(int(draws))), shared=(baseline, seed, sd, kw, tuple(effects)),
                 desc="multi-sector θ draws", progress=progress, unit="draw")
    J, N = baseline._shape
    thetas = np.full((int(draws), J), np.nan)
    vals = np.full((int(draws), N, len(effects)), np.nan)
    fails = []
    for d, th, v, why in out:
        if v is None:
            fails.append((d, why))
            continue
        thetas[d], vals[d] = th, v
    idx = pd.MultiIndex.from_product([range(int(draws)), baseline.regions], names=["draw", "region"])
    values = pd.DataFrame(vals.reshape(-1, len(effects)), index=idx, columns=list(effects)).dropna(how="all")
    return MSDraws(point, thetas, values, fails)
