"""Global sensitivity: which parameter drives each output of a sweep.

For every output (metric, name, month) the chosen statistic of each point (the median
over its paths by default) is compared with the parameter values:

* ``spearman``: rank correlation of the parameter with the output, and its p-value;
* ``prcc``: partial rank correlation, the same with the other parameters' (linear,
  rank-scale) effects removed from both; it separates parameters that a random design
  happened to correlate;
* ``sobol_s1`` and ``sobol_st`` (with 95% bootstrap half-widths), only for a ``sobol``
  design: the share of the output's variance due to the parameter alone, and to the
  parameter with all its interactions (SALib's Saltelli/Jansen estimators).

Each point's statistic is itself a Monte Carlo estimate: with few paths per point its
noise lowers every measure. Outputs that do not vary across points get NaN.

``reaches`` says whether the model lets the parameter act on the output at all: the
campaign's launches come from the strike process, not limited by the stock, so
production and imports never reach the air-defense outputs, and interceptor deliveries
and doctrine never reach the missile stock. A measure for a parameter that does not
reach its output is chance correlation (a guide to the noise level); it gets no rank.
"""

from __future__ import annotations

import importlib
from collections.abc import Sequence
from typing import Final

import numpy as np
import pandas as pd
from scipy import stats

from missilewatch.errors import MissilewatchError, ParameterError
from missilewatch.sweep.design import unit_problem
from missilewatch.sweep.points import PERCENTILE_COLUMNS

STATISTICS: Final = (*PERCENTILE_COLUMNS, "mean")
SENSITIVITY_COLUMNS: Final = (
    "metric",
    "name",
    "month",
    "statistic",
    "parameter",
    "points",
    "spearman",
    "spearman_p_value",
    "prcc",
    "sobol_s1",
    "sobol_s1_conf",
    "sobol_st",
    "sobol_st_conf",
    "reaches",
    "rank",
)
#: Parameters the air-defense campaign does not read (its launches are not limited by
#: the stock), and parameters the stock-flow engine does not read.
STOCK_ONLY_PREFIXES: Final = ("production.", "imports.")
CAMPAIGN_ONLY_PREFIXES: Final = ("interceptors.", "defense.")
STOCK_METRICS: Final = frozenset({"stock"})


def reaches(parameter: str, metric: str) -> bool:
    """Whether the model lets ``parameter`` act on outputs of kind ``metric``."""
    if metric in STOCK_METRICS:
        return not parameter.startswith(CAMPAIGN_ONLY_PREFIXES)
    return not parameter.startswith(STOCK_ONLY_PREFIXES)


def sensitivity(
    frame: pd.DataFrame,
    *,
    statistic: str = "p50",
    parameters: Sequence[str] | None = None,
) -> pd.DataFrame:
    """Sensitivity of every output of a :func:`missilewatch.sweep` frame to its parameters.

    Args:
        frame: the sweep's result frame (its ``attrs["sweep"]`` names the parameters
            and the design; pass ``parameters`` for a frame read back from a file).
        statistic: which column of each point to use (``p50``, ``mean``, ...).
        parameters: the parameter columns (default: from the frame's attrs).

    Returns:
        One row per output and parameter: ``metric, name, month, statistic,
        parameter, points, spearman, spearman_p_value, prcc, sobol_s1, sobol_s1_conf,
        sobol_st, sobol_st_conf, reaches, rank`` (1 = the parameter that matters most
        for that output: by ``sobol_st`` for a sobol design, else by ``|prcc|``; only
        parameters that reach the output are ranked).
    """
    if statistic not in STATISTICS:
        raise ParameterError(
            f"statistic: must be one of {', '.join(STATISTICS)} (got {statistic!r})"
        )
    metadata = frame.attrs.get("sweep", {})
    names = list(parameters) if parameters is not None else list(metadata.get("parameters", []))
    if not names:
        raise ParameterError(
            "parameters: name the parameter columns (the frame has no sweep attrs)"
        )
    for name in names:
        if name not in frame.columns:
            raise ParameterError(f"parameters: {name!r} is not a column of the frame")
    sobol = metadata.get("design") == "sobol"
    rows: list[dict[str, object]] = []
    keys = ["metric", "name", "month"]
    for (metric, name, month), group in frame.groupby(keys, sort=False, dropna=False):
        ordered = group.sort_values("point")
        x = ordered[names].to_numpy(dtype=np.float64)
        y = ordered[statistic].to_numpy(dtype=np.float64)
        spearman, p_values = _spearman(x, y)
        prcc = _prcc(x, y)
        if sobol:
            s1, s1_conf, st, st_conf = _sobol(y, len(names), int(metadata.get("root_seed", 0)))
        else:
            s1 = s1_conf = st = st_conf = np.full(len(names), np.nan)
        reached = np.array([reaches(parameter, str(metric)) for parameter in names])
        importance = np.where(reached, st if sobol else np.abs(prcc), np.nan)
        ranks = _ranks(importance)
        for column, parameter in enumerate(names):
            rows.append(
                {
                    "metric": metric,
                    "name": name,
                    "month": month,
                    "statistic": statistic,
                    "parameter": parameter,
                    "points": len(y),
                    "spearman": spearman[column],
                    "spearman_p_value": p_values[column],
                    "prcc": prcc[column],
                    "sobol_s1": s1[column],
                    "sobol_s1_conf": s1_conf[column],
                    "sobol_st": st[column],
                    "sobol_st_conf": st_conf[column],
                    "reaches": bool(reached[column]),
                    "rank": ranks[column],
                }
            )
    result = pd.DataFrame(rows, columns=list(SENSITIVITY_COLUMNS))
    result["points"] = result["points"].astype("int64")
    result["rank"] = result["rank"].astype("Int64")
    if "month" in frame.columns and isinstance(frame["month"].dtype, pd.PeriodDtype):
        result["month"] = pd.PeriodIndex(result["month"], freq="M")
    return result


def _varies(values: np.ndarray) -> bool:
    return bool(values.size > 2 and np.nanmax(values) > np.nanmin(values))


def _spearman(x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    count = x.shape[1]
    correlation = np.full(count, np.nan)
    p_value = np.full(count, np.nan)
    if not _varies(y):
        return correlation, p_value
    for column in range(count):
        if _varies(x[:, column]):
            result = stats.spearmanr(x[:, column], y)
            correlation[column] = float(result.statistic)
            p_value[column] = float(result.pvalue)
    return correlation, p_value


def _prcc(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Partial rank correlation of each column of ``x`` with ``y``."""
    count = x.shape[1]
    result = np.full(count, np.nan)
    if not _varies(y):
        return result
    varying = [column for column in range(count) if _varies(x[:, column])]
    ranked_x = np.column_stack([stats.rankdata(x[:, column]) for column in range(count)])
    ranked_y = stats.rankdata(y)
    for column in varying:
        others = [other for other in varying if other != column]
        design = np.column_stack([np.ones(len(y)), ranked_x[:, others]])
        if design.shape[1] >= len(y):
            continue  # more parameters than points: nothing left to correlate
        x_rest = _residual(design, ranked_x[:, column])
        y_rest = _residual(design, ranked_y)
        if np.std(x_rest) > 0 and np.std(y_rest) > 0:
            result[column] = float(np.corrcoef(x_rest, y_rest)[0, 1])
    return result


def _residual(design: np.ndarray, target: np.ndarray) -> np.ndarray:
    coefficients, *_ = np.linalg.lstsq(design, target, rcond=None)
    residual: np.ndarray = target - design @ coefficients
    return residual


def _sobol(
    y: np.ndarray, dimensions: int, seed: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    nothing = np.full(dimensions, np.nan)
    if y.size % (dimensions + 2) != 0:
        raise MissilewatchError(
            f"sobol indices: {y.size} points is not a whole Saltelli design for "
            f"{dimensions} parameters (every point must be present, in order)"
        )
    if not _varies(y):
        return nothing, nothing, nothing, nothing
    try:
        analyze = importlib.import_module("SALib.analyze.sobol")
    except ImportError:
        raise MissilewatchError(
            "sobol indices: SALib is not installed (pip install 'missilewatch[cluster]')"
        ) from None
    indices = analyze.analyze(
        unit_problem(dimensions),
        y,
        calc_second_order=False,
        print_to_console=False,
        seed=seed,
    )
    return (
        np.asarray(indices["S1"], dtype=np.float64),
        np.asarray(indices["S1_conf"], dtype=np.float64),
        np.asarray(indices["ST"], dtype=np.float64),
        np.asarray(indices["ST_conf"], dtype=np.float64),
    )


def _ranks(importance: np.ndarray) -> list[int | None]:
    """1 for the largest value; NaN gets no rank."""
    order = sorted(
        (index for index in range(len(importance)) if np.isfinite(importance[index])),
        key=lambda index: -importance[index],
    )
    ranks: list[int | None] = [None] * len(importance)
    for position, index in enumerate(order, start=1):
        ranks[index] = position
    return ranks
