"""CLI commands for the ledger: stats, ingest, update, releases, check."""

from __future__ import annotations

import datetime as dt
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from missilewatch.cli.common import DbOption, FormatOption, OutputFormat, OutputOption, emit_frame

CREDIT_LINE = (
    "Source: Ukrainian Air Force reports via the dataset 'Massive Missile Attacks on Ukraine' "
    "(Petro Ivaniuk, Kaggle piterfm/massive-missile-attacks-on-ukraine)"
)


class Period(StrEnum):
    year = "year"
    quarter = "quarter"
    month = "month"
    week = "week"


class GroupBy(StrEnum):
    weapon_class = "class"
    family = "family"


class Mode(StrEnum):
    allocated = "allocated"
    reported = "as-reported"


StartOption = Annotated[
    dt.datetime | None,
    typer.Option("--start", formats=["%Y-%m-%d"], help="First report date (YYYY-MM-DD)."),
]
EndOption = Annotated[
    dt.datetime | None,
    typer.Option("--end", formats=["%Y-%m-%d"], help="Last report date (YYYY-MM-DD)."),
]


def _source_caption(db: Path | None) -> str:
    from missilewatch.ledger.store import open_reader

    with open_reader(db) as (_con, source):
        where = (
            f"store {source.path}, release {source.release}"
            if source.kind == "store"
            else f"shipped snapshot of release {source.release}"
        )
    return f"{CREDIT_LINE}; {where}."


def stats_command(
    period: Annotated[Period, typer.Option("--period", "-p", help="Period.")] = Period.month,
    by: Annotated[GroupBy, typer.Option("--by", help="Group by weapon class or family.")] = (
        GroupBy.weapon_class
    ),
    mode: Annotated[
        Mode,
        typer.Option(
            "--mode",
            help="allocated: multi-model rows split to families; as-reported: rows as given.",
        ),
    ] = Mode.allocated,
    start: StartOption = None,
    end: EndOption = None,
    weapon_class: Annotated[
        list[str] | None, typer.Option("--class", help="Only this weapon class (repeatable).")
    ] = None,
    family: Annotated[
        list[str] | None, typer.Option("--family", help="Only this family (repeatable).")
    ] = None,
    db: DbOption = None,
    fmt: FormatOption = OutputFormat.table,
    output: OutputOption = None,
) -> None:
    """Launched, destroyed, not reaching the target and intercept rate by period and group."""
    from missilewatch.ledger import stats

    frame = stats(
        db,
        period=period.value,
        by=by.value,
        mode=mode.value,
        start=start.date() if start else None,
        end=end.date() if end else None,
        weapon_class=weapon_class or None,
        family=family or None,
    )
    if fmt is OutputFormat.table and output is None:
        frame = frame.drop(columns="period_start")  # the label says it; keep the table narrow
    emit_frame(
        frame,
        fmt,
        output,
        title=f"Launches by {period.value} and {by.value} ({mode.value})",
        caption=_source_caption(db),
    )


def register(app: typer.Typer) -> None:
    """Add this module's commands to the root app."""
    app.command("stats")(stats_command)
