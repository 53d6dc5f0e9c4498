"""Invariants of the GE solver on random small worlds, an independent levels solver, and bad input."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from scipy.optimize import root

from gravity.ge import Baseline, GEConvergenceError, GEInputError, solve
from tests.worlds import random_world


world = random_world  # flows, costs t^{1-σ}, a cost change on international pairs

worlds = st.tuples(st.integers(0, 10_000), st.integers(2, 8), st.floats(1.5, 12.0), st.booleans())
closures = st.sampled_from(["ratio", "additive"])
SETTINGS = settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _base(df, t, sigma, ref="K00"):
    return Baseline.from_trade(df, sigma=sigma, costs=t, reference=ref)


@SETTINGS
@given(worlds)
def test_zero_shock_changes_nothing(w):
    seed, n, sigma, cal = w
    df, t, _ = world(seed, n, calibrated=cal)
    res = solve(_base(df, t, sigma), np.ones((n, n)))
    assert np.abs(res.countries.to_numpy()).max() / 100 < 1e-12
    np.testing.assert_allclose(res.flows_full, res.baseline.fitted, rtol=1e-12)


@SETTINGS
@given(worlds, closures)
def test_markets_clear_and_numeraires(w, deficits):
    seed, n, sigma, cal = w
    df, t, that = world(seed, n, calibrated=cal)
    base = _base(df, t, sigma)
    ref = solve(base, that, numeraire="reference", deficits=deficits)
    wo = solve(base, that, numeraire="world_output", deficits=deficits)
    for r in (ref, wo):
        Y1 = base.Y * r.price_hat
        E1 = base.E * r.expenditure_hat
        if deficits == "ratio":   # E'/Y' keeps the baseline ratio up to one common κ
            np.testing.assert_allclose((E1 / Y1) / base.phi, r.kappa, rtol=1e-9)
        else:                     # deficits keep their share of world output
            np.testing.assert_allclose((E1 - Y1) / Y1.sum(), (base.E - base.Y) / base.Y.sum(),
                                       atol=1e-12)
        np.testing.assert_allclose(r.flows_full.sum(axis=1), Y1, rtol=1e-9)
        np.testing.assert_allclose(r.flows_full.sum(axis=0), E1, rtol=1e-9)
        np.testing.assert_allclose(r.flows_cdl.sum(axis=1), base.Y, rtol=1e-9)
        np.testing.assert_allclose(r.flows_cdl.sum(axis=0), base.E, rtol=1e-9)
        assert Y1.sum() == pytest.approx(E1.sum(), rel=1e-12)
    # world output preserved under its numeraire; the reference price index under the other
    assert (base.Y * wo.price_hat).sum() == pytest.approx(base.Y.sum(), rel=1e-12)
    assert ref.imr_hat_full[base.ref] == pytest.approx(1.0, abs=1e-12)
    # real effects and relative prices do not depend on the numeraire
    np.testing.assert_allclose(ref.countries["real_gdp_full"], wo.countries["real_gdp_full"], atol=1e-8)
    rel = ref.price_hat / wo.price_hat
    np.testing.assert_allclose(rel, rel[0], rtol=1e-9)


@SETTINGS
@given(worlds, st.floats(1e-3, 1e3))
def test_scaling_all_flows_leaves_changes_unchanged(w, c):
    seed, n, sigma, cal = w
    df, t, that = world(seed, n, calibrated=cal)
    a = solve(_base(df, t, sigma), that).countries
    b = solve(_base(df.assign(trade=df["trade"] * c), t, sigma), that).countries
    np.testing.assert_allclose(a.to_numpy(), b.to_numpy(), atol=1e-8, rtol=1e-9)


def test_row_order_and_reference_choice():
    df, t, that = world(3, 6)
    base = _base(df, t, 6.0)
    a = solve(base, that).countries
    shuffled = df.sample(frac=1.0, random_state=1)
    b = solve(Baseline.from_trade(shuffled, sigma=6.0, costs=t, reference="K00"), that).countries
    pd.testing.assert_frame_equal(a, b, atol=1e-10, rtol=1e-10)
    # another reference changes the unit of account, not real GDP
    c = solve(_base(df, t, 6.0, ref="K03"), that).countries
    np.testing.assert_allclose(a["real_gdp_full"], c["real_gdp_full"], atol=1e-8)


def _levels_solver(base, that, deficits="ratio"):
    """Independent implementation: the full-endowment equilibrium in levels with scipy.optimize.root.

    b_i = Y_i / OMR_i (= (β_i p_i)^{1-σ} at p = 1); P_j^{1-σ} = Σ_i b_i p_i^{1-σ} t'_ij;
    E'_j = κ φ_j p_j Y_j; X'_ij = b_i p_i^{1-σ} t'_ij E'_j / P_j^{1-σ}; unknowns log p;
    equations: market clearing for all but the reference country, and P_ref^{1-σ} = 1.
    """
    s, t1, Y, phi, r = base.sigma, base.costs * that, base.Y, base.phi, base.ref
    b = Y / base.omr

    def resid(lp):
        p = np.exp(lp)
        P = (b * p ** (1 - s)) @ t1
        if deficits == "ratio":
            E1 = phi * p * Y
            E1 *= (p * Y).sum() / E1.sum()
        else:
            E1 = p * Y + (base.E - Y) * (p * Y).sum() / Y.sum()
        X1 = (b * p ** (1 - s))[:, None] * t1 * (E1 / P)[None, :]
        out = X1.sum(axis=1) / (p * Y) - 1
        out[r] = P[r] - 1.0
        return out

    sol = root(resid, np.zeros(base.n), method="hybr", tol=1e-13)
    assert np.abs(resid(sol.x)).max() < 1e-11, sol.message
    return np.exp(sol.x)


@pytest.mark.parametrize("deficits", ["ratio", "additive"])
@pytest.mark.parametrize("seed, n, sigma", [(1, 5, 4.0), (2, 12, 7.0), (5, 30, 2.5)])
def test_full_ge_matches_an_independent_levels_solver(seed, n, sigma, deficits):
    df, t, that = world(seed, n)
    base = _base(df, t, sigma)
    res = solve(base, that, deficits=deficits)
    np.testing.assert_allclose(res.price_hat, _levels_solver(base, that, deficits), rtol=1e-9)


def test_conditional_ge_matches_a_dense_resistance_solve():
    """Conditional MRs from the levels system solved directly at the new costs."""
    df, t, that = world(4, 9)
    base = _base(df, t, 5.0)
    res = solve(base, that)
    again = base.with_costs(base.costs * that)  # same Y, E; resistances re-solved at t'
    np.testing.assert_allclose(res.omr_hat_cdl, again.omr / base.omr, rtol=1e-10)
    np.testing.assert_allclose(res.imr_hat_cdl, again.imr / base.imr, rtol=1e-10)


# ------------------------------------------------------------------------------- bad input

def test_bad_input_is_named():
    df, t, that = world(0, 4)
    with pytest.raises(GEInputError, match="not square.*pairs are missing"):
        Baseline.from_trade(df.iloc[1:], sigma=5, reference="K00")
    extra = pd.concat([df, pd.DataFrame({"exporter": ["ZZZ"], "importer": ["K00"], "trade": [1.0]})])
    with pytest.raises(GEInputError, match="only as exporter \\['ZZZ'\\]"):
        Baseline.from_trade(extra, sigma=5, reference="K00")
    zero_dom = df.copy()
    zero_dom.loc[(zero_dom.exporter == "K02") & (zero_dom.importer == "K02"), "trade"] = 0.0
    with pytest.raises(GEInputError, match="domestic flows.*\\['K02'\\]"):
        Baseline.from_trade(zero_dom, sigma=5, reference="K00")
    no_dom = df[~((df.exporter == "K01") & (df.importer == "K01"))]
    with pytest.raises(GEInputError, match="K01"):
        Baseline.from_trade(no_dom, sigma=5, reference="K00")
    neg = df.copy()
    neg.loc[3, "trade"] = -1.0
    with pytest.raises(GEInputError, match="negative flows"):
        Baseline.from_trade(neg, sigma=5, reference="K00")
    nan = df.copy()
    nan.loc[5, "trade"] = np.nan
    with pytest.raises(GEInputError, match="missing/non-numeric"):
        Baseline.from_trade(nan, sigma=5, reference="K00")
    dup = pd.concat([df, df.iloc[[2]]])
    with pytest.raises(GEInputError, match="repeat an \\(exporter, importer\\) pair"):
        Baseline.from_trade(dup, sigma=5, reference="K00")
    for bad_sigma in (1.0, 0.5, -3.0, float("nan")):
        with pytest.raises(GEInputError, match="sigma must be a number > 1"):
            Baseline.from_trade(df, sigma=bad_sigma, reference="K00")
    with pytest.raises(GEInputError, match="reference country 'XXX'"):
        Baseline.from_trade(df, sigma=5, reference="XXX")
    with pytest.raises(GEInputError, match="column 'flow' missing"):
        Baseline.from_trade(df, sigma=5, reference="K00", trade="flow")


def test_bad_cost_change_is_named():
    df, t, that = world(0, 4)
    base = _base(df, t, 5.0)
    unknown = pd.Series([1.2], index=pd.MultiIndex.from_tuples([("K01", "USA")]))
    with pytest.raises(GEInputError, match="unknown countries \\['USA'\\]"):
        solve(base, unknown)
    with pytest.raises(GEInputError, match="expected an \\(4, 4\\) matrix"):
        solve(base, np.ones((3, 3)))
    neg = np.ones((4, 4))
    neg[0, 1] = -1
    with pytest.raises(GEInputError, match="finite and ≥ 0.*K00->K01"):
        solve(base, neg)
    with pytest.raises(GEInputError, match="exactly one of"):
        solve(base)
    with pytest.raises(GEInputError, match="numeraire"):
        solve(base, that, numeraire="gold")
    with pytest.raises(GEInputError, match="deficits must be one of"):
        solve(base, that, deficits="none")
    # a Series listing only the changed pairs is fine: the rest do not change
    part = pd.Series([0.5], index=pd.MultiIndex.from_tuples([("K01", "K02")]))
    assert solve(base, part).cost_change[1, 2] == 0.5


def test_non_convergence_is_an_error():
    df, t, that = world(0, 6)
    with pytest.raises(GEConvergenceError, match="did not converge in 2 iterations"):
        solve(_base(df, t, 5.0), that, max_iter=2)


@pytest.mark.parametrize("deficits", ["ratio", "additive"])
def test_geppml_route_agrees_for_both_imbalance_closures(deficits):
    """Second route (re-estimated gv.ppml fixed effects) reaches the same fixed point."""
    from gravity.ge import geppml

    df, t, that = world(7, 8)
    base = _base(df, t, 5.0)
    h = solve(base, that, deficits=deficits)
    g = geppml(base, that, fit="ppml", deficits=deficits, tol=1e-12)
    ratio = (1 + g.countries / 100) / (1 + h.countries / 100) - 1
    assert ratio.abs().max().max() < 1e-6
    np.testing.assert_allclose(g.flows_full, h.flows_full, rtol=1e-6)


@pytest.mark.parametrize("deficits", ["ratio", "additive"])
def test_reported_levels_satisfy_the_structural_system(deficits):
    """Counterfactual levels (Y', E', OMR', IMR') reproduce the flows by X'_ij = Y'_i E'_j t'_ij /
    (OMR'_i IMR'_j) and solve OMR'_i = Σ_j t'_ij E'_j / IMR'_j, IMR'_j = Σ_i t'_ij Y'_i / OMR'_i."""
    df, t, that = world(8, 7)
    base = _base(df, t, 4.0)
    res = solve(base, that, deficits=deficits)
    L = res.levels()
    t1 = base.costs * that
    for Y1, E1, om, im, flows in [(L.Y_full, L.E_full, L.OMR_full, L.IMR_full, res.flows_full),
                                  (L.Y_bln, L.E_bln, L.OMR_cdl, L.IMR_cdl, res.flows_cdl)]:
        Y1, E1, om, im = (np.asarray(v, float) for v in (Y1, E1, om, im))
        np.testing.assert_allclose(np.outer(Y1, E1) * t1 / np.outer(om, im), flows, rtol=1e-9)
        np.testing.assert_allclose(om, t1 @ (E1 / im), rtol=1e-9)
        np.testing.assert_allclose(im, (Y1 / om) @ t1, rtol=1e-9)
    s = 1 / (1 - base.sigma)
    np.testing.assert_allclose(res.countries["omr_full"], ((L.OMR_full / L.OMR_bln) ** s - 1) * 100, atol=1e-9)
    np.testing.assert_allclose(res.countries["imr_cdl"], ((L.IMR_cdl / L.IMR_bln) ** s - 1) * 100, atol=1e-9)
    pairs = res.pairs.set_index(["exporter", "importer"])
    np.testing.assert_allclose(pairs["full"].groupby(level=0).sum().to_numpy(), L.Y_full.to_numpy(),
                               rtol=1e-9)
    np.testing.assert_allclose(pairs["baseline"].to_numpy(), base.fitted.ravel())
