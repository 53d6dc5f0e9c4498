"""The digital-corridor analysis: ``gravity corridor models/eco_digital_corridor.toml``.

:func:`run` reads the model file, builds the panel, estimates, solves the GE scenarios with intervals
and returns the result tables (:class:`CorridorTables`); :mod:`~gravity.jobs.corridor.report` writes the
ministry's workbook, plots and report, whose text is :mod:`~gravity.jobs.corridor.brief` and whose
place-specific words come from the model file's ``[report]`` section (:mod:`~gravity.jobs.corridor.words`).
"""

from gravity.jobs.corridor.pipeline import CorridorResult, reduced, run, summary
from gravity.jobs.corridor.tables import CorridorTables

__all__ = ["CorridorResult", "CorridorTables", "reduced", "run", "summary"]
