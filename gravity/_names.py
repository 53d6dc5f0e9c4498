""" "Did you mean ...?" for a misspelt name (a replication, a dataset key, a model file, a country).

This module imports nothing from the rest of ``gravity``; every layer may use it.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable

__all__ = ["closest", "did_you_mean"]


def closest(name: str, choices: Iterable[str], n: int = 3, cutoff: float = 0.6) -> list[str]:
    """The choices most similar to ``name``, best first: those that contain it (case-insensitive, shortest
    first), then those :func:`difflib.get_close_matches` finds.

    Parameters
    ----------
    name : str
        What was given.
    choices : iterable of str
        The valid names.
    n : int
        At most this many.
    cutoff : float
        Least similarity ratio in [0, 1].

    Returns
    -------
    list of str
        The valid names as written in ``choices``.
    """
    choices = list(dict.fromkeys(str(c) for c in choices))
    by_lower: dict[str, str] = {}
    for c in choices:
        by_lower.setdefault(c.lower(), c)
    key = str(name).lower()
    within = sorted((c for c in by_lower if key in c), key=len) if len(key) >= 3 else []
    near = difflib.get_close_matches(key, list(by_lower), n=n, cutoff=cutoff)
    return [by_lower[m] for m in dict.fromkeys(within + near)][:n]


def did_you_mean(name: str, choices: Iterable[str], n: int = 2) -> str:
    """``"did you mean 'a' or 'b'?"`` for the nearest valid names, or ``""`` when none is near.

    Examples
    --------
    >>> did_you_mean("caliendo-paro", ["yotov2016-ch1", "caliendo-parro-2015", "ppmlhdfe-separation"])
    "did you mean 'caliendo-parro-2015'?"
    """
    near = closest(name, choices, n=n)
    if not near:
        return ""
    return "did you mean " + " or ".join(repr(m) for m in near) + "?"
