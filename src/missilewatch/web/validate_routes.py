"""JSON endpoints for attack windows and for ``validate`` (how well the tool does)."""

from __future__ import annotations

import math
from datetime import date
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field

from missilewatch.errors import ParameterError
from missilewatch.ledger.windows import (
    SALVO_BINS,
    attack_windows,
    intercept_by_salvo_size,
    intercept_distribution,
    salvo_edges,
    zero_intercepts,
)
from missilewatch.web.errors import RequestRefused
from missilewatch.web.ledger_routes import EnginesDep, check_family
from missilewatch.web.records import frame_records
from missilewatch.web.schemas import WeaponClass

#: Windows returned at most by one request (the whole ledger holds a few thousand).
MAX_WINDOWS = 5_000


class AttacksQuery(BaseModel):
    """Filters of ``GET /api/attacks`` (the same as ``missilewatch.attacks``)."""

    model_config = ConfigDict(extra="forbid")

    start: date | None = Field(default=None, description="First report date (YYYY-MM-DD).")
    end: date | None = Field(default=None, description="Last report date (YYYY-MM-DD).")
    weapon_class: WeaponClass | None = None
    family: str | None = Field(default=None, max_length=100)
    salvo_bins: str = Field(
        default=",".join(map(str, SALVO_BINS)),
        max_length=100,
        description="Lower edges of the salvo-size bins, comma-separated (last open).",
    )


class ValidateQuery(BaseModel):
    model_config = ConfigDict(extra="forbid")

    mode: Literal["quick", "full"] = "quick"


router = APIRouter(prefix="/api", tags=["validate"])


def _windows(engines: Any, query: AttacksQuery) -> Any:
    check_family(engines, query.family)
    if query.start and query.end and query.start > query.end:
        raise RequestRefused(422, f"start {query.start} is after end {query.end}", "end")
    return attack_windows(
        engines.db,
        start=query.start,
        end=query.end,
        family=query.family,
        weapon_class=query.weapon_class,
    )


@router.get("/attacks", summary="Attack windows: families, launched, destroyed per family")
def attacks(query: Annotated[AttacksQuery, Query()], engines: EnginesDep) -> JSONResponse:
    """One row per attack window, as ``missilewatch.attacks(...)``, and the summaries of
    ``missilewatch attacks``: attacks without intercept, intercept rate by salvo size and
    the per-attack distribution."""
    try:
        edges = salvo_edges(query.salvo_bins)
    except ParameterError as error:
        raise RequestRefused(422, str(error), "salvo_bins") from None

    def compute() -> dict[str, Any]:
        windows = _windows(engines, query)
        rows = frame_records(windows.tail(MAX_WINDOWS))
        return {
            "query": query.model_dump(mode="json"),
            "zero_intercepts": {
                k: (None if isinstance(v, float) and math.isnan(v) else v)
                for k, v in zero_intercepts(windows).items()
            },
            "by_salvo_size": frame_records(intercept_by_salvo_size(windows, edges)),
            "distribution": frame_records(intercept_distribution(windows)),
            "windows": rows,
            "windows_truncated": len(windows) > MAX_WINDOWS,
        }

    key = tuple(query.model_dump(mode="json").items())
    return JSONResponse(engines.call("attacks-json", key, compute))


@router.get("/validate", summary="How well the tool does: published figures, forecast skill")
def validate(query: Annotated[ValidateQuery, Query()], engines: EnginesDep) -> JSONResponse:
    """The sections of ``missilewatch validate`` (``mode=quick``: published figures and a
    short backtest; ``full``: the 30-cut backtest), each with its summary in words."""
    from missilewatch.validate import validate as run_validate

    def compute() -> dict[str, Any]:
        report = run_validate(engines.db, quick=query.mode == "quick")
        return {"mode": query.mode, "sections": report.to_dict()}

    return JSONResponse(engines.call("validate-json", (query.mode,), compute))
