"""Run every benchmark, one fresh process each, and refresh benchmarks/results/*.md.

    .venv/bin/python benchmarks/run_all.py [import ppml ge panel pipeline bias scale]

Each script measures gravity against its peers (pyfixest, statsmodels, gegravity, plain pandas)
in the same run and writes its own results file; the README quotes those files. ``import`` measures
the start-up of ``import gravity`` and ``gravity --help`` against their targets.
"""
from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
SCRIPTS = {name: HERE / f"bench_{name}.py" for name in ("import", "ppml", "ge", "panel", "pipeline", "bias",
                                                        "scale")}


def main(names: list[str]) -> int:
    unknown = [n for n in names if n not in SCRIPTS]
    if unknown:
        print(f"unknown benchmark(s) {unknown}; choose from {sorted(SCRIPTS)}", file=sys.stderr)
        return 2
    failed = []
    for name in names or list(SCRIPTS):
        t0 = time.perf_counter()
        print(f"== {name}: {SCRIPTS[name].name}", flush=True)
        rc = subprocess.call([sys.executable, str(SCRIPTS[name])])
        print(f"== {name}: exit {rc} after {time.perf_counter() - t0:.0f} s", flush=True)
        if rc:
            failed.append(name)
    if failed:
        print(f"failed: {failed}", file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
