"""Bayesian inference shared by the Russian-stock and the interceptor reconstructions.

The models themselves are pure code next to their cores (``missilewatch.model`` and
``missilewatch.defense``); this package holds what both need: the likelihood of a record
by its bound word, and the machinery around a fit.

* :mod:`~missilewatch.inference.bounds`: the likelihood of a record by its bound word.
* :mod:`~missilewatch.inference.sampler`: NumPyro's NUTS run in compiled segments, so a
  progress callback sees it move and a refit of the same shapes compiles nothing.
* :mod:`~missilewatch.inference.diagnostics`: R-hat, bulk/tail ESS and divergences with
  ArviZ, and a convergence verdict naming the quantities affected.
* :mod:`~missilewatch.inference.cache`: posteriors on disk, keyed by the data
  fingerprint, the estimates hash, the model version and the fit settings.
* :mod:`~missilewatch.inference.loo`: PSIS helpers (leave-one-out and reweighting), with
  the Pareto-k test that says where a refit is needed.
* :mod:`~missilewatch.inference.progress`: the progress protocol and the rich bar.
"""

from missilewatch.inference.bounds import (
    LOOSENESS,
    Observation,
    is_reproduced,
    predictive_percentile,
    record_log_likelihood,
)
from missilewatch.inference.cache import PosteriorCache, cache_key
from missilewatch.inference.diagnostics import Diagnostics, diagnose
from missilewatch.inference.loo import (
    PARETO_K_LIMIT,
    needs_refit,
    psis_log_weights,
    weighted_cdf,
    weighted_quantiles,
)
from missilewatch.inference.progress import FitProgress, no_progress, rich_progress
from missilewatch.inference.sampler import Draws, SamplerSettings, run_nuts

__all__ = [
    "LOOSENESS",
    "PARETO_K_LIMIT",
    "Diagnostics",
    "Draws",
    "FitProgress",
    "Observation",
    "PosteriorCache",
    "SamplerSettings",
    "cache_key",
    "diagnose",
    "is_reproduced",
    "needs_refit",
    "no_progress",
    "predictive_percentile",
    "psis_log_weights",
    "record_log_likelihood",
    "rich_progress",
    "run_nuts",
    "weighted_cdf",
    "weighted_quantiles",
]
