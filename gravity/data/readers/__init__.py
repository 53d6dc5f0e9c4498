"""Tidy readers, one module per kind of source; :mod:`gravity.data` re-exports them and each registry entry
names its reader (``Source.reader``).

Schemas (every reader returns exactly these columns first, in this order):

* trade      – ``exporter, importer, year, trade`` (+ source-specific columns)
* pairs      – ``exporter, importer, dist, distcap, distw, distwces, contig, comlang_off,
  comlang_ethno, colony, comcol, curcol, col45, smctry``
* indicators – ``iso3, year, indicator, value, source, flag`` (long; one row per published cell)
"""

TRADE_COLUMNS = ["exporter", "importer", "year", "trade"]
INDICATOR_COLUMNS = ["iso3", "year", "indicator", "value", "source", "flag"]
