"""Stock-flow public API: stockpile reconstruction, forecast, backtest and evidence.

Reads the ledger (monthly launches and per-attack counts from the Ukrainian Air Force
reports, via the public dataset "Massive Missile Attacks on Ukraine", Petro Ivaniuk,
Kaggle piterfm/massive-missile-attacks-on-ukraine) and the sourced estimates, builds
frozen parameters, calls :mod:`missilewatch.model` and returns documented DataFrames.
Method: docs/model.md.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Final

import numpy as np
import pandas as pd

from missilewatch.errors import MissilewatchWarning, ParameterError, UnknownNameError
from missilewatch.estimates import WEAPON_CLASSES, Estimate, EstimateSet
from missilewatch.estimates import load as load_estimates
from missilewatch.model.adjustments import BASELINE, Adjustments
from missilewatch.model.calibration import PRODUCTION, STOCK, Constraint, split_constraint
from missilewatch.model.evidence import german_tank, little_implied_stock
from missilewatch.model.sampling import Range
from missilewatch.model.stockflow import (
    MAX_PATHS,
    RunResult,
    Schedule,
    StockFlowParams,
    check_paths,
    run,
)
from missilewatch.model.strikes import (
    StrikeFit,
    StrikeForecast,
    build_pool,
    fit_family,
    regime_table,
    sample_strikes,
)
from missilewatch.names import resolve_classes, resolve_families, resolve_family

PERCENTILES: Final = (5, 25, 50, 75, 95)
PERCENTILE_COLUMNS: Final = [f"p{q}" for q in PERCENTILES]
QUANTITIES: Final = (
    "stock",
    "production",
    "imports",
    "launches",
    "net_accumulation",
    "shortfall",
    "unmet",
)
#: Dated rate figures closer than this (months) are pooled into one anchor.
MERGE_ANCHORS_MONTHS: Final = 2.0
#: A history shortfall of this share of a family's ledger launches costs a factor e.
SHORTFALL_SCALE_SHARE: Final = 0.05
#: Months of recent ledger launches that define "the current launch rate".
RECENT_MONTHS: Final = 3
#: A family whose median history shortfall exceeds this share of its launches is warned about.
SHORTFALL_WARNING_SHARE: Final = 0.05
#: Longest forecast: a strike process fitted on the last two years says nothing about
#: launches decades ahead, and an ``until`` of 2099 is more likely a typo than a question.
MAX_FORECAST_MONTHS: Final = 120
#: The last ledger month counts as history only if reports reach this close to its end.
COMPLETE_MONTH_DAYS: Final = 2
#: Decimals kept in output frames: percentiles of missile counts carry no meaning beyond
#: a tenth (and the engine's float32 resample leaves noise in the 7th digit); a
#: probability keeps three.
COUNT_DECIMALS: Final = 1
PROBABILITY_DECIMALS: Final = 3

ProgressCallback = Callable[[int, int], None]


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


def _period(value: str | date | pd.Period, name: str) -> pd.Period:
    try:
        return pd.Period(value, freq="M")
    except (ValueError, TypeError) as error:
        raise ParameterError(f"{name}: not a month (YYYY-MM): {value!r}") from error


def _seed_sequence(seed: int) -> np.random.SeedSequence:
    """The root of a run's random streams; a negative seed is refused in one line."""
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
        raise ParameterError(f"seed must be a whole number >= 0, got {seed!r}")
    return np.random.SeedSequence(int(seed))


def modelled_families(estimates: EstimateSet) -> list[str]:
    """Families the stock-flow engine covers: those with an ``initial_stock`` record."""
    names = []
    for record in estimates.select("initial_stock"):
        if len(record.subjects) == 1 and record.subject not in WEAPON_CLASSES:
            names.append(record.subject)
    return sorted(set(names))


def load_history(db: Path | None, families: Sequence[str]) -> LedgerHistory:
    """Read the ledger: complete months only (a trailing partial month is left out)."""
    from missilewatch import ledger
    from missilewatch.ledger import taxonomy

    classes = taxonomy.load()
    monthly = ledger.monthly_launches(db, by="family")
    attacks = ledger.attacks(db, allocated=True)
    last_report = pd.Timestamp(attacks["date"].max()).date()
    first = monthly["month"].min()
    last = monthly["month"].max()
    if last_report.day < last.days_in_month - COMPLETE_MONTH_DAYS:
        last = last - 1  # the last month is partial: it belongs to the forecast
    months = list(pd.period_range(first, last, freq="M"))
    index = {m: i for i, m in enumerate(months)}
    launches = np.zeros((len(months), len(families)))
    reports = np.zeros((len(months), len(families)))
    chosen = monthly[monthly["family"].isin(families) & (monthly["month"] <= last)]
    for row in chosen.itertuples(index=False):
        f = families.index(str(row.family))
        launches[index[row.month], f] = float(row.launched)
        reports[index[row.month], f] = float(row.reports)
    attacks = attacks.assign(month=attacks["date"].dt.to_period("M"))
    attacks = attacks[attacks["month"] <= last]
    attack_months: list[np.ndarray] = []
    attack_sizes: list[np.ndarray] = []
    for family in families:
        rows = attacks[(attacks["family"] == family) & (attacks["launched"] > 0)]
        attack_months.append(rows["month"].map(index).to_numpy(dtype=np.int64))
        attack_sizes.append(rows["launched"].to_numpy(dtype=np.float64))
    return LedgerHistory(
        months=months,
        families=list(families),
        weapon_classes=[classes.family_class(f) for f in families],
        launches=launches,
        reports=reports,
        attack_months=attack_months,
        attack_sizes=attack_sizes,
        last_report=last_report,
    )


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
    *,
    until: str | pd.Period,
    estimates: Path | EstimateSet | None = None,
    db: Path | None = None,
    adjustments: Adjustments = BASELINE,
    pool_seed: np.random.SeedSequence | None = None,
) -> Setup:
    estimate_set = estimates if isinstance(estimates, EstimateSet) else load_estimates(estimates)
    families = modelled_families(estimate_set)
    history = load_history(db, families)
    origin = history.months[0]
    until_period = _period(until, "until")
    last_history = history.months[-1]
    if until_period < origin:
        raise ParameterError(f"until: {until_period} is before the ledger starts ({origin})")
    if (until_period - last_history).n > MAX_FORECAST_MONTHS:
        raise ParameterError(
            f"until: {until_period} is {(until_period - last_history).n} months after the "
            f"ledger's last complete month ({last_history}); forecasts reach at most "
            f"{MAX_FORECAST_MONTHS} months"
        )
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
    fits = fit_strikes(history)
    root = pool_seed if pool_seed is not None else np.random.SeedSequence(0)
    pool = build_pool(np.random.default_rng(root), fits, adjustments)
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


def _quantity_arrays(values: dict[str, np.ndarray], members: list[int]) -> dict[str, np.ndarray]:
    """(samples, months) per quantity for a family or the sum over a class."""
    summed = {
        key: np.asarray(v[..., members], dtype=np.float64).sum(axis=-1) for key, v in values.items()
    }
    stock = summed["stock"]
    return {
        "stock": stock[..., 1:],
        "production": summed["production"],
        "imports": summed["imports"],
        "launches": summed["launches"],
        "net_accumulation": np.diff(stock, axis=-1) - summed["shortfall"],
        "shortfall": summed["shortfall"],
        "unmet": summed["unmet"],
    }


@dataclass(frozen=True)
class Shortfall:
    """A family whose ledger launches its production and stock figures cannot explain.

    ``median`` is the median over paths of the history shortfall (missiles launched that
    the path could not have held), ``first_month`` the first month the median path runs
    short, ``launched`` the family's ledger launches over the history.
    """

    family: str
    first_month: pd.Period
    median: float
    launched: float

    def message(self) -> str:
        return (
            f"{self.family}: production and stock estimates cannot explain the ledger's "
            f"launches from {self.first_month} (median shortfall {self.median:,.0f} of "
            f"{self.launched:,.0f} launched); stock clamped at zero, shortfall reported"
        )


@dataclass(frozen=True)
class StockpileRun:
    """A finished run with its setup: the source of both stockpile frames.

    ``shortfalls`` lists every family whose median history shortfall exceeds
    ``SHORTFALL_WARNING_SHARE`` of its ledger launches, whatever the caller selects.
    """

    setup: Setup
    result: RunResult
    shortfalls: tuple[Shortfall, ...] = ()


def simulate_stockpile(
    *,
    until: str | pd.Period = "2027-12",
    paths: int = 10_000,
    seed: int = 0,
    estimates: Path | EstimateSet | None = None,
    db: Path | None = None,
    adjustments: Adjustments = BASELINE,
    progress: ProgressCallback | None = None,
    warn: bool = True,
) -> StockpileRun:
    """Run the engine once; :func:`stockpile` and :func:`stockpile_summary` format it.

    With ``warn`` (the default) every family in ``shortfalls`` is reported as a
    :class:`MissilewatchWarning`; callers that show only some families pass
    ``warn=False`` and call :func:`warn_shortfalls` with their selection.
    """
    check_paths(paths)
    pool_stream, run_stream = _seed_sequence(seed).spawn(2)
    setup = build_setup(
        until=until, estimates=estimates, db=db, adjustments=adjustments, pool_seed=pool_stream
    )
    callback = (lambda done: progress(done, paths)) if progress is not None else None
    result = run(setup.params, run_stream, paths, progress=callback)
    outcome = StockpileRun(setup=setup, result=result, shortfalls=_shortfalls(setup, result))
    if warn:
        warn_shortfalls(outcome)
    return outcome


def _shortfalls(setup: Setup, result: RunResult) -> tuple[Shortfall, ...]:
    history = len(setup.history.months)
    shortfall = np.asarray(result.resample["shortfall"][:, :history, :], dtype=np.float64)
    median_total = np.median(shortfall.sum(axis=1), axis=0)
    launched = setup.history.launches.sum(axis=0)
    found = []
    for f, family in enumerate(setup.params.families):
        if launched[f] > 0 and median_total[f] > SHORTFALL_WARNING_SHARE * launched[f]:
            median_by_month = np.median(shortfall[:, :, f], axis=0)
            first = (
                int(np.flatnonzero(median_by_month > 0)[0]) if np.any(median_by_month > 0) else 0
            )
            found.append(
                Shortfall(
                    family=family,
                    first_month=setup.history.months[first],
                    median=float(median_total[f]),
                    launched=float(launched[f]),
                )
            )
    return tuple(found)


def selected_families(
    outcome: StockpileRun,
    *,
    family: str | Sequence[str] | None = None,
    weapon_class: str | Sequence[str] | None = None,
) -> list[str]:
    """The modelled families a selection covers (a class covers its members), in order."""
    indices = {
        i for _, _, members in _select_series(outcome.setup, family, weapon_class) for i in members
    }
    return [name for i, name in enumerate(outcome.setup.params.families) if i in indices]


def warn_shortfalls(
    outcome: StockpileRun,
    *,
    family: str | Sequence[str] | None = None,
    weapon_class: str | Sequence[str] | None = None,
) -> None:
    """Warn about the shortfalls of the selected families and classes (default: all).

    A class selects its member families: ``weapon_class="cruise"`` warns about a cruise
    family's shortfall, ``family="Kinzhal"`` does not warn about Kh-101/Kh-555.
    """
    members = set(selected_families(outcome, family=family, weapon_class=weapon_class))
    for shortfall in outcome.shortfalls:
        if shortfall.family in members:
            warnings.warn(shortfall.message(), MissilewatchWarning, stacklevel=3)


def _select_series(
    setup: Setup, family: str | Sequence[str] | None, weapon_class: str | Sequence[str] | None
) -> list[tuple[str, str, list[int]]]:
    families = list(setup.params.families)
    classes = list(setup.params.weapon_classes)
    all_series = [("family", name, [i]) for i, name in enumerate(families)]
    for c in sorted(set(classes)):
        all_series.append(("class", c, [i for i, k in enumerate(classes) if k == c]))
    if family is None and weapon_class is None:
        return all_series
    wanted_families = (
        resolve_families(family, families, covered_by="modelled by the stock-flow model") or []
    )
    wanted_classes = (
        resolve_classes(
            weapon_class,
            sorted(set(classes)),
            covered_by="the class of a modelled family",
        )
        or []
    )
    chosen = [s for s in all_series if s[0] == "family" and s[1] in wanted_families]
    for name in wanted_classes:
        chosen.extend(s for s in all_series if s[0] == "class" and s[1] == name)
        chosen.extend(
            s
            for s in all_series
            if s[0] == "family" and classes[s[2][0]] == name and s not in chosen
        )
    return chosen


def stockpile_frame(
    outcome: StockpileRun,
    *,
    family: str | Sequence[str] | None = None,
    weapon_class: str | Sequence[str] | None = None,
    start: str | pd.Period | None = None,
    until: str | pd.Period | None = None,
) -> pd.DataFrame:
    setup, result = outcome.setup, outcome.result
    months = setup.months
    history = len(setup.history.months)
    first = _period(start, "start") if start is not None else months[0]
    last = _period(until, "until") if until is not None else months[-1]
    if last < first:
        raise ParameterError(f"until: {last} is before start {first}")
    keep = np.array([first <= m <= last for m in months])
    rows = []
    for level, name, members in _select_series(setup, family, weapon_class):
        samples = _quantity_arrays(result.resample, members)
        assumption = any(setup.assumed[setup.params.families[i]] for i in members)
        for quantity in QUANTITIES:
            values = samples[quantity][:, keep]
            quantiles = np.percentile(values, PERCENTILES, axis=0)
            frame = pd.DataFrame(quantiles.T, columns=PERCENTILE_COLUMNS)
            frame.insert(0, "quantity", quantity)
            frame.insert(0, "name", name)
            frame.insert(0, "level", level)
            frame.insert(
                0,
                "month",
                pd.PeriodIndex([m for m, k in zip(months, keep, strict=True) if k], freq="M"),
            )
            frame["mean"] = values.mean(axis=0)
            frame["observed"] = np.arange(len(months))[keep] < history
            frame["assumption"] = assumption
            rows.append(frame)
    out = pd.concat(rows, ignore_index=True)
    value_columns = [*PERCENTILE_COLUMNS, "mean"]
    out[value_columns] = out[value_columns].round(COUNT_DECIMALS)
    out.attrs["effective_sample_size"] = dict(
        zip(setup.params.families, result.effective_sample_size.tolist(), strict=True)
    )
    out.attrs["paths"] = result.paths
    out.attrs["constraints"] = list(setup.constraints_used)
    return out


def stockpile(
    *,
    family: str | Sequence[str] | None = None,
    weapon_class: str | Sequence[str] | None = None,
    until: str | pd.Period = "2027-12",
    start: str | pd.Period | None = None,
    paths: int = 10_000,
    seed: int = 0,
    estimates: Path | EstimateSet | None = None,
    db: Path | None = None,
    adjustments: Adjustments = BASELINE,
    progress: ProgressCallback | None = None,
) -> pd.DataFrame:
    """Monthly stock, production, imports, launches and net accumulation with percentiles.

    Long form: ``month, level, name, quantity, p5, p25, p50, p75, p95, mean, observed,
    assumption``. ``level`` is ``family`` or ``class``. Besides the documented quantities
    it has ``shortfall`` (history launches the path could not have held) and ``unmet``
    (forecast launches beyond the stock). ``attrs``: effective_sample_size, paths,
    constraints (ids of the estimates the paths were conditioned on).
    """
    outcome = simulate_stockpile(
        until=until,
        paths=paths,
        seed=seed,
        estimates=estimates,
        db=db,
        adjustments=adjustments,
        progress=progress,
        warn=False,
    )
    frame = stockpile_frame(
        outcome, family=family, weapon_class=weapon_class, start=start, until=until
    )
    warn_shortfalls(outcome, family=family, weapon_class=weapon_class)
    return frame


SUMMARY_COLUMNS: Final = [
    "level",
    "name",
    "metric",
    "p5",
    "p50",
    "p95",
    "mean",
    "unit",
    "assumption",
]


def summary_frame(
    outcome: StockpileRun,
    *,
    family: str | Sequence[str] | None = None,
    weapon_class: str | Sequence[str] | None = None,
) -> pd.DataFrame:
    setup, result = outcome.setup, outcome.result
    history = len(setup.history.months)
    last_month = setup.history.months[-1]
    rows: list[dict[str, object]] = []

    def add(level: str, name: str, metric: str, values: np.ndarray, unit: str) -> None:
        p5, p50, p95 = np.percentile(values, [5, 50, 95])
        rows.append(
            {
                "level": level,
                "name": name,
                "metric": metric,
                "p5": p5,
                "p50": p50,
                "p95": p95,
                "mean": float(np.mean(values)),
                "unit": unit,
            }
        )

    def constant(level: str, name: str, metric: str, value: float, unit: str) -> None:
        rows.append(
            {
                "level": level,
                "name": name,
                "metric": metric,
                "p5": value,
                "p50": value,
                "p95": value,
                "mean": value,
                "unit": unit,
            }
        )

    def add_probability(level: str, name: str, metric: str, probability: float) -> None:
        constant(level, name, metric, probability, "probability")

    window = slice(max(0, history - 12), history)
    for level, name, members in _select_series(setup, family, weapon_class):
        q = _quantity_arrays(result.resample, members)
        stock_now = q["stock"][:, history - 1]
        recent = setup.history.launches[history - RECENT_MONTHS : history][:, members].sum(axis=1)
        rate = float(recent.mean())
        add(level, name, f"stock_{last_month}", stock_now, "missiles")
        constant(
            level,
            name,
            "launch_rate_recent",
            rate,
            f"missiles/month (mean of last {RECENT_MONTHS} months)",
        )
        if rate > 0:
            add(
                level,
                name,
                "months_of_supply",
                stock_now / rate,
                "months at the recent launch rate",
            )
        else:
            constant(
                level,
                name,
                "months_of_supply",
                np.inf,
                f"months (inf: no launches in the last {RECENT_MONTHS} months)",
            )
        supply = q["production"][:, window].sum(axis=1) + q["imports"][:, window].sum(axis=1)
        fired = q["launches"][:, window].sum(axis=1)
        add(
            level,
            name,
            "net_accumulation_12m",
            q["net_accumulation"][:, window].sum(axis=1),
            "missiles over the last 12 observed months",
        )
        add_probability(
            level, name, "p_production_exceeds_launches_12m", float(np.mean(supply > fired))
        )
        add(level, name, "shortfall_history", q["shortfall"][:, :history].sum(axis=1), "missiles")
        constant(
            level,
            name,
            "effective_sample_size",
            float(np.min(result.effective_sample_size[members])),
            f"paths of {result.paths:,} (smallest over the member families)",
        )
        if setup.params.forecast_months > 0:
            add(level, name, f"stock_{setup.months[-1]}", q["stock"][:, -1], "missiles")
            add_probability(
                level, name, "p_unmet_launches_by_end", float(np.mean(q["unmet"].sum(axis=1) > 0))
            )
    frame = pd.DataFrame(rows, columns=SUMMARY_COLUMNS[:-1])
    value_columns = ["p5", "p50", "p95", "mean"]
    is_probability = frame["unit"] == "probability"
    frame[value_columns] = frame[value_columns].astype(float)
    frame.loc[is_probability, value_columns] = frame.loc[is_probability, value_columns].round(
        PROBABILITY_DECIMALS
    )
    frame.loc[~is_probability, value_columns] = frame.loc[~is_probability, value_columns].round(
        COUNT_DECIMALS
    )
    assumed = {
        name: any(setup.assumed[setup.params.families[i]] for i in members)
        for _, name, members in _select_series(setup, family, weapon_class)
    }
    frame["assumption"] = frame["name"].map(assumed).astype(bool)
    return frame


def stockpile_summary(
    *,
    family: str | Sequence[str] | None = None,
    weapon_class: str | Sequence[str] | None = None,
    until: str | pd.Period = "2027-12",
    paths: int = 10_000,
    seed: int = 0,
    estimates: Path | EstimateSet | None = None,
    db: Path | None = None,
    adjustments: Adjustments = BASELINE,
) -> pd.DataFrame:
    """Summary figures: stock now, months of supply, net accumulation and
    P(production > launches) over the last 12 observed months, stock at ``until``.

    Columns ``level, name, metric, p5, p50, p95, mean, unit, assumption``. Production
    includes imports. A probability carries the same value in every column.
    """
    outcome = simulate_stockpile(
        until=until,
        paths=paths,
        seed=seed,
        estimates=estimates,
        db=db,
        adjustments=adjustments,
        warn=False,
    )
    frame = summary_frame(outcome, family=family, weapon_class=weapon_class)
    warn_shortfalls(outcome, family=family, weapon_class=weapon_class)
    return frame


# --- forecast and backtest ----------------------------------------------------------------------


def forecast_strikes(
    *,
    until: str | pd.Period,
    start: str | pd.Period | None = None,
    paths: int,
    seed: int,
    db: Path | None = None,
    adjustments: Adjustments = BASELINE,
    families: Sequence[str] | None = None,
    estimates: Path | EstimateSet | None = None,
) -> StrikeForecast:
    """Future attacks and launches per family from the strike process fitted to the ledger.

    ``start`` is the first forecast month (default: the month after the last complete
    ledger month); the fit uses the ledger before it. Adjustments' month offsets count
    from ``start``. Launches here are not limited by the stock (see :func:`stockpile`).
    """
    check_paths(paths)
    estimate_set = estimates if isinstance(estimates, EstimateSet) else load_estimates(estimates)
    names = list(families) if families is not None else modelled_families(estimate_set)
    from missilewatch.ledger import taxonomy

    names = resolve_families(names, list(taxonomy.load().families), field="families") or []
    history = load_history(db, names)
    origin = history.months[0]
    first = _period(start, "start") if start is not None else history.months[-1] + 1
    last = _period(until, "until")
    if first <= origin:
        raise ParameterError(
            f"start: {first} leaves no ledger history to fit (ledger starts {origin})"
        )
    if last < first:
        raise ParameterError(f"until: {last} is before start {first}")
    if (last - first).n + 1 > MAX_FORECAST_MONTHS:
        raise ParameterError(
            f"until: {last} is {(last - first).n + 1} months from start {first}; forecasts "
            f"reach at most {MAX_FORECAST_MONTHS} months"
        )
    cut = min((first - origin).n, len(history.months))
    fits = fit_strikes(history, cut)
    months = list(pd.period_range(first, last, freq="M"))
    pool_stream, draw_stream = _seed_sequence(seed).spawn(2)
    pool = build_pool(np.random.default_rng(pool_stream), fits, adjustments)
    regimes = regime_table(fits, len(months), adjustments)
    attacks, launches = sample_strikes(np.random.default_rng(draw_stream), pool, regimes, paths)
    return StrikeForecast(
        months=months,
        families=names,
        weapon_classes=history.weapon_classes,
        attacks=attacks,
        launches=launches,
    )


def backtest_strikes(
    *,
    cuts: int = 12,
    horizon: int = 3,
    paths: int = 4_000,
    seed: int = 0,
    band: float = 0.8,
    db: Path | None = None,
    estimates: Path | EstimateSet | None = None,
) -> pd.DataFrame:
    """Out-of-sample check of the strike process.

    For each of the last ``cuts`` cut months whose ``horizon`` following months are in
    the ledger: fit on the months before the cut, forecast ``horizon`` months, and test
    whether the ledger's launches fall inside the central ``band`` interval, per family
    and per class. Columns: ``cut, month, horizon, level, name, observed, low, median,
    high, inside``; ``attrs["coverage"]`` is the share of rows inside the band.
    """
    if not 0 < band < 1:
        raise ParameterError(f"band must be between 0 and 1, got {band}")
    if cuts <= 0 or horizon <= 0:
        raise ParameterError("cuts and horizon must be at least 1")
    check_paths(paths)
    estimate_set = estimates if isinstance(estimates, EstimateSet) else load_estimates(estimates)
    names = modelled_families(estimate_set)
    history = load_history(db, names)
    total = len(history.months)
    last_cut = total - horizon
    first_cut = max(FIT_MIN_MONTHS, last_cut - cuts + 1)
    if last_cut < first_cut:
        raise ParameterError("the ledger is too short for this backtest")
    classes = history.weapon_classes
    lo_q, hi_q = (1 - band) / 2 * 100, (1 + band) / 2 * 100
    streams = _seed_sequence(seed).spawn(last_cut - first_cut + 1)
    rows = []
    for stream, cut in zip(streams, range(first_cut, last_cut + 1), strict=True):
        fits = fit_strikes(history, cut)
        pool_rng, draw_rng = (np.random.default_rng(s) for s in stream.spawn(2))
        pool = build_pool(pool_rng, fits, BASELINE, pool_size=8192)
        regimes = regime_table(fits, horizon, BASELINE)
        _, launches = sample_strikes(draw_rng, pool, regimes, paths)
        series = [("family", n, [i]) for i, n in enumerate(names)]
        series += [
            ("class", c, [i for i, k in enumerate(classes) if k == c]) for c in sorted(set(classes))
        ]
        for level, name, members in series:
            simulated = launches[:, :, members].sum(axis=2)
            truth = history.launches[cut : cut + horizon, members].sum(axis=1)
            low, median, high = np.percentile(simulated, [lo_q, 50, hi_q], axis=0)
            for h in range(horizon):
                rows.append(
                    {
                        "cut": history.months[cut],
                        "month": history.months[cut + h],
                        "horizon": h + 1,
                        "level": level,
                        "name": name,
                        "observed": int(truth[h]),
                        "low": round(float(low[h]), COUNT_DECIMALS),
                        "median": round(float(median[h]), COUNT_DECIMALS),
                        "high": round(float(high[h]), COUNT_DECIMALS),
                        "inside": bool(low[h] <= truth[h] <= high[h]),
                    }
                )
    frame = pd.DataFrame(rows)
    frame.attrs["coverage"] = float(frame["inside"].mean())
    frame.attrs["band"] = band
    return frame


#: Months of ledger needed before the first backtest cut.
FIT_MIN_MONTHS: Final = 6


def backtest_coverage(frame: pd.DataFrame, by: str = "level") -> pd.DataFrame:
    """Coverage of the band by level and horizon (``by="level"``, plus an overall row
    with ``level="all"`` and ``horizon=0``), or per series over all horizons
    (``by="name"``: columns ``level, name, coverage, cells, below, above``, where
    ``below``/``above`` count the months the ledger fell under/over the band; sorted from
    the worst covered).
    """
    if by == "name":
        per_name = frame.assign(
            below=frame["observed"] < frame["low"], above=frame["observed"] > frame["high"]
        )
        grouped = (
            per_name.groupby(["level", "name"])
            .agg(
                coverage=("inside", "mean"),
                cells=("inside", "size"),
                below=("below", "sum"),
                above=("above", "sum"),
            )
            .reset_index()
            .sort_values(["coverage", "level", "name"], kind="stable")
            .reset_index(drop=True)
        )
        grouped["coverage"] = grouped["coverage"].round(PROBABILITY_DECIMALS)
        return grouped
    if by != "level":
        raise ParameterError(f"by: {by!r} is not 'level' or 'name'")
    grouped = (
        frame.groupby(["level", "horizon"])["inside"]
        .agg(["mean", "size"])
        .reset_index()
        .rename(columns={"mean": "coverage", "size": "cells"})
    )
    overall = pd.DataFrame(
        [{"level": "all", "horizon": 0, "coverage": frame["inside"].mean(), "cells": len(frame)}]
    )
    return pd.concat([grouped, overall], ignore_index=True)


# --- evidence ---------------------------------------------------------------------------------


def implied_stock(
    *,
    family: str | None = None,
    evidence: str | None = None,
    months: int = RECENT_MONTHS,
    samples: int = 100_000,
    seed: int = 0,
    estimates: Path | EstimateSet | None = None,
    db: Path | None = None,
) -> pd.DataFrame:
    """Little's law: stock = launch rate x time in stock, per ``time_in_stock`` record.

    The launch rate is the ledger's, over the ``months`` complete months ending at the
    record's ``as_of`` (or the latest ones). Long form: ``evidence, subject, as_of,
    window, quantity (launch_rate | time_in_stock | implied_stock), p5..p95, mean, unit,
    assumption, source``.
    """
    if months <= 0:
        raise ParameterError(f"months must be at least 1, got {months}")
    estimate_set = estimates if isinstance(estimates, EstimateSet) else load_estimates(estimates)
    records = list(estimate_set.select("time_in_stock"))
    if evidence is not None:
        records = [r for r in records if r.id == evidence]
        if not records:
            raise UnknownNameError(f"evidence: no time_in_stock record {evidence!r}")
    if family is not None:
        family = resolve_family(family)
        records = [r for r in records if family in r.subjects]
        if not records:
            raise UnknownNameError(f"family: no time_in_stock evidence for {family!r}")
    from missilewatch.ledger import taxonomy

    classes = taxonomy.load()

    def record_families(record: Estimate) -> list[str]:
        # A class subject stands for the launches of all its families.
        return [
            name
            for name in classes.families
            if name in record.subjects or classes.family_class(name) in record.subjects
        ]

    subjects = sorted({name for record in records for name in record_families(record)})
    history = load_history(db, subjects)
    streams = _seed_sequence(seed).spawn(max(len(records), 1))
    rows = []
    for stream, record in zip(streams, records, strict=False):
        members = [subjects.index(name) for name in record_families(record)]
        end_period = min(pd.Period(record.as_of, freq="M"), history.months[-1])
        end = history.months.index(end_period) + 1 if end_period >= history.months[0] else 0
        begin = max(0, end - months)
        counts = history.launches[begin:end, members].sum(axis=1)
        if counts.size == 0:
            warnings.warn(
                f"evidence {record.id!r}: dated {record.as_of}, before the ledger starts "
                f"({history.months[0]}), so there is no launch rate for it; not used",
                MissilewatchWarning,
                stacklevel=2,
            )
            continue
        result = little_implied_stock(
            counts,
            Range(record.low, record.central, record.high),
            np.random.default_rng(stream),
            samples,
        )
        base = {
            "evidence": record.id,
            "subject": record.subject,
            "as_of": pd.Timestamp(record.as_of),
            "window": f"{history.months[begin]}..{history.months[end - 1]}",
            "assumption": record.assumption,
            "source": record.source.publication if record.source else "ASSUMPTION",
        }
        for quantity, values, mean, unit, decimals in (
            ("launch_rate", result.launch_rate, float(counts.mean()), "missiles/month", 1),
            ("time_in_stock", result.time_in_stock, record.central, "months", 2),
            ("implied_stock", result.stock, result.stock_mean, "missiles", 0),
        ):
            rows.append(
                {
                    **base,
                    "quantity": quantity,
                    **{
                        column: round(float(value), decimals)
                        for column, value in zip(PERCENTILE_COLUMNS, values, strict=True)
                    },
                    "mean": round(float(mean), decimals),
                    "unit": unit,
                }
            )
    return pd.DataFrame(rows)


def serial_estimate(
    serials: Iterable[int] | Path | str,
    *,
    start: int | None = 1,
    confidence: float = 0.9,
) -> pd.DataFrame:
    """German tank estimate from serial numbers (a list, or a file with one per line).

    Columns: ``observed, smallest, largest, estimate, low, high, confidence``.
    """
    values = _read_serials(serials) if isinstance(serials, (str, Path)) else list(serials)
    result = german_tank(values, start=start, confidence=confidence)
    return pd.DataFrame(
        [
            {
                "observed": result.observed,
                "smallest": result.smallest,
                "largest": result.largest,
                "estimate": result.estimate,
                "low": result.low,
                "high": result.high,
                "confidence": result.confidence,
            }
        ]
    )


def _read_serials(path: Path | str) -> list[int]:
    from missilewatch.errors import InputError

    source = Path(path)
    try:
        lines = source.read_text(encoding="utf-8").splitlines()
    except OSError as error:
        raise InputError(f"{source}: cannot read serial numbers: {error.strerror}") from error
    values = []
    for number, line in enumerate(lines, start=1):
        text = line.split("#", 1)[0].strip().replace(",", "")
        if not text:
            continue
        try:
            values.append(int(text))
        except ValueError:
            raise InputError(f"{source}: line {number}: not a whole number: {text!r}") from None
    return values


__all__ = [
    "MAX_PATHS",
    "backtest_coverage",
    "backtest_strikes",
    "forecast_strikes",
    "implied_stock",
    "selected_families",
    "serial_estimate",
    "stockpile",
    "stockpile_summary",
    "warn_shortfalls",
]
