"""The corridor brief: the report's words and tables, as document blocks (:mod:`gravity.report.documents`).

The first page — everything before the first ``("pagebreak",)`` — states what a reader must know
before any number: the sample, the identification, the data gaps, σ and how the headline moves with
σ (and with the domestic-flow construction). :func:`first_page` builds it from plain facts
(:class:`ReportFacts`) so it can be tested without running the pipeline; :func:`report_facts` and
:func:`blocks` read a :class:`~gravity.jobs.corridor.pipeline.CorridorResult` (duck-typed: only its
attributes ``config``, ``words``, ``panel_info``, ``panel_facts``, ``estimates``, ``coefficients``,
``ge``, ``tables``). Place-specific words come from the model file (:mod:`gravity.jobs.corridor.words`).
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy.stats import norm

from gravity.report.documents import Block

HEADLINE_ROWS = (("real_gdp", "full"), ("real_gdp", "conditional"), ("exports", "full"))
VALUE_ADDED = {"industry": "GDP × industry share of GDP (WDI NY.GDP.MKTP.CD × NV.IND.TOTL.ZS)",
               "manufacturing": "manufacturing value added (WDI NV.IND.MANF.CD; industry VA × the median ratio where absent)"}


@dataclass
class ReportFacts:
    """Plain values the first page needs (all text already in words, tables as DataFrames)."""

    title: str
    sample: list[str]                      # sentences on the estimation sample
    identification: list[str]              # what the headline identifies and cannot
    headline_spec: str
    data_gaps: list[str]
    sigma: float
    headline: pd.DataFrame                 # headline GE results (e.g. ECO / TJK real GDP with CIs)
    sigma_sensitivity: pd.DataFrame        # the headline re-solved at other σ
    domestic: list[str]                    # how domestic flows were built
    domestic_sensitivity: pd.DataFrame | None = None
    key_coefficients: pd.DataFrame | None = None
    sources: list[str] = field(default_factory=list)
    reading: list[str] = field(default_factory=list)   # plain-language reading of the results
    base_year: int = 2016


def first_page(f: ReportFacts) -> list[Block]:
    """The first page as blocks, ending with a page break.

    Parameters
    ----------
    f : ReportFacts

    Returns
    -------
    list of tuple
        Document blocks (:mod:`gravity.report.documents`).
    """
    blocks: list[Block] = [("h1", f.title)]
    if f.reading:
        blocks += [("h2", "What the data say"), ("ul", f.reading)]
    blocks += [("h2", "Headline (general equilibrium, headline specification)"),
               ("table", f.headline, f"% change against the {f.base_year} baseline; 95% intervals from parametric "
                                     "draws of the coefficients and from a pair bootstrap.")]
    if f.key_coefficients is not None:
        blocks += [("table", f.key_coefficients, f"Coefficients behind the scenarios ({f.headline_spec}).")]
    blocks += [("h2", "Sample"), ("ul", f.sample),
               ("h2", "Identification"), ("ul", f.identification),
               ("h2", "Data gaps"), ("ul", f.data_gaps),
               ("h2", f"Elasticity of substitution: σ = {f.sigma:g}"),
               ("table", f.sigma_sensitivity, "The headline re-solved at other values of σ (point estimates)."),
               ("h2", "Domestic flows"), ("ul", f.domestic)]
    if f.domestic_sensitivity is not None:
        blocks += [("table", f.domestic_sensitivity, "The headline with the alternative domestic-flow "
                                                     "construction (point estimates).")]
    if f.sources:
        blocks += [("h3", "Sources"), ("ul", f.sources)]
    blocks.append(("pagebreak",))
    return blocks


def _sel(df: pd.DataFrame, **eq) -> pd.DataFrame:
    """Rows where every named column equals the value (bracket access: ``group`` is also a method name)."""
    m = np.ones(len(df), dtype=bool)
    for k, v in eq.items():
        m &= (df[k] == v).to_numpy()
    return df[m]


def signed(x: float, d: int = 3) -> str:
    """``x`` with its sign and ``d`` decimals (``+0.013``); blank when missing."""
    return "" if x is None or not np.isfinite(x) else f"{x:+.{d}f}"


def interval(lo, hi, d: int = 3) -> str:
    """``[lo, hi]`` with signs; blank when either end is missing."""
    if lo is None or hi is None or not (np.isfinite(lo) and np.isfinite(hi)):
        return ""
    return f"[{lo:+.{d}f}, {hi:+.{d}f}]"


def headline_table(res, groups: tuple[str, ...] | None = None) -> pd.DataFrame:
    """Per scenario: real GDP and exports (% change) for the main groups and the focus country.

    Parameters
    ----------
    res : CorridorResult
    groups : tuple of str, optional
        Aggregates to show (default: the report's group and its landlocked members).

    Returns
    -------
    DataFrame
        Text cells: scenario, who, measure, GE, % change, 95% CI (parametric), 95% CI (pair bootstrap).
    """
    cfg = res.config
    groups = tuple(res.words.aggregates[:2]) if groups is None else tuple(groups)
    agg, ctry = res.tables.aggregates, res.tables.countries
    rows = []
    for s in cfg.scenarios:
        for who in list(groups) + ([cfg.focus] if cfg.focus else []):
            for meas, ge in HEADLINE_ROWS:
                if who in groups:
                    r = _sel(agg, scenario=s.name, group=who, measure=meas, ge=ge)
                    if r.empty:
                        continue
                    r = r.iloc[0]
                    est, lo, hi = r.estimate, r.get("lo"), r.get("hi")
                    blo, bhi = r.get("boot_lo"), r.get("boot_hi")
                else:
                    r = _sel(ctry, scenario=s.name, country=who)
                    if r.empty:
                        continue
                    r = r.iloc[0]
                    e = f"{meas}_{'cdl' if ge == 'conditional' else 'full'}"
                    est, lo, hi = r[e], r[f"{e}_lo"], r[f"{e}_hi"]
                    blo, bhi = r.get(f"{e}_boot_lo"), r.get(f"{e}_boot_hi")
                rows.append({"scenario": s.name, "who": who, "measure": meas.replace("_", " "), "GE": ge,
                             "% change": signed(est), "95% CI (parametric)": interval(lo, hi),
                             "95% CI (pair bootstrap)": interval(blo, bhi)})
    return pd.DataFrame(rows)


def landlocked_elasticities(res, level: float = 0.95) -> pd.DataFrame:
    """Weakest-link elasticity by landlocked status: b_main + Σ b_interactions, with delta-method intervals.

    For the pair types both coastal, landlocked exporter, landlocked importer and both landlocked,
    the elasticity is b = b_m + Σ_{k∈K} b_k with se = sqrt(1' V̂_K∪m 1) from the pair-clustered V̂.

    Parameters
    ----------
    res : CorridorResult
    level : float
        Confidence level.

    Returns
    -------
    DataFrame
        pair_type, terms, estimate, se, lo, hi (empty without a weakest-link regressor).
    """
    cfg = res.config
    fit = res.estimates.fits[cfg.headline.name]
    main = [r for r in cfg.headline.slopes if cfg.regressors[r].kind == "weakest_link" and not cfg.regressors[r].times]
    if not main:
        return pd.DataFrame()
    m = main[0]
    ind = cfg.regressors[m].indicator
    inter = {cfg.regressors[r].times: r for r in cfg.headline.slopes
             if cfg.regressors[r].indicator == ind and cfg.regressors[r].times and cfg.regressors[r].kind == "weakest_link"}
    V = fit.cov_params()
    z = norm.ppf(0.5 + level / 2)
    rows = []
    for label, parts in (("both coastal", []), ("landlocked exporter", ["landlocked_o"]),
                         ("landlocked importer", ["landlocked_d"]), ("both landlocked", ["landlocked_o", "landlocked_d"])):
        if any(p not in inter for p in parts):
            continue
        names = [m] + [inter[p] for p in parts]
        est = float(fit.params[names].sum())
        se = float(np.sqrt(V.loc[names, names].to_numpy().sum()))
        rows.append({"pair_type": label, "terms": " + ".join(names), "estimate": est, "se": se,
                     "lo": est - z * se, "hi": est + z * se})
    return pd.DataFrame(rows)


def reading(res) -> list[str]:
    """The plain-language reading of the results (first section of the report)."""
    cfg, g = res.config, res.words.group
    co = res.coefficients
    h = co[co.spec == cfg.headline.name].set_index("term")
    out = []
    for term, r in h.iterrows():
        sig = "significant at 5%" if r.pvalue < 0.05 else ("significant at 10%" if r.pvalue < 0.10 else "not significant")
        out.append(f"{term}: {r.estimate:+.3f} (pair-clustered SE {r.se:.3f}; 95% CI [{r.lo:+.3f}, {r.hi:+.3f}]; {sig}).")
    for spec in cfg.specifications:
        if spec.headline or "exporter^importer" in spec.fixed_effects or spec.name not in res.estimates.fits:
            continue
        o = co[co.spec == spec.name].set_index("term")
        common = [t for t in h.index if t in o.index]
        if common:
            out.append(f"Without pair fixed effects ({spec.label}): " + "; ".join(
                f"{t} {o.loc[t, 'estimate']:+.3f} ({o.loc[t, 'se']:.3f})" for t in common)
                + ". These mix cross-pair association with within-pair change; where they are larger or of another "
                  "sign than the headline, the within-pair evidence does not confirm them.")
    lc = landlocked_elasticities(res)
    if len(lc):
        out.append("Weakest-link internet elasticity by landlocked status (sum of the main and interaction "
                   "coefficients, pair-clustered): " + "; ".join(
                       f"{r.pair_type} {r.estimate:+.3f} [{r.lo:+.3f}, {r.hi:+.3f}]" for r in lc.itertuples()) + ".")
        if (lc["estimate"] < 0).any():
            out.append("Where an elasticity is negative, trade within a pair does not rise when the less connected partner's "
                       "internet use rises, so scenario (a) lowers predicted trade for those pairs. This is what the data say "
                       "with pair fixed effects: the scenario is shown with its interval, not dropped or re-specified.")
    agg = res.tables.aggregates
    for s in cfg.scenarios:
        r = _sel(agg, scenario=s.name, group=g, measure="real_gdp", ge="full")
        if len(r):
            r = r.iloc[0]
            out.append(f"{s.label}: {g} real GDP {r.estimate:+.3f}% (full GE; parametric 95% CI "
                       f"{interval(r.get('lo'), r.get('hi'))}" + (f", bootstrap {interval(r.get('boot_lo'), r.get('boot_hi'))}"
                                                                  if "boot_lo" in r and np.isfinite(r.get("boot_lo", np.nan)) else "") + ").")
    return out


def sample_lines(res) -> list[str]:
    """The estimation sample in sentences (the panel's facts are in ``res.panel_facts``)."""
    cfg, info, pf = res.config, res.panel_info, res.panel_facts
    fit = res.estimates.fits[cfg.headline.name]
    drops = ", ".join(f"{v:,} {k}" for k, v in info["headline_drops"].items())
    lines = [
        f"{res.words.trade_data}, waves {', '.join(map(str, cfg.sample.years))}; "
        f"{info['countries']} countries in the square panel.",
        f"Headline ({cfg.headline.label}): {int(fit.nobs):,} pair-years used, {fit.n_clusters:,} pair clusters; "
        f"left out: {drops}.",
        "International cells by status: " + ", ".join(f"{k} {v:,}" for k, v in pf.flow_status.items() if v) + ".",
    ]
    if pf.never_report:
        lines.append(f"Exporters that never report in the source: {', '.join(pf.never_report)} (their flows are missing, "
                     "not zero, and they enter the estimation only as importers).")
    if info.get("dropped_countries"):
        lines.append("Codes left out of the panel: " + ", ".join(f"{k} ({v})" for k, v in info["dropped_countries"].items()) + ".")
    return lines


def gap_lines(res) -> list[str]:
    """The data gaps: filled exports, excluded codes, clipped domestic flows, flagged indicator cells,
    the model file's notes, member pairs without data."""
    cfg, t, w = res.config, res.ge.table, res.words
    lines = []
    filled = [c for c in t.countries if bool(t.output.loc[c, "filled"])]
    if filled:
        grp = [c for c in filled if c in set(w.members)]
        lines.append(f"{len(filled)} countries report no exports in {cfg.sample.base_year} (incl. {w.group}: "
                     f"{', '.join(grp) or 'none'}): their bilateral exports are filled cell by cell as the WDI "
                     "merchandise-export total × gravity-predicted destination shares (flag 'filled'); every number "
                     "involving their exports rests on this construction.")
    if len(t.excluded):
        share = 100 * t.excluded["share_of_trade"].fillna(0).sum()
        lines.append(f"{len(t.excluded)} codes are excluded from the GE world ({share:.2f}% of reported base-year trade): "
                     + ", ".join(f"{r.iso3}" for r in t.excluded.itertuples()) + " — see the 'Excluded countries' table.")
    clipped = list(t.output.index[t.output["clipped"]])
    if clipped:
        lines.append(f"Domestic flows clipped to {t.floor_share:g} × exports (constructed output below exports: entrepôts, "
                     f"re-exports): {', '.join(clipped)}.")
    for ind, kinds in res.panel_facts.indicator_flags.items():
        if kinds:
            lines.append(f"{ind}: " + ", ".join(f"{v} country-years {k}" for k, v in kinds.items())
                         + " (flagged per cell; estimation and scenarios use them as values).")
    lines += [w.indicator_notes[ind] for ind in cfg.indicators if ind in w.indicator_notes]
    scen = res.tables.scenarios
    if "member_pairs_without_data" in scen:
        for r in scen[scen["member_pairs_without_data"] > 0].itertuples():
            lines.append(f"Scenario {r.scenario}: {r.member_pairs_without_data} pairs with a member have no base-year "
                         f"value of a shocked indicator (countries without it: {r.countries_without_indicator or 'n/a'}); "
                         "their trade costs are left unchanged.")
    lines += list(w.data_notes)
    return lines


def domestic_lines(res) -> list[str]:
    """How the domestic flows X_ii were built (and the alternative construction)."""
    t = res.ge.table
    lines = [f"X_ii = {t.multiplier:g} × value added − exports in the table, value added = {VALUE_ADDED[t.method]}; "
             f"{t.multiplier:g} is the gross-output/value-added ratio of goods sectors (assumption stated in the model file).",
             f"Where that is below {t.floor_share:g} × exports the domestic flow is set to {t.floor_share:g} × exports (flagged)."]
    if res.ge.alt_table is not None:
        lines.append(f"Sensitivity: the same with value added = {VALUE_ADDED[res.ge.alt_table.method]} (table below).")
    return lines


def member_table(res) -> pd.DataFrame:
    """The group's members × scenario: real GDP, exports and imports (full GE) with parametric intervals, as text."""
    c = res.tables.countries
    c = c[c["eco"].to_numpy()]
    rows = []
    for r in c.itertuples():
        rows.append({"scenario": r.scenario, "country": r.country,
                     "real GDP": f"{signed(r.real_gdp_full)} {interval(r.real_gdp_full_lo, r.real_gdp_full_hi)}",
                     "exports": f"{signed(r.exports_full)} {interval(r.exports_full_lo, r.exports_full_hi)}",
                     "imports": f"{signed(r.imports_full)} {interval(r.imports_full_lo, r.imports_full_hi)}"})
    return pd.DataFrame(rows)


def report_facts(res) -> ReportFacts:
    """The first page's facts from a corridor result."""
    cfg = res.config
    co = res.coefficients
    sig = res.tables.sensitivity_sigma
    dom = res.tables.sensitivity_domestic
    h = co[co.spec == cfg.headline.name][["term", "estimate", "se", "lo", "hi", "pvalue"]]
    return ReportFacts(
        title=cfg.title, sample=sample_lines(res),
        identification=[cfg.headline.identifies, "It cannot identify: " + cfg.headline.cannot] +
        [f"Sensitivity '{s.label}': {s.identifies} It cannot: {s.cannot}" for s in cfg.specifications if not s.headline],
        headline_spec=cfg.headline.label, data_gaps=gap_lines(res), sigma=cfg.ge.sigma,
        headline=headline_table(res), sigma_sensitivity=sig[sig.quantity.str.contains("real_gdp")],
        domestic=domestic_lines(res),
        domestic_sensitivity=dom[dom.quantity.str.contains("real_gdp")] if dom is not None else None,
        key_coefficients=h, sources=list(res.words.sources), reading=reading(res), base_year=cfg.sample.base_year)


def blocks(res, regressions, *, plots: bool = True) -> list[Block]:
    """The whole report as document blocks.

    Parameters
    ----------
    res : CorridorResult
    regressions : RegressionTable
        The specifications side by side (shown as markdown and html).
    plots : bool
        Include the figures written by the run (``plots/*.png``, relative paths).

    Returns
    -------
    list of tuple
    """
    cfg, g = res.config, res.words.group
    out = first_page(report_facts(res))
    scen = res.tables.scenarios
    out.insert(3, ("table", scen[[c for c in ("scenario", "label", "shocks", "pairs_changed") if c in scen]],
                   "Scenario definitions: what moves, for which pairs (domestic pairs never change)."))
    lc = landlocked_elasticities(res)
    if len(lc):
        out.insert(-1, ("h2", "Does connectivity matter more for landlocked economies?"))
        out.insert(-1, ("table", lc, "Weakest-link internet elasticity of trade within pairs (headline specification)."))
    img = (lambda path, cap: [("img", path, cap)]) if plots else (lambda path, cap: [])
    out += [("h2", f"Real GDP by {g} member"),
            *img("plots/real_gdp_full.png", "Full-endowment GE, % change in real GDP with 95% intervals."),
            *img("plots/real_gdp_cdl.png", "Conditional GE (output and expenditure fixed)."),
            ("table", member_table(res), f"{g} members, % change, full GE, parametric 95% intervals."),
            ("h2", "Estimates"), *img("plots/coefficients.png", "PPML coefficients, pair-clustered 95% intervals."),
            ("md", regressions.to_markdown(), regressions.to_html()),
            ("h2", "Data coverage"), *img("plots/coverage.png", "Present / flagged (carried, estimated, filled) / missing.")]
    fp = res.tables.focus_partners
    if cfg.focus and len(fp):
        last = cfg.scenarios[-1].name
        out += [("h2", f"{cfg.focus}: partners whose trade changes most ({last}, full GE)"),
                ("table", _sel(fp, scenario=last).drop(columns="scenario"),
                 "Point estimates, US$; 'filled' baseline flows are constructed, not reported.")]
    out += [("h2", "Method"), ("ul", [
        "Scenario → change in bilateral trade costs: Δ ln t_ij^(1-σ) = Σ_k b_k Δx_k,ij with the headline coefficients; "
        "domestic pairs never change.",
        "GE: exact hat algebra (Yotov et al. 2016, ch. 2), baseline calibrated to the base-year table; conditional GE "
        "holds output and expenditure fixed, full-endowment GE solves factory-gate prices; real GDP = Y/P.",
        f"Intervals: {cfg.ge.draws} parametric draws b ~ N(b̂, V̂_pair-cluster) and {cfg.ge.bootstrap} pair-bootstrap "
        f"re-estimations, each pushed through the same GE; percentile {int(cfg.ge.ci * 100)}% intervals; seed "
        f"{cfg.ge.seed} (the same command gives the same tables).",
    ])]
    return out
