"""JSON endpoint over the sourced estimates and the assumptions they rest on."""

from __future__ import annotations

from typing import Annotated, Any

import pandas as pd
from fastapi import APIRouter, Depends, Query
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field

from missilewatch import estimates as estimates_module
from missilewatch.web.engines import Engines
from missilewatch.web.ledger_routes import get_engines
from missilewatch.web.records import frame_records


class EstimatesQuery(BaseModel):
    model_config = ConfigDict(extra="forbid")

    quantity: str | None = Field(default=None, max_length=100)
    subject: str | None = Field(default=None, max_length=100)


def estimates_frame(engines: Engines) -> pd.DataFrame:
    """All estimate records (shipped plus the user's file), cached."""

    def compute() -> pd.DataFrame:
        frame: pd.DataFrame = estimates_module.load(engines.estimates_file).to_frame()
        return frame

    frame: pd.DataFrame = engines.call("estimates", (), compute)
    return frame


def estimates_records(engines: Engines) -> list[dict[str, Any]]:
    records: list[dict[str, Any]] = engines.call(
        "estimates-records", (), lambda: frame_records(estimates_frame(engines))
    )
    return records


def interceptor_types(engines: Engines) -> list[str]:
    frame = estimates_frame(engines)
    # Quantities named interceptor_* describe Ukraine's interceptors; their subject is the type.
    chosen = frame[frame["quantity"].str.startswith("interceptor_")]
    return sorted({str(subject) for subject in chosen["subject"]})


router = APIRouter(prefix="/api", tags=["estimates"])


@router.get("/estimates", summary="Sourced estimates and assumptions")
def estimates(
    query: Annotated[EstimatesQuery, Query()],
    engines: Annotated[Engines, Depends(get_engines)],
) -> JSONResponse:
    """Every external figure with its range, unit, date and source; ``assumption`` marks
    figures with no published source."""
    rows = estimates_records(engines)
    if query.quantity is not None:
        rows = [row for row in rows if row["quantity"] == query.quantity]
    if query.subject is not None:
        rows = [row for row in rows if row["subject"] == query.subject]
    return JSONResponse({"rows": rows})
