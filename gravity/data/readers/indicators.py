"""Country-year indicators in one long schema: ``iso3, year, indicator, value, source, flag``.

One row per *published* cell (empty cells are absent, not NaN rows); ``flag`` is "" for a value as
published, ``"estimate"`` where the publisher marks it as its own estimate (ITU), or
``"non-numeric: <text>"`` (value NaN) where a numeric column holds text. Aggregates (WLD, AFE, OWID_WRL…)
are dropped and logged. :data:`CATALOGUE` names every indicator :func:`load_indicators` can assemble.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial

import numpy as np
import pandas as pd

from gravity.data import countries
from gravity.data.errors import DataInputError
from gravity.data.readers._common import check_unique, indicator_frame, keep_countries, log, resolve

# ----------------------------------------------------------------------------- WDI


def read_wdi_csv(file, name: str | None = None, *, source: str = "World Bank WDI") -> pd.DataFrame:
    """A WDI bulk-download CSV (``API_<code>_DS2_en_csv_v2_<n>.csv``), wide years → long.

    Handles both the file as downloaded (UTF-8 BOM, 4 metadata lines ``"Data Source"…``/``"Last Updated
    Date"…`` then the header, every cell quoted, trailing comma) and copies whose preamble was stripped.
    ``name`` defaults to the WDI code in ``Indicator Code`` (e.g. ``IT.NET.USER.ZS``). The vintage
    (``Last Updated Date``) is appended to ``source`` when the file carries it.
    """
    path = resolve(file)
    text = path.read_text(encoding="utf-8-sig")
    lines = text.splitlines()
    skip, vintage = 0, None
    for i, line in enumerate(lines[:10]):
        if line.lstrip('"').startswith("Country Name"):
            skip = i
            break
        if "Last Updated Date" in line:
            vintage = line.split(",")[1].strip().strip('"')
    else:
        raise DataInputError(f"{path}: no 'Country Name' header in the first 10 lines; not a WDI bulk CSV")
    wide = pd.read_csv(io.StringIO("\n".join(lines[skip:])), dtype={"Country Code": str})
    wide = wide.loc[:, ~wide.columns.str.startswith("Unnamed")]
    codes = wide["Indicator Code"].unique()
    if len(codes) != 1:
        raise DataInputError(f"{path}: expected one indicator per file, found {list(codes)}")
    year_cols = [c for c in wide.columns if str(c).strip().isdigit()]
    long = wide.melt(id_vars=["Country Code"], value_vars=year_cols, var_name="year", value_name="value")
    long = long.dropna(subset=["value"])
    long = keep_countries(long, "Country Code", path.name)
    src = source + (f" ({codes[0]}, updated {vintage})" if vintage else f" ({codes[0]})")
    return indicator_frame(
        long["Country Code"], long["year"].astype(int), name or codes[0], long["value"].astype("float64"), src
    )


DATABANK = "wdi-trading-across-borders/wdi_databank_business_2014_2019.csv"


def read_wdi_databank(code: str, name: str | None = None, file: str = DATABANK) -> pd.DataFrame:
    """One series of a WDI DataBank export (wide ``Country Name, Country Code, Series Name, Series Code,
    2014 [YR2014], ...``; ``..`` = missing; footer lines without a ``Series Code`` dropped), as the long
    indicator frame. Aggregates are dropped (logged).

    Raises
    ------
    DataInputError
        The file has no ``Series Code`` column, or ``code`` is not one of its series (the message lists them).
    """
    path = resolve(file)
    wide = pd.read_csv(path, dtype=str, na_values=[".."], keep_default_na=False)
    if "Series Code" not in wide.columns:
        raise DataInputError(f"{path}: no 'Series Code' column; not a WDI DataBank export")
    wide = wide[wide["Series Code"].fillna("").str.strip() != ""]
    rows = wide[wide["Series Code"] == code]
    if rows.empty:
        raise DataInputError(f"{path}: no series {code!r}; the file has {sorted(wide['Series Code'].unique())}")
    year_cols = {c: int(c.split()[0]) for c in wide.columns if c.split()[0].isdigit()}
    long = rows.melt(id_vars=["Country Code"], value_vars=list(year_cols), var_name="col", value_name="value")
    long = long.dropna(subset=["value"])
    long = keep_countries(long, "Country Code", path.name)
    return indicator_frame(
        long["Country Code"],
        long["col"].map(year_cols).astype(int),
        name or code,
        pd.to_numeric(long["value"], errors="raise").astype("float64"),
        f"World Bank WDI DataBank, Doing Business ({code})",
    )


def read_wdi_datahub(code: str, name: str | None = None) -> pd.DataFrame:
    """WDI mid-2026 vintage in the datahub long layout ``Country Name,Country Code,Year,Value``
    (``wdi-datahub-2026/<code>/data.csv``). Aggregates are dropped (logged)."""
    path = resolve(f"wdi-datahub-2026/{code}/data.csv")
    raw = pd.read_csv(path, dtype={"Country Code": str})
    raw = raw.dropna(subset=["Value"])
    raw = keep_countries(raw, "Country Code", f"WDI datahub {code}")
    check_unique(raw, ["Country Code", "Year"], f"WDI datahub {code}")
    return indicator_frame(
        raw["Country Code"],
        raw["Year"],
        name or code.upper(),
        raw["Value"],
        f"World Bank WDI ({code.upper()}, datahub mid-2026 vintage)",
    )


def read_wdi_api(series: str, economies="all", years=None, name: str | None = None) -> pd.DataFrame:
    """The World Bank API through ``wbgapi`` (``pip install wbgapi==1.0.14``): network access required.

    Calls ``wbgapi.data.fetch(series, economies, time, skipAggs=True, numericTimeKeys=True)`` and returns
    the long schema; ``years`` is an iterable of ints (default: all). Blank observations are skipped.
    """
    try:
        import wbgapi as wb
    except ImportError as exc:  # pragma: no cover - exercised only without the optional dependency
        raise ImportError("read_wdi_api needs wbgapi: pip install wbgapi==1.0.14") from exc
    time = "all" if years is None else [int(y) for y in years]
    rows = [
        r
        for r in wb.data.fetch(series, economies, time, skipAggs=True, numericTimeKeys=True)
        if r.get("value") is not None
    ]
    if not rows:
        return indicator_frame([], [], name or series, [], f"World Bank WDI API ({series})")
    raw = pd.DataFrame(rows)
    yr = raw["time"].map(lambda t: int(str(t).removeprefix("YR")))
    raw = keep_countries(raw.assign(year=yr), "economy", f"WDI API {series}")
    return indicator_frame(
        raw["economy"], raw["year"], name or series, raw["value"].astype("float64"), f"World Bank WDI API ({series})"
    )


# ----------------------------------------------------------------------------- ITU

ITU_FILES = {
    "i4214l": "itu-datahub/lit_equipped_international_bandwidth_capacity.csv",
    "i992b": "itu-datahub/fixed_broadband_subscriptions.csv",
    "i4213tfbb": "itu-datahub/fixed_broadband_subscriptions.csv",
    "i911mw": "itu-datahub/active_mobile_broadband_subscriptions.csv",
    "i271mw": "itu-datahub/active_mobile_broadband_subscriptions.csv",
}
"""ITU DataHub series → file. Units as *verified from the values*: i4214l Mbit/s; i992b fixed broadband
per 100 people; i4213tfbb fixed broadband subscriptions (a count, although the export labels it "per 100
people"); i911mw active mobile broadband per 100 people; i271mw active mobile broadband subscriptions
(count)."""


def read_itu(series: str, name: str | None = None, file=None) -> pd.DataFrame:
    """One ITU DataHub series from its export (long: ``seriesCode, entityIso, dataValue, dataYear,
    dataNote, dataSource``…). ``dataValue`` is read as text: numbers become ``value``; text cells keep
    ``value`` NaN with ``flag = "non-numeric: <text>"``; values whose ``dataSource`` or ``dataNote`` says
    "ITU estimate" are flagged ``"estimate"``. TJK has no bandwidth (i4214l) row at all."""
    path = resolve(file or ITU_FILES[series])
    raw = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    raw = raw[raw["seriesCode"] == series]
    if raw.empty:
        raise DataInputError(
            f"{path}: no rows for ITU series {series!r}; series present: "
            f"{sorted(set(pd.read_csv(path, usecols=['seriesCode'])['seriesCode']))}"
        )
    txt = raw["dataValue"].str.strip()
    val = pd.to_numeric(txt, errors="coerce")
    flag = np.where(val.isna(), "non-numeric: " + txt, "")
    est = (
        raw["dataSource"].str.contains("ITU estimate", case=False)
        | raw["dataNote"].str.contains("ITU estimate", case=False)
    ).to_numpy()
    flag = np.where((flag == "") & est, "estimate", flag)
    if (val.isna()).any():
        log.info("ITU %s: %d non-numeric dataValue cells kept with value NaN and a flag", series, int(val.isna().sum()))
    out = pd.DataFrame(
        {
            "iso3": raw["entityIso"].to_numpy(),
            "year": raw["dataYear"].astype(int).to_numpy(),
            "value": val.to_numpy(),
            "flag": flag,
        }
    )
    out = keep_countries(out, "iso3", f"ITU {series}")
    check_unique(out, ["iso3", "year"], f"ITU {series}")
    return indicator_frame(
        out["iso3"], out["year"], name or f"ITU.{series}", out["value"], f"ITU DataHub ({series})", out["flag"]
    )


# ----------------------------------------------------------------------------- EGDI

EGDI_COMPONENTS = {  # our name: (2010–2018 column, 2022 column, 2024 column)
    "egdi": ("e-gov-index", "E-Government Index", "E_Index"),
    "egdi_epart": ("e-pat-index", "E-Participation Index", "E_Participation"),
    "egdi_osi": ("osi", "Online Service Index", "Online_Service"),
    "egdi_hci": ("hci", "Human Capital Index", "Human_Capital"),
    "egdi_tii": ("tii", "Telecommunication Infrastructure Index", "Tele_Infra"),
}


def read_egdi(components=tuple(EGDI_COMPONENTS)) -> pd.DataFrame:
    """UN E-Government Development Index and its components, survey years 2010–2018, 2022, 2024.

    2010–2018 files carry ISO3 (``country-code``); the 2022 and 2024 files carry names only (2022 with
    trailing spaces, 2024 with third-party column names) and are mapped with
    :func:`gravity.data.countries.to_iso3` — an unmapped name raises. Survey years are biennial: 2020 is not
    in this collection (a gap, not a zero).
    """
    frames = []
    for y in (2010, 2012, 2014, 2016, 2018):
        raw = pd.read_csv(resolve(f"egdi/egdi-{y}.csv"))
        iso = countries.to_iso3(raw["country-code"], context=f"egdi-{y}.csv")
        for comp in components:
            frames.append(
                indicator_frame(
                    iso, np.full(len(raw), y), comp, raw[EGDI_COMPONENTS[comp][0]], f"UN E-Government Survey {y}"
                )
            )
    for y, key, name_col, k in (
        (2022, "egdi/EGOV_DATA_2022.csv", "Country Name", 1),
        (2024, "egdi/EGOV_DATA_2024_modified.csv", "Country", 2),
    ):
        raw = pd.read_csv(resolve(key))
        iso = countries.to_iso3(raw[name_col].str.strip(), context=key)
        for comp in components:
            frames.append(
                indicator_frame(
                    iso, raw["Survey Year"], comp, raw[EGDI_COMPONENTS[comp][k]], f"UN E-Government Survey {y}"
                )
            )
    out = pd.concat(frames, ignore_index=True).dropna(subset=["value"])
    check_unique(out, ["iso3", "year", "indicator"], "EGDI")
    return out


# ----------------------------------------------------------------------------- LPI

LPI_COMPONENTS = {
    "lpi": "LPI_Score",
    "lpi_customs": "Customs_Score",
    "lpi_infrastructure": "Infrastructure_Score",
    "lpi_shipments": "International_Shipments_Score",
    "lpi_logistics_quality": "Logistics_Competence_and_Quality_Score",
    "lpi_timeliness": "Timeliness_Score",
    "lpi_tracking": "Tracking_and_Tracing_Score",
}


def read_lpi(components=tuple(LPI_COMPONENTS), file="lpi/Cleaned_Logistics_Dataset.csv") -> pd.DataFrame:
    """World Bank Logistics Performance Index (overall score 1–5 and six components), survey years
    2010, 2012, 2014, 2016, 2018, 2023. The file has World Bank names only (``Economy``), mapped to ISO3."""
    raw = pd.read_csv(resolve(file), encoding="utf-8-sig")
    iso = countries.to_iso3(raw["Economy"].str.strip(), context="LPI Economy")
    frames = [
        indicator_frame(
            iso,
            raw["Current_Year"],
            comp,
            pd.to_numeric(raw[LPI_COMPONENTS[comp]]),
            "World Bank Logistics Performance Index",
        )
        for comp in components
    ]
    out = pd.concat(frames, ignore_index=True).dropna(subset=["value"])
    check_unique(out, ["iso3", "year", "indicator"], "LPI")
    return out


# ----------------------------------------------------------------------------- OWID


def read_owid_gdp(file="owid-gdp-constant/gdp-worldbank-constant-usd.csv", name="gdp_const2015") -> pd.DataFrame:
    """GDP in constant 2015 US$ (WDI via Our World in Data): ``Entity,Code,Year,GDP``; regions dropped."""
    raw = pd.read_csv(resolve(file))
    raw = raw.dropna(subset=["Code", "GDP"])
    raw = keep_countries(raw, "Code", "OWID GDP")
    return indicator_frame(
        raw["Code"], raw["Year"], name, raw["GDP"], "World Bank WDI via Our World in Data (NY.GDP.MKTP.KD)"
    )


# ----------------------------------------------------------------------------- catalogue


@dataclass(frozen=True)
class Indicator:
    name: str
    loader: Callable[[], pd.DataFrame]
    unit: str
    description: str


def _hub(code):
    return lambda name: read_wdi_datahub(code, name)


def _one_component(reader: Callable, component: str, name: str) -> pd.DataFrame:
    """``reader((component,))``: a catalogue entry for one EGDI or LPI component (``name`` is the component)."""
    return reader((component,))


_WDI_INTERNET = "wdi-internet/API_IT.NET.USER.ZS_DS2_en_csv_v2_2160.csv"
_SPECS = [
    (
        "internet",
        lambda n: read_wdi_csv(_WDI_INTERNET, n),
        "% of population",
        "Individuals using the Internet (WDI IT.NET.USER.ZS, 2024 download)",
    ),
    ("bandwidth", lambda n: read_itu("i4214l", n), "Mbit/s", "Lit/equipped international bandwidth (ITU i4214l)"),
    ("fixed_broadband", lambda n: read_itu("i992b", n), "per 100 people", "Fixed-broadband subscriptions (ITU i992b)"),
    (
        "fixed_broadband_subs",
        lambda n: read_itu("i4213tfbb", n),
        "subscriptions",
        "Fixed-broadband subscriptions, count (ITU i4213tfbb; mislabelled per 100 in the export)",
    ),
    (
        "mobile_broadband",
        lambda n: read_itu("i911mw", n),
        "per 100 people",
        "Active mobile-broadband subscriptions (ITU i911mw)",
    ),
    (
        "mobile_broadband_subs",
        lambda n: read_itu("i271mw", n),
        "subscriptions",
        "Active mobile-broadband subscriptions, count (ITU i271mw)",
    ),
    *[
        (c, partial(_one_component, read_egdi, c), "index 0–1", f"UN E-Government Survey: {EGDI_COMPONENTS[c][1]}")
        for c in EGDI_COMPONENTS
    ],
    *[
        (c, partial(_one_component, read_lpi, c), "score 1–5", f"World Bank LPI: {LPI_COMPONENTS[c]}")
        for c in LPI_COMPONENTS
    ],
    ("gdp", _hub("ny.gdp.mktp.cd"), "current US$", "GDP (WDI NY.GDP.MKTP.CD, mid-2026 vintage)"),
    ("gdp_growth", _hub("ny.gdp.mktp.kd.zg"), "annual %", "GDP growth (WDI NY.GDP.MKTP.KD.ZG)"),
    ("gdp_deflator_growth", _hub("ny.gdp.defl.kd.zg"), "annual %", "GDP deflator inflation (WDI NY.GDP.DEFL.KD.ZG)"),
    ("gdp_pc", _hub("ny.gdp.pcap.cd"), "current US$", "GDP per capita (WDI NY.GDP.PCAP.CD)"),
    ("population", _hub("sp.pop.totl"), "persons", "Population (WDI SP.POP.TOTL)"),
    ("exports_gs_pct_gdp", _hub("ne.exp.gnfs.zs"), "% of GDP", "Exports of goods and services (WDI NE.EXP.GNFS.ZS)"),
    ("imports_gs_pct_gdp", _hub("ne.imp.gnfs.zs"), "% of GDP", "Imports of goods and services (WDI NE.IMP.GNFS.ZS)"),
    (
        "merch_exports",
        _hub("tx.val.mrch.cd.wt"),
        "current US$",
        "Merchandise exports (WDI TX.VAL.MRCH.CD.WT; WTO, partly mirror-based for UZB/TKM)",
    ),
    ("merch_imports", _hub("tm.val.mrch.cd.wt"), "current US$", "Merchandise imports (WDI TM.VAL.MRCH.CD.WT)"),
    ("merch_trade_pct_gdp", _hub("tg.val.totl.gd.zs"), "% of GDP", "Merchandise trade (WDI TG.VAL.TOTL.GD.ZS)"),
    ("industry_pct_gdp", _hub("nv.ind.totl.zs"), "% of GDP", "Industry value added (WDI NV.IND.TOTL.ZS)"),
    ("mobile_subs", _hub("it.cel.sets.p2"), "per 100 people", "Mobile cellular subscriptions (WDI IT.CEL.SETS.P2)"),
    ("fixed_broadband_wdi", _hub("it.net.bbnd.p2"), "per 100 people", "Fixed broadband (WDI IT.NET.BBND.P2)"),
    ("secure_servers", _hub("it.net.secr.p6"), "per million people", "Secure Internet servers (WDI IT.NET.SECR.P6)"),
    ("exchange_rate", _hub("pa.nus.fcrf"), "LCU per US$", "Official exchange rate (WDI PA.NUS.FCRF)"),
    (
        "manufacturing_va",
        lambda n: read_wdi_csv("wdi-manf-2023/API_NV.IND.MANF.CD_DS2_en_csv_v2_5363423.csv", n),
        "current US$",
        "Manufacturing value added (WDI NV.IND.MANF.CD, 2023 download; TKM 1993–2004, UZB from 2010)",
    ),
    (
        "gdp_dec2025",
        lambda n: read_wdi_csv("wdi-api-dec2025/API_NY.GDP.MKTP.CD_DS2_en_csv_v2_2463.csv", n),
        "current US$",
        "GDP (WDI NY.GDP.MKTP.CD, 2025-12-04 vintage; do not mix with the 2026 vintage)",
    ),
    (
        "imports_gs_dec2025",
        lambda n: read_wdi_csv("wdi-api-dec2025/API_NE.IMP.GNFS.CD_DS2_en_csv_v2_2474.csv", n),
        "current US$",
        "Imports of goods and services (WDI NE.IMP.GNFS.CD, 2025-12-04 vintage)",
    ),
    ("gdp_const2015", lambda n: read_owid_gdp(name=n), "constant 2015 US$", "GDP (WDI via OWID)"),
    *[
        (n, partial(read_wdi_databank, c), "hours", f"Doing Business: {d} ({c}; data years 2014-2019)")
        for n, c, d in (
            ("export_border_hours", "IC.EXP.TMBC", "time to export, border compliance"),
            ("export_document_hours", "IC.EXP.TMDC", "time to export, documentary compliance"),
            ("import_border_hours", "IC.IMP.TMBC", "time to import, border compliance"),
            ("import_document_hours", "IC.IMP.TMDC", "time to import, documentary compliance"),
        )
    ],
]
CATALOGUE: dict[str, Indicator] = {n: Indicator(n, partial(f, n), u, d) for n, f, u, d in _SPECS}


def catalogue() -> pd.DataFrame:
    """``indicator, unit, description`` for every name :func:`load_indicators` accepts."""
    return pd.DataFrame(
        [(i.name, i.unit, i.description) for i in CATALOGUE.values()], columns=["indicator", "unit", "description"]
    )


_CACHE: dict[str, pd.DataFrame] = {}


def load_indicators(names) -> pd.DataFrame:
    """Long indicator frame for ``names`` (see :func:`catalogue`); each source is read once per process."""
    names = [names] if isinstance(names, str) else list(names)
    unknown = [n for n in names if n not in CATALOGUE]
    if unknown:
        raise DataInputError(f"unknown indicator(s) {unknown}; available: {sorted(CATALOGUE)}")
    frames = []
    for n in names:
        if n not in _CACHE:
            _CACHE[n] = CATALOGUE[n].loader()
        frames.append(_CACHE[n])
    return pd.concat(frames, ignore_index=True)
