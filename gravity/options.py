"""Option strings: each a ``typing.Literal`` alias with one validator made here.

A module that takes an option string declares its values once, as a ``Literal`` alias that type
checkers and readers see in the signature, and makes its validator from it::

    Numeraire = Literal["reference", "world_output"]
    check_numeraire = validator(Numeraire, "numeraire", GEInputError)

    def solve(..., numeraire: Numeraire = "reference"):
        numeraire = check_numeraire(numeraire)     # GEInputError naming the values and the fix

The validator returns the value (or the canonical word of an accepted synonym) and raises the layer's
own error (a :class:`gravity.errors.GravityError` and ``ValueError``) listing the allowed values. Like
:mod:`gravity.errors`, this module imports nothing of gravity's layers; every layer may use it.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, get_args

from gravity.errors import ArgumentTypeError, GravityError, OptionError

__all__ = ["choices", "validator"]


def choices(alias: Any) -> tuple[str, ...]:
    """The values of a ``Literal`` alias, in declaration order."""
    values = get_args(alias)
    if not values or not all(isinstance(v, str) for v in values):
        raise ArgumentTypeError(f"{alias!r} is not a Literal of strings")
    return values


def validator(
    alias: Any,
    name: str,
    error: type[GravityError] = OptionError,
    *,
    synonyms: Mapping[str, str] | None = None,
    hint: str = "",
) -> Callable[[Any], Any]:
    """The one validator of option ``name`` whose values are the ``Literal`` ``alias``.

    Parameters
    ----------
    alias : typing.Literal of str
        The allowed values.
    name : str
        The argument's name, for the message.
    error : type
        The exception raised (a subclass of :class:`~gravity.errors.GravityError` and ``ValueError``).
    synonyms : mapping of str to str, optional
        Accepted spellings mapped to an allowed value (e.g. ``{"robust": "hetero"}``).
    hint : str
        Appended to the message (what each value means, or what replaced a removed one).

    Returns
    -------
    callable
        ``check(value)``: the allowed value, or ``error`` naming ``name``, the values and ``hint``.
    """
    allowed = choices(alias)
    syn = dict(synonyms or {})
    bad_syn = {k: v for k, v in syn.items() if v not in allowed}
    if bad_syn:
        raise ArgumentTypeError(f"synonyms of {name!r} map to values outside {allowed}: {bad_syn}")

    def check(value: Any) -> Any:  # the value, a member of ``alias`` (typed Any: it stands for the Literal)
        v = syn.get(value, value) if isinstance(value, str) else value
        if v not in allowed:
            more = f" (or {sorted(syn)})" if syn else ""
            raise error(f"{name} must be one of {list(allowed)}{more}, got {value!r}" + (f"; {hint}" if hint else ""))
        return str(v)

    check.__name__ = f"check_{name}"
    check.__doc__ = f"``{name}``: one of {list(allowed)}; raises {error.__name__} otherwise."
    return check
