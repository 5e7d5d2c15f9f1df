"""Little's law and the German tank estimate."""

from __future__ import annotations

import numpy as np
import pytest

from missilewatch.errors import ParameterError
from missilewatch.model import Range, german_tank, little_implied_stock


def test_german_tank_matches_the_textbook_formula() -> None:
    result = german_tank([19, 40, 42, 60])
    assert result.estimate == pytest.approx(60 * (1 + 1 / 4) - 1)
    assert result.low >= 60 and result.high > result.estimate > result.low
    assert german_tank([19, 40, 42, 60, 60]).observed == 4  # duplicates count once


def test_german_tank_interval_covers_the_truth() -> None:
    rng = np.random.default_rng(0)
    truth, inside = 500, 0
    for _ in range(400):
        sample = rng.choice(np.arange(1, truth + 1), size=8, replace=False)
        result = german_tank(sample, confidence=0.9)
        inside += result.low <= truth <= result.high
    assert 0.85 <= inside / 400 <= 0.95


def test_german_tank_bad_input() -> None:
    with pytest.raises(ParameterError):
        german_tank([])
    with pytest.raises(ParameterError):
        german_tank([5], start=10)
    with pytest.raises(ParameterError):
        german_tank([5], start=None)


def test_little_law_centres_on_rate_times_time() -> None:
    result = little_implied_stock(
        [40, 50, 60], Range(1, 2, 3), np.random.default_rng(1), samples=50_000
    )
    assert result.stock[2] == pytest.approx(50 * 2, rel=0.1)
    assert result.stock[0] < result.stock[2] < result.stock[4]
    with pytest.raises(ParameterError):
        little_implied_stock([], Range(1, 2, 3), np.random.default_rng(1))
