"""The corridor run, from a model file to the result tables, in one call.

    res = run("models/eco_digital_corridor.toml", "results/eco")

Steps (each a plain value handed to the next):

1. **config** — :func:`gravity.scenario.config.load_config` validates the file before any data is read.
2. **panel** — :func:`gravity.panel.corridor.corridor_panel`: the trade waves, square, with pair
   covariates, landlocked facts and the file's indicators; carry-forward only as the file allows,
   flagged per cell. exporter/importer are str from here on.
3. **estimates** — every specification by PPML (:func:`gravity.estimation.ppml.ppml`), pair-clustered;
   rows with a missing flow or regressor are left out and counted, never imputed.
4. **GE baseline** — the base year as a square table with domestic flows (:mod:`gravity.scenario.baseline`):
   silent exporters filled from WDI totals × gravity shares, domestic flows from output data, all flagged.
5. **scenarios** — Δx_ij per scenario (:mod:`gravity.scenario.shocks`), t̂_ij = exp(Σ_k b_k Δx_k,ij),
   conditional and full-endowment GE (:mod:`gravity.ge`) at the headline estimates, with 95% intervals
   from parametric draws b_d ~ N(b̂, V̂) and from a pair-cluster bootstrap (seeded: same run, same tables).
6. **tables** — :class:`gravity.jobs.corridor.tables.CorridorTables`; the outputs (workbook, regression
   table, plots, report) are written by :mod:`gravity.jobs.corridor.report`.
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

from gravity.estimation.ppml import ppml
from gravity.ge import Baseline, solve
from gravity.ge import uncertainty as unc
from gravity.jobs.corridor import tables as ct
from gravity.jobs.corridor.words import ReportWords, report_words
from gravity.panel.corridor import corridor_panel as _source_panel
from gravity.panel.features import build_regressors
from gravity.scenario import baseline as fill_mod
from gravity.scenario import config as sc
from gravity.scenario import shocks

log = logging.getLogger("gravity.corridor")

PAIR_COLUMNS = ("dist", "contig", "comlang_off", "colony")
# The gravity model that predicts destination shares of exporters to be filled (base year only).
FILL_FORMULA = "trade ~ ln_dist + contig + comlang_off + colony + rta | exporter + importer"


# ==============================================================================================
# panel
# ==============================================================================================
def corridor_panel(cfg: sc.CorridorConfig) -> pd.DataFrame:
    """The digital-corridor panel (:func:`gravity.panel.corridor.corridor_panel`) for the file's years and
    indicators, restricted to ``sample.countries`` when given (both partners in the list).

    ``bandwidth`` here is international bandwidth per internet user, kbit/s = ITU i4214l (Mbit/s) × 1000 /
    (internet % / 100 × population), recomputed in ``bandwidth_o/_d`` (flags kept from the ITU cell).
    exporter and importer are returned as str (the one representation of the whole run).

    Raises
    ------
    ScenarioFileError
        A country of ``sample.countries`` is not in the panel.
    """
    carry = cfg.sample.carry_forward_years
    names = list(cfg.indicators)
    if "bandwidth" in names:
        names += [n for n in ("internet", "population") if n not in names]
    panel = _source_panel(years=list(cfg.sample.years), indicators=names,
                          fill="carry_forward" if carry else None, fill_limit=carry or None, digital=())
    for c in ("exporter", "importer"):
        panel[c] = panel[c].astype(str)
    if cfg.sample.countries:
        keep = set(cfg.sample.countries)
        missing = sorted(keep - (set(panel["exporter"]) | set(panel["importer"])))
        if missing:
            raise sc.ScenarioFileError(f"{cfg.path}: [sample] countries {missing} are not in the corridor panel. "
                                       "Fix: remove them from sample.countries")
        m = panel["exporter"].isin(keep) & panel["importer"].isin(keep)
        attrs = dict(panel.attrs)
        panel = panel[m.to_numpy()].reset_index(drop=True)
        panel.attrs.update(attrs)
    if "bandwidth" in cfg.indicators:
        for s in ("o", "d"):
            users = panel[f"internet_{s}"] / 100.0 * panel[f"population_{s}"]
            panel[f"bandwidth_{s}"] = (panel[f"bandwidth_{s}"] * 1000.0 / users).where(users > 0)
    panel["pair"] = panel["exporter"] + "-" + panel["importer"]
    return panel


def estimation_frame(cfg: sc.CorridorConfig, panel: pd.DataFrame) -> pd.DataFrame:
    """International rows with a flow (reported or explicit zero) and every regressor column."""
    rows = panel[(panel["exporter"] != panel["importer"]) & panel["trade"].notna()]
    names = sorted({r for s in cfg.specifications for r in s.slopes})
    regs = build_regressors(rows, cfg.regressors, names)
    keep = ["exporter", "importer", "year", "trade", "pair"]
    return pd.concat([rows[keep].reset_index(drop=True), regs.reset_index(drop=True)], axis=1)


# ==============================================================================================
# estimation
# ==============================================================================================
@dataclass
class Estimates:
    """Every specification's PPML fit, the estimation rows used, and what failed or was re-done."""

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
    from tqdm.auto import tqdm

    fits, failed, frames, notes = {}, {}, {}, {}
    for spec in tqdm(cfg.specifications, desc="PPML specifications", disable=not progress):
        sub = frame if spec.years is None else frame[frame["year"].isin(spec.years)]
        res = None
        for sep in (("fe", "ir"), ("fe",)):
            try:
                res = ppml(spec.formula, sub, cluster=spec.cluster, missing="drop", separation=sep)
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


# ==============================================================================================
# GE baseline
# ==============================================================================================
def fill_model(base_rows: pd.DataFrame):
    """PPML on the base year's reported international flows: trade ~ gravity covariates | exporter + importer."""
    d = base_rows[base_rows["trade"].notna()].copy()
    d["rta"] = d["rta"].fillna(0.0)
    return ppml(FILL_FORMULA, d, missing="drop")


def fill_eta(fit, base_rows: pd.DataFrame, exporters, importers) -> pd.DataFrame:
    """η_ij = importer effect_j + b'x_ij for the exporters to fill (the exporter effect cancels in shares)."""
    fe = fit.fixef()["importer"]
    fe.index = fe.index.astype(str)
    d = base_rows[base_rows["exporter"].astype(str).isin(exporters) & base_rows["importer"].astype(str).isin(importers)
                  & (base_rows["exporter"] != base_rows["importer"])].copy()
    d["rta"] = d["rta"].fillna(0.0)
    names = list(fit.params.index)
    eta = shocks.linear_index(d[names].to_numpy(float), shocks.coefficients(fit.params, names),
                              offset=fe.reindex(d["importer"].astype(str)).to_numpy())
    return pd.DataFrame({"exporter": d["exporter"].astype(str).to_numpy(),
                         "importer": d["importer"].astype(str).to_numpy(), "eta": eta})


@dataclass
class GEData:
    """The base-year GE table (and the alternative domestic construction), the output data, the fill
    model and the countries the run itself excluded."""

    table: fill_mod.BaselineTable
    alt_table: fill_mod.BaselineTable | None
    output: pd.DataFrame
    fill_fit: object
    extra_excluded: pd.DataFrame


def base_year_rows(cfg: sc.CorridorConfig, panel: pd.DataFrame) -> pd.DataFrame:
    """The panel's rows of the GE base year (``sample.base_year``), domestic pairs included."""
    return panel[panel["year"] == cfg.sample.base_year]


def ge_data(cfg: sc.CorridorConfig, base_rows: pd.DataFrame) -> GEData:
    """The base-year square table (and the alternative domestic construction), see
    :mod:`gravity.scenario.baseline`.

    Parameters
    ----------
    cfg : CorridorConfig
    base_rows : DataFrame
        :func:`base_year_rows` of the corridor panel.

    Returns
    -------
    GEData
    """
    rows = base_rows[base_rows["exporter"] != base_rows["importer"]]
    output = fill_mod.output_data(cfg.sample.base_year, carry=cfg.sample.carry_forward_years)
    reported = rows[rows["trade"].notna()]
    cands = sorted(set(rows["exporter"]) | set(rows["importer"]))
    has_out = [c for c in cands if c in output.index and output.loc[c, "gdp"] > 0
               and output.loc[c, "industry_share"] > 0]
    reporters = set(reported["exporter"])
    # countries with no GeoDist covariates at all cannot enter the gravity prediction of filled flows
    cov_ok = rows[rows["ln_dist"].notna()]
    with_cov = set(cov_ok["exporter"]) & set(cov_ok["importer"])
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
    ex, im = reported["exporter"], reported["importer"]
    extra["reported_trade"] = [float(reported.loc[(ex == c) | (im == c), "trade"].sum()) for c in extra["iso3"]]
    extra["share_of_trade"] = extra["reported_trade"] / tot if tot > 0 else 0.0
    table.excluded = pd.concat([table.excluded, extra], ignore_index=True).sort_values("iso3").reset_index(drop=True)
    return GEData(table, alt, output, fit, extra)


def ge_pairs(cfg: sc.CorridorConfig, base_rows: pd.DataFrame, countries: list[str]) -> pd.DataFrame:
    """Base-year inputs of every regressor for the n × n GE grid (sorted exporter, importer).

    Agreement dummies of a pair the source does not report (a silent exporter) are taken from the
    reverse direction (agreements are reciprocal), else 0; ``agreement_from`` says which.

    Parameters
    ----------
    cfg : CorridorConfig
    base_rows : DataFrame
        :func:`base_year_rows` of the corridor panel.
    countries : list of str
        The GE countries, in the baseline's order.

    Returns
    -------
    DataFrame
        One row per (exporter, importer) of the grid.
    """
    rows = base_rows
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
        d = shocks.regressor_changes(grid, s, cfg)
        d.loc[dom, :] = 0.0
        out[s.name] = d
    return out


# ==============================================================================================
# GE with uncertainty
# ==============================================================================================
@dataclass
class ScenarioGE:
    """One scenario: Δx over the grid, the GE solution at b̂, parametric and bootstrap intervals."""

    name: str
    delta: pd.DataFrame
    point: object                       # gravity.ge.GEResult at the headline estimates
    parametric: object                  # gravity.ge.uncertainty.GEUncertainty
    bootstrap: object | None


def _scenario_fn(delta: pd.DataFrame, n: int):
    D = delta.to_numpy(float)
    names = list(delta.columns)

    def f(beta) -> np.ndarray:
        return shocks.cost_factor(D, beta, names).reshape(n, n)

    return f


def run_ge(cfg, base, deltas, fit, boot_betas, *, progress=True) -> dict[str, ScenarioGE]:
    """Every scenario at the headline estimates, with parametric and (given ``boot_betas``) bootstrap
    intervals over the same GE: t̂_ij = exp(Σ_k b_k Δx_k,ij) for each coefficient vector b.

    Returns
    -------
    dict of str to ScenarioGE
    """
    out = {}
    n = base.n
    for s in cfg.scenarios:
        delta = deltas[s.name]
        names = list(delta.columns)
        f = _scenario_fn(delta, n)
        point = solve(base, f(fit.params[names]))
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
    if cfg.ge.bootstrap < 2:
        return None
    h = cfg.headline
    # the headline PPML with frequency weights; picklable, so it also runs in worker processes
    refit = unc.ppml_refit(h.formula, h.slopes, missing="drop", vcov="iid")
    return unc.pair_bootstrap(est.frames[h.name], refit, cluster=h.cluster or "pair", draws=cfg.ge.bootstrap,
                              seed=cfg.ge.seed, progress=progress, n_jobs=cfg.ge.jobs)


# ==============================================================================================
# sensitivity re-solves
# ==============================================================================================
def sensitivity_tables(cfg, words: ReportWords, ge_d: GEData, deltas, fit,
                       groups) -> tuple[pd.DataFrame, pd.DataFrame | None]:
    """Headline point estimates re-solved at other σ, and with the alternative domestic flows.

    Returns
    -------
    (DataFrame, DataFrame or None)
        :func:`gravity.jobs.corridor.tables.sensitivity_table` over σ, and over the domestic-flow
        constructions (None without an alternative).
    """
    def solve_all(flows, sigma):
        b = Baseline.from_trade(flows, sigma=sigma, reference=_reference(cfg, flows))
        n = b.n
        res = {}
        for s in cfg.scenarios:
            d = deltas[s.name]
            res[s.name] = solve(b, _scenario_fn(d, n)(fit.params[list(d.columns)])).countries
        return ct.headline_summary(cfg, words, b, res, groups)

    frame = ct.sensitivity_table
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


# ==============================================================================================
# the run
# ==============================================================================================
@dataclass
class PanelFacts:
    """What the report needs to know about the panel, so it never needs the panel itself.

    Attributes
    ----------
    flow_status : dict of str to int
        International cells by ``flow_status`` (in the panel's category order).
    never_report : list of str
        Exporters that never report in the source (sorted).
    indicator_flags : dict of str to dict
        Per indicator of the file (with a flag column): exporter-years by flag other than observed /
        missing (carried, estimated, proxy ...), most frequent first.
    """

    flow_status: dict[str, int]
    never_report: list[str]
    indicator_flags: dict[str, dict[str, int]]


def panel_facts(cfg: sc.CorridorConfig, panel: pd.DataFrame) -> PanelFacts:
    """The :class:`PanelFacts` of a corridor panel."""
    status = panel[panel.exporter != panel.importer].groupby("flow_status", observed=True).size()
    never = sorted(set(panel.loc[panel.flow_status == "exporter never reports", "exporter"]))
    flags = {}
    first = panel.drop_duplicates(["exporter", "year"])
    for ind in cfg.indicators:
        fl = f"{ind}_flag_o"
        if fl in panel:
            kinds = first[fl].astype(str)
            kinds = kinds[~kinds.isin(["observed", "missing", ""])].value_counts()
            flags[ind] = {str(k): int(v) for k, v in kinds.items()}
    return PanelFacts({str(k): int(v) for k, v in status.items()}, never, flags)


@dataclass
class CorridorResult:
    """Everything a corridor run computed.

    Attributes
    ----------
    config : CorridorConfig
        The validated model file.
    words : ReportWords
        The file's place-specific words (``[report]``).
    panel_info : dict
        Rows, years, headline observations and drops, countries, codes left out (also in run_log.json).
    panel_facts : PanelFacts
        Cell counts the report quotes.
    estimates : Estimates
        Every specification's fit.
    coefficients : DataFrame
        Long coefficient table (also ``tables.coefficients``).
    ge : GEData
        The base-year table(s).
    baseline : gravity.ge.Baseline
        The calibrated GE baseline.
    scenarios : dict of str to ScenarioGE
        Point solutions and intervals per scenario.
    tables : CorridorTables
        The result tables.
    paths, timings : dict
        Files written; seconds per step.
    """

    config: sc.CorridorConfig
    words: ReportWords
    panel_info: dict
    panel_facts: PanelFacts
    estimates: Estimates
    coefficients: pd.DataFrame
    ge: GEData
    baseline: object
    scenarios: dict[str, ScenarioGE]
    tables: ct.CorridorTables
    paths: dict[str, Path] = field(default_factory=dict)
    timings: dict[str, float] = field(default_factory=dict)


def reduced(cfg: sc.CorridorConfig, countries, *, draws: int, bootstrap: int, jobs: int = 1,
            extra_scenarios=()) -> sc.CorridorConfig:
    """A smaller run of the same analysis (tests, notebooks): fewer countries and draws.

    Parameters
    ----------
    cfg : CorridorConfig
    countries : iterable of str
        ISO3 codes kept (both partners must be in the list).
    draws, bootstrap, jobs : int
        Parametric draws, bootstrap re-fits, worker processes.
    extra_scenarios : sequence of Scenario
        Appended to the file's scenarios.

    Returns
    -------
    CorridorConfig
    """
    sample = dataclasses.replace(cfg.sample, countries=tuple(sorted(set(countries))))
    ge = dataclasses.replace(cfg.ge, draws=draws, bootstrap=bootstrap, jobs=jobs)
    return dataclasses.replace(cfg, sample=sample, ge=ge, scenarios=cfg.scenarios + tuple(extra_scenarios))


def run(config: str | Path | sc.CorridorConfig, out: str | Path | None = "results/eco", *,
        progress: bool = True, write: bool = True, plots: bool = True) -> CorridorResult:
    """Run the whole analysis (see the module docstring).

    Parameters
    ----------
    config : str, Path or CorridorConfig
        The model file (validated before any data is read) or a loaded one.
    out : str, Path or None
        Output directory; None skips files.
    progress : bool
        Progress bars.
    write : bool
        False skips files.
    plots : bool
        False writes tables and report without the figures.

    Returns
    -------
    CorridorResult

    Raises
    ------
    ScenarioFileError
        The model file is invalid, or names countries the panel lacks.
    """
    t = {}
    t0 = time.perf_counter()
    cfg = config if isinstance(config, sc.CorridorConfig) else sc.load_config(config)
    words = report_words(cfg)
    t["config"] = time.perf_counter() - t0

    t1 = time.perf_counter()
    panel = corridor_panel(cfg)
    unknown = [m for m in cfg.members if m not in set(panel["exporter"]) | set(panel["importer"])]
    if unknown:
        raise sc.ScenarioFileError(f"{cfg.path}: scenario members {unknown} are not in the panel "
                                   f"(sample.countries or the source lacks them). Fix: drop them from the scenarios")
    frame = estimation_frame(cfg, panel)
    base_rows = base_year_rows(cfg, panel)
    t["panel"] = time.perf_counter() - t1

    t1 = time.perf_counter()
    est = estimate(cfg, frame, progress=progress)
    fit = est.fits[cfg.headline.name]
    coefs = ct.coefficient_table(cfg, est.fits, cfg.ge.ci)
    t["estimation"] = time.perf_counter() - t1

    t1 = time.perf_counter()
    ge_d = ge_data(cfg, base_rows)
    base = Baseline.from_trade(ge_d.table.flows, sigma=cfg.ge.sigma, reference=_reference(cfg, ge_d.table.flows))
    grid = ge_pairs(cfg, base_rows, list(base.countries))
    deltas = scenario_deltas(cfg, grid)
    t["ge_baseline"] = time.perf_counter() - t1

    t1 = time.perf_counter()
    boot = bootstrap_betas(cfg, est, progress=progress)
    t["bootstrap"] = time.perf_counter() - t1

    t1 = time.perf_counter()
    results = run_ge(cfg, base, deltas, fit, boot, progress=progress)
    groups = ct.group_membership(cfg, words, base)
    sens = sensitivity_tables(cfg, words, ge_d, deltas, fit, groups)
    tables = ct.build_tables(cfg, words, panel, est, coefs, ge_d, base, grid, deltas, results, groups, boot, sens)
    t["ge"] = time.perf_counter() - t1

    info = dict(rows=len(frame), years=list(cfg.sample.years), headline_nobs=int(fit.nobs),
                headline_drops={str(k): int(v) for k, v in fit.drops.items()},
                countries=int(len(set(panel["exporter"]) | set(panel["importer"]))),
                dropped_countries=dict(panel.attrs.get("dropped_countries", {})))
    res = CorridorResult(cfg, words, info, panel_facts(cfg, panel), est, coefs, ge_d, base, results, tables, timings=t)
    if write and out is not None:
        t1 = time.perf_counter()
        from gravity.jobs.corridor import report as corridor_report

        res.paths = corridor_report.write_all(res, Path(out), plots=plots)
        t["outputs"] = time.perf_counter() - t1
    t["total"] = time.perf_counter() - t0
    if write and out is not None:
        (Path(out) / "run_log.json").write_text(json.dumps({"timings_s": {k: round(v, 2) for k, v in t.items()},
                                                           "panel": info}, indent=2, default=str))
    return res


def summary(res: CorridorResult) -> str:
    """A few lines for the terminal: the group's and the focus country's real GDP (full GE) per
    scenario, with intervals."""
    cfg, g = res.config, res.words.group
    agg, ctry = res.tables.aggregates, res.tables.countries
    lines = [cfg.title, f"headline: {cfg.headline.label}; sigma = {cfg.ge.sigma:g}; "
             f"{cfg.ge.draws} draws, {cfg.ge.bootstrap} bootstrap re-fits; {res.timings.get('total', 0):.0f} s"]
    for s in cfg.scenarios:
        a = agg[(agg["scenario"] == s.name) & (agg["group"] == g) & (agg["measure"] == "real_gdp")
                & (agg["ge"] == "full")]
        txt = f"  {s.name:<16} {g} real GDP {a['estimate'].iloc[0]:+.3f}% [{a['lo'].iloc[0]:+.3f}, {a['hi'].iloc[0]:+.3f}]" \
            if len(a) else f"  {s.name:<16}"
        c = ctry[(ctry["scenario"] == s.name) & (ctry["country"] == cfg.focus)]
        if len(c):
            txt += (f"   {cfg.focus} {c['real_gdp_full'].iloc[0]:+.3f}% "
                    f"[{c['real_gdp_full_lo'].iloc[0]:+.3f}, {c['real_gdp_full_hi'].iloc[0]:+.3f}]")
        lines.append(txt)
    return "\n".join(lines)
