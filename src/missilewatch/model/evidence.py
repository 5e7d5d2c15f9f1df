"""Stock implied by physical evidence: Little's law and serial numbers.

(a) Little's law: in a steady flow, the number of items in the system equals the
    arrival (here: launch) rate times the average time an item spends in it:
    ``stock = launch rate x time in stock``. Debris markings date a missile's
    manufacture; compared with the strike date they give the time in stock. The launch
    rate gets a Gamma posterior from the ledger's recent monthly counts (Jeffreys prior
    for a Poisson rate, widened by the months' over-dispersion), the time in stock a
    triangular distribution over the published range; their product is sampled.

(b) German tank problem: from ``k`` distinct serial numbers with maximum ``m`` drawn
    from 1..N (or start..N), the minimum-variance unbiased estimate of N is
    ``m (1 + 1/k) - 1`` (shifted for another start); the interval comes from
    P(max <= m | N) = C(m, k) / C(N, k) ~ (m / N)^k.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from missilewatch.errors import ParameterError
from missilewatch.model.sampling import Range, triangular_quantile

FloatArray = NDArray[np.float64]

QUANTILES = np.array([0.05, 0.25, 0.5, 0.75, 0.95])


@dataclass(frozen=True, slots=True)
class ImpliedStock:
    """Percentiles (5, 25, 50, 75, 95) and mean of the implied stock and its inputs."""

    launch_rate: FloatArray  # per month
    time_in_stock: FloatArray  # months
    stock: FloatArray
    stock_mean: float
    samples: int


def little_implied_stock(
    monthly_launches: Sequence[float],
    time_in_stock: Range,
    rng: np.random.Generator,
    samples: int = 100_000,
) -> ImpliedStock:
    """Stock implied by launches per month and time in stock (months), with uncertainty."""
    counts = np.asarray(monthly_launches, dtype=np.float64)
    if counts.size == 0:
        raise ParameterError("Little's law needs at least one month of launches")
    if np.any(counts < 0):
        raise ParameterError("monthly launches must not be negative")
    if samples <= 0:
        raise ParameterError(f"samples must be at least 1, got {samples}")
    months = counts.size
    mean = counts.mean()
    variance = counts.var(ddof=1) if months > 1 else mean
    # Over-dispersion widens the Poisson posterior: scale the counts by mean / variance.
    dispersion = max(variance / mean, 1.0) if mean > 0 else 1.0
    shape = counts.sum() / dispersion + 0.5
    rate = rng.gamma(shape, dispersion / months, size=samples)
    u = rng.random(samples)
    dwell = triangular_quantile(
        u,
        np.array(time_in_stock.low),
        np.array(time_in_stock.central),
        np.array(time_in_stock.high),
    )
    stock = rate * dwell
    return ImpliedStock(
        launch_rate=np.quantile(rate, QUANTILES),
        time_in_stock=np.quantile(dwell, QUANTILES),
        stock=np.quantile(stock, QUANTILES),
        stock_mean=float(stock.mean()),
        samples=samples,
    )


@dataclass(frozen=True, slots=True)
class SerialEstimate:
    """German tank estimate of how many items were made, with a confidence interval."""

    observed: int
    smallest: int
    largest: int
    estimate: float
    low: float
    high: float
    confidence: float


def german_tank(
    serials: Sequence[int], *, start: int | None = 1, confidence: float = 0.9
) -> SerialEstimate:
    """Estimate the number made from distinct serial numbers.

    Args:
        serials: observed serial numbers (duplicates are counted once).
        start: the first serial number issued; ``None`` when unknown (then the
            estimate is of the range ``max - min`` spanned, shifted by the smallest).
        confidence: level of the two-sided interval.
    """
    if not 0 < confidence < 1:
        raise ParameterError(f"confidence must be between 0 and 1, got {confidence}")
    unique = np.unique(np.asarray(list(serials), dtype=np.int64))
    if unique.size == 0:
        raise ParameterError("no serial numbers given")
    k = int(unique.size)
    smallest, largest = int(unique[0]), int(unique[-1])
    if start is not None and smallest < start:
        raise ParameterError(f"serial {smallest} is below the first serial {start}")
    alpha = 1.0 - confidence
    if start is not None:
        span = largest - start + 1  # the maximum, counted from 1
        estimate = span * (1 + 1 / k) - 1
        low = span / (1 - alpha / 2) ** (1 / k)
        high = span / (alpha / 2) ** (1 / k)
    else:
        if k < 2:
            raise ParameterError("with an unknown first serial, at least two serials are needed")
        span = largest - smallest
        estimate = span * (1 + 1 / (k - 1)) - 1 + 1  # gaps on both ends
        low = span / (1 - alpha / 2) ** (1 / (k - 1))
        high = span / (alpha / 2) ** (1 / (k - 1))
    return SerialEstimate(
        observed=k,
        smallest=smallest,
        largest=largest,
        estimate=float(estimate),
        low=float(max(low, k)),
        high=float(high),
        confidence=confidence,
    )
