"""The report layer's error (a subclass of :class:`gravity.errors.GravityError` and ``ValueError``)."""

from __future__ import annotations

from gravity.errors import GravityError

__all__ = ["ReportError"]


class ReportError(GravityError, ValueError):
    """A table, sheet note, image or result the report writers cannot use; the message names it and the fix."""
