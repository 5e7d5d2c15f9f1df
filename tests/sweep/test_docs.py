"""docs/sweep.md lists every field, parameter, design, output and option, so the docs
cannot drift from the code."""

from __future__ import annotations

import re
from pathlib import Path

import typer

from missilewatch.cli import app
from missilewatch.sweep import DESIGNS, METRICS, PARAMETERS, shipped_names
from missilewatch.sweep.spec import sweep_fields

DOC = Path(__file__).resolve().parents[2] / "docs" / "sweep.md"


def _table_keys(text: str) -> set[str]:
    return set(re.findall(r"^\| `([^`]+)` \|", text, flags=re.MULTILINE))


def test_every_field_of_the_sweep_file_is_documented_with_its_description() -> None:
    text = DOC.read_text(encoding="utf-8")
    for name, description in sweep_fields().items():
        assert f"| `{name}` | {description} |" in text, name


def test_every_parameter_is_documented_with_its_limits() -> None:
    text = DOC.read_text(encoding="utf-8")
    documented = _table_keys(text)
    for kind in PARAMETERS:
        assert kind.pattern in documented, kind.pattern
        row = next(line for line in text.splitlines() if line.startswith(f"| `{kind.pattern}` |"))
        assert kind.description in row
        assert f"<= {kind.maximum:g}" in row


def test_every_design_metric_option_and_example_is_documented() -> None:
    text = DOC.read_text(encoding="utf-8")
    documented = _table_keys(text)
    for design in DESIGNS:
        assert f"`{design}`" in text, design
    for metric in METRICS:
        assert metric in documented, metric
    for name in shipped_names():
        assert f"`{name}`" in text, name
    command = typer.main.get_command(app).commands["sweep"]  # type: ignore[attr-defined]
    for parameter in command.params:
        for option in parameter.opts:
            if option.startswith("--") and option != "--help":
                assert f"`{option}" in text, option
