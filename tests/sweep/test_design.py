"""Designs: grids take every combination; samples cover their ranges and repeat by seed."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from tests.sweep.conftest import write_sweep

from missilewatch.sweep import load_sweep
from missilewatch.sweep.design import design_points
from missilewatch.sweep.spec import total_points

OUTPUT = '\n[[output]]\nmetric = "depletion_month"\n'
SAMPLED = """
[[parameter]]
name = "production.factor"
range = [0.5, 1.5]

[[parameter]]
name = "ceasefire.months"
range = [0, 5]

[[parameter]]
name = "defense.shots_per_target"
values = [1, 2, 3]
"""


def _points(tmp_path: Path, design: str, points: int, seed: int = 0) -> object:
    sweep_file = load_sweep(
        write_sweep(
            tmp_path, f'[design]\nkind = "{design}"\npoints = {points}\n' + SAMPLED + OUTPUT
        )
    )
    return design_points(sweep_file.parameters, design, points, seed)


def test_a_grid_takes_every_combination_first_parameter_slowest(tmp_path: Path) -> None:
    body = (
        '[[parameter]]\nname = "production.factor"\nvalues = [0.5, 1.0, 1.5]\n'
        '[[parameter]]\nname = "ceasefire.months"\nvalues = [0, 6]\n' + OUTPUT
    )
    sweep_file = load_sweep(write_sweep(tmp_path, body))
    frame = design_points(sweep_file.parameters, "grid", None, 0)
    assert frame["production.factor"].tolist() == [0.5, 0.5, 1.0, 1.0, 1.5, 1.5]
    assert frame["ceasefire.months"].tolist() == [0, 6, 0, 6, 0, 6]
    assert frame["ceasefire.months"].dtype == np.int64
    assert frame["production.factor"].dtype == np.float64


@pytest.mark.parametrize("design", ["random", "latin-hypercube"])
def test_samples_stay_in_their_ranges_and_repeat_with_the_seed(tmp_path: Path, design: str) -> None:
    frame = _points(tmp_path, design, 60)
    assert len(frame) == 60
    assert frame["production.factor"].between(0.5, 1.5).all()
    # Whole-number ranges reach every month, ends included.
    assert set(frame["ceasefire.months"]) == {0, 1, 2, 3, 4, 5}
    assert set(frame["defense.shots_per_target"]) == {1, 2, 3}
    again = _points(tmp_path, design, 60)
    assert again.equals(frame)
    other = _points(tmp_path, design, 60, seed=1)
    assert not other.equals(frame)


def test_a_latin_hypercube_puts_one_point_in_each_stratum(tmp_path: Path) -> None:
    frame = _points(tmp_path, "latin-hypercube", 40)
    strata = np.floor((frame["production.factor"].to_numpy() - 0.5) / (1.0 / 40)).astype(int)
    assert sorted(strata) == list(range(40))
    # Six months over 40 strata: each month covers 6.67 strata, so it is drawn within
    # one stratum's share of 6.67 times (independent draws range far wider).
    counts = frame["ceasefire.months"].value_counts()
    assert len(counts) == 6
    assert counts.min() >= 5 and counts.max() <= 8


def test_a_sobol_design_has_base_times_parameters_plus_two_points(tmp_path: Path) -> None:
    pytest.importorskip("SALib")
    frame = _points(tmp_path, "sobol", 16)
    sweep_file = load_sweep(
        write_sweep(tmp_path, '[design]\nkind = "sobol"\npoints = 16\n' + SAMPLED + OUTPUT)
    )
    assert len(frame) == 16 * (3 + 2) == total_points(sweep_file.spec, sweep_file.parameters)
    assert frame["production.factor"].between(0.5, 1.5).all()
    # Saltelli's layout: rows A, AB_1..AB_d, B per base point; AB_i takes column i from B.
    rows = frame.to_numpy().reshape(16, 5, 3)
    a, b = rows[:, 0, :], rows[:, 4, :]
    for column in range(3):
        mixed = rows[:, 1 + column, :]
        assert np.array_equal(mixed[:, column], b[:, column])
        others = [other for other in range(3) if other != column]
        assert np.array_equal(mixed[:, others], a[:, others])
