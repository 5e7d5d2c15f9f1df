"""Reading a release of the Ukrainian Air Force reports into normalized per-report records.

The input is ``missile_attacks_daily.csv`` of the public dataset "Massive Missile
Attacks on Ukraine" (Petro Ivaniuk, Kaggle piterfm/massive-missile-attacks-on-ukraine),
optionally with its weapon reference ``missiles_and_uavs.csv``. Reading is vectorized:
pyarrow reads every column as text, DuckDB normalizes and validates it in bulk, and only
the first offending row of a bad file is looked at in Python to name it.

Every source column is kept as read (struct column ``raw``), so the raw row is
recoverable; the normalized columns are derived from it.
"""

from __future__ import annotations

import csv
import hashlib
import io
import re
import warnings
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import duckdb
import numpy as np
import pyarrow as pa
import pyarrow.csv as pacsv

from missilewatch.errors import InputError, MissilewatchWarning
from missilewatch.ledger._duck import first_row

DAILY_FILE = "missile_attacks_daily.csv"
REFERENCE_FILE = "missiles_and_uavs.csv"

#: Every column of the daily file, in the upstream order.
SOURCE_COLUMNS: tuple[str, ...] = (
    "time_start",
    "time_end",
    "model",
    "launch_place",
    "target",
    "target_main",
    "launched",
    "destroyed",
    "not_reach_goal",
    "still_attacking",
    "border_crossing",
    "is_shahed",
    "num_hit_location",
    "num_fall_fragment_location",
    "carrier",
    "turbojet",
    "turbojet_destroyed",
    "affected region",
    "destroyed_details",
    "launched_details",
    "launch_place_details",
    "source",
)
#: The columns whose whitespace-normalized values identify one report (unique per row
#: in the upstream releases); ``report_id`` is a hash of them.
KEY_COLUMNS: tuple[str, ...] = (
    "time_start",
    "time_end",
    "model",
    "target",
    "launch_place",
    "source",
)
COUNT_COLUMNS: tuple[str, ...] = ("launched", "destroyed", "not_reach_goal")
#: Text columns shown normalized (whitespace collapsed) next to the raw row.
TEXT_COLUMNS: tuple[str, ...] = ("model", "target", "launch_place", "source")

_TIMESTAMP_PATTERN = r"\d{4}-\d{2}-\d{2}([ T]\d{1,2}:\d{2}(:\d{2})?)?"
_TIMESTAMP_FORMATS = ["%Y-%m-%d %H:%M:%S", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M",
                      "%Y-%m-%dT%H:%M", "%Y-%m-%d"]  # fmt: skip
_RELEASE_NAME = re.compile(r"\d{4}-\d{2}-\d{2}")


@dataclass(frozen=True)
class ParsedRelease:
    """One release read from disk: normalized reports plus where they came from."""

    name: str
    daily_path: Path
    reference_path: Path | None
    #: sha256 over the daily file (and the reference file when present).
    file_hash: str
    #: Normalized reports, see :data:`REPORT_SCHEMA_DOC` in docs/ledger.md.
    reports: pa.Table
    #: Model strings listed in the reference file (empty when absent).
    reference_models: tuple[str, ...] = ()


def _sql_quote_ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _collapse(expr: str) -> str:
    """SQL: whitespace runs -> one space, then stripped."""
    return f"trim(regexp_replace({expr}, '\\s+', ' ', 'g'))"


def locate_release_files(paths: Sequence[Path]) -> tuple[Path, Path | None]:
    """The daily CSV and (optional) reference CSV from a folder, one file or two files."""
    if not paths:
        raise InputError("no release given: pass a release folder or its CSV file(s)")
    resolved = [Path(p) for p in paths]
    for path in resolved:
        if not path.exists():
            raise InputError(f"{path}: no such file or folder")
    if len(resolved) == 1 and resolved[0].is_dir():
        folder = resolved[0]
        daily = folder / DAILY_FILE
        if not daily.is_file():
            raise InputError(f"{folder}: release folder has no {DAILY_FILE}")
        reference = folder / REFERENCE_FILE
        return daily, reference if reference.is_file() else None
    if len(resolved) > 2 or any(p.is_dir() for p in resolved):
        raise InputError(
            "pass one release folder, or the daily CSV and optionally the reference CSV"
        )
    daily_candidates = [p for p in resolved if p.name != REFERENCE_FILE]
    reference_candidates = [p for p in resolved if p.name == REFERENCE_FILE]
    if len(daily_candidates) != 1:
        raise InputError(f"{resolved[0]}: could not tell which file is {DAILY_FILE}")
    return daily_candidates[0], (reference_candidates[0] if reference_candidates else None)


def _decode_check(path: Path, data: bytes) -> None:
    """Fail with the row of the first byte that is not UTF-8."""
    try:
        data.decode("utf-8")
    except UnicodeDecodeError as error:
        line = data.count(b"\n", 0, error.start) + 1
        raise InputError(
            f"{path}: row {line - 1} (line {line}): not UTF-8 text "
            f"(byte 0x{data[error.start]:02x} at offset {error.start})"
        ) from None


def _locate_csv_structure_error(path: Path, text: str, n_columns: int) -> str:
    """Find the first row whose field count is wrong or whose quoting is broken."""
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    row = 0
    try:
        for row, fields in enumerate(reader):
            if row > 0 and len(fields) != n_columns:
                return (
                    f"{path}: row {row} (line {reader.line_num}): expected {n_columns} fields, "
                    f"found {len(fields)} (truncated or malformed file?)"
                )
    except csv.Error as error:
        return f"{path}: row {row + 1} (line {reader.line_num}): malformed CSV ({error})"
    return f"{path}: malformed CSV"


def read_text_table(path: Path, data: bytes) -> pa.Table:
    """Every column of a CSV as text (no inference); a one-line error when malformed."""
    _decode_check(path, data)
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    if not data.strip():
        raise InputError(f"{path}: empty file")
    header_line = data.split(b"\n", 1)[0].decode("utf-8").rstrip("\r")
    header = next(csv.reader([header_line]))
    read_options = pacsv.ReadOptions(column_names=header, skip_rows=1, block_size=16 << 20)
    convert_options = pacsv.ConvertOptions(
        column_types=dict.fromkeys(header, pa.string()),
        strings_can_be_null=False,
        quoted_strings_can_be_null=False,
        null_values=[],
    )
    parse_options = pacsv.ParseOptions(newlines_in_values=True)
    try:
        return pacsv.read_csv(
            io.BytesIO(data),
            read_options=read_options,
            parse_options=parse_options,
            convert_options=convert_options,
        )
    except pa.ArrowInvalid:
        message = _locate_csv_structure_error(path, data.decode("utf-8"), len(header))
        raise InputError(message) from None


def _check_columns(path: Path, table: pa.Table) -> pa.Table:
    present = list(table.column_names)
    missing = [c for c in SOURCE_COLUMNS if c not in present]
    extra = [c for c in present if c not in SOURCE_COLUMNS]
    if missing:
        hint = f"; unexpected column(s): {', '.join(map(repr, extra))}" if extra else ""
        raise InputError(
            f"{path}: row 0 (header): missing column(s) {', '.join(map(repr, missing))}{hint}"
        )
    if extra:
        warnings.warn(
            f"{path}: column(s) {', '.join(map(repr, extra))} are not part of the known "
            "format and are not stored",
            MissilewatchWarning,
            stacklevel=3,
        )
    return table.select(list(SOURCE_COLUMNS))


def normalize(path: Path, table: pa.Table) -> pa.Table:
    """Normalized per-report records from the raw text table (see docs/ledger.md)."""
    table = _check_columns(path, table)
    n_rows = table.num_rows
    raw = pa.StructArray.from_arrays(
        [table.column(c).combine_chunks() for c in SOURCE_COLUMNS], names=list(SOURCE_COLUMNS)
    )
    source = pa.table(
        {
            "row_number": pa.array(np.arange(1, n_rows + 1, dtype=np.int64)),
            **{c: table.column(c) for c in SOURCE_COLUMNS},
        }
    )
    con = duckdb.connect()
    try:
        con.register("source_rows", source)
        q = _sql_quote_ident
        time_exprs = []
        for column in ("time_start", "time_end"):
            text = _collapse(q(column))
            time_exprs.append(
                f"{text} AS {column}_text, "
                f"CASE WHEN regexp_full_match({text}, '{_TIMESTAMP_PATTERN}') "
                f"THEN try_strptime({text}, {_TIMESTAMP_FORMATS!r}) END AS {column}_ts"
            )
        count_exprs = []
        for column in COUNT_COLUMNS:
            text = f"trim({q(column)})"
            count_exprs.append(
                f"{text} AS {column}_text, try_cast({text} AS DOUBLE) AS {column}_num"
            )
        con.execute(
            f"""
            CREATE TEMP TABLE checked AS
            SELECT row_number, {", ".join(time_exprs)}, {", ".join(count_exprs)},
                   {", ".join(f"{_collapse(q(c))} AS {c}_norm" for c in TEXT_COLUMNS)},
                   md5(concat_ws(chr(31), {
                ", ".join(
                    f"trim({q(c)})"
                    for c in SOURCE_COLUMNS
                    if c not in KEY_COLUMNS and c not in COUNT_COLUMNS
                )
            })) AS rest_hash
            FROM source_rows
            """
        )
        for column in ("time_start", "time_end"):
            bad = first_row(
                con.execute(
                    f"SELECT row_number, {column}_text FROM checked WHERE {column}_ts IS NULL "
                    "ORDER BY row_number LIMIT 1"
                )
            )
            if bad:
                shown = bad[1] if bad[1] else "(empty)"
                raise InputError(
                    f"{path}: row {bad[0]}: field {column!r}: cannot read {shown!r} as a date "
                    "(expected YYYY-MM-DD or YYYY-MM-DD HH:MM)"
                )
        for column in COUNT_COLUMNS:
            bad = first_row(
                con.execute(
                    f"""SELECT row_number, {column}_text, {column}_num FROM checked
                WHERE {column}_text <> '' AND ({column}_num IS NULL OR isnan({column}_num)
                   OR isinf({column}_num) OR {column}_num < 0
                   OR {column}_num <> floor({column}_num) OR {column}_num > 9e15)
                ORDER BY row_number LIMIT 1"""
                )
            )
            if bad:
                value = bad[2]
                if value is None or value != value:
                    why = "not a number"
                elif value < 0:
                    why = "negative count"
                else:
                    why = "not a whole number"
                raise InputError(f"{path}: row {bad[0]}: field {column!r}: {bad[1]!r} is {why}")
        model_empty = first_row(
            con.execute(
                "SELECT row_number FROM checked WHERE model_norm = '' ORDER BY row_number LIMIT 1"
            )
        )
        if model_empty:
            raise InputError(f"{path}: row {model_empty[0]}: field 'model' is empty")

        def canonical_time(column: str) -> str:
            # Keep date-only values distinct from midnight, so the key follows the report.
            return (
                f"CASE WHEN length({column}_text) <= 10 THEN strftime({column}_ts, '%Y-%m-%d') "
                f"ELSE strftime({column}_ts, '%Y-%m-%d %H:%M') END"
            )

        key_parts = [
            canonical_time("time_start"),
            canonical_time("time_end"),
            "model_norm",
            "target_norm",
            "launch_place_norm",
            "source_norm",
        ]
        key_text = f"concat_ws(chr(31), {', '.join(key_parts)})"
        counts_text = ", ".join(
            f"coalesce(CAST(CAST({c}_num AS BIGINT) AS VARCHAR), '')" for c in COUNT_COLUMNS
        )
        result = con.sql(
            f"""
            WITH keyed AS (
                SELECT *, {key_text} AS key_text FROM checked
            ), numbered AS (
                SELECT *, row_number() OVER (PARTITION BY key_text ORDER BY row_number)
                          AS occurrence
                FROM keyed
            )
            SELECT
                substr(md5(CASE WHEN occurrence = 1 THEN key_text
                                ELSE key_text || chr(31) || '#' || occurrence END), 1, 16)
                    AS report_id,
                row_number,
                CAST(time_start_ts AS TIMESTAMP) AS time_start,
                CAST(time_end_ts AS TIMESTAMP) AS time_end,
                CAST(time_start_ts AS DATE) AS date,
                model_norm AS model,
                target_norm AS target,
                launch_place_norm AS launch_place,
                source_norm AS source,
                {", ".join(f"coalesce(CAST({c}_num AS BIGINT), 0) AS {c}" for c in COUNT_COLUMNS)},
                {", ".join(f"({c}_text = '') AS {c}_missing" for c in COUNT_COLUMNS)},
                substr(md5(concat_ws(chr(31), key_text, {counts_text}, rest_hash)), 1, 16)
                    AS content_hash
            FROM numbered
            ORDER BY row_number
            """
        ).to_arrow_table()
    finally:
        con.close()
    if isinstance(result, pa.RecordBatchReader):  # pragma: no cover - older duckdb
        result = result.read_all()
    return result.append_column("raw", raw)


def release_name(reports: pa.Table, fallback: str) -> str:
    """A release is named by its last report date (the date of the latest ``time_end``)."""
    if reports.num_rows == 0:
        return fallback
    latest = max(v for v in reports.column("time_end").to_pylist() if v is not None)
    return latest.date().isoformat()


def _reference_models(path: Path, data: bytes) -> tuple[str, ...]:
    table = read_text_table(path, data)
    if "model" not in table.column_names:
        raise InputError(f"{path}: row 0 (header): missing column 'model'")
    return tuple(str(m) for m in table.column("model").to_pylist() if str(m).strip())


def read_release(*paths: Path) -> ParsedRelease:
    """Read a release folder, or the daily CSV (optionally with the reference CSV)."""
    daily_path, reference_path = locate_release_files(list(paths))
    return read_release_bytes(
        daily_path,
        daily_path.read_bytes(),
        reference_path,
        reference_path.read_bytes() if reference_path else None,
    )


def read_release_bytes(
    daily_path: Path,
    daily: bytes,
    reference_path: Path | None = None,
    reference: bytes | None = None,
) -> ParsedRelease:
    """Parse a release from bytes already read (``daily_path`` names it in messages)."""
    digest = hashlib.sha256(daily)
    reference_models: tuple[str, ...] = ()
    if reference is not None and reference_path is not None:
        digest.update(b"\x00")
        digest.update(reference)
        reference_models = _reference_models(reference_path, reference)
    reports = normalize(daily_path, read_text_table(daily_path, daily))
    folder = daily_path.parent.name
    fallback = folder if _RELEASE_NAME.fullmatch(folder) else daily_path.stem
    return ParsedRelease(
        name=release_name(reports, fallback),
        daily_path=daily_path,
        reference_path=reference_path,
        file_hash=digest.hexdigest(),
        reports=reports,
        reference_models=reference_models,
    )


def read_release_zip(path: Path) -> ParsedRelease:
    """Read a release from a zip archive holding the daily CSV (and the reference)."""
    try:
        archive = zipfile.ZipFile(path)
    except zipfile.BadZipFile:
        raise InputError(f"{path}: not a valid zip archive") from None
    with archive:
        names = {Path(n).name: n for n in archive.namelist() if not n.endswith("/")}
        if DAILY_FILE not in names:
            raise InputError(f"{path}: archive holds no {DAILY_FILE}")
        daily = archive.read(names[DAILY_FILE])
        reference = archive.read(names[REFERENCE_FILE]) if REFERENCE_FILE in names else None
    return read_release_bytes(
        path / DAILY_FILE,
        daily,
        (path / REFERENCE_FILE) if reference is not None else None,
        reference,
    )
