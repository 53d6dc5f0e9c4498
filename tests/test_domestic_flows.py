"""Output data behind constructed domestic flows (gravity.scenario.baseline): value added by method, X_ii
from output minus exports with the flagged floor, the WDI output data of a year."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from gravity.errors import GravityError
from gravity.scenario import baseline as sb
from tests.conftest import require_data

C = ["AAA", "BBB", "CCC", "DDD"]


def _output():
    return pd.DataFrame({"gdp": [500.0, 300.0, 400.0, np.nan], "industry_share": [30.0, 10.0, 25.0, 40.0],
                         "manufacturing_va": [90.0, 20.0, np.nan, 50.0]}, index=pd.Index(C, name="iso3"))


def test_value_added_by_method_and_the_imputed_manufacturing_ratio():
    out = _output()
    ind = sb.value_added(out, "industry")
    np.testing.assert_allclose(ind["value_added"].to_numpy()[:3], [150.0, 30.0, 100.0], rtol=1e-15)
    assert np.isnan(ind.loc["DDD", "value_added"]) and not ind["va_imputed"].any()
    man = sb.value_added(out, "manufacturing")
    ratio = float(np.median([90.0 / 150.0, 20.0 / 30.0]))                  # the countries with both series
    assert man.loc["CCC", "value_added"] == pytest.approx(100.0 * ratio, rel=1e-14)
    assert man["va_imputed"].tolist() == [False, False, True, False]
    assert man.loc["AAA", "value_added"] == 90.0
    with pytest.raises(sb.OutputDataError, match=r"domestic-flow method must be one of \['industry', 'manufacturing'\], got 'gdp'"):
        sb.value_added(out, "gdp")


def test_domestic_flow_is_output_minus_exports_or_the_flagged_floor():
    exports = pd.Series({"AAA": 100.0, "BBB": 1000.0, "CCC": 50.0})
    va = pd.Series({"AAA": 150.0, "BBB": 30.0, "CCC": 100.0})
    d = sb.domestic_flows(exports, va, multiplier=3.0, floor_share=0.1)
    # κ·VA − exports where that is at least f·exports, else f·exports (clipped)
    np.testing.assert_allclose(d["domestic"], [350.0, 100.0, 250.0], rtol=1e-15)
    assert d["clipped"].tolist() == [False, True, False]
    np.testing.assert_allclose((d["domestic"] + exports)[~d["clipped"]], 3.0 * va[~d["clipped"]], rtol=1e-15)


def test_domestic_flow_errors_name_the_countries_and_the_fix():
    with pytest.raises(sb.OutputDataError, match=r"value added missing or <= 0 for \['A'\]; exclude"):
        sb.domestic_flows(pd.Series({"A": 1.0}), pd.Series({"A": 0.0}), multiplier=3, floor_share=0.1)
    with pytest.raises(ValueError, match="multiplier=0.5 must be >= 1"):
        sb.domestic_flows(pd.Series({"A": 1.0}), pd.Series({"A": 2.0}), multiplier=0.5, floor_share=0.1)
    assert issubclass(sb.OutputDataError, GravityError)


def test_wdi_output_data_for_2016():
    require_data(*sb.OUTPUT_FILES)
    o = sb.output_data(2016, carry=1)
    eco = ["AFG", "AZE", "IRN", "KAZ", "KGZ", "PAK", "TJK", "TKM", "TUR", "UZB"]
    assert o.loc[eco, ["gdp", "industry_share"]].notna().all().all()
    assert (o.loc[eco, "gdp_year"] == 2016).all()
    # Belgium-Luxembourg (one Comtrade reporter) is the sum of its members
    assert o.loc["BLX", "gdp"] == pytest.approx(o.loc["BEL", "gdp"] + o.loc["LUX", "gdp"])
    assert o.loc["BEL", "industry_share"] > 0 and np.isfinite(o.loc["BLX", "industry_share"])
