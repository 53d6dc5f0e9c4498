"""Bilateral trade readers: ``exporter, importer, year, trade`` (+ source-specific columns).

``trade`` is always in current US dollars (BACI and CEPII's ``tradeflow_*`` are published in thousands
of US$ and are multiplied by 1000; ITPD-E in millions, multiplied by 10^6; COW in millions; the ITPD-E
aggregate in constant 2010 US$, converted back with the US CPI-U). Codes are harmonised to ISO3 with
:func:`gravity.data.countries.to_iso3`
(legacy codes ROM→ROU, ZAR→COD, TMP→TLS, MNT→MNE, KN1→KNA; historical states and Comtrade's non-country
areas — BUN bunkers, FRE free zones, SPE special categories, UNS areas n.e.s. — keep their code and can
be told apart with :func:`gravity.data.countries.code_kind`).
"""

from __future__ import annotations

import functools

import numpy as np
import pandas as pd

from gravity.data import countries
from gravity.data.errors import DataInputError
from gravity.data.readers import TRADE_COLUMNS
from gravity.data.readers._common import check_unique, log, memoised, resolve
from gravity.data.registry import read_r

PENPPML_PROVISIONS: dict[str, str] = {
    # What each dummy codes, as worded in penppml's data documentation (R/data.R, tomzylkin/penppml);
    # provisions from Mattoo, Rocha & Ruta (2020), Handbook of Deep Trade Agreements (World Bank). The prefix
    # is the handbook's policy area: ad anti-dumping, cp competition policy, tbt technical barriers to trade,
    # tf trade facilitation, env environment, inv investment, ipr intellectual property, lm labour markets,
    # moc movement of capital, ser services, ste state enterprises (et: see the handbook's codebook).
    "ad_prov_14": "Anti-dumping actions allowed and with specific provisions for material injury.",
    "cp_prov_23": "Does the agreement contain provisions that promote transparency?",
    "tbt_prov_07": "Technical Regulations - Is the use of international standards promoted?",
    "tbt_prov_33": "Does the agreement go beyond the TBT (Technical Barriers to Trade) Agreement?",
    "tf_prov_41": "Harmonization and common legal framework",
    "tf_prov_45": "Issuance of proof of origin",
    "ser_prov_47": "Does the agreement contain a standstill provision?",
    "inv_prov_22": "Does the agreement grant Fair and Equitable Treatment (FET)?",
    "et_prov_38": "Prohibits export-related performance requirements, subject to exemptions.",
    "ipr_prov_44": "Stipulates that GIs can be registered and protected through a TM system",
    "env_prov_18": "Does the agreement require states to control ozone-depleting substances?",
    "ipr_prov_15": "Incorporates/reaffirms all multilateral agreements to which both parties are a party "
    "(general obligation)",
    "moc_prov_21": "Does the transfer provision explicitly exclude \u201cgood faith and non-discriminatory "
    "application of its laws\u201d related to bankruptcy, insolvency or creditor rights protection?",
    "ste_prov_30": "Does the agreement regulate subsidization to state enterprises?",
    "lm_prov_10": "Does the agreement include reference to internationally recognized labor standards?",
    "cp_prov_26": "Does the agreement regulate consumer protection?",
}

COMTRADE_YEARS = tuple(range(1964, 2017, 4))


@memoised
def read_comtrade_penppml(file="penppml-comtrade/trade.rda") -> pd.DataFrame:
    """UN Comtrade merchandise exports as shipped with penppml (every 4 years, 1964–2016).

    Schema: ``exporter, importer, year, trade, agreement_id, agreement, rta, <16 provision dummies>``.
    ``trade`` is exporter-reported exports in US$ (316,317 rows, ~40% explicit zeros; no domestic flows);
    ``agreement_id`` 0 means no agreement in force; ``rta`` = 1{agreement_id > 0} (480 rows carry an
    agreement id with an empty name in the published file — they are RTAs);
    provision dummies (int8) are documented in :data:`PENPPML_PROVISIONS`. Pair-years absent from the file
    are *not reported* (penppml also dropped pairs whose agreement had no provision data, see its
    data-raw script) — :func:`gravity.build_panel` makes those rows explicit.
    """
    import pyreadr

    raw = next(iter(pyreadr.read_r(str(resolve(file))).values()))
    exp = _harmonise_categorical(raw["exp"], "penppml trade.rda exp")
    imp = _harmonise_categorical(raw["imp"], "penppml trade.rda imp")
    out = pd.DataFrame(
        {
            "exporter": exp,
            "importer": imp,
            "year": _categorical_ints(raw["time"]),
            "trade": raw["export"].to_numpy(dtype="float64"),
            "agreement_id": raw["id"].fillna(0).to_numpy().astype("int64"),
            "agreement": _strip_text(raw["agreement"]),
        }
    )
    out["rta"] = (out["agreement_id"] > 0).astype("int8")
    for c in PENPPML_PROVISIONS:
        out[c] = raw[c].fillna(0).to_numpy().astype("int8")
    check_unique(out, ["exporter", "importer", "year"], "penppml trade.rda")
    return out


def _categorical_ints(col: pd.Series) -> np.ndarray:
    cat = col.astype("category")
    return cat.cat.categories.astype(str).astype("int64").to_numpy()[cat.cat.codes.to_numpy()]


def _strip_text(col: pd.Series) -> np.ndarray:
    """Stripped strings ("" for missing), computed once per distinct value."""
    codes, uniq = pd.factorize(col.to_numpy(dtype=object), use_na_sentinel=True)
    clean = np.array([str(u).strip() for u in uniq] + [""], dtype=object)
    return clean[codes]  # code -1 (missing) picks the trailing ""


def _harmonise_categorical(cat: pd.Series, context: str) -> np.ndarray:
    """Map category labels once (fast path for the 316k-row Comtrade file)."""
    cat = cat.astype("category")
    cats = pd.Index(cat.cat.categories.astype(str))
    mapped = countries.to_iso3(pd.Series(cats), context=context).to_numpy()
    return mapped[cat.cat.codes.to_numpy()].astype(object)


def read_cepii_gravity(file, *, trade: str = "tradeflow_baci", years=None) -> pd.DataFrame:
    """CEPII Gravity database, release V202211 (``Gravity_V202211.csv``; Conte, Cotterlaz & Mayer 2022).

    Schema: ``exporter, importer, year, trade`` then ``dist, distw_harmonic, distcap, contig, comlang_off,
    comlang_ethno, comcol, col45, colony, fta_wto, rta_type, gatt_o, gatt_d, wto_o, wto_d, eu_o, eu_d,
    country_exists_o, country_exists_d, gdp_o, gdp_d, pop_o, pop_d``. ``trade`` is the flow column
    chosen with ``trade=`` (``tradeflow_baci``, ``tradeflow_comtrade_o`` (reported by the origin),
    ``tradeflow_comtrade_d`` (reported by the destination), ``tradeflow_imf_o/_d``, ``manuf_tradeflow_baci``;
    all published in thousands of US$, converted to US$). ``colony`` is CEPII's ``col_dep_ever``.
    The file is square over country pairs; a pair-year where either ``country_exists`` flag is 0 keeps
    ``trade`` missing. ``years`` filters while reading (the full file is ~4 GB).
    """
    keep = [
        "year",
        "iso3_o",
        "iso3_d",
        "country_exists_o",
        "country_exists_d",
        "dist",
        "distw_harmonic",
        "distcap",
        "contig",
        "comlang_off",
        "comlang_ethno",
        "comcol",
        "col45",
        "col_dep_ever",
        "fta_wto",
        "rta_type",
        "gatt_o",
        "gatt_d",
        "wto_o",
        "wto_d",
        "eu_o",
        "eu_d",
        "gdp_o",
        "gdp_d",
        "pop_o",
        "pop_d",
        trade,
    ]
    path = resolve(file)
    header = pd.read_csv(path, nrows=0).columns
    missing = [c for c in keep if c not in header]
    if missing:
        raise DataInputError(
            f"{path}: not a CEPII Gravity V202211 file, columns {missing} are missing "
            f"(trade flow options: {[c for c in header if 'tradeflow' in c]})"
        )
    chunks = []
    for chunk in pd.read_csv(path, usecols=keep, chunksize=1_000_000, low_memory=False):
        if years is not None:
            chunk = chunk[chunk["year"].isin(list(years))]
        chunks.append(chunk)
    raw = pd.concat(chunks, ignore_index=True)
    out = pd.DataFrame(
        {
            "exporter": countries.to_iso3(raw["iso3_o"], context=f"{path.name} iso3_o").to_numpy(),
            "importer": countries.to_iso3(raw["iso3_d"], context=f"{path.name} iso3_d").to_numpy(),
            "year": raw["year"].astype("int64").to_numpy(),
            "trade": pd.to_numeric(raw[trade]).to_numpy(dtype="float64") * 1000.0,
        }
    )
    rest = raw.drop(columns=["iso3_o", "iso3_d", "year", trade]).rename(columns={"col_dep_ever": "colony"})
    out = pd.concat([out, rest.reset_index(drop=True)], axis=1)
    check_unique(out, ["exporter", "importer", "year"], path.name)
    return out


def read_baci(files, country_codes, *, by_product: bool = False) -> pd.DataFrame:
    """CEPII BACI (``BACI_HS*_Y<year>_V*.csv``: ``t,i,j,k,v,q``) with its ``country_codes_V*.csv``.

    ``i``/``j`` are BACI's numeric country codes, mapped to ISO3 with the country-code file (columns
    ``country_code, country_iso3`` in V202401+, ``country_code, iso_3digit_alpha`` before). ``v`` is in
    thousands of US$ (→ ``trade`` in US$); ``q`` (tonnes, "NA" when missing) is kept only with
    ``by_product=True``. Default: flows summed over HS6 products → ``exporter, importer, year, trade``.
    BACI has no zeros (absent = no recorded flow) and no domestic flows.
    """
    files = [files] if isinstance(files, (str, bytes)) or hasattr(files, "__fspath__") else list(files)
    cc = pd.read_csv(resolve(country_codes), dtype=str, keep_default_na=False, encoding="utf-8-sig")
    iso_col = "country_iso3" if "country_iso3" in cc.columns else "iso_3digit_alpha"
    if "country_code" not in cc.columns or iso_col not in cc.columns:
        raise DataInputError(
            f"{country_codes}: expected columns country_code and country_iso3 "
            f"(or iso_3digit_alpha), found {list(cc.columns)}"
        )
    code_map = dict(zip(cc["country_code"].astype(int), cc[iso_col].str.strip()))
    frames = []
    for f in files:
        raw = pd.read_csv(resolve(f), dtype={"k": str}, na_values=["NA"], skipinitialspace=True)
        if list(raw.columns[:6]) != ["t", "i", "j", "k", "v", "q"]:
            raise DataInputError(f"{f}: expected BACI columns t,i,j,k,v,q, found {list(raw.columns)}")
        unknown = sorted(set(raw["i"]).union(raw["j"]) - set(code_map))
        if unknown:
            raise countries.UnknownCountryError([str(u) for u in unknown], f"{f} (BACI numeric codes)")
        frames.append(raw)
    raw = pd.concat(frames, ignore_index=True)
    iso = {k: v for k, v in code_map.items()}
    exp = countries.to_iso3(raw["i"].map(iso), context="BACI exporters").to_numpy()
    imp = countries.to_iso3(raw["j"].map(iso), context="BACI importers").to_numpy()
    out = pd.DataFrame(
        {
            "exporter": exp,
            "importer": imp,
            "year": raw["t"].astype("int64"),
            "trade": raw["v"].astype("float64") * 1000.0,
        }
    )
    if by_product:
        out["product"] = raw["k"].str.zfill(6)
        out["quantity_t"] = raw["q"].astype("float64")
        check_unique(out, ["exporter", "importer", "year", "product"], "BACI")
        return out
    return out.groupby(["exporter", "importer", "year"], as_index=False, sort=True)["trade"].sum(min_count=1)


ITPDE_READ_COLUMNS = [
    "exporter_iso3",
    "importer_iso3",
    "year",
    "industry_id",
    "broad_sector",
    "trade",
    "flag_mirror",
    "flag_zero",
]
"""The columns of the published ITPD-E file that the readers use (read by name; the others are ignored)."""


def check_itpde_header(path, header) -> None:
    """Raise DataInputError naming the :data:`ITPDE_READ_COLUMNS` missing from ``header`` (the file's columns)."""
    missing = [c for c in ITPDE_READ_COLUMNS if c not in header]
    if missing:
        raise DataInputError(f"{path}: not an ITPD-E file, columns {missing} are missing")


def read_itpde(file, *, by_industry: bool = False, sectors=None) -> pd.DataFrame:
    """USITC ITPD-E (release R02: ``ITPD_E_R02.csv``; Borchert, Larch, Shikher & Yotov 2021).

    Published columns: ``exporter_iso3, exporter_dynamic_code, exporter_name, importer_iso3,
    importer_dynamic_code, importer_name, industry_id, industry_descr, broad_sector, year, trade,
    flag_mirror, flag_zero`` (read by name; order irrelevant). ``trade`` is in millions of US$ in ITPD-E
    (→ US$). ITPD-E **includes domestic flows** (exporter == importer, from production data) — the one
    source here that does. Default: summed over industries (``sectors=`` filters ``broad_sector`` first);
    ``by_industry=True`` keeps ``industry_id, broad_sector, flag_mirror, flag_zero``.
    """
    path = resolve(file)
    check_itpde_header(path, pd.read_csv(path, nrows=0).columns)
    raw = pd.read_csv(path, usecols=ITPDE_READ_COLUMNS, dtype={"flag_mirror": str, "flag_zero": str})
    if sectors is not None:
        raw = raw[raw["broad_sector"].isin(list(sectors))]
    out = pd.DataFrame(
        {
            "exporter": countries.to_iso3(raw["exporter_iso3"], context="ITPD-E exporter_iso3").to_numpy(),
            "importer": countries.to_iso3(raw["importer_iso3"], context="ITPD-E importer_iso3").to_numpy(),
            "year": raw["year"].astype("int64").to_numpy(),
            "trade": raw["trade"].astype("float64").to_numpy() * 1e6,
        }
    )
    if by_industry:
        for c in ("industry_id", "broad_sector", "flag_mirror", "flag_zero"):
            out[c] = raw[c].to_numpy()
        check_unique(out, ["exporter", "importer", "year", "industry_id"], path.name)
        return out
    return out.groupby(["exporter", "importer", "year"], as_index=False, sort=True)["trade"].sum(min_count=1)


def read_yotov(file="yotov2016/agtpa_applications.rda", *, harmonise: bool = False) -> pd.DataFrame:
    """Yotov et al. (2016) applications panel (69 countries, 1986–2006, with domestic flows).

    Schema: ``exporter, importer, year, trade`` + the file's own covariates (``dist, cntg, lang, clny,
    rta, rta_lag*, …``). The book's country codes are kept as published (e.g. ``ROM`` for Romania, to match
    its printed results) unless ``harmonise=True`` (ISO3, needed by :func:`gravity.build_panel`).
    """
    p = resolve(file)
    if p.suffix == ".rda":
        import pyreadr

        raw = next(iter(pyreadr.read_r(str(p)).values()))
    else:
        raw = pd.read_stata(p)
    raw = raw.copy()
    for c in ("exporter", "importer"):
        raw[c] = raw[c].astype(str)
    if harmonise:
        for c in ("exporter", "importer"):
            raw[c] = countries.to_iso3(raw[c], context=f"{p.name} {c}").to_numpy()
    raw["year"] = raw["year"].astype("int64")
    raw["trade"] = raw["trade"].astype("float64")
    return raw[TRADE_COLUMNS + [c for c in raw.columns if c not in TRADE_COLUMNS]]


def read_ppmlhdfe_example(file="example_trade_fta.dta", category: str | None = "TOTAL") -> pd.DataFrame:
    """ppmlhdfe's example panel (``EXAMPLE_TRADE_FTA_DATA.dta``): 35 countries, 1988–2004 every 4 years,
    three categories (MANUF, NONMANUF, TOTAL; 5,950 rows each). Schema: ``exporter, importer, year, trade,
    category, fta, ln_distw, contig, colony, comlang_off, comleg``. ``category`` selects one (default TOTAL,
    so that (exporter, importer, year) is a key); ``None`` keeps all three. No domestic flows."""
    raw = pd.read_stata(resolve(file))
    if category is not None:
        if category not in set(raw["category"]):
            raise DataInputError(f"category={category!r}; the file has {sorted(set(raw['category']))}")
        raw = raw[raw["category"] == category]
    out = pd.DataFrame(
        {
            "exporter": raw["isoexp"].astype(str).to_numpy(),
            "importer": raw["isoimp"].astype(str).to_numpy(),
            "year": raw["year"].astype("int64").to_numpy(),
            "trade": raw["trade"].astype("float64").to_numpy(),
            "category": raw["category"].astype(str).to_numpy(),
        }
    )
    for c in ("fta", "ln_distw", "contig", "colony", "comlang_off", "comleg"):
        out[c] = raw[c].astype("float64").to_numpy()
    return out.reset_index(drop=True)


ITPDE_AGGREGATED_YEARS = tuple(range(2000, 2017))


@functools.cache
def cpi_u() -> pd.DataFrame:
    """US CPI-U (1982–84 = 100) by year: ``year, cpi_u_annual, cpi_u_monthly_mean`` (bundled fact, cpi_u.md).

    References
    ----------
    U.S. Bureau of Labor Statistics, Consumer Price Index for All Urban Consumers, series CUUR0000SA0.
    """
    with (countries.FACTS / "cpi_u.csv").open(encoding="utf-8") as fh:
        return pd.read_csv(fh, dtype={"year": "int64", "cpi_u_annual": "float64", "cpi_u_monthly_mean": "float64"})


@memoised
def read_itpde_aggregated(
    file="itpd-e-aggregated/itpd_aggregated.rds", countries_file="itpd-e-aggregated/country_list.RData"
) -> pd.DataFrame:
    """USITC ITPD-E release 1 summed over its 170 industries, 2000–2016, with domestic flows.

    The file is an R list of 17 matrices (one a year, 2000–2016), 257 × 257, rows exporters, columns
    importers, in the order of ``country_list$iso3``, in constant 2010 US$: the aggregation script divided
    current dollars by the US CPI-U rebased to 2010 = 1. Returned in current US$,

    .. math:: X_{ij,t} = X^{2010}_{ij,t}\\, \\mathrm{CPI}_t / \\mathrm{CPI}_{2010},

    with :math:`\\mathrm{CPI}_t` the mean of the twelve monthly CPI-U values of year t, as the script used
    (bundled fact ``cpi_u.csv``).

    Parameters
    ----------
    file : str or path, default ``"itpd-e-aggregated/itpd_aggregated.rds"``
        Registry key or path of the list of matrices.
    countries_file : str or path, default ``"itpd-e-aggregated/country_list.RData"``
        Registry key or path of ``country_list`` (row and column order of the matrices).

    Returns
    -------
    pandas.DataFrame
        ``exporter, importer, year, trade, trade_const2010, domestic``: one row per exporter × importer × year
        over 196 countries (196² × 17 = 653,072 rows, sorted by year, exporter, importer); ``trade`` in current
        US$, ``trade_const2010`` as stored, ``domestic`` = exporter == importer (the diagonal: production minus
        exports, as ITPD-E builds it). Rows of ``country_list`` with iso3 "0" (non-state actors, unknown
        countries, unrecognised polities) and polities with no flow in any year (historical states such as SOV,
        YUG, CZS, and codes the aggregation did not match: ARU, MON, TMP, KOS, NCP) are dropped and logged.

    Notes
    -----
    Zeros are zeros: ITPD-E reports zero flows, and exporters that do not report are built from partner
    reports (TJK, UZB and TKM export every year). What the file cannot tell: UZB's domestic flow is 0 in every
    year (no production data: a missing value, not a zero); domestic coverage of services changes over time
    for some countries, e.g. KAZ's domestic flow jumps from about 14 bn (2008) to 69 bn (2010) constant
    2010 US$ — a break in coverage, not in the economy. Industry detail, ``flag_mirror`` and ``flag_zero``
    of ITPD-E are lost in the aggregate (use :func:`read_itpde` on the full file for them).

    References
    ----------
    Borchert, I., Larch, M., Shikher, S. & Yotov, Y. V. (2021). The International Trade and Production Database
    for Estimation (ITPD-E). *Economics Letters* 202, 109866.
    """
    mats = read_r(resolve(file), rds=True)
    cl = read_r(resolve(countries_file), rds=False)["country_list"]
    n = len(cl)
    if len(mats) != len(ITPDE_AGGREGATED_YEARS) or any(np.shape(m) != (n, n) for m in mats):
        raise DataInputError(
            f"{file}: expected {len(ITPDE_AGGREGATED_YEARS)} matrices {n} × {n} (2000–2016, "
            f"country_list order), found {len(mats)} of shapes {sorted({np.shape(m) for m in mats})}"
        )
    names = np.asarray(mats[0].coords[mats[0].dims[0]].values).astype(str)
    if not (names == cl["V1"].astype(str).to_numpy()).all():
        raise DataInputError(f"{file}: matrix row names do not follow {countries_file} (country_list$V1)")
    values = np.stack([np.asarray(m.values, dtype="float64") for m in mats])  # year × exporter × importer
    iso = cl["iso3"].astype(str).to_numpy()
    total = values.sum()
    non_state = iso == "0"
    absent = (values.sum(axis=(0, 2)) == 0) & (values.sum(axis=(0, 1)) == 0) & ~non_state
    drop = non_state | absent
    removed = total - values[:, ~drop][:, :, ~drop].sum()
    log.info(
        "ITPD-E aggregate: dropped %d rows with iso3 '0' (%s) and %d polities without any flow (%s); "
        "they carry %.3g US$ (constant 2010) of %.3g in total",
        int(non_state.sum()),
        ", ".join(cl.loc[non_state, "V1"].astype(str)),
        int(absent.sum()),
        ", ".join(iso[absent]),
        removed,
        total,
    )
    keep = ~drop
    codes = countries.to_iso3(pd.Series(iso[keep]), context=f"{countries_file} iso3").to_numpy()
    order = np.argsort(codes, kind="stable")
    codes = codes[order]
    idx = np.flatnonzero(keep)[order]
    values = values[:, idx][:, :, idx]
    k, t = len(codes), len(ITPDE_AGGREGATED_YEARS)
    cpi = cpi_u().set_index("year")["cpi_u_monthly_mean"]
    factor = (cpi.reindex(ITPDE_AGGREGATED_YEARS) / cpi[2010]).to_numpy()
    const = values.reshape(-1)
    out = pd.DataFrame(
        {
            "exporter": np.tile(np.repeat(codes, k), t).astype(object),
            "importer": np.tile(codes, k * t).astype(object),
            "year": np.repeat(np.asarray(ITPDE_AGGREGATED_YEARS, dtype="int64"), k * k),
            "trade": const * np.repeat(factor, k * k),
            "trade_const2010": const,
        }
    )
    out["domestic"] = (out["exporter"] == out["importer"]).to_numpy()
    check_unique(out, ["exporter", "importer", "year"], "ITPD-E aggregate")
    return out


@memoised
def read_cow_trade(file="cow-trade/cow_trade_ndy.rda") -> pd.DataFrame:
    """Correlates of War Dyadic Trade v4.0 (1870–2014) as directed, importer-reported flows.

    The file has one row per non-directed dyad-year: ``ccode1 < ccode2`` (COW state codes), ``flow1`` =
    imports of ccode1 from ccode2, ``flow2`` = imports of ccode2 from ccode1, in current million US$
    (rounded to whole millions; −9 or NA = missing). Each dyad-year becomes two directed rows,

    .. math:: X_{ij,t} = \\text{imports of } j \\text{ from } i \\text{ as reported by } j,

    so a pair's two directions are two independent reports: the cross-check of mirror flows.

    Parameters
    ----------
    file : str or path, default ``"cow-trade/cow_trade_ndy.rda"``
        Registry key or path.

    Returns
    -------
    pandas.DataFrame
        ``exporter, importer, year, trade, reporter``: ISO3 codes through :func:`gravity.data.countries.
        cow_to_iso3` (701 TKM, 702 TJK, 703 KGZ, 704 UZB, 705 KAZ), ``trade`` in US$ (× 10⁶; NaN where
        missing, never 0 for missing), ``reporter`` = ``"importer"``. Dyads with a historical state without
        ISO3 (Soviet Union, GDR, Czechoslovakia, Yugoslavia, …) are dropped and logged.

    References
    ----------
    Barbieri, K. & Keshk, O. M. G. (2016). Correlates of War Project Trade Data Set Codebook, Version 4.0.
    Barbieri, K., Keshk, O. M. G. & Pollins, B. (2009). Trading Data: Evaluating our Assumptions and Coding
    Rules. *Conflict Management and Peace Science* 26(5), 471–491.
    """
    import pyreadr

    p = resolve(file)
    raw = next(iter(pyreadr.read_r(str(p)).values()))
    need = ["ccode1", "ccode2", "year", "flow1", "flow2"]
    missing = [c for c in need if c not in raw.columns]
    if missing:
        raise DataInputError(f"{p}: not a COW dyadic trade file, columns {missing} are missing")
    year = raw["year"].to_numpy(dtype="int64")
    c1 = countries.cow_to_iso3(raw["ccode1"].to_numpy(dtype="int64"), year)
    c2 = countries.cow_to_iso3(raw["ccode2"].to_numpy(dtype="int64"), year)
    f1 = raw["flow1"].to_numpy(dtype="float64")
    f2 = raw["flow2"].to_numpy(dtype="float64")
    f1 = np.where(np.isnan(f1) | (np.nan_to_num(f1) < 0), np.nan, f1)  # R's NA, and −9 in COW's own files
    f2 = np.where(np.isnan(f2) | (np.nan_to_num(f2) < 0), np.nan, f2)
    ok = (c1 != "") & (c2 != "")
    if not ok.all():
        hist = sorted(
            {
                f"{int(c)}"
                for c in np.concatenate([raw["ccode1"].to_numpy()[c1 == ""], raw["ccode2"].to_numpy()[c2 == ""]])
            }
        )
        log.info(
            "COW trade: dropped %d of %d dyad-years with a historical state without ISO3 (COW codes %s); "
            "they carry %.4g million US$ of reported imports",
            int((~ok).sum()),
            len(ok),
            ", ".join(hist),
            float(np.nansum(f1[~ok]) + np.nansum(f2[~ok])),
        )
    n = int(ok.sum())
    out = pd.DataFrame(
        {
            "exporter": np.concatenate([c2[ok], c1[ok]]).astype(object),
            "importer": np.concatenate([c1[ok], c2[ok]]).astype(object),
            "year": np.concatenate([year[ok], year[ok]]),
            "trade": np.concatenate([f1[ok], f2[ok]]) * 1e6,
            "reporter": np.full(2 * n, "importer", dtype=object),
        }
    )
    check_unique(out, ["exporter", "importer", "year"], "COW dyadic trade")
    return out.sort_values(["year", "exporter", "importer"], ignore_index=True)
