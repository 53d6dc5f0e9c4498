"""ITPD-E's long file streamed by industry: one pass over the published CSV into a dataset partitioned by
industry, read back one industry at a time.

The published file (release 2: ``ITPD_E_R02.csv``, 72.5M rows, 170 industries; the columns of
:func:`gravity.data.readers.trade.read_itpde`) is too large to hold in one process next to a model, let
alone to send to every worker. :func:`itpde_to_dataset` reads it once, ``block_rows`` rows at a time (the
CSV parser's chunks; categorical columns are parsed straight into codes), harmonises the country codes
to ISO3, converts ``trade`` from millions of US$ to US$ and appends each block's rows to its industry's
partition; memory holds one block and its encoding, never the file. :class:`IndustrySource` then reads
one industry (only that partition's files) as the frame ``read_itpde(file, by_industry=True)`` gives for
that industry, in file order; ``gv.ppml(formula, source, by="industry_id")`` fits each industry on the
worker that reads it (:func:`gravity.estimation.by_group.fit_by`).

Layout on disk (``dest``)::

    manifest.json                     written last: source (name, size, mtime), rows, industries × years
                                      row counts, code dictionaries (countries, broad sectors, flags)
    industry_id=<id>/part-<k>.npz     rows of block k for industry <id>: int16 codes (exporter, importer,
                                      broad_sector, flag_mirror, flag_zero), year, trade (float64, US$),
                                      row (the row's line in the source file)

NumPy archives, read without pickle (``allow_pickle=False``); the dataset is built in a sibling folder
and renamed into place once complete, so ``dest`` is either a complete dataset or absent.

Examples
--------
>>> src = IndustrySource(itpde_to_dataset("ITPD_E_R02.zip", "itpde_by_industry"),      # doctest: +SKIP
...                      transform=add_gravity_variables)   # a module-level function adding ln_dist, ...
>>> fits = gv.ppml("trade ~ ln_dist | exporter^year + importer^year", src, by="industry_id")  # doctest: +SKIP

References
----------
Borchert, I., Larch, M., Shikher, S. & Yotov, Y. V. (2021). The International Trade and Production Database
for Estimation (ITPD-E). *Economics Letters* 202, 109866.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import time
import zipfile
from collections.abc import Callable, Iterable
from pathlib import Path

import numpy as np
import pandas as pd

from gravity.data import countries
from gravity.data.errors import DataInputError
from gravity.data.readers._common import log, resolve
from gravity.data.readers.trade import ITPDE_READ_COLUMNS, check_itpde_header
from gravity.errors import ArgumentTypeError

__all__ = ["ITPDE_INDUSTRY_COLUMNS", "itpde_to_dataset", "IndustrySource"]

ITPDE_INDUSTRY_COLUMNS = [
    "exporter",
    "importer",
    "year",
    "trade",
    "industry_id",
    "broad_sector",
    "flag_mirror",
    "flag_zero",
]
"""Columns of :meth:`IndustrySource.read` (those of ``read_itpde(file, by_industry=True)``)."""

FORMAT = "gravity-itpde-by-industry/1"
MANIFEST = "manifest.json"
_TEXT = ("exporter_iso3", "importer_iso3", "broad_sector", "flag_mirror", "flag_zero")
_CODED = ("broad_sector", "flag_mirror", "flag_zero")  # stored as codes into the manifest's dictionaries
_STORED = ("exporter", "importer", "year", "trade", "broad_sector", "flag_mirror", "flag_zero")
_SHOWN = 10  # rows named in an error message


# ----------------------------------------------------------------------------------------------- writing
def itpde_to_dataset(src, dest, *, block_rows: int = 1_000_000) -> Path:
    """Convert the published ITPD-E CSV into a dataset partitioned by industry, in one streaming pass.

    Parameters
    ----------
    src : str or path
        ``ITPD_E_R02.csv`` (any ITPD-E release in the published layout), or the ``.zip`` USITC ships that
        holds it (one ``.csv`` member), or a registry key.
    dest : str or path
        Dataset folder (module docstring). A complete dataset of the same source (file name, size and
        modification time in its manifest) is reused as it is; one of another source is rebuilt.
    block_rows : int
        Rows parsed at a time: memory is bounded by one block and its encoding whatever the file size, about
        100 bytes a row of the block (peak growth on a 1.5M-row file: 18 MB with 50,000-row blocks, 101 MB
        with the default 1,000,000; ``pandas.read_csv`` of the same file: 336 MB).

    Returns
    -------
    pathlib.Path
        ``dest``, ready for :class:`IndustrySource`.

    Raises
    ------
    DataInputError
        A missing column (as :func:`read_itpde`), a ``trade`` value that is not a number or is negative,
        a ``year`` or ``industry_id`` that is not an integer, an empty country code, or two rows with the
        same (exporter, importer, year, industry_id) after ISO3 harmonisation — each naming the file lines
        (line 1 is the header) and the fix; ``dest`` is then left as it was. Nothing is dropped silently.
    gravity.data.countries.UnknownCountryError
        A country code that cannot be mapped to ISO3.
    """
    if int(block_rows) < 1:
        raise DataInputError(f"block_rows must be a positive number of rows, got {block_rows}")
    path = resolve(src)
    dest = Path(dest)
    stamp = _stamp(path)
    if dest.exists():
        if not dest.is_dir():
            raise DataInputError(f"{dest} is a file; dest must be a folder (new, empty or an earlier dataset)")
        old = json.loads((dest / MANIFEST).read_text()) if (dest / MANIFEST).is_file() else None
        if old is not None and old.get("format") == FORMAT and old.get("source") == stamp:
            log.info("ITPD-E dataset %s is complete for %s (%d rows): reused", dest, path.name, old["rows"])
            return dest
        if old is None and any(dest.iterdir()):
            raise DataInputError(
                f"{dest} exists and is not an ITPD-E industry dataset (no {MANIFEST}): remove it or choose another dest"
            )
    tmp = dest.with_name(f"{dest.name}.partial-{os.getpid()}")
    if tmp.exists():
        shutil.rmtree(tmp)
    tmp.mkdir(parents=True)
    t0 = time.perf_counter()
    try:
        manifest = _convert(path, tmp, int(block_rows))
        manifest.update(source=stamp, block_rows=int(block_rows), seconds=round(time.perf_counter() - t0, 3))
        (tmp / MANIFEST).write_text(json.dumps(manifest, indent=1))
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    if dest.exists():
        shutil.rmtree(dest)  # a stale dataset (another source) or an empty folder
    tmp.rename(dest)
    log.info(
        "ITPD-E %s → %s: %d rows, %d industries in %.1f s",
        path.name,
        dest,
        manifest["rows"],
        len(manifest["industries"]),
        manifest["seconds"],
    )
    return dest


def _stamp(path: Path) -> dict:
    st = path.stat()
    return {"name": path.name, "size": st.st_size, "mtime_ns": st.st_mtime_ns}


@contextlib.contextmanager
def _open_csv(path: Path):
    """The CSV as a binary stream: the file itself, or the one ``.csv`` member of a zip archive."""
    if zipfile.is_zipfile(path):
        with zipfile.ZipFile(path) as zf:
            members = [m for m in zf.namelist() if m.lower().endswith(".csv") and not m.startswith("__MACOSX")]
            if len(members) != 1:
                raise DataInputError(
                    f"{path}: expected one .csv member (the ITPD-E file) in the archive, found "
                    f"{members or zf.namelist()[:10]}; unzip it and pass the csv"
                )
            with zf.open(members[0]) as fh:
                yield fh
    else:
        with open(path, "rb") as fh:
            yield fh


class _Dictionary:
    """Values → int16 codes, growing across blocks; code −1 stays −1 (a missing value)."""

    def __init__(self, what: str):
        self.what = what
        self.values: list = []
        self.index: dict = {}

    def codes(self, categories, local_codes: np.ndarray) -> np.ndarray:
        to_global = np.array([self.index.setdefault(v, len(self.index)) for v in categories] + [-1], dtype=np.int64)
        if len(self.index) > np.iinfo(np.int16).max:
            raise DataInputError(
                f"more than {np.iinfo(np.int16).max} distinct values of {self.what}: not an ITPD-E file"
            )
        self.values = list(self.index)
        return to_global[local_codes].astype(np.int16)  # local code −1 picks the trailing −1


def _lines(offset: int, mask: np.ndarray) -> list[int]:
    """File lines (header = line 1) of the first rows of a block flagged by ``mask``."""
    return [int(offset + k + 2) for k in np.flatnonzero(mask)[:_SHOWN]]


def _shown(col: pd.Series, offset: int, mask: np.ndarray) -> str:
    """``line 7 ('abc'), line 9 (missing)`` for the first flagged rows of a block."""

    def text(v) -> str:
        return "missing" if v is None or (isinstance(v, float) and np.isnan(v)) else repr(str(v))

    return ", ".join(f"line {ln} ({text(col.iloc[ln - offset - 2])})" for ln in _lines(offset, mask))


def _integers(col: pd.Series, name: str, what: str, offset: int) -> np.ndarray:
    if pd.api.types.is_integer_dtype(col.dtype):
        return col.to_numpy(dtype=np.int64)
    num = pd.to_numeric(col, errors="coerce").to_numpy(dtype=np.float64)
    bad = ~np.isfinite(num) | (num != np.round(num))
    if bad.any():
        raise DataInputError(
            f"{name}: {what} is not an integer in {int(bad.sum())} rows of this block, e.g. "
            f"{_shown(col, offset, bad)}; "
            f"every ITPD-E row has an integer {what}: correct or remove these rows and convert again"
        )
    return num.astype(np.int64)


def _trade(col: pd.Series, name: str, offset: int) -> np.ndarray:
    if pd.api.types.is_numeric_dtype(col.dtype) and not pd.api.types.is_bool_dtype(col.dtype):
        num = col.to_numpy(dtype=np.float64)
    else:
        num = pd.to_numeric(col, errors="coerce").to_numpy(dtype=np.float64)
    bad = ~np.isfinite(num)
    if bad.any():
        raise DataInputError(
            f"{name}: trade is not a number in {int(bad.sum())} rows of this block, e.g. "
            f"{_shown(col, offset, bad)}; "
            f"ITPD-E trade is a number ≥ 0 (millions of US$) in every row: correct or remove these "
            f"rows and convert again"
        )
    neg = num < 0
    if neg.any():
        shown = ", ".join(f"line {ln} ({num[ln - offset - 2]:g})" for ln in _lines(offset, neg))
        raise DataInputError(
            f"{name}: trade is negative in {int(neg.sum())} rows of this block, e.g. {shown}; "
            f"ITPD-E flows are ≥ 0: correct or remove these rows and convert again"
        )
    return num * 1e6


def _convert(path: Path, out: Path, block_rows: int) -> dict:
    """The streaming pass (see :func:`itpde_to_dataset`); returns the manifest without the source stamp."""
    with _open_csv(path) as fh:
        check_itpde_header(path, pd.read_csv(fh, nrows=0).columns)
    name = path.name
    dicts = {"country": _Dictionary("country codes"), **{c: _Dictionary(c) for c in _CODED}}
    counts: dict[int, dict[int, int]] = {}
    offset = 0
    with _open_csv(path) as fh:
        reader = pd.read_csv(fh, usecols=ITPDE_READ_COLUMNS, dtype={c: "category" for c in _TEXT}, chunksize=block_rows)
        for k, raw in enumerate(reader):
            cols = {}
            for side in ("exporter", "importer"):
                col = raw[f"{side}_iso3"]
                local = col.cat.codes.to_numpy()
                if (local < 0).any():
                    raise DataInputError(
                        f"{name}: {side}_iso3 is empty in {int((local < 0).sum())} rows of this "
                        "block, "
                        f"e.g. lines {_lines(offset, local < 0)}; every ITPD-E row names both "
                        f"countries: correct or remove these rows and convert again"
                    )
                iso = countries.to_iso3(
                    pd.Series(col.cat.categories.astype(str)), context=f"ITPD-E {side}_iso3"
                ).tolist()
                cols[side] = dicts["country"].codes(iso, local)
            for c in _CODED:
                col = raw[c]
                cols[c] = dicts[c].codes(col.cat.categories.astype(str).tolist(), col.cat.codes.to_numpy())
            cols["year"] = _integers(raw["year"], name, "year", offset)
            industry = _integers(raw["industry_id"], name, "industry_id", offset)
            cols["trade"] = _trade(raw["trade"], name, offset)
            cols["row"] = np.arange(offset + 2, offset + 2 + len(raw), dtype=np.int64)
            _write_block(out, k, industry, cols, counts)
            offset += len(raw)
    manifest = {
        "format": FORMAT,
        "rows": offset,
        "columns": ITPDE_INDUSTRY_COLUMNS,
        "years": sorted({y for by_year in counts.values() for y in by_year}),
        "industries": {str(i): {str(y): n for y, n in sorted(counts[i].items())} for i in sorted(counts)},
        "dictionaries": {k: d.values for k, d in dicts.items()},
    }
    _check_keys(out, manifest, name)
    return manifest


def _write_block(out: Path, k: int, industry: np.ndarray, cols: dict, counts: dict) -> None:
    """Append block ``k``'s rows to each industry's partition (one ``part-k.npz`` per industry present)."""
    order = np.argsort(industry, kind="stable")
    levels, starts = np.unique(industry[order], return_index=True)
    ends = np.append(starts[1:], order.size)
    year = cols["year"]
    year_dtype = np.int16 if year.size == 0 or (year.min() >= 0 and year.max() <= np.iinfo(np.int16).max) else np.int64
    row_dtype = np.uint32 if cols["row"][-1:].max(initial=0) <= np.iinfo(np.uint32).max else np.int64
    for lev, a, b in zip(levels.tolist(), starts, ends):
        idx = order[a:b]
        folder = out / f"industry_id={lev}"
        folder.mkdir(exist_ok=True)
        arrays = {c: cols[c][idx] for c in _STORED}
        arrays["year"] = arrays["year"].astype(year_dtype)
        arrays["row"] = cols["row"][idx].astype(row_dtype)
        np.savez(folder / f"part-{k:06d}.npz", **arrays)
        ys, ns = np.unique(year[idx], return_counts=True)
        per = counts.setdefault(lev, {})
        for y, n in zip(ys.tolist(), ns.tolist()):
            per[y] = per.get(y, 0) + n


def _parts(folder: Path) -> list[Path]:
    return sorted(folder.glob("part-*.npz"), key=lambda p: int(p.stem.split("-")[1]))


def _check_keys(out: Path, manifest: dict, name: str) -> None:
    """(exporter, importer, year, industry_id) is a key: checked one industry at a time."""
    n_c = max(len(manifest["dictionaries"]["country"]), 1)
    years = manifest["years"] or [0]
    y0, n_y = years[0], years[-1] - years[0] + 1
    country = manifest["dictionaries"]["country"]
    n_dup = 0
    shown: list = []
    for lev in manifest["industries"]:
        e, i, y, r = [], [], [], []
        for p in _parts(out / f"industry_id={lev}"):
            with np.load(p, allow_pickle=False) as z:
                e.append(z["exporter"])
                i.append(z["importer"])
                y.append(z["year"])
                r.append(z["row"])
        key = (np.concatenate(e).astype(np.int64) * n_c + np.concatenate(i)) * n_y + (
            np.concatenate(y).astype(np.int64) - y0
        )
        order = np.argsort(key, kind="stable")
        ks = key[order]
        same = ks[1:] == ks[:-1]
        if not same.any():
            continue
        in_dup = np.zeros(ks.size, dtype=bool)
        in_dup[1:] |= same
        in_dup[:-1] |= same
        n_dup += int(in_dup.sum())
        rows = np.concatenate(r)[order]
        for g in np.flatnonzero(same & ~np.append(False, same[:-1]))[: _SHOWN - len(shown)]:  # first of each run
            last = g + 1
            while last + 1 < ks.size and ks[last + 1] == ks[g]:
                last += 1
            kv = int(ks[g])
            yr, pair = kv % n_y + y0, kv // n_y
            shown.append(
                f"lines {', '.join(str(int(x)) for x in sorted(rows[g : last + 1]))} "
                f"({country[pair // n_c]}→{country[pair % n_c]}, {yr}, industry {lev})"
            )
    if n_dup:
        raise DataInputError(
            f"{name}: {n_dup} rows share the key (exporter, importer, year, industry_id) after ISO3 "
            f"harmonisation, e.g. {'; '.join(shown)}; the file must have one row per key (the "
            f"ITPD-E layout): remove the duplicates (or merge legacy codes such as ROM and ROU) and "
            f"convert again"
        )


# ----------------------------------------------------------------------------------------------- reading
def _read_manifest(path: Path) -> dict:
    file = Path(path) / MANIFEST
    if not file.is_file():
        raise DataInputError(
            f"{path}: not an ITPD-E industry dataset (no {MANIFEST}); build one with "
            f"itpde_to_dataset(<ITPD_E_R02.csv or .zip>, {str(path)!r})"
        )
    m = json.loads(file.read_text())
    if m.get("format") != FORMAT:
        raise DataInputError(
            f"{path}: dataset format {m.get('format')!r}, this reader expects {FORMAT!r}; "
            f"build it again with itpde_to_dataset"
        )
    return m


class IndustrySource:
    """One ITPD-E industry at a time from a dataset built by :func:`itpde_to_dataset` (a *group source*).

    A group source has ``levels()``, ``read(level)``, ``nrows(level)`` and ``by``; passed as the data of
    ``gv.ppml(formula, source, by="industry_id")`` (:func:`gravity.estimation.by_group.fit_by`), each task
    reads its own industry where it runs, so the full file is neither in the calling process nor sent to
    the workers. The object holds only the dataset path and the options: it pickles in a few bytes. On a
    remote cluster the dataset must be on a filesystem the workers see at the same path.

    Parameters
    ----------
    path : str or path
        The dataset folder returned by :func:`itpde_to_dataset`.
    years : iterable of int, optional
        Keep only these years.
    transform : callable, optional
        ``transform(frame) -> frame``, applied to each industry's frame after reading: this is where the
        user's regressors are added (e.g. merge distances and compute ``ln_dist``, add a border dummy, drop
        countries without geography). It travels to the workers with the source, so make it a module-level
        function (or a ``functools.partial`` of one), not a lambda of a notebook cell that holds big data.

    Attributes
    ----------
    by : str
        ``"industry_id"``, the grouping column.
    """

    by = "industry_id"

    def __init__(
        self,
        path,
        *,
        years: Iterable[int] | None = None,
        transform: Callable[[pd.DataFrame], pd.DataFrame] | None = None,
    ):
        self.path = str(Path(path))
        self.years = None if years is None else tuple(sorted({int(y) for y in years}))
        if transform is not None and not callable(transform):
            raise ArgumentTypeError(f"transform must be a function frame -> frame, got {type(transform).__name__}")
        self.transform = transform
        self._m: dict | None = None
        m = self._manifest()
        if self.years is not None:
            unknown = sorted(set(self.years) - set(m["years"]))
            if unknown:
                raise DataInputError(f"years {unknown} are not in {self.path}; it has {_span(m['years'])}")

    def __getstate__(self) -> dict:
        return {"path": self.path, "years": self.years, "transform": self.transform}

    def __setstate__(self, state: dict) -> None:
        self.__dict__.update(state, _m=None)

    def _manifest(self) -> dict:
        if self._m is None:
            self._m = _read_manifest(Path(self.path))
        return self._m

    def _counts(self, level: int) -> dict[str, int]:
        return self._manifest()["industries"][str(level)]

    def levels(self) -> list[int]:
        """Industry ids with at least one row (in the chosen years), sorted."""
        return sorted(int(k) for k in self._manifest()["industries"] if self._rows(int(k)) > 0)

    def _rows(self, level: int) -> int:
        c = self._counts(level)
        if self.years is None:
            return sum(c.values())
        return sum(c.get(str(y), 0) for y in self.years)

    def _level(self, level) -> int:
        try:
            lev = int(level)
            ok = lev == level or str(lev) == str(level).strip()
        except (TypeError, ValueError):
            ok = False
        if not ok or str(lev) not in self._manifest()["industries"] or self._rows(lev) == 0:
            have = self.levels()
            raise DataInputError(
                f"industry_id={level!r} is not in {self.path}"
                f"{' for years ' + _span(self.years) if self.years else ''}; its industries are "
                f"{_span(have)} ({len(have)} in all)"
            )
        return lev

    def nrows(self, level) -> int:
        """Rows of one industry (in the chosen years), from the manifest, before ``transform``."""
        return self._rows(self._level(level))

    def read(self, level) -> pd.DataFrame:
        """One industry's rows: ``exporter, importer, year, trade, industry_id, broad_sector, flag_mirror,
        flag_zero`` (as ``read_itpde(file, by_industry=True)``, in file order), then ``transform``.

        Raises
        ------
        ValueError
            An industry that is not in the dataset (the available ones named).
        """
        lev = self._level(level)
        m = self._manifest()
        parts: dict[str, list] = {c: [] for c in _STORED}
        keep = None if self.years is None else np.asarray(self.years)
        for p in _parts(Path(self.path) / f"industry_id={lev}"):
            with np.load(p, allow_pickle=False) as z:
                mask = None if keep is None else np.isin(z["year"], keep)
                for c in _STORED:
                    parts[c].append(z[c] if mask is None else z[c][mask])
        col = {c: np.concatenate(v) if v else np.empty(0, np.int16) for c, v in parts.items()}
        n = col["year"].size
        country = _decoder(m["dictionaries"]["country"])
        frame = pd.DataFrame(
            {
                "exporter": country[col["exporter"]],
                "importer": country[col["importer"]],
                "year": col["year"].astype(np.int64),
                "trade": col["trade"].astype(np.float64),
                "industry_id": np.full(n, lev, dtype=np.int64),
                **{c: _decoder(m["dictionaries"][c])[col[c]] for c in _CODED},
            }
        )
        if self.transform is None:
            return frame
        out = self.transform(frame)
        if not isinstance(out, pd.DataFrame):
            raise ArgumentTypeError(
                f"transform {getattr(self.transform, '__name__', self.transform)!r} returned "
                f"{type(out).__name__}; it must return the industry's DataFrame"
            )
        return out

    def __repr__(self) -> str:
        m = self._manifest()
        lev = self.levels()
        rows = sum(self._rows(x) for x in lev)
        tr = f", transform {getattr(self.transform, '__name__', '?')}" if self.transform else ""
        return (
            f"IndustrySource({self.path!r}: {len(lev)} industries, {rows:,} rows, years "
            f"{_span(self.years or m['years'])}{tr})"
        )


def _decoder(values: list) -> np.ndarray:
    """Code → value lookup with code −1 (missing) → None."""
    return np.array(list(values) + [None], dtype=object)


def _span(values) -> str:
    values = list(values)
    if not values:
        return "none"
    if len(values) > 2 and values == list(range(values[0], values[-1] + 1)):
        return f"{values[0]}–{values[-1]}"
    return ", ".join(map(str, values[:30])) + (" …" if len(values) > 30 else "")
