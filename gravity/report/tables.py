"""Regression tables economists paste into papers: several results side by side.

``gv.regtable([ols_fit, ppml_fit], names=["OLS", "PPML"])`` returns a :class:`RegressionTable`; its
``to_markdown()``, ``to_latex()`` and ``to_html()`` give the same table in three formats::

    |            | (1) OLS      | (2) PPML     |
    |------------|--------------|--------------|
    | log_dist   | -1.2156***   | -0.8409***   |
    |            | (0.0376)     | (0.0317)     |
    | N          | 25,689       | 28,152       |
    | exp_year   | Yes          | Yes          |
    | R²         | 0.843        |              |
    | Pseudo R²  |              | 0.588        |

Coefficients carry stars for p < 0.10 (*), 0.05 (**), 0.01 (***) from each result's own ``pvalues``;
standard errors are in parentheses below. Any object with ``params``, ``bse``, ``pvalues`` and ``nobs``
works (gravity's OLS and PPML results, statsmodels results); fixed effects are read from
``fixed_effects`` / ``fe_names`` / ``spec.fe_names`` and fit statistics from ``rsquared`` or
``pseudo_rsquared`` when present.
"""

from __future__ import annotations

import html
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from gravity.report import format as fmt
from gravity.report.errors import ReportError

STARS = ((0.01, "***"), (0.05, "**"), (0.10, "*"))


def _fe_names(res) -> list[str]:
    for attr in ("fixed_effects", "fe_names"):
        v = getattr(res, attr, None)
        if v is not None and not callable(v):
            return ["^".join(t) if isinstance(t, (tuple, list)) else str(t) for t in v]
    spec = getattr(res, "spec", None)
    if spec is not None and hasattr(spec, "fe_names"):
        return list(spec.fe_names)
    return []


def _get(res, *names):
    for n in names:
        v = getattr(res, n, None)
        if v is not None:
            v = v() if callable(v) else v
            try:
                v = float(v)
            except (TypeError, ValueError):
                continue
            if np.isfinite(v):
                return v
    return None


def _estimator(res) -> str:
    e = getattr(res, "estimator", None)
    if isinstance(e, str):
        return e
    name = type(res).__name__.lower()
    return "PPML" if ("ppml" in name or "poisson" in name) else ("OLS" if "ols" in name or "regression" in name else "")


def _se_label(res) -> str:
    cl = getattr(res, "cluster", None)
    if isinstance(cl, str):
        cl = [cl]
    if cl:
        return "cluster: " + " & ".join(map(str, cl))
    v = getattr(res, "vcov_type", None) or getattr(res, "cov_type", None)
    return str(v) if v else ""


def stars(p: float, levels=STARS) -> str:
    """'***' for p < 0.01, '**' for p < 0.05, '*' for p < 0.10, '' otherwise (or NaN)."""
    if p is None or not np.isfinite(p):
        return ""
    for cut, mark in levels:
        if p < cut:
            return mark
    return ""


@dataclass
class RegressionTable:
    """A table of ``columns`` (one per result). ``body`` rows are variables: (coef cell, se cell);
    ``footer`` rows are statistics. Render with :meth:`to_markdown`, :meth:`to_latex`, :meth:`to_html`."""

    columns: list[str]
    variables: list[str]
    labels: dict[str, str]
    coef: pd.DataFrame  # strings "-1.2156***" ('' when the variable is absent)
    se: pd.DataFrame  # strings "(0.0376)"
    footer: pd.DataFrame  # index: statistic labels
    notes: list[str]

    @property
    def frame(self) -> pd.DataFrame:
        """Long table of cells: two rows per variable (coefficient, standard error), then footer."""
        rows, idx = [], []
        for v in self.variables:
            rows.append(self.coef.loc[v].tolist())
            idx.append(self.labels.get(v, v))
            rows.append(self.se.loc[v].tolist())
            idx.append("")
        for lab, r in self.footer.iterrows():
            rows.append(r.tolist())
            idx.append(lab)
        return pd.DataFrame(rows, index=idx, columns=self.columns)

    def to_markdown(self) -> str:
        """The table as markdown (centred value columns), notes below."""
        out = fmt.to_markdown(self.frame, index=True, padded=False, align="center")
        if self.notes:
            out += "\n\n" + " ".join(self.notes)
        return out

    def to_latex(self, caption: str | None = None, label: str | None = None) -> str:
        """The table as a LaTeX ``table`` float; a rule between coefficients and statistics."""
        return fmt.to_latex(
            self.frame,
            index=True,
            caption=caption,
            label=label,
            rule_before=2 * len(self.variables),
            notes=" ".join(self.notes),
        )

    def to_html(self) -> str:
        """The table as html (class ``regtable``); notes in a small paragraph below."""
        out = fmt.to_html(self.frame, index=True, classes="regtable", rule_before=2 * len(self.variables))
        if self.notes:
            out += "\n" + f"<p><small>{html.escape(' '.join(self.notes))}</small></p>"
        return out

    def _repr_html_(self) -> str:
        return self.to_html()

    def __str__(self) -> str:
        return self.to_markdown()


def regtable(
    results: Sequence | Mapping,
    *,
    names: Sequence[str] | None = None,
    digits: int = 4,
    keep: Sequence[str] | None = None,
    labels: Mapping[str, str] | None = None,
    stat_digits: int = 3,
    notes: bool = True,
) -> RegressionTable:
    """Put results side by side.

    Parameters
    ----------
    results : list of fitted results (a multiple-estimation ``FitList`` counts as its columns), or a
        mapping name → result.
    names : column titles (default: the estimator name, e.g. "OLS", "PPML"); columns are numbered.
    digits : decimals of coefficients and standard errors (4 as in Yotov et al. 2016).
    keep : variables to show, in this order (default: the union in order of appearance; the
        intercept last).
    labels : display names for variables (``{"log_dist": "ln DIST"}``).
    """
    if isinstance(results, Mapping):
        names = list(results.keys()) if names is None else list(names)
        results = list(results.values())
    # a multiple estimation (gravity.estimation.multi.FitList: a list with labels) gives its columns
    results = [m for r in results for m in (r if isinstance(r, list) and hasattr(r, "labels") else [r])]
    if not results:
        raise ReportError("regtable needs at least one result")
    for i, r in enumerate(results):
        for attr in ("params", "bse", "pvalues", "nobs"):
            if not hasattr(r, attr):
                raise ReportError(f"result {i} ({type(r).__name__}) has no {attr!r}; pass fitted results")
    if names is None:
        names = [_estimator(r) for r in results]
    if len(names) != len(results):
        raise ReportError(f"{len(names)} names for {len(results)} results")
    cols = [f"({i + 1}) {n}".rstrip() for i, n in enumerate(names)]
    labels = dict(labels or {})

    if keep is None:
        seen: dict[str, None] = {}
        for r in results:
            for v in pd.Series(r.params).index:
                seen.setdefault(str(v), None)
        variables = [v for v in seen if v not in ("Intercept", "const")] + [
            v for v in seen if v in ("Intercept", "const")
        ]
    else:
        variables = list(keep)

    coef = pd.DataFrame("", index=variables, columns=cols, dtype=object)
    se = pd.DataFrame("", index=variables, columns=cols, dtype=object)
    for c, r in zip(cols, results):
        b, s, p = (pd.Series(r.params), pd.Series(r.bse), pd.Series(r.pvalues))
        b.index = b.index.map(str)
        s.index = s.index.map(str)
        p.index = p.index.map(str)
        for v in variables:
            if v in b.index:
                coef.loc[v, c] = f"{b[v]:.{digits}f}{stars(float(p[v]))}"
                se.loc[v, c] = f"({s[v]:.{digits}f})" if np.isfinite(s[v]) else ""

    fes_all: dict[str, None] = {}
    for r in results:
        for f in _fe_names(r):
            fes_all.setdefault(f, None)
    foot: dict[str, list[str]] = {"N": [f"{int(r.nobs):,}" for r in results]}
    for f in fes_all:
        foot[f"FE: {f}"] = ["Yes" if f in _fe_names(r) else "No" for r in results]
    r2 = [_get(r, "rsquared") if _estimator(r) != "PPML" else None for r in results]
    pr2 = [_get(r, "pseudo_rsquared", "prsquared") for r in results]
    if any(v is not None for v in r2):
        foot["R²"] = ["" if v is None else f"{v:.{stat_digits}f}" for v in r2]
    if any(v is not None for v in pr2):
        foot["Pseudo R²"] = ["" if v is None else f"{v:.{stat_digits}f}" for v in pr2]
    se_lab = [_se_label(r) for r in results]
    if any(se_lab):
        foot["Std. errors"] = se_lab
    footer = pd.DataFrame(foot, index=cols).T
    note = ["Standard errors in parentheses. * p<0.10, ** p<0.05, *** p<0.01."] if notes else []
    return RegressionTable(cols, variables, labels, coef, se, footer, note)
