"""gv.ols: published Table 1 columns, statsmodels on dummies, inference conventions, bad input."""
from __future__ import annotations

import logging

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm

from gravity.estimation.ols import OLSInputError, ols
from tests.conftest import require_data

FE_FORMULA = "log_trade ~ log_dist + cntg + lang + clny | exp_year + imp_year"


@pytest.fixture(scope="module")
def ch1():
    require_data("yotov2016/agtpa_applications.rda")
    from gravity.jobs.replicate.runners import yotov2016_ch1_data

    d = yotov2016_ch1_data()
    return d[(d.exporter != d.importer) & (d.trade > 0)].copy()


@pytest.fixture(scope="module")
def small(ch1):
    """Eight exporters, two years (~1,000 rows): small enough for statsmodels with dummy columns."""
    s = ch1[ch1.exporter.isin(["ARG", "AUS", "AUT", "BEL", "BRA", "CAN", "CHN", "DEU"])
            & ch1.year.isin([1986, 2006])].copy()
    s["w"] = np.random.default_rng(0).uniform(0.5, 2.0, len(s))
    return s


@pytest.fixture(scope="module")
def dummies(small):
    return _dummy_design(small, ["log_dist", "cntg", "lang", "clny"])


def _dummy_design(s: pd.DataFrame, slopes: list[str]) -> pd.DataFrame:
    """Slopes + full-rank exporter-year and importer-year dummies (redundant columns removed by QR)."""
    from scipy.linalg import qr

    D = pd.concat([s[slopes], pd.get_dummies(s.exp_year, dtype=float), pd.get_dummies(s.imp_year, dtype=float)],
                  axis=1)
    _, r, piv = qr(D.to_numpy(), mode="economic", pivoting=True)
    rank = int((np.abs(np.diag(r)) > 1e-9 * abs(r[0, 0])).sum())
    keep = sorted(piv[:rank])
    assert all(i in keep for i in range(len(slopes)))
    return D.iloc[:, keep]


# Yotov et al. (2016) Table 1, column (3): OLS with exporter-year and importer-year FE, SE by pair
TABLE1_FE = {"log_dist": (-1.2156, 0.0376), "cntg": (0.2232, 0.1995), "lang": (0.6609, 0.0807),
             "clny": (0.6705, 0.1470)}
# Table 1, column (1): OLS without FE (clustered)
TABLE1_OLS = {"log_dist": (-1.0016, 0.0273), "cntg": (0.5738, 0.1847), "lang": (0.8015, 0.0821),
              "clny": (0.7349, 0.1442), "log_y": (1.1902, 0.0095), "log_e": (0.9076, 0.0099)}


def test_table1_fe_column_matches_published(ch1):
    r = ols(FE_FORMULA, ch1, cluster="pair_id")
    assert r.nobs == 25689
    assert r.n_clusters == {"pair_id": 2339}
    for v, (b, se) in TABLE1_FE.items():
        assert abs(r.params[v] - b) <= 5.1e-5, v
        assert abs(r.bse[v] - se) <= 5.1e-5, v
    assert r.fixed_effects == ["exp_year", "imp_year"]


def test_table1_ols_column_matches_published(ch1):
    r = ols("log_trade ~ log_dist + cntg + lang + clny + log_y + log_e", ch1, cluster="pair_id")
    assert list(r.params.index[:2]) == ["Intercept", "log_dist"]
    for v, (b, se) in TABLE1_OLS.items():
        assert abs(r.params[v] - b) <= 5.1e-5, v
        assert abs(r.bse[v] - se) <= 5.1e-5, v


@pytest.mark.parametrize("case", ["iid", "hc1", "cluster-stata", "cluster-none", "cluster-companion",
                                  "weighted-cluster"])
def test_agrees_with_statsmodels_on_dummies(small, dummies, case):
    slopes = ["log_dist", "cntg", "lang", "clny"]
    X = dummies
    y = small.log_trade
    g = small.pair_id.to_numpy()
    G = len(np.unique(g))
    factor = 1.0
    if case == "iid":
        ours = ols(FE_FORMULA, small)
        ref = sm.OLS(y, X).fit()
    elif case == "hc1":
        ours = ols(FE_FORMULA, small, vcov="hc1", ssc="stata")
        ref = sm.OLS(y, X).fit(cov_type="HC1")
    elif case == "cluster-stata":
        ours = ols(FE_FORMULA, small, cluster="pair_id", ssc="stata")
        ref = sm.OLS(y, X).fit(cov_type="cluster", cov_kwds={"groups": g})
    elif case == "cluster-none":
        ours = ols(FE_FORMULA, small, cluster="pair_id", ssc="none")
        ref = sm.OLS(y, X).fit(cov_type="cluster", cov_kwds={"groups": g, "use_correction": False})
    elif case == "cluster-companion":
        ours = ols(FE_FORMULA, small, cluster="pair_id")          # default ssc: G/(G-1) only
        ref = sm.OLS(y, X).fit(cov_type="cluster", cov_kwds={"groups": g, "use_correction": False})
        factor = np.sqrt(G / (G - 1))
    else:
        ours = ols(FE_FORMULA, small, cluster="pair_id", ssc="stata", weights="w")
        ref = sm.WLS(y, X, weights=small.w).fit(cov_type="cluster", cov_kwds={"groups": g})
    np.testing.assert_allclose(ours.params[slopes], ref.params[slopes], rtol=1e-8, atol=1e-10)
    np.testing.assert_allclose(ours.bse[slopes], factor * ref.bse[slopes], rtol=1e-7)
    assert ours.nobs == int(ref.nobs)
    if case == "iid":
        assert ours.df_resid == int(ref.df_resid)
        assert ours.rsquared == pytest.approx(ref.rsquared, rel=1e-10)
        assert ours.rsquared_adj == pytest.approx(ref.rsquared_adj, rel=1e-10)
        np.testing.assert_allclose(ours.resid.to_numpy(), ref.resid.to_numpy(), atol=1e-8)
        # p-values and CIs use t(N−K) for iid, exactly statsmodels' reference distribution
        np.testing.assert_allclose(ours.pvalues[slopes], ref.pvalues[slopes], rtol=1e-6)
        np.testing.assert_allclose(ours.conf_int().loc[slopes].to_numpy(),
                                   ref.conf_int().loc[slopes].to_numpy(), rtol=1e-8)


def test_no_fe_model_equals_statsmodels(small):
    ours = ols("log_trade ~ log_dist + cntg + log_y", small, vcov="hc1", ssc="stata")
    ref = sm.OLS(small.log_trade, sm.add_constant(small[["log_dist", "cntg", "log_y"]])).fit(cov_type="HC1")
    np.testing.assert_allclose(ours.params.to_numpy(), ref.params.to_numpy(), rtol=1e-10)
    np.testing.assert_allclose(ours.bse.to_numpy(), ref.bse.to_numpy(), rtol=1e-10)
    assert ours.rsquared_within == pytest.approx(ours.rsquared)


def test_twoway_cluster_is_cgm_combination(small):
    """V(a,b) = V(a) + V(b) − V(a∩b), each one-way sandwich without adjustment."""
    s = small.copy()
    s["ab"] = s.exporter + "_" + s.importer
    f = "log_trade ~ log_dist + cntg + lang"
    va = ols(f, s, cluster="exporter", ssc="none").cov_params()
    vb = ols(f, s, cluster="importer", ssc="none").cov_params()
    vab = ols(f, s, cluster="ab", ssc="none").cov_params()
    two = ols(f, s, cluster=["exporter", "importer"], ssc="none")
    expected = (va + vb - vab).to_numpy()
    ev = np.linalg.eigvalsh(expected)
    if ev.min() >= 0:
        np.testing.assert_allclose(two.cov_params().to_numpy(), expected, rtol=1e-9)
    assert two.n_clusters == {"exporter": 8, "importer": s.importer.nunique()}
    assert two.df_inference == 7


def test_row_order_and_fe_labels_do_not_matter(small):
    a = ols(FE_FORMULA, small, cluster="pair_id")
    s = small.sample(frac=1.0, random_state=3)
    s["exp_year"] = "x" + s.exp_year.str[::-1]
    b = ols(FE_FORMULA, s, cluster="pair_id")
    np.testing.assert_allclose(a.params, b.params, rtol=1e-9)
    np.testing.assert_allclose(a.bse, b.bse, rtol=1e-8)


def test_interacted_fixed_effect_equals_prebuilt_column(small):
    a = ols("log_trade ~ log_dist + cntg | exporter^year + importer^year", small, cluster="pair_id")
    b = ols("log_trade ~ log_dist + cntg | exp_year + imp_year", small, cluster="pair_id")
    np.testing.assert_allclose(a.params, b.params, rtol=1e-9)
    assert a.fixed_effects == ["exporter^year", "importer^year"]


def test_collinear_regressor_is_dropped_and_named(small, caplog):
    s = small.copy()
    s["dist_twice"] = 2 * s.log_dist
    s["year_trend"] = s.year - 1986.0          # absorbed by exporter-year effects
    with caplog.at_level(logging.WARNING, logger="gravity.estimation.ols"):
        r = ols("log_trade ~ log_dist + dist_twice + year_trend + cntg | exp_year + imp_year", s)
    ref = ols("log_trade ~ log_dist + cntg | exp_year + imp_year", s)
    assert set(r.collinear) == {"dist_twice", "year_trend"}
    assert "dist_twice" in caplog.text and "year_trend" in caplog.text
    np.testing.assert_allclose(r.params[["log_dist", "cntg"]], ref.params, rtol=1e-8)


def test_log_of_zero_trade_is_an_error_naming_rows(ch1):
    d = ch1.head(50).copy()
    d.loc[d.index[[3, 7]], "log_trade"] = -np.inf
    with pytest.raises(OLSInputError, match=r"log_trade.*2 row\(s\).*trade > 0"):
        ols("log_trade ~ log_dist", d)


@pytest.mark.parametrize("bad,match", [
    ("missing", r"\['nope'\] not in data"),
    ("text", r"'exporter' is not numeric"),
    ("nan_fe", r"'exp_year' is missing in 1 row"),
    ("weights", r"weights 'w' must be positive"),
])
def test_bad_input(small, bad, match):
    d = small.head(200).copy()
    if bad == "missing":
        call = dict(formula="log_trade ~ nope")
    elif bad == "text":
        call = dict(formula="log_trade ~ exporter")
    elif bad == "nan_fe":
        d["exp_year"] = d.exp_year.astype(object)
        d.loc[d.index[5], "exp_year"] = None
        call = dict(formula="log_trade ~ log_dist | exp_year")
    else:
        d.loc[d.index[2], "w"] = 0.0
        call = dict(formula="log_trade ~ log_dist", weights="w")
    with pytest.raises(OLSInputError, match=match):
        ols(data=d, **call)


def test_all_regressors_absorbed_is_an_error(small):
    s = small.copy()
    s["trend"] = s.year - 1986.0
    with pytest.raises(OLSInputError, match="collinear with the fixed effects"):
        ols("log_trade ~ trend | exp_year", s)
    with pytest.raises(OLSInputError, match="no slope"):
        ols("log_trade ~ 1 | exp_year", s)


def test_option_errors(small):
    with pytest.raises(ValueError, match="ssc"):
        ols("log_trade ~ log_dist", small, ssc="bogus")
    with pytest.raises(ValueError, match="needs cluster"):
        ols("log_trade ~ log_dist", small, vcov="cluster")
    r = ols("log_trade ~ log_dist | exp_year", small, cluster="pair_id")
    text = str(r.summary())
    assert "pair_id" in text and "log_dist" in text
