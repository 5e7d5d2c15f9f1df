"""Scenario runs through the real engines with small path counts.

These need the stock-flow engine (``missilewatch.views.stockpile``); without it they are
skipped, as the runs cannot exist.
"""

from __future__ import annotations

import warnings
from pathlib import Path

import pandas as pd
import pytest

from missilewatch.errors import MissilewatchWarning
from missilewatch.scenarios import (
    ScenarioRun,
    compare_runs,
    rerun,
    result_differences,
    run_scenarios,
)
from missilewatch.scenarios.store import list_runs

TEST_PATHS = 200


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[ScenarioRun]]:
    db = tmp_path_factory.mktemp("runs") / "store.duckdb"
    # The engine reports clamped stocks as warnings; they are expected on the real data.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", MissilewatchWarning)
        found = run_scenarios(
            ["baseline", "ceasefire-6m"], paths=TEST_PATHS, seed=3, until="2027-06", db=db
        )
    return db, found


def test_ceasefire_has_no_launches_and_more_stock_afterwards(
    runs: tuple[Path, list[ScenarioRun]],
) -> None:
    _, (baseline, ceasefire) = runs
    start = pd.Period(ceasefire.inputs.forecast_start, freq="M")
    frame = ceasefire.results["stockpile"]
    launches = frame[(frame["quantity"] == "launches") & (frame["level"] == "class")]
    pause = launches[(launches["month"] >= start) & (launches["month"] < start + 6)]
    assert not pause.empty
    assert (pause[["p5", "p50", "p95", "mean"]] == 0).all().all()
    after = start + 6
    base = baseline.results["stockpile"]
    for name in ("ballistic", "cruise"):
        cease_stock = frame[
            (frame["quantity"] == "stock") & (frame["name"] == name) & (frame["month"] == after)
        ]
        base_stock = base[
            (base["quantity"] == "stock") & (base["name"] == name) & (base["month"] == after)
        ]
        assert float(cease_stock["mean"].iloc[0]) > float(base_stock["mean"].iloc[0])


def test_runs_are_stored_and_rerun_to_the_same_numbers(
    runs: tuple[Path, list[ScenarioRun]],
) -> None:
    db, (baseline, ceasefire) = runs
    stored = list_runs(db)
    assert {baseline.run_id, ceasefire.run_id} <= set(stored["run_id"])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", MissilewatchWarning)
        again = rerun(ceasefire.run_id, db=db)
    assert result_differences(ceasefire.results, again.results) == []
    assert again.inputs.estimates_sha256 == ceasefire.inputs.estimates_sha256


def test_compare_shows_the_ceasefire_stock_gain(runs: tuple[Path, list[ScenarioRun]]) -> None:
    db, (baseline, ceasefire) = runs
    table = compare_runs(baseline.run_id, ceasefire.run_id, db=db)
    stock = table[(table["metric"] == "stock") & (table["name"] == "ballistic")]
    assert not stock.empty
    assert (stock["difference_p50"] >= 0).all()
    assert stock["difference_p50"].max() > 0


def test_runs_store_the_history_and_per_path_class_figures(
    runs: tuple[Path, list[ScenarioRun]],
) -> None:
    from missilewatch.scenarios.runs import stored_run

    db, (baseline, ceasefire) = runs
    stored = stored_run(baseline.run_id, db=db)
    stock = stored.results["stockpile"]
    start = pd.Period(baseline.inputs.forecast_start, freq="M")
    # The reconstruction over the ledger's history is kept, not only the forecast.
    assert stock.loc[stock["observed"], "month"].max() == start - 1
    assert stock.loc[~stock["observed"], "month"].min() == start
    paths = stored.results["class_paths"]
    assert set(paths.columns) == {"name", "quantity", "month", "path", "value"}
    assert set(paths["name"]) == set(stock.loc[stock["level"] == "class", "name"])
    ballistic = paths[(paths["name"] == "ballistic") & (paths["quantity"] == "stock")]
    # Per-path stocks at the last observed month give the frame's median (rounded to 0.1).
    now = ballistic[ballistic["month"] == start - 1]["value"]
    frame_median = stock[
        (stock["level"] == "class")
        & (stock["name"] == "ballistic")
        & (stock["quantity"] == "stock")
        & (stock["month"] == start - 1)
    ]["p50"].iloc[0]
    assert float(now.median()) == pytest.approx(float(frame_median), abs=0.051)
    # Same seed: the ceasefire run's paths are the baseline's until the ceasefire starts.
    other = ceasefire.results["class_paths"]
    before = (paths["month"] < start) & (paths["quantity"] == "stock")
    pd.testing.assert_series_equal(
        paths.loc[before, "value"].reset_index(drop=True),
        other.loc[(other["month"] < start) & (other["quantity"] == "stock"), "value"].reset_index(
            drop=True
        ),
    )
