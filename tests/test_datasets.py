"""The registry agrees with the published checksums and the cache behaves as documented."""
from pathlib import Path

import pytest

from gravity import data as datasets
from tests.conftest import SHARED, require_data


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
                  and not k.startswith("yotov2016/expected/")}
    missing = data_files - set(datasets.REGISTRY)
    assert not missing, f"files in ../shared/data without a registry entry: {sorted(missing)}"
    for key, src in datasets.REGISTRY.items():
        assert src.sha256 == published[key], key
        assert src.url.startswith("https://raw.githubusercontent.com/")


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


def test_every_registered_file_has_a_documented_reader():
    import gravity.data as ds

    for key in datasets.REGISTRY:
        name = datasets.reader_for(key)
        func = name.split(" ")[0]
        assert hasattr(ds, func), (key, name)


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
