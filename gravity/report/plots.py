"""Plots a minister would look at (matplotlib, written to files; no pandas inside the drawing loops).

* :func:`effect_plot` — % change (e.g. real GDP) by country, one panel per scenario, point estimate
  with confidence-interval bars (parametric and, when given, bootstrap);
* :func:`coefficient_plot` — coefficients with their 95% intervals, specifications side by side;
* :func:`range_plot` — a first page's chart: points with intervals per scenario, panels side by side.

The data-coverage heat map and its csv/md companions: :func:`plot_coverage`, :func:`write_coverage`.
"""

from __future__ import annotations

import textwrap
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from gravity.panel.coverage import STATUSES, coverage_table
from gravity.report.errors import ReportError

COLOURS = {"present": "#2e7d32", "flagged": "#f9a825", "missing": "#c62828"}


def _plt():
    import matplotlib

    matplotlib.use("Agg", force=False)
    import matplotlib.pyplot as plt

    return plt


def _need(df: pd.DataFrame, cols: Sequence[str], what: str) -> None:
    missing = [c for c in cols if c not in df.columns]
    if missing:
        raise ReportError(f"{what}: columns {missing} missing (have {list(df.columns)})")


def effect_plot(
    effects: pd.DataFrame,
    path: str | Path,
    *,
    scenarios: Sequence[str] | None = None,
    countries: Sequence[str] | None = None,
    title: str = "",
    xlabel: str = "% change",
    intervals: Sequence[tuple[str, str, str]] = (
        ("param_lo", "param_hi", "parametric 95% CI"),
        ("boot_lo", "boot_hi", "pair-bootstrap 95% CI"),
    ),
    labels: dict[str, str] | None = None,
) -> Path:
    """Horizontal point-and-interval plot: rows = countries, one panel per scenario.

    Parameters
    ----------
    effects : pandas.DataFrame
        One row per (scenario, country): ``scenario``, ``country``, ``estimate`` and the interval
        columns named in ``intervals`` (interval columns the frame lacks are skipped).
    path : str or Path
        The png to write (parent directories are created).
    scenarios, countries : sequence of str, optional
        Panels and rows, in this order (default: order of appearance).
    title, xlabel : str
        Figure title and x-axis label.
    intervals : sequence of (lo column, hi column, legend label)
        The intervals drawn around each point.
    labels : dict of str to str, optional
        Scenario → panel title.

    Returns
    -------
    Path
        ``path``.

    Raises
    ------
    ReportError
        ``effects`` lacks scenario, country or estimate.
    """
    _need(effects, ["scenario", "country", "estimate"], "effect_plot")
    plt = _plt()
    scen = list(scenarios) if scenarios is not None else list(dict.fromkeys(effects["scenario"]))
    ctry = list(countries) if countries is not None else list(dict.fromkeys(effects["country"]))
    ivs = [iv for iv in intervals if iv[0] in effects.columns and iv[1] in effects.columns]
    fig, axes = plt.subplots(
        1, len(scen), figsize=(3.6 * len(scen) + 1.2, 0.32 * len(ctry) + 1.6), sharey=True, squeeze=False
    )
    y = np.arange(len(ctry))[::-1].astype(float)
    colors = ["#1f4e79", "#c55a11", "#548235"]
    for ax, s in zip(axes[0], scen):
        sub = effects[effects["scenario"] == s].set_index("country").reindex(ctry)
        est = sub["estimate"].to_numpy(float)
        for k, (lo, hi, lab) in enumerate(ivs):
            off = (k - (len(ivs) - 1) / 2) * 0.22
            l, h = sub[lo].to_numpy(float), sub[hi].to_numpy(float)
            ok = np.isfinite(l) & np.isfinite(h)
            ax.hlines(y[ok] + off, l[ok], h[ok], color=colors[k % 3], lw=2.2 - 0.6 * k, alpha=0.8, label=lab)
        ax.plot(est, y, "o", color="black", ms=4, label="point estimate", zorder=3)
        ax.axvline(0, color="grey", lw=0.8)
        ax.set_title(textwrap.fill((labels or {}).get(s, s), 42), fontsize=8.5)
        ax.set_xlabel(xlabel, fontsize=8)
        ax.tick_params(labelsize=8)
        ax.grid(axis="x", alpha=0.3)
    axes[0][0].set_yticks(y)
    axes[0][0].set_yticklabels(ctry)
    handles, labs = axes[0][0].get_legend_handles_labels()
    fig.legend(handles, labs, loc="lower center", ncol=len(labs), fontsize=8, frameon=False)
    if title:
        fig.suptitle(title, fontsize=10)
    fig.tight_layout(rect=(0, 0.06, 1, 0.93 if title else 1))
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=130)
    plt.close(fig)
    return path


def range_plot(
    rows: pd.DataFrame,
    path: str | Path,
    *,
    panels: Sequence[str],
    title: str = "",
    xlabel: str = "% change",
    kinds: dict[str, str] | None = None,
) -> Path:
    """Point-and-range chart for a first page: one panel per entry of ``panels`` (e.g. a country and a
    group), one row per ``label``, the point with its interval, coloured by ``kind``.

    Parameters
    ----------
    rows : DataFrame
        ``panel, label, kind, estimate, lo, hi`` (one row per panel × label).
    panels : sequence of str
        Panel names in order (their titles).
    kinds : dict of str to str, optional
        kind → legend text, in legend order (default: the kinds as they appear).

    Returns
    -------
    Path
    """
    _need(rows, ["panel", "label", "kind", "estimate", "lo", "hi"], "range_plot")
    plt = _plt()
    labels = list(dict.fromkeys(rows["label"]))
    kinds = kinds or {k: k for k in dict.fromkeys(rows["kind"])}
    colors = dict(zip(kinds, ["#1f4e79", "#c55a11", "#548235", "#7030a0"]))
    fig, axes = plt.subplots(
        1, len(panels), figsize=(4.2 * len(panels) + 2.6, 0.42 * len(labels) + 1.5), sharey=True, squeeze=False
    )
    y = np.arange(len(labels))[::-1].astype(float)
    for ax, pname in zip(axes[0], panels):
        sub = rows[rows["panel"] == pname].set_index("label").reindex(labels)
        for kind, col in colors.items():
            m = (sub["kind"] == kind).to_numpy()
            lo, hi, est = (sub[c].to_numpy(float) for c in ("lo", "hi", "estimate"))
            ok = m & np.isfinite(lo) & np.isfinite(hi)
            ax.hlines(y[ok], lo[ok], hi[ok], color=col, lw=3, alpha=0.55)
            pt = m & np.isfinite(est)
            ax.plot(est[pt], y[pt], "o", color=col, ms=5, label=kinds[kind], zorder=3)
        ax.axvline(0, color="grey", lw=0.8)
        ax.set_title(pname, fontsize=9)
        ax.set_xlabel(xlabel, fontsize=8)
        ax.tick_params(labelsize=8)
        ax.grid(axis="x", alpha=0.3)
    axes[0][0].set_yticks(y)
    axes[0][0].set_yticklabels([textwrap.fill(str(lab), 38) for lab in labels], fontsize=7.5)
    handles, labs = axes[0][0].get_legend_handles_labels()
    uniq = dict(zip(labs, handles))
    fig.legend(list(uniq.values()), list(uniq), loc="lower center", ncol=len(uniq), fontsize=8, frameon=False)
    if title:
        fig.suptitle(title, fontsize=10)
    fig.tight_layout(rect=(0, 0.07, 1, 0.93 if title else 1))
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=130)
    plt.close(fig)
    return path


def coefficient_plot(
    coefs: pd.DataFrame,
    path: str | Path,
    *,
    terms: Sequence[str] | None = None,
    specs: Sequence[str] | None = None,
    title: str = "",
) -> Path:
    """Coefficients with their intervals, specifications side by side.

    Parameters
    ----------
    coefs : pandas.DataFrame
        One row per (spec, term): ``spec``, ``term``, ``estimate``, ``lo``, ``hi``.
    path : str or Path
        The png to write (parent directories are created).
    terms, specs : sequence of str, optional
        Rows and series, in this order (default: order of appearance).
    title : str
        Figure title.

    Returns
    -------
    Path
        ``path``.

    Raises
    ------
    ReportError
        ``coefs`` lacks one of the five columns.
    """
    _need(coefs, ["spec", "term", "estimate", "lo", "hi"], "coefficient_plot")
    plt = _plt()
    terms = list(terms) if terms is not None else list(dict.fromkeys(coefs["term"]))
    specs = list(specs) if specs is not None else list(dict.fromkeys(coefs["spec"]))
    fig, ax = plt.subplots(figsize=(7.5, 0.5 * len(terms) * max(1, len(specs)) ** 0.5 + 1.8))
    base = np.arange(len(terms))[::-1].astype(float)
    width = 0.8 / max(len(specs), 1)
    markers = "osD^v<>"
    for k, s in enumerate(specs):
        sub = coefs[coefs["spec"] == s].set_index("term").reindex(terms)
        yy = base + (len(specs) - 1) / 2 * width - k * width
        est, lo, hi = (sub[c].to_numpy(float) for c in ("estimate", "lo", "hi"))
        ok = np.isfinite(est)
        ax.hlines(yy[ok], lo[ok], hi[ok], lw=1.6, color=f"C{k}")
        ax.plot(est[ok], yy[ok], markers[k % len(markers)], color=f"C{k}", ms=5, label=s)
    ax.axvline(0, color="grey", lw=0.8)
    ax.set_yticks(base)
    ax.set_yticklabels(terms, fontsize=8)
    ax.set_xlabel("coefficient (PPML), 95% CI, pair-clustered", fontsize=8)
    ax.legend(fontsize=7, loc="best", frameon=False)
    ax.grid(axis="x", alpha=0.3)
    if title:
        ax.set_title(title, fontsize=10)
    fig.tight_layout()
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=130)
    plt.close(fig)
    return path


def plot_coverage(report: pd.DataFrame, path, title: str = "Data coverage, ECO countries"):
    """Heat maps, one per item (rows: countries, columns: years; green present, amber flagged, red missing).

    Parameters
    ----------
    report : pandas.DataFrame
        Long coverage table (``iso3``, ``item``, ``year``, ``status`` in
        :data:`gravity.panel.coverage.STATUSES`), e.g. from :func:`gravity.panel.coverage.coverage_report`.
    path : str or Path
        The png to write.
    title : str
        Figure title.

    Returns
    -------
    Path
    """
    import matplotlib

    matplotlib.use("Agg", force=False)
    import matplotlib.pyplot as plt
    from matplotlib.colors import ListedColormap
    from matplotlib.patches import Patch

    code = {s: k for k, s in enumerate(STATUSES)}
    items = list(dict.fromkeys(report["item"]))
    isos = list(dict.fromkeys(report["iso3"]))
    years = sorted(report["year"].unique())
    ncol = 3
    nrow = -(-len(items) // ncol)
    fig, axes = plt.subplots(
        nrow, ncol, figsize=(3.2 * ncol + 1.5, (0.22 * len(isos) + 0.9) * nrow), squeeze=False, sharey=True
    )
    cmap = ListedColormap([COLOURS[s] for s in STATUSES])
    for k, ax in enumerate(axes.flat):
        if k >= len(items):
            ax.axis("off")
            continue
        sub = report[report["item"] == items[k]]
        grid = (
            sub.assign(v=sub["status"].map(code))
            .pivot(index="iso3", columns="year", values="v")
            .reindex(index=isos, columns=years)
        )
        ax.imshow(grid.to_numpy(float), aspect="auto", interpolation="nearest", cmap=cmap, vmin=0, vmax=2)
        ax.set_title(items[k], fontsize=9)
        ax.set_xticks(range(len(years)), [str(y) for y in years], fontsize=7, rotation=90 if len(years) > 8 else 0)
        ax.set_yticks(range(len(isos)), isos, fontsize=7)
        ax.set_xticks(np.arange(-0.5, len(years)), minor=True)
        ax.set_yticks(np.arange(-0.5, len(isos)), minor=True)
        ax.grid(which="minor", color="white", lw=0.8)
        ax.tick_params(which="minor", length=0)
    fig.suptitle(title)
    fig.legend(handles=[Patch(color=COLOURS[s], label=s) for s in STATUSES], loc="lower right", ncol=3, frameon=False)
    fig.tight_layout(rect=(0, 0.03, 1, 0.97))
    fig.savefig(path, dpi=120)
    plt.close(fig)
    return Path(path)


def write_coverage(report: pd.DataFrame, directory, stem: str = "coverage") -> dict[str, Path]:
    """Write ``<stem>.csv`` (long), ``<stem>.md`` (wide symbols + the missing details) and ``<stem>.png``.

    Parameters
    ----------
    report : pandas.DataFrame
        Long coverage table, as for :func:`plot_coverage` (with a ``detail`` column).
    directory : str or Path
        Output directory (created).
    stem : str
        File name without extension.

    Returns
    -------
    dict of str to Path
        Keys ``"csv"``, ``"md"``, ``"png"``.
    """
    d = Path(directory)
    d.mkdir(parents=True, exist_ok=True)
    paths = {"csv": d / f"{stem}.csv", "md": d / f"{stem}.md", "png": d / f"{stem}.png"}
    report.to_csv(paths["csv"], index=False)
    table = coverage_table(report).reset_index()
    gaps = report[report["status"] != "present"]
    gaps = (
        gaps.groupby(["iso3", "item", "status", "detail"], sort=False)["year"]
        .apply(lambda s: ", ".join(map(str, sorted(s))))
        .reset_index()
    )
    md = [
        "# Data coverage",
        "",
        "● present · ◐ flagged (interpolated, carried forward, proxy or source flag) · ○ missing",
        "",
        table.to_markdown(index=False),
        "",
        "## Gaps and flags",
        "",
        gaps.to_markdown(index=False) if len(gaps) else "none",
        "",
    ]
    paths["md"].write_text("\n".join(md))
    plot_coverage(report, paths["png"])
    return paths
