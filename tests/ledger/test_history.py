"""Revisions from the CLI and the flags they cleared, on the two real releases."""

from __future__ import annotations

import io
from pathlib import Path

import pandas as pd
import pytest
from tests.ledger.helpers import run_cli

from missilewatch.errors import ParameterError
from missilewatch.ledger import check, ingest, revisions


@pytest.fixture
def both_db(tmp_path: Path, release_old: Path, release_new: Path) -> Path:
    db = tmp_path / "both.duckdb"
    ingest(release_old, db)
    ingest(release_new, db)
    return db


def _csv(args: list[str]) -> pd.DataFrame:
    code, out, err = run_cli([*args, "-f", "csv"])
    assert code == 0, err
    return pd.read_csv(io.StringIO(out), keep_default_na=False)


def test_zircon_is_listed_once_with_2026_02_08_alone(tmp_path: Path, release_old: Path) -> None:
    db = tmp_path / "old.duckdb"
    ingest(release_old, db)
    flagged = _csv(["check", "--db", str(db)])
    zircon = flagged[flagged["model"] == "3M22 Zircon"]
    assert zircon[["flag", "launched", "destroyed", "not_reach_goal"]].values.tolist() == [
        ["destroyed_gt_launched", 2, 4, 0]
    ]
    # outcome_gt_launched is for destroyed <= launched; the Shahed row of 2024-12-27 stays.
    over = check(db, flags=["outcome_gt_launched"])
    assert over[["model", "launched", "destroyed", "not_reach_goal"]].values.tolist() == [
        ["Shahed-136/131", 16, 15, 11]
    ]


def test_check_shows_what_a_revision_cleared(both_db: Path) -> None:
    revised = _csv(["check", "--db", str(both_db), "--flag", "revised"])
    assert len(revised) == 3
    zircon = revised[revised["model"] == "3M22 Zircon"].iloc[0]
    assert (zircon["launched"], zircon["destroyed"]) == (2, 0)
    assert zircon["earlier"] == "2/4/0 in 2026-02-08, revised in 2026-04-05"
    assert zircon["cleared"] == "destroyed_gt_launched"
    others = revised[revised["model"] != "3M22 Zircon"]
    assert set(others["cleared"]) == {""}
    assert set(others["earlier"].str.endswith("in 2026-02-08, revised in 2026-04-05")) == {True}
    # The table shows the earlier values too.
    code, out, _err = run_cli(["check", "--db", str(both_db), "--flag", "revised"])
    assert code == 0 and "2/4/0" in out


def test_history_lists_old_and_new_values_and_releases(both_db: Path) -> None:
    listed = _csv(["history", "--db", str(both_db)])
    by_model = listed.set_index("model")
    assert sorted(by_model.index) == ["3M22 Zircon", "Iskander-M/KN-23", "X-59/X-69"]
    assert set(listed["from_release"]) == {"2026-02-08"}
    assert set(listed["revised_in"]) == {"2026-04-05"}
    columns = [f"{c}_{v}" for v in ("old", "new") for c in ("launched", "destroyed")]
    assert by_model.loc["3M22 Zircon", columns].tolist() == [2, 4, 2, 0]
    x59 = by_model.loc["X-59/X-69"]
    assert (x59["not_reach_goal_old"], x59["not_reach_goal_new"]) == (0, 2)

    only = _csv(["history", "--db", str(both_db), "--model", "3m22  zircon"])
    assert only["model"].tolist() == ["3M22 Zircon"]
    since = _csv(["history", "--db", str(both_db), "--since", "2026-02-06"])
    assert since["model"].tolist() == ["3M22 Zircon"]  # is dated 2026-02-05
    code, out, _err = run_cli(["history", "--db", str(both_db)])
    assert code == 0 and "2/4/0" in out and "2/0/0" in out


def test_history_on_the_snapshot_is_empty_and_says_so() -> None:
    assert revisions().empty
    code, out, err = run_cli(["history"])
    assert code == 0 and out == ""
    assert "no revision" in err
    with pytest.raises(ParameterError, match="since"):
        revisions(since="8 Feb")
