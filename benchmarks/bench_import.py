"""Benchmark: start-up cost of ``import gravity`` and ``gravity --help``.

Targets (issue 9): ``python -X importtime -c "import gravity"`` under 0.3 s and ``gravity --help`` under
0.5 s. Each command runs in a fresh process; *warm* is the median of 5 runs with the bytecode caches
in place, *cold* one run with an empty bytecode cache (``-X pycache_prefix`` pointing at a new empty
directory, so every module, the standard library included, is compiled again; the OS file cache stays
warm). ``python -c pass`` is measured beside them: the interpreter's own floor.

    .venv/bin/python benchmarks/bench_import.py

Writes benchmarks/results/import.md.
"""
from __future__ import annotations

import os
import platform
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "benchmarks" / "results" / "import.md"
RUNS = 5
TARGETS = {"import gravity": 0.3, "gravity --help": 0.5}


def _commands() -> dict[str, list[str]]:
    script = Path(sys.executable).with_name("gravity")
    cli = [str(script)] if script.exists() else [sys.executable, "-m", "gravity.cli"]
    return {"python -c pass": [sys.executable, "-c", "pass"],
            "import gravity": [sys.executable, "-X", "importtime", "-c", "import gravity"],
            "gravity --help": cli + ["--help"]}


def _once(cmd: list[str], pycache: str | None = None) -> tuple[float, str]:
    env = dict(os.environ)
    if pycache is not None:
        env["PYTHONPYCACHEPREFIX"] = pycache     # also honoured by the console script's interpreter
    t0 = time.perf_counter()
    res = subprocess.run(cmd, capture_output=True, text=True, env=env, cwd=tempfile.gettempdir(), check=True)
    return time.perf_counter() - t0, res.stderr


def _importtime_gravity(stderr: str) -> float:
    """Cumulative seconds of the top-level ``gravity`` import in ``-X importtime`` output."""
    for line in stderr.splitlines():
        m = re.match(r"import time:\s+\d+ \|\s+(\d+) \|\s?gravity$", line)
        if m:
            return int(m.group(1)) / 1e6
    raise RuntimeError("no 'gravity' line in the -X importtime output:\n" + stderr[-2000:])


def main() -> int:
    rows = []
    for name, cmd in _commands().items():
        _once(cmd)                                               # fill the bytecode caches
        warm = [_once(cmd) for _ in range(RUNS)]
        with tempfile.TemporaryDirectory() as empty:
            cold = _once(cmd, pycache=empty)
        wall = statistics.median(t for t, _ in warm)
        itime = (statistics.median(_importtime_gravity(e) for _, e in warm)
                 if name == "import gravity" else None)
        rows.append((name, wall, cold[0], itime))
    lines = ["# Start-up time", "",
             f"`benchmarks/bench_import.py`, {time.strftime('%Y-%m-%d %H:%M', time.gmtime())} UTC, Python "
             f"{platform.python_version()}, {os.cpu_count()} cores (shared; load average "
             f"{os.getloadavg()[0]:.1f}). Wall time of a fresh process: warm = median of {RUNS} runs with the "
             f"bytecode caches in place; cold = one run with an empty bytecode cache (every module compiled "
             f"again; OS file cache warm).", "",
             "| command | warm wall (median of 5) | cold wall (empty bytecode cache) | `-X importtime` of `gravity` (warm) | target (warm) |",
             "|---|---:|---:|---:|---:|"]
    ok = True
    for name, wall, cold, itime in rows:
        target = TARGETS.get(name)
        if target is not None:
            ok &= wall < target
        lines.append(f"| `{name}` | {wall:.3f} s | {cold:.3f} s | "
                     f"{'' if itime is None else f'{itime * 1e3:.1f} ms'} | "
                     f"{'' if target is None else f'< {target} s ' + ('met' if wall < target else 'MISSED')} |")
    lines += ["", "`import gravity` loads no submodule (PEP 562 re-exports); `gravity --help` loads typer "
              "and `gravity.cli` only: every command imports its layers inside the command."]
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text("\n".join(lines) + "\n")
    print("\n".join(lines))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
