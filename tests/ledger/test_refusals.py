"""Releases that would silently empty or damage the store are refused, store unchanged.

A header-only file, a release whose name is already stored from another file, and a
release that would flag more than 50 reports (or 5% of them) as vanished: one line, exit
2, the store exactly as before; ``--allow-vanish`` accepts the last on purpose.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from tests.ledger.helpers import run_cli, store_contents, write_release

from missilewatch.errors import InputError
from missilewatch.ledger import attacks, check, ingest, releases, update
from missilewatch.ledger.store import VANISH_LIMIT_ROWS


@pytest.fixture
def old_db(tmp_path: Path, release_old: Path) -> Path:
    db = tmp_path / "store.duckdb"
    ingest(release_old, db)
    return db


def _refused(args: list[str], db: Path, pattern: str) -> None:
    """The CLI prints one error line matching ``pattern``, exits 2, changes nothing."""
    before = store_contents(db)
    code, _out, err = run_cli([*args, "--db", str(db)])
    assert code == 2, err
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), err
    assert re.search(pattern, lines[0]), lines[0]
    assert store_contents(db) == before


def test_header_only_release_is_refused(tmp_path: Path, release_old: Path, old_db: Path) -> None:
    empty = write_release(tmp_path / "empty", release_old, keep=lambda _i, _r: False)
    before = store_contents(old_db)
    with pytest.raises(InputError, match=r"missile_attacks_daily\.csv: row 1: no data rows"):
        ingest(empty, old_db)
    assert store_contents(old_db) == before
    _refused(["ingest", str(empty)], old_db, "no data rows after the header")
    _refused(["update", "--from", str(empty)], old_db, "no data rows after the header")
    # Not even into a new store.
    fresh = tmp_path / "fresh.duckdb"
    with pytest.raises(InputError, match="no data rows"):
        ingest(empty, fresh)
    assert not fresh.exists()
    assert len(attacks(old_db, allocated=False)) == 3378


def test_a_stored_release_name_from_another_file_is_refused(
    tmp_path: Path, release_old: Path, old_db: Path
) -> None:
    # The first rows are the newest, so a cut copy keeps the name 2026-02-08.
    cut = write_release(tmp_path / "cut", release_old, keep=lambda i, _r: i < 1)
    pattern = r"release 2026-02-08 is already stored \(release 1\) from another file"
    before = store_contents(old_db)
    with pytest.raises(InputError, match=pattern):
        ingest(cut, old_db)
    with pytest.raises(InputError, match=pattern):
        update(old_db, from_paths=[cut], allow_vanish=True)  # not a vanish question
    assert store_contents(old_db) == before
    _refused(["ingest", str(cut), "--allow-vanish"], old_db, pattern)
    assert list(releases(old_db)["name"]) == ["2026-02-08"]


def test_the_same_file_again_is_still_a_quiet_no_op(release_old: Path, old_db: Path) -> None:
    again = ingest(release_old, old_db)
    assert again.already_ingested and not again.changed


def _without_last(release_new: Path, target: Path, dropped: int) -> Path:
    """The 2026-04-05 release without its last ``dropped`` (oldest) rows.

    The oldest rows of 2026-04-05 are those of 2026-02-08 in the same order, so each
    dropped row is one stored report that vanishes.
    """
    return write_release(target, release_new, keep=lambda i, _r: i < 3585 - dropped)


def test_vanish_limit_in_rows(
    tmp_path: Path, release_old: Path, release_new: Path, old_db: Path
) -> None:
    at_limit = ingest(_without_last(release_new, tmp_path / "at", VANISH_LIMIT_ROWS), old_db)
    assert (at_limit.added, at_limit.revised, at_limit.vanished) == (207, 3, 50)

    db = tmp_path / "other.duckdb"
    ingest(release_old, db)
    over = _without_last(release_new, tmp_path / "over", VANISH_LIMIT_ROWS + 1)
    message = r"release 2026-04-05 \(3534 rows\) would flag 51 of 3378 stored reports as vanished"
    before = store_contents(db)
    with pytest.raises(InputError, match=message + r".*--allow-vanish"):
        ingest(over, db)
    assert store_contents(db) == before
    _refused(["ingest", str(over)], db, message)
    _refused(["update", "--from", str(over)], db, message)
    code, out, err = run_cli(["ingest", str(over), "--db", str(db), "--allow-vanish"])
    assert code == 0, err
    assert "207 added, 3 revised, 51 vanished" in out
    assert len(check(db, flags=["vanished"])) == 51


def test_vanish_limit_as_a_share(tmp_path: Path, release_old: Path, release_new: Path) -> None:
    # A store of the 400 newest reports of 2026-02-08: 5% is 20 reports.
    db = tmp_path / "small.duckdb"
    ingest(write_release(tmp_path / "small", release_old, keep=lambda i, _r: i < 400), db)
    stored = set(attacks(db, allocated=False)["report_id"])
    newer = set(attacks(allocated=False)["report_id"])  # the snapshot is 2026-04-05
    assert stored <= newer
    over = write_release(tmp_path / "over", release_new, keep=lambda i, _r: i < 586)
    with pytest.raises(InputError, match=r"would flag 21 of 400 stored reports as vanished"):
        ingest(over, db)
    at_limit = write_release(tmp_path / "at", release_new, keep=lambda i, _r: i < 587)
    result = ingest(at_limit, db)
    assert result.vanished == 20
