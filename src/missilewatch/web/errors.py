"""Errors as JSON: every refusal is a 4xx with ``{"error": "...", "field": "..."}``.

A bad filter, form value or oversized request must never surface as a 500 or a
traceback; the page shows the ``error`` text next to the form.
"""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from missilewatch.errors import (
    InputError,
    MissilewatchError,
    ParameterError,
    UnknownNameError,
    validation_reason,
)

logger = logging.getLogger("missilewatch.web")


class RequestRefused(Exception):
    """A request the dashboard refuses, with the status, one-line reason and field."""

    def __init__(self, status_code: int, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.status_code = status_code
        self.message = message
        self.field = field


def error_body(message: str, field: str | None = None) -> dict[str, Any]:
    return {"error": message, "field": field}


def status_for(error: MissilewatchError) -> int:
    """Unknown names and values out of range are 422, other bad input 400.

    Every name the API takes (family, threat, interceptor, scenario) comes in a query or
    a body field, so an unknown one is a bad value of that field; 404 is left to paths
    that do not exist.
    """
    if isinstance(error, UnknownNameError | ParameterError):
        return 422
    if isinstance(error, InputError):
        return 400
    return 400


def _validation_message(error: dict[str, Any]) -> tuple[str, str | None]:
    location = [str(part) for part in error.get("loc", ()) if part not in ("query", "body")]
    field = ".".join(location) or None
    message = validation_reason(error)
    if field:
        message = f"{field}: {message}"
    return message, field


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(RequestValidationError)
    async def _validation(request: Request, exc: RequestValidationError) -> JSONResponse:
        errors = exc.errors()
        message, field = _validation_message(errors[0]) if errors else ("invalid request", None)
        return JSONResponse(error_body(message, field), status_code=422)

    @app.exception_handler(RequestRefused)
    async def _refused(request: Request, exc: RequestRefused) -> JSONResponse:
        return JSONResponse(error_body(exc.message, exc.field), status_code=exc.status_code)

    @app.exception_handler(MissilewatchError)
    async def _missilewatch(request: Request, exc: MissilewatchError) -> JSONResponse:
        field = getattr(exc, "field", None)
        return JSONResponse(
            error_body(str(exc), field if isinstance(field, str) else None),
            status_code=status_for(exc),
        )

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        return JSONResponse(error_body(str(exc.detail)), status_code=exc.status_code)

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
        # A fault in the code, not in the request: log it, answer without a traceback.
        logger.exception("unexpected error on %s", request.url.path)
        return JSONResponse(
            error_body(f"internal error ({type(exc).__name__}); see the server log"),
            status_code=500,
        )
