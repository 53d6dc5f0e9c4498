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
# # Border effects by industry: sector-level gravity on WIOD with domestic flows
#
# Borders do not cost every industry the same. With domestic flows in the sample, the structural
# gravity equation of each sector s (Yotov et al. 2016, ch. 1, with a sector index)
#
# $$X^s_{ij,t} = \exp\left(\beta^s_1 \ln DIST_{ij} + \beta^s_2 CNTG_{ij} + \beta^s_3 INTL\_BRDR_{ij}
#   + \pi^s_{i,t} + \chi^s_{j,t}\right)\cdot\varepsilon^s_{ij,t}$$
#
# identifies the border effect $\beta^s_3$: how much less $i$ sells to $j \ne i$ than to itself, once
# distance, contiguity and the multilateral resistances (exporter-year and importer-year fixed effects)
# are held fixed. One PPML per industry, fitted through the execution layer (`by="sector"`).
#
# Data: the World Input-Output Database, 2013 release (Timmer et al. 2015): 40 countries + rest of the
# world × 35 industries. The flow of sector s from $i$ to $j$ is everything $j$ uses of it (intermediate
# use by all of $j$'s industries plus $j$'s final demand), so the domestic flow $X^s_{ii}$ is in the
# same table. A few industries and three years keep this notebook fast; `iter_wiod_sectors` streams
# any number of them one sector at a time.

# %%
import logging

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

import gravity as gv
from gravity.data.readers.wiod import WIOD_INDUSTRIES, iter_wiod_sectors

pd.set_option("display.width", 140)
YEARS = [2000, 2005, 2010]                   # wiod2013/wiot_2000.RData, wiod2013/wiot_2005.RData, wiod2013/wiot_2010.RData
SECTORS = ["c1", "c3", "c9", "c14", "c15", "c28"]
{s: WIOD_INDUSTRIES[s] for s in SECTORS}

# %% [markdown]
# ## 1. Sector-level flows with domestic flows
#
# Each year's table is read once, reduced to the chosen sectors and released; negative flows (changes
# in inventories recorded as negative final demand) are set to 0 and flagged, never silently.

# %%
flows = pd.concat([frame for _, frame in iter_wiod_sectors(YEARS, sectors=SECTORS)], ignore_index=True)
print(f"{len(flows):,} rows; flagged: {flows.flag.value_counts().to_dict()}")
dom = flows[flows.exporter == flows.importer].groupby("sector").trade.sum() / flows.groupby("sector").trade.sum()
dom.rename("domestic share").to_frame().T.round(3)

# %% [markdown]
# ## 2. Geography, and the rest of the world
#
# Distance and contiguity come from CEPII's GeoDist (`cepii-geodist/dist_cepii.rda`), including the
# internal distance of each country for its domestic flow. `RoW` is an aggregate of every other country
# (Central Asia among them) and has no geography: its rows are dropped, with the share of trade they carry.

# %%
geo = gv.data.read_geodist()[["exporter", "importer", "dist", "contig"]]
d = flows.merge(geo, on=["exporter", "importer"], how="left")
row = (d.exporter == "RoW") | (d.importer == "RoW")
assert d.loc[~row, "dist"].notna().all(), "a WIOD country without GeoDist distances"
logging.getLogger("gravity.notebook").warning("dropped %d RoW rows (%.1f%% of trade): the rest of the world has no "
                                      "distance or contiguity", row.sum(), 100 * d.trade[row].sum() / d.trade.sum())
d = d[~row].assign(ln_dist=lambda x: np.log(x.dist),
                   INTL_BRDR=lambda x: (x.exporter != x.importer).astype(float),
                   pair=lambda x: x.exporter + "-" + x.importer)
len(d), d.exporter.nunique()

# %% [markdown]
# ## 3. One PPML per industry
#
# `gv.ppml(..., by="sector")` fits the equation above on each sector's rows (each fit equals the fit on
# that sector alone) and returns the fits with a tidy frame of coefficients; a sector that cannot be
# estimated would be listed in `fits.failed` with its reason. Standard errors are clustered by pair.

# %%
fits = gv.ppml("trade ~ ln_dist + contig + INTL_BRDR | exporter^year + importer^year", d, by="sector",
               cluster="pair")
print(fits)
tidy = fits.tidy()
table = tidy.pivot(index="sector", columns="term", values="estimate").loc[SECTORS]
se = tidy.pivot(index="sector", columns="term", values="se").loc[SECTORS]
out = table.round(3).astype(str) + " (" + se.round(3).astype(str) + ")"
out.insert(0, "industry", [WIOD_INDUSTRIES[s] for s in out.index])
out["nobs"] = tidy.groupby("sector").nobs.first().loc[SECTORS]
out

# %% [markdown]
# The same columns as a regression table:

# %%
gv.regtable(fits, digits=3)

# %% [markdown]
# ## 4. Border effects by industry
#
# $e^{-\beta^s_3}$ is the factor by which crossing an international border divides sector-s trade.
# Financial intermediation and agriculture are far more local than manufactures (borders divide their
# trade by about 190 and 90 in these years); electrical and optical equipment, the most traded, faces
# the smallest border effect (about 4), chemicals and transport equipment come next.

# %%
border = tidy[tidy.term == "INTL_BRDR"].set_index("sector").loc[SECTORS]
factor = np.exp(-border.estimate)
lo, hi = np.exp(-(border.estimate + 1.96 * border.se)), np.exp(-(border.estimate - 1.96 * border.se))
fig, ax = plt.subplots(figsize=(7, 3.2))
ax.barh([WIOD_INDUSTRIES[s].split(" (")[0] for s in SECTORS], factor,
        xerr=[factor - lo, hi - factor], color="#4a7ab5")
ax.set_xscale("log")
ax.set_xlabel("domestic trade / international trade, same distance (e^{−β_INTL_BRDR}, 95% CI)")
ax.set_title(f"WIOD border effects by industry, {YEARS[0]}–{YEARS[-1]}")
fig.tight_layout()
factor.rename("border divides trade by").round(1).to_frame().T
