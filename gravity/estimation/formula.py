"""fixest-style formulas and the numeric design they describe.

``"trade ~ ln_dist + cntg | exporter^year + importer^year + pair_id"`` reads as

    y_ij,t = exp( x_ij,t'β + Σ_k α_k[g_k(ij,t)] ) · ε_ij,t

slopes before ``|`` (bare column names; ``0`` or ``-1`` removes the intercept of a model without
fixed effects), fixed-effect terms after it (``a^b`` = one level per observed (a, b) combination).
:func:`parse_formula` returns a :class:`Spec`; :func:`build_design` turns a DataFrame into float64 /
int32 arrays plus a per-row record of what was dropped and why. Both are reused by the OLS helpers.
"""
from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

log = logging.getLogger("gravity.estimation")

INTERCEPT = "Intercept"
_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_.]*$")


@dataclass(frozen=True)
class Spec:
    """Parsed formula: outcome, slope columns, fixed-effect terms (tuples of column names)."""

    depvar: str
    slopes: tuple[str, ...]
    fixed_effects: tuple[tuple[str, ...], ...]
    intercept: bool
    formula: str

    @property
    def fe_names(self) -> list[str]:
        return ["^".join(t) for t in self.fixed_effects]

    @property
    def coef_names(self) -> list[str]:
        """Names of the estimated slope coefficients, intercept first when present."""
        return ([INTERCEPT] if self.intercept else []) + list(self.slopes)

    @property
    def columns(self) -> list[str]:
        cols = [self.depvar, *self.slopes]
        for t in self.fixed_effects:
            cols.extend(t)
        return list(dict.fromkeys(cols))


class FormulaError(ValueError):
    """The formula string cannot be read."""


def _check_name(tok: str, formula: str, where: str) -> str:
    if not _NAME.match(tok):
        raise FormulaError(
            f"cannot read {where} term {tok!r} in formula {formula!r}: use bare column names "
            "(create transformed columns such as ln_dist = np.log(dist) in the DataFrame first)"
        )
    return tok


def parse_formula(formula: str) -> Spec:
    """Parse ``"y ~ x1 + x2 | fe1 + fe2^fe3"`` into a :class:`Spec`.

    The right-hand side may be ``0``/``1``/``-1`` alone or ``y ~ 1 | fe`` (fixed effects only, no
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
    if not isinstance(formula, str) or formula.count("~") != 1:
        raise FormulaError(f"formula must look like 'y ~ x1 + x2 | fe1 + fe2^fe3', got {formula!r}")
    lhs, rhs = (s.strip() for s in formula.split("~"))
    depvar = _check_name(lhs, formula, "outcome")
    parts = rhs.split("|")
    if len(parts) > 2:
        raise FormulaError(
            f"formula {formula!r} has more than one '|': slopes | fixed effects (pass clusters "
            "with cluster=...)"
        )
    slopes: list[str] = []
    intercept = True
    for tok in (t.strip() for t in parts[0].replace("-", "+-").split("+")):
        if tok == "":
            continue
        if tok in ("0", "-1", "- 1"):
            intercept = False
            continue
        if tok == "1":
            continue
        if tok.startswith("-"):
            raise FormulaError(f"cannot remove term {tok!r} in {formula!r}; only '-1' is understood")
        tok = _check_name(tok, formula, "slope")
        if tok in slopes:
            raise FormulaError(f"slope {tok!r} appears twice in {formula!r}")
        slopes.append(tok)
    fes: list[tuple[str, ...]] = []
    if len(parts) == 2:
        for tok in (t.strip() for t in parts[1].split("+")):
            if tok in ("", "0"):
                continue
            term = tuple(_check_name(v.strip(), formula, "fixed-effect") for v in tok.split("^"))
            if term in fes:
                raise FormulaError(f"fixed effect {'^'.join(term)!r} appears twice in {formula!r}")
            fes.append(term)
    if fes:
        intercept = False
    if depvar in slopes:
        raise FormulaError(f"outcome {depvar!r} also appears as a slope in {formula!r}")
    return Spec(depvar, tuple(slopes), tuple(fes), intercept, formula)


# ---------------------------------------------------------------------------------------------
# Design
# ---------------------------------------------------------------------------------------------

def _rows(index: pd.Index, mask: np.ndarray, n: int = 5) -> str:
    labels = list(index[np.flatnonzero(mask)[:n]])
    cnt = int(mask.sum())
    more = f" and {cnt - len(labels)} more" if cnt > len(labels) else ""
    return f"{cnt} row(s), e.g. index labels {labels}{more}"


def _encode(values: list[pd.Series]) -> tuple[np.ndarray, pd.Index]:
    """Integer codes 0..G-1 (in sorted label order) for the observed combinations of ``values``
    and their labels (a MultiIndex for interactions)."""
    if len(values) == 1:
        codes, uniques = pd.factorize(values[0], sort=True)
        return codes.astype(np.int32), pd.Index(uniques, name=values[0].name)
    combo = np.zeros(len(values[0]), dtype=np.int64)
    parts = []
    for v in values:
        c, u = pd.factorize(v, sort=True)
        combo = combo * len(u) + c
        parts.append((c, u))
    uniq, inv = np.unique(combo, return_inverse=True)
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
    fe: np.ndarray                      # shape (K, n), int32
    fe_levels: list[pd.Index]
    weights: np.ndarray | None
    offset: np.ndarray | None
    extra: dict = field(default_factory=dict)


def _aligned_array(arg, data: pd.DataFrame, what: str) -> tuple[np.ndarray, str]:
    if isinstance(arg, str):
        if arg not in data.columns:
            raise ValueError(f"{what} column {arg!r} not in data; available columns: {list(data.columns)[:20]}")
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
            raise ValueError(f"{what} array has shape {s.shape}; it must have one value per row of data ({len(data)})")
    if not pd.api.types.is_numeric_dtype(np.asarray(s).dtype) or pd.api.types.is_bool_dtype(np.asarray(s).dtype):
        arr = pd.to_numeric(pd.Series(np.asarray(s)), errors="coerce").to_numpy(dtype=float)
    else:
        arr = np.asarray(s, dtype=float)
    return arr, name


def build_design(spec: Spec, data: pd.DataFrame, *, weights=None, offset=None,
                 extra_columns: dict | None = None, missing: str = "raise") -> Design:
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

    Returns
    -------
    Design
        Outcome, slopes, fixed-effect codes and levels, weights, offset, row reasons.

    Raises
    ------
    ValueError
        As listed above, naming the column, the rows and the fix.
    TypeError
        ``data`` is not a DataFrame.
    """
    if not isinstance(data, pd.DataFrame):
        raise TypeError(f"data must be a pandas DataFrame, got {type(data).__name__}")
    if missing not in ("raise", "drop"):
        raise ValueError(f"missing must be 'raise' or 'drop', got {missing!r}")
    extra_columns = extra_columns or {}
    needed = list(spec.columns)
    for v in extra_columns.values():
        needed.extend([v] if isinstance(v, str) else list(v))
    absent = [c for c in dict.fromkeys(needed) if c not in data.columns]
    if absent:
        raise ValueError(
            f"column(s) {absent} used by formula {spec.formula!r} (or cluster=) are not in data; "
            f"available columns: {list(data.columns)[:30]}"
        )
    n = len(data)
    idx = data.index
    nan = np.zeros(n, dtype=bool)
    nan_by_col: dict[str, np.ndarray] = {}

    # outcome
    ycol = data[spec.depvar]
    if pd.api.types.is_bool_dtype(ycol.dtype) or not pd.api.types.is_numeric_dtype(ycol.dtype):
        raise ValueError(f"outcome {spec.depvar!r} must be numeric (dtype {ycol.dtype}); convert it with pd.to_numeric")
    y = ycol.to_numpy(dtype=float, na_value=np.nan)
    m = np.isnan(y)
    nan_by_col[spec.depvar] = m
    bad = np.isinf(y)
    if bad.any():
        raise ValueError(f"outcome {spec.depvar!r} is infinite in {_rows(idx, bad)}; fix or remove those rows")
    bad = (~m) & (y < 0)
    if bad.any():
        raise ValueError(
            f"outcome {spec.depvar!r} is negative in {_rows(idx, bad)}; PPML needs y >= 0 (trade flows), fix or remove those rows"
        )

    # slopes
    X = np.empty((n, len(spec.coef_names)), dtype=np.float64, order="F")
    j0 = 0
    if spec.intercept:
        X[:, 0] = 1.0
        j0 = 1
    for j, c in enumerate(spec.slopes):
        col = data[c]
        if not (pd.api.types.is_numeric_dtype(col.dtype) or pd.api.types.is_bool_dtype(col.dtype)):
            raise ValueError(
                f"slope {c!r} is not numeric (dtype {col.dtype}); encode it as numeric columns (dummies) "
                "or put it after '|' as a fixed effect"
            )
        v = col.to_numpy(dtype=float, na_value=np.nan)
        mm = np.isnan(v)
        nan_by_col[c] = mm
        bad = np.isinf(v)
        if bad.any():
            raise ValueError(f"slope {c!r} is infinite in {_rows(idx, bad)} (log of zero?); fix or remove those rows")
        X[:, j0 + j] = v

    # fixed effects: NaN check on the raw columns
    fe_cols = list(dict.fromkeys(c for t in spec.fixed_effects for c in t))
    for c in fe_cols:
        nan_by_col.setdefault(c, data[c].isna().to_numpy())
    for v in extra_columns.values():
        for c in ([v] if isinstance(v, str) else list(v)):
            nan_by_col.setdefault(c, data[c].isna().to_numpy())

    w_arr = o_arr = None
    if weights is not None:
        w_arr, wname = _aligned_array(weights, data, "weights")
        mm = np.isnan(w_arr)
        nan_by_col[wname] = mm
        bad = (~mm) & (~np.isfinite(w_arr) | (w_arr <= 0))
        if bad.any():
            raise ValueError(f"weights {wname!r} are not finite and positive in {_rows(idx, bad)}; drop those rows first")
    if offset is not None:
        o_arr, oname = _aligned_array(offset, data, "offset")
        mm = np.isnan(o_arr)
        nan_by_col[oname] = mm
        bad = np.isinf(o_arr)
        if bad.any():
            raise ValueError(f"offset {oname!r} is infinite in {_rows(idx, bad)}; fix or remove those rows")

    for c, mm in nan_by_col.items():
        if mm.any():
            if missing == "raise":
                raise ValueError(
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

    fe = np.empty((len(spec.fixed_effects), rows.size), dtype=np.int32)
    levels: list[pd.Index] = []
    for k, term in enumerate(spec.fixed_effects):
        codes, labs = _encode([sub[c] for c in term])
        fe[k] = codes
        levels.append(labs)
    extra = {}
    for key, v in extra_columns.items():
        cols = [v] if isinstance(v, str) else list(v)
        extra[key] = [sub[c] for c in cols]
    return Design(
        spec=spec, index=idx, rows=rows, reason=reason,
        y=np.ascontiguousarray(y[rows]), X=np.asfortranarray(X[rows]), fe=fe, fe_levels=levels,
        weights=None if w_arr is None else np.ascontiguousarray(w_arr[rows]),
        offset=None if o_arr is None else np.ascontiguousarray(o_arr[rows]),
        extra=extra,
    )
