"""The data layer: a registry of public files (URL, sha256, citation, licence, reader), a verified cache
fetched by pooch, tidy readers and the country authority.

Every file is known by a *key*, its path inside the cache (``yotov2016/Chapter1Application1.dta``).
:func:`path` returns a local copy, :func:`load` reads it in its native format, :func:`reader_for` names the
reader (``read_*``) that returns its tidy frame in one of three schemas (see :mod:`gravity.data.readers`).
:func:`data_dir` says which folder the files come from and why (``GRAVITY_DATA_DIR``, a ``gravity.toml``,
``../shared/data`` beside the project, or the download cache); :func:`status` lists each file's state.
A new source is one :class:`Source` entry in :mod:`gravity.data.registry` plus its reader.
"""

from gravity.data import countries, registry
from gravity.data.errors import DataInputError
from gravity.data.readers.desta import (
    DestaCorrectionError,
    desta_agreements,
    desta_corrections,
    read_desta_dyads,
    read_desta_indices,
    read_desta_treaties,
    read_desta_withdrawals,
)
from gravity.data.readers.geodist import PAIR_COLUMNS, map_pair_codes, read_geo_cepii, read_geodist
from gravity.data.readers.indicators import CATALOGUE as INDICATORS
from gravity.data.readers.indicators import catalogue as indicator_catalogue
from gravity.data.readers.indicators import (
    load_indicators,
    read_egdi,
    read_itu,
    read_lpi,
    read_owid_gdp,
    read_wdi_api,
    read_wdi_csv,
    read_wdi_databank,
    read_wdi_datahub,
)
from gravity.data.readers.itpde_long import ITPDE_INDUSTRY_COLUMNS, IndustrySource, itpde_to_dataset
from gravity.data.readers.trade import (
    COMTRADE_YEARS,
    ITPDE_AGGREGATED_YEARS,
    PENPPML_PROVISIONS,
    cpi_u,
    read_baci,
    read_cepii_gravity,
    read_comtrade_penppml,
    read_cow_trade,
    read_itpde,
    read_itpde_aggregated,
    read_ppmlhdfe_example,
    read_yotov,
)
from gravity.data.readers.wiod import WIOD_INDUSTRIES, WIOD_YEARS, iter_wiod_sectors, read_wiod
from gravity.data.registry import (
    REGISTRY,
    ChecksumError,
    DataConfigError,
    DataDir,
    DataUnavailableError,
    Source,
    UnknownDatasetError,
    available,
    cache_dir,
    citation,
    data_dir,
    load,
    path,
    reader_for,
    reader_function,
    sha256_of,
    source,
    status,
)

__all__ = [
    # registry and cache
    "REGISTRY",
    "Source",
    "DataDir",
    "available",
    "cache_dir",
    "citation",
    "data_dir",
    "load",
    "path",
    "reader_for",
    "reader_function",
    "sha256_of",
    "source",
    "status",
    "countries",
    "registry",
    # errors
    "DestaCorrectionError",
    "ChecksumError",
    "DataConfigError",
    "DataInputError",
    "DataUnavailableError",
    "UnknownDatasetError",
    # tidy readers
    "PAIR_COLUMNS",
    "map_pair_codes",
    "read_geo_cepii",
    "read_geodist",
    "INDICATORS",
    "indicator_catalogue",
    "load_indicators",
    "read_egdi",
    "read_itu",
    "read_lpi",
    "read_owid_gdp",
    "read_wdi_api",
    "read_wdi_csv",
    "read_wdi_databank",
    "read_wdi_datahub",
    "ITPDE_INDUSTRY_COLUMNS",
    "IndustrySource",
    "itpde_to_dataset",
    "COMTRADE_YEARS",
    "ITPDE_AGGREGATED_YEARS",
    "PENPPML_PROVISIONS",
    "cpi_u",
    "read_baci",
    "read_cepii_gravity",
    "read_comtrade_penppml",
    "read_cow_trade",
    "read_itpde",
    "read_itpde_aggregated",
    "read_ppmlhdfe_example",
    "read_yotov",
    "desta_agreements",
    "desta_corrections",
    "read_desta_dyads",
    "read_desta_indices",
    "read_desta_treaties",
    "read_desta_withdrawals",
    "WIOD_INDUSTRIES",
    "WIOD_YEARS",
    "iter_wiod_sectors",
    "read_wiod",
]
