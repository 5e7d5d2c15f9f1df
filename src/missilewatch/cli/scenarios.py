"""CLI commands for scenarios and the report: scenarios, run, runs, rerun, compare, report."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import pandas as pd
import typer

from missilewatch.cli.common import (
    DbOption,
    FormatOption,
    OutputFormat,
    OutputOption,
    console,
    emit_frame,
    err_console,
)

PathsOption = Annotated[
    int | None,
    typer.Option("--paths", help="Monte Carlo paths per scenario (default: the file's value)."),
]
RunSeedOption = Annotated[
    int | None, typer.Option("--seed", help="Root seed (default: the file's value).")
]
UntilOption = Annotated[
    str | None, typer.Option("--until", help="Last forecast month, e.g. 2027-12.")
]
EstimatesOption = Annotated[
    Path | None,
    typer.Option(
        "--estimates", help="Your estimates file, overriding or extending the shipped one."
    ),
]


def scenarios_command(fmt: FormatOption = OutputFormat.table, output: OutputOption = None) -> None:
    """List the shipped scenarios."""
    from missilewatch.scenarios import load_scenario, shipped_names

    rows = []
    for name in shipped_names():
        spec = load_scenario(name).spec
        rows.append({"scenario": name, "description": spec.description})
    emit_frame(pd.DataFrame(rows), fmt, output, title="Shipped scenarios")


def run_command(
    scenarios: Annotated[
        list[str], typer.Argument(help="Shipped scenario names or scenario TOML files.")
    ],
    paths: PathsOption = None,
    seed: RunSeedOption = None,
    until: UntilOption = None,
    db: DbOption = None,
    estimates: EstimatesOption = None,
    fmt: FormatOption = OutputFormat.table,
    output: OutputOption = None,
) -> None:
    """Run scenarios through the stock-flow engine and the air-defense campaign; store them."""
    from missilewatch.report.document import _progress
    from missilewatch.scenarios import runs

    with _progress(None) as progress:
        results = runs.run_scenarios(
            scenarios,
            paths=paths,
            seed=seed,
            until=until,
            db=db,
            estimates=estimates,
            progress=progress,
        )
    rows = [
        {
            "run_id": run.run_id,
            "scenario": run.name,
            "forecast": f"{run.inputs.forecast_start}..{run.inputs.until}",
            "paths": run.inputs.paths,
            "seed": run.inputs.seed,
            "results": ", ".join(sorted(run.results)),
        }
        for run in results
    ]
    emit_frame(pd.DataFrame(rows), fmt, output, title="Stored runs")


def runs_command(
    db: DbOption = None, fmt: FormatOption = OutputFormat.table, output: OutputOption = None
) -> None:
    """List stored scenario runs, newest first."""
    from missilewatch.scenarios.store import list_runs

    emit_frame(list_runs(db), fmt, output, title="Stored scenario runs")


def rerun_command(
    run: Annotated[str, typer.Argument(help="Run id, or a scenario name for its newest run.")],
    db: DbOption = None,
) -> None:
    """Run a stored run again from its stored inputs and check the numbers agree."""
    from missilewatch.scenarios import runs
    from missilewatch.scenarios.store import load_run

    stored = load_run(run, db)
    again = runs.rerun(stored.run_id, db=db)
    differences = runs.result_differences(stored.results, again.results)
    if stored.inputs.estimates_sha256 != again.inputs.estimates_sha256:
        err_console.print("note: the estimates changed since this run was stored")
    if stored.inputs.data_file_sha256 != again.inputs.data_file_sha256:
        err_console.print("note: the ledger data changed since this run was stored")
    if differences:
        err_console.print(f"run {stored.run_id}: results differ in {', '.join(differences)}")
        raise typer.Exit(1)
    console.print(f"run {stored.run_id} ({stored.inputs.scenario}): same numbers on rerun")


def compare_command(
    a: Annotated[str, typer.Argument(help="First run: id or scenario name (newest run).")],
    b: Annotated[str, typer.Argument(help="Second run: id or scenario name (newest run).")],
    db: DbOption = None,
    fmt: FormatOption = OutputFormat.table,
    output: OutputOption = None,
) -> None:
    """Differences that matter between two stored runs: stock, depletion date, leakers."""
    from missilewatch.scenarios import compare_runs

    table = compare_runs(a, b, db=db)
    emit_frame(
        table,
        fmt,
        output,
        title=f"a = {table.attrs['a']}, b = {table.attrs['b']}",
        caption="p5/p50/p95: 5th, 50th, 95th percentile of the Monte Carlo paths",
    )


def report_command(
    scenarios: Annotated[
        list[str] | None,
        typer.Argument(help="Extra scenarios to compare (baseline and ceasefire-6m always run)."),
    ] = None,
    output: Annotated[Path, typer.Option("--output", "-o", help="HTML file to write.")] = Path(
        "report.html"
    ),
    images: Annotated[
        Path | None, typer.Option("--images", help="Also write every chart as PNG and SVG here.")
    ] = None,
    paths: Annotated[
        int, typer.Option("--paths", help="Monte Carlo paths per scenario (default 20,000).")
    ] = 20_000,
    seed: Annotated[int, typer.Option("--seed", help="Root seed; same seed, same numbers.")] = 0,
    until: UntilOption = None,
    db: DbOption = None,
    estimates: EstimatesOption = None,
) -> None:
    """Write the one-file HTML report (opens offline) and optionally the chart images."""
    from missilewatch.report import build_report

    result = build_report(
        scenarios or [],
        output=output,
        images=images,
        paths=paths,
        seed=seed,
        until=until,
        db=db,
        estimates=estimates,
        show_progress=sys.stderr.isatty(),
    )
    console.print(f"report written to {result.output}")
    if result.images:
        console.print(f"{len(result.images)} image files written to {images}")
    for missing in result.missing_sections:
        err_console.print(f"note: not in this report: {missing}", soft_wrap=True)
    for note in result.model_notes:
        # The engines' warnings are in the report's model notes; one line each here.
        err_console.print(f"[yellow]warning:[/] {note}", highlight=False, soft_wrap=True)


def register(app: typer.Typer) -> None:
    """Add this module's commands to the root app."""
    app.command("scenarios")(scenarios_command)
    app.command("run")(run_command)
    app.command("runs")(runs_command)
    app.command("rerun")(rerun_command)
    app.command("compare")(compare_command)
    app.command("report")(report_command)
