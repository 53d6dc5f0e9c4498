"""Coverage report: for each country × item × year, is the data present, flagged or missing — and why.

Built from a panel of :func:`gravity.build_panel` (never from the raw sources), so the report shows
exactly what an estimation on that panel would see. Items:

* ``exports (exporter-reported)`` – present when the country reports at least one flow (zero or positive)
  to a partner that year; otherwise missing with the panel's reason (``exporter never reports`` for UZB,
  ``exporter not reporting this year`` for TJK/TKM after 2000 in the Comtrade file);
* ``imports (partner-reported)`` – present when some partner reports exports to the country;
* ``distance (GeoDist)`` – present when every pair with a flow (either direction) has ``dist``; flagged
  when some lack it (partners absent from GeoDist: MNE, SSD, CUW, …);
* each merged indicator x (``<x>_o`` / ``<x>_flag_o``): present (observed), flagged (interpolated,
  carried forward, proxy, or the source's own flag such as ITU ``estimate``) or missing.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from gravity.countries import ECO
from gravity.panel import MISSING_STATUS

STATUSES = ("present", "flagged", "missing")
COLOURS = {"present": "#2e7d32", "flagged": "#f9a825", "missing": "#c62828"}
SYMBOLS = {"present": "●", "flagged": "◐", "missing": "○"}


def coverage_report(panel: pd.DataFrame, countries=ECO, indicators=None) -> pd.DataFrame:
    """Long table ``iso3, item, year, status, detail`` (status ∈ present / flagged / missing)."""
    countries = list(countries)
    indicators = list(panel.attrs.get("indicators", [])) if indicators is None else list(indicators)
    missing_cols = [f"{x}_o" for x in indicators if f"{x}_o" not in panel.columns]
    if missing_cols:
        raise ValueError(f"coverage_report: the panel has no columns {missing_cols}")
    absent = [c for c in countries if c not in set(panel["exporter"].astype(str).unique())]
    years = sorted(panel["year"].unique())
    exp = panel["exporter"].astype(str).to_numpy()
    imp = panel["importer"].astype(str).to_numpy()
    intl = exp != imp
    status = panel["flow_status"].astype(str).to_numpy()
    flow_ok = ~np.isin(status, MISSING_STATUS)
    yr = panel["year"].to_numpy()
    dist = panel["dist"].to_numpy() if "dist" in panel.columns else None
    rows = []
    for c in countries:
        if c in absent:
            for y in years:
                rows.append((c, "exports (exporter-reported)", y, "missing", "country not in the panel"))
                rows.append((c, "imports (partner-reported)", y, "missing", "country not in the panel"))
            continue
        for y in years:
            m_exp = (exp == c) & (yr == y) & intl
            m_imp = (imp == c) & (yr == y) & intl
            n_rep = int(flow_ok[m_exp].sum())
            if n_rep:
                rows.append((c, "exports (exporter-reported)", y, "present", f"{n_rep} partners reported"))
            else:
                why = pd.Series(status[m_exp]).value_counts()
                rows.append((c, "exports (exporter-reported)", y, "missing", why.index[0] if len(why) else ""))
            n_imp = int(flow_ok[m_imp].sum())
            rows.append((c, "imports (partner-reported)", y, "present" if n_imp else "missing",
                         f"{n_imp} partners report exports to it"))
            if "dist" in panel.columns:
                # pairs that carry a flow (either direction) must have a distance
                m = (m_exp | m_imp) & flow_ok
                d = dist[m]
                k = int(np.isnan(d).sum())
                st = "present" if k == 0 else ("missing" if k == len(d) else "flagged")
                other = np.where(exp[m] == c, imp[m], exp[m])[np.isnan(d)]
                rows.append((c, "distance (GeoDist)", y, st,
                             f"no dist for {', '.join(sorted(set(other)))}" if k else ""))
    first = ~pd.DataFrame({"e": exp, "y": yr}).duplicated().to_numpy()
    sub = panel.loc[first & np.isin(exp, countries)]
    for x in indicators:
        v = sub[f"{x}_o"].to_numpy()
        f = sub[f"{x}_flag_o"].astype(str).to_numpy()
        iso = sub["exporter"].astype(str).to_numpy()
        never = set(iso) - set(iso[~np.isnan(v)])
        for c, y, val, flag in zip(iso, sub["year"], v, f):
            if np.isnan(val):
                why = "no value in any panel year" if c in never else "no value this year"
                rows.append((c, x, y, "missing", why if flag == "missing" else flag))
            elif flag == "observed":
                rows.append((c, x, y, "present", ""))
            else:
                rows.append((c, x, y, "flagged", flag))
        for c in absent:
            rows.extend((c, x, y, "missing", "country not in the panel") for y in years)
    out = pd.DataFrame(rows, columns=["iso3", "item", "year", "status", "detail"])
    order = {c: k for k, c in enumerate(countries)}
    items = ["exports (exporter-reported)", "imports (partner-reported)", "distance (GeoDist)", *indicators]
    out["_c"] = out["iso3"].map(order)
    out["_i"] = out["item"].map({it: k for k, it in enumerate(items)})
    return out.sort_values(["_c", "_i", "year"]).drop(columns=["_c", "_i"]).reset_index(drop=True)


def coverage_table(report: pd.DataFrame) -> pd.DataFrame:
    """Wide view: one row per (iso3, item), one column per year, cells ● present / ◐ flagged / ○ missing."""
    sym = report.assign(cell=report["status"].map(SYMBOLS))
    wide = sym.pivot(index=["iso3", "item"], columns="year", values="cell")
    order = report[["iso3", "item"]].drop_duplicates()
    return wide.reindex(pd.MultiIndex.from_frame(order))


def plot_coverage(report: pd.DataFrame, path, title: str = "Data coverage, ECO countries"):
    """Heat maps, one per item (rows: countries, columns: years; green present, amber flagged, red missing)."""
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
    fig, axes = plt.subplots(nrow, ncol, figsize=(3.2 * ncol + 1.5, (0.22 * len(isos) + 0.9) * nrow),
                             squeeze=False, sharey=True)
    cmap = ListedColormap([COLOURS[s] for s in STATUSES])
    for k, ax in enumerate(axes.flat):
        if k >= len(items):
            ax.axis("off")
            continue
        sub = report[report["item"] == items[k]]
        grid = (sub.assign(v=sub["status"].map(code)).pivot(index="iso3", columns="year", values="v")
                .reindex(index=isos, columns=years))
        ax.imshow(grid.to_numpy(float), aspect="auto", interpolation="nearest", cmap=cmap, vmin=0, vmax=2)
        ax.set_title(items[k], fontsize=9)
        ax.set_xticks(range(len(years)), [str(y) for y in years], fontsize=7, rotation=90 if len(years) > 8 else 0)
        ax.set_yticks(range(len(isos)), isos, fontsize=7)
        ax.set_xticks(np.arange(-0.5, len(years)), minor=True)
        ax.set_yticks(np.arange(-0.5, len(isos)), minor=True)
        ax.grid(which="minor", color="white", lw=0.8)
        ax.tick_params(which="minor", length=0)
    fig.suptitle(title)
    fig.legend(handles=[Patch(color=COLOURS[s], label=s) for s in STATUSES], loc="lower right", ncol=3,
               frameon=False)
    fig.tight_layout(rect=(0, 0.03, 1, 0.97))
    fig.savefig(path, dpi=120)
    plt.close(fig)
    return Path(path)


def write_coverage(report: pd.DataFrame, directory, stem: str = "coverage") -> dict[str, Path]:
    """Write ``<stem>.csv`` (long), ``<stem>.md`` (wide symbols + the missing details) and ``<stem>.png``."""
    d = Path(directory)
    d.mkdir(parents=True, exist_ok=True)
    paths = {"csv": d / f"{stem}.csv", "md": d / f"{stem}.md", "png": d / f"{stem}.png"}
    report.to_csv(paths["csv"], index=False)
    table = coverage_table(report).reset_index()
    gaps = report[report["status"] != "present"]
    gaps = gaps.groupby(["iso3", "item", "status", "detail"], sort=False)["year"].apply(
        lambda s: ", ".join(map(str, sorted(s)))).reset_index()
    md = ["# Data coverage", "", "● present · ◐ flagged (interpolated, carried forward, proxy or source flag) · "
          "○ missing", "", table.to_markdown(index=False), "", "## Gaps and flags", "",
          gaps.to_markdown(index=False) if len(gaps) else "none", ""]
    paths["md"].write_text("\n".join(md))
    plot_coverage(report, paths["png"])
    return paths
