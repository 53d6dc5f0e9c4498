"""Trade imbalances in the GE: a balanced-trade baseline and the deficit rules side by side.

A country's expenditure E_j differs from its output Y_j by its deficit D_j = E_j − Y_j. A
counterfactual must say what happens to D_j when prices move, and the choice can move a country's
result more than the policy does (Hong Kong in the book's data). Three rules (:data:`DEFICIT_RULES`, defined
in :mod:`gravity.ge.options` with their meaning in the multi-sector model):

* ``ratio`` (κ rule, the book's): E'_j = κ φ_j Y'_j with φ_j = E_j / Y_j fixed and one common κ so
  that world expenditure equals world output;
* ``additive`` (ge_gravity's default): E'_j = Y'_j + D_j Σ_i Y'_i / Σ_i Y_i, each deficit fixed as a
  share of world output;
* ``balanced`` (Dekle, Eaton & Kortum 2007): the deficits are purged first — the full-endowment GE
  with unchanged trade costs and E'_j = Y'_j (:func:`purge_deficits`) — and the scenario is solved on
  that balanced baseline, where E = Y makes the other two rules coincide.

References
----------
Dekle, R., Eaton, J. & Kortum, S. (2007). Unbalanced trade. *American Economic Review* 97(2).
Yotov, Y. V., Piermartini, R., Monteiro, J.-A. & Larch, M. (2016). *An Advanced Guide to Trade
Policy Analysis: The Structural Gravity Model*, ch. 2. WTO/UNCTAD.
Baier, S. L., Yotov, Y. V. & Zylkin, T. (2019). On the widely differing effects of free trade
agreements. *Journal of International Economics* 116.
Yotov, Y. V. (2025). ge_gravity2: general equilibrium gravity with deficit options. *Stata Journal*
(the deficit options side by side).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from gravity.ge.baseline import Baseline
from gravity.ge.errors import GEInputError
from gravity.ge.options import DEFICIT_RULES, DeficitRule, Numeraire, check_numeraire
from gravity.ge.solver import cost_change_matrix, full, numeraire_attrs, solve, solve_resistances

__all__ = ["DEFICIT_RULES", "purge_deficits", "compare_deficit_rules"]


def purge_deficits(
    baseline: Baseline, *, numeraire: Numeraire = "world_output", tol: float = 1e-13, max_iter: int = 100_000
) -> Baseline:
    """Balanced-trade baseline: the full-endowment GE with unchanged trade costs and E'_j = Y'_j.

    In exact hat algebra (t̂_ij = 1, Ŷ_i = p̂_i, Ê_j = Y_j p̂_j / E_j)::

        Φ̂_j = Σ_i (X_ij / E_j) p̂_i^{1-σ},     p̂_i^σ = Σ_j (X_ij / Y_i) Ê_j / Φ̂_j,

    with the numeraire fixing the scale of p̂. The purged baseline has Y'_i = Y_i p̂_i, E'_j = Y'_j,
    the same costs t_ij^{1-σ}, σ and reference, resistances re-solved from (t, Y', E') with
    IMR_ref = 1, and flows X'_ij = Y'_i E'_j t_ij / (OMR'_i IMR'_j) (equal to the hat-algebra
    X_ij p̂_i^{1-σ} Ê_j / Φ̂_j), which serve as both ``observed`` and ``fitted``: a new square table in
    which every country's row sum equals its column sum.

    Parameters
    ----------
    baseline : Baseline
        The baseline with its observed imbalances.
    numeraire : {"world_output", "reference"}
        ``world_output`` (default) keeps Σ_i Y'_i = Σ_i Y_i, so the purged flows are in the data's
        units; ``reference`` keeps the reference country's consumer price index, P̂_ref = 1.
    tol, max_iter : float, int
        Stop rule (max |Δ log p̂|) and iteration limit of the fixed point and the resistance solve.

    Returns
    -------
    Baseline
        ``meta["purged"]``: a DataFrame by country with the baseline output, expenditure and deficit
        (E − Y, also as % of output), the purged output and the price change p̂ − 1 in % it took;
        its ``attrs`` hold the numeraire and the iterations.

    Raises
    ------
    GEInputError
        Unknown numeraire.
    GEConvergenceError
        The fixed point or the resistances did not converge.

    References
    ----------
    Dekle, Eaton & Kortum (2007), *AER* 97(2); Yotov et al. (2016), ch. 2; Yotov (2025), ge_gravity2.
    """
    numeraire = check_numeraire(numeraire)
    b = baseline
    ones = np.ones((b.n, b.n))
    p, _, _, _, _, it = full(b.fitted, ones, b.Y, b.E, b.sigma, b.ref, numeraire, tol, max_iter, deficits="balanced")
    Y1 = b.Y * p
    E1 = Y1.copy()
    omr, imr, it_r = solve_resistances(b.costs, Y1, E1, b.ref, tol, max_iter)
    X1 = Y1[:, None] * E1[None, :] * b.costs / (omr[:, None] * imr[None, :])
    purged = pd.DataFrame(
        {
            "output": b.Y,
            "expenditure": b.E,
            "deficit": b.E - b.Y,
            "deficit_pct_output": (b.E - b.Y) / b.Y * 100.0,
            "output_purged": Y1,
            "price_change": (p - 1.0) * 100.0,
        },
        index=pd.Index(b.countries, name="country"),
    )
    purged.attrs.update(numeraire=numeraire, iterations=int(it))
    meta = dict(b.meta)
    meta["purged"] = purged
    return Baseline(
        b.countries, b.reference, b.sigma, X1, b.costs, Y1, E1, omr, imr, X1.copy(), it_r, b.calibrated, meta
    )


def compare_deficit_rules(
    baseline: Baseline,
    cost_change=None,
    *,
    new_costs=None,
    rules: Sequence[DeficitRule] = ("ratio", "additive", "balanced"),
    numeraire: Numeraire = "reference",
    tol: float = 1e-13,
    max_iter: int = 100_000,
) -> pd.DataFrame:
    """The GE effects of one scenario under each deficit rule, side by side.

    ``ratio`` and ``additive`` solve the scenario on ``baseline`` with that closure
    (:func:`gravity.ge.solve`); ``balanced`` purges the deficits first (:func:`purge_deficits`,
    world output as numeraire) and solves the scenario on the purged baseline (where E = Y, so the
    closure no longer matters). Each rule in one sentence: :data:`DEFICIT_RULES`.

    Parameters
    ----------
    baseline : Baseline
        The baseline with its observed imbalances.
    cost_change, new_costs : see :func:`gravity.ge.solver.cost_change_matrix`
        Exactly one of them (t̂_ij, or the levels of t'^{1-σ}); the same t̂ applies under every rule.
    rules : sequence of {"ratio", "additive", "balanced"}
    numeraire : {"reference", "world_output"}
        Numeraire of the scenario solves (real GDP and real exports do not depend on it).
    tol, max_iter : float, int
        Stop rule and iteration limit of every fixed point.

    Returns
    -------
    DataFrame
        One row per rule × country: ``rule``, ``country``, the baseline deficit in % of output
        (``deficit_pct_output``, 0 under ``balanced``) and every effect of
        :data:`gravity.ge.solver.EFFECTS` (% changes); ``attrs`` state the numeraire and the rules.

    Raises
    ------
    GEInputError
        Unknown or repeated rules, a bad numeraire or cost change.
    GEConvergenceError
        A fixed point did not converge, or an additive deficit would make an expenditure ≤ 0.

    References
    ----------
    Dekle, Eaton & Kortum (2007); Yotov et al. (2016), ch. 2; Baier, Yotov & Zylkin (2019);
    Yotov (2025), ge_gravity2.
    """
    rules = list(rules)
    if any(r not in DEFICIT_RULES for r in rules) or not rules or len(set(rules)) != len(rules):
        raise GEInputError(f"rules must be distinct names of {list(DEFICIT_RULES)}, got {rules}")
    that = cost_change_matrix(baseline, cost_change, new_costs)
    frames = []
    for rule in rules:
        if rule == "balanced":
            b = purge_deficits(baseline, tol=tol, max_iter=max_iter)
            res = solve(b, that, numeraire=numeraire, deficits="ratio", tol=tol, max_iter=max_iter)
        else:
            b = baseline
            res = solve(b, that, numeraire=numeraire, deficits=rule, tol=tol, max_iter=max_iter)
        f = res.countries.reset_index()
        f.insert(0, "rule", rule)
        f.insert(2, "deficit_pct_output", (b.E - b.Y) / b.Y * 100.0)
        frames.append(f)
    out = pd.concat(frames, ignore_index=True)
    out.attrs = numeraire_attrs(numeraire, baseline.reference, ", ".join(rules))
    out.attrs["rules"] = " ".join(f"{r}: {DEFICIT_RULES[r]}" for r in rules)
    return out
