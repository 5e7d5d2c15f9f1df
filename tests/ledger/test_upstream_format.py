"""The upstream dataset as it is today: ``status_data`` with withheld counts, new columns,
model strings whose case changed.

The fixture is the real 2026-04-05 release rewritten in the upstream format of
2026-08-15 onwards: the column ``status_data`` (empty for published counts), and
ballistic reports after 2026-08-13 with ``hidden`` status and placeholder ``0`` counts,
as the Air Force now publishes them.
"""

from __future__ import annotations

import csv
import warnings
from pathlib import Path

import pytest
from tests.ledger.helpers import read_rows

from missilewatch.errors import MissilewatchWarning
from missilewatch.ledger import attacks, check, ingest, monthly_launches, stats

NEW_COLUMN = "source_type"


def write_upstream_format(target: Path, release: Path) -> Path:
    fields, rows = read_rows(release)
    header = [*fields, "status_data", NEW_COLUMN]
    withheld = [
        # (start, end, model, launched, destroyed): the counts are placeholders.
        ("2026-08-20 19:00", "2026-08-21 09:00", "Iskander-M", "0", "0"),
        ("2026-08-27 20:00", "2026-08-28 08:30", "Iskander-M/KN-23", "0", "0"),
        ("2026-09-03 21:00", "2026-09-04 09:00", "ISKANDER-M", "0", "0"),
    ]
    published = [("2026-08-21 18:00", "2026-08-22 08:00", "Shahed-136/131", "120", "101")]
    target.mkdir(parents=True, exist_ok=True)
    path = target / "missile_attacks_daily.csv"
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        for start, end, model, launched, destroyed, status in [
            *[(*row, "hidden") for row in withheld],
            *[(*row, "") for row in published],
        ]:
            record = dict.fromkeys(fields, "")
            record.update(
                time_start=start,
                time_end=end,
                model=model,
                target="Ukraine",
                launched=launched,
                destroyed=destroyed,
                not_reach_goal="0",
                source="kpszsu/posts/fixture-" + start[:10],
            )
            writer.writerow([record[f] for f in fields] + [status, "telegram"])
        for row in rows:
            writer.writerow([row[f] for f in fields] + ["", "facebook"])
    return target


@pytest.fixture(scope="module")
def upstream_db(tmp_path_factory: pytest.TempPathFactory, release_new: Path) -> Path:
    folder = write_upstream_format(tmp_path_factory.mktemp("upstream") / "today", release_new)
    db = folder.parent / "store.duckdb"
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        ingest(folder, db)
    announced = [str(w.message) for w in caught if issubclass(w.category, MissilewatchWarning)]
    assert any(NEW_COLUMN in message and "kept" in message for message in announced), announced
    return db


def test_withheld_counts_are_null_never_zero(upstream_db: Path) -> None:
    reports = attacks(upstream_db, allocated=False, start="2026-08-01")
    hidden = reports[reports["counts_withheld"]]
    assert len(hidden) == 3
    assert hidden["launched"].isna().all() and hidden["destroyed"].isna().all()
    assert reports["launched"].dtype == "Int64"
    # The shares of a withheld multi-model report are withheld too.
    shares = attacks(upstream_db, allocated=True, start="2026-08-01")
    assert shares.loc[shares["counts_withheld"], "launched"].isna().all()


def test_stats_count_withheld_reports_and_mark_lower_bounds(upstream_db: Path) -> None:
    frame = stats(upstream_db, period="month", by="class", start="2026-08-01")
    ballistic = frame[frame["weapon_class"] == "ballistic"].set_index("period")
    assert ballistic.loc["2026-08", "withheld_reports"] == 2
    assert ballistic.loc["2026-09", "withheld_reports"] == 1
    assert ballistic["lower_bound"].all()
    assert (ballistic["launched"] == 0).all()  # no published count: the sum is 0, a bound
    drones = frame[frame["weapon_class"] == "attack-uav"].set_index("period")
    assert drones.loc["2026-08", "launched"] == 120 and not drones.loc["2026-08", "lower_bound"]
    monthly = monthly_launches(upstream_db, by="weapon_class")
    august = monthly[(monthly["month"] == "2026-08") & (monthly["weapon_class"] == "ballistic")]
    assert int(august["withheld_reports"].iloc[0]) == 2


def test_status_and_new_columns_are_kept(upstream_db: Path) -> None:
    import duckdb

    con = duckdb.connect(str(upstream_db), read_only=True)
    try:
        statuses = dict(
            con.execute(
                "SELECT coalesce(status_data, '(none)'), count(*) FROM reports GROUP BY ALL"
            ).fetchall()
        )
        extra = con.execute("SELECT DISTINCT extra_columns FROM reports ORDER BY 1").fetchall()
    finally:
        con.close()
    assert statuses["hidden"] == 3
    assert {row[0] for row in extra} == {
        '{"source_type": "telegram"}',
        '{"source_type": "facebook"}',
    }
    flagged = check(upstream_db, flags=["counts_withheld"])
    assert len(flagged) == 3 and flagged["launched"].isna().all()


def test_a_change_of_case_in_a_model_string_matches(upstream_db: Path) -> None:
    shares = attacks(upstream_db, allocated=True, start="2026-09-01", end="2026-09-30")
    upper = shares[shares["model"] == "ISKANDER-M"]
    assert list(upper["family"]) == ["Iskander-M"]
