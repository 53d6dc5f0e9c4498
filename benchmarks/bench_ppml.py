"""PPML-HDFE benchmark: gravity.ppml vs pyfixest ``fepois`` (and statsmodels GLM where feasible).

Run from the project root (takes several minutes; the 1.56M-row case dominates):

    GRAVITY_DATA_DIR=../shared/data NUMBA_CACHE_DIR=.numba_cache .venv/bin/python benchmarks/bench_ppml.py

Cases: (a) Yotov et al. (2016) ch. 1 app. 1 (exporter-year + importer-year FE, clustered by pair_id);
(b) ch. 2 app. 2 three-way FE (exporter-year, importer-year, pair; robust); (c) synthetic three-way
panels, 150 countries × 20 years (447k rows) and 250 × 25 (1.556M rows), 15% zeros.

Every (case, tool) runs in a fresh subprocess: one untimed warm-up call (numba compilation or cache
load), then ``REPEATS`` timed calls; we report the median wall time, the process's peak resident
memory (``resource.getrusage(...).ru_maxrss``, data included — the same data for every tool) and
the peak above the memory held after the data were loaded, IRLS iterations, and the largest
coefficient difference from gravity. gravity runs twice: its default separation check
``("fe", "ir")`` and ``("fe",)``, the check pyfixest runs by default. statsmodels GLM with dummy
columns runs on case (a) only: the three-way case needs ~19 GB and ~460 s (issue 2), the synthetic
ones far more. Writes benchmarks/results/ppml.md.
"""
from __future__ import annotations

import importlib
import json
import os
import platform
import resource
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "benchmarks" / "results" / "ppml.md"
REPEATS = 2   # timed calls per process
ROUNDS = 2    # processes per (case, tool), interleaved across tools so load changes hit all alike
YEARS = [1986, 1990, 1994, 1998, 2002, 2006]

CASES = {
    "ch1_app1": dict(label="Yotov ch.1 app.1: exp-year + imp-year FE, cluster pair (28,152 rows)",
                     formula="trade ~ ln_DIST + CNTG + LANG + CLNY | exporter^year + importer^year",
                     cluster="pair_id"),
    "ch2_app2": dict(label="Yotov ch.2 app.2: exp-year + imp-year + pair FE, robust (28,566 rows)",
                     formula="trade ~ RTA | exporter^year + importer^year + pair_id", cluster=None),
    "synth_450k": dict(label="synthetic 150 countries x 20 years, three-way FE (447,000 rows)",
                       formula="trade ~ rta + tariff | exporter^year + importer^year + pair", cluster=None,
                       size=(150, 20)),
    "synth_1_56m": dict(label="synthetic 250 countries x 25 years, three-way FE (1,556,250 rows)",
                        formula="trade ~ rta + tariff | exporter^year + importer^year + pair", cluster=None,
                        size=(250, 25)),
}
TOOLS = ["gravity", "gravity_fe_only", "pyfixest", "statsmodels"]


def synthetic_panel(n_countries: int, n_years: int, zeros: float = 0.15, seed: int = 0) -> pd.DataFrame:
    """Square panel without domestic pairs: y = exp(10 − 0.8 ln d + 0.4 rta − 2 ln(1+tariff)
    + α_e,t + γ_m,t + u_em) · Gamma(1.5)/1.5 noise, then 15% of rows set to zero at random."""
    rng = np.random.default_rng(seed)
    c = np.arange(n_countries)
    e, i = np.meshgrid(c, c, indexing="ij")
    keep = (e != i).ravel()
    e, i = e.ravel()[keep], i.ravel()[keep]
    npair = e.size
    t = np.repeat(np.arange(n_years), npair)
    e, i = np.tile(e, n_years), np.tile(i, n_years)
    n = e.size
    pair = np.tile(np.arange(npair), n_years)
    ln_dist = rng.normal(8, 0.8, npair)[pair]
    start = rng.integers(0, 3 * n_years, npair)
    rta = (t >= start[pair]).astype(float)
    tariff = np.log1p(rng.uniform(0, 0.3, n))
    fe_e = rng.normal(0, 1, (n_countries, n_years))
    fe_i = rng.normal(0, 1, (n_countries, n_years))
    eta = 10 - 0.8 * ln_dist + 0.4 * rta - 2.0 * tariff + fe_e[e, t] + fe_i[i, t] + rng.normal(0, 0.5, npair)[pair]
    y = rng.gamma(1.5, np.exp(eta) / 1.5)
    y[rng.random(n) < zeros] = 0.0
    return pd.DataFrame({"trade": y, "exporter": e.astype(np.int32), "importer": i.astype(np.int32),
                         "year": (2000 + t).astype(np.int32), "pair": pair.astype(np.int32),
                         "rta": rta, "tariff": tariff})


def load_case(case: str) -> pd.DataFrame:
    import gravity as gv

    if case == "ch1_app1":
        d = gv.load("yotov2016/Chapter1Application1.dta")
        d = d[(d.exporter != d.importer) & d.year.isin(YEARS)].copy()
        d["ln_DIST"] = np.log(d["DIST"])
    elif case == "ch2_app2":
        d = gv.load("yotov2016/Chapter2Application2.dta")
        d = d[d.year.isin(YEARS)].copy()
    else:
        d = synthetic_panel(*CASES[case]["size"])
    return d.reset_index(drop=True)


def _rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def _current_rss_mb() -> float:
    import psutil
    return psutil.Process().memory_info().rss / 2**20


def worker(case: str, tool: str, repeats: int) -> dict:
    """Runs inside a fresh interpreter; returns timings, memory, coefficients."""
    spec = CASES[case]
    d = load_case(case)
    base = _current_rss_mb()
    f, cl = spec["formula"], spec["cluster"]
    if tool.startswith("gravity"):
        import gravity as gv

        sep = ("fe",) if tool == "gravity_fe_only" else ("fe", "ir")
        # time spent in the iterative rectifier (IR) inside each fit, for its share of the fit
        ppml_mod = importlib.import_module("gravity.estimation.ppml")
        ir_fn, ir_times = ppml_mod.iterative_rectifier, []

        def timed_ir(*a, **k):
            t = time.perf_counter()
            out = ir_fn(*a, **k)
            ir_times.append(time.perf_counter() - t)
            return out
        ppml_mod.iterative_rectifier = timed_ir

        def run():
            r = gv.ppml(f, d, cluster=cl, separation=sep)
            return r.params, r.bse, r.n_iter, r.nobs
    elif tool == "pyfixest":
        import pyfixest as pf

        def run():
            # same small-sample convention as gravity's default ("stata"): G/(G-1) or n/(n-1) only
            m = pf.fepois(f, d, vcov={"CRV1": cl} if cl else "hetero", ssc=pf.ssc(k_adj=False, G_adj=True))
            return m.coef(), m.se(), getattr(m, "_iter", None), m._N
    elif tool == "statsmodels":
        import statsmodels.api as sm

        if case != "ch1_app1":
            return {"skipped": "not run: dense dummy design infeasible (ch1_app1 alone takes minutes; "
                               "ch2_app2 needs ~19 GB / ~460 s per issue 2)"}
        slopes = ["ln_DIST", "CNTG", "LANG", "CLNY"]

        def run():
            ey = pd.get_dummies(d["exporter"] + d["year"].astype(int).astype(str), dtype=float)
            iy = pd.get_dummies(d["importer"] + d["year"].astype(int).astype(str), dtype=float)
            iy = iy.drop(columns=[c for c in iy.columns if c.startswith(sorted(d["importer"].unique())[0])])
            X = pd.concat([d[slopes].astype(float), ey, iy], axis=1)
            m = sm.GLM(d["trade"], X, family=sm.families.Poisson())
            r = m.fit(cov_type="cluster", cov_kwds={"groups": pd.factorize(d["pair_id"])[0], "use_correction": False},
                      tol=1e-8)
            G = d["pair_id"].nunique()
            return r.params[slopes], r.bse[slopes] * np.sqrt(G / (G - 1)), r.fit_history["iteration"], int(r.nobs)
    else:
        raise ValueError(tool)
    t0 = time.perf_counter()
    params, bse, iters, nobs = run()
    first = time.perf_counter() - t0
    times = [first] if tool == "statsmodels" else []  # no JIT: its single call is the timed one
    ir_per_fit = []
    for _ in range(repeats - len(times)):
        ir_before = sum(ir_times) if tool.startswith("gravity") else 0.0
        t0 = time.perf_counter()
        params, bse, iters, nobs = run()
        times.append(time.perf_counter() - t0)
        if tool.startswith("gravity"):
            ir_per_fit.append(sum(ir_times) - ir_before)
    return {"first": first, "times": times, "median": float(np.median(times)), "peak_mb": _rss_mb(),
            "ir": ir_per_fit,
            "data_mb": base, "iters": None if iters is None else int(iters), "nobs": int(nobs),
            "params": {k: float(v) for k, v in params.items()}, "bse": {k: float(v) for k, v in bse.items()}}


def spawn(case: str, tool: str, repeats: int) -> dict:
    env = dict(os.environ)
    env.setdefault("NUMBA_CACHE_DIR", str(ROOT / ".numba_cache"))
    p = subprocess.run([sys.executable, __file__, "--worker", case, tool, str(repeats)], cwd=ROOT, env=env,
                       capture_output=True, text=True)
    if p.returncode != 0:
        return {"error": p.stderr.strip().splitlines()[-1] if p.stderr.strip() else f"exit {p.returncode}"}
    return json.loads(p.stdout.strip().splitlines()[-1])


def table(results: dict) -> str:
    lines = []
    for case, spec in CASES.items():
        res = results.get(case, {})
        if not res:
            continue
        ref = res.get("gravity", {})
        lines += ["", f"### {spec['label']}", "", f"`{spec['formula']}`" + (f", cluster `{spec['cluster']}`" if spec["cluster"] else ""), "",
                  "| tool | median s (%d runs) | first call s | peak RSS MB | peak − data MB | IRLS iter. | nobs | max abs coef diff vs gravity | max rel SE diff |" % (REPEATS * ROUNDS),
                  "|---|---|---|---|---|---|---|---|---|"]
        for tool in TOOLS:
            r = res.get(tool)
            if r is None:
                continue
            if "skipped" in r or "error" in r:
                lines.append(f"| {tool} | {r.get('skipped') or 'error: ' + r['error']} | | | | | | | |")
                continue
            if "params" in ref and tool != "gravity":
                common = [k for k in ref["params"] if k in r["params"]]
                dmax = max(abs(r["params"][k] - ref["params"][k]) for k in common)
                smax = max(abs(r["bse"][k] / ref["bse"][k] - 1) for k in common)
                diff, sdiff = f"{dmax:.1e}", f"{smax:.1e}"
            else:
                diff, sdiff = "—", "—"
            lines.append(f"| {tool} | {r['median']:.3f} | {r['first']:.2f} | {r['peak_mb']:.0f} | {r['peak_mb'] - r['data_mb']:.0f} | "
                         f"{r['iters'] if r['iters'] is not None else 'n/a'} | {r['nobs']} | {diff} | {sdiff} |")
        g, p = res.get("gravity", {}), res.get("pyfixest", {})
        gf = res.get("gravity_fe_only", {})
        if g.get("ir") and any(g["ir"]):
            ir, fit = np.asarray(g["ir"]), np.asarray(g["times"])
            lines += ["", f"Separation check: the iterative rectifier took **{np.median(ir):.3f} s** per fit (median of "
                      f"{ir.size}), a median **{np.median(ir / fit):.0%}** of gravity's default fit."]
        if "median" in g and "median" in p:
            lines += ["", f"Speed-up vs pyfixest: **{p['median'] / g['median']:.2f}×** with gravity's default separation check "
                      f"(fe + iterative rectifier)" + (f", **{p['median'] / gf['median']:.2f}×** with the same check as pyfixest (fe)"
                                                       if "median" in gf else "") +
                      f"; peak memory ratio gravity/pyfixest {g['peak_mb'] / p['peak_mb']:.2f}."]
        lines.append("")
    return "\n".join(lines)


def main(cases=None, reuse_statsmodels=False):
    """Run every case; with ``reuse_statsmodels`` the statsmodels rows are taken from the previous
    results/ppml.json (its single ch1_app1 fit takes minutes) and the other tools are re-run."""
    import numba
    import pyfixest
    import statsmodels

    cases = cases or list(CASES)
    saved = json.loads(OUT.with_suffix(".json").read_text()) if OUT.with_suffix(".json").exists() else {}
    old = saved if reuse_statsmodels else {}
    # cases not re-run this time keep their previous rows (the header says which cases were re-timed)
    kept = [k for k in CASES if k not in cases]
    results: dict = {k: v for k, v in saved.items() if k in kept}
    for case in cases:
        results[case] = {}
        for rnd in range(ROUNDS):
            for tool in TOOLS:
                if tool == "statsmodels" and rnd > 0:
                    continue
                if tool == "statsmodels" and case in old and "statsmodels" in old[case]:
                    results[case][tool] = dict(old[case]["statsmodels"], reused=True)
                    continue
                reps = 1 if tool == "statsmodels" else REPEATS
                print(f"{case:12s} round {rnd} {tool:16s} ...", end=" ", flush=True)
                r = spawn(case, tool, reps)
                print(r.get("median", r.get("skipped", r.get("error"))), flush=True)
                prev = results[case].get(tool)
                if prev is None or "times" not in prev or "times" not in r:
                    results[case][tool] = r if prev is None or "times" in r else prev
                    continue
                prev["times"] += r["times"]
                prev["ir"] = prev.get("ir", []) + r.get("ir", [])
                prev["median"] = float(np.median(prev["times"]))
                prev["peak_mb"] = max(prev["peak_mb"], r["peak_mb"])
                prev["data_mb"] = min(prev["data_mb"], r["data_mb"])
    pm = saved.get("_meta") or {}
    # the run the kept cases come from: the saved run if it timed them, else the run it kept them from
    kept_from = pm.get("previous") if pm.get("cases") and not set(kept) & set(pm["cases"]) else pm
    results["_meta"] = {"time": time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime()), "load": os.getloadavg()[0],
                        "cases": cases,
                        "previous": {k: kept_from[k] for k in ("time", "load")} if kept_from else None}
    render(results)


def render(results: dict) -> None:
    meta = results.get("_meta", {"time": time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime()),
                                 "load": os.getloadavg()[0]})
    import numba
    import pyfixest
    import statsmodels

    head = [
        "# PPML-HDFE benchmark: gravity vs pyfixest vs statsmodels",
        "",
        f"Generated by `benchmarks/bench_ppml.py` (run finished {meta['time']}); "
        f"{platform.processor() or platform.machine()}, {os.cpu_count()} cores "
        f"(1-minute load average at the end {meta['load']:.1f}, this benchmark's processes included), numba {numba.__version__} "
        f"({numba.config.NUMBA_NUM_THREADS} threads), pyfixest {pyfixest.__version__} (numba demeaner), "
        f"statsmodels {statsmodels.__version__}." +
        (f" This run re-timed {', '.join(meta['cases'])}; the other cases are kept from the previous run"
         + (f" ({meta['previous']['time']}, load average {meta['previous']['load']:.1f})" if meta.get("previous") else "")
         + "." if set(meta.get("cases", CASES)) != set(CASES) else ""),
        "",
        f"Each (case, tool) ran in {ROUNDS} fresh processes, interleaved with the other tools (the machine is "
        f"shared, so load changes hit every tool alike): one warm-up call per process (\"first call\": JIT "
        f"compilation or cache load), then {REPEATS} timed calls; the median is over all {REPEATS * ROUNDS}. Peak RSS is the whole process (data included); \"peak − data\" "
        "subtracts the resident memory after the data were loaded. Coefficient and SE differences are "
        "against gravity's default run. statsmodels: GLM Poisson with dummy columns, one timed run, clustered "
        "SEs scaled by G/(G−1) to match; infeasible on the other cases" +
        (" (its ch1_app1 row is reused from the previous run of this script, same data and code path)"
         if any(r.get("statsmodels", {}).get("reused") for r in results.values()) else "") +
        ". Tolerances: gravity tol=1e-8 (deviance and β), pyfixest iwls_tol=1e-8 (its default); "
        "pyfixest runs with ssc(k_adj=False, G_adj=True), the same small-sample convention as "
        "gravity's default (G/(G−1) clustered, n/(n−1) robust), so SE differences are numerical.",
        "",
    ]
    OUT.parent.mkdir(parents=True, exist_ok=True)
    notes = [
        "", "### Notes", "",
        "- gravity's default separation check adds the iterative rectifier (Correia, Guimarães & Zylkin "
        "2019) to the all-zero-group rule; pyfixest runs the latter only by default. Both rows are shown.",
        "- ch2_app2 robust SE: gravity 0.055771 equals the published value (Yotov et al. 2016) to its "
        "6 digits; pyfixest's 0.0557700 differs in the 6th digit (its inner tolerance).",
        "- Coefficient differences are at machine precision in every case (< 1e-11 absolute).",
        "- The iterative rectifier's time is measured inside each timed fit (the call is wrapped), not as the "
        "difference of the two gravity rows: on a shared machine that difference carries the noise of two medians "
        "(the previous run's 1.56M rows read 9.207 − 5.962 = 3.2 s, while the check itself, timed in one process "
        "interleaved with the fits, took 0.6–1.5 s depending on load). Since issue 12 it solves its weighted least "
        "squares by LSMR with the design applied matrix-free (numba kernels; the n × (p + K) sparse matrix and its "
        "temporaries are no longer built): in one process on the 1.56M panel, interleaved, 0.56 → 0.40 s per check "
        "on a quiet machine and 1.47 → 1.25 s (20% → 18% of the fit) at load 2.5–3; coefficients bit-identical.",
    ]
    OUT.write_text("\n".join(head) + table(results) + "\n".join(notes) + "\n")
    (OUT.with_suffix(".json")).write_text(json.dumps(results, indent=1))
    print(f"wrote {OUT}")


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "--worker":
        print(json.dumps(worker(sys.argv[2], sys.argv[3], int(sys.argv[4]))))
    else:
        args = [a for a in sys.argv[1:] if not a.startswith("--")]
        if "--report-only" in sys.argv:  # re-render the markdown from results/ppml.json
            render(json.loads(OUT.with_suffix(".json").read_text()))
        else:
            main(args or None, reuse_statsmodels="--reuse-statsmodels" in sys.argv)
