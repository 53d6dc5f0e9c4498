"""Caliendo & Parro (2015) NAFTA replication: data recipe and the multi-sector comparison runner.

The replication file ``caliendo-parro-2015.toml`` lists, per ``[[scenario]]`` (a deficit rule),
numbers from the paper (``[scenario.published]``) and from the R package cp2015
(``[scenario.reference]``), each as ``quantity = {region = [value, tolerance]}``. Quantities are
columns of :attr:`gravity.ge.multisector.MultiSectorResult.countries` (welfare, tot, vot, tech,
real_gdp_full — CP's real wage —, ...) or ``intra_bloc_imports`` (% change of a region's imports from the
other regions in the file's ``nafta`` list, net of tariffs). A scenario's ``deficits`` is a word of
:data:`gravity.ge.options.DEFICIT_RULES` (``balanced``: CP's zero deficits; ``additive``: their fixed ones).

References
----------
Caliendo, L. & Parro, F. (2015). Estimates of the trade and welfare effects of NAFTA. *Review of
Economic Studies* 82(1): 1–44.
"""

from __future__ import annotations

import time
from collections.abc import Callable

import numpy as np
import pandas as pd

from gravity.data.registry import load
from gravity.ge.multisector import MultiSectorBaseline, MultiSectorResult, solve_multisector
from gravity.jobs.replicate.spec import Replication, ReplicationError
from gravity.panel.io_tables import cp2015_io_table, cp2015_shock


def cp2015_nafta(key: str = "cp2015/cp2015_nafta.rda") -> tuple[MultiSectorBaseline, dict]:
    """The 1993 baseline and the NAFTA shock (``tariffs``, ``iceberg``) from the cp2015 data.

    Parameters
    ----------
    key : str
        Registry key of the cp2015 data list.

    Returns
    -------
    (MultiSectorBaseline, dict)
        Baseline and the keyword arguments of :func:`~gravity.ge.multisector.solve_multisector`.
    """
    data = load(key)
    table = cp2015_io_table(data)
    return MultiSectorBaseline.from_table(table), cp2015_shock(data, table)


def intra_bloc_imports(res: MultiSectorResult, bloc: list[str]) -> pd.Series:
    """% change of each bloc member's imports from the other members (all sectors, net of tariffs).

    Parameters
    ----------
    res : MultiSectorResult
    bloc : list of str
        Region names.

    Returns
    -------
    Series
        Indexed by the bloc's regions.
    """
    b = res.baseline
    missing = [r for r in bloc if r not in set(b.regions)]
    if missing:
        raise ReplicationError(f"bloc regions {missing} are not in the baseline ({list(b.regions)})")
    idx = [int(np.flatnonzero(b.regions == r)[0]) for r in bloc]
    out = {}
    for r, n in zip(bloc, idx):
        others = [i for i in idx if i != n]
        m0 = (res._s0.B[:, n, others] * res._s0.X[n][:, None]).sum()
        m1 = (res._s1.B[:, n, others] * res._s1.X[n][:, None]).sum()
        out[r] = (m1 / m0 - 1.0) * 100.0
    return pd.Series(out, name="intra_bloc_imports")


def run_multisector(rep: Replication, echo: Callable[[str], None], row: Callable[..., dict]):
    """Solve each scenario of a ``kind = "multisector"`` file and compare it with its numbers.

    Parameters
    ----------
    rep : Replication
    echo : callable
        Receives progress and comparison lines.
    row : callable
        ``row(spec, label, item, quantity, published, ours, tol) -> dict`` (the runners' row builder).

    Returns
    -------
    (rows, tables, notes)
        As the other runners of :mod:`gravity.jobs.replicate.runners`.

    Raises
    ------
    ReplicationError
        Unknown quantity or region in the file, or a solve slower than the file's ``max_seconds``.
    """
    t0 = time.perf_counter()
    base, shock = cp2015_nafta(rep.raw.get("data", "cp2015/cp2015_nafta.rda"))
    bloc = list(rep.raw.get("nafta", ["Canada", "Mexico", "USA"]))
    echo(
        f"\ndata: {base.n_regions} regions × {base.n_sectors} sectors ({time.perf_counter() - t0:.1f} s to read); "
        f"negative intermediate cells kept: {base.meta['negative_intermediate']}"
    )
    rows: list[dict] = []
    tables: list[tuple[str, str]] = []
    notes: list[str] = []
    max_s = float(rep.raw.get("max_seconds", np.inf))
    for sc in rep.entries("scenario"):
        sid, label = sc["id"], sc.get("label", sc["id"])
        t1 = time.perf_counter()
        res = solve_multisector(base, deficits=sc.get("deficits", "balanced"), **shock)
        dt = time.perf_counter() - t1
        conv = res.convergence
        echo(
            f"\n[{sid}] {label}\n  solved in {dt:.2f} s; labour-market residual "
            f"{conv['counterfactual']['max_residual']:.1e} after {conv['counterfactual']['evaluations']} "
            f"evaluations (baseline {conv['baseline']['evaluations']}, re-solved baseline vs data: max "
            f"|ŵ − 1| = {conv['baseline_gap']:.3g})"
        )
        ours = res.countries.copy()
        ours["intra_bloc_imports"] = intra_bloc_imports(res, bloc)
        echo(f"  {'source':<10}{'quantity':<20}{'region':<10}{'published':>11}{'ours':>11}{'diff':>11}{'tol':>9}")
        for source in ("published", "reference"):
            for qty, by_region in sc.get(source, {}).items():
                if qty not in ours.columns:
                    raise ReplicationError(
                        f"{rep.path}: scenario {sid!r} quantity {qty!r} unknown ({list(ours.columns)})"
                    )
                for region, (val, tol) in by_region.items():
                    if region not in ours.index:
                        raise ReplicationError(f"{rep.path}: scenario {sid!r} region {region!r} unknown")
                    o = float(ours.loc[region, qty])
                    r = row(
                        sid,
                        label,
                        region,
                        f"{qty} ({'paper' if source == 'published' else 'cp2015'})",
                        float(val),
                        o,
                        float(tol),
                    )
                    rows.append(r)
                    echo(
                        f"  {source:<10}{qty:<20}{region:<10}{val:>11.4f}{o:>11.4f}{r['diff']:>+11.1e}{tol:>9.0e}"
                        + ("" if r["ok"] else "   <-- outside tolerance")
                    )
        if dt > max_s:
            raise ReplicationError(f"{rep.path}: scenario {sid!r} took {dt:.1f} s, more than max_seconds = {max_s:g}")
        cols = [
            "welfare",
            "tot",
            "vot",
            "tech",
            "real_gdp_full",
            "real_income",
            "exports_full",
            "imports_full",
            "intra_bloc_imports",
        ]
        tables.append((f"{label}: NAFTA members (ours, % change)", ours.loc[bloc, cols].round(4).to_markdown()))
        top = (
            res.sectors.loc[bloc, ["tot", "vot"]]
            .groupby(level="country")
            .apply(lambda g: g.droplevel(0).abs().sum(axis=1).nlargest(5).index.tolist())
        )
        notes.append(
            f"{sid}: deficits={res.deficits}; baseline and counterfactual each solved to a labour-market "
            f"residual ≤ {max(conv['baseline']['max_residual'], conv['counterfactual']['max_residual']):.1e} "
            f"({conv['baseline']['evaluations']} + {conv['counterfactual']['evaluations']} residual "
            f"evaluations, {dt:.2f} s); re-solved baseline vs the data: max |ŵ − 1| = "
            f"{conv['baseline_gap']:.3g}; sectors contributing most to welfare: "
            + "; ".join(f"{k}: {', '.join(v)}" for k, v in top.items())
            + "."
        )
    return rows, tables, notes
