"""Stock-flow parameters built from the baseline: pure functions, no I/O.

:func:`history_from_baseline` cuts the ledger's monthly launches and per-attack sizes of
the modelled families at the end of the history; :func:`build_setup` turns them and the
sourced estimates (initial stocks, dated production, import and loss rates, published
stocks as constraints) into the frozen :class:`~missilewatch.model.stockflow.StockFlowParams`,
with the scenario's adjustments applied month by month. Method: docs/model.md.
"""

from __future__ import annotations

import warnings
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, Final

import numpy as np
import pandas as pd

from missilewatch.errors import MissilewatchWarning, ParameterError
from missilewatch.estimates import WEAPON_CLASSES, Estimate, EstimateSet
from missilewatch.model.adjustments import BASELINE, Adjustments
from missilewatch.model.calibration import PRODUCTION, STOCK, Constraint, split_constraint
from missilewatch.model.sampling import Range
from missilewatch.model.stockflow import Schedule, StockFlowParams
from missilewatch.model.strikes import (
    StrikeFit,
    StrikePool,
    fit_family,
    regime_table,
)

if TYPE_CHECKING:
    from missilewatch.baseline import Baseline

#: Dated rate figures closer than this (months) are pooled into one anchor.
MERGE_ANCHORS_MONTHS: Final = 2.0
#: A history shortfall of this share of a family's ledger launches costs a factor e.
SHORTFALL_SCALE_SHARE: Final = 0.05


# --- inputs -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class LedgerHistory:
    """Monthly launches and per-attack sizes of the modelled families."""

    months: list[pd.Period]  # complete months of history
    families: list[str]
    weapon_classes: list[str]
    launches: np.ndarray  # (months, families) float
    reports: np.ndarray  # (months, families) float
    attack_months: list[np.ndarray]  # per family: month index of each attack
    attack_sizes: list[np.ndarray]  # per family: launched in each attack
    last_report: date


def modelled_families(estimates: EstimateSet) -> list[str]:
    """Families the stock-flow engine covers: those with an ``initial_stock`` record."""
    names = []
    for record in estimates.select("initial_stock"):
        if len(record.subjects) == 1 and record.subject not in WEAPON_CLASSES:
            names.append(record.subject)
    return sorted(set(names))


def history_from_baseline(
    baseline: Baseline, families: Sequence[str], end: pd.Period | None = None
) -> LedgerHistory:
    """The ledger's months from its first to ``end`` (default: the calendar's last
    complete month), for ``families``; a later month is never history."""
    calendar = baseline.calendar
    last = calendar.history_end if end is None else min(end, calendar.history_end)
    first = calendar.first_month
    months = list(pd.period_range(first, last, freq="M"))
    index = {m: i for i, m in enumerate(months)}
    launches = np.zeros((len(months), len(families)))
    reports = np.zeros((len(months), len(families)))
    monthly = baseline.monthly
    chosen = monthly[monthly["family"].isin(families) & (monthly["month"] <= last)]
    column = {name: f for f, name in enumerate(families)}
    rows = [index[m] for m in chosen["month"]]
    cols = [column[str(name)] for name in chosen["family"]]
    launches[rows, cols] = chosen["launched"].to_numpy(dtype=np.float64)
    reports[rows, cols] = chosen["reports"].to_numpy(dtype=np.float64)
    attacks = baseline.derived(("attack-months",), lambda: _attack_months(baseline.attacks))
    attacks = attacks[attacks["month"] <= last]
    attack_months: list[np.ndarray] = []
    attack_sizes: list[np.ndarray] = []
    for family in families:
        rows_f = attacks[(attacks["family"] == family) & (attacks["launched"] > 0)]
        attack_months.append(rows_f["month"].map(index).to_numpy(dtype=np.int64))
        attack_sizes.append(rows_f["launched"].to_numpy(dtype=np.float64))
    return LedgerHistory(
        months=months,
        families=list(families),
        weapon_classes=[baseline.family_class(f) for f in families],
        launches=launches,
        reports=reports,
        attack_months=attack_months,
        attack_sizes=attack_sizes,
        last_report=calendar.last_report,
    )


def _attack_months(attacks: pd.DataFrame) -> pd.DataFrame:
    frame = attacks[["family", "launched"]].copy()
    frame["month"] = attacks["date"].dt.to_period("M")
    return frame


def _period(value: str | date | pd.Period, name: str) -> pd.Period:
    try:
        return pd.Period(value, freq="M")
    except (ValueError, TypeError) as error:
        raise ParameterError(f"{name}: not a month (YYYY-MM): {value!r}") from error


def _month_index(day: date, origin: pd.Period) -> float:
    period = pd.Period(day, freq="M")
    whole = (period.year - origin.year) * 12 + (period.month - origin.month)
    return whole + (day.day - 1) / period.days_in_month


def _anchor(record: Estimate, origin: pd.Period) -> float:
    if record.valid_from is not None and record.valid_to is not None:
        middle = record.valid_from + (record.valid_to - record.valid_from) / 2
        return _month_index(middle, origin)
    return _month_index(record.as_of, origin)


def _rate_items(
    records: Iterable[Estimate], origin: pd.Period
) -> tuple[list[tuple[float, Range]], bool]:
    """Anchors of single-family rate records; close anchors pooled. Returns (items, assumed)."""
    items = sorted(
        ((_anchor(r, origin), r) for r in records), key=lambda pair: (pair[0], pair[1].id)
    )
    pooled: list[tuple[float, list[Estimate]]] = []
    for month, record in items:
        if pooled and month - pooled[-1][0] < MERGE_ANCHORS_MONTHS:
            pooled[-1][1].append(record)
        else:
            pooled.append((month, [record]))
    result = []
    for month, group in pooled:
        lows, centrals, highs = zip(*(r.per_month() for r in group), strict=True)
        result.append((month, Range(min(lows), float(np.mean(centrals)), max(highs))))
    return result, any(record.assumption for _, record in items)


def _active_window(records: Sequence[Estimate], origin: pd.Period) -> tuple[float, float]:
    if not records:
        return (-np.inf, np.inf)
    starts = [r.valid_from for r in records]
    ends = [r.valid_to for r in records]
    start = (
        _month_index(min(d for d in starts if d is not None), origin)
        if all(d is not None for d in starts)
        else -np.inf
    )
    end = (
        _month_index(max(d for d in ends if d is not None), origin)
        if all(d is not None for d in ends)
        else np.inf
    )
    return (np.floor(start), np.floor(end))


@dataclass(frozen=True)
class Setup:
    """Everything built from the ledger and the estimates for one run."""

    history: LedgerHistory
    months: list[pd.Period]
    params: StockFlowParams
    fits: list[StrikeFit]
    assumed: dict[str, bool]  # family -> depends on an assumption
    constraints_used: list[str]


def _resolve_subjects(
    subjects: Sequence[str], families: Sequence[str], classes: Sequence[str]
) -> tuple[int, ...]:
    chosen: set[int] = set()
    for subject in subjects:
        if subject in families:
            chosen.add(families.index(subject))
        else:
            chosen.update(i for i, c in enumerate(classes) if c == subject)
    return tuple(sorted(chosen))


def fit_strikes(history: LedgerHistory, until_month: int | None = None) -> list[StrikeFit]:
    """Fit the strike process per family on history months before ``until_month``."""
    end = len(history.months) if until_month is None else until_month
    fits = []
    for f, family in enumerate(history.families):
        keep = history.attack_months[f] < end
        fits.append(
            fit_family(
                family,
                history.weapon_classes[f],
                history.reports[:end, f],
                history.attack_months[f][keep],
                history.attack_sizes[f][keep],
            )
        )
    return fits


#: Russian-side quantities the stock-flow engine reads.
MODEL_QUANTITIES: Final = frozenset(
    {"production_rate", "import_rate", "other_losses_rate", "stock", "initial_stock"}
)


def _warn_unused(record: Estimate, reason: str) -> None:
    # A record the engine cannot use would otherwise be dropped without a word; most
    # likely it comes from the user's own file.
    warnings.warn(
        f"estimate {record.id!r} ({record.quantity}, {record.subject}) {reason}; not used",
        MissilewatchWarning,
        stacklevel=4,
    )


def build_setup(
    baseline: Baseline,
    *,
    history: LedgerHistory,
    until: pd.Period,
    fits: list[StrikeFit],
    pool: StrikePool,
    adjustments: Adjustments = BASELINE,
) -> Setup:
    """The stock-flow parameters for ``history`` (from :func:`history_from_baseline`)
    and a forecast to ``until`` with the fitted strike process, under ``adjustments``
    (their month offsets count from the month after the history).

    Production and import factors of the adjustments (ramps, an imports stop, the
    families or classes they apply to) are set here, month by month.
    """
    estimate_set = baseline.estimates
    families = list(history.families)
    origin = history.months[0]
    last_history = history.months[-1]
    until_period = until
    end = max(until_period, last_history)
    months = list(pd.period_range(origin, end, freq="M"))
    forecast_months = len(months) - len(history.months)
    classes = history.weapon_classes
    assumed: dict[str, bool] = {}
    production_items: list[list[tuple[float, Range]]] = []
    import_items: list[list[tuple[float, Range]]] = []
    loss_items: list[list[tuple[float, Range]]] = []
    import_windows: list[tuple[float, float]] = []
    initial: list[Range] = []
    for family in families:
        init = estimate_set.select("initial_stock", family, exact=True)[-1]
        initial.append(Range(init.low, init.central, init.high))
        uses_assumption = init.assumption
        items = []
        for quantity, target in (
            ("production_rate", production_items),
            ("import_rate", import_items),
            ("other_losses_rate", loss_items),
        ):
            records = estimate_set.select(quantity, family, exact=True)
            anchors, assumed_here = _rate_items(records, origin)
            target.append(anchors)
            uses_assumption = uses_assumption or assumed_here
            if quantity == "import_rate":
                items = list(records)
        import_windows.append(_active_window(items, origin))
        assumed[family] = uses_assumption
    raw_constraints: list[Constraint] = []
    for record in estimate_set.records:
        is_aggregate = len(record.subjects) > 1 or record.subject in WEAPON_CLASSES
        members = _resolve_subjects(record.subjects, families, classes)
        if record.quantity in MODEL_QUANTITIES and not members:
            _warn_unused(
                record, "names no modelled family (one is modelled when it has initial_stock)"
            )
            continue
        if record.quantity == "stock":
            quantity, month = STOCK, int(np.floor(_month_index(record.as_of, origin)))
            figure = Range(record.low, record.central, record.high)
        elif record.quantity == "production_rate" and is_aggregate:
            quantity, month = PRODUCTION, int(np.floor(_anchor(record, origin)))
            figure = Range(*record.per_month())
        else:
            continue
        unmodelled = [
            name for name in record.subjects if name not in WEAPON_CLASSES and name not in families
        ]
        if unmodelled:
            # The figure is a total over its subjects; without the unmodelled ones the
            # modelled families would be asked to carry all of it.
            _warn_unused(
                record,
                f"counts {', '.join(unmodelled)}, which {'is' if len(unmodelled) == 1 else 'are'} "
                "not modelled, so its total cannot be compared with the modelled families",
            )
            continue
        if not 0 <= month < len(history.months):
            _warn_unused(
                record,
                f"is dated {origin + month}, outside the ledger's history "
                f"({origin}..{history.months[-1]}), so it cannot condition the paths",
            )
            continue
        raw_constraints.append(Constraint(record.id, quantity, members, month, figure))
    production_schedule = Schedule.build(production_items)
    prior_rates = np.einsum(
        "tfa,fa->tf", production_schedule.weights(len(months)), production_schedule.central
    )
    constraints: list[Constraint] = []
    for constraint in raw_constraints:
        if constraint.quantity == PRODUCTION:
            centrals = [prior_rates[constraint.month, f] for f in constraint.families]
        else:
            centrals = [initial[f].central for f in constraint.families]
        constraints.extend(split_constraint(constraint, centrals))
    regimes = regime_table(fits, forecast_months, adjustments)
    production_factor = np.ones((len(months), len(families)))
    imports_factor = np.ones((len(months), len(families)))
    history_len = len(history.months)
    for offset in range(forecast_months):
        t = history_len + offset
        for f, family in enumerate(families):
            if adjustments.applies_to(family, classes[f]):
                production_factor[t, f] = adjustments.production_multiplier(offset)
            if adjustments.imports_stop is not None and offset >= adjustments.imports_stop:
                imports_factor[t, f] = 0.0
    total_launches = history.launches.sum(axis=0)
    params = StockFlowParams(
        families=tuple(families),
        weapon_classes=tuple(classes),
        initial_stock=tuple(initial),
        production=production_schedule,
        imports=Schedule.build(import_items, import_windows),
        other_losses=Schedule.build(loss_items),
        observed_launches=history.launches,
        forecast_months=forecast_months,
        pool=pool,
        regimes=regimes,
        constraints=tuple(constraints),
        production_factor=production_factor,
        imports_factor=imports_factor,
        shortfall_scale=np.maximum(SHORTFALL_SCALE_SHARE * total_launches, 5.0),
    )
    return Setup(
        history=history,
        months=months,
        params=params,
        fits=fits,
        assumed=assumed,
        constraints_used=[c.id for c in raw_constraints],
    )


# --- stockpile ----------------------------------------------------------------------------------
