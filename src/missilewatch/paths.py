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


def read_shipped_or_file(
    name_or_path: str | Path, kind: str, shipped: Path
) -> tuple[str, str, Path | None]:
    """Text of a user's TOML file, or of a file shipped in ``shipped`` under that name.

    Returns ``(text, source, folder)``: ``source`` names the file in error messages
    (``shipped:<name>`` for shipped ones) and ``folder`` is the user's file's folder, against
    which relative paths inside it resolve (None for shipped files).
    """
    from missilewatch.errors import InputError
    from missilewatch.names import resolve_name

    candidate = Path(name_or_path)
    text_name = str(name_or_path)
    if candidate.suffix == ".toml" or candidate.is_file() or "/" in text_name:
        if not candidate.is_file():
            raise InputError(f"{candidate}: {kind} file not found")
        try:
            text = candidate.read_text(encoding="utf-8")
        except UnicodeDecodeError:
            raise InputError(f"{candidate}: not UTF-8 text") from None
        return text, str(candidate), candidate.resolve().parent
    # A shipped name as typed ("Ceasefire-6M"), or refused with the closest names.
    text_name = resolve_name(
        text_name,
        sorted(path.stem for path in shipped.glob("*.toml")),
        kind=f"shipped {kind}",
        hint=f"; or give a path to a {kind} file",
    )
    shipped_file = shipped / f"{text_name}.toml"
    return shipped_file.read_text(encoding="utf-8"), f"shipped:{text_name}", None
