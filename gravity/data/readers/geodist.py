"""CEPII GeoDist (Mayer & Zignago 2011): bilateral distances and pair dummies, country geography."""

from __future__ import annotations

import pandas as pd

from gravity.data import countries
from gravity.data.errors import DataInputError
from gravity.data.readers._common import check_unique, log, memoised, resolve

_MISSING = {"", ".", "NA", "nan", "None"}
PAIR_COLUMNS = [
    "exporter",
    "importer",
    "dist",
    "distcap",
    "distw",
    "distwces",
    "contig",
    "comlang_off",
    "comlang_ethno",
    "colony",
    "comcol",
    "curcol",
    "col45",
    "smctry",
]


@memoised
def read_geodist(file="cepii-geodist/dist_cepii.rda") -> pd.DataFrame:
    """Pair covariates from ``dist_cepii``: 224 × 224 = 50,176 ordered pairs (incl. ``i == i``).

    Schema (:data:`PAIR_COLUMNS`): distances in km (``dist`` great-circle between main cities, ``distcap``
    between capitals, ``distw``/``distwces`` population-weighted with θ = 1 / θ = −1 — **published as text**
    and converted to float here; Stata's missing ``.`` (2,215 cells of ``distw``) becomes NaN, logged), and 0/1 dummies
    (int8) ``contig, comlang_off, comlang_ethno, colony, comcol, curcol, col45, smctry``.
    Codes are harmonised: ROM→ROU, ZAR→COD, TMP→TLS, PAL→PSE; ``YUG`` (Serbia and Montenegro, Belgrade)
    is kept as a historical code — use ``map_codes={"YUG": "SRB"}`` to attach it to Serbia.
    """
    import pyreadr

    raw = next(iter(pyreadr.read_r(str(resolve(file))).values()))
    out = pd.DataFrame(
        {
            "exporter": countries.to_iso3(raw["iso_o"], context="dist_cepii iso_o").to_numpy(),
            "importer": countries.to_iso3(raw["iso_d"], context="dist_cepii iso_d").to_numpy(),
        }
    )
    for c in ("dist", "distcap", "distw", "distwces"):
        txt = raw[c].astype(str).str.strip()
        empty = raw[c].isna() | txt.isin(_MISSING)
        v = pd.to_numeric(txt.where(~empty), errors="coerce")
        bad = v.isna() & ~empty
        if bad.any():
            raise DataInputError(
                f"dist_cepii column {c!r}: {int(bad.sum())} non-numeric cells, e.g. rows "
                f"{raw.loc[bad, ['iso_o', 'iso_d', c]].head(5).to_dict('records')}"
            )
        if v.isna().any():
            log.info("dist_cepii %s: %d missing cells ('.' in the source) kept as NaN", c, int(v.isna().sum()))
        out[c] = v.to_numpy(dtype="float64")
    for c in PAIR_COLUMNS[8:]:
        out[c] = raw[c].to_numpy().astype("int8")
    out["contig"] = raw["contig"].to_numpy().astype("int8")
    out["comlang_off"] = raw["comlang_off"].to_numpy().astype("int8")
    out["comlang_ethno"] = raw["comlang_ethno"].to_numpy().astype("int8")
    out = out[PAIR_COLUMNS]
    check_unique(out, ["exporter", "importer"], "dist_cepii")
    return out


@memoised
def read_geo_cepii(file="cepii-geodist/geo_cepii.rda") -> pd.DataFrame:
    """Country file ``geo_cepii``: one row per country (the file lists a second main city for 13 countries;
    the capital row, ``cap == 1``, is kept). Schema: ``iso3, country, area, dis_int, landlocked_cepii,
    continent, lat, lon``; ``iso3`` harmonised as in :func:`read_geodist`. CEPII's landlocked flag is kept
    for cross-checking only — use :func:`gravity.data.countries.landlocked` (see data/landlocked.md)."""
    import pyreadr

    raw = next(iter(pyreadr.read_r(str(resolve(file))).values()))
    raw = raw.sort_values(["iso3", "cap"], ascending=[True, False]).drop_duplicates("iso3")
    out = pd.DataFrame(
        {
            "iso3": countries.to_iso3(raw["iso3"], context="geo_cepii iso3").to_numpy(),
            "country": raw["country"].to_numpy(),
            "area": raw["area"].to_numpy(dtype="float64"),
            "dis_int": raw["dis_int"].to_numpy(dtype="float64"),
            "landlocked_cepii": raw["landlocked"].to_numpy().astype("int8"),
            "continent": raw["continent"].to_numpy(),
            "lat": raw["lat"].to_numpy(dtype="float64"),
            "lon": raw["lon"].to_numpy(dtype="float64"),
        }
    )
    return out.reset_index(drop=True)


def map_pair_codes(pairs: pd.DataFrame, mapping: dict[str, str]) -> pd.DataFrame:
    """Re-code pair covariates (e.g. ``{"YUG": "SRB"}``) refusing to create duplicate pairs."""
    out = pairs.copy()
    for c in ("exporter", "importer"):
        out[c] = out[c].replace(mapping)
    check_unique(out, ["exporter", "importer"], f"pair covariates after re-coding {mapping}")
    return out
