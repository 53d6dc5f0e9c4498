"""The corridor run, from a model file to the result tables, in one call.

    res = run("models/eco_digital_corridor.toml", "results/eco")

Steps (each a plain value handed to the next):

1. **config** — :func:`gravity.scenario.config.load_config` validates the file before any data is read;
   :func:`analysis_settings` reads its ``[analysis]`` section (errors through ``CorridorConfig.error``) and
   :func:`check_identification` refuses a specification whose country-level border terms the fixed effects
   absorb (both sides listed).
2. **panel** — :func:`gravity.panel.itpde.itpde_panel`: ITPD-E with domestic flows and per-cell flags, plus
   the border × year columns ``intl_<year>``; indicators carried forward only as the file allows (flagged).
3. **estimates** — every specification by PPML (:func:`gravity.estimation.ppml.ppml`), pair-clustered.
4. **GE tables** — the base year from ITPD-E (:mod:`gravity.jobs.corridor.ge_table`): observed flows,
   domestic flows constructed only where missing (and, as a variant, everywhere).
5. **scenarios** — Δx_ij per scenario and specification (:mod:`gravity.scenario.shocks`),
   t̂_ij = exp(Σ_k b_k Δx_k,ij); conditional and full GE (:mod:`gravity.ge`) under the headline deficit
   rule; the headline interval pools parametric coefficient draws over σ and the domestic-flow variants
   (:func:`gravity.ge.uncertainty.pooled_intervals`; in this process on a thread per core unless a Dask
   scheduler is named, :func:`ge_workers`);
   point estimates for every specification, σ, deficit rule, variant and phase-in share, listed as
   :class:`SolveTask` and solved in one executor map on the same choice (:func:`run_solves`).
6. **tables** — :class:`gravity.jobs.corridor.tables.CorridorTables`; the outputs are written by
   :mod:`gravity.jobs.corridor.report`.

:func:`run` builds the GE tables (step 4) before the estimates and drops the panel then, so the full
panel and the estimation never hold memory together (the run stays under 2 GB on ITPD-E; timings and
peak in ``benchmarks/results/pipeline.md``).
"""

from __future__ import annotations

import ctypes
import dataclasses
import json
import logging
import os
import re
import sys
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any, Final, Literal, NamedTuple, cast

import numpy as np
import pandas as pd

from gravity._progress import progress_bar
from gravity.data import countries as cc
from gravity.data.readers.indicators import load_indicators
from gravity.errors import GravityError
from gravity.estimation.multi import only_fit
from gravity.estimation.ppml import ppml
from gravity.execution import ENV_SCHEDULER, as_executor
from gravity.ge import Baseline, solve
from gravity.ge import uncertainty as unc
from gravity.ge.deficits import DEFICIT_RULES, compare_deficit_rules
from gravity.ge.options import DeficitRule
from gravity.jobs.corridor import calibrated, placement
from gravity.jobs.corridor import identification as ident
from gravity.jobs.corridor import tables as ct
from gravity.jobs.corridor.ge_table import GETable, itpde_table
from gravity.jobs.corridor.words import ReportWords, report_words
from gravity.panel.agreements import agreement_status, desta_panel, fill_agreements
from gravity.panel.features import BORDER, build_regressors
from gravity.panel.itpde import itpde_panel
from gravity.panel.repair import cow_import_reports, fill_zero_links, repair_base_domestic, repair_for_estimation
from gravity.report import outdir
from gravity.report.outdir import OutputPathError  # noqa: F401 - raised by check_output (re-exported)
from gravity.scenario import baseline as output_mod
from gravity.scenario import config as sc
from gravity.scenario import shocks

log = logging.getLogger("gravity.corridor")

DOMESTIC = ("itpde", "constructed")


# ==============================================================================================
# settings the scenario parser does not know
# ==============================================================================================
@dataclass(frozen=True)
class Analysis:
    """``[analysis]``: the headline deficit rule and the phase-in shares."""

    deficit_rule: DeficitRule = "additive"
    phase_in: tuple[float, ...] = (0.25, 0.5, 0.75, 1.0)
    leave_one_out: str = "group"
    placements: bool = True


def analysis_settings(cfg: sc.CorridorConfig) -> Analysis:
    """The ``[analysis]`` section, validated.

    Raises
    ------
    ScenarioFileError
        An unknown deficit rule or a phase-in share outside [0, 1], naming the line.
    """
    a = dict(cfg.raw.get("analysis", {}))
    rule = a.get("deficit_rule", Analysis.deficit_rule)
    if rule not in DEFICIT_RULES:
        raise cfg.error(
            ("analysis", "deficit_rule"), f"unknown deficit rule {rule!r}", f"use one of {', '.join(DEFICIT_RULES)}"
        )
    phase = a.get("phase_in", list(Analysis.phase_in))
    if (
        not isinstance(phase, list)
        or not phase
        or not all(isinstance(v, (int, float)) and not isinstance(v, bool) and 0 <= v <= 1 for v in phase)
    ):
        raise cfg.error(
            ("analysis", "phase_in"), f"phase_in = {phase!r}", "list shares in [0, 1], e.g. [0.25, 0.5, 1.0]"
        )
    loo = a.get("leave_one_out", Analysis.leave_one_out)
    if loo not in LEAVE_ONE_OUT:
        raise cfg.error(
            ("analysis", "leave_one_out"),
            f"leave_one_out = {loo!r}",
            "use one of " + "; ".join(f"{k!r} ({v})" for k, v in LEAVE_ONE_OUT.items()),
        )
    pl = a.get("placements", Analysis.placements)
    if not isinstance(pl, bool):
        raise cfg.error(("analysis", "placements"), f"placements = {pl!r}", "write placements = true or false")
    # rule is one of DEFICIT_RULES (checked above), so the cast states what the check proved
    return Analysis(cast(DeficitRule, str(rule)), tuple(float(v) for v in phase), loo, pl)


LEAVE_ONE_OUT = {
    "group": "each landlocked member of the report's group in turn",
    "all": "each landlocked country of the sample in turn (about 3 s a country on 2 cores)",
    "none": "no leave-one-out refits",
}
"""``[analysis] leave_one_out``: which landlocked countries the headline is re-estimated without."""


def _swap(col: str) -> str:
    return col[:-2] + "_d" if col.endswith("_o") else col[:-2] + "_o" if col.endswith("_d") else col


def check_identification(cfg: sc.CorridorConfig) -> None:
    """Refuse a specification that lists both sides of a country-level border term.

    With exporter-year and importer-year effects, f(x_o)·INTL − f(x_d)·INTL = f(x_o) − f(x_d) on every row
    (domestic rows have x_o = x_d), which those effects absorb: only one side is identified and its
    estimate is the sum of the exporter- and importer-side effects (Heid, Larch & Yotov 2021). Two
    regressors that are the same kind on side-swapped inputs including the border are collinear.

    Raises
    ------
    ScenarioFileError
        Naming the specification's formula line and the regressor to drop.
    """
    for i, spec in enumerate(cfg.specifications):
        fes = set(spec.fixed_effects)
        if not ({"exporter^year", "year^exporter"} & fes and {"importer^year", "year^importer"} & fes):
            continue
        sig = {}
        for name in spec.slopes:
            r = cfg.regressors[name]
            sig[(r.kind, r.indicator, r.columns, r.times)] = name
        for name in spec.slopes:
            r = cfg.regressors[name]
            cols = r.columns + ((r.times,) if r.times else ())
            if BORDER not in cols or not any(c.endswith(("_o", "_d")) for c in cols):
                continue
            other = sig.get(
                (r.kind, r.indicator, tuple(_swap(c) for c in r.columns), _swap(r.times) if r.times else None)
            )
            if other and other != name and r.columns[0].endswith("_o"):
                raise cfg.error(
                    ("specification", i, "formula"),
                    f"specification {spec.name!r} lists both {name!r} and {other!r}: with exporter-year and "
                    "importer-year effects only one border term per country variable is identified (their "
                    "difference is absorbed by the effects; the estimate of one is the sum of both sides)",
                    f"keep {name!r} and drop {other!r}",
                )


def release_memory() -> None:
    """Hand the heap pages Python and numpy have freed back to the operating system.

    glibc keeps freed small and mid-sized blocks (a 633k-row column is 5 MB, under its mmap threshold)
    in the process heap, so the resident size of the run never falls after the panel or a fit is
    dropped; ``malloc_trim(0)`` returns them (about 0.6 GB after the ITPD-E panel). A no-op on systems
    without glibc. No number changes: only unused pages are released.
    """
    if not sys.platform.startswith("linux"):
        return
    try:
        ctypes.CDLL(None).malloc_trim(0)
    except (OSError, AttributeError):  # another C library (musl): nothing to release this way
        pass


# ==============================================================================================
# panel
# ==============================================================================================
def _carry(panel: pd.DataFrame, ind: str, limit: int) -> int:
    """Carry ``<ind>_o/_d`` forward within a country by at most ``limit`` years; flag the cells ``carried``."""
    ys = panel[["exporter", "year", f"{ind}_o"]].drop_duplicates(["exporter", "year"])
    wide = ys.pivot(index="exporter", columns="year", values=f"{ind}_o").sort_index(axis=1)
    years = list(wide.columns)
    full = wide.reindex(columns=range(min(years), max(years) + 1))  # calendar years: carry at most `limit`
    filled = full.ffill(axis=1, limit=limit)[years]
    carried = wide.isna() & filled.notna()
    n = int(carried.to_numpy().sum())
    if not n:
        return 0
    for side, who in (("o", "exporter"), ("d", "importer")):
        key = pd.MultiIndex.from_arrays([panel[who], panel["year"]])
        val = filled.stack().reindex(key).to_numpy()
        car = carried.stack().reindex(key).fillna(False).to_numpy(bool)
        panel[f"{ind}_{side}"] = val
        fl = f"{ind}_flag_{side}"
        if fl in panel:
            f = np.array(panel[fl].astype(object).to_numpy(), dtype=object)
            f[car] = "carried"
            panel[fl] = f
    return n


def corridor_panel(cfg: sc.CorridorConfig) -> pd.DataFrame:
    """The ITPD-E panel of the model file with the run's own columns.

    Adds ``pair``, the border × year dummies ``intl_<y>`` = INTL_ij · 1{t = y} for every sample year but
    the first, ``gdp_pc_const2015_o/_d`` = GDP (constant 2015 US$) / population when both indicators are
    declared, and fills the agreement cells the penppml file lacks from DESTA's WTO-notified agreements in
    force (:func:`gravity.panel.agreements.fill_agreements`, ECOTA and Uzbekistan's CIS-FTA date corrected:
    ``attrs["agreements_filled"]`` counts them by source), with DESTA's annual ``rta_desta``,
    ``rta_desta_lag<K>`` beside them; provision dummies of pairs the penppml file lacks are unknown and set
    to 0 (``attrs["provisions_unknown"]`` counts them). exporter/importer are str.

    Raises
    ------
    ScenarioFileError
        A ``sample.countries`` code cannot enter the ITPD-E panel.
    """
    names = list(cfg.indicators)
    try:
        panel = itpde_panel(
            years=cfg.sample.years,
            indicators=names,
            countries=list(cfg.sample.countries) or None,
            lagged=("rta",),
            lags=(4, 8),
        )
    except ValueError as exc:
        raise cfg.error(("sample", "countries"), str(exc).splitlines()[0], "drop the codes named") from None
    attrs = dict(panel.attrs)
    for c in ("exporter", "importer"):
        panel[c] = panel[c].astype(str)
    carried = {
        ind: _carry(panel, ind, cfg.sample.carry_forward_years)
        for ind in names
        if cfg.sample.carry_forward_years and f"{ind}_o" in panel
    }
    panel["pair"] = panel["exporter"] + "-" + panel["importer"]
    intl = panel[BORDER].to_numpy(float)
    yr = panel["year"].to_numpy()
    for y in cfg.sample.years[1:]:
        panel[f"intl_{y}"] = intl * (yr == y)
    leads = add_leads(panel, cfg)
    if "gdp_const2015" in names and "population" in names:
        for s in ("o", "d"):
            panel[f"gdp_pc_const2015_{s}"] = panel[f"gdp_const2015_{s}"] / panel[f"population_{s}"]
    lags = sorted(int(c.removeprefix("rta_lag")) for c in panel.columns if re.fullmatch(r"rta_lag\d+", c))
    desta = desta_panel(range(min(cfg.sample.years) - max(lags, default=0), max(cfg.sample.years) + 1))
    panel = fill_agreements(panel, desta, column="rta_wto", lags=lags)
    attrs.update(panel.attrs)
    group = cfg.groups.get(str(cfg.raw.get("report", {}).get("group", "")), cfg.members)
    attrs["agreement_status"] = agreement_status(panel, group, cfg.sample.base_year).to_dict("records")
    prov = [c for c in panel.columns if "_prov_" in c]
    panel[prov] = panel[prov].fillna(0.0)
    panel.attrs.update(attrs)
    panel.attrs["carried"] = carried
    panel.attrs["leads"] = leads
    return panel


_LEAD = re.compile(r"^(?P<ind>\w+?)_lead(?P<k>\d+)_(?P<side>[od])$")


def add_leads(panel: pd.DataFrame, cfg: sc.CorridorConfig) -> dict[str, int]:
    """Columns ``<indicator>_lead<k>_o/_d`` = the indicator's value in year t + k, for every such input a
    regressor of the model file reads (a lead of internet use tests reverse causality: trade at t should
    not respond to connectivity at t + k once connectivity at t is held fixed). Values as published, not
    carried; missing where year t + k has none (those rows drop out of the specification using it).

    Returns
    -------
    dict
        column → non-missing cells.
    """
    want = {m.group(0): m for r in cfg.regressors.values() for c in r.inputs if (m := _LEAD.match(c))}
    out = {}
    for col, m in sorted(want.items()):
        ind, k, side = m["ind"], int(m["k"]), m["side"]
        if ind not in cfg.indicators:
            continue
        v = load_indicators([ind]).dropna(subset=["value"]).set_index(["iso3", "year"])["value"]
        v = v[~v.index.duplicated()]
        who = panel["exporter"] if side == "o" else panel["importer"]
        key = pd.MultiIndex.from_arrays([who.to_numpy(), panel["year"].to_numpy() + k])
        panel[col] = v.reindex(key).to_numpy(float)
        out[col] = int(np.isfinite(panel[col].to_numpy()).sum())
    return out


def estimation_frame(cfg: sc.CorridorConfig, panel: pd.DataFrame) -> pd.DataFrame:
    """Rows with a flow (domestic included; a missing domestic flow is left out) and every regressor."""
    rows = panel[panel["trade"].notna()]
    names = sorted({r for s in cfg.specifications for r in s.slopes})
    regs = build_regressors(rows, cfg.regressors, names)
    keep = ["exporter", "importer", "year", "trade", "pair"]
    return pd.concat([rows[keep].reset_index(drop=True), regs.reset_index(drop=True)], axis=1)


def check_names(cfg: sc.CorridorConfig, panel: pd.DataFrame, frame: pd.DataFrame) -> None:
    """Resolve every name of the model file against the data, before any estimation.

    Checks that each specification's cluster column(s) and fixed-effect variables are columns of the
    estimation frame, that every regressor a specification uses could be built (its inputs are panel
    columns), that the
    reference country of the GE and the focus country have flows in the base year, and that every
    scenario's agreement dummies are panel columns.

    Parameters
    ----------
    cfg : CorridorConfig
    panel : DataFrame
        :func:`corridor_panel`.
    frame : DataFrame
        :func:`estimation_frame`.

    Raises
    ------
    ScenarioFileError
        Naming the model file's line, the unknown name and the names available.
    """
    for i, spec in enumerate(cfg.specifications):
        cols = set(frame.columns) | ({"pair_fe"} if spec.domestic_breaks == "split" else set())
        clusters = (
            [] if spec.cluster is None else ([spec.cluster] if isinstance(spec.cluster, str) else list(spec.cluster))
        )
        for c in clusters:
            miss = [part for part in str(c).split("^") if part not in cols]
            if miss:
                raise cfg.error(
                    ("specification", i, "cluster"),
                    f"cluster column {c!r} of {spec.name!r} is not in the estimation data",
                    f"use one of {', '.join(sorted(cols - {'trade'}))}",
                )
        for fe in spec.fixed_effects:
            miss = [part for part in fe.split("^") if part not in cols]
            if miss:
                raise cfg.error(
                    ("specification", i, "formula"),
                    f"fixed effect {fe!r} of {spec.name!r} names {miss}, not columns of the estimation data",
                    "build fixed effects from exporter, importer, year or pair",
                )
    cols = set(frame.columns)
    used = {r for spec in cfg.specifications for r in spec.slopes}
    inputs = {c: name for name, r in cfg.regressors.items() if name in used for c in r.inputs}
    absent = sorted(c for c in inputs if c not in panel.columns)
    if absent:
        raise cfg.error(
            ("regressors", inputs[absent[0]]),
            f"regressor {inputs[absent[0]]!r} reads {absent[0]!r}, which is not a column of the panel",
            "use a panel column or an indicator declared under [indicators] (as <name>_o / <name>_d)",
        )
    for i, s in enumerate(cfg.scenarios):
        bad = [c for c in s.agreement if c not in panel.columns]
        if bad:
            raise cfg.error(
                ("scenario", i, "agreement", bad[0]),
                f"agreement dummy {bad[0]!r} is not a panel column",
                "use rta, rta_lag4, rta_lag8 or a provision column such as tf_prov_41",
            )
    base = set(panel.loc[panel["year"] == cfg.sample.base_year, "exporter"])
    if cfg.ge.reference not in base:
        raise cfg.error(
            ("ge", "reference"),
            f"reference country {cfg.ge.reference!r} has no flows in the base year {cfg.sample.base_year}",
            f"choose a country of the sample, e.g. {', '.join(sorted(base)[:8])}",
        )
    if cfg.focus and cfg.focus not in base:
        raise cfg.error(
            ("report", "focus"),
            f"focus country {cfg.focus!r} has no flows in the base year {cfg.sample.base_year}",
            "choose a scenario member with data",
        )


def check_output(out: str | Path | outdir.OutputDir, *, force: bool = False, inputs=()) -> outdir.OutputDir:
    """Check up front that the outputs may be written to the folder ``out`` (:func:`gravity.report.outdir.prepare`).

    Parameters
    ----------
    out : str, Path or OutputDir
        The output folder; an :class:`~gravity.report.outdir.OutputDir` is checked again with its settings.
    force : bool
        Write into a non-empty folder without a manifest of an earlier run, beside its files (never changing
        or deleting them).
    inputs : iterable of path
        Files the run reads (the model file), never replaced.

    Returns
    -------
    OutputDir

    Raises
    ------
    OutputPathError
        ``out`` or a parent is a regular file, the folder is not writable, holds files gravity did not write
        (without ``force``), holds edited outputs of an earlier run, or the disk lacks space.
    """
    return outdir.prepare(out, force=force, inputs=inputs, command="gravity corridor")


def write_outputs(res: CorridorResult, out: str | Path | outdir.OutputDir, *, plots: bool = True) -> dict[str, Path]:
    """Write every output of ``res`` into ``out``, ending with ``run_log.json``, and publish them.

    The files are written into a staging folder inside ``out``; ``run_log.json`` (timings, panel facts,
    ``"complete": true``) is written last, then each file is moved into place and the folder's manifest
    rewritten (:func:`gravity.report.outdir.publish`): only files an earlier run wrote (and nobody edited
    since) are replaced, no other file is touched. An exception, Ctrl-C or a full disk while writing
    removes the staging folder and leaves the previous output untouched.

    Parameters
    ----------
    res : CorridorResult
    out : str, Path or OutputDir
        From :func:`check_output` (a path is checked here).
    plots : bool

    Returns
    -------
    dict of str to Path
        The written files, under ``out``.
    """
    from gravity.jobs.corridor import report as corridor_report

    target = check_output(out, inputs=(res.config.path,) if getattr(res, "config", None) is not None else ())

    def write(stage: Path) -> dict[str, Path]:
        t1 = time.perf_counter()
        paths = corridor_report.write_all(res, stage, plots=plots)
        res.timings["outputs"] = time.perf_counter() - t1
        res.timings["total"] = res.timings.get("total", 0.0) + res.timings["outputs"]
        (stage / "run_log.json").write_text(
            json.dumps(
                {
                    "timings_s": {k: round(v, 2) for k, v in res.timings.items()},
                    "panel": res.panel_info,
                    "complete": True,
                },
                indent=2,
                default=str,
            )
        )
        return paths

    return outdir.publish(target, write)


# ==============================================================================================
# estimation
# ==============================================================================================
class HeadlineError(GravityError, RuntimeError):
    """The headline specification could not be estimated (every scenario rests on it)."""


class UsedRows(Mapping):
    """Specification name → the rows its fit used, sliced on access (nothing is copied until asked).

    Specifications over the same years share one estimation frame; each keeps only its boolean mask of
    used rows, so the run holds one frame per year set instead of one copy per specification.
    """

    def __init__(self):
        self._parts: dict[str, tuple[pd.DataFrame, np.ndarray]] = {}

    def add(self, name: str, data: pd.DataFrame, used: np.ndarray) -> None:
        """Record that specification ``name`` used the rows ``used`` (bool, one per row) of ``data``."""
        self._parts[name] = (data, np.asarray(used, bool))

    def __getitem__(self, name: str) -> pd.DataFrame:
        data, used = self._parts[name]
        return data.loc[used]

    def __iter__(self):
        return iter(self._parts)

    def __len__(self) -> int:
        return len(self._parts)


@dataclass
class Estimates:
    """Every specification's PPML fit, the rows used, what failed and how it was estimated.

    Attributes
    ----------
    fits : dict of str to PPMLResults
    failed : dict of str to str
        Specification → why it could not be estimated.
    frames : Mapping of str to DataFrame
        The headline → the estimation rows its fit used (:class:`UsedRows`, sliced on access; the other
        specifications' rows are freed after their fits).
    notes : dict of str to str
    """

    fits: dict
    failed: dict
    frames: Mapping
    notes: dict = field(default_factory=dict)
    repairs: dict = field(default_factory=dict)
    corrected: object | None = None
    corrected_note: str = ""
    leave_one_out: pd.DataFrame | None = None

    def headline(self, cfg: sc.CorridorConfig):
        """The headline fit the scenarios use: bias-corrected when the correction applies, else as estimated."""
        return self.corrected if self.corrected is not None else self.fits[cfg.headline.name]


def estimate(cfg: sc.CorridorConfig, frame: pd.DataFrame, breaks=(), *, progress: bool = True) -> Estimates:
    """PPML for every specification (pair-clustered); a sensitivity that fails is reported, never hidden.

    Each specification's rows are its years of ``frame`` with ITPD-E's domestic coverage ``breaks``
    repaired as its ``domestic_breaks`` says (:func:`gravity.panel.repair.repair_for_estimation`: drop
    the domestic flows outside each country's longest break-free run, split the domestic pair effect at
    each break, or use them as they are); ``repairs`` keeps what each mode changed. If the
    iterative-rectifier separation check fails, the specification is re-estimated with the fixed-effect
    check only and ``notes`` says so. Specifications over the same years and repair share one row subset.

    Raises
    ------
    HeadlineError
        The headline specification cannot be estimated.
    """
    fits, failed, frames, notes = {}, {}, UsedRows(), {}
    repairs: dict[str, dict] = {}
    subsets: dict[tuple, pd.DataFrame] = {}

    def key_of(spec) -> tuple:
        return (None if spec.years is None else tuple(spec.years), spec.domestic_breaks)

    left: dict[tuple, int] = {}  # specifications still to fit per row subset
    for spec in cfg.specifications:
        left[key_of(spec)] = left.get(key_of(spec), 0) + 1
    for spec in progress_bar(
        cfg.specifications, desc="PPML specifications", unit="specification", disable=not progress
    ):
        key = key_of(spec)
        if key not in subsets:
            rows = frame if key[0] is None else frame[frame["year"].isin(spec.years)]
            subsets[key], table = repair_for_estimation(rows, list(breaks), spec.domestic_breaks)
            repairs.setdefault(spec.domestic_breaks, {})[key[0]] = table
        sub = subsets[key]
        left[key] -= 1
        if not left[key]:
            del subsets[key]  # the last specification on these rows: no copy kept
        res, why = None, ""
        for sep in (("fe", "ir"), ("fe",)):
            try:
                res = only_fit(ppml(spec.formula, sub, cluster=spec.cluster, missing="drop", separation=sep))
                break
            except (ValueError, np.linalg.LinAlgError, MemoryError) as exc:
                why = f"{type(exc).__name__}: {str(exc).splitlines()[0]}"
                log.warning("specification %s with separation=%s failed: %s", spec.name, sep, why)
                if sep == ("fe", "ir"):
                    notes[spec.name] = (
                        f"iterative-rectifier separation check failed ({why}); estimated with the "
                        "fixed-effect separation check only"
                    )
        if res is None:
            if spec.headline:
                raise HeadlineError(f"the headline specification {spec.name!r} could not be estimated: {why}")
            failed[spec.name] = why
            notes.pop(spec.name, None)
            continue
        fits[spec.name] = res
        if spec.headline:  # re-fits (leave-one-out, bootstrap) need the headline's rows only
            frames.add(spec.name, sub, res.sample["used"].to_numpy())
        del sub
        release_memory()  # the IRLS temporaries of this fit and rows no later fit needs
    return Estimates(fits, failed, frames, notes, repairs)


# ==============================================================================================
# GE
# ==============================================================================================
@dataclass
class GEData:
    """The base-year tables (one per domestic-flow variant), their baselines at every σ, and the grid.

    Attributes
    ----------
    tables : dict of str to GETable
        ``itpde`` (headline) and ``constructed``.
    baselines : dict of (str, float) to Baseline
        (variant, σ) → calibrated baseline.
    grid : DataFrame
        Base-year panel rows of the GE countries, exporter-major in the baselines' order.
    output : DataFrame
        WDI output data of the base year.
    """

    tables: dict
    baselines: dict
    grid: pd.DataFrame
    output: pd.DataFrame

    @property
    def table(self) -> GETable:
        """The headline table (ITPD-E domestic flows)."""
        return self.tables["itpde"]


def _reference(cfg, countries) -> str:
    if cfg.ge.reference in set(countries):
        return cfg.ge.reference
    raise cfg.error(
        ("ge", "reference"),
        f"reference country {cfg.ge.reference!r} is not in the GE table of {cfg.sample.base_year}",
        f"choose one of {', '.join(sorted(countries)[:12])}, ...",
    )


def sigmas(cfg: sc.CorridorConfig) -> list[float]:
    """σ of the headline and of its sensitivity, sorted."""
    return sorted(set(cfg.ge.sigma_sensitivity) | {cfg.ge.sigma})


def ge_data(cfg: sc.CorridorConfig, panel: pd.DataFrame, members=()) -> GEData:
    """Both domestic-flow variants of the base-year table and their baselines at every σ.

    The base year is repaired before it is used (:mod:`gravity.panel.repair`): a domestic flow on the
    low-coverage side of an ITPD-E coverage break is replaced by the last full-coverage year's scaled by
    output growth; a domestic share of output below ``[ge] domestic_share_floor`` is replaced by the
    value-added construction unless that is low too; zero links among ``members`` that COW's import
    reports record are filled (scaled by the importer's merchandise-import growth, WDI), flagged per cell.
    """
    by = cfg.sample.base_year
    base_rows = panel[panel["year"] == by]
    output = output_mod.output_data(by, carry=cfg.sample.carry_forward_years)
    records = [b for b in panel.attrs.get("coverage_breaks", []) if int(b["year"]) <= by]
    breaks: dict[str, list[int]] = {}
    for b in records:
        breaks.setdefault(str(b["iso3"]), []).append(int(b["year"]))
    dom = panel["exporter"] == panel["importer"]
    domestic = panel.loc[dom & panel["trade"].notna(), ["exporter", "year", "trade"]].rename(
        columns={"exporter": "iso3"}
    )
    gdp = load_indicators(["gdp"])[["iso3", "year", "value"]]
    repaired = repair_base_domestic(domestic, records, by, gdp)
    fill = None
    if cfg.ge.fill_zero_links == "cow" and members:
        m = load_indicators(["merch_imports"]).dropna(subset=["value"])
        scale = m.set_index(["iso3", "year"])["value"]
        scale = scale[~scale.index.duplicated()]
        reports = cow_import_reports(members)
        fill = partial(fill_zero_links, reports=reports, countries=members, base_year=by, scale=scale)
    kw = dict(
        method=cfg.ge.domestic_method,
        multiplier=cfg.ge.gross_output_multiplier,
        floor_share=cfg.ge.domestic_floor_share,
        breaks=breaks,
        repaired=repaired,
        fill=fill,
        share_floor=cfg.ge.domestic_share_floor,
    )
    tables = {v: itpde_table(base_rows, output, variant=v, **kw) for v in DOMESTIC}
    for t in tables.values():
        t.repaired = repaired
    countries = tables["itpde"].countries
    ref = _reference(cfg, countries)
    baselines = {
        (v, s): Baseline.from_trade(tables[v].flows, sigma=s, reference=ref) for v in DOMESTIC for s in sigmas(cfg)
    }
    grid = pd.MultiIndex.from_product([countries, countries], names=["exporter", "importer"]).to_frame(index=False)
    grid = grid.merge(base_rows, on=["exporter", "importer"], how="left")
    return GEData(tables, baselines, grid, output)


def scenario_deltas(cfg: sc.CorridorConfig, grid: pd.DataFrame) -> dict[tuple[str, str], pd.DataFrame]:
    """Δx per (specification, scenario) over the grid, domestic pairs 0; only pairs a scenario moves.

    Returns
    -------
    dict
        (spec name, scenario name) → DataFrame of the specification's regressor changes. A scenario that
        moves none of a specification's regressors is absent for it.
    """
    out = {}
    dom = (grid["exporter"] == grid["importer"]).to_numpy()
    for spec in cfg.specifications:
        for s in cfg.estimated_scenarios:
            moved = [n for n in spec.slopes if set(cfg.regressors[n].inputs) & set(s.shocked_inputs)]
            if not moved:
                continue
            d = shocks.regressor_changes(grid, s, cfg, names=spec.slopes)
            d.loc[dom, :] = 0.0
            out[(spec.name, s.name)] = d
    return out


def estimated_deltas(deltas: dict, est: Estimates) -> dict:
    """The scenario changes restricted to the regressors each specification's fit kept: a regressor the
    fit dropped (collinear with the fixed effects in its sample) has no coefficient and moves no cost; a
    specification that failed keeps no change. What was left out is noted in ``est.notes``."""
    out = {}
    for (spec, scen), d in deltas.items():
        fit = est.fits.get(spec)
        if fit is None:
            continue
        keep = [c for c in d.columns if c in fit.params.index]
        gone = [c for c in d.columns if c not in fit.params.index and (d[c] != 0).any()]
        if gone:
            est.notes[spec] = (
                est.notes.get(spec, "") + f" Scenario {scen}: {', '.join(gone)} not estimated "
                "(collinear in this sample), so it moves no trade cost."
            ).strip()
        if keep:
            sub = d[keep]
            sub.attrs.update(d.attrs)
            out[(spec, scen)] = sub
    return out


def cost_change(delta: pd.DataFrame, beta, n: int, share: float = 1.0) -> np.ndarray:
    """t̂_ij = exp(share · Σ_k b_k Δx_k,ij) as an (n, n) matrix (``share`` = phase-in, 1 = full scenario)."""
    return shocks.cost_factor(delta.to_numpy(float) * share, beta, list(delta.columns)).reshape(n, n)


def variant_name(variant: str, sigma: float) -> str:
    """The name of a GE variant in the pooled intervals: ``"itpde, sigma=5"``."""
    return f"{variant}, sigma={sigma:g}"


def pooled_interval(
    cfg, an: Analysis, ge_d: GEData, delta: pd.DataFrame, fit, *, progress=False, label: str = "", scenario=None
) -> unc.PooledUncertainty:
    """Parametric draws b ~ N(b̂, V̂) pushed through the GE at every σ and domestic-flow variant, pooled
    (:func:`gravity.ge.uncertainty.pooled_intervals`: equal shares of ``[ge] draws`` per variant).

    The central variant is the headline (ITPD-E domestic flows, headline σ); its own draws give the
    coefficient-only interval (``.variants[central]``).
    """
    variants = [(variant_name(v, s), ge_d.baselines[(v, s)]) for v in DOMESTIC for s in sigmas(cfg)]
    n = ge_d.baselines[("itpde", cfg.ge.sigma)].n
    fn = scenario if scenario is not None else (lambda beta: cost_change(delta, beta, n))
    return unc.pooled_intervals(
        variants,
        fn,
        fit=fit,
        coefficients=list(delta.columns),
        draws=cfg.ge.draws,
        seed=cfg.ge.seed,
        level=cfg.ge.ci,
        central=variant_name("itpde", cfg.ge.sigma),
        deficits=an.deficit_rule,
        progress=progress,
        label=label,
        workers=ge_workers(),
    )


def ge_workers() -> int | None:
    """Where the corridor's GE draws and sensitivity solves run: in this process (0) unless a Dask
    scheduler is named.

    In this process the GE kernel (``nogil``) already runs on a thread per core
    (:func:`gravity.ge.solver.solve_batch`), and at a few hundred draws of ~200 countries a LocalCluster
    costs more than it saves: its start, two more Python processes holding the scenario inputs (about
    0.7 GB on ITPD-E) and no faster solves on 2 cores. With ``GRAVITY_SCHEDULER`` (``--scheduler``) set, the
    draws and solves go to that cluster (None). No result depends on where it ran.
    """
    return None if os.environ.get(ENV_SCHEDULER) else 0


@dataclass
class ScenarioGE:
    """One scenario under the headline: point solution, pooled interval, optional bootstrap interval."""

    name: str
    delta: pd.DataFrame
    point: object
    pooled: unc.PooledUncertainty
    bootstrap: object | None = None


def priced_by(cfg, s, fit, est: Estimates | None = None) -> tuple[str, Any]:
    """The specification whose coefficients price scenario ``s`` (its ``spec``, by default the headline) and
    that fit: the headline's is ``fit`` (bias-corrected), another's ``est.fits[spec]``."""
    name = s.spec or cfg.headline.name
    if name == cfg.headline.name or est is None:
        return cfg.headline.name, fit
    return name, est.fits[name]


def run_ge(
    cfg, an: Analysis, ge_d: GEData, deltas, fit, boot_betas, *, est: Estimates | None = None, progress=True
) -> dict[str, ScenarioGE]:
    """Every scenario at the estimates of the specification that prices it (its ``spec``; the headline by
    default, bias-corrected), headline σ, ITPD-E domestic flows and headline deficit rule, with the pooled
    interval (and the bootstrap interval of the headline's re-fits when they were made)."""
    out = {}
    base = ge_d.baselines[("itpde", cfg.ge.sigma)]
    head = fit
    for s in cfg.estimated_scenarios:
        spec, fit = priced_by(cfg, s, head, est)
        delta = deltas[(spec, s.name)]
        names = list(delta.columns)
        point = solve(base, cost_change(delta, fit.params[names], base.n), deficits=an.deficit_rule)
        pooled = pooled_interval(cfg, an, ge_d, delta, fit, progress=progress, label=f"scenario {s.name}")
        boot = None
        if boot_betas is not None and spec == cfg.headline.name:
            boot = unc.confidence_intervals(
                base,
                lambda beta, _d=delta: cost_change(_d, beta, base.n),
                fit=fit,
                betas=boot_betas,
                seed=cfg.ge.seed,
                level=cfg.ge.ci,
                deficits=an.deficit_rule,
                progress=progress,
                workers=ge_workers(),
                label=f"scenario {s.name}",
            )
        out[s.name] = ScenarioGE(s.name, delta, point, pooled, boot)
    return out


def bootstrap_betas(cfg, est: Estimates, *, progress=True):
    """Pair-cluster bootstrap of the headline coefficients (``[ge] bootstrap`` re-fits; 0 = none)."""
    if cfg.ge.bootstrap < 2:
        return None
    h = cfg.headline
    refit = unc.ppml_refit(h.formula, h.slopes, missing="drop", vcov="iid")
    return unc.pair_bootstrap(
        est.frames[h.name],
        refit,
        cluster=h.cluster or "pair",
        draws=cfg.ge.bootstrap,
        seed=cfg.ge.seed,
        progress=progress,
        workers=cfg.ge.jobs,
    )


COMPARE_RULES: Final = "compare rules"
"""The ``rule`` of a :class:`SolveTask` that solves every deficit rule (:func:`compare_deficit_rules`)."""


class SolveTask(NamedTuple):
    """One GE solve of the sensitivity or deficit-rule tables, small enough to ship to a worker.

    Attributes
    ----------
    baseline : tuple of (str, float)
        (domestic-flow variant, σ): the key into :attr:`GEData.baselines`.
    cost_change : (n, n) array
        t̂_ij (:func:`cost_change`), computed by the caller.
    rule : str
        The deficit closure of :func:`gravity.ge.solve`, or :data:`COMPARE_RULES` for every rule side by
        side (:func:`gravity.ge.deficits.compare_deficit_rules`).
    """

    baseline: tuple
    cost_change: np.ndarray
    rule: DeficitRule | Literal["compare rules"]


def solve_task(task: SolveTask, baselines: Mapping) -> pd.DataFrame:
    """Executor task: ``solve(baselines[task.baseline], t̂, deficits=rule).countries``, or with
    ``rule = COMPARE_RULES`` the frame of :func:`compare_deficit_rules` (one row per rule × country).

    Depends only on its arguments (no process state), so its result is the same wherever it runs.
    """
    base = baselines[task.baseline]
    if task.rule == COMPARE_RULES:
        return compare_deficit_rules(base, task.cost_change)
    return solve(base, task.cost_change, deficits=task.rule).countries


def run_solves(
    tasks: list[SolveTask], ge_d: GEData, *, executor=None, desc: str = "GE solves", progress: bool = True
) -> list[pd.DataFrame]:
    """Every task by :func:`solve_task` in one :meth:`gravity.execution.Executor.map`, in input order.

    The baselines the tasks name travel once (``shared``). ``executor``: where the solves run
    (:func:`gravity.execution.as_executor`); default as the GE draws, in this process unless
    ``GRAVITY_SCHEDULER`` names a cluster (:func:`ge_workers`). Results do not depend on where they ran.
    """
    ex = as_executor(executor, workers=ge_workers())
    shared = {key: ge_d.baselines[key] for key in dict.fromkeys(t.baseline for t in tasks)}
    return ex.map(solve_task, tasks, shared=shared, desc=desc, progress=progress, unit="solve")


def sensitivity_points(
    cfg,
    an: Analysis,
    words: ReportWords,
    ge_d: GEData,
    deltas,
    est: Estimates,
    groups: pd.DataFrame,
    *,
    executor=None,
    progress: bool = True,
) -> pd.DataFrame:
    """Point estimates of every scenario under every alternative, one at a time from the headline.

    Alternatives: each other specification (its own coefficients and Δx), each other σ, each deficit rule
    (:func:`gravity.ge.deficits.compare_deficit_rules`), the constructed domestic flows, and the phase-in
    shares. Quantities: the focus country's and the group's real GDP and real exports (full GE).
    Every solve is listed first (:class:`SolveTask`) and all run in one executor map (:func:`run_solves`;
    ``executor`` as there); the rows do not depend on where the solves ran.

    Returns
    -------
    DataFrame
        dimension, setting, scenario, quantity, pct_change (``dimension`` ∈ headline, specification, sigma,
        deficit rule, domestic flows, phase-in).
    """
    h, fit = cfg.headline, est.headline(cfg)
    head, cons = ("itpde", cfg.ge.sigma), ("constructed", cfg.ge.sigma)
    tasks: list[SolveTask] = []
    # (dimension, setting, scenario, task index, rule picked from a comparison)
    plan: list[tuple[str, str, str, int, str | None]] = []

    def task(key, delta, beta, share=1.0, closure=an.deficit_rule) -> int:
        t = cost_change(delta, beta[list(delta.columns)], ge_d.baselines[key].n, share)
        tasks.append(SolveTask(key, t, closure))
        return len(tasks) - 1

    head_fit = fit
    for s in cfg.estimated_scenarios:
        spec, fit = priced_by(cfg, s, head_fit, est)
        d0 = deltas[(spec, s.name)]
        plan.append(("headline", cfg.spec(spec).label, s.name, task(head, d0, fit.params), None))
        if est.corrected is not None and spec == h.name:
            k = task(head, d0, est.fits[h.name].params)
            plan.append(("bias correction", "headline estimates without the correction", s.name, k, None))
        for other in cfg.specifications:
            if other.name == spec or other.name not in est.fits or (other.name, s.name) not in deltas:
                continue
            other_fit = head_fit if other.headline else est.fits[other.name]
            k = task(head, deltas[(other.name, s.name)], other_fit.params)
            plan.append(("specification", other.label, s.name, k, None))
        for sg in sigmas(cfg):
            if sg != cfg.ge.sigma:
                plan.append(("sigma", f"sigma = {sg:g}", s.name, task(("itpde", sg), d0, fit.params), None))
        k = task(head, d0, fit.params, closure=COMPARE_RULES)
        plan += [("deficit rule", rule, s.name, k, rule) for rule in DEFICIT_RULES if rule != an.deficit_rule]
        plan.append(("domestic flows", "constructed for every country", s.name, task(cons, d0, fit.params), None))
        for share in an.phase_in:
            plan.append(("phase-in", f"{share:.0%}", s.name, task(head, d0, fit.params, share), None))

    solved = run_solves(tasks, ge_d, executor=executor, desc="sensitivity solves", progress=progress)
    rows = []
    for dim, setting, scen, k, pick in plan:
        countries = solved[k] if pick is None else solved[k][solved[k]["rule"] == pick].set_index("country")
        base = ge_d.baselines[tasks[k].baseline]
        for q, v in ct.point_summary(cfg, words, base, countries, groups).items():
            rows.append(dict(dimension=dim, setting=setting, scenario=scen, quantity=q, pct_change=v))
    return pd.DataFrame(rows)


def deficit_table(
    cfg,
    an: Analysis,
    words: ReportWords,
    ge_d: GEData,
    deltas,
    fit,
    groups,
    *,
    est: Estimates | None = None,
    executor=None,
    progress: bool = True,
) -> pd.DataFrame:
    """Every scenario under the three deficit rules, side by side, for the group and the focus country.

    One :func:`compare_deficit_rules` per scenario, all in one executor map (:func:`run_solves`;
    ``executor`` as there).

    Returns
    -------
    DataFrame
        scenario, quantity, one column per rule (% change, full GE), and the headline rule.
    """
    key = ("itpde", cfg.ge.sigma)
    b0 = ge_d.baselines[key]
    tasks = []
    for s in cfg.estimated_scenarios:
        spec, f = priced_by(cfg, s, fit, est)
        d0 = deltas[(spec, s.name)]
        tasks.append(SolveTask(key, cost_change(d0, f.params[list(d0.columns)], b0.n), COMPARE_RULES))
    solved = run_solves(tasks, ge_d, executor=executor, desc="deficit-rule solves", progress=progress)
    rows = []
    for s, comp in zip(cfg.estimated_scenarios, solved):
        per = {
            r: ct.point_summary(cfg, words, b0, comp[comp["rule"] == r].set_index("country"), groups)
            for r in DEFICIT_RULES
        }
        for q in per["ratio"]:
            rows.append(
                {
                    "scenario": s.name,
                    "quantity": q,
                    **{r: per[r][q] for r in DEFICIT_RULES},
                    "headline_rule": an.deficit_rule,
                }
            )
    return pd.DataFrame(rows)


# ==============================================================================================
# the run
# ==============================================================================================
@dataclass
class CorridorResult:
    """Everything a corridor run computed.

    Attributes
    ----------
    config : CorridorConfig
    words : ReportWords
    analysis : Analysis
    panel_info : dict
        Rows, countries, flag counts, coverage breaks, codes left out (also in run_log.json).
    estimates : Estimates
    coefficients : DataFrame
    ge : GEData
    scenarios : dict of str to ScenarioGE
    tables : CorridorTables
    paths, timings : dict
    """

    config: sc.CorridorConfig
    words: ReportWords
    analysis: Analysis
    panel_info: dict
    estimates: Estimates
    coefficients: pd.DataFrame
    ge: GEData
    scenarios: dict
    tables: ct.CorridorTables
    paths: dict[str, Path] = field(default_factory=dict)
    timings: dict[str, float] = field(default_factory=dict)

    @property
    def baseline(self):
        """The headline GE baseline (ITPD-E domestic flows, headline σ)."""
        return self.ge.baselines[("itpde", self.config.ge.sigma)]


def reduced(
    cfg: sc.CorridorConfig,
    countries,
    *,
    draws: int,
    bootstrap: int = 0,
    jobs: int = 1,
    years=None,
    specifications=None,
    extra_scenarios=(),
) -> sc.CorridorConfig:
    """A smaller run of the same analysis (tests, notebooks).

    Parameters
    ----------
    cfg : CorridorConfig
    countries : iterable of str
        ISO3 codes kept (both partners in the list).
    draws, bootstrap, jobs : int
    years : iterable of int, optional
        Sample years kept (default all); specifications whose years fall outside are dropped.
    specifications : iterable of str, optional
        Names kept (the headline always).
    extra_scenarios : sequence of Scenario
        Appended to the file's scenarios.

    Returns
    -------
    CorridorConfig
    """
    yrs = tuple(sorted(years)) if years is not None else cfg.sample.years
    sample = dataclasses.replace(cfg.sample, countries=tuple(sorted(set(countries))), years=yrs)
    keep = set(specifications) if specifications is not None else None
    specs = tuple(
        s
        for s in cfg.specifications
        if (s.headline or keep is None or s.name in keep)
        and set(s.years or yrs) <= set(yrs)
        and (s.years is not None or years is None)
    )
    ge = dataclasses.replace(cfg.ge, draws=draws, bootstrap=bootstrap, jobs=jobs)
    return dataclasses.replace(
        cfg, sample=sample, ge=ge, specifications=specs, scenarios=cfg.scenarios + tuple(extra_scenarios)
    )


def run(
    config: str | Path | sc.CorridorConfig,
    out: str | Path | outdir.OutputDir | None = "results/eco",
    *,
    progress: bool = True,
    write: bool = True,
    plots: bool = True,
) -> CorridorResult:
    """Run the whole analysis (see the module docstring).

    Parameters
    ----------
    config : str, Path or CorridorConfig
        The model file (validated before any data is read) or a loaded one.
    out : str, Path or None
        Output directory; None skips files.
    progress, write, plots : bool
        Progress bars; write files; write figures.

    Returns
    -------
    CorridorResult

    Raises
    ------
    ScenarioFileError
        The model file is invalid, lists both sides of a border term, or names countries, columns,
        clusters, fixed effects or a reference country the data lack (all checked before estimation);
        :class:`OutputPathError` (a subclass) when ``out`` cannot be written (checked first). Outputs are
        written atomically (:func:`write_outputs`).
    """
    t = {}
    t0 = time.perf_counter()
    cfg = config if isinstance(config, sc.CorridorConfig) else sc.load_config(config)
    if write and out is not None:
        out = check_output(out, inputs=(cfg.path,))
    words = report_words(cfg)
    an = analysis_settings(cfg)
    check_identification(cfg)
    figures = calibrated.check_figures(cfg)
    t["config"] = time.perf_counter() - t0

    t1 = time.perf_counter()
    panel = corridor_panel(cfg)
    have = set(panel["exporter"])
    unknown = [m for m in cfg.members if m not in have]
    if unknown:
        raise cfg.error(
            ("scenario",),
            f"scenario members {unknown} are not in the ITPD-E panel",
            "drop them from the scenarios or from sample.countries",
        )
    frame = estimation_frame(cfg, panel)
    check_names(cfg, panel, frame)
    t_panel = time.perf_counter() - t1

    # The GE tables need only the base year: build them now and let the full panel go before the
    # estimation, which holds its own frame (peak memory: the panel and the annual fit never coexist).
    t1 = time.perf_counter()
    ge_d = ge_data(cfg, panel, words.members)
    deltas = scenario_deltas(cfg, ge_d.grid)
    groups = ct.group_membership(cfg, words, ge_d.table.countries)
    t_ge_baseline = time.perf_counter() - t1
    n_rows, panel_attrs = int(len(panel)), dict(panel.attrs)
    del panel
    release_memory()

    t1 = time.perf_counter()
    est = estimate(cfg, frame, panel_attrs.get("coverage_breaks", []), progress=progress)
    n_frame = int(len(frame))
    del frame
    release_memory()
    h = cfg.headline
    est.corrected, est.corrected_note = ident.bias_corrected(est.fits[h.name])
    t["estimation"] = time.perf_counter() - t1
    t1 = time.perf_counter()
    main, inter = ct.Roles.of(cfg).terms(est.fits[h.name].params.index)
    if an.leave_one_out != "none" and main is not None:
        used = est.frames[h.name]
        codes = sorted(set(used["exporter"]))
        ll = [c for c, flag in zip(codes, cc.landlocked(codes, cfg.sample.base_year)) if flag]
        if an.leave_one_out == "group":
            ll = [c for c in ll if c in set(words.members)]
        est.leave_one_out = ident.leave_one_out(h, used, ll, main=main, ll=inter, level=cfg.ge.ci, progress=progress)
    t["leave_one_out"] = time.perf_counter() - t1
    fit = est.headline(cfg)
    deltas = estimated_deltas(deltas, est)
    coefs = ct.coefficient_table(cfg, est.fits, cfg.ge.ci, corrected=est.corrected)
    t["panel"] = t_panel
    t["ge_baseline"] = t_ge_baseline

    t1 = time.perf_counter()
    boot = bootstrap_betas(cfg, est, progress=progress)
    t["bootstrap"] = time.perf_counter() - t1

    t1 = time.perf_counter()
    results = run_ge(cfg, an, ge_d, deltas, fit, boot, est=est, progress=progress)
    sens = sensitivity_points(cfg, an, words, ge_d, deltas, est, groups, progress=progress)
    deficits = deficit_table(cfg, an, words, ge_d, deltas, fit, groups, est=est, progress=progress)
    t["ge"] = time.perf_counter() - t1
    t1 = time.perf_counter()
    placements = (
        placement.placement_table(
            cfg,
            an,
            words,
            ge_d,
            deltas,
            fit,
            groups,
            progress=progress,
            headline=results,
            pooled_interval=lambda d, f, scenario, label: pooled_interval(
                cfg, an, ge_d, d, f, scenario=scenario, label=label, progress=progress
            ),
        )
        if an.placements
        else pd.DataFrame()
    )
    t["placements"] = time.perf_counter() - t1
    t1 = time.perf_counter()
    calib, calib_members = calibrated.calibrated_table(
        cfg,
        an,
        words,
        ge_d,
        groups,
        run_solves=run_solves,
        solve_task_type=SolveTask,
        sigmas=sigmas(cfg),
        domestic=DOMESTIC,
        progress=progress,
    )
    t["calibrated"] = time.perf_counter() - t1
    tables = ct.build_tables(
        ct.RunParts(
            cfg=cfg,
            an=an,
            words=words,
            panel_attrs=panel_attrs,
            est=est,
            coefs=coefs,
            ge_d=ge_d,
            deltas=deltas,
            results=results,
            groups=groups,
            sens=sens,
            deficits=deficits,
            placements=placements,
            calibrated=calib,
            calibrated_members=calib_members,
            figures=figures,
        )
    )

    base_fit = est.fits[cfg.headline.name]
    info = dict(
        rows=n_rows,
        estimation_rows=n_frame,
        years=list(cfg.sample.years),
        headline_nobs=int(base_fit.nobs),
        headline_clusters=int(base_fit.n_clusters),
        headline_drops={str(k): int(v) for k, v in base_fit.drops.items()},
        countries=int(len(have)),
        flag_counts=panel_attrs.get("flag_counts", {}),
        coverage_breaks=panel_attrs.get("coverage_breaks", []),
        agreements=agreement_info(panel_attrs, cfg, words),
        carried=panel_attrs.get("carried", {}),
        dropped_countries=dict(panel_attrs.get("dropped_countries", {})),
    )
    res = CorridorResult(cfg, words, an, info, est, coefs, ge_d, results, tables, timings=t)
    t["total"] = time.perf_counter() - t0
    if write and out is not None:
        res.paths = write_outputs(res, out, plots=plots)
    return res


def agreement_info(attrs: dict, cfg, words) -> dict:
    """What the agreement data filled, with one sentence for the brief (counts of directed pair-years)."""
    filled = attrs.get("agreements_filled", {})
    rta = filled.get("rta", {})
    prov = attrs.get("provisions_unknown", {})
    n_desta, n_one, n_none = int(rta.get("desta", 0)), int(rta.get("desta_agreement", 0)), int(rta.get("none", 0))
    sentence = (
        f"Agreements: the penppml file has no record for {n_desta + n_none:,} directed pair-years; "
        f"{n_desta:,} are filled from DESTA's WTO-notified agreements in force ({n_one:,} of them with an "
        f"agreement; ECOTA, signed but never applied, left out; Uzbekistan in the CIS FTA from 2014), "
        f"{n_none:,} have no source and are 0. Their deep-provision dummies are unknown and set to 0 "
        f"({int(prov.get('with_rta', 0)):,} pair-years with an agreement). DESTA's own annual agreement "
        "variable is a sensitivity."
    )
    return {"filled": filled, "provisions_unknown": prov, "sentence": sentence}


def summary(res: CorridorResult) -> str:
    """A few lines for the terminal: the focus country's and the group's real GDP per scenario."""
    cfg, g = res.config, res.words.group
    ctry = res.tables.countries
    agg = res.tables.aggregates
    lines = [
        cfg.title,
        f"headline: {cfg.headline.label}; sigma = {cfg.ge.sigma:g}; deficits: "
        f"{res.analysis.deficit_rule}; {cfg.ge.draws} pooled draws; {res.timings.get('total', 0):.0f} s",
    ]
    for s in cfg.scenarios:
        c = ctry[(ctry["scenario"] == s.name) & (ctry["country"] == cfg.focus)]
        a = agg[
            (agg["scenario"] == s.name) & (agg["group"] == g) & (agg["measure"] == "real_gdp") & (agg["ge"] == "full")
        ]
        txt = f"  {s.name:<10}"
        if len(c):
            txt += (
                f" {cfg.focus} real GDP {c['real_gdp_full'].iloc[0]:+.3f}% "
                f"[{c['real_gdp_full_lo'].iloc[0]:+.3f}, {c['real_gdp_full_hi'].iloc[0]:+.3f}]"
            )
        if len(a):
            txt += f"   {g} {a['estimate'].iloc[0]:+.3f}% [{a['lo'].iloc[0]:+.3f}, {a['hi'].iloc[0]:+.3f}]"
        cb = res.tables.calibrated_brief
        k = cb[(cb.scenario == s.name) & (cb.measure == "real GDP")] if len(cb) else cb
        for r in k.itertuples():
            txt += f"\n    {r.variant:<14} {r.who} real GDP {r.pct:+.3f}% (range {r.lo:+.3f} to {r.hi:+.3f})"
        lines.append(txt)
    return "\n".join(lines)
