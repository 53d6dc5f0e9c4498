"""Small helpers shared by the readers."""

from __future__ import annotations

import logging
from pathlib import Path

import numpy as np
import pandas as pd

from gravity.data import countries, registry
from gravity.data.errors import DataInputError
from gravity.data.readers import INDICATOR_COLUMNS

log = logging.getLogger("gravity.data")


def resolve(file) -> Path:
    """A registry key (``"egdi/egdi-2010.csv"``) or a filesystem path → local ``Path``."""
    if isinstance(file, str) and file in registry.REGISTRY:
        return registry.path(file)
    p = Path(file)
    if not p.exists():
        raise registry.DataUnavailableError(f"{file}: neither a registered dataset key nor an existing file")
    return p


def keep_countries(df: pd.DataFrame, col: str, what: str) -> pd.DataFrame:
    """Drop rows whose code is not a country (WDI/OWID aggregates such as WLD, AFE, OWID_WRL), logging them."""
    codes = df[col].astype(str)
    ok = codes.isin(countries.known_codes())
    if not ok.all():
        dropped = sorted(set(codes[~ok]))
        log.info(
            "%s: dropped %d rows for %d aggregate/non-country codes: %s",
            what,
            int((~ok).sum()),
            len(dropped),
            ", ".join(dropped),
        )
    return df.loc[ok]


def indicator_frame(iso3, year, indicator, value, source: str, flag=None) -> pd.DataFrame:
    """Assemble the long indicator schema with stable dtypes (flag "" = as published)."""
    n = len(iso3)
    out = pd.DataFrame(
        {
            "iso3": np.asarray(iso3, dtype=object),
            "year": np.asarray(year, dtype="int64"),
            "indicator": np.broadcast_to(np.asarray(indicator, dtype=object), (n,)).copy(),
            "value": np.asarray(value, dtype="float64"),
            "source": np.full(n, source, dtype=object),
            "flag": np.full(n, "", dtype=object) if flag is None else np.asarray(flag, dtype=object),
        }
    )
    out = out[INDICATOR_COLUMNS]
    for c in ("iso3", "indicator", "source", "flag"):
        out[c] = out[c].astype(str)
    return out.reset_index(drop=True)


def check_unique(df: pd.DataFrame, keys: list[str], what: str) -> None:
    dup = df.duplicated(keys, keep=False)
    if dup.any():
        rows = df.loc[dup, keys].head(10).to_dict("records")
        raise DataInputError(
            f"{what}: {int(dup.sum())} rows share the key {keys}, e.g. {rows}; "
            f"the source file is not in the expected layout."
        )


_MEMO: dict[tuple, pd.DataFrame] = {}


def memoised(fn):
    """Read each (reader, arguments) once per process; callers get a shallow copy (pandas copy-on-write
    keeps the cached frame intact whatever they do with theirs). Registered files are immutable (sha256)."""
    import functools

    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        key = (fn.__qualname__, args, tuple(sorted(kwargs.items())))
        try:
            hash(key)
        except TypeError:
            return fn(*args, **kwargs)
        if key not in _MEMO:
            _MEMO[key] = fn(*args, **kwargs)
        return _MEMO[key].copy(deep=False)

    return wrapper
