"""Property-based fuzzing of the public boundaries (hypothesis).

Over ``ppml``, ``ols``, ``build_panel``, ``ge.Baseline.from_trade`` / ``ge.solve`` and ``load_corridor``:
any generated input either succeeds or raises one of gravity's own error classes with a message; never
an internal exception (ZeroDivisionError, LinAlgError, IndexError, KeyError, TypeError from numpy), and
never NaN results without a warning. ``max_examples`` keeps the file within about a minute.
"""
from __future__ import annotations

import logging
import math
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gravity.estimation.ols import ols
from gravity.estimation.ppml import ppml
from gravity.ge import Baseline, solve
from gravity.ge.errors import GEConvergenceError
from gravity.panel.build import build_panel
from gravity.scenario import config as sc

FAST = settings(max_examples=60, deadline=None, derandomize=True,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
CODES = ["DEU", "FRA", "ITA", "ESP"]
MODEL = Path(__file__).resolve().parents[1] / "models" / "eco_digital_corridor.toml"


def ours(exc: BaseException) -> bool:
    """A gravity error class with a message: a ValueError subclass defined in gravity (or the GE's
    documented convergence error)."""
    cls = type(exc)
    mine = cls.__module__.startswith("gravity.") and (issubclass(cls, ValueError) or cls is GEConvergenceError)
    return mine and bool(str(exc).strip())


def outcome(call):
    """Run ``call``; return (result, warned) or (None, False) after one of our errors; fail otherwise."""
    with warnings.catch_warnings(record=True) as w:
        warnings.simplefilter("always")
        try:
            res = call()
        except Exception as exc:  # noqa: BLE001 - the property is about which exceptions occur
            assert ours(exc), f"internal exception {type(exc).__module__}.{type(exc).__name__}: {exc}"
            return None, False
    return res, bool(w)


values = st.one_of(st.floats(min_value=-5, max_value=5, allow_nan=False), st.just(0.0), st.just(np.nan),
                   st.just(np.inf), st.floats(min_value=1e3, max_value=1e6))


@st.composite
def frames(draw, *, outcome_nonneg: bool = True):
    n_c = draw(st.integers(2, 4))
    n_t = draw(st.integers(1, 3))
    codes = CODES[:n_c]
    rows = [(o, d, 2000 + t) for t in range(n_t) for o in codes for d in codes]
    n = len(rows)
    keep = draw(st.lists(st.booleans(), min_size=n, max_size=n))
    rows = [r for r, k in zip(rows, keep) if k] or rows[:1]
    n = len(rows)
    y = draw(st.lists(st.one_of(st.floats(0, 100), st.just(0.0), st.just(np.nan), st.just(-1.0)),
                      min_size=n, max_size=n))
    x1 = draw(st.lists(values, min_size=n, max_size=n))
    df = pd.DataFrame(rows, columns=["exporter", "importer", "year"])
    df["trade"] = y
    df["x1"] = x1
    df["x2"] = draw(st.sampled_from(["copy", "const", "random"]))
    df["x2"] = {"copy": df["x1"], "const": 1.0, "random": np.arange(n, dtype=float) % 3}[df["x2"].iloc[0]]
    df["pair"] = df["exporter"] + df["importer"]
    df["g"] = draw(st.sampled_from([0, 1])) * (np.arange(n) % 2)
    return df


FORMULAS = ["trade ~ x1", "trade ~ x1 + x2", "trade ~ x1 | exporter", "trade ~ x1 + x2 | exporter + importer",
            "trade ~ x1 | exporter^year + importer^year", "trade ~ log(x1) | year"]


@FAST
@given(df=frames(), formula=st.sampled_from(FORMULAS), cluster=st.sampled_from([None, "pair", "g", ["pair", "g"]]),
       missing=st.sampled_from(["raise", "drop"]), maxiter=st.sampled_from([1000, 0, 3]))
def test_ppml_fuzz(df, formula, cluster, missing, maxiter):
    res, warned = outcome(lambda: ppml(formula, df, cluster=cluster, missing=missing, maxiter=maxiter))
    if res is not None:
        vals = np.concatenate([res.params.to_numpy(), res.bse.to_numpy()])
        assert np.isfinite(vals).all() or warned or not res.converged, res.params


@FAST
@given(df=frames(), formula=st.sampled_from(FORMULAS[:5]), cluster=st.sampled_from([None, "pair", "g"]))
def test_ols_fuzz(df, formula, cluster):
    df = df.assign(trade=df["trade"].fillna(0.0), x1=df["x1"].replace([np.inf], 1.0).fillna(0.0))
    res, warned = outcome(lambda: ols(formula, df, cluster=cluster))
    if res is not None:
        vals = np.concatenate([res.params.to_numpy(), res.bse.to_numpy()])
        assert np.isfinite(vals).all() or warned, res.params


years = st.one_of(st.integers(1995, 2001), st.sampled_from(["2000", 2000.0, 2000.5, "x", None]))


@FAST
@given(rows=st.lists(st.tuples(st.sampled_from(CODES + ["QQQ", "deu"]), st.sampled_from(CODES), years,
                               st.one_of(st.floats(0, 10), st.just(np.nan), st.just(-1.0), st.just("1"))),
                     min_size=1, max_size=8),
       domestic=st.sampled_from([None, "exclude", "require"]))
def test_build_panel_fuzz(rows, domestic):
    df = pd.DataFrame(rows, columns=["exporter", "importer", "year", "trade"])
    res, warned = outcome(lambda: build_panel(df, domestic=domestic))
    if res is not None:
        assert len(res) > 0 and res.duplicated(["exporter", "importer", "year"]).sum() == 0


@FAST
@given(n=st.integers(2, 4), data=st.data(), sigma=st.sampled_from([5.0, 7, "5", "x", 1.0, -2.0, np.nan]),
       deficits=st.sampled_from(["ratio", "additive"]))
def test_ge_fuzz(n, data, sigma, deficits):
    flows = data.draw(st.lists(st.one_of(st.floats(0, 50), st.just(0.0)), min_size=n * n, max_size=n * n))
    X = np.array(flows).reshape(n, n)
    if data.draw(st.booleans()):
        np.fill_diagonal(X, 100.0)
    codes = CODES[:n]
    tab = pd.DataFrame([dict(exporter=o, importer=d, trade=X[i, j]) for i, o in enumerate(codes)
                        for j, d in enumerate(codes)])
    ref = data.draw(st.sampled_from(codes + ["QQQ"]))
    base, _ = outcome(lambda: Baseline.from_trade(tab, sigma=sigma, reference=ref))
    if base is None:
        return
    t = np.array(data.draw(st.lists(st.one_of(st.floats(0.5, 2.0), st.just(1.0), st.just(np.nan), st.just(0.0)),
                                    min_size=n * n, max_size=n * n))).reshape(n, n)
    res, warned = outcome(lambda: solve(base, t, deficits=deficits, max_iter=20_000))
    if res is not None:
        assert not res.countries.isna().any().any() or warned


LINES = MODEL.read_text(encoding="utf-8").splitlines()
KEYED = [i for i, ln in enumerate(LINES) if " = " in ln and not ln.lstrip().startswith("#")]


@FAST
@given(edits=st.lists(st.tuples(st.sampled_from(KEYED),
                                st.sampled_from(["delete", "rename", "value"]),
                                st.sampled_from(['"5"', "-1", "0", "1.5", "true", '"QQQ"', "[]", '["ECO"]', "nan",
                                                 "inf", '{ a = 1 }', '"frontier"', "7"])),
                      min_size=1, max_size=3))
def test_load_corridor_fuzz(tmp_path_factory, edits):
    lines = list(LINES)
    for i, how, val in edits:
        key, _, _ = lines[i].partition(" = ")
        if how == "delete":
            lines[i] = ""
        elif how == "rename":
            lines[i] = lines[i].replace(key, key + "x", 1)
        else:
            lines[i] = f"{key} = {val}"
    p = tmp_path_factory.mktemp("fuzz") / "model.toml"
    p.write_text("\n".join(lines), encoding="utf-8")
    res, _ = outcome(lambda: sc.load_config(p))
    if res is not None:
        assert math.isfinite(res.ge.sigma) and res.ge.sigma > 1
