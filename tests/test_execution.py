"""The execution layer (gravity.execution): in-process, a Dask LocalCluster, any Dask cluster.

Invariant: the bootstrap table and the GE draws (and so every quantile) are bit-identical in-process, on
one worker and on two (each task takes its random stream from its index; each draw is solved on its
own). Data: Yotov et al. (2016) ch. 2, trade without borders (2006, σ = 7), as in test_ge_book.py.
"""
from __future__ import annotations

import os
import time

import numpy as np
import pandas as pd
import pytest

import gravity as gv
from gravity import data as datasets
from gravity import execution
from gravity.execution import ENV_SCHEDULER, ExecutionError, get_executor
from gravity.ge import Baseline, confidence_intervals, pair_bootstrap, pooled_intervals, ppml_refit, trade_costs
from tests.conftest import require_data, run_script

COSTS = ["ln_DIST", "CNTG", "INTL_BRDR"]
FORMULA = "trade ~ ln_DIST + CNTG + INTL_BRDR | exporter + importer"


@pytest.fixture(scope="module")
def app():
    require_data("yotov2016/Chapter2Application1.dta")
    d = datasets.load("yotov2016/Chapter2Application1.dta")
    x = d[d["year"] == 2006].copy()
    x["ln_DIST"] = np.log(x["DIST"])
    x["INTL_BRDR"] = (x["exporter"] != x["importer"]).astype(float)
    x["pair"] = [min(a, b) + "-" + max(a, b) for a, b in zip(x.exporter, x.importer)]
    fit = gv.ppml(FORMULA, x, cluster="pair")
    base = Baseline.from_trade(x, sigma=7.0, costs=trade_costs(x, fit.params[COSTS]), reference="DEU")
    x0 = x.assign(INTL_BRDR=0.0)
    scenario = lambda b: trade_costs(x0, b[COSTS]) / trade_costs(x, b[COSTS])  # noqa: E731 (a closure: cloudpickled)
    variants = [(f"sigma={s:g}", Baseline.from_trade(x, sigma=s, costs=base.costs, reference="DEU"))
                for s in (7.0, 5.0)]
    return dict(data=x, fit=fit, base=base, scenario=scenario, variants=variants)


@pytest.fixture(scope="module")
def clusters():
    """One LocalCluster of 1 worker and one of 2, shared by the module, closed at its end."""
    ex = {1: get_executor(workers=1, mode="local"), 2: get_executor(workers=2, mode="local")}
    yield ex
    execution.shutdown()


def _run(app, executor):
    refit = ppml_refit(FORMULA, COSTS)
    boot = pair_bootstrap(app["data"], refit, cluster="pair", draws=3, seed=5, progress=False, executor=executor)
    kw = dict(fit=app["fit"], coefficients=COSTS, draws=12, seed=3, chunk=4, progress=False, executor=executor)
    ci = confidence_intervals(app["base"], app["scenario"], sigma=(4.0, 8.0), **kw)
    pooled = pooled_intervals(app["variants"], app["scenario"], **kw)
    return boot, ci, pooled


def test_worker_count_does_not_change_any_number(app, clusters):
    runs = {"in-process": _run(app, get_executor(workers=0))}
    for n, ex in clusters.items():
        assert ex.kind == "local" and len(ex.client.scheduler_info()["workers"]) == n
        runs[f"{n} workers"] = _run(app, ex)
    boot0, ci0, pooled0 = runs.pop("in-process")
    assert boot0.betas.notna().all().all() and ci0.n_failed == 0 and pooled0.n_failed == 0
    # the bootstrap spread is of the order of the PPML (pair-clustered) standard error: real re-fits
    assert (boot0.betas.std() > 0.05 * app["fit"].bse[COSTS]).all()
    for name, (boot, ci, pooled) in runs.items():
        pd.testing.assert_frame_equal(boot.betas, boot0.betas, check_exact=True, obj=name)
        np.testing.assert_array_equal(ci.draws, ci0.draws, err_msg=name)
        np.testing.assert_array_equal(pooled.draws, pooled0.draws, err_msg=name)
        pd.testing.assert_frame_equal(ci.countries, ci0.countries, check_exact=True, obj=name)
        pd.testing.assert_frame_equal(pooled.variant_table("real_gdp_full"), pooled0.variant_table("real_gdp_full"),
                                      check_exact=True, obj=name)


def _where(item, shared):
    time.sleep(0.05)
    return item * shared, os.getpid(), os.environ.get("NUMBA_NUM_THREADS"), os.environ.get("OPENBLAS_NUM_THREADS")


def test_map_keeps_input_order_and_workers_run_single_threaded(clusters):
    out = clusters[2].map(_where, list(range(12)), shared=3, desc="test tasks", progress=False)
    assert [o[0] for o in out] == [3 * k for k in range(12)]
    pids = set(clusters[2].client.run(os.getpid).values())
    assert {o[1] for o in out} == pids and len(pids) == 2 and os.getpid() not in pids
    assert {o[2:] for o in out} == {("1", "1")}
    # the process's LocalCluster is reused, not started again
    assert get_executor(workers=2, mode="local").client is clusters[2].client


def test_inprocess_modes(clusters):
    for ex in (get_executor(workers=0), get_executor(mode="inprocess"), get_executor(workers=1)):
        assert ex.kind == "inprocess" and ex.client is None
        assert {o[1] for o in ex.map(_where, [1, 2], shared=2, progress=False)} == {os.getpid()}
    # auto: tiny jobs stay in this process, real ones go to the cluster
    auto = get_executor(workers=2)
    assert auto.kind == "local" and auto.auto
    assert {o[1] for o in auto.map(_where, [1, 2, 3], shared=1, progress=False, tiny=True)} == {os.getpid()}
    assert os.getpid() not in {o[1] for o in auto.map(_where, [1, 2, 3], shared=1, progress=False)}
    with pytest.raises(ExecutionError, match="mode must be one of"):
        get_executor(mode="threads")
    with pytest.raises(ExecutionError, match="workers must be 0"):
        get_executor(workers=-1)
    with pytest.raises(ExecutionError, match="sizes has 1 entries for 2 tasks"):
        auto.map(_where, [1, 2], shared=1, sizes=[1], progress=False)


def test_passed_in_client_is_used(app, clusters):
    from distributed import Client

    client = Client(clusters[1].client.scheduler.address, set_as_default=False)
    try:
        ex = get_executor(client)
        assert ex.kind == "cluster" and ex.client is client
        out = ex.map(_where, [1, 2, 3], shared=1, progress=False)
        assert {o[1] for o in out} == set(clusters[1].client.run(os.getpid).values())
    finally:
        client.close()


def test_gravity_scheduler_is_honoured(app, clusters, monkeypatch):
    address = clusters[2].client.scheduler.address
    monkeypatch.setenv(ENV_SCHEDULER, address)
    ex = get_executor()
    assert ex.kind == "cluster" and ex.client.scheduler.address == address
    out = ex.map(_where, list(range(6)), shared=1, progress=False)
    assert {o[1] for o in out} <= set(clusters[2].client.run(os.getpid).values())
    # the library's fan-out functions pick it up without being told (tiny jobs included)
    boot = pair_bootstrap(app["data"], ppml_refit(FORMULA, COSTS), cluster="pair", draws=2, seed=5,
                          progress=False)
    ref = pair_bootstrap(app["data"], ppml_refit(FORMULA, COSTS), cluster="pair", draws=2, seed=5,
                         progress=False, executor=get_executor(workers=0))
    pd.testing.assert_frame_equal(boot.betas, ref.betas, check_exact=True)
    # in-process on request, whatever the environment says
    assert get_executor(workers=0).kind == "inprocess"


def test_unreachable_scheduler_names_address_and_fix(monkeypatch):
    with pytest.raises(ExecutionError, match=r"tcp://127\.0\.0\.1:9'.*the scheduler argument.*dask scheduler"):
        get_executor(scheduler="tcp://127.0.0.1:9", timeout=0.5)
    monkeypatch.setenv(ENV_SCHEDULER, "tcp://127.0.0.1:9")
    with pytest.raises(ExecutionError, match=f"environment variable {ENV_SCHEDULER}.*unset {ENV_SCHEDULER}"):
        get_executor(timeout=0.5)


# --- scripts are safe by default (issue 21): worker processes re-run the main script ----------------------

_FANOUT = """import os
from gravity.execution import get_executor
ex = get_executor(workers=2, mode={mode!r})
first = ex.map(lambda i: os.getpid(), [1, 2, 3], progress=False)
second = ex.map(lambda i: os.getpid(), [1, 2, 3], progress=False)
print(set(first) | set(second) == {{os.getpid()}})
"""


def test_unguarded_script_runs_in_this_process_said_once(tmp_path):
    """A job sized for workers, called at a script's top level: it runs here, with one log line, instead
    of starting workers that re-run the script."""
    script = tmp_path / "fanout.py"
    script.write_text(_FANOUT.format(mode="auto"))
    res = run_script(script, tmp_path, timeout=120)
    assert res.returncode == 0, res.stderr
    assert res.stdout.split() == ["True"]
    said = [ln for ln in res.stderr.splitlines() if "running in this process" in ln]
    assert len(said) == 1 and f"{script} makes this call at line 4" in said[0]
    assert 'if __name__ == "__main__":' in said[0]


def test_unguarded_script_asking_for_a_local_cluster_stops_with_one_line(tmp_path):
    script = tmp_path / "fanout.py"
    script.write_text(_FANOUT.format(mode="local"))
    res = run_script(script, tmp_path, timeout=120)
    last = res.stderr.strip().splitlines()[-1]
    assert res.returncode == 1 and "bootstrapping phase" not in res.stderr
    assert last.startswith("gravity.execution.ExecutionError: cannot start Dask worker processes: the script")
    assert 'if __name__ == "__main__":' in last and "workers=0" in last


_HAZARD = "from gravity.execution import spawn_hazard\nprint(repr(spawn_hazard()))\n"


def test_spawn_hazard_reads_what_a_worker_would_rerun(tmp_path):
    guarded = tmp_path / "guarded.py"
    guarded.write_text("from gravity.execution import spawn_hazard\n\n\ndef main():\n    print(repr(spawn_hazard()))\n\n\n"
                       "if __name__ == '__main__':\n    main()\n")
    assert run_script(guarded, tmp_path).stdout.strip() == "''"
    assert run_script(None, tmp_path, "-c", _HAZARD).stdout.strip() == "''"          # nothing to re-run
    stdin = run_script(None, tmp_path, "-", stdin=_HAZARD).stdout
    assert "cannot be read back" in stdin
    pkg = tmp_path / "mypkg"
    pkg.mkdir()
    (pkg / "__init__.py").write_text("")
    (pkg / "job.py").write_text(_HAZARD)
    as_module = run_script(None, tmp_path, "-m", "mypkg.job").stdout
    assert f"{pkg / 'job.py'} makes this call at line 2" in as_module
    # under pytest (a guarded __main__) workers may be started
    assert execution.spawn_hazard() == ""
