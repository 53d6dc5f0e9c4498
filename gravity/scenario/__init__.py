"""The scenario layer: the validated model file (:mod:`~gravity.scenario.config`), scenario shocks
turned into trade-cost changes, and the GE baseline table built from observed and filled flows
(:mod:`~gravity.scenario.baseline`)."""
