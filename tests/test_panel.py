"""build_panel: square grid, zeros vs missing with reasons, domestic handling, covariates, indicators with
opt-in fill flags, derived variables, validation errors naming rows; the coverage report."""
import numpy as np
import pandas as pd
import pytest

import gravity as gv
from gravity.panel import build as P
from gravity.data.readers import INDICATOR_COLUMNS
from gravity.panel.coverage import coverage_report, coverage_table
from gravity.report.plots import write_coverage
from tests.conftest import require_data

YEARS = [2000, 2004]


def _trade():
    # KAZ reports both years; KGZ reports only 2000; UZB never reports; TJK reports one zero flow
    rows = [("KAZ", "KGZ", 2000, 10.0), ("KAZ", "UZB", 2000, 0.0), ("KAZ", "TJK", 2000, 5.0),
            ("KAZ", "KGZ", 2004, 12.0), ("KAZ", "UZB", 2004, 3.0),
            ("KGZ", "KAZ", 2000, 7.0), ("KGZ", "UZB", 2000, 1.0),
            ("TJK", "KAZ", 2000, 0.0), ("TJK", "KAZ", 2004, 2.0)]
    return pd.DataFrame(rows, columns=["exporter", "importer", "year", "trade"]).assign(rta=[1, 0, 0, 1, 0, 1, 0, 0, 0])


def _pairs():
    c = ["KAZ", "KGZ", "TJK", "UZB"]
    rows = [(o, d, 100.0 * (1 + abs(i - j)), int(abs(i - j) == 1)) for i, o in enumerate(c) for j, d in enumerate(c)]
    return pd.DataFrame(rows, columns=["exporter", "importer", "dist", "contig"])


def _ind():
    rows = [("KAZ", y, "internet", v, "t", "") for y, v in [(2000, 1.0), (2002, 3.0), (2004, 5.0)]]
    rows += [("KGZ", 2000, "internet", 2.0, "t", ""), ("KGZ", 2003, "internet", 8.0, "t", "estimate"),
             ("TJK", 2004, "internet", 4.0, "t", ""), ("UZB", 2000, "internet", 0.0, "t", "")]
    return pd.DataFrame(rows, columns=INDICATOR_COLUMNS)


def _cell(p, e, i, y, col):
    m = (p["exporter"] == e) & (p["importer"] == i) & (p["year"] == y)
    assert m.sum() == 1
    return p.loc[m, col].iloc[0]


def test_square_zeros_and_missing_reasons():
    p = gv.build_panel(_trade(), years=YEARS)
    assert len(p) == 4 * 4 * 2 and not p.duplicated(["exporter", "importer", "year"]).any()
    assert _cell(p, "KAZ", "UZB", 2000, "trade") == 0.0 and _cell(p, "KAZ", "UZB", 2000, "flow_status") == "zero"
    assert _cell(p, "KAZ", "TJK", 2004, "flow_status") == "not reported"
    assert np.isnan(_cell(p, "KAZ", "TJK", 2004, "trade"))
    assert _cell(p, "KGZ", "KAZ", 2004, "flow_status") == "exporter not reporting this year"
    assert _cell(p, "UZB", "KAZ", 2000, "flow_status") == "exporter never reports"
    assert _cell(p, "KAZ", "KAZ", 2000, "flow_status") == "domestic not in source"
    # trade is NaN exactly on the missing statuses; the reported sum is preserved
    miss = p["flow_status"].isin(P.MISSING_STATUS)
    assert (miss == p["trade"].isna()).all()
    assert p["trade"].sum() == _trade()["trade"].sum()
    assert np.isnan(_cell(p, "KAZ", "TJK", 2004, "rta")) and _cell(p, "KAZ", "KGZ", 2004, "rta") == 1


def test_row_order_does_not_matter():
    a = gv.build_panel(_trade(), years=YEARS, pairs=_pairs())
    b = gv.build_panel(_trade().sample(frac=1, random_state=1), years=YEARS, pairs=_pairs().iloc[::-1])
    pd.testing.assert_frame_equal(a, b)


def test_country_not_existing():
    t = pd.DataFrame({"exporter": ["RUS", "SUN", "RUS"], "importer": ["FRA", "FRA", "SUN"], "year": [1992, 1988, 1988],
                      "trade": [1.0, 2.0, 3.0]})
    p = gv.build_panel(t, years=[1988, 1992])
    assert _cell(p, "SUN", "FRA", 1992, "flow_status") == "country not existing"
    assert _cell(p, "SUN", "FRA", 1988, "flow_status") == "reported"
    assert _cell(p, "FRA", "RUS", 1988, "flow_status") == "country not existing"


def test_domestic_modes():
    t = _trade()
    assert not (gv.build_panel(t, years=YEARS, domestic="exclude")["exporter"].astype(str)
                == gv.build_panel(t, years=YEARS, domestic="exclude")["importer"].astype(str)).any()
    with pytest.raises(P.PanelValidationError, match="no domestic flows"):
        gv.build_panel(t, years=YEARS, domestic="require")
    dom = pd.DataFrame({"iso3": ["KAZ", "KGZ"], "year": [2000, 2000], "trade": [100.0, 50.0]})
    p = gv.build_panel(t, years=YEARS, domestic=dom)
    assert _cell(p, "KAZ", "KAZ", 2000, "trade") == 100.0
    assert _cell(p, "KAZ", "KAZ", 2000, "flow_status") == "domestic constructed"
    assert _cell(p, "TJK", "TJK", 2000, "flow_status") == "domestic not in source"
    # a source with domestic flows keeps them
    t2 = pd.concat([t, pd.DataFrame({"exporter": ["KAZ"], "importer": ["KAZ"], "year": [2000], "trade": [9.0]})])
    p2 = gv.build_panel(t2, years=YEARS, domestic="require")
    assert _cell(p2, "KAZ", "KAZ", 2000, "trade") == 9.0
    with pytest.raises(P.PanelValidationError, match="KAZ"):
        gv.build_panel(t, years=YEARS, domestic=pd.concat([dom, dom]))


def test_covariates_and_derived_variables():
    p = gv.build_panel(_trade(), years=YEARS, pairs=_pairs())
    assert _cell(p, "KAZ", "KGZ", 2000, "contig") == 1 and _cell(p, "KAZ", "TJK", 2000, "dist") == 300.0
    assert _cell(p, "KAZ", "TJK", 2000, "ln_dist") == pytest.approx(np.log(300.0))
    assert _cell(p, "KAZ", "KAZ", 2000, "intl_border") == 0 and _cell(p, "KAZ", "KGZ", 2000, "intl_border") == 1
    assert (p["landlocked_o"] == 1).all() and (p["both_landlocked"] == 1).all()    # all four are landlocked
    assert _cell(p, "KAZ", "UZB", 2004, "both_sco") == 1 and _cell(p, "KAZ", "UZB", 2000, "both_sco") == 0  # SCO 2001
    assert _cell(p, "KAZ", "KGZ", 2004, "both_eaeu") == 0 and _cell(p, "KAZ", "KAZ", 2004, "both_eco") == 0


def test_indicators_fill_is_opt_in_and_flagged():
    p = gv.build_panel(_trade(), years=YEARS, indicators=_ind())
    assert _cell(p, "KGZ", "KAZ", 2004, "internet_flag_o") == "missing" and np.isnan(_cell(p, "KGZ", "KAZ", 2004, "internet_o"))
    assert _cell(p, "KAZ", "KGZ", 2004, "internet_d") != _cell(p, "KAZ", "KGZ", 2004, "internet_d")  # NaN
    assert _cell(p, "KAZ", "TJK", 2004, "internet_o") == 5.0 and _cell(p, "KAZ", "TJK", 2004, "internet_d") == 4.0
    assert _cell(p, "KAZ", "TJK", 2004, "min_internet") == 4.0
    assert _cell(p, "KAZ", "TJK", 2004, "prod_internet") == 20.0 and _cell(p, "KAZ", "TJK", 2004, "gap_internet") == 1.0
    assert _cell(p, "KAZ", "TJK", 2004, "ln_min_internet") == pytest.approx(np.log(4.0))
    assert np.isnan(_cell(p, "KAZ", "UZB", 2000, "ln_min_internet"))               # min is 0
    cf = gv.build_panel(_trade(), years=YEARS, indicators=_ind(), fill="carry_forward")
    assert _cell(cf, "KGZ", "KAZ", 2004, "internet_o") == 8.0                       # carried from 2003
    assert _cell(cf, "KGZ", "KAZ", 2004, "internet_flag_o") == "carried forward"
    assert _cell(cf, "KAZ", "KGZ", 2004, "internet_flag_o") == "observed"
    lim = gv.build_panel(_trade(), years=YEARS, indicators=_ind(), fill="carry_forward", fill_limit=3)
    assert np.isnan(_cell(lim, "UZB", "KAZ", 2004, "internet_o"))                   # 2000 is 4 years back
    assert _cell(cf, "UZB", "KAZ", 2004, "internet_o") == 0.0
    ip = gv.build_panel(_trade(), years=YEARS, indicators=_ind(), fill="interpolate")
    assert np.isnan(_cell(ip, "KGZ", "KAZ", 2004, "internet_o"))                    # never extrapolated
    assert _cell(ip, "TJK", "KAZ", 2000, "internet_flag_o") == "missing"
    ind2 = pd.concat([_ind(), pd.DataFrame([("KGZ", 2005, "internet", 10.0, "t", "")], columns=_ind().columns)])
    ip2 = gv.build_panel(_trade(), years=YEARS, indicators=ind2, fill="interpolate")
    assert _cell(ip2, "KGZ", "KAZ", 2004, "internet_o") == pytest.approx(9.0)
    assert _cell(ip2, "KGZ", "KAZ", 2004, "internet_flag_o") == "interpolated"
    with pytest.raises(P.PanelValidationError, match=r"fill must be one of \['interpolate', 'carry_forward'\], got 'linear'"):
        gv.build_panel(_trade(), years=YEARS, indicators=_ind(), fill="linear")


def test_source_flag_and_proxy_reach_the_cell():
    ind = pd.concat([_ind(), pd.DataFrame([("KGZ", 2004, "internet", 9.0, "t", "estimate")], columns=_ind().columns)])
    p = gv.build_panel(_trade(), years=YEARS, indicators=ind, indicator_proxies={"UZB": "KAZ"})
    assert _cell(p, "KGZ", "KAZ", 2004, "internet_flag_o") == "estimate"
    assert _cell(p, "UZB", "KAZ", 2004, "internet_o") == 5.0
    assert _cell(p, "UZB", "KAZ", 2004, "internet_flag_o") == "proxy KAZ"


# ----------------------------------------------------------------------------- validation errors

def test_duplicate_keys_named():
    t = pd.concat([_trade(), _trade().iloc[[0]]])
    with pytest.raises(P.PanelValidationError, match=r"duplicate keys.*exporter=KAZ, importer=KGZ, year=2000"):
        gv.build_panel(t)


def test_negative_flows_named():
    t = _trade()
    t.loc[2, "trade"] = -5.0
    with pytest.raises(P.PanelValidationError, match=r"negative.*exporter=KAZ, importer=TJK, year=2000, trade=-5.0"):
        gv.build_panel(t)


def test_unknown_codes_named():
    t = _trade()
    t.loc[1, "importer"] = "Uzbekistan"
    with pytest.raises(P.PanelValidationError, match=r"unknown country codes \['Uzbekistan'\].*exporter=KAZ"):
        gv.build_panel(t)


def test_years_outside_coverage_named():
    with pytest.raises(P.PanelValidationError, match=r"years \[2001, 2020\] are outside.*2000, 2004"):
        gv.build_panel(_trade(), years=[2000, 2001, 2020])
    with pytest.raises(P.PanelValidationError, match=r"years \[2001\]"):
        gv.build_panel(_trade(), years=[2001], source_years=range(1964, 2017, 4))


def test_country_without_flows_named():
    t = _trade()
    t.loc[t["exporter"].eq("TJK") | t["importer"].eq("TJK"), "trade"] = 0.0
    with pytest.raises(P.PanelValidationError, match=r"countries \['TJK'\] have no positive flow.*exporter=KAZ, importer=TJK"):
        gv.build_panel(t, years=YEARS)
    p = gv.build_panel(t, years=YEARS, drop_empty=True)
    assert "TJK" not in set(p["exporter"].astype(str)) and p.attrs["dropped_countries"]["TJK"]
    with pytest.raises(P.PanelValidationError, match=r"\['AFG'\] have no flows at all"):
        gv.build_panel(_trade(), years=YEARS, countries=["KAZ", "KGZ", "AFG"])


def test_missing_column_named():
    with pytest.raises(P.PanelValidationError, match=r"lacks column\(s\) \['trade'\]"):
        gv.build_panel(_trade().drop(columns="trade"))


def test_coverage_report_on_small_panel(tmp_path):
    p = gv.build_panel(_trade(), years=YEARS, pairs=_pairs(), indicators=_ind())
    r = coverage_report(p, ["UZB", "KGZ", "AFG"])
    ex = r[r["item"] == "exports (exporter-reported)"].set_index(["iso3", "year"])
    assert ex.loc[("UZB", 2000), "status"] == "missing" and ex.loc[("UZB", 2000), "detail"] == "exporter never reports"
    assert ex.loc[("KGZ", 2000), "status"] == "present"
    assert ex.loc[("KGZ", 2004), "detail"] == "exporter not reporting this year"
    assert (r.loc[r["iso3"] == "AFG", "status"] == "missing").all()
    it = r[r["item"] == "internet"].set_index(["iso3", "year"])["status"]
    assert it[("KGZ", 2000)] == "present" and it[("KGZ", 2004)] == "missing"
    assert coverage_table(r).shape[1] == 2
    paths = write_coverage(r, tmp_path)
    assert paths["png"].stat().st_size > 1000 and "exporter never reports" in paths["md"].read_text()


def test_yotov_panel_round_trip_and_geodist_matches_the_book():
    """An already-square source with domestic flows comes back unchanged, and the GeoDist covariates merged
    by pair reproduce the book's own: contig = cntg, comlang_off = lang, colony = clny on every row, and
    the book's dist is GeoDist's distw (θ = 1 population-weighted) except for MAC pairs, where distw is '.'."""
    require_data("yotov2016/agtpa_applications.rda", "cepii-geodist/dist_cepii.rda")
    y = gv.data.read_yotov(harmonise=True)
    assert "ROM" in set(gv.data.read_yotov()["exporter"]) and "ROU" in set(y["exporter"])
    p = gv.build_panel(y[["exporter", "importer", "year", "trade"]], domestic="require",
                       pairs=gv.data.read_geodist())
    assert len(p) == len(y) == 69 * 69 * 21
    assert set(p["flow_status"]) == {"reported", "zero"}
    m = p.merge(y, on=["exporter", "importer", "year"], suffixes=("", "_book"), validate="1:1")
    assert (m["trade"] == m["trade_book"]).all()
    assert (m["contig"] == m["cntg"]).all() and (m["comlang_off"] == m["lang"]).all() and (m["colony"] == m["clny"]).all()
    mac = (m["exporter"] == "MAC") | (m["importer"] == "MAC")
    assert m.loc[mac, "distw"].isna().all() and m.loc[~mac, "distw"].notna().all()
    np.testing.assert_allclose(m.loc[~mac, "distw"], m.loc[~mac, "dist_book"], rtol=1e-6)


def test_panel_interactions_come_from_the_regressor_registry():
    """The panel's derived columns and the model file's regressors are one builder: same bits, same dtypes."""
    from gravity.panel import features as ft

    p = gv.build_panel(_trade(), years=YEARS, pairs=_pairs(), indicators=_ind())
    for prefix, kind in ft.DIGITAL_FEATURES.items():
        z = ft.build_regressor(p, ft.Regressor("z", kind, indicator="internet"))
        np.testing.assert_array_equal(p[f"{prefix}_internet"].to_numpy(), z)
    o, d = p["internet_o"].to_numpy(), p["internet_d"].to_numpy()
    with np.errstate(divide="ignore", invalid="ignore"):
        ln_min = np.where(np.fmin(o, d) > 0, np.log(np.minimum(o, d)), np.nan)
    np.testing.assert_array_equal(p["ln_min_internet"].to_numpy(), ln_min)
    np.testing.assert_array_equal(p["ln_dist"].to_numpy(), ft.build_regressor(p, ft.Regressor("z", "log", columns=("dist",))))
    assert p["both_landlocked"].dtype == np.int8 and p["both_sco"].dtype == np.int8 and p["intl_border"].dtype == np.int8
    both = ft.build_regressor(p, ft.Regressor("z", "all_of", columns=("landlocked_o", "landlocked_d")))
    np.testing.assert_array_equal(p["both_landlocked"].to_numpy(), both)   # 1 exactly when both are landlocked
