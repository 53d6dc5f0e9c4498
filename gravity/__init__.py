"""gravity: structural gravity for trade ministries.

data → panel → estimation → scenario → ge → report → jobs. This module is the package face for users,
notebooks and the command line: it re-exports the public API lazily (PEP 562), so ``import gravity``
loads nothing heavy, and library code never imports it. Importing any ``gravity`` module runs this file
first: it chooses the folder of compiled numba kernels (:mod:`gravity._numba_cache`) before numba loads,
so that make, the CLI, scripts, notebooks and Dask workers all find the kernels ``make install`` compiled.
"""

from __future__ import annotations

import importlib

from gravity._numba_cache import configure as _configure_numba_cache

__version__ = "0.1.0"

_configure_numba_cache()

# public name → (module, attribute); attribute None = the module itself
_EXPORTS: dict[str, tuple[str, str | None]] = {
    "data": ("gravity.data", None),
    "countries": ("gravity.data.countries", None),
    "load": ("gravity.data.registry", "load"),
    "load_indicators": ("gravity.data.readers.indicators", "load_indicators"),
    "build_panel": ("gravity.panel.build", "build_panel"),
    "PanelValidationError": ("gravity.panel.build", "PanelValidationError"),
    "coverage_report": ("gravity.panel.coverage", "coverage_report"),
    "write_coverage": ("gravity.report.plots", "write_coverage"),
    "ppml": ("gravity.estimation.ppml", "ppml"),
    "parse_formula": ("gravity.estimation.formula", "parse_formula"),
    "ols": ("gravity.estimation.ols", "ols"),
    "regtable": ("gravity.report.tables", "regtable"),
    "load_corridor": ("gravity.scenario.config", "load_config"),
    "ScenarioFileError": ("gravity.scenario.config", "ScenarioFileError"),
    "ge": ("gravity.ge", None),
    "solve_ge": ("gravity.ge.solver", "solve"),
    "corridor": ("gravity.jobs.corridor", None),
    "run_replication": ("gravity.jobs.replicate.runners", "run"),
}

__all__ = sorted(_EXPORTS) + ["__version__"]


def __getattr__(name: str):
    try:
        module, attr = _EXPORTS[name]
    except KeyError:
        raise AttributeError(f"module 'gravity' has no attribute {name!r}") from None
    value = importlib.import_module(module)
    if attr is not None:
        value = getattr(value, attr)
    globals()[name] = value
    return value


def __dir__():
    return __all__
