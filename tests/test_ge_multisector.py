"""Multi-sector GE with input-output linkages (Caliendo & Parro 2015).

(a) one sector, no intermediates, no tariffs = gravity.ge's one-sector full-endowment solve, and both
results answer the same questions by the same names (countries columns, deficits, numeraire, iterations,
converged; the draws functions' intervals);
(b) an independent solve in levels (scipy root on w, P, X) = the hat-algebra solution, both deficit
rules; (c) the NAFTA replication (31 × 40, whole) against the paper's abstract and cp2015; invariants.
"""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy.optimize import root

from gravity.ge.baseline import Baseline
from gravity.ge.errors import GEInputError
from gravity.ge.multisector import MultiSectorBaseline, solve_multisector
from gravity.ge.solver import solve
from gravity.jobs.replicate.runners import run
from tests.conftest import require_data


# ---------------------------------------------------------------- (a) one-sector reduction
def _one_sector_world(n=6, seed=3):
    rng = np.random.default_rng(seed)
    codes = [f"C{i}" for i in range(n)]
    X = rng.uniform(1, 20, (n, n))
    X[np.diag_indices(n)] = rng.uniform(50, 200, n)
    df = pd.DataFrame({"exporter": np.repeat(codes, n), "importer": np.tile(codes, n), "trade": X.ravel()})
    return codes, X, df


def test_one_sector_reduces_to_gravity_ge_solve():
    codes, X, df = _one_sector_world()
    sigma = 5.0
    base = Baseline.from_trade(df, sigma=sigma, reference="C0")
    rng = np.random.default_rng(7)
    that = np.exp(rng.normal(0, 0.3, (len(codes), len(codes))))
    that[np.diag_indices(len(codes))] = 1.0
    one = solve(base, cost_change=that, numeraire="world_output", deficits="additive")
    F = base.fitted
    ms = MultiSectorBaseline.from_arrays(codes, ["all"], F[None], F.sum(axis=1)[None], [sigma - 1.0])
    # t̂^{1-σ} = d̂^{-θ} with θ = σ − 1
    res = solve_multisector(ms, iceberg=(that ** (1.0 / (1.0 - sigma)))[None], deficits="additive")
    np.testing.assert_allclose(res.wage_hat, one.price_hat, rtol=1e-10)
    np.testing.assert_allclose(res.cost_hat[:, 0], one.price_hat, rtol=1e-10)
    fl = res.flows()
    np.testing.assert_allclose(fl["counterfactual"].to_numpy().reshape(F.shape), one.flows_full, rtol=1e-9)
    # CPI: P̂_n = Φ̂_n^{1/(1-σ)} (IMR hat); real wage = real GDP in the one-sector model
    np.testing.assert_allclose(res.price_index_hat, one.imr_hat_full ** (1.0 / (1.0 - sigma)), rtol=1e-10)
    np.testing.assert_allclose(res.countries["real_gdp_full"], one.countries["real_gdp_full"], atol=1e-8)


class _Fit:
    """A fitted model with one cost coefficient b (t̂ = exp(b · ln_that)), for the draws functions."""

    params = pd.Series({"b": 1.0})

    def cov_params(self):
        return pd.DataFrame([[0.01]], index=["b"], columns=["b"])


@pytest.mark.parametrize("rule", ["additive", "balanced"])
def test_one_and_many_sectors_answer_the_same_questions_by_the_same_names(rule):
    """The same rule word means the same rule: one sector without IO gives the same numbers under the
    shared column names, and both results and both draws functions are read by the same attributes."""
    from gravity.ge.deficits import purge_deficits
    from gravity.ge.multisector import theta_draws
    from gravity.ge.results import SHARED_EFFECTS, GEIntervals, GEResultBase
    from gravity.ge.uncertainty import confidence_intervals

    codes, X, df = _one_sector_world()
    sigma = 5.0
    base = Baseline.from_trade(df, sigma=sigma, reference="C0")
    assert np.abs(base.E - base.Y).max() > 1.0                             # the world has deficits
    rng = np.random.default_rng(7)
    lnt = rng.normal(0, 0.3, (len(codes), len(codes)))
    lnt[np.diag_indices(len(codes))] = 0.0
    # one sector: "balanced" purges the deficits first (DEK 2007), then solves the scenario
    b1 = purge_deficits(base) if rule == "balanced" else base
    one = solve(b1, cost_change=np.exp(lnt), numeraire="world_output", deficits="ratio" if rule == "balanced"
                else rule)
    F = base.fitted
    ms = MultiSectorBaseline.from_arrays(codes, ["all"], F[None], F.sum(axis=1)[None], [sigma - 1.0])
    many = solve_multisector(ms, iceberg=np.exp(lnt / (1.0 - sigma))[None], deficits=rule)
    shared = list(SHARED_EFFECTS)
    pd.testing.assert_frame_equal(many.countries[shared], one.countries[shared], check_exact=False, atol=1e-8,
                                  rtol=0)
    assert many.countries[shared].abs().max().max() > 0.1                   # the shock moves them
    for res in (one, many):
        assert isinstance(res, GEResultBase)
        assert res.countries.index.name == "country" and list(res.countries.index) == codes
        assert res.numeraire == res.countries.attrs["numeraire"] == "world_output"
        assert res.converged is True and all(int(v) > 0 for v in res.iterations.values())
        assert list(res.baseline.countries) == codes and res.baseline.n == len(codes)
        np.testing.assert_array_equal(res.effect("real_gdp_full"), res.countries["real_gdp_full"])
    assert many.deficits == many.countries.attrs["deficits"] == rule
    # the draws: one call shape, one result shape (GEIntervals)
    opts = dict(draws=12, seed=3, level=0.9, numeraire="world_output", workers=0, progress=False)
    ci = confidence_intervals(base, lambda beta: np.exp(beta["b"] * lnt), fit=_Fit(),
                              deficits="additive", **opts)
    td = theta_draws(ms, iceberg=np.exp(lnt / (1.0 - sigma))[None], effects=("real_gdp_full", "exports_full"),
                     deficits="additive", sd=0.1, **opts)
    for u in (ci, td):
        assert isinstance(u, GEIntervals) and (u.n_draws, u.n_failed, u.level) == (12, 0, 0.9)
        assert list(u.failures.columns)[:3] == ["draw", "stage", "reason"]
        t = u.table("real_gdp_full")
        assert list(t.columns) == ["point", "lower", "upper"] and list(t.index) == codes
        assert (t["lower"] < t["upper"]).all()
        assert ("real_gdp_full", "upper") in u.countries.columns
    np.testing.assert_allclose(ci.table("real_gdp_full")["point"], td.table("real_gdp_full")["point"], atol=1e-8)
    with pytest.raises(GEInputError, match="unknown option.*'draw'"):
        theta_draws(ms, draw=5)


# ---------------------------------------------------------------- (b) independent levels solve
def _levels_world(seed=11):
    rng = np.random.default_rng(seed)
    N, J = 4, 3
    theta = np.array([4.0, 8.0, 6.0])
    T = rng.uniform(0.5, 2.0, (N, J))                      # T_i^j
    d = 1.0 + rng.uniform(0.2, 1.5, (N, N, J))             # d_ni^j, d_nn = 1
    for n in range(N):
        d[n, n] = 1.0
    d[:, :, 2] = np.where(np.eye(N, dtype=bool), 1.0, 1e3)  # sector 2 (almost) non-traded
    tau0 = rng.uniform(0.0, 0.2, (N, N, J))
    for n in range(N):
        tau0[n, n] = 0.0
    L = rng.uniform(1, 3, N)
    gva = rng.uniform(0.3, 0.6, (N, J))
    raw = rng.uniform(0.2, 1.0, (N, J, J))                 # [n, k, j]
    gio = raw / raw.sum(axis=1, keepdims=True) * (1.0 - gva)[:, None, :]
    alpha = rng.uniform(0.2, 1.0, (N, J))
    alpha /= alpha.sum(axis=1, keepdims=True)
    D = np.array([0.3, -0.2, 0.1, -0.2])
    return dict(N=N, J=J, theta=theta, T=T, d=d, tau0=tau0, L=L, gva=gva, gio=gio, alpha=alpha, D=D)


def _solve_levels(w, tau, d, D):
    """Levels equilibrium: unknowns ln w (N), ln P (N, J), X (N, J); Σ w L = Σ L (numeraire)."""
    N, J, th = w["N"], w["J"], w["theta"]

    def unpack(z):
        return np.exp(z[:N]), np.exp(z[N:N + N * J].reshape(N, J)), z[N + N * J:].reshape(N, J)

    def eqs(z):
        wg, P, X = unpack(z)
        c = wg[:, None] ** w["gva"] * np.exp(np.einsum("nkj,nk->nj", w["gio"], np.log(P)))
        kap = (1 + tau) * d                                                     # [n, i, j]
        num = w["T"][None] * (c[None] * kap) ** (-th)                           # [n, i, j]
        Pn = num.sum(axis=1) ** (-1 / th)
        pi = num / num.sum(axis=1, keepdims=True)
        Y = np.einsum("nij,nj->ij", pi / (1 + tau), X)                          # sales of i in j
        I = wg * w["L"] + np.einsum("nij,nj->n", tau * pi / (1 + tau), X) + D
        Xn = np.einsum("njk,nk->nj", w["gio"], Y) + w["alpha"] * I[:, None]
        lab = (w["gva"] * Y).sum(axis=1) - wg * w["L"]
        lab[-1] = (wg * w["L"]).sum() - w["L"].sum()
        return np.concatenate([lab, (np.log(P) - np.log(Pn)).ravel(), (Xn - X).ravel()]), (c, pi, Y, I)

    z0 = np.concatenate([np.zeros(N + N * J), np.full(N * J, w["L"].sum() / N)])
    sol = root(lambda z: eqs(z)[0], z0, method="hybr", options={"xtol": 1e-14})
    r, (c, pi, Y, I) = eqs(sol.x)
    assert np.abs(r).max() < 1e-10, sol.message
    wg, P, X = unpack(sol.x)
    return dict(w=wg, P=P, X=X, c=c, pi=pi, Y=Y, I=I)


def _hat_baseline(w, eq, tau, D):
    N, J = w["N"], w["J"]
    M = eq["pi"] * eq["X"][:, None, :] / (1 + tau)           # [n, i, j] imports of n from i
    trade = M.transpose(2, 1, 0)                            # [j, i, n]
    va = (w["gva"] * eq["Y"]).T                              # [j, n]
    ic = np.einsum("nkj,nj->kjn", w["gio"], eq["Y"])         # [k, j, n]
    final = (w["alpha"] * eq["I"][:, None]).T
    return MultiSectorBaseline.from_arrays([f"R{i}" for i in range(N)], [f"S{j}" for j in range(J)], trade, va,
                                           w["theta"], intermediate=ic, final=final,
                                           tariffs=tau.transpose(2, 1, 0), deficits=D)


@pytest.mark.parametrize("rule", ["additive", "balanced"])
def test_hat_algebra_equals_levels_solve(rule):
    w = _levels_world()
    rng = np.random.default_rng(5)
    tau1 = w["tau0"] * rng.uniform(0.0, 1.5, w["tau0"].shape)
    d1 = w["d"] * np.where(np.eye(w["N"], dtype=bool)[:, :, None], 1.0, rng.uniform(0.8, 1.1, w["d"].shape))
    e0 = _solve_levels(w, w["tau0"], w["d"], w["D"])
    base = _hat_baseline(w, e0, w["tau0"], w["D"])
    res = solve_multisector(base, tariffs=tau1.transpose(2, 1, 0), iceberg=(d1 / w["d"]).transpose(2, 1, 0),
                            deficits=rule, tol=1e-12)
    Dl = w["D"] if rule == "additive" else np.zeros(w["N"])
    b0 = e0 if rule == "additive" else _solve_levels(w, w["tau0"], w["d"], Dl)
    b1 = _solve_levels(w, tau1, d1, Dl)
    if rule == "additive":
        assert res.convergence["baseline_gap"] < 1e-10   # consistent data: the re-solved baseline is the data
    np.testing.assert_allclose(res.wage_hat, b1["w"] / b0["w"], rtol=1e-9)
    np.testing.assert_allclose(res.price_hat, b1["P"] / b0["P"], rtol=1e-9)
    np.testing.assert_allclose(res.cost_hat, b1["c"] / b0["c"], rtol=1e-9)
    Pn = np.exp((w["alpha"] * np.log(b1["P"] / b0["P"])).sum(axis=1))
    np.testing.assert_allclose(res.countries["real_income"], (b1["I"] / b0["I"] / Pn - 1) * 100, atol=1e-8)
    M1 = b1["pi"] * b1["X"][:, None, :] / (1 + tau1)
    np.testing.assert_allclose(res.flows()["counterfactual"], M1.transpose(2, 1, 0).ravel(), rtol=1e-8, atol=1e-12)


# ---------------------------------------------------------------- invariants and input errors
def test_no_shock_no_change_and_decomposition_adds_up():
    w = _levels_world()
    e0 = _solve_levels(w, w["tau0"], w["d"], w["D"])
    base = _hat_baseline(w, e0, w["tau0"], w["D"])
    res = solve_multisector(base)
    np.testing.assert_allclose(res.wage_hat, 1.0, atol=1e-11)
    assert np.abs(res.countries.to_numpy()).max() < 1e-8
    shock = np.ones((w["J"], w["N"], w["N"]))
    shock[0, 0, 1] = 0.9                                   # R0's sector-0 exports to R1 cheaper by 10%
    r2 = solve_multisector(base, iceberg=shock)
    c = r2.countries
    np.testing.assert_allclose(c["welfare"], c["tot"] + c["vot"] + c["tech"], atol=1e-12)
    np.testing.assert_allclose(c["tot"], r2.sectors["tot"].groupby(level="country").sum().loc[c.index], atol=1e-12)
    assert c.loc["R1", "tech"] > 0 and c.loc["R0", "tech"] == 0        # only the importer's technology improves
    # Series input = the same change as an array
    r3 = solve_multisector(base, iceberg=pd.Series([0.9], index=pd.MultiIndex.from_tuples([("S0", "R0", "R1")])))
    np.testing.assert_allclose(r3.wage_hat, r2.wage_hat, rtol=1e-12)


def test_input_errors_name_the_fix():
    w = _levels_world()
    e0 = _solve_levels(w, w["tau0"], w["d"], w["D"])
    base = _hat_baseline(w, e0, w["tau0"], w["D"])
    with pytest.raises(GEInputError, match="deficits must be one of \\['additive', 'balanced'\\].*one-sector rule"):
        solve_multisector(base, deficits="ratio")
    with pytest.raises(GEInputError, match="'fixed' deficits are now called 'additive'"):
        solve_multisector(base, deficits="fixed")
    with pytest.raises(GEInputError, match="iceberg changes"):
        solve_multisector(base, iceberg=np.zeros((3, 4, 4)))
    bad = base.trade.copy()
    bad[1, 2, 3] = -1.0
    with pytest.raises(GEInputError, match=r"trade has 1 negative entries, first at index \(1, 2, 3\) \(sector .S1., exporter .R2., importer .R3.\)"):
        MultiSectorBaseline.from_arrays(base.regions, base.sectors, bad, base.value_added, base.theta)
    with pytest.raises(GEInputError, match="deficits sum to"):
        MultiSectorBaseline.from_arrays(base.regions, base.sectors, base.trade, base.value_added, base.theta,
                                        deficits=np.ones(4))


# ---------------------------------------------------------------- (c) NAFTA replication, whole
def test_caliendo_parro_nafta_replication():
    require_data("cp2015/cp2015_nafta.rda")
    report = run("caliendo-parro-2015-zero", echo=None)
    rows = report.rows if hasattr(report, "rows") else report.table
    assert report.ok, rows[~rows["ok"]]
    got = rows.set_index(["item", "quantity"])["ours"]
    # the paper's abstract: Mexico +1.31%, U.S. +0.08%, Canada −0.06% (2 decimals)
    assert round(got[("Mexico", "welfare (paper)")], 2) == 1.31
    assert round(got[("USA", "welfare (paper)")], 2) == 0.08
    assert round(got[("Canada", "welfare (paper)")], 2) == -0.06
    assert len(rows) == 18
