"""Where numba keeps the compiled kernels: one folder for every entry point.

Every kernel is ``@njit(cache=True)``: compiled once, its machine code is written to a cache folder and
loaded by later processes. ``make install`` fills that folder (``python -m gravity._warmup``); a script,
the ``gravity`` command, a notebook or a Dask worker must then look in the same one. ``import gravity``
therefore chooses it before numba is imported, by one rule:

1. the environment variable ``NUMBA_CACHE_DIR``, when set (left as it is);
2. ``.numba_cache`` in the source checkout that holds the package (a ``pyproject.toml`` beside the
   ``gravity`` folder, e.g. a clone installed with ``make install`` / ``pip install -e .``), when writable;
3. ``$XDG_CACHE_HOME/gravity/numba``, else ``~/.cache/gravity/numba`` (an installed wheel).

The choice is written to ``NUMBA_CACHE_DIR`` so that worker processes inherit it. Numba keys each entry
by the kernel file's path and modification time, so several checkouts can share rule 3's folder.

This module imports nothing from the rest of ``gravity`` (nor numba).
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Any

__all__ = ["CHOSEN", "ENV", "cache_dir", "configure"]

ENV = "NUMBA_CACHE_DIR"

CHOSEN: tuple[Path, str] | None = None
"""What :func:`configure` chose when ``gravity`` was imported: (folder, rule)."""


def cache_dir() -> tuple[Path, str]:
    """The kernel cache folder and the rule that chose it (module docstring).

    Returns
    -------
    (pathlib.Path, str)
        The folder (it need not exist yet) and ``"NUMBA_CACHE_DIR"``, ``"source checkout"`` or
        ``"user cache"``.
    """
    given = os.environ.get(ENV, "").strip()
    if given:
        return Path(given).expanduser(), ENV
    checkout = Path(__file__).resolve().parents[1]
    here = checkout / ".numba_cache"
    if (checkout / "pyproject.toml").is_file() and os.access(here if here.is_dir() else checkout, os.W_OK):
        return here, "source checkout"
    base = os.environ.get("XDG_CACHE_HOME", "").strip() or Path.home() / ".cache"
    return Path(base) / "gravity" / "numba", "user cache"


def configure() -> tuple[Path, str]:
    """Set ``NUMBA_CACHE_DIR`` (and numba's setting, if numba was imported first) to :func:`cache_dir`.

    Returns
    -------
    (pathlib.Path, str)
        The folder in use and the rule that chose it (also kept in :data:`CHOSEN`).
    """
    global CHOSEN
    path, rule = CHOSEN = cache_dir()
    if rule != ENV:
        os.environ[ENV] = str(path)
    config: Any = sys.modules.get("numba.core.config")
    if config is not None and not getattr(config, "CACHE_DIR", ""):
        config.CACHE_DIR = str(path)  # numba read the environment before gravity was imported
    return CHOSEN
