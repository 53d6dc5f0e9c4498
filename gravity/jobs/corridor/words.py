"""The place-specific words of a corridor report, read from the model file's ``[report]`` section.

Nothing about a region is written in the code: the group the report is about (its name also names
the aggregates: "<group>", "<group> landlocked", "Rest of world (non-<group>)"), the trade data's description, the
sources and the data notes come from the model file::

    [report]
    group = "<a name of [groups]>"
    trade_data = "UN Comtrade merchandise exports, exporter-reported"
    sources = ["UN Comtrade ...", "CEPII GeoDist ..."]
    data_notes = ["No bilateral flows with TJK, UZB or TKM as exporters ..."]
    [report.indicator_notes]
    bandwidth = "ITU international bandwidth starts in 2013 ..."
    [report.one_sector_gap]           # measured multi-sector-with-IO / one-sector welfare ratios
    wiod_ratio = 2.68
    cp_ratio = 2.24
    measured_by = "benchmarks/bench_multisector.py ..."
"""

from __future__ import annotations

from dataclasses import dataclass, field

from gravity.scenario.config import CorridorConfig, ScenarioFileError


@dataclass(frozen=True)
class ReportWords:
    """The ``[report]`` section's words (see the module docstring)."""

    group: str
    members: tuple[str, ...]
    trade_data: str = "bilateral trade flows"
    sources: tuple[str, ...] = ()
    data_notes: tuple[str, ...] = ()
    indicator_notes: dict[str, str] = field(default_factory=dict)
    one_sector_gap: dict = field(default_factory=dict)

    @property
    def aggregates(self) -> tuple[str, ...]:
        """Names of the group aggregates, in table order: the group, its landlocked members, all
        landlocked countries, the rest of the world, the world."""
        g = self.group
        return (g, f"{g} landlocked", "All landlocked", f"Rest of world (non-{g})", "World")


def _strings(value, key: str, cfg: CorridorConfig) -> tuple[str, ...]:
    if isinstance(value, str) or not all(isinstance(v, str) for v in value):
        raise ScenarioFileError(
            f'{cfg.path}: [report] {key} must be a list of strings. Fix: write {key} = ["...", "..."]'
        )
    return tuple(value)


def report_words(cfg: CorridorConfig) -> ReportWords:
    """The :class:`ReportWords` of a validated model file.

    Parameters
    ----------
    cfg : CorridorConfig
        The model file (:func:`gravity.scenario.config.load_config`).

    Returns
    -------
    ReportWords
        ``group`` defaults to the file's first ``[groups]`` entry (members: the scenario members when
        the file has no group); ``one_sector_gap`` is ``[report.one_sector_gap]`` (empty when absent).

    Raises
    ------
    ScenarioFileError
        ``[report] group`` is not a group of the file, or a list of texts is not a list of strings.
    """
    rep = dict(cfg.raw.get("report", {}))
    group = str(rep.get("group", next(iter(cfg.groups), "members")))
    if "group" in rep and group not in cfg.groups:
        raise ScenarioFileError(
            f"{cfg.path}: [report] group {group!r} is not in [groups] "
            f"({', '.join(cfg.groups) or 'none'}). Fix: name one of them"
        )
    notes = rep.get("indicator_notes", {})
    if not isinstance(notes, dict) or not all(isinstance(v, str) for v in notes.values()):
        raise ScenarioFileError(
            f'{cfg.path}: [report.indicator_notes] must map indicator names to texts. Fix: write bandwidth = "..."'
        )
    return ReportWords(
        group=group,
        members=tuple(cfg.groups.get(group, cfg.members)),
        trade_data=str(rep.get("trade_data", ReportWords.trade_data)),
        sources=_strings(rep.get("sources", ()), "sources", cfg),
        data_notes=_strings(rep.get("data_notes", ()), "data_notes", cfg),
        indicator_notes={str(k): v for k, v in notes.items()},
        one_sector_gap=dict(rep.get("one_sector_gap", {})),
    )
