"""The digital-corridor analysis: ``gravity corridor models/eco_digital_corridor.toml``.

:func:`run` reads the model file, builds the panel, estimates, solves the GE scenarios with intervals
and writes the ministry's tables, plots and report.
"""
from gravity.jobs.corridor.pipeline import CorridorResult, reduced, run, summary

__all__ = ["CorridorResult", "reduced", "run", "summary"]
