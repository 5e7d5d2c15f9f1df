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


def test_ingest_releases_check_commands(
    tmp_path: Path, release_old: Path, release_new: Path
) -> None:
    db = str(tmp_path / "cli.duckdb")
    result = runner.invoke(app, ["ingest", str(release_old), "--db", db])
    assert result.exit_code == 0, result.output
    assert "3378 added" in result.stdout
    result = runner.invoke(
        app, ["check", "--db", db, "--flag", "destroyed_gt_launched", "-f", "csv"]
    )
    assert result.exit_code == 0
    assert "3M22 Zircon,2,4" in result.stdout
    result = runner.invoke(app, ["ingest", str(release_new), "--db", db])
    assert "207 added, 3 revised, 0 vanished" in result.stdout
    result = runner.invoke(app, ["releases", "--db", db, "-f", "csv"])
    listed = pd.read_csv(io.StringIO(result.stdout))
    assert list(listed["added"]) == [3378, 207]
    result = runner.invoke(app, ["stats", "--db", db, "-p", "month", "--start", "2026-04-01"])
    assert result.exit_code == 0
    assert "store" in result.stdout and "2026-04-05" in result.stdout


def test_releases_on_an_empty_store_points_to_the_snapshot() -> None:
    result = runner.invoke(app, ["releases"])
    assert result.exit_code == 0
    assert "snapshot" in result.stdout


def test_a_named_store_that_does_not_exist_is_an_error(tmp_path: Path) -> None:
    from tests.ledger.helpers import run_cli

    missing = tmp_path / "nonexist_dir" / "x.duckdb"
    for command in ("stats", "releases", "check", "history"):
        code, out, err = run_cli([command, "--db", str(missing)])
        assert code == 2, (command, out)
        assert err.strip().splitlines() == [
            f"error: no store at {missing} (for reading; `missilewatch ingest PATH --db "
            f"{missing}` creates it; without --db the default store or the shipped snapshot "
            "is read)"
        ], command
        assert out == ""
    assert not missing.parent.exists()
    # Without --db the shipped snapshot still answers.
    code, out, _err = run_cli(["stats", "-p", "year", "-f", "csv"])
    assert code == 0 and "2026" in out


def test_stats_outside_the_data_says_which_dates_it_covers(release_new: Path) -> None:
    from tests.ledger.helpers import run_cli

    raw = pd.read_csv(release_new / "missile_attacks_daily.csv", dtype=str)
    dates = pd.to_datetime(raw["time_start"].str.strip().str[:10])
    first, last = dates.min().date(), dates.max().date()
    code, out, err = run_cli(["stats", "--start", "2030-01-01", "-f", "csv"])
    assert code == 0
    assert out.strip().count("\n") == 0  # the header only
    assert err.strip().splitlines() == [
        f"note: no report falls in 2030-01-01 to ...; the data covers {first} to {last}"
    ]
    code, _out, err = run_cli(["stats", "--start", str(last)])
    assert code == 0 and err == ""
