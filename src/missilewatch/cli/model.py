"""CLI commands for sourced estimates and the stock-flow model."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from missilewatch.cli.common import FormatOption, OutputFormat, OutputOption, emit_frame

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


def register(app: typer.Typer) -> None:
    """Add this module's commands to the root app."""
    app.command("estimates")(estimates_command)
