"""Air-defense public API: intercept calibration, raid simulation, campaign and depletion.

Reads the ledger (per-attack launched/destroyed counts), the estimates (interceptor
output, shares, stocks, doctrine, kill probabilities) and the layer order shipped in
``missilewatch/defense/data/layers.toml``; builds the frozen
:class:`~missilewatch.defense.params.Defense`; calls the pure core in
:mod:`missilewatch.defense`; returns documented DataFrames. Figures from the ledger are
Ukrainian Air Force reports, via the public dataset "Massive Missile Attacks on Ukraine"
(Petro Ivaniuk, Kaggle piterfm/massive-missile-attacks-on-ukraine).
"""

from __future__ import annotations

import math
import tomllib
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final

import numpy as np
import pandas as pd

from missilewatch.api.stockpile import forecast_strikes
from missilewatch.defense import calibration
from missilewatch.defense.campaign import NOT_DEPLETED, CampaignDraws, simulate_campaign
from missilewatch.defense.engagement import MAX_ENGAGED_SHARE
from missilewatch.defense.params import (
    BALLISTIC_CLASSES,
    THREAT_CLASSES,
    Defense,
    Engagement,
    FireSystem,
    InterceptorType,
    Spread,
    ThreatExposure,
)
from missilewatch.defense.raid import (
    RaidDraws,
    check_raid,
    parse_raid,
    saturation_factors,
    scale_raid,
    simulate_raid,
)
from missilewatch.errors import InputError, ParameterError, UnknownNameError
from missilewatch.model.adjustments import BASELINE, Adjustments
from missilewatch.model.strikes import StrikeForecast
from missilewatch.names import resolve_class, resolve_family, resolve_interceptor
from missilewatch.paths import package_data

if TYPE_CHECKING:
    from missilewatch.estimates.records import Estimate, EstimateSet

PERCENTILES: Final = (5, 25, 50, 75, 95)
PERCENTILE_COLUMNS: Final = [f"p{q}" for q in PERCENTILES]
#: Months of the most recent ledger history used to calibrate the engaged share.
CALIBRATION_WINDOW_MONTHS: Final = 12
#: Paths per point of the saturation curve (at most; fewer if fewer were asked for).
SATURATION_PATHS: Final = 20_000
#: Highest engaged share allowed: keeps every threat's Beta proper.
_MAX_SHARE: Final = MAX_ENGAGED_SHARE

ProgressCallback = Callable[[int, int], None]


# ---------------------------------------------------------------------------------------
# Calibration
# ---------------------------------------------------------------------------------------


def intercept_calibration(
    db: Path | None = None,
    *,
    families: Sequence[str] | None = None,
    period: str = "quarter",
    by: str = "family",
    start: date | str | None = None,
    end: date | str | None = None,
) -> pd.DataFrame:
    """Intercept rates per threat family (or class) and period, with beta-binomial fits.

    One row per attack and group is built from the ledger's allocated rows (reports with
    no missile launched are left out); see :func:`missilewatch.defense.calibration.rate_table`
    for the columns. ``families`` filters the groups (family or class names, as ``by``).

    Raises:
        UnknownNameError: a name in ``families`` that is not in the ledger.
    """
    attacks = _per_attack(db, by=by, start=start, end=end)
    if families:
        chosen = _resolve_groups(families, sorted(set(attacks["group"])), by)
        attacks = attacks[attacks["group"].isin(chosen)]
    table = calibration.rate_table(attacks, period=period)
    if by == "family":
        return table.rename(columns={"group": "family"})
    # By class the group is the class itself.
    return table.drop(columns=["group"])


def _resolve_groups(names: Iterable[str], present: list[str], by: str) -> list[str]:
    """Families (or classes, ``by="class"``) as typed, resolved to the ledger's groups."""
    if by == "family":
        return [
            resolve_family(name, present, covered_by="in the ledger's missile attacks")
            for name in names
        ]
    return [
        resolve_class(name, present, covered_by="in the ledger's missile attacks") for name in names
    ]


def resolve_raid_names(counts: Mapping[str, int], defense: Defense) -> dict[str, int]:
    """A raid's family names as typed (``iskander=40``), resolved to the defense's threats.

    Raises:
        UnknownNameError: a name that is no family, or a family the model does not engage.
        InputError: two names that denote the same family.
    """
    resolved: dict[str, int] = {}
    for name, count in counts.items():
        family = resolve_family(
            name,
            list(defense.threats),
            field=None,
            kind="threat",
            covered_by="engaged by the air-defense model",
        )
        if family in resolved:
            raise InputError(f"raid: {name!r} and another name both denote {family!r}")
        resolved[family] = count
    return resolved


def attack_outcomes(
    db: Path | None = None,
    *,
    family: str,
    by: str = "family",
    start: date | str | None = None,
    end: date | str | None = None,
) -> pd.DataFrame:
    """Attacks with none / some / all missiles destroyed: observed, beta-binomial, binomial.

    See :func:`missilewatch.defense.calibration.outcome_distribution` for the columns.
    """
    attacks = _per_attack(db, by=by, start=start, end=end)
    (group,) = _resolve_groups([family], sorted(set(attacks["group"])), by)
    chosen = attacks[attacks["group"] == group]
    fit = calibration.fit_beta_binomial(
        chosen["launched"].to_numpy(), chosen["destroyed"].to_numpy()
    )
    return calibration.outcome_distribution(chosen, fit)


def _per_attack(
    db: Path | None,
    *,
    by: str,
    start: date | str | None = None,
    end: date | str | None = None,
) -> pd.DataFrame:
    from missilewatch import ledger

    rows = ledger.attacks(db, allocated=True, start=start, end=end)
    return calibration.per_attack(rows, by=by)


# ---------------------------------------------------------------------------------------
# Building the defense from the estimates and the ledger
# ---------------------------------------------------------------------------------------


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


def load_layers(path: Path | None = None) -> Layers:
    """The layer order per threat class, the untracked layers and the fire systems."""
    source = path or package_data("defense", "data", "layers.toml")
    try:
        data: dict[str, Any] = tomllib.loads(source.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as error:
        raise InputError(f"{source}: cannot read the layer order ({error})") from None
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
    layers_file: Path | None = None,
) -> DefenseSetup:
    """Assemble the :class:`Defense` from estimates records and per-attack ledger counts.

    Args:
        estimates: the loaded estimates (shipped plus the user's file).
        attacks: :func:`missilewatch.defense.calibration.per_attack` output by family.
        as_of: the date whose records are used (the latest ``as_of`` on or before it,
            else the earliest record).
    """
    layers = load_layers(layers_file)
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


def _pick(estimates: EstimateSet, quantity: str, subject: str, as_of: date) -> Estimate | None:
    """The record in force on ``as_of``: the latest one dated on or before it."""
    records = estimates.select(quantity=quantity, subject=subject)
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

    stock = needed("interceptor_stock")
    used = [stock]
    direct = _pick(estimates, "interceptor_deliveries", name, as_of)
    curve: tuple[tuple[date, ...], tuple[float, ...]] = ((), ())
    if direct is not None:
        if "/" not in direct.unit:
            raise ParameterError(
                f"estimates: record {direct.id!r}: field 'unit': interceptor_deliveries "
                f"for {name!r} must be a rate (e.g. interceptors/month), got {direct.unit!r}"
            )
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


def load_setup(
    estimates: Path | None = None, db: Path | None = None, as_of: date | None = None
) -> tuple[DefenseSetup, date]:
    """Build the defense from the estimates (shipped plus ``estimates``) and the ledger.

    ``as_of`` picks the records in force (default: the ledger's last report date).
    """
    from missilewatch import estimates as estimates_module

    records = estimates_module.load(estimates)
    attacks = _per_attack(db, by="family")
    day = as_of or attacks["date"].max().date()
    return build_defense(records, attacks, as_of=day), day


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


# ---------------------------------------------------------------------------------------
# Raid
# ---------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class RaidResult:
    """Outcome of :func:`raid`.

    Attributes:
        leakers: one row per threat family: ``threat``, ``weapon_class``, ``launched``,
            ``engaged_mean``, ``intercepted_mean``, ``mean`` (leakers), ``p5 .. p95``
            (leakers), ``leak_share`` (mean leakers / launched), ``p_any_leaker``;
            a last row ``threat == "all"`` sums the raid.
        interceptors: one row per counted type: ``interceptor``, ``fire_system``,
            ``stock_mean`` (on hand before the raid), ``mean`` (spent), ``p5 .. p95``
            (spent), ``targets_mean`` (targets engaged), ``p_stock_short`` (share of
            paths where the type could not take a target for lack of stock while its
            fire system had free channels), ``assumption``.
        saturation: the raid's mix scaled up and down: ``scale``, ``missiles``,
            ``leakers_mean``, ``leakers_p5``, ``leakers_p95``, ``leak_share``,
            ``ballistic_leak_share`` (NaN without ballistic-capable threats),
            ``interceptors_spent_mean``.
        draws: the per-path counts of the main raid.
        calibrated_on: threat -> the ledger group and window of its engaged share.
    """

    leakers: pd.DataFrame
    interceptors: pd.DataFrame
    saturation: pd.DataFrame
    draws: RaidDraws
    calibrated_on: Mapping[str, str]


def raid(
    raid: Mapping[str, int] | str,
    *,
    paths: int,
    seed: int,
    estimates: Path | None = None,
    defense: Defense | DefenseSetup | None = None,
    db: Path | None = None,
    stock: Mapping[str, float] | None = None,
    saturation: bool = True,
    progress: ProgressCallback | None = None,
) -> RaidResult:
    """Monte Carlo of one raid against the defense; see :class:`RaidResult`.

    Args:
        raid: family -> missiles, or text such as ``"Iskander-M=40,Kinzhal=10"``.
        paths: independent realisations (>= 1).
        seed: root seed; same seed, same numbers.
        estimates: a user estimates file overriding the shipped records.
        defense: a ready :class:`Defense` (or setup) instead of the one built from data.
        db: the ledger store for the calibration (default store or shipped snapshot).
        stock: interceptor type -> stock on hand, replacing the drawn initial stock.
        saturation: also compute the saturation curve (a few extra, smaller runs).
        progress: ``progress(done, total)`` after each chunk of paths.
    """
    counts = parse_raid(raid) if isinstance(raid, str) else dict(raid)
    check_raid(counts)
    if paths < 1:
        raise ParameterError(f"paths: must be at least 1, got {paths}")
    if isinstance(defense, DefenseSetup):
        setup: DefenseSetup | None = defense
        chosen = defense.defense
    elif isinstance(defense, Defense):
        setup, chosen = None, defense
    else:
        setup, _ = load_setup(estimates, db)
        chosen = setup.defense
    counts = resolve_raid_names(counts, chosen)
    draws = simulate_raid(
        counts, chosen, paths=paths, seed=seed, stock_override=stock, progress=progress
    )
    assumption = dict(setup.assumption) if setup else {}
    leakers = _raid_leakers(draws, chosen)
    interceptors = _raid_interceptors(draws, chosen, assumption)
    curve = (
        _saturation(counts, chosen, paths=min(paths, SATURATION_PATHS), seed=seed, stock=stock)
        if saturation
        else pd.DataFrame()
    )
    calibrated_on = dict(setup.calibrated_on) if setup else {}
    return RaidResult(leakers, interceptors, curve, draws, calibrated_on)


def _percentiles(values: np.ndarray) -> dict[str, float]:
    quantiles = np.percentile(values, PERCENTILES)
    return dict(zip(PERCENTILE_COLUMNS, (float(q) for q in quantiles), strict=True))


def _raid_leakers(draws: RaidDraws, defense: Defense) -> pd.DataFrame:
    rows = []
    total = np.zeros(draws.paths, dtype=np.int64)
    for family, count in draws.raid.items():
        leak = draws.leakers[family]
        total += leak
        rows.append(
            {
                "threat": family,
                "weapon_class": defense.threats[family].weapon_class,
                "launched": count,
                "engaged_mean": float(draws.engaged[family].mean()),
                "intercepted_mean": float(draws.intercepted[family].mean()),
                "mean": float(leak.mean()),
                **_percentiles(leak),
                "leak_share": float(leak.mean()) / count if count else math.nan,
                "p_any_leaker": float(np.mean(leak > 0)),
            }
        )
    launched = sum(draws.raid.values())
    rows.append(
        {
            "threat": "all",
            "weapon_class": "all",
            "launched": launched,
            "engaged_mean": float(sum(v.mean() for v in draws.engaged.values())),
            "intercepted_mean": float(sum(v.mean() for v in draws.intercepted.values())),
            "mean": float(total.mean()),
            **_percentiles(total),
            "leak_share": float(total.mean()) / launched,
            "p_any_leaker": float(np.mean(total > 0)),
        }
    )
    frame = pd.DataFrame(rows)
    frame["launched"] = frame["launched"].astype("int64")
    return frame


def _raid_interceptors(
    draws: RaidDraws, defense: Defense, assumption: Mapping[str, bool]
) -> pd.DataFrame:
    rows = []
    for name in defense.tracked_names:
        spent = draws.spent[name]
        short = draws.stock_short[name]
        rows.append(
            {
                "interceptor": name,
                "fire_system": defense.system_of(name),
                "stock_mean": float(draws.stock[name].mean()),
                "mean": float(spent.mean()),
                **_percentiles(spent),
                "targets_mean": float(draws.targets[name].mean()),
                "p_stock_short": float(np.mean(short)),
                "assumption": bool(assumption.get(name, False)),
            }
        )
    return pd.DataFrame(rows)


def _saturation(
    counts: Mapping[str, int],
    defense: Defense,
    *,
    paths: int,
    seed: int,
    stock: Mapping[str, float] | None,
) -> pd.DataFrame:
    rows = []
    size = sum(counts.values())
    ballistic = [f for f in counts if defense.threats[f].weapon_class in BALLISTIC_CLASSES]
    for factor in saturation_factors(size):
        scaled = scale_raid(counts, factor)
        if sum(scaled.values()) == 0:
            continue
        # Common random numbers: every raid size starts from the raid's own stream, so
        # path i meets the same stocks, channels and doctrine at every size and the
        # curve shows the effect of size, not of different draws. With no more paths
        # than SATURATION_PATHS, the point at x1 is the raid itself.
        stream = np.random.SeedSequence(seed)
        draws = simulate_raid(scaled, defense, paths=paths, seed=stream, stock_override=stock)
        total = sum(draws.leakers.values())
        assert isinstance(total, np.ndarray)
        missiles = sum(scaled.values())
        ballistic_launched = sum(scaled[f] for f in ballistic)
        ballistic_leaked = sum(float(draws.leakers[f].mean()) for f in ballistic)
        rows.append(
            {
                "scale": factor,
                "missiles": missiles,
                "leakers_mean": float(total.mean()),
                "leakers_p5": float(np.percentile(total, 5)),
                "leakers_p95": float(np.percentile(total, 95)),
                "leak_share": float(total.mean()) / missiles,
                "ballistic_leak_share": (
                    ballistic_leaked / ballistic_launched if ballistic_launched else math.nan
                ),
                "interceptors_spent_mean": float(sum(v.mean() for v in draws.spent.values())),
            }
        )
    frame = pd.DataFrame(rows)
    if not frame.empty:
        frame["missiles"] = frame["missiles"].astype("int64")
    return frame


# ---------------------------------------------------------------------------------------
# Campaign
# ---------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class CampaignResult:
    """Outcome of :func:`defense_campaign`.

    Attributes:
        monthly: long form, one row per month, level, name and quantity: ``month``
            (Period[M]), ``level`` (``interceptor`` or ``threat``), ``name`` (type or
            family; ``ballistic-capable`` sums the ballistic and aeroballistic
            families), ``quantity`` (interceptors: ``deliveries``, ``spent``, ``stock``
            at month end; threats: ``launched``, ``intercepted``, ``leakers``),
            ``p5 .. p95``, ``mean``, ``assumption``.
        depletion: the distribution of the depletion month: ``month`` (Period[M], NaT
            for the "not before" category), ``category`` (``2026-09`` or ``not before
            2027-12``), ``paths`` (int64), ``probability``, ``cumulative_probability``.
        summary: ``metric``, ``p5``, ``p50``, ``p95``, ``mean``, ``unit``: depletion
            month offset, share of paths depleted by the end, ballistic leakers per month
            before and after depletion.
        draws: the per-path arrays.
    """

    monthly: pd.DataFrame
    depletion: pd.DataFrame
    summary: pd.DataFrame
    draws: CampaignDraws


def defense_campaign(
    *,
    until: str | pd.Period,
    paths: int,
    seed: int,
    estimates: Path | None = None,
    db: Path | None = None,
    adjustments: Adjustments = BASELINE,
    start: str | pd.Period | None = None,
    progress: ProgressCallback | None = None,
) -> CampaignResult:
    """Couple the stock-flow engine's forecast launches with the interceptor ledger.

    The forecast comes from ``missilewatch.api.stockpile.forecast_strikes`` with the
    same ``until``, ``paths``, ``seed`` and ``adjustments``; the campaign's own random
    stream is spawned from the same seed.
    """
    if paths < 1:
        raise ParameterError(f"paths: must be at least 1, got {paths}")
    forecast = forecast_strikes(
        until=until,
        start=start,
        paths=paths,
        seed=seed,
        db=db,
        adjustments=adjustments,
        # The same user estimates file for both sides of the balance.
        estimates=estimates,
    )
    first_day = forecast.months[0].start_time.date()
    setup, _ = load_setup(estimates, db, as_of=first_day)
    return campaign_from_strikes(
        setup, forecast, seed=seed, adjustments=adjustments, progress=progress
    )


def campaign_from_strikes(
    setup: DefenseSetup,
    forecast: StrikeForecast,
    *,
    seed: int,
    adjustments: Adjustments = BASELINE,
    progress: ProgressCallback | None = None,
) -> CampaignResult:
    """The campaign over the stock-flow engine's strike forecast."""
    return campaign_from_forecast(
        setup,
        months=list(forecast.months),
        families=list(forecast.families),
        launches=np.asarray(forecast.launches),
        attacks=np.asarray(forecast.attacks),
        seed=seed,
        adjustments=adjustments,
        progress=progress,
    )


def campaign_from_forecast(
    setup: DefenseSetup,
    *,
    months: Sequence[pd.Period],
    families: Sequence[str],
    launches: np.ndarray,
    attacks: np.ndarray,
    seed: int,
    adjustments: Adjustments = BASELINE,
    progress: ProgressCallback | None = None,
) -> CampaignResult:
    """The campaign over given forecast arrays (paths, months, families)."""
    if len(months) != launches.shape[1]:
        raise ParameterError(
            f"campaign: {len(months)} month labels for {launches.shape[1]} forecast months"
        )
    profile = {
        name: [
            _ramp(curve, month.start_time.date(), months[0].start_time.date()) for month in months
        ]
        for name, curve in setup.production_central.items()
        if curve[0]
    }
    stream = np.random.SeedSequence([seed, 2])
    draws = simulate_campaign(
        launches,
        attacks,
        families,
        setup.defense,
        seed=stream,
        adjustments=adjustments,
        delivery_profile=profile,
        progress=progress,
    )
    monthly = _monthly_frame(draws, months, setup)
    depletion = _depletion_frame(draws, months)
    summary = _campaign_summary(draws, setup.defense)
    return CampaignResult(monthly, depletion, summary, draws)


def _ramp(curve: tuple[tuple[date, ...], tuple[float, ...]], day: date, start: date) -> float:
    at_start = _interpolate(curve, start)
    if not at_start or math.isnan(at_start):
        return 1.0
    return _interpolate(curve, day) / at_start


def _quantile_rows(
    array: np.ndarray, months: Sequence[pd.Period], **labels: object
) -> list[dict[str, object]]:
    quantiles = np.percentile(array, PERCENTILES, axis=0)
    means = array.mean(axis=0)
    rows = []
    for index, month in enumerate(months):
        row: dict[str, object] = {"month": month, **labels}
        row.update(
            {column: float(quantiles[q, index]) for q, column in enumerate(PERCENTILE_COLUMNS)}
        )
        row["mean"] = float(means[index])
        rows.append(row)
    return rows


def _monthly_frame(
    draws: CampaignDraws, months: Sequence[pd.Period], setup: DefenseSetup
) -> pd.DataFrame:
    rows: list[dict[str, object]] = []
    any_assumption = any(setup.assumption.values())
    for name in draws.interceptors:
        flag = bool(setup.assumption.get(name, False))
        for quantity, arrays in (
            ("deliveries", draws.deliveries),
            ("spent", draws.spent),
            ("stock", draws.stock),
        ):
            rows += _quantile_rows(
                arrays[name],
                months,
                level="interceptor",
                name=name,
                quantity=quantity,
                assumption=flag,
            )
    groups: list[tuple[str, list[str]]] = [(family, [family]) for family in draws.families]
    ballistic = [
        f for f in draws.families if setup.defense.threats[f].weapon_class in BALLISTIC_CLASSES
    ]
    if ballistic:
        groups.append(("ballistic-capable", ballistic))
    for label, members in groups:
        for quantity, arrays in (
            ("launched", draws.launched),
            ("intercepted", draws.intercepted),
            ("leakers", draws.leakers),
        ):
            summed = np.sum([arrays[m] for m in members], axis=0)
            rows += _quantile_rows(
                summed,
                months,
                level="threat",
                name=label,
                quantity=quantity,
                assumption=any_assumption,
            )
    frame = pd.DataFrame(rows)
    frame["month"] = pd.PeriodIndex(frame["month"], freq="M")
    columns = ["month", "level", "name", "quantity", *PERCENTILE_COLUMNS, "mean", "assumption"]
    return frame[columns]


def _depletion_frame(draws: CampaignDraws, months: Sequence[pd.Period]) -> pd.DataFrame:
    total = draws.paths
    counts = np.bincount(draws.depletion_month[draws.depletion_month >= 0], minlength=len(months))
    never = int(np.sum(draws.depletion_month == NOT_DEPLETED))
    rows = [
        {"month": month, "category": str(month), "paths": int(counts[index])}
        for index, month in enumerate(months)
    ]
    rows.append({"month": pd.NaT, "category": f"not before {months[-1]}", "paths": never})
    frame = pd.DataFrame(rows)
    frame["month"] = pd.PeriodIndex(frame["month"], freq="M")
    frame["paths"] = frame["paths"].astype("int64")
    frame["probability"] = frame["paths"] / total
    frame["cumulative_probability"] = frame["paths"].cumsum() / total
    return frame


def _campaign_summary(draws: CampaignDraws, defense: Defense) -> pd.DataFrame:
    depletion = draws.depletion_month
    months = draws.months
    offsets = np.where(depletion == NOT_DEPLETED, months, depletion).astype(float)
    rows: list[dict[str, object]] = [
        {
            "metric": "depletion_month_offset",
            **_three(offsets),
            "unit": f"months after the forecast start ({months} = not within the horizon)",
        },
        {
            "metric": "depleted_within_horizon",
            "p5": math.nan,
            "p50": math.nan,
            "p95": math.nan,
            "mean": float(np.mean(depletion != NOT_DEPLETED)),
            "unit": "share of paths",
        },
    ]
    ballistic = [f for f in draws.families if defense.threats[f].weapon_class in BALLISTIC_CLASSES]
    if ballistic:
        leaked = np.sum([draws.leakers[f] for f in ballistic], axis=0).astype(float)
        index = np.arange(months)[None, :]
        after = index >= np.where(depletion == NOT_DEPLETED, months, depletion)[:, None]
        for label, mask in (("before", ~after), ("after", after)):
            per_path = _masked_mean(leaked, mask)
            valid = per_path[~np.isnan(per_path)]
            rows.append(
                {
                    "metric": f"ballistic_leakers_per_month_{label}_depletion",
                    **(_three(valid) if valid.size else _nan_three()),
                    "unit": "missiles/month (paths with such months)",
                }
            )
    frame = pd.DataFrame(rows)
    return frame[["metric", "p5", "p50", "p95", "mean", "unit"]]


def _masked_mean(values: np.ndarray, mask: np.ndarray) -> np.ndarray:
    counts = mask.sum(axis=1)
    sums = np.where(mask, values, 0.0).sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(counts > 0, sums / np.maximum(counts, 1), np.nan)


def _three(values: np.ndarray) -> dict[str, float]:
    p5, p50, p95 = np.percentile(values, [5, 50, 95])
    return {"p5": float(p5), "p50": float(p50), "p95": float(p95), "mean": float(values.mean())}


def _nan_three() -> dict[str, float]:
    return {"p5": math.nan, "p50": math.nan, "p95": math.nan, "mean": math.nan}


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
