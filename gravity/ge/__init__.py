"""General-equilibrium counterfactuals of trade-cost changes in structural gravity.

    base = gv.ge.Baseline.from_trade(df, sigma=7, costs=gv.ge.trade_costs(df, beta), reference="DEU")
    res = gv.ge.solve(base, cost_change=that)      # res.countries, res.pairs

Routes: exact hat algebra (:mod:`gravity.ge.solver`, default) and GEPPML re-estimation
(:mod:`gravity.ge.geppml`); uncertainty by coefficient draws or pair bootstrap
(:mod:`gravity.ge.uncertainty`).
"""
from gravity.ge.baseline import Baseline, GEInputError, align_pairs, trade_costs
from gravity.ge.solver import EFFECTS, GEConvergenceError, GEResult, cost_change_matrix, solve
from gravity.ge.geppml import book_loop, geppml
from gravity.ge.uncertainty import (BetaDraws, GEUncertainty, confidence_intervals, pair_bootstrap,
                                    parametric_draws, ppml_refit)

__all__ = ["Baseline", "GEInputError", "GEConvergenceError", "GEResult", "EFFECTS", "align_pairs",
           "trade_costs", "cost_change_matrix", "solve", "geppml", "book_loop", "BetaDraws",
           "GEUncertainty", "confidence_intervals", "pair_bootstrap", "parametric_draws", "ppml_refit"]
