"""missilewatch: the missile balance of Russia's war on Ukraine as a stock-and-flow system.

The public Python API returns pandas DataFrames with documented columns and units.
Heavy modules are imported on first use so that ``import missilewatch`` stays fast.
"""

from __future__ import annotations

from typing import Any

from missilewatch.errors import (
    InputError,
    MissilewatchError,
    MissilewatchWarning,
    ParameterError,
    UnknownNameError,
)

__version__ = "0.1.0"

# name -> "module:attribute"; resolved lazily by __getattr__.
_PUBLIC_API: dict[str, str] = {
    # ledger
    "stats": "missilewatch.ledger:stats",
    # one row per attack window; allocated=True/False gives the per-report table
    "attacks": "missilewatch.ledger.windows:attacks",
    "attack_windows": "missilewatch.ledger.windows:attack_windows",
    "report_rows": "missilewatch.ledger:attacks",
    "monthly_launches": "missilewatch.ledger:monthly_launches",
    # estimates
    "load_estimates": "missilewatch.estimates:load",
    # the one door: inputs read once, one run specification, one simulate
    "Baseline": "missilewatch.baseline:Baseline",
    "load_baseline": "missilewatch.baseline:load_baseline",
    "RunSpec": "missilewatch.run:RunSpec",
    "Run": "missilewatch.run:Run",
    "simulate": "missilewatch.run:simulate",
    # stock-flow views (core in missilewatch.model)
    "stockpile": "missilewatch.views.stockpile:stockpile",
    "stockpile_summary": "missilewatch.views.stockpile:stockpile_summary",
    "forecast_strikes": "missilewatch.views.stockpile:forecast_strikes",
    "backtest_strikes": "missilewatch.views.stockpile:backtest_strikes",
    "implied_stock": "missilewatch.views.stockpile:implied_stock",
    "serial_estimate": "missilewatch.views.stockpile:serial_estimate",
    # air-defense views (core in missilewatch.defense)
    "intercept_calibration": "missilewatch.views.defense:intercept_calibration",
    "raid": "missilewatch.views.defense:raid",
    "defense_campaign": "missilewatch.views.defense:defense_campaign",
    # scenarios
    "run_scenarios": "missilewatch.scenarios:run_scenarios",
    "compare_runs": "missilewatch.scenarios:compare_runs",
    "sweep": "missilewatch.sweep:sweep",
    # validation
    "published_check": "missilewatch.validate:published_check",
}

__all__ = [
    "InputError",
    "MissilewatchError",
    "MissilewatchWarning",
    "ParameterError",
    "UnknownNameError",
    "__version__",
    *_PUBLIC_API,
]


def __getattr__(name: str) -> Any:
    target = _PUBLIC_API.get(name)
    if target is None:
        raise AttributeError(f"module 'missilewatch' has no attribute {name!r}")
    module_name, attribute = target.split(":")
    import importlib

    return getattr(importlib.import_module(module_name), attribute)
