"""Weidner & Zylkin (2021) bias correction (gravity.estimation.bias): against simulation truth, the
split-panel jackknife route, the project's own sandwich (an independent implementation of the
unadjusted pair-clustered covariance) and invariants."""
from __future__ import annotations

import logging

import numpy as np
import pytest

from gravity.estimation.bias import BiasSpecError, analytical, simulate_panel
from gravity.estimation.ppml import ppml
from gravity.report.tables import regtable

THREE = "y ~ x | exporter^year + importer^year + exporter^importer"
TWO = "y ~ x | exporter^year + importer^year"


@pytest.fixture(scope="module")
def panel():
    d = simulate_panel(20, 5, seed=1)
    return d.assign(pair=d.exporter * 100 + d.importer)


@pytest.mark.parametrize("formula", [THREE, TWO])
def test_unadjusted_meat_is_the_pair_clustered_sandwich(panel, formula):
    """Without the leverage adjustment the kernel's covariance is vcov.py's pair-clustered one."""
    fit = ppml(formula, panel, cluster="pair")
    a = analytical(fit)
    np.testing.assert_allclose(a["V_plain"], fit.cov_params().to_numpy(), rtol=1e-6)
    # the local de-biasing inflates the variance (I − HQ has eigenvalues in (0, 1])
    assert a["V"][0, 0] > a["V_plain"][0, 0]


def test_two_way_gets_se_adjustment_only(panel):
    fit = ppml(TWO, panel, cluster="pair")
    r = fit.bias_correct()
    assert (r.bias == 0).all()
    assert r.params.equals(fit.params.rename("coef"))
    assert r.bse["x"] > fit.bse["x"]
    assert r.uncorrected is fit


def test_exact_and_block_leverage_agree(panel):
    """The block-diagonal V_FE drops O(1/N²) cross terms: the adjusted SEs agree closely."""
    fit = ppml(THREE, panel)
    ex, bl = analytical(fit, leverage="exact"), analytical(fit, leverage="blocks")
    np.testing.assert_allclose(ex["bias"], bl["bias"], rtol=1e-12)
    se_e, se_b, se_0 = (np.sqrt(v[0, 0]) for v in (ex["V"], bl["V"], ex["V_plain"]))
    assert abs(se_b / se_e - 1) < 0.02
    assert se_b > se_0 and se_e > se_0


def test_invariant_to_row_order(panel):
    fit = ppml(THREE, panel)
    perm = panel.sample(frac=1.0, random_state=3).reset_index(drop=True)
    fit2 = ppml(THREE, perm)
    a, b = analytical(fit), analytical(fit2)
    np.testing.assert_allclose(a["bias"], b["bias"], rtol=1e-6)
    np.testing.assert_allclose(a["V"], b["V"], rtol=1e-6)


def test_analytical_and_jackknife_agree_and_move_towards_truth():
    """WZ (2021) DGP (β = 1, Poisson-like variance), N = 30, T = 5, 8 panels: the two routes estimate
    a bias of the same sign and comparable size, and both corrected means are closer to the truth
    than the uncorrected mean."""
    logging.disable(logging.WARNING)
    try:
        rows = []
        for s in range(8):
            fit = ppml(THREE, simulate_panel(30, 5, seed=100 + s))
            an = fit.bias_correct()
            jk = fit.bias_correct(method="jackknife", seed=s)
            rows.append([fit.params["x"], an.params["x"], jk.params["x"], an.bias["x"], jk.bias["x"]])
    finally:
        logging.disable(logging.NOTSET)
    b, b_an, b_jk, bias_an, bias_jk = np.array(rows).mean(0)
    assert bias_an > 0 and bias_jk > 0
    assert 1 / 3 < bias_an / bias_jk < 3
    assert abs(b_an - 1) < abs(b - 1)
    assert abs(b_jk - 1) < abs(b - 1)


def test_regtable_shows_original_bias_and_corrected(panel):
    fit = ppml(THREE, panel, cluster="pair")
    r = fit.bias_correct()
    tab = regtable([r.uncorrected, r.bias_column, r], names=["original", "bias", "corrected"])
    md = tab.to_markdown()
    assert f"{fit.params['x']:.4f}" in md and f"{r.params['x']:.4f}" in md and f"{r.bias['x']:.4f}" in md
    np.testing.assert_allclose(r.params["x"] + r.bias["x"], fit.params["x"], rtol=0, atol=1e-15)
    assert "Weidner & Zylkin" in str(r.summary())


def test_errors_name_the_fix(panel):
    fit = ppml(THREE, panel)
    with pytest.raises(BiasSpecError, match=r"exporter-time and importer-time.*origin\^year"):
        fit.bias_correct(i="origin")
    with pytest.raises(BiasSpecError, match="three different columns"):
        fit.bias_correct(j="exporter")
    with pytest.raises(ValueError, match="method must be"):
        fit.bias_correct(method="bootstrap")
    two = ppml(TWO, panel)
    with pytest.raises(BiasSpecError, match="three-way model only"):
        two.bias_correct(method="jackknife")
    one = ppml("y ~ x | exporter^year", panel)
    with pytest.raises(BiasSpecError, match="exporter\\^year"):
        one.bias_correct()
    w = ppml(THREE, panel.assign(w=1.0), weights="w")
    with pytest.raises(BiasSpecError, match="unweighted"):
        w.bias_correct()
    other = ppml("y ~ x | exporter^year + importer^year + exporter", panel)
    with pytest.raises(BiasSpecError, match="not the exporter-importer pair"):
        other.bias_correct()
