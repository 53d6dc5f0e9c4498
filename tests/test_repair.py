"""Repairs of domestic coverage breaks, low domestic shares and zero links (gravity.panel.repair).

Numbers come from hand-computed cases, from invariants (``as_is`` is the identity; no international row
is ever touched; under ``split`` a one-year regime is fitted exactly, so its estimates equal ``drop``'s) and
from COW read directly (UZB → TJK 2014 = US$ 93 m, PROVENANCE / issue 18)."""
import numpy as np
import pandas as pd
import pytest

from gravity.panel import repair as R
from tests.conftest import require_data

# ----------------------------------------------------------------------------- synthetic data


def _series(iso3, values, start=2000):
    return pd.DataFrame({"iso3": iso3, "year": np.arange(start, start + len(values)), "trade": values})


def _world(n=5, years=range(2000, 2008), seed=0, coverage=None):
    """Directed panel i × j × t with domestic rows; exp-year, imp-year and pair effects, two slopes.

    ``coverage`` maps (iso3, year) → a factor on X_ii,t (the coverage change of a break)."""
    rng = np.random.default_rng(seed)
    codes = [f"C{k:02d}" for k in range(n)]
    years = list(years)
    rows = [(e, i, t) for t in years for e in codes for i in codes]
    f = pd.DataFrame(rows, columns=["exporter", "importer", "year"])
    intl = (f["exporter"] != f["importer"]).to_numpy()
    ex = {(c, t): rng.normal() for c in codes for t in years}
    im = {(c, t): rng.normal() for c in codes for t in years}
    pr = {(e, i): rng.normal() + (2.0 if e == i else 0.0) for e in codes for i in codes}
    x = {(c, t): rng.uniform(0, 2) for c in codes for t in years}
    f["rta"] = np.where(intl, rng.integers(0, 2, len(f)), 0).astype(float)
    f["intl_x"] = np.where(intl, [x[(e, t)] for e, t in zip(f["exporter"], f["year"])], 0.0)
    eta = (np.array([ex[(e, t)] + im[(i, t)] + pr[(e, i)] for e, i, t in zip(f["exporter"], f["importer"], f["year"])])
           + 0.4 * f["rta"].to_numpy() - 0.3 * f["intl_x"].to_numpy())
    y = np.exp(eta) * rng.gamma(4.0, 0.25, len(f)) * 1e6
    for (c, t), k in (coverage or {}).items():
        y[((f["exporter"] == c) & (f["importer"] == c) & (f["year"] == t)).to_numpy()] *= k
    f["trade"] = y
    f["pair"] = f["exporter"] + "-" + f["importer"]
    return f


# ----------------------------------------------------------------------------- regimes


def test_regimes_number_keep_longest_and_median():
    vals = [10, 11, 12, 100, 110, 9, 10, 11]          # breaks 2003 (up) and 2005 (down)
    d = pd.concat([_series("AAA", vals), _series("BBB", [5.0, 6.0, 7.0])])
    brk = [{"iso3": "AAA", "year": 2003, "before": 12, "after": 100, "ratio": 8.3},
           {"iso3": "AAA", "year": 2005, "before": 110, "after": 9, "ratio": 0.08},
           {"iso3": "ZZZ", "year": 2001}]            # a country not in the frame: ignored
    r = R.domestic_regimes(d, brk)
    a = r[r["iso3"] == "AAA"]
    assert a["regime"].tolist() == [1, 1, 1, 2, 2, 3, 3, 3]
    assert (a["n_regimes"] == 3).all()
    # regimes 1 and 3 both have 3 years: the earlier is kept
    assert a["keep"].tolist() == [True] * 3 + [False] * 5
    assert a.loc[a["regime"] == 2, "regime_median"].iloc[0] == pytest.approx(np.median([100, 110]))
    assert a.loc[a["regime"] == 3, "regime_median"].iloc[0] == pytest.approx(10.0)
    b = r[r["iso3"] == "BBB"]
    assert (b["regime"] == 1).all() and b["keep"].all() and (b["n_regimes"] == 1).all()


def test_regimes_missing_years_do_not_count_and_waves_share_the_numbering():
    # regime 1: 2 years observed; regime 2 (from 2002): 4 rows but only 1 observed -> regime 1 kept
    d = _series("AAA", [50.0, 60.0, 5.0, np.nan, 0.0, np.nan])
    r = R.domestic_regimes(d, pd.DataFrame({"iso3": ["AAA"], "year": [2002]}))
    assert r["keep"].tolist() == [True, True, False, False, False, False]
    assert r["regime_years"].tolist() == [2, 2, 1, 1, 1, 1]
    # the same breaks on a wave subset: regime numbers are those of the annual series
    vals = np.arange(1.0, 18.0)
    annual = _series("AAA", vals)
    brk = pd.DataFrame({"iso3": ["AAA", "AAA"], "year": [2003, 2010]})
    ra = R.domestic_regimes(annual, brk).set_index("year")["regime"]
    waves = annual[annual["year"].isin([2000, 2004, 2008, 2012, 2016])]
    rw = R.domestic_regimes(waves, brk).set_index("year")["regime"]
    assert rw.tolist() == ra.reindex(rw.index).tolist() == [1, 2, 2, 3, 3]


def test_regimes_bad_input_named():
    with pytest.raises(R.RepairInputError, match="lacks column"):
        R.domestic_regimes(pd.DataFrame({"iso3": ["A"], "year": [2000]}), [])
    with pytest.raises(R.RepairInputError, match="duplicate"):
        R.domestic_regimes(pd.concat([_series("AAA", [1.0]), _series("AAA", [2.0])]), [])
    with pytest.raises(ValueError, match="negative"):
        R.domestic_regimes(_series("AAA", [1.0, -2.0]), [])
    with pytest.raises(R.RepairInputError, match="breaks lacks"):
        R.domestic_regimes(_series("AAA", [1.0, 2.0]), pd.DataFrame({"country": ["AAA"], "year": [2001]}))


# ----------------------------------------------------------------------------- estimation frames

BREAKS = pd.DataFrame({"iso3": ["C01", "C02", "C02", "C03"], "year": [2007, 2000 + 1, 2000 + 2, 2004]})
COVERAGE = {("C01", 2007): 0.02, ("C02", 2001): 25.0, **{("C03", t): 0.1 for t in range(2004, 2008)}}


@pytest.fixture(scope="module")
def world():
    return _world(coverage=COVERAGE)


def test_as_is_is_the_identity(world):
    out, tab = R.repair_for_estimation(world, BREAKS, "as_is")
    assert out is world and tab.empty


def test_drop_removes_only_domestic_rows_outside_the_kept_regime(world):
    w = world.sample(frac=1.0, random_state=3)            # row order and index labels must be preserved
    out, tab = R.repair_for_estimation(w, BREAKS, "drop")
    dom = w["exporter"] == w["importer"]
    gone = w.index.difference(out.index)
    removed = w.loc[gone]
    # C01: 2007 alone after its break; C02: 2000 and 2001 (one-year regimes); C03: 2004–2007 (4 of 8 years: tie,
    # the earlier run 2000–2003 is kept)
    expect = {("C01", 2007), ("C02", 2000), ("C02", 2001), *{("C03", t) for t in range(2004, 2008)}}
    assert (removed["exporter"] == removed["importer"]).all()
    assert set(zip(removed["exporter"], removed["year"])) == expect
    pd.testing.assert_frame_equal(out[out["exporter"] != out["importer"]], w[~dom])   # international untouched
    assert list(out.index) == [i for i in w.index if i not in set(gone)]              # order kept, labels kept
    t = tab.set_index("iso3")
    assert t.loc["C03", "years"] == "2004–2007" and t.loc["C03", "kept_years"] == "2000–2003"
    assert t.loc["C02", "years"] == "2000–2001" and t.loc["C02", "regimes"] == "1, 2"
    assert t["rows"].sum() == len(gone) == t["rows_observed"].sum()
    assert t["trade"].sum() == pytest.approx(removed["trade"].sum())
    # deterministic: the input order does not change what is dropped
    out2, _ = R.repair_for_estimation(world, BREAKS, "drop")
    assert set(out2.index) == set(out.index)


def test_split_labels_domestic_regimes_only(world):
    out, tab = R.repair_for_estimation(world, BREAKS, "split")
    pd.testing.assert_frame_equal(out.drop(columns="pair_fe"), world)
    intl = out["exporter"] != out["importer"]
    assert (out.loc[intl, "pair_fe"].astype(str) == out.loc[intl, "pair"]).all()
    c03 = out[(out["exporter"] == "C03") & (out["importer"] == "C03")]
    assert c03["pair_fe"].astype(str).tolist() == ["C03-C03#1"] * 4 + ["C03-C03#2"] * 4
    c04 = out[(out["exporter"] == "C04") & (out["importer"] == "C04")]
    assert (c04["pair_fe"].astype(str) == "C04-C04").all()                             # no break: one pair
    assert tab.groupby("iso3").size().to_dict() == {"C01": 2, "C02": 3, "C03": 2}
    assert tab["rows"].sum() == 3 * 8


def _fit(data, pair, **kw):
    from gravity.estimation.ppml import ppml
    return ppml(f"trade ~ rta + intl_x | exporter^year + importer^year + {pair}", data, **kw)


@pytest.mark.parametrize("drop_singletons", [True, False])
def test_split_equals_drop_when_every_dropped_regime_is_one_year(drop_singletons):
    w = _world(seed=1, coverage={("C01", 2007): 0.02, ("C02", 2001): 25.0, ("C04", 2000): 0.05})
    brk = pd.DataFrame({"iso3": ["C01", "C02", "C02", "C04"], "year": [2007, 2001, 2002, 2001]})
    dropped, tab = R.repair_for_estimation(w, brk, "drop")
    assert tab["rows"].sum() == 4                               # four one-year regimes
    split, _ = R.repair_for_estimation(w, brk, "split")
    a = _fit(dropped, "pair", drop_singletons=drop_singletons)
    b = _fit(split, "pair_fe", drop_singletons=drop_singletons)
    np.testing.assert_allclose(b.params.to_numpy(), a.params.to_numpy(), rtol=1e-7, atol=1e-9)
    if drop_singletons:                 # same sample; kept singletons would change N in the N/(N-1) correction
        np.testing.assert_allclose(b.bse.to_numpy(), a.bse.to_numpy(), rtol=1e-6)
        assert b.nobs == a.nobs
    else:                                                       # the one-year regime is fitted exactly
        one = (split["pair_fe"].astype(str) == "C01-C01#2").to_numpy()
        fitted = b.fittedvalues.reindex(split.index[one]).to_numpy()
        np.testing.assert_allclose(fitted, split.loc[one, "trade"].to_numpy(), rtol=1e-6)
    # the breaks matter: on the unrepaired frame the estimates differ
    c = _fit(w, "pair", drop_singletons=drop_singletons)
    assert np.abs(c.params.to_numpy() - a.params.to_numpy()).max() > 1e-3


def test_split_differs_from_drop_when_a_dropped_regime_spans_years(world):
    dropped, _ = R.repair_for_estimation(world, BREAKS, "drop")   # C03 loses 4 years
    split, _ = R.repair_for_estimation(world, BREAKS, "split")
    a, b = _fit(dropped, "pair"), _fit(split, "pair_fe")
    assert np.abs(a.params.to_numpy() - b.params.to_numpy()).max() > 1e-4


def test_repair_for_estimation_bad_input():
    f = _world(n=3, years=range(2000, 2002))
    with pytest.raises(R.RepairInputError, match="mode"):
        R.repair_for_estimation(f, [], "repair")
    with pytest.raises(R.RepairInputError, match="lacks column"):
        R.repair_for_estimation(f.drop(columns="year"), [], "drop")
    with pytest.raises(R.RepairInputError, match="duplicate"):
        R.repair_for_estimation(pd.concat([f, f.iloc[:1]]), [], "drop")


# ----------------------------------------------------------------------------- GE base year


def _base_case():
    years = list(range(2010, 2017))
    dom = pd.concat([
        _series("LOW", [100, 110, 120, 130, 2, 2.5, 3], 2010),           # break 2014: low coverage since
        _series("UPB", [5, 6, 7, 80, 90, 95, 99], 2010),                 # break 2013 upwards: 2016 fine
        _series("GAP", [100, 110, 120, 130, 2, 2.5, 3], 2010),           # like LOW, no output in 2013
        _series("NOB", [100, 110, 120, 130, 2, 2.5, 3], 2010),           # no output in the base year
        _series("MIS", [1, 1, 1, 1, 1, 1, np.nan], 2010),                # base year missing
        _series("DIP", [100, 110, 30, 120, 125, 130, 140], 2010),        # one-year dip, both sides full
        _series("EAR", [4, 5, 6, 7, 8, 200, 210], 2010),                 # base year 2013 in the low start
    ])
    brk = pd.DataFrame({"iso3": ["LOW", "UPB", "GAP", "NOB", "DIP", "DIP", "EAR"],
                        "year": [2014, 2013, 2014, 2014, 2012, 2013, 2015]})
    gdp = {c: {y: 1000.0 * (1.05 ** (y - 2010)) for y in years} for c in dom["iso3"].unique()}
    del gdp["GAP"][2013]
    del gdp["NOB"][2016]
    out = pd.DataFrame([(c, y, v) for c, s in gdp.items() for y, v in s.items()], columns=["iso3", "year", "value"])
    return dom, brk, out


def test_repair_base_domestic_hand_computed():
    dom, brk, out = _base_case()
    r = R.repair_base_domestic(dom, brk, 2016, out).set_index("iso3")
    g = 1.05
    assert r.loc["LOW", "flag"] == "domestic_repaired" and r.loc["LOW", "source_year"] == 2013
    assert r.loc["LOW", "domestic_repaired"] == pytest.approx(130 * g ** 6 / g ** 3)
    assert r.loc["LOW", "domestic_observed"] == 3
    assert r.loc["GAP", "source_year"] == 2012                                  # latest good year with output
    assert r.loc["GAP", "domestic_repaired"] == pytest.approx(120 * g ** 6 / g ** 2)
    assert r.loc["UPB", "flag"] == "domestic_observed" and r.loc["UPB", "domestic_repaired"] == 99
    assert r.loc["DIP", "flag"] == "domestic_observed"
    assert r.loc["NOB", "flag"] == "domestic_unrepairable" and np.isnan(r.loc["NOB", "domestic_repaired"])
    assert "no output for 2016" in r.loc["NOB", "reason"]
    assert r.loc["MIS", "flag"] == "domestic_missing"
    e = R.repair_base_domestic(dom, brk, 2013, out).set_index("iso3").loc["EAR"]
    assert e["flag"] == "domestic_repaired" and e["source_year"] == 2015      # no good year before: the next
    assert e["domestic_repaired"] == pytest.approx(200 * g ** 3 / g ** 5)
    assert set(r["flag"]) <= set(R.BASE_FLAGS)


def test_repair_base_domestic_is_scale_free_and_bad_input():
    dom, brk, out = _base_case()
    a = R.repair_base_domestic(dom, brk, 2016, out)
    b = R.repair_base_domestic(dom.assign(trade=dom["trade"] * 7.0), brk, 2016, out.assign(value=out["value"] * 3.0))
    np.testing.assert_allclose(b["domestic_repaired"], 7.0 * a["domestic_repaired"], rtol=1e-12)
    assert (a["flag"] == b["flag"]).all()
    with pytest.raises(R.RepairInputError, match="output lacks"):
        R.repair_base_domestic(dom, brk, 2016, out.rename(columns={"value": "gdp"}))
    with pytest.raises(R.RepairInputError, match="factor"):
        R.repair_base_domestic(dom, brk, 2016, out, factor=1.0)


# ----------------------------------------------------------------------------- domestic share


def test_domestic_share_check_decides_with_the_constructed_flow():
    per = pd.DataFrame({"domestic": [90.0, 2.0, 1.0, 5.0], "output": [100.0, 102.0, 201.0, 55.0]},
                       index=pd.Index(["OKK", "LOW", "ENT", "EDG"], name="iso3"))
    plain = R.domestic_share_check(per)
    assert plain["below"].tolist() == [False, True, True, True]
    assert plain["flag"].tolist() == ["ok", "low_share", "low_share", "low_share"]
    assert plain["share"].tolist() == pytest.approx([0.9, 2 / 102, 1 / 201, 5 / 55])
    con = pd.Series({"LOW": 300.0, "ENT": 20.0, "EDG": 5.6, "OKK": 1.0})
    r = R.domestic_share_check(per.reset_index(), constructed=con).set_index("iso3")
    # LOW: 300 / (300 + 100) = 0.75 -> replaced; ENT: 20 / (20 + 200) = 0.091 -> confirmed;
    # EDG: 5.6 / (5.6 + 50) = 0.1007 -> replaced
    assert r.loc["LOW", "flag"] == "low_share_replaced" and r.loc["LOW", "replacement"] == 300.0
    assert r.loc["LOW", "constructed_share"] == pytest.approx(0.75)
    assert r.loc["ENT", "flag"] == "low_share_confirmed" and np.isnan(r.loc["ENT", "replacement"])
    assert r.loc["ENT", "domestic_used"] == 1.0
    assert r.loc["EDG", "flag"] == "low_share_replaced" and r.loc["EDG", "domestic_used"] == 5.6
    assert r.loc["OKK", "flag"] == "ok" and r.loc["OKK", "domestic_used"] == 90.0
    with pytest.raises(R.RepairInputError, match="LOW"):
        R.domestic_share_check(per, constructed=con.drop("LOW"))
    with pytest.raises(R.RepairInputError, match="output must be > 0"):
        R.domestic_share_check(per.assign(output=[100.0, 0.0, 201.0, 55.0]))
    with pytest.raises(R.RepairInputError, match="low="):
        R.domestic_share_check(per, low=1.5)


# ----------------------------------------------------------------------------- zero links


def _flows():
    codes = ["AAA", "BBB", "CCC", "DDD"]
    f = pd.DataFrame([(e, i) for e in codes for i in codes], columns=["exporter", "importer"])
    f["trade"] = 0.0
    f.loc[f["exporter"] == f["importer"], "trade"] = 1000.0
    f.loc[(f["exporter"] == "AAA") & (f["importer"] == "CCC"), "trade"] = 7.0       # observed positive
    f.loc[(f["exporter"] == "DDD") & (f["importer"] == "AAA"), "trade"] = 3.0       # DDD is not a member
    f.loc[(f["exporter"] == "CCC") & (f["importer"] == "CCC"), "trade"] = 0.0       # a zero domestic cell
    f["flag"] = np.where(f["exporter"] == f["importer"], "domestic_itpde", np.where(f["trade"] > 0, "itpde", "zero"))
    f.index = f.index * 10 + 5                                                       # a non-default index
    return f


REPORTS = pd.DataFrame([
    ("AAA", "BBB", 2013, 40.0), ("AAA", "BBB", 2014, 50.0), ("AAA", "BBB", 2017, 999.0),   # 2017 > base year
    ("BBB", "AAA", 2012, 20.0), ("BBB", "AAA", 2014, np.nan),                              # NaN: 2012 is latest
    ("BBB", "CCC", 2012, 30.0), ("BBB", "CCC", 2014, 0.0),                                 # latest is 0
    ("AAA", "CCC", 2014, 80.0),                                                            # observed positive
    ("CCC", "CCC", 2014, 500.0),                                                           # domestic
    ("DDD", "BBB", 2014, 60.0),                                                            # not a member
], columns=["exporter", "importer", "year", "value"])


def test_fill_zero_links_fills_only_zero_member_links_from_the_latest_report():
    f = _flows()
    out, tab = R.fill_zero_links(f, REPORTS, ["AAA", "BBB", "CCC"], base_year=2016)
    assert list(out.index) == list(f.index) and list(out.columns) == list(f.columns)
    assert tab[["exporter", "importer", "year", "reported", "filled"]].values.tolist() == [
        ["AAA", "BBB", 2014, 50.0, 50.0], ["BBB", "AAA", 2012, 20.0, 20.0]]
    assert (tab["scale"] == 1.0).all() and (tab["source"] == "cow").all()
    changed = out["trade"] != f["trade"]
    assert changed.sum() == 2
    assert set(out.loc[changed, "flag"]) == {"filled_cow"}
    same = ~changed
    pd.testing.assert_frame_equal(out[same], f[same])
    assert out.loc[(out["exporter"] == "CCC") & (out["importer"] == "CCC"), "trade"].iloc[0] == 0.0


def test_fill_zero_links_scales_by_importer_import_growth():
    scale = pd.Series({("BBB", 2014): 200.0, ("BBB", 2016): 300.0, ("AAA", 2012): 10.0, ("AAA", 2016): 5.0})
    out, tab = R.fill_zero_links(_flows(), REPORTS, ["AAA", "BBB", "CCC"], base_year=2016, scale=scale,
                                 source="comtrade")
    t = tab.set_index(["exporter", "importer"])
    assert t.loc[("AAA", "BBB"), "scale"] == pytest.approx(1.5)
    assert t.loc[("AAA", "BBB"), "filled"] == pytest.approx(75.0)
    assert t.loc[("BBB", "AAA"), "filled"] == pytest.approx(10.0)
    assert set(out.loc[out["trade"] != _flows()["trade"], "flag"]) == {"filled_comtrade"}
    with pytest.raises(R.RepairInputError, match=r"\('AAA', 2012\)"):
        R.fill_zero_links(_flows(), REPORTS, ["AAA", "BBB", "CCC"], base_year=2016, scale=scale.drop(("AAA", 2012)))


def test_fill_zero_links_bad_input_and_absent_members():
    f = _flows()
    out, tab = R.fill_zero_links(f, REPORTS, ["AAA", "BBB", "XXX"], base_year=2016)
    assert tab.attrs["absent"] == ["XXX"] and len(tab) == 2
    with pytest.raises(R.RepairInputError, match="reports lacks"):
        R.fill_zero_links(f, REPORTS.rename(columns={"value": "trade"}), ["AAA"], base_year=2016)
    bad = f.copy()
    bad.loc[bad.index[1], "trade"] = np.nan
    with pytest.raises(R.RepairInputError, match="missing or negative"):
        R.fill_zero_links(bad, REPORTS, ["AAA", "BBB"], base_year=2016)
    with pytest.raises(R.RepairInputError, match="duplicate"):
        R.fill_zero_links(f, pd.concat([REPORTS, REPORTS.iloc[:1]]), ["AAA", "BBB"], base_year=2016)


def test_fill_zero_links_from_cow_uzb_to_tjk():
    require_data("cow-trade/cow_trade_ndy.rda")
    rep = R.cow_import_reports(["UZB", "TJK", "TKM"])
    assert rep.set_index(["exporter", "importer", "year"]).loc[("UZB", "TJK", 2014), "value"] == 93e6
    codes = ["TJK", "TKM", "UZB"]
    f = pd.DataFrame([(e, i, 1e9 if e == i else 0.0, "zero") for e in codes for i in codes],
                     columns=["exporter", "importer", "trade", "flag"])
    out, tab = R.fill_zero_links(f, rep, codes, base_year=2016)
    t = tab.set_index(["exporter", "importer"])
    assert t.loc[("UZB", "TJK"), "year"] == 2014 and t.loc[("UZB", "TJK"), "filled"] == 93e6
    assert t.loc[("TKM", "TJK"), "filled"] == 120e6
    assert len(tab) == 6 and (out.loc[out["exporter"] == out["importer"], "trade"] == 1e9).all()
