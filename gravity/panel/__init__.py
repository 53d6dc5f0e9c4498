"""The panel layer: square exporter × importer × year panels with covariates, digital indicators and
per-cell flags (:mod:`~gravity.panel.build`), the ECO corridor panel (:mod:`~gravity.panel.corridor`)
and data-coverage reports (:mod:`~gravity.panel.coverage`)."""
