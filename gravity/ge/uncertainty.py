"""Confidence intervals for GE effects: coefficient draws pushed through the exact GE solver.

For draws d = 1..D of the cost coefficients β_d (and optionally σ_d), every reported effect
(:data:`gravity.ge.EFFECTS`, per country) is recomputed with the exact hat-algebra solver and the
CI is the (α/2, 1 − α/2) percentile interval over the successful draws. Draws come from

* the parametric distribution β_d ~ N(β̂, V̂) with V̂ = ``fit.cov_params()`` (the estimator's
  variance, e.g. pair-clustered), or
* a pair-cluster bootstrap (:func:`pair_bootstrap`): resample clusters (country pairs) with
  replacement and re-estimate β on each resample (as frequency weights).

A user ``scenario(β) -> cost change t̂`` maps each draw to the counterfactual change in t^{1-σ};
``baseline_costs(β) -> t^{1-σ}`` (optional) re-builds the baseline per draw, as when the baseline
costs themselves are exp(β·x). GE solves run in tasks of ``chunk`` draws through
:mod:`gravity.execution` (in-process on a thread per core with a ``nogil`` numba kernel, or on Dask
workers), with a tqdm progress bar; results are reproducible from ``seed`` and do not depend on
where they ran. A draw that fails (the scenario
or re-fit raised, non-finite costs, no convergence) is kept out of the percentiles and reported
in ``failures`` with its reason.

:func:`pooled_intervals` pools the draws over several baselines (σ and the domestic-flow
construction, say): draw d pairs β_d with one variant, equal weights, so the interval carries the
uncertainty in the model's calibration as well as in the coefficients.

Options: each function takes the fields of :class:`~gravity.ge.options.SolveSettings` (numeraire, deficits,
tol, max_iter) and :class:`~gravity.ge.options.DrawSettings` (draws, seed, level, chunk, progress, label,
workers, executor) as keyword arguments, or the two objects as ``solve=`` and ``run=``; the multi-sector
:func:`gravity.ge.theta_draws` takes the same, and every draws function returns a
:class:`gravity.ge.results.GEIntervals` read by the same names.

References
----------
Yotov, Y. V., Piermartini, R., Monteiro, J.-A. & Larch, M. (2016). *An Advanced Guide to Trade
Policy Analysis: The Structural Gravity Model*, ch. 2. WTO/UNCTAD.
Anderson, J. E., Larch, M. & Yotov, Y. V. (2018). GEPPML: General equilibrium analysis with PPML.
*The World Economy* 41(10).
Cameron, A. C., Gelbach, J. B. & Miller, D. L. (2008). Bootstrap-based improvements for inference
with clustered errors. *Review of Economics and Statistics* 90(3) (pair-cluster bootstrap).
"""

from __future__ import annotations

import logging
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace

import numpy as np
import pandas as pd

from gravity.execution import as_executor, check_workers
from gravity.ge.baseline import Baseline
from gravity.ge.errors import GEInputError
from gravity.ge.options import DrawSettings, SolveSettings, settings_from
from gravity.ge.results import GEIntervals
from gravity.ge.solver import EFFECTS, STATUS, cost_change_matrix, solve, solve_batch

log = logging.getLogger("gravity.ge")

__all__ = [
    "BetaDraws",
    "DrawSettings",
    "GEUncertainty",
    "PPMLRefit",
    "PooledUncertainty",
    "SolveSettings",
    "parametric_draws",
    "pair_bootstrap",
    "ppml_refit",
    "confidence_intervals",
    "pooled_intervals",
]


@dataclass
class BetaDraws:
    """Coefficient draws (D × K) with the draws that could not be made and why.

    Attributes
    ----------
    betas : DataFrame
        One row per draw d, one column per coefficient; NaN rows for failed draws.
    failures : DataFrame
        Columns draw, stage, reason.
    method : str
        ``"parametric"`` or ``"pair bootstrap"``.
    """

    betas: pd.DataFrame
    failures: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=["draw", "stage", "reason"]))
    method: str = "parametric"


def parametric_draws(params: pd.Series, cov, draws: int, seed: int | None = 0) -> BetaDraws:
    """Parametric draws β_d ~ N(β̂, V̂), d = 1..draws.

    β_d = β̂ + U diag(√w) z_d with V̂ = U diag(w) Uᵀ and z_d ~ N(0, I) (eigen-decomposition, so a
    singular or zero V̂ is allowed).

    Parameters
    ----------
    params : Series
        β̂, named.
    cov : (K, K) array or DataFrame
        V̂ (e.g. ``fit.cov_params()``), in the order of ``params``.
    draws : int
        D.
    seed : int, optional
        Seed of ``numpy.random.default_rng``.

    Returns
    -------
    BetaDraws

    Raises
    ------
    GEInputError
        V̂ not a finite symmetric (K, K) matrix, or not positive semi-definite.

    References
    ----------
    Yotov et al. (2016), ch. 2; Anderson, Larch & Yotov (2018).
    """
    params = pd.Series(params, dtype=float)
    V = np.asarray(cov, dtype=float)
    k = len(params)
    if V.shape != (k, k) or not np.allclose(V, V.T) or not np.isfinite(V).all():
        raise GEInputError(
            f"covariance must be a finite symmetric ({k}, {k}) matrix for {list(params.index)}, got shape {V.shape}"
        )
    w, U = np.linalg.eigh(V)
    if w.min() < -1e-10 * max(1.0, abs(w).max()):
        raise GEInputError(f"covariance is not positive semi-definite (smallest eigenvalue {w.min():.3g})")
    rng = np.random.default_rng(seed)
    z = rng.standard_normal((draws, k))
    b = params.to_numpy() + (z * np.sqrt(np.clip(w, 0, None))) @ U.T
    return BetaDraws(pd.DataFrame(b, columns=params.index), method="parametric")


@dataclass(frozen=True)
class PPMLRefit:
    """Picklable re-fit for :func:`pair_bootstrap`: ``ppml(formula, data, weights=w).params[coefficients]``."""

    formula: str
    coefficients: tuple
    options: tuple = ()

    def __call__(self, data: pd.DataFrame, weights: np.ndarray) -> pd.Series:
        from gravity.estimation.multi import only_fit
        from gravity.estimation.ppml import ppml  # here, not at the top: `import gravity.ge` stays light

        res = only_fit(ppml(self.formula, data, weights=weights, **dict(self.options)))
        if not res.converged:  # excluded and counted by pair_bootstrap, never used
            raise GEInputError(f"re-fit did not converge in {res.n_iter} IRLS iterations")
        return res.params[list(self.coefficients)]


def ppml_refit(formula: str, coefficients: Sequence[str], **ppml_kwargs) -> PPMLRefit:
    """A picklable PPML re-fit for :func:`pair_bootstrap` (usable on worker processes, ``workers > 1``).

    Parameters
    ----------
    formula : str
        The PPML formula (:func:`gravity.estimation.ppml.ppml`).
    coefficients : sequence of str
        The coefficients to return.
    **ppml_kwargs
        Further arguments of ``ppml`` (e.g. ``tol``).

    Returns
    -------
    PPMLRefit
        ``refit(data, weights) -> Series`` of ``coefficients``.

    References
    ----------
    Correia, Guimarães & Zylkin (2020), *Stata Journal* 20(1) (ppmlhdfe).
    """
    return PPMLRefit(formula, tuple(coefficients), tuple(sorted(ppml_kwargs.items())))


_TINY_REFIT_ROWS = 200_000
"""Bootstraps with draws × rows below this re-fit in-process under ``mode="auto"``."""
_TINY_GE_CELLS = 2_000_000
"""GE draw jobs with draws × N² below this solve in-process under ``mode="auto"``."""


def _refit_task(d, shared):
    """Executor task: re-fit of bootstrap draw ``d``; ``shared`` = (refit, data, codes, seed, G)."""
    refit, data, codes, seed, G = shared
    return _refit_one((refit, data, codes, seed, d, G))


def _refit_one(args):
    refit, data, codes, seed, d, G = args
    rng = np.random.default_rng([seed, d])
    counts = np.bincount(rng.integers(0, G, G), minlength=G)
    w = counts[codes].astype(float)
    keep = w > 0
    try:
        beta = refit(data.loc[keep], w[keep])
        beta = pd.Series(beta, dtype=float)
        if not np.isfinite(beta.to_numpy()).all():
            return d, None, "re-fit returned non-finite coefficients"
        return d, beta, None
    except Exception as exc:  # report, never hide: the draw is listed with its reason
        return d, None, f"{type(exc).__name__}: {exc}"


def pair_bootstrap(
    data: pd.DataFrame,
    refit: Callable,
    *,
    cluster: str,
    draws: int,
    seed: int = 0,
    progress: bool = True,
    workers: int | None = None,
    executor=None,
    n_jobs: int | None = None,
) -> BetaDraws:
    """Pair-cluster bootstrap of the coefficients.

    Each draw resamples the G clusters of ``data[cluster]`` (e.g. ``pair_id``) with replacement and
    calls ``refit(rows, weights)`` on the rows of the drawn clusters with weights = times drawn
    (frequency weights: the same estimate as on the replicated sample). Draw d uses the random
    stream ``(seed, d)``, so results do not depend on where or in how many processes the re-fits
    run: one task per draw through :mod:`gravity.execution` (the data are scattered to each worker
    once; ``refit`` is pickled with cloudpickle, e.g. :func:`ppml_refit`).

    Parameters
    ----------
    data : DataFrame
        The estimation sample.
    refit : callable
        ``refit(rows, weights) -> Series`` of coefficients.
    cluster : str
        Column of ``data`` with the cluster (pair) id.
    draws : int
        D.
    seed : int
        Draw d uses ``default_rng([seed, d])``.
    progress : bool
        Show a tqdm bar counting completed re-fits.
    workers : int, optional
        Local Dask worker processes for the re-fits (0 or 1 = in this process; None = one per core; small
        jobs run in-process). Ignored when ``executor`` or ``GRAVITY_SCHEDULER`` names a cluster.
    executor : Executor, distributed.Client or str, optional
        Where the re-fits run (:func:`gravity.execution.as_executor`; a str is a scheduler address).
    n_jobs : int, optional
        Deprecated name of ``workers`` (a DeprecationWarning; give one of the two).

    Returns
    -------
    BetaDraws
        Failed re-fits are NaN rows, listed in ``failures`` with their reason.

    Raises
    ------
    GEInputError
        ``cluster`` missing or with missing values, or every re-fit failed.
    gravity.execution.ExecutionError
        The scheduler cannot be reached.

    References
    ----------
    Cameron, Gelbach & Miller (2008); Anderson, Larch & Yotov (2018).
    """
    if cluster not in data.columns:
        raise GEInputError(f"cluster column {cluster!r} not in the data (have {list(data.columns)})")
    codes, uniq = pd.factorize(data[cluster])
    if (codes < 0).any():
        raise GEInputError(f"cluster column {cluster!r} has missing values in {int((codes < 0).sum())} rows")
    G = len(uniq)
    ex = as_executor(executor, workers=_workers(workers, n_jobs, "pair_bootstrap"))
    results = ex.map(
        _refit_task,
        range(draws),
        shared=(refit, data, codes, seed, G),
        desc="pair bootstrap: PPML re-fits",
        unit="re-fit",
        progress=progress,
        tiny=draws * len(data) < _TINY_REFIT_ROWS,
    )
    names = next((r[1].index for r in results if r[1] is not None), None)
    if names is None:
        raise GEInputError(f"all {draws} bootstrap re-fits failed; first reason: {results[0][2]}")
    betas = pd.DataFrame(np.nan, index=range(draws), columns=names)
    fails = []
    for d, beta, why in results:
        if beta is None:
            fails.append((d, "refit", why))
        else:
            betas.loc[d] = beta.reindex(names).to_numpy()
    if fails:
        log.warning("pair bootstrap: %d of %d re-fits failed (first: %s)", len(fails), draws, fails[0][2])
    return BetaDraws(betas, pd.DataFrame(fails, columns=["draw", "stage", "reason"]), method="pair bootstrap")


def _workers(workers, n_jobs, where: str):
    """``workers``, or the deprecated ``n_jobs`` with a DeprecationWarning (never both)."""
    if n_jobs is None:
        return check_workers(workers)
    if workers is not None:
        raise GEInputError(f"{where}: give workers= only (n_jobs= is its deprecated name)")
    warnings.warn(
        f"{where}(n_jobs=...) is deprecated: the option is called workers= everywhere", DeprecationWarning, stacklevel=3
    )
    return check_workers(n_jobs, "n_jobs")


class GEUncertainty(GEIntervals):
    """Percentile CIs for every effect of :data:`gravity.ge.solver.EFFECTS` (:class:`GEIntervals`).

    lower, upper = the (1 − level)/2 and (1 + level)/2 percentiles over the successful draws of each
    effect and country; ``draws`` (D, len(EFFECTS), N) keeps every draw (NaN when failed); ``betas`` and
    ``sigmas`` the coefficients and σ of each draw; ``baseline`` the baseline at the point estimate.

    References
    ----------
    Anderson, Larch & Yotov (2018).
    """

    def __init__(self, base, point, draws, betas, sigmas, failures, level, method):
        super().__init__(point, draws, EFFECTS, failures, level, method)
        self.baseline = base
        self.betas, self.sigmas = betas, sigmas


def _as_matrix(base: Baseline, value, name: str, change: bool) -> np.ndarray:
    if change:
        return cost_change_matrix(base, cost_change=value)
    m = base.matrix(value, name=name)
    if not np.isfinite(m).all() or (m < 0).any() or (np.diag(m) <= 0).any():
        raise GEInputError(f"{name}: baseline costs must be finite, ≥ 0, with positive domestic costs")
    return m


def _one_sector(st: SolveSettings) -> SolveSettings:
    """The one-sector model's defaults for the fields left to the model (numeraire, deficits)."""
    return replace(st, numeraire=st.numeraire or "reference", deficits=st.deficits or "ratio")


def confidence_intervals(
    base: Baseline,
    scenario: Callable,
    *,
    fit=None,
    coefficients=None,
    betas: BetaDraws | None = None,
    refit: Callable | None = None,
    data: pd.DataFrame | None = None,
    cluster: str | None = None,
    sigma: tuple[float, float] | None = None,
    baseline_costs: Callable | None = None,
    solve: SolveSettings | None = None,
    run: DrawSettings | None = None,
    **options,
) -> GEUncertainty:
    """CIs for all GE effects of ``scenario`` over coefficient (and σ) uncertainty.

    For each draw d: t̂_d = ``scenario(β_d)``, optionally the baseline re-solved from
    ``baseline_costs(β_d)``, and every effect from the exact GE (:func:`gravity.ge.solver.solve_batch`);
    the interval of each effect is its percentile interval over the successful draws.

    Parameters
    ----------
    base : Baseline
        The baseline at the point estimate.
    scenario : callable
        β (Series named like the coefficients) → cost change t̂ (matrix or Series keyed by
        (exporter, importer); pairs not listed do not change).
    fit : results, optional
        A fitted model with ``params`` and ``cov_params()`` (e.g. a PPML fit): parametric draws of
        ``coefficients`` (default: all its parameters).
    coefficients : sequence of str, optional
        The cost coefficients to draw.
    betas : BetaDraws, optional
        Draws made elsewhere (:func:`pair_bootstrap`, :func:`parametric_draws`); the point estimate
        then is ``fit``'s params if given, else the mean of the draws.
    refit, data, cluster : callable, DataFrame, str, optional
        Shortcut for ``betas=pair_bootstrap(data, refit, cluster=cluster, draws=draws, seed=seed)``,
        a pair-cluster bootstrap that re-estimates the coefficients (on ``workers``/``executor``).
    sigma : (float, float), optional
        (low, high): σ_d drawn uniformly in the range (the point uses ``base.sigma``).
    baseline_costs : callable, optional
        β → baseline t^{1-σ}; when given, each draw also re-solves the baseline.
    solve : SolveSettings, optional
        ``numeraire`` and ``deficits`` as in :func:`gravity.ge.solve` (default ``"reference"``, ``"ratio"``),
        ``tol`` and ``max_iter`` of every GE solve of a draw.
    run : DrawSettings, optional
        ``draws`` (D, default 1000), ``seed`` (of the draws and the σ draws), ``level`` (coverage, in
        (0, 1)), ``chunk`` (draws per task), ``progress``, ``label`` (what the draws are for, in the
        progress bar: ``"scenario (a), sigma=5"`` → ``GE draws, scenario (a), sigma=5: parametric``),
        ``workers`` (local Dask worker processes for the draws and the re-fits; 0 or 1 = in this process,
        on a thread per core; None = one per core; small jobs run in-process) and ``executor`` (where the
        draws run: :func:`gravity.execution.as_executor`; default ``GRAVITY_SCHEDULER`` if set, else
        ``workers``). The draws do not depend on where they ran.
    **options
        Any field of the two settings, e.g. ``draws=1000, seed=1, deficits="additive", workers=0``.

    Returns
    -------
    GEUncertainty

    Raises
    ------
    GEInputError
        No source of draws, unknown coefficients or options, a bad σ range or level, a bad covariance.
    GEConvergenceError
        The solve at the point estimate failed (failed draws are reported, not raised).

    References
    ----------
    Yotov et al. (2016), ch. 2; Anderson, Larch & Yotov (2018); Baier, Yotov & Zylkin (2019).
    """
    st, rs = settings_from(options, solve, run, where="confidence_intervals")
    st = _one_sector(st)
    betas, beta_hat = _resolve_betas(fit, coefficients, betas, rs, refit=refit, data=data, cluster=cluster)
    B = betas.betas
    D = len(B)
    rng = np.random.default_rng([rs.seed, 7919])
    if sigma is not None:
        lo, hi = sigma
        if not (1 < lo <= hi):
            raise GEInputError(f"sigma range must satisfy 1 < low <= high, got {sigma}")
        sig = rng.uniform(lo, hi, D)
    else:
        sig = np.full(D, base.sigma)

    # point estimate (exact solve at β̂ and base.sigma)
    b0, res0 = _point(base, scenario, beta_hat, baseline_costs, st)
    point = res0.countries

    n = base.n
    out = np.full((D, len(EFFECTS), n), np.nan)
    fails = [tuple(r) for r in betas.failures[["draw", "stage", "reason"]].itertuples(index=False)]
    draws = _Draws(scenario, B, sig, baseline_costs, st)
    _solve_draws([(base, b0, res0)], np.zeros(D, int), draws, out, [fails], rs, _bar_label(rs.label, betas.method))
    failures = pd.DataFrame(sorted(fails), columns=["draw", "stage", "reason"])
    _log_failures(failures, D)
    return GEUncertainty(base, point, out, B, sig, failures, rs.level, betas.method)


def _log_failures(failures: pd.DataFrame, n_draws: int) -> None:
    if len(failures):
        log.warning(
            "GE draws: %d of %d failed (%s)",
            len(failures),
            n_draws,
            "; ".join(f"{k}: {v}" for k, v in failures["reason"].value_counts().head(3).items()),
        )


def _bar_label(label: str, kind: str) -> str:
    """Progress-bar text naming what the GE draws are for and their kind (parametric, pair bootstrap)."""
    return f"GE draws, {label}: {kind}" if label else f"GE draws: {kind}"


def _resolve_betas(fit, coefficients, betas, rs: DrawSettings, *, refit=None, data=None, cluster=None):
    """The coefficient draws and the point estimate β̂ from the arguments of :func:`confidence_intervals`."""
    draws, seed = int(rs.draws), rs.seed
    if betas is None and refit is not None:
        if data is None or cluster is None:
            raise GEInputError("a bootstrap needs data= (the estimation sample) and cluster= (e.g. 'pair_id')")
        betas = pair_bootstrap(
            data,
            refit,
            cluster=cluster,
            draws=draws,
            seed=seed,
            progress=rs.progress,
            workers=rs.workers,
            executor=rs.executor,
        )
    if betas is None:
        if fit is None:
            raise GEInputError("give fit= (a model with params and cov_params()) or betas= (draws)")
        names = list(coefficients) if coefficients is not None else list(fit.params.index)
        missing = [c for c in names if c not in fit.params.index]
        if missing:
            raise GEInputError(f"coefficients {missing} are not parameters of the fit {list(fit.params.index)}")
        cov = fit.cov_params()
        cov = cov.loc[names, names] if isinstance(cov, pd.DataFrame) else np.asarray(cov)
        betas = parametric_draws(fit.params[names], cov, draws, seed)
        beta_hat = fit.params[names].astype(float)
    else:
        names = list(betas.betas.columns)
        beta_hat = fit.params[names].astype(float) if fit is not None else betas.betas.mean(axis=0, skipna=True)
    return betas, beta_hat


def _point(base, scenario, beta_hat, baseline_costs, st: SolveSettings):
    """The baseline at β̂ (re-built when ``baseline_costs`` is given) and the exact solve at β̂."""
    b0 = base
    if baseline_costs is not None:
        b0 = base.with_costs(_as_matrix(base, baseline_costs(beta_hat), "baseline_costs", False))
    res0 = solve(
        b0,
        _as_matrix(base, scenario(beta_hat), "scenario", True),
        numeraire=st.numeraire or "reference",
        deficits=st.deficits or "ratio",
    )
    return b0, res0


@dataclass(frozen=True)
class _Draws:
    """What every draw task needs besides its variant: the scenario, the coefficient and σ draws, the
    optional baseline-cost function and the solve settings (the executor ships it once per worker)."""

    scenario: Callable
    betas: pd.DataFrame
    sigmas: np.ndarray
    baseline_costs: Callable | None
    solve: SolveSettings


def _solve_draws(points, assignment, draws: _Draws, out, fails, rs: DrawSettings, desc: str):
    """Effects of every draw d on its variant ``points[assignment[d]]`` into ``out[d]``, failures
    appended to ``fails[v]``.

    ``points[v]`` = (base, b0, res0): a variant's baseline and its point solution. The draws go
    through the executor of ``rs`` in tasks of up to ``rs.chunk`` draws of one variant (one tqdm step per
    draw solved). Every draw is solved on its own, warm-started at the point solution, so ``out[d]`` does
    not depend on which other draws share its task, nor on where or with how many threads it ran."""
    chunk = int(rs.chunk)
    tasks = [
        (v, ids[start : start + chunk])
        for v in range(len(points))
        for ids in [[int(d) for d in np.flatnonzero(assignment == v)]]
        for start in range(0, len(ids), chunk)
    ]
    n = points[0][0].n
    executor = as_executor(rs.executor, workers=rs.workers)
    results = executor.map(
        _solve_chunk,
        tasks,
        shared=(points, draws),
        desc=desc,
        progress=rs.progress,
        sizes=[len(ids) for _, ids in tasks],
        unit="draw",
        tiny=len(draws.betas) * n * n < _TINY_GE_CELLS,
    )
    for (v, ids), (eff, new) in zip(tasks, results):
        out[ids] = eff
        fails[v].extend(new)


def _solve_chunk(task, shared):
    """Executor task: the effects of the draws ``ids`` on variant ``v`` (NaN where they failed) and
    the failures (draw, stage, reason)."""
    v, ids = task
    points, draws = shared
    st = draws.solve
    base, b0, res0 = points[v]
    n = base.n
    out = np.full((len(ids), len(EFFECTS), n), np.nan)
    fails = []
    that = np.ones((len(ids), n, n))
    tb = np.empty((len(ids), n, n)) if draws.baseline_costs is not None else None
    good = np.zeros(len(ids), bool)
    for k, d in enumerate(ids):
        beta = draws.betas.iloc[d]
        if beta.isna().any():
            continue  # failed re-fit, already listed
        try:
            that[k] = _as_matrix(base, draws.scenario(beta), "scenario", True)
            if tb is not None:
                tb[k] = _as_matrix(base, draws.baseline_costs(beta), "baseline_costs", False)
            good[k] = True
        except Exception as exc:
            fails.append((d, "scenario", f"{type(exc).__name__}: {exc}"))
    sel = np.flatnonzero(good)
    if sel.size:
        t_in = tb[sel] if tb is not None else base.fitted
        eff, status = solve_batch(
            t_in,
            that[sel],
            base.Y,
            base.E,
            draws.sigmas[[ids[j] for j in sel]],
            base.ref,
            st.numeraire,
            st.tol,
            st.max_iter,
            start=(b0.omr, res0.omr_hat_cdl, res0.price_hat),
            deficits=st.deficits,
        )
        for j, e, code in zip(sel, eff, status):
            if code == 0:
                out[j] = e
            else:
                fails.append((ids[j], "solve", STATUS[int(code)]))
    return out, fails


class PooledUncertainty(GEUncertainty):
    """Intervals pooled over baseline variants (:func:`pooled_intervals`).

    A :class:`GEUncertainty` whose ``point`` is the central variant at β̂ and whose ``lower`` /
    ``upper`` are percentiles over all draws (each solved on its own variant), plus:

    Attributes
    ----------
    names : list of str
        The variants, in the order given.
    central : str
        The variant of the point estimate.
    assignment : (D,) int array
        Variant of each draw (index into ``names``).
    variants : dict of str to GEUncertainty
        Per variant: its point estimate at β̂ and the percentiles over its own draws.

    References
    ----------
    Anderson, Larch & Yotov (2018); Yotov et al. (2016), ch. 2.
    """

    def __init__(
        self, base, point, draws, betas, sigmas, failures, level, method, names, central, assignment, variants
    ):
        super().__init__(base, point, draws, betas, sigmas, failures, level, method)
        self.names, self.central = list(names), central
        self.assignment = assignment
        self.variants = variants

    def variant_table(self, effect: str) -> pd.DataFrame:
        """One effect per variant and pooled, side by side.

        Parameters
        ----------
        effect : str
            A name of :data:`gravity.ge.solver.EFFECTS`.

        Returns
        -------
        DataFrame
            Columns (variant name or ``"pooled"``, point|lower|upper), one row per country.

        Raises
        ------
        GEInputError
            Unknown effect.
        """
        parts = {name: u.table(effect) for name, u in self.variants.items()}
        parts["pooled"] = self.table(effect)
        out = pd.concat(parts, axis=1)
        out.attrs = dict(self.point.attrs)
        return out

    def __repr__(self) -> str:
        return (
            f"PooledUncertainty({self.method}, {self.n_draws} draws over {len(self.names)} variants "
            f"{self.names}, central {self.central!r}, {self.n_failed} failed, level={self.level})"
        )


def pooled_intervals(
    variants: Sequence[tuple[str, Baseline]],
    scenario: Callable,
    *,
    fit=None,
    coefficients=None,
    betas: BetaDraws | None = None,
    central: str | None = None,
    baseline_costs: Callable | None = None,
    solve: SolveSettings | None = None,
    run: DrawSettings | None = None,
    **options,
) -> PooledUncertainty:
    """Intervals for all GE effects that carry the coefficients, σ and the baseline construction.

    Draw d pairs the coefficients β_d with one baseline variant v_d (e.g. σ ∈ {3, 5, 7} and observed
    vs constructed domestic flows), v_d = (d + o) mod V with the offset o drawn from ``seed``: every
    variant gets an equal share of the draws (counts differ by at most one), and draw d is the same
    however the work is split. Each draw is solved exactly on its variant (t̂_d = ``scenario(β_d)``,
    σ of the variant); the pooled interval is the percentile interval over all successful draws, a
    mixture with equal weights. With one variant this is :func:`confidence_intervals`.

    Parameters
    ----------
    variants : sequence of (str, Baseline)
        Named baselines over the same countries (in the same order); each carries its own σ and flows.
    scenario : callable
        β → cost change t̂ (as in :func:`confidence_intervals`), valid for every variant.
    fit, coefficients, betas : optional
        The source of the draws β_d and of β̂, as in :func:`confidence_intervals` (parametric draws from
        ``fit``, or ``betas`` made elsewhere, e.g. :func:`pair_bootstrap`).
    central : str, optional
        The variant of the point estimate (default the first).
    baseline_costs : callable, optional
        β → baseline t^{1-σ}, re-solving each variant's baseline per draw.
    solve, run, **options
        As in :func:`confidence_intervals` (``draws``, ``seed`` — of the parametric draws and of the variant
        offset —, ``level``, ``deficits``, ``progress``, ``label`` with the draw kind and the variant count,
        ``chunk`` — tasks never mix variants —, ``workers``, ``executor`` ...). The draws do not depend on
        where they ran.

    Returns
    -------
    PooledUncertainty
        ``point`` (central variant at β̂), ``lower``/``upper`` (pooled), ``variants`` (each variant's
        point and percentiles over its own draws), ``assignment``; ``failures`` has a ``variant`` column.

    Raises
    ------
    GEInputError
        No variants, repeated names, variants over different countries, an unknown ``central``, a
        bad level or option, or no source of draws.
    GEConvergenceError
        The solve at the point estimate of a variant failed (failed draws are reported, not raised).

    References
    ----------
    Anderson, Larch & Yotov (2018); Yotov et al. (2016), ch. 2; Baier, Yotov & Zylkin (2019).
    """
    variants, central = _check_variants(variants, central)
    names = [name for name, _ in variants]
    st, rs = settings_from(options, solve, run, where="pooled_intervals")
    st = _one_sector(st)
    betas, beta_hat = _resolve_betas(fit, coefficients, betas, rs)
    B = betas.betas
    D, V = len(B), len(variants)
    offset = int(np.random.default_rng([rs.seed, 7933]).integers(V))
    assignment = (np.arange(D) + offset) % V
    out = np.full((D, len(EFFECTS), variants[0][1].n), np.nan)
    sig = np.empty(D)
    points = []
    for v, (_, base) in enumerate(variants):
        sig[assignment == v] = base.sigma
        points.append((base, *_point(base, scenario, beta_hat, baseline_costs, st)))
    prior = [tuple(r) for r in betas.failures[["draw", "stage", "reason"]].itertuples(index=False)]
    vfs = [[f for f in prior if assignment[int(f[0])] == v] for v in range(V)]
    _solve_draws(
        points,
        assignment,
        _Draws(scenario, B, sig, baseline_costs, st),
        out,
        vfs,
        rs,
        _bar_label(rs.label, f"{betas.method}, {V} variants"),
    )
    per, fails = {}, []
    for v, (name, base) in enumerate(variants):
        ids = [int(d) for d in np.flatnonzero(assignment == v)]
        fails += [(*f, name) for f in vfs[v]]
        vfail = pd.DataFrame(sorted(vfs[v]), columns=["draw", "stage", "reason"])
        per[name] = GEUncertainty(
            base, points[v][2].countries, out[ids], B.iloc[ids], sig[ids], vfail, rs.level, betas.method
        )
    failures = pd.DataFrame(sorted(fails), columns=["draw", "stage", "reason", "variant"])
    _log_failures(failures, D)
    c = names.index(central)
    return PooledUncertainty(
        variants[c][1],
        points[c][2].countries,
        out,
        B,
        sig,
        failures,
        rs.level,
        f"{betas.method}, pooled over {V} variants",
        names,
        central,
        assignment,
        per,
    )


def _check_variants(variants, central: str | None) -> tuple[list[tuple[str, Baseline]], str]:
    """Named baselines over the same countries, distinct names, and the central one (default the first)."""
    variants = [(str(name), b) for name, b in variants]
    if not variants:
        raise GEInputError("pooled_intervals: give at least one (name, Baseline) variant")
    names = [v[0] for v in variants]
    if len(set(names)) != len(names):
        raise GEInputError(f"pooled_intervals: variant names must be distinct, got {names}")
    first = variants[0][1]
    for name, b in variants:
        if not isinstance(b, Baseline):
            raise GEInputError(f"pooled_intervals: variant {name!r} is a {type(b).__name__}, not a Baseline")
        if not np.array_equal(b.countries, first.countries):
            diff = sorted(set(b.countries) ^ set(first.countries))
            raise GEInputError(
                f"pooled_intervals: variant {name!r} has other countries than {names[0]!r} "
                f"(differing: {diff[:10]}); build every variant over the same countries"
            )
    central = names[0] if central is None else central
    if central not in names:
        raise GEInputError(f"pooled_intervals: central variant {central!r} is not one of {names}")
    return variants, central
