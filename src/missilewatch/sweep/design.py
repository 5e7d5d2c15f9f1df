"""Designs: the parameter values of every sweep point.

``grid`` takes every combination of the parameters' values (the first parameter
varies slowest). The sampled designs draw ``points`` points on the unit hypercube and
map each coordinate to its parameter: a range linearly (whole-number parameters to
each integer in it with equal chance), a list of values to one of its values with
equal chance. ``random`` draws independently, ``latin-hypercube`` stratifies each
coordinate (scipy.stats.qmc), ``sobol`` is the Saltelli design of SALib whose points
are ordered as SALib's Sobol analysis expects.

The draws come from the design's own stream, derived from the sweep's root seed, so
the same file and seed give the same points.
"""

from __future__ import annotations

import importlib
import itertools
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd
from scipy.stats import qmc

from missilewatch.errors import MissilewatchError
from missilewatch.sweep.spec import Parameter, grid_values

#: Mixed into the root seed for the design's stream: the points' own streams are the
#: root's spawned children, so the design must not reuse one of them.
DESIGN_STREAM_TAG = 0x5EED_DE51


def design_points(
    parameters: Sequence[Parameter], kind: str, points: int | None, seed: int
) -> pd.DataFrame:
    """One row per point (index ``point`` from 0), one column per parameter.

    Whole-number parameters are int64 columns, the others float64.
    """
    names = [parameter.name for parameter in parameters]
    if kind == "grid":
        rows = list(itertools.product(*(grid_values(parameter) for parameter in parameters)))
        values = np.array(rows, dtype=np.float64).reshape(len(rows), len(parameters))
    else:
        if points is None:
            raise MissilewatchError(f"design: a {kind} design needs a number of points")
        unit = _unit_sample(kind, len(parameters), points, seed)
        values = np.column_stack(
            [_from_unit(parameter, unit[:, column]) for column, parameter in enumerate(parameters)]
        )
    frame = pd.DataFrame(values, columns=names)
    for parameter in parameters:
        if parameter.kind.integer:
            frame[parameter.name] = frame[parameter.name].round().astype(np.int64)
    frame.index.name = "point"
    return frame


def _unit_sample(kind: str, dimensions: int, points: int, seed: int) -> np.ndarray:
    """(rows, dimensions) coordinates in [0, 1)."""
    stream = np.random.SeedSequence([seed, DESIGN_STREAM_TAG])
    rng = np.random.default_rng(stream)
    if kind == "random":
        return rng.random((points, dimensions))
    if kind == "latin-hypercube":
        return qmc.LatinHypercube(d=dimensions, seed=rng).random(points)
    if kind == "sobol":
        return saltelli_unit_sample(dimensions, points, int(stream.generate_state(1)[0]))
    raise MissilewatchError(f"design.kind: unknown design {kind!r}")


def saltelli_unit_sample(dimensions: int, base_points: int, seed: int) -> np.ndarray:
    """SALib's Saltelli design on the unit hypercube: base x (dimensions + 2) rows."""
    sobol_sample = _salib("SALib.sample.sobol")
    problem = unit_problem(dimensions)
    sample = sobol_sample.sample(
        problem, base_points, calc_second_order=False, scramble=True, seed=seed
    )
    # The scrambled sequence lies in [0, 1]; 1 itself would fall outside a range's grid.
    return np.minimum(np.asarray(sample, dtype=np.float64), np.nextafter(1.0, 0.0))


def unit_problem(dimensions: int) -> dict[str, object]:
    """The SALib problem the Sobol design and analysis share (unit coordinates)."""
    return {
        "num_vars": dimensions,
        "names": [f"x{index}" for index in range(dimensions)],
        "bounds": [[0.0, 1.0]] * dimensions,
    }


def _salib(module: str) -> Any:
    try:
        return importlib.import_module(module)
    except ImportError:
        raise MissilewatchError(
            "sobol design: SALib is not installed (pip install 'missilewatch[cluster]' "
            "or pip install SALib)"
        ) from None


def _from_unit(parameter: Parameter, unit: np.ndarray) -> np.ndarray:
    if parameter.values is not None:
        choices = np.asarray(parameter.values, dtype=np.float64)
        index = np.minimum((unit * len(choices)).astype(np.int64), len(choices) - 1)
        return choices[index]
    assert parameter.low is not None and parameter.high is not None
    if parameter.kind.integer:
        low, high = round(parameter.low), round(parameter.high)
        count = high - low + 1
        return low + np.minimum((unit * count).astype(np.int64), count - 1).astype(np.float64)
    return parameter.low + unit * (parameter.high - parameter.low)
