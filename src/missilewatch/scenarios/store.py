"""Stored scenario runs: each run's inputs and result frames in the DuckDB store.

Two tables, created if missing, next to the ledger's tables in the same file:

``scenario_runs``: one row per run with everything needed to trace and rerun it — the
scenario text, the resolved adjustments, forecast start and end, paths, seed, the
SHA-256 of the estimates in use, the data release and its file hash, the package
version and the time taken.

``scenario_results``: the run's result frames (stock-flow percentiles, interceptor
campaign, depletion distribution, ...) stored as Parquet bytes, one row per
(run, kind); Parquet keeps dtypes such as monthly periods exactly.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import io
import json
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd

from missilewatch.errors import UnknownNameError
from missilewatch.ledger import storefile
from missilewatch.paths import default_db_path

_SCHEMA = """
CREATE SEQUENCE IF NOT EXISTS scenario_run_ids START 1;
CREATE TABLE IF NOT EXISTS scenario_runs (
    run_id BIGINT PRIMARY KEY DEFAULT nextval('scenario_run_ids'),
    created_at TIMESTAMP NOT NULL,
    scenario VARCHAR NOT NULL,
    scenario_source VARCHAR NOT NULL,
    scenario_text VARCHAR NOT NULL,
    scenario_sha256 VARCHAR NOT NULL,
    adjustments_json VARCHAR NOT NULL,
    forecast_start VARCHAR NOT NULL,
    until VARCHAR NOT NULL,
    paths BIGINT NOT NULL,
    seed BIGINT NOT NULL,
    estimates_sha256 VARCHAR NOT NULL,
    estimates_file VARCHAR,
    data_release VARCHAR,
    data_file_sha256 VARCHAR,
    data_first_date DATE,
    data_last_date DATE,
    version VARCHAR NOT NULL,
    seconds DOUBLE NOT NULL
);
CREATE TABLE IF NOT EXISTS scenario_results (
    run_id BIGINT NOT NULL,
    kind VARCHAR NOT NULL,
    row_count BIGINT NOT NULL,
    frame BLOB NOT NULL,
    PRIMARY KEY (run_id, kind)
);
"""


@dataclass(frozen=True, slots=True)
class RunInputs:
    """Everything a run depended on, stored with it."""

    scenario: str
    scenario_source: str
    scenario_text: str
    scenario_sha256: str
    adjustments_json: str
    forecast_start: str
    until: str
    paths: int
    seed: int
    estimates_sha256: str
    estimates_file: str | None
    data_release: str | None
    data_file_sha256: str | None
    data_first_date: dt.date | None
    data_last_date: dt.date | None
    version: str


@dataclass(frozen=True, slots=True)
class StoredRun:
    run_id: int
    created_at: dt.datetime
    seconds: float
    inputs: RunInputs
    results: Mapping[str, pd.DataFrame]


def _store_path(db: Path | None) -> Path:
    return Path(db) if db is not None else default_db_path()


@contextmanager
def _connect(db: Path | None, *, read_only: bool = False) -> Iterator[duckdb.DuckDBPyConnection]:
    """The store, read-only for readers (who never change the file); a writer creates
    the run tables if missing. Both wait for the lock (see ledger.storefile)."""
    path = _store_path(db)
    if read_only and not (path.is_file() and path.stat().st_size > 0):
        storefile.check_store_file(path)
        connection = duckdb.connect()  # no store yet: an empty in-memory one
    else:
        connection = storefile.connect(path, read_only=read_only)
    try:
        tables = {
            str(r[0])
            for r in connection.execute("SELECT table_name FROM duckdb_tables()").fetchall()
        }
        if not {"scenario_runs", "scenario_results"} <= tables:
            if read_only:
                connection.close()
                connection = duckdb.connect()
            connection.execute(_SCHEMA)
        yield connection
    finally:
        connection.close()


def _write_run(
    connection: duckdb.DuckDBPyConnection,
    inputs: RunInputs,
    results: Mapping[str, pd.DataFrame],
    seconds: float,
) -> int:
    values = asdict(inputs)
    columns = ", ".join(values)
    placeholders = ", ".join("?" for _ in values)
    connection.execute("BEGIN TRANSACTION")
    try:
        row = connection.execute(
            f"INSERT INTO scenario_runs (created_at, seconds, {columns}) "
            f"VALUES (?, ?, {placeholders}) RETURNING run_id",
            [dt.datetime.now(dt.UTC).replace(tzinfo=None), seconds, *values.values()],
        ).fetchone()
        assert row is not None
        run_id = int(row[0])
        for kind, frame in results.items():
            connection.execute(
                "INSERT INTO scenario_results VALUES (?, ?, ?, ?)",
                [run_id, kind, len(frame), _to_parquet(frame)],
            )
        connection.execute("COMMIT")
    except Exception:
        with contextlib.suppress(duckdb.Error):
            connection.execute("ROLLBACK")
        raise
    return run_id


def pending_run_path(db: Path | None) -> Path:
    """Where a run goes when the store stays busy: a store of its own beside it."""
    path = _store_path(db)
    stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%S%fZ")
    return path.with_name(f"{path.stem}.run-{stamp}.duckdb")


def save_run(
    inputs: RunInputs,
    results: Mapping[str, pd.DataFrame],
    *,
    seconds: float,
    db: Path | None = None,
) -> int:
    """Store one run and its result frames in one transaction; returns the run id."""
    return save_runs([(inputs, results, seconds)], db=db)[0]


def save_runs(
    runs: Sequence[tuple[RunInputs, Mapping[str, pd.DataFrame], float]],
    *,
    db: Path | None = None,
) -> list[int]:
    """Store runs (inputs, result frames, seconds) through one connection, each in its own
    transaction; returns the run ids in order.

    The runs were computed before the store is opened, so the lock is held only for the
    write. When another process holds the store beyond the wait, they are not thrown
    away: they are written to a store of their own beside the main one
    (:func:`pending_run_path`, readable with ``missilewatch runs --db FILE``) and the
    :class:`StoreBusyError` names that file.
    """
    ids: list[int] = []
    try:
        with _connect(db) as connection:
            for inputs, results, seconds in runs:
                ids.append(_write_run(connection, inputs, results, seconds))
    except storefile.StoreBusyError as busy:
        side = pending_run_path(db)
        with _connect(side) as connection:
            for inputs, results, seconds in runs[len(ids) :]:
                _write_run(connection, inputs, results, seconds)
        raise storefile.StoreBusyError(
            f"{busy}; the run was kept in {side} (`missilewatch runs --db {side}` shows it)"
        ) from None
    return ids


def list_runs(db: Path | None = None) -> pd.DataFrame:
    """Stored runs, newest first.

    Columns: ``run_id, created_at, scenario, forecast_start, until, paths, seed,
    data_release, estimates_sha256`` (first 12 hex digits), ``version, seconds``.
    """
    with _connect(db, read_only=True) as connection:
        frame = connection.execute(
            "SELECT run_id, created_at, scenario, forecast_start, until, paths, seed, "
            "data_release, left(estimates_sha256, 12) AS estimates_sha256, version, seconds "
            "FROM scenario_runs ORDER BY run_id DESC"
        ).df()
    return frame


def resolve_run_id(reference: int | str, db: Path | None = None) -> int:
    """A run id from a number, or the newest run of a scenario name."""
    text = str(reference).strip()
    with _connect(db, read_only=True) as connection:
        if text.isdigit():
            row = connection.execute(
                "SELECT run_id FROM scenario_runs WHERE run_id = ?", [int(text)]
            ).fetchone()
        else:
            row = connection.execute(
                "SELECT max(run_id) FROM scenario_runs WHERE scenario = ?", [text]
            ).fetchone()
            row = row if row is not None and row[0] is not None else None
    if row is None:
        raise UnknownNameError(
            f"run {text!r}: no stored run with that id or scenario name (see `missilewatch runs`)"
        )
    return int(row[0])


def load_run(reference: int | str, db: Path | None = None) -> StoredRun:
    """A stored run with its inputs and result frames."""
    run_id = resolve_run_id(reference, db)
    names = [field for field in RunInputs.__dataclass_fields__]
    with _connect(db, read_only=True) as connection:
        row = connection.execute(
            f"SELECT created_at, seconds, {', '.join(names)} FROM scenario_runs WHERE run_id = ?",
            [run_id],
        ).fetchone()
        assert row is not None
        blobs = connection.execute(
            "SELECT kind, frame FROM scenario_results WHERE run_id = ? ORDER BY kind", [run_id]
        ).fetchall()
    created_at, seconds, *values = row
    inputs = RunInputs(**dict(zip(names, values, strict=True)))
    results = {str(kind): _from_parquet(blob) for kind, blob in blobs}
    return StoredRun(
        run_id=run_id,
        created_at=created_at,
        seconds=float(seconds),
        inputs=inputs,
        results=results,
    )


def adjustments_from_json(text: str) -> dict[str, Any]:
    return dict(json.loads(text))


def _to_parquet(frame: pd.DataFrame) -> bytes:
    buffer = io.BytesIO()
    frame.reset_index(drop=True).to_parquet(buffer, index=False)
    return buffer.getvalue()


def _from_parquet(blob: bytes) -> pd.DataFrame:
    return pd.read_parquet(io.BytesIO(bytes(blob)))
