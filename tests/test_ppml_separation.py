"""Separation: the 12 ppmlhdfe benchmark datasets (Correia, Guimarães & Zylkin 2019).

Columns ``x*`` are regressors, ``id*`` fixed effects (as in ppmlhdfe's validate_tagsep.do, which
also keeps singletons); the ground truth ``separated`` must equal the rows we drop as separated or
as all-zero fixed-effect groups, and the remaining model must converge.
"""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import gravity as gv
from gravity.estimation.separation import drop_fe_groups, iterative_rectifier
from tests.conftest import require_data


@pytest.mark.parametrize("num", range(1, 13))
def test_ppmlhdfe_separation_datasets(num):
    key = f"ppmlhdfe-separation/{num:02d}.csv"
    require_data(key)
    d = gv.load(key)
    xs = [c for c in d.columns if c.startswith("x")]
    ids = [c for c in d.columns if c.startswith("id")]
    formula = "y ~ " + (" + ".join(xs) if xs else "1") + (" | " + " + ".join(ids) if ids else "")
    res = gv.ppml(formula, d, drop_singletons=False)
    flagged = res.sample["reason"].isin(["separated", "all-zero group"]).to_numpy()
    truth = d["separated"].to_numpy() == 1
    assert (flagged == truth).all(), (np.flatnonzero(flagged), np.flatnonzero(truth))
    assert (res.sample["used"].to_numpy() == ~truth).all()
    assert res.converged
    assert np.isfinite(res.params).all() and np.isfinite(res.bse).all()


@pytest.mark.parametrize("num", range(1, 13))
def test_two_ir_solvers_agree(num, monkeypatch):
    """The exact subspace solver and the method of weighting (independent routes) find the same
    separated rows on each benchmark file (after the all-zero-group rule, singletons kept)."""
    key = f"ppmlhdfe-separation/{num:02d}.csv"
    require_data(key)
    d = gv.load(key)
    xs = [c for c in d.columns if c.startswith("x")]
    ids = [c for c in d.columns if c.startswith("id")]
    y = d["y"].to_numpy(float)
    fe = np.vstack([pd.factorize(d[c])[0] for c in ids]).astype(np.int32) if ids else np.empty((0, len(d)), np.int32)
    keep = drop_fe_groups(y, fe, singletons=False) == "" if ids else np.ones(len(d), bool)
    X = d[xs].to_numpy(float)[keep]
    if not ids:
        X = np.column_stack([np.ones(keep.sum()), X])
    from gravity.estimation.separation import compact_codes
    fek, _ = compact_codes(fe[:, keep], np.ones(keep.sum(), bool)) if ids else (fe[:, keep], None)
    nl = [int(c.max()) + 1 for c in fek]
    truth = (d["separated"].to_numpy() == 1)[keep]
    sep_w, _ = iterative_rectifier(y[keep], X, fek, nl, method="weighting")
    assert (sep_w == truth).all()
    # the sparse LSMR route used for large problems (dense solver switched off)
    from gravity.estimation import separation as S
    monkeypatch.setitem(S._LSE.__init__.__kwdefaults__, "dense_max", 0)
    sep_l, _ = iterative_rectifier(y[keep], X, fek, nl, method="weighting")
    assert (sep_l == truth).all()
    if len(ids) <= 2:
        sep_s, _ = iterative_rectifier(y[keep], X, fek, nl, method="subspace")
        assert (sep_s == truth).all()


def test_primer_examples():
    # ppmlhdfe separation primer: z = 2*x1 + x2 certifies that row 0 is separated
    d = pd.DataFrame({"y": [0, 0, 0, 1, 2, 3], "x1": [2, -1, 0, 0, 5, 6], "x2": [-1, 2, 0, 0, -10, -12]})
    res = gv.ppml("y ~ x1 + x2", d)
    assert list(res.sample["reason"]) == ["separated", "", "", "", "", ""]
    # two fixed effects, separation invisible to the all-zero-group rule
    d2 = pd.DataFrame({"y": [0, 1, 0, 0, 1], "id1": [1, 1, 2, 2, 2], "id2": [1, 1, 1, 2, 2]})
    assert (drop_fe_groups(d2["y"].to_numpy(), np.vstack([d2.id1 - 1, d2.id2 - 1]).astype(np.int32),
                           singletons=False) == "").all()
    sep, _ = iterative_rectifier(d2["y"].to_numpy(float), np.empty((5, 0)),
                                 np.vstack([d2.id1 - 1, d2.id2 - 1]).astype(np.int32), [2, 2])
    assert list(np.flatnonzero(sep)) == [2]


def test_singletons_and_all_zero_iterate():
    # dropping the all-zero group a=3 (rows 2, 3) leaves b=9 with row 5 alone; dropping it leaves
    # a=2 with row 4 alone; dropping that leaves b=7 with row 6 alone: a cascade to a fixed point
    d = pd.DataFrame({"y": [1., 2., 0., 0., 3., 4., 5.], "a": [1, 1, 3, 3, 2, 2, 1], "b": [8, 8, 9, 7, 7, 9, 7]})
    r = drop_fe_groups(d.y.to_numpy(), np.vstack([pd.factorize(d.a)[0], pd.factorize(d.b)[0]]).astype(np.int32))
    assert list(r) == ["", "", "all-zero group", "all-zero group", "singleton", "singleton", "singleton"]


def test_matrix_free_design_matches_explicit_sparse_matrix():
    """The method of weighting applies A = diag(√w) [X D] diag(s) without building it: A θ and
    Aᵀ v from the numba kernels equal the products with the explicit sparse matrix (scipy)."""
    from scipy import sparse

    from gravity.estimation import separation as S

    rng = np.random.default_rng(3)
    n, p = 400, 2
    fe = np.vstack([rng.integers(0, 7, n), rng.integers(0, 11, n), rng.integers(0, 40, n)]).astype(np.int32)
    nl = [int(c.max()) + 1 for c in fe]
    X = rng.normal(size=(n, p))
    zero = rng.random(n) < 0.3
    lse = S._LSE(X, fe, nl, zero, dense_max=0)
    assert lse.dense is None
    q = p + sum(nl)
    offsets = np.concatenate([[p], p + np.cumsum(nl)])
    cols = np.column_stack([np.tile(np.arange(p), (n, 1))] + [offsets[k] + fe[k][:, None] for k in range(3)])
    vals = np.column_stack([X, np.ones((n, 3))]) * lse.sw[:, None]
    A = sparse.csr_matrix((vals.ravel(), cols.ravel(), np.arange(0, n * (p + 3) + 1, p + 3)), shape=(n, q))
    A = A @ sparse.diags(lse.scale)
    norms = np.sqrt(np.asarray(A.multiply(A).sum(0))).ravel()
    assert np.allclose(norms, 1.0, rtol=1e-12)   # every column scaled to unit length
    theta, v = rng.normal(size=q), rng.normal(size=n)
    np.testing.assert_allclose(lse.operator().matvec(theta), A @ theta, rtol=1e-12, atol=1e-12 * np.abs(A @ theta).max())
    np.testing.assert_allclose(lse.operator().rmatvec(v), A.T @ v, rtol=1e-12, atol=1e-12 * np.abs(A.T @ v).max())
