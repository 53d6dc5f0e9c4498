"""Registry of the public files gravity reads, and a verified local cache.

Every file is known by a *key*, its path inside the cache (``yotov2016/Chapter1Application1.dta``).
:func:`path` returns a local copy: the cache directory is checked first (``GRAVITY_DATA_DIR``,
default ``~/.cache/gravity``); a missing file is downloaded from its public URL with a progress bar
and verified against its sha256 before it is used. Offline, the error names the file, the URL and
how to provide it by hand.

Readers returning tidy frames (implemented in ``gravity.sources``, re-exported here) have three schemas:

* trade – ``exporter, importer, year, trade`` (US$) + source columns: :func:`read_comtrade_penppml`
  (agreement id/name, ``rta`` and 16 provision dummies, documented in ``PENPPML_PROVISIONS``),
  :func:`read_yotov`, and for files users download themselves :func:`read_cepii_gravity` (V202211),
  :func:`read_baci`, :func:`read_itpde`;
* pairs – ``exporter, importer, dist, distcap, distw, distwces, contig, comlang_off, comlang_ethno,
  colony, comcol, curcol, col45, smctry``: :func:`read_geodist` (+ :func:`read_geo_cepii` per country);
* indicators (long) – ``iso3, year, indicator, value, source, flag``: :func:`read_wdi_csv` (bulk CSV, with
  or without its 4 metadata lines), :func:`read_wdi_datahub`, :func:`read_wdi_api` (``wbgapi``),
  :func:`read_itu`, :func:`read_egdi`, :func:`read_lpi`, :func:`read_owid_gdp`; :func:`load_indicators`
  assembles any names of :func:`indicator_catalogue`.

:func:`load` reads any registered file in its native format.
"""
from __future__ import annotations

import hashlib
import os
import shutil
import tempfile
import urllib.request
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

RAW = "https://raw.githubusercontent.com/{repo}/{commit}/{path}"


class DataUnavailableError(FileNotFoundError):
    """A registered file is neither in the cache nor downloadable."""


class ChecksumError(ValueError):
    """A file's sha256 does not match the registry."""


@dataclass(frozen=True)
class Source:
    key: str          # path inside the cache directory
    repo: str         # GitHub owner/name the raw file is served from
    commit: str
    remote_path: str  # path inside that repository
    sha256: str
    citation: str
    licence: str = "see the original publisher's terms"

    @property
    def url(self) -> str:
        return RAW.format(repo=self.repo, commit=self.commit, path=self.remote_path)


_TRADEPOLICY = ("pachadotdev/tradepolicy", "342a6553e67f53912212a35674e066f9344dd655")
_PPMLHDFE = ("sergiocorreia/ppmlhdfe", "08d8856d09500a635903e2a32adbf21ded434509")
_PENPPML = ("tomzylkin/penppml", "46adeb2bc8df8f0f2c906c915e8e382cbd2e59c3")
_PENPPML_COUNTRIES = ("tomzylkin/penppml", "0b95643db1f0121ff472992b17371444ce672175")
_GEODIST = ("pachadotdev/cepiigeodist", "beeea64da43d53515cb20d238d8ac6548f4e0815")
_WDI_INTERNET = ("plotly/Figure-Friday", "fd75327fa0f438be4689f5c26c07cf1cb9fe4a5c")
_ITU = ("DenSkrytskyi/giga-school-connectivity-analysis", "68d09ea29249cb7f031e54506baa18a67b857107")
_EGDI = ("UNU-EGOV/datasets", "cf03dd5f47bede65558498798f2a9a07f29ee090")
_WDI_HUB = ("datasets/world-development-indicators", "4ebec5a2273f531ba238a34dbe440394dc5a6c4b")
_WDI_API = ("Guilhermmerr/An-lise-de-Pol-tica-Externa-de-San-es", "245a73f1ce25e42dbae6dfd7e215bc35ff8758db")

YOTOV = ("Yotov, Piermartini, Monteiro & Larch (2016), An Advanced Guide to Trade Policy Analysis: "
         "The Structural Gravity Model, WTO/UNCTAD; files via the tradepolicy R companion (Vargas).")
PPMLHDFE = ("Correia, Guimarães & Zylkin (2019), Verifying the existence of maximum likelihood "
            "estimates for generalized linear models; ppmlhdfe test datasets.")
COMTRADE = ("UN Comtrade via penppml (Breinlich, Corradi, Rocha, Ruta, Santos Silva & Zylkin 2021); "
            "provisions: Mattoo, Rocha & Ruta (2020), Handbook of Deep Trade Agreements.")
GEODIST = "Mayer & Zignago (2011), Notes on CEPII's distances measures: the GeoDist database, CEPII WP 2011-25."
WDI = "World Bank, World Development Indicators."
ITU = "International Telecommunication Union, ITU DataHub."
EGDI = "United Nations, E-Government Survey: E-Government Development Index."
LPI = "World Bank, Logistics Performance Index."
OWID = "World Bank WDI via Our World in Data, GDP (constant 2015 US$)."
CC_BY = "CC BY 4.0"


def _yotov(key: str, remote: str, sha: str) -> Source:
    return Source(key, *_TRADEPOLICY, remote, sha, YOTOV)


_CH2 = "00-application-files/Chapter2"
_SOURCES = [
    _yotov("yotov2016/agtpa_applications.rda", "data/agtpa_applications.rda",
           "b12e7e336d5d444aba1e38014a8776ccee58c9110d8dcf6d50fe0a4195375610"),
    _yotov("yotov2016/Chapter1Application1.dta", "00-application-files/Chapter1/Datasets/Chapter1Application1.dta",
           "90f70f002e107cd91e4e2bed5e3dd9df535d555934c04fb86eec02995826eea6"),
    _yotov("yotov2016/Chapter1Exercise1.dta", "00-application-files/Chapter1/Datasets/Chapter1Exercise1.dta",
           "bc6bf01c885e4f50cecb9de8af2c622efc8b3a4b4c2f0a0f46edecb1ca8d89b2"),
    _yotov("yotov2016/Chapter1Exercise2.dta", "00-application-files/Chapter1/Datasets/Chapter1Exercise2.dta",
           "dad3bb71ccfb4c179b03d77ddb87d38641f723f94cf0b43de25a331153a379a2"),
    _yotov("yotov2016/Chapter2Application1.dta", f"{_CH2}/Datasets/Chapter2Application1.dta",
           "c0c0c0f52e627f95e95e9bd28044f33c51b13aca43c5c1fdfb72607b3c8830fd"),
    _yotov("yotov2016/Chapter2Application2.dta", f"{_CH2}/Datasets/Chapter2Application2.dta",
           "60ead74eb51db9c4d0406a4b7668e97cbedbeaccf324beba362123f7ae547547"),
    _yotov("yotov2016/1_TradeWithoutBorder.dta", f"{_CH2}/Datasets/1_TradeWithoutBorder.dta",
           "d9733f39e1b4f3d06e4012a9d52cfbd1e3e27b5fef386c8e1e6c269fab64f22c"),
    _yotov("yotov2016/1_RemovingSpecificBorder.dta", f"{_CH2}/Datasets/1_RemovingSpecificBorder.dta",
           "e589fa444ca3b6c83fdc32e99806b14799666b52b83b9c0cbdc09bb7b5d80ca5"),
    _yotov("yotov2016/results/1_TradeWithoutBorder_FULL_PROD.dta",
           f"{_CH2}/Applications/1_TradeWithoutBorder/Results/1_TradeWithoutBorder_FULL_PROD.dta",
           "1d8bd4496c5b69e24370290aa7e579433f01d596cea27209110b9ff7398dac9d"),
    _yotov("yotov2016/results/1_TradeWithoutBorder_FULL_CONS.dta",
           f"{_CH2}/Applications/1_TradeWithoutBorder/Results/1_TradeWithoutBorder_FULL_CONS.dta",
           "78c410fd22fcb2b2ffd7376852574998e8adee321203b3327de04150c751880c"),
    _yotov("yotov2016/results/2_RTAsEffects_FULL_PROD.dta",
           f"{_CH2}/Applications/2_RTAsEffects/Results/2_RTAsEffects_FULL_PROD.dta",
           "614c9e33ac842bddb454f408f6004ce13f3fff556fe85eb6936ba07376eb04a8"),
    _yotov("yotov2016/results/2_RTAsEffects_FULL_CONS.dta",
           f"{_CH2}/Applications/2_RTAsEffects/Results/2_RTAsEffects_FULL_CONS.dta",
           "1936cb96a4ad6665e8d0e0518f53ae80685960710e891f14acf1f2f0ea80a8b6"),
    Source("example_trade_fta.dta", *_PPMLHDFE, "examples/EXAMPLE_TRADE_FTA_DATA.dta",
           "bf0a9dc9aebe75f57232f7d864b5e7871259aeaf28dfa3af3eec04c3632cbc84", PPMLHDFE, "MIT"),
    *[
        Source(f"ppmlhdfe-separation/{n:02d}.csv", *_PPMLHDFE, f"test/separation_datasets/{n:02d}.csv", sha,
               PPMLHDFE, "MIT")
        for n, sha in enumerate([
            "387602d63fe6994ffa9003cf1dd5f897f44632379be6bbed3420868a983c12f1",
            "255eff7b9ab1e1ccd7fc09d528cce7da133de26e848f42258e33027cdc7f41ac",
            "29957dcc5c4b328c1983a291f9b723708f504020f806862bff1ced9acb8cc5dd",
            "974dee508db865dfde21ce8241103bead71577d799d8e37242592cf56ab8d570",
            "0c22021aceca6f85ee5f61ff0b1566e12e648b2bdfbb263f4b8ee10bf8cccd82",
            "7ac3141b85b911589142cf436201b0604bdf780af77df9f40c221f8fc014ce0f",
            "f39e2221c9a93e596d2f4ac4dab46044666f4e80d6008ec5dd11801316c2cb4d",
            "c264165ac90d81d7e9ebe37841d64eec0730df82bd5d8b1378bee81ec20fa088",
            "c15a148dad228068f589b94d6676105c503da2e9a853ff0dce78a4bd10e33a5d",
            "95e863b891e927f0f17aa6c7d4e06b1fcbd0e206cfa7f392f50ac19ea347ec57",
            "f1406a226b0ca298e27d9804bec97935f8e7243fc7abb848ceec09fd8e919f11",
            "3d7704ff4138e9d7ddd847dba943a111b10d67a5ea956331492bcac7180a39c2",
        ], start=1)
    ],
    Source("penppml-comtrade/trade.rda", *_PENPPML, "data/trade.rda",
           "d97178aa1cfa26b89f24a70004f86b4de6c36a903d3a5b5bb0e7da7d7870ee9e", COMTRADE, "GPL-3 (penppml package data)"),
    Source("penppml-comtrade/countries.rda", *_PENPPML_COUNTRIES, "data/countries.rda",
           "a0297f2404119c362a23ad4f7197549196690114f2633f133b670e9e0a5205f4", COMTRADE, "GPL-3 (penppml package data)"),
    Source("cepii-geodist/dist_cepii.rda", *_GEODIST, "data/dist_cepii.rda",
           "5d38f8c769ab5aa2769a20995b2547fa719b98138150b5764d045436ff9394b9", GEODIST, "Etalab Open Licence 2.0 (CEPII)"),
    Source("cepii-geodist/geo_cepii.rda", *_GEODIST, "data/geo_cepii.rda",
           "ef537279e0f82969274be0dc6da547c67a22d4d0df6f90f5b52a543fb30e46c3", GEODIST, "Etalab Open Licence 2.0 (CEPII)"),
    Source("cepii-geodist/geo_cepii.xls", *_GEODIST, "raw-data/geo_cepii.xls",
           "aa43be56e85a0f67459dc2fd1e841710b600b6133cde76536c42bac07c35c9d9", GEODIST, "Etalab Open Licence 2.0 (CEPII)"),
    Source("wdi-internet/API_IT.NET.USER.ZS_DS2_en_csv_v2_2160.csv", *_WDI_INTERNET,
           "2024/week-48/API_IT.NET.USER.ZS_DS2_en_csv_v2_2160.csv",
           "8ced611663bf77d05d222a16cbbaa6ecd456f5a31a03700611cc92339b36d36f", WDI, CC_BY),
    Source("wdi-internet/Metadata_Country_API_IT.NET.USER.ZS_DS2_en_csv_v2_2160.csv", *_WDI_INTERNET,
           "2024/week-48/Metadata_Country_API_IT.NET.USER.ZS_DS2_en_csv_v2_2160.csv",
           "1458f65bf61be11d0b334f4676432762f781c0fba1e0c3f2da1fe654f5319356", WDI, CC_BY),
    *[
        Source(f"itu-datahub/{name}", *_ITU, f"data/raw/{name}", sha, ITU, "ITU terms of use")
        for name, sha in [
            ("active_mobile_broadband_subscriptions.csv",
             "ee12db94a0a845bd3eb29df3d3b75d560f152c1070152d8b4aaec2cc4ff7169c"),
            ("fixed_broadband_subscriptions.csv", "c4fdb402791d853f92ac3564a5c575075632868b03c24116b96d3c645cdf106a"),
            ("lit_equipped_international_bandwidth_capacity.csv",
             "0265cfa23ac8990ef6e116f3bfd5bb453b41da359a2f3e0790a23e7acdae7339"),
        ]
    ],
    *[
        Source(f"egdi/egdi-{y}.csv", *_EGDI, f"egdi/egdi-{y}.csv", sha, EGDI, "UN DESA terms of use")
        for y, sha in [
            (2010, "2eba5c1e561cabdcab9f20191c497ac9dab3911cf0c15bfca095c5d90027877c"),
            (2012, "b98bde7d1e3b53be25aac315674e690e86cd40bdc9174cbccbc797ab8140b260"),
            (2014, "8ae27d5115ae1131f821be54adc7166eb07e2b571b158b9764be051006627b15"),
            (2016, "c2bfb19398b45c9e5bb677a9fe1080a896f753bfcf3b24505c617219c1e386d0"),
            (2018, "da45229137f4f4930fbe1be60078a21be43ce0b34671c62fcffe7402610d9368"),
        ]
    ],
    Source("egdi/EGOV_DATA_2022.csv", "pluralitybook/plurality", "d7cb7840bfa0ead0333cc94d4cd387c8c20987f9",
           "figs/data/egovernment/EGOV_DATA_2022.csv",
           "159cf2dcd38b3ce2cb7aa447425e81468bf095610953bd4aa9462376bcc5a935", EGDI, "UN DESA terms of use"),
    Source("egdi/EGOV_DATA_2024_modified.csv", "MaryliaCruzS/Estadistica1CienciaPolitica",
           "c22aa0b17306eb90c2513ac2c3ca36d0e37fa376", "EGOV_DATA_2024.csv",
           "74a23b44593dc2bd6b64ae11d2f9e59a59fc046c7ca336581e28e2a1521c20b5", EGDI, "UN DESA terms of use"),
    Source("lpi/Cleaned_Logistics_Dataset.csv", "LyleCoryMiller/Portfolio-Projects",
           "a46a05c581601ee9aeb1686fcd931e1c3591fccf",
           "Project-3-Global-Logistics-Performance/Cleaned_Logistics_Dataset.csv",
           "df7a9dbc42c3a424b675b8a8649d44992b006e37ba69521ae75153c8e438a7d8", LPI, CC_BY),
    *[
        Source(f"wdi-datahub-2026/{code}/{fname}", *_WDI_HUB, f"indicators/{code}/{fname}", sha, WDI, CC_BY)
        for code, fname, sha in [
            ("it.cel.sets.p2", "data.csv", "87c35a78e623a2e0b24fd8b9690fb26bd538d00f612d14abc48e367888d9c30f"),
            ("it.net.bbnd.p2", "data.csv", "e9c3c0d92cc87520aa27bd1ae4f2167baf2a7d80744acb461b093d58d8b7406b"),
            ("it.net.secr.p6", "data.csv", "7aae476969f7e4700e7db6631b589f363450e4b49d2ca99ce584e69b0f1dc153"),
            ("ne.exp.gnfs.zs", "data.csv", "323759e9d4b217da54a2f0a3df16e70077eb83422e3dba08628a32dc48783607"),
            ("ne.imp.gnfs.zs", "data.csv", "f64a1dd8ba2ac40d263b91b89f7ab35869e151e007d919615699d1403ddcfba5"),
            ("nv.ind.totl.zs", "data.csv", "fd229331bcdfb0ff51f386891f3edc5b7a8c734403ba7a34edbd4fae73f3d38d"),
            ("ny.gdp.defl.kd.zg", "data.csv", "fe3726fe7f61fa057e6ed0fbb8470968fd310863805b54ba2e69ce64075d7ba5"),
            ("ny.gdp.mktp.cd", "data.csv", "f488630ac53a04503f6c4164bd2737d18f7ac7fdecb07dc56042b0e1adc11cf7"),
            ("ny.gdp.mktp.kd.zg", "data.csv", "5468bc4339dd2ea3e677adea1319b40b98640d9c5997b43961196e726bcf3e8a"),
            ("ny.gdp.pcap.cd", "data.csv", "77c7f7b01151f21558ad08df402f865b4469aafbd00c6907f0586caec8f5900e"),
            ("pa.nus.fcrf", "data.csv", "3aae492c4e0e8e9a2633f76bf8c0b3b3b608b4d029839b82edb1592ed3db83a3"),
            ("sp.pop.totl", "data.csv", "cd7856b882884a41b3473cf74e8c85eb58d7d663d818a07e03f42ebdfb2c6b34"),
            ("tg.val.totl.gd.zs", "data.csv", "46a3a905a1da917d2a817f21464f606394ae350726ceb4e40c7e84e67b642669"),
            ("tm.val.mrch.cd.wt", "data.csv", "cc4dc88950c1b30a348ffbc764c34d18c629f2564182d22e2173c3d61e5492d7"),
            ("tx.val.mrch.cd.wt", "data.csv", "c64c07cf3000a19495cc2e4e4a89e24696a97aebdab884b2def426f688b4f7af"),
        ]
    ],
    Source("wdi-api-dec2025/API_NY.GDP.MKTP.CD_DS2_en_csv_v2_2463.csv", *_WDI_API,
           "API_NY.GDP.MKTP.CD_DS2_en_csv_v2_2463.csv",
           "a78548eec7cfce1b6150577e62d87ea947341e47172cb7101f69a651622fbbfc", WDI, CC_BY),
    Source("wdi-api-dec2025/API_NE.IMP.GNFS.CD_DS2_en_csv_v2_2474.csv", *_WDI_API,
           "API_NE.IMP.GNFS.CD_DS2_en_csv_v2_2474.csv",
           "3bf5062c9d2f8c9e746c75bd84e51d326e8118989c992c4ee2868fa016545a12", WDI, CC_BY),
    Source("wdi-manf-2023/API_NV.IND.MANF.CD_DS2_en_csv_v2_5363423.csv", "Riqard/MFG-598-Final-Project",
           "9cce5b48f43e890151bc8a9306662d00ca6bdf6b", "API_NV.IND.MANF.CD_DS2_en_csv_v2_5363423.csv",
           "b33801962cea4dff29451ca84083ffd332370850385fdb992c45a2b63903a3cf", WDI, CC_BY),
    Source("owid-gdp-constant/gdp-worldbank-constant-usd.csv", "kevinuulong/a-world-of-data",
           "5987fc95863c2c391a2ffd18419aeb233c13f379", "scripts/data/gdp-worldbank-constant-usd.csv",
           "e48e5f50176f8c998c20dca0b0607a98dae3ce9c220c8fedadcf6e2a6e67293f", OWID, CC_BY),
]

REGISTRY: dict[str, Source] = {s.key: s for s in _SOURCES}


def cache_dir() -> Path:
    """The cache directory: ``$GRAVITY_DATA_DIR`` or ``~/.cache/gravity``."""
    return Path(os.environ.get("GRAVITY_DATA_DIR") or Path.home() / ".cache" / "gravity").expanduser()


def source(key: str) -> Source:
    """The registry entry for ``key``; an unknown key raises a ``KeyError`` listing close keys."""
    try:
        return REGISTRY[key]
    except KeyError:
        stem = key.split("/")[0]
        close = [k for k in REGISTRY if k.startswith(stem)] or sorted(REGISTRY)[:10]
        raise KeyError(f"unknown dataset {key!r}; registered keys include: {', '.join(close)}") from None


def sha256_of(file: Path) -> str:
    h = hashlib.sha256()
    with open(file, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def _download(src: Source, target: Path) -> None:
    from tqdm.auto import tqdm

    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=".part-")
    try:
        with urllib.request.urlopen(src.url, timeout=60) as resp, os.fdopen(fd, "wb") as out:
            total = int(resp.headers.get("Content-Length") or 0) or None
            with tqdm(total=total, unit="B", unit_scale=True, desc=src.key, leave=False) as bar:
                for chunk in iter(lambda: resp.read(1 << 16), b""):
                    out.write(chunk)
                    bar.update(len(chunk))
        got = sha256_of(Path(tmp))
        if got != src.sha256:
            raise ChecksumError(f"{src.key}: downloaded file from {src.url} has sha256 {got}, "
                                f"expected {src.sha256}; the remote file changed — do not use it.")
        shutil.move(tmp, target)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


def path(key: str, *, download: bool = True, verify: bool = True) -> Path:
    """Local path of a registered file, downloading and verifying it when it is not cached."""
    src = source(key)
    target = cache_dir() / src.key
    if not target.exists():
        if not download:
            raise DataUnavailableError(_unavailable(src, target, "downloads are disabled"))
        try:
            _download(src, target)
        except (OSError, ValueError) as exc:  # URLError is an OSError
            if isinstance(exc, ChecksumError):
                raise
            raise DataUnavailableError(_unavailable(src, target, str(exc))) from exc
    elif verify:
        _verify_cached(src, target)
    return target


_VERIFIED: dict[Path, float] = {}


def _verify_cached(src: Source, target: Path) -> None:
    mtime = target.stat().st_mtime
    if _VERIFIED.get(target) == mtime:
        return
    got = sha256_of(target)
    if got != src.sha256:
        raise ChecksumError(f"{target} has sha256 {got}, expected {src.sha256} ({src.key}); "
                            f"delete it to re-download from {src.url}.")
    _VERIFIED[target] = mtime


def _unavailable(src: Source, target: Path, why: str) -> str:
    return (f"dataset {src.key!r} is not in the cache ({target}) and could not be downloaded ({why}).\n"
            f"  source: {src.url}\n  sha256: {src.sha256}\n"
            f"  fix: download that URL to {target}, or point GRAVITY_DATA_DIR at a folder holding "
            f"{src.key} (e.g. ../shared/data).")


def available(key: str) -> bool:
    """True when ``key`` is cached locally (no download attempted)."""
    return (cache_dir() / source(key).key).exists()


def load(key: str) -> pd.DataFrame:
    """Read a registered file in its native format (.dta, .rda, .csv, .xls) into a DataFrame."""
    p = path(key)
    suffix = p.suffix.lower()
    if suffix == ".dta":
        return pd.read_stata(p)
    if suffix == ".rda":
        import pyreadr

        frames = pyreadr.read_r(str(p))
        return next(iter(frames.values()))
    if suffix == ".csv":
        return pd.read_csv(p, encoding="utf-8-sig")
    if suffix == ".xls":
        return pd.read_excel(p)
    raise ValueError(f"{key}: no native reader for {suffix!r} files")


def citation(key: str) -> str:
    return source(key).citation
