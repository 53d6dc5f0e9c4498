"""Exceptions of the GE layer (imported by every GE module; imports only :mod:`gravity.errors`)."""

from __future__ import annotations

from gravity.errors import GravityError

__all__ = ["GEInputError", "GEConvergenceError"]


class GEInputError(GravityError, ValueError):
    """Input to the GE module that cannot be used as given (the message says what to fix)."""


class GEConvergenceError(GravityError, RuntimeError):
    """The fixed point did not converge within ``max_iter`` iterations."""
