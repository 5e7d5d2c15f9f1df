"""Pareto-smoothed importance sampling (PSIS, via ArviZ) for leave-one-out and reweighting.

Leaving an observation out of a fit, or removing a record from it, reweights the
posterior draws by ``exp(-log_lik_i)``. PSIS smooths the largest weights and its Pareto
shape ``k`` says whether the reweighted draws can be trusted: above ``PARETO_K_LIMIT``
they cannot, and the caller refits without the observation (Vehtari, Gelman & Gabry
2017).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Final

import numpy as np

#: Above this Pareto k the importance weights are unreliable: refit instead.
PARETO_K_LIMIT: Final = 0.7


def psis_log_weights(log_ratios: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Smoothed, normalised log weights and Pareto k per column.

    ``log_ratios`` has shape (draws, terms): the log of the weight each draw gets per
    term (for leave-one-out, minus the term's log likelihood). Returns (log weights of
    the same shape, each column summing to one in exp; k of shape (terms,)).
    """
    import arviz as az

    ratios = np.asarray(log_ratios, dtype=np.float64)
    if ratios.ndim == 1:
        ratios = ratios[:, None]
    # ArviZ smooths along the last axis: one row per term.
    smoothed, k = az.psislw(ratios.T.copy())
    return np.asarray(smoothed).T, np.atleast_1d(np.asarray(k, dtype=np.float64))


def needs_refit(k: np.ndarray, limit: float = PARETO_K_LIMIT) -> np.ndarray:
    """Boolean mask of terms whose weights are too poor to use."""
    return ~(np.asarray(k) <= limit)


def weighted_quantiles(
    values: np.ndarray, log_weights: np.ndarray | None, quantiles: Sequence[float]
) -> np.ndarray:
    """Quantiles (fractions 0..1) of draws under (log) weights; unweighted if None.

    ``values`` has shape (draws,) or (draws, n) (quantiles per column).
    """
    data = np.asarray(values, dtype=np.float64)
    squeeze = data.ndim == 1
    if squeeze:
        data = data[:, None]
    q = np.asarray(quantiles, dtype=np.float64)
    if log_weights is None:
        result = np.quantile(data, q, axis=0)
        return result[:, 0] if squeeze else result
    w = np.exp(np.asarray(log_weights, dtype=np.float64) - np.max(log_weights))
    w = w / w.sum()
    out = np.empty((len(q), data.shape[1]))
    for column in range(data.shape[1]):
        order = np.argsort(data[:, column], kind="stable")
        sorted_values = data[order, column]
        cumulative = np.cumsum(w[order]) - 0.5 * w[order]
        out[:, column] = np.interp(q, cumulative, sorted_values)
    return out[:, 0] if squeeze else out


def weighted_cdf(values: np.ndarray, log_weights: np.ndarray | None, point: float) -> float:
    """Share of (weighted) draws at or below ``point``."""
    data = np.asarray(values, dtype=np.float64)
    if log_weights is None:
        return float(np.mean(data <= point))
    w = np.exp(np.asarray(log_weights) - np.max(log_weights))
    return float(w[data <= point].sum() / w.sum())
