"""Group aggregates of GE effects (gravity.ge.aggregate) against direct sums of counterfactual flows."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from gravity.ge import Baseline, GEInputError, solve
from gravity.ge.aggregate import aggregate_levels


@pytest.fixture(scope="module")
def world():
    rng = np.random.default_rng(11)
    n = 7
    c = np.array([f"K{i:02d}" for i in range(n)])
    X = rng.lognormal(2, 1, (n, n))
    X[np.diag_indices(n)] *= 20
    df = pd.DataFrame({"exporter": np.repeat(c, n), "importer": np.tile(c, n), "trade": X.ravel()})
    base = Baseline.from_trade(df, sigma=5, reference="K00")
    that = np.exp(rng.normal(0, 0.3, (n, n)))
    np.fill_diagonal(that, 1.0)
    return base, solve(base, that)


@pytest.mark.parametrize("members", [[0, 2, 5], [1], list(range(7))])
def test_group_exports_change_is_that_of_the_summed_flows(world, members):
    """The aggregate of country export changes = % change of the group's summed international flows."""
    base, res = world
    X = base.fitted
    off = ~np.eye(base.n, dtype=bool)
    mask = np.isin(np.arange(base.n), members)
    levels = (X * off).sum(axis=1)
    for ge, flows in (("cdl", res.flows_cdl), ("full", res.flows_full)):
        direct = 100 * ((flows * off)[mask].sum() / (X * off)[mask].sum() - 1)
        got = aggregate_levels(res.countries[f"exports_{ge}"].to_numpy(), levels, mask)
        assert got == pytest.approx(direct, rel=1e-12, abs=1e-12)


def test_weighted_mean_and_draw_axis(world):
    """e_G = Σ L_i e_i / Σ L_i (the second form of the equation), row by row over draws."""
    base, _ = world
    rng = np.random.default_rng(2)
    eff = rng.normal(0, 3, (40, base.n))
    mask = np.array([True, False, True, True, False, False, True])
    got = aggregate_levels(eff, base.Y, mask)
    assert got.shape == (40,)
    np.testing.assert_allclose(got, eff[:, mask] @ base.Y[mask] / base.Y[mask].sum(), rtol=1e-10, atol=1e-12)
    # a common change of every member is the group's change, whatever the weights
    assert aggregate_levels(np.full(base.n, 2.5), base.Y, mask) == pytest.approx(2.5, rel=1e-13)


def test_bad_input_is_named(world):
    base, _ = world
    eff = np.zeros(base.n)
    with pytest.raises(GEInputError, match="same N countries"):
        aggregate_levels(eff, base.Y, np.ones(base.n - 1, bool))
    with pytest.raises(GEInputError, match="mask must be boolean"):
        aggregate_levels(eff, base.Y, np.ones(base.n, int))
    with pytest.raises(GEInputError, match="0 members"):
        aggregate_levels(eff, base.Y, np.zeros(base.n, bool))
