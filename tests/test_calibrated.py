"""Calibrated scenarios and placements (issue 18): published cuts → t̂^(1−σ), and the placement invariant.

Numbers come from hand computation (Novy's formula on a 3-country table), the published-figures file, and
invariants of structural gravity: every placement of a border × country-variable effect fits the same
estimation, and in the conditional GE it changes no flow (the exporter- or importer-wide factor is absorbed
by the multilateral resistances).
"""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from gravity.ge import Baseline, solve
from gravity.scenario import calibrated as cal
from gravity.scenario import config as sc
from gravity.scenario import shocks
from tests.conftest import require_data
from tests.worlds import random_world

MODEL = Path(__file__).resolve().parents[1] / "models" / "eco_digital_corridor.toml"


def test_novy_tau_by_hand():
    X = np.array([[100.0, 4.0, 0.0], [9.0, 400.0, 2.0], [1.0, 8.0, 50.0]])
    tau = cal.novy_tau(X, sigma=5.0)
    # (X_11 X_22 / (X_12 X_21))^(1/8) = (100*400/(4*9))^(1/8)
    assert tau[0, 1] == pytest.approx((100 * 400 / 36) ** (1 / 8), rel=1e-14)
    assert tau[1, 0] == tau[0, 1] and tau[1, 2] == pytest.approx((400 * 50 / 16) ** (1 / 8), rel=1e-14)
    assert np.isnan(tau[0, 2]) and np.all(np.diag(tau) == 1.0)          # a zero flow: no measure


def test_pair_cuts_members_and_international():
    c = ["A", "B", "C"]
    m = cal.pair_cuts(c, {"A": 10.0, "B": 20.0}, "members")
    assert m[0, 1] == pytest.approx(0.15) and m[1, 0] == pytest.approx(0.15)
    assert m[0, 2] == 0 and m[2, 0] == 0 and np.all(np.diag(m) == 0)
    i = cal.pair_cuts(c, {"A": 10.0, "B": 20.0}, "international")
    assert i[0, 1] == pytest.approx(0.15) and i[0, 2] == pytest.approx(0.10) and i[2, 1] == pytest.approx(0.20)
    with pytest.raises(cal.CalibrationError, match="variant"):
        cal.pair_cuts(c, {}, "everyone")


def test_cost_change_readings():
    X = np.array([[100.0, 4.0, 3.0], [9.0, 400.0, 2.0], [1.0, 8.0, 50.0]])
    cut = {"A": 14.3, "B": 14.3, "C": 14.3}
    ice, _ = cal.cost_change(X, ["A", "B", "C"], cut, 5.0, variant="members", reading="iceberg")
    off = ~np.eye(3, dtype=bool)
    assert np.allclose(ice[off], (1 - 0.143) ** -4, rtol=1e-14) and np.all(np.diag(ice) == 1)
    te, info = cal.cost_change(X, ["A", "B", "C"], cut, 5.0, variant="members")
    tau = cal.novy_tau(X, 5.0)
    assert te[0, 1] == pytest.approx((1 - 0.143 * (tau[0, 1] - 1) / tau[0, 1]) ** -4, rel=1e-14)
    assert np.all(1 < te[off]) and np.all(te[off] < ice[off])            # the tariff equivalent reading is smaller
    assert info["pairs"] == 6 and info["imputed"] == 0
    none, _ = cal.cost_change(X, ["A", "B", "C"], {}, 5.0)
    assert np.all(none == 1.0)                                            # no cut, no change


def test_check_cuts_against_the_published_figures():
    require_data(cal.FIGURES_KEY)
    figs = cal.published_figures()
    assert cal.check_cuts([14.3], ["WTR15-a"], figs) == []
    assert cal.check_cuts([12.6, 13.7, 12.8], ["OECD-TFI15-mandatory"], figs) == []
    assert cal.check_cuts([15.0], ["WTR15-a"], figs) == ["15% is stated by none of ['WTR15-a']"]
    with pytest.raises(cal.CalibrationError, match="not in"):
        cal.check_cuts([14.3], ["WTR16"], figs)


# --------------------------------------------------------------------------------------- placements
def _delta(n, countries, s_i, rta):
    """An exporter-side country term s_i on i's international rows and a pair term on (0, 1), (1, 0)."""
    ex, im = np.repeat(np.arange(n), n), np.tile(np.arange(n), n)
    intl = (ex != im).astype(float)
    d = pd.DataFrame({"conn": s_i[ex] * intl, "rta": np.where(((ex == 0) & (im == 1)) | ((ex == 1) & (im == 0)),
                                                                rta, 0.0)})
    return d


def test_placements_change_no_conditional_flow_and_exporter_is_the_usual_route():
    df, _, _ = random_world(5, 6, calibrated=True)
    base = Baseline.from_trade(df, sigma=5.0, reference="K00")
    n = base.n
    s_i = np.array([0.3, -0.2, 0.0, 0.5, 0.1, 0.0])
    delta = _delta(n, base.countries, s_i, 1.0)
    beta = pd.Series({"conn": 1.0, "rta": 0.4})
    exp = shocks.placed_cost_change(delta, beta, n, ["conn"], "exporter")
    assert np.allclose(exp, shocks.cost_factor(delta, beta).reshape(n, n), rtol=1e-13)
    flows = {}
    for pl in shocks.PLACEMENTS:
        t = shocks.placed_cost_change(delta, beta, n, ["conn"], pl)
        r = solve(base, t, deficits="additive")
        flows[pl] = r.flows_cdl
        if pl == "domestic":
            assert np.allclose(np.log(np.diag(t)), -s_i) and np.isclose(t[0, 1], np.exp(0.4))
    for pl in ("importer", "half", "domestic"):
        # X'c_ij = X_ij t̂_ij / (Ω̂_i Φ̂_j): an exporter- or importer-wide factor is absorbed by Ω̂ or Φ̂
        assert np.allclose(flows[pl], flows["exporter"], rtol=1e-8), pl
    with pytest.raises(ValueError, match="placement"):
        shocks.placed_cost_change(delta, beta, n, ["conn"], "sideways")


def test_a_pair_varying_term_is_not_placed_as_a_country_term():
    n = 3
    delta = pd.DataFrame({"conn": np.arange(n * n, dtype=float)})
    with pytest.raises(ValueError, match="differs across a country's partners"):
        shocks.placed_cost_change(delta, pd.Series({"conn": 1.0}), n, ["conn"], "importer")


# --------------------------------------------------------------------------------------- the model file
def _fails(tmp_path, text, *words):
    p = tmp_path / "m.toml"
    p.write_text(text, encoding="utf-8")
    with pytest.raises(sc.ScenarioFileError) as e:
        sc.load_config(p)
    for w in words:
        assert w in str(e.value), (w, str(e.value))


def test_shipped_model_file_has_calibrated_scenarios_and_roles():
    cfg = sc.load_config(MODEL)
    names = [s.name for s in cfg.calibrated_scenarios]
    assert names == ["tfa_wto", "tfa_oecd"]
    o = cfg.calibrated_scenarios[1].cost_cut
    assert (o.low["TJK"], o.percent["TJK"], o.high["TJK"]) == (13.7, 17.4, 17.4)
    assert o.percent["AFG"] == 16.5 and o.percent["KAZ"] == 14.6
    assert cfg.roles["penalty"] == ("landlocked_x_intl",) and cfg.roles["indicator"] == ("internet",)
    assert {s.domestic_breaks for s in cfg.specifications} == {"drop", "split", "as_is"}


def test_model_file_errors_for_the_new_keys(tmp_path):
    text = MODEL.read_text(encoding="utf-8")
    _fails(tmp_path, text.replace("percent = 14.3", "percent = 143"), "between 0 and 100")
    _fails(tmp_path, text.replace("LIC = 16.5, LMIC", "LOW = 16.5, LMIC", 1), "'LOW' is not a group")
    _fails(tmp_path, text.replace('domestic_breaks = "split"', 'domestic_breaks = "mend"'), "domestic_breaks")
    _fails(tmp_path, text.replace('penalty = "landlocked_x_intl"', 'penalty = "landlock_x_intl"'), "role penalty")
    _fails(tmp_path, text.replace('figures = ["WTR15-a"]', "figures = []"), "no published figure")


def test_model_file_reference_covers_every_key_and_is_current():
    from gravity.scenario import reference

    keys = [k for k, _ in reference.schema_keys()]
    assert set(keys) == set(reference.KEY_DOCS), set(keys) ^ set(reference.KEY_DOCS)
    doc = Path(__file__).resolve().parents[1] / "docs" / "model-file.md"
    assert doc.read_text(encoding="utf-8") == reference.markdown(), \
        "docs/model-file.md is stale: run python -m gravity.scenario.reference > docs/model-file.md"


def test_an_internet_target_above_100_percent_is_refused(tmp_path):
    text = MODEL.read_text(encoding="utf-8").replace('indicators = { internet = "frontier" }',
                                                     "indicators = { internet = 150 }", 1)
    _fails(tmp_path, text, "above 100")
    ok = MODEL.read_text(encoding="utf-8").replace('indicators = { internet = "frontier" }',
                                                   "indicators = { internet = 75 }", 1)
    p = tmp_path / "ok.toml"
    p.write_text(ok, encoding="utf-8")
    assert sc.load_config(p).scenarios[0].indicators == {"internet": 75}


def test_scenarios_compose_with_include(tmp_path):
    cfg = sc.load_config(MODEL)
    s = {x.name: x for x in cfg.scenarios}
    # (c) = (a) + (b) + the agreement's phase-in, written once
    assert s["corridor"].indicators == s["fibre"].indicators
    assert s["corridor"].agreement == {**s["paperless"].agreement, "rta": 1.0, "rta_lag4": 1.0, "rta_lag8": 1.0}
    text = MODEL.read_text(encoding="utf-8")
    _fails(tmp_path, text.replace('include = ["fibre", "paperless"]', 'include = ["fibre", "nope"]'), "'nope'")
    _fails(tmp_path, text.replace('include = ["fibre", "paperless"]', 'include = ["corridor"]'), "'corridor'")
