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


def _fifo_inventory(production: np.ndarray, launches: np.ndarray) -> tuple[float, float]:
    """Simulate a first-in-first-out store month by month; return (stock at the end,
    age in months of the last missile launched)."""
    made: list[int] = []  # month of manufacture of each missile in stock, oldest first
    age = 0.0
    for month, (produced, launched) in enumerate(zip(production, launches, strict=True)):
        made.extend([month] * int(produced))
        for _ in range(int(launched)):
            age = month - made.pop(0)
    return float(len(made)), age


@pytest.mark.parametrize(
    ("production", "launch_rate", "bound"),
    [(5, 40, "upper"), (40, 5, "lower")],
)
def test_little_law_is_a_bound_outside_a_steady_flow(
    production: int, launch_rate: int, bound: str
) -> None:
    # docs/model.md: with first-in-first-out use, launch rate x time in stock overstates
    # the stock during a drawdown (launches above production) and understates it during
    # a build-up. Checked on a simulated store.
    months = 60
    made = np.full(months, production)
    fired = np.r_[np.zeros(24), np.full(months - 24, launch_rate)]
    if bound == "upper":
        made[:24] = 60  # a large old stock being drawn down
    stock, age = _fifo_inventory(made, fired)
    assert stock > 0 and age > 0
    implied = little_implied_stock(
        fired[-3:], Range(age, age, age), np.random.default_rng(2), samples=20_000
    )
    if bound == "upper":
        assert implied.stock[2] > 2 * stock
    else:
        assert implied.stock[2] < 0.5 * stock
