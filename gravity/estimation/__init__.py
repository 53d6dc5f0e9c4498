"""Estimation: PPML with high-dimensional fixed effects and its building blocks.

``ppml`` (IRLS driver), ``parse_formula``/``build_design`` (fixest-style formulas, reused by OLS),
``demean`` (numba within-transformation), separation checks and variance estimators.
"""
from gravity.estimation.formula import Spec, build_design, parse_formula
from gravity.estimation.ppml import ppml
from gravity.estimation.results import PPMLResults
from gravity.estimation.vcov import SSC

__all__ = ["ppml", "PPMLResults", "parse_formula", "build_design", "Spec", "SSC"]
