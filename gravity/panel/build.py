"""The square exporter × importer × year panel: flows, pair covariates, country-year indicators.

:func:`build_panel` turns any trade frame (``exporter, importer, year, trade`` + optional source columns)
into the full grid i × j × t over the chosen countries and years, so that every cell is visible:

* ``trade`` keeps explicit zeros (``flow_status == "zero"``) distinct from missing flows (NaN), and
  ``flow_status`` says why a flow is missing: ``"country not existing"`` (either state did not exist that
  year, :func:`gravity.data.countries.exists`), ``"exporter never reports"`` (the country is never an exporter in
  the source: UZB in the penppml Comtrade file), ``"exporter not reporting this year"`` (TJK, TKM after
  2000), ``"not reported"`` (the exporter reports that year, not this partner), ``"missing in source"``
  (a row whose value is empty), ``"domestic not in source"`` (i = i when the source has no domestic flows);
* domestic flows X_ii: taken from the source when it has them; otherwise kept as explicit missing rows
  (default), dropped (``domestic="exclude"``), refused (``domestic="require"`` raises, for the GE), or
  plugged in from a frame ``iso3, year, trade`` built from output data (``flow_status ==
  "domestic constructed"``; see :func:`gravity.scenario.baseline.domestic_flows`);
* pair covariates (e.g. :func:`gravity.data.read_geodist`) merged by (exporter, importer);
* indicators (long ``iso3, year, indicator, value, source, flag``) merged as ``<name>_o`` (exporter i,
  year t) and ``<name>_d`` (importer j, year t), each with a per-cell flag ``<name>_flag_o/_d``:
  ``observed``, the source's own flag (e.g. ``estimate``), ``interpolated``, ``carried forward``,
  ``proxy <code>`` or ``missing``. Interpolation / carry-forward only when asked (``fill=``);
* derived variables: ``ln_dist = ln(dist_ij)``, ``intl_border = 1{i ≠ j}``, ``landlocked_o/_d``,
  ``both_landlocked``, bloc dummies ``both_<bloc>`` = 1{i ≠ j, i and j members of the bloc in t}, and for
  each digital indicator x: ``prod_x = x_o·x_d``, ``min_x = min(x_o, x_d)``, ``gap_x = |x_o − x_d|``,
  ``ln_min_x = ln(min_x)`` (NaN where min_x ≤ 0 or a side is missing).

In the structural gravity model (Yotov et al. 2016, eq. 1–2)  X_ij,t = exp(π_i,t + χ_j,t + β'z_ij,t) ε_ij,t,
the panel supplies X_ij,t (``trade``) and z_ij,t (covariates, digital interactions); the fixed effects
are built by the estimator from ``exporter``/``importer``/``year``.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from typing import Literal

import numpy as np
import pandas as pd

from gravity.data import countries as cc
from gravity.errors import GravityError
from gravity.options import choices, validator
from gravity.panel import features as ft

log = logging.getLogger("gravity.panel")

FLOW_STATUS = (
    "reported",
    "zero",
    "domestic constructed",
    "not reported",
    "exporter not reporting this year",
    "exporter never reports",
    "country not existing",
    "missing in source",
    "domestic not in source",
)
"""Categories of ``flow_status``; ``trade`` is NaN exactly for the last six."""
MISSING_STATUS = FLOW_STATUS[3:]
FillMethod = Literal["interpolate", "carry_forward"]
"""How indicator gaps are filled on request (``fill=``; None: not filled), each filled cell flagged."""
FILL_METHODS = (None, *choices(FillMethod))
DomesticRule = Literal["source", "require", "exclude"]
"""What :func:`build_panel` does with domestic flows (``domestic=``; None or a frame: module docstring)."""
DIGITAL = ("internet", "bandwidth", "fixed_broadband", "mobile_broadband", "egdi", "lpi")


class PanelValidationError(GravityError, ValueError):
    """Input that would give a wrong panel; the message names the column, the rows and the fix."""


_check_fill = validator(FillMethod, "fill", PanelValidationError, hint="or None (no fill)")
_check_domestic = validator(
    DomesticRule,
    "domestic",
    PanelValidationError,
    hint="or None (kept as the source has them) or a frame iso3, year, trade",
)


def _rows(df: pd.DataFrame, mask, cols, limit: int = 10) -> str:
    sub = df.loc[mask, cols].head(limit)
    more = int(np.asarray(mask).sum()) - len(sub)
    return "; ".join(", ".join(f"{c}={v}" for c, v in r.items()) for r in sub.to_dict("records")) + (
        f"; … and {more} more" if more > 0 else ""
    )


# ----------------------------------------------------------------------------- validation


def validate_trade(
    trade: pd.DataFrame, *, source_years: Iterable[int] | None = None, years: Iterable[int] | None = None
) -> None:
    """Raise :class:`PanelValidationError` for missing columns, duplicate keys, negative flows, unknown
    country codes, or requested ``years`` outside the source's coverage (``source_years``)."""
    need = [c for c in ("exporter", "importer", "year", "trade") if c not in trade.columns]
    if need:
        raise PanelValidationError(
            f"trade frame lacks column(s) {need}; expected exporter, importer, year, trade "
            f"(see the readers of gravity.data)"
        )
    keys = pd.DataFrame(
        {
            "exporter": trade["exporter"].astype(str).to_numpy(),
            "importer": trade["importer"].astype(str).to_numpy(),
            "year": year_values(trade),
        }
    )
    dup = keys.duplicated(["exporter", "importer", "year"], keep=False).to_numpy()
    if dup.any():
        raise PanelValidationError(
            f"trade has {int(dup.sum())} rows with duplicate keys (exporter, importer, year) once codes are read "
            f"as text and years as integers: {_rows(trade, dup, ['exporter', 'importer', 'year', 'trade'])}. "
            f"Fix: aggregate (sum) or drop duplicates before building the panel (and give years in one type)."
        )
    tv = pd.to_numeric(trade["trade"], errors="coerce").to_numpy(dtype=float)
    nonnum = (np.isnan(tv) & trade["trade"].notna().to_numpy()) | np.isinf(tv)
    if nonnum.any():
        raise PanelValidationError(
            f"column 'trade' has {int(nonnum.sum())} non-numeric or infinite values: "
            f"{_rows(trade, nonnum, ['exporter', 'importer', 'year', 'trade'])}. Fix: give flows as finite "
            f"numbers (NaN for a missing flow)."
        )
    neg = tv < 0
    if neg.any():
        raise PanelValidationError(
            f"column 'trade' has {int(neg.sum())} negative flows: "
            f"{_rows(trade, neg, ['exporter', 'importer', 'year', 'trade'])}. Flows must be >= 0."
        )
    codes = pd.unique(
        np.concatenate([trade["exporter"].astype(str).to_numpy(), trade["importer"].astype(str).to_numpy()])
    )
    unknown = sorted(set(codes) - cc.known_codes())
    if unknown:
        bad = (trade["exporter"].astype(str).isin(unknown) | trade["importer"].astype(str).isin(unknown)).to_numpy()
        raise PanelValidationError(
            f"unknown country codes {unknown} in columns exporter/importer, e.g. rows "
            f"{_rows(trade, bad, ['exporter', 'importer', 'year'])}. Fix: harmonise with "
            f"gravity.data.countries.to_iso3 (or add them to data/legacy_codes.csv)."
        )
    if years is not None:
        years = year_list(years, "years")
        cover = sorted(
            set(year_list(source_years, "source_years") if source_years is not None else year_values(trade).tolist())
        )
        outside = sorted(set(years) - set(cover))
        if outside:
            raise PanelValidationError(
                f"years {outside} are outside the trade source's coverage ({_span(cover)}). "
                f"Fix: choose years among {cover}."
            )


def year_values(trade: pd.DataFrame) -> np.ndarray:
    """The ``year`` column as int64, refusing what an integer cast would silently change.

    ``"2000"`` and ``2000.0`` are read as 2000; ``2000.9``, ``"2000a"``, missing and boolean years raise,
    so that rows cannot collide after the cast (``"2000"`` beside ``2000`` is caught as a duplicate key by
    :func:`validate_trade`).

    Parameters
    ----------
    trade : DataFrame
        With a ``year`` column.

    Returns
    -------
    numpy.ndarray of int64

    Raises
    ------
    PanelValidationError
        Naming the rows whose year is not a whole number.
    """
    raw = trade["year"]
    if raw.dtype == bool:
        raise PanelValidationError("column 'year' is boolean. Fix: give calendar years as integers, e.g. 2000")
    if pd.api.types.is_datetime64_any_dtype(raw.dtype) or isinstance(raw.dtype, pd.PeriodDtype):
        raise PanelValidationError(
            f"column 'year' holds dates ({raw.dtype}, e.g. {raw.iloc[0]!s}), not years; an integer cast would "
            f"give a count of time units since 1970. Fix: trade['year'] = trade['year'].dt.year"
        )
    num = pd.to_numeric(raw, errors="coerce").to_numpy(dtype=float)
    bad = ~np.isfinite(num) | (num != np.round(num))
    if bad.any():
        raise PanelValidationError(
            f"column 'year' has {int(bad.sum())} values that are not whole years: "
            f"{_rows(trade, bad, ['exporter', 'importer', 'year'])}. Fix: give calendar years as integers "
            f"(e.g. 2000), not fractions or text."
        )
    far = (num < YEAR_RANGE[0]) | (num > YEAR_RANGE[1])
    if far.any():
        raise PanelValidationError(
            f"column 'year' has {int(far.sum())} values outside {YEAR_RANGE[0]}-{YEAR_RANGE[1]}: "
            f"{_rows(trade, far, ['exporter', 'importer', 'year'])}. Fix: give calendar years with four digits "
            f"(a two-digit 16 means 2016; 99999 or -2000 is a typo or a code)"
        )
    return num.astype("int64")


YEAR_RANGE = (1500, 2200)
"""Calendar years a trade panel may hold (a typo such as 99999, a two-digit year or a date code is refused)."""


def year_list(years, name: str = "years") -> list[int]:
    """``years`` (an iterable of whole years) as a list of int, refusing fractions, text and far years.

    Parameters
    ----------
    years : iterable
        ``[2000, 2004]``, ``range(2000, 2017)``, ``["2000"]`` or integral floats (``2000.0``).
    name : str
        The argument's name, for the message.

    Returns
    -------
    list of int

    Raises
    ------
    PanelValidationError
        A value that is not a whole year (``2000.5`` used to become 2000), a date, or one outside
        :data:`YEAR_RANGE`; the message names the values and the fix.
    """
    if isinstance(years, (str, bytes, int, float, np.integer, np.floating)):
        years = [years]
    vals = list(years)
    if any(
        isinstance(y, (np.datetime64, pd.Timestamp)) or hasattr(y, "year") and not isinstance(y, (int, float))
        for y in vals
    ):
        raise PanelValidationError(
            f"{name}={vals[:5]!r} holds dates, not years. Fix: pass years, e.g. {name}=[2000, 2004]"
        )
    num = pd.to_numeric(pd.Series(vals, dtype=object), errors="coerce").to_numpy(dtype=float)
    bad = [
        v
        for v, x in zip(vals, num)
        if isinstance(v, bool) or not np.isfinite(x) or x != np.round(x) or not YEAR_RANGE[0] <= x <= YEAR_RANGE[1]
    ]
    if bad:
        raise PanelValidationError(
            f"{name} {bad[:8]} are not whole calendar years between {YEAR_RANGE[0]} and "
            f"{YEAR_RANGE[1]}. Fix: pass integers such as {name}=[2000, 2004]"
        )
    return [int(x) for x in num]


def _span(years: list[int]) -> str:
    if len(years) > 6:
        steps = set(np.diff(years))
        every = f", every {steps.pop()} years" if len(steps) == 1 else ""
        return f"{years[0]}–{years[-1]}{every}"
    return ", ".join(map(str, years))


# ----------------------------------------------------------------------------- indicators


def indicator_grid(
    ind: pd.DataFrame,
    names: list[str],
    codes: np.ndarray,
    years: np.ndarray,
    *,
    fill: FillMethod | None = None,
    limit: int | None = None,
    proxies: dict[str, str] | None = None,
) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """For each indicator: (values[N, T], flags[N, T]) on ``codes`` × ``years``.

    ``fill="interpolate"`` interpolates linearly between a country's observed years (never beyond its
    first/last observation); ``"carry_forward"`` repeats the last observation forward. ``limit`` caps the
    number of consecutive filled years. Values are read from the full annual series, so the 2016 panel
    year can be carried from 2015 although 2015 is not a panel year. ``proxies={"BLX": "BEL"}`` gives a
    code the series of another (flag ``proxy BEL``).
    """
    if fill is not None:
        _check_fill(fill)
    if limit is not None and (int(limit) != limit or limit < 1):
        raise PanelValidationError(f"fill_limit={limit!r}; must be a positive number of years or None")
    proxies = proxies or {}
    out = {}
    lookup = np.array([proxies.get(c, c) for c in codes], dtype=object)
    ucodes = pd.Index(pd.unique(lookup))
    # one pass over the (long) frame: integer codes, then positions per indicator
    name_code, name_uniq = pd.factorize(ind["indicator"].to_numpy(dtype=object))
    positions = pd.Series(np.arange(len(ind))).groupby(name_code).indices
    row_all = ucodes.get_indexer(ind["iso3"].to_numpy(dtype=object))
    year_all = ind["year"].to_numpy(dtype="int64")
    val_all = ind["value"].to_numpy(dtype="float64")
    flag_all = ind["flag"].to_numpy(dtype=object)
    where = {nm: k for k, nm in enumerate(name_uniq)}
    for name in names:
        if name not in where:
            raise PanelValidationError(
                f"indicator {name!r} is not in the indicator frame (present: {sorted(name_uniq)})"
            )
        pos = positions[where[name]]
        key = pd.DataFrame({"iso3": ind["iso3"].to_numpy(dtype=object)[pos], "year": year_all[pos]})
        dup = key.duplicated(keep=False).to_numpy()
        if dup.any():
            raise PanelValidationError(
                f"indicator {name!r} has duplicate (iso3, year) rows: "
                f"{_rows(ind.iloc[pos], dup, ['iso3', 'year', 'value', 'source'])}"
            )
        y0 = int(min(year_all[pos].min(), years.min()))
        y1 = int(max(year_all[pos].max(), years.max()))
        all_years = np.arange(y0, y1 + 1)
        r = row_all[pos]
        keep = r >= 0
        col = year_all[pos][keep] - y0
        vals = np.full((len(ucodes), len(all_years)), np.nan)
        vals[r[keep], col] = val_all[pos][keep]
        src_flag = np.full(vals.shape, "", dtype=object)
        src_flag[r[keep], col] = flag_all[pos][keep]
        observed = ~np.isnan(vals)
        flag = np.where(observed, np.where(src_flag == "", "observed", src_flag), "missing").astype(object)
        if fill is not None:
            wide = pd.DataFrame(vals)
            if fill == "interpolate":
                filled = wide.interpolate(axis=1, limit=limit, limit_area="inside").to_numpy()
                label = "interpolated"
            else:
                filled = wide.ffill(axis=1, limit=limit).to_numpy()
                label = "carried forward"
            new = np.isnan(vals) & ~np.isnan(filled)
            flag[new] = label
            vals = filled
        ti = np.searchsorted(all_years, years)
        ri = ucodes.get_indexer(lookup)
        v = vals[np.ix_(ri, ti)]
        f = flag[np.ix_(ri, ti)]
        for k, c in enumerate(codes):
            if c in proxies:
                f[k] = np.where(f[k] == "missing", "missing", "proxy " + proxies[c])
        out[name] = (v, f)
    return out


# ----------------------------------------------------------------------------- panel


def build_panel(
    trade: pd.DataFrame,
    *,
    years: Iterable[int] | None = None,
    countries: Iterable[str] | None = None,
    pairs: pd.DataFrame | None = None,
    indicators: pd.DataFrame | None = None,
    indicator_names: Iterable[str] | None = None,
    fill: FillMethod | None = None,
    fill_limit: int | None = None,
    indicator_proxies: dict[str, str] | None = None,
    digital: Iterable[str] | None = None,
    blocs: Iterable[str] = cc.BLOCS,
    domestic: DomesticRule | pd.DataFrame | None = None,
    source_years: Iterable[int] | None = None,
    drop_areas: bool = True,
    drop_empty: bool = False,
) -> pd.DataFrame:
    """Square panel over ``countries`` × ``countries`` × ``years`` (see the module docstring).

    Parameters
    ----------
    trade : ``exporter, importer, year, trade`` (+ pair-year columns such as ``rta``, ``agreement_id`` or
        provision dummies, carried into the panel, NaN where the pair-year is absent).
    years : panel years (default: every year of ``trade``); each must lie in ``source_years`` (default: the
        years present in ``trade``), else :class:`PanelValidationError`.
    countries : ISO3 codes (default: every exporter and importer; Comtrade's non-country areas BUN, FRE,
        SPE, UNS, NZE, BAT are dropped with ``drop_areas``, logged with their trade).
    pairs : pair covariates ``exporter, importer, ...`` (one row per ordered pair).
    indicators, indicator_names : long indicator frame and the names to merge (default: all in it).
    fill, fill_limit, indicator_proxies : see :func:`indicator_grid`; opt-in, flagged per cell.
    digital : indicators for which ``prod_/min_/gap_/ln_min_`` interactions are built (default: those of
        :data:`DIGITAL` that are merged).
    blocs : blocs of :mod:`gravity.data.countries` for ``both_<bloc>`` dummies.
    domestic : ``None`` (source's own i = i flows, else explicit missing rows), ``"source"`` (same, but
        raises when the source has none), ``"require"`` (alias of ``"source"``: refuse a panel without
        domestic flows), ``"exclude"`` (no i = i rows), or a frame ``iso3, year, trade`` of constructed
        domestic flows.
    drop_empty : a country with no positive flow in either direction in the panel years raises (the
        fixed effects of such a country are not identified); ``True`` drops it instead (logged, listed in
        ``panel.attrs["dropped_countries"]``).

    Returns
    -------
    DataFrame sorted by year, exporter, importer: ``exporter, importer, year, trade, flow_status``, the
    extra trade columns, the pair covariates, ``ln_dist, intl_border, landlocked_o, landlocked_d,
    both_landlocked, both_<bloc>…``, ``<x>_o, <x>_d, <x>_flag_o, <x>_flag_d`` per indicator and the
    digital interactions. ``attrs`` records countries, years, fill, domestic handling and drops.
    """
    validate_trade(trade, source_years=source_years, years=years)
    tr = trade.copy()
    tr["exporter"] = tr["exporter"].astype(str)
    tr["importer"] = tr["importer"].astype(str)
    tr["year"] = year_values(tr)
    if not pd.api.types.is_numeric_dtype(tr["trade"]):  # numeric text ("1"), checked by validate_trade
        tr["trade"] = pd.to_numeric(tr["trade"], errors="coerce").astype(float)
    years_arr = np.array(sorted(set(year_list(years) if years is not None else tr["year"].unique().tolist())))
    src_exporters = set(pd.unique(tr["exporter"].to_numpy()))
    tr = tr[tr["year"].isin(years_arr)]
    attrs: dict = {"years": years_arr.tolist(), "fill": fill or "none", "dropped_countries": {}}

    # countries
    present = pd.unique(np.concatenate([tr["exporter"].to_numpy(), tr["importer"].to_numpy()]))
    if countries is None:
        codes = sorted(present)
        if drop_areas:
            kind = cc.code_kind(codes)
            areas = [c for c, k in zip(codes, kind) if k == "area"]
            if areas:
                m = tr["exporter"].isin(areas) | tr["importer"].isin(areas)
                log.info(
                    "dropped non-country areas %s (%d rows, %.3f%% of trade)",
                    areas,
                    int(m.sum()),
                    100 * tr.loc[m, "trade"].sum() / max(tr["trade"].sum(), 1e-300),
                )
                attrs["dropped_countries"].update({a: "non-country area code" for a in areas})
                codes = [c for c in codes if c not in areas]
    else:
        codes = sorted(set(countries))
        unknown = sorted(set(codes) - cc.known_codes())
        if unknown:
            raise PanelValidationError(
                f"countries {unknown} are unknown codes; harmonise with gravity.data.countries.to_iso3"
            )
        absent = sorted(set(codes) - set(present))
        if absent:
            raise PanelValidationError(
                f"countries {absent} have no flows at all (no row as exporter or importer) in the trade source "
                f"for years {_span(years_arr.tolist())}. Fix: drop them from `countries`."
            )
    tr = tr[tr["exporter"].isin(codes) & tr["importer"].isin(codes)]

    # countries with no positive flow at all
    pos = tr[tr["trade"] > 0]
    active = set(pd.unique(pos["exporter"].to_numpy())) | set(pd.unique(pos["importer"].to_numpy()))
    empty = [c for c in codes if c not in active]
    if empty:
        if not drop_empty:
            rows = tr["exporter"].isin(empty) | tr["importer"].isin(empty)
            raise PanelValidationError(
                f"countries {empty} have no positive flow in either direction in {_span(years_arr.tolist())} "
                f"(their fixed effects are not identified); rows: "
                f"{_rows(tr, rows.to_numpy(), ['exporter', 'importer', 'year', 'trade'], 6) or 'none'}. "
                f"Fix: pass drop_empty=True (logged) or restrict `countries`."
            )
        log.info("dropped %d countries without any positive flow: %s", len(empty), empty)
        attrs["dropped_countries"].update({c: "no positive flow in the panel years" for c in empty})
        codes = [c for c in codes if c not in empty]
        tr = tr[tr["exporter"].isin(codes) & tr["importer"].isin(codes)]

    codes_arr = np.array(codes, dtype=object)
    n, t = len(codes_arr), len(years_arr)
    cidx = pd.Index(codes_arr)
    # grid in (year, exporter, importer) order
    yi = np.repeat(np.arange(t, dtype=np.intp), n * n)
    ei = np.tile(np.repeat(np.arange(n, dtype=np.intp), n), t)
    ii = np.tile(np.arange(n, dtype=np.intp), n * t)
    oy = ei * t + yi  # flat index into (country × year) arrays, exporter side
    dy = ii * t + yi  # importer side
    intl = ei != ii

    def side(a: np.ndarray, idx: np.ndarray) -> np.ndarray:
        return np.take(a.ravel(), idx)

    rep_codes = np.repeat(codes_arr, t)
    rep_years = np.tile(years_arr, n)
    pos_of = (
        np.searchsorted(years_arr, tr["year"].to_numpy()) * n * n
        + cidx.get_indexer(tr["exporter"].to_numpy()) * n
        + cidx.get_indexer(tr["importer"].to_numpy())
    )
    size = n * n * t
    trade_v = np.full(size, np.nan)
    trade_v[pos_of] = tr["trade"].to_numpy(dtype="float64")
    in_source = np.zeros(size, bool)
    in_source[pos_of] = True

    # flow status, as codes into FLOW_STATUS
    S = {name: k for k, name in enumerate(FLOW_STATUS)}
    st = np.full(size, S["not reported"], dtype=np.int8)
    rep_year = np.zeros((n, t), bool)
    rep_year[cidx.get_indexer(tr["exporter"].to_numpy()), np.searchsorted(years_arr, tr["year"].to_numpy())] = True
    never = np.array([c not in src_exporters for c in codes_arr])
    st[~side(rep_year, oy)] = S["exporter not reporting this year"]
    st[np.take(never, ei)] = S["exporter never reports"]
    ex = cc.exists(rep_codes, rep_years)  # n·t, country-major
    st[~(side(ex, oy) & side(ex, dy))] = S["country not existing"]
    st[in_source & np.isnan(trade_v)] = S["missing in source"]
    st[in_source & (trade_v > 0)] = S["reported"]
    st[in_source & (trade_v == 0)] = S["zero"]

    # domestic flows
    diag = ei == ii
    src_dom = bool((tr["exporter"] == tr["importer"]).any())
    keep = np.ones(size, bool)
    if isinstance(domestic, pd.DataFrame):
        d = domestic.rename(columns={"exporter": "iso3"})
        need = {"iso3", "year", "trade"} - set(d.columns)
        if need:
            raise PanelValidationError(f"domestic frame lacks columns {sorted(need)}; expected iso3, year, trade")
        d = d[d["iso3"].isin(codes) & d["year"].isin(years_arr)]
        dd = d.duplicated(["iso3", "year"], keep=False).to_numpy()
        if dd.any():
            raise PanelValidationError(
                f"domestic frame has duplicate (iso3, year) rows: {_rows(d, dd, ['iso3', 'year', 'trade'])}"
            )
        if (d["trade"] < 0).any():
            raise PanelValidationError(
                f"domestic frame has negative flows: {_rows(d, (d['trade'] < 0).to_numpy(), ['iso3', 'year', 'trade'])}"
            )
        p = np.searchsorted(years_arr, d["year"].to_numpy()) * n * n + cidx.get_indexer(d["iso3"].to_numpy()) * (n + 1)
        trade_v[diag] = np.nan
        st[diag] = S["domestic not in source"]
        trade_v[p] = d["trade"].to_numpy(dtype="float64")
        st[p] = np.where(np.isnan(trade_v[p]), S["domestic not in source"], S["domestic constructed"])
        attrs["domestic"] = "constructed (frame passed by the caller)"
    elif domestic is None or _check_domestic(domestic) in ("source", "require"):
        if not src_dom:
            if domestic in ("source", "require"):
                raise PanelValidationError(
                    "domestic='require': the trade source has no domestic flows (exporter == importer rows). "
                    "Fix: use a source with them (ITPD-E, Yotov et al. 2016), pass domestic=<frame iso3, year, "
                    "trade> constructed from output data (gravity.scenario.baseline.domestic_flows), or "
                    "domestic='exclude' for a partial-equilibrium panel."
                )
            st[diag] = S["domestic not in source"]
            attrs["domestic"] = "not in source: i = i rows kept with trade NaN"
            log.warning(
                "trade source has no domestic flows: the %d i = i cells are kept as missing ('domestic not in source')",
                int(diag.sum()),
            )
        else:
            attrs["domestic"] = "from source"
    else:  # "exclude", checked above
        keep = ~diag
        attrs["domestic"] = "excluded (no i = i rows)"
        log.info("domestic='exclude': no i = i rows in the panel")

    cols: dict[str, np.ndarray] = {
        "exporter": pd.Categorical.from_codes(ei, categories=codes_arr, validate=False),
        "importer": pd.Categorical.from_codes(ii, categories=codes_arr, validate=False),
        "year": years_arr[yi],
        "trade": trade_v,
        "flow_status": pd.Categorical.from_codes(st, categories=list(FLOW_STATUS), validate=False),
    }

    # extra trade columns (pair-year)
    extra = [c for c in tr.columns if c not in ("exporter", "importer", "year", "trade")]
    if extra:
        src_row = np.full(size, len(tr), dtype=np.int64)  # len(tr) → the appended "absent" slot
        src_row[pos_of] = np.arange(len(tr))
    for c in extra:
        vals = tr[c].to_numpy()
        if np.issubdtype(vals.dtype, np.number) or vals.dtype == bool:
            cols[c] = np.take(np.append(vals.astype("float64"), np.nan), src_row)
        else:
            codes_c, uniq = pd.factorize(vals)
            codes_c = np.append(codes_c.astype(np.int32), -1)
            cols[c] = pd.Categorical.from_codes(np.take(codes_c, src_row), categories=uniq, validate=False)

    # pair covariates
    pair_cols: list[str] = []
    if pairs is not None:
        need = {"exporter", "importer"} - set(pairs.columns)
        if need:
            raise PanelValidationError(f"pairs frame lacks columns {sorted(need)}")
        dp = pairs.duplicated(["exporter", "importer"], keep=False).to_numpy()
        if dp.any():
            raise PanelValidationError(
                f"pairs frame has duplicate (exporter, importer) rows: {_rows(pairs, dp, ['exporter', 'importer'])}"
            )
        pe = cidx.get_indexer(pairs["exporter"].astype(str).to_numpy())
        pi = cidx.get_indexer(pairs["importer"].astype(str).to_numpy())
        ok = (pe >= 0) & (pi >= 0)
        ppos = pe[ok] * n + pi[ok]
        cell = ei * n + ii
        have = np.zeros(n * n, bool)
        have[ppos] = True
        lacking = ~have.reshape(n, n)
        no_cov = [c for k, c in enumerate(codes_arr) if lacking[k].all()]
        if no_cov:
            log.warning("no pair covariates at all for %s (all their pairs are NaN)", no_cov)
        attrs["countries_without_pair_covariates"] = no_cov
        prow = np.full(n * n, int(ok.sum()), dtype=np.int64)
        prow[ppos] = np.arange(int(ok.sum()))
        prow_cell = np.take(prow, cell)
        for c in pairs.columns:
            if c in ("exporter", "importer"):
                continue
            vals = pd.to_numeric(pairs[c].to_numpy()[ok], errors="raise").astype("float64")
            cols[c] = np.take(np.append(vals, np.nan), prow_cell)
            pair_cols.append(c)
        if "dist" in cols:
            cols["ln_dist"] = ft.compute("log", cols["dist"])

    # derived facts
    cols["intl_border"] = intl.astype("int8")
    ll = cc.landlocked(rep_codes, rep_years)
    cols["landlocked_o"] = side(ll, oy)
    cols["landlocked_d"] = side(ll, dy)
    cols["both_landlocked"] = ft.compute("all_of", cols["landlocked_o"], cols["landlocked_d"])
    for b in blocs:
        mb = cc.member(b, rep_codes, rep_years).astype(bool)
        cols[f"both_{b.lower()}"] = ft.compute("all_of", side(mb, oy), side(mb, dy), intl)

    # indicators
    names: list[str] = []
    if indicators is not None:
        names = list(indicator_names) if indicator_names is not None else list(pd.unique(indicators["indicator"]))
        grids = indicator_grid(
            indicators, names, codes_arr, years_arr, fill=fill, limit=fill_limit, proxies=indicator_proxies
        )
        for name, (v, f) in grids.items():
            cols[f"{name}_o"] = side(v, oy)
            cols[f"{name}_d"] = side(v, dy)
            fcode, fcats = pd.factorize(f.ravel())
            fcode = fcode.reshape(f.shape)
            fcode = fcode.astype(np.int8 if len(fcats) < 127 else np.int32)
            cols[f"{name}_flag_o"] = pd.Categorical.from_codes(side(fcode, oy), categories=fcats, validate=False)
            cols[f"{name}_flag_d"] = pd.Categorical.from_codes(side(fcode, dy), categories=fcats, validate=False)
        digital = [x for x in DIGITAL if x in names] if digital is None else list(digital)
        missing_dig = [x for x in digital if x not in names]
        if missing_dig:
            raise PanelValidationError(f"digital={missing_dig} are not among the merged indicators {names}")
        for x in digital:
            for prefix, feature in ft.DIGITAL_FEATURES.items():
                cols[f"{prefix}_{x}"] = ft.compute(feature, cols[f"{x}_o"], cols[f"{x}_d"])
    attrs.update(countries=codes_arr.tolist(), indicators=names, pair_covariates=pair_cols, n_countries=n)

    if not keep.all():
        cols = {k: (v[keep] if not isinstance(v, pd.Categorical) else v[keep]) for k, v in cols.items()}
    panel = pd.DataFrame(cols, copy=False)
    panel.attrs.update(attrs)
    return panel


def missing_summary(panel: pd.DataFrame) -> pd.DataFrame:
    """Rows per ``flow_status`` and year (counts), to quote next to any estimate."""
    return panel.groupby(["year", "flow_status"], observed=False).size().unstack("flow_status", fill_value=0)
