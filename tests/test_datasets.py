"""The registry agrees with the published checksums and the cache behaves as documented."""
import contextlib
import functools
import hashlib
import http.server
import threading
from pathlib import Path

import numpy as np
import pytest

from gravity import data as datasets
from tests.conftest import SHARED, require_data


DERIVED_HERE = {"desta-rta/desta_pair_agreements_v0203.csv", "desta-rta/desta_rta_pairyear_2000_2024.csv"}
"""Files our data team derived from registered files (PROVENANCE.md): no public URL, so not registered; tests
read them only as independent checks (tests/test_desta.py)."""


def test_registry_matches_shared_checksums():
    sums_file = SHARED / "SHA256SUMS"
    if not sums_file.exists():
        require_data("yotov2016/Chapter1Application1.dta")  # fails under CI, skips elsewhere
        pytest.skip("../shared/data/SHA256SUMS not present")
    published = {}
    for line in sums_file.read_text().splitlines():
        sha, name = line.split(maxsplit=1)
        published[name.removeprefix("./")] = sha
    data_files = {k for k in published if not k.endswith("datapackage.json") and not k.endswith(".md")
                  and not k.startswith("yotov2016/expected/")} - DERIVED_HERE
    missing = data_files - set(datasets.REGISTRY)
    assert not missing, f"files in ../shared/data without a registry entry: {sorted(missing)}"
    for key, src in datasets.REGISTRY.items():
        assert src.sha256 == published[key], key
        # a file transcribed or derived here has no repository: nothing to download, the loader says so
        assert src.url.startswith("https://raw.githubusercontent.com/") or (not src.repo and src.url == "")


def test_cached_file_is_verified(tmp_path, monkeypatch):
    key = "ppmlhdfe-separation/01.csv"
    target = tmp_path / key
    target.parent.mkdir(parents=True)
    target.write_text("y,x\n1,2\n")
    monkeypatch.setenv("GRAVITY_DATA_DIR", str(tmp_path))
    with pytest.raises(datasets.ChecksumError, match="expected"):
        datasets.path(key)


def test_offline_error_names_file_url_and_fix(tmp_path, monkeypatch):
    monkeypatch.setenv("GRAVITY_DATA_DIR", str(tmp_path))
    with pytest.raises(datasets.DataUnavailableError) as err:
        datasets.path("ppmlhdfe-separation/02.csv", download=False)
    msg = str(err.value)
    assert "ppmlhdfe-separation/02.csv" in msg and "raw.githubusercontent.com" in msg and "GRAVITY_DATA_DIR" in msg


def test_unknown_key_lists_alternatives():
    with pytest.raises(KeyError, match="yotov2016/"):
        datasets.source("yotov2016/nope.dta")


def test_load_reads_native_formats():
    require_data("yotov2016/Chapter1Application1.dta", "ppmlhdfe-separation/01.csv")
    ch1 = datasets.load("yotov2016/Chapter1Application1.dta")
    assert {"exporter", "importer", "year", "trade"} <= set(ch1.columns)
    sep = datasets.load("ppmlhdfe-separation/01.csv")
    assert "separated" in sep.columns


def test_every_registered_file_names_its_reader():
    import gravity.data as ds

    for key, src in datasets.REGISTRY.items():
        name = datasets.reader_for(key)
        assert hasattr(ds, name), (key, name)
        assert datasets.reader_function(key) is getattr(ds, name), key
    assert datasets.reader_for("itpd-e-aggregated/itpd_aggregated.rds") == "read_itpde_aggregated"
    assert datasets.reader_for("cow-trade/cow_trade_ndy.rda") == "read_cow_trade"
    assert datasets.reader_for("yotov2016/Chapter2Application1.dta") == "read_yotov"
    assert datasets.reader_for("wiod2013/wiot_2000.RData") == "read_wiod"


def test_load_reads_r_lists():
    """WIOD tables and the Caliendo-Parro calibration are R lists (pyreadr skips them): rdata reads them."""
    require_data("wiod2013/wiot_1995.RData", "cp2015/cp2015_nafta.rda")
    w = datasets.load("wiod2013/wiot_1995.RData")
    assert {"inter", "final", "output", "countries", "industries"} <= set(w)
    assert w["inter"].shape == (1435, 1435) and w["final"].shape == (1435, 205)
    # a world input-output table adds up: output = intermediate use + final demand, within rounding
    out = np.asarray(w["output"], dtype=float).ravel()
    rows = np.asarray(w["inter"]).sum(axis=1) + np.asarray(w["final"]).sum(axis=1)
    assert np.abs(rows - out).max() <= 0.5 * (1435 + 205)     # each of 1,640 cells rounded to whole millions
    cp = datasets.load("cp2015/cp2015_nafta.rda")
    assert {"sets", "trade", "theta", "deficit"} <= set(cp)


# ----------------------------------------------------------------------------- downloads through pooch

@contextlib.contextmanager
def _serve(folder: Path):
    """A bounded local HTTP server on 127.0.0.1 serving ``folder`` (no network needed)."""
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(folder))
    handler.log_message = lambda *a, **k: None
    srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=srv.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield srv.server_address[1]
    finally:
        srv.shutdown()
        srv.server_close()
        thread.join(timeout=5)


def _fake_source(monkeypatch, tmp_path, payload: bytes, sha: str | None = None):
    from gravity.data import registry

    remote = tmp_path / "remote" / "owner" / "repo" / "abc123" / "data"
    remote.mkdir(parents=True)
    (remote / "file.csv").write_bytes(payload)
    src = registry.Source("test-source/file.csv", "owner/repo", "abc123", "data/file.csv",
                          sha or hashlib.sha256(payload).hexdigest(), "test citation", "CC0")
    monkeypatch.setitem(registry.REGISTRY, src.key, src)
    monkeypatch.setenv("GRAVITY_DATA_DIR", str(tmp_path / "cache"))
    return src, tmp_path / "remote"


def test_download_is_fetched_verified_and_cached(tmp_path, monkeypatch):
    from gravity.data import registry

    payload = b"y,x\n1,2\n3,4\n"
    src, remote = _fake_source(monkeypatch, tmp_path, payload)
    with _serve(remote) as port:
        monkeypatch.setattr(registry, "RAW", f"http://127.0.0.1:{port}/{{repo}}/{{commit}}/{{path}}")
        got = datasets.path(src.key)
    assert got == tmp_path / "cache" / "test-source" / "file.csv" and got.read_bytes() == payload
    assert list(got.parent.iterdir()) == [got]                  # no partial files left behind
    assert datasets.load(src.key)["x"].tolist() == [2, 4]        # served from the cache: server is gone


def test_download_with_wrong_checksum_is_refused(tmp_path, monkeypatch):
    from gravity.data import registry

    src, remote = _fake_source(monkeypatch, tmp_path, b"tampered\n", sha="0" * 64)
    with _serve(remote) as port:
        monkeypatch.setattr(registry, "RAW", f"http://127.0.0.1:{port}/{{repo}}/{{commit}}/{{path}}")
        with pytest.raises(datasets.ChecksumError, match="0{64}"):
            datasets.path(src.key)
    assert not (tmp_path / "cache" / src.key).exists()


def test_offline_download_error_is_one_clear_message(tmp_path, monkeypatch):
    from gravity.data import registry

    src, remote = _fake_source(monkeypatch, tmp_path, b"y\n1\n")
    with _serve(remote) as port:                                # a port that is closed once we leave
        pass
    monkeypatch.setattr(registry, "RAW", f"http://127.0.0.1:{port}/{{repo}}/{{commit}}/{{path}}")
    with pytest.raises(datasets.DataUnavailableError) as err:
        datasets.path(src.key)
    msg = str(err.value)
    assert src.key in msg and src.url in msg and src.sha256 in msg and "GRAVITY_DATA_DIR" in msg
    assert err.value.__cause__ is None and err.value.__suppress_context__   # no 20-line urllib/requests chain
    assert not (tmp_path / "cache" / src.key).exists()


def test_ppmlhdfe_example_reader():
    require_data("example_trade_fta.dta")
    t = datasets.read_ppmlhdfe_example()
    assert len(t) == 5950 and not t.duplicated(["exporter", "importer", "year"]).any()
    assert not (t["exporter"] == t["importer"]).any() and t["exporter"].nunique() == 35   # 35 × 34 × 5 rows
    assert len(datasets.read_ppmlhdfe_example(category=None)) == 17850
    with pytest.raises(ValueError, match="MANUF"):
        datasets.read_ppmlhdfe_example(category="AGRI")


def test_geo_cepii_xls_and_rda_agree():
    """CEPII ships the country file twice (Excel and R): two readers, one set of facts."""
    require_data("cepii-geodist/geo_cepii.xls", "cepii-geodist/geo_cepii.rda")
    xls = datasets.load("cepii-geodist/geo_cepii.xls")
    rda = datasets.load("cepii-geodist/geo_cepii.rda")
    assert len(xls) == len(rda) == 238
    assert list(xls["iso3"]) == list(rda["iso3"])
    assert (xls["landlocked"].astype(int).to_numpy() == rda["landlocked"].astype(int).to_numpy()).all()
    assert xls.loc[xls["iso3"] == "TJK", "landlocked"].item() == 1


def test_transcribed_file_missing_says_there_is_nothing_to_download(tmp_path, monkeypatch):
    monkeypatch.setenv("GRAVITY_DATA_DIR", str(tmp_path))
    key = "tf-cost-figures/published_tf_figures.csv"
    assert datasets.source(key).url == ""
    with pytest.raises(datasets.DataUnavailableError, match="transcribed from public pages"):
        datasets.path(key)
    st = datasets.status([key], fetch=True)
    assert st["status"].tolist() == ["unavailable"]
