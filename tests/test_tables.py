"""Regression tables: cells, stars, footer rows, and the three output formats."""
from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm

from gravity.estimation.ols import ols
from gravity.report import regtable, stars


@pytest.fixture(scope="module")
def fits():
    rng = np.random.default_rng(7)
    n = 400
    d = pd.DataFrame({"x": rng.normal(size=n), "z": rng.normal(size=n), "g": rng.integers(0, 12, n),
                      "c": rng.integers(0, 40, n), "noise": rng.normal(size=n)})
    d["y"] = 1.0 + 0.5 * d.x - 0.04 * d.z + 0.3 * d.g / 12 + rng.normal(size=n)
    a = ols("y ~ x + z", d, cluster="c")
    b = ols("y ~ x + noise | g", d, vcov="hc1")
    ref = sm.OLS(d.y, sm.add_constant(d[["x", "z"]]).rename(columns={"const": "Intercept"})).fit()
    return a, b, ref


def test_stars_thresholds():
    assert [stars(p) for p in (0.0001, 0.0099, 0.01, 0.049, 0.05, 0.099, 0.1, 0.5, np.nan)] == \
        ["***", "***", "**", "**", "*", "*", "", "", ""]


def test_cells_follow_each_result(fits):
    a, b, ref = fits
    t = regtable([a, b, ref], names=["OLS", "OLS FE", "statsmodels"])
    assert t.columns == ["(1) OLS", "(2) OLS FE", "(3) statsmodels"]
    # every variable appears once, intercept last; a variable a result lacks is blank
    assert t.variables == ["x", "z", "noise", "Intercept"]
    for col, r in zip(t.columns, (a, b, ref)):
        for v in t.variables:
            if v in r.params.index:
                assert t.coef.loc[v, col] == f"{r.params[v]:.4f}{stars(r.pvalues[v])}"
                assert t.se.loc[v, col] == f"({r.bse[v]:.4f})"
            else:
                assert t.coef.loc[v, col] == "" and t.se.loc[v, col] == ""
    # identical point estimates in (1) and (3); different SEs (clustered vs iid)
    assert t.coef.loc["x", "(1) OLS"].rstrip("*") == t.coef.loc["x", "(3) statsmodels"].rstrip("*")
    assert t.se.loc["x", "(1) OLS"] != t.se.loc["x", "(3) statsmodels"]
    f = t.footer
    assert list(f.loc["N"]) == ["400", "400", "400"]
    assert list(f.loc["FE: g"]) == ["No", "Yes", "No"]
    assert f.loc["R²", "(1) OLS"] == f"{a.rsquared:.3f}" == f"{ref.rsquared:.3f}"
    assert f.loc["Std. errors", "(1) OLS"] == "cluster: c"


def test_markdown_latex_html_agree(fits):
    a, b, _ = fits
    t = regtable({"A": a, "B": b}, labels={"x": "log distance"}, digits=3)
    md = t.to_markdown()
    rows = [ln for ln in md.splitlines() if ln.startswith("|")]
    assert rows[0] == "| | (1) A | (2) B |"
    n_body = 2 * len(t.variables) + len(t.footer)
    assert len(rows) == 2 + n_body
    assert "| log distance |" in md and f"{a.params['x']:.3f}" in md
    tex = t.to_latex(caption="Gravity", label="tab:g")
    assert r"\begin{tabular}{lcc}" in tex and r"\label{tab:g}" in tex
    assert tex.count(r"\\") == 1 + n_body              # header + body lines
    assert "$^{***}$" in tex and "R^2" in tex
    assert "_" not in re.sub(r"\\_|\\label\{[^}]*\}", "", tex)  # underscores escaped
    html = t.to_html()
    assert html.count("<tr") == 1 + n_body
    assert "log distance" in html
    z = f"{a.params['z']:.3f}"
    assert z.startswith("-") and ("$-$" + z[1:]) in tex


def test_keep_selects_and_orders(fits):
    a, b, _ = fits
    t = regtable([a, b], keep=["z", "x"])
    assert t.variables == ["z", "x"]
    assert t.frame.shape[0] == 4 + len(t.footer)


def test_bad_input(fits):
    with pytest.raises(ValueError, match="at least one"):
        regtable([])
    with pytest.raises(ValueError, match="has no 'params'"):
        regtable([object()])
    with pytest.raises(ValueError, match="2 names for 1 results"):
        regtable([fits[0]], names=["a", "b"])


def test_ppml_and_ols_side_by_side():
    """A PPML result reports pseudo R² (not R²) and its fixed effects; OLS the reverse."""
    import gravity as gv

    rng = np.random.default_rng(3)
    n = 600
    d = pd.DataFrame({"x": rng.normal(size=n), "g": rng.integers(0, 15, n), "pair": rng.integers(0, 60, n)})
    d["y"] = rng.poisson(np.exp(0.5 + 0.3 * d.x + 0.05 * d.g))
    p = gv.ppml("y ~ x | g", d, cluster="pair")
    d2 = d[d.y > 0].assign(ly=lambda f: np.log(f.y))
    o = gv.ols("ly ~ x | g", d2, cluster="pair")
    t = regtable([o, p], names=["OLS", "PPML"])
    f = t.footer
    assert list(f.loc["FE: g"]) == ["Yes", "Yes"]
    assert f.loc["R²", "(1) OLS"] == f"{o.rsquared:.3f}" and f.loc["R²", "(2) PPML"] == ""
    assert f.loc["Pseudo R²", "(2) PPML"] == f"{p.pseudo_rsquared:.3f}" and f.loc["Pseudo R²", "(1) OLS"] == ""
    assert list(f.loc["N"]) == [f"{o.nobs:,}", f"{p.nobs:,}"]
    assert t.se.loc["x", "(2) PPML"] == f"({p.bse['x']:.4f})"


# ---------------------------------------------------------------------------------------------
# the one table formatter (gravity.report.format)
# ---------------------------------------------------------------------------------------------
from gravity.report import format as tf  # noqa: E402


def _frame():
    return pd.DataFrame({"country": ["TJK", "UZB"], "exports": [8.99e8, 12345.6], "share": [0.12345, np.nan],
                         "n": [1, 2]})


def test_one_number_rule_for_markdown_html_and_xlsx(tmp_path):
    d = _frame()
    assert [tf.number_format(d[c]) for c in ("exports", "share")] == [",.0f", ".3f"]
    md = tf.to_markdown(d)
    assert "899,000,000" in md and "12,346" in md and "0.123" in md and "nan" not in md
    ht = tf.to_html(d)
    assert "<td>899,000,000</td>" in ht and "<td>0.123</td>" in ht and "nan" not in ht
    with pd.ExcelWriter(tmp_path / "x.xlsx", engine="openpyxl") as xw:
        tf.write_sheet(xw, d, "S")
    import openpyxl

    ws = openpyxl.load_workbook(tmp_path / "x.xlsx")["S"]
    assert ws["B2"].number_format == "#,##0" and ws["C2"].number_format == "0.000"
    assert ws["B2"].value == 8.99e8 and ws.freeze_panes == "B2"          # values at full precision


def test_cell_formatter_and_compact_markdown():
    """A per-cell formatter (as a replication table passes its own) applies to every cell; pipes escaped."""
    d = pd.DataFrame({"spec": ["y ~ x | fe"], "ok": [True], "value": [0.5]})
    cell = lambda v: ("ok" if v else "FAIL") if isinstance(v, (bool, np.bool_)) else str(v)  # noqa: E731
    md = tf.to_markdown(d, cell=cell, padded=False, escape_pipes=True)
    assert md.splitlines() == ["| spec | ok | value |", "|---|---|---|", "| y ~ x \\| fe | ok | 0.5 |"]


def test_latex_escapes_and_typesets_numbers():
    d = pd.DataFrame({"a_b": ["-0.5000***", "(0.1)"]}, index=["ln_dist", ""])
    tex = tf.to_latex(d, index=True, rule_before=1, caption="50% & more")
    assert r"\caption{50\% \& more}" in tex and r"a\_b" in tex and r"ln\_dist" in tex
    assert r"$-$0.5000$^{***}$" in tex
    body = tex.splitlines()
    assert body[body.index(r"ln\_dist & $-$0.5000$^{***}$ \\") + 1] == r"\hline"
