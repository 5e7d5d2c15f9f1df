"""CLI commands for sourced estimates and the stock-flow model."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import pandas as pd
import typer

if TYPE_CHECKING:
    from missilewatch.run import Run

from missilewatch.cli.common import (
    DbOption,
    EstimatesOption,
    FormatOption,
    OutputFormat,
    OutputOption,
    PathsOption,
    SeedOption,
    UntilOption,
    emit_frame,
    err_console,
    for_screen,
    given,
    progress_bar,
)


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
    from missilewatch.errors import ParameterError
    from missilewatch.estimates import QUANTITIES, load

    if quantity is not None and quantity not in QUANTITIES:
        raise ParameterError(
            f"--quantity: unknown quantity {quantity!r} (one of: {', '.join(sorted(QUANTITIES))})"
        )
    frame = load(estimates).to_frame()
    if quantity is not None:
        frame = frame[frame["quantity"] == quantity]
    if subject is not None:
        frame = frame[frame["subject"].str.split(" + ", regex=False).map(lambda s: subject in s)]
    frame = frame.sort_values(["quantity", "subject", "as_of", "id"]).reset_index(drop=True)
    if fmt is OutputFormat.table and output is None:
        # One table per quantity, so the quantity need not repeat on every row; the id
        # carries the subject and date in words, notes and URLs go to files.
        shown = frame.assign(
            as_of=frame["as_of"].dt.strftime("%Y-%m"),
            basis=[
                "ASSUMPTION" if assumed else f"source {day:%Y-%m}"
                for assumed, day in zip(frame["assumption"], frame["source_date"], strict=True)
            ],
        )
        assumed_count = int(frame["assumption"].sum())
        quantities = list(dict.fromkeys(shown["quantity"]))
        for position, name in enumerate(quantities):
            rows = shown[shown["quantity"] == name]
            emit_frame(
                for_screen(rows, ESTIMATES_SCREEN_COLUMNS, fmt, None),
                fmt,
                None,
                title=f"{name} ({len(rows)} records)",
                caption=(
                    f"{len(frame)} records, {assumed_count} marked ASSUMPTION (no published "
                    "source). Ids, sources, notes and URLs: --format csv or json."
                    if position == len(quantities) - 1
                    else None
                ),
            )
        if not quantities:
            err_console.print("No estimates match.", highlight=False)
        return
    emit_frame(frame, fmt, output)


ESTIMATES_SCREEN_COLUMNS = ["subject", "low", "central", "high", "unit", "as_of", "basis"]


CREDIT = (
    'Launches: Ukrainian Air Force reports via the public dataset "Massive Missile Attacks on '
    'Ukraine" (Petro Ivaniuk, Kaggle piterfm/massive-missile-attacks-on-ukraine).'
)


def stockpile_command(
    family: Annotated[
        list[str] | None, typer.Option("--family", help="A modelled family (repeatable).")
    ] = None,
    weapon_class: Annotated[
        list[str] | None, typer.Option("--class", help="A weapon class (repeatable).")
    ] = None,
    until: UntilOption = "2027-12",
    start: Annotated[
        str | None,
        typer.Option(
            "--start",
            help="First month shown (default: ledger start; on screen: 12 months of history).",
        ),
    ] = None,
    paths: PathsOption = 10_000,
    seed: SeedOption = 0,
    estimates: EstimatesOption = None,
    db: DbOption = None,
    summary: Annotated[
        bool, typer.Option("--summary", help="Summary figures instead of the monthly table.")
    ] = False,
    quantity: Annotated[
        list[str] | None,
        typer.Option(
            "--quantity",
            "-q",
            help="Only these quantities (repeatable; default: stock on screen, all in files).",
        ),
    ] = None,
    progress: Annotated[
        bool | None, typer.Option("--progress/--no-progress", help="Progress bar.")
    ] = None,
    fmt: FormatOption = OutputFormat.table,
    output: OutputOption = None,
    check: Annotated[
        bool,
        typer.Option(
            "--check",
            help="Bayesian reconstruction: diagnostics, headline figures, records not "
            "reproduced and the leave-one-out coverage of the stock disclosures.",
        ),
    ] = False,
    refit: Annotated[
        bool,
        typer.Option(
            "--refit",
            help="With --check: refit without each stock disclosure whose Pareto k is over "
            "0.7 instead of marking its leave-one-out row unreliable (one fit each).",
        ),
    ] = False,
) -> None:
    """Stockpile by month: stock, production, imports, launches, net accumulation.

    Percentiles over Monte Carlo paths conditioned on dated stock estimates; rows
    resting on an assumption are marked. With --check, the Bayesian reconstruction's
    diagnostics and checks (docs/model.md).
    """
    from missilewatch.baseline import load_baseline
    from missilewatch.errors import ParameterError
    from missilewatch.model import frames as api
    from missilewatch.run import STOCK_FLOW, RunSpec, simulate

    if check:
        _reconstruction_check(estimates, db, progress, family, fmt, output, refit)
        return
    spec = RunSpec(until=given(until, "2027-12"), paths=given(paths, 10_000), seed=given(seed, 0))
    if quantity and summary:
        raise ParameterError("--quantity: applies to the monthly table, not to --summary")
    unknown = [name for name in quantity or [] if name not in api.QUANTITIES]
    if unknown:
        raise ParameterError(
            f"--quantity: unknown {', '.join(map(repr, unknown))} "
            f"(one of: {', '.join(api.QUANTITIES)})"
        )
    baseline = load_baseline(db, estimates)
    show_bar = progress if progress is not None else sys.stderr.isatty()
    with progress_bar(show_bar, "stockpile", "paths", spec.paths) as callback:
        outcome = simulate(baseline, spec, engines={STOCK_FLOW}, progress=callback)
    paths, seed, until = spec.paths, spec.seed, str(spec.until)
    selection = {"family": family or None, "weapon_class": weapon_class or None}
    on_screen = fmt is OutputFormat.table and output is None
    first_shown = start
    if on_screen and start is None:
        # Three and a half years of months per series do not fit a screen; a file does.
        first_shown = str(outcome.history.months[-1] - (SCREEN_HISTORY_MONTHS - 1))
    if summary:
        frame = api.summary_frame(outcome, **selection)
    else:
        frame = api.stockpile_frame(outcome, **selection, start=first_shown, until=until)
        if quantity:
            frame = frame[frame["quantity"].isin(quantity)].reset_index(drop=True)
    # Only the families asked for: a Kinzhal table should not warn about Kh-101.
    api.warn_shortfalls(outcome, **selection)
    shown_families = api.selected_families(outcome, **selection)
    caption = (
        f"{paths:,} paths, seed {seed}; "
        + _conditioning_note(outcome, shown_families)
        + _sample_size_note(outcome, shown_families, paths)
    )
    if on_screen:
        earlier = (
            f"From {first_shown}; earlier months with --start. "
            if start is None and not summary
            else ""
        )
        screen_caption = (
            caption + earlier + f"{ASSUMPTION_MARK} rests on a figure without a published source "
            "(assumption). Every column and quantity: --format csv|json|parquet. " + CREDIT
        )
        if summary:
            emit_frame(
                _summary_for_screen(frame),
                fmt,
                None,
                title="Stockpile summary (p5, median, p95 over paths)",
                caption=screen_caption,
            )
            return
        _print_monthly_tables(frame, list(quantity or ["stock"]), screen_caption)
        return
    if fmt is not OutputFormat.parquet and "month" in frame:
        frame = frame.assign(month=frame["month"].astype(str))
    emit_frame(frame, fmt, output)


def _conditioning_note(outcome: Run, families: list[str]) -> str:
    """Which dated estimates the shown families were conditioned on, by id."""
    names = outcome.stock_flow_setup.params.families
    wanted = {names.index(name) for name in families}
    # Aggregate figures are split into one constraint per family ("<id>#<family index>").
    ids = list(
        dict.fromkeys(
            constraint.id.split("#", 1)[0]
            for constraint in outcome.stock_flow_setup.params.constraints
            if wanted.intersection(constraint.families)
        )
    )
    if not ids:
        return "no dated estimate conditions these families. "
    return f"conditioned on {len(ids)} dated estimates ({', '.join(ids)}). "


#: Observed months shown on screen when no --start is given.
SCREEN_HISTORY_MONTHS = 12

#: Below this effective sample size the caption says the bands rest on few paths.
FEW_EFFECTIVE_PATHS = 500


def _sample_size_note(outcome: Run, families: list[str], paths: int) -> str:
    """Name the shown family whose conditioning left the fewest effective paths."""
    names = list(outcome.stock_flow_setup.params.families)
    effective = outcome.stock_flow_result.effective_sample_size
    sizes = {name: float(effective[names.index(name)]) for name in families}
    weakest = min(sizes, key=lambda name: sizes[name])
    note = f"Smallest effective sample size: {weakest} {sizes[weakest]:,.0f} of {paths:,} paths"
    if sizes[weakest] < FEW_EFFECTIVE_PATHS:
        note += " (few: its percentiles rest on few distinct paths; more --paths steadies them)"
    return note + ". "


#: Marks, on screen, a row that rests on a record marked as an assumption.
ASSUMPTION_MARK = "*"

#: On-screen titles of the monthly quantities.
QUANTITY_TITLES: dict[str, str] = {
    "stock": "Stock at month end",
    "production": "Production per month",
    "imports": "Imports per month",
    "launches": "Launches per month",
    "net_accumulation": "Net accumulation per month: production + imports - losses - launches",
    "shortfall": "Shortfall per month: ledger launches the path's stock could not cover",
    "unmet": "Unmet per month: forecast launches beyond the stock",
}

MONTHLY_SCREEN_COLUMNS = ["month", "name", "p5", "p50", "p95", "observed"]
SUMMARY_SCREEN_COLUMNS = ["name", "metric", "p5", "p50", "p95"]


def _marked_names(frame: pd.DataFrame) -> pd.Series:
    return frame["name"].where(~frame["assumption"], frame["name"] + " " + ASSUMPTION_MARK)


def _print_monthly_tables(frame: pd.DataFrame, quantities: list[str], caption: str) -> None:
    """One compact table per quantity: month, name, p5, median, p95, observed."""
    for position, name in enumerate(quantities):
        rows = frame[frame["quantity"] == name]
        shown = rows.assign(
            month=rows["month"].astype(str),
            name=_marked_names(rows),
            observed=rows["observed"].map({True: "yes", False: "no"}),
        )
        emit_frame(
            for_screen(shown, MONTHLY_SCREEN_COLUMNS, OutputFormat.table, None),
            OutputFormat.table,
            None,
            title=QUANTITY_TITLES.get(name, name),
            caption=caption if position == len(quantities) - 1 else None,
        )


def _summary_metric_label(metric: str, unit: str) -> str:
    """Words for a summary metric; the unit is folded in so the table needs no unit column."""
    if metric.startswith("stock_"):
        return f"stock at end of {metric.removeprefix('stock_')}"
    labels = {
        "launch_rate_recent": "launches/month, mean of the last 3 months",
        "months_of_supply": "months of supply at that launch rate",
        "net_accumulation_12m": "net accumulation, last 12 months",
        "p_production_exceeds_launches_12m": "P(production > launches), last 12 months",
        "shortfall_history": "ledger launches not explained (history)",
        "effective_sample_size": "effective sample size (paths)",
        "p_unmet_launches_by_end": "P(stock short of planned launches by the end)",
    }
    return labels.get(metric, f"{metric} ({unit})")


def _summary_for_screen(frame: pd.DataFrame) -> pd.DataFrame:
    # A figure that is the same on every path (a probability, the ledger's launch rate,
    # the effective sample size) is shown once, in the median column.
    constant = (frame["p5"] == frame["p95"]) & (frame["p5"] == frame["p50"])
    # Probabilities read more easily as percentages on screen.
    scale = frame["unit"].eq("probability").map({True: 100.0, False: 1.0})
    shown = frame.assign(
        name=_marked_names(frame),
        metric=[
            _summary_metric_label(metric, unit) + (" (%)" if unit == "probability" else "")
            for metric, unit in zip(frame["metric"], frame["unit"], strict=True)
        ],
        p5=(frame["p5"] * scale).where(~constant),
        p50=(frame["p50"] * scale).round(1),
        p95=(frame["p95"] * scale).where(~constant),
    )
    return for_screen(shown, SUMMARY_SCREEN_COLUMNS, OutputFormat.table, None)


def backtest_command(
    cuts: Annotated[int, typer.Option("--cuts", help="Cut months to test.")] = 12,
    horizon: Annotated[int, typer.Option("--horizon", help="Months forecast per cut.")] = 3,
    paths: PathsOption = 4_000,
    band: Annotated[float, typer.Option("--band", help="Central band tested.")] = 0.8,
    seed: SeedOption = 0,
    detail: Annotated[
        bool, typer.Option("--detail", help="One row per cut, month and series.")
    ] = False,
    per_series: Annotated[
        bool,
        typer.Option(
            "--per-series", help="Coverage per family and class, worst first (not by horizon)."
        ),
    ] = False,
    estimates: EstimatesOption = None,
    db: DbOption = None,
    fmt: FormatOption = OutputFormat.table,
    output: OutputOption = None,
) -> None:
    """Out-of-sample check of the strike process: how often the truth is in the band."""
    from missilewatch.errors import ParameterError
    from missilewatch.views import stockpile as api

    if detail and per_series:
        raise ParameterError("--detail and --per-series: choose one")

    frame = api.backtest_strikes(
        cuts=cuts,
        horizon=horizon,
        paths=given(paths, 4_000),
        seed=given(seed, 0),
        band=band,
        db=db,
        estimates=estimates,
    )
    coverage = frame.attrs["coverage"]
    grouping = "name" if per_series else "level"
    result = frame if detail else api.backtest_coverage(frame, by=grouping)
    if "cut" in result:
        result = result.assign(cut=result["cut"].astype(str), month=result["month"].astype(str))
    caption = (
        f"Monthly launches inside the central {band:.0%} band: {coverage:.1%} of "
        f"{len(frame):,} cells (fit before each cut, forecast {horizon} months). " + CREDIT
    )
    if fmt is OutputFormat.table and output is None:
        if detail:
            shown = for_screen(result, BACKTEST_DETAIL_SCREEN_COLUMNS, fmt, None)
        elif per_series:
            shown = result.assign(coverage=(result["coverage"] * 100).round(1)).rename(
                columns={
                    "coverage": "inside band (%)",
                    "below": "months below",
                    "above": "months above",
                }
            )
        else:
            shown = result.assign(
                horizon=result["horizon"].map(
                    lambda months: "all" if months == 0 else f"{months} month(s)"
                ),
                coverage=(result["coverage"] * 100).round(1),
            ).rename(columns={"coverage": "inside band (%)"})
        emit_frame(shown, fmt, output, title="Strike forecast backtest", caption=caption)
        return
    emit_frame(result, fmt, output)


BACKTEST_DETAIL_SCREEN_COLUMNS = [
    "month",
    "horizon",
    "name",
    "observed",
    "low",
    "median",
    "high",
    "inside",
]


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
    from missilewatch.views import stockpile as api

    frame = api.implied_stock(
        family=family,
        evidence=evidence,
        months=months,
        samples=samples,
        seed=given(seed, 0),
        estimates=estimates,
        db=db,
    )
    if fmt is OutputFormat.table and output is None:
        # One small table per evidence record: the long ids and sources go in the title.
        records = list(dict.fromkeys(frame["evidence"])) if not frame.empty else []
        for position, record in enumerate(records):
            rows = frame[frame["evidence"] == record]
            first = rows.iloc[0]
            basis = "ASSUMPTION" if first["assumption"] else f"source: {first['source']}"
            emit_frame(
                for_screen(rows, LITTLE_SCREEN_COLUMNS, fmt, None),
                fmt,
                None,
                title=(
                    f"{record}: {first['subject']}, launch rate over {first['window']} ({basis})"
                ),
                caption=(
                    "Implied stock = launch rate x time in stock (Little's law). Exact for a "
                    "steady flow; with first-in-first-out use it is an upper bound while "
                    "launches exceed production (a drawdown of old stock) and a lower bound "
                    "while production exceeds launches. " + CREDIT
                    if position == len(records) - 1
                    else None
                ),
            )
        if not records:
            err_console.print("No time_in_stock evidence matches.", highlight=False)
        return
    emit_frame(frame, fmt, output)


LITTLE_SCREEN_COLUMNS = ["quantity", "p5", "p25", "p50", "p75", "p95", "unit"]


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
    from missilewatch.errors import ParameterError
    from missilewatch.views import stockpile as api

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


_LOO_MARKS = {"refit": " (refit)", "psis (k high, not refitted)": "*"}


def _reconstruction_check(
    estimates: Path | None,
    db: Path | None,
    progress: bool | None,
    family: list[str] | None,
    fmt: OutputFormat,
    output: Path | None,
    refit: bool = False,
) -> None:
    """``stockpile --check``: fit (or load) the reconstruction and print its checks."""
    from contextlib import nullcontext

    from missilewatch.inference import no_progress, rich_progress
    from missilewatch.reconstruct import reconstruct

    show_bar = progress if progress is not None else sys.stderr.isatty()
    bar = rich_progress("reconstruction") if show_bar else nullcontext(no_progress)
    with bar as callback:
        fitted = reconstruct(estimates=estimates, db=db, progress=callback)
    verdict = fitted.diagnostics.verdict()
    source = "cached posterior" if fitted.from_cache else "fitted now"
    err_console.print(f"Reconstruction ({source}): {verdict}")
    summary = fitted.summary()
    wanted = family or None
    levels = summary["level"].isin(["family", "pool", "class"])
    shown = summary[levels & (summary["name"].isin(wanted) if wanted else True)]
    headline = shown[
        shown["metric"].str.startswith("stock_")
        | shown["metric"].isin(["growth_12m", "unreported_use_12m", "p_stock_grew_12m"])
    ]
    checks = fitted.checks()
    flagged = checks[~checks["reproduced"]]
    loo = fitted.loo(refit=refit)
    coverage = (
        f"Leave-one-out over {len(loo)} stock disclosures: {loo.attrs['coverage_50']:.0%} "
        f"inside the 50% band, {loo.attrs['coverage_90']:.0%} inside the 90% band "
        "(goal: about 50% and 90%)."
    )
    if fmt is OutputFormat.table and output is None:
        emit_frame(
            headline[["name", "metric", "p5", "p50", "p95"]],
            fmt,
            None,
            caption="Headline figures (12m: the 12 months to the last ledger month)",
        )
        emit_frame(
            flagged[["record", "value", "p50", "percentile", "conflicts_with"]],
            fmt,
            None,
            caption=f"{len(flagged)} of {len(checks)} records outside 5-95 of the posterior "
            "predictive (percentile: where the record sits)",
        )
        marks = loo["method"].map(_LOO_MARKS).fillna("")
        emit_frame(
            loo.assign(k=loo["pareto_k"].astype(str) + marks)[
                ["record", "value", "p5", "p95", "k", "inside_50", "inside_90"]
            ],
            fmt,
            None,
            caption=coverage + " k*: Pareto k over 0.7, not refitted (--refit refits).",
        )
        return
    frame = pd.concat(
        [
            headline.assign(table="headline"),
            checks.assign(table="record_check"),
            loo.assign(table="leave_one_out"),
        ],
        ignore_index=True,
    )
    emit_frame(frame, fmt, output, caption=coverage)
