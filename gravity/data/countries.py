"""Country facts: ISO3 harmonisation, landlocked status, bloc memberships, state existence.

All facts are small CSV tables bundled in ``data/`` with a data card each (source, date, licence):

* ``name_overrides.csv`` – names that ``country_converter`` does not resolve (or resolves wrongly);
* ``legacy_codes.csv``  – legacy / non-ISO codes used by CEPII and UN Comtrade (ROM, ZAR, TMP, YUG, …):
  ``renamed`` codes map to their ISO3 successor, ``historical`` states and ``area`` codes (bunkers, free
  zones, "areas n.e.s.") are kept as they are and flagged by :func:`code_kind`;
* ``landlocked.csv``    – UN-OHRLLS landlocked developing countries + European landlocked states;
* ``memberships.csv``   – ECO, CIS, EAEU and SCO membership with accession/exit years;
* ``country_existence.csv`` – first/last year of states created or dissolved since 1960;
* ``cow_codes.csv``     – Correlates of War state codes → ISO3, cut by year where a code spans two states.

It is the one authority for country codes: ISO3 harmonisation (:func:`to_iso3`, :func:`known_codes`), legacy
codes (:func:`legacy_codes`, :func:`code_kind`), customs unions that report as one economy (:data:`UNIONS`,
:func:`union_members`), the codes other data are re-mapped to for them (:func:`pair_code_map`,
:func:`indicator_proxies`), COW codes (:func:`cow_to_iso3`) and UN M49 numeric codes (:func:`m49_to_iso3`).
Other layers call these instead of keeping copies of the rules.

This module imports nothing else from ``gravity`` (but :mod:`gravity.errors`): it is the leftmost layer of the
data flow.
"""

from __future__ import annotations

import functools
import importlib.resources
import logging
from collections.abc import Iterable
from pathlib import Path
from typing import overload

import numpy as np
import pandas as pd

from gravity.data.errors import DataInputError
from gravity.errors import GravityError

log = logging.getLogger("gravity.data.countries")

FACTS = importlib.resources.files("gravity.data") / "facts"  # package resources (each csv has a .md data card)
BLOCS = ("ECO", "CIS", "EAEU", "SCO")
ECO = ("TJK", "KAZ", "UZB", "KGZ", "TKM", "AFG", "IRN", "PAK", "TUR", "AZE")
"""The ten ECO members in the order used by the corridor reports."""

_NOT_FOUND = "__not_found__"

UNIONS: dict[str, tuple[str, ...]] = {"BLX": ("BEL", "LUX")}
"""Customs unions that report trade as one economy → their members' ISO3 codes, seat first.

BLX: Belgium and Luxembourg report to UN Comtrade as one union (legacy code, see ``legacy_codes.csv``).
Output data of a union are its members' sums; pair covariates and indicators come from its seat."""

GEODIST_RECODES: dict[str, str] = {"YUG": "SRB"}
"""CEPII GeoDist codes that stand for a current country: YUG is Serbia and Montenegro (capital Belgrade)."""

M49_EXTRA: dict[int, str] = {158: "TWN", 900: "XKX"}
"""Numeric codes outside the UN M49 list that data sets use as if they were M49 codes: 158 is Taiwan's
ISO 3166-1 numeric code (M49 lists Taiwan under China, 156), 900 is the user-assigned code DESTA and others
give Kosovo (no M49 or ISO code; World Bank ISO3 XKX)."""


class UnknownCountryError(GravityError, ValueError):
    """Names or codes that could not be mapped to ISO3; ``.unknown`` lists them."""

    def __init__(self, unknown: list[str], context: str = ""):
        self.unknown = unknown
        where = f" in {context}" if context else ""
        super().__init__(
            f"{len(unknown)} unknown country name(s)/code(s){where}: {unknown[:50]}"
            f"{' …' if len(unknown) > 50 else ''}. Fix: add them to data/name_overrides.csv "
            f"(name,iso3,note) or pass overrides={{name: iso3}}."
        )


def _read(name: str) -> pd.DataFrame:
    with (FACTS / name).open(encoding="utf-8") as fh:
        return pd.read_csv(fh, dtype=str, keep_default_na=False)


@functools.cache
def legacy_codes() -> pd.DataFrame:
    """``code, iso3, kind, name, used_by`` – legacy and non-ISO codes (kind: renamed/historical/area)."""
    return _read("legacy_codes.csv")


@functools.cache
def _country_table() -> pd.DataFrame:
    """country_converter's country table, read so that Namibia's ISO2 "NA" stays a string (its own loader
    turns it into NaN under pandas 3)."""
    import country_converter as coco

    tsv = Path(coco.__file__).parent / "country_data.tsv"
    return pd.read_csv(tsv, sep="\t", dtype=str, keep_default_na=False, na_values=[""])


@functools.cache
def _converter():
    """A country_converter instance (built only when a name needs its regular expressions: ~1 s)."""
    import country_converter as coco

    df = _country_table().copy()
    df["ISO2"] = df["ISO2"].fillna("(?!)")  # obsolete entries without ISO2: a regex that never matches
    logging.getLogger("country_converter").setLevel(logging.ERROR)
    return coco.CountryConverter(country_data=df, include_obsolete=True)


@functools.cache
def short_names() -> pd.Series:
    """Short English name by ISO3 (country_converter's table), plus the historical codes in
    ``data/legacy_codes.csv`` that have no ISO3 of their own (e.g. BLX, Belgium-Luxembourg)."""
    t = _country_table().drop_duplicates("ISO3").set_index("ISO3")["name_short"]
    leg = legacy_codes()
    own = leg[(leg["code"] == leg["iso3"]) & ~leg["code"].isin(t.index)].set_index("code")["name"]
    own = own.str.split(" (", regex=False).str[0]
    return pd.concat([t, own])


@functools.cache
def iso3_codes() -> frozenset[str]:
    """Current ISO3 codes known to country_converter plus XKX (Kosovo, World Bank)."""
    t = _country_table()
    return frozenset(t.loc[t["obsolete"].isna(), "ISO3"]) | {"XKX"}


@functools.cache
def known_codes() -> frozenset[str]:
    """Every code :func:`to_iso3` accepts as-is: ISO3 (current and obsolete) plus the legacy table's targets."""
    return iso3_codes() | frozenset(legacy_codes()["iso3"]) | frozenset(_country_table()["ISO3"])


@functools.cache
def _overrides() -> dict[str, str]:
    """Exact names (case-insensitive): country_converter's short and official names, then our overrides."""
    t = _country_table()
    names: dict[str, str] = {}
    for col in ("name_official", "name_short"):
        names.update({str(n).strip().casefold(): c for n, c in zip(t[col], t["ISO3"]) if isinstance(n, str)})
    o = _read("name_overrides.csv")
    names.update({n.strip().casefold(): c for n, c in zip(o["name"], o["iso3"])})
    return names


def code_kind(codes: Iterable[str]) -> np.ndarray:
    """``"iso3"``, ``"historical"`` (a state that no longer exists), ``"area"`` (bunkers, free zones, n.e.s.)
    or ``"unknown"`` for each code (after legacy renaming)."""
    lc = legacy_codes().set_index("iso3")["kind"]
    iso = iso3_codes()
    out = []
    for c in codes:
        if c in iso:
            out.append("iso3")
        elif c in lc.index and lc[c] in ("historical", "area"):
            out.append(lc[c])
        elif c in known_codes():
            out.append("historical")
        else:
            out.append("unknown")
    return np.array(out, dtype=object)


@overload
def to_iso3(values: str, *, overrides: dict[str, str] | None = None, context: str = "") -> str: ...


@overload
def to_iso3(
    values: pd.Series | pd.Index | list[str] | tuple[str, ...] | np.ndarray,
    *,
    overrides: dict[str, str] | None = None,
    context: str = "",
) -> pd.Series: ...


def to_iso3(
    values: Iterable[str] | pd.Series | str, *, overrides: dict[str, str] | None = None, context: str = ""
) -> pd.Series | str:
    """Harmonise country names and codes to ISO3.

    Order: strip whitespace → explicit ``overrides`` → legacy code table (ROM→ROU, ZAR→COD, TMP→TLS,
    PAL→PSE, MNT→MNE, KN1→KNA; historical codes such as YUG, CSK, SUN kept) → current ISO3 code →
    exact short/official names of country_converter's table and ``data/name_overrides.csv`` ("Kyrgyz
    Republic", "Türkiye", "Iran (Islamic Republic of)", …) → country_converter's regular expressions.
    Anything left raises :class:`UnknownCountryError` listing
    every unknown value. A scalar in gives a scalar out; anything else gives a ``Series`` (index kept).
    """
    scalar = isinstance(values, str)
    s = pd.Series([values] if scalar else values, dtype=object)
    raw_uniq = pd.unique(s.to_numpy())
    stripped = {u: str(u).strip() for u in raw_uniq}
    extra = {k.strip().casefold(): v for k, v in (overrides or {}).items()}
    legacy = dict(zip(legacy_codes()["code"], legacy_codes()["iso3"]))
    iso = known_codes()
    names = _overrides()
    mapping: dict[str, str] = {}
    rest = []
    for u in set(stripped.values()):
        key = u.casefold()
        if key in extra:
            mapping[u] = extra[key]
        elif u in legacy:
            mapping[u] = legacy[u]
        elif len(u) == 3 and u.isupper() and u in iso:
            mapping[u] = u
        elif key in names:
            mapping[u] = names[key]
        elif u in _RESOLVED:
            mapping[u] = _RESOLVED[u]
        else:
            rest.append(u)
    if rest:
        rest.sort()
        conv = _converter().convert(rest, src="regex", to="ISO3", not_found=_NOT_FOUND)
        conv = [conv] if isinstance(conv, str) else conv
        unknown = []
        for u, c in zip(rest, conv):
            if isinstance(c, list) or c == _NOT_FOUND or not c:
                unknown.append(u)
            else:
                mapping[u] = _RESOLVED[u] = c
        if unknown:
            raise UnknownCountryError(sorted(unknown), context)
    full = {u: mapping[v] for u, v in stripped.items()}
    out = s.map(full)
    if scalar:
        return out.iloc[0]
    return out.set_axis(values.index) if isinstance(values, pd.Series) else out


_RESOLVED: dict[str, str] = {}  # names resolved by country_converter's regexes (memoised: they are slow)


@functools.cache
def _m49_table() -> dict[int, str]:
    t = _country_table()
    t = t[t["UNcode"].notna() & t["obsolete"].isna()]
    return {**{int(u): c for u, c in zip(t["UNcode"], t["ISO3"])}, **M49_EXTRA}


def m49_to_iso3(codes, *, context: str = "") -> np.ndarray:
    """ISO3 codes of UN M49 numeric country codes.

    Parameters
    ----------
    codes : array-like of int
        M49 codes as numbers (``860`` Uzbekistan, ``4`` Afghanistan), plus the codes of :data:`M49_EXTRA`
        (``158`` Taiwan, ``900`` Kosovo → ``XKX``).
    context : str
        Where the codes come from, for the error message.

    Returns
    -------
    numpy.ndarray of object
        ISO3 code of each input (country_converter's ``UNcode`` column, current countries only).

    Raises
    ------
    UnknownCountryError
        For codes that are neither current M49 codes nor in :data:`M49_EXTRA` (fix: add them there).
    """
    arr = np.asarray(codes)
    try:
        num = arr.astype("int64")
    except (TypeError, ValueError):
        raise UnknownCountryError(
            sorted({str(c) for c in arr.ravel().tolist()}), f"{context or 'M49 codes'} (not integers)"
        ) from None
    table = _m49_table()
    uniq, inverse = np.unique(num, return_inverse=True)
    unknown = [str(u) for u in uniq.tolist() if u not in table]
    if unknown:
        raise UnknownCountryError(unknown, f"{context or 'M49 codes'} (add them to gravity.data.countries.M49_EXTRA)")
    return np.array([table[u] for u in uniq.tolist()], dtype=object)[inverse.reshape(num.shape)]


# ----------------------------------------------------------------------------- unions and proxies


def union_members(code: str) -> tuple[str, ...]:
    """Members of a customs union reporting as one economy (:data:`UNIONS`), seat first.

    Parameters
    ----------
    code : str
        A union code, e.g. ``"BLX"``.

    Returns
    -------
    tuple of str
        ISO3 codes of the members, e.g. ``("BEL", "LUX")``.

    Raises
    ------
    DataInputError
        If ``code`` is not a union; the message lists the known ones.
    """
    try:
        return UNIONS[code]
    except KeyError:
        raise DataInputError(
            f"{code!r} is not a customs union reporting as one economy; known unions: "
            f"{sorted(UNIONS)} (add one to gravity.data.countries.UNIONS)"
        ) from None


def indicator_proxies() -> dict[str, str]:
    """Codes without indicator series of their own → the code whose series they take.

    Returns
    -------
    dict
        ``{union: seat}`` for every union in :data:`UNIONS`: ``{"BLX": "BEL"}`` (BLX takes Belgium's series;
        panels flag such cells ``proxy BEL``).
    """
    return {code: members[0] for code, members in UNIONS.items()}


def indicator_proxy(code: str) -> str | None:
    """The code whose indicator series ``code`` takes (:func:`indicator_proxies`), or ``None``."""
    return indicator_proxies().get(code)


def pair_code_map() -> dict[str, str]:
    """Re-coding of CEPII GeoDist pair covariates to the codes of trade data.

    Returns
    -------
    dict
        :data:`GEODIST_RECODES` (``YUG → SRB``) then each union's seat → the union (``BEL → BLX``: the
        Belgium–Luxembourg union takes Brussels' distances), i.e. ``{"YUG": "SRB", "BEL": "BLX"}``.

    References
    ----------
    Mayer, T. & Zignago, S. (2011). Notes on CEPII's distances measures: the GeoDist database. CEPII WP 2011-25.
    """
    return {**GEODIST_RECODES, **{members[0]: code for code, members in UNIONS.items()}}


# ----------------------------------------------------------------------------- Correlates of War codes


@functools.cache
def cow_codes() -> pd.DataFrame:
    """``ccode, iso3, from, to, name``: COW state codes → ISO3 (empty iso3 = historical state), see cow_codes.md."""
    t = _with_years("cow_codes.csv", ("from", "to"))
    t["ccode"] = t["ccode"].astype("int64")
    return t


def cow_to_iso3(ccode, year) -> np.ndarray:
    """ISO3 codes of Correlates of War state codes in given years.

    Parameters
    ----------
    ccode : array-like of int
        COW state codes (``ccode``), e.g. 702 for Tajikistan.
    year : array-like of int or int
        The year of each code (COW codes 365, 345, 816, 679 and 260 mean different states in different
        years; see ``cow_codes.md``).

    Returns
    -------
    numpy.ndarray of object
        ISO3 code, or ``""`` for a historical state without one (Austria-Hungary, GDR, Czechoslovakia, the
        Soviet Union, the two Yemens, the two Viet Nams, Yugoslavia before 2006, …).

    Raises
    ------
    UnknownCountryError
        For codes absent from ``cow_codes.csv`` (fix: add them there).

    References
    ----------
    Correlates of War Project (2017). State System Membership List, v2016. http://correlatesofwar.org
    """
    codes = np.asarray(ccode, dtype="int64")
    yr = np.broadcast_to(np.asarray(year, dtype="int64"), codes.shape)
    t = cow_codes()
    unknown = sorted(set(codes.tolist()) - set(t["ccode"]))
    if unknown:
        raise UnknownCountryError([str(u) for u in unknown], "COW state codes (add them to data/facts/cow_codes.csv)")
    keys, inverse = np.unique(codes.ravel() * 100_000 + yr.ravel(), return_inverse=True)  # years < 10^5
    pair_code, pair_year = keys // 100_000, keys % 100_000
    uniq = np.full(len(keys), "", dtype=object)
    lo = t["from"].fillna(-(10**6)).astype("int64").to_numpy()
    hi = t["to"].fillna(10**6).astype("int64").to_numpy()
    for cc, iso, a, b in zip(t["ccode"].to_numpy(), t["iso3"].to_numpy(), lo, hi):
        uniq[(pair_code == cc) & (pair_year >= a) & (pair_year <= b)] = iso
    return uniq[inverse.ravel()].reshape(codes.shape)


# ----------------------------------------------------------------------------- year-range facts


def _with_years(name: str, cols: tuple[str, ...]) -> pd.DataFrame:
    t = _read(name)
    for c in cols:
        t[c] = pd.to_numeric(t[c].replace("", np.nan)).astype("Int64")
    return t


def _in_range(table: pd.DataFrame, lo: str, hi: str, iso3, year) -> tuple[np.ndarray, np.ndarray]:
    """(listed, lo <= year <= hi) for each code; missing bounds are open. ``year=None`` ignores bounds."""
    codes = np.asarray(list(iso3) if not isinstance(iso3, np.ndarray) else iso3, dtype=object)
    idx = pd.Index(table["iso3"]).get_indexer(codes)
    listed = idx >= 0
    if year is None:
        return listed, listed
    j = np.where(listed, idx, 0)
    yr = np.broadcast_to(np.asarray(year, dtype="int64"), codes.shape)
    low = table[lo].fillna(-(10**6)).astype("int64").to_numpy()[j]
    high = table[hi].fillna(10**6).astype("int64").to_numpy()[j]
    return listed, listed & (yr >= low) & (yr <= high)


# ----------------------------------------------------------------------------- landlocked


@functools.cache
def landlocked_table() -> pd.DataFrame:
    """``iso3, name, group, landlocked_from, landlocked_to, note`` (years as nullable Int64)."""
    return _with_years("landlocked.csv", ("landlocked_from", "landlocked_to"))


def landlocked(iso3: Iterable[str], year: Iterable[int] | int | None = None) -> np.ndarray:
    """1 where the country is landlocked (in ``year`` when given, honouring ETH 1993, SRB 2006, SSD 2011)."""
    return _in_range(landlocked_table(), "landlocked_from", "landlocked_to", iso3, year)[1].astype("int8")


def cepii_landlocked_crosscheck(geo: pd.DataFrame) -> pd.DataFrame:
    """Compare CEPII GeoDist's ``landlocked`` flag (``geo_cepii``: columns ``iso3, landlocked``) with the
    fact table; returns ``iso3, cepii, fact, status`` for every disagreement or country CEPII lacks."""
    g = geo[["iso3", "landlocked"]].drop_duplicates("iso3").copy()
    g["iso3"] = to_iso3(g["iso3"]).to_numpy()
    g["fact"] = landlocked(g["iso3"].to_numpy())
    g = g.rename(columns={"landlocked": "cepii"})
    g["cepii"] = g["cepii"].astype("int8")
    bad = g[g["cepii"] != g["fact"]].assign(status="disagrees")
    missing = sorted(set(landlocked_table()["iso3"]) - set(g["iso3"]))
    miss = pd.DataFrame({"iso3": missing, "cepii": pd.NA, "fact": 1, "status": "absent from CEPII"})
    return pd.concat([bad, miss], ignore_index=True)[["iso3", "cepii", "fact", "status"]]


# ----------------------------------------------------------------------------- memberships


@functools.cache
def memberships() -> pd.DataFrame:
    """``bloc, iso3, joined, left, note`` for ECO, CIS, EAEU, SCO (``left`` missing = still a member)."""
    return _with_years("memberships.csv", ("joined", "left"))


def member(bloc: str, iso3: Iterable[str], year: Iterable[int] | int) -> np.ndarray:
    """1 where ``iso3`` belongs to ``bloc`` in ``year`` (joined ≤ year ≤ left; a country that left in
    year L is coded a member in L, since it was one for part of that year)."""
    m = memberships()
    if bloc not in set(m["bloc"]):
        raise DataInputError(f"unknown bloc {bloc!r}; known blocs: {sorted(set(m['bloc']))}")
    return _in_range(m[m["bloc"] == bloc], "joined", "left", iso3, year)[1].astype("int8")


def members(bloc: str, year: int) -> list[str]:
    """Sorted ISO3 members of ``bloc`` in ``year``."""
    m = memberships()
    m = m[m["bloc"] == bloc]
    return sorted(m.loc[member(bloc, m["iso3"].to_numpy(), year) == 1, "iso3"])


# ----------------------------------------------------------------------------- existence


@functools.cache
def existence_table() -> pd.DataFrame:
    """``iso3, from, to, note`` for states created or dissolved since 1960 (others: always existing)."""
    return _with_years("country_existence.csv", ("from", "to"))


def exists(iso3: Iterable[str], year: Iterable[int] | int) -> np.ndarray:
    """False where the state did not exist in ``year`` according to :func:`existence_table`."""
    listed, inside = _in_range(existence_table(), "from", "to", iso3, year)
    return ~listed | inside
