"""CLI commands for the air defense: raid, defense (campaign and depletion), intercepts."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import pandas as pd
import typer
from rich.table import Table

if TYPE_CHECKING:
    from missilewatch.baseline import Baseline
    from missilewatch.views.interceptors import InterceptorReconstruction

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
    progress_bar,
)

CREDIT = (
    "Intercept calibration: Ukrainian Air Force reports via the dataset 'Massive Missile "
    "Attacks on Ukraine' (Petro Ivaniuk, Kaggle piterfm/massive-missile-attacks-on-ukraine). "
    "Interceptor stocks, shares, doctrine and kill probabilities are mostly assumptions "
    "(see `missilewatch estimates` and docs/defense.md)."
)

ProgressOption = Annotated[
    bool | None,
    typer.Option("--progress/--no-progress", help="Show a progress bar (default: on a terminal)."),
]


class RaidTable(StrEnum):
    leakers = "leakers"
    interceptors = "interceptors"
    saturation = "saturation"
    all = "all"


class CampaignTable(StrEnum):
    summary = "summary"
    depletion = "depletion"
    monthly = "monthly"
    sensitivity = "sensitivity"
    all = "all"


class StockSource(StrEnum):
    reconstructed = "reconstructed"
    assumed = "assumed"


class ReconstructionTable(StrEnum):
    stock = "stock"
    checks = "checks"
    deliveries = "deliveries"
    all = "all"


class CalibrationGroup(StrEnum):
    family = "family"
    weapon_class = "class"


class CalibrationPeriod(StrEnum):
    month = "month"
    quarter = "quarter"
    year = "year"


#: Columns shown in an on-screen table (files get every column).
SCREEN_COLUMNS: dict[str, list[str]] = {
    "leakers": ["threat", "launched", "engaged_mean", "mean", "p5", "p50", "p95", "leak_share"],
    "interceptors": [
        "interceptor",
        "fire_system",
        "stock_mean",
        "mean",
        "p5",
        "p50",
        "p95",
        "p_stock_short",
    ],
    "saturation": [
        "scale",
        "missiles",
        "leakers_mean",
        "leakers_p5",
        "leakers_p95",
        "leak_share",
        "ballistic_leak_share",
    ],
}


def _for_screen(
    frame: pd.DataFrame, name: str, fmt: OutputFormat, output: Path | None
) -> pd.DataFrame:
    return for_screen(frame, SCREEN_COLUMNS.get(name), fmt, output)


def _emit_tables(
    tables: dict[str, pd.DataFrame],
    chosen: str,
    fmt: OutputFormat,
    output: Path | None,
    *,
    default: str,
    caption: str,
) -> None:
    if chosen == "all" and fmt is OutputFormat.table and output is None:
        for name, frame in tables.items():
            emit_frame(_for_screen(frame, name, fmt, None), fmt, None, title=name)
        err_console.print(caption, highlight=False)
        return
    if chosen == "all":
        chosen = default
    frame = _for_screen(tables[chosen], chosen, fmt, output)
    emit_frame(frame, fmt, output, title=chosen, caption=caption)


def raid_command(
    raid: Annotated[
        str,
        typer.Option("--raid", help="Missiles per threat family, e.g. 'Iskander-M=40,Kinzhal=10'."),
    ],
    paths: PathsOption = 100_000,
    seed: SeedOption = 0,
    stock: Annotated[
        str | None,
        typer.Option("--stock", help="Interceptors on hand, e.g. 'PAC-3 MSE=30,Aster 30=10'."),
    ] = None,
    show: Annotated[
        RaidTable | None,
        typer.Option("--show", help="Which table (default: all three on screen, else leakers)."),
    ] = None,
    estimates: EstimatesOption = None,
    db: DbOption = None,
    fmt: FormatOption = OutputFormat.table,
    output: OutputOption = None,
    progress: ProgressOption = None,
) -> None:
    """Simulate one raid against the defense: leakers by threat, interceptors spent, saturation."""
    from missilewatch.defense.raid import parse_raid
    from missilewatch.run import RunSpec
    from missilewatch.views import defense as api

    spec = RunSpec(paths=given(paths, 100_000), seed=given(seed, 0))
    counts = parse_raid(raid)
    setup, _ = api.load_setup(estimates, db)
    stock_on_hand = (
        api.parse_stock(stock, setup.defense.tracked_names) if stock is not None else None
    )
    with progress_bar(progress, "raid", "raids") as update:
        result = api.raid(
            counts,
            paths=spec.paths,
            seed=spec.seed,
            defense=setup,
            stock=stock_on_hand,
            progress=update,
        )
    tables = {
        "leakers": result.leakers,
        "interceptors": result.interceptors,
        "saturation": result.saturation,
    }
    chosen = (show or RaidTable.all).value
    _emit_tables(tables, chosen, fmt, output, default="leakers", caption=CREDIT)


def defense_command(
    until: UntilOption = "2027-12",
    start: Annotated[
        str | None, typer.Option("--start", help="First forecast month (default: engine's).")
    ] = None,
    paths: PathsOption = 10_000,
    seed: SeedOption = 0,
    extra: Annotated[
        str | None,
        typer.Option(
            "--extra-interceptors",
            help="Extra deliveries per month and type, e.g. 'PAC-3 MSE=20'.",
        ),
    ] = None,
    show: Annotated[
        CampaignTable | None,
        typer.Option("--show", help="Which table (default: all on screen, else monthly)."),
    ] = None,
    stock_source: Annotated[
        StockSource,
        typer.Option(
            "--stock",
            help="Start from the stock reconstructed from the record (fitted once, then "
            "cached) or from the assumed stock records.",
        ),
    ] = StockSource.reconstructed,
    estimates: EstimatesOption = None,
    db: DbOption = None,
    fmt: FormatOption = OutputFormat.table,
    output: OutputOption = None,
    progress: ProgressOption = None,
) -> None:
    """Interceptors spent, stock left and leakers per month; the depletion date's distribution."""
    from missilewatch.baseline import load_baseline
    from missilewatch.model.adjustments import BASELINE, Adjustments
    from missilewatch.run import RunSpec
    from missilewatch.views import defense as api

    spec = RunSpec(
        until=given(until, "2027-12"), paths=given(paths, 10_000), seed=given(seed, 0), start=start
    )
    baseline = load_baseline(db, estimates)
    fitted = (
        _reconstruction(estimates, db, baseline=baseline)
        if stock_source is StockSource.reconstructed
        else None
    )
    adjustments = BASELINE
    if extra is not None:
        setup, _ = api.load_setup(baseline=baseline)
        adjustments = Adjustments(
            extra_interceptors_per_month=api.parse_stock(extra, setup.defense.tracked_names)
        )
    with progress_bar(progress, "campaign", "paths") as update:
        result = api.defense_campaign(
            until=spec.until,
            start=spec.start,
            paths=spec.paths,
            seed=spec.seed,
            adjustments=adjustments,
            progress=update,
            baseline=baseline,
            reconstruction=fitted,
        )
    if result.headline:
        err_console.print(result.headline, highlight=False)
    monthly = result.monthly.assign(month=result.monthly["month"].astype(str))
    depletion = result.depletion.assign(month=result.depletion["month"].astype(str))
    tables = {"summary": result.summary, "depletion": depletion, "monthly": monthly}
    if result.reconstructed_depletion is not None and result.sensitivity is not None:
        # The reconstruction's answer replaces the assumed-stock depletion table.
        reconstructed = result.reconstructed_depletion
        tables["depletion"] = reconstructed.assign(month=reconstructed["month"].astype(str))
        tables["sensitivity"] = result.sensitivity
    if (show is None or show is CampaignTable.all) and fmt is OutputFormat.table and not output:
        # On screen the full monthly table is long: show the interceptor stock only.
        tables["monthly"] = monthly[
            (monthly["level"] == "interceptor") & (monthly["quantity"] == "stock")
        ]
    chosen = (show or CampaignTable.all).value
    _emit_tables(tables, chosen, fmt, output, default="monthly", caption=CREDIT)


def _reconstruction(
    estimates: Path | None,
    db: Path | None,
    cut: str | None = None,
    *,
    baseline: Baseline | None = None,
) -> InterceptorReconstruction:
    from missilewatch.views import interceptors

    def say(message: str) -> None:
        err_console.print(f"{message}: once, then cached (a few minutes)", highlight=False)

    return interceptors.reconstruct(db, estimates, cut=cut, progress=say, baseline=baseline)


def interceptors_command(
    cut: Annotated[
        str | None,
        typer.Option("--cut", help="End the fit at this month, YYYY-MM (a history check)."),
    ] = None,
    show: Annotated[
        ReconstructionTable | None,
        typer.Option("--show", help="Which table (default: all on screen, else stock)."),
    ] = None,
    estimates: EstimatesOption = None,
    db: DbOption = None,
    fmt: FormatOption = OutputFormat.table,
    output: OutputOption = None,
) -> None:
    """Ukraine's interceptor stocks reconstructed from the record, by month and type."""
    fitted = _reconstruction(estimates, db, cut)
    stock = fitted.stock.assign(month=fitted.stock["month"].astype(str))
    checks = fitted.checks.assign(month=fitted.checks["month"].astype(str))
    tables = {
        "stock": stock,
        "checks": checks,
        "deliveries": fitted.delivery_rate,
    }
    diagnostics = fitted.diagnostics
    caption = (
        f"R-hat max {diagnostics['r_hat_max']:.2f}, "
        f"bulk ESS min {diagnostics['ess_bulk_min']:.0f}, "
        f"tail ESS min {diagnostics['ess_tail_min']:.0f}, {diagnostics['divergences']:.0f} "
        f"divergences; {len(fitted.assumptions)} of {len(fitted.records)} records are "
        "assumptions. " + CREDIT
    )
    if (
        (show is None or show is ReconstructionTable.all)
        and fmt is OutputFormat.table
        and not output
    ):
        recent = stock[(stock["quantity"] == "stock")].tail(
            6 * (len(fitted.draws.inputs.tracked) + 1)
        )
        tables["stock"] = recent[["month", "interceptor", "p5", "p50", "p95"]]
        tables["checks"] = checks[
            ["month", "launched", "destroyed", "p10", "p50", "p90", "inside_80"]
        ].tail(12)
    chosen = (show or ReconstructionTable.all).value
    _emit_tables(tables, chosen, fmt, output, default="stock", caption=caption)


def intercepts_command(
    period: Annotated[
        CalibrationPeriod, typer.Option("--period", "-p", help="Period.")
    ] = CalibrationPeriod.quarter,
    by: Annotated[
        CalibrationGroup, typer.Option("--by", help="Per family or per weapon class.")
    ] = CalibrationGroup.family,
    family: Annotated[
        list[str] | None,
        typer.Option("--family", help="Only this family (or class with --by class); repeatable."),
    ] = None,
    outcomes: Annotated[
        str | None,
        typer.Option(
            "--outcomes",
            help="Instead: attacks with none/some/all destroyed for this family, seen vs fitted.",
        ),
    ] = None,
    db: DbOption = None,
    fmt: FormatOption = OutputFormat.table,
    output: OutputOption = None,
) -> None:
    """Intercept rates by family and period with 90% intervals and beta-binomial fits."""
    from missilewatch.views import defense as api

    if outcomes is not None:
        frame = api.attack_outcomes(db, family=outcomes, by=by.value)
        emit_frame(frame, fmt, output, title=f"{outcomes}: attacks by outcome", caption=CREDIT)
        return
    table = api.intercept_calibration(db, families=family, period=period.value, by=by.value)
    table = table.assign(period_start=table["period_start"].dt.strftime("%Y-%m-%d"))
    if fmt is OutputFormat.table and output is None:
        console.print(intercepts_screen_table(table))
        console.print(CREDIT, highlight=False)
        return
    emit_frame(table, fmt, output, title="Intercept rates", caption=CREDIT)


def _percent(value: float) -> str:
    return "" if pd.isna(value) else f"{value:.0%}"


def intercepts_screen_table(table: pd.DataFrame) -> Table:
    """Intercept rates for an 80-column terminal: counts, the rate and its 90% interval.

    Only the first column (family or class names) wraps, at spaces; numbers never cut.
    The fitted shares and beta-binomial parameters are in the file formats.
    """
    name = "family" if "family" in table.columns else "weapon_class"
    screen = pd.DataFrame(
        {
            name: table[name].astype(str),
            "period": table["period"].astype(str),
            "attacks": table["attacks"],
            "launched": table["launched"],
            "destroyed": table["destroyed"],
            "rate (5-95%)": [
                f"{_percent(rate)} ({_percent(low)}-{_percent(high)})"
                for rate, low, high in zip(
                    table["intercept_rate"], table["p5"], table["p95"], strict=True
                )
            ],
        }
    )
    rendered = frame_to_table(
        screen,
        title="Intercept rates",
        caption="rate: destroyed / launched; 5-95%: interval of the rate. "
        "Fitted shares: --format csv.",
    )
    for column in rendered.columns[1:]:
        column.no_wrap = True
    rendered.columns[0].min_width = max(len(word) for word in " ".join(screen[name]).split())
    rendered.show_edge = False
    return rendered


def register(app: typer.Typer) -> None:
    """Add this module's commands to the root app."""
    app.command("raid")(raid_command)
    app.command("defense")(defense_command)
    app.command("intercepts")(intercepts_command)
    app.command("interceptors")(interceptors_command)
