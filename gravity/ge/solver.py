"""The structural-gravity GE counterfactual in exact hat algebra: public API (kernels in :mod:`._kernels`).

Baseline (flows X_ij, output Y_i, expenditure E_j, costs t_ij ≡ t_ij^{1-σ}) and a change in costs
t̂_ij = t'_ij / t_ij. Hats are counterfactual / baseline. With OMR_i = Π_i^{1-σ}, IMR_j = P_j^{1-σ}
(Yotov et al. 2016, ch. 2):

Conditional GE (Y, E fixed; resistances adjust)::

    Ω̂_i = Σ_j (X_ij / Y_i) t̂_ij / Φ̂_j ,   Φ̂_j = Σ_i (X_ij / E_j) t̂_ij / Ω̂_i ,   Φ̂_ref = 1

(a matrix-scaling problem, solved by alternating scaling; Ω̂ = OMR hat, Φ̂ = IMR hat).

Full-endowment GE (endowments fixed, factory-gate prices p_i adjust, Ŷ_i = p̂_i). Imbalances: the
book keeps E_j = φ_j Y_j with φ_j fixed; that alone cannot hold for every country once prices move
(Σ_j φ_j Y'_j ≠ Σ_i Y'_i unless trade is balanced), so expenditure is E'_j = κ φ_j Y'_j with one
common κ = Σ_i Y'_i / Σ_j φ_j Y'_j (world expenditure = world output; κ = 1 under balanced trade)::

    Φ̂_j = Σ_i (X_ij / E_j) t̂_ij p̂_i^{1-σ}                          (P̂_j^{1-σ}, IMR hat)
    p̂_i^σ = Ω̂_i = Σ_j (X_ij / Y_i) t̂_ij κ p̂_j / Φ̂_j               (market clearing Y'_i = Σ_j X'_ij)
    X'_ij = X_ij t̂_ij p̂_i^{1-σ} κ p̂_j / Φ̂_j

With ``deficits="additive"`` instead E'_j = Y'_j + D_j Σ_i Y'_i / Σ_i Y_i (D_j = E_j − Y_j kept as
a share of world output; Σ_j D_j = 0, so κ = 1), and κ p̂_j above becomes Ê_j = E'_j / E_j. A third
rule, E'_j = Y'_j, purges the deficits (Dekle, Eaton & Kortum 2007); it builds a balanced baseline
(:func:`gravity.ge.deficits.purge_deficits`) rather than closing a scenario. All are
solved by the fixed-point map p̂ ← λ Ω̂(p̂)^{1/σ} (own-price response solved exactly, so the map
contracts fast), with λ re-normalising every step to the numeraire: ``reference`` — P̂_ref = 1 (the
book's IMR_ref = 1), or ``world_output`` — Σ_i Y_i p̂_i = Σ_i Y_i. At the fixed point κ = λ^σ.

Convergence rule: stop when the largest change in log p̂ (log Ω̂, log Φ̂ for the scaling problem)
between two iterations is below ``tol``; after ``max_iter`` iterations :class:`GEConvergenceError`.

References
----------
Anderson, J. E. & van Wincoop, E. (2003). Gravity with gravitas. *American Economic Review* 93(1).
Dekle, R., Eaton, J. & Kortum, S. (2007). Unbalanced trade. *American Economic Review* 97(2).
Yotov, Y. V., Piermartini, R., Monteiro, J.-A. & Larch, M. (2016). *An Advanced Guide to Trade
Policy Analysis: The Structural Gravity Model*, ch. 2. WTO/UNCTAD.
Baier, S. L., Yotov, Y. V. & Zylkin, T. (2019). On the widely differing effects of free trade
agreements. *Journal of International Economics* 116 (the ge_gravity fixed point).
Yotov, Y. V. (2025). ge_gravity2. *Stata Journal* (the deficit options).
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import numba
import numpy as np
import pandas as pd

from gravity.ge._kernels import _batch, _conditional, _effects, _full, _resistances
from gravity.ge.errors import GEConvergenceError, GEInputError
from gravity.ge.options import DeficitRule, Numeraire, check_deficit_rule, check_numeraire
from gravity.ge.pairs import align_pairs
from gravity.ge.results import GEResultBase

__all__ = [
    "GEConvergenceError",
    "GEResult",
    "solve",
    "cost_change_matrix",
    "solve_resistances",
    "conditional",
    "full",
    "effects",
    "solve_batch",
    "numeraire_attrs",
    "EFFECTS",
    "NUMERAIRES",
    "DEFICITS",
    "STATUS",
]

NUMERAIRES = {"reference": 0, "world_output": 1}
DEFICITS = {"ratio": 0, "additive": 1}  # closures of a scenario (solve, solve_batch)
# kernel codes of every expenditure rule; "balanced" (E'_j = Y'_j) purges deficits and is used by
# gravity.ge.deficits.purge_deficits, not as the closure of a scenario
_DEFICIT_CODES = {**DEFICITS, "balanced": 2}

# rows of the per-country effects array (all % changes, counterfactual vs baseline); the kernels
# write them in this order and take the count from the buffer they are given
EFFECTS = (
    "exports_cdl",
    "exports_full",
    "imports_cdl",
    "imports_full",
    "output_cdl",
    "output_full",
    "price_cdl",
    "price_full",
    "omr_cdl",
    "omr_full",
    "imr_cdl",
    "imr_full",
    "real_gdp_cdl",
    "real_gdp_full",
    "real_exports_cdl",
    "real_exports_full",
    "real_expenditure_cdl",
    "real_expenditure_full",
)

STATUS = {
    0: "ok",
    1: "baseline resistances did not converge",
    2: "conditional GE did not converge",
    3: "full-endowment GE did not converge",
    4: "non-finite values (a cost change or coefficient draw is inf/NaN, a row of flows is 0, or an "
    "iterate left the floating-point range)",
    5: "an expenditure would turn negative (additive deficits larger than the new output)",
}

TOL_MIN = 1e-15
"""Smallest stop rule: max |Δ log| cannot be resolved below about 1e-16 in double precision."""


def check_options(tol, max_iter) -> None:
    """Refuse a stop rule that can never be met and an iteration limit that is not a count.

    Raises
    ------
    GEInputError
        ``tol`` not a finite number ≥ :data:`TOL_MIN` (``tol=0`` used to run to the limit), ``max_iter`` not
        an integer ≥ 1; the message gives the fix.
    """
    if (
        isinstance(tol, bool)
        or not isinstance(tol, (int, float, np.integer, np.floating))
        or not np.isfinite(tol)
        or tol < TOL_MIN
    ):
        raise GEInputError(
            f"tol={tol!r}: the stop rule max |Δ log| < tol can only be met for tol >= {TOL_MIN:g} "
            "(double precision resolves log changes to about 1e-16). Fix: leave the default "
            "(1e-13) or pass e.g. tol=1e-10"
        )
    if isinstance(max_iter, bool) or not isinstance(max_iter, (int, np.integer)) or max_iter < 1:
        raise GEInputError(
            f"max_iter={max_iter!r}: the iteration limit must be an integer >= 1. Fix: leave the default (100000)"
        )


def _unit(Y) -> float:
    """A power of two near max Y_i: flows and margins are divided by it inside the kernels, so that flows of
    1e-300 or 1e300 solve like flows of order 1 (hats do not depend on units; a power of two keeps every digit)."""
    m = float(np.max(np.abs(Y))) if np.size(Y) else 0.0
    if not (m > 0.0 and np.isfinite(m)):
        return 1.0
    return float(2.0 ** np.round(np.log2(m)))


def _check(it, err, what, max_iter):
    if it == -2:
        raise GEConvergenceError(
            f"{what}: with additive deficits some country's expenditure Y'_j + D_j would turn ≤ 0; "
            "use deficits='ratio' (E_j / Y_j fixed) for this scenario"
        )
    if it == -3:
        raise GEConvergenceError(
            f"{what}: an iterate left the floating-point range (last max |Δ log| = {err:.3g}): no equilibrium "
            "meets the given margins on this pattern of flows (a country that can sell to or buy from nobody "
            "after the change while running a surplus or a deficit), or sigma is so close to 1 that "
            "P = IMR^(1/(1-sigma)) overflows. Fix: check the cost change for embargoes and sigma"
        )
    if it < 0:
        raise GEConvergenceError(
            f"{what} did not converge in {max_iter} iterations (last max |Δ log| = {err:.3g}). "
            "Check for countries whose flows are all zero after the cost change, for costs that are "
            "inf/NaN, or raise max_iter / loosen tol."
        )


SIGMA_NEAR_ONE = 0.05
"""|σ − 1| below which a floating-point overflow of the full GE is blamed on σ."""


def _sigma_message(sigma: float, that) -> str:
    t = np.asarray(that, float)
    off = t[(t > 0) & np.isfinite(t) & (t != 1.0)]
    lo, hi = (float(off.min()), float(off.max())) if off.size else (1.0, 1.0)
    expo = 1.0 / (1.0 - sigma)
    with np.errstate(over="ignore", divide="ignore"):
        worst = max(abs(np.log(lo)), abs(np.log(hi))) * abs(expo) / np.log(10.0)
    return (
        f"sigma = {sigma!r} is so close to 1 that the GE leaves the floating-point range: price indices are "
        f"P = IMR^(1/(1-sigma)) = IMR^({expo:.3g}), and the cost change t^(1-sigma) of {lo:.4g} to {hi:.4g} "
        f"moves them by a factor of up to 10^{worst:,.0f}. Fix: use an elasticity of substitution of about 2 or "
        "more (estimates lie between 3 and 8; the book uses 7), or state the cost change for this sigma"
    )


def _ones(n, start):
    return np.ones(n) if start is None else np.asarray(start, float).copy()


def solve_resistances(t, Y, E, ref, tol=1e-13, max_iter=100_000, start=None):
    """Multilateral resistances of the baseline (Anderson & van Wincoop 2003).

    Solves OMR_i = Σ_j t_ij E_j / IMR_j and IMR_j = Σ_i t_ij Y_i / OMR_i with IMR_ref = 1
    (OMR_i = Π_i^{1-σ}, IMR_j = P_j^{1-σ}, t_ij ≡ t_ij^{1-σ}) by alternating scaling.

    Parameters
    ----------
    t : (N, N) array
        Costs t_ij^{1-σ}, exporters in rows.
    Y, E : (N,) arrays
        Output and expenditure.
    ref : int
        Index of the reference country (IMR_ref = 1).
    tol : float
        Stop when max |Δ log OMR| between iterations is below ``tol``.
    max_iter : int
        Iteration limit.
    start : (N,) array, optional
        Initial OMR (warm start).

    Returns
    -------
    omr, imr : (N,) arrays
    iterations : int

    Raises
    ------
    GEConvergenceError
        No convergence within ``max_iter`` iterations.

    References
    ----------
    Anderson & van Wincoop (2003), *AER* 93(1); Yotov et al. (2016), ch. 2.
    """
    u = _unit(Y)  # solved on Y/u, E/u: OMR/u, IMR unchanged
    a0 = np.ones(len(Y)) if start is None else u / np.asarray(start, float)
    omr, imr, it, err = _resistances(
        np.ascontiguousarray(t, dtype=float),
        np.asarray(Y, float) / u,
        np.asarray(E, float) / u,
        int(ref),
        float(tol),
        int(max_iter),
        a0,
    )
    _check(it, err, "baseline resistances", max_iter)
    return omr * u, imr, it


def conditional(X, that, Y, E, ref, tol=1e-13, max_iter=100_000, start=None):
    """Conditional GE (Y, E fixed; resistances adjust) in hat form.

    Solves Ω̂_i = Σ_j (X_ij / Y_i) t̂_ij / Φ̂_j and Φ̂_j = Σ_i (X_ij / E_j) t̂_ij / Ω̂_i with Φ̂_ref = 1
    (Ω̂ = OMR'/OMR, Φ̂ = IMR'/IMR).

    Parameters
    ----------
    X : (N, N) array
        Baseline flows.
    that : (N, N) array
        Cost change t̂_ij = t'_ij^{1-σ} / t_ij^{1-σ}.
    Y, E : (N,) arrays
        Output and expenditure (row and column sums of X).
    ref : int
        Index of the reference country.
    tol, max_iter : float, int
        Stop rule on max |Δ log Ω̂|; iteration limit.
    start : (N,) array, optional
        Initial Ω̂.

    Returns
    -------
    omr_hat, imr_hat : (N,) arrays
    iterations : int

    Raises
    ------
    GEConvergenceError
        No convergence within ``max_iter`` iterations.

    References
    ----------
    Yotov et al. (2016), ch. 2 (conditional GE); Baier, Yotov & Zylkin (2019).
    """
    a0 = np.ones(len(Y)) if start is None else 1.0 / np.asarray(start, float)
    u = _unit(Y)  # hats do not depend on units
    om, ph, it, err = _conditional(
        np.ascontiguousarray(X, float) / u,
        np.ascontiguousarray(that, float),
        np.asarray(Y, float) / u,
        np.asarray(E, float) / u,
        int(ref),
        float(tol),
        int(max_iter),
        a0,
    )
    _check(it, err, "conditional GE", max_iter)
    return om, ph, it


def full(X, that, Y, E, sigma, ref, numeraire="reference", tol=1e-13, max_iter=100_000, start=None, deficits="ratio"):
    """Full-endowment GE (endowments fixed; factory-gate prices adjust) in hat form.

    Solves, for p̂ (Ŷ_i = p̂_i), with Ê_j = κ p̂_j (``ratio``: E_j = κ φ_j Y_j) or
    Ê_j = (Y_j p̂_j + D_j Σ_i Y_i p̂_i / Σ_i Y_i) / E_j (``additive``) or Ê_j = Y_j p̂_j / E_j
    (``balanced``: E'_j = Y'_j, the deficit purge of Dekle, Eaton & Kortum 2007, κ = 1)::

        Φ̂_j = Σ_i (X_ij / E_j) t̂_ij p̂_i^{1-σ},     p̂_i^σ = Ω̂_i = Σ_j (X_ij / Y_i) t̂_ij Ê_j / Φ̂_j,

    κ = Σ_i Y_i p̂_i / Σ_j φ_j Y_j p̂_j, by the map p̂ ← λ Ω̂(p̂)^{1/σ} with λ fixing the numeraire.

    Parameters
    ----------
    X, that : (N, N) arrays
        Baseline flows; cost change t̂_ij.
    Y, E : (N,) arrays
        Output and expenditure.
    sigma : float
        Elasticity of substitution σ > 1.
    ref : int
        Index of the reference country.
    numeraire : {"reference", "world_output"}
        P̂_ref = 1, or Σ_i Y_i p̂_i = Σ_i Y_i.
    tol, max_iter : float, int
        Stop rule on max |Δ log p̂|; iteration limit.
    start : (N,) array, optional
        Initial p̂.
    deficits : {"ratio", "additive", "balanced"}
        Imbalance closure (see above).

    Returns
    -------
    price_hat, omr_hat, imr_hat, expenditure_hat : (N,) arrays
    kappa : float
    iterations : int

    Raises
    ------
    GEConvergenceError
        No convergence, or (additive deficits) an expenditure would turn ≤ 0.

    References
    ----------
    Yotov et al. (2016), ch. 2; Dekle, Eaton & Kortum (2007); Baier, Yotov & Zylkin (2019).
    """
    u = _unit(Y)  # hats do not depend on units
    p, om, ph, eh, kap, it, err = _full(
        np.ascontiguousarray(X, float) / u,
        np.ascontiguousarray(that, float),
        np.asarray(Y, float) / u,
        np.asarray(E, float) / u,
        float(sigma),
        int(ref),
        NUMERAIRES[numeraire],
        _DEFICIT_CODES[deficits],
        float(tol),
        int(max_iter),
        _ones(len(Y), start),
    )
    if it == -3 and abs(float(sigma) - 1.0) < SIGMA_NEAR_ONE:
        raise GEInputError(_sigma_message(float(sigma), that))
    _check(it, err, "full-endowment GE", max_iter)
    return p, om, ph, eh, kap, it


def effects(X, that, Y, E, sigma, omc, phc, p, omf, phf, ehat):
    """Per-country % changes, one row per name of :data:`EFFECTS`.

    Exports and imports (international flows) from X'c_ij = X_ij t̂_ij / (Ω̂c_i Φ̂c_j) and
    X'f_ij = X_ij t̂_ij p̂_i Ê_j / (Ω̂f_i Φ̂f_j); output and price p̂_i; Π̂_i = Ω̂_i^{1/(1-σ)},
    P̂_j = Φ̂_j^{1/(1-σ)}; real GDP p̂_i / P̂_i; real exports (Σ_{j≠i} X'_ij / Σ_{j≠i} X_ij) / P̂_i,
    exports deflated by the exporter's own consumer price index; each as 100 (x̂ − 1). Nominal
    values are in units of the numeraire; real GDP and real exports do not depend on it.

    Parameters
    ----------
    X, that : (N, N) arrays
        Baseline flows; cost change.
    Y, E : (N,) arrays
        Output and expenditure.
    sigma : float
        Elasticity of substitution.
    omc, phc : (N,) arrays
        Conditional Ω̂, Φ̂ (:func:`conditional`).
    p, omf, phf, ehat : (N,) arrays
        Full-endowment p̂, Ω̂, Φ̂, Ê (:func:`full`).

    Returns
    -------
    (len(EFFECTS), N) array

    References
    ----------
    Yotov et al. (2016), ch. 2.
    """
    out = np.empty((len(EFFECTS), len(p)))
    u = _unit(Y)  # % changes do not depend on units
    _effects(
        np.ascontiguousarray(X, float) / u,
        np.ascontiguousarray(that, float),
        np.asarray(Y, float) / u,
        np.asarray(E, float) / u,
        float(sigma),
        omc,
        phc,
        p,
        omf,
        phf,
        np.asarray(ehat, float),
        out,
    )
    return out


def solve_batch(
    t_base,
    that,
    Y,
    E,
    sigma,
    ref,
    numeraire="reference",
    tol=1e-12,
    max_iter=100_000,
    start=None,
    threads: int | None = None,
    deficits: str = "ratio",
):
    """Effects of D scenarios (e.g. coefficient draws), in parallel.

    For each draw d: the baseline resistances from t_base[d] (when 3-D), the conditional and the
    full-endowment GE of ``that[d]`` (equations of :func:`conditional`, :func:`full`), and
    :func:`effects`. A numba kernel compiled with ``nogil=True`` runs on ``threads`` threads, each
    on a contiguous block of draws; results do not depend on ``threads``.

    Parameters
    ----------
    t_base : (D, N, N) or (N, N) array
        Baseline costs t^{1-σ} per draw (the baseline is re-solved per draw), or baseline *flows*
        (fixed baseline).
    that : (D, N, N) array
        Cost changes.
    Y, E : (N,) arrays
        Output and expenditure.
    sigma : float or (D,) array
        σ per draw.
    ref : int
        Index of the reference country.
    numeraire, deficits : str
        As in :func:`full`.
    tol, max_iter : float, int
        Stop rule and iteration limit of every fixed point.
    start : tuple of three (N,) arrays, optional
        Warm start (baseline OMR, conditional Ω̂, full p̂), e.g. the point estimate.
    threads : int, optional
        Default ``numba.get_num_threads()``.

    Returns
    -------
    effects : (D, len(EFFECTS), N) array
        % changes; NaN for draws that failed before the effects were computed.
    status : (D,) int array
        Codes of :data:`STATUS` (0 ok).

    References
    ----------
    Yotov et al. (2016), ch. 2; Baier, Yotov & Zylkin (2019).
    """
    that = np.ascontiguousarray(that, float)
    D, n = that.shape[0], that.shape[1]
    t_base = np.ascontiguousarray(t_base, float)
    rebuild = t_base.ndim == 3
    u = _unit(Y)  # solved on Y/u, E/u (and flows/u): effects do not depend on units
    if not rebuild:
        t_base = t_base[None] / u
    sig = np.broadcast_to(np.asarray(sigma, float), (D,)).copy()
    out = np.empty((D, len(EFFECTS), n))
    status = np.zeros(D, np.int64)
    if start is None:
        a_base = a_cdl = p0 = np.ones(n)
    else:
        a_base, a_cdl, p0 = (
            u / np.asarray(start[0], float),
            1.0 / np.asarray(start[1], float),
            np.asarray(start[2], float).copy(),
        )
    args = (
        t_base,
        that,
        np.asarray(Y, float) / u,
        np.asarray(E, float) / u,
        sig,
        int(ref),
        NUMERAIRES[numeraire],
        DEFICITS[deficits],
        float(tol),
        int(max_iter),
        rebuild,
        a_base,
        a_cdl,
        p0,
        out,
        status,
    )
    workers = max(1, min(threads or numba.get_num_threads(), D))
    bounds = np.linspace(0, D, workers + 1).astype(int)
    if workers == 1:
        _batch(*args, 0, D)
    else:
        with ThreadPoolExecutor(max_workers=workers) as ex:
            list(ex.map(lambda k: _batch(*args, bounds[k], bounds[k + 1]), range(workers)))
    return out, status


class GEResult(GEResultBase):
    """Result of :func:`solve`: ``countries`` (% changes, one row per country), ``pairs`` (flows).

    Read by the names every GE result shares (:class:`gravity.ge.results.GEResultBase`: ``countries``,
    ``deficits``, ``numeraire``, ``iterations``, ``converged``, ``baseline``).

    ``countries`` columns (% change, counterfactual vs baseline; ``_cdl`` conditional GE, ``_full``
    full-endowment GE): exports and imports (international, structural baseline flows), output Y,
    factory-gate price p, ``omr`` = Π_i (OMR^{1/(1-σ)}), ``imr`` = P_j (IMR^{1/(1-σ)}), real GDP
    Y_i / P_i (welfare) and real exports X_i / P_i (exports deflated by the exporter's own CPI).
    Exports, imports, output and prices are nominal, in units of the numeraire; ``countries.attrs``
    states it (``numeraire``, ``reference``, ``deficits``, ``units``). ``pairs``: baseline
    (structural), conditional and full flows, and the observed flow, per (exporter, importer).

    Parameters
    ----------
    baseline : Baseline
        The baseline equilibrium.
    that : (N, N) array
        Cost change t̂_ij.
    omc, phc : (N,) arrays
        Conditional Ω̂, Φ̂.
    p, omf, phf : (N,) arrays
        Full-endowment p̂, Ω̂, Φ̂.
    iterations : dict
        Iterations per stage.
    numeraire : str
        The numeraire used.
    ehat : (N,) array, optional
        Ê_j = E'_j / E_j; default (ratio deficits) κ p̂_j with κ = Σ Y p̂ / Σ E p̂.
    deficits : {"ratio", "additive"}
        The imbalance closure used.

    References
    ----------
    Yotov et al. (2016), ch. 2.
    """

    def __init__(
        self, baseline, that, omc, phc, p, omf, phf, iterations, numeraire, ehat=None, deficits="ratio", kappa=None
    ):
        self.baseline = baseline
        self.deficits = deficits
        self.cost_change = that
        self.numeraire = numeraire
        self.iterations = iterations
        self.price_hat, self.omr_hat_full, self.imr_hat_full = p, omf, phf
        self.omr_hat_cdl, self.imr_hat_cdl = omc, phc
        b = baseline
        if ehat is None:  # ratio deficits: Ê_j = κ p̂_j with κ = Σ Y p̂ / Σ E p̂
            ehat = p * (b.Y * p).sum() / (b.E * p).sum()
        self.expenditure_hat = ehat  # E'_j / E_j
        # κ: the common factor on E_j / Y_j (ratio deficits); 1 with additive deficits
        if kappa is None:  # the reference always trades (an isolated country has Ê = p̂ whatever κ)
            kappa = float(ehat[b.ref] / p[b.ref]) if deficits == "ratio" else 1.0
        self.kappa = float(kappa)
        eff = effects(b.fitted, that, b.Y, b.E, b.sigma, omc, phc, p, omf, phf, ehat)
        idx = pd.Index(b.countries, name="country")
        self.countries = pd.DataFrame(eff.T, index=idx, columns=list(EFFECTS))
        self.countries.attrs.update(numeraire_attrs(numeraire, b.reference, deficits))
        X = b.fitted
        xc = X * that / (omc[:, None] * phc[None, :])
        xf = X * that * (p[:, None] * ehat[None, :]) / (omf[:, None] * phf[None, :])
        n = b.n
        self.pairs = pd.DataFrame(
            {
                "exporter": np.repeat(b.countries, n),
                "importer": np.tile(b.countries, n),
                "observed": b.observed.ravel(),
                "baseline": X.ravel(),
                "conditional": xc.ravel(),
                "full": xf.ravel(),
                "cost_change": that.ravel(),
            }
        )
        self.flows_cdl, self.flows_full = xc, xf

    def levels(self) -> pd.DataFrame:
        """Baseline and counterfactual levels: Y, E, OMR, IMR, Π, P (reference normalisation IMR_ref = 1).

        Returns
        -------
        DataFrame
            One row per country: Y, E (baseline, full), OMR, IMR (baseline, conditional, full),
            Π = OMR^{1/(1-σ)} and P = IMR^{1/(1-σ)} of the baseline.
        """
        b = self.baseline
        s = 1.0 / (1.0 - b.sigma)
        return pd.DataFrame(
            {
                "Y_bln": b.Y,
                "Y_full": b.Y * self.price_hat,
                "E_bln": b.E,
                "E_full": b.E * self.expenditure_hat,
                "OMR_bln": b.omr,
                "OMR_cdl": b.omr * self.omr_hat_cdl,
                "OMR_full": b.omr * self.omr_hat_full,
                "IMR_bln": b.imr,
                "IMR_cdl": b.imr * self.imr_hat_cdl,
                "IMR_full": b.imr * self.imr_hat_full,
                "Pi_bln": b.omr**s,
                "P_bln": b.imr**s,
            },
            index=pd.Index(b.countries, name="country"),
        )

    def __repr__(self) -> str:
        return (
            f"GEResult({self.baseline.n} countries, sigma={self.baseline.sigma}, numeraire="
            f"{self.numeraire!r}, iterations={self.iterations})"
        )


def numeraire_attrs(numeraire: str, reference: str, deficits: str) -> dict:
    """The ``attrs`` of a per-country effects table: numeraire, reference, deficit rule and units.

    Parameters
    ----------
    numeraire : {"reference", "world_output"}
    reference : str
        The baseline's reference country.
    deficits : str
        The imbalance closure.

    Returns
    -------
    dict of str to str
    """
    unit = (
        f"P_{reference} = 1 (the reference country's consumer price index)"
        if numeraire == "reference"
        else "world output Σ_i Y_i unchanged"
    )
    return {
        "numeraire": numeraire,
        "reference": str(reference),
        "deficits": deficits,
        "units": f"nominal changes (exports, imports, output, price) against the numeraire, {unit}; "
        "real_gdp = Y_i / P_i and real_exports = X_i / P_i (own consumer price index) "
        "do not depend on it",
    }


def cost_change_matrix(baseline, cost_change=None, new_costs=None) -> np.ndarray:
    """The cost change t̂_ij = t'_ij^{1-σ} / t_ij^{1-σ} as an (N, N) matrix in the baseline's order.

    Parameters
    ----------
    baseline : Baseline
        Gives the country order and the baseline costs t_ij^{1-σ}.
    cost_change : array, Series or DataFrame, optional
        t̂ directly; a Series/DataFrame may list only the pairs that change (others t̂ = 1).
    new_costs : array, Series or DataFrame, optional
        t'^{1-σ}; pairs a Series/DataFrame does not list keep their baseline cost. t̂ = 1 where the
        baseline cost is 0.

    Returns
    -------
    (N, N) array

    Raises
    ------
    GEInputError
        Neither or both given; positive new cost where the baseline cost is 0 (a hat-algebra
        counterfactual cannot create trade); a non-finite or negative t̂ (first bad pair named).

    References
    ----------
    Yotov et al. (2016), ch. 2; Dekle, Eaton & Kortum (2007) (hat algebra).
    """
    if (cost_change is None) == (new_costs is None):
        raise GEInputError(
            "give exactly one of cost_change= (t'/t, the change in t^{1-σ}) or "
            "new_costs= (counterfactual levels of t^{1-σ})"
        )
    b = baseline
    for name, given in (("cost_change", cost_change), ("new_costs", new_costs)):
        _refuse_nan_pairs(given, name)
    if cost_change is not None:
        that = align_pairs(cost_change, b.countries, name="cost_change", fill=1.0)
    else:
        if isinstance(new_costs, (pd.Series, pd.DataFrame)):
            new = align_pairs(new_costs, b.countries, name="new_costs", fill=np.nan)
            new = np.where(np.isnan(new), b.costs, new)
        else:
            new = align_pairs(new_costs, b.countries, name="new_costs")
        zero = b.costs == 0
        if (zero & (new > 0)).any():
            i, j = np.nonzero(zero & (new > 0))
            raise GEInputError(
                f"new_costs: {len(i)} pairs have zero baseline cost (no trade) but a "
                f"positive counterfactual cost, e.g. {b.countries[i[0]]}->{b.countries[j[0]]}; "
                "a hat-algebra counterfactual cannot create trade where the baseline has "
                "none — give the baseline estimated (positive) costs"
            )
        with np.errstate(divide="ignore", invalid="ignore"):
            that = np.where(zero, 1.0, new / np.where(zero, 1.0, b.costs))
    bad = ~np.isfinite(that) | (that < 0)
    if bad.any():
        i, j = np.nonzero(bad)
        raise GEInputError(
            f"cost change must be finite and ≥ 0; {len(i)} bad pairs, e.g. "
            f"{b.countries[i[0]]}->{b.countries[j[0]]} = {that[i[0], j[0]]}"
        )
    return that


def _refuse_nan_pairs(values, name: str) -> None:
    """A pair a Series/DataFrame lists with a NaN value is an error (it used to be read as "no change")."""
    if not isinstance(values, (pd.Series, pd.DataFrame)):
        return
    if isinstance(values, pd.DataFrame):
        cols = [c for c in values.columns if c not in ("exporter", "importer")]
        if len(cols) != 1:
            return  # align_pairs names the problem
        keys = (
            values[["exporter", "importer"]].astype(str).agg("->".join, axis=1)
            if {"exporter", "importer"} <= set(values.columns)
            else values.index.astype(str)
        )
        vals = pd.to_numeric(values[cols[0]], errors="coerce")
    else:
        keys = pd.Index(["->".join(map(str, k)) if isinstance(k, tuple) else str(k) for k in values.index])
        vals = pd.to_numeric(values, errors="coerce")
    bad = vals.isna().to_numpy()
    if bad.any():
        shown = ", ".join(f"{k} = nan" for k in list(pd.Index(keys)[bad][:8]))
        more = f" and {int(bad.sum()) - 8} more" if bad.sum() > 8 else ""
        raise GEInputError(
            f"{name}: {int(bad.sum())} of {len(bad)} listed pairs are NaN or not numbers ({shown}"
            f"{more}); a NaN cost would be read as 'no change'. Fix: compute them (a NaN cost usually "
            "comes from a NaN covariate or coefficient) or leave those pairs out of the Series, "
            "which keeps their baseline cost"
        )


def check_trade_structure(baseline, that: np.ndarray) -> None:
    """Refuse a cost change after which no equilibrium exists, naming the country and the reason.

    With K_ij = X̂_ij t̂_ij (flows that remain possible), the hat-algebra GE needs, for every country i:

    * trading with nobody (K_ij = K_ji = 0 for all j ≠ i): balanced trade, Y_i = E_i (a closed economy
      spends what it produces; such a country is solved as an economy of its own, its real effects 0);
    * selling to nobody but buying: a deficit, E_i > Y_i (its output is bought at home only);
    * buying from nobody but selling: a surplus, Y_i > E_i (it spends at home only);
    * the countries that trade form one group with the reference (a group trading only among itself
      has no price level against the numeraire).

    Parameters
    ----------
    baseline : Baseline
    that : (N, N) array
        The cost change t̂.

    Raises
    ------
    GEInputError
        Naming the countries, the reason and the fix (also :func:`check_reference_trades`).
    """
    b = baseline
    K = b.fitted * that
    off = ~np.eye(b.n, dtype=bool)
    sells = ((K > 0) & off).any(axis=1)
    buys = ((K > 0) & off).any(axis=0)
    check_reference_trades(b, that)
    gap = (b.E - b.Y) / b.Y  # deficit share of output
    eps = 1e-9
    names = b.countries

    def pct(k):
        return f"{names[k]} (E/Y - 1 = {gap[k]:+.3%})"

    alone = np.flatnonzero(~sells & ~buys & (np.abs(gap) > eps))
    if alone.size:
        raise GEInputError(
            f"{', '.join(pct(k) for k in alone[:8])} trade(s) with no other country after the change, so each must "
            "spend exactly what it produces, but its baseline expenditure differs from its output: no equilibrium "
            "keeps that deficit or surplus. Fix: purge the deficits first (gravity.ge.purge_deficits(baseline)) "
            "or keep some of its trade"
        )
    seller = np.flatnonzero(~sells & buys & (gap <= eps))
    if seller.size:
        raise GEInputError(
            f"{', '.join(pct(k) for k in seller[:8])} can sell to no other country after the change but still buys "
            "from others: its output is then bought at home only, which needs a deficit (expenditure above output), "
            "and it has none, so the GE with output and expenditure of the baseline has no solution. Fix: keep some "
            "of its exports (a one-way embargo on a country without a deficit), or purge the deficits first"
        )
    buyer = np.flatnonzero(sells & ~buys & (gap >= -eps))
    if buyer.size:
        raise GEInputError(
            f"{', '.join(pct(k) for k in buyer[:8])} can buy from no other country after the change but still sells "
            "to others: it then spends at home only, which needs a surplus (output above expenditure), and it has "
            "none, so the GE with output and expenditure of the baseline has no solution. Fix: keep some of its "
            "imports (a one-way embargo on a country without a surplus), or purge the deficits first"
        )
    from scipy.sparse import coo_matrix
    from scipy.sparse.csgraph import connected_components

    i, j = np.nonzero((K > 0) & off)
    ncomp, lab = connected_components(coo_matrix((np.ones(i.size), (i, j)), shape=(b.n, b.n)), directed=False)
    groups = [np.flatnonzero(lab == c) for c in range(ncomp)]
    cut = [g for g in groups if g.size > 1 and lab[b.ref] != lab[g[0]]]
    if cut:
        g = cut[0]
        raise GEInputError(
            f"after the change {', '.join(names[g][:10])}{' ...' if g.size > 10 else ''} trade only among "
            f"themselves, with no flow to or from the group of the reference {b.reference!r}: their prices cannot "
            "be stated against the numeraire. Fix: keep at least one trade link between the groups, or solve each "
            f"group with its own baseline (reference inside it)"
        )


def check_reference_trades(baseline, that: np.ndarray) -> None:
    """Refuse a reference country that trades with no other country before or after the change.

    A country with X̂_ij t̂_ij = X̂_ji t̂_ji = 0 for every j ≠ i is an economy of its own: it is solved as one
    (its nominal price stays at its starting value; its real GDP changes only by the loss of the trade it
    had, :func:`check_trade_structure`), but as the reference it would fix the price level of itself only,
    leaving the rest of the world's undetermined (the full-GE fixed point then never converges).

    Parameters
    ----------
    baseline : Baseline
    that : (N, N) array
        The cost change t̂.

    Raises
    ------
    GEInputError
        Naming the reference, the trading countries to choose from, and the fix.
    """
    X = baseline.fitted * that
    off = ~np.eye(baseline.n, dtype=bool)
    trades = ((X > 0) & off).any(axis=1) | ((X > 0) & off).any(axis=0)
    if not trades[baseline.ref] and trades.any():
        raise GEInputError(
            f"reference country {baseline.reference!r} trades with no other country, so it cannot "
            "set the price level of the others. Fix: build the baseline with a reference that "
            f"trades, e.g. reference={str(baseline.countries[trades][0])!r}"
        )


def solve(
    baseline,
    cost_change=None,
    *,
    new_costs=None,
    numeraire: Numeraire = "reference",
    deficits: DeficitRule = "ratio",
    tol: float = 1e-13,
    max_iter: int = 100_000,
) -> GEResult:
    """Conditional and full-endowment GE effects of a change in trade costs (exact hat algebra).

    ``cost_change`` is t̂_ij = t'_ij^{1-σ} / t_ij^{1-σ} (e.g. ``exp(-β_border)`` on international
    pairs to remove borders), an (N, N) matrix in ``baseline.countries`` order or a Series/DataFrame
    keyed by (exporter, importer) listing the pairs that change; or give ``new_costs`` (levels of
    t^{1-σ} after the change, e.g. :func:`gravity.ge.trade_costs` on changed covariates).
    ``numeraire``: ``"reference"`` (P_ref unchanged, the book's) or ``"world_output"``
    (Σ_i Y_i unchanged). Real effects (real GDP, relative prices) do not depend on it.
    ``deficits``: ``"ratio"`` (the book's E_j / Y_j fixed, with one common κ so that world
    expenditure equals world output) or ``"additive"`` (D_j = E_j − Y_j fixed as a share of world
    output: E'_j = Y'_j + D_j Σ Y' / Σ Y, as ge_gravity's default).

    The conditional GE solves Ω̂_i = Σ_j (X_ij / Y_i) t̂_ij / Φ̂_j, Φ̂_j = Σ_i (X_ij / E_j) t̂_ij / Ω̂_i;
    the full-endowment GE p̂_i^σ = Σ_j (X_ij / Y_i) t̂_ij Ê_j / Φ̂_j, Φ̂_j = Σ_i (X_ij / E_j) t̂_ij p̂_i^{1-σ}
    (module docstring), both on the structural baseline flows X = ``baseline.fitted``.

    Parameters
    ----------
    baseline : Baseline
        The baseline equilibrium (:meth:`gravity.ge.Baseline.from_trade`).
    cost_change, new_costs : see :func:`cost_change_matrix`
        Exactly one of them.
    numeraire : {"reference", "world_output"}
    deficits : {"ratio", "additive"}
    tol : float
        Stop rule: max |Δ log| of the iterate below ``tol``.
    max_iter : int
        Iteration limit of each fixed point.

    Returns
    -------
    GEResult

    Raises
    ------
    GEInputError
        Unknown numeraire or deficit rule, a bad cost change (:func:`cost_change_matrix`), or a reference
        country that trades with nobody (:func:`check_reference_trades`; other isolated countries are
        solved: their real effects are 0).
    GEConvergenceError
        A fixed point did not converge, or an additive deficit would make an expenditure ≤ 0.

    References
    ----------
    Yotov et al. (2016), ch. 2; Anderson & van Wincoop (2003); Dekle, Eaton & Kortum (2007);
    Baier, Yotov & Zylkin (2019).
    """
    numeraire = check_numeraire(numeraire)
    if check_deficit_rule(deficits) == "balanced":
        raise GEInputError(
            "deficits='balanced' is not a closure of a scenario (it would mix the deficit "
            "purge into the policy effect): purge the baseline first with "
            "gravity.ge.purge_deficits(base) and solve on it, or use "
            "gravity.ge.compare_deficit_rules, which does both"
        )
    check_options(tol, max_iter)
    b = baseline
    that = cost_change_matrix(b, cost_change, new_costs)
    check_trade_structure(b, that)
    omc, phc, it_c = conditional(b.fitted, that, b.Y, b.E, b.ref, tol, max_iter)
    p, omf, phf, eh, kap, it_f = full(
        b.fitted, that, b.Y, b.E, b.sigma, b.ref, numeraire, tol, max_iter, deficits=deficits
    )
    res = GEResult(
        b, that, omc, phc, p, omf, phf, {"conditional": it_c, "full": it_f}, numeraire, eh, deficits, kappa=kap
    )
    eff = res.countries.to_numpy()
    if not np.isfinite(eff).all():
        rows, cols = np.nonzero(~np.isfinite(eff))
        where = ", ".join(f"{b.countries[r]} {res.countries.columns[c]}" for r, c in list(zip(rows, cols))[:6])
        if abs(b.sigma - 1.0) < SIGMA_NEAR_ONE:
            raise GEInputError(_sigma_message(b.sigma, that) + f" (non-finite: {where})")
        raise GEConvergenceError(
            f"the effects left the floating-point range ({where}); the cost change is too "
            "large for double precision. Fix: check the cost change and sigma"
        )
    return res
