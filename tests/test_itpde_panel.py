"""ITPD-E panel with domestic flows and per-cell flags, and the ITPD-E / UN Comtrade / COW cross-check.

Numbers are checked against the sources read directly (an independent route through pandas merges) and
against invariants (squareness, lag = earlier value, flags ⇔ NaN)."""
import numpy as np
import pandas as pd
import pytest

from tests.conftest import require_data

KEYS = ("itpd-e-aggregated/itpd_aggregated.rds", "itpd-e-aggregated/country_list.RData",
        "penppml-comtrade/trade.rda", "cepii-geodist/dist_cepii.rda")
YEARS = tuple(range(2010, 2017))
SMALL = ("TJK", "KAZ", "UZB", "KGZ", "TKM", "AFG", "IRN", "PAK", "TUR", "AZE", "RUS", "CHN", "USA", "DEU")


@pytest.fixture(scope="module")
def panel():
    require_data(*KEYS)
    from gravity.panel.itpde import itpde_panel
    return itpde_panel(YEARS)


@pytest.fixture(scope="module")
def wave_panel():
    require_data(*KEYS)
    from gravity.panel.itpde import itpde_panel
    return itpde_panel((2008, 2012, 2016), indicators=(), countries=SMALL, lagged=("rta", "tf_prov_41"))


@pytest.fixture(scope="module")
def raw():
    require_data(*KEYS)
    from gravity import data as datasets
    return datasets.read_itpde_aggregated()


def _cell(p, e, i, y, col="trade"):
    m = (p["exporter"] == e) & (p["importer"] == i) & (p["year"] == y)
    assert m.sum() == 1, (e, i, y)
    return p.loc[m, col].iloc[0]


def test_square_with_domestic_pairs_and_logged_drops(panel):
    codes = panel.attrs["countries"]
    n, t = len(codes), len(YEARS)
    assert len(panel) == n * n * t
    assert not panel.duplicated(["exporter", "importer", "year"]).any()
    assert int((panel["exporter"] == panel["importer"]).sum()) == n * t
    # countries without GeoDist covariates are dropped with a reason, not silently
    for c in ("MNE", "SSD", "LIE"):
        assert c not in codes and "GeoDist" in panel.attrs["dropped_countries"][c]
    assert panel["ln_dist"].notna().all()
    assert panel.attrs["trade_units"].startswith("current US$")


def test_tjk_2016_exports_rest_on_partner_reports_and_exceed_usa(panel):
    to = {j: _cell(panel, "TJK", j, 2016) for j in ("RUS", "KAZ", "USA")}
    assert to["RUS"] > 0 and to["KAZ"] > 0
    assert to["RUS"] > to["USA"] and to["KAZ"] > to["USA"]
    # TJK filed no export report to UN Comtrade in 2016 (penppml file): mirror-only, never domestic
    assert _cell(panel, "TJK", "RUS", 2016, "mirror_only")
    assert not _cell(panel, "KAZ", "RUS", 2016, "mirror_only")
    assert not panel.loc[panel["exporter"] == panel["importer"], "mirror_only"].any()
    assert {"UZB", "TJK", "TKM"} <= set(panel.loc[panel["mirror_only"], "exporter"].astype(str))


def test_current_dollars_are_constant_2010_times_cpi(panel, raw):
    r = raw[(raw["exporter"] == "TJK") & (raw["importer"] == "RUS") & (raw["year"].isin([2010, 2016]))]
    r = r.set_index("year")
    for y in (2010, 2016):
        assert _cell(panel, "TJK", "RUS", y) == r.loc[y, "trade"]
        assert _cell(panel, "TJK", "RUS", y, "trade_const2010") == r.loc[y, "trade_const2010"]
    # 2010 is the base year of the deflator
    assert r.loc[2010, "trade"] == pytest.approx(r.loc[2010, "trade_const2010"], rel=1e-12)


def test_uzb_domestic_cells_missing_and_flagged(panel):
    uzb = panel[(panel["exporter"] == "UZB") & (panel["importer"] == "UZB")]
    assert len(uzb) == len(YEARS)
    assert uzb["trade"].isna().all() and uzb["domestic_missing"].all()
    assert (uzb["flow_status"].astype(str) == "domestic not in source").all()
    tjk = panel[(panel["exporter"] == "TJK") & (panel["importer"] == "TJK")]
    assert (tjk["trade"] > 0).all() and not tjk["domestic_missing"].any()
    # the flag is exactly "domestic cell without a positive flow"; no i = j cell is ever 0
    diag = (panel["exporter"] == panel["importer"]).to_numpy()
    assert (panel["domestic_missing"].to_numpy() == (diag & panel["trade"].isna().to_numpy())).all()
    assert not (diag & (panel["trade"] == 0).to_numpy()).any()
    assert panel.attrs["flag_counts"]["domestic_missing"] == int(panel["domestic_missing"].sum())


def test_coverage_breaks_kaz_irn_tur_not_central_asia(panel, raw):
    from gravity.panel.itpde import BREAK_FACTOR, domestic_breaks

    for c, y in (("KAZ", 2010), ("IRN", 2014), ("TUR", 2015)):
        assert _cell(panel, c, c, y, "coverage_break"), (c, y)
        assert not _cell(panel, c, "RUS" if c != "RUS" else "CHN", y, "coverage_break")
    flagged = set(panel.loc[panel["coverage_break"], "exporter"].astype(str))
    assert not flagged & {"TJK", "TKM", "KGZ"}
    table = domestic_breaks(raw)
    assert table[table["iso3"].isin(["TJK", "TKM", "KGZ"])].empty
    # the break table's ratio recomputed from the raw domestic series (constant 2010 US$)
    dom = raw[(raw["exporter"] == "KAZ") & (raw["importer"] == "KAZ")].set_index("year")["trade_const2010"]
    row = table[(table["iso3"] == "KAZ") & (table["year"] == 2010)].iloc[0]
    assert row["year_before"] == 2009 and row["ratio"] == pytest.approx(dom[2010] / dom[2009], rel=1e-12)
    assert row["ratio"] > BREAK_FACTOR
    assert {(b["iso3"], b["year"]) for b in panel.attrs["coverage_breaks"]} >= {("IRN", 2014), ("TUR", 2015)}


def test_wave_panel_flags_breaks_between_panel_years(wave_panel):
    # IRN's 2014 and TUR's 2015 breaks fall between the 2012 and 2016 waves: the 2016 domestic cell is flagged
    assert _cell(wave_panel, "IRN", "IRN", 2016, "coverage_break")
    assert _cell(wave_panel, "TUR", "TUR", 2016, "coverage_break")
    assert not _cell(wave_panel, "IRN", "IRN", 2012, "coverage_break")
    # KAZ's 2010 break lies between 2008 and 2012
    assert _cell(wave_panel, "KAZ", "KAZ", 2012, "coverage_break")
    assert not _cell(wave_panel, "TJK", "TJK", 2012, "coverage_break")
    assert len(wave_panel) == len(SMALL) ** 2 * 3


def test_agreements_carried_forward_match_wave_values(panel):
    from gravity import data as datasets

    ct = datasets.read_comtrade_penppml()
    ct = ct[ct["year"].isin([2012, 2016])][["exporter", "importer", "year", "rta", "tf_prov_41"]]
    # Comtrade's Belgium-Luxembourg (BLX) stands for ITPD-E's BEL and LUX
    for col in ("exporter", "importer"):
        blx = ct[ct[col] == "BLX"]
        ct = pd.concat([ct[ct[col] != "BLX"], blx.assign(**{col: "BEL"}), blx.assign(**{col: "LUX"})])
    rev = ct.rename(columns={"exporter": "importer", "importer": "exporter"})
    p = panel[panel["year"].isin([2013, 2014, 2015, 2016])]
    flag = p["agreement_flag"].astype(str)
    assert set(flag[p["year"] < 2016]) <= {"carried from 2012", "carried from 2012 (j→i)", "domestic", "missing"}
    assert set(flag[p["year"] == 2016]) <= {"observed", "observed j→i", "domestic", "missing"}
    for label, src, wave in (("carried from 2012", ct, 2012), ("carried from 2012 (j→i)", rev, 2012),
                             ("observed", ct, 2016), ("observed j→i", rev, 2016)):
        cells = p[flag == label][["exporter", "importer", "year", "rta", "tf_prov_41"]].astype({"exporter": str,
                                                                                               "importer": str})
        assert len(cells) > 1000, label
        m = cells.merge(src[src["year"] == wave].drop(columns="year"), on=["exporter", "importer"],
                        suffixes=("", "_src"), how="left")
        assert len(m) == len(cells)
        assert (m["rta"] == m["rta_src"]).all() and (m["tf_prov_41"] == m["tf_prov_41_src"]).all(), label
    dom = panel[panel["agreement_flag"] == "domestic"]
    assert (dom["exporter"] == dom["importer"]).all() and (dom["rta"] == 0).all()
    miss = panel[panel["agreement_flag"] == "missing"]
    assert miss["rta"].isna().all()
    # rta_lag4 in 2016 is rta in 2012, cell by cell (same carry-forward rule)
    a = panel.loc[panel["year"] == 2016, "rta_lag4"].to_numpy()
    b = panel.loc[panel["year"] == 2012, "rta"].to_numpy()
    assert np.array_equal(a, b, equal_nan=True)


def test_provision_lags_and_bad_arguments(wave_panel):
    from gravity.panel.build import PanelValidationError
    from gravity.panel.itpde import itpde_panel

    a = wave_panel.loc[wave_panel["year"] == 2016, "tf_prov_41_lag8"].to_numpy()
    b = wave_panel.loc[wave_panel["year"] == 2008, "tf_prov_41"].to_numpy()
    assert np.array_equal(a, b, equal_nan=True)
    with pytest.raises(PanelValidationError, match="MNE.*GeoDist"):
        itpde_panel((2016,), indicators=(), countries=("KAZ", "MNE"))
    with pytest.raises(ValueError, match="lagged"):
        itpde_panel((2016,), indicators=(), countries=SMALL, lagged=("agreement",))
    with pytest.raises(PanelValidationError, match="2017"):
        itpde_panel((2016, 2017), indicators=(), countries=SMALL)


@pytest.fixture(scope="module")
def kaz_flows():
    require_data(*KEYS, "cow-trade/cow_trade_ndy.rda")
    from gravity.panel.crosscheck import cross_source_flows
    return cross_source_flows(("KAZ", "TJK"), (2008, 2012))


def test_cross_source_flows_kaz_rus_2012_from_the_sources(kaz_flows, raw):
    from gravity import data as datasets

    f = kaz_flows.set_index(["exporter", "importer", "year"])
    it = raw[(raw["exporter"] == "KAZ") & (raw["importer"] == "RUS") & (raw["year"] == 2012)]["trade"].iloc[0]
    ct = datasets.read_comtrade_penppml()
    ct = ct[(ct["exporter"] == "KAZ") & (ct["importer"] == "RUS") & (ct["year"] == 2012)]["trade"].iloc[0]
    cow = datasets.read_cow_trade()
    cw = cow[(cow["exporter"] == "KAZ") & (cow["importer"] == "RUS") & (cow["year"] == 2012)]["trade"].iloc[0]
    assert f.loc[("KAZ", "RUS", 2012)].tolist() == [it, ct, cw]
    # COW is in US$ (the reader multiplies its millions), same order of magnitude as ITPD-E
    assert 0.5 < cw / it < 2


def test_cross_source_table_recomputed_independently(kaz_flows, raw):
    from gravity import data as datasets
    from gravity.panel.crosscheck import cross_source_summary, cross_source_table

    tab = cross_source_table(("KAZ",), (2008, 2012), flows=kaz_flows)
    assert len(tab) == 2 * 3
    assert tab[["iso3", "direction", "source_a", "source_b"]].drop_duplicates().shape[0] == 6
    row = tab[(tab["direction"] == "exports") & (tab["source_a"] == "ITPD-E") & (tab["source_b"] == "COW")].iloc[0]
    # independent route: KAZ's exports in both sources, joined on (importer, year)
    cow = datasets.read_cow_trade()
    a = raw[(raw["exporter"] == "KAZ") & (raw["importer"] != "KAZ") & raw["year"].isin([2008, 2012])]
    b = cow[(cow["exporter"] == "KAZ") & (cow["importer"] != "KAZ") & cow["year"].isin([2008, 2012])]
    j = a[["importer", "year", "trade"]].merge(b[["importer", "year", "trade"]], on=["importer", "year"],
                                               how="outer", suffixes=("_a", "_b"))
    j = j[j["importer"].isin(set(kaz_flows["importer"]))]
    both = (j["trade_a"] > 0) & (j["trade_b"] > 0)
    either = (j["trade_a"] > 0) | (j["trade_b"] > 0)
    assert row["years"] == "2008, 2012"
    assert row["n_a"] == j["trade_a"].notna().sum() and row["n_b"] == j["trade_b"].notna().sum()
    assert row["n_matched"] == both.sum()
    assert row["matched_share"] == pytest.approx(both.sum() / either.sum(), rel=1e-12)
    lr = np.log(j.loc[both, "trade_a"]) - np.log(j.loc[both, "trade_b"])
    assert row["median_log_ratio"] == pytest.approx(lr.median(), rel=1e-9)
    assert row["corr_log"] == pytest.approx(np.log(j.loc[both, ["trade_a", "trade_b"]]).corr().iloc[0, 1], rel=1e-9)
    worst = j.loc[both].assign(g=lr.abs()).sort_values("g", ascending=False).iloc[0]
    assert row["largest_gaps"].startswith(f"{worst['importer']} {worst['year']}:")
    # Comtrade has no KAZ-reported flows only when KAZ did not report; COW pairs stop at 2014
    ic = tab[(tab["direction"] == "exports") & (tab["source_b"] == "UN Comtrade")].iloc[0]
    assert ic["n_b"] > 0 and 0 < ic["matched_share"] <= 1
    text = cross_source_summary(flows=kaz_flows, countries=("TJK",), partners=("RUS",), year=2012,
                                table=cross_source_table(("TJK",), (2008, 2012), flows=kaz_flows))
    assert text[0].startswith("TJK's exports in 2012: to RUS ITPD-E ") and "no report by TJK" in text[0]
    assert "COW (RUS's imports) 68.0 m$" in text[0]
