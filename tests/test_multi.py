"""Multiple estimation (sw/csw/csw0, split/fsplit): every column equals its separate fit."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from gravity.estimation.formula import DesignCache, _encode
from gravity.estimation.multi import FitList
from gravity.estimation.ppml import ppml
from gravity.report.tables import regtable


@pytest.fixture(scope="module")
def panel():
    rng = np.random.default_rng(5)
    nc, nt = 14, 4
    e, i, t = (a.ravel() for a in np.meshgrid(np.arange(nc), np.arange(nc), np.arange(nt), indexing="ij"))
    keep = e != i
    e, i, t = e[keep], i[keep], t[keep]
    n = e.size
    d = pd.DataFrame({"exporter": e, "importer": i, "year": 2000 + t, "pair": e * nc + i,
                      "ln_dist": rng.normal(7, 0.5, n), "rta": (rng.random(n) < 0.3).astype(float),
                      "tariff": rng.uniform(0, 0.2, n), "region": np.where(e < nc // 2, "north", "south")})
    eta = 9 - 0.8 * d.ln_dist + 0.4 * d.rta - 2 * d.tariff + rng.normal(0, 1, nc)[e] + rng.normal(0, 1, nc)[i]
    d["trade"] = rng.gamma(2.0, np.exp(eta) / 2.0)
    d.loc[rng.random(n) < 0.1, "trade"] = 0.0
    d.loc[[3, 50], "tariff"] = np.nan          # models with tariff lose these rows (missing='drop')
    return d


FE = "exporter^year + importer^year"


def _same(a, b):
    assert list(a.params.index) == list(b.params.index)
    np.testing.assert_allclose(a.params.to_numpy(), b.params.to_numpy(), rtol=0, atol=1e-10)
    np.testing.assert_allclose(a.bse.to_numpy(), b.bse.to_numpy(), rtol=1e-10)
    assert a.nobs == b.nobs
    pd.testing.assert_frame_equal(a.sample, b.sample)


@pytest.mark.parametrize("formula, separate", [
    (f"trade ~ csw(ln_dist, rta, tariff) | {FE}",
     [f"trade ~ ln_dist | {FE}", f"trade ~ ln_dist + rta | {FE}", f"trade ~ ln_dist + rta + tariff | {FE}"]),
    (f"trade ~ ln_dist + sw(rta, log(1 + tariff)) | {FE}",
     [f"trade ~ ln_dist + rta | {FE}", f"trade ~ ln_dist + log(1 + tariff) | {FE}"]),
    ("trade ~ ln_dist + rta | csw0(exporter^year, importer^year)",
     ["trade ~ ln_dist + rta", "trade ~ ln_dist + rta | exporter^year", f"trade ~ ln_dist + rta | {FE}"]),
])
def test_columns_equal_separate_fits(panel, formula, separate):
    fits = ppml(formula, panel, cluster="pair", missing="drop")
    assert isinstance(fits, FitList) and len(fits) == len(separate)
    for fit, f in zip(fits, separate):
        _same(fit, ppml(f, panel, cluster="pair", missing="drop"))
    assert [lab.replace(" ", "") for lab in fits.labels] == [f.replace(" ", "") for f in separate]


def test_split_and_fsplit(panel):
    f = f"trade ~ ln_dist + rta | {FE}"
    split = ppml(f, panel, split="region", vcov="hetero")
    fsplit = ppml(f, panel, fsplit="region", vcov="hetero")
    assert split.labels == [f + " [region = north]", f + " [region = south]"]
    assert fsplit.labels == [f] + split.labels
    _same(fsplit[0], ppml(f, panel, vcov="hetero"))
    for fit, reg in zip(split, ["north", "south"]):
        _same(fit, ppml(f, panel[panel.region == reg], vcov="hetero"))
        _same(fit, fsplit[1 + ["north", "south"].index(reg)])
    with pytest.raises(ValueError, match="not in data"):
        ppml(f, panel, split="nope")
    with pytest.raises(ValueError, match="not both"):
        ppml(f, panel, split="region", fsplit="region")


def test_fitlist_tables_and_vcov(panel):
    fits = ppml(f"trade ~ csw(ln_dist, rta) | {FE}", panel, cluster="pair")
    tab = regtable(fits)
    assert tab.frame.shape[1] == 2
    assert list(fits.params.columns) == fits.labels and np.isnan(fits.params.loc["rta"].iloc[0])
    het = fits.vcov("hetero")
    for a, b in zip(het, fits):
        np.testing.assert_array_equal(a.params.to_numpy(), b.params.to_numpy())
        assert a.vcov_type == "hetero" and b.vcov_type == "cluster"
    mixed = regtable([fits, ppml(f"trade ~ rta | {FE}", panel)])
    assert mixed.frame.shape[1] == 3


def test_shared_fixed_effect_codes_equal_direct_encoding(panel):
    cache = DesignCache(panel)
    rows = np.flatnonzero(panel.tariff.notna().to_numpy() & (panel.year > 2000).to_numpy())
    codes, labels = cache.fe(("exporter", "year"), rows)
    ref_codes, ref_labels = _encode([panel.exporter.iloc[rows], panel.year.iloc[rows]])
    np.testing.assert_array_equal(codes, ref_codes)
    assert list(labels) == list(ref_labels)


def test_nested_models_start_from_the_previous_solution(panel):
    """csw() on the same rows: each model starts IRLS from the previous model's η and demeaning
    coefficients, so it needs fewer iterations than its separate fit and lands on the same solution."""
    d = panel.dropna(subset=["tariff"])
    f = f"trade ~ csw(ln_dist, rta, tariff) | {FE}"
    fits = ppml(f, d, tol=1e-12)
    separate = [ppml(g, d, tol=1e-12) for g in (f"trade ~ ln_dist | {FE}", f"trade ~ ln_dist + rta | {FE}",
                                                 f"trade ~ ln_dist + rta + tariff | {FE}")]
    assert fits[0].n_iter == separate[0].n_iter          # the first model has nothing to start from
    assert fits[1].n_iter < separate[1].n_iter and fits[2].n_iter < separate[2].n_iter
    for a, b in zip(fits, separate):
        np.testing.assert_allclose(a.params.to_numpy(), b.params.to_numpy(), rtol=0, atol=1e-10)
        np.testing.assert_allclose(a.bse.to_numpy(), b.bse.to_numpy(), rtol=1e-8)
    # a model that loses rows (log(0) undefined) does not reuse a start from other rows
    d2 = d.assign(z=np.where(np.arange(len(d)) % 7 == 0, 0.0, 1.0 + d["tariff"]))
    mixed = ppml(f"trade ~ ln_dist + sw(rta, log(z)) | {FE}", d2, tol=1e-12)
    alone = ppml(f"trade ~ ln_dist + log(z) | {FE}", d2, tol=1e-12)
    assert mixed[1].n_iter == alone.n_iter
    np.testing.assert_allclose(mixed[1].params.to_numpy(), alone.params.to_numpy(), rtol=0, atol=1e-10)
