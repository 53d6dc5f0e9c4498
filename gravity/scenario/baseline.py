"""The GE baseline table for one year: square, with domestic flows, every cell accounted for.

Structural gravity needs X_ij for every pair *including* X_ii (Yotov et al. 2016, ch. 2: output
Y_i = Σ_j X_ij, expenditure E_j = Σ_i X_ij). The sources here give neither domestic flows nor the
exports of some countries, so both are constructed, explicitly, and every cell carries a flag:

``reported``        exporter-reported flow (UN Comtrade via penppml), > 0
``reported_zero``   exporter-reported explicit zero
``absent_zero``     exporter reports that year but not this partner: no recorded trade, set to 0
``filled``          exporter reports nothing that year (UZB always; TJK, TKM after 2000; ...):
                    X_ij = T_i · s_ij, with T_i the WDI merchandise-export total (TX.VAL.MRCH.CD.WT)
                    and s_ij = exp(η_ij) / Σ_{k≠i} exp(η_ik) the gravity-predicted destination shares
                    (η_ij = importer effect + b'x_ij from a PPML on the reported flows of that year)
``domestic``        X_ii = κ · VA_i − Σ_{j≠i} X_ij  (gross output of goods ≈ κ × value added)
``domestic_clipped`` where κ·VA_i < 1/(1−f) · exports (entrepôts, re-exports): X_ii = f · Σ_{j≠i} X_ij

Value added VA_i (method): ``industry`` = GDP × industry share (NY.GDP.MKTP.CD × NV.IND.TOTL.ZS);
``manufacturing`` = manufacturing VA (NV.IND.MANF.CD), industry VA × the median manufacturing/industry
ratio where absent (flagged ``va_imputed``). κ and f are stated in the corridor file and the report.
Countries without GDP/industry data in the year (±carry years) cannot have X_ii and are excluded,
with their share of the year's reported trade listed.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from gravity.data.countries import UNIONS

log = logging.getLogger("gravity.fill")

FLAGS = ("reported", "reported_zero", "absent_zero", "filled", "domestic", "domestic_clipped")

# output-data name here -> indicator name in the catalogue of gravity.data.readers.indicators
OUTPUT_INDICATORS = {
    "gdp": "gdp",
    "industry_share": "industry_pct_gdp",
    "merch_exports": "merch_exports",
    "merch_imports": "merch_imports",
    "manufacturing_va": "manufacturing_va",
}
OUTPUT_FILES = (
    "wdi-datahub-2026/ny.gdp.mktp.cd/data.csv", "wdi-datahub-2026/nv.ind.totl.zs/data.csv",
    "wdi-datahub-2026/tx.val.mrch.cd.wt/data.csv", "wdi-datahub-2026/tm.val.mrch.cd.wt/data.csv",
    "wdi-manf-2023/API_NV.IND.MANF.CD_DS2_en_csv_v2_5363423.csv",
)
# Codes in the trade data that are unions of WDI economies: output data are the members' sums
# (industry share GDP-weighted). Belgium and Luxembourg still report to Comtrade as one customs union.
AGGREGATES = UNIONS  # the country authority's customs unions: {"BLX": ("BEL", "LUX")}
CITATION = ("World Bank, World Development Indicators: GDP (NY.GDP.MKTP.CD), industry value added % GDP "
            "(NV.IND.TOTL.ZS), merchandise exports/imports (TX/TM.VAL.MRCH.CD.WT), 2026 vintage; "
            "manufacturing value added (NV.IND.MANF.CD), 2023 vintage.")


# --------------------------------------------------------------------------------------------
# output data
# --------------------------------------------------------------------------------------------
def _pick(series: pd.DataFrame, year: int, carry: int) -> pd.DataFrame:
    """The value in ``year``, else the latest of the ``carry`` years before it (the year used is kept)."""
    s = series[(series.year <= year) & (series.year >= year - carry)].dropna(subset=["value"])
    s = s.sort_values(["iso3", "year"]).groupby("iso3").tail(1)
    return s.set_index("iso3")[["value", "year"]]


def output_data(year: int, *, carry: int = 1) -> pd.DataFrame:
    """WDI output data for ``year`` by ISO3, the inputs of the domestic flows and the filled exports.

    Parameters
    ----------
    year : int
        Base year.
    carry : int
        A value missing in ``year`` is taken from the latest of the ``carry`` years before it.

    Returns
    -------
    DataFrame
        Indexed by ``iso3``: ``gdp``, ``industry_share`` (% of GDP), ``merch_exports``, ``merch_imports``,
        ``manufacturing_va``, each with ``<name>_year``, the year used (≠ ``year``: carried forward). A
        union in :data:`AGGREGATES` gets its members' sums (industry share GDP-weighted).

    References
    ----------
    World Bank, World Development Indicators (:data:`CITATION`).
    """
    from gravity.data.readers.indicators import load_indicators

    long = load_indicators(list(OUTPUT_INDICATORS.values()))
    cols = {name: _pick(long[long.indicator == ind], year, carry) for name, ind in OUTPUT_INDICATORS.items()}
    out = pd.DataFrame(index=sorted(set().union(*[c.index for c in cols.values()])))
    for name, c in cols.items():
        out[name] = c["value"].reindex(out.index)
        out[f"{name}_year"] = c["year"].reindex(out.index)
    out.index.name = "iso3"
    for code, parts in AGGREGATES.items():
        sub = out.reindex(list(parts))
        if sub["gdp"].notna().all() and code not in out.index:
            row = {k: sub[k].sum(min_count=len(parts)) for k in ("gdp", "merch_exports", "merch_imports",
                                                                  "manufacturing_va")}
            row["industry_share"] = float((sub["industry_share"] * sub["gdp"]).sum(min_count=len(parts)) / row["gdp"])
            for k in list(row):
                row[f"{k}_year"] = sub[f"{k}_year"].max()
            out.loc[code] = pd.Series(row)
    return out


def value_added(out: pd.DataFrame, method: str) -> pd.DataFrame:
    """Value added VA_i behind the domestic flows, by method.

    ``industry``: VA_i = GDP_i × industry share_i / 100. ``manufacturing``: VA_i = manufacturing value
    added, or industry VA_i × the median manufacturing/industry ratio where that series is absent.

    Parameters
    ----------
    out : DataFrame
        :func:`output_data` frame.
    method : {"industry", "manufacturing"}

    Returns
    -------
    DataFrame
        ``value_added`` and ``va_imputed`` (True where the manufacturing ratio was used), on ``out``'s index.

    Raises
    ------
    ValueError
        For an unknown ``method``.
    """
    ind = out["gdp"] * out["industry_share"] / 100.0
    if method == "industry":
        va, imputed = ind, pd.Series(False, index=out.index)
    elif method == "manufacturing":
        ratio = (out["manufacturing_va"] / ind).replace([np.inf, -np.inf], np.nan)
        med = float(ratio.dropna().median())
        va = out["manufacturing_va"].where(out["manufacturing_va"] > 0, ind * med)
        imputed = ~(out["manufacturing_va"] > 0) & ind.notna()
        log.info("manufacturing VA imputed as industry VA x %.3f for %d countries", med, int(imputed.sum()))
    else:
        raise ValueError(f"unknown domestic-flow method {method!r}; use 'industry' or 'manufacturing'")
    return pd.DataFrame({"value_added": va, "va_imputed": imputed})


# --------------------------------------------------------------------------------------------
# the table
# --------------------------------------------------------------------------------------------
@dataclass
class BaselineTable:
    """A square flow table with flags, and what was constructed, filled or excluded."""

    flows: pd.DataFrame           # exporter, importer, trade, flag  (n² rows, n = len(countries))
    countries: list[str]
    output: pd.DataFrame          # per country: value_added, output, exports, domestic, clipped, filled...
    excluded: pd.DataFrame        # iso3, reason, reported_trade, share_of_trade
    method: str
    multiplier: float
    floor_share: float
    notes: list[str] = field(default_factory=list)

    def matrix(self) -> np.ndarray:
        """X[i, j] in the order of ``countries``."""
        n = len(self.countries)
        return self.flows["trade"].to_numpy(float).reshape(n, n)

    def flag_counts(self) -> pd.Series:
        """Number of cells per flag of :data:`FLAGS` (zeros included)."""
        return self.flows["flag"].value_counts().reindex(FLAGS, fill_value=0)


def destination_shares(eta: pd.DataFrame) -> pd.DataFrame:
    """Gravity-predicted destination shares of each exporter's trade.

    s_ij = exp(η_ij) / Σ_{k≠i} exp(η_ik), over the importers listed for exporter i, where η_ij = χ_j + b'x_ij
    is the linear predictor of a PPML on the reported flows (the exporter effect π_i cancels in the
    share; Yotov et al. 2016, ch. 1, eq. 1). Computed as exp(η_ij − max_k η_ik) for stability.

    Parameters
    ----------
    eta : DataFrame
        ``exporter, importer, eta``; international pairs only, finite η.

    Returns
    -------
    DataFrame
        ``eta`` with a ``share`` column summing to 1 per exporter.

    Raises
    ------
    ValueError
        If a row has exporter == importer or η is not finite (the rows are named).
    """
    if (eta["exporter"] == eta["importer"]).any():
        raise ValueError("destination_shares: eta has exporter == importer rows; pass international pairs only")
    if not np.isfinite(eta["eta"]).all():
        bad = eta.loc[~np.isfinite(eta["eta"]), ["exporter", "importer"]].head(10).to_dict("records")
        raise ValueError(f"destination_shares: non-finite predicted log flows for {bad}")
    e = eta.copy()
    e["w"] = np.exp(e["eta"] - e.groupby("exporter")["eta"].transform("max"))
    e["share"] = e["w"] / e.groupby("exporter")["w"].transform("sum")
    return e.drop(columns="w")


def fill_exports(shares: pd.DataFrame, totals: pd.Series) -> pd.DataFrame:
    """Filled exports X_ij = T_i · s_ij: a silent exporter's total spread by gravity-predicted shares.

    Parameters
    ----------
    shares : DataFrame
        ``exporter, importer, share`` from :func:`destination_shares`.
    totals : Series
        T_i by ISO3 (WDI merchandise exports).

    Returns
    -------
    DataFrame
        ``exporter, importer, trade``; per exporter the flows sum to T_i.

    Raises
    ------
    ValueError
        If an exporter has no total.
    """
    missing = sorted(set(shares["exporter"]) - set(totals.dropna().index))
    if missing:
        raise ValueError(f"fill_exports: no export total for {missing}; they cannot be filled")
    out = shares[["exporter", "importer"]].copy()
    out["trade"] = shares["share"].to_numpy() * totals.reindex(shares["exporter"]).to_numpy(float)
    return out


def domestic_flows(exports: pd.Series, va: pd.Series, *, multiplier: float, floor_share: float) -> pd.DataFrame:
    """Domestic flows from output data: X_ii = κ·VA_i − Σ_{j≠i} X_ij, at least f·Σ_{j≠i} X_ij.

    Gross output of goods is approximated by κ × value added (output Y_i = Σ_j X_ij, Yotov et al. 2016,
    ch. 2). Where κ·VA_i − exports_i < f·exports_i (entrepôts, re-exports) the flow is set to the floor
    f·exports_i and flagged ``clipped``.

    Parameters
    ----------
    exports : Series
        Σ_{j≠i} X_ij by country.
    va : Series
        VA_i by country (> 0).
    multiplier : float
        κ ≥ 1 (the gross-output multiplier).
    floor_share : float
        f in (0, 1).

    Returns
    -------
    DataFrame
        ``gross_output, exports, domestic, clipped`` by country.

    Raises
    ------
    ValueError
        If κ < 1, f is outside (0, 1), or a value added is missing or ≤ 0 (the countries are named).

    References
    ----------
    Yotov, Y. V., Piermartini, R., Monteiro, J.-A. and Larch, M. (2016). *An Advanced Guide to Trade Policy
    Analysis: The Structural Gravity Model*. WTO and UNCTAD, ch. 2.
    """
    if multiplier < 1 or not 0 < floor_share < 1:
        raise ValueError(f"domestic_flows: multiplier={multiplier} must be >= 1 and floor_share={floor_share} in (0,1)")
    bad = va.index[~(va > 0)]
    if len(bad):
        raise ValueError(f"domestic_flows: value added missing or <= 0 for {list(bad)}; exclude these countries")
    gross = multiplier * va
    raw = gross - exports
    floor = floor_share * exports
    clipped = raw < floor
    dom = raw.where(~clipped, floor)
    return pd.DataFrame({"gross_output": gross, "exports": exports, "domestic": dom, "clipped": clipped})


def build_table(
    trade: pd.DataFrame,
    output: pd.DataFrame,
    eta: pd.DataFrame | None,
    *,
    method: str = "industry",
    multiplier: float = 3.0,
    floor_share: float = 0.1,
    countries: list[str] | None = None,
) -> BaselineTable:
    """Square GE table X_ij (i, j incl. i = j) from one year's exporter-reported flows.

    Reported flows are kept; an exporter reporting nothing that year is filled, X_ij = T_i · s_ij
    (:func:`fill_exports`); the diagonal is X_ii = κ·VA_i − Σ_{j≠i} X_ij with the floor f·Σ_{j≠i} X_ij
    (:func:`domestic_flows`). Each cell carries a flag of :data:`FLAGS`.

    Parameters
    ----------
    trade : DataFrame
        ``exporter, importer, trade`` for one year (absent rows = not reported; explicit zeros kept).
    output : DataFrame
        :func:`output_data` frame (indexed by ISO3).
    eta : DataFrame or None
        ``exporter, importer, eta``: predicted log flows up to an exporter constant for every international
        pair of a country to fill (see :func:`destination_shares`); None when no country needs filling.
    method : {"industry", "manufacturing"}
        Value added behind the domestic flows (:func:`value_added`).
    multiplier, floor_share : float
        κ and f of :func:`domestic_flows`.
    countries : list of str, optional
        Candidate set (default: every exporter and importer in ``trade``).

    Returns
    -------
    BaselineTable
        n² flagged cells over the kept countries, per-country construction, the excluded countries with
        their share of reported trade.

    Raises
    ------
    ValueError
        If ``trade`` lacks a column or has negative/missing flows, or ``eta`` does not cover every kept
        importer of a country to fill.

    References
    ----------
    Yotov et al. (2016), ch. 2: the GE needs X_ij for every pair including X_ii.
    """
    need = {"exporter", "importer", "trade"} - set(trade.columns)
    if need:
        raise ValueError(f"build_table: trade lacks column(s) {sorted(need)}")
    tr = trade[["exporter", "importer", "trade"]].astype({"exporter": str, "importer": str})
    tr = tr[tr.exporter != tr.importer]
    if (tr.trade < 0).any() or tr.trade.isna().any():
        bad = tr[(tr.trade < 0) | tr.trade.isna()].head(10).to_dict("records")
        raise ValueError(f"build_table: negative or missing reported flows, e.g. {bad}")
    cand = sorted(set(countries) if countries is not None else set(tr.exporter) | set(tr.importer))
    va = value_added(output.reindex(cand), method)
    reporters = set(tr.exporter)
    total_trade = float(tr.trade.sum())

    reasons = {}
    for c in cand:
        if not va.loc[c, "value_added"] > 0:
            reasons[c] = "no GDP / value-added data for the year"
        elif c not in reporters and not output["merch_exports"].reindex([c]).gt(0).iloc[0]:
            reasons[c] = "no reported exports and no WDI merchandise-export total"
    kept = [c for c in cand if c not in reasons]
    excluded = pd.DataFrame({
        "iso3": list(reasons), "reason": list(reasons.values()),
        "reported_trade": [float(tr.loc[(tr.exporter == c) | (tr.importer == c), "trade"].sum()) for c in reasons],
    })
    excluded["share_of_trade"] = excluded["reported_trade"] / total_trade if total_trade > 0 else 0.0
    if excluded.shape[0]:
        log.info("excluded %d countries without output data (%.2f%% of reported trade): %s", len(excluded),
                 100 * excluded.share_of_trade.sum(), ", ".join(excluded.iso3))

    n = len(kept)
    grid = pd.MultiIndex.from_product([kept, kept], names=["exporter", "importer"]).to_frame(index=False)
    tab = grid.merge(tr, on=["exporter", "importer"], how="left")
    is_dom = tab.exporter == tab.importer
    reporting = tab.exporter.isin(reporters)
    tab["flag"] = np.select(
        [is_dom, reporting & tab.trade.gt(0), reporting & tab.trade.eq(0), reporting & tab.trade.isna()],
        ["domestic", "reported", "reported_zero", "absent_zero"], default="filled")
    tab.loc[tab.flag == "absent_zero", "trade"] = 0.0

    to_fill = sorted(set(kept) - reporters)
    if to_fill:
        if eta is None:
            raise ValueError(f"build_table: exporters {to_fill} report no flows; pass eta (predicted log flows) "
                             "to fill them")
        e = eta.astype({"exporter": str, "importer": str})
        e = e[e.exporter.isin(to_fill) & e.importer.isin(kept) & (e.exporter != e.importer)]
        have = e.groupby("exporter").size().reindex(to_fill, fill_value=0)
        if (have < n - 1).any():
            short = have[have < n - 1].to_dict()
            raise ValueError(f"build_table: eta must cover every kept importer for each filled exporter; "
                             f"rows per exporter {short}, need {n - 1}")
        filled = fill_exports(destination_shares(e), output["merch_exports"])
        tab = tab.merge(filled.rename(columns={"trade": "filled"}), on=["exporter", "importer"], how="left")
        m = tab.flag.eq("filled")
        tab.loc[m, "trade"] = tab.loc[m, "filled"]
        tab = tab.drop(columns="filled")
        log.info("filled the exports of %s from WDI merchandise-export totals and gravity shares", to_fill)

    intl = tab[~is_dom]
    exports = intl.groupby("exporter")["trade"].sum().reindex(kept)
    dom = domestic_flows(exports, va.loc[kept, "value_added"], multiplier=multiplier, floor_share=floor_share)
    tab.loc[is_dom, "trade"] = dom["domestic"].reindex(tab.loc[is_dom, "exporter"]).to_numpy()
    tab.loc[is_dom & tab.exporter.map(dom["clipped"]).astype(bool), "flag"] = "domestic_clipped"
    tab = tab.sort_values(["exporter", "importer"]).reset_index(drop=True)
    if tab.trade.isna().any():
        raise AssertionError("build_table left a cell empty")  # construction invariant

    per = dom.join(va.loc[kept]).join(output.loc[kept, ["gdp", "gdp_year", "industry_share", "industry_share_year",
                                                        "merch_exports", "merch_imports"]])
    per["filled"] = [c in to_fill for c in per.index]
    per["imports"] = intl.groupby("importer")["trade"].sum().reindex(kept)
    per.index.name = "iso3"
    notes = [f"{len(to_fill)} exporters filled: {', '.join(to_fill)}" if to_fill else "no exporter filled",
             f"{int(dom.clipped.sum())} domestic flows clipped: {', '.join(dom.index[dom.clipped])}"]
    return BaselineTable(tab[["exporter", "importer", "trade", "flag"]], kept, per, excluded, method,
                         multiplier, floor_share, notes)
