"""The headline strip of the dashboard: the report's numbers, from the dashboard's runs.

The same functions as the report's strip (:mod:`missilewatch.report.headline`) read the
ledger and the baseline stockpile and campaign the dashboard has already computed, so
both show the same numbers in the same words (model figures at the dashboard's default
number of paths).
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from fastapi.responses import JSONResponse

from missilewatch.report import headline
from missilewatch.web import ledger_routes, model_routes
from missilewatch.web.engines import Engines
from missilewatch.web.schemas import DEFAULT_PATHS, DEFAULT_UNTIL

router = APIRouter(prefix="/api", tags=["meta"])


def last_report(engines: Engines) -> str | None:
    """The last report's date as the report states it (ISO), cached."""

    def compute() -> str | None:
        value = headline.last_report_date(engines.db)
        return None if value is None else value.isoformat()

    result: str | None = engines.call("last-report", (), compute)
    return result


def headline_payload(engines: Engines) -> dict[str, Any]:
    """The strip's numbers, the last report's date and the runs behind them, cached."""

    def compute() -> dict[str, Any]:
        last_date = last_report(engines)
        monthly = engines.stats(period="month", by="class")
        stock, _ = model_routes.stockpile_frame(
            engines, until=DEFAULT_UNTIL, paths=DEFAULT_PATHS, seed=0
        )
        defense = model_routes.campaign(engines, until=DEFAULT_UNTIL, paths=DEFAULT_PATHS, seed=0)
        items = headline.headline_strip(
            monthly,
            last_date,
            stockpile=stock,
            depletion_frame=defense.depletion,
            forecast_end=DEFAULT_UNTIL,
        )
        return {
            "last_date": last_date,
            "last_report": headline.last_report_text(last_date) if last_date else None,
            "paths": DEFAULT_PATHS,
            "seed": 0,
            "headlines": [item.as_dict() for item in items],
        }

    payload: dict[str, Any] = engines.call("headline", (), compute)
    return payload


@router.get("/headline", summary="Headline numbers with their ranges")
def headline_numbers(engines: ledger_routes.EnginesDep) -> JSONResponse:
    """The report's headline strip: missiles launched last complete month, the ballistic
    intercept rate with its interval, the ballistic and cruise stock now and the month
    the ballistic-capable interceptors first run short, each with its 90% range and
    what it rests on."""
    return JSONResponse(headline_payload(engines))
