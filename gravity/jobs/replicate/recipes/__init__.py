"""Replication recipes: the model files (``*.toml``, package data) and the data preparation each one
names (``yotov2016``: the book's variables and result files)."""
