"""Corridor files: validation before any estimation (errors name the line), scenario → Δ trade costs."""
from __future__ import annotations

import itertools
import math
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from gravity.scenario import config as sc

MODEL = Path(__file__).resolve().parents[1] / "models" / "eco_digital_corridor.toml"
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
    lines = sc._key_lines(text)
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
    delta = sc.regressor_changes(pairs, s, cfg)
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
    delta = sc.regressor_changes(pairs, s, cfg)
    for k, row in pairs.iterrows():
        inside = row.exporter in s.members and row.importer in s.members and row.exporter != row.importer
        assert delta.loc[k, "rta"] == float(inside and row.rta == 0)
        assert delta.loc[k, "tf_provisions"] == float(inside)
        assert delta.loc[k, "ln_min_internet"] == 0


def test_cost_change_is_exp_of_coefficients_times_changes(cfg):
    pairs = _pairs()
    s = _scenario(cfg, indicators={"internet": "frontier"}, agreement={"rta": 1.0, "tf_prov_41": 1.0})
    delta = sc.regressor_changes(pairs, s, cfg)
    b = pd.Series({"rta": 0.3, "tf_provisions": 0.08, "ln_min_internet": -0.07,
                   "ln_min_internet_x_ll_o": -0.05, "ln_min_internet_x_ll_d": 0.02})
    t = sc.cost_change(delta, b)
    manual = np.exp(sum(b[k] * delta[k] for k in b.index))
    np.testing.assert_allclose(t, manual, rtol=1e-15)
    # coefficient order does not matter
    np.testing.assert_allclose(sc.cost_change(delta, b.iloc[::-1]), t, rtol=1e-15)


def test_zero_shock_gives_unit_cost_change(cfg):
    pairs = _pairs()
    s = _scenario(cfg, indicators={"internet": 0.0})  # "raise to at least 0": nobody moves
    delta = sc.regressor_changes(pairs, s, cfg)
    assert (delta.to_numpy() == 0).all()
    assert (sc.cost_change(delta, dict.fromkeys(delta.columns, 0.7)) == 1).all()


def test_missing_indicator_stays_missing_and_is_counted(cfg):
    pairs = _pairs()
    pairs.loc[pairs.exporter == "AAA", "internet_o"] = np.nan
    pairs.loc[pairs.importer == "AAA", "internet_d"] = np.nan
    s = _scenario(cfg, indicators={"internet": "frontier"})
    delta = sc.regressor_changes(pairs, s, cfg)
    assert np.isfinite(delta.to_numpy()).all()
    # 7 pairs involve AAA; each of the three internet regressors is undefined there
    assert delta.attrs["undefined"]["ln_min_internet"] == 7


def test_build_regressor_rejects_missing_columns(cfg):
    with pytest.raises(ValueError, match=re.escape("['internet_d']")):
        sc.build_regressor(_pairs().drop(columns="internet_d"), cfg.regressors["ln_min_internet"])


def test_repeated_scenario_name(tmp_path):
    text = TEXT.replace('name = "both"', 'name = "harmonisation"', 1)
    line = _line_of(text, 'name = "harmonisation"', start='label = "(b)')
    _fails_at(tmp_path, text, line, "scenario name 'harmonisation' missing or repeated")


def test_undefined_counts_only_regressors_the_scenario_moves(cfg):
    pairs = _pairs()
    pairs.loc[pairs.exporter == "AAA", "internet_o"] = np.nan
    s = _scenario(cfg, agreement={"rta": 1.0})
    delta = sc.regressor_changes(pairs, s, cfg)
    assert delta.attrs["undefined"] == {} and not delta.attrs["undefined_rows"].any()
