"""The local dashboard and JSON API: ``missilewatch serve`` or ``create_app()``."""

from __future__ import annotations

from missilewatch.web.app import create_app

__all__ = ["create_app"]
