"""One sweep point: the engines under one scenario and seed, reduced to the outputs.

:func:`run_point` is what an executor runs. It takes and returns plain picklable data,
so it runs the same in process, in a process pool or on a Dask worker. The estimates,
the air-defense setup and the data fingerprint are built once per worker process and
kept (keyed by the fingerprints the sweep recorded), since they are the same for every
point of a sweep; the engines read the ledger's monthly counts at every point.

The stock-flow engine and the campaign are the public ones
(:func:`missilewatch.api.stockpile.simulate_stockpile`,
:func:`missilewatch.api.stockpile.forecast_strikes`,
:func:`missilewatch.api.defense.campaign_from_strikes`); a point with no doctrine
change gives exactly the numbers of :func:`missilewatch.api.defense.defense_campaign`
with the point's seed.
"""

from __future__ import annotations

import functools
import os
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Final

import numpy as np
import pandas as pd

from missilewatch import estimates as estimates_module
from missilewatch.api import defense as defense_api
from missilewatch.api import stockpile as stock_api
from missilewatch.api.defense import DefenseSetup
from missilewatch.api.stockpile import StockpileRun
from missilewatch.defense.campaign import NOT_DEPLETED, CampaignDraws, ballistic_families
from missilewatch.defense.params import Defense
from missilewatch.errors import MissilewatchError
from missilewatch.estimates import EstimateSet
from missilewatch.model.adjustments import Adjustments
from missilewatch.paths import HOME_ENV
from missilewatch.scenarios.runs import data_provenance, estimates_fingerprint
from missilewatch.scenarios.spec import ScenarioSpec

PERCENTILES: Final = (5, 25, 50, 75, 95)
PERCENTILE_COLUMNS: Final = tuple(f"p{q}" for q in PERCENTILES)


@dataclass(frozen=True, slots=True)
class OutputRequest:
    """One output, resolved against the forecast.

    Attributes:
        metric: see ``missilewatch.sweep.spec.METRICS``.
        name: family or class (stock), interceptor type, threat family or group, or "".
        level: ``family`` or ``class`` for a stock output, else "".
        month: the month as text (``2027-06``), or "" for the depletion month.
        month_index: offset of ``month`` from the forecast start.
        unit: what the numbers count.
    """

    metric: str
    name: str
    level: str
    month: str
    month_index: int
    unit: str


@dataclass(frozen=True, slots=True)
class PointTask:
    """Everything a worker needs to run one point (plain, picklable data)."""

    point: int
    seed: int
    scenario: ScenarioSpec
    scenario_source: str
    shots_per_target: tuple[tuple[str, int], ...]  # threat class -> shots, all counted types
    forecast_start: str
    until: str
    paths: int
    outputs: tuple[OutputRequest, ...]
    db: str | None
    estimates: str | None
    data_fingerprint: str


@dataclass(frozen=True, slots=True)
class PointResult:
    """The output rows of one point and the warnings its engines gave."""

    point: int
    rows: tuple[dict[str, object], ...]
    warnings: tuple[str, ...]
    seconds: float


def needs_stock_flow(outputs: Sequence[OutputRequest]) -> bool:
    return any(output.metric == "stock" for output in outputs)


def needs_campaign(outputs: Sequence[OutputRequest]) -> bool:
    return any(output.metric != "stock" for output in outputs)


def run_point(task: PointTask) -> PointResult:
    """Run the engines for one point and reduce them to the requested outputs."""
    began = time.perf_counter()
    _check_worker_data(task)
    start = pd.Period(task.forecast_start, freq="M")
    adjustments = task.scenario.freeze(start, source=task.scenario_source)
    estimate_set = cached_estimates(task.estimates, task.data_fingerprint)
    pairs: list[tuple[OutputRequest, dict[str, object]]] = []
    caught: list[str] = []
    if needs_stock_flow(task.outputs):
        outcome, messages = _run_stock_flow(task, estimate_set, adjustments)
        caught += messages
        pairs += _stock_rows(outcome, task.outputs)
    if needs_campaign(task.outputs):
        forecast = stock_api.forecast_strikes(
            until=task.until,
            start=start,
            paths=task.paths,
            seed=task.seed,
            db=_path(task.db),
            adjustments=adjustments,
            estimates=estimate_set,
        )
        months = list(forecast.months)
        setup = cached_defense_setup(
            task.estimates, task.db, os.environ.get(HOME_ENV), str(months[0]), task.data_fingerprint
        )
        setup = with_shots_per_target(setup, dict(task.shots_per_target))
        campaign = defense_api.campaign_from_strikes(
            setup, forecast, seed=task.seed, adjustments=adjustments
        )
        flagged = any(setup.assumption.values())
        pairs += _campaign_rows(campaign.draws, setup.defense, task.outputs, flagged)
    order = {output: position for position, output in enumerate(task.outputs)}
    pairs.sort(key=lambda pair: order[pair[0]])
    rows = tuple(row for _, row in pairs)
    return PointResult(task.point, rows, tuple(caught), time.perf_counter() - began)


def _run_stock_flow(
    task: PointTask, estimate_set: EstimateSet, adjustments: Adjustments
) -> tuple[StockpileRun, list[str]]:
    """The stock-flow run of a point, and the engine's warnings about the families read."""
    outcome = stock_api.simulate_stockpile(
        until=task.until,
        paths=task.paths,
        seed=task.seed,
        estimates=estimate_set,
        db=_path(task.db),
        adjustments=adjustments,
        warn=False,
    )
    # The engine reports its shortfalls as data: keep those of the families the outputs
    # read, as stockpile() does for its selection; the sweep warns once for all points.
    read = _families_read(outcome, task.outputs)
    return outcome, [item.message() for item in outcome.shortfalls if item.family in read]


def _families_read(outcome: StockpileRun, outputs: Sequence[OutputRequest]) -> set[str]:
    families = outcome.setup.params.families
    classes = outcome.setup.params.weapon_classes
    read: set[str] = set()
    for request in outputs:
        if request.metric != "stock":
            continue
        if request.level == "family":
            read.add(request.name)
        else:
            read.update(f for f, c in zip(families, classes, strict=True) if c == request.name)
    return read


def with_shots_per_target(setup: DefenseSetup, shots: Mapping[str, int]) -> DefenseSetup:
    """The air-defense setup with every counted type firing ``shots`` per target.

    ``shots`` maps a threat class to the interceptors fired at each engaged target of
    that class. The engaged share of each threat (calibrated on the ledger's intercept
    rates with the estimates' doctrine) is kept: the change is one of doctrine, with
    the same missiles coming within reach.
    """
    if not shots:
        return setup
    interceptors = {}
    for name, kind in setup.defense.interceptors.items():
        if kind.tracked:
            engagements = {
                threat_class: (
                    replace(engagement, shots_per_target=int(shots[threat_class]))
                    if threat_class in shots
                    else engagement
                )
                for threat_class, engagement in kind.engagements.items()
            }
            kind = replace(kind, engagements=engagements)
        interceptors[name] = kind
    defense = Defense(interceptors, setup.defense.threats, setup.defense.layer_order)
    return replace(setup, defense=defense)


# --- outputs -----------------------------------------------------------------------------


Pair = tuple[OutputRequest, dict[str, object]]


def _row(request: OutputRequest, values: np.ndarray, assumption: bool) -> Pair:
    quantiles = np.percentile(np.asarray(values, dtype=np.float64), PERCENTILES)
    row: dict[str, object] = {
        "metric": request.metric,
        "name": request.name,
        "month": request.month,
    }
    row.update({column: float(q) for column, q in zip(PERCENTILE_COLUMNS, quantiles, strict=True)})
    row["mean"] = float(np.mean(values))
    row["unit"] = request.unit
    row["assumption"] = assumption
    return request, row


def _probability_row(request: OutputRequest, probability: float, assumption: bool) -> Pair:
    # As in the stock-flow summary: a probability carries the same value in every column.
    return _row(request, np.array([probability]), assumption)


def _stock_rows(outcome: StockpileRun, outputs: Sequence[OutputRequest]) -> list[Pair]:
    rows: list[Pair] = []
    for request in outputs:
        if request.metric != "stock":
            continue
        selection = (
            {"family": request.name}
            if request.level == "family"
            else {"weapon_class": request.name}
        )
        frame = stock_api.stockpile_frame(
            outcome, start=request.month, until=request.month, **selection
        )
        match = frame[
            (frame["level"] == request.level)
            & (frame["name"] == request.name)
            & (frame["quantity"] == "stock")
        ]
        if len(match) != 1:
            raise MissilewatchError(
                f"sweep: output stock {request.name} {request.month}: not in the engine's result"
            )
        found = match.iloc[0]
        row: dict[str, object] = {
            "metric": request.metric,
            "name": request.name,
            "month": request.month,
        }
        row.update({column: float(found[column]) for column in PERCENTILE_COLUMNS})
        row["mean"] = float(found["mean"])
        row["unit"] = request.unit
        row["assumption"] = bool(found["assumption"])
        rows.append((request, row))
    return rows


def _campaign_rows(
    draws: CampaignDraws, defense: Defense, outputs: Sequence[OutputRequest], assumption: bool
) -> list[Pair]:
    months = draws.months
    # A path that never runs short counts as the horizon's length (censored), as in the
    # campaign summary's depletion_month_offset.
    depletion = np.where(draws.depletion_month == NOT_DEPLETED, months, draws.depletion_month)
    rows: list[Pair] = []
    for request in outputs:
        if request.metric == "depletion_month":
            rows.append(_row(request, depletion, assumption))
        elif request.metric == "p_depletion_before":
            before = (draws.depletion_month != NOT_DEPLETED) & (
                draws.depletion_month < request.month_index
            )
            rows.append(_probability_row(request, float(np.mean(before)), assumption))
        elif request.metric == "interceptor_stock":
            rows.append(
                _row(request, draws.stock[request.name][:, request.month_index], assumption)
            )
        elif request.metric == "leakers":
            members = (
                ballistic_families(draws, defense)
                if request.name == "ballistic-capable"
                else [request.name]
            )
            window = slice(0, request.month_index + 1)
            total = np.zeros(draws.paths)
            for family in members:
                total = total + draws.leakers[family][:, window].sum(axis=1)
            rows.append(_row(request, total, assumption))
    return rows


# --- per-process caches ---------------------------------------------------------------------


def _path(text: str | None) -> Path | None:
    return Path(text) if text is not None else None


@functools.lru_cache(maxsize=8)
def cached_estimates(estimates: str | None, fingerprint: str) -> EstimateSet:
    """The estimates (shipped plus the user's file), read once per process and sweep.

    ``fingerprint`` only keys the cache: edited estimates give a new fingerprint.
    """
    return estimates_module.load(_path(estimates))


@functools.lru_cache(maxsize=8)
def cached_defense_setup(
    estimates: str | None, db: str | None, home: str | None, first_month: str, fingerprint: str
) -> DefenseSetup:
    """The air-defense setup in force at the forecast's first month, built once per process.

    ``home`` and ``fingerprint`` only key the cache: another data directory or other
    data or estimates build a new setup.
    """
    day = pd.Period(first_month, freq="M").start_time.date()
    setup, _ = defense_api.load_setup(_path(estimates), _path(db), as_of=day)
    return setup


def data_fingerprint(db: str | None, estimates: str | None) -> str:
    """The ledger data and estimates in use now, as one text (compared across workers)."""
    provenance = data_provenance(_path(db))
    return (
        f"data {provenance['data_release']} {provenance['data_file_sha256']} "
        f"to {provenance['data_last_date']}; estimates {estimates_fingerprint(_path(estimates))}"
    )


@functools.lru_cache(maxsize=8)
def _worker_fingerprint(db: str | None, home: str | None, estimates: str | None, sweep: str) -> str:
    # Computed once per worker process and sweep (``sweep`` keys the cache: a later
    # sweep, perhaps after an ingest, looks at the data again).
    return data_fingerprint(db, estimates)


def _check_worker_data(task: PointTask) -> None:
    here = _worker_fingerprint(
        task.db, os.environ.get(HOME_ENV), task.estimates, task.data_fingerprint
    )
    if here != task.data_fingerprint:
        raise MissilewatchError(
            f"the worker reads other data than the sweep "
            f"(worker: {here}; sweep: {task.data_fingerprint}); give every worker the same "
            "store (--db) and estimates file"
        )


def warning_key(message: str) -> str:
    """Warnings that differ only in their numbers are one warning across points."""
    return "".join("#" if character.isdigit() else character for character in message)
