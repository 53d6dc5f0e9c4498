"""Scenario shocks → changes in regressors → the change in bilateral trade costs.

A scenario moves *inputs* (country indicators such as internet use, agreement dummies between
members). Every regressor built from a moved input is recomputed with the one builder of
:mod:`gravity.panel.features`, and the change in trade costs follows from the estimated coefficients
(Yotov et al. 2016, ch. 2):

    ln t_ij^{1−σ} = Σ_k b_k x_k,ij,    Δ ln t_ij^{1−σ} = Σ_k b_k Δx_k,ij,    t̂_ij^{1−σ} = exp(Σ_k b_k Δx_k,ij).

:func:`linear_index` is the one implementation of Σ_k b_k x_k (+ an offset) in the package and
:func:`cost_factor` = exp of it; the GE baseline costs, the scenario cost changes and the fill model's
linear predictor all call them.

References
----------
Yotov, Y. V., Piermartini, R., Monteiro, J.-A. and Larch, M. (2016). *An Advanced Guide to Trade Policy
Analysis: The Structural Gravity Model*. WTO and UNCTAD, ch. 2.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from gravity.errors import GravityError
from gravity.panel.features import build_regressors

if TYPE_CHECKING:
    from gravity.scenario.config import CorridorConfig, Scenario


class ShockError(GravityError, ValueError):
    """A scenario's shock cannot be applied (a missing input column, a frontier no member has, shapes that do
    not match, an unknown placement); the message names it and the fix."""


def coefficients(params: Mapping[str, float] | pd.Series, names: Iterable[str]) -> np.ndarray:
    """The coefficients b_k of ``names``, in that order, as float64.

    Parameters
    ----------
    params : mapping or Series
        Coefficients by name (e.g. ``fit.params``); may hold more names than ``names``.
    names : iterable of str

    Returns
    -------
    ndarray of float64

    Raises
    ------
    KeyError
        If a name has no coefficient.
    """
    return np.array([float(params[k]) for k in names])


def linear_index(X: np.ndarray, b: np.ndarray, *, offset: np.ndarray | None = None) -> np.ndarray:
    """η_ij = offset_ij + Σ_k b_k x_k,ij for each row of ``X``.

    Without ``offset`` this is the matrix product X b. With one, the terms are added to the offset
    one at a time in column order, ((offset + b_1 x_1) + b_2 x_2) + …, the accumulation the fill model's
    linear predictor has always used (kept so its outputs stay bit for bit the same).

    Parameters
    ----------
    X : ndarray, shape (n, K)
        Regressor values (or their changes Δx).
    b : ndarray, shape (K,)
        Coefficients in the column order of ``X``.
    offset : ndarray, shape (n,), optional
        A per-row term such as an importer fixed effect χ_j.

    Returns
    -------
    ndarray, shape (n,)

    Raises
    ------
    ShockError
        If the shapes do not match.

    References
    ----------
    Yotov et al. (2016), ch. 1, eq. (1): ln X_ij = π_i + χ_j + Σ_k b_k x_k,ij.
    """
    X = np.asarray(X)
    b = np.asarray(b)
    if X.ndim != 2 or b.shape != (X.shape[1],):
        raise ShockError(
            f"linear_index: X has shape {X.shape} but b has shape {b.shape}; give one coefficient per column of X"
        )
    if offset is None:
        return X @ b
    out = np.asarray(offset)
    for k in range(X.shape[1]):
        out = out + b[k] * X[:, k]
    return out


def cost_factor(
    x: pd.DataFrame | np.ndarray, params: Mapping[str, float] | pd.Series, names: Sequence[str] | None = None
) -> np.ndarray:
    """t^{1−σ}_ij = exp(Σ_k b_k x_k,ij); applied to changes Δx it is the cost change t̂^{1−σ}_ij.

    Parameters
    ----------
    x : DataFrame or ndarray, shape (n, K)
        Cost variables x_ij (baseline costs) or their changes Δx_ij (a scenario), one column per
        coefficient. A DataFrame's column names select the coefficients.
    params : mapping or Series
        Coefficients b_k by name.
    names : sequence of str, optional
        The coefficient name of each column of an ndarray ``x`` (default: ``x.columns``).

    Returns
    -------
    ndarray, shape (n,)
        t^{1−σ}_ij, or t̂^{1−σ}_ij = exp(Σ_k b_k Δx_k,ij) for changes; 1 where nothing changes.

    Raises
    ------
    ShockError
        If an ndarray ``x`` comes without ``names``, or shapes do not match.

    References
    ----------
    Yotov et al. (2016), ch. 2: t_ij^{1−σ} = exp(Σ_k β_k x_k,ij) and t̂_ij^{1−σ} = exp(Σ_k β_k Δx_k,ij).
    """
    if isinstance(x, pd.DataFrame):
        names = list(x.columns) if names is None else names
        x = x.to_numpy(float)
    elif names is None:
        raise ShockError("cost_factor: an array x needs names= (the coefficient of each column)")
    return np.exp(linear_index(x, coefficients(params, names)))


def country_values(pairs: pd.DataFrame, indicator: str) -> pd.Series:
    """One value x_i per country from the ``<x>_o``/``<x>_d`` columns of a pair table.

    Parameters
    ----------
    pairs : DataFrame
        ``exporter, importer, <indicator>_o, <indicator>_d`` (the sides must agree for a country).
    indicator : str

    Returns
    -------
    Series
        Indexed by country: the first exporter-side value, else the importer-side one.
    """
    o = pairs.groupby("exporter", observed=True)[f"{indicator}_o"].first()
    d = pairs.groupby("importer", observed=True)[f"{indicator}_d"].first()
    return o.combine_first(d)


def shocked_inputs(pairs: pd.DataFrame, scenario: Scenario) -> pd.DataFrame:
    """The pair table after the scenario: indicators raised for members, dummies set among members.

    x'_i = max(x_i, goal) for members i (as exporter and as importer), goal = the scenario's target or
    the members' maximum ("frontier"); a dummy a'_ij = max(a_ij, v) for members i ≠ j. Values only ever
    rise: nobody is made worse off by a corridor.

    Parameters
    ----------
    pairs : DataFrame
        ``exporter, importer`` and the input columns (``internet_o``, ``internet_d``, ``rta`` ...) for the
        base year; "frontier" is read from each member's own rows.
    scenario : Scenario

    Returns
    -------
    DataFrame
        A copy of ``pairs`` with the shocked inputs.

    Raises
    ------
    ShockError
        If no member has a value of a "frontier" indicator, or an agreement column is not in ``pairs``.
    """
    out = pairs.copy()
    members = set(scenario.members)
    mo = out["exporter"].isin(members).to_numpy()
    md = out["importer"].isin(members).to_numpy()
    for ind, target in scenario.indicators.items():
        level = country_values(pairs, ind)
        if target == "frontier":
            present = level.reindex(sorted(members)).dropna()
            if present.empty:
                raise ShockError(f"scenario {scenario.name!r}: no member has a value of {ind!r} in the base year")
            goal = float(present.max())
        else:
            goal = float(target)
        for side, mask in (("o", mo), ("d", md)):
            col = f"{ind}_{side}"
            out.loc[mask, col] = np.fmax(out.loc[mask, col].to_numpy(float), goal)
    if scenario.agreement:
        both = mo & md & (out["exporter"] != out["importer"]).to_numpy()
        for col, v in scenario.agreement.items():
            if col not in out.columns:
                raise ShockError(f"scenario {scenario.name!r} sets {col!r}, which the panel does not have")
            out.loc[both, col] = np.fmax(out.loc[both, col].to_numpy(float), v)
    return out


def regressor_changes(
    pairs: pd.DataFrame, scenario: Scenario, config: CorridorConfig, names: tuple[str, ...] | None = None
) -> pd.DataFrame:
    """Δx_k,ij = x_k(shocked inputs)_ij − x_k(inputs)_ij for every pair row and regressor.

    A regressor undefined before (missing indicator) but defined after stays undefined: its change is
    0 and the pair is counted in ``attrs["undefined"]`` (per regressor the scenario moves) and marked in
    ``attrs["undefined_rows"]`` so the report can say so.

    Parameters
    ----------
    pairs : DataFrame
        Base-year pair table with every input column.
    scenario : Scenario
    config : CorridorConfig
        Supplies the regressor definitions and the scenario's specification.
    names : tuple of str, optional
        Regressors to return (default: the slopes of the scenario's specification).

    Returns
    -------
    DataFrame
        One column per regressor, on ``pairs``' index; feed it to :func:`cost_factor`.

    Raises
    ------
    ShockError
        From :func:`shocked_inputs` or the regressor builder (a missing input column).
    """
    names = names or config.spec(scenario.spec).slopes
    before = build_regressors(pairs, config.regressors, names)
    after = build_regressors(shocked_inputs(pairs, scenario), config.regressors, names)
    delta = after - before
    moved = [n for n in names if set(config.regressors[n].inputs) & set(scenario.shocked_inputs)]
    undefined = delta[moved].isna()
    out = delta.fillna(0.0)
    out.attrs["undefined"] = {k: int(v) for k, v in undefined.sum().items() if v}
    out.attrs["undefined_rows"] = undefined.any(axis=1).to_numpy()
    return out


PLACEMENTS = {
    "exporter": "on the exporter's international sales (t_ij, i ≠ j, of the country whose variable moves)",
    "importer": "on the importer's international purchases (t_ji, j ≠ i)",
    "half": "half on its international sales, half on its international purchases",
    "domestic": "on its domestic sales, in the opposite direction (t_ii)",
}
"""Where the GE puts a border × country-variable effect. Estimation identifies only the sum of the
exporter- and importer-side effects, relative to domestic sales (Heid, Larch & Yotov 2021): with
exporter-year and importer-year effects, b f(x_i) INTL_ij, b f(x_j) INTL_ij and −b f(x_i) 1{i = j} fit the
data equally well, so each placement is a scenario the data cannot tell apart from the others."""


def country_level_terms(regressors: Mapping, names: Iterable[str], border: str = "intl_border") -> list[str]:
    """The regressors among ``names`` that are one country's variable times the border: built from
    ``border`` and exporter-side columns (``*_o``) only. The other regressors vary by pair."""
    out = []
    for n in names:
        cols = set(regressors[n].inputs)
        if border in cols and any(c.endswith("_o") for c in cols) and not any(c.endswith("_d") for c in cols):
            out.append(n)
    return out


def placed_cost_change(
    delta: pd.DataFrame,
    params: Mapping[str, float] | pd.Series,
    n: int,
    country_terms: Sequence[str],
    placement: str = "exporter",
    share: float = 1.0,
) -> np.ndarray:
    """t̂^{1−σ} as an (n, n) matrix with the country-level border terms placed as ``placement`` says.

    With s_i = Σ_{k ∈ country terms} b_k Δx_k,ij (the same for every j ≠ i: the exporter's own variable) and
    p_ij = Σ_{k ∉ country terms} b_k Δx_k,ij (pair terms, never moved):

        exporter  ln t̂_ij = p_ij + s_i               (i ≠ j)
        importer  ln t̂_ij = p_ij + s_j               (i ≠ j)
        half      ln t̂_ij = p_ij + (s_i + s_j)/2     (i ≠ j)
        domestic  ln t̂_ij = p_ij,  ln t̂_ii = −s_i

    all times the phase-in ``share``. ``delta`` is the (n², K) frame of :func:`regressor_changes` over an
    exporter-major grid whose domestic rows are 0.

    Raises
    ------
    ShockError
        An unknown placement, or a country term whose change differs across a country's partners (not an
        exporter-side country variable).
    """
    if placement not in PLACEMENTS:
        raise ShockError(f"placement={placement!r}; use one of {list(PLACEMENTS)}")
    names = list(delta.columns)
    cterms = [c for c in names if c in set(country_terms)]
    pterms = [c for c in names if c not in set(cterms)]
    L = np.zeros((n, n))
    if pterms:
        L += linear_index(delta[pterms].to_numpy(float), coefficients(params, pterms)).reshape(n, n)
    if cterms:
        C = linear_index(delta[cterms].to_numpy(float), coefficients(params, cterms)).reshape(n, n)
        off = ~np.eye(n, dtype=bool)
        s = np.where(off, C, np.nan)
        si = np.nanmean(s, axis=1) if n > 1 else np.zeros(n)
        si = np.nan_to_num(si)
        if np.nanmax(np.abs(s - si[:, None]), initial=0.0) > 1e-9 * max(1.0, np.abs(si).max()):
            raise ShockError(
                f"{cterms}: the change differs across a country's partners, so it is not one "
                "country's variable times the border"
            )
        if placement == "exporter":
            L += np.where(off, si[:, None], 0.0)
        elif placement == "importer":
            L += np.where(off, si[None, :], 0.0)
        elif placement == "half":
            L += np.where(off, (si[:, None] + si[None, :]) / 2, 0.0)
        else:
            L[np.diag_indices(n)] -= si
    return np.exp(share * L)
