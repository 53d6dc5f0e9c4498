"""The digital-corridor panel in one call: UN Comtrade (penppml waves) + GeoDist + facts + digital indicators."""
from __future__ import annotations

import functools
import logging
from collections.abc import Iterable

import pandas as pd

from gravity import data as datasets
from gravity.data.countries import ECO, indicator_proxies, pair_code_map
from gravity.panel.coverage import coverage_report
from gravity.panel.build import build_panel

log = logging.getLogger("gravity.corridor_data")

CORRIDOR_YEARS = (2000, 2004, 2008, 2012, 2016)
CORRIDOR_INDICATORS = ("internet", "bandwidth", "fixed_broadband", "mobile_broadband", "egdi", "lpi")
PAIR_CODE_MAP = pair_code_map()  # {"YUG": "SRB", "BEL": "BLX"}
"""GeoDist rows re-coded to the trade file's codes: CEPII's YUG (Serbia and Montenegro, Belgrade) → SRB;
BEL (Brussels) → BLX, the Belgium–Luxembourg union that reports to Comtrade as one."""
INDICATOR_PROXIES = indicator_proxies()  # {"BLX": "BEL"}
"""BLX takes Belgium's indicator series (flag ``proxy BEL`` in every such cell)."""
SOURCES = ("penppml-comtrade/trade.rda", "cepii-geodist/dist_cepii.rda",
           "wdi-internet/API_IT.NET.USER.ZS_DS2_en_csv_v2_2160.csv",
           "itu-datahub/lit_equipped_international_bandwidth_capacity.csv",
           "itu-datahub/fixed_broadband_subscriptions.csv", "itu-datahub/active_mobile_broadband_subscriptions.csv",
           "egdi/egdi-2010.csv", "egdi/EGOV_DATA_2022.csv", "egdi/EGOV_DATA_2024_modified.csv",
           "lpi/Cleaned_Logistics_Dataset.csv")


@functools.cache
def _trade() -> pd.DataFrame:
    return datasets.read_comtrade_penppml()


@functools.cache
def _pairs() -> pd.DataFrame:
    g = datasets.read_geodist()
    g = g[~g["exporter"].isin(["SRB", "BLX"]) & ~g["importer"].isin(["SRB", "BLX"])]
    return datasets.map_pair_codes(g, PAIR_CODE_MAP)


def corridor_panel(years: Iterable[int] = CORRIDOR_YEARS, indicators: Iterable[str] = CORRIDOR_INDICATORS, *,
                   fill: str | None = None, fill_limit: int | None = None, domestic=None,
                   digital: Iterable[str] | None = None) -> pd.DataFrame:
    """Square panel for the ECO digital-corridor analysis, with its coverage report.

    Sources: UN Comtrade exports via penppml (waves 1964–2016 every 4 years; ``years`` must be waves,
    default 2000–2016), CEPII GeoDist pair covariates, the landlocked and bloc facts of
    :mod:`gravity.countries`, and the indicators named in ``indicators`` (default: WDI internet use, ITU
    international bandwidth, ITU fixed and mobile broadband per 100, EGDI, LPI; any name of
    :func:`gravity.datasets.indicator_catalogue` works). Non-country Comtrade areas and countries without
    any positive flow in the chosen years are dropped (``attrs["dropped_countries"]``).

    Schema (one row per exporter i × importer j × year t over N countries, N²·T rows, sorted by year,
    exporter, importer):

    ========================== ===================================================================
    exporter, importer         ISO3 (categorical; BLX = Belgium–Luxembourg as reported to Comtrade)
    year                       int
    trade                      exports i→j in current US$, reported by i; NaN when missing
    flow_status                reported / zero / not reported / exporter not reporting this year /
                               exporter never reports / country not existing / domestic not in source /
                               domestic constructed (see :data:`gravity.panel.FLOW_STATUS`)
    agreement_id, agreement,   penppml agreement in force (NaN where the pair-year is absent)
    rta, <16 provision dummies> (:data:`gravity.datasets.PENPPML_PROVISIONS`)
    dist, distcap, distw,      CEPII GeoDist (km; distw/distwces NaN for 2,215 GeoDist pairs)
    distwces, contig,
    comlang_off, comlang_ethno,
    colony, comcol, curcol,
    col45, smctry
    ln_dist                    ln(dist)
    intl_border                1{i ≠ j}
    landlocked_o/_d,           UN-OHRLLS + European landlocked (not CEPII's flag)
    both_landlocked
    both_eco/cis/eaeu/sco      1{i ≠ j and both members in t}
    <x>_o, <x>_d               indicator x of exporter / importer in t
    <x>_flag_o, <x>_flag_d     observed / estimate / interpolated / carried forward / proxy BEL / missing
    prod_x, min_x, gap_x,      digital interactions x_o·x_d, min, |x_o − x_d|, ln(min) for x in
    ln_min_x                   ``digital`` (default: all merged indicators of the default set)
    ========================== ===================================================================

    Domestic flows: the Comtrade file has none, so i = i rows carry ``trade`` NaN and
    ``flow_status = "domestic not in source"`` unless ``domestic`` is a frame ``iso3, year, trade``
    (e.g. constructed from output data by :mod:`gravity.fill`) or ``"exclude"``.
    Known gaps, visible in ``flow_status`` and the coverage report: UZB never reports exports; TJK and
    TKM report only in 2000; TJK has no ITU bandwidth series; EGDI and LPI start in 2010.

    ``fill="interpolate"|"carry_forward"`` (opt-in, ``fill_limit`` years at most) fills indicator gaps,
    flagged per cell. :func:`corridor_coverage` gives the coverage report of the ten ECO members
    (:func:`gravity.report.plots.write_coverage` writes it as csv, md and png).
    """
    indicators = list(indicators)
    ind = datasets.load_indicators(indicators)
    panel = build_panel(_trade(), years=list(years), source_years=datasets.COMTRADE_YEARS, pairs=_pairs(),
                        indicators=ind, indicator_names=indicators, fill=fill, fill_limit=fill_limit,
                        indicator_proxies=INDICATOR_PROXIES, digital=digital, domestic=domestic, drop_empty=True)
    panel.attrs["sources"] = {k: datasets.citation(k) for k in SOURCES}
    log.info("corridor panel: %d countries x %d years = %d rows; dropped %s", panel.attrs["n_countries"],
             len(panel.attrs["years"]), len(panel), sorted(panel.attrs["dropped_countries"]))
    return panel


def corridor_coverage(panel: pd.DataFrame, countries=ECO) -> pd.DataFrame:
    """Coverage (present / flagged / missing) per ECO country × item × year of a corridor panel."""
    return coverage_report(panel, countries)
