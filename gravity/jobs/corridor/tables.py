"""The corridor run's result tables, as one typed object (:class:`CorridorTables`).

Each table is a plain DataFrame attribute; :meth:`CorridorTables.sheets` gives them in workbook order
under their sheet names (the workbook, csv and markdown carry the same). The functions here only
arrange what the run computed (fits, GE solutions, draws); they solve nothing.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from gravity.data import countries as cc
from gravity.ge import EFFECTS
from gravity.ge.aggregate import aggregate_levels
from gravity.jobs.corridor.words import ReportWords
from gravity.panel.corridor import corridor_coverage
from gravity.scenario import config as sc
from gravity.scenario import shocks

MEASURES = {"exports": "exports", "imports": "imports", "real_gdp": "real GDP"}
GE_KINDS = {"cdl": "conditional", "full": "full"}


@dataclass
class CorridorTables:
    """Every table of a corridor run (sheet names in brackets).

    Attributes
    ----------
    countries : DataFrame
        ["Countries"] per scenario × country: baseline levels, % changes (conditional ``_cdl``, full
        ``_full``) with parametric ``_lo/_hi`` and bootstrap ``_boot_lo/_boot_hi`` intervals.
    aggregates : DataFrame
        ["Aggregates"] group % changes (level-weighted sums of the members), with intervals.
    focus_partners : DataFrame
        ["<focus> partners"] the focus country's partners whose trade changes most.
    coefficients : DataFrame
        ["Coefficients"] long: spec, label, headline, term, estimate, se, lo, hi, pvalue, nobs, clusters.
    sensitivity_sigma : DataFrame
        ["Sensitivity sigma"] headline point estimates re-solved at other σ.
    scenarios : DataFrame
        ["Scenarios"] what each scenario moves, for how many pairs.
    ge_baseline_countries, ge_cell_flags, excluded_countries : DataFrame
        The GE base-year table's countries, its cell flags and the countries it leaves out.
    coverage : DataFrame
        ["Coverage"] data coverage of the group members.
    sensitivity_domestic, bootstrap_failures, estimation_notes, specifications_not_estimated : DataFrame or None
        Present only when there is something to say.
    focus : str
        The focus country (names its partner sheet).
    """

    countries: pd.DataFrame
    aggregates: pd.DataFrame
    focus_partners: pd.DataFrame
    coefficients: pd.DataFrame
    sensitivity_sigma: pd.DataFrame
    scenarios: pd.DataFrame
    ge_baseline_countries: pd.DataFrame
    ge_cell_flags: pd.DataFrame
    excluded_countries: pd.DataFrame
    coverage: pd.DataFrame
    sensitivity_domestic: pd.DataFrame | None = None
    bootstrap_failures: pd.DataFrame | None = None
    estimation_notes: pd.DataFrame | None = None
    specifications_not_estimated: pd.DataFrame | None = None
    focus: str = ""

    def sheets(self) -> dict[str, pd.DataFrame]:
        """The tables under their sheet names, in workbook order (absent optional tables left out)."""
        t = {"Countries": self.countries, "Aggregates": self.aggregates,
             f"{self.focus} partners" if self.focus else "Focus partners": self.focus_partners,
             "Coefficients": self.coefficients, "Sensitivity sigma": self.sensitivity_sigma,
             "Scenarios": self.scenarios, "GE baseline countries": self.ge_baseline_countries,
             "GE cell flags": self.ge_cell_flags, "Excluded countries": self.excluded_countries,
             "Coverage": self.coverage}
        for name, df in (("Sensitivity domestic", self.sensitivity_domestic),
                         ("Bootstrap failures", self.bootstrap_failures),
                         ("Estimation notes", self.estimation_notes),
                         ("Specifications not estimated", self.specifications_not_estimated)):
            if df is not None:
                t[name] = df
        return t

    def __getitem__(self, sheet: str) -> pd.DataFrame:
        """The table of a workbook sheet, by its sheet name (``tables["Countries"]``)."""
        return self.sheets()[sheet]


def coefficient_table(cfg: sc.CorridorConfig, fits: dict, level: float = 0.95) -> pd.DataFrame:
    """Long table of every estimated specification's coefficients.

    Parameters
    ----------
    cfg : CorridorConfig
        The model file (specification order and labels).
    fits : dict
        Specification name → fitted PPML result (specifications not estimated are absent).
    level : float
        Confidence level of ``lo``/``hi``.

    Returns
    -------
    DataFrame
        spec, label, headline, term, estimate, se, lo, hi, pvalue, nobs, clusters (pair-clustered).
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


def _pct_interval(draws: np.ndarray, level: float) -> tuple[np.ndarray, np.ndarray]:
    ok = ~np.isnan(draws).any(axis=tuple(range(1, draws.ndim)))
    a = (1 - level) / 2 * 100
    if not ok.any():
        nan = np.full(draws.shape[1:], np.nan)
        return nan, nan
    lo, hi = np.percentile(draws[ok], [a, 100 - a], axis=0)
    return lo, hi


def country_table(cfg: sc.CorridorConfig, base, table, results: dict, groups: pd.DataFrame) -> pd.DataFrame:
    """Per scenario × country: baseline exports / output / GDP and % changes with both intervals.

    Parameters
    ----------
    cfg : CorridorConfig
    base : gravity.ge.Baseline
        The calibrated GE baseline (countries, fitted flows X, output Y).
    table : BaselineTable
        The base-year table (GDP and the ``filled`` flag per country).
    results : dict
        Scenario name → ScenarioGE (``point``, ``parametric``, ``bootstrap``).
    groups : DataFrame
        :func:`group_membership`.

    Returns
    -------
    DataFrame
    """
    names = cc.short_names()
    out_rows = []
    exports0 = base.fitted.sum(axis=1) - np.diag(base.fitted)
    for s in cfg.scenarios:
        r = results[s.name]
        pt = r.point.countries
        df = pd.DataFrame({"scenario": s.name, "country": base.countries,
                           "name": names.reindex(base.countries).fillna("").to_numpy()})
        df = df.join(groups.reindex(base.countries).reset_index(drop=True))
        df["baseline_exports_usd_m"] = exports0 / 1e6
        df["baseline_output_usd_m"] = base.Y / 1e6
        df["baseline_gdp_usd_bn"] = table.output["gdp"].reindex(base.countries).to_numpy() / 1e9
        df["exports_filled"] = table.output["filled"].reindex(base.countries).to_numpy()
        for m in MEASURES:
            for g in GE_KINDS:
                e = f"{m}_{g}"
                df[e] = pt[e].to_numpy()
                df[f"{e}_lo"] = r.parametric.lower[e].to_numpy()
                df[f"{e}_hi"] = r.parametric.upper[e].to_numpy()
                if r.bootstrap is not None:
                    df[f"{e}_boot_lo"] = r.bootstrap.lower[e].to_numpy()
                    df[f"{e}_boot_hi"] = r.bootstrap.upper[e].to_numpy()
        out_rows.append(df)
    return pd.concat(out_rows, ignore_index=True)


def group_membership(cfg: sc.CorridorConfig, words: ReportWords, base) -> pd.DataFrame:
    """Per GE country: ``eco`` (a member of the report's group) and ``landlocked`` in the base year.

    Returns
    -------
    DataFrame
        Indexed by country (the GE order).
    """
    c = list(base.countries)
    eco = set(words.members)
    ll = cc.landlocked(c, cfg.sample.base_year).astype(bool)
    return pd.DataFrame({"eco": [x in eco for x in c], "landlocked": ll}, index=pd.Index(c, name="country"))


def group_masks(words: ReportWords, groups: pd.DataFrame) -> dict[str, np.ndarray]:
    """Boolean masks over the GE countries, one per aggregate of :attr:`ReportWords.aggregates`."""
    e, l = groups["eco"].to_numpy(), groups["landlocked"].to_numpy()
    return dict(zip(words.aggregates, (e, e & l, l, ~e, np.ones_like(e))))


def aggregate_table(cfg: sc.CorridorConfig, words: ReportWords, base, results: dict,
                    groups: pd.DataFrame) -> pd.DataFrame:
    """Group aggregates as level-weighted sums of the countries, with intervals over the same draws.

    Weights: baseline exports Σ_{j≠i} X_ij and imports Σ_{i≠j} X_ij, and output Y_i for real GDP;
    see :func:`aggregate_levels`.

    Returns
    -------
    DataFrame
        scenario, group, countries, measure, ge, baseline_level, counterfactual_level, estimate,
        lo, hi (and boot_lo, boot_hi).
    """
    X = base.fitted
    levels = {"exports": X.sum(axis=1) - np.diag(X), "imports": X.sum(axis=0) - np.diag(X), "real_gdp": base.Y}
    masks = group_masks(words, groups)
    effects = list(EFFECTS)
    rows = []
    for s in cfg.scenarios:
        r = results[s.name]
        for gname in words.aggregates:
            m = masks[gname]
            if not m.any():
                continue
            for meas, lv in levels.items():
                for g in GE_KINDS:
                    e = f"{meas}_{g}"
                    k = effects.index(e)
                    pt = r.point.countries[e].to_numpy()
                    row = dict(scenario=s.name, group=gname, countries=int(m.sum()), measure=meas,
                               ge=GE_KINDS[g], baseline_level=float(lv[m].sum()),
                               counterfactual_level=float((lv[m] * (1 + pt[m] / 100)).sum()),
                               estimate=float(aggregate_levels(pt, lv, m)))
                    for tag, u in (("", r.parametric), ("boot_", r.bootstrap)):
                        if u is None:
                            continue
                        agg = aggregate_levels(u.draws[:, k, :], lv, m)
                        lo, hi = _pct_interval(agg[:, None], cfg.ge.ci)
                        row[f"{tag}lo"], row[f"{tag}hi"] = float(lo[0]), float(hi[0])
                    rows.append(row)
    return pd.DataFrame(rows)


def focus_partners(cfg: sc.CorridorConfig, base, table, results: dict) -> pd.DataFrame:
    """For the focus country: the ``cfg.focus_partners`` partners whose bilateral trade (exports +
    imports, |Δ| in the full GE) changes most, per scenario; empty without a focus in the GE world."""
    f = cfg.focus
    if not f or f not in set(base.countries):
        return pd.DataFrame()
    flags = table.flows.set_index(["exporter", "importer"])["flag"]
    rows = []
    for s in cfg.scenarios:
        p = results[s.name].point.pairs
        p = p[(p.exporter != p.importer) & ((p.exporter == f) | (p.importer == f))].copy()
        p["partner"] = np.where(p.exporter == f, p.importer, p.exporter)
        p["direction"] = np.where(p.exporter == f, f"{f} exports to", f"{f} imports from")
        p["change_full"] = p["full"] - p["baseline"]
        tot = p.groupby("partner")["change_full"].apply(lambda v: v.abs().sum())
        top = tot.sort_values(ascending=False).head(cfg.focus_partners).index
        sel = p[p.partner.isin(top)].copy()
        sel["rank"] = sel["partner"].map({c: i + 1 for i, c in enumerate(top)})
        sel["baseline_flow_source"] = [flags.get((a, b), "") for a, b in zip(sel.exporter, sel.importer)]
        with np.errstate(divide="ignore", invalid="ignore"):
            sel["pct_conditional"] = 100 * (sel["conditional"] / sel["baseline"] - 1)
            sel["pct_full"] = 100 * (sel["full"] / sel["baseline"] - 1)
        sel["scenario"] = s.name
        rows.append(sel[["scenario", "rank", "partner", "direction", "baseline", "conditional", "full",
                         "change_full", "pct_conditional", "pct_full", "baseline_flow_source"]]
                    .rename(columns={"baseline": "baseline_usd", "conditional": "conditional_usd",
                                     "full": "full_usd", "change_full": "change_full_usd"}))
    return pd.concat(rows, ignore_index=True).sort_values(["scenario", "rank", "direction"]).reset_index(drop=True)


def headline_summary(cfg: sc.CorridorConfig, words: ReportWords, base, results: dict,
                     groups: pd.DataFrame) -> dict[tuple[str, str], float]:
    """Point estimates for the sensitivity tables: the group's and the focus country's real GDP and
    exports, both GE kinds.

    Parameters
    ----------
    results : dict
        Scenario name → the GE solution's ``countries`` table.

    Returns
    -------
    dict
        (scenario, quantity) → % change.
    """
    X = base.fitted
    lv = {"real_gdp": base.Y, "exports": X.sum(axis=1) - np.diag(X)}
    m = group_masks(words, groups)[words.group]
    out = {}
    for s_name, pt in results.items():
        for meas in ("real_gdp", "exports"):
            for g in GE_KINDS:
                e = f"{meas}_{g}"
                out[(s_name, f"{words.group} {meas} {GE_KINDS[g]}")] = float(aggregate_levels(pt[e].to_numpy(), lv[meas], m))
                if cfg.focus in set(base.countries):
                    out[(s_name, f"{cfg.focus} {meas} {GE_KINDS[g]}")] = float(pt.loc[cfg.focus, e])
    return out


def sensitivity_table(summaries: dict[str, dict], key: str) -> pd.DataFrame:
    """Point estimates side by side: one column per setting (e.g. ``sigma=3``).

    Parameters
    ----------
    summaries : dict
        Setting label → :func:`headline_summary`.
    key : str
        Name of the setting (the columns' axis).

    Returns
    -------
    DataFrame
        scenario, quantity, then one column per setting.
    """
    rows = []
    for val, summ in summaries.items():
        for (scen, what), v in summ.items():
            rows.append({key: val, "scenario": scen, "quantity": what, "pct_change": v})
    t = pd.DataFrame(rows)
    return t.pivot_table(index=["scenario", "quantity"], columns=key, values="pct_change",
                         sort=False).reset_index().rename_axis(columns=None)


def coverage(cfg: sc.CorridorConfig, words: ReportWords, panel: pd.DataFrame, filled=()) -> pd.DataFrame:
    """The data layer's coverage report for the group members (:func:`gravity.panel.corridor.corridor_coverage`),
    with base-year exports marked "flagged" for the countries whose exports the GE table fills."""
    rep = corridor_coverage(panel, countries=list(words.members))
    m = ((rep["item"] == "exports (exporter-reported)") & (rep["year"] == cfg.sample.base_year)
         & rep["iso3"].isin(list(filled)) & (rep["status"] == "missing")).to_numpy()
    rep.loc[m, "status"] = "flagged"
    rep.loc[m, "detail"] = "not reported; filled in the GE baseline (WDI total x gravity shares)"
    return rep


def scenario_table(cfg: sc.CorridorConfig, grid: pd.DataFrame, deltas: dict[str, pd.DataFrame]) -> pd.DataFrame:
    """What each scenario moves: the shocks in words, pairs changed, mean Δx per regressor, member
    pairs without base-year data (their costs stay unchanged).

    Parameters
    ----------
    grid : DataFrame
        Base-year regressor inputs on the GE grid (exporter, importer as str).
    deltas : dict
        Scenario name → Δx over the grid (``attrs["undefined_rows"]`` marks rows without data).
    """
    changes = []
    for s in cfg.scenarios:
        d = deltas[s.name]
        nz = d.abs().sum(axis=1) > 0
        targets = []
        for ind, target in s.indicators.items():
            lv = shocks.country_values(grid, ind).reindex(list(s.members)).dropna()
            if target == "frontier" and len(lv):
                targets.append(f"{ind}: frontier {lv.max():.4g} ({lv.idxmax()}); members below it: "
                               + ", ".join(f"{c} {v:.4g}" for c, v in lv[lv < lv.max()].items()))
            else:
                targets.append(f"{ind}: raised to at least {target}")
        targets += [f"{k} = {v:g} between members" for k, v in s.agreement.items()]
        touch = (grid["exporter"].isin(s.members) | grid["importer"].isin(s.members)).to_numpy() & \
            (grid["exporter"] != grid["importer"]).to_numpy()
        und = touch & d.attrs.get("undefined_rows", np.zeros(len(d), bool))
        lacking = sorted({c for ind in s.indicators for c, v in shocks.country_values(grid, ind).items() if pd.isna(v)})
        changes.append(dict(scenario=s.name, label=s.label, members=", ".join(s.members), spec=s.spec,
                            shocks="; ".join(targets), pairs_changed=int(nz.sum()),
                            **{f"mean_change_{k}": float(d.loc[nz, k].mean()) if nz.any() else 0.0 for k in d.columns},
                            member_pairs_without_data=int(und.sum()),
                            countries_without_indicator=", ".join(lacking)))
    return pd.DataFrame(changes)


def build_tables(cfg: sc.CorridorConfig, words: ReportWords, panel: pd.DataFrame, est, coefs: pd.DataFrame,
                 ge_d, base, grid: pd.DataFrame, deltas: dict, results: dict, groups: pd.DataFrame, boot,
                 sensitivity: tuple[pd.DataFrame, pd.DataFrame | None]) -> CorridorTables:
    """Every table of the outputs.

    Parameters
    ----------
    est : Estimates
        Fits, failed specifications and estimation notes.
    ge_d : GEData
        The base-year table(s).
    boot : PairBootstrap or None
        The bootstrap draws (its ``failures`` are listed).
    sensitivity : (DataFrame, DataFrame or None)
        The σ and domestic-flow sensitivity tables (:func:`sensitivity_table`).

    Returns
    -------
    CorridorTables
    """
    t = ge_d.table
    filled = [c for c in t.countries if bool(t.output.loc[c, "filled"])]
    sig, dom = sensitivity
    return CorridorTables(
        countries=country_table(cfg, base, t, results, groups),
        aggregates=aggregate_table(cfg, words, base, results, groups),
        focus_partners=focus_partners(cfg, base, t, results),
        coefficients=coefs, sensitivity_sigma=sig, scenarios=scenario_table(cfg, grid, deltas),
        ge_baseline_countries=t.output.reset_index(),
        ge_cell_flags=t.flag_counts().rename_axis("flag").reset_index(name="cells"),
        excluded_countries=t.excluded, coverage=coverage(cfg, words, panel, filled),
        sensitivity_domestic=dom,
        bootstrap_failures=boot.failures if boot is not None and len(boot.failures) else None,
        estimation_notes=pd.DataFrame({"spec": list(est.notes), "note": list(est.notes.values())}) if est.notes else None,
        specifications_not_estimated=(pd.DataFrame({"spec": list(est.failed), "reason": list(est.failed.values())})
                                      if est.failed else None),
        focus=cfg.focus)
