"""DESTA v2.03 (Dür, Baccini & Elsig 2014): trade agreements by country pair, withdrawals, design indices.

The four published files are cp1252 text and name countries by UN M49 numeric codes, mapped to ISO3 by
:func:`gravity.data.countries.m49_to_iso3` (Kosovo 900 → XKX, Taiwan 158 → TWN). Pairs are *unordered*:
``iso3_a < iso3_b``. :func:`desta_agreements` joins the dyads with the withdrawals (the pair × agreement
table an agreement panel is built from) and applies the bundled corrections of
``facts/desta_corrections.csv`` (see its data card, ``desta_corrections.md``).

References
----------
Dür, A., Baccini, L. & Elsig, M. (2014). The design of international trade agreements: Introducing a new
dataset. *Review of International Organizations* 9(3): 353–375.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable

import numpy as np
import pandas as pd

from gravity.data import countries
from gravity.data.errors import DataInputError
from gravity.data.readers._common import check_unique, log, memoised, resolve

DYADS = "desta-rta/desta_list_of_treaties_02_03_dyads.csv"
WITHDRAWALS = "desta-rta/desta_dyadic_withdrawal_02_03.csv"
TREATIES = "desta-rta/desta_list_of_treaties_02_03.csv"
INDICES = "desta-rta/desta_indices_version_02_03.csv"
ENCODING = "cp1252"
DYAD_COLUMNS = [
    "iso3_a",
    "iso3_b",
    "number",
    "base_treaty",
    "name",
    "entry_type",
    "consolidated",
    "typememb",
    "wto_listed",
    "signed_year",
    "entry_force_year",
]
AGREEMENT_COLUMNS = [*DYAD_COLUMNS, "withdrawal_year", "withdrawal_number", "withdrawing_country", "correction"]
CORRECTION_ACTIONS = ("exclude", "entry_force_year")
"""What a row of ``desta_corrections.csv`` does to the entries of its base treaty (limited to the pairs of
its ``country`` when one is given): drop them, or set their year of entry into force to ``value``."""


class DestaCorrectionError(DataInputError):
    """A correction or exclusion that does not match the DESTA files (unknown treaty, country or action)."""


def _read(file) -> pd.DataFrame:
    return pd.read_csv(resolve(file), encoding=ENCODING, low_memory=False)


def _pairs(raw: pd.DataFrame, what: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(iso3_a, iso3_b, iso3 of country1) with a < b, refusing a country paired with itself."""
    one = countries.m49_to_iso3(raw["iso1"].to_numpy(), context=f"{what} iso1")
    two = countries.m49_to_iso3(raw["iso2"].to_numpy(), context=f"{what} iso2")
    same = one == two
    if same.any():
        raise DataInputError(
            f"{what}: {int(same.sum())} rows pair a country with itself, e.g. "
            f"{raw.loc[same, ['country1', 'country2', 'number']].head(5).to_dict('records')}"
        )
    low = np.where(one < two, one, two)
    return low, np.where(one < two, two, one), one


def _num(col: pd.Series) -> np.ndarray:
    return pd.to_numeric(col, errors="raise").to_numpy(dtype="float64")


@memoised
def read_desta_dyads(file=DYADS) -> pd.DataFrame:
    """DESTA's dyadic list of treaties: one row per unordered country pair × agreement entry.

    Schema (:data:`DYAD_COLUMNS`): ``iso3_a < iso3_b``; ``number`` the entry (``"244"`` a base treaty,
    ``"434+1"`` an accession, ``"694a"`` a consolidated version), ``base_treaty`` (int) the treaty it belongs
    to; ``entry_type`` (base_treaty / accession / consolidated), ``consolidated`` (0/1), ``typememb``;
    ``wto_listed`` 1 notified to the WTO, 0 not, NaN not coded; ``signed_year``; ``entry_force_year`` (NaN:
    not in force or unknown). 20,569 rows, 204 countries in v2.03.
    """
    raw = _read(file)
    a, b, _ = _pairs(raw, "DESTA dyads")
    out = pd.DataFrame(
        {
            "iso3_a": a,
            "iso3_b": b,
            "number": raw["number"].astype(str).str.strip().to_numpy(dtype=object),
            "base_treaty": raw["base_treaty"].to_numpy(dtype="int64"),
            "name": raw["name"].astype(str).str.strip().to_numpy(dtype=object),
            "entry_type": raw["entry_type"].astype(str).to_numpy(dtype=object),
            "consolidated": raw["consolidated"].to_numpy().astype("int8"),
            "typememb": raw["typememb"].to_numpy().astype("int8"),
            "wto_listed": _num(raw["wto_listed"]),
            "signed_year": raw["year"].to_numpy(dtype="int64"),
            "entry_force_year": _num(raw["entryforceyear"]),
        }
    )
    check_unique(out, ["iso3_a", "iso3_b", "number"], "DESTA dyads")
    return out


@memoised
def read_desta_withdrawals(file=WITHDRAWALS) -> pd.DataFrame:
    """DESTA's dyadic withdrawals: one row per pair × withdrawal of ``withdrawing_country`` from a base treaty.

    Schema: ``iso3_a, iso3_b, withdrawing_country, number`` (the withdrawal, ``"434_1"``), ``base_treaty``,
    ``name``, ``withdrawal_year`` (the year the withdrawal was signed or took effect: DESTA's ``year``; its
    ``entryforceyear`` is missing for most rows and equals ``year`` wherever given), ``entry_force_year`` as
    published. 1,650 rows in v2.03 (e.g. UZB from EurAsEC 2008, GEO from the CIS 2009, GBR from EU
    agreements 2020).
    """
    raw = _read(file)
    a, b, one = _pairs(raw, "DESTA withdrawals")
    out = pd.DataFrame(
        {
            "iso3_a": a,
            "iso3_b": b,
            "withdrawing_country": one,
            "number": raw["number"].astype(str).str.strip().to_numpy(dtype=object),
            "base_treaty": raw["base_treaty"].to_numpy(dtype="int64"),
            "name": raw["name"].astype(str).str.strip().to_numpy(dtype=object),
            "withdrawal_year": raw["year"].to_numpy(dtype="int64"),
            "entry_force_year": _num(raw["entryforceyear"]),
        }
    )
    differ = out["entry_force_year"].notna() & (out["entry_force_year"] != out["withdrawal_year"])
    if differ.any():
        log.info("DESTA withdrawals: %d rows with entryforceyear != year; year is used", int(differ.sum()))
    return out


@memoised
def read_desta_treaties(file=TREATIES) -> pd.DataFrame:
    """DESTA's list of treaties: one row per agreement entry, including the entries the dyads leave out
    (``entry_type`` "protocol or amendment", "negotiation"; number 1142 is used twice, for two base treaties).

    Schema: ``number, base_treaty, name, entry_type, consolidated, signed_year, entry_force_year, language,
    typememb, regioncon, wto_listed, wto_name, members`` (ISO3 codes of the member columns ``c1…``, joined by
    ``;``), ``n_members``. Years NaN where not given.
    """
    raw = _read(file)
    ccols = [c for c in raw.columns if c[0] == "c" and c[1:].isdigit()]
    cells = raw[ccols].to_numpy(dtype="float64")
    have = ~np.isnan(cells)
    iso = np.full(cells.shape, "", dtype=object)
    iso[have] = countries.m49_to_iso3(cells[have].astype("int64"), context="DESTA list of treaties c1...")
    out = pd.DataFrame(
        {
            "number": raw["number"].astype(str).str.strip().to_numpy(dtype=object),
            "base_treaty": raw["base_treaty"].to_numpy(dtype="int64"),
            "name": raw["name"].astype(str).str.strip().to_numpy(dtype=object),
            "entry_type": raw["entry_type"].astype(str).to_numpy(dtype=object),
            "consolidated": raw["consolidated"].to_numpy().astype("int8"),
            "signed_year": _num(raw["year"]),
            "entry_force_year": _num(raw["entryforceyear"]),
            "language": raw["language"].fillna("").astype(str).to_numpy(dtype=object),
            "typememb": _num(raw["typememb"]),
            "regioncon": raw["regioncon"].fillna("").astype(str).to_numpy(dtype=object),
            "wto_listed": _num(raw["wto_listed"]),
            "wto_name": raw["wto_name"].fillna("").astype(str).to_numpy(dtype=object),
            "members": [";".join(r[h]) for r, h in zip(iso, have)],
            "n_members": have.sum(axis=1).astype("int64"),
        }
    )
    check_unique(out, ["number", "base_treaty"], "DESTA list of treaties")
    return out


@memoised
def read_desta_indices(file=INDICES) -> pd.DataFrame:
    """DESTA's design indices of the coded treaties (692 in v2.03), as published.

    Schema: ``number, base_treaty, name, signed_year, entry_type, full_fta, standards, investments, services,
    procurement, competition, iprs, depth_index`` (0–7, the count of the seven provisions), ``depth_rasch``,
    ``flexrigid, flexescape, enforce, enforce01``.
    """
    out = _read(file).rename(columns={"year": "signed_year"})
    out["number"] = out["number"].astype(str).str.strip()
    check_unique(out, ["number"], "DESTA indices")
    return out.reset_index(drop=True)


# ----------------------------------------------------------------------------- corrections


@functools.cache
def _corrections_file() -> pd.DataFrame:
    with (countries.FACTS / "desta_corrections.csv").open(encoding="utf-8") as fh:
        return pd.read_csv(fh, dtype=str, keep_default_na=False)


def desta_corrections() -> pd.DataFrame:
    """The bundled corrections of DESTA (``facts/desta_corrections.csv``, data card ``desta_corrections.md``).

    Returns
    -------
    DataFrame ``correction`` (id), ``base_treaty`` (int), ``country`` (ISO3, "" = every pair of the treaty),
    ``action`` (one of :data:`CORRECTION_ACTIONS`), ``value`` (the new year for ``entry_force_year``, else
    NaN), ``source``, ``note``.
    """
    t = _corrections_file().copy()
    t["base_treaty"] = t["base_treaty"].astype("int64")
    t["value"] = pd.to_numeric(t["value"].replace("", np.nan)).astype("float64")
    return t


def _pick_corrections(corrections) -> pd.DataFrame:
    table = desta_corrections()
    if corrections is True:
        return table
    if corrections is False or corrections is None:
        return table.iloc[:0]
    want = [corrections] if isinstance(corrections, str) else list(corrections)
    unknown = sorted(set(want) - set(table["correction"]))
    if unknown:
        raise DestaCorrectionError(
            f"corrections={unknown}: unknown correction id(s); the bundled ones are "
            f"{table['correction'].tolist()} (or pass True / False)"
        )
    return table[table["correction"].isin(want)]


def _withdrawal_years(dy: pd.DataFrame, wd: pd.DataFrame) -> pd.DataFrame:
    """Earliest withdrawal of either partner from each entry's base treaty (NaN: none)."""
    first = (
        wd.sort_values(["withdrawal_year", "number"], kind="stable")
        .drop_duplicates(["iso3_a", "iso3_b", "base_treaty"])[
            ["iso3_a", "iso3_b", "base_treaty", "withdrawal_year", "number", "withdrawing_country"]
        ]
        .rename(columns={"number": "withdrawal_number"})
    )
    out = dy.merge(first, on=["iso3_a", "iso3_b", "base_treaty"], how="left", validate="many_to_one")
    out["withdrawal_year"] = out["withdrawal_year"].astype("float64")
    for c in ("withdrawal_number", "withdrawing_country"):
        out[c] = out[c].fillna("").astype(object)
    return out


def desta_agreements(*, corrections=True, exclude: Iterable[int] = ()) -> pd.DataFrame:
    """Pair × agreement-entry table of DESTA with withdrawals, corrected and with agreements excluded.

    An entry e of pair (a, b) is in force in year t when

        entry_force_year_e ≤ t < withdrawal_year_ab(base treaty of e),

    the withdrawal year being the earliest withdrawal of a or b from that base treaty (DESTA records only
    explicit withdrawals: superseded treaties are never retired).

    Parameters
    ----------
    corrections : bool or iterable of str, default True
        Apply every bundled correction (:func:`desta_corrections`), none (``False``), or the named ids.
    exclude : iterable of int
        DESTA base-treaty numbers whose entries (base treaty, accessions, consolidated versions) are dropped,
        e.g. ``[461]`` for GSTP.

    Returns
    -------
    DataFrame with :data:`AGREEMENT_COLUMNS`: the columns of :func:`read_desta_dyads`, ``withdrawal_year``
    (NaN: none), ``withdrawal_number``, ``withdrawing_country`` ("" when none) and ``correction`` (the id of
    the correction that changed the row, ""). ``attrs``: ``countries`` (the 204 DESTA countries, whatever was
    dropped), ``corrections`` (id → rows changed or dropped), ``excluded`` (base treaty → rows dropped).

    Raises
    ------
    DestaCorrectionError
        An excluded or corrected base treaty that DESTA does not list, a correction country that is not a
        party to its treaty, an unknown action or correction id.
    """
    dy = read_desta_dyads()
    out = _withdrawal_years(dy, read_desta_withdrawals())
    out["correction"] = np.full(len(out), "", dtype=object)
    treaties = set(out["base_treaty"].tolist())
    keep = np.ones(len(out), dtype=bool)
    done: dict[str, int] = {}
    for row in _pick_corrections(corrections).itertuples(index=False):
        hit = (out["base_treaty"] == row.base_treaty).to_numpy().copy()
        if not hit.any():
            raise DestaCorrectionError(
                f"desta_corrections.csv row {row.correction!r}: base treaty "
                f"{row.base_treaty} is not in the DESTA dyads; fix the row"
            )
        if row.country:
            hit = hit & ((out["iso3_a"] == row.country) | (out["iso3_b"] == row.country)).to_numpy()
            if not hit.any():
                raise DestaCorrectionError(
                    f"desta_corrections.csv row {row.correction!r}: {row.country} is not "
                    f"a party to DESTA treaty {row.base_treaty}; fix the row"
                )
        if row.action == "exclude":
            keep &= ~hit
        elif row.action == "entry_force_year" and np.isfinite(row.value):
            out.loc[hit, "entry_force_year"] = float(row.value)
        else:
            raise DestaCorrectionError(
                f"desta_corrections.csv row {row.correction!r}: action {row.action!r} "
                f"with value {row.value!r}; actions are {CORRECTION_ACTIONS} "
                f"(entry_force_year needs a year in `value`)"
            )
        prior = out.loc[hit, "correction"]
        out.loc[hit, "correction"] = np.where(prior == "", row.correction, prior + ";" + row.correction)
        done[row.correction] = int(hit.sum())
    excluded: dict[int, int] = {}
    for b in exclude:
        try:
            b = int(b)
        except (TypeError, ValueError):
            raise DestaCorrectionError(f"exclude={b!r}: give DESTA base-treaty numbers (int), e.g. 371") from None
        if b not in treaties:
            raise DestaCorrectionError(f"exclude={b}: DESTA lists no base treaty {b} (see read_desta_treaties)")
        hit = (out["base_treaty"] == b).to_numpy()
        keep &= ~hit
        excluded[b] = int(hit.sum())
    out = out.loc[keep, AGREEMENT_COLUMNS].reset_index(drop=True)
    out.attrs["countries"] = sorted(set(dy["iso3_a"]) | set(dy["iso3_b"]))
    out.attrs["corrections"] = done
    out.attrs["excluded"] = excluded
    return out
