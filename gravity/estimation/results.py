"""Results of :func:`gravity.ppml`, shaped like a statsmodels results object.

Goodness of fit:
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
"""
from __future__ import annotations

import logging
import numpy as np
import pandas as pd
from scipy import sparse
from scipy.special import gammaln, ndtr, ndtri  # Φ and Φ⁻¹ without importing scipy.stats (1.5 s)
from scipy.sparse.csgraph import connected_components

from gravity.estimation.demean import demean_columns, fe_offsets, group_weights

log = logging.getLogger("gravity.estimation")


class PPMLResults:
    """Estimated PPML-HDFE model. See the module docstring for definitions and conventions."""

    def __init__(self, *, spec, names, beta, V, vcov_type, ssc, cluster, n_clusters, y, mu, eta, X,
                 offset, weights, fe, fe_levels, sample, index, converged, n_iter, collinear,
                 offset_spec, has_weights, fe_coef=None):
        self.spec = spec
        self.formula = spec.formula
        self.fixed_effects = spec.fe_names
        self.params = pd.Series(beta, index=names, name="coef", dtype=float)
        self._V = V
        self.vcov_type = vcov_type
        self.ssc = ssc
        self.cluster = cluster
        self.n_clusters = n_clusters
        self._y, self._mu, self._eta, self._X = y, mu, eta, X
        self._offset, self._v, self._fe, self._fe_levels = offset, weights, fe, fe_levels
        self._offset_spec = offset_spec
        self._has_weights = has_weights
        self.sample = sample
        self.converged = bool(converged)
        self.n_iter = int(n_iter)
        self.collinear = list(collinear)
        self.nobs = int(y.size)
        self.fitted = pd.Series(mu, index=index, name="fitted")
        self._index = index
        self._fixef_raw = fe_coef
        v = weights
        with np.errstate(divide="ignore", invalid="ignore"):
            t = np.where(y > 0, y * np.log(y / mu), 0.0) - (y - mu)
        self.deviance = 2.0 * float(np.dot(v, t))
        lg = gammaln(y + 1.0)
        self.llf = float(np.dot(v, np.where(y > 0, y * np.log(np.where(mu > 0, mu, 1.0)), 0.0) - mu - lg))
        eo = np.exp(offset)
        c = float(np.dot(v, y) / np.dot(v, eo))
        mu0 = c * eo
        self.llnull = float(np.dot(v, np.where(y > 0, y * np.log(mu0), 0.0) - mu0 - lg))
        with np.errstate(divide="ignore", invalid="ignore"):
            t0 = np.where(y > 0, y * np.log(y / mu0), 0.0) - (y - mu0)
        self.null_deviance = 2.0 * float(np.dot(v, t0))
        self.pseudo_rsquared = 1.0 - self.llf / self.llnull if self.llnull != 0 else np.nan
        self.rsquared_corr = float(np.corrcoef(y, mu)[0, 1] ** 2) if y.size > 1 and np.std(mu) > 0 else np.nan
        se = np.sqrt(np.diag(V)) if V.size else np.zeros(0)
        self.bse = pd.Series(se, index=names, name="std err", dtype=float)
        with np.errstate(divide="ignore", invalid="ignore"):
            self.tvalues = pd.Series(beta / se, index=names, name="z", dtype=float)
        self.pvalues = pd.Series(2 * ndtr(-np.abs(self.tvalues.to_numpy())), index=names,
                                 name="P>|z|", dtype=float)
        self.df_resid = self.nobs - len(names) - (sum(len(l) for l in fe_levels) - max(len(fe_levels) - 1, 0))

    # ---- statsmodels-style accessors -------------------------------------------------------
    def cov_params(self) -> pd.DataFrame:
        names = self.params.index
        return pd.DataFrame(self._V, index=names, columns=names)

    def conf_int(self, alpha: float = 0.05) -> pd.DataFrame:
        q = ndtri(1 - alpha / 2)
        return pd.DataFrame({0: self.params - q * self.bse, 1: self.params + q * self.bse})

    @property
    def drops(self) -> pd.Series:
        """Number of rows left out, by reason."""
        r = self.sample["reason"]
        return r[r != ""].value_counts()

    def summary(self) -> str:
        ci = self.conf_int()
        tab = pd.DataFrame({
            "coef": self.params, "std err": self.bse, "z": self.tvalues, "P>|z|": self.pvalues,
            "[0.025": ci[0], "0.975]": ci[1],
        })
        vc = {"iid": "iid", "hetero": "heteroskedasticity-robust",
              "cluster": f"clustered by {self.cluster}", "twoway": f"two-way clustered by {self.cluster}"}[self.vcov_type]
        lines = [
            "PPML with fixed effects (gravity.ppml)",
            f"Formula:        {self.formula}",
            f"Fixed effects:  {', '.join(self.fixed_effects) or 'none'}",
            f"Observations:   {self.nobs}" + (f"   (left out: {dict(self.drops)})" if len(self.drops) else ""),
            f"Std. errors:    {vc}" + (f", {self.n_clusters} clusters" if self.n_clusters else "") + f"; ssc={_ssc_label(self.ssc)}",
            f"Deviance:       {self.deviance:.6g}   Log-likelihood: {self.llf:.6g}",
            f"Pseudo R2 (McFadden): {self.pseudo_rsquared:.4f}   corr(y, mu)^2: {self.rsquared_corr:.4f}",
            f"Converged:      {self.converged} in {self.n_iter} iterations",
        ]
        if self.collinear:
            lines.append(f"Dropped as collinear: {self.collinear}")
        body = tab.to_string(float_format=lambda x: f"{x: .6f}") if len(tab) else "(no slope coefficients)"
        rule = "=" * max(len(l) for l in body.splitlines() + lines)
        return "\n".join([rule, *lines, rule, body, rule])

    def __repr__(self) -> str:
        return self.summary()

    # ---- fixed effects ---------------------------------------------------------------------
    def _raw_fixef(self) -> np.ndarray:
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
        K = len(self._fe_levels)
        if K == 0:
            return {}
        reference = dict(reference or {})
        unknown = [k for k in reference if k not in self.fixed_effects]
        if unknown:
            raise ValueError(f"reference names {unknown} are not fixed effects of this model: {self.fixed_effects}")
        n_levels = [len(l) for l in self._fe_levels]
        offsets = fe_offsets(n_levels)
        a = self._raw_fixef().copy()
        blocks = [a[offsets[k]:offsets[k + 1]] for k in range(K)]
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
                    raise ValueError(f"reference level {ref!r} not among the levels of {self.fixed_effects[k]!r}")
            else:
                is_ref = np.zeros(nk, dtype=bool)
            shift = np.full(ncomp, np.nan)
            for g in np.flatnonzero(is_ref):
                if np.isnan(shift[labk[g]]):
                    shift[labk[g]] = blocks[k][g]
            for g in range(nk):  # levels are sorted: the first one met in a component is the default
                if np.isnan(shift[labk[g]]):
                    shift[labk[g]] = blocks[k][g]
            shift = np.nan_to_num(shift)
            blocks[k] -= shift[labk]
            blocks[0] += shift[lab0]
        return {name: pd.Series(blocks[k], index=self._fe_levels[k], name=name)
                for k, name in enumerate(self.fixed_effects)}

    # ---- prediction ------------------------------------------------------------------------
    def predict(self, newdata: pd.DataFrame | None = None, type: str = "response", offset=None) -> pd.Series:
        """Fitted values: μ = exp(η) (``type="response"``) or η (``"link"``).

        Without ``newdata``: the estimation sample. With ``newdata``: slopes and fixed-effect columns
        are read from it; the offset is read from the same column as in the fit (or pass
        ``offset=`` as an array/column name). Rows with a fixed-effect level not seen in the fit get
        NaN and a logged warning.
        """
        if type not in ("response", "link"):
            raise ValueError(f"type must be 'response' or 'link', got {type!r}")
        if newdata is None:
            eta = pd.Series(self._eta, index=self._index)
            return np.exp(eta).rename("fitted") if type == "response" else eta.rename("link")
        names = list(self.params.index)
        slope_cols = [c for c in names if c != "Intercept"]
        fe_cols = [c for t in self.spec.fixed_effects for c in t]
        missing = [c for c in dict.fromkeys(slope_cols + fe_cols) if c not in newdata.columns]
        if missing:
            raise ValueError(f"newdata lacks column(s) {missing} needed by {self.formula!r}")
        eta = np.zeros(len(newdata))
        for c in slope_cols:
            eta += self.params[c] * newdata[c].to_numpy(dtype=float)
        if "Intercept" in names:
            eta += self.params["Intercept"]
        off = offset if offset is not None else self._offset_spec
        if off is not None:
            if isinstance(off, str):
                if off not in newdata.columns:
                    raise ValueError(f"newdata lacks the offset column {off!r}; pass offset=...")
                eta += newdata[off].to_numpy(dtype=float)
            else:
                arr = np.asarray(off, dtype=float)
                if offset is None and arr.shape != (len(newdata),):
                    raise ValueError("the fit used an offset array; pass offset= aligned with newdata")
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
            log.warning("predict: %d row(s) have fixed-effect levels not in the estimation sample; returned NaN", int(unseen.sum()))
        out = pd.Series(eta, index=newdata.index)
        return np.exp(out).rename("fitted") if type == "response" else out.rename("link")


def _ssc_label(ssc) -> str:
    from gravity.estimation.vcov import PRESETS

    for name, preset in PRESETS.items():
        if preset == ssc:
            return repr(name)
    return repr(ssc)
