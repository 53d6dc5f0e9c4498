"""The corridor run's result tables, as one typed object (:class:`CorridorTables`).

Each table is a plain DataFrame attribute; :meth:`CorridorTables.sheets` gives them in workbook order
under their sheet names and :data:`SHEET_NOTES` describes every sheet (the workbook's README). The
functions here arrange what the run computed (fits, GE solutions, draws) and do the small arithmetic the
brief needs (lincom of elasticities, the internet rise that offsets the landlocked penalty); they solve
no GE.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from gravity.data import countries as cc
from gravity.ge import EFFECTS
from gravity.ge.aggregate import aggregate_levels
from gravity.jobs.corridor.words import ReportWords
from gravity.panel import crosscheck
from gravity.report.workbook import SheetNote
from gravity.scenario import config as sc

MEASURES = {"exports": "exports", "real_exports": "real exports", "imports": "imports", "real_gdp": "real GDP"}
GE_KINDS = {"cdl": "conditional", "full": "full"}
CONNECTIVITY = "ln_internet_x_intl"
CONNECTIVITY_LL = "ln_internet_x_intl_ll"
PENALTY = "landlocked_x_intl"
INDICATOR = "internet"

LITERATURE = (
    ("Freund & Weinhold (2004), J. Int. Econ. 62: 171-189",
     "web hosts (growth), 1995-1999, time series and cross section",
     "a 10 percentage-point increase in the growth of web hosts in a country leads to about a 0.2 percentage-point "
     "increase in export growth; for the average country the Internet added about 1 percentage point to annual "
     "export growth 1997-1999"),
    ("Lin (2015), J. Int. Trade & Econ. Development, pp. 409-428 (doi 10.1080/09638199.2014.881906)",
     "internet users, gravity with time-varying country effects",
     "a 10% increase in internet users increases international trade by 0.2%-0.4%"),
    ("Limão & Venables (2001), World Bank Econ. Rev. 15(3): 451-479",
     "infrastructure and landlockedness, bilateral trade and shipping costs",
     "infrastructure from the median to the 75th percentile: transport costs +12 percentage points, trade "
     "volumes -28%; elasticity of trade to the trade-cost factor about -3 (working-paper version, WPS 2257: the "
     "median landlocked country has 30% of the trade volume of the median coastal economy)"),
)
"""Published figures, as the papers' abstracts state them (each checked against its abstract)."""

PCT = "% change against the base-year (2016) baseline"
GE_SOURCE = "this run: PPML on ITPD-E, then the GE (gravity.ge) on the 2016 ITPD-E table"
SHEET_NOTES: dict[str, SheetNote] = {
    "Brief": SheetNote(
        "The brief's table: the focus country's and the group's real GDP and real exports (full GE, headline) "
        "with pooled 95% intervals, US$ equivalents and the robustness count.",
        "one scenario x one of (focus country, group) x one measure",
        f"pct, lo, hi: {PCT}; usd_m_*: US$ m (pct x 2016 level, or x latest WDI GDP)", GE_SOURCE + "; WDI GDP"),
    "Countries": SheetNote(
        "Per country, headline: baseline exports and GDP; % change in exports, real exports (deflated by the "
        "exporter's consumer prices), imports and real GDP, conditional (_cdl) and full GE, with pooled 95% "
        "intervals (_lo/_hi: coefficients x sigma 3/5/7 x both domestic-flow constructions) and coefficient-only "
        "intervals (_coef_lo/_coef_hi: the headline variant's own draws).",
        "one scenario x one GE country",
        f"{PCT}; baseline_exports_usd_m: US$ m; baseline_gdp_usd_bn: US$ bn", GE_SOURCE,
        {"eco": "a member of the report's group", "landlocked": "landlocked in the base year (CEPII)"}),
    "Aggregates": SheetNote(
        "Group % change = level-weighted sum of the members (exports: baseline exports; real GDP: baseline "
        "output), intervals over the same pooled draws.",
        "one scenario x group x measure x GE kind (conditional, full)",
        f"estimate, lo, hi: {PCT}; baseline_level: US$", GE_SOURCE),
    "Focus partners": SheetNote(
        "The focus country's exports and imports with every group partner in the base year, the COW "
        "cross-check (2014, COW's latest year) and the full-GE change under each scenario (blank: no baseline "
        "flow, so no % change).",
        "one group partner", "*_usd_m: current US$ m; *_pct: % change of the bilateral flow, full GE",
        "USITC ITPD-E release 1; Correlates of War dyadic trade v4.0; this run's GE",
        {"exports_from_partner_report": "the export is known only from the partner's import report"}),
    "Coefficients": SheetNote(
        "PPML on ITPD-E with domestic flows, pair-clustered standard errors (Stata's G/(G-1)).",
        "one specification x one regressor", "coefficients in log points; lo, hi: 95% interval",
        "this run: gravity.estimation.ppml", {"headline": "the headline specification"}),
    "Elasticities": SheetNote(
        "Connectivity elasticities per specification: coastal (main term) and landlocked (main + interaction, "
        "lincom with delta-method SE); each is the sum of the exporter- and importer-side effects.",
        "one specification x country type", "elasticity of international relative to domestic trade to ln(1 + x)",
        "this run: results.lincom"),
    "Offset": SheetNote(
        "The seed question: the internet use at which the focus country's connectivity gain would offset the "
        "landlocked penalty, per specification (none when the landlocked elasticity is <= 0).",
        "one specification", "internet_*: % of population (above 100 is out of reach); penalty: log points",
        "this run: elasticities and the 2-way landlocked penalty; WDI internet use",
        {"reachable": "the internet use needed is at most 100% of the population"}),
    "Literature": SheetNote(
        "Our elasticities beside published ones, with what each paper measures.", "one source",
        "none (text)", "the papers' abstracts as cited; this run"),
    "Sensitivity": SheetNote(
        "Point estimates of every scenario under one change at a time from the headline: specification, sigma, "
        "deficit rule, domestic flows, phase-in share.", "one setting x scenario x quantity", PCT, GE_SOURCE),
    "Robustness": SheetNote(
        "Per scenario and quantity: in how many of the sensitivity settings (phase-in excluded) the headline's "
        "sign holds, and under which it flips.", "one scenario x quantity",
        f"headline, min, max: {PCT}; counts of settings", GE_SOURCE),
    "Deficit rules": SheetNote(
        "Every scenario under the three deficit rules (kappa ratio, additive, balanced-trade baseline), side by "
        "side.", "one scenario x quantity", f"{PCT}, full GE", GE_SOURCE + " (gravity.ge.compare_deficit_rules)"),
    "Scenarios": SheetNote(
        "What each scenario moves: instruments, shocked inputs, regressors, pairs changed.", "one scenario",
        "counts of country pairs", "the model file; this run"),
    "GE baseline countries": SheetNote(
        "Per GE country: exports, imports, domestic flow and its source, coverage break years, deficit in % of "
        "output, share of exports resting on partners' reports.", "one GE country",
        "US$ (current); deficit_pct_output: %; mirror_export_share: share 0-1",
        "USITC ITPD-E release 1 (2016); WDI value added where the domestic flow is constructed",
        {"coverage_break": "the domestic flow has an ITPD-E coverage break up to the base year"}),
    "GE cell flags": SheetNote(
        "Cells of the base-year table per flag (itpde, itpde_mirror, zero, domestic_itpde, domestic_itpde_break, "
        "domestic_constructed, domestic_clipped), both domestic-flow variants.", "one flag",
        "counts of cells", "this run's GE table"),
    "Excluded countries": SheetNote(
        "Countries left out of the GE world and the international trade they carry.", "one country",
        "trade: US$; share_of_trade: share 0-1", "USITC ITPD-E release 1; WDI"),
    "Coverage breaks": SheetNote(
        "ITPD-E domestic-flow coverage breaks (year-on-year ratio beyond the threshold).", "one country-year",
        "before, after: US$; ratio", "USITC ITPD-E release 1"),
    "Cross-check": SheetNote(
        "The focus country's flows with the group partners (and Russia, China) in ITPD-E, UN Comtrade and COW, "
        "side by side.", "one exporter x importer x year", "current US$",
        "USITC ITPD-E release 1; UN Comtrade; Correlates of War dyadic trade v4.0"),
    "Estimation notes": SheetNote(
        "How a specification was estimated when not by default.", "one specification", "none (text)", "this run"),
    "Specifications not estimated": SheetNote(
        "Sensitivity specifications that failed, with the reason.", "one specification", "none (text)",
        "this run"),
}
"""Every sheet's README entry (:class:`gravity.report.workbook.SheetNote`, validated by ``write_tables``)."""


@dataclass
class CorridorTables:
    """Every table of a corridor run; sheet names and contents in :data:`SHEET_NOTES`."""

    brief: pd.DataFrame
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
        t = {"Brief": self.brief, "Countries": self.countries, "Aggregates": self.aggregates,
             "Focus partners": self.focus_partners, "Coefficients": self.coefficients,
             "Elasticities": self.elasticities, "Offset": self.offset, "Literature": self.literature,
             "Sensitivity": self.sensitivity, "Robustness": self.robustness, "Deficit rules": self.deficit_rules,
             "Scenarios": self.scenarios, "GE baseline countries": self.ge_baseline_countries,
             "GE cell flags": self.ge_cell_flags, "Excluded countries": self.excluded_countries,
             "Coverage breaks": self.coverage_breaks, "Cross-check": self.cross_check}
        for name, df in (("Estimation notes", self.estimation_notes),
                         ("Specifications not estimated", self.specifications_not_estimated)):
            if df is not None:
                t[name] = df
        return t

    def __getitem__(self, sheet: str) -> pd.DataFrame:
        """The table of a workbook sheet, by its sheet name."""
        return self.sheets()[sheet]


# ------------------------------------------------------------------------------------ estimates
def coefficient_table(cfg: sc.CorridorConfig, fits: dict, level: float = 0.95) -> pd.DataFrame:
    """Long table of every estimated specification's coefficients.

    Returns
    -------
    DataFrame
        spec, label, headline, term, estimate, se, lo, hi, pvalue, nobs, clusters.
    """
    rows = []
    for spec in cfg.specifications:
        r = fits.get(spec.name)
        if r is None:
            continue
        ci = r.conf_int(1 - level)
        for term in r.params.index:
            rows.append(dict(spec=spec.name, label=spec.label, headline=spec.headline, term=term,
                             estimate=float(r.params[term]), se=float(r.bse[term]), lo=float(ci.loc[term].iloc[0]),
                             hi=float(ci.loc[term].iloc[1]), pvalue=float(r.pvalues[term]), nobs=int(r.nobs),
                             clusters=int(r.n_clusters) if np.isscalar(r.n_clusters) else None))
    return pd.DataFrame(rows)


def elasticities(cfg: sc.CorridorConfig, fits: dict, level: float = 0.95) -> pd.DataFrame:
    """Connectivity elasticity of international relative to domestic trade, coastal and landlocked.

    For a coastal exporter b = b_main; for a landlocked one b = b_main + b_ll, se = √(w'V̂w) (lincom).
    Each is the sum of the exporter- and importer-side effects (only the sum is identified).

    Returns
    -------
    DataFrame
        spec, label, country_type, terms, estimate, se, lo, hi.
    """
    rows = []
    for spec in cfg.specifications:
        f = fits.get(spec.name)
        if f is None:
            continue
        main = [t for t in f.params.index if t in (CONNECTIVITY, "ln_min_internet_x_intl")]
        if not main:
            continue
        ll = [t for t in f.params.index if t in (CONNECTIVITY_LL, "ln_min_internet_x_intl_ll")]
        for kind, terms in (("coastal", main), ("landlocked", main + ll)):
            if kind == "landlocked" and not ll:
                continue
            lc = f.lincom(terms, level=level)
            lo, hi = lc.conf_int()
            rows.append(dict(spec=spec.name, label=spec.label, country_type=kind, terms=" + ".join(terms),
                             estimate=float(lc.estimate), se=float(lc.se), lo=float(lo), hi=float(hi)))
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


def offset_table(cfg: sc.CorridorConfig, fits: dict, el: pd.DataFrame, level: float) -> pd.DataFrame:
    """The seed question per specification: the rise in the focus country's internet use (from ``level``)
    that offsets the landlocked penalty γ of the 2-way specification.

    Returns
    -------
    DataFrame
        spec, label, elasticity_landlocked, se, penalty, penalty_pct (e^γ − 1), internet_now, internet_needed,
        reachable (x* ≤ 100), answer (words).
    """
    pen = next((f for s, f in fits.items() if PENALTY in f.params.index), None)
    if pen is None or el.empty:
        return pd.DataFrame()
    g = float(pen.params[PENALTY])
    rows = []
    for r in el[el.country_type == "landlocked"].itertuples():
        if "min" in r.terms:
            continue
        x = offset_rise(r.estimate, g, level)
        if np.isnan(x):
            ans = f"no rise offsets it: the landlocked elasticity is {r.estimate:+.3f} (<= 0)"
        elif x > 100:
            ans = (f"out of reach: internet use would have to exceed 100% of the population (the arithmetic gives "
                   f"{x:,.0f}%)")
        else:
            ans = f"internet use from {level:.1f}% to {x:.1f}% of the population"
        rows.append(dict(spec=r.spec, label=r.label, elasticity_landlocked=r.estimate, se=r.se, penalty=g,
                         penalty_pct=100 * (np.exp(g) - 1), internet_now=level,
                         internet_needed=x, reachable=bool(np.isfinite(x) and x <= 100), answer=ans))
    return pd.DataFrame(rows)


LIN_2015 = (0.2, 0.4)
"""Lin (2015): % more international trade per 10% more internet users (the abstract's range)."""
LIMAO_VENABLES_2001 = -28.0
"""Limão & Venables (2001): % change in trade volumes, infrastructure from the median to the 75th percentile."""


def ten_percent_effect(elasticity: float, level: float) -> float:
    """% change in international relative to domestic trade when internet use rises 10% from ``level``:
    100·(exp(b·[ln(1 + 1.1·x₀) − ln(1 + x₀)]) − 1)."""
    return float(100 * (np.exp(elasticity * (np.log1p(1.1 * level) - np.log1p(level))) - 1))


def where_ours_sit(el: pd.DataFrame, fits: dict, headline: str, level: float) -> str:
    """One paragraph placing this run's elasticities and landlocked penalty beside Lin (2015) and
    Limão & Venables (2001), computed from the run's numbers."""
    def place(x):
        lo, hi = LIN_2015
        return "within" if lo <= x <= hi else "above" if x > hi else "below"

    parts = []
    for r in el[~el.terms.str.contains("min")].itertuples():
        x = ten_percent_effect(r.estimate, level)
        tag = "headline" if r.spec == headline else r.label
        parts.append(f"{tag}, {r.country_type}: {x:+.2f}% ({place(x)})")
    txt = (f"Where ours sit: Lin (2015) finds {LIN_2015[0]:g}-{LIN_2015[1]:g}% more trade per 10% more internet "
           f"users. A 10% rise from {level:.1f}% of the population gives, for international relative to domestic "
           "trade: " + "; ".join(parts) + ".")
    pen = next((f for f in fits.values() if PENALTY in f.params.index), None)
    if pen is not None:
        g = 100 * (np.exp(float(pen.params[PENALTY])) - 1)
        txt += (f" Our landlocked penalty ({g:+.0f}% international relative to domestic trade) is "
                + ("larger" if g < LIMAO_VENABLES_2001 else "smaller")
                + f" in size than Limão & Venables' (2001) {LIMAO_VENABLES_2001:+.0f}% for infrastructure from the "
                "median to the 75th percentile, a different comparison (infrastructure, not landlockedness).")
    return txt


def literature_table(el: pd.DataFrame, fits: dict, cfg: sc.CorridorConfig, level: float) -> pd.DataFrame:
    """Published figures and ours, stated the same way where they can be (10% more internet users)."""
    rows = [dict(source=a, measure=b, finding=c) for a, b, c in LITERATURE]
    for r in el.itertuples():
        if "min" in r.terms:
            continue
        rows.append(dict(source=f"This run: {r.label} ({r.country_type})",
                         measure="ln(1 + internet use) x INTL, ITPD-E with domestic flows, 3-way PPML",
                         finding=f"elasticity {r.estimate:+.3f} (SE {r.se:.3f}): 10% more internet users (from "
                                 f"{level:.1f}%) -> international relative to domestic trade "
                                 f"{ten_percent_effect(r.estimate, level):+.2f}%"))
    pen = next((f for f in fits.values() if PENALTY in f.params.index), None)
    if pen is not None:
        g, se = float(pen.params[PENALTY]), float(pen.bse[PENALTY])
        rows.append(dict(source="This run: 2-way PPML with pair covariates", measure="landlocked x INTL",
                         finding=f"{g:+.3f} (SE {se:.3f}): landlocked countries trade {100 * (np.exp(g) - 1):+.0f}% "
                                 "internationally relative to domestically, against coastal ones"))
    return pd.DataFrame(rows)


# ------------------------------------------------------------------------------------ GE
def pct_interval(draws: np.ndarray, level: float) -> tuple[np.ndarray, np.ndarray]:
    """Percentile interval over the draws (axis 0) that have no NaN."""
    ok = ~np.isnan(draws).any(axis=tuple(range(1, draws.ndim)))
    a = (1 - level) / 2 * 100
    if not ok.any():
        nan = np.full(draws.shape[1:], np.nan)
        return nan, nan
    lo, hi = np.percentile(draws[ok], [a, 100 - a], axis=0)
    return lo, hi


def group_membership(cfg: sc.CorridorConfig, words: ReportWords, countries) -> pd.DataFrame:
    """Per GE country: ``eco`` (a member of the report's group) and ``landlocked`` in the base year."""
    c = list(countries)
    ll = cc.landlocked(c, cfg.sample.base_year).astype(bool)
    return pd.DataFrame({"eco": [x in set(words.members) for x in c], "landlocked": ll},
                        index=pd.Index(c, name="country"))


def group_masks(words: ReportWords, groups: pd.DataFrame) -> dict[str, np.ndarray]:
    """Boolean masks over the GE countries, one per aggregate of :attr:`ReportWords.aggregates`."""
    e, l = groups["eco"].to_numpy(), groups["landlocked"].to_numpy()
    return dict(zip(words.aggregates, (e, e & l, l, ~e, np.ones_like(e))))


def _levels(base) -> dict[str, np.ndarray]:
    X = base.fitted
    ex = X.sum(axis=1) - np.diag(X)
    return {"exports": ex, "real_exports": ex, "imports": X.sum(axis=0) - np.diag(X), "real_gdp": base.Y}


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
    for meas in ("real_gdp", "real_exports"):
        e = f"{meas}_full"
        if cfg.focus in set(base.countries):
            out[f"{cfg.focus} {MEASURES[meas]}"] = float(pt.loc[cfg.focus, e])
        out[f"{words.group} {MEASURES[meas]}"] = float(aggregate_levels(pt[e].to_numpy(), lv[meas], m))
    return out


def country_table(cfg, ge_d, results: dict, groups: pd.DataFrame) -> pd.DataFrame:
    """Per scenario × country: baseline levels and % changes with pooled and coefficient-only intervals."""
    base = next(iter(results.values())).point.baseline
    tab = ge_d.table.per_country
    names = cc.short_names()
    lv = _levels(base)
    out = []
    for name, r in results.items():
        pt = r.point.countries
        coef = r.pooled.variants[r.pooled.central]          # the headline variant's own draws
        df = pd.DataFrame({"scenario": name, "country": base.countries,
                           "name": names.reindex(base.countries).fillna("").to_numpy()})
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
                    row = dict(scenario=name, group=gname, countries=int(m.sum()), measure=meas, ge=GE_KINDS[g],
                               baseline_level=float(lv[meas][m].sum()),
                               estimate=float(aggregate_levels(pt, lv[meas], m)))
                    agg = aggregate_levels(r.pooled.draws[:, effects.index(e), :], lv[meas], m)
                    lo, hi = pct_interval(agg[:, None], cfg.ge.ci)
                    row["lo"], row["hi"] = float(lo[0]), float(hi[0])
                    rows.append(row)
    return pd.DataFrame(rows)


def robustness_table(sens: pd.DataFrame) -> pd.DataFrame:
    """Per scenario and quantity: the headline's sign and in how many settings it holds (phase-in excluded:
    a share scales the same scenario)."""
    rows = []
    for (scen, q), g in sens.groupby(["scenario", "quantity"], sort=False):
        h = g.loc[g.dimension == "headline", "pct_change"].iloc[0]
        alt = g[~g.dimension.isin(["headline", "phase-in"])]
        same = int((np.sign(alt["pct_change"]) == np.sign(h)).sum())
        flips = alt.loc[np.sign(alt["pct_change"]) != np.sign(h), "setting"].tolist()
        rows.append(dict(scenario=scen, quantity=q, headline=h, sign="+" if h > 0 else "-" if h < 0 else "0",
                         same_sign=same, settings=int(len(alt)), min=float(alt["pct_change"].min()) if len(alt) else h,
                         max=float(alt["pct_change"].max()) if len(alt) else h,
                         sign_flips_under="; ".join(flips)))
    return pd.DataFrame(rows)


def latest_gdp(codes) -> pd.DataFrame:
    """The latest WDI GDP (current US$) per country: iso3 → gdp_latest, gdp_latest_year."""
    from gravity.data.readers.indicators import load_indicators

    g = load_indicators(["gdp"]).dropna(subset=["value"])
    g = g[g["iso3"].isin(list(codes))].sort_values(["iso3", "year"]).groupby("iso3").tail(1)
    return g.set_index("iso3")[["value", "year"]].rename(columns={"value": "gdp_latest", "year": "gdp_latest_year"})


def brief_table(cfg, words, ge_d, countries: pd.DataFrame, aggregates: pd.DataFrame,
                robust: pd.DataFrame) -> pd.DataFrame:
    """Per scenario: focus country and group, real GDP and real exports (full GE, headline) with the pooled
    interval, in US$ of 2016 and scaled to the latest WDI GDP, and the robustness count."""
    f, g = cfg.focus, words.group
    tab = ge_d.table.per_country
    members = [m for m in words.members if m in tab.index]
    lat = latest_gdp(members)
    rows = []
    for s in cfg.scenarios:
        for who in (f, g):
            for meas, base_usd, latest_usd, year in (
                    ("real_gdp", *(_gdp(who, f, tab, members, lat)),),
                    ("real_exports", *(_exports(who, f, tab, members)),)):
                if who == f:
                    r = countries[(countries.scenario == s.name) & (countries.country == f)]
                    if r.empty:
                        continue
                    r = r.iloc[0]
                    est, lo, hi = r[f"{meas}_full"], r[f"{meas}_full_lo"], r[f"{meas}_full_hi"]
                else:
                    r = aggregates[(aggregates.scenario == s.name) & (aggregates.group == g)
                                   & (aggregates.measure == meas) & (aggregates["ge"] == "full")]
                    if r.empty:
                        continue
                    r = r.iloc[0]
                    est, lo, hi = r.estimate, r.lo, r.hi
                rb = robust[(robust.scenario == s.name) & (robust.quantity == f"{who} {MEASURES[meas]}")]
                rows.append(dict(scenario=s.name, who=who, measure=MEASURES[meas], pct=est, lo=lo, hi=hi,
                                 usd_m_2016=est / 100 * base_usd / 1e6,
                                 usd_m_latest=(est / 100 * latest_usd / 1e6) if np.isfinite(latest_usd) else np.nan,
                                 latest_year=year,
                                 sign_holds=f"{rb.same_sign.iloc[0]} of {rb.settings.iloc[0]}" if len(rb) else ""))
    return pd.DataFrame(rows)


def _gdp(who, f, tab, members, lat):
    codes = [f] if who == f else members
    base = float(tab["gdp"].reindex(codes).sum())
    latest = float(lat["gdp_latest"].reindex(codes).sum()) if lat["gdp_latest"].reindex(codes).notna().all() else np.nan
    yrs = lat["gdp_latest_year"].reindex(codes)
    year = f"{int(yrs.min())}" if yrs.nunique() == 1 else f"{int(yrs.min())}-{int(yrs.max())}"
    return base, latest, year


def _exports(who, f, tab, members):
    codes = [f] if who == f else members
    v = float(tab["exports"].reindex(codes).sum())
    return v, np.nan, ""


def partner_table(cfg, words, ge_d, results: dict, level_year: int) -> pd.DataFrame:
    """The focus country's exports and imports with every group partner (ITPD-E, base year), the COW
    cross-check in its latest year, and the full-GE change per scenario."""
    f = cfg.focus
    partners = [m for m in words.members if m != f]
    grid = ge_d.grid
    flows = ge_d.table.flows.set_index(["exporter", "importer"])
    cs = crosscheck.cross_source_flows([f], years=(2012, 2014, level_year))
    cow_year = 2014
    rows = []
    for p in partners:
        r = {"partner": p, "name": cc.short_names().get(p, "")}
        for direction, (a, b) in (("exports", (f, p)), ("imports", (p, f))):
            g = grid[(grid.exporter == a) & (grid.importer == b)]
            v = float(g["trade"].iloc[0]) if len(g) and np.isfinite(g["trade"].iloc[0]) else 0.0
            r[f"{direction}_usd_m"] = v / 1e6
            if direction == "exports":
                r["exports_from_partner_report"] = bool(g["mirror_only"].iloc[0]) if len(g) else False
            c = cs[(cs.exporter == a) & (cs.importer == b) & (cs.year == cow_year)]
            r[f"{direction}_itpde_{cow_year}_usd_m"] = float(c["itpde"].iloc[0]) / 1e6 if len(c) else np.nan
            r[f"{direction}_cow_{cow_year}_usd_m"] = float(c["cow"].iloc[0]) / 1e6 if len(c) else np.nan
            for name, res in results.items():
                pr = res.point.pairs
                q = pr[(pr.exporter == a) & (pr.importer == b)]
                r[f"{direction}_{name}_pct"] = (100 * (q["full"].iloc[0] / q["baseline"].iloc[0] - 1)
                                                if len(q) and q["baseline"].iloc[0] > 0 else np.nan)
            if (a, b) not in flows.index:
                r[f"{direction}_in_ge"] = False
        rows.append(r)
    out = pd.DataFrame(rows)

    def gap(row, d):
        i, c = row[f"{d}_itpde_{cow_year}_usd_m"], row[f"{d}_cow_{cow_year}_usd_m"]
        if not (np.isfinite(i) and np.isfinite(c)):
            return "COW has no value" if np.isfinite(i) else ""
        return "disagree" if abs(i - c) > max(5.0, 0.5 * max(i, c)) else "agree"

    for d in ("exports", "imports"):
        out[f"{d}_cow_check"] = out.apply(lambda row: gap(row, d), axis=1)
    return out


def scenario_table(cfg, words, deltas, grid) -> pd.DataFrame:
    """What each scenario moves under the headline: instruments (model file), inputs, regressors, pairs."""
    inst = dict(cfg.raw.get("report", {}).get("instruments", {}))
    rows = []
    for s in cfg.scenarios:
        d = deltas.get((cfg.headline.name, s.name))
        moved = [c for c in d.columns if (d[c] != 0).any()] if d is not None else []
        rows.append(dict(scenario=s.name, label=s.label, instruments=inst.get(s.name, ""),
                         shocks=", ".join([f"{k} -> {v}" for k, v in s.indicators.items()]
                                          + [f"{k} = {v:g}" for k, v in s.agreement.items()]),
                         regressors_moved=", ".join(moved),
                         pairs_changed=int((d[moved] != 0).any(axis=1).sum()) if moved else 0,
                         pairs_undefined=int(sum(d.attrs.get("undefined", {}).values())) if d is not None else 0))
    return pd.DataFrame(rows)


def build_tables(cfg, an, words, panel_attrs, est, coefs, ge_d, deltas, results, groups, sens,
                 deficits) -> CorridorTables:
    """Arrange everything the run computed into :class:`CorridorTables`.

    ``panel_attrs`` is the ``attrs`` dict of the corridor panel (its ``coverage_breaks`` are tabled); the
    panel itself is not needed here, so the run can free it before the estimation.
    """
    el = elasticities(cfg, est.fits, cfg.ge.ci)
    base_rows = ge_d.grid
    x0 = base_rows[(base_rows.exporter == cfg.focus) & (base_rows.importer == cfg.focus)][f"{INDICATOR}_o"]
    level = float(x0.iloc[0]) if len(x0) else float("nan")
    countries = country_table(cfg, ge_d, results, groups)
    aggregates = aggregate_table(cfg, words, results, groups)
    robust = robustness_table(sens)
    cells = pd.concat([t.flag_counts().rename(v) for v, t in ge_d.tables.items()], axis=1).rename_axis("flag").reset_index()
    brk = pd.DataFrame(panel_attrs.get("coverage_breaks", []))
    xs = crosscheck.cross_source_flows([cfg.focus], years=(2000, 2004, 2008, 2012, 2014, 2016))
    xs = xs[xs.exporter.isin(words.members) & xs.importer.isin(words.members) | xs.exporter.isin(["RUS", "CHN"])
            | xs.importer.isin(["RUS", "CHN"])]
    return CorridorTables(
        brief=brief_table(cfg, words, ge_d, countries, aggregates, robust),
        countries=countries, aggregates=aggregates,
        focus_partners=partner_table(cfg, words, ge_d, results, cfg.sample.base_year),
        coefficients=coefs, elasticities=el, offset=offset_table(cfg, est.fits, el, level),
        literature=literature_table(el, est.fits, cfg, level), sensitivity=sens, robustness=robust,
        deficit_rules=deficits, scenarios=scenario_table(cfg, words, deltas, ge_d.grid),
        ge_baseline_countries=ge_d.table.per_country.reset_index(), ge_cell_flags=cells,
        excluded_countries=ge_d.table.excluded, coverage_breaks=brk, cross_check=xs.reset_index(drop=True),
        estimation_notes=pd.DataFrame([{"spec": k, "note": v} for k, v in est.notes.items()]) if est.notes else None,
        specifications_not_estimated=pd.DataFrame([{"spec": k, "reason": v} for k, v in est.failed.items()])
        if est.failed else None)
