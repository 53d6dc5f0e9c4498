"""The report layer's documents and workbook: a self-contained report.html (checked in headless
Chromium when it is installed) and a workbook whose README sheet describes every sheet."""
from __future__ import annotations

import base64
import io
import os
import re
import shutil
import subprocess
from pathlib import Path

import numpy as np
import openpyxl
import pandas as pd
import pytest

from gravity.report import documents, plots
from gravity.report import format as tf
from gravity.report import workbook as wb

TITLE = "ECO corridor: Tajikistan"
HEADING = "Tajikistan in the ECO digital corridor"
PARTNERS = ["Russia", "Kazakhstan", "Turkey", "Afghanistan"]


def _document(out: Path, *, pagebreak: bool = True) -> list[tuple]:
    """A small report: a brief (heading, text, a partner table), a page break, a plot and its table."""
    eff = pd.DataFrame({"scenario": ["a"] * 3 + ["b"] * 3, "country": ["TJK", "UZB", "KAZ"] * 2,
                        "estimate": [0.4, -0.2, 0.1, 0.9, 0.3, -0.1],
                        "param_lo": [0.1, -0.5, 0.0, 0.5, 0.1, -0.3], "param_hi": [0.7, 0.1, 0.2, 1.3, 0.5, 0.1]})
    plots.effect_plot(eff, out / "plots" / "gdp.png", title="Real GDP, % change",
                      labels={"a": "Paperless trade", "b": "Shared fibre"})
    partners = pd.DataFrame({"partner": PARTNERS, "iso3": ["RUS", "KAZ", "TUR", "AFG"],
                             "exports_usd_m": [412.3, 254.1, 120.9, 77.0],
                             "imports_usd_m": [1_234_567.0, 890_000.0, 300_000.0, 1_200.0],
                             "change_pct": [0.41, -0.12, 0.3, np.nan], "mirror_only": [True, False, True, False]})
    blocks = [("h1", HEADING), ("p", "What a ministry should know, in plain words."),
              ("ul", ["Exports rise by 0.4% (US$ 3.6 m).", "The sign holds across all specifications."]),
              ("table", partners, "Tajikistan's trade with ECO partners, 2016, US$ m.")]
    blocks += [("pagebreak",)] if pagebreak else []
    blocks += [("h2", "Technical annex"), ("img", "plots/gdp.png", "Full GE, % change in real GDP."),
               ("table", eff, "The plotted numbers.")]
    return blocks


def _img_sources(page: str) -> list[str]:
    return re.findall(r"<img\b[^>]*?\bsrc=[\"']([^\"']*)[\"']", page)


# ---------------------------------------------------------------------------------------------
# html and markdown, without a browser
# ---------------------------------------------------------------------------------------------
def test_html_embeds_images_and_markdown_links_them(tmp_path):
    blocks = _document(tmp_path)
    paths = documents.write_report(blocks, tmp_path, stem="report", title=TITLE)
    page = paths["report_html"].read_text(encoding="utf-8")
    png = (tmp_path / "plots" / "gdp.png").read_bytes()
    srcs = _img_sources(page)
    assert len(srcs) == 1 and srcs[0].startswith("data:image/png;base64,")
    assert base64.b64decode(srcs[0].split(",", 1)[1]) == png
    w, h = documents.png_size(png)
    assert f"width='{w}' height='{h}'" in page
    # nothing fetched from outside: no links, scripts, external stylesheets, fonts or urls
    assert not re.search(r"(?i)\b(href|src)\s*=\s*[\"'](?!data:)|<script|<link|@import|url\(", page)
    md = paths["report_md"].read_text(encoding="utf-8")
    assert "![Full GE, % change in real GDP.](plots/gdp.png)" in md and "data:" not in md
    # the brief is the first section and the only one before the page break
    brief = page.split("<section", 2)[1]
    assert "class='brief break'" in brief and HEADING in brief and "Technical annex" not in brief
    linked = documents.render_html(blocks, TITLE, base=tmp_path, embed=False)
    assert _img_sources(linked) == ["plots/gdp.png"]


def test_raw_html_images_are_embedded_and_bad_images_refused(tmp_path):
    _document(tmp_path)
    page = documents.render_html([("md", "x", "<p><img alt='g' src=\"plots/gdp.png\"></p>")], "t", base=tmp_path)
    assert _img_sources(page)[0].startswith("data:image/png;base64,")
    with pytest.raises(ValueError, match="not found.*write the figure before the report"):
        documents.write_report([("img", "plots/missing.png", "x")], tmp_path, stem="r", title="t")
    assert not (tmp_path / "r.html").exists() and not (tmp_path / "r.md").exists()
    with pytest.raises(ValueError, match="fetched from outside"):
        documents.render_html([("img", "https://example.org/x.png", "x")], "t", base=tmp_path)
    (tmp_path / "notes.txt").write_text("x")
    with pytest.raises(ValueError, match="cannot embed"):
        documents.render_html([("img", "notes.txt", "x")], "t", base=tmp_path)
    with pytest.raises(ValueError, match="not a PNG"):
        documents.png_size(b"GIF89a" + b"\0" * 30)


def test_html_tables_align_text_left_and_typeset_numbers():
    df = pd.DataFrame({"partner": ["Russia", "Iran"], "value": [-0.25, 1.5], "flag": [True, False],
                       "n": [-3, 4]})
    ht = tf.to_html(df, mark_text=True)
    assert ht.count('class="txt"') == 3                      # header + two cells of the text column
    assert "<td>\u22120.250</td>" in ht and "<td>\u22123</td>" in ht
    assert "<td>yes</td>" in ht and "<td>no</td>" in ht
    plain = tf.to_html(df)                                    # default: pandas' writer, as before
    assert 'class="dataframe t"' in plain and "txt" not in plain and "<td>-0.250</td>" in plain


# ---------------------------------------------------------------------------------------------
# headless Chromium: the page as a reader (and a printer) sees it
# ---------------------------------------------------------------------------------------------
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--disable-dev-shm-usage", "--no-pdf-header-footer"]


def _require_chromium() -> str:
    if CHROMIUM is None:
        if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
            pytest.fail("chromium missing under CI: apt-get install -y chromium")
        pytest.skip("chromium not installed (apt-get install -y chromium) — report.html not checked in a browser")
    return CHROMIUM


def _chromium(args: list[str], profile: Path, page: Path) -> subprocess.CompletedProcess:
    res = subprocess.run([_require_chromium(), *FLAGS, f"--user-data-dir={profile}", *args, page.as_uri()],
                         capture_output=True, text=True, timeout=90)
    assert res.returncode == 0, res.stderr[-2000:]
    return res


def _pdf_pages(pdf: Path) -> int:
    return len(re.findall(rb"/Type\s*/Page\b(?!s)", pdf.read_bytes()))


@pytest.fixture(scope="module")
def browsed(tmp_path_factory):
    """report.html written beside its plots, copied alone to an empty directory, opened in Chromium."""
    _require_chromium()
    src = tmp_path_factory.mktemp("report")
    blocks = _document(src)
    documents.write_report(blocks, src, stem="report", title=TITLE)
    alone = tmp_path_factory.mktemp("alone")
    page = Path(shutil.copy(src / "report.html", alone / "report.html"))
    assert sorted(p.name for p in alone.iterdir()) == ["report.html"]
    prof = tmp_path_factory.mktemp("profile")
    dom = _chromium(["--dump-dom"], prof, page).stdout
    shot, pdf = alone.parent / "shot.png", alone.parent / "report.pdf"
    _chromium([f"--screenshot={shot}", "--window-size=1200,1600", "--hide-scrollbars"], prof, page)
    _chromium([f"--print-to-pdf={pdf}"], prof, page)
    flat = alone.parent / "flat.html"                # the same document without its page break
    flat.write_text(documents.render_html(_document(src, pagebreak=False), TITLE, base=src), encoding="utf-8")
    flat_pdf = alone.parent / "flat.pdf"
    _chromium([f"--print-to-pdf={flat_pdf}"], prof, flat)
    return {"dom": dom, "shot": shot, "pdf": pdf, "flat_pdf": flat_pdf, "png": src / "plots" / "gdp.png"}


def test_browser_dom_has_title_heading_rows_and_embedded_pngs(browsed):
    from PIL import Image

    dom = browsed["dom"]
    assert f"<title>{TITLE}</title>" in dom
    assert re.search(r"<h1>(.*?)</h1>", dom).group(1) == HEADING
    for name in PARTNERS:
        assert re.search(rf"<tr><td class=\"txt\">{name}</td>", dom), name
    srcs = _img_sources(dom)
    assert srcs and all(s.startswith("data:image/png;base64,") for s in srcs)
    source = browsed["png"].read_bytes()
    for s in srcs:
        data = base64.b64decode(s.split(",", 1)[1])
        img = Image.open(io.BytesIO(data))
        img.load()                                   # decodes completely
        assert img.format == "PNG" and img.size == Image.open(browsed["png"]).size
        assert data == source


def test_browser_screenshot_shows_a_page(browsed):
    from PIL import Image

    rgb = np.asarray(Image.open(browsed["shot"]).convert("RGB"), dtype=float)
    assert rgb.shape == (1600, 1200, 3)
    grey = rgb.mean(axis=2)
    assert grey.std() > 20 and (grey < 200).mean() > 0.01      # not blank: text, rules, the plot
    # the plot is displayed: its interval bars (effect_plot's #1f4e79 at alpha 0.8 on white) appear
    bar = 0.8 * np.array([0x1F, 0x4E, 0x79]) + 0.2 * 255
    bars = (np.abs(rgb - bar) < 10).all(axis=2).sum()
    assert bars > 500, bars


def test_browser_prints_the_brief_on_its_own_page(browsed):
    assert _pdf_pages(browsed["flat_pdf"]) == 1       # the whole document fits one A4 page ...
    assert _pdf_pages(browsed["pdf"]) == 2            # ... so the second page is the page break's doing


def test_browser_prints_wide_tables_on_landscape_pages(tmp_path):
    wide = pd.DataFrame({f"real_gdp_full_{k}": np.linspace(-1.5, 2.5, 8) * 1e3 for k in range(documents.WIDE + 8)})
    page = tmp_path / "wide.html"
    page.write_text(documents.render_html([("h1", "Wide"), ("p", "Portrait first."), ("pagebreak",),
                                           ("table", wide, "Every scenario side by side.")], "Wide"), encoding="utf-8")
    fit = float(re.search(r"--fit:([0-9.]+)", page.read_text()).group(1))
    assert 0.5 <= fit < 1.0                           # 20 columns of 7-8 characters need zooming out
    pdf = tmp_path / "wide.pdf"
    _chromium([f"--print-to-pdf={pdf}"], tmp_path / "profile", page)
    boxes = [tuple(float(v) for v in m.split()) for m in
             re.findall(rb"/MediaBox\s*\[([^\]]*)\]", pdf.read_bytes())]
    assert [b[2] > b[3] for b in boxes] == [False, True]          # A4 portrait, then A4 landscape
    assert abs(boxes[1][2] - 841.92) < 1 and abs(boxes[1][3] - 594.96) < 1


# ---------------------------------------------------------------------------------------------
# workbook: the README sheet describes every sheet
# ---------------------------------------------------------------------------------------------
def _tables():
    countries = pd.DataFrame({"country": ["TJK", "UZB"], "exports_usd_m": [899.0, 8970.0],
                              "real_gdp_full": [0.12, -0.03], "exports_filled": [False, True]})
    agg = pd.DataFrame({"group": ["ECO", "World"], "value": [0.123456, np.nan]})
    return {"Countries": countries, "Aggregates: ECO/landlocked/ROW?": agg}


def _notes():
    return {"Countries": wb.SheetNote("GE effects by country", "one country", "% change; US$ m (exports_usd_m)",
                                      "ITPD-E release 1; WDI", {"exports_filled": "exports constructed from WDI"}),
            "Aggregates: ECO/landlocked/ROW?": wb.SheetNote("Group effects", "one group", "% change", "this run")}


def test_readme_sheet_describes_every_sheet_and_only_those(tmp_path):
    t = _tables()
    paths = wb.write_tables(t, tmp_path, stem="eco", readme=["ECO corridor", "Model file: x.toml"],
                            sheet_notes=_notes())
    sheets = openpyxl.load_workbook(paths["xlsx"], read_only=True).sheetnames
    index = wb.readme_index(paths["xlsx"])
    assert sheets[0] == "README" and list(index["sheet"]) == sheets          # each sheet once, in order
    row = index.set_index("sheet").loc["Countries"]
    assert (row["one row is"], row["source"]) == ("one country", "ITPD-E release 1; WDI")
    assert row["flags"] == "exports_filled: exports constructed from WDI" and row["csv file"] == "csv/countries.csv"
    assert index.set_index("sheet").loc["Aggregates_ ECO_landlocked_ROW_", "flags"] == "none"
    assert (index[["contents", "one row is", "units", "source"]] != "").all().all()
    assert wb.read_back(paths["xlsx"])["README"]["README"].iloc[0] == "ECO corridor"
    md = paths["markdown"].read_text(encoding="utf-8")
    assert "## Sheets" in md and "One row: one country. Units: % change; US$ m (exports_usd_m)." in md
    for name, df in t.items():                                                # data sheets unchanged
        assert wb.frames_equal(df, pd.read_csv(paths[f"csv:{name}"]))


def test_sheet_notes_must_cover_every_table_and_flag(tmp_path):
    t, n = _tables(), _notes()
    with pytest.raises(ValueError, match=r"tables \['Countries'\] have no entry"):
        wb.write_tables(t, tmp_path, stem="x", sheet_notes={k: v for k, v in n.items() if k != "Countries"})
    with pytest.raises(ValueError, match=r"not written: \['Extra'\]"):
        wb.write_tables(t, tmp_path, stem="x", sheet_notes={**n, "Extra": n["Countries"]})
    bare = wb.SheetNote("GE effects", "one country", "% change", "ITPD-E")
    with pytest.raises(ValueError, match=r"boolean columns \['exports_filled'\] are not described"):
        wb.write_tables(t, tmp_path, stem="x", sheet_notes={**n, "Countries": bare})
    ghost = wb.SheetNote("GE effects", "one country", "% change", "ITPD-E",
                         {"exports_filled": "constructed", "mirror_only": "partner report"})
    with pytest.raises(ValueError, match=r"flag columns \['mirror_only'\] described but not in the table"):
        wb.write_tables(t, tmp_path, stem="x", sheet_notes={**n, "Countries": ghost})
    with pytest.raises(TypeError, match="not a SheetNote"):
        wb.write_tables(t, tmp_path, stem="x", sheet_notes={**n, "Countries": "GE effects"})
    with pytest.raises(ValueError, match=r"\['units'\] empty"):
        wb.SheetNote("GE effects", "one country", " ", "ITPD-E")
    assert not (tmp_path / "x.xlsx").exists()                                 # checked before writing


def test_workbook_without_sheet_notes_keeps_one_line_notes(tmp_path):
    paths = wb.write_tables(_tables(), tmp_path, stem="eco", readme=["Line one"], notes={"Countries": "% change"})
    index = wb.readme_index(paths["xlsx"])
    assert list(index["sheet"]) == openpyxl.load_workbook(paths["xlsx"], read_only=True).sheetnames
    assert list(index["contents"])[1:] == ["% change", ""]
