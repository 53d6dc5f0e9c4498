"""Weidner & Zylkin (2021) bias correction (gravity.estimation.bias): against simulation truth, the
split-panel jackknife route, the project's own sandwich (an independent implementation of the
unadjusted pair-clustered covariance) and invariants."""
from __future__ import annotations

import logging

import numpy as np
import pytest

from gravity import data as datasets
from gravity.estimation.bias import BiasSpecError, analytical, simulate_panel
from gravity.estimation.ppml import ppml
from gravity.report.tables import regtable
from tests.conftest import require_data

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


def test_series_leverage_matches_exact_simulated(panel):
    """The second-order series for V_FE (leverage="series") against the dense pseudo-inverse."""
    for n, T, seed in ((20, 5, 1), (30, 10, 3)):
        fit = ppml(THREE, simulate_panel(n, T, seed=seed))
        ex, se = analytical(fit, leverage="exact"), analytical(fit, leverage="series")
        assert ex["leverage"] == "exact" and se["leverage"] == "series"
        np.testing.assert_allclose(ex["bias"], se["bias"], rtol=1e-12)
        s_e, s_s, s_0 = (np.sqrt(v[0, 0]) for v in (ex["V"], se["V"], ex["V_plain"]))
        assert abs(s_s / s_e - 1) < 0.005
        assert s_s > s_0 and s_e > s_0


@pytest.fixture(scope="module")
def yotov_rta():
    """Yotov et al. (2016) ch. 2 application 2: RTA, 1986–2006 every 4 years, three-way with
    exporter^importer pair effects (the book's pair_id merges both directions of a pair)."""
    require_data("yotov2016/Chapter2Application2.dta")
    d = datasets.load("yotov2016/Chapter2Application2.dta")
    d = d[d.year.isin(range(1986, 2007, 4))]
    logging.disable(logging.WARNING)
    try:
        return ppml("trade ~ RTA | exporter^year + importer^year + exporter^importer", d)
    finally:
        logging.disable(logging.NOTSET)


def test_series_leverage_matches_exact_on_yotov(yotov_rta):
    """Trade dominated by a few countries: the block diagonal alone (first order) put the adjusted SE
    at 0.061, below the unadjusted 0.0815; the second-order series is within 1.5% of exact (0.1204)."""
    fit = yotov_rta
    ex, se = analytical(fit, leverage="exact"), analytical(fit, leverage="series")
    s_e, s_s, s_0 = (np.sqrt(v[0, 0]) for v in (ex["V"], se["V"], ex["V_plain"]))
    assert abs(s_s / s_e - 1) < 0.015
    assert s_e > s_0 and s_s > s_0
    np.testing.assert_allclose(ex["bias"], [-0.0773437], atol=5e-7)
    assert analytical(fit)["leverage"] == "exact"                       # F = 6·138 ≤ 3,000
    with pytest.raises(ValueError, match="'blocks' was removed.*series"):
        analytical(fit, leverage="blocks")


def test_jackknife_premise_holds_with_a_common_beta():
    """The split-panel jackknife assumes each exporter-half × importer-half subpanel carries twice the
    full panel's bias (bias ∝ 1/N_i + 1/N_j). With a common β (the paper's DGP) the subpanels'
    analytical biases average 2× the full one, so the two routes target the same first-order bias."""
    logging.disable(logging.WARNING)
    try:
        d = simulate_panel(60, 5, seed=5)
        fit = ppml(THREE, d)
        full = analytical(fit)["bias"][0]
        rng = np.random.default_rng(0)
        sub = []
        for _ in range(3):
            hi = rng.permutation(60) < 30
            hj = rng.permutation(60) < 30
            for a in (True, False):
                for b in (True, False):
                    m = (hi[d.exporter] == a) & (hj[d.importer] == b)
                    sub.append(analytical(ppml(THREE, d[m]))["bias"][0])
        r = fit.bias_correct(method="jackknife", splits=3)
    finally:
        logging.disable(logging.NOTSET)
    assert full > 0
    assert abs(np.mean(sub) / (2 * full) - 1) < 0.2
    assert r.jackknife_estimates.shape == (12, 1)
    np.testing.assert_allclose(r.bias["x"], r.jackknife_estimates["x"].mean() - fit.params["x"], rtol=1e-12)


def test_vcov_switch_refused_on_corrected_result(panel):
    fit = ppml(THREE, panel, cluster="pair")
    r = fit.bias_correct()
    with pytest.raises(BiasSpecError, match=r"uncorrected\.vcov"):
        r.vcov("hetero")
    with pytest.raises(ValueError, match="adjusted pair-clustered"):
        r.vcov({"CRV1": "pair"})
    # the original result still switches
    assert r.uncorrected.vcov("hetero").vcov_type == "hetero"


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
    # the bias column has no standard error: a blank cell, not "(nan)"
    assert "nan" not in md
    assert tab.se.loc["x"].tolist() == [f"({fit.bse['x']:.4f})", "", f"({r.bse['x']:.4f})"]


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
