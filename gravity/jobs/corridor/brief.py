"""The corridor report's words: the brief for an official first, the technical sections after.

The first page — the blocks before the first ``("pagebreak",)`` — is for a ministry official. It says
first what can be quoted and what cannot: the published trade-cost cuts (calibrated scenarios, with
their sources and ranges), whether this data set distinguishes the connectivity effect from zero (with
its bounds, bias-corrected), the estimated scenarios with the size of each shock, the share of GE draws
above and below zero and the range over the placements the data cannot tell apart, US$ only where an
interval excludes zero (else labelled as an illustration), and what would change the answer. Every
place, country, year and number comes from the model file or the run. :func:`blocks` reads a
:class:`~gravity.jobs.corridor.pipeline.CorridorResult` (duck-typed).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from gravity.ge.deficits import DEFICIT_RULES
from gravity.jobs.corridor.ge_table import DOMESTIC_VARIANTS
from gravity.jobs.corridor.tables import Roles, headline_key, where_ours_sit
from gravity.report.documents import Block
from gravity.scenario.calibrated import VARIANTS
from gravity.scenario.shocks import PLACEMENTS

CONDITIONAL = (
    "Conditional GE: prices and trade partners adjust to the new trade costs, but each country's output "
    "and spending stay as they are - the first-round effect."
)
FULL = (
    "Full GE: factory-gate prices, output and spending also adjust until every market clears - the longer-run "
    "effect, and the one this brief quotes."
)


def signed(x: float, d: int = 2) -> str:
    """``+1.23`` / ``-1.23`` / ``n/a``."""
    return f"{x:+.{d}f}" if x is not None and np.isfinite(x) else "n/a"


def interval(lo, hi, d: int = 2) -> str:
    """``[lo, hi]`` or ``n/a``."""
    if lo is None or hi is None or not (np.isfinite(lo) and np.isfinite(hi)):
        return "n/a"
    return f"[{lo:+.{d}f}, {hi:+.{d}f}]"


def _usd(x: float) -> str:
    if x is None or not np.isfinite(x):
        return "n/a"
    return f"{x:+,.0f} m" if abs(x) >= 10 else f"{x:+,.1f} m"


def _bn(x: float) -> str:
    """US$ in billions: whole billions from 10 bn, three significant digits below."""
    b = x / 1e9
    return f"{b:,.0f}" if abs(b) >= 10 else f"{b:.3g}"


def _short(label: str) -> str:
    """A scenario's short name: its label up to the first colon (``"(a) Shared fibre and IXPs"``)."""
    return label.split(":")[0].strip()


def _focus_name(res) -> str:
    return str(res.config.raw.get("report", {}).get("focus_name", res.config.focus))


def _ind(res) -> str:
    """The connectivity indicator in words (the model file's ``[roles] indicator``, e.g. "internet use")."""
    ind = Roles.of(res.config).indicator
    return f"{ind} use" if ind else "connectivity"


def _labels(res) -> dict[str, str]:
    return {s.name: s.label for s in res.config.scenarios}


def _usd_words(r) -> str:
    """US$ m a year at base-year GDP and at the latest common GDP year, with the years."""
    txt = f"{_usd(r.usd_m_base)} US$ a year at {r.base_year} GDP"
    if np.isfinite(r.usd_m_latest) and r.latest_year is not None and not pd.isna(r.latest_year):
        txt += f", {_usd(r.usd_m_latest)} at {int(r.latest_year)} GDP"
    return txt


def _share_words(up: float, down: float) -> str:
    if not (np.isfinite(up) and np.isfinite(down)):
        return ""
    return f"{100 * down:.0f}% of the GE draws fall below zero, {100 * up:.0f}% above"


# --------------------------------------------------------------------------------------------- the estimate
def _elasticity(res, kind: str):
    el = res.tables.elasticities
    key = headline_key(res.config, res.estimates.corrected)
    r = el[(el.spec == key) & (el.country_type == kind)]
    return r.iloc[0] if len(r) else None


def estimate_sentence(res) -> str:
    """Whether the data distinguish the connectivity effect from zero, with its bounds (bias-corrected)."""
    name = _focus_name(res)
    land, coast = _elasticity(res, "landlocked"), _elasticity(res, "coastal")
    if land is None and coast is None:
        return "This run estimates no connectivity term (no [roles] connectivity regressor in the headline)."
    corr = (
        "bias-corrected (Weidner & Zylkin 2021)"
        if res.estimates.corrected is not None
        else f"not bias-corrected ({res.estimates.corrected_note})"
    )
    parts = []
    for r, who in ((land, f"a landlocked country such as {name}"), (coast, "a coastal country")):
        if r is None:
            continue
        dist = "distinguishable from zero" if (r.lo > 0 or r.hi < 0) else "not distinguishable from zero"
        parts.append(
            f"for {who} the elasticity of trade across borders, relative to domestic sales, to ln(1 + "
            f"{_ind(res)}) is {r.estimate:+.2f} (SE {r.se:.2f}; 95% {interval(r.lo, r.hi)}): {dist}"
        )
    return (
        "What this data set can detect: " + "; ".join(parts) + f". Estimates {corr}; the headline holds "
        "income per capita, agreements, border x year and every pair's constant trade costs fixed."
    )


# --------------------------------------------------------------------------------------------- calibrated
def _figure_words(res, scenario: str) -> str:
    f = res.tables.figures
    rows = f[f.scenario == scenario] if len(f) else f
    out = []
    for r in rows.itertuples():
        if str(r.exact_wording).startswith("(same sentence"):
            continue  # quoted once, under the figure that carries the sentence
        src = f"{r.original_source}" + (f", {r.section_or_page}" if isinstance(r.section_or_page, str) else "")
        out.append(f'"{r.exact_wording}" ({src}; copy: {r.reliability})')
    return "; ".join(dict.fromkeys(out))


def calibrated_sentences(res) -> list[str]:
    """One sentence per calibrated scenario: the published cut, its source, and the focus country's and the
    group's real income under both variants, with the range and US$."""
    t = res.tables.calibrated_brief
    if t is None or t.empty:
        return []
    name, f, g = _focus_name(res), res.config.focus, res.words.group
    out = []
    for s in res.config.calibrated_scenarios:
        bits = []
        for v in s.cost_cut.variants:
            r = t[(t.scenario == s.name) & (t.variant == v)]
            fr = r[(r.who == f) & (r.measure == "real GDP")]
            gr = r[(r.who == g) & (r.measure == "real GDP")]
            if fr.empty:
                continue
            fr, gr = fr.iloc[0], (gr.iloc[0] if len(gr) else None)
            txt = (
                f"applied to {VARIANTS[v]}: {name}'s real income {signed(fr.pct)}% (range {interval(fr.lo, fr.hi)}; "
                f"{_usd_words(fr)})"
            )
            if gr is not None:
                txt += f", {g}'s {signed(gr.pct)}% (range {interval(gr.lo, gr.hi)}; {_usd_words(gr)})"
            bits.append(txt)
        if bits:
            out.append(
                f"{_short(s.label)}, a published cut in trade costs (%) of "
                f"{t[t.scenario == s.name].cut_percent.iloc[0]}: "
                + "; ".join(bits)
                + ". Source: "
                + _figure_words(res, s.name)
                + "."
            )
    return out


def short_calibrated(res) -> list[str]:
    """The calibrated scenarios in one line each, for 'In short'."""
    t = res.tables.calibrated_brief
    if t is None or t.empty:
        return []
    name, f, g = _focus_name(res), res.config.focus, res.words.group
    out = []
    for s in res.config.calibrated_scenarios:
        parts = []
        for v in s.cost_cut.variants:
            r = t[(t.scenario == s.name) & (t.variant == v) & (t.measure == "real GDP")].set_index("who")
            if f in r.index:
                parts.append(
                    f"{signed(r.loc[f, 'pct'], 1)}% (range {signed(r.loc[f, 'lo'], 1)} to "
                    f"{signed(r.loc[f, 'hi'], 1)}) applied to {VARIANTS[v]}"
                    + (f" ({g}: {signed(r.loc[g, 'pct'], 2)}%)" if g in r.index else "")
                )
        if parts:
            out.append(f"Published evidence, {_short(s.label)}: {name}'s real income " + "; ".join(parts) + ".")
    return out


def short_estimated(res) -> list[str]:
    """The estimate and the estimated scenarios in one line each, for 'In short'."""
    out = []
    land = _elasticity(res, "landlocked")
    if land is not None:
        dist = "distinguishable" if (land.lo > 0 or land.hi < 0) else "not distinguishable"
        out.append(
            f"This data set: the effect of {_ind(res)} on a landlocked country's trade across borders is "
            f"{land.estimate:+.2f} (95% {interval(land.lo, land.hi)}), {dist} from zero."
        )
    b = res.tables.brief
    name, f = _focus_name(res), res.config.focus
    for s in res.config.estimated_scenarios:
        r = b[(b.scenario == s.name) & (b.who == f) & (b.measure == "real GDP")]
        if r.empty:
            continue
        r = r.iloc[0]
        txt = f"Estimated here, {_short(s.label)}: {name}'s real income {signed(r.pct, 1)}% {interval(r.lo, r.hi, 1)}"
        pr = placement_range(res, s.name, f"{f} real GDP")
        txt += (
            f", {signed(pr[0], 1)}% to {signed(pr[1], 1)}% depending on where the effect falls, which the data "
            "cannot tell."
            if pr is not None
            else "."
        )
        out.append(txt)
    return out


def calibrated_rows(res) -> pd.DataFrame:
    """The calibrated scenarios as text: scenario, applied to, cut, who, measure, % change [range], US$."""
    t = res.tables.calibrated_brief
    if t is None or t.empty:
        return pd.DataFrame()
    labels = _labels(res)
    rows = []
    for r in t.itertuples():
        rows.append(
            {
                "scenario": _short(labels[r.scenario]),
                "applied to": VARIANTS[r.variant],
                "cut, %": r.cut_percent,
                "who": r.who,
                "measure": r.measure,
                "% change [range]": f"{signed(r.pct)} {interval(r.lo, r.hi)}",
                "US$ a year": _usd_words(r)
                if r.measure != "real exports"
                else f"{_usd(r.usd_m_base)} ({r.base_year} exports)",
            }
        )
    return pd.DataFrame(rows)


def conversion_sentence(res) -> str:
    """How a published cut becomes a change in t^(1-sigma), and the upper reading."""
    c = res.tables.calibrated
    if c is None or c.empty:
        return ""
    f = res.config.focus
    te = c[(c.reading == "tariff equivalent") & (c.variant == "members")]
    ice = c[(c.reading == "iceberg") & (c.variant == "members") & (c.quantity == f"{f} real GDP")]
    med = te["median_tariff_equivalent"].dropna()
    txt = (
        "A published cut c in trade costs is applied to the tariff equivalent of each pair's trade cost, "
        "measured on the baseline as in the ESCAP-World Bank database (Novy 2013: ((X_ii X_jj)/(X_ij X_ji))^(1/(2"
        f"(sigma-1))) - 1; median over the pairs moved {med.iloc[0]:.0f}% at sigma = {res.config.ge.sigma:g}), "
        "so the pair's iceberg cost falls by c x (tariff equivalent)/(1 + tariff equivalent); pairs with a zero "
        "flow get the median. Ranges span the published low-central-high cut, sigma "
        + "/".join(f"{x:g}" for x in sorted({res.config.ge.sigma, *res.config.ge.sigma_sensitivity}))
        + " and both domestic-flow constructions: they are ranges over stated assumptions, not sampling intervals."
    )
    if len(ice):
        txt += (
            " Applied to the whole iceberg cost instead (the upper reading, not quoted): "
            + "; ".join(f"{_short(_labels(res)[r.scenario])} {signed(r.estimate)}%" for r in ice.itertuples())
            + f" for {_focus_name(res)} (members only)."
        )
    return txt


# --------------------------------------------------------------------------------------------- estimated
def shock_words(res, scenario: str) -> str:
    """The size of a scenario's shock for the focus country, in the indicator's units."""
    sh = res.tables.shocks
    rows = sh[sh.scenario == scenario] if len(sh) else sh
    out = []
    for r in rows.itertuples():
        if np.isfinite(r.before):
            out.append(
                f"{res.config.focus} {r.input} from {r.before:.1f} to {r.after:.1f}"
                + (f" ({r.target})" if r.target == "frontier" else "")
            )
        else:
            out.append(f"{r.input} = {r.after:g} among members")
    return "; ".join(out)


def placement_range(res, scenario: str, quantity: str):
    """(min, max, text) of a quantity's point estimate over the placements, or None."""
    pl = res.tables.placements
    if pl is None or pl.empty:
        return None
    r = pl[(pl.scenario == scenario) & (pl.quantity == quantity)]
    if r.empty:
        return None
    txt = ", ".join(f"{p} {signed(v)}%" for p, v in zip(r.placement, r.estimate))
    return float(r.estimate.min()), float(r.estimate.max()), txt


def quotable(res, r) -> bool:
    """A US$ figure is quoted for a row of the brief table only if its interval excludes zero and, for a
    result that depends on where a border x country-variable effect is placed, every placement has the
    same sign; otherwise it is labelled as an illustration."""
    if not r.excludes_zero:
        return False
    pr = placement_range(res, r.scenario, f"{r.who} {r.measure}")
    return pr is None or (pr[0] > 0) == (pr[1] > 0)


def estimated_sentences(res) -> list[str]:
    """One sentence per estimated scenario: shock size, the focus country's real income with its interval,
    the share of draws on each side of zero, the placement range, and US$ only where the interval
    excludes zero."""
    b = res.tables.brief
    name, f = _focus_name(res), res.config.focus
    out = []
    for s in res.config.estimated_scenarios:
        r = b[(b.scenario == s.name) & (b.who == f) & (b.measure == "real GDP")]
        if r.empty:
            continue
        r = r.iloc[0]
        txt = (
            f"{_short(s.label)} ({shock_words(res, s.name)}): {name}'s real income {signed(r.pct)}% "
            f"{interval(r.lo, r.hi)}; {_share_words(r.share_above_zero, r.share_below_zero)}."
        )
        pr = placement_range(res, s.name, f"{f} real GDP")
        if pr is not None:
            txt += (
                f" Where the effect falls cannot be told from the data ({pr[2]}): {signed(pr[0])}% to {signed(pr[1])}%."
            )
        if quotable(res, r):
            txt += f" {_usd_words(r)}."
        elif r.excludes_zero:
            txt += f" US$ as an illustration only, since the sign depends on the placement: {_usd_words(r)}."
        else:
            txt += " No US$ figure: the interval includes zero."
        out.append(txt)
    return out


def estimated_rows(res) -> pd.DataFrame:
    """The estimated scenarios as text."""
    b = res.tables.brief
    labels = _labels(res)
    rows = []
    for r in b.itertuples():
        pr = placement_range(res, r.scenario, f"{r.who} {r.measure}")
        rows.append(
            {
                "scenario": _short(labels[r.scenario]),
                "who": r.who,
                "measure": r.measure,
                "% change [95% interval]": f"{signed(r.pct)} {interval(r.lo, r.hi)}",
                "draws below / above 0": (
                    f"{100 * r.share_below_zero:.0f}% / {100 * r.share_above_zero:.0f}%"
                    if np.isfinite(r.share_above_zero)
                    else ""
                ),
                "over placements": f"{signed(pr[0])} to {signed(pr[1])}" if pr else "",
                "US$ a year": (_usd_words(r) if quotable(res, r) else f"illustration only: {_usd(r.usd_m_base)}")
                if r.measure != "real exports"
                else (_usd(r.usd_m_base) if quotable(res, r) else f"illustration only: {_usd(r.usd_m_base)}"),
            }
        )
    return pd.DataFrame(rows)


def change_sentences(res) -> list[str]:
    """What would change the answer, from the run's own numbers."""
    cfg = res.config
    out = [f"Bilateral data after {cfg.sample.base_year}: the baseline and the estimates end there."]
    pl = res.tables.placements
    f = cfg.focus
    if pl is not None and len(pl):
        q = pl[pl.quantity == f"{f} real GDP"]
        signs = {np.sign(v) for v in q.estimate if np.isfinite(v)}
        if len(signs) > 1:
            out.append(
                "Knowing where the connectivity effect falls (exports, imports or domestic sales): the sign of "
                f"{_focus_name(res)}'s result depends on it."
            )
    if res.estimates.corrected is not None:
        h = res.estimates.fits[cfg.headline.name]
        roles = Roles.of(cfg)
        main, ll = roles.terms(h.params.index)
        if main and ll:
            raw = h.lincom([main, ll])
            bc = res.estimates.corrected.lincom([main, ll])
            out.append(
                f"The bias correction: it moves the landlocked elasticity from {raw.estimate:+.3f} (SE "
                f"{raw.se:.3f}) to {bc.estimate:+.3f} (SE {bc.se:.3f}), so intervals computed without it are "
                f"{bc.se / raw.se:.1f} times too narrow."
            )
    el = res.tables.elasticities
    modes = {
        s.domestic_breaks: s
        for s in cfg.specifications
        if s.domestic_breaks != "drop" and set(s.slopes) == set(cfg.headline.slopes)
    }
    land = el[el.country_type == "landlocked"].set_index("spec") if len(el) else el
    if modes and cfg.headline.name in land.index:
        parts = [
            f"{land.loc[cfg.headline.name, 'estimate']:+.3f} with the broken domestic flows left out (headline, "
            "before the bias correction)"
        ]
        words = {
            "split": "with the domestic pair effect split at each break",
            "as_is": "with the breaks used as they are",
        }
        parts += [f"{land.loc[s.name, 'estimate']:+.3f} {words[m]}" for m, s in modes.items() if s.name in land.index]
        out.append("ITPD-E's coverage breaks: the landlocked elasticity is " + "; ".join(parts) + ".")
    loo = res.tables.leave_one_out
    if loo is not None and len(loo) and loo.estimate.notna().any():
        lo, hi = loo.estimate.min(), loo.estimate.max()
        out.append(
            f"One landlocked country: leaving each out in turn, the landlocked elasticity (as estimated) ranges "
            f"from {lo:+.3f} (without {loo.loc[loo.estimate.idxmin(), 'left_out']}) to {hi:+.3f} (without "
            f"{loo.loc[loo.estimate.idxmax(), 'left_out']})."
        )
    return out


# --------------------------------------------------------------------------------------------- offset, partners
def _internet_now(res) -> float:
    """The focus country's indicator in the base year (% of population), from the offset table."""
    o = res.tables.offset
    return float(o.internet_now.iloc[0]) if len(o) else float("nan")


def offset_sentences(res) -> list[str]:
    """The seed question answered under the headline (bias-corrected where the correction applies)."""
    o = res.tables.offset
    if o.empty:
        return ["The landlocked penalty is not estimated in this run (no specification with the penalty role)."]
    name = _focus_name(res)
    r0 = o.iloc[0]
    out = [
        f"The landlocked penalty (2-way PPML with distance, language, colony, income and agreements): relative to "
        f"their domestic sales, landlocked countries trade {abs(r0.penalty_pct):.0f}% "
        f"{'less' if r0.penalty_pct < 0 else 'more'} across borders than coastal ones "
        f"(log points {r0.penalty:+.2f})."
    ]
    head = o[o.spec == headline_key(res.config, res.estimates.corrected)]
    if len(head):
        out.append(f"Would more {_ind(res)} offset it for {name}? Under the headline: {head.iloc[0].answer}.")
    alt = o[o.reachable]
    if len(head) and not head.iloc[0].reachable:
        out.append(
            f"Only under '{alt.iloc[0].label}' would it, at {alt.iloc[0].internet_needed:.0f}% of the population."
            if len(alt)
            else "Under no specification here is it within reach (technical part)."
        )
    return out


def _pct_or_dash(x: float) -> str:
    """``+1.2%``, or ``–`` when there is no baseline flow to change."""
    return f"{x:+.1f}%" if x is not None and np.isfinite(x) else "–"


def zero_partners(res) -> str:
    """Partners with no flow with the focus country in ITPD-E's base year: what COW says and what the GE did."""
    p = res.tables.focus_partners
    z = p[(p.exports_usd_m == 0) & (p.imports_usd_m == 0)]
    if z.empty:
        return ""
    f, y = res.config.focus, res.config.sample.base_year
    cy = int(p.cow_year.iloc[0])
    cow = [
        f"{r.partner} {r.exports_cow_usd_m:,.0f}/{r.imports_cow_usd_m:,.0f}"
        for r in z.itertuples()
        if np.isfinite(r.exports_cow_usd_m) and np.isfinite(r.imports_cow_usd_m)
    ]
    filled = [
        f"{r.partner}"
        for r in z.itertuples()
        if "filled" in str(r.exports_ge_flag) or "filled" in str(r.imports_ge_flag)
    ]
    txt = f"{', '.join(z.partner)} show 0 in ITPD-E {y}: neither {f} nor the partner reports their trade."
    if cow:
        txt += f" COW's {cy} import reports record trade (exports/imports, US$ m): " + ", ".join(cow) + "."
    if filled:
        txt += (
            f" The GE baseline fills those reports (scaled to {y} by the importer's merchandise-import growth "
            f"in WDI, flagged) for {', '.join(filled)}, so the scenarios can move these links; the estimation "
            "keeps ITPD-E's zeros."
        )
    return txt


def partner_rows(res) -> pd.DataFrame:
    """The focus country's trade with every group partner, as text."""
    p = res.tables.focus_partners
    last = res.config.estimated_scenarios[-1].name
    rows = []
    for r in p.itertuples():
        d = r._asdict()
        filled = lambda fl, v: f" (GE: {v:,.1f}, from COW)" if "filled" in str(fl) else ""  # noqa: E731
        rows.append(
            {
                "partner": f"{r.partner} {r.name}".strip(),
                "exports, US$ m": f"{r.exports_usd_m:,.1f}"
                + (" (partner report)" if r.exports_from_partner_report and r.exports_usd_m > 0 else "")
                + filled(r.exports_ge_flag, r.exports_in_ge_usd_m),
                "imports, US$ m": f"{r.imports_usd_m:,.1f}" + filled(r.imports_ge_flag, r.imports_in_ge_usd_m),
                f"COW {int(r.cow_year)} check": f"exports {r.exports_cow_check or '-'}, imports "
                f"{r.imports_cow_check or '-'}",
                f"exports, {last} (full GE)": _pct_or_dash(d.get(f"exports_{last}_pct", np.nan)),
                f"imports, {last} (full GE)": _pct_or_dash(d.get(f"imports_{last}_pct", np.nan)),
            }
        )
    return pd.DataFrame(rows)


def data_limits(res) -> list[str]:
    """What the data cannot tell, and what the run repaired, with the run's own counts."""
    cfg, info, tab = res.config, res.panel_info, res.ge.table
    t = tab.per_country
    f, members = cfg.focus, set(res.words.members)
    lines = []
    brk = info.get("coverage_breaks", [])
    if brk:
        grp = [f"{b['iso3']} {b['year']}" for b in brk if b["iso3"] in members]
        rep = res.tables.domestic_repairs
        n_drop = (
            int(rep[rep["years"] == ", ".join(map(str, cfg.headline.years or cfg.sample.years))]["rows"].sum())
            if len(rep)
            else 0
        )
        lines.append(
            f"Coverage breaks in ITPD-E's domestic flows (a jump of more than 3x in a year: coverage changed, "
            f"not production): {len(brk)} country-years"
            + (f", in {res.words.group}: {', '.join(grp)}" if grp else "")
            + f". Repaired before estimating: the headline leaves out {n_drop} domestic flows outside each "
            "country's longest run of years without a break; the technical part shows the estimates with "
            "the domestic pair effect split at each break and with the breaks used as they are."
        )
    g = res.tables.ge_domestic_repairs
    if len(g):
        fixed = g[g.flag == "domestic_repaired"]
        lines.append(
            f"In the {cfg.sample.base_year} GE baseline, {len(fixed)} domestic flows on the low-coverage "
            "side of a break are replaced by their last full-coverage level scaled by GDP growth ("
            + ", ".join(
                f"{r.iso3} {_bn(r.domestic_observed)} -> {_bn(r.domestic_repaired)} bn"
                for r in fixed.head(6).itertuples()
            )
            + (", ..." if len(fixed) > 6 else "")
            + ")."
        )
    sh = res.tables.domestic_share
    if len(sh):
        low = sh[sh.flag != "ok"]
        kept, replaced = "kept: its value-added data say so", "replaced by the construction"
        lines.append(
            f"Domestic share of output below {100 * (cfg.ge.domestic_share_floor or 0):.0f}% once the breaks "
            "are repaired: "
            + (
                ", ".join(
                    f"{r.iso3} {100 * r.share:.1f}% ({kept if r.flag == 'low_share_confirmed' else replaced})"
                    for r in low.itertuples()
                )
                if len(low)
                else "none"
            )
            + "."
        )
    cons = t.index[t.domestic_source.isin(["domestic_constructed", "domestic_clipped"])].tolist()
    grp = [c for c in cons if c in members]
    lines.append(
        f"Domestic flows constructed (ITPD-E has none or 0 in {cfg.sample.base_year}): {len(cons)} countries"
        + (f", in {res.words.group}: {', '.join(grp)}" if grp else "")
        + f" - as {cfg.ge.gross_output_multiplier:g} "
        "x value added - exports; the intervals pool this construction with ITPD-E's own flows."
    )
    if f in t.index:
        lines.append(
            f"Mirror-only flows: {100 * t.loc[f, 'mirror_export_share']:.0f}% of {f}'s "
            f"{cfg.sample.base_year} exports in the GE baseline rest on partners' import reports (ITPD-E's "
            "mirror flows and the links filled from COW); re-exports and misreporting by partners pass into "
            "them."
        )
    xs = res.tables.cross_check
    if len(xs) and {"itpde", "cow"} <= set(xs.columns):
        d = xs.dropna(subset=["itpde", "cow"])
        d = d.assign(gap=(d["itpde"] - d["cow"]).abs())
        if len(d):
            r = d.loc[d.gap.idxmax()]
            lines.append(
                f"The sources disagree most on {r.exporter} -> {r.importer} {int(r.year)}: US$ "
                f"{r.itpde / 1e6:,.0f} m in ITPD-E, US$ {r.cow / 1e6:,.0f} m in COW (the importer's report)."
            )
    ag = info.get("agreements", {})
    if ag:
        lines.append(ag.get("sentence", ""))
    lines += list(res.words.data_notes)
    return [x for x in lines if x]


def policy_lines(res) -> list[str]:
    """Each scenario: the instruments (model file) and what in the model they move."""
    inst = dict(res.config.raw.get("report", {}).get("instruments", {}))
    sc = res.tables.scenarios.set_index("scenario")
    out = []
    for s in res.config.scenarios:
        r = sc.loc[s.name]
        moves = (
            f"{r.shocks}"
            if r.kind == "calibrated"
            else f"{r.regressors_moved or 'nothing under the headline'} ({r.pairs_changed:,} country pairs)"
        )
        out.append(f"{s.label}. Instruments: {inst.get(s.name, 'not stated in the model file')} Moves: {moves}.")
    bt = res.tables.border_times
    f = res.config.focus
    if len(bt) and f in set(bt.iso3):
        r = bt.set_index("iso3").loc[f]
        out.append(
            f"What border procedures cost {_focus_name(res)} now (Doing Business, data year {int(r.year)}): "
            f"{r.export_border_hours:g} hours of border and {r.export_document_hours:g} hours of documentary "
            f"compliance to export, {r.import_border_hours:g} and {r.import_document_hours:g} hours to import "
            "(the group's members in the technical part)."
        )
    return out


def brief_chart_rows(res) -> pd.DataFrame:
    """Rows of the first page's chart: the focus country's and the group's real income per scenario,
    calibrated (both variants) and estimated, with their intervals."""
    f, g = res.config.focus, res.words.group
    labels = _labels(res)
    rows = []
    cb = res.tables.calibrated_brief
    if cb is not None and len(cb):
        for r in cb[cb.measure == "real GDP"].itertuples():
            rows.append(
                dict(
                    panel=f"{_focus_name(res) if r.who == f else g}: real income, % change",
                    label=f"{_short(labels[r.scenario])}: {VARIANTS[r.variant]}",
                    kind="calibrated: published cut (range)",
                    estimate=r.pct,
                    lo=r.lo,
                    hi=r.hi,
                )
            )
    b = res.tables.brief
    for r in b[b.measure == "real GDP"].itertuples():
        rows.append(
            dict(
                panel=f"{_focus_name(res) if r.who == f else g}: real income, % change",
                label=_short(labels[r.scenario]),
                kind="estimated here (95% interval)",
                estimate=r.pct,
                lo=r.lo,
                hi=r.hi,
            )
        )
    return pd.DataFrame(rows)


def first_page(res, *, plots: bool = True) -> list[Block]:
    """The brief for an official, ending with a page break."""
    cfg = res.config
    name, g = _focus_name(res), res.words.group
    rule = res.analysis.deficit_rule
    by = cfg.sample.base_year
    summary = short_calibrated(res) + short_estimated(res) + change_sentences(res)[:1]
    out: list[Block] = [
        ("h1", f"{name} and {g}: digital corridors and trade facilitation - brief"),
        (
            "p",
            f"{by} baseline from observed trade and production (USITC ITPD-E), full general equilibrium, sigma = "
            f"{cfg.ge.sigma:g}, {rule} deficits. Figures are % changes against that baseline; US$ figures name "
            "their GDP year.",
        ),
        ("h2", "In short"),
        ("ul", summary),
        *(
            [
                (
                    "img",
                    "plots/brief.png",
                    f"{name}'s and {g}'s real income under each scenario: published trade-cost "
                    "cuts (range over the published range, sigma and domestic flows) beside the "
                    "scenarios estimated here (95% intervals).",
                )
            ]
            if plots
            else []
        ),
        ("h2", "Published trade-cost cuts (calibrated scenarios: what can be quoted)"),
        ("ul", calibrated_sentences(res)),
        (
            "table",
            calibrated_rows(res),
            "Full GE, % change with the range over the published low-central-high cut x "
            "sigma x domestic-flow construction; US$ = each member's own % x its own GDP, "
            "summed for the group.",
        ),
        ("p", conversion_sentence(res)),
        ("h2", "What this data set can detect (estimated scenarios)"),
        ("ul", [estimate_sentence(res)] + estimated_sentences(res)),
        (
            "table",
            estimated_rows(res),
            "Full GE, % change with the pooled 95% interval (coefficients x sigma x "
            "domestic-flow construction); 'draws above 0': share of the GE draws; 'over "
            "placements': the point estimate with the border x connectivity effect on "
            "exports, imports, half and half, or domestic sales; US$ only where the "
            "interval excludes 0 and every placement has the same sign (else an "
            "illustration).",
        ),
        ("h2", "What would change the answer"),
        ("ul", change_sentences(res)),
        ("h2", "What each scenario means"),
        ("ul", policy_lines(res)),
        ("h2", "Would connectivity offset being landlocked?"),
        ("ul", offset_sentences(res)),
        ("h2", f"{name}'s trade with every {g} partner ({by})"),
        (
            "table",
            partner_rows(res),
            "ITPD-E, current US$ m; 'partner report': the export is known only from the "
            "partner's imports; 'GE ... from COW': a zero link the GE baseline fills from "
            "COW's import report; '–': no baseline flow, so no % change.",
        ),
        *([("p", zero_partners(res))] if zero_partners(res) else []),
        ("ul", [CONDITIONAL, FULL]),
        ("h2", "What the data cannot tell"),
        ("ul", data_limits(res)),
        ("pagebreak",),
    ]
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
        ("h2", "Sample"),
        (
            "ul",
            [
                f"{res.words.trade_data}; {info['countries']} countries, "
                f"years {cfg.sample.years[0]}-{cfg.sample.years[-1]}, "
                f"{info['rows']:,} cells (domestic included).",
                f"Headline ({cfg.headline.label}): {int(fit.nobs):,} rows used, {fit.n_clusters:,} pair clusters; "
                f"left out: {drops}.",
                "Flags: "
                + ", ".join(f"{k} {v:,}" for k, v in info["flag_counts"].items() if not isinstance(v, dict))
                + ".",
                "Codes left out of the panel: "
                + (", ".join(f"{k} ({v})" for k, v in info["dropped_countries"].items()) or "none")
                + ".",
                "Coverage breaks in ITPD-E's domestic flows (year-on-year jump of more than 3x): "
                + (", ".join(f"{b['iso3']} {b['year']}" for b in info.get("coverage_breaks", [])) or "none")
                + ".",
            ],
        ),
        ("h2", "Indicators"),
        (
            "ul",
            [
                f"{k}: {v}" + (f" Note: {res.words.indicator_notes[k]}" if k in res.words.indicator_notes else "")
                for k, v in cfg.indicators.items()
            ],
        ),
        ("h2", "Specifications: what each identifies"),
        ("ul", ids),
        *identification_blocks(res),
        ("md", regressions.to_markdown(), regressions.to_html()),
        *img("plots/coefficients.png", "Connectivity coefficients, pair-clustered 95% intervals."),
        (
            "table",
            t.elasticities,
            "Connectivity elasticity, coastal and landlocked (lincom, delta-method SE). "
            "Each is the sum of the exporter- and importer-side effects: only the sum is "
            "identified.",
        ),
        ("h2", "Our elasticities and the literature"),
        ("table", t.literature, "Published figures as the abstracts state them; ours below."),
        (
            "p",
            where_ours_sit(
                cfg, t.elasticities, res.estimates.fits, headline_key(cfg, res.estimates.corrected), _internet_now(res)
            ),
        ),
        ("h2", "The seed question by specification"),
        ("ul", [f"{r.label}: {r.answer}." for r in t.offset.itertuples()]),
        ("table", t.offset, "Internet use needed to offset the penalty (above 100% of the population: out of reach)."),
        ("h2", "Deficit rules"),
        (
            "table",
            dr,
            "Full GE, % change, headline coefficients and sigma. "
            + " ".join(f"{k}: {v}" for k, v in DEFICIT_RULES.items()),
        ),
        ("p", f"Headline rule: {rule}. " + str(cfg.raw.get("analysis", {}).get("deficit_rule_reason", ""))),
        ("h2", "Robustness"),
        (
            "table",
            t.robustness,
            "Does the headline's sign hold? Counted apart: the other "
            "specifications (their own coefficients) and the settings that "
            "reuse the headline coefficients (sigma, deficit rules, "
            "domestic-flow construction, bias correction).",
        ),
        (
            "table",
            t.sensitivity,
            "Point estimates, one change at a time (phase-in: share of the scenario's cost change).",
        ),
        ("h2", "GE baseline"),
        (
            "ul",
            [
                f"{cfg.sample.base_year} from ITPD-E (current US$): international flows as ITPD-E has them "
                "(exporter reports, else partner reports); domestic flows from ITPD-E, constructed only where "
                "missing or 0 "
                f"(multiplier {cfg.ge.gross_output_multiplier:g} x value added - exports, floor "
                f"{cfg.ge.domestic_floor_share:g} x exports).",
                "Variants: " + "; ".join(f"{k}: {v}" for k, v in DOMESTIC_VARIANTS.items()) + ".",
                f"Export changes are reported in real terms (deflated by the exporter's consumer price index); nominal "
                f"changes are in units of the numeraire, {cfg.ge.reference}'s consumer price index.",
            ],
        ),
        ("table", t.ge_cell_flags, "Cells per flag, both variants."),
        *repair_blocks(res),
        ("table", t.excluded_countries, "Countries left out of the GE world."),
        ("h2", "Scenarios"),
        (
            "table",
            t.scenarios[["scenario", "kind", "shocks", "regressors_moved", "pairs_changed"]],
            "Shocked inputs and the regressors they move (domestic pairs never change).",
        ),
        ("table", t.shocks, f"The size of each estimated scenario's shock for {cfg.focus}."),
        *placement_blocks(res),
        *calibrated_blocks(res),
        *img("plots/real_gdp_full.png", "Real GDP, full GE, % change with pooled 95% intervals."),
        ("h2", "Method"),
        (
            "ul",
            [
                "Scenario -> change in trade costs: d ln t_ij^(1-sigma) = sum_k b_k dx_k,ij "
                "(Yotov et al. 2016, ch. 2); "
                "phase-in share s scales it: exp(s sum_k b_k dx_k,ij).",
                "GE: exact hat algebra, conditional and full endowment; real GDP = Y/P; "
                "real exports = X/P of the exporter.",
                f"Intervals: {cfg.ge.draws} parametric draws b ~ N(b, V_pair-cluster), split evenly over sigma "
                f"{', '.join(f'{s:g}' for s in sorted(set(cfg.ge.sigma_sensitivity) | {cfg.ge.sigma}))} "
                f"and both domestic-flow constructions, each pushed through the GE; "
                f"percentile {int(cfg.ge.ci * 100)}% intervals; seed {cfg.ge.seed} "
                "(same seed, same tables). "
                + (
                    f"A {cfg.ge.bootstrap}-refit pair bootstrap is beside them."
                    if cfg.ge.bootstrap
                    else "No pair bootstrap (each ITPD-E re-fit takes seconds): the parametric draws are the interval."
                ),
            ],
        ),
        *one_sector_gap_blocks(res.words),
        ("h3", "Sources"),
        ("ul", list(res.words.sources)),
    ]
    return out


def identification_blocks(res) -> list[Block]:
    """Bias correction, break-robust estimates, the lead, other measures and leave-one-out."""
    t = res.tables
    el = t.elasticities
    land = (
        el[el.country_type == "landlocked"][["label", "terms", "estimate", "se", "lo", "hi", "pvalue"]]
        if len(el)
        else el
    )
    out: list[Block] = [
        ("h2", "What the estimate can bear"),
        (
            "table",
            land,
            "Landlocked connectivity elasticity (main + landlocked term) in every "
            "specification: the bias-corrected headline (Weidner & Zylkin 2021), the "
            "domestic coverage breaks dropped / split / used as they are, the lead, "
            "the other connectivity measures.",
        ),
    ]
    if res.estimates.corrected is None:
        out.append(("p", f"The headline is not bias-corrected: {res.estimates.corrected_note}."))
    co = t.coefficients
    lead = co[co.term.str.contains("_lead")] if len(co) else co
    if len(lead):
        r = lead.iloc[0]
        out.append(
            (
                "p",
                f"Reverse causality: the lead {r.term} has coefficient {r.estimate:+.3f} (SE {r.se:.3f}, "
                f"p = {r.pvalue:.2f}) in '{r.label}'.",
            )
        )
    if t.leave_one_out is not None and len(t.leave_one_out):
        out.append(
            (
                "table",
                t.leave_one_out,
                "The headline's landlocked connectivity elasticity (as estimated, not "
                "bias-corrected) without each landlocked country in turn.",
            )
        )
    return out


def placement_blocks(res) -> list[Block]:
    """The placement table: every estimated scenario under every placement the data cannot tell apart."""
    pl = res.tables.placements
    if pl is None or pl.empty:
        return []
    wide = pl.assign(value=[f"{signed(e)} {interval(lo, hi)}" for e, lo, hi in zip(pl.estimate, pl.lo, pl.hi)])
    wide = wide.pivot_table(
        index=["scenario", "quantity"], columns="placement", values="value", aggfunc="first", sort=False
    ).reset_index()
    wide = wide[["scenario", "quantity"] + [p for p in PLACEMENTS if p in wide.columns]]
    return [
        ("h2", "Where the connectivity effect falls: every placement"),
        (
            "p",
            "With exporter-year and importer-year effects, a border x country-variable coefficient is "
            "identified only relative to domestic sales and only as the sum of the exporter- and importer-side "
            "effects (Heid, Larch & Yotov 2021). Placements: "
            + "; ".join(f"{k}: {v}" for k, v in PLACEMENTS.items())
            + ". Agreement terms are the same in every placement.",
        ),
        ("table", wide, "Full GE, % change with pooled 95% intervals, per placement."),
    ]


def calibrated_blocks(res) -> list[Block]:
    """Every calibrated solve: both variants and both readings, and the published figures cited."""
    c, f = res.tables.calibrated, res.tables.figures
    if c is None or c.empty:
        return []
    cols = [
        "scenario",
        "variant",
        "reading",
        "quantity",
        "estimate",
        "lo",
        "hi",
        "cut_percent",
        "median_tariff_equivalent",
        "pairs",
        "imputed",
    ]
    fig = f[["scenario", "figure_id", "exact_wording", "original_source", "found_at", "reliability"]] if len(f) else f
    return [
        ("h2", "Calibrated scenarios: every variant and reading"),
        ("p", conversion_sentence(res)),
        ("table", c[cols], "Range: low-central-high published cut x sigma x domestic-flow construction."),
        ("table", fig, "The published figures, with their exact wording and how reliable the copy is."),
    ]


def repair_blocks(res) -> list[Block]:
    """What was repaired before estimating and in the GE baseline."""
    t = res.tables
    out: list[Block] = [("h2", "Data repaired before use")]
    if len(t.domestic_repairs):
        out.append(
            (
                "table",
                t.domestic_repairs,
                "Domestic flows left out of estimation (outside the country's "
                "longest run of years without a coverage break), per sample.",
            )
        )
    if len(t.ge_domestic_repairs):
        out.append(("table", t.ge_domestic_repairs, "GE baseline: domestic flows repaired (or constructed)."))
    if len(t.domestic_share):
        low = t.domestic_share[t.domestic_share.flag != "ok"]
        out.append(
            (
                "table",
                low if len(low) else t.domestic_share.head(0),
                "GE baseline: countries whose domestic share of output is below the floor, and what was done.",
            )
        )
    if len(t.filled_links):
        out.append(("table", t.filled_links, "GE baseline: zero links among the group filled from COW import reports."))
    return out if len(out) > 1 else []


def one_sector_gap_blocks(words) -> list[Block]:
    """The technical part's paragraph on what the one-sector GE leaves out, from ``[report.one_sector_gap]``
    (none when the model file has no such section).

    Parameters
    ----------
    words : ReportWords
        ``one_sector_gap`` holds ``wiod_ratio``, ``cp_ratio``, ``measured_by`` and the words ``wiod_cut``,
        ``cp_cut`` (the economies cut) and ``absent`` (the group members those data lack).

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
        ratios.append(
            f"{gap['wiod_ratio']:.2f} times on the WIOD 2011 input-output tables"
            + (f" ({gap['wiod_cut']})" if gap.get("wiod_cut") else "")
        )
    if "cp_ratio" in gap:
        ratios.append(
            f"{gap['cp_ratio']:.2f} times on Caliendo & Parro's 1993 data"
            + (f" ({gap['cp_cut']})" if gap.get("cp_cut") else "")
        )
    g = words.group
    absent = gap.get("absent", f"the {g} members")
    text = (
        f"The GE above has one sector and no input-output linkages. No sector-level data for them exist "
        f"here: the WIOD tables and Caliendo & Parro's data hold {absent} only inside their rest of the world, "
        f"so no multi-sector GE of the {g} corridor can be solved. Measured on the economies that are in "
        f"those data, the same 5% cut in the "
        f"trade costs of goods raises real wages in a multi-sector model with input-output linkages "
        f"(Caliendo & Parro 2015) " + " and ".join(ratios) + " as much as the one-sector GE raises real GDP. "
        f"That is the measured size of what the one-sector numbers leave out for goods; it was measured on "
        f"those economies, not on {g} (source: "
        f"{gap.get('measured_by', 'benchmarks/bench_multisector.py')})."
    )
    return [("h2", "What the one-sector numbers leave out"), ("p", text)]


def blocks(res, regressions, *, plots: bool = True) -> list[Block]:
    """The whole report: the brief, then the technical sections."""
    return first_page(res, plots=plots) + technical(res, regressions, plots=plots)
