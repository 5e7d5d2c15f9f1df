"""Monte Carlo of one raid against the defense: leakers, interceptors spent, saturation.

Each path is one independent realisation of the same raid against the same (uncertain)
defense: stocks, fire units, channels, shots per target and kill probabilities are drawn
per path from their ranges, the engaged share per threat family is drawn per path from
its Beta, and the engagement step of :mod:`missilewatch.defense.engagement` serves the
raid. Paths are simulated in
chunks, each with its own stream spawned from the root seed, so memory stays bounded
and the numbers depend only on the seed and ``paths``.
"""

from __future__ import annotations

import math
import random
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass

import numpy as np

from missilewatch.defense.engagement import (
    MAX_ENGAGED_SHARE,
    PathParameters,
    draw_path_parameters,
    engage,
    path_share_mean,
)
from missilewatch.defense.params import THREAT_CLASSES, Defense, Spread
from missilewatch.errors import InputError, ParameterError

#: Paths per chunk: large enough for NumPy to be efficient, small enough for the cache.
CHUNK_PATHS = 1 << 17

_ITEM = re.compile(r"^\s*(?P<name>[^=]+?)\s*=\s*(?P<count>[^=]*?)\s*$")


def parse_raid(text: str) -> dict[str, int]:
    """Parse ``"Iskander-M=40,Kinzhal=10"`` into ``{"Iskander-M": 40, "Kinzhal": 10}``.

    Raises:
        InputError: a malformed item, a count that is not a whole number >= 0, a name
            given twice, or a raid with no missiles.
    """
    if not text.strip():
        raise InputError("raid: empty; give e.g. --raid 'Iskander-M=40,Kinzhal=10'")
    raid: dict[str, int] = {}
    for position, item in enumerate(text.split(","), start=1):
        match = _ITEM.match(item)
        if match is None or not match.group("name"):
            raise InputError(
                f"raid: item {position} {item.strip()!r} is not NAME=COUNT "
                "(e.g. 'Iskander-M=40,Kinzhal=10')"
            )
        name, count_text = match.group("name"), match.group("count")
        if not count_text.isdigit():
            raise InputError(
                f"raid: item {position} {name!r}: count {count_text!r} is not a whole number >= 0"
            )
        if name in raid:
            raise InputError(f"raid: item {position}: {name!r} is given twice")
        raid[name] = int(count_text)
    check_raid(raid)
    return raid


def check_raid(raid: Mapping[str, int]) -> None:
    """Raise if a count is negative or not whole, or if the raid has no missiles."""
    for name, count in raid.items():
        if isinstance(count, bool) or int(count) != count or count < 0:
            raise ParameterError(f"raid: {name!r}: count must be a whole number >= 0, got {count}")
    if sum(raid.values()) <= 0:
        raise ParameterError("raid: no missiles (every count is 0)")


@dataclass(frozen=True, slots=True)
class RaidDraws:
    """Per-path outcomes of a raid simulation (arrays of shape (paths,)).

    ``launched[f] == intercepted[f] + leakers[f]`` and ``engaged[f] <= launched[f]``
    on every path; ``spent[t] <= stock[t]`` for every counted interceptor type; the
    targets of a fire system's types together never exceed ``channels[system]``.

    Attributes:
        launched, engaged, intercepted, leakers: threat family -> int64 counts.
        spent: counted type -> interceptors fired (int64).
        targets: counted type -> targets it engaged (int64).
        stock: counted type -> interceptors on hand before the raid (int64).
        stock_short: counted type -> True where the type could not fire one more salvo
            for lack of stock while its fire system still had free channels (bool).
        channels: fire system -> targets its types could engage in the raid (int64).
    """

    raid: Mapping[str, int]
    launched: Mapping[str, np.ndarray]
    engaged: Mapping[str, np.ndarray]
    intercepted: Mapping[str, np.ndarray]
    leakers: Mapping[str, np.ndarray]
    spent: Mapping[str, np.ndarray]
    targets: Mapping[str, np.ndarray]
    stock: Mapping[str, np.ndarray]
    stock_short: Mapping[str, np.ndarray]
    channels: Mapping[str, np.ndarray]

    @property
    def paths(self) -> int:
        return len(next(iter(self.leakers.values())))


def simulate_raid(
    raid: Mapping[str, int],
    defense: Defense,
    *,
    paths: int,
    seed: int | np.random.SeedSequence,
    stock_override: Mapping[str, float] | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> RaidDraws:
    """Simulate ``paths`` independent realisations of ``raid`` against ``defense``.

    Args:
        raid: threat family -> missiles (see :func:`parse_raid`).
        defense: the frozen defense parameters.
        paths: number of Monte Carlo paths (>= 1).
        seed: root seed or SeedSequence; chunk streams are spawned from it.
        stock_override: counted type -> fixed stock on hand (instead of the drawn one).
        progress: called as ``progress(done_paths, total_paths)`` after each chunk.
    """
    check_raid(raid)
    if paths < 1:
        raise ParameterError(f"paths: must be at least 1, got {paths}")
    for family in raid:
        defense.threat(family)
    if stock_override:
        defense.check_names(stock_override)
        for name, value in stock_override.items():
            if value < 0:
                raise ParameterError(f"stock of {name!r}: must not be negative, got {value:g}")

    root = seed if isinstance(seed, np.random.SeedSequence) else np.random.SeedSequence(seed)
    chunks = -(-paths // CHUNK_PATHS)
    streams = root.spawn(chunks)
    families = [family for family in raid]
    classes = {defense.threats[family].weapon_class for family in families}
    tracked = defense.tracked_names
    systems = list(defense.fire_systems)

    # Results are written chunk by chunk into arrays of the final size: no list of
    # chunks is kept next to the joined result, so peak memory stays at one copy.
    def table(names: list[str] | tuple[str, ...], dtype: type = np.int64) -> dict[str, np.ndarray]:
        return {name: np.empty(paths, dtype=dtype) for name in names}

    launched, engaged, intercepted, leakers = (table(families) for _ in range(4))
    spent, targets, stock_before = (table(tracked) for _ in range(3))
    stock_short = table(tracked, bool)
    channels_before = table(systems)

    done = 0
    for chunk, stream in enumerate(streams):
        size = min(CHUNK_PATHS, paths - chunk * CHUNK_PATHS)
        rows = slice(done, done + size)
        rng = np.random.default_rng(stream)
        stock, channels = draw_defense_state(defense, rng, size, stock_override)
        parameters = draw_path_parameters(defense, rng, size, classes)
        for name in tracked:
            stock_before[name][rows] = stock[name]
        for system in systems:
            channels_before[system][rows] = channels[system]
        counts = {family: np.full(size, raid[family], dtype=np.int64) for family in families}
        shares = {
            family: _draw_share(defense, family, parameters, rng, size) for family in families
        }
        outcome = engage(counts, shares, stock, channels, defense, parameters, rng)
        for family in families:
            launched[family][rows] = counts[family]
            engaged[family][rows] = outcome.engaged[family]
            intercepted[family][rows] = outcome.intercepted[family]
            leakers[family][rows] = outcome.leakers[family]
        for name in tracked:
            salvos = [
                parameters.shots[(name, threat_class)]
                for threat_class in defense.interceptors[name].engagements
                if (name, threat_class) in parameters.shots
            ]
            # A type that engages none of the raid's classes is never short of stock.
            smallest_salvo = np.min(salvos, axis=0) if salvos else np.zeros(size, np.int64)
            # Short of stock: what is left cannot fire one more salvo although the
            # type's fire system still had free channels at the end of the raid.
            short = (stock[name] < smallest_salvo) & (channels[defense.system_of(name)] > 0)
            spent[name][rows] = outcome.spent[name]
            targets[name][rows] = outcome.targets[name]
            stock_short[name][rows] = short
        done += size
        if progress is not None:
            progress(done, paths)

    return RaidDraws(
        raid=dict(raid),
        launched=launched,
        engaged=engaged,
        intercepted=intercepted,
        leakers=leakers,
        spent=spent,
        targets=targets,
        stock=stock_before,
        stock_short=stock_short,
        channels=channels_before,
    )


def _draw_share(
    defense: Defense,
    family: str,
    parameters: PathParameters,
    rng: np.random.Generator,
    size: int,
) -> np.ndarray:
    """One raid's engaged share per path: Beta with the path's rescaled mean."""
    threat = defense.threats[family]
    mean = path_share_mean(defense, family, parameters)
    alpha = np.maximum(mean * threat.concentration, 1e-9)
    beta = np.maximum((1.0 - mean) * threat.concentration, 1e-9)
    return rng.beta(alpha, beta, size)


def draw_defense_state(
    defense: Defense,
    rng: np.random.Generator,
    size: int,
    stock_override: Mapping[str, float] | None = None,
) -> tuple[dict[str, np.ndarray], dict[str, np.ndarray]]:
    """Stock on hand per counted type and engagement channels per fire system, per path."""
    stock: dict[str, np.ndarray] = {}
    channels: dict[str, np.ndarray] = {}
    for name in defense.tracked_names:
        kind = defense.interceptors[name]
        if stock_override and name in stock_override:
            stock[name] = np.full(size, round(stock_override[name]), dtype=np.int64)
        else:
            stock[name] = np.rint(kind.initial_stock.draw(rng, size)).astype(np.int64)
    for system_name, system in defense.fire_systems.items():
        units = system.fire_units.draw(rng, size)
        per_unit = system.engagements_per_unit.draw(rng, size)
        channels[system_name] = np.rint(units * per_unit).astype(np.int64)
    return stock, channels


def saturation_factors(raid_size: int) -> list[float]:
    """Raid scale factors for the saturation curve: a quarter of the raid to eight times."""
    base = [0.25, 0.5, 0.75, 1.0, 1.5, 2.0, 3.0, 4.0, 6.0, 8.0]
    return [factor for factor in base if round(raid_size * factor) >= 1]


def scale_raid(raid: Mapping[str, int], factor: float) -> dict[str, int]:
    """The same raid mix with every count multiplied by ``factor`` (rounded)."""
    return {family: round(count * factor) for family, count in raid.items()}


def simulate_raid_reference(
    raid: Mapping[str, int], defense: Defense, *, paths: int, seed: int
) -> dict[str, list[int]]:
    """The same model as :func:`simulate_raid`, one missile at a time in plain Python.

    Used by the benchmark as a baseline and by the tests to check the vectorized
    version against an independent implementation. Returns leakers per family and
    interceptors spent per counted type, one list entry per path.
    """
    check_raid(raid)
    generator = random.Random(seed)
    leakers: dict[str, list[int]] = {family: [] for family in raid}
    spent: dict[str, list[int]] = {name: [] for name in defense.tracked_names}
    # Looked up once, so the baseline times the model and not the lookups.
    systems = dict(defense.fire_systems)
    system_of = {name: defense.system_of(name) for name in defense.tracked_names}
    for _ in range(paths):
        stock: dict[str, int] = {}
        for name in defense.tracked_names:
            stock[name] = round(_triangular(generator, defense.interceptors[name].initial_stock))
        # One pool of channels per fire system, shared by the types it fires.
        channels: dict[str, int] = {}
        for system_name, system in systems.items():
            units = _triangular(generator, system.fire_units)
            per_unit = _triangular(generator, system.engagements_per_unit)
            channels[system_name] = round(units * per_unit)
        shots: dict[tuple[str, str], int] = {}
        kill: dict[tuple[str, str], float] = {}
        for name, kind in defense.interceptors.items():
            for threat_class, engagement in kind.engagements.items():
                drawn = _triangular(generator, engagement.shots)
                whole = math.floor(drawn)
                count = max(1, whole + (1 if generator.random() < drawn - whole else 0))
                single = _triangular(generator, engagement.kill)
                shots[(name, threat_class)] = count
                kill[(name, threat_class)] = 1.0 - (1.0 - single) ** count
        used = dict.fromkeys(stock, 0)
        # Every engageable missile of a class, tagged by family, in random order:
        # the vectorized version pools the class's demand in the same way.
        for threat_class in THREAT_CLASSES:
            layers = list(defense.layer_order[threat_class])
            scale = 1.0
            if layers:
                central = (
                    defense.interceptors[layers[0]]
                    .engagements[threat_class]
                    .target_kill_probability
                )
                path_kill = kill[(layers[0], threat_class)]
                scale = central / path_kill if path_kill > 0 else 1.0
            queue: list[str] = []
            for family, count in raid.items():
                threat = defense.threats[family]
                if threat.weapon_class != threat_class:
                    continue
                mean = min(threat.mean * scale, MAX_ENGAGED_SHARE)
                share = generator.betavariate(
                    max(mean * threat.concentration, 1e-9),
                    max((1.0 - mean) * threat.concentration, 1e-9),
                )
                survivors = 0
                for _missile in range(count):
                    if generator.random() < share:
                        queue.append(family)
                    else:
                        survivors += 1
                leakers[family].append(survivors)
            generator.shuffle(queue)
            for family in queue:
                destroyed = False
                for name in layers:
                    salvo = shots[(name, threat_class)]
                    if name in stock:
                        pool = system_of[name]
                        if channels[pool] < 1 or stock[name] < salvo:
                            continue
                        channels[pool] -= 1
                        stock[name] -= salvo
                        used[name] += salvo
                    destroyed = generator.random() < kill[(name, threat_class)]
                    break
                if not destroyed:
                    leakers[family][-1] += 1
        for name, count in used.items():
            spent[name].append(count)
    return {**{f"leakers:{k}": v for k, v in leakers.items()}, **spent}


def _triangular(generator: random.Random, spread: Spread) -> float:
    if spread.low == spread.high:
        return float(spread.low)
    return generator.triangular(spread.low, spread.high, spread.central)
