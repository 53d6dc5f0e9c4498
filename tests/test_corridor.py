"""The corridor pipeline: report writers on synthetic tables, then the whole pipeline on a reduced sample."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from gravity.report import corridor_report as cr
from gravity.report import plots
from gravity.report import workbook as wb


# ---------------------------------------------------------------------------------------------
# writers on small synthetic tables
# ---------------------------------------------------------------------------------------------
def _tables():
    rng = np.random.default_rng(3)
    countries = pd.DataFrame({"country": ["TJK", "UZB", "KAZ"], "eco": [True, True, True],
                              "baseline_exports": [8.99e8, 8.97e9, 3.6e10],
                              "real_gdp_full": rng.normal(size=3), "n": [1, 2, 3]})
    agg = pd.DataFrame({"group": ["ECO", "World"], "value": [0.123456, np.nan]})
    return {"Countries": countries, "Aggregates: ECO/landlocked/ROW?": agg}


def test_workbook_csv_markdown_round_trip(tmp_path):
    t = _tables()
    paths = wb.write_tables(t, tmp_path, stem="eco", readme=["Line one", "Line two"],
                            notes={"Countries": "% change vs 2016"})
    book = wb.read_back(paths["xlsx"])
    assert list(book) == ["README", "Countries", "Aggregates_ ECO_landlocked_ROW_"]
    assert book["README"]["README"].iloc[0] == "Line one"
    for (name, df), sheet in zip(t.items(), list(book)[1:]):
        assert wb.frames_equal(df, book[sheet], rtol=1e-14), name  # Excel keeps ~15-16 digits
        back = pd.read_csv(paths[f"csv:{name}"])
        assert wb.frames_equal(df, back), name                   # csv: exact
    md = paths["markdown"].read_text()
    assert "## Countries" in md and "% change vs 2016" in md
    assert "899,000,000" in md and "0.123" in md               # rounded for reading
    # same input twice -> byte-identical csv and markdown
    p2 = wb.write_tables(t, tmp_path / "again", stem="eco", readme=["Line one", "Line two"],
                         notes={"Countries": "% change vs 2016"})
    assert p2["markdown"].read_bytes() == paths["markdown"].read_bytes()
    assert p2["csv:Countries"].read_bytes() == paths["csv:Countries"].read_bytes()


def test_sheet_names_are_excel_safe_and_unique():
    names = wb.sheet_names(["a" * 40, "a" * 40, "x/y", "README", "readme"])
    assert all(len(n) <= 31 for n in names) and len({n.lower() for n in names}) == 5
    assert names[2] == "x_y"


def test_writer_rejects_bad_input(tmp_path):
    with pytest.raises(ValueError, match="no tables"):
        wb.write_tables({}, tmp_path, stem="x")
    with pytest.raises(TypeError, match="not a DataFrame"):
        wb.write_tables({"a": [1, 2]}, tmp_path, stem="x")
    with pytest.raises(ValueError, match="collide"):
        wb.write_tables({"A b": pd.DataFrame({"x": [1]}), "a-b": pd.DataFrame({"x": [1]})}, tmp_path, stem="x")


def test_frames_equal_detects_a_change():
    df = _tables()["Countries"]
    other = df.copy()
    other.loc[1, "real_gdp_full"] += 1e-9
    assert wb.frames_equal(df, df.copy()) and not wb.frames_equal(df, other)
    assert wb.frames_equal(df, other, rtol=1e-6)


def test_plots_are_written(tmp_path):
    eff = pd.DataFrame({"scenario": ["a", "a", "b", "b"], "country": ["TJK", "UZB"] * 2,
                        "estimate": [0.1, -0.2, 0.3, 0.0], "param_lo": [0.0, -0.3, 0.1, -0.1],
                        "param_hi": [0.2, -0.1, 0.5, 0.1], "boot_lo": [np.nan, -0.4, 0.0, -0.2],
                        "boot_hi": [np.nan, 0.0, 0.6, 0.2]})
    p = plots.effect_plot(eff, tmp_path / "gdp.png", title="Real GDP")
    coefs = pd.DataFrame({"spec": ["3-way", "3-way", "2-way"], "term": ["rta", "tf", "rta"],
                          "estimate": [0.1, 0.08, 0.5], "lo": [0.0, 0.0, 0.3], "hi": [0.2, 0.16, 0.7]})
    q = plots.coefficient_plot(coefs, tmp_path / "coef.png")
    cov = pd.DataFrame({"internet 2016": ["present", "flagged"], "bandwidth 2016": ["missing", "present"]},
                       index=["TJK", "TKM"])
    r = plots.coverage_heatmap(cov, tmp_path / "cov.png")
    for f in (p, q, r):
        assert f.exists() and f.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    with pytest.raises(ValueError, match="estimate"):
        plots.effect_plot(eff.drop(columns="estimate"), tmp_path / "x.png")
    with pytest.raises(ValueError, match="TKM, internet 2016"):
        plots.coverage_heatmap(cov.replace("flagged", "maybe"), tmp_path / "y.png")


def test_report_first_page_states_the_essentials(tmp_path):
    facts = cr.ReportFacts(
        title="ECO corridors", sample=["107,000 pair-years"], identification=["within pairs"],
        headline_spec="three_way", data_gaps=["UZB exports filled from WDI totals"], sigma=5.0,
        headline=pd.DataFrame({"group": ["ECO"], "real_gdp_full": [0.1]}),
        sigma_sensitivity=pd.DataFrame({"sigma": [3.0, 5.0], "ECO": [0.2, 0.1]}),
        domestic=["X_ii = 3 x industry VA - exports"], sources=["UN Comtrade"])
    blocks = cr.first_page(facts)
    assert blocks[-1] == ("pagebreak",)
    md = cr.render_markdown(blocks)
    first = md.split("\n---\n")[0]
    for needle in ("## Sample", "## Identification", "## Data gaps", "σ = 5", "UZB exports filled", "0.200"):
        assert needle in first, needle
    paths = cr.write_report(blocks + [("img", "plots/x.png", "a plot"), ("md", "| a |", "<b>a</b>")],
                            tmp_path, stem="report", title="ECO")
    ht = paths["report_html"].read_text()
    assert "<h2>Data gaps</h2>" in ht and "<img src='plots/x.png'" in ht and "<b>a</b>" in ht
    with pytest.raises(ValueError, match="unknown report block"):
        cr.render_markdown([("video", "x")])
