"""One engagement step, vectorized over Monte Carlo paths.

A step is one raid (or, in the campaign, one month of raids served together). For each
threat class in :data:`~missilewatch.defense.params.THREAT_CLASSES` order:

1. each family's engaged demand is ``Binomial(missiles, engaged_share)``: the missiles
   that come within reach of an engaging layer;
2. the class's layers take targets in their doctrine order; a counted layer takes at most
   ``min(channels left in its fire system, stock // shots per target)`` targets and fires
   the doctrine's number of shots at each; the rest of the demand passes to the next
   layer. Channels are per fire system: PAC-3 MSE and PAC-2 GEM-T draw on the same
   Patriot channels;
3. which families' targets a layer takes is drawn without replacement from the class's
   pooled demand (hypergeometric), so no family gets priority by its position;
4. each engaged target is destroyed with ``1 - (1 - pk) ** shots`` (binomial).

Shots per target and kill probabilities are drawn once per path
(:func:`draw_path_parameters`), like stocks and channels: they are uncertain parameters,
not raid-to-raid variation. Everything is a count per path, so the cost does not grow
with the number of missiles. A layer does not re-engage targets another layer missed (a
stated simplification).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

import numpy as np

from missilewatch.defense.params import BALLISTIC_CLASSES, THREAT_CLASSES, Defense

#: Stands in for "no limit" on channels or stock of an untracked layer.
_UNLIMITED = np.iinfo(np.int64).max // 4
#: Highest engaged share allowed after rescaling: keeps every threat's Beta proper.
MAX_ENGAGED_SHARE = 0.995


@dataclass(frozen=True, slots=True)
class PathParameters:
    """Doctrine and effectiveness drawn once per path, per (interceptor type, class).

    Attributes:
        shots: interceptors fired per engaged target (int64, >= 1).
        kill: probability that an engaged target is destroyed by those shots,
            ``1 - (1 - pk) ** shots`` with the path's single-shot ``pk`` (float64).
        exposure_scale: threat class -> factor on the engaged share's mean, so that the
            class's first layer still achieves the ledger's intercept rate on every path
            (a path with a higher kill probability needs fewer missiles within reach).
    """

    shots: dict[tuple[str, str], np.ndarray]
    kill: dict[tuple[str, str], np.ndarray]
    exposure_scale: dict[str, np.ndarray]


def draw_path_parameters(
    defense: Defense,
    rng: np.random.Generator,
    size: int,
    classes: Iterable[str] | None = None,
) -> PathParameters:
    """Draw shots per target and kill probabilities per path from their ranges.

    ``classes`` limits the draws to the threat classes that will be served (all of
    them by default): drawing for engagements that cannot happen would only cost time.
    """
    wanted = set(THREAT_CLASSES if classes is None else classes)
    shots: dict[tuple[str, str], np.ndarray] = {}
    kill: dict[tuple[str, str], np.ndarray] = {}
    for name, kind in defense.interceptors.items():
        for threat_class, engagement in kind.engagements.items():
            if threat_class not in wanted:
                continue
            path_shots = np.maximum(engagement.shots.draw_whole(rng, size), 1)
            single = engagement.kill.draw(rng, size)
            shots[(name, threat_class)] = path_shots
            kill[(name, threat_class)] = 1.0 - (1.0 - single) ** path_shots
    exposure_scale: dict[str, np.ndarray] = {}
    for threat_class, layers in defense.layer_order.items():
        if not layers or threat_class not in wanted:
            continue
        first = layers[0]
        central = defense.interceptors[first].engagements[threat_class].target_kill_probability
        path_kill = kill[(first, threat_class)]
        with np.errstate(divide="ignore", invalid="ignore"):
            exposure_scale[threat_class] = np.where(path_kill > 0, central / path_kill, 1.0)
    return PathParameters(shots, kill, exposure_scale)


def path_share_mean(defense: Defense, family: str, parameters: PathParameters) -> np.ndarray:
    """Mean engaged share of ``family`` per path: the calibrated mean, rescaled."""
    threat = defense.threat(family)
    scale = parameters.exposure_scale.get(threat.weapon_class)
    if scale is None:
        return np.full((), threat.mean)
    return np.minimum(threat.mean * scale, MAX_ENGAGED_SHARE)


@dataclass(slots=True)
class StepOutcome:
    """Counts per path for one step (all int64 arrays of shape (paths,))."""

    engaged: dict[str, np.ndarray]
    intercepted: dict[str, np.ndarray]
    leakers: dict[str, np.ndarray]
    #: Counted interceptors fired, by type.
    spent: dict[str, np.ndarray]
    #: Targets engaged by each counted type (each used one channel of its fire system).
    targets: dict[str, np.ndarray]
    #: Engaged demand of ballistic-capable classes that the stock could not serve at the
    #: doctrine's shots per target (channels aside): > 0 means the stock fell short.
    ballistic_stock_shortfall: np.ndarray


def engage(
    counts: Mapping[str, np.ndarray],
    engaged_share: Mapping[str, np.ndarray],
    stock: dict[str, np.ndarray],
    channels: dict[str, np.ndarray],
    defense: Defense,
    parameters: PathParameters,
    rng: np.random.Generator,
) -> StepOutcome:
    """Serve one step; ``stock`` and ``channels`` are decremented in place.

    Args:
        counts: threat family -> missiles per path (int64).
        engaged_share: threat family -> per-path probability that a missile is engageable.
        stock: counted interceptor type -> interceptors on hand per path (int64).
        channels: fire system -> targets its types together can still engage this step.
        defense: the frozen defense parameters.
        parameters: the per-path shots per target and kill probabilities.
        rng: the random stream.
    """
    paths = len(next(iter(counts.values())))
    zeros = np.zeros(paths, dtype=np.int64)
    engaged = {family: zeros.copy() for family in counts}
    intercepted = {family: zeros.copy() for family in counts}
    spent = {name: zeros.copy() for name in stock}
    targets = {name: zeros.copy() for name in stock}
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
                    serviceable += stock[name] // parameters.shots[(name, threat_class)]
                else:
                    serviceable += _UNLIMITED
            shortfall += np.maximum(total - serviceable, 0)
        for name in defense.layer_order[threat_class]:
            pooled = _sum(demand.values(), zeros)
            if not pooled.any():
                break
            shots = parameters.shots[(name, threat_class)]
            if name in stock:
                system = defense.system_of(name)
                capacity = np.minimum(channels[system], stock[name] // shots)
                taken = np.minimum(pooled, capacity)
                channels[system] -= taken
                fired = taken * shots
                stock[name] -= fired
                spent[name] += fired
                targets[name] += taken
            else:
                taken = pooled
            kill = parameters.kill[(name, threat_class)]
            shares = _split(rng, taken, [demand[f] for f in families], pooled)
            for family, share in zip(families, shares, strict=True):
                demand[family] = demand[family] - share
                engaged[family] += share
                intercepted[family] += _binomial(rng, share, kill)

    leakers = {family: counts[family] - intercepted[family] for family in counts}
    return StepOutcome(engaged, intercepted, leakers, spent, targets, shortfall)


def _sum(arrays: Iterable[np.ndarray], start: np.ndarray) -> np.ndarray:
    total = start.copy()
    for array in arrays:
        total += array
    return total


def _binomial(rng: np.random.Generator, n: np.ndarray, p: np.ndarray) -> np.ndarray:
    if not n.any():
        return np.zeros_like(n)
    return rng.binomial(n, np.clip(p, 0.0, 1.0)).astype(np.int64, copy=False)


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
