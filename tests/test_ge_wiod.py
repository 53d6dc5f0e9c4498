"""WIOD multi-sector baseline (Caliendo–Parro model on WIOD 2013), a sector-level scenario, the one-sector
gap quoted by the corridor report, and θ draws through the execution layer.

Invariants: the baseline's sales equal WIOD output plus the zeroed negative cells (within the file's
integer rounding); the data are an equilibrium (re-solving reproduces them); a zero shock changes nothing;
one sector without IO equals gravity.ge.solve; draws do not depend on where they run.
"""
from __future__ import annotations

import importlib.util
from pathlib import Path

import numpy as np
import pytest

from gravity.data.registry import load
from gravity.execution import get_executor
from gravity.ge.errors import GEInputError
from gravity.ge.multisector import MultiSectorBaseline, iceberg_cut, solve_multisector, theta_draws
from gravity.ge.onesector_gap import one_sector_gap
from gravity.jobs.corridor.brief import one_sector_gap_blocks
from gravity.jobs.corridor.words import report_words
from gravity.panel.io_tables import WIOD_GOODS, wiod_io_table
from gravity.scenario.config import load_config
from tests.conftest import require_data

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def wiod():
    require_data("wiod2013/wiot_2011.RData")
    return MultiSectorBaseline.from_table(wiod_io_table(2011))


def test_rows_sum_to_output_after_the_negative_cells(wiod):
    raw = {str(k): v for k, v in load("wiod2013/wiot_2011.RData").items()}
    F = np.asarray(raw["final"], dtype=float)
    out = np.asarray(raw["output"], dtype=float).reshape(41, 35).T          # [j, n]
    zeroed = (-np.clip(F, None, 0.0)).sum(axis=1).reshape(41, 35).T         # what the rule added back
    Y = wiod.trade.sum(axis=2)
    meta = wiod.meta["negative_cells"]
    # every negative final-demand cell is counted, none silently
    assert sum(v["cells"] for k, v in meta.items() if isinstance(v, dict) and "cells" in v
               and k != "value_added_below_0") == int((F < 0).sum()) == 352
    gap = Y - (out + zeroed)
    assert np.abs(gap).max() <= 110.0                                       # integer rounding, millions US$
    assert np.abs(gap).sum() < 1e-3 * out.sum()                             # 1,640 rounded entries per row
    np.testing.assert_allclose(Y, wiod.value_added + wiod.intermediate.sum(axis=0), rtol=1e-12, atol=1e-9)
    assert (wiod.trade >= 0).all() and (wiod.value_added >= 0).all() and (wiod.final >= 0).all()
    assert list(wiod.regions[[32, 33, 37, 40]]) == ["ROU", "RUS", "TUR", "RoW"]
    th = dict(zip(wiod.sectors, wiod.theta))
    assert th["c8"] == 64.85 and th["c12"] == pytest.approx((3.28 + 6.99) / 2) and th["c30"] == 8.22


def test_baseline_is_an_equilibrium_and_zero_shock_is_zero(wiod):
    res = solve_multisector(wiod)
    assert res.convergence["baseline_gap"] < 1e-10
    np.testing.assert_allclose(res.flows()["baseline"].to_numpy(), wiod.trade.ravel(), rtol=1e-9, atol=1e-6)
    assert np.abs(res.countries.to_numpy()).max() < 1e-8
    assert np.abs(res.sectors.fillna(0).to_numpy()).max() < 1e-8


def test_goods_cut_between_russia_and_turkey(wiod):
    d = iceberg_cut(wiod, ["RUS", "TUR"], sectors=WIOD_GOODS, cut=0.05)
    assert (d != 1).sum() == 2 * len(WIOD_GOODS)
    res = solve_multisector(wiod, iceberg=d)
    c, s = res.countries, res.sectors
    np.testing.assert_allclose(c["welfare"], c["tot"] + c["vot"] + c["tech"], atol=1e-12)
    assert (c["vot"].abs() < 1e-14).all()                                   # no tariffs in WIOD
    assert c.loc["RUS", "welfare"] > 0 and c.loc["TUR", "welfare"] > 0
    assert c.loc["RUS", "exports_full"] > 0 and c.loc["TUR", "exports_full"] > 0
    assert (s.loc["TUR"].loc[list(WIOD_GOODS), "tech"] >= 0).all()
    assert (s.loc["TUR"].drop(list(WIOD_GOODS))["tech"] == 0).all()        # services are not cut
    with pytest.raises(GEInputError, match="not regions or sectors"):
        iceberg_cut(wiod, ["RUS", "KAZ"])


def test_one_sector_without_io_is_gravity_ge_solve():
    rng = np.random.default_rng(4)
    N = 5
    X = rng.uniform(1, 10, (N, N)) + np.diag(rng.uniform(40, 90, N))
    b = MultiSectorBaseline.from_arrays([f"R{i}" for i in range(N)], ["all"], X[None], X.sum(axis=1)[None], [4.0])
    g = one_sector_gap(b, iceberg_cut(b, ["R0", "R1"], cut=0.05))
    assert g.theta_bar == 4.0
    np.testing.assert_allclose(g.table["multi_no_io"], g.table["one_sector"], atol=1e-9)
    np.testing.assert_allclose(g.table["multi_io"], g.table["one_sector"], atol=1e-9)
    assert g.ratio == pytest.approx(1.0, abs=1e-8)


def test_model_file_quotes_what_the_benchmark_measures(wiod):
    spec = importlib.util.spec_from_file_location("bench_multisector", ROOT / "benchmarks" / "bench_multisector.py")
    bench = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench)
    words = report_words(load_config(ROOT / "models" / "eco_digital_corridor.toml"))
    assert round(bench.wiod_gap().ratio, 2) == words.one_sector_gap["wiod_ratio"]
    (_, head), (_, text) = one_sector_gap_blocks(words)
    assert "No sector-level data for them" in text and "benchmarks/bench_multisector.py" in text
    assert words.one_sector_gap["absent"] in text and words.one_sector_gap["wiod_cut"] in text   # from the file
    assert f"{words.one_sector_gap['wiod_ratio']:.2f} times" in text and f"{words.one_sector_gap['cp_ratio']:.2f}" in text


def test_theta_draws_in_process_equal_executor():
    rng = np.random.default_rng(9)
    N, J = 4, 3
    tr = rng.uniform(1, 5, (J, N, N)) + 30 * np.eye(N)[None]
    ic = rng.uniform(0.5, 2, (J, J, N))
    va = tr.sum(axis=2) - ic.sum(axis=0)
    b = MultiSectorBaseline.from_arrays([f"R{i}" for i in range(N)], ["a", "b", "c"], tr, va, [4.0, 6.0, 8.0],
                                        intermediate=ic)
    d = iceberg_cut(b, ["R0", "R2"], sectors=["a", "b"], cut=0.1)
    one = theta_draws(b, draws=6, seed=3, iceberg=d, executor=get_executor(workers=0), progress=False)
    two = theta_draws(b, draws=6, seed=3, iceberg=d, executor=get_executor(workers=2, mode="local"), progress=False)
    np.testing.assert_array_equal(one.theta, two.theta)
    np.testing.assert_array_equal(one.values.to_numpy(), two.values.to_numpy())
    np.testing.assert_array_equal(one.draws, two.draws)
    assert one.n_failed == 0 and one.failures.empty and one.theta.std(axis=0).min() > 0
    iv = one.table("welfare")
    assert (iv["lower"] <= iv["upper"]).all() and list(iv.columns) == ["point", "lower", "upper"]
    # the interval is the percentile interval of the kept draws (the one rule of gravity.ge.results)
    w = one.values["welfare"].unstack("country")[iv.index]
    np.testing.assert_allclose(iv["lower"], np.percentile(w.to_numpy(), 2.5, axis=0), rtol=1e-12)
