"""The ministry workbook: the same named tables as one .xlsx, one .csv each, and one markdown file.

    paths = write_tables({"Countries": df, "Aggregates": agg}, "results/eco", stem="eco_corridor",
                         readme=["What this is", ...], notes={"Countries": "% change vs 2016"})

csv keeps full precision (the numbers a re-run must reproduce exactly), xlsx Excel's ~15 significant
digits; markdown rounds for reading (both by the one rule of :mod:`gravity.report.format`). Sheet
names are cut to Excel's 31 characters and made unique.
"""
from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from gravity.report.format import to_markdown, write_sheet

_BAD_SHEET = re.compile(r"[\[\]:*?/\\]")


def sheet_names(names: Sequence[str]) -> list[str]:
    """Excel-safe, unique sheet names (≤ 31 characters, no []:*?/\\)."""
    out: list[str] = []
    for name in names:
        base = _BAD_SHEET.sub("_", str(name)).strip() or "Sheet"
        cand = base[:31]
        k = 2
        while cand.lower() in {o.lower() for o in out}:
            suffix = f" ({k})"
            cand = base[: 31 - len(suffix)] + suffix
            k += 1
        out.append(cand)
    return out


def file_stem(name: str) -> str:
    """A file-name-safe version of a table name: lower case, words joined by underscores."""
    return re.sub(r"[^a-z0-9]+", "_", str(name).lower()).strip("_") or "table"


def write_tables(tables: Mapping[str, pd.DataFrame], out: str | Path, *, stem: str,
                 readme: Sequence[str] = (), notes: Mapping[str, str] | None = None) -> dict[str, Path]:
    """Write ``tables`` as ``out/stem.xlsx`` (README sheet first), ``out/csv/<table>.csv`` and
    ``out/stem_tables.md``.

    Parameters
    ----------
    tables : mapping of str to pandas.DataFrame
        Table name (sheet and file name) → table, in output order.
    out : str or Path
        Directory (created).
    stem : str
        File name of the workbook and of the markdown copy.
    readme : sequence of str
        Lines of the README sheet and of the markdown header.
    notes : mapping of str to str, optional
        Table name → one line printed above it.

    Returns
    -------
    dict of str to Path
        Keys ``"xlsx"``, ``"markdown"`` and ``"csv:<name>"``.

    Raises
    ------
    ValueError
        No tables, or two names that give the same file name.
    TypeError
        A table that is not a DataFrame.
    """
    if not tables:
        raise ValueError("write_tables: no tables to write")
    for name, df in tables.items():
        if not isinstance(df, pd.DataFrame):
            raise TypeError(f"write_tables: table {name!r} is a {type(df).__name__}, not a DataFrame")
    notes = dict(notes or {})
    out = Path(out)
    (out / "csv").mkdir(parents=True, exist_ok=True)
    paths: dict[str, Path] = {}

    stems = [file_stem(n) for n in tables]
    if len(set(stems)) != len(stems):
        raise ValueError(f"write_tables: table names collide as file names: {list(tables)}")
    for (name, df), s in zip(tables.items(), stems):
        p = out / "csv" / f"{s}.csv"
        df.to_csv(p, index=False, lineterminator="\n")
        paths[f"csv:{name}"] = p

    xlsx = out / f"{stem}.xlsx"
    sheets = sheet_names(["README", *tables])
    with pd.ExcelWriter(xlsx, engine="openpyxl") as xw:
        intro = list(readme) + [""] + [f"{sh}: {notes.get(n, '')}".rstrip(": ")
                                       for sh, n in zip(sheets[1:], tables)]
        pd.DataFrame({"README": intro}).to_excel(xw, sheet_name=sheets[0], index=False)
        xw.sheets[sheets[0]].column_dimensions["A"].width = 120
        for sh, df in zip(sheets[1:], tables.values()):
            write_sheet(xw, df, sh)
    paths["xlsx"] = xlsx

    md = [f"# {stem}", ""] + [line for line in readme] + [""]
    for name, df in tables.items():
        md += [f"## {name}", ""]
        if notes.get(name):
            md += [notes[name], ""]
        md += [to_markdown(df) if len(df) else "_(empty)_", ""]
    mdp = out / f"{stem}_tables.md"
    mdp.write_text("\n".join(md), encoding="utf-8")
    paths["markdown"] = mdp
    return paths


def read_back(xlsx: str | Path) -> dict[str, pd.DataFrame]:
    """Every sheet of a workbook written by :func:`write_tables` (README included)."""
    return pd.read_excel(xlsx, sheet_name=None)


def frames_equal(a: pd.DataFrame, b: pd.DataFrame, *, rtol: float = 0.0) -> bool:
    """Same columns, same values (floats to ``rtol``; NaN == NaN) — used to check re-runs."""
    if list(a.columns) != list(b.columns) or a.shape != b.shape:
        return False
    for c in a.columns:
        x, y = a[c].to_numpy(), b[c].to_numpy()
        num = [pd.api.types.is_numeric_dtype(s) and not pd.api.types.is_bool_dtype(s) for s in (a[c], b[c])]
        if all(num):
            if not np.allclose(x.astype(float), y.astype(float), rtol=rtol, atol=0.0, equal_nan=True):
                return False
        elif not (pd.Series(x).astype(str).to_numpy() == pd.Series(y).astype(str).to_numpy()).all():
            return False
    return True
