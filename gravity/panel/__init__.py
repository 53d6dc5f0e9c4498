"""The panel layer: square exporter × importer × year panels with covariates, digital indicators and
per-cell flags (:mod:`~gravity.panel.build`), the ECO corridor panel (:mod:`~gravity.panel.corridor`),
data-coverage reports (:mod:`~gravity.panel.coverage`) and repairs of ITPD-E's domestic coverage breaks, low
domestic shares and zero links (:mod:`~gravity.panel.repair`)."""
