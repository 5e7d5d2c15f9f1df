"""Sensitivity measures on outputs whose dependence on the parameters is known."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from tests.sweep.conftest import write_sweep

from missilewatch.errors import ParameterError
from missilewatch.sweep import load_sweep, sensitivity
from missilewatch.sweep.design import design_points

PARAMETERS = """
[[parameter]]
name = "production.factor"
range = [0.0001, 1]

[[parameter]]
name = "escalation.strike_frequency_factor"
range = [0.0001, 1]

[[parameter]]
name = "escalation.salvo_size_factor"
range = [0.0001, 1]

[[output]]
metric = "depletion_month"
"""
NAMES = [
    "production.factor",
    "escalation.strike_frequency_factor",
    "escalation.salvo_size_factor",
]


def _frame(points: pd.DataFrame, outputs: dict[str, np.ndarray], design: str) -> pd.DataFrame:
    """A frame shaped like a sweep's: stock outputs (which every parameter here can
    reach) named by the keys of ``outputs``, with the given per-point medians."""
    parts = []
    for name, values in outputs.items():
        part = points.reset_index(names="point")
        part["metric"], part["name"], part["month"] = "stock", name, pd.NaT
        part["p50"] = values
        part["mean"] = values
        parts.append(part)
    frame = pd.concat(parts, ignore_index=True)
    frame["month"] = pd.PeriodIndex(frame["month"], freq="M")
    frame.attrs["sweep"] = {"parameters": NAMES, "design": design, "root_seed": 0}
    return frame


def _design(tmp_path: Path, kind: str, points: int) -> pd.DataFrame:
    sweep_file = load_sweep(
        write_sweep(tmp_path, f'[design]\nkind = "{kind}"\npoints = {points}\n' + PARAMETERS)
    )
    return design_points(sweep_file.parameters, kind, points, 0)


def test_rank_measures_find_the_driving_parameter(tmp_path: Path) -> None:
    points = _design(tmp_path, "latin-hypercube", 200)
    x1, x2 = points[NAMES[0]].to_numpy(), points[NAMES[1]].to_numpy()
    noise = np.random.default_rng(1).normal(0, 0.01, len(points))
    frame = _frame(
        points,
        {"monotone": np.exp(3 * x1) + noise, "falling": -x2 + 0.1 * x1, "flat": np.ones(len(x1))},
        "latin-hypercube",
    )
    table = sensitivity(frame).set_index(["name", "parameter"])
    assert table.loc[("monotone", NAMES[0]), "spearman"] > 0.99
    assert table.loc[("monotone", NAMES[0]), "rank"] == 1
    assert abs(table.loc[("monotone", NAMES[2]), "prcc"]) < 0.2
    assert table.loc[("falling", NAMES[1]), "prcc"] < -0.99
    assert table.loc[("falling", NAMES[1]), "rank"] == 1
    # The small share of x1 in "falling" is found by the partial correlation.
    assert table.loc[("falling", NAMES[0]), "prcc"] > 0.9
    assert table.loc[("flat", NAMES[0]), ["spearman", "prcc"]].isna().all()
    assert table["sobol_st"].isna().all()


def test_sobol_indices_of_an_additive_output(tmp_path: Path) -> None:
    pytest.importorskip("SALib")
    points = _design(tmp_path, "sobol", 1024)
    x = points[NAMES].to_numpy()
    # Var(4 x1) = 16/12, Var(x2) = 1/12, x3 no effect: S1 = ST = 16/17, 1/17, 0.
    y = 4 * x[:, 0] + x[:, 1]
    table = sensitivity(_frame(points, {"additive": y}, "sobol")).set_index("parameter")
    assert table.loc[NAMES[0], "sobol_s1"] == pytest.approx(16 / 17, abs=0.03)
    assert table.loc[NAMES[1], "sobol_st"] == pytest.approx(1 / 17, abs=0.02)
    assert abs(table.loc[NAMES[2], "sobol_st"]) < 0.01
    assert table.loc[NAMES[0], "rank"] == 1 and table.loc[NAMES[2], "rank"] == 3


def test_parameters_the_model_does_not_pass_on_get_no_rank(tmp_path: Path) -> None:
    points = _design(tmp_path, "latin-hypercube", 50)
    frame = _frame(points, {"leakers": points[NAMES[1]].to_numpy()}, "latin-hypercube")
    frame["metric"] = "leakers"
    table = sensitivity(frame).set_index("parameter")
    # The campaign's launches are not limited by the stock: production cannot reach
    # leakers, so whatever correlation it shows is chance and it is not ranked.
    assert not table.loc[NAMES[0], "reaches"]
    assert pd.isna(table.loc[NAMES[0], "rank"])
    assert table.loc[NAMES[1], "reaches"] and table.loc[NAMES[1], "rank"] == 1


def test_sensitivity_needs_the_parameter_columns() -> None:
    frame = pd.DataFrame({"point": [0, 1], "metric": ["m", "m"], "p50": [1.0, 2.0]})
    with pytest.raises(ParameterError, match="parameters"):
        sensitivity(frame)
    with pytest.raises(ParameterError, match="statistic"):
        sensitivity(frame, parameters=["point"], statistic="p42")


@settings(max_examples=25, deadline=None)
@given(seed=st.integers(0, 2**32), shift=st.floats(-5, 5), scale=st.floats(0.1, 10))
def test_rank_measures_ignore_monotone_rescaling_of_the_output(
    seed: int, shift: float, scale: float
) -> None:
    """Ranks do not change when an output is shifted, scaled or exponentiated."""
    rng = np.random.default_rng(seed)
    points = pd.DataFrame(rng.random((30, 3)), columns=NAMES)
    points.index.name = "point"
    y = points[NAMES[0]] - 0.5 * points[NAMES[1]] + rng.normal(0, 0.1, 30)
    plain = sensitivity(_frame(points, {"y": y.to_numpy()}, "random"))
    moved = sensitivity(_frame(points, {"y": np.exp(scale * y.to_numpy() + shift)}, "random"))
    columns = ["spearman", "prcc"]
    np.testing.assert_allclose(moved[columns], plain[columns], atol=1e-9)
    assert moved["rank"].tolist() == plain["rank"].tolist()
