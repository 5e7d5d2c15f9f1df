"""Running a sweep: points out to any ``concurrent.futures.Executor``, one frame back.

Every point gets its own random stream: the root seed's ``SeedSequence.spawn`` child
number ``point``, turned into the integer seed the engines take (recorded in the
``seed`` column); with ``common_random_numbers`` every point takes the first child's.
The results are put in point order, so the frame is the same
whichever executor ran the points and in whatever order they finished.
"""

from __future__ import annotations

import tomllib
import warnings
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import Executor, Future, as_completed
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

import numpy as np
import pandas as pd
from pydantic import ValidationError

from missilewatch import __version__
from missilewatch.baseline import Baseline, load_baseline
from missilewatch.errors import MissilewatchError, MissilewatchWarning, ParameterError
from missilewatch.limits import COUNT_DECIMALS, PROBABILITY_DECIMALS
from missilewatch.run import RunSpec, defense_setup
from missilewatch.scenarios.spec import (
    Scenario,
    ScenarioSpec,
    check_names,
    load_scenario,
    month_of,
)
from missilewatch.sweep.design import design_points
from missilewatch.sweep.points import (
    PERCENTILE_COLUMNS,
    OutputRequest,
    PointResult,
    PointTask,
    describe,
    needs_campaign,
    remember_baseline,
    run_point,
    warning_key,
)
from missilewatch.sweep.spec import (
    BALLISTIC_GROUP,
    MAX_POINTS,
    Sweep,
    describe_errors,
    extra_interceptor_type,
    load_sweep,
    shots_classes,
    total_points,
)

#: Called after each finished point with (points done, points in total).
ProgressCallback = Callable[[int, int], None]

RESULT_COLUMNS: Final = (
    "metric",
    "name",
    "month",
    *PERCENTILE_COLUMNS,
    "mean",
    "unit",
    "assumption",
)


def point_seeds(seed: int, points: int) -> list[int]:
    """The engine seed of every point: one integer from each spawned child stream.

    63 bits, so the seeds fit an int64 column and do not collide in practice.
    """
    children = np.random.SeedSequence(seed).spawn(points)
    return [
        int(child.generate_state(1, dtype=np.uint64)[0] & np.uint64(2**63 - 1))
        for child in children
    ]


def sweep(
    spec: Sweep | str | Path,
    *,
    executor: Executor | None = None,
    seed: int | None = None,
    paths: int | None = None,
    until: str | None = None,
    db: Path | None = None,
    estimates: Path | None = None,
    progress: ProgressCallback | None = None,
) -> pd.DataFrame:
    """Run the engines at every point of a sweep; one tidy frame of results.

    Args:
        spec: a loaded :class:`Sweep`, a sweep file's path, or a shipped example's name.
        executor: runs the points (``ProcessPoolExecutor`` for local cores, a Dask
            cluster through ``distributed.Client(address).get_executor()``); None runs
            them here, one after the other.
        seed, paths, until: override the file's ``[run]`` values (None: the file's).
        db: the ledger store (default: the user's; every worker must see the same).
        estimates: an estimates file overriding or extending the shipped records.
        progress: called with (points done, points in total) as points finish.

    Returns:
        Long form, one row per point and output: ``point`` (int64), ``seed`` (the
        point's engine seed), one column per parameter (named as in the file),
        ``metric``, ``name``, ``month`` (Period[M], NaT for the depletion month),
        ``p5, p25, p50, p75, p95, mean`` over the point's paths (a probability has the
        same value in every column), ``unit``, ``assumption``. ``attrs["sweep"]``
        records the inputs (root seed, paths, design, base scenario, data).
    """
    plan = plan_sweep(spec, seed=seed, paths=paths, until=until, db=db, estimates=estimates)
    results = execute(plan.tasks, executor=executor, progress=progress, points=plan.points)
    return assemble(plan, results)


@dataclass(frozen=True)
class SweepPlan:
    """A sweep checked against the data: its points, their seeds and one task each.

    Attributes:
        sweep_file: the validated sweep file.
        points: one row per point (index ``point``), one column per parameter.
        seeds: the engine seed of every point.
        tasks: what the executor runs, one per point.
        metadata: the inputs recorded in the result's ``attrs["sweep"]``.
    """

    sweep_file: Sweep
    points: pd.DataFrame
    seeds: list[int]
    tasks: list[PointTask]
    metadata: dict[str, object]


def plan_sweep(
    spec: Sweep | str | Path,
    *,
    seed: int | None = None,
    paths: int | None = None,
    until: str | None = None,
    db: Path | None = None,
    estimates: Path | None = None,
) -> SweepPlan:
    """Check a sweep against the data and turn it into one task per point.

    Every point's scenario is validated here, so a bad combination fails before any
    work is sent out.
    """
    sweep_file = spec if isinstance(spec, Sweep) else load_sweep(spec)
    settings = sweep_file.spec.run
    # The one check of paths and seed (a point's seed is derived from the root seed).
    checked = RunSpec(
        paths=settings.paths if paths is None else paths,
        seed=settings.seed if seed is None else seed,
    )
    chosen_paths, root_seed = checked.paths, checked.seed
    count = total_points(sweep_file.spec, sweep_file.parameters)
    if count > MAX_POINTS:
        raise ParameterError(f"{sweep_file.source}: design: more than {MAX_POINTS:,} points")
    base = _base_scenario(sweep_file)
    # Read afresh for every sweep (the store may have changed since the last one) and
    # kept for the points run in this process.
    baseline = load_baseline(db, estimates)
    start = baseline.calendar.first_forecast_month
    until_ref = until if until is not None else settings.until
    end = month_of(until_ref if until_ref is not None else base.spec.run.until, start)
    if end < start:
        raise ParameterError(f"until: {end} is before the forecast start {start}")
    db_text = str(db) if db is not None else None
    estimates_text = str(estimates) if estimates is not None else None
    remember_baseline(baseline, db_text, estimates_text)
    fingerprint = baseline.fingerprint
    outputs = resolve_outputs(sweep_file, start, end, baseline)
    _check_names(sweep_file, base, start, outputs, baseline)

    points = design_points(
        sweep_file.parameters, sweep_file.spec.design.kind, sweep_file.spec.design.points, root_seed
    )
    if settings.common_random_numbers:
        # Common random numbers: the first child's stream at every point.
        seeds = point_seeds(root_seed, 1) * len(points)
    else:
        seeds = point_seeds(root_seed, len(points))
    base_raw = tomllib.loads(base.text)
    tasks = []
    for index, values in enumerate(_records(points)):
        scenario, shots = point_scenario(sweep_file, base_raw, values, index)
        # Freezing checks calendar months against the forecast start, once, here.
        scenario.freeze(start, source=f"{sweep_file.source}: point {index}")
        tasks.append(
            PointTask(
                point=index,
                seed=seeds[index],
                scenario=scenario,
                scenario_source=f"{sweep_file.source}: point {index}",
                shots_per_target=tuple(sorted(shots.items())),
                forecast_start=str(start),
                until=str(end),
                paths=int(chosen_paths),
                outputs=outputs,
                db=db_text,
                estimates=estimates_text,
                data_fingerprint=fingerprint,
            )
        )
    metadata: dict[str, object] = {
        "source": sweep_file.source,
        "description": sweep_file.spec.description,
        "scenario": base.name,
        "scenario_source": base.source,
        "design": sweep_file.spec.design.kind,
        "design_points": sweep_file.spec.design.points,
        "parameters": sweep_file.parameter_names,
        "points": len(points),
        "root_seed": int(root_seed),
        "common_random_numbers": settings.common_random_numbers,
        "paths": int(chosen_paths),
        "forecast_start": str(start),
        "until": str(end),
        "data": describe(baseline),
        "version": __version__,
    }
    return SweepPlan(sweep_file, points, seeds, tasks, metadata)


def point_scenario(
    sweep_file: Sweep, base_raw: Mapping[str, Any], values: Mapping[str, float], index: int
) -> tuple[ScenarioSpec, dict[str, int]]:
    """The base scenario with one point's values; and its doctrine changes."""
    raw: dict[str, Any] = {
        key: (dict(value) if isinstance(value, dict) else value) for key, value in base_raw.items()
    }
    shots: dict[str, int] = {}
    no_ceasefire = False
    for parameter in sweep_file.parameters:
        value = values[parameter.name]
        number: int | float = int(value) if parameter.kind.integer else float(value)
        classes = shots_classes(parameter.name)
        if classes:
            for threat_class in classes:
                shots[threat_class] = int(number)
            continue
        if parameter.name == "ceasefire.months" and number == 0:
            no_ceasefire = True
            continue
        section, _, field = parameter.name.partition(".")
        table = raw.setdefault(section, {})
        interceptor = extra_interceptor_type(parameter.name)
        if interceptor is not None:
            extra = dict(table.get("extra_per_month", {}))
            extra[interceptor] = number
            table["extra_per_month"] = extra
        else:
            table[field] = number
    if no_ceasefire:
        # Zero months is "no ceasefire": the section goes, whatever else it held.
        raw.pop("ceasefire", None)
    try:
        scenario = ScenarioSpec.model_validate(raw)
    except ValidationError as error:
        described = ", ".join(f"{name}={values[name]:g}" for name in sweep_file.parameter_names)
        raise ParameterError(
            f"{sweep_file.source}: point {index} ({described}): base scenario with these "
            f"values: {describe_errors(error, raw)}"
        ) from None
    return scenario, shots


def resolve_outputs(
    sweep_file: Sweep,
    start: pd.Period,
    end: pd.Period,
    baseline: Baseline,
) -> tuple[OutputRequest, ...]:
    """The file's outputs checked against the model's names and the forecast months."""
    horizon = (end - start).n + 1
    requests: list[OutputRequest] = []
    defense = None
    for position, section in enumerate(sweep_file.spec.output, start=1):
        where = f"{sweep_file.source}: output {position} ({section.metric})"
        month: pd.Period | None = None
        if section.month is not None:
            month = month_of(section.month, start)
            if not start <= month <= (end + 1 if section.metric == "p_depletion_before" else end):
                raise ParameterError(
                    f"{where}: month: {month} is outside the forecast {start}..{end}"
                )
        metric = section.metric
        if metric in ("depletion_month", "p_depletion_before"):
            if section.name not in (None, BALLISTIC_GROUP):
                raise ParameterError(
                    f"{where}: name: the depletion month is about the {BALLISTIC_GROUP} "
                    "interceptors; leave name out"
                )
            if metric == "depletion_month":
                if month is not None:
                    raise ParameterError(f"{where}: month: not used by depletion_month")
                requests.append(
                    OutputRequest(
                        metric,
                        BALLISTIC_GROUP,
                        "",
                        "",
                        horizon,
                        f"months after {start} ({horizon} = not before {end})",
                    )
                )
                continue
            if month is None or month == start:
                raise ParameterError(
                    f"{where}: month: give the month to compare with, after {start}"
                )
            requests.append(
                OutputRequest(
                    metric, BALLISTIC_GROUP, "", str(month), (month - start).n, "probability"
                )
            )
            continue
        at = month if month is not None else end
        offset = (at - start).n
        if metric == "stock":
            families = baseline.modelled_families
            family_classes = sorted({baseline.family_class(family) for family in families})
            if section.name in families:
                level = "family"
            elif section.name in family_classes:
                level = "class"
            else:
                raise ParameterError(
                    f"{where}: name: {section.name!r} is not a modelled family or class "
                    f"(classes: {', '.join(family_classes)}; families: {', '.join(families)})"
                )
            requests.append(
                OutputRequest(metric, str(section.name), level, str(at), offset, "missiles")
            )
            continue
        if defense is None:
            defense = defense_setup(baseline, start.start_time.date()).defense
        if metric == "interceptor_stock":
            if section.name not in defense.tracked_names:
                raise ParameterError(
                    f"{where}: name: {section.name!r} is not a counted interceptor type "
                    f"(counted: {', '.join(defense.tracked_names)})"
                )
            requests.append(
                OutputRequest(metric, str(section.name), "", str(at), offset, "interceptors")
            )
        else:  # leakers
            name = section.name or BALLISTIC_GROUP
            if name != BALLISTIC_GROUP and name not in defense.threats:
                raise ParameterError(
                    f"{where}: name: {name!r} is not a threat the defense engages "
                    f"(known: {BALLISTIC_GROUP}, {', '.join(sorted(defense.threats))})"
                )
            requests.append(
                OutputRequest(metric, name, "", str(at), offset, f"missiles from {start} to {at}")
            )
    seen: set[OutputRequest] = set()
    for position, request in enumerate(requests, start=1):
        if request in seen:
            raise ParameterError(f"{sweep_file.source}: output {position}: given twice")
        seen.add(request)
    return tuple(requests)


def execute(
    tasks: Sequence[PointTask],
    *,
    executor: Executor | None = None,
    progress: ProgressCallback | None = None,
    points: pd.DataFrame | None = None,
) -> list[PointResult]:
    """Run the tasks; results in point order whatever the order of completion.

    ``points`` (the plan's parameter values) lets an error name the point's values.
    """
    total = len(tasks)
    results: dict[int, PointResult] = {}
    if progress is not None:
        progress(0, total)
    if executor is None:
        for task in tasks:
            try:
                results[task.point] = run_point(task)
            except MissilewatchError as error:
                raise _naming_point(error, task, points) from None
            if progress is not None:
                progress(len(results), total)
        return [results[task.point] for task in tasks]
    futures: dict[Future[PointResult], PointTask] = {
        executor.submit(run_point, task): task for task in tasks
    }
    try:
        for future in as_completed(futures):
            task = futures[future]
            try:
                results[task.point] = future.result()
            except MissilewatchError as error:
                raise _naming_point(error, task, points) from None
            if progress is not None:
                progress(len(results), total)
    finally:
        # After an error the points not yet started are not needed.
        for future in futures:
            future.cancel()
    return [results[task.point] for task in tasks]


def _naming_point(
    error: MissilewatchError, task: PointTask, points: pd.DataFrame | None
) -> MissilewatchError:
    """The same error, its one line naming the point and its values."""
    described = ""
    if points is not None:
        row = points.iloc[task.point]
        described = " (" + ", ".join(f"{key}={row[key]:g}" for key in points.columns) + ")"
    return type(error)(f"sweep point {task.point}{described}: {error}")


def assemble(plan: SweepPlan, results: Sequence[PointResult]) -> pd.DataFrame:
    """The results frame (point order) and one warning per distinct engine warning."""
    points = plan.points
    records: list[dict[str, object]] = []
    for result in results:
        values = points.iloc[result.point]
        for row in result.rows:
            record: dict[str, object] = {"point": result.point, "seed": plan.seeds[result.point]}
            record.update({name: values[name] for name in points.columns})
            record.update(row)
            records.append(record)
    columns = ["point", "seed", *points.columns, *RESULT_COLUMNS]
    frame = pd.DataFrame.from_records(records, columns=columns)
    frame["point"] = frame["point"].astype("int64")
    frame["seed"] = frame["seed"].astype("int64")
    for name in points.columns:
        frame[name] = frame[name].astype(points[name].dtype)
    frame["month"] = pd.PeriodIndex([text if text else pd.NaT for text in frame["month"]], freq="M")
    frame["assumption"] = frame["assumption"].astype(bool)
    # Rounded as the stock-flow frames are: tenths of a missile, probabilities to 0.001.
    numbers = [*PERCENTILE_COLUMNS, "mean"]
    is_probability = frame["unit"] == "probability"
    frame.loc[is_probability, numbers] = frame.loc[is_probability, numbers].round(
        PROBABILITY_DECIMALS
    )
    frame.loc[~is_probability, numbers] = frame.loc[~is_probability, numbers].round(COUNT_DECIMALS)
    metadata = dict(plan.metadata)
    metadata["seconds_per_point"] = float(np.mean([r.seconds for r in results])) if results else 0
    frame.attrs["sweep"] = metadata
    _emit_warnings(results, len(plan.tasks))
    return frame


def _emit_warnings(results: Sequence[PointResult], total: int) -> None:
    first: dict[str, str] = {}
    counts: dict[str, int] = {}
    for result in results:
        for message in dict.fromkeys(result.warnings):
            key = warning_key(message)
            first.setdefault(key, message)
            counts[key] = counts.get(key, 0) + 1
    for key, message in first.items():
        warnings.warn(
            f"sweep: {counts[key]} of {total} points: {message}",
            MissilewatchWarning,
            stacklevel=4,
        )


def _base_scenario(sweep_file: Sweep) -> Scenario:
    name = sweep_file.spec.scenario
    candidate = Path(name)
    if sweep_file.folder is not None and (candidate.suffix == ".toml" or "/" in name):
        if not candidate.is_absolute():
            candidate = sweep_file.folder / candidate
        return load_scenario(candidate)
    try:
        return load_scenario(name)
    except MissilewatchError as error:
        raise type(error)(f"{sweep_file.source}: scenario: {error}") from None


def _check_names(
    sweep_file: Sweep,
    base: Scenario,
    start: pd.Period,
    outputs: Sequence[OutputRequest],
    baseline: Baseline,
) -> None:
    """Interceptor types and threat classes the parameters name must exist."""
    wanted_types = [
        name for name in map(extra_interceptor_type, sweep_file.parameter_names) if name is not None
    ]
    wanted_classes = [
        (parameter, threat_class)
        for parameter in sweep_file.parameters
        for threat_class in shots_classes(parameter.name)
    ]
    if not wanted_types and not wanted_classes and base.spec.interceptors is None:
        return
    defense = defense_setup(baseline, start.start_time.date()).defense
    check_names(base, interceptor_types=defense.tracked_names)
    for position, parameter in enumerate(sweep_file.parameters, start=1):
        name = extra_interceptor_type(parameter.name)
        if name is not None and name not in defense.tracked_names:
            raise ParameterError(
                f"{sweep_file.source}: parameter {position} ({parameter.name}): name: "
                f"unknown interceptor type {name!r} (counted: {', '.join(defense.tracked_names)})"
            )
    for parameter, threat_class in wanted_classes:
        engaged = [
            name
            for name in defense.tracked_names
            if threat_class in defense.interceptors[name].engagements
        ]
        if not engaged:
            raise ParameterError(
                f"{sweep_file.source}: parameter {parameter.name}: no counted interceptor type "
                f"engages {threat_class} targets"
            )
    if (wanted_types or wanted_classes) and not needs_campaign(outputs):
        raise ParameterError(
            f"{sweep_file.source}: parameters act on the air defense, but no output reads the "
            "campaign (add depletion_month, p_depletion_before, leakers or interceptor_stock)"
        )


def _records(points: pd.DataFrame) -> list[dict[str, float]]:
    return [
        {str(name): float(value) for name, value in row.items()}
        for row in points.to_dict(orient="records")
    ]
