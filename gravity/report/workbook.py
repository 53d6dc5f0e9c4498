"""The ministry workbook: the same named tables as one .xlsx, one .csv each, and one markdown file.

    paths = write_tables({"Countries": df, "Aggregates": agg}, "results/eco", stem="eco_corridor",
                         readme=["What this is", ...],
                         sheet_notes={"Countries": SheetNote(
                             about="GE effects by scenario and country",
                             row="one scenario x one country", units="% change; US$ m (baseline_exports)",
                             source="ITPD-E release 1; WDI", flags={"exports_filled": "exports constructed"}),
                             "Aggregates": SheetNote(...)})

The README sheet (first) holds the ``readme`` lines, then one row per sheet, itself included: sheet
name, csv file, what the table is, what one row is, units, source and the flag columns with their
meaning. With ``sheet_notes`` every table must be described and every boolean column must be a
described flag; the older ``notes`` (table → one line) fill the "contents" column only.

csv keeps full precision (the numbers a re-run must reproduce exactly), xlsx Excel's ~15 significant
digits; markdown rounds for reading (both by the one rule of :mod:`gravity.report.format`). Sheet
names are cut to Excel's 31 characters and made unique.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from gravity.errors import ArgumentTypeError
from gravity.report.errors import ReportError
from gravity.report.format import to_markdown, write_sheet

_BAD_SHEET = re.compile(r"[\[\]:*?/\\]")

#: Column headers of the sheet index on the README sheet.
README_COLUMNS = ("sheet", "csv file", "contents", "one row is", "units", "source", "flags")


@dataclass(frozen=True)
class SheetNote:
    """What a workbook sheet holds, for its README entry.

    Parameters
    ----------
    about : str
        What the table is (one sentence).
    row : str
        What one row is (e.g. ``"one scenario x one country"``).
    units : str
        Units of the value columns (e.g. ``"% change against 2016; US$ m for baseline_*"``).
    source : str
        Where the numbers come from (data sources, or the model step that produced them).
    flags : mapping of str to str
        Flag column → meaning (``{"mirror_only": "flow known only from the partner's report"}``).

    Raises
    ------
    ReportError
        An empty ``about``, ``row``, ``units`` or ``source``, or a flag without a meaning.
    """

    about: str
    row: str
    units: str
    source: str
    flags: Mapping[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        empty = [k for k in ("about", "row", "units", "source") if not str(getattr(self, k)).strip()]
        if empty:
            raise ReportError(f"SheetNote: {empty} empty; say what the sheet holds (units: 'none' for a text table)")
        bad = [k for k, v in self.flags.items() if not str(v).strip()]
        if bad:
            raise ReportError(f"SheetNote: flags {bad} have no meaning; give flag column -> what True means")

    def flag_text(self) -> str:
        """The flags as one line: ``"col: meaning; col2: meaning"`` (blank when there are none)."""
        return "; ".join(f"{k}: {v}" for k, v in self.flags.items())


def _check_notes(tables: Mapping[str, pd.DataFrame], notes: Mapping[str, SheetNote]) -> None:
    unknown = [n for n in notes if n not in tables]
    if unknown:
        raise ReportError(
            f"write_tables: sheet_notes for tables that are not written: {unknown} (tables: {list(tables)})"
        )
    missing = [n for n in tables if n not in notes]
    if missing:
        raise ReportError(
            f"write_tables: tables {missing} have no entry in sheet_notes; describe every sheet "
            "with a SheetNote(about, row, units, source, flags)"
        )
    for name, note in notes.items():
        if not isinstance(note, SheetNote):
            raise ArgumentTypeError(f"write_tables: sheet_notes[{name!r}] is a {type(note).__name__}, not a SheetNote")
        df = tables[name]
        absent = [c for c in note.flags if c not in df.columns]
        if absent:
            raise ReportError(
                f"write_tables: table {name!r}: flag columns {absent} described but not in the table "
                f"(columns: {list(df.columns)})"
            )
        undescribed = [c for c in df.columns if pd.api.types.is_bool_dtype(df[c]) and c not in note.flags]
        if undescribed:
            raise ReportError(
                f"write_tables: table {name!r}: boolean columns {undescribed} are not described; "
                "add them to SheetNote.flags"
            )


def sheet_names(names: Sequence[str]) -> list[str]:
    """Excel-safe, unique sheet names (≤ 31 characters, no []:*?/\\; case-insensitively unique).

    Parameters
    ----------
    names : sequence of str
        Wanted names, in order.

    Returns
    -------
    list of str
        One name per input; a repeat gets a `` (2)``, `` (3)``… suffix.
    """
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
    """A file-name-safe version of a table name: lower case, words joined by underscores.

    Parameters
    ----------
    name : str

    Returns
    -------
    str
        E.g. ``"Aggregates: ECO/ROW"`` → ``"aggregates_eco_row"`` (``"table"`` when nothing is left).
    """
    return re.sub(r"[^a-z0-9]+", "_", str(name).lower()).strip("_") or "table"


def write_tables(
    tables: Mapping[str, pd.DataFrame],
    out: str | Path,
    *,
    stem: str,
    readme: Sequence[str] = (),
    notes: Mapping[str, str] | None = None,
    sheet_notes: Mapping[str, SheetNote] | None = None,
) -> dict[str, Path]:
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
        Lines at the top of the README sheet and of the markdown copy.
    notes : mapping of str to str, optional
        Table name → one line printed above it (the "contents" of its README entry, unless
        ``sheet_notes`` describes it).
    sheet_notes : mapping of str to SheetNote, optional
        Table name → its full README entry. When given it must describe every table, and every
        boolean column of a table must be one of its ``flags``.

    Returns
    -------
    dict of str to Path
        Keys ``"xlsx"``, ``"markdown"`` and ``"csv:<name>"``.

    Raises
    ------
    ReportError
        No tables; two names that give the same file name; ``sheet_notes`` that miss a table, name a
        table not written, describe a flag column the table lacks or leave a boolean column undescribed.
    ArgumentTypeError
        A table that is not a DataFrame, or a ``sheet_notes`` value that is not a :class:`SheetNote`.
    """
    if not tables:
        raise ReportError("write_tables: no tables to write")
    for name, df in tables.items():
        if not isinstance(df, pd.DataFrame):
            raise ArgumentTypeError(f"write_tables: table {name!r} is a {type(df).__name__}, not a DataFrame")
    notes = dict(notes or {})
    described = dict(sheet_notes or {})
    if sheet_notes is not None:
        _check_notes(tables, described)
    stems = [file_stem(n) for n in tables]
    if len(set(stems)) != len(stems):
        raise ReportError(f"write_tables: table names collide as file names: {list(tables)}")
    out = Path(out)
    (out / "csv").mkdir(parents=True, exist_ok=True)
    paths: dict[str, Path] = {}

    for (name, df), s in zip(tables.items(), stems):
        p = out / "csv" / f"{s}.csv"
        df.to_csv(p, index=False, lineterminator="\n")
        paths[f"csv:{name}"] = p

    sheets = sheet_names(["README", *tables])
    index = readme_table(tables, sheets[1:], notes=notes, sheet_notes=described, readme_sheet=sheets[0])
    xlsx = out / f"{stem}.xlsx"
    with pd.ExcelWriter(xlsx, engine="openpyxl") as xw:
        _write_readme(xw, sheets[0], list(readme), index)
        for sh, df in zip(sheets[1:], tables.values()):
            write_sheet(xw, df, sh)
    paths["xlsx"] = xlsx

    md = [f"# {stem}", ""] + [line for line in readme] + [""]
    if described:
        md += ["## Sheets", "", to_markdown(index), ""]
    for name, df in tables.items():
        md += [f"## {name}", ""]
        note = described.get(name)
        if note is not None:
            md += [
                note.about,
                "",
                f"One row: {note.row}. Units: {note.units}. Source: {note.source}."
                + (f" Flags: {note.flag_text()}." if note.flags else ""),
                "",
            ]
        elif notes.get(name):
            md += [notes[name], ""]
        md += [to_markdown(df) if len(df) else "_(empty)_", ""]
    mdp = out / f"{stem}_tables.md"
    mdp.write_text("\n".join(md), encoding="utf-8")
    paths["markdown"] = mdp
    return paths


def readme_table(
    tables: Mapping[str, pd.DataFrame],
    sheets: Sequence[str],
    *,
    notes: Mapping[str, str],
    sheet_notes: Mapping[str, SheetNote],
    readme_sheet: str = "README",
) -> pd.DataFrame:
    """The README sheet's index: one row per sheet (the README itself first), columns :data:`README_COLUMNS`.

    Parameters
    ----------
    tables : mapping of str to pandas.DataFrame
        The tables, in sheet order.
    sheets : sequence of str
        Their sheet names (from :func:`sheet_names`).
    notes : mapping of str to str
        Table → one-line contents (used where ``sheet_notes`` has no entry).
    sheet_notes : mapping of str to SheetNote
        Table → full description.
    readme_sheet : str
        The README sheet's own name.

    Returns
    -------
    pandas.DataFrame
    """
    rows = [
        (
            readme_sheet,
            "",
            "What this workbook is and what every sheet holds",
            "one sheet of the workbook",
            "none",
            "this run",
            "",
        )
    ]
    for (name, _), sh in zip(tables.items(), sheets):
        n = sheet_notes.get(name)
        csv = f"csv/{file_stem(name)}.csv"
        rows.append(
            (sh, csv, n.about, n.row, n.units, n.source, n.flag_text() or "none")
            if n is not None
            else (sh, csv, notes.get(name, ""), "", "", "", "")
        )
    return pd.DataFrame(rows, columns=list(README_COLUMNS))


def _write_readme(xw: pd.ExcelWriter, sheet: str, lines: list[str], index: pd.DataFrame) -> None:
    """README sheet: the lines under an "README" header in column A, a blank row, then the sheet index."""
    from openpyxl.styles import Alignment, Font

    pd.DataFrame({"README": lines}).to_excel(xw, sheet_name=sheet, index=False)
    ws = xw.sheets[sheet]
    top = len(lines) + 3  # header row, lines, one blank row
    bold, wrap = Font(bold=True), Alignment(wrap_text=True, vertical="top")
    for k, col in enumerate(index.columns, start=1):
        c = ws.cell(row=top, column=k, value=col)
        c.font = bold
    for i, row in enumerate(index.itertuples(index=False), start=top + 1):
        for k, v in enumerate(row, start=1):
            ws.cell(row=i, column=k, value=v).alignment = wrap
    for letter, width in zip("ABCDEFG", (32, 26, 60, 30, 34, 40, 50)):
        ws.column_dimensions[letter].width = width


def readme_index(xlsx: str | Path) -> pd.DataFrame:
    """The sheet index of a workbook's README sheet (as written by :func:`write_tables`).

    Parameters
    ----------
    xlsx : str or Path
        The workbook.

    Returns
    -------
    pandas.DataFrame
        One row per described sheet, columns :data:`README_COLUMNS` (blank cells as ``""``).

    Raises
    ------
    ReportError
        The first sheet has no sheet index.
    """
    raw = pd.read_excel(xlsx, sheet_name=0, header=None, dtype=object, engine="openpyxl")
    head = (
        [i for i in range(len(raw)) if tuple(raw.iloc[i, : len(README_COLUMNS)]) == README_COLUMNS]
        if raw.shape[1] >= len(README_COLUMNS)
        else []
    )
    if not head:
        raise ReportError(f"{xlsx}: the first sheet has no sheet index (a row {list(README_COLUMNS)})")
    body = raw.iloc[head[-1] + 1 :, : len(README_COLUMNS)]
    body.columns = list(README_COLUMNS)
    return body.fillna("").astype(str).reset_index(drop=True)


def read_back(xlsx: str | Path) -> dict[str, pd.DataFrame]:
    """Every sheet of a workbook written by :func:`write_tables` (README included).

    Parameters
    ----------
    xlsx : str or Path

    Returns
    -------
    dict of str to pandas.DataFrame
        Sheet name → sheet, first row as header.
    """
    return pd.read_excel(xlsx, sheet_name=None, engine="openpyxl")


def frames_equal(a: pd.DataFrame, b: pd.DataFrame, *, rtol: float = 0.0) -> bool:
    """Same columns, same values (floats to ``rtol``; NaN == NaN) — used to check re-runs.

    Parameters
    ----------
    a, b : pandas.DataFrame
    rtol : float
        Relative tolerance of numeric columns (0: exact); other columns compare as text.

    Returns
    -------
    bool
    """
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
