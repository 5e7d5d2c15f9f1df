"""JSON endpoints over the models: stockpile, air-defense campaign, raid, scenario runs.

Results are deterministic for (seed, paths, horizon, scenario, estimates, data), so
they are cached in process.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any

import pandas as pd
from fastapi import APIRouter, Depends, Query
from fastapi.responses import JSONResponse
from pydantic import ValidationError

from missilewatch.defense.setup import DefenseSetup
from missilewatch.errors import InputError, UnknownNameError
from missilewatch.model import frames
from missilewatch.model.adjustments import BASELINE, Adjustments
from missilewatch.names import resolve_interceptor
from missilewatch.report import charts
from missilewatch.run import DEFENSE, STOCK_FLOW, Run, RunSpec, simulate
from missilewatch.scenarios import load_scenario, shipped_names
from missilewatch.scenarios.spec import ScenarioSpec, describe_adjustments
from missilewatch.views import defense as air_defense
from missilewatch.web.engines import Engines, run_model
from missilewatch.web.errors import RequestRefused
from missilewatch.web.estimates_routes import interceptor_types
from missilewatch.web.figures import (
    FigurePayload,
    chart_payload,
    saturation_chart,
    saturation_share_chart,
)
from missilewatch.web.ledger_routes import get_engines
from missilewatch.web.records import frame_records
from missilewatch.web.schemas import (
    DEFAULT_PATHS,
    DEFAULT_UNTIL,
    RaidRequest,
    ScenarioRequest,
    SimulationQuery,
    StockpileQuery,
)

EnginesDep = Annotated[Engines, Depends(get_engines)]

#: Class whose fan chart the page shows when no class is chosen: the one the
#: interceptor balance turns on.
DEFAULT_STOCKPILE_CLASS = "ballistic"


def _adjustments_key(adjustments: Adjustments) -> tuple[Any, ...]:
    """A hashable, order-independent identity of a set of adjustments."""

    def hashable(value: object) -> object:
        if isinstance(value, dict):
            return tuple(sorted(value.items()))
        if isinstance(value, list):
            return tuple(value)
        return value

    return tuple(
        (name, hashable(value)) for name, value in describe_adjustments(adjustments).items()
    )


# ---- stockpile -------------------------------------------------------------------------


def stock_flow_run(
    engines: Engines,
    *,
    until: str = DEFAULT_UNTIL,
    paths: int = DEFAULT_PATHS,
    seed: int = 0,
    adjustments: Adjustments = BASELINE,
) -> tuple[Run, tuple[str, ...]]:
    """The stock-flow engine's run for these inputs and its warnings, cached: every
    frame, summary and chart of the same inputs is a view of this one run."""
    key = (until, paths, seed, _adjustments_key(adjustments))

    def compute() -> tuple[Run, tuple[str, ...]]:
        spec = RunSpec(until=until, paths=paths, seed=seed, adjustments=adjustments)
        baseline = engines.baseline()
        return run_model(lambda: simulate(baseline, spec, engines={STOCK_FLOW}))

    result: tuple[Run, tuple[str, ...]] = engines.call("stock-run", key, compute)
    return result


def stockpile_frame(
    engines: Engines,
    *,
    until: str = DEFAULT_UNTIL,
    paths: int = DEFAULT_PATHS,
    seed: int = 0,
    weapon_class: str | None = None,
    family: str | None = None,
    adjustments: Adjustments = BASELINE,
) -> tuple[pd.DataFrame, tuple[str, ...]]:
    """``stockpile(...)`` for these inputs and the warnings it gave, cached."""
    key = (until, paths, seed, weapon_class, family, _adjustments_key(adjustments))

    def compute() -> tuple[pd.DataFrame, tuple[str, ...]]:
        run, run_notes = stock_flow_run(
            engines, until=until, paths=paths, seed=seed, adjustments=adjustments
        )

        def view() -> pd.DataFrame:
            frame = frames.stockpile_frame(
                run, family=family, weapon_class=weapon_class, until=until
            )
            frames.warn_shortfalls(run, family=family, weapon_class=weapon_class)
            return frame

        frame, notes = run_model(view)
        return frame, tuple(dict.fromkeys([*run_notes, *notes]))

    result: tuple[pd.DataFrame, tuple[str, ...]] = engines.call("stockpile", key, compute)
    return result


def stockpile_class(frame: pd.DataFrame, wanted: str | None) -> str | None:
    """The class to draw: the one asked for, else ballistic, else the first present."""
    classes = list(dict.fromkeys(frame.loc[frame["level"] == "class", "name"]))
    if wanted in classes:
        return wanted
    if wanted is None and DEFAULT_STOCKPILE_CLASS in classes:
        return DEFAULT_STOCKPILE_CLASS
    return classes[0] if classes and wanted is None else None


def baseline_stockpile_figure(engines: Engines, query: StockpileQuery) -> FigurePayload:
    def compute() -> FigurePayload:
        frame, notes = stockpile_frame(
            engines, until=query.until, paths=query.paths, seed=query.seed
        )
        name = stockpile_class(frame, query.weapon_class)
        if name is None:
            return _no_model_figure(f"No stockpile model for class {query.weapon_class}")
        subtitle = f"baseline, {query.paths:,} paths, seed {query.seed}"
        payload = chart_payload(charts.stockpile_fan(frame, name, level="class"), subtitle)
        payload["warnings"] = list(notes)
        return payload

    key = tuple(query.model_dump(mode="json").items())
    payload: FigurePayload = engines.call("figure-stockpile", key, compute)
    return payload


def _no_model_figure(message: str) -> FigurePayload:
    return {
        "data": [],
        "layout": {
            "title": {"text": message, "x": 0.0},
            "meta": {"key": "empty", "empty": True},
            "xaxis": {"visible": False},
            "yaxis": {"visible": False},
        },
    }


stockpile_router = APIRouter(prefix="/api", tags=["stockpile"])


@stockpile_router.get("/stockpile", summary="Stockpile reconstruction and forecast")
def stockpile(query: Annotated[StockpileQuery, Query()], engines: EnginesDep) -> JSONResponse:
    """Percentiles of stock, production, launches per month, as ``missilewatch.stockpile``."""

    def compute() -> dict[str, Any]:
        frame, notes = stockpile_frame(engines, **query.model_dump())
        payload: dict[str, Any] = {
            "query": query.model_dump(mode="json"),
            "rows": frame_records(frame),
            "warnings": list(notes),
        }
        # The same run as the rows: one engine run per request.
        run, _ = stock_flow_run(engines, until=query.until, paths=query.paths, seed=query.seed)
        summary = frames.summary_frame(run, family=query.family, weapon_class=query.weapon_class)
        payload["summary"] = frame_records(summary)
        return payload

    key = tuple(query.model_dump(mode="json").items())
    return JSONResponse(engines.call("stockpile-json", key, compute))


@stockpile_router.get("/figures/stockpile", summary="Chart: stockpile fan chart of one class")
def stockpile_figure(
    query: Annotated[StockpileQuery, Query()], engines: EnginesDep
) -> JSONResponse:
    """Median, 50% and 90% bands of the stock of ``weapon_class`` (default: ballistic)."""
    return JSONResponse({"figures": {"stockpile": baseline_stockpile_figure(engines, query)}})


# ---- air-defense campaign ----------------------------------------------------------------


@dataclass(frozen=True)
class CampaignTables:
    """The tables of a ``CampaignResult`` and the warnings of its run."""

    monthly: pd.DataFrame
    depletion: pd.DataFrame
    summary: pd.DataFrame
    warnings: tuple[str, ...]


def campaign(
    engines: Engines,
    *,
    until: str,
    paths: int,
    seed: int,
    adjustments: Adjustments = BASELINE,
) -> CampaignTables:
    """``defense_campaign(...)`` for these inputs, cached."""
    key = (until, paths, seed, _adjustments_key(adjustments))

    def compute() -> CampaignTables:
        spec = RunSpec(until=until, paths=paths, seed=seed, adjustments=adjustments)
        run, notes = run_model(lambda: simulate(engines.baseline(), spec, engines={DEFENSE}))
        result = run.campaign_result
        assert result is not None
        # Keep only the tables: the per-path arrays are large and no view reads them.
        return CampaignTables(result.monthly, result.depletion, result.summary, notes)

    tables: CampaignTables = engines.call("campaign", key, compute)
    return tables


def defense_figures(result: CampaignTables, subtitle: str) -> dict[str, FigurePayload]:
    return {
        "defense": chart_payload(charts.interceptor_stock(result.monthly), subtitle),
        "depletion": chart_payload(charts.depletion_distribution(result.depletion), subtitle),
    }


defense_router = APIRouter(prefix="/api", tags=["defense"])


@defense_router.get("/defense", summary="Interceptor stocks, leakers and the depletion date")
def defense(query: Annotated[SimulationQuery, Query()], engines: EnginesDep) -> JSONResponse:
    """``defense_campaign(...)``: monthly percentiles per interceptor type and threat,
    the distribution of the depletion month, and summary figures."""

    def compute() -> dict[str, Any]:
        result = campaign(engines, **query.model_dump())
        return {
            "query": query.model_dump(mode="json"),
            "monthly": frame_records(result.monthly),
            "depletion": frame_records(result.depletion),
            "summary": frame_records(result.summary),
            "warnings": list(result.warnings),
        }

    key = tuple(query.model_dump(mode="json").items())
    return JSONResponse(engines.call("defense-json", key, compute))


@defense_router.get("/figures/defense", summary="Charts: interceptor stock and depletion month")
def defense_figure(query: Annotated[SimulationQuery, Query()], engines: EnginesDep) -> JSONResponse:
    def compute() -> dict[str, Any]:
        result = campaign(engines, **query.model_dump())
        subtitle = f"baseline, {query.paths:,} paths, seed {query.seed}"
        return {"figures": defense_figures(result, subtitle), "warnings": list(result.warnings)}

    key = tuple(query.model_dump(mode="json").items())
    return JSONResponse(engines.call("figure-defense", key, compute))


# ---- raid ----------------------------------------------------------------------------------

raid_router = APIRouter(prefix="/api", tags=["defense"])


def defense_setup(engines: Engines) -> DefenseSetup:
    """The air defense built from the estimates and the ledger, once per data version.

    Building it fits the ledger's intercepts (about a second and a half); every raid
    request reuses it.
    """

    def compute() -> DefenseSetup:
        setup, _ = air_defense.load_setup(baseline=engines.baseline())
        return setup

    setup: DefenseSetup = engines.call("defense-setup", (), compute)
    return setup


@raid_router.get("/raid/threats", summary="Threat families a raid may contain")
def raid_threats(engines: EnginesDep) -> JSONResponse:
    """The families the air-defense model engages, with their class and the ledger
    window their engaged share was calibrated on."""
    setup = defense_setup(engines)
    rows = [
        {
            "threat": name,
            "weapon_class": setup.defense.threats[name].weapon_class,
            "calibrated_on": setup.calibrated_on.get(name, ""),
        }
        for name in sorted(setup.defense.threats)
    ]
    return JSONResponse({"threats": rows})


@raid_router.post("/raid", summary="Monte Carlo of one raid against the air defense")
def raid(request: RaidRequest, engines: EnginesDep) -> JSONResponse:
    """Leakers per threat, interceptors spent per type and the saturation curve for a raid
    such as ``{"Iskander-M": 40, "Kh-101/Kh-555": 60}`` (or the text
    ``"Iskander-M=40, Kh-101/Kh-555=60"``); ``figures.saturation`` is the curve as a chart
    and ``figures["saturation-share"]`` the share not intercepted, whole raid and ballistic."""
    setup = defense_setup(engines)
    try:
        counts = air_defense.resolve_raid_names(request.raid, setup.defense)
    except (UnknownNameError, InputError) as error:
        # An unknown threat is a bad value of the raid field, not a missing resource.
        raise RequestRefused(422, str(error), "raid") from None
    key = (tuple(sorted(counts.items())), request.paths, request.seed)

    def compute() -> dict[str, Any]:
        result, notes = run_model(
            lambda: air_defense.raid(counts, paths=request.paths, seed=request.seed, defense=setup)
        )
        size = sum(counts.values())
        subtitle = (
            ", ".join(f"{count:,} {name}" for name, count in counts.items())
            + f"; {request.paths:,} paths, seed {request.seed}"
        )
        return {
            "warnings": list(notes),
            "request": {"raid": counts, "paths": request.paths, "seed": request.seed},
            "leakers": frame_records(result.leakers),
            "interceptors": frame_records(result.interceptors),
            "saturation": frame_records(result.saturation),
            "calibrated_on": dict(result.calibrated_on),
            "figures": {
                "saturation": chart_payload(
                    saturation_chart(result.saturation, raid_size=size), subtitle
                ),
                "saturation-share": chart_payload(
                    saturation_share_chart(result.saturation, raid_size=size), subtitle
                ),
            },
        }

    return JSONResponse(engines.call("raid", key, compute))


# ---- scenario runs -------------------------------------------------------------------------

scenario_router = APIRouter(prefix="/api", tags=["scenarios"])


def scenario_adjustments(engines: Engines, request: ScenarioRequest) -> tuple[Adjustments, str]:
    """The frozen adjustments of the request, validated by the scenario file schema.

    Returns the adjustments and a one-line description of the scenario.
    """
    start = engines.baseline().calendar.first_forecast_month
    if request.scenario is not None:
        try:
            scenario = load_scenario(request.scenario)
        except UnknownNameError as error:
            raise RequestRefused(422, str(error), "scenario") from None
        return scenario.adjustments(start), scenario.spec.description.rstrip(".")
    raw: dict[str, Any] = {"name": "dashboard", "description": "Scenario from the dashboard form."}
    changes: list[str] = []
    if request.ceasefire_months > 0:
        raw["ceasefire"] = {"start": request.ceasefire_start, "months": request.ceasefire_months}
        changes.append(
            f"no launches for {request.ceasefire_months} months from month "
            f"{request.ceasefire_start} ({start + request.ceasefire_start})"
        )
    if request.escalation_factor != 1.0 or request.salvo_factor != 1.0:
        raw["escalation"] = {
            "strike_frequency_factor": request.escalation_factor,
            "salvo_size_factor": request.salvo_factor,
        }
        changes.append(
            f"attacks per month x{request.escalation_factor:g}, "
            f"missiles per attack x{request.salvo_factor:g}"
        )
    if request.production_factor != 1.0:
        raw["production"] = {"factor": request.production_factor}
        changes.append(f"production x{request.production_factor:g}")
    if request.extra_interceptors_per_month > 0:
        known = interceptor_types(engines)
        if not request.interceptor:
            raise RequestRefused(
                422, "name the interceptor type of the extra deliveries", "interceptor"
            )
        try:
            interceptor = resolve_interceptor(request.interceptor, known)
        except UnknownNameError as error:
            raise RequestRefused(422, str(error), "interceptor") from None
        raw["interceptors"] = {
            "extra_per_month": {interceptor: request.extra_interceptors_per_month}
        }
        changes.append(f"{request.extra_interceptors_per_month:g} extra {interceptor} per month")
    try:
        spec = ScenarioSpec.model_validate(raw)
    except ValidationError as error:
        raise InputError(f"scenario form: {error.errors()[0]['msg']}") from None
    description = "; ".join(changes) if changes else "baseline (no changes)"
    return spec.freeze(start, source="scenario form"), description


def shipped_scenarios() -> list[dict[str, str]]:
    return [
        {"name": name, "description": load_scenario(name).spec.description}
        for name in shipped_names()
    ]


@scenario_router.get("/scenarios", summary="Shipped scenarios")
def scenarios() -> JSONResponse:
    """Names and descriptions of the shipped scenarios, usable as ``scenario`` in a run."""
    return JSONResponse({"scenarios": shipped_scenarios()})


@scenario_router.post("/scenario-runs", summary="Run a scenario and return its charts")
def scenario_run(request: ScenarioRequest, engines: EnginesDep) -> JSONResponse:
    """Run the stock-flow model and the air-defense campaign under the
    scenario, with the same seed as the baseline so that differences come from the
    scenario. Runs from the dashboard are not stored; ``missilewatch run`` stores runs."""
    adjustments, description = scenario_adjustments(engines, request)
    until, paths, seed = request.until, request.paths, request.seed

    def compute() -> dict[str, Any]:
        baseline, _ = stockpile_frame(engines, until=until, paths=paths, seed=seed)
        changed, notes = stockpile_frame(
            engines, until=until, paths=paths, seed=seed, adjustments=adjustments
        )
        name = stockpile_class(changed, request.weapon_class) or DEFAULT_STOCKPILE_CLASS
        subtitle = f"{description}; {request.paths:,} paths, seed {request.seed}"
        comparison = charts.scenario_comparison(
            {"baseline": baseline, "scenario": changed}, name, level="class"
        )
        figures = {"stockpile": chart_payload(comparison, subtitle)}
        result: dict[str, Any] = {
            "warnings": list(notes),
            "inputs": request.model_dump(mode="json"),
            "description": f"Scenario: {description}.",
            "adjustments": dict(describe_adjustments(adjustments)),
        }
        stock = changed[(changed["quantity"] == "stock") & (changed["level"] == "class")]
        result["stock"] = frame_records(stock)
        outcome = campaign(engines, until=until, paths=paths, seed=seed, adjustments=adjustments)
        figures.update(defense_figures(outcome, subtitle))
        result["defense_summary"] = frame_records(outcome.summary)
        result["warnings"] = list(dict.fromkeys([*notes, *outcome.warnings]))
        result["figures"] = figures
        return result

    key = (tuple(request.model_dump(mode="json").items()), _adjustments_key(adjustments))
    return JSONResponse(engines.call("scenario-run", key, compute))
