"""Errors of the estimation layer that are not tied to one module.

:class:`EstimationError` is the general one (bad arguments, data that cannot identify the model);
:class:`~gravity.estimation.formula.FormulaError`, :class:`~gravity.estimation.ols.OLSInputError`,
:class:`~gravity.estimation.results.HypothesisError` and :class:`~gravity.estimation.bias.BiasSpecError`
live beside the code that raises them. All derive from :class:`gravity.errors.GravityError`.
"""

from __future__ import annotations

from gravity.errors import GravityError

__all__ = ["EstimationError", "SeparationError", "UnknownGroupError"]


class EstimationError(GravityError, ValueError):
    """The arguments or the data cannot give the model or its covariance (an unknown option, fewer
    observations than parameters, a singular system); the message names the model, the counts and the fix."""


class SeparationError(GravityError, RuntimeError):
    """A separation check did not converge; the message names the check and how to skip it."""


class UnknownGroupError(GravityError, KeyError):
    """A group of a per-group fit (``ppml(by=)``) that was not estimated; the message gives the reason."""


class EstimationWarning(UserWarning):
    """A fit that ran but whose numbers say little (e.g. a constant outcome fitted exactly); the message
    names the model and the fix."""
