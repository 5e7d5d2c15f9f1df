"""CLI command ``attacks``: one row per attack window, and the questions asked of them."""

from __future__ import annotations

from typing import Annotated

import typer

from missilewatch.cli.common import (
    DbOption,
    FormatOption,
    OutputFormat,
    OutputOption,
    emit_frame,
    for_screen,
)
from missilewatch.cli.ledger import EndOption, StartOption, _existing_store, _source_caption

SCREEN_COLUMNS = ("window_end", "launched", "destroyed", "not_reach_goal", "by_family")


def attacks_command(
    start: StartOption = None,
    end: EndOption = None,
    family: Annotated[
        list[str] | None, typer.Option("--family", help="Count only this family (repeatable).")
    ] = None,
    weapon_class: Annotated[
        list[str] | None, typer.Option("--class", help="Count only this class (repeatable).")
    ] = None,
    zero_intercepts: Annotated[
        bool,
        typer.Option(
            "--zero-intercepts",
            help="Only attacks with launches and no intercept, and how many of all they are.",
        ),
    ] = False,
    by_salvo: Annotated[
        bool,
        typer.Option("--by-salvo", help="Intercept rate by salvo size (launched per attack)."),
    ] = False,
    salvo_bins: Annotated[
        str,
        typer.Option("--salvo-bins", help="Lower edges of the salvo-size bins (last is open)."),
    ] = "1,2,4,8,16",
    distribution: Annotated[
        bool,
        typer.Option(
            "--distribution",
            help="How many attacks intercepted none, some or all: the per-attack distribution.",
        ),
    ] = False,
    per_family: Annotated[
        bool, typer.Option("--per-family", help="One row per attack window and family.")
    ] = False,
    db: DbOption = None,
    fmt: FormatOption = OutputFormat.table,
    output: OutputOption = None,
) -> None:
    """Attacks, one row per attack window: families, launched / destroyed / not reaching."""
    from missilewatch.cli.common import console, err_console
    from missilewatch.ledger.windows import (
        attack_windows,
        intercept_by_salvo_size,
        intercept_distribution,
        salvo_edges,
    )
    from missilewatch.ledger.windows import zero_intercepts as count_zero_intercepts

    chosen = [by_salvo, distribution, per_family]
    if sum(chosen) > 1:
        raise typer.BadParameter(
            "choose one of --by-salvo, --distribution, --per-family", param_hint="--by-salvo"
        )
    db = _existing_store(db)
    edges = salvo_edges(salvo_bins)
    windows = attack_windows(
        db,
        start=start.date() if start else None,
        end=end.date() if end else None,
        family=family or None,
        weapon_class=weapon_class or None,
        per="family" if per_family else "window",
    )
    caption = _source_caption(db)
    if per_family:
        emit_frame(windows, fmt, output, title="Attacks by window and family", caption=caption)
        return
    counts = count_zero_intercepts(windows)
    line = (
        f"{counts['without_intercept']} of {counts['attacks']} attacks with launches had no "
        f"intercept ({counts['launched']} launched, {counts['destroyed']} destroyed)"
    )
    if by_salvo:
        frame = intercept_by_salvo_size(windows, edges)
        title = "Intercept rate by salvo size"
    elif distribution:
        frame = intercept_distribution(windows)
        title = "Attacks by the share they intercepted"
    else:
        frame = windows
        title = "Attacks, one row per window (launched/destroyed/not reaching per family)"
        if zero_intercepts:
            frame = windows[(windows["launched"] > 0) & (windows["destroyed"] == 0)]
            title = "Attacks with launches and no intercept"
        frame = for_screen(frame, SCREEN_COLUMNS, fmt, output)
    emit_frame(frame, fmt, output, title=title, caption=caption)
    # The count goes to the terminal with the table, to standard error with data output.
    target = console if fmt is OutputFormat.table and output is None else err_console
    target.print(line, highlight=False, soft_wrap=True)


def register(app: typer.Typer) -> None:
    """Add this module's commands to the root app."""
    app.command("attacks")(attacks_command)
