"""The strike process: fitting, pools, regimes."""

from __future__ import annotations

import numpy as np
import pytest

from missilewatch.model import Adjustments
from missilewatch.model.strikes import (
    POISSON_SIZE,
    build_pool,
    fit_family,
    regime_table,
    sample_strikes,
)


def synthetic_history(rng: np.random.Generator, months: int, attacks: float, salvo: float):
    monthly = rng.negative_binomial(4, 4 / (4 + attacks), size=months).astype(np.float64)
    attack_months = np.repeat(np.arange(months), monthly.astype(int))
    sizes = rng.negative_binomial(2, 2 / (2 + salvo), size=attack_months.size).astype(np.float64)
    return monthly, attack_months, sizes


def test_fit_recovers_rates_and_over_dispersion() -> None:
    rng = np.random.default_rng(0)
    monthly, months, sizes = synthetic_history(rng, 400, attacks=12, salvo=30)
    fit = fit_family("F", "cruise", monthly, months, sizes, half_life=1e9, window=400)
    assert abs(fit.attacks_mean - 12) < 1.0
    assert abs(fit.salvo_mean - 30) < 2.0
    assert fit.attacks_size < 20  # over-dispersed, not Poisson
    assert fit.salvo_size < 5


def test_recent_months_weigh_more() -> None:
    monthly = np.array([20.0] * 12 + [2.0] * 4)
    months = np.repeat(np.arange(16), monthly.astype(int))
    sizes = np.full(months.size, 5.0)
    fit = fit_family("F", "cruise", monthly, months, sizes, half_life=2.0)
    assert fit.attacks_mean < 8  # far below the plain mean of 15.5


def test_no_attacks_gives_a_quiet_family() -> None:
    fit = fit_family("F", "cruise", np.zeros(10), np.zeros(0, dtype=np.int64), np.zeros(0))
    assert fit.attacks_mean == 0 and fit.attacks_size == POISSON_SIZE
    pool = build_pool(np.random.default_rng(1), [fit], pool_size=256)
    assert pool.launches.sum() == 0


def test_escalation_and_ceasefire_regimes() -> None:
    rng = np.random.default_rng(2)
    monthly, months, sizes = synthetic_history(rng, 24, attacks=10, salvo=10)
    fit = fit_family("F", "cruise", monthly, months, sizes)
    adjustments = Adjustments(
        ceasefire_start=0, ceasefire_months=2, strike_frequency_factor=2.0, escalation_start=4
    )
    regimes = regime_table([fit], 8, adjustments)
    assert regimes[:, 0].tolist() == [-1, -1, 0, 0, 1, 1, 1, 1]
    pool = build_pool(rng, [fit], adjustments, pool_size=20_000)
    attacks, launches = sample_strikes(rng, pool, regimes, 5_000)
    assert attacks.shape == launches.shape == (5_000, 8, 1)
    assert launches[:, :2].sum() == 0
    baseline = launches[:, 2:4].mean()
    escalated = launches[:, 4:].mean()
    assert 1.7 < escalated / baseline < 2.3
    assert np.all(launches[attacks == 0] == 0)


# --- the trend process ---------------------------------------------------------------------


def _growing_family(rng: np.random.Generator, months: int, growth: float, start: float):
    means = start * np.exp(growth * np.arange(months))
    attacks = rng.poisson(means).astype(float)
    attack_months = np.repeat(np.arange(months), attacks.astype(int))
    sizes = rng.poisson(4.0, size=attack_months.size).astype(float) + 1
    return attacks, attack_months, sizes


def test_trend_fit_recovers_growth_and_its_uncertainty() -> None:
    from missilewatch.model.strikes import fit_trend_family

    rng = np.random.default_rng(5)
    attacks, months, sizes = _growing_family(rng, 24, 0.06, 20.0)
    fit = fit_trend_family("F", "cruise", attacks, months, sizes, half_life=1e9)
    assert 0.03 < fit.slope < 0.09
    assert abs(np.exp(fit.log_level) - 20.0 * np.exp(0.06 * 23)) < 15
    assert fit.covariance[0] > 0 and fit.covariance[2] > 0
    assert abs(fit.salvo_mean - 5.0) < 0.5


def test_trend_forecast_mean_follows_the_damped_trend() -> None:
    from missilewatch.model.strikes import TREND_DAMPING, fit_trend_family, simulate_trend_strikes

    rng = np.random.default_rng(6)
    attacks, months, sizes = _growing_family(rng, 30, 0.05, 15.0)
    fit = fit_trend_family("F", "cruise", attacks, months, sizes)
    drawn, launched = simulate_trend_strikes(np.random.default_rng(7), [fit], 3, 20_000)
    steps = np.cumsum(TREND_DAMPING ** np.arange(1, 4))
    expected = np.exp(fit.log_level + fit.slope * steps)
    np.testing.assert_allclose(drawn[:, :, 0].mean(axis=0), expected, rtol=0.05)
    assert (launched >= drawn).all()  # every attack launches at least one here


def test_the_reported_part_of_a_month_is_kept() -> None:
    from missilewatch.model.strikes import ReportedSoFar, fit_trend_family, simulate_trend_strikes

    rng = np.random.default_rng(8)
    attacks, months, sizes = _growing_family(rng, 24, 0.0, 30.0)
    fit = fit_trend_family("F", "cruise", attacks, months, sizes)
    known = ReportedSoFar(fraction=0.9, attacks=np.array([25]), launches=np.array([120]))
    drawn, launched = simulate_trend_strikes(
        np.random.default_rng(9), [fit], 2, 5_000, reported=known
    )
    assert (launched[:, 0, 0] >= 120).all()
    # only a tenth of the month is left to forecast: the spread is a fraction of a month's
    assert launched[:, 0, 0].std() < 0.5 * launched[:, 1, 0].std()
    assert drawn[:, 0, 0].mean() == pytest.approx(25 + 0.1 * drawn[:, 1, 0].mean(), rel=0.1)


def test_families_that_move_together_share_a_factor() -> None:
    from types import SimpleNamespace

    from missilewatch.model.strikes import common_shock_variance, fit_trend_history

    rng = np.random.default_rng(10)
    shared = rng.gamma(4.0, 0.25, size=30)
    reports = np.column_stack([rng.poisson(40 * shared), rng.poisson(25 * shared)]).astype(float)
    history = SimpleNamespace(
        families=["A", "B"],
        weapon_classes=["ballistic", "ballistic"],
        reports=reports,
        attack_months=[np.repeat(np.arange(30), reports[:, f].astype(int)) for f in range(2)],
        attack_sizes=[np.full(int(reports[:, f].sum()), 2.0) for f in range(2)],
    )
    fits = fit_trend_history(history, 30)
    variance = common_shock_variance(history, fits, 30)["ballistic"]
    assert 0.05 < variance < 0.6  # the factor's variance is 0.25
