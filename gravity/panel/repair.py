"""Repairs of ITPD-E flows before estimation and in the GE base year: coverage breaks, low domestic shares,
zero links another source reports.

ITPD-E's domestic flow X_ii,t = production − exports follows the coverage of its production data, which
changes in some years (:func:`gravity.panel.itpde.domestic_breaks`: a jump of more than
:data:`~gravity.panel.itpde.BREAK_FACTOR` × against the previous year; GBR's domestic sales fall from
US$ 2,732 bn to 8 bn in 2016). Such a jump is a change in what is measured, not in production. This
module turns the flagged breaks into decisions, each a pure function of frames with a documented schema:

* :func:`domestic_regimes` – the segments ("regimes") of a country's domestic series between breaks, the
  longest one (kept) and each regime's median level;
* :func:`repair_for_estimation` – an estimation frame as it is (``as_is``), without the domestic rows
  outside each country's kept regime (``drop``), or with a pair identifier that splits the domestic pair
  by regime (``split``: a pair fixed effect then absorbs each regime's coverage level, μ_ii,r);
* :func:`repair_base_domestic` – the GE base year's X_ii, never a low-coverage one:
  X_ii,b = X_ii,s × Y_b / Y_s from the last year s of a full-coverage regime, Y = GDP (current US$);
* :func:`domestic_share_check` – X_ii / Σ_j X_ij per country in a GE table, every country below a floor
  named and either confirmed by the constructed flow or replaced by it;
* :func:`fill_zero_links` – a zero X_ij among chosen countries filled from another source's positive
  import report (COW: :func:`cow_import_reports`), scaled by the importer's import growth.

The estimation sample keeps observed zeros; only the GE base year is filled.

References
----------
Borchert, I., Larch, M., Shikher, S. & Yotov, Y. V. (2021). The International Trade and Production
Database for Estimation (ITPD-E). *International Economics* 166: 140–166.
Barbieri, K. & Keshk, O. M. G. (2016). Correlates of War Project Trade Data Set Codebook, Version 4.0.
Heid, B., Larch, M. & Yotov, Y. V. (2021). Estimating the effects of non-discriminatory trade policies
within structural gravity models. *Canadian Journal of Economics* 54(1): 376–409.
Yotov, Y. V., Piermartini, R., Monteiro, J.-A. & Larch, M. (2016). *An Advanced Guide to Trade Policy
Analysis: The Structural Gravity Model*, ch. 1–2. WTO/UNCTAD.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable

import numpy as np
import pandas as pd

from gravity import data as datasets
from gravity.panel.build import PanelValidationError
from gravity.panel.itpde import BREAK_FACTOR

log = logging.getLogger("gravity.panel.repair")

MODES = ("as_is", "drop", "split")
"""Modes of :func:`repair_for_estimation`."""
BASE_FLAGS = ("domestic_observed", "domestic_repaired", "domestic_unrepairable", "domestic_missing")
"""Flags of :func:`repair_base_domestic`."""
SHARE_FLAGS = ("ok", "low_share", "low_share_confirmed", "low_share_replaced")
"""Flags of :func:`domestic_share_check`."""
LOW_SHARE = 0.10
"""Default floor of the domestic share of output X_ii / Σ_j X_ij (issue 18's plausible range)."""


class RepairInputError(PanelValidationError):
    """Input a repair cannot use; the message names the frame, the column or rows and the fix."""


# ----------------------------------------------------------------------------- validation helpers


def _need(df: pd.DataFrame, cols: Iterable[str], what: str, fix: str) -> None:
    if not isinstance(df, pd.DataFrame):
        raise RepairInputError(f"{what} must be a pandas DataFrame, got {type(df).__name__}; {fix}")
    missing = [c for c in cols if c not in df.columns]
    if missing:
        raise RepairInputError(f"{what} lacks column(s) {missing}; {fix}")


def _dupes(df: pd.DataFrame, keys: list[str], what: str) -> None:
    d = df.duplicated(keys, keep=False)
    if d.any():
        ex = df.loc[d, keys].head(5).to_dict("records")
        raise RepairInputError(
            f"{what} has {int(d.sum())} rows with a duplicate ({', '.join(keys)}), e.g. {ex}; "
            f"keep one row per key (aggregate first)"
        )


def _breaks_frame(breaks) -> pd.DataFrame:
    """``iso3, year`` of each break from a DataFrame or the records of ``panel.attrs["coverage_breaks"]``."""
    b = pd.DataFrame(list(breaks)) if not isinstance(breaks, pd.DataFrame) else breaks
    if b.empty:
        return pd.DataFrame({"iso3": pd.Series([], dtype=object), "year": pd.Series([], dtype="int64")})
    _need(
        b, ("iso3", "year"), "breaks", "pass gravity.panel.itpde.domestic_breaks(...) or panel.attrs['coverage_breaks']"
    )
    na = b[["iso3", "year"]].isna().any(axis=1)
    if na.any():
        raise RepairInputError(f"breaks has a missing iso3 or year in rows {b.index[na].tolist()[:10]}; drop them")
    return pd.DataFrame(
        {"iso3": b["iso3"].astype(str).to_numpy(), "year": b["year"].astype("int64").to_numpy()}
    ).drop_duplicates()


def _years_text(years) -> str:
    """[2000, 2001, 2002, 2005] → "2000–2002, 2005"."""
    ys = sorted(int(y) for y in years)
    if not ys:
        return ""
    parts, start, prev = [], ys[0], ys[0]
    for y in ys[1:] + [None]:
        if y is not None and y == prev + 1:
            prev = y
            continue
        parts.append(str(start) if start == prev else f"{start}–{prev}")
        if y is not None:
            start = prev = y
    return ", ".join(parts)


# ----------------------------------------------------------------------------- regimes


def domestic_regimes(domestic: pd.DataFrame, breaks) -> pd.DataFrame:
    """The coverage regimes of each country's domestic series and the one to keep.

    A break in year b starts a new regime: regime_i,t = 1 + #{breaks b of i with b ≤ t}, so the numbering
    is the same whether ``domestic`` is annual or every few years (a regime with no given year is simply
    absent). The kept regime is the one with the most given years with an observed flow (X_ii,t finite and
    > 0), the earlier on a tie; a country without breaks has one regime, kept.

    Parameters
    ----------
    domestic : DataFrame
        ``iso3, year, trade``: X_ii,t, one row per country-year (NaN or 0 = not observed).
    breaks : DataFrame or list of dict
        ``iso3, year`` (other columns ignored): :func:`gravity.panel.itpde.domestic_breaks` or the panel's
        ``attrs["coverage_breaks"]``. Breaks of countries not in ``domestic`` are ignored.

    Returns
    -------
    DataFrame
        One row per row of ``domestic``, sorted by iso3 and year, fresh RangeIndex: ``iso3, year, trade,
        regime`` (1, 2, …), ``n_regimes`` (regimes among the given years), ``regime_years`` (observed years
        in the regime), ``regime_first``, ``regime_last`` (its first and last given year), ``regime_median``
        (median observed X_ii of the regime, NaN when none), ``keep`` (the year is in the kept regime).

    Raises
    ------
    RepairInputError
        A missing column, a duplicate (iso3, year), a negative flow.
    """
    _need(domestic, ("iso3", "year", "trade"), "domestic", "pass iso3, year, trade (X_ii per country-year)")
    _dupes(domestic, ["iso3", "year"], "domestic")
    d = pd.DataFrame(
        {
            "iso3": domestic["iso3"].astype(str).to_numpy(),
            "year": domestic["year"].astype("int64").to_numpy(),
            "trade": domestic["trade"].to_numpy(dtype="float64"),
        }
    )
    neg = d["trade"] < 0
    if neg.any():
        ex = d.loc[neg, ["iso3", "year", "trade"]].head(5).to_dict("records")
        raise RepairInputError(f"domestic has negative flows: {ex}; a domestic flow is >= 0 (NaN = not observed)")
    d = d.sort_values(["iso3", "year"], kind="stable").reset_index(drop=True)
    b = _breaks_frame(breaks)
    regime = np.ones(len(d), dtype=np.int64)
    by_country = b.groupby("iso3")["year"].apply(lambda s: np.sort(s.to_numpy()))
    for c, idx in d.groupby("iso3", sort=False).indices.items():
        if c in by_country.index:
            regime[idx] += np.searchsorted(by_country[c], d["year"].to_numpy()[idx], side="right")
    d["regime"] = regime
    obs = np.isfinite(d["trade"].to_numpy()) & (d["trade"].to_numpy() > 0)
    g = d.assign(_obs=obs, _val=d["trade"].where(obs)).groupby(["iso3", "regime"], sort=True)
    stats = pd.DataFrame(
        {
            "regime_years": g["_obs"].sum().astype("int64"),
            "regime_first": g["year"].min(),
            "regime_last": g["year"].max(),
            "regime_median": g["_val"].median(),
        }
    ).reset_index()
    # longest regime: most observed years, then the earliest (stable sort keeps regime order)
    best = stats.sort_values(["iso3", "regime_years", "regime"], ascending=[True, False, True], kind="stable")
    best = best.groupby("iso3", sort=False)["regime"].first()
    stats["keep"] = stats["regime"].to_numpy() == best.reindex(stats["iso3"]).to_numpy()
    stats["n_regimes"] = stats.groupby("iso3")["regime"].transform("size").astype("int64")
    out = d.merge(stats, on=["iso3", "regime"], how="left", validate="many_to_one")
    return out[
        [
            "iso3",
            "year",
            "trade",
            "regime",
            "n_regimes",
            "regime_years",
            "regime_first",
            "regime_last",
            "regime_median",
            "keep",
        ]
    ]


# ----------------------------------------------------------------------------- estimation frames

DROP_COLUMNS = ("iso3", "years", "rows", "rows_observed", "trade", "regimes", "kept_years")
SPLIT_COLUMNS = ("iso3", "regime", "pair_fe", "years", "rows", "trade", "keep")


def repair_for_estimation(frame: pd.DataFrame, breaks, mode: str = "drop") -> tuple[pd.DataFrame, pd.DataFrame]:
    """A directed estimation frame with its domestic coverage breaks dealt with.

    The regimes are those of :func:`domestic_regimes` on the frame's own domestic rows (exporter ==
    importer) and years. International rows (i ≠ j) are never changed or removed.

    * ``"as_is"`` – the frame unchanged (the same object) and an empty table;
    * ``"drop"`` – the domestic rows i = i of country-years outside the country's kept regime removed;
      the table lists, per country, the dropped years, rows and US$ (logged);
    * ``"split"`` – a column ``pair_fe`` (categorical) = ``"EXP-IMP"`` for every row, with the domestic pair
      of a country with several regimes split as ``"KAZ-KAZ#1"``, ``"KAZ-KAZ#2"``, …; with ``pair_fe`` as
      the pair fixed effect, μ_ii,r absorbs the coverage level of regime r:

          X_ij,t = exp(π_i,t + χ_j,t + μ_ij,r(i,j,t) + b'x_ij,t) ε_ij,t,   r(i,j,t) = 1 for i ≠ j.

      When every regime ``drop`` removes is a single year, the estimates of the two modes coincide (the
      split pair of a one-year regime is a singleton, fitted exactly).

    Parameters
    ----------
    frame : DataFrame
        ``exporter, importer, year, trade`` and any other columns, one row per (exporter, importer, year).
    breaks : DataFrame or list of dict
        ``iso3, year`` of each coverage break (``panel.attrs["coverage_breaks"]``).
    mode : {"as_is", "drop", "split"}

    Returns
    -------
    (DataFrame, DataFrame)
        The frame, rows in their input order with their input index labels (``drop``: the kept rows'
        labels, not reset; ``split``: the input index, one more column), and a table: for ``drop`` and
        ``as_is`` ``iso3, years, rows, rows_observed`` (X_ii > 0; the others are NaN or 0 in the input)
        ``, trade`` (US$ dropped), ``regimes, kept_years`` (one row per country with dropped rows; empty for
        ``as_is``), for ``split`` ``iso3, regime, pair_fe, years, rows, trade, keep`` (one row
        per regime of each country with several).

    Raises
    ------
    RepairInputError
        Unknown mode, a missing column, duplicate domestic keys, negative domestic flows.
    """
    if mode not in MODES:
        raise RepairInputError(f"mode={mode!r}; use one of {list(MODES)}")
    _need(
        frame,
        ("exporter", "importer", "year", "trade"),
        "frame",
        "pass a directed estimation frame (exporter, importer, year, trade, ...)",
    )
    if mode == "as_is":
        return frame, pd.DataFrame({c: [] for c in DROP_COLUMNS})
    exp = frame["exporter"].astype(str).to_numpy()
    imp = frame["importer"].astype(str).to_numpy()
    dom = exp == imp
    pos = np.flatnonzero(dom)
    dom_rows = pd.DataFrame(
        {
            "iso3": exp[pos],
            "year": frame["year"].to_numpy()[pos].astype("int64"),
            "trade": frame["trade"].to_numpy(dtype="float64")[pos],
            "_pos": pos,
        }
    )
    _dupes(dom_rows, ["iso3", "year"], "frame (domestic rows exporter == importer)")
    reg = domestic_regimes(dom_rows[["iso3", "year", "trade"]], breaks)
    reg = dom_rows[["iso3", "year", "_pos"]].merge(reg, on=["iso3", "year"], how="left", validate="one_to_one")

    if mode == "drop":
        out_pos = reg.loc[~reg["keep"], "_pos"].to_numpy()
        keep_mask = np.ones(len(frame), dtype=bool)
        keep_mask[out_pos] = False
        gone = reg[~reg["keep"]]
        rows = []
        for c, g in gone.groupby("iso3", sort=True):
            kept = reg[(reg["iso3"] == c) & reg["keep"]]
            rows.append(
                {
                    "iso3": c,
                    "years": _years_text(g["year"]),
                    "rows": int(len(g)),
                    "rows_observed": int((g["trade"] > 0).sum()),
                    "trade": float(g["trade"].sum()),
                    "regimes": ", ".join(map(str, sorted(g["regime"].unique()))),
                    "kept_years": _years_text(kept["year"]),
                }
            )
        table = pd.DataFrame(rows, columns=list(DROP_COLUMNS))
        if len(table):
            log.info(
                "repair drop: %d domestic rows of %d countries outside their kept coverage regime removed "
                "(US$ %.4g bn): %s",
                int(table["rows"].sum()),
                len(table),
                table["trade"].sum() / 1e9,
                "; ".join(f"{r.iso3} {r.years}" for r in table.itertuples()),
            )
        return frame[keep_mask], table

    # split
    multi = reg["n_regimes"].to_numpy() > 1
    label = pd.Series(exp, dtype=object) + "-" + pd.Series(imp, dtype=object)
    lab = np.array(label.to_numpy(dtype=object), dtype=object)  # a writable copy
    sub = reg[multi]
    lab[sub["_pos"].to_numpy()] = (sub["iso3"] + "-" + sub["iso3"] + "#" + sub["regime"].astype(str)).to_numpy()
    out = frame.copy()
    out["pair_fe"] = pd.Categorical(lab)
    rows = []
    for (c, r), g in sub.groupby(["iso3", "regime"], sort=True):
        rows.append(
            {
                "iso3": c,
                "regime": int(r),
                "pair_fe": f"{c}-{c}#{r}",
                "years": _years_text(g["year"]),
                "rows": int(len(g)),
                "trade": float(g["trade"].sum()),
                "keep": bool(g["keep"].iloc[0]),
            }
        )
    return out, pd.DataFrame(rows, columns=list(SPLIT_COLUMNS))


# ----------------------------------------------------------------------------- GE base year


def _output_lookup(output: pd.DataFrame) -> pd.Series:
    _need(
        output,
        ("iso3", "year", "value"),
        "output",
        "pass GDP (current US$) as iso3, year, value, e.g. gravity.data.load_indicators('gdp')",
    )
    o = output[["iso3", "year", "value"]].dropna(subset=["value"])
    o = o[o["value"] > 0]
    _dupes(o, ["iso3", "year"], "output")
    return pd.Series(
        o["value"].to_numpy(dtype="float64"),
        index=pd.MultiIndex.from_arrays([o["iso3"].astype(str), o["year"].astype("int64")]),
    )


def repair_base_domestic(
    domestic: pd.DataFrame, breaks, base_year: int, output: pd.DataFrame, *, factor: float = BREAK_FACTOR
) -> pd.DataFrame:
    """The GE base year's domestic flow per country, never one from a low-coverage regime.

    With the regimes r of :func:`domestic_regimes` and their median levels m_r, the base year's regime r_b
    is low-coverage when m_r_b · ``factor`` < max_r m_r (ITPD-E's low-coverage side of a break). Then

        X_ii,b = X_ii,s × Y_i,b / Y_i,s,

    with s the latest year before b (else the earliest after b) in a regime with m_r · factor ≥ max m_r
    that has an observed X_ii,s and output Y_i,s (GDP, current US$).

    Parameters
    ----------
    domestic : DataFrame
        ``iso3, year, trade``: the annual X_ii,t series (current US$), the base year included.
    breaks : DataFrame or list of dict
        ``iso3, year`` of each coverage break.
    base_year : int
    output : DataFrame
        ``iso3, year, value``: Y_i,t (GDP in current US$ from WDI, ``gravity.data.load_indicators("gdp")``).
    factor : float
        The break factor (default :data:`gravity.panel.itpde.BREAK_FACTOR`).

    Returns
    -------
    DataFrame
        One row per country of ``domestic``, sorted: ``iso3, domestic_observed`` (X_ii,b as given),
        ``domestic_repaired`` (the value to use: X_ii,b when observed, the repair, NaN when unrepairable or
        missing), ``source_year`` (b, s, or NaN), ``output_base``, ``output_source`` (Y_i,b, Y_i,s), ``flag``
        (:data:`BASE_FLAGS`: ``domestic_observed``, ``domestic_repaired``, ``domestic_unrepairable`` – the
        caller constructs it, ``domestic_missing`` – no positive X_ii,b), ``reason``.

    Raises
    ------
    RepairInputError
        A missing column, duplicate keys, factor ≤ 1.
    """
    if not factor > 1:
        raise RepairInputError(f"factor={factor!r}: a break factor must be > 1 (e.g. {BREAK_FACTOR})")
    base_year = int(base_year)
    reg = domestic_regimes(domestic, breaks)
    out_s = _output_lookup(output)
    rows = []
    for c, g in reg.groupby("iso3", sort=True):
        at = g[g["year"] == base_year]
        v = float(at["trade"].iloc[0]) if len(at) else np.nan
        y_b = out_s.get((c, base_year), np.nan)
        row = {
            "iso3": c,
            "domestic_observed": v,
            "domestic_repaired": np.nan,
            "source_year": np.nan,
            "output_base": y_b,
            "output_source": np.nan,
        }
        if not v > 0:
            rows.append(
                {
                    **row,
                    "flag": "domestic_missing",
                    "reason": f"no positive domestic flow in {base_year}" if len(at) else f"{base_year} not given",
                }
            )
            continue
        med = g.drop_duplicates("regime").set_index("regime")["regime_median"]
        top = float(med.max())
        rb = int(at["regime"].iloc[0])
        if med[rb] * factor >= top:
            rows.append(
                {
                    **row,
                    "domestic_repaired": v,
                    "source_year": base_year,
                    "flag": "domestic_observed",
                    "reason": ""
                    if len(med) == 1
                    else f"{base_year} in regime {rb} of {len(med)} (median {med[rb] / 1e9:.4g} bn, within "
                    f"{factor:g}x of the highest, {top / 1e9:.4g} bn)",
                }
            )
            continue
        low = (
            f"{base_year} in low-coverage regime {rb} (median {med[rb] / 1e9:.4g} bn, "
            f"{top / med[rb]:.3g}x below the highest, {top / 1e9:.4g} bn)"
        )
        good = set(med.index[med * factor >= top])
        cand = g[g["regime"].isin(good) & (g["trade"] > 0)]
        cand = pd.concat(
            [
                cand[cand["year"] < base_year].sort_values("year", ascending=False),
                cand[cand["year"] > base_year].sort_values("year"),
            ]
        )
        if not y_b > 0:
            rows.append({**row, "flag": "domestic_unrepairable", "reason": f"{low}; no output for {base_year}"})
            continue
        src = [(int(s), float(x)) for s, x in zip(cand["year"], cand["trade"]) if out_s.get((c, int(s)), np.nan) > 0]
        if not src:
            rows.append(
                {
                    **row,
                    "flag": "domestic_unrepairable",
                    "reason": f"{low}; no output for any full-coverage year "
                    f"({_years_text(cand['year']) or 'none observed'})",
                }
            )
            continue
        s, x = src[0]
        y_s = float(out_s[(c, s)])
        rows.append(
            {
                **row,
                "domestic_repaired": x * y_b / y_s,
                "source_year": s,
                "output_source": y_s,
                "flag": "domestic_repaired",
                "reason": f"{low}; X_ii,{s} = {x / 1e9:.4g} bn x output {base_year}/{s} = {y_b / y_s:.4f}",
            }
        )
    out = pd.DataFrame(
        rows,
        columns=[
            "iso3",
            "domestic_observed",
            "domestic_repaired",
            "source_year",
            "output_base",
            "output_source",
            "flag",
            "reason",
        ],
    )
    out["source_year"] = out["source_year"].astype("Int64")
    rep = out[out["flag"] != "domestic_observed"]
    if len(rep):
        log.info("repair base %d: %s", base_year, "; ".join(f"{r.iso3} {r.flag}" for r in rep.itertuples()))
    return out


# ----------------------------------------------------------------------------- domestic share of output


def domestic_share_check(
    per_country: pd.DataFrame, *, low: float = LOW_SHARE, constructed: pd.Series | None = None
) -> pd.DataFrame:
    """Domestic share of output s_i = X_ii / Σ_j X_ij per country of a GE table, the low ones decided.

    A country with s_i < ``low`` is named. With ``constructed`` (X̃_ii = κ·VA_i − Σ_{j≠i} X_ij,
    :func:`gravity.scenario.baseline.domestic_flows`), its share with the constructed flow,
    s̃_i = X̃_ii / (X̃_ii + Σ_{j≠i} X_ij), decides: s̃_i < ``low`` too → the data say so
    (``low_share_confirmed``, X_ii kept); otherwise ``low_share_replaced`` with ``replacement`` = X̃_ii.
    A construction clipped at its floor f·Σ_{j≠i} X_ij has s̃_i = f / (1 + f) (9.1% at f = 0.1): output data
    below exports (an entrepôt) confirm a low share.

    Parameters
    ----------
    per_country : DataFrame
        ``domestic`` (X_ii) and ``output`` (Σ_j X_ij, X_ii included), indexed by ISO3 (``iso3`` column
        also accepted), e.g. ``GETable.per_country`` of the corridor's ``itpde_table``.
    low : float in (0, 1)
    constructed : Series, optional
        X̃_ii by ISO3; needed for every country below ``low``.

    Returns
    -------
    DataFrame
        One row per country in the input order: ``iso3, domestic, output, share, below, constructed,
        constructed_share, flag`` (:data:`SHARE_FLAGS`: ``ok``, ``low_share`` – below and no
        ``constructed`` given, ``low_share_confirmed``, ``low_share_replaced``), ``replacement`` (X̃_ii where
        replaced, else NaN), ``domestic_used`` (X_ii or its replacement).

    Raises
    ------
    RepairInputError
        A missing column, ``low`` outside (0, 1), output ≤ 0 or missing, negative domestic flows, or a
        country below ``low`` without a constructed value.
    """
    if not 0 < low < 1:
        raise RepairInputError(f"low={low!r}: the floor of the domestic share must be in (0, 1), e.g. {LOW_SHARE}")
    pc = per_country.set_index("iso3") if "iso3" in per_country.columns else per_country
    _need(pc, ("domestic", "output"), "per_country", "pass GETable.per_country (domestic, output by ISO3)")
    dom = pc["domestic"].astype("float64")
    outp = pc["output"].astype("float64")
    bad = pc.index[~(outp > 0) | ~(dom >= 0) | ~(dom <= outp * (1 + 1e-12))]
    if len(bad):
        raise RepairInputError(
            f"per_country: output must be > 0 and 0 <= domestic <= output; fails for "
            f"{list(bad[:10])}; rebuild the table"
        )
    share = dom / outp
    below = share < low
    res = pd.DataFrame(
        {
            "iso3": pc.index.astype(str),
            "domestic": dom.to_numpy(),
            "output": outp.to_numpy(),
            "share": share.to_numpy(),
            "below": below.to_numpy(),
        }
    )
    res["constructed"] = np.nan
    res["constructed_share"] = np.nan
    res["flag"] = np.where(below, "low_share", "ok").astype(object)
    res["replacement"] = np.nan
    if constructed is not None:
        con = pd.Series(constructed, dtype="float64").reindex(pc.index)
        lack = pc.index[below.to_numpy() & ~(con.to_numpy() >= 0)]
        if len(lack):
            raise RepairInputError(
                f"constructed has no (non-negative) domestic flow for {list(lack)}, below the "
                f"{low:.0%} floor; construct one for each (κ·VA − exports) or exclude them"
            )
        cs = con / (con + outp - dom)
        res["constructed"] = con.to_numpy()
        res["constructed_share"] = cs.to_numpy()
        conf = below.to_numpy() & (cs.to_numpy() < low)
        repl = below.to_numpy() & ~conf
        res.loc[conf, "flag"] = "low_share_confirmed"
        res.loc[repl, "flag"] = "low_share_replaced"
        res.loc[repl, "replacement"] = con.to_numpy()[repl]
    res["domestic_used"] = res["replacement"].where(res["flag"] == "low_share_replaced", res["domestic"])
    if below.any():
        log.warning(
            "domestic share of output below %.0f%%: %s",
            100 * low,
            "; ".join(f"{r.iso3} {r.share:.1%} ({r.flag})" for r in res[res["below"]].itertuples()),
        )
    return res


# ----------------------------------------------------------------------------- zero links

FILL_COLUMNS = ("exporter", "importer", "source", "year", "reported", "scale", "filled")


def cow_import_reports(countries: Iterable[str] | None = None) -> pd.DataFrame:
    """COW's import reports as ``exporter, importer, year, value`` (current US$), the ``reports`` of
    :func:`fill_zero_links`.

    X_ij,t is j's report of its imports from i (:func:`gravity.data.read_cow_trade`, Correlates of War
    Dyadic Trade v4.0, 1870–2014, whole millions, NaN where missing). With ``countries``, pairs among them.
    """
    cow = datasets.read_cow_trade()
    if countries is not None:
        cs = list(countries)
        cow = cow[cow["exporter"].isin(cs) & cow["importer"].isin(cs)]
    return cow[["exporter", "importer", "year", "trade"]].rename(columns={"trade": "value"}).reset_index(drop=True)


def fill_zero_links(
    flows: pd.DataFrame,
    reports: pd.DataFrame,
    countries: Iterable[str],
    *,
    base_year: int,
    scale: pd.Series | None = None,
    source: str = "cow",
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Zero international flows among ``countries`` filled from another source's import reports.

    For i ≠ j both in ``countries`` with X_ij = 0 in the base-year table, take the pair's latest report
    R_ij,s with s ≤ ``base_year`` (a non-missing value). If R_ij,s > 0:

        X_ij = R_ij,s × M_j,b / M_j,s   (``scale`` given: M = the importer's total imports), else R_ij,s,

    and the cell's flag becomes ``filled_<source>``. A domestic cell and a pair with a positive X_ij are
    never filled; a latest report of 0 leaves the zero.

    Parameters
    ----------
    flows : DataFrame
        ``exporter, importer, trade, flag``: the GE base-year table (e.g. ``GETable.flows``).
    reports : DataFrame
        ``exporter, importer, year, value`` (current US$, the importer's report), e.g.
        :func:`cow_import_reports`.
    countries : iterable of str
        Countries whose mutual zero links may be filled (e.g. the ECO members).
    base_year : int
    scale : Series, optional
        M_j,t indexed by (iso3, year) (e.g. WDI merchandise imports); needed for every filled importer in
        the report year and the base year.
    source : str
        Name in the flag and the table (default ``"cow"``).

    Returns
    -------
    (DataFrame, DataFrame)
        ``flows`` with ``trade`` and ``flag`` changed in the filled cells (same rows, order and index), and a
        table ``exporter, importer, source, year, reported, scale, filled`` (one row per filled pair; scale
        1.0 without ``scale``). ``table.attrs["absent"]`` lists ``countries`` not in ``flows``.

    Raises
    ------
    RepairInputError
        A missing column, a negative or missing flow among ``countries``, duplicate keys, or ``scale``
        lacking an importer-year a fill needs.
    """
    _need(flows, ("exporter", "importer", "trade", "flag"), "flows", "pass the base-year table (GETable.flows)")
    _need(
        reports,
        ("exporter", "importer", "year", "value"),
        "reports",
        "pass exporter, importer, year, value (e.g. gravity.panel.repair.cow_import_reports())",
    )
    countries = sorted(set(map(str, countries)))
    base_year = int(base_year)
    _dupes(flows, ["exporter", "importer"], "flows")
    exp = flows["exporter"].astype(str).to_numpy()
    imp = flows["importer"].astype(str).to_numpy()
    tv = flows["trade"].to_numpy(dtype="float64")
    present = set(exp) | set(imp)
    absent = [c for c in countries if c not in present]
    if absent:
        log.warning("fill_zero_links: %s not in the flow table; their links cannot be filled", absent)
    among = np.isin(exp, countries) & np.isin(imp, countries) & (exp != imp)
    bad = among & ~(tv >= 0)
    if bad.any():
        ex = flows.loc[bad, ["exporter", "importer", "trade"]].head(5).to_dict("records")
        raise RepairInputError(
            f"flows has missing or negative trade among {countries}: {ex}; set 0 where no flow is recorded"
        )
    zero = among & (tv == 0)
    rep = reports[["exporter", "importer", "year", "value"]].copy()
    rep["exporter"], rep["importer"] = rep["exporter"].astype(str), rep["importer"].astype(str)
    rep["year"] = rep["year"].astype("int64")
    _dupes(rep, ["exporter", "importer", "year"], "reports")
    if (rep["value"] < 0).any():
        raise RepairInputError(
            f"reports has negative values: {rep.loc[rep['value'] < 0].head(5).to_dict('records')}; missing is NaN"
        )
    rep = rep[rep["value"].notna() & (rep["year"] <= base_year)]
    latest = rep.sort_values("year", kind="stable").groupby(["exporter", "importer"]).tail(1)
    latest = latest.set_index(["exporter", "importer"])
    cells = pd.MultiIndex.from_arrays([exp[zero], imp[zero]])
    hit = latest.reindex(cells)
    fill = (hit["value"] > 0).to_numpy()
    pos = np.flatnonzero(zero)[fill]
    hit = hit[fill]
    yrs = hit["year"].astype("int64").to_numpy()
    reported = hit["value"].to_numpy(dtype="float64")
    factor = np.ones(len(pos))
    if scale is not None and len(pos):
        sc = pd.Series(scale, dtype="float64")
        need_keys = [(j, int(y)) for j, y in zip(imp[pos], yrs)] + [(j, base_year) for j in imp[pos]]
        lack = sorted({k for k in need_keys if not sc.get(k, np.nan) > 0})
        if lack:
            raise RepairInputError(
                f"scale lacks a positive importer total for {lack[:10]}; give M_j,t for those "
                f"(iso3, year) or pass scale=None to fill as reported"
            )
        factor = np.array([sc[(j, base_year)] / sc[(j, int(y))] for j, y in zip(imp[pos], yrs)])
    filled = reported * factor
    out = flows.copy()
    new_t = tv.copy()
    new_t[pos] = filled
    out["trade"] = new_t
    fl = out["flag"].astype(object).to_numpy().copy()
    fl[pos] = f"filled_{source}"
    out["flag"] = fl
    table = pd.DataFrame(
        {
            "exporter": exp[pos],
            "importer": imp[pos],
            "source": source,
            "year": yrs,
            "reported": reported,
            "scale": factor,
            "filled": filled,
        },
        columns=list(FILL_COLUMNS),
    )
    table = table.sort_values(["exporter", "importer"]).reset_index(drop=True)
    table.attrs["absent"] = absent
    if len(table):
        log.info(
            "fill_zero_links: %d zero links among %d countries filled from %s (US$ %.4g m): %s",
            len(table),
            len(countries),
            source,
            table["filled"].sum() / 1e6,
            "; ".join(f"{r.exporter}->{r.importer} {r.year}" for r in table.itertuples()),
        )
    return out, table
