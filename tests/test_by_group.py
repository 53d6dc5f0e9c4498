"""Sector-level estimation (issue 12): one PPML per group through the execution layer.

Invariants: each group's fit equals the separate fit on its sub-sample (an independent call of the
estimator); in-process and Dask executions give identical numbers; failed groups keep their reason.
"""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from gravity.estimation.by_group import ByGroupResults, fit_by
from gravity.estimation.ppml import ppml
from gravity.execution import get_executor

FORMULA = "trade ~ ln_dist + rta | exporter^year + importer^year"


def _panel(n_sectors=4, n_countries=16, n_years=3, seed=7) -> pd.DataFrame:
    """Square multi-sector panel without domestic pairs: X^s_ij,t = exp(β_s'x + α^s_it + γ^s_jt) · Gamma noise."""
    rng = np.random.default_rng(seed)
    c = np.arange(n_countries)
    e, i = (a.ravel() for a in np.meshgrid(c, c, indexing="ij"))
    keep = e != i
    e, i = e[keep], i[keep]
    ln_dist = rng.normal(8, 0.7, e.size)
    rta = (rng.random(e.size) < 0.3).astype(float)
    parts = []
    for s in range(n_sectors):
        for t in range(n_years):
            eta = (6 - (0.5 + 0.4 * s) * ln_dist + (0.3 + 0.1 * s) * rta
                   + rng.normal(0, 1, n_countries)[e] + rng.normal(0, 1, n_countries)[i])
            y = rng.gamma(2.0, np.exp(eta) / 2.0)
            y[rng.random(e.size) < 0.1] = 0.0
            parts.append(pd.DataFrame({"sector": f"s{s:02d}", "exporter": e, "importer": i, "year": 2000 + t,
                                       "ln_dist": ln_dist, "rta": rta, "trade": y}))
    return pd.concat(parts, ignore_index=True).sample(frac=1.0, random_state=1)  # row order irrelevant


@pytest.fixture(scope="module")
def panel():
    return _panel()


def test_by_equals_separate_fits(panel):
    fits = fit_by(ppml, FORMULA, panel, "sector", executor=get_executor(workers=0), progress=False)
    assert isinstance(fits, ByGroupResults)
    assert fits.levels == sorted(panel.sector.unique()) and len(fits.failed) == 0
    for lev, r in zip(fits.levels, fits):
        ref = ppml(FORMULA, panel[panel.sector == lev])
        np.testing.assert_allclose(r.params.to_numpy(), ref.params.to_numpy(), rtol=0, atol=1e-10)
        np.testing.assert_allclose(r.bse.to_numpy(), ref.bse.to_numpy(), rtol=0, atol=1e-10)
        assert r.nobs == ref.nobs
    tidy = fits.tidy()
    assert list(tidy.columns) == ["sector", "term", "estimate", "se", "nobs", "converged", "reason"]
    assert len(tidy) == 2 * 4 and tidy.converged.all()
    got = tidy.set_index(["sector", "term"]).estimate
    assert got[("s02", "ln_dist")] == fits.result("s02").params["ln_dist"]
    # the slopes differ across sectors as generated (−0.5 − 0.4 s): sector fits are not pooled
    assert tidy[tidy.term == "ln_dist"].estimate.is_monotonic_decreasing


def test_ppml_by_argument_matches_fit_by(panel):
    a = ppml(FORMULA, panel.head(3000), by="sector", cluster="exporter")
    b = fit_by(ppml, FORMULA, panel.head(3000), "sector", executor=get_executor(workers=0), progress=False,
               cluster="exporter")
    pd.testing.assert_frame_equal(a.tidy(), b.tidy())


def test_failed_groups_are_reported_with_reason(panel):
    bad = panel[panel.sector == "s00"].assign(sector="zz_zero", trade=0.0)
    tiny = panel[(panel.sector == "s01")].head(3).assign(sector="zz_tiny")
    fits = fit_by(ppml, FORMULA, pd.concat([panel, bad, tiny]), "sector", executor=get_executor(workers=0),
                  progress=False)
    assert len(fits) == 4 and list(fits.failed.sector) == ["zz_tiny", "zz_zero"]
    assert fits.failed.set_index("sector").nobs.to_dict() == {"zz_tiny": 3, "zz_zero": len(bad)}
    assert all(fits.failed.reason.str.len() > 0)
    tidy = fits.tidy()
    row = tidy[tidy.sector == "zz_zero"]
    assert len(row) == 1 and not row.converged.iloc[0] and np.isnan(row.estimate.iloc[0])
    with pytest.raises(KeyError, match="zz_zero"):
        fits.result("zz_zero")


def test_bad_input_names_the_fix(panel):
    with pytest.raises(ValueError, match="not a column"):
        fit_by(ppml, FORMULA, panel, "industry")
    with pytest.raises(ValueError, match="missing in 1 rows"):
        fit_by(ppml, FORMULA, panel.assign(sector=panel.sector.where(np.arange(len(panel)) != 5)), "sector")
    with pytest.raises(ValueError, match="call once per model"):
        fit_by(ppml, "trade ~ csw(ln_dist, rta) | exporter^year", panel, "sector")
    with pytest.raises(ValueError, match="column name"):
        fit_by(ppml, FORMULA, panel, "sector", weights=np.ones(len(panel)))


def test_dask_matches_in_process(panel):
    """1 and 2 local Dask workers give identical tables, bit for bit; in-process agrees to rounding (numba
    may use several threads in this process and one inside each worker: reductions in another order)."""
    pytest.importorskip("distributed")
    inproc = fit_by(ppml, FORMULA, panel, "sector", executor=get_executor(workers=0), progress=False).tidy()
    one = fit_by(ppml, FORMULA, panel, "sector", executor=get_executor(workers=1, mode="local"),
                 progress=False).tidy()
    two = fit_by(ppml, FORMULA, panel, "sector", executor=get_executor(workers=2, mode="local"),
                 progress=False).tidy()
    pd.testing.assert_frame_equal(one, two, check_exact=True)
    pd.testing.assert_frame_equal(inproc, two, check_exact=False, rtol=1e-12, atol=1e-14)
