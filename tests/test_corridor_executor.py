"""The corridor's sensitivity and deficit-rule solves through the execution layer (gravity.execution).

Invariant: the sensitivity table and the deficit-rule table are bit-identical whether their GE solves run
in this process or on a Dask LocalCluster of 2 workers (passed explicitly, or named by GRAVITY_SCHEDULER),
and equal, bit for bit, the sequential computation the pipeline made before (written out below with
``solve`` and ``compare_deficit_rules`` directly). Data: the reduced corridor run of test_corridor.py.
"""
from __future__ import annotations

import pandas as pd
import pytest

from gravity import execution
from gravity.execution import ENV_SCHEDULER, get_executor
from gravity.ge import solve
from gravity.ge.deficits import DEFICIT_RULES, compare_deficit_rules
from tests.test_corridor import reduced_run


@pytest.fixture(scope="module")
def inputs(tmp_path_factory):
    """What sensitivity_points and deficit_table take, from the shared reduced run."""
    from gravity.jobs.corridor import pipeline as co
    from gravity.jobs.corridor import tables as ct

    res, _ = reduced_run(tmp_path_factory)
    cfg, ge_d = res.config, res.ge
    deltas = co.estimated_deltas(co.scenario_deltas(cfg, ge_d.grid), res.estimates)
    groups = ct.group_membership(cfg, res.words, ge_d.table.countries)
    return dict(res=res, cfg=cfg, an=res.analysis, words=res.words, ge_d=ge_d, deltas=deltas, est=res.estimates,
                groups=groups)


@pytest.fixture(scope="module")
def cluster():
    """The process's LocalCluster of 2 workers, closed at the end of the module."""
    pytest.importorskip("distributed")
    ex = get_executor(workers=2, mode="local")
    assert len(ex.client.scheduler_info()["workers"]) == 2
    yield ex
    execution.shutdown()


def _sequential_sensitivity(cfg, an, words, ge_d, deltas, est, groups) -> pd.DataFrame:
    """The sensitivity table as the pipeline computed it before: one solve after another, in this process."""
    from gravity.jobs.corridor import pipeline as co
    from gravity.jobs.corridor import tables as ct

    h, fit = cfg.headline, est.headline(cfg)
    rows = []

    def add(dim, setting, scen, countries, base):
        for q, v in ct.point_summary(cfg, words, base, countries, groups).items():
            rows.append(dict(dimension=dim, setting=setting, scenario=scen, quantity=q, pct_change=v))

    b0 = ge_d.baselines[("itpde", cfg.ge.sigma)]
    for s in cfg.estimated_scenarios:
        d0 = deltas[(h.name, s.name)]
        b = fit.params[list(d0.columns)]
        t0 = co.cost_change(d0, b, b0.n)
        add("headline", h.label, s.name, solve(b0, t0, deficits=an.deficit_rule).countries, b0)
        if est.corrected is not None:
            raw = co.cost_change(d0, est.fits[h.name].params[list(d0.columns)], b0.n)
            add("bias correction", "headline estimates without the correction", s.name,
                solve(b0, raw, deficits=an.deficit_rule).countries, b0)
        for spec in cfg.specifications:
            if spec.headline or spec.name not in est.fits or (spec.name, s.name) not in deltas:
                continue
            d = deltas[(spec.name, s.name)]
            t = co.cost_change(d, est.fits[spec.name].params[list(d.columns)], b0.n)
            add("specification", spec.label, s.name, solve(b0, t, deficits=an.deficit_rule).countries, b0)
        for sg in co.sigmas(cfg):
            if sg != cfg.ge.sigma:
                bs = ge_d.baselines[("itpde", sg)]
                add("sigma", f"sigma = {sg:g}", s.name,
                    solve(bs, co.cost_change(d0, b, bs.n), deficits=an.deficit_rule).countries, bs)
        comp = compare_deficit_rules(b0, t0)
        for rule in DEFICIT_RULES:
            if rule != an.deficit_rule:
                add("deficit rule", rule, s.name, comp[comp["rule"] == rule].set_index("country"), b0)
        bc = ge_d.baselines[("constructed", cfg.ge.sigma)]
        add("domestic flows", "constructed for every country", s.name,
            solve(bc, co.cost_change(d0, b, bc.n), deficits=an.deficit_rule).countries, bc)
        for share in an.phase_in:
            add("phase-in", f"{share:.0%}", s.name,
                solve(b0, co.cost_change(d0, b, b0.n, share), deficits=an.deficit_rule).countries, b0)
    return pd.DataFrame(rows)


def _args(inp, *names):
    return [inp[n] for n in names]


SENS = ("cfg", "an", "words", "ge_d", "deltas", "est", "groups")
DEF = ("cfg", "an", "words", "ge_d", "deltas")


def test_sensitivity_is_the_same_in_process_on_a_cluster_and_as_before(inputs, cluster, monkeypatch):
    from distributed import get_task_stream

    from gravity.jobs.corridor import pipeline as co

    monkeypatch.delenv(ENV_SCHEDULER, raising=False)
    here = co.sensitivity_points(*_args(inputs, *SENS), progress=False)
    with get_task_stream(client=cluster.client) as ts:
        there = co.sensitivity_points(*_args(inputs, *SENS), executor=cluster, progress=False)
    before = _sequential_sensitivity(*_args(inputs, *SENS))
    cfg, an = inputs["cfg"], inputs["an"]

    # every dimension is there, for every scenario, and the shocks move something
    assert set(here.dimension) == {"headline", "bias correction", "specification", "sigma", "deficit rule",
                                   "domestic flows", "phase-in"}
    assert set(here.scenario) == {s.name for s in cfg.estimated_scenarios}
    assert here["pct_change"].notna().all() and (here["pct_change"] != 0).any()
    # the solves ran on the cluster's workers, one task per solve (two deficit-rule rows share one)
    settings = here.drop_duplicates(["scenario", "dimension", "setting"])
    n_solves = len(settings) - len(cfg.estimated_scenarios) * (len(DEFICIT_RULES) - 2)
    keys = [t["key"] for t in ts.data if "sensitivity-solves" in str(t["key"])]
    assert len(keys) == n_solves
    assert {t["worker"] for t in ts.data} <= set(cluster.client.scheduler_info()["workers"])

    pd.testing.assert_frame_equal(there, here, check_exact=True)
    pd.testing.assert_frame_equal(here, before, check_exact=True)
    pd.testing.assert_frame_equal(here, inputs["res"].tables.sensitivity, check_exact=True)
    # one σ row by hand: solved on that σ's own baseline
    sg = next(x for x in co.sigmas(cfg) if x != cfg.ge.sigma)
    s = cfg.estimated_scenarios[0].name
    d0 = inputs["deltas"][(cfg.headline.name, s)]
    bs = inputs["ge_d"].baselines[("itpde", sg)]
    beta = inputs["est"].headline(cfg).params[list(d0.columns)]
    own = solve(bs, co.cost_change(d0, beta, bs.n), deficits=an.deficit_rule).countries
    got = here[(here.dimension == "sigma") & (here.setting == f"sigma = {sg:g}") & (here.scenario == s)
               & (here.quantity == f"{cfg.focus} real GDP")]["pct_change"]
    assert got.iloc[0] == own.loc[cfg.focus, "real_gdp_full"]


def test_deficit_table_is_the_same_through_gravity_scheduler(inputs, cluster, monkeypatch):
    from distributed import get_task_stream

    from gravity.jobs.corridor import pipeline as co
    from gravity.jobs.corridor import tables as ct

    fit = inputs["est"].headline(inputs["cfg"])
    monkeypatch.delenv(ENV_SCHEDULER, raising=False)
    here = co.deficit_table(*_args(inputs, *DEF), fit, inputs["groups"], progress=False)
    monkeypatch.setenv(ENV_SCHEDULER, cluster.client.scheduler.address)
    assert co.ge_workers() is None
    with get_task_stream(client=cluster.client) as ts:
        there = co.deficit_table(*_args(inputs, *DEF), fit, inputs["groups"], progress=False)
    cfg = inputs["cfg"]
    assert len([t for t in ts.data if "deficit-rule-solves" in str(t["key"])]) == len(cfg.estimated_scenarios)
    pd.testing.assert_frame_equal(there, here, check_exact=True)
    pd.testing.assert_frame_equal(here, inputs["res"].tables.deficit_rules, check_exact=True)
    # the sequential reference for one scenario: compare_deficit_rules in this process
    b0 = inputs["ge_d"].baselines[("itpde", cfg.ge.sigma)]
    s = cfg.estimated_scenarios[-1].name
    d0 = inputs["deltas"][(cfg.headline.name, s)]
    comp = compare_deficit_rules(b0, co.cost_change(d0, fit.params[list(d0.columns)], b0.n))
    row = here[here.scenario == s].set_index("quantity")
    for rule in DEFICIT_RULES:
        ref = ct.point_summary(cfg, inputs["words"], b0, comp[comp["rule"] == rule].set_index("country"),
                               inputs["groups"])
        assert row[rule].to_dict() == ref, rule


def test_whole_run_on_a_cluster_equals_the_run_in_process(cluster, tmp_path, monkeypatch):
    """The reduced corridor run with bootstrap re-fits, GE draws and sensitivity solves all sent to a
    2-worker Dask cluster (GRAVITY_SCHEDULER) writes the same tables, bit for bit, as in this process."""
    from distributed import get_task_stream

    from gravity.jobs.corridor import pipeline as co
    from tests.test_corridor import _reduced_config

    cfg = _reduced_config()
    cfg = co.reduced(cfg, cfg.sample.countries, draws=cfg.ge.draws, bootstrap=3, years=cfg.sample.years)
    monkeypatch.delenv(ENV_SCHEDULER, raising=False)
    here = co.run(cfg, None, progress=False)
    with get_task_stream(client=cluster.client) as ts:
        monkeypatch.setenv(ENV_SCHEDULER, cluster.client.scheduler.address)
        there = co.run(cfg, None, progress=False)
    keys = " ".join(str(t["key"]) for t in ts.data)
    for kind in ("re-fit", "draw", "sensitivity-solves"):      # each kind of work ran on the cluster
        assert kind in keys, (kind, keys[:300])
    a, b = here.tables.sheets(), there.tables.sheets()
    assert list(a) == list(b)
    for name in a:
        pd.testing.assert_frame_equal(a[name], b[name], check_exact=True, obj=name)
