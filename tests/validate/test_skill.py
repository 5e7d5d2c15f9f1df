"""Forecast scores: CRPS of samples and points, interval coverage, the skill table."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from missilewatch.model.skill import crps_samples, interval_inside, score_cells, skill_table

samples_strategy = st.lists(st.integers(min_value=0, max_value=500), min_size=1, max_size=40).map(
    lambda xs: np.array(xs, dtype=float)
)


def _crps_by_pairs(draws: np.ndarray, y: float) -> float:
    return float(np.abs(draws - y).mean() - 0.5 * np.abs(draws[:, None] - draws[None, :]).mean())


@settings(max_examples=60, deadline=None)
@given(draws=samples_strategy, y=st.integers(min_value=0, max_value=600))
def test_crps_equals_the_pairwise_definition(draws: np.ndarray, y: int) -> None:
    value = crps_samples(draws[None, :], np.array([float(y)]))[0]
    assert value >= -1e-9
    assert np.isclose(value, _crps_by_pairs(draws, float(y)))


def test_a_point_forecast_scores_its_absolute_error() -> None:
    assert np.allclose(crps_samples(np.full((2, 7), 10.0), np.array([4.0, 13.0])), [6.0, 3.0])


def test_sharper_right_forecast_scores_better() -> None:
    rng = np.random.default_rng(1)
    sharp = rng.normal(100, 5, size=(1, 2000))
    wide = rng.normal(100, 40, size=(1, 2000))
    assert crps_samples(sharp, np.array([100.0]))[0] < crps_samples(wide, np.array([100.0]))[0]


def test_coverage_of_a_calibrated_forecast() -> None:
    rng = np.random.default_rng(2)
    samples = rng.normal(0, 1, size=(4000, 400))
    truth = rng.normal(0, 1, size=4000)
    assert abs(interval_inside(samples, truth, 0.8).mean() - 0.8) < 0.03
    assert abs(interval_inside(samples, truth, 0.5).mean() - 0.5) < 0.03


def test_skill_table_against_naive_forecasts() -> None:
    rng = np.random.default_rng(3)
    truth = rng.poisson(50, size=60).astype(float)
    good = rng.poisson(50, size=(60, 500))
    scores = score_cells(good, truth, truth + 30.0, truth - 30.0)
    table = skill_table(["cruise"] * 60, np.repeat([1, 2, 3], 20), truth, scores)
    assert list(table["horizon"]) == [1, 2, 3]
    assert (table["skill_vs_last_month"] > 0).all()
    assert (table["skill_vs_mean_3_months"] > 0).all()
    assert table["bias_pct"].abs().max() < 10
