"""Bad input raises ValueError naming the column, the rows (first labels + count) and a fix;
collinear regressors are dropped with their names reported; missing values are dropped only on
request and recorded in ``sample``."""
from __future__ import annotations

import logging

import numpy as np
import pandas as pd
import pytest

import gravity as gv
from gravity.estimation.formula import FormulaError, parse_formula


@pytest.fixture
def d():
    rng = np.random.default_rng(1)
    n = 60
    df = pd.DataFrame({
        "trade": rng.poisson(5, n).astype(float), "x": rng.normal(size=n), "z": rng.normal(size=n),
        "exp": np.repeat(list("abcdef"), 10), "imp": np.tile(list("uvwxyz"), 10),
    }, index=[f"r{i}" for i in range(n)])
    return df


def test_parse_formula():
    s = parse_formula("trade ~ ln_dist + cntg | exporter^year + importer^year + pair")
    assert s.depvar == "trade" and s.slopes == ("ln_dist", "cntg")
    assert s.fixed_effects == (("exporter", "year"), ("importer", "year"), ("pair",))
    assert s.fe_names == ["exporter^year", "importer^year", "pair"] and not s.intercept
    assert parse_formula("y ~ x").intercept and not parse_formula("y ~ x - 1").intercept
    assert parse_formula("y ~ 1 | a").slopes == ()
    for bad in ["y x", "y ~ log(x)", "y ~ x | a | b", "y ~ x + x", "y ~ y"]:
        with pytest.raises(FormulaError):
            parse_formula(bad)


@pytest.mark.parametrize("mutate, col, rows", [
    (lambda df: df.assign(trade=df.trade.where(~df.index.isin(["r3", "r7"]), -1.0)), "trade", ["r3", "r7"]),
    (lambda df: df.assign(trade=df.trade.where(df.index != "r5", np.inf)), "trade", ["r5"]),
    (lambda df: df.assign(x=df.x.where(~df.index.isin(["r2", "r4", "r9"]), np.nan)), "x", ["r2", "r4", "r9"]),
    (lambda df: df.assign(x=df.x.where(df.index != "r8", -np.inf)), "x", ["r8"]),
    (lambda df: df.assign(exp=df.exp.where(df.index != "r11", None)), "exp", ["r11"]),
    (lambda df: df.assign(trade=df.trade.where(df.index != "r1", np.nan)), "trade", ["r1"]),
])
def test_bad_values_name_column_and_rows(d, mutate, col, rows):
    with pytest.raises(ValueError) as e:
        gv.ppml("trade ~ x + z | exp + imp", mutate(d))
    msg = str(e.value)
    assert repr(col) in msg
    assert f"{len(rows)} row(s)" in msg
    for r in rows:
        assert repr(r) in msg


def test_missing_column_and_non_numeric(d):
    with pytest.raises(ValueError, match="'dist'"):
        gv.ppml("trade ~ x + dist | exp", d)
    with pytest.raises(ValueError, match="'pair'"):
        gv.ppml("trade ~ x | exp", d, cluster="pair")
    with pytest.raises(ValueError, match="slope 'exp' is not numeric"):
        gv.ppml("trade ~ x + exp | imp", d)
    with pytest.raises(ValueError, match="outcome 'exp' must be numeric"):
        gv.ppml("exp ~ x | imp", d)
    with pytest.raises(ValueError, match="weights"):
        gv.ppml("trade ~ x | imp", d, weights=np.r_[np.ones(59), -1.0])
    with pytest.raises(ValueError, match="offset array has shape"):
        gv.ppml("trade ~ x | imp", d, offset=np.ones(3))


def test_empty_sample_after_drops(d):
    with pytest.raises(ValueError, match="no observations left"):
        gv.ppml("trade ~ x | exp", d.assign(trade=0.0))


def test_missing_drop_records_rows(d, caplog):
    bad = d.assign(x=d.x.where(~d.index.isin(["r2", "r40"]), np.nan))
    with caplog.at_level(logging.INFO, logger="gravity.estimation"):
        res = gv.ppml("trade ~ x + z | exp + imp", bad, missing="drop")
    assert res.nobs == 58
    assert list(res.sample.index[~res.sample.used]) == ["r2", "r40"]
    assert set(res.sample.loc[["r2", "r40"], "reason"]) == {"missing value"}
    assert "missing values" in caplog.text
    full = gv.ppml("trade ~ x + z | exp + imp", d.drop(index=["r2", "r40"]))
    np.testing.assert_allclose(res.params, full.params, rtol=1e-10)


def test_collinear_regressors_named_and_dropped(d, caplog):
    df = d.assign(x2=2 * d.x, const=1.0, expdummy=(d.exp == "a").astype(float))
    with caplog.at_level(logging.WARNING, logger="gravity.estimation"):
        res = gv.ppml("trade ~ x + const + x2 + z + expdummy | exp + imp", df)
    assert res.collinear == ["const", "x2", "expdummy"]
    assert list(res.params.index) == ["x", "z"]
    for name in res.collinear:
        assert name in caplog.text
    ref = gv.ppml("trade ~ x + z | exp + imp", d)
    np.testing.assert_allclose(res.params, ref.params, rtol=1e-10)
    np.testing.assert_allclose(res.bse, ref.bse, rtol=1e-8)
