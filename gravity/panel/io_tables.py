"""Multi-sector input-output tables for the GE: the WIOD world input-output table and the Caliendo–Parro
(cp2015) data as arrays, ready for :meth:`gravity.ge.MultiSectorBaseline.from_table`.

An :class:`IOTable` holds, for N regions and J sectors, in the package's layout (exporters in rows):
``trade[j, i, n]`` (sector-j flow from i to n net of tariffs, domestic sales on the diagonal),
``value_added[j, n]``, ``intermediate[k, j, n]`` (input k used by sector j in n), ``final[j, n]``,
``tariffs[j, i, n]``, ``deficits[n]`` (imports − exports) and the trade elasticities ``theta[j]``. The GE
(:mod:`gravity.ge.multisector`) validates and calibrates it; this module only reads and reshapes.

* :func:`wiod_io_table` — one year of WIOD 2013 (41 regions × 35 industries, no tariffs), θ from
  Caliendo & Parro's Table 1 for goods (:data:`CP2015_THETA` through :data:`WIOD_THETA_SOURCE`);
* :func:`cp2015_io_table` and :func:`cp2015_shock` — the 1993 baseline and the NAFTA counterfactual of the
  R package cp2015 (31 regions × 40 sectors).

References
----------
Caliendo, L. & Parro, F. (2015). Estimates of the trade and welfare effects of NAFTA. *Review of
Economic Studies* 82(1): 1–44 (Table 1: θ; section 5.1: the 1993 data).
Timmer, M. P. et al. (2015). An illustrated user guide to the World Input-Output Database. *Review of
International Economics* 23(3), 575–605.
Felipe, P. (2021). cp2015: the Caliendo & Parro (2015) model in R (github.com/paulofelipe/cp2015).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from gravity.data.readers.wiod import WIOD_INDUSTRIES, WIOD_YEARS
from gravity.data.registry import load
from gravity.panel.build import PanelValidationError

__all__ = [
    "CP2015_THETA",
    "IOTable",
    "WIOD_GOODS",
    "WIOD_THETA_SOURCE",
    "cp2015_io_table",
    "cp2015_shock",
    "wiod_io_table",
]

CP2015_THETA = {
    "Agriculture": 9.11,
    "Mining": 13.53,
    "Food": 2.62,
    "Textile": 8.10,
    "Wood": 11.50,
    "Paper": 16.52,
    "Petroleum": 64.85,
    "Chemicals": 3.13,
    "Plastic": 1.67,
    "Minerals": 2.41,
    "Basic metals": 3.28,
    "Metal products": 6.99,
    "Machinery n.e.c": 1.45,
    "Office": 12.95,
    "Electrical": 12.91,
    "Communication": 3.95,
    "Medical": 8.71,
    "Auto": 8.22,
    "Other Transport": 8.22,
    "Other": 3.98,
}
"""θ_j of the 20 goods sectors as the cp2015 data ship them (``theta`` of ``cp2015_nafta.rda``: CP Table 1,
with 8.22 for Auto and Other Transport); every CP service sector has 8.22 there."""

WIOD_GOODS = tuple(f"c{k}" for k in range(1, 17))
"""WIOD 2013 goods industries: agriculture (c1), mining (c2), manufacturing (c3–c16)."""

WIOD_THETA_SOURCE = {
    "c1": ("Agriculture",),
    "c2": ("Mining",),
    "c3": ("Food",),
    "c4": ("Textile",),
    "c5": ("Textile",),
    "c6": ("Wood",),
    "c7": ("Paper",),
    "c8": ("Petroleum",),
    "c9": ("Chemicals",),
    "c10": ("Plastic",),
    "c11": ("Minerals",),
    "c12": ("Basic metals", "Metal products"),
    "c13": ("Machinery n.e.c",),
    "c14": ("Office", "Electrical", "Communication", "Medical"),
    "c15": ("Auto", "Other Transport"),
    "c16": ("Other",),
}
"""WIOD goods industry → the CP sectors (ISIC rev. 3) it covers; its θ is their simple mean."""

_WIOD_FINAL_CATEGORIES = (
    "household consumption",
    "non-profit consumption",
    "government consumption",
    "gross fixed capital formation",
    "changes in inventories and valuables",
)


@dataclass(frozen=True)
class IOTable:
    """A multi-sector input-output table as arrays (module docstring); ``None`` where a source has no such
    table (the GE then uses its defaults: no intermediates, no tariffs, deficits from ``trade``).

    Attributes
    ----------
    regions, sectors : ndarray of str
    trade : (J, N, N) array
    value_added : (J, N) array
    theta : (J,) array
    intermediate : (J, J, N) array or None
    final : (J, N) array or None
    tariffs : (J, N, N) array or None
    deficits : (N,) array or None
    meta : dict
        Provenance and what was done to the source's cells.
    """

    regions: np.ndarray
    sectors: np.ndarray
    trade: np.ndarray
    value_added: np.ndarray
    theta: np.ndarray
    intermediate: np.ndarray | None = None
    final: np.ndarray | None = None
    tariffs: np.ndarray | None = None
    deficits: np.ndarray | None = None
    meta: dict = field(default_factory=dict)


def _vector(x, n: int, name: str) -> np.ndarray:
    a = np.asarray(x, dtype=float)
    if a.shape != (n,):
        raise PanelValidationError(f"{name} must have one value per industry ({n}), got shape {a.shape}")
    return a


def wiod_io_table(year: int, *, theta=None, services_theta: float = 8.22) -> IOTable:
    """One year of the WIOD 2013 world input-output table (41 regions × 35 industries) as an :class:`IOTable`.

    With Z_{(i,s),(n,k)} the intermediate use of industry s of region i by industry k of region n
    and F_{(i,s),(n,d)} region n's final demand d (five categories) for it, in millions of US$::

        M_in^s        = Σ_k Z_{(i,s),(n,k)} + Σ_d F⁺_{(i,s),(n,d)}       sector flow, i = n domestic
        Y_i^s         = Σ_n M_in^s                                      gross output (sales)
        input[k,j,n]  = Σ_i Z_{(i,k),(n,j)}                              intermediate use, any origin
        VA_n^j        = Y_n^j − Σ_k input[k,j,n]                         value added
        final_n^j     = Σ_i Σ_d F⁺_{(i,j),(n,d)}
        D_n           = Σ_s Σ_i M_in^s − Σ_s Σ_i M_ni^s                  imports − exports

    so that the data are an equilibrium of the Caliendo–Parro model with fixed (additive) deficits (CP
    eqs. 10–15 at τ = 0, d̂ = 1; ``solve_multisector(b).convergence["baseline_gap"]`` ≈ 1e-12). WIOD has no
    tariffs (τ = 0).

    Negative cells: changes in inventories (and a few capital-formation cells) are negative in
    ``final``. Each negative cell F_{(i,s),(n,d)} (and any negative Z) is set to 0 before the
    sums, which raises that industry's output and value added by the same amount. A sector whose
    inputs then still exceed its sales (value added below 0: at most a few cells a year, −16 at
    worst, the file's integer rounding) gets value added 0, the gap added to its domestic final
    sale. Counts, totals and the largest cell are recorded in ``meta["negative_cells"]`` (by
    final-demand category), never silently. :func:`gravity.data.readers.wiod.read_wiod` instead zeroes
    the few *summed* flows that stay negative; the two differ by these cells only.

    Trade elasticities: no WIOD-specific estimates exist here. Goods industries (c1–c16) take
    Caliendo & Parro's θ (:data:`CP2015_THETA`) through :data:`WIOD_THETA_SOURCE`, the simple mean
    where a WIOD industry covers several CP sectors (c12, c14, c15); services (c17–c35) take
    ``services_theta`` (default 8.22, the value the cp2015 data give every service sector; not an
    estimate for services). ``meta["theta_source"]`` lists the rule per industry.

    Parameters
    ----------
    year : int
        1995–2011 (``wiod2013/wiot_YYYY.RData`` through :func:`gravity.data.registry.load`).
    theta : dict or (35,) array, optional
        θ per industry: a dict ``{"c3": 4.0, ...}`` overrides the default for the industries it
        names; an array replaces all 35.
    services_theta : float
        θ of c17–c35 when ``theta`` does not give it.

    Returns
    -------
    IOTable
        Regions as in WIOD (ISO3, ``ROM`` renamed ``ROU``, ``RoW`` the rest of the world), sectors
        ``c1``–``c35``, values in millions of current US$.

    Raises
    ------
    PanelValidationError
        A year outside 1995–2011, an unknown industry in ``theta`` or an array of the wrong length.

    References
    ----------
    Timmer et al. (2015); Caliendo & Parro (2015), Table 1 (θ).
    """
    if int(year) not in WIOD_YEARS:
        raise PanelValidationError(
            f"WIOD 2013 covers {WIOD_YEARS[0]}–{WIOD_YEARS[-1]}, got year {year}; pick a year in that range"
        )
    obj = load(f"wiod2013/wiot_{int(year)}.RData")
    if isinstance(obj, dict) and len(obj) == 1 and isinstance(next(iter(obj.values())), dict):
        obj = next(iter(obj.values()))
    obj = {str(k): v for k, v in obj.items()}
    regions = np.array([{"ROM": "ROU"}.get(r, r) for r in np.asarray(obj["countries"]).astype(str)])
    inds = np.asarray(obj["industries"]).astype(str)
    R, S = len(regions), len(inds)
    Z = np.asarray(obj["inter"], dtype=np.float64).reshape(R, S, R, S)  # [i, s, n, k]
    F = np.asarray(obj["final"], dtype=np.float64).reshape(R, S, R, 5)  # [i, s, n, d]
    negative: dict[str, Any] = {"inter": {"cells": int((Z < 0).sum()), "total": float(Z[Z < 0].sum())}}
    for d, what in enumerate(_WIOD_FINAL_CATEGORIES):
        f = F[..., d]
        negative[what] = {"cells": int((f < 0).sum()), "total": float(f[f < 0].sum())}
    worst = np.unravel_index(int(np.argmin(F)), F.shape)
    negative["largest"] = (
        (
            f"{regions[worst[0]]} {inds[worst[1]]} → {regions[worst[2]]} "
            f"{_WIOD_FINAL_CATEGORIES[worst[3]]}: {F[worst]:.0f}"
        )
        if F[worst] < 0
        else ""
    )
    negative["rule"] = "negative cells set to 0 before summing; output and value added rise by their total"
    Z = np.clip(Z, 0.0, None)
    F = np.clip(F, 0.0, None)
    trade = np.ascontiguousarray((Z.sum(axis=3) + F.sum(axis=3)).transpose(1, 0, 2))  # [s, i, n]
    ic = np.ascontiguousarray(Z.sum(axis=0).transpose(0, 2, 1))  # [k, j, n]
    fin = np.ascontiguousarray(F.sum(axis=(0, 3)))  # [j, n]
    va = trade.sum(axis=2) - ic.sum(axis=0)  # [j, n]
    # a sector whose inputs exceed its sales (WIOD's integer rounding, subsidies): value added
    # set to 0 and the gap g added to its domestic final sale, so Y = VA + inputs stays exact
    j, n = np.nonzero(va < 0)
    gap = -va[j, n]
    negative["value_added_below_0"] = {
        "cells": int(len(j)),
        "total": float(-gap.sum()),
        "rule": "set to 0; the gap is added to the domestic final sale",
    }
    trade[j, n, n] += gap
    fin[j, n] += gap
    va[j, n] = 0.0
    th = np.full(S, float(services_theta))
    src = {}
    for s_, code in enumerate(inds):
        if code in WIOD_THETA_SOURCE:
            cps = WIOD_THETA_SOURCE[code]
            th[s_] = float(np.mean([CP2015_THETA[c] for c in cps]))
            src[code] = "CP " + " / ".join(cps) + (" (mean)" if len(cps) > 1 else "")
        else:
            src[code] = f"default {services_theta:g} (services)"
    if theta is not None:
        if isinstance(theta, dict):
            bad = [k for k in theta if k not in WIOD_INDUSTRIES]
            if bad:
                raise PanelValidationError(f"theta names unknown WIOD industries {bad}; codes are c1–c35")
            for k, v in theta.items():
                th[int(np.flatnonzero(inds == k)[0])] = float(v)
                src[k] = "given"
        else:
            th = _vector(theta, S, "theta")
            src = {k: "given" for k in inds}
    yr = int(np.asarray(obj["year"]).ravel()[0]) if "year" in obj else int(year)
    meta = {
        "source": f"wiod2013/wiot_{yr}.RData",
        "year": yr,
        "units": "millions of current US$",
        "negative_cells": negative,
        "theta_source": src,
        "industries": {k: WIOD_INDUSTRIES.get(k, k) for k in inds},
    }
    return IOTable(regions, inds, trade, va, th, intermediate=ic, final=fin, meta=meta)


def cp2015_io_table(data: dict) -> IOTable:
    """The 1993 baseline of the cp2015 data list (``gravity.data.load("cp2015/cp2015_nafta.rda")``).

    Uses ``trade.value`` and the 1993 tariffs ``trade.tariff``, ``intermediate_consumption``,
    ``final_consumption``, ``value_added``, ``deficit.D`` and ``theta``; regions and sectors in
    the order of ``sets``.

    Parameters
    ----------
    data : dict
        The R list as read by ``rdata`` (keys ``sets``, ``trade``, ``intermediate_consumption``,
        ``final_consumption``, ``value_added``, ``deficit``, ``theta``).

    Returns
    -------
    IOTable

    Raises
    ------
    PanelValidationError
        A missing element or column, or a table that does not cover every cell exactly once.

    References
    ----------
    Caliendo & Parro (2015), section 5.1; cp2015 (``data/cp2015_nafta.rda``).
    """
    need = ("sets", "trade", "intermediate_consumption", "final_consumption", "value_added", "deficit", "theta")
    keys = {str(k): v for k, v in data.items()}
    miss = [k for k in need if k not in keys]
    if miss:
        raise PanelValidationError(
            f"cp2015 data lacks {miss}; load it with gravity.data.load('cp2015/cp2015_nafta.rda')"
        )
    sets = {str(k): v for k, v in keys["sets"].items()}
    regions = np.asarray(sets["regions"], dtype=str)
    sectors = np.asarray(sets["sectors"], dtype=str)
    tr = keys["trade"]
    trade = _pivot(tr, ("sector", "exporter", "importer"), "value", (sectors, regions, regions), "trade")
    tau = _pivot(tr, ("sector", "exporter", "importer"), "tariff", (sectors, regions, regions), "trade")
    ic = _pivot(
        keys["intermediate_consumption"],
        ("input", "sector", "region"),
        "value",
        (sectors, sectors, regions),
        "intermediate_consumption",
    )
    va = _pivot(keys["value_added"], ("sector", "region"), "value", (sectors, regions), "value_added")
    fin = _pivot(keys["final_consumption"], ("sector", "region"), "value", (sectors, regions), "final_consumption")
    dfc = _pivot(keys["deficit"], ("region",), "D", (regions,), "deficit")
    theta = _pivot(keys["theta"], ("sector",), "value", (sectors,), "theta")
    return IOTable(
        regions,
        sectors,
        trade,
        va,
        theta,
        intermediate=ic,
        final=fin,
        tariffs=tau,
        deficits=dfc,
        meta={"source": "cp2015/cp2015_nafta.rda"},
    )


def _pivot(df: pd.DataFrame, keys: tuple, value: str, levels: tuple, name: str) -> np.ndarray:
    """A long table → dense array over ``levels`` (every cell exactly once)."""
    miss = [c for c in (*keys, value) if c not in df.columns]
    if miss:
        raise PanelValidationError(f"{name}: missing columns {miss}")
    codes = []
    for k, lev in zip(keys, levels):
        c = pd.Categorical(df[k].astype(str), categories=lev).codes
        if (c < 0).any():
            bad = df[k][c < 0].astype(str).unique()[:5]
            raise PanelValidationError(f"{name}.{k}: values {list(bad)} are not in the sets; fix the labels")
        codes.append(c)
    shape = tuple(len(lev) for lev in levels)
    flat = np.ravel_multi_index(codes, shape)
    if len(flat) != int(np.prod(shape)) or len(np.unique(flat)) != len(flat):
        raise PanelValidationError(
            f"{name}: {len(flat)} rows for {int(np.prod(shape))} cells {keys}; each cell must appear exactly once"
        )
    out = np.empty(int(np.prod(shape)))
    out[flat] = df[value].to_numpy(dtype=float)
    return out.reshape(shape)


def cp2015_shock(data: dict, table) -> dict:
    """The NAFTA counterfactual of the cp2015 data: ``tariffs`` (``trade.tariff_cfl``) and ``iceberg``
    (``d_cfl / d_bln``), as (J, N, N) arrays in the order of ``table``, ready for
    :func:`gravity.ge.multisector.solve_multisector`.

    Parameters
    ----------
    data : dict
        The cp2015 list (see :func:`cp2015_io_table`).
    table : IOTable or MultiSectorBaseline
        Built from the same data (its ``regions`` and ``sectors`` give the order).

    Returns
    -------
    dict
        ``{"tariffs": τ', "iceberg": d̂}``.
    """
    tr = {str(k): v for k, v in data.items()}["trade"]
    lev = (table.sectors, table.regions, table.regions)
    keys = ("sector", "exporter", "importer")
    tcf = _pivot(tr, keys, "tariff_cfl", lev, "trade")
    d1 = _pivot(tr, keys, "d_cfl", lev, "trade")
    d0 = _pivot(tr, keys, "d_bln", lev, "trade")
    return {"tariffs": tcf, "iceberg": d1 / d0}
