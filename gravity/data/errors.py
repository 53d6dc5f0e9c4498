"""The data layer's error for arguments and files a reader cannot use.

The other data errors live beside the code that raises them: :class:`gravity.data.registry.DataUnavailableError`
(a file that cannot be had), :class:`~gravity.data.registry.ChecksumError`,
:class:`~gravity.data.registry.DataConfigError` (``gravity.toml``), :class:`gravity.data.countries.UnknownCountryError`
and :class:`gravity.data.readers.wiod.WIODNegativeFlowError`. All derive from :class:`gravity.errors.GravityError`.
"""

from __future__ import annotations

from gravity.errors import GravityError

__all__ = ["DataInputError"]


class DataInputError(GravityError, ValueError):
    """An argument a reader cannot use (unknown year, indicator, option) or a file not in the layout its
    reader expects; the message names the file or argument, what was found and the fix."""
