"""Frozen parameters of the air-defense model: interceptor types, threats, doctrine.

Everything here is plain data checked on construction. The glue in
``missilewatch.views.defense`` builds these objects from the estimates records and the
ledger's calibration; the simulators in :mod:`missilewatch.defense.raid` and
:mod:`missilewatch.defense.campaign` read only them.

Uncertain numbers are :class:`Spread` triples (low, central, high); each simulated path
draws its own value from a triangular distribution over that range (the sampler of the
stock-flow engine, :func:`missilewatch.model.sampling.triangular_quantile`).

Engagement channels belong to a :class:`FireSystem` (Patriot, SAMP/T, NASAMS, IRIS-T
SLM), not to a missile type: PAC-3 MSE and PAC-2 GEM-T are fired from the same Patriot
batteries and share their channels.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Final

import numpy as np

from missilewatch.errors import ParameterError, UnknownNameError
from missilewatch.model.sampling import triangular_quantile
from missilewatch.names import unknown_name

#: Threat classes the model engages, in the order a raid is served: ballistic-capable
#: interceptors are kept for the fastest threats first, then cruise, then drones.
THREAT_CLASSES: Final = (
    "ballistic",
    "aeroballistic",
    "sam-ground",
    "anti-ship",
    "cruise",
    "attack-uav",
)
#: Classes whose targets only ballistic-capable interceptors can engage; the depletion
#: date is about these.
BALLISTIC_CLASSES: Final = frozenset({"ballistic", "aeroballistic"})


def _frozen_map(items: Mapping[str, object] | None = None) -> Mapping[str, object]:
    return MappingProxyType(dict(items or {}))


@dataclass(frozen=True, slots=True)
class Spread:
    """An uncertain non-negative number: ``low <= central <= high``."""

    low: float
    central: float
    high: float

    @classmethod
    def exact(cls, value: float) -> Spread:
        return cls(value, value, value)

    def check(self, what: str, *, upper: float | None = None) -> None:
        """Raise :class:`ParameterError` naming ``what`` if the triple is not valid."""
        values = (self.low, self.central, self.high)
        if any(not math.isfinite(v) for v in values):
            raise ParameterError(f"{what}: values must be finite numbers, got {values}")
        if self.low < 0:
            raise ParameterError(f"{what}: must not be negative (low = {self.low:g})")
        if upper is not None and self.high > upper:
            raise ParameterError(f"{what}: must lie in [0, {upper:g}] (high = {self.high:g})")
        if not self.low <= self.central <= self.high:
            raise ParameterError(
                f"{what}: needs low <= central <= high, got "
                f"{self.low:g} / {self.central:g} / {self.high:g}"
            )

    def draw(self, rng: np.random.Generator, size: int) -> np.ndarray:
        """One value per path (float64), triangular over [low, high] with mode ``central``.

        A point value (low == high) draws no random numbers, so fixing one figure does
        not shift the streams of the others.
        """
        if self.low == self.high:
            return np.full(size, self.low, dtype=np.float64)
        low, central, high = (
            np.full(1, value, dtype=np.float64) for value in (self.low, self.central, self.high)
        )
        return triangular_quantile(rng.random(size), low, central, high)

    def draw_whole(self, rng: np.random.Generator, size: int) -> np.ndarray:
        """One whole number per path (int64): a triangular draw, rounded at random.

        ``floor(x)`` plus one with probability ``x - floor(x)`` keeps the mean of the
        triangular distribution (rounding to the nearest whole number would not: for
        2 / 2 / 3 shots it would give a mean of 2.25 instead of 2.33).
        """
        if self.low == self.high and float(self.low).is_integer():
            return np.full(size, int(self.low), dtype=np.int64)
        values = self.draw(rng, size)
        whole = np.floor(values)
        return (whole + (rng.random(size) < values - whole)).astype(np.int64)


#: Zero, exactly: the default for the counts of an untracked layer.
NONE: Final = Spread(0.0, 0.0, 0.0)


@dataclass(frozen=True, slots=True)
class Engagement:
    """How one interceptor type engages one threat class.

    Attributes:
        kill_probability: single-shot probability of destroying an engaged target; a
            number, or a :class:`Spread` drawn per path.
        shots_per_target: interceptors fired at each engaged target (doctrine); a whole
            number, or a :class:`Spread` drawn per path and rounded at random
            (:meth:`Spread.draw_whole`).
    """

    kill_probability: float | Spread
    shots_per_target: int | Spread

    @property
    def kill(self) -> Spread:
        """The single-shot kill probability as a range (a point range for a number)."""
        value = self.kill_probability
        return value if isinstance(value, Spread) else Spread.exact(float(value))

    @property
    def shots(self) -> Spread:
        """Shots per target as a range (a point range for a number)."""
        value = self.shots_per_target
        return value if isinstance(value, Spread) else Spread.exact(float(value))

    @property
    def central_shots(self) -> int:
        """The doctrine's central number of shots per target, at least one."""
        return max(1, round(self.shots.central))

    @property
    def target_kill_probability(self) -> float:
        """Probability that at least one shot of the central doctrine destroys the target."""
        return 1.0 - (1.0 - self.kill.central) ** self.central_shots


@dataclass(frozen=True, slots=True)
class FireSystem:
    """A system whose fire units launch one or more counted interceptor types.

    The channels (``fire_units x engagements_per_unit``, drawn per path) cap the targets
    that all of the system's interceptor types together can engage in one raid.

    Attributes:
        name: e.g. ``"Patriot"``.
        fire_units: batteries or launch units in service.
        engagements_per_unit: targets one fire unit can engage in one raid.
    """

    name: str
    fire_units: Spread
    engagements_per_unit: Spread

    def __post_init__(self) -> None:
        if not self.name.strip():
            raise ParameterError("fire system: the name must not be empty")
        self.fire_units.check(f"fire system {self.name!r}: fire units")
        self.engagements_per_unit.check(f"fire system {self.name!r}: engagements per unit")


@dataclass(frozen=True, slots=True)
class InterceptorType:
    """One interceptor type on Ukraine's side (or an untracked layer of other means).

    Attributes:
        name: e.g. ``"PAC-3 MSE"``.
        engagements: threat class -> :class:`Engagement`; the classes it can engage.
        tracked: False for a layer not limited by a counted stock (mobile fire groups,
            guns, electronic warfare, aircraft); it has no stock, channels or deliveries.
        initial_stock: interceptors on hand at the start.
        deliveries_per_month: interceptors arriving each month.
        fire_system: the system that fires this type; its channels are shared with the
            system's other types. Required for a counted type.
    """

    name: str
    engagements: Mapping[str, Engagement]
    tracked: bool = True
    initial_stock: Spread = NONE
    deliveries_per_month: Spread = NONE
    fire_system: FireSystem | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "engagements", _frozen_map(self.engagements))
        for threat_class, engagement in self.engagements.items():
            if threat_class not in THREAT_CLASSES:
                raise UnknownNameError(
                    f"interceptor {self.name!r}: unknown threat class {threat_class!r} "
                    f"(known: {', '.join(THREAT_CLASSES)})"
                )
            where = f"interceptor {self.name!r} vs {threat_class}"
            kill, shots = engagement.kill, engagement.shots
            for value in (kill.low, kill.central, kill.high):
                if not (math.isfinite(value) and 0.0 <= value <= 1.0):
                    raise ParameterError(
                        f"{where}: kill probability must lie in [0, 1], got {value:g}"
                    )
            kill.check(f"{where}: kill probability", upper=1.0)
            if not (math.isfinite(shots.low) and shots.low >= 1):
                raise ParameterError(
                    f"{where}: shots per target must be at least 1, got {shots.low:g}"
                )
            shots.check(f"{where}: shots per target")
        self.initial_stock.check(f"interceptor {self.name!r}: initial stock")
        self.deliveries_per_month.check(f"interceptor {self.name!r}: deliveries per month")
        if self.tracked and self.fire_system is None:
            raise ParameterError(
                f"interceptor {self.name!r}: a counted type needs a fire system "
                "(the launchers whose channels it uses)"
            )


@dataclass(frozen=True, slots=True)
class ThreatExposure:
    """How often a threat family's missiles come within reach of an engaging layer.

    Per raid, the share of a family's missiles that the defense engages is drawn from
    Beta(mean, concentration): this per-raid draw carries the over-dispersion seen in the
    ledger (most ballistic raids see no intercept at all, a few see most intercepted).
    It is derived from the beta-binomial fit of the ledger's intercepts, divided by the
    kill probability of the class's first layer at its central doctrine; the simulators
    rescale the mean per path for the path's drawn doctrine
    (:func:`missilewatch.defense.engagement.path_share_mean`, docs/defense.md).
    """

    family: str
    weapon_class: str
    mean: float
    concentration: float

    def __post_init__(self) -> None:
        if self.weapon_class not in THREAT_CLASSES:
            raise UnknownNameError(
                f"threat {self.family!r}: class {self.weapon_class!r} is not engaged by the "
                f"model (engaged classes: {', '.join(THREAT_CLASSES)})"
            )
        if not (math.isfinite(self.mean) and 0.0 <= self.mean <= 1.0):
            raise ParameterError(
                f"threat {self.family!r}: engaged share must lie in [0, 1], got {self.mean:g}"
            )
        if not (math.isfinite(self.concentration) and self.concentration > 0):
            raise ParameterError(
                f"threat {self.family!r}: concentration must be positive, "
                f"got {self.concentration:g}"
            )

    @property
    def alpha(self) -> float:
        return max(self.mean * self.concentration, 1e-9)

    @property
    def beta(self) -> float:
        return max((1.0 - self.mean) * self.concentration, 1e-9)


@dataclass(frozen=True, slots=True)
class Defense:
    """The whole defense: interceptor types, threats and the order layers are used in.

    Attributes:
        interceptors: the types, by name.
        threats: threat family -> :class:`ThreatExposure`.
        layer_order: threat class -> interceptor names in the order they take targets
            (the cheapest capable layer first is the usual doctrine; see the data file).
    """

    interceptors: Mapping[str, InterceptorType]
    threats: Mapping[str, ThreatExposure]
    layer_order: Mapping[str, tuple[str, ...]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        object.__setattr__(self, "interceptors", _frozen_map(self.interceptors))
        object.__setattr__(self, "threats", _frozen_map(self.threats))
        order: dict[str, tuple[str, ...]] = {}
        for threat_class in THREAT_CLASSES:
            given = tuple(self.layer_order.get(threat_class, ()))
            for name in given:
                if name not in self.interceptors:
                    raise UnknownNameError(
                        f"layer order for {threat_class}: unknown interceptor {name!r} "
                        f"(known: {', '.join(sorted(self.interceptors))})"
                    )
                if threat_class not in self.interceptors[name].engagements:
                    raise ParameterError(
                        f"layer order for {threat_class}: {name!r} has no engagement "
                        f"data for {threat_class}"
                    )
            # Types that engage the class but were not ordered come last, by name.
            rest = sorted(
                name
                for name, kind in self.interceptors.items()
                if threat_class in kind.engagements and name not in given
            )
            order[threat_class] = given + tuple(rest)
        for name in self.layer_order:
            if name not in THREAT_CLASSES:
                raise UnknownNameError(
                    f"layer order: unknown threat class {name!r} "
                    f"(known: {', '.join(THREAT_CLASSES)})"
                )
        object.__setattr__(self, "layer_order", MappingProxyType(order))
        systems: dict[str, FireSystem] = {}
        for name in self.tracked_names:
            system = self.interceptors[name].fire_system
            assert system is not None  # checked by InterceptorType
            known = systems.setdefault(system.name, system)
            if known != system:
                raise ParameterError(
                    f"fire system {system.name!r}: its types disagree on fire units or "
                    f"engagements per unit ({name!r} differs)"
                )

    @property
    def tracked_names(self) -> tuple[str, ...]:
        """Interceptor types with a counted stock, in a stable order."""
        return tuple(name for name, kind in self.interceptors.items() if kind.tracked)

    @property
    def fire_systems(self) -> Mapping[str, FireSystem]:
        """The fire systems of the counted types, by name, in a stable order."""
        systems: dict[str, FireSystem] = {}
        for name in self.tracked_names:
            system = self.interceptors[name].fire_system
            assert system is not None
            systems.setdefault(system.name, system)
        return MappingProxyType(systems)

    def system_of(self, interceptor: str) -> str:
        """The name of the fire system that fires a counted type."""
        system = self.interceptor(interceptor).fire_system
        if system is None:
            raise UnknownNameError(
                f"interceptor {interceptor!r} is not a counted type "
                f"(counted: {', '.join(self.tracked_names)})"
            )
        return system.name

    def system_members(self, system: str) -> tuple[str, ...]:
        """The counted types fired by ``system``."""
        return tuple(
            name
            for name in self.tracked_names
            if (kind := self.interceptors[name].fire_system) is not None and kind.name == system
        )

    def threat(self, family: str) -> ThreatExposure:
        try:
            return self.threats[family]
        except KeyError:
            raise unknown_name(family, sorted(self.threats), kind="threat") from None

    def interceptor(self, name: str) -> InterceptorType:
        try:
            return self.interceptors[name]
        except KeyError:
            raise unknown_name(name, sorted(self.interceptors), kind="interceptor") from None

    def check_names(self, interceptor_names: Iterable[str]) -> None:
        """Raise :class:`UnknownNameError` for the first name that is not a tracked type."""
        for name in interceptor_names:
            kind = self.interceptor(name)
            if not kind.tracked:
                raise UnknownNameError(
                    f"interceptor {name!r} is not a counted type "
                    f"(counted: {', '.join(self.tracked_names)})"
                )
