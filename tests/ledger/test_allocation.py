"""The allocation rule on worked examples."""

from __future__ import annotations

from fractions import Fraction

import numpy as np
import pytest

from missilewatch.ledger.allocation import largest_remainder, ordered_families


def test_ties_go_to_the_earlier_family() -> None:
    half = Fraction(1, 2)
    assert largest_remainder(np.array([1, 3]), [half, half]).tolist() == [[1, 0], [2, 1]]
    order = ordered_families({"S-300/S-400": half, "Iskander-M": half})
    assert order == ["Iskander-M", "S-300/S-400"]  # equal weights: by name


def test_thirds_of_seven() -> None:
    third = Fraction(1, 3)
    assert largest_remainder(np.array([7]), [third, third, third]).tolist() == [[3, 2, 2]]


def test_iskander_kn23_shares() -> None:
    weights = [Fraction(2, 3), Fraction(1, 3)]
    assert largest_remainder(np.array([0, 1, 2, 25]), weights).tolist() == [
        [0, 0],
        [1, 0],
        [1, 1],
        [17, 8],
    ]


def test_invalid_weights_are_refused() -> None:
    with pytest.raises(ValueError, match="sum to exactly 1"):
        largest_remainder(np.array([3]), [Fraction(1, 2), Fraction(1, 3)])
    with pytest.raises(ValueError, match="non-negative"):
        largest_remainder(np.array([-1]), [Fraction(1)])
