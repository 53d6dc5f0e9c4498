"""Shared fixtures.

Data files come through the project's cache (``GRAVITY_DATA_DIR``; the Makefile points it at
../shared/data when that exists). ``require(key)`` returns a local path or, when the file can be
neither found nor downloaded, fails under CI (``CI=true``) and skips elsewhere with the reason.
"""
from __future__ import annotations

import os
from pathlib import Path

import pytest

SHARED = Path(__file__).resolve().parents[1].parent / "shared" / "data"
if not os.environ.get("GRAVITY_DATA_DIR") and (SHARED / "PROVENANCE.md").exists():
    os.environ["GRAVITY_DATA_DIR"] = str(SHARED)
os.environ.setdefault("MPLBACKEND", "Agg")

from gravity import data as datasets  # noqa: E402


def _require(key: str) -> Path:
    try:
        return datasets.path(key)
    except datasets.DataUnavailableError as exc:
        if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
            pytest.fail(f"required data missing under CI: {exc}")
        pytest.skip(f"data unavailable: {exc}")


@pytest.fixture
def require():
    """``require("yotov2016/Chapter1Application1.dta")`` -> Path (or skip/fail as documented)."""
    return _require


def require_data(*keys: str) -> list[Path]:
    """Module-level helper for tests and fixtures that need several files."""
    return [_require(k) for k in keys]


def run_script(script: Path, cwd: Path, *args: str, stdin: str | None = None, timeout: float = 900):
    """``python script [args]`` in a fresh process, as a user runs a file (not under pytest's ``__main__``).

    The environment is this one (the data folder included) with the Agg backend; a hang fails the test
    after ``timeout`` seconds instead of blocking the suite. Returns the CompletedProcess (text output).
    """
    import subprocess
    import sys

    env = {**os.environ, "MPLBACKEND": "Agg"}
    cmd = [sys.executable, *([str(script)] if script is not None else []), *args]
    return subprocess.run(cmd, cwd=cwd, env=env, input=stdin, capture_output=True, text=True, timeout=timeout)
