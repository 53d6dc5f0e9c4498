"""DESTA v2.03: readers, the pair × year agreement panel, its corrections, and filling the penppml columns.

Independent checks: the pair-year panel our data team derived from the same files
(``desta-rta/desta_rta_pairyear_2000_2024.csv``, read here only, never by the package), the checks listed in
PROVENANCE.md, and a pandas-merge lookup of the DESTA values a filled panel should carry."""
import os

import numpy as np
import pandas as pd
import pytest

from gravity import data as datasets
from gravity.data import countries as cc
from gravity.panel import agreements as ag
from gravity.panel.build import PanelValidationError
from tests.conftest import SHARED, require_data

DESTA = ("desta-rta/desta_list_of_treaties_02_03_dyads.csv", "desta-rta/desta_dyadic_withdrawal_02_03.csv")
DERIVED = SHARED / "desta-rta" / "desta_rta_pairyear_2000_2024.csv"
ITPDE = ("itpd-e-aggregated/itpd_aggregated.rds", "itpd-e-aggregated/country_list.RData",
         "penppml-comtrade/trade.rda", "cepii-geodist/dist_cepii.rda")
KEY = ["iso3_a", "iso3_b", "year"]


def _derived() -> pd.DataFrame:
    if not DERIVED.exists():
        if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
            pytest.fail(f"required data missing under CI: {DERIVED}")
        pytest.skip(f"data unavailable: {DERIVED} (the data team's derived DESTA panel)")
    return pd.read_csv(DERIVED)


@pytest.fixture(scope="module")
def off():
    require_data(*DESTA)
    return ag.desta_panel(corrections=False)


@pytest.fixture(scope="module")
def on():
    require_data(*DESTA)
    return ag.desta_panel()


def _get(p, a, b, year, col="rta"):
    a, b = min(a, b), max(a, b)
    m = (p["iso3_a"] == a) & (p["iso3_b"] == b) & (p["year"] == year)
    assert m.sum() == 1, (a, b, year)
    return int(p.loc[m, col].iloc[0])


# ----------------------------------------------------------------------------- countries and readers

def test_m49_codes_map_to_iso3_with_kosovo_and_taiwan():
    got = cc.m49_to_iso3([860, 4, 900, 158, 643, 762])
    assert got.tolist() == ["UZB", "AFG", "XKX", "TWN", "RUS", "TJK"]
    with pytest.raises(cc.UnknownCountryError, match="M49_EXTRA"):
        cc.m49_to_iso3([860, 999], context="test")


def test_readers_match_the_published_counts():
    require_data(*DESTA, "desta-rta/desta_list_of_treaties_02_03.csv", "desta-rta/desta_indices_version_02_03.csv")
    dy = datasets.read_desta_dyads()
    assert len(dy) == 20_569 and (dy["iso3_a"] < dy["iso3_b"]).all()
    assert len(set(dy["iso3_a"]) | set(dy["iso3_b"])) == 204
    assert dy["entry_type"].value_counts().to_dict() == {"base_treaty": 15_166, "accession": 3_438,
                                                         "consolidated": 1_965}
    assert "XKX" in set(dy["iso3_a"]) | set(dy["iso3_b"])
    wd = datasets.read_desta_withdrawals().set_index(["iso3_a", "iso3_b", "base_treaty"])
    assert len(wd) == 1_650
    uzb = wd.loc[("BLR", "UZB", 434)]
    assert uzb["withdrawing_country"] == "UZB" and uzb["withdrawal_year"] == 2008
    assert wd.loc[("AZE", "GEO", 244), "withdrawal_year"] == 2009
    tr = datasets.read_desta_treaties().set_index("number")
    assert tr.loc["371", "members"].split(";") == ["AFG", "AZE", "IRN", "KAZ", "KGZ", "PAK", "TJK", "TUR", "TKM",
                                                   "UZB"]
    assert len(datasets.read_desta_indices()) == 692
    # the registry reads the cp1252 text natively as well
    raw = datasets.load(DESTA[0])
    assert raw.shape == (20_569, 16) and "São Tomé & Príncipe" in set(raw["country1"]) | set(raw["country2"])


# ----------------------------------------------------------------------------- the pair × year panel

def test_panel_without_corrections_equals_the_derived_panel_on_every_pair_year(off):
    der = _derived()
    assert len(off) == 20_706 * 25                            # every pair of the 204 countries, 2000-2024
    m = off.merge(der, on=KEY, how="left", suffixes=("", "_d"), indicator=True)
    listed = (m["_merge"] == "both").to_numpy()
    assert len(der) == 165_037 and listed.sum() == len(der)   # every derived row is a pair-year of ours
    assert (m["rta_signed"].to_numpy()[listed] == 1).all() and (m["rta_signed"].to_numpy()[~listed] == 0).all()
    for c in ("rta", "rta_wto", "n_inforce", "n_signed"):     # absent from the derived file = 0
        np.testing.assert_array_equal(m[c].to_numpy(), m[f"{c}_d"].fillna(0).to_numpy(), err_msg=c)


def test_exclude_gstp_and_ptn_gives_the_derived_rta_nogstp(off):
    der = _derived()
    p = ag.desta_panel(corrections=False, exclude=[461, 647])
    m = p.merge(der[KEY + ["rta_nogstp"]], on=KEY, how="left")
    np.testing.assert_array_equal(m["rta"].to_numpy(), m["rta_nogstp"].fillna(0).to_numpy())
    assert p.attrs["excluded"][461] == 1_128 and p.attrs["excluded"][647] > 0      # GSTP: 1,128 pair entries
    assert (p["rta"] <= off["rta"]).all()


@pytest.mark.parametrize("which", ["off", "on"])
def test_provenance_checks(which, request):
    p = request.getfixturevalue(which)
    assert _get(p, "RUS", "TJK", 2013) == 1 and _get(p, "RUS", "TJK", 2013, "rta_wto") == 1
    assert _get(p, "TJK", "UZB", 2016) == 1 and _get(p, "TJK", "UZB", 2016, "rta_wto") == 1
    chn_tjk = p[(p["iso3_a"] == "CHN") & (p["iso3_b"] == "TJK")]
    assert len(chn_tjk) == 25 and (chn_tjk["rta"] == 0).all()
    # the EAEU (1040) alone: KAZ-RUS from 2015
    eaeu = datasets.desta_agreements(corrections=False)
    eaeu = eaeu[eaeu["base_treaty"] == 1040]
    e = ag.desta_panel(range(2012, 2018), agreements=eaeu)
    assert [_get(e, "KAZ", "RUS", y) for y in range(2012, 2018)] == [0, 0, 0, 1, 1, 1]


def test_ecota_exclusion_drops_exactly_the_ecota_only_pair_years(off):
    p = ag.desta_panel(corrections=["ecota_not_applied"])
    in_eco = (off["iso3_a"].isin(cc.ECO) & off["iso3_b"].isin(cc.ECO) & (off["year"] >= 2008)).to_numpy()
    assert in_eco.sum() == 45 * 17                             # 45 ECO pairs, 2008-2024
    np.testing.assert_array_equal(off["n_inforce"].to_numpy() - p["n_inforce"].to_numpy(), in_eco.astype(int))
    np.testing.assert_array_equal(off["rta_wto"].to_numpy(), p["rta_wto"].to_numpy())   # ECOTA not WTO-notified
    dropped = (off["rta"] == 1).to_numpy() & (p["rta"] == 0).to_numpy()
    np.testing.assert_array_equal(dropped, in_eco & (off["n_inforce"] == 1).to_numpy())
    assert _get(off, "AFG", "TJK", 2016) == 1 and _get(p, "AFG", "TJK", 2016) == 0
    assert _get(p, "AFG", "PAK", 2016) == 1                   # SAFTA still covers it
    assert p.attrs["corrections"] == {"ecota_not_applied": 45}


def test_uzbekistan_cis_fta_starts_2014(off):
    only = datasets.desta_agreements(corrections=["uzb_cis_fta_2014"])
    assert (only.loc[only["correction"] == "uzb_cis_fta_2014", "entry_force_year"] == 2014).all()
    cis_fta = only[only["base_treaty"] == 811]
    p = ag.desta_panel(range(2011, 2016), agreements=cis_fta)
    assert [_get(p, "TJK", "UZB", y) for y in range(2011, 2016)] == [0, 0, 0, 1, 1]
    assert [_get(p, "RUS", "UZB", y) for y in range(2011, 2016)] == [0, 0, 0, 1, 1]
    assert [_get(p, "RUS", "TJK", y) for y in range(2011, 2016)] == [0, 1, 1, 1, 1]   # other parties: 2012
    # with every agreement: one entry fewer for the eight UZB pairs in 2012-2013, nothing else moves, and
    # each of those pair-years keeps an agreement (the CIS 1994 covers them all)
    full = ag.desta_panel(corrections=["uzb_cis_fta_2014"])
    partners = sorted((set(cis_fta["iso3_a"]) | set(cis_fta["iso3_b"])) - {"UZB"})
    assert len(partners) == 8
    a, b = off["iso3_a"], off["iso3_b"]
    hit = (((a == "UZB") & b.isin(partners)) | ((b == "UZB") & a.isin(partners))) & off["year"].isin([2012, 2013])
    hit = hit.to_numpy()
    np.testing.assert_array_equal(off["n_inforce"].to_numpy() - full["n_inforce"].to_numpy(), hit.astype(int))
    np.testing.assert_array_equal(off["rta_wto"].to_numpy(), full["rta_wto"].to_numpy())
    assert (full.loc[hit, "rta_wto"] == 1).all()


def test_bad_corrections_and_exclusions_are_named():
    require_data(*DESTA)
    with pytest.raises(datasets.DestaCorrectionError, match="99999"):
        ag.desta_panel(exclude=[99999])
    with pytest.raises(datasets.DestaCorrectionError, match="ecota_not_applied"):
        ag.desta_panel(corrections=["nope"])
    assert issubclass(datasets.DestaCorrectionError, ValueError)


# ----------------------------------------------------------------------------- filling a directed panel

CODES = ("AFG", "TJK", "UZB", "RUS", "ABW")                     # ABW (Aruba) is not a DESTA country
YEARS = tuple(range(2010, 2017))


def _synthetic() -> pd.DataFrame:
    """Directed panel: penppml has RUS-TJK (1) and RUS-UZB (0, DESTA says 1: kept), nothing else."""
    rows = [(e, i, y) for y in YEARS for e in CODES for i in CODES]
    p = pd.DataFrame(rows, columns=["exporter", "importer", "year"])
    pen = {frozenset(("RUS", "TJK")): 1.0, frozenset(("RUS", "UZB")): 0.0}
    v = np.array([0.0 if e == i else pen.get(frozenset((e, i)), np.nan) for e, i, _ in rows])
    for c in ("rta", "rta_lag4", "rta_lag8", "tf_prov_41"):
        p[c] = v
    p.loc[(p["exporter"] == "RUS") & (p["importer"] == "UZB") & (p["year"] == 2010), "rta_lag8"] = np.nan
    return p


def test_fill_agreements_fills_flags_and_counts():
    require_data(*DESTA)
    desta = ag.desta_panel(range(2000, 2017), corrections=False)
    panel = _synthetic()
    before = panel.copy()
    f = ag.fill_agreements(panel, desta, column="rta")
    pd.testing.assert_frame_equal(panel, before)              # the input is not modified
    # independent route: a pandas merge of the DESTA frame at t - K on the unordered pair
    key = pd.DataFrame({"iso3_a": np.minimum(panel["exporter"], panel["importer"]),
                        "iso3_b": np.maximum(panel["exporter"], panel["importer"])})
    dom = (panel["exporter"] == panel["importer"]).to_numpy()
    known = (panel["exporter"] != "ABW").to_numpy() & (panel["importer"] != "ABW").to_numpy() & ~dom
    for c, k in (("rta", 0), ("rta_lag4", 4), ("rta_lag8", 8)):
        look = key.assign(year=panel["year"] - k).merge(desta[KEY + ["rta"]], on=KEY, how="left")["rta"]
        want_desta = np.where(known, look.fillna(0).to_numpy(), 0)
        np.testing.assert_array_equal(f[c.replace("rta", "rta_desta", 1)].to_numpy(), want_desta, err_msg=c)
        miss = before[c].isna().to_numpy()
        want = np.where(miss, want_desta, before[c].to_numpy())
        np.testing.assert_array_equal(f[c].to_numpy(), want, err_msg=c)
        src = np.where(dom, "domestic", np.where(~miss, "penppml", np.where(known, "desta", "none")))
        np.testing.assert_array_equal(f[f"{c}_source"].astype(str).to_numpy(), src, err_msg=c)
        counts = f.attrs["agreements_filled"][c]
        assert counts["none"] == int((src == "none").sum()) > 0
        assert counts["desta"] == int((src == "desta").sum()) > 0
        assert counts["desta_agreement"] == int(((src == "desta") & (want == 1)).sum())
    cell = f.set_index(["exporter", "importer", "year"])
    assert cell.loc[("UZB", "RUS", 2016), "rta"] == 0 and cell.loc[("UZB", "RUS", 2016), "rta_desta"] == 1
    assert cell.loc[("TJK", "UZB", 2016), "rta"] == 1 and cell.loc[("TJK", "UZB", 2016), "rta_source"] == "desta"
    # ECOTA (DESTA, corrections off) from 2008: AFG-TJK at t, t-4, t-8 in 2012
    assert [cell.loc[("AFG", "TJK", 2012), c] for c in ("rta", "rta_lag4", "rta_lag8")] == [1, 1, 0]
    assert cell.loc[("ABW", "TJK", 2016), "rta_source"] == "none" and not cell.loc[("ABW", "TJK", 2016), "desta_known"]
    assert f.attrs["agreements_desta"]["countries_not_covered"] == ["ABW"]
    # provisions: NaN stays NaN, counted
    assert f["tf_prov_41"].isna().sum() == before["tf_prov_41"].isna().sum()
    pu = f.attrs["provisions_unknown"]
    assert pu["rows"] == int(before["tf_prov_41"].isna().sum()) and pu["columns"] == ["tf_prov_41"]
    assert pu["with_rta"] == int((before["tf_prov_41"].isna() & (f["rta"] == 1)).sum()) > 0


def test_fill_is_row_order_invariant():
    require_data(*DESTA)
    desta = ag.desta_panel(range(2000, 2017))
    panel = _synthetic()
    a = ag.fill_agreements(panel, desta)
    b = ag.fill_agreements(panel.sample(frac=1.0, random_state=3), desta).loc[a.index]
    pd.testing.assert_frame_equal(a, b)


def test_fill_refuses_bad_input_before_work():
    require_data(*DESTA)
    desta = ag.desta_panel(range(2005, 2017))
    panel = _synthetic()
    with pytest.raises(PanelValidationError, match=r"desta_panel\(years=range\(2002, 2017\)\)"):
        ag.fill_agreements(panel, desta)
    with pytest.raises(PanelValidationError, match="rta_lag8"):
        ag.fill_agreements(panel.drop(columns="rta_lag8"), desta, lags=(4, 8))
    bad = panel.copy()
    bad.loc[0, "rta"] = 2.0
    with pytest.raises(PanelValidationError, match="0, 1 or NaN"):
        ag.fill_agreements(bad, desta, lags=(4,))
    with pytest.raises(PanelValidationError, match="fill_agreements"):
        ag.agreement_status(panel, ["TJK"], 2016)


# ----------------------------------------------------------------------------- the ITPD-E panel, ECO pairs

def test_eco_pairs_2016_under_both_sources():
    require_data(*ITPDE, *DESTA)
    from gravity.panel.itpde import itpde_panel

    panel = itpde_panel((2012, 2016), indicators=(), countries=(*cc.ECO, "RUS", "CHN"))
    desta = ag.desta_panel(range(2004, 2017))
    f = ag.fill_agreements(panel, desta)
    st = ag.agreement_status(f, cc.ECO, 2016, agreements=datasets.desta_agreements()).set_index(["iso3_a", "iso3_b"])
    assert len(st) == 45
    tjk_uzb = st.loc[("TJK", "UZB")]
    assert np.isnan(tjk_uzb["penppml"]) and tjk_uzb["status"] == "penppml missing"
    assert tjk_uzb["rta"] == 1 and tjk_uzb["rta_source"] == "desta" and "(811, WTO)" in tjk_uzb["desta_in_force"]
    assert "371" not in "".join(st["desta_in_force"])          # ECOTA excluded by default
    present = st[st["status"] != "penppml missing"]
    assert (present["status"] == "agree").all()               # rta_wto without ECOTA matches penppml on ECO pairs
    # DESTA as published (ECOTA for all ten, any agreement) disagrees where ECOTA is the only agreement
    raw = ag.fill_agreements(panel, ag.desta_panel(range(2004, 2017), corrections=False), column="rta")
    st0 = ag.agreement_status(raw, cc.ECO, 2016).set_index(["iso3_a", "iso3_b"])
    assert st0.loc[("AFG", "TJK"), "status"] == "differ" and st0.loc[("AFG", "TJK"), "desta"] == 1
    # no agreement CHN-TJK in either source
    chn = ag.agreement_status(f, ["CHN", "TJK"], 2016).iloc[0]
    assert chn["rta"] == 0 and chn["desta"] == 0
