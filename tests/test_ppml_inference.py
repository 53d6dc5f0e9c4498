"""The shared inference layer: lincom / t_test / wald_test against statsmodels on the same fit, the
one sandwich and small-sample correction, the one collinearity check and fixed-effect dof count."""
from __future__ import annotations

import numba
import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm
from scipy.stats import norm

import gravity as gv
from gravity.estimation import _kernels
from gravity.estimation.rank import collinear_columns, fe_dof
from gravity.estimation.results import HypothesisError
from gravity.estimation.vcov import SSC, resolve_ssc, sandwich
from tests.test_ppml_statsmodels import SLOPES, make_panel, sm_fit

FORMULA = "trade ~ ln_dist + contig + rta | exp + imp"
HYP = "ln_dist + 2*contig = 0, contig = rta"


@pytest.fixture(scope="module")
def panel():
    return make_panel()


@pytest.fixture(scope="module")
def ppml_pair(panel):
    ours = gv.ppml(FORMULA, panel, vcov="robust", ssc="none")
    ref = sm_fit(panel, ["exp", "imp"], cov_type="HC0")
    return ours, ref


@pytest.fixture(scope="module")
def ols_pair(panel):
    d = panel[panel.trade > 0].assign(log_trade=lambda x: np.log(x.trade))
    ours = gv.ols("log_trade ~ ln_dist + contig + rta | exp + imp", d)
    dummies = [pd.get_dummies(d[f], prefix=f, drop_first=True, dtype=float) for f in ("exp", "imp")]
    ref = sm.OLS(d["log_trade"], sm.add_constant(pd.concat([d[SLOPES], *dummies], axis=1))).fit()
    return ours, ref


@pytest.mark.parametrize("which", ["ppml", "ols"])
def test_t_test_matches_statsmodels(which, ppml_pair, ols_pair):
    ours, ref = ppml_pair if which == "ppml" else ols_pair
    a = ours.t_test(HYP)
    b = ref.t_test(HYP)
    np.testing.assert_allclose(a.effect, np.ravel(b.effect), rtol=1e-6)
    np.testing.assert_allclose(a.sd, np.ravel(b.sd), rtol=1e-5)
    np.testing.assert_allclose(a.statistic, np.ravel(b.statistic), rtol=1e-5)
    np.testing.assert_allclose(a.pvalue, np.ravel(b.pvalue), rtol=1e-4)
    np.testing.assert_allclose(a.conf_int(0.1), b.conf_int(0.1), rtol=1e-5)
    # the same restrictions as a matrix give the same numbers
    R = np.array([[1.0, 2.0, 0.0], [0.0, 1.0, -1.0]])
    m = ours.t_test(R)
    np.testing.assert_allclose(m.statistic, a.statistic, rtol=1e-12)
    assert list(a.summary_frame().index) == ["ln_dist + 2*contig = 0", "contig = rta"]


@pytest.mark.parametrize("which", ["ppml", "ols"])
def test_wald_test_matches_statsmodels(which, ppml_pair, ols_pair):
    ours, ref = ppml_pair if which == "ppml" else ols_pair
    a = ours.wald_test(HYP)
    b = ref.wald_test(HYP, scalar=True)
    np.testing.assert_allclose(a.statistic, float(b.statistic), rtol=1e-5)
    np.testing.assert_allclose(a.pvalue, float(b.pvalue), rtol=1e-4)
    assert a.df_num == 2
    assert a.distribution == ("chi2" if which == "ppml" else "F")
    if which == "ols":
        assert a.df_denom == int(ref.df_resid) == ours.df_inference


@pytest.mark.parametrize("which", ["ppml", "ols"])
def test_lincom_matches_statsmodels(which, ppml_pair, ols_pair):
    ours, ref = ppml_pair if which == "ppml" else ols_pair
    lc = ours.lincom({"ln_dist": 1.0, "contig": 2.0, "rta": -0.5}, level=0.9)
    b = ref.t_test("ln_dist + 2*contig - 0.5*rta = 0")
    np.testing.assert_allclose(lc.estimate, float(np.ravel(b.effect)[0]), rtol=1e-6)
    np.testing.assert_allclose(lc.se, float(np.ravel(b.sd)[0]), rtol=1e-5)
    np.testing.assert_allclose(lc.stat, float(np.ravel(b.statistic)[0]), rtol=1e-5)
    np.testing.assert_allclose(lc.pvalue, float(np.ravel(b.pvalue)[0]), rtol=1e-4)
    np.testing.assert_allclose(lc.conf_int(), b.conf_int(0.1)[0], rtol=1e-5)
    assert lc.terms == (("ln_dist", 1.0), ("contig", 2.0), ("rta", -0.5))
    assert lc.df == (None if which == "ppml" else ours.df_inference)


def test_lincom_with_unit_weights_is_the_hand_written_sum_to_the_bit(panel):
    """What the corridor report and the replication runner computed by hand, bit for bit."""
    fit = gv.ppml(FORMULA, panel, cluster="pair")
    for names in (["ln_dist"], ["ln_dist", "contig"], ["contig", "rta", "ln_dist"]):
        lc = fit.lincom(names)
        V = fit.cov_params()
        est = float(fit.params[names].sum())
        se = float(np.sqrt(V.loc[names, names].to_numpy().sum()))
        assert lc.estimate == est and lc.se == se
        z = norm.ppf(0.5 + 0.95 / 2)
        assert lc.conf_int() == (est - z * se, est + z * se)
    one = fit.lincom("contig")
    assert one.estimate == fit.params["contig"] and one.pvalue == pytest.approx(fit.pvalues["contig"], rel=1e-12)


def test_bad_hypotheses_name_the_term(ppml_pair):
    fit = ppml_pair[0]
    with pytest.raises(HypothesisError, match=r"\['distance'\].*coefficients: \['ln_dist'"):
        fit.lincom(["distance", "rta"])
    with pytest.raises(ValueError, match="'dist' in hypothesis"):
        fit.t_test("dist = 0")
    with pytest.raises(ValueError, match="linear"):
        fit.wald_test("ln_dist * rta = 0")
    with pytest.raises(ValueError, match="3 coefficients"):
        fit.t_test(np.ones((1, 2)))


def test_summary_object(ppml_pair, ols_pair):
    for fit in (ppml_pair[0], ols_pair[0]):
        s = fit.summary()
        text = str(s)
        assert text == s.as_text() == repr(fit)
        assert all(name in text for name in SLOPES)
        assert s._repr_html_() == s.as_html() and "ln_dist" in s._repr_html_()
    assert "P>|z|" in str(ppml_pair[0].summary()) and "P>|t|" in str(ols_pair[0].summary())


def _html_table(html: str) -> tuple[list[str], dict[str, list[float]], dict[str, str]]:
    """Header, coefficient rows and info lines of Summary.as_html(), parsed as XML."""
    import xml.etree.ElementTree as ET

    root = ET.fromstring(html)
    info_t, coef_t = root.findall("table")
    info = {tr[0].text: tr[1].text for tr in info_t.iter("tr")}
    head = [th.text or "" for th in coef_t.find("thead").iter("th")][1:]
    rows = {tr[0].text: [float(td.text) for td in tr[1:]] for tr in coef_t.find("tbody").iter("tr")}
    return head, rows, info


def _latex_rows(tex: str) -> dict[str, list[float]]:
    """Coefficient rows of Summary.as_latex(): the lines between the second midrule and bottomrule."""
    body = tex.split("\\midrule")[2].split("\\bottomrule")[0]
    rows = {}
    for line in body.strip().splitlines():
        cells = [c.strip() for c in line.rstrip("\\").split("&")]
        rows[cells[0].replace("\\_", "_")] = [float(c) for c in cells[1:]]
    return rows


def test_summary_renders_text_html_and_latex_with_the_coefficients(ppml_pair, ols_pair):
    """Every rendering shows the fit's own numbers: the coefficient, SE, statistic, p-value and interval of
    each slope to the summary's decimals (6 for PPML, 4 for OLS), in a table that parses."""
    for fit, digits in ((ppml_pair[0], 6), (ols_pair[0], 4)):
        s = fit.summary()
        ci = fit.conf_int()
        want = {k: [fit.params[k], fit.bse[k], fit.tvalues[k], fit.pvalues[k], ci.loc[k, 0], ci.loc[k, 1]]
                for k in SLOPES}
        head, rows, info = _html_table(s.as_html())
        assert head[:2] == ["coef", "std err"] and head[3].startswith("P>|") and len(head) == 6
        assert info["Formula"] == fit.formula and info["Fixed effects"] == ", ".join(fit.fixed_effects)
        tex = _latex_rows(s.as_latex())
        assert s.as_latex().startswith("\\begin{tabular}{lrrrrrr}") and "P\\textgreater{}\\textbar{}" in s.as_latex()
        for k in SLOPES:
            np.testing.assert_allclose(rows[k], want[k], atol=0.51 * 10.0 ** -digits, rtol=0)
            np.testing.assert_allclose(tex[k], want[k], atol=0.51 * 10.0 ** -digits, rtol=0)
            assert f"{fit.params[k]: .{digits}f}".strip() in s.as_text()
    assert _latex_rows(ppml_pair[0].summary().as_latex()).keys() == set(SLOPES)


def test_ssc_presets_are_the_published_factors():
    n, k, G = 1000, 40, 50
    assert resolve_ssc("stata", "ppml").factor("cluster", n, k, G) == G / (G - 1)
    assert resolve_ssc("stata", "ppml").factor("hetero", n, k) == n / (n - 1)
    assert resolve_ssc("none", "ppml").factor("cluster", n, k, G) == 1.0
    assert resolve_ssc("companion", "ols").factor("cluster", n, k, G) == G / (G - 1)
    assert resolve_ssc("companion", "ols").factor("hetero", n, k) == n / (n - k)
    assert resolve_ssc("stata", "ols").factor("cluster", n, k, G) == pytest.approx(G / (G - 1) * (n - 1) / (n - k))
    with pytest.raises(ValueError, match="companion"):
        resolve_ssc("bogus", "ols")
    with pytest.raises(ValueError, match="n_adj"):
        SSC(n_adj="sometimes")


def test_sandwich_scale_order_is_rounding_only_and_one_cluster_is_an_error():
    rng = np.random.default_rng(1)
    X = rng.normal(size=(200, 3))
    s = X * rng.normal(size=(200, 1))
    bread = np.linalg.inv(X.T @ X)
    codes = rng.integers(0, 20, 200)
    a, _ = sandwich(bread, s, "cluster", SSC(scale="vcov"), n=200, k=3, clusters=[codes])
    b, Gs = sandwich(bread, s, "cluster", SSC(scale="meat"), n=200, k=3, clusters=[codes])
    np.testing.assert_allclose(a, b, rtol=1e-13)
    assert Gs == [20]
    with pytest.raises(ValueError, match=r"\['pair'\] have a single cluster"):
        sandwich(bread, s, "cluster", SSC(), n=200, k=3, clusters=[np.zeros(200, dtype=int)], cluster_names=["pair"])


def test_fe_dof_is_the_rank_of_the_dummies():
    rng = np.random.default_rng(2)
    a = rng.integers(0, 6, 60)
    b = np.where(a < 3, rng.integers(0, 4, 60), rng.integers(4, 7, 60))   # two components
    c = rng.integers(0, 5, 60)
    for codes in ([a], [a, b], [a, b, c]):
        codes = [pd.factorize(x)[0] for x in codes]
        D = np.column_stack([np.eye(int(x.max()) + 1)[x] for x in codes])
        rank = np.linalg.matrix_rank(D)
        if len(codes) <= 2:
            assert fe_dof(codes) == rank
        else:   # each further effect is counted as G_k − 1: an upper bound
            assert fe_dof(codes) >= rank
    assert fe_dof([]) == 0


def test_collinear_columns_drop_later_duplicates_in_formula_order():
    rng = np.random.default_rng(4)
    x = rng.normal(size=(100, 2))
    X = np.column_stack([x[:, 0], 3 * x[:, 0], x[:, 1], np.zeros(100)])
    assert collinear_columns(X - X.mean(0), X, np.ones(100)) == [0, 2]


def test_kernels_module_holds_only_numba_functions():
    funcs = {n: f for n, f in vars(_kernels).items() if callable(f) and getattr(f, "__module__", "") == _kernels.__name__}
    assert {"demean_columns", "group_weights", "fe_sum", "deviance"} <= set(funcs)
    assert all(isinstance(f, numba.core.registry.CPUDispatcher) for f in funcs.values())
    assert "pandas" not in {getattr(v, "__name__", "") for v in vars(_kernels).values()}
