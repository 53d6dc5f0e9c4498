"""Compile and cache the numba kernels once, on tiny inputs (``make install`` runs ``python -m gravity._warmup``).

Every kernel is ``@njit(cache=True)``: the first call in a fresh environment compiles it (about 12 s for
the whole set on 2 cores) and writes machine code to the package's kernel cache (:mod:`gravity._numba_cache`:
``NUMBA_CACHE_DIR``, else the checkout's ``.numba_cache``, else ``~/.cache/gravity/numba``), the folder every
entry point reads; later processes load it in milliseconds. Compiling lazily does not help a user: the README's
first ``ppml`` and ``ge.solve`` use nearly every kernel. So this module runs the public estimators and the GE
solver on a synthetic 8-country panel through the same code paths and argument types as real data (string country
codes, integer years, float64 flows; one-, two- and three-way fixed effects, clustered and robust
inference, frequency weights, separation checks, the three-way bias correction, conditional and
full-endowment GE under each deficit closure, parametric draws), so that each kernel signature users hit is
compiled and cached before first use.
No number computed here is kept.
"""

from __future__ import annotations

import logging
import time

import numpy as np
import pandas as pd


def _panel(n: int = 8, years=(2000, 2004, 2008), seed: int = 0) -> pd.DataFrame:
    """Square exporter × importer × year flows with domestic cells, log distance and a border dummy."""
    rng = np.random.default_rng(seed)
    codes = [f"C{i:02d}" for i in range(n)]
    xy = rng.uniform(0, 10, (n, 2))
    rows = []
    for t, year in enumerate(years):
        for i, o in enumerate(codes):
            for j, d in enumerate(codes):
                dist = float(np.hypot(*(xy[i] - xy[j]))) + 0.5
                border = float(i != j)
                mu = np.exp(3.0 + 0.1 * t - 0.8 * np.log(dist) - 1.5 * border + 0.2 * (i % 3) + 0.1 * (j % 2))
                rta = float((i + j + t) % 4 == 0)
                rows.append((o, d, year, rng.poisson(50 * mu) / 50.0, np.log(dist), border, rta))
    df = pd.DataFrame(rows, columns=["exporter", "importer", "year", "trade", "ln_DIST", "INTL_BRDR", "RTA"])
    df["pair_id"] = df["exporter"] + "_" + df["importer"]
    return df


def run(verbose: bool = True) -> float:
    """Run every numba kernel once so that ``cache=True`` writes it.

    Parameters
    ----------
    verbose : bool, default True
        Print one line with the elapsed time.

    Returns
    -------
    float
        Seconds spent (compiling on a fresh environment, loading the cache otherwise).
    """
    from gravity.estimation.multi import only_fit
    from gravity.estimation.ppml import ppml
    from gravity.estimation.separation import _LSE
    from gravity.ge.baseline import Baseline, trade_costs
    from gravity.ge.deficits import purge_deficits
    from gravity.ge.solver import solve
    from gravity.ge.uncertainty import confidence_intervals, parametric_draws

    t0 = time.perf_counter()
    df = _panel()
    intl = df[df.exporter != df.importer]
    ppml("trade ~ ln_DIST + RTA | exporter^year + importer^year", intl, cluster="pair_id")
    ppml("trade ~ RTA | exporter^year + importer^year + pair_id", df, cluster="pair_id", weights=np.ones(len(df)))
    three = only_fit(
        ppml("trade ~ RTA | exporter^year + importer^year + exporter^importer", df, cluster="exporter^importer")
    )
    three.bias_correct(i="exporter", j="importer", t="year")  # Weidner & Zylkin kernels (README snippet 2)
    sep = intl.assign(SEP=(intl.exporter == "C01").astype(float) * (intl.importer <= "C03"))
    sep.loc[sep.SEP > 0, "trade"] = 0.0  # SEP > 0 only where trade = 0: separated rows (the rectifier's LSMR)
    quiet = logging.getLogger("gravity.estimation")
    level = quiet.level
    quiet.setLevel(logging.ERROR)  # SEP is then all zero: its "dropped" note is expected
    try:
        ppml("trade ~ ln_DIST + SEP | exporter^year + importer^year", sep)
    finally:
        quiet.setLevel(level)
    # the rectifier's matrix-free LSMR operator, used on large samples only (README snippet 2's fits by year)
    codes = np.vstack([pd.factorize(sep[c])[0] for c in ("exporter", "importer")]).astype(np.int32)
    lse = _LSE(
        np.array(sep[["ln_DIST"]], dtype=float),
        codes,
        [int(codes[0].max()) + 1, int(codes[1].max()) + 1],
        (sep.trade == 0).to_numpy(),
        dense_max=0,
    )
    op = lse.operator()
    op.rmatvec(op.matvec(np.zeros(lse.q)))
    ppml("trade ~ ln_DIST + RTA + INTL_BRDR | exporter + importer", df[df.year == 2008], vcov="robust")
    one = df[df.year == 2008]
    fit = only_fit(ppml("trade ~ ln_DIST + INTL_BRDR | exporter + importer", one))
    base = Baseline.from_trade(one, sigma=7, costs=trade_costs(one, fit.params), reference="C00")
    new = trade_costs(one.assign(INTL_BRDR=0.0), fit.params)
    for deficits in ("ratio", "additive"):
        solve(base, new_costs=new, deficits=deficits)
    solve(purge_deficits(base), new_costs=new)
    scen = one.assign(INTL_BRDR=0.0)
    parametric_draws(fit.params, fit.cov_params(), 2, seed=0)
    confidence_intervals(
        base, lambda b: trade_costs(scen, b) / trade_costs(one, b), fit=fit, draws=4, seed=0, progress=False
    )
    seconds = time.perf_counter() - t0
    if verbose:
        from gravity._numba_cache import CHOSEN, configure

        folder, rule = CHOSEN or configure()
        print(f"numba kernels compiled and cached in {seconds:.1f} s in {folder} ({rule})")
    return seconds


if __name__ == "__main__":
    run()
