"""Jobs: whole analyses built from the layers below (the corridor analysis, the replications)."""
