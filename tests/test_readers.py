"""Readers: schemas, row counts and known values on the real files; published layouts on fixtures."""
from pathlib import Path

import warnings

import numpy as np
import pandas as pd
import pytest

from gravity import data as ds
from gravity.data.readers import INDICATOR_COLUMNS, TRADE_COLUMNS
from tests.conftest import require_data

FIX = Path(__file__).parent / "fixtures"


def _one(df, **kw):
    m = np.ones(len(df), bool)
    for k, v in kw.items():
        m &= (df[k] == v).to_numpy()
    assert m.sum() == 1, kw
    return df.loc[m].iloc[0]


# ----------------------------------------------------------------------------- real files

def test_comtrade_penppml_schema_counts_and_gaps():
    require_data("penppml-comtrade/trade.rda")
    t = ds.read_comtrade_penppml()
    assert list(t.columns[:4]) == TRADE_COLUMNS
    assert len(t) == 316_317 and t["exporter"].nunique() == 210 and t["importer"].nunique() == 262
    assert sorted(t["year"].unique()) == list(ds.COMTRADE_YEARS)
    assert abs((t["trade"] == 0).mean() - 0.3955) < 1e-3
    assert not (t["exporter"] == t["importer"]).any()            # no domestic flows
    # legacy codes harmonised
    assert {"ROU", "COD", "TLS", "MNE"} <= set(t["importer"]) and not {"ROM", "ZAR", "TMP"} & set(t["importer"])
    # the documented Central Asian gap: UZB never an exporter, TJK/TKM only in 2000
    assert "UZB" not in set(t["exporter"]) and "UZB" in set(t["importer"])
    assert set(t.loc[t["exporter"].isin(["TJK", "TKM"]), "year"]) == {2000}
    assert set(ds.PENPPML_PROVISIONS) <= set(t.columns)
    assert t["rta"].sum() == (t["agreement_id"] > 0).sum() > 0
    assert (t.loc[t["agreement"] != "", "rta"] == 1).all()
    assert ((t["agreement"] == "") & (t["rta"] == 1)).sum() == 480   # agreement id without a name in the file


def test_geodist_pairs_text_distw_and_kaz_kgz():
    require_data("cepii-geodist/dist_cepii.rda", "cepii-geodist/geo_cepii.rda")
    g = ds.read_geodist()
    assert list(g.columns) == ds.PAIR_COLUMNS and len(g) == 224 * 224
    assert g["distw"].dtype == np.float64 and g["distw"].isna().sum() == 2215
    kk = _one(g, exporter="KAZ", importer="KGZ")
    assert kk["contig"] == 1 and kk["comlang_off"] == 1
    assert kk["distw"] == pytest.approx(884.7125, abs=1e-3)     # published as the text "884.71249999999998"
    assert _one(g, exporter="KGZ", importer="KAZ")["dist"] == kk["dist"]
    assert {"ROU", "COD", "TLS", "PSE"} <= set(g["exporter"])
    geo = ds.read_geo_cepii()
    assert geo["iso3"].is_unique and len(geo) == 225


def test_wdi_internet_tjk_2022():
    require_data("wdi-internet/API_IT.NET.USER.ZS_DS2_en_csv_v2_2160.csv")
    w = ds.load_indicators(["internet"])
    assert list(w.columns) == INDICATOR_COLUMNS
    assert round(_one(w, iso3="TJK", year=2022)["value"], 1) == 36.1
    assert "WLD" not in set(w["iso3"]) and "AFE" not in set(w["iso3"])          # aggregates dropped
    assert w.loc[w["iso3"] == "TKM", "year"].max() == 2017   # PROVENANCE says 2015; this copy has 2016-2017
    assert w.loc[w["iso3"] == "AFG", "year"].max() == 2020


def test_wdi_bulk_with_metadata_lines_real_file():
    require_data("wdi-api-dec2025/API_NY.GDP.MKTP.CD_DS2_en_csv_v2_2463.csv")
    g = ds.load_indicators(["gdp_dec2025"])
    assert "2025-12-04" in g["source"].iloc[0]
    assert g.loc[g["iso3"] == "KAZ", "year"].max() == 2024


def test_wdi_datahub_and_vintages_differ():
    require_data("wdi-datahub-2026/ny.gdp.mktp.cd/data.csv",
                 "wdi-api-dec2025/API_NY.GDP.MKTP.CD_DS2_en_csv_v2_2463.csv")
    hub = ds.load_indicators(["gdp"])
    dec = ds.load_indicators(["gdp_dec2025"])
    new, old = _one(hub, iso3="TKM", year=2022)["value"], _one(dec, iso3="TKM", year=2022)["value"]
    assert new == pytest.approx(37.6e9, rel=0.01) and old == pytest.approx(59.0e9, rel=0.01)
    eco = ["TJK", "KAZ", "UZB", "KGZ", "TKM", "AFG", "IRN", "PAK", "TUR", "AZE"]
    for name in ("gdp", "population", "merch_exports", "industry_pct_gdp", "fixed_broadband_wdi"):
        assert set(eco) <= set(ds.load_indicators([name])["iso3"]), name


def test_itu_series_flags_and_tjk_absent_from_bandwidth():
    require_data("itu-datahub/lit_equipped_international_bandwidth_capacity.csv",
                 "itu-datahub/fixed_broadband_subscriptions.csv",
                 "itu-datahub/active_mobile_broadband_subscriptions.csv")
    bw = ds.load_indicators(["bandwidth"])
    assert "TJK" not in set(bw["iso3"])
    assert bw["iso3"].nunique() == 164            # 165 economies in the export, ASC (Ascension) is not a country
    assert _one(bw, iso3="AFG", year=2013)["value"] == 19100
    fb = ds.load_indicators(["fixed_broadband"])
    assert _one(fb, iso3="KAZ", year=2024)["value"] == pytest.approx(15.3162)
    subs = ds.load_indicators(["mobile_broadband_subs"])
    assert (subs["flag"] == "estimate").sum() > 0                                  # ITU's own estimates flagged
    assert set(subs.loc[subs["flag"] != "", "flag"]) == {"estimate"}


def test_itu_non_numeric_value_is_flagged_not_dropped(tmp_path):
    src = ds.path("itu-datahub/lit_equipped_international_bandwidth_capacity.csv")
    lines = src.read_text(encoding="utf-8-sig").splitlines()[:3]
    lines[2] = lines[2].replace('"38600"', '"n/a"')
    f = tmp_path / "itu.csv"
    f.write_text("\n".join(lines) + "\n", encoding="utf-8-sig")
    out = ds.read_itu("i4214l", file=f)
    bad = out[out["flag"].str.startswith("non-numeric")]
    assert len(out) == 2 and len(bad) == 1 and np.isnan(bad["value"].iloc[0]) and "n/a" in bad["flag"].iloc[0]


def test_egdi_all_years_names_mapped():
    require_data("egdi/egdi-2010.csv", "egdi/EGOV_DATA_2022.csv", "egdi/EGOV_DATA_2024_modified.csv")
    e = ds.load_indicators(["egdi"])
    assert sorted(e["year"].unique()) == [2010, 2012, 2014, 2016, 2018, 2022, 2024]
    assert e.groupby("year").size().min() >= 190
    assert _one(e, iso3="IRL", year=2010)["value"] == pytest.approx(0.68655)
    assert _one(e, iso3="IRL", year=2022)["value"] == pytest.approx(0.8567)    # "Ireland " (trailing space)
    assert _one(e, iso3="IRL", year=2024)["value"] == pytest.approx(0.91377)
    for c in ["TJK", "KGZ", "TUR", "IRN"]:
        assert set(e.loc[e["iso3"] == c, "year"]) == {2010, 2012, 2014, 2016, 2018, 2022, 2024}, c


def test_lpi_components_names_mapped():
    require_data("lpi/Cleaned_Logistics_Dataset.csv")
    lpi = ds.load_indicators(["lpi", "lpi_customs", "lpi_tracking"])
    one = _one(lpi, iso3="SGP", year=2023, indicator="lpi")
    assert one["value"] == 4.3 and _one(lpi, iso3="SGP", year=2023, indicator="lpi_tracking")["value"] == 4.4
    assert sorted(lpi["year"].unique()) == [2010, 2012, 2014, 2016, 2018, 2023]
    assert len(lpi[lpi["indicator"] == "lpi"]) == 929


def test_owid_and_manufacturing():
    require_data("owid-gdp-constant/gdp-worldbank-constant-usd.csv",
                 "wdi-manf-2023/API_NV.IND.MANF.CD_DS2_en_csv_v2_5363423.csv")
    o = ds.load_indicators(["gdp_const2015"])
    assert _one(o, iso3="AFG", year=2000)["value"] == 6206547590
    assert not o["iso3"].str.startswith("OWID").any()
    m = ds.load_indicators(["manufacturing_va"])
    tkm = m.loc[m["iso3"] == "TKM", "year"]
    assert (tkm.min(), tkm.max()) == (1993, 2004) and m.loc[m["iso3"] == "UZB", "year"].min() == 2010


def test_yotov_reader_has_domestic_flows():
    require_data("yotov2016/agtpa_applications.rda")
    y = ds.read_yotov()
    assert len(y) == 99_981 and (y["exporter"] == y["importer"]).sum() == 69 * 21


def test_catalogue_lists_every_indicator():
    cat = ds.indicator_catalogue()
    assert cat["indicator"].is_unique and {"internet", "bandwidth", "egdi", "lpi"} <= set(cat["indicator"])
    with pytest.raises(ValueError, match="unknown indicator"):
        ds.load_indicators(["internet_speed"])


# ----------------------------------------------------------------------------- fixtures (published layouts)

def test_cepii_gravity_v202211_fixture():
    g = ds.read_cepii_gravity(FIX / "Gravity_V202211.csv")
    assert list(g.columns[:4]) == TRADE_COLUMNS and len(g) == 12
    r = _one(g, exporter="KAZ", importer="KGZ", year=2015)
    assert r["trade"] == 117_500.0 and r["contig"] == 1 and r["dist"] == 195.0   # thousands US$ → US$
    assert np.isnan(_one(g, exporter="TJK", importer="KAZ", year=2016)["trade"])  # empty cell stays missing
    o = ds.read_cepii_gravity(FIX / "Gravity_V202211.csv", trade="tradeflow_comtrade_o", years=[2016])
    assert len(o) == 6 and _one(o, exporter="KAZ", importer="KGZ")["trade"] == (117.5 + 6 * 17.5 + 1) * 1000
    with pytest.raises(ValueError, match="not a CEPII Gravity"):
        ds.read_cepii_gravity(FIX / "ITPD_E_R02.csv")


def test_baci_fixture_sums_products_and_maps_codes():
    b = ds.read_baci(FIX / "BACI_HS17_Y2021_V202401.csv", FIX / "country_codes_V202401.csv")
    assert _one(b, exporter="KAZ", importer="KGZ")["trade"] == 20_000.0           # (12.5 + 7.5) thousand
    p = ds.read_baci(FIX / "BACI_HS17_Y2021_V202401.csv", FIX / "country_codes_V202401.csv", by_product=True)
    assert set(p["product"]) >= {"010121", "010229"} and p["quantity_t"].isna().sum() == 1  # "   NA"


def test_baci_unknown_numeric_code_named(tmp_path):
    f = tmp_path / "BACI.csv"
    f.write_text("t,i,j,k,v,q\n2021,398,999,010121,1.0,1.0\n")
    with pytest.raises(ValueError, match="999"):
        ds.read_baci(f, FIX / "country_codes_V202401.csv")


def test_itpde_fixture_domestic_and_units():
    t = ds.read_itpde(FIX / "ITPD_E_R02.csv")
    assert _one(t, exporter="KAZ", importer="KAZ")["trade"] == pytest.approx(330.5e6)   # millions → US$
    assert (t["exporter"] == t["importer"]).sum() == 2
    ind = ds.read_itpde(FIX / "ITPD_E_R02.csv", by_industry=True, sectors=["Manufacturing"])
    assert len(ind) == 2 and set(ind["flag_zero"]) == {"p", "u"}


def test_wdi_bulk_fixture_layout():
    w = ds.read_wdi_csv(FIX / "API_IT.NET.USER.ZS_DS2_en_csv_v2_fixture.csv", "internet")
    assert set(w["iso3"]) == {"KGZ", "TJK"} and len(w) == 6
    assert _one(w, iso3="TJK", year=2022)["value"] == 36.1 and "2025-12-04" in w["source"].iloc[0]


def test_wdi_api_mocked(monkeypatch):
    wb = pytest.importorskip("wbgapi")
    calls = {}

    def fake_fetch(series, economy="all", time="all", **kw):
        calls.update(series=series, economy=economy, time=time, **kw)
        yield {"value": 36.1, "series": series, "economy": "TJK", "aggregate": False, "time": 2022}
        yield {"value": None, "series": series, "economy": "TKM", "aggregate": False, "time": 2022}
        yield {"value": 79.8, "series": series, "economy": "KGZ", "aggregate": False, "time": "YR2022"}

    monkeypatch.setattr(wb.data, "fetch", fake_fetch)
    out = ds.read_wdi_api("IT.NET.USER.ZS", ["TJK", "TKM", "KGZ"], years=[2022], name="internet")
    assert calls["skipAggs"] is True and calls["time"] == [2022]
    assert list(out.columns) == INDICATOR_COLUMNS and len(out) == 2
    assert _one(out, iso3="KGZ")["year"] == 2022 and _one(out, iso3="TJK")["value"] == 36.1


@pytest.mark.parametrize("name, rows, countries", [
    ("internet", 6711, None), ("bandwidth", 1305, 164), ("fixed_broadband", 4416, None),
    ("mobile_broadband", 3150, None), ("egdi", 1350, None), ("lpi", 929, None), ("gdp", 11762, None),
    ("population", 14292, None), ("merch_exports", 11918, None), ("industry_pct_gdp", 9055, None),
    ("manufacturing_va", 7580, None), ("gdp_const2015", 11307, None)])
def test_indicator_row_counts(name, rows, countries):
    """Rows = published non-empty country cells (aggregates dropped); pins the readers against silent loss."""
    require_data("lpi/Cleaned_Logistics_Dataset.csv", "wdi-datahub-2026/sp.pop.totl/data.csv")
    out = ds.load_indicators([name])
    assert len(out) == rows and not out.duplicated(["iso3", "year"]).any() and out["value"].notna().all()
    if countries:
        assert out["iso3"].nunique() == countries


# ----------------------------------------------------------------------------- ITPD-E aggregate and COW trade

def _itpde_raw():
    """The stored matrices and their row/column names, read with rdata directly (no gravity code)."""
    import rdata

    paths = require_data("itpd-e-aggregated/itpd_aggregated.rds", "itpd-e-aggregated/country_list.RData")
    with warnings.catch_warnings():  # rdata: no constructor for R class "data.table" (read as data.frame)
        warnings.simplefilter("ignore", UserWarning)
        mats = rdata.read_rds(paths[0])
        cl = rdata.read_rda(paths[1])["country_list"]
    return mats, list(cl["V1"].astype(str)), list(cl["iso3"].astype(str))


def test_itpde_aggregated_values_cpi_and_domestic_flows():
    mats, names, _ = _itpde_raw()
    t = ds.read_itpde_aggregated()
    assert list(t.columns) == TRADE_COLUMNS + ["trade_const2010", "domestic"]
    n = t["exporter"].nunique()
    assert n == t["importer"].nunique() == 196 and len(t) == n * n * 17
    assert sorted(t["year"].unique()) == list(range(2000, 2017))
    assert not t.duplicated(["exporter", "importer", "year"]).any()
    assert (t["domestic"] == (t["exporter"] == t["importer"])).all()
    # cells read off the file by country *name*, converted with CPI-U annual averages (BLS, 1982-84 = 100)
    tjk, rus, kaz = names.index("Tajikistan"), names.index("Russia"), names.index("Kazakhstan")
    cell = float(mats[16].values[tjk, rus])                   # 2016 = 17th matrix
    row = _one(t, exporter="TJK", importer="RUS", year=2016)
    assert row["trade_const2010"] == cell > 1e8
    assert row["trade"] == pytest.approx(cell * 240.007 / 218.056, rel=1e-12)
    # before 2007 the script's deflator is the unrounded mean of the monthly index (2001: 177.0667, not 177.1)
    monthly_2001 = [175.1, 175.8, 176.2, 176.9, 177.7, 178.0, 177.5, 177.5, 178.3, 177.7, 177.4, 176.7]
    row = _one(t, exporter="KAZ", importer="TJK", year=2001)
    assert row["trade_const2010"] == float(mats[1].values[kaz, tjk]) > 0
    assert row["trade"] == pytest.approx(row["trade_const2010"] * np.mean(monthly_2001) / 218.056, rel=1e-6)
    # only empty rows are dropped: the kept frame holds all of the file's trade
    assert t["trade_const2010"].sum() == pytest.approx(sum(float(m.values.sum()) for m in mats), rel=1e-12)
    # what the file cannot tell: UZB's domestic flow is 0 in every year; KAZ's domestic coverage jumps
    dom = t[t["domestic"]].set_index(["exporter", "year"])["trade_const2010"]
    assert (dom.loc["UZB"] == 0).all() and (dom.loc["TJK"] > 0).all()
    assert dom.loc[("KAZ", 2010)] / dom.loc[("KAZ", 2008)] > 4
    # Central Asia exports every year (mirror data), to 66-99 destinations
    dest = t[(t["exporter"] != t["importer"]) & (t["trade"] > 0)].groupby(["exporter", "year"]).size()
    for c in ("TJK", "UZB", "TKM"):
        assert dest.loc[c].between(66, 99).all() and len(dest.loc[c]) == 17, c


def test_cow_trade_directed_importer_reports():
    import pyreadr

    (path,) = require_data("cow-trade/cow_trade_ndy.rda")
    raw = next(iter(pyreadr.read_r(str(path)).values()))
    t = ds.read_cow_trade()
    assert list(t.columns) == TRADE_COLUMNS + ["reporter"] and (t["reporter"] == "importer").all()
    assert not t.duplicated(["exporter", "importer", "year"]).any()
    # TJK 702 - KAZ 705 in 2010: flow1 = imports of 702 from 705 (as TJK reports), flow2 = the reverse
    d = raw[(raw.ccode1 == 702) & (raw.ccode2 == 705) & (raw.year == 2010)].iloc[0]
    assert _one(t, exporter="KAZ", importer="TJK", year=2010)["trade"] == d["flow1"] * 1e6 > 0
    assert _one(t, exporter="TJK", importer="KAZ", year=2010)["trade"] == d["flow2"] * 1e6
    # historical states without ISO3, written out from the COW state list (cow_codes.md)
    def historical(code, year):
        return (code.isin([265, 300, 315, 678, 680, 730, 817]) | ((code == 365) & year.between(1917, 1991))
                | ((code == 345) & (year < 2006)) | ((code == 816) & (year < 1976))
                | ((code == 260) & (year >= 1990)) | ((code == 679) & (year < 1990)))

    kept = ~historical(raw.ccode1, raw.year) & ~historical(raw.ccode2, raw.year)
    assert len(t) == 2 * int(kept.sum())
    # the five Central Asian codes map to their ISO3 codes, from independence
    for code, iso in [(701, "TKM"), (702, "TJK"), (703, "KGZ"), (704, "UZB"), (705, "KAZ")]:
        n_raw = int((((raw.ccode1 == code) | (raw.ccode2 == code)) & kept).sum())
        assert (t["importer"] == iso).sum() == n_raw and t.loc[t["importer"] == iso, "year"].min() == 1992
    # missing stays missing (NaN), never 0: one NaN per missing report of a kept dyad
    assert t["trade"].isna().sum() == int(raw.loc[kept, "flow1"].isna().sum() + raw.loc[kept, "flow2"].isna().sum())
    assert (t["trade"].dropna() >= 0).all() and t["trade"].dropna().mod(1e6).eq(0).all()   # whole millions
