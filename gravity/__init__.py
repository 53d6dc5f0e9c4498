"""gravity: structural gravity for trade ministries.

data → panel → estimate → scenario → ge → report. This module re-exports the public API only.
"""
from gravity import datasets
from gravity.datasets import load
from gravity.estimation import ppml, parse_formula  # PPML-HDFE (issue 2, part 3)

__version__ = "0.1.0"
