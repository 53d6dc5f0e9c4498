"""What the data cannot tell apart, solved: every placement of a border × country-variable effect.

A coefficient on f(x_i)·INTL_ij is identified only relative to domestic sales and only as the sum of
the exporter- and importer-side effects (Heid, Larch & Yotov 2021). The GE result depends on where the
effect sits, so every placement of :data:`gravity.scenario.shocks.PLACEMENTS` is solved, each with its
pooled interval (the same draws as the headline: coefficients × σ × domestic-flow construction), and the
brief states the range. Pair terms (agreements) are the same in every placement.
"""

from __future__ import annotations

import pandas as pd

from gravity.ge import solve
from gravity.jobs.corridor import tables as ct
from gravity.scenario.shocks import PLACEMENTS, country_level_terms, placed_cost_change


def placement_table(
    cfg, an, words, ge_d, deltas, fit, groups, *, pooled_interval, headline=None, progress=True
) -> pd.DataFrame:
    """Every estimated scenario whose headline change moves a country-level border term, under every
    placement: the focus country's and the group's real income and real exports with pooled intervals.

    Parameters
    ----------
    pooled_interval : callable
        ``(delta, fit, scenario=, label=) -> PooledUncertainty`` of the run (same draws, σ and variants).
    headline : dict, optional
        The run's scenario results (``ScenarioGE`` by name): the exporter placement is the headline's own
        solution and draws, reused instead of solved again.

    Returns
    -------
    DataFrame
        scenario, placement, where (words), quantity, estimate, lo, hi, share_above_zero, share_below_zero (of
        the draws).
    """
    h = cfg.headline
    cterms = country_level_terms(cfg.regressors, h.slopes)
    base = ge_d.baselines[("itpde", cfg.ge.sigma)]
    rows = []
    for s in cfg.estimated_scenarios:
        if (s.spec or h.name) != h.name:
            continue  # priced by another specification: its own table, not placed here
        delta = deltas.get((h.name, s.name))
        if delta is None or not [c for c in delta.columns if c in cterms and (delta[c] != 0).any()]:
            continue
        for pl, where in PLACEMENTS.items():

            def fn(beta, _d=delta, _pl=pl):
                return placed_cost_change(_d, beta, base.n, cterms, _pl)

            if pl == "exporter" and headline is not None and s.name in headline:
                point, pooled = headline[s.name].point, headline[s.name].pooled
            else:
                point = solve(base, fn(fit.params), deficits=an.deficit_rule)
                pooled = pooled_interval(delta, fit, scenario=fn, label=f"scenario {s.name}, placement {pl}")
            for q, (est, lo, hi, up, down) in ct.summary_with_interval(
                cfg, words, base, point.countries, pooled, groups
            ).items():
                rows.append(
                    dict(
                        scenario=s.name,
                        placement=pl,
                        where=where,
                        quantity=q,
                        estimate=est,
                        lo=lo,
                        hi=hi,
                        share_above_zero=up,
                        share_below_zero=down,
                    )
                )
    return pd.DataFrame(rows)
