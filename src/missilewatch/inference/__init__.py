"""Bayesian inference shared by the Russian-stock and the interceptor reconstructions.

The models themselves are pure code next to their cores (``missilewatch.model`` and
``missilewatch.defense``); this package holds what both need: the likelihood of a record
by its bound word, and the machinery around a fit.
"""

from missilewatch.inference.bounds import (
    LOOSENESS,
    Observation,
    is_reproduced,
    predictive_percentile,
    record_log_likelihood,
)

__all__ = [
    "LOOSENESS",
    "Observation",
    "is_reproduced",
    "predictive_percentile",
    "record_log_likelihood",
]
