"""The ledger's CLI commands, run in process."""

from __future__ import annotations

import io
from pathlib import Path

import pandas as pd
from typer.testing import CliRunner

from missilewatch.cli import app

runner = CliRunner()


def test_stats_csv_on_the_snapshot() -> None:
    result = runner.invoke(app, ["stats", "--period", "year", "--by", "family", "-f", "csv"])
    assert result.exit_code == 0, result.output
    frame = pd.read_csv(io.StringIO(result.stdout))
    assert {"period", "family", "launched", "intercept_rate"} <= set(frame.columns)
    assert frame.loc[frame["family"] == "Shahed/Geran", "launched"].sum() > 50_000


def test_stats_table_names_the_source() -> None:
    result = runner.invoke(app, ["stats", "--period", "year"])
    assert result.exit_code == 0, result.output
    assert "Ukrainian Air Force" in result.stdout
    assert "2026-04-05" in result.stdout


def test_stats_json_and_parquet(tmp_path: Path) -> None:
    target = tmp_path / "s.parquet"
    result = runner.invoke(
        app, ["stats", "-p", "quarter", "--class", "cruise", "-f", "parquet", "-o", str(target)]
    )
    assert result.exit_code == 0, result.output
    frame = pd.read_parquet(target)
    assert set(frame["weapon_class"]) == {"cruise"}
    result = runner.invoke(app, ["stats", "-p", "year", "-f", "json", "--mode", "as-reported"])
    assert result.exit_code == 0
    assert '"weapon_class": "mixed"' in result.stdout
