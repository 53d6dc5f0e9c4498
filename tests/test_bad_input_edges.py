"""The numeric edges and boundary checks of issue 19, one test per case (tests/test_outdir.py has the output
folder's cases).

Each case ends in the answer of an independent route (the same data in ordinary units, the float64
columns, the frame in its own order, the smaller world without the isolated country, market clearing) or in
an error of gravity's own classes that names the input and the fix, raised before heavy work.
"""
from __future__ import annotations

import re
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from gravity.estimation.bias import BiasSpecError
from gravity.estimation.formula import FormulaError
from gravity.estimation.ols import ols
from gravity.estimation.ppml import ppml
from gravity.estimation.results import HypothesisError
from gravity.estimation.vcov import EstimationError, EstimationWarning
from gravity.ge import Baseline, solve, trade_costs
from gravity.ge.errors import GEInputError
from gravity.panel.build import PanelValidationError, build_panel
from gravity.scenario import config as sc

ROOT = Path(__file__).resolve().parents[1]
MODEL = ROOT / "models" / "eco_digital_corridor.toml"
TEXT = MODEL.read_text(encoding="utf-8")
C6 = ["DEU", "FRA", "ITA", "ESP", "POL", "AUT"]
FE2 = " | exporter^year + importer^year"


def _panel(seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    rows = [dict(exporter=o, importer=d, year=t, ln_dist=rng.normal(), trade=rng.exponential(10.0))
            for t in (2000, 2001, 2002) for o in C6 for d in C6]
    df = pd.DataFrame(rows)
    df["pair"] = df["exporter"] + "-" + df["importer"]
    return df


def _same(a, b, rtol=1e-6):
    """Two fits agree: coefficients and standard errors."""
    assert np.allclose(a.params.to_numpy(), b.params.to_numpy(), rtol=rtol, atol=0), (a.params, b.params)
    assert np.allclose(a.bse.to_numpy(), b.bse.to_numpy(), rtol=rtol, atol=0), (a.bse, b.bse)
    assert list(a.params.index) == list(b.params.index)


# ---------------------------------------------------------------------------------------------
# estimation: units never change an answer
# ---------------------------------------------------------------------------------------------
@pytest.mark.parametrize("c", [1e-310, 1e-300, 1e-150, 1e150, 1e300])
@pytest.mark.parametrize("vcov", ["hetero", "iid", "pair"])
def test_outcome_units_leave_slopes_and_standard_errors_unchanged(c, vcov):
    """×1e-300 used to give SE 0.0 (true 0.0153 in the probe), ×1e-310 coefficients of 0 "converged"."""
    d = _panel()
    kw = {"cluster": "pair"} if vcov == "pair" else {"vcov": vcov}
    ref = ppml("trade ~ ln_dist" + FE2, d, **kw)
    got = ppml("trade ~ ln_dist" + FE2, d.assign(trade=d["trade"] * c), **kw)
    assert got.converged
    assert np.allclose(got.params, ref.params, rtol=1e-6)
    if vcov == "iid":     # the Poisson iid variance (X'WX)^-1 scales with 1/c
        assert np.allclose(got.bse * np.sqrt(c), ref.bse, rtol=1e-6)
    else:
        assert np.allclose(got.bse, ref.bse, rtol=1e-6)
    assert np.isclose(got.deviance / c, ref.deviance, rtol=1e-6)
    # a covariance switched after the fit is just as safe
    assert np.allclose(got.vcov("hetero").bse, ref.vcov("hetero").bse, rtol=1e-6)


@pytest.mark.parametrize("c", [1e-140, 1e-40, 1e40, 1e140])
def test_a_regressor_in_extreme_units_is_estimated_not_dropped_as_collinear(c):
    d = _panel()
    ref = ppml("trade ~ ln_dist" + FE2, d, cluster="pair")
    got = ppml("trade ~ ln_dist" + FE2, d.assign(ln_dist=d["ln_dist"] * c), cluster="pair")
    assert got.collinear == []
    assert np.isclose(got.params["ln_dist"] * c, ref.params["ln_dist"], rtol=1e-6)
    assert np.isclose(got.bse["ln_dist"] * c, ref.bse["ln_dist"], rtol=1e-6)


@pytest.mark.parametrize("c", [1e-300, 1e300])
def test_a_regressor_of_1e300_whose_variance_is_no_double_is_an_error_not_collinear(c):
    """x × 1e300 used to be dropped as "collinear"; its variance (about 1e-600) cannot be stored."""
    d = _panel()
    with pytest.raises(FormulaError, match=r"slope\(s\) 'ln_dist' \(largest \|x\| .*e[+-]30\d\).*outside double "
                                           r"precision.*Fix: express them in other units"):
        ppml("trade ~ ln_dist" + FE2, d.assign(ln_dist=d["ln_dist"] * c), cluster="pair")


def test_weights_of_1e300_give_the_standard_errors_of_weights_of_1():
    d = _panel()
    w = 1.0 + np.arange(len(d)) % 3
    ref = ppml("trade ~ ln_dist" + FE2, d.assign(w=w), weights="w", cluster="pair")
    got = ppml("trade ~ ln_dist" + FE2, d.assign(w=w * 1e300), weights="w", cluster="pair")
    _same(got, ref)


@pytest.mark.parametrize("dtype", ["int8", "int16", "uint8", "Int8"])
@pytest.mark.parametrize("term", ["a:b", "I(a*b)", "a*b"])
def test_integer_columns_in_products_are_float64_not_wrapped(dtype, term):
    """int8 a:b used to overflow silently (coefficient −2.3e-4 instead of −9.3e-6)."""
    rng = np.random.default_rng(3)
    d = _panel().assign(a=rng.integers(50, 120, 108), b=rng.integers(50, 120, 108))
    ref = ppml(f"trade ~ {term} + ln_dist | exporter^year", d.astype({"a": "float64", "b": "float64"}))
    got = ppml(f"trade ~ {term} + ln_dist | exporter^year", d.astype({"a": dtype, "b": dtype}))
    _same(got, ref, rtol=1e-9)


def test_a_categorical_integer_keeps_its_level_names():
    d = _panel().assign(g=np.arange(108) % 3)
    got = ppml("trade ~ C(g) + ln_dist | exporter^year", d)
    assert [n for n in got.params.index if n.startswith("C(g)")] == ["C(g)[T.1]", "C(g)[T.2]"]


def test_vcov_with_the_frame_in_another_row_order_aligns_on_the_index():
    d = _panel()
    fit = ppml("trade ~ ln_dist" + FE2, d)
    want = fit.vcov({"CRV1": "pair"}).bse
    shuffled = d.sample(frac=1.0, random_state=1)
    assert np.allclose(fit.vcov({"CRV1": "pair"}, data=shuffled).bse, want, rtol=1e-12)
    other = d.set_axis(np.arange(1, len(d) + 1))
    with pytest.raises(EstimationError, match=r"does not have the rows the model was fitted on.*labels missing, "
                                              r"e\.g\. \[0\].*Fix: pass the frame"):
        fit.vcov({"CRV1": "pair"}, data=other)


def test_a_constant_outcome_warns_that_nothing_is_estimated():
    with pytest.warns(EstimationWarning, match=r"outcome 'trade' is the same \(5\) in all 108 used rows.*Fix"):
        ppml("trade ~ ln_dist", _panel().assign(trade=5.0))
    with warnings.catch_warnings():
        warnings.simplefilter("error", EstimationWarning)
        ppml("trade ~ ln_dist", _panel())                  # an ordinary outcome: no warning


# ---------------------------------------------------------------------------------------------
# estimation: inputs checked at the boundary
# ---------------------------------------------------------------------------------------------
@pytest.mark.parametrize("fit", [lambda d: ppml("trade ~ ln_dist | exporter", d), lambda d: ols("trade ~ ln_dist", d)])
def test_multiindex_columns_are_refused_with_the_flattening_fix(fit):
    d = _panel()
    d.columns = pd.MultiIndex.from_tuples([(c, "sum") for c in d.columns])
    with pytest.raises(FormulaError, match=r"MultiIndex columns.*Fix: flatten them first"):
        fit(d)


@pytest.mark.parametrize("case, match", [
    ("all_undefined", r"'log\(ln_dist\)' in .* is undefined in every one of the 108 rows.*Fix"),
    ("text_numbers", r"column 's' holds numbers written as text.*pd\.to_numeric"),
    ("text_words", r"column 's' is text .*e\.g\. 'abc'.*C\(s\)"),
    ("fe_1_and_text_1", r"column 'g' holds 1 \(int\) and '1' \(str\).*astype\(str\)"),
    ("split_nan", r"split column 's' is missing \(NaN\) in 16 row\(s\).*missing='drop'"),
])
def test_formula_inputs_are_named_with_the_fix(case, match):
    d = _panel()
    call = {
        "all_undefined": lambda: ppml("trade ~ log(ln_dist) | exporter", d.assign(ln_dist=-1.0)),
        "text_numbers": lambda: ppml("trade ~ log(s) | exporter", d.assign(s=(d.ln_dist.abs() + 1).astype(str))),
        "text_words": lambda: ppml("trade ~ log(s) | exporter", d.assign(s="abc")),
        "fe_1_and_text_1": lambda: ppml("trade ~ ln_dist | g",
                                        d.assign(g=pd.Series([1 if k % 2 else "1" for k in range(108)], dtype=object))),
        "split_nan": lambda: ppml("trade ~ ln_dist | exporter", d.assign(s=np.where(np.arange(108) % 7 == 0, np.nan,
                                                                                    np.arange(108) % 2)), split="s"),
    }[case]
    with pytest.raises(FormulaError, match=match):
        call()


def test_split_rows_without_a_value_are_left_out_only_when_asked():
    d = _panel().assign(s=np.where(np.arange(108) % 7 == 0, np.nan, np.arange(108) % 2))
    fits = ppml("trade ~ ln_dist | exporter", d, split="s", missing="drop")
    for val, fit in zip((0.0, 1.0), fits):
        _same(fit, ppml("trade ~ ln_dist | exporter", d[d["s"] == val]))


def test_csw_with_a_missing_column_fails_before_the_first_fit(monkeypatch):
    import sys

    pp = sys.modules["gravity.estimation.ppml"]
    calls = []
    real = pp.irls
    monkeypatch.setattr(pp, "irls", lambda *a, **k: calls.append(1) or real(*a, **k))
    d = _panel().assign(x2=np.random.default_rng(0).normal(size=108))
    with pytest.raises(FormulaError, match=r"\['x3'\] used by model 'trade ~ ln_dist \+ x2 \+ x3 \| exporter\^year' "
                                           r"are not in data \(checked before fitting any of the 3 models\)"):
        ppml("trade ~ csw(ln_dist, x2, x3) | exporter^year", d)
    assert calls == []


def test_separation_given_as_one_string_is_one_method():
    d = _panel()
    _same(ppml("trade ~ ln_dist" + FE2, d, separation="fe"), ppml("trade ~ ln_dist" + FE2, d, separation=("fe",)))
    with pytest.raises(FormulaError, match=r"got \['fx'\].*Fix"):
        ppml("trade ~ ln_dist" + FE2, d, separation="fx")


@pytest.mark.parametrize("call, match", [
    (lambda f: f.lincom(["ln_dist"], level=95), r"level=95 is not a probability.*use level=0\.95"),
    (lambda f: f.lincom(["ln_dist"]).conf_int(level=0), r"level=0 is not a probability"),
    (lambda f: f.conf_int(alpha=5), r"alpha=5 is not a probability.*alpha=0\.05"),
])
def test_confidence_levels_are_probabilities(call, match):
    with pytest.raises(HypothesisError, match=match):
        call(ppml("trade ~ ln_dist" + FE2, _panel()))


@pytest.mark.parametrize("splits, seed", [(0, 0), (-1, 0), (1.5, 0), (1, -1)])
def test_jackknife_splits_and_seed_are_checked_before_any_refit(splits, seed):
    fit = ppml("trade ~ ln_dist | exporter^year + importer^year + pair", _panel())
    with pytest.raises(BiasSpecError, match=r"(splits|seed)=.*Fix"):
        fit.bias_correct(method="jackknife", splits=splits, seed=seed)


# ---------------------------------------------------------------------------------------------
# the panel's years
# ---------------------------------------------------------------------------------------------
_T = pd.DataFrame(dict(exporter=["DEU", "FRA"], importer=["FRA", "DEU"], year=[2000, 2000], trade=[1.0, 2.0]))


@pytest.mark.parametrize("trade, years, match", [
    (_T.assign(year=pd.to_datetime(["2000-01-01"] * 2)), None, r"holds dates .*\.dt\.year"),
    (_T, [2000.5], r"years \[2000\.5\] are not whole calendar years"),
    (_T.assign(year=99999), None, r"2 values outside 1500-2200.*year=99999"),
    (_T.assign(year=-2000), None, r"2 values outside 1500-2200.*year=-2000"),
    (_T, [99999], r"years \[99999\] are not whole calendar years"),
])
def test_build_panel_years_are_whole_plausible_calendar_years(trade, years, match):
    with pytest.raises(PanelValidationError, match=match):
        build_panel(trade, years=years)


def test_integral_years_in_other_types_still_build_the_same_panel():
    a = build_panel(_T, years=[2000])
    b = build_panel(_T.assign(year=[2000.0, 2000.0]), years=["2000"])
    pd.testing.assert_frame_equal(a, b)


# ---------------------------------------------------------------------------------------------
# GE
# ---------------------------------------------------------------------------------------------
def _table(X, names):
    return pd.DataFrame([dict(exporter=o, importer=d, trade=X[i, j])
                         for i, o in enumerate(names) for j, d in enumerate(names)])


def _flows(n=4, seed=0):
    X = np.random.default_rng(seed).exponential(10.0, size=(n, n)) + 1.0
    np.fill_diagonal(X, 100.0)
    return X


def _cleared(res, tol=1e-8):
    """Market clearing of the full GE: Σ_j X'_ij = Y'_i and Σ_i X'_ij = E'_j."""
    lv = res.levels()
    assert np.allclose(res.flows_full.sum(axis=1), lv["Y_full"], rtol=tol)
    assert np.allclose(res.flows_full.sum(axis=0), lv["E_full"], rtol=tol)


@pytest.mark.parametrize("c", [1e-310, 1e-300, 1e300])
@pytest.mark.parametrize("calibrated", [True, False])
def test_ge_flows_in_any_units_give_the_unit_answer(c, calibrated):
    """×1e-300 used to raise ZeroDivisionError."""
    names = C6[:4]
    X = _flows()
    t = np.ones((4, 4))
    t[0, 1] = t[1, 0] = 1.2
    costs = None if calibrated else np.exp(-np.abs(np.subtract.outer(np.arange(4), np.arange(4))))
    ref = solve(Baseline.from_trade(_table(X, names), sigma=5.0, reference="DEU", costs=costs), t)
    got = solve(Baseline.from_trade(_table(X * c, names), sigma=5.0, reference="DEU", costs=costs), t)
    assert np.allclose(got.countries.to_numpy(), ref.countries.to_numpy(), rtol=1e-8, atol=1e-10)
    if c >= 1e-300:                        # subnormal flows keep fewer digits
        assert np.allclose(got.pairs["full"] / c, ref.pairs["full"], rtol=1e-8)


def test_sigma_next_to_one_is_refused_naming_sigma_and_a_little_above_solves():
    X = _flows()
    t = np.where(np.eye(4) > 0, 1.0, 1.2)
    with pytest.raises(GEInputError, match=r"sigma = 1\.0000001 is so close to 1.*Fix"):
        solve(Baseline.from_trade(_table(X, C6[:4]), sigma=1.0000001, reference="DEU"), t)
    _cleared(solve(Baseline.from_trade(_table(X, C6[:4]), sigma=1.5, reference="DEU"), t))


@pytest.mark.parametrize("deficits", ["ratio", "additive"])
@pytest.mark.parametrize("numeraire", ["reference", "world_output"])
def test_an_autarkic_country_is_an_economy_of_its_own(deficits, numeraire):
    """An autarkic baseline country used to run 100k iterations into GEConvergenceError."""
    names = sorted(C6[:4])                           # DEU ESP FRA ITA
    X = _flows()
    X[2, :] = X[:, 2] = 0.0
    X[2, 2] = 100.0                                  # FRA trades with nobody
    t = np.ones((4, 4))
    t[0, 1] = t[1, 0] = 1.3
    r = solve(Baseline.from_trade(_table(X, names), sigma=5.0, reference="DEU"), t, deficits=deficits,
              numeraire=numeraire)
    keep = [0, 1, 3]
    sub = [names[k] for k in keep]
    r3 = solve(Baseline.from_trade(_table(X[np.ix_(keep, keep)], sub), sigma=5.0, reference="DEU"),
               t[np.ix_(keep, keep)], deficits=deficits, numeraire=numeraire)
    assert np.allclose(r.countries.loc[sub].to_numpy(), r3.countries.to_numpy(), rtol=1e-8, atol=1e-10)
    assert np.allclose(r.countries.loc["FRA"].to_numpy(), 0.0, atol=1e-12)
    _cleared(r)


@pytest.mark.parametrize("reference", ["DEU", "ITA"])
def test_an_embargo_isolating_a_country_solves_if_its_trade_was_balanced_else_names_it(reference):
    names = sorted(C6[:4])
    X = _flows()
    X = (X + X.T) / 2.0                              # balanced: Y = E for everyone
    t = np.ones((4, 4))
    t[1, :] = t[:, 1] = 0.0
    t[1, 1] = 1.0                                    # ESP cut off from everyone
    base = Baseline.from_trade(_table(X, names), sigma=5.0, reference=reference)
    r = solve(base, t)
    # autarky: real GDP falls to the domestic share to the power 1/(sigma - 1) (Arkolakis, Costinot &
    # Rodriguez-Clare 2012), whatever the rest of the world does
    share = base.fitted[1, 1] / base.E[1]
    assert r.countries.loc["ESP", "real_gdp_full"] == pytest.approx(100 * (share ** (1 / 4.0) - 1), rel=1e-10)
    assert (r.countries.drop("ESP")["real_gdp_full"] < 0).all()       # the others lost a partner
    _cleared(r)
    b2 = Baseline.from_trade(_table(_flows(), names), sigma=5.0, reference=reference)   # ESP's trade unbalanced
    gap = re.escape(f"{b2.E[1] / b2.Y[1] - 1:+.3%}")
    with pytest.raises(GEInputError, match=rf"ESP \(E/Y - 1 = {gap}\) trade\(s\) with no other country after the "
                                           r"change.*Fix: purge the deficits first"):
        solve(b2, t)


def test_a_one_way_embargo_solves_when_possible_and_otherwise_names_country_and_reason():
    """A one-way embargo in a three-country world used to raise ZeroDivisionError."""
    names = sorted(C6[:3])                           # DEU FRA ITA
    b = Baseline.from_trade(_table(_flows()[:3, :3], names), sigma=5.0, reference="DEU")
    assert (b.E[0] > b.Y[0]) and (b.E[1] > b.Y[1]) and (b.E[2] < b.Y[2])
    for k in (0, 1):                                 # deficit countries may lose their exports
        t = np.ones((3, 3))
        t[k, :] = 0.0
        t[k, k] = 1.0
        _cleared(solve(b, t))
    t = np.ones((3, 3))
    t[:, 0] = 0.0
    t[0, 0] = 1.0                                    # DEU may buy from nobody, but runs a deficit
    with pytest.raises(GEInputError, match=r"DEU \(E/Y - 1 = \+20\.710%\) can buy from no other country.*needs a "
                                           r"surplus.*Fix"):
        solve(b, t)
    t = np.ones((3, 3))
    t[2, :] = 0.0
    t[2, 2] = 1.0                                    # ITA may sell to nobody, but runs a surplus
    with pytest.raises(GEInputError, match=r"ITA .* can sell to no other country.*needs a deficit"):
        solve(b, t)


def test_a_group_cut_off_from_the_reference_is_named():
    names = sorted(C6[:4])
    X = _flows()
    X = (X + X.T) / 2.0
    t = np.ones((4, 4))
    t[np.ix_([0, 1], [2, 3])] = t[np.ix_([2, 3], [0, 1])] = 0.0      # {DEU, ESP} | {FRA, ITA}
    with pytest.raises(GEInputError, match=r"FRA, ITA trade only among themselves.*reference 'DEU'.*Fix"):
        solve(Baseline.from_trade(_table(X, names), sigma=5.0, reference="DEU"), t)


@pytest.mark.parametrize("kwargs, match", [
    (dict(reference=["AAA"]), r"reference must be one country code \(a string\), got \['AAA'\]"),
    (dict(reference="DEU", tol=0), r"tol=0: .*Fix"),
    (dict(reference="DEU", max_iter=0), r"max_iter=0"),
])
def test_baseline_options_are_checked(kwargs, match):
    with pytest.raises(GEInputError, match=match):
        Baseline.from_trade(_table(_flows(), C6[:4]), sigma=5.0, **kwargs)


@pytest.mark.parametrize("tol", [0, 0.0, -1e-9, 1e-20, np.nan])
def test_solve_with_a_stop_rule_that_cannot_be_met_is_refused(tol):
    b = Baseline.from_trade(_table(_flows(), C6[:4]), sigma=5.0, reference="DEU")
    with pytest.raises(GEInputError, match=r"tol=.*the stop rule .* can only be met"):
        solve(b, np.ones((4, 4)), tol=tol)


def _cf_data():
    names = C6[:4]
    d = _table(_flows(), names)
    d["x"] = (d["exporter"] != d["importer"]).astype(float)
    return d


@pytest.mark.parametrize("case, match", [
    ("all_nan_regressor", r"covariate\(s\) \['x'\] are missing.*for 16 of 16 pairs \(DEU->DEU"),
    ("nan_coefficient", r"coefficients \{'x': .*nan\)\} are not finite"),
    ("one_nan_new_cost", r"new_costs: 1 of 16 listed pairs are NaN.*FRA->ITA = nan"),
])
def test_nan_in_a_counterfactual_is_an_error_naming_the_pairs(case, match):
    d = _cf_data()
    base = Baseline.from_trade(d, sigma=5.0, reference="DEU", costs=trade_costs(d, {"x": -1.0}))
    with pytest.raises(GEInputError, match=match):
        if case == "all_nan_regressor":
            solve(base, new_costs=trade_costs(d.assign(x=np.nan), {"x": -1.0}))
        elif case == "nan_coefficient":
            trade_costs(d, {"x": np.nan})
        else:
            new = trade_costs(d.assign(x=0.0), {"x": -1.0})
            new[("FRA", "ITA")] = np.nan
            solve(base, new_costs=new)


def test_new_costs_listing_some_pairs_keep_the_others():
    d = _cf_data()
    base = Baseline.from_trade(d, sigma=5.0, reference="DEU", costs=trade_costs(d, {"x": -1.0}))
    new = trade_costs(d.assign(x=0.0), {"x": -1.0})
    part = new[[("FRA", "ITA"), ("ITA", "FRA")]]
    that = np.ones((4, 4))
    order = list(base.countries)
    i, j = order.index("FRA"), order.index("ITA")
    that[i, j] = that[j, i] = np.e
    a = solve(base, new_costs=part).countries
    b = solve(base, that).countries
    assert np.allclose(a.to_numpy(), b.to_numpy(), rtol=1e-10)


# ---------------------------------------------------------------------------------------------
# the model file
# ---------------------------------------------------------------------------------------------
def _model(tmp_path: Path, old: str, new: str, bom: bool = False) -> Path:
    assert old in TEXT, old
    p = tmp_path / "model.toml"
    p.write_text(("\ufeff" if bom else "") + TEXT.replace(old, new, 1), encoding="utf-8")
    return p


def _line(path: Path, needle: str) -> int:
    return next(i for i, ln in enumerate(path.read_text(encoding="utf-8-sig").splitlines(), 1) if needle in ln)


@pytest.mark.parametrize("old, new, needle, match", [
    ("draws = 600", "draws = 1e12", "draws = 1e12", r"\(ge\.draws\): draws = .* is more than the 100,000 draws"),
    ("bootstrap = 0", "bootstrap = 1000000", "bootstrap = 1000000", r"\(ge\.bootstrap\).*more than 10,000"),
    ("seed = 20161", "seed = -5", "seed = -5", r"\(ge\.seed\): seed = -5 is not a non-negative integer"),
    ("focus_partners = 15", "focus_partners = -3", "focus_partners", r"\(report\.focus_partners\): focus_partners = -3"),
    ("version = 3", "version = 99", "version = 99", r"\(version\): version = 99, but this gravity reads model files of "
                                                    r"versions 1 to 3"),
    ('members = ["ECO"]\nindicators = { internet = "frontier" }\n', 'members = ["ECO"]\n', 'name = "fibre"',
     r"\(scenario\[0\]\): scenario 'fibre' names members but no shock"),
])
def test_model_file_bounds_are_checked_on_loading_with_the_line(tmp_path, old, new, needle, match):
    p = _model(tmp_path, old, new)
    line = _line(p, needle) if needle != 'name = "fibre"' else _line(p, "[[scenario]]")
    with pytest.raises(sc.ScenarioFileError, match=rf"line {line} {match}.*Fix"):
        sc.load_config(p)


def test_a_byte_order_mark_is_read_like_any_utf8_file(tmp_path):
    a = sc.load_config(MODEL)
    b = sc.load_config(_model(tmp_path, "version = 3", "version = 3", bom=True))
    assert (a.title, a.ge, a.scenarios, a.specifications) == (b.title, b.ge, b.scenarios, b.specifications)


def test_a_regressor_column_typo_is_blamed_on_the_regressor_line(tmp_path):
    text = TEXT.replace('columns = ["internet_o", "intl_border"] }', 'columns = ["intrnet_o", "intl_border"] }', 1)
    text = text.replace('columns = ["internet_o", "intl_border", "landlocked_o"] }',
                        'columns = ["intrnet_o", "intl_border", "landlocked_o"] }', 1)
    p = tmp_path / "model.toml"
    p.write_text(text, encoding="utf-8")
    line = _line(p, 'ln_internet_x_intl = { kind = "log1p_exporter_times", columns = ["intrnet_o"')
    with pytest.raises(sc.ScenarioFileError, match=rf"line {line} \(regressors\.ln_internet_x_intl\).*'intrnet_o'.*"
                                                   r"did you mean 'internet_o'"):
        sc.load_config(p)


# ---------------------------------------------------------------------------------------------
# the command line and the environment
# ---------------------------------------------------------------------------------------------
def test_scheduler_that_is_not_an_address_is_a_one_line_error_before_any_work(tmp_path, monkeypatch):
    from typer.testing import CliRunner

    from gravity.cli import app
    from gravity.jobs.corridor import pipeline as co

    monkeypatch.setattr(co, "run", lambda *a, **k: (_ for _ in ()).throw(AssertionError("no run")))
    res = CliRunner().invoke(app, ["corridor", str(MODEL), "--out", str(tmp_path / "eco"), "--scheduler",
                                   "not a url"])
    assert res.exit_code == 2, res.output
    assert "is not a Dask scheduler address" in res.output and "Traceback" not in res.output


def test_a_data_directory_that_is_a_file_says_so(tmp_path, monkeypatch):
    from gravity.data.registry import DataConfigError, data_dir

    f = tmp_path / "data.zip"
    f.write_bytes(b"PK")
    monkeypatch.setenv("GRAVITY_DATA_DIR", str(f))
    with pytest.raises(DataConfigError, match=r"GRAVITY_DATA_DIR=.*data\.zip is a file, not a folder.*Fix"):
        data_dir()
