"""Quality flags: implausible but real values are stored and listed here, never rejected."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from missilewatch.ledger.store import open_reader

#: Flags that depend on a report's values (a revision can set or clear them): SQL
#: conditions with ``{p}`` for a table prefix. The first two exclude each other.
_VALUE_CONDITIONS: dict[str, str] = {
    "destroyed_gt_launched": "NOT {p}launched_missing AND {p}destroyed > {p}launched",
    "outcome_gt_launched": (
        "NOT {p}launched_missing AND {p}destroyed <= {p}launched "
        "AND {p}destroyed + {p}not_reach_goal > {p}launched"
    ),
    "launched_missing": "{p}launched_missing",
    "destroyed_missing": "{p}destroyed_missing",
}
VALUE_FLAGS: tuple[str, ...] = tuple(_VALUE_CONDITIONS)

#: flag -> (SQL condition on a report, what it means)
FLAGS: dict[str, tuple[str, str]] = {
    "destroyed_gt_launched": (
        _VALUE_CONDITIONS["destroyed_gt_launched"].format(p=""),
        "more destroyed than launched",
    ),
    "outcome_gt_launched": (
        _VALUE_CONDITIONS["outcome_gt_launched"].format(p=""),
        "destroyed + not reaching the target exceed launched (destroyed alone does not)",
    ),
    "launched_missing": ("launched_missing", "launched is empty (counted as 0)"),
    "destroyed_missing": ("destroyed_missing", "destroyed is empty (counted as 0)"),
    "unknown_model": (
        "model IN (SELECT model FROM model_families WHERE weapon_class = 'unknown')",
        "model not in the taxonomy (stored with --allow-unknown)",
    ),
    "counts_withheld": (
        "counts_withheld",
        "counts withheld upstream (status_data 'hidden'): stored as NULL, not in any sum",
    ),
    "end_before_start": ("time_end < time_start", "the report ends before it starts"),
    "duplicate_row": (
        "md5(CAST(raw AS VARCHAR)) IN (SELECT md5(CAST(raw AS VARCHAR)) FROM reports "
        "WHERE vanished_release IS NULL GROUP BY ALL HAVING count(*) > 1)",
        "the same source row appears more than once in the release",
    ),
    "outlier": (
        "report_id IN ({outliers})",
        "a family's launched count above {factor} times its 99th percentile",
    ),
    "vanished": ("vanished_release IS NOT NULL", "no longer in the upstream release"),
    "revised": ("revised_release IS NOT NULL", "values revised by a later release"),
}

#: ``outlier``: a report share whose launched count exceeds this many times the 99th
#: percentile of its family's other reports (families with at least
#: :data:`OUTLIER_MIN_REPORTS` reports): a typo of a digit, or a real record to verify.
OUTLIER_FACTOR = 4
OUTLIER_MIN_REPORTS = 20
_OUTLIER_SQL = f"""
    SELECT a.report_id FROM allocations a JOIN (
        SELECT family, quantile_cont(launched, 0.99) AS p99, count(*) AS n
        FROM allocations WHERE launched IS NOT NULL GROUP BY family
    ) q USING (family)
    WHERE q.n >= {OUTLIER_MIN_REPORTS} AND a.launched > {OUTLIER_FACTOR} * greatest(q.p99, 1)
"""

CHECK_COLUMNS: tuple[str, ...] = (
    "flag",
    "report_id",
    "date",
    "model",
    "launched",
    "destroyed",
    "not_reach_goal",
    "earlier",
    "cleared",
    "detail",
)


def value_flags_sql(prefix: str = "") -> str:
    """SQL: the value flags a row holds, comma-joined ('' for none); columns by ``prefix``."""
    parts = [
        f"CASE WHEN {condition.format(p=prefix)} THEN '{flag}' END"
        for flag, condition in _VALUE_CONDITIONS.items()
    ]
    return f"concat_ws(',', {', '.join(parts)})"


#: For each revised report: its previous values (the latest replaced version), their
#: release and the release that revised them, and the value flags they held that the
#: current values no longer hold.
_REVISION_SQL = f"""
    WITH last AS (
        SELECT * FROM report_history
        QUALIFY row_number() OVER (PARTITION BY report_id ORDER BY replaced_in_release DESC) = 1
    )
    SELECT r.report_id,
           h.launched || '/' || h.destroyed || '/' || h.not_reach_goal || ' in '
               || coalesce(f.name, CAST(h.from_release AS VARCHAR)) || ', revised in '
               || coalesce(t.name, CAST(h.replaced_in_release AS VARCHAR)) AS earlier,
           {value_flags_sql("h.")} AS old_flags,
           {value_flags_sql("r.")} AS new_flags
    FROM reports r JOIN last h USING (report_id)
    LEFT JOIN releases f ON f.release_id = h.from_release
    LEFT JOIN releases t ON t.release_id = h.replaced_in_release
"""


def _cleared(old: str, new: str) -> str:
    now = set(new.split(",")) if new else set()
    return ",".join(f for f in old.split(",") if f and f not in now)


def check(db: Path | str | None = None, *, flags: list[str] | None = None) -> pd.DataFrame:
    """One row per (flag, report).

    Columns: flag, report_id, date, model, launched, destroyed, not_reach_goal (current
    values), earlier (for ``revised``: the previous launched/destroyed/not_reach_goal,
    their release and the revising one, e.g. ``2/4/0 in 2026-02-08, revised in
    2026-04-05``; else empty), cleared (for ``revised``: the value flags the previous
    values held and the current ones do not, comma-joined; else empty), detail.
    """
    selected = flags or list(FLAGS)
    unknown = [f for f in selected if f not in FLAGS]
    if unknown:
        from missilewatch.errors import UnknownNameError

        raise UnknownNameError(f"flag {unknown[0]!r}; expected one of {', '.join(FLAGS)}")

    def condition(flag: str) -> str:
        return FLAGS[flag][0].replace("{outliers}", _OUTLIER_SQL)

    def detail(flag: str) -> str:
        return FLAGS[flag][1].replace("{factor}", str(OUTLIER_FACTOR)).replace("'", "''")

    parts = [
        f"SELECT '{flag}' AS flag, report_id, date, model, launched, destroyed, "
        f"not_reach_goal, '{detail(flag)}' AS detail FROM reports WHERE {condition(flag)}"
        for flag in selected
    ]
    with open_reader(db) as (con, source):
        frame = con.execute(" UNION ALL ".join(parts) + " ORDER BY flag, date, report_id").df()
        revisions = (
            con.execute(_REVISION_SQL).df()
            if source.kind == "store" and "revised" in selected
            else pd.DataFrame(columns=["report_id", "earlier", "old_flags", "new_flags"])
        )
    revisions["cleared"] = [
        _cleared(str(old), str(new))
        for old, new in zip(revisions["old_flags"], revisions["new_flags"], strict=True)
    ]
    revisions["flag"] = "revised"
    frame = frame.merge(
        revisions[["flag", "report_id", "earlier", "cleared"]], on=["flag", "report_id"], how="left"
    )
    for column in ("earlier", "cleared"):
        frame[column] = frame[column].astype(object).where(frame[column].notna(), "").astype(str)
    frame["date"] = pd.to_datetime(frame["date"])
    for column in ("launched", "destroyed", "not_reach_goal"):
        # Withheld counts stay NA (nullable Int64), never 0.
        frame[column] = frame[column].astype("Int64" if frame[column].isna().any() else "int64")
    return frame[list(CHECK_COLUMNS)].reset_index(drop=True)
