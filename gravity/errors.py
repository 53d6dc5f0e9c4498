"""The root of gravity's exceptions: every error the package raises derives from :class:`GravityError`.

Each layer defines the errors it raises (``gravity.data.errors.DataInputError``,
``gravity.panel.build.PanelValidationError``, ``gravity.estimation.errors.EstimationError``,
``gravity.ge.errors.GEInputError``, ...), each a subclass of :class:`GravityError` *and* of the built-in
exception it specialises (``ValueError`` for bad input, ``RuntimeError`` for a solver that did not
converge, ``FileNotFoundError`` for a file that cannot be had), so both ::

    except gravity.errors.GravityError:     # anything gravity refused, with its message and fix
    except ValueError:                      # what the standard library would raise

catch them. Like :mod:`gravity.execution`, this module imports nothing of gravity, so every layer may
import it (an import-linter contract in ``pyproject.toml``).
"""

from __future__ import annotations

__all__ = ["ArgumentTypeError", "GravityError", "OptionError"]


class GravityError(Exception):
    """Base of every exception raised by gravity; the message names what is wrong and the fix."""


class OptionError(GravityError, ValueError):
    """An option string that is not one of its allowed values (:func:`gravity.options.check`)."""


class ArgumentTypeError(GravityError, TypeError):
    """An argument of the wrong type (a DataFrame expected, a function expected); the message names it."""
