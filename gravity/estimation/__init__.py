"""Estimation: PPML and OLS with high-dimensional fixed effects and their shared building blocks.

``ppml`` (input handling and result) on ``irls`` (the IRLS loop); ``ols`` (log-linear comparison
columns); ``parse_formula``/``build_design`` (fixest-style formulas); ``demean`` (within-
transformation; numba kernels in ``_kernels``); ``separation`` checks; ``rank`` (collinear slopes,
fixed-effect degrees of freedom); ``vcov`` (the one sandwich and small-sample correction, ``SSC``);
``results`` (one results base: ``params``, ``bse``, ``conf_int``, ``summary``, ``lincom``,
``t_test``, ``wald_test``).
"""

from gravity.estimation.formula import Spec, build_design, parse_formula
from gravity.estimation.ols import OLSResults, ols
from gravity.estimation.ppml import ppml
from gravity.estimation.results import EstimationResults, LinearCombination, PPMLResults
from gravity.estimation.vcov import SSC

__all__ = [
    "ppml",
    "ols",
    "PPMLResults",
    "OLSResults",
    "EstimationResults",
    "LinearCombination",
    "parse_formula",
    "build_design",
    "Spec",
    "SSC",
]
