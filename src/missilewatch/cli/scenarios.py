"""CLI commands for scenarios and the report: scenarios, run, runs, rerun, compare, report."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import numpy as np
import pandas as pd
import typer

from missilewatch.cli.common import (
    DbOption,
    EstimatesOption,
    FormatOption,
    OutputFormat,
    OutputOption,
    PathsOption,
    SeedOption,
    UntilOption,
    console,
    emit_frame,
    err_console,
    for_screen,
    frame_to_table,
    given,
)
from missilewatch.cli.waiting import WaitOption


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
    seed: SeedOption = None,
    until: UntilOption = None,
    db: DbOption = None,
    estimates: EstimatesOption = None,
    fmt: FormatOption = OutputFormat.table,
    output: OutputOption = None,
    wait: WaitOption = None,
) -> None:
    """Run scenarios through the stock-flow engine and the air-defense campaign; store them."""
    from missilewatch.report.document import _progress
    from missilewatch.run import check_paths, check_seed
    from missilewatch.scenarios import runs

    # Values given here are checked before any work (RunSpec checks them again per run).
    if paths is not None:
        check_paths(paths)
    if seed is not None:
        check_seed(seed)
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
            "until": run.inputs.until,
            "paths": run.inputs.paths,
            "seed": run.inputs.seed,
            "fewest_effective_paths": _fewest_effective_paths(run.frame("summary")),
            "results": ", ".join(sorted(run.results)),
        }
        for run in results
    ]
    frame = pd.DataFrame(rows)
    if fmt is not OutputFormat.table or output is not None:
        emit_frame(frame.drop(columns="until"), fmt, output)
        return
    screen = for_screen(
        frame, ["run_id", "scenario", "until", "paths", "seed", "fewest_effective_paths"], fmt, None
    ).rename(columns={"run_id": "run", "fewest_effective_paths": "fewest eff. paths"})
    emit_frame(
        screen,
        fmt,
        None,
        title="Stored runs",
        caption="fewest eff. paths: the class whose ranges rest on the fewest effective "
        "paths (below 200 they are rough; raise --paths).",
    )


def _fewest_effective_paths(summary: pd.DataFrame | None) -> str:
    """The weapon class with the smallest effective sample size, e.g. "ballistic 381"."""
    if summary is None or "metric" not in summary:
        return ""
    rows = summary[(summary["level"] == "class") & (summary["metric"] == "effective_sample_size")]
    rows = rows[rows["p50"].notna()]
    if rows.empty:
        return ""
    fewest = rows.sort_values("p50").iloc[0]
    return f"{fewest['name']} {float(fewest['p50']):,.0f}"


def runs_command(
    db: DbOption = None, fmt: FormatOption = OutputFormat.table, output: OutputOption = None
) -> None:
    """List stored scenario runs, newest first."""
    from missilewatch.scenarios.store import list_runs

    frame = list_runs(db)
    if fmt is OutputFormat.table and output is None:
        # The terminal gets what tells runs apart; files keep every column.
        frame = frame.assign(
            created_at=pd.to_datetime(frame["created_at"]).dt.strftime("%Y-%m-%d %H:%M")
        )
        frame = for_screen(
            frame, ["run_id", "created_at", "scenario", "until", "paths", "seed"], fmt, output
        ).rename(columns={"run_id": "run", "created_at": "created (UTC)"})
        emit_frame(
            frame,
            fmt,
            output,
            title="Stored scenario runs",
            caption="Data release, estimates hash, version: --format csv.",
        )
        return
    emit_frame(frame, fmt, output, title="Stored scenario runs")


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
    if fmt is not OutputFormat.table or output is not None:
        emit_frame(table, fmt, output)
        return
    console.print(f"a = {table.attrs['a']}, b = {table.attrs['b']}", highlight=False)
    for title, frame in compare_screen_tables(table):
        screen = frame_to_table(frame, title=title)
        screen.show_edge = False
        console.print(screen)
    console.print(
        "a, b: median (5th-95th percentile) of the Monte Carlo paths; b-a: difference of "
        "the medians. Every column: --format csv.",
        highlight=False,
    )


def _short(value: float) -> str:
    """A count in at most six characters: 9,999, then 42.4k."""
    if np.isnan(value):
        return ""
    if np.isinf(value):
        return "inf"
    if abs(value) >= 10_000:
        return f"{value / 1000:.1f}k"
    text = f"{value:,.0f}"
    return "0" if text == "-0" else text


def _median_range(row: pd.Series, side: str) -> str:
    return (
        f"{_short(row[f'{side}_p50'])} ({_short(row[f'{side}_p5'])}-{_short(row[f'{side}_p95'])})"
    )


def _calendar(origin: str, offset: float, until: str) -> str:
    if np.isinf(offset):
        return f">{until}"
    return str(pd.Period(origin, freq="M") + int(offset))


def compare_screen_tables(table: pd.DataFrame) -> list[tuple[str, pd.DataFrame]]:
    """The compare_runs frame as small tables that fit an 80-column terminal.

    One table per metric; a and b as "median (5th-95th percentile)"; depletion months
    as calendar months (">2027-12": not by the forecast end).
    """
    tables: list[tuple[str, pd.DataFrame]] = []
    for metric, rows in table.groupby("metric", sort=False):
        records = []
        for _, row in rows.iterrows():
            record: dict[str, str] = {"name": str(row["name"])}
            if metric == "depletion_month":
                until = str(row["unit"]).rsplit("not by ", 1)[-1].rstrip(")")
                for side in ("a", "b"):
                    months = [
                        _calendar(str(row["month"]), row[f"{side}_{q}"], until)
                        for q in ("p50", "p5", "p95")
                    ]
                    record[side] = f"{months[0]} ({months[1]} to {months[2]})"
                difference = float(row["difference_p50"])
                record["b-a"] = "" if np.isnan(difference) else f"{difference:+.0f} mo"
                title = "depletion: first month interceptors fall short"
            else:
                if metric == "stock":
                    record["month"] = str(row["month"])
                record["a"] = _median_range(row, "a")
                record["b"] = _median_range(row, "b")
                difference = float(row["difference_p50"])
                record["b-a"] = ("+" if round(difference) > 0 else "") + _short(difference)
                title = f"{metric} ({row['unit']})"
                if metric != "stock":
                    title = f"{metric}, {row['month']} ({row['unit']})"
            records.append(record)
        tables.append((title, pd.DataFrame(records)))
    return tables


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
    paths: PathsOption = None,
    seed: SeedOption = 0,
    until: UntilOption = None,
    db: DbOption = None,
    estimates: EstimatesOption = None,
    wait: WaitOption = None,
) -> None:
    """Write the one-file HTML report (opens offline) and optionally the chart images."""
    from missilewatch.report import build_report
    from missilewatch.report.document import REPORT_PATHS
    from missilewatch.run import RunSpec

    # Checked before any work, with the same line as every other command.
    spec = RunSpec(paths=given(paths, REPORT_PATHS), seed=given(seed, 0))
    result = build_report(
        scenarios or [],
        output=output,
        images=images,
        paths=spec.paths,
        seed=spec.seed,
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
