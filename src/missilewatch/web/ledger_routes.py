"""JSON endpoints over the ledger: statistics, filter choices and the launch charts."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel

from missilewatch import ledger
from missilewatch.errors import UnknownNameError
from missilewatch.ledger.releases import store_summary
from missilewatch.ledger.snapshot import CREDIT, load_snapshot
from missilewatch.names import resolve_family
from missilewatch.report import charts
from missilewatch.web.engines import Engines
from missilewatch.web.errors import RequestRefused
from missilewatch.web.figures import FigurePayload, chart_payload
from missilewatch.web.records import frame_records
from missilewatch.web.schemas import FigureQuery, LaunchFigureQuery, StatsQuery


class StatsRow(BaseModel):
    period: str
    period_start: str
    weapon_class: str | None = None
    family: str | None = None
    reports: int
    launched: int
    destroyed: int
    not_reach_goal: int
    intercept_rate: float | None


class StatsResponse(BaseModel):
    query: dict[str, Any]
    rows: list[StatsRow]


class FigureResponse(BaseModel):
    data: list[dict[str, Any]]
    layout: dict[str, Any]


def get_engines(request: Request) -> Engines:
    engines: Engines = request.app.state.engines
    return engines


EnginesDep = Annotated[Engines, Depends(get_engines)]


def check_family(engines: Engines, family: str | None) -> None:
    """Refuse a family the ledger has never reported, naming the field."""
    if family is None:
        return
    known = sorted(set(engines.families()["family"]))
    try:
        resolve_family(family, known, field=None, covered_by="reported in the ledger")
    except UnknownNameError as error:
        raise RequestRefused(422, str(error), "family") from None


def _iso(value: Any) -> str | None:
    return value.isoformat() if value is not None else None


def stats_frame_for(engines: Engines, query: StatsQuery) -> Any:
    check_family(engines, query.family)
    if query.start and query.end and query.start > query.end:
        raise RequestRefused(422, f"start {query.start} is after end {query.end}", "end")
    return engines.stats(
        period=query.period,
        by=query.by,
        start=_iso(query.start),
        end=_iso(query.end),
        mode=query.mode,
        weapon_class=query.weapon_class,
        family=query.family,
    )


def _filter_label(query: FigureQuery) -> str | None:
    parts = []
    if query.family:
        parts.append(query.family)
    elif query.weapon_class:
        parts.append(f"class {query.weapon_class}")
    if query.start or query.end:
        parts.append(f"{query.start or 'first report'} to {query.end or 'last report'}")
    return ", ".join(parts) or None


def reported_through(engines: Engines, query: FigureQuery) -> str | None:
    """The last day the charts' figures cover: the last report, or the filter's end if
    earlier. A period after it is drawn as partial."""
    from missilewatch.web.headline_routes import last_report

    last = last_report(engines)
    if query.end is not None and (last is None or query.end.isoformat() < last):
        return query.end.isoformat()
    return str(last) if last is not None else None


def provenance(engines: Engines) -> dict[str, Any]:
    """Which data the ledger reads: store or shipped snapshot, release, hash, dates."""

    def compute() -> dict[str, Any]:
        kind, release, reports = store_summary(engines.db)
        dates = ledger.attacks(engines.db, allocated=False)["date"]
        info: dict[str, Any] = {
            "source": kind,
            "release": release,
            "reports": reports,
            "first_date": dates.min().strftime("%Y-%m-%d") if len(dates) else None,
            "last_date": dates.max().strftime("%Y-%m-%d") if len(dates) else None,
            "credit": CREDIT,
            "file_hash": None,
            "releases": frame_records(ledger.releases(engines.db)),
        }
        if kind == "snapshot":
            info["file_hash"] = load_snapshot()[1].file_hash
        elif info["releases"]:
            info["file_hash"] = info["releases"][-1].get("file_hash")
        return info

    result: dict[str, Any] = engines.call("provenance", (), compute)
    return result


router = APIRouter(prefix="/api", tags=["ledger"])


@router.get("/releases", summary="Data provenance: release, file hash, dates, ingests")
def releases(engines: EnginesDep) -> JSONResponse:
    """What the figures rest on: the shipped snapshot or the store's ingested releases
    (``missilewatch releases``), with the SHA-256 of the source files and the dates
    covered."""
    return JSONResponse(provenance(engines))


@router.get(
    "/stats", response_model=StatsResponse, summary="Launched, destroyed and intercept rate"
)
def stats(query: Annotated[StatsQuery, Query()], engines: EnginesDep) -> JSONResponse:
    """The same table as ``missilewatch.stats(...)`` for the same filters."""

    def compute() -> dict[str, Any]:
        frame = stats_frame_for(engines, query)
        return {"query": query.model_dump(mode="json"), "rows": frame_records(frame)}

    payload = engines.call("stats-json", tuple(query.model_dump(mode="json").items()), compute)
    return JSONResponse(payload)


@router.get("/meta", summary="Filter choices, request limits and data provenance")
def meta(request: Request, engines: EnginesDep) -> JSONResponse:
    payload: dict[str, Any] = request.app.state.meta()
    return JSONResponse(payload)


def launches_payload(engines: Engines, query: LaunchFigureQuery) -> FigurePayload:
    """The launches chart (monthly, stacked by class) for ``query``, cached."""

    def compute() -> FigurePayload:
        filters = query.model_dump(exclude={"kind"})
        frame = stats_frame_for(engines, StatsQuery(period="month", by="class", **filters))
        chart = charts.launches_by_month(
            frame, kind=query.kind, through=reported_through(engines, query)
        )
        return chart_payload(chart, _filter_label(query))

    key = tuple(query.model_dump(mode="json").items())
    payload: FigurePayload = engines.call("figure-launches", key, compute)
    return payload


def intercept_rates_payload(engines: Engines, query: FigureQuery) -> FigurePayload:
    """The intercept-rate chart (quarterly, by class) for ``query``, cached."""

    def compute() -> FigurePayload:
        stats_query = StatsQuery(period="quarter", by="class", **query.model_dump())
        frame = stats_frame_for(engines, stats_query)
        # With a filter, show whatever classes remain; unfiltered, the report's default set.
        through = reported_through(engines, query)
        if query.weapon_class or query.family:
            chart = charts.intercept_rates(
                frame, classes=sorted(set(frame["weapon_class"])), through=through
            )
        else:
            chart = charts.intercept_rates(frame, through=through)
        return chart_payload(chart, _filter_label(query))

    key = tuple(query.model_dump(mode="json").items())
    payload: FigurePayload = engines.call("figure-intercept-rates", key, compute)
    return payload


@router.get("/figures/launches", response_model=FigureResponse, summary="Chart: launches by month")
def launches_figure(
    query: Annotated[LaunchFigureQuery, Query()], engines: EnginesDep
) -> JSONResponse:
    return JSONResponse(launches_payload(engines, query))


@router.get(
    "/figures/intercept-rates", response_model=FigureResponse, summary="Chart: intercept rates"
)
def intercept_rates_figure(
    query: Annotated[FigureQuery, Query()], engines: EnginesDep
) -> JSONResponse:
    return JSONResponse(intercept_rates_payload(engines, query))
