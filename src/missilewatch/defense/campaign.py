"""Month-by-month coupling of forecast launches with the interceptor stocks.

For every path and month: deliveries arrive, the month's missiles are served by the
engagement step of :mod:`missilewatch.defense.engagement` (the month's attacks pooled),
and the stock carries over. The month's engagement channels are the per-raid channels
times the month's number of raids (the largest number of attacks of any engaged
family: a proxy, since families of one raid are counted in each family's attacks).

Stocks, deliveries, channels, shots per target and kill probabilities are drawn once
per path, so the bands carry the uncertainty of those assumptions. The engaged share is
drawn per path and month. One raid's share is Beta(mean, c), with the mean rescaled per
path for the path's kill probability; the mean of ``a`` independent raids has the same
mean and a variance ``a`` times smaller, which a Beta with concentration
``(c + 1) * a - 1`` matches (moment matching).

**Depletion**: the first month in which the ballistic-capable stock cannot give every
engageable ballistic or aeroballistic target the doctrine's shots (channels aside).
Paths that never reach it are "not before" the forecast's last month.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from missilewatch.defense.engagement import draw_path_parameters, engage, path_share_mean
from missilewatch.defense.params import BALLISTIC_CLASSES, Defense
from missilewatch.defense.raid import draw_defense_state
from missilewatch.errors import ParameterError
from missilewatch.model.adjustments import BASELINE, Adjustments

#: Marks a path that never depleted within the horizon.
NOT_DEPLETED = -1


@dataclass(frozen=True, slots=True)
class CampaignDraws:
    """Per-path, per-month outcomes (int64 arrays of shape (paths, months)).

    Attributes:
        families: threat families simulated (those of the forecast the defense knows).
        interceptors: counted interceptor types.
        launched, intercepted, leakers: family -> (paths, months).
        spent, deliveries, stock: type -> (paths, months); ``stock`` is at month end.
        ballistic_shortfall: (paths, months) engageable ballistic targets the stock
            could not serve at the doctrine's shots per target.
        depletion_month: (paths,) month index of depletion, or ``NOT_DEPLETED``.
    """

    families: tuple[str, ...]
    interceptors: tuple[str, ...]
    launched: Mapping[str, np.ndarray]
    intercepted: Mapping[str, np.ndarray]
    leakers: Mapping[str, np.ndarray]
    spent: Mapping[str, np.ndarray]
    deliveries: Mapping[str, np.ndarray]
    stock: Mapping[str, np.ndarray]
    ballistic_shortfall: np.ndarray
    depletion_month: np.ndarray

    @property
    def paths(self) -> int:
        return int(self.depletion_month.shape[0])

    @property
    def months(self) -> int:
        return int(self.ballistic_shortfall.shape[1])


def simulate_campaign(
    launches: np.ndarray,
    attacks: np.ndarray,
    families: Sequence[str],
    defense: Defense,
    *,
    seed: int | np.random.SeedSequence,
    adjustments: Adjustments = BASELINE,
    delivery_profile: Mapping[str, Sequence[float]] | None = None,
    initial_stock: Mapping[str, np.ndarray] | None = None,
    progress: Callable[[int, int], None] | None = None,
    monthly_deliveries: Mapping[str, np.ndarray] | None = None,
) -> CampaignDraws:
    """Run the campaign over forecast ``launches`` and ``attacks`` (paths, months, families).

    Families the defense does not engage (guided bombs, reconnaissance drones, ...) are
    left out. ``adjustments.extra_interceptors_per_month`` adds deliveries per type from
    month ``adjustments.extra_interceptors_start`` on. ``delivery_profile`` (type -> one
    factor per month) scales each type's drawn monthly deliveries over time, e.g. to
    follow a manufacturer's announced ramp-up. ``initial_stock`` (type -> (paths,)
    interceptors on hand at the start) replaces the stock drawn from the type's range,
    e.g. with a reconstructed history's draws; the other draws stay as they are.
    ``monthly_deliveries`` (type -> (paths,) interceptors a month) replaces the drawn
    delivery rate in the same way.
    """
    if launches.ndim != 3 or launches.shape != attacks.shape:
        raise ParameterError(
            f"campaign: launches and attacks must both be (paths, months, families), got "
            f"{launches.shape} and {attacks.shape}"
        )
    if launches.shape[2] != len(families):
        raise ParameterError(
            f"campaign: {launches.shape[2]} family columns but {len(families)} family names"
        )
    if np.any(launches < 0) or np.any(attacks < 0):
        raise ParameterError("campaign: launches and attacks must not be negative")
    extra = dict(adjustments.extra_interceptors_per_month)
    defense.check_names(extra)
    for name, per_month in extra.items():
        if per_month < 0:
            raise ParameterError(
                f"extra interceptors for {name!r}: must not be negative, got {per_month:g}"
            )

    paths, months, _ = launches.shape
    profile = {name: np.ones(months) for name in defense.tracked_names}
    for name, factors in (delivery_profile or {}).items():
        defense.check_names([name])
        values = np.asarray(factors, dtype=np.float64)
        if values.shape != (months,) or np.any(values < 0) or not np.all(np.isfinite(values)):
            raise ParameterError(
                f"delivery profile for {name!r}: needs {months} finite factors >= 0"
            )
        profile[name] = values
    rng = np.random.default_rng(seed)
    engaged_families = [
        (column, family) for column, family in enumerate(families) if family in defense.threats
    ]
    names = defense.tracked_names
    stock, channels_per_raid = draw_defense_state(defense, rng, paths)
    for name, values in (initial_stock or {}).items():
        defense.check_names([name])
        given = np.asarray(values)
        if given.shape != (paths,) or np.any(given < 0):
            raise ParameterError(
                f"initial stock for {name!r}: needs {paths} whole numbers >= 0 (one per path)"
            )
        stock[name] = np.floor(given).astype(stock[name].dtype)
    drawn_deliveries = {
        name: defense.interceptors[name].deliveries_per_month.draw(rng, paths) for name in names
    }
    for name, values in (monthly_deliveries or {}).items():
        defense.check_names([name])
        array = np.asarray(values, dtype=np.float64)
        if array.shape != (paths,) or np.any(array < 0) or not np.all(np.isfinite(array)):
            raise ParameterError(f"deliveries for {name!r}: needs {paths} finite values >= 0")
    drawn_deliveries.update(
        {name: np.asarray(v, dtype=np.float64) for name, v in (monthly_deliveries or {}).items()}
    )
    monthly_deliveries = drawn_deliveries
    parameters = draw_path_parameters(
        defense,
        rng,
        paths,
        {defense.threats[family].weapon_class for _, family in engaged_families},
    )
    share_means = {
        family: path_share_mean(defense, family, parameters) for _, family in engaged_families
    }
    # Deliveries are whole interceptors: carry the fractional part to the next month.
    carry = {name: np.zeros(paths) for name in names}

    shape = (paths, months)
    launched = {family: np.zeros(shape, np.int64) for _, family in engaged_families}
    intercepted = {family: np.zeros(shape, np.int64) for _, family in engaged_families}
    leakers = {family: np.zeros(shape, np.int64) for _, family in engaged_families}
    spent = {name: np.zeros(shape, np.int64) for name in names}
    delivered = {name: np.zeros(shape, np.int64) for name in names}
    stock_end = {name: np.zeros(shape, np.int64) for name in names}
    shortfall = np.zeros(shape, np.int64)

    columns = [column for column, _ in engaged_families]
    for month in range(months):
        for name in names:
            due = monthly_deliveries[name] * profile[name][month] + carry[name]
            if month >= adjustments.extra_interceptors_start:
                due = due + extra.get(name, 0.0)
            whole = np.floor(due)
            carry[name] = due - whole
            arrived = whole.astype(np.int64)
            stock[name] += arrived
            delivered[name][:, month] = arrived
        if not engaged_families:
            for name in names:
                stock_end[name][:, month] = stock[name]
            continue
        raids = attacks[:, month, columns].max(axis=1).astype(np.int64)
        channels = {system: per_raid * raids for system, per_raid in channels_per_raid.items()}
        counts: dict[str, np.ndarray] = {}
        shares: dict[str, np.ndarray] = {}
        for column, family in engaged_families:
            threat = defense.threats[family]
            counts[family] = launches[:, month, column].astype(np.int64)
            raids_of_family = np.maximum(attacks[:, month, column], 1)
            concentration = (threat.concentration + 1.0) * raids_of_family - 1.0
            mean = share_means[family]
            shares[family] = rng.beta(
                np.maximum(mean * concentration, 1e-9),
                np.maximum((1.0 - mean) * concentration, 1e-9),
            )
        outcome = engage(counts, shares, stock, channels, defense, parameters, rng)
        for _, family in engaged_families:
            launched[family][:, month] = counts[family]
            intercepted[family][:, month] = outcome.intercepted[family]
            leakers[family][:, month] = outcome.leakers[family]
        for name in names:
            spent[name][:, month] = outcome.spent[name]
            stock_end[name][:, month] = stock[name]
        shortfall[:, month] = outcome.ballistic_stock_shortfall
        if progress is not None:
            progress(month + 1, months)

    short = shortfall > 0
    depletion = np.where(short.any(axis=1), short.argmax(axis=1), NOT_DEPLETED)
    return CampaignDraws(
        families=tuple(family for _, family in engaged_families),
        interceptors=names,
        launched=launched,
        intercepted=intercepted,
        leakers=leakers,
        spent=spent,
        deliveries=delivered,
        stock=stock_end,
        ballistic_shortfall=shortfall,
        depletion_month=depletion.astype(np.int64),
    )


def ballistic_families(draws: CampaignDraws, defense: Defense) -> list[str]:
    """The simulated families of ballistic-capable classes."""
    return [
        family
        for family in draws.families
        if defense.threats[family].weapon_class in BALLISTIC_CLASSES
    ]
