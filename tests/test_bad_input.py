"""Every bad input of the issue-14 probe ends in an error naming the input, the rows or line and the fix,
before any heavy work, or in a correct answer; outputs are written atomically.

Each test is one probe class: silent wrong answers, crashes from deep inside, late failure, unsafe writing.
"""
from __future__ import annotations

import json
import logging
import os
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest

from gravity.estimation.formula import FormulaError
from gravity.estimation.ols import ols
from gravity.estimation.ppml import ppml
from gravity.estimation.vcov import EstimationError
from gravity.ge import Baseline, solve
from gravity.ge.errors import GEInputError
from gravity.panel.build import PanelValidationError, build_panel
from gravity.scenario import config as sc

ROOT = Path(__file__).resolve().parents[1]
MODEL = ROOT / "models" / "eco_digital_corridor.toml"
TEXT = MODEL.read_text(encoding="utf-8")
C6 = ["DEU", "FRA", "ITA", "ESP", "POL", "AUT"]


def _line(text: str, needle: str) -> int:
    return next(i for i, ln in enumerate(text.splitlines(), start=1) if needle in ln)


def _model(tmp_path: Path, old: str, new: str) -> Path:
    assert old in TEXT
    p = tmp_path / "model.toml"
    p.write_text(TEXT.replace(old, new, 1), encoding="utf-8")
    return p


def _panel(seed: int = 0, years=(2000, 2001, 2002)) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    rows = [dict(exporter=o, importer=d, year=t, ln_dist=rng.normal(), trade=rng.exponential(10.0))
            for t in years for o in C6 for d in C6]
    df = pd.DataFrame(rows)
    df["pair"] = df["exporter"] + "-" + df["importer"]
    return df


# ---------------------------------------------------------------------------------------------
# the model file: strict schema, types, unreadable paths
# ---------------------------------------------------------------------------------------------
@pytest.mark.parametrize("old, new, wrong, right", [
    ('indicators = { internet = "frontier" }\n\n[[scenario]]\nname = "paperless"',
     'indicatorz = { internet = "frontier" }\n\n[[scenario]]\nname = "paperless"', "indicatorz", "indicators"),
    ("bootstrap = 0", "bootstrp = 0", "bootstrp", "bootstrap"),
    ("[analysis]", "[analysys]", "analysys", "analysis"),
    ("deficit_rule =", "deficit_rul =", "deficit_rul", "deficit_rule"),
])
def test_misspelt_key_is_an_error_with_line_and_nearest_key(tmp_path, old, new, wrong, right):
    """A misspelt key used to be ignored (scenario (a) +0.000%, the bootstrap silently off)."""
    p = _model(tmp_path, old, new)
    with pytest.raises(sc.ScenarioFileError) as err:
        sc.load_config(p)
    msg = str(err.value)
    assert f"line {_line(p.read_text(), wrong)}" in msg
    assert repr(wrong) in msg and f"rename it to {right!r}" in msg


def test_numbers_given_as_text_are_coerced_or_rejected_naming_the_key(tmp_path, caplog):
    with caplog.at_level(logging.WARNING, logger="gravity.scenario"):
        cfg = sc.load_config(_model(tmp_path, "sigma = 5.0", 'sigma = "5"'))
    assert cfg.ge.sigma == 5.0 and isinstance(cfg.ge.sigma, float)
    assert "sigma" in caplog.text
    p = _model(tmp_path, "sigma = 5.0", 'sigma = "five"')
    no = _line(p.read_text(), 'sigma = "five"')
    with pytest.raises(sc.ScenarioFileError, match=rf"line {no} \(ge\.sigma\).*not a number"):
        sc.load_config(p)
    p = _model(tmp_path, "draws = 600", "draws = [600]")
    with pytest.raises(sc.ScenarioFileError, match=r"ge\.draws.*not an integer"):
        sc.load_config(p)


def test_model_file_that_is_a_directory_missing_or_unreadable(tmp_path):
    with pytest.raises(sc.ScenarioFileError, match="is a directory.*Fix"):
        sc.load_config(tmp_path)
    with pytest.raises(sc.ScenarioFileError, match="no such file"):
        sc.load_config(tmp_path / "absent.toml")
    bad = tmp_path / "latin1.toml"
    bad.write_bytes(b'title = "caf\xe9"\n')
    with pytest.raises(sc.ScenarioFileError, match="cannot be read"):
        sc.load_config(bad)


def test_reference_not_in_the_data_is_an_error_not_a_fallback():
    """``reference = "QQQ"`` used to fall back to AFG silently."""
    from gravity.jobs.corridor import pipeline as co

    cfg = sc.load_config(MODEL)
    with pytest.raises(sc.ScenarioFileError, match=r"line \d+ \(ge\.reference\).*'DEU'.*Fix"):
        co._reference(cfg, ["AFG", "TJK"])
    assert co._reference(cfg, ["AFG", "DEU"]) == "DEU"


def _names_data(cfg):
    """A tiny panel holding every column the model file names, and its estimation frame."""
    cols = {c for r in cfg.regressors.values() for c in r.inputs}
    cols |= {c for s in cfg.scenarios for c in s.agreement}
    panel = pd.DataFrame({"exporter": ["DEU", "TJK"], "importer": ["TJK", "DEU"], "year": [2016, 2016],
                          "trade": [1.0, 2.0], "pair": ["DEU-TJK", "TJK-DEU"], **{c: [0.0, 1.0] for c in cols}})
    names = sorted({r for s in cfg.specifications for r in s.slopes})
    frame = panel[["exporter", "importer", "year", "trade", "pair"]].assign(**{n: 0.0 for n in names})
    return panel, frame


def test_names_resolved_against_the_data_before_estimation():
    """A cluster or FE typo used to fail after estimation started; a missing column, deep inside."""
    from gravity.jobs.corridor import pipeline as co

    cfg = sc.load_config(MODEL)
    panel, frame = _names_data(cfg)
    co.check_names(cfg, panel, frame)          # everything resolves
    with pytest.raises(sc.ScenarioFileError, match=r"cluster column 'pair'.*Fix: use one of"):
        co.check_names(cfg, panel, frame.rename(columns={"pair": "pairs"}))
    with pytest.raises(sc.ScenarioFileError, match=r"fixed effect 'exporter\^year'.*\['year'\]"):
        co.check_names(cfg, panel, frame.rename(columns={"year": "yr"}))
    with pytest.raises(sc.ScenarioFileError, match=r"reads 'internet_o'.*not a column of the panel"):
        co.check_names(cfg, panel.drop(columns="internet_o"), frame)
    with pytest.raises(sc.ScenarioFileError, match=r"reference country 'DEU' has no flows in the base year"):
        co.check_names(cfg, panel.assign(exporter=["AFG", "TJK"]), frame)


def test_out_under_a_regular_file_fails_before_any_work(tmp_path, monkeypatch):
    """``--out`` under a regular file used to fail with a traceback after ~3 minutes of analysis."""
    from gravity.jobs.corridor import pipeline as co

    blocker = tmp_path / "file.txt"
    blocker.write_text("x")

    def no_panel(cfg):
        raise AssertionError("the panel must not be read when --out is unusable")

    monkeypatch.setattr(co, "corridor_panel", no_panel)
    with pytest.raises(co.OutputPathError, match=r"file\.txt is a regular file.*Fix"):
        co.run(MODEL, blocker / "out", progress=False)
    with pytest.raises(co.OutputPathError, match=r"is a file, not a folder"):
        co.run(MODEL, blocker, progress=False)


# ---------------------------------------------------------------------------------------------
# atomic outputs
# ---------------------------------------------------------------------------------------------
def _fake_result():
    return SimpleNamespace(timings={"total": 1.0}, panel_info={"rows": 2})


def test_outputs_are_published_complete_with_run_log(tmp_path, monkeypatch):
    from gravity.jobs.corridor import pipeline as co
    from gravity.jobs.corridor import report as rep

    def write_all(res, out, plots=True):
        out.mkdir(parents=True, exist_ok=True)
        (out / "eco_corridor.csv").write_text("new")
        return {"csv": out / "eco_corridor.csv"}

    monkeypatch.setattr(rep, "write_all", write_all)
    out = tmp_path / "results" / "eco"
    paths = co.write_outputs(_fake_result(), out)
    assert paths["csv"] == out / "eco_corridor.csv" and paths["csv"].read_text() == "new"
    log = json.loads((out / "run_log.json").read_text())
    assert log["complete"] is True and log["panel"] == {"rows": 2}
    assert sorted(p.name for p in out.parent.iterdir()) == ["eco"]      # no temporary folder left


def test_interrupted_write_leaves_the_previous_output_untouched(tmp_path, monkeypatch):
    """Ctrl-C while writing used to leave new csv beside the old report.md and run_log.json."""
    from gravity.jobs.corridor import pipeline as co
    from gravity.jobs.corridor import report as rep

    out = tmp_path / "eco"
    old = {"report.md": "old report", "eco_corridor.csv": "old csv"}

    def write_old(res, stage, plots=True):
        for name, text in old.items():
            (stage / name).write_text(text)
        return {}

    monkeypatch.setattr(rep, "write_all", write_old)
    co.write_outputs(_fake_result(), out)
    before = {p.name: p.read_bytes() for p in out.iterdir()}
    assert set(before) == {*old, "run_log.json", "gravity_outputs.json", ".gravity_outputs.lock"}

    def write_all(res, tmp, plots=True):
        (tmp / "eco_corridor.csv").write_text("half new")
        raise KeyboardInterrupt

    monkeypatch.setattr(rep, "write_all", write_all)
    with pytest.raises(KeyboardInterrupt):
        co.write_outputs(_fake_result(), out)
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before
    assert [p.name for p in tmp_path.iterdir()] == ["eco"]


# ---------------------------------------------------------------------------------------------
# estimation
# ---------------------------------------------------------------------------------------------
def test_two_way_clustering_with_a_single_level_raises_never_se_zero():
    d = _panel().assign(one=1)
    with pytest.raises(ValueError, match=r"\['one'\] have a single cluster.*pick a column"):
        ppml("trade ~ ln_dist | exporter^year + importer^year", d, cluster=["pair", "one"])
    with pytest.raises(ValueError, match=r"single cluster"):
        ppml("trade ~ ln_dist | exporter^year", d, cluster="one")


def test_duplicate_column_names_are_named():
    d = _panel()
    d = pd.concat([d, d[["ln_dist"]]], axis=1)
    with pytest.raises(FormulaError, match=r"\['ln_dist'\] appear more than once.*Fix"):
        ppml("trade ~ ln_dist | exporter^year", d)
    with pytest.raises(FormulaError, match=r"\['ln_dist'\] appear more than once"):
        ols("trade ~ ln_dist", d)


def test_more_parameters_than_observations_raises():
    d = _panel()
    with pytest.raises(EstimationError, match=r"1 observation\(s\) for at least 2 parameter"):
        ppml("trade ~ ln_dist", d.iloc[:1])
    with pytest.raises(EstimationError, match=r"no residual degrees of freedom"):
        ols("trade ~ ln_dist", d.iloc[:2])


@pytest.mark.parametrize("bad", [0, -1, 2.5, True])
def test_maxiter_is_validated(bad):
    with pytest.raises(FormulaError, match=r"maxiter=.*integer >= 1"):
        ppml("trade ~ ln_dist | exporter^year", _panel(), maxiter=bad)


def test_offset_of_800_is_an_error_or_a_correct_fit():
    d = _panel()
    # a constant offset is absorbed by the intercept: the slope is the fit without it
    a = ppml("trade ~ ln_dist", d.assign(o=800.0), offset="o")
    b = ppml("trade ~ ln_dist", d)
    assert a.params["ln_dist"] == pytest.approx(b.params["ln_dist"], rel=1e-6)
    assert a.params["Intercept"] == pytest.approx(b.params["Intercept"] - 800.0, rel=1e-9)
    with pytest.raises(FormulaError, match=r"offset 'o' spans 0 to 800.*log of the exposure"):
        ppml("trade ~ ln_dist", d.assign(o=np.where(d.index % 2, 800.0, 0.0)), offset="o")


def test_regressors_collinear_with_the_fixed_effects_only_jointly():
    """ln x_o × border and ln x_d × border (each × landlocked): their difference is ln x_o − ln x_d on
    every row (domestic rows have x_o = x_d), which exporter-year and importer-year effects absorb. One of
    each pair is dropped and the fit is the fit without them; never a singular IRLS step."""
    d = _panel()
    x = dict(zip(C6, np.random.default_rng(1).normal(size=6)))
    ll = {c: float(c in ("AUT", "DEU")) for c in C6}
    b = (d["exporter"] != d["importer"]).astype(float)
    d["xo_b"], d["xd_b"] = d["exporter"].map(x) * b, d["importer"].map(x) * b
    d["xo_b_ll"] = d["xo_b"] * d["exporter"].map(ll)
    d["xd_b_ll"] = d["xd_b"] * d["importer"].map(ll)
    fes = " | exporter^year + importer^year"
    res = ppml("trade ~ xo_b + xd_b + xo_b_ll + xd_b_ll + ln_dist" + fes, d)
    assert sorted(res.collinear) == ["xd_b", "xd_b_ll"]
    ref = ppml("trade ~ xo_b + xo_b_ll + ln_dist" + fes, d)
    assert np.allclose(res.params.to_numpy(), ref.params.to_numpy(), rtol=1e-7)
    # the corridor model file says why, with the line, before any data are read
    from gravity.jobs.corridor import pipeline as co

    text = TEXT.replace('[regressors]\n', '[regressors]\nln_internet_d_x_intl = { kind = "log1p_exporter_times", '
                        'columns = ["internet_d", "intl_border"] }\n', 1)
    text = text.replace("formula = \"trade ~ ln_internet_x_intl + ln_internet_x_intl_ll + ln_gdp_pc_x_intl",
                        "formula = \"trade ~ ln_internet_x_intl + ln_internet_d_x_intl + ln_internet_x_intl_ll "
                        "+ ln_gdp_pc_x_intl", 1)
    cfg = sc.parse_config(__import__("tomllib").loads(text), sc.ModelFile(MODEL, sc.key_lines(text)))
    with pytest.raises(sc.ScenarioFileError, match=r"lists both 'ln_internet_x_intl' and 'ln_internet_d_x_intl'"
                                                   r".*absorbed by the effects.*drop 'ln_internet_d_x_intl'"):
        co.check_identification(cfg)


# ---------------------------------------------------------------------------------------------
# the panel
# ---------------------------------------------------------------------------------------------
@pytest.mark.parametrize("years", [["2000", 2000], [2000.0, "2000"]])
def test_build_panel_years_of_two_types_are_duplicates_not_an_overwrite(years):
    t = pd.DataFrame(dict(exporter=["DEU", "DEU"], importer=["FRA", "FRA"], year=years, trade=[1.0, 2.0]))
    with pytest.raises(PanelValidationError, match=r"2 rows with duplicate keys.*exporter=DEU, importer=FRA"):
        build_panel(t)


def test_build_panel_fractional_year_names_the_row():
    t = pd.DataFrame(dict(exporter=["DEU", "DEU"], importer=["FRA", "FRA"], year=[2000.9, 2000], trade=[1.0, 2.0]))
    with pytest.raises(PanelValidationError, match=r"'year' has 1 values that are not whole years: "
                                                   r"exporter=DEU, importer=FRA, year=2000.9.*Fix"):
        build_panel(t)


# ---------------------------------------------------------------------------------------------
# GE
# ---------------------------------------------------------------------------------------------
def _table(X, names=C6[:4]):
    return pd.DataFrame([dict(exporter=o, importer=d, trade=X[i, j])
                         for i, o in enumerate(names) for j, d in enumerate(names)])


def _flows(seed=0):
    X = np.random.default_rng(seed).exponential(10.0, size=(4, 4)) + 1.0
    np.fill_diagonal(X, 100.0)
    return X


def test_nan_in_counterfactual_costs_is_an_error_not_no_change():
    b = Baseline.from_trade(_table(_flows()), sigma=5.0, reference="DEU")
    t = np.ones((4, 4))
    t[0, 1] = np.nan
    with pytest.raises(GEInputError, match=r"finite.*DEU->ESP = nan"):
        solve(b, t)
    s = pd.Series([np.nan], index=pd.MultiIndex.from_tuples([("DEU", "FRA")]))
    with pytest.raises(GEInputError, match=r"DEU->FRA = nan"):
        solve(b, s)


def test_sigma_as_text_is_coerced_or_rejected_naming_sigma():
    a = Baseline.from_trade(_table(_flows()), sigma="5", reference="DEU")
    assert a.sigma == 5.0
    for bad in ("five", None, [5.0], True, 1.0):
        with pytest.raises(GEInputError, match=r"sigma must be a number > 1.*Fix"):
            Baseline.from_trade(_table(_flows()), sigma=bad, reference="DEU")


def test_unknown_reference_names_the_countries():
    with pytest.raises(GEInputError, match=r"reference country 'QQQ' is not in the trade table"):
        Baseline.from_trade(_table(_flows()), sigma=5.0, reference="QQQ")


@pytest.mark.parametrize("deficits", ["ratio", "additive"])
def test_isolated_country_is_a_valid_counterfactual(deficits):
    """DEU trades with nobody. Cheaper FRA–ITA trade: DEU's real GDP cannot change (its income is its own
    spending on its own goods) and, the others' trade being balanced, their real GDP equals that of the
    3-country world without DEU. DEU as the reference is refused (it cannot set the others' price level)."""
    X = _flows()
    X = (X + X.T) / 2.0
    X[0, 1:] = 0.0
    X[1:, 0] = 0.0
    t = np.ones((4, 4))
    t[2, 3] = t[3, 2] = 1.3          # sorted order DEU, ESP, FRA, ITA: FRA-ITA
    r = solve(Baseline.from_trade(_table(X), sigma=5.0, reference="FRA"), t, deficits=deficits).countries
    assert not r.isna().any().any()
    assert r.loc["DEU", "real_gdp_full"] == pytest.approx(0.0, abs=1e-9)
    names = sorted(C6[:4])
    sub = pd.DataFrame(X, index=C6[:4], columns=C6[:4]).loc[names[1:], names[1:]].to_numpy()
    r3 = solve(Baseline.from_trade(_table(sub, names[1:]), sigma=5.0, reference="FRA"), t[1:, 1:],
               deficits=deficits).countries
    assert np.allclose(r.loc[names[1:], "real_gdp_full"], r3.loc[names[1:], "real_gdp_full"], atol=1e-8)
    assert r.loc["FRA", "real_gdp_full"] > 0
    with pytest.raises(GEInputError, match=r"reference country 'DEU' trades with no other country.*Fix"):
        solve(Baseline.from_trade(_table(X), sigma=5.0, reference="DEU"), t, deficits=deficits)


# ---------------------------------------------------------------------------------------------
# bootstrap
# ---------------------------------------------------------------------------------------------
def test_bootstrap_refits_that_do_not_converge_are_excluded_and_counted():
    from gravity.ge import uncertainty as unc

    d = _panel()
    refit = unc.ppml_refit("trade ~ ln_dist | exporter^year + importer^year", ["ln_dist"], maxiter=1)
    with pytest.raises(GEInputError, match=r"all 3 bootstrap re-fits failed.*did not converge"):
        unc.pair_bootstrap(d, refit, cluster="pair", draws=3, seed=0, progress=False, workers=1)
    ok = unc.pair_bootstrap(d, unc.ppml_refit("trade ~ ln_dist | exporter^year + importer^year", ["ln_dist"]),
                            cluster="pair", draws=3, seed=0, progress=False, workers=1)
    assert len(ok.failures) == 0 and np.isfinite(ok.betas.to_numpy()).all()
