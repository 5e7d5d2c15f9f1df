"""CLI commands for the web part of missilewatch: ``missilewatch serve``."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from missilewatch.cli.common import DbOption, console

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8000


def serve(
    db: DbOption = None,
    estimates: Annotated[
        Path | None,
        typer.Option(
            "--estimates", help="Estimates file that overrides or extends the shipped one."
        ),
    ] = None,
    host: Annotated[
        str, typer.Option("--host", help="Address to bind (local only unless you change it).")
    ] = DEFAULT_HOST,
    port: Annotated[
        int, typer.Option("--port", help="Port to listen on.", min=0, max=65535)
    ] = DEFAULT_PORT,
    allow_host: Annotated[
        list[str] | None,
        typer.Option(
            "--allow-host",
            help="Also answer requests naming this host (a reverse proxy's name); repeatable.",
        ),
    ] = None,
) -> None:
    """Start the local dashboard and JSON API (http://127.0.0.1:8000 by default)."""
    import uvicorn

    from missilewatch.web import create_app

    app = create_app(
        db=db, estimates=estimates, warm=True, bind=host, allowed_hosts=tuple(allow_host or ())
    )
    console.print(
        f"missilewatch dashboard on http://{host}:{port}/ (API docs at /docs); Ctrl+C stops it"
    )
    uvicorn.run(app, host=host, port=port, log_level="warning")


def register(app: typer.Typer) -> None:
    """Add this module's commands to the root app."""
    app.command("serve")(serve)
