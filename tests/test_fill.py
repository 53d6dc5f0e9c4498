"""GE baseline construction: filled exports, domestic flows, flags and exclusions (invariants)."""
from __future__ import annotations

import itertools

import numpy as np
import pandas as pd
import pytest

from gravity.scenario import baseline as fill
from tests.conftest import require_data

C = ["AAA", "BBB", "CCC", "DDD", "EEE", "FFF"]


def _world(seed=0):
    """Six countries: EEE reports nothing (to fill), FFF has no GDP (to exclude), BBB exports a lot."""
    rng = np.random.default_rng(seed)
    rows = []
    for o, d in itertools.product(C, C):
        if o == d or o == "EEE":
            continue
        if o == "AAA" and d == "CCC":   # AAA reports, but not this partner
            continue
        v = 0.0 if (o, d) == ("DDD", "AAA") else float(rng.uniform(1, 10))
        if o == "BBB":
            v *= 20.0
        rows.append((o, d, v))
    trade = pd.DataFrame(rows, columns=["exporter", "importer", "trade"])
    out = pd.DataFrame({
        "gdp": [500.0, 300.0, 400.0, 200.0, 100.0, np.nan],
        "industry_share": [30.0, 10.0, 25.0, 40.0, 20.0, 30.0],
        "merch_exports": [40.0, 200.0, 30.0, 20.0, 17.0, 5.0],
        "merch_imports": [40.0, 60.0, 30.0, 20.0, 12.0, 5.0],
        "manufacturing_va": [90.0, 20.0, np.nan, 50.0, 15.0, np.nan],
    }, index=pd.Index(C, name="iso3"))
    for k in list(out.columns):
        out[f"{k}_year"] = 2016
    eta = pd.DataFrame([(o, d) for o, d in itertools.product(C, C) if o != d], columns=["exporter", "importer"])
    eta["eta"] = rng.normal(size=len(eta))
    return trade, out, eta


def test_destination_shares_sum_to_one_and_ignore_exporter_constants():
    _, _, eta = _world()
    s = fill.destination_shares(eta)
    np.testing.assert_allclose(s.groupby("exporter")["share"].sum(), 1.0, rtol=1e-14)
    shifted = eta.assign(eta=eta["eta"] + eta["exporter"].map({c: 10.0 * i for i, c in enumerate(C)}))
    np.testing.assert_allclose(fill.destination_shares(shifted)["share"], s["share"], rtol=1e-12)
    # a share is exp(eta) over the exporter's sum, by an explicit loop
    r = eta.iloc[7]
    sub = eta[eta.exporter == r.exporter]
    assert s.iloc[7]["share"] == pytest.approx(np.exp(r.eta) / np.exp(sub.eta).sum(), rel=1e-13)


def test_destination_shares_reject_bad_input():
    _, _, eta = _world()
    with pytest.raises(ValueError, match="exporter == importer"):
        fill.destination_shares(pd.concat([eta, pd.DataFrame([("AAA", "AAA", 0.0)], columns=eta.columns)]))
    bad = eta.copy()
    bad.loc[3, "eta"] = np.nan
    with pytest.raises(ValueError, match="non-finite"):
        fill.destination_shares(bad)


@pytest.fixture(scope="module")
def table():
    trade, out, eta = _world()
    return fill.build_table(trade, out, eta, method="industry", multiplier=3.0, floor_share=0.1), trade, out


def test_table_is_square_with_every_cell_flagged(table):
    b, _, _ = table
    n = len(b.countries)
    assert b.countries == ["AAA", "BBB", "CCC", "DDD", "EEE"]
    assert len(b.flows) == n * n
    assert b.flows.trade.notna().all() and (b.flows.trade >= 0).all()
    assert set(b.flows.flag) <= set(fill.FLAGS)
    assert b.flag_counts().sum() == n * n
    M = b.matrix()
    assert M.shape == (n, n) and (np.diag(M) > 0).all()


def test_excluded_country_is_listed_with_its_trade(table):
    b, trade, _ = table
    assert b.excluded.iso3.tolist() == ["FFF"]
    assert "no GDP" in b.excluded.reason.iloc[0]
    fff = trade[(trade.exporter == "FFF") | (trade.importer == "FFF")].trade.sum()
    assert b.excluded.reported_trade.iloc[0] == pytest.approx(fff)
    assert b.excluded.share_of_trade.iloc[0] == pytest.approx(fff / trade.trade.sum())
    assert "FFF" not in set(b.flows.exporter) | set(b.flows.importer)


def test_filled_cells_are_exactly_the_silent_exporter_and_sum_to_wdi(table):
    b, _, out = table
    f = b.flows
    filled = f[f.flag == "filled"]
    assert set(filled.exporter) == {"EEE"}
    assert set(filled.importer) == {"AAA", "BBB", "CCC", "DDD"}  # every partner, not itself
    # filled exports sum to the WDI merchandise-export total
    assert filled.trade.sum() == pytest.approx(out.loc["EEE", "merch_exports"], rel=1e-12)
    assert b.output.loc["EEE", "filled"] and not b.output.loc["AAA", "filled"]
    # no other cell of EEE's row is anything but domestic
    assert set(f[f.exporter == "EEE"].flag) == {"filled", "domestic"}


def test_reported_zero_and_absent_cells(table):
    b, trade, _ = table
    f = b.flows.set_index(["exporter", "importer"])
    assert f.loc[("DDD", "AAA"), "flag"] == "reported_zero" and f.loc[("DDD", "AAA"), "trade"] == 0
    assert f.loc[("AAA", "CCC"), "flag"] == "absent_zero" and f.loc[("AAA", "CCC"), "trade"] == 0
    # reported flows are carried over unchanged
    t = trade.set_index(["exporter", "importer"]).trade
    rep = f[f.flag == "reported"]
    np.testing.assert_array_equal(rep.trade.to_numpy(), t.reindex(rep.index).to_numpy())


def test_domestic_is_output_minus_exports_or_a_flagged_clip(table):
    b, _, out = table
    M = b.matrix()
    exports = M.sum(axis=1) - np.diag(M)
    va = (out.gdp * out.industry_share / 100).reindex(b.countries).to_numpy()
    raw = 3.0 * va - exports
    clipped = raw < 0.1 * exports
    expected = np.where(clipped, 0.1 * exports, raw)
    np.testing.assert_allclose(np.diag(M), expected, rtol=1e-13)
    # BBB: VA = 30, gross output 90 < exports (~1000): clipped and flagged
    assert clipped[b.countries.index("BBB")]
    flags = b.flows[b.flows.exporter == b.flows.importer].set_index("exporter").flag
    assert (flags == "domestic_clipped").to_numpy().tolist() == clipped.tolist()
    # unclipped: output (row sum) equals gross output kappa * VA
    np.testing.assert_allclose(M.sum(axis=1)[~clipped], 3.0 * va[~clipped], rtol=1e-13)
    assert (np.diag(M) > 0).all()


def test_manufacturing_method_imputes_and_changes_only_the_diagonal():
    trade, out, eta = _world()
    a = fill.build_table(trade, out, eta, method="industry")
    m = fill.build_table(trade, out, eta, method="manufacturing")
    off = a.flows.exporter != a.flows.importer
    np.testing.assert_array_equal(a.flows.trade[off], m.flows.trade[off])
    assert m.output.loc["CCC", "va_imputed"] and not m.output.loc["AAA", "va_imputed"]
    ind = out.gdp * out.industry_share / 100
    ratio = (out.manufacturing_va / ind).dropna().median()
    assert m.output.loc["CCC", "value_added"] == pytest.approx(ind["CCC"] * ratio, rel=1e-13)


def test_errors_name_the_problem():
    trade, out, eta = _world()
    with pytest.raises(ValueError, match=r"EEE.*pass eta"):
        fill.build_table(trade, out, None)
    with pytest.raises(ValueError, match="every kept importer"):
        fill.build_table(trade, out, eta[~((eta.exporter == "EEE") & (eta.importer == "AAA"))])
    bad = trade.copy()
    bad.loc[2, "trade"] = -1.0
    with pytest.raises(ValueError, match="negative or missing"):
        fill.build_table(bad, out, eta)
    with pytest.raises(ValueError, match="value added missing"):
        fill.domestic_flows(pd.Series({"A": 1.0}), pd.Series({"A": 0.0}), multiplier=3, floor_share=0.1)
    with pytest.raises(ValueError, match="no export total"):
        fill.fill_exports(fill.destination_shares(eta), pd.Series({"AAA": 1.0}))


def test_wdi_output_data_for_2016():
    require_data(*fill.OUTPUT_FILES)
    o = fill.output_data(2016, carry=1)
    eco = ["AFG", "AZE", "IRN", "KAZ", "KGZ", "PAK", "TJK", "TKM", "TUR", "UZB"]
    assert o.loc[eco, ["gdp", "industry_share", "merch_exports"]].notna().all().all()
    assert o.loc["TJK", "merch_exports"] == pytest.approx(899e6, rel=1e-6)
    assert (o.loc[eco, "gdp_year"] == 2016).all()
    # Belgium-Luxembourg (one Comtrade reporter) is the sum of its members
    assert o.loc["BLX", "gdp"] == pytest.approx(o.loc["BEL", "gdp"] + o.loc["LUX", "gdp"])
    assert o.loc["BEL", "industry_share"] > 0 and np.isfinite(o.loc["BLX", "industry_share"])
