"""Command line: ``gravity ...`` (also ``python -m gravity.cli ...``).

Each command lives in its own function; heavy modules are imported inside the command so that
``gravity --help`` stays instant.

    gravity list                         the replications shipped in gravity/jobs/replicate/recipes/
    gravity replicate NAME [--out DIR]   run one, print ours beside the published values,
                                         write DIR/NAME.csv and DIR/NAME.md; exit 1 when a
                                         difference exceeds its stated tolerance
"""
from __future__ import annotations

from pathlib import Path

import typer

app = typer.Typer(
    name="gravity",
    help="Structural gravity: PPML-HDFE estimation, GE counterfactuals, replications.",
    no_args_is_help=True,
    add_completion=False,
)


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
    name: str = typer.Argument(..., help="replication name, e.g. yotov2016-ch1 (see `gravity list`), or 'all'"),
    out: Path = typer.Option(Path("results/replications"), "--out", help="directory for NAME.csv / NAME.md"),
    status: Path = typer.Option(None, "--status", help="also write a markdown status table to this file"),
    models: Path = typer.Option(None, "--models", help="directory of replication files (default: the recipes shipped in the package)"),
) -> None:
    """Run a replication: ours beside the published values; exit 1 if any difference exceeds tolerance."""
    from gravity.jobs.replicate.runners import run
    from gravity.jobs.replicate.spec import MODELS_DIR, ReplicationError, available
    from gravity.jobs.replicate.status import status_table

    models = models or MODELS_DIR
    names = [r.name for r in available(models) if r.variant is None] if name == "all" else [name]
    reports = []
    try:
        for n in names:
            reports.append(run(n, out_dir=out, echo=typer.echo, models_dir=models))
    except ReplicationError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(code=2) from exc
    if status is not None:
        status.parent.mkdir(parents=True, exist_ok=True)
        status.write_text(status_table(reports))
        typer.echo(f"wrote {status}")
    if len(reports) > 1:
        typer.echo("\n" + "\n".join(r.status_line() for r in reports))
    raise typer.Exit(code=0 if all(r.ok for r in reports) else 1)


@app.command("corridor")
def corridor(
    spec: Path = typer.Argument(..., help="corridor model file, e.g. models/eco_digital_corridor.toml"),
    out: Path = typer.Option(Path("results/eco"), "--out", help="directory for the workbook, tables, plots, report"),
) -> None:
    """Digital-corridor analysis: estimates, GE scenarios with 95% CIs, ministry workbook, plots, report."""
    from gravity.jobs.corridor import pipeline as co
    from gravity.scenario.config import ScenarioFileError

    try:
        res = co.run(spec, out)
    except ScenarioFileError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(code=2) from exc
    typer.echo(co.summary(res))
    typer.echo(f"wrote {len(res.paths)} files to {out} (report: {res.paths.get('report_md')})")


if __name__ == "__main__":
    app()
