"""The corridor run's result tables, as one typed object (:class:`CorridorTables`).

Each table is a plain DataFrame attribute; :meth:`CorridorTables.sheets` gives them in workbook order
under their sheet names and :data:`SHEET_NOTES` describes every sheet (the workbook's README). The
functions here arrange what the run computed (fits, GE solutions, draws) and do the small arithmetic the
brief needs (lincom of elasticities, the internet rise that offsets the landlocked penalty); they solve
no GE.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from gravity.data import countries as cc
from gravity.ge import EFFECTS, percentile_interval
from gravity.ge.aggregate import aggregate_levels
from gravity.jobs.corridor.words import ReportWords
from gravity.panel import crosscheck
from gravity.report.workbook import SheetNote
from gravity.scenario import config as sc

MEASURES = {
    "exports": "exports",
    "real_exports": "real exports",
    "imports": "imports",
    "real_gdp": "real GDP",
    "real_expenditure": "real expenditure",
}
GE_KINDS = {"cdl": "conditional", "full": "full"}

LITERATURE = (
    (
        "Freund & Weinhold (2004), J. Int. Econ. 62: 171-189",
        "web hosts (growth), 1995-1999, time series and cross section",
        "a 10 percentage-point increase in the growth of web hosts in a country leads to about a 0.2 percentage-point "
        "increase in export growth; for the average country the Internet added about 1 percentage point to annual "
        "export growth 1997-1999",
    ),
    (
        "Lin (2015), J. Int. Trade & Econ. Development, pp. 409-428 (doi 10.1080/09638199.2014.881906)",
        "internet users, gravity with time-varying country effects",
        "a 10% increase in internet users increases international trade by 0.2%-0.4%",
    ),
    (
        "Limão & Venables (2001), World Bank Econ. Rev. 15(3): 451-479",
        "infrastructure and landlockedness, bilateral trade and shipping costs",
        "deterioration of infrastructure from the median to the 75th percentile: transport costs +12 percentage "
        "points, trade volumes -28%; elasticity of trade to the trade-cost factor about -3 (working-paper version, "
        "WPS 2257: the median landlocked country has 30% of the trade volume of the median coastal economy)",
    ),
)
"""Published figures, as the papers' abstracts state them (each checked against its abstract)."""

PCT = "% change against the base-year (2016) baseline"
GE_SOURCE = "this run: PPML on ITPD-E, then the GE (gravity.ge) on the 2016 ITPD-E table"
SHEET_NOTES: dict[str, SheetNote] = {
    "Brief": SheetNote(
        "The brief's table: the focus country's real GDP, real expenditure and real exports and the group's "
        "real GDP and real exports (full GE, headline estimates) with pooled 95% intervals, the share of draws "
        "above zero and US$ equivalents.",
        "one scenario x one of (focus country, group) x one measure",
        f"pct, lo, hi: {PCT}; usd_m_*: US$ m (each member's own % x its own base-year level, or x WDI GDP of the "
        "latest year every member has, summed for the group)",
        GE_SOURCE + "; WDI GDP",
        {"excludes_zero": "the interval excludes 0 (otherwise a US$ figure is an illustration only)"},
    ),
    "Calibrated brief": SheetNote(
        "The calibrated scenarios' rows of the brief: a published trade-cost cut (tariff-equivalent reading) "
        "through the GE, for the focus country and the group, both variants, with the range over the published "
        "low/central/high cut x sigma x domestic-flow construction and US$ amounts.",
        "one scenario x variant x (focus country, group) x measure",
        f"pct, lo, hi: {PCT}; usd_m_*: US$ m (each member's own % x its own level, summed for the group)",
        GE_SOURCE + "; published figures (Published figures sheet); WDI GDP",
        {"excludes_zero": "the range excludes 0"},
    ),
    "Placements": SheetNote(
        "Each estimated scenario with the border x country-variable effect placed on exporters' international "
        "sales, importers' international purchases, half and half, or domestic sales: the data cannot tell "
        "these apart (only the sum of the exporter- and importer-side effects, relative to domestic sales, is "
        "identified), so every placement is solved with its pooled interval.",
        "one scenario x placement x quantity",
        f"estimate, lo, hi: {PCT}; share_above_zero: share of draws 0-1",
        GE_SOURCE,
    ),
    "Calibrated": SheetNote(
        "Calibrated scenarios: published trade-cost cuts converted to t^(1-sigma), per variant (members only; all "
        "of each member's international trade) and reading (tariff equivalent of Novy 2013; whole iceberg "
        "factor, upper reading); estimate at the central cut, headline sigma and ITPD-E domestic flows; lo/hi the "
        "range over low/central/high cut x sigma x domestic-flow construction.",
        "one scenario x variant x reading x quantity",
        f"{PCT}; median_tariff_equivalent: %; pairs, imputed: counts of country pairs",
        GE_SOURCE + "; published figures (Published figures sheet)",
        {"imputed": "pairs without a Novy measure (a zero flow) given the median tariff equivalent"},
    ),
    "Published figures": SheetNote(
        "Every published figure a calibrated scenario cites, with its exact wording, original source, where the "
        "copy was found and how reliable the copy is.",
        "one scenario x figure",
        "as published",
        "tf-cost-figures/published_tf_figures.csv (transcribed from the pages in found_at)",
    ),
    "Leave one out": SheetNote(
        "The headline's landlocked connectivity elasticity re-estimated without each landlocked country in turn.",
        "one landlocked country left out",
        "estimate, se, lo, hi: elasticity (log points per log point)",
        "this run: gravity.estimation.ppml (fixed-effect separation check)",
    ),
    "Domestic repairs": SheetNote(
        "Domestic flows left out of estimation because they lie outside the country's longest run of years "
        'without an ITPD-E coverage break (domestic_breaks = "drop").',
        "one country x sample",
        "trade: US$ dropped",
        "USITC ITPD-E release 1; gravity.panel.repair",
    ),
    "Border times": SheetNote(
        "Doing Business trading-across-borders times of the focus country and the group members, latest data year: "
        "what paperless trade and single windows act on.",
        "one country",
        "hours (time to export/import: border compliance, documentary compliance)",
        "World Bank, Doing Business via WDI DataBank (data years 2014-2019; no Turkmenistan data)",
    ),
    "Shocks": SheetNote(
        "The size of each estimated scenario's shock for the focus country: indicator before and after, "
        "agreement dummies set among members.",
        "one scenario x input",
        "before, after: the indicator's unit (e.g. % of population)",
        "the model file; WDI; this run",
    ),
    "GE domestic repairs": SheetNote(
        "Base-year domestic flows that lie on ITPD-E's low-coverage side of a coverage break, replaced by the last "
        "full-coverage year's flow scaled by output (GDP) growth; unrepairable ones are constructed.",
        "one country",
        "domestic_*: US$; output_*: GDP, US$",
        "USITC ITPD-E release 1; WDI GDP; gravity.panel.repair",
    ),
    "Domestic share": SheetNote(
        "Domestic share of output X_ii / sum_j X_ij of every GE country (headline table): below the floor it is "
        "replaced by the value-added construction unless that is below the floor too (then the data say so).",
        "one GE country",
        "share: 0-1; domestic, output, constructed: US$",
        "this run's GE table; WDI value added",
        {
            "below": "the domestic share is below the floor (flag: low_share_confirmed = the construction is below it "
            "too, kept; low_share_replaced = replaced by the construction)"
        },
    ),
    "Filled links": SheetNote(
        "Links between group members that ITPD-E records as 0 but the importer reports in COW: filled in the GE "
        "baseline (scaled by the importer's WDI merchandise-import growth from the report year) so a scenario can move "
        "them; the estimation keeps the observed zeros.",
        "one exporter x importer",
        "reported, filled: current US$; scale: ratio",
        "Correlates of War dyadic trade v4.0; WDI merchandise imports",
    ),
    "Agreements": SheetNote(
        "Agreement status of every pair of group members in the base year: the penppml file (Mattoo, Rocha & Ruta "
        "coding) beside DESTA's WTO-notified agreements in force, and which one the run uses.",
        "one pair of members",
        "0/1",
        "penppml (Breinlich et al. 2021); DESTA v2.03 (Dür, Baccini & Elsig 2014)",
        {"desta_known": "DESTA covers both countries of the pair"},
    ),
    "Countries": SheetNote(
        "Per country, headline: baseline exports and GDP; % change in exports, real exports (deflated by the "
        "exporter's consumer prices), imports and real GDP, conditional (_cdl) and full GE, with pooled 95% "
        "intervals (_lo/_hi: coefficients x sigma 3/5/7 x both domestic-flow constructions) and coefficient-only "
        "intervals (_coef_lo/_coef_hi: the headline variant's own draws).",
        "one scenario x one GE country",
        f"{PCT}; baseline_exports_usd_m: US$ m; baseline_gdp_usd_bn: US$ bn",
        GE_SOURCE,
        {"eco": "a member of the report's group", "landlocked": "landlocked in the base year (CEPII)"},
    ),
    "Aggregates": SheetNote(
        "Group % change = level-weighted sum of the members (exports: baseline exports; real GDP: baseline "
        "output), intervals over the same pooled draws.",
        "one scenario x group x measure x GE kind (conditional, full)",
        f"estimate, lo, hi: {PCT}; baseline_level: US$",
        GE_SOURCE,
    ),
    "Focus partners": SheetNote(
        "The focus country's exports and imports with every group partner in the base year, the COW "
        "cross-check (2014, COW's latest year) and the full-GE change under each scenario (blank: no baseline "
        "flow, so no % change).",
        "one group partner",
        "*_usd_m: current US$ m; *_pct: % change of the bilateral flow, full GE",
        "USITC ITPD-E release 1; Correlates of War dyadic trade v4.0; this run's GE",
        {"exports_from_partner_report": "the export is known only from the partner's import report"},
    ),
    "Coefficients": SheetNote(
        "PPML on ITPD-E with domestic flows, pair-clustered standard errors (Stata's G/(G-1)).",
        "one specification x one regressor",
        "coefficients in log points; lo, hi: 95% interval",
        "this run: gravity.estimation.ppml",
        {"headline": "the headline specification"},
    ),
    "Elasticities": SheetNote(
        "Connectivity elasticities per specification: coastal (main term) and landlocked (main + interaction, "
        "lincom with delta-method SE); each is the sum of the exporter- and importer-side effects.",
        "one specification x country type",
        "elasticity of international relative to domestic trade to ln(1 + x)",
        "this run: results.lincom",
        {"country_level": "the connectivity term is one country's own indicator times the border (not a pair's)"},
    ),
    "Offset": SheetNote(
        "The seed question: the internet use at which the focus country's connectivity gain would offset the "
        "landlocked penalty, per specification (none when the landlocked elasticity is <= 0).",
        "one specification",
        "internet_*: % of population (above 100 is out of reach); penalty: log points",
        "this run: elasticities and the 2-way landlocked penalty; WDI internet use",
        {"reachable": "the internet use needed is at most 100% of the population"},
    ),
    "Literature": SheetNote(
        "Our elasticities beside published ones, with what each paper measures.",
        "one source",
        "none (text)",
        "the papers' abstracts as cited; this run",
    ),
    "Sensitivity": SheetNote(
        "Point estimates of every scenario under one change at a time from the headline: specification, sigma, "
        "deficit rule, domestic flows, phase-in share.",
        "one setting x scenario x quantity",
        PCT,
        GE_SOURCE,
    ),
    "Robustness": SheetNote(
        "Per scenario and quantity: in how many of the sensitivity settings (phase-in excluded) the headline's "
        "sign holds, and under which it flips.",
        "one scenario x quantity",
        f"headline, min, max: {PCT}; counts of settings",
        GE_SOURCE,
    ),
    "Deficit rules": SheetNote(
        "Every scenario under the three deficit rules (kappa ratio, additive, balanced-trade baseline), side by side.",
        "one scenario x quantity",
        f"{PCT}, full GE",
        GE_SOURCE + " (gravity.ge.compare_deficit_rules)",
    ),
    "Scenarios": SheetNote(
        "What each scenario moves: instruments, shocked inputs, regressors, pairs changed.",
        "one scenario",
        "counts of country pairs",
        "the model file; this run",
    ),
    "GE baseline countries": SheetNote(
        "Per GE country: exports, imports, domestic flow and its source, coverage break years, deficit in % of "
        "output, share of exports resting on partners' reports.",
        "one GE country",
        "US$ (current); deficit_pct_output: %; mirror_export_share: share 0-1",
        "USITC ITPD-E release 1 (2016); WDI value added where the domestic flow is constructed",
        {"coverage_break": "the domestic flow has an ITPD-E coverage break up to the base year"},
    ),
    "GE cell flags": SheetNote(
        "Cells of the base-year table per flag (itpde, itpde_mirror, zero, domestic_itpde, domestic_itpde_break, "
        "domestic_constructed, domestic_clipped), both domestic-flow variants.",
        "one flag",
        "counts of cells",
        "this run's GE table",
    ),
    "Excluded countries": SheetNote(
        "Countries left out of the GE world and the international trade they carry.",
        "one country",
        "trade: US$; share_of_trade: share 0-1",
        "USITC ITPD-E release 1; WDI",
    ),
    "Coverage breaks": SheetNote(
        "ITPD-E domestic-flow coverage breaks (year-on-year ratio beyond the threshold).",
        "one country-year",
        "before, after: US$; ratio",
        "USITC ITPD-E release 1",
    ),
    "Cross-check": SheetNote(
        "The focus country's flows with every group member and its largest other partners ([report] "
        "focus_partners) in ITPD-E, UN Comtrade and COW, side by side.",
        "one exporter x importer x year",
        "current US$",
        "USITC ITPD-E release 1; UN Comtrade; Correlates of War dyadic trade v4.0",
    ),
    "Estimation notes": SheetNote(
        "How a specification was estimated when not by default.", "one specification", "none (text)", "this run"
    ),
    "Specifications not estimated": SheetNote(
        "Sensitivity specifications that failed, with the reason.", "one specification", "none (text)", "this run"
    ),
}
"""Every sheet's README entry (:class:`gravity.report.workbook.SheetNote`, validated by ``write_tables``)."""


@dataclass
class CorridorTables:
    """Every table of a corridor run; sheet names and contents in :data:`SHEET_NOTES`."""

    brief: pd.DataFrame
    calibrated_brief: pd.DataFrame
    countries: pd.DataFrame
    aggregates: pd.DataFrame
    focus_partners: pd.DataFrame
    coefficients: pd.DataFrame
    elasticities: pd.DataFrame
    offset: pd.DataFrame
    literature: pd.DataFrame
    sensitivity: pd.DataFrame
    robustness: pd.DataFrame
    deficit_rules: pd.DataFrame
    placements: pd.DataFrame
    calibrated: pd.DataFrame
    figures: pd.DataFrame
    leave_one_out: pd.DataFrame
    domestic_repairs: pd.DataFrame
    shocks: pd.DataFrame
    border_times: pd.DataFrame
    ge_domestic_repairs: pd.DataFrame
    domestic_share: pd.DataFrame
    filled_links: pd.DataFrame
    agreements: pd.DataFrame
    scenarios: pd.DataFrame
    ge_baseline_countries: pd.DataFrame
    ge_cell_flags: pd.DataFrame
    excluded_countries: pd.DataFrame
    coverage_breaks: pd.DataFrame
    cross_check: pd.DataFrame
    estimation_notes: pd.DataFrame | None = None
    specifications_not_estimated: pd.DataFrame | None = None

    def sheets(self) -> dict[str, pd.DataFrame]:
        """The tables under their sheet names, in workbook order (absent optional tables left out)."""
        t = {
            "Brief": self.brief,
            "Calibrated brief": self.calibrated_brief,
            "Countries": self.countries,
            "Aggregates": self.aggregates,
            "Focus partners": self.focus_partners,
            "Coefficients": self.coefficients,
            "Elasticities": self.elasticities,
            "Offset": self.offset,
            "Literature": self.literature,
            "Sensitivity": self.sensitivity,
            "Robustness": self.robustness,
            "Deficit rules": self.deficit_rules,
            "Placements": self.placements,
            "Calibrated": self.calibrated,
            "Published figures": self.figures,
            "Leave one out": self.leave_one_out,
            "Domestic repairs": self.domestic_repairs,
            "Shocks": self.shocks,
            "Border times": self.border_times,
            "GE domestic repairs": self.ge_domestic_repairs,
            "Domestic share": self.domestic_share,
            "Filled links": self.filled_links,
            "Agreements": self.agreements,
            "Scenarios": self.scenarios,
            "GE baseline countries": self.ge_baseline_countries,
            "GE cell flags": self.ge_cell_flags,
            "Excluded countries": self.excluded_countries,
            "Coverage breaks": self.coverage_breaks,
            "Cross-check": self.cross_check,
        }
        for name, df in (
            ("Estimation notes", self.estimation_notes),
            ("Specifications not estimated", self.specifications_not_estimated),
        ):
            if df is not None:
                t[name] = df
        return t

    def __getitem__(self, sheet: str) -> pd.DataFrame:
        """The table of a workbook sheet, by its sheet name."""
        return self.sheets()[sheet]


# ------------------------------------------------------------------------------------ roles
@dataclass(frozen=True)
class Roles:
    """Which regressor plays which part, from the model file's ``[roles]`` (nothing here is a name)."""

    connectivity: tuple[str, ...] = ()
    connectivity_landlocked: tuple[str, ...] = ()
    development: str | None = None
    penalty: str | None = None
    indicator: str | None = None

    @classmethod
    def of(cls, cfg: sc.CorridorConfig) -> Roles:
        r = cfg.roles
        one = {k: (r[k][0] if r.get(k) else None) for k in ("development", "penalty", "indicator")}
        return cls(tuple(r.get("connectivity", ())), tuple(r.get("connectivity_landlocked", ())), **one)

    def terms(self, names) -> tuple[str | None, str | None]:
        """The connectivity term and its landlocked interaction among ``names`` (None when absent)."""
        names = set(names)
        main = next((t for t in self.connectivity if t in names), None)
        ll = next((t for t in self.connectivity_landlocked if t in names), None)
        return main, ll


def headline_key(cfg: sc.CorridorConfig, corrected) -> str:
    """The ``spec`` key of the headline rows the brief quotes: the bias-corrected ones when they exist."""
    return f"{cfg.headline.name}_bc" if corrected is not None else cfg.headline.name


def _measure(cfg: sc.CorridorConfig, term: str) -> tuple[str, bool]:
    """The indicator a connectivity regressor is built from, and whether it is one country's variable
    times the border (so an offset and a placement apply) rather than a pair's."""
    from gravity.scenario.shocks import country_level_terms

    inputs = cfg.regressors[term].inputs
    ind = next((c[:-2] for c in inputs if c.endswith("_o")), "")
    return ind, bool(country_level_terms(cfg.regressors, [term]))


# ------------------------------------------------------------------------------------ estimates
def _fits_with_corrected(cfg, fits: dict, corrected) -> list[tuple[str, str, bool, Any]]:
    out = []
    for spec in cfg.specifications:
        if spec.name in fits:
            out.append((spec.name, spec.label, spec.headline, fits[spec.name]))
            if spec.headline and corrected is not None:
                out.append(
                    (f"{spec.name}_bc", f"{spec.label}, bias-corrected (Weidner & Zylkin 2021)", True, corrected)
                )
    return out


def coefficient_table(cfg: sc.CorridorConfig, fits: dict, level: float = 0.95, *, corrected=None) -> pd.DataFrame:
    """Long table of every estimated specification's coefficients (and the bias-corrected headline).

    Returns
    -------
    DataFrame
        spec, label, headline, term, estimate, se, lo, hi, pvalue, nobs, clusters.
    """
    rows = []
    for name, label, head, r in _fits_with_corrected(cfg, fits, corrected):
        ci = r.conf_int(1 - level)
        for term in r.params.index:
            rows.append(
                dict(
                    spec=name,
                    label=label,
                    headline=head,
                    term=term,
                    estimate=float(r.params[term]),
                    se=float(r.bse[term]),
                    lo=float(ci.loc[term].iloc[0]),
                    hi=float(ci.loc[term].iloc[1]),
                    pvalue=float(r.pvalues[term]),
                    nobs=int(r.nobs),
                    clusters=int(r.n_clusters) if isinstance(r.n_clusters, (int, np.integer)) else None,
                )
            )
    return pd.DataFrame(rows)


def elasticities(cfg: sc.CorridorConfig, fits: dict, level: float = 0.95, *, corrected=None) -> pd.DataFrame:
    """Connectivity elasticity of international relative to domestic trade, coastal and landlocked.

    For a coastal exporter b = b_main; for a landlocked one b = b_main + b_ll, se = √(w'V̂w) (lincom).
    Each is the sum of the exporter- and importer-side effects (only the sum is identified). The
    connectivity terms are those the model file's ``[roles]`` names.

    Returns
    -------
    DataFrame
        spec, label, country_type, terms, measure, country_level, estimate, se, lo, hi, pvalue.
    """
    roles = Roles.of(cfg)
    rows = []
    for name, label, _, f in _fits_with_corrected(cfg, fits, corrected):
        main, ll = roles.terms(f.params.index)
        if main is None:
            continue
        measure, country = _measure(cfg, main)
        kinds: list[tuple[str, list[str]]] = [("coastal", [main])]
        if ll is not None:
            kinds.append(("landlocked", [main, ll]))
        for kind, terms in kinds:
            lc = f.lincom(terms, level=level)
            lo, hi = lc.conf_int()
            rows.append(
                dict(
                    spec=name,
                    label=label,
                    country_type=kind,
                    terms=" + ".join(terms),
                    measure=measure,
                    country_level=country,
                    estimate=float(lc.estimate),
                    se=float(lc.se),
                    lo=float(lo),
                    hi=float(hi),
                    pvalue=float(lc.pvalue),
                )
            )
    return pd.DataFrame(rows)


def offset_rise(elasticity: float, penalty: float, level: float) -> float:
    """Internet use x* at which b·[ln(1 + x*) − ln(1 + x₀)] = −γ: the rise offsetting a penalty γ < 0.

    x* = (1 + x₀)·exp(−γ / b) − 1 for b > 0; NaN when b ≤ 0 (no rise offsets it).

    Parameters
    ----------
    elasticity : float
        b, the landlocked country's elasticity of international (relative to domestic) trade to ln(1 + x).
    penalty : float
        γ, the landlocked border penalty (log points, < 0).
    level : float
        x₀, today's internet use (% of population).

    Returns
    -------
    float
    """
    if not elasticity > 0:
        return float("nan")
    return float((1.0 + level) * np.exp(-penalty / elasticity) - 1.0)


def offset_gain(elasticity: float, level: float, target: float) -> float:
    """b·[ln(1 + x₁) − ln(1 + x₀)]: the change in log international trade costs of a rise x₀ → x₁ (the
    inverse of :func:`offset_rise`: at x₁ = x* it returns −γ)."""
    return float(elasticity * (np.log1p(target) - np.log1p(level)))


def _penalty_fit(cfg, fits: dict):
    p = Roles.of(cfg).penalty
    return (p, next((f for f in fits.values() if p and p in f.params.index), None))


def _own_measure(cfg, el: pd.DataFrame) -> pd.DataFrame:
    """Rows of ``el`` whose connectivity is one country's own indicator of the ``indicator`` role."""
    ind = Roles.of(cfg).indicator
    return el[el.country_level & (el.measure == ind)] if len(el) else el


def offset_table(cfg: sc.CorridorConfig, fits: dict, el: pd.DataFrame, level: float) -> pd.DataFrame:
    """The seed question per specification: the rise in the focus country's indicator (from ``level``)
    that offsets the landlocked penalty γ of the specification playing the ``penalty`` role.

    Returns
    -------
    DataFrame
        spec, label, elasticity_landlocked, se, penalty, penalty_pct (e^γ − 1), internet_now, internet_needed,
        reachable (x* ≤ 100), answer (words).
    """
    name, pen = _penalty_fit(cfg, fits)
    if pen is None or el.empty:
        return pd.DataFrame()
    g = float(pen.params[name])
    rows = []
    for r in _own_measure(cfg, el[el.country_type == "landlocked"]).itertuples():
        x = offset_rise(r.estimate, g, level)
        if np.isnan(x):
            ans = f"no rise offsets it: the landlocked elasticity is {r.estimate:+.3f} (<= 0)"
        elif x > 100:
            ans = (
                f"out of reach: the indicator would have to exceed 100% of the population (the arithmetic gives "
                f"{x:,.0f}%)"
            )
        else:
            ans = f"from {level:.1f}% to {x:.1f}% of the population"
        rows.append(
            dict(
                spec=r.spec,
                label=r.label,
                elasticity_landlocked=r.estimate,
                se=r.se,
                penalty=g,
                penalty_pct=100 * (np.exp(g) - 1),
                internet_now=level,
                internet_needed=x,
                reachable=bool(np.isfinite(x) and x <= 100),
                answer=ans,
            )
        )
    return pd.DataFrame(rows)


LIN_2015 = (0.2, 0.4)
"""Lin (2015): % more international trade per 10% more internet users (the abstract's range)."""
LIMAO_VENABLES_2001 = -70.0
"""Limão & Venables (2001): the median landlocked country's trade volume is 30% of the median coastal
economy's (−70%), the like-for-like comparison with a landlocked penalty."""


def ten_percent_effect(elasticity: float, level: float) -> float:
    """% change in international relative to domestic trade when internet use rises 10% from ``level``:
    100·(exp(b·[ln(1 + 1.1·x₀) − ln(1 + x₀)]) − 1)."""
    return float(100 * (np.exp(elasticity * (np.log1p(1.1 * level) - np.log1p(level))) - 1))


def where_ours_sit(cfg, el: pd.DataFrame, fits: dict, headline: str, level: float) -> str:
    """One paragraph placing this run's elasticities and landlocked penalty beside Lin (2015) and
    Limão & Venables (2001), computed from the run's numbers."""

    def place(x):
        lo, hi = LIN_2015
        return "within" if lo <= x <= hi else "above" if x > hi else "below"

    parts = []
    for r in _own_measure(cfg, el).itertuples():
        x = ten_percent_effect(r.estimate, level)
        tag = "headline" if r.spec == headline else r.label
        parts.append(f"{tag}, {r.country_type}: {x:+.2f}% ({place(x)})")
    txt = (
        f"Where ours sit: Lin (2015) finds {LIN_2015[0]:g}-{LIN_2015[1]:g}% more trade per 10% more internet "
        f"users. A 10% rise from {level:.1f}% of the population gives, for international relative to domestic "
        "trade: " + "; ".join(parts) + "."
    )
    name, pen = _penalty_fit(cfg, fits)
    if pen is not None:
        g = 100 * (np.exp(float(pen.params[name])) - 1)
        txt += (
            f" Our landlocked penalty ({g:+.0f}% international relative to domestic trade) is "
            + ("larger" if g < LIMAO_VENABLES_2001 else "smaller")
            + f" in size than Limão & Venables' (2001) like-for-like figure (the median landlocked country "
            f"trades 30% of what the median coastal economy trades: {LIMAO_VENABLES_2001:+.0f}%); their -28% "
            "is a different comparison (a deterioration of infrastructure from the median to the 75th "
            "percentile)."
        )
    return txt


def literature_table(el: pd.DataFrame, fits: dict, cfg: sc.CorridorConfig, level: float) -> pd.DataFrame:
    """Published figures and ours, stated the same way where they can be (10% more internet users)."""
    rows = [dict(source=a, measure=b, finding=c) for a, b, c in LITERATURE]
    for r in _own_measure(cfg, el).itertuples():
        rows.append(
            dict(
                source=f"This run: {r.label} ({r.country_type})",
                measure=f"{r.terms}, ITPD-E with domestic flows, 3-way PPML",
                finding=f"elasticity {r.estimate:+.3f} (SE {r.se:.3f}): 10% more internet users (from "
                f"{level:.1f}%) -> international relative to domestic trade "
                f"{ten_percent_effect(r.estimate, level):+.2f}%",
            )
        )
    name, pen = _penalty_fit(cfg, fits)
    if pen is not None:
        g, se = float(pen.params[name]), float(pen.bse[name])
        rows.append(
            dict(
                source="This run: 2-way PPML with pair covariates",
                measure=name,
                finding=f"{g:+.3f} (SE {se:.3f}): landlocked countries trade {100 * (np.exp(g) - 1):+.0f}% "
                "internationally relative to domestically, against coastal ones",
            )
        )
    return pd.DataFrame(rows)


# ------------------------------------------------------------------------------------ GE
def group_membership(cfg: sc.CorridorConfig, words: ReportWords, countries) -> pd.DataFrame:
    """Per GE country: ``eco`` (a member of the report's group) and ``landlocked`` in the base year."""
    c = list(countries)
    ll = cc.landlocked(c, cfg.sample.base_year).astype(bool)
    return pd.DataFrame(
        {"eco": [x in set(words.members) for x in c], "landlocked": ll}, index=pd.Index(c, name="country")
    )


def group_masks(words: ReportWords, groups: pd.DataFrame) -> dict[str, np.ndarray]:
    """Boolean masks over the GE countries, one per aggregate of :attr:`ReportWords.aggregates`."""
    e, l = groups["eco"].to_numpy(), groups["landlocked"].to_numpy()
    return dict(zip(words.aggregates, (e, e & l, l, ~e, np.ones_like(e))))


def _levels(base) -> dict[str, np.ndarray]:
    X = base.fitted
    ex = X.sum(axis=1) - np.diag(X)
    return {
        "exports": ex,
        "real_exports": ex,
        "imports": X.sum(axis=0) - np.diag(X),
        "real_gdp": base.Y,
        "real_expenditure": base.E,
    }


def point_summary(cfg, words: ReportWords, base, countries: pd.DataFrame, groups: pd.DataFrame) -> dict[str, float]:
    """The focus country's and the group's real GDP and real exports (full GE), % change.

    Parameters
    ----------
    countries : DataFrame
        A GE solution's ``countries`` (index country, columns of EFFECTS).

    Returns
    -------
    dict
        quantity → % change; the group is level-weighted (output for real GDP, exports for real exports).
    """
    lv = _levels(base)
    m = group_masks(words, groups)[words.group]
    pt = countries.reindex(base.countries)
    out = {}
    for meas in ("real_gdp", "real_expenditure", "real_exports"):
        e = f"{meas}_full"
        if cfg.focus in set(base.countries):
            out[f"{cfg.focus} {MEASURES[meas]}"] = float(pt.loc[cfg.focus, e])
        if meas != "real_expenditure":
            out[f"{words.group} {MEASURES[meas]}"] = float(aggregate_levels(pt[e].to_numpy(), lv[meas], m))
    return out


def summary_with_interval(
    cfg, words: ReportWords, base, countries: pd.DataFrame, pooled, groups: pd.DataFrame
) -> dict[str, tuple[float, float, float, float, float]]:
    """:func:`point_summary` with the pooled interval and the share of draws above zero.

    Returns
    -------
    dict
        quantity → (estimate, lo, hi, share of successful draws > 0, share < 0).
    """
    lv = _levels(base)
    m = group_masks(words, groups)[words.group]
    effects = list(EFFECTS)
    idx = {c: k for k, c in enumerate(base.countries)}
    out = {}
    for q, est in point_summary(cfg, words, base, countries, groups).items():
        meas = next(k for k, v in MEASURES.items() if q.endswith(" " + v))
        d = pooled.draws[:, effects.index(f"{meas}_full"), :]
        vals = d[:, idx[cfg.focus]] if q.startswith(f"{cfg.focus} ") else aggregate_levels(d, lv[meas], m)
        vals = vals[np.isfinite(vals)]
        nan = np.array([np.nan])
        lo, hi = percentile_interval(vals[:, None], cfg.ge.ci) if len(vals) else (nan, nan)
        out[q] = (
            est,
            float(lo[0]),
            float(hi[0]),
            float((vals > ZERO).mean()) if len(vals) else float("nan"),
            float((vals < -ZERO).mean()) if len(vals) else float("nan"),
        )
    return out


ZERO = 1e-9
"""% changes within ±ZERO of 0 count as no change (solver tolerance), for signs and 'excludes zero'."""


def excludes_zero(lo: float, hi: float) -> bool:
    """The interval [lo, hi] lies beyond ±:data:`ZERO` on one side of 0."""
    return bool(lo > ZERO or hi < -ZERO)


def country_table(cfg, ge_d, results: dict, groups: pd.DataFrame) -> pd.DataFrame:
    """Per scenario × country: baseline levels and % changes with pooled and coefficient-only intervals."""
    base = next(iter(results.values())).point.baseline
    tab = ge_d.table.per_country
    names = cc.short_names()
    lv = _levels(base)
    out = []
    for name, r in results.items():
        pt = r.point.countries
        coef = r.pooled.variants[r.pooled.central]  # the headline variant's own draws
        df = pd.DataFrame(
            {"scenario": name, "country": base.countries, "name": names.reindex(base.countries).fillna("").to_numpy()}
        )
        df = df.join(groups.reindex(base.countries).reset_index(drop=True))
        df["baseline_exports_usd_m"] = lv["exports"] / 1e6
        df["baseline_gdp_usd_bn"] = tab["gdp"].reindex(base.countries).to_numpy() / 1e9
        df["domestic_source"] = tab["domestic_source"].reindex(base.countries).to_numpy()
        for m in MEASURES:
            for g in GE_KINDS:
                e = f"{m}_{g}"
                df[e] = pt[e].to_numpy()
                df[f"{e}_lo"] = r.pooled.lower[e].to_numpy()
                df[f"{e}_hi"] = r.pooled.upper[e].to_numpy()
                df[f"{e}_coef_lo"] = coef.lower[e].to_numpy()
                df[f"{e}_coef_hi"] = coef.upper[e].to_numpy()
                if r.bootstrap is not None:
                    df[f"{e}_boot_lo"] = r.bootstrap.lower[e].to_numpy()
                    df[f"{e}_boot_hi"] = r.bootstrap.upper[e].to_numpy()
        out.append(df)
    return pd.concat(out, ignore_index=True)


def aggregate_table(cfg, words: ReportWords, results: dict, groups: pd.DataFrame) -> pd.DataFrame:
    """Group aggregates as level-weighted sums of the countries, intervals over the same pooled draws."""
    effects = list(EFFECTS)
    masks = group_masks(words, groups)
    rows = []
    for name, r in results.items():
        base = r.point.baseline
        lv = _levels(base)
        for gname in words.aggregates:
            m = masks[gname]
            if not m.any():
                continue
            for meas in MEASURES:
                for g in GE_KINDS:
                    e = f"{meas}_{g}"
                    pt = r.point.countries[e].to_numpy()
                    row = dict(
                        scenario=name,
                        group=gname,
                        countries=int(m.sum()),
                        measure=meas,
                        ge=GE_KINDS[g],
                        baseline_level=float(lv[meas][m].sum()),
                        estimate=float(aggregate_levels(pt, lv[meas], m)),
                    )
                    agg = aggregate_levels(r.pooled.draws[:, effects.index(e), :], lv[meas], m)
                    lo, hi = percentile_interval(agg[:, None], cfg.ge.ci)
                    row["lo"], row["hi"] = float(lo[0]), float(hi[0])
                    rows.append(row)
    return pd.DataFrame(rows)


def robustness_table(sens: pd.DataFrame) -> pd.DataFrame:
    """Per scenario and quantity: the headline's sign and how often it holds, counted separately across
    the other specifications (their own coefficients) and across the settings that reuse the headline
    coefficients (σ, deficit rules, domestic flows, bias correction); phase-in shares are left out (a share
    scales the same scenario)."""
    rows = []
    for (scen, q), g in sens.groupby(["scenario", "quantity"], sort=False):
        h = g.loc[g.dimension == "headline", "pct_change"].iloc[0]
        alt = g[~g.dimension.isin(["headline", "phase-in"])]
        specs = alt[alt.dimension == "specification"]
        other = alt[alt.dimension != "specification"]
        flips = alt.loc[np.sign(alt["pct_change"]) != np.sign(h), "setting"].tolist()
        rows.append(
            dict(
                scenario=scen,
                quantity=q,
                headline=h,
                sign="+" if h > 0 else "-" if h < 0 else "0",
                same_sign_specifications=int((np.sign(specs["pct_change"]) == np.sign(h)).sum()),
                specifications=int(len(specs)),
                same_sign_settings=int((np.sign(other["pct_change"]) == np.sign(h)).sum()),
                settings=int(len(other)),
                min=float(alt["pct_change"].min()) if len(alt) else h,
                max=float(alt["pct_change"].max()) if len(alt) else h,
                sign_flips_under="; ".join(flips),
            )
        )
    return pd.DataFrame(rows)


def latest_gdp(codes) -> tuple[pd.Series, int | None]:
    """WDI GDP (current US$) of ``codes`` in the latest year in which every one of them has a value.

    Returns
    -------
    (Series, int or None)
        iso3 → GDP, and that common year (None when no year covers them all).
    """
    from gravity.data.readers.indicators import load_indicators

    codes = list(codes)
    g = load_indicators(["gdp"]).dropna(subset=["value"])
    wide = g[g["iso3"].isin(codes)].pivot_table(index="year", columns="iso3", values="value").reindex(columns=codes)
    full = wide.dropna()
    if full.empty:
        return pd.Series(np.nan, index=codes), None
    year = int(full.index.max())
    return full.loc[year], year


def _usd(pcts: pd.Series, levels: pd.Series) -> float:
    """Σ_m pct_m/100 × level_m in US$ m: each member's own change times its own level (NaN if any is missing)."""
    v = pcts.astype(float) / 100 * levels.reindex(pcts.index).astype(float) / 1e6
    return float(v.sum()) if v.notna().all() else float("nan")


def brief_table(cfg, words, ge_d, countries: pd.DataFrame, summaries: dict) -> pd.DataFrame:
    """Per estimated scenario: the focus country's real GDP, real expenditure and real exports and the
    group's real GDP and real exports (full GE, headline) with the pooled interval, the share of draws
    above zero, and US$ amounts: the focus country's % × its own level, the group's as the sum of every
    member's own % × its own level, at base-year GDP and at WDI GDP of the latest year all members have.

    Parameters
    ----------
    summaries : dict
        scenario → :func:`summary_with_interval` of its headline solution.
    """
    f, g = cfg.focus, words.group
    tab = ge_d.table.per_country
    members = [m for m in words.members if m in tab.index]
    lat, lat_year = latest_gdp(members)
    rows = []
    for s in cfg.estimated_scenarios:
        c = countries[countries.scenario == s.name].set_index("country")
        for q, (est, lo, hi, up, down) in summaries[s.name].items():
            who = f if q.startswith(f"{f} ") else g
            meas = next(k for k, v in MEASURES.items() if q == f"{who} {v}")
            codes = [f] if who == f else members
            base_level = tab["gdp"] if meas in ("real_gdp", "real_expenditure") else tab["exports"]
            pct = c.loc[codes, f"{meas}_full"]
            usd = _usd(pct, base_level)
            usd_latest = _usd(pct, lat) if meas in ("real_gdp", "real_expenditure") else float("nan")
            rows.append(
                dict(
                    scenario=s.name,
                    who=who,
                    measure=MEASURES[meas],
                    pct=est,
                    lo=lo,
                    hi=hi,
                    share_above_zero=up,
                    share_below_zero=down,
                    excludes_zero=excludes_zero(lo, hi),
                    usd_m_base=usd,
                    base_year=cfg.sample.base_year,
                    usd_m_latest=usd_latest,
                    latest_year=lat_year if np.isfinite(usd_latest) else None,
                )
            )
    return pd.DataFrame(rows)


def calibrated_brief(cfg, words, ge_d, calib: pd.DataFrame, members: pd.DataFrame) -> pd.DataFrame:
    """The calibrated scenarios' headline rows (tariff-equivalent reading) with US$ amounts computed as in
    :func:`brief_table` (each member's own % × its own GDP, summed for the group)."""
    if calib.empty:
        return pd.DataFrame()
    f, g = cfg.focus, words.group
    tab = ge_d.table.per_country
    group = [m for m in words.members if m in tab.index]
    lat, lat_year = latest_gdp(group)
    rows = []
    for r in calib[calib.reading == "tariff equivalent"].itertuples():
        who = f if r.quantity.startswith(f"{f} ") else g
        meas = next(k for k, v in MEASURES.items() if r.quantity == f"{who} {v}")
        m = members[
            (members.scenario == r.scenario) & (members.variant == r.variant) & (members.reading == r.reading)
        ].set_index("country")
        codes = [f] if who == f else group
        level = tab["gdp"] if meas in ("real_gdp", "real_expenditure") else tab["exports"]
        pct = m.reindex(codes)[f"{meas}_full"]
        usd_latest = _usd(pct, lat) if meas != "real_exports" else float("nan")
        rows.append(
            dict(
                scenario=r.scenario,
                variant=r.variant,
                who=who,
                measure=MEASURES[meas],
                pct=r.estimate,
                lo=r.lo,
                hi=r.hi,
                excludes_zero=excludes_zero(r.lo, r.hi),
                usd_m_base=_usd(pct, level),
                base_year=cfg.sample.base_year,
                usd_m_latest=usd_latest,
                latest_year=lat_year if np.isfinite(usd_latest) else None,
                cut_percent=r.cut_percent,
            )
        )
    return pd.DataFrame(rows)


def partner_table(cfg, words, ge_d, results: dict, level_year: int) -> pd.DataFrame:
    """The focus country's exports and imports with every group partner (ITPD-E, base year), whether the GE
    baseline filled a zero link from COW, the COW cross-check in its latest year up to the base year, and
    the full-GE change per estimated scenario."""
    f = cfg.focus
    partners = [m for m in words.members if m != f]
    grid = ge_d.grid
    flows = ge_d.table.flows.set_index(["exporter", "importer"])
    cow_year = max(y for y in crosscheck.COVERAGE["cow"] if y <= level_year)
    cs = crosscheck.cross_source_flows([f], years=(cow_year, level_year))
    rows = []
    for p in partners:
        r = {"partner": p, "name": cc.short_names().get(p, ""), "cow_year": cow_year}
        for direction, (a, b) in (("exports", (f, p)), ("imports", (p, f))):
            g = grid[(grid.exporter == a) & (grid.importer == b)]
            v = float(g["trade"].iloc[0]) if len(g) and np.isfinite(g["trade"].iloc[0]) else 0.0
            r[f"{direction}_usd_m"] = v / 1e6
            if direction == "exports":
                r["exports_from_partner_report"] = bool(g["mirror_only"].iloc[0]) if len(g) else False
            cell = flows.loc[(a, b)] if (a, b) in flows.index else None
            r[f"{direction}_in_ge_usd_m"] = float(cell["trade"]) / 1e6 if cell is not None else np.nan
            r[f"{direction}_ge_flag"] = str(cell["flag"]) if cell is not None else "not in the GE"
            c = cs[(cs.exporter == a) & (cs.importer == b) & (cs.year == cow_year)]
            r[f"{direction}_itpde_at_cow_year_usd_m"] = float(c["itpde"].iloc[0]) / 1e6 if len(c) else np.nan
            r[f"{direction}_cow_usd_m"] = float(c["cow"].iloc[0]) / 1e6 if len(c) else np.nan
            for name, res in results.items():
                pr = res.point.pairs
                q = pr[(pr.exporter == a) & (pr.importer == b)]
                r[f"{direction}_{name}_pct"] = (
                    100 * (q["full"].iloc[0] / q["baseline"].iloc[0] - 1)
                    if len(q) and q["baseline"].iloc[0] > 0
                    else np.nan
                )
        rows.append(r)
    out = pd.DataFrame(rows)

    def gap(row, d):
        i, c = row[f"{d}_itpde_at_cow_year_usd_m"], row[f"{d}_cow_usd_m"]
        if not (np.isfinite(i) and np.isfinite(c)):
            return "COW has no value" if np.isfinite(i) else ""
        return "disagree" if abs(i - c) > max(5.0, 0.5 * max(i, c)) else "agree"

    for d in ("exports", "imports"):
        out[f"{d}_cow_check"] = out.apply(gap, axis=1, args=(d,))
    return out


def top_partners(cfg, words, ge_d) -> list[str]:
    """The focus country's partners the cross-check lists: every group member and the ``[report]
    focus_partners`` largest other partners by base-year trade (exports + imports, GE table)."""
    f = cfg.focus
    fl = ge_d.table.flows
    fl = fl[(fl.exporter != fl.importer) & ((fl.exporter == f) | (fl.importer == f))]
    other = fl.assign(p=fl.exporter.where(fl.exporter != f, fl.importer)).groupby("p")["trade"].sum()
    other = other.drop([m for m in words.members if m in other.index], errors="ignore")
    return sorted(set(words.members) | set(other.nlargest(cfg.focus_partners).index))


def shock_table(cfg, grid: pd.DataFrame) -> pd.DataFrame:
    """The size of every estimated scenario's shock for the focus country: each indicator before and after
    (a member's value rises to the target or the members' frontier), and the agreement dummies set among
    members.

    Returns
    -------
    DataFrame
        scenario, input, before, after, target.
    """
    from gravity.scenario.shocks import shocked_inputs

    f = cfg.focus
    own = grid[(grid.exporter == f) & (grid.importer == f)]
    rows = []
    for s in cfg.estimated_scenarios:
        new = shocked_inputs(grid, s) if len(own) else None
        for ind, target in s.indicators.items():
            col = f"{ind}_o"
            before = float(own[col].iloc[0]) if len(own) and col in own else float("nan")
            after = float(new.loc[own.index, col].iloc[0]) if new is not None and col in new else float("nan")
            rows.append(dict(scenario=s.name, input=ind, before=before, after=after, target=str(target)))
        for col, v in s.agreement.items():
            rows.append(
                dict(scenario=s.name, input=col, before=float("nan"), after=float(v), target="set among members")
            )
    return pd.DataFrame(rows, columns=["scenario", "input", "before", "after", "target"])


BORDER_TIMES = ("export_border_hours", "export_document_hours", "import_border_hours", "import_document_hours")
"""Doing Business trading-across-borders times (hours) shown beside the scenarios."""


def border_times(codes) -> pd.DataFrame:
    """Doing Business times to export and import (border and documentary compliance, hours) of ``codes``
    in the latest data year each has (World Bank, data years 2014-2019).

    Returns
    -------
    DataFrame
        iso3, year, and one column per :data:`BORDER_TIMES`.
    """
    from gravity.data.readers.indicators import load_indicators

    d = load_indicators(list(BORDER_TIMES)).dropna(subset=["value"])
    d = d[d["iso3"].isin(list(codes))]
    if d.empty:
        return pd.DataFrame(columns=["iso3", "year", *BORDER_TIMES])
    last = d.sort_values("year").groupby(["iso3", "indicator"]).tail(1)
    wide = last.pivot_table(index="iso3", columns="indicator", values="value").reindex(columns=list(BORDER_TIMES))
    wide.insert(0, "year", last.groupby("iso3")["year"].max())
    return wide.reindex([c for c in codes if c in wide.index]).rename_axis("iso3").reset_index()


def scenario_table(cfg, words, deltas, grid) -> pd.DataFrame:
    """What each scenario moves under the headline: instruments (model file), inputs, regressors, pairs;
    for a calibrated scenario the published cut and the figures it cites."""
    inst = dict(cfg.raw.get("report", {}).get("instruments", {}))
    rows = []
    for s in cfg.scenarios:
        if s.calibrated:
            c = s.cost_cut
            rows.append(
                dict(
                    scenario=s.name,
                    label=s.label,
                    kind="calibrated",
                    instruments=inst.get(s.name, ""),
                    shocks=f"trade-cost cut (%): {_cut_text(c)}; variants: {', '.join(c.variants)}",
                    regressors_moved="",
                    pairs_changed=0,
                    pairs_undefined=0,
                    figures=", ".join(c.figures),
                )
            )
            continue
        d = deltas.get((s.spec or cfg.headline.name, s.name))
        moved = [c for c in d.columns if (d[c] != 0).any()] if d is not None else []
        rows.append(
            dict(
                scenario=s.name,
                label=s.label,
                kind="estimated",
                instruments=inst.get(s.name, ""),
                shocks=", ".join(
                    [f"{k} -> {v}" for k, v in s.indicators.items()] + [f"{k} = {v:g}" for k, v in s.agreement.items()]
                ),
                regressors_moved=", ".join(moved),
                pairs_changed=int((d[moved] != 0).any(axis=1).sum()) if moved else 0,
                pairs_undefined=int(sum(d.attrs.get("undefined", {}).values())) if d is not None else 0,
                figures="",
            )
        )
    return pd.DataFrame(rows)


def _cut_text(c) -> str:
    groups: dict[tuple, list[str]] = {}
    for m in c.percent:
        groups.setdefault((c.low[m], c.percent[m], c.high[m]), []).append(m)
    return "; ".join(
        f"{p:g}" + (f" (range {lo:g}-{hi:g})" if (lo, hi) != (p, p) else "") + " for " + ", ".join(ms)
        for (lo, p, hi), ms in groups.items()
    )


@dataclass
class RunParts:
    """What :func:`build_tables` arranges: everything a corridor run computed, by name."""

    cfg: sc.CorridorConfig
    an: Any
    words: ReportWords
    panel_attrs: dict
    est: Any
    coefs: pd.DataFrame
    ge_d: Any
    deltas: dict
    results: dict
    groups: pd.DataFrame
    sens: pd.DataFrame
    deficits: pd.DataFrame
    placements: pd.DataFrame
    calibrated: pd.DataFrame
    calibrated_members: pd.DataFrame
    figures: pd.DataFrame


def build_tables(p: RunParts) -> CorridorTables:
    """Arrange everything the run computed into :class:`CorridorTables`.

    ``panel_attrs`` is the ``attrs`` dict of the corridor panel (its ``coverage_breaks`` are tabled); the
    panel itself is not needed here, so the run can free it before the estimation.
    """
    cfg, words, est, ge_d = p.cfg, p.words, p.est, p.ge_d
    roles = Roles.of(cfg)
    el = elasticities(cfg, est.fits, cfg.ge.ci, corrected=est.corrected)
    base_rows = ge_d.grid
    ind = f"{roles.indicator}_o"
    x0 = base_rows[(base_rows.exporter == cfg.focus) & (base_rows.importer == cfg.focus)]
    level = float(x0[ind].iloc[0]) if len(x0) and ind in x0 else float("nan")
    countries = country_table(cfg, ge_d, p.results, p.groups)
    aggregates = aggregate_table(cfg, words, p.results, p.groups)
    robust = robustness_table(p.sens)
    summaries = {
        name: summary_with_interval(cfg, words, r.point.baseline, r.point.countries, r.pooled, p.groups)
        for name, r in p.results.items()
    }
    cells = (
        pd.concat([t.flag_counts().rename(v) for v, t in ge_d.tables.items()], axis=1).rename_axis("flag").reset_index()
    )
    brk = pd.DataFrame(p.panel_attrs.get("coverage_breaks", []))
    xs_years = tuple(y for y in (2000, 2004, 2008, 2012, 2014, 2016) if y <= cfg.sample.base_year)
    xs = crosscheck.cross_source_flows([cfg.focus], years=xs_years)
    partners = top_partners(cfg, words, ge_d)
    xs = xs[xs.exporter.isin(partners) | xs.importer.isin(partners)]
    xs = xs.reset_index(drop=True)
    repairs = [
        t.assign(mode=mode, years=("all" if yrs is None else ", ".join(map(str, yrs))))
        for mode, by in est.repairs.items()
        for yrs, t in by.items()
        if len(t) and mode == "drop"
    ]
    return CorridorTables(
        brief=brief_table(cfg, words, ge_d, countries, summaries),
        calibrated_brief=calibrated_brief(cfg, words, ge_d, p.calibrated, p.calibrated_members),
        countries=countries,
        aggregates=aggregates,
        focus_partners=partner_table(cfg, words, ge_d, p.results, cfg.sample.base_year),
        coefficients=p.coefs,
        elasticities=el,
        offset=offset_table(cfg, est.fits, el, level),
        literature=literature_table(el, est.fits, cfg, level),
        sensitivity=p.sens,
        robustness=robust,
        deficit_rules=p.deficits,
        placements=p.placements,
        calibrated=p.calibrated,
        figures=p.figures,
        leave_one_out=est.leave_one_out if est.leave_one_out is not None else pd.DataFrame(),
        domestic_repairs=pd.concat(repairs, ignore_index=True) if repairs else pd.DataFrame(),
        shocks=shock_table(cfg, ge_d.grid),
        border_times=border_times([cfg.focus] + [m for m in words.members if m != cfg.focus]),
        ge_domestic_repairs=(
            rep[rep["flag"] != "domestic_observed"].reset_index(drop=True)
            if (rep := ge_d.table.repaired) is not None
            else pd.DataFrame()
        ),
        domestic_share=ge_d.table.share_check if ge_d.table.share_check is not None else pd.DataFrame(),
        filled_links=ge_d.table.fills if ge_d.table.fills is not None else pd.DataFrame(),
        agreements=pd.DataFrame(p.panel_attrs.get("agreement_status", [])),
        scenarios=scenario_table(cfg, words, p.deltas, ge_d.grid),
        ge_baseline_countries=ge_d.table.per_country.reset_index(),
        ge_cell_flags=cells,
        excluded_countries=ge_d.table.excluded,
        coverage_breaks=brk,
        cross_check=xs,
        estimation_notes=pd.DataFrame([{"spec": k, "note": v} for k, v in est.notes.items()]) if est.notes else None,
        specifications_not_estimated=pd.DataFrame([{"spec": k, "reason": v} for k, v in est.failed.items()])
        if est.failed
        else None,
    )
