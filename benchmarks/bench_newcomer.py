"""A newcomer's first hour on a fresh clone, measured (issue 21); writes benchmarks/results/newcomer.md.

    python benchmarks/bench_newcomer.py [--test] [--lab] [--keep]

1. ``git clone`` of this checkout's committed HEAD into a new temporary folder ``gravity-corridor``;
2. ``make install`` there (the pinned dependencies into a new ``.venv``, then the kernel warm-up);
3. each README snippet saved as a file in a folder of its own and run with ``.venv/bin/python file.py``:
   the first run right after ``make install`` ("cold") and the second ("warm");
4. each notebook run as ``python file.py`` from ``notebooks/``;
5. with ``--test``, ``make test`` (import contracts and the whole suite);
6. with ``--lab``, ``make lab`` until JupyterLab reports its address (``--allow-root`` as root), then stopped.

Wall times are of the whole process (interpreter start and imports included). The 1-minute load average
is read before and after each step. ``NUMBA_CACHE_DIR`` is removed from the environment, so the package's
own rule chooses the kernel cache, as for a user; ``GRAVITY_DATA_DIR`` is kept (default: ``../shared/data``
beside this checkout when it exists), since the clone has no ``../shared/data`` of its own.
"""
from __future__ import annotations

import argparse
import datetime
import os
import platform
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from tests.test_readme import readme_snippets  # noqa: E402  (the snippets exactly as the tests cut them)

OUT = ROOT / "benchmarks" / "results" / "newcomer.md"


def _load() -> float:
    return os.getloadavg()[0]


def _env() -> dict:
    env = {k: v for k, v in os.environ.items() if k not in ("NUMBA_CACHE_DIR", "PYTHONPATH", "VIRTUAL_ENV")}
    shared = ROOT.parent / "shared" / "data"
    if "GRAVITY_DATA_DIR" not in env and (shared / "PROVENANCE.md").exists():
        env["GRAVITY_DATA_DIR"] = str(shared)
    env["MPLBACKEND"] = "Agg"
    return env


def _step(rows: list, what: str, cmd: list[str], cwd: Path, timeout: float = 3600) -> subprocess.CompletedProcess:
    """Run ``cmd``, append (what, seconds, load before, load after, exit code, last line) to ``rows``."""
    before = _load()
    t0 = time.perf_counter()
    res = subprocess.run(cmd, cwd=cwd, env=_env(), capture_output=True, text=True, timeout=timeout)
    secs = time.perf_counter() - t0
    tail = (res.stdout.strip().splitlines() or [""])[-1]
    rows.append((what, secs, before, _load(), res.returncode, tail))
    print(f"{what}: {secs:.1f} s, exit {res.returncode}", flush=True)
    if res.returncode:
        print(res.stdout[-3000:], res.stderr[-3000:], sep="\n", file=sys.stderr)
    return res


def _lab(rows: list, clone: Path, timeout: float = 900) -> None:
    """``make lab`` until the server reports its URL; then its process group (started here) is stopped."""
    before = _load()
    t0 = time.perf_counter()
    proc = subprocess.Popen(["make", "lab"], cwd=clone, env=_env(), stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                            text=True, start_new_session=True)
    said, ok = "", False
    try:
        for line in proc.stdout:
            if re.search(r"https?://(127\.0\.0\.1|localhost):\d+/lab", line) or "is running at" in line:
                said, ok = line.strip(), True
                break
            said = line.strip() or said
            if time.perf_counter() - t0 > timeout:
                break
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=60)
    rows.append(("`make lab` (first use: installs requirements-lab.lock) until the server is up",
                 time.perf_counter() - t0, before, _load(), 0 if ok else 1, said[:120]))


def main(argv: list[str]) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--test", action="store_true", help="also time `make test`")
    ap.add_argument("--lab", action="store_true", help="also start `make lab` once")
    ap.add_argument("--keep", action="store_true", help="keep the clone")
    args = ap.parse_args(argv)

    head = subprocess.run(["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"], capture_output=True, text=True,
                          check=True).stdout.strip()
    work = Path(tempfile.mkdtemp(prefix="newcomer-"))
    clone = work / "gravity-corridor"
    scripts = work / "scripts"
    scripts.mkdir()
    rows: list = []
    started = datetime.datetime.now(datetime.timezone.utc)
    try:
        _step(rows, f"`git clone` (HEAD {head})", ["git", "clone", "-q", str(ROOT), str(clone)], work)
        _step(rows, "`make install` (venv, pinned dependencies, kernel warm-up)", ["make", "install"], clone)
        py = str(clone / ".venv" / "bin" / "python")
        for k, code in enumerate(readme_snippets((clone / "README.md").read_text()), start=1):
            f = scripts / f"snippet_{k}.py"
            f.write_text(code)
            for run in ("first run (cold)", "second run (warm)"):
                _step(rows, f"README snippet {k} as `python {f.name}`, {run}", [py, str(f)], scripts)
        for nb in sorted((clone / "notebooks").glob("*.py")):
            _step(rows, f"`python {nb.name}` (notebook as a script)", [py, nb.name], nb.parent)
        if args.test:
            res = _step(rows, "`make test` (import contracts, whole suite)", ["make", "test"], clone, timeout=7200)
            summary = [ln for ln in res.stdout.splitlines() if re.search(r"\d+ (passed|failed)", ln)]
            rows[-1] = rows[-1][:5] + ((summary or [rows[-1][5]])[-1],)
        if args.lab:
            _lab(rows, clone)
    finally:
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)
    lines = ["# A newcomer's first hour, measured on a fresh clone", "",
             f"Generated by `benchmarks/bench_newcomer.py{' --test' if args.test else ''}{' --lab' if args.lab else ''}` "
             f"on {started:%Y-%m-%d %H:%M} UTC: {platform.machine()}, {os.cpu_count()} cores shared with other "
             f"work, Python {platform.python_version()}, user id {os.getuid()}. The clone is of commit {head}, in a "
             f"new temporary folder; `NUMBA_CACHE_DIR` unset (the package chooses the clone's `.numba_cache`), "
             f"`GRAVITY_DATA_DIR` = {_env().get('GRAVITY_DATA_DIR', '(unset)')}. Each time is the wall time of the "
             "whole command (interpreter start and imports included); load = the 1-minute load average before → "
             "after the step (this benchmark's own work included).", "",
             "| step | wall time | load | exit | last line of output |", "|---|---:|---|---:|---|"]
    for what, secs, before, after, rc, tail in rows:
        lines.append(f"| {what} | {secs:.1f} s | {before:.1f} → {after:.1f} | {rc} | {tail.replace('|', '/')[:110]} |")
    OUT.write_text("\n".join(lines) + "\n")
    print(f"wrote {OUT}")
    return 1 if any(r[4] for r in rows) else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
