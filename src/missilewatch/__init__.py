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
    "attacks": "missilewatch.ledger:attacks",
    "monthly_launches": "missilewatch.ledger:monthly_launches",
    # estimates
    "load_estimates": "missilewatch.estimates:load",
    # stock-flow (core in missilewatch.model, glue in missilewatch.api.stockpile)
    "stockpile": "missilewatch.api.stockpile:stockpile",
    "stockpile_summary": "missilewatch.api.stockpile:stockpile_summary",
    "forecast_strikes": "missilewatch.api.stockpile:forecast_strikes",
    "backtest_strikes": "missilewatch.api.stockpile:backtest_strikes",
    "implied_stock": "missilewatch.api.stockpile:implied_stock",
    "serial_estimate": "missilewatch.api.stockpile:serial_estimate",
    # air defense (core in missilewatch.defense, glue in missilewatch.api.defense)
    "intercept_calibration": "missilewatch.api.defense:intercept_calibration",
    "raid": "missilewatch.api.defense:raid",
    "defense_campaign": "missilewatch.api.defense:defense_campaign",
    # scenarios
    "run_scenarios": "missilewatch.scenarios:run_scenarios",
    "compare_runs": "missilewatch.scenarios:compare_runs",
    "sweep": "missilewatch.sweep:sweep",
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
