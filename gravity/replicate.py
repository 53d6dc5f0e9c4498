"""Replications of published gravity results: ``gravity replicate NAME`` / ``gv.replicate(NAME)``.

A replication is a TOML file in ``models/`` (see ``models/yotov2016-ch1.toml``):

* ``name``, ``title``, ``source`` (the published table), ``kind`` — one of

  - ``"estimates"``: ``[[spec]]`` entries, each an estimator (``ols`` / ``ppml``), a fixest-style
    ``formula``, a ``sample`` (a ``DataFrame.query`` expression on the prepared data), inference
    options (``cluster``, ``vcov``, ``ssc``) and ``[spec.published]`` ``variable = [estimate, std_error]``;
  - ``"ge"``: ``[[scenario]]`` entries compared per country with the book's GE result files;
  - ``"separation"``: ``[[case]]`` entries, the rows our PPML flags as separated against the truth column.

* ``tolerance`` (absolute; a spec or case may override it) and ``data`` (the name of a data recipe
  below, which builds every variable the formulas use from the registered raw files).
* ``[variants.X]`` selects a subset of specs (``applications = [1]``); ``NAME-X`` runs it
  (``yotov2016-ch1-app1`` = Application 1 of ``yotov2016-ch1``).

:func:`run` prints, for every published number, ours beside it with the difference; writes
``NAME.csv`` (one row per number) and ``NAME.md`` (status, comparison and regression tables); and
returns a :class:`Report` whose ``ok`` is False when any |difference| exceeds its tolerance.
"""
from __future__ import annotations

import logging
import time
import tomllib
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

log = logging.getLogger("gravity.replicate")

MODELS_DIR = Path(__file__).resolve().parents[1] / "models"
KINDS = ("estimates", "ge", "separation")


class ReplicationError(ValueError):
    """A replication file is missing, malformed, or cannot be run."""


# --------------------------------------------------------------------------------------------
# data recipes: raw registered files → the variables the book's specifications use
# --------------------------------------------------------------------------------------------

def yotov2016_ch1_data() -> pd.DataFrame:
    """Chapter 1 data as the tradepolicy companion builds it (Yotov et al. 2016, ch. 1, pp. 41-48).

    From ``agtpa_applications`` (69 countries, domestic flows included), years 1986, 1990, …, 2006:

    * ``log_trade = ln X_ij,t`` (NaN where X = 0; the OLS samples keep trade > 0), ``log_dist = ln DIST_ij``;
    * ``Y_i,t = Σ_j X_ij,t`` and ``E_j,t = Σ_i X_ij,t`` over *all* partners including the domestic flow,
      ``log_y``, ``log_e``;
    * remoteness ``REM_EXP_i,t = Σ_j DIST_ij / (E_j,t / E_t)`` and ``REM_IMP_j,t = Σ_i DIST_ij / (Y_i,t / Y_t)``
      (sums over all partners, domestic included; E_t, Y_t world totals) and their logs;
    * ``exp_year``, ``imp_year``: exporter-year and importer-year identifiers;
    * ``log_dist_YYYY = ln DIST_ij · 1[t = YYYY] · 1[i ≠ j]``, ``smctry = 1[i = j]``,
      ``log_dist_intra = ln DIST_ii · smctry``, ``intra_pairXXX = 1[i = j = XXX]`` and
      ``intra_pairinter = 1[i ≠ j]`` (the companion's factor ``intra_pair``; its reference level, the
      first in alphabetical order, is ARG's domestic pair);
    * ``intl_brdr``: one level per domestic pair and one for all international pairs;
      ``pair_id_2``: the pair id with all domestic pairs merged into one level;
      ``intl_border_YYYY = 1[i ≠ j] · 1[t = YYYY]``; ``sum_trade`` = Σ_t X_ij,t per pair.
    """
    from gravity import datasets

    raw = datasets.load("yotov2016/agtpa_applications.rda")
    years = list(range(1986, 2007, 4))
    d = raw[raw["year"].isin(years)].reset_index(drop=True).copy()
    d["year"] = d["year"].astype(int)
    d["pair_id"] = d["pair_id"].astype(int)
    for c in ("cntg", "lang", "clny", "rta", "rta_lag4", "rta_lag8", "rta_lag12", "rta_lead4"):
        d[c] = d[c].astype(float)
    trade = d["trade"].to_numpy()
    d["log_trade"] = np.log(np.where(trade > 0, trade, np.nan))
    d["log_dist"] = np.log(d["dist"])
    d["y"] = d.groupby(["exporter", "year"])["trade"].transform("sum")
    d["e"] = d.groupby(["importer", "year"])["trade"].transform("sum")
    d["log_y"], d["log_e"] = np.log(d["y"]), np.log(d["e"])
    world_e = d.groupby("year")["trade"].transform("sum")     # E_t = Y_t = world expenditure
    d["log_remoteness_exp"] = np.log((d["dist"] * world_e / d["e"]).groupby([d["exporter"], d["year"]]).transform("sum"))
    d["log_remoteness_imp"] = np.log((d["dist"] * world_e / d["y"]).groupby([d["importer"], d["year"]]).transform("sum"))
    d["exp_year"] = d["exporter"] + d["year"].astype(str)
    d["imp_year"] = d["importer"] + d["year"].astype(str)
    same = (d["exporter"] == d["importer"]).to_numpy()
    is_year = {t: (d["year"] == t).to_numpy() for t in years}
    new: dict[str, np.ndarray] = {"smctry": same.astype(float)}
    for t in years:
        new[f"log_dist_{t}"] = np.where(is_year[t] & ~same, d["log_dist"], 0.0)
        new[f"intl_border_{t}"] = (is_year[t] & ~same).astype(float)
    new["log_dist_intra"] = d["log_dist"].to_numpy() * same
    exporter = d["exporter"].to_numpy()
    for c in sorted(d["exporter"].unique()):
        new[f"intra_pair{c}"] = (same & (exporter == c)).astype(float)
    new["intra_pairinter"] = (~same).astype(float)
    pair = d["pair_id"].astype(str).to_numpy()
    new["intl_brdr"] = np.where(same, pair, "inter")
    new["pair_id_2"] = np.where(same, "0-intra", pair)
    new["sum_trade"] = d.groupby("pair_id")["trade"].transform("sum").to_numpy()
    d = pd.concat([d, pd.DataFrame(new, index=d.index)], axis=1)
    return d


RECIPES: dict[str, Callable[[], pd.DataFrame]] = {"yotov2016_ch1": yotov2016_ch1_data}


# --------------------------------------------------------------------------------------------
# replication files
# --------------------------------------------------------------------------------------------

@dataclass
class Replication:
    name: str
    title: str
    source: str
    kind: str
    path: Path
    raw: dict
    variant: str | None = None

    @property
    def tolerance(self) -> float:
        return float(self.raw.get("tolerance", 5.1e-5))

    def entries(self, key: str) -> list[dict]:
        items = list(self.raw.get(key, []))
        if self.variant:
            sel = self.raw["variants"][self.variant]
            apps = set(sel.get("applications", []))
            ids = set(sel.get("ids", []))
            items = [s for s in items if s.get("application") in apps or s.get("id") in ids]
        return items


def _read(path: Path, variant: str | None = None) -> Replication:
    try:
        raw = tomllib.loads(path.read_text())
    except tomllib.TOMLDecodeError as exc:
        raise ReplicationError(f"{path}: not valid TOML ({exc})") from exc
    for k in ("name", "title", "kind"):
        if k not in raw:
            raise ReplicationError(f"{path}: missing top-level key {k!r}")
    if raw["kind"] not in KINDS:
        raise ReplicationError(f"{path}: kind={raw['kind']!r}; expected one of {KINDS}")
    name = raw["name"] + (f"-{variant}" if variant else "")
    title = raw["title"]
    if variant:
        title = raw["variants"][variant].get("title", f"{title} ({variant})")
    return Replication(name, title, raw.get("source", ""), raw["kind"], path, raw, variant)


def available(models_dir: Path = MODELS_DIR) -> list[Replication]:
    """Every replication (and variant) defined in ``models_dir``, sorted by name."""
    out = []
    for p in sorted(models_dir.glob("*.toml")):
        try:
            raw = tomllib.loads(p.read_text())
        except tomllib.TOMLDecodeError:
            continue
        if raw.get("kind") not in KINDS:
            continue  # scenario files live beside the replications
        out.append(_read(p))
        out.extend(_read(p, v) for v in raw.get("variants", {}))
    return sorted(out, key=lambda r: r.name)


def load(name: str, models_dir: Path = MODELS_DIR) -> Replication:
    """The replication called ``name`` (``models/NAME.toml`` or a variant ``BASE-VARIANT``)."""
    for r in available(models_dir):
        if r.name == name:
            return r
    names = [r.name for r in available(models_dir)]
    raise ReplicationError(f"no replication named {name!r} in {models_dir}; available: {', '.join(names)}")


# --------------------------------------------------------------------------------------------
# report
# --------------------------------------------------------------------------------------------

@dataclass
class Report:
    """Outcome of one replication: ``rows`` has one line per published number."""

    name: str
    title: str
    source: str
    rows: pd.DataFrame
    seconds: float
    notes: list[str] = field(default_factory=list)
    tables: list[tuple[str, str]] = field(default_factory=list)   # (heading, markdown table)

    @property
    def ok(self) -> bool:
        return bool(len(self.rows)) and bool(self.rows["ok"].all())

    @property
    def max_abs_diff(self) -> float:
        return float(self.rows["abs_diff"].max()) if len(self.rows) else float("nan")

    @property
    def n_failed(self) -> int:
        return int((~self.rows["ok"]).sum())

    def status_line(self) -> str:
        return (f"{self.name}: {len(self.rows)} published numbers, {self.n_failed} outside tolerance, "
                f"max |difference| {self.max_abs_diff:.2e}, {self.seconds:.1f} s — "
                f"{'OK' if self.ok else 'FAILED'}")

    def to_markdown(self) -> str:
        out = [f"# {self.title}", "", f"Source: {self.source}", "", f"**{self.status_line()}**", ""]
        out += [f"- {n}" for n in self.notes]
        if self.notes:
            out.append("")
        for head, tab in self.tables:
            out += [f"## {head}", "", tab, ""]
        out += ["## Every published number", "", _markdown(self.rows), ""]
        return "\n".join(out)

    def write(self, out_dir: Path) -> tuple[Path, Path]:
        out_dir = Path(out_dir)
        out_dir.mkdir(parents=True, exist_ok=True)
        csv, md = out_dir / f"{self.name}.csv", out_dir / f"{self.name}.md"
        self.rows.to_csv(csv, index=False)
        md.write_text(self.to_markdown())
        return csv, md


def _fmt(v) -> str:
    if isinstance(v, (bool, np.bool_)):
        return "ok" if v else "FAIL"
    if isinstance(v, (float, np.floating)):
        if not np.isfinite(v):
            return ""
        return f"{v:.2e}" if (v != 0 and abs(v) < 1e-3) else f"{v:.4f}"
    return str(v)


def _markdown(rows: pd.DataFrame) -> str:
    cols = list(rows.columns)
    lines = ["| " + " | ".join(cols) + " |", "|" + "|".join("---" for _ in cols) + "|"]
    for r in rows.itertuples(index=False):
        lines.append("| " + " | ".join(_fmt(v) for v in r) + " |")
    return "\n".join(lines)


def _row(spec: str, label: str, item: str, quantity: str, published: float, ours: float, tol: float) -> dict:
    diff = ours - published if np.isfinite(ours) else np.nan
    return {"spec": spec, "column": label, "item": item, "quantity": quantity, "published": published,
            "ours": ours, "diff": diff, "abs_diff": abs(diff) if np.isfinite(diff) else np.inf,
            "tolerance": tol, "ok": bool(np.isfinite(diff) and abs(diff) <= tol)}


# --------------------------------------------------------------------------------------------
# runners
# --------------------------------------------------------------------------------------------

def _estimate(spec: dict, data: pd.DataFrame):
    import gravity as gv

    est = spec.get("estimator", "ppml").lower()
    sample = spec.get("sample")
    sub = data.query(sample, engine="python") if sample else data
    kw = {k: spec[k] for k in ("cluster", "vcov", "ssc") if spec.get(k)}
    if est == "ols":
        from gravity.estimation.ols import ols

        return ols(spec["formula"], sub, **kw)
    if est == "ppml":
        if not hasattr(gv, "ppml"):
            raise ReplicationError("gravity.ppml is not available in this checkout")
        return gv.ppml(spec["formula"], sub, **kw)
    raise ReplicationError(f"spec {spec.get('id')!r}: unknown estimator {est!r} (ols or ppml)")


def _run_estimates(rep: Replication, echo: Callable[[str], None]) -> tuple[list[dict], list, list[str]]:
    from gravity.report.tables import regtable

    recipe = rep.raw.get("data")
    if recipe not in RECIPES:
        raise ReplicationError(f"{rep.path}: data={recipe!r} is not a known recipe ({list(RECIPES)})")
    data = RECIPES[recipe]()
    rows: list[dict] = []
    tables: list[tuple[str, str]] = []
    by_app: dict[object, list[tuple[str, object]]] = {}
    for spec in rep.entries("spec"):
        sid, label = spec["id"], spec.get("label", spec["id"])
        tol = float(spec.get("tolerance", rep.tolerance))
        t0 = time.perf_counter()
        res = _estimate(spec, data)
        dt = time.perf_counter() - t0
        echo(f"\n[{sid}] {label} — {spec.get('table', '')}  ({dt:.1f} s, N = {res.nobs:,})")
        echo(f"{'variable':<22}{'published':>11}{'ours':>11}{'diff':>11}   {'pub. SE':>9}{'our SE':>10}{'diff':>11}")
        if "nobs" in spec:
            rows.append(_row(sid, label, "N", "nobs", float(spec["nobs"]), float(res.nobs), 0.0))
        for var, (b_pub, se_pub) in spec["published"].items():
            b = float(res.params.get(var, np.nan))
            se = float(res.bse.get(var, np.nan))
            rb = _row(sid, label, var, "estimate", float(b_pub), b, tol)
            rs = _row(sid, label, var, "std_error", float(se_pub), se, tol)
            rows += [rb, rs]
            flag = "" if (rb["ok"] and rs["ok"]) else "   <-- outside tolerance"
            echo(f"{var:<22}{b_pub:>11.4f}{b:>11.4f}{rb['diff']:>+11.1e}   {se_pub:>9.4f}{se:>10.4f}"
                 f"{rs['diff']:>+11.1e}{flag}")
        by_app.setdefault(spec.get("application", 0), []).append((label, res, list(spec["published"])))
    for app, fits in by_app.items():
        keep = list(dict.fromkeys(v for _, _, vs in fits for v in vs if not v.startswith("intra_pair")))
        tab = regtable([r for _, r, _ in fits], names=[lab for lab, _, _ in fits], keep=keep)
        heading = (rep.raw.get("applications", {}).get(str(app), f"Application {app}") if app else "Estimates")
        tables.append((f"{heading} (ours)", tab.to_markdown()))
    return rows, tables, []


RUNNERS: dict[str, Callable] = {"estimates": _run_estimates}


def run(name: str, *, out_dir: Path | str | None = None, echo: Callable[[str], None] | None = print,
        models_dir: Path = MODELS_DIR) -> Report:
    """Run replication ``name``; print ours beside the published values; write csv + markdown.

    Returns a :class:`Report` (``report.ok`` is False when any difference exceeds its tolerance).
    """
    echo = echo or (lambda s: None)
    rep = load(name, models_dir)
    echo(f"{rep.title}\nsource: {rep.source}")
    t0 = time.perf_counter()
    if rep.kind not in RUNNERS:
        raise ReplicationError(f"{rep.path}: no runner for kind {rep.kind!r} in this checkout")
    rows, tables, notes = RUNNERS[rep.kind](rep, echo)
    report = Report(rep.name, rep.title, rep.source, pd.DataFrame(rows), time.perf_counter() - t0,
                    notes=notes, tables=tables)
    echo("\n" + report.status_line())
    if out_dir is not None:
        csv, md = report.write(Path(out_dir))
        echo(f"wrote {csv} and {md}")
    return report
