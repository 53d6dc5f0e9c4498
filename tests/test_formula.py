"""fixest formulas in gv.ppml: expressions, i(), clusters with ^ and +, vcov switched after fitting.

References: pyfixest 0.60 ``fepois`` (same formulaic-based names, independent IRLS) and statsmodels
GLM Poisson with the fixed effects as patsy dummies (an independent formula engine and solver).
"""
from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

from gravity.estimation.formula import FormulaError, expand_formula, parse_formula, parse_vcov
from gravity.estimation.ppml import ppml
from gravity.estimation.vcov import SSC


@pytest.fixture(scope="module")
def df():
    rng = np.random.default_rng(11)
    n = 600
    d = pd.DataFrame({
        "x": rng.exponential(1.0, n), "z": rng.normal(size=n), "g": rng.integers(0, 3, n),
        "h": rng.integers(0, 2, n), "f1": rng.integers(0, 12, n), "f2": rng.integers(0, 6, n),
    })
    eta = 0.8 + 0.3 * np.log(d.x) - 0.2 * d.z + 0.1 * d.z ** 2 + 0.25 * (d.g == 2) + 0.05 * d.f1 % 3
    d["y"] = rng.poisson(np.exp(eta)).astype(float)
    d.loc[[4, 77], "x"] = 0.0          # log(x) undefined: two rows dropped, as fixest does
    d.loc[91, "x"] = -1.0
    return d


def _quiet(fn, *a, **k):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return fn(*a, **k)


FORMULAS = [
    "y ~ log(x) + z | f1",
    "y ~ np.log(x) + exp(z) | f1",
    "y ~ I(z**2) + z:h + g*h | f1",
    "y ~ C(g) + z | f1 + f2",
    "y ~ i(g, ref=1) + z | f1",
    "y ~ i(g, z, ref=0) + h | f1",
]


@pytest.mark.parametrize("formula", FORMULAS)
def test_names_and_coefficients_match_pyfixest(df, formula):
    pf = pytest.importorskip("pyfixest")
    ref = _quiet(pf.fepois, formula, data=df, vcov="hetero")
    fit = ppml(formula, df, vcov="hetero", ssc=SSC(n_adj=True, k="all"))   # pyfixest's N/(N - K_all)
    assert list(fit.params.index) == [str(c) for c in ref.coef().index]
    assert fit.nobs == ref._N
    np.testing.assert_allclose(fit.params.to_numpy(), ref.coef().to_numpy(), rtol=0, atol=2e-6)
    np.testing.assert_allclose(fit.bse.to_numpy(), ref.se().to_numpy(), rtol=1e-4)


@pytest.mark.parametrize("formula, patsy", [
    ("y ~ log(x) + I(z**2) + z:h | f1", "y ~ np.log(x) + I(z**2) + z:h + C(f1)"),
    ("y ~ C(g) + g:z + exp(z) | f1", "y ~ C(g) + g:z + np.exp(z) + C(f1)"),
])
def test_coefficients_match_statsmodels_dummies(df, formula, patsy):
    smf = pytest.importorskip("statsmodels.formula.api")
    import statsmodels.api as sm

    fit = ppml(formula, df, vcov="iid", tol=1e-12, fixef_tol=1e-13)
    d = df[fit.sample["used"].to_numpy()]
    ref = smf.glm(patsy, d, family=sm.families.Poisson()).fit(tol=1e-13)
    assert len(fit.params) == len(ref.params) - 12    # patsy adds the intercept and 11 f1 dummies
    for name in fit.params.index:
        key = {"log(x)": "np.log(x)", "exp(z)": "np.exp(z)"}.get(name, name)
        assert fit.params[name] == pytest.approx(ref.params[key], abs=1e-7), name


def test_undefined_rows_dropped_with_reason(df):
    fit = ppml("y ~ log(x) + z | f1", df)
    r = fit.sample["reason"]
    assert list(r.index[r == "undefined: log(x)"]) == [4, 77, 91]
    assert not fit.sample.loc[[4, 77, 91], "used"].any()
    assert fit.nobs == len(df) - 3 - int((fit.sample.reason != "").sum() - 3)


def test_expressions_equal_precomputed_columns(df):
    d = df[df.x > 0].copy()
    d["lx"], d["z2"], d["zh"] = np.log(d.x), d.z ** 2, d.z * d.h
    for g in (0, 2):
        d[f"g{g}"] = (d.g == g).astype(float)
    a = ppml("y ~ log(x) + I(z**2) + z:h + i(g, ref=1) | f1", d, vcov="hetero")
    # formulaic (and so pyfixest) order terms by degree: the interaction z:h comes last
    assert list(a.params.index) == ["log(x)", "I(z ** 2)", "g::0", "g::2", "z:h"]
    b = ppml("y ~ lx + z2 + g0 + g2 + zh | f1", d, vcov="hetero")
    np.testing.assert_allclose(a.params.to_numpy(), b.params.to_numpy(), rtol=0, atol=1e-12)
    np.testing.assert_allclose(a.bse.to_numpy(), b.bse.to_numpy(), rtol=1e-10)


def test_plain_formula_unchanged_and_strict_parser(df):
    s = parse_formula("trade ~ ln_dist + cntg | exporter^year + importer^year + pair")
    assert s.plain and s.slopes == ("ln_dist", "cntg") and s.coef_names == ["ln_dist", "cntg"]
    for bad in ["y ~ log(x)", "y ~ csw(a, b)", "log(y) ~ x"]:
        with pytest.raises(FormulaError):
            parse_formula(bad)
    e = expand_formula("y ~ log(x) + C(g) | f1")[0]
    assert not e.plain and e.variables == ("y", "x", "g") and e.columns == ["y", "x", "g", "f1"]


@pytest.mark.parametrize("formula, words", [
    ("y ~ i(g):z | f1", ["i(g):z", "i(var, x)"]),
    ("y ~ i(g, ref=7) | f1", ["ref=7", "values"]),
    ("y ~ i(g, z, keep=1) | f1", ["keep", "ref="]),
    ("y ~ sw(x, z) + sw(h, g) | f1", ["more than one sw"]),
    ("y ~ foo(x) | f1", ["foo(x)", "log"]),
    ("y ~ log(x | f1", ["unbalanced"]),
])
def test_formula_errors_name_term_and_fix(df, formula, words):
    with pytest.raises(FormulaError) as e:
        ppml(formula, df)
    for w in words:
        assert w in str(e.value)


def test_parse_vcov():
    assert parse_vcov({"CRV1": "pair"}, None) == ("cluster", ["pair"])
    assert parse_vcov({"CRV1": "exporter + importer"}, None) == ("cluster", ["exporter", "importer"])
    assert parse_vcov("hetero", "exporter^importer") == ("hetero", ["exporter^importer"])
    with pytest.raises(FormulaError):
        parse_vcov({"HC3": "x"}, None)
    with pytest.raises(FormulaError):
        parse_vcov({"CRV1": "a"}, "b")


def test_cluster_hat_and_plus(df):
    d = df.assign(f12=df.f1.astype(str) + "_" + df.f2.astype(str))
    a = ppml("y ~ z + h | f1", d, cluster="f1^f2")
    b = ppml("y ~ z + h | f1", d, cluster="f12")
    np.testing.assert_allclose(a.bse.to_numpy(), b.bse.to_numpy(), rtol=1e-12)
    assert a.n_clusters == b.n_clusters and a.cluster == ["f1^f2"]
    c = ppml("y ~ z + h | f1", d, vcov={"CRV1": "f1+f2"})
    e = ppml("y ~ z + h | f1", d, cluster=["f1", "f2"])
    np.testing.assert_array_equal(c.bse.to_numpy(), e.bse.to_numpy())
    assert c.vcov_type == "twoway"


@pytest.mark.parametrize("new, start", [
    ("hetero", dict(vcov="hetero")),
    ("iid", dict(vcov="iid")),
    ({"CRV1": "f1"}, dict(cluster="f1")),
    ({"CRV1": "f1+f2"}, dict(cluster=["f1", "f2"])),
    ({"CRV1": "f1^h"}, dict(vcov={"CRV1": "f1^h"})),
])
def test_vcov_switch_equals_fitting_with_it(df, new, start):
    base = ppml("y ~ log(x) + z | f2", df, cluster="f1")
    switched = base.vcov(new)
    direct = ppml("y ~ log(x) + z | f2", df, **start)
    np.testing.assert_array_equal(switched.params.to_numpy(), base.params.to_numpy())
    np.testing.assert_array_equal(switched.cov_params().to_numpy(), direct.cov_params().to_numpy())
    np.testing.assert_array_equal(switched.pvalues.to_numpy(), direct.pvalues.to_numpy())
    assert switched.vcov_type == direct.vcov_type and switched.n_clusters == direct.n_clusters
    # the original keeps its covariance
    np.testing.assert_array_equal(base.bse.to_numpy(), ppml("y ~ log(x) + z | f2", df, cluster="f1").bse.to_numpy())


@pytest.mark.parametrize("vc", [{"CRV1": "f1"}, {"CRV1": "f1+g"}])
def test_vcov_switch_matches_pyfixest(df, vc):
    pf = pytest.importorskip("pyfixest")
    ref = _quiet(_quiet(pf.fepois, "y ~ log(x) + z | f2", data=df, vcov="hetero").vcov, vc)
    # pyfixest's default small-sample factor: G_min/(G_min - 1) (N - 1)/(N - K_all) on every term
    fit = ppml("y ~ log(x) + z | f2", df).vcov(vc, ssc=SSC(n_adj=True, k="all", cluster_df="min"))
    np.testing.assert_allclose(fit.bse.to_numpy(), ref.se().to_numpy(), rtol=1e-4)


def test_vcov_switch_errors(df):
    base = ppml("y ~ z | f1", df)
    with pytest.raises(ValueError, match="not in data"):
        base.vcov({"CRV1": "nope"})
    with pytest.raises(ValueError, match="fitted on"):
        base.vcov({"CRV1": "f2"}, data=df.iloc[:10])


def test_ols_expressions_switch_and_multi(df):
    from gravity.estimation.ols import ols

    d = df[df.x > 0].assign(lx=lambda f: np.log(f.x), ly=lambda f: np.log1p(f.y))
    a = ols("log(1 + y) ~ log(x) + z | f1", df, cluster="f2")
    b = ols("ly ~ lx + z | f1", d, cluster="f2")
    np.testing.assert_allclose(a.params.to_numpy(), b.params.to_numpy(), rtol=0, atol=1e-12)
    np.testing.assert_allclose(a.bse.to_numpy(), b.bse.to_numpy(), rtol=1e-10)
    assert list(a.params.index) == ["log(x)", "z"] and a.nobs == len(d)
    assert (a.sample.reason == "undefined: log(x)").sum() == 3
    sw = a.vcov("hetero")
    np.testing.assert_allclose(sw.bse.to_numpy(), ols("ly ~ lx + z | f1", d, vcov="hc1").bse.to_numpy(), rtol=1e-10)
    fits = ols("ly ~ csw(lx, z) | f1", d, vcov={"CRV1": "f2"})
    np.testing.assert_allclose(fits[1].bse.to_numpy(), b.bse.to_numpy(), rtol=1e-12)
