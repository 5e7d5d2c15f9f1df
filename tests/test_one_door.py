"""The one door: inputs read once, one month calendar, one check of paths and seed.

A release cut from the real data so that its last attack window ends on 30 March (a
31-day month) is the case where the forecast start used to differ between the engines;
reads are counted by wrapping the functions that open the store and parse the files.
"""

from __future__ import annotations

import sys
import warnings
from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import duckdb
import numpy as np
import pandas as pd
import pytest

import missilewatch
from missilewatch import estimates, ledger
from missilewatch.baseline import MonthCalendar, month_is_complete
from missilewatch.errors import ParameterError
from missilewatch.ledger import query, taxonomy
from missilewatch.limits import MAX_PATHS
from missilewatch.run import STREAMS, RunSpec

CUT_END = "2026-03-31"  # keep attack windows ending before this day: the last ends 30 March


@pytest.fixture(scope="module")
def cut_db(release_new: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A store holding the 2026-04-05 release cut after the attack windows ending 30 March."""
    folder = tmp_path_factory.mktemp("cut-release")
    frame = pd.read_csv(release_new / "missile_attacks_daily.csv", dtype=str)
    cut = frame[frame["time_end"] < CUT_END]
    assert pd.Timestamp(cut["time_end"].max()).date().isoformat() == "2026-03-30"
    source = folder / "missile_attacks_daily.csv"
    cut.to_csv(source, index=False)
    db = folder / "cut.duckdb"
    ledger.ingest([source], db)
    return db


class Reads:
    """Counts of store connections, estimates loads and taxonomy parses."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.counts: Counter[str] = Counter()
        self._wrap(monkeypatch, duckdb, "connect", "duckdb")
        self._wrap(monkeypatch, estimates.loader, "read_file", "estimates file")
        self._wrap(monkeypatch, taxonomy, "_read", "taxonomy")
        self._wrap(monkeypatch, query, "read_tables", "ledger")
        # A taxonomy parsed by an earlier test must be parsed again here to be counted.
        monkeypatch.setattr(taxonomy, "_LOADED", {})

    def _wrap(self, monkeypatch: pytest.MonkeyPatch, owner: Any, name: str, label: str) -> None:
        original: Callable[..., Any] = getattr(owner, name)

        def counted(*args: Any, **kwargs: Any) -> Any:
            self.counts[label] += 1
            return original(*args, **kwargs)

        monkeypatch.setattr(owner, name, counted)


@pytest.fixture
def reads(monkeypatch: pytest.MonkeyPatch) -> Iterator[Reads]:
    yield Reads(monkeypatch)


# --- the month calendar ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("last_report", "complete"),
    [("2026-03-31", True), ("2026-03-29", True), ("2026-03-28", False), ("2026-02-26", True)],
)
def test_one_rule_decides_whether_a_month_is_complete(last_report: str, complete: bool) -> None:
    day = pd.Timestamp(last_report).date()
    assert month_is_complete(pd.Period(day, freq="M"), day) is complete
    calendar = MonthCalendar.from_reports(pd.Timestamp("2022-09-01").date(), day)
    month = pd.Period(day, freq="M")
    assert calendar.first_forecast_month == (month + 1 if complete else month)
    assert calendar.partial_month == (None if complete else month)


def test_a_release_ending_on_the_30th_gives_every_engine_one_forecast_start(cut_db: Path) -> None:
    baseline = missilewatch.load_baseline(cut_db)
    assert baseline.calendar.first_forecast_month == pd.Period("2026-04", freq="M")
    spec = RunSpec(until="2026-12", paths=200, seed=3)
    run = missilewatch.simulate(baseline, spec)
    assert run.start == pd.Period("2026-04", freq="M")
    assert run.stock_flow_setup.history.months[-1] == pd.Period("2026-03", freq="M")
    assert run.strikes is not None and run.strikes.months[0] == run.start
    forecast = missilewatch.forecast_strikes(until="2026-12", paths=50, seed=0, db=cut_db)
    assert forecast.months[0] == run.start
    campaign = missilewatch.defense_campaign(until="2026-12", paths=50, seed=0, db=cut_db)
    assert campaign.monthly["month"].min() == run.start
    from missilewatch.scenarios.runs import forecast_start

    assert forecast_start(cut_db) == run.start


def test_a_stored_ceasefire_run_pauses_the_same_months_in_both_engines(cut_db: Path) -> None:
    from missilewatch.scenarios import runs as scenario_runs

    with pytest.warns(missilewatch.MissilewatchWarning, match="Kh-101"):
        (stored,) = scenario_runs.run_scenarios(
            ["ceasefire-6m"], paths=300, seed=1, until="2026-12", db=cut_db
        )
    assert stored.run_id is not None
    run = scenario_runs.stored_run(stored.run_id, db=cut_db)
    assert run.inputs.forecast_start == "2026-04"
    paused = {pd.Period(m, freq="M") for m in pd.period_range("2026-04", "2026-09", freq="M")}
    stock = run.results["stockpile"]
    launches = stock[
        (stock["level"] == "class") & (stock["quantity"] == "launches") & ~stock["observed"]
    ]
    by_month = launches.groupby("month")["p95"].sum()
    assert {m for m, value in by_month.items() if value == 0} == paused
    monthly = run.results["defense_monthly"]
    threats = monthly[(monthly["level"] == "threat") & (monthly["quantity"] == "launched")]
    by_month = threats.groupby("month")["p95"].sum()
    assert {m for m, value in by_month.items() if value == 0} == paused
    assert by_month[pd.Period("2026-10", freq="M")] > 0


# --- reads counted -----------------------------------------------------------------------------


def test_one_report_reads_the_estimates_and_taxonomy_once_and_the_store_at_most_3_times(
    cut_db: Path, tmp_path: Path, reads: Reads
) -> None:
    from missilewatch.report import build_report

    result = build_report(
        output=tmp_path / "report.html", paths=300, db=cut_db, show_progress=False
    )
    assert result.findings and (tmp_path / "report.html").is_file()
    shipped = len(estimates.shipped_files())
    assert reads.counts["estimates file"] == shipped  # each shipped file parsed once
    assert reads.counts["taxonomy"] == 1
    assert reads.counts["ledger"] == 1
    assert 1 <= reads.counts["duckdb"] <= 3


def test_a_sweep_reads_the_ledger_once_per_worker(tmp_path: Path, reads: Reads) -> None:
    from missilewatch.sweep import points
    from missilewatch.sweep.runner import plan_sweep

    body = """
description = "Production factor at four values."
[run]
paths = 40
seed = 2
[[parameter]]
name = "production.factor"
values = [0.5, 1.0, 1.5, 2.0]
[[output]]
metric = "stock"
name = "ballistic"
month = "2026-12"
[[output]]
metric = "depletion_month"
"""
    sweep_file = tmp_path / "sweep.toml"
    sweep_file.write_text(body, encoding="utf-8")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", missilewatch.MissilewatchWarning)
        frame = missilewatch.sweep(sweep_file)
    assert frame["point"].nunique() == 4
    assert reads.counts["ledger"] == 1  # the planner's read, reused by the points run here
    # A fresh worker process reads once, then serves every further point from memory.
    plan = plan_sweep(sweep_file)
    points._BASELINES.clear()
    before = reads.counts["ledger"]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", missilewatch.MissilewatchWarning)
        for task in plan.tasks:
            points.run_point(task)
    assert reads.counts["ledger"] - before == 1


def test_one_stockpile_request_runs_the_engine_once(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    from fastapi.testclient import TestClient

    from missilewatch.web import model_routes
    from missilewatch.web.app import create_app

    calls: list[frozenset[str]] = []
    original = model_routes.simulate

    def counted(*args: Any, **kwargs: Any) -> Any:
        calls.append(frozenset(kwargs.get("engines", ())))
        return original(*args, **kwargs)

    monkeypatch.setattr(model_routes, "simulate", counted)
    with TestClient(create_app(db=tmp_path / "none.duckdb"), base_url="http://127.0.0.1") as client:
        response = client.get("/api/stockpile", params={"paths": 200, "until": "2026-09"})
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["rows"] and body["summary"]
    assert len(calls) == 1


# --- one check of paths and seed ---------------------------------------------------------------

COMMANDS: list[list[str]] = [
    ["stockpile"],
    ["backtest"],
    ["raid", "--raid", "Iskander-M=4"],
    ["defense"],
    ["run", "baseline"],
    ["report", "-o", "unused.html"],
    ["sweep", "interceptor-balance"],
]
REFUSALS = [
    (["--seed", "-1"], "error: seed must be a whole number >= 0 (got -1)"),
    (
        ["--paths", "0"],
        f"error: paths must be a whole number between 1 and {MAX_PATHS:,} (got 0)",
    ),
    (
        ["--paths", str(MAX_PATHS + 1)],
        f"error: paths must be a whole number between 1 and {MAX_PATHS:,} (got {MAX_PATHS + 1})",
    ),
]


@pytest.mark.parametrize("command", COMMANDS, ids=lambda c: c[0])
@pytest.mark.parametrize(("option", "line"), REFUSALS, ids=lambda r: " ".join(r) if r else "")
def test_every_command_refuses_bad_paths_and_seeds_with_one_line(
    command: list[str],
    option: list[str],
    line: str,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
) -> None:
    from missilewatch.cli import main

    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("COLUMNS", "200")
    monkeypatch.setattr(sys, "argv", ["missilewatch", *command, *option])
    with pytest.raises(SystemExit) as exit_info:
        main()
    assert exit_info.value.code == 2
    err = capsys.readouterr().err
    assert err.strip() == line
    assert not (tmp_path / "unused.html").exists()


def test_seed_only_commands_refuse_a_negative_seed_with_the_same_line(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from missilewatch.cli import main

    monkeypatch.setattr(sys, "argv", ["missilewatch", "evidence", "little", "--seed", "-1"])
    with pytest.raises(SystemExit) as exit_info:
        main()
    assert exit_info.value.code == 2
    assert capsys.readouterr().err.strip() == REFUSALS[0][1]


# --- named streams -----------------------------------------------------------------------------


def test_named_streams_are_independent_children_of_one_seed() -> None:
    spec = RunSpec(until="2026-12", paths=10, seed=7)
    children = np.random.SeedSequence(7).spawn(len(STREAMS))
    for index, name in enumerate(STREAMS):
        expected = np.random.default_rng(children[index]).random(3)
        np.testing.assert_array_equal(spec.rng(name).random(3), expected)
    assert not np.array_equal(spec.rng("strikes").random(3), spec.rng("defense").random(3))


def test_the_campaign_does_not_depend_on_the_stock_flow_engine_running() -> None:
    baseline = missilewatch.load_baseline()
    spec = RunSpec(until="2026-10", paths=300, seed=5)
    both = missilewatch.simulate(baseline, spec)
    alone = missilewatch.simulate(baseline, spec, engines={"defense"})
    np.testing.assert_array_equal(both.campaign.depletion_month, alone.campaign.depletion_month)
    pd.testing.assert_frame_equal(both.campaign_result.monthly, alone.campaign_result.monthly)
    with pytest.raises(ParameterError, match="paths must be a whole number"):
        RunSpec(paths=True)


def test_run_draws_are_labelled_and_select_by_family_and_class() -> None:
    baseline = missilewatch.load_baseline()
    run = missilewatch.simulate(baseline, RunSpec(until="2026-08", paths=200, seed=0))
    ballistic = run.select(weapon_class="ballistic")
    draws = ballistic.stock_flow
    assert set(draws.weapon_classes) == {"ballistic"}
    assert draws.values["stock"].shape[:2] == (200, len(draws.months) + 1)
    frame = missilewatch.stockpile(
        weapon_class="ballistic", until="2026-08", paths=200, seed=0, baseline=baseline
    )
    stock = frame[(frame["level"] == "class") & (frame["quantity"] == "stock")]
    last = stock.iloc[-1]
    assert last["p50"] == pytest.approx(np.median(draws.total("stock")[:, -1]), abs=0.1)
    threats = run.select(family="Iskander-M").threats
    assert threats.families == ("Iskander-M",)
    assert threats.values["leakers"].shape == (200, len(run.strikes.months), 1)
