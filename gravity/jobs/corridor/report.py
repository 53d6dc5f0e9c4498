"""The short corridor report (markdown and html) from a list of blocks.

The first page — everything before the first ``("pagebreak",)`` — states what a reader must know
before any number: the sample, the identification, the data gaps, σ and how the headline moves with
σ (and with the domestic-flow construction). :func:`first_page` builds it from plain facts
(:class:`ReportFacts`) so it can be tested without running the pipeline.

Blocks: ``("h1"|"h2"|"h3", text)``, ``("p", text)``, ``("ul", [items])``, ``("table", df, caption)``,
``("img", relative_path, caption)``, ``("md", raw_markdown, raw_html)``, ``("pagebreak",)``.
"""
from __future__ import annotations

import html
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from gravity.report.workbook import to_markdown

Block = tuple


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


def first_page(f: ReportFacts) -> list[Block]:
    blocks: list[Block] = [("h1", f.title)]
    if f.reading:
        blocks += [("h2", "What the data say"), ("ul", f.reading)]
    blocks += [("h2", "Headline (general equilibrium, headline specification)"),
               ("table", f.headline, "% change against the 2016 baseline; 95% intervals from parametric "
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


def render_markdown(blocks: Sequence[Block]) -> str:
    out: list[str] = []
    for b in blocks:
        kind = b[0]
        if kind in ("h1", "h2", "h3"):
            out += ["#" * int(kind[1]) + " " + b[1], ""]
        elif kind == "p":
            out += [b[1], ""]
        elif kind == "ul":
            out += [f"- {item}" for item in b[1]] + [""]
        elif kind == "table":
            df, cap = b[1], (b[2] if len(b) > 2 else "")
            out += [to_markdown(df) if len(df) else "_(empty)_", ""]
            if cap:
                out += [f"*{cap}*", ""]
        elif kind == "img":
            out += [f"![{b[2] if len(b) > 2 else ''}]({b[1]})", ""]
            if len(b) > 2 and b[2]:
                out += [f"*{b[2]}*", ""]
        elif kind == "md":
            out += [b[1], ""]
        elif kind == "pagebreak":
            out += ["---", ""]
        else:
            raise ValueError(f"unknown report block {kind!r}")
    return "\n".join(out)


def _html_table(df: pd.DataFrame) -> str:
    shown = df.copy()
    for c in shown.columns:
        if pd.api.types.is_float_dtype(shown[c]):
            big = shown[c].abs().max(skipna=True) >= 1e4
            shown[c] = [("" if pd.isna(x) else format(x, ",.0f" if big else ".3f")) for x in shown[c]]
    return shown.to_html(index=False, border=0, classes="t", na_rep="", escape=True)


CSS = ("body{font-family:Helvetica,Arial,sans-serif;max-width:1000px;margin:2em auto;line-height:1.4;"
       "color:#222}table.t{border-collapse:collapse;font-size:0.85em;margin:0.5em 0}"
       "table.t td,table.t th{border-bottom:1px solid #ddd;padding:3px 8px;text-align:right}"
       "table.t th{background:#f3f3f3}.cap{font-size:0.85em;color:#555;font-style:italic}"
       "hr.page{page-break-after:always;border:0;border-top:2px solid #999;margin:2em 0}img{max-width:100%}")


def render_html(blocks: Sequence[Block], title: str) -> str:
    out = [f"<!doctype html><html><head><meta charset='utf-8'><title>{html.escape(title)}</title>"
           f"<style>{CSS}</style></head><body>"]
    for b in blocks:
        kind = b[0]
        if kind in ("h1", "h2", "h3"):
            out.append(f"<{kind}>{html.escape(b[1])}</{kind}>")
        elif kind == "p":
            out.append(f"<p>{html.escape(b[1])}</p>")
        elif kind == "ul":
            out.append("<ul>" + "".join(f"<li>{html.escape(str(i))}</li>" for i in b[1]) + "</ul>")
        elif kind == "table":
            out.append(_html_table(b[1]))
            if len(b) > 2 and b[2]:
                out.append(f"<p class='cap'>{html.escape(b[2])}</p>")
        elif kind == "img":
            cap = b[2] if len(b) > 2 else ""
            out.append(f"<figure><img src='{html.escape(b[1])}' alt='{html.escape(cap)}'>"
                       f"<figcaption class='cap'>{html.escape(cap)}</figcaption></figure>")
        elif kind == "md":
            out.append(b[2] if len(b) > 2 and b[2] else f"<pre>{html.escape(b[1])}</pre>")
        elif kind == "pagebreak":
            out.append("<hr class='page'>")
        else:
            raise ValueError(f"unknown report block {kind!r}")
    out.append("</body></html>")
    return "\n".join(out)


def write_report(blocks: Sequence[Block], out: str | Path, *, stem: str, title: str) -> dict[str, Path]:
    """``out/stem.md`` and ``out/stem.html`` (images referenced relative to ``out``)."""
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    md, ht = out / f"{stem}.md", out / f"{stem}.html"
    md.write_text(render_markdown(blocks), encoding="utf-8")
    ht.write_text(render_html(blocks, title), encoding="utf-8")
    return {"report_md": md, "report_html": ht}


# ==============================================================================================
# the corridor run's outputs (duck-typed on gravity.corridor.CorridorResult: no import of it)
# ==============================================================================================
def _sel(df: pd.DataFrame, **eq) -> pd.DataFrame:
    """Rows where every named column equals the value (bracket access: ``group`` is also a method name)."""
    m = np.ones(len(df), dtype=bool)
    for k, v in eq.items():
        m &= (df[k] == v).to_numpy()
    return df[m]


def _fmt(x: float, d: int = 3) -> str:
    return "" if x is None or not np.isfinite(x) else f"{x:+.{d}f}"


def _ci(lo, hi, d: int = 3) -> str:
    if lo is None or hi is None or not (np.isfinite(lo) and np.isfinite(hi)):
        return ""
    return f"[{lo:+.{d}f}, {hi:+.{d}f}]"


HEADLINE_ROWS = (("real_gdp", "full"), ("real_gdp", "conditional"), ("exports", "full"))


def headline_table(res, groups=("ECO", "ECO landlocked")) -> pd.DataFrame:
    """Per scenario: real GDP and exports (% change) for the main groups and the focus country."""
    cfg = res.config
    agg, ctry = res.tables["Aggregates"], res.tables["Countries"]
    rows = []
    for s in cfg.scenarios:
        for who in list(groups) + ([cfg.focus] if cfg.focus else []):
            for meas, ge in HEADLINE_ROWS:
                if True:
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
                                 "% change": _fmt(est), "95% CI (parametric)": _ci(lo, hi),
                                 "95% CI (pair bootstrap)": _ci(blo, bhi)})
    return pd.DataFrame(rows)


def _reading(res) -> list[str]:
    cfg = res.config
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
    agg = res.tables["Aggregates"]
    for s in cfg.scenarios:
        r = _sel(agg, scenario=s.name, group="ECO", measure="real_gdp", ge="full")
        if len(r):
            r = r.iloc[0]
            out.append(f"{s.label}: ECO real GDP {r.estimate:+.3f}% (full GE; parametric 95% CI "
                       f"{_ci(r.get('lo'), r.get('hi'))}" + (f", bootstrap {_ci(r.get('boot_lo'), r.get('boot_hi'))}"
                                                          if "boot_lo" in r and np.isfinite(r.get("boot_lo", np.nan)) else "") + ").")
    return out


def landlocked_elasticities(res, level: float = 0.95) -> pd.DataFrame:
    """b(ln_min_internet) + interactions, for coastal/landlocked exporter/importer pairs, with CIs from V̂."""
    from scipy.stats import norm

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


def _sample_lines(res, panel) -> list[str]:
    cfg, info = res.config, res.panel_info
    fit = res.estimates.fits[cfg.headline.name]
    drops = ", ".join(f"{v:,} {k}" for k, v in info["headline_drops"].items())
    status = panel[panel.exporter != panel.importer].groupby("flow_status", observed=True).size()
    never = sorted(set(panel.loc[panel.flow_status == "exporter never reports", "exporter"].astype(str)))
    lines = [
        f"UN Comtrade merchandise exports, exporter-reported, waves {', '.join(map(str, cfg.sample.years))}; "
        f"{info['countries']} countries in the square panel.",
        f"Headline ({cfg.headline.label}): {int(fit.nobs):,} pair-years used, {fit.n_clusters:,} pair clusters; "
        f"left out: {drops}.",
        "International cells by status: " + ", ".join(f"{k} {v:,}" for k, v in status.items() if v) + ".",
    ]
    if never:
        lines.append(f"Exporters that never report in the source: {', '.join(never)} (their flows are missing, not zero, "
                     "and they enter the estimation only as importers).")
    if info.get("dropped_countries"):
        lines.append("Codes left out of the panel: " + ", ".join(f"{k} ({v})" for k, v in info["dropped_countries"].items()) + ".")
    return lines


def _gap_lines(res, panel) -> list[str]:
    cfg, t = res.config, res.ge.table
    lines = []
    filled = [c for c in t.countries if bool(t.output.loc[c, "filled"])]
    if filled:
        eco_f = [c for c in filled if c in set(cfg.groups.get("ECO", ()))]
        lines.append(f"{len(filled)} countries report no exports in {cfg.sample.base_year} (incl. ECO: {', '.join(eco_f) or 'none'}): "
                     "their bilateral exports are filled cell by cell as the WDI merchandise-export total × gravity-predicted "
                     "destination shares (flag 'filled'); every number involving their exports rests on this construction.")
    if len(t.excluded):
        share = 100 * t.excluded["share_of_trade"].fillna(0).sum()
        lines.append(f"{len(t.excluded)} codes are excluded from the GE world ({share:.2f}% of reported base-year trade): "
                     + ", ".join(f"{r.iso3}" for r in t.excluded.itertuples()) + " — see the 'Excluded countries' table.")
    clipped = list(t.output.index[t.output["clipped"]])
    if clipped:
        lines.append(f"Domestic flows clipped to {t.floor_share:g} × exports (constructed output below exports: entrepôts, "
                     f"re-exports): {', '.join(clipped)}.")
    for ind in cfg.indicators:
        fl = f"{ind}_flag_o"
        if fl in panel:
            first = panel.drop_duplicates(["exporter", "year"])
            kinds = first[fl].astype(str)
            kinds = kinds[~kinds.isin(["observed", "missing", ""])].value_counts()
            if len(kinds):
                lines.append(f"{ind}: " + ", ".join(f"{v} country-years {k}" for k, v in kinds.items())
                             + " (flagged per cell; estimation and scenarios use them as values).")
    if "bandwidth" in cfg.indicators:
        lines.append("ITU international bandwidth starts in 2013 in this extract and has no Tajikistan: the bandwidth "
                     "column is a 2016 cross-section that cannot speak for Tajikistan.")
    scen = res.tables.get("Scenarios")
    if scen is not None and "member_pairs_without_data" in scen:
        for r in scen[scen["member_pairs_without_data"] > 0].itertuples():
            lines.append(f"Scenario {r.scenario}: {r.member_pairs_without_data} pairs with a member have no base-year "
                         f"value of a shocked indicator (countries without it: {r.countries_without_indicator or 'n/a'}); "
                         "their trade costs are left unchanged.")
    lines.append("GeoDist codes re-mapped by the data layer: YUG (Serbia and Montenegro) is used for SRB, BEL for BLX "
                 "(Belgium-Luxembourg reports to Comtrade as one); BLX takes Belgium's indicator series (flag 'proxy BEL'). "
                 "Pairs with no GeoDist row (e.g. MNE, SSD, CUW) drop from the specifications that use distance.")
    lines.append("No bilateral flows with TJK, UZB or TKM as exporters exist after 2000 in any source here (only WDI "
                 "totals, partly mirror-based for UZB and TKM); no gross-output data exist (only value added).")
    return lines


def _domestic_lines(res) -> list[str]:
    t, ge = res.ge.table, res.config.ge
    va = {"industry": "GDP × industry share of GDP (WDI NY.GDP.MKTP.CD × NV.IND.TOTL.ZS)",
          "manufacturing": "manufacturing value added (WDI NV.IND.MANF.CD; industry VA × the median ratio where absent)"}
    lines = [f"X_ii = {t.multiplier:g} × value added − exports in the table, value added = {va[t.method]}; "
             f"{t.multiplier:g} is the gross-output/value-added ratio of goods sectors (assumption stated in the model file).",
             f"Where that is below {t.floor_share:g} × exports the domestic flow is set to {t.floor_share:g} × exports (flagged)."]
    if res.ge.alt_table is not None:
        lines.append(f"Sensitivity: the same with value added = {va[res.ge.alt_table.method]} (table below).")
    return lines


def write_all(res, out: Path, *, panel: pd.DataFrame, plots: bool = True) -> dict[str, Path]:
    """Every output of a corridor run under ``out``: tables (xlsx/csv/md), regression table, plots, report."""
    import gravity as gv
    from gravity.report import workbook

    cfg = res.config
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    readme = [cfg.title, f"Model file: {cfg.path}", f"σ = {cfg.ge.sigma:g}; {cfg.ge.draws} parametric draws, "
              f"{cfg.ge.bootstrap} pair-bootstrap re-estimations; seed {cfg.ge.seed}; {int(cfg.ge.ci * 100)}% intervals.",
              "All changes are % against the base-year baseline; 'conditional' keeps output and expenditure fixed, "
              "'full' lets factory-gate prices, output and expenditure adjust (full endowment GE).",
              "Sources: " + " ".join(SOURCES_NOTE)]
    notes = {
        "Countries": "Per scenario and country: baseline exports (US$ m, base-year table) and GDP (US$ bn, WDI); % change in "
                     "exports, imports and real GDP, conditional (_cdl) and full GE, with parametric (_lo/_hi) and "
                     "pair-bootstrap (_boot_lo/_boot_hi) 95% intervals. exports_filled: the country's exports are filled.",
        "Aggregates": "Group % change = level-weighted sum of the member countries (exports/imports: baseline flows; real "
                      "GDP: baseline output as weights); intervals over the same draws.",
        "Coefficients": "PPML, pair-clustered standard errors (Stata's G/(G-1) correction).",
    }
    paths = dict(workbook.write_tables(res.tables, out, stem="eco_corridor", readme=readme, notes=notes))

    fits = res.estimates.fits
    specs = [s for s in cfg.specifications if s.name in fits]
    rt = gv.regtable([fits[s.name] for s in specs], names=[s.label for s in specs])
    for ext, text in (("md", rt.to_markdown()), ("tex", rt.to_latex(caption=cfg.title)), ("html", rt.to_html())):
        p = out / f"regressions.{ext}"
        p.write_text(text, encoding="utf-8")
        paths[f"regressions_{ext}"] = p

    if plots:
        paths.update(_plots(res, out / "plots"))
    co = res.coefficients
    sig = res.tables["Sensitivity sigma"]
    sig_show = sig[sig.quantity.str.contains("real_gdp")]
    dom = res.tables.get("Sensitivity domestic")
    h = co[co.spec == cfg.headline.name][["term", "estimate", "se", "lo", "hi", "pvalue"]]
    facts = ReportFacts(
        title=cfg.title, sample=_sample_lines(res, panel),
        identification=[cfg.headline.identifies, "It cannot identify: " + cfg.headline.cannot] +
        [f"Sensitivity '{s.label}': {s.identifies} It cannot: {s.cannot}" for s in cfg.specifications if not s.headline],
        headline_spec=cfg.headline.label, data_gaps=_gap_lines(res, panel), sigma=cfg.ge.sigma,
        headline=headline_table(res), sigma_sensitivity=sig_show, domestic=_domestic_lines(res),
        domestic_sensitivity=dom[dom.quantity.str.contains("real_gdp")] if dom is not None else None,
        key_coefficients=h, sources=SOURCES_NOTE, reading=_reading(res))
    blocks = first_page(facts)
    scen = res.tables["Scenarios"]
    blocks.insert(3, ("table", scen[[c for c in ("scenario", "label", "shocks", "pairs_changed") if c in scen]],
                      "Scenario definitions: what moves, for which pairs (domestic pairs never change)."))
    lc = landlocked_elasticities(res)
    if len(lc):
        blocks.insert(-1, ("h2", "Does connectivity matter more for landlocked economies?"))
        blocks.insert(-1, ("table", lc, "Weakest-link internet elasticity of trade within pairs (headline specification)."))
    img = (lambda path, cap: [("img", path, cap)]) if plots else (lambda path, cap: [])
    blocks += [("h2", "Real GDP by ECO member"),
               *img("plots/real_gdp_full.png", "Full-endowment GE, % change in real GDP with 95% intervals."),
               *img("plots/real_gdp_cdl.png", "Conditional GE (output and expenditure fixed)."),
               ("table", _eco_table(res), "ECO members, % change, full GE, parametric 95% intervals."),
               ("h2", "Estimates"), *img("plots/coefficients.png", "PPML coefficients, pair-clustered 95% intervals."),
               ("md", rt.to_markdown(), rt.to_html()),
               ("h2", "Data coverage"), *img("plots/coverage.png", "Present / flagged (carried, estimated, filled) / missing.")]
    if cfg.focus:
        fp = res.tables.get(f"{cfg.focus} partners")
        if fp is not None and len(fp):
            last = cfg.scenarios[-1].name
            blocks += [("h2", f"{cfg.focus}: partners whose trade changes most ({last}, full GE)"),
                       ("table", _sel(fp, scenario=last).drop(columns="scenario"),
                        "Point estimates, US$; 'filled' baseline flows are constructed, not reported.")]
    blocks += [("h2", "Method"), ("ul", [
        "Scenario → change in bilateral trade costs: Δ ln t_ij^(1-σ) = Σ_k b_k Δx_k,ij with the headline coefficients; "
        "domestic pairs never change.",
        "GE: exact hat algebra (Yotov et al. 2016, ch. 2), baseline calibrated to the base-year table; conditional GE "
        "holds output and expenditure fixed, full-endowment GE solves factory-gate prices; real GDP = Y/P.",
        f"Intervals: {cfg.ge.draws} parametric draws b ~ N(b̂, V̂_pair-cluster) and {cfg.ge.bootstrap} pair-bootstrap "
        f"re-estimations, each pushed through the same GE; percentile {int(cfg.ge.ci * 100)}% intervals; seed "
        f"{cfg.ge.seed} (the same command gives the same tables).",
    ])]
    paths.update(write_report(blocks, out, stem="report", title=cfg.title))
    return paths


def _eco_table(res) -> pd.DataFrame:
    """ECO members × scenario: real GDP and exports (full GE) with parametric intervals, as text."""
    c = res.tables["Countries"]
    c = c[c["eco"].to_numpy()]
    rows = []
    for r in c.itertuples():
        rows.append({"scenario": r.scenario, "country": r.country,
                     "real GDP": f"{_fmt(r.real_gdp_full)} {_ci(r.real_gdp_full_lo, r.real_gdp_full_hi)}",
                     "exports": f"{_fmt(r.exports_full)} {_ci(r.exports_full_lo, r.exports_full_hi)}",
                     "imports": f"{_fmt(r.imports_full)} {_ci(r.imports_full_lo, r.imports_full_hi)}"})
    return pd.DataFrame(rows)


def _plots(res, pdir: Path) -> dict[str, Path]:
    """Real GDP by ECO member (full and conditional GE), coefficients, data coverage."""
    from gravity.report.plots import plot_coverage
    from gravity.report import plots

    cfg = res.config
    paths = {}
    ctry = res.tables["Countries"]
    eco = list(cfg.groups.get("ECO", cfg.members))
    labels = {s.name: s.label for s in cfg.scenarios}
    scen = [s.name for s in cfg.scenarios]
    for ge in ("full", "cdl"):
        e = f"real_gdp_{ge}"
        d = ctry[ctry.country.isin(eco)].rename(columns={e: "estimate", f"{e}_lo": "param_lo", f"{e}_hi": "param_hi",
                                                          f"{e}_boot_lo": "boot_lo", f"{e}_boot_hi": "boot_hi"})
        paths[f"plot_{e}"] = plots.effect_plot(
            d, pdir / f"{e}.png", scenarios=scen, countries=eco, labels=labels,
            title=f"Real GDP, % change ({'full-endowment' if ge == 'full' else 'conditional'} GE), 95% intervals",
            xlabel="% change in real GDP")
    co = res.coefficients
    terms = list(cfg.headline.slopes)
    paths["plot_coefficients"] = plots.coefficient_plot(co[co.term.isin(terms)].assign(spec=co["label"]),
                                                        pdir / "coefficients.png", terms=terms,
                                                        title="Coefficients behind the scenarios")
    paths["plot_coverage"] = plot_coverage(res.tables["Coverage"], pdir / "coverage.png",
                                           title="Data coverage, ECO members (GE base-year exports: flagged = filled)")
    return paths


SOURCES_NOTE = [
    "UN Comtrade merchandise exports (exporter-reported) via penppml (Breinlich, Corradi, Rocha, Ruta, Santos Silva & "
    "Zylkin 2021); trade-agreement provisions: Mattoo, Rocha & Ruta (2020).",
    "CEPII GeoDist (Mayer & Zignago 2011).",
    "World Bank WDI (internet use, GDP, industry and manufacturing value added, merchandise trade, population), CC BY 4.0.",
    "ITU DataHub (international bandwidth).",
    "Landlocked status: UN-OHRLLS list plus European landlocked states.",
]
