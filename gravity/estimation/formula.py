"""fixest-style formulas and the numeric design they describe.

``"trade ~ log(DIST) + CNTG + i(year, RTA, ref=1986) | exporter^year + importer^year + pair_id"``
reads as

    y_ij,t = exp( x_ij,t'β + Σ_k α_k[g_k(ij,t)] ) · ε_ij,t

slopes before ``|``, fixed-effect terms after it (``a^b`` = one level per observed (a, b)
combination). Slopes are bare column names or, as in fixest/pyfixest, expressions evaluated by
formulaic: ``log(x)``, ``np.log(x)``, ``exp(x)``, ``I(x**2)``, ``a:b``, ``a*b``, ``C(g)``; plus
fixest's ``i(g, ref=r)`` (one dummy per level of g but r, named ``g::level``) and ``i(g, x)``
(those dummies times x, named ``g::level:x``). Columns carry pyfixest's names (``log(x)``,
``C(g)[T.1]``, ``I(x ** 2)``). Rows where a transformation is undefined (log of 0 or a negative
number) are dropped with reason ``"undefined: <term>"`` in ``sample``, as fixest does.

Multiple estimation (fixest): one ``sw(a, b)`` / ``sw0(a, b)`` / ``csw(a, b)`` / ``csw0(a, b)`` among the
slopes and one among the fixed effects: ``sw`` = each argument in turn, ``csw`` = cumulatively,
the ``0`` forms start with none of them. :func:`expand_formula` returns one :class:`Spec` per model
(fixed effects outer, slopes inner). :func:`parse_formula` is the strict reader used by model files
(bare column names, one model); :func:`build_design` turns a DataFrame into float64 / int32 arrays
plus a per-row record of what was dropped and why. Both are reused by the OLS helpers.

References
----------
Bergé, L. (2018). Efficient estimation of maximum likelihood models with multiple fixed-effects:
the R package FENmlm. CREA Discussion Papers 13 (the fixest formula syntax).
"""

from __future__ import annotations

import ast
import logging
import re
from dataclasses import dataclass, field
from typing import Literal

import numpy as np
import pandas as pd

from gravity.errors import ArgumentTypeError, GravityError
from gravity.estimation.separation import compact_codes
from gravity.options import validator

log = logging.getLogger("gravity.estimation")

INTERCEPT = "Intercept"
_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_.]*$")
_MULTI = ("sw", "sw0", "csw", "csw0")
_CALL = re.compile(r"^([A-Za-z_][A-Za-z0-9_.]*)\s*\((.*)\)$", re.S)


@dataclass(frozen=True)
class Spec:
    """Parsed formula: outcome, slope terms, fixed-effect terms (tuples of column names).

    ``slopes`` are the right-hand-side terms as written: bare column names when ``plain`` (then
    they are also the coefficient names), else expressions whose coefficient names are known once
    the data are (``Design.names``). ``variables`` are the data columns the outcome and slope
    terms read.
    """

    depvar: str
    slopes: tuple[str, ...]
    fixed_effects: tuple[tuple[str, ...], ...]
    intercept: bool
    formula: str
    plain: bool = True
    variables: tuple[str, ...] = ()

    @property
    def fe_names(self) -> list[str]:
        return ["^".join(t) for t in self.fixed_effects]

    @property
    def coef_names(self) -> list[str]:
        """Names of the estimated slope coefficients, intercept first when present (plain
        formulas; for expressions see ``Design.names``)."""
        return ([INTERCEPT] if self.intercept else []) + list(self.slopes)

    @property
    def columns(self) -> list[str]:
        cols = [self.depvar, *self.slopes] if self.plain else list(self.variables)
        for t in self.fixed_effects:
            cols.extend(t)
        return list(dict.fromkeys(cols))


class FormulaError(GravityError, ValueError):
    """The formula string cannot be read, or the data it names cannot be used (missing, non-numeric,
    infinite or duplicated columns, bad weights or offset); the message names the column, rows and fix."""


Missing = Literal["raise", "drop"]
"""What a fit does with rows that have a missing value in a used column (``missing=``)."""
check_missing = validator(
    Missing, "missing", FormulaError, hint="'drop' leaves those rows out and records them in result.sample"
)


def _check_name(tok: str, formula: str, where: str) -> str:
    if not _NAME.match(tok):
        raise FormulaError(
            f"cannot read {where} term {tok!r} in formula {formula!r}: use bare column names "
            "(create transformed columns such as ln_dist = np.log(dist) in the DataFrame first)"
        )
    return tok


def _split_top(text: str, seps: str) -> list[tuple[str, str]]:
    """Split ``text`` at the characters in ``seps`` outside parentheses, brackets and quotes;
    returns (separator before the piece, piece) pairs (the first separator is "")."""
    out, depth, quote, start, sep = [], 0, None, 0, ""
    for j, ch in enumerate(text):
        if quote:
            if ch == quote:
                quote = None
            continue
        if ch in "'\"":
            quote = ch
        elif ch in "([{":
            depth += 1
        elif ch in ")]}":
            depth -= 1
            if depth < 0:
                raise FormulaError(f"unbalanced ')' in {text!r}")
        elif depth == 0 and ch in seps:
            out.append((sep, text[start:j].strip()))
            sep, start = ch, j + 1
    if depth or quote:
        raise FormulaError(f"unbalanced parentheses or quotes in {text!r}")
    out.append((sep, text[start:].strip()))
    return out


def _multi_call(tok: str):
    """(operator, [argument strings]) for ``sw(...)``, ``csw(...)``, ...; None otherwise."""
    m = _CALL.match(tok)
    if not m or m.group(1) not in _MULTI:
        return None
    args = [a for _, a in _split_top(m.group(2), ",")]
    if any(a == "" for a in args):
        raise FormulaError(f"empty argument in {tok!r}; write e.g. csw(x1, x1 + x2)")
    return m.group(1), args


def _expand_multi(op: str, args: list[str]) -> list[list[str]]:
    """The argument lists of each model: sw → each; csw → cumulative; *0 → first with none."""
    if op in ("sw", "sw0"):
        steps = [[a] for a in args]
    else:
        steps = [args[: j + 1] for j in range(len(args))]
    return ([[]] if op.endswith("0") else []) + steps


def _terms(part: str, formula: str, where: str) -> list:
    """Top-level terms of one side: strings, or (op, args) for one multiple-estimation call."""
    out, multi = [], None
    for sep, tok in _split_top(part, "+-"):
        if tok == "":
            if sep == "-":
                raise FormulaError(f"dangling '-' in {formula!r}")
            continue
        if sep == "-":
            tok = "-" + tok
        mc = _multi_call(tok)
        if mc:
            if multi is not None:
                raise FormulaError(
                    f"{where} of {formula!r} has more than one sw()/csw(): fixest allows one "
                    "per part; combine them, e.g. csw(a, a + b)"
                )
            multi = mc
            out.append(mc)
        else:
            out.append(tok)
    return out


def _fe_terms(tokens: list[str], formula: str) -> tuple[tuple[str, ...], ...]:
    fes: list[tuple[str, ...]] = []
    for tok in tokens:
        if tok in ("", "0"):
            continue
        for t in (x for _, x in _split_top(tok, "+")):
            if t in ("", "0"):
                continue
            term = tuple(_check_name(v.strip(), formula, "fixed-effect") for v in t.split("^"))
            if term in fes:
                raise FormulaError(f"fixed effect {'^'.join(term)!r} appears twice in {formula!r}")
            fes.append(term)
    return tuple(fes)


def _i_call(tok: str, formula: str):
    """(var, var2 or None, refs tuple or None) of fixest's ``i(var[, var2][, ref=...])``."""
    try:
        node = ast.parse(tok, mode="eval").body
    except SyntaxError as exc:
        raise FormulaError(f"cannot read {tok!r} in {formula!r}: {exc.msg}") from None
    if not isinstance(node, ast.Call):
        raise FormulaError(f"cannot read {tok!r} in {formula!r}: write i(var, ref=value) or i(var, x[, ref=value])")
    names = [a.id if isinstance(a, ast.Name) else None for a in node.args]
    if not 1 <= len(names) <= 2 or None in names:
        raise FormulaError(
            f"{tok!r} in {formula!r}: write i(var, ref=value) or i(var, x[, ref=value]) with column names"
        )
    ref = None
    for kw in node.keywords:
        if kw.arg != "ref":
            raise FormulaError(f"{tok!r} in {formula!r}: only the ref= argument of i() is understood (got {kw.arg!r})")
        try:
            ref = ast.literal_eval(kw.value)
        except ValueError:
            raise FormulaError(f"{tok!r} in {formula!r}: ref= must be a literal (number, string or list)") from None
        ref = tuple(ref) if isinstance(ref, (list, tuple)) else (ref,)
    return names[0], (names[1] if len(names) == 2 else None), ref


def _is_i(tok: str) -> bool:
    m = _CALL.match(tok)
    return m is not None and m.group(1) == "i"


def _variables(lhs: str, slopes: list[str], formula: str) -> tuple[str, ...]:
    """Data columns read by the outcome and slope expressions (formulaic's required variables;
    i() arguments read directly)."""
    from formulaic import Formula

    out: list[str] = []
    plain_terms = []
    for t in [lhs, *slopes]:
        if _NAME.match(t):
            out.append(t)
        elif _is_i(t):
            v1, v2, _ = _i_call(t, formula)
            out.extend([v1] + ([v2] if v2 else []))
        else:
            if "i(" in t.replace(" ", "") and re.search(r"(^|[^A-Za-z0-9_.])i\s*\(", t):
                raise FormulaError(
                    f"term {t!r} in {formula!r} combines i() with other operators; write "
                    "i(var, x) for a factor times a variable"
                )
            plain_terms.append(t)
    if plain_terms:
        try:
            req = Formula(" + ".join(plain_terms)).required_variables
        except Exception as exc:  # formulaic's own parse errors
            raise FormulaError(f"cannot read {' + '.join(plain_terms)!r} in {formula!r}: {exc}") from None
        text = " + ".join(plain_terms)
        for v in map(str, req):
            if re.search(rf"(?<![A-Za-z0-9_.]){re.escape(v)}\s*\(", text):
                raise FormulaError(
                    f"unknown function {v}() in {formula!r}: use log, exp, np.<function>, I(), C(), "
                    "i() or a column created in the DataFrame first"
                )
        # keep formula order, as far as it can be recovered
        order = {
            v: min(
                (
                    m.start()
                    for m in re.finditer(
                        rf"(?<![A-Za-z0-9_.]){re.escape(str(v))}(?![A-Za-z0-9_.(])", " + ".join(plain_terms)
                    )
                ),
                default=10**9,
            )
            for v in req
        }
        out.extend(sorted(map(str, req), key=lambda v: order[v]))
    return tuple(dict.fromkeys(out))


def _make_spec(lhs: str, terms: list[str], fes, formula: str, strict: bool) -> Spec:
    slopes: list[str] = []
    intercept = True
    for tok in terms:
        if tok in ("0", "-1", "- 1"):
            intercept = False
            continue
        if tok in ("1", "+1"):
            continue
        if tok.startswith("-"):
            raise FormulaError(f"cannot remove term {tok!r} in {formula!r}; only '-1' is understood")
        if strict:
            tok = _check_name(tok, formula, "slope")
        if tok in slopes:
            raise FormulaError(f"slope {tok!r} appears twice in {formula!r}")
        slopes.append(tok)
    plain = bool(_NAME.match(lhs)) and all(_NAME.match(t) for t in slopes)
    if strict:
        _check_name(lhs, formula, "outcome")
    if fes:
        intercept = False
    if lhs in slopes:
        raise FormulaError(f"outcome {lhs!r} also appears as a slope in {formula!r}")
    variables = () if plain else _variables(lhs, slopes, formula)
    return Spec(lhs, tuple(slopes), fes, intercept, formula, plain, variables)


def expand_formula(formula: str) -> list[Spec]:
    """Parse a fixest formula, expanding multiple-estimation operators, into one :class:`Spec` per model.

    Parameters
    ----------
    formula : str
        ``"y ~ slopes | fixed effects"``; slopes may be expressions (module docstring) and one
        ``sw()``/``sw0()``/``csw()``/``csw0()`` call may appear among the slopes and one among the
        fixed effects.

    Returns
    -------
    list of Spec
        One per model, fixed-effect variants outer and slope variants inner (fixest's order).
        Each expanded model's ``formula`` is written out (``"y ~ x1 + x2 | fe"``); a formula without
        operators keeps its text.

    Raises
    ------
    FormulaError
        The formula cannot be read; the message names the term and how to write it.

    References
    ----------
    Bergé, L. (2018). Efficient estimation of maximum likelihood models with multiple
    fixed-effects: the R package FENmlm. CREA DP 13 (the fixest formula syntax).
    """
    return _expand(formula, strict=False)


def _expand(formula: str, strict: bool) -> list[Spec]:
    if not isinstance(formula, str) or formula.count("~") != 1:
        raise FormulaError(f"formula must look like 'y ~ x1 + x2 | fe1 + fe2^fe3', got {formula!r}")
    lhs, rhs = (s.strip() for s in formula.split("~"))
    parts = [p for _, p in _split_top(rhs, "|")]
    if len(parts) > 2:
        raise FormulaError(
            f"formula {formula!r} has more than one '|': slopes | fixed effects (pass clusters with cluster=...)"
        )
    if lhs == "":
        raise FormulaError(f"formula {formula!r} has no outcome before '~'")
    slope_terms = _terms(parts[0], formula, "the slopes")
    fe_terms = _terms(parts[1], formula, "the fixed effects") if len(parts) == 2 else []
    s_multi = [t for t in slope_terms if isinstance(t, tuple)]
    f_multi = [t for t in fe_terms if isinstance(t, tuple)]
    if strict and (s_multi or f_multi):
        raise FormulaError(f"{formula!r} asks for several models (sw/csw); a model file names one model")
    s_variants = [[]] if not s_multi else _expand_multi(*s_multi[0])
    f_variants = [[]] if not f_multi else _expand_multi(*f_multi[0])
    specs = []
    for fv in f_variants:
        fe_tok = [x for t in fe_terms for x in (fv if isinstance(t, tuple) else [t])]
        fes = _fe_terms(fe_tok, formula)
        for sv in s_variants:
            toks: list[str] = []
            for t in slope_terms:
                if isinstance(t, tuple):
                    for a in sv:
                        toks.extend(("-" + x) if s == "-" else x for s, x in _split_top(a, "+-") if x)
                else:
                    toks.append(t)
            text = formula
            if s_multi or f_multi:
                shown = [t for t in toks if t not in ("0", "-1")] or ["1"]
                text = f"{lhs} ~ {' + '.join(shown)}" + (" - 1" if any(t in ("0", "-1") for t in toks) else "")
                if fes:
                    text += " | " + " + ".join("^".join(f) for f in fes)
            specs.append(_make_spec(lhs, toks, fes, text, strict))
    return specs


def parse_formula(formula: str) -> Spec:
    """Parse ``"y ~ x1 + x2 | fe1 + fe2^fe3"`` (bare column names, one model) into a :class:`Spec`.

    The strict reader of model files (corridor model, replication recipes), whose slopes must be
    columns; :func:`expand_formula` reads expressions and multiple-estimation operators. The
    right-hand side may be ``0``/``1``/``-1`` alone or ``y ~ 1 | fe`` (fixed effects only, no
    slopes — the GE step's re-estimation with an offset). Without fixed effects an intercept is
    estimated unless ``0`` or ``-1`` appears among the slopes; with fixed effects it is absorbed.

    Parameters
    ----------
    formula : str
        ``"outcome ~ slopes | fixed effects"``; terms are bare column names, ``a^b`` interacts.

    Returns
    -------
    Spec

    Raises
    ------
    FormulaError
        The formula cannot be read; the message names the term and how to write it.

    References
    ----------
    Bergé, L. (2018). Efficient estimation of maximum likelihood models with multiple
    fixed-effects: the R package FENmlm. CREA DP 13 (the fixest formula syntax).
    """
    return _expand(formula, strict=True)[0]


def parse_vcov(vcov, cluster) -> tuple[str | None, list[str] | None]:
    """Normalise pyfixest-style ``vcov`` / ``cluster`` arguments.

    ``{"CRV1": "pair"}`` → ("cluster", ["pair"]); ``{"CRV1": "exporter+importer"}`` → two-way
    ("cluster", ["exporter", "importer"]); ``"a^b"`` in a cluster name clusters on the (a, b)
    combination; ``cluster="a+b"`` is two-way. Strings pass through ("iid", "hetero", "HC1", ...).

    Parameters
    ----------
    vcov : str, dict or None
    cluster : str, list of str or None

    Returns
    -------
    (vcov, cluster)
        ``vcov`` for :func:`gravity.estimation.vcov.resolve_type` and cluster dimensions (each a
        column name or ``"a^b"``), or None.

    Raises
    ------
    FormulaError
        A dict other than ``{"CRV1": ...}``, or a cluster given twice.
    """
    if isinstance(vcov, dict):
        if len(vcov) != 1 or str(next(iter(vcov))).upper() not in ("CRV1", "CLUSTER"):
            raise FormulaError(f"vcov dict must be {{'CRV1': 'column'}} (or 'a+b' for two-way), got {vcov!r}")
        if cluster is not None:
            raise FormulaError("give the cluster either in vcov={'CRV1': ...} or in cluster=, not both")
        vcov, cluster = "cluster", next(iter(vcov.values()))
    if isinstance(cluster, str):
        cluster = [c.strip() for _, c in _split_top(cluster, "+")]
    elif cluster is not None:
        cluster = list(cluster)
    if cluster is not None:
        for c in cluster:
            if not isinstance(c, str) or any(v.strip() == "" for v in c.split("^")):
                raise FormulaError(f"cluster {c!r} must be a column name or 'a^b' (a combination of columns)")
        cluster = ["^".join(v.strip() for v in c.split("^")) for c in cluster]
    return vcov, cluster


def cluster_columns(dims) -> list[str]:
    """The data columns read by cluster dimensions such as ``["pair", "exporter^importer"]``."""
    return list(dict.fromkeys(v for d in dims for v in d.split("^")))


def cluster_codes(dim: str, cols: dict) -> np.ndarray:
    """Integer codes of one cluster dimension from its columns (``cols``: name → array of the
    used rows); ``"a^b"`` codes each observed (a, b) combination."""
    parts = dim.split("^")
    if len(parts) == 1:
        return pd.factorize(cols[dim])[0]
    combo = np.zeros(len(cols[parts[0]]), dtype=np.int64)
    for v in parts:
        c, u = pd.factorize(cols[v])
        combo = combo * len(u) + c
    return pd.factorize(combo)[0]


# ---------------------------------------------------------------------------------------------
# Design
# ---------------------------------------------------------------------------------------------


def _rows(index: pd.Index, mask: np.ndarray, n: int = 5) -> str:
    labels = list(index[np.flatnonzero(mask)[:n]])
    cnt = int(mask.sum())
    more = f" and {cnt - len(labels)} more" if cnt > len(labels) else ""
    return f"{cnt} row(s), e.g. index labels {labels}{more}"


def _factorize(values: pd.Series):
    """``pd.factorize(values, sort=True)``, refusing levels that only their type tells apart (1 and "1").

    A text column mixed with numbers (an object column holding 1 and "1", 2000.0 and "2000") would make
    two groups of what reads as one level; the check runs on the levels, not the rows.
    """
    try:
        codes, uniques = pd.factorize(values, sort=True)
    except TypeError:  # unorderable mixture (numbers and text): sorted by text below
        codes, uniques = pd.factorize(values, sort=False)
        order = np.argsort(np.array([str(u) for u in uniques], dtype=object), kind="stable")
        rank = np.empty(len(order), dtype=np.int64)
        rank[order] = np.arange(len(order))
        codes = np.where(codes >= 0, rank[np.maximum(codes, 0)], -1)
        uniques = pd.Index(np.asarray(uniques, dtype=object)[order])
    if values.dtype == object and len(uniques) > 1:
        seen: dict[str, object] = {}
        for u in uniques:
            key = str(int(u)) if isinstance(u, (float, np.floating)) and float(u).is_integer() else str(u)
            if key in seen and type(seen[key]) is not type(u):
                raise FormulaError(
                    f"column {values.name!r} holds {seen[key]!r} ({type(seen[key]).__name__}) and {u!r} "
                    f"({type(u).__name__}), which read alike but would be two different groups. Fix: give the "
                    f"column one type, e.g. data[{values.name!r}] = data[{values.name!r}].astype(str)"
                )
            seen.setdefault(key, u)
    return codes, uniques


def _encode(values: list[pd.Series]) -> tuple[np.ndarray, pd.Index]:
    """Integer codes 0..G-1 (in sorted label order) for the observed combinations of ``values``
    and their labels (a MultiIndex for interactions)."""
    if len(values) == 1:
        codes, uniques = _factorize(values[0])
        return codes.astype(np.int32), pd.Index(uniques, name=values[0].name)
    combo = np.zeros(len(values[0]), dtype=np.int64)
    parts = []
    for v in values:
        c, u = _factorize(v)
        combo = combo * len(u) + c
        parts.append((c, u))
    inv, uniq = pd.factorize(combo, sort=True)  # hash-based: the codes of np.unique(..., return_inverse=True)
    # decode the combined code back into one code per variable
    rem = uniq.copy()
    sizes = [len(u) for _, u in parts]
    per_var = []
    for size in reversed(sizes):
        per_var.append(rem % size)
        rem //= size
    per_var.reverse()
    arrays = [np.asarray(u)[pv] for (_, u), pv in zip(parts, per_var)]
    mi = pd.MultiIndex.from_arrays(arrays, names=[v.name for v in values])
    return inv.astype(np.int32).ravel(), mi


@dataclass
class Design:
    """Numeric arrays for the rows that survive input checks (missing values).

    ``rows`` are positions into the original DataFrame; ``reason`` (one entry per original row)
    says why a row is not used ("" = used so far). Fixed effects are ``fe[k]`` int32 codes with
    labels ``fe_levels[k]``.
    """

    spec: Spec
    index: pd.Index
    rows: np.ndarray
    reason: np.ndarray
    y: np.ndarray
    X: np.ndarray
    fe: np.ndarray  # shape (K, n), int32
    fe_levels: list[pd.Index]
    weights: np.ndarray | None
    offset: np.ndarray | None
    extra: dict = field(default_factory=dict)
    names: list[str] | None = None  # coefficient names (= spec.coef_names for plain formulas)

    def __post_init__(self):
        if self.names is None:
            self.names = self.spec.coef_names


def _aligned_array(arg, data: pd.DataFrame, what: str) -> tuple[np.ndarray, str]:
    if isinstance(arg, str):
        if arg not in data.columns:
            raise FormulaError(f"{what} column {arg!r} not in data; available columns: {list(data.columns)[:20]}")
        s = data[arg]
        name = arg
    else:
        s = arg
        name = what
        if isinstance(s, pd.Series):
            if not s.index.equals(data.index):
                s = s.reindex(data.index)
        s = np.asarray(s)
        if s.shape != (len(data),):
            raise FormulaError(
                f"{what} array has shape {s.shape}; it must have one value per row of data ({len(data)})"
            )
    if not pd.api.types.is_numeric_dtype(np.asarray(s).dtype) or pd.api.types.is_bool_dtype(np.asarray(s).dtype):
        arr = pd.to_numeric(pd.Series(np.asarray(s)), errors="coerce").to_numpy(dtype=float)
    else:
        arr = np.asarray(s, dtype=float)
    return arr, name


def _plain_columns(
    spec: Spec, data: pd.DataFrame, idx: pd.Index, nan_by_col: dict, nonnegative: bool
) -> tuple[np.ndarray, np.ndarray]:
    """Outcome and slope arrays of a formula of bare column names (all rows), with NaN masks."""
    # outcome
    ycol = data[spec.depvar]
    if pd.api.types.is_bool_dtype(ycol.dtype) or not pd.api.types.is_numeric_dtype(ycol.dtype):
        raise FormulaError(
            f"outcome {spec.depvar!r} must be numeric (dtype {ycol.dtype}); convert it with pd.to_numeric"
        )
    y = ycol.to_numpy(dtype=float, na_value=np.nan)
    m = np.isnan(y)
    nan_by_col[spec.depvar] = m
    bad = np.isinf(y)
    if bad.any():
        raise FormulaError(f"outcome {spec.depvar!r} is infinite in {_rows(idx, bad)}; fix or remove those rows")
    bad = (~m) & (y < 0)
    if nonnegative and bad.any():
        raise FormulaError(
            f"outcome {spec.depvar!r} is negative in {_rows(idx, bad)}; PPML needs y >= 0 (trade flows), fix or "
            "remove those rows"
        )

    # slopes
    X = np.empty((len(data), len(spec.coef_names)), dtype=np.float64, order="F")
    j0 = 0
    if spec.intercept:
        X[:, 0] = 1.0
        j0 = 1
    for j, c in enumerate(spec.slopes):
        col = data[c]
        if not (pd.api.types.is_numeric_dtype(col.dtype) or pd.api.types.is_bool_dtype(col.dtype)):
            raise FormulaError(
                f"slope {c!r} is not numeric (dtype {col.dtype}); encode it as numeric columns (dummies) "
                "or put it after '|' as a fixed effect"
            )
        v = col.to_numpy(dtype=float, na_value=np.nan)
        mm = np.isnan(v)
        nan_by_col[c] = mm
        bad = np.isinf(v)
        if bad.any():
            raise FormulaError(f"slope {c!r} is infinite in {_rows(idx, bad)} (log of zero?); fix or remove those rows")
        X[:, j0 + j] = v
    return y, X


def _raw_checks(spec: Spec, data: pd.DataFrame, idx: pd.Index, nan_by_col: dict) -> None:
    """NaN masks and the ±inf check of the columns an expression formula reads."""
    for c in spec.variables:
        col = data[c]
        if pd.api.types.is_numeric_dtype(col.dtype) and not pd.api.types.is_bool_dtype(col.dtype):
            v = col.to_numpy(dtype=float, na_value=np.nan)
            nan_by_col[c] = np.isnan(v)
            bad = np.isinf(v)
            if bad.any():
                raise FormulaError(f"column {c!r} is infinite in {_rows(idx, bad)}; fix or remove those rows")
        else:
            nan_by_col[c] = col.isna().to_numpy()


def _i_block(tok: str, sub: pd.DataFrame, formula: str) -> tuple[list[str], np.ndarray]:
    """Columns of fixest's ``i(var[, x], ref=...)``: 1{var = level} (times x), one per level but the
    references, in sorted level order, named ``var::level`` (``var::level:x``) as fixest/pyfixest."""
    v1, v2, ref = _i_call(tok, formula)
    codes, levels = pd.factorize(sub[v1], sort=True)
    levels = list(levels)
    if ref is not None:
        unknown = [r for r in ref if r not in levels]
        if unknown:
            raise FormulaError(
                f"ref={unknown[0]!r} in {tok!r} is not a value of {v1!r} (values: {levels[:10]}"
                f"{' ...' if len(levels) > 10 else ''})"
            )
    keep = [k for k, lv in enumerate(levels) if ref is None or lv not in ref]
    if v2 is not None:
        x = sub[v2]
        if not (pd.api.types.is_numeric_dtype(x.dtype) or pd.api.types.is_bool_dtype(x.dtype)):
            raise FormulaError(
                f"{tok!r} in {formula!r}: the second variable {v2!r} must be numeric; to interact "
                f"two factors use a fixed effect {v1}^{v2} or a combined column"
            )
        x = x.to_numpy(dtype=float)
    block = np.empty((len(sub), len(keep)))
    for j, k in enumerate(keep):
        block[:, j] = codes == k
        if v2 is not None:
            block[:, j] *= x
    names = [f"{v1}::{levels[k]}" + (f":{v2}" if v2 else "") for k in keep]
    return names, block


def _evaluate(spec: Spec, sub: pd.DataFrame) -> tuple[np.ndarray, np.ndarray, list[str]]:
    """Outcome, slope matrix and coefficient names of an expression formula on ``sub`` (formulaic
    for the expressions, :func:`_i_block` for ``i()``)."""
    from formulaic import model_matrix

    frame = sub[list(spec.variables)].copy()
    # integer columns become float64 before any product (int8 a:b or I(a*b) used to wrap around); a column
    # read as a category by C(...) keeps its values, and so its level names
    as_category = set(re.findall(r"(?<![A-Za-z0-9_.])C\(\s*([A-Za-z_][A-Za-z0-9_.]*)", " ".join(spec.slopes)))
    for c in frame.columns:
        dt = frame[c].dtype
        if c not in as_category and pd.api.types.is_integer_dtype(dt) and not pd.api.types.is_bool_dtype(dt):
            frame[c] = frame[c].astype("float64")
    toks: list = []
    blocks: dict = {}
    for t in spec.slopes:
        if _is_i(t):
            ph = f"_gv_i{len(blocks)}_"
            blocks[ph] = _i_block(t, sub, spec.formula)
            frame[ph] = 0.0
            toks.append(ph)
        else:
            toks.append(t)
    with_const = spec.intercept or bool(spec.fixed_effects)
    rhs = ("1" if with_const else "0") + "".join(" + " + t for t in toks)
    try:
        with np.errstate(divide="ignore", invalid="ignore"):
            # context {}: formulaic's own transforms (log, exp, np, C, I, ...), not this module's names
            mm = model_matrix(rhs, frame, na_action="ignore", context={})
            ym = (
                frame[spec.depvar].to_numpy(dtype=float)
                if _NAME.match(spec.depvar)
                else model_matrix("0 + " + spec.depvar, frame, na_action="ignore", context={})
            )
    except FormulaError:
        raise
    except Exception as exc:  # formulaic's evaluation errors name the term
        _text_columns(spec, frame)
        raise FormulaError(f"cannot evaluate the formula {spec.formula!r}: {exc}") from None
    if not isinstance(ym, np.ndarray):
        if ym.shape[1] != 1:
            raise FormulaError(
                f"outcome {spec.depvar!r} in {spec.formula!r} gives {ym.shape[1]} columns; it must give one"
            )
        ym = np.asarray(ym, dtype=float)[:, 0]
    names: list[str] = []
    cols: list = []
    for c in mm.columns:
        if c == INTERCEPT and not spec.intercept:
            continue
        if c in blocks:
            nb, b = blocks[c]
            names.extend(nb)
            cols.extend(b.T)
        else:
            names.append(str(c))
            cols.append(np.asarray(mm[c], dtype=float))
    X = np.empty((len(sub), len(cols)), dtype=np.float64, order="F")
    for j, c in enumerate(cols):
        X[:, j] = c
    return np.asarray(ym, dtype=float), X, names


def _text_columns(spec: Spec, frame: pd.DataFrame) -> None:
    """After a failed evaluation: name a column of text (numbers written as text, or words) that an
    expression needed as numbers, with the fix."""
    for c in spec.variables:
        col = frame[c]
        if pd.api.types.is_numeric_dtype(col.dtype) or pd.api.types.is_bool_dtype(col.dtype):
            continue
        vals = col.dropna()
        num = pd.to_numeric(vals, errors="coerce")
        if len(vals) and num.notna().all():
            raise FormulaError(
                f"column {c!r} holds numbers written as text (dtype {col.dtype}, e.g. "
                f"{vals.iloc[0]!r}), which {spec.formula!r} computes with. Fix: convert it first, "
                f"data[{c!r}] = pd.to_numeric(data[{c!r}])"
            )
        if len(vals):
            bad = vals[num.isna()]
            raise FormulaError(
                f"column {c!r} is text (dtype {col.dtype}, e.g. {bad.iloc[0]!r}) but "
                f"{spec.formula!r} computes with it. Fix: use a numeric column, or C({c}) / i({c}) / "
                f"a fixed effect to treat it as categories"
            )


class DesignCache:
    """Work shared by the designs of several models on the same data (multiple estimation):
    fixed-effect codes (sorted factorisation of each term on all rows, computed once and
    re-numbered for each model's sample) and the fixed-effect separation pass of models whose
    sample and fixed effects coincide (:func:`gravity.estimation.ppml.ppml`).
    """

    def __init__(self, data: pd.DataFrame):
        self.data = data
        self._fe: dict[tuple[str, ...], tuple[np.ndarray, pd.Index]] = {}
        self.store: dict = {}

    def fe(self, term: tuple[str, ...], rows: np.ndarray) -> tuple[np.ndarray, pd.Index]:
        """int32 codes 0..G−1 (sorted label order) of ``term`` on ``rows`` and their labels — the
        same as :func:`_encode` on those rows."""
        if term not in self._fe:
            vals = [self.data[c] for c in term]
            nan = np.zeros(len(self.data), dtype=bool)
            for v in vals:
                nan |= v.isna().to_numpy()
            if nan.any():  # codes of rows with a missing value are never used
                vals = [v.where(~nan, v[~nan].iloc[0]) if (~nan).any() else v for v in vals]
            self._fe[term] = _encode(vals)
        codes, labels = self._fe[term]
        sub, old_of_new = compact_codes(codes[rows][None, :], np.ones(rows.size, dtype=bool))
        return sub[0], labels[old_of_new[0]]


def check_flat_columns(data: pd.DataFrame) -> None:
    """Refuse a frame whose column labels are tuples (a MultiIndex, e.g. after ``groupby().agg([...])``).

    Raises
    ------
    FormulaError
        Naming a few of the column labels and the one-line fix.
    """
    if isinstance(data.columns, pd.MultiIndex):
        shown = [tuple(c) for c in data.columns[:4]]
        raise FormulaError(
            f"data has MultiIndex columns (e.g. {shown}), but a formula names single columns. "
            "Fix: flatten them first, e.g. data.columns = ['_'.join(map(str, c)).strip('_') "
            "for c in data.columns]"
        )


def check_unique_columns(data: pd.DataFrame, names) -> None:
    """Raise :class:`FormulaError` when a column a model uses appears more than once in ``data``.

    Parameters
    ----------
    data : DataFrame
    names : iterable of str
        The columns the model reads (outcome, slopes, fixed effects, clusters, weights, offset).

    Raises
    ------
    FormulaError
        Naming the repeated columns, their positions and the fix.
    """
    check_flat_columns(data)
    if data.columns.is_unique:
        return
    doubled = [c for c in dict.fromkeys(names) if isinstance(c, str) and int((data.columns == c).sum()) > 1]
    if doubled:
        raise FormulaError(
            f"column name(s) {doubled} appear more than once in data (positions "
            f"{[int(i) for c in doubled for i in np.flatnonzero(data.columns == c)]}); the formula "
            f"cannot tell them apart. Fix: rename or drop the duplicates, e.g. "
            f"data.loc[:, ~data.columns.duplicated()]"
        )


OFFSET_SPAN = 700.0
"""Largest max − min of an offset (exp(709) is the largest double): wider is a level passed as a log."""


def check_fit_options(*, tol: float, maxiter: int, fixef_tol: float | None = None) -> None:
    """Validate the iteration options of an estimator before any work.

    Parameters
    ----------
    tol : float
        Convergence tolerance, finite and > 0.
    maxiter : int
        Iteration limit, an integer ≥ 1.
    fixef_tol : float, optional
        Inner (fixed-effect) tolerance, finite and > 0.

    Raises
    ------
    FormulaError
        Naming the option, the value given and the fix.
    """
    if isinstance(maxiter, bool) or not isinstance(maxiter, (int, np.integer)) or maxiter < 1:
        raise FormulaError(
            f"maxiter={maxiter!r}: the iteration limit must be an integer >= 1. "
            "Fix: leave the default (1000) or pass e.g. maxiter=100"
        )
    for name, val in (("tol", tol), ("fixef_tol", fixef_tol)):
        if val is None and name == "fixef_tol":
            continue
        if isinstance(val, bool) or not isinstance(val, (int, float, np.floating)) or not np.isfinite(val) or val <= 0:
            raise FormulaError(f"{name}={val!r}: a tolerance must be a finite number > 0. Fix: e.g. {name}=1e-8")


def build_design(
    spec: Spec,
    data: pd.DataFrame,
    *,
    weights=None,
    offset=None,
    extra_columns: dict | None = None,
    missing: Missing = "raise",
    nonnegative: bool = True,
    cache: DesignCache | None = None,
) -> Design:
    """Validate ``data`` against ``spec`` and build arrays.

    Errors (``ValueError`` naming column, rows and fix): missing columns; outcome negative or
    infinite; slopes not numeric; ±inf in slopes/weights/offset; non-positive weights; NaN in any
    used column when ``missing="raise"`` (the default). With ``missing="drop"`` rows with a NaN in
    any used column are dropped with reason "missing value" and logged. ``extra_columns`` maps a
    label to column name(s) (e.g. clusters) that are checked for NaN the same way and returned
    in ``Design.extra`` restricted to the kept rows.

    Parameters
    ----------
    spec : Spec
        From :func:`parse_formula`.
    data : pandas.DataFrame
    weights, offset : str or array_like, optional
        Column name or array aligned with ``data``.
    extra_columns : dict, optional
        Label → column name(s) to validate and carry along (e.g. ``{"cluster": ["pair_id"]}``).
    missing : {"raise", "drop"}
    nonnegative : bool
        Raise when the outcome is negative (PPML); OLS passes False.
    cache : DesignCache, optional
        Fixed-effect codes shared by several models on the same ``data``.

    Returns
    -------
    Design
        Outcome, slopes (``names``), fixed-effect codes and levels, weights, offset, row reasons
        ("missing value"; "undefined: <term>" where an expression is not finite, e.g. log(0)).

    Raises
    ------
    FormulaError
        As listed above, naming the column, the rows and the fix.
    ArgumentTypeError
        ``data`` is not a DataFrame.
    """
    if not isinstance(data, pd.DataFrame):
        raise ArgumentTypeError(f"data must be a pandas DataFrame, got {type(data).__name__}")
    check_missing(missing)
    extra_columns = extra_columns or {}
    needed = list(spec.columns)
    for v in extra_columns.values():
        needed.extend([v] if isinstance(v, str) else list(v))
    absent = [c for c in dict.fromkeys(needed) if c not in data.columns]
    if absent:
        raise FormulaError(
            f"column(s) {absent} used by formula {spec.formula!r} (or cluster=) are not in data; "
            f"available columns: {list(data.columns)[:30]}"
        )
    for name in (weights, offset):
        if isinstance(name, str):
            needed.append(name)
    check_unique_columns(data, needed)
    n = len(data)
    idx = data.index
    nan = np.zeros(n, dtype=bool)
    nan_by_col: dict[str, np.ndarray] = {}

    if spec.plain:
        y, X = _plain_columns(spec, data, idx, nan_by_col, nonnegative)
    else:
        _raw_checks(spec, data, idx, nan_by_col)

    # fixed effects: NaN check on the raw columns
    fe_cols = list(dict.fromkeys(c for t in spec.fixed_effects for c in t))
    for c in fe_cols:
        nan_by_col.setdefault(c, data[c].isna().to_numpy())
    for v in extra_columns.values():
        for c in [v] if isinstance(v, str) else list(v):
            nan_by_col.setdefault(c, data[c].isna().to_numpy())

    w_arr = o_arr = None
    if weights is not None:
        w_arr, wname = _aligned_array(weights, data, "weights")
        mm = np.isnan(w_arr)
        nan_by_col[wname] = mm
        bad = (~mm) & (~np.isfinite(w_arr) | (w_arr <= 0))
        if bad.any():
            raise FormulaError(
                f"weights {wname!r} are not finite and positive in {_rows(idx, bad)}; drop those rows first"
            )
    if offset is not None:
        o_arr, oname = _aligned_array(offset, data, "offset")
        mm = np.isnan(o_arr)
        nan_by_col[oname] = mm
        bad = np.isinf(o_arr)
        if bad.any():
            raise FormulaError(f"offset {oname!r} is infinite in {_rows(idx, bad)}; fix or remove those rows")
        if (~mm).any() and np.nanmax(o_arr) - np.nanmin(o_arr) > OFFSET_SPAN:
            hi = (~mm) & (o_arr == np.nanmax(o_arr))
            raise FormulaError(
                f"offset {oname!r} spans {np.nanmin(o_arr):.4g} to {np.nanmax(o_arr):.4g}: it enters "
                f"as exp(offset), and a span above {OFFSET_SPAN:g} overflows double precision "
                f"(largest in {_rows(idx, hi)}). Fix: pass the log of the exposure, not its level"
            )

    for c, mm in nan_by_col.items():
        if mm.any():
            if missing == "raise":
                raise FormulaError(
                    f"column {c!r} has missing values (NaN) in {_rows(idx, mm)}; fill or drop them, or pass "
                    "missing='drop' to leave those rows out (recorded in result.sample)"
                )
            nan |= mm
    reason = np.full(n, "", dtype=object)
    if nan.any():
        reason[nan] = "missing value"
        cols = [c for c, mm in nan_by_col.items() if mm.any()]
        log.info("dropped %d row(s) with missing values in %s", int(nan.sum()), cols)
    keep = ~nan
    rows = np.flatnonzero(keep)
    sub = data.iloc[rows] if nan.any() else data
    names = None
    if not spec.plain:
        ys, Xs, names = _evaluate(spec, sub)
        finite = np.isfinite(Xs).all(axis=1) & np.isfinite(ys)
        if not finite.all():
            bad_rows = rows[~finite]
            labels = np.array(names + [spec.depvar], dtype=object)
            allv = np.column_stack([Xs[~finite], ys[~finite]])
            first = np.argmax(~np.isfinite(allv), axis=1)
            reason[bad_rows] = np.array([f"undefined: {labels[j]}" for j in first], dtype=object)
            log.info(
                "dropped %d row(s) where a formula term is not finite (log of 0 or a negative value?): %s",
                int(bad_rows.size),
                sorted(set(labels[first])),
            )
            if not finite.any():
                terms = sorted(set(labels[first]))
                raise FormulaError(
                    f"{' and '.join(map(repr, terms))} in {spec.formula!r} is undefined in every one of the "
                    f"{finite.size} rows (log of 0 or of a negative number?), so no row is left. Fix: check "
                    f"those columns (e.g. log(x) needs x > 0; log1p(x) takes x = 0) or drop the term"
                )
            rows, sub = rows[finite], sub.iloc[np.flatnonzero(finite)]
            ys, Xs = ys[finite], Xs[finite]
        bad = ys < 0
        if nonnegative and bad.any():
            where = _rows(idx, np.isin(np.arange(n), rows[bad]))
            raise FormulaError(
                f"outcome {spec.depvar!r} is negative in {where}; "
                "PPML needs y >= 0 (trade flows), fix or remove those rows"
            )
        y = np.empty(n)
        y[rows] = ys
        X = np.empty((n, Xs.shape[1]), order="F")
        X[rows] = Xs

    fe = np.empty((len(spec.fixed_effects), rows.size), dtype=np.int32)
    levels: list[pd.Index] = []
    for k, term in enumerate(spec.fixed_effects):
        codes, labs = cache.fe(term, rows) if cache is not None else _encode([sub[c] for c in term])
        fe[k] = codes
        levels.append(labs)
    extra = {}
    for key, v in extra_columns.items():
        cols = [v] if isinstance(v, str) else list(v)
        extra[key] = [sub[c] for c in cols]
    return Design(
        spec=spec,
        index=idx,
        rows=rows,
        reason=reason,
        y=np.ascontiguousarray(y[rows]),
        X=np.asfortranarray(X[rows]),
        fe=fe,
        fe_levels=levels,
        weights=None if w_arr is None else np.ascontiguousarray(w_arr[rows]),
        offset=None if o_arr is None else np.ascontiguousarray(o_arr[rows]),
        extra=extra,
        names=names,
    )
