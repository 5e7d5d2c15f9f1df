"""The store is never poisoned or lost: dates checked against the world, releases
dropped and renamed, files that are not stores refused, empty stores said to be empty."""

from __future__ import annotations

import re
from pathlib import Path

import duckdb
import pytest
from tests.ledger.helpers import run_cli, store_contents, write_release

from missilewatch.errors import InputError
from missilewatch.ledger import (
    attacks,
    check,
    drop_release,
    ingest,
    releases,
    rename_release,
    stats,
)
from missilewatch.ledger.store import EmptyStoreError, open_reader


def _one_line_error(args: list[str], pattern: str) -> str:
    code, _out, err = run_cli(args)
    assert code == 2, err
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), err
    assert re.search(pattern, lines[0]), lines[0]
    return lines[0]


@pytest.mark.parametrize(
    ("when", "why"),
    [("2099-03-01 10:00", "after today"), ("2002-05-01 10:00", "before the full-scale invasion")],
)
def test_reports_dated_outside_the_war_are_refused(
    tmp_path: Path, release_old: Path, when: str, why: str
) -> None:
    def edit(index: int, row: dict[str, str]) -> None:
        if index == 5:
            row["time_start"] = when
            row["time_end"] = when

    bad = write_release(tmp_path / "bad", release_old, edit=edit)
    db = tmp_path / "store.duckdb"
    line = _one_line_error(["ingest", str(bad), "--db", str(db)], why)
    assert "row 6" in line and "time_start" in line
    assert not db.exists()


def test_end_before_start_and_duplicates_are_flagged(tmp_path: Path, release_old: Path) -> None:
    fields_rows = []

    def edit(index: int, row: dict[str, str]) -> None:
        if index == 3:
            row["time_start"], row["time_end"] = row["time_end"], row["time_start"]
        if index in (10, 11):
            fields_rows.append(dict(row))

    edited = write_release(tmp_path / "edited", release_old, edit=edit)
    # An exact copy of row 11 at the end of the file.
    with (edited / "missile_attacks_daily.csv").open("a", encoding="utf-8", newline="") as handle:
        import csv

        writer = csv.writer(handle)
        writer.writerow(list(fields_rows[1].values()))
    db = tmp_path / "store.duckdb"
    ingest(edited, db)
    flags = check(db)
    assert (flags["flag"] == "end_before_start").sum() == 1
    assert (flags["flag"] == "duplicate_row").sum() == 2  # both copies are listed


def test_an_outlying_count_is_listed(tmp_path: Path, release_old: Path) -> None:
    target: dict[str, str] = {}

    def edit(index: int, row: dict[str, str]) -> None:
        if row["model"] == "Kalibr" and not target:
            row["launched"] = "4000"
            target["row"] = str(index)

    db = tmp_path / "store.duckdb"
    ingest(write_release(tmp_path / "edited", release_old, edit=edit), db)
    outliers = check(db, flags=["outlier"])
    assert list(outliers["launched"]) == [4000]
    assert check(tmp_path / "none.duckdb", flags=["outlier"]).empty  # the real data has none


def test_drop_the_newest_release_restores_the_store_exactly(
    tmp_path: Path, shared_data: Path
) -> None:
    both, older = tmp_path / "both.duckdb", tmp_path / "older.duckdb"
    for db, names in (
        (both, ("2026-02-08", "2026-03-01", "2026-04-05")),
        (older, ("2026-02-08", "2026-03-01")),
    ):
        for name in names:
            ingest(shared_data / name, db)
    result = drop_release("2026-04-05", both)
    assert result.removed == 117 and result.restored == 7
    assert list(releases(both)["name"]) == ["2026-02-08", "2026-03-01"]
    mine, reference = store_contents(both), store_contents(older)
    for table in ("report_history", "allocations", "model_families"):
        assert mine[table] == reference[table], table
    # Reports: every value as before; the row positions (row_number) and the content
    # fingerprints are bookkeeping the drop does not need to restore.
    assert _reports(both) == _reports(older)
    # The dropped release ingests again as it did the first time.
    again = ingest(shared_data / "2026-04-05", both)
    assert (again.added, again.revised) == (117, 7)


def _reports(db: Path) -> list[tuple[object, ...]]:
    con = duckdb.connect(str(db), read_only=True)
    try:
        return con.execute(
            "SELECT * EXCLUDE (row_number, content_hash) FROM reports ORDER BY report_id"
        ).fetchall()
    finally:
        con.close()


def test_only_the_newest_release_can_be_dropped(tmp_path: Path, shared_data: Path) -> None:
    db = tmp_path / "store.duckdb"
    ingest(shared_data / "2026-02-08", db)
    ingest(shared_data / "2026-04-05", db)
    before = store_contents(db)
    with pytest.raises(InputError, match="not the newest"):
        drop_release("2026-02-08", db)
    _one_line_error(["releases", "--drop", "2030-01-01", "--db", str(db)], "not in the store")
    assert store_contents(db) == before


def test_a_release_date_can_be_corrected(tmp_path: Path, shared_data: Path) -> None:
    db = tmp_path / "store.duckdb"
    ingest(shared_data / "2026-02-08", db)
    ingest(shared_data / "2026-04-05", db)
    code, _out, err = run_cli(
        ["releases", "--rename", "2026-04-05", "--to", "2026-04-06", "--db", str(db)]
    )
    assert code == 0, err
    assert list(releases(db)["name"]) == ["2026-02-08", "2026-04-06"]
    with pytest.raises(InputError, match="out of order"):
        rename_release("2026-04-06", "2026-01-01", db)
    with pytest.raises(InputError, match="outside"):
        rename_release("2026-04-06", "2099-01-01", db)


@pytest.mark.parametrize(
    "content", [b"time_start,time_end\n2026-01-01,2026-01-02\n", b"PAR1\x00\x00"]
)
def test_db_on_a_file_that_is_not_a_store(
    tmp_path: Path, release_old: Path, content: bytes
) -> None:
    not_a_store = tmp_path / "data.csv"
    not_a_store.write_bytes(content)
    for args in (["ingest", str(release_old)], ["stats"], ["releases"], ["runs"]):
        _one_line_error([*args, "--db", str(not_a_store)], "not a DuckDB store")
    assert not_a_store.read_bytes() == content


def test_a_store_with_an_empty_ledger_says_so(tmp_path: Path) -> None:
    """What a first ingest killed midway leaves: the ledger tables, no release."""
    db = tmp_path / "store.duckdb"
    from missilewatch.ledger.store import _create_schema

    con = duckdb.connect(str(db))
    _create_schema(con)
    con.close()
    with pytest.raises(EmptyStoreError), open_reader(db):
        pass
    _one_line_error(["stats", "--db", str(db)], "holds no release")


def test_a_truncated_store_is_one_line(tmp_path: Path, release_old: Path) -> None:
    db = tmp_path / "store.duckdb"
    ingest(release_old, db)
    data = db.read_bytes()
    db.write_bytes(data[: len(data) // 3])
    _one_line_error(["stats", "--db", str(db)], "cannot open the DuckDB store")


def test_a_duplicated_column_is_one_line(tmp_path: Path, release_old: Path) -> None:
    import csv

    from tests.ledger.helpers import read_rows

    fields, rows = read_rows(release_old)
    bad = tmp_path / "bad"
    bad.mkdir()
    with (bad / "missile_attacks_daily.csv").open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow([*fields, "model"])
        for row in rows[:50]:
            writer.writerow([*(row[f] for f in fields), row["model"]])
    _one_line_error(["ingest", str(bad), "--db", str(tmp_path / "s.duckdb")], "more than once")


def test_a_folder_that_cannot_be_written_is_one_line(release_old: Path) -> None:
    # /proc refuses new entries even to root (a read-only file system behaves alike).
    _one_line_error(
        ["ingest", str(release_old), "--db", "/proc/missilewatch-test/s.duckdb"],
        "cannot create the store's folder",
    )


def test_a_read_only_folder_is_one_line(tmp_path: Path, release_old: Path) -> None:
    import os

    folder = tmp_path / "locked"
    folder.mkdir()
    folder.chmod(0o500)
    try:
        if os.access(folder, os.W_OK):
            pytest.skip("running as a user who can write anywhere")
        _one_line_error(["ingest", str(release_old), "--db", str(folder / "s.duckdb")], "read-only")
    finally:
        folder.chmod(0o700)


def test_stats_carry_the_defeated_rate(release_new: Path) -> None:
    frame = stats(period="year", by="class")
    drones = frame[frame["weapon_class"] == "attack-uav"]
    expected = (drones["destroyed"] + drones["not_reach_goal"]) / drones["launched"]
    assert (abs(drones["defeated_rate"] - expected) < 1e-12).all()
    assert (drones["defeated_rate"] >= drones["intercept_rate"]).all()
    assert not frame["lower_bound"].any()
    assert attacks(allocated=False)["launched"].dtype == "int64"  # nothing withheld here


def test_update_from_refuses_an_absurd_archive(tmp_path: Path) -> None:
    import zipfile

    bomb = tmp_path / "release.zip"
    with (
        zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as archive,
        archive.open("missile_attacks_daily.csv", "w") as member,
    ):
        for _ in range(40):
            member.write(b"0" * (1 << 20))  # 40 MB of one byte: about 40 KB compressed
    db = tmp_path / "store.duckdb"
    _one_line_error(["update", "--from", str(bomb), "--db", str(db)], "would expand")
    assert not db.exists()


def test_a_line_longer_than_the_limit_is_refused(tmp_path: Path, release_old: Path) -> None:
    from missilewatch.limits import MAX_CSV_LINE_BYTES

    def edit(index: int, row: dict[str, str]) -> None:
        if index == 2:
            row["target"] = "x" * (MAX_CSV_LINE_BYTES + 10)

    bad = write_release(tmp_path / "bad", release_old, edit=edit)
    _one_line_error(
        ["ingest", str(bad), "--db", str(tmp_path / "s.duckdb")], "line 4 is .* bytes long"
    )
