"""The strike process: fitting, pools, regimes."""

from __future__ import annotations

import numpy as np

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
