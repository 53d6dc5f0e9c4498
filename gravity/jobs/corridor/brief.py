"""The corridor report's words: the brief for an official first, the technical sections after.

The first page — the blocks before the first ``("pagebreak",)`` — is for a ministry official: the focus
country first, in plain words, effects in % and US$, whether the sign survives the alternatives, the
seed question (what rise in internet use offsets the landlocked penalty), the scenarios' instruments, the
focus country's trade with every group partner, "conditional" and "full" in one sentence each, and what
the data cannot tell. :func:`blocks` reads a :class:`~gravity.jobs.corridor.pipeline.CorridorResult`
(duck-typed: ``config``, ``words``, ``analysis``, ``panel_info``, ``estimates``, ``coefficients``, ``ge``,
``tables``); place-specific words come from the model file's ``[report]``.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from gravity.ge.deficits import DEFICIT_RULES
from gravity.jobs.corridor.ge_table import DOMESTIC_VARIANTS
from gravity.jobs.corridor.tables import where_ours_sit
from gravity.report.documents import Block

CONDITIONAL = ("Conditional GE: prices and trade partners adjust to the new trade costs, but each country's output "
               "and spending stay as they are - the first-round effect.")
FULL = ("Full GE: factory-gate prices, output and spending also adjust until every market clears - the longer-run "
        "effect, and the one this brief quotes.")


def signed(x: float, d: int = 2) -> str:
    """``+1.23`` / ``-1.23`` / ``n/a``."""
    return f"{x:+.{d}f}" if x is not None and np.isfinite(x) else "n/a"


def interval(lo, hi, d: int = 2) -> str:
    """``[lo, hi]`` or ``n/a``."""
    if lo is None or hi is None or not (np.isfinite(lo) and np.isfinite(hi)):
        return "n/a"
    return f"[{lo:+.{d}f}, {hi:+.{d}f}]"


def _usd(x: float) -> str:
    if not np.isfinite(x):
        return "n/a"
    return f"{x:+,.0f} m" if abs(x) >= 10 else f"{x:+,.1f} m"


def _short(label: str) -> str:
    """A scenario's short name: its label up to the first colon (``"(a) Shared fibre and IXPs"``)."""
    return label.split(":")[0].strip()


def _focus_name(res) -> str:
    return str(res.config.raw.get("report", {}).get("focus_name", res.config.focus))


def brief_rows(res) -> pd.DataFrame:
    """The brief's table as text: scenario, who, measure, % change [95% interval], US$, sign holds."""
    b = res.tables.brief
    labels = {s.name: _short(s.label) for s in res.config.scenarios}
    rows = []
    for r in b.itertuples():
        rows.append({"scenario": labels[r.scenario], "who": r.who, "measure": r.measure,
                     "% change [95% interval]": f"{signed(r.pct)} {interval(r.lo, r.hi)}",
                     "US$, 2016": _usd(r.usd_m_2016),
                     "US$, latest GDP": (_usd(r.usd_m_latest) + f" ({r.latest_year})") if np.isfinite(r.usd_m_latest) else "",
                     "sign holds in": r.sign_holds})
    return pd.DataFrame(rows)


def _internet_now(res) -> float:
    """The focus country's internet use in the base year (% of population), from the offset table."""
    o = res.tables.offset
    return float(o.internet_now.iloc[0]) if len(o) else float("nan")


def _coef(res, spec, term):
    co = res.coefficients
    r = co[(co.spec == spec) & (co.term == term)]
    return (float(r.estimate.iloc[0]), float(r.se.iloc[0])) if len(r) else (np.nan, np.nan)


def focus_sentences(res) -> list[str]:
    """The focus country in plain words, from the headline numbers (no column is picked for its sign)."""
    cfg, t = res.config, res.tables
    f, name, g = cfg.focus, _focus_name(res), res.words.group
    el = t.elasticities
    h = el[el.spec == cfg.headline.name].set_index("country_type")
    out = []
    tab = res.ge.table.per_country
    if f in tab.index:
        p = tab.loc[f]
        out.append(f"{name} exported US$ {p.exports / 1e6:,.0f} m in {cfg.sample.base_year} and imported "
                   f"US$ {p.imports / 1e6:,.0f} m (ITPD-E, the industries it covers; "
                   f"{100 * p.mirror_export_share:.0f}% of these exports are known only from its partners' reports). "
                   f"It spends about {1 + p.deficit_pct_output / 100:.1f} times what it produces in those industries; "
                   "the gap is financed from abroad (remittances, transfers, borrowing: not in these data).")
    if {"coastal", "landlocked"} <= set(h.index):
        c, l = h.loc["coastal"], h.loc["landlocked"]
        sig = "significant at 5%" if c.lo > 0 or c.hi < 0 else "not significant at 5%"
        out.append(f"With income per capita held fixed (the headline a referee would insist on), the elasticity of a "
                   f"coastal country's trade across borders (relative to its domestic sales) to ln(1 + internet use) is "
                   f"{c.estimate:+.2f} (SE {c.se:.2f}, 95% {interval(c.lo, c.hi)}, {sig}). For a landlocked country such as "
                   f"{name} the elasticity is the sum with the landlocked term: {l.estimate:+.2f} (SE {l.se:.2f}, "
                   f"95% {interval(l.lo, l.hi)}). "
                   + ("Under the headline, more internet use does not raise a landlocked country's trade across borders "
                      "relative to its domestic sales." if l.estimate <= 0 else
                      "Under the headline, more internet use raises a landlocked country's trade across borders."))
    nd = el[(el.spec != cfg.headline.name) & (el.country_type == "landlocked") & (el.label.str.contains("no development"))]
    if len(nd):
        r = nd.iloc[0]
        out.append(f"Without the income control the landlocked elasticity is {r.estimate:+.2f} (SE {r.se:.2f}): part "
                   "of what looks like an internet effect is development, which raises both internet use and openness.")
    br = t.brief
    for s in cfg.scenarios:
        r = br[(br.scenario == s.name) & (br.who == f) & (br.measure == "real GDP")]
        x = br[(br.scenario == s.name) & (br.who == f) & (br.measure == "real exports")]
        if len(r):
            r, x = r.iloc[0], (x.iloc[0] if len(x) else None)
            out.append(f"{s.label}: {name}'s real income {signed(r.pct)}% {interval(r.lo, r.hi)} "
                       f"({_usd(r.usd_m_2016)} US$ a year at 2016 GDP"
                       + (f", {_usd(r.usd_m_latest)} at {r.latest_year} GDP" if np.isfinite(r.usd_m_latest) else "")
                       + ")" + (f"; its real exports {signed(x.pct)}% {interval(x.lo, x.hi)} "
                                f"({_usd(x.usd_m_2016)} US$)" if x is not None else "")
                       + f". The sign holds in {r.sign_holds} alternative settings.")
    return out


def offset_sentences(res) -> list[str]:
    """The seed question answered under each specification."""
    o = res.tables.offset
    if o.empty:
        return ["The landlocked penalty is not estimated in this run (no 2-way specification with landlocked x INTL)."]
    name = _focus_name(res)
    r0 = o.iloc[0]
    out = [f"The landlocked penalty (2-way PPML with distance, language, colony, income and agreements): relative to "
           f"their domestic sales, landlocked countries trade {abs(r0.penalty_pct):.0f}% "
           f"{'less' if r0.penalty_pct < 0 else 'more'} across borders than coastal ones (log points {r0.penalty:+.2f}). Offsetting it with connectivity needs internet use x* with "
           "b_landlocked x [ln(1 + x*) - ln(1 + x_now)] = -penalty."]
    head = o[o.spec == res.config.headline.name]
    if len(head):
        out.append(f"Under the headline: {head.iloc[0].answer}.")
    if len(head) and not head.iloc[0].reachable:
        alt = o[o.reachable]
        if len(alt):
            a = alt.iloc[0]
            out.append(f"So under the headline no rise in internet use offsets {name}'s landlocked penalty; only "
                       f"under '{a.label}' would it, at {a.internet_needed:.0f}% of the population.")
        else:
            out.append(f"So no rise in internet use offsets {name}'s landlocked penalty under any specification here "
                       "(each specification: technical part).")
    return out


def data_limits(res) -> list[str]:
    """What the data cannot tell, with the run's own counts."""
    cfg, info, t = res.config, res.panel_info, res.ge.table.per_country
    f = cfg.focus
    lines = []
    brk = info.get("coverage_breaks", [])
    if brk:
        grp = [f"{b['iso3']} {b['year']}" for b in brk if b["iso3"] in set(res.words.members)]
        lines.append(f"Coverage breaks in ITPD-E's domestic flows (a jump of more than 3x in a year: coverage changed, "
                     f"not production): {len(brk)} country-years" + (f", in {res.words.group}: {', '.join(grp)}" if grp
                                                                    else "") + " (all listed in the technical part). "
                     "They are used as they are and flagged; levels across a break are not comparable.")
    cons = t.index[t.domestic_source.isin(["domestic_constructed", "domestic_clipped"])].tolist()
    grp = [c for c in cons if c in set(res.words.members)]
    lines.append(f"Domestic flows constructed (ITPD-E has none or 0 in {cfg.sample.base_year}): {len(cons)} countries"
                 + (f", in {res.words.group}: {', '.join(grp)}" if grp else "") + " - as 3 x value added - exports; the "
                 "headline interval pools this construction with ITPD-E's own flows.")
    if f in t.index:
        lines.append(f"Mirror-only flows: {100 * t.loc[f, 'mirror_export_share']:.0f}% of {f}'s "
                     f"{cfg.sample.base_year} exports rest on partners' import reports (TJK, UZB and TKM file no export "
                     "reports); re-exports and misreporting by partners pass into them.")
    xs = res.tables.cross_check
    ex = xs[(xs.exporter == f) & (xs.importer == "RUS") & (xs.year == 2012)]
    if len(ex) and np.isfinite(ex.cow.iloc[0]):
        lines.append(f"The sources disagree: {f} -> RUS 2012 is US$ {ex.itpde.iloc[0] / 1e6:,.0f} m in ITPD-E but "
                     f"US$ {ex.cow.iloc[0] / 1e6:,.0f} m in COW (Russia's import report).")
    lines.append(f"Agreements: pairs absent from the agreement file were set to 'no agreement' "
                 f"({info.get('agreement_missing_set_0', 0):,} pair-years).")
    lines += list(res.words.data_notes)
    return lines


def policy_lines(res) -> list[str]:
    """Each scenario: the instruments and what in the model they move."""
    inst = dict(res.config.raw.get("report", {}).get("instruments", {}))
    sc = res.tables.scenarios.set_index("scenario")
    out = []
    for s in res.config.scenarios:
        r = sc.loc[s.name]
        out.append(f"{s.label}. Instruments: {inst.get(s.name, 'not stated in the model file')} Moves: "
                   f"{r.regressors_moved or 'nothing under the headline'} ({r.pairs_changed:,} country pairs).")
    return out


def _pct_or_dash(x: float) -> str:
    """``+1.2%``, or ``–`` when there is no baseline flow to change."""
    return f"{x:+.1f}%" if x is not None and np.isfinite(x) else "–"


def zero_partners(res) -> str:
    """One line on the partners with no flow with the focus country in ITPD-E's base year, and what COW says."""
    p = res.tables.focus_partners
    z = p[(p.exports_usd_m == 0) & (p.imports_usd_m == 0)]
    if z.empty:
        return ""
    f, y = res.config.focus, res.config.sample.base_year
    cow = [f"{r.partner} {r.exports_cow_2014_usd_m:,.0f}/{r.imports_cow_2014_usd_m:,.0f}" for r in z.itertuples()
           if np.isfinite(r.exports_cow_2014_usd_m) and np.isfinite(r.imports_cow_2014_usd_m)]
    return (f"{', '.join(z.partner)} show 0: in ITPD-E {y} neither {f} nor the partner reports their trade, so the "
            "model treats it as no trade and '–' marks that there is no flow to change" + (f". COW's 2014 import reports do record trade (exports/imports, US$ m): "
                                + ", ".join(cow) if cow else "") + ".")


def partner_rows(res) -> pd.DataFrame:
    """The focus country's trade with every group partner, as text."""
    p = res.tables.focus_partners
    last = res.config.scenarios[-1].name
    rows = []
    for r in p.itertuples():
        d = r._asdict()
        rows.append({"partner": f"{r.partner} {r.name}".strip(),
                     f"exports, US$ m": f"{r.exports_usd_m:,.1f}" + (" (partner report)" if r.exports_from_partner_report and r.exports_usd_m > 0 else ""),
                     f"imports, US$ m": f"{r.imports_usd_m:,.1f}",
                     "COW 2014 check": f"exports {r.exports_cow_check or '-'}, imports {r.imports_cow_check or '-'}",
                     f"exports, {last} (full GE)": _pct_or_dash(d.get(f"exports_{last}_pct", np.nan)),
                     f"imports, {last} (full GE)": _pct_or_dash(d.get(f"imports_{last}_pct", np.nan))})
    return pd.DataFrame(rows)


def first_page(res) -> list[Block]:
    """The brief: one page for an official, ending with a page break."""
    cfg = res.config
    name, g = _focus_name(res), res.words.group
    rule = res.analysis.deficit_rule
    out: list[Block] = [("h1", f"{name} and {g}: digital corridors - brief"),
                        ("p", f"Headline: {cfg.headline.label}; full GE, sigma = {cfg.ge.sigma:g}, {rule} deficits, "
                              f"{cfg.sample.base_year} baseline from observed ITPD-E flows. Intervals: 95%, pooled over "
                              "the coefficients' uncertainty, sigma 3/5/7 and both domestic-flow constructions."),
                        ("h2", f"{name} first"), ("ul", focus_sentences(res)),
                        ("table", brief_rows(res), "Real income (GDP) and real exports, % change with 95% interval; "
                         "US$ = % change x 2016 level (and x latest WDI GDP); 'sign holds in' counts the other "
                         "specifications, sigma, deficit rules and domestic-flow construction."),
                        ("h2", "Would connectivity offset being landlocked?"), ("ul", offset_sentences(res)),
                        ("h2", "What each scenario means"), ("ul", policy_lines(res)),
                        ("h2", f"{name}'s trade with every {g} partner ({cfg.sample.base_year})"),
                        ("table", partner_rows(res), "ITPD-E, current US$ m; 'partner report': the export is known only "
                         "from the partner's imports; COW check: ITPD-E vs the Correlates of War import report in 2014; "
                         "'–': no baseline flow, so no % change."),
                        *([("p", zero_partners(res))] if zero_partners(res) else []),
                        ("ul", [CONDITIONAL, FULL]),
                        ("h2", "What the data cannot tell"), ("ul", data_limits(res)),
                        ("pagebreak",)]
    return out


def technical(res, regressions, *, plots: bool = True) -> list[Block]:
    """The technical sections after the brief."""
    cfg, t = res.config, res.tables
    info = res.panel_info
    fit = res.estimates.fits[cfg.headline.name]
    img = (lambda path, cap: [("img", path, cap)]) if plots else (lambda path, cap: [])
    ids = [f"{s.label}: {s.identifies} It cannot: {s.cannot}" for s in cfg.specifications]
    drops = ", ".join(f"{v:,} {k}" for k, v in info["headline_drops"].items())
    rule = res.analysis.deficit_rule
    dr = t.deficit_rules.copy()
    out: list[Block] = [
        ("h1", "Technical report"),
        ("h2", "Sample"), ("ul", [
            f"{res.words.trade_data}; {info['countries']} countries, years {cfg.sample.years[0]}-{cfg.sample.years[-1]}, "
            f"{info['rows']:,} cells (domestic included).",
            f"Headline ({cfg.headline.label}): {int(fit.nobs):,} rows used, {fit.n_clusters:,} pair clusters; left out: {drops}.",
            "Flags: " + ", ".join(f"{k} {v:,}" for k, v in info["flag_counts"].items() if not isinstance(v, dict)) + ".",
            "Codes left out of the panel: " + (", ".join(f"{k} ({v})" for k, v in info["dropped_countries"].items()) or "none") + ".",
            "Coverage breaks in ITPD-E's domestic flows (year-on-year jump of more than 3x): "
            + (", ".join(f"{b['iso3']} {b['year']}" for b in info.get("coverage_breaks", [])) or "none") + "."]),
        ("h2", "Specifications: what each identifies"), ("ul", ids),
        ("md", regressions.to_markdown(), regressions.to_html()),
        *img("plots/coefficients.png", "Connectivity coefficients, pair-clustered 95% intervals."),
        ("table", t.elasticities, "Connectivity elasticity, coastal and landlocked (lincom, delta-method SE). Each is the "
                                  "sum of the exporter- and importer-side effects: only the sum is identified."),
        ("h2", "Our elasticities and the literature"),
        ("table", t.literature, "Published figures as the abstracts state them; ours below."),
        ("p", where_ours_sit(t.elasticities, res.estimates.fits, cfg.headline.name, _internet_now(res))),
        ("h2", "The seed question by specification"), ("ul", [f"{r.label}: {r.answer}." for r in t.offset.itertuples()]),
        ("table", t.offset, "Internet use needed to offset the penalty (above 100% of the population: out of reach)."),
        ("h2", "Deficit rules"),
        ("table", dr, f"Full GE, % change, headline coefficients and sigma. " + " ".join(
            f"{k}: {v}" for k, v in DEFICIT_RULES.items())),
        ("p", f"Headline rule: {rule}. Tajikistan's deficit is financed by remittances earned abroad (mostly in "
              "Russia); they neither scale with Tajik output (as the kappa rule assumes) nor disappear (as the "
              "balanced-trade baseline assumes). The additive rule keeps them fixed as a share of world output."),
        ("h2", "Robustness"), ("table", t.robustness, "Does the headline's sign hold? Settings: other specifications, "
                                                       "sigma, deficit rules, domestic-flow construction."),
        ("table", t.sensitivity, "Point estimates, one change at a time (phase-in: share of the scenario's cost change)."),
        ("h2", "GE baseline"), ("ul", [
            f"{cfg.sample.base_year} from ITPD-E (current US$): international flows as ITPD-E has them (exporter reports, "
            "else partner reports); domestic flows from ITPD-E, constructed only where missing or 0 "
            f"(multiplier {cfg.ge.gross_output_multiplier:g} x value added - exports, floor "
            f"{cfg.ge.domestic_floor_share:g} x exports).",
            "Variants: " + "; ".join(f"{k}: {v}" for k, v in DOMESTIC_VARIANTS.items()) + ".",
            f"Export changes are reported in real terms (deflated by the exporter's consumer price index); nominal "
            f"changes are in units of the numeraire, {cfg.ge.reference}'s consumer price index."]),
        ("table", t.ge_cell_flags, "Cells per flag, both variants."),
        ("table", t.excluded_countries, "Countries left out of the GE world."),
        ("h2", "Scenarios"), ("table", t.scenarios[["scenario", "shocks", "regressors_moved", "pairs_changed"]],
                              "Shocked inputs and the regressors they move (domestic pairs never change)."),
        *img("plots/real_gdp_full.png", "Real GDP, full GE, % change with pooled 95% intervals."),
        ("h2", "Method"), ("ul", [
            "Scenario -> change in trade costs: d ln t_ij^(1-sigma) = sum_k b_k dx_k,ij (Yotov et al. 2016, ch. 2); "
            "phase-in share s scales it: exp(s sum_k b_k dx_k,ij).",
            "GE: exact hat algebra, conditional and full endowment; real GDP = Y/P; real exports = X/P of the exporter.",
            f"Intervals: {cfg.ge.draws} parametric draws b ~ N(b, V_pair-cluster), split evenly over sigma "
            f"{', '.join(f'{s:g}' for s in sorted(set(cfg.ge.sigma_sensitivity) | {cfg.ge.sigma}))} and both domestic-flow "
            f"constructions, each pushed through the GE; percentile {int(cfg.ge.ci * 100)}% intervals; seed {cfg.ge.seed} "
            "(same seed, same tables). "
            + (f"A {cfg.ge.bootstrap}-refit pair bootstrap is beside them." if cfg.ge.bootstrap else
               "No pair bootstrap (each ITPD-E re-fit takes seconds): the parametric draws are the interval."),
        ]),
        *one_sector_gap_blocks(res.words),
        ("h3", "Sources"), ("ul", list(res.words.sources)),
    ]
    return out


def one_sector_gap_blocks(words) -> list[Block]:
    """The technical part's paragraph on what the one-sector GE leaves out, from ``[report.one_sector_gap]``
    (none when the model file has no such section).

    Parameters
    ----------
    words : ReportWords
        ``one_sector_gap`` holds ``wiod_ratio``, ``cp_ratio`` and ``measured_by``.

    Returns
    -------
    list of Block
        A heading and one paragraph, or nothing.
    """
    gap = words.one_sector_gap
    if not gap:
        return []
    ratios = []
    if "wiod_ratio" in gap:
        ratios.append(f"{gap['wiod_ratio']:.2f} times on the WIOD 2011 input-output tables (Russia-Turkey)")
    if "cp_ratio" in gap:
        ratios.append(f"{gap['cp_ratio']:.2f} times on Caliendo & Parro's 1993 data (Canada-Mexico-USA)")
    g = words.group
    text = (f"The GE above has one sector and no input-output linkages. No sector-level data for Central Asia exist "
            f"here: the WIOD tables and Caliendo & Parro's data hold Kazakhstan, Kyrgyzstan, Tajikistan, "
            f"Turkmenistan and Uzbekistan only inside their rest of the world, so no multi-sector GE of the {g} "
            f"corridor can be solved. Measured on the economies that are in those data, the same 5% cut in the "
            f"trade costs of goods raises real wages in a multi-sector model with input-output linkages "
            f"(Caliendo & Parro 2015) " + " and ".join(ratios) + " as much as the one-sector GE raises real GDP. "
            f"That is the measured size of what the one-sector numbers leave out for goods; it was measured on "
            f"those economies, not on {g} (source: "
            f"{gap.get('measured_by', 'benchmarks/bench_multisector.py')}).")
    return [("h2", "What the one-sector numbers leave out"), ("p", text)]


def blocks(res, regressions, *, plots: bool = True) -> list[Block]:
    """The whole report: the brief, then the technical sections."""
    return first_page(res) + technical(res, regressions, plots=plots)
