"""Data recipes for Yotov, Piermartini, Monteiro & Larch (2016), *An Advanced Guide to Trade Policy
Analysis: The Structural Gravity Model* (WTO/UNCTAD): the registered raw files → the variables the
book's specifications use, and the book's own per-country GE results.

Each recipe is named in a replication file (``data = "yotov2016_ch1"``, ``recipe =
"yotov2016_ch2_trade_without_borders"``) and registered in :mod:`gravity.jobs.replicate.runners`.

References
----------
Yotov, Y. V., Piermartini, R., Monteiro, J.-A. & Larch, M. (2016). *An Advanced Guide to Trade Policy
Analysis: The Structural Gravity Model*. WTO/UNCTAD. Companion code: pachadotdev/tradepolicy.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from gravity.data.registry import load
from gravity.estimation.multi import only_fit
from gravity.estimation.ppml import ppml
from gravity.ge.baseline import Baseline, trade_costs
from gravity.jobs.replicate.spec import GECase


def yotov2016_ch1_data() -> pd.DataFrame:
    """Chapter 1 data as the tradepolicy companion builds it (Yotov et al. 2016, ch. 1, pp. 41-48).

    From ``agtpa_applications`` (69 countries, domestic flows included), years 1986, 1990, …, 2006:

    * ``log_trade = ln X_ij,t`` (NaN where X = 0; the OLS samples keep trade > 0), ``log_dist = ln DIST_ij``;
    * ``Y_i,t = Σ_j X_ij,t`` and ``E_j,t = Σ_i X_ij,t`` over *all* partners including the domestic flow,
      ``log_y``, ``log_e``;
    * remoteness ``REM_EXP_i,t = Σ_j DIST_ij / (E_j,t / E_t)`` and ``REM_IMP_j,t = Σ_i DIST_ij / (Y_i,t / Y_t)``
      (sums over all partners, domestic included; E_t, Y_t world totals) and their logs;
    * ``exp_year``, ``imp_year``: exporter-year and importer-year identifiers;
    * ``log_dist_YYYY = ln DIST_ij · 1[t = YYYY] · 1[i ≠ j]``, ``smctry = 1[i = j]``,
      ``log_dist_intra = ln DIST_ii · smctry``, ``intra_pairXXX = 1[i = j = XXX]`` and
      ``intra_pairinter = 1[i ≠ j]`` (the companion's factor ``intra_pair``; its reference level, the
      first in alphabetical order, is ARG's domestic pair);
    * ``intl_brdr``: one level per domestic pair and one for all international pairs;
      ``pair_id_2``: the pair id with all domestic pairs merged into one level;
      ``intl_border_YYYY = 1[i ≠ j] · 1[t = YYYY]``; ``sum_trade`` = Σ_t X_ij,t per pair.

    Returns
    -------
    pandas.DataFrame
        69 × 69 pairs × 6 years (28,566 rows): the raw columns plus the variables above.

    Raises
    ------
    gravity.data.registry.DataUnavailableError
        ``yotov2016/agtpa_applications.rda`` is neither cached nor downloadable.
    """
    raw = load("yotov2016/agtpa_applications.rda")
    years = list(range(1986, 2007, 4))
    d = raw[raw["year"].isin(years)].reset_index(drop=True).copy()
    d["year"] = d["year"].astype(int)
    d["pair_id"] = d["pair_id"].astype(int)
    for c in ("cntg", "lang", "clny", "rta", "rta_lag4", "rta_lag8", "rta_lag12", "rta_lead4"):
        d[c] = d[c].astype(float)
    trade = d["trade"].to_numpy()
    d["log_trade"] = np.log(np.where(trade > 0, trade, np.nan))
    d["log_dist"] = np.log(d["dist"])
    d["y"] = d.groupby(["exporter", "year"])["trade"].transform("sum")
    d["e"] = d.groupby(["importer", "year"])["trade"].transform("sum")
    d["log_y"], d["log_e"] = np.log(d["y"]), np.log(d["e"])
    world_e = d.groupby("year")["trade"].transform("sum")  # E_t = Y_t = world expenditure
    d["log_remoteness_exp"] = np.log(
        (d["dist"] * world_e / d["e"]).groupby([d["exporter"], d["year"]]).transform("sum")
    )
    d["log_remoteness_imp"] = np.log(
        (d["dist"] * world_e / d["y"]).groupby([d["importer"], d["year"]]).transform("sum")
    )
    d["exp_year"] = d["exporter"] + d["year"].astype(str)
    d["imp_year"] = d["importer"] + d["year"].astype(str)
    same = (d["exporter"] == d["importer"]).to_numpy()
    is_year = {t: (d["year"] == t).to_numpy() for t in years}
    new: dict[str, np.ndarray] = {"smctry": same.astype(float)}
    for t in years:
        new[f"log_dist_{t}"] = np.where(is_year[t] & ~same, d["log_dist"], 0.0)
        new[f"intl_border_{t}"] = (is_year[t] & ~same).astype(float)
    new["log_dist_intra"] = d["log_dist"].to_numpy() * same
    exporter = d["exporter"].to_numpy()
    for c in sorted(d["exporter"].unique()):
        new[f"intra_pair{c}"] = (same & (exporter == c)).astype(float)
    new["intra_pairinter"] = (~same).astype(float)
    pair = d["pair_id"].astype(str).to_numpy()
    new["intl_brdr"] = np.where(same, pair, "inter")
    new["pair_id_2"] = np.where(same, "0-intra", pair)
    new["sum_trade"] = d.groupby("pair_id")["trade"].transform("sum").to_numpy()
    d = pd.concat([d, pd.DataFrame(new, index=d.index)], axis=1)
    return d


def yotov2016_ch2_trade_without_borders(sigma: float, reference: str) -> GECase:
    """Ch. 2 Application 1 (``TradeWithoutBorder.do``): 2006, domestic flows included.

    PPML ``trade ~ ln_DIST + CNTG + INTL_BRDR | exporter + importer`` (robust SE);
    t_ij^{1−σ} = exp(β_DIST ln DIST_ij + β_CNTG CNTG_ij + β_BRDR INTL_BRDR_ij); the counterfactual
    sets INTL_BRDR = 0 (no international borders).

    Parameters
    ----------
    sigma : float
        Elasticity of substitution σ.
    reference : str
        Country whose inward multilateral resistance is normalised to one.

    Returns
    -------
    GECase
        The PPML fit, the 2006 baseline and the no-border costs (changes baseline → counterfactual).
    """
    d = load("yotov2016/Chapter2Application1.dta")
    x = d[d["year"] == 2006].copy()
    x["ln_DIST"] = np.log(x["DIST"])
    x["INTL_BRDR"] = (x["exporter"] != x["importer"]).astype(float)
    fit = ppml("trade ~ ln_DIST + CNTG + INTL_BRDR | exporter + importer", x)
    beta = fit.params[["ln_DIST", "CNTG", "INTL_BRDR"]]
    base = Baseline.from_trade(x, sigma=sigma, costs=trade_costs(x, beta), reference=reference)
    new = trade_costs(x.assign(INTL_BRDR=0.0), beta)
    return GECase({"PPML, exporter + importer FE (2006)": fit}, base, new, "baseline_to_counterfactual")


def yotov2016_ch2_removing_nafta(sigma: float, reference: str) -> GECase:
    """Ch. 2 Application 2 (``RTAsEffects.do``): the effects of NAFTA, 1994 baseline.

    Stage 1: PPML ``trade ~ RTA | exporter^year + importer^year + pair`` on 1986, 1990, …, 2006
    (``pair`` = pair_id, one level for all domestic pairs) gives β_RTA and pair effects γ_ij.
    Stage 2: PPML of t_ij = exp(γ_ij) on ln DIST, CNTG, LANG, CLNY with exporter and importer FE
    (international pairs, 1994; SE clustered by pair_id) predicts γ for the pairs that never trade.
    Baseline t^{1−σ} = t̄_ij exp(β_RTA RTA_ij); the counterfactual sets RTA = 0 among USA, CAN, MEX.
    The book reports NAFTA's effect, i.e. from the no-NAFTA world to the baseline.

    Parameters
    ----------
    sigma : float
        Elasticity of substitution σ.
    reference : str
        Country whose inward multilateral resistance is normalised to one.

    Returns
    -------
    GECase
        Both PPML stages, the 1994 baseline and the no-NAFTA costs (changes counterfactual → baseline).
    """
    years = list(range(1986, 2007, 4))
    nafta = {"USA", "CAN", "MEX"}
    d = load("yotov2016/Chapter2Application2.dta")
    d = d[d["year"].isin(years)].copy()
    d["ln_DIST"] = np.log(d["DIST"])
    d["pair"] = np.where(d["exporter"] == d["importer"], -1.0, d["pair_id"])
    stage1 = only_fit(ppml("trade ~ RTA | exporter^year + importer^year + pair", d))
    b_rta = float(stage1.params["RTA"])
    gamma = stage1.fixef()["pair"]
    total = d.groupby("pair")["trade"].sum()
    never = set(total.index[total == 0])
    x = d[d["year"] == 1994].copy()
    x["tij"] = np.exp(x["pair"].map(gamma))
    x.loc[x["pair"].isin(never), "tij"] = np.nan
    intl = x[(x["exporter"] != x["importer"]) & x["tij"].notna()]
    stage2 = only_fit(ppml("tij ~ ln_DIST + CNTG + LANG + CLNY | exporter + importer", intl, cluster="pair_id"))
    tij_bar = x["tij"].fillna(stage2.predict(newdata=x))
    members = x["exporter"].isin(nafta) & x["importer"].isin(nafta) & (x["exporter"] != x["importer"])
    x["cost"] = tij_bar * np.exp(b_rta * x["RTA"])
    new = pd.Series(
        (tij_bar * np.exp(b_rta * np.where(members, 0.0, x["RTA"]))).to_numpy(),
        index=pd.MultiIndex.from_arrays([x["exporter"], x["importer"]]),
    )
    base = Baseline.from_trade(x, sigma=sigma, costs="cost", reference=reference)
    return GECase(
        {"Stage 1: PPML, three-way FE (1986-2006)": stage1, "Stage 2: PPML of exp(pair FE), 1994": stage2},
        base,
        new,
        "counterfactual_to_baseline",
    )


def _book_results(prod_key: str, cons_key: str, sigma: float, flip: bool) -> pd.DataFrame:
    """The book's per-country result files; real GDP change from its Y and IMR: Y / IMR^{1/(1−σ)}.

    ``flip``: the file reports the change from the counterfactual (``*_FULL``) to the baseline
    (``*_BLN``), as the NAFTA application does; real GDP follows the same direction.
    """
    book = load(prod_key).set_index("country").join(load(cons_key).set_index("country"))
    e = 1.0 / (1.0 - sigma)
    full, bln = book.Y_FULL / book.IMR_FULL**e, book.Y_BLN / book.IMR_BLN**e
    book["change_rGDP_FULL"] = ((bln / full if flip else full / bln) - 1) * 100
    return book
