# ---
# jupyter:
#   jupytext:
#     text_representation:
#       extension: .py
#       format_name: percent
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% [markdown]
# # ECO digital corridors: from the model file to the ministry's table
#
# The whole analysis lives in `models/eco_digital_corridor.toml`: the sample, how each regressor is
# built, the PPML specifications (with what each coefficient identifies and cannot), σ, the number of
# draws, and the three scenarios — (a) internet use raised to the ECO frontier, (b) an ECO-wide
# agreement with trade-facilitation provisions, (c) both.
#
# `gravity corridor models/eco_digital_corridor.toml --out results/eco` runs it on every country. This
# notebook runs the *same pipeline* on a reduced sample (ECO members and a few large partners, few
# draws) so that it executes in seconds; the numbers are therefore illustrative, not the headline.

# %%
import tempfile
from pathlib import Path

import pandas as pd

import gravity as gv

pd.set_option("display.width", 160)
pd.set_option("display.max_columns", 12)

# the model file of this clone, wherever the notebook runs from (the repository root, notebooks/, elsewhere)
MODEL = next(p for p in (Path("models"), Path("..") / "models", Path(gv.__file__).resolve().parents[1] / "models")
             if (p / "eco_digital_corridor.toml").exists()) / "eco_digital_corridor.toml"
cfg = gv.load_corridor(MODEL)  # validated before any data is read
print(cfg.headline.formula)
print([s.name for s in cfg.scenarios], "sigma =", cfg.ge.sigma)

# %% [markdown]
# A bad file stops before any estimation and names the line to fix:

# %%
bad = Path(tempfile.mkdtemp()) / "bad.toml"
bad.write_text(MODEL.read_text().replace('members = ["ECO"]', 'members = ["ECO", "XYZ"]', 1))
try:
    gv.load_corridor(bad)
except gv.ScenarioFileError as err:
    print(err)

# %% [markdown]
# ## A reduced run
# ECO members plus a few partners, the 5 waves, the headline, the column without the development control
# and the landlocked-penalty column, 12 parametric draws (the full run uses every specification, the
# annual years and the draw count of the model file).

# %%
small = gv.corridor.reduced(cfg, list(cfg.groups["ECO"]) + ["RUS", "CHN", "DEU", "USA", "IND", "ARE", "ITA", "GEO"],
                            draws=12, years=[2000, 2004, 2008, 2012, 2016],
                            specifications=("border", "landlocked_penalty"))
out = Path(tempfile.mkdtemp()) / "eco"
res = gv.corridor.run(small, out, progress=False)
print(gv.corridor.summary(res))

# %% [markdown]
# ## The estimates behind the scenarios
# Internet use enters as ln(1 + internet) x INTL, identified against domestic flows; with and without
# the development control ln GDP per capita x INTL. The landlocked elasticity is the lincom of the two terms.

# %%
co = res.coefficients
co[co["term"].str.contains("internet|gdp_pc|landlocked")].pivot(index="term", columns="label", values="estimate").round(3)

# %%
res.tables["Elasticities"][["label", "country_type", "estimate", "se", "lo", "hi"]].round(3)

# %% [markdown]
# ## The seed question and the brief's table

# %%
res.tables["Offset"][["label", "elasticity_landlocked", "penalty", "answer"]]

# %%
res.tables["Brief"].round(3)

# %% [markdown]
# ## The baseline: observed ITPD-E flows, domestic flows constructed only where missing

# %%
print(res.ge.table.flag_counts())
res.tables["Deficit rules"].round(3)
