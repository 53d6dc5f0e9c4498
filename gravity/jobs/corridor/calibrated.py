"""Calibrated scenarios: published trade-cost cuts through the GE, with the published range × σ.

Each ``[[scenario]]`` with a ``cost_cut`` (:class:`gravity.scenario.config.CostCut`) is solved on the
base-year table for every variant (trade between members only; all of each member's international
trade) and both readings of the published figure (:mod:`gravity.scenario.calibrated`): the tariff
equivalent (headline) and the whole iceberg factor (upper reading). The point is the central cut at the
headline σ on ITPD-E's domestic flows; the range spans the published low/central/high cut × every σ of
the run × both domestic-flow constructions (a range over stated assumptions, not a sampling interval).
"""

from __future__ import annotations

import itertools

import pandas as pd

from gravity.jobs.corridor import tables as ct
from gravity.scenario import calibrated as cal

ENDS = ("low", "percent", "high")


def check_figures(cfg) -> pd.DataFrame:
    """The figures every calibrated scenario cites, checked against the published-figures file.

    Returns
    -------
    DataFrame
        scenario, figure_id, value, exact_wording, original_source, section_or_page, found_at, reliability.

    Raises
    ------
    ScenarioFileError
        A figure id the file lacks, or a cut none of the cited figures states (naming the model-file line).
    """
    figs = cal.published_figures()
    rows = []
    for i, s in enumerate(cfg.scenarios):
        if not s.calibrated:
            continue
        c = s.cost_cut
        cuts = sorted({v for d in (c.low, c.percent, c.high) for v in d.values()})
        try:
            bad = cal.check_cuts(cuts, c.figures, figs)
        except cal.CalibrationError as exc:
            raise cfg.error(("scenario", i, "cost_cut", "figures"), str(exc), "cite figure ids of the file") from None
        if bad:
            raise cfg.error(
                ("scenario", i, "cost_cut"),
                "; ".join(bad),
                "use the published numbers of the cited figures, or cite the figure that states them",
            )
        for f in c.figures:
            rows.append({"scenario": s.name, "figure_id": f, **figs.loc[f].to_dict()})
    return pd.DataFrame(rows)


def calibrated_tasks(cfg, ge_d, sigmas, domestic):
    """Every solve of the calibrated scenarios: (scenario, variant, reading, end, σ, domestic) → t̂."""
    out = []
    for s in cfg.calibrated_scenarios:
        c = s.cost_cut
        for variant, reading, end, sg, dom in itertools.product(c.variants, cal.READINGS, ENDS, sigmas, domestic):
            base = ge_d.baselines[(dom, sg)]
            that, info = cal.cost_change(
                base.observed, base.countries, getattr(c, end), sg, variant=variant, reading=reading
            )
            out.append(((s.name, variant, reading, end, sg, dom), that, info))
    return out


def calibrated_table(
    cfg, an, words, ge_d, groups, *, run_solves, solve_task_type, sigmas, domestic, progress=True
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Solve every calibrated scenario (module docstring).

    Returns
    -------
    (DataFrame, DataFrame)
        The summary: scenario, variant, reading, quantity, estimate (central cut, headline σ, ITPD-E domestic
        flows), lo, hi (range), pairs, imputed, median_tariff_equivalent; and the focus country's and the
        group members' own % changes at the point (for US$ amounts): scenario, variant, reading, country,
        real_gdp_full, real_expenditure_full, real_exports_full.
    """
    tasks = calibrated_tasks(cfg, ge_d, sigmas, domestic)
    if not tasks:
        return pd.DataFrame(), pd.DataFrame()
    solved = run_solves(
        [solve_task_type((k[5], k[4]), t, an.deficit_rule) for k, t, _ in tasks],
        ge_d,
        desc="calibrated solves",
        progress=progress,
    )
    rows, members = [], []
    focus = [cfg.focus] + [m for m in words.members if m != cfg.focus]
    for (key, _, info), countries in zip(tasks, solved):
        name, variant, reading, end, sg, dom = key
        base = ge_d.baselines[(dom, sg)]
        summ = ct.point_summary(cfg, words, base, countries, groups)
        for q, v in summ.items():
            rows.append(
                dict(
                    scenario=name,
                    variant=variant,
                    reading=reading,
                    end=end,
                    sigma=sg,
                    domestic=dom,
                    quantity=q,
                    value=v,
                    **info,
                )
            )
        if end == "percent" and sg == cfg.ge.sigma and dom == "itpde":
            pt = countries.reindex([c for c in focus if c in set(base.countries)])
            for c, r in pt.iterrows():
                members.append(
                    dict(
                        scenario=name,
                        variant=variant,
                        reading=reading,
                        country=c,
                        real_gdp_full=r["real_gdp_full"],
                        real_expenditure_full=r["real_expenditure_full"],
                        real_exports_full=r["real_exports_full"],
                    )
                )
    long = pd.DataFrame(rows)
    keys = ["scenario", "variant", "reading", "quantity"]
    point = long[(long.end == "percent") & (long.sigma == cfg.ge.sigma) & (long.domestic == "itpde")]
    rng = long.groupby(keys, sort=False)["value"].agg(["min", "max"]).rename(columns={"min": "lo", "max": "hi"})
    out = (
        point.set_index(keys)[["value", "pairs", "imputed", "median_tariff_equivalent"]]
        .rename(columns={"value": "estimate"})
        .join(rng)
        .reset_index()
    )
    out = out[keys + ["estimate", "lo", "hi", "pairs", "imputed", "median_tariff_equivalent"]]
    out["cut_percent"] = [_cut_words(cfg, s) for s in out["scenario"]]
    return out, pd.DataFrame(members)


def _cut_words(cfg, name: str) -> str:
    c = next(s for s in cfg.scenarios if s.name == name).cost_cut
    vals = {m: (c.low[m], c.percent[m], c.high[m]) for m in c.percent}
    uniq = sorted(set(vals.values()))
    txt = "; ".join(
        f"{p:g}"
        + (f" ({lo:g}-{hi:g})" if (lo, hi) != (p, p) else "")
        + " for "
        + ", ".join(m for m, v in vals.items() if v == (lo, p, hi))
        for lo, p, hi in uniq
    )
    return txt if len(uniq) > 1 else txt.split(" for ")[0]
