"""Replications of published tables: ``gravity replicate NAME``.

:mod:`.spec` reads the replication files (``recipes/*.toml``, shipped as package data),
:mod:`.runners` runs them against the published numbers, :mod:`.status` writes the reports, and
:mod:`.recipes` builds the data each file names. Nothing is imported here: ``gravity list`` reads
only TOML.
"""
