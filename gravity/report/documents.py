"""Documents from a list of blocks: one list renders as markdown and as one self-contained html page.

Blocks: ``("h1"|"h2"|"h3", text)``, ``("p", text)``, ``("ul", [items])``, ``("table", df, caption)``,
``("img", relative_path, caption)``, ``("md", raw_markdown, raw_html)``, ``("pagebreak",)``. Tables
are formatted by :mod:`gravity.report.format` (the per-column number rule).

The markdown links its images (``![caption](plots/x.png)``); the html embeds them as base64 ``data:``
URIs and carries its stylesheet inline, so a mailed ``report.html`` shows its figures and fetches
nothing. The blocks before the first page break form the first section (the brief); in print it
ends with a page break, table rows are never split, table headers repeat on every page and tables
wider than :data:`WIDE` columns go on landscape pages, every table zoomed out to the page width
when its cells need it::

    paths = write_report([("h1", "Title"), ("table", df, "A caption"), ("pagebreak",),
                          ("img", "plots/gdp.png", "Real GDP")], "results/eco", stem="report", title="Title")
"""

from __future__ import annotations

import base64
import html
import re
from collections.abc import Sequence
from pathlib import Path

from gravity.report.errors import ReportError
from gravity.report.format import format_cells, to_html, to_markdown

Block = tuple

#: Media types of the image files an html report can embed (by file suffix).
IMAGE_TYPES = {
    ".png": "image/png",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".gif": "image/gif",
    ".svg": "image/svg+xml",
}

#: Tables with more columns than this print on landscape pages of their own.
WIDE = 12

CSS = (
    # screen
    "html{-webkit-text-size-adjust:100%}"
    "body{font-family:'Segoe UI',Helvetica,Arial,sans-serif;max-width:1040px;margin:1.5em auto;padding:0 1.5em;"
    "line-height:1.45;color:#1d1d1d;background:#fff;font-size:15px}"
    "h1{font-size:1.7em;color:#12355b;border-bottom:3px solid #12355b;padding-bottom:0.25em;margin:0.4em 0 0.6em}"
    "h2{font-size:1.25em;color:#12355b;margin:1.4em 0 0.4em}h3{font-size:1.05em;color:#333;margin:1.1em 0 0.3em}"
    "p,li{max-width:62em}ul{padding-left:1.3em}li{margin:0.15em 0}"
    "section+section{border-top:2px solid #c8d1dc;margin-top:2.2em;padding-top:0.6em}"
    "section.brief{background:#f7f9fb;border:1px solid #dde3ea;border-radius:4px;padding:0.4em 1.4em 1em}"
    ".tw{overflow-x:auto;margin:0.6em 0 0.2em}"
    "table.t,table.regtable{border-collapse:collapse;font-size:0.84em;font-variant-numeric:tabular-nums}"
    "table.t td,table.t th,table.regtable td,table.regtable th{border-bottom:1px solid #e1e5ea;padding:3px 9px;"
    "text-align:right;vertical-align:top}"
    "table.t td{white-space:nowrap}"
    "table.t thead th,table.regtable thead th{background:#e9eef4;border-bottom:2px solid #9fb0c3;"
    "vertical-align:bottom}"
    "table.t .txt,table.regtable tbody th{text-align:left;white-space:normal}"
    "table.t tbody tr:nth-child(even){background:#fafbfc}"
    ".cap{font-size:0.85em;color:#555;font-style:italic;margin:0.2em 0 1em}"
    "figure{margin:1em 0}figure img{display:block;max-width:100%;height:auto}"
    "pre{white-space:pre-wrap;font-size:0.85em}"
    # print: A4, the brief on its own page(s), rows and figures never split, headers repeated
    "@page{size:A4;margin:14mm 12mm}@page wide{size:A4 landscape;margin:12mm}"
    "@media print{body{max-width:none;margin:0;padding:0;font-size:10pt}"
    "section.brief{background:none;border:0;padding:0}"
    "section+section{border-top:0;margin-top:0;padding-top:0}"
    "section.break{break-after:page;page-break-after:always}"
    ".tw{overflow:visible}table.t,table.regtable{font-size:7.5pt;width:auto;max-width:100%}"
    "table.t td,table.t th{white-space:normal;padding:2px 4px}"
    ".tw table.t{zoom:var(--fit,1)}.tw.wide{page:wide}.tw.wide table.t{font-size:6.5pt}"
    "thead{display:table-header-group}tr,figure,img{break-inside:avoid;page-break-inside:avoid}"
    "h1,h2,h3{break-after:avoid;page-break-after:avoid}"
    ".cap{break-before:avoid;page-break-before:avoid}"
    "figure img{max-height:23cm;width:auto}}"
)

_IMG_SRC = re.compile(r"""(<img\b[^>]*?\bsrc\s*=\s*)(["'])(.*?)\2""", re.IGNORECASE | re.DOTALL)
_EXTERNAL = re.compile(r"^(?:[a-z][a-z0-9+.-]*:|//)", re.IGNORECASE)


def _unknown(kind) -> ReportError:
    return ReportError(f"unknown report block {kind!r}; use one of h1, h2, h3, p, ul, table, img, md, pagebreak")


def png_size(data: bytes) -> tuple[int, int]:
    """Width and height in pixels of a PNG image (from its IHDR chunk).

    Parameters
    ----------
    data : bytes
        The PNG file's bytes.

    Returns
    -------
    tuple of int
        ``(width, height)``.

    Raises
    ------
    ReportError
        ``data`` is not a PNG image.
    """
    if len(data) < 24 or data[:8] != b"\x89PNG\r\n\x1a\n" or data[12:16] != b"IHDR":
        raise ReportError("not a PNG image (no PNG signature and IHDR chunk)")
    return int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big")


def data_uri(path: str | Path) -> str:
    """An image file as a base64 ``data:`` URI.

    Parameters
    ----------
    path : str or Path
        A ``.png``, ``.jpg``/``.jpeg``, ``.gif`` or ``.svg`` file.

    Returns
    -------
    str
        ``data:<media type>;base64,<bytes>``.

    Raises
    ------
    ReportError
        The file does not exist or its suffix is not an image type in :data:`IMAGE_TYPES`.
    """
    path = Path(path)
    kind = IMAGE_TYPES.get(path.suffix.lower())
    if kind is None:
        raise ReportError(
            f"image {str(path)!r}: cannot embed a {path.suffix or 'suffix-less'} file; "
            f"write the figure as one of {sorted(IMAGE_TYPES)}"
        )
    if not path.is_file():
        raise ReportError(
            f"image {str(path)!r} not found: write the figure before the report, drop its img "
            "block, or render with embed=False to link it"
        )
    return f"data:{kind};base64," + base64.b64encode(path.read_bytes()).decode("ascii")


def render_markdown(blocks: Sequence[Block]) -> str:
    """The blocks as markdown (a page break is a horizontal rule ``---``; images are linked).

    Parameters
    ----------
    blocks : sequence of tuple
        See the module docstring.

    Returns
    -------
    str

    Raises
    ------
    ReportError
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


def _print_fit(df, wide: bool) -> float:
    """Zoom (0.5–1) that fits a table to the printed page's width, from its longest cells.

    Width ≈ Σ_columns (longest cell or header segment between underscores) × 0.6 em + 8 px padding,
    at the print font (6.5 pt wide, 7.5 pt otherwise); the page is A4 less margins (1030 px landscape,
    700 px portrait).
    """
    shown = format_cells(df)
    chars = 0
    for c in df.columns:
        cells = [len(str(x)) for x in shown[c] if not (isinstance(x, float) and x != x)]
        chars += max([max(len(part) for part in str(c).split("_")) + 1] + cells)
    px = chars * 0.6 * (6.5 if wide else 7.5) * 4 / 3 + 8 * df.shape[1]
    return max(0.5, min(1.0, (1030 if wide else 700) / px)) if px > 0 else 1.0


def _img_src(rel: str, base: Path, embed: bool) -> str:
    if _EXTERNAL.match(rel):
        if rel.lower().startswith("data:"):
            return rel
        raise ReportError(
            f"image {rel!r} is fetched from outside the page; save it beside the report and "
            "refer to it by a relative path"
        )
    return data_uri(base / rel) if embed else rel


def _embed_raw(raw: str, base: Path, embed: bool) -> str:
    """``<img src=...>`` inside raw html, embedded (or checked) like an ``img`` block."""

    def one(m: re.Match) -> str:
        src = _img_src(html.unescape(m.group(3)), base, embed)
        return f"{m.group(1)}{m.group(2)}{html.escape(src)}{m.group(2)}"

    return _IMG_SRC.sub(one, raw)


def render_html(blocks: Sequence[Block], title: str, *, base: str | Path = ".", embed: bool = True) -> str:
    """The blocks as one self-contained html page: inline stylesheet (screen and print), images embedded.

    Blocks up to the first ``("pagebreak",)`` form the first section (class ``brief``); every page
    break closes a section that prints with a page break after it.

    Parameters
    ----------
    blocks : sequence of tuple
        See the module docstring; an ``md`` block contributes its raw html (or its markdown in
        ``<pre>``), whose ``<img>`` sources are embedded like ``img`` blocks.
    title : str
        The page title.
    base : str or Path
        Directory the images' relative paths start from (``write_report`` passes its ``out``).
    embed : bool
        True: every image becomes a base64 ``data:`` URI (the page needs no file beside it). False:
        images are linked by their relative path.

    Returns
    -------
    str

    Raises
    ------
    ReportError
        A block of unknown kind; an image file that is missing or not an image type (when
        embedding); an image on another host (``http://...``), which a self-contained page may not fetch.
    """
    base = Path(base)
    e = html.escape
    breaks = sum(1 for b in blocks if b[0] == "pagebreak")
    out = [
        "<!doctype html>",
        "<html lang='en'><head><meta charset='utf-8'>"
        "<meta name='viewport' content='width=device-width, initial-scale=1'>"
        f"<title>{e(title)}</title><style>{CSS}</style></head><body>",
        "<section class='brief break'>" if breaks else "<section>",
    ]
    seen = 0
    for b in blocks:
        kind = b[0]
        if kind in ("h1", "h2", "h3"):
            out.append(f"<{kind}>{e(b[1])}</{kind}>")
        elif kind == "p":
            out.append(f"<p>{e(b[1])}</p>")
        elif kind == "ul":
            out.append("<ul>" + "".join(f"<li>{e(str(i))}</li>" for i in b[1]) + "</ul>")
        elif kind == "table":
            wide = b[1].shape[1] > WIDE
            cap = f"<p class='cap'>{e(b[2])}</p>" if len(b) > 2 and b[2] else ""
            out.append(
                f"<div class='tw{' wide' if wide else ''}' style='--fit:{_print_fit(b[1], wide):.3f}'>"
                + to_html(b[1], classes="t", mark_text=True)
                + cap
                + "</div>"
            )
        elif kind == "img":
            cap = b[2] if len(b) > 2 else ""
            src = _img_src(b[1], base, embed)
            size = ""
            if src.startswith("data:image/png;"):
                w, h = png_size(base64.b64decode(src.split(",", 1)[1]))
                size = f" width='{w}' height='{h}'"
            out.append(
                f"<figure><img src='{e(src)}' alt='{e(cap)}'{size}>"
                + (f"<figcaption class='cap'>{e(cap)}</figcaption>" if cap else "")
                + "</figure>"
            )
        elif kind == "md":
            out.append(_embed_raw(b[2], base, embed) if len(b) > 2 and b[2] else f"<pre>{e(b[1])}</pre>")
        elif kind == "pagebreak":
            seen += 1
            out.append("</section>")
            out.append("<section class='break'>" if seen < breaks else "<section>")
        else:
            raise _unknown(kind)
    out.append("</section></body></html>")
    return "\n".join(out)


def write_report(
    blocks: Sequence[Block], out: str | Path, *, stem: str, title: str, embed: bool = True
) -> dict[str, Path]:
    """Write ``out/stem.md`` (images linked relative to ``out``) and ``out/stem.html`` (images embedded).

    Parameters
    ----------
    blocks : sequence of tuple
        See the module docstring; image paths are relative to ``out``.
    out : str or Path
        Directory (created).
    stem : str
        File name without extension.
    title : str
        The html page title.
    embed : bool
        Embed the images in the html (default); False links them as the markdown does.

    Returns
    -------
    dict of str to Path
        Keys ``"report_md"`` and ``"report_html"``.

    Raises
    ------
    ReportError
        See :func:`render_html` (checked before anything is written).
    """
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    ht_text = render_html(blocks, title, base=out, embed=embed)
    md, ht = out / f"{stem}.md", out / f"{stem}.html"
    md.write_text(render_markdown(blocks), encoding="utf-8")
    ht.write_text(ht_text, encoding="utf-8")
    return {"report_md": md, "report_html": ht}


__all__ = [
    "CSS",
    "IMAGE_TYPES",
    "WIDE",
    "Block",
    "data_uri",
    "png_size",
    "render_html",
    "render_markdown",
    "write_report",
]
