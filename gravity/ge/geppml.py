"""GEPPML: the GE counterfactual through re-estimated PPML fixed effects (Yotov et al. 2016, ch. 2).

PPML with exporter and importer fixed effects and the trade costs as offset,

    y_ij = exp(π_i + χ_j + ln t_ij^{1-σ}) + ε_ij ,   χ_ref = 0,

returns fitted flows whose row and column sums equal those of y (the Poisson first-order
conditions), so the fixed effects *are* the multilateral resistances:

    OMR_i = Y_i E_ref / exp(π_i),   IMR_j = E_j / (exp(χ_j) E_ref)          (IMR_ref = 1).

This module runs the counterfactual with those fixed effects only — no hat algebra:

* :func:`geppml` — the exact fixed point. Conditional: re-fit the observed flows with the
  counterfactual costs as offset. Full endowment: iterate on factory-gate prices; each step fits
  a flow matrix with margins Y'_i = p̂_i Y_i and E'_j = κ φ_j Y'_j (κ keeps Σ E' = Σ Y') under the
  counterfactual offset and sets p̂_i = (OMR'_i / OMR_i)^{1/σ}, until max |Δ log p̂| < tol.
* :func:`book_loop` — the book's Stata loop verbatim (``TradeWithoutBorder.do``, ``RTAsEffects.do``):
  it re-fits ``trade_s = tradehat_{s-1} · p̂_i p̂_j / (ΔOMR_i ΔIMR_j)``, updates Y, E = φY, E_R
  and prices from the fixed effects, and stops when both the standard deviation and |max| of the
  change in the price update fall below ``stop`` (0.01 in the book). It reproduces the published
  tables; it stops early, and even run to convergence its end point does not satisfy the
  expenditure identity Σ_i X_ij = E_j (the fitted column sums never target φ_j Y_j), so it is
  kept for replication, not as the default.

The fixed-effects fit is pluggable: ``fit="ppml"`` uses :func:`gravity.ppml` (the project's
estimator), ``fit="scaling"`` solves the same first-order conditions by matrix scaling (exact for
two-way fixed effects and an offset).

References
----------
Yotov, Y. V., Piermartini, R., Monteiro, J.-A. & Larch, M. (2016). *An Advanced Guide to Trade
Policy Analysis: The Structural Gravity Model*, ch. 2 (GEPPML). WTO/UNCTAD.
Fally, T. (2015). Structural gravity and fixed effects. *Journal of International Economics* 97(1).
Anderson, J. E. & van Wincoop, E. (2003). Gravity with gravitas. *American Economic Review* 93(1).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Literal

import numpy as np
import pandas as pd

from gravity.ge._kernels import _scale
from gravity.ge.baseline import Baseline
from gravity.ge.errors import GEConvergenceError, GEInputError
from gravity.ge.options import DeficitRule, check_deficit_rule
from gravity.ge.solver import GEResult, cost_change_matrix
from gravity.options import validator

log = logging.getLogger("gravity.ge")

__all__ = ["geppml", "book_loop", "scaling_fit", "ppml_fit", "FixedEffectsFit"]

# fit(y, costs, baseline) -> (fitted (N, N), exp_pi (N,), exp_chi (N,) with exp_chi[ref] = 1)
FixedEffectsFit = Callable[[np.ndarray, np.ndarray, Baseline], tuple]


def scaling_fit(y: np.ndarray, costs: np.ndarray, base: Baseline, tol: float = 1e-14):
    """Two-way fixed-effects PPML with offset ln(costs), solved from its first-order conditions.

    μ_ij = costs_ij a_i b_j with Σ_j μ_ij = Σ_j y_ij, Σ_i μ_ij = Σ_i y_ij, b_ref = 1; then
    exp(π_i) = a_i, exp(χ_j) = b_j.

    Parameters
    ----------
    y : (N, N) array
        Flows to fit.
    costs : (N, N) array
        t_ij^{1-σ} (the offset is ln t).
    base : Baseline
        Gives N and the reference country.
    tol : float
        Stop rule of the scaling (max |Δ log a|).

    Returns
    -------
    fitted : (N, N) array
    exp_pi, exp_chi : (N,) arrays
        exp(π_i), exp(χ_j) with exp(χ_ref) = 1.

    Raises
    ------
    GEConvergenceError
        The scaling did not converge.

    References
    ----------
    Fally (2015); Yotov et al. (2016), ch. 2.
    """
    a, b, it, err = _scale(
        np.ascontiguousarray(costs, float), y.sum(axis=1), y.sum(axis=0), base.ref, tol, 1_000_000, np.ones(base.n)
    )
    if it < 0:
        raise GEConvergenceError(f"fixed-effects scaling did not converge (max |Δ log| {err:.3g})")
    return costs * a[:, None] * b[None, :], a, b


def ppml_fit(y: np.ndarray, costs: np.ndarray, base: Baseline, tol: float = 1e-12):
    """The same fit with :func:`gravity.estimation.ppml.ppml` (``y ~ 1 | exporter + importer``, offset ln t).

    y_ij = exp(π_i + χ_j + ln t_ij) + ε_ij. Pairs with zero cost (no possible trade) are left out;
    the fixed effects are re-based so that the reference importer's is 0 (exp(χ_ref) = 1), whatever
    normalisation the estimator uses.

    Parameters
    ----------
    y, costs : (N, N) arrays
        Flows to fit; t_ij^{1-σ}.
    base : Baseline
        Gives the country codes and the reference country.
    tol : float
        Convergence tolerance of the PPML fit.

    Returns
    -------
    fitted : (N, N) array
    exp_pi, exp_chi : (N,) arrays
        exp(π_i), exp(χ_j) with exp(χ_ref) = 1.

    Raises
    ------
    GEConvergenceError
        The estimator dropped pairs or returned no fixed effect for a country.

    References
    ----------
    Yotov et al. (2016), ch. 2; Correia, Guimarães & Zylkin (2020), ppmlhdfe.
    """
    from gravity.estimation.multi import only_fit
    from gravity.estimation.ppml import ppml  # here, not at the top: `import gravity.ge` stays light

    n = base.n
    c = base.countries
    df = pd.DataFrame(
        {
            "exporter": np.repeat(c, n),
            "importer": np.tile(c, n),
            "y": np.asarray(y, float).ravel(),
            "t": np.asarray(costs, float).ravel(),
        }
    )
    keep = df["t"] > 0
    d = df[keep].copy()
    d["off"] = np.log(d["t"])
    res = only_fit(ppml("y ~ 1 | exporter + importer", d, offset="off", tol=tol))
    fitted = res.predict(type="response").reindex(d.index)
    if fitted.isna().any():
        raise GEConvergenceError(
            f"ppml dropped {int(fitted.isna().sum())} pairs (separation?); GEPPML "
            "needs every pair with a positive cost in the fit"
        )
    mu = np.zeros(n * n)
    mu[keep.to_numpy()] = fitted.to_numpy(float)
    fe = res.fixef()
    # re-base: π, χ only matter through exp(π_i + χ_j); put χ_ref = 0 whatever the estimator's choice
    ex = fe["exporter"].reindex(c).to_numpy(float)
    im = fe["importer"].reindex(c).to_numpy(float)
    if np.isnan(ex).any() or np.isnan(im).any():
        raise GEConvergenceError("ppml returned no fixed effect for some countries")
    shift = im[base.ref]
    # anything not in the fixed effects (an intercept) is recovered from the fit itself
    lvl = (
        np.log(mu[keep.to_numpy()])
        - d["off"].to_numpy()
        - (
            ex[d["exporter"].map({k: i for i, k in enumerate(c)}).to_numpy()]
            + im[d["importer"].map({k: i for i, k in enumerate(c)}).to_numpy()]
        )
    )
    const = float(np.median(lvl))
    exp_pi = np.exp(ex + shift + const)
    exp_chi = np.exp(im - shift)
    return mu.reshape(n, n), exp_pi, exp_chi


FitRoute = Literal["ppml", "scaling"]
"""The fixed-effects fit of :func:`geppml` and :func:`book_loop` when no callable is given."""
check_fit_route = validator(FitRoute, "fit", GEInputError, hint="or pass a callable fit(y, costs, base)")


def _get_fit(fit) -> FixedEffectsFit:
    if callable(fit):
        return fit
    return {"ppml": ppml_fit, "scaling": scaling_fit}[check_fit_route(fit)]


def _new_costs(base: Baseline, cost_change, new_costs) -> tuple[np.ndarray, np.ndarray]:
    that = cost_change_matrix(base, cost_change, new_costs)
    t1 = base.costs * that
    if (base.costs <= 0).any():
        raise GEInputError(
            "GEPPML needs positive baseline costs on every pair (an offset of ln 0 is "
            "undefined); use estimated costs, not costs=None with zero flows"
        )
    return that, t1


def geppml(
    base: Baseline,
    cost_change=None,
    *,
    new_costs=None,
    fit="ppml",
    deficits: DeficitRule = "ratio",
    tol: float = 1e-10,
    max_iter: int = 500,
) -> GEResult:
    """Conditional and full-endowment GE by re-estimated fixed effects (exact fixed point).

    Conditional: fit y = X (observed) with offset ln t'_ij; OMR'_i = Y_i E_ref / exp(π'_i),
    IMR'_j = E_j / (exp(χ'_j) E_ref). Full endowment: iterate p̂_i = (OMR'_i / OMR_i)^{1/σ}, each step
    fitting a flow matrix with margins Y'_i = p̂_i Y_i and E'_j (``ratio``: κ φ_j Y'_j; ``additive``:
    Y'_j + D_j Σ Y' / Σ Y) under the offset ln t'_ij. The same fixed point as :func:`gravity.ge.solve`.

    Parameters
    ----------
    base : Baseline
    cost_change, new_costs : see :func:`gravity.ge.solver.cost_change_matrix`
        Exactly one of them.
    fit : {"ppml", "scaling"} or callable
        The fixed-effects fit (``fit(y, costs, base) -> (fitted, exp_pi, exp_chi)``).
    deficits : {"ratio", "additive"}
    tol : float
        Bound on max |Δ log p̂| between iterations; each iteration is one fit.
    max_iter : int
        Iteration limit.

    Returns
    -------
    GEResult
        Numeraire: the reference country's P_ref = 1.

    Raises
    ------
    GEInputError
        Unknown ``deficits`` or ``fit``, a bad cost change, or a zero baseline cost.
    GEConvergenceError
        No convergence in ``max_iter`` fits, or an additive deficit makes an expenditure ≤ 0.

    References
    ----------
    Yotov et al. (2016), ch. 2 (GEPPML); Anderson & van Wincoop (2003).
    """
    if check_deficit_rule(deficits) == "balanced":
        raise GEInputError(
            "geppml: deficits='balanced' is not a closure of a scenario; purge the baseline first "
            "(gravity.ge.purge_deficits) and solve on it with 'ratio' or 'additive'"
        )
    f = _get_fit(fit)
    that, t1 = _new_costs(base, cost_change, new_costs)
    sigma, ref = base.sigma, base.ref
    Y, E = base.Y, base.E
    _, pi0, chi0 = f(base.observed, base.costs, base)
    _, pic, chic = f(base.observed, t1, base)
    # OMR = Y E_R / exp(π), IMR = E / (exp(χ) E_R): with Y, E fixed the hats are ratios of FEs
    omc, phc = pi0 / pic, chi0 / chic
    omr0 = Y * E[ref] / pi0
    phi = E / Y

    def expenditure(Y1):
        if deficits == "ratio":  # E'_j = κ φ_j Y'_j, κ: world expenditure = world output
            E1 = phi * Y1
            return E1 * Y1.sum() / E1.sum()
        E1 = Y1 + (E - Y) * Y1.sum() / Y.sum()  # deficits fixed as a share of world output
        if (E1 <= 0).any():
            raise GEConvergenceError("additive deficits: an expenditure would turn ≤ 0; use deficits='ratio'")
        return E1

    p = np.ones(base.n)
    err = np.inf
    for it in range(1, max_iter + 1):  # noqa: B007 (it, the number of fits, is logged after the loop)
        Y1 = p * Y
        E1 = expenditure(Y1)
        y = np.outer(Y1, E1) / Y1.sum()
        _, pi1, chi1 = f(y, t1, base)
        omr1 = Y1 * E1[ref] / pi1
        p_new = (omr1 / omr0) ** (1.0 / sigma)
        err = float(np.max(np.abs(np.log(p_new / p))))
        p = p_new
        if err < tol:
            break
    else:
        raise GEConvergenceError(
            f"GEPPML full-endowment loop did not converge in {max_iter} fits (last max |Δ log p̂| = {err:.3g})"
        )
    Y1 = p * Y
    E1 = expenditure(Y1)
    _, pi1, chi1 = f(np.outer(Y1, E1) / Y1.sum(), t1, base)
    omf = (Y1 * E1[ref] / pi1) / omr0
    imr0 = E / (chi0 * E[ref])
    phf = (E1 / (chi1 * E1[ref])) / imr0
    log.info("GEPPML: %d full-endowment fits, last max |Δ log p̂| %.2g", it, err)
    return GEResult(base, that, omc, phc, p, omf, phf, {"conditional": 1, "full": it}, "reference", E1 / E, deficits)


def _trend(history) -> str:
    if len(history) < 2:
        return "n/a"
    sds = [h[0] for h in history]
    k = int(np.argmin(sds[1:])) + 1
    verdict = "growing: the loop diverges" if sds[-1] > 2 * sds[k] else "not yet below the rule"
    return f"smallest {sds[k]:.3g} at iteration {k + 1}, last {sds[-1]:.3g} ({verdict})"


def book_loop(
    base: Baseline, cost_change=None, *, new_costs=None, fit="scaling", stop: float = 0.01, max_iter: int = 1000
) -> tuple[pd.DataFrame, int]:
    """The book's GEPPML loop (Stata do-files of ch. 2) with its stopping rule.

    Iteration s re-fits trade_s = X̂_{s-1} · p̂_i p̂_j / (ΔOMR_i ΔIMR_j) with the counterfactual costs as
    offset, updates Y_i = Σ_j X̂_ij, E_j = φ_j Y_j and p̂_i = ((exp π_i^s / exp π_i^{s-1}) /
    (E_ref^s / E_ref^{s-1}))^{1/(1-σ)}, and stops when the standard deviation and |max| of the change
    in the price update are both ≤ ``stop``.

    Parameters
    ----------
    base : Baseline
    cost_change, new_costs : see :func:`gravity.ge.solver.cost_change_matrix`
    fit : {"scaling", "ppml"} or callable
        The fixed-effects fit.
    stop : float
        The book's stopping rule (0.01).
    max_iter : int
        Iteration limit.

    Returns
    -------
    results : DataFrame
        Per country, the book's definitions (``change_*`` in percent, baseline → counterfactual;
        levels ``*_BLN``, ``*_CDL``, ``*_FULL``); ``attrs["history"]`` has the rule's statistics.
    iterations : int

    Raises
    ------
    GEConvergenceError
        The loop diverged or the rule was not met in ``max_iter`` iterations.

    References
    ----------
    Yotov et al. (2016), ch. 2 (``TradeWithoutBorder.do``, ``RTAsEffects.do``).
    """
    f = _get_fit(fit)
    _, t1 = _new_costs(base, cost_change, new_costs)
    sigma, ref, n = base.sigma, base.ref, base.n
    e = 1.0 / (1.0 - sigma)
    Y, E = base.Y, base.E
    ER = E[ref]
    phi = E / Y
    mu0, pi0, chi0 = f(base.observed, base.costs, base)
    muc, pic, chic = f(base.observed, t1, base)
    omr_bln, imr_bln = Y * ER / pi0, E / (chi0 * ER)
    omr_cdl, imr_cdl = Y * ER / pic, E / (chic * ER)
    # s = 1: conditional values; s = 0: baseline
    mu = muc
    pi_prev, er_prev = pic, ER
    pr_prev = np.zeros(n)  # change_pricei_0 = 0
    pr = ((pic / pi0) / 1.0) ** e  # change_pricei_1
    d_omr, d_imr = np.ones(n), np.ones(n)
    omr_prev, imr_prev = omr_cdl, imr_cdl
    s = 0
    history: list[tuple] = []
    while True:
        s += 1
        y = mu * pr[:, None] * pr[None, :] / (d_omr[:, None] * d_imr[None, :])
        try:
            if not np.isfinite(y).all():
                raise FloatingPointError("non-finite flows")
            with np.errstate(over="raise", divide="raise", invalid="raise"):
                mu, pi_s, chi_s = f(y, t1, base)
        except (ZeroDivisionError, FloatingPointError, GEConvergenceError) as exc:
            raise GEConvergenceError(
                f"book loop diverged at iteration {s} ({exc}); standard deviation of "
                f"the price-update change: {_trend(history)}"
            ) from None
        Ys = mu.sum(axis=1)
        Es = phi * Ys
        ERs = Es[ref]
        pr_new = ((pi_s / pi_prev) / (ERs / er_prev)) ** e
        omr_s, imr_s = Ys * ERs / pi_s, Es / (chi_s * ERs)
        d_omr, d_imr = omr_s / omr_prev, imr_s / imr_prev
        dif = pr - pr_prev  # dif_change_pi_{s-1} = p_{s-2} - p_{s-3}
        sd, mx = float(np.std(dif, ddof=1)), abs(float(dif.max()))
        log.debug("book loop iteration %d: sd %.3g, |max| %.3g of the price-update change", s, sd, mx)
        history.append((sd, mx))
        pr_prev, pr = pr, pr_new
        omr_prev, imr_prev, pi_prev, er_prev = omr_s, imr_s, pi_s, ERs
        if (sd <= stop and mx <= stop) or s >= max_iter:
            break
    if s >= max_iter and not (sd <= stop and mx <= stop):
        raise GEConvergenceError(
            f"book loop: stopping rule (sd and |max| ≤ {stop}) not met in {max_iter} "
            f"iterations; standard deviation of the price-update change: {_trend(history)}"
        )
    p = ((pi_s / pi0) / (ERs / ER)) ** e
    Yf = p * Y
    Ef = phi * Yf
    omr_f = Yf * ERs / pi_s
    imr_f = Es / (chi_s * ERs)
    Xf = Yf[:, None] * Ef[None, :] * t1 / (imr_f[None, :] * omr_f[:, None])
    off = ~np.eye(n, dtype=bool)
    xi_bln = (mu0 * off).sum(axis=1)
    xi_cdl = (muc * off).sum(axis=1)
    xi_full = (Xf * off).sum(axis=1)
    pct = lambda a, b: (a / b - 1.0) * 100.0  # noqa: E731
    out = pd.DataFrame(
        {
            "change_Xi_CDL": pct(xi_cdl, xi_bln),
            "change_Xi_FULL": pct(xi_full, xi_bln),
            "change_price_FULL": (p - 1.0) * 100.0,
            "change_OMR_CDL": pct(omr_cdl**e, omr_bln**e),
            "change_OMR_FULL": pct(omr_f**e, omr_bln**e),
            "change_IMR_CDL": pct(imr_cdl**e, imr_bln**e),
            "change_IMR_FULL": pct(imr_f**e, imr_bln**e),
            "change_rGDP_FULL": pct(Yf / imr_f**e, Y / imr_bln**e),
            "Xi_BLN": xi_bln,
            "Xi_CDL": xi_cdl,
            "Xi_FULL": xi_full,
            "Y_FULL": Yf,
            "OMR_BLN": omr_bln,
            "OMR_CDL": omr_cdl,
            "OMR_FULL": omr_f,
            "IMR_BLN": imr_bln,
            "IMR_CDL": imr_cdl,
            "IMR_FULL": imr_f,
            "pricei_FULL": p,
        },
        index=pd.Index(base.countries, name="country"),
    )
    out.attrs["history"] = pd.DataFrame(history, columns=["sd", "abs_max"], index=range(1, s + 1))
    out.attrs["flows_full"] = Xf
    out.attrs["expenditure_full"] = Ef
    log.info("book loop: %d iterations (stop %.3g)", s, stop)
    return out, s
