"""The corridor pipeline: report writers on synthetic tables, then the whole pipeline on a reduced sample."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from gravity.jobs.corridor import brief
from gravity.report import documents
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
    for f in (p, q):
        assert f.exists() and f.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    with pytest.raises(ValueError, match="estimate"):
        plots.effect_plot(eff.drop(columns="estimate"), tmp_path / "x.png")


def test_report_first_page_states_the_essentials(tmp_path):
    facts = brief.ReportFacts(
        title="ECO corridors", sample=["107,000 pair-years"], identification=["within pairs"],
        headline_spec="three_way", data_gaps=["UZB exports filled from WDI totals"], sigma=5.0,
        headline=pd.DataFrame({"group": ["ECO"], "real_gdp_full": [0.1]}),
        sigma_sensitivity=pd.DataFrame({"sigma": [3.0, 5.0], "ECO": [0.2, 0.1]}),
        domestic=["X_ii = 3 x industry VA - exports"], sources=["UN Comtrade"])
    blocks = brief.first_page(facts)
    assert blocks[-1] == ("pagebreak",)
    md = documents.render_markdown(blocks)
    first = md.split("\n---\n")[0]
    for needle in ("## Sample", "## Identification", "## Data gaps", "σ = 5", "UZB exports filled", "0.200"):
        assert needle in first, needle
    paths = documents.write_report(blocks + [("img", "plots/x.png", "a plot"), ("md", "| a |", "<b>a</b>")],
                            tmp_path, stem="report", title="ECO")
    ht = paths["report_html"].read_text()
    assert "<h2>Data gaps</h2>" in ht and "<img src='plots/x.png'" in ht and "<b>a</b>" in ht
    with pytest.raises(ValueError, match="unknown report block"):
        documents.render_markdown([("video", "x")])


# ---------------------------------------------------------------------------------------------
# the pipeline on a reduced sample (ECO + main partners, few draws)
# ---------------------------------------------------------------------------------------------
import dataclasses  # noqa: E402
from pathlib import Path  # noqa: E402

from gravity.scenario import config as sc  # noqa: E402
from tests.conftest import require_data  # noqa: E402

MODEL = Path(__file__).resolve().parents[1] / "models" / "eco_digital_corridor.toml"
PARTNERS = ["RUS", "CHN", "DEU", "USA", "IND", "ARE", "UKR", "ITA"]


def _reduced_config():
    from gravity.jobs.corridor import pipeline as co
    from gravity.panel import corridor as corridor_data
    from gravity.scenario import baseline as fill

    require_data(*corridor_data.SOURCES, *fill.OUTPUT_FILES, "wdi-datahub-2026/sp.pop.totl/data.csv")
    cfg = sc.load_config(MODEL)
    zero = sc.Scenario(name="zero", label="zero shock", members=cfg.groups["ECO"], indicators={"internet": 0.0},
                       spec=cfg.headline.name)
    small = co.reduced(cfg, list(cfg.groups["ECO"]) + PARTNERS, draws=16, bootstrap=3, jobs=1,
                       extra_scenarios=[zero])
    # the headline and the no-pair-FE sensitivity column keep the test within its time budget
    specs = tuple(s for s in small.specifications if s.name in ("three_way", "no_pair_fe"))
    return dataclasses.replace(small, specifications=specs)


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    from gravity.jobs.corridor import pipeline as co

    cfg = _reduced_config()
    out = tmp_path_factory.mktemp("eco")
    return co.run(cfg, out, progress=False), out


def test_outputs_are_written(run):
    res, out = run
    assert (out / "eco_corridor.xlsx").exists() and (out / "eco_corridor_tables.md").exists()
    book = wb.read_back(out / "eco_corridor.xlsx")
    for sheet in ("README", "Countries", "Aggregates", "TJK partners", "Coefficients", "Sensitivity sigma",
                  "Excluded countries", "Coverage"):
        assert sheet in book, sheet
    for name in res.tables.sheets():
        assert (out / "csv" / f"{wb.file_stem(name)}.csv").exists(), name
    for f in ("regressions.md", "regressions.tex", "regressions.html", "report.md", "report.html",
              "plots/real_gdp_full.png", "plots/real_gdp_cdl.png", "plots/coefficients.png", "plots/coverage.png"):
        assert (out / f).exists() and (out / f).stat().st_size > 0, f
    first = (out / "report.md").read_text().split("\n---\n")[0]
    for needle in ("## Sample", "## Identification", "## Data gaps", "σ = 5", "sigma=3", "## Domestic flows",
                   "UZB", "filled"):
        assert needle in first, needle
    reg = (out / "regressions.md").read_text()
    assert all(s.label in reg for s in res.config.specifications if s.name in res.estimates.fits)


def test_tables_have_one_row_per_scenario_and_country(run):
    res, _ = run
    c = res.tables.countries
    n = res.baseline.n
    assert len(c) == n * len(res.config.scenarios)
    assert set(c["scenario"]) == {s.name for s in res.config.scenarios}
    assert set(res.config.groups["ECO"]) <= set(c["country"])
    assert c.filter(regex="^(exports|imports|real_gdp)_(cdl|full)").notna().all().all()
    p = res.tables.focus_partners
    assert p is res.tables["TJK partners"]
    assert p.groupby("scenario")["partner"].nunique().le(res.config.focus_partners).all()
    assert set(p["baseline_flow_source"]) <= {"reported", "reported_zero", "absent_zero", "filled"}


def test_aggregates_are_sums_of_countries(run):
    res, _ = run
    c, a = res.tables.countries, res.tables.aggregates
    level = {"exports": "baseline_exports_usd_m", "imports": None, "real_gdp": "baseline_output_usd_m"}
    X = res.baseline.fitted
    imports = pd.Series((X.sum(axis=0) - np.diag(X)) / 1e6, index=res.baseline.countries)
    for r in a.itertuples():
        sub = c[(c["scenario"] == r.scenario)]
        if r.group == "ECO":
            sub = sub[sub["eco"]]
        elif r.group == "ECO landlocked":
            sub = sub[sub["eco"] & sub["landlocked"]]
        elif r.group == "All landlocked":
            sub = sub[sub["landlocked"]]
        elif r.group.startswith("Rest of world"):
            sub = sub[~sub["eco"]]
        assert len(sub) == r.countries
        lv = imports.reindex(sub["country"]).to_numpy() if r.measure == "imports" else sub[level[r.measure]].to_numpy()
        pct = sub[f"{r.measure}_{'cdl' if r.ge == 'conditional' else 'full'}"].to_numpy()
        assert r.baseline_level / 1e6 == pytest.approx(lv.sum(), rel=1e-12)
        assert r.counterfactual_level / 1e6 == pytest.approx((lv * (1 + pct / 100)).sum(), rel=1e-12)
        assert r.estimate == pytest.approx(100 * (r.counterfactual_level / r.baseline_level - 1), abs=1e-9)


def test_zero_shock_changes_nothing(run):
    res, _ = run
    c = res.tables.countries
    z = c[c["scenario"] == "zero"].filter(regex="^(exports|imports|real_gdp)_(cdl|full)")
    assert np.abs(z.to_numpy(float)).max() < 1e-9
    a = res.tables.aggregates
    assert np.abs(a.loc[a["scenario"] == "zero", ["estimate", "lo", "hi"]].to_numpy(float)).max() < 1e-9
    assert int(res.tables.scenarios.set_index("scenario").loc["zero", "pairs_changed"]) == 0


def test_intervals_contain_the_point_estimate(run):
    res, _ = run
    c = res.tables.countries
    tol = 1e-9
    for e in ("exports", "imports", "real_gdp"):
        for g in ("cdl", "full"):
            col = f"{e}_{g}"
            assert (c[f"{col}_lo"] <= c[col] + tol).all() and (c[col] <= c[f"{col}_hi"] + tol).all(), col
    a = res.tables.aggregates
    assert ((a["lo"] <= a["estimate"] + tol) & (a["estimate"] <= a["hi"] + tol)).all()
    # the bootstrap intervals exist and are ordered (they need not be centred on the point estimate)
    assert (c["real_gdp_full_boot_lo"] <= c["real_gdp_full_boot_hi"] + tol).all()


def test_harmonisation_cost_change_by_hand(run):
    """t̂ for a member pair = exp(b_rta (1 − rta0) + b_tf (1 − tf0)); non-members and i = i unchanged."""
    from gravity.jobs.corridor import pipeline as co

    res, _ = run
    base = res.baseline
    fit = res.estimates.fits[res.config.headline.name]
    eco = set(res.config.groups["ECO"])
    point = res.scenarios["harmonisation"].point
    that = point.cost_change
    rows = co.base_year_rows(res.config, _panel_for(res))
    pairs = co.ge_pairs(res.config, rows, list(base.countries)).set_index(["exporter", "importer"])
    for i, o in enumerate(base.countries):
        for j, d in enumerate(base.countries):
            if o in eco and d in eco and o != d:
                r = pairs.loc[(o, d)]
                tf0 = max(r["tf_prov_41"], r["tf_prov_45"])
                expect = np.exp(fit.params["rta"] * (1 - r["rta"]) + fit.params["tf_provisions"] * (1 - tf0))
                assert that[i, j] == pytest.approx(expect, rel=1e-13), (o, d)
            else:
                assert that[i, j] == 1.0


_PANEL = {}


def _panel_for(res):
    from gravity.jobs.corridor import pipeline as co

    if "p" not in _PANEL:
        _PANEL["p"] = co.corridor_panel(res.config)
    return _PANEL["p"]


def test_filled_exports_sum_to_wdi_totals(run):
    res, _ = run
    t = res.ge.table
    f = t.flows
    for c in ("UZB", "TJK", "TKM"):
        row = f[(f.exporter == c) & (f.importer != c)]
        assert set(row.flag) == {"filled"}
        assert row.trade.sum() == pytest.approx(t.output.loc[c, "merch_exports"], rel=1e-12)


def test_same_seed_same_tables(run, tmp_path):
    from gravity.jobs.corridor import pipeline as co

    res, out = run
    again = co.run(res.config, tmp_path / "again", progress=False, plots=False)
    for name in res.tables.sheets():
        p = f"csv/{wb.file_stem(name)}.csv"
        assert (out / p).read_bytes() == (tmp_path / "again" / p).read_bytes(), name
    assert (out / "eco_corridor_tables.md").read_bytes() == (tmp_path / "again" / "eco_corridor_tables.md").read_bytes()
    assert wb.frames_equal(res.tables.countries, again.tables.countries)


def test_bad_file_fails_before_any_data_is_read(tmp_path, monkeypatch):
    from typer.testing import CliRunner

    from gravity.jobs.corridor import pipeline as co
    from gravity.cli import app

    def boom(*a, **k):
        raise AssertionError("the panel was built before the file was validated")

    monkeypatch.setattr(co, "corridor_panel", boom)
    text = MODEL.read_text().replace("sigma = 5.0", "sigma = 0.9", 1)
    bad = tmp_path / "bad.toml"
    bad.write_text(text)
    line = next(i for i, ln in enumerate(text.splitlines(), 1) if ln.startswith("sigma = 0.9"))
    with pytest.raises(sc.ScenarioFileError, match=f"line {line}"):
        co.run(bad, tmp_path / "out", progress=False)
    r = CliRunner().invoke(app, ["corridor", str(bad), "--out", str(tmp_path / "out")])
    assert r.exit_code == 2
    assert f"line {line}" in r.output and "sigma" in r.output
    assert not (tmp_path / "out").exists()


# ---------------------------------------------------------------------------------------------
# place-specific words come from the model file, not from the code
# ---------------------------------------------------------------------------------------------
def test_report_words_come_from_the_model_file(tmp_path):
    from gravity.jobs.corridor.words import report_words

    w = report_words(sc.load_config(MODEL))
    assert w.group == "ECO" and w.members == sc.load_config(MODEL).groups["ECO"]
    assert w.aggregates == ("ECO", "ECO landlocked", "All landlocked", "Rest of world (non-ECO)", "World")
    assert w.sources[1] == "CEPII GeoDist (Mayer & Zignago 2011)." and len(w.data_notes) == 2
    assert "Tajikistan" in w.indicator_notes["bandwidth"]
    # another group renames every aggregate; a group the file lacks is refused with the fix
    text = MODEL.read_text().replace('ECO = ["AFG"', 'CA = ["KAZ", "KGZ", "TJK"]\nECO = ["AFG"', 1)
    other = tmp_path / "ca.toml"
    other.write_text(text.replace('group = "ECO"', 'group = "CA"', 1))
    w2 = report_words(sc.load_config(other))
    assert w2.aggregates[0] == "CA" and w2.aggregates[3] == "Rest of world (non-CA)" and w2.members == ("KAZ", "KGZ", "TJK")
    bad = tmp_path / "bad.toml"
    bad.write_text(text.replace('group = "ECO"', 'group = "EU"', 1))
    with pytest.raises(sc.ScenarioFileError, match="group 'EU' is not in \\[groups\\].*Fix"):
        report_words(sc.load_config(bad))


def test_tables_are_typed_and_sheets_keep_the_workbook_order(run):
    from gravity.jobs.corridor.tables import CorridorTables

    res, out = run
    t = res.tables
    assert isinstance(t, CorridorTables)
    names = list(t.sheets())
    assert names[:10] == ["Countries", "Aggregates", "TJK partners", "Coefficients", "Sensitivity sigma", "Scenarios",
                          "GE baseline countries", "GE cell flags", "Excluded countries", "Coverage"]
    assert all(t.sheets()[n] is t[n] for n in names)
    # the workbook has exactly these sheets after its README, in this order
    assert list(wb.read_back(out / "eco_corridor.xlsx"))[1:] == wb.sheet_names(names)


def test_report_reads_the_result_not_the_panel(run):
    """The sample and data-gap lines come from res.panel_facts; they agree with a count on the panel."""
    res, _ = run
    panel = _panel_for(res)
    intl = panel[panel.exporter != panel.importer]
    assert sum(res.panel_facts.flow_status.values()) == len(intl)
    assert res.panel_facts.never_report == sorted(set(intl.loc[intl.flow_status == "exporter never reports", "exporter"]))
    assert "UZB" in res.panel_facts.never_report
    lines = brief.sample_lines(res)
    assert lines[0].startswith("UN Comtrade merchandise exports, exporter-reported, waves 2000, 2004")
    gaps = brief.gap_lines(res)
    assert gaps[-2:] == list(res.words.data_notes)
    assert any(g.startswith("ITU international bandwidth") for g in gaps)
