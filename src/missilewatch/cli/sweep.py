"""CLI commands for parameter sweeps."""

from __future__ import annotations

from collections.abc import Iterator
from concurrent.futures import Executor
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

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
    csv_safe,
    emit_frame,
    progress_bar,
)
from missilewatch.errors import MissilewatchError, ParameterError

if TYPE_CHECKING:
    import pandas as pd

CREDIT = (
    "Launch counts: Ukrainian Air Force reports via the dataset 'Massive Missile Attacks on "
    "Ukraine' (Petro Ivaniuk, Kaggle piterfm/massive-missile-attacks-on-ukraine). Production, "
    "stocks and the air-defense figures are sourced estimates, many of them assumptions "
    "(`missilewatch estimates`)."
)
#: Columns of the results shown on screen (files get every column).
SCREEN_RESULT_COLUMNS = ("metric", "name", "month", "p5", "p50", "p95")
SCREEN_SENSITIVITY_COLUMNS = (
    "metric",
    "name",
    "month",
    "parameter",
    "spearman",
    "spearman_p_value",
    "prcc",
    "sobol_s1",
    "sobol_st",
    "reaches",
    "rank",
)


def register(app: typer.Typer) -> None:
    """Add this module's commands to the root app."""
    app.command("sweep")(sweep_command)


def sweep_command(
    file: Annotated[
        str,
        typer.Argument(help="A sweep file (TOML), or the name of a shipped example sweep."),
    ],
    workers: Annotated[
        int,
        typer.Option("--workers", help="Local worker processes (1 = run the points here)."),
    ] = 1,
    dask_scheduler: Annotated[
        str | None,
        typer.Option(
            "--dask-scheduler",
            help="Run the points on a Dask cluster, e.g. tcp://10.0.0.5:8786 (needs the "
            "'cluster' extra; every worker needs missilewatch and the same data).",
        ),
    ] = None,
    paths: PathsOption = None,
    seed: SeedOption = None,
    until: UntilOption = None,
    sensitivity: Annotated[
        bool,
        typer.Option(
            "--sensitivity", help="Print which parameter drives each output instead of results."
        ),
    ] = False,
    results: Annotated[
        Path | None,
        typer.Option(
            "--results",
            help="Also write every result row to this file (.parquet, else csv), e.g. "
            "alongside --sensitivity.",
        ),
    ] = None,
    statistic: Annotated[
        str,
        typer.Option("--statistic", help="Per-point statistic the sensitivity uses (p50, mean)."),
    ] = "p50",
    estimates: EstimatesOption = None,
    db: DbOption = None,
    fmt: FormatOption = OutputFormat.table,
    output: OutputOption = None,
    progress: Annotated[
        bool | None,
        typer.Option(
            "--progress/--no-progress", help="Show a progress bar (default: on a terminal)."
        ),
    ] = None,
) -> None:
    """Run the engines over a grid or sample of scenario parameters (docs/sweep.md)."""
    from missilewatch import sweep as sweeps

    # Checked before the points run, not after.
    if statistic not in sweeps.STATISTICS:
        raise ParameterError(
            f"--statistic: must be one of {', '.join(sweeps.STATISTICS)} (got {statistic!r})"
        )
    if workers < 1:
        raise ParameterError(f"--workers: must be at least 1 (got {workers})")
    if workers > 1 and dask_scheduler is not None:
        raise ParameterError("--workers and --dask-scheduler: choose one")
    plan = sweeps.plan_sweep(file, seed=seed, paths=paths, until=until, db=db, estimates=estimates)
    with (
        _executor(workers, dask_scheduler) as executor,
        progress_bar(progress, "sweep", "points", len(plan.tasks)) as update,
    ):
        finished = sweeps.execute(
            plan.tasks, executor=executor, progress=update, points=plan.points
        )
    frame = sweeps.assemble(plan, finished)
    info = frame.attrs["sweep"]
    title = (
        f"{info['points']} points x {info['paths']:,} paths, {info['design']} design over "
        f"{info['scenario']}, {info['forecast_start']}..{info['until']}, seed {info['root_seed']}"
    )
    if results is not None:
        if results.suffix == ".parquet":
            frame.to_parquet(results, index=False)
        else:
            csv_safe(frame).to_csv(results, index=False)
    if sensitivity:
        table = sweeps.sensitivity(frame, statistic=statistic)
        emit_frame(
            _for_screen(table, SCREEN_SENSITIVITY_COLUMNS, (), fmt, output),
            fmt,
            output,
            title=f"Sensitivity of the point {statistic}s: {title}",
            caption=CREDIT,
        )
        return
    emit_frame(
        _for_screen(frame, SCREEN_RESULT_COLUMNS, info["parameters"], fmt, output),
        fmt,
        output,
        title=title,
        caption=CREDIT,
    )


def _for_screen(
    frame: pd.DataFrame,
    columns: tuple[str, ...],
    parameters: list[str] | tuple[()],
    fmt: OutputFormat,
    output: Path | None,
) -> pd.DataFrame:
    """Fewer columns on a terminal table; files get every column.

    Months become text for JSON (which has no month type) and for the table, where the
    depletion month's empty month shows as blank.
    """
    if fmt in (OutputFormat.json, OutputFormat.table) and "month" in frame.columns:
        months = frame["month"].astype(str).where(frame["month"].notna(), None)
        frame = frame.assign(month=months if fmt is OutputFormat.json else months.fillna(""))
    if fmt is not OutputFormat.table or output is not None:
        return frame
    chosen = ["point", *parameters, *columns] if parameters else list(columns)
    shown = frame[[column for column in chosen if column in frame.columns]]
    # Sobol columns are empty unless the design was sobol.
    return shown.dropna(axis="columns", how="all")


@contextmanager
def _executor(workers: int, scheduler: str | None) -> Iterator[Executor | None]:
    if scheduler is not None:
        with _dask_executor(scheduler) as executor:
            yield executor
        return
    if workers == 1:
        yield None
        return
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    # A fresh interpreter per worker: forking a process that holds database and
    # engine threads can deadlock.
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(max_workers=workers, mp_context=context) as pool:
        yield pool


@contextmanager
def _dask_executor(address: str, timeout: str = "20s") -> Iterator[Executor]:
    try:
        from distributed import Client
    except ImportError:
        raise MissilewatchError(
            "--dask-scheduler: Dask is not installed (pip install 'missilewatch[cluster]')"
        ) from None
    try:
        client = Client(address, timeout=timeout)
    except (OSError, TimeoutError, ValueError) as error:
        reason = str(error).splitlines()[0] if str(error) else type(error).__name__
        raise MissilewatchError(
            f"--dask-scheduler: cannot connect to {address}: {reason}"
        ) from None
    with client:
        yield client.get_executor()
