"""Replications of published tables: ``gravity replicate NAME`` (the recipes ship in ``recipes/``)."""
from gravity.jobs.replicate.runners import MODELS_DIR, ReplicationError, available, load, run, status_table

__all__ = ["MODELS_DIR", "ReplicationError", "available", "load", "run", "status_table"]
