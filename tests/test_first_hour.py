"""A new user's first hour (issue 14): one data-directory rule, `gravity data`, a warm numba cache after
install, readers that print nothing, progress bars that say what they count."""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
import warnings
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from gravity.cli import app
from gravity.data import registry
from tests.conftest import require_data

ROOT = Path(__file__).resolve().parents[1]
KEY = "ppmlhdfe-separation/01.csv"


@pytest.fixture
def bare(tmp_path, monkeypatch):
    """No rule but the last applies: no GRAVITY_DATA_DIR, empty config dirs, a package outside any
    checkout, a working directory with no ../shared/data, HOME in tmp."""
    monkeypatch.delenv("GRAVITY_DATA_DIR", raising=False)
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    site = tmp_path / "site-packages" / "gravity" / "data"
    monkeypatch.setattr(registry, "__file__", str(site / "registry.py"))
    work = tmp_path / "work" / "project"
    work.mkdir(parents=True)
    monkeypatch.chdir(work)
    return tmp_path


def _toml(file: Path, folder: str) -> Path:
    file.parent.mkdir(parents=True, exist_ok=True)
    file.write_text(f'[data]\ndir = "{folder}"\n')
    return file


def test_rule_4_download_cache(bare):
    d = registry.data_dir()
    assert d.rule == "download cache" and d.path == bare / "home" / ".cache" / "gravity"
    assert registry.cache_dir() == d.path


def test_rule_3_shared_data_beside_the_working_directory(bare):
    (bare / "work" / "shared" / "data").mkdir(parents=True)
    d = registry.data_dir()
    assert d.rule == "../shared/data" and d.path == bare / "work" / "shared" / "data"
    assert "working directory" in d.origin


def test_rule_3_shared_data_beside_the_source_checkout(bare, monkeypatch):
    clone = bare / "clones" / "gravity"
    (clone / "gravity" / "data").mkdir(parents=True)
    (clone / "pyproject.toml").write_text("")
    (bare / "clones" / "shared" / "data").mkdir(parents=True)
    monkeypatch.setattr(registry, "__file__", str(clone / "gravity" / "data" / "registry.py"))
    d = registry.data_dir()
    assert d.path == bare / "clones" / "shared" / "data" and "source checkout" in d.origin


def test_rule_2_user_config_then_working_directory_config(bare):
    (bare / "work" / "shared" / "data").mkdir(parents=True)  # rule 3 would apply: rule 2 comes first
    user = _toml(bare / "config" / "gravity" / "gravity.toml", str(bare / "user-data"))
    d = registry.data_dir()
    assert (d.rule, d.path) == ("gravity.toml", bare / "user-data") and str(user) in d.origin
    _toml(Path.cwd() / "gravity.toml", "../relative-data")  # relative to the file that names it
    d = registry.data_dir()
    assert d.path == bare / "work" / "relative-data" and str(Path.cwd() / "gravity.toml") in d.origin


def test_rule_1_environment_beats_everything(bare, monkeypatch):
    _toml(Path.cwd() / "gravity.toml", "elsewhere")
    (bare / "work" / "shared" / "data").mkdir(parents=True)
    monkeypatch.setenv("GRAVITY_DATA_DIR", str(bare / "env-data"))
    d = registry.data_dir()
    assert (d.rule, d.path) == ("GRAVITY_DATA_DIR", bare / "env-data")
    monkeypatch.setenv("GRAVITY_DATA_DIR", "  ")  # empty counts as unset
    assert registry.data_dir().rule == "gravity.toml"


@pytest.mark.parametrize("text, says", [("[data\ndir=", "not valid TOML"), ("[data]\nfolder = 'x'\n", r"no \[data\] dir")])
def test_bad_config_names_the_file_and_the_fix(bare, text, says):
    (Path.cwd() / "gravity.toml").write_text(text)
    with pytest.raises(registry.DataConfigError, match=says) as err:
        registry.data_dir()
    assert str(Path.cwd() / "gravity.toml") in str(err.value) and 'dir = "/path/to/data"' in str(err.value)


def test_status_and_the_cli_report_each_file(tmp_path, monkeypatch):
    (good,) = require_data(KEY)
    monkeypatch.setenv("GRAVITY_DATA_DIR", str(tmp_path))
    (tmp_path / "ppmlhdfe-separation").mkdir()
    shutil.copy(good, tmp_path / KEY)
    (tmp_path / "ppmlhdfe-separation" / "02.csv").write_text("y,x\n1,2\n")  # wrong bytes
    st = registry.status(["ppmlhdfe-separation"], verify=True).set_index("key")["status"]
    assert len(st) == 12 and st[KEY] == "verified" and st["ppmlhdfe-separation/02.csv"] == "mismatch"
    assert (st.drop([KEY, "ppmlhdfe-separation/02.csv"]) == "missing").all()
    assert registry.status(KEY)["status"].tolist() == ["found"]

    res = CliRunner().invoke(app, ["data", "ppmlhdfe-separation", "--verify"])
    lines = res.output.splitlines()
    assert res.exit_code == 1, res.output  # a file failed its sha256
    assert lines[0] == f"data directory: {tmp_path.resolve()}"
    assert lines[1] == "  chosen by rule 1 (GRAVITY_DATA_DIR): environment variable GRAVITY_DATA_DIR"
    assert any(ln.startswith("verified") and KEY in ln for ln in lines)
    assert any(ln.startswith("mismatch") and "gravity data --fetch" in ln for ln in lines)
    assert "12 files: 10 missing, 1 verified, 1 mismatch" in res.output
    assert "`gravity data --fetch` downloads the missing files" in res.output

    res = CliRunner().invoke(app, ["data", KEY])
    assert res.exit_code == 0 and "1 files: 1 found" in res.output and "--verify" in res.output
    res = CliRunner().invoke(app, ["data", "no-such-source"])
    assert res.exit_code == 2 and "unknown dataset 'no-such-source'" in res.output


def test_missing_file_message_points_to_gravity_data(tmp_path, monkeypatch):
    monkeypatch.setenv("GRAVITY_DATA_DIR", str(tmp_path))
    with pytest.raises(registry.DataUnavailableError) as err:
        registry.path(KEY, download=False)
    assert "gravity data --fetch" in str(err.value) and str(tmp_path) in str(err.value)


def test_xls_is_read_with_calamine_silently():
    # the values are checked against the independent .rda copy in tests/test_datasets.py
    require_data("cepii-geodist/geo_cepii.xls")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        ours = registry.load("cepii-geodist/geo_cepii.xls")
    assert ours.shape == (238, 34)


def test_itpde_reader_prints_no_rdata_warning():
    require_data("itpd-e-aggregated/itpd_aggregated.rds", "itpd-e-aggregated/country_list.RData")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        obj = registry.read_r(registry.path("itpd-e-aggregated/country_list.RData"), rds=False)
    assert "country_list" in obj


def test_progress_bars_name_the_scenario_and_the_draw_kind(capsys):
    from gravity._warmup import _panel
    from gravity.estimation.ppml import ppml
    from gravity.ge.baseline import Baseline, trade_costs
    from gravity.ge.uncertainty import confidence_intervals

    one = _panel(n=5, years=(2000,))
    fit = ppml("trade ~ ln_DIST + INTL_BRDR | exporter + importer", one)
    base = Baseline.from_trade(one, sigma=5, costs=trade_costs(one, fit.params), reference="C00")
    scen = one.assign(INTL_BRDR=0.0)
    u = confidence_intervals(base, lambda b: trade_costs(scen, b) / trade_costs(one, b), fit=fit, draws=3,
                             seed=0, progress=True, label="scenario (b), sigma=5")
    err = capsys.readouterr().err
    assert u.n_draws == 3 and "GE draws, scenario (b), sigma=5: parametric" in err


def test_after_the_warm_up_nothing_compiles(tmp_path):
    """A fresh NUMBA_CACHE_DIR, `python -m gravity._warmup`, then every README snippet in a new process: every
    kernel they call is loaded from the cache (no cache miss), as `make install` promises."""
    from tests.test_readme import readme_snippets

    snippets = readme_snippets()
    require_data(*[k for k in registry.REGISTRY if any(k in code for code in snippets)])
    env = {**os.environ, "NUMBA_CACHE_DIR": str(tmp_path / "numba"), "OPENBLAS_NUM_THREADS": "1", "MPLBACKEND": "Agg"}
    subprocess.run([sys.executable, "-m", "gravity._warmup"], env=env, cwd=ROOT, check=True, capture_output=True)
    (tmp_path / "snippets.py").write_text("\n".join(snippets))
    count = """
import runpy
from numba.core.dispatcher import Dispatcher
runpy.run_path("snippets.py")
import gravity.estimation._kernels as ek, gravity.ge._kernels as gk, gravity.ge._ms_kernels as mk
ks = {f"{m.__name__}.{n}": f for m in (ek, gk, mk) for n, f in vars(m).items() if isinstance(f, Dispatcher)}
print(sum(sum(f.stats.cache_hits.values()) for f in ks.values()), [n for n, f in ks.items() if sum(f.stats.cache_misses.values())])
"""
    out = subprocess.run([sys.executable, "-c", count], env=env, cwd=tmp_path, check=True, capture_output=True,
                         text=True).stdout.splitlines()[-1]
    hits, missed = out.split(" ", 1)
    assert int(hits) >= 5 and missed == "[]", out


# --- issue 21: one kernel cache for every entry point; progress bars that log as lines ----------------------

def test_kernel_cache_rule(tmp_path, monkeypatch):
    from gravity import _numba_cache as nc

    monkeypatch.delenv("NUMBA_CACHE_DIR", raising=False)
    assert nc.cache_dir() == (ROOT / ".numba_cache", "source checkout")
    monkeypatch.setattr(nc, "__file__", str(tmp_path / "site-packages" / "gravity" / "_numba_cache.py"))
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert nc.cache_dir() == (tmp_path / "xdg" / "gravity" / "numba", "user cache")
    monkeypatch.delenv("XDG_CACHE_HOME")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert nc.cache_dir()[0] == tmp_path / "home" / ".cache" / "gravity" / "numba"
    monkeypatch.setenv("NUMBA_CACHE_DIR", str(tmp_path / "mine"))
    assert nc.cache_dir() == (tmp_path / "mine", "NUMBA_CACHE_DIR")


@pytest.mark.parametrize("first", ["import gravity.estimation._kernels", "import numba; import gravity"])
def test_every_entry_point_reads_the_clone_cache(first, tmp_path):
    """With NUMBA_CACHE_DIR unset, a script in another folder (numba imported before gravity or not) and
    `python -m gravity._warmup` (what `make install` runs) use the same folder: the clone's .numba_cache."""
    env = {k: v for k, v in os.environ.items() if k != "NUMBA_CACHE_DIR"}
    code = f"{first}\nimport numba.core.config as c, os\nprint(c.CACHE_DIR, os.environ['NUMBA_CACHE_DIR'])"
    out = subprocess.run([sys.executable, "-c", code], env=env, cwd=tmp_path, check=True, capture_output=True,
                         text=True).stdout.split()
    assert out == [str(ROOT / ".numba_cache")] * 2
    from gravity import _numba_cache

    assert _numba_cache.CHOSEN is not None


def test_progress_bar_writes_lines_when_not_a_terminal():
    import io

    from gravity._progress import progress_bar

    class Tty(io.StringIO):
        def isatty(self):
            return True

    log, tty = io.StringIO(), Tty()
    for stream in (log, tty):
        bar = progress_bar(total=4, desc="GE draws", unit="draw", file=stream)
        for _ in range(4):
            bar.update(1)
        bar.close()
    lines = log.getvalue().splitlines()
    assert "\r" not in log.getvalue() and lines[0].startswith("GE draws: 0% (0/4 draw)")
    assert lines[-1].startswith("GE draws: 100% (4/4 draw)") and len(lines) == 2   # start and end only
    assert "\r" in tty.getvalue()         # on a terminal, the classic redrawn bar
    unknown = io.StringIO()
    for _ in progress_bar(iter(range(3)), desc="files", unit="file", file=unknown):
        pass
    assert unknown.getvalue().splitlines()[-1].startswith("files: 3 file [")
