"""Trade imbalances: the balanced-trade baseline (Dekle, Eaton & Kortum 2007), the deficit rules side by
side on the Advanced Guide's trade-without-borders data, and real export changes."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy.optimize import root

import gravity as gv
from gravity import data as datasets
from gravity.ge import (DEFICIT_RULES, EFFECTS, Baseline, GEInputError, compare_deficit_rules,
                        purge_deficits, solve, trade_costs)
from tests.conftest import require_data
from tests.worlds import random_world


def world(seed: int, n: int, *, calibrated: bool = False):
    """A random world with imbalances (rows ≠ columns) as a σ = 5 baseline, and a cost change."""
    df, t, that = random_world(seed, n, calibrated=calibrated, spread=(0.5, 1.5), shock_sd=0.5)
    return Baseline.from_trade(df, sigma=5.0, costs=t, reference="K01"), that


@pytest.mark.parametrize("seed, n, calibrated", [(1, 5, False), (2, 9, True), (3, 25, False)])
def test_purged_baseline_is_balanced_and_an_equilibrium(seed, n, calibrated):
    base, _ = world(seed, n, calibrated=calibrated)
    assert np.abs(base.E - base.Y).max() / base.Y.max() > 0.01          # the data are unbalanced
    pb = purge_deficits(base)
    X = pb.fitted
    np.testing.assert_allclose(X.sum(axis=1), X.sum(axis=0), rtol=1e-10)  # balanced trade
    np.testing.assert_allclose(X.sum(axis=1), pb.Y, rtol=1e-10)
    np.testing.assert_array_equal(pb.E, pb.Y)
    np.testing.assert_array_equal(pb.observed, X)
    assert pb.Y.sum() == pytest.approx(base.Y.sum(), rel=1e-12)           # world output numeraire
    assert (pb.sigma, pb.reference) == (base.sigma, base.reference)
    np.testing.assert_array_equal(pb.costs, base.costs)                   # trade costs unchanged
    assert pb.imr[pb.ref] == pytest.approx(1.0, abs=1e-12)
    m = pb.meta["purged"]
    np.testing.assert_allclose(m["deficit"], base.E - base.Y)
    np.testing.assert_allclose(m["output_purged"], base.Y * (1 + m["price_change"] / 100), rtol=1e-12)
    # the structural system holds at the purged levels: X = Y E t / (OMR IMR)
    np.testing.assert_allclose(pb.omr, pb.costs @ (pb.E / pb.imr), rtol=1e-10)
    np.testing.assert_allclose(pb.imr, (pb.Y / pb.omr) @ pb.costs, rtol=1e-10)


def _purge_in_levels(base):
    """Independent route: the balanced-trade equilibrium in levels with scipy.optimize.root.

    b_i = Y_i / OMR_i; P_j^{1-σ} = Σ_i b_i p_i^{1-σ} t_ij; E'_j = Y'_j = p_j Y_j;
    X'_ij = b_i p_i^{1-σ} t_ij E'_j / P_j^{1-σ}; unknowns log p; market clearing for all countries but
    the first, and Σ_i p_i Y_i = Σ_i Y_i.
    """
    s, t, Y = base.sigma, base.costs, base.Y
    b = Y / base.omr

    def flows(lp):
        p = np.exp(lp)
        P = (b * p ** (1 - s)) @ t
        return (b * p ** (1 - s))[:, None] * t * (p * Y / P)[None, :], p

    def resid(lp):
        X1, p = flows(lp)
        r = X1.sum(axis=1) / (p * Y) - 1
        r[0] = (p * Y).sum() / Y.sum() - 1
        return r

    sol = root(resid, np.zeros(base.n), method="hybr", tol=1e-14)
    assert np.abs(resid(sol.x)).max() < 1e-11, sol.message
    return flows(sol.x)[0]


@pytest.mark.parametrize("seed", [4, 5])
def test_purge_matches_an_independent_levels_solver(seed):
    base, _ = world(seed, 5)
    pb = purge_deficits(base)
    np.testing.assert_allclose(pb.fitted, _purge_in_levels(base), rtol=1e-9)


def test_balanced_baseline_is_returned_unchanged():
    base, that = world(6, 7)
    pb = purge_deficits(base)
    again = purge_deficits(pb)
    np.testing.assert_allclose(again.fitted, pb.fitted, rtol=1e-12)
    np.testing.assert_allclose(again.Y, pb.Y, rtol=1e-12)
    np.testing.assert_allclose(again.omr, pb.omr, rtol=1e-12)
    assert np.abs(again.meta["purged"]["price_change"]).max() < 1e-10
    # purging under the other numeraire moves only the unit of account
    pr = purge_deficits(base, numeraire="reference")
    np.testing.assert_allclose(pr.fitted / pr.Y.sum(), pb.fitted / pb.Y.sum(), rtol=1e-9)


def test_on_a_purged_baseline_ratio_and_additive_agree():
    base, that = world(7, 8)
    pb = purge_deficits(base)
    a = solve(pb, that, deficits="ratio").countries
    b = solve(pb, that, deficits="additive").countries
    np.testing.assert_allclose(a.to_numpy(), b.to_numpy(), atol=1e-9)
    # ... and they differ on the unbalanced baseline
    u = solve(base, that, deficits="ratio").countries - solve(base, that, deficits="additive").countries
    assert u["exports_full"].abs().max() > 1e-3


def test_balanced_is_not_a_scenario_closure_and_rules_are_checked():
    base, that = world(8, 4)
    with pytest.raises(GEInputError, match="purge_deficits"):
        solve(base, that, deficits="balanced")
    with pytest.raises(GEInputError, match="rules must be distinct"):
        compare_deficit_rules(base, that, rules=("ratio", "kappa"))
    with pytest.raises(GEInputError, match="rules must be distinct"):
        compare_deficit_rules(base, that, rules=("ratio", "ratio"))
    with pytest.raises(GEInputError, match="numeraire"):
        purge_deficits(base, numeraire="gold")


def test_compare_rules_matches_the_separate_solves():
    base, that = world(9, 6)
    c = compare_deficit_rules(base, that)
    assert list(c.columns) == ["rule", "country", "deficit_pct_output", *EFFECTS]
    assert list(c["rule"].unique()) == list(DEFICIT_RULES) and len(c) == 3 * base.n
    for rule in ("ratio", "additive"):
        got = c[c.rule == rule].set_index("country")[list(EFFECTS)]
        np.testing.assert_array_equal(got.to_numpy(), solve(base, that, deficits=rule).countries.to_numpy())
    bal = c[c.rule == "balanced"].set_index("country")
    np.testing.assert_array_equal(bal[list(EFFECTS)].to_numpy(),
                                  solve(purge_deficits(base), that).countries.to_numpy())
    assert (bal["deficit_pct_output"] == 0).all()
    assert c.attrs["numeraire"] == "reference" and "Dekle" in c.attrs["rules"]


def test_real_exports_are_exports_over_the_own_price_index_and_do_not_depend_on_the_numeraire():
    base, that = world(10, 9)
    for deficits in ("ratio", "additive"):
        r = solve(base, that, numeraire="reference", deficits=deficits)
        w = solve(base, that, numeraire="world_output", deficits=deficits)
        assert r.countries.attrs["numeraire"] == "reference" and "P_K01 = 1" in r.countries.attrs["units"]
        assert w.countries.attrs["numeraire"] == "world_output"
        for g in ("cdl", "full"):
            np.testing.assert_allclose(r.countries[f"real_exports_{g}"], w.countries[f"real_exports_{g}"],
                                       atol=1e-8)
        # nominal exports do depend on it (so the test could fail)
        assert (r.countries["exports_full"] - w.countries["exports_full"]).abs().max() > 1e-3
        # from the flows: (Σ_{j≠i} X'_ij / Σ_{j≠i} X_ij) / P̂_i, P̂_i = IMR̂_i^{1/(1-σ)}
        off = ~np.eye(base.n, dtype=bool)
        for flows, imr_hat, g in ((r.flows_full, r.imr_hat_full, "full"), (r.flows_cdl, r.imr_hat_cdl, "cdl")):
            xhat = (flows * off).sum(axis=1) / (base.fitted * off).sum(axis=1)
            P = imr_hat ** (1 / (1 - base.sigma))
            np.testing.assert_allclose(r.countries[f"real_exports_{g}"], (xhat / P - 1) * 100, rtol=1e-10,
                                       atol=1e-10)


# --------------------------------------------------------------- the Advanced Guide's data (ch. 2, app. 1)

@pytest.fixture(scope="module")
def borders():
    require_data("yotov2016/Chapter2Application1.dta")
    d = datasets.load("yotov2016/Chapter2Application1.dta")
    x = d[d["year"] == 2006].copy()
    x["ln_DIST"] = np.log(x["DIST"])
    x["INTL_BRDR"] = (x["exporter"] != x["importer"]).astype(float)
    fit = gv.ppml("trade ~ ln_DIST + CNTG + INTL_BRDR | exporter + importer", x)
    beta = fit.params[["ln_DIST", "CNTG", "INTL_BRDR"]]
    base = Baseline.from_trade(x, sigma=7.0, costs=trade_costs(x, beta), reference="DEU")
    return base, trade_costs(x.assign(INTL_BRDR=0.0), beta)


def test_deficit_rule_moves_hong_kong_more_than_anyone(borders):
    """ge_gravity2's point (Yotov 2025): HKG (expenditure 3.9 × output) — switching the κ rule to additive
    deficits moves its export change by 92.1 pp; no other country moves by more than 3 pp."""
    base, new = borders
    c = compare_deficit_rules(base, new_costs=new)
    w = c.pivot(index="country", columns="rule", values="exports_full")
    gap = (w["ratio"] - w["additive"]).abs()
    assert gap.idxmax() == "HKG"
    assert gap["HKG"] == pytest.approx(92.10, abs=0.01)
    assert gap.drop("HKG").max() < 3
    # balanced trade: HKG's baseline output value falls by a quarter when its deficit is purged
    assert purge_deficits(base).meta["purged"].loc["HKG", "price_change"] == pytest.approx(-24.85, abs=0.01)


@pytest.mark.parametrize("rule", list(DEFICIT_RULES))
def test_real_effects_do_not_depend_on_the_numeraire_under_each_rule(borders, rule):
    base, new = borders
    r = compare_deficit_rules(base, new_costs=new, rules=[rule], numeraire="reference")
    w = compare_deficit_rules(base, new_costs=new, rules=[rule], numeraire="world_output")
    for col in ("real_gdp_full", "real_gdp_cdl", "real_exports_full"):
        np.testing.assert_allclose(r[col], w[col], atol=1e-8)
    assert (r["price_full"] - w["price_full"]).abs().max() > 1e-3
