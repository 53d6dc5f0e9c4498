"""Output data behind constructed domestic flows: WDI output by country, value added, X_ii.

Structural gravity needs X_ij for every pair *including* X_ii (Yotov et al. 2016, ch. 2: output
Y_i = Σ_j X_ij, expenditure E_j = Σ_i X_ij). Where a source has no domestic flow it is constructed from
output data (:func:`domestic_flows`)::

    X_ii = κ · VA_i − Σ_{j≠i} X_ij        (gross output of goods ≈ κ × value added)
    X_ii = f · Σ_{j≠i} X_ij               where κ·VA_i < 1/(1−f) · exports (entrepôts, re-exports): clipped

Value added VA_i (:func:`value_added`): ``industry`` = GDP × industry share (NY.GDP.MKTP.CD ×
NV.IND.TOTL.ZS); ``manufacturing`` = manufacturing VA (NV.IND.MANF.CD), industry VA × the median
manufacturing/industry ratio where absent (flagged ``va_imputed``). :func:`output_data` reads the WDI
series for a year (a union of economies gets its members' sums). κ and f are stated in the model file
and the report; the corridor job's baseline table (:mod:`gravity.jobs.corridor.ge_table`) uses them.
"""

from __future__ import annotations

import logging
from typing import Literal

import numpy as np
import pandas as pd

from gravity.data.countries import UNIONS
from gravity.errors import GravityError
from gravity.options import validator

log = logging.getLogger("gravity.scenario")


class OutputDataError(GravityError, ValueError):
    """Output data or construction parameters that cannot give a domestic flow (the message names the
    countries or the parameter and the fix)."""


ValueAddedMethod = Literal["industry", "manufacturing"]
"""Value added behind constructed domestic flows (:func:`value_added`)."""
_check_method = validator(ValueAddedMethod, "domestic-flow method", OutputDataError)

# output-data name here -> indicator name in the catalogue of gravity.data.readers.indicators
OUTPUT_INDICATORS = {
    "gdp": "gdp",
    "industry_share": "industry_pct_gdp",
    "manufacturing_va": "manufacturing_va",
}
OUTPUT_FILES = (
    "wdi-datahub-2026/ny.gdp.mktp.cd/data.csv",
    "wdi-datahub-2026/nv.ind.totl.zs/data.csv",
    "wdi-manf-2023/API_NV.IND.MANF.CD_DS2_en_csv_v2_5363423.csv",
)
# Codes in the trade data that are unions of WDI economies: output data are the members' sums
# (industry share GDP-weighted). Belgium and Luxembourg still report to Comtrade as one customs union.
AGGREGATES = UNIONS  # the country authority's customs unions: {"BLX": ("BEL", "LUX")}
CITATION = (
    "World Bank, World Development Indicators: GDP (NY.GDP.MKTP.CD), industry value added % GDP "
    "(NV.IND.TOTL.ZS), 2026 vintage; "
    "manufacturing value added (NV.IND.MANF.CD), 2023 vintage."
)


# --------------------------------------------------------------------------------------------
# output data
# --------------------------------------------------------------------------------------------
def _pick(series: pd.DataFrame, year: int, carry: int) -> pd.DataFrame:
    """The value in ``year``, else the latest of the ``carry`` years before it (the year used is kept)."""
    s = series[(series.year <= year) & (series.year >= year - carry)].dropna(subset=["value"])
    s = s.sort_values(["iso3", "year"]).groupby("iso3").tail(1)
    return s.set_index("iso3")[["value", "year"]]


def output_data(year: int, *, carry: int = 1) -> pd.DataFrame:
    """WDI output data for ``year`` by ISO3, the inputs of the domestic flows.

    Parameters
    ----------
    year : int
        Base year.
    carry : int
        A value missing in ``year`` is taken from the latest of the ``carry`` years before it.

    Returns
    -------
    DataFrame
        Indexed by ``iso3``: ``gdp``, ``industry_share`` (% of GDP) and ``manufacturing_va``, each with
        ``<name>_year``, the year used (≠ ``year``: carried forward). A
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
            row = {k: sub[k].sum(min_count=len(parts)) for k in ("gdp", "manufacturing_va")}
            row["industry_share"] = float((sub["industry_share"] * sub["gdp"]).sum(min_count=len(parts)) / row["gdp"])
            for k in list(row):
                row[f"{k}_year"] = sub[f"{k}_year"].max()
            out.loc[code] = pd.Series(row)
    return out


def value_added(out: pd.DataFrame, method: ValueAddedMethod) -> pd.DataFrame:
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
    OutputDataError
        For an unknown ``method``.
    """
    ind = out["gdp"] * out["industry_share"] / 100.0
    if _check_method(method) == "industry":
        va, imputed = ind, pd.Series(False, index=out.index)
    else:
        ratio = (out["manufacturing_va"] / ind).replace([np.inf, -np.inf], np.nan)
        med = float(ratio.dropna().median())
        va = out["manufacturing_va"].where(out["manufacturing_va"] > 0, ind * med)
        imputed = ~(out["manufacturing_va"] > 0) & ind.notna()
        log.info("manufacturing VA imputed as industry VA x %.3f for %d countries", med, int(imputed.sum()))
    return pd.DataFrame({"value_added": va, "va_imputed": imputed})


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
    OutputDataError
        If κ < 1, f is outside (0, 1), or a value added is missing or ≤ 0 (the countries are named).

    References
    ----------
    Yotov, Y. V., Piermartini, R., Monteiro, J.-A. and Larch, M. (2016). *An Advanced Guide to Trade Policy
    Analysis: The Structural Gravity Model*. WTO and UNCTAD, ch. 2.
    """
    if multiplier < 1 or not 0 < floor_share < 1:
        raise OutputDataError(
            f"domestic_flows: multiplier={multiplier} must be >= 1 and floor_share={floor_share} in (0,1)"
        )
    bad = va.index[~(va > 0)]
    if len(bad):
        raise OutputDataError(f"domestic_flows: value added missing or <= 0 for {list(bad)}; exclude these countries")
    gross = multiplier * va
    raw = gross - exports
    floor = floor_share * exports
    clipped = raw < floor
    dom = raw.where(~clipped, floor)
    return pd.DataFrame({"gross_output": gross, "exports": exports, "domestic": dom, "clipped": clipped})
