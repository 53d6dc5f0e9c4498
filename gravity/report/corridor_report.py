"""The short corridor report (markdown and html) from a list of blocks.

The first page — everything before the first ``("pagebreak",)`` — states what a reader must know
before any number: the sample, the identification, the data gaps, σ and how the headline moves with
σ (and with the domestic-flow construction). :func:`first_page` builds it from plain facts
(:class:`ReportFacts`) so it can be tested without running the pipeline.

Blocks: ``("h1"|"h2"|"h3", text)``, ``("p", text)``, ``("ul", [items])``, ``("table", df, caption)``,
``("img", relative_path, caption)``, ``("md", raw_markdown, raw_html)``, ``("pagebreak",)``.
"""
from __future__ import annotations

import html
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from gravity.report.workbook import to_markdown

Block = tuple


@dataclass
class ReportFacts:
    """Plain values the first page needs (all text already in words, tables as DataFrames)."""

    title: str
    sample: list[str]                      # sentences on the estimation sample
    identification: list[str]              # what the headline identifies and cannot
    headline_spec: str
    data_gaps: list[str]
    sigma: float
    headline: pd.DataFrame                 # headline GE results (e.g. ECO / TJK real GDP with CIs)
    sigma_sensitivity: pd.DataFrame        # the headline re-solved at other σ
    domestic: list[str]                    # how domestic flows were built
    domestic_sensitivity: pd.DataFrame | None = None
    key_coefficients: pd.DataFrame | None = None
    sources: list[str] = field(default_factory=list)
    reading: list[str] = field(default_factory=list)   # plain-language reading of the results


def first_page(f: ReportFacts) -> list[Block]:
    blocks: list[Block] = [("h1", f.title)]
    if f.reading:
        blocks += [("h2", "What the data say"), ("ul", f.reading)]
    blocks += [("h2", "Headline (general equilibrium, headline specification)"),
               ("table", f.headline, "% change against the 2016 baseline; 95% intervals from parametric "
                                     "draws of the coefficients and from a pair bootstrap.")]
    if f.key_coefficients is not None:
        blocks += [("table", f.key_coefficients, f"Coefficients behind the scenarios ({f.headline_spec}).")]
    blocks += [("h2", "Sample"), ("ul", f.sample),
               ("h2", "Identification"), ("ul", f.identification),
               ("h2", "Data gaps"), ("ul", f.data_gaps),
               ("h2", f"Elasticity of substitution: σ = {f.sigma:g}"),
               ("table", f.sigma_sensitivity, "The headline re-solved at other values of σ (point estimates)."),
               ("h2", "Domestic flows"), ("ul", f.domestic)]
    if f.domestic_sensitivity is not None:
        blocks += [("table", f.domestic_sensitivity, "The headline with the alternative domestic-flow "
                                                     "construction (point estimates).")]
    if f.sources:
        blocks += [("h3", "Sources"), ("ul", f.sources)]
    blocks.append(("pagebreak",))
    return blocks


def render_markdown(blocks: Sequence[Block]) -> str:
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
            raise ValueError(f"unknown report block {kind!r}")
    return "\n".join(out)


def _html_table(df: pd.DataFrame) -> str:
    shown = df.copy()
    for c in shown.columns:
        if pd.api.types.is_float_dtype(shown[c]):
            big = shown[c].abs().max(skipna=True) >= 1e4
            shown[c] = [("" if pd.isna(x) else format(x, ",.0f" if big else ".3f")) for x in shown[c]]
    return shown.to_html(index=False, border=0, classes="t", na_rep="", escape=True)


CSS = ("body{font-family:Helvetica,Arial,sans-serif;max-width:1000px;margin:2em auto;line-height:1.4;"
       "color:#222}table.t{border-collapse:collapse;font-size:0.85em;margin:0.5em 0}"
       "table.t td,table.t th{border-bottom:1px solid #ddd;padding:3px 8px;text-align:right}"
       "table.t th{background:#f3f3f3}.cap{font-size:0.85em;color:#555;font-style:italic}"
       "hr.page{page-break-after:always;border:0;border-top:2px solid #999;margin:2em 0}img{max-width:100%}")


def render_html(blocks: Sequence[Block], title: str) -> str:
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
            out.append(_html_table(b[1]))
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
            raise ValueError(f"unknown report block {kind!r}")
    out.append("</body></html>")
    return "\n".join(out)


def write_report(blocks: Sequence[Block], out: str | Path, *, stem: str, title: str) -> dict[str, Path]:
    """``out/stem.md`` and ``out/stem.html`` (images referenced relative to ``out``)."""
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    md, ht = out / f"{stem}.md", out / f"{stem}.html"
    md.write_text(render_markdown(blocks), encoding="utf-8")
    ht.write_text(render_html(blocks, title), encoding="utf-8")
    return {"report_md": md, "report_html": ht}
