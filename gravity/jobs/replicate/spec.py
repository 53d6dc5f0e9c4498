"""Replication model files: reading and validating ``recipes/NAME.toml``.

A replication is a TOML file (see ``recipes/yotov2016-ch1.toml``):

* ``name``, ``title``, ``source`` (the published table), ``kind`` — one of

  - ``"estimates"``: ``[[spec]]`` entries, each an estimator (``ols`` / ``ppml``), a fixest-style
    ``formula``, a ``sample`` (a ``DataFrame.query`` expression on the prepared data), inference
    options (``cluster``, ``vcov``, ``ssc``) and ``[spec.published]`` ``variable = [estimate, std_error]``;
  - ``"ge"``: ``[[scenario]]`` entries compared per country with the book's GE result files;
  - ``"separation"``: ``[[case]]`` entries, the rows our PPML flags as separated against the truth column.

* ``tolerance`` (absolute; a spec or case may override it) and ``data`` (the name of a data recipe in
  :mod:`gravity.jobs.replicate.recipes`, which builds every variable the formulas use from the
  registered raw files).
* ``[variants.X]`` selects a subset of specs (``applications = [1]``); ``NAME-X`` runs it
  (``yotov2016-ch1-app1`` = Application 1 of ``yotov2016-ch1``).

This module reads nothing but TOML: ``gravity list`` stays instant.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from gravity._names import did_you_mean
from gravity.errors import GravityError

if TYPE_CHECKING:  # pandas and the GE are not imported at run time: this module stays light
    import pandas as pd

    from gravity.ge.baseline import Baseline

MODELS_DIR = Path(__file__).resolve().parent / "recipes"  # the replication files ship inside the package
KINDS = ("estimates", "ge", "separation", "multisector")


class ReplicationError(GravityError, ValueError):
    """A replication file is missing, malformed, or cannot be run."""


@dataclass
class Replication:
    """One replication (or one variant of it) as read from its TOML file.

    Attributes
    ----------
    name : str
        ``NAME`` of the file, or ``NAME-VARIANT`` for a variant.
    title, source : str
        What is replicated and where the published numbers come from.
    kind : str
        ``"estimates"``, ``"ge"`` or ``"separation"`` (the runner that compares it).
    path : pathlib.Path
        The TOML file.
    raw : dict
        The parsed file.
    variant : str or None
        The ``[variants.X]`` key selecting a subset of the entries, or None for all.
    """

    name: str
    title: str
    source: str
    kind: str
    path: Path
    raw: dict
    variant: str | None = None

    @property
    def tolerance(self) -> float:
        """Default absolute tolerance of the file (``tolerance``; 5.1e-5 when absent)."""
        return float(self.raw.get("tolerance", 5.1e-5))

    def entries(self, key: str) -> list[dict]:
        """The ``[[key]]`` entries (``spec``, ``scenario`` or ``case``), restricted to the variant.

        Parameters
        ----------
        key : str
            The array-of-tables key in the file.

        Returns
        -------
        list of dict
            All entries, or for a variant those whose ``application`` is in its ``applications`` or
            whose ``id`` is in its ``ids``.
        """
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
    """Every replication (and variant) defined in a directory of TOML files.

    Parameters
    ----------
    models_dir : pathlib.Path, default the recipes shipped in the package
        Directory searched for ``*.toml``. Files that are not valid TOML or whose ``kind`` is not a
        replication kind (e.g. corridor model files) are skipped.

    Returns
    -------
    list of Replication
        Sorted by name; each file's variants follow as ``NAME-VARIANT``.
    """
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
    """The replication called ``name``.

    Parameters
    ----------
    name : str
        ``NAME`` of a file in ``models_dir`` or a variant ``NAME-VARIANT``.
    models_dir : pathlib.Path, default the recipes shipped in the package
        Directory of replication files.

    Returns
    -------
    Replication

    Raises
    ------
    ReplicationError
        No such replication; the message suggests the nearest names and lists the available ones.
    """
    for r in available(models_dir):
        if r.name == name:
            return r
    names = [r.name for r in available(models_dir)]
    hint = did_you_mean(name, names)
    raise ReplicationError(
        f"no replication named {name!r} in {models_dir}; {hint + ' ' if hint else ''}available: {', '.join(names)}"
    )


@dataclass
class GECase:
    """What a GE data recipe returns: the estimation stage, the baseline and the counterfactual costs.

    Attributes
    ----------
    estimates : dict
        Label → fitted result (compared with ``[scenario.published_estimates]``).
    baseline : gravity.ge.baseline.Baseline
        The baseline world.
    new_costs : pandas.Series
        Counterfactual t_ij^{1−σ} keyed by (exporter, importer).
    sign : str
        ``"baseline_to_counterfactual"``, or ``"counterfactual_to_baseline"`` when the published
        changes run from the counterfactual to the baseline (the book's NAFTA application).
    """

    estimates: dict
    baseline: Baseline
    new_costs: pd.Series
    sign: str
