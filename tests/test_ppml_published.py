"""gravity.ppml against the published Stata numbers of Yotov et al. (2016).

Expected values come from ../shared/data/yotov2016/expected/published_estimates.csv (transcribed
from the book's Stata output); every coefficient and standard error must agree to the printed
precision (4 decimals for Ch. 1, 7 significant digits where the book prints them).
"""
from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import gravity as gv
from tests.conftest import require_data

YEARS = [1986, 1990, 1994, 1998, 2002, 2006]


def _published() -> pd.DataFrame:
    p = Path(os.environ["GRAVITY_DATA_DIR"]) / "yotov2016" / "expected" / "published_estimates.csv"
    if not p.exists():
        if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
            pytest.fail(f"published estimates missing under CI: {p}")
        pytest.skip(f"published estimates not available: {p}")
    return pd.read_csv(p)


def _decimals(x: float) -> int:
    s = repr(float(x))
    return len(s.split(".")[1]) if "." in s else 0


def _check(res, table: pd.DataFrame, *, se: bool = True):
    for row in table.itertuples():
        tol = 0.5 * 10.0 ** (-_decimals(row.coef)) + 1e-12
        assert abs(res.params[row.variable] - row.coef) <= tol, (row.variable, res.params[row.variable], row.coef)
        if se:
            tol = 0.5 * 10.0 ** (-_decimals(row.se)) + 1e-12
            assert abs(res.bse[row.variable] - row.se) <= tol, (row.variable, res.bse[row.variable], row.se)


@pytest.fixture(scope="module")
def published():
    return _published()


def test_ch1_app1_ppml_clustered(published):
    require_data("yotov2016/Chapter1Application1.dta")
    d = gv.load("yotov2016/Chapter1Application1.dta")
    d = d[(d.exporter != d.importer) & d.year.isin(YEARS)].copy()
    d["ln_DIST"] = np.log(d["DIST"])
    res = gv.ppml("trade ~ ln_DIST + CNTG + LANG + CLNY | exporter^year + importer^year", d,
                  cluster="pair_id")
    exp = published[published.application == "ch1_app1_traditional_gravity"]
    assert res.nobs == int(exp.nobs.iloc[0]) == 28152
    assert res.converged and res.vcov_type == "cluster"
    assert res.n_clusters == d["pair_id"].nunique()
    _check(res, exp)
    # with the clustered correction switched off the SEs shrink by exactly sqrt((G-1)/G)
    res0 = gv.ppml("trade ~ ln_DIST + CNTG + LANG + CLNY | exporter^year + importer^year", d,
                   cluster="pair_id", ssc="none")
    G = res.n_clusters
    np.testing.assert_allclose(res0.bse * np.sqrt(G / (G - 1)), res.bse, rtol=1e-10)


@pytest.mark.parametrize("key", ["yotov2016/Chapter2Application1.dta", "yotov2016/Chapter1Application1.dta"])
def test_ch2_app1_borders_robust(published, key):
    require_data(key)
    d = gv.load(key)
    d = d[d.year == 2006].copy()
    d["ln_DIST"] = np.log(d["DIST"])
    d["INTL_BRDR"] = (d.exporter != d.importer).astype(float)
    res = gv.ppml("trade ~ ln_DIST + CNTG + INTL_BRDR | exporter + importer", d)  # robust default
    exp = published[published.application == "ch2_app1_trade_without_borders"]
    assert res.vcov_type == "hetero"
    assert res.nobs == int(exp.nobs.iloc[0]) == 4761
    _check(res, exp)


@pytest.fixture(scope="module")
def ch2_app2():
    require_data("yotov2016/Chapter2Application2.dta")
    d = gv.load("yotov2016/Chapter2Application2.dta")
    d = d[d.year.isin(YEARS)].copy()
    return d, gv.ppml("trade ~ RTA | exporter^year + importer^year + pair_id", d)


def test_ch2_app2_three_way_rta(published, ch2_app2):
    d, res = ch2_app2
    exp = published[(published.application == "ch2_app2_rta_nafta") & (published.variable == "RTA")]
    _check(res, exp)
    assert res.nobs == 28482 == int(exp.nobs.iloc[0])
    # the 84 rows dropped: the 7 pair_id groups (pair_id is one id per unordered pair, both
    # directions) whose trade is zero in every year — 7 x 2 directions x 6 years
    sample = res.sample
    assert (~sample.used).sum() == 84
    assert set(sample.loc[~sample.used, "reason"]) == {"all-zero group"}
    dropped = d.loc[~sample.used]
    assert dropped.groupby("pair_id")["trade"].max().eq(0).all()
    assert dropped["pair_id"].nunique() == 7
    tot = d.groupby("pair_id")["trade"].sum()
    assert set(tot[tot == 0].index) == set(dropped["pair_id"].unique())
