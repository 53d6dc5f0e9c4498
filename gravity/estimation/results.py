"""Estimation results: one base class for PPML and OLS, shaped like statsmodels' results.

:class:`EstimationResults` holds the slopes β̂ (``params``) and their covariance V̂ (``cov_params()``)
and derives, lazily (cached on first use), ``bse`` = √diag V̂, ``tvalues`` = β̂/se, two-sided
``pvalues``, ``conf_int(alpha)``, and the linear-hypothesis tools

* :meth:`~EstimationResults.lincom` — θ = Σ_k w_k β_k with the delta-method (here exact)
  se(θ̂) = √(w'V̂w), its statistic θ̂/se, p-value and interval;
* :meth:`~EstimationResults.t_test` — each row of R β = q on its own (``"a + b = 0"`` strings or an
  R matrix), as statsmodels' ``t_test``;
* :meth:`~EstimationResults.wald_test` — all rows jointly: W = (Rβ̂ − q)'(R V̂ R')⁻¹(Rβ̂ − q), referred
  to χ²(m) (normal inference) or W/m to F(m, df) (Student-t inference), as statsmodels' ``wald_test``.

PPML uses the normal reference distribution (Stata ``ppml``, ppmlhdfe); OLS uses Student-t with
``df_inference`` degrees of freedom (G − 1 when clustered, N − K otherwise).

:class:`PPMLResults` — results of :func:`gravity.ppml`. Goodness of fit:

* ``deviance`` = 2 Σ v_i [y_i ln(y_i/μ_i) − (y_i − μ_i)];
* ``llf`` = Σ v_i [y_i ln μ_i − μ_i − ln Γ(y_i + 1)] (Poisson log-likelihood, non-integer y allowed);
* ``llnull`` = the same for the constant-only model with the same offset;
* ``pseudo_rsquared`` = 1 − llf/llnull (McFadden; what ppmlhdfe reports as "Pseudo R2");
* ``rsquared_corr`` = corr(y, μ)² (what Stata ``ppml`` reports as "R-squared").

Fixed effects (:meth:`PPMLResults.fixef`): α_k[g] such that η_i = o_i + x_i'β + Σ_k α_k[g_k(i)].
They are identified only up to normalisation. Convention: the first effect is left free; every
other effect k has, in each connected component of the bipartite graph (levels of effect 1 –
levels of effect k, linked by observations), one reference level set to 0 and its value moved to
effect 1. The reference is the level named in ``reference`` (for an interaction such as
``importer^year`` a bare value matches the first variable, e.g. ``"DEU"`` picks ``(DEU, t)`` in every
year t), else the first level in sorted order. With two effects (e.g. ``exporter^year +
importer^year``) this makes the importer effects multilateral resistances relative to the reference
importer in each year (Yotov et al. 2016, ch. 2: P_ref,t = 1). With three or more effects the
values solve the model but are not unique beyond this normalisation; predictions always are.

References
----------
Santos Silva, J. M. C. & Tenreyro, S. (2006). The log of gravity. Review of Economics and Statistics
88(4), 641–658.
Correia, S., Guimarães, P. & Zylkin, T. (2020). Fast Poisson estimation with high-dimensional fixed
effects. Stata Journal 20(1), 95–115.
Yotov, Y. V., Piermartini, R., Monteiro, J.-A. & Larch, M. (2016). An Advanced Guide to Trade Policy
Analysis: The Structural Gravity Model. WTO/UNCTAD.
"""

from __future__ import annotations

import copy
import html
import logging
import re
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cached_property
from typing import Literal

import numpy as np
import pandas as pd
from scipy import sparse
from scipy.sparse.csgraph import connected_components

# Φ, Φ⁻¹, Student-t, χ² and F tails without importing scipy.stats (1.5 s)
from scipy.special import chdtrc, fdtrc, gammaln, ndtr, ndtri, stdtr, stdtrit

from gravity.errors import GravityError
from gravity.estimation._kernels import demean_columns, group_weights
from gravity.estimation.demean import fe_offsets
from gravity.estimation.errors import EstimationError
from gravity.estimation.formula import cluster_codes, cluster_columns, parse_vcov
from gravity.estimation.scaling import column_scales, pow2_scale
from gravity.estimation.vcov import SSC, resolve_ssc, resolve_type, sandwich, ssc_label
from gravity.options import validator

log = logging.getLogger("gravity.estimation")

__all__ = [
    "EstimationResults",
    "PPMLResults",
    "Summary",
    "LinearCombination",
    "ContrastResults",
    "WaldTestResults",
    "HypothesisError",
    "Inference",
    "FitRows",
]


PredictType = Literal["response", "link"]
"""What :meth:`PPMLResults.predict` returns: μ = exp(η) (``"response"``) or η (``"link"``)."""
check_predict_type = validator(PredictType, "type", EstimationError)


class HypothesisError(GravityError, ValueError):
    """A linear hypothesis (``lincom``/``t_test``/``wald_test``) names an unknown coefficient or
    cannot be read; the message names the term and the coefficients available."""


class Summary:
    """The summary of a fit, rendered as text, HTML or LaTeX (as statsmodels' ``Summary``).

    A title, a list of (label, value) lines about the fit (formula, sample, standard errors, goodness of
    fit) and the coefficient table (coef, std err, z or t, p-value, 95% interval), each number shown with
    ``digits`` decimals. ``str(summary)`` / :meth:`as_text` give the text box, :meth:`as_html` an HTML table
    (what notebooks show, :meth:`_repr_html_`), :meth:`as_latex` a LaTeX ``tabular`` for a paper.

    Parameters
    ----------
    title : str
    info : sequence of (str, str)
        Labels and values, in order.
    coefs : DataFrame
        One row per coefficient (the columns as shown).
    digits : int
        Decimals of the coefficient table.
    """

    def __init__(self, title: str, info, coefs: pd.DataFrame, *, digits: int = 6):
        self.title = title
        self.info = [(str(k), str(v)) for k, v in info]
        self.coefs = coefs
        self.digits = int(digits)

    def _cell(self, x) -> str:
        return f"{x:.{self.digits}f}" if isinstance(x, (float, np.floating)) else str(x)

    def as_text(self) -> str:
        """The summary as a plain-text box."""
        lines = [self.title] + [f"{k + ':':<15} {v}" for k, v in self.info]
        body = (
            self.coefs.to_string(float_format=lambda x: f"{x: .{self.digits}f}")
            if len(self.coefs)
            else "(no slope coefficients)"
        )
        rule = "=" * max(len(line) for line in body.splitlines() + lines)
        return "\n".join([rule, *lines, rule, body, rule])

    def as_html(self) -> str:
        """The summary as an HTML table (well-formed: it parses as XML)."""
        e = html.escape
        head = "".join(
            f'<tr><th style="text-align:left">{e(k)}</th><td style="text-align:left">{e(v)}</td></tr>'
            for k, v in self.info
        )
        cols = "".join(f"<th>{e(str(c))}</th>" for c in self.coefs.columns)
        rows = "".join(
            '<tr><th style="text-align:left">'
            + e(str(name))
            + "</th>"
            + "".join(f"<td>{e(self._cell(x))}</td>" for x in row)
            + "</tr>"
            for name, row in zip(self.coefs.index, self.coefs.itertuples(index=False))
        )
        return (
            f'<div class="gravity-summary"><table><caption>{e(self.title)}</caption><tbody>{head}</tbody>'
            f"</table><table><thead><tr><th></th>{cols}</tr></thead><tbody>{rows}</tbody></table></div>"
        )

    def as_latex(self) -> str:
        """The summary as a LaTeX ``tabular`` (booktabs rules), special characters escaped."""
        k = len(self.coefs.columns)
        x = _latex_escape
        lines = [
            r"\begin{tabular}{l" + "r" * k + "}",
            r"\toprule",
            rf"\multicolumn{{{k + 1}}}{{l}}{{{x(self.title)}}} \\",
        ]
        lines += [rf"\multicolumn{{{k + 1}}}{{l}}{{{x(a)}: {x(b)}}} \\" for a, b in self.info]
        lines += [r"\midrule", " & " + " & ".join(x(str(c)) for c in self.coefs.columns) + r" \\", r"\midrule"]
        lines += [
            x(str(name)) + " & " + " & ".join(x(self._cell(v)) for v in row) + r" \\"
            for name, row in zip(self.coefs.index, self.coefs.itertuples(index=False))
        ]
        lines += [r"\bottomrule", r"\end{tabular}"]
        return "\n".join(lines)

    def __str__(self) -> str:
        return self.as_text()

    def __repr__(self) -> str:
        return self.as_text()

    def _repr_html_(self) -> str:
        return self.as_html()


_LATEX = {
    "\\": r"\textbackslash{}",
    "&": r"\&",
    "%": r"\%",
    "$": r"\$",
    "#": r"\#",
    "_": r"\_",
    "{": r"\{",
    "}": r"\}",
    "~": r"\textasciitilde{}",
    "^": r"\textasciicircum{}",
    "<": r"\textless{}",
    ">": r"\textgreater{}",
    "|": r"\textbar{}",
}


def _latex_escape(text: str) -> str:
    """``text`` with LaTeX's special characters escaped."""
    return "".join(_LATEX.get(c, c) for c in text)


@dataclass(frozen=True)
class LinearCombination:
    """θ = Σ_k w_k β_k estimated by :meth:`EstimationResults.lincom`.

    Attributes
    ----------
    terms : tuple of (str, float)
        (coefficient name, weight w_k) pairs.
    estimate, se, stat, pvalue : float
        θ̂, √(w'V̂w), θ̂/se and the two-sided p-value.
    level : float
        Default confidence level of :meth:`conf_int`.
    df : int or None
        Degrees of freedom of the Student-t reference; None for the normal.
    """

    terms: tuple
    estimate: float
    se: float
    stat: float
    pvalue: float
    level: float = 0.95
    df: int | None = None

    def conf_int(self, level: float | None = None) -> tuple[float, float]:
        """(lo, hi) = θ̂ ∓ q·se, q the (1 + level)/2 quantile of the reference distribution."""
        level = self.level if level is None else _check_level(level)
        q = ndtri(0.5 + level / 2) if self.df is None else stdtrit(self.df, 0.5 + level / 2)
        return self.estimate - q * self.se, self.estimate + q * self.se

    def __str__(self) -> str:
        lo, hi = self.conf_int()
        name = " + ".join(t if w == 1 else f"{w:g}*{t}" for t, w in self.terms)
        return (
            f"{name} = {self.estimate:.6f} (se {self.se:.6f}, {'z' if self.df is None else 't'} "
            f"{self.stat:.3f}, p {self.pvalue:.4f}; {self.level:.0%} CI [{lo:.6f}, {hi:.6f}])"
        )


def _check_level(level, name: str = "level") -> float:
    """A confidence level strictly between 0 and 1 (``level=95`` used to give (nan, nan))."""
    ok = (
        isinstance(level, (int, float, np.integer, np.floating))
        and not isinstance(level, bool)
        and np.isfinite(level)
        and 0 < level < 1
    )
    if not ok:
        hint = (
            f" (a percentage? use {name}={level / 100:g})"
            if isinstance(level, (int, float)) and not isinstance(level, bool) and 1 < level < 100
            else ""
        )
        example = "alpha=0.05 (95% intervals)" if name == "alpha" else "level=0.95"
        raise HypothesisError(f"{name}={level!r} is not a probability between 0 and 1{hint}. Fix: e.g. {example}")
    return float(level)


@dataclass(frozen=True, eq=False)
class ContrastResults:
    """Row-by-row tests of R β = q (:meth:`EstimationResults.t_test`).

    Attributes
    ----------
    effect, sd, statistic, pvalue : numpy.ndarray, shape (m,)
        Rβ̂, √diag(R V̂ R'), (Rβ̂ − q)/sd and the two-sided p-values.
    q : numpy.ndarray, shape (m,)
    df : int or None
        Student-t degrees of freedom; None for the normal.
    names : tuple of str
        The hypotheses as written (or ``"c0"``, ``"c1"``, … for a matrix).
    """

    effect: np.ndarray
    sd: np.ndarray
    statistic: np.ndarray
    pvalue: np.ndarray
    q: np.ndarray
    df: int | None
    names: tuple

    def conf_int(self, alpha: float = 0.05) -> np.ndarray:
        """(m × 2) interval for Rβ: effect ∓ quantile(1 − alpha/2) · sd."""
        z = ndtri(1 - alpha / 2) if self.df is None else stdtrit(self.df, 1 - alpha / 2)
        return np.column_stack([self.effect - z * self.sd, self.effect + z * self.sd])

    def summary_frame(self, alpha: float = 0.05) -> pd.DataFrame:
        """One row per hypothesis: coef, std err, z|t, P>|z|, interval bounds."""
        ci = self.conf_int(alpha)
        s = "z" if self.df is None else "t"
        return pd.DataFrame(
            {
                "coef": self.effect,
                "std err": self.sd,
                s: self.statistic,
                f"P>|{s}|": self.pvalue,
                "lower": ci[:, 0],
                "upper": ci[:, 1],
            },
            index=list(self.names),
        )

    def __str__(self) -> str:
        return self.summary_frame().to_string(float_format=lambda x: f"{x: .6f}")


@dataclass(frozen=True)
class WaldTestResults:
    """Joint test of R β = q (:meth:`EstimationResults.wald_test`).

    Attributes
    ----------
    statistic : float
        W (χ² form) or W/m (F form).
    pvalue : float
    df_num : int
        m, the number of restrictions.
    df_denom : int or None
        Denominator df of the F form; None for χ².
    distribution : {"chi2", "F"}
    """

    statistic: float
    pvalue: float
    df_num: int
    df_denom: int | None
    distribution: str

    def __str__(self) -> str:
        d = f"chi2({self.df_num})" if self.df_denom is None else f"F({self.df_num}, {self.df_denom})"
        return f"Wald test: {d} = {self.statistic:.6g}, p = {self.pvalue:.4g}"


_TOKEN = re.compile(
    r"\s*(?:(?P<num>(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?)|(?P<name>[A-Za-z_][A-Za-z0-9_.]*)"
    r"|(?P<op>[-+*=]))"
)


def _parse_side(text: str, names: list[str], full: str) -> tuple[np.ndarray, float]:
    """Coefficient row and constant of one side of a hypothesis: a sum of terms c*name, name*c,
    name, c (with signs)."""
    row = np.zeros(len(names))
    const = 0.0
    pos, n = 0, len(text)
    toks = []
    while pos < n:
        if text[pos:].strip() == "":
            break
        m = _TOKEN.match(text, pos)
        if not m or m.end() == pos:
            raise HypothesisError(
                f"cannot read {text[pos:].strip()!r} in hypothesis {full!r}: write sums "
                f"of coefficient names with optional numeric factors, e.g. 'a + 2*b = 0'"
            )
        kind = m.lastgroup or ""
        toks.append((kind, m.group(kind)))
        pos = m.end()
    i = 0
    if not toks:
        raise HypothesisError(f"empty side in hypothesis {full!r}")
    while i < len(toks):
        sign = 1.0
        while i < len(toks) and toks[i][0] == "op" and toks[i][1] in "+-":
            sign = -sign if toks[i][1] == "-" else sign
            i += 1
        factor, name = sign, None
        expect_operand = True
        while i < len(toks):
            kind, val = toks[i]
            if expect_operand:
                if kind == "num":
                    factor *= float(val)
                elif kind == "name":
                    if name is not None:
                        raise HypothesisError(f"hypothesis {full!r} multiplies two coefficients; it must be linear")
                    name = val
                else:
                    raise HypothesisError(f"unexpected {val!r} in hypothesis {full!r}")
                expect_operand = False
                i += 1
            elif kind == "op" and val == "*":
                expect_operand = True
                i += 1
            else:
                break
        if expect_operand:
            raise HypothesisError(f"hypothesis {full!r} ends with an operator")
        if i < len(toks) and not (toks[i][0] == "op" and toks[i][1] in "+-"):
            raise HypothesisError(f"unexpected {toks[i][1]!r} in hypothesis {full!r}")
        if name is None:
            const += factor
        else:
            if name not in names:
                raise HypothesisError(
                    f"{name!r} in hypothesis {full!r} is not a coefficient of this model; coefficients: {names}"
                )
            row[names.index(name)] += factor
    return row, const


def _restrictions(r_matrix, q, names: list[str]) -> tuple[np.ndarray, np.ndarray, tuple]:
    """R (m × p), q (m,) and labels from a string ("a + b = 0, c = 0") or an array."""
    if isinstance(r_matrix, str):
        rows, qs, labels = [], [], []
        for part in r_matrix.split(","):
            part = part.strip()
            if not part:
                raise HypothesisError(f"empty hypothesis in {r_matrix!r}")
            sides = part.split("=")
            if len(sides) > 2:
                raise HypothesisError(f"hypothesis {part!r} has more than one '='")
            lr, lc = _parse_side(sides[0], names, part)
            rr, rc = _parse_side(sides[1], names, part) if len(sides) == 2 else (np.zeros(len(names)), 0.0)
            rows.append(lr - rr)
            qs.append(rc - lc)
            labels.append(part)
        if q is not None:
            raise HypothesisError("give q= only with an R matrix; a string hypothesis carries its own constants")
        return np.vstack(rows), np.asarray(qs, dtype=float), tuple(labels)
    R = np.atleast_2d(np.asarray(r_matrix, dtype=float))
    if R.shape[1] != len(names):
        raise HypothesisError(f"R has {R.shape[1]} columns but the model has {len(names)} coefficients {names}")
    qv = np.zeros(R.shape[0]) if q is None else np.atleast_1d(np.asarray(q, dtype=float))
    if qv.shape != (R.shape[0],):
        raise HypothesisError(f"q has shape {qv.shape}; it needs one value per row of R ({R.shape[0]})")
    return R, qv, tuple(f"c{j}" for j in range(R.shape[0]))


class EstimationResults:
    """Base of the results of :func:`gravity.ppml` and :func:`gravity.ols` (module docstring).

    Subclasses provide ``params`` (Series of β̂), ``_vcov`` (the p × p array V̂) and, for Student-t
    inference, ``use_t = True`` and ``df_inference``. Statistics are computed on first use.
    """

    use_t = False
    _se_name, _stat_name, _p_name = "std err", "z", "P>|z|"
    params: pd.Series
    _vcov: np.ndarray
    sample: pd.DataFrame  # None only on a compact result (PPMLResults.compact)

    def summary(self) -> Summary:
        """The fit in a table (:class:`Summary`: text, HTML, LaTeX)."""
        raise NotImplementedError(f"{type(self).__name__} defines no summary")

    @property
    def df_inference(self) -> int | None:
        """Degrees of freedom of the Student-t reference distribution (None: normal)."""
        return None

    def _two_sided(self, stat: np.ndarray) -> np.ndarray:
        a = -np.abs(stat)
        return 2 * (stdtr(self.df_inference, a) if self.use_t else ndtr(a))

    def _quantile(self, prob: float) -> float:
        return stdtrit(self.df_inference, prob) if self.use_t else ndtri(prob)

    # ---- statsmodels-style accessors -------------------------------------------------------
    def cov_params(self) -> pd.DataFrame:
        """V̂ as a DataFrame indexed by coefficient name (rows and columns)."""
        names = self.params.index
        return pd.DataFrame(self._vcov, index=names, columns=names)

    @cached_property
    def bse(self) -> pd.Series:
        """Standard errors √diag V̂."""
        V = self._vcov
        se = np.sqrt(np.diag(V)) if V.size else np.zeros(0)
        return pd.Series(se, index=self.params.index, name=self._se_name, dtype=float)

    @cached_property
    def tvalues(self) -> pd.Series:
        """β̂ / se (z for PPML, t for OLS)."""
        with np.errstate(divide="ignore", invalid="ignore"):
            t = self.params.to_numpy() / self.bse.to_numpy()
        return pd.Series(t, index=self.params.index, name=self._stat_name, dtype=float)

    @cached_property
    def pvalues(self) -> pd.Series:
        """Two-sided p-values of β_k = 0."""
        return pd.Series(
            self._two_sided(self.tvalues.to_numpy()), index=self.params.index, name=self._p_name, dtype=float
        )

    def conf_int(self, alpha: float = 0.05) -> pd.DataFrame:
        """(1 − alpha) intervals β̂ ∓ q·se, q the 1 − alpha/2 quantile; columns 0 and 1."""
        _check_level(alpha, name="alpha")
        q = self._quantile(1 - alpha / 2)
        return pd.DataFrame({0: self.params - q * self.bse, 1: self.params + q * self.bse})

    # ---- linear hypotheses -----------------------------------------------------------------
    def lincom(self, terms, level: float = 0.95) -> LinearCombination:
        """Estimate θ = Σ_k w_k β_k with se(θ̂) = √(w'V̂w) (Stata ``lincom``).

        Parameters
        ----------
        terms : sequence of str, or mapping str → float
            Coefficient names (every weight 1), or names with their weights w_k.
        level : float
            Confidence level of the interval returned by ``.conf_int()``.

        Returns
        -------
        LinearCombination
            ``.estimate``, ``.se``, ``.stat``, ``.pvalue``, ``.conf_int()`` → (lo, hi), ``.terms``.

        Raises
        ------
        HypothesisError
            A name that is not a coefficient (the message lists them), or no terms.
        """
        _check_level(level)
        if isinstance(terms, str):
            terms = [terms]
        if isinstance(terms, Mapping):
            names = list(terms)
            w = np.asarray([float(terms[k]) for k in names], dtype=float)
        else:
            names = list(terms)
            w = np.ones(len(names))
        if not names:
            raise HypothesisError("lincom needs at least one coefficient name")
        unknown = [k for k in names if k not in self.params.index]
        if unknown:
            raise HypothesisError(
                f"lincom: {unknown} are not coefficients of this model; coefficients: {list(self.params.index)}"
            )
        est = float((self.params[names] * w).sum())
        Vsub = self.cov_params().loc[names, names].to_numpy()
        P = Vsub.copy(order="K")  # keep the memory order: with w = 1 this sums as Vsub.sum()
        P *= np.outer(w, w)
        se = float(np.sqrt(P.sum()))
        with np.errstate(divide="ignore", invalid="ignore"):
            stat = est / se
        return LinearCombination(
            terms=tuple(zip(names, w.tolist())),
            estimate=est,
            se=se,
            stat=stat,
            pvalue=float(self._two_sided(np.asarray(stat))),
            level=level,
            df=self.df_inference if self.use_t else None,
        )

    def t_test(self, r_matrix, q=None) -> ContrastResults:
        """Test each restriction of R β = q separately (statsmodels ``t_test``).

        Parameters
        ----------
        r_matrix : str or array_like
            ``"a + b = 0"`` / ``"a = b, c = 0"`` (comma-separated restrictions; a side without ``=``
            is set to 0), or an R matrix (m × p, columns in ``params`` order).
        q : array_like, optional
            Right-hand side for a matrix R (default 0).

        Returns
        -------
        ContrastResults
            effect Rβ̂, sd √diag(RV̂R'), statistic (Rβ̂ − q)/sd, two-sided p-values, ``conf_int()``.

        Raises
        ------
        HypothesisError
            Unknown name, unreadable hypothesis, or R/q of the wrong shape.
        """
        R, qv, labels = _restrictions(r_matrix, q, list(self.params.index))
        b = self.params.to_numpy()
        effect = R @ b
        sd = np.sqrt(np.diag(R @ self._vcov @ R.T))
        with np.errstate(divide="ignore", invalid="ignore"):
            stat = (effect - qv) / sd
        return ContrastResults(
            effect=effect,
            sd=sd,
            statistic=stat,
            pvalue=self._two_sided(stat),
            q=qv,
            df=self.df_inference if self.use_t else None,
            names=labels,
        )

    def wald_test(self, r_matrix, q=None) -> WaldTestResults:
        """Joint Wald test of R β = q: W = (Rβ̂ − q)'(R V̂ R')⁻¹(Rβ̂ − q).

        W is referred to χ²(m) under normal inference (PPML); under Student-t inference (OLS) W/m is
        referred to F(m, ``df_inference``), as statsmodels' ``wald_test`` does by default.

        Parameters
        ----------
        r_matrix, q
            As in :meth:`t_test`.

        Returns
        -------
        WaldTestResults

        Raises
        ------
        HypothesisError
            As :meth:`t_test`; also when R V̂ R' is singular (redundant restrictions).
        """
        R, qv, _ = _restrictions(r_matrix, q, list(self.params.index))
        d = R @ self.params.to_numpy() - qv
        M = R @ self._vcov @ R.T
        try:
            W = float(d @ np.linalg.solve(M, d))
        except np.linalg.LinAlgError as exc:
            raise HypothesisError(
                "R V R' is singular: the restrictions are redundant or involve "
                "coefficients without variance; drop the redundant rows"
            ) from exc
        m = R.shape[0]
        if self.use_t:
            F = W / m
            return WaldTestResults(F, float(fdtrc(m, self.df_inference, F)), m, self.df_inference, "F")
        return WaldTestResults(W, float(chdtrc(m, W)), m, None, "chi2")

    # ---- covariance switch ------------------------------------------------------------------
    def vcov(self, vcov, *, ssc=None, data=None) -> EstimationResults:
        """The same estimates with another covariance, as a new results object (the fit is not
        changed; pyfixest's ``Feols.vcov`` updates in place instead).

        V̂ is recomputed from the stored bread H⁻¹ and scores s_i through the one sandwich of
        :mod:`gravity.estimation.vcov`, so the result equals fitting with ``vcov=`` from the start.

        Parameters
        ----------
        vcov : str or dict
            ``"iid"``, ``"hetero"`` (``"HC1"``, ``"robust"``), ``{"CRV1": "pair"}``, two-way
            ``{"CRV1": "exporter+importer"}``, or ``{"CRV1": "exporter^importer"}`` (each pair).
        ssc : str or SSC, optional
            Small-sample correction (default: the fit's).
        data : pandas.DataFrame, optional
            Frame to read cluster columns from (default: the frame the model was fitted on, by
            position of the used rows); it must have the fitted frame's rows.

        Returns
        -------
        EstimationResults
            Same class, ``params`` and sample; new ``cov_params()``, ``bse``, ``vcov_type``, clusters.

        Raises
        ------
        ValueError
            Unknown type, a cluster column absent or missing in used rows, a single cluster, or a
            result that kept no design (built by hand).
        """
        v, cl = parse_vcov(vcov, None)
        return self._with_vcov(v, cl, ssc, data)

    def _with_vcov(self, v, cl, ssc, data):
        raise EstimationError(f"{type(self).__name__} cannot switch its covariance after fitting; refit with vcov=")

    def _cluster_arrays(self, dims: list[str], data) -> dict:
        """Cluster columns of ``data`` (default: the fitted frame) on the used rows."""
        data = getattr(self, "_data", None) if data is None else self._aligned(data)
        if data is None:
            raise EstimationError("this result kept no data frame; pass data= (the frame it was fitted on)")
        if self.sample is None:
            raise EstimationError("this result kept no sample (a compact result); refit to switch the covariance")
        used = self.sample["used"].to_numpy()
        if len(data) != used.size:
            raise EstimationError(
                f"data has {len(data)} rows but the model was fitted on {used.size}; pass the frame it was fitted on"
            )
        absent = [c for c in cluster_columns(dims) if c not in data.columns]
        if absent:
            raise EstimationError(f"cluster column(s) {absent} are not in data; available: {list(data.columns)[:30]}")
        pos = np.flatnonzero(used)
        out = {}
        for c in cluster_columns(dims):
            s = data[c].iloc[pos]
            if s.isna().any():
                raise EstimationError(
                    f"cluster column {c!r} is missing in {int(s.isna().sum())} used row(s); fill "
                    "them or cluster on another column"
                )
            out[c] = s.to_numpy()
        return out

    def _aligned(self, data: pd.DataFrame) -> pd.DataFrame:
        """``data`` in the row order of the fitted frame, matched on the index (rows in another order are
        put back in order); a frame whose index is not the fitted frame's is refused."""
        if not isinstance(data, pd.DataFrame):
            raise EstimationError(
                f"data must be a DataFrame (the frame the model was fitted on), got {type(data).__name__}"
            )
        fitted = self.sample.index
        if data.index.equals(fitted):
            return data
        if fitted.is_unique and data.index.is_unique and len(data) == len(fitted):
            missing = fitted.difference(data.index)
            if not len(missing):
                return data.loc[fitted]
        else:
            missing = fitted.difference(data.index) if data.index.is_unique else pd.Index([])
        raise EstimationError(
            f"data= does not have the rows the model was fitted on ({len(data)} rows, index "
            f"{'unique' if data.index.is_unique else 'with repeated labels'}; fitted on {len(fitted)} rows"
            + (f"; labels missing, e.g. {list(missing[:5])}" if len(missing) else "")
            + "): cluster columns are matched to rows by the index. Fix: pass the frame the model was fitted "
            "on (any row order), or give it that frame's index"
        )

    def _replaced(self, **attrs) -> EstimationResults:
        """A shallow copy with ``attrs`` set and every cached statistic dropped."""
        new = copy.copy(self)
        for klass in type(self).__mro__:
            for name, attr in vars(klass).items():
                if isinstance(attr, cached_property):
                    new.__dict__.pop(name, None)
        for k, val in attrs.items():
            setattr(new, k, val)
        return new

    def coef_table(self) -> pd.DataFrame:
        """The coefficient table of :meth:`summary`: coef, std err, z (or t), P>|z| and the 95% interval."""
        ci = self.conf_int()
        s = self._stat_name
        return pd.DataFrame(
            {
                "coef": self.params,
                "std err": self.bse,
                s: self.tvalues,
                f"P>|{s}|": self.pvalues,
                "[0.025": ci[0],
                "0.975]": ci[1],
            }
        )

    def __repr__(self) -> str:
        return str(self.summary())


def ppml_covariance(Xt, y, mu, v, vtype, ssc, fe_dof, clusters, cluster_names):
    """V̂ of the PPML slopes and the number of clusters: bread H⁻¹ = (X̃'WX̃)⁻¹, W = diag(v_i μ_i),
    scores s_i = x̃_i v_i (y_i − μ_i) (:func:`gravity.estimation.vcov.sandwich`).

    Parameters
    ----------
    Xt : numpy.ndarray, shape (n, p)
        Slopes demeaned under the converged weights v_i μ_i.
    y, mu, v : numpy.ndarray, shape (n,)
    vtype : str
    ssc : SSC
    fe_dof : int
        Fixed-effect degrees of freedom (K counts them when ``ssc.k == "all"``).
    clusters : list of numpy.ndarray or None
    cluster_names : list of str or None

    Returns
    -------
    (numpy.ndarray, int or tuple or None)
        V̂ (p × p) and the clusters per dimension (None unless clustered).
    """
    p = Xt.shape[1]
    n_clusters = None
    if p:
        # extreme units (outcome, weights or a slope beyond 2^±64) are divided by powers of two first, so
        # that squares neither under- nor overflow; V is then scaled back (gravity.estimation.scaling)
        c = column_scales(Xt)
        sy, sv = pow2_scale(mu), pow2_scale(v)
        if (c != 1.0).any() or sy != 1.0 or sv != 1.0:
            Xt, y, mu, v = Xt / c, y / sy, mu / sy, v / sv
        bread = np.linalg.inv(Xt.T @ (Xt * (v * mu)[:, None]))
        V, Gs = sandwich(
            bread,
            Xt * (v * (y - mu))[:, None],
            vtype,
            ssc,
            n=y.size,
            k=p + (fe_dof if ssc.k == "all" else 0),
            clusters=clusters,
            cluster_names=cluster_names,
        )
        if (c != 1.0).any():
            V = V / np.outer(c, c)
        if vtype == "iid" and (sy != 1.0 or sv != 1.0):
            V = V / (sy * sv)  # the Poisson iid variance (X'WX)^-1 scales with 1 / (units of y and v)
        if Gs:
            n_clusters = Gs[0] if len(Gs) == 1 else tuple(Gs)
    else:
        V = np.zeros((0, 0))
        if clusters:
            counts = tuple(len(np.unique(c)) for c in clusters)
            n_clusters = counts[0] if len(counts) == 1 else counts
    return V, n_clusters


@dataclass(frozen=True)
class Inference:
    """How the covariance V̂ of a fit was computed (:mod:`gravity.estimation.vcov`).

    Attributes
    ----------
    vcov_type : {"iid", "hetero", "cluster", "twoway"}
    ssc : SSC
    cluster : list of str or None
        Cluster dimensions (``"pair"``, ``"exporter^importer"``) when clustered.
    n_clusters : int, tuple of int or None
    """

    vcov_type: str
    ssc: SSC
    cluster: list | None = None
    n_clusters: object = None


@dataclass(frozen=True, eq=False)
class FitRows:
    """The estimation rows a PPML result keeps (for ``fixef``, ``predict``, ``vcov()`` and ``bias_correct``).

    Attributes
    ----------
    y, mu, eta, offset, weights : (n,) arrays
        Outcome, fitted mean μ = exp(η), linear predictor η, offset and weights v of the used rows.
    X, Xt : (n, p) arrays
        The kept slopes, and the same demeaned under the converged weights v μ (bread and scores).
    fe : (K, n) int array
        Fixed-effect codes; ``fe_levels`` their labels, ``fe_coef`` the raw effects of IRLS (or None).
    fe_dof : int
        Fixed-effect degrees of freedom (:func:`gravity.estimation.rank.fe_dof`).
    index : Index
        The used rows' labels in the data.
    offset_spec : str, array or None
        The ``offset=`` argument (``predict`` reads the same column of new data).
    has_weights : bool
        Whether ``weights=`` was given.
    data : DataFrame or None
        The fitted frame (cluster columns for ``vcov()``).
    """

    y: np.ndarray
    mu: np.ndarray
    eta: np.ndarray
    X: np.ndarray
    Xt: np.ndarray | None
    offset: np.ndarray
    weights: np.ndarray
    fe: np.ndarray
    fe_levels: list
    fe_dof: int
    index: pd.Index
    offset_spec: object = None
    has_weights: bool = False
    fe_coef: np.ndarray | None = None
    data: pd.DataFrame | None = None


class PPMLResults(EstimationResults):
    """Estimated PPML-HDFE model (normal inference). See the module docstring for definitions and
    conventions.

    Parameters
    ----------
    spec : Spec
        The parsed formula.
    params : Series
        β̂ by coefficient name.
    V : (p, p) array
        V̂ of ``params``.
    inference : Inference
        How V̂ was computed.
    rows : FitRows
        The estimation rows.
    sample : DataFrame
        ``used`` and ``reason`` for every input row.
    converged : bool
    n_iter : int
        IRLS iterations.
    collinear : list of str
        Regressors dropped as collinear.
    """

    _compact: bool = False
    _drops: pd.Series  # set by compact()

    def __init__(
        self,
        spec,
        params: pd.Series,
        V: np.ndarray,
        *,
        inference: Inference,
        rows: FitRows,
        sample: pd.DataFrame,
        converged: bool,
        n_iter: int,
        collinear=(),
    ):
        self.spec = spec
        self.formula = spec.formula
        self.fixed_effects = spec.fe_names
        self.params = pd.Series(params, name="coef", dtype=float)
        self._vcov = V
        self.vcov_type, self.ssc = inference.vcov_type, inference.ssc
        self.cluster, self.n_clusters = inference.cluster, inference.n_clusters
        self.sample = sample
        self.converged, self.n_iter, self.collinear = bool(converged), int(n_iter), list(collinear)
        r = rows
        self._y, self._mu, self._eta, self._X, self._Xt = r.y, r.mu, r.eta, r.X, r.Xt
        self._offset, self._v, self._fe, self._fe_levels = r.offset, r.weights, r.fe, r.fe_levels
        self._offset_spec, self._has_weights = r.offset_spec, r.has_weights
        self._index, self._fixef_raw, self._fe_dof, self._data = r.index, r.fe_coef, r.fe_dof, r.data
        self.nobs = int(r.y.size)
        self.fittedvalues = pd.Series(r.mu, index=r.index, name="fitted")

    COMPACT_STATISTICS = ("deviance", "llf", "llnull", "null_deviance", "pseudo_rsquared", "rsquared_corr")

    def compact(self) -> PPMLResults:
        """This result without its row-level arrays, for keeping many fits (``ppml(by=)`` on a group source).

        Kept: coefficients, covariance and inference (``bse``, ``lincom``, ``wald_test``, tables), counts
        (``nobs``, ``drops``, clusters) and the fit statistics of :attr:`COMPACT_STATISTICS`, computed
        first. Dropped: the outcome, fitted values, design, weights, fixed-effect codes, ``sample``,
        ``fittedvalues`` and the fitted frame (about 90 bytes a row). What needs rows (``vcov()`` switching,
        ``bias_correct``, ``fixef``, ``predict``) then raises, naming the refit.
        """
        for name in self.COMPACT_STATISTICS:
            getattr(self, name)
        new = copy.copy(self)
        new._drops = self.drops
        for name in (
            "_y",
            "_mu",
            "_eta",
            "_X",
            "_Xt",
            "_offset",
            "_v",
            "_fe",
            "_data",
            "_index",
            "sample",
            "fittedvalues",
            "_fixef_raw",
        ):
            setattr(new, name, None)
        for name in ("_lgamma", "_mu_null"):
            new.__dict__.pop(name, None)
        new._compact = True
        return new

    def _require_rows(self, what: str) -> None:
        if getattr(self, "_compact", False):
            raise EstimationError(
                f"{what} needs the estimation rows, which this compact result dropped "
                f"(ppml(by=) on a "
                f"group source keeps coefficients, covariance and fit statistics); refit that group: "
                f"gv.ppml(formula, source.read(level))"
            )

    def _with_vcov(self, v, cl, ssc, data):
        self._require_rows("switching the covariance")
        vtype = resolve_type(v, cl)
        ssc_ = self.ssc if ssc is None else resolve_ssc(ssc)
        if self._Xt is None:
            raise EstimationError("this PPML result kept no demeaned design; refit with vcov=...")
        cl_cols = list(cl) if cl is not None and vtype in ("cluster", "twoway") else None
        clusters = None
        if cl_cols:
            raw = self._cluster_arrays(cl_cols, data)
            clusters = [cluster_codes(d, raw) for d in cl_cols]
        V, n_clusters = ppml_covariance(
            self._Xt, self._y, self._mu, self._v, vtype, ssc_, self._fe_dof, clusters, cl_cols
        )
        return self._replaced(_vcov=V, vcov_type=vtype, ssc=ssc_, cluster=cl_cols, n_clusters=n_clusters)

    # ---- goodness of fit (computed on first use) --------------------------------------------
    @cached_property
    def deviance(self) -> float:
        """2 Σ v_i [y_i ln(y_i/μ_i) − (y_i − μ_i)]."""
        y, mu = self._y, self._mu
        with np.errstate(divide="ignore", invalid="ignore"):
            t = np.where(y > 0, y * np.log(y / mu), 0.0) - (y - mu)
        return 2.0 * float(np.dot(self._v, t))

    @cached_property
    def _lgamma(self) -> np.ndarray:
        return gammaln(self._y + 1.0)

    @cached_property
    def llf(self) -> float:
        """Σ v_i [y_i ln μ_i − μ_i − ln Γ(y_i + 1)]."""
        y, mu = self._y, self._mu
        return float(np.dot(self._v, np.where(y > 0, y * np.log(np.where(mu > 0, mu, 1.0)), 0.0) - mu - self._lgamma))

    @cached_property
    def _mu_null(self) -> np.ndarray:
        eo = np.exp(self._offset)
        c = float(np.dot(self._v, self._y) / np.dot(self._v, eo))
        return c * eo

    @cached_property
    def llnull(self) -> float:
        """Log-likelihood of the constant-only model with the same offset."""
        y, mu0 = self._y, self._mu_null
        return float(np.dot(self._v, np.where(y > 0, y * np.log(mu0), 0.0) - mu0 - self._lgamma))

    @cached_property
    def null_deviance(self) -> float:
        """Deviance of the constant-only model with the same offset."""
        y, mu0 = self._y, self._mu_null
        with np.errstate(divide="ignore", invalid="ignore"):
            t0 = np.where(y > 0, y * np.log(y / mu0), 0.0) - (y - mu0)
        return 2.0 * float(np.dot(self._v, t0))

    @cached_property
    def pseudo_rsquared(self) -> float:
        """McFadden's 1 − llf/llnull (ppmlhdfe's "Pseudo R2")."""
        return 1.0 - self.llf / self.llnull if self.llnull != 0 else np.nan

    @cached_property
    def rsquared_corr(self) -> float:
        """corr(y, μ)² (Stata ``ppml``'s "R-squared")."""
        y, mu = self._y, self._mu
        return float(np.corrcoef(y, mu)[0, 1] ** 2) if y.size > 1 and np.std(mu) > 0 else np.nan

    @property
    def df_resid(self) -> int:
        """N − slopes − fixed-effect degrees of freedom (:func:`gravity.estimation.rank.fe_dof`)."""
        return self.nobs - len(self.params) - self._fe_dof

    @property
    def drops(self) -> pd.Series:
        """Number of rows left out, by reason."""
        if self._compact or self.sample is None:
            return self._drops
        r = self.sample["reason"]
        return r[r != ""].value_counts()

    def summary(self) -> Summary:
        """The fit in a table: sample, standard errors, goodness of fit, coefficients."""
        vc = {
            "iid": "iid",
            "hetero": "heteroskedasticity-robust",
            "cluster": f"clustered by {self.cluster}",
            "twoway": f"two-way clustered by {self.cluster}",
        }[self.vcov_type]
        clusters = f", {self.n_clusters} clusters" if self.n_clusters else ""
        info = [
            ("Formula", self.formula),
            ("Fixed effects", ", ".join(self.fixed_effects) or "none"),
            ("Observations", f"{self.nobs}" + (f"   (left out: {dict(self.drops)})" if len(self.drops) else "")),
            ("Std. errors", f"{vc}{clusters}; ssc={ssc_label(self.ssc, 'ppml')}"),
            ("Deviance", f"{self.deviance:.6g}   Log-likelihood: {self.llf:.6g}"),
            ("Pseudo R2 (McFadden)", f"{self.pseudo_rsquared:.4f}   corr(y, mu)^2: {self.rsquared_corr:.4f}"),
            ("Converged", f"{self.converged} in {self.n_iter} iterations"),
        ]
        if self.collinear:
            info.append(("Dropped as collinear", str(self.collinear)))
        return Summary("PPML with fixed effects (gravity.ppml)", info, self.coef_table(), digits=6)

    def bias_correct(
        self,
        i: str = "exporter",
        j: str = "importer",
        t: str = "year",
        *,
        method: Literal["analytical", "jackknife"] = "analytical",
        leverage: Literal["auto", "exact", "series"] = "auto",
        splits: int = 1,
        seed: int = 0,
    ):
        """Weidner & Zylkin (2021) bias correction of a two- or three-way gravity fit.

        β̃ = β̂ − Ŵ⁻¹(B̂/N + D̂/N) for ``i^t + j^t + pair`` effects (analytical, or the split-panel
        jackknife), and pair-clustered standard errors with the local de-biasing adjustment for both
        two- and three-way models; :mod:`gravity.estimation.bias` has the equations and choices.

        Parameters
        ----------
        i, j, t : str
            Exporter, importer and time columns as named in the fixed effects.
        method : {"analytical", "jackknife"}
        leverage : {"auto", "exact", "series"}
            Fixed-effect leverage in the variance adjustment: exact pseudo-inverse, or its
            second-order series (within 1% of exact on Yotov et al. ch. 2); "auto" is exact up to
            3,000 exporter-time plus importer-time effects.
        splits, seed : int
            Jackknife: random halvings of exporters and importers averaged, and their seed.

        Returns
        -------
        gravity.estimation.bias.BiasCorrected
            Results with corrected ``params``, adjusted ``bse``, ``bias``, ``uncorrected``,
            ``bias_column`` (``regtable([r.uncorrected, r.bias_column, r])``).

        Raises
        ------
        gravity.estimation.bias.BiasSpecError
            Fixed effects other than ``i^t + j^t`` (+ pair), weights, no slope, or jackknife on a
            two-way fit.

        References
        ----------
        Weidner, M. & Zylkin, T. (2021). Bias and consistency in three-way gravity models. Journal
        of International Economics 133, 103513.
        """
        from gravity.estimation.bias import bias_correct

        self._require_rows("bias_correct")
        return bias_correct(self, i, j, t, method=method, leverage=leverage, splits=splits, seed=seed)

    # ---- fixed effects ---------------------------------------------------------------------
    def _raw_fixef(self) -> np.ndarray:
        self._require_rows("fixef")
        if self._fixef_raw is None:
            d = self._eta - self._offset - (self._X @ self.params.to_numpy() if self.params.size else 0.0)
            n_levels = [len(l) for l in self._fe_levels]
            offsets = fe_offsets(n_levels)
            w = self._v * self._mu
            sw = group_weights(self._fe, w, offsets)
            a = np.zeros((offsets[-1], 1), order="F")
            out = np.empty((d.size, 1), order="F")
            demean_columns(np.asfortranarray(d.reshape(-1, 1)), self._fe, w, sw, offsets, a, 1e-13, 1_000_000, out)
            self._fixef_raw = a[:, 0]
        return self._fixef_raw

    def fixef(self, reference: dict | None = None) -> dict[str, pd.Series]:
        """Estimated fixed effects {term: Series indexed by level}, normalised as in the module
        docstring. ``reference`` maps a term (e.g. "importer^year" or "importer") to the level
        (or first-variable value) fixed at 0."""
        self._require_rows("fixef")
        K = len(self._fe_levels)
        if K == 0:
            return {}
        reference = dict(reference or {})
        unknown = [k for k in reference if k not in self.fixed_effects]
        if unknown:
            raise EstimationError(
                f"reference names {unknown} are not fixed effects of this model: {self.fixed_effects}"
            )
        n_levels = [len(l) for l in self._fe_levels]
        offsets = fe_offsets(n_levels)
        a = self._raw_fixef().copy()
        blocks = [a[offsets[k] : offsets[k + 1]] for k in range(K)]
        fe = self._fe
        for k in range(1, K):
            n0, nk = n_levels[0], n_levels[k]
            m = sparse.coo_matrix((np.ones(fe.shape[1]), (fe[0], fe[k] + n0)), shape=(n0 + nk, n0 + nk))
            ncomp, lab = connected_components(m, directed=False)
            lab0, labk = lab[:n0], lab[n0:]
            levels = self._fe_levels[k]
            ref = reference.get(self.fixed_effects[k])
            if ref is not None:
                if isinstance(levels, pd.MultiIndex):
                    is_ref = (levels.get_level_values(0) == ref) | np.array([lv == ref for lv in levels])
                else:
                    is_ref = np.asarray(levels == ref)
                if not is_ref.any():
                    raise EstimationError(f"reference level {ref!r} not among the levels of {self.fixed_effects[k]!r}")
            else:
                is_ref = np.zeros(nk, dtype=bool)
            shift = np.full(ncomp, np.nan)
            for g in [*np.flatnonzero(is_ref), *range(nk)]:  # the reference first, else the first level met
                if np.isnan(shift[labk[g]]):  # in a component (levels are sorted)
                    shift[labk[g]] = blocks[k][g]
            shift = np.nan_to_num(shift)
            blocks[k] -= shift[labk]
            blocks[0] += shift[lab0]
        return {
            name: pd.Series(blocks[k], index=self._fe_levels[k], name=name) for k, name in enumerate(self.fixed_effects)
        }

    # ---- prediction ------------------------------------------------------------------------
    def predict(self, newdata: pd.DataFrame | None = None, type: PredictType = "response", offset=None) -> pd.Series:
        """Fitted values: μ = exp(η) (``type="response"``) or η (``"link"``).

        Without ``newdata``: the estimation sample. With ``newdata``: slopes and fixed-effect columns
        are read from it; the offset is read from the same column as in the fit (or pass
        ``offset=`` as an array/column name). Rows with a fixed-effect level not seen in the fit get
        NaN and a logged warning.
        """
        check_predict_type(type)
        self._require_rows("predict")
        if newdata is None:
            eta = pd.Series(self._eta, index=self._index)
            return np.exp(eta).rename("fitted") if type == "response" else eta.rename("link")
        names = list(self.params.index)
        slope_cols = [c for c in names if c != "Intercept"]
        fe_cols = [c for t in self.spec.fixed_effects for c in t]
        missing = [c for c in dict.fromkeys(slope_cols + fe_cols) if c not in newdata.columns]
        if missing:
            raise EstimationError(f"newdata lacks column(s) {missing} needed by {self.formula!r}")
        eta = np.zeros(len(newdata))
        for c in slope_cols:
            eta += self.params[c] * newdata[c].to_numpy(dtype=float)
        if "Intercept" in names:
            eta += self.params["Intercept"]
        off = offset if offset is not None else self._offset_spec
        if off is not None:
            if isinstance(off, str):
                if off not in newdata.columns:
                    raise EstimationError(f"newdata lacks the offset column {off!r}; pass offset=...")
                eta += newdata[off].to_numpy(dtype=float)
            else:
                arr = np.asarray(off, dtype=float)
                if offset is None and arr.shape != (len(newdata),):
                    raise EstimationError("the fit used an offset array; pass offset= aligned with newdata")
                eta += arr
        unseen = np.zeros(len(newdata), dtype=bool)
        for name, s in self.fixef().items():
            term = name.split("^")
            if len(term) == 1:
                key = newdata[term[0]]
                vals = s.reindex(key.to_numpy()).to_numpy()
            else:
                mi = pd.MultiIndex.from_frame(newdata[term])
                vals = s.reindex(mi).to_numpy()
            unseen |= np.isnan(vals)
            eta += np.nan_to_num(vals)
        eta[unseen] = np.nan
        if unseen.any():
            log.warning(
                "predict: %d row(s) have fixed-effect levels not in the estimation sample; returned NaN",
                int(unseen.sum()),
            )
        out = pd.Series(eta, index=newdata.index)
        return np.exp(out).rename("fitted") if type == "response" else out.rename("link")
