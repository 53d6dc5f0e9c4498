"""Reporting: regression tables (:mod:`~gravity.report.tables`), the one table formatter
(:mod:`~gravity.report.format`), self-contained md/html documents (:mod:`~gravity.report.documents`),
the workbook with its README sheet (:mod:`~gravity.report.workbook`) and plots (:mod:`~gravity.report.plots`)."""

from gravity.report.tables import RegressionTable, regtable, stars

__all__ = ["RegressionTable", "regtable", "stars"]
