"""WIOD 2013 reader (issue 12): sector-level bilateral flows with domestic flows, negatives flagged."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from gravity.data import registry
from gravity.data.readers.wiod import (WIOD_COLUMNS, WIODNegativeFlowError, iter_wiod_sectors,
                                       read_wiod)
from tests.conftest import require_data

YEAR = 1995


@pytest.fixture(scope="module")
def kept():
    require_data(f"wiod2013/wiot_{YEAR}.RData")
    return read_wiod(YEAR, negative="keep")


def test_rows_sum_to_gross_output(kept):
    """Σ_j X^s_ij = gross output of (i, s) up to the rounding of the 1435 + 205 integer cells of a row."""
    raw = registry.load(f"wiod2013/wiot_{YEAR}.RData")
    out = pd.Series(np.asarray(raw["output"], dtype=float) * 1e6,
                    index=pd.MultiIndex.from_product([[c if c != "ROM" else "ROU" for c in raw["countries"]],
                                                      raw["industries"]], names=["exporter", "sector"]))
    sums = kept.groupby(["exporter", "sector"], sort=False).trade.sum().reindex(out.index)
    gap = (sums - out).abs() / 1e6
    assert gap.max() <= 0.5 * (1435 + 205)           # rounding bound of a row
    assert gap.mean() < 50                           # and typically far smaller (about 40 in 2011)
    assert len(kept) == 35 * 41 * 41 and list(kept.columns) == WIOD_COLUMNS


def test_total_is_intermediate_plus_final(kept):
    inter = read_wiod(YEAR, flows="intermediate", negative="keep").trade.to_numpy()
    final = read_wiod(YEAR, flows="final", negative="keep").trade.to_numpy()
    np.testing.assert_array_equal(inter + final, kept.trade.to_numpy())
    assert (inter >= 0).all()                         # negatives come from final demand (inventories)


def test_negative_cells_are_flagged_never_silent(kept):
    neg = kept.trade < 0
    assert 5 <= neg.sum() <= 30
    assert (kept.flag[neg] == "negative").all() and (kept.flag[~neg] == "").all()
    zero = read_wiod(YEAR)                            # default: set to 0, flagged
    hit = zero.flag == "negative_set_to_zero"
    assert hit.sum() == neg.sum() and (zero.trade[hit] == 0).all() and (zero.trade >= 0).all()
    pd.testing.assert_series_equal(zero.trade[~hit], kept.trade[~hit])
    with pytest.raises(WIODNegativeFlowError, match="negative='zero'"):
        read_wiod(YEAR, negative="raise")


def test_coverage_russia_turkey_and_rest_of_world(kept):
    """RUS and TUR are countries of WIOD; Central Asia exists only inside RoW; Romania is ROU."""
    codes = set(kept.exporter) | set(kept.importer)
    assert {"RUS", "TUR", "RoW", "ROU"} <= codes and len(codes) == 41
    assert not codes & {"KAZ", "KGZ", "TJK", "TKM", "UZB", "ROM"}
    dom = kept[kept.exporter == kept.importer]
    assert len(dom) == 35 * 41 and dom.trade.sum() > 0.5 * kept.trade.sum()   # domestic flows present, dominant


def test_stream_by_sector_equals_year_reads():
    require_data("wiod2013/wiot_1995.RData", "wiod2013/wiot_1996.RData")
    got = dict(iter_wiod_sectors([1995, 1996], sectors=["c14", "c3"]))
    assert list(got) == ["c14", "c3"]
    full = pd.concat([read_wiod(1995), read_wiod(1996)], ignore_index=True)
    for code, frame in got.items():
        ref = full[full.sector == code].reset_index(drop=True)
        pd.testing.assert_frame_equal(frame, ref)


def test_bad_input():
    with pytest.raises(ValueError, match="1995–2011"):
        read_wiod(2014)
    with pytest.raises(ValueError, match="flows must be"):
        read_wiod(1995, flows="gross")
    with pytest.raises(ValueError, match="unknown WIOD sectors"):
        next(iter_wiod_sectors([1995], sectors=["c36"]))
