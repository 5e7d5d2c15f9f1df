"""Parameter checks: probabilities, stocks, names."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from missilewatch.defense import (
    Defense,
    Engagement,
    FireSystem,
    InterceptorType,
    Spread,
    ThreatExposure,
    draw_path_parameters,
)
from missilewatch.errors import ParameterError, UnknownNameError

PATRIOT = FireSystem("Patriot", Spread(5, 6, 8), Spread(4, 6, 9))


def test_kill_probability_outside_unit_interval() -> None:
    with pytest.raises(ParameterError, match=r"kill probability must lie in \[0, 1\]"):
        InterceptorType("X", {"ballistic": Engagement(1.2, 2)})
    with pytest.raises(ParameterError, match="kill probability"):
        InterceptorType("X", {"ballistic": Engagement(-0.1, 2)})


def test_negative_stock_and_bad_ranges() -> None:
    with pytest.raises(ParameterError, match="initial stock: must not be negative"):
        InterceptorType(
            "X",
            {"ballistic": Engagement(0.5, 2)},
            initial_stock=Spread(-1, 2, 3),
            fire_system=PATRIOT,
        )
    with pytest.raises(ParameterError, match=r"'Patriot': fire units: needs low <= central"):
        FireSystem("Patriot", Spread(3, 2, 4), Spread.exact(6))
    with pytest.raises(ParameterError, match="shots per target must be at least 1"):
        InterceptorType("X", {"ballistic": Engagement(0.5, 0)}, tracked=False)
    with pytest.raises(ParameterError, match="shots per target must be at least 1"):
        InterceptorType("X", {"ballistic": Engagement(0.5, Spread(0, 2, 3))}, tracked=False)
    with pytest.raises(ParameterError, match=r"kill probability must lie in \[0, 1\], got 1.1"):
        InterceptorType("X", {"ballistic": Engagement(Spread(0.5, 0.9, 1.1), 2)}, tracked=False)
    with pytest.raises(ParameterError, match="kill probability: needs low <= central"):
        InterceptorType("X", {"ballistic": Engagement(Spread(0.5, 0.4, 0.6), 2)}, tracked=False)


def test_fire_system_needs_a_name() -> None:
    with pytest.raises(ParameterError, match="fire system: the name must not be empty"):
        FireSystem(" ", Spread.exact(1), Spread.exact(4))


def test_counted_types_need_one_consistent_fire_system() -> None:
    with pytest.raises(ParameterError, match="'X': a counted type needs a fire system"):
        InterceptorType("X", {"ballistic": Engagement(0.5, 2)})
    first = InterceptorType("A", {"ballistic": Engagement(0.5, 2)}, fire_system=PATRIOT)
    other = FireSystem("Patriot", Spread.exact(2), Spread.exact(6))
    second = InterceptorType("B", {"ballistic": Engagement(0.5, 2)}, fire_system=other)
    with pytest.raises(ParameterError, match=r"'Patriot': its types disagree.*'B' differs"):
        Defense({"A": first, "B": second}, {})
    shared = InterceptorType("B", {"ballistic": Engagement(0.5, 2)}, fire_system=PATRIOT)
    defense = Defense({"A": first, "B": shared}, {})
    assert list(defense.fire_systems) == ["Patriot"]
    assert defense.system_members("Patriot") == ("A", "B")
    assert defense.system_of("B") == "Patriot"


def test_unknown_names() -> None:
    with pytest.raises(UnknownNameError, match="unknown threat class 'hypersonic'"):
        InterceptorType("X", {"hypersonic": Engagement(0.5, 2)})
    kind = InterceptorType("X", {"ballistic": Engagement(0.5, 2)}, fire_system=PATRIOT)
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


def test_doctrine_ranges_keep_their_central_value_for_the_calibration() -> None:
    engagement = Engagement(Spread(0.5, 0.7, 0.85), Spread(2, 2, 3))
    assert engagement.central_shots == 2
    assert engagement.target_kill_probability == pytest.approx(1 - 0.3**2)


def test_whole_draws_keep_the_triangular_mean() -> None:
    """Shots per target 2 / 2 / 3: triangular mean 7/3, rounded at random per path."""
    rng = np.random.default_rng(4)
    shots = Spread(2, 2, 3).draw_whole(rng, 200_000)
    assert set(np.unique(shots)) == {2, 3}
    # Standard error of the mean is about 0.001 here.
    assert shots.mean() == pytest.approx(7 / 3, abs=0.005)
    assert (Spread.exact(2).draw_whole(rng, 10) == 2).all()
    # A point value between two whole numbers is rounded at random too: 2.5 -> 2 or 3.
    halves = Spread.exact(2.5).draw_whole(rng, 100_000)
    assert set(np.unique(halves)) == {2, 3}
    assert halves.mean() == pytest.approx(2.5, abs=0.01)


def test_spread_draws_follow_the_shared_triangular_sampler() -> None:
    values = Spread(10, 40, 100).draw(np.random.default_rng(1), 200_000)
    assert values.min() >= 10 and values.max() <= 100
    assert values.mean() == pytest.approx((10 + 40 + 100) / 3, rel=0.01)
    # The mode sits at the central value: the bin around 40 is the fullest.
    counts, edges = np.histogram(values, bins=18, range=(10, 100))
    assert edges[int(np.argmax(counts))] <= 40 <= edges[int(np.argmax(counts)) + 1]


spreads = st.tuples(st.floats(0.0, 1.0), st.floats(0.0, 1.0), st.floats(0.0, 1.0)).map(
    lambda values: Spread(*sorted(values))
)


@settings(max_examples=60, deadline=None)
@given(kill=spreads, low=st.integers(1, 3), extra=st.integers(0, 2), seed=st.integers(0, 2**32 - 1))
def test_path_parameters_stay_within_their_ranges(
    kill: Spread, low: int, extra: int, seed: int
) -> None:
    shots = Spread(low, low + extra / 2, low + extra)
    kind = InterceptorType(
        "X",
        {"ballistic": Engagement(kill, shots)},
        initial_stock=Spread(0, 5, 10),
        fire_system=PATRIOT,
    )
    defense = Defense({"X": kind}, {})
    parameters = draw_path_parameters(defense, np.random.default_rng(seed), 500)
    drawn_shots = parameters.shots[("X", "ballistic")]
    target_kill = parameters.kill[("X", "ballistic")]
    assert drawn_shots.min() >= low and drawn_shots.max() <= low + extra
    # The kill probability of a target compounds the path's single-shot draw.
    assert (target_kill >= 1 - (1 - kill.low) ** drawn_shots - 1e-12).all()
    assert (target_kill <= 1 - (1 - kill.high) ** drawn_shots + 1e-12).all()
    # Same stream, same parameters.
    again = draw_path_parameters(defense, np.random.default_rng(seed), 500)
    assert np.array_equal(again.kill[("X", "ballistic")], target_kill)
