"""The GE's options, shared by the one-sector and the multi-sector models: numeraire, deficit rule and the
settings of solves and draws.

**One deficit vocabulary.** A country's expenditure E_j differs from its output Y_j by its deficit
D_j = E_j − Y_j; a counterfactual must say what happens to D_j when prices move (:data:`DEFICIT_RULES`):

============ ================================================ ================================================
rule         one sector (:func:`gravity.ge.solve`)             many sectors (:func:`gravity.ge.solve_multisector`)
============ ================================================ ================================================
``ratio``    E'_j = κ φ_j Y'_j, φ_j = E_j / Y_j fixed, one     not available (income there includes tariff
             common κ (world expenditure = world output)        revenue: a ratio to output has no single meaning)
``additive`` E'_j = Y'_j + D_j Σ_i Y'_i / Σ_i Y_i: D_j fixed   D_n fixed in units of world value added
             as a share of world output                         Σ_n w_nL_n (CP's "fixed deficits"), the same rule
``balanced`` deficits purged first (E = Y, Dekle, Eaton &      D_n = 0 in the re-solved baseline and in the
             Kortum 2007), the scenario solved on that          counterfactual (CP's "zero deficits", section 5.1),
             balanced baseline                                  the same rule
============ ================================================ ================================================

One sector without input-output linkages solves to the same numbers under ``additive`` in both models
(``tests/test_ge_multisector.py``). The words ``"fixed"`` and ``"zero"`` of earlier versions of the
multi-sector model are refused with the word that replaced them.

**Numeraire** (:data:`Numeraire`): ``reference`` (the reference country's consumer price index P_ref = 1,
the book's) or ``world_output`` (Σ_i Y_i p̂_i = Σ_i Y_i: world output, world value added in the
multi-sector model, unchanged). Real effects do not depend on it.

**Settings.** :class:`SolveSettings` (how each GE is solved) and :class:`DrawSettings` (how draws are made,
summarised and run) bundle the options of :func:`gravity.ge.confidence_intervals`,
:func:`gravity.ge.pooled_intervals` and :func:`gravity.ge.theta_draws`; those functions also take each
field as a keyword argument (``draws=1000, seed=1, deficits="additive"``).
"""

from __future__ import annotations

from dataclasses import dataclass, fields, replace
from typing import Any, Literal

from gravity.ge.errors import GEInputError
from gravity.options import validator

__all__ = [
    "DEFICIT_RULES",
    "DeficitRule",
    "DrawSettings",
    "MultiSectorDeficits",
    "Numeraire",
    "SolveSettings",
    "check_deficit_rule",
    "check_multisector_deficits",
    "check_numeraire",
    "settings_from",
]

Numeraire = Literal["reference", "world_output"]
DeficitRule = Literal["ratio", "additive", "balanced"]
MultiSectorDeficits = Literal["additive", "balanced"]

DEFICIT_RULES = {
    "ratio": "κ rule: E_j / Y_j is kept with one common κ, so world expenditure equals world output "
    "(Yotov et al. 2016, ch. 2).",
    "additive": "Additive deficits: D_j = E_j − Y_j is kept as a share of world output (ge_gravity's default).",
    "balanced": "Balanced trade: deficits are purged first (E_j = Y_j, Dekle, Eaton & Kortum 2007) and the "
    "scenario is solved on the purged baseline.",
}
"""Each deficit rule in one sentence (the one-sector wording; the module docstring maps the multi-sector model)."""

check_numeraire = validator(Numeraire, "numeraire", GEInputError)
check_deficit_rule = validator(DeficitRule, "deficits", GEInputError)
check_multisector_deficits = validator(
    MultiSectorDeficits,
    "deficits",
    GEInputError,
    hint="the multi-sector model's 'fixed' deficits are now called 'additive' and its 'zero' deficits "
    "'balanced' (the one-sector words for the same rules); 'ratio' (E_j / Y_j fixed) is a one-sector rule",
)


@dataclass(frozen=True)
class SolveSettings:
    """How each GE of a set of draws is solved.

    Attributes
    ----------
    numeraire : {"reference", "world_output"}, optional
        Default (None): the model's own (``reference`` in one sector, world value added in many).
    deficits : {"ratio", "additive", "balanced"}, optional
        The deficit rule (module docstring); default (None): the model's own (``ratio`` in one sector,
        ``additive`` in many). A model refuses the rules it does not have.
    tol : float
        Stop rule of every fixed point (max |Δ log| of the iterate; the labour-market residual in the
        multi-sector model).
    max_iter : int
        Iteration limit of every fixed point.
    """

    numeraire: Numeraire | None = None
    deficits: DeficitRule | None = None
    tol: float = 1e-10
    max_iter: int = 100_000

    def __post_init__(self):
        if self.numeraire is not None:
            check_numeraire(self.numeraire)
        if self.deficits is not None:
            check_deficit_rule(self.deficits)
        if not (self.tol > 0 and int(self.max_iter) >= 1):
            raise GEInputError(f"tol must be > 0 and max_iter ≥ 1, got tol={self.tol}, max_iter={self.max_iter}")


@dataclass(frozen=True)
class DrawSettings:
    """How draws are made, summarised and where they run.

    Attributes
    ----------
    draws : int
        D ≥ 1.
    seed : int
        Draw d takes its random stream from ``seed`` and d, so results do not depend on where it ran.
    level : float
        Coverage of the percentile intervals, in (0, 1).
    chunk : int
        Draws per task (one-sector GE draws).
    progress : bool
        Show a tqdm progress bar.
    label : str
        What the draws are for, shown in the progress bar.
    workers : int, optional
        Local Dask worker processes (0 = in this process; None = one per core; small jobs run in-process).
    executor : Executor, distributed.Client or str, optional
        Where the draws run (:func:`gravity.execution.as_executor`); default ``GRAVITY_SCHEDULER`` if set,
        else ``workers``.
    """

    draws: int = 1000
    seed: int = 0
    level: float = 0.95
    chunk: int = 64
    progress: bool = True
    label: str = ""
    workers: int | None = None
    executor: Any = None

    def __post_init__(self):
        from gravity.execution import check_workers

        if int(self.draws) < 1:
            raise GEInputError(f"draws must be ≥ 1, got {self.draws}")
        if not 0 < self.level < 1:
            raise GEInputError(f"level must be in (0, 1), got {self.level}")
        if int(self.chunk) < 1:
            raise GEInputError(f"chunk must be ≥ 1, got {self.chunk}")
        check_workers(self.workers)


def settings_from(
    options: dict, solve: SolveSettings | None = None, run: DrawSettings | None = None, *, where: str = ""
) -> tuple[SolveSettings, DrawSettings]:
    """The two settings of a draws function: ``solve`` and ``run`` (or the defaults) with the fields named in
    the keyword ``options`` replaced.

    Parameters
    ----------
    options : dict
        Keyword arguments given to a draws function (``draws=``, ``deficits=`` ...), each a field of
        :class:`SolveSettings` or :class:`DrawSettings`.
    solve, run : SolveSettings, DrawSettings, optional
        Settings given as objects.
    where : str
        The function, for the message.

    Returns
    -------
    (SolveSettings, DrawSettings)

    Raises
    ------
    GEInputError
        An option that is a field of neither (the message lists them), or a bad value.
    """
    s_names = {f.name for f in fields(SolveSettings)}
    r_names = {f.name for f in fields(DrawSettings)}
    unknown = sorted(set(options) - s_names - r_names)
    if unknown:
        raise GEInputError(f"{where}: unknown option(s) {unknown}; options are {sorted(s_names | r_names)}")
    return (
        replace(solve or SolveSettings(), **{k: v for k, v in options.items() if k in s_names}),
        replace(run or DrawSettings(), **{k: v for k, v in options.items() if k in r_names}),
    )
