"""The panel layer: square exporter × importer × year panels with covariates, digital indicators and
per-cell flags (:mod:`~gravity.panel.build`), the one registry of regressor kinds
(:mod:`~gravity.panel.features`), ITPD-E panels with domestic flows (:mod:`~gravity.panel.itpde`),
data-coverage reports (:mod:`~gravity.panel.coverage`), cross-checks between sources
(:mod:`~gravity.panel.crosscheck`), multi-sector input-output tables for the GE
(:mod:`~gravity.panel.io_tables`), DESTA agreements (:mod:`~gravity.panel.agreements`) and repairs of
ITPD-E's domestic coverage breaks, low domestic shares and zero links (:mod:`~gravity.panel.repair`)."""
