"""CLI command ``validate``: how well the tool does, against the public record."""

from __future__ import annotations

import json
import sys
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from missilewatch.cli.common import DbOption, OutputOption


class ValidateFormat(StrEnum):
    table = "table"
    json = "json"
    csv = "csv"


def validate_command(
    quick: Annotated[
        bool,
        typer.Option("--quick", help="Published figures and a short forecast backtest only."),
    ] = False,
    strict: Annotated[
        bool,
        typer.Option("--strict", help="Exit 1 when any published figure is outside its tolerance."),
    ] = False,
    fmt: Annotated[
        ValidateFormat,
        typer.Option(
            "--format",
            "-f",
            help="table (default), json or csv (one row per cell, with a 'section' column).",
        ),
    ] = ValidateFormat.table,
    registry: Annotated[
        Path | None,
        typer.Option("--registry", help="A published-figures file instead of the shipped one."),
    ] = None,
    db: DbOption = None,
    output: OutputOption = None,
) -> None:
    """How well the tool does against the public record: published figures, forecast skill.

    Each published figure recounted (tool value, published value, difference, within
    tolerance, counting rule), the strike forecast's skill against naive forecasts, and the
    reconstructions' checks. Exits 0 even when figures miss (it is a report) unless --strict.
    """
    from missilewatch.cli.ledger import _existing_store
    from missilewatch.validate import validate

    report = validate(_existing_store(db), quick=quick, registry=registry)
    if fmt is ValidateFormat.json:
        _write(json.dumps(report.to_dict(), indent=2) + "\n", output)
    elif fmt is ValidateFormat.csv:
        import pandas as pd

        parts = [s.table.assign(section=s.name) for s in report.sections if len(s.table)]
        frame = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame()
        if len(frame):
            frame = frame[["section", *[c for c in frame.columns if c != "section"]]]
        _write(frame.to_csv(index=False), output)
    else:
        _print_report(report, output)
    if strict and report.published_misses:
        raise typer.Exit(1)


def _write(text: str, output: Path | None) -> None:
    if output is None:
        sys.stdout.write(text)
    else:
        output.write_text(text, encoding="utf-8")


def _print_report(report: object, output: Path | None) -> None:
    from missilewatch.cli.common import console, frame_to_table
    from missilewatch.validate.report import ValidationReport

    assert isinstance(report, ValidationReport)
    if output is not None:
        lines = []
        for section in report.sections:
            lines += [f"## {section.title}", "", section.summary, ""]
            if len(section.table):
                lines += [section.table.to_string(index=False), ""]
        output.write_text("\n".join(lines), encoding="utf-8")
        return
    for section in report.sections:
        console.rule(section.title)
        console.print(section.summary, highlight=False, soft_wrap=False)
        if len(section.table):
            console.print(frame_to_table(section.screen_table()))
    console.print(
        "Every column, the addresses and the tolerance reasons: --format json or csv.",
        highlight=False,
    )


def register(app: typer.Typer) -> None:
    """Add this module's commands to the root app."""
    app.command("validate")(validate_command)
