"""Small synthetic parameter sets for exercising the core without the ledger."""

from __future__ import annotations

import numpy as np

from missilewatch.model import Adjustments, Constraint, Range, Schedule, StockFlowParams
from missilewatch.model.strikes import build_pool, fit_family, regime_table


def synthetic_params(
    *,
    history: int = 12,
    forecast: int = 6,
    families: int = 3,
    initial: Range = Range(50, 100, 200),
    production: Range = Range(5, 10, 20),
    launches_per_month: float = 12.0,
    constraints: tuple[Constraint, ...] = (),
    adjustments: Adjustments | None = None,
    seed: int = 7,
) -> StockFlowParams:
    rng = np.random.default_rng(seed)
    names = tuple(f"F{i}" for i in range(families))
    classes = tuple("cruise" if i % 2 == 0 else "ballistic" for i in range(families))
    observed = rng.poisson(launches_per_month, size=(history, families)).astype(np.float64)
    fits = []
    for f in range(families):
        attacks = rng.poisson(3, size=history).astype(np.float64)
        months = np.repeat(np.arange(history), attacks.astype(int))
        sizes = rng.poisson(launches_per_month / 3, size=months.size).astype(np.float64)
        fits.append(fit_family(names[f], classes[f], attacks, months, sizes))
    adjustments = adjustments or Adjustments()
    pool = build_pool(rng, fits, adjustments, pool_size=4096)
    schedule = Schedule.build([[(0.0, production), (history / 2, production)]] * families)
    zero = Schedule.build([[(0.0, Range(0, 0, 0))]] * families)
    return StockFlowParams(
        families=names,
        weapon_classes=classes,
        initial_stock=(initial,) * families,
        production=schedule,
        imports=zero,
        other_losses=Schedule.build([[(0.0, Range(0, 0.5, 1))]] * families),
        observed_launches=observed,
        forecast_months=forecast,
        pool=pool,
        regimes=regime_table(fits, forecast, adjustments),
        constraints=constraints,
        shortfall_scale=np.full(families, 5.0),
    )
