"""Corridor files: validation before any estimation (errors name the line), scenario → Δ trade costs."""
from __future__ import annotations

import itertools
import math
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from gravity.panel import features as ft
from gravity.scenario import config as sc
from gravity.scenario import shocks

SHIPPED = Path(__file__).resolve().parents[1] / "models" / "eco_digital_corridor.toml"
# The parser and the shocks are tested on a fixed file (the Comtrade-era model file: weakest-link, product
# and landlocked interactions, three scenarios), so these tests do not move when the shipped analysis does.
MODEL = Path(__file__).resolve().parent / "fixtures" / "corridor_comtrade_v1.toml"
TEXT = MODEL.read_text(encoding="utf-8")


def _line_of(text: str, needle: str, start: str | None = None) -> int:
    """1-based line of the first line containing ``needle`` (after the line containing ``start``)."""
    lines = text.splitlines()
    i0 = 0
    if start is not None:
        i0 = next(i for i, ln in enumerate(lines) if start in ln)
    return next(i for i, ln in enumerate(lines) if i >= i0 and needle in ln) + 1


def _write(tmp_path: Path, text: str) -> Path:
    p = tmp_path / "corridor.toml"
    p.write_text(text, encoding="utf-8")
    return p


def _fails_at(tmp_path, text, line: int, *words: str):
    with pytest.raises(sc.ScenarioFileError) as err:
        sc.load_config(_write(tmp_path, text))
    msg = str(err.value)
    assert f"line {line}" in msg, msg
    for w in words:
        assert w in msg, msg
    assert "Fix:" in msg
    return msg


def test_shipped_file_parses_with_the_three_scenarios():
    cfg = sc.load_config(MODEL)
    assert cfg.headline.name == "three_way"
    assert set(cfg.headline.fixed_effects) == {"exporter^year", "importer^year", "exporter^importer"}
    assert [s.name for s in cfg.scenarios] == ["infrastructure", "harmonisation", "both"]
    eco = cfg.groups["ECO"]
    assert len(eco) == 10 and "TJK" in eco
    assert all(s.members == eco for s in cfg.scenarios)
    assert cfg.ge.sigma > 1 and cfg.ge.draws >= 2
    # every specification is documented for the reader
    assert all(s.identifies and s.cannot for s in cfg.specifications)
    # the sensitivity specification without pair FE is there
    assert any("exporter^importer" not in s.fixed_effects for s in cfg.specifications)


def test_unknown_country_names_the_line(tmp_path):
    text = TEXT.replace('members = ["ECO"]\nagreement', 'members = ["ECO", "XKQ"]\nagreement', 1)
    line = _line_of(text, '"XKQ"')
    _fails_at(tmp_path, text, line, "XKQ", "unknown country", "scenario[1].members")


def test_unknown_country_in_a_group(tmp_path):
    text = TEXT.replace('"TUR", "UZB"]', '"TUR", "UZB", "ZZZ"]', 1)
    _fails_at(tmp_path, text, _line_of(text, '"ZZZ"'), "ZZZ", "groups.ECO")


def test_unknown_indicator_names_the_line(tmp_path):
    text = TEXT.replace('indicators = { internet = "frontier" }\nagreement',
                        'indicators = { fibre = "frontier" }\nagreement', 1)
    _fails_at(tmp_path, text, _line_of(text, "fibre"), "unknown indicator 'fibre'", "internet")


def test_shock_on_a_coefficient_not_estimated(tmp_path):
    # ser_prov_47 (a services provision) is in the data but in no headline regressor
    text = TEXT.replace("agreement = { rta = 1, tf_prov_41 = 1, tf_prov_45 = 1 }\n\n[[scenario]]",
                        "agreement = { rta = 1, ser_prov_47 = 1 }\n\n[[scenario]]", 1)
    msg = _fails_at(tmp_path, text, _line_of(text, "ser_prov_47"), "ser_prov_47", "three_way")
    assert "estimates no coefficient" in msg


def test_indicator_shock_on_a_spec_without_it(tmp_path):
    # scenario (a) evaluated with the product-of-logs spec is fine; with a spec lacking internet it is not
    text = TEXT.replace('members = ["ECO"]\nindicators = { internet = "frontier" }\n\n',
                        'members = ["ECO"]\nspec = "bandwidth_2016"\nindicators = { internet = "frontier" }\n\n', 1)
    _fails_at(tmp_path, text, _line_of(text, 'internet = "frontier"', start='spec = "bandwidth_2016"'),
              "'internet'", "bandwidth_2016")


@pytest.mark.parametrize("value", ["1.0", "0.5", "-4.0"])
def test_sigma_not_above_one(tmp_path, value):
    text = TEXT.replace("sigma = 5.0", f"sigma = {value}", 1)
    _fails_at(tmp_path, text, _line_of(text, f"sigma = {value}"), "sigma", "must exceed 1")


def test_sigma_sensitivity_not_above_one(tmp_path):
    text = TEXT.replace("sigma_sensitivity = [3.0, 7.0]", "sigma_sensitivity = [3.0, 1.0]", 1)
    _fails_at(tmp_path, text, _line_of(text, "sigma_sensitivity"), "1.0")


def test_unknown_regressor_in_formula(tmp_path):
    text = TEXT.replace("trade ~ rta + tf_provisions + ln_internet_product", "trade ~ rta + tf_provisions + ln_fibre", 1)
    _fails_at(tmp_path, text, _line_of(text, "ln_fibre"), "unknown regressor 'ln_fibre'", "[regressors]")


def test_regressor_with_unknown_indicator(tmp_path):
    text = TEXT.replace('ln_min_bandwidth = { kind = "weakest_link", indicator = "bandwidth" }',
                        'ln_min_bandwidth = { kind = "weakest_link", indicator = "bandwith" }', 1)
    _fails_at(tmp_path, text, _line_of(text, '"bandwith"'), "bandwith")


def test_two_headlines_and_bad_toml(tmp_path):
    text = TEXT.replace('name = "no_pair_fe"', 'name = "no_pair_fe"\nheadline = true', 1)
    with pytest.raises(sc.ScenarioFileError, match="exactly one"):
        sc.load_config(_write(tmp_path, text))
    with pytest.raises(sc.ScenarioFileError, match="not valid TOML"):
        sc.load_config(_write(tmp_path, TEXT.replace("[ge]", "[ge", 1)))
    with pytest.raises(sc.ScenarioFileError, match="no such file"):
        sc.load_config(tmp_path / "missing.toml")


def test_key_lines_for_arrays_of_tables_and_inline_tables():
    text = '[a]\nx = 1\n[[s]]\nname = "p"\nm = { q = 1, r = 2 }\ns2 = """\nz = 3\n"""\n[[s]]\nname = "t"\n[s.sub]\nk = 4\n'
    lines = sc.key_lines(text)
    assert lines[("a", "x")] == 2
    assert lines[("s", 0, "name")] == 4
    assert lines[("s", 0, "m", "r")] == 5
    assert ("s", 0, "z") not in lines  # inside a multi-line string
    assert lines[("s", 1, "name")] == 10
    assert lines[("s", 1, "sub", "k")] == 12


# ---------------------------------------------------------------------------------------------
# scenario → change in trade costs, on a small world checked by explicit loops
# ---------------------------------------------------------------------------------------------
INTERNET = {"AAA": 10.0, "BBB": 40.0, "CCC": 70.0, "DDD": 20.0}
LANDLOCKED = {"AAA": 1, "BBB": 0, "CCC": 0, "DDD": 1}


def _pairs() -> pd.DataFrame:
    rows = []
    for o, d in itertools.product(INTERNET, INTERNET):
        rows.append(dict(exporter=o, importer=d, internet_o=INTERNET[o], internet_d=INTERNET[d],
                         landlocked_o=LANDLOCKED[o], landlocked_d=LANDLOCKED[d],
                         rta=float({o, d} == {"CCC", "DDD"}), tf_prov_41=0.0, tf_prov_45=0.0))
    return pd.DataFrame(rows)


@pytest.fixture(scope="module")
def cfg():
    return sc.load_config(MODEL, countries=sc.known_iso3() | frozenset(INTERNET))


def _scenario(cfg, **kw):
    base = dict(name="s", label="s", members=("AAA", "BBB"), spec=cfg.headline.name)
    base.update(kw)
    return sc.Scenario(**base)


def test_infrastructure_frontier_by_explicit_loop(cfg):
    pairs = _pairs()
    s = _scenario(cfg, indicators={"internet": "frontier"})
    delta = shocks.regressor_changes(pairs, s, cfg)
    frontier = max(INTERNET[m] for m in s.members)  # 40, BBB
    new = {c: (max(v, frontier) if c in s.members else v) for c, v in INTERNET.items()}
    for k, row in pairs.iterrows():
        o, d = row.exporter, row.importer
        dmin = math.log(min(new[o], new[d])) - math.log(min(INTERNET[o], INTERNET[d]))
        assert delta.loc[k, "ln_min_internet"] == pytest.approx(dmin, abs=1e-14)
        assert delta.loc[k, "ln_min_internet_x_ll_o"] == pytest.approx(dmin * LANDLOCKED[o], abs=1e-14)
        assert delta.loc[k, "ln_min_internet_x_ll_d"] == pytest.approx(dmin * LANDLOCKED[d], abs=1e-14)
        assert delta.loc[k, "rta"] == 0 and delta.loc[k, "tf_provisions"] == 0
    # the input frame is not modified
    assert pairs.internet_o.tolist() == _pairs().internet_o.tolist()


def test_harmonisation_only_between_distinct_members(cfg):
    pairs = _pairs()
    s = _scenario(cfg, members=("AAA", "BBB", "CCC"), agreement={"rta": 1.0, "tf_prov_45": 1.0})
    delta = shocks.regressor_changes(pairs, s, cfg)
    for k, row in pairs.iterrows():
        inside = row.exporter in s.members and row.importer in s.members and row.exporter != row.importer
        assert delta.loc[k, "rta"] == float(inside and row.rta == 0)
        assert delta.loc[k, "tf_provisions"] == float(inside)
        assert delta.loc[k, "ln_min_internet"] == 0


def test_cost_change_is_exp_of_coefficients_times_changes(cfg):
    pairs = _pairs()
    s = _scenario(cfg, indicators={"internet": "frontier"}, agreement={"rta": 1.0, "tf_prov_41": 1.0})
    delta = shocks.regressor_changes(pairs, s, cfg)
    b = pd.Series({"rta": 0.3, "tf_provisions": 0.08, "ln_min_internet": -0.07,
                   "ln_min_internet_x_ll_o": -0.05, "ln_min_internet_x_ll_d": 0.02})
    t = shocks.cost_factor(delta, b)
    manual = np.exp(sum(b[k] * delta[k] for k in b.index))
    np.testing.assert_allclose(t, manual, rtol=1e-15)
    # coefficient order does not matter
    np.testing.assert_allclose(shocks.cost_factor(delta, b.iloc[::-1]), t, rtol=1e-15)


def test_zero_shock_gives_unit_cost_change(cfg):
    pairs = _pairs()
    s = _scenario(cfg, indicators={"internet": 0.0})  # "raise to at least 0": nobody moves
    delta = shocks.regressor_changes(pairs, s, cfg)
    assert (delta.to_numpy() == 0).all()
    assert (shocks.cost_factor(delta, dict.fromkeys(delta.columns, 0.7)) == 1).all()


def test_missing_indicator_stays_missing_and_is_counted(cfg):
    pairs = _pairs()
    pairs.loc[pairs.exporter == "AAA", "internet_o"] = np.nan
    pairs.loc[pairs.importer == "AAA", "internet_d"] = np.nan
    s = _scenario(cfg, indicators={"internet": "frontier"})
    delta = shocks.regressor_changes(pairs, s, cfg)
    assert np.isfinite(delta.to_numpy()).all()
    # 7 pairs involve AAA; each of the three internet regressors is undefined there
    assert delta.attrs["undefined"]["ln_min_internet"] == 7


def test_build_regressor_rejects_missing_columns(cfg):
    with pytest.raises(ValueError, match=re.escape("['internet_d']")):
        ft.build_regressor(_pairs().drop(columns="internet_d"), cfg.regressors["ln_min_internet"])


def test_repeated_scenario_name(tmp_path):
    text = TEXT.replace('name = "both"', 'name = "harmonisation"', 1)
    line = _line_of(text, 'name = "harmonisation"', start='label = "(b)')
    _fails_at(tmp_path, text, line, "scenario name 'harmonisation' missing or repeated")


def test_undefined_counts_only_regressors_the_scenario_moves(cfg):
    pairs = _pairs()
    pairs.loc[pairs.exporter == "AAA", "internet_o"] = np.nan
    s = _scenario(cfg, agreement={"rta": 1.0})
    delta = shocks.regressor_changes(pairs, s, cfg)
    assert delta.attrs["undefined"] == {} and not delta.attrs["undefined_rows"].any()


# ---------------------------------------------------------------------------------------------
# one registry of regressor kinds; one cost-change function
# ---------------------------------------------------------------------------------------------
def _kind_by_loop(kind: str, a: float, b: float) -> float:
    """Independent scalar definitions of the registry's kinds (math, not numpy); NaN where undefined."""
    ln = lambda v: math.log(v) if v > 0 else math.nan  # noqa: E731  (NaN > 0 is False)
    if kind in ("pair", "log"):           # one column: only a is read
        return a if kind == "pair" else ln(a)
    if math.isnan(a) or math.isnan(b):
        return math.nan
    ln1p = math.log1p(a) if a >= 0 else math.nan
    return {"weakest_link": ln(min(a, b)), "log_product": ln(a) * ln(b), "product": a * b,
            "minimum": min(a, b), "gap": abs(a - b), "any_of": max(a, b), "all_of": min(a, b),
            "pair": a, "log": ln(a),
            # columns (c1, c2): c1 the exporter side (or both sides for the min), c2 a factor
            "log1p_exporter_times": ln1p * b, "log_times": ln(a) * b, "log_min_times": ln(min(a, b))}[kind]


@pytest.mark.parametrize("kind", sorted(ft.KINDS))
def test_every_kind_matches_its_scalar_definition(kind):
    vals = [0.0, -1.0, 0.5, 3.0, np.nan, 1.0]
    a, b = (np.array(v, dtype=float) for v in zip(*itertools.product(vals, vals)))
    frame = pd.DataFrame({"x_o": a, "x_d": b, "c1": a, "c2": b})
    reads = ft.KINDS[kind].reads
    r = ft.Regressor("z", kind, indicator="x" if reads == "indicator" else None,
                     columns=() if reads == "indicator" else (("c1",) if reads == "column" else ("c1", "c2")))
    got = ft.build_regressor(frame, r)
    want = np.array([_kind_by_loop(kind, u, v) for u, v in zip(a, b)])
    np.testing.assert_array_equal(got, want)   # NaN exactly where the loop says undefined


def test_times_multiplies_by_any_allowed_column_incl_the_border():
    assert {"intl_border", "landlocked_o", "both_eco", "internet_o"} <= set(ft.interaction_columns(["internet"]))
    pairs = _pairs().assign(intl_border=lambda d: (d.exporter != d.importer).astype("int8"))
    r = ft.Regressor("z", "weakest_link", indicator="internet", times="intl_border")
    z = ft.build_regressor(pairs, r)
    plain = ft.build_regressor(pairs, ft.Regressor("z", "weakest_link", indicator="internet"))
    np.testing.assert_array_equal(z, np.where(pairs.exporter != pairs.importer, plain, 0.0))
    assert r.inputs == ("internet_o", "internet_d", "intl_border")


def test_model_file_accepts_a_border_interaction_and_rejects_unknown_ones(tmp_path):
    old = 'ln_min_internet_x_ll_d = { kind = "weakest_link", indicator = "internet", times = "landlocked_d" }'
    assert old in TEXT
    cfg = sc.load_config(_write(tmp_path, TEXT.replace(old, old.replace("landlocked_d", "intl_border"))))
    assert cfg.regressors["ln_min_internet_x_ll_d"].times == "intl_border"
    bad = TEXT.replace(old, old.replace("landlocked_d", "coastal_d"))
    msg = _fails_at(tmp_path, bad, _line_of(bad, "coastal_d"), "unknown interaction 'coastal_d'", "intl_border")
    assert "internet_o" in msg   # the declared indicators' sides are allowed too


def test_unknown_kind_lists_the_registry(tmp_path):
    text = TEXT.replace('{ kind = "log_product"', '{ kind = "harmonic_mean"', 1)
    msg = _fails_at(tmp_path, text, _line_of(text, "harmonic_mean"), "unknown kind 'harmonic_mean'")
    assert all(k in msg for k in ft.KINDS)


def test_a_new_kind_is_one_registry_entry(tmp_path):
    ft.register(ft.Kind("mean_test", "indicator", lambda o, d: (o + d) / 2, "(x_o + x_d) / 2"))
    try:
        text = TEXT.replace('{ kind = "log_product"', '{ kind = "mean_test"', 1)
        cfg = sc.load_config(_write(tmp_path, text), countries=sc.known_iso3() | frozenset(INTERNET))
        s = _scenario(cfg, indicators={"internet": "frontier"})
        delta = shocks.regressor_changes(_pairs(), s, cfg, names=("ln_internet_product",))
        # AAA (10) rises to the members' frontier 40 (BBB): the mean rises by 15 per side that is AAA
        pairs = _pairs()
        want = 15.0 * ((pairs.exporter == "AAA").astype(float) + (pairs.importer == "AAA").astype(float))
        np.testing.assert_array_equal(delta["ln_internet_product"].to_numpy(), want.to_numpy())
        with pytest.raises(ValueError, match="already registered"):
            ft.register(ft.Kind("mean_test", "indicator", np.add, "x"))
    finally:
        ft.KINDS.pop("mean_test")


def test_linear_index_orders_and_cost_factor_is_exp_of_it():
    rng = np.random.default_rng(1)
    X, b, off = rng.normal(size=(50, 4)), rng.normal(size=4), rng.normal(size=50)
    np.testing.assert_array_equal(shocks.linear_index(X, b), X @ b)
    seq = off
    for k in range(4):                 # the fill model's η: the offset first, then term by term
        seq = seq + b[k] * X[:, k]
    np.testing.assert_array_equal(shocks.linear_index(X, b, offset=off), seq)
    names = ["a", "b", "c", "d"]
    frame = pd.DataFrame(X, columns=names)
    # the same product as the callers always computed (the frame's own memory layout: BLAS bits depend on it)
    t = shocks.cost_factor(frame, dict(zip(names, b)))
    np.testing.assert_array_equal(t, np.exp(frame.to_numpy(float) @ b))
    np.testing.assert_array_equal(shocks.cost_factor(X, pd.Series(b, index=names), names), np.exp(X @ b))
    np.testing.assert_allclose(t, np.exp(X @ b), rtol=1e-14)
    with pytest.raises(ValueError, match="names="):
        shocks.cost_factor(X, dict(zip(names, b)))
    with pytest.raises(ValueError, match="one coefficient per column"):
        shocks.linear_index(X, b[:3])


def test_ge_trade_costs_use_the_same_cost_factor(cfg):
    from gravity.ge.baseline import trade_costs

    pairs = _pairs()
    s = _scenario(cfg, indicators={"internet": "frontier"}, agreement={"rta": 1.0})
    delta = shocks.regressor_changes(pairs, s, cfg)
    b = pd.Series(np.linspace(-0.3, 0.4, delta.shape[1]), index=delta.columns)
    via_ge = trade_costs(pd.concat([pairs[["exporter", "importer"]], delta], axis=1), b)
    np.testing.assert_array_equal(via_ge.to_numpy(), shocks.cost_factor(delta, b))


def test_shipped_file_parses_and_its_connectivity_terms_read_one_side_only():
    cfg = sc.load_config(SHIPPED)
    assert cfg.headline.name == "border_dev" and [s.name for s in cfg.estimated_scenarios] == ["fibre", "paperless",
                                                                                                "corridor"]
    assert [s.name for s in cfg.calibrated_scenarios] == ["tfa_wto", "tfa_oecd"]
    for name in ("ln_internet_x_intl", "ln_internet_x_intl_ll"):
        assert "internet_d" not in cfg.regressors[name].inputs, name   # no fake importer-side input
    # the fibre scenario shocks internet; only the exporter side enters a regressor, and that is enough
    assert "internet" in cfg.spec(next(s.spec for s in cfg.scenarios if s.name == "fibre")).formula \
        or any("internet_o" in cfg.regressors[r].inputs for r in cfg.headline.slopes)


def test_an_indicator_used_on_either_side_is_enough_and_on_neither_fails(tmp_path):
    # a spec whose only internet regressor reads the exporter side: scenario (a) may shock internet under it
    text = TEXT.replace('[regressors]', '[regressors]\nln_int_o = { kind = "log1p_exporter_times", '
                        'columns = ["internet_o", "landlocked_o"] }', 1)
    text = text.replace("+ ln_min_bandwidth + ln_min_bandwidth_x_ll_o +", "+ ln_int_o +", 1)
    one_side = text.replace('members = ["ECO"]\nindicators = { internet = "frontier" }\n\n',
                            'members = ["ECO"]\nspec = "bandwidth_2016"\nindicators = { internet = "frontier" }\n\n', 1)
    cfg = sc.load_config(_write(tmp_path, one_side))
    s = next(x for x in cfg.scenarios if x.spec == "bandwidth_2016")
    assert cfg.regressors["ln_int_o"].inputs == ("internet_o", "landlocked_o")
    import dataclasses

    s = dataclasses.replace(s, members=("AAA", "BBB"))              # the synthetic countries of _pairs()
    delta = shocks.regressor_changes(_pairs(), s, cfg, names=("ln_int_o",))
    assert (delta["ln_int_o"] != 0).any()        # the exporter side moves the regressor
    pairs = _pairs()
    np.testing.assert_array_equal(ft.build_regressor(pairs, cfg.regressors["ln_int_o"]),
                                  np.log1p(pairs["internet_o"].to_numpy()) * pairs["landlocked_o"].to_numpy())
    # neither side used: refused at the scenario's line
    neither = one_side.replace("+ ln_int_o +", "+", 1)
    _fails_at(tmp_path, neither, _line_of(neither, 'internet = "frontier"', start='spec = "bandwidth_2016"'),
              "'internet'", "bandwidth_2016")


def test_errors_after_loading_name_the_line():
    cfg = sc.load_config(MODEL)
    line = _line_of(TEXT, "[ge]")
    err = cfg.error(("ge", "not_a_key"), "something is off", "do this")
    assert isinstance(err, sc.ScenarioFileError) and isinstance(err, ValueError)
    assert f"line {line}" in str(err) and "Fix: do this" in str(err)
    # a config built without its source re-reads the file and gives the same line
    import dataclasses

    again = dataclasses.replace(cfg, source=None).error(("ge", "not_a_key"), "something is off", "do this")
    assert str(again) == str(err)
    assert sc.ModelFile.read(MODEL).line(("scenario", 1, "members")) == _line_of(TEXT, "members", start='name = "harmonisation"')
