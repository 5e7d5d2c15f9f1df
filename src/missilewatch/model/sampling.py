"""Sampling uncertain figures and interpolating dated rates; pure NumPy.

A figure published as low/central/high is sampled from a triangular distribution on
[low, high] with its mode at central: bounded (no negative stocks or rates from a
long tail) and it keeps the published central value as the most likely one.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray
from scipy.special import ndtr

FloatArray = NDArray[np.float64]

#: Correlation between the quantiles drawn for one family's dated rate figures on one
#: path: output that is high in one year tends to be high in the next.
ANCHOR_CORRELATION = 0.8


@dataclass(frozen=True, slots=True)
class Range:
    """An uncertain figure: low <= central <= high (all equal for a point value)."""

    low: float
    central: float
    high: float

    def __post_init__(self) -> None:
        if not (self.low <= self.central <= self.high):
            raise ValueError(f"range needs low <= central <= high, got {self}")


def triangular_quantile(
    u: FloatArray, low: FloatArray, central: FloatArray, high: FloatArray
) -> FloatArray:
    """Inverse CDF of Triangular(low, central, high) at probabilities ``u`` (broadcast)."""
    width = high - low
    safe_width = np.where(width > 0, width, 1.0)
    mode_share = np.clip((central - low) / safe_width, 0.0, 1.0)
    left = low + np.sqrt(u * width * (central - low))
    right = high - np.sqrt((1.0 - u) * width * (high - central))
    value = np.where(u < mode_share, left, right)
    return np.where(width > 0, value, low)


def correlated_uniforms(
    rng: np.random.Generator, shape: tuple[int, ...], correlation: float = ANCHOR_CORRELATION
) -> FloatArray:
    """Uniforms whose last axis shares a common normal factor (Gaussian copula)."""
    common = rng.standard_normal((*shape[:-1], 1))
    own = rng.standard_normal(shape)
    z = correlation * common + np.sqrt(1.0 - correlation**2) * own
    return np.asarray(ndtr(z), dtype=np.float64)


def interpolation_weights(months: int, anchors: FloatArray) -> FloatArray:
    """Weights (months, anchors) giving linear interpolation between anchor months.

    Month ``t`` takes the value interpolated at ``t`` from the (sorted) anchor months;
    before the first and after the last anchor the nearest anchor's value holds.
    """
    count = len(anchors)
    grid = np.arange(months, dtype=np.float64)
    if count == 0:
        return np.zeros((months, 0))
    eye = np.eye(count)
    return np.stack([np.interp(grid, anchors, eye[a]) for a in range(count)], axis=1)


def split_normal_loglik(value: FloatArray, rng_: Range) -> FloatArray:
    """Log-likelihood of ``value`` under a figure read as a 90% interval.

    Split normal with mode ``central``: the distance to ``low`` and to ``high`` each
    spans 1.645 standard deviations on its side. A point figure gets +/-10% (at least
    one unit) as its 90% interval.
    """
    low, central, high = rng_.low, rng_.central, rng_.high
    if high <= low:
        spread = max(0.1 * abs(central), 1.0)
        low, high = central - spread, central + spread
    z90 = 1.6448536269514722
    sigma_low = max((central - low) / z90, 1e-9)
    sigma_high = max((high - central) / z90, 1e-9)
    sigma = np.where(value < central, sigma_low, sigma_high)
    return np.asarray(-0.5 * ((value - central) / sigma) ** 2, dtype=np.float64)
