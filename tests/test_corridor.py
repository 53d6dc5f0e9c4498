"""The corridor pipeline: report writers on synthetic tables, then the whole pipeline on a reduced sample."""
from __future__ import annotations

import re
import types

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


# ---------------------------------------------------------------------------------------------
# the whole pipeline on a reduced configuration (ITPD-E, 5 waves, ECO + partners, few draws)
# ---------------------------------------------------------------------------------------------
import dataclasses  # noqa: E402
from pathlib import Path  # noqa: E402

from gravity.scenario import config as sc  # noqa: E402
from tests.conftest import require_data  # noqa: E402

MODEL = Path(__file__).resolve().parents[1] / "models" / "eco_digital_corridor.toml"
PARTNERS = ["RUS", "CHN", "DEU", "USA", "IND", "ARE", "UKR", "ITA", "FRA", "GBR", "JPN", "CHE", "BLR", "ARM",
            "GEO", "MNG", "NPL", "LAO", "BOL", "BRA"]
WAVES = [2000, 2004, 2008, 2012, 2016]


def _reduced_config(model: Path = MODEL):
    from gravity.jobs.corridor import pipeline as co
    from gravity.panel import itpde
    from gravity.scenario import baseline as fill

    require_data(*itpde.SOURCES, *fill.OUTPUT_FILES, "cow-trade/cow_trade_ndy.rda")
    cfg = sc.load_config(model)
    zero = sc.Scenario(name="zero", label="zero shock", members=cfg.groups["ECO"], indicators={"internet": 0.0},
                       spec=cfg.headline.name)
    return co.reduced(cfg, list(cfg.groups["ECO"]) + PARTNERS, draws=12, years=WAVES,
                      specifications=("border", "landlocked_penalty"), extra_scenarios=[zero])


_REDUCED_RUN: dict = {}


def reduced_run(tmp_path_factory):
    """(result, output folder) of the reduced run, made once per test session (test_corridor_executor.py
    uses the same one)."""
    from gravity.jobs.corridor import pipeline as co

    if "run" not in _REDUCED_RUN:
        cfg = _reduced_config()
        out = tmp_path_factory.mktemp("eco")
        _REDUCED_RUN["run"] = (co.run(cfg, out, progress=False), out)
    return _REDUCED_RUN["run"]


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    return reduced_run(tmp_path_factory)


def test_tjk_exports_come_from_partner_reports_and_exceed_those_to_the_usa(run):
    res, _ = run
    flows = res.ge.table.flows.set_index(["exporter", "importer"])
    for p in ("RUS", "KAZ"):
        assert flows.loc[("TJK", p), "flag"] == "itpde_mirror"     # TJK files no export report
        assert flows.loc[("TJK", p), "trade"] > flows.loc[("TJK", "USA"), "trade"]
    # independent check: the same cells straight from the ITPD-E reader (current US$)
    from gravity import data as datasets

    it = datasets.read_itpde_aggregated()
    it = it[(it.year == 2016) & (it.exporter == "TJK")].set_index("importer")["trade"]
    assert flows.loc[("TJK", "RUS"), "trade"] == pytest.approx(float(it["RUS"]), rel=1e-12)


def test_domestic_flows_observed_or_constructed_and_flagged(run):
    res, _ = run
    per = res.ge.table.per_country
    assert per.loc["UZB", "domestic_source"] in ("domestic_constructed", "domestic_clipped")   # ITPD-E: always 0
    assert per.loc["TJK", "domestic_source"].startswith("domestic_itpde")
    cons = res.ge.tables["constructed"].per_country
    assert cons["domestic_source"].isin(["domestic_constructed", "domestic_clipped"]).all()
    # invariant of the construction: X_ii = 3 VA - exports, or the floor 0.1 x exports
    t = res.ge.tables["constructed"].per_country
    assert (t["domestic"] >= 0.1 * t["exports"] * (1 - 1e-12)).all()
    X = res.ge.table.flows["trade"].to_numpy().reshape(len(per), len(per))
    assert np.allclose(X.sum(axis=1), per["output"]) and np.allclose(X.sum(axis=0), per["expenditure"])


def test_coefficients_have_the_internet_border_term_with_and_without_the_control(run):
    res, _ = run
    co = res.coefficients
    for spec in ("border_dev", "border"):
        assert "ln_internet_x_intl" in set(co[co.spec == spec].term), spec
    assert "ln_gdp_pc_x_intl" in set(co[co.spec == "border_dev"].term)
    assert "ln_gdp_pc_x_intl" not in set(co[co.spec == "border"].term)
    # the landlocked elasticity is the lincom of the two terms: estimate and SE by hand
    f = res.estimates.fits["border_dev"]
    el = res.tables.elasticities.set_index(["spec", "country_type"]).loc[("border_dev", "landlocked")]
    names = ["ln_internet_x_intl", "ln_internet_x_intl_ll"]
    V = f.cov_params().loc[names, names].to_numpy()
    assert el.estimate == pytest.approx(f.params[names].sum(), rel=1e-12)
    assert el.se == pytest.approx(np.sqrt(V.sum()), rel=1e-12)


def test_both_sides_of_a_border_term_get_a_clear_message(tmp_path):
    from gravity.jobs.corridor import pipeline as co

    text = MODEL.read_text()
    text = text.replace('ln_gdp_pc_x_intl = { kind = "log_times", columns = ["gdp_pc_o", "intl_border"] }',
                        'ln_gdp_pc_x_intl = { kind = "log_times", columns = ["gdp_pc_o", "intl_border"] }\n'
                        'ln_gdp_pc_d_x_intl = { kind = "log_times", columns = ["gdp_pc_d", "intl_border"] }', 1)
    text = text.replace("+ ln_gdp_pc_x_intl + rta", "+ ln_gdp_pc_x_intl + ln_gdp_pc_d_x_intl + rta", 1)
    bad = tmp_path / "both.toml"
    bad.write_text(text)
    line = next(i for i, ln in enumerate(text.splitlines(), 1) if "ln_gdp_pc_d_x_intl + rta" in ln)
    with pytest.raises(sc.ScenarioFileError, match=f"line {line}.*only one border term"):
        co.check_identification(sc.load_config(bad))


def test_zero_shock_changes_nothing(run):
    res, _ = run
    c = res.tables.countries
    z = c[c.scenario == "zero"]
    assert len(z) and np.allclose(z[["real_gdp_full", "exports_full", "real_exports_full"]].to_numpy(), 0, atol=1e-9)


def test_phase_in_zero_is_nothing_and_one_is_the_full_scenario(run):
    from gravity.ge import solve
    from gravity.jobs.corridor import pipeline as co

    res, _ = run
    base = res.baseline
    fit = res.estimates.headline(res.config)
    for s in ("fibre", "corridor"):
        d = res.scenarios[s].delta
        b = fit.params[list(d.columns)]
        none = solve(base, co.cost_change(d, b, base.n, 0.0), deficits=res.analysis.deficit_rule)
        assert np.allclose(none.countries["real_gdp_full"], 0, atol=1e-10)
        full = solve(base, co.cost_change(d, b, base.n, 1.0), deficits=res.analysis.deficit_rule)
        assert np.allclose(full.countries["real_gdp_full"], res.scenarios[s].point.countries["real_gdp_full"])
        sens = res.tables.sensitivity
        p = sens[(sens.dimension == "phase-in") & (sens.setting == "100%") & (sens.scenario == s)
                 & (sens.quantity == "TJK real GDP")]
        assert p["pct_change"].iloc[0] == pytest.approx(full.countries.loc["TJK", "real_gdp_full"], abs=1e-12)


def test_offset_inverted_gives_back_the_penalty():
    from gravity.jobs.corridor import tables as ct

    for b, g, x0 in ((0.3, -0.4, 20.47), (0.05, -1.2, 3.0), (1.1, -0.01, 75.0)):
        x = ct.offset_rise(b, g, x0)
        assert x > x0
        assert ct.offset_gain(b, x0, x) == pytest.approx(-g, rel=1e-12)
    assert np.isnan(ct.offset_rise(-0.2, -0.4, 20.0)) and np.isnan(ct.offset_rise(0.0, -0.4, 20.0))


def test_deficit_rule_table_has_the_three_rules(run):
    res, _ = run
    d = res.tables.deficit_rules
    assert {"ratio", "additive", "balanced"} <= set(d.columns)
    assert set(d.quantity) >= {"TJK real GDP", "ECO real GDP"}
    # the headline rule's column equals the headline point estimate
    h = d[(d.scenario == "fibre") & (d.quantity == "TJK real GDP")][res.analysis.deficit_rule].iloc[0]
    assert h == pytest.approx(res.scenarios["fibre"].point.countries.loc["TJK", "real_gdp_full"], abs=1e-9)


def test_pooled_interval_carries_sigma_and_domestic_variants(run):
    res, _ = run
    r = res.scenarios["fibre"]
    assert len(r.pooled.variants) == 6
    assert len(r.pooled.draws) >= res.config.ge.draws
    c = res.tables.countries
    t = c[(c.scenario == "fibre") & (c.country == "TJK")].iloc[0]
    assert t.real_gdp_full_lo <= t.real_gdp_full <= t.real_gdp_full_hi or not np.isfinite(t.real_gdp_full_lo)


def test_the_brief_is_the_first_page_and_names_tajikistan_first(run):
    res, out = run
    md = (out / "report.md").read_text(encoding="utf-8")
    first = md.split("\n")[0]
    assert first.startswith("# Tajikistan")
    page = md[: md.index("# Technical report")]
    assert page.index("Tajikistan") < min(page.index(x) for x in ("Kazakhstan", "ECO"))
    for p in ("AFG", "AZE", "IRN", "KAZ", "KGZ", "PAK", "TKM", "TUR", "UZB"):
        assert f"| {p} " in page, p                          # every ECO partner in the trade table
    assert "US$" in page and "draws below / above 0" in page and "Conditional GE" in page and "Full GE" in page
    assert "sign holds in" not in page                       # replaced by the share of draws on each side of 0
    assert "n/a%" not in page and "+-" not in page and "it would take internet use" not in page
    # calibrated scenarios with their published source and range; estimated ones with their placements
    assert "Published evidence" in page and "World Trade Report 2015" in page and "range" in page
    assert "depending on where the effect falls" in page and "distinguishable from zero" in page
    # a US$ figure only where the interval excludes zero, else labelled as an illustration
    b = res.tables.brief
    assert b.excludes_zero.any() or "illustration only" in page
    for r in b[~b.excludes_zero].itertuples():
        assert not (r.lo > 1e-9 or r.hi < -1e-9)
    html = (out / "report.html").read_text(encoding="utf-8")
    assert "plots/" not in html.split("<body")[1] or "data:image/png;base64" in html


def test_workbook_readme_describes_every_sheet(run):
    res, out = run
    from gravity.jobs.corridor.tables import SHEET_NOTES

    index = wb.readme_index(out / "eco_corridor.xlsx")
    assert len(index) == len(res.tables.sheets()) + 1                       # every sheet, plus README itself
    got = index.set_index("csv file")
    for name in res.tables.sheets():
        row = got.loc[f"csv/{wb.file_stem(name)}.csv"]
        note = SHEET_NOTES[name]
        assert (row["contents"], row["one row is"], row["units"]) == (note.about, note.row, note.units), name
    # every boolean column is a described flag (write_tables checks it; a flag-less table would have failed)
    assert set(SHEET_NOTES["Focus partners"].flags) == {"exports_from_partner_report"}


def test_same_seed_same_tables(run, tmp_path):
    from gravity.jobs.corridor import pipeline as co

    res, out = run
    again = co.run(res.config, tmp_path / "again", progress=False, plots=False)
    for name in res.tables.sheets():
        p = f"csv/{wb.file_stem(name)}.csv"
        assert (out / p).read_bytes() == (tmp_path / "again" / p).read_bytes(), name


def test_bad_file_fails_before_any_data_is_read(tmp_path, monkeypatch):
    from gravity.jobs.corridor import pipeline as co

    def boom(*a, **k):
        raise AssertionError("the panel was built before the file was validated")

    monkeypatch.setattr(co, "corridor_panel", boom)
    for old, new, key in (("sigma = 5.0", "sigma = 0.9", "sigma"),
                          ('deficit_rule = "additive"', 'deficit_rule = "remittances"', "deficit")):
        text = MODEL.read_text().replace(old, new, 1)
        bad = tmp_path / "bad.toml"
        bad.write_text(text)
        line = next(i for i, ln in enumerate(text.splitlines(), 1) if ln.startswith(new))
        with pytest.raises(sc.ScenarioFileError, match=f"line {line}.*{key}"):
            co.run(bad, tmp_path / "out", progress=False)
    assert not (tmp_path / "out").exists()


def test_ten_percent_effect_and_where_ours_sit():
    from gravity.jobs.corridor import tables as ct

    assert ct.ten_percent_effect(0.0, 20.0) == 0.0
    # b = 1 at x0 = 0: exp(ln 1) - 1 = 0; at large x0 a 10% rise moves ln(1 + x) by about ln 1.1
    assert ct.ten_percent_effect(1.0, 1e9) == pytest.approx(10.0, rel=1e-6)
    el = pd.DataFrame({"spec": ["h", "h"], "label": ["H", "H"], "country_type": ["coastal", "landlocked"],
                       "terms": ["a", "a + b"], "measure": ["internet", "internet"], "country_level": [True, True],
                       "estimate": [0.033, -0.2], "se": [0.1, 0.1]})
    cfg = types.SimpleNamespace(roles={"indicator": ("internet",)})
    txt = ct.where_ours_sit(cfg, el, {}, "h", 1e9)
    assert "headline, coastal: +0.32% (within)" in txt and "headline, landlocked: -1.89% (below)" in txt


# ---------------------------------------------------------------------------------------------
# issue 18: repaired data, identification limits in the numbers, calibrated scenarios
# ---------------------------------------------------------------------------------------------
def test_ge_baseline_has_no_low_domestic_share_unless_the_data_say_so(run):
    res, _ = run
    for variant, tab in res.ge.tables.items():
        pc = tab.per_country
        share = pc["domestic"] / pc["output"]
        low = pc[share < 0.1 - 1e-12]
        assert set(low["share_flag"]) <= {"low_share_confirmed"}, (variant, low[["domestic", "share_flag"]])
    # GBR's 2016 ITPD-E domestic flow (US$ 9 bn, 1.6% of output) is on the low-coverage side of a break
    rep = res.ge.table.repaired.set_index("iso3")
    if "GBR" in rep.index:
        assert rep.loc["GBR", "flag"] == "domestic_repaired"
        assert rep.loc["GBR", "domestic_repaired"] > 50 * rep.loc["GBR", "domestic_observed"]


def test_zero_group_links_filled_from_cow_and_agreements_from_desta(run):
    res, _ = run
    flows = res.ge.table.flows.set_index(["exporter", "importer"])
    assert flows.loc[("UZB", "TJK"), "flag"] == "filled_cow" and flows.loc[("UZB", "TJK"), "trade"] > 0
    fill = res.tables.filled_links.set_index(["exporter", "importer"])
    assert fill.loc[("UZB", "TJK"), "reported"] == 93e6                  # COW 2014, UZB -> TJK (PROVENANCE)
    ag = res.tables.agreements.set_index(["iso3_a", "iso3_b"])
    assert ag.loc[("TJK", "UZB"), "rta"] == 1 and ag.loc[("TJK", "UZB"), "rta_source"] == "desta"
    assert "pair-years" in res.panel_info["agreements"]["sentence"]


def test_group_usd_is_the_sum_of_members_own_amounts(run):
    res, _ = run
    b, c = res.tables.brief, res.tables.countries
    pc = res.ge.table.per_country
    for s in ("fibre", "corridor"):
        got = b[(b.scenario == s) & (b.who == "ECO") & (b.measure == "real GDP")].usd_m_base.iloc[0]
        cs = c[(c.scenario == s) & c.country.isin(res.words.members)].set_index("country")
        want = float((cs["real_gdp_full"] / 100 * pc["gdp"].reindex(cs.index)).sum() / 1e6)
        assert got == pytest.approx(want, rel=1e-12)


def test_headline_is_bias_corrected_and_drives_the_ge(run):
    from gravity.ge import solve
    from gravity.jobs.corridor import pipeline as co

    res, _ = run
    h = res.config.headline.name
    raw, bc = res.estimates.fits[h], res.estimates.corrected
    assert bc is not None
    co_ = res.coefficients.set_index(["spec", "term"])
    for term in raw.params.index:
        assert co_.loc[(f"{h}_bc", term), "estimate"] == pytest.approx(raw.params[term] - bc.bias[term], abs=1e-12)
    d = res.scenarios["fibre"].delta
    base = res.baseline
    point = solve(base, co.cost_change(d, bc.params[list(d.columns)], base.n), deficits=res.analysis.deficit_rule)
    assert np.allclose(point.countries["real_gdp_full"], res.scenarios["fibre"].point.countries["real_gdp_full"],
                       atol=1e-12)


def test_placement_table_spans_every_placement_and_exporter_is_the_headline(run):
    from gravity.scenario.shocks import PLACEMENTS

    res, _ = run
    pl = res.tables.placements
    f = res.config.focus
    for s in ("fibre", "corridor"):
        q = pl[(pl.scenario == s) & (pl.quantity == f"{f} real GDP")].set_index("placement")
        assert list(q.index) == list(PLACEMENTS)
        head = res.tables.brief
        h = head[(head.scenario == s) & (head.who == f) & (head.measure == "real GDP")].pct.iloc[0]
        assert q.loc["exporter", "estimate"] == pytest.approx(h, abs=1e-9)
        assert (q.lo <= q.estimate + 1e-9).all() and (q.estimate <= q.hi + 1e-9).all()
    assert "paperless" not in set(pl.scenario)                           # agreement terms only: nothing to place


def test_calibrated_scenarios_have_sources_ranges_and_both_variants(run):
    res, _ = run
    c = res.tables.calibrated
    f = res.config.focus
    for s in ("tfa_wto", "tfa_oecd"):
        for v in ("members", "international"):
            r = c[(c.scenario == s) & (c.variant == v) & (c.reading == "tariff equivalent")
                  & (c.quantity == f"{f} real GDP")].iloc[0]
            assert r.lo <= r.estimate <= r.hi and r.estimate > 0
    figs = res.tables.figures
    assert set(figs.figure_id) >= {"WTR15-a", "OECD-TFI15-LMIC-full", "OECD-TFI15-mandatory"}
    assert figs.set_index("figure_id").loc["WTR15-a", "exact_wording"].startswith("full implementation of the TFA")
    # all of a member's international trade moves more pairs than trade among members only
    one = c[(c.scenario == "tfa_wto") & (c.reading == "tariff equivalent")].groupby("variant")["pairs"].first()
    assert one["international"] > one["members"] > 0
    cb = res.tables.calibrated_brief
    assert set(cb.variant) == {"members", "international"} and cb.usd_m_base.notna().all()


def test_any_country_of_the_data_can_be_the_focus(tmp_path):
    """A focus outside the report's group (RUS) writes the whole report, its name first."""
    from gravity.jobs.corridor import pipeline as co

    cfg = _reduced_config()
    raw = dict(cfg.raw)
    raw["report"] = dict(raw["report"], focus="RUS", focus_name="Russia")
    cfg = dataclasses.replace(cfg, focus="RUS", raw=raw, ge=dataclasses.replace(cfg.ge, draws=6))
    res = co.run(cfg, tmp_path / "rus", progress=False, plots=False)
    first = (tmp_path / "rus" / "report.md").read_text(encoding="utf-8").splitlines()[0]
    assert first.startswith("# Russia and ECO")
    b = res.tables.brief
    assert {"RUS", "ECO"} <= set(b.who) and b.pct.notna().all()
    assert set(res.tables.focus_partners.partner) == set(res.words.members)   # every group member is a partner


def test_renaming_regressors_in_the_model_file_renames_every_output(run, tmp_path):
    """The job reads roles, not names: the connectivity and penalty regressors renamed in the model file give
    the same numbers under the new names in every table (nothing comes out empty)."""
    from gravity.jobs.corridor import pipeline as co

    res, _ = run
    names = {"ln_internet_x_intl_ll": "web_ll", "ln_internet_x_intl": "web", "landlocked_x_intl": "inland"}
    text = MODEL.read_text(encoding="utf-8")
    for old, new in names.items():
        text = re.sub(rf"\b{old}\b", new, text)
    renamed = tmp_path / "renamed.toml"
    renamed.write_text(text, encoding="utf-8")
    again = co.run(_reduced_config(renamed), tmp_path / "out", progress=False, plots=False)
    a, b = res.tables, again.tables
    for sheet in ("Elasticities", "Offset", "Literature", "Brief", "Placements", "Calibrated brief"):
        assert len(b[sheet]) == len(a[sheet]) > 0, sheet
    pd.testing.assert_series_equal(a.elasticities.estimate, b.elasticities.estimate, rtol=1e-10)
    assert set(b.elasticities.terms) == {t.replace("ln_internet_x_intl_ll", "web_ll").replace("ln_internet_x_intl", "web")
                                         for t in a.elasticities.terms}
    pd.testing.assert_series_equal(a.brief.pct, b.brief.pct, rtol=1e-10)
    co_a = a.coefficients.set_index(["spec", "term"]).estimate
    co_b = b.coefficients.set_index(["spec", "term"]).estimate.rename(index=lambda t: {v: k for k, v in names.items()}.get(t, t), level=1)
    pd.testing.assert_series_equal(co_a.sort_index(), co_b.sort_index(), rtol=1e-10)


def test_a_scenario_is_priced_by_its_own_specification(run):
    """``spec`` of a scenario is honoured: priced by another specification, its point is that fit's."""
    from gravity.ge import solve
    from gravity.jobs.corridor import pipeline as co

    res, _ = run
    cfg = res.config
    s = dataclasses.replace(next(x for x in cfg.scenarios if x.name == "fibre"), spec="border")
    c2 = dataclasses.replace(cfg, scenarios=(s,))
    deltas = co.estimated_deltas(co.scenario_deltas(c2, res.ge.grid), res.estimates)
    out = co.run_ge(c2, res.analysis, res.ge, deltas, res.estimates.headline(cfg), None, est=res.estimates,
                    progress=False)
    base = res.baseline
    d = deltas[("border", "fibre")]
    want = solve(base, co.cost_change(d, res.estimates.fits["border"].params[list(d.columns)], base.n),
                 deficits=res.analysis.deficit_rule).countries["real_gdp_full"]
    np.testing.assert_allclose(out["fibre"].point.countries["real_gdp_full"], want, atol=1e-12)
    assert not np.allclose(want, res.scenarios["fibre"].point.countries["real_gdp_full"])  # not the headline's
