"""The DuckDB store of the ledger: releases, current reports, their history, allocations.

Tables (see docs/ledger.md for every column):

* ``releases``: one row per ingest that changed the store (name, file hash, time,
  rows added / revised / vanished / reappeared / unchanged, taxonomy hash);
* ``reports``: the current value of each report (normalized columns, the raw source row
  as the struct ``raw``, ``first_release``, ``revised_release``, ``vanished_release``);
* ``report_history``: earlier values replaced by a revision, with the release they came
  from (``from_release``) and the release that replaced them (``replaced_in_release``);
* ``allocations``: allocated counts per (report, family), recomputed at each ingest;
* ``model_families``: the model -> family weights in effect at the last ingest.

Each ingest runs in one transaction: on any error the store is exactly as before.
"""

from __future__ import annotations

import contextlib
import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.compute as pc

from missilewatch.errors import InputError
from missilewatch.ledger import storefile
from missilewatch.ledger._duck import first_row
from missilewatch.ledger.allocation import allocate, model_family_table, model_weights
from missilewatch.ledger.parse import (
    COUNT_COLUMNS,
    SOURCE_COLUMNS,
    ParsedRelease,
    content_hash_sql,
    raw_field,
)
from missilewatch.ledger.snapshot import SnapshotInfo, load_snapshot
from missilewatch.ledger.taxonomy import Taxonomy
from missilewatch.ledger.taxonomy import load as load_taxonomy
from missilewatch.paths import default_db_path

_RAW_TYPE = "STRUCT(" + ", ".join(f'"{c}" VARCHAR' for c in SOURCE_COLUMNS) + ")"

#: Columns of ``reports`` that come from parsing (in this order).
REPORT_COLUMNS: tuple[str, ...] = (
    "report_id",
    "row_number",
    "time_start",
    "time_end",
    "date",
    "model",
    "launched",
    "destroyed",
    "not_reach_goal",
    "launched_missing",
    "destroyed_missing",
    "not_reach_goal_missing",
    "raw",
    "status_data",
    "counts_withheld",
    "extra_columns",
)

_REPORT_DDL = f"""
    report_id VARCHAR, row_number BIGINT, time_start TIMESTAMP, time_end TIMESTAMP,
    date DATE, model VARCHAR,
    launched BIGINT, destroyed BIGINT, not_reach_goal BIGINT,
    launched_missing BOOLEAN, destroyed_missing BOOLEAN, not_reach_goal_missing BOOLEAN,
    raw {_RAW_TYPE}, content_hash UBIGINT,
    status_data VARCHAR, counts_withheld BOOLEAN, extra_columns VARCHAR
"""

#: Columns added to ``reports`` and ``report_history`` after the first stores were
#: made; a store without them gains them (NULL / false for the stored reports) at the
#: next ingest.
_ADDED_COLUMNS: tuple[tuple[str, str], ...] = (
    ("status_data", "VARCHAR"),
    ("counts_withheld", "BOOLEAN DEFAULT false"),
    ("extra_columns", "VARCHAR"),
)

SCHEMA = f"""
CREATE TABLE IF NOT EXISTS releases (
    release_id INTEGER, name VARCHAR, file_hash VARCHAR, source_path VARCHAR,
    ingested_at TIMESTAMP, rows_in_file BIGINT, added BIGINT, revised BIGINT,
    vanished BIGINT, reappeared BIGINT, unchanged BIGINT, taxonomy_hash VARCHAR
);
CREATE TABLE IF NOT EXISTS reports (
    {_REPORT_DDL},
    first_release INTEGER, revised_release INTEGER, vanished_release INTEGER
);
CREATE TABLE IF NOT EXISTS report_history (
    {_REPORT_DDL},
    from_release INTEGER, replaced_in_release INTEGER
);
CREATE TABLE IF NOT EXISTS allocations (
    report_id VARCHAR, date DATE, family VARCHAR, weapon_class VARCHAR,
    launched BIGINT, destroyed BIGINT, not_reach_goal BIGINT, class_first BOOLEAN
);
CREATE TABLE IF NOT EXISTS reappearances (
    release_id INTEGER, report_id VARCHAR, vanished_release INTEGER
);
CREATE TABLE IF NOT EXISTS model_families (
    model VARCHAR, family VARCHAR, weapon_class VARCHAR, weight DOUBLE,
    family_label VARCHAR, class_label VARCHAR
);
"""

TABLES: tuple[str, ...] = (
    "releases",
    "reports",
    "report_history",
    "allocations",
    "model_families",
    "reappearances",
)


#: A release may flag at most this many stored reports as vanished, and at most this
#: share of the reports not yet vanished, unless the caller allows more
#: (``allow_vanish``): more is the sign of a partial download or a truncated file.
VANISH_LIMIT_ROWS = 50
VANISH_LIMIT_SHARE = 0.05


def resolve_db(db: Path | str | None) -> Path:
    return Path(db) if db is not None else default_db_path()


@dataclass(frozen=True)
class LedgerSource:
    """Where the figures being read come from: a store or the shipped snapshot."""

    kind: str  # "store" or "snapshot"
    path: Path
    release: str
    snapshot: SnapshotInfo | None = None


class EmptyStoreError(InputError):
    """A store file whose ledger tables hold no release (an interrupted first ingest)."""


def _has_release(con: duckdb.DuckDBPyConnection) -> bool | None:
    """True when the store holds a release, False when its ledger is empty, None when
    it has no ledger tables at all (a store holding only scenario runs, or a new file)."""
    tables = {r[0] for r in con.execute("SELECT table_name FROM duckdb_tables()").fetchall()}
    if "releases" not in tables:
        return None
    row = first_row(con.execute("SELECT count(*) FROM releases"))
    return bool(row and row[0])


def _present_older_schema(con: duckdb.DuckDBPyConnection) -> None:
    """A store written before columns were added reads as if it had them (NULL / false),
    through temporary views: readers open the store read-only and never change it."""
    catalog = first_row(con.execute("SELECT current_database()"))
    assert catalog is not None
    for table in ("reports", "report_history"):
        present = {
            str(row[0])
            for row in con.execute(
                "SELECT column_name FROM duckdb_columns() WHERE table_name = ? "
                "AND database_name = current_database() AND schema_name = 'main'",
                [table],
            ).fetchall()
        }
        absent = [(column, kind) for column, kind in _ADDED_COLUMNS if column not in present]
        if not present or not absent:
            continue
        added = ", ".join(
            f"{'false' if kind.startswith('BOOLEAN') else 'NULL'}::{kind.split()[0]} AS {column}"
            for column, kind in absent
        )
        quoted = '"' + str(catalog[0]).replace('"', '""') + '"'
        con.execute(f"CREATE TEMP VIEW {table} AS SELECT *, {added} FROM {quoted}.main.{table}")


def _store_has_release(path: Path) -> bool:
    if not path.is_file() or path.stat().st_size == 0:
        return False
    with storefile.opened(path, read_only=True) as con:
        return bool(_has_release(con))


_SNAPSHOT_CACHE: dict[tuple[int, str], tuple[pa.Table, pa.Table, pa.Table]] = {}


def _snapshot_tables() -> tuple[pa.Table, pa.Table, pa.Table, SnapshotInfo]:
    reports, info = load_snapshot()
    taxonomy = load_taxonomy()
    key = (id(reports), taxonomy.digest)
    if key not in _SNAPSHOT_CACHE:
        allocations, model_families = allocate(reports, taxonomy)
        n = reports.num_rows
        # A snapshot made before the upstream added status_data: no count withheld.
        for column, empty in (
            ("status_data", pa.nulls(n, pa.string())),
            ("counts_withheld", pa.array([False] * n, pa.bool_())),
            ("extra_columns", pa.nulls(n, pa.string())),
        ):
            if column not in reports.column_names:
                reports = reports.append_column(column, empty)
        with_state = (
            reports.append_column("first_release", pa.array([1] * n, pa.int32()))
            .append_column("revised_release", pa.nulls(n, pa.int32()))
            .append_column("vanished_release", pa.nulls(n, pa.int32()))
        )
        _SNAPSHOT_CACHE.clear()
        _SNAPSHOT_CACHE[key] = (with_state, allocations, model_families)
    reports_t, allocations_t, families_t = _SNAPSHOT_CACHE[key]
    return reports_t, allocations_t, families_t, info


@contextlib.contextmanager
def open_reader(
    db: Path | str | None = None,
) -> Iterator[tuple[duckdb.DuckDBPyConnection, LedgerSource]]:
    """A connection with ``reports``, ``allocations``, ``model_families`` to query.

    Reads the store at ``db`` (default path) when it holds a release, otherwise the
    shipped snapshot (in memory). The store is opened read-only, once (a writer cannot
    slip in between a check and the read), waiting for a writer to finish (see
    :mod:`missilewatch.ledger.storefile`). A store whose ledger was created but holds no
    release (a first ingest interrupted) is refused (:class:`EmptyStoreError`), never
    silently replaced by the snapshot.
    """
    path = resolve_db(db)
    if path.is_file() and path.stat().st_size > 0:
        con = storefile.connect(path, read_only=True)
        try:
            try:
                state = _has_release(con)
                if state:
                    _present_older_schema(con)
                    row = first_row(
                        con.execute("SELECT name FROM releases ORDER BY release_id DESC LIMIT 1")
                    )
                    yield con, LedgerSource("store", path, str(row[0]) if row else "")
                    return
            except duckdb.IOException as error:
                # Reading pages the file does not have: truncated or damaged.
                raise InputError(
                    f"{path}: cannot open the DuckDB store ({storefile.first_line(error)}); "
                    "a truncated or damaged file? restore it, or ingest again into a new --db"
                ) from None
        finally:
            con.close()
        if state is False:
            raise EmptyStoreError(
                f"{path}: the store holds no release (a first ingest was interrupted?); "
                f"run `missilewatch ingest PATH --db {path}` again"
            )
    else:
        storefile.check_store_file(path)
    reports, allocations, model_families, info = _snapshot_tables()
    con = duckdb.connect()
    try:
        con.register("reports", reports)
        con.register("allocations", allocations)
        con.register("model_families", model_families)
        yield con, LedgerSource("snapshot", path, info.release, info)
    finally:
        con.close()


# --------------------------------------------------------------------------- ingest


@dataclass(frozen=True)
class IngestResult:
    """What one ingest did to the store."""

    release: str
    file_hash: str
    release_id: int | None  # None when nothing changed
    rows_in_file: int
    added: int
    revised: int
    vanished: int
    reappeared: int
    unchanged: int
    already_ingested: bool = False

    @property
    def changed(self) -> bool:
        return self.release_id is not None


def _create_schema(con: duckdb.DuckDBPyConnection) -> None:
    for statement in SCHEMA.split(";"):
        if statement.strip():
            con.execute(statement)
    for table in ("reports", "report_history"):
        for column, kind in _ADDED_COLUMNS:
            con.execute(f"ALTER TABLE {table} ADD COLUMN IF NOT EXISTS {column} {kind}")


def ingest_release(
    release: ParsedRelease,
    db: Path | str | None = None,
    *,
    taxonomy: Taxonomy | None = None,
    allow_unknown: bool = False,
    allow_vanish: bool = False,
) -> IngestResult:
    """Store a parsed release: add new reports, apply revisions, flag vanished ones.

    One transaction; the same release (same file hash) twice changes nothing. Refused
    (:class:`InputError`, store unchanged): a release older than the newest stored one,
    a release whose name is stored from another file, and, unless ``allow_vanish``, a
    release that would flag more than :data:`VANISH_LIMIT_ROWS` reports or
    :data:`VANISH_LIMIT_SHARE` of the current reports as vanished.
    """
    taxonomy = taxonomy or load_taxonomy()
    path = resolve_db(db)
    existed = path.exists() and path.stat().st_size > 0
    con = storefile.connect(path, read_only=False)
    try:
        # The empty ledger tables are committed first: a first ingest killed midway
        # leaves a store that says it holds no release, not one that looks like no store.
        _create_schema(con)
        con.execute("BEGIN TRANSACTION")
        try:
            result = _ingest_in_transaction(con, release, taxonomy, allow_unknown, allow_vanish)
        except BaseException:
            with contextlib.suppress(duckdb.Error):
                con.execute("ROLLBACK")
            raise
        if result.changed:
            con.execute("COMMIT")
        else:
            con.execute("ROLLBACK")
    except duckdb.Error as error:
        raise storefile.storage_error(path, error) from None
    finally:
        con.close()
        if not existed and not _store_has_release(path):
            # A store created by a failed or empty ingest: leave no file behind.
            for leftover in (path, path.with_name(path.name + ".wal")):
                leftover.unlink(missing_ok=True)
    return result


def _ingest_in_transaction(
    con: duckdb.DuckDBPyConnection,
    release: ParsedRelease,
    taxonomy: Taxonomy,
    allow_unknown: bool,
    allow_vanish: bool = False,
) -> IngestResult:
    _create_schema(con)
    rows_in_file = release.reports.num_rows
    previous = first_row(
        con.execute(
            "SELECT release_id FROM releases WHERE file_hash = ? AND release_id = "
            "(SELECT max(release_id) FROM releases)",
            [release.file_hash],
        )
    )
    if previous is not None:
        return IngestResult(
            release=release.name,
            file_hash=release.file_hash,
            release_id=None,
            rows_in_file=rows_in_file,
            added=0,
            revised=0,
            vanished=0,
            reappeared=0,
            unchanged=rows_in_file,
            already_ingested=True,
        )
    latest = first_row(con.execute("SELECT max(name) FROM releases"))
    latest_name = latest[0] if latest else None
    if latest_name is not None and release.name < str(latest_name):
        raise InputError(
            f"{release.daily_path}: release {release.name} is older than the newest stored "
            f"release {latest_name}; ingesting it would flag newer reports as vanished"
        )
    row = first_row(con.execute("SELECT coalesce(max(release_id), 0) + 1 FROM releases"))
    release_id = int(row[0]) if row else 1

    # Chunks aligned across columns (zero-copy): DuckDB scans misaligned Arrow chunks
    # several times slower.
    incoming = pa.Table.from_batches(release.reports.to_batches(), schema=release.reports.schema)
    con.register("incoming", incoming)
    columns = ", ".join(REPORT_COLUMNS)
    incoming_columns = ", ".join(f"i.{c}" for c in REPORT_COLUMNS)
    last_taxonomy = first_row(
        con.execute("SELECT taxonomy_hash FROM releases ORDER BY release_id DESC LIMIT 1")
    )
    store_was_empty = last_taxonomy is None
    reallocate_all = last_taxonomy is not None and last_taxonomy[0] != taxonomy.digest
    if store_was_empty:
        # First release: every report is new; no comparison needed.
        con.execute("DELETE FROM reports")  # a store without releases holds no reports
        con.execute(
            f"""INSERT INTO reports ({columns}, first_release, revised_release, vanished_release)
            SELECT {incoming_columns}, {release_id}, NULL, NULL FROM incoming i"""
        )
        added, revised, vanished, reappeared, unchanged = rows_in_file, 0, 0, 0, 0
    else:
        outcome = _apply_release(con, release, release_id, taxonomy, allow_vanish)
        if outcome is None:
            con.unregister("incoming")
            return IngestResult(
                release=release.name,
                file_hash=release.file_hash,
                release_id=None,
                rows_in_file=rows_in_file,
                added=0,
                revised=0,
                vanished=0,
                reappeared=0,
                unchanged=rows_in_file,
                already_ingested=True,
            )
        added, revised, vanished, reappeared, unchanged = outcome

    # Allocations: derived data for the reports not vanished, following the taxonomy.
    allocation_columns = ["report_id", "date", "model", *COUNT_COLUMNS]
    if store_was_empty:
        to_allocate = incoming.select(allocation_columns).append_column(
            "launched_details", pc.struct_field(incoming.column("raw"), "launched_details")
        )
    else:
        scope = (
            "WHERE vanished_release IS NULL"
            if reallocate_all
            else "WHERE report_id IN (SELECT report_id FROM changed_ids)"
        )
        if reallocate_all:
            con.execute("DELETE FROM allocations")
        else:
            con.execute(
                "DELETE FROM allocations WHERE report_id IN (SELECT report_id FROM changed_ids) "
                "OR report_id IN (SELECT report_id FROM reports WHERE vanished_release IS NOT NULL)"
            )
        to_allocate = con.sql(
            f"SELECT {', '.join(allocation_columns)}, raw.launched_details AS launched_details "
            f"FROM reports {scope}"
        ).to_arrow_table()
    con.unregister("incoming")
    allocations, _used = allocate(to_allocate, taxonomy, allow_unknown=allow_unknown)
    con.register("new_allocations", allocations)
    con.execute("INSERT INTO allocations SELECT * FROM new_allocations")
    con.unregister("new_allocations")
    con.execute("DROP TABLE IF EXISTS changed_ids")

    # The model -> family table covers every stored model (earlier unknown ones quietly).
    stored_models = [
        str(row[0]) for row in con.execute("SELECT DISTINCT model FROM reports").fetchall()
    ]
    weights = model_weights(taxonomy, stored_models, allow_unknown=True, quiet=True)
    con.execute("DELETE FROM model_families")
    con.register("new_model_families", model_family_table(taxonomy, weights))
    con.execute("INSERT INTO model_families SELECT * FROM new_model_families")
    con.unregister("new_model_families")

    con.execute(
        "INSERT INTO releases VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [
            release_id,
            release.name,
            release.file_hash,
            str(release.daily_path),
            dt.datetime.now(dt.UTC).replace(tzinfo=None),
            rows_in_file,
            added,
            revised,
            vanished,
            reappeared,
            unchanged,
            taxonomy.digest,
        ],
    )
    return IngestResult(
        release=release.name,
        file_hash=release.file_hash,
        release_id=release_id,
        rows_in_file=rows_in_file,
        added=added,
        revised=revised,
        vanished=vanished,
        reappeared=reappeared,
        unchanged=unchanged,
    )


def _refuse_suspect_release(
    con: duckdb.DuckDBPyConnection, release: ParsedRelease, vanished: int, allow_vanish: bool
) -> None:
    """Refuse a release that reuses a stored name or would flag too many reports vanished."""
    same_name = first_row(
        con.execute(
            "SELECT release_id, file_hash FROM releases WHERE name = ? ORDER BY release_id "
            "DESC LIMIT 1",
            [release.name],
        )
    )
    if same_name is not None and same_name[1] != release.file_hash:
        raise InputError(
            f"{release.daily_path}: release {release.name} is already stored (release "
            f"{same_name[0]}) from another file (sha256 {str(same_name[1])[:12]}, this one "
            f"{release.file_hash[:12]}); a partial or edited copy? the store was not changed"
        )
    if allow_vanish or vanished == 0:
        return
    row = first_row(con.execute("SELECT count(*) FROM reports WHERE vanished_release IS NULL"))
    current = int(row[0]) if row else 0
    if vanished > VANISH_LIMIT_ROWS or vanished > VANISH_LIMIT_SHARE * current:
        raise InputError(
            f"{release.daily_path}: release {release.name} ({release.reports.num_rows} rows) "
            f"would flag {vanished} of {current} stored reports as vanished (the limit is "
            f"{VANISH_LIMIT_ROWS} and {VANISH_LIMIT_SHARE:.0%}); a partial download or a "
            "truncated file? pass --allow-vanish if upstream removed them; "
            "the store was not changed"
        )


def _apply_release(
    con: duckdb.DuckDBPyConnection,
    release: ParsedRelease,
    release_id: int,
    taxonomy: Taxonomy,
    allow_vanish: bool = False,
) -> tuple[int, int, int, int, int] | None:
    """Compare ``incoming`` with the stored reports and apply it; None if nothing changes.

    Returns (added, revised, vanished, reappeared, unchanged) and leaves the temp table
    ``changed_ids`` (reports to allocate anew). Content fingerprints are computed here,
    when there is something to compare with (a first ingest stores none).
    """
    columns = ", ".join(REPORT_COLUMNS)
    con.execute(
        f"UPDATE reports SET content_hash = {content_hash_sql(raw_field(''), 'status_data')} "
        "WHERE content_hash IS NULL"
    )
    con.execute(
        f"""CREATE OR REPLACE TEMP TABLE incoming_hash AS
        SELECT report_id, {content_hash_sql(raw_field("i."), "i.status_data")} AS content_hash
        FROM incoming i"""
    )
    counts = first_row(
        con.execute(
            """
            SELECT
              count(*) FILTER (WHERE r.report_id IS NULL),
              count(*) FILTER (WHERE r.report_id IS NOT NULL
                               AND r.content_hash <> i.content_hash),
              count(*) FILTER (WHERE r.report_id IS NOT NULL AND r.vanished_release IS NOT NULL),
              count(*) FILTER (WHERE r.report_id IS NOT NULL AND r.content_hash = i.content_hash
                               AND r.vanished_release IS NULL)
            FROM incoming_hash i LEFT JOIN reports r USING (report_id)
            """
        )
    )
    assert counts is not None
    added, revised, reappeared, unchanged = (int(v) for v in counts)
    vanished_row = first_row(
        con.execute(
            """SELECT count(*) FROM reports r WHERE r.vanished_release IS NULL
            AND NOT EXISTS (SELECT 1 FROM incoming_hash i WHERE i.report_id = r.report_id)"""
        )
    )
    vanished = int(vanished_row[0]) if vanished_row else 0

    if added == revised == vanished == reappeared == 0:
        last = first_row(
            con.execute("SELECT taxonomy_hash FROM releases ORDER BY release_id DESC LIMIT 1")
        )
        if last is not None and last[0] == taxonomy.digest:
            con.execute("DROP TABLE incoming_hash")
            return None  # same reports under the same taxonomy: nothing to record
    _refuse_suspect_release(con, release, vanished, allow_vanish)
    # Reports whose allocation must be (re)computed: new, revised or back from vanished.
    con.execute(
        """
        CREATE OR REPLACE TEMP TABLE changed_ids AS
        SELECT i.report_id FROM incoming_hash i LEFT JOIN reports r USING (report_id)
        WHERE r.report_id IS NULL OR r.content_hash <> i.content_hash
           OR r.vanished_release IS NOT NULL
        """
    )
    # Revisions: keep the replaced values and the release they came from.
    con.execute(
        f"""
        INSERT INTO report_history ({", ".join(REPORT_COLUMNS)}, content_hash, from_release,
                                    replaced_in_release)
        SELECT {", ".join(f"r.{c}" for c in REPORT_COLUMNS)}, r.content_hash,
               coalesce(r.revised_release, r.first_release), ?
        FROM reports r JOIN incoming_hash i USING (report_id)
        WHERE r.content_hash <> i.content_hash
        """,
        [release_id],
    )
    # Reports back from vanished: which release had flagged them, so that dropping this
    # release can flag them again.
    con.execute(
        """
        INSERT INTO reappearances
        SELECT ?, r.report_id, r.vanished_release FROM reports r JOIN incoming_hash i
        USING (report_id) WHERE r.vanished_release IS NOT NULL
        """,
        [release_id],
    )
    con.execute(
        f"""
        UPDATE reports r SET
            {", ".join(f"{c} = n.{c}" for c in REPORT_COLUMNS if c != "report_id")},
            content_hash = n.new_hash,
            revised_release = CASE WHEN r.content_hash <> n.new_hash
                                   THEN {release_id} ELSE r.revised_release END,
            vanished_release = NULL
        FROM (SELECT i.*, h.content_hash AS new_hash
              FROM incoming i JOIN incoming_hash h USING (report_id)) n
        WHERE r.report_id = n.report_id
          AND (r.content_hash <> n.new_hash OR r.vanished_release IS NOT NULL
               OR r.row_number <> n.row_number)
        """
    )
    con.execute(
        f"""
        UPDATE reports r SET vanished_release = {release_id}
        WHERE r.vanished_release IS NULL
          AND NOT EXISTS (SELECT 1 FROM incoming_hash i WHERE i.report_id = r.report_id)
        """
    )
    con.execute(
        f"""
        INSERT INTO reports ({columns}, content_hash, first_release, revised_release,
                             vanished_release)
        SELECT {", ".join(f"i.{c}" for c in REPORT_COLUMNS)}, h.content_hash,
               {release_id}, NULL, NULL
        FROM incoming i JOIN incoming_hash h USING (report_id)
        ANTI JOIN reports r USING (report_id)
        """
    )
    con.execute("DROP TABLE incoming_hash")
    return added, revised, vanished, reappeared, unchanged


# --------------------------------------------------------------------------- correcting


def _reallocate_all(con: duckdb.DuckDBPyConnection, taxonomy: Taxonomy) -> None:
    """Allocations and the model -> family table anew for every current report."""
    to_allocate = con.sql(
        "SELECT report_id, date, model, launched, destroyed, not_reach_goal, "
        "raw.launched_details AS launched_details FROM reports WHERE vanished_release IS NULL"
    ).to_arrow_table()
    con.execute("DELETE FROM allocations")
    if to_allocate.num_rows:
        allocations, _used = allocate(to_allocate, taxonomy, allow_unknown=True)
        con.register("new_allocations", allocations)
        con.execute("INSERT INTO allocations SELECT * FROM new_allocations")
        con.unregister("new_allocations")
    stored_models = [
        str(row[0]) for row in con.execute("SELECT DISTINCT model FROM reports").fetchall()
    ]
    weights = model_weights(taxonomy, stored_models, allow_unknown=True, quiet=True)
    con.execute("DELETE FROM model_families")
    con.register("new_model_families", model_family_table(taxonomy, weights))
    con.execute("INSERT INTO model_families SELECT * FROM new_model_families")
    con.unregister("new_model_families")


@dataclass(frozen=True)
class DropResult:
    """What dropping a release undid."""

    release: str
    release_id: int
    removed: int
    restored: int
    unvanished: int
    revanished: int
    remaining_releases: int


def drop_release(
    name: str, db: Path | str | None = None, *, taxonomy: Taxonomy | None = None
) -> DropResult:
    """Undo the newest release ``name`` in one transaction.

    Its added reports are removed, the values it revised restored from their history,
    the reports it flagged vanished current again and those it brought back flagged
    again; allocations are recomputed. Only the newest release can be dropped (each
    release is a change on top of the ones before): drop newer ones first.
    """
    taxonomy = taxonomy or load_taxonomy()
    path = resolve_db(db)
    if not _store_has_release(path):
        raise InputError(f"{path}: the store holds no release to drop")
    con = storefile.connect(path, read_only=False)
    try:
        _create_schema(con)
        rows = con.execute(
            "SELECT release_id, name, reappeared FROM releases ORDER BY release_id"
        ).fetchall()
        matches = [row for row in rows if str(row[1]) == name.strip()]
        if not matches:
            known = ", ".join(str(row[1]) for row in rows)
            from missilewatch.errors import UnknownNameError

            raise UnknownNameError(f"release {name!r} is not in the store {path} ({known})")
        release_id = int(matches[-1][0])
        newest = int(rows[-1][0])
        if release_id != newest:
            raise InputError(
                f"release {name} is not the newest one ({rows[-1][1]}); releases build on "
                "each other: drop the newer ones first; the store was not changed"
            )
        recorded = first_row(
            con.execute("SELECT count(*) FROM reappearances WHERE release_id = ?", [release_id])
        )
        if int(matches[-1][2] or 0) > int(recorded[0] if recorded else 0):
            raise InputError(
                f"release {name} brought back reports vanished earlier, and this store does not "
                "record which release had flagged them (it predates that record); "
                "the store was not changed"
            )
        con.execute("BEGIN TRANSACTION")
        try:
            result = _drop_in_transaction(con, name, release_id, len(rows), taxonomy)
            con.execute("COMMIT")
        except BaseException:
            with contextlib.suppress(duckdb.Error):
                con.execute("ROLLBACK")
            raise
    except duckdb.Error as error:
        raise storefile.storage_error(path, error) from None
    finally:
        con.close()
    return result


def _drop_in_transaction(
    con: duckdb.DuckDBPyConnection, name: str, release_id: int, releases: int, taxonomy: Taxonomy
) -> DropResult:
    def count(sql: str) -> int:
        row = first_row(con.execute(sql, [release_id]))
        return int(row[0]) if row else 0

    removed = count("SELECT count(*) FROM reports WHERE first_release = ?")
    restored = count("SELECT count(*) FROM report_history WHERE replaced_in_release = ?")
    unvanished = count("SELECT count(*) FROM reports WHERE vanished_release = ?")
    revanished = count("SELECT count(*) FROM reappearances WHERE release_id = ?")
    con.execute("DELETE FROM reports WHERE first_release = ?", [release_id])
    restored_columns = [c for c in REPORT_COLUMNS if c != "report_id"]
    con.execute(
        f"""
        UPDATE reports r SET
            {", ".join(f"{c} = h.{c}" for c in restored_columns)},
            content_hash = h.content_hash,
            revised_release = CASE WHEN h.from_release = r.first_release THEN NULL
                                   ELSE h.from_release END
        FROM report_history h
        WHERE h.report_id = r.report_id AND h.replaced_in_release = ?
        """,
        [release_id],
    )
    con.execute("DELETE FROM report_history WHERE replaced_in_release = ?", [release_id])
    con.execute(
        "UPDATE reports SET vanished_release = NULL WHERE vanished_release = ?", [release_id]
    )
    con.execute(
        """
        UPDATE reports r SET vanished_release = a.vanished_release
        FROM reappearances a WHERE a.report_id = r.report_id AND a.release_id = ?
        """,
        [release_id],
    )
    con.execute("DELETE FROM reappearances WHERE release_id = ?", [release_id])
    con.execute("DELETE FROM releases WHERE release_id = ?", [release_id])
    _reallocate_all(con, taxonomy)
    con.execute(
        "UPDATE releases SET taxonomy_hash = ? WHERE release_id = "
        "(SELECT max(release_id) FROM releases)",
        [taxonomy.digest],
    )
    return DropResult(
        release=name,
        release_id=release_id,
        removed=removed,
        restored=restored,
        unvanished=unvanished,
        revanished=revanished,
        remaining_releases=releases - 1,
    )


def rename_release(old: str, new: str, db: Path | str | None = None) -> None:
    """Correct a release's name (its date): the new date must be a real day, not in the
    future, and keep the releases in order."""
    from missilewatch import limits

    try:
        day = dt.date.fromisoformat(new.strip())
    except ValueError:
        raise InputError(f"release name {new!r}: expected a date (YYYY-MM-DD)") from None
    if day > limits.latest_report_date() or day < dt.date.fromisoformat(
        limits.EARLIEST_REPORT_DATE
    ):
        raise InputError(
            f"release name {new}: outside {limits.EARLIEST_REPORT_DATE} .. today "
            f"({limits.today()}); the store was not changed"
        )
    path = resolve_db(db)
    if not _store_has_release(path):
        raise InputError(f"{path}: the store holds no release to rename")
    with storefile.opened(path, read_only=False) as con:
        rows = con.execute("SELECT release_id, name FROM releases ORDER BY release_id").fetchall()
        ids = [int(row[0]) for row in rows if str(row[1]) == old.strip()]
        if not ids:
            from missilewatch.errors import UnknownNameError

            known = ", ".join(str(row[1]) for row in rows)
            raise UnknownNameError(f"release {old!r} is not in the store {path} ({known})")
        position = [int(row[0]) for row in rows].index(ids[-1])
        before = [str(row[1]) for row in rows[:position]]
        after = [str(row[1]) for row in rows[position + 1 :]]
        if (before and day.isoformat() < max(before)) or (after and day.isoformat() > min(after)):
            raise InputError(
                f"release name {new}: would put release {old} out of order among "
                f"{', '.join(str(row[1]) for row in rows)}; the store was not changed"
            )
        con.execute("UPDATE releases SET name = ? WHERE release_id = ?", [day.isoformat(), ids[-1]])
