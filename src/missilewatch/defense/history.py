"""The reconstruction's inputs from the ledger and the estimates records (pure; no I/O).

:func:`build_inputs` turns per-attack ledger counts (``calibration.per_attack`` by class)
and the loaded estimates into :class:`~missilewatch.defense.reconstruction.ReconstructionInputs`:
monthly launched / destroyed / attacks per threat group, type priors from the records,
and the records that are evidence about the stock (dated deliveries, stock statements,
makers' output as a ceiling). Every record used is named, so that the answer can say
how many of its figures are assumptions.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Final

import numpy as np
import pandas as pd

from missilewatch.defense import calibration
from missilewatch.defense.reconstruction import (
    Ceiling,
    GroupRecord,
    Package,
    ReconstructionInputs,
    StockBound,
    TypePrior,
)
from missilewatch.errors import InputError, ParameterError
from missilewatch.estimates.records import (
    AT_LEAST,
    PLANNED,
    UP_TO,
    Estimate,
    EstimateSet,
)
from missilewatch.inference.bounds import LOOSENESS, Observation

#: Threat groups of the reconstruction: name -> (ledger classes, the class whose layer
#: order and doctrine records apply).
GROUPS: Final[dict[str, tuple[tuple[str, ...], str]]] = {
    "ballistic-capable": (("ballistic", "aeroballistic"), "ballistic"),
}
#: The first month of the reconstruction: the first Patriot batteries entered service in
#: April 2023 (the first Kinzhal intercept was on 4 May 2023).
FIRST_MONTH: Final = pd.Period("2023-04", freq="M")
#: Looseness (log scale, one sd) of a stock statement read as a bound: "running very
#: low" is loose words, so the ceiling is soft (exceeded by 65% with about 16% chance).
STATEMENT_LOOSENESS: Final = 0.5
#: Prior weight of the 1st, 2nd, 3rd ... layer of a group in taking its targets.
LAYER_WEIGHTS: Final = (3.0, 2.0, 1.0, 1.0)


@dataclass(frozen=True, slots=True)
class InputsReport:
    """The inputs and the records they rest on.

    Attributes:
        inputs: for :func:`missilewatch.defense.reconstruction.fit`.
        records: ids of every estimates record used.
        assumptions: ids of those marked ``assumption = true``.
        announced: tracked type -> planned deliveries per month after the fit (from
            ``planned`` delivery records dated after it).
    """

    inputs: ReconstructionInputs
    records: tuple[str, ...]
    assumptions: tuple[str, ...]
    announced: Mapping[str, float]


def fit_months(history_end: pd.Period, cut: str | pd.Period | None = None) -> pd.PeriodIndex:
    """Months of the fit: April 2023 to the calendar's last complete month (or ``cut``)."""
    last = history_end
    if cut is not None:
        cut_period = pd.Period(cut, freq="M")
        if cut_period > last:
            raise ParameterError(f"cut: {cut_period} is after the last ledger month {last}")
        last = cut_period
    if last < FIRST_MONTH + 5:
        raise ParameterError(f"cut: needs at least six months after {FIRST_MONTH}")
    return pd.period_range(FIRST_MONTH, last, freq="M")


def build_inputs(
    attacks: pd.DataFrame,
    estimates: EstimateSet,
    layer_order: Mapping[str, Sequence[str]],
    untracked: frozenset[str],
    *,
    months: pd.PeriodIndex,
    last_report: date,
) -> InputsReport:
    """Monthly ledger counts, priors and evidence records for the months ``months``.

    Args:
        attacks: ``calibration.per_attack(rows, by="class")``.
        estimates: the loaded records.
        layer_order: threat class -> interceptor types in order (layers.toml).
        untracked: layers with no counted stock.
        months: the fit's months (:func:`fit_months`).
        last_report: the ledger's last report date: a delivery record (other than a
            plan) dated after it is refused.

    Raises:
        InputError: a delivery record dated after the ledger, naming file, id and field.
    """
    _refuse_future_deliveries(estimates, last_report)
    used: set[str] = set()
    start_day = months[0].start_time.date()
    end_day = months[-1].end_time.date()
    types: list[TypePrior] = []
    groups: list[GroupRecord] = []
    for group, (classes, layer_class) in GROUPS.items():
        members = tuple(layer_order.get(layer_class, ()))
        if not members:
            continue
        for order, name in enumerate(members):
            types.append(
                _type_prior(
                    estimates,
                    name,
                    group,
                    layer_class,
                    tracked=name not in untracked,
                    weight=LAYER_WEIGHTS[min(order, len(LAYER_WEIGHTS) - 1)],
                    start=start_day,
                    end=end_day,
                    used=used,
                )
            )
        groups.append(_group_record(attacks, group, classes, months))
    names = [t.name for t in types]
    tracked = {t.name: i for i, t in enumerate(types) if t.tracked}
    packages, announced = _packages(estimates, tracked, months, end_day, used)
    bounds = _stock_bounds(estimates, tracked, months, used)
    ceilings = _ceilings(estimates, tracked, months, used)
    periods, period_labels = _periods(months)
    years = np.array([m.year for m in months])
    year_labels = tuple(sorted(set(int(y) for y in years)))
    inputs = ReconstructionInputs(
        months=tuple(str(m) for m in months),
        types=tuple(types),
        groups=tuple(groups),
        periods=periods,
        period_labels=period_labels,
        years=np.searchsorted(np.array(year_labels), years),
        year_labels=year_labels,
        packages=tuple(packages),
        stock_bounds=tuple(bounds),
        ceilings=tuple(ceilings),
    )
    inputs.check()
    del names
    assumptions = tuple(sorted(r for r in used if estimates.get(r).assumption))
    return InputsReport(inputs, tuple(sorted(used)), assumptions, announced)


def _refuse_future_deliveries(estimates: EstimateSet, last_report: date) -> None:
    for record in estimates.select(quantity="interceptor_deliveries"):
        if record.bound == PLANNED or "/" in record.unit:
            continue
        for field_name, day in (("as_of", record.as_of), ("valid_from", record.valid_from)):
            if day is not None and day > last_report:
                raise InputError(
                    f"{record.origin}: estimate {record.id!r}: field {field_name!r}: a "
                    f"delivery dated {day.isoformat()} is after the ledger's last report "
                    f"({last_report.isoformat()}); a delivery still to come is 'planned'"
                )


def _in_force(records: Sequence[Estimate], day: date) -> Estimate | None:
    covering = [r for r in records if r.covers(day)] or list(records)
    if not covering:
        return None
    before = [r for r in covering if r.as_of <= day]
    return before[-1] if before else covering[0]


def _log_normal(record: Estimate) -> tuple[float, float]:
    """(median, log sd) of a log-normal whose 90% interval is the record's range."""
    low, central, high = max(record.low, 0.5), max(record.central, 0.5), max(record.high, 0.5)
    sd = max(math.log(high / low) / (2 * 1.645), 0.1)
    return central, sd


def _type_prior(
    estimates: EstimateSet,
    name: str,
    group: str,
    layer_class: str,
    *,
    tracked: bool,
    weight: float,
    start: date,
    end: date,
    used: set[str],
) -> TypePrior:
    subject = f"{name} vs {layer_class}"
    shots = _in_force(estimates.select("shots_per_target", subject), end)
    kill = _in_force(estimates.select("kill_probability", subject), end)
    if shots is None or kill is None:
        raise ParameterError(
            f"estimates: {subject!r} needs shots_per_target and kill_probability records"
        )
    records = [shots.id, kill.id]
    initial: tuple[float, float] = (0.0, 0.1)
    delivery: tuple[float, float] = (0.0, 0.1)
    if tracked:
        stocks = [
            r
            for r in estimates.select("interceptor_stock", name, exact=True)
            if r.assumption and r.covers(start) and r.valid_to is not None
        ]
        if not stocks:
            raise ParameterError(
                f"estimates: interceptor {name!r} has no interceptor_stock record for "
                f"{start.isoformat()} (the stock the reconstruction starts from)"
            )
        initial = _log_normal(stocks[-1])
        middle = date.fromordinal((start.toordinal() + end.toordinal()) // 2)
        output = _in_force(estimates.select("interceptor_production", name), middle)
        share = _in_force(estimates.select("interceptor_share_ukraine", name), middle)
        if output is None or share is None:
            raise ParameterError(
                f"estimates: interceptor {name!r} needs interceptor_production and "
                "interceptor_share_ukraine records (the prior of unknown deliveries)"
            )
        # The maker's output times the share for Ukraine is the prior median of the
        # unknown monthly deliveries; its spread is wide (DELIVERY_LOG_SD) on purpose.
        from missilewatch.defense.reconstruction import DELIVERY_LOG_SD

        delivery = (max(output.per_month()[1] * share.central, 0.5), DELIVERY_LOG_SD)
        records += [stocks[-1].id, output.id, share.id]
    used.update(records)
    return TypePrior(
        name=name,
        group=group,
        tracked=tracked,
        initial_stock=initial,
        delivery_per_month=delivery,
        shots=(shots.low, shots.central, shots.high),
        kill=(kill.low, kill.central, kill.high),
        share_weight=weight,
        records=tuple(records),
    )


def _group_record(
    attacks: pd.DataFrame, group: str, classes: Sequence[str], months: pd.PeriodIndex
) -> GroupRecord:
    chosen = attacks[attacks["weapon_class"].isin(list(classes))]
    per_report = chosen.groupby("report_id", as_index=False).agg(
        date=("date", "first"), launched=("launched", "sum"), destroyed=("destroyed", "sum")
    )
    per_report["month"] = pd.to_datetime(per_report["date"]).dt.to_period("M")
    in_fit = per_report[per_report["month"].isin(months)]
    monthly = in_fit.groupby("month").agg(
        launched=("launched", "sum"),
        destroyed=("destroyed", "sum"),
        attacks=("launched", "size"),
    )
    monthly = monthly.reindex(months, fill_value=0)
    if len(in_fit) >= calibration.MIN_ATTACKS_FOR_FIT:
        fit = calibration.fit_beta_binomial(
            in_fit["launched"].to_numpy(), in_fit["destroyed"].to_numpy()
        )
        concentration = fit.concentration
    else:
        concentration = 1.0
    launched = int(in_fit["launched"].sum())
    rate = float(in_fit["destroyed"].sum() / launched) if launched else 0.5
    return GroupRecord(
        name=group,
        launched=monthly["launched"].to_numpy(dtype=np.int64),
        destroyed=monthly["destroyed"].to_numpy(dtype=np.int64),
        attacks=monthly["attacks"].to_numpy(dtype=np.int64),
        concentration=float(concentration),
        rate=rate,
    )


def _month_index(months: pd.PeriodIndex, day: date) -> int | None:
    period = pd.Period(day, freq="M")
    if period < months[0] or period > months[-1]:
        return None
    return int(period.ordinal - months[0].ordinal)


def _packages(
    estimates: EstimateSet,
    tracked: Mapping[str, int],
    months: pd.PeriodIndex,
    end_day: date,
    used: set[str],
) -> tuple[list[Package], dict[str, float]]:
    packages: list[Package] = []
    announced: dict[str, float] = {}
    for record in estimates.select(quantity="interceptor_deliveries"):
        if "/" in record.unit:
            continue
        types = tuple(tracked[s] for s in record.subjects if s in tracked)
        if not types:
            continue
        first = record.valid_from or record.as_of
        last = record.valid_to or first
        if first > end_day:
            if record.bound == PLANNED:
                span = max(
                    pd.Period(last, freq="M").ordinal - pd.Period(first, freq="M").ordinal + 1, 1
                )
                for subject in record.subjects:
                    if subject in tracked:
                        announced[subject] = announced.get(
                            subject, 0.0
                        ) + record.central / span / len(types)
                used.add(record.id)
            continue
        touched = [
            i
            for i in range(len(months))
            if months[i].start_time.date() <= last and months[i].end_time.date() >= first
        ]
        if not touched:
            continue
        packages.append(Package(Observation.from_record(record), types, tuple(touched)))
        used.add(record.id)
    return packages, announced


def _stock_bounds(
    estimates: EstimateSet,
    tracked: Mapping[str, int],
    months: pd.PeriodIndex,
    used: set[str],
) -> list[StockBound]:
    bounds: list[StockBound] = []
    for record in estimates.select(quantity="interceptor_stock"):
        if record.assumption:
            continue  # a prior (the stock on arrival, the raid's stock), not evidence
        types = tuple(tracked[s] for s in record.subjects if s in tracked)
        if not types:
            continue
        # The month end nearest the statement: the end of the previous month in the
        # first half of a month, else the end of the month.
        period = pd.Period(record.as_of, freq="M")
        if record.as_of.day <= 15:
            period -= 1
        index = int(period.ordinal - months[0].ordinal)
        if index < -1 or index >= len(months):
            continue
        observation = Observation.from_record(record)
        if record.bound in (UP_TO, AT_LEAST):
            observation = Observation(
                observation.record_id,
                observation.bound,
                observation.low,
                observation.central,
                observation.high,
                STATEMENT_LOOSENESS,
            )
        bounds.append(StockBound(observation, types, index))
        used.add(record.id)
    return bounds


def _ceilings(
    estimates: EstimateSet,
    tracked: Mapping[str, int],
    months: pd.PeriodIndex,
    used: set[str],
) -> list[Ceiling]:
    ceilings: list[Ceiling] = []
    for name, type_index in tracked.items():
        series = estimates.select("interceptor_production", name)
        for year in sorted({m.year for m in months}):
            in_year = tuple(i for i, m in enumerate(months) if m.year == year)
            record = _in_force(series, date(year, 7, 1))
            if record is None:
                continue
            ceiling = record.per_month()[2] * len(in_year)
            observation = Observation(record.id, UP_TO, 0.0, ceiling, ceiling, LOOSENESS)
            ceilings.append(Ceiling(observation, type_index, in_year))
            used.add(record.id)
    return ceilings


def _periods(months: pd.PeriodIndex) -> tuple[np.ndarray, tuple[str, ...]]:
    labels = [f"{m.year}H{1 if m.month <= 6 else 2}" for m in months]
    ordered = tuple(dict.fromkeys(labels))
    return np.array([ordered.index(label) for label in labels]), ordered
