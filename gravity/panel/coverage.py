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

import numpy as np
import pandas as pd

from gravity.data.countries import ECO
from gravity.panel.build import MISSING_STATUS, PanelValidationError

STATUSES = ("present", "flagged", "missing")
SYMBOLS = {"present": "●", "flagged": "◐", "missing": "○"}


def coverage_report(panel: pd.DataFrame, countries=ECO, indicators=None) -> pd.DataFrame:
    """Long table ``iso3, item, year, status, detail`` (status ∈ present / flagged / missing)."""
    countries = list(countries)
    indicators = list(panel.attrs.get("indicators", [])) if indicators is None else list(indicators)
    missing_cols = [f"{x}_o" for x in indicators if f"{x}_o" not in panel.columns]
    if missing_cols:
        raise PanelValidationError(f"coverage_report: the panel has no columns {missing_cols}")
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
            rows.append(
                (
                    c,
                    "imports (partner-reported)",
                    y,
                    "present" if n_imp else "missing",
                    f"{n_imp} partners report exports to it",
                )
            )
            if dist is not None:
                # pairs that carry a flow (either direction) must have a distance
                m = (m_exp | m_imp) & flow_ok
                d = dist[m]
                k = int(np.isnan(d).sum())
                st = "present" if k == 0 else ("missing" if k == len(d) else "flagged")
                other = np.where(exp[m] == c, imp[m], exp[m])[np.isnan(d)]
                rows.append(
                    (c, "distance (GeoDist)", y, st, f"no dist for {', '.join(sorted(set(other)))}" if k else "")
                )
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
