"""General-equilibrium counterfactuals of trade-cost changes in structural gravity (Yotov et al. 2016, ch. 2).

Baseline from a square table (exporter, importer, flow incl. domestic X_ii), costs t_ij^{1-σ} and σ::

    fit = gv.ppml("trade ~ ln_DIST + CNTG + INTL_BRDR | exporter + importer", df)
    beta = fit.params[["ln_DIST", "CNTG", "INTL_BRDR"]]
    base = gv.ge.Baseline.from_trade(df, sigma=7, costs=gv.ge.trade_costs(df, beta), reference="DEU")

Counterfactual from a change in costs (t̂ = t'/t as a matrix or Series keyed by pair) or from new
costs (coefficients × changed covariates)::

    res = gv.ge.solve(base, new_costs=gv.ge.trade_costs(df.assign(INTL_BRDR=0), beta))
    res.countries    # % changes: exports/imports/output/price/omr/imr/real_gdp, _cdl and _full
    res.pairs        # observed, baseline (structural), conditional and full flows per pair

Confidence intervals (parametric draws from ``fit.cov_params()``, or a pair-cluster bootstrap)::

    scen = lambda b: gv.ge.trade_costs(df.assign(INTL_BRDR=0), b) / gv.ge.trade_costs(df, b)
    ci = gv.ge.confidence_intervals(base, scen, fit=fit, coefficients=beta.index, draws=1000, seed=1,
                                    baseline_costs=lambda b: gv.ge.trade_costs(df, b))
    ci.countries     # (effect, point|lower|upper); ci.n_failed, ci.failures (draw, stage, reason)
    pooled = gv.ge.pooled_intervals([("sigma=5", base), ("sigma=3", base3), ("sigma=7", base7)], scen,
                                    fit=fit, coefficients=beta.index, draws=1000, seed=1)
    pooled.countries # the interval carries σ too; pooled.variants: each variant's own

Trade imbalances (the rule can move a country's result more than the policy does)::

    gv.ge.purge_deficits(base)                                   # balanced-trade baseline (DEK 2007)
    gv.ge.compare_deficit_rules(base, new_costs=new)             # rule × country: ratio, additive, balanced
    gv.ge.confidence_intervals(..., refit=gv.ge.ppml_refit(formula, beta.index), data=df,
                               cluster="pair_id", draws=200)   # pair-cluster bootstrap

Conventions: resistances normalised with IMR_ref = P_ref^{1-σ} = 1 (``reference``); imbalances as a
fixed ratio φ_j = E_j / Y_j, scaled by one common κ in the full GE so world expenditure equals world
output (κ = 1 under balanced trade), or ``deficits="additive"``; numeraire P_ref = 1 (or
``numeraire="world_output"``), stated in ``res.countries.attrs``; nominal exports are against the
numeraire, ``real_exports_*`` are deflated by the exporter's own consumer price index.
Routes: exact hat algebra (:mod:`gravity.ge.solver`, default) and GEPPML re-estimation
(:func:`geppml`); the book's own Stata loop (:func:`book_loop`) for replication. Group totals
(a bloc's exports or real GDP, per draw too) with :func:`aggregate_levels`.

One vocabulary for both models (:mod:`gravity.ge.options`, :mod:`gravity.ge.results`): the deficit rules
``ratio``/``additive``/``balanced``, the numeraire, the settings of draws, the results base (``countries``
with the same column names for the quantities both models report, ``deficits``, ``numeraire``,
``iterations``, ``converged``) and the intervals (``point``/``lower``/``upper``, ``table(effect)``)::

    from gravity.panel.io_tables import wiod_io_table
    ms = gv.ge.MultiSectorBaseline.from_table(wiod_io_table(2011))
    res = gv.ge.solve_multisector(ms, iceberg=gv.ge.iceberg_cut(ms, ["RUS", "TUR"], cut=0.05),
                                  deficits="additive")
    res.countries[["real_gdp_full", "exports_full", "welfare"]]
    gv.ge.theta_draws(ms, iceberg=..., draws=200, seed=1, level=0.9).table("welfare")

Modules: ``errors`` (exceptions), ``options`` (deficit rules, numeraire, settings), ``results`` (results
and interval bases, the percentile interval), ``pairs`` (pair values → matrices), ``_kernels`` and
``_ms_kernels`` (numba only), ``solver`` (hat algebra API), ``baseline``, ``deficits``, ``geppml``,
``uncertainty``, ``aggregate``, ``multisector`` (Caliendo–Parro), ``onesector_gap`` (one sector against
many on the same shock). Each imports only modules listed before it (``baseline`` uses ``solver``, never
the reverse).

References
----------
Anderson & van Wincoop (2003), *AER* 93(1); Dekle, Eaton & Kortum (2007), *AER* 97(2); Yotov,
Piermartini, Monteiro & Larch (2016), *An Advanced Guide to Trade Policy Analysis*, ch. 2; Baier,
Yotov & Zylkin (2019), *JIE* 116.
"""

from gravity.ge.aggregate import aggregate_levels
from gravity.ge.baseline import Baseline, trade_costs
from gravity.ge.deficits import compare_deficit_rules, purge_deficits
from gravity.ge.errors import GEConvergenceError, GEInputError
from gravity.ge.geppml import book_loop, geppml
from gravity.ge.multisector import (
    MS_COUNTRY_EFFECTS,
    MultiSectorBaseline,
    MultiSectorResult,
    MultiSectorUncertainty,
    iceberg_cut,
    solve_multisector,
    theta_draws,
)
from gravity.ge.onesector_gap import one_sector_gap
from gravity.ge.options import DEFICIT_RULES, DeficitRule, DrawSettings, Numeraire, SolveSettings
from gravity.ge.pairs import align_pairs
from gravity.ge.results import SHARED_EFFECTS, GEIntervals, GEResultBase, percentile_interval
from gravity.ge.solver import EFFECTS, GEResult, cost_change_matrix, solve
from gravity.ge.uncertainty import (
    BetaDraws,
    GEUncertainty,
    PooledUncertainty,
    confidence_intervals,
    pair_bootstrap,
    parametric_draws,
    pooled_intervals,
    ppml_refit,
)

__all__ = [
    "Baseline",
    "GEInputError",
    "GEConvergenceError",
    "GEResult",
    "EFFECTS",
    "align_pairs",
    "trade_costs",
    "cost_change_matrix",
    "solve",
    "geppml",
    "book_loop",
    "BetaDraws",
    "GEUncertainty",
    "confidence_intervals",
    "pair_bootstrap",
    "parametric_draws",
    "ppml_refit",
    "aggregate_levels",
    "DEFICIT_RULES",
    "DeficitRule",
    "Numeraire",
    "purge_deficits",
    "compare_deficit_rules",
    "PooledUncertainty",
    "pooled_intervals",
    "MultiSectorBaseline",
    "MultiSectorResult",
    "MultiSectorUncertainty",
    "MS_COUNTRY_EFFECTS",
    "solve_multisector",
    "iceberg_cut",
    "theta_draws",
    "one_sector_gap",
    "SHARED_EFFECTS",
    "GEResultBase",
    "GEIntervals",
    "percentile_interval",
    "SolveSettings",
    "DrawSettings",
]
