"""Documents from a list of blocks: one list renders as markdown and as self-contained html.

Blocks: ``("h1"|"h2"|"h3", text)``, ``("p", text)``, ``("ul", [items])``, ``("table", df, caption)``,
``("img", relative_path, caption)``, ``("md", raw_markdown, raw_html)``, ``("pagebreak",)``. Tables
are formatted by :mod:`gravity.report.format` (the per-column number rule).

    paths = write_report([("h1", "Title"), ("table", df, "A caption")], "results/eco", stem="report", title="Title")
"""
from __future__ import annotations

import html
from collections.abc import Sequence
from pathlib import Path

from gravity.report.format import to_html, to_markdown

Block = tuple

CSS = ("body{font-family:Helvetica,Arial,sans-serif;max-width:1000px;margin:2em auto;line-height:1.4;"
       "color:#222}table.t{border-collapse:collapse;font-size:0.85em;margin:0.5em 0}"
       "table.t td,table.t th{border-bottom:1px solid #ddd;padding:3px 8px;text-align:right}"
       "table.t th{background:#f3f3f3}.cap{font-size:0.85em;color:#555;font-style:italic}"
       "hr.page{page-break-after:always;border:0;border-top:2px solid #999;margin:2em 0}img{max-width:100%}")


def _unknown(kind) -> ValueError:
    return ValueError(f"unknown report block {kind!r}; use one of h1, h2, h3, p, ul, table, img, md, pagebreak")


def render_markdown(blocks: Sequence[Block]) -> str:
    """The blocks as markdown (a page break is a horizontal rule ``---``).

    Parameters
    ----------
    blocks : sequence of tuple
        See the module docstring.

    Returns
    -------
    str

    Raises
    ------
    ValueError
        A block of unknown kind.
    """
    out: list[str] = []
    for b in blocks:
        kind = b[0]
        if kind in ("h1", "h2", "h3"):
            out += ["#" * int(kind[1]) + " " + b[1], ""]
        elif kind == "p":
            out += [b[1], ""]
        elif kind == "ul":
            out += [f"- {item}" for item in b[1]] + [""]
        elif kind == "table":
            df, cap = b[1], (b[2] if len(b) > 2 else "")
            out += [to_markdown(df) if len(df) else "_(empty)_", ""]
            if cap:
                out += [f"*{cap}*", ""]
        elif kind == "img":
            out += [f"![{b[2] if len(b) > 2 else ''}]({b[1]})", ""]
            if len(b) > 2 and b[2]:
                out += [f"*{b[2]}*", ""]
        elif kind == "md":
            out += [b[1], ""]
        elif kind == "pagebreak":
            out += ["---", ""]
        else:
            raise _unknown(kind)
    return "\n".join(out)


def render_html(blocks: Sequence[Block], title: str) -> str:
    """The blocks as one self-contained html page (inline CSS; images referenced by relative path).

    Parameters
    ----------
    blocks : sequence of tuple
        See the module docstring; an ``md`` block contributes its raw html (or its markdown in ``<pre>``).
    title : str
        The page title.

    Returns
    -------
    str

    Raises
    ------
    ValueError
        A block of unknown kind.
    """
    out = [f"<!doctype html><html><head><meta charset='utf-8'><title>{html.escape(title)}</title>"
           f"<style>{CSS}</style></head><body>"]
    for b in blocks:
        kind = b[0]
        if kind in ("h1", "h2", "h3"):
            out.append(f"<{kind}>{html.escape(b[1])}</{kind}>")
        elif kind == "p":
            out.append(f"<p>{html.escape(b[1])}</p>")
        elif kind == "ul":
            out.append("<ul>" + "".join(f"<li>{html.escape(str(i))}</li>" for i in b[1]) + "</ul>")
        elif kind == "table":
            out.append(to_html(b[1], classes="t"))
            if len(b) > 2 and b[2]:
                out.append(f"<p class='cap'>{html.escape(b[2])}</p>")
        elif kind == "img":
            cap = b[2] if len(b) > 2 else ""
            out.append(f"<figure><img src='{html.escape(b[1])}' alt='{html.escape(cap)}'>"
                       f"<figcaption class='cap'>{html.escape(cap)}</figcaption></figure>")
        elif kind == "md":
            out.append(b[2] if len(b) > 2 and b[2] else f"<pre>{html.escape(b[1])}</pre>")
        elif kind == "pagebreak":
            out.append("<hr class='page'>")
        else:
            raise _unknown(kind)
    out.append("</body></html>")
    return "\n".join(out)


def write_report(blocks: Sequence[Block], out: str | Path, *, stem: str, title: str) -> dict[str, Path]:
    """Write ``out/stem.md`` and ``out/stem.html`` (images referenced relative to ``out``).

    Parameters
    ----------
    blocks : sequence of tuple
        See the module docstring.
    out : str or Path
        Directory (created).
    stem : str
        File name without extension.
    title : str
        The html page title.

    Returns
    -------
    dict of str to Path
        Keys ``"report_md"`` and ``"report_html"``.
    """
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    md, ht = out / f"{stem}.md", out / f"{stem}.html"
    md.write_text(render_markdown(blocks), encoding="utf-8")
    ht.write_text(render_html(blocks, title), encoding="utf-8")
    return {"report_md": md, "report_html": ht}


__all__ = ["CSS", "Block", "render_html", "render_markdown", "write_report"]
