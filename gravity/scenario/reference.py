"""The model-file reference (``docs/model-file.md``), generated from the schema that validates the file.

Every key the validator accepts (:data:`gravity.scenario.config._SCHEMA`) has one entry in :data:`KEY_DOCS`
(what it means, its default and bounds, an example); :func:`markdown` renders them section by section with
the type the schema checks. A test regenerates the document and compares it with the committed file, and
another checks that every schema key has an entry, so the reference cannot drift from the validator.

    python -m gravity.scenario.reference > docs/model-file.md
"""

from __future__ import annotations

from gravity.scenario import config as sc

KEY_DOCS: dict[tuple[str, ...], tuple[str, str]] = {
    ("title",): ("The report's title.", 'title = "ECO digital corridors"'),
    ("version",): (f"Model-file version, 1 to {sc.FILE_VERSION} (default {sc.FILE_VERSION}).", "version = 3"),
    # sample
    ("sample", "years"): ("Panel years read from ITPD-E (2000-2016).", "years = [2000, 2004, 2008, 2012, 2016]"),
    ("sample", "base_year"): ("The GE baseline year; one of `years` (default the last).", "base_year = 2016"),
    ("sample", "carry_forward_years"): (
        "Years an indicator value may be carried forward, flagged (>= 0, default 0).",
        "carry_forward_years = 1",
    ),
    ("sample", "countries"): ("Optional ISO3 list restricting the panel (empty = every country).", "countries = []"),
    # groups / indicators / roles
    ("groups",): (
        "Named lists of ISO3 codes (a group name may stand for its members in `members`; income "
        "groups name the published cut per member in `[scenario.cost_cut]`).",
        'ECO = ["AFG", "AZE", "IRN", "KAZ", "KGZ", "PAK", "TJK", "TKM", "TUR", "UZB"]',
    ),
    ("indicators",): (
        "Country-year indicators a regressor or scenario may use: name = description; the name "
        "must be one of `gravity.data.indicator_catalogue()`.",
        'internet = "Individuals using the internet, % of population"',
    ),
    ("roles", "connectivity"): (
        "Regressor(s) that are the connectivity term (one per measure; a specification uses at most one).",
        'connectivity = ["ln_internet_x_intl"]',
    ),
    ("roles", "connectivity_landlocked"): (
        "Their interaction with the exporter being landlocked.",
        'connectivity_landlocked = ["ln_internet_x_intl_ll"]',
    ),
    ("roles", "development"): (
        "The development control (income per capita x border).",
        'development = "ln_gdp_pc_x_intl"',
    ),
    ("roles", "penalty"): (
        "The landlocked x border penalty the offset question uses.",
        'penalty = "landlocked_x_intl"',
    ),
    ("roles", "indicator"): (
        "The indicator the connectivity regressors read (an `[indicators]` name).",
        'indicator = "internet"',
    ),
    # regressors
    ("regressors", "kind"): (
        "How the regressor is built: a kind of `gravity.panel.features.KINDS` (e.g. `pair`, "
        "`log1p_exporter_times`, `log_times`, `any_of`, `all_of`, `log_min_times`).",
        'ln_internet_x_intl = { kind = "log1p_exporter_times", columns = ["internet_o", "intl_border"] }',
    ),
    ("regressors", "column"): (
        "The one panel column a `pair` regressor is.",
        'rta = { kind = "pair", column = "rta" }',
    ),
    ("regressors", "columns"): (
        "The panel columns the kind combines (`<indicator>_o` / `_d`, `intl_border`, "
        "`landlocked_o`, `<indicator>_lead<k>_o` for a lead built by the run).",
        'columns = ["internet_o", "intl_border"]',
    ),
    ("regressors", "indicator"): ("The indicator a kind that reads one indicator uses.", 'indicator = "internet"'),
    ("regressors", "times"): ("An interaction column the value is multiplied by.", 'times = "landlocked_o"'),
    # specifications
    ("specification", "name"): ("Unique name.", 'name = "border_dev"'),
    ("specification", "headline"): (
        "Exactly one specification is the headline: it drives the scenarios (bias-corrected when three-way).",
        "headline = true",
    ),
    ("specification", "label"): ("Words for tables and the brief.", 'label = "Border x connectivity"'),
    ("specification", "formula"): (
        "PPML formula `trade ~ regressors | fixed effects` (fixest syntax); every "
        "regressor must be defined under `[regressors]`.",
        'formula = "trade ~ rta | exporter^year + importer^year + exporter^importer"',
    ),
    ("specification", "cluster"): ("Cluster column(s) of the covariance.", 'cluster = "pair"'),
    ("specification", "years"): ("Subset of the sample years (default all).", "years = [2012, 2016]"),
    ("specification", "identifies"): ("What the coefficients identify (shown in the report).", 'identifies = "..."'),
    ("specification", "cannot"): ("What they cannot identify (shown in the report).", 'cannot = "..."'),
    ("specification", "domestic_breaks"): (
        "How ITPD-E's domestic coverage breaks are repaired before "
        "estimating: "
        + "; ".join(f"`{k}` {v}" for k, v in sc.BREAK_MODES.items())
        + " (default `drop`; `split` needs `pair_fe` as the pair effect).",
        'domestic_breaks = "split"',
    ),
    # ge
    ("ge", "sigma"): ("Elasticity of substitution (> 1).", "sigma = 5.0"),
    ("ge", "sigma_sensitivity"): (
        "Other sigma values, pooled into the intervals and solved as sensitivities.",
        "sigma_sensitivity = [3.0, 7.0]",
    ),
    ("ge", "draws"): (
        f"Parametric coefficient draws pooled over sigma and the domestic-flow construction (0 to {sc.MAX_DRAWS:,}).",
        "draws = 600",
    ),
    ("ge", "bootstrap"): (
        f"Pair-bootstrap re-fits of the headline (0 = none; at most {sc.MAX_BOOTSTRAP:,}).",
        "bootstrap = 0",
    ),
    ("ge", "seed"): ("Seed of the draws (same seed, same tables; 0 to 2^63 - 1).", "seed = 20161"),
    ("ge", "ci"): ("Interval level, in (0, 1).", "ci = 0.95"),
    ("ge", "jobs"): ("Worker processes for re-fits (>= 1).", "jobs = 2"),
    ("ge", "reference"): (
        "ISO3 code of the numeraire country (its inward multilateral resistance is 1).",
        'reference = "DEU"',
    ),
    ("ge", "domestic_method"): (
        "Value added behind constructed domestic flows: `industry` or `manufacturing`.",
        'domestic_method = "industry"',
    ),
    ("ge", "gross_output_multiplier"): (
        "kappa in X_ii = kappa x value added - exports (>= 1).",
        "gross_output_multiplier = 3.0",
    ),
    ("ge", "domestic_floor_share"): (
        "Floor f of a constructed domestic flow, f x exports, in (0, 1).",
        "domestic_floor_share = 0.1",
    ),
    ("ge", "fill_zero_links"): (
        "`cow` fills zero links among the report's group from COW import reports in the "
        "GE baseline (flagged); `none` keeps them 0.",
        'fill_zero_links = "cow"',
    ),
    ("ge", "domestic_share_floor"): (
        "Domestic share of output below which the construction replaces X_ii unless "
        "it is low too, in [0, 1) (0 = no check; default 0.1).",
        "domestic_share_floor = 0.1",
    ),
    # analysis
    ("analysis", "deficit_rule"): (
        "Headline deficit closure: `ratio`, `additive` or `balanced` (the others are shown beside it).",
        'deficit_rule = "additive"',
    ),
    ("analysis", "deficit_rule_reason"): (
        "Why that rule, in words (printed in the report).",
        'deficit_rule_reason = "..."',
    ),
    ("analysis", "phase_in"): (
        "Shares in [0, 1] of a scenario's cost change also solved.",
        "phase_in = [0.25, 0.5, 1.0]",
    ),
    ("analysis", "leave_one_out"): (
        "Re-estimate the headline without each landlocked country: `group`, `all` or `none` (default `group`).",
        'leave_one_out = "group"',
    ),
    ("analysis", "placements"): (
        "Solve the estimated scenarios under every placement of a border x country-variable effect (default true).",
        "placements = true",
    ),
    # report
    ("report", "focus"): ("ISO3 code of the country the brief opens with.", 'focus = "TJK"'),
    ("report", "focus_partners"): ("Partners listed for the focus country (1 to 500).", "focus_partners = 15"),
    ("report", "focus_name"): ("The focus country's name in sentences.", 'focus_name = "Tajikistan"'),
    ("report", "group"): ("The `[groups]` entry the report is about.", 'group = "ECO"'),
    ("report", "trade_data"): ("The trade data in words.", 'trade_data = "USITC ITPD-E release 1"'),
    ("report", "sources"): ("Citations printed in every output.", 'sources = ["..."]'),
    ("report", "data_notes"): ("What the data cannot tell that the run cannot count.", 'data_notes = ["..."]'),
    ("report", "instruments"): (
        "Per scenario name: the instruments a ministry would use, in words.",
        'fibre = "Shared fibre backbones ..."',
    ),
    ("report", "indicator_notes"): ("Per indicator name: a note on its coverage.", 'bandwidth = "..."'),
    ("report", "one_sector_gap", "wiod_ratio"): (
        "Measured multi-sector / one-sector welfare ratio on WIOD.",
        "wiod_ratio = 2.68",
    ),
    ("report", "one_sector_gap", "cp_ratio"): ("The same on Caliendo & Parro's data.", "cp_ratio = 2.24"),
    ("report", "one_sector_gap", "measured_by"): ("Where the ratios were measured.", 'measured_by = "..."'),
    ("report", "one_sector_gap", "wiod_cut"): (
        "The economies cut in the WIOD measurement.",
        'wiod_cut = "Russia-Turkey"',
    ),
    ("report", "one_sector_gap", "cp_cut"): (
        "The regions cut in the Caliendo-Parro measurement.",
        'cp_cut = "Canada-Mexico-USA"',
    ),
    ("report", "one_sector_gap", "absent"): ("The group members those data lack, in words.", 'absent = "..."'),
    # scenarios
    ("scenario", "name"): ("Unique name.", 'name = "fibre"'),
    ("scenario", "label"): (
        "Words for tables and the brief (the text before a colon is its short name).",
        'label = "(a) Shared fibre: internet use to the frontier"',
    ),
    ("scenario", "members"): ("ISO3 codes or group names the scenario applies to.", 'members = ["ECO"]'),
    ("scenario", "indicators"): (
        'Estimated shock: indicator targets, `"frontier"` (the members\' highest '
        "value) or a number >= 0 (values only rise).",
        'indicators = { internet = "frontier" }',
    ),
    ("scenario", "agreement"): (
        "Estimated shock: agreement dummies set to 1 among members.",
        "agreement = { rta = 1, tf_prov_41 = 1 }",
    ),
    ("scenario", "include"): (
        "Earlier estimated scenarios whose indicators and agreement dummies this one takes "
        "(its own entries win on a conflict).",
        'include = ["fibre", "paperless"]',
    ),
    ("scenario", "spec"): (
        "The specification whose coefficients price the shock (default the headline).",
        'spec = "border_dev"',
    ),
    ("scenario", "cost_cut", "percent"): (
        "Calibrated shock: the published cut in trade costs, % in (0, 100), one number or a table group -> number.",
        "percent = 14.3",
    ),
    ("scenario", "cost_cut", "low"): (
        "The published low end (default `percent`).",
        "low = { LIC = 12.6, LMIC = 13.7, UMIC = 12.8 }",
    ),
    ("scenario", "cost_cut", "high"): ("The published high end (default `percent`).", "high = 17.5"),
    ("scenario", "cost_cut", "figures"): (
        "Ids of the published figures that state the numbers (checked against "
        "the published-figures file; their exact wording is quoted).",
        'figures = ["WTR15-a"]',
    ),
    ("scenario", "cost_cut", "variants"): (
        "`members` (trade between members) and/or `international` (all of "
        "each member's international trade); default both.",
        'variants = ["members", "international"]',
    ),
}
"""Every key of the model file: (what it means, with default and bounds; an example line)."""

_TYPES = {str: "string", int: "integer", float: "number", bool: "true/false", list: "list", dict: "table"}


def _type(want) -> str:
    if want is None:
        return "table of names"
    if isinstance(want, tuple):
        return " or ".join(_TYPES[w] for w in want)
    return _TYPES.get(want, "table")


def schema_keys(schema=None, prefix: tuple[str, ...] = ()) -> list[tuple[tuple[str, ...], object]]:
    """Every (key path, type) of the schema, in order; a table of fixed keys is walked into, a table of
    names (``[groups]``, ``[indicators]``, ``[report.instruments]``) is one key."""
    schema = sc._SCHEMA if schema is None else schema
    out: list[tuple[tuple[str, ...], object]] = []
    for k, want in schema.items():
        key = prefix + (k,)
        if isinstance(want, dict):
            out += schema_keys(want, key)
        elif isinstance(want, list):
            out += schema_keys(want[0], key)
        else:
            out.append((key, want))
    return out


def markdown() -> str:
    """The reference document: one table per section, every key with its type, meaning and an example."""
    lines = [
        "# The model file (`models/*.toml`)",
        "",
        "Generated from the schema that validates the file (`python -m gravity.scenario.reference`); a test "
        "keeps it current. A model file is TOML; every key below is optional unless the text says otherwise, "
        "and an unknown key stops the run naming its line and the nearest valid key. Array tables: "
        "`[[specification]]` and `[[scenario]]` (one per entry; `[scenario.cost_cut]` belongs to the "
        "scenario above it); `[regressors]` holds one inline table per regressor name.",
        "",
    ]
    section = None
    for key, want in schema_keys():
        top = key[0] if len(key) > 1 or want is None else "(top level)"
        if top != section:
            section = top
            head = {"specification": "[[specification]]", "scenario": "[[scenario]]"}.get(top, f"[{top}]")
            lines += [
                "",
                f"## {head if top != '(top level)' else 'Top level'}",
                "",
                "| key | type | meaning | example |",
                "|---|---|---|---|",
            ]
        what, example = KEY_DOCS[key]
        name = ".".join(key[1:]) if len(key) > 1 else ("<name>" if want is None else key[0])
        lines.append(f"| `{name}` | {_type(want)} | {what} | `{example}` |")
    return "\n".join(lines).replace("\n\n\n", "\n\n") + "\n"


if __name__ == "__main__":
    print(markdown(), end="")
