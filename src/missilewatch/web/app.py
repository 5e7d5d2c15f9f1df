"""The FastAPI application: the dashboard page, its static files and the JSON API.

``create_app`` builds everything from the public Python API; the CLI command
``missilewatch serve`` only hands the result to uvicorn.
"""

from __future__ import annotations

import logging
import threading
from pathlib import Path
from typing import Any

import jinja2
from fastapi import FastAPI, Request
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import FileResponse, HTMLResponse, RedirectResponse
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates

from missilewatch import __version__
from missilewatch.report.headline import last_report_text
from missilewatch.report.sources import source_link
from missilewatch.web import (
    estimates_routes,
    headline_routes,
    ledger_routes,
    model_routes,
    validate_routes,
)
from missilewatch.web.cache import ResultCache
from missilewatch.web.engines import Engines
from missilewatch.web.errors import install_error_handlers
from missilewatch.web.guards import BodySizeLimit, HostCheck, HostPolicy
from missilewatch.web.records import frame_records
from missilewatch.web.schemas import (
    DEFAULT_PATHS,
    DEFAULT_UNTIL,
    MAX_BODY_BYTES,
    MAX_PATHS,
    MAX_RAID_SIZE,
    MAX_UNTIL,
    WEAPON_CLASSES,
    FigureQuery,
    LaunchFigureQuery,
    StockpileQuery,
)

PACKAGE_DIR = Path(__file__).parent
logger = logging.getLogger("missilewatch.web")


def swagger_ui_path() -> str:
    """The Swagger UI files shipped inside the installed ``swagger-ui-bundle`` package."""
    import swagger_ui_bundle

    return str(swagger_ui_bundle.swagger_ui_path)


def plotly_js_path() -> Path:
    """plotly.js as shipped inside the installed ``plotly`` package (no CDN)."""
    import plotly

    return Path(plotly.__file__).parent / "package_data" / "plotly.min.js"


def create_app(
    db: Path | None = None,
    estimates: Path | None = None,
    *,
    warm: bool = False,
    cache_entries: int = 256,
    bind: str = "127.0.0.1",
    allowed_hosts: tuple[str, ...] = (),
) -> FastAPI:
    """The dashboard and JSON API over the store ``db`` and the estimates file ``estimates``.

    ``db=None`` uses the default store (or the shipped snapshot when it holds no
    release); ``estimates`` extends or overrides the shipped estimates. Requests must
    name ``bind`` (the address served), a local name or one of ``allowed_hosts`` in their
    Host header (see :mod:`missilewatch.web.guards`). With ``warm``,
    the default views are computed in a background thread at start-up so that the first
    visitor does not wait for them.
    """
    engines = Engines(db, estimates, ResultCache(cache_entries))
    app = FastAPI(
        title="missilewatch",
        version=__version__,
        description=(
            "Launches, intercepts, stockpiles and interceptor stocks in Russia's war on "
            'Ukraine, from Ukrainian Air Force reports (public dataset "Massive Missile '
            'Attacks on Ukraine", Kaggle piterfm/massive-missile-attacks-on-ukraine) and '
            "sourced estimates, with stated uncertainty. Errors are JSON: "
            '{"error": "...", "field": "..."}.'
        ),
        # The API explorer is served from the installed swagger-ui-bundle (offline).
        docs_url=None,
        redoc_url=None,
    )
    app.state.engines = engines
    app.add_middleware(BodySizeLimit, limit=MAX_BODY_BYTES)
    # Added last, so it runs first: a refused Host never reaches the rest.
    app.add_middleware(HostCheck, policy=HostPolicy(bind, allowed_hosts))
    install_error_handlers(app)
    # Every template is auto-escaped, whatever its file name: model names, targets and
    # estimates text come from files a user may not have written.
    templates = Jinja2Templates(
        env=jinja2.Environment(
            loader=jinja2.FileSystemLoader(str(PACKAGE_DIR / "templates")),
            autoescape=True,
        )
    )
    templates.env.globals["source_link"] = source_link

    def meta() -> dict[str, Any]:
        return engines.call("meta", (), lambda: _meta(engines))

    app.state.meta = meta

    app.include_router(ledger_routes.router)
    app.include_router(estimates_routes.router)
    app.include_router(model_routes.stockpile_router)
    app.include_router(model_routes.defense_router)
    app.include_router(model_routes.raid_router)
    app.include_router(model_routes.scenario_router)
    app.include_router(headline_routes.router)
    app.include_router(validate_routes.router)

    app.mount("/static", StaticFiles(directory=str(PACKAGE_DIR / "static")), name="static")
    app.mount("/vendor/swagger-ui", StaticFiles(directory=swagger_ui_path()), name="swagger-ui")

    @app.get("/docs", include_in_schema=False)
    def api_docs() -> HTMLResponse:
        return get_swagger_ui_html(
            openapi_url=app.openapi_url or "/openapi.json",
            title="missilewatch API",
            swagger_js_url="/vendor/swagger-ui/swagger-ui-bundle.js",
            swagger_css_url="/vendor/swagger-ui/swagger-ui.css",
            swagger_favicon_url="/vendor/swagger-ui/favicon-32x32.png",
        )

    @app.get("/redoc", include_in_schema=False)
    def redoc() -> RedirectResponse:
        return RedirectResponse("/docs")

    @app.get("/vendor/plotly.min.js", include_in_schema=False)
    def plotly_js() -> FileResponse:
        return FileResponse(
            plotly_js_path(),
            media_type="text/javascript",
            headers={"Cache-Control": "public, max-age=86400"},
        )

    @app.get("/api/health", tags=["meta"], summary="Liveness and version")
    def health() -> dict[str, Any]:
        return {"status": "ok", "version": __version__}

    @app.get("/", response_class=HTMLResponse, include_in_schema=False)
    def index(request: Request) -> HTMLResponse:
        return templates.TemplateResponse(request, "index.html.j2", {"meta": meta()})

    if warm:
        threading.Thread(target=_warm, args=(app,), name="missilewatch-warm", daemon=True).start()
    return app


def _meta(engines: Engines) -> dict[str, Any]:
    """Everything the page needs besides the charts: choices, limits, provenance."""
    families = engines.families()
    present = set(families["weapon_class"])
    first, last = engines.month_range()
    data = ledger_routes.provenance(engines)
    reported = headline_routes.last_report(engines)
    return {
        "version": __version__,
        "limits": {
            "max_paths": MAX_PATHS,
            "default_paths": DEFAULT_PATHS,
            "max_until": str(MAX_UNTIL),
            "default_until": DEFAULT_UNTIL,
            "max_raid_size": MAX_RAID_SIZE,
            "max_body_bytes": MAX_BODY_BYTES,
        },
        "classes": [name for name in WEAPON_CLASSES if name in present],
        "families": frame_records(families),
        "first_month": str(first),
        "last_month": str(last),
        "first_date": data["first_date"],
        "last_report": last_report_text(reported) if reported else "",
        "last_date": data["last_date"],
        "provenance": data,
        "assumptions": estimates_routes.estimates_records(engines),
        "interceptors": estimates_routes.interceptor_types(engines),
        "scenarios": model_routes.shipped_scenarios(),
    }


def _warm(app: FastAPI) -> None:
    """Compute the default views once so the first page load is fast."""
    engines: Engines = app.state.engines
    try:
        app.state.meta()
        ledger_routes.launches_payload(engines, LaunchFigureQuery(kind="missiles"))
        ledger_routes.launches_payload(engines, LaunchFigureQuery(kind="drones"))
        ledger_routes.intercept_rates_payload(engines, FigureQuery())
        # The model views take seconds to compute; do it before anyone asks.
        model_routes.baseline_stockpile_figure(engines, StockpileQuery())
        # The raid form lists the families it may contain as soon as the page loads.
        model_routes.defense_setup(engines)
        model_routes.campaign(engines, until=DEFAULT_UNTIL, paths=DEFAULT_PATHS, seed=0)
        headline_routes.headline_payload(engines)
    except Exception:  # warming is an optimisation; a failure shows up on real requests
        logger.exception("warming the dashboard cache failed")
