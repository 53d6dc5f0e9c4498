"""Cross-source check of bilateral flows for the ECO members: ITPD-E vs UN Comtrade vs Correlates of War.

The three sources measure X_ij,t (exports of i to j in year t, current US$) in different ways:

* **ITPD-E** release 1, all industries summed (:func:`gravity.data.read_itpde_aggregated`): exporter
  reports where they exist, importer (mirror) reports otherwise; an absent flow is 0;
* **UN Comtrade** as shipped with penppml (:func:`gravity.data.read_comtrade_penppml`): the exporter's own
  report only, every 4 years; a pair the exporter did not report is absent (NaN);
* **COW** Dyadic Trade v4.0 to 2014 (:func:`gravity.data.read_cow_trade`): the importer's report of its
  imports, rounded to whole millions (flows below 0.5 m$ read 0); NaN where missing.

So ITPD-E vs COW compares a partly mirrored series with the mirror itself, and Comtrade vs COW compares the
exporter's and the importer's reports of the same flow. :func:`cross_source_table` summarises agreement
per ECO country and direction, :func:`cross_source_summary` says it in a few sentences.

References
----------
Barbieri, K. & Keshk, O. M. G. (2016). Correlates of War Project Trade Data Set Codebook, Version 4.0.
Barbieri, K., Keshk, O. M. G. & Pollins, B. (2009). Trading data: evaluating our assumptions and coding
rules. *Conflict Management and Peace Science* 26(5): 471–491.
Borchert, I., Larch, M., Shikher, S. & Yotov, Y. V. (2021). The International Trade and Production
Database for Estimation (ITPD-E). *International Economics* 166: 140–166.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable

import numpy as np
import pandas as pd

from gravity import data as datasets
from gravity.data import countries as cc
from gravity.data.countries import ECO
from gravity.panel.build import PanelValidationError

SOURCES = {"itpde": "ITPD-E", "comtrade": "UN Comtrade", "cow": "COW"}
"""Column name → label of each source."""
SOURCE_PAIRS = (("itpde", "comtrade"), ("itpde", "cow"), ("comtrade", "cow"))
COVERAGE = {"itpde": tuple(range(2000, 2017)), "comtrade": tuple(range(1964, 2017, 4)), "cow": tuple(range(1870, 2015))}
"""Years each source covers (ITPD-E release 1 aggregated; penppml Comtrade waves; COW v4.0)."""
CROSS_YEARS = (2000, 2004, 2008, 2012, 2016)
"""Default years: the Comtrade waves within ITPD-E's span (pairs with COW use those up to 2012)."""
REGISTRY_KEYS = {
    "itpde": "itpd-e-aggregated/itpd_aggregated.rds",
    "comtrade": "penppml-comtrade/trade.rda",
    "cow": "cow-trade/cow_trade_ndy.rda",
}


@functools.cache
def _source(name: str) -> pd.DataFrame:
    reader = {
        "itpde": datasets.read_itpde_aggregated,
        "comtrade": datasets.read_comtrade_penppml,
        "cow": datasets.read_cow_trade,
    }[name]
    return reader()[["exporter", "importer", "year", "trade"]]


def cross_source_flows(countries: Iterable[str] = ECO, years: Iterable[int] = CROSS_YEARS) -> pd.DataFrame:
    """International flows to or from ``countries`` in ``years``, one column per source.

    Returns
    -------
    DataFrame ``exporter, importer, year, itpde, comtrade, cow`` (current US$; NaN where the source has no
    value for the pair-year or does not cover the year), one row per pair-year present in at least one
    source, i ≠ j, both codes current ISO3 countries (Comtrade's areas BUN, UNS, … and historical codes are
    left out), sorted by exporter, importer, year.
    """
    countries, years = list(countries), sorted(set(int(y) for y in years))
    frames = []
    for name in SOURCES:
        d = _source(name)
        d = d[
            d["year"].isin(years)
            & (d["exporter"].isin(countries) | d["importer"].isin(countries))
            & (d["exporter"] != d["importer"])
        ]
        frames.append(d.set_index(["exporter", "importer", "year"])["trade"].rename(name))
    out = pd.concat(frames, axis=1, join="outer").reset_index()
    codes = pd.unique(np.concatenate([out["exporter"].to_numpy(dtype=object), out["importer"].to_numpy(dtype=object)]))
    known = [c for c in codes if c in cc.known_codes()]
    iso = {c for c, k in zip(known, cc.code_kind(known)) if k == "iso3"}
    out = out[out["exporter"].isin(iso) & out["importer"].isin(iso)]
    return out.sort_values(["exporter", "importer", "year"]).reset_index(drop=True)


def _musd(v: float) -> str:
    """US$ → "234.1 m$" (three significant digits below 1 m$: "0.0412 m$"; "n/a" for NaN)."""
    if not np.isfinite(v):
        return "n/a"
    return f"{v / 1e6:,.1f} m$" if v >= 1e6 or v == 0 else f"{v / 1e6:.3g} m$"


def cross_source_table(
    countries: Iterable[str] = ECO, years: Iterable[int] = CROSS_YEARS, *, flows: pd.DataFrame | None = None
) -> pd.DataFrame:
    """Agreement of ITPD-E, UN Comtrade and COW per country × direction × source pair.

    For country c, direction (``exports``: flows c → j; ``imports``: j → c, j ≠ c) and sources (a, b), over
    the pair-years (j, t) with t in ``years`` covered by both sources (:data:`COVERAGE`; COW ends 2014):

    * ``n_a``, ``n_b`` – pair-years with a value (zero included) in a and in b;
    * ``n_matched`` – pair-years with X^a > 0 and X^b > 0; ``matched_share`` = n_matched / #(X^a > 0 or
      X^b > 0);
    * ``corr_log`` – Pearson correlation of ln X^a and ln X^b over the matched pair-years (NaN below 3);
    * ``median_log_ratio`` – median of ln(X^a / X^b) over the matched pair-years (0: no systematic gap);
    * ``value_a``, ``value_b`` – sums of X^a and X^b over the matched pair-years (US$);
    * ``largest_gaps`` – the 3 matched pair-years with the largest |ln(X^a / X^b)|, as
      ``"RUS 2012: 234.1 m$ vs 230.0 m$"`` (partner, year, a vs b).

    Parameters
    ----------
    countries : ISO3 codes (default: the ten ECO members).
    years : years to compare (default :data:`CROSS_YEARS`).
    flows : the output of :func:`cross_source_flows` (computed when not given).

    Returns
    -------
    DataFrame ``iso3, direction, source_a, source_b, years, n_a, n_b, n_matched, matched_share, corr_log,
    median_log_ratio, value_a, value_b, largest_gaps`` (sources by their labels, :data:`SOURCES`).
    """
    countries, years = list(countries), sorted(set(int(y) for y in years))
    unknown = sorted(set(countries) - cc.known_codes())
    if unknown:
        raise PanelValidationError(
            f"countries {unknown} are not known ISO3 codes; harmonise with gravity.data.countries.to_iso3"
        )
    f = cross_source_flows(countries, years) if flows is None else flows
    rows = []
    for c in countries:
        for direction, own, partner in (("exports", "exporter", "importer"), ("imports", "importer", "exporter")):
            fc = f[f[own] == c]
            for a, b in SOURCE_PAIRS:
                common = [y for y in years if y in COVERAGE[a] and y in COVERAGE[b]]
                d = fc[fc["year"].isin(common)]
                xa, xb = d[a].to_numpy(dtype="float64"), d[b].to_numpy(dtype="float64")
                both = (xa > 0) & (xb > 0)
                either = (xa > 0) | (xb > 0)
                la, lb = np.log(xa[both]), np.log(xb[both])
                lr = la - lb
                top = np.argsort(-np.abs(lr), kind="stable")[:3]
                dm = d[both]
                gaps = "; ".join(
                    f"{p} {y}: {_musd(va)} vs {_musd(vb)}"
                    for p, y, va, vb in zip(
                        dm[partner].to_numpy()[top], dm["year"].to_numpy()[top], xa[both][top], xb[both][top]
                    )
                )
                rows.append(
                    {
                        "iso3": c,
                        "direction": direction,
                        "source_a": SOURCES[a],
                        "source_b": SOURCES[b],
                        "years": ", ".join(map(str, common)),
                        "n_a": int(np.isfinite(xa).sum()),
                        "n_b": int(np.isfinite(xb).sum()),
                        "n_matched": int(both.sum()),
                        "matched_share": both.sum() / either.sum() if either.any() else np.nan,
                        "corr_log": float(np.corrcoef(la, lb)[0, 1]) if both.sum() >= 3 else np.nan,
                        "median_log_ratio": float(np.median(lr)) if both.any() else np.nan,
                        "value_a": float(xa[both].sum()),
                        "value_b": float(xb[both].sum()),
                        "largest_gaps": gaps,
                    }
                )
    return pd.DataFrame(rows)


def cross_source_summary(
    table: pd.DataFrame | None = None,
    *,
    flows: pd.DataFrame | None = None,
    countries: Iterable[str] = ("TJK", "UZB", "TKM"),
    partners: Iterable[str] = ("RUS", "KAZ", "TUR", "CHN"),
    year: int = 2012,
) -> list[str]:
    """A few plain sentences on the mirror flows of ``countries`` (default: the three ECO members that do
    not report exports to UN Comtrade after 2000).

    For each country: its exports to each of ``partners`` in ``year`` (default 2012, the last year all three
    sources cover) in each source, then how often ITPD-E and COW agree on its exports over the table's years.

    Parameters
    ----------
    table : output of :func:`cross_source_table` (computed for ``countries`` when not given).
    flows : output of :func:`cross_source_flows` (computed when not given).

    Returns
    -------
    list of str, one sentence per country and one per country's agreement line.
    """
    countries = list(countries)
    if flows is None:
        flows = cross_source_flows(countries, sorted(set(CROSS_YEARS) | {int(year)}))
    if table is None:
        table = cross_source_table(countries, flows=flows)
    out = []
    f = flows.set_index(["exporter", "importer", "year"])
    for c in countries:
        parts = []
        for p in partners:
            key = (c, p, int(year))
            v = f.loc[key] if key in f.index else pd.Series({s: np.nan for s in SOURCES})
            ct = _musd(v["comtrade"]) if np.isfinite(v["comtrade"]) else f"no report by {c}"
            parts.append(f"to {p} ITPD-E {_musd(v['itpde'])}, UN Comtrade {ct}, COW ({p}'s imports) {_musd(v['cow'])}")
        out.append(f"{c}'s exports in {year}: " + "; ".join(parts) + ".")
        r = table[
            (table["iso3"] == c)
            & (table["direction"] == "exports")
            & (table["source_a"] == "ITPD-E")
            & (table["source_b"] == "COW")
        ]
        if len(r):
            r = r.iloc[0]
            out.append(
                f"Over {r['years']}, ITPD-E and COW both show a positive flow for {r['matched_share']:.0%} of "
                f"{c}'s export pair-years with a flow in either; where both do, the log correlation is "
                f"{r['corr_log']:.2f} and ITPD-E is {np.exp(r['median_log_ratio']):.2f}× COW at the median."
            )
    return out
