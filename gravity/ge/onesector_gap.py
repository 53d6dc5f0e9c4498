"""What a one-sector model leaves out: the same iceberg shock in one sector and in many sectors with IO.

The one-sector Armington GE (:func:`gravity.ge.solver.solve`) sees aggregate gross flows
X_in = Σ_j M_in^j and one elasticity σ − 1; the Caliendo–Parro model (:mod:`gravity.ge.multisector`)
sees every sector's flows, its own θ_j and the input-output loop. For a comparable shock both are
given the same cost saving on the same trade: the one-sector iceberg change is the trade-weighted
mean of the sectoral ones,

    ln d̂_in = Σ_j M_in^j ln d̂_in^j / Σ_j M_in^j,       t̂_in^{1−σ} = d̂_in^{−θ̄},

with θ̄ = σ − 1 the harmonic mean of θ_j weighted by the baseline flows the shock touches
(d̂_in^j ≠ 1), 1/θ̄ = Σ w_j / θ_j: gains from trade scale with 1/θ (Arkolakis, Costinot &
Rodríguez-Clare 2012), so an arithmetic mean would let one very elastic sector (CP's petroleum,
θ = 64.85) shrink the one-sector effect. The
effects compared are real GDP, ``real_gdp_full`` in both models (p̂_i / P̂_i in one sector, the real wage
ŵ_n / P̂_n in many; equal in the one-sector reduction, tests/test_ge_multisector.py), with
deficits fixed as a share of world output (``deficits="additive"`` in both), and, between them, the multi-sector
model without input-output linkages (γ_n^j = 1). The ratio is the income-weighted (w_nL_n) sum of the
multi-sector effects over that of the one-sector effects, taken over the regions whose trade costs fall.

References
----------
Arkolakis, C., Costinot, A. & Rodríguez-Clare, A. (2012). New trade models, same old gains?
*American Economic Review* 102(1), 94–130.
Caliendo, L. & Parro, F. (2015). Estimates of the trade and welfare effects of NAFTA. *Review of
Economic Studies* 82(1): 1–44 (section 6: the role of intermediate goods).
Costinot, A. & Rodríguez-Clare, A. (2014). Trade theory with numbers. *Handbook of International
Economics* 4, 197–261 (one sector vs many sectors with IO).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from gravity.ge.baseline import Baseline
from gravity.ge.errors import GEInputError
from gravity.ge.multisector import MultiSectorBaseline, _scenario_array, solve_multisector
from gravity.ge.solver import solve

__all__ = ["OneSectorGap", "one_sector_gap"]


@dataclass
class OneSectorGap:
    """Result of :func:`one_sector_gap`.

    Attributes
    ----------
    table : DataFrame
        By country: ``one_sector``, ``multi_no_io`` and ``multi_io`` (real GDP ``real_gdp_full``, %),
        ``welfare_io`` (CP eq. 24, %), ``shocked`` (trade costs fall).
    ratio : float
        Multi-sector with IO / one sector (income-weighted over the shocked regions).
    ratio_no_io : float
        Multi-sector without IO / one sector.
    theta_bar : float
        θ̄ = σ − 1 of the one-sector model.
    """

    table: pd.DataFrame
    ratio: float
    ratio_no_io: float
    theta_bar: float


def one_sector_gap(baseline: MultiSectorBaseline, iceberg, *, sigma: float | None = None) -> OneSectorGap:
    """Solve an iceberg shock in one sector, in many without IO and in many with IO (module docstring).

    Parameters
    ----------
    baseline : MultiSectorBaseline
        Multi-sector data (tariffs stay at their baseline values in every model; the one-sector
        flows are net of tariffs).
    iceberg : (J, N, N) array or Series
        d̂_in^j, as in :func:`gravity.ge.multisector.solve_multisector` (e.g.
        :func:`gravity.ge.multisector.iceberg_cut`).
    sigma : float, optional
        σ of the one-sector model; default 1 + θ̄.

    Returns
    -------
    OneSectorGap

    Raises
    ------
    GEInputError
        A shock that changes no international flow with trade, or σ ≤ 1.
    """
    b = baseline
    d = _scenario_array(b, iceberg, np.ones_like(b.tariffs), "iceberg")
    M = b.trade  # [j, i, n]
    hit = (d != 1.0) & (M > 0)
    if not hit.any():
        raise GEInputError("the shock changes no flow with trade: give d̂ ≠ 1 on flows > 0")
    theta_bar = float(M[hit].sum() / (M / b.theta[:, None, None])[hit].sum())
    sig = 1.0 + theta_bar if sigma is None else float(sigma)
    if sig <= 1.0:
        raise GEInputError(f"sigma must be > 1, got {sig}")
    agg = M.sum(axis=0)
    lnd = np.divide((M * np.log(d)).sum(axis=0), agg, out=np.zeros_like(agg), where=agg > 0)
    N = b.n_regions
    df = pd.DataFrame({"exporter": np.repeat(b.regions, N), "importer": np.tile(b.regions, N), "trade": agg.ravel()})
    change = pd.Series(
        np.exp((1.0 - sig) * lnd).ravel(), index=pd.MultiIndex.from_frame(df[["exporter", "importer"]])
    )  # keyed: any order
    one = solve(
        Baseline.from_trade(df, sigma=sig, reference=str(b.regions[0])),
        cost_change=change,
        numeraire="world_output",
        deficits="additive",
    )
    io = solve_multisector(b, iceberg=d, deficits="additive")
    Y = M.sum(axis=2)  # sales by (j, i)
    flat = MultiSectorBaseline.from_arrays(
        b.regions,
        b.sectors,
        M,
        Y,
        b.theta,
        tariffs=b.tariffs,
        deficits=b.deficits,
        meta={"source": "no IO: " + str(b.meta.get("source"))},
    )
    noio = solve_multisector(flat, iceberg=d, deficits="additive")
    shocked = hit.any(axis=(0, 2)) | hit.any(axis=(0, 1))
    tab = pd.DataFrame(
        {
            "one_sector": one.countries["real_gdp_full"].reindex(b.regions).to_numpy(),
            "multi_no_io": noio.countries["real_gdp_full"].to_numpy(),
            "multi_io": io.countries["real_gdp_full"].to_numpy(),
            "welfare_io": io.countries["welfare"].to_numpy(),
            "shocked": shocked,
        },
        index=pd.Index(b.regions, name="country"),
    )
    w = b.shares["wL"][shocked]
    base = float((w * tab["one_sector"].to_numpy()[shocked]).sum())
    return OneSectorGap(
        tab,
        float((w * tab["multi_io"].to_numpy()[shocked]).sum()) / base,
        float((w * tab["multi_no_io"].to_numpy()[shocked]).sum()) / base,
        theta_bar,
    )
