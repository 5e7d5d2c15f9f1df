"""Running scenarios through the engines, storing them, rerunning and comparing them.

A run = one scenario through the stock-flow engine and the air-defense campaign
(:func:`missilewatch.run.simulate`, one forecast start for both) with one seed. All
scenarios of one call share the seed, so they see the same random numbers (common
random numbers): differences between them come from the scenario, not from noise.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from missilewatch import __version__
from missilewatch.baseline import Baseline, estimates_sha256, load_baseline
from missilewatch.errors import ParameterError
from missilewatch.estimates import DEFENSE_QUANTITIES, EstimateSet
from missilewatch.limits import PERCENTILE_COLUMNS
from missilewatch.model.adjustments import Adjustments
from missilewatch.model.frames import stockpile_frame, summary_frame, warn_shortfalls
from missilewatch.run import Run, RunSpec, simulate
from missilewatch.scenarios.spec import (
    Scenario,
    check_names,
    describe_adjustments,
    load_scenario,
    month_of,
    parse_scenario,
)
from missilewatch.scenarios.store import RunInputs, StoredRun, load_run, save_runs

#: Called after each step with (description, steps done, steps in total).
ProgressCallback = Callable[[str, int, int], None]

PERCENTILES = PERCENTILE_COLUMNS


@dataclass(frozen=True)
class ScenarioRun:
    """The results of one scenario run, as stored.

    ``spec`` is the run specification the engines ran with (None for a run read back
    from the store, which holds its inputs as ``inputs``).
    """

    run_id: int | None
    scenario: Scenario
    inputs: RunInputs
    results: Mapping[str, pd.DataFrame]
    spec: RunSpec | None = None

    @property
    def name(self) -> str:
        return self.scenario.name

    def frame(self, kind: str) -> pd.DataFrame | None:
        return self.results.get(kind)


def estimates_fingerprint(estimates: Path | None = None) -> str:
    """SHA-256 of the estimates in use (shipped files plus the user's file)."""
    from missilewatch import estimates as estimates_module

    return estimates_sha256(estimates_module.load(estimates))


def forecast_start(db: Path | None = None, *, baseline: Baseline | None = None) -> pd.Period:
    """The first forecast month: the month after the last complete month in the ledger,
    by the one rule of :class:`missilewatch.baseline.MonthCalendar` (every engine uses it)."""
    inputs = baseline if baseline is not None else load_baseline(db)
    return inputs.calendar.first_forecast_month


def data_provenance(
    db: Path | None = None, *, baseline: Baseline | None = None
) -> dict[str, object]:
    """Release name, file hash and dates covered by the ledger data in use."""
    inputs = baseline if baseline is not None else load_baseline(db)
    return inputs.provenance.as_dict()


def run_scenarios(
    names_or_paths: Iterable[str | Path],
    *,
    paths: int | None = None,
    seed: int | None = None,
    until: str | None = None,
    db: Path | None = None,
    estimates: Path | None = None,
    store: bool = True,
    progress: ProgressCallback | None = None,
    baseline: Baseline | None = None,
) -> list[ScenarioRun]:
    """Run scenarios (shipped names or file paths) and store each with its inputs.

    ``paths``, ``seed`` and ``until`` override the values in the scenario files.
    Returns the runs in the order given; ``run_id`` is None when ``store`` is False.
    ``baseline``: inputs already read from ``db`` and ``estimates``.
    """
    scenarios = [load_scenario(item) for item in names_or_paths]
    if not scenarios:
        raise ParameterError("run: give at least one scenario name or file")
    inputs_read = baseline if baseline is not None else load_baseline(db, estimates)
    interceptor_types = _known_interceptors(inputs_read.estimates)
    for scenario in scenarios:
        check_names(scenario, interceptor_types=interceptor_types)
    start = inputs_read.calendar.first_forecast_month
    planned = [
        _inputs_for(
            scenario,
            start=start,
            paths=paths,
            seed=seed,
            until=until,
            estimates=estimates,
            baseline=inputs_read,
        )
        for scenario in scenarios
    ]
    runs = []
    finished: list[tuple[RunInputs, dict[str, pd.DataFrame], float]] = []
    specs: list[RunSpec] = []
    total = len(scenarios)
    for index, (scenario, (inputs, spec)) in enumerate(zip(scenarios, planned, strict=True)):
        if progress is not None:
            progress(f"running {scenario.name}", index, total)
        began = time.perf_counter()
        results = _run_engines(inputs_read, spec, inputs.until)
        finished.append((inputs, results, time.perf_counter() - began))
        specs.append(spec)
    run_ids: list[int | None] = (
        list(save_runs(finished, db=db)) if store else [None] * len(finished)
    )
    for scenario, (inputs, results, _seconds), run_id, spec in zip(
        scenarios, finished, run_ids, specs, strict=True
    ):
        runs.append(ScenarioRun(run_id, scenario, inputs, results, spec))
    if progress is not None:
        progress("done", total, total)
    return runs


def rerun(reference: int | str, *, db: Path | None = None) -> ScenarioRun:
    """Run a stored run again from its stored inputs (not stored again).

    The stored scenario text, forecast start, paths, seed and end month are used. If the
    estimates or the data differ from those stored, the numbers may differ: the
    returned run's inputs show what was used now.
    """
    stored = load_run(reference, db)
    old = stored.inputs
    scenario = parse_scenario(old.scenario_text, old.scenario_source)
    start = pd.Period(old.forecast_start, freq="M")
    estimates = Path(old.estimates_file) if old.estimates_file else None
    baseline = load_baseline(db, estimates)
    inputs, spec = _inputs_for(
        scenario,
        start=start,
        paths=old.paths,
        seed=old.seed,
        until=old.until,
        estimates=estimates,
        baseline=baseline,
    )
    results = _run_engines(baseline, spec, inputs.until)
    return ScenarioRun(run_id=None, scenario=scenario, inputs=inputs, results=results, spec=spec)


def result_differences(
    first: Mapping[str, pd.DataFrame],
    second: Mapping[str, pd.DataFrame],
    *,
    rtol: float = 1e-9,
) -> list[str]:
    """Kinds of results that differ between two runs (empty: the same numbers)."""
    differing = []
    for kind in sorted(set(first) | set(second)):
        if kind not in first or kind not in second:
            differing.append(kind)
            continue
        left = first[kind].reset_index(drop=True)
        right = second[kind].reset_index(drop=True)
        try:
            pd.testing.assert_frame_equal(left, right, check_dtype=False, rtol=rtol)
        except AssertionError:
            differing.append(kind)
    return differing


def stored_run(reference: int | str, *, db: Path | None = None) -> ScenarioRun:
    """A stored run as a :class:`ScenarioRun`."""
    stored: StoredRun = load_run(reference, db)
    scenario = parse_scenario(stored.inputs.scenario_text, stored.inputs.scenario_source)
    return ScenarioRun(
        run_id=stored.run_id, scenario=scenario, inputs=stored.inputs, results=stored.results
    )


#: The month offsets of the adjustments, by the scenario field they come from.
CHANGE_STARTS = {
    "ceasefire.start": "ceasefire_start",
    "escalation.start": "escalation_start",
    "production.start": "production_change_start",
    "imports.stop": "imports_stop",
    "interceptors.start": "extra_interceptors_start",
}


def _check_changes_start_by(
    scenario: Scenario,
    adjustments: Adjustments,
    start: pd.Period,
    end: pd.Period,
    until_origin: str,
) -> None:
    """Refuse a change that starts after the last forecast month.

    Such a run would be the baseline under the scenario's name; refused rather than
    warned about, so a comparison never shows "no difference" for a change never made.
    """
    spec = scenario.spec
    sections = {
        "ceasefire.start": spec.ceasefire,
        "escalation.start": spec.escalation,
        "production.start": spec.production,
        "imports.stop": spec.imports,
        "interceptors.start": spec.interceptors,
    }
    for field_name, attribute in CHANGE_STARTS.items():
        if sections[field_name] is None:
            continue
        first = start + int(getattr(adjustments, attribute))
        if first > end:
            raise ParameterError(
                f"{scenario.source}: {field_name}: {first} is after the last forecast month "
                f"{end} ({until_origin}); the run would be the baseline"
            )


def _inputs_for(
    scenario: Scenario,
    *,
    start: pd.Period,
    paths: int | None,
    seed: int | None,
    until: str | None,
    estimates: Path | None,
    baseline: Baseline,
) -> tuple[RunInputs, RunSpec]:
    settings = scenario.spec.run
    end = month_of(until if until is not None else settings.until, start)
    # Name where the last month came from: the command line or the scenario file.
    until_origin = "--until" if until is not None else "run.until"
    if end < start:
        where = "--until" if until is not None else f"{scenario.source}: run.until"
        raise ParameterError(f"{where}: {end} is before the forecast start {start}")
    adjustments = scenario.adjustments(start)
    spec = RunSpec(
        until=end,
        paths=settings.paths if paths is None else paths,
        seed=settings.seed if seed is None else seed,
        adjustments=adjustments,
        start=start,
    )
    _check_changes_start_by(scenario, adjustments, start, end, until_origin)
    provenance = baseline.provenance.as_dict()
    inputs = RunInputs(
        scenario=scenario.name,
        scenario_source=scenario.source,
        scenario_text=scenario.text,
        scenario_sha256=scenario.text_sha256,
        adjustments_json=json.dumps(describe_adjustments(adjustments), sort_keys=True),
        forecast_start=str(start),
        until=str(end),
        paths=spec.paths,
        seed=spec.seed,
        estimates_sha256=baseline.estimates_sha256,
        estimates_file=str(estimates) if estimates is not None else None,
        data_release=_optional_text(provenance.get("data_release")),
        data_file_sha256=_optional_text(provenance.get("data_file_sha256")),
        data_first_date=provenance.get("data_first_date"),  # type: ignore[arg-type]
        data_last_date=provenance.get("data_last_date"),  # type: ignore[arg-type]
        version=__version__,
    )
    return inputs, spec


def _run_engines(baseline: Baseline, spec: RunSpec, until: str) -> dict[str, pd.DataFrame]:
    """Result frames of one run, by kind: views of one :func:`simulate` call, so the
    stock-flow engine and the campaign share the forecast start and the adjustments."""
    run = simulate(baseline, spec)
    # The stockpile frame keeps the whole ledger history, so a fan chart can show the
    # reconstruction before the forecast.
    results: dict[str, pd.DataFrame] = {
        "stockpile": stockpile_frame(run, until=until),
        "summary": summary_frame(run),
        "class_paths": class_path_figures(run),
    }
    warn_shortfalls(run)
    campaign = run.campaign_result
    assert campaign is not None
    results["defense_monthly"] = campaign.monthly
    results["defense_depletion"] = campaign.depletion
    results["defense_summary"] = campaign.summary
    return results


#: Resampled paths kept per class in ``class_paths`` (the engine's reservoir holds at most
#: 8,192; the cap bounds the stored size if that changes).
MAX_STORED_PATHS = 8_192


def class_path_figures(run: Run) -> pd.DataFrame:
    """Per class and resampled path, the figures whose ranges need the paths themselves.

    Percentiles of a difference (production minus launches, a stock change, a scenario's
    gain over the baseline) cannot be read off the percentile frames; they need the
    paired values of each path. Long form: ``name`` (class), ``quantity``, ``month``
    (Period[M]), ``path`` (slot of the engine's resample), ``value``. Quantities:
    ``stock`` at month end for the last observed month, 12 months before it and every
    forecast month; ``supply_12m`` (production plus imports) and ``launches_12m`` over the
    12 observed months ending at ``month``. Runs with the same seed share the resample
    slots (the conditioning uses the history only), so a path of one scenario can be
    compared with the same path of another.
    """
    setup = run.stock_flow_setup
    resample = run.stock_flow_result.resample
    months: list[pd.Period] = list(setup.months)
    history = len(setup.history.months)
    last = history - 1
    window = slice(max(0, history - 12), history)
    stock_months = sorted({max(0, last - 12), last, *range(history, len(months))})
    classes = list(setup.params.weapon_classes)
    # Month codes into one PeriodIndex built once: building a Period per row is slow.
    period_index = pd.PeriodIndex(months, freq="M")
    names: list[str] = []
    quantities: list[str] = []
    month_codes: list[int] = []
    columns: list[np.ndarray] = []
    for name in sorted(set(classes)):
        members = [index for index, value in enumerate(classes) if value == name]

        def summed(quantity: str, members: list[int] = members) -> np.ndarray:
            values = np.asarray(resample[quantity][:MAX_STORED_PATHS], dtype=np.float64)
            return values[..., members].sum(axis=-1)

        # The stock array has one more month: index t + 1 is the stock at the end of t.
        stock = summed("stock")[:, 1:]
        parts = [(month, "stock", stock[:, month]) for month in stock_months]
        supply = (summed("production") + summed("imports"))[:, window].sum(axis=1)
        parts.append((last, "supply_12m", supply))
        parts.append((last, "launches_12m", summed("launches")[:, window].sum(axis=1)))
        for month, quantity, values in parts:
            names.append(name)
            quantities.append(quantity)
            month_codes.append(month)
            columns.append(values)
    slots = columns[0].shape[0]
    return pd.DataFrame(
        {
            "name": np.repeat(names, slots),
            "quantity": np.repeat(quantities, slots),
            "month": period_index[np.repeat(month_codes, slots)],
            "path": np.tile(np.arange(slots, dtype=np.int32), len(columns)),
            "value": np.concatenate(columns),
        }
    )


def _known_interceptors(estimates: EstimateSet) -> list[str] | None:
    """Interceptor types named in the estimates' air-defense records.

    Subjects may combine types ("PAC-3 MSE + PAC-2 GEM-T") or name a type against a
    threat class ("PAC-3 MSE vs ballistic"); the type is the part before " vs ".
    """
    frame = estimates.to_frame()
    subjects = frame.loc[frame["quantity"].isin(DEFENSE_QUANTITIES), "subject"]
    names = {
        part.split(" vs ")[0].strip() for subject in subjects for part in str(subject).split(" + ")
    }
    # Before any interceptor is described there is nothing to check against.
    return sorted(names) or None


def _optional_text(value: object) -> str | None:
    return None if value is None else str(value)


def compare_runs(
    a: int | str | ScenarioRun,
    b: int | str | ScenarioRun,
    *,
    db: Path | None = None,
    level: str = "class",
) -> pd.DataFrame:
    """The differences that matter between two runs (ids, scenario names or runs).

    Columns: ``metric, name, month, unit, a_p5, a_p50, a_p95, b_p5, b_p50, b_p95,
    difference_p50`` (b minus a, of the medians). Metrics: ``stock`` per class at the
    forecast start, 6 and 12 months later and at the end; ``launches`` summed over the
    forecast; for the air defense ``interceptor_stock`` at the end, ``leakers`` summed
    over the forecast and ``depletion_month`` (median and 5-95% of the month index
    after the forecast start).
    """
    run_a = a if isinstance(a, ScenarioRun) else stored_run(a, db=db)
    run_b = b if isinstance(b, ScenarioRun) else stored_run(b, db=db)
    rows: list[dict[str, object]] = []
    rows += _stock_rows(run_a, run_b, level)
    rows += _defense_rows(run_a, run_b)
    frame = pd.DataFrame(
        rows,
        columns=[
            "metric",
            "name",
            "month",
            "unit",
            "a_p5",
            "a_p50",
            "a_p95",
            "b_p5",
            "b_p50",
            "b_p95",
        ],
    )
    frame["difference_p50"] = frame["b_p50"] - frame["a_p50"]
    frame.attrs["a"] = f"run {run_a.run_id} ({run_a.name})"
    frame.attrs["b"] = f"run {run_b.run_id} ({run_b.name})"
    return frame


def comparison_months(inputs: RunInputs) -> list[pd.Period]:
    start = pd.Period(inputs.forecast_start, freq="M")
    end = pd.Period(inputs.until, freq="M")
    months = [start, start + 5, start + 6, start + 12, end]
    return sorted({month for month in months if start <= month <= end})


def _stock_rows(run_a: ScenarioRun, run_b: ScenarioRun, level: str) -> list[dict[str, object]]:
    frame_a, frame_b = run_a.frame("stockpile"), run_b.frame("stockpile")
    if frame_a is None or frame_b is None:
        return []
    rows: list[dict[str, object]] = []
    months = comparison_months(run_a.inputs)
    stock_a = frame_a[(frame_a["level"] == level) & (frame_a["quantity"] == "stock")]
    stock_b = frame_b[(frame_b["level"] == level) & (frame_b["quantity"] == "stock")]
    for name in sorted(set(stock_a["name"]) & set(stock_b["name"])):
        for month in months:
            row_a = _row(stock_a, name, month)
            row_b = _row(stock_b, name, month)
            if row_a is None or row_b is None:
                continue
            rows.append(_pair("stock", name, str(month), "missiles", row_a, row_b))
    launches_a = _forecast_total(frame_a, level, "launches", run_a.inputs)
    launches_b = _forecast_total(frame_b, level, "launches", run_b.inputs)
    for name in sorted(set(launches_a) & set(launches_b)):
        rows.append(
            _pair(
                "launches",
                name,
                f"{run_a.inputs.forecast_start}..{run_a.inputs.until}",
                "missiles (sum of monthly medians)",
                launches_a[name],
                launches_b[name],
            )
        )
    return rows


def _defense_rows(run_a: ScenarioRun, run_b: ScenarioRun) -> list[dict[str, object]]:
    rows: list[dict[str, object]] = []
    monthly_a, monthly_b = run_a.frame("defense_monthly"), run_b.frame("defense_monthly")
    if monthly_a is not None and monthly_b is not None:
        rows += _defense_monthly_rows(monthly_a, monthly_b, run_a.inputs)
    depletion_a, depletion_b = run_a.frame("defense_depletion"), run_b.frame("defense_depletion")
    if depletion_a is not None and depletion_b is not None:
        rows += _depletion_rows(depletion_a, depletion_b, run_a.inputs)
    return rows


def _defense_monthly_rows(
    monthly_a: pd.DataFrame, monthly_b: pd.DataFrame, inputs: RunInputs
) -> list[dict[str, object]]:
    # The campaign frame's layout is owned by the air-defense module; read it by its
    # documented columns: month, interceptor type, quantity (spent/stock/leakers).
    type_column = _first_present(monthly_a, ("interceptor", "interceptor_type", "name"))
    if type_column is None or "quantity" not in monthly_a:
        return []
    rows: list[dict[str, object]] = []
    end = monthly_a["month"].max()
    for name in sorted(set(monthly_a[type_column]) & set(monthly_b[type_column])):
        stock_a = monthly_a[(monthly_a[type_column] == name) & (monthly_a["quantity"] == "stock")]
        stock_b = monthly_b[(monthly_b[type_column] == name) & (monthly_b["quantity"] == "stock")]
        end_a = stock_a[stock_a["month"] == end]
        end_b = stock_b[stock_b["month"] == end]
        if not end_a.empty and not end_b.empty:
            rows.append(
                _pair(
                    "interceptor_stock",
                    str(name),
                    str(end),
                    "interceptors",
                    end_a.iloc[0],
                    end_b.iloc[0],
                )
            )
        leak_a = monthly_a[(monthly_a[type_column] == name) & (monthly_a["quantity"] == "leakers")]
        leak_b = monthly_b[(monthly_b[type_column] == name) & (monthly_b["quantity"] == "leakers")]
        if not leak_a.empty and not leak_b.empty:
            rows.append(
                _pair(
                    "leakers",
                    str(name),
                    f"{inputs.forecast_start}..{inputs.until}",
                    "missiles (sum of monthly medians)",
                    leak_a[list(PERCENTILES)].sum(),
                    leak_b[list(PERCENTILES)].sum(),
                )
            )
    return rows


def _depletion_rows(
    depletion_a: pd.DataFrame, depletion_b: pd.DataFrame, inputs: RunInputs
) -> list[dict[str, object]]:
    # Both runs' months as offsets from the same month (a's forecast start), so the
    # percentiles compare and convert back to calendar months.
    origin = pd.Period(inputs.forecast_start, freq="M")
    summary_a = depletion_summary(depletion_a, origin)
    summary_b = depletion_summary(depletion_b, origin)
    rows = []
    for name in sorted(set(summary_a) & set(summary_b)):
        rows.append(
            _pair(
                "depletion_month",
                name,
                str(origin),
                f"months after {origin} (inf: not by {inputs.until})",
                summary_a[name],
                summary_b[name],
            )
        )
    return rows


def depletion_summary(
    depletion: pd.DataFrame, origin: pd.Period | None = None
) -> dict[str, pd.Series]:
    """5th, 50th and 95th percentile of the depletion month, per group.

    Reads a distribution frame with a ``month`` column (Period, or NaT/None for "not
    before the end") and a ``probability`` column, optionally per interceptor group.
    Months are returned as offsets (float) from ``origin`` (default: the first month
    of the frame); a path that never runs short counts as beyond the end (``inf``).
    """
    group_column = _first_present(depletion, ("interceptor", "group", "name"))
    groups = depletion.groupby(group_column) if group_column else [("all", depletion)]
    result: dict[str, pd.Series] = {}
    for name, group in groups:
        months = group["month"]
        probability = group["probability"].to_numpy(dtype=float)
        known = months.notna().to_numpy()
        first = origin if origin is not None else (min(months[known]) if known.any() else None)
        offsets = np.full(len(group), np.inf)
        if first is not None:
            offsets[known] = [(month - first).n for month in months[known]]
        order = np.argsort(offsets)
        cumulative = np.cumsum(probability[order])
        values = {}
        for label, quantile in (("p5", 0.05), ("p50", 0.5), ("p95", 0.95)):
            position = int(np.searchsorted(cumulative, quantile - 1e-12))
            values[label] = offsets[order][position] if position < len(order) else np.inf
        result[str(name)] = pd.Series(values)
    return result


def _first_present(frame: pd.DataFrame, candidates: Iterable[str]) -> str | None:
    for column in candidates:
        if column in frame.columns:
            return column
    return None


def _row(frame: pd.DataFrame, name: str, month: pd.Period) -> pd.Series | None:
    rows = frame[(frame["name"] == name) & (frame["month"] == month)]
    return None if rows.empty else rows.iloc[0]


def _forecast_total(
    frame: pd.DataFrame, level: str, quantity: str, inputs: RunInputs
) -> dict[str, pd.Series]:
    start = pd.Period(inputs.forecast_start, freq="M")
    rows = frame[
        (frame["level"] == level) & (frame["quantity"] == quantity) & (frame["month"] >= start)
    ]
    return {str(name): group[["p5", "p50", "p95"]].sum() for name, group in rows.groupby("name")}


def _pair(
    metric: str, name: str, month: str, unit: str, a: pd.Series, b: pd.Series
) -> dict[str, object]:
    return {
        "metric": metric,
        "name": name,
        "month": month,
        "unit": unit,
        "a_p5": float(a["p5"]),
        "a_p50": float(a["p50"]),
        "a_p95": float(a["p95"]),
        "b_p5": float(b["p5"]),
        "b_p50": float(b["p50"]),
        "b_p95": float(b["p95"]),
    }
