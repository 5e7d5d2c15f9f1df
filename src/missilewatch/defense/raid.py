"""Monte Carlo of one raid against the defense: leakers, interceptors spent, saturation.

Each path is one independent realisation of the same raid against the same (uncertain)
defense: stocks, fire units and channels are drawn per path from their ranges, the
engaged share per threat family is drawn per path from its Beta, and the engagement
step of :mod:`missilewatch.defense.engagement` serves the raid. Paths are simulated in
chunks, each with its own stream spawned from the root seed, so memory stays bounded
and the numbers depend only on the seed and ``paths``.
"""

from __future__ import annotations

import random
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass

import numpy as np

from missilewatch.defense.engagement import engage
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
    """Per-path outcomes of a raid simulation (int64 arrays of shape (paths,)).

    ``launched[f] == intercepted[f] + leakers[f]`` and ``engaged[f] <= launched[f]``
    on every path; ``spent[t] <= stock[t]`` for every counted interceptor type.
    """

    raid: Mapping[str, int]
    launched: Mapping[str, np.ndarray]
    engaged: Mapping[str, np.ndarray]
    intercepted: Mapping[str, np.ndarray]
    leakers: Mapping[str, np.ndarray]
    spent: Mapping[str, np.ndarray]
    stock: Mapping[str, np.ndarray]
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
    tracked = defense.tracked_names
    pieces: dict[str, dict[str, list[np.ndarray]]] = {
        key: {} for key in ("launched", "engaged", "intercepted", "leakers")
    }
    spent_parts: dict[str, list[np.ndarray]] = {name: [] for name in tracked}
    stock_parts: dict[str, list[np.ndarray]] = {name: [] for name in tracked}
    channel_parts: dict[str, list[np.ndarray]] = {name: [] for name in tracked}
    done = 0
    for chunk, stream in enumerate(streams):
        size = min(CHUNK_PATHS, paths - chunk * CHUNK_PATHS)
        rng = np.random.default_rng(stream)
        stock, channels = draw_defense_state(defense, rng, size, stock_override)
        stock_before = {name: values.copy() for name, values in stock.items()}
        channels_before = {name: values.copy() for name, values in channels.items()}
        counts = {family: np.full(size, raid[family], dtype=np.int64) for family in families}
        shares = {
            family: rng.beta(defense.threats[family].alpha, defense.threats[family].beta, size)
            for family in families
        }
        outcome = engage(counts, shares, stock, channels, defense, rng)
        for family in families:
            pieces["launched"].setdefault(family, []).append(counts[family])
            pieces["engaged"].setdefault(family, []).append(outcome.engaged[family])
            pieces["intercepted"].setdefault(family, []).append(outcome.intercepted[family])
            pieces["leakers"].setdefault(family, []).append(outcome.leakers[family])
        for name in tracked:
            spent_parts[name].append(outcome.spent[name])
            stock_parts[name].append(stock_before[name])
            channel_parts[name].append(channels_before[name])
        done += size
        if progress is not None:
            progress(done, paths)

    def joined(parts: dict[str, list[np.ndarray]]) -> dict[str, np.ndarray]:
        return {key: np.concatenate(values) for key, values in parts.items()}

    return RaidDraws(
        raid=dict(raid),
        launched=joined(pieces["launched"]),
        engaged=joined(pieces["engaged"]),
        intercepted=joined(pieces["intercepted"]),
        leakers=joined(pieces["leakers"]),
        spent=joined(spent_parts),
        stock=joined(stock_parts),
        channels=joined(channel_parts),
    )


def draw_defense_state(
    defense: Defense,
    rng: np.random.Generator,
    size: int,
    stock_override: Mapping[str, float] | None = None,
) -> tuple[dict[str, np.ndarray], dict[str, np.ndarray]]:
    """Stock on hand and engagement channels per raid, per counted type and path."""
    stock: dict[str, np.ndarray] = {}
    channels: dict[str, np.ndarray] = {}
    for name in defense.tracked_names:
        kind = defense.interceptors[name]
        if stock_override and name in stock_override:
            stock[name] = np.full(size, round(stock_override[name]), dtype=np.int64)
        else:
            stock[name] = np.rint(kind.initial_stock.draw(rng, size)).astype(np.int64)
        units = kind.fire_units.draw(rng, size)
        per_unit = kind.engagements_per_unit.draw(rng, size)
        channels[name] = np.rint(units * per_unit).astype(np.int64)
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
    for _ in range(paths):
        stock: dict[str, int] = {}
        channels: dict[str, int] = {}
        for name in defense.tracked_names:
            kind = defense.interceptors[name]
            stock[name] = round(_triangular(generator, kind.initial_stock))
            units = _triangular(generator, kind.fire_units)
            per_unit = _triangular(generator, kind.engagements_per_unit)
            channels[name] = round(units * per_unit)
        used = dict.fromkeys(stock, 0)
        # Every engageable missile of a class, tagged by family, in random order:
        # the vectorized version pools the class's demand in the same way.
        for threat_class in THREAT_CLASSES:
            queue: list[str] = []
            for family, count in raid.items():
                threat = defense.threats[family]
                if threat.weapon_class != threat_class:
                    continue
                share = generator.betavariate(threat.alpha, threat.beta)
                survivors = 0
                for _missile in range(count):
                    if generator.random() < share:
                        queue.append(family)
                    else:
                        survivors += 1
                leakers[family].append(survivors)
            generator.shuffle(queue)
            layers = list(defense.layer_order[threat_class])
            for family in queue:
                destroyed = False
                for name in layers:
                    engagement = defense.interceptors[name].engagements[threat_class]
                    if name in stock:
                        if channels[name] < 1 or stock[name] < engagement.shots_per_target:
                            continue
                        channels[name] -= 1
                        stock[name] -= engagement.shots_per_target
                        used[name] += engagement.shots_per_target
                    destroyed = generator.random() < engagement.target_kill_probability
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
