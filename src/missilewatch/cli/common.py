"""Options and output helpers shared by every CLI command.

Commands stay thin: parse options, call the public Python API, hand the DataFrame
to :func:`emit_frame`.
"""

from __future__ import annotations

import datetime as dt
import functools
import inspect
import json
import math
import re
import sys
import typing
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from enum import StrEnum
from pathlib import Path
from typing import Annotated, TypeVar

import pandas as pd
import typer
from rich.console import Console
from rich.table import Table

from missilewatch.errors import ParameterError
from missilewatch.limits import MAX_PATHS

T = TypeVar("T")

console = Console()
err_console = Console(stderr=True)


class OutputFormat(StrEnum):
    table = "table"
    csv = "csv"
    json = "json"
    parquet = "parquet"
    xlsx = "xlsx"


#: The format a file's extension implies when ``--format`` is not given.
FORMAT_BY_SUFFIX: dict[str, OutputFormat] = {
    ".csv": OutputFormat.csv,
    ".json": OutputFormat.json,
    ".parquet": OutputFormat.parquet,
    ".xlsx": OutputFormat.xlsx,
    ".txt": OutputFormat.table,
}

DbOption = Annotated[
    Path | None,
    typer.Option("--db", help="DuckDB store to use (default: the user's data directory)."),
]
FormatOption = Annotated[
    OutputFormat,
    typer.Option(
        "--format",
        "-f",
        help="table (rich, default on screen), csv, json, parquet or xlsx "
        "(default with --output: from the file's extension).",
    ),
]
OutputOption = Annotated[
    Path | None,
    typer.Option(
        "--output",
        "-o",
        help="Write to this file instead of standard output; .csv .json .parquet .xlsx "
        "(.txt: the table as text) pick the format.",
    ),
]
# The run options, declared once for every command. A command states its own default
# (None where a scenario or sweep file gives it); missilewatch.run.RunSpec checks the
# values, so every command refuses a bad one with the same line.
PathsOption = Annotated[
    int | None,
    typer.Option(
        "--paths",
        help=f"Monte Carlo paths, 1 to {MAX_PATHS:,} (run, sweep: default the file's).",
    ),
]
SeedOption = Annotated[
    int | None,
    typer.Option("--seed", help="Root seed, a whole number >= 0; same seed, same numbers."),
]
UntilOption = Annotated[
    str | None,
    typer.Option("--until", help="Last month, YYYY-MM (run, sweep, report: default the file's)."),
]
EstimatesOption = Annotated[
    Path | None,
    typer.Option(
        "--estimates",
        help="Your estimates TOML file: overrides shipped records with the same id, adds new ones.",
    ),
]


def given(value: T | None, default: T) -> T:
    """An option's value, or the command's default when it was not given."""
    return default if value is None else value


WideOption = Annotated[
    bool, typer.Option("--wide", help="Every column on screen (the table may not fit 80 columns).")
]


def output_format(fmt: OutputFormat, output: Path | None, *, explicit: bool) -> OutputFormat:
    """The format to write: ``--format`` if given, else the extension of ``--output``.

    Raises ParameterError (one line, exit 2) when an explicit ``--format`` contradicts the
    extension, or when ``--output`` has an extension that names no format and no
    ``--format`` says which.
    """
    if output is None:
        return fmt
    suffix = output.suffix.lower()
    implied = FORMAT_BY_SUFFIX.get(suffix)
    if explicit:
        if implied is not None and implied is not fmt:
            raise ParameterError(
                f"--format {fmt.value} contradicts --output {output.name} (a {implied.value} "
                "file); give one of them, or make them agree"
            )
        return fmt
    if implied is None:
        raise ParameterError(
            f"--output {output.name}: the extension {suffix or '(none)'!r} names no format; "
            "use .csv, .json, .parquet or .xlsx, or give --format"
        )
    return implied


_CONTEXT_PARAMETER = "_output_rule_context"


def with_output_format(command: Callable[..., None]) -> Callable[..., None]:
    """Wrap a command so that its ``fmt`` follows :func:`output_format` before it runs.

    Every command with ``--format`` and ``--output`` gets the rule in one place; the
    wrapped function keeps its signature, so its options and help stay as they are.
    """
    parameters = inspect.signature(command).parameters
    if "fmt" not in parameters or "output" not in parameters:
        return command

    @functools.wraps(command)
    def wrapped(*args: object, **kwargs: object) -> None:
        context = kwargs.pop(_CONTEXT_PARAMETER, None)
        fmt, output = kwargs.get("fmt"), kwargs.get("output")
        if isinstance(fmt, OutputFormat) and (output is None or isinstance(output, Path)):
            lookup = getattr(context, "get_parameter_source", None)
            source = lookup("fmt") if callable(lookup) else None
            # Typer's and click's ParameterSource enums differ; the name is what counts.
            explicit = source is not None and source.name != "DEFAULT"
            kwargs["fmt"] = output_format(fmt, output, explicit=explicit)
        command(*args, **kwargs)

    # Typer passes the click context to a parameter annotated typer.Context: it tells a
    # --format typed by the user from its default.
    context_parameter = inspect.Parameter(
        _CONTEXT_PARAMETER, inspect.Parameter.KEYWORD_ONLY, annotation=typer.Context
    )
    # The command's annotations are strings resolved in its own module; resolve them there.
    hints = typing.get_type_hints(command, include_extras=True)
    signature = inspect.signature(command)
    resolved = [
        parameter.replace(annotation=hints.get(name, parameter.annotation))
        for name, parameter in signature.parameters.items()
    ]
    wrapped.__signature__ = signature.replace(  # type: ignore[attr-defined]
        parameters=[*resolved, context_parameter], return_annotation=None
    )
    wrapped.__annotations__ = {**hints, _CONTEXT_PARAMETER: typer.Context}
    return wrapped


def emit_frame(
    frame: pd.DataFrame,
    fmt: OutputFormat = OutputFormat.table,
    output: Path | None = None,
    *,
    title: str | None = None,
    caption: str | None = None,
) -> None:
    """Print or write a DataFrame in the chosen format.

    CSV cells that a spreadsheet would run as a formula are neutralised
    (:func:`csv_safe`); Excel cells are written as text, never formulas; JSON and Parquet
    keep every value as it is.
    """
    if fmt in (OutputFormat.parquet, OutputFormat.xlsx):
        if output is None:
            raise ParameterError(f"--format {fmt.value}: needs --output FILE (binary format)")
        if fmt is OutputFormat.parquet:
            frame.to_parquet(output, index=False)
        else:
            write_xlsx(frame, output, sheet=title)
        return
    if fmt is OutputFormat.csv:
        text = csv_safe(frame).to_csv(index=False)
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


#: First characters that make a spreadsheet read a cell as a formula (OWASP CSV injection).
FORMULA_STARTS: tuple[str, ...] = ("=", "+", "-", "@", "\t", "\r")

_PLAIN_NUMBER = re.compile(r"[+-]?(\d[\d,]*\.?\d*|\.\d+)([eE][+-]?\d+)?%?")


def csv_safe_text(value: str) -> str:
    """``value`` with a leading ``'`` if a spreadsheet would run it as a formula.

    Text that is a plain number ("-12", "+3.5", "-1e3") is left alone: a negative
    number is a number, not a formula, and quoting it would turn it into text.
    """
    if value.startswith(FORMULA_STARTS) and not _PLAIN_NUMBER.fullmatch(value):
        return "'" + value
    return value


def _csv_safe_cell(cell: object) -> object:
    return csv_safe_text(cell) if isinstance(cell, str) else cell


def csv_safe(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy of ``frame`` whose text cells and column names are :func:`csv_safe_text`.

    Numeric, boolean and date columns are untouched (numbers stay numbers).
    """
    safe = frame.copy()
    for column in safe.columns:
        values = safe[column]
        if pd.api.types.is_numeric_dtype(values) or pd.api.types.is_datetime64_any_dtype(values):
            continue
        if isinstance(values.dtype, pd.CategoricalDtype):
            values = values.astype(object)
        safe[column] = values.map(
            lambda cell: csv_safe_text(cell) if isinstance(cell, str) else cell
        )
    safe.columns = [csv_safe_text(name) if isinstance(name, str) else name for name in safe.columns]
    return safe


#: Longest Excel sheet name.
_SHEET_NAME_LIMIT = 31


def _excel_value(value: object) -> object:
    """A cell value openpyxl writes as is: numbers, text, dates; missing is empty."""
    if value is None or value is pd.NaT:
        return None
    if isinstance(value, float) and math.isnan(value):
        return None
    if isinstance(value, pd.Timestamp):
        return value.tz_localize(None).to_pydatetime() if value.tzinfo else value.to_pydatetime()
    if isinstance(value, bool | int | float | str | dt.date | dt.datetime):
        return value
    if hasattr(value, "item"):  # numpy scalars
        return _excel_value(value.item())
    return str(value)


def write_xlsx(frame: pd.DataFrame, output: Path, *, sheet: str | None = None) -> None:
    """One sheet with a header row; text cells are stored as text, never as formulas."""
    from openpyxl import Workbook

    book = Workbook()
    worksheet = book.active
    assert worksheet is not None
    cleaned = re.sub(r"[\[\]:*?/\\]", " ", sheet or "data").strip() or "data"
    worksheet.title = cleaned[:_SHEET_NAME_LIMIT]
    worksheet.append([str(name) for name in frame.columns])
    for row in frame.itertuples(index=False):
        worksheet.append([_excel_value(value) for value in row])
    # openpyxl reads a string that starts with "=" as a formula; these are data.
    for cells in worksheet.iter_rows():
        for cell in cells:
            if isinstance(cell.value, str) and cell.data_type == "f":
                cell.data_type = "s"
    worksheet.freeze_panes = "A2"
    book.save(output)


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
