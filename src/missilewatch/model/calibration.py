"""Conditioning paths on dated evidence by importance weighting.

Each path gets a log-weight per family: the sum over that family's constraints of the
log-likelihood of the path's value at the constraint's month (a published stock
estimate, or a production rate), read as a 90% interval (split normal, see
:func:`split_normal_loglik`), minus a penalty for history shortfall (missiles the ledger
says were launched but the path could not have held): each ``shortfall_scale``
missiles of shortfall cost a factor e.

Families are independent before conditioning. A figure about several families (an
aggregate production rate, a class stock) is split by :func:`split_constraint` into
one constraint per family, in proportion to the families' prior central values, each
share keeping the aggregate's relative uncertainty. This keeps the weights
factorised by family, so each family is resampled with its own weights and the
effective sample size does not collapse as constraints accumulate; the price is that
the trade-off between families inside an aggregate (one high, another low) is not
used, which leaves the bands wider than a joint conditioning would.

Percentiles are taken over the weighted paths (through a weighted resample); the
effective sample size (sum w)^2 / sum w^2 says how many equally weighted paths the
result is worth.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
from numpy.typing import NDArray

from missilewatch.model.sampling import Range, split_normal_loglik

if TYPE_CHECKING:
    from missilewatch.model.stockflow import StockFlowParams

FloatArray = NDArray[np.float64]

STOCK = "stock"
PRODUCTION = "production"


@dataclass(frozen=True, slots=True)
class Constraint:
    """Evidence about one month: the summed stock or production rate of some families.

    ``month`` is a month index; for a stock it is the stock at the END of that month.
    """

    id: str
    quantity: str
    families: tuple[int, ...]
    month: int
    figure: Range


def constraint_values(
    stock: FloatArray, production: FloatArray, constraint: Constraint
) -> FloatArray:
    """The per-path value a constraint speaks about."""
    index = list(constraint.families)
    if constraint.quantity == STOCK:
        month = min(constraint.month + 1, stock.shape[1] - 1)
        return np.asarray(stock[:, month, index].sum(axis=1), dtype=np.float64)
    month = min(max(constraint.month, 0), production.shape[1] - 1)
    return np.asarray(production[:, month, index].sum(axis=1), dtype=np.float64)


def split_constraint(constraint: Constraint, prior_centrals: Sequence[float]) -> list[Constraint]:
    """One constraint per family, shares in proportion to ``prior_centrals`` (per member)."""
    members = constraint.families
    if len(members) == 1:
        return [constraint]
    centrals = np.maximum(np.asarray(prior_centrals, dtype=np.float64), 0.0)
    shares = (
        centrals / centrals.sum() if centrals.sum() > 0 else np.full(len(members), 1 / len(members))
    )
    figure = constraint.figure
    return [
        Constraint(
            id=f"{constraint.id}#{family}",
            quantity=constraint.quantity,
            families=(family,),
            month=constraint.month,
            figure=Range(figure.low * share, figure.central * share, figure.high * share),
        )
        for family, share in zip(members, shares, strict=True)
    ]


def log_weights(
    stock: FloatArray,
    production: FloatArray,
    shortfall: FloatArray,
    params: StockFlowParams,
) -> FloatArray:
    """Log importance weight per path and family (paths, families), unnormalised.

    Constraints about several families count for the first of them only; split them
    first with :func:`split_constraint` to condition each family.
    """
    paths, families = stock.shape[0], stock.shape[2]
    total = np.zeros((paths, families))
    for constraint in params.constraints:
        values = constraint_values(stock, production, constraint)
        total[:, constraint.families[0]] += split_normal_loglik(values, constraint.figure)
    if params.shortfall_scale is not None:
        history = params.history_months
        missing = shortfall[:, :history, :].sum(axis=1)  # (paths, families)
        total -= missing / params.shortfall_scale[None, :]
    return total


def effective_sample_size(log_weight: FloatArray) -> float:
    """(sum w)^2 / sum w^2."""
    if log_weight.size == 0:
        return 0.0
    w = np.exp(log_weight - np.max(log_weight))
    return float(w.sum() ** 2 / np.sum(w**2))


def weighted_quantiles(values: FloatArray, log_weight: FloatArray, qs: FloatArray) -> FloatArray:
    """Quantiles (qs in [0, 1]) of ``values`` (paths, ...) under the path weights."""
    w = np.exp(log_weight - np.max(log_weight))
    order = np.argsort(values, axis=0)
    sorted_values = np.take_along_axis(values, order, axis=0)
    sorted_w = w[order]
    cumulative = np.cumsum(sorted_w, axis=0)
    cumulative /= cumulative[-1]
    flat_cum = cumulative.reshape(cumulative.shape[0], -1)
    flat_val = sorted_values.reshape(sorted_values.shape[0], -1)
    out = np.empty((len(qs), flat_val.shape[1]))
    for column in range(flat_val.shape[1]):
        positions = np.searchsorted(flat_cum[:, column], qs, side="left")
        positions = np.minimum(positions, flat_val.shape[0] - 1)
        out[:, column] = flat_val[positions, column]
    return out.reshape((len(qs), *values.shape[1:]))
