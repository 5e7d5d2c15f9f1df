"""Scoring probabilistic forecasts against what followed (pure: arrays in, arrays out).

* CRPS (continuous ranked probability score) of a sample forecast: E|X - y| - E|X - X'|/2,
  in the forecast's unit (missiles per month); for a point forecast it is the absolute
  error, so a sample forecast and a naive point forecast are scored on one scale.
* Skill against a reference: 1 - CRPS / CRPS_reference (above 0: better than the reference).
* Coverage of the central 50% and 80% intervals, and bias (forecast mean minus observed).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from numpy.typing import NDArray

FloatArray = NDArray[np.float64]

#: Central intervals whose coverage is scored.
INTERVAL_LEVELS: tuple[float, ...] = (0.5, 0.8)


def crps_samples(
    samples: NDArray[np.floating] | NDArray[np.integer], observed: FloatArray
) -> FloatArray:
    """CRPS per cell: ``samples`` (cells, draws), ``observed`` (cells,).

    Uses the sorted-sample identity E|X - X'| = 2/m^2 sum_i (2i - m - 1) x_(i), so the cost
    is one sort per cell, not m^2 pairs.
    """
    draws = np.sort(np.asarray(samples, dtype=np.float64), axis=1)
    m = draws.shape[1]
    truth = np.asarray(observed, dtype=np.float64)[:, None]
    absolute = np.abs(draws - truth).mean(axis=1)
    ranks = 2.0 * np.arange(1, m + 1) - m - 1
    spread = 2.0 * (draws * ranks).sum(axis=1) / (m * m)
    return np.asarray(absolute - 0.5 * spread, dtype=np.float64)


def interval_inside(
    samples: NDArray[np.floating] | NDArray[np.integer], observed: FloatArray, level: float
) -> NDArray[np.bool_]:
    """Whether each observed value lies in the central ``level`` interval of its samples."""
    if not 0 < level < 1:
        raise ValueError(f"level must be in (0, 1), got {level}")
    low, high = np.quantile(
        np.asarray(samples, dtype=np.float64), [(1 - level) / 2, (1 + level) / 2], axis=1
    )
    truth = np.asarray(observed, dtype=np.float64)
    return np.asarray((truth >= low) & (truth <= high), dtype=np.bool_)


@dataclass(frozen=True)
class ScoredCells:
    """Per-cell scores of one backtest: one entry per (cut, series, horizon)."""

    crps: FloatArray
    crps_last_month: FloatArray
    crps_mean_3_months: FloatArray
    inside: dict[float, NDArray[np.bool_]]
    error_of_mean: FloatArray  # forecast mean - observed


def score_cells(
    samples: NDArray[np.floating] | NDArray[np.integer],
    observed: FloatArray,
    last_month: FloatArray,
    mean_3_months: FloatArray,
) -> ScoredCells:
    """Score sample forecasts and the two naive point forecasts on the same cells."""
    truth = np.asarray(observed, dtype=np.float64)
    return ScoredCells(
        crps=crps_samples(samples, truth),
        crps_last_month=np.abs(np.asarray(last_month, dtype=np.float64) - truth),
        crps_mean_3_months=np.abs(np.asarray(mean_3_months, dtype=np.float64) - truth),
        inside={level: interval_inside(samples, truth, level) for level in INTERVAL_LEVELS},
        error_of_mean=np.asarray(samples, dtype=np.float64).mean(axis=1) - truth,
    )


SKILL_COLUMNS: tuple[str, ...] = (
    "series",
    "horizon",
    "cuts",
    "crps",
    "crps_last_month",
    "crps_mean_3_months",
    "skill_vs_last_month",
    "skill_vs_mean_3_months",
    "coverage_50",
    "coverage_80",
    "bias",
    "bias_pct",
)


def skill_table(
    series: NDArray[np.str_] | list[str],
    horizon: NDArray[np.integer],
    observed: FloatArray,
    scores: ScoredCells,
) -> pd.DataFrame:
    """Mean scores by series and horizon (:data:`SKILL_COLUMNS`).

    Skill is 1 - mean CRPS / mean CRPS of the naive forecast over the same cells;
    ``bias`` the mean of (forecast mean - observed), ``bias_pct`` it over the mean observed.
    """
    frame = pd.DataFrame(
        {
            "series": np.asarray(series, dtype=object),
            "horizon": np.asarray(horizon, dtype=np.int64),
            "observed": np.asarray(observed, dtype=np.float64),
            "crps": scores.crps,
            "crps_last_month": scores.crps_last_month,
            "crps_mean_3_months": scores.crps_mean_3_months,
            "inside_50": scores.inside[0.5],
            "inside_80": scores.inside[0.8],
            "error": scores.error_of_mean,
        }
    )
    grouped = frame.groupby(["series", "horizon"], sort=True)
    table = grouped.agg(
        cuts=("crps", "size"),
        crps=("crps", "mean"),
        crps_last_month=("crps_last_month", "mean"),
        crps_mean_3_months=("crps_mean_3_months", "mean"),
        coverage_50=("inside_50", "mean"),
        coverage_80=("inside_80", "mean"),
        bias=("error", "mean"),
        observed=("observed", "mean"),
    ).reset_index()
    with np.errstate(divide="ignore", invalid="ignore"):
        table["skill_vs_last_month"] = 1.0 - table["crps"] / table["crps_last_month"]
        table["skill_vs_mean_3_months"] = 1.0 - table["crps"] / table["crps_mean_3_months"]
        table["bias_pct"] = 100.0 * table["bias"] / table["observed"]
    return table[list(SKILL_COLUMNS)]
