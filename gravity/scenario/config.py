"""The corridor model file: parse a TOML file, validate it before any data is read, and hold it as dataclasses.

A corridor file (``models/eco_digital_corridor.toml``) declares the sample, the regressors and how
each is built from the panel, the PPML specifications, the GE settings and the scenarios.
:func:`load_config` parses and validates it *before any data is read or any model estimated*; every
problem raises :class:`ScenarioFileError` naming the file, the line and the key to fix.

``[regressors]`` entries are validated against the registry of regressor kinds
(:data:`gravity.panel.features.KINDS`: ``weakest_link`` ln min(x_o, x_d), ``log_product`` ln x_o · ln x_d,
``any_of`` max of pair dummies, ``pair`` a pair column as is, ...), each optionally ``times`` an
interaction column (:func:`gravity.panel.features.interaction_columns`). A scenario moves *inputs*;
:mod:`gravity.scenario.shocks` turns it into the change in trade costs.
"""

from __future__ import annotations

import difflib
import logging
import math
import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from gravity.errors import GravityError
from gravity.estimation.formula import parse_formula
from gravity.panel.features import KINDS, Regressor, interaction_columns
from gravity.scenario.baseline import ValueAddedMethod

log = logging.getLogger("gravity.scenario")

_ISO3 = re.compile(r"^[A-Z]{3}$")


class ScenarioFileError(GravityError, ValueError):
    """A corridor/scenario file is invalid; the message names the file, line and key to fix."""


# --------------------------------------------------------------------------------------------
# line numbers of TOML keys (tomllib does not keep them)
# --------------------------------------------------------------------------------------------
_HEADER = re.compile(r"^\s*\[(\[)?\s*([A-Za-z0-9_.\-\" ]+?)\s*\]\]?\s*(#.*)?$")
_KEY = re.compile(r"^\s*([A-Za-z0-9_\-]+(?:\s*\.\s*[A-Za-z0-9_\-]+)*)\s*=\s*(.*)$")
_INLINE_KEY = re.compile(r"([A-Za-z0-9_\-]+)\s*=")


def key_lines(text: str) -> dict[tuple, int]:
    """Map every key path (``("scenario", 1, "members")``) to its 1-based line in ``text``."""
    lines: dict[tuple, int] = {}
    counts: dict[tuple, int] = {}
    table: tuple = ()
    in_multiline = False
    for no, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if in_multiline:
            if '"""' in line or "'''" in line:
                in_multiline = False
            continue
        if not line or line.startswith("#"):
            continue
        head = _HEADER.match(raw)
        if head and not _KEY.match(raw):
            parts = tuple(p.strip().strip('"') for p in head.group(2).split("."))
            if head.group(1):  # [[array.of.tables]]
                counts[parts] = counts.get(parts, -1) + 1
                table = _resolve(parts[:-1], counts) + (parts[-1], counts[parts])
            else:
                table = _resolve(parts, counts)
            lines.setdefault(table, no)
            continue
        key = _KEY.match(raw)
        if key:
            path = table + tuple(p.strip() for p in key.group(1).split("."))
            lines.setdefault(path, no)
            value = key.group(2)
            if value.startswith("{"):
                for sub in _INLINE_KEY.findall(value.split("#")[0]):
                    lines.setdefault(path + (sub,), no)
            if value.count('"""') == 1 or value.count("'''") == 1:
                in_multiline = True
    return lines


def _resolve(parts: tuple, counts: dict[tuple, int]) -> tuple:
    """Insert array indices: ``scenario.indicators`` after ``[[scenario]]`` → ("scenario", i, "indicators")."""
    out: tuple = ()
    for i, p in enumerate(parts):
        out += (p,)
        if parts[: i + 1] in counts:
            out += (counts[parts[: i + 1]],)
    return out


@dataclass
class ModelFile:
    """A model file and the line of every key: raises errors that point at a line.

    Parameters
    ----------
    path : Path
        The file.
    lines : dict of tuple to int
        Key path (``("scenario", 1, "members")``) → 1-based line (:meth:`read` builds it).
    """

    path: Path
    lines: dict[tuple, int]

    @classmethod
    def read(cls, path: str | Path) -> ModelFile:
        """The file at ``path`` with its key → line map (empty when the file is gone)."""
        path = Path(path)
        return cls(path, key_lines(path.read_text(encoding="utf-8-sig")) if path.exists() else {})

    def line(self, key: tuple) -> int | None:
        """The line of ``key``, else of its nearest enclosing key; None when none is in the file."""
        k = tuple(key)
        while k:
            if k in self.lines:
                return self.lines[k]
            k = k[:-1]
        return None

    def error(self, key: tuple, message: str, fix: str) -> ScenarioFileError:
        """``ScenarioFileError("<file>, line <n> (<key>): <message>. Fix: <fix>")`` (to be raised)."""
        no = self.line(key)
        where = f"{self.path}" + (f", line {no}" if no else "")
        dotted = ".".join(f"[{p}]" if isinstance(p, int) else str(p) for p in key).replace(".[", "[")
        return ScenarioFileError(f"{where} ({dotted}): {message}. Fix: {fix}")


# --------------------------------------------------------------------------------------------
# the parsed file
# --------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Specification:
    """One ``[[specification]]``: a PPML formula ``trade ~ slopes | fixed effects``, its clustering and the
    reader's notes (what it identifies, what it cannot)."""

    name: str
    formula: str
    slopes: tuple[str, ...]
    fixed_effects: tuple[str, ...]
    cluster: str | None
    label: str
    headline: bool = False
    years: tuple[int, ...] | None = None
    identifies: str = ""
    cannot: str = ""
    domestic_breaks: str = "drop"


BREAK_MODES = {
    "drop": "domestic flows outside each country's longest run of years without an ITPD-E coverage break left out",
    "split": "the domestic pair effect split at each coverage break (one level per coverage regime)",
    "as_is": "domestic flows used as ITPD-E has them, breaks included",
}
"""``domestic_breaks`` of a specification: how coverage breaks in the domestic flows are repaired before
estimating (:func:`gravity.panel.repair.repair_for_estimation`)."""


@dataclass(frozen=True)
class CostCut:
    """``[scenario.cost_cut]``: a published cut in trade costs, in % per member (central, low, high), the
    figure ids in the published-figures file that state it, and the variants solved
    (:mod:`gravity.scenario.calibrated`)."""

    percent: dict[str, float]
    low: dict[str, float]
    high: dict[str, float]
    figures: tuple[str, ...]
    variants: tuple[str, ...] = ("members", "international")


@dataclass(frozen=True)
class Scenario:
    """One ``[[scenario]]``: the members, the indicator targets (a number or ``"frontier"``) and the
    agreement dummies set among members, evaluated with the coefficients of ``spec``."""

    name: str
    label: str
    members: tuple[str, ...]
    indicators: dict[str, float | str] = field(default_factory=dict)
    agreement: dict[str, float] = field(default_factory=dict)
    spec: str = ""
    cost_cut: CostCut | None = None

    @property
    def calibrated(self) -> bool:
        """A published trade-cost cut (``cost_cut``) rather than a move of estimated regressors."""
        return self.cost_cut is not None

    @property
    def shocked_inputs(self) -> tuple[str, ...]:
        """Panel columns the scenario moves (``<x>_o``, ``<x>_d`` per indicator, then the dummies)."""
        ind = [f"{k}_{s}" for k in self.indicators for s in ("o", "d")]
        return tuple(ind + list(self.agreement))


@dataclass(frozen=True)
class GESettings:
    """``[ge]``: σ (> 1) and its sensitivity values, draw and bootstrap counts, seed, interval level, the
    domestic-flow construction (method, κ, floor share f), worker count and reference country."""

    sigma: float
    sigma_sensitivity: tuple[float, ...]
    draws: int
    bootstrap: int
    seed: int
    ci: float
    domestic_method: ValueAddedMethod
    gross_output_multiplier: float
    domestic_floor_share: float
    jobs: int = 1
    reference: str = "DEU"
    fill_zero_links: str = "cow"
    domestic_share_floor: float | None = 0.1


@dataclass(frozen=True)
class Sample:
    """``[sample]``: panel years, the GE base year, indicator carry-forward (years) and the country list."""

    years: tuple[int, ...]
    base_year: int
    carry_forward_years: int
    countries: tuple[str, ...]


@dataclass(frozen=True)
class CorridorConfig:
    """A validated corridor model file (:func:`load_config`); ``raw`` keeps the parsed TOML."""

    path: Path
    title: str
    sample: Sample
    groups: dict[str, tuple[str, ...]]
    indicators: dict[str, str]
    regressors: dict[str, Regressor]
    specifications: tuple[Specification, ...]
    ge: GESettings
    scenarios: tuple[Scenario, ...]
    focus: str
    focus_partners: int
    roles: dict[str, tuple[str, ...]] = field(default_factory=dict)
    raw: dict = field(repr=False, default_factory=dict)
    source: ModelFile | None = field(repr=False, compare=False, default=None)

    def error(self, key: tuple, message: str, fix: str) -> ScenarioFileError:
        """An error naming the model file's line of ``key`` (e.g. ``("analysis", "deficit_rule")``), for
        checks made after loading (sections the loader does not know, data-dependent checks).

        Parameters
        ----------
        key : tuple
            Key path; array-of-table entries by index (``("specification", 0, "formula")``). The nearest
            enclosing key that is in the file gives the line.
        message, fix : str
            What is wrong and how to fix it.

        Returns
        -------
        ScenarioFileError
            To be raised by the caller.
        """
        src = self.source if self.source is not None else ModelFile.read(self.path)
        return src.error(key, message, fix)

    @property
    def headline(self) -> Specification:
        """The specification marked ``headline = true`` (exactly one)."""
        return next(s for s in self.specifications if s.headline)

    def spec(self, name: str) -> Specification:
        """The specification called ``name``."""
        return next(s for s in self.specifications if s.name == name)

    @property
    def members(self) -> tuple[str, ...]:
        """Every country named by any scenario (union), sorted."""
        return tuple(sorted({m for s in self.scenarios for m in s.members}))

    @property
    def estimated_scenarios(self) -> tuple[Scenario, ...]:
        """Scenarios that move estimated regressors."""
        return tuple(s for s in self.scenarios if not s.calibrated)

    @property
    def calibrated_scenarios(self) -> tuple[Scenario, ...]:
        """Scenarios that apply a published trade-cost cut."""
        return tuple(s for s in self.scenarios if s.calibrated)


ROLES = {
    "connectivity": "the connectivity x border regressors (one per measure; a specification uses at most one)",
    "connectivity_landlocked": "their interactions with the exporter being landlocked",
    "development": "the development control (income per capita x border)",
    "penalty": "the landlocked x border penalty of the 2-way specification",
    "indicator": "the indicator the connectivity regressors are built from (an [indicators] name)",
}
"""``[roles]``: which regressor (or indicator) plays which part in the report's tables and sentences."""


DOMESTIC_METHODS = ("industry", "manufacturing")

FILE_VERSION = 3
"""The newest model-file ``version`` this code reads."""
MAX_DRAWS = 100_000
"""Most parametric draws: each holds every effect of every country (16 × N doubles); 10,000 already give
stable 2.5% and 97.5% quantiles."""
MAX_BOOTSTRAP = 10_000
"""Most bootstrap re-fits (each one a full PPML fit)."""
MAX_SEED = 2**63 - 1
MAX_FOCUS_PARTNERS = 500

# --------------------------------------------------------------------------------------------
# the schema: every key a model file may hold (None = a table whose keys are names the file chooses)
# --------------------------------------------------------------------------------------------
_SCHEMA: dict = {
    "title": str,
    "version": int,
    "sample": {"years": list, "base_year": int, "carry_forward_years": int, "countries": list},
    "groups": None,
    "indicators": None,
    "regressors": [{"kind": str, "column": str, "columns": list, "indicator": str, "times": str}],
    "specification": [
        {
            "name": str,
            "headline": bool,
            "label": str,
            "formula": str,
            "cluster": (str, list),
            "years": list,
            "identifies": str,
            "cannot": str,
            "domestic_breaks": str,
        }
    ],
    "ge": {
        "sigma": float,
        "sigma_sensitivity": list,
        "draws": int,
        "bootstrap": int,
        "seed": int,
        "ci": float,
        "jobs": int,
        "reference": str,
        "domestic_method": str,
        "gross_output_multiplier": float,
        "domestic_floor_share": float,
        "fill_zero_links": str,
        "domestic_share_floor": float,
    },
    "analysis": {
        "deficit_rule": str,
        "deficit_rule_reason": str,
        "phase_in": list,
        "leave_one_out": str,
        "placements": bool,
    },
    "report": {
        "focus": str,
        "focus_partners": int,
        "focus_name": str,
        "group": str,
        "trade_data": str,
        "sources": list,
        "data_notes": list,
        "instruments": None,
        "indicator_notes": None,
        "one_sector_gap": {
            "wiod_ratio": float,
            "cp_ratio": float,
            "measured_by": str,
            "wiod_cut": str,
            "cp_cut": str,
            "absent": str,
        },
    },
    "scenario": [
        {
            "name": str,
            "label": str,
            "members": list,
            "indicators": None,
            "agreement": None,
            "include": list,
            "spec": str,
            "cost_cut": {
                "percent": (float, int, dict),
                "low": (float, int, dict),
                "high": (float, int, dict),
                "figures": list,
                "variants": list,
            },
        }
    ],
    "roles": {k: (str, list) for k in ROLES},
}
"""Keys of a model file: a dict is a table with fixed keys, a one-element list an array of such tables
(``[[specification]]``) or, for ``[regressors]``, a table of such tables keyed by name; a type is the
value's type (int is accepted for float; a string holding a number is coerced with a warning)."""

_TYPE_WORDS = {
    str: "a string",
    int: "an integer",
    float: "a number",
    bool: "true or false",
    list: "a list",
    dict: "a table",
}


def _nearest(key: str, valid) -> str:
    """``; did you mean 'x'?`` for the valid key closest to ``key`` (difflib), else the valid keys."""
    close = difflib.get_close_matches(key, list(valid), n=1, cutoff=0.6)
    return f"rename it to {close[0]!r}" if close else f"remove it (valid keys: {', '.join(valid)})"


def _coerce(value, want: type, key: tuple, src: ModelFile):
    """``value`` as ``want`` (int for float, an integral float for int, a numeric string for a number),
    else a :class:`ScenarioFileError` naming the key."""
    if isinstance(want, tuple):
        if isinstance(value, want):
            return value
        raise src.error(
            key,
            f"{key[-1]} = {value!r} is not " + " or ".join(_TYPE_WORDS[w] for w in want),
            f"write {key[-1]} as " + " or ".join(_TYPE_WORDS[w] for w in want),
        )
    if want is float and isinstance(value, (int, float)) and not isinstance(value, bool):
        return value
    if want is int and isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, want) and not (want in (int, float) and isinstance(value, bool)):
        return value
    if want in (int, float) and isinstance(value, str):
        try:
            num = want(value.strip())
        except ValueError:
            pass
        else:
            log.warning("%s: %s = %r is a string; read as the number %r", src.path, ".".join(map(str, key)), value, num)
            return num
    dotted = ".".join(f"[{p}]" if isinstance(p, int) else str(p) for p in key).replace(".[", "[")
    raise src.error(
        key,
        f"{dotted} = {value!r} is not {_TYPE_WORDS[want]}",
        f"write {key[-1]} = <{_TYPE_WORDS[want]}> (without quotes for numbers)",
    )


def check_keys(raw: dict, src: ModelFile) -> None:
    """Reject unknown keys and wrongly typed values of a parsed model file, in place coercing numbers.

    Every key is checked against the schema of the module (``_SCHEMA``); an unknown key raises naming its
    line and the nearest valid key (:func:`difflib.get_close_matches`), so a misspelt ``indicatorz`` or
    ``bootstrp`` stops the run instead of being ignored. Integers are accepted for numbers, integral floats
    for integers and numeric strings (``sigma = "5"``) for either, with a warning.

    Parameters
    ----------
    raw : dict
        The TOML document (modified in place where a value is coerced).
    src : ModelFile
        The file and its key → line map.

    Raises
    ------
    ScenarioFileError
        An unknown key, a table where a value is expected (or the reverse), or a value of the wrong type;
        the message names the file, the line, the key and the fix.
    """
    _check(raw, _SCHEMA, (), src)


def _check(node, schema, key: tuple, src: ModelFile) -> None:
    if not isinstance(node, dict):
        raise src.error(
            key,
            f"[{'.'.join(map(str, key))}] must be a table, got {node!r}",
            f"write it as a [{'.'.join(map(str, key))}] section",
        )
    for k in list(node):
        if k not in schema:
            raise src.error(key + (k,), f"unknown key {k!r}" + (f" in [{key[0]}]" if key else ""), _nearest(k, schema))
        want, v, kk = schema[k], node[k], key + (k,)
        if want is None:
            if not isinstance(v, dict):
                raise src.error(kk, f"{k} must be a table of names, got {v!r}", f"write [{k}] with name = value lines")
        elif isinstance(want, dict):
            _check(v, want, kk, src)
        elif isinstance(want, list):
            if k == "regressors":
                if not isinstance(v, dict):
                    raise src.error(
                        kk,
                        f"[regressors] must be a table, got {v!r}",
                        'write [regressors] with lines name = { kind = "pair", column = "rta" }',
                    )
                for name, entry in v.items():
                    if isinstance(entry, dict):  # a non-table entry is refused by the regressor check
                        _check(entry, want[0], kk + (name,), src)
            else:
                if not isinstance(v, list) or not all(isinstance(e, dict) for e in v):
                    raise src.error(kk, f"{k} must be a list of [[{k}]] tables", f"write each as a [[{k}]] section")
                for i, entry in enumerate(v):
                    _check(entry, want[0], kk + (i,), src)
        else:
            node[k] = _coerce(v, want, kk, src)


def known_iso3() -> frozenset[str]:
    """Country codes a model file may name: exactly those :func:`gravity.data.countries.known_codes` accepts
    (ISO3, current and obsolete, plus legacy and union codes such as BLX)."""
    from gravity.data.countries import known_codes

    return known_codes()


def load_config(path: str | Path, *, countries: frozenset[str] | None = None) -> CorridorConfig:
    """Parse and validate a corridor file before any data is read.

    Parameters
    ----------
    path : str or Path
        The TOML model file (e.g. ``models/eco_digital_corridor.toml``).
    countries : frozenset of str, optional
        Country codes the data know (default: :func:`known_iso3`).

    Returns
    -------
    CorridorConfig

    Raises
    ------
    ScenarioFileError
        For a missing file, invalid TOML or any invalid entry; the message names the file, the line,
        the key and the fix.
    """
    path = Path(path)
    if not path.exists():
        raise ScenarioFileError(
            f"{path}: no such file. Fix: pass the path of a corridor TOML file, e.g. models/eco_digital_corridor.toml"
        )
    if path.is_dir():
        raise ScenarioFileError(
            f"{path}: is a directory, not a model file. Fix: pass the TOML file inside it, "
            f"e.g. {path / 'eco_digital_corridor.toml'}"
        )
    try:
        text = path.read_text(encoding="utf-8-sig")  # a byte-order mark (Notepad's UTF-8) is dropped
    except (OSError, UnicodeDecodeError) as exc:
        raise ScenarioFileError(
            f"{path}: cannot be read ({type(exc).__name__}: {exc}). Fix: check the file's "
            "permissions and that it is a UTF-8 text (TOML) file"
        ) from None
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ScenarioFileError(f"{path}: not valid TOML ({exc}). Fix: correct the syntax there.") from exc
    return parse_config(raw, ModelFile(path, key_lines(text)), countries=countries)


def parse_config(raw: dict, src: ModelFile, *, countries: frozenset[str] | None = None) -> CorridorConfig:
    """Validate an already parsed model file (see :func:`load_config`).

    Parameters
    ----------
    raw : dict
        The TOML document.
    src : ModelFile
        The file and its key → line map, for error messages.
    countries : frozenset of str, optional
        Country codes the data know (default: :func:`known_iso3`).

    Returns
    -------
    CorridorConfig

    Raises
    ------
    ScenarioFileError
        Naming the line, the key and the fix.
    """
    known = countries if countries is not None else known_iso3()
    check_keys(raw, src)
    for top in ("sample", "groups", "indicators", "regressors", "specification", "ge", "scenario"):
        if top not in raw:
            raise src.error(
                (top,), f"missing section [{top}]", f"add [{top}] (see models/eco_digital_corridor.toml for the layout)"
            )
    sample = _sample(raw["sample"], src, known)
    groups = _groups(raw["groups"], src, known)
    indicators = {str(k): str(v) for k, v in raw["indicators"].items()}
    regressors = _regressors(raw["regressors"], src, indicators)
    specs = _specifications(raw["specification"], src, regressors, sample)
    ge = _ge(raw["ge"], src)
    scenarios = _scenarios(raw["scenario"], src, groups, known, indicators, regressors, specs)
    rep = raw.get("report", {})
    focus = str(rep.get("focus", "")).upper()
    if focus and focus not in known:
        raise src.error(("report", "focus"), f"unknown country {focus!r}", "give an ISO3 code such as 'TJK'")
    roles: dict[str, tuple[str, ...]] = {}
    for k, v in raw.get("roles", {}).items():
        vals = (v,) if isinstance(v, str) else tuple(v)
        known_names = indicators if k == "indicator" else regressors
        bad = [x for x in vals if x not in known_names]
        if bad or not vals or (k not in ("connectivity", "connectivity_landlocked") and len(vals) != 1):
            raise src.error(
                ("roles", k),
                f"role {k} names {bad or list(vals)}, not "
                + (
                    "one [indicators] name"
                    if k == "indicator"
                    else "regressors of [regressors]"
                    if k.startswith("connectivity")
                    else "one regressor of [regressors]"
                ),
                f"use {'names' if k.startswith('connectivity') else 'one'} of {', '.join(known_names)}",
            )
        roles[str(k)] = vals
    if not cfg_has_estimated(scenarios):
        raise src.error(
            ("scenario",),
            "no scenario moves an estimated regressor",
            "keep at least one estimated scenario beside the calibrated ones",
        )
    version = raw.get("version", FILE_VERSION)
    if not 1 <= version <= FILE_VERSION:
        raise src.error(
            ("version",),
            f"version = {version}, but this gravity reads model files of versions 1 to {FILE_VERSION}",
            f"set version = {FILE_VERSION}, or update gravity if the file was written for a newer one",
        )
    partners = rep.get("focus_partners", 15)
    if not 1 <= partners <= MAX_FOCUS_PARTNERS:
        raise src.error(
            ("report", "focus_partners"),
            f"focus_partners = {partners} is not a number of partners (1 to {MAX_FOCUS_PARTNERS})",
            "e.g. focus_partners = 15",
        )
    return CorridorConfig(
        path=src.path,
        title=str(raw.get("title", src.path.stem)),
        sample=sample,
        groups=groups,
        indicators=indicators,
        regressors=regressors,
        specifications=specs,
        ge=ge,
        scenarios=scenarios,
        focus=focus,
        focus_partners=int(rep.get("focus_partners", 15)),
        roles=roles,
        raw=raw,
        source=src,
    )


def cfg_has_estimated(scenarios) -> bool:
    """At least one scenario moves estimated regressors."""
    return any(not s.calibrated for s in scenarios)


def _countries(
    values: Any, key: tuple, src: ModelFile, known: frozenset[str], groups: dict[str, tuple[str, ...]] | None = None
) -> tuple[str, ...]:
    if not isinstance(values, list):
        raise src.error(key, f"expected a list of ISO3 codes, got {values!r}", 'write e.g. ["TJK", "UZB"]')
    out: list[str] = []
    for v in values:
        code = str(v).strip()
        if groups is not None and code in groups:
            out.extend(groups[code])
            continue
        if code.upper() not in known or not _ISO3.match(code.upper()):
            hint = f" or a group ({', '.join(groups)})" if groups else ""
            raise src.error(key, f"unknown country {code!r}", f"use an ISO3 code known to the data{hint}")
        out.append(code.upper())
    return tuple(dict.fromkeys(out))


def _sample(s: dict, src: ModelFile, known: frozenset[str]) -> Sample:
    years = s.get("years")
    if not years or not all(isinstance(y, int) for y in years):
        raise src.error(
            ("sample", "years"),
            f"years must be a non-empty list of integers, got {years!r}",
            "e.g. years = [2000, 2004, 2008, 2012, 2016]",
        )
    base = s.get("base_year", max(years))
    if base not in years:
        raise src.error(
            ("sample", "base_year"),
            f"base_year {base} is not one of the sample years {years}",
            "choose one of the years listed in [sample] years",
        )
    carry = int(s.get("carry_forward_years", 0))
    if carry < 0:
        raise src.error(("sample", "carry_forward_years"), "must be >= 0", "set 0 (no carry) or a small integer")
    ctry = _countries(s.get("countries", []), ("sample", "countries"), src, known)
    return Sample(tuple(sorted(years)), int(base), carry, ctry)


def _groups(g: dict, src: ModelFile, known: frozenset[str]) -> dict[str, tuple[str, ...]]:
    return {str(name): _countries(v, ("groups", name), src, known) for name, v in g.items()}


def _regressors(r: dict, src: ModelFile, indicators: dict[str, str]) -> dict[str, Regressor]:
    out = {}
    allowed = interaction_columns(indicators)
    for name, d in r.items():
        key = ("regressors", name)
        if not isinstance(d, dict):
            raise src.error(key, f"regressor {name!r} must be a table", '{ kind = "pair", column = "rta" }')
        kind = d.get("kind")
        if kind not in KINDS:
            raise src.error(
                key + ("kind",), f"unknown kind {kind!r} for regressor {name!r}", f"use one of {', '.join(KINDS)}"
            )
        times = d.get("times")
        if times is not None and times not in allowed:
            raise src.error(key + ("times",), f"unknown interaction {times!r}", f"use one of {', '.join(allowed)}")
        reads = KINDS[kind].reads
        if reads == "indicator":
            ind = d.get("indicator")
            if ind not in indicators:
                raise src.error(
                    key + ("indicator",),
                    f"unknown indicator {ind!r}",
                    f"use one of {', '.join(indicators)} or declare it under [indicators]",
                )
            out[name] = Regressor(name, kind, indicator=ind, times=times)
        else:
            cols = d.get("columns") if reads == "columns" else [d.get("column")]
            if not cols or not isinstance(cols, list) or not all(isinstance(c, str) and c for c in cols):
                need = 'columns = ["a", "b"]' if reads == "columns" else 'column = "name"'
                raise src.error(key, f"regressor {name!r} of kind {kind!r} names no column", f"add {need}")
            out[name] = Regressor(name, kind, columns=tuple(cols), times=times)
    return out


def _unique_name(d: dict, key: tuple, seen: set, src: ModelFile) -> str:
    """The ``name`` of a [[specification]] / [[scenario]] entry, which must be present and unique."""
    name = d.get("name")
    if not name or name in seen:
        raise src.error(
            key + ("name",), f"{key[0]} name {name!r} missing or repeated", f"give every [[{key[0]}]] a unique name"
        )
    seen.add(name)
    return name


def _specifications(specs: list, src: ModelFile, regressors: dict[str, Regressor], sample: Sample):
    out = []
    names: set[str] = set()
    for i, d in enumerate(specs):
        key = ("specification", i)
        name = _unique_name(d, key, names, src)
        formula = d.get("formula", "")
        try:  # the estimator's own parser: a formula that passes here is one gv.ppml reads
            f = parse_formula(formula)
            slopes, fes, lhs = f.slopes, tuple(f.fe_names), f.depvar
        except ValueError as exc:
            raise src.error(key + ("formula",), str(exc), "write 'trade ~ x1 + x2 | exporter^year + ...'") from None
        if lhs != "trade":
            raise src.error(key + ("formula",), f"outcome {lhs!r} is not 'trade'", "use 'trade ~ ...'")
        for s in slopes:
            if s not in regressors:
                raise src.error(
                    key + ("formula",),
                    f"unknown regressor {s!r} in specification {name!r}",
                    f"define {s} under [regressors] (known: {', '.join(regressors)})",
                )
        if not slopes:
            raise src.error(key + ("formula",), "no regressors", "list at least one regressor before '|'")
        years = d.get("years")
        if years is not None and not set(years) <= set(sample.years):
            raise src.error(
                key + ("years",),
                f"years {years} are not all in [sample] years {list(sample.years)}",
                "use a subset of the sample years",
            )
        out.append(
            Specification(
                name=name,
                formula=formula,
                slopes=slopes,
                fixed_effects=fes,
                cluster=d.get("cluster"),
                label=d.get("label", name),
                headline=bool(d.get("headline", False)),
                years=tuple(years) if years else None,
                identifies=str(d.get("identifies", "")).strip(),
                cannot=str(d.get("cannot", "")).strip(),
                domestic_breaks=_break_mode(d, key, src),
            )
        )
    heads = [s for s in out if s.headline]
    if len(heads) != 1:
        raise src.error(
            ("specification",),
            f"{len(heads)} specifications have headline = true",
            "mark exactly one [[specification]] with headline = true",
        )
    if sample.base_year not in (heads[0].years or sample.years):
        raise src.error(
            ("specification", out.index(heads[0]), "years"),
            "the headline specification does not cover the base year",
            "include base_year",
        )
    return tuple(out)


def _break_mode(d: dict, key: tuple, src: ModelFile) -> str:
    mode = d.get("domestic_breaks", "drop")
    if mode not in BREAK_MODES:
        raise src.error(
            key + ("domestic_breaks",),
            f"domestic_breaks = {mode!r}",
            "use one of " + "; ".join(f"{k!r} ({v})" for k, v in BREAK_MODES.items()),
        )
    return mode


def _ge(g: dict, src: ModelFile) -> GESettings:
    def num(key, default=None, *, cast=float):
        v = g.get(key, default)
        if v is None or isinstance(v, bool) or not isinstance(v, (int, float)) or not math.isfinite(v):
            raise src.error(("ge", key), f"{key} must be a finite number, got {v!r}", f"set {key} = <number>")
        return cast(v)

    sigma = num("sigma")
    if sigma <= 1:
        raise src.error(
            ("ge", "sigma"),
            f"sigma = {sigma} but the elasticity of substitution must exceed 1 (trade costs enter as t^(1-sigma))",
            "set sigma > 1, e.g. sigma = 5.0",
        )
    sens = g.get("sigma_sensitivity", [])
    for v in sens:
        if not isinstance(v, (int, float)) or v <= 1:
            raise src.error(
                ("ge", "sigma_sensitivity"),
                f"sigma_sensitivity value {v!r} is not > 1",
                "list values of sigma above 1, e.g. [3.0, 7.0]",
            )
    draws, boot = num("draws", cast=int), num("bootstrap", 0, cast=int)
    if draws < 2 or boot < 0 or boot == 1:
        raise src.error(
            ("ge", "draws"),
            f"draws = {draws}, bootstrap = {boot}: too few for an interval",
            "use draws >= 2 and bootstrap = 0 or >= 2",
        )
    if draws > MAX_DRAWS:
        raise src.error(
            ("ge", "draws"),
            f"draws = {g['draws']!r} is more than the {MAX_DRAWS:,} draws a run "
            f"can hold (each keeps every effect of every country; {draws:.3g} would need about "
            f"{draws * 16 * 200 * 8 / 1e9:,.0f} GB for 200 countries)",
            "600 to 10000 draws give a stable 95% interval, e.g. draws = 2000",
        )
    if boot > MAX_BOOTSTRAP:
        raise src.error(
            ("ge", "bootstrap"),
            f"bootstrap = {boot} re-fits is more than {MAX_BOOTSTRAP:,} (each is a full PPML fit)",
            "use 0 (parametric draws only) or a few hundred",
        )
    seed = num("seed", 0, cast=int)
    if not 0 <= seed <= MAX_SEED:
        raise src.error(
            ("ge", "seed"),
            f"seed = {seed} is not a non-negative integer below 2^63 (random generators take seeds >= 0)",
            "e.g. seed = 20161",
        )
    ci = num("ci", 0.95)
    if not 0 < ci < 1:
        raise src.error(("ge", "ci"), f"ci = {ci} is not a probability", "e.g. ci = 0.95")
    method = g.get("domestic_method", "industry")
    if method not in DOMESTIC_METHODS:
        raise src.error(
            ("ge", "domestic_method"), f"unknown domestic-flow method {method!r}", f"use one of {DOMESTIC_METHODS}"
        )
    mult = num("gross_output_multiplier", 3.0)
    floor = num("domestic_floor_share", 0.1)
    if mult < 1:
        raise src.error(("ge", "gross_output_multiplier"), "gross output cannot be below value added", "set >= 1")
    if not 0 < floor < 1:
        raise src.error(("ge", "domestic_floor_share"), "must lie in (0, 1)", "e.g. 0.1")
    jobs = num("jobs", 1, cast=int)
    if jobs < 1:
        raise src.error(("ge", "jobs"), f"jobs = {jobs}", "use 1 or more processes")
    ref = str(g.get("reference", "DEU")).upper()
    if not _ISO3.match(ref):
        raise src.error(("ge", "reference"), f"reference {ref!r} is not an ISO3 code", 'e.g. reference = "DEU"')
    fill = g.get("fill_zero_links", "cow")
    if fill not in ("cow", "none"):
        raise src.error(
            ("ge", "fill_zero_links"),
            f"fill_zero_links = {fill!r}",
            'use "cow" (fill zero links among the group from COW import reports) or "none"',
        )
    share = num("domestic_share_floor", 0.1)
    if not 0 <= share < 1:
        raise src.error(
            ("ge", "domestic_share_floor"),
            f"domestic_share_floor = {share}",
            "give a share in [0, 1), e.g. 0.1 (0 switches the check off)",
        )
    return GESettings(
        sigma, tuple(float(v) for v in sens), draws, boot, seed, ci, method, mult, floor, jobs, ref, fill, share or None
    )


def _cost_cut(d: dict, key: tuple, src: ModelFile, members: tuple[str, ...], groups) -> CostCut:
    """``[scenario.cost_cut]``: ``percent`` (and optional ``low``/``high``) as one number for every member
    or a table group name → number (each member in exactly one of those groups); ``figures``: ids of the
    published figures that state the numbers (checked against the figures file before estimation)."""
    if not members:
        raise src.error(key[:-1] + ("members",), "no members", 'list ISO3 codes or a group such as "ECO"')

    def per_member(value, k) -> dict[str, float]:
        if isinstance(value, dict):
            out: dict[str, float] = {}
            for g, v in value.items():
                if g not in groups:
                    raise src.error(
                        key + (k, g), f"{g!r} is not a group of [groups]", f"define {g} = [ISO3 codes] under [groups]"
                    )
                for m in groups[g]:
                    if m in members:
                        if m in out:
                            raise src.error(
                                key + (k, g), f"{m} is in two of the groups of {k}", "put each member in one group only"
                            )
                        out[m] = v
            lack = [m for m in members if m not in out]
            if lack:
                raise src.error(
                    key + (k,),
                    f"members {lack} are in none of the groups of {k}",
                    "add them to one of the groups named",
                )
        else:
            out = {m: value for m in members}
        for m, v in out.items():
            if isinstance(v, bool) or not isinstance(v, (int, float)) or not 0 < v < 100:
                raise src.error(key + (k,), f"{k} = {v!r} for {m}", "give a cut in % between 0 and 100, e.g. 14.3")
        return {m: float(v) for m, v in out.items()}

    if "percent" not in d:
        raise src.error(key, "cost_cut has no percent", "write percent = 14.3 (the published cut, %)")
    pct = per_member(d["percent"], "percent")
    low = per_member(d["low"], "low") if "low" in d else dict(pct)
    high = per_member(d["high"], "high") if "high" in d else dict(pct)
    bad = [m for m in pct if not low[m] <= pct[m] <= high[m]]
    if bad:
        raise src.error(
            key, f"low <= percent <= high fails for {bad}", "order the published range around the central cut"
        )
    figs = d.get("figures", [])
    if not figs or not all(isinstance(f, str) and f for f in figs):
        raise src.error(
            key + ("figures",),
            "no published figure named",
            'name the figure ids that state the cut, e.g. figures = ["WTR15-a"]',
        )
    from gravity.scenario.calibrated import VARIANTS

    variants = d.get("variants", list(VARIANTS))
    if not variants or any(v not in VARIANTS for v in variants):
        raise src.error(key + ("variants",), f"variants = {variants!r}", f"use some of {list(VARIANTS)}")
    return CostCut(pct, low, high, tuple(figs), tuple(variants))


def _blame_regressor_typo(shocked: str, inds: dict, spec, regressors, indicators, src: ModelFile) -> None:
    """A scenario shocks an input no regressor of its specification reads: if a regressor reads a column
    that is a near miss of that input (``intrnet_o`` for ``internet_o``), the typo is on the regressor's line."""
    wanted = [f"{shocked}_o", f"{shocked}_d"] if shocked in inds else [shocked]
    for r in spec.slopes:
        for col in regressors[r].columns:
            if col in wanted or col in {f"{x}_{s}" for x in indicators for s in ("o", "d")}:
                continue
            close = difflib.get_close_matches(col, wanted, n=1, cutoff=0.8)
            if close:
                raise src.error(
                    ("regressors", r),
                    f"regressor {r!r} reads {col!r}, which is not a column the "
                    f"panel builds; did you mean {close[0]!r}? (scenarios shocking {shocked!r} move "
                    "nothing until it reads the right column)",
                    f"write {close[0]!r} in its columns",
                )


def _included(d: dict, key: tuple, earlier: dict[str, dict], src: ModelFile) -> dict:
    """A scenario with ``include = ["fibre", "paperless"]``: the indicators and agreement dummies of those
    earlier scenarios, then its own (its own win on a conflict); members, label and spec stay its own."""
    inc = d.get("include", [])
    if not inc:
        return d
    if not isinstance(inc, list) or not all(isinstance(x, str) for x in inc):
        raise src.error(key + ("include",), f"include = {inc!r}", 'list earlier scenario names, e.g. ["fibre"]')
    out = {k: v for k, v in d.items() if k != "include"}
    inds: dict = {}
    agr: dict = {}
    for name in inc:
        if name not in earlier:
            raise src.error(
                key + ("include",),
                f"include names {name!r}, which is not an earlier estimated scenario",
                f"use one of {', '.join(earlier) or '(none yet)'}, defined above this one",
            )
        if "cost_cut" in earlier[name]:
            raise src.error(
                key + ("include",),
                f"{name!r} is a calibrated scenario",
                "include estimated scenarios only (a published cut is reported on its own)",
            )
        inds.update(earlier[name].get("indicators", {}))
        agr.update(earlier[name].get("agreement", {}))
    inds.update(d.get("indicators", {}))
    agr.update(d.get("agreement", {}))
    if inds:
        out["indicators"] = inds
    if agr:
        out["agreement"] = agr
    return out


def _percent_indicator(name: str) -> bool:
    """The indicator is a percentage (its catalogue unit starts with "%"), so a target above 100 is impossible."""
    from gravity.data.readers.indicators import CATALOGUE

    return name in CATALOGUE and CATALOGUE[name].unit.startswith("%")


def _scenarios(items: list, src: ModelFile, groups, known, indicators, regressors, specs) -> tuple[Scenario, ...]:
    headline = next(s for s in specs if s.headline)
    by_name = {s.name: s for s in specs}
    out = []
    names: set[str] = set()
    raw_by_name: dict[str, dict] = {}
    for i, d in enumerate(items):
        key = ("scenario", i)
        name = _unique_name(d, key, names, src)
        d = _included(d, key, raw_by_name, src)
        raw_by_name[name] = d
        members = _countries(d.get("members", []), key + ("members",), src, known, groups)
        spec_name = d.get("spec", headline.name)
        if spec_name not in by_name:
            raise src.error(key + ("spec",), f"unknown specification {spec_name!r}", f"use one of {', '.join(by_name)}")
        spec = by_name[spec_name]
        inds = d.get("indicators", {})
        cut = _cost_cut(d["cost_cut"], key + ("cost_cut",), src, members, groups) if "cost_cut" in d else None
        if cut is not None:
            if inds or d.get("agreement"):
                raise src.error(
                    key + ("cost_cut",),
                    f"scenario {name!r} has both a cost_cut and estimated shocks",
                    "make the published cut a scenario of its own (calibrated and estimated "
                    "scenarios are reported side by side)",
                )
            out.append(Scenario(name=name, label=d.get("label", name), members=members, spec=spec_name, cost_cut=cut))
            continue
        for ind, target in inds.items():
            if ind not in indicators:
                raise src.error(
                    key + ("indicators", ind),
                    f"unknown indicator {ind!r}",
                    f"use one of {', '.join(indicators)} (declared under [indicators])",
                )
            if not (
                target == "frontier"
                or (
                    isinstance(target, (int, float))
                    and not isinstance(target, bool)
                    and math.isfinite(target)
                    and target >= 0
                )
            ):
                raise src.error(
                    key + ("indicators", ind),
                    f"target {target!r} for {ind!r}",
                    'use "frontier" or a non-negative number',
                )
            if target != "frontier" and _percent_indicator(ind) and target > 100:
                raise src.error(
                    key + ("indicators", ind),
                    f"target {target!r} for {ind!r}, a share of the population in %, is above 100",
                    'use a number in [0, 100] or "frontier"',
                )
        agr = d.get("agreement", {})
        for col, v in agr.items():
            if isinstance(v, bool) or v not in (0, 1):
                raise src.error(key + ("agreement", col), f"agreement dummy {col} = {v!r}", "set it to 1 (or 0)")
        sc = Scenario(
            name=name,
            label=d.get("label", name),
            members=members,
            indicators=dict(inds),
            agreement={k: float(v) for k, v in agr.items()},
            spec=spec_name,
        )
        used = {inp for r in spec.slopes for inp in regressors[r].inputs}
        unused = [ind for ind in inds if not {f"{ind}_o", f"{ind}_d"} & used]  # either side is enough
        unused += [col for col in agr if col not in used]
        if unused:
            base = unused[0]
            _blame_regressor_typo(base, inds, spec, regressors, indicators, src)
            raise src.error(
                key + ("indicators" if base in inds else "agreement", base),
                f"scenario {name!r} shocks {base!r} but specification {spec_name!r} estimates no "
                f"coefficient on a regressor built from it (its regressors: {', '.join(spec.slopes)})",
                f"remove {base!r} from the scenario, or add a regressor using it to {spec_name!r}",
            )
        if not members:
            raise src.error(key + ("members",), "no members", 'list ISO3 codes or a group such as "ECO"')
        shocks = [
            k
            for k, v in d.items()
            if k not in ("name", "label", "members", "spec", "include") and v not in ({}, [], "")
        ]
        if not shocks:
            raise src.error(
                key,
                f"scenario {name!r} names members but no shock (no indicators or agreement "
                "entries), so every effect would be 0",
                'add e.g. indicators = { internet = "frontier" } '
                "or agreement = { rta = 1 } or a [scenario.cost_cut] table, or remove the scenario",
            )
        out.append(sc)
    return tuple(out)
