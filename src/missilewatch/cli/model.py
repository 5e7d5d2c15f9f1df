"""CLI commands for sourced estimates and the stock-flow model."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated

import typer

from missilewatch.cli.common import (
    DbOption,
    FormatOption,
    OutputFormat,
    OutputOption,
    SeedOption,
    emit_frame,
    err_console,
)

EstimatesOption = Annotated[
    Path | None,
    typer.Option(
        "--estimates",
        help="Your estimates TOML file: overrides shipped records with the same id, adds new ones.",
    ),
]


def estimates_command(
    estimates: EstimatesOption = None,
    quantity: Annotated[
        str | None, typer.Option("--quantity", "-q", help="Only this quantity.")
    ] = None,
    subject: Annotated[
        str | None, typer.Option("--subject", "-s", help="Only records about this family/class.")
    ] = None,
    fmt: FormatOption = OutputFormat.table,
    output: OutputOption = None,
) -> None:
    """List the sourced estimates in force; assumptions (no source) are marked."""
    from missilewatch.estimates import load

    frame = load(estimates).to_frame()
    if quantity is not None:
        frame = frame[frame["quantity"] == quantity]
    if subject is not None:
        frame = frame[frame["subject"].str.split(" + ", regex=False).map(lambda s: subject in s)]
    frame = frame.sort_values(["quantity", "subject", "as_of", "id"]).reset_index(drop=True)
    if fmt is OutputFormat.table and output is None:
        shown = frame[["id", "quantity", "subject", "low", "central", "high", "unit", "as_of"]]
        shown = shown.assign(
            as_of=frame["as_of"].dt.strftime("%Y-%m-%d"),
            basis=[
                "ASSUMPTION" if assumed else f"source {day:%Y-%m-%d}"
                for assumed, day in zip(frame["assumption"], frame["source_date"], strict=True)
            ],
        )
        assumed_count = int(frame["assumption"].sum())
        emit_frame(
            shown,
            fmt,
            output,
            title="Sourced estimates",
            caption=(
                f"{len(frame)} records, {assumed_count} marked ASSUMPTION (no published source). "
                "Sources, notes and URLs: --format csv or json."
            ),
        )
        return
    emit_frame(frame, fmt, output)


CREDIT = (
    'Launches: Ukrainian Air Force reports via the public dataset "Massive Missile Attacks on '
    'Ukraine" (Petro Ivaniuk, Kaggle piterfm/massive-missile-attacks-on-ukraine).'
)


@contextmanager
def _progress(enabled: bool, label: str, total: int) -> Iterator[Callable[[int, int], None] | None]:
    """A rich progress bar on standard error, only on a terminal (or when asked)."""
    if not enabled:
        yield None
        return
    from rich.progress import BarColumn, Progress, TextColumn, TimeRemainingColumn

    with Progress(
        TextColumn(label),
        BarColumn(),
        TextColumn("{task.completed:,.0f}/{task.total:,.0f} paths"),
        TimeRemainingColumn(),
        console=err_console,
        transient=True,
    ) as bar:
        task = bar.add_task(label, total=total)

        def update(done: int, total: int) -> None:
            bar.update(task, completed=done, total=total)

        yield update


def stockpile_command(
    family: Annotated[
        list[str] | None, typer.Option("--family", help="A modelled family (repeatable).")
    ] = None,
    weapon_class: Annotated[
        list[str] | None, typer.Option("--class", help="A weapon class (repeatable).")
    ] = None,
    until: Annotated[str, typer.Option("--until", help="Last month, YYYY-MM.")] = "2027-12",
    start: Annotated[
        str | None, typer.Option("--start", help="First month shown (default: ledger start).")
    ] = None,
    paths: Annotated[int, typer.Option("--paths", help="Monte Carlo paths.")] = 10_000,
    seed: SeedOption = 0,
    estimates: EstimatesOption = None,
    db: DbOption = None,
    summary: Annotated[
        bool, typer.Option("--summary", help="Summary figures instead of the monthly table.")
    ] = False,
    quantity: Annotated[
        list[str] | None,
        typer.Option("--quantity", "-q", help="Only these quantities (monthly table)."),
    ] = None,
    progress: Annotated[
        bool | None, typer.Option("--progress/--no-progress", help="Progress bar.")
    ] = None,
    fmt: FormatOption = OutputFormat.table,
    output: OutputOption = None,
) -> None:
    """Stockpile by month: stock, production, imports, launches, net accumulation.

    Percentiles over Monte Carlo paths conditioned on dated stock estimates; rows
    resting on an assumption are marked.
    """
    from missilewatch.api import stockpile as api

    show_bar = progress if progress is not None else sys.stderr.isatty()
    with _progress(show_bar, "stockpile", paths) as callback:
        outcome = api.simulate_stockpile(
            until=until, paths=paths, seed=seed, estimates=estimates, db=db, progress=callback
        )
    if summary:
        frame = api.summary_frame(outcome, family=family or None, weapon_class=weapon_class or None)
    else:
        frame = api.stockpile_frame(
            outcome,
            family=family or None,
            weapon_class=weapon_class or None,
            start=start,
            until=until,
        )
        if quantity:
            frame = frame[frame["quantity"].isin(quantity)].reset_index(drop=True)
    ess = float(outcome.result.effective_sample_size.min())
    caption = (
        f"{paths:,} paths, seed {seed}; conditioned on "
        f"{len(outcome.setup.constraints_used)} dated estimates, smallest effective sample "
        f"size of a family {ess:,.0f}. "
        "Rows with assumption=True rest on a figure without a published source. " + CREDIT
    )
    if fmt is OutputFormat.table and output is None:
        shown = frame.copy()
        if "month" in shown:
            shown["month"] = shown["month"].astype(str)
        emit_frame(shown, fmt, output, title="Stockpile", caption=caption)
        return
    if fmt is not OutputFormat.parquet and "month" in frame:
        frame = frame.assign(month=frame["month"].astype(str))
    emit_frame(frame, fmt, output)


def backtest_command(
    cuts: Annotated[int, typer.Option("--cuts", help="Cut months to test.")] = 12,
    horizon: Annotated[int, typer.Option("--horizon", help="Months forecast per cut.")] = 3,
    paths: Annotated[int, typer.Option("--paths", help="Paths per forecast.")] = 4_000,
    band: Annotated[float, typer.Option("--band", help="Central band tested.")] = 0.8,
    seed: SeedOption = 0,
    detail: Annotated[
        bool, typer.Option("--detail", help="One row per cut, month and series.")
    ] = False,
    estimates: EstimatesOption = None,
    db: DbOption = None,
    fmt: FormatOption = OutputFormat.table,
    output: OutputOption = None,
) -> None:
    """Out-of-sample check of the strike process: how often the truth is in the band."""
    from missilewatch.api import stockpile as api

    frame = api.backtest_strikes(
        cuts=cuts, horizon=horizon, paths=paths, seed=seed, band=band, db=db, estimates=estimates
    )
    coverage = frame.attrs["coverage"]
    result = frame if detail else api.backtest_coverage(frame)
    if "cut" in result:
        result = result.assign(cut=result["cut"].astype(str), month=result["month"].astype(str))
    caption = (
        f"Monthly launches inside the central {band:.0%} band: {coverage:.1%} of "
        f"{len(frame):,} cells (fit before each cut, forecast {horizon} months). " + CREDIT
    )
    if fmt is OutputFormat.table and output is None:
        emit_frame(result, fmt, output, title="Strike forecast backtest", caption=caption)
        return
    emit_frame(result, fmt, output)


evidence_app = typer.Typer(
    help="Stock and production implied by physical evidence.", no_args_is_help=True
)


@evidence_app.command("little")
def evidence_little_command(
    family: Annotated[
        str | None, typer.Option("--family", help="Only evidence about this family.")
    ] = None,
    evidence: Annotated[
        str | None, typer.Option("--evidence", help="One time_in_stock record id.")
    ] = None,
    months: Annotated[
        int, typer.Option("--months", help="Ledger months defining the launch rate.")
    ] = 3,
    samples: Annotated[int, typer.Option("--samples", help="Monte Carlo samples.")] = 100_000,
    seed: SeedOption = 0,
    estimates: EstimatesOption = None,
    db: DbOption = None,
    fmt: FormatOption = OutputFormat.table,
    output: OutputOption = None,
) -> None:
    """Little's law: implied stock = launch rate x time between manufacture and launch."""
    from missilewatch.api import stockpile as api

    frame = api.implied_stock(
        family=family,
        evidence=evidence,
        months=months,
        samples=samples,
        seed=seed,
        estimates=estimates,
        db=db,
    )
    if fmt is OutputFormat.table and output is None:
        shown = frame.drop(columns=["source"]).assign(as_of=frame["as_of"].dt.strftime("%Y-%m-%d"))
        emit_frame(shown, fmt, output, title="Implied stock (Little's law)", caption=CREDIT)
        return
    emit_frame(frame, fmt, output)


@evidence_app.command("serials")
def evidence_serials_command(
    serials: Annotated[
        list[int] | None, typer.Argument(help="Serial numbers (or use --file).")
    ] = None,
    file: Annotated[
        Path | None, typer.Option("--file", help="A text file with one serial per line.")
    ] = None,
    first: Annotated[
        int | None,
        typer.Option(
            "--first", help="First serial issued (default 1); --unknown-first if not known."
        ),
    ] = 1,
    unknown_first: Annotated[
        bool, typer.Option("--unknown-first", help="The first serial number is not known.")
    ] = False,
    confidence: Annotated[float, typer.Option("--confidence", help="Interval level.")] = 0.9,
    fmt: FormatOption = OutputFormat.table,
    output: OutputOption = None,
) -> None:
    """German tank estimate of how many were made, from observed serial numbers."""
    from missilewatch.api import stockpile as api
    from missilewatch.errors import ParameterError

    if file is None and not serials:
        raise ParameterError("serials: give serial numbers or --file FILE")
    source: list[int] | Path = file if file is not None else list(serials or [])
    frame = api.serial_estimate(
        source, start=None if unknown_first else first, confidence=confidence
    )
    emit_frame(frame, fmt, output, title="Serial-number estimate (German tank problem)")


def register(app: typer.Typer) -> None:
    """Add this module's commands to the root app."""
    app.command("estimates")(estimates_command)
    app.command("stockpile")(stockpile_command)
    app.command("backtest")(backtest_command)
    app.add_typer(evidence_app, name="evidence")
