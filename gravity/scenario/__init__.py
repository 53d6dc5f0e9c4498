"""The scenario layer: the validated model file (:mod:`~gravity.scenario.config`), scenario shocks turned
into changes in regressors and the one trade-cost change t̂_ij^{1−σ} = exp(Σ_k b_k Δx_k,ij)
(:mod:`~gravity.scenario.shocks`), and the output data behind constructed domestic flows
(:mod:`~gravity.scenario.baseline`)."""
