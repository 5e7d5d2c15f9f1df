"""Stock-flow public functions: stockpile, summary, strike forecast, backtest, evidence.

Thin views: each reads the inputs with :func:`missilewatch.baseline.load_baseline`,
states the run with :class:`missilewatch.run.RunSpec`, runs :func:`missilewatch.run.simulate`
and formats the draws (:mod:`missilewatch.model.frames`). Launch counts are the
Ukrainian Air Force reports, via the public dataset "Massive Missile Attacks on Ukraine"
(Petro Ivaniuk, Kaggle piterfm/massive-missile-attacks-on-ukraine). Method: docs/model.md.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Final

import numpy as np
import pandas as pd

from missilewatch.baseline import Baseline, load_baseline
from missilewatch.errors import MissilewatchWarning, ParameterError, UnknownNameError
from missilewatch.estimates import Estimate, EstimateSet
from missilewatch.limits import COUNT_DECIMALS, PERCENTILE_COLUMNS, PROBABILITY_DECIMALS
from missilewatch.model.adjustments import BASELINE, Adjustments
from missilewatch.model.evidence import german_tank, little_implied_stock
from missilewatch.model.frames import (
    QUANTITIES,
    RECENT_MONTHS,
    SUMMARY_COLUMNS,
    selected_families,
    stockpile_frame,
    summary_frame,
    warn_shortfalls,
)
from missilewatch.model.sampling import Range
from missilewatch.model.setup import history_from_baseline
from missilewatch.model.strikes import (
    StrikeForecast,
    forecast_launches,
)
from missilewatch.names import resolve_family
from missilewatch.run import STOCK_FLOW, Run, RunSpec, forecast, simulate

ProgressCallback = Callable[[int, int], None]
#: Months of ledger needed before the first backtest cut.
FIT_MIN_MONTHS: Final = 6


def _baseline(
    baseline: Baseline | None, db: Path | None, estimates: Path | EstimateSet | None
) -> Baseline:
    return baseline if baseline is not None else load_baseline(db, estimates)


def stock_flow_run(
    *,
    until: str | pd.Period = "2027-12",
    paths: int = 10_000,
    seed: int = 0,
    estimates: Path | EstimateSet | None = None,
    db: Path | None = None,
    adjustments: Adjustments = BASELINE,
    progress: ProgressCallback | None = None,
    baseline: Baseline | None = None,
    warn: bool = True,
) -> Run:
    """The stock-flow engine's run (no campaign); :func:`stockpile` and
    :func:`stockpile_summary` are views of it.

    With ``warn`` (the default) every family in ``run.shortfalls`` is reported as a
    :class:`MissilewatchWarning`; callers that show only some families pass
    ``warn=False`` and call :func:`warn_shortfalls` with their selection.
    """
    spec = RunSpec(until=until, paths=paths, seed=seed, adjustments=adjustments)
    run = simulate(
        _baseline(baseline, db, estimates), spec, engines={STOCK_FLOW}, progress=progress
    )
    if warn:
        warn_shortfalls(run)
    return run


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
    baseline: Baseline | None = None,
) -> pd.DataFrame:
    """Monthly stock, production, imports, launches and net accumulation with percentiles.

    Long form: ``month, level, name, quantity, p5, p25, p50, p75, p95, mean, observed,
    assumption``. ``level`` is ``family`` or ``class``. Besides the documented quantities
    it has ``shortfall`` (history launches the path could not have held) and ``unmet``
    (forecast launches beyond the stock). ``start`` is the first month shown.
    ``attrs``: effective_sample_size, paths, constraints (ids of the estimates the paths
    were conditioned on). ``baseline``: inputs already read (then ``db`` and
    ``estimates`` are not read again).
    """
    run = stock_flow_run(
        until=until,
        paths=paths,
        seed=seed,
        estimates=estimates,
        db=db,
        adjustments=adjustments,
        progress=progress,
        baseline=baseline,
        warn=False,
    )
    frame = stockpile_frame(run, family=family, weapon_class=weapon_class, start=start, until=until)
    warn_shortfalls(run, family=family, weapon_class=weapon_class)
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
    baseline: Baseline | None = None,
) -> pd.DataFrame:
    """Summary figures: stock now, months of supply, net accumulation and
    P(production > launches) over the last 12 observed months, stock at ``until``.

    Columns ``level, name, metric, p5, p50, p95, mean, unit, assumption``. Production
    includes imports. A probability carries the same value in every column.
    """
    run = stock_flow_run(
        until=until,
        paths=paths,
        seed=seed,
        estimates=estimates,
        db=db,
        adjustments=adjustments,
        baseline=baseline,
        warn=False,
    )
    frame = summary_frame(run, family=family, weapon_class=weapon_class)
    warn_shortfalls(run, family=family, weapon_class=weapon_class)
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
    baseline: Baseline | None = None,
) -> StrikeForecast:
    """Future attacks and launches per family from the strike process fitted to the ledger.

    ``start`` is the first forecast month (default: the baseline calendar's, the month
    after the last complete ledger month); the fit uses the ledger before it.
    Adjustments' month offsets count from ``start``. Launches here are not limited by the
    stock (see :func:`stockpile`). The same draws as the campaign's of
    :func:`missilewatch.run.simulate` with the same spec.
    """
    spec = RunSpec(until=until, paths=paths, seed=seed, adjustments=adjustments, start=start)
    return forecast(_baseline(baseline, db, estimates), spec, families=families)


def backtest_strikes(
    *,
    cuts: int = 12,
    horizon: int = 3,
    paths: int = 4_000,
    seed: int = 0,
    band: float = 0.8,
    db: Path | None = None,
    estimates: Path | EstimateSet | None = None,
    baseline: Baseline | None = None,
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
    spec = RunSpec(paths=paths, seed=seed)
    inputs = _baseline(baseline, db, estimates)
    names = inputs.modelled_families
    history = history_from_baseline(inputs, names)
    total = len(history.months)
    last_cut = total - horizon
    first_cut = max(FIT_MIN_MONTHS, last_cut - cuts + 1)
    if last_cut < first_cut:
        raise ParameterError("the ledger is too short for this backtest")
    classes = history.weapon_classes
    lo_q, hi_q = (1 - band) / 2 * 100, (1 + band) / 2 * 100
    streams = spec.seed_sequence("backtest").spawn(last_cut - first_cut + 1)
    rows = []
    for stream, cut in zip(streams, range(first_cut, last_cut + 1), strict=True):
        # The trend process (model.strikes.forecast_launches), as validate scores it.
        launches = forecast_launches(history, cut, horizon, paths, stream)
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
    baseline: Baseline | None = None,
) -> pd.DataFrame:
    """Little's law: stock = launch rate x time in stock, per ``time_in_stock`` record.

    The launch rate is the ledger's, over the ``months`` complete months ending at the
    record's ``as_of`` (or the latest ones). Long form: ``evidence, subject, as_of,
    window, quantity (launch_rate | time_in_stock | implied_stock), p5..p95, mean, unit,
    assumption, source``.
    """
    if months <= 0:
        raise ParameterError(f"months must be at least 1, got {months}")
    spec = RunSpec(seed=seed)
    inputs = _baseline(baseline, db, estimates)
    records = list(inputs.estimates.select("time_in_stock"))
    if evidence is not None:
        records = [r for r in records if r.id == evidence]
        if not records:
            raise UnknownNameError(f"evidence: no time_in_stock record {evidence!r}")
    if family is not None:
        family = resolve_family(family)
        records = [r for r in records if family in r.subjects]
        if not records:
            raise UnknownNameError(f"family: no time_in_stock evidence for {family!r}")
    classes = inputs.taxonomy

    def record_families(record: Estimate) -> list[str]:
        # A class subject stands for the launches of all its families.
        return [
            name
            for name in classes.families
            if name in record.subjects or classes.family_class(name) in record.subjects
        ]

    subjects = sorted({name for record in records for name in record_families(record)})
    history = history_from_baseline(inputs, subjects)
    streams = spec.seed_sequence("evidence").spawn(max(len(records), 1))
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
    "QUANTITIES",
    "SUMMARY_COLUMNS",
    "Run",
    "backtest_coverage",
    "backtest_strikes",
    "forecast_strikes",
    "implied_stock",
    "selected_families",
    "serial_estimate",
    "stock_flow_run",
    "stockpile",
    "stockpile_frame",
    "stockpile_summary",
    "summary_frame",
    "warn_shortfalls",
]
