"""Reading the real releases into normalized per-report records."""

from __future__ import annotations

import csv
import datetime as dt
import io
from pathlib import Path

import duckdb
import pyarrow as pa

from missilewatch.ledger.parse import (
    SOURCE_COLUMNS,
    _in_file_order,
    _key_sql,
    content_hash_sql,
    normalize,
    raw_field,
    read_release,
    read_text_table,
)


def test_new_release_reads_every_row(release_new: Path) -> None:
    release = read_release(release_new)
    assert release.name == "2026-04-05"
    assert release.reports.num_rows == 3585
    ids = release.reports.column("report_id").to_pylist()
    assert len(set(ids)) == len(ids)
    raw = release.reports.column("raw").type
    assert isinstance(raw, pa.StructType)
    assert [raw.field(i).name for i in range(raw.num_fields)] == list(SOURCE_COLUMNS)


def test_timestamp_forms_and_counts(release_new: Path) -> None:
    frame = read_release(release_new).reports.to_pandas()
    raw = frame["raw"].apply(lambda r: r["time_start"])
    single_digit_hour = frame[raw == "2023-05-16 3:30"]
    assert not single_digit_hour.empty
    assert (single_digit_hour["time_start"] == dt.datetime(2023, 5, 16, 3, 30)).all()
    trailing = frame[raw.str.endswith(" ")]
    assert not trailing.empty and trailing["time_start"].notna().all()
    first = frame.iloc[0]
    assert first["raw"]["launched"] == "93.0" and first["launched"] == 93
    missing = frame[frame["launched_missing"]]
    assert sorted(zip(missing["date"].astype(str), missing["model"], strict=True)) == [
        ("2024-02-12", "C-300"),
        ("2024-02-27", "Iskander-M/KN-23"),
        ("2024-02-28", "C-300"),
    ]
    assert (missing["launched"] == 0).all()


def test_repeated_time_and_model_are_separate_reports(release_old: Path) -> None:
    frame = read_release(release_old).reports.to_pandas()
    repeated = frame.duplicated(["time_start", "time_end", "model"], keep=False)
    assert repeated.sum() > 0
    assert frame.loc[repeated, "report_id"].is_unique


def _fingerprints(release: Path) -> dict[str, int]:
    reports = read_release(release).reports
    con = duckdb.connect()
    con.register("reports", reports)
    rows = con.execute(
        f"SELECT report_id, {content_hash_sql(raw_field(''))} FROM reports"
    ).fetchall()
    con.close()
    return dict(rows)


def test_report_id_is_stable_and_content_changes_are_seen(
    release_old: Path, release_new: Path
) -> None:
    old = _fingerprints(release_old)
    new = _fingerprints(release_new)
    assert set(old) <= set(new) and len(new) - len(old) == 207
    changed = {report_id for report_id in old if old[report_id] != new[report_id]}
    models = read_release(release_new).reports.to_pandas().set_index("report_id")["model"]
    assert sorted(models[list(changed)]) == ["3M22 Zircon", "Iskander-M/KN-23", "X-59/X-69"]


def test_fingerprint_reads_counts_as_numbers() -> None:
    con = duckdb.connect()
    sql = content_hash_sql(lambda c: f"'{ {'launched': '93.0'}.get(c, 'x') }'")
    same = content_hash_sql(lambda c: f"'{ {'launched': ' 93'}.get(c, 'x') }'")
    other = content_hash_sql(lambda c: f"'{ {'launched': '94'}.get(c, 'x') }'")
    a, b, c = con.execute(f"SELECT {sql}, {same}, {other}").fetchall()[0]
    con.close()
    assert a == b != c


def test_quoted_line_breaks_and_bom_are_read(tmp_path: Path, release_new: Path) -> None:
    lines = (release_new / "missile_attacks_daily.csv").read_text(encoding="utf-8").splitlines()
    header, first = lines[0], lines[1]
    fields = next(csv.reader([first]))
    fields[SOURCE_COLUMNS.index("launch_place_details")] = "{'Shahed-136/131':\n 'Kursk oblast'}"
    buffer = io.StringIO()
    csv.writer(buffer).writerow(fields)
    target = tmp_path / "multiline"
    target.mkdir()
    text = "\ufeff" + header + "\n" + buffer.getvalue() + "\n".join(lines[2:20]) + "\n"
    (target / "missile_attacks_daily.csv").write_text(text, encoding="utf-8")
    reports = read_release(target).reports
    assert reports.num_rows == 19
    raw = reports.column("raw")[0].as_py()
    assert raw["launch_place_details"] == "{'Shahed-136/131':\n 'Kursk oblast'}"
    assert reports.column("launched")[0].as_py() == 93


def test_rows_stay_aligned_with_their_raw_source(release_new: Path) -> None:
    """Normalized values line up with their raw row on a large multi-chunk input.

    DuckDB returns the rows of a table of several large Arrow chunks out of order; this
    input (37 copies of the release in two chunks) showed it before rows were re-sorted.
    """
    path = release_new / "missile_attacks_daily.csv"
    text_table = read_text_table(path, path.read_bytes())
    copies = pa.concat_tables([text_table] * 37).combine_chunks()
    big = pa.Table.from_batches(copies.to_batches(max_chunksize=70_000))
    assert big.column(0).num_chunks == 2
    reports = normalize(path, big)
    con = duckdb.connect()
    con.register("reports", reports)
    misaligned = con.execute(
        "SELECT count(*) FROM reports WHERE model <> trim(raw.model) "
        "OR time_start <> try_cast(trim(raw.time_start) AS TIMESTAMP) "
        "OR launched <> coalesce(try_cast(try_cast(raw.launched AS DOUBLE) AS BIGINT), 0)"
    ).fetchall()
    key = f"substr(md5({_key_sql(raw_field(''))}), 1, 16)"
    first_copy = con.execute(
        f"SELECT count(*) FROM reports WHERE row_number <= 3585 AND {key} <> report_id"
    ).fetchall()
    con.close()
    assert misaligned == [(0,)]
    assert first_copy == [(0,)]


def test_results_are_put_back_in_file_order() -> None:
    shuffled = pa.table({"__position": [2, 0, 3, 1], "value": ["c", "a", "d", "b"]})
    assert _in_file_order(shuffled).column("value").to_pylist() == ["a", "b", "c", "d"]
