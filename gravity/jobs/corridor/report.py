"""The corridor run's outputs: workbook (xlsx, csv, markdown), regression table, plots and report.

:func:`write_all` takes a :class:`~gravity.jobs.corridor.pipeline.CorridorResult` (duck-typed, nothing
else: the result carries what the report needs). The report's text is :mod:`gravity.jobs.corridor.brief`;
rendering is :mod:`gravity.report.documents`, table formatting :mod:`gravity.report.format`.
"""
from __future__ import annotations

from pathlib import Path

from gravity.jobs.corridor import brief
from gravity.report import plots as rplots
from gravity.report import workbook
from gravity.report.documents import write_report
from gravity.report.tables import regtable

TABLE_NOTES = {
    "Countries": "Per scenario and country: baseline exports (US$ m, base-year table) and GDP (US$ bn, WDI); % change in "
                 "exports, imports and real GDP, conditional (_cdl) and full GE, with parametric (_lo/_hi) and "
                 "pair-bootstrap (_boot_lo/_boot_hi) 95% intervals. exports_filled: the country's exports are filled.",
    "Aggregates": "Group % change = level-weighted sum of the member countries (exports/imports: baseline flows; real "
                  "GDP: baseline output as weights); intervals over the same draws.",
    "Coefficients": "PPML, pair-clustered standard errors (Stata's G/(G-1) correction).",
}


def readme_lines(res) -> list[str]:
    """The workbook's README sheet: title, model file, GE settings, how to read the changes, sources."""
    cfg = res.config
    return [cfg.title, f"Model file: {cfg.path}", f"σ = {cfg.ge.sigma:g}; {cfg.ge.draws} parametric draws, "
            f"{cfg.ge.bootstrap} pair-bootstrap re-estimations; seed {cfg.ge.seed}; {int(cfg.ge.ci * 100)}% intervals.",
            "All changes are % against the base-year baseline; 'conditional' keeps output and expenditure fixed, "
            "'full' lets factory-gate prices, output and expenditure adjust (full endowment GE).",
            "Sources: " + " ".join(res.words.sources)]


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
    paths = dict(workbook.write_tables(res.tables.sheets(), out, stem="eco_corridor", readme=readme_lines(res),
                                       notes=TABLE_NOTES))

    fits = res.estimates.fits
    specs = [s for s in cfg.specifications if s.name in fits]
    rt = regtable([fits[s.name] for s in specs], names=[s.label for s in specs])
    for ext, text in (("md", rt.to_markdown()), ("tex", rt.to_latex(caption=cfg.title)), ("html", rt.to_html())):
        p = out / f"regressions.{ext}"
        p.write_text(text, encoding="utf-8")
        paths[f"regressions_{ext}"] = p

    if plots:
        paths.update(write_plots(res, out / "plots"))
    paths.update(write_report(brief.blocks(res, rt, plots=plots), out, stem="report", title=cfg.title))
    return paths


def write_plots(res, pdir: Path) -> dict[str, Path]:
    """Real GDP by group member (full and conditional GE), the headline coefficients, data coverage.

    Returns
    -------
    dict of str to Path
        ``plot_real_gdp_full``, ``plot_real_gdp_cdl``, ``plot_coefficients``, ``plot_coverage``.
    """
    cfg, g = res.config, res.words.group
    paths = {}
    ctry = res.tables.countries
    members = list(res.words.members)
    labels = {s.name: s.label for s in cfg.scenarios}
    scen = [s.name for s in cfg.scenarios]
    for ge in ("full", "cdl"):
        e = f"real_gdp_{ge}"
        d = ctry[ctry.country.isin(members)].rename(columns={e: "estimate", f"{e}_lo": "param_lo", f"{e}_hi": "param_hi",
                                                             f"{e}_boot_lo": "boot_lo", f"{e}_boot_hi": "boot_hi"})
        paths[f"plot_{e}"] = rplots.effect_plot(
            d, pdir / f"{e}.png", scenarios=scen, countries=members, labels=labels,
            title=f"Real GDP, % change ({'full-endowment' if ge == 'full' else 'conditional'} GE), 95% intervals",
            xlabel="% change in real GDP")
    co = res.coefficients
    terms = list(cfg.headline.slopes)
    paths["plot_coefficients"] = rplots.coefficient_plot(co[co.term.isin(terms)].assign(spec=co["label"]),
                                                         pdir / "coefficients.png", terms=terms,
                                                         title="Coefficients behind the scenarios")
    paths["plot_coverage"] = rplots.plot_coverage(res.tables.coverage, pdir / "coverage.png",
                                                  title=f"Data coverage, {g} members (GE base-year exports: flagged = filled)")
    return paths
