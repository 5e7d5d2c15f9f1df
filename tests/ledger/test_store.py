"""Ingesting the real releases into a DuckDB store: added, revised, vanished, history."""

from __future__ import annotations

import warnings
from pathlib import Path

import pytest
from tests.ledger.helpers import store_contents, write_release

from missilewatch.errors import InputError, MissilewatchWarning, UnknownNameError
from missilewatch.ledger import attacks, check, history, ingest, releases, stats
from missilewatch.paths import default_db_path


@pytest.fixture
def db(tmp_path: Path) -> Path:
    return tmp_path / "ledger.duckdb"


def test_old_then_new_release_counts(db: Path, release_old: Path, release_new: Path) -> None:
    first = ingest(release_old, db)
    assert (first.added, first.revised, first.vanished) == (3378, 0, 0)
    second = ingest(release_new, db)
    assert (second.added, second.revised, second.vanished) == (207, 3, 0)
    assert second.unchanged == 3585 - 207 - 3
    listed = releases(db)
    assert list(listed["name"]) == ["2026-02-08", "2026-04-05"]
    assert list(listed["added"]) == [3378, 207]
    assert list(listed["revised"]) == [0, 3]
    revised = history(db)
    assert sorted(zip(revised["model"], revised["date"].astype(str), strict=True)) == [
        ("3M22 Zircon", "2026-02-07"),
        ("Iskander-M/KN-23", "2025-06-29"),
        ("X-59/X-69", "2026-02-05"),  # reported 2026-02-05 18:00 .. 2026-02-06 12:30
    ]
    assert set(revised["from_release"]) == {1} and set(revised["replaced_in_release"]) == {2}
    zircon = revised[revised["model"] == "3M22 Zircon"].iloc[0]
    assert (zircon["launched"], zircon["destroyed"]) == (2, 4)


def test_same_release_twice_changes_nothing(db: Path, release_old: Path, release_new: Path) -> None:
    ingest(release_old, db)
    ingest(release_new, db)
    before = store_contents(db)
    again = ingest(release_new, db)
    assert not again.changed and again.already_ingested
    assert (again.added, again.revised, again.vanished) == (0, 0, 0)
    assert store_contents(db) == before


def test_destroyed_above_launched_is_flagged_then_corrected(
    db: Path, release_old: Path, release_new: Path
) -> None:
    ingest(release_old, db)
    flagged = check(db, flags=["destroyed_gt_launched"])
    assert list(flagged["model"]) == ["3M22 Zircon"]
    assert (flagged.iloc[0]["launched"], flagged.iloc[0]["destroyed"]) == (2, 4)
    ingest(release_new, db)
    assert check(db, flags=["destroyed_gt_launched"]).empty
    revised = check(db, flags=["revised"])
    assert len(revised) == 3
    missing = check(db, flags=["launched_missing"])
    assert sorted(missing["model"]) == ["C-300", "C-300", "Iskander-M/KN-23"]
    over = check(db, flags=["outcome_gt_launched"])
    assert over[["model", "launched", "destroyed", "not_reach_goal"]].values.tolist() == [
        ["Shahed-136/131", 16, 15, 11]
    ]


def test_vanished_rows_are_flagged_not_deleted(
    db: Path, tmp_path: Path, release_old: Path, release_new: Path
) -> None:
    ingest(release_old, db)
    # 2026-04-05 without its 585 oldest rows (the first rows are the newest); those are
    # reports of 2026-02-08, so 585 stored reports vanish (allowed on purpose).
    reduced = write_release(tmp_path / "reduced", release_new, keep=lambda i, _row: i < 3000)
    result = ingest(reduced, db, allow_vanish=True)
    assert (result.added, result.revised, result.vanished) == (207, 3, 585)
    assert len(attacks(db, allocated=False)) == 3000
    assert len(check(db, flags=["vanished"])) == 585

    # A later release (its newest report moved a day on) brings them back.
    def later(index: int, row: dict[str, str]) -> None:
        if index == 0:
            row["time_end"] = row["time_end"].replace("2026-04-05", "2026-04-06")

    back = ingest(write_release(tmp_path / "back", release_new, edit=later), db)
    assert back.release == "2026-04-06"
    assert (back.added, back.vanished, back.reappeared) == (1, 1, 585)
    assert len(attacks(db, allocated=False)) == 3585


def test_older_release_after_newer_is_refused(
    db: Path, release_old: Path, release_new: Path
) -> None:
    ingest(release_new, db)
    before = store_contents(db)
    with pytest.raises(InputError, match="older than the newest stored release 2026-04-05"):
        ingest(release_old, db)
    assert store_contents(db) == before


def test_store_replaces_the_snapshot_once_filled(release_old: Path) -> None:
    assert attacks(allocated=False)["date"].max().strftime("%Y-%m-%d") == "2026-04-04"
    ingest(release_old)  # the default path, inside the test's MISSILEWATCH_HOME
    assert default_db_path().is_file()
    assert attacks(allocated=False)["date"].max().strftime("%Y-%m-%d") <= "2026-02-08"
    yearly = stats(period="year")
    assert yearly["launched"].sum() == attacks(allocated=False)["launched"].sum()


def test_unknown_model_stops_or_is_allowed(db: Path, tmp_path: Path, release_new: Path) -> None:
    def rename(index: int, row: dict[str, str]) -> None:
        if index == 0:
            row["model"] = "Tornado-S"

    edited = write_release(
        tmp_path / "edited", release_new, keep=lambda i, _r: i < 200, edit=rename
    )
    with pytest.raises(UnknownNameError, match=r"'Tornado-S'.*--taxonomy FILE"):
        ingest(edited, db)
    assert not db.exists()
    with pytest.warns(MissilewatchWarning, match="Tornado-S"):
        ingest(edited, db, allow_unknown=True)
    unknown = check(db, flags=["unknown_model"])
    assert list(unknown["model"]) == ["Tornado-S"]
    rows = attacks(db)
    assert set(rows.loc[rows["model"] == "Tornado-S", "weapon_class"]) == {"unknown"}


def test_user_taxonomy_maps_a_new_model(db: Path, tmp_path: Path, release_new: Path) -> None:
    def rename(index: int, row: dict[str, str]) -> None:
        if index == 0:
            row["model"] = "Tornado-S and Shahed-136/131"

    edited = write_release(tmp_path / "edited", release_new, keep=lambda i, _r: i < 50, edit=rename)
    user = tmp_path / "taxonomy.toml"
    user.write_text(
        '[[family]]\nname = "Tornado-S"\nclass = "other"\naliases = []\n', encoding="utf-8"
    )
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        ingest(edited, db, taxonomy_file=user)
    rows = attacks(db)
    first = rows[rows["model"] == "Tornado-S and Shahed-136/131"]
    assert set(first["family"]) == {"Tornado-S", "Shahed/Geran"}
    assert first["launched"].sum() == 93


def test_unknown_model_leaves_a_filled_store_unchanged(
    db: Path, tmp_path: Path, release_old: Path, release_new: Path
) -> None:
    ingest(release_old, db)
    before = store_contents(db)

    def rename(index: int, row: dict[str, str]) -> None:
        if index == 3:
            row["model"] = "Palianytsia-X"

    edited = write_release(tmp_path / "edited", release_new, edit=rename)
    with pytest.raises(UnknownNameError, match="Palianytsia-X"):
        ingest(edited, db)
    assert store_contents(db) == before


def test_a_new_taxonomy_reallocates_every_report(
    db: Path, tmp_path: Path, release_old: Path, release_new: Path
) -> None:
    ingest(release_old, db)
    shared = attacks(db, end="2025-12-31")
    kn23_before = shared.loc[shared["family"] == "KN-23", "launched"].sum()
    user = tmp_path / "even.toml"
    user.write_text(
        '[[model]]\nname = "Iskander-M/KN-23"\nfamilies = { "Iskander-M" = 1, "KN-23" = 1 }\n',
        encoding="utf-8",
    )
    ingest(release_new, db, taxonomy_file=user)
    after = attacks(db, end="2025-12-31")
    kn23_after = after.loc[after["family"] == "KN-23", "launched"].sum()
    reported = attacks(db, allocated=False, end="2025-12-31")
    combined = reported.loc[reported["model"] == "Iskander-M/KN-23", "launched"].sum()
    assert kn23_before < kn23_after
    assert abs(kn23_after - combined / 2) <= reported["model"].eq("Iskander-M/KN-23").sum()
    assert after["launched"].sum() == reported["launched"].sum()
