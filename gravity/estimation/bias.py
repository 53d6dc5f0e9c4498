"""Incidental-parameter bias of two- and three-way PPML gravity models (Weidner & Zylkin 2021).

The three-way model (Yotov et al. 2016, eq. (2-10) with pair effects)

    X_ij,t = exp( x_ij,t'β + π_i,t + χ_j,t + μ_ij ) · ε_ij,t ,   i = 1..N exporters, j = 1..N importers,

is estimated consistently by PPML, but with T fixed the N·T exporter-time and importer-time effects
leave an asymptotic bias of order 1/N in β̂ and a downward bias of the same order in the
pair-clustered sandwich. Weidner & Zylkin (2021, Theorem 2 and section 3) give, with the pair
effect μ_ij profiled out (pair ij then contributes the multinomial score S_ij = y_ij − λ_ij and
Hessian H_ij = diag(λ_ij) − λ_ij λ_ij' / Σ_t λ_ij,t, T-vectors over years),

    β̃ = β̂ − Ŵ⁻¹ ( B̂/N + D̂/N ),   Ŵ = (1/N²) Σ_ij x̃_ij' diag(λ_ij) x̃_ij ,

    B̂ = −(1/N) Σ_i [ Σ_j x̃_ij' H_ij H_i⁺ S_ij − ½ tr( H_i⁺ G_i H_i⁺ Σ_j S_ij S_ij' ) ],
    H_i = Σ_j H_ij ,   G_i = −Σ_j H_ij ∘ (x̃_ij,s + x̃_ij,t)_{s,t} ,

and D̂ the same with the roles of i and j exchanged (sums over exporters for each importer j).
x̃ is x demeaned on all three effects under the weights λ̂ (the fit's own weights μ̂), H_i⁺ a
pseudo-inverse (H_i·1 = 0: the pair effect absorbs a constant over time). G_i is the third
derivative of the profiled likelihood contracted with x̃ (the diagonal term Σ_j diag(λ_ij x̃_ij),
which vanishes because x̃ is orthogonal to the exporter-time effects, is left out).

Choices where the paper leaves options (as Stata's ``ppml_fe_bias``):

* **degrees of freedom**: B̂ and D̂ are scaled by N_i/(N_i − 1) and N_j/(N_j − 1) (N_i exporters,
  N_j importers in the estimation sample), so that the bias written in sums is
  Ŵ_s⁻¹ [ N_i/(N_i−1) Σ_i (−B1_i + ½B2_i) + N_j/(N_j−1) Σ_j (−D1_j + ½D2_j) ], Ŵ_s = Σ x̃'Λx̃;
* **clusters**: the adjusted covariance is clustered by exporter-importer pair, with Stata's
  G/(G − 1) (G = pairs); it replaces the fit's own covariance whatever that was;
* **local de-biasing of the variance** (section 3.3): the outer product of each pair's scores is
  replaced by (I − H_ij Q_ij)⁻¹ S_ij S_ij', Q_ij the pair's T×T block of the projection on the slopes
  (x̃_ij V_X x̃_ij', V_X = (Σ x̃'Λx̃)⁻¹) and on the exporter-time and importer-time effects
  (d̃_ij V_FE d̃_ij', d̃ the effect dummies with the pair effect partialled out). V_FE is the
  pseudo-inverse of G = Σ_ij d̃_ij' diag(λ_ij) d̃_ij = [[⊕_i H_i, C], [C', ⊕_j H_j]], C's (i, j) block
  H_ij. ``leverage="exact"`` forms G densely (size F = T·(N_i + N_j)) and pseudo-inverts it;
  ``leverage="series"`` takes the Neumann series of G⁺ about its block diagonal to second order:
  exporter blocks H_i⁺ + H_i⁺(Σ_j H_ij H_j⁺ H_ij)H_i⁺, importer blocks likewise, cross blocks
  −H_i⁺ H_ij H_j⁺; the first omitted term is third order. It costs O(P·T³) time and O((N_i + N_j)·T²)
  memory. On Yotov et al. (2016) ch. 2 (69 countries, 6 waves, trade dominated by a few countries) it
  is within 1% of exact, where the block diagonal alone (the first order, an earlier option) put the
  adjusted SE below the unadjusted one. "auto" is exact up to F = 3,000 (G then takes 72 MB), series
  above. The choice of generalised inverse does not matter: V_FE enters only through H_ij d̃ V_FE d̃' Λ_ij⁻¹H_ij
  and the rows d̃_ij' H_ij lie in the range of G. Stata's ``ppml_fe_bias`` uses its own approximation
  of the leverage above 1,500 effects.
* **jackknife halves**: exporters and importers are halved independently (four subpanels that
  partition the pairs); the time dimension is not split (no 1/T bias with T fixed).

The two-way model (no pair effect) has no bias in β̂ (Fernández-Val & Weidner 2016): only the
variance is adjusted, with H_ij = diag(λ_ij) and V_FE built year by year (the effect dummies of
different years are disjoint: one (N_i + N_j)² matrix per year).

``method="jackknife"`` is the split-panel jackknife of the same paper: exporters and importers are
each split at random into two halves, the model is refitted on the four exporter-half ×
importer-half subpanels (each carries bias ≈ 2(B/N + D/N)), and β̃ = 2β̂ − (1/4) Σ_s β̂_s (averaged
over ``splits`` random partitions). The three-way bias has no 1/T term with T fixed, so the time
dimension is not split. Its cost is that of the 4 × ``splits`` refits; its standard errors are the
analytical adjusted ones. It agrees with the analytical route when β is common to all pairs (the
subpanels' analytical biases then average twice the full panel's: tests/test_bias.py). On Yotov et
al. ch. 2 (RTA, exporter^importer effects) it does not: over 16 random halvings its bias averages
−0.24 (sd 0.07 per halving) against the analytical −0.077, while the subpanels' own analytical biases
average ≈ 0 instead of −0.155 and their RTA estimates range from 0.0 to 0.6. The subpanel estimates
differ by which agreements identify them (heterogeneous RTA effects), which the jackknife counts as
bias; the analytical route is the default for that reason.

References
----------
Weidner, M. & Zylkin, T. (2021). Bias and consistency in three-way gravity models. Journal of
International Economics 133, 103513.
Fernández-Val, I. & Weidner, M. (2016). Individual and time effects in nonlinear panel models with
large N, T. Journal of Econometrics 192(1), 291–312.
Yotov, Y. V., Piermartini, R., Monteiro, J.-A. & Larch, M. (2016). An Advanced Guide to Trade Policy
Analysis: The Structural Gravity Model. WTO/UNCTAD.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from functools import cached_property
from typing import Any, Literal

import numpy as np
import pandas as pd

from gravity.errors import GravityError
from gravity.estimation._kernels import demean_columns, group_weights, wz_first_terms, wz_meat, wz_series_diag, wz_sums
from gravity.estimation.demean import fe_offsets
from gravity.estimation.irls import irls
from gravity.estimation.separation import compact_codes, drop_fe_groups, iterative_rectifier
from gravity.options import validator

__all__ = ["bias_correct", "analytical", "jackknife", "simulate_panel", "BiasCorrected", "BiasSpecError", "BiasColumn"]

EXACT_MAX_FE = 3000
_RCOND = 1e-9


BiasMethod = Literal["analytical", "jackknife"]
"""The bias correction of :func:`bias_correct`: Weidner & Zylkin's analytical one, or the split-panel jackknife."""
Leverage = Literal["auto", "exact", "series"]
"""The fixed-effect leverage of the variance adjustment: exact, its second-order series, or by size."""


class BiasSpecError(GravityError, ValueError):
    """The fit is not a two- or three-way gravity model in the named columns; the message says which
    fixed effects were found and which are needed."""


check_bias_method = validator(BiasMethod, "method", BiasSpecError)
check_leverage = validator(Leverage, "leverage", BiasSpecError)


@dataclass(frozen=True)
class _Panel:
    ex: np.ndarray  # exporter code per pair (P,)
    im: np.ndarray  # importer code per pair (P,)
    lam: np.ndarray  # (P, T)
    S: np.ndarray  # (P, T)
    X: np.ndarray  # (P, T, K) demeaned slopes
    n_i: int
    n_j: int
    three: bool
    pair_label: str


def _codes_of(fit, k: int, col: str) -> np.ndarray:
    levels = fit._fe_levels[k]
    term = fit.spec.fixed_effects[k]
    vals = levels.get_level_values(term.index(col)) if isinstance(levels, pd.MultiIndex) else levels
    return np.asarray(vals)[fit._fe[k]]


def _structure(fit, i: str, j: str, t: str):
    """Exporter, importer, year and pair codes of the estimation sample, and whether the model has
    pair effects (validates the fixed-effect structure)."""
    terms = [tuple(x) for x in fit.spec.fixed_effects]
    found = ", ".join("^".join(x) for x in terms) or "none"
    need = f"{i}^{t} + {j}^{t} (+ a pair effect {i}^{j})"
    for name, col in (("i", i), ("j", j), ("t", t)):
        if not isinstance(col, str):
            raise BiasSpecError(f"{name}= must be a column name (str), got {col!r}")
    if len({i, j, t}) < 3:
        raise BiasSpecError(f"i={i!r}, j={j!r}, t={t!r} must be three different columns")
    k_it = [k for k, x in enumerate(terms) if set(x) == {i, t}]
    k_jt = [k for k, x in enumerate(terms) if set(x) == {j, t}]
    if not k_it or not k_jt:
        raise BiasSpecError(
            f"bias_correct needs exporter-time and importer-time fixed effects {need}; "
            f"the fit has {found}. Name the columns with i=, j=, t= as they appear in the "
            f"formula, or refit with '| {i}^{t} + {j}^{t} + {i}^{j}'"
        )
    rest = [k for k in range(len(terms)) if k not in (k_it[0], k_jt[0])]
    if len(rest) > 1:
        raise BiasSpecError(
            f"bias_correct handles {need} only; the fit has {found}: drop the other "
            f"fixed effects {['^'.join(terms[k]) for k in rest[1:]]}"
        )
    if fit._has_weights:
        raise BiasSpecError(
            "bias_correct: the corrections of Weidner & Zylkin (2021) are for unweighted PPML; refit without weights="
        )
    if len(fit.params) == 0:
        raise BiasSpecError("bias_correct: the model has no slope coefficient to correct")
    ex_v = _codes_of(fit, k_it[0], i)
    t_v = _codes_of(fit, k_it[0], t)
    im_v = _codes_of(fit, k_jt[0], j)
    t2 = _codes_of(fit, k_jt[0], t)
    if not (
        np.array_equal(t_v, t2)
        or np.array_equal(pd.Series(t_v).astype(str).to_numpy(), pd.Series(t2).astype(str).to_numpy())
    ):
        raise BiasSpecError(f"the {t!r} values of {'^'.join(terms[k_it[0]])} and {'^'.join(terms[k_jt[0]])} differ")
    ex_c, ex_l = pd.factorize(ex_v, sort=True)
    im_c, im_l = pd.factorize(im_v, sort=True)
    t_c, t_l = pd.factorize(t_v, sort=True)
    ij = ex_c.astype(np.int64) * len(im_l) + im_c
    pair_c, _ = pd.factorize(ij)
    three = bool(rest)
    pair_label = f"{i}^{j}"
    if three:
        kp = rest[0]
        pc = fit._fe[kp]
        # the third effect must be the exporter-importer pair: same partition of the rows as (i, j)
        joint = pd.factorize(pair_c.astype(np.int64) * (int(pc.max()) + 1) + pc)[0]
        if joint.max() != pair_c.max() or joint.max() != int(pc.max()):
            raise BiasSpecError(
                f"the third fixed effect {'^'.join(terms[kp])!r} is not the exporter-importer "
                f"pair ({i}^{j}): its groups differ from the ({i}, {j}) combinations in "
                f"the estimation sample"
            )
        pair_label = "^".join(terms[kp])
    dup = pd.Series(pair_c.astype(np.int64) * len(t_l) + t_c).duplicated()
    if dup.any():
        raise BiasSpecError(
            f"{int(dup.sum())} rows repeat an ({i}, {j}, {t}) combination; aggregate to one "
            f"row per exporter, importer and year first"
        )
    return ex_c, im_c, t_c, pair_c, len(ex_l), len(im_l), len(t_l), three, pair_label


def _demeaned_slopes(fit, tol: float = 1e-12) -> np.ndarray:
    """x̃: the slopes demeaned on all of the fit's effects under its weights μ̂.

    The within projection M is idempotent, so M x̃_fit = M x: the fit's own x̃ (demeaned under the same
    weights to ``fixef_tol`` in IRLS's last step) is refined to ``tol`` instead of demeaning x afresh —
    the same solution in a few sweeps."""
    fe = fit._fe
    w = fit._v * fit._mu
    offsets = fe_offsets([len(l) for l in fit._fe_levels])
    sw = group_weights(fe, w, offsets)
    X = np.asfortranarray(fit._X if fit._Xt is None else fit._Xt, dtype=float)
    out = np.empty_like(X)
    alphas = np.zeros((offsets[-1], X.shape[1]), order="F")
    demean_columns(X, fe, w, sw, offsets, alphas, tol, 100_000, out)
    return out


def _panel(fit, i, j, t) -> _Panel:
    ex_c, im_c, t_c, pair_c, n_i, n_j, T, three, label = _structure(fit, i, j, t)
    P = int(pair_c.max()) + 1
    K = fit._X.shape[1]
    lam = np.zeros((P, T))
    S = np.zeros((P, T))
    X = np.zeros((P, T, K))
    lam[pair_c, t_c] = fit._mu
    S[pair_c, t_c] = fit._y - fit._mu
    X[pair_c, t_c] = _demeaned_slopes(fit)
    ex = np.zeros(P, dtype=np.int64)
    im = np.zeros(P, dtype=np.int64)
    ex[pair_c] = ex_c
    im[pair_c] = im_c
    return _Panel(ex, im, lam, S, X, n_i, n_j, three, label)


def _pinv(H: np.ndarray) -> np.ndarray:
    return np.linalg.pinv(H, rcond=_RCOND, hermitian=True)


def _leverage_mode(leverage: str, F: int) -> str:
    if leverage == "blocks":
        raise BiasSpecError(
            "leverage='blocks' was removed: the block-diagonal V_FE without its cross blocks "
            "overstates the fixed-effect leverage when a few countries dominate trade (on Yotov "
            "et al. ch. 2 it gave an adjusted SE below the unadjusted one); use leverage='series' "
            "(second order, within 1% of exact there) or 'exact'"
        )
    check_leverage(leverage)
    if leverage == "auto":
        return "exact" if F <= EXACT_MAX_FE else "series"
    return leverage


def _fe_blocks(pn: _Panel, leverage: str, Hi=None, Hj=None, Pi=None, Pj=None):
    """(Vi, Vj, Vfull, cross, dvd, Pi, Pj) for :func:`wz_meat` (``leverage`` already resolved)."""
    P, T = pn.lam.shape
    dummy3 = np.zeros((1, T, T))
    if not pn.three:
        # two-way: per year, V_t = pinv([[diag λ_i·t, L_t], [L_t', diag λ_·jt]])
        dvd = np.zeros((P, T))
        for t in range(T):
            lt = pn.lam[:, t]
            Lm = np.zeros((pn.n_i, pn.n_j))
            Lm[pn.ex, pn.im] = lt
            G = np.zeros((pn.n_i + pn.n_j,) * 2)
            G[: pn.n_i, pn.n_i :] = Lm
            G[pn.n_i :, : pn.n_i] = Lm.T
            G[np.arange(pn.n_i), np.arange(pn.n_i)] = Lm.sum(1)
            G[pn.n_i + np.arange(pn.n_j), pn.n_i + np.arange(pn.n_j)] = Lm.sum(0)
            V = _pinv(G)
            a, b = pn.ex, pn.n_i + pn.im
            dvd[:, t] = V[a, a] + V[b, b] + 2 * V[a, b]
        return dummy3, dummy3, np.zeros((1, 1)), 0, dvd, dummy3, dummy3
    if leverage == "series":
        Di, Dj = wz_series_diag(pn.lam, pn.ex, pn.im, Pi, Pj)
        return Di, Dj, np.zeros((1, 1)), 2, np.zeros((1, 1)), Pi, Pj
    F = T * (pn.n_i + pn.n_j)
    jofs = T * pn.n_i
    G = np.zeros((F, F))
    for e in range(pn.n_i):
        G[e * T : (e + 1) * T, e * T : (e + 1) * T] = Hi[e]
    for m in range(pn.n_j):
        G[jofs + m * T : jofs + (m + 1) * T, jofs + m * T : jofs + (m + 1) * T] = Hj[m]
    L = pn.lam.sum(1)
    ok = L > 0
    Hp = np.zeros((P, T, T))
    Hp[ok] = -pn.lam[ok, :, None] * pn.lam[ok, None, :] / L[ok, None, None]
    Hp[:, np.arange(T), np.arange(T)] += pn.lam
    rows = pn.ex[:, None, None] * T + np.arange(T)[None, :, None]
    cols = jofs + pn.im[:, None, None] * T + np.arange(T)[None, None, :]
    G[rows, cols] = Hp
    G[cols.transpose(0, 2, 1), rows.transpose(0, 2, 1)] = Hp.transpose(0, 2, 1)
    del Hp
    V = _pinv(G)
    Vi = np.stack([V[a * T : (a + 1) * T, a * T : (a + 1) * T] for a in range(pn.n_i)])
    Vj = np.stack([V[jofs + b * T : jofs + (b + 1) * T, jofs + b * T : jofs + (b + 1) * T] for b in range(pn.n_j)])
    return Vi, Vj, V, 1, np.zeros((1, 1)), dummy3, dummy3


def analytical(fit, i="exporter", j="importer", t="year", *, leverage: Leverage = "auto"):
    """The analytical bias and the adjusted covariance of Weidner & Zylkin (2021) (module docstring).

    Parameters
    ----------
    fit : PPMLResults
        PPML with ``i^t + j^t`` (two-way) or ``i^t + j^t + pair`` (three-way) fixed effects.
    i, j, t : str
        Exporter, importer and time columns as named in the fixed effects.
    leverage : {"auto", "exact", "blocks"}
        How V_FE enters the variance adjustment (module docstring); "auto" is exact up to
        T·(N_i + N_j) = 3,000 effects.

    Returns
    -------
    dict
        ``bias`` (K,; zeros for two-way), ``V`` adjusted covariance, ``V_plain`` pair-clustered
        covariance without the adjustment, ``n_pairs``, ``three``, ``pair_label``, ``leverage``,
        ``B``, ``D`` (the exporter and importer parts of the bias, summing to ``bias``).

    Raises
    ------
    BiasSpecError
        Fixed effects that are not a two- or three-way gravity structure in i, j, t; weights; no slope.
    """
    _leverage_mode(leverage, 0)
    pn = _panel(fit, i, j, t)
    P, T = pn.lam.shape
    K = pn.X.shape[2]
    Xf = pn.X.reshape(-1, K)
    Hb = Xf.T @ (Xf * pn.lam.reshape(-1)[:, None])  # Σ x̃'Λx̃
    VX = np.linalg.inv(Hb)
    Bv = np.zeros(K)
    Dv = np.zeros(K)
    Hi = Hj = Hinv_i = Hinv_j = None
    if pn.three:
        Hi, Hj, SSi, SSj, Gi, Gj = wz_sums(pn.lam, pn.S, pn.X, pn.ex, pn.im, pn.n_i, pn.n_j)
        Hinv_i, Hinv_j = _pinv(Hi), _pinv(Hj)
        b1, d1 = wz_first_terms(pn.lam, pn.S, pn.X, pn.ex, pn.im, Hinv_i, Hinv_j)
        # Σ_n tr(H⁺_n G_kn H⁺_n SS_n) = Σ_n Σ_bc G_kn[b, c] (H⁺_n SS_n H⁺_n)[c, b]
        b2 = np.einsum("knbc,ncb->k", Gi, Hinv_i @ SSi @ Hinv_i)
        d2 = np.einsum("knbc,ncb->k", Gj, Hinv_j @ SSj @ Hinv_j)
        Bv = VX @ ((-b1 + 0.5 * b2) * pn.n_i / (pn.n_i - 1))
        Dv = VX @ ((-d1 + 0.5 * d2) * pn.n_j / (pn.n_j - 1))
    lev = _leverage_mode(leverage, T * (pn.n_i + pn.n_j))
    Vi, Vj, Vfull, cross, dvd, Pi, Pj = _fe_blocks(pn, lev, Hi, Hj, Hinv_i, Hinv_j)
    om, om0 = wz_meat(pn.lam, pn.S, pn.X, pn.ex, pn.im, VX, Vi, Vj, Vfull, T * pn.n_i, dvd, pn.three, cross, Pi, Pj)
    om = (om + om.T) / 2
    c = P / (P - 1)
    return dict(
        bias=Bv + Dv,
        B=Bv,
        D=Dv,
        V=c * VX @ om @ VX,
        V_plain=c * VX @ om0 @ VX,
        n_pairs=P,
        three=pn.three,
        pair_label=pn.pair_label,
        leverage=lev if pn.three else "exact (per year)",
    )


def _refit(y, X, fe, off, names):
    """PPML on a subsample with the fit's separation checks (all-zero groups, singletons, the
    iterative rectifier) — what :func:`gravity.estimation.ppml.ppml` does on its input."""
    alive = np.ones(y.size, dtype=bool)
    for _ in range(100):
        r = drop_fe_groups(y[alive], fe[:, alive], all_zero=True, singletons=True)
        idx = np.flatnonzero(alive)
        hit = r != ""
        alive[idx[hit]] = False
        cfe, _ = compact_codes(fe[:, alive], np.ones(int(alive.sum()), dtype=bool))
        mask, _ = iterative_rectifier(y[alive], X[alive], cfe, [int(c.max()) + 1 for c in cfe])
        if not mask.any() and not hit.any():
            break
        alive[np.flatnonzero(alive)[mask]] = False
    cfe, old = compact_codes(fe[:, alive], np.ones(int(alive.sum()), dtype=bool))
    res = irls(
        np.ascontiguousarray(y[alive]),
        np.asfortranarray(X[alive]),
        cfe,
        [len(o) for o in old],
        np.ones(int(alive.sum())),
        np.ascontiguousarray(off[alive]),
        names,
        tol=1e-10,
        maxiter=1000,
        fixef_tol=1e-10,
        verbose=False,
    )
    if len(res["names"]) != len(names):
        raise BiasSpecError(
            f"jackknife: {sorted(set(names) - set(res['names']))} not identified on a half-panel "
            f"subsample; use method='analytical'"
        )
    return res["beta"]


def _check_splits(splits, seed) -> None:
    """``splits`` an integer ≥ 1 and ``seed`` an integer ≥ 0 (``splits=0`` used to fail deep in pandas)."""
    if isinstance(splits, bool) or not isinstance(splits, (int, np.integer)) or splits < 1:
        raise BiasSpecError(
            f"splits={splits!r}: the jackknife averages over a whole number (>= 1) of random "
            "halvings. Fix: leave the default splits=1, or e.g. splits=10 for a steadier estimate"
        )
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
        raise BiasSpecError(f"seed={seed!r}: the seed of the random halvings must be an integer >= 0. Fix: e.g. seed=0")


def jackknife(
    fit, i="exporter", j="importer", t="year", *, splits: int = 1, seed: int = 0, return_estimates: bool = False
):
    """Split-panel jackknife bias of a three-way fit (module docstring): (1/4)Σ_s β̂_s − β̂, averaged
    over ``splits`` random halvings of the exporters and of the importers (so that β̂ − bias is
    2β̂ − (1/4)Σ_s β̂_s).

    The route rests on each subpanel carrying twice the full panel's bias (bias ∝ 1/N_i + 1/N_j) around
    the same β. With a homogeneous β that holds (tests/test_bias.py); when the effect differs across the
    pairs that identify it (RTAs on real data) the subpanel estimates also differ by composition and the
    difference is attributed to bias: compare the subpanel estimates (``return_estimates``) and the
    analytical route.

    Parameters
    ----------
    fit : PPMLResults
    i, j, t : str
    splits, seed : int
        Random halvings averaged, and their seed.
    return_estimates : bool
        Also return the subpanel estimates (4·splits, K), rows in the order (half a, half b) =
        (1, 1), (1, 2), (2, 1), (2, 2) per split.

    Returns
    -------
    numpy.ndarray or (numpy.ndarray, numpy.ndarray)
        The estimated bias (K,), to be subtracted from β̂ (and the subpanel estimates).

    Raises
    ------
    BiasSpecError
        A two-way fit (its slopes carry no incidental-parameter bias) or a bad structure.
    """
    _check_splits(splits, seed)
    ex_c, im_c, t_c, pair_c, n_i, n_j, T, three, _ = _structure(fit, i, j, t)
    if not three:
        raise BiasSpecError(
            "method='jackknife' corrects the three-way model only: two-way slopes have no "
            "incidental-parameter bias (Fernández-Val & Weidner 2016); use method='analytical' "
            "for the adjusted standard errors"
        )
    rng = np.random.default_rng(seed)
    beta = fit.params.to_numpy()
    names = list(fit.params.index)
    fits = []
    for _ in range(splits):
        half_i = rng.permutation(n_i) < n_i // 2
        half_j = rng.permutation(n_j) < n_j // 2
        for a in (True, False):
            for b in (True, False):
                m = (half_i[ex_c] == a) & (half_j[im_c] == b)
                fits.append(_refit(fit._y[m], fit._X[m], fit._fe[:, m], fit._offset[m], names))
    est = np.array(fits)
    return (np.mean(est, axis=0) - beta, est) if return_estimates else np.mean(est, axis=0) - beta


class BiasColumn:
    """The estimated bias as a table column (``params`` = bias, no standard errors), for
    ``regtable([fit.uncorrected, fit.bias_column, fit])``."""

    def __init__(self, bias: pd.Series, nobs: int, fixed_effects):
        self.params = bias
        self.bse = pd.Series(np.nan, index=bias.index)
        self.pvalues = pd.Series(np.nan, index=bias.index)
        self.nobs = nobs
        self.fixed_effects = fixed_effects
        self.estimator = "bias"


class BiasCorrected:
    """Mixin of the results returned by ``PPMLResults.bias_correct``: ``params`` are β̃ (bias
    subtracted), ``bse``/``cov_params()`` the locally de-biased pair-clustered covariance, plus

    * ``bias`` — the estimated bias (Series, subtracted from the original β̂);
    * ``uncorrected`` — the original results;
    * ``bias_method`` — "analytical" or "jackknife"; ``cov_unadjusted`` — the pair-clustered
      covariance without the adjustment (same G/(G − 1));
    * ``bias_column`` — the bias as a column for ``regtable``;
    * ``jackknife_estimates`` — the subpanel estimates of the jackknife route (None otherwise);
    * ``leverage`` — how V_FE entered the adjusted covariance ("exact", "series", two-way "exact (per year)").

    ``vcov(...)`` raises: the adjusted covariance has no counterpart of another type.

    Fitted values, fixed effects (recomputed for β̃ so that fitted values are those of the original
    fit), goodness of fit and ``sample`` are the original fit's.
    """

    bias: pd.Series
    uncorrected: object
    bias_method: str
    cov_unadjusted: pd.DataFrame
    leverage: str
    nobs: int
    fixed_effects: list
    cluster: list
    _three: bool

    @cached_property
    def bias_column(self) -> BiasColumn:
        return BiasColumn(self.bias, self.nobs, self.fixed_effects)

    def vcov(self, vcov, *, ssc=None, data=None):
        """Not available on a corrected result: its covariance is the locally de-biased
        pair-clustered one of Weidner & Zylkin (2021, section 3.3), which has no iid, robust or
        other-cluster counterpart; a switched covariance would silently drop the adjustment.

        Raises
        ------
        BiasSpecError
            Always; the message names the two ways to get another covariance.
        """
        raise BiasSpecError(
            f"vcov({vcov!r}) on a bias-corrected result would replace its adjusted pair-clustered covariance "
            f"(Weidner & Zylkin 2021) by one without the adjustment. Use r.uncorrected.vcov({vcov!r}) for the "
            f"original estimates with another covariance, or r.cov_unadjusted for the pair-clustered one "
            f"without the adjustment"
        )

    def summary(self):
        base = super().summary()  # type: ignore[misc]  # a mixin: the result class comes next in the MRO
        what = (
            (
                "three-way: bias "
                + ("analytical" if self.bias_method == "analytical" else "split-panel jackknife")
                + " + adjusted SEs"
            )
            if self._three
            else "two-way: adjusted SEs only (no slope bias)"
        )
        extra = [
            (
                "Bias correction",
                f"Weidner & Zylkin (2021), {what}; SEs clustered by {self.cluster[0]}, "
                f"locally de-biased (fixed-effect leverage: {self.leverage})",
            ),
            ("Bias (subtracted)", ", ".join(f"{k} {v:.6f}" for k, v in self.bias.items())),
        ]
        return type(base)(base.title, extra + base.info, base.coefs, digits=base.digits)


_TYPES: dict[type, Any] = {}


def _corrected_type(base: type) -> Any:
    if base not in _TYPES:
        _TYPES[base] = type(
            f"BiasCorrected{base.__name__}",
            (BiasCorrected, base),
            {"__module__": __name__, "__doc__": BiasCorrected.__doc__},
        )
    return _TYPES[base]


def bias_correct(
    fit,
    i="exporter",
    j="importer",
    t="year",
    *,
    method: BiasMethod = "analytical",
    leverage: Leverage = "auto",
    splits=1,
    seed=0,
):
    """Bias-corrected PPML results (the implementation of ``PPMLResults.bias_correct``).

    Parameters
    ----------
    fit : PPMLResults
    i, j, t : str
        Exporter, importer and time columns as named in the fixed effects.
    method : {"analytical", "jackknife"}
        Analytical bias B̂/N + D̂/N, or the split-panel jackknife (three-way only).
    leverage : {"auto", "exact", "blocks"}
        V_FE in the variance adjustment (module docstring).
    splits, seed : int
        Jackknife: random halvings averaged, and their seed.

    Returns
    -------
    BiasCorrected
        A PPML results object (module and :class:`BiasCorrected` docstrings).

    Raises
    ------
    BiasSpecError
        Not a two-/three-way gravity structure in ``i``, ``j``, ``t`` (the message names the fixed
        effects found and the ones needed), weights, no slope, or jackknife on a two-way fit.
    BiasSpecError
        Unknown ``method`` or ``leverage``.
    """
    check_bias_method(method)
    _check_splits(splits, seed)
    a = analytical(fit, i, j, t, leverage=leverage)
    names = fit.params.index
    est = None
    if method == "jackknife":
        bias, est = jackknife(fit, i, j, t, splits=splits, seed=seed, return_estimates=True)
    else:
        bias = a["bias"]
    cls = _corrected_type(type(fit))
    out = cls.__new__(cls)
    cached = {n for c in type(fit).__mro__ for n, v in vars(c).items() if isinstance(v, cached_property)}
    out.__dict__.update({k: v for k, v in fit.__dict__.items() if k not in cached})
    out.params = pd.Series(fit.params.to_numpy() - bias, index=names, name="coef", dtype=float)
    out._vcov = a["V"]
    out.bias = pd.Series(bias, index=names, name="bias", dtype=float)
    out.uncorrected = fit
    out.bias_method = method
    out.jackknife_estimates = None if est is None else pd.DataFrame(est, columns=names)
    out.cov_unadjusted = pd.DataFrame(a["V_plain"], index=names, columns=names)
    out.vcov_type = "cluster"
    out.cluster = [a["pair_label"]]
    out.n_clusters = a["n_pairs"]
    out.ssc = copy.copy(fit.ssc) if fit.ssc.cluster_adj else type(fit.ssc)()
    out._fixef_raw = None
    out._three = a["three"]
    out.leverage = a["leverage"]
    return out


def simulate_panel(n: int, T: int, *, beta: float = 1.0, dgp: int = 2, seed=None) -> pd.DataFrame:
    """A three-way gravity panel from the Monte Carlo design of Weidner & Zylkin (2021, section 4).

    n countries trade with every country including themselves over T periods:
    π_ij,t = α_i,t + γ_j,t + η_ij with α, γ, η ~ N(0, (1/16)²); x_ij,0 = η_ij + N(0, ½²),
    x_ij,t = x_ij,t−1/2 + π_ij,t + N(0, ½²) (x correlated with the effects);
    λ_ij,t = exp(β x_ij,t + π_ij,t) and y = λ·ω, ω log-normal with E ω = 1, Var ω = σ²,
    log ω AR(1) over t with coefficient 0.3; σ² = 1/λ² (dgp 1: Var y = 1), 1/λ (dgp 2: Var y = λ,
    Poisson-like), 1 (dgp 3), ½/λ + ½ exp(2x) (dgp 4).

    Parameters
    ----------
    n, T : int
    beta : float
    dgp : {1, 2, 3, 4}
    seed : int or numpy.random.Generator, optional

    Returns
    -------
    pandas.DataFrame
        Columns exporter, importer, year, y, x (n²·T rows).

    Raises
    ------
    BiasSpecError
        Unknown ``dgp``.
    """
    if dgp not in (1, 2, 3, 4):
        raise BiasSpecError(f"dgp must be 1, 2, 3 or 4, got {dgp!r}")
    rng = np.random.default_rng(seed)
    sd = 1 / 16
    e, m = np.divmod(np.arange(n * n), n)
    alpha = rng.normal(0, sd, (n, T))
    gamma = rng.normal(0, sd, (n, T))
    eta = rng.normal(0, sd, n * n)
    x = eta + rng.normal(0, 0.5, n * n)
    z = rng.normal(0, 1, n * n)
    frames = []
    for t in range(T):
        pi = alpha[e, t] + gamma[m, t] + eta
        x = x / 2 + pi + rng.normal(0, 0.5, n * n)
        z = 0.3 * z + rng.normal(0, np.sqrt(1 - 0.3**2), n * n)
        lam = np.exp(beta * x + pi)
        s2 = {1: 1 / lam**2, 2: 1 / lam, 3: np.ones_like(lam), 4: 0.5 / lam + 0.5 * np.exp(2 * x)}[dgp]
        omega = np.exp(-0.5 * np.log1p(s2) + np.sqrt(np.log1p(s2)) * z)
        frames.append(pd.DataFrame({"exporter": e, "importer": m, "year": t, "y": lam * omega, "x": x}))
    return pd.concat(frames, ignore_index=True)
