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
import datetime as dt
import hashlib
import io
import json
import re
import warnings
import zipfile
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import duckdb
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

from missilewatch.errors import InputError, MissilewatchWarning

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
#: Columns the upstream added later; a release without them is read as before.
OPTIONAL_COLUMNS: tuple[str, ...] = ("status_data",)
#: ``status_data`` of a report whose counts are withheld (the 0s it carries are
#: placeholders, stored as NULL).
WITHHELD_STATUS = "hidden"
#: Text columns of the key, compared with whitespace collapsed.
TEXT_COLUMNS: tuple[str, ...] = ("model", "target", "launch_place", "source")

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


def _strip(expr: str) -> str:
    """SQL: surrounding spaces, tabs and line breaks removed (translate only if needed)."""
    odd = f"contains({expr}, chr(9)) OR contains({expr}, chr(10)) OR contains({expr}, chr(13))"
    return (
        f"trim(CASE WHEN {odd} THEN translate({expr}, chr(9) || chr(10) || chr(13), '   ') "
        f"ELSE {expr} END)"
    )


def _collapse(expr: str) -> str:
    """SQL: whitespace runs -> one space, then stripped (the regex only where needed)."""
    needs = (
        f"{expr} LIKE '%  %' OR {expr} LIKE ' %' OR {expr} LIKE '% ' "
        f"OR contains({expr}, chr(9)) OR contains({expr}, chr(10)) OR contains({expr}, chr(13))"
    )
    return f"CASE WHEN {needs} THEN trim(regexp_replace({expr}, '\\s+', ' ', 'g')) ELSE {expr} END"


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
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    if not data.strip():
        raise InputError(f"{path}: empty file")
    _refuse_long_lines(path, data)
    header_bytes = data.split(b"\n", 1)[0]
    _decode_check(path, header_bytes)
    header = next(csv.reader([header_bytes.decode("utf-8").rstrip("\r")]))
    read_options = pacsv.ReadOptions(
        column_names=header, skip_rows=1, block_size=16 << 20, use_threads=False
    )
    convert_options = pacsv.ConvertOptions(
        column_types=dict.fromkeys(header, pa.string()),
        strings_can_be_null=False,
        quoted_strings_can_be_null=False,
        null_values=[],
    )
    # Upstream has no line breaks inside values; the fast parser is tried first and the
    # careful one only when a quoted value spans lines.
    # One thread, and the bytes as an Arrow buffer (not a Python file, which pyarrow's I/O
    # threads read under the GIL): after a parse error the threaded reader left tasks
    # running on pyarrow's thread pools, and a process exiting right after the error line
    # was then sometimes aborted ("terminate called without an active exception", exit
    # 134). Reading this text-only table on one thread is as fast on two cores.
    for newlines_in_values in (False, True):
        try:
            return pacsv.read_csv(
                pa.BufferReader(data),
                read_options=read_options,
                parse_options=pacsv.ParseOptions(newlines_in_values=newlines_in_values),
                convert_options=convert_options,
            )
        except pa.ArrowInvalid:
            continue
    # pyarrow checks UTF-8 and structure; name the first offending row ourselves.
    _decode_check(path, data)
    raise InputError(_locate_csv_structure_error(path, data.decode("utf-8"), len(header)))


def _check_columns(path: Path, table: pa.Table) -> tuple[pa.Table, tuple[str, ...]]:
    """The known columns, and the names of columns the format does not know yet.

    ``status_data`` (upstream since 2026-08-15) is known and optional. Any other new
    column is kept as read (``extra_columns``) and announced once, so that a change of
    the upstream format is seen, not silently dropped.
    """
    present = list(table.column_names)
    missing = [c for c in SOURCE_COLUMNS if c not in present]
    known = set(SOURCE_COLUMNS) | set(OPTIONAL_COLUMNS)
    extra = [c for c in present if c not in known]
    if missing:
        hint = f"; unexpected column(s): {', '.join(map(repr, extra))}" if extra else ""
        raise InputError(
            f"{path}: row 0 (header): missing column(s) {', '.join(map(repr, missing))}{hint}"
        )
    duplicated = sorted({c for c in present if present.count(c) > 1})
    if duplicated:
        raise InputError(
            f"{path}: row 0 (header): column(s) {', '.join(map(repr, duplicated))} appear "
            "more than once"
        )
    if extra:
        warnings.warn(
            f"{path}: new column(s) {', '.join(map(repr, extra))} not in the known format: "
            "kept as read (reports.extra_columns), not used by the model",
            MissilewatchWarning,
            stacklevel=3,
        )
    return table, tuple(extra)


def _status_and_extras(
    table: pa.Table, extra: Sequence[str]
) -> tuple[pa.Array, pa.Array, pa.Array]:
    """(status_data, counts_withheld, extra_columns) for every row.

    ``status_data`` is the upstream text (stripped; null when the column is absent or
    the cell empty); a row whose status is ``hidden`` has its counts withheld.
    ``extra_columns`` is a JSON object of the columns the format does not know (null
    when there are none).
    """
    n_rows = table.num_rows
    if "status_data" in table.column_names:
        stripped = pc.utf8_trim_whitespace(table.column("status_data").combine_chunks())
        status = pc.if_else(pc.equal(stripped, ""), pa.scalar(None, pa.string()), stripped)
        withheld = pc.fill_null(pc.equal(pc.utf8_lower(status), WITHHELD_STATUS), False)
    else:
        status = pa.nulls(n_rows, pa.string())
        withheld = pa.array(np.zeros(n_rows, dtype=bool))
    if extra:
        columns = {c: table.column(c).to_pylist() for c in extra}
        extras = pa.array(
            [
                json.dumps({c: columns[c][i] for c in extra}, ensure_ascii=False)
                for i in range(n_rows)
            ],
            pa.string(),
        )
    else:
        extras = pa.nulls(n_rows, pa.string())
    return status, withheld, extras


def _first_index(mask: pa.Array | pa.ChunkedArray) -> int | None:
    """Index of the first true value of a boolean array (nulls count as false)."""
    values = pc.fill_null(mask, False)
    if not pc.any(values).as_py():
        return None
    return int(np.flatnonzero(values.to_numpy(zero_copy_only=False))[0])


def _validate(path: Path, result: pa.Table, table: pa.Table) -> None:
    """Raise for the first unreadable date, bad count or empty model (file, row, field)."""
    for column in ("time_start", "time_end"):
        bad = _first_index(pc.is_null(result.column(column)))
        if bad is not None:
            text = str(table.column(column)[bad].as_py()).strip()
            shown = text if text else "(empty)"
            raise InputError(
                f"{path}: row {bad + 1}: field {column!r}: cannot read {shown!r} as a date "
                "(expected YYYY-MM-DD or YYYY-MM-DD HH:MM)"
            )
    _validate_dates(path, result)
    for column in COUNT_COLUMNS:
        number = result.column(f"{column}_num")
        missing = result.column(f"{column}_missing")
        not_number = pc.and_(pc.is_null(number, nan_is_null=True), pc.invert(missing))
        filled = pc.fill_null(number, 0.0)
        negative = pc.less(filled, 0.0)
        fractional = pc.or_(
            pc.not_equal(filled, pc.floor(filled)), pc.greater(pc.abs(filled), 9e15)
        )
        bad_any = pc.or_(pc.or_(not_number, negative), fractional)
        bad = _first_index(bad_any)
        if bad is not None:
            text = str(table.column(column)[bad].as_py()).strip()
            if not_number[bad].as_py():
                why = "not a number"
            elif negative[bad].as_py():
                why = "negative count"
            else:
                why = "not a whole number"
            raise InputError(f"{path}: row {bad + 1}: field {column!r}: {text!r} is {why}")
    empty = _first_index(pc.equal(result.column("model"), ""))
    if empty is not None:
        raise InputError(f"{path}: row {empty + 1}: field 'model' is empty")


def _validate_dates(path: Path, result: pa.Table) -> None:
    """Refuse a report dated in the future or before the full-scale invasion.

    Such a date is a typo, and it poisons the store: a release is named by its latest
    date (a row in 2099 would make every real release after it look older), and a row
    in 2002 shifts the model's history without a word. A report ending before it starts
    is stored and flagged (``missilewatch check``): its counts may still be right.
    """
    from missilewatch import limits

    latest = dt.datetime.combine(limits.latest_report_date() + dt.timedelta(days=1), dt.time())
    earliest = dt.datetime.fromisoformat(limits.EARLIEST_REPORT_DATE)
    for column in ("time_start", "time_end"):
        values = result.column(column).cast(pa.timestamp("us"))
        too_late = _first_index(pc.greater_equal(values, pa.scalar(latest, pa.timestamp("us"))))
        too_early = _first_index(pc.less(values, pa.scalar(earliest, pa.timestamp("us"))))
        bad = min((i for i in (too_late, too_early) if i is not None), default=None)
        if bad is None:
            continue
        when = values[bad].as_py()
        why = (
            f"after today ({limits.today()}) plus {limits.FUTURE_TOLERANCE_DAYS} day"
            if bad == too_late
            else f"before the full-scale invasion ({limits.EARLIEST_REPORT_DATE})"
        )
        raise InputError(
            f"{path}: row {bad + 1}: field {column!r}: {when:%Y-%m-%d} is {why}; a typo? "
            "correct the row (nothing was stored)"
        )


def _disambiguate(report_id: pa.Array, repeated: set[str]) -> pa.Array:
    """A repeated key gets a new id from ``id#2``, ``id#3``... in file order."""
    if not repeated:
        return report_id
    ids = report_id.to_pylist()
    seen: dict[str, int] = {}
    for index, value in enumerate(ids):
        if value in repeated:
            seen[value] = seen.get(value, 0) + 1
            if seen[value] > 1:
                ids[index] = hashlib.md5(f"{value}#{seen[value]}".encode()).hexdigest()[:16]
    return pa.array(ids, pa.string())


def _timestamp_sql(text: str) -> str:
    """SQL: the timestamp of an upstream form, NULL for anything else."""
    shape = (
        f"length({text}) IN (10, 15, 16, 18, 19) AND substr({text}, 5, 1) = '-' "
        f"AND substr({text}, 8, 1) = '-'"
    )
    return f"CASE WHEN {shape} THEN try_cast({text} AS TIMESTAMP) END"


def _raw_struct(table: pa.Table) -> pa.ChunkedArray:
    """The source columns as one struct column, chunk by chunk (no copy)."""
    chunks = [
        pa.StructArray.from_arrays(batch.columns, names=list(SOURCE_COLUMNS))
        for batch in table.select(list(SOURCE_COLUMNS)).to_batches()
    ]
    if not chunks:
        return pa.chunked_array([], type=pa.struct([(c, pa.string()) for c in SOURCE_COLUMNS]))
    return pa.chunked_array(chunks)


def _key_sql(column: Callable[[str], str], stripped: Mapping[str, str] | None = None) -> str:
    """SQL: the normalized key text of a report, from source columns named by ``column``.

    The key keeps date-only values apart from midnight, and pads "3:30" to "03:30".
    ``stripped`` names already stripped time columns (to reuse them).
    """
    times = []
    for c in ("time_start", "time_end"):
        text = stripped[c] if stripped else _strip(column(c))
        times.append(
            f"CASE WHEN length({text}) IN (15, 18) THEN substr({text}, 1, 11) || '0' "
            f"|| substr({text}, 12) ELSE {text} END"
        )
    texts = [_collapse(column(c)) for c in TEXT_COLUMNS]
    return "concat_ws(chr(31), " + ", ".join([*times, *texts]) + ")"


def content_hash_sql(column: Callable[[str], str], status: str | None = None) -> str:
    """SQL: a UBIGINT fingerprint of a report's content, from its source columns.

    Content = the key, the counts as numbers ("93.0" == "93"), every other column as
    read. Two versions of a report differ exactly when their fingerprints differ.
    """
    counts = [
        f"coalesce(CAST(try_cast(try_cast({_strip(column(c))} AS DOUBLE) AS BIGINT) "
        "AS VARCHAR), '')"
        for c in COUNT_COLUMNS
    ]
    rest = [column(c) for c in SOURCE_COLUMNS if c not in KEY_COLUMNS and c not in COUNT_COLUMNS]
    # ``status`` (status_data) is NULL for reports from before the upstream added it, and
    # concat_ws skips NULLs: their fingerprints stay what they were.
    if status is not None:
        rest.append(status)
    return (
        f"md5_number_lower(concat_ws(chr(31), {_key_sql(column)}, {', '.join(counts)}, "
        f"{', '.join(rest)}))"
    )


def raw_field(prefix: str) -> Callable[[str], str]:
    """Column reference to a field of the ``raw`` struct, e.g. ``r.raw."launched"``."""
    return lambda c: f"{prefix}raw.{_sql_quote_ident(c)}"


def _in_file_order(result: pa.Table) -> pa.Table:
    """The rows sorted by ``__position`` (a no-op when DuckDB kept the order)."""
    positions = result.column("__position").to_numpy()
    if len(positions) > 1 and not bool(np.all(positions[1:] > positions[:-1])):
        result = result.take(pa.array(np.argsort(positions, kind="stable")))
    return result.drop_columns(["__position"])


def normalize(path: Path, table: pa.Table) -> pa.Table:
    """Normalized per-report records from the raw text table (see docs/ledger.md)."""
    table, extra = _check_columns(path, table)
    status, withheld, extras = _status_and_extras(table, extra)
    table = table.select(list(SOURCE_COLUMNS))
    n_rows = table.num_rows
    q = _sql_quote_ident
    # Dates and counts are read with surrounding whitespace (and tabs) removed.
    stripped = {c: f"{c}_s" for c in ("time_start", "time_end", *COUNT_COLUMNS)}
    strip_sql = ", ".join(f"{_strip(q(c))} AS {alias}" for c, alias in stripped.items())
    key_sql = _key_sql(q, stripped)
    times_sql = ", ".join(
        f"{_timestamp_sql(stripped[c])} AS {c}" for c in ("time_start", "time_end")
    )
    con = duckdb.connect()
    try:
        # Each row carries its position: DuckDB may return rows of a multi-chunk table in
        # another order, and the result must line up with the raw columns.
        positions = pa.array(np.arange(n_rows, dtype=np.int64))
        con.register("source_rows", table.append_column("__position", positions))
        result = con.sql(
            f"""
            WITH stripped AS (SELECT *, {strip_sql} FROM source_rows),
            keyed AS (SELECT *, {key_sql} AS key_text FROM stripped)
            SELECT
                __position,
                {times_sql},
                {", ".join(f"try_cast({stripped[c]} AS DOUBLE) AS {c}_num" for c in COUNT_COLUMNS)},
                {", ".join(f"({stripped[c]} = '') AS {c}_missing" for c in COUNT_COLUMNS)},
                {_collapse(q("model"))} AS model,
                substr(md5(key_text), 1, 16) AS report_id
            FROM keyed
            """
        ).to_arrow_table()
        if isinstance(result, pa.RecordBatchReader):  # pragma: no cover - older duckdb
            result = result.read_all()
        result = _in_file_order(result)
        con.register("normalized", result)
        repeated = {
            str(row[0])
            for row in con.execute(
                "SELECT report_id FROM normalized GROUP BY report_id HAVING count(*) > 1"
            ).fetchall()
        }
    finally:
        con.close()
    if result.num_rows != n_rows:  # pragma: no cover - a DuckDB contract, checked anyway
        raise InputError(f"{path}: internal error: {result.num_rows} rows out of {n_rows}")
    _validate(path, result, table)
    time_start = result.column("time_start").cast(pa.timestamp("us"))
    return pa.table(
        {
            "report_id": _disambiguate(result.column("report_id").combine_chunks(), repeated),
            "row_number": pa.array(np.arange(1, n_rows + 1, dtype=np.int64)),
            "time_start": time_start,
            "time_end": result.column("time_end").cast(pa.timestamp("us")),
            "date": pc.cast(time_start, pa.date32()),
            "model": result.column("model"),
            **{
                c: pc.if_else(
                    withheld,
                    pa.scalar(None, pa.int64()),
                    pc.cast(pc.fill_null(result.column(f"{c}_num"), 0.0), pa.int64()),
                )
                for c in COUNT_COLUMNS
            },
            **{f"{c}_missing": result.column(f"{c}_missing") for c in COUNT_COLUMNS},
            "raw": _raw_struct(table),
            "status_data": status,
            "counts_withheld": withheld,
            "extra_columns": extras,
        }
    )


def release_name(reports: pa.Table, fallback: str) -> str:
    """A release is named by its last report date (the date of the latest ``time_end``)."""
    if reports.num_rows == 0:
        return fallback
    latest = pc.max(reports.column("time_end")).as_py()
    return fallback if latest is None else latest.date().isoformat()


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
    if reports.num_rows == 0:
        raise InputError(f"{daily_path}: row 1: no data rows after the header; nothing to ingest")
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
        _refuse_absurd_archive(
            path, archive, [names[n] for n in (DAILY_FILE, REFERENCE_FILE) if n in names]
        )
        daily = _read_member(path, archive, names[DAILY_FILE])
        reference = (
            _read_member(path, archive, names[REFERENCE_FILE]) if REFERENCE_FILE in names else None
        )
    return read_release_bytes(
        path / DAILY_FILE,
        daily,
        (path / REFERENCE_FILE) if reference is not None else None,
        reference,
    )


def _refuse_absurd_archive(path: Path, archive: zipfile.ZipFile, members: Sequence[str]) -> None:
    """Refuse, before expanding anything, an archive whose members would expand to more
    than the limits allow (a zip bomb, or not the dataset)."""
    from missilewatch import limits

    total = 0
    for name in members:
        info = archive.getinfo(name)
        total += info.file_size
        ratio = info.file_size / max(info.compress_size, 1)
        if ratio > limits.MAX_ARCHIVE_RATIO and info.file_size > 1024 * 1024:
            raise InputError(
                f"{path}: {name} would expand {ratio:,.0f} times ({info.file_size:,} bytes); "
                f"the limit is {limits.MAX_ARCHIVE_RATIO} times: not the dataset? "
                "nothing was stored"
            )
    if total > limits.MAX_ARCHIVE_EXPANDED_BYTES:
        raise InputError(
            f"{path}: the release files would expand to {total:,} bytes, above the limit of "
            f"{limits.MAX_ARCHIVE_EXPANDED_BYTES:,}: not the dataset? nothing was stored"
        )


def _read_member(path: Path, archive: zipfile.ZipFile, name: str) -> bytes:
    """A member's bytes, read no further than the limit (sizes in a zip can lie)."""
    from missilewatch import limits

    with archive.open(name) as handle:
        data = handle.read(limits.MAX_ARCHIVE_EXPANDED_BYTES + 1)
    if len(data) > limits.MAX_ARCHIVE_EXPANDED_BYTES:
        raise InputError(
            f"{path}: {name} expands beyond {limits.MAX_ARCHIVE_EXPANDED_BYTES:,} bytes: "
            "not the dataset? nothing was stored"
        )
    return data


def _refuse_long_lines(path: Path, data: bytes) -> None:
    """Refuse a file with a line longer than the limit (the dataset's are under 4 KB)."""
    from missilewatch import limits

    if len(data) <= limits.MAX_CSV_LINE_BYTES:
        return
    breaks = np.flatnonzero(np.frombuffer(data, dtype=np.uint8) == 10)
    edges = np.concatenate(([-1], breaks, [len(data)]))
    lengths = np.diff(edges) - 1
    longest = int(np.argmax(lengths))
    if lengths[longest] > limits.MAX_CSV_LINE_BYTES:
        raise InputError(
            f"{path}: line {longest + 1} is {int(lengths[longest]):,} bytes long, above the "
            f"limit of {limits.MAX_CSV_LINE_BYTES:,}: not the dataset? nothing was stored"
        )
