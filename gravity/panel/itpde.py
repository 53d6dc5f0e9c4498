"""The ITPD-E panel: bilateral flows **with domestic flows**, 2000–2016 annual, and per-cell flags.

:func:`itpde_panel` is the panel the structural specification of Heid, Larch & Yotov (2021) needs: the
square grid i × j × t (i = j included) of ITPD-E release 1 flows summed over its 170 industries, with
GeoDist pair covariates, the agreements and deep-agreement provisions of the penppml UN Comtrade file,
their phase-in lags and country-year indicators, built by :func:`gravity.panel.build.build_panel`. What
is specific to ITPD-E is added here, each as a column the estimation and the reports can read:

* ``domestic_missing`` – X_ii,t is 0 or absent in ITPD-E (UZB every year: no production data); ``trade``
  is set to NaN there (``flow_status = "domestic not in source"``), never left at 0;
* ``coverage_break`` – the country's domestic flow jumps by more than :data:`BREAK_FACTOR` against the
  previous year (:func:`domestic_breaks`): ITPD-E's production coverage changed (KAZ 2010, IRN 2014,
  TUR 2015), so X_ii,t is not comparable across the break;
* ``mirror_only`` – the exporter filed no export report to UN Comtrade in the nearest wave, so ITPD-E's
  X_ij,t rests on the partner's (importer's) report;
* ``agreement_flag`` – where the agreement columns come from (observed in a wave, carried forward from
  the latest wave, taken from the j → i row, domestic, missing).

References
----------
Borchert, I., Larch, M., Shikher, S. & Yotov, Y. V. (2021). The International Trade and Production
Database for Estimation (ITPD-E). *International Economics* 166: 140–166.
Heid, B., Larch, M. & Yotov, Y. V. (2021). Estimating the effects of non-discriminatory trade policies
within structural gravity models. *Canadian Journal of Economics* 54(1): 376–409.
Mattoo, A., Rocha, N. & Ruta, M. (2020). *Handbook of Deep Trade Agreements*. World Bank.
Mayer, T. & Zignago, S. (2011). Notes on CEPII's distances measures: the GeoDist database. CEPII WP 2011-25.
Yotov, Y. V., Piermartini, R., Monteiro, J.-A. & Larch, M. (2016). *An Advanced Guide to Trade Policy
Analysis: The Structural Gravity Model*. WTO/UNCTAD.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Iterable

import numpy as np
import pandas as pd

from gravity import data as datasets
from gravity.data import countries as cc
from gravity.panel.build import PanelValidationError, build_panel

log = logging.getLogger("gravity.panel.itpde")

ITPDE_YEARS = tuple(range(2000, 2017))
"""Years of ITPD-E release 1 in the aggregated file (annual)."""
ITPDE_INDICATORS = ("internet", "gdp_pc", "population")
"""Default country-year indicators: WDI internet users (% of population), GDP per capita (current US$),
population (:func:`gravity.data.load_indicators` names)."""
BREAK_FACTOR = 3.0
"""A domestic flow that moves by more than this factor (up or down) from one year to the next, in
constant 2010 US$, is a coverage break. In ITPD-E release 1 the breaks named in the data notes have
ratios 13.6 (KAZ 2009→2010), 9.1 (IRN 2013→2014) and 7.1 (TUR 2014→2015), while the largest year-on-year
moves of TJK, TKM and KGZ are 1.7; real production changes a country-year by far less than 3×."""
AGREEMENT_COLUMNS = ("agreement_id", "agreement", "rta", *datasets.PENPPML_PROVISIONS)
"""Pair-year columns of the penppml Comtrade file carried into the panel."""
PAIR_CODE_MAP = dict(cc.GEODIST_RECODES)
"""GeoDist codes attached to current countries (:data:`gravity.data.countries.GEODIST_RECODES`: YUG → SRB).
ITPD-E reports Belgium and Luxembourg separately, so unlike the Comtrade corridor panel no union recode."""
COMTRADE_CODE_MAP = cc.UNIONS
"""Comtrade reporters that stand for several ITPD-E countries (:data:`gravity.data.countries.UNIONS`)."""
SOURCES = ("itpd-e-aggregated/itpd_aggregated.rds", "penppml-comtrade/trade.rda", "cepii-geodist/dist_cepii.rda")


@functools.cache
def _itpde() -> pd.DataFrame:
    return datasets.read_itpde_aggregated()


@functools.cache
def _comtrade() -> pd.DataFrame:
    return datasets.read_comtrade_penppml()


@functools.cache
def _pairs() -> pd.DataFrame:
    g = datasets.read_geodist()
    g = g[~g["exporter"].isin(["SRB"]) & ~g["importer"].isin(["SRB"])]
    return datasets.map_pair_codes(g, PAIR_CODE_MAP)


# ----------------------------------------------------------------------------- coverage breaks


def domestic_breaks(
    trade: pd.DataFrame | None = None, *, factor: float = BREAK_FACTOR, countries: Iterable[str] | None = None
) -> pd.DataFrame:
    """Year-on-year jumps of the domestic flow X_ii,t larger than ``factor``.

    A break is a year t with X_ii,t−1 > 0, X_ii,t > 0 and max(r, 1/r) > ``factor``, where
    r = X_ii,t / X_ii,t−1 is measured in constant 2010 US$ (``trade_const2010``; ``trade`` when the frame
    has no such column), so that US inflation does not move it.

    Parameters
    ----------
    trade : ITPD-E frame ``exporter, importer, year, trade[, trade_const2010]`` (default: the whole of
        :func:`gravity.data.read_itpde_aggregated`, all years 2000–2016).
    factor : threshold (> 1); default :data:`BREAK_FACTOR`.
    countries : restrict to these ISO3 codes.

    Returns
    -------
    DataFrame ``iso3, year, year_before, before, after, ratio`` (before/after in constant 2010 US$;
    ratio = after / before), sorted by iso3 and year.

    Raises
    ------
    PanelValidationError
        ``factor`` ≤ 1, or the frame lacks the columns named above.
    """
    if not factor > 1:
        raise PanelValidationError(f"factor={factor!r}: a break threshold must be > 1 (e.g. {BREAK_FACTOR})")
    tr = _itpde() if trade is None else trade
    need = {"exporter", "importer", "year", "trade"} - set(tr.columns)
    if need:
        raise PanelValidationError(
            f"domestic_breaks: trade frame lacks columns {sorted(need)}; expected "
            f"exporter, importer, year, trade[, trade_const2010]"
        )
    val = "trade_const2010" if "trade_const2010" in tr.columns else "trade"
    dom = tr[tr["exporter"].astype(str).to_numpy() == tr["importer"].astype(str).to_numpy()]
    dom = pd.DataFrame(
        {
            "iso3": dom["exporter"].astype(str).to_numpy(),
            "year": dom["year"].astype("int64").to_numpy(),
            "after": dom[val].to_numpy(dtype="float64"),
        }
    )
    if countries is not None:
        dom = dom[dom["iso3"].isin(list(countries))]
    dom = dom.sort_values(["iso3", "year"], kind="stable")
    prev = dom.groupby("iso3", sort=False).shift(1)
    dom["year_before"] = prev["year"]
    dom["before"] = prev["after"]
    ok = (dom["year"] - dom["year_before"] == 1) & (dom["before"] > 0) & (dom["after"] > 0)
    out = dom[ok].copy()
    out["ratio"] = out["after"] / out["before"]
    out = out[(out["ratio"] > factor) | (out["ratio"] < 1 / factor)]
    out["year_before"] = out["year_before"].astype("int64")
    return out[["iso3", "year", "year_before", "before", "after", "ratio"]].reset_index(drop=True)


# ----------------------------------------------------------------------------- agreements


def _comtrade_codes(codes: np.ndarray) -> dict[str, list[str]]:
    """Panel codes each Comtrade code stands for (BLX → BEL, LUX when those are panel countries)."""
    have = set(codes)
    out: dict[str, list[str]] = {c: [c] for c in codes}
    for src, targets in COMTRADE_CODE_MAP.items():
        t = [c for c in targets if c in have]
        if t and src not in have:
            out[src] = t
    return out


def _wave_rows(ct: pd.DataFrame, codes: np.ndarray, waves: np.ndarray) -> np.ndarray:
    """(W, N, N) index of the Comtrade row for exporter i, importer j, wave w (−1 when absent)."""
    cmap = pd.DataFrame([(s, d) for s, ds in _comtrade_codes(codes).items() for d in ds], columns=["src", "dst"])
    sub = ct.loc[ct["year"].isin(waves), ["exporter", "importer", "year", "_row"]]
    sub = sub.merge(cmap.rename(columns={"src": "exporter", "dst": "e"}), on="exporter")
    sub = sub.merge(cmap.rename(columns={"src": "importer", "dst": "i"}), on="importer")
    sub = sub[sub["e"] != sub["i"]]
    cidx = pd.Index(codes)
    n = len(codes)
    rows = np.full((len(waves), n, n), -1, dtype=np.int64)
    rows[
        np.searchsorted(waves, sub["year"].to_numpy()),
        cidx.get_indexer(sub["e"].to_numpy()),
        cidx.get_indexer(sub["i"].to_numpy()),
    ] = sub["_row"].to_numpy()
    return rows


def _agreement_columns(
    codes: np.ndarray, years: np.ndarray, lagged: list[str], lags: list[int]
) -> tuple[dict[str, np.ndarray], pd.Categorical]:
    """Agreement columns on the (year, exporter, importer) grid and the per-cell flag (see itpde_panel)."""
    ct = _comtrade().reset_index(drop=True)
    ct["_row"] = np.arange(len(ct))
    waves = np.array(sorted(set(int(y) for y in ct["year"].unique())))
    lo = int(years.min()) - max(lags, default=0)
    if lo < waves[0]:
        raise PanelValidationError(f"years {years.tolist()} with lags {lags}: the agreement data start in {waves[0]}")
    rows_dir = _wave_rows(ct, codes, waves)
    rows_rev = np.transpose(rows_dir, (0, 2, 1))
    n = len(codes)
    diag = np.eye(n, dtype=bool)

    def at(target: np.ndarray):
        """Row index, wave and j→i marker for each (target year, i, j)."""
        wk = np.searchsorted(waves, target, side="right") - 1
        d, r = rows_dir[wk], rows_rev[wk]
        row = np.where(d >= 0, d, r)
        return row, waves[wk][:, None, None], (d < 0) & (r >= 0)

    row, wave, rev = at(years)
    flat = row.ravel()
    cols: dict[str, np.ndarray] = {}
    dom = np.broadcast_to(diag, row.shape).ravel()
    for c in AGREEMENT_COLUMNS:
        v = ct[c].to_numpy()
        if c == "agreement":
            codes_c, uniq = pd.factorize(np.append(v, ""))
            k = np.take(codes_c, np.where(flat >= 0, flat, len(v)))
            k[flat < 0] = -1
            k[dom] = codes_c[-1]
            cols[c] = pd.Categorical.from_codes(k, categories=uniq, validate=False)
        else:
            x = np.append(v.astype("float64"), np.nan)[np.where(flat >= 0, flat, len(v))]
            x[dom] = 0.0
            cols[c] = x
    for lag in lags:
        lrow, _, _ = at(years - lag)
        lf = lrow.ravel()
        for c in lagged:
            x = np.append(ct[c].to_numpy().astype("float64"), np.nan)[np.where(lf >= 0, lf, len(ct))]
            x[dom] = 0.0
            cols[f"{c}_lag{lag}"] = x
    # flag codes: 0 observed, 1 observed j→i, 2 domestic, 3 missing, 4 + 2k (+1) carried from waves[k] (j→i)
    cats = ["observed", "observed j→i", "domestic", "missing"]
    for w in waves:
        cats += [f"carried from {w}", f"carried from {w} (j→i)"]
    wk = np.broadcast_to(np.searchsorted(waves, wave), row.shape)
    carried = wave != years[:, None, None]
    code = np.where(carried, 4 + 2 * wk + rev, rev.astype(np.int64))
    code = np.where(row < 0, 3, code)
    code = np.where(np.broadcast_to(diag, row.shape), 2, code).ravel()
    used = np.unique(code)
    remap = np.full(len(cats), -1)
    remap[used] = np.arange(len(used))
    labels = pd.Categorical.from_codes(remap[code], categories=[cats[k] for k in used], validate=False)
    return cols, labels


# ----------------------------------------------------------------------------- mirror flows


def _comtrade_reporting(codes: np.ndarray, years: np.ndarray) -> np.ndarray:
    """(N, T) bool: country i filed an export report (a non-missing row as exporter) to UN Comtrade in
    the Comtrade wave nearest to t (ties → the earlier wave)."""
    ct = _comtrade()
    waves = np.array(sorted(set(int(y) for y in ct["year"].unique())))
    near = waves[np.argmin(np.abs(years[:, None] - waves[None, :]) * 2 + (years[:, None] < waves[None, :]), axis=1)]
    rep = ct.loc[ct["trade"].notna(), ["exporter", "year"]].drop_duplicates()
    cmap = _comtrade_codes(codes)
    have = {(c, int(y)) for e, y in zip(rep["exporter"], rep["year"]) for c in cmap.get(e, [])}
    return np.array([[(c, int(w)) in have for w in near] for c in codes], dtype=bool)


# ----------------------------------------------------------------------------- the panel


def _select_countries(tr: pd.DataFrame, countries, pairs: pd.DataFrame) -> tuple[list[str], dict[str, str]]:
    codes = sorted(
        set(pd.unique(tr["exporter"].to_numpy(dtype=object)).tolist())
        | set(pd.unique(tr["importer"].to_numpy(dtype=object)).tolist())
    )
    dropped: dict[str, str] = {}
    known = cc.known_codes()
    kinds = dict(zip([c for c in codes if c in known], cc.code_kind([c for c in codes if c in known])))
    for c in codes:
        if c not in known:
            dropped[c] = "code unknown to gravity.data.countries (non-ISO polity)"
        elif kinds[c] != "iso3":
            dropped[c] = f"not a current ISO3 country ({kinds[c]})"
    geo = set(pairs["exporter"]) & set(pairs["importer"])
    for c in codes:
        if c not in dropped and c not in geo:
            dropped[c] = "absent from CEPII GeoDist (no pair covariates)"
    if countries is not None:
        want = sorted(set(countries))
        bad = {c: dropped[c] for c in want if c in dropped}
        absent = [c for c in want if c not in codes]
        if bad or absent:
            raise PanelValidationError(
                f"countries {sorted(bad) + absent} cannot enter the ITPD-E panel: "
                f"{'; '.join(f'{c}: {r}' for c, r in bad.items())}{'; ' if bad and absent else ''}"
                f"{'not in ITPD-E: ' + str(absent) if absent else ''}. Fix: drop them from `countries`."
            )
        return want, {}
    return [c for c in codes if c not in dropped], dropped


def itpde_panel(
    years: Iterable[int] = ITPDE_YEARS,
    indicators: Iterable[str] = ITPDE_INDICATORS,
    *,
    countries: Iterable[str] | None = None,
    lagged: Iterable[str] = ("rta",),
    lags: Iterable[int] = (4, 8),
    break_factor: float = BREAK_FACTOR,
) -> pd.DataFrame:
    """Square ITPD-E panel i × j × t with domestic flows, covariates, agreements and per-cell flags.

    The panel supplies X_ij,t and z_ij,t of the structural gravity model with domestic flows
    (Yotov et al. 2016, ch. 1; Heid, Larch & Yotov 2021)

        X_ij,t = exp(π_i,t + χ_j,t + μ_ij + Σ_k β_k INTL_ij × x_i,t + γ'z_ij,t) ε_ij,t,

    in which country-level variables x_i,t are identified only against the domestic flows X_ii,t.

    Parameters
    ----------
    years : panel years within 2000–2016 (default: all, annual).
    indicators : country-year indicators merged as ``<x>_o``/``<x>_d`` with per-cell flags (default
        :data:`ITPDE_INDICATORS`; any name of :func:`gravity.data.indicator_catalogue`).
    countries : ISO3 codes (default: every ITPD-E country that is a current ISO3 country present in
        GeoDist; the others are dropped, logged and listed in ``attrs["dropped_countries"]``).
    lagged, lags : agreement columns (``rta`` or a provision such as ``tf_prov_41``) for which
        ``<col>_lag<L>`` = the column's value in t − L (same carry-forward rule) is built, for phase-in.
    break_factor : threshold of :func:`domestic_breaks`.

    Returns
    -------
    DataFrame of N²·T rows sorted by year, exporter, importer, with the columns of
    :func:`gravity.panel.build.build_panel` (``trade`` in **current US$**, ``flow_status``, GeoDist
    ``dist … smctry``, ``ln_dist``, ``intl_border``, ``landlocked_o/_d``, bloc dummies, ``<x>_o/_d``,
    ``<x>_flag_o/_d``, digital interactions of ``internet``), and

    ================== ========================================================================
    trade_const2010    the same flow in constant 2010 US$ (ITPD-E as aggregated, deflated by CPI-U)
    agreement_id,      penppml agreement in force and the 16 provision dummies
    agreement, rta,    (:data:`gravity.data.PENPPML_PROVISIONS`), for the pair-year: the penppml
    <provisions>       row of wave w(t) = the latest Comtrade wave ≤ t (1964–2016 every 4 years);
                       the i → j row, else the j → i row (agreements are symmetric: the two
                       differ in 0 of 129,714 pair-waves for ``rta``); domestic pairs 0; NaN
                       when neither direction is in the file
    agreement_flag     ``observed`` (t is a wave, i → j row), ``observed j→i``, ``carried from
                       <w>`` / ``carried from <w> (j→i)`` (t not a wave), ``domestic``, ``missing``
    <c>_lag<L>         column c in t − L by the same rule (e.g. ``rta_lag4``, ``rta_lag8``)
    domestic_missing   i = j and ITPD-E gives X_ii,t = 0 or no row: ``trade`` NaN there
    coverage_break     i = j and a break of :func:`domestic_breaks` falls in (t_prev, t], t_prev
                       the previous panel year (for the first panel year: in t itself); the
                       domestic flow of t is not comparable with that of t_prev
    mirror_only        i ≠ j and i has no non-missing export row in the penppml UN Comtrade file
                       (exporter-reported) in the wave nearest to t (ties → the earlier wave):
                       ITPD-E's X_ij,t then rests on j's import report (or is 0)
    ================== ========================================================================

    ``attrs``: ``sources`` (citations), ``coverage_breaks`` (records of the break table),
    ``flag_counts``, ``dropped_countries`` (code → reason) and those of ``build_panel``.

    Raises
    ------
    PanelValidationError
        Years outside 2000–2016, countries that cannot enter (named with the reason), lags reaching
        before the agreement data.

    References
    ----------
    Borchert, Larch, Shikher & Yotov (2021), ITPD-E; Mattoo, Rocha & Ruta (2020); Mayer & Zignago
    (2011); Heid, Larch & Yotov (2021) — see the module docstring.
    """
    years_arr = np.array(sorted(set(int(y) for y in years)))
    indicators = list(indicators)
    lagged, lags = list(lagged), [int(x) for x in lags]
    bad = [c for c in lagged if c not in AGREEMENT_COLUMNS or c == "agreement"]
    if bad:
        raise PanelValidationError(
            f"lagged={bad}: choose among rta, agreement_id and {list(datasets.PENPPML_PROVISIONS)}"
        )
    tr = _itpde()
    pairs = _pairs()
    codes, dropped = _select_countries(tr, countries, pairs)
    if dropped:
        m = tr["exporter"].isin(list(dropped)) | tr["importer"].isin(list(dropped))
        m &= tr["year"].isin(years_arr)
        tot = tr.loc[tr["year"].isin(years_arr), "trade"].sum()
        log.info(
            "ITPD-E panel: dropped %d codes (%d rows, %.3f%% of trade in the panel years): %s",
            len(dropped),
            int(m.sum()),
            100 * tr.loc[m, "trade"].sum() / max(tot, 1e-300),
            "; ".join(f"{c} ({r})" for c, r in sorted(dropped.items())),
        )
    src = tr[tr["exporter"].isin(codes) & tr["importer"].isin(codes)]
    src = src[[c for c in src.columns if c != "domestic"]]
    ind = datasets.load_indicators(indicators) if indicators else None
    panel = build_panel(
        src,
        years=years_arr.tolist(),
        source_years=ITPDE_YEARS,
        countries=codes,
        pairs=pairs,
        indicators=ind,
        indicator_names=indicators or None,
        domestic="source",
    )
    codes_arr = np.array(panel.attrs["countries"], dtype=object)
    n, t = len(codes_arr), len(years_arr)
    if len(panel) != n * n * t:
        raise PanelValidationError(f"ITPD-E panel is not square: {len(panel)} rows for {n}² × {t}")
    ei = np.tile(np.repeat(np.arange(n), n), t)
    ii = np.tile(np.arange(n), n * t)
    yi = np.repeat(np.arange(t), n * n)
    diag = ei == ii

    # domestic flows that are 0 or absent
    tv = panel["trade"].to_numpy(dtype="float64").copy()
    dmiss = diag & ~(tv > 0)
    tv[dmiss] = np.nan
    panel["trade"] = tv
    if "trade_const2010" in panel.columns:
        c10 = panel["trade_const2010"].to_numpy(dtype="float64").copy()
        c10[dmiss] = np.nan
        panel["trade_const2010"] = c10
    fs = panel["flow_status"].astype(object).to_numpy().copy()
    fs[dmiss] = "domestic not in source"
    panel["flow_status"] = pd.Categorical(fs, categories=panel["flow_status"].cat.categories)
    panel["domestic_missing"] = dmiss

    # coverage breaks (on the annual series, whatever the panel years)
    breaks = domestic_breaks(tr[tr["exporter"].isin(codes)], factor=break_factor, countries=codes)
    brk = np.zeros((n, t), bool)
    cidx = pd.Index(codes_arr)
    lo = np.concatenate([[years_arr[0] - 1], years_arr[:-1]])
    for c, y in zip(breaks["iso3"], breaks["year"]):
        k = np.flatnonzero((y > lo) & (y <= years_arr))
        if len(k):
            brk[cidx.get_loc(c), k[0]] = True
    panel["coverage_break"] = diag & brk[ei, yi]

    # mirror-only flows
    rep = _comtrade_reporting(codes_arr, years_arr)
    panel["mirror_only"] = ~diag & ~rep[ei, yi]

    # agreements
    acols, aflag = _agreement_columns(codes_arr, years_arr, lagged, lags)
    for c, v in acols.items():
        panel[c] = v
    panel["agreement_flag"] = aflag

    panel.attrs["sources"] = {k: datasets.citation(k) for k in SOURCES}
    panel.attrs["sources"].update({f"indicator {x}": datasets.INDICATORS[x].description for x in indicators})
    panel.attrs["coverage_breaks"] = breaks.to_dict("records")
    panel.attrs["break_factor"] = float(break_factor)
    panel.attrs["flag_counts"] = {
        "domestic_missing": int(dmiss.sum()),
        "coverage_break": int(panel["coverage_break"].sum()),
        "mirror_only": int(panel["mirror_only"].sum()),
        "agreement_flag": {k: int(v) for k, v in pd.Series(aflag).value_counts(sort=False).items()},
    }
    panel.attrs["dropped_countries"] = {**dropped, **panel.attrs.get("dropped_countries", {})}
    panel.attrs["trade_units"] = "current US$ (trade); constant 2010 US$ (trade_const2010)"
    log.info(
        "ITPD-E panel: %d countries x %d years = %d rows; flags %s",
        n,
        t,
        len(panel),
        {k: v for k, v in panel.attrs["flag_counts"].items() if k != "agreement_flag"},
    )
    return panel
