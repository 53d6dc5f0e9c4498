# ---
# jupyter:
#   jupytext:
#     formats: py:percent
#     text_representation:
#       extension: .py
#       format_name: percent
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% [markdown]
# # Gravity in ten minutes
#
# The structural gravity equation (Yotov, Piermartini, Monteiro & Larch 2016, eq. 1-5) explains the
# flow from exporter *i* to importer *j* in year *t* as
#
# $$X_{ij,t} = \exp\left(\pi_{i,t} + \chi_{j,t} + \beta_1 \ln DIST_{ij} + \beta_2 CNTG_{ij} + \beta_3 LANG_{ij} + \beta_4 CLNY_{ij}\right)\,\varepsilon_{ij,t},$$
#
# where the exporter-year and importer-year fixed effects $\pi_{i,t}$ and $\chi_{j,t}$ absorb the
# multilateral resistances. This notebook goes from a raw file to a regression table and a
# coefficient plot in five steps: **load → panel → estimate → table → plot**.
#
# Data: the book's 69-country panel (`yotov2016/agtpa_applications.rda`, with domestic flows),
# fetched and verified by `gravity.data` (`gravity data` shows where each file comes from).

# %%
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

import gravity as gv

pd.set_option("display.width", 120)

# %% [markdown]
# ## 1. Load
# `gv.data.read_yotov` returns a tidy frame: `exporter, importer, year, trade` plus the file's own
# pair covariates. The book uses 1986, 1990, …, 2006; to keep this notebook quick we take the last three
# of those years.

# %%
raw = gv.data.read_yotov("yotov2016/agtpa_applications.rda")
print(gv.data.citation("yotov2016/agtpa_applications.rda"))
raw.head()

# %% [markdown]
# ## 2. Build the square panel
# `gv.build_panel` makes every exporter × importer × year cell explicit and says why any flow is
# missing. The book's Romania code `ROM` is not ISO3, so the panel refuses it until we harmonise:

# %%
for side in ("exporter", "importer"):
    raw[side] = gv.data.countries.to_iso3(raw[side])
panel = gv.build_panel(raw, years=[1998, 2002, 2006])
panel["ln_dist"] = np.log(panel["dist"])
panel["exp_year"] = panel["exporter"].astype(str) + panel["year"].astype(str)
panel["imp_year"] = panel["importer"].astype(str) + panel["year"].astype(str)
print(panel.attrs["n_countries"], "countries,", len(panel), "cells")
panel["flow_status"].value_counts().loc[lambda s: s > 0]

# %% [markdown]
# ## 3. Estimate
# Two estimators on international pairs, with exporter-year and importer-year fixed effects and
# standard errors clustered by country pair (the book's choice):
#
# * **OLS** on $\ln X_{ij,t}$ — drops the zero flows (it has to: $\ln 0$ is undefined);
# * **PPML** on $X_{ij,t}$ in levels — keeps the zeros and is consistent under heteroskedasticity
#   (Santos Silva & Tenreyro 2006). This is the estimator the toolkit is built around.

# %%
intl = panel[panel["exporter"] != panel["importer"]].copy()
positive = intl[intl["trade"] > 0].copy()
positive["ln_trade"] = np.log(positive["trade"])

ols = gv.ols("ln_trade ~ ln_dist + cntg + lang + clny | exp_year + imp_year", positive, cluster="pair_id")
ppml = gv.ppml("trade ~ ln_dist + cntg + lang + clny | exp_year + imp_year", intl, cluster="pair_id")
print(ppml.summary())

# %% [markdown]
# ## 4. Read the table
# `gv.regtable` puts results side by side — coefficients with stars, standard errors in parentheses,
# N, the fixed effects used, R² / pseudo R² — and renders as markdown, LaTeX (`to_latex()`) or html
# (the notebook shows the html).

# %%
table = gv.regtable({"OLS (ln X)": ols, "PPML (X)": ppml},
                    labels={"ln_dist": "ln DIST", "cntg": "CNTG", "lang": "LANG", "clny": "CLNY"})
table

# %%
print(table.to_latex(caption="Traditional gravity, 1998-2006", label="tab:gravity"))

# %% [markdown]
# The distance elasticity is smaller in absolute value under PPML than under OLS (about −0.8 against
# −1.2 in the book's Table 1), the classic sign that the log-linear model is biased by
# heteroskedasticity and by dropping zeros. A quick check that the two fits are what we think:

# %%
assert ols.nobs == len(positive) and ppml.nobs <= len(intl)
assert -1.4 < ols.params["ln_dist"] < -1.0 and -1.0 < ppml.params["ln_dist"] < -0.7
print(f"OLS used {ols.nobs:,} positive flows; PPML used {ppml.nobs:,} flows including zeros")

# %% [markdown]
# ## 5. Plot coefficients with 95% confidence intervals

# %%
names = ["ln_dist", "cntg", "lang", "clny"]
fig, ax = plt.subplots(figsize=(7, 3.5))
for k, (label, res, colour) in enumerate([("OLS", ols, "tab:gray"), ("PPML", ppml, "tab:blue")]):
    ci = res.conf_int().loc[names].to_numpy()
    y = np.arange(len(names)) + (0.15 if k else -0.15)
    b = res.params[names].to_numpy()
    ax.errorbar(b, y, xerr=[b - ci[:, 0], ci[:, 1] - b], fmt="o", color=colour, capsize=3, label=label)
ax.axvline(0, color="black", lw=0.8)
ax.set_yticks(range(len(names)), ["ln DIST", "contiguity", "common language", "colony"])
ax.invert_yaxis()
ax.set_xlabel("coefficient (95% CI, pair-clustered)")
ax.set_title("Gravity coefficients, 69 countries, 1998-2006")
ax.legend()
fig.tight_layout()

# %% [markdown]
# **Next**: `02_beta_to_welfare.py` turns an estimated trade-cost coefficient into general-equilibrium
# changes in exports and real income, with confidence intervals; `gravity replicate yotov2016-ch1`
# reproduces the book's Tables 1-3 number by number.
