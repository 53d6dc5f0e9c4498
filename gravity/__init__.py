"""gravity: structural gravity for trade ministries.

data → panel → estimate → scenario → ge → report. This module re-exports the public API only.
"""
from gravity import datasets
from gravity.datasets import load
from gravity.estimation import ppml, parse_formula  # PPML-HDFE (issue 2, part 3)
from gravity.estimation.ols import ols  # log-linear OLS with absorbed FE (issue 5)
from gravity.report.tables import regtable  # regression tables (issue 5)
from gravity import ge  # GE counterfactuals (issue 3): gv.ge.Baseline, gv.ge.solve, ...
from gravity.ge import solve as solve_ge  # noqa: E402  (issue 3)

__version__ = "0.1.0"
