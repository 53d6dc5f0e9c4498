"""The ECO digital-corridor analysis, from data to the ministry's tables, in one call.

    res = gravity.corridor.run("models/eco_digital_corridor.toml", "results/eco")

Steps (each a plain value handed to the next):

1. **config** — :func:`gravity.scenario.load_config` validates the file before any data is read.
2. **panel** — :func:`gravity.corridor_panel`: the Comtrade waves (exporter-reported, penppml), square, with
   CEPII GeoDist pair covariates, landlocked facts, WDI internet use and ITU bandwidth (here per internet
   user); carry-forward only as the file allows, flagged per cell.
3. **estimates** — every specification by PPML (:func:`gravity.ppml`), pair-clustered; rows with a
   missing flow or regressor are left out and counted, never imputed.
4. **GE baseline** — the base year as a square table with domestic flows (:mod:`gravity.fill`): silent
   exporters filled from WDI totals × gravity shares, domestic flows from output data, all flagged.
5. **scenarios** — Δx_ij per scenario (:mod:`gravity.scenario`), t̂_ij = exp(Σ_k b_k Δx_k,ij), conditional
   and full-endowment GE (:mod:`gravity.ge`) at the headline estimates, with 95% intervals from
   parametric draws b_d ~ N(b̂, V̂) and from a pair-cluster bootstrap (seeded: same run, same tables).
6. **outputs** — workbook + csv + markdown tables, regression table, plots, short report.
"""
from __future__ import annotations

import dataclasses
import json
import logging
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from gravity.scenario import baseline as fill_mod
from gravity.scenario import config as sc

log = logging.getLogger("gravity.corridor")

PAIR_COLUMNS = ("dist", "contig", "comlang_off", "colony")
# The gravity model that predicts destination shares of exporters to be filled (base year only).
FILL_FORMULA = "trade ~ ln_dist + contig + comlang_off + colony + rta | exporter + importer"
MEASURES = {"exports": "exports", "imports": "imports", "real_gdp": "real GDP"}
GE_KINDS = {"cdl": "conditional", "full": "full"}


# ==============================================================================================
# panel
# ==============================================================================================
def corridor_panel(cfg: sc.CorridorConfig) -> pd.DataFrame:
    """The digital-corridor panel (:func:`gravity.corridor_panel`) for the file's years and indicators,
    restricted to ``sample.countries`` when given (both partners in the list).

    ``bandwidth`` here is international bandwidth per internet user, kbit/s = ITU i4214l (Mbit/s) × 1000 /
    (internet % / 100 × population), recomputed in ``bandwidth_o/_d`` (flags kept from the ITU cell).
    """
    import gravity as gv

    carry = cfg.sample.carry_forward_years
    names = list(cfg.indicators)
    if "bandwidth" in names:
        names += [n for n in ("internet", "population") if n not in names]
    panel = gv.corridor_panel(years=list(cfg.sample.years), indicators=names,
                              fill="carry_forward" if carry else None, fill_limit=carry or None, digital=())
    if cfg.sample.countries:
        keep = set(cfg.sample.countries)
        missing = sorted(keep - (set(panel["exporter"].astype(str)) | set(panel["importer"].astype(str))))
        if missing:
            raise sc.ScenarioFileError(f"{cfg.path}: [sample] countries {missing} are not in the corridor panel. "
                                       "Fix: remove them from sample.countries")
        m = panel["exporter"].astype(str).isin(keep) & panel["importer"].astype(str).isin(keep)
        attrs = dict(panel.attrs)
        panel = panel[m.to_numpy()].reset_index(drop=True)
        panel.attrs.update(attrs)
    if "bandwidth" in cfg.indicators:
        for s in ("o", "d"):
            users = panel[f"internet_{s}"] / 100.0 * panel[f"population_{s}"]
            panel[f"bandwidth_{s}"] = (panel[f"bandwidth_{s}"] * 1000.0 / users).where(users > 0)
    panel["pair"] = panel["exporter"].astype(str) + "-" + panel["importer"].astype(str)
    return panel


def estimation_frame(cfg: sc.CorridorConfig, panel: pd.DataFrame) -> pd.DataFrame:
    """International rows with a flow (reported or explicit zero) and every regressor column."""
    rows = panel[(panel["exporter"] != panel["importer"]) & panel["trade"].notna()]
    names = sorted({r for s in cfg.specifications for r in s.slopes})
    regs = sc.build_regressors(rows, cfg.regressors, names)
    keep = ["exporter", "importer", "year", "trade", "pair"]
    out = pd.concat([rows[keep].reset_index(drop=True), regs.reset_index(drop=True)], axis=1)
    out["exporter"] = out["exporter"].astype(str)
    out["importer"] = out["importer"].astype(str)
    return out


# ==============================================================================================
# estimation
# ==============================================================================================
@dataclass
class Estimates:
    fits: dict                         # spec name -> PPMLResults
    failed: dict                       # spec name -> reason (sensitivity specs only)
    frames: dict                       # spec name -> estimation rows used (for the bootstrap)
    notes: dict = field(default_factory=dict)   # spec name -> how it was estimated, when not the default


def estimate(cfg: sc.CorridorConfig, frame: pd.DataFrame, *, progress: bool = True) -> Estimates:
    """PPML for every specification (pair-clustered).

    If the estimator's regressor-separation check (iterative rectifier) fails on a specification, it is
    re-estimated with the fixed-effect separation check only and the fact is recorded in ``notes`` (and in
    the outputs); a sensitivity specification that still fails is reported as not estimated, never hidden.
    """
    import gravity as gv
    from tqdm.auto import tqdm

    fits, failed, frames, notes = {}, {}, {}, {}
    for spec in tqdm(cfg.specifications, desc="PPML specifications", disable=not progress):
        sub = frame if spec.years is None else frame[frame["year"].isin(spec.years)]
        res = None
        for sep in (("fe", "ir"), ("fe",)):
            try:
                res = gv.ppml(spec.formula, sub, cluster=spec.cluster, missing="drop", separation=sep)
                break
            except (ValueError, np.linalg.LinAlgError, MemoryError) as exc:
                why = f"{type(exc).__name__}: {str(exc).splitlines()[0]}"
                log.warning("specification %s with separation=%s failed: %s", spec.name, sep, why)
                if sep == ("fe", "ir"):
                    notes[spec.name] = (f"iterative-rectifier separation check failed ({why}); estimated with the "
                                        "fixed-effect separation check only")
        if res is None:
            if spec.headline:
                raise RuntimeError(f"the headline specification {spec.name!r} could not be estimated: {why}")
            failed[spec.name] = why
            notes.pop(spec.name, None)
            continue
        fits[spec.name] = res
        frames[spec.name] = sub.loc[res.sample["used"].to_numpy()]
    return Estimates(fits, failed, frames, notes)


def coefficient_table(cfg: sc.CorridorConfig, est: Estimates, level: float = 0.95) -> pd.DataFrame:
    """Long: spec, label, term, estimate, se, lo, hi, pvalue, nobs, clusters (pair-clustered)."""
    rows = []
    for spec in cfg.specifications:
        r = est.fits.get(spec.name)
        if r is None:
            continue
        ci = r.conf_int(1 - level)
        for term in r.params.index:
            rows.append(dict(spec=spec.name, label=spec.label, headline=spec.headline, term=term,
                             estimate=float(r.params[term]), se=float(r.bse[term]), lo=float(ci.loc[term].iloc[0]),
                             hi=float(ci.loc[term].iloc[1]), pvalue=float(r.pvalues[term]), nobs=int(r.nobs),
                             clusters=int(r.n_clusters) if np.isscalar(r.n_clusters) else None))
    return pd.DataFrame(rows)


# ==============================================================================================
# GE baseline
# ==============================================================================================
def fill_model(base_rows: pd.DataFrame):
    """PPML on the base year's reported international flows: trade ~ gravity covariates | exporter + importer."""
    import gravity as gv

    d = base_rows[base_rows["trade"].notna()].copy()
    for c in ("exporter", "importer"):
        d[c] = d[c].astype(str)
    d["rta"] = d["rta"].fillna(0.0)
    return gv.ppml(FILL_FORMULA, d, missing="drop")


def fill_eta(fit, base_rows: pd.DataFrame, exporters, importers) -> pd.DataFrame:
    """η_ij = importer effect_j + b'x_ij for the exporters to fill (the exporter effect cancels in shares)."""
    fe = fit.fixef()["importer"]
    fe.index = fe.index.astype(str)
    d = base_rows[base_rows["exporter"].astype(str).isin(exporters) & base_rows["importer"].astype(str).isin(importers)
                  & (base_rows["exporter"] != base_rows["importer"])].copy()
    d["rta"] = d["rta"].fillna(0.0)
    eta = fe.reindex(d["importer"].astype(str)).to_numpy()
    for k, b in fit.params.items():
        eta = eta + b * d[k].to_numpy(float)
    return pd.DataFrame({"exporter": d["exporter"].astype(str).to_numpy(),
                         "importer": d["importer"].astype(str).to_numpy(), "eta": eta})


@dataclass
class GEData:
    table: fill_mod.BaselineTable
    alt_table: fill_mod.BaselineTable | None
    output: pd.DataFrame
    fill_fit: object
    extra_excluded: pd.DataFrame


def ge_data(cfg: sc.CorridorConfig, panel: pd.DataFrame) -> GEData:
    """The base-year square table (and the alternative domestic construction), see :mod:`gravity.fill`."""
    y = cfg.sample.base_year
    rows = panel[(panel["year"] == y) & (panel["exporter"] != panel["importer"])]
    output = fill_mod.output_data(y, carry=cfg.sample.carry_forward_years)
    reported = rows[rows["trade"].notna()]
    cands = sorted(set(rows["exporter"].astype(str)) | set(rows["importer"].astype(str)))
    has_out = [c for c in cands if c in output.index and output.loc[c, "gdp"] > 0
               and output.loc[c, "industry_share"] > 0]
    reporters = set(reported["exporter"].astype(str))
    # countries with no GeoDist covariates at all cannot enter the gravity prediction of filled flows
    cov_ok = rows[rows["ln_dist"].notna()]
    with_cov = set(cov_ok["exporter"].astype(str)) & set(cov_ok["importer"].astype(str))
    no_cov = sorted(c for c in has_out if c not in with_cov)
    has_out = [c for c in has_out if c in with_cov]
    to_fill = [c for c in has_out if c not in reporters]
    fit = fill_model(reported)
    eta = fill_eta(fit, rows, to_fill, has_out)
    # importers for which no share can be predicted (a pair without covariates / no importer effect) leave
    bad = eta.loc[~np.isfinite(eta["eta"]), "importer"].value_counts()
    drop = sorted(bad.index)
    extra = pd.DataFrame({"iso3": no_cov + drop,
                          "reason": ["no GeoDist pair covariates (filled flows cannot be predicted)"] * len(no_cov)
                          + ["no gravity prediction for filled exporters' flows to it (pair covariates or "
                             "importer effect missing)"] * len(drop)})
    keep = [c for c in has_out if c not in drop]
    eta = eta[eta.importer.isin(keep) & eta.exporter.isin(keep)]
    trade = reported[["exporter", "importer", "trade"]]
    ge = cfg.ge
    kw = dict(multiplier=ge.gross_output_multiplier, floor_share=ge.domestic_floor_share)
    table = fill_mod.build_table(trade, output, eta, method=ge.domestic_method, countries=keep, **kw)
    alt = None
    if ge.domestic_sensitivity and ge.domestic_sensitivity != ge.domestic_method:
        alt = fill_mod.build_table(trade, output, eta, method=ge.domestic_sensitivity, countries=keep, **kw)
    # countries without output data also leave (build_table lists those it drops itself)
    no_out = sorted(set(cands) - set(has_out) - set(no_cov))
    extra = pd.concat([extra, pd.DataFrame({"iso3": no_out, "reason": "no GDP / industry share for the base year"})],
                      ignore_index=True)
    tot = float(reported["trade"].sum())
    ex, im = reported["exporter"].astype(str), reported["importer"].astype(str)
    extra["reported_trade"] = [float(reported.loc[(ex == c) | (im == c), "trade"].sum()) for c in extra["iso3"]]
    extra["share_of_trade"] = extra["reported_trade"] / tot if tot > 0 else 0.0
    table.excluded = pd.concat([table.excluded, extra], ignore_index=True).sort_values("iso3").reset_index(drop=True)
    return GEData(table, alt, output, fit, extra)


def ge_pairs(cfg: sc.CorridorConfig, panel: pd.DataFrame, countries: list[str]) -> pd.DataFrame:
    """Base-year inputs of every regressor for the n × n GE grid (sorted exporter, importer).

    Agreement dummies of a pair the source does not report (a silent exporter) are taken from the
    reverse direction (agreements are reciprocal), else 0; ``agreement_from`` says which.
    """
    y = cfg.sample.base_year
    rows = panel[(panel["year"] == y)].copy()
    rows["exporter"] = rows["exporter"].astype(str)
    rows["importer"] = rows["importer"].astype(str)
    grid = pd.MultiIndex.from_product([countries, countries], names=["exporter", "importer"]).to_frame(index=False)
    grid = grid.merge(rows, on=["exporter", "importer"], how="left")
    agr = sorted({c for r in cfg.regressors.values() if r.kind in ("pair", "any_of") for c in r.columns
                  if c in rows.columns and c not in PAIR_COLUMNS and c != "ln_dist"})
    rev = rows.set_index(["importer", "exporter"])[agr]
    rev.index.names = ["exporter", "importer"]
    back = rev.reindex(pd.MultiIndex.from_frame(grid[["exporter", "importer"]]))
    grid["agreement_from"] = np.where(grid[agr].notna().all(axis=1), "reported",
                                      np.where(back.notna().all(axis=1).to_numpy(), "reverse direction", "none (0)"))
    for c in agr:
        grid[c] = grid[c].fillna(pd.Series(back[c].to_numpy(), index=grid.index)).fillna(0.0)
    grid.loc[grid.exporter == grid.importer, "agreement_from"] = "domestic"
    return grid


def scenario_deltas(cfg: sc.CorridorConfig, grid: pd.DataFrame) -> dict[str, pd.DataFrame]:
    """Δx per scenario over the grid; domestic pairs never change (the regressors are bilateral)."""
    out = {}
    dom = (grid["exporter"] == grid["importer"]).to_numpy()
    for s in cfg.scenarios:
        d = sc.regressor_changes(grid, s, cfg)
        d.loc[dom, :] = 0.0
        out[s.name] = d
    return out


# ==============================================================================================
# GE with uncertainty
# ==============================================================================================
@dataclass
class ScenarioGE:
    name: str
    delta: pd.DataFrame
    point: object                       # gravity.ge.GEResult at the headline estimates
    parametric: object                  # gravity.ge.uncertainty.GEUncertainty
    bootstrap: object | None


def _scenario_fn(delta: pd.DataFrame, n: int):
    D = delta.to_numpy(float)
    names = list(delta.columns)

    def f(beta) -> np.ndarray:
        b = np.array([float(beta[k]) for k in names])
        return np.exp(D @ b).reshape(n, n)

    return f


def run_ge(cfg, base, deltas, fit, boot_betas, *, progress=True) -> dict[str, ScenarioGE]:
    import gravity as gv
    from gravity.ge import uncertainty as unc

    out = {}
    n = base.n
    for s in cfg.scenarios:
        delta = deltas[s.name]
        names = list(delta.columns)
        f = _scenario_fn(delta, n)
        point = gv.ge.solve(base, f(fit.params[names]))
        par = unc.confidence_intervals(base, f, fit=fit, coefficients=names, draws=cfg.ge.draws,
                                       seed=cfg.ge.seed, level=cfg.ge.ci, progress=progress)
        boot = None
        if boot_betas is not None:
            boot = unc.confidence_intervals(base, f, fit=fit, betas=boot_betas, seed=cfg.ge.seed,
                                            level=cfg.ge.ci, progress=progress)
        out[s.name] = ScenarioGE(s.name, delta, point, par, boot)
    return out


def bootstrap_betas(cfg, est: Estimates, *, progress=True):
    """Pair-cluster bootstrap of the headline coefficients (re-estimated on resampled pairs)."""
    from gravity.ge import uncertainty as unc

    if cfg.ge.bootstrap < 2:
        return None
    h = cfg.headline
    # the headline PPML with frequency weights; picklable, so it also runs in worker processes
    refit = unc.ppml_refit(h.formula, h.slopes, missing="drop", vcov="iid")
    return unc.pair_bootstrap(est.frames[h.name], refit, cluster=h.cluster or "pair", draws=cfg.ge.bootstrap,
                              seed=cfg.ge.seed, progress=progress, n_jobs=cfg.ge.jobs)


# ==============================================================================================
# tables
# ==============================================================================================
def _pct_interval(draws: np.ndarray, level: float) -> tuple[np.ndarray, np.ndarray]:
    ok = ~np.isnan(draws).any(axis=tuple(range(1, draws.ndim)))
    a = (1 - level) / 2 * 100
    if not ok.any():
        nan = np.full(draws.shape[1:], np.nan)
        return nan, nan
    lo, hi = np.percentile(draws[ok], [a, 100 - a], axis=0)
    return lo, hi


def _effect_index(name: str) -> int:
    from gravity.ge import EFFECTS

    return list(EFFECTS).index(name)


def country_table(cfg, base, table, results: dict[str, ScenarioGE], groups: pd.DataFrame) -> pd.DataFrame:
    """Per scenario × country: baseline exports / GDP; % changes (conditional, full) with both CIs."""
    from gravity.data import countries as cc

    names = cc.short_names()
    out_rows = []
    exports0 = base.fitted.sum(axis=1) - np.diag(base.fitted)
    for s in cfg.scenarios:
        r = results[s.name]
        pt = r.point.countries
        df = pd.DataFrame({"scenario": s.name, "country": base.countries,
                           "name": names.reindex(base.countries).fillna("").to_numpy()})
        df = df.join(groups.reindex(base.countries).reset_index(drop=True))
        df["baseline_exports_usd_m"] = exports0 / 1e6
        df["baseline_output_usd_m"] = base.Y / 1e6
        df["baseline_gdp_usd_bn"] = table.output["gdp"].reindex(base.countries).to_numpy() / 1e9
        df["exports_filled"] = table.output["filled"].reindex(base.countries).to_numpy()
        for m in MEASURES:
            for g in GE_KINDS:
                e = f"{m}_{g}"
                df[e] = pt[e].to_numpy()
                df[f"{e}_lo"] = r.parametric.lower[e].to_numpy()
                df[f"{e}_hi"] = r.parametric.upper[e].to_numpy()
                if r.bootstrap is not None:
                    df[f"{e}_boot_lo"] = r.bootstrap.lower[e].to_numpy()
                    df[f"{e}_boot_hi"] = r.bootstrap.upper[e].to_numpy()
        out_rows.append(df)
    return pd.concat(out_rows, ignore_index=True)


def group_membership(cfg, base) -> pd.DataFrame:
    from gravity.data import countries as cc

    c = list(base.countries)
    eco = set(cfg.groups.get("ECO", cfg.members))
    ll = cc.landlocked(c, cfg.sample.base_year).astype(bool)
    return pd.DataFrame({"eco": [x in eco for x in c], "landlocked": ll}, index=pd.Index(c, name="country"))


AGGREGATES = ("ECO", "ECO landlocked", "All landlocked", "Rest of world (non-ECO)", "World")


def _masks(groups: pd.DataFrame) -> dict[str, np.ndarray]:
    e, l = groups["eco"].to_numpy(), groups["landlocked"].to_numpy()
    return {"ECO": e, "ECO landlocked": e & l, "All landlocked": l, "Rest of world (non-ECO)": ~e,
            "World": np.ones_like(e)}


def aggregate_levels(effects: np.ndarray, levels: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """% change of a group: 100·(Σ_{i∈G} L_i (1 + e_i/100) / Σ_{i∈G} L_i − 1), over the last axis."""
    base = levels[mask].sum()
    cf = (levels[mask] * (1 + effects[..., mask] / 100.0)).sum(axis=-1)
    return 100.0 * (cf / base - 1.0)


def aggregate_table(cfg, base, results, groups) -> pd.DataFrame:
    """Group aggregates as level-weighted sums of the countries (exports, imports: baseline flows;
    real GDP: baseline output Y_i as weights); CIs over the same draws as the countries'."""
    X = base.fitted
    levels = {"exports": X.sum(axis=1) - np.diag(X), "imports": X.sum(axis=0) - np.diag(X), "real_gdp": base.Y}
    masks = _masks(groups)
    rows = []
    for s in cfg.scenarios:
        r = results[s.name]
        for gname in AGGREGATES:
            m = masks[gname]
            if not m.any():
                continue
            for meas, lv in levels.items():
                for g in GE_KINDS:
                    e = f"{meas}_{g}"
                    k = _effect_index(e)
                    pt = r.point.countries[e].to_numpy()
                    row = dict(scenario=s.name, group=gname, countries=int(m.sum()), measure=meas,
                               ge=GE_KINDS[g], baseline_level=float(lv[m].sum()),
                               counterfactual_level=float((lv[m] * (1 + pt[m] / 100)).sum()),
                               estimate=float(aggregate_levels(pt, lv, m)))
                    for tag, u in (("", r.parametric), ("boot_", r.bootstrap)):
                        if u is None:
                            continue
                        agg = aggregate_levels(u.draws[:, k, :], lv, m)
                        lo, hi = _pct_interval(agg[:, None], cfg.ge.ci)
                        row[f"{tag}lo"], row[f"{tag}hi"] = float(lo[0]), float(hi[0])
                    rows.append(row)
    return pd.DataFrame(rows)


def focus_partners(cfg, base, table, results) -> pd.DataFrame:
    """For the focus country: partners whose bilateral trade (exports + imports) changes most (full GE)."""
    f = cfg.focus
    if not f or f not in set(base.countries):
        return pd.DataFrame()
    flags = table.flows.set_index(["exporter", "importer"])["flag"]
    rows = []
    for s in cfg.scenarios:
        p = results[s.name].point.pairs
        p = p[(p.exporter != p.importer) & ((p.exporter == f) | (p.importer == f))].copy()
        p["partner"] = np.where(p.exporter == f, p.importer, p.exporter)
        p["direction"] = np.where(p.exporter == f, f"{f} exports to", f"{f} imports from")
        p["change_full"] = p["full"] - p["baseline"]
        tot = p.groupby("partner")["change_full"].apply(lambda v: v.abs().sum())
        top = tot.sort_values(ascending=False).head(cfg.focus_partners).index
        sel = p[p.partner.isin(top)].copy()
        sel["rank"] = sel["partner"].map({c: i + 1 for i, c in enumerate(top)})
        sel["baseline_flow_source"] = [flags.get((a, b), "") for a, b in zip(sel.exporter, sel.importer)]
        with np.errstate(divide="ignore", invalid="ignore"):
            sel["pct_conditional"] = 100 * (sel["conditional"] / sel["baseline"] - 1)
            sel["pct_full"] = 100 * (sel["full"] / sel["baseline"] - 1)
        sel["scenario"] = s.name
        rows.append(sel[["scenario", "rank", "partner", "direction", "baseline", "conditional", "full",
                         "change_full", "pct_conditional", "pct_full", "baseline_flow_source"]]
                    .rename(columns={"baseline": "baseline_usd", "conditional": "conditional_usd",
                                     "full": "full_usd", "change_full": "change_full_usd"}))
    return pd.concat(rows, ignore_index=True).sort_values(["scenario", "rank", "direction"]).reset_index(drop=True)


def headline_summary(cfg, base, results, groups) -> dict[str, float]:
    """Point estimates used by the sensitivity tables: ECO and focus real GDP / exports, both GE kinds."""
    X = base.fitted
    lv = {"real_gdp": base.Y, "exports": X.sum(axis=1) - np.diag(X)}
    m = _masks(groups)["ECO"]
    out = {}
    for s_name, pt in results.items():
        for meas in ("real_gdp", "exports"):
            for g in GE_KINDS:
                e = f"{meas}_{g}"
                out[(s_name, f"ECO {meas} {GE_KINDS[g]}")] = float(aggregate_levels(pt[e].to_numpy(), lv[meas], m))
                if cfg.focus in set(base.countries):
                    out[(s_name, f"{cfg.focus} {meas} {GE_KINDS[g]}")] = float(pt.loc[cfg.focus, e])
    return out


def sensitivity_tables(cfg, ge_d: GEData, deltas, fit, groups) -> tuple[pd.DataFrame, pd.DataFrame | None]:
    """Headline point estimates re-solved at other σ, and with the alternative domestic flows."""
    import gravity as gv

    def solve_all(flows, sigma):
        b = gv.ge.Baseline.from_trade(flows, sigma=sigma, reference=_reference(cfg, flows))
        n = b.n
        res = {}
        for s in cfg.scenarios:
            d = deltas[s.name]
            res[s.name] = gv.ge.solve(b, _scenario_fn(d, n)(fit.params[list(d.columns)])).countries
        return headline_summary(cfg, b, res, groups)

    def frame(summaries: dict, key: str) -> pd.DataFrame:
        rows = []
        for val, summ in summaries.items():
            for (scen, what), v in summ.items():
                rows.append({key: val, "scenario": scen, "quantity": what, "pct_change": v})
        t = pd.DataFrame(rows)
        return t.pivot_table(index=["scenario", "quantity"], columns=key, values="pct_change",
                             sort=False).reset_index().rename_axis(columns=None)

    sigmas = sorted(set(cfg.ge.sigma_sensitivity) | {cfg.ge.sigma})
    sig = frame({f"sigma={s:g}": solve_all(ge_d.table.flows, s) for s in sigmas}, "sigma")
    dom = None
    if ge_d.alt_table is not None:
        dom = frame({f"domestic: {ge_d.table.method}": solve_all(ge_d.table.flows, cfg.ge.sigma),
                     f"domestic: {ge_d.alt_table.method}": solve_all(ge_d.alt_table.flows, cfg.ge.sigma)},
                    "domestic")
    return sig, dom


def _reference(cfg, flows: pd.DataFrame) -> str:
    have = set(flows["exporter"])
    if cfg.ge.reference in have:
        return cfg.ge.reference
    if not have:
        raise RuntimeError("the GE table is empty: every country was excluded (see the excluded list)")
    alt = sorted(have)[0]
    log.warning("reference country %s not in the GE table; using %s", cfg.ge.reference, alt)
    return alt


def coverage(cfg, panel: pd.DataFrame, filled=()) -> pd.DataFrame:
    """The data layer's coverage report for the group members (:func:`gravity.corridor_coverage`), with
    base-year exports marked "flagged" for the countries whose exports the GE table fills."""
    import gravity as gv

    rep = gv.corridor_coverage(panel, countries=list(cfg.groups.get("ECO", cfg.members)))
    m = ((rep["item"] == "exports (exporter-reported)") & (rep["year"] == cfg.sample.base_year)
         & rep["iso3"].isin(list(filled)) & (rep["status"] == "missing")).to_numpy()
    rep.loc[m, "status"] = "flagged"
    rep.loc[m, "detail"] = "not reported; filled in the GE baseline (WDI total x gravity shares)"
    return rep


# ==============================================================================================
# the run
# ==============================================================================================
@dataclass
class CorridorResult:
    config: sc.CorridorConfig
    panel_info: dict
    estimates: Estimates
    coefficients: pd.DataFrame
    ge: GEData
    baseline: object
    scenarios: dict[str, ScenarioGE]
    tables: dict[str, pd.DataFrame]
    paths: dict[str, Path] = field(default_factory=dict)
    timings: dict[str, float] = field(default_factory=dict)


def reduced(cfg: sc.CorridorConfig, countries, *, draws: int, bootstrap: int, jobs: int = 1,
            extra_scenarios=()) -> sc.CorridorConfig:
    """A smaller run of the same analysis (tests, notebooks): fewer countries and draws."""
    sample = dataclasses.replace(cfg.sample, countries=tuple(sorted(set(countries))))
    ge = dataclasses.replace(cfg.ge, draws=draws, bootstrap=bootstrap, jobs=jobs)
    return dataclasses.replace(cfg, sample=sample, ge=ge, scenarios=cfg.scenarios + tuple(extra_scenarios))


def run(config: str | Path | sc.CorridorConfig, out: str | Path | None = "results/eco", *,
        progress: bool = True, write: bool = True, plots: bool = True) -> CorridorResult:
    """Run the whole analysis (see the module docstring); ``out=None`` or ``write=False`` skips files,
    ``plots=False`` writes tables and report without the figures."""
    import gravity as gv

    t = {}
    t0 = time.perf_counter()
    cfg = config if isinstance(config, sc.CorridorConfig) else sc.load_config(config)
    t["config"] = time.perf_counter() - t0

    t1 = time.perf_counter()
    panel = corridor_panel(cfg)
    unknown = [m for m in cfg.members if m not in set(panel["exporter"]) | set(panel["importer"])]
    if unknown:
        raise sc.ScenarioFileError(f"{cfg.path}: scenario members {unknown} are not in the panel "
                                   f"(sample.countries or the source lacks them). Fix: drop them from the scenarios")
    frame = estimation_frame(cfg, panel)
    t["panel"] = time.perf_counter() - t1

    t1 = time.perf_counter()
    est = estimate(cfg, frame, progress=progress)
    fit = est.fits[cfg.headline.name]
    coefs = coefficient_table(cfg, est, cfg.ge.ci)
    t["estimation"] = time.perf_counter() - t1

    t1 = time.perf_counter()
    ge_d = ge_data(cfg, panel)
    base = gv.ge.Baseline.from_trade(ge_d.table.flows, sigma=cfg.ge.sigma,
                                     reference=_reference(cfg, ge_d.table.flows))
    grid = ge_pairs(cfg, panel, list(base.countries))
    deltas = scenario_deltas(cfg, grid)
    t["ge_baseline"] = time.perf_counter() - t1

    t1 = time.perf_counter()
    boot = bootstrap_betas(cfg, est, progress=progress)
    t["bootstrap"] = time.perf_counter() - t1

    t1 = time.perf_counter()
    results = run_ge(cfg, base, deltas, fit, boot, progress=progress)
    groups = group_membership(cfg, base)
    tables = build_tables(cfg, panel, est, coefs, ge_d, base, grid, deltas, results, groups, boot)
    t["ge"] = time.perf_counter() - t1

    info = dict(rows=len(frame), years=list(cfg.sample.years), headline_nobs=int(fit.nobs),
                headline_drops={str(k): int(v) for k, v in fit.drops.items()},
                countries=int(len(set(panel["exporter"]) | set(panel["importer"]))),
                dropped_countries=dict(panel.attrs.get("dropped_countries", {})))
    res = CorridorResult(cfg, info, est, coefs, ge_d, base, results, tables, timings=t)
    if write and out is not None:
        t1 = time.perf_counter()
        from gravity.jobs.corridor import report as corridor_report

        res.paths = corridor_report.write_all(res, Path(out), panel=panel, plots=plots)
        t["outputs"] = time.perf_counter() - t1
    t["total"] = time.perf_counter() - t0
    if write and out is not None:
        (Path(out) / "run_log.json").write_text(json.dumps({"timings_s": {k: round(v, 2) for k, v in t.items()},
                                                           "panel": info}, indent=2, default=str))
    return res


def build_tables(cfg, panel, est, coefs, ge_d, base, grid, deltas, results, groups, boot) -> dict[str, pd.DataFrame]:
    """Every table of the outputs, by sheet name (the workbook, csv and markdown carry the same)."""
    countries = country_table(cfg, base, ge_d.table, results, groups)
    aggs = aggregate_table(cfg, base, results, groups)
    partners = focus_partners(cfg, base, ge_d.table, results)
    sig, dom = sensitivity_tables(cfg, ge_d, deltas, est.fits[cfg.headline.name], groups)
    changes = []
    for s in cfg.scenarios:
        d = deltas[s.name]
        nz = d.abs().sum(axis=1) > 0
        targets = []
        for ind, target in s.indicators.items():
            lv = sc.country_values(grid, ind).reindex(list(s.members)).dropna()
            if target == "frontier" and len(lv):
                targets.append(f"{ind}: frontier {lv.max():.4g} ({lv.idxmax()}); members below it: "
                               + ", ".join(f"{c} {v:.4g}" for c, v in lv[lv < lv.max()].items()))
            else:
                targets.append(f"{ind}: raised to at least {target}")
        targets += [f"{k} = {v:g} between members" for k, v in s.agreement.items()]
        touch = (grid["exporter"].isin(s.members) | grid["importer"].isin(s.members)).to_numpy() & \
            (grid["exporter"] != grid["importer"]).to_numpy()
        und = touch & d.attrs.get("undefined_rows", np.zeros(len(d), bool))
        lacking = sorted({c for ind in s.indicators for c, v in sc.country_values(grid, ind).items() if pd.isna(v)})
        changes.append(dict(scenario=s.name, label=s.label, members=", ".join(s.members), spec=s.spec,
                            shocks="; ".join(targets), pairs_changed=int(nz.sum()),
                            **{f"mean_change_{k}": float(d.loc[nz, k].mean()) if nz.any() else 0.0 for k in d.columns},
                            member_pairs_without_data=int(und.sum()),
                            countries_without_indicator=", ".join(lacking)))
    out = ge_d.table.output.reset_index()
    excluded = ge_d.table.excluded
    flag_counts = ge_d.table.flag_counts().rename_axis("flag").reset_index(name="cells")
    t = {
        "Countries": countries,
        "Aggregates": aggs,
        f"{cfg.focus} partners" if cfg.focus else "Focus partners": partners,
        "Coefficients": coefs,
        "Sensitivity sigma": sig,
        "Scenarios": pd.DataFrame(changes),
        "GE baseline countries": out,
        "GE cell flags": flag_counts,
        "Excluded countries": excluded,
        "Coverage": coverage(cfg, panel, [c for c in ge_d.table.countries if bool(ge_d.table.output.loc[c, "filled"])]),
    }
    if dom is not None:
        t["Sensitivity domestic"] = dom
    if boot is not None and len(boot.failures):
        t["Bootstrap failures"] = boot.failures
    if est.notes:
        t["Estimation notes"] = pd.DataFrame({"spec": list(est.notes), "note": list(est.notes.values())})
    if est.failed:
        t["Specifications not estimated"] = pd.DataFrame({"spec": list(est.failed), "reason": list(est.failed.values())})
    return t


def summary(res: CorridorResult) -> str:
    """A few lines for the terminal: ECO and focus real GDP (full GE) per scenario with intervals."""
    cfg = res.config
    agg, ctry = res.tables["Aggregates"], res.tables["Countries"]
    lines = [cfg.title, f"headline: {cfg.headline.label}; sigma = {cfg.ge.sigma:g}; "
             f"{cfg.ge.draws} draws, {cfg.ge.bootstrap} bootstrap re-fits; {res.timings.get('total', 0):.0f} s"]
    for s in cfg.scenarios:
        a = agg[(agg["scenario"] == s.name) & (agg["group"] == "ECO") & (agg["measure"] == "real_gdp")
                & (agg["ge"] == "full")]
        txt = f"  {s.name:<16} ECO real GDP {a['estimate'].iloc[0]:+.3f}% [{a['lo'].iloc[0]:+.3f}, {a['hi'].iloc[0]:+.3f}]" \
            if len(a) else f"  {s.name:<16}"
        c = ctry[(ctry["scenario"] == s.name) & (ctry["country"] == cfg.focus)]
        if len(c):
            txt += (f"   {cfg.focus} {c['real_gdp_full'].iloc[0]:+.3f}% "
                    f"[{c['real_gdp_full_lo'].iloc[0]:+.3f}, {c['real_gdp_full_hi'].iloc[0]:+.3f}]")
        lines.append(txt)
    return "\n".join(lines)
