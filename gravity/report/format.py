"""One table formatter: a DataFrame as markdown, LaTeX, html or an xlsx sheet.

Numbers follow one per-column rule (:func:`number_format`): a float column whose largest absolute
value is at least 10⁴ is shown with thousands separators and no decimals (``899,000,000``), any other
float column with three decimals (``0.123``); missing values are blank. The same rule gives the xlsx
number format (``#,##0`` / ``0.000``), so a sheet and its markdown copy round alike.

Every renderer takes ``cell``, a function value → str applied to every cell instead of the column
rule (e.g. a replication table's own number format), and ``index`` to show the row labels as the
first column::

    to_markdown(df)                                     # padded pipe table, for reading
    to_markdown(df, cell=fmt, padded=False, escape_pipes=True)   # "| a | b |" rows
    to_latex(df, caption="Gravity")                     # tabular inside a table float
    to_html(df)                                         # <table class="t"> (pandas writer)
    write_sheet(writer, df, "Countries")                # widths, frozen header, number formats
"""

from __future__ import annotations

import html
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import pandas as pd

Cell = Callable[[Any], str]

#: Python format spec → Excel number format, for the two outcomes of :func:`number_format`.
XLSX_FORMATS = {",.0f": "#,##0", ".3f": "0.000"}

_LATEX = (
    ("\\", r"\textbackslash{}"),
    ("&", r"\&"),
    ("%", r"\%"),
    ("$", r"\$"),
    ("#", r"\#"),
    ("_", r"\_"),
    ("{", r"\{"),
    ("}", r"\}"),
    ("^", r"\^{}"),
    ("~", r"\~{}"),
)


def number_format(col: pd.Series) -> str:
    """The format spec of a numeric column: ``",.0f"`` when max |x| ≥ 10⁴, else ``".3f"``.

    Parameters
    ----------
    col : pandas.Series
        A numeric column (non-numeric values are ignored).

    Returns
    -------
    str
        A format spec for :func:`format`.
    """
    v = pd.to_numeric(col, errors="coerce").abs()
    return ",.0f" if v.max(skipna=True) >= 1e4 else ".3f"


def format_cells(df: pd.DataFrame, cell: Cell | None = None) -> pd.DataFrame:
    """``df`` with cells as text: ``cell(value)`` for every cell, or the column rule for float columns.

    Parameters
    ----------
    df : pandas.DataFrame
        The table.
    cell : callable, optional
        value → str, applied to every cell (all columns). Without it only float columns are
        formatted (by :func:`number_format`; NaN → ``""``) and other columns keep their values.

    Returns
    -------
    pandas.DataFrame
        A copy with the same index and columns.
    """
    shown = df.copy()
    for c in shown.columns:
        if cell is not None:
            shown[c] = [cell(x) for x in df[c]]
        elif pd.api.types.is_float_dtype(shown[c]):
            fmt = number_format(shown[c])
            shown[c] = [("" if pd.isna(x) else format(x, fmt)) for x in shown[c]]
    return shown


def _pipe(cells: Sequence[str]) -> str:
    return "| " + " | ".join(cells) + " |"


def to_markdown(
    df: pd.DataFrame,
    *,
    cell: Cell | None = None,
    index: bool = False,
    padded: bool = True,
    align: str = "",
    escape_pipes: bool = False,
) -> str:
    """A markdown pipe table.

    Parameters
    ----------
    df : pandas.DataFrame
        The table.
    cell : callable, optional
        value → str for every cell (see :func:`format_cells`); default: the column rule.
    index : bool
        Show the row labels as a first column with a blank header.
    padded : bool
        True: columns padded to a common width (tabulate's pipe format, for reading). False: one
        ``| a | b |`` line per row, no padding.
    align : {"", "center"}
        Alignment marks of the value columns when not padded (``---`` or ``:---:``).
    escape_pipes : bool
        Escape ``|`` inside cells (fixest formulas), when not padded.

    Returns
    -------
    str
        The table without a trailing newline.
    """
    shown = format_cells(df, cell)
    if padded:
        shown = shown.astype(object).where(shown.notna(), "")
        return shown.to_markdown(index=index, disable_numparse=True)
    cols = [str(c) for c in shown.columns]
    mark = ":---:" if align == "center" else "---"
    if index:
        lines = ["| | " + " | ".join(cols) + " |", "|---|" + "|".join(mark for _ in cols) + "|"]
    else:
        lines = [_pipe(cols), "|" + "|".join(mark for _ in cols) + "|"]
    esc = (lambda s: str(s).replace("|", "\\|")) if escape_pipes else str
    for lab, r in zip(shown.index, shown.itertuples(index=False)):
        cells = [esc(x) for x in r]
        lines.append(_pipe(([str(lab)] if index else []) + cells))
    return "\n".join(lines)


def latex_escape(s: Any) -> str:
    r"""Text with LaTeX's special characters escaped (``_`` → ``\_``; ``R²`` → ``$R^2$``)."""
    s = str(s)
    for a, b in _LATEX:
        s = s.replace(a, b)
    return s.replace("R²", "$R^2$")


def latex_number(s: Any) -> str:
    """A formatted coefficient for LaTeX: a leading minus as ``$-$``, trailing stars as a superscript."""
    s = str(s)
    core = s.rstrip("*")
    st = s[len(core) :]
    core = latex_escape(core)
    if core.startswith("-"):
        core = "$-$" + core[1:]
    return core + (f"$^{{{st}}}$" if st else "")


def to_latex(
    df: pd.DataFrame,
    *,
    cell: Cell | None = None,
    index: bool = False,
    caption: str | None = None,
    label: str | None = None,
    rule_before: int | None = None,
    notes: str = "",
) -> str:
    """A ``table`` float with a booktabs-free ``tabular`` (``\\hline\\hline`` top and bottom).

    Parameters
    ----------
    df : pandas.DataFrame
        The table; cells are formatted by ``cell`` or the column rule, then passed through
        :func:`latex_number` (text is escaped; minus signs and significance stars typeset).
    cell : callable, optional
        value → str for every cell.
    index : bool
        Row labels as a first, left-aligned column (blank header).
    caption, label : str, optional
        ``\\caption`` and ``\\label``.
    rule_before : int, optional
        Draw ``\\hline`` before this body row (e.g. between coefficients and statistics).
    notes : str
        A footnote line below the tabular.

    Returns
    -------
    str
    """
    shown = format_cells(df, cell).astype(object)
    shown = shown.where(shown.notna(), "")
    cols = [str(c) for c in shown.columns]
    lines = [r"\begin{table}[htbp]", r"\centering"]
    if caption:
        lines.append(r"\caption{" + latex_escape(caption) + "}")
    if label:
        lines.append(r"\label{" + label + "}")
    spec = ("l" if index else "") + "c" * len(cols)
    head = ([""] if index else []) + [latex_escape(c) for c in cols]
    lines += [r"\begin{tabular}{" + spec + "}", r"\hline\hline", " & ".join(head) + r" \\", r"\hline"]
    for i, (lab, r) in enumerate(zip(shown.index, shown.itertuples(index=False))):
        if i == rule_before:
            lines.append(r"\hline")
        cells = ([latex_escape(lab)] if index else []) + [latex_number(x) for x in r]
        lines.append(" & ".join(cells) + r" \\")
    lines += [r"\hline\hline", r"\end{tabular}"]
    if notes:
        lines.append(r"\par\footnotesize " + latex_escape(notes))
    lines.append(r"\end{table}")
    return "\n".join(lines)


def to_html(
    df: pd.DataFrame,
    *,
    cell: Cell | None = None,
    index: bool = False,
    classes: str = "t",
    rule_before: int | None = None,
    mark_text: bool = False,
) -> str:
    """An html ``<table>``; text is escaped.

    Parameters
    ----------
    df : pandas.DataFrame
        The table.
    cell : callable, optional
        value → str for every cell; default: the column rule for float columns.
    index : bool
        False: pandas' writer (``<table border="0" class="dataframe {classes}">``, blank NaN).
        True: a compact table with the row labels as ``<th>`` and ``<thead>``/``<tbody>``.
    classes : str
        CSS class of the table.
    rule_before : int, optional
        With ``index=True``: a top border on this body row.
    mark_text : bool
        With ``index=False``: a compact ``<thead>``/``<tbody>`` table whose text columns (neither
        numeric nor boolean) carry ``class="txt"`` on their header and cells, so a stylesheet can
        align text left and numbers right; negative numbers get a typographic minus (−), boolean
        cells read ``yes``/``no`` and headers may wrap after an underscore. False: pandas' writer.

    Returns
    -------
    str
    """
    shown = format_cells(df, cell)
    if not index and mark_text:
        e = html.escape
        kinds = [
            "bool" if pd.api.types.is_bool_dtype(df[c]) else "num" if pd.api.types.is_numeric_dtype(df[c]) else "txt"
            for c in df.columns
        ]
        cls = [' class="txt"' if k == "txt" else "" for k in kinds]
        blank = shown.astype(object).where(shown.notna(), "")

        def show(x, kind: str) -> str:
            if kind == "bool" and cell is None and isinstance(x, (bool, np.bool_)):
                return "yes" if x else "no"
            s = str(x)
            return "\u2212" + s[1:] if kind == "num" and s.startswith("-") else s

        out = [
            f'<table class="{e(classes)}">',
            "<thead><tr>"
            + "".join(f"<th{k}>{e(str(c)).replace('_', '_<wbr>')}</th>" for k, c in zip(cls, shown.columns))
            + "</tr></thead>",
            "<tbody>",
        ]
        for r in blank.itertuples(index=False):
            out.append("<tr>" + "".join(f"<td{k}>{e(show(x, kd))}</td>" for k, kd, x in zip(cls, kinds, r)) + "</tr>")
        out.append("</tbody></table>")
        return "\n".join(out)
    if not index:
        return shown.to_html(index=False, border=0, classes=classes, na_rep="", escape=True)
    e = html.escape
    out = [
        f'<table class="{e(classes)}">',
        "<thead><tr><th></th>" + "".join(f"<th>{e(str(c))}</th>" for c in shown.columns) + "</tr></thead>",
        "<tbody>",
    ]
    for i, (lab, r) in enumerate(zip(shown.index, shown.itertuples(index=False))):
        style = ' style="border-top:1px solid"' if i == rule_before else ""
        out.append(f"<tr{style}><th>{e(str(lab))}</th>" + "".join(f"<td>{e(str(x))}</td>" for x in r) + "</tr>")
    out.append("</tbody></table>")
    return "\n".join(out)


def write_sheet(writer: pd.ExcelWriter, df: pd.DataFrame, sheet: str) -> None:
    """``df`` as one sheet of an openpyxl workbook: full-precision values, header row frozen (and the
    first column when there are several), widths from the contents, float columns in the number format
    of :func:`number_format` (``#,##0`` or ``0.000``).

    Parameters
    ----------
    writer : pandas.ExcelWriter
        An open writer with ``engine="openpyxl"``.
    df : pandas.DataFrame
        The table (written without its index).
    sheet : str
        An Excel-safe sheet name (≤ 31 characters).
    """
    df.to_excel(writer, sheet_name=sheet, index=False)
    ws = writer.sheets[sheet]
    ws.freeze_panes = "B2" if df.shape[1] > 1 else "A2"
    for k, col in enumerate(df.columns, start=1):
        width = max([len(str(col))] + [len(str(x)) for x in df[col].head(200)]) + 2
        ws.column_dimensions[ws.cell(row=1, column=k).column_letter].width = min(max(width, 8), 60)
        if pd.api.types.is_float_dtype(df[col]):
            fmt = XLSX_FORMATS[number_format(df[col])]
            for row in ws.iter_rows(min_row=2, min_col=k, max_col=k):
                row[0].number_format = fmt


__all__ = [
    "XLSX_FORMATS",
    "format_cells",
    "latex_escape",
    "latex_number",
    "number_format",
    "to_html",
    "to_latex",
    "to_markdown",
    "write_sheet",
]
