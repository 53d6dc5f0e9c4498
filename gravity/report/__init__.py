"""Reporting: regression tables (markdown, LaTeX, html) for results side by side."""
from gravity.report.tables import RegressionTable, regtable, stars

__all__ = ["RegressionTable", "regtable", "stars"]
