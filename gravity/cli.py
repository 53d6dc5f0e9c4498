"""Command line: ``gravity ...`` (also ``python -m gravity.cli ...``).

Each command lives in its own function; heavy modules are imported inside the command so that
``gravity --help`` stays instant.

    gravity --version                    the version and where the package is imported from
    gravity list                         the replications shipped in gravity/jobs/replicate/recipes/
    gravity replicate NAME [--out DIR]   run one, print ours beside the published values,
                                         write DIR/NAME.csv and DIR/NAME.md; exit 1 when a
                                         difference exceeds its stated tolerance
    gravity corridor FILE [--out DIR]    the digital-corridor analysis of a model file
                                         (default DIR: results/<FILE's stem>)
    gravity data [KEY...] [--verify] [--fetch]
                                         which data directory applies and why, and each registered
                                         file's state (found / verified / missing / fetched)

A missing or unreadable data file ends the command with ``error: ...`` (the file, its URL and the fix)
and exit code 2, not a traceback; a misspelt replication, dataset key or model file gets a "did you
mean". Help texts are plain click help (no rich markup: ``[data]`` in a help text stays as written).
"""

from __future__ import annotations

from pathlib import Path

import typer


def _data_error(exc: Exception) -> typer.Exit:
    """Print a data-layer error (missing file, checksum, config) as one message; exit code 2."""
    typer.echo(f"error: {exc}", err=True)
    return typer.Exit(code=2)


app = typer.Typer(
    name="gravity",
    help="Structural gravity: PPML-HDFE estimation, GE counterfactuals, replications.",
    no_args_is_help=True,
    add_completion=False,
    rich_markup_mode=None,
)


def _version(value: bool) -> None:
    if value:
        import gravity

        typer.echo(
            f"gravity {gravity.__version__} (distribution gravity-corridor) from "
            f"{Path(gravity.__file__).resolve().parent}"
        )
        raise typer.Exit()


@app.callback()
def main(
    version: bool = typer.Option(
        False,
        "--version",
        callback=_version,
        is_eager=True,
        help="Print the version and where the package is imported from, then exit.",
    ),
) -> None:
    """Structural gravity: PPML-HDFE estimation, GE counterfactuals, replications."""


@app.command("list")
def list_replications() -> None:
    """List the replication files shipped in the package with their title and source."""
    from gravity.jobs.replicate.spec import available

    for spec in available():
        typer.echo(f"{spec.name:<24} {spec.title}")
        if spec.source and spec.variant is None:
            typer.echo(f"{'':<24} source: {spec.source}")


@app.command("replicate")
def replicate_command(
    name: str = typer.Argument(
        ..., metavar="NAME", help="replication name, e.g. yotov2016-ch1 (see `gravity list`), or 'all'"
    ),
    out: Path = typer.Option(
        Path("results/replications"), "--out", metavar="DIR", help="directory for NAME.csv / NAME.md"
    ),
    status: Path = typer.Option(
        None, "--status", metavar="FILE", help="also write a markdown status table to this file"
    ),
    models: Path = typer.Option(
        None,
        "--models",
        metavar="DIR",
        help="directory of replication files (default: the recipes shipped in the package)",
    ),
) -> None:
    """Run a replication: ours beside the published values; exit 1 if any difference exceeds tolerance."""
    from gravity.jobs.replicate.runners import run
    from gravity.jobs.replicate.spec import MODELS_DIR, ReplicationError, available
    from gravity.jobs.replicate.status import status_table

    models = models or MODELS_DIR
    names = [r.name for r in available(models) if r.variant is None] if name == "all" else [name]
    reports = []
    from gravity.data.registry import ChecksumError, DataConfigError, DataUnavailableError

    try:
        for n in names:
            reports.append(run(n, out_dir=out, echo=typer.echo, models_dir=models))
    except (ReplicationError, DataUnavailableError, ChecksumError, DataConfigError) as exc:
        raise _data_error(exc) from None
    if status is not None:
        status.parent.mkdir(parents=True, exist_ok=True)
        status.write_text(status_table(reports))
        typer.echo(f"wrote {status}")
    if len(reports) > 1:
        typer.echo("\n" + "\n".join(r.status_line() for r in reports))
    raise typer.Exit(code=0 if all(r.ok for r in reports) else 1)


@app.command("corridor")
def corridor(
    spec: Path = typer.Argument(..., metavar="FILE", help="corridor model file, e.g. models/eco_digital_corridor.toml"),
    out: Path = typer.Option(
        None,
        "--out",
        metavar="DIR",
        help="directory for the workbook, tables, plots and report: "
        "new, empty, or the output of an earlier run (only files gravity wrote there are "
        "replaced) [default: results/<FILE's stem>, e.g. results/eco_digital_corridor]",
    ),
    scheduler: str = typer.Option(
        None,
        "--scheduler",
        metavar="ADDRESS",
        help="Dask scheduler for the draws and "
        "re-fits, tcp://host:8786 (sets GRAVITY_SCHEDULER; default: this machine)",
    ),
    force: bool = typer.Option(
        False,
        "--force",
        help="write into a folder holding other files, beside them (they are never changed or deleted)",
    ),
) -> None:
    """Digital-corridor analysis: estimates, GE scenarios with 95% CIs, ministry workbook, plots, report.

    The outputs go to --out: a new or empty folder, or one an earlier run wrote (its gravity_outputs.json
    lists the files gravity may replace). Any other file there is never changed or deleted.
    """
    import os

    from gravity.data.registry import ChecksumError, DataConfigError, DataUnavailableError
    from gravity.execution import ENV_SCHEDULER, ExecutionError, get_executor
    from gravity.jobs.corridor import pipeline as co
    from gravity.scenario.config import ScenarioFileError

    _model_file_exists(spec)
    out = Path("results") / spec.stem if out is None else out
    try:
        target = co.check_output(out, force=force, inputs=(spec,))  # before any work
        if scheduler:
            get_executor(scheduler=scheduler)  # reachable now, not after the estimation
            os.environ[ENV_SCHEDULER] = scheduler
        res = co.run(spec, target)
    except (ScenarioFileError, DataUnavailableError, ChecksumError, DataConfigError) as exc:
        raise _data_error(exc) from None
    except ExecutionError as exc:
        raise typer.BadParameter(str(exc), param_hint="--scheduler / GRAVITY_SCHEDULER") from None
    typer.echo(co.summary(res))
    typer.echo(_written(res.paths, out))


def _model_file_exists(spec: Path) -> None:
    """A missing model file with a near name beside it (or in ./models) stops here with "did you mean"."""
    from gravity._names import closest

    if spec.exists():
        return
    folders = [spec.parent] + ([Path("models")] if spec.parent != Path("models") else [])
    near = [
        str(f / name)
        for f in folders
        if f.is_dir()
        for name in closest(spec.name, [p.name for p in f.glob("*.toml")], n=1)
    ]
    if near:
        typer.echo(f"error: {spec}: no such file; did you mean {near[0]}?", err=True)
        raise typer.Exit(code=2)
    # otherwise the model-file reader says what to pass


def _written(paths: dict, out: Path) -> str:
    """The end message: the folder, the report (md and html) and the workbook, from the run's ``paths``
    (``report_md``, ``report_html``, ``xlsx``), else from the files found in ``out``."""

    def shown(p) -> str:  # as the user would type it: relative to the working folder when inside it
        p = Path(p)
        return (
            str(p.resolve().relative_to(Path.cwd().resolve()))
            if p.resolve().is_relative_to(Path.cwd().resolve())
            else str(p)
        )

    def pick(key: str, pattern: str) -> str:
        p = paths.get(key)
        found = [p] if p is not None else sorted(Path(out).glob(pattern))
        return ", ".join(shown(f) for f in found) or "(not written)"

    return "\n".join(
        [
            f"wrote {len(paths)} files to {out}/",
            f"  report:   {pick('report_md', 'report*.md')}  (html: {pick('report_html', 'report*.html')})",
            f"  workbook: {pick('xlsx', '*.xlsx')}",
        ]
    )


def _size(n: int) -> str:
    x = float(n)
    for unit in ("B", "kB", "MB", "GB"):
        if x < 1000 or unit == "GB":
            return f"{x:.0f} {unit}" if unit == "B" else f"{x:.1f} {unit}"
        x /= 1000
    return ""


@app.command("data")
def data_command(
    keys: list[str] = typer.Argument(
        None, metavar="KEY", help="registry keys or folders (e.g. yotov2016); default: every file"
    ),
    verify: bool = typer.Option(False, "--verify", help="check the sha256 of every present file"),
    fetch: bool = typer.Option(False, "--fetch", help="download every missing file (checked against its sha256)"),
) -> None:
    """Which data directory applies (and by which rule), and where each registered file comes from.

    Rules, first match wins: 1. GRAVITY_DATA_DIR; 2. [data] dir in ./gravity.toml, else in the user's
    config directory (~/.config/gravity/gravity.toml); 3. ../shared/data beside the project; 4. the download
    cache ~/.cache/gravity. Exit code 1 when a file is missing (after --fetch) or fails its sha256.
    """
    from gravity.data.registry import RULES, DataConfigError, config_files, data_dir, status

    try:
        where = data_dir()
        table = status(keys or None, verify=verify, fetch=fetch)
    except (DataConfigError, KeyError) as exc:
        raise _data_error(exc.args[0] if isinstance(exc, KeyError) else exc) from None
    cfg = " or ".join(str(f) for f in config_files())
    typer.echo(f"data directory: {where.path}")
    typer.echo(f"  chosen by rule {RULES.index(where.rule) + 1} ({where.rule}): {where.origin}")
    if not where.path.exists():
        typer.echo(
            "  this folder does not exist (yet): every file below is missing until `gravity data --fetch` "
            "downloads into it, or the rule points at the folder holding the data"
        )
    typer.echo(
        f"  rules, first match wins: 1. GRAVITY_DATA_DIR  2. [data] dir in {cfg}  "
        f"3. ../shared/data beside the project  4. ~/.cache/gravity"
    )
    width = max(len(k) for k in table["key"]) if len(table) else 0
    for r in table.itertuples(index=False):
        line = f"{r.status:<11} {r.key:<{width}}  {_size(r.bytes) if r.bytes else '':>9}"
        if r.status in ("missing", "mismatch", "unavailable"):
            line += f"  {r.detail}"
        typer.echo(line)
    counts = table["status"].value_counts()
    typer.echo(f"{len(table)} files: " + ", ".join(f"{int(n)} {s}" for s, n in counts.items()))
    hints = []
    if not verify:
        hints.append("`gravity data --verify` checks every sha256")
    if counts.get("missing", 0):
        hints.append("`gravity data --fetch` downloads the missing files")
    if hints:
        typer.echo("; ".join(hints) + ".")
    bad = sum(int(counts.get(s, 0)) for s in ("mismatch", "unavailable")) + (
        int(counts.get("missing", 0)) if fetch else 0
    )
    raise typer.Exit(code=1 if bad else 0)


if __name__ == "__main__":
    app()
