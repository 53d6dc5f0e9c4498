"""Benchmark: building the full Comtrade panel (all 14 waves 1964–2016) with GeoDist covariates and indicators.

Each case runs in a fresh subprocess (cold: file reads, checksum verification and parsing included) and
reports wall time and peak resident memory (``resource.getrusage`` max RSS of that process). The peer is a
plain-pandas route doing the same square merge (MultiIndex.from_product + ``merge`` for trade, pairs and the
exporter/importer indicator columns), run in the same script; the two panels are checked to agree on
``trade``, ``dist`` and every ``<x>_o`` / ``<x>_d`` column before timing is reported.

    GRAVITY_DATA_DIR=../shared/data .venv/bin/python benchmarks/bench_panel.py

Writes benchmarks/results/panel.md.
"""
from __future__ import annotations

import json
import os
import platform
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "benchmarks" / "results" / "panel.md"
CORRIDOR = ["internet", "bandwidth", "fixed_broadband", "mobile_broadband", "egdi", "lpi"]

CHILD = r"""
import json, os, resource, sys, time
t0 = time.perf_counter()
import numpy as np, pandas as pd
import gravity as gv
from gravity import data as ds
case, names = sys.argv[1], json.loads(sys.argv[2])
t_import = time.perf_counter() - t0
t1 = time.perf_counter()
trade = ds.read_comtrade_penppml()
pairs = ds.read_geodist()
ind = ds.load_indicators(names if names else list(ds.INDICATORS))
t_read = time.perf_counter() - t1
t2 = time.perf_counter()
if case == "gravity":
    p = gv.build_panel(trade, pairs=pairs, indicators=ind, drop_empty=True)
    codes = p.attrs["countries"]
else:  # plain pandas merges, same country set (the countries gravity keeps)
    codes = json.loads(sys.argv[3])
    years = sorted(trade["year"].unique())
    grid = pd.MultiIndex.from_product([years, codes, codes], names=["year", "exporter", "importer"]).to_frame(index=False)
    p = grid.merge(trade, on=["exporter", "importer", "year"], how="left")
    p = p.merge(pairs, on=["exporter", "importer"], how="left")
    wide = ind.pivot_table(index=["iso3", "year"], columns="indicator", values="value", aggfunc="first")
    wide.columns = [str(c) for c in wide.columns]
    wide = wide.reset_index()
    p = p.merge(wide.rename(columns={c: f"{c}_o" for c in wide.columns if c not in ("iso3", "year")})
                .rename(columns={"iso3": "exporter"}), on=["exporter", "year"], how="left")
    p = p.merge(wide.rename(columns={c: f"{c}_d" for c in wide.columns if c not in ("iso3", "year")})
                .rename(columns={"iso3": "importer"}), on=["importer", "year"], how="left")
t_build = time.perf_counter() - t2
t_total = time.perf_counter() - t0
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB -> MiB on Linux; before the warm rebuild
t_warm = float("nan")
if case == "gravity":   # the same call again in the same process (what a pipeline re-building pays)
    t3 = time.perf_counter()
    p2 = gv.build_panel(trade, pairs=pairs, indicators=ind, drop_empty=True)
    t_warm = time.perf_counter() - t3
    del p2
p = p.sort_values(["year", "exporter", "importer"], kind="stable").reset_index(drop=True)
cols = ["trade", "dist"] + [c for c in p.columns if c.endswith(("_o", "_d")) and not c.startswith(("landlocked", "both"))
                            and "flag" not in c]
sums = {c: float(np.nansum(p[c].to_numpy(float))) for c in cols if c in p.columns}
print(json.dumps({"case": case, "rows": len(p), "cols": p.shape[1], "countries": codes,
                  "panel_mib": float(p.memory_usage(deep=False).sum()) / 2**20,
                  "import_s": t_import, "read_s": t_read, "build_s": t_build, "warm_s": t_warm, "total_s": t_total,
                  "peak_mib": peak, "sums": sums}))
"""


def run(case: str, names: list[str], codes: list[str] | None = None) -> dict:
    env = dict(os.environ)
    env.setdefault("GRAVITY_DATA_DIR", str(ROOT.parent / "shared" / "data"))
    args = [sys.executable, "-c", CHILD, case, json.dumps(names)] + ([json.dumps(codes)] if codes else [])
    res = subprocess.run(args, cwd=ROOT, env=env, capture_output=True, text=True, check=True)
    return json.loads(res.stdout.strip().splitlines()[-1])


REPEATS = 3


def median_run(runs: list[dict]) -> dict:
    """Per-field median over repeated runs (numbers only); other fields from the first run."""
    import statistics

    out = dict(runs[0])
    for k, v in runs[0].items():
        if isinstance(v, float) and k != "sums":
            out[k] = statistics.median(r[k] for r in runs)
    return out


def first_touch_ms_per_mib() -> float:
    """Cost of writing fresh memory on this machine (page faults + zeroing), in a fresh process."""
    code = ("import numpy as np, time; t=time.perf_counter(); a=np.ones(256*2**20//8); "
            "print((time.perf_counter()-t)*1000/256)")
    return float(subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout)


def main() -> None:
    touch = first_touch_ms_per_mib()
    rows = []
    for label, names in (("corridor indicators (6)", CORRIDOR), ("whole catalogue (38 indicators)", [])):
        ours_runs, peer_runs = [], []
        for _ in range(REPEATS):   # interleaved, so both routes see the same load; medians reported
            ours_runs.append(run("gravity", names))
            peer_runs.append(run("pandas", names, ours_runs[-1]["countries"]))
        ours, peer = median_run(ours_runs), median_run(peer_runs)
        for c, v in ours["sums"].items():
            if c in peer["sums"]:
                assert abs(v - peer["sums"][c]) <= 1e-9 * max(1.0, abs(v)), (label, c, v, peer["sums"][c])
        rows.append((label, ours, peer, ours_runs, peer_runs))
        print(label, f"gravity build {ours['build_s']:.2f}s total {ours['total_s']:.2f}s peak {ours['peak_mib']:.0f} MiB;",
              f"pandas build {peer['build_s']:.2f}s peak {peer['peak_mib']:.0f} MiB", flush=True)
    lines = [
        "# Benchmark: full Comtrade panel with covariates and indicators",
        "",
        f"Machine: {platform.machine()}, {os.cpu_count()} logical CPUs (shared with other jobs), "
        f"Python {platform.python_version()}. Each case in a fresh process (cold; file reads + sha256 checks "
        f"included in *read*), {REPEATS} interleaved repetitions per route, medians reported. "
        "Panel: penppml UN Comtrade, all 14 waves 1964–2016, every country kept by "
        "`build_panel` (non-country areas and countries without a positive flow dropped), i = i rows kept, "
        "GeoDist pair covariates (12 columns), indicators as `_o`/`_d` with per-cell flags, derived variables "
        "and digital interactions. Peer: plain pandas (`MultiIndex.from_product` + `merge`, no flags, no "
        "statuses, no derived variables); both agree on `trade`, `dist` and every indicator column.",
        "",
        "| case | rows × cols (MiB) | read (s) | build (s) | build again, warm (s) | total wall incl. imports (s) | "
        "peak RSS (MiB) | pandas-merge: cols (MiB) | pandas build (s) | pandas peak (MiB) | "
        "build time ratio pandas / gravity | build ms per MiB of output, gravity / pandas |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for label, o, p, _, _ in rows:
        lines.append(f"| {label} | {o['rows']:,} × {o['cols']} ({o['panel_mib']:.0f}) | {o['read_s']:.2f} | "
                     f"{o['build_s']:.2f} | {o['warm_s']:.2f} | {o['total_s']:.2f} | {o['peak_mib']:.0f} | {p['cols']} "
                     f"({p['panel_mib']:.0f}) | {p['build_s']:.2f} | {p['peak_mib']:.0f} | "
                     f"{p['build_s'] / o['build_s']:.2f} | {1000 * o['build_s'] / o['panel_mib']:.1f} / "
                     f"{1000 * p['build_s'] / p['panel_mib']:.1f} |")
    for label, _, _, o_runs, p_runs in rows:
        g_times = ", ".join(f"{r['build_s']:.2f}" for r in o_runs)
        p_times = ", ".join(f"{r['build_s']:.2f}" for r in p_runs)
        lines.append(f"- {label}: build times of the {REPEATS} runs, gravity {g_times} s; pandas {p_times} s.")
    lines += ["", f"Writing fresh memory costs {touch:.1f} ms per MiB on this machine (256 MiB `np.ones` in a fresh "
              f"process): producing the panel's columns alone accounts for about "
              f"{rows[0][1]['panel_mib'] * touch / 1000:.1f} s of the corridor build and "
              f"{rows[1][1]['panel_mib'] * touch / 1000:.1f} s of the whole-catalogue build."]
    load = os.getloadavg()
    lines += ["", f"Load average while measuring: {load[0]:.1f} / {load[1]:.1f} / {load[2]:.1f} (1/5/15 min) on "
              f"{os.cpu_count()} CPUs — other jobs shared the machine, so absolute seconds are inflated; the "
              "ratio column compares both routes under the same load.",
              "", "Target (issue 4): under 5 s and under 2 GB on 2 cores for the full panel with all covariates "
              "and indicators. A ratio below 1 means the plain merge is faster: it also builds about half the "
              "columns (no `flow_status`, no per-cell flags, no derived variables or digital interactions).", ""]
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text("\n".join(lines))
    print(OUT.read_text())


if __name__ == "__main__":
    main()
