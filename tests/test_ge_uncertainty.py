"""Confidence intervals for GE effects: reproducibility, coverage of the point, degenerate cases."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import gravity as gv
from gravity.ge import (EFFECTS, Baseline, GEInputError, confidence_intervals, pair_bootstrap,
                        parametric_draws, pooled_intervals, ppml_refit, solve)

N = 10
NAMES = ["ln_dist", "fta"]


class _Fit:
    """A fitted-model stand-in: params and cov_params(), as gv.ppml returns."""

    def __init__(self, params, cov):
        self.params = pd.Series(params, index=NAMES, dtype=float)
        self._cov = pd.DataFrame(cov, index=NAMES, columns=NAMES)

    def cov_params(self):
        return self._cov


@pytest.fixture(scope="module")
def small():
    rng = np.random.default_rng(11)
    xy = rng.uniform(0, 50, (N, 2))
    ln_dist = np.log(np.sqrt(((xy[:, None] - xy[None]) ** 2).sum(-1)) + 3.0)
    fta = np.zeros((N, N))
    fta[:4, :4] = 1.0
    np.fill_diagonal(fta, 0.0)
    K = np.stack([ln_dist, fta])
    beta = np.array([-1.0, 0.5])
    t = np.exp(np.tensordot(beta, K, 1))
    size = np.exp(rng.normal(0, 1, N))
    X = np.outer(size, size) * t * rng.lognormal(0, 0.2, (N, N))
    c = np.array([f"C{i}" for i in range(N)])
    df = pd.DataFrame({"exporter": np.repeat(c, N), "importer": np.tile(c, N), "trade": X.ravel()})
    base = Baseline.from_trade(df, sigma=6.0, costs=t, reference="C0")
    new_fta = fta.copy()
    new_fta[:7, :7] = 1.0           # enlarge the agreement to 7 members
    np.fill_diagonal(new_fta, 0.0)
    dK = new_fta - fta
    scenario = lambda b: np.exp(b["fta"] * dK)                     # noqa: E731
    baseline_costs = lambda b: np.exp(np.tensordot(b[NAMES].to_numpy(), K, 1))  # noqa: E731
    return dict(base=base, scenario=scenario, baseline_costs=baseline_costs, beta=beta, K=K, df=df)


def test_reproducible_from_seed_and_ci_contains_point(small):
    fit = _Fit(small["beta"], np.diag([0.05, 0.1]) ** 2)
    kw = dict(fit=fit, draws=50, baseline_costs=small["baseline_costs"], progress=False)
    a = confidence_intervals(small["base"], small["scenario"], seed=3, **kw)
    b = confidence_intervals(small["base"], small["scenario"], seed=3, **kw)
    c = confidence_intervals(small["base"], small["scenario"], seed=4, **kw)
    np.testing.assert_array_equal(a.draws, b.draws)
    assert not np.allclose(a.draws, c.draws)
    assert a.n_draws == 50 and a.n_failed == 0 and len(a.failures) == 0
    assert ((a.lower <= a.point + 1e-9) & (a.point <= a.upper + 1e-9)).all().all()
    assert (a.upper["real_gdp_full"] - a.lower["real_gdp_full"]).max() > 0.01
    assert list(a.countries.columns.get_level_values(0).unique()) == list(EFFECTS)


def test_draws_equal_serial_exact_solves(small):
    """The parallel batch kernel gives what solve() gives draw by draw (baseline re-built)."""
    fit = _Fit(small["beta"], np.diag([0.05, 0.1]) ** 2)
    u = confidence_intervals(small["base"], small["scenario"], fit=fit, draws=5, seed=0,
                             baseline_costs=small["baseline_costs"], progress=False)
    for d in (0, 4):
        beta = u.betas.iloc[d]
        b = small["base"].with_costs(small["baseline_costs"](beta))
        r = solve(b, small["scenario"](beta)).countries
        np.testing.assert_allclose(u.draws[d].T, r.to_numpy(), atol=1e-7)


def test_zero_covariance_collapses_to_point(small):
    fit = _Fit(small["beta"], np.zeros((2, 2)))
    u = confidence_intervals(small["base"], small["scenario"], fit=fit, draws=20, seed=0,
                             baseline_costs=small["baseline_costs"], progress=False)
    np.testing.assert_allclose(u.lower.to_numpy(), u.point.to_numpy(), atol=1e-8)
    np.testing.assert_allclose(u.upper.to_numpy(), u.point.to_numpy(), atol=1e-8)


def test_sigma_range_moves_only_sigma_dependent_effects(small):
    fit = _Fit(small["beta"], np.zeros((2, 2)))
    u = confidence_intervals(small["base"], small["scenario"], fit=fit, draws=30, seed=1,
                             sigma=(4.0, 9.0), progress=False)
    assert (u.sigmas >= 4.0).all() and (u.sigmas <= 9.0).all()
    # conditional trade does not depend on σ (costs are t^{1-σ}); full-endowment prices do
    np.testing.assert_allclose(u.lower["exports_cdl"], u.upper["exports_cdl"], atol=1e-8)
    assert (u.upper["price_full"] - u.lower["price_full"]).max() > 1e-3


def test_failed_draws_are_reported_with_reasons(small):
    fit = _Fit(small["beta"], np.diag([0.05, 0.3]) ** 2)

    def fragile(b):
        if b["fta"] > 0.6:
            raise ValueError("fta effect above 0.6 not allowed in this scenario")
        return small["scenario"](b)

    u = confidence_intervals(small["base"], fragile, fit=fit, draws=40, seed=2, progress=False)
    expected = int((u.betas["fta"] > 0.6).sum())
    assert 0 < u.n_failed == expected < 40
    assert set(u.failures["stage"]) == {"scenario"}
    assert u.failures["reason"].str.contains("above 0.6").all()
    assert np.isfinite(u.lower.to_numpy()).all()
    # a draw that makes the costs infinite fails in the solver, with the reason
    inf = lambda b: np.full((N, N), np.inf) if b["fta"] > 0.6 else small["scenario"](b)  # noqa: E731
    v = confidence_intervals(small["base"], inf, fit=fit, draws=40, seed=2, progress=False)
    assert v.n_failed == expected and v.failures["reason"].str.contains("finite").all()


def test_parametric_draws_match_covariance():
    V = np.array([[0.04, 0.01], [0.01, 0.09]])
    d = parametric_draws(pd.Series([1.0, -2.0], index=["a", "b"]), V, 20000, seed=5)
    np.testing.assert_allclose(np.cov(d.betas.to_numpy().T), V, rtol=0.05)
    with pytest.raises(GEInputError, match="positive semi-definite"):
        parametric_draws(pd.Series([0.0, 0.0]), np.array([[1.0, 2.0], [2.0, 1.0]]), 5)


def test_pair_bootstrap_refits_reproducibly(small):
    rng = np.random.default_rng(0)
    df = small["df"].copy()
    df["ln_dist"] = small["K"][0].ravel()
    df["fta"] = small["K"][1].ravel()
    df["pair_id"] = [min(a, b) + "-" + max(a, b) for a, b in zip(df.exporter, df.importer)]
    df["trade"] = df["trade"] * rng.lognormal(0, 0.3, len(df))
    refit = ppml_refit("trade ~ ln_dist + fta | exporter + importer", NAMES)
    a = pair_bootstrap(df, refit, cluster="pair_id", draws=12, seed=9, progress=False)
    b = pair_bootstrap(df, refit, cluster="pair_id", draws=12, seed=9, progress=False)
    pd.testing.assert_frame_equal(a.betas, b.betas)
    # draw d has its own random stream (seed, d): the same whatever the number of draws or the
    # split over (spawned) processes — `make run` bootstraps with jobs = 2
    p = pair_bootstrap(df, refit, cluster="pair_id", draws=4, seed=9, progress=False)
    pd.testing.assert_frame_equal(p.betas, a.betas.iloc[:4])
    p2 = pair_bootstrap(df, refit, cluster="pair_id", draws=4, seed=9, progress=False, workers=2)
    pd.testing.assert_frame_equal(p2.betas, p.betas)
    via = confidence_intervals(small["base"], small["scenario"], refit=refit, data=df, cluster="pair_id",
                               draws=12, seed=9, progress=False)
    pd.testing.assert_frame_equal(via.betas, a.betas)
    full = gv.ppml("trade ~ ln_dist + fta | exporter + importer", df, cluster="pair_id")
    # the bootstrap spread is of the order of the pair-clustered standard error
    ratio = a.betas.std() / full.bse[NAMES]
    assert ((ratio > 0.3) & (ratio < 3.0)).all(), ratio
    u = confidence_intervals(small["base"], small["scenario"], betas=a, fit=full, seed=0,
                             progress=False)
    assert u.n_draws == 12 and u.method == "pair bootstrap"
    assert ((u.lower <= u.point + 1e-9) & (u.point <= u.upper + 1e-9)).all().all() or u.n_draws < 40

    def broken(data, w):
        if w.max() >= 4:  # a pair drawn 4+ times: pretend the fit diverges
            raise RuntimeError("refit diverged")
        return refit(data, w)

    c = pair_bootstrap(df, broken, cluster="pair_id", draws=12, seed=9, progress=False)
    assert 0 < len(c.failures) < 12 and c.failures["reason"].str.contains("diverged").all()
    assert c.betas.isna().any(axis=1).sum() == len(c.failures)


# ------------------------------------------------------------------ intervals pooled over baselines

def _sigma_variants(small, sigmas=(6.0, 3.0, 9.0)):
    b = small["base"]
    df = small["df"]
    return [(f"sigma={s:g}", Baseline.from_trade(df, sigma=s, costs=b.costs, reference="C0")) for s in sigmas]


def test_pooled_with_one_variant_is_confidence_intervals(small):
    fit = _Fit(small["beta"], np.diag([0.05, 0.1]) ** 2)
    kw = dict(fit=fit, draws=30, seed=4, baseline_costs=small["baseline_costs"], progress=False)
    a = confidence_intervals(small["base"], small["scenario"], **kw)
    p = pooled_intervals([("only", small["base"])], small["scenario"], chunk=7, **kw)
    np.testing.assert_array_equal(p.draws, a.draws)
    pd.testing.assert_frame_equal(p.countries, a.countries)
    pd.testing.assert_frame_equal(p.variants["only"].countries, a.countries)
    assert (p.assignment == 0).all() and p.central == "only"
    assert p.countries.attrs["numeraire"] == "reference"


def test_pooled_interval_carries_sigma(small):
    fit = _Fit(small["beta"], np.diag([0.01, 0.02]) ** 2)
    variants = _sigma_variants(small)
    p = pooled_intervals(variants, small["scenario"], fit=fit, draws=90, seed=2, progress=False)
    # equal weights, each draw solved on its own variant with that variant's σ
    assert np.bincount(p.assignment, minlength=3).tolist() == [30, 30, 30]
    np.testing.assert_array_equal(p.sigmas, np.array([6.0, 3.0, 9.0])[p.assignment])
    # the point is the central (first) variant at β̂
    np.testing.assert_allclose(p.point.to_numpy(), solve(variants[0][1], small["scenario"](fit.params))
                               .countries.to_numpy(), atol=1e-10)
    # draw d on variant v is what confidence_intervals gives on v for the same β_d
    for v, (name, base) in enumerate(variants):
        ids = np.flatnonzero(p.assignment == v)
        one = confidence_intervals(base, small["scenario"], fit=fit, draws=90, seed=2, progress=False)
        np.testing.assert_array_equal(p.draws[ids], one.draws[ids])
    e = "real_gdp_full"
    points = pd.DataFrame({n: u.point[e] for n, u in p.variants.items()})
    assert (points.max(axis=1) - points.min(axis=1)).max() > 0.01          # σ matters here
    inside = points.ge(p.lower[e] - 1e-12, axis=0) & points.le(p.upper[e] + 1e-12, axis=0)
    assert inside.all().all()
    # the central variant's own interval misses another variant's point: pooling widened it
    c = p.variants["sigma=6"]
    assert (points.lt(c.lower[e] - 1e-9, axis=0) | points.gt(c.upper[e] + 1e-9, axis=0)).any().any()
    t = p.variant_table(e)
    assert list(t.columns.get_level_values(0).unique()) == ["sigma=6", "sigma=3", "sigma=9", "pooled"]


def test_pooled_is_reproducible_and_independent_of_the_split(small):
    fit = _Fit(small["beta"], np.diag([0.05, 0.1]) ** 2)
    variants = _sigma_variants(small, (5.0, 8.0))
    kw = dict(fit=fit, draws=25, progress=False)
    a = pooled_intervals(variants, small["scenario"], seed=7, **kw)
    b = pooled_intervals(variants, small["scenario"], seed=7, chunk=3, **kw)
    c = pooled_intervals(variants, small["scenario"], seed=8, **kw)
    np.testing.assert_array_equal(a.draws, b.draws)
    np.testing.assert_array_equal(a.assignment, b.assignment)
    assert not np.allclose(a.draws, c.draws)
    # fewer draws: the first ones are the same draws (seeded per draw, not per batch)
    d = pooled_intervals(variants, small["scenario"], seed=7, fit=fit, draws=10, progress=False)
    np.testing.assert_array_equal(d.draws, a.draws[:10])


def test_pooled_rejects_mismatched_variants(small):
    fit = _Fit(small["beta"], np.diag([0.05, 0.1]) ** 2)
    df = small["df"]
    fewer = df[(df.exporter != "C9") & (df.importer != "C9")]
    other = Baseline.from_trade(fewer, sigma=6.0, reference="C0")
    with pytest.raises(GEInputError, match="other countries.*C9"):
        pooled_intervals([("a", small["base"]), ("b", other)], small["scenario"], fit=fit, draws=3,
                         progress=False)
    with pytest.raises(GEInputError, match="distinct"):
        pooled_intervals([("a", small["base"]), ("a", small["base"])], small["scenario"], fit=fit, draws=3)
    with pytest.raises(GEInputError, match="central variant 'z'"):
        pooled_intervals([("a", small["base"])], small["scenario"], fit=fit, draws=3, central="z")
