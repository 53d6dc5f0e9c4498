"""Command line: ``gravity ...`` (also ``python -m gravity.cli ...``).

Each command lives in its own function; heavy modules are imported inside the command so that
``gravity --help`` stays instant.

    gravity list                         the replications shipped in models/
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
    """List the replication files in models/ with their title and source."""
    from gravity import replicate as rep

    for spec in rep.available():
        typer.echo(f"{spec.name:<24} {spec.title}")
        if spec.source:
            typer.echo(f"{'':<24} source: {spec.source}")


@app.command("replicate")
def replicate_command(
    name: str = typer.Argument(..., help="replication name, e.g. yotov2016-ch1 (see `gravity list`)"),
    out: Path = typer.Option(Path("results/replications"), "--out", help="directory for NAME.csv / NAME.md"),
) -> None:
    """Run a replication: ours beside the published values; exit 1 if any difference exceeds tolerance."""
    from gravity import replicate as rep

    try:
        report = rep.run(name, out_dir=out, echo=typer.echo)
    except rep.ReplicationError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(code=2) from exc
    raise typer.Exit(code=0 if report.ok else 1)


@app.command("corridor")
def corridor(
    spec: Path = typer.Argument(..., help="corridor model file, e.g. models/eco_digital_corridor.toml"),
    out: Path = typer.Option(Path("results/eco"), "--out", help="directory for the workbook, tables, plots, report"),
) -> None:
    """Digital-corridor analysis: estimates, GE scenarios with 95% CIs, ministry workbook, plots, report."""
    from gravity import corridor as co
    from gravity.scenario import ScenarioFileError

    try:
        res = co.run(spec, out)
    except ScenarioFileError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(code=2) from exc
    typer.echo(co.summary(res))
    typer.echo(f"wrote {len(res.paths)} files to {out} (report: {res.paths.get('report_md')})")


if __name__ == "__main__":
    app()
