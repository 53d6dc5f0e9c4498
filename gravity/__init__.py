"""gravity: structural gravity for trade ministries.

data → panel → estimate → scenario → ge → report. This module re-exports the public API only.
"""
from gravity import datasets
from gravity.datasets import load
from gravity import countries  # ISO3 harmonisation, landlocked, memberships (issue 4)
from gravity.datasets import load_indicators  # long country-year indicators (issue 4)
from gravity.panel import build_panel, PanelValidationError  # square panel (issue 4)
from gravity.corridor_data import corridor_panel, corridor_coverage  # digital-corridor panel (issue 4)
from gravity.coverage import coverage_report, write_coverage  # coverage table + heat map (issue 4)
from gravity.estimation import ppml, parse_formula  # PPML-HDFE (issue 2, part 3)
from gravity.estimation.ols import ols  # log-linear OLS with absorbed FE (issue 5)
from gravity.report.tables import regtable  # regression tables (issue 5)
from gravity.replicate import run as run_replication  # `gravity replicate NAME` from Python (issue 5)
from gravity.scenario import load_config as load_corridor, ScenarioFileError  # corridor files (issue 6)
from gravity import corridor  # ECO digital-corridor pipeline: gv.corridor.run(model, out) (issue 6)
from gravity import ge  # GE counterfactuals (issue 3): gv.ge.Baseline, gv.ge.solve, ...
from gravity.ge import solve as solve_ge  # noqa: E402  (issue 3)

__version__ = "0.1.0"
