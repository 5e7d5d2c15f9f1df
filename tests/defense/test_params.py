"""Parameter checks: probabilities, stocks, names."""

from __future__ import annotations

import pytest

from missilewatch.defense import Defense, Engagement, InterceptorType, Spread, ThreatExposure
from missilewatch.errors import ParameterError, UnknownNameError


def test_kill_probability_outside_unit_interval() -> None:
    with pytest.raises(ParameterError, match=r"kill probability must lie in \[0, 1\]"):
        InterceptorType("X", {"ballistic": Engagement(1.2, 2)})
    with pytest.raises(ParameterError, match="kill probability"):
        InterceptorType("X", {"ballistic": Engagement(-0.1, 2)})


def test_negative_stock_and_bad_ranges() -> None:
    with pytest.raises(ParameterError, match="initial stock: must not be negative"):
        InterceptorType("X", {"ballistic": Engagement(0.5, 2)}, initial_stock=Spread(-1, 2, 3))
    with pytest.raises(ParameterError, match="low <= central <= high"):
        InterceptorType("X", {"ballistic": Engagement(0.5, 2)}, fire_units=Spread(3, 2, 4))
    with pytest.raises(ParameterError, match="shots per target"):
        InterceptorType("X", {"ballistic": Engagement(0.5, 0)})


def test_unknown_names() -> None:
    with pytest.raises(UnknownNameError, match="unknown threat class 'hypersonic'"):
        InterceptorType("X", {"hypersonic": Engagement(0.5, 2)})
    kind = InterceptorType("X", {"ballistic": Engagement(0.5, 2)})
    with pytest.raises(UnknownNameError, match=r"unknown interceptor 'Y' \(known: X\)"):
        Defense({"X": kind}, {}, {"ballistic": ("Y",)})
    with pytest.raises(ParameterError, match="no engagement data for cruise"):
        Defense({"X": kind}, {}, {"cruise": ("X",)})
    with pytest.raises(UnknownNameError, match="not engaged by the model"):
        ThreatExposure("KAB", "guided-bomb", 0.5, 2.0)
    with pytest.raises(ParameterError, match="engaged share"):
        ThreatExposure("Iskander-M", "ballistic", 1.5, 2.0)


def test_target_kill_probability_compounds_the_shots() -> None:
    assert Engagement(0.7, 2).target_kill_probability == pytest.approx(1 - 0.3**2)
    assert Engagement(0.7, 1).target_kill_probability == pytest.approx(0.7)
