"""One engagement step, vectorized over Monte Carlo paths.

A step is one raid (or, in the campaign, one month of raids served together). For each
threat class in :data:`~missilewatch.defense.params.THREAT_CLASSES` order:

1. each family's engaged demand is ``Binomial(missiles, engaged_share)``: the missiles
   that come within reach of an engaging layer;
2. the class's layers take targets in their doctrine order; a counted layer takes at most
   ``min(channels left, stock // shots per target)`` targets and fires the doctrine's
   number of shots at each; the rest of the demand passes to the next layer;
3. which families' targets a layer takes is drawn without replacement from the class's
   pooled demand (hypergeometric), so no family gets priority by its position;
4. each engaged target is destroyed with ``1 - (1 - pk) ** shots`` (binomial).

Everything is a count per path, so the cost does not grow with the number of missiles.
A layer does not re-engage targets another layer missed (a stated simplification).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

import numpy as np

from missilewatch.defense.params import BALLISTIC_CLASSES, THREAT_CLASSES, Defense

#: Stands in for "no limit" on channels or stock of an untracked layer.
_UNLIMITED = np.iinfo(np.int64).max // 4


@dataclass(slots=True)
class StepOutcome:
    """Counts per path for one step (all int64 arrays of shape (paths,))."""

    engaged: dict[str, np.ndarray]
    intercepted: dict[str, np.ndarray]
    leakers: dict[str, np.ndarray]
    #: Counted interceptors fired, by type.
    spent: dict[str, np.ndarray]
    #: Engaged demand of ballistic-capable classes that the stock could not serve at the
    #: doctrine's shots per target (channels aside): > 0 means the stock fell short.
    ballistic_stock_shortfall: np.ndarray


def engage(
    counts: Mapping[str, np.ndarray],
    engaged_share: Mapping[str, np.ndarray],
    stock: dict[str, np.ndarray],
    channels: dict[str, np.ndarray],
    defense: Defense,
    rng: np.random.Generator,
) -> StepOutcome:
    """Serve one step; ``stock`` and ``channels`` (counted types only) are decremented in place.

    Args:
        counts: threat family -> missiles per path (int64).
        engaged_share: threat family -> per-path probability that a missile is engageable.
        stock: counted interceptor type -> interceptors on hand per path (int64).
        channels: counted interceptor type -> targets it can still engage this step.
        defense: the frozen defense parameters.
        rng: the random stream.
    """
    paths = len(next(iter(counts.values())))
    zeros = np.zeros(paths, dtype=np.int64)
    engaged = {family: zeros.copy() for family in counts}
    intercepted = {family: zeros.copy() for family in counts}
    spent = {name: zeros.copy() for name in stock}
    shortfall = zeros.copy()

    by_class: dict[str, list[str]] = {}
    for family in counts:
        by_class.setdefault(defense.threat(family).weapon_class, []).append(family)

    for threat_class in THREAT_CLASSES:
        families = by_class.get(threat_class)
        if not families:
            continue
        demand = {
            family: _binomial(rng, counts[family], engaged_share[family]) for family in families
        }
        if threat_class in BALLISTIC_CLASSES:
            total = _sum(demand.values(), zeros)
            serviceable = zeros.copy()
            for name in defense.layer_order[threat_class]:
                if name in stock:
                    shots = defense.interceptors[name].engagements[threat_class].shots_per_target
                    serviceable += stock[name] // shots
                else:
                    serviceable += _UNLIMITED
            shortfall += np.maximum(total - serviceable, 0)
        for name in defense.layer_order[threat_class]:
            kind = defense.interceptors[name]
            engagement = kind.engagements[threat_class]
            pooled = _sum(demand.values(), zeros)
            if not pooled.any():
                break
            if name in stock:
                capacity = np.minimum(channels[name], stock[name] // engagement.shots_per_target)
                taken = np.minimum(pooled, capacity)
                channels[name] -= taken
                fired = taken * engagement.shots_per_target
                stock[name] -= fired
                spent[name] += fired
            else:
                taken = pooled
            shares = _split(rng, taken, [demand[f] for f in families], pooled)
            for family, share in zip(families, shares, strict=True):
                demand[family] = demand[family] - share
                engaged[family] += share
                intercepted[family] += _binomial_scalar(
                    rng, share, engagement.target_kill_probability
                )

    leakers = {family: counts[family] - intercepted[family] for family in counts}
    return StepOutcome(engaged, intercepted, leakers, spent, shortfall)


def _sum(arrays: Iterable[np.ndarray], start: np.ndarray) -> np.ndarray:
    total = start.copy()
    for array in arrays:
        total += array
    return total


def _binomial(rng: np.random.Generator, n: np.ndarray, p: np.ndarray) -> np.ndarray:
    if not n.any():
        return np.zeros_like(n)
    return rng.binomial(n, np.clip(p, 0.0, 1.0)).astype(np.int64, copy=False)


def _binomial_scalar(rng: np.random.Generator, n: np.ndarray, p: float) -> np.ndarray:
    if p >= 1.0 or not n.any():
        return n.copy() if p >= 1.0 else np.zeros_like(n)
    if p <= 0.0:
        return np.zeros_like(n)
    return rng.binomial(n, p).astype(np.int64, copy=False)


def _split(
    rng: np.random.Generator, taken: np.ndarray, parts: list[np.ndarray], pooled: np.ndarray
) -> list[np.ndarray]:
    """Divide ``taken`` targets among ``parts`` (summing to ``pooled``) without replacement."""
    if len(parts) == 1:
        return [taken.copy()]
    shares: list[np.ndarray] = []
    remaining_pool = pooled.copy()
    remaining_taken = taken.copy()
    for part in parts[:-1]:
        others = remaining_pool - part
        if remaining_taken.any():
            share = rng.hypergeometric(
                np.maximum(part, 0), np.maximum(others, 0), remaining_taken
            ).astype(np.int64, copy=False)
        else:
            share = np.zeros_like(part)
        shares.append(share)
        remaining_pool = others
        remaining_taken = remaining_taken - share
    shares.append(remaining_taken)
    return shares
