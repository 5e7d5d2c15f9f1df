"""Quality flags: implausible but real values are stored and listed here, never rejected."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from missilewatch.ledger.store import open_reader

#: flag -> (SQL condition on a report, what it means)
FLAGS: dict[str, tuple[str, str]] = {
    "destroyed_gt_launched": (
        "NOT launched_missing AND destroyed > launched",
        "more destroyed than launched",
    ),
    "outcome_gt_launched": (
        "NOT launched_missing AND destroyed + not_reach_goal > launched",
        "destroyed + not reaching the target exceed launched",
    ),
    "launched_missing": ("launched_missing", "launched is empty (counted as 0)"),
    "destroyed_missing": ("destroyed_missing", "destroyed is empty (counted as 0)"),
    "unknown_model": (
        "model IN (SELECT model FROM model_families WHERE weapon_class = 'unknown')",
        "model not in the taxonomy (stored with --allow-unknown)",
    ),
    "vanished": ("vanished_release IS NOT NULL", "no longer in the upstream release"),
    "revised": ("revised_release IS NOT NULL", "values revised by a later release"),
}

CHECK_COLUMNS: tuple[str, ...] = (
    "flag",
    "report_id",
    "date",
    "model",
    "launched",
    "destroyed",
    "not_reach_goal",
    "detail",
)


def check(db: Path | str | None = None, *, flags: list[str] | None = None) -> pd.DataFrame:
    """One row per (flag, report). Columns: flag, report_id, date, model, launched,
    destroyed, not_reach_goal, detail."""
    selected = flags or list(FLAGS)
    unknown = [f for f in selected if f not in FLAGS]
    if unknown:
        from missilewatch.errors import UnknownNameError

        raise UnknownNameError(f"flag {unknown[0]!r}; expected one of {', '.join(FLAGS)}")
    parts = [
        f"SELECT '{flag}' AS flag, report_id, date, model, launched, destroyed, "
        f"not_reach_goal, '{FLAGS[flag][1]}' AS detail FROM reports WHERE {FLAGS[flag][0]}"
        for flag in selected
    ]
    with open_reader(db) as (con, _source):
        frame = con.execute(" UNION ALL ".join(parts) + " ORDER BY flag, date, report_id").df()
    frame["date"] = pd.to_datetime(frame["date"])
    for column in ("launched", "destroyed", "not_reach_goal"):
        frame[column] = frame[column].astype("int64")
    return frame[list(CHECK_COLUMNS)].reset_index(drop=True)
