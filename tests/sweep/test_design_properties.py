"""Properties of the designs for any ranges, lists and seeds."""

from __future__ import annotations

import math

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from missilewatch.sweep.design import design_points
from missilewatch.sweep.spec import Parameter, grid_values, parameter_kind

FACTOR = parameter_kind("production.factor")
MONTHS = parameter_kind("ceasefire.months")


@st.composite
def ranges(draw: st.DrawFn) -> tuple[Parameter, Parameter]:
    low = draw(st.floats(0.01, 50, allow_nan=False))
    high = draw(st.floats(low + 0.01, 100, allow_nan=False))
    first = draw(st.integers(0, 300))
    last = draw(st.integers(first + 1, 600))
    return (
        Parameter("production.factor", FACTOR, None, low, high, None),
        Parameter("ceasefire.months", MONTHS, None, float(first), float(last), None),
    )


@settings(max_examples=60, deadline=None)
@given(
    pair=ranges(),
    kind=st.sampled_from(["random", "latin-hypercube"]),
    points=st.integers(1, 40),
    seed=st.integers(0, 2**32),
)
def test_sampled_points_stay_in_their_ranges(
    pair: tuple[Parameter, Parameter], kind: str, points: int, seed: int
) -> None:
    factor, months = pair
    frame = design_points(pair, kind, points, seed)
    assert len(frame) == points
    assert factor.low is not None and factor.high is not None
    assert frame["production.factor"].between(factor.low, factor.high).all()
    assert frame["ceasefire.months"].dtype == np.int64
    assert frame["ceasefire.months"].between(months.low, months.high).all()
    assert frame.equals(design_points(pair, kind, points, seed))


@settings(max_examples=60, deadline=None)
@given(
    values=st.lists(st.integers(0, 600), min_size=1, max_size=8, unique=True),
    steps=st.integers(2, 9),
    points=st.integers(1, 30),
    seed=st.integers(0, 2**32),
)
def test_lists_give_only_their_values_and_grids_every_combination(
    values: list[int], steps: int, points: int, seed: int
) -> None:
    listed = Parameter("ceasefire.months", MONTHS, tuple(map(float, values)), None, None, None)
    spaced = Parameter("production.factor", FACTOR, None, 0.5, 1.5, steps)
    sample = design_points([listed, spaced], "latin-hypercube", points, seed)
    # The list has no range here: the spaced parameter is drawn in its range.
    assert set(sample["ceasefire.months"]) <= set(values)
    grid = design_points([listed, spaced], "grid", None, seed)
    assert (
        len(grid) == len(values) * steps == math.prod(len(grid_values(p)) for p in (listed, spaced))
    )
    assert not grid.duplicated().any()
