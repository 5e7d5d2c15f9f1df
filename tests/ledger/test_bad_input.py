"""Bad input: one line naming file, row and field; CLI exit 2; the store unchanged."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from tests.ledger.helpers import Row, read_rows, run_cli, store_contents, write_release

from missilewatch.errors import InputError
from missilewatch.ledger import ingest


def _set(index: int, column: str, value: str) -> Callable[[int, Row], None]:
    def edit(i: int, row: Row) -> None:
        if i == index:
            row[column] = value

    return edit


@pytest.fixture
def filled_db(tmp_path: Path, release_old: Path) -> Path:
    db = tmp_path / "store.duckdb"
    ingest(release_old, db)
    return db


def _assert_rejected(release: Path, db: Path, pattern: str) -> None:
    """The API raises one line matching ``pattern``; the CLI exits 2; the store is intact."""
    before = store_contents(db)
    with pytest.raises(InputError, match=pattern) as caught:
        ingest(release, db)
    assert "\n" not in str(caught.value)
    assert store_contents(db) == before
    code, _out, err = run_cli(["ingest", str(release), "--db", str(db)])
    assert code == 2
    assert err.startswith("error: ") and len(err.strip().splitlines()) == 1, err
    assert store_contents(db) == before


@pytest.mark.parametrize(
    ("column", "value", "pattern"),
    [
        ("time_start", "2024-02-30 10:00", r"row 8: field 'time_start': cannot read '2024-02-30"),
        ("time_end", "yesterday", r"row 8: field 'time_end': cannot read 'yesterday'"),
        ("time_start", "", r"row 8: field 'time_start': cannot read '\(empty\)'"),
        ("launched", "-3", r"row 8: field 'launched': '-3' is negative count"),
        ("destroyed", "2.5", r"row 8: field 'destroyed': '2.5' is not a whole number"),
        ("not_reach_goal", "many", r"row 8: field 'not_reach_goal': 'many' is not a number"),
        ("model", "  ", r"row 8: field 'model' is empty"),
    ],
)
def test_bad_values_name_file_row_and_field(
    tmp_path: Path, release_new: Path, filled_db: Path, column: str, value: str, pattern: str
) -> None:
    release = write_release(
        tmp_path / "bad", release_new, keep=lambda i, _r: i < 40, edit=_set(7, column, value)
    )
    _assert_rejected(release, filled_db, r"missile_attacks_daily\.csv: " + pattern)


def test_missing_and_renamed_columns(tmp_path: Path, release_new: Path, filled_db: Path) -> None:
    fields, _rows = read_rows(release_new)
    renamed = [("affected_region" if f == "affected region" else f) for f in fields]
    release = write_release(
        tmp_path / "renamed", release_new, keep=lambda i, _r: i < 10, header=renamed
    )
    _assert_rejected(
        release,
        filled_db,
        r"row 0 \(header\): missing column\(s\) 'affected region'; "
        r"unexpected column\(s\): 'affected_region'",
    )
    path = tmp_path / "missing" / "missile_attacks_daily.csv"
    path.parent.mkdir()
    text = (release_new / "missile_attacks_daily.csv").read_text(encoding="utf-8")
    lines = text.splitlines()[:10]
    path.write_text("\n".join(line.split(",", 1)[1] for line in lines) + "\n", encoding="utf-8")
    _assert_rejected(path.parent, filled_db, r"missing column\(s\) 'time_start'")


def test_truncated_file(tmp_path: Path, release_new: Path, filled_db: Path) -> None:
    data = (release_new / "missile_attacks_daily.csv").read_bytes()
    lines = data.split(b"\n")
    cut = b"\n".join(lines[:21]) + b"\n" + lines[21][:40]
    path = tmp_path / "cut" / "missile_attacks_daily.csv"
    path.parent.mkdir()
    path.write_bytes(cut)
    _assert_rejected(path.parent, filled_db, r"row 21 \(line 22\).*(truncated|malformed)")


def test_non_utf8_file(tmp_path: Path, release_new: Path, filled_db: Path) -> None:
    lines = (release_new / "missile_attacks_daily.csv").read_bytes().split(b"\n")[:30]
    lines[12] = lines[12].replace(b"Ukraine", "Україна".encode("cp1251"), 1)
    path = tmp_path / "cp1251" / "missile_attacks_daily.csv"
    path.parent.mkdir()
    path.write_bytes(b"\n".join(lines) + b"\n")
    _assert_rejected(path.parent, filled_db, r"row 12 \(line 13\): not UTF-8 text")


def test_no_store_file_is_left_after_a_failed_first_ingest(
    tmp_path: Path, release_new: Path
) -> None:
    release = write_release(
        tmp_path / "bad", release_new, keep=lambda i, _r: i < 20, edit=_set(3, "launched", "x")
    )
    db = tmp_path / "new.duckdb"
    with pytest.raises(InputError):
        ingest(release, db)
    assert not db.exists()


def test_missing_release_path(tmp_path: Path) -> None:
    code, _out, err = run_cli(["ingest", str(tmp_path / "nowhere")])
    assert code == 2
    assert "no such file or folder" in err


def test_error_exit_is_clean_in_a_fresh_process(tmp_path: Path, release_new: Path) -> None:
    """A header one column short of its rows: the error line, exit 2, never an abort.

    With pyarrow's threaded CSV reader, a process exiting right after this error was
    sometimes aborted (exit 134, "terminate called without an active exception").
    """
    import subprocess
    import sys

    text = (release_new / "missile_attacks_daily.csv").read_text(encoding="utf-8")
    header, rest = text.split("\n", 1)
    path = tmp_path / "short-header" / "missile_attacks_daily.csv"
    path.parent.mkdir()
    path.write_text(header.replace(",launched,", ",", 1) + "\n" + rest, encoding="utf-8")
    command = [sys.executable, "-c", "from missilewatch.cli import main; main()", "ingest"]
    runs = [
        subprocess.run(
            [*command, str(path), "--db", str(tmp_path / "s.duckdb")],
            capture_output=True,
            text=True,
            check=False,
        )
        for _ in range(4)
    ]
    for run in runs:
        assert run.returncode == 2, run.stderr
        assert run.stderr.strip().splitlines() == [
            f"error: {path}: row 1 (line 2): expected 21 fields, found 22 "
            "(truncated or malformed file?)"
        ]
