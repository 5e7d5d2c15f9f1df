"""Where missilewatch keeps its files: the user's data directory unless told otherwise."""

from __future__ import annotations

import os
from pathlib import Path

import platformdirs

#: Environment variable that moves the data directory (tests and CI use it).
HOME_ENV = "MISSILEWATCH_HOME"


def data_dir() -> Path:
    """The directory for the default store and stored runs, created on demand."""
    override = os.environ.get(HOME_ENV)
    root = Path(override) if override else Path(platformdirs.user_data_dir("missilewatch"))
    root.mkdir(parents=True, exist_ok=True)
    return root


def default_db_path() -> Path:
    """The default DuckDB store: ``<data dir>/missilewatch.duckdb``."""
    return data_dir() / "missilewatch.duckdb"


def package_data(*parts: str) -> Path:
    """A file shipped inside the package, e.g. ``package_data("ledger", "taxonomy.toml")``."""
    return Path(__file__).parent.joinpath(*parts)
