"""Exceptions of the GE layer (imported by every GE module; imports nothing of gravity)."""
from __future__ import annotations

__all__ = ["GEInputError", "GEConvergenceError"]


class GEInputError(ValueError):
    """Input to the GE module that cannot be used as given (the message says what to fix)."""


class GEConvergenceError(RuntimeError):
    """The fixed point did not converge within ``max_iter`` iterations."""
