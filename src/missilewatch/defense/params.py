"""Frozen parameters of the air-defense model: interceptor types, threats, doctrine.

Everything here is plain data checked on construction. The glue in
``missilewatch.api.defense`` builds these objects from the estimates records and the
ledger's calibration; the simulators in :mod:`missilewatch.defense.raid` and
:mod:`missilewatch.defense.campaign` read only them.

Uncertain numbers are :class:`Spread` triples (low, central, high); each simulated path
draws its own value from a triangular distribution over that range.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Final

import numpy as np

from missilewatch.errors import ParameterError, UnknownNameError

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
        """One value per path (float64), triangular over [low, high] with mode ``central``."""
        if self.low == self.high:
            return np.full(size, self.low, dtype=np.float64)
        return rng.triangular(self.low, self.central, self.high, size)


#: Zero, exactly: the default for the counts of an untracked layer.
NONE: Final = Spread(0.0, 0.0, 0.0)


@dataclass(frozen=True, slots=True)
class Engagement:
    """How one interceptor type engages one threat class.

    Attributes:
        kill_probability: single-shot probability of destroying an engaged target.
        shots_per_target: interceptors fired at each engaged target (doctrine).
    """

    kill_probability: float
    shots_per_target: int

    @property
    def target_kill_probability(self) -> float:
        """Probability that at least one of the doctrine's shots destroys the target."""
        return 1.0 - (1.0 - self.kill_probability) ** self.shots_per_target


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
        fire_units: batteries or launch units in service.
        engagements_per_unit: targets one fire unit can engage in one raid (channels).
    """

    name: str
    engagements: Mapping[str, Engagement]
    tracked: bool = True
    initial_stock: Spread = NONE
    deliveries_per_month: Spread = NONE
    fire_units: Spread = NONE
    engagements_per_unit: Spread = NONE

    def __post_init__(self) -> None:
        object.__setattr__(self, "engagements", _frozen_map(self.engagements))
        for threat_class, engagement in self.engagements.items():
            if threat_class not in THREAT_CLASSES:
                raise UnknownNameError(
                    f"interceptor {self.name!r}: unknown threat class {threat_class!r} "
                    f"(known: {', '.join(THREAT_CLASSES)})"
                )
            where = f"interceptor {self.name!r} vs {threat_class}"
            pk = engagement.kill_probability
            if not (math.isfinite(pk) and 0.0 <= pk <= 1.0):
                raise ParameterError(f"{where}: kill probability must lie in [0, 1], got {pk:g}")
            if engagement.shots_per_target < 1:
                raise ParameterError(
                    f"{where}: shots per target must be at least 1, "
                    f"got {engagement.shots_per_target}"
                )
        self.initial_stock.check(f"interceptor {self.name!r}: initial stock")
        self.deliveries_per_month.check(f"interceptor {self.name!r}: deliveries per month")
        self.fire_units.check(f"interceptor {self.name!r}: fire units")
        self.engagements_per_unit.check(f"interceptor {self.name!r}: engagements per unit")


@dataclass(frozen=True, slots=True)
class ThreatExposure:
    """How often a threat family's missiles come within reach of an engaging layer.

    Per raid, the share of a family's missiles that the defense engages is drawn from
    Beta(mean, concentration): this per-raid draw carries the over-dispersion seen in the
    ledger (most ballistic raids see no intercept at all, a few see most intercepted).
    It is derived from the beta-binomial fit of the ledger's intercepts, divided by the
    kill probability of the class's first layer (see docs/defense.md).
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

    @property
    def tracked_names(self) -> tuple[str, ...]:
        """Interceptor types with a counted stock, in a stable order."""
        return tuple(name for name, kind in self.interceptors.items() if kind.tracked)

    def threat(self, family: str) -> ThreatExposure:
        try:
            return self.threats[family]
        except KeyError:
            raise UnknownNameError(
                f"unknown threat {family!r} (known: {', '.join(sorted(self.threats))})"
            ) from None

    def interceptor(self, name: str) -> InterceptorType:
        try:
            return self.interceptors[name]
        except KeyError:
            raise UnknownNameError(
                f"unknown interceptor {name!r} (known: {', '.join(sorted(self.interceptors))})"
            ) from None

    def check_names(self, interceptor_names: Iterable[str]) -> None:
        """Raise :class:`UnknownNameError` for the first name that is not a tracked type."""
        for name in interceptor_names:
            kind = self.interceptor(name)
            if not kind.tracked:
                raise UnknownNameError(
                    f"interceptor {name!r} is not a counted type "
                    f"(counted: {', '.join(self.tracked_names)})"
                )
