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

from collections.abc import Sequence
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
    fits = fit_trend_history(history, cut)
    shared = common_shock_variance(history, fits, cut)
    _, launches = simulate_trend_strikes(
        np.random.default_rng(seed), fits, horizon, paths, shared=shared
    )
    return launches


# --------------------------------------------------------------------------- trend forecast
#
# The forecast the backtest and ``forecast_strikes`` draw from. Per family, attacks per
# month follow a negative binomial around a log-linear trend fitted by weighted
# quasi-Poisson regression (recent months weighted more); the trend is damped so it
# flattens over the forecast; the fitted level, slope and mean salvo size carry their
# estimation uncertainty (one draw per path, kept over the path's months); missiles per
# attack are negative binomial as before. A month already partly reported is the
# reported part plus a forecast of the days left.

#: Each forecast month keeps this share of the previous month's trend step (damped trend).
TREND_DAMPING = 0.7
#: Newton steps of the weighted quasi-Poisson fit (converges in a few on these counts).
_FIT_STEPS = 25
#: Half-life (months) of the weights of the trend fit: longer than the level-only fit's,
#: since a slope needs more months to be told from noise.
TREND_HALF_LIFE_MONTHS = 6.0
#: Prior sd of the monthly log growth of attacks (0.1: about 10% a month).
TREND_PRIOR_SD = 0.05


@dataclass(frozen=True, slots=True)
class TrendFit:
    """Fitted trend strike process of one family (the month after the fit is h = 1)."""

    family: str
    weapon_class: str
    log_level: float  # log attacks per month at the fit's last month
    slope: float  # log attacks per month, per month
    covariance: tuple[float, float, float]  # var(level), cov(level, slope), var(slope)
    attacks_size: float  # NB size of the month's attacks around the trend
    salvo_mean: float
    salvo_log_sd: float  # estimation sd of log(salvo mean)
    salvo_size: float
    months_used: int

    @property
    def active(self) -> bool:
        return np.isfinite(self.log_level) and self.salvo_mean > 0


def _weighted_log_linear(
    counts: FloatArray, weights: FloatArray
) -> tuple[float, float, NDArray[np.float64], float]:
    """(log level at the last month, slope, covariance 2x2, dispersion) of a weighted
    quasi-Poisson regression log E[count] = level + slope * (t - last).

    Weights are rescaled to sum to the effective number of months, so the estimates'
    uncertainty reflects how much data the weighting really uses; the slope has a
    normal prior (sd :data:`TREND_PRIOR_SD`) so a short or noisy series does not get a
    wild trend.
    """
    x = np.arange(len(counts), dtype=np.float64) - (len(counts) - 1)
    design = np.column_stack([np.ones_like(x), x])
    effective = weights.sum() ** 2 / np.square(weights).sum()
    w = weights * (effective / weights.sum())
    prior = np.diag([0.0, 1.0 / TREND_PRIOR_SD**2])
    beta = np.array([np.log(max(np.average(counts, weights=w), 1e-2)), 0.0])
    for _ in range(_FIT_STEPS):
        mu = np.exp(design @ beta)
        gradient = design.T @ (w * (counts - mu)) - prior @ beta
        information = design.T @ (design * (w * mu)[:, None]) + prior
        step = np.linalg.solve(information, gradient)
        beta = beta + step
        if np.max(np.abs(step)) < 1e-8:
            break
    mu = np.exp(design @ beta)
    residual_df = max(effective - 2.0, 1.0)
    dispersion = float(np.sum(w * (counts - mu) ** 2 / np.maximum(mu, 1e-9)) / residual_df)
    information = design.T @ (design * (w * mu)[:, None]) + prior
    covariance = np.linalg.inv(information) * max(dispersion, 1.0)
    return float(beta[0]), float(beta[1]), covariance, dispersion


def fit_trend_family(
    family: str,
    weapon_class: str,
    monthly_attacks: FloatArray,
    attack_months: IntArray,
    attack_sizes: FloatArray,
    *,
    half_life: float = TREND_HALF_LIFE_MONTHS,
    window: int = FIT_WINDOW_MONTHS,
) -> TrendFit:
    """Fit one family's trend strike process (arguments as :func:`fit_family`)."""
    months = len(monthly_attacks)
    first = max(0, months - window)
    counts = np.asarray(monthly_attacks[first:], dtype=np.float64)
    in_window = attack_months >= first
    sizes = np.asarray(attack_sizes[in_window], dtype=np.float64)
    if len(counts) == 0 or counts.sum() == 0 or sizes.size == 0:
        return TrendFit(
            family, weapon_class, -np.inf, 0.0, (0.0, 0.0, 0.0), POISSON_SIZE, 0.0, 0.0, 1.0, 0
        )
    weights = _decay_weights(len(counts), half_life)
    level, slope, covariance, pearson = _weighted_log_linear(counts, weights)
    mean_fitted = float(
        np.average(
            np.exp(level + slope * (np.arange(len(counts)) - (len(counts) - 1))), weights=weights
        )
    )
    excess = max(pearson - 1.0, 0.0)
    attacks_size = POISSON_SIZE if excess <= 1e-9 else float(max(mean_fitted / excess, 1e-2))
    # Salvo sizes follow the campaign closely (Shahed salvos grew tenfold in a year):
    # they keep the level fit's short half-life.
    salvo_weights = _decay_weights(len(counts), HALF_LIFE_MONTHS)
    size_weights = salvo_weights[attack_months[in_window] - first]
    mean_s = float(np.average(sizes, weights=size_weights))
    var_s = float(np.average((sizes - mean_s) ** 2, weights=size_weights))
    effective = size_weights.sum() ** 2 / np.square(size_weights).sum()
    salvo_log_sd = float(np.sqrt(var_s / max(effective, 1.0)) / max(mean_s, 1e-9))
    return TrendFit(
        family=family,
        weapon_class=weapon_class,
        log_level=level,
        slope=slope,
        covariance=(float(covariance[0, 0]), float(covariance[0, 1]), float(covariance[1, 1])),
        attacks_size=attacks_size,
        salvo_mean=mean_s,
        salvo_log_sd=salvo_log_sd,
        salvo_size=_nb_size(mean_s, var_s),
        months_used=len(counts),
    )


def fit_trend_history(history: StrikeHistory, until_month: int) -> list[TrendFit]:
    """Fit every family's trend process on the history months before ``until_month``."""
    fits = []
    for f, family in enumerate(history.families):
        keep = history.attack_months[f] < until_month
        fits.append(
            fit_trend_family(
                family,
                history.weapon_classes[f],
                np.asarray(history.reports[:until_month, f], dtype=np.float64),
                np.asarray(history.attack_months[f][keep], dtype=np.int64),
                np.asarray(history.attack_sizes[f][keep], dtype=np.float64),
            )
        )
    return fits


def trend_means(fit: TrendFit, months: int) -> FloatArray:
    """Fitted mean attacks of the ``months`` months up to the fit's last (oldest first)."""
    if not fit.active:
        return np.zeros(months)
    x = np.arange(months, dtype=np.float64) - (months - 1)
    return np.asarray(np.exp(fit.log_level + fit.slope * x), dtype=np.float64)


def common_shock_variance(
    history: StrikeHistory, fits: list[TrendFit], until_month: int
) -> dict[str, float]:
    """Per weapon class: the variance of a month's shared intensity factor.

    Families of one class rise and fall together (one report often lists an Iskander-M
    and a KN-23): the weighted covariance of their relative residuals around their trends
    is the variance of a factor they share. Classes with one active family, or whose
    families do not move together, get 0.
    """
    window = min(FIT_WINDOW_MONTHS, until_month)
    weights = _decay_weights(window, TREND_HALF_LIFE_MONTHS)
    residuals: dict[str, list[FloatArray]] = {}
    for f, fit in enumerate(fits):
        if not fit.active or window < 3:
            continue
        counts = np.asarray(history.reports[until_month - window : until_month, f], float)
        mean = trend_means(fit, window)
        residuals.setdefault(fit.weapon_class, []).append((counts - mean) / np.maximum(mean, 1e-9))
    shocks: dict[str, float] = {}
    for name, series in residuals.items():
        pairs = [
            float(np.average(series[i] * series[j], weights=weights))
            for i in range(len(series))
            for j in range(i + 1, len(series))
        ]
        shocks[name] = max(float(np.mean(pairs)), 0.0) if pairs else 0.0
    return shocks


@dataclass(frozen=True, slots=True)
class ReportedSoFar:
    """What is already reported of the first forecast month, per family."""

    fraction: float  # share of the month's days already reported, in [0, 1)
    attacks: IntArray  # (families,)
    launches: IntArray  # (families,)


def simulate_trend_strikes(
    rng: np.random.Generator,
    fits: list[TrendFit],
    months: int,
    paths: int,
    adjustments: Adjustments = BASELINE,
    reported: ReportedSoFar | None = None,
    shared: dict[str, float] | None = None,
) -> tuple[IntArray, IntArray]:
    """(attacks, launches), each (paths, months, families), from the trend process.

    Month 0 is the month after the fit's last month. ``reported`` (optional) holds what
    is already reported of month 0: its forecast is the reported counts plus draws for
    the share of the month still to come. ``shared`` maps a weapon class to the variance
    of a month's intensity factor its families share (:func:`common_shock_variance`).
    """
    families = len(fits)
    factors: dict[str, FloatArray] = {}
    for name, variance in sorted((shared or {}).items()):
        if variance > 0:
            shape = 1.0 / variance
            factors[name] = rng.gamma(shape, 1.0 / shape, size=(paths, months))
    attacks = np.zeros((paths, months, families), dtype=np.int64)
    launches = np.zeros((paths, months, families), dtype=np.int64)
    regimes = regime_table_for(fits, months, adjustments)
    steps = np.cumsum(TREND_DAMPING ** np.arange(1, months + 1))  # damped trend, months ahead
    for f, fit in enumerate(fits):
        if not fit.active:
            continue
        var_level, cov, var_slope = fit.covariance
        chol = np.linalg.cholesky(
            np.array([[var_level, cov], [cov, var_slope]]) + np.eye(2) * 1e-12
        )
        level, slope = np.array([fit.log_level, fit.slope])[:, None] + chol @ rng.standard_normal(
            (2, paths)
        )
        salvo = fit.salvo_mean * np.exp(
            fit.salvo_log_sd * rng.standard_normal(paths) - 0.5 * fit.salvo_log_sd**2
        )
        # The mean over paths stays the fitted trend: exp of a normal draw is centred by
        # half its variance (else the parameter uncertainty alone would raise the mean).
        spread = var_level + 2.0 * cov * steps + var_slope * steps**2
        mean = np.exp(level[:, None] + slope[:, None] * steps[None, :] - 0.5 * spread[None, :])
        # The family's own month-to-month spread is what its fitted spread leaves once
        # the share its class has in common is drawn separately.
        own_excess = 1.0 / fit.attacks_size - (shared or {}).get(fit.weapon_class, 0.0)
        size = np.full(months, 1.0 / own_excess if own_excess > 1e-6 else POISSON_SIZE)
        frequency = np.where(regimes[:, f] == 1, adjustments.strike_frequency_factor, 1.0)
        salvo_factor = np.where(regimes[:, f] == 1, adjustments.salvo_size_factor, 1.0)
        live = (regimes[:, f] >= 0).astype(np.float64)
        remaining = np.ones(months)
        if reported is not None and months:
            remaining[0] = 1.0 - reported.fraction
        scale = frequency * live * remaining
        if fit.weapon_class in factors:
            mean = mean * factors[fit.weapon_class]
        a = _gamma_poisson(
            rng, mean * scale[None, :], np.broadcast_to(size * remaining, mean.shape)
        )
        salvo_mean = salvo[:, None] * salvo_factor[None, :]
        n = _gamma_poisson(rng, a * salvo_mean, a * fit.salvo_size)
        if reported is not None and months:
            a[:, 0] += reported.attacks[f]
            n[:, 0] += reported.launches[f]
        attacks[:, :, f] = a
        launches[:, :, f] = n
    return attacks, launches


def regime_table_for(
    fits: Sequence[TrendFit | StrikeFit], months: int, adjustments: Adjustments = BASELINE
) -> NDArray[np.int8]:
    """:func:`regime_table` for either kind of fit."""
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
