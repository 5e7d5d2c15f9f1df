"""The stochastic strike process: attacks per month and missiles per attack.

Per family, attacks in a month follow a negative binomial (gamma-Poisson) and the
missiles of one attack another negative binomial; the sum of ``A`` independent salvo
sizes NB(mean m, size k) is NB(mean A*m, size A*k), so the monthly launches need two
draws. Both are fitted by weighted moments on the ledger history, recent months
weighted more (exponential decay with half-life ``HALF_LIFE_MONTHS``).

Sampling at scale uses a pool: for each family and regime (baseline, escalated) a seeded
pool of ``POOL_SIZE`` monthly outcomes is drawn once; each path-month then picks one
outcome of the pool at random. This is an exact draw from the pool's empirical
distribution and costs two memory reads instead of two gamma-Poisson draws.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Protocol

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from missilewatch.model.adjustments import BASELINE, Adjustments

IntArray = NDArray[np.int64]
FloatArray = NDArray[np.float64]

#: Weight of a month halves every this many months back from the fit's last month.
#: Chosen with the out-of-sample backtest (12 cuts, 3 months ahead, shipped snapshot):
#: at 4 months 75% of cells fell inside the 80% band, most misses above it (the fit
#: lagged growing drone campaigns: Shahed/Geran inside 31%); at 2 months 78%, Shahed/Geran
#: 61%, misses more evenly above and below. A half-life of 1.5 was no better.
HALF_LIFE_MONTHS = 2.0
#: Months of history used for the fit.
FIT_WINDOW_MONTHS = 24
#: Monthly outcomes per family and regime in the sampling pool.
POOL_SIZE = 1 << 15
#: Size parameter standing in for "no over-dispersion" (Poisson).
POISSON_SIZE = 1e6


@dataclass(frozen=True, slots=True)
class StrikeFit:
    """Fitted strike process of one family."""

    family: str
    weapon_class: str
    attacks_mean: float  # attacks per month
    attacks_size: float  # NB size (dispersion); large = Poisson
    salvo_mean: float  # missiles per attack
    salvo_size: float
    months_used: int


@dataclass(frozen=True, slots=True)
class StrikeForecast:
    """Future attacks and launches, shape (paths, months, families), int64."""

    months: list[pd.Period]
    families: list[str]
    weapon_classes: list[str]
    attacks: IntArray
    launches: IntArray


def _decay_weights(count: int, half_life: float) -> FloatArray:
    ages = np.arange(count - 1, -1, -1, dtype=np.float64)
    return np.asarray(0.5 ** (ages / half_life), dtype=np.float64)


def _nb_size(mean: float, variance: float) -> float:
    excess = variance - mean
    if mean <= 0 or excess <= 1e-9 * max(mean, 1.0):
        return POISSON_SIZE
    return float(max(mean * mean / excess, 1e-3))


def fit_family(
    family: str,
    weapon_class: str,
    monthly_attacks: FloatArray,
    attack_months: IntArray,
    attack_sizes: FloatArray,
    *,
    half_life: float = HALF_LIFE_MONTHS,
    window: int = FIT_WINDOW_MONTHS,
) -> StrikeFit:
    """Fit one family.

    Args:
        monthly_attacks: attacks (reports) per month, oldest first; the last entry is
            the last month of the fit.
        attack_months: for each attack, its month index into ``monthly_attacks``.
        attack_sizes: for each attack, the missiles launched.
    """
    months = len(monthly_attacks)
    first = max(0, months - window)
    counts = np.asarray(monthly_attacks[first:], dtype=np.float64)
    weights = _decay_weights(len(counts), half_life)
    if len(counts) == 0 or weights.sum() == 0:
        return StrikeFit(family, weapon_class, 0.0, POISSON_SIZE, 0.0, POISSON_SIZE, 0)
    mean_a = float(np.average(counts, weights=weights))
    var_a = float(np.average((counts - mean_a) ** 2, weights=weights))
    in_window = attack_months >= first
    sizes = np.asarray(attack_sizes[in_window], dtype=np.float64)
    if sizes.size == 0:
        return StrikeFit(family, weapon_class, mean_a, _nb_size(mean_a, var_a), 0.0, 1.0, 0)
    size_weights = weights[attack_months[in_window] - first]
    mean_s = float(np.average(sizes, weights=size_weights))
    var_s = float(np.average((sizes - mean_s) ** 2, weights=size_weights))
    return StrikeFit(
        family=family,
        weapon_class=weapon_class,
        attacks_mean=mean_a,
        attacks_size=_nb_size(mean_a, var_a),
        salvo_mean=mean_s,
        salvo_size=_nb_size(mean_s, var_s),
        months_used=len(counts),
    )


def _gamma_poisson(rng: np.random.Generator, mean: NDArray[Any], size: NDArray[Any]) -> IntArray:
    """NB(mean, size) draws, element-wise; zero where mean or size is zero."""
    positive = (mean > 0) & (size > 0)
    safe_size = np.where(positive, size, 1.0)
    safe_mean = np.where(positive, mean, 0.0)
    rate = rng.gamma(safe_size, safe_mean / safe_size)
    return np.where(positive, rng.poisson(rate), 0).astype(np.int64)


def draw_month(
    rng: np.random.Generator, fit: StrikeFit, count: int, frequency: float, salvo: float
) -> tuple[IntArray, IntArray]:
    """``count`` independent months of (attacks, launches) with factors applied."""
    attacks = _gamma_poisson(
        rng, np.full(count, fit.attacks_mean * frequency), np.full(count, fit.attacks_size)
    )
    launches = _gamma_poisson(rng, attacks * fit.salvo_mean * salvo, attacks * fit.salvo_size)
    return attacks, launches


@dataclass(frozen=True, slots=True, eq=False)
class StrikePool:
    """Pre-drawn monthly outcomes: arrays (families, 3, POOL_SIZE).

    Regime 0: as fitted; 1: escalated; 2: ceasefire (all zero).
    """

    attacks: IntArray
    launches: IntArray
    #: Launches as one flat float array (for gathering into float buffers).
    launches_float: FloatArray = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "launches_float", self.launches.astype(np.float64).reshape(-1))


def build_pool(
    rng: np.random.Generator,
    fits: list[StrikeFit],
    adjustments: Adjustments = BASELINE,
    pool_size: int = POOL_SIZE,
) -> StrikePool:
    """Regime 0: as fitted; regime 1: with the escalation factors applied."""
    families = len(fits)
    attacks = np.zeros((families, 3, pool_size), dtype=np.int64)
    launches = np.zeros((families, 3, pool_size), dtype=np.int64)
    for index, fit in enumerate(fits):
        applies = adjustments.applies_to(fit.family, fit.weapon_class)
        for regime in (0, 1):
            escalated = regime == 1 and applies
            frequency = adjustments.strike_frequency_factor if escalated else 1.0
            salvo = adjustments.salvo_size_factor if escalated else 1.0
            a, n = draw_month(rng, fit, pool_size, frequency, salvo)
            attacks[index, regime] = a
            launches[index, regime] = n
    return StrikePool(attacks=attacks, launches=launches)


def regime_table(
    fits: list[StrikeFit], months: int, adjustments: Adjustments = BASELINE
) -> NDArray[np.int8]:
    """(months, families): -1 = ceasefire (no launches), 0 = baseline, 1 = escalated."""
    table = np.zeros((months, len(fits)), dtype=np.int8)
    for month in range(months):
        for index, fit in enumerate(fits):
            if adjustments.in_ceasefire(month):
                table[month, index] = -1
            elif month >= adjustments.escalation_start and adjustments.applies_to(
                fit.family, fit.weapon_class
            ):
                table[month, index] = 1
    return table


def _pool_offsets(pool: StrikePool, regimes: NDArray[np.int8]) -> IntArray:
    """(months, families) offsets of each month's pool row in the flattened pool."""
    families = regimes.shape[1]
    pool_size = pool.launches.shape[2]
    slot = np.where(regimes < 0, 2, regimes).astype(np.int64)
    return (np.arange(families)[None, :] * 3 + slot) * pool_size


def sample_strikes(
    rng: np.random.Generator, pool: StrikePool, regimes: NDArray[np.int8], paths: int
) -> tuple[IntArray, IntArray]:
    """(attacks, launches), each (paths, months, families), drawn from the pool."""
    months, families = regimes.shape
    pool_size = pool.launches.shape[2]
    picks = rng.integers(0, pool_size, size=(paths, months, families), dtype=np.int64)
    flat = _pool_offsets(pool, regimes)[None] + picks
    return pool.attacks.reshape(-1)[flat], pool.launches.reshape(-1)[flat]


def fill_launches_family_major(
    rng: np.random.Generator,
    pool: StrikePool,
    regimes: NDArray[np.int8],
    out: FloatArray,
    picks: IntArray,
) -> None:
    """Launches into ``out`` (families, months, paths), with ``picks`` as scratch.

    Same distribution as :func:`sample_strikes` (a uniform pick from the pool per
    family-month), written without allocating: ``out`` first holds the uniforms.
    """
    pool_size = pool.launches.shape[2]
    rng.random(out=out)
    out *= pool_size
    out += _pool_offsets(pool, regimes).T[:, :, None]
    np.copyto(picks, out, casting="unsafe")
    np.take(pool.launches_float, picks, out=out, mode="clip")


class StrikeHistory(Protocol):
    """What the strike process reads of the ledger history (months oldest first)."""

    @property
    def families(self) -> list[str]: ...
    @property
    def weapon_classes(self) -> list[str]: ...
    @property
    def reports(self) -> NDArray[Any]:
        """(months, families): attacks (reports) per month."""

    @property
    def attack_months(self) -> list[NDArray[Any]]:
        """Per family: the month index of each attack."""

    @property
    def attack_sizes(self) -> list[NDArray[Any]]:
        """Per family: the missiles launched in each attack."""


def fit_history(history: StrikeHistory, until_month: int) -> list[StrikeFit]:
    """Fit every family on the history months before ``until_month``."""
    fits = []
    for f, family in enumerate(history.families):
        keep = history.attack_months[f] < until_month
        fits.append(
            fit_family(
                family,
                history.weapon_classes[f],
                np.asarray(history.reports[:until_month, f], dtype=np.float64),
                np.asarray(history.attack_months[f][keep], dtype=np.int64),
                np.asarray(history.attack_sizes[f][keep], dtype=np.float64),
            )
        )
    return fits


def forecast_launches(
    history: StrikeHistory, cut: int, horizon: int, paths: int, seed: np.random.SeedSequence
) -> IntArray:
    """Launches (paths, horizon, families) for the ``horizon`` months from month ``cut``,
    fitted on the months before it (the backtest's forecast)."""
    fits = fit_history(history, cut)
    pool_rng, draw_rng = (np.random.default_rng(s) for s in seed.spawn(2))
    pool = build_pool(pool_rng, fits, BASELINE, pool_size=8192)
    regimes = regime_table(fits, horizon, BASELINE)
    _, launches = sample_strikes(draw_rng, pool, regimes, paths)
    return launches
