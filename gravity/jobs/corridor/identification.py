"""How far the headline estimate can be trusted: bias correction and leave-one-out refits.

* **Bias correction** (Weidner & Zylkin 2021): three-way PPML with exporter-year, importer-year and pair
  effects has an incidental-parameter bias in β̂ and pair-clustered SEs that are too small. The headline
  is corrected (:func:`gravity.estimation.bias.bias_correct`); the GE draws use the corrected β̃ and its
  locally de-biased covariance.
* **Leave one landlocked country out**: the landlocked connectivity elasticity b_main + b_ll re-estimated
  without each landlocked country in turn (every row it is exporter or importer of), so a reader sees
  whether one country drives it.

References
----------
Weidner, M. & Zylkin, T. (2021). Bias and consistency in three-way gravity models. *Journal of
International Economics* 132: 103513.
"""

from __future__ import annotations

import logging

import numpy as np
import pandas as pd

from gravity._progress import progress_bar
from gravity.estimation.ppml import ppml

log = logging.getLogger("gravity.corridor")


def bias_corrected(fit, *, i: str = "exporter", j: str = "importer", t: str = "year"):
    """The headline corrected by :meth:`PPMLResults.bias_correct` (analytical), or (None, why) when the
    fit is not the three-way structure the correction covers.

    Returns
    -------
    (BiasCorrected or None, str)
    """
    try:
        return fit.bias_correct(i=i, j=j, t=t), ""
    except ValueError as exc:  # BiasSpecError: not i^t + j^t + pair, weights, ...
        why = str(exc).splitlines()[0]
        log.warning("headline not bias-corrected: %s", why)
        return None, why


def elasticity(fit, main: str, ll: str | None, level: float) -> tuple[float, float, float, float]:
    """(estimate, se, lo, hi) of b_main + b_ll (lincom), or of b_main alone when ``ll`` is None."""
    lc = fit.lincom([main] + ([ll] if ll else []), level=level)
    lo, hi = lc.conf_int()
    return float(lc.estimate), float(lc.se), float(lo), float(hi)


def leave_one_out(
    spec, frame: pd.DataFrame, countries, *, main: str, ll: str | None, level: float, progress: bool = True
) -> pd.DataFrame:
    """The landlocked connectivity elasticity re-estimated without each of ``countries`` in turn.

    Parameters
    ----------
    spec : Specification
        The headline specification (formula, cluster).
    frame : DataFrame
        The rows the headline fit used.
    countries : iterable of str
        The countries to leave out one at a time (the landlocked countries of the sample).
    main, ll : str
        The connectivity regressor and its landlocked interaction.

    Returns
    -------
    DataFrame
        left_out, rows, estimate, se, lo, hi (landlocked elasticity; coastal when ``ll`` is None), note.
    """
    rows = []
    ex, im = frame["exporter"].to_numpy(), frame["importer"].to_numpy()
    for c in progress_bar(list(countries), desc="leave-one-out refits", unit="refit", disable=not progress):
        keep = (ex != c) & (im != c)
        note = ""
        try:
            f = ppml(spec.formula, frame.loc[keep], cluster=spec.cluster, missing="drop", separation=("fe",))
            est, se, lo, hi = elasticity(f, main, ll, level)
        except (ValueError, np.linalg.LinAlgError) as exc:
            est = se = lo = hi = float("nan")
            note = f"{type(exc).__name__}: {str(exc).splitlines()[0]}"
        rows.append(dict(left_out=c, rows=int(keep.sum()), estimate=est, se=se, lo=lo, hi=hi, note=note))
    return pd.DataFrame(rows)
