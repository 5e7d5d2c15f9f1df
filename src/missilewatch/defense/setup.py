"""The air defense built from the estimates and the ledger: pure functions, no I/O.

:func:`build_defense` turns the estimates records (interceptor output, shares, stocks,
doctrine, kill probabilities), the per-attack ledger counts and the layer order (as
read by :func:`missilewatch.baseline.load_baseline`) into the frozen
:class:`~missilewatch.defense.params.Defense` the simulators see.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, Any, Final

import numpy as np
import pandas as pd

from missilewatch.defense import calibration
from missilewatch.defense.engagement import MAX_ENGAGED_SHARE
from missilewatch.defense.params import (
    THREAT_CLASSES,
    Defense,
    Engagement,
    FireSystem,
    InterceptorType,
    Spread,
    ThreatExposure,
)
from missilewatch.errors import InputError, ParameterError, UnknownNameError
from missilewatch.estimates.records import AT_LEAST, UP_TO
from missilewatch.names import resolve_interceptor

if TYPE_CHECKING:
    from missilewatch.estimates.records import Estimate, EstimateSet

#: Months of the most recent ledger history used to calibrate the engaged share.
CALIBRATION_WINDOW_MONTHS: Final = 12
#: Highest engaged share allowed: keeps every threat's Beta proper.
_MAX_SHARE: Final = MAX_ENGAGED_SHARE


@dataclass(frozen=True, slots=True)
class DefenseSetup:
    """The defense the simulators see, plus what it was built from.

    Attributes:
        defense: the frozen parameters.
        record_ids: type -> ids of the estimates records it uses.
        assumption: type -> True if any of those records is an assumption.
        production_central: type -> (dates, central production per month) for ramp-ups.
        calibrated_on: threat family -> the group and window its engaged share came from.
    """

    defense: Defense
    record_ids: Mapping[str, tuple[str, ...]]
    assumption: Mapping[str, bool]
    production_central: Mapping[str, tuple[tuple[date, ...], tuple[float, ...]]]
    calibrated_on: Mapping[str, str]


@dataclass(frozen=True, slots=True)
class Layers:
    """The contents of ``layers.toml``.

    Attributes:
        order: threat class -> interceptor types in the order they take targets.
        untracked: layers with no counted stock ("other means").
        systems: fire system -> the counted types its fire units launch.
    """

    order: Mapping[str, tuple[str, ...]]
    untracked: frozenset[str]
    systems: Mapping[str, tuple[str, ...]]

    def system_of(self, interceptor: str) -> str:
        """The fire system of a counted type; a type not listed is its own system."""
        for system, members in self.systems.items():
            if interceptor in members:
                return system
        return interceptor


def parse_layers(data: Mapping[str, Any], source: str) -> Layers:
    """The layer order per threat class, the untracked layers and the fire systems, from
    the parsed ``layers.toml`` (``source`` names the file in errors)."""
    order = data.get("order", {})
    untracked = data.get("untracked", [])
    systems = data.get("systems", {})
    if not isinstance(order, dict) or not isinstance(untracked, list):
        raise InputError(f"{source}: needs [order] tables and an 'untracked' list")
    if not isinstance(systems, dict) or not all(
        isinstance(members, list) for members in systems.values()
    ):
        raise InputError(f"{source}: field 'systems': needs system = [interceptor types] lists")
    for threat_class in order:
        if threat_class not in THREAT_CLASSES:
            raise InputError(
                f"{source}: field 'order.{threat_class}': unknown threat class "
                f"(known: {', '.join(THREAT_CLASSES)})"
            )
    seen: dict[str, str] = {}
    for system, members in systems.items():
        for member in members:
            if str(member) in seen:
                raise InputError(
                    f"{source}: field 'systems.{system}': {member!r} is already fired by "
                    f"{seen[str(member)]!r}"
                )
            seen[str(member)] = str(system)
    return Layers(
        {key: tuple(str(name) for name in value) for key, value in order.items()},
        frozenset(str(name) for name in untracked),
        {str(key): tuple(str(name) for name in value) for key, value in systems.items()},
    )


def build_defense(
    estimates: EstimateSet,
    attacks: pd.DataFrame,
    *,
    as_of: date,
    layers: Layers,
) -> DefenseSetup:
    """Assemble the :class:`Defense` from estimates records and per-attack ledger counts.

    Args:
        estimates: the loaded estimates (shipped plus the user's file).
        attacks: :func:`missilewatch.defense.calibration.per_attack` output by family.
        as_of: the date whose records are used (the latest ``as_of`` on or before it,
            else the earliest record).
        layers: the layer order and fire systems (``Baseline.layers``).
    """
    order, untracked = layers.order, layers.untracked
    pairs = _engagement_pairs(estimates)
    names = sorted({name for name, _ in pairs} | {n for layer in order.values() for n in layer})
    interceptors: dict[str, InterceptorType] = {}
    record_ids: dict[str, tuple[str, ...]] = {}
    assumption: dict[str, bool] = {}
    production: dict[str, tuple[tuple[date, ...], tuple[float, ...]]] = {}
    for name in names:
        used: list[Estimate] = []
        engagements: dict[str, Engagement] = {}
        for type_name, threat_class in pairs:
            if type_name != name:
                continue
            subject = f"{name} vs {threat_class}"
            pk = _pick(estimates, "kill_probability", subject, as_of)
            shots = _pick(estimates, "shots_per_target", subject, as_of)
            if shots is None:
                raise ParameterError(
                    f"estimates: {subject!r} has a kill probability but no shots_per_target"
                )
            assert pk is not None  # pairs come from kill_probability records
            used += [pk, shots]
            engagements[threat_class] = Engagement(
                Spread(pk.low, pk.central, pk.high), Spread(shots.low, shots.central, shots.high)
            )
        if not engagements:
            raise UnknownNameError(
                f"layer order names {name!r}, but no kill_probability record is about it"
            )
        if name in untracked:
            interceptors[name] = InterceptorType(name, engagements, tracked=False)
        else:
            system, system_records = _fire_system(estimates, layers, name, as_of)
            kind, records, curve = _tracked_type(estimates, name, engagements, system, as_of)
            records = system_records + records
            interceptors[name] = kind
            used += records
            production[name] = curve
        record_ids[name] = tuple(record.id for record in used)
        assumption[name] = any(record.assumption for record in used)
    usable_order = {
        threat_class: tuple(n for n in layer if threat_class in interceptors[n].engagements)
        for threat_class, layer in order.items()
    }
    provisional = Defense(interceptors, {}, usable_order)
    threats, calibrated_on = _threat_exposures(attacks, provisional)
    defense = Defense(interceptors, threats, usable_order)
    return DefenseSetup(defense, record_ids, assumption, production, calibrated_on)


def _engagement_pairs(estimates: EstimateSet) -> list[tuple[str, str]]:
    pairs: list[tuple[str, str]] = []
    for record in estimates.select(quantity="kill_probability"):
        for subject in record.subjects:
            name, separator, threat_class = subject.rpartition(" vs ")
            if not separator:
                raise InputError(
                    f"estimates: record {record.id!r}: field 'subject': kill_probability "
                    f"needs '<interceptor> vs <threat class>', got {subject!r}"
                )
            if threat_class not in THREAT_CLASSES:
                raise UnknownNameError(
                    f"estimates: record {record.id!r}: field 'subject': unknown threat class "
                    f"{threat_class!r} (known: {', '.join(THREAT_CLASSES)})"
                )
            if (name, threat_class) not in pairs:
                pairs.append((name, threat_class))
    return pairs


def _pick(
    estimates: EstimateSet,
    quantity: str,
    subject: str,
    as_of: date,
    *,
    accept: Callable[[Estimate], bool] | None = None,
) -> Estimate | None:
    """The record in force on ``as_of``: the latest one dated on or before it.

    ``accept`` narrows the candidates (e.g. figures that can be drawn from, not bounds).
    """
    records = tuple(
        record
        for record in estimates.select(quantity=quantity, subject=subject)
        if accept is None or accept(record)
    )
    if not records:
        return None
    covering = [r for r in records if r.covers(as_of)] or list(records)
    before = [r for r in covering if r.as_of <= as_of]
    return before[-1] if before else covering[0]


def _fire_system(
    estimates: EstimateSet, layers: Layers, interceptor: str, as_of: date
) -> tuple[FireSystem, list[Estimate]]:
    """The fire system of a counted type, from the records about the system.

    Records are looked up by the system's name (e.g. "Patriot"); a record about one of
    its interceptor types (e.g. "PAC-3 MSE + PAC-2 GEM-T") is accepted too.
    """
    system = layers.system_of(interceptor)
    candidates = [system, *layers.systems.get(system, (interceptor,))]

    def needed(quantity: str) -> Estimate:
        for subject in candidates:
            record = _pick(estimates, quantity, subject, as_of)
            if record is not None:
                return record
        raise ParameterError(
            f"estimates: fire system {system!r} (firing {interceptor!r}) has no {quantity} record"
        )

    units = needed("fire_units")
    per_unit = needed("engagements_per_unit")
    fire_system = FireSystem(
        system,
        Spread(units.low, units.central, units.high),
        Spread(per_unit.low, per_unit.central, per_unit.high),
    )
    return fire_system, [units, per_unit]


def _tracked_type(
    estimates: EstimateSet,
    name: str,
    engagements: Mapping[str, Engagement],
    fire_system: FireSystem,
    as_of: date,
) -> tuple[InterceptorType, list[Estimate], tuple[tuple[date, ...], tuple[float, ...]]]:
    def needed(quantity: str) -> Estimate:
        record = _pick(estimates, quantity, name, as_of)
        if record is None:
            raise ParameterError(f"estimates: interceptor {name!r} has no {quantity} record")
        return record

    # A stock statement ("running very low": a ceiling) and a dated delivery count are
    # evidence for the reconstruction (defense.history), not figures to draw from.
    stock = _pick(estimates, "interceptor_stock", name, as_of, accept=_drawable)
    if stock is None:
        raise ParameterError(f"estimates: interceptor {name!r} has no interceptor_stock record")
    used = [stock]
    direct = _pick(estimates, "interceptor_deliveries", name, as_of, accept=lambda r: "/" in r.unit)
    curve: tuple[tuple[date, ...], tuple[float, ...]] = ((), ())
    if direct is not None:
        # A direct delivery rate replaces manufacturer output x share for Ukraine.
        deliveries = Spread(*direct.per_month())
        used.append(direct)
    else:
        output = needed("interceptor_production")
        share = needed("interceptor_share_ukraine")
        used += [output, share]
        series = estimates.select(quantity="interceptor_production", subject=name)
        dates = tuple(record.as_of for record in series)
        centrals = tuple(record.per_month()[1] for record in series)
        curve = (dates, centrals)
        at_start = _interpolate(curve, as_of)
        low, central, high = output.per_month()
        scale = at_start / central if central > 0 else 1.0
        # Low with low and high with high: a deliberately wide band (perfect correlation).
        deliveries = Spread(
            low * scale * share.low, central * scale * share.central, high * scale * share.high
        )
    kind = InterceptorType(
        name,
        engagements,
        initial_stock=Spread(stock.low, stock.central, stock.high),
        deliveries_per_month=deliveries,
        fire_system=fire_system,
    )
    return kind, used, curve


def _drawable(record: Estimate) -> bool:
    """A figure a path can draw a value from: not a one-sided bound."""
    return record.bound not in (UP_TO, AT_LEAST)


def _interpolate(curve: tuple[tuple[date, ...], tuple[float, ...]], day: date) -> float:
    dates, values = curve
    if not dates:
        return math.nan
    x = np.array([d.toordinal() for d in dates], dtype=float)
    return float(np.interp(day.toordinal(), x, np.asarray(values, dtype=float)))


def _threat_exposures(
    attacks: pd.DataFrame, defense: Defense
) -> tuple[dict[str, ThreatExposure], dict[str, str]]:
    """Engaged share per family from the ledger's recent per-attack intercepts.

    Over the last ``CALIBRATION_WINDOW_MONTHS`` of attacks (the whole history, then the
    family's class, if too few): the intercept rate ``r`` (destroyed / launched) and the
    beta-binomial concentration ``c`` of the per-attack outcomes. The engaged share has
    mean ``r / P(kill | engaged)`` of the class's first layer and concentration ``c``.
    """
    if attacks.empty:
        return {}, {}
    last = attacks["date"].max()
    window_start = last - pd.DateOffset(months=CALIBRATION_WINDOW_MONTHS)
    recent = attacks[attacks["date"] > window_start]
    by_class = attacks.assign(group=attacks["weapon_class"])
    recent_by_class = by_class[by_class["date"] > window_start]
    window_label = f"{window_start.date().isoformat()}..{last.date().isoformat()}"
    threats: dict[str, ThreatExposure] = {}
    sources: dict[str, str] = {}
    for (family, weapon_class), _rows in attacks.groupby(["group", "weapon_class"], sort=True):
        if weapon_class not in THREAT_CLASSES or not defense.layer_order.get(weapon_class):
            continue
        candidates = [
            (recent[recent["group"] == family], f"{family}, {window_label}"),
            (attacks[attacks["group"] == family], f"{family}, whole history"),
            (
                recent_by_class[recent_by_class["group"] == weapon_class],
                f"class {weapon_class}, {window_label}",
            ),
            (by_class[by_class["group"] == weapon_class], f"class {weapon_class}, whole history"),
        ]
        for rows, label in candidates:
            if len(rows) >= calibration.MIN_ATTACKS_FOR_FIT:
                fit = calibration.fit_beta_binomial(
                    rows["launched"].to_numpy(), rows["destroyed"].to_numpy()
                )
                first = defense.interceptors[defense.layer_order[weapon_class][0]]
                kill = first.engagements[weapon_class].target_kill_probability
                # The missile-weighted rate, not the per-attack mean: larger attacks see
                # higher rates in the ledger, and simulated raids are usually large.
                rate = rows["destroyed"].sum() / rows["launched"].sum()
                mean = min(_MAX_SHARE, rate / kill) if kill > 0 else _MAX_SHARE
                threats[str(family)] = ThreatExposure(
                    str(family), str(weapon_class), mean, fit.concentration
                )
                sources[str(family)] = label
                break
    return threats, sources


def defense_frame(setup: DefenseSetup) -> pd.DataFrame:
    """The defense's parameters as a table (one row per interceptor type and threat class).

    Columns: ``interceptor``, ``tracked``, ``fire_system`` (empty for an untracked
    layer), ``threat_class``, ``order`` (1 = first layer),
    ``kill_probability_low/central/high``, ``shots_per_target_low/central/high``,
    ``stock_low/central/high``, ``deliveries_per_month_low/central/high``,
    ``channels_central`` (the fire system's units times engagements per unit, shared by
    all types it fires), ``assumption``, ``records``.
    """
    rows = []
    defense = setup.defense
    for name, kind in defense.interceptors.items():
        system = kind.fire_system
        for threat_class, engagement in kind.engagements.items():
            layer = defense.layer_order.get(threat_class, ())
            kill, shots = engagement.kill, engagement.shots
            rows.append(
                {
                    "interceptor": name,
                    "tracked": kind.tracked,
                    "fire_system": system.name if system else "",
                    "threat_class": threat_class,
                    "order": layer.index(name) + 1 if name in layer else 0,
                    "kill_probability_low": kill.low,
                    "kill_probability_central": kill.central,
                    "kill_probability_high": kill.high,
                    "shots_per_target_low": shots.low,
                    "shots_per_target_central": shots.central,
                    "shots_per_target_high": shots.high,
                    "stock_low": kind.initial_stock.low,
                    "stock_central": kind.initial_stock.central,
                    "stock_high": kind.initial_stock.high,
                    "deliveries_per_month_low": kind.deliveries_per_month.low,
                    "deliveries_per_month_central": kind.deliveries_per_month.central,
                    "deliveries_per_month_high": kind.deliveries_per_month.high,
                    "channels_central": (
                        system.fire_units.central * system.engagements_per_unit.central
                        if system
                        else math.nan
                    ),
                    "assumption": setup.assumption.get(name, False),
                    "records": ", ".join(setup.record_ids.get(name, ())),
                }
            )
    return pd.DataFrame(rows)


def delivery_profile(setup: DefenseSetup, months: Sequence[pd.Period]) -> dict[str, list[float]]:
    """Per counted type with a dated production series: each month's delivery factor
    relative to the first forecast month (a manufacturer's announced ramp-up)."""
    start = months[0].start_time.date()
    return {
        name: [_ramp(curve, month.start_time.date(), start) for month in months]
        for name, curve in setup.production_central.items()
        if curve[0]
    }


def _ramp(curve: tuple[tuple[date, ...], tuple[float, ...]], day: date, start: date) -> float:
    at_start = _interpolate(curve, start)
    if not at_start or math.isnan(at_start):
        return 1.0
    return _interpolate(curve, day) / at_start


def parse_stock(text: str, known: Iterable[str]) -> dict[str, float]:
    """Parse ``"PAC-3 MSE=30,Aster 30=10"`` into stocks; names must be counted types."""
    names = set(known)
    stock: dict[str, float] = {}
    for position, item in enumerate(text.split(","), start=1):
        name, separator, value = item.partition("=")
        name = name.strip()
        if not separator or not name:
            raise InputError(f"stock: item {position} {item.strip()!r} is not NAME=COUNT")
        name = resolve_interceptor(name, sorted(names), field="stock")
        try:
            number = float(value)
        except ValueError:
            raise InputError(f"stock: {name!r}: {value.strip()!r} is not a number") from None
        if not math.isfinite(number) or number < 0:
            raise ParameterError(f"stock: {name!r}: must be a number >= 0, got {value.strip()}")
        stock[name] = number
    return stock
