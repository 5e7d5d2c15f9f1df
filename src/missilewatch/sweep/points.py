"""One sweep point: the engines under one scenario and seed, reduced to the outputs.

:func:`run_point` is what an executor runs. It takes and returns plain picklable data,
so it runs the same in process, in a process pool or on a Dask worker. The
:class:`~missilewatch.baseline.Baseline` (ledger, estimates, taxonomy, layers) is read
once per worker process and kept, keyed by the data fingerprint the sweep recorded; a
worker whose data differ refuses the point.

Each point is one :func:`missilewatch.run.simulate` call; a point with no doctrine
change gives exactly the numbers of :func:`missilewatch.defense_campaign` and
:func:`missilewatch.stockpile` with the point's seed.
"""

from __future__ import annotations

import os
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np
import pandas as pd

from missilewatch.baseline import Baseline, load_baseline
from missilewatch.defense.campaign import NOT_DEPLETED, CampaignDraws, ballistic_families
from missilewatch.defense.params import Defense
from missilewatch.defense.setup import DefenseSetup
from missilewatch.errors import MissilewatchError
from missilewatch.limits import PERCENTILE_COLUMNS, PERCENTILES
from missilewatch.model.frames import shortfalls, stockpile_frame
from missilewatch.paths import HOME_ENV
from missilewatch.run import DEFENSE, STOCK_FLOW, Run, RunSpec, defense_setup, simulate
from missilewatch.scenarios.spec import ScenarioSpec


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
    baseline = worker_baseline(task.db, task.estimates, task.data_fingerprint)
    start = pd.Period(task.forecast_start, freq="M")
    adjustments = task.scenario.freeze(start, source=task.scenario_source)
    spec = RunSpec(
        until=task.until, paths=task.paths, seed=task.seed, adjustments=adjustments, start=start
    )
    engines = set()
    if needs_stock_flow(task.outputs):
        engines.add(STOCK_FLOW)
    defense = None
    if needs_campaign(task.outputs):
        engines.add(DEFENSE)
        defense = with_shots_per_target(
            defense_setup(baseline, start.start_time.date()), dict(task.shots_per_target)
        )
    run = simulate(baseline, spec, engines=engines, defense=defense)
    pairs: list[tuple[OutputRequest, dict[str, object]]] = []
    caught: list[str] = []
    if STOCK_FLOW in engines:
        # The engine reports its shortfalls as data: keep those of the families the
        # outputs read, as stockpile() does for its selection; the sweep warns once.
        read = _families_read(run, task.outputs)
        caught += [item.message() for item in shortfalls(run) if item.family in read]
        pairs += _stock_rows(run, task.outputs)
    if DEFENSE in engines:
        assert defense is not None
        flagged = any(defense.assumption.values())
        pairs += _campaign_rows(run.campaign, defense.defense, task.outputs, flagged)
    order = {output: position for position, output in enumerate(task.outputs)}
    pairs.sort(key=lambda pair: order[pair[0]])
    rows = tuple(row for _, row in pairs)
    return PointResult(task.point, rows, tuple(caught), time.perf_counter() - began)


def _families_read(run: Run, outputs: Sequence[OutputRequest]) -> set[str]:
    families = run.stock_flow_setup.params.families
    classes = run.stock_flow_setup.params.weapon_classes
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


def _stock_rows(run: Run, outputs: Sequence[OutputRequest]) -> list[Pair]:
    rows: list[Pair] = []
    for request in outputs:
        if request.metric != "stock":
            continue
        selection = (
            {"family": request.name}
            if request.level == "family"
            else {"weapon_class": request.name}
        )
        frame = stockpile_frame(run, start=request.month, until=request.month, **selection)
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


#: Baselines read in this process, by (db, estimates, data directory, fingerprint).
_BASELINES: dict[tuple[str | None, str | None, str | None, str], Baseline] = {}


def remember_baseline(baseline: Baseline, db: str | None, estimates: str | None) -> None:
    """Keep a baseline read here (by the sweep's planner) for the points run here."""
    key = (db, estimates, os.environ.get(HOME_ENV), baseline.fingerprint)
    _BASELINES.clear()
    _BASELINES[key] = baseline


def worker_baseline(db: str | None, estimates: str | None, fingerprint: str) -> Baseline:
    """The baseline of this worker process: read once per sweep, then kept.

    Raises:
        MissilewatchError: this worker reads other data than the sweep did.
    """
    key = (db, estimates, os.environ.get(HOME_ENV), fingerprint)
    found = _BASELINES.get(key)
    if found is None:
        found = load_baseline(_path(db), _path(estimates))
        if found.fingerprint != fingerprint:
            raise MissilewatchError(
                f"the worker reads other data than the sweep (worker: {describe(found)}; "
                "sweep: fingerprint "
                f"{fingerprint[:12]}); give every worker the same store (--db) and estimates file"
            )
        _BASELINES.clear()
        _BASELINES[key] = found
    return found


def describe(baseline: Baseline) -> str:
    """The data and estimates of a baseline in one phrase (for messages and the result)."""
    provenance = baseline.provenance
    return (
        f"data {provenance.data_release} {provenance.data_file_sha256} to "
        f"{provenance.data_last_date}; estimates {baseline.estimates_sha256}; fingerprint "
        f"{baseline.fingerprint[:12]}"
    )


def warning_key(message: str) -> str:
    """Warnings that differ only in their numbers are one warning across points."""
    return "".join("#" if character.isdigit() else character for character in message)
