"""gravity.ppml against statsmodels GLM(Poisson) with explicit fixed-effect dummies.

Same model, independent implementation: coefficients agree to 1e-6 (relative) and standard errors
to 1e-5 under the same small-sample correction, for iid, robust, one-way clustered errors, with
weights and offsets; two-way clustering is checked against the Cameron–Gelbach–Miller formula
assembled by hand from statsmodels' one-way clustered covariances.
"""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm

import gravity as gv
from gravity.estimation.vcov import SSC

RTOL_B, RTOL_SE = 1e-6, 1e-5


def make_panel(n_exp=9, n_imp=8, n_years=3, seed=0, zeros=0.1):
    rng = np.random.default_rng(seed)
    rows = [(e, i, t) for t in range(n_years) for e in range(n_exp) for i in range(n_imp) if e != i]
    d = pd.DataFrame(rows, columns=["exp", "imp", "year"])
    d["exp"] = "e" + d["exp"].astype(str)
    d["imp"] = "i" + d["imp"].astype(str)
    n = len(d)
    d["ln_dist"] = rng.normal(7, 1, n)
    d["contig"] = (rng.random(n) < 0.2).astype(float)
    d["rta"] = (rng.random(n) < 0.3).astype(float)
    d["pair"] = d["exp"] + "-" + d["imp"]
    d["pair_sym"] = [ "-".join(sorted((a[1:], b[1:]))) for a, b in zip(d["exp"], d["imp"])]
    fe_e = rng.normal(0, 1, n_exp)
    fe_i = rng.normal(0, 1, n_imp)
    eta = 8 - 0.9 * d["ln_dist"] + 0.5 * d["contig"] + 0.3 * d["rta"] \
        + fe_e[d["exp"].str[1:].astype(int)] + fe_i[d["imp"].str[1:].astype(int)] + 0.1 * d["year"]
    mu = np.exp(eta)
    d["trade"] = rng.gamma(2.0, mu / 2.0) * (rng.random(n) > zeros)
    d["w"] = rng.uniform(0.5, 2.0, n)
    d["lnoff"] = rng.normal(0, 0.3, n)
    return d


SLOPES = ["ln_dist", "contig", "rta"]


def sm_fit(d, fes, *, offset=None, var_weights=None, X=None, **fit_kw):
    if X is None:
        dummies = [pd.get_dummies(d[f], prefix=f, drop_first=True, dtype=float) for f in fes]
        X = sm.add_constant(pd.concat([d[SLOPES].astype(float), *dummies], axis=1))
    m = sm.GLM(d["trade"], X, family=sm.families.Poisson(), offset=offset, var_weights=var_weights)
    return m.fit(tol=1e-13, maxiter=300, **fit_kw)


@pytest.fixture(scope="module")
def panel():
    return make_panel()


def _cmp(res, ref, se=True):
    np.testing.assert_allclose(res.params[SLOPES], ref.params[SLOPES], rtol=RTOL_B, atol=1e-10)
    if se:
        np.testing.assert_allclose(res.bse[SLOPES], ref.bse[SLOPES], rtol=RTOL_SE)


def test_iid(panel):
    res = gv.ppml("trade ~ ln_dist + contig + rta | exp + imp", panel, vcov="iid")
    _cmp(res, sm_fit(panel, ["exp", "imp"]))
    assert res.converged


def test_robust_hc0_and_stata(panel):
    ref = sm_fit(panel, ["exp", "imp"], cov_type="HC0")
    res = gv.ppml("trade ~ ln_dist + contig + rta | exp + imp", panel, vcov="robust", ssc="none")
    _cmp(res, ref)
    res_s = gv.ppml("trade ~ ln_dist + contig + rta | exp + imp", panel, vcov="robust")  # default "stata"
    n = res_s.nobs
    np.testing.assert_allclose(res_s.bse[SLOPES], ref.bse[SLOPES] * np.sqrt(n / (n - 1)), rtol=RTOL_SE)


def test_cluster_one_way(panel):
    codes = pd.factorize(panel["pair_sym"])[0]
    ref0 = sm_fit(panel, ["exp", "imp"], cov_type="cluster", cov_kwds={"groups": codes, "use_correction": False})
    res0 = gv.ppml("trade ~ ln_dist + contig + rta | exp + imp", panel, cluster="pair_sym", ssc="none")
    _cmp(res0, ref0)
    # statsmodels' correction G/(G-1)(N-1)/(N-K), K = all parameters incl. dummies
    ref1 = sm_fit(panel, ["exp", "imp"], cov_type="cluster", cov_kwds={"groups": codes, "use_correction": True})
    res1 = gv.ppml("trade ~ ln_dist + contig + rta | exp + imp", panel, cluster="pair_sym",
                   ssc=SSC(cluster_adj=True, n_adj=True, k="all"))
    _cmp(res1, ref1)
    assert res1.n_clusters == panel["pair_sym"].nunique()


def test_interacted_fe_weights_offset(panel):
    d = panel.assign(ey=panel["exp"] + panel["year"].astype(str), iy=panel["imp"] + panel["year"].astype(str))
    # full-rank dummies: every exporter-year, importer-years without one importer per year
    iy = pd.get_dummies(d["iy"], dtype=float)
    iy = iy.drop(columns=[c for c in iy.columns if c.startswith("i0")])
    X = pd.concat([d[SLOPES], pd.get_dummies(d["ey"], dtype=float), iy], axis=1)
    ref = sm_fit(d, [], X=X, offset=d["lnoff"], var_weights=d["w"], cov_type="HC0")
    res = gv.ppml("trade ~ ln_dist + contig + rta | exp^year + imp^year", d, weights="w",
                  offset="lnoff", vcov="hetero", ssc="none")
    _cmp(res, ref)
    # offset as an array aligned with data gives the same fit
    res2 = gv.ppml("trade ~ ln_dist + contig + rta | exp^year + imp^year", d, weights=d["w"].to_numpy(),
                   offset=d["lnoff"].to_numpy(), vcov="hetero", ssc="none")
    np.testing.assert_allclose(res2.params, res.params, rtol=1e-9)
    # statsmodels' fitted values, deviance and log-likelihood
    np.testing.assert_allclose(res.fittedvalues.to_numpy(), ref.fittedvalues[res.fittedvalues.index].to_numpy(), rtol=1e-6)
    np.testing.assert_allclose(res.deviance, ref.deviance, rtol=1e-8)
    np.testing.assert_allclose(res.llf, ref.llf, rtol=1e-8)


def test_two_way_cluster_cgm(panel):
    a = pd.factorize(panel["exp"])[0]
    b = pd.factorize(panel["imp"])[0]
    ab = pd.factorize(panel["exp"] + "|" + panel["imp"])[0]
    covs = [sm_fit(panel, ["year"], cov_type="cluster", cov_kwds={"groups": g, "use_correction": False}).cov_params().loc[SLOPES, SLOPES]
            for g in (a, b, ab)]
    V = covs[0] + covs[1] - covs[2]
    res = gv.ppml("trade ~ ln_dist + contig + rta | year", panel, cluster=["exp", "imp"], ssc="none")
    assert res.vcov_type == "twoway" and res.n_clusters == (9, 8)
    np.testing.assert_allclose(res.cov_params().loc[SLOPES, SLOPES].to_numpy(), V.to_numpy(), rtol=1e-5, atol=1e-14)


def test_no_fixed_effects_intercept(panel):
    res = gv.ppml("trade ~ ln_dist + contig + rta", panel, vcov="iid")
    ref = sm.GLM(panel["trade"], sm.add_constant(panel[SLOPES]), family=sm.families.Poisson()).fit(tol=1e-13)
    np.testing.assert_allclose(res.params[["Intercept", *SLOPES]].to_numpy(), ref.params.to_numpy(), rtol=RTOL_B)
    np.testing.assert_allclose(res.bse[["Intercept", *SLOPES]].to_numpy(), ref.bse.to_numpy(), rtol=RTOL_SE)
    np.testing.assert_allclose(res.llnull, ref.llnull, rtol=1e-8)
    np.testing.assert_allclose(res.pseudo_rsquared, 1 - ref.llf / ref.llnull, rtol=1e-8)


def test_fixef_predict_and_offset_only_model(panel):
    res = gv.ppml("trade ~ ln_dist + contig + rta | exp + imp", panel)
    fx = res.fixef(reference={"imp": "i3"})
    assert fx["imp"]["i3"] == 0.0
    # statsmodels with the same reference dropped reproduces both effects
    X = pd.concat([panel[SLOPES], pd.get_dummies(panel["exp"], dtype=float),
                   pd.get_dummies(panel["imp"], dtype=float).drop(columns="i3")], axis=1)
    ref = sm.GLM(panel["trade"], X, family=sm.families.Poisson()).fit(tol=1e-13)
    np.testing.assert_allclose(fx["exp"].to_numpy(), ref.params[fx["exp"].index].to_numpy(), rtol=1e-6, atol=1e-8)
    np.testing.assert_allclose(fx["imp"].drop("i3").to_numpy(), ref.params[fx["imp"].drop("i3").index].to_numpy(), rtol=1e-6, atol=1e-8)
    # predict on the data itself = fitted values; the link is the log
    p = res.predict(panel)
    np.testing.assert_allclose(p[res.fittedvalues.index], res.fittedvalues, rtol=1e-9)
    np.testing.assert_allclose(res.predict(panel, type="link")[res.fittedvalues.index], np.log(res.fittedvalues), rtol=1e-9)
    # GEPPML-style re-estimation: fixed effects only, the slopes' contribution as an offset
    d = panel.assign(cost=panel[SLOPES].to_numpy() @ res.params[SLOPES].to_numpy())
    res_off = gv.ppml("trade ~ 1 | exp + imp", d, offset="cost")
    assert len(res_off.params) == 0
    np.testing.assert_allclose(res_off.fittedvalues, res.fittedvalues, rtol=1e-7)
    np.testing.assert_allclose(res_off.predict(d), res.predict(d), rtol=1e-7)


def test_fixef_per_year_reference_and_results_api(panel):
    res = gv.ppml("trade ~ ln_dist + contig + rta | exp^year + imp^year", panel, cluster="pair")
    fx = res.fixef(reference={"imp^year": "i0"})
    imp = fx["imp^year"]
    assert isinstance(imp.index, pd.MultiIndex) and list(imp.index.names) == ["imp", "year"]
    np.testing.assert_array_equal(imp.xs("i0", level="imp").to_numpy(), 0.0)  # P_ref,t = 1 every year
    # the effects rebuild the linear predictor exactly: η = x'β + α_exp,t + γ_imp,t
    ex = fx["exp^year"].reindex(pd.MultiIndex.from_frame(panel[["exp", "year"]])).to_numpy()
    im = imp.reindex(pd.MultiIndex.from_frame(panel[["imp", "year"]])).to_numpy()
    eta = panel[SLOPES].to_numpy() @ res.params[SLOPES].to_numpy() + ex + im
    used = res.sample["used"].to_numpy()
    np.testing.assert_allclose(eta[used], np.log(res.fittedvalues.to_numpy()), rtol=1e-9, atol=1e-9)
    # statsmodels-style accessors are mutually consistent
    ci = res.conf_int(0.1)
    np.testing.assert_allclose(ci[1] - ci[0], 2 * 1.6448536269514722 * res.bse, rtol=1e-9)
    np.testing.assert_allclose(np.sqrt(np.diag(res.cov_params())), res.bse, rtol=1e-12)
    np.testing.assert_allclose(res.tvalues, res.params / res.bse, rtol=1e-12)
    text = str(res.summary())
    for name in SLOPES + ["exp^year", "imp^year", "Pseudo R2"]:
        assert name in text
    assert res.n_clusters == panel["pair"].nunique() and res.vcov_type == "cluster"
    assert res.fixed_effects == ["exp^year", "imp^year"] and res.formula.startswith("trade ~")
