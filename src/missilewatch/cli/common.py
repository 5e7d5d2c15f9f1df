"""Options and output helpers shared by every CLI command.

Commands stay thin: parse options, call the public Python API, hand the DataFrame
to :func:`emit_frame`.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import pandas as pd
import typer
from rich.console import Console
from rich.table import Table

console = Console()
err_console = Console(stderr=True)


class OutputFormat(StrEnum):
    table = "table"
    csv = "csv"
    json = "json"
    parquet = "parquet"


DbOption = Annotated[
    Path | None,
    typer.Option("--db", help="DuckDB store to use (default: the user's data directory)."),
]
FormatOption = Annotated[
    OutputFormat,
    typer.Option("--format", "-f", help="table (rich, default), csv, json or parquet."),
]
OutputOption = Annotated[
    Path | None,
    typer.Option("--output", "-o", help="Write to this file instead of standard output."),
]
SeedOption = Annotated[int, typer.Option("--seed", help="Root seed; same seed, same numbers.")]


def emit_frame(
    frame: pd.DataFrame,
    fmt: OutputFormat = OutputFormat.table,
    output: Path | None = None,
    *,
    title: str | None = None,
    caption: str | None = None,
) -> None:
    """Print or write a DataFrame in the chosen format."""
    if fmt is OutputFormat.parquet:
        if output is None:
            raise typer.BadParameter("parquet output needs --output FILE", param_hint="--format")
        frame.to_parquet(output, index=False)
        return
    if fmt is OutputFormat.csv:
        text = frame.to_csv(index=False)
    elif fmt is OutputFormat.json:
        text = json.dumps(json.loads(frame.to_json(orient="records", date_format="iso")), indent=2)
        text += "\n"
    else:
        if output is not None:
            text = frame.to_string(index=False) + "\n"
        else:
            console.print(frame_to_table(frame, title=title, caption=caption))
            return
    if output is None:
        sys.stdout.write(text)
    else:
        output.write_text(text, encoding="utf-8")


def for_screen(
    frame: pd.DataFrame,
    columns: Sequence[str] | None,
    fmt: OutputFormat,
    output: Path | None,
) -> pd.DataFrame:
    """Only ``columns`` (those present) when the frame goes to the terminal as a table.

    An 80-column terminal cannot show a dozen columns; files and csv/json/parquet keep
    every column.
    """
    if fmt is not OutputFormat.table or output is not None or columns is None:
        return frame
    return frame[[column for column in columns if column in frame.columns]]


def frame_to_table(
    frame: pd.DataFrame, *, title: str | None = None, caption: str | None = None
) -> Table:
    table = Table(title=title, caption=caption)
    for column in frame.columns:
        numeric = pd.api.types.is_numeric_dtype(frame[column])
        table.add_column(str(column), justify="right" if numeric else "left")
    for row in frame.itertuples(index=False):
        table.add_row(*(_format_cell(value) for value in row))
    return table


def _format_cell(value: object) -> str:
    if isinstance(value, float):
        if pd.isna(value):
            return ""
        if abs(value) >= 100 or value == int(value):
            return f"{value:,.0f}"
        return f"{value:.3g}"
    if isinstance(value, pd.Timestamp):
        return value.strftime("%Y-%m-%d")
    return str(value)


@contextmanager
def progress_bar(
    enabled: bool | None, label: str, unit: str, total: int | None = None
) -> Iterator[Callable[[int, int], None] | None]:
    """A rich progress bar on standard error, yielding ``update(done, total)`` or None.

    ``enabled=None`` shows the bar only on a terminal, so pipes and files stay clean.
    """
    show = sys.stderr.isatty() if enabled is None else enabled
    if not show:
        yield None
        return
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeElapsedColumn,
        TimeRemainingColumn,
    )

    with Progress(
        TextColumn(label),
        BarColumn(),
        # MofN copes with a total that is not known yet (shown as "?").
        MofNCompleteColumn(),
        TextColumn(unit),
        TimeElapsedColumn(),
        TimeRemainingColumn(),
        console=err_console,
        transient=True,
    ) as bar:
        task = bar.add_task(label, total=total)

        def update(done: int, total: int) -> None:
            bar.update(task, completed=done, total=total)

        yield update
