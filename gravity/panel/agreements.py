"""Trade agreements by pair and year from DESTA, and their use where the penppml agreement file is silent.

* :func:`desta_panel` – the unordered pair × year agreement panel built from DESTA's dyads and withdrawals
  (:func:`gravity.data.desta_agreements`, corrected by ``facts/desta_corrections.csv`` by default);
* :func:`fill_agreements` – fills the penppml-based ``rta``/``rta_lag<K>`` of a directed panel where the
  penppml file has no record of the pair, flags every cell's source and adds DESTA's own annual columns;
* :func:`agreement_status` – each pair of a set of countries under both sources in one year.

An agreement enters the structural gravity model (Yotov et al. 2016, ch. 3) as

    X_ij,t = exp(π_i,t + χ_j,t + μ_ij + β₀ RTA_ij,t + β₄ RTA_ij,t−4 + β₈ RTA_ij,t−8) ε_ij,t,

with RTA_ij,t = 1 when an agreement between i and j is in force in t. A pair that no source covers is not
evidence of "no agreement": it is coded 0 only with ``rta_source = "none"`` and counted.

References
----------
Dür, A., Baccini, L. & Elsig, M. (2014). The design of international trade agreements: Introducing a new
dataset. *Review of International Organizations* 9(3): 353–375.
Mattoo, A., Rocha, N. & Ruta, M. (2020). *Handbook of Deep Trade Agreements*. World Bank.
Yotov, Y. V., Piermartini, R., Monteiro, J.-A. & Larch, M. (2016). *An Advanced Guide to Trade Policy
Analysis: The Structural Gravity Model*. WTO/UNCTAD.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable

import numpy as np
import pandas as pd

from gravity import data as datasets
from gravity.panel.build import PanelValidationError

log = logging.getLogger("gravity.panel.agreements")

DESTA_YEARS = tuple(range(2000, 2025))
"""Default years of :func:`desta_panel`."""
DESTA_COLUMNS = ("iso3_a", "iso3_b", "year", "rta", "rta_wto", "n_inforce", "rta_signed", "n_signed")
"""Columns of :func:`desta_panel`."""
SOURCES = ("penppml", "desta", "none", "domestic")
"""Categories of the ``<col>_source`` columns of :func:`fill_agreements`."""
DESTA_KEYS = tuple(
    f"desta-rta/{f}" for f in ("desta_list_of_treaties_02_03_dyads.csv", "desta_dyadic_withdrawal_02_03.csv")
)


def _in_force(ag: pd.DataFrame, years: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(in force, signed and not withdrawn), each (entries, years): entry_force_year ≤ t < withdrawal_year,
    signed_year ≤ t < withdrawal_year (missing years never satisfy the left inequality)."""
    y = years[None, :]
    wd = ag["withdrawal_year"].to_numpy(dtype="float64")
    wd = np.where(np.isnan(wd), np.inf, wd)[:, None]
    ef = ag["entry_force_year"].to_numpy(dtype="float64")[:, None]
    sg = ag["signed_year"].to_numpy(dtype="float64")[:, None]
    return (ef <= y) & (y < wd), (sg <= y) & (y < wd)


def desta_panel(
    years: Iterable[int] = DESTA_YEARS,
    *,
    corrections=True,
    exclude: Iterable[int] = (),
    agreements: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Unordered pair × year agreement panel from DESTA: every pair of DESTA's countries, every year.

    For pair (a, b) and year t, with E_ab the DESTA entries of the pair (:func:`gravity.data.desta_agreements`)

        n_inforce_ab,t = Σ_{e ∈ E_ab} 1{entry_force_year_e ≤ t < withdrawal_year_ab,e},
        rta_ab,t = 1{n_inforce_ab,t > 0},   rta_wto_ab,t = 1{Σ_e wto_listed_e · 1{e in force in t} > 0},

    where withdrawal_year_ab,e is the earliest withdrawal of a or b from e's base treaty (∞ when none);
    ``n_signed``/``rta_signed`` count entries signed and not withdrawn (signed_year ≤ t < withdrawal year).

    Parameters
    ----------
    years : years of the panel (default 2000–2024); include t − K for the lags a panel needs.
    corrections, exclude : passed to :func:`gravity.data.desta_agreements` (default: every bundled correction,
        i.e. ECOTA excluded and Uzbekistan's CIS FTA in force from 2014; ``exclude`` drops further base
        treaties by DESTA number).
    agreements : a pair × agreement table in the schema of :func:`gravity.data.desta_agreements` to use
        instead (``corrections``/``exclude`` are then ignored).

    Returns
    -------
    DataFrame with :data:`DESTA_COLUMNS`, one row per pair ``iso3_a < iso3_b`` of DESTA's 204 countries and year
    (a pair DESTA lists no agreement for is 0: DESTA codes every agreement of its countries), sorted by pair
    and year; ``rta``/``rta_wto``/``rta_signed`` int8, counts int16. ``attrs``: ``countries``, ``years``,
    ``corrections``, ``excluded``, ``sources``.

    Raises
    ------
    PanelValidationError
        Empty ``years``, or an ``agreements`` table without the needed columns.
    gravity.data.DestaCorrectionError
        An unknown correction id or excluded treaty (from :func:`gravity.data.desta_agreements`).
    """
    yrs = np.array(sorted({int(y) for y in years}), dtype="int64")
    if not len(yrs):
        raise PanelValidationError("desta_panel: `years` is empty; give e.g. range(2000, 2025)")
    ag = datasets.desta_agreements(corrections=corrections, exclude=exclude) if agreements is None else agreements
    need = [
        c
        for c in ("iso3_a", "iso3_b", "entry_force_year", "signed_year", "withdrawal_year", "wto_listed")
        if c not in ag.columns
    ]
    if need:
        raise PanelValidationError(
            f"desta_panel: agreements table lacks {need}; pass the frame of "
            f"gravity.data.desta_agreements() (or leave `agreements` unset)"
        )
    codes = list(ag.attrs.get("countries") or sorted(set(ag["iso3_a"]) | set(ag["iso3_b"])))
    cidx = pd.Index(codes)
    n, t = len(codes), len(yrs)
    ia, ib = cidx.get_indexer(ag["iso3_a"].to_numpy()), cidx.get_indexer(ag["iso3_b"].to_numpy())
    lo, hi = np.minimum(ia, ib), np.maximum(ia, ib)
    inforce, signed = _in_force(ag, yrs)
    wto = (ag["wto_listed"].to_numpy(dtype="float64") == 1)[:, None]
    cell = (lo * n + hi)[:, None] * t + np.arange(t)[None, :]  # (pair, year) cell of each entry-year

    def count(mask: np.ndarray) -> np.ndarray:
        return np.bincount(cell[mask], minlength=n * n * t).reshape(n, n, t)

    a, b = np.triu_indices(n, k=1)
    n_in, n_wto, n_sig = count(inforce)[a, b], count(inforce & wto)[a, b], count(signed)[a, b]
    codes_arr = np.array(codes, dtype=object)
    out = pd.DataFrame(
        {
            "iso3_a": np.repeat(codes_arr[a], t),
            "iso3_b": np.repeat(codes_arr[b], t),
            "year": np.tile(yrs, len(a)),
            "rta": (n_in > 0).ravel().astype("int8"),
            "rta_wto": (n_wto > 0).ravel().astype("int8"),
            "n_inforce": n_in.ravel().astype("int16"),
            "rta_signed": (n_sig > 0).ravel().astype("int8"),
            "n_signed": n_sig.ravel().astype("int16"),
        }
    )
    out.attrs.update(
        {
            "countries": codes,
            "years": yrs.tolist(),
            "corrections": dict(ag.attrs.get("corrections", {})),
            "excluded": dict(ag.attrs.get("excluded", {})),
            "sources": {k: datasets.citation(k) for k in DESTA_KEYS},
        }
    )
    return out


# ----------------------------------------------------------------------------- filling a directed panel


def _desta_cube(desta: pd.DataFrame, column: str) -> tuple[pd.Index, np.ndarray, np.ndarray]:
    """(country index, years, values (T, N, N) symmetric int8) of a :func:`desta_panel` frame."""
    need = [c for c in ("iso3_a", "iso3_b", "year", column) if c not in desta.columns]
    if need:
        raise PanelValidationError(
            f"fill_agreements: `desta` lacks column(s) {need}; pass the frame of "
            f"gravity.panel.agreements.desta_panel() (columns {list(DESTA_COLUMNS)})"
        )
    v = pd.to_numeric(desta[column], errors="coerce").to_numpy(dtype="float64")
    bad = ~np.isin(v, (0.0, 1.0))
    if bad.any():
        raise PanelValidationError(
            f"fill_agreements: desta column {column!r} must be 0/1; {int(bad.sum())} rows "
            "are not, e.g. "
            f"{desta.loc[bad, ['iso3_a', 'iso3_b', 'year', column]].head(5).to_dict('records')}"
        )
    codes = list(desta.attrs.get("countries") or sorted(set(desta["iso3_a"]) | set(desta["iso3_b"])))
    yrs = np.array(desta.attrs.get("years") or sorted(set(desta["year"].astype(int))), dtype="int64")
    cidx = pd.Index(codes)
    cube = np.zeros((len(yrs), len(codes), len(codes)), dtype="int8")
    ia, ib = cidx.get_indexer(desta["iso3_a"].to_numpy()), cidx.get_indexer(desta["iso3_b"].to_numpy())
    ti = np.searchsorted(yrs, desta["year"].to_numpy(dtype="int64"))
    cube[ti, ia, ib] = v.astype("int8")
    cube[ti, ib, ia] = v.astype("int8")
    return cidx, yrs, cube


def _provision_columns(panel: pd.DataFrame) -> list[str]:
    return [c for c in datasets.PENPPML_PROVISIONS if c in panel.columns]


def fill_agreements(
    panel: pd.DataFrame, desta: pd.DataFrame, *, column: str = "rta_wto", lags: Iterable[int] = (4, 8)
) -> pd.DataFrame:
    """Fill the penppml agreement columns of a directed panel from DESTA where penppml has no record.

    For every row i ≠ j and c ∈ {``rta``, ``rta_lag<K>``} (K in ``lags``), with D_ij,t = DESTA's ``column``
    for the pair in year t (:func:`desta_panel`):

        c_ij,t = penppml's value                where it is not NaN          (``<c>_source = "penppml"``)
               = D_ij,t−K                        where NaN, DESTA covers i, j (``"desta"``)
               = 0                               where NaN, DESTA does not   (``"none"``, counted)

    (K = 0 for ``rta``). Domestic rows i = j are left as they are (``"domestic"``). DESTA's own annual
    columns ``rta_desta`` = D_ij,t and ``rta_desta_lag<K>`` = D_ij,t−K are added for every row (0 on
    domestic rows and where DESTA does not cover the pair: ``desta_known`` False). Provision dummies that
    are NaN stay NaN.

    Parameters
    ----------
    panel : directed panel with ``exporter, importer, year, rta`` and ``rta_lag<K>`` for each K in ``lags``
        (NaN where the penppml file has no record, as :func:`gravity.panel.itpde.itpde_panel` makes them).
    desta : the frame of :func:`desta_panel`, covering every panel year t and t − K.
    column : DESTA's agreement definition: ``"rta_wto"`` (default; WTO-notified agreements in force,
        closest to penppml's) or ``"rta"`` (any agreement in force).
    lags : the lags K whose ``rta_lag<K>`` columns are filled and whose ``rta_desta_lag<K>`` are added.

    Returns
    -------
    A copy of ``panel`` with ``rta``/``rta_lag<K>`` filled, ``rta_source``/``rta_lag<K>_source``
    (categorical, :data:`SOURCES`), ``rta_desta``, ``rta_desta_lag<K>`` (int8) and ``desta_known``. ``attrs``
    adds ``agreements_filled`` (column → counts of rows by source, and ``desta_agreement``: rows filled with
    1), ``agreements_desta`` (``column``, rows and panel countries DESTA does not cover) and
    ``provisions_unknown`` (``rows``: rows i ≠ j with a NaN provision dummy; ``with_rta``: of which the
    filled ``rta`` is 1; ``columns``). Counts are of directed rows (each pair twice a year).

    Raises
    ------
    PanelValidationError
        Missing columns, agreement values other than 0/1/NaN, or panel years t, t − K that ``desta`` does not
        cover (the message gives the ``desta_panel`` call that does).
    """
    lags = [int(k) for k in lags]
    targets = {"rta": 0, **{f"rta_lag{k}": k for k in lags}}
    need = [c for c in ("exporter", "importer", "year", *targets) if c not in panel.columns]
    if need:
        raise PanelValidationError(
            f"fill_agreements: panel lacks column(s) {need}; it needs exporter, importer, year, rta and rta_lag<K> "
            f"for K in lags={lags} (itpde_panel(lagged=('rta',), lags={tuple(lags)}) makes them), or pass the lags "
            f"the panel has"
        )
    for c in targets:
        x = pd.to_numeric(panel[c], errors="coerce").to_numpy(dtype="float64")
        bad = ~np.isnan(x) & ~np.isin(x, (0.0, 1.0))
        if bad.any():
            eg = panel.loc[bad, ["exporter", "importer", "year", c]].head(5).to_dict("records")
            raise PanelValidationError(
                f"fill_agreements: column {c!r} must be 0, 1 or NaN; {int(bad.sum())} rows are not, e.g. {eg}"
            )
    cidx, yrs, cube = _desta_cube(desta, column)
    year = pd.to_numeric(panel["year"], errors="raise").to_numpy(dtype="int64")
    pyears = np.unique(year)
    wanted = sorted({int(y - k) for y in pyears for k in targets.values()})
    absent = [y for y in wanted if y not in set(yrs.tolist())]
    if absent:
        raise PanelValidationError(
            f"fill_agreements: desta covers {yrs.min()}–{yrs.max()} but the panel years {pyears.min()}–{pyears.max()} "
            f"with lags {lags} need {absent}; build it with desta_panel(years=range({min(wanted)}, {max(wanted) + 1}))"
        )
    exp = panel["exporter"].astype(str).to_numpy()
    imp = panel["importer"].astype(str).to_numpy()
    dom = exp == imp
    ei, ii = cidx.get_indexer(exp), cidx.get_indexer(imp)
    known = (ei >= 0) & (ii >= 0) & ~dom
    e0, i0 = np.where(known, ei, 0), np.where(known, ii, 0)

    out = panel.copy(deep=False)
    filled: dict[str, dict[str, int]] = {}
    for c, k in targets.items():
        d = np.where(known, cube[np.searchsorted(yrs, year - k), e0, i0], 0).astype("int8")
        out[c.replace("rta", "rta_desta", 1)] = d
        orig = pd.to_numeric(panel[c], errors="coerce").to_numpy(dtype="float64")
        miss = np.isnan(orig) & ~dom
        src = np.where(dom, 3, np.where(~miss, 0, np.where(known, 1, 2)))
        val = orig.copy()
        val[miss] = d[miss]  # d is 0 where DESTA does not cover the pair
        out[c] = val
        out[f"{c}_source"] = pd.Categorical.from_codes(src, categories=list(SOURCES))
        counts = np.bincount(src, minlength=4)
        filled[c] = {s: int(n) for s, n in zip(SOURCES, counts)}
        filled[c]["desta_agreement"] = int((miss & known & (d == 1)).sum())
    out["desta_known"] = known

    prov = _provision_columns(panel)
    unknown = np.zeros(len(panel), dtype=bool)
    for c in prov:
        unknown |= np.isnan(pd.to_numeric(panel[c], errors="coerce").to_numpy(dtype="float64"))
    unknown &= ~dom
    not_covered = sorted(set(exp[~dom & (ei < 0)]) | set(imp[~dom & (ii < 0)]))
    out.attrs["agreements_filled"] = filled
    out.attrs["agreements_desta"] = {
        "column": column,
        "rows_not_covered": int((~known & ~dom).sum()),
        "countries_not_covered": not_covered,
        "corrections": dict(desta.attrs.get("corrections", {})),
        "excluded": dict(desta.attrs.get("excluded", {})),
    }
    out.attrs["provisions_unknown"] = {
        "rows": int(unknown.sum()),
        "with_rta": int((unknown & (out["rta"].to_numpy() == 1)).sum()),
        "columns": prov,
    }
    out.attrs.setdefault("sources", {})
    out.attrs["sources"] = {**out.attrs["sources"], **desta.attrs.get("sources", {})}
    log.info(
        "fill_agreements (%s): filled from DESTA %s; no source %s; provisions unknown on %d rows",
        column,
        {c: f["desta"] for c, f in filled.items()},
        {c: f["none"] for c, f in filled.items()},
        int(unknown.sum()),
    )
    return out


# ----------------------------------------------------------------------------- the two sources side by side


def _in_force_names(agreements: pd.DataFrame, year: int) -> dict[tuple[str, str], str]:
    inforce, _ = _in_force(agreements, np.array([year]))
    sub = agreements.loc[inforce[:, 0]]
    wto = np.where(sub["wto_listed"].to_numpy(dtype="float64") == 1, ", WTO", "")
    label = sub["name"].astype(str) + " (" + sub["number"].astype(str) + wto + ")"
    return label.groupby([sub["iso3_a"], sub["iso3_b"]]).agg("; ".join).to_dict()


def agreement_status(
    panel: pd.DataFrame, countries: Iterable[str], year: int, *, agreements: pd.DataFrame | None = None
) -> pd.DataFrame:
    """Each pair of ``countries`` in ``year`` under penppml and under DESTA, from a filled panel.

    Parameters
    ----------
    panel : the result of :func:`fill_agreements`.
    countries : ISO3 codes (e.g. :data:`gravity.data.countries.ECO`).
    year : a panel year.
    agreements : optionally the pair × agreement table of :func:`gravity.data.desta_agreements` used for the
        panel, to list the DESTA agreements in force (``desta_in_force``).

    Returns
    -------
    DataFrame, one row per pair ``iso3_a < iso3_b`` (the row a → b of the panel): ``penppml`` (penppml's
    ``rta``, NaN where it has no record), ``penppml_agreement`` (its agreement name, when the panel has
    ``agreement``), ``desta`` (``rta_desta``), ``desta_known``, ``rta`` and ``rta_source`` (as filled),
    ``status`` ("agree", "differ", "penppml missing", "penppml only" where DESTA does not cover the pair,
    "neither") and ``desta_in_force``
    (names, DESTA numbers and ", WTO" for WTO-notified entries; only with ``agreements``).

    Raises
    ------
    PanelValidationError
        A panel that did not go through :func:`fill_agreements`, or countries / year not in it.
    """
    need = [
        c
        for c in ("exporter", "importer", "year", "rta", "rta_source", "rta_desta", "desta_known")
        if c not in panel.columns
    ]
    if need:
        raise PanelValidationError(f"agreement_status: panel lacks {need}; pass the result of fill_agreements()")
    want = sorted(set(countries))
    yr = pd.to_numeric(panel["year"], errors="raise").to_numpy(dtype="int64") == int(year)
    if not yr.any():
        raise PanelValidationError(f"agreement_status: year {year} is not in the panel")
    sub = panel.loc[yr]
    absent = [c for c in want if c not in set(sub["exporter"].astype(str))]
    if absent:
        raise PanelValidationError(
            f"agreement_status: {absent} are not exporters in the panel's {year} rows; drop them from `countries`"
        )
    e, i = sub["exporter"].astype(str), sub["importer"].astype(str)
    sub = sub.loc[(e.isin(want) & i.isin(want) & (e < i)).to_numpy()]
    pen = np.where(sub["rta_source"].to_numpy() == "penppml", sub["rta"].to_numpy(dtype="float64"), np.nan)
    des = sub["rta_desta"].to_numpy(dtype="float64")
    known = sub["desta_known"].to_numpy(dtype=bool)
    status = np.where(
        np.isnan(pen),
        np.where(known, "penppml missing", "neither"),
        np.where(~known, "penppml only", np.where(pen == des, "agree", "differ")),
    )
    out = pd.DataFrame(
        {
            "iso3_a": sub["exporter"].astype(str).to_numpy(),
            "iso3_b": sub["importer"].astype(str).to_numpy(),
            "year": int(year),
            "penppml": pen,
        }
    )
    if "agreement" in sub.columns:
        out["penppml_agreement"] = np.where(np.isnan(pen), "", sub["agreement"].astype(object).fillna("").astype(str))
    out["desta"] = des.astype("int8")
    out["desta_known"] = known
    out["rta"] = sub["rta"].to_numpy(dtype="float64")
    out["rta_source"] = sub["rta_source"].astype(str).to_numpy()
    out["status"] = status
    if agreements is not None:
        names = _in_force_names(agreements, int(year))
        out["desta_in_force"] = [names.get((a, b), "") for a, b in zip(out["iso3_a"], out["iso3_b"])]
    return out.sort_values(["iso3_a", "iso3_b"]).reset_index(drop=True)
