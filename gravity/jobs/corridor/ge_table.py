"""The GE base-year table from observed ITPD-E flows, every cell flagged.

Structural gravity's GE needs X_ij for every pair including X_ii (Yotov et al. 2016, ch. 2: output
Y_i = Σ_j X_ij, expenditure E_j = Σ_i X_ij). ITPD-E gives both: international flows from exporter
reports and, where a country does not report (TJK, UZB, TKM), from its partners' import reports; domestic
flows from production data. Only a missing or zero X_ii is constructed, with the corridor model's rule
(:func:`gravity.scenario.baseline.domestic_flows`): X_ii = κ·VA_i − Σ_{j≠i} X_ij, at least f·Σ_{j≠i} X_ij.

Cell flags (:data:`CELL_FLAGS`):

``itpde``                  international flow as ITPD-E has it (exporter-reported), > 0
``itpde_mirror``           international flow > 0 resting on the importer's report (exporter files none)
``zero``                   ITPD-E records no flow (0)
``domestic_itpde``         X_ii from ITPD-E's production data
``domestic_itpde_break``   as above, but ITPD-E's domestic coverage breaks between the last two panel years
``domestic_constructed``   X_ii constructed (ITPD-E's is missing or 0, or the variant constructs every X_ii)
``domestic_clipped``       constructed and set to the floor f × exports (output data below exports)
``domestic_repaired``      ITPD-E's X_ii of the base year lies on the low-coverage side of a break: X_ii of the
                           last full-coverage year scaled by output growth
                           (:func:`gravity.panel.repair.repair_base_domestic`)
``domestic_low_share_constructed``  X_ii below 10% of output where the value-added construction says otherwise:
                           the construction is used (:func:`gravity.panel.repair.domestic_share_check`)
``filled_cow``             0 in ITPD-E but reported by the importer in COW: filled
                           (:func:`gravity.panel.repair.fill_zero_links`)

References
----------
Borchert, I., Larch, M., Shikher, S. & Yotov, Y. V. (2021). The International Trade and Production
Database for Estimation (ITPD-E). *International Economics* 166: 140–166.
Yotov, Y. V., Piermartini, R., Monteiro, J.-A. & Larch, M. (2016). *An Advanced Guide to Trade Policy
Analysis: The Structural Gravity Model*, ch. 2. WTO/UNCTAD.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from gravity.ge.errors import GEInputError
from gravity.scenario.baseline import ValueAddedMethod, domestic_flows, value_added

CELL_FLAGS = (
    "itpde",
    "itpde_mirror",
    "zero",
    "filled_cow",
    "domestic_itpde",
    "domestic_itpde_break",
    "domestic_repaired",
    "domestic_constructed",
    "domestic_clipped",
    "domestic_low_share_constructed",
)
DOMESTIC_VARIANTS = {
    "itpde": "ITPD-E's domestic flows, constructed only where missing or 0",
    "constructed": "domestic flows constructed for every country (κ × value added − exports)",
}


@dataclass
class GETable:
    """A square flow table for the GE and how each country's row was obtained.

    Attributes
    ----------
    flows : DataFrame
        ``exporter, importer, trade, flag`` (n² rows, exporter-major in the order of ``countries``).
    countries : list of str
        Sorted ISO3 codes.
    per_country : DataFrame
        By ISO3: exports, imports, domestic, domestic_source, coverage_break (and its years), output (Σ_j X_ij),
        expenditure (Σ_i X_ij), deficit_pct_output (E − Y in % of Y), gdp (WDI, US$), mirror_export_share (of
        exports known only from importers' reports: ITPD-E mirror flows and links filled from COW), and with
        ``share_floor`` domestic_share and share_flag.
    excluded : DataFrame
        iso3, reason, trade (international flows lost, US$), share_of_trade.
    variant : str
        A key of :data:`DOMESTIC_VARIANTS`.
    """

    flows: pd.DataFrame
    countries: list[str]
    per_country: pd.DataFrame
    excluded: pd.DataFrame
    variant: str
    share_check: pd.DataFrame | None = None
    fills: pd.DataFrame | None = None
    repaired: pd.DataFrame | None = None

    def flag_counts(self) -> pd.Series:
        """Cells per flag of :data:`CELL_FLAGS` (zeros included)."""
        return self.flows["flag"].value_counts().reindex(CELL_FLAGS, fill_value=0)


def itpde_table(
    base_rows: pd.DataFrame,
    output: pd.DataFrame,
    *,
    variant: str = "itpde",
    method: ValueAddedMethod = "industry",
    multiplier: float = 3.0,
    floor_share: float = 0.1,
    breaks: dict[str, list[int]] | None = None,
    repaired: pd.DataFrame | None = None,
    fill=None,
    share_floor: float | None = None,
) -> GETable:
    """The base-year GE table from an ITPD-E panel year.

    X_ij (i ≠ j) is ITPD-E's flow (0 where it records none). X_ii is ITPD-E's where it is > 0 and
    ``variant == "itpde"``; otherwise X_ii = κ·VA_i − Σ_{j≠i} X_ij with the floor f·Σ_{j≠i} X_ij
    (:func:`gravity.scenario.baseline.domestic_flows`). A country enters only if its value added is known
    (so that both variants have the same countries) and it trades.

    Parameters
    ----------
    base_rows : DataFrame
        One year of :func:`gravity.panel.itpde.itpde_panel` (``exporter, importer, trade, domestic_missing,
        coverage_break, mirror_only``), exporter/importer as str.
    output : DataFrame
        :func:`gravity.scenario.baseline.output_data` for the year.
    variant : {"itpde", "constructed"}
        See :data:`DOMESTIC_VARIANTS`.
    method : {"industry", "manufacturing"}
        Value added behind constructed domestic flows (:func:`gravity.scenario.baseline.value_added`).
    multiplier, floor_share : float
        κ and f.
    breaks : dict of str to list of int, optional
        Years of ITPD-E domestic coverage breaks per country (``attrs["coverage_breaks"]`` of the panel);
        default: the ``coverage_break`` cells of ``base_rows``. A country with a break keeps ITPD-E's X_ii
        (flag ``domestic_itpde_break``) unless ``repaired`` says it is on the low-coverage side.
    repaired : DataFrame, optional
        :func:`gravity.panel.repair.repair_base_domestic` of the base year: X_ii flagged ``domestic_repaired``
        replaces ITPD-E's (variant ``itpde``); ``domestic_unrepairable`` is constructed.
    fill : callable, optional
        ``flows -> (flows, table)`` filling zero international links from another source
        (:func:`gravity.panel.repair.fill_zero_links` bound to its reports), applied before X_ii is
        constructed; the table is kept as ``fills``.
    share_floor : float, optional
        Domestic share of output below which X_ii is replaced by the construction unless the construction
        is also below it (:func:`gravity.panel.repair.domestic_share_check`); the check is ``share_check``.

    Returns
    -------
    GETable

    Raises
    ------
    GEInputError
        Unknown variant, or a frame lacking the columns named above.
    """
    if variant not in DOMESTIC_VARIANTS:
        raise GEInputError(f"variant={variant!r}; use one of {list(DOMESTIC_VARIANTS)}")
    need = {"exporter", "importer", "trade", "domestic_missing", "coverage_break", "mirror_only"} - set(base_rows)
    if need:
        raise GEInputError(
            f"itpde_table: base_rows lacks {sorted(need)}; pass a year of gravity.panel.itpde.itpde_panel"
        )
    rows = base_rows[["exporter", "importer", "trade", "domestic_missing", "coverage_break", "mirror_only"]].copy()
    intl = rows[rows["exporter"] != rows["importer"]]
    cand = sorted(set(rows["exporter"]))
    va = value_added(output.reindex(cand), method)["value_added"]
    exp_all = intl.groupby("exporter")["trade"].sum(min_count=1).reindex(cand).fillna(0.0)
    imp_all = intl.groupby("importer")["trade"].sum(min_count=1).reindex(cand).fillna(0.0)
    tot = float(intl["trade"].fillna(0.0).sum())
    reasons = {}
    for c in cand:
        if not va.get(c, np.nan) > 0:
            reasons[c] = "no GDP / industry value added in WDI for the year (domestic flow cannot be constructed)"
        elif not (exp_all[c] > 0 and imp_all[c] > 0):
            reasons[c] = "no international exports or imports in ITPD-E for the year"
    kept = [c for c in cand if c not in reasons]
    lost = [float(intl.loc[(intl.exporter == c) | (intl.importer == c), "trade"].fillna(0.0).sum()) for c in reasons]
    excluded = pd.DataFrame({"iso3": list(reasons), "reason": list(reasons.values()), "trade": lost})
    excluded["share_of_trade"] = excluded["trade"] / tot if tot > 0 else 0.0

    grid = pd.MultiIndex.from_product([kept, kept], names=["exporter", "importer"]).to_frame(index=False)
    tab = grid.merge(rows, on=["exporter", "importer"], how="left")
    dom = (tab["exporter"] == tab["importer"]).to_numpy()
    tv = tab["trade"].to_numpy(float).copy()
    tv[~dom & ~(tv > 0)] = 0.0
    mirror = tab["mirror_only"].fillna(False).to_numpy(bool)
    flag = np.where(tv > 0, np.where(mirror, "itpde_mirror", "itpde"), "zero").astype(object)
    fills = None
    if fill is not None:
        intl_f = pd.DataFrame(
            {
                "exporter": tab["exporter"].to_numpy(),
                "importer": tab["importer"].to_numpy(),
                "trade": np.where(dom, 0.0, tv),
                "flag": flag,
            }
        )
        intl_f, fills = fill(intl_f)
        hit = (intl_f["flag"].to_numpy() != flag) & ~dom
        tv[hit] = intl_f["trade"].to_numpy(float)[hit]
        flag[hit] = intl_f["flag"].to_numpy()[hit]
    exports = pd.Series(np.where(dom, 0.0, tv), index=tab.index).groupby(tab["exporter"]).sum().reindex(kept)
    imports = pd.Series(np.where(dom, 0.0, tv), index=tab.index).groupby(tab["importer"]).sum().reindex(kept)
    built = domestic_flows(exports, va.reindex(kept), multiplier=multiplier, floor_share=floor_share)
    d = tab.loc[dom, ["exporter", "trade", "coverage_break"]].set_index("exporter")
    if breaks is not None:
        d["coverage_break"] = [bool(breaks.get(c)) for c in d.index]
    observed = d["trade"].where(d["trade"] > 0) if variant == "itpde" else pd.Series(np.nan, index=d.index)
    rep_flag = pd.Series("", index=d.index, dtype=object)
    if repaired is not None and variant == "itpde":
        r = repaired.set_index("iso3").reindex(d.index)
        fixed = (r["flag"] == "domestic_repaired").to_numpy()
        observed = observed.where(~fixed, r["domestic_repaired"])
        observed = observed.where(~(r["flag"] == "domestic_unrepairable").to_numpy())
        rep_flag[fixed] = "domestic_repaired"
    use_obs = observed.notna()
    xii = observed.where(use_obs, built["domestic"])
    src = np.where(
        use_obs,
        np.where(
            rep_flag != "",
            rep_flag,
            np.where(d["coverage_break"].fillna(False).astype(bool), "domestic_itpde_break", "domestic_itpde"),
        ),
        np.where(built["clipped"].reindex(d.index).to_numpy(bool), "domestic_clipped", "domestic_constructed"),
    )
    share = None
    if share_floor is not None:
        from gravity.panel.repair import domestic_share_check

        ex_d = exports.reindex(d.index)
        share = domestic_share_check(
            pd.DataFrame({"domestic": xii, "output": xii + ex_d}, index=d.index),
            low=share_floor,
            constructed=built["domestic"].reindex(d.index),
        )
        swap = (share["flag"] == "low_share_replaced").to_numpy()
        xii = xii.where(~swap, share["replacement"].to_numpy())
        src = np.where(swap, "domestic_low_share_constructed", src)
        share["source_before"] = np.where(swap, "replaced", "kept")
    tv[dom] = xii.reindex(tab.loc[dom, "exporter"]).to_numpy(float)
    flag[dom] = pd.Series(src, index=d.index).reindex(tab.loc[dom, "exporter"]).to_numpy()
    flows = pd.DataFrame(
        {"exporter": tab["exporter"].to_numpy(), "importer": tab["importer"].to_numpy(), "trade": tv, "flag": flag}
    )
    X = tv.reshape(len(kept), len(kept))
    on_reports = np.isin(flag, ["itpde_mirror", "filled_cow"])  # known only from an importer's report
    mirror_exp = pd.Series(np.where(on_reports, tv, 0.0)).groupby(flows["exporter"]).sum().reindex(kept)
    per = pd.DataFrame(
        {
            "exports": exports.to_numpy(),
            "imports": imports.to_numpy(),
            "domestic": np.diag(X),
            "domestic_source": pd.Series(src, index=d.index).reindex(kept).to_numpy(),
            "coverage_break": d["coverage_break"].reindex(kept).fillna(False).astype(bool).to_numpy(),
            "output": X.sum(axis=1),
            "expenditure": X.sum(axis=0),
            "gdp": output["gdp"].reindex(kept).to_numpy(float),
            "coverage_break_years": [", ".join(map(str, (breaks or {}).get(c, []))) for c in kept],
        },
        index=pd.Index(kept, name="iso3"),
    )
    per["deficit_pct_output"] = (per["expenditure"] - per["output"]) / per["output"] * 100.0
    with np.errstate(divide="ignore", invalid="ignore"):
        per["mirror_export_share"] = mirror_exp.to_numpy() / per["exports"].to_numpy()
    if share is not None:
        per["domestic_share"] = (per["domestic"] / per["output"]).to_numpy()
        per["share_flag"] = share.set_index("iso3")["flag"].reindex(kept).to_numpy()
    return GETable(flows, kept, per, excluded, variant, share, fills)
