"""``missilewatch validate`` and the stats options it brings, run in process."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pandas as pd
from tests.ledger.helpers import run_cli
from typer.testing import CliRunner

from missilewatch.cli import app

runner = CliRunner()


def test_validate_quick_is_a_report_exit_zero() -> None:
    result = runner.invoke(app, ["validate", "--quick"])
    assert result.exit_code == 0, result.output
    assert "published figures reproduced within their tolerance" in result.stdout
    assert "Strike forecast over" in result.stdout


def test_strict_fails_when_a_figure_misses() -> None:
    result = runner.invoke(app, ["validate", "--quick", "--strict", "-f", "json"])
    document = json.loads(result.stdout)
    misses = [row for row in document["published"]["rows"] if not row["within_tolerance"]]
    assert result.exit_code == (1 if misses else 0)
    assert {"published", "forecast", "stock-loo", "interceptor-hindcast"} <= set(document)


def test_csv_has_one_section_column() -> None:
    result = runner.invoke(app, ["validate", "--quick", "-f", "csv"])
    assert result.exit_code == 0, result.output
    frame = pd.read_csv(io.StringIO(result.stdout))
    assert frame.columns[0] == "section"
    assert {"published", "forecast"} <= set(frame["section"])


def test_a_bad_registry_is_one_line_exit_2(tmp_path: Path) -> None:
    path = tmp_path / "r.toml"
    path.write_text("[[figure]]\nid = 'a'\n", encoding="utf-8")
    code, _out, err = run_cli(["validate", "--quick", "--registry", str(path)])
    assert code == 2
    assert "field 'publisher'" in err
    assert "Traceback" not in err


def test_stats_rule_and_group_options() -> None:
    result = runner.invoke(
        app,
        [
            "stats",
            "--start",
            "2026-02-01",
            "--end",
            "2026-02-28",
            "--rule",
            "afp",
            "--group",
            "drones=Shahed/Geran,loitering munitions",
            "-f",
            "csv",
        ],
    )
    assert result.exit_code == 0, result.output
    frame = pd.read_csv(io.StringIO(result.stdout))
    assert frame.set_index("group").loc["drones", "launched"] == 5059
    code, _out, err = run_cli(["stats", "--rule", "every"])
    assert code == 2
    assert "counting rule 'every'" in err
