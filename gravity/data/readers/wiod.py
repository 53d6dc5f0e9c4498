"""World Input-Output Database, 2013 release: sector-level bilateral flows with domestic flows.

Each ``wiod2013/wiot_YYYY.RData`` (1995–2011) is an R list: ``inter`` (1435 × 1435 intermediate flows, rows
= origin country-industry, columns = using country-industry, country-major: row ``35·r + s`` is industry s
of region r), ``final`` (1435 × 205, five final-demand columns per region: household, non-profit and
government consumption, gross fixed capital formation, changes in inventories and valuables), ``output``
(1435), ``countries`` (40 countries + ``RoW``) and ``industries`` (``c1``–``c35``), in integer millions of
current US$. The flow of sector s from exporter i to importer j is everything j buys of i's output of s,

.. math:: X^s_{ij,t} = \\sum_{k} Z_{(i,s),(j,k),t} + \\sum_{d=1}^{5} F_{(i,s),(j,d),t},

intermediate use by every industry k of j plus j's final demand; ``i = j`` is the domestic flow, and
:math:`\\sum_j X^s_{ij,t}` is gross output of (i, s) up to integer rounding. Returned in current US$
(× 10^6), as every trade reader.

Negative cells. Changes in inventories (and, rarely, capital formation) are negative in some cells of
``final``; summed with the rest, 5–30 sector-level flows a year stay negative. PPML needs
:math:`X \\ge 0`, so a reader must say what it does with them: by default they are set to 0 and flagged
``"negative_set_to_zero"`` (``negative="keep"`` keeps them, flagged ``"negative"``; ``"raise"`` refuses);
each case is logged with the cells. Every other row has ``flag == ""``.

Coverage. RUS and TUR are separate countries; the Central Asian economies (KAZ, KGZ, TJK, TKM, UZB) exist
only inside ``RoW``, which has no geography (leave it out of a gravity regression that needs distances).
Romania is ``ROM`` in the files and ``ROU`` here.

References
----------
Timmer, M. P., Dietzenbacher, E., Los, B., Stehrer, R. & de Vries, G. J. (2015). An Illustrated User Guide
to the World Input-Output Database: the Case of Global Automotive Production. *Review of International
Economics* 23(3), 575–605.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Literal

import numpy as np
import pandas as pd

from gravity.data import registry
from gravity.data.errors import DataInputError
from gravity.data.readers._common import log, resolve
from gravity.errors import GravityError
from gravity.options import validator

__all__ = ["WIOD_YEARS", "WIOD_INDUSTRIES", "WIOD_COLUMNS", "read_wiod", "iter_wiod_sectors"]

WIOD_YEARS: tuple[int, ...] = tuple(range(1995, 2012))
WIOD_COLUMNS = ["exporter", "importer", "sector", "year", "trade", "flag"]
N_FINAL = 5  # final-demand columns per region
WIOD_INDUSTRIES: dict[str, str] = {  # WIOD 2013 release, NACE rev. 1.1 codes in brackets
    "c1": "Agriculture, hunting, forestry and fishing (AtB)",
    "c2": "Mining and quarrying (C)",
    "c3": "Food, beverages and tobacco (15t16)",
    "c4": "Textiles and textile products (17t18)",
    "c5": "Leather, leather products and footwear (19)",
    "c6": "Wood and products of wood and cork (20)",
    "c7": "Pulp, paper, printing and publishing (21t22)",
    "c8": "Coke, refined petroleum and nuclear fuel (23)",
    "c9": "Chemicals and chemical products (24)",
    "c10": "Rubber and plastics (25)",
    "c11": "Other non-metallic minerals (26)",
    "c12": "Basic metals and fabricated metal (27t28)",
    "c13": "Machinery, n.e.c. (29)",
    "c14": "Electrical and optical equipment (30t33)",
    "c15": "Transport equipment (34t35)",
    "c16": "Manufacturing n.e.c.; recycling (36t37)",
    "c17": "Electricity, gas and water supply (E)",
    "c18": "Construction (F)",
    "c19": "Sale, maintenance and repair of motor vehicles; retail sale of fuel (50)",
    "c20": "Wholesale trade, except of motor vehicles (51)",
    "c21": "Retail trade, except of motor vehicles; repair of household goods (52)",
    "c22": "Hotels and restaurants (H)",
    "c23": "Inland transport (60)",
    "c24": "Water transport (61)",
    "c25": "Air transport (62)",
    "c26": "Supporting transport activities; travel agencies (63)",
    "c27": "Post and telecommunications (64)",
    "c28": "Financial intermediation (J)",
    "c29": "Real estate activities (70)",
    "c30": "Renting of machinery and equipment; other business activities (71t74)",
    "c31": "Public administration and defence; compulsory social security (L)",
    "c32": "Education (M)",
    "c33": "Health and social work (N)",
    "c34": "Other community, social and personal services (O)",
    "c35": "Private households with employed persons (P)",
}
_CODES = {"ROM": "ROU"}
WIODFlows = Literal["total", "intermediate", "final"]
"""Which WIOD flows :func:`read_wiod` sums: intermediate use, final demand, or both."""
WIODNegative = Literal["zero", "keep", "raise"]
"""What :func:`read_wiod` does with summed sector flows that stay negative (inventory changes)."""
_check_flows = validator(WIODFlows, "flows", DataInputError)
_check_negative = validator(WIODNegative, "negative", DataInputError)


class WIODNegativeFlowError(GravityError, ValueError):
    """``negative="raise"`` and a sector-level flow is negative."""


def _key(year) -> str | Path:
    """Registry key (or path) of one year's table; ``year`` is a year, a registry key or a path."""
    if isinstance(year, (int, np.integer)):
        if int(year) not in WIOD_YEARS:
            raise DataInputError(
                f"WIOD 2013 covers {WIOD_YEARS[0]}–{WIOD_YEARS[-1]}, got year {year}; pick a year in that range"
            )
        return f"wiod2013/wiot_{int(year)}.RData"
    return year


def _cube(year, flows: str) -> tuple[int, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """One year's flows as an array sector × exporter × importer (millions of US$) plus its labels.

    Returns ``(year, regions, industries, cube, output)``; ``output`` is gross output, regions × sectors.
    """
    _check_flows(flows)
    key = _key(year)
    obj = (
        registry.load(key)
        if isinstance(key, str) and key in registry.REGISTRY
        else registry.read_r(resolve(key), rds=False)
    )
    if isinstance(obj, dict) and len(obj) == 1 and isinstance(next(iter(obj.values())), dict):
        obj = next(iter(obj.values()))  # a workspace holding the list under one name (wiot_YYYY)
    need = {"inter", "final", "output", "countries", "industries"}
    if not isinstance(obj, dict) or not need <= set(map(str, obj)):
        raise DataInputError(
            f"{key}: expected an R list with {sorted(need)}, found "
            f"{sorted(map(str, obj)) if isinstance(obj, dict) else type(obj).__name__}"
        )
    obj = {str(k): v for k, v in obj.items()}
    regions = np.asarray(obj["countries"]).astype(str)
    inds = np.asarray(obj["industries"]).astype(str)
    R, S = regions.size, inds.size
    inter = np.asarray(obj["inter"], dtype=np.float64)
    final = np.asarray(obj["final"], dtype=np.float64)
    output = np.asarray(obj["output"], dtype=np.float64)
    if inter.shape != (R * S, R * S) or final.shape != (R * S, N_FINAL * R) or output.shape != (R * S,):
        raise DataInputError(
            f"{key}: expected inter {R * S} × {R * S}, final {R * S} × {N_FINAL * R} and output "
            f"{R * S} for {R} regions × {S} industries; found {inter.shape}, {final.shape}, "
            f"{output.shape}"
        )
    yr = int(np.asarray(obj["year"]).ravel()[0]) if "year" in obj else _year_of(key)
    cube = np.zeros((R, S, R))
    if flows in ("total", "intermediate"):
        cube += inter.reshape(R, S, R, S).sum(axis=3)
    if flows in ("total", "final"):
        cube += final.reshape(R, S, R, N_FINAL).sum(axis=3)
    regions = np.array([_CODES.get(r, r) for r in regions], dtype=object)
    return yr, regions, inds, np.ascontiguousarray(cube.transpose(1, 0, 2)), output.reshape(R, S)


def _negatives(cube: np.ndarray, year: int, regions, inds, negative: str) -> np.ndarray:
    """Apply the negative-cell rule in place; return the boolean mask of negative cells (module docstring)."""
    _check_negative(negative)
    neg = cube < 0
    if neg.any():
        s, i, j = np.nonzero(neg)
        cells = ", ".join(
            f"{inds[a]} {regions[b]}→{regions[c]} {cube[a, b, c]:.0f}" for a, b, c in zip(s[:10], i[:10], j[:10])
        )
        if negative == "raise":
            raise WIODNegativeFlowError(
                f"WIOD {year}: {int(neg.sum())} negative sector-level flows (inventory changes), e.g. {cells} "
                f"(millions of US$); pass negative='zero' to set them to 0 or 'keep' to keep them, both flagged"
            )
        log.info(
            "WIOD %d: %d negative sector-level flows (inventory changes) %s: %s%s",
            year,
            int(neg.sum()),
            "set to 0" if negative == "zero" else "kept",
            cells,
            " …" if s.size > 10 else "",
        )
        if negative == "zero":
            cube[neg] = 0.0
    return neg


def _tidy(cube: np.ndarray, neg: np.ndarray, year: int, regions, inds, negative: str) -> pd.DataFrame:
    S, R, _ = cube.shape
    label = "negative_set_to_zero" if negative == "zero" else "negative"
    flag = np.where(neg.ravel(), label, "").astype(object)
    return pd.DataFrame(
        {
            "exporter": np.tile(np.repeat(regions, R), S),
            "importer": np.tile(regions, R * S),
            "sector": np.repeat(inds.astype(object), R * R),
            "year": np.full(S * R * R, year, dtype="int64"),
            "trade": cube.ravel() * 1e6,
            "flag": flag,
        }
    )[WIOD_COLUMNS]


def read_wiod(year, *, flows: WIODFlows = "total", negative: WIODNegative = "zero") -> pd.DataFrame:
    """Sector-level bilateral flows of one WIOD 2013 year, domestic flows included (module docstring).

    Parameters
    ----------
    year : int or str
        1995–2011, or the registry key / path of a ``wiot_YYYY.RData`` file.
    flows : {"total", "intermediate", "final"}
        ``X^s_ij = Σ_k Z_(i,s),(j,k) + Σ_d F_(i,s),(j,d)`` ("total"), its first term, or its second.
    negative : {"zero", "keep", "raise"}
        What to do with negative flows (inventory changes): set to 0, keep, or raise
        :class:`WIODNegativeFlowError`; the first two flag the rows.

    Returns
    -------
    pandas.DataFrame
        ``exporter, importer, sector, year, trade, flag``: 35 sectors × 41 exporters × 41 importers
        (58,835 rows, sorted by sector as in the file, exporter, importer), ``trade`` in current US$,
        ``exporter == importer`` the domestic flow, ``importer == "RoW"`` the rest of the world.

    Raises
    ------
    DataInputError
        A year outside 1995–2011, a file not in the WIOD layout, an unknown ``flows`` or ``negative``.
    """
    yr, regions, inds, cube, _ = _cube(year, flows)
    neg = _negatives(cube, yr, regions, inds, negative)
    return _tidy(cube, neg, yr, regions, inds, negative)


def iter_wiod_sectors(
    years: Iterable[int] = WIOD_YEARS,
    *,
    sectors: Iterable[str] | None = None,
    flows: WIODFlows = "total",
    negative: WIODNegative = "zero",
) -> Iterator[tuple[str, pd.DataFrame]]:
    """Stream WIOD sector by sector: one sector's flows over ``years`` at a time.

    Each year's table (two dense matrices, about 17 MB as float64) is read, reduced to the sector × exporter
    × importer cube of the requested ``sectors`` (41 × 41 per sector-year) and released before the next year
    is read; only the reduced cubes are kept, so memory holds one table plus
    ``len(sectors) × len(years) × 41²`` floats (≈ 0.5 MB a year for all 35 sectors), never the file set.
    A tidy frame is built only for the sector being yielded.

    Parameters
    ----------
    years : iterable of int
        Years to read (default 1995–2011).
    sectors : iterable of str, optional
        Industry codes (``"c1"``…``"c35"``); default all, in the file's order.
    flows, negative : str
        As in :func:`read_wiod`.

    Yields
    ------
    (str, pandas.DataFrame)
        The sector code and its rows of :func:`read_wiod` for every year (sorted by year, exporter, importer).

    Raises
    ------
    DataInputError
        An unknown sector code, a year outside 1995–2011, or a bad ``flows``/``negative``.
    """
    years = [int(y) for y in years]
    if not years:
        raise DataInputError("years is empty: give at least one WIOD year (1995–2011)")
    keep = None if sectors is None else [str(s) for s in sectors]
    if keep is not None:
        bad = [s for s in keep if s not in WIOD_INDUSTRIES]
        if bad:
            raise DataInputError(
                f"unknown WIOD sectors {bad}; codes are c1–c35 (gravity.data.readers.wiod.WIOD_INDUSTRIES)"
            )
    reduced: list = []
    regions: np.ndarray | None = None
    inds: np.ndarray = np.empty(0, dtype=str)
    for y in years:
        yr, reg, ind, cube, _ = _cube(y, flows)
        if regions is not None and (list(reg) != list(regions) or list(ind) != list(inds)):
            raise DataInputError(
                f"WIOD {yr}: regions or industries differ from {years[0]}'s; the files are not from one release"
            )
        regions, inds = reg, ind
        pick = [int(np.flatnonzero(inds == s)[0]) for s in keep] if keep is not None else list(range(inds.size))
        sub = np.ascontiguousarray(cube[pick])
        del cube
        neg = _negatives(sub, yr, regions, inds[pick], negative)
        reduced.append((yr, sub, neg))
    codes = inds if keep is None else np.asarray(keep)
    for k, code in enumerate(codes):
        parts = [
            _tidy(sub[k : k + 1], neg[k : k + 1], yr, regions, np.asarray([code]), negative) for yr, sub, neg in reduced
        ]
        yield str(code), pd.concat(parts, ignore_index=True)


def _year_of(key) -> int:
    """The year in a ``wiot_YYYY.RData`` key or path."""
    m = re.search(r"wiot_(\d{4})", str(key))
    if not m:
        raise DataInputError(f"{key}: not a WIOD table name (wiot_YYYY.RData)")
    return int(m.group(1))
