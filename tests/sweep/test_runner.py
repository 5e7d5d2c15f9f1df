"""Sweeps on the shipped ledger (2026-04-05 release): same frame whatever runs the points,
the engines' own numbers at each point, and the expected direction of each lever."""

from __future__ import annotations

import multiprocessing
import warnings
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor
from dataclasses import replace
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from tests.sweep.conftest import (
    EXAMPLES,
    SHORTFALL_WARNING,
    data_home,
    run_quietly,
    write_sweep,
)

import missilewatch
from missilewatch.errors import MissilewatchError, ParameterError, UnknownNameError
from missilewatch.sweep import execute, plan_sweep, point_seeds, sweep
from missilewatch.sweep.points import run_point
from missilewatch.views import defense as defense_api
from missilewatch.views import stockpile as stock_api


@pytest.fixture(scope="module")
def reference(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, pd.DataFrame]:
    """The small sweep run in process, once for the module."""
    from tests.sweep.conftest import SMALL_BODY

    folder = tmp_path_factory.mktemp("sweep")
    path = write_sweep(folder, SMALL_BODY)
    with data_home(tmp_path_factory.mktemp("home")):
        frame = run_quietly(path)
    return path, frame


def test_the_frame_has_one_row_per_point_and_output(reference: tuple[Path, pd.DataFrame]) -> None:
    _, frame = reference
    assert len(frame) == 4 * 4
    assert list(frame.columns[:4]) == [
        "point",
        "seed",
        "production.factor",
        "defense.shots_per_target",
    ]
    assert frame["point"].dtype == np.int64 and frame["seed"].dtype == np.int64
    assert frame["defense.shots_per_target"].dtype == np.int64
    assert isinstance(frame["month"].dtype, pd.PeriodDtype)
    assert frame["metric"].tolist()[:4] == [
        "stock",
        "depletion_month",
        "p_depletion_before",
        "leakers",
    ]
    percentiles = frame[["p5", "p25", "p50", "p75", "p95"]].to_numpy()
    assert np.all(np.diff(percentiles, axis=1) >= 0)
    probability = frame[frame["metric"] == "p_depletion_before"]
    assert probability[["p5", "p50", "p95", "mean"]].nunique(axis=1).eq(1).all()
    assert probability["mean"].between(0, 1).all()
    info = frame.attrs["sweep"]
    assert info["forecast_start"] == "2026-04" and info["until"] == "2027-12"
    assert info["root_seed"] == 3 and info["points"] == 4


def test_every_point_has_its_own_stream_from_the_root_seed(
    reference: tuple[Path, pd.DataFrame],
) -> None:
    _, frame = reference
    seeds = frame.drop_duplicates("point")["seed"].tolist()
    assert seeds == point_seeds(3, 4)
    assert len(set(seeds)) == 4
    # Spawned children, not the root seed plus the point number.
    assert seeds != point_seeds(4, 4)[:4] and 3 not in seeds


def test_a_point_gives_the_engines_own_numbers(reference: tuple[Path, pd.DataFrame]) -> None:
    """Point 2 (production x1.5, one shot per ballistic target) against direct calls."""
    _, frame = reference
    point = frame[frame["point"] == 2].set_index("metric")
    seed = int(point["seed"].iloc[0])
    spec = missilewatch.scenarios.spec.ScenarioSpec.model_validate(
        {"name": "direct", "description": "Direct.", "production": {"factor": 1.5}}
    )
    adjustments = spec.freeze(pd.Period("2026-04", freq="M"))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", missilewatch.MissilewatchWarning)
        stock = stock_api.stockpile(
            weapon_class="ballistic", until="2027-12", paths=60, seed=seed, adjustments=adjustments
        )
    row = stock[
        (stock["level"] == "class")
        & (stock["quantity"] == "stock")
        & (stock["month"] == pd.Period("2026-12", freq="M"))
    ].iloc[0]
    for column in ("p5", "p50", "p95", "mean"):
        assert point.loc["stock", column] == pytest.approx(row[column], rel=1e-12)
    # One shot per ballistic target instead of the estimates' two (same seed, so the same
    # launches): the interceptors last longer than under the estimates' doctrine.
    campaign = defense_api.defense_campaign(
        until="2027-12", paths=60, seed=seed, adjustments=adjustments
    )
    doctrine = campaign.summary.set_index("metric").loc["depletion_month_offset"]
    assert point.loc["depletion_month", "mean"] > doctrine["mean"] + 1


def test_without_a_doctrine_change_the_campaign_matches_defense_campaign(tmp_path: Path) -> None:
    body = """
[run]
paths = 80
seed = 11
[[parameter]]
name = "escalation.strike_frequency_factor"
values = [1.25]
[[output]]
metric = "depletion_month"
[[output]]
metric = "leakers"
name = "Iskander-M"
month = 5
[[output]]
metric = "interceptor_stock"
name = "PAC-3 MSE"
month = "2026-09"
"""
    frame = sweep(write_sweep(tmp_path, body)).set_index("metric")
    seed = int(frame["seed"].iloc[0])
    spec = missilewatch.scenarios.spec.ScenarioSpec.model_validate(
        {
            "name": "direct",
            "description": "Direct.",
            "escalation": {"strike_frequency_factor": 1.25},
        }
    )
    adjustments = spec.freeze(pd.Period("2026-04", freq="M"))
    campaign = defense_api.defense_campaign(
        until="2027-12", paths=80, seed=seed, adjustments=adjustments
    )
    depletion = campaign.summary.set_index("metric").loc["depletion_month_offset"]
    # The sweep rounds to tenths, as the stock-flow frames do.
    tenth = 0.05 + 1e-9
    for column in ("p5", "p50", "p95", "mean"):
        assert frame.loc["depletion_month", column] == pytest.approx(depletion[column], abs=tenth)
    draws = campaign.draws
    leaked = draws.leakers["Iskander-M"][:, :6].sum(axis=1)
    assert frame.loc["leakers", "mean"] == pytest.approx(leaked.mean(), abs=tenth)
    assert frame.loc["leakers", "unit"] == "missiles from 2026-04 to 2026-09"
    monthly = campaign.monthly
    stock = monthly[
        (monthly["name"] == "PAC-3 MSE")
        & (monthly["quantity"] == "stock")
        & (monthly["month"] == pd.Period("2026-09", freq="M"))
    ].iloc[0]
    assert frame.loc["interceptor_stock", "p50"] == pytest.approx(stock["p50"], abs=tenth)


def test_the_levers_move_the_outputs_the_expected_way(
    reference: tuple[Path, pd.DataFrame],
) -> None:
    _, frame = reference
    medians = frame.pivot_table(
        index=["production.factor", "defense.shots_per_target"], columns="metric", values="p50"
    )
    # Triple the production factor: more ballistic missiles in stock at the end of 2026.
    for shots in (1, 3):
        assert medians.loc[(1.5, shots), "stock"] > medians.loc[(0.5, shots), "stock"] + 100
    # Three shots per ballistic target instead of one: interceptors run short sooner,
    # and the chance of running short before 2027 rises.
    for factor in (0.5, 1.5):
        assert (
            medians.loc[(factor, 3), "depletion_month"]
            < medians.loc[(factor, 1), "depletion_month"]
        )
        assert (
            medians.loc[(factor, 3), "p_depletion_before"]
            > medians.loc[(factor, 1), "p_depletion_before"]
        )


def test_a_ceasefire_and_extra_interceptors_act_in_their_direction(tmp_path: Path) -> None:
    body = """
[run]
paths = 100
until = "2026-12"
[[parameter]]
name = "ceasefire.months"
values = [0, 6]
[[parameter]]
name = "interceptors.extra_per_month.PAC-3 MSE"
values = [0, 60]
[[output]]
metric = "stock"
name = "Iskander-M"
month = "2026-09"
[[output]]
metric = "depletion_month"
[[output]]
metric = "leakers"
"""
    frame = run_quietly(write_sweep(tmp_path, body))
    medians = frame.pivot_table(
        index=["ceasefire.months", "interceptors.extra_per_month.PAC-3 MSE"],
        columns="metric",
        values="mean",
    )
    for extra in (0, 60):
        # Six months without launches: the stock builds up, fewer missiles get through.
        assert medians.loc[(6, extra), "stock"] > medians.loc[(0, extra), "stock"]
        assert medians.loc[(6, extra), "leakers"] < medians.loc[(0, extra), "leakers"]
    for months in (0, 6):
        assert (
            medians.loc[(months, 60), "depletion_month"]
            >= medians.loc[(months, 0), "depletion_month"]
        )
    assert medians.loc[(0, 60), "depletion_month"] > medians.loc[(0, 0), "depletion_month"]


def _assert_same(left: pd.DataFrame, right: pd.DataFrame) -> None:
    pd.testing.assert_frame_equal(left, right, check_exact=True)


def test_a_thread_pool_gives_the_same_frame(reference: tuple[Path, pd.DataFrame]) -> None:
    path, frame = reference
    # Threads finish out of order and capture warnings concurrently.
    with ThreadPoolExecutor(max_workers=4) as pool:
        threaded = run_quietly(path, executor=pool)
    _assert_same(threaded, frame)


@pytest.mark.slow
def test_a_process_pool_gives_the_same_frame(reference: tuple[Path, pd.DataFrame]) -> None:
    path, frame = reference
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(max_workers=2, mp_context=context) as pool:
        pooled = run_quietly(path, executor=pool)
    _assert_same(pooled, frame)


@pytest.mark.slow
def test_a_dask_cluster_gives_the_same_frame(reference: tuple[Path, pd.DataFrame]) -> None:
    distributed = pytest.importorskip("distributed")
    path, frame = reference
    with (
        warnings.catch_warnings(),
        distributed.LocalCluster(
            n_workers=1, threads_per_worker=2, processes=False, dashboard_address=None
        ) as cluster,
        distributed.Client(cluster) as client,
    ):
        # Dask's own start-up notices are not the subject here.
        warnings.filterwarnings("ignore", category=UserWarning, module="distributed")
        warnings.filterwarnings("ignore", message=SHORTFALL_WARNING.pattern)
        on_dask = sweep(path, executor=client.get_executor())
    _assert_same(on_dask, frame)


def test_another_seed_gives_other_numbers(reference: tuple[Path, pd.DataFrame]) -> None:
    path, frame = reference
    other = run_quietly(path, seed=4)
    assert other.attrs["sweep"]["root_seed"] == 4
    assert not np.allclose(other["mean"], frame["mean"])
    # Same points, only the streams differ.
    assert other["production.factor"].equals(frame["production.factor"])


def test_an_engine_warning_is_passed_on_once_with_its_count(tmp_path: Path) -> None:
    body = """
[run]
paths = 100
[[parameter]]
name = "production.factor"
values = [0.9, 1.1]
[[output]]
metric = "stock"
name = "cruise"
"""
    with pytest.warns(missilewatch.MissilewatchWarning) as record:
        sweep(write_sweep(tmp_path, body))
    messages = [str(item.message) for item in record]
    assert len(messages) == len(set(messages))
    # The shipped estimates cannot explain all Kh-101/Kh-555 launches, at every point.
    kh101 = [m for m in messages if "Kh-101/Kh-555: production and stock" in m]
    assert len(kh101) == 1 and kh101[0].startswith("sweep: 2 of 2 points: ")
    assert all(SHORTFALL_WARNING.match(message) for message in messages)


def test_progress_counts_every_point(tiny_sweep: Path) -> None:
    seen: list[tuple[int, int]] = []
    sweep(tiny_sweep, progress=lambda done, total: seen.append((done, total)))
    assert seen == [(0, 2), (1, 2), (2, 2)]


def test_a_worker_with_other_data_is_refused(small_sweep: Path) -> None:
    plan = plan_sweep(small_sweep, paths=10)
    task = replace(plan.tasks[1], data_fingerprint="data 2026-02-08 (store) abc")
    with pytest.raises(MissilewatchError, match=r"^the worker reads other data than the sweep"):
        run_point(task)
    with pytest.raises(
        MissilewatchError,
        match=r"^sweep point 1 \(production.factor=0.5, defense.shots_per_target=3\): the worker",
    ):
        execute([task], points=plan.points)


@pytest.mark.parametrize(
    ("body", "error", "names"),
    [
        (
            '[[parameter]]\nname = "interceptors.extra_per_month.S-500"\nvalues = [10]\n'
            '[[output]]\nmetric = "depletion_month"\n',
            ParameterError,
            ["parameter 1", "S-500", "PAC-3 MSE"],
        ),
        (
            '[[parameter]]\nname = "production.factor"\nvalues = [2]\n'
            '[[output]]\nmetric = "stock"\nname = "Tomahawk"\n',
            ParameterError,
            ["output 1 (stock)", "Tomahawk", "ballistic"],
        ),
        (
            '[[parameter]]\nname = "production.factor"\nvalues = [2]\n'
            '[[output]]\nmetric = "stock"\nname = "ballistic"\nmonth = "2030-01"\n',
            ParameterError,
            ["output 1 (stock): month", "2030-01", "2026-04..2027-12"],
        ),
        (
            '[[parameter]]\nname = "production.factor"\nvalues = [2]\n'
            '[[output]]\nmetric = "p_depletion_before"\n',
            ParameterError,
            ["output 1 (p_depletion_before): month"],
        ),
        (
            '[[parameter]]\nname = "production.factor"\nvalues = [2]\n'
            '[[output]]\nmetric = "leakers"\nname = "Shahed/Geran-9"\n',
            ParameterError,
            ["output 1 (leakers): name", "Shahed/Geran-9", "Iskander-M"],
        ),
        (
            '[[parameter]]\nname = "ceasefire.start"\nvalues = [2]\n'
            '[[output]]\nmetric = "depletion_month"\n',
            ParameterError,
            ["point 0 (ceasefire.start=2)", "ceasefire.months: missing"],
        ),
        (
            '[[parameter]]\nname = "defense.shots_per_target"\nvalues = [2]\n'
            '[[output]]\nmetric = "stock"\nname = "ballistic"\n',
            ParameterError,
            ["act on the air defense", "no output reads the campaign"],
        ),
        (
            'scenario = "no-such-scenario"\n[[parameter]]\nname = "production.factor"\n'
            'values = [2]\n[[output]]\nmetric = "depletion_month"\n',
            UnknownNameError,
            ["scenario:", "no-such-scenario", "ceasefire-6m"],
        ),
    ],
)
def test_a_sweep_that_does_not_fit_the_model_fails_before_any_point_runs(
    tmp_path: Path, body: str, error: type[MissilewatchError], names: list[str]
) -> None:
    path = write_sweep(tmp_path, body)
    with pytest.raises(error) as raised:
        plan_sweep(path)
    message = str(raised.value)
    assert "\n" not in message and message.startswith(str(path))
    for name in names:
        assert name in message, message


@pytest.mark.parametrize(("paths", "seed"), [(0, None), (-5, None), (10, -1), (10**6, None)])
def test_absurd_run_settings_are_refused(small_sweep: Path, paths: int, seed: int | None) -> None:
    with pytest.raises(ParameterError, match=r"^(paths|seed) must be a whole number"):
        plan_sweep(small_sweep, paths=paths, seed=seed)


def test_a_scenario_file_next_to_the_sweep_is_the_base(tmp_path: Path) -> None:
    (tmp_path / "cut.toml").write_text(
        'name = "cut"\ndescription = "A production cut."\n[production]\nfactor = 0.5\n',
        encoding="utf-8",
    )
    body = (
        'scenario = "cut.toml"\n[run]\npaths = 30\n'
        '[[parameter]]\nname = "escalation.salvo_size_factor"\nvalues = [1.0]\n'
        '[[output]]\nmetric = "stock"\nname = "ballistic"\n'
    )
    plan = plan_sweep(write_sweep(tmp_path, body))
    assert plan.metadata["scenario"] == "cut"
    scenario = plan.tasks[0].scenario
    assert scenario.production is not None and scenario.production.factor == 0.5
    assert scenario.escalation is not None and scenario.escalation.salvo_size_factor == 1.0


def test_zero_ceasefire_months_remove_the_base_ceasefire(tmp_path: Path) -> None:
    body = (
        'scenario = "ceasefire-6m"\n'
        '[[parameter]]\nname = "ceasefire.months"\nvalues = [0, 3]\n'
        '[[output]]\nmetric = "depletion_month"\n'
    )
    plan = plan_sweep(write_sweep(tmp_path, body))
    assert plan.tasks[0].scenario.ceasefire is None
    ceasefire = plan.tasks[1].scenario.ceasefire
    assert ceasefire is not None and ceasefire.months == 3


def test_the_package_is_callable_as_the_public_function(tiny_sweep: Path) -> None:
    import missilewatch.sweep as module

    assert callable(missilewatch.sweep) and missilewatch.sweep is module
    _assert_same(missilewatch.sweep(tiny_sweep), module.sweep(tiny_sweep))


def test_an_ingested_older_release_moves_the_forecast_and_reaches_the_workers(
    release_old: Path, tmp_path: Path
) -> None:
    """The 2026-02-08 release in a store of its own, passed with ``db`` to two threads."""
    from missilewatch import ledger

    db = tmp_path / "old.duckdb"
    ledger.ingest(release_old, db)
    body = """
[run]
paths = 20
[[parameter]]
name = "escalation.salvo_size_factor"
values = [0.8, 1.2]
[[output]]
metric = "interceptor_stock"
name = "PAC-3 MSE"
month = 0
"""
    path = write_sweep(tmp_path, body)
    with ThreadPoolExecutor(max_workers=2) as pool:
        frame = sweep(path, db=db, executor=pool)
    info = frame.attrs["sweep"]
    # Reports end on 8 February 2026: February is forecast, as the engines do.
    assert info["forecast_start"] == "2026-02"
    assert "2026-02-08 (store)" in info["data"]
    assert frame["month"].astype(str).tolist() == ["2026-02", "2026-02"]
    assert (frame["p50"] > 0).all()
    assert frame.equals(sweep(path, db=db))


def test_a_sweep_after_an_ingest_reads_the_new_data(tiny_sweep: Path, release_old: Path) -> None:
    """In one process: the shipped snapshot first, then the default store filled."""
    from missilewatch import ledger

    before = sweep(tiny_sweep)
    assert before.attrs["sweep"]["forecast_start"] == "2026-04"
    ledger.ingest(release_old)
    after = sweep(tiny_sweep)
    assert after.attrs["sweep"]["forecast_start"] == "2026-02"
    assert "2026-02-08 (store)" in after.attrs["sweep"]["data"]
    assert after["unit"].iloc[0] != before["unit"].iloc[0]  # months counted from 2026-02


@pytest.mark.slow
def test_a_sobol_sweep_gives_sobol_indices(tmp_path: Path) -> None:
    pytest.importorskip("SALib")
    body = """
[run]
paths = 30
common_random_numbers = true
[design]
kind = "sobol"
points = 4
[[parameter]]
name = "defense.shots_per_target"
range = [1, 4]
[[parameter]]
name = "production.factor"
range = [0.5, 1.5]
[[output]]
metric = "depletion_month"
"""
    frame = sweep(write_sweep(tmp_path, body))
    assert len(frame) == 4 * (2 + 2)
    table = missilewatch.sweep.sensitivity(frame).set_index("parameter")
    shots, production = table.loc["defense.shots_per_target"], table.loc["production.factor"]
    assert np.isfinite(shots[["sobol_s1", "sobol_st", "sobol_st_conf"]].astype(float)).all()
    # Production does not reach the campaign, and with common random numbers the rows
    # that differ only in production give the same depletion month: both indices are 0.
    assert not production["reaches"] and pd.isna(production["rank"])
    assert production["sobol_s1"] == 0 and production["sobol_st"] == 0
    assert shots["rank"] == 1 and shots["sobol_st"] > 0.5
    assert frame["seed"].nunique() == 1 and frame.attrs["sweep"]["common_random_numbers"]


@pytest.mark.parametrize(
    ("example", "points"),
    [("interceptor-balance", 32), (str(EXAMPLES / "sweep.toml"), 5 * 3)],
)
def test_the_example_sweeps_fit_the_model(example: str, points: int) -> None:
    # Checked against the data and the estimates, without running the points.
    plan = plan_sweep(example)
    assert len(plan.tasks) == points
    assert all(task.outputs for task in plan.tasks)
