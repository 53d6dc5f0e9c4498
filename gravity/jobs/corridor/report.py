"""The corridor run's outputs: workbook (xlsx, csv, markdown), regression table, plots and report.

:func:`write_all` takes a :class:`~gravity.jobs.corridor.pipeline.CorridorResult` (duck-typed, nothing
else: the result carries what the report needs). The report's text is :mod:`gravity.jobs.corridor.brief`;
rendering is :mod:`gravity.report.documents`, table formatting :mod:`gravity.report.format`.
"""

from __future__ import annotations

from pathlib import Path

from gravity.jobs.corridor import brief
from gravity.jobs.corridor import tables as ct
from gravity.report import plots as rplots
from gravity.report import workbook
from gravity.report.documents import write_report
from gravity.report.tables import regtable


def readme_lines(res) -> list[str]:
    """The workbook's README lines: title, model file, settings, how to read the changes, sources (the sheet
    index below them comes from :data:`~gravity.jobs.corridor.tables.SHEET_NOTES`)."""
    cfg = res.config
    lines = [
        cfg.title,
        f"Model file: {cfg.path}",
        f"Headline: {cfg.headline.label}; sigma = {cfg.ge.sigma:g}; deficit rule: {res.analysis.deficit_rule}; "
        f"{cfg.ge.draws} parametric draws pooled over sigma and the domestic-flow construction; "
        f"seed {cfg.ge.seed}; "
        f"{int(cfg.ge.ci * 100)}% intervals.",
        "All changes are % against the base-year baseline; 'conditional' keeps output and expenditure fixed, "
        "'full' lets factory-gate prices, output and expenditure adjust (full endowment GE).",
        "Every sheet is described in the table below (contents, what one row is, units, source, flags).",
        "Sources: " + " ".join(res.words.sources),
    ]
    return lines


def write_all(res, out: Path, *, plots: bool = True) -> dict[str, Path]:
    """Every output of a corridor run under ``out``.

    Parameters
    ----------
    res : CorridorResult
    out : Path
        Directory (created).
    plots : bool
        Write the figures (and reference them in the report).

    Returns
    -------
    dict of str to Path
        Workbook (``xlsx``, ``markdown``, ``csv:<table>``), ``regressions_md|tex|html``, ``plot_*``,
        ``report_md``, ``report_html``.
    """
    cfg = res.config
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    stem = f"{res.words.group.lower()}_corridor"  # the group's name from the model file: eco_corridor.xlsx
    paths = dict(
        workbook.write_tables(
            res.tables.sheets(),
            out,
            stem=stem,
            readme=readme_lines(res),
            sheet_notes={k: ct.SHEET_NOTES[k] for k in res.tables.sheets()},
        )
    )

    fits = res.estimates.fits
    cols, names = [], []
    for s in cfg.specifications:
        if s.name in fits:
            cols.append(fits[s.name])
            names.append(s.label)
            if s.headline and res.estimates.corrected is not None:
                cols.append(res.estimates.corrected)
                names.append(f"{s.label}, bias-corrected (Weidner & Zylkin 2021)")
    rt = regtable(cols, names=names)
    for ext, text in (("md", rt.to_markdown()), ("tex", rt.to_latex(caption=cfg.title)), ("html", rt.to_html())):
        p = out / f"regressions.{ext}"
        p.write_text(text, encoding="utf-8")
        paths[f"regressions_{ext}"] = p

    if plots:
        paths.update(write_plots(res, out / "plots"))
    paths.update(write_report(brief.blocks(res, rt, plots=plots), out, stem="report", title=cfg.title, embed=True))
    return paths


def write_plots(res, pdir: Path) -> dict[str, Path]:
    """Real GDP by group member (full GE, pooled intervals) and the connectivity coefficients.

    Returns
    -------
    dict of str to Path
        ``plot_real_gdp_full``, ``plot_coefficients``.
    """
    cfg = res.config
    ctry = res.tables.countries
    members = list(res.words.members)
    labels = {s.name: s.label for s in cfg.estimated_scenarios}
    e = "real_gdp_full"
    d = ctry[ctry.country.isin(members)].rename(columns={e: "estimate", f"{e}_lo": "param_lo", f"{e}_hi": "param_hi"})
    paths = {
        "plot_real_gdp_full": rplots.effect_plot(
            d,
            pdir / "real_gdp_full.png",
            scenarios=list(labels),
            countries=members,
            labels=labels,
            intervals=(("param_lo", "param_hi", "pooled 95% interval"),),
            title="Real GDP, % change (full GE), pooled 95% intervals",
            xlabel="% change in real GDP",
        )
    }
    rows = brief.brief_chart_rows(res)
    if len(rows):
        paths["plot_brief"] = rplots.range_plot(
            rows,
            pdir / "brief.png",
            panels=list(dict.fromkeys(rows["panel"])),
            title="Real income, % change (full GE): published trade-cost cuts and scenarios estimated here",
        )
    co = res.coefficients
    roles = ct.Roles.of(cfg)
    named = [*roles.connectivity, *roles.connectivity_landlocked, roles.development, roles.penalty]
    terms = [t for t in named if t and t in set(co.term)]
    paths["plot_coefficients"] = rplots.coefficient_plot(
        co[co.term.isin(terms)].assign(spec=co["label"]),
        pdir / "coefficients.png",
        terms=terms,
        title="Connectivity, development and landlocked terms",
    )
    return paths
