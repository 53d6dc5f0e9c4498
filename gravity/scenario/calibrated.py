"""Calibrated scenarios: a published trade-cost cut turned into the GE's change in t_ij^(1−σ).

An estimated scenario moves a regressor and lets the data's coefficient say what that does to trade
costs (:mod:`gravity.scenario.shocks`). A calibrated scenario starts from a published figure instead: "full
implementation of the TFA could reduce trade costs by an average of 14.3%" (WTO 2015). Such figures are
cuts in *trade costs as the ESCAP–World Bank database measures them*: the tariff equivalent of Novy
(2013), computed from the ratio of domestic to international flows,

    τ_ij − 1 = (X_ii X_jj / (X_ij X_ji))^{1/(2(σ−1))} − 1,

so a cut c leaves the pair's iceberg factor at τ'_ij = 1 + (1 − c)(τ_ij − 1) and

    t̂_ij^{1−σ} = (τ'_ij / τ_ij)^{1−σ} = (1 − c (τ_ij − 1)/τ_ij)^{1−σ}             ("tariff equivalent" reading).

Where a pair has no Novy measure (a zero flow either way) the median τ of the pairs the scenario moves
that have one is used (counted). The upper reading applies the cut to the whole iceberg factor,
t̂^{1−σ} = (1 − c)^{1−σ} ("iceberg" reading); it is reported beside, not pooled.

Who gets which cut: a country's own published cut c_i (one figure for all, or by its income group);
a pair of two implementing countries gets the mean ½(c_i + c_j), a pair with one implementing country
gets that country's c (its border procedures are the ones that change). Variants: ``"members"`` moves
the pairs of two members only (intra-group trade); ``"international"`` moves every international pair
with at least one member. Domestic pairs never move.

References
----------
Novy, D. (2013). Gravity redux: measuring international trade costs with panel data. *Economic Inquiry*
51(1): 101–121.
WTO (2015). *World Trade Report 2015: Speeding up trade*. OECD (2015). Trade Facilitation Indicators.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

from gravity.errors import GravityError

FIGURES_KEY = "tf-cost-figures/published_tf_figures.csv"


class CalibrationError(GravityError, ValueError):
    """A published cut that cannot be applied: an unknown figure id, an unknown variant or reading, sigma not
    above 1, or no pair with the flows the tariff-equivalent reading needs; the message names it and the fix."""


READINGS = ("tariff equivalent", "iceberg")
VARIANTS = {"members": "trade between members only", "international": "all of each member's international trade"}


def published_figures() -> pd.DataFrame:
    """The published trade-facilitation figures with their exact wording (``figure_id`` index).

    Columns: topic, value, unit, scope, exact_wording, original_source, section_or_page, found_at,
    reliability (see the file's data card in ``../shared/data/PROVENANCE.md``).
    """
    from gravity.data.registry import path

    return pd.read_csv(path(FIGURES_KEY)).set_index("figure_id")


def numbers_in(value: str) -> list[float]:
    """Every number written in a figure's ``value`` (``"12.5-17.5"`` → [12.5, 17.5], ``">14"`` → [14])."""
    return [float(x) for x in re.findall(r"\d+(?:\.\d+)?", str(value))]


def check_cuts(cuts: Sequence[float], figure_ids: Sequence[str], figures: pd.DataFrame) -> list[str]:
    """The cuts (in %) that none of the cited figures states, as messages (empty = every cut is cited).

    Raises
    ------
    CalibrationError
        A figure id is not in the file (the message names the ids available).
    """
    missing = [f for f in figure_ids if f not in figures.index]
    if missing:
        raise CalibrationError(f"figure ids {missing} are not in {FIGURES_KEY}; available: {', '.join(figures.index)}")
    stated = {round(x, 6) for f in figure_ids for x in numbers_in(figures.loc[f, "value"])}
    return [f"{c:g}% is stated by none of {list(figure_ids)}" for c in cuts if round(float(c), 6) not in stated]


def novy_tau(X: np.ndarray, sigma: float) -> np.ndarray:
    """Novy (2013) iceberg factor τ_ij = (X_ii X_jj / (X_ij X_ji))^{1/(2(σ−1))}: symmetric, NaN where a
    flow (either direction or either domestic flow) is not positive, 1 on the diagonal."""
    X = np.asarray(X, float)
    d = np.diag(X)
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = np.outer(d, d) / (X * X.T)
        tau = ratio ** (1.0 / (2.0 * (sigma - 1.0)))
    tau[~np.isfinite(tau) | (tau <= 0)] = np.nan
    np.fill_diagonal(tau, 1.0)
    return tau


def pair_cuts(countries: Sequence[str], cut: Mapping[str, float], variant: str) -> np.ndarray:
    """The cut c_ij (share, 0–1) of every pair: ½(c_i + c_j) when both implement, the implementing one's
    when one does (``variant="international"`` only), 0 otherwise and on the diagonal."""
    if variant not in VARIANTS:
        raise CalibrationError(f"variant={variant!r}; use one of {list(VARIANTS)}")
    c = np.array([float(cut.get(k, np.nan)) / 100.0 for k in countries])
    on = np.isfinite(c)
    c0 = np.where(on, c, 0.0)
    both = np.outer(on, on)
    one = np.logical_xor.outer(on, on)
    out = np.where(both, (c0[:, None] + c0[None, :]) / 2, 0.0)
    if variant == "international":
        out = np.where(one, c0[:, None] + c0[None, :], out)
    np.fill_diagonal(out, 0.0)
    return out


def cost_change(
    X: np.ndarray,
    countries: Sequence[str],
    cut: Mapping[str, float],
    sigma: float,
    *,
    variant: str = "members",
    reading: str = "tariff equivalent",
) -> tuple[np.ndarray, dict]:
    """t̂_ij^{1−σ} of a published cut (module docstring) as an (n, n) matrix, and what was assumed.

    Parameters
    ----------
    X : (n, n) array
        Baseline flows, exporters in rows, domestic flows on the diagonal.
    countries : sequence of str
        The order of ``X``.
    cut : mapping
        ISO3 → the country's published cut in % (countries absent do not implement).
    sigma : float
        Elasticity of substitution (> 1).
    variant : {"members", "international"}
    reading : {"tariff equivalent", "iceberg"}

    Returns
    -------
    (ndarray, dict)
        The cost change, and ``pairs`` moved, ``imputed`` (pairs without a Novy measure given the
        median), ``median_tariff_equivalent`` (%, of the moved pairs with a measure).
    """
    if reading not in READINGS:
        raise CalibrationError(f"reading={reading!r}; use one of {list(READINGS)}")
    if not sigma > 1:
        raise CalibrationError(f"sigma={sigma!r}: the elasticity of substitution must exceed 1")
    c = pair_cuts(countries, cut, variant)
    moved = c > 0
    info = {"pairs": int(moved.sum()), "imputed": 0, "median_tariff_equivalent": float("nan")}
    if reading == "iceberg" or not moved.any():
        return np.where(moved, (1.0 - c) ** (1.0 - sigma), 1.0), info
    tau = novy_tau(X, sigma)
    have = moved & np.isfinite(tau)
    if not have.any():
        raise CalibrationError(
            "no pair the scenario moves has positive flows both ways and domestic flows: the "
            "tariff-equivalent reading needs at least one (use reading='iceberg')"
        )
    med = float(np.median(tau[have]))
    info["imputed"] = int((moved & ~np.isfinite(tau)).sum())
    info["median_tariff_equivalent"] = 100.0 * (med - 1.0)
    tau = np.where(np.isfinite(tau), tau, med)
    ratio = 1.0 - c * (tau - 1.0) / tau
    return np.where(moved, ratio ** (1.0 - sigma), 1.0), info
