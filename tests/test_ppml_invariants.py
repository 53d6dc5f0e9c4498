"""Invariants of the PPML estimator (hypothesis): scaling the outcome by c > 0 leaves the slopes
unchanged (it only shifts the fixed effects by ln c); permuting rows and relabelling fixed-effect
levels change nothing. The numba demeaning kernel is checked against a dense least-squares twin."""
from __future__ import annotations

import numpy as np
import pandas as pd
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import gravity as gv
from gravity.estimation.demean import demean

SET = settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def panel(seed: int, n_exp: int, n_imp: int, zeros: float):
    rng = np.random.default_rng(seed)
    e, i = np.meshgrid(np.arange(n_exp), np.arange(n_imp), indexing="ij")
    d = pd.DataFrame({"exp": e.ravel(), "imp": i.ravel()})
    d = pd.concat([d.assign(year=t) for t in range(2)], ignore_index=True)
    n = len(d)
    d["x1"] = rng.normal(size=n)
    d["x2"] = (rng.random(n) < 0.4).astype(float)
    eta = 1.0 + 0.5 * d.x1 - 0.7 * d.x2 + rng.normal(size=n_exp)[d.exp] + rng.normal(size=n_imp)[d.imp]
    d["y"] = rng.poisson(np.exp(eta)) * (rng.random(n) > zeros)
    return d


FORMULA = "y ~ x1 + x2 | exp + imp^year"
seeds = st.integers(0, 10_000)
sizes = st.integers(4, 8)


@SET
@given(seeds, sizes, sizes, st.floats(0.0, 0.3), st.floats(1e-3, 1e4))
def test_scaling_outcome_leaves_slopes(seed, ne, ni, zeros, c):
    d = panel(seed, ne, ni, zeros)
    a = gv.ppml(FORMULA, d)
    b = gv.ppml(FORMULA, d.assign(y=d.y * c))
    np.testing.assert_allclose(b.params, a.params, rtol=1e-6, atol=1e-8)
    np.testing.assert_allclose(b.bse, a.bse, rtol=1e-5, atol=1e-8)
    assert (a.sample == b.sample).all().all()


@SET
@given(seeds, sizes, sizes, st.floats(0.0, 0.3), st.integers(0, 2**31 - 1))
def test_row_permutation_and_relabelling(seed, ne, ni, zeros, perm_seed):
    d = panel(seed, ne, ni, zeros)
    a = gv.ppml(FORMULA, d, cluster="exp")
    rng = np.random.default_rng(perm_seed)
    p = d.iloc[rng.permutation(len(d))].copy()
    # relabel every fixed-effect level with a shuffled string code
    p["exp"] = p["exp"].map(dict(zip(range(ne), rng.permutation([f"E{k}" for k in range(ne)]))))
    p["imp"] = p["imp"].map(dict(zip(range(ni), rng.permutation([f"I{k}" for k in range(ni)]))))
    b = gv.ppml(FORMULA, p, cluster="exp")
    np.testing.assert_allclose(b.params, a.params, rtol=1e-6, atol=1e-8)
    np.testing.assert_allclose(b.bse, a.bse, rtol=1e-5, atol=1e-8)
    np.testing.assert_allclose(b.fittedvalues.sort_index(), a.fittedvalues.sort_index(), rtol=1e-6)
    assert (b.sample.sort_index() == a.sample).all().all()


@SET
@given(seeds, st.integers(1, 3), st.integers(20, 80))
def test_demean_matches_dense_least_squares(seed, K, n):
    rng = np.random.default_rng(seed)
    fe = np.vstack([rng.integers(0, rng.integers(2, 7), n) for _ in range(K)])
    fe = np.vstack([pd.factorize(f)[0] for f in fe]).astype(np.int32)
    w = rng.uniform(0.1, 3.0, n)
    x = rng.normal(size=(n, 2))
    xt, _, iters = demean(x, fe, w, tol=1e-13)
    D = np.hstack([np.eye(int(f.max()) + 1)[f] for f in fe])
    sw = np.sqrt(w)
    coef = np.linalg.lstsq(D * sw[:, None], x * sw[:, None], rcond=None)[0]
    np.testing.assert_allclose(xt, x - D @ coef, atol=1e-8)
    assert (iters > 0).all()


def test_numba_deviance_matches_numpy_twin():
    from gravity.estimation._kernels import deviance

    rng = np.random.default_rng(3)
    y = rng.poisson(2.0, 500).astype(float)
    mu = rng.uniform(0.1, 5.0, 500)
    v = rng.uniform(0.5, 2.0, 500)
    with np.errstate(divide="ignore", invalid="ignore"):
        twin = 2 * np.sum(v * (np.where(y > 0, y * np.log(y / mu), 0.0) - (y - mu)))
    np.testing.assert_allclose(deviance(y, mu, v), twin, rtol=1e-12)


def test_predict_unseen_level_is_nan_and_logged(caplog):
    d = panel(1, 5, 5, 0.0)
    res = gv.ppml(FORMULA, d)
    new = d.head(3).copy()
    new.loc[new.index[0], "exp"] = 99  # a level the fit never saw
    with caplog.at_level("WARNING", logger="gravity.estimation"):
        p = res.predict(new)
    assert np.isnan(p.iloc[0]) and np.isfinite(p.iloc[1:]).all()
    assert "not in the estimation sample" in caplog.text
    np.testing.assert_allclose(p.iloc[1:], res.fittedvalues.loc[new.index[1:]], rtol=1e-9)
