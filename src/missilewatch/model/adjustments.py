"""Changes a scenario makes to the baseline, as plain frozen data.

Scenario files are validated at the edge (``missilewatch.scenarios``) and frozen into
:class:`Adjustments`; the stock-flow engine and the air-defense campaign read only this.
Months are integer offsets from the forecast's first month; ``None`` means "never".
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType


def _empty() -> Mapping[str, float]:
    return MappingProxyType({})


@dataclass(frozen=True, slots=True)
class Adjustments:
    """A named set of changes over the baseline forecast.

    Attributes:
        ceasefire_start: first forecast month (offset) with no launches, or None.
        ceasefire_months: how many months the ceasefire lasts (production goes on).
        strike_frequency_factor: multiplies the expected number of attacks per month.
        salvo_size_factor: multiplies the expected missiles per attack.
        escalation_start: first month the two factors above apply (0 = at once).
        production_factor: multiplies production from ``production_change_start`` on,
            reached linearly over ``production_ramp_months`` (0 = a step).
        production_change_start: first month of the production change.
        production_ramp_months: months to reach the full factor.
        imports_stop: first month with no imports (e.g. KN-23 deliveries), or None.
        extra_interceptors_per_month: interceptor type -> extra deliveries per month.
        extra_interceptors_start: first month of the extra deliveries.
        families: if not empty, the frequency/salvo/production changes apply only to
            these families or classes; otherwise to all.
    """

    ceasefire_start: int | None = None
    ceasefire_months: int = 0
    strike_frequency_factor: float = 1.0
    salvo_size_factor: float = 1.0
    escalation_start: int = 0
    production_factor: float = 1.0
    production_change_start: int = 0
    production_ramp_months: int = 0
    imports_stop: int | None = None
    extra_interceptors_per_month: Mapping[str, float] = field(default_factory=_empty)
    extra_interceptors_start: int = 0
    families: frozenset[str] = frozenset()

    def in_ceasefire(self, month: int) -> bool:
        """True if no launches happen in forecast month ``month``."""
        if self.ceasefire_start is None:
            return False
        return self.ceasefire_start <= month < self.ceasefire_start + self.ceasefire_months

    def production_multiplier(self, month: int) -> float:
        """Factor on production in forecast month ``month``."""
        if month < self.production_change_start:
            return 1.0
        if self.production_ramp_months <= 0:
            return self.production_factor
        progress = min(
            1.0, (month - self.production_change_start + 1) / self.production_ramp_months
        )
        return 1.0 + (self.production_factor - 1.0) * progress

    def applies_to(self, family: str, weapon_class: str) -> bool:
        return not self.families or family in self.families or weapon_class in self.families


BASELINE = Adjustments()
