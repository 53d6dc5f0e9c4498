"""ITPD-E's long file streamed by industry (issue 12): one pass into a dataset partitioned by industry,
industries read one at a time, and per-industry PPML from the dataset on the workers.

Invariants: each industry read back equals ``read_itpde(file, by_industry=True)`` for that industry (an
independent, whole-file reader); fits from the source equal fits on the concatenated frame, in-process and
on a LocalCluster; the conversion's peak memory does not grow with the file.
"""
from __future__ import annotations

import json
import os
import pickle
import re
import subprocess
import sys
import zipfile
from pathlib import Path

import pandas as pd
import pytest

import gravity as gv
from gravity.data import IndustrySource, itpde_to_dataset, read_itpde
from gravity.estimation.by_group import fit_by
from gravity.estimation.ppml import ppml
from gravity.execution import get_executor
from tests.itpde_synthetic import add_ln_dist, write_itpde_csv

FIX = Path(__file__).parent / "fixtures" / "ITPD_E_R02.csv"
ROOT = Path(__file__).resolve().parents[1]
FORMULA = "trade ~ ln_dist | exporter^year + importer^year"


def _by_industry(file) -> dict[int, pd.DataFrame]:
    ref = read_itpde(file, by_industry=True)
    return {int(k): g.reset_index(drop=True) for k, g in ref.groupby("industry_id")}


# ------------------------------------------------------------------------------------- (a) round trip
def test_fixture_round_trip_csv_and_zip(tmp_path):
    ref = _by_industry(FIX)
    z = tmp_path / "ITPD_E_R02.zip"
    with zipfile.ZipFile(z, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        zf.write(FIX, "ITPD_E_R02.csv")
    for src in (FIX, z):
        dest = itpde_to_dataset(src, tmp_path / f"ds_{src.suffix[1:]}")
        s = IndustrySource(dest)
        assert s.by == "industry_id" and s.levels() == sorted(ref) == [1, 36]
        for lev in s.levels():
            got = s.read(lev)
            assert list(got.columns) == gv.data.ITPDE_INDUSTRY_COLUMNS
            pd.testing.assert_frame_equal(got, ref[lev], check_exact=True)
            assert s.nrows(lev) == len(ref[lev])
    assert s.read(1).loc[lambda d: d.importer == "KAZ", "trade"].tolist() == [250.5e6, 1.5e6]   # millions → US$


def test_idempotent_and_rebuilt_when_source_changes(tmp_path):
    src = tmp_path / "ITPD_E_R02.csv"
    src.write_bytes(FIX.read_bytes())
    dest = itpde_to_dataset(src, tmp_path / "ds")
    manifest = dest / "manifest.json"
    first = manifest.stat().st_mtime_ns
    assert itpde_to_dataset(src, dest) == dest and manifest.stat().st_mtime_ns == first   # reused, not rebuilt
    src.write_text(FIX.read_text().replace("250.5", "251.5"))
    os.utime(src, ns=(first + 10**9, first + 10**9))
    itpde_to_dataset(src, dest)
    m = json.loads(manifest.read_text())
    assert m["source"]["mtime_ns"] == first + 10**9 and m["rows"] == 6
    assert IndustrySource(dest).read(1).trade.iloc[0] == 251.5e6
    assert not list(tmp_path.glob("ds.partial-*"))


def test_years_filter_pickle_and_unknown_industry(tmp_path):
    p = write_itpde_csv(tmp_path / "s.csv", n_countries=6, years=[2000, 2001, 2002], n_industries=3)
    s = IndustrySource(itpde_to_dataset(p, tmp_path / "ds"), years=[2001])
    assert s.levels() == [1, 4, 7] and s.nrows(4) == 36
    assert (s.read(4).year == 2001).all() and len(s.read(4)) == 36
    back = pickle.loads(pickle.dumps(s))
    assert len(pickle.dumps(s)) < 1000 and back.years == (2001,)
    pd.testing.assert_frame_equal(back.read(7), s.read(7))
    with pytest.raises(ValueError, match=re.escape(f"industry_id=5 is not in {s.path} for years 2001; its "
                                                   f"industries are 1, 4, 7 (3 in all)")):
        s.read(5)
    with pytest.raises(ValueError, match=re.escape(f"years [1999] are not in {s.path}; it has 2000–2002")):
        IndustrySource(s.path, years=[1999, 2000])


# ------------------------------------------------------- (b) many blocks, fits equal to the in-memory fit
@pytest.fixture(scope="module")
def synthetic(tmp_path_factory):
    d = tmp_path_factory.mktemp("itpde")
    p = write_itpde_csv(d / "ITPD_E_R02.csv", n_countries=40, years=[2000, 2001, 2002], n_industries=12, dead=1)
    dest = itpde_to_dataset(p, d / "ds", block_rows=2000)
    return p, dest


def test_many_blocks_equal_whole_file_reader(synthetic):
    p, dest = synthetic
    s = IndustrySource(dest)
    assert len(s.levels()) == 12 and sum(s.nrows(k) for k in s.levels()) == 40 * 40 * 3 * 12
    assert len(list((dest / "industry_id=1").glob("part-*.npz"))) == 29       # ⌈57,600 / 2,000⌉ blocks
    ref = _by_industry(p)
    for lev in s.levels():
        pd.testing.assert_frame_equal(s.read(lev), ref[lev], check_exact=True)


def test_fit_from_source_equals_in_memory_fit(synthetic):
    _, dest = synthetic
    s = IndustrySource(dest, transform=add_ln_dist)
    full = pd.concat([s.read(k) for k in s.levels()], ignore_index=True)
    inproc = get_executor(workers=0)
    a = fit_by(ppml, FORMULA, s, "industry_id", executor=inproc, progress=False)
    b = fit_by(ppml, FORMULA, full, "industry_id", executor=inproc, progress=False)
    pd.testing.assert_frame_equal(a.tidy(), b.tidy(), check_exact=True)
    pd.testing.assert_frame_equal(a.failed, b.failed, check_exact=True)
    assert list(a.failed.industry_id) == [34] and a.failed.nobs.tolist() == [4800]
    assert "zero" in a.failed.reason.iloc[0]
    # the slopes are the generated b_s ∈ (−1.2, −0.8) up to sampling noise
    slopes = a.tidy().dropna().estimate
    assert len(slopes) == 11 and slopes.between(-1.4, -0.6).all()
    c = gv.ppml(FORMULA, s, by="industry_id")                       # the face, default executor
    pd.testing.assert_frame_equal(c.tidy(), b.tidy(), check_exact=False, rtol=1e-12, atol=1e-14)
    # fits from a source come back compact: inference and fit statistics kept, rows dropped
    lev = a.levels[0]
    ca, fb = a.result(lev), b.result(lev)
    assert ca._y is None and ca.sample is None and fb._y is not None
    for stat in ("deviance", "llf", "pseudo_rsquared", "rsquared_corr"):
        assert getattr(ca, stat) == getattr(fb, stat)
    assert ca.drops.equals(fb.drops) and ca.summary().as_text() == fb.summary().as_text()
    la, lb = ca.lincom(list(ca.params.index)), fb.lincom(list(fb.params.index))
    assert (la.estimate, la.se, la.pvalue) == (lb.estimate, lb.se, lb.pvalue)
    for call in (lambda: ca.vcov("iid"), lambda: ca.predict(), lambda: ca.fixef(), lambda: ca.bias_correct()):
        with pytest.raises(ValueError, match="compact result dropped"):
            call()


def test_fit_from_source_on_local_cluster(synthetic):
    """Two LocalCluster workers each read their industries: equal to the in-memory fit on the same cluster bit
    for bit, and to the in-process fit to rounding (numba threads differ, see tests/test_by_group.py)."""
    pytest.importorskip("distributed")
    _, dest = synthetic
    s = IndustrySource(dest, years=[2000, 2001], transform=add_ln_dist)
    full = pd.concat([s.read(k) for k in s.levels()], ignore_index=True)
    ex = get_executor(workers=2, mode="local")
    a = fit_by(ppml, FORMULA, s, "industry_id", executor=ex, progress=False)
    b = fit_by(ppml, FORMULA, full, "industry_id", executor=ex, progress=False)
    pd.testing.assert_frame_equal(a.tidy(), b.tidy(), check_exact=True)
    pd.testing.assert_frame_equal(a.failed, b.failed, check_exact=True)
    c = fit_by(ppml, FORMULA, s, "industry_id", executor=get_executor(workers=0), progress=False)
    pd.testing.assert_frame_equal(a.tidy(), c.tidy(), check_exact=False, rtol=1e-12, atol=1e-14)


# ------------------------------------------------------------------------------------- (c) bad input
def _bad(tmp_path, edit) -> Path:
    lines = FIX.read_text().splitlines()
    p = tmp_path / "bad.csv"
    p.write_text("\n".join(edit(lines)) + "\n")
    return p


def test_duplicate_keys_named(tmp_path):
    p = _bad(tmp_path, lambda ls: ls + [ls[1]])
    with pytest.raises(ValueError, match=re.escape(
            "bad.csv: 2 rows share the key (exporter, importer, year, industry_id) after ISO3 harmonisation, e.g. "
            "lines 2, 8 (KAZ→KAZ, 2016, industry 1); the file must have one row per key (the ITPD-E layout): "
            "remove the duplicates (or merge legacy codes such as ROM and ROU) and convert again")):
        itpde_to_dataset(p, tmp_path / "ds")
    assert not (tmp_path / "ds").exists() and not list(tmp_path.glob("ds.partial-*"))
    # two codes of one country are one key after harmonisation, even in different blocks
    rom = tmp_path / "rom.csv"
    rom.write_text(FIX.read_text() + "ROM,ROM,Romania,KAZ,KAZ,Kazakhstan,1,\"Wheat\",Agriculture,2016,1.0,0,p\n"
                   + "ROU,ROU,Romania,KAZ,KAZ,Kazakhstan,1,\"Wheat\",Agriculture,2016,2.0,0,p\n")
    with pytest.raises(ValueError, match=re.escape("e.g. lines 8, 9 (ROU→KAZ, 2016, industry 1)")):
        itpde_to_dataset(rom, tmp_path / "ds", block_rows=7)


def test_bad_trade_and_missing_column_named(tmp_path):
    p = _bad(tmp_path, lambda ls: [ls[0], ls[1], ls[2], ls[3].replace(",12.25,", ",-1.5,"), *ls[4:]])
    with pytest.raises(ValueError, match=re.escape(
            "bad.csv: trade is negative in 1 rows of this block, e.g. line 4 (-1.5); ITPD-E flows are ≥ 0: correct "
            "or remove these rows and convert again")):
        itpde_to_dataset(p, tmp_path / "ds")
    p = _bad(tmp_path, lambda ls: [*ls[:5], ls[5].replace(",1.5,", ",abc,"), ls[6].replace(",30.0,", ",,")])
    with pytest.raises(ValueError, match=re.escape(
            "bad.csv: trade is not a number in 2 rows of this block, e.g. line 6 ('abc'), line 7 (missing); ITPD-E "
            "trade is a number ≥ 0 (millions of US$) in every row: correct or remove these rows and convert again")):
        itpde_to_dataset(p, tmp_path / "ds", block_rows=2)
    p = _bad(tmp_path, lambda ls: [*ls[:2], ls[2].replace(",2016,", ",2016.5,"), *ls[3:]])
    with pytest.raises(ValueError, match=re.escape(
            "bad.csv: year is not an integer in 1 rows of this block, e.g. line 3 ('2016.5'); every ITPD-E row has an "
            "integer year: correct or remove these rows and convert again")):
        itpde_to_dataset(p, tmp_path / "ds")
    p = _bad(tmp_path, lambda ls: [",".join(x.split(",")[:-1]) for x in ls])
    with pytest.raises(ValueError, match=re.escape(f"{p}: not an ITPD-E file, columns ['flag_zero'] are missing")):
        itpde_to_dataset(p, tmp_path / "ds")
    assert not (tmp_path / "ds").exists()
    (tmp_path / "mine").mkdir()
    (tmp_path / "mine" / "notes.txt").write_text("keep")
    with pytest.raises(ValueError, match=re.escape(f"{tmp_path / 'mine'} exists and is not an ITPD-E industry "
                                                   f"dataset (no manifest.json): remove it or choose another dest")):
        itpde_to_dataset(FIX, tmp_path / "mine")
    with pytest.raises(ValueError, match="not an ITPD-E industry dataset"):
        IndustrySource(tmp_path / "mine")


def test_unknown_industry_and_wrong_by(tmp_path):
    s = IndustrySource(itpde_to_dataset(FIX, tmp_path / "ds"))
    with pytest.raises(ValueError, match=re.escape(f"industry_id=2 is not in {s.path}; its industries are 1, 36 "
                                                   f"(2 in all)")):
        s.nrows(2)
    with pytest.raises(ValueError, match=re.escape("by='sector', but the IndustrySource is grouped by "
                                                   "'industry_id': pass by='industry_id'")):
        gv.ppml(FORMULA, s, by="sector")
    with pytest.raises(ValueError, match="a group source"):
        fit_by(ppml, FORMULA, [1, 2], "industry_id")


# ------------------------------------------------------------------------------------- (d) memory bound
# Peak = VmHWM, the high-water mark of this process's own memory since exec: ru_maxrss of a child also
# counts the parent's resident set at fork (here pytest's, hundreds of MB).
_PROBE = """
import json, sys
def status(key):
    with open("/proc/self/status") as fh:
        return next(int(x.split()[1]) for x in fh if x.startswith(key + ":")) / 1024
import pandas as pd
from gravity.data import countries
from gravity.data.readers.itpde_long import itpde_to_dataset
countries.to_iso3(pd.Series(["KAZ"]))          # the country tables: a fixed cost, not the file's
base = status("VmRSS")
if sys.argv[1] == "convert":
    rows = json.loads((itpde_to_dataset(sys.argv[2], sys.argv[3], block_rows=50_000) / "manifest.json").read_text())["rows"]
else:
    rows = len(pd.read_csv(sys.argv[2]))
print(json.dumps({"rows": rows, "growth_mb": status("VmHWM") - base}))
"""


@pytest.mark.skipif(not Path("/proc/self/status").exists(), reason="reads VmRSS from /proc")
def test_conversion_memory_does_not_grow_with_the_file(tmp_path):
    """1.5M rows: peak RSS growth of the streaming pass (50,000-row blocks) vs pandas.read_csv of the file."""
    p = write_itpde_csv(tmp_path / "big.csv", n_countries=100, years=range(2000, 2005), n_industries=30)

    def probe(*args):
        out = subprocess.run([sys.executable, "-c", _PROBE, *args], capture_output=True, text=True, cwd=ROOT,
                             check=True)
        return json.loads(out.stdout.strip().splitlines()[-1])

    conv = probe("convert", str(p), str(tmp_path / "ds"))
    whole = probe("read", str(p))
    assert conv["rows"] == whole["rows"] == 1_500_000
    assert conv["growth_mb"] < 0.4 * whole["growth_mb"], (conv, whole)
