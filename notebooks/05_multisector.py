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
# # Sectors and supply chains: a Russia–Turkey goods corridor in the Caliendo–Parro model on WIOD
#
# A one-sector GE cannot say which sectors gain, and misses the input-output loop: cheaper imported
# parts lower the cost of everything made with them. The Caliendo & Parro (2015) model has both. In
# changes (exact hat algebra), with unit costs $\hat c_n^j$ of the input bundle, sectoral prices
# $\hat P_n^j$ and sector elasticities $\theta_j$:
#
# $$\hat c_n^j = \hat w_n^{\gamma_n^j}\prod_k (\hat P_n^k)^{\gamma_n^{k,j}}, \qquad
#   \hat P_n^j = \Big[\sum_i \pi_{ni}^j (\hat d_{ni}^j \hat c_i^j)^{-\theta_j}\Big]^{-1/\theta_j}.$$
#
# The baseline is one year of the World Input-Output Database (2013 release, `wiod2013/wiot_2011.RData`): 40 countries + rest of the
# world × 35 industries, with domestic flows, input-output shares and value added. Russia and Turkey are
# the only ECO-relevant economies in WIOD (Central Asia is inside RoW). The scenario: a uniform 5% cut
# in the iceberg costs of goods (c1–c16) traded between them, both directions.

# %%
import numpy as np
import pandas as pd

import gravity as gv
from gravity.ge.multisector import iceberg_cut, theta_draws
from gravity.ge.onesector_gap import one_sector_gap
from gravity.panel.io_tables import WIOD_GOODS, wiod_io_table

pd.set_option("display.width", 140)
base = gv.ge.MultiSectorBaseline.from_table(wiod_io_table(2011))
print(base.n_regions, "regions ×", base.n_sectors, "industries;", base.meta["units"])
neg = base.meta["negative_cells"]
print("negative inventory cells set to 0:", neg["changes in inventories and valuables"], "| largest:", neg["largest"])
pd.Series(base.meta["theta_source"]).head(16)

# %% [markdown]
# Trade elasticities: WIOD has no estimates of its own here. Goods industries take Caliendo & Parro's θ
# (the mean where one WIOD industry covers several CP sectors), services the value the CP data give every
# service sector (8.22). The data are an equilibrium of the model: re-solving the baseline gives it back.

# %%
res0 = gv.ge.solve_multisector(base)
print("baseline gap:", res0.convergence["baseline_gap"], "| largest change with no shock:",
      float(np.abs(res0.countries.to_numpy()).max()))

# %%
shock = iceberg_cut(base, ["RUS", "TUR"], sectors=WIOD_GOODS, cut=0.05)
res = gv.ge.solve_multisector(base, iceberg=shock, deficits="additive")
print(res)
cols = ["welfare", "tot", "vot", "tech", "real_gdp_full", "exports_full", "imports_full"]
res.countries.loc[["RUS", "TUR", "DEU", "CHN", "USA", "RoW"], cols].round(4)

# %% [markdown]
# The columns a one-sector result has carry the same names here (`real_gdp_full` is real GDP, the real
# wage ŵ/P̂ in this model; `exports_full`, `imports_full`; `deficits="additive"` keeps each deficit as a share
# of world output, as in `gv.ge.solve`). Welfare (CP eq. 24, % of income) splits into terms of trade, volume
# of trade (0 here: WIOD has no tariffs) and the technical efficiency of the cheaper imports. By sector, for
# Turkey:

# %%
tur = res.sectors.loc["TUR"].assign(industry=lambda x: x.index.map(base.meta["industries"]))
tur.sort_values("exports", ascending=False).head(10).round(3)

# %%
rus = res.sectors.loc["RUS"].assign(industry=lambda x: x.index.map(base.meta["industries"]))
rus.sort_values("tot", ascending=False).head(8).round(4)

# %% [markdown]
# ## What a one-sector model leaves out
# The same shock in a one-sector Armington GE (gravity.ge.solve on the aggregate flows, σ − 1 the
# trade-weighted harmonic mean of the θ_j cut) and in the multi-sector model without input-output
# linkages. The ratio — income-weighted over Russia and Turkey — is what the corridor report quotes.

# %%
gap = one_sector_gap(base, shock)
print(f"theta_bar {gap.theta_bar:.2f}; many/one without IO {gap.ratio_no_io:.2f}, with IO {gap.ratio:.2f}")
gap.table.loc[["RUS", "TUR"]].round(4)

# %% [markdown]
# ## How much the elasticities matter
# θ draws (log-normal around the baseline θ, s = 0.25), each solved through the execution layer; each draw's
# random stream comes from (seed, draw), so the result does not depend on where the draws run.

# %%
dr = theta_draws(base, iceberg=shock, draws=8, seed=1, level=0.9, workers=0, progress=False)
dr.table("welfare").loc[["RUS", "TUR"]].round(4)
