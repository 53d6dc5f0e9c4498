"""The data layer: a registry of public files (URL, sha256, citation, licence), a verified cache,
tidy readers and the country authority.

Every file is known by a *key*, its path inside the cache (``yotov2016/Chapter1Application1.dta``).
:func:`path` returns a local copy, :func:`load` reads it in its native format, and the readers
(``read_*``) return one of three tidy schemas (see :mod:`gravity.data.readers`).
"""
from gravity.data import countries, registry
from gravity.data.registry import (REGISTRY, ChecksumError, DataUnavailableError, Source, available, cache_dir,
                                   citation, load, path, sha256_of, source)
# ----------------------------------------------------------------------------- tidy readers
from gravity.data.readers.geodist import PAIR_COLUMNS, map_pair_codes, read_geo_cepii, read_geodist
from gravity.data.readers.indicators import (
    CATALOGUE as INDICATORS,
    catalogue as indicator_catalogue,
    load_indicators,
    read_egdi,
    read_itu,
    read_lpi,
    read_owid_gdp,
    read_wdi_api,
    read_wdi_csv,
    read_wdi_datahub,
)
from gravity.data.readers.trade import (
    COMTRADE_YEARS,
    PENPPML_PROVISIONS,
    read_baci,
    read_cepii_gravity,
    read_comtrade_penppml,
    read_itpde,
    read_ppmlhdfe_example,
    read_yotov,
)

READERS: dict[str, str] = {
    "yotov2016/agtpa_applications.rda": "read_yotov",
    "yotov2016/Chapter": "read_yotov (any chapter .dta: exporter, importer, year, trade + its covariates)",
    "yotov2016/1_": "read_yotov",
    "yotov2016/results/": "load (per-country GE results of the book: one row per country)",
    "example_trade_fta.dta": "read_ppmlhdfe_example",
    "ppmlhdfe-separation/": "load (y, regressors, fixed-effect ids, separated = ground truth)",
    "penppml-comtrade/trade.rda": "read_comtrade_penppml",
    "penppml-comtrade/countries.rda": "load (iso, name, region, sub.region)",
    "cepii-geodist/dist_cepii.rda": "read_geodist",
    "cepii-geodist/geo_cepii": "read_geo_cepii (the .rda; the .xls is the same table and needs xlrd)",
    "wdi-internet/API_": "read_wdi_csv / load_indicators(['internet'])",
    "wdi-internet/Metadata_": "load (WDI country metadata: Region empty for aggregates)",
    "itu-datahub/": "read_itu / load_indicators(['bandwidth', 'fixed_broadband', 'mobile_broadband', ...])",
    "egdi/": "read_egdi / load_indicators(['egdi', 'egdi_osi', ...])",
    "lpi/": "read_lpi / load_indicators(['lpi', 'lpi_customs', ...])",
    "wdi-datahub-2026/": "read_wdi_datahub / load_indicators(['gdp', 'population', ...])",
    "wdi-api-dec2025/": "read_wdi_csv / load_indicators(['gdp_dec2025', 'imports_gs_dec2025'])",
    "wdi-manf-2023/": "read_wdi_csv / load_indicators(['manufacturing_va'])",
    "owid-gdp-constant/": "read_owid_gdp / load_indicators(['gdp_const2015'])",
}
"""Registry key prefix → the reader that returns its tidy frame (``load`` = native format, already tidy)."""


def reader_for(key: str) -> str:
    """The documented reader of a registered file (see :data:`READERS`)."""
    registry.source(key)
    hits = [v for k, v in READERS.items() if key.startswith(k)]
    if not hits:
        raise KeyError(f"{key}: registered but no reader documented in gravity.data.READERS")
    return hits[0]
