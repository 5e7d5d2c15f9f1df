"""The computing core: stock-flow Monte Carlo, strike process, calibration, evidence.

Pure NumPy: frozen parameters and ``numpy.random.Generator`` objects in, arrays out.
No files, database, network or clock.
"""

from __future__ import annotations

from missilewatch.model.adjustments import BASELINE, Adjustments
from missilewatch.model.calibration import Constraint, effective_sample_size
from missilewatch.model.evidence import (
    ImpliedStock,
    SerialEstimate,
    german_tank,
    little_implied_stock,
)
from missilewatch.model.sampling import Range
from missilewatch.model.stockflow import (
    MAX_PATHS,
    Paths,
    RunResult,
    Schedule,
    StockFlowParams,
    run,
    simulate_paths,
)
from missilewatch.model.strikes import StrikeFit, StrikeForecast, StrikePool, fit_family

__all__ = [
    "BASELINE",
    "MAX_PATHS",
    "Adjustments",
    "Constraint",
    "ImpliedStock",
    "Paths",
    "Range",
    "RunResult",
    "Schedule",
    "SerialEstimate",
    "StockFlowParams",
    "StrikeFit",
    "StrikeForecast",
    "StrikePool",
    "effective_sample_size",
    "fit_family",
    "german_tank",
    "little_implied_stock",
    "run",
    "simulate_paths",
]
